"""Putting truth next to forecasts: valid-time matching, variables, levels and grid.

A forecast has dims ``(init_time, lead_time, [level], latitude, longitude)``; the truth
(an analysis) has ``(time, [level], latitude, longitude)``. :func:`align_truth` picks, for
every (init_time, lead_time), the truth at ``valid_time = init_time + lead_time``.
:func:`match` does everything a score needs before comparing values: same variables, same
levels, the same units (the truth converted to the forecast's with :mod:`xaqf.data.units`,
incompatible units refused), truth in forecast layout, the same grid, both latitude- and
longitude-ascending (so results do not depend on the latitude order of either input).
A variable without a ``units`` attribute is taken in its catalogue units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.data.units import convert
from xaqf.errors import (
    LayoutError,
    MissingLevelError,
    MissingTimeError,
    MissingVariableError,
    UnitError,
)
from xaqf.regrid import check_same_grid
from xaqf.variables import FORECAST_DIMS, SPATIAL_DIMS, VARIABLES


def valid_times(forecast: xr.Dataset | xr.DataArray) -> xr.DataArray:
    """``init_time + lead_time`` of a forecast, as a DataArray over its time dims.

    Raises
    ------
    LayoutError
        If ``init_time`` or ``lead_time`` is missing.

    Examples
    --------
    >>> fc = xr.Dataset(coords={"init_time": pd.to_datetime(["2022-06-01"]),
    ...                         "lead_time": pd.to_timedelta([12, 24], unit="h")})
    >>> valid_times(fc).values.ravel().astype("datetime64[h]").tolist()
    [datetime.datetime(2022, 6, 1, 12, 0), datetime.datetime(2022, 6, 2, 0, 0)]
    """
    missing = [name for name in FORECAST_DIMS if name not in forecast.coords]
    if missing:
        raise LayoutError(
            f"the forecast has no {missing[0]!r} coordinate (coords: {list(forecast.coords)}); "
            f"forecasts need 'init_time' and 'lead_time' (valid_time = init_time + lead_time)"
        )
    valid = forecast["init_time"] + forecast["lead_time"]
    return valid.rename("valid_time")


def _select_forecast_times(truth: XarrayObj, forecast: xr.Dataset | xr.DataArray) -> XarrayObj:
    """Truth already in forecast layout: take the forecast's init and lead times."""
    for name in FORECAST_DIMS:
        wanted = forecast.indexes.get(name)
        if wanted is None:
            continue
        absent = wanted.difference(truth.indexes[name])
        if len(absent):
            raise MissingTimeError(
                f"the truth lacks {name} value(s) {_show(absent)} that the forecast has; "
                f"select matching {name}s or pass the truth with a 'time' dimension"
            )
        truth = truth.sel({name: wanted})
    return truth


def _show(index: pd.Index, limit: int = 5) -> str:
    items = [str(value) for value in index[:limit]]
    more = f" and {len(index) - limit} more" if len(index) > limit else ""
    return ", ".join(items) + more


def align_truth(forecast: xr.Dataset | xr.DataArray, truth: XarrayObj) -> XarrayObj:
    """The truth in forecast layout: the value at ``valid_time`` for each (init, lead).

    Parameters
    ----------
    forecast
        Forecast with ``init_time`` and ``lead_time`` coordinates (usually dimensions).
    truth
        Analysis with a ``time`` dimension, or already in forecast layout (then the
        forecast's init and lead times are selected from it).

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        ``truth`` with ``time`` replaced by the forecast's ``init_time`` and ``lead_time``
        dims, plus a ``valid_time`` coordinate. Lazy when ``truth`` is dask-backed.

    Raises
    ------
    MissingTimeError
        Naming the valid times absent from the truth.
    LayoutError
        If the truth has neither ``time`` nor forecast dims.

    Examples
    --------
    >>> truth = xr.DataArray(np.arange(4.0), dims="time",
    ...                      coords={"time": pd.date_range("2022-06-01", periods=4, freq="12h")})
    >>> fc = xr.Dataset(coords={"init_time": truth.time.values[:2],
    ...                         "lead_time": pd.to_timedelta([12, 24], unit="h")})
    >>> align_truth(fc, truth).values
    array([[1., 2.],
           [2., 3.]])
    >>> align_truth(fc.assign_coords(lead_time=pd.to_timedelta([48, 60], unit="h")), truth)
    Traceback (most recent call last):
    ...
    xaqf.errors.MissingTimeError: the truth lacks 3 valid time(s) the forecast needs: ...
    """
    if "time" not in truth.dims:
        if all(name in truth.dims for name in FORECAST_DIMS):
            return _select_forecast_times(truth, forecast)
        raise LayoutError(
            f"the truth has dims {tuple(truth.dims)}: it needs a 'time' dimension (analysis) "
            f"or 'init_time' and 'lead_time' (forecast layout)"
        )
    times = truth.indexes["time"]
    if times.has_duplicates:
        twice = pd.DatetimeIndex(times[times.duplicated()].unique())
        raise LayoutError(
            f"the truth has duplicated time(s) {[t.isoformat() for t in twice[:5]]}; drop the "
            f"repeats first, e.g. truth.drop_duplicates('time')")
    valid = valid_times(forecast)
    wanted = pd.DatetimeIndex(np.unique(valid.values.ravel()))
    absent = wanted.difference(truth.indexes["time"])
    if len(absent):
        raise MissingTimeError(
            f"the truth lacks {len(absent)} valid time(s) the forecast needs: {_show(absent)} "
            f"(truth covers {truth.indexes['time'].min()} .. {truth.indexes['time'].max()}); "
            f"extend the truth or drop those init/lead times from the forecast"
        )
    return truth.sel(time=valid).drop_vars("time").assign_coords(valid_time=valid)


