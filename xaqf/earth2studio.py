"""xaqf inside earth2studio workflows: a :class:`~xaqf.Forecaster` as a prognostic model.

earth2studio runs a *prognostic model* through four methods: ``input_coords()``,
``output_coords(input_coords)``, ``__call__(x, coords)`` (one step) and
``create_iterator(x, coords)`` (the initial state, then step after step). Its tensors carry
their coordinates in a ``CoordSystem``, an ``OrderedDict`` of dimension name -> numpy array:
here ``(batch..., time, lead_time, variable, lat, lon)``. :class:`PollutionPrognostic`
implements that interface (structurally: earth2studio's ``PrognosticModel`` is a protocol,
so the class needs no earth2studio to exist); its ``variable`` labels are the forecaster's
pollutant channels (:attr:`~xaqf.Forecaster.pollutant_channels`: by default the 73 of
:data:`xaqf.variables.POLLUTANT_CHANNELS`; earth2studio's lexicon has no names
for pollutants on pressure levels).

The meteorology is a forcing, not part of the state: the adapter is given a met forecast
(FuXi's, GraphCast's, Pangu's... as earth2studio writes it; see :func:`met_from_io`) and,
for each initial ``time``, drives the network with the forecast started then. Met from any
preset of :mod:`xaqf.data.presets` is accepted: what the model needs is derived where
physics gives it (relative humidity from GraphCast's specific humidity...), or the adapter
refuses it at once, naming what is missing. Install with
``pip install 'xaqf[earth2studio]'``; only :func:`met_from_io` imports earth2studio.

Examples
--------
>>> from xaqf.variables import POLLUTANT_CHANNELS
>>> len(POLLUTANT_CHANNELS), POLLUTANT_CHANNELS[-1]
(73, 'pm10')
"""

from __future__ import annotations

import importlib
from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
import xarray as xr

from xaqf.data.io import standardize
from xaqf.data.presets import MetPreset, apply_preset, resolve_met
from xaqf.errors import ConfigError, LayoutError, MissingDependencyError, MissingTimeError
from xaqf.preprocessing.channels import channel_values, from_channels
from xaqf.variables import MEMBER_DIM

if TYPE_CHECKING:
    from xaqf.forecaster import Forecaster

__all__ = ["CoordSystem", "PollutionPrognostic", "met_from_io"]

CoordSystem = OrderedDict
"""earth2studio's coordinate system: dimension name -> 1-D numpy array, in tensor order."""

DIMS = ("time", "lead_time", "variable", "lat", "lon")
"""The trailing dimensions of the adapter's tensors; any dimensions before are batch ones."""


def _earth2studio() -> Any:
    try:
        return importlib.import_module("earth2studio")
    except ImportError:
        raise MissingDependencyError(
            "this needs the optional dependency earth2studio: pip install 'xaqf[earth2studio]'"
        ) from None


def met_from_io(io: Any, *, preset: str | MetPreset | None = None) -> xr.Dataset:
    """Canonical met (:func:`xaqf.data.io.standardize`) from an earth2studio IO backend.

    Parameters
    ----------
    io
        An earth2studio ``XarrayBackend``, ``ZarrBackend`` or ``NetCDF4Backend`` a
        weather model (FuXi, GraphCast, Pangu...) wrote its forecast to, e.g. the one
        returned by ``earth2studio.run.deterministic``.
    preset
        The weather model (:data:`xaqf.data.presets.PRESETS`), whose conventions are then
        applied (:func:`xaqf.data.presets.apply_preset`, e.g. AIFS's 6-hourly ``tp``).

    Raises
    ------
    MissingDependencyError
        earth2studio is not installed.
    ConfigError
        Another kind of backend (save it to zarr and use :func:`xaqf.open_met`), or an
        unknown preset.
    """
    _earth2studio()
    backends = importlib.import_module("earth2studio.io")
    if isinstance(io, backends.XarrayBackend):
        raw = io.root
    elif isinstance(io, backends.ZarrBackend):
        raw = xr.open_zarr(io.root.store, consolidated=False)
    elif isinstance(io, backends.NetCDF4Backend):
        raw = xr.open_dataset(xr.backends.NetCDF4DataStore(io.root), chunks={})
    else:
        raise ConfigError(f"earth2studio backend {type(io).__name__} is not read by xaqf; "
                          f"write the forecast with ZarrBackend and open it with "
                          f"xaqf.open_met(<path>)")
    met = standardize(raw, "met")
    return met if preset is None else apply_preset(met, preset)


