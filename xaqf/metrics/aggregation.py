"""Reductions: a latitude-weighted mean over space, then a plain mean over forecasts.

Missing values are handled by one explicit switch, ``skipna``: ``False`` lets a NaN make its
whole average NaN (nothing is hidden), ``True`` drops NaN points and renormalises the
weights over the valid points that remain.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Literal

import numpy as np
import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.errors import ConfigError, LayoutError

Dims = Hashable | Iterable[Hashable]
"""One dimension name or several."""
RmseForm = Literal["per_forecast", "mse_then_sqrt"]
"""RMSE of each forecast then averaged (WeatherBench 1), or root of the mean MSE (WB 2)."""


def as_tuple(dims: Dims | None) -> tuple[Hashable, ...]:
    """``dims`` as a tuple of names (``None``: none).

    Examples
    --------
    >>> as_tuple("init_time"), as_tuple(None), as_tuple(["latitude", "longitude"])
    (('init_time',), (), ('latitude', 'longitude'))
    """
    if dims is None:
        return ()
    if isinstance(dims, str) or not isinstance(dims, Iterable):
        return (dims,)
    return tuple(dims)


def _sum(values: XarrayObj, dims: list[Hashable], skipna: bool) -> XarrayObj:
    return values.sum(dims, skipna=skipna) if dims else values


def weighted_mean(values: XarrayObj, weights: xr.DataArray,
                  dims: Hashable | Iterable[Hashable], skipna: bool = False) -> XarrayObj:
    """``sum(w * x) / sum(w)`` over ``dims``, weights broadcast by dimension name.

    Dimensions the weights do not vary along (longitude, for latitude weights) are summed
    first, so the full-size data passes through one plain sum and the weights only meet
    the small partial sums.

    Parameters
    ----------
    values
        The per-point statistic.
    weights
        Non-negative weights, e.g. over ``latitude`` only (no NaNs).
    dims
        Dimensions to average over; all must exist in ``values``.
    skipna
        Skip NaNs (weights renormalised over valid points) or propagate them.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        Lazy when ``values`` is dask-backed.

    Raises
    ------
    LayoutError
        If a dimension in ``dims`` is absent.

    Examples
    --------
    >>> import numpy as np
    >>> x = xr.DataArray([[1.0, np.nan], [3.0, 5.0]], dims=("latitude", "longitude"))
    >>> w = xr.DataArray([1.0, 3.0], dims="latitude")
    >>> float(weighted_mean(x, w, ("latitude", "longitude"), skipna=True))
    3.5714285714285716
    >>> float(weighted_mean(x, w, ("latitude", "longitude")))
    nan
    """
    numerator, denominator = weighted_sums(values, weights, dims, skipna)
    if skipna:
        return numerator / denominator.where(denominator > 0)
    return numerator / denominator


def weighted_sums(values: XarrayObj, weights: xr.DataArray, dims: Hashable | Iterable[Hashable],
                  skipna: bool = False) -> tuple[XarrayObj, xr.DataArray | XarrayObj]:
    """``sum(w * x)`` and ``sum(w)`` over ``dims``: the two halves of :func:`weighted_mean`.

    Both are additive over disjoint pieces of ``dims``, which is what streaming scores
    (:mod:`xaqf.metrics.streaming`) accumulate. With ``skipna`` NaN points are left out of
    both sums; otherwise a NaN makes the first sum NaN and the weights of all points count.

    Raises
    ------
    LayoutError
        If a dimension in ``dims`` is absent.

    Examples
    --------
    >>> x = xr.DataArray([[1.0, 2.0], [3.0, 5.0]], dims=("latitude", "longitude"))
    >>> w = xr.DataArray([1.0, 3.0], dims="latitude")
    >>> [float(total) for total in weighted_sums(x, w, ("latitude", "longitude"))]
    [27.0, 8.0]
    """
    dims = as_tuple(dims)
    absent = [dim for dim in dims if dim not in values.dims]
    if absent:
        raise LayoutError(f"cannot average over {absent[0]!r}: the data has dims "
                          f"{tuple(values.dims)}; pick dims from those")
    inner = [dim for dim in dims if dim not in weights.dims]
    outer = [dim for dim in dims if dim in weights.dims]
    numerator = _sum(_sum(values, inner, skipna) * weights, outer, skipna)
    if skipna:
        return numerator, _sum(_sum(values.notnull(), inner, False) * weights, outer, False)
    points = int(np.prod([values.sizes[dim] for dim in inner]))
    return numerator, _sum(weights, outer, False) * points


def average(values: XarrayObj, over: Hashable | Iterable[Hashable] | None,
            skipna: bool = False) -> XarrayObj:
    """Plain mean over those of the dimensions ``over`` that ``values`` has.

    A forecast reduced to a single initialisation (``init_time`` a scalar) is thereby
    returned as it is; ``over=None`` keeps every forecast.

    Examples
    --------
    >>> x = xr.DataArray([1.0, 3.0], dims="init_time")
    >>> float(average(x, "init_time")), average(x, None).values.tolist()
    (2.0, [1.0, 3.0])
    """
    present = [dim for dim in as_tuple(over) if dim in values.dims]
    return values.mean(present, skipna=skipna, keep_attrs=True) if present else values


def averaged_root(mean_square: XarrayObj, form: RmseForm,
                  average: Callable[[XarrayObj], XarrayObj]) -> XarrayObj:
    """The root of each forecast's mean square averaged by ``average`` (``"per_forecast"``),
    or the root of the averaged mean squares (``"mse_then_sqrt"``): the two RMSE forms.

    Raises
    ------
    ConfigError
        If ``form`` is unknown.

    Examples
    --------
    >>> x = xr.DataArray([1.0, 9.0], dims="init_time")
    >>> def mean(values):
    ...     return average(values, "init_time")
    >>> [float(averaged_root(x, form, mean)) for form in ("per_forecast", "mse_then_sqrt")]
    [2.0, 2.23606797749979]
    """
    if form == "per_forecast":
        return average(mean_square ** 0.5)
    if form == "mse_then_sqrt":
        return average(mean_square) ** 0.5
    raise ConfigError(f"unknown RMSE form {form!r}; use 'per_forecast' (WeatherBench 1, "
                      f"default) or 'mse_then_sqrt' (WeatherBench 2)")
