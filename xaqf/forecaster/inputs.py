"""The xarray side of a forecast: checking inputs, choosing initial times, fetching states.

Everything that can be checked without touching the data values is checked up front, so a
forecast fails before any computation, with the missing variable, level or time named:

* ``cams`` must hold every pollutant channel of the model, with a ``time`` axis holding
  ``t - step`` and ``t`` for every initial time ``t``;
* ``met`` must hold every meteorological channel of the model at ``t, t + step, ..., t +
  steps * step``,
  either along ``time`` (analyses, ERA5-like) or as a forecast along
  ``(init_time, lead_time)`` (FuXi-like), in which case the forecast started at ``t`` is used;
* ``met`` may be an ensemble, with a ``member`` dimension: the network then runs every
  (initial time, member) pair (:attr:`ForecastInputs.cases`), all with the same pollutant
  states; ``cams`` with a ``member`` dimension is refused (pollutant states are not an
  ensemble);
* ``cams`` must be on the model's grid (the grid of its static fields). ``met`` on another
  grid is regridded bilinearly to the ``cams`` grid (automatically, with a
  warning), with the met states of each batch (see :meth:`ForecastInputs.meteorology`).

NaNs and negative concentrations are checked as each batch of states is loaded (loading is
the first time the values are seen when they are dask-backed): the pollutant states of a
batch of initial times in one go, its met states in as few blocks as memory allows.

States are selected by label, as slices where the times are consecutive (:func:`select`: views
of in-memory inputs, no copy), and stacked into channels in one copy
(:func:`xaqf.preprocessing.channels.channel_values`).

Latitude is put north first (standardised, not refused), as xaqf's networks and
static features expect; the forecast of ascending-latitude inputs is thus north first too.

Without explicit initial times, every ``cams`` time with all the inputs above is used.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from xaqf.data.io import north_first, standard_members
from xaqf.data.presets import resolve_met
from xaqf.data.units import to_canonical_dataset
from xaqf.data.validation import check_dataset
from xaqf.errors import LayoutError, MissingVariableError
from xaqf.forecaster.variable_sets import levels_of, variables_of
from xaqf.preprocessing.channels import channel_values
from xaqf.preprocessing.windows import Need, usable_init_times, window_offsets
from xaqf.regrid import check_same_grid, regrid, same_grid
from xaqf.variables import MEMBER_DIM, MET_CHANNELS, POLLUTANT_CHANNELS


@dataclass(frozen=True)
class ForecastInputs:
    """Checked inputs of a forecast.

    Parameters
    ----------
    cams, met
        The pollutant and meteorological Datasets (catalogued variables only).
    init_times
        Initial times, ``datetime64[ns]``.
    step
        Model time step.
    steps
        Number of steps.
    met_is_forecast
        ``met`` is laid out along ``(init_time, lead_time)``.
    regrid_met
        ``met`` is on another grid and is regridded to the ``cams`` grid when fetched.
    members
        Member labels of an ensemble ``met`` (its ``member`` dimension); ``None``: ``met``
        is deterministic.
    pollutant_channels, met_channels
        The channels of the model's states, in order.
    """

    cams: xr.Dataset
    met: xr.Dataset
    init_times: np.ndarray
    step: pd.Timedelta
    steps: int
    met_is_forecast: bool
    regrid_met: bool
    members: np.ndarray | None = None
    pollutant_channels: tuple[str, ...] = POLLUTANT_CHANNELS
    met_channels: tuple[str, ...] = MET_CHANNELS

    @property
    def cases(self) -> tuple[np.ndarray, np.ndarray | None]:
        """What the network runs: the initial time and the member of each case, in order
        (initial time major); the members are ``None`` for a deterministic ``met``."""
        if self.members is None:
            return self.init_times, None
        return (np.repeat(self.init_times, len(self.members)),
                np.tile(self.members, len(self.init_times)))

    @property
    def grid(self) -> xr.Dataset:
        """The forecast grid (the ``cams`` latitude/longitude coordinates)."""
        return xr.Dataset(coords={"latitude": self.cams["latitude"],
                                  "longitude": self.cams["longitude"]})

    def pollutants(self, init_times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Physical pollutant states at ``t - step`` and ``t``, each ``(B, C, H, W)``, from
        one selection, loaded once (a lazy input is read once), then checked and stacked."""
        unique, positions = np.unique(init_times, return_inverse=True)
        repeated = len(unique) < len(init_times)  # ensemble cases: one load per time
        unique = unique if repeated else init_times
        times = np.concatenate([unique - self.step.to_timedelta64(), unique])
        ds = check_dataset(select(self.cams, {"time": times}).load(), "cams",
                           variables=list(map(str, self.cams.data_vars)), levels=None)
        states = channel_values(ds, self.pollutant_channels)
        before, now = states[:len(unique)], states[len(unique):]
        return (before[positions], now[positions]) if repeated else (before, now)

    def states_per_fetch(self, batch: int, budget: int = 1 << 30) -> int:
        """How many met states :meth:`meteorology` fetches at once for ``batch`` initial
        times: as many as fit in ``budget`` bytes (float32), at least one, at most all."""
        size = batch * len(self.met_channels) * self.cams.sizes["latitude"] * \
            self.cams.sizes["longitude"] * 4
        return int(min(self.steps + 1, max(1, budget // size)))

    def meteorology(self, init_times: np.ndarray, steps: range,
                    members: np.ndarray | None = None) -> np.ndarray:
        """Physical met states at ``t + s * step`` for each ``s`` in ``steps`` and each
        initial time ``t`` (of member ``members[i]`` for the ``i``-th initial time, for an
        ensemble), ``(len(steps), B, D, H, W)``.

        One selection, one regridding, one value check and one stacking for all of them: a
        dask-backed input is computed once here (its chunks usually hold whole forecasts,
        so fetching lead by lead would recompute them at every step).
        """
        leads = np.asarray([(s * self.step).to_timedelta64() for s in steps])
        if self.met_is_forecast:
            ds = select(self.met, {**_cases("init_time", init_times, members),
                                   "lead_time": leads}
                        ).drop_vars(["valid_time", MEMBER_DIM], errors="ignore"
                                    ).transpose("lead_time", "init_time", ...)
        else:
            valid = (leads[:, None] + init_times[None, :]).ravel()
            tiled = None if members is None else np.tile(members, len(leads))
            ds = select(self.met, _cases("time", valid, tiled)).drop_vars(MEMBER_DIM,
                                                                          errors="ignore")
        if self.regrid_met:
            ds = regrid(ds, self.grid)
        ds = check_dataset(ds.load(), "met", variables=list(map(str, self.met.data_vars)),
                           levels=None)
        values = channel_values(ds, self.met_channels)
        return values.reshape(len(leads), len(init_times), *values.shape[-3:])


def select(ds: xr.Dataset, indexers: dict[str, np.ndarray | xr.DataArray]) -> xr.Dataset:
    """``ds.sel(indexers)``, by a slice along each dimension whose labels are consecutive
    there (the usual run of forecast times): in-memory data are then viewed, not copied.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"a": ("time", np.arange(5.0))}, coords={"time": np.arange(5) * 10})
    >>> chosen = select(ds, {"time": np.array([10, 20, 30])})
    >>> chosen.identical(ds.sel(time=[10, 20, 30])), np.shares_memory(chosen.a, ds.a)
    (True, True)
    """
    ranges = {}
    for dim, labels in indexers.items():
        index = ds.indexes.get(dim)
        if isinstance(labels, xr.DataArray) or np.ndim(labels) != 1 or index is None \
                or not index.is_unique:
            continue
        positions = index.get_indexer(np.asarray(labels))
        if len(positions) and (positions >= 0).all() and (np.diff(positions) == 1).all():
            ranges[dim] = slice(int(positions[0]), int(positions[-1]) + 1)
    rest = {dim: labels for dim, labels in indexers.items() if dim not in ranges}
    return ds.isel(ranges).sel(rest)


def _cases(dim: str, times: np.ndarray, members: np.ndarray | None
           ) -> dict[str, np.ndarray | xr.DataArray]:
    """Indexers of ``times`` along ``dim``, paired point by point with ``members``."""
    if members is None:
        return {dim: times}
    return {dim: xr.DataArray(times, dims=dim), MEMBER_DIM: xr.DataArray(members, dims=dim)}


def _refuse_cams_members(cams: xr.Dataset) -> None:
    if MEMBER_DIM in cams.dims:
        raise LayoutError(
            f"cams has a {MEMBER_DIM!r} dimension ({cams.sizes[MEMBER_DIM]} members): the "
            f"initial pollutant states are deterministic, only the met may be an ensemble. "
            f"Pass one analysis, e.g. cams.isel({MEMBER_DIM}=0) or cams.mean({MEMBER_DIM!r})")


def _times(ds: xr.Dataset, dim: str, role: str) -> pd.DatetimeIndex:
    if dim not in ds.dims:
        raise LayoutError(f"{role} has no {dim!r} dimension (dims: {tuple(ds.dims)}); "
                          f"standardize it with ds.aqf.standardize first")
    return pd.DatetimeIndex(ds[dim].values)


def _needs(cams_times: pd.DatetimeIndex, met: xr.Dataset, step: pd.Timedelta,
           steps: int) -> list[Need]:
    """What a forecast of ``steps`` steps from ``t`` needs of ``cams`` (the two initial
    states of :func:`window_offsets`, not its targets) and ``met``."""
    pollutant_offsets, met_offsets = window_offsets(step, steps)
    cams = Need("cams", pollutant_offsets[:2], times=cams_times,
                labels={-step: f"the state {step} before the initial state",
                        0 * step: "the initial state"},
                fix=f"a forecast needs the pollutant states at t - {step} and t")
    forcing = Need.of(met, "met", met_offsets,
                      fix=f"give met covering the whole forecast, t ... t + {steps} x {step}")
    return [cams, forcing]


def _choose_init_times(cams_times: pd.DatetimeIndex, met: xr.Dataset, step: pd.Timedelta,
                       steps: int, init_times: Sequence | None) -> np.ndarray:
    return usable_init_times(
        init_times, cams_times, _needs(cams_times, met, step, steps), window="forecast",
        none_usable=f"no time in cams has both its state {step} earlier and the met inputs "
                    f"for {steps} steps; cams spans {cams_times.min()} ... "
                    f"{cams_times.max()}: pass longer met, fewer steps, or explicit "
                    f"init_times to see what is missing")


def _model_variables(ds: xr.Dataset, role: str, channels: tuple[str, ...]) -> xr.Dataset:
    """The variables of ``channels`` in ``ds``, checked present (with their levels), in
    catalogue units; the others dropped.

    Raises
    ------
    MissingVariableError
        Naming every variable of ``channels`` that ``ds`` lacks, and what to supply.
    """
    needed = variables_of(channels)
    missing = [name for name in needed if name not in ds.data_vars]
    if missing:
        raise MissingVariableError(
            f"{role} lacks {missing}, which this model takes as inputs (its {role} variables: "
            f"{list(needed)}); supply {missing} in {role}, or use a model trained without "
            f"them (Forecaster.from_config(..., {'pollutants' if role == 'cams' else 'met'}"
            f"=[...]))")
    ds = check_dataset(ds, role, variables=needed, levels=levels_of(channels),
                       check_values=False)
    return to_canonical_dataset(ds[list(needed)], needed)


def prepare_inputs(cams: xr.Dataset, met: xr.Dataset, *, steps: int, step: pd.Timedelta,
                   grid: xr.Dataset | None = None, init_times: Sequence | None = None,
                   pollutant_channels: tuple[str, ...] = POLLUTANT_CHANNELS,
                   met_channels: tuple[str, ...] = MET_CHANNELS) -> ForecastInputs:
    """Check ``cams`` and ``met`` (no values computed) for a model of ``pollutant_channels``
    and ``met_channels``, and pick the initial times.

    Raises
    ------
    MissingVariableError, MissingLevelError
        A pollutant or met variable of the model, or a pressure level, is absent.
    MissingTimeError
        The state at ``t - step`` or ``t``, or a met time, is absent (named).
    GridMismatchError
        ``cams`` is not on ``grid`` (the model's static fields' grid).
    UnitError
        A variable's units are missing, unknown or not convertible to the catalogue's
        (convertible ones, e.g. PM in ug m-3, are converted lazily).
    LayoutError
        No ``time`` axis in ``cams``; no ``time`` nor ``(init_time, lead_time)`` in ``met``;
        a ``member`` dimension in ``cams``.
    """
    cams, met = standard_members(cams), standard_members(met)
    _refuse_cams_members(cams)
    cams = north_first(_model_variables(cams, "cams", pollutant_channels))
    met = north_first(_model_variables(resolve_met(met, met_channels), "met", met_channels))
    if grid is not None:
        check_same_grid(cams, grid, names=("cams", "model grid (its static fields)"))
    is_forecast = "init_time" in met.dims and "lead_time" in met.dims
    chosen = _choose_init_times(_times(cams, "time", "cams"), met, step, steps, init_times)
    regrid_met = not same_grid(met, cams)
    if regrid_met:
        warnings.warn(
            f"met is on a {met.sizes['latitude']} x {met.sizes['longitude']} grid, cams on "
            f"{cams.sizes['latitude']} x {cams.sizes['longitude']}: regridding met bilinearly "
            f"to the cams grid", stacklevel=3)
    members = met[MEMBER_DIM].values if MEMBER_DIM in met.dims else None
    return ForecastInputs(cams, met, chosen, step, steps, is_forecast, regrid_met, members,
                          pollutant_channels, met_channels)
