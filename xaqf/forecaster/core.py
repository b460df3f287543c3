"""The :class:`Forecaster`: a trained network plus everything needed to use it on xarray.

A forecaster bundles the network, its :class:`~xaqf.preprocessing.encoding.Encoding`
(normalisation statistics, log-transform settings, grey-line variables), the time step and
the static features, so that ``Forecaster.load(path).predict(cams, met)`` needs nothing
else. ``forecaster.encoding`` moves data between the physical space of the Datasets and the
network's space; predictions come back in physical units, positive by construction.
Non-finite network outputs raise :class:`~xaqf.errors.InvalidValueError` naming the
rollout step.

Its forecasting methods (``predict``, ``predict_iter``, ``compiled_net``) come from
:class:`~xaqf.forecaster.predicting.Predicting`; the rollout is run batch by batch by
:mod:`xaqf.forecaster.stream` (device placement, bf16, decoding overlapped with the
network).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import xarray as xr

from xaqf._utils.checks import resolve_device
from xaqf.forecaster import model_file
from xaqf.forecaster.model_file import ModelMetadata
from xaqf.forecaster.predicting import Predicting
from xaqf.forecaster.rollout import CompiledNets
from xaqf.forecaster.stats import StatsLike, combined_stats
from xaqf.forecaster.variable_sets import channel_set, check_network
from xaqf.model import FusionUNet, ModelConfig, build_model
from xaqf.preprocessing.emissions import EmissionEncoder, EmissionSettings
from xaqf.preprocessing.encoding import Encoding, TransformSettings
from xaqf.preprocessing.statics import STATIC_CHANNELS, static_features
from xaqf.variables import GREY_LINE, MET_CHANNELS, POLLUTANT_CHANNELS

LOG_TRANSFORM = TransformSettings()
"""The default transform: Eq. 12 on every pollutant channel, floor 1e-6."""


class Forecaster(Predicting):
    """A network with its statistics, transform, grey-line set, time step and statics.

    Build an untrained one with :meth:`from_config`, a trained one with :meth:`load`.

    Parameters
    ----------
    net
        A :class:`xaqf.model.FusionUNet`.
    stats
        Normalisation statistics (:func:`xaqf.preprocessing.normalization.compute_stats`
        format) covering every pollutant and met channel.
    statics
        Static features ``(6, H, W)`` (:func:`xaqf.preprocessing.statics.static_features`)
        fixing the model grid, or ``None`` (position features only, computed on any grid).
    grid
        The grid of ``statics`` (a Dataset with ``latitude``/``longitude``), or ``None``.
    grey_line
        Variables whose base is the state 24 h before the target.
    step
        Time step (12 h in the paper).
    transform
        Log-transform settings, or ``None`` for no transform.
    provenance
        Free JSON-able record of how the weights were trained.
    emissions
        The emission inputs (settings and statistics), or ``None``.
    pollutant_channels, met_channels
        The channels the network takes, in catalogue order (default: all of them); the
        network's input widths must match.

    Attributes
    ----------
    encoding : Encoding
        The physical <-> network encoding (statistics, transform, grey-line set); ``stats``,
        ``transform`` and ``grey_line`` are read from it.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from xaqf.variables import MET_CHANNELS, POLLUTANT_CHANNELS
    >>> channels = list(POLLUTANT_CHANNELS + MET_CHANNELS)
    >>> stats = xr.Dataset({"mean": ("channel", np.zeros(143)),
    ...                     "std": ("channel", np.ones(143))}, coords={"channel": channels})
    >>> fc = Forecaster.from_config("tiny", stats)
    >>> fc
    Forecaster(model='tiny', fusion='bilinear', step=12h, grid=any)
    """

    def __init__(self, net: FusionUNet, stats: xr.Dataset, *,
                 statics: np.ndarray | None = None, grid: xr.Dataset | None = None,
                 grey_line: Iterable[str] = GREY_LINE, step: str | pd.Timedelta = "12h",
                 transform: TransformSettings | None = LOG_TRANSFORM,
                 provenance: dict[str, Any] | None = None,
                 emissions: EmissionEncoder | None = None,
                 pollutant_channels: Sequence[str] = POLLUTANT_CHANNELS,
                 met_channels: Sequence[str] = MET_CHANNELS) -> None:
        check_network(net.config, emissions, tuple(pollutant_channels), tuple(met_channels))
        self.net = net
        self.encoding = Encoding(stats, transform, grey_line, pollutant_channels, met_channels)
        self.statics = statics
        self.grid = grid
        self.step = pd.Timedelta(step)
        self.provenance = dict(provenance or {})
        self.emissions = emissions
        self._compiled = CompiledNets(net)

    @classmethod
    def from_config(cls, config_or_name: str | ModelConfig | dict[str, Any],
                    stats: StatsLike, *, pollutants: str | Iterable[str] | None = None,
                    met: str | Iterable[str] | None = None,
                    statics: xr.Dataset | None = None,
                    grey_line: Iterable[str] = GREY_LINE, step: str = "12h",
                    transform: TransformSettings | None = LOG_TRANSFORM,
                    seed: int | None = None, emissions: EmissionSettings | None = None
                    ) -> Forecaster:
        """An untrained forecaster with a fresh network.

        Parameters
        ----------
        config_or_name
            ``"paper"``, ``"small"``, ``"tiny"``, a :class:`~xaqf.model.ModelConfig` or dict.
        stats
            Normalisation statistics of every pollutant and met channel of the model: one
            Dataset, or a sequence or mapping of Datasets that together cover them (e.g.
            ``[stats_cams, stats_met]``, combined with
            :func:`~xaqf.preprocessing.normalization.combine_stats`).
        pollutants, met
            The pollutants and the met the model takes, as variable names (every level) or
            channel names (``"go3_850"``); ``None``: all of
            :data:`~xaqf.variables.POLLUTANT_CHANNELS` / :data:`~xaqf.variables.MET_CHANNELS`.
            The network's input widths follow; so does the grey-line set.
        statics
            Dataset with ``orography`` and ``lsm``: fixes the model grid. ``None``: only
            position features, any grid.
        grey_line, step, transform
            See :class:`Forecaster`.
        seed
            Seed of the weight initialisation (``None``: torch's current random state).
        emissions
            Emission inputs (:class:`~xaqf.preprocessing.emissions.EmissionSettings`);
            ``stats`` must then also cover their channels
            (:func:`xaqf.preprocessing.emissions.emission_stats`). The network takes ``6 +
            len(emissions.species)`` static channels.

        Raises
        ------
        MissingVariableError
            The statistics lack a pollutant or met channel.
        ConfigError
            A channel is in more than one part of ``stats``, a part is not a Dataset, or
            ``pollutants``/``met`` name an unknown variable or channel.

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> from xaqf.variables import MET_CHANNELS, POLLUTANT_CHANNELS
        >>> def part(channels):
        ...     n = len(channels)
        ...     zeros, ones = ("channel", np.zeros(n)), ("channel", np.ones(n))
        ...     return xr.Dataset({"mean": zeros, "std": ones}, coords={"channel": list(channels)})
        >>> fc = Forecaster.from_config("tiny", [part(POLLUTANT_CHANNELS), part(MET_CHANNELS)])
        >>> fc.stats.sizes["channel"]
        143
        """
        stats = combined_stats(stats)
        channels = (channel_set(pollutants, POLLUTANT_CHANNELS, "pollutants"),
                    channel_set(met, MET_CHANNELS, "met"))
        if seed is not None:
            torch.manual_seed(seed)
        encoder = None if emissions is None else EmissionEncoder(emissions, stats)
        net = build_model(config_or_name, static_channels=len(STATIC_CHANNELS) + (
            0 if encoder is None else len(encoder.channels)), pollutant_channels=len(
            channels[0]), met_channels=len(channels[1]))
        grid, features = None, None
        if statics is not None:
            grid = xr.Dataset(coords={"latitude": statics["latitude"],
                                      "longitude": statics["longitude"]})
            features = static_features(statics, grid)
        return cls(net, stats, statics=features, grid=grid, grey_line=grey_line, step=step,
                   transform=transform, emissions=encoder, pollutant_channels=channels[0],
                   met_channels=channels[1])

    @property
    def config(self) -> ModelConfig:
        """The network's :class:`~xaqf.model.ModelConfig`."""
        return self.net.config

    @property
    def stats(self) -> xr.Dataset:
        """Normalisation statistics of the pollutant then met channels (``encoding.stats``)."""
        return self.encoding.stats

    @property
    def transform(self) -> TransformSettings | None:
        """Log-transform settings (``encoding.transform``)."""
        return self.encoding.transform

    @property
    def grey_line(self) -> frozenset[str]:
        """Grey-line variables (``encoding.grey_line``)."""
        return self.encoding.grey_line

    def __repr__(self) -> str:
        grid = "any" if self.grid is None else (
            f"{self.grid.sizes['latitude']}x{self.grid.sizes['longitude']}")
        step = f"{int(self.step / pd.Timedelta('1h'))}h"
        return (f"Forecaster(model={self.config.name!r}, fusion={self.config.fusion!r}, "
                f"step={step}, grid={grid})")

    # -- files --------------------------------------------------------------------------
    def metadata(self) -> ModelMetadata:
        """The :class:`~xaqf.forecaster.model_file.ModelMetadata` written by :meth:`save`."""
        return ModelMetadata(
            model_config=self.config, stats=self.stats, grid=self.grid, step=self.step,
            grey_line=tuple(sorted(self.grey_line)), transform=self.transform,
            provenance=self.provenance, emissions=self.emissions,
            pollutant_channels=self.pollutant_channels, met_channels=self.met_channels)

    def save(self, path: str | Path) -> Path:
        """Write weights and metadata to one ``.safetensors`` file (no pickle).

        The tensors are the network weights (``net.*``) and the static features
        (``statics``); the header holds the JSON of :meth:`metadata`
        (:mod:`xaqf.forecaster.model_file`).
        """
        return model_file.write_model(path, self.net, self.statics, self.metadata())

    @classmethod
    def load(cls, path_or_name: str | Path, device: str | torch.device | None = None
             ) -> Forecaster:
        """Load a forecaster written by :meth:`save`, from a path or a registered name.

        Raises
        ------
        ModelFileError
            Missing, corrupt, pickle-based or inconsistent file.
        """
        net, statics, meta = model_file.read_model(path_or_name)
        forecaster = cls(net, meta.stats, statics=statics, grid=meta.grid,
                         grey_line=meta.grey_line, step=meta.step, transform=meta.transform,
                         provenance=meta.provenance, emissions=meta.emissions,
                         pollutant_channels=meta.pollutant_channels,
                         met_channels=meta.met_channels)
        forecaster.net.to(resolve_device(device))
        return forecaster
