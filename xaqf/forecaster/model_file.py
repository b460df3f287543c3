"""The xaqf model-file format: :class:`ModelMetadata`, :func:`write_model`, :func:`read_model`.

A model file is one pickle-free ``.safetensors`` file (:mod:`xaqf._utils.tensor_file`): the
network weights as tensors ``net.*``, the static features as ``statics`` (when the model
has a fixed grid), and :meth:`ModelMetadata.to_dict` as the JSON header document, marked
``"format": "xaqf-model"``. This module alone writes and reads that document.

Reading checks, in order: the file exists (or the name is registered in
:mod:`xaqf.tutorial`), it is safetensors and not a pickle, its metadata is an xaqf model of
a known format version with every field, its channel lists (the model's pollutant and met
sets) are channels of this xaqf's catalogue in its order and as many as the network's input
widths, and the weights and static features fit the stored model config and grid exactly.
Any failure is a :class:`~xaqf.errors.ModelFileError` naming the file and the problem.

Examples
--------
>>> import numpy as np, xarray as xr
>>> from xaqf.model import get_config
>>> from xaqf.variables import MET_CHANNELS, POLLUTANT_CHANNELS
>>> channels = list(POLLUTANT_CHANNELS + MET_CHANNELS)
>>> stats = xr.Dataset({"mean": ("channel", np.zeros(143)), "std": ("channel", np.ones(143))},
...                    coords={"channel": channels})
>>> meta = ModelMetadata(get_config("tiny"), stats)
>>> ModelMetadata.from_json(meta.to_json()) == meta
True
>>> ModelMetadata.from_dict({"format": FORMAT, "format_version": 1})
Traceback (most recent call last):
...
xaqf.errors.ModelFileError: model metadata lacks ['model_config', 'stats', ...
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import torch
import xarray as xr

from xaqf._utils.serialize import from_dict, to_dict
from xaqf._utils.tensor_file import read_file, write_file
from xaqf._version import __version__
from xaqf.errors import ConfigError, ModelFileError
from xaqf.model import FusionUNet, ModelConfig, build_model
from xaqf.preprocessing.emissions import EmissionEncoder
from xaqf.preprocessing.encoding import TransformSettings
from xaqf.preprocessing.statics import STATIC_CHANNELS
from xaqf.variables import GREY_LINE, MET_CHANNELS, POLLUTANT_CHANNELS, PRESSURE_LEVELS

FORMAT = "xaqf-model"
"""Value of the ``format`` key of every model file's metadata."""

FORMAT_VERSION = 2
"""Newest model-file format version this xaqf writes and reads (2 added ``emissions``;
version-1 files, without it, still load)."""

OPTIONAL_FIELDS: tuple[str, ...] = ("emissions",)
"""Metadata fields that older files lack (they then take their default)."""


