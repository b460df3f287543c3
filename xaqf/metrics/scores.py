"""Deterministic scores of a forecast against the truth, on xarray.

Every score is built the same way, by the one scoring engine of
:mod:`~xaqf.metrics.streaming`: match forecast and truth (valid time, variables, levels,
grid, latitude order; :func:`~xaqf.metrics.align.match`), sum the per-point statistics the
score declares (:data:`~xaqf.metrics.streaming.SCORE_SUMS`, :mod:`~xaqf.metrics.pointwise`)
and their latitude weights over ``dims``, once, into a
:class:`~xaqf.metrics.streaming.ScoreState` (:func:`whole_state`), then finish it: the
weighted mean of each forecast, averaged over forecasts (``average_over``, by default
``init_time``). ``lead_time`` and ``level`` are kept.

RMSE comes in two forms (``form``):

* ``"per_forecast"`` (default; FuXi, WeatherBench 1): the RMSE of each forecast, then the
  mean over init times: ``mean_t sqrt(sum_ij w_i e_tij^2 / sum_ij w_i)``.
* ``"mse_then_sqrt"`` (WeatherBench 2): the square root of the mean MSE over init times.

By Jensen's inequality the first is never larger than the second.

Missing values: with ``skipna=None`` (the default, "not chosen") NaNs propagate as with
``False``, but NaN in the matched truth emits a :class:`~xaqf.errors.DataWarning` naming the
variables (in-memory truth only: dask-backed truth stays lazy and is not checked). Choose
``skipna`` explicitly to silence it.
Truth units are converted to the forecast's (see :func:`~xaqf.metrics.align.match`).

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> lat, lon = [60.0, 0.0, -60.0], [0.0, 180.0]
>>> truth = xr.DataArray(np.zeros((3, 3, 2)), dims=("time", "latitude", "longitude"),
...                      coords={"time": pd.date_range("2022-06-01", periods=3, freq="12h"),
...                              "latitude": lat, "longitude": lon}, name="pm10")
>>> fc = xr.DataArray(np.ones((1, 2, 3, 2)), name="pm10",
...                   dims=("init_time", "lead_time", "latitude", "longitude"),
...                   coords={"init_time": truth.time[:1].values,
...                           "lead_time": pd.to_timedelta([12, 24], unit="h"),
...                           "latitude": lat, "longitude": lon})
>>> rmse(fc, truth).values
array([1., 1.])
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.errors import DataWarning, MissingTimeError, MissingVariableError
from xaqf.metrics import streaming
from xaqf.metrics.aggregation import Dims, RmseForm
from xaqf.metrics.align import FORECAST_DIMS, SPATIAL_DIMS, match
from xaqf.metrics.streaming import SCORE_SUMS, ScoreState
from xaqf.metrics.weights import weights_on_grid

__all__ = ["Dims", "RmseForm", "acc", "bias", "common_forecasts", "mae", "mse",
           "normalized_rmse", "rmse", "whole_state"]


def chosen_skipna(skipna: bool | None, truth: xr.Dataset) -> bool:
    """``skipna`` itself when chosen; else ``False``, warning about NaN in the truth."""
    if skipna is not None or truth.chunks:  # dask-backed: stay lazy, no check
        return bool(skipna)
    flags = truth.isnull().any().to_array()
    if bool(flags.any()):
        names = [str(n) for n, f in zip(flags["variable"].values, flags.values, strict=True) if f]
        warnings.warn(f"the truth has NaN values in {names}: their scores are NaN. Pass "
                      f"skipna=True to skip them (weights renormalised) or skipna=False to "
                      f"keep NaN scores without this warning", DataWarning, stacklevel=4)
    return False


def whole_state(forecast: xr.Dataset | xr.DataArray, truth: xr.Dataset | xr.DataArray,
                sums: Iterable[str], *, dims: Dims = SPATIAL_DIMS, weights: Any = None,
                skipna: bool | None = None, climatology: Any = None) -> ScoreState:
    """The :class:`~xaqf.metrics.streaming.ScoreState` of a whole forecast, holding ``sums``:
    what every score of this module finishes. Arguments as for :func:`mse` (default
    weights: cos-latitude with mean 1; ``skipna=None`` warns about NaN in the truth).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from xaqf import metrics
    >>> truth = xr.Dataset({"pm10": (("time", "latitude", "longitude"), np.ones((2, 2, 2)))},
    ...                    coords={"time": pd.date_range("2022-06-01", periods=2, freq="12h"),
    ...                            "latitude": [-30.0, 30.0], "longitude": [0.0, 180.0]})
    >>> fc = metrics.persistence_forecast(truth, truth.time[:1], ["12h"]) + 2.0
    >>> state = whole_state(fc, truth, SCORE_SUMS["rmse"])
    >>> sorted(state.sums), state.rmse().pm10.values
    (['squared_error', 'weight'], array([2.]))
    """
    forecast, truth, climatology = streaming.as_datasets(forecast, truth, climatology)
    matched_forecast, matched_truth = match(forecast, truth)
    chosen = chosen_skipna(skipna, matched_truth)
    return streaming.matched_state(
        forecast, matched_forecast, matched_truth,
        weights_on_grid(weights, forecast, matched_forecast), dims=dims, skipna=chosen,
        climatology=climatology, sums=sums)


def like_forecast(score: xr.Dataset, forecast: XarrayObj) -> XarrayObj:
    """A finished score as the forecast's type, keeping the forecast's coordinates that are
    not indexes (``valid_time``, a scalar ``level``) where its dims remain."""
    kept = {name: coord for name, coord in forecast.coords.items()
            if name not in forecast.indexes and set(coord.dims) <= set(score.dims)}
    score = score.assign_coords(kept)
    if isinstance(forecast, xr.DataArray):
        return score[streaming.forecast_name(forecast)].rename(forecast.name)
    return score


def mse(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
        weights: Any = None, skipna: bool | None = None,
        average_over: Dims | None = "init_time") -> XarrayObj:
    """Latitude-weighted mean squared error.

    Parameters
    ----------
    forecast
        Dataset or DataArray in forecast layout ``(init_time, lead_time, [level], latitude,
        longitude)``; latitude in any order.
    truth
        Analysis with a ``time`` dim (matched at ``valid_time = init_time + lead_time``) or
        a Dataset/DataArray in forecast layout. May hold more variables, levels and times.
    dims
        Dimensions of the weighted average (default: latitude and longitude).
    weights
        ``None`` (cos-latitude, mean 1), a 1-D array over the forecast's latitudes (in its
        order) or a DataArray with ``latitude`` (and optionally ``longitude``) coordinates.
    skipna
        ``True`` skips NaNs (weights renormalised over valid points); ``False`` propagates;
        ``None`` (default) propagates and warns about NaN in the truth.
    average_over
        Dimension(s) averaged after the weighted mean; ``None`` keeps every forecast.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        One score per variable (Dataset in, Dataset out), keeping ``lead_time`` and
        ``level``. Lazy on dask input.

    Raises
    ------
    MissingVariableError, MissingLevelError, MissingTimeError, GridMismatchError, LayoutError
        When forecast and truth cannot be matched.
    """
    state = whole_state(forecast, truth, SCORE_SUMS["mse"], dims=dims, weights=weights,
                        skipna=skipna)
    return like_forecast(state.mse(average_over), forecast)


def rmse(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
         weights: Any = None, skipna: bool | None = None, average_over: Dims | None = "init_time",
         form: RmseForm = "per_forecast") -> XarrayObj:
    """Latitude-weighted root mean squared error (SPEC section 7).

    Parameters
    ----------
    forecast, truth, dims, weights, skipna, average_over
        As for :func:`mse`.
    form
        ``"per_forecast"``: RMSE of each forecast, then averaged over ``average_over``
        (FuXi / WeatherBench 1, the default). ``"mse_then_sqrt"``: square root of the MSE
        averaged over ``average_over`` (WeatherBench 2).

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        In the units of the variable; keeps ``lead_time`` and ``level``. Lazy on dask.

    Raises
    ------
    ConfigError
        If ``form`` is unknown; otherwise as :func:`mse`.
    """
    state = whole_state(forecast, truth, SCORE_SUMS["rmse"], dims=dims, weights=weights,
                        skipna=skipna)
    return like_forecast(state.rmse(average_over, form), forecast)


def mae(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
        weights: Any = None, skipna: bool | None = None,
        average_over: Dims | None = "init_time") -> XarrayObj:
    """Latitude-weighted mean absolute error; arguments as for :func:`mse`."""
    state = whole_state(forecast, truth, SCORE_SUMS["mae"], dims=dims, weights=weights,
                        skipna=skipna)
    return like_forecast(state.mae(average_over), forecast)


def bias(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
         weights: Any = None, skipna: bool | None = None,
         average_over: Dims | None = "init_time") -> XarrayObj:
    """Latitude-weighted mean error ``forecast - truth``; arguments as for :func:`mse`.

    Positive when the forecast is too high on average.
    """
    state = whole_state(forecast, truth, SCORE_SUMS["bias"], dims=dims, weights=weights,
                        skipna=skipna)
    return like_forecast(state.bias(average_over), forecast)


def acc(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray,
        climatology: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
        weights: Any = None, skipna: bool | None = None,
        average_over: Dims | None = "init_time") -> XarrayObj:
    """Latitude-weighted anomaly correlation coefficient (uncentred, as WeatherBench 2).

    With anomalies ``a = forecast - c`` and ``b = truth - c`` against the climatology ``c``,
    each forecast scores ``sum(w a b) / sqrt(sum(w a^2) sum(w b^2))``; the scores are then
    averaged over ``average_over``. Points where either anomaly is NaN are dropped from all
    three sums when ``skipna`` is true.

    Parameters
    ----------
    forecast, truth, dims, weights, skipna, average_over
        As for :func:`mse`.
    climatology
        From :func:`~xaqf.metrics.compute_climatology` (no time dims, or ``hour`` /
        ``dayofyear`` dims looked up at the valid time), or in the truth's or forecast's
        layout.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        Dimensionless, in [-1, 1]. Lazy on dask input.
    """
    state = whole_state(forecast, truth, SCORE_SUMS["acc"], dims=dims, weights=weights,
                        skipna=skipna, climatology=climatology)
    return like_forecast(state.acc(average_over), forecast)


def normalized_rmse(forecast: XarrayObj, reference: XarrayObj,
                    truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
                    weights: Any = None, skipna: bool | None = None,
                    average_over: Dims | None = "init_time",
                    form: RmseForm = "per_forecast") -> XarrayObj:
    """RMSE of ``forecast`` divided by the RMSE of ``reference`` (below 1: forecast better).

    Both are scored on their common init and lead times (and variables), so both averages
    cover the same forecasts.

    Parameters
    ----------
    forecast, reference
        Forecast-layout data, e.g. xaqf's forecast and the CAMS forecast.
    truth, dims, weights, skipna, average_over, form
        As for :func:`rmse`; both forecasts are scored with the same options.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        Dimensionless ratio, keeping ``lead_time`` and ``level``. Lazy on dask input.

    Raises
    ------
    MissingTimeError
        If forecast and reference share no init or lead time.
    """
    forecast, reference = common_forecasts(forecast, reference)
    state, reference_state = (whole_state(model, truth, SCORE_SUMS["rmse"], dims=dims,
                                          weights=weights, skipna=skipna)
                              for model in (forecast, reference))
    ratio = streaming.normalized_rmse(state, reference_state, average_over=average_over,
                                      form=form)
    return like_forecast(ratio, forecast)


def common_forecasts(forecast: XarrayObj, reference: XarrayObj
                     ) -> tuple[XarrayObj, XarrayObj]:
    """``forecast`` and ``reference`` restricted to their shared variables, init and lead times.

    Raises
    ------
    MissingTimeError
        If they share no init time or no lead time.
    MissingVariableError
        If they share no variable.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> a = xr.Dataset({"pm10": ("init_time", [1.0, 2.0, 3.0])},
    ...                coords={"init_time": pd.date_range("2022-06-01", periods=3)})
    >>> b = a.assign_coords(init_time=a.init_time + np.timedelta64(1, "D"))
    >>> common_forecasts(a, b)[1].init_time.dt.day.values.tolist()
    [2, 3]
    """
    if isinstance(forecast, xr.Dataset) and isinstance(reference, xr.Dataset):
        names = [name for name in forecast.data_vars if name in reference.data_vars]
        if not names:
            raise MissingVariableError(
                f"forecast {sorted(map(str, forecast.data_vars))} and reference "
                f"{sorted(map(str, reference.data_vars))} share no variable to compare")
        forecast, reference = forecast[names], reference[names]
    for dim in FORECAST_DIMS:
        if dim not in forecast.dims or dim not in reference.dims:
            continue
        shared = forecast.indexes[dim].intersection(reference.indexes[dim])
        if shared.empty:
            raise MissingTimeError(
                f"forecast and reference share no {dim}; score them on common {dim}s "
                f"(forecast: {forecast.indexes[dim][:3].tolist()}..., reference: "
                f"{reference.indexes[dim][:3].tolist()}...)"
            )
        forecast, reference = forecast.sel({dim: shared}), reference.sel({dim: shared})
    return forecast, reference
