"""Streaming scores: additive weighted-sum states that combine across pieces of a forecast.

A forecast archive far bigger than memory, or the pieces of
:meth:`~xaqf.Forecaster.predict_iter`, is scored piece by piece: :func:`score_state` reduces
a piece to the latitude-weighted sums of the per-point statistics
(:mod:`~xaqf.metrics.pointwise`) over space, kept per initial time, lead time and level:
``sum(w e^2)``, ``sum(w |e|)``, ``sum(w e)``, the relative errors ``sum(w 2e/(f+o))`` and
``sum(w 2|e|/(f+o))``, ``sum(w o)``, ``sum(w)`` and the count of valid points.
With a climatology ``c``, the state also holds the sums of the anomaly correlation,
``sum(w a b)``, ``sum(w a^2)`` and ``sum(w b^2)`` of ``a = forecast - c`` and ``b = truth -
c`` (:data:`ANOMALY_SUMS`). These sums are additive, so the states of pieces split along
``init_time``, ``lead_time`` or into latitude bands combine with ``+``
(:meth:`ScoreState.merge`), and the finished scores (:meth:`ScoreState.rmse`,
:meth:`~ScoreState.mse`, :meth:`~ScoreState.mae`, :meth:`~ScoreState.bias`,
:meth:`~ScoreState.acc`, :meth:`~ScoreState.mnmb`, :meth:`~ScoreState.fge`,
:meth:`~ScoreState.nmb`, :meth:`~ScoreState.nmge`) equal those of
:mod:`xaqf.metrics.scores` and :mod:`xaqf.metrics.relative` on the whole forecast,
both RMSE forms included: each forecast's score comes from its own sums, then the scores
are averaged over initial times. This is the one scoring engine: each in-memory score of
:mod:`xaqf.metrics.scores` builds the state of the whole forecast, holding only the sums it
declares (:data:`SCORE_SUMS`), and finishes it.

The default weights are ``cos(latitude)`` *without* the mean-1 normalisation of
:func:`~xaqf.metrics.latitude_weights` (which would differ from band to band); the
normalisation cancels in every score. Area weights depend on the neighbouring rows: pass
them computed on the whole grid (``weights=latitude_weights(full.latitude, "area")``).

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> from xaqf import metrics
>>> times = pd.date_range("2022-06-01", periods=6, freq="12h")
>>> truth = xr.Dataset(
...     {"pm10": (("time", "latitude", "longitude"), np.arange(36.0).reshape(6, 3, 2))},
...     coords={"time": times, "latitude": [45.0, 0.0, -45.0], "longitude": [0.0, 180.0]})
>>> fc = metrics.persistence_forecast(truth, times[:3], ["12h", "24h"])
>>> pieces = [fc.isel(init_time=[0]), fc.isel(init_time=[1, 2])]
>>> state = sum((score_state(piece, truth) for piece in pieces), ScoreState.empty())
>>> state.rmse().pm10.values, metrics.rmse(fc, truth).pm10.values
(array([ 6., 12.]), array([ 6., 12.]))
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from xaqf._utils.progress import progress as progress_bar
from xaqf.errors import ConfigError, GridMismatchError
from xaqf.metrics.aggregation import Dims, RmseForm, as_tuple, averaged_root, weighted_sums
from xaqf.metrics.align import SPATIAL_DIMS, match, restore_order
from xaqf.metrics.anomalies import anomalies
from xaqf.metrics.describe import describe_score, dimensionless, same_units, squared_units
from xaqf.metrics.pointwise import (
    absolute_error,
    error,
    fractional_error,
    normalised_error,
    paired_truth,
    squared_error,
)
from xaqf.metrics.weights import cos_weights, weights_on_grid

STATISTICS = {"squared_error": squared_error, "absolute_error": absolute_error,
              "error": error, "normalised_error": normalised_error,
              "fractional_error": fractional_error, "truth": paired_truth}
"""The per-point statistics whose weighted sums a :class:`ScoreState` holds."""

SUMS = (*STATISTICS, "weight", "count")
"""Names of the sums in every state (``weight``: ``sum(w)``; ``count``: valid points)."""

ANOMALY_SUMS = ("anomaly_product", "forecast_anomaly_squared", "truth_anomaly_squared")
"""Names of the sums a state built with a climatology adds: ``sum(w a b)``, ``sum(w a^2)``,
``sum(w b^2)``."""

SCORE_SUMS = {"mse": ("squared_error",), "rmse": ("squared_error",),
              "mae": ("absolute_error",), "bias": ("error",), "acc": ANOMALY_SUMS,
              "mnmb": ("normalised_error",), "fge": ("fractional_error",),
              "nmb": ("error", "truth"), "nmge": ("absolute_error", "truth")}
"""The sums each score is finished from (with ``weight``, which every state holds)."""


@dataclass(frozen=True)
class ScoreState:
    """Additive weighted sums of a forecast's errors, per init time, lead time and level.

    Build one with :func:`score_state` (or :func:`score_states` over many pieces), add
    states with ``+`` or :meth:`merge`, finish them with :meth:`rmse`, :meth:`mse`,
    :meth:`mae`, :meth:`bias` or, for states built with a climatology, :meth:`acc`. A
    state is small (no spatial dims) and serialisable (:meth:`to_dataset` /
    :meth:`from_dataset`), so it can travel between dask workers or be written next to a
    forecast archive.

    Attributes
    ----------
    sums
        One Dataset per name of :data:`SUMS` (and of :data:`ANOMALY_SUMS` with a
        climatology), each with the forecast's variables, summed over the scored dims;
        empty for :meth:`empty`.
    attrs
        ``long_name`` and ``units`` of each variable, for the finished scores.
    skipna
        Whether NaN points were left out of the sums.
    """

    sums: Mapping[str, xr.Dataset] = field(default_factory=dict)
    attrs: Mapping[Hashable, Mapping[str, Any]] = field(default_factory=dict)
    skipna: bool = False

    @classmethod
    def empty(cls, skipna: bool = False) -> ScoreState:
        """The neutral state (``empty() + s == s``), e.g. the start of a sum.

        Examples
        --------
        >>> ScoreState.empty().sums
        {}
        """
        return cls(skipna=skipna)

    def __add__(self, other: ScoreState) -> ScoreState:
        return self.merge(other)

    def merge(self, *others: ScoreState) -> ScoreState:
        """The state of all pieces together.

        Sums on the same coordinates (latitude bands of the same forecasts) are added;
        new init or lead times (more forecasts) are appended, the missing ones counting
        as zero.

        Raises
        ------
        ConfigError
            If the states were built with different ``skipna``, or one with a climatology
            and the other without.
        """
        state = self
        for other in others:
            state = state._merge_one(other)
        return state

    def _merge_one(self, other: ScoreState) -> ScoreState:
        if not other.sums:
            return self
        if not self.sums:
            return other
        if other.skipna != self.skipna:
            raise ConfigError("cannot merge score states built with skipna=True and "
                              "skipna=False; build every piece's state with the same skipna")
        if set(other.sums) != set(self.sums):
            raise ConfigError(f"cannot merge score states holding different sums "
                              f"({sorted(self.sums)} and {sorted(other.sums)}); give every "
                              f"piece's score_state the same climatology= and sums=")
        sums = {}
        for name in self.sums:
            mine, theirs = xr.align(self.sums[name], other.sums[name], join="outer",
                                    fill_value=0)
            sums[name] = mine + theirs
        return ScoreState(sums, {**self.attrs, **other.attrs}, self.skipna)

    def compute(self, **kwargs: Any) -> ScoreState:
        """The state with its (dask) sums computed; ``kwargs`` to :func:`dask.compute`."""
        return compute_states(self, **kwargs)[0]

    def to_dataset(self) -> xr.Dataset:
        """All sums in one Dataset, variables named ``"{sum}:{variable}"``.

        Examples
        --------
        >>> ScoreState.empty().to_dataset().attrs
        {'skipna': 0}
        """
        variables = {f"{name}:{var}": da for name, ds in self.sums.items()
                     for var, da in ds.data_vars.items()}
        ds = xr.Dataset(variables, attrs={"skipna": int(self.skipna)})
        for var, attrs in self.attrs.items():
            for name in self.sums:
                ds[f"{name}:{var}"].attrs = dict(attrs)
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> ScoreState:
        """The state written by :meth:`to_dataset`.

        Examples
        --------
        >>> ScoreState.from_dataset(ScoreState.empty(skipna=True).to_dataset()).skipna
        True
        """
        sums: dict[str, dict[str, xr.DataArray]] = {}
        attrs: dict[Hashable, Mapping[str, Any]] = {}
        for key, da in ds.data_vars.items():
            name, var = str(key).split(":", 1)
            attrs[var] = dict(da.attrs)
            plain = da.copy()
            plain.attrs = {}
            sums.setdefault(name, {})[var] = plain
        return cls({name: xr.Dataset(v) for name, v in sums.items()}, attrs,
                   bool(ds.attrs.get("skipna", 0)))

    def _per_forecast(self, name: str) -> tuple[xr.Dataset, xr.Dataset]:
        """``sum(w s) / sum(w)`` of each forecast and where a forecast has any weight."""
        if not self.sums:
            raise ConfigError("the score state is empty; add the state of at least one "
                              "forecast piece (score_state(piece, truth)) before scoring")
        if name not in self.sums:
            raise ConfigError(f"this score state holds no {name!r} sums (only "
                              f"{sorted(self.sums)}); build it with score_state(..., "
                              f"sums=None), which holds them all")
        weight = self.sums["weight"]
        present = weight > 0
        mean = self.sums[name] / weight.where(present)
        return mean, present

    def _average(self, values: xr.Dataset, present: xr.Dataset,
                 average_over: Dims | None) -> xr.Dataset:
        """Mean over ``average_over`` of the forecasts that had points (like the scores)."""
        over = [dim for dim in as_tuple(average_over) if dim in values.dims]
        if not over:
            return values
        total = values.where(present, 0).sum(over, skipna=self.skipna)
        return total / present.sum(over)

    def _finish(self, result: xr.Dataset, score: str, units: Any) -> xr.Dataset:
        template = xr.Dataset({name: xr.DataArray(0.0, attrs=dict(self.attrs.get(name, {})))
                               for name in result.data_vars})
        return describe_score(result, template, score, units)

    def mse(self, average_over: Dims | None = "init_time") -> xr.Dataset:
        """Mean squared error, as :func:`xaqf.metrics.mse` on the whole forecast."""
        mean, present = self._per_forecast("squared_error")
        return self._finish(self._average(mean, present, average_over), "MSE",
                            squared_units)

    def rmse(self, average_over: Dims | None = "init_time",
             form: RmseForm = "per_forecast") -> xr.Dataset:
        """Root mean squared error in either form, as :func:`xaqf.metrics.rmse`.

        Raises
        ------
        ConfigError
            If ``form`` is unknown.
        """
        mean, present = self._per_forecast("squared_error")
        result = averaged_root(mean, form, lambda values: self._average(values, present,
                                                                        average_over))
        return self._finish(result, "RMSE", same_units)

    def mae(self, average_over: Dims | None = "init_time") -> xr.Dataset:
        """Mean absolute error, as :func:`xaqf.metrics.mae`."""
        mean, present = self._per_forecast("absolute_error")
        return self._finish(self._average(mean, present, average_over), "MAE", same_units)

    def bias(self, average_over: Dims | None = "init_time") -> xr.Dataset:
        """Mean error ``forecast - truth``, as :func:`xaqf.metrics.bias`."""
        mean, present = self._per_forecast("error")
        return self._finish(self._average(mean, present, average_over), "bias", same_units)

    def acc(self, average_over: Dims | None = "init_time") -> xr.Dataset:
        """Anomaly correlation coefficient, as :func:`xaqf.metrics.acc`: ``sum(w a b) /
        sqrt(sum(w a^2) sum(w b^2))`` of each forecast, then averaged.

        Raises
        ------
        ConfigError
            If the state was built without a climatology (or is empty).
        """
        if self.sums and ANOMALY_SUMS[0] not in self.sums:
            raise ConfigError("this score state has no anomaly sums: build it with a "
                              "climatology, score_state(piece, truth, climatology=...) (e.g. "
                              "from xaqf.metrics.compute_climatology), to score the ACC")
        product, present = self._per_forecast("anomaly_product")
        forecast_variance = self._per_forecast("forecast_anomaly_squared")[0]
        truth_variance = self._per_forecast("truth_anomaly_squared")[0]
        per_forecast = product / (forecast_variance * truth_variance) ** 0.5
        if self.skipna:  # points with a truth but no climatology leave a forecast no anomaly
            present = present & per_forecast.notnull()
        return self._finish(self._average(per_forecast, present, average_over), "ACC",
                            dimensionless)

    def mnmb(self, average_over: Dims | None = "init_time") -> xr.Dataset:
        """Modified normalised mean bias, as :func:`xaqf.metrics.mnmb`."""
        mean, present = self._per_forecast("normalised_error")
        return self._finish(self._average(mean, present, average_over), "MNMB",
                            dimensionless)

    def fge(self, average_over: Dims | None = "init_time") -> xr.Dataset:
        """Fractional gross error, as :func:`xaqf.metrics.fge`."""
        mean, present = self._per_forecast("fractional_error")
        return self._finish(self._average(mean, present, average_over), "FGE",
                            dimensionless)

    def _normalised(self, name: str, average_over: Dims | None) -> xr.Dataset:
        """The average of ``name`` over the average of the truth (NaN where that is 0)."""
        mean, present = self._per_forecast(name)
        truth = self._average(self._per_forecast("truth")[0], present, average_over)
        return self._average(mean, present, average_over) / truth.where(truth != 0)

    def nmb(self, average_over: Dims | None = "init_time") -> xr.Dataset:
        """Normalised mean bias ``sum_w(F - O) / sum_w(O)``, as :func:`xaqf.metrics.nmb`."""
        return self._finish(self._normalised("error", average_over), "NMB", dimensionless)

    def nmge(self, average_over: Dims | None = "init_time") -> xr.Dataset:
        """Normalised mean gross error, as :func:`xaqf.metrics.nmge`."""
        return self._finish(self._normalised("absolute_error", average_over), "NMGE",
                            dimensionless)


def compute_states(*states: ScoreState, **kwargs: Any) -> list[ScoreState]:
    """``states`` with their dask sums computed together, in one pass over shared inputs.

    ``kwargs`` go to :func:`dask.compute`; an active dask.distributed client is used.
    """
    import dask

    computed = dask.compute(*(dict(state.sums) for state in states), **kwargs)
    return [ScoreState(sums, state.attrs, state.skipna)
            for sums, state in zip(computed, states, strict=True)]


def _default_weights(forecast: xr.Dataset) -> xr.DataArray:
    """cos(latitude), not normalised: the same weight for a row in every band."""
    latitude = forecast["latitude"]
    return xr.DataArray(cos_weights(np.asarray(latitude.values, dtype=np.float64)),
                        dims="latitude", coords={"latitude": latitude.values})


def _truth_for(forecast: xr.Dataset, truth: Any) -> Any:
    """The truth cut to the piece's rows and columns (a latitude band or a region)."""
    cut = {dim: forecast[dim].values for dim in SPATIAL_DIMS if dim in truth.dims
           and dim in forecast.dims and truth.sizes[dim] != forecast.sizes[dim]}
    if not cut:
        return truth
    try:
        return truth.sel(cut, method="nearest", tolerance=1e-6)
    except KeyError as err:
        raise GridMismatchError(
            f"the forecast piece's {', '.join(cut)} points are not all on the truth's grid; "
            f"cut pieces from a forecast on the truth's grid, or regrid, e.g. "
            f"piece = piece.aqf.regrid(truth)") from err