@dataclass(frozen=True, eq=False)
class ModelMetadata:
    """Everything in a model file but the tensors.

    Parameters
    ----------
    model_config
        The network's configuration.
    stats
        Normalisation statistics of the pollutant then met channels.
    grid
        The model grid (``latitude``/``longitude`` coordinates), or ``None`` (any grid).
    step
        Time step.
    grey_line
        Grey-line variables, sorted.
    transform
        Log-transform settings, or ``None``.
    provenance
        Free JSON-able record of how the weights were trained.
    emissions
        The emission inputs (:class:`~xaqf.preprocessing.emissions.EmissionEncoder`: settings and
        statistics), or ``None`` for a model without emissions.
    pollutant_channels, met_channels
        The model's channel sets (:attr:`xaqf.Forecaster.pollutant_channels`, ...): the
        whole catalogue by default, as in files written before models had sets.
    static_channels, levels
        The catalogue the file was written with.
    format_version, xaqf_version
        Versions of the format and of the xaqf that wrote the file.

    Two metadata compare equal when their :meth:`to_dict` documents are equal.
    """

    model_config: ModelConfig
    stats: xr.Dataset
    grid: xr.Dataset | None = None
    step: pd.Timedelta = pd.Timedelta("12h")
    grey_line: tuple[str, ...] = tuple(sorted(GREY_LINE))
    transform: TransformSettings | None = TransformSettings()
    provenance: dict[str, Any] = field(default_factory=dict)
    emissions: EmissionEncoder | None = None
    pollutant_channels: tuple[str, ...] = POLLUTANT_CHANNELS
    met_channels: tuple[str, ...] = MET_CHANNELS
    static_channels: tuple[str, ...] = STATIC_CHANNELS
    levels: tuple[float, ...] = PRESSURE_LEVELS
    format_version: int = FORMAT_VERSION
    xaqf_version: str = __version__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelMetadata):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """The plain-JSON document of a model file (``format`` first, then every field)."""
        return {"format": FORMAT, **{f.name: _CODECS[f.name][0](getattr(self, f.name))
                                     for f in dataclasses.fields(self)}}

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "model metadata") -> ModelMetadata:
        """Inverse of :meth:`to_dict`, validated; ``source`` (e.g. the file) names errors.

        Raises
        ------
        ModelFileError
            Not an xaqf model, a missing field, a newer format version, channel lists of
            another catalogue, or a field that cannot be decoded.
        """
        _check(data, source)
        values = {f.name: _decoded(data, f.name, source) for f in dataclasses.fields(cls)
                  if f.name in data or f.name not in OPTIONAL_FIELDS}
        return cls(**values)

    def to_json(self) -> str:
        """JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str, source: str = "model metadata") -> ModelMetadata:
        """Inverse of :meth:`to_json` (see :meth:`from_dict`)."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ModelFileError(f"{source} is not valid JSON ({err})") from None
        return cls.from_dict(data, source)


def _check(data: dict[str, Any], source: str) -> None:
    if data.get("format") != FORMAT:
        raise ModelFileError(f"{source} is not an xaqf model file (format "
                             f"{data.get('format')!r}); training checkpoints load with "
                             f"xaqf.training.load_checkpoint")
    missing = [f.name for f in dataclasses.fields(ModelMetadata)
               if f.name not in data and f.name not in OPTIONAL_FIELDS]
    if missing:
        raise ModelFileError(f"{source} lacks {missing}; the file is damaged or was not "
                             f"written by Forecaster.save")
    if data["format_version"] > FORMAT_VERSION:
        raise ModelFileError(f"{source} has model-file format {data['format_version']}; this "
                             f"xaqf reads up to {FORMAT_VERSION}: upgrade xaqf")
    for key, catalogue in (("pollutant_channels", POLLUTANT_CHANNELS),
                           ("met_channels", MET_CHANNELS)):
        listed = [str(name) for name in data[key]]
        if not listed or listed != [c for c in catalogue if c in set(listed)]:
            raise ModelFileError(
                f"{source}: its {key.replace('_', ' ')} {listed[:5]}... are not channels of "
                f"this xaqf's catalogue (xaqf.variables) in its order; it was written for "
                f"another catalogue")


def _decoded(data: dict[str, Any], name: str, source: str) -> Any:
    try:
        return _CODECS[name][1](data[name])
    except (ConfigError, KeyError, TypeError, ValueError) as err:
        raise ModelFileError(f"{source}: invalid {name!r} in the metadata ({err}); the file "
                             f"is damaged or was written by an incompatible xaqf") from None


def _stats_to_dict(stats: xr.Dataset) -> dict[str, Any]:
    return {"channel": stats["channel"].values.tolist(),
            "mean": stats["mean"].values.tolist(), "std": stats["std"].values.tolist(),
            "method": [str(m) for m in stats["method"].values] if "method" in stats.coords
            else None}


def _stats_from_dict(stats: dict[str, Any]) -> xr.Dataset:
    coords: dict[str, Any] = {"channel": stats["channel"]}
    if stats.get("method"):
        coords["method"] = ("channel", stats["method"])
    return xr.Dataset({"mean": ("channel", np.asarray(stats["mean"], np.float64)),
                       "std": ("channel", np.asarray(stats["std"], np.float64))}, coords=coords)


def _grid_to_dict(grid: xr.Dataset | None) -> dict[str, list[float]] | None:
    if grid is None:
        return None
    return {"latitude": grid["latitude"].values.tolist(),
            "longitude": grid["longitude"].values.tolist()}


