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
The sums are additive, so each score is finished from the
:class:`~xaqf.metrics.streaming.ScoreState` of the whole forecast like
:func:`~xaqf.metrics.rmse` (and streams over archives the same way,
:meth:`~xaqf.metrics.streaming.ScoreState.mnmb`): computed per forecast, then averaged over
``average_over`` (NMB and NMGE as the ratio of the two averages, so that they equal the
pooled ratio over all forecasts); matching, units, weights and NaN rules are those of
:mod:`xaqf.metrics.scores`. The plain mean bias and mean gross error are
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

from typing import Any

import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.metrics.aggregation import Dims
from xaqf.metrics.align import SPATIAL_DIMS
from xaqf.metrics.scores import like_forecast, whole_state
from xaqf.metrics.streaming import SCORE_SUMS

__all__ = ["fge", "mnmb", "nmb", "nmge"]


def _relative(score: str, forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *,
              dims: Dims, weights: Any, skipna: bool | None,
              average_over: Dims | None) -> XarrayObj:
    """``score`` (a name of :data:`~xaqf.metrics.streaming.SCORE_SUMS`) of the whole state."""
    state = whole_state(forecast, truth, SCORE_SUMS[score], dims=dims, weights=weights,
                        skipna=skipna)
    return like_forecast(getattr(state, score)(average_over), forecast)


def mnmb(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
         weights: Any = None, skipna: bool | None = None,
         average_over: Dims | None = "init_time") -> XarrayObj:
    """Modified normalised mean bias ``2 mean_w((F - O) / (F + O))``, in [-2, 2].

    Arguments, returns and errors as for :func:`~xaqf.metrics.mse`. Positive when the
    forecast is too high; an overestimate by a factor ``k`` scores ``2 (k - 1) / (k + 1)``,
    the opposite of an underestimate by the same factor.
    """
    return _relative("mnmb", forecast, truth, dims=dims, weights=weights, skipna=skipna,
                     average_over=average_over)


def fge(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
        weights: Any = None, skipna: bool | None = None,
        average_over: Dims | None = "init_time") -> XarrayObj:
    """Fractional gross error ``2 mean_w(|F - O| / (F + O))``, in [0, 2] (0: perfect).

    Arguments, returns and errors as for :func:`~xaqf.metrics.mse`.
    """
    return _relative("fge", forecast, truth, dims=dims, weights=weights, skipna=skipna,
                     average_over=average_over)


def nmb(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
        weights: Any = None, skipna: bool | None = None,
        average_over: Dims | None = "init_time") -> XarrayObj:
    """Normalised mean bias ``sum_w(F - O) / sum_w(O)`` (NaN where the truth sums to 0).

    Arguments, returns and errors as for :func:`~xaqf.metrics.mse`; both sums are averaged
    over ``average_over`` before the ratio is taken.
    """
    return _relative("nmb", forecast, truth, dims=dims, weights=weights, skipna=skipna,
                     average_over=average_over)


def nmge(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *, dims: Dims = SPATIAL_DIMS,
         weights: Any = None, skipna: bool | None = None,
         average_over: Dims | None = "init_time") -> XarrayObj:
    """Normalised mean gross error ``sum_w|F - O| / sum_w(O)``; arguments as :func:`nmb`."""
    return _relative("nmge", forecast, truth, dims=dims, weights=weights, skipna=skipna,
                     average_over=average_over)