class PollutionPrognostic:
    """A :class:`~xaqf.Forecaster` behind earth2studio's prognostic-model interface.

    Parameters
    ----------
    forecaster
        The trained forecaster.
    met
        Meteorology covering the forecasts: a weather forecast along ``(init_time,
        lead_time)`` or analyses along ``time``, canonical or in earth2studio's layout
        (standardized here), from any met preset: what the model needs is derived here
        (:func:`xaqf.data.presets.resolve_met`).
    steps
        How many steps :meth:`create_iterator` yields after the initial state (at most
        what ``met`` covers).
    device
        Torch device of the network (default: CUDA when available); :meth:`to` changes it.
    preset
        The weather model ``met`` comes from (:data:`xaqf.data.presets.PRESETS`), if its
        conventions matter (AIFS's, IFS's or ERA5's ``tp``) or to name it in errors.

    Raises
    ------
    MissingVariableError
        ``met`` lacks variables the model needs that cannot be derived (all named, with
        the preset and the fixes).

    Examples
    --------
    >>> import numpy as np
    >>> lead = np.array([-12, 0], "timedelta64[h]")
    >>> (lead + np.timedelta64(12, "h"))[-1:]
    array([12], dtype='timedelta64[h]')
    """

    def __init__(self, forecaster: Forecaster, met: xr.Dataset, *, steps: int = 10,
                 device: str | torch.device | None = None,
                 preset: str | MetPreset | None = None) -> None:
        met = resolve_met(standardize(met, "met"), forecaster.met_channels, preset=preset)
        if MEMBER_DIM in met.dims:
            raise ConfigError(f"met has a {MEMBER_DIM!r} dimension; the earth2studio adapter "
                              f"drives one weather forecast: pass met.isel({MEMBER_DIM}=k)")
        self.forecaster = forecaster
        self.channels = forecaster.pollutant_channels
        self.met = met
        self.steps = int(steps)
        self.device = device
        self.step = np.timedelta64(forecaster.step.to_timedelta64(), "ns")
        grid = forecaster.grid if forecaster.grid is not None else met
        self.lat = grid["latitude"].values.astype(np.float64)
        self.lon = grid["longitude"].values.astype(np.float64)

    def input_coords(self) -> CoordSystem:
        """Coordinates of an input: the pollutant states at ``t - step`` and ``t``."""
        return CoordSystem(batch=np.empty(0), time=np.empty(0),
                           lead_time=np.array([-self.step, np.timedelta64(0, "ns")]),
                           variable=np.array(self.channels), lat=self.lat, lon=self.lon)

    def output_coords(self, input_coords: CoordSystem) -> CoordSystem:
        """Coordinates of the output of one step from ``input_coords``.

        Raises
        ------
        LayoutError
            Dimensions, channels, grid or lead times that are not the model's.
        """
        self._check(input_coords)
        out = CoordSystem(input_coords)
        out["lead_time"] = input_coords["lead_time"][-1:] + self.step
        return out

    def to(self, device: str | torch.device) -> PollutionPrognostic:
        """Run the network on ``device`` from now on; returns ``self``."""
        self.device = device
        return self

    def __call__(self, x: torch.Tensor, coords: CoordSystem
                 ) -> tuple[torch.Tensor, CoordSystem]:
        """One step: the pollutants ``step`` after the latest input lead time."""
        out_coords = self.output_coords(coords)
        cases = self._cases(x, coords)
        pieces = [next(self._run(cams, init, 1)) for cams, init in cases]
        return self._stack(pieces, x, coords), out_coords

    def create_iterator(self, x: torch.Tensor, coords: CoordSystem
                        ) -> Iterator[tuple[torch.Tensor, CoordSystem]]:
        """The latest input state first, then :attr:`steps` steps, each with its coords.

        The steps are those of one :meth:`~xaqf.Forecaster.predict_iter` rollout per batch
        element and initial time, so they equal :meth:`~xaqf.Forecaster.predict`'s; the
        inputs are checked before the initial state is yielded.
        """
        out = CoordSystem(self.output_coords(coords))
        out["lead_time"] = coords["lead_time"][-1:]
        rollouts = [self._run(cams, init, self.steps) for cams, init in self._cases(x, coords)]
        yield x[..., -1:, :, :, :], CoordSystem(out)
        for pieces in zip(*rollouts, strict=True):
            out["lead_time"] = out["lead_time"] + self.step
            yield self._stack(list(pieces), x, coords), CoordSystem(out)

    def _check(self, coords: CoordSystem) -> None:
        dims = tuple(coords)
        if dims[-len(DIMS):] != DIMS:
            raise LayoutError(f"earth2studio coords {dims} must end with {DIMS}")
        lead = np.asarray(coords["lead_time"]).astype("timedelta64[ns]")
        if lead.size < 2 or lead[-1] - lead[-2] != self.step:
            raise LayoutError(f"lead_time {lead.tolist()} must end with two states "
                              f"{self.step.astype('timedelta64[h]')} apart (t - step, t)")
        if list(coords["variable"]) != list(self.channels):
            missing = sorted(set(self.channels) - set(map(str, coords["variable"])))
            raise LayoutError(f"variable must be the model's {len(self.channels)} pollutant "
                              f"channels in Forecaster.pollutant_channels order; missing "
                              f"{missing}")
        for dim, mine in (("lat", self.lat), ("lon", self.lon)):
            theirs = np.asarray(coords[dim], np.float64)
            if theirs.shape != mine.shape or not np.allclose(theirs, mine):
                raise LayoutError(f"{dim} ({theirs.size} points) is not the model grid "
                                  f"({mine.size} points); map the data onto input_coords()")

    def _cases(self, x: torch.Tensor, coords: CoordSystem
               ) -> list[tuple[xr.Dataset, np.datetime64]]:
        """One (pollutant Dataset, xaqf initial time) per batch element and ``time``."""
        lead = np.asarray(coords["lead_time"]).astype("timedelta64[ns]")[-2:]
        flat = x[..., -2:, :, :, :].detach().float().cpu().numpy()
        flat = flat.reshape((-1, *flat.shape[-5:]))
        cases = []
        for element in flat:
            for start, states in zip(np.asarray(coords["time"], "datetime64[ns]"), element,
                                     strict=True):
                cams = from_channels(xr.DataArray(
                    states, dims=("time", "channel", "latitude", "longitude"),
                    coords={"time": start + lead, "channel": list(self.channels),
                            "latitude": self.lat, "longitude": self.lon}))
                cases.append((cams, start + lead[-1]))
        return cases

    def _run(self, cams: xr.Dataset, init: np.datetime64, steps: int) -> Iterator[xr.Dataset]:
        return self.forecaster.predict_iter(cams, self._met_for(init, steps), steps=steps,
                                            init_times=[init], device=self.device,
                                            progress=False)

    def _met_for(self, init: np.datetime64, steps: int) -> xr.Dataset:
        """The met valid at ``init`` to ``init + steps * step``: the weather forecast started
        at ``init``, as :meth:`~xaqf.Forecaster.predict` takes it, re-indexed by valid time."""
        if "lead_time" not in self.met.dims:
            return self.met
        starts = pd.DatetimeIndex(self.met["init_time"].values)
        if pd.Timestamp(init) not in starts:
            raise MissingTimeError(
                f"no weather forecast starts at {pd.Timestamp(init)} (the pollutant state's "
                f"time); met forecasts start at {starts.tolist()}. Run the weather model from "
                f"{pd.Timestamp(init)}, or pass analyses along 'time'; an older run is not "
                f"used in its place")
        forecast = self.met.sel(init_time=init)
        return (forecast.swap_dims(lead_time="valid_time").drop_vars("lead_time")
                .rename(valid_time="time"))

    def _stack(self, pieces: list[xr.Dataset], x: torch.Tensor, coords: CoordSystem
               ) -> torch.Tensor:
        arrays = [channel_values(piece.isel(init_time=0), list(self.channels)) for piece in pieces]
        batch = x.shape[:-5]
        shape = (*batch, len(coords["time"]), 1, len(self.channels), *arrays[0].shape[-2:])
        return torch.as_tensor(np.stack(arrays).reshape(shape), device=x.device)