def _plain(sums: xr.Dataset, forecast: xr.Dataset) -> xr.Dataset:
    """Sums in the forecast's order, without auxiliary coordinates (``valid_time``)."""
    return restore_order(sums.reset_coords(drop=True), forecast)


def score_state(forecast: xr.Dataset | xr.DataArray, truth: xr.Dataset | xr.DataArray, *,
                dims: Dims = SPATIAL_DIMS, weights: Any = None, skipna: bool = False,
                climatology: xr.Dataset | xr.DataArray | None = None,
                sums: Iterable[str] | None = None) -> ScoreState:
    """The weighted-sum state of one forecast piece against the truth.

    Parameters
    ----------
    forecast
        A piece of a forecast in forecast layout (any init times, lead times, latitude
        band); a DataArray is scored as a one-variable Dataset.
    truth
        As for :func:`xaqf.metrics.rmse` (an analysis with ``time`` or forecast layout).
    dims
        Dimensions summed over (default: latitude and longitude).
    weights
        ``None`` (cos-latitude, not normalised) or weights as for :func:`xaqf.metrics.rmse`,
        which must be the same for every piece (compute area weights on the whole grid).
    skipna
        Leave NaN points out of the sums (``True``) or let them make the scores NaN.
    climatology
        As for :func:`xaqf.metrics.acc` (on the truth's grid; cut to the piece like the
        truth): adds the anomaly sums (:data:`ANOMALY_SUMS`) that :meth:`ScoreState.acc`
        finishes.
    sums
        Names of the sums to hold (of :data:`SUMS` and :data:`ANOMALY_SUMS`, e.g. those of
        a score in :data:`SCORE_SUMS`); ``weight`` is always held. ``None``: all of them.

    Returns
    -------
    ScoreState
        Lazy on dask input (:meth:`ScoreState.compute`).

    Raises
    ------
    MissingVariableError, MissingLevelError, MissingTimeError, GridMismatchError, LayoutError
        When forecast and truth cannot be matched.
    ConfigError
        For an unknown name in ``sums``, or anomaly sums without a climatology.
    """
    forecast, truth, climatology = as_datasets(forecast, truth, climatology)
    matched_forecast, matched_truth = match(forecast, _truth_for(forecast, truth))
    w = weights_on_grid(_default_weights(matched_forecast) if weights is None else weights,
                        forecast, matched_forecast)
    return matched_state(forecast, matched_forecast, matched_truth, w, dims=dims,
                         skipna=skipna, sums=sums, climatology=None if climatology is None
                         else _truth_for(forecast, climatology))


