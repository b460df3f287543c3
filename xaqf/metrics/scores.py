"""Deterministic scores of a forecast against the truth, on xarray.

Every score is built the same way: match forecast and truth (valid time, variables,
levels, grid, latitude order; :func:`~xaqf.metrics.align.match`), compute a per-point
statistic (:mod:`~xaqf.metrics.pointwise`), average it over ``dims`` with latitude weights
(:func:`~xaqf.metrics.aggregation.weighted_mean`), then average over forecasts
(``average_over``, by default ``init_time``). ``lead_time`` and ``level`` are kept.

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
from collections.abc import Callable, Hashable, Iterable
from functools import partial
from typing import Any, Literal

import numpy as np
import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.errors import (
    ConfigError,
    DataWarning,
    GridMismatchError,
    LayoutError,
    MissingTimeError,
    MissingVariableError,
)
from xaqf.metrics.aggregation import average, weighted_mean
from xaqf.metrics.align import SPATIAL_DIMS, ascending, match
from xaqf.metrics.baselines import climatology_forecast
from xaqf.metrics.pointwise import absolute_error, error, squared_error
from xaqf.metrics.weights import latitude_weights
from xaqf.variables import VARIABLES

Dims = Hashable | Iterable[Hashable]
RmseForm = Literal["per_forecast", "mse_then_sqrt"]


def weights_on_grid(weights: Any, original: XarrayObj, matched: XarrayObj) -> xr.DataArray:
    """Weights as a DataArray on the matched (ascending) grid; cos-lat by default."""
    if weights is None:
        return latitude_weights(matched["latitude"])
    if not isinstance(weights, xr.DataArray):
        values = np.asarray(weights, dtype=np.float64)
        if values.shape != (original.sizes["latitude"],):
            raise LayoutError(
                f"weights of shape {values.shape} do not match the forecast's "
                f"{original.sizes['latitude']} latitudes; pass one weight per latitude, in "
                f"the forecast's order, or a DataArray with latitude/longitude coordinates"
            )
        weights = xr.DataArray(values, dims="latitude",
                               coords={"latitude": original["latitude"].values})
    weights = ascending(weights)
    for dim in SPATIAL_DIMS:
        if dim not in weights.dims:
            continue
        if dim not in weights.coords:
            weights = weights.assign_coords({dim: original[dim].values})
            weights = ascending(weights)
        if weights.sizes[dim] != matched.sizes[dim] or not np.allclose(
                weights[dim].values, matched[dim].values, rtol=0, atol=1e-6):
            raise GridMismatchError(
                f"the weights' {dim} coordinate does not match the forecast's; build them "
                f"from the forecast grid, e.g. xaqf.metrics.latitude_weights(forecast.{dim})"
            )
        weights = weights.assign_coords({dim: matched[dim]})
    return weights


def restore_order(result: XarrayObj, forecast: xr.Dataset | xr.DataArray) -> XarrayObj:
    """Put a kept latitude/longitude axis back in the forecast's order."""
    kept = {dim: forecast[dim].values for dim in SPATIAL_DIMS if dim in result.dims}
    return result.sel(kept) if kept else result


def describe_score(result: XarrayObj, source: XarrayObj, score: str,
                   units: Callable[[str], str]) -> XarrayObj:
    """Attributes of a score: long name and units derived from the variable's."""
    def attrs(name: Hashable, da: xr.DataArray) -> dict[str, str]:
        variable = VARIABLES.get(str(name))
        long_name = da.attrs.get("long_name") or (variable.long_name if variable else name)
        source_units = da.attrs.get("units") or (variable.units if variable else "")
        return {"long_name": f"{score} of {long_name}", "units": units(source_units)}

    if isinstance(result, xr.Dataset):
        for name in result.data_vars:
            result[name].attrs = attrs(name, source[name])
    else:
        result.attrs = attrs(source.name, source)
    return result


def same_units(units: str) -> str:
    """The units of a score in the variable's units (bias, RMSE)."""
    return units


def squared_units(units: str) -> str:
    """The units of a score in the variable's units squared (MSE)."""
    return f"({units})**2" if units else ""


def _chosen_skipna(skipna: bool | None, truth: xr.Dataset | xr.DataArray) -> bool:
    """``skipna`` itself when chosen; else ``False``, warning about NaN in the truth."""
    if skipna is not None or truth.chunks:  # dask-backed: stay lazy, no check
        return bool(skipna)
    flags = truth.isnull().any() if isinstance(truth, xr.DataArray) else \
        truth.isnull().any().to_array()
    if bool(flags.any()):
        names = [str(truth.name)] if isinstance(truth, xr.DataArray) else \
            [str(n) for n, f in zip(flags["variable"].values, flags.values, strict=True) if f]
        warnings.warn(f"the truth has NaN values in {names}: their scores are NaN. Pass "
                      f"skipna=True to skip them (weights renormalised) or skipna=False to "
                      f"keep NaN scores without this warning", DataWarning, stacklevel=3)
    return False


