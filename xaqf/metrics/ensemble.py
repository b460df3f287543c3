"""Ensemble scores: CRPS, spread, spread-skill ratio and rank histogram, on xarray.

An ensemble forecast has a ``member`` dimension next to the forecast layout:
``(init_time, member, lead_time, [level], latitude, longitude)``. The scores follow the
structure of :mod:`~xaqf.metrics.scores`: match forecast and truth, compute a per-point
statistic over the members, average it over space with latitude weights, then over
forecasts (``average_over``, by default ``init_time``); ``lead_time`` and ``level`` are kept.

* :func:`crps`: the continuous ranked probability score of the ensemble, by default its
  *fair* estimator (Ferro 2014), which does not penalise a small ensemble for its size:
  ``mean_i |x_i - y| - sum_ij |x_i - x_j| / (2 m (m - 1))`` for ``m`` members ``x_i`` and
  the truth ``y``. With ``fair=False`` the denominator is ``2 m**2`` (the CRPS of the
  ensemble's empirical distribution; for one member it is the absolute error).
* :func:`ensemble_spread`: ``sqrt`` of the latitude-weighted mean ensemble variance (the
  unbiased one, ``ddof=1``), in the form of :func:`~xaqf.metrics.rmse`.
* :func:`spread_skill_ratio`: spread over the RMSE of the ensemble mean, times
  ``sqrt((m + 1) / m)`` (Fortin et al. 2014), so that it is 1 for a reliable ensemble of
  any size; below 1: under-dispersive, above 1: over-dispersive.
* :func:`rank_histogram`: the latitude-weighted frequency of the truth's rank among the
  members (``m + 1`` bins; ties share their bins equally); flat for a reliable ensemble.

The member sums are computed from the sorted members, ``sum_ij |x_i - x_j| = 2 sum_k
(2k - m - 1) x_(k)``, in ``O(m log m)`` per point rather than ``O(m**2)``.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> lat, lon = [45.0, -45.0], [0.0, 180.0]
>>> truth = xr.DataArray(np.zeros((2, 2, 2)), dims=("time", "latitude", "longitude"),
...                      coords={"time": pd.date_range("2022-06-01", periods=2, freq="12h"),
...                              "latitude": lat, "longitude": lon}, name="pm10")
>>> members = np.array([-1.0, 1.0]).reshape(1, 2, 1, 1, 1) * np.ones((1, 2, 1, 2, 2))
>>> fc = xr.DataArray(members, name="pm10",
...                   dims=("init_time", "member", "lead_time", "latitude", "longitude"),
...                   coords={"init_time": truth.time[:1].values, "member": [0, 1],
...                           "lead_time": pd.to_timedelta([12], unit="h"),
...                           "latitude": lat, "longitude": lon})
>>> float(crps(fc, truth)[0]), float(crps(fc, truth, fair=False)[0])
(0.0, 0.5)
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.errors import InvalidValueError, LayoutError
from xaqf.metrics.aggregation import Dims, RmseForm, average, averaged_root, weighted_mean
from xaqf.metrics.align import SPATIAL_DIMS, ascending, match, restore_order
from xaqf.metrics.describe import describe_score, dimensionless, same_units
from xaqf.metrics.scores import rmse
from xaqf.metrics.weights import weights_on_grid
from xaqf.variables import MEMBER_DIM

RANK_DIM = "rank"
"""Dimension of a rank histogram: the number of members below the truth, ``0 .. m``."""


def _members(forecast: xr.Dataset | xr.DataArray, member_dim: str, least: int,
             score: str) -> int:
    """The ensemble size, checked to be at least ``least``."""
    if member_dim not in forecast.dims:
        raise LayoutError(
            f"{score} needs an ensemble forecast with a {member_dim!r} dimension; the forecast "
            f"has dims {tuple(forecast.dims)}. Score a deterministic forecast with "
            f"xaqf.metrics.mae or rmse, or pass member_dim= naming the ensemble dimension"
        )
    size = int(forecast.sizes[member_dim])
    if size < least:
        raise InvalidValueError(
            f"{score} needs at least {least} ensemble members; the forecast has {size} along "
            f"{member_dim!r}" + (". For one member use fair=False (the absolute error)"
                                  if score == "the fair CRPS" else "")
        )
    return size


def crps_points(members: np.ndarray, truth: np.ndarray, fair: bool = True) -> np.ndarray:
    """Per-point CRPS of an ensemble, the members along the last axis of ``members``.

    Parameters
    ----------
    members
        Ensemble values, shape ``(..., m)``.
    truth
        Observed values, shape ``(...)`` (broadcast against ``members[..., 0]``).
    fair
        The fair estimator (needs ``m >= 2``) or that of the empirical distribution.

    Returns
    -------
    numpy.ndarray
        Shape of the broadcast ``(...)``; NaN where a member or the truth is NaN.

    Examples
    --------
    >>> crps_points(np.array([[0.0, 2.0]]), np.array([1.0]))
    array([0.])
    >>> crps_points(np.array([[0.0, 2.0]]), np.array([1.0]), fair=False)
    array([0.5])
    """
    size = members.shape[-1]
    skill = np.abs(members - truth[..., None]).mean(-1)
    ranks = (2 * np.arange(1, size + 1) - size - 1).astype(members.dtype)
    pairs = 2 * (np.sort(members, axis=-1) * ranks).sum(-1)
    return skill - pairs / (2 * size * (size - 1 if fair else size))


def point_crps(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray,
               member_dim: str = MEMBER_DIM, fair: bool = True) -> XarrayObj:
    """:func:`crps_points` on matched xarray objects (members along ``member_dim``).

    Lazy (one task per block) when either input is dask-backed.

    Examples
    --------
    >>> fc = xr.DataArray([[0.0, 2.0]], dims=("x", "member"))
    >>> point_crps(fc, xr.DataArray([3.0], dims="x")).values
    array([1.])
    """
    return xr.apply_ufunc(
        crps_points, forecast, truth, kwargs={"fair": fair},
        input_core_dims=[[member_dim], []], dask="parallelized",
        dask_gufunc_kwargs={"allow_rechunk": True}, keep_attrs=True,
    )


def ensemble_mean(forecast: XarrayObj, member_dim: str = MEMBER_DIM) -> XarrayObj:
    """The mean over the members: a deterministic forecast in the usual layout.

    Raises
    ------
    LayoutError
        If ``forecast`` has no ``member_dim``.

    Examples
    --------
    >>> fc = xr.DataArray([[1.0, 3.0]], dims=("init_time", "member"))
    >>> ensemble_mean(fc).values
    array([2.])
    """
    _members(forecast, member_dim, 1, "the ensemble mean")
    return forecast.mean(member_dim, keep_attrs=True)


def ensemble_spread(forecast: XarrayObj, *, member_dim: str = MEMBER_DIM,
                    dims: Dims = SPATIAL_DIMS, weights: Any = None, skipna: bool = False,
                    average_over: Dims | None = "init_time",
                    form: RmseForm = "per_forecast") -> XarrayObj:
    """Ensemble spread: ``sqrt`` of the latitude-weighted mean of the member variance.

    Parameters
    ----------
    forecast
        Ensemble forecast ``(init_time, member, lead_time, [level], latitude, longitude)``.
    member_dim
        Name of the ensemble dimension.
    dims, weights, skipna, average_over, form
        As for :func:`xaqf.metrics.rmse`; the spread is directly comparable to the RMSE of
        the ensemble mean computed with the same options.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        In the units of the variable; keeps ``lead_time`` and ``level``. Lazy on dask.

    Raises
    ------
    LayoutError, InvalidValueError
        Without ``member_dim``, or with fewer than 2 members.

    Examples
    --------
    >>> fc = xr.DataArray(np.array([1.0, 3.0]).reshape(1, 2, 1, 1),
    ...                   dims=("init_time", "member", "latitude", "longitude"),
    ...                   coords={"latitude": [0.0], "longitude": [0.0]})
    >>> round(float(ensemble_spread(fc) ** 2), 12)
    2.0
    """
    _members(forecast, member_dim, 2, "the ensemble spread")
    variance = ascending(forecast.var(member_dim, ddof=1, keep_attrs=True))
    w = weights_on_grid(weights, forecast, variance)
    per_forecast = restore_order(weighted_mean(variance, w, dims, skipna), forecast)
    spread = averaged_root(per_forecast, form, partial(average, over=average_over, skipna=skipna))
    return describe_score(spread, forecast, "ensemble spread", same_units)


def crps(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *,
         member_dim: str = MEMBER_DIM, fair: bool = True, dims: Dims = SPATIAL_DIMS,
         weights: Any = None, skipna: bool = False,
         average_over: Dims | None = "init_time") -> XarrayObj:
    """Latitude-weighted continuous ranked probability score of an ensemble forecast.

    Parameters
    ----------
    forecast
        Ensemble forecast ``(init_time, member, lead_time, [level], latitude, longitude)``.
    truth
        Analysis with a ``time`` dim or data in forecast layout (no ``member`` dim), as for
        :func:`xaqf.metrics.mae`.
    member_dim
        Name of the ensemble dimension.
    fair
        ``True``: the fair estimator (unbiased for the CRPS of the distribution the members
        are drawn from; needs 2 members or more). ``False``: the CRPS of the members'
        empirical distribution (equal to the absolute error for one member).
    dims, weights, skipna, average_over
        As for :func:`xaqf.metrics.mae`.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        In the units of the variable (the CRPS of a deterministic forecast is its MAE),
        keeping ``lead_time`` and ``level``. Lazy on dask input.

    Raises
    ------
    LayoutError
        If ``forecast`` has no ``member_dim``.
    InvalidValueError
        If ``fair`` and the ensemble has a single member.
    MissingVariableError, MissingLevelError, MissingTimeError, GridMismatchError
        When forecast and truth cannot be matched.

    Examples
    --------
    >>> fc = xr.DataArray(np.array([0.0, 2.0]).reshape(1, 2, 1, 1, 1),
    ...                   dims=("init_time", "member", "lead_time", "latitude", "longitude"),
    ...                   coords={"latitude": [0.0], "longitude": [0.0]})
    >>> truth = xr.zeros_like(fc.isel(member=0, drop=True)) + 3.0
    >>> crps(fc, truth).values.ravel()
    array([1.])
    """
    _members(forecast, member_dim, 2 if fair else 1, "the fair CRPS" if fair else "the CRPS")
    matched_forecast, matched_truth = match(forecast, truth)
    w = weights_on_grid(weights, forecast, matched_forecast)
    points = point_crps(matched_forecast, matched_truth, member_dim, fair)
    per_forecast = restore_order(weighted_mean(points, w, dims, skipna), forecast)
    return describe_score(average(per_forecast, average_over, skipna), forecast,
                     "fair CRPS" if fair else "CRPS", same_units)


def spread_skill_ratio(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *,
                       member_dim: str = MEMBER_DIM, dims: Dims = SPATIAL_DIMS,
                       weights: Any = None, skipna: bool = False,
                       average_over: Dims | None = "init_time",
                       form: RmseForm = "mse_then_sqrt") -> XarrayObj:
    """``sqrt((m + 1) / m)`` times spread over the RMSE of the ensemble mean.

    For a reliable ensemble (the truth behaves like one more member) the expected squared
    error of the mean is ``(m + 1) / m`` times the expected member variance, so the ratio
    is 1 whatever the ensemble size ``m``. Below 1: the ensemble is under-dispersive
    (over-confident); above 1: over-dispersive.

    Parameters
    ----------
    forecast, truth, member_dim, dims, weights, skipna, average_over
        As for :func:`crps`.
    form
        How spread and error are averaged over forecasts, as for :func:`xaqf.metrics.rmse`;
        the default ``"mse_then_sqrt"`` (mean variance and mean squared error first) is
        the one for which the ratio of a reliable ensemble tends to 1.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        Dimensionless; keeps ``lead_time`` and ``level``. Lazy on dask input.

    Raises
    ------
    LayoutError, InvalidValueError
        Without ``member_dim``, or with fewer than 2 members; otherwise as :func:`crps`.

    Examples
    --------
    >>> fc = xr.DataArray(np.array([-1.0, 1.0]).reshape(1, 2, 1, 1, 1),
    ...                   dims=("init_time", "member", "lead_time", "latitude", "longitude"),
    ...                   coords={"latitude": [0.0], "longitude": [0.0]})
    >>> truth = xr.zeros_like(fc.isel(member=0, drop=True)) + 2.0
    >>> spread_skill_ratio(fc, truth).values.ravel().round(4)    # sqrt(3/2) * sqrt(2) / 2
    array([0.866])
    """
    size = _members(forecast, member_dim, 2, "the spread-skill ratio")
    options = {"dims": dims, "weights": weights, "skipna": skipna,
               "average_over": average_over, "form": form}
    spread = ensemble_spread(forecast, member_dim=member_dim, **options)
    skill = rmse(ensemble_mean(forecast, member_dim), truth, **options)
    ratio = ((size + 1) / size) ** 0.5 * spread / skill
    return describe_score(ratio, forecast, "spread-skill ratio", dimensionless)


def rank_points(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray,
                member_dim: str = MEMBER_DIM) -> XarrayObj:
    """Per-point share of each rank bin: where the truth falls among the members.

    The truth's rank is the number of members below it; a truth equal to ``t`` members
    spreads its unit weight equally over the ``t + 1`` ranks it could take. NaN where the
    truth or a member is NaN.

    Examples
    --------
    >>> fc = xr.DataArray([[0.0, 1.0, 1.0]], dims=("x", "member"))
    >>> rank_points(fc, xr.DataArray([1.0], dims="x")).values.ravel().round(3).tolist()
    [0.0, 0.333, 0.333, 0.333]
    """
    size = int(forecast.sizes[member_dim])
    below = (forecast < truth).sum(member_dim)
    ties = (forecast == truth).sum(member_dim)
    rank = xr.DataArray(np.arange(size + 1), dims=RANK_DIM, coords={RANK_DIM: np.arange(
        size + 1)}, attrs={"long_name": "number of members below the truth"})
    share = ((rank >= below) & (rank <= below + ties)) / (ties + 1)
    valid = forecast.notnull().all(member_dim) & truth.notnull()
    return share.where(valid).transpose(RANK_DIM, ...)


def rank_histogram(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, *,
                   member_dim: str = MEMBER_DIM, dims: Dims = SPATIAL_DIMS,
                   weights: Any = None, skipna: bool = False,
                   average_over: Dims | None = "init_time") -> XarrayObj:
    """Latitude-weighted frequency of the truth's rank among the members (Talagrand).

    Parameters
    ----------
    forecast, truth, member_dim, dims, weights, skipna, average_over
        As for :func:`crps`.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        Frequencies along a new leading ``rank`` dimension (``0 .. m``, the number of
        members below the truth) that sum to 1 for each lead time and level; flat
        (``1 / (m + 1)``) for a reliable ensemble, U-shaped for an under-dispersive one.

    Raises
    ------
    LayoutError
        If ``forecast`` has no ``member_dim``; otherwise as :func:`crps`.

    Examples
    --------
    >>> fc = xr.DataArray(np.array([-1.0, 1.0]).reshape(1, 2, 1, 1, 1),
    ...                   dims=("init_time", "member", "lead_time", "latitude", "longitude"),
    ...                   coords={"latitude": [0.0], "longitude": [0.0]})
    >>> truth = xr.zeros_like(fc.isel(member=0, drop=True)) + 2.0
    >>> rank_histogram(fc, truth).values.ravel()
    array([0., 0., 1.])
    """
    _members(forecast, member_dim, 1, "the rank histogram")
    matched_forecast, matched_truth = match(forecast, truth)
    w = weights_on_grid(weights, forecast, matched_forecast)
    points = rank_points(matched_forecast, matched_truth, member_dim)
    per_forecast = restore_order(weighted_mean(points, w, dims, skipna), forecast)
    return describe_score(average(per_forecast, average_over, skipna), forecast,
                     "rank histogram", dimensionless)