def as_datasets(forecast: xr.Dataset | xr.DataArray, truth: Any, climatology: Any = None
                ) -> tuple[xr.Dataset, Any, Any]:
    """A DataArray forecast as a one-variable Dataset, with a DataArray truth and
    climatology under the same name; Datasets as they are."""
    if not isinstance(forecast, xr.DataArray):
        return forecast, truth, climatology
    name = forecast_name(forecast)
    forecast = forecast.to_dataset(name=name)
    if isinstance(truth, xr.DataArray):
        truth = truth.to_dataset(name=name)
    if isinstance(climatology, xr.DataArray):
        climatology = climatology.to_dataset(name=name)
    return forecast, truth, climatology


def forecast_name(forecast: xr.DataArray) -> Hashable:
    """The variable name a DataArray forecast is scored under."""
    return forecast.name or "forecast"


def _wanted(sums: Iterable[str] | None, climatology: Any) -> tuple[str, ...]:
    """The names of the sums to build, checked."""
    if sums is None:
        return (*SUMS, *(ANOMALY_SUMS if climatology is not None else ()))
    wanted = tuple(sums)
    unknown = [name for name in wanted if name not in (*SUMS, *ANOMALY_SUMS)]
    if unknown:
        raise ConfigError(f"unknown score sums {unknown}; choose from {[*SUMS, *ANOMALY_SUMS]}")
    if climatology is None and any(name in ANOMALY_SUMS for name in wanted):
        raise ConfigError("the anomaly sums need a climatology: pass climatology=... (e.g. "
                          "from xaqf.metrics.compute_climatology)")
    return wanted