def ascending(obj: XarrayObj) -> XarrayObj:
    """``obj`` with latitude and longitude ascending (a cheap reversal when descending).

    Examples
    --------
    >>> da = xr.DataArray([1, 2, 3], dims="latitude", coords={"latitude": [10.0, 0.0, -10.0]})
    >>> ascending(da).latitude.values.tolist()
    [-10.0, 0.0, 10.0]
    """
    for dim in SPATIAL_DIMS:
        if dim not in obj.indexes:
            continue
        index = obj.indexes[dim]
        if index.is_monotonic_increasing:
            continue
        if index.is_monotonic_decreasing:
            obj = obj.isel({dim: slice(None, None, -1)})
        else:
            obj = obj.sortby(dim)
    return obj


def _select_variables(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray,
                      role: str) -> XarrayObj:
    names = list(forecast.data_vars) if isinstance(forecast, xr.Dataset) else [forecast.name]
    if isinstance(truth, xr.DataArray):
        if isinstance(forecast, xr.Dataset):
            raise LayoutError(f"the forecast is a Dataset but the {role} is a DataArray; "
                              f"pass a Dataset {role} holding {names}")
        return truth
    absent = [name for name in names if name not in truth.data_vars]
    if absent:
        raise MissingVariableError(
            f"the {role} lacks variable(s) {absent} that the forecast holds (it holds "
            f"{sorted(map(str, truth.data_vars))}); add them or drop them from the forecast"
        )
    return truth[names] if isinstance(forecast, xr.Dataset) else truth[names[0]]


def _select_levels(forecast: XarrayObj, truth: XarrayObj, role: str) -> XarrayObj:
    if "level" not in forecast.dims:
        return truth
    if "level" not in truth.dims:
        raise MissingLevelError(f"the forecast has pressure levels but the {role} has no "
                                f"'level' dimension; pass {role} data on pressure levels")
    absent = forecast.indexes["level"].difference(truth.indexes["level"])
    if len(absent):
        raise MissingLevelError(
            f"the {role} lacks pressure level(s) {absent.tolist()} hPa that the forecast has; "
            f"select the common levels, e.g. forecast.sel(level={role}.level)"
        )
    return truth.sel(level=forecast["level"].values)


def _units(da: xr.DataArray, name: str) -> str | None:
    units = str(da.attrs.get("units", "")).strip()
    known = VARIABLES.get(name)
    return units or (known.units if known is not None else None)


def _in_units(truth: xr.DataArray, name: str, units: str | None, role: str) -> xr.DataArray:
    found = _units(truth, name)
    if units is None or found is None or found == units:
        return truth
    try:
        return convert(truth, units, source_units=found, what=f"{role} {name}")
    except UnitError as err:
        raise UnitError(f"{role} variable {name!r} is in {found!r}, which cannot be compared "
                        f"with the forecast's {units!r} ({err})") from None


def _truth_in_forecast_units(forecast: XarrayObj, truth: XarrayObj, role: str
                             ) -> XarrayObj:
    """``truth`` converted (lazily) to the units of the forecast, variable by variable."""
    if isinstance(forecast, xr.Dataset):
        return truth.assign({name: _in_units(truth[name], str(name),
                                             _units(forecast[name], str(name)), role)
                             for name in forecast.data_vars})
    name = str(forecast.name)
    return _in_units(truth, name, _units(forecast, name), role)


def match(forecast: XarrayObj, truth: xr.Dataset | xr.DataArray, role: str = "truth"
          ) -> tuple[XarrayObj, XarrayObj]:
    """Forecast and truth, variable for variable and point for point, both ascending.

    Parameters
    ----------
    forecast
        Forecast layout (Dataset or DataArray).
    truth
        Analysis (``time`` dim) or forecast layout; may hold more variables and levels.
    role
        Name of ``truth`` in error messages (``"truth"``, ``"climatology"``...).

    Returns
    -------
    tuple
        ``(forecast, truth)`` with identical coordinates on latitude/longitude (ascending),
        the forecast's variables and levels. Lazy on dask input.

    Raises
    ------
    MissingVariableError, MissingLevelError, MissingTimeError, GridMismatchError, UnitError
        Naming what differs and how to fix it.
    """
    selected = _select_levels(forecast, _select_variables(forecast, truth, role), role)
    selected = _truth_in_forecast_units(forecast, selected, role)
    aligned = align_truth(forecast, selected).drop_vars("valid_time", errors="ignore")
    forecast, aligned = ascending(forecast), ascending(aligned)
    check_same_grid(forecast, aligned, names=("forecast", role))
    return forecast, aligned.assign_coords({dim: forecast[dim] for dim in SPATIAL_DIMS})


def restore_order(result: XarrayObj, forecast: xr.Dataset | xr.DataArray) -> XarrayObj:
    """``result`` with a kept latitude/longitude axis back in the forecast's order.

    Examples
    --------
    >>> fc = xr.DataArray([1.0, 2.0], dims="latitude", coords={"latitude": [30.0, -30.0]})
    >>> restore_order(ascending(fc), fc).latitude.values.tolist()
    [30.0, -30.0]
    """
    kept = {dim: forecast[dim].values for dim in SPATIAL_DIMS if dim in result.dims}
    return result.sel(kept) if kept else result