def _grid_from_dict(grid: dict[str, list[float]] | None) -> xr.Dataset | None:
    if grid is None:
        return None
    return xr.Dataset(coords={
        "latitude": ("latitude", grid["latitude"], {"units": "degrees_north"}),
        "longitude": ("longitude", grid["longitude"], {"units": "degrees_east"})})


def _same(value: Any) -> Any:
    return value


_CODECS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "model_config": (ModelConfig.to_dict, ModelConfig.from_dict),
    "stats": (_stats_to_dict, _stats_from_dict),
    "grid": (_grid_to_dict, _grid_from_dict),
    "step": (str, pd.Timedelta),
    "grey_line": (lambda names: sorted(names), lambda names: tuple(sorted(names))),
    "transform": (lambda t: None if t is None else to_dict(t),
                  lambda d: None if d is None else from_dict(TransformSettings, d, "transform")),
    "provenance": (dict, dict),
    "emissions": (lambda e: None if e is None else e.to_dict(),
                  lambda d: None if d is None else EmissionEncoder.from_dict(d)),
    "pollutant_channels": (list, tuple),
    "met_channels": (list, tuple),
    "static_channels": (list, tuple),
    "levels": (list, tuple),
    "format_version": (_same, int),
    "xaqf_version": (_same, str),
}
"""Per field of :class:`ModelMetadata`: ``(to JSON, from JSON)``."""


def _check_sets(path: Path, config: ModelConfig, metadata: ModelMetadata) -> None:
    """Refuse channel lists that disagree with the network's input widths."""
    sets = (len(metadata.pollutant_channels), len(metadata.met_channels))
    if sets != (config.pollutant_channels, config.met_channels):
        raise ModelFileError(
            f"{path}: its pollutant channels ({sets[0]}) and met channels ({sets[1]}) "
            f"disagree with its weights, made for {config.pollutant_channels} and "
            f"{config.met_channels}; the file is damaged: save the model again")


class ModelFile(NamedTuple):
    """What :func:`read_model` returns."""

    net: FusionUNet
    """The network with the stored weights, in eval mode, on the CPU."""
    statics: np.ndarray | None
    """The ``(S, H, W)`` static features, or ``None``."""
    metadata: ModelMetadata


def write_model(path: str | Path, net: torch.nn.Module, statics: np.ndarray | None,
                metadata: ModelMetadata) -> Path:
    """Atomically write a model file: ``net``'s weights, ``statics`` and ``metadata``."""
    tensors = {f"net.{k}": v for k, v in net.state_dict().items()}
    if statics is not None:
        tensors["statics"] = torch.as_tensor(statics)
    return write_file(path, tensors, metadata.to_dict())


def resolve(path_or_name: str | Path) -> Path:
    """A local file as is; otherwise a name registered in :mod:`xaqf.tutorial`, fetched."""
    path = Path(path_or_name)
    if path.exists() or path.suffix or len(path.parts) > 1:
        return path
    from xaqf.data.registry import fetch

    return Path(fetch(str(path_or_name)))


def read_model(path_or_name: str | Path) -> ModelFile:
    """Read a model file written by :func:`write_model`, from a path or a registered name.

    Raises
    ------
    ModelFileError
        Missing, corrupt, pickle-based or inconsistent file (see the module notes).
    """
    path = resolve(path_or_name)
    tensors, document = read_file(path)
    metadata = ModelMetadata.from_dict(document, source=str(path))
    net = build_model(metadata.model_config)
    weights = {k.removeprefix("net."): v for k, v in tensors.items() if k.startswith("net.")}
    try:
        net.load_state_dict(weights)
    except RuntimeError as err:
        raise ModelFileError(f"{path}: the weights do not match the model config "
                             f"{net.config.name!r}: {err}") from None
    _check_sets(path, net.config, metadata)
    statics = tensors.get("statics")
    grid = metadata.grid
    if grid is not None:
        emitted = 0 if metadata.emissions is None else len(metadata.emissions.channels)
        expected = (net.config.static_channels - emitted, grid.sizes["latitude"],
                    grid.sizes["longitude"])
        if statics is None or tuple(statics.shape) != expected:
            raise ModelFileError(f"{path}: static features of shape "
                                 f"{None if statics is None else tuple(statics.shape)} do not "
                                 f"match the stored grid {expected}")
    return ModelFile(net.eval(), None if statics is None else statics.numpy(), metadata)