def _point_values(forecast: xr.Dataset, matched_forecast: xr.Dataset,
                  matched_truth: xr.Dataset, climatology: Any, skipna: bool,
                  wanted: tuple[str, ...]) -> dict[str, xr.Dataset]:
    """The per-point values whose weighted sums are wanted, in the order of the state."""
    values = {name: statistic(matched_forecast, matched_truth)
              for name, statistic in STATISTICS.items() if name in wanted}
    if any(name in ANOMALY_SUMS for name in wanted):
        fa, oa = anomalies(forecast, matched_forecast, matched_truth, climatology, skipna)
        values.update(zip(ANOMALY_SUMS, (fa * oa, fa ** 2, oa ** 2), strict=True))
    return values


def matched_state(forecast: xr.Dataset, matched_forecast: xr.Dataset,
                  matched_truth: xr.Dataset, weights: xr.DataArray, *, dims: Dims,
                  skipna: bool, climatology: Any = None,
                  sums: Iterable[str] | None = None) -> ScoreState:
    """The state of ``forecast`` from its :func:`~xaqf.metrics.align.match` with the truth
    and weights on the matched grid (:func:`~xaqf.metrics.weights.weights_on_grid`).

    The ``weight`` sum (and ``count``) is that of the first sum's valid points; other
    arguments as for :func:`score_state`.
    """
    wanted = _wanted(sums, climatology)
    values = _point_values(forecast, matched_forecast, matched_truth, climatology, skipna,
                           wanted)
    state: dict[str, xr.Dataset] = {}
    for name, points in values.items():
        total, weight = weighted_sums(points, weights, dims, skipna)
        state[name] = _plain(total, forecast)
        if "weight" not in state:
            state["weight"] = _plain(xr.ones_like(total) * weight, forecast)
            if "count" in wanted:
                state["count"] = _plain(points.notnull().sum(as_tuple(dims)), forecast)
    attrs = {name: {key: da.attrs[key] for key in ("long_name", "units") if key in da.attrs}
             for name, da in forecast.data_vars.items()}
    return ScoreState(state, attrs, skipna)


