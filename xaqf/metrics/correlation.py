"""Spatial correlation of each forecast with the truth: Pearson's and Spearman's r.

Per forecast (each init and lead time, level and variable), over the grid with latitude
weights ``w``, Pearson's r is ``cov_w(F, O) / sqrt(var_w(F) var_w(O))`` with the weighted
means removed (a centred pattern correlation, unlike the uncentred anomaly correlation of
:func:`~xaqf.metrics.acc`). Spearman's r is Pearson's r of the ranks of ``F`` and ``O`` over
the grid (ties get their average rank; the ranks themselves are unweighted, their
correlation is weighted). Scores are then averaged over ``average_over``. Only points where
both values are finite enter; with ``skipna`` false a NaN makes its forecast's r NaN.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> lat, lon = [30.0, 0.0, -30.0], [0.0, 180.0]
>>> truth = xr.DataArray(np.arange(12.0).reshape(2, 3, 2), name="pm10",
...                      dims=("time", "latitude", "longitude"),
...                      coords={"time": pd.date_range("2022-06-01", periods=2, freq="12h"),
...                              "latitude": lat, "longitude": lon})
>>> fc = (truth.isel(time=[1]) ** 3).rename(time="init_time").expand_dims(
...     lead_time=pd.to_timedelta([0], unit="h"), axis=1)
>>> float(spearman_r(fc, truth)[0]), round(float(pearson_r(fc, truth)[0]), 3)
(1.0, 0.985)
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.metrics.aggregation import Dims, as_tuple, average, weighted_mean
from xaqf.metrics.align import SPATIAL_DIMS, match, restore_order
from xaqf.metrics.describe import describe_score, dimensionless
from xaqf.metrics.scores import chosen_skipna, like_forecast
from xaqf.metrics.streaming import as_datasets
from xaqf.metrics.weights import weights_on_grid

__all__ = ["average_ranks", "pearson_r", "ranks", "spearman_r"]


def average_ranks(values: Any) -> np.ndarray:
    """Ranks (1..n) along the last axis, ties averaged, NaN kept as NaN.

    Examples
    --------
    >>> average_ranks(np.array([[3.0, 1.0, 3.0, np.nan]]))
    array([[2.5, 1. , 2.5, nan]])
    """
    array = np.asarray(values, dtype=np.float64)
    flat = array.reshape(-1, array.shape[-1]) if array.size else array.reshape(0, 1)
    ranked = pd.DataFrame(flat).rank(axis=1, method="average").to_numpy()
    return ranked.reshape(array.shape)


def _ranks_along(values: np.ndarray, count: int) -> np.ndarray:
    """Ranks over the last ``count`` axes taken together."""
    shape = values.shape
    flat = values.reshape(*shape[:values.ndim - count], -1)
    return average_ranks(flat).reshape(shape)


def ranks(values: XarrayObj, dims: Hashable | Iterable[Hashable]) -> XarrayObj:
    """Average ranks of ``values`` over ``dims`` taken together (lazy on dask input).

    Examples
    --------
    >>> x = xr.DataArray([[5.0, 1.0], [1.0, 9.0]], dims=("latitude", "longitude"))
    >>> ranks(x, ("latitude", "longitude")).values
    array([[3. , 1.5],
           [1.5, 4. ]])
    """
    core = list(as_tuple(dims))
    return xr.apply_ufunc(_ranks_along, values, kwargs={"count": len(core)},
                          input_core_dims=[core], output_core_dims=[core],
                          dask="parallelized", output_dtypes=[np.float64],
                          dask_gufunc_kwargs={"allow_rechunk": True}, keep_attrs=True)


def weighted_pearson(a: XarrayObj, b: XarrayObj, weights: xr.DataArray,
                     dims: Hashable | Iterable[Hashable], skipna: bool) -> XarrayObj:
    """Weighted Pearson correlation of ``a`` and ``b`` over ``dims`` (NaN without variance).

    Examples
    --------
    >>> a = xr.DataArray([1.0, 2.0, 3.0], dims="latitude")
    >>> float(weighted_pearson(a, -a, xr.ones_like(a), "latitude", False))
    -1.0
    """
    anomaly_a = a - weighted_mean(a, weights, dims, skipna)
    anomaly_b = b - weighted_mean(b, weights, dims, skipna)
    covariance = weighted_mean(anomaly_a * anomaly_b, weights, dims, skipna)
    variance = (weighted_mean(anomaly_a ** 2, weights, dims, skipna)
                * weighted_mean(anomaly_b ** 2, weights, dims, skipna))
    return covariance / variance.where(variance > 0) ** 0.5


def _correlation(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, name: str,
                 ranked: bool, *, dims: Dims, weights: Any, skipna: bool | None,
                 average_over: Dims | None) -> XarrayObj:
    data, truth, _ = as_datasets(forecast, truth)
    matched_forecast, matched_truth = match(data, truth)
    chosen = chosen_skipna(skipna, matched_truth)
    w = weights_on_grid(weights, data, matched_forecast)
    both = matched_forecast.notnull() & matched_truth.notnull()
    f, o = matched_forecast.where(both), matched_truth.where(both)
    if ranked:
        nan = ~both
        f, o = ranks(f, dims).where(~nan), ranks(o, dims).where(~nan)
        if not chosen:
            f = f.where(~nan.any(as_tuple(dims)))
    per_forecast = restore_order(weighted_pearson(f, o, w, dims, chosen), data)
    score = describe_score(average(per_forecast, average_over, chosen), data, name,
                           dimensionless)
    return like_forecast(score, forecast)


def pearson_r(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *,
              dims: Dims = SPATIAL_DIMS, weights: Any = None, skipna: bool | None = None,
              average_over: Dims | None = "init_time") -> XarrayObj:
    """Latitude-weighted Pearson correlation over the grid, per forecast, then averaged.

    Arguments, returns and errors as for :func:`~xaqf.metrics.mse`; in [-1, 1].
    """
    return _correlation(forecast, truth, "Pearson r", False, dims=dims, weights=weights,
                        skipna=skipna, average_over=average_over)


def spearman_r(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *,
               dims: Dims = SPATIAL_DIMS, weights: Any = None, skipna: bool | None = None,
               average_over: Dims | None = "init_time") -> XarrayObj:
    """Spearman rank correlation over the grid (weighted Pearson r of the ranks).

    Arguments, returns and errors as for :func:`~xaqf.metrics.mse`; in [-1, 1]. Ranks
    need each forecast's ``dims`` in one chunk (dask rechunks them).
    """
    return _correlation(forecast, truth, "Spearman r", True, dims=dims, weights=weights,
                        skipna=skipna, average_over=average_over)
