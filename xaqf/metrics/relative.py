"""Relative scores: bias and error measured against the size of the concentrations.

Pollutant concentrations are skewed (a few plumes, much clean air), so the verification of
atmospheric-composition forecasts (CAMS validation reports, AeroVal) adds scores that are
relative to the values themselves. With forecast ``F`` and truth ``O`` (non-negative) and
latitude weights ``w`` over the grid:

* :func:`mnmb`, modified normalised mean bias: ``2 sum(w (F - O) / (F + O)) / sum(w)``, in
  [-2, 2], symmetric in over- and underestimation;
* :func:`fge`, fractional gross error: ``2 sum(w |F - O| / (F + O)) / sum(w)``, in [0, 2];
* :func:`nmb`, normalised mean bias: ``sum(w (F - O)) / sum(w O)``;
* :func:`nmge`, normalised mean gross error: ``sum(w |F - O|) / sum(w O)``.

A point where ``F = O = 0`` counts as perfect agreement in MNMB and FGE (its ratio is 0/0).
Each score is computed per forecast, then averaged over ``average_over`` like
:func:`~xaqf.metrics.rmse` (NMB and NMGE as the ratio of the two averages, so that they
equal the pooled ratio over all forecasts); matching, units, weights and NaN rules are
those of :mod:`xaqf.metrics.scores`. The plain mean bias and mean gross error are
:func:`~xaqf.metrics.bias` and :func:`~xaqf.metrics.mae`. Per forecast day:
:func:`~xaqf.metrics.by_lead_day` of any of these.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> lat, lon = [30.0, -30.0], [0.0, 180.0]
>>> truth = xr.DataArray(np.full((2, 2, 2), 2.0), dims=("time", "latitude", "longitude"),
...                      coords={"time": pd.date_range("2022-06-01", periods=2, freq="12h"),
...                              "latitude": lat, "longitude": lon}, name="pm10")
>>> fc = xr.DataArray(np.full((1, 1, 2, 2), 6.0), name="pm10",
...                   dims=("init_time", "lead_time", "latitude", "longitude"),
...                   coords={"init_time": truth.time[:1].values,
...                           "lead_time": pd.to_timedelta([12], unit="h"),
...                           "latitude": lat, "longitude": lon})
>>> float(mnmb(fc, truth)[0]), float(fge(fc, truth)[0]), float(nmb(fc, truth)[0])
(1.0, 1.0, 2.0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import xarray as xr

from xaqf.metrics.aggregation import average
from xaqf.metrics.align import SPATIAL_DIMS
from xaqf.metrics.pointwise import absolute_error, error
from xaqf.metrics.scores import Dims, XarrayObj, _score, describe_score

__all__ = ["fge", "fractional_error", "mnmb", "nmb", "nmge", "normalised_error"]


def normalised_error(forecast: Any, truth: Any) -> Any:
    """``2 (F - O) / (F + O)``, 0 where both are 0: the point statistic of MNMB.

    Examples
    --------
    >>> import numpy as np
    >>> normalised_error(np.array([3.0, 0.0, 1.0]), np.array([1.0, 0.0, 3.0]))
    array([ 1.,  0., -1.])
    """
    total = forecast + truth
    return 2 * (forecast - truth) / (total + (total == 0))


def fractional_error(forecast: Any, truth: Any) -> Any:
    """``2 |F - O| / (F + O)``, 0 where both are 0: the point statistic of FGE.

    Examples
    --------
    >>> fractional_error(1.0, 3.0)
    1.0
    """
    return abs(normalised_error(forecast, truth))


def _truth_where_paired(forecast: Any, truth: Any) -> Any:
    """The truth, NaN where the forecast is (so both sums of a ratio skip the same points)."""
    return truth + 0 * forecast


def dimensionless(units: str) -> str:
    """Units of a relative score."""
    return "1"


def _relative(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray,
              statistic: Callable[[Any, Any], Any], name: str, *, dims: Dims, weights: Any,
              skipna: bool | None, average_over: Dims | None) -> XarrayObj:
    per_forecast, chosen = _score(forecast, truth, statistic, dims=dims, weights=weights,
                                  skipna=skipna)
    return describe_score(average(per_forecast, average_over, chosen), forecast, name,
                          dimensionless)


def _normalised(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray,
                statistic: Callable[[Any, Any], Any], name: str, *, dims: Dims, weights: Any,
                skipna: bool | None, average_over: Dims | None) -> XarrayObj:
    numerator, chosen = _score(forecast, truth, statistic, dims=dims, weights=weights,
                               skipna=skipna)
    denominator, _ = _score(forecast, truth, _truth_where_paired, dims=dims, weights=weights,
                            skipna=chosen)
    denominator = average(denominator, average_over, chosen)
    ratio = average(numerator, average_over, chosen) / denominator.where(denominator != 0)
    return describe_score(ratio, forecast, name, dimensionless)


def mnmb(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
         weights: Any = None, skipna: bool | None = None,
         average_over: Dims | None = "init_time") -> XarrayObj:
    """Modified normalised mean bias ``2 mean_w((F - O) / (F + O))``, in [-2, 2].

    Arguments, returns and errors as for :func:`~xaqf.metrics.mse`. Positive when the
    forecast is too high; an overestimate by a factor ``k`` scores ``2 (k - 1) / (k + 1)``,
    the opposite of an underestimate by the same factor.
    """
    return _relative(forecast, truth, normalised_error, "MNMB", dims=dims, weights=weights,
                     skipna=skipna, average_over=average_over)


def fge(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
        weights: Any = None, skipna: bool | None = None,
        average_over: Dims | None = "init_time") -> XarrayObj:
    """Fractional gross error ``2 mean_w(|F - O| / (F + O))``, in [0, 2] (0: perfect).

    Arguments, returns and errors as for :func:`~xaqf.metrics.mse`.
    """
    return _relative(forecast, truth, fractional_error, "FGE", dims=dims, weights=weights,
                     skipna=skipna, average_over=average_over)


def nmb(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
        weights: Any = None, skipna: bool | None = None,
        average_over: Dims | None = "init_time") -> XarrayObj:
    """Normalised mean bias ``sum_w(F - O) / sum_w(O)`` (NaN where the truth sums to 0).

    Arguments, returns and errors as for :func:`~xaqf.metrics.mse`; both sums are averaged
    over ``average_over`` before the ratio is taken.
    """
    return _normalised(forecast, truth, error, "NMB", dims=dims, weights=weights,
                       skipna=skipna, average_over=average_over)


def nmge(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
         weights: Any = None, skipna: bool | None = None,
         average_over: Dims | None = "init_time") -> XarrayObj:
    """Normalised mean gross error ``sum_w|F - O| / sum_w(O)``; arguments as :func:`nmb`."""
    return _normalised(forecast, truth, absolute_error, "NMGE", dims=dims, weights=weights,
                       skipna=skipna, average_over=average_over)