def _score(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray,
           statistic: Callable[[Any, Any], Any], *, dims: Dims, weights: Any,
           skipna: bool | None) -> tuple[XarrayObj, bool]:
    """Spatially averaged ``statistic`` per forecast (before averaging over inits), and the
    ``skipna`` used."""
    matched_forecast, matched_truth = match(forecast, truth)
    chosen = _chosen_skipna(skipna, matched_truth)
    w = weights_on_grid(weights, forecast, matched_forecast)
    per_forecast = weighted_mean(statistic(matched_forecast, matched_truth), w, dims, chosen)
    return restore_order(per_forecast, forecast), chosen


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
    per_forecast, skipna = _score(forecast, truth, squared_error, dims=dims,
                                  weights=weights, skipna=skipna)
    return describe_score(average(per_forecast, average_over, skipna), forecast, "MSE",
                     squared_units)


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
    if form not in ("per_forecast", "mse_then_sqrt"):
        raise ConfigError(f"unknown RMSE form {form!r}; use 'per_forecast' (WeatherBench 1, "
                          f"default) or 'mse_then_sqrt' (WeatherBench 2)")
    per_forecast, skipna = _score(forecast, truth, squared_error, dims=dims,
                                  weights=weights, skipna=skipna)
    if form == "per_forecast":
        result = average(per_forecast ** 0.5, average_over, skipna)
    else:
        result = average(per_forecast, average_over, skipna) ** 0.5
    return describe_score(result, forecast, "RMSE", same_units)


def mae(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
        weights: Any = None, skipna: bool | None = None,
        average_over: Dims | None = "init_time") -> XarrayObj:
    """Latitude-weighted mean absolute error; arguments as for :func:`mse`."""
    per_forecast, skipna = _score(forecast, truth, absolute_error, dims=dims,
                                  weights=weights, skipna=skipna)
    return describe_score(average(per_forecast, average_over, skipna), forecast, "MAE",
                     same_units)


def bias(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
         weights: Any = None, skipna: bool | None = None,
         average_over: Dims | None = "init_time") -> XarrayObj:
    """Latitude-weighted mean error ``forecast - truth``; arguments as for :func:`mse`.

    Positive when the forecast is too high on average.
    """
    per_forecast, skipna = _score(forecast, truth, error, dims=dims, weights=weights,
                                  skipna=skipna)
    return describe_score(average(per_forecast, average_over, skipna), forecast, "bias",
                     same_units)


def _climatology_like(climatology: Any, forecast: XarrayObj) -> Any:
    """The climatology in forecast layout (unless it already has a time axis)."""
    if "time" in climatology.dims or "init_time" in climatology.dims:
        return climatology
    return climatology_forecast(climatology, forecast["init_time"].values,
                                forecast["lead_time"].values)


def anomalies(forecast: XarrayObj, matched_forecast: XarrayObj, matched_truth: XarrayObj,
              climatology: xr.Dataset | xr.DataArray, skipna: bool
              ) -> tuple[XarrayObj, XarrayObj]:
    """The anomalies ``a = forecast - c`` and ``b = truth - c`` against the climatology ``c``.

    ``matched_forecast`` and ``matched_truth`` are :func:`~xaqf.metrics.align.match` of
    ``forecast`` and the truth; the climatology (as for :func:`acc`) is matched to
    ``forecast`` the same way. With ``skipna`` both anomalies are NaN wherever either is,
    so that the sums of ``a b``, ``a^2`` and ``b^2`` run over the same points.
    """
    _, matched_clim = match(forecast, _climatology_like(climatology, forecast),
                            role="climatology")
    fa, oa = matched_forecast - matched_clim, matched_truth - matched_clim
    if skipna:
        valid = fa.notnull() & oa.notnull()
        fa, oa = fa.where(valid), oa.where(valid)
    return fa, oa


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
    matched_forecast, matched_truth = match(forecast, truth)
    skipna = _chosen_skipna(skipna, matched_truth)
    w = weights_on_grid(weights, forecast, matched_forecast)
    fa, oa = anomalies(forecast, matched_forecast, matched_truth, climatology, skipna)
    covariance = weighted_mean(fa * oa, w, dims, skipna)
    variance = weighted_mean(fa ** 2, w, dims, skipna) * weighted_mean(oa ** 2, w, dims, skipna)
    per_forecast = restore_order(covariance / variance ** 0.5, forecast)
    return describe_score(average(per_forecast, average_over, skipna), forecast, "ACC",
                     lambda units: "1")


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
    score = partial(rmse, truth=truth, dims=dims, weights=weights, skipna=skipna,
                    average_over=average_over, form=form)
    ratio = score(forecast) / score(reference)
    return describe_score(ratio, forecast, "RMSE normalised by the reference's", lambda units: "1")


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
    >>> import pandas as pd
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
    for dim in ("init_time", "lead_time"):
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
