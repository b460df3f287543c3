"""Reading a model file back into a :class:`~xaqf.forecaster.Forecaster`.

Checks, in order: the file exists (or the name is registered), it is safetensors and not a
pickle, its metadata is an xaqf model of a known format version with every field, its
channel lists match this xaqf's catalogue, and the weights fit the stored model config
exactly (names and shapes). Any failure is a :class:`~xaqf.errors.ModelFileError` naming
the file and the problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from xaqf.errors import ConfigError, ModelFileError
from xaqf.forecaster import model_file
from xaqf.variables import MET_CHANNELS, POLLUTANT_CHANNELS

_FIELDS = ("format_version", "model_config", "pollutant_channels", "met_channels", "grid",
           "step", "grey_line", "transform", "stats", "provenance")


def resolve(path_or_name: str | Path) -> Path:
    """A local file as is; otherwise a name registered in :mod:`xaqf.tutorial`, fetched."""
    path = Path(path_or_name)
    if path.exists() or path.suffix or len(path.parts) > 1:
        return path
    from xaqf.tutorial import fetch

    return Path(fetch(str(path_or_name)))


def _stats(meta: dict[str, Any]) -> xr.Dataset:
    stats = meta["stats"]
    coords: dict[str, Any] = {"channel": stats["channel"]}
    if stats.get("method"):
        coords["method"] = ("channel", stats["method"])
    return xr.Dataset({"mean": ("channel", np.asarray(stats["mean"], np.float64)),
                       "std": ("channel", np.asarray(stats["std"], np.float64))}, coords=coords)


def _check_meta(path: Path, meta: dict[str, Any]) -> None:
    from xaqf.forecaster.core import FORMAT, FORMAT_VERSION

    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not an xaqf model file (format "
                             f"{meta.get('format')!r}); training checkpoints load with "
                             f"xaqf.training.load_checkpoint")
    missing = [f for f in _FIELDS if f not in meta]
    if missing:
        raise ModelFileError(f"{path}: the metadata lacks {missing}; the file is damaged")
    if meta["format_version"] > FORMAT_VERSION:
        raise ModelFileError(f"{path} has model-file format {meta['format_version']}; this "
                             f"xaqf reads up to {FORMAT_VERSION}: upgrade xaqf")
    if (tuple(meta["pollutant_channels"]), tuple(meta["met_channels"])) != (
            POLLUTANT_CHANNELS, MET_CHANNELS):
        raise ModelFileError(f"{path}: its channel lists differ from this xaqf's catalogue "
                             f"(xaqf.variables); it was written for another channel order")


def forecaster_from_file(cls: type, path_or_name: str | Path) -> Any:
    """Build ``cls`` (:class:`~xaqf.forecaster.Forecaster`) from a model file."""
    from xaqf.forecaster.core import TransformSettings
    from xaqf.model import ModelConfig, build_model

    path = resolve(path_or_name)
    tensors, meta = model_file.read_file(path)
    _check_meta(path, meta)
    try:
        net = build_model(ModelConfig.from_dict(meta["model_config"]))
    except (ConfigError, TypeError) as err:
        raise ModelFileError(f"{path}: invalid model config in the metadata ({err})") from None
    weights = {k.removeprefix("net."): v for k, v in tensors.items() if k.startswith("net.")}
    try:
        net.load_state_dict(weights)
    except RuntimeError as err:
        raise ModelFileError(f"{path}: the weights do not match the model config "
                             f"{net.config.name!r}: {err}") from None
    grid, statics = meta["grid"], tensors.get("statics")
    if grid is not None:
        expected = (net.config.static_channels, len(grid["latitude"]), len(grid["longitude"]))
        if statics is None or tuple(statics.shape) != expected:
            raise ModelFileError(f"{path}: static features of shape "
                                 f"{None if statics is None else tuple(statics.shape)} do not "
                                 f"match the stored grid {expected}")
        grid = xr.Dataset(coords={"latitude": ("latitude", grid["latitude"],
                                               {"units": "degrees_north"}),
                                  "longitude": ("longitude", grid["longitude"],
                                                {"units": "degrees_east"})})
    transform = meta["transform"]
    if transform is not None:
        channels = transform["channels"]
        transform = TransformSettings(transform["floor"],
                                      None if channels is None else tuple(channels))
    return cls(net.eval(), _stats(meta),
               statics=None if statics is None else statics.numpy(), grid=grid,
               grey_line=meta["grey_line"], step=meta["step"], transform=transform,
               provenance=meta["provenance"])