def score_states(pieces: Iterable[xr.Dataset], truth: xr.Dataset, *, progress: bool = False,
                 **options: Any) -> ScoreState:
    """The merged state of many forecast pieces, holding one piece at a time.

    Parameters
    ----------
    pieces
        Forecast pieces, e.g. :meth:`~xaqf.Forecaster.predict_iter`, or blocks of init
        times of a forecast archive (each is computed before the next is read).
    truth
        As for :func:`score_state`.
    progress
        Show a progress bar.
    **options
        ``dims``, ``weights``, ``skipna`` of :func:`score_state`.

    Examples
    --------
    >>> import pandas as pd
    >>> from xaqf import metrics
    >>> times = pd.date_range("2022-06-01", periods=4, freq="12h")
    >>> truth = xr.Dataset({"pm10": (("time", "latitude", "longitude"),
    ...                              np.arange(16.0).reshape(4, 2, 2))},
    ...                    coords={"time": times, "latitude": [30.0, -30.0],
    ...                            "longitude": [0.0, 180.0]})
    >>> fc = metrics.persistence_forecast(truth, times[:2], ["12h", "24h"])
    >>> leads = (fc.isel(lead_time=[i]) for i in range(2))
    >>> score_states(leads, truth).mae().pm10.values
    array([4., 8.])
    """
    state = ScoreState.empty(options.get("skipna", False))
    for piece in progress_bar(pieces, desc="scoring", unit="piece", enabled=progress):
        state = state + score_state(piece, truth, **options).compute()
    return state


def normalized_rmse(state: ScoreState, reference: ScoreState, *,
                    average_over: Dims | None = "init_time",
                    form: RmseForm = "per_forecast") -> xr.Dataset:
    """RMSE of ``state`` divided by that of ``reference``, as :func:`xaqf.metrics.normalized_rmse`.

    Both states must cover the same forecasts (init and lead times), e.g. built from
    :func:`xaqf.metrics.common_forecasts`. Below 1 the forecast beats the reference.
    """
    ratio = state.rmse(average_over, form) / reference.rmse(average_over, form)
    return state._finish(ratio, "RMSE normalised by the reference's", dimensionless)
