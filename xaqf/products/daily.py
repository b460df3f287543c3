"""Daily indicators: the daily maximum 8-hour mean (MDA8) and the time bookkeeping of days.

MDA8 follows the EU rules (Directive 2008/50/EC, annex VII; the WHO 2021 ozone guideline
uses the same statistic):

* a value stamped ``t`` stands for the hour ending at ``t`` (an instantaneous model value at
  ``t`` stands for that hour);
* the 8-hour running mean ending at ``t`` averages the values of ``t - 7 h`` .. ``t`` and is
  valid with at least 6 of those 8 values (75 %);
* a day's running means are the 24 that end at 01:00 .. 24:00 of that day (the first covers
  17:00 of the day before to 01:00); its MDA8 is their maximum, valid with at least 18 of
  them (75 %), NaN otherwise.

Three-hourly data are first brought to hourly values by linear interpolation between
consecutive 3-hourly values (never across a missing one), then the hourly rules apply.
Coarser data (xaqf's own 12-hourly forecasts) are refused: two values a day hold no 8-hour
maximum.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> times = pd.date_range("2022-06-01 01:00", periods=48, freq="h")
>>> o3 = xr.DataArray(np.r_[np.full(24, 50.0), np.full(24, 80.0)], dims="time",
...                   coords={"time": times}, name="go3", attrs={"units": "ug m-3"})
>>> out = mda8(o3)
>>> out.values.tolist(), out["n_means"].values.tolist()
([50.0, 80.0], [19, 24])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.errors import ConfigError, LayoutError

__all__ = ["COMPLETE_SHARE", "for_each_init", "mda8", "on_hourly_grid", "time_step"]

HOUR = np.timedelta64(1, "h")
COMPLETE_SHARE = 0.75
"""Share of the expected values (hours of an 8-hour mean, means of a day, values of a day's
mean) that makes an average valid: the EU and WHO 75 % rule."""
WINDOW_HOURS = 8
MAX_STEP_HOURS = 3


def time_step(times: xr.DataArray) -> np.timedelta64:
    """The usual spacing of ``times`` (the median difference; gaps do not change it).

    Raises
    ------
    LayoutError
        Fewer than two distinct times.

    Examples
    --------
    >>> t = xr.DataArray(pd.to_datetime(["2022-06-01 00:00", "2022-06-01 03:00",
    ...                                  "2022-06-01 09:00", "2022-06-01 12:00"]))
    >>> float(time_step(t) / np.timedelta64(1, "h"))
    3.0
    """
    values = np.unique(np.asarray(times.values).ravel())
    if values.size < 2:
        raise LayoutError(f"need at least two times to tell the time step; got {values.size}")
    return np.median(np.diff(values)).astype("timedelta64[ns]")


def for_each_init(ds: XarrayObj, series: Callable[[XarrayObj], XarrayObj]) -> XarrayObj:
    """``series`` of each forecast's values on their valid times, stacked over ``init_time``.

    ``series`` gets one forecast with a ``time`` dim (``init_time + lead_time``) and returns
    data on a ``date`` dim; the dates of all forecasts are joined (NaN where a forecast
    does not reach a date). Data with a ``time`` dim go to ``series`` directly.

    Raises
    ------
    LayoutError
        Neither ``time`` nor ``init_time`` and ``lead_time`` dims.
    """
    if "init_time" in ds.dims and "lead_time" in ds.dims:
        parts = []
        for init in ds["init_time"].values:
            one = ds.sel(init_time=init).drop_vars(["init_time", "valid_time"], errors="ignore")
            one = one.assign_coords(time=("lead_time", (init + one["lead_time"]).values))
            part = series(one.swap_dims(lead_time="time").drop_vars("lead_time"))
            per_date = {name: coord.expand_dims(init_time=[init])
                        for name, coord in part.coords.items()
                        if "date" in coord.dims and name != "date"}
            parts.append(part.expand_dims(init_time=[init]).assign_coords(per_date))
        return xr.concat(parts, "init_time", join="outer")
    if "time" in ds.dims:
        return series(ds)
    raise LayoutError(f"daily values need a time axis ('time' or 'init_time' and 'lead_time'); "
                      f"got dims {tuple(ds.dims)}")


def _refuse_coarse(step: np.timedelta64, what: str) -> None:
    hours = step / HOUR
    if hours > MAX_STEP_HOURS or hours != round(hours):
        raise ConfigError(
            f"MDA8 of {what} needs hourly or 3-hourly values, but they are {hours:g}-hourly: "
            f"an 8-hour running mean and its daily maximum cannot be formed from "
            f"{24 / hours:g} values a day (xaqf's own forecasts are 12-hourly). Use hourly "
            f"observations or an hourly/3-hourly analysis or forecast")


def on_hourly_grid(ds: XarrayObj) -> XarrayObj:
    """Values on a regular hourly ``time`` axis: hourly data reindexed (missing hours NaN),
    coarser data (up to 3-hourly) linearly interpolated between consecutive valid values.

    Raises
    ------
    ConfigError
        Steps longer than 3 hours, or not whole hours.

    Examples
    --------
    >>> t = pd.date_range("2022-06-01", periods=3, freq="3h")
    >>> on_hourly_grid(xr.DataArray([0.0, 3.0, np.nan], dims="time",
    ...                             coords={"time": t})).values.tolist()
    [0.0, 1.0, 2.0, 3.0, nan, nan, nan]
    """
    ds = ds.sortby("time")
    step = time_step(ds["time"])
    _refuse_coarse(step, str(getattr(ds, "name", None) or "the data"))
    native = ds.reindex(time=pd.date_range(ds["time"].values[0], ds["time"].values[-1],
                                           freq=pd.Timedelta(step)))
    per_step = int(step / HOUR)
    if per_step == 1:
        return native
    start, end = native.isel(time=slice(None, -1)), native.isel(time=slice(1, None))
    pieces = [start, native.isel(time=[-1])]
    for offset in range(1, per_step):
        share = offset / per_step
        piece = start * (1 - share) + end.assign_coords(time=start["time"]) * share
        pieces.append(piece.assign_coords(time=start["time"] + offset * HOUR))
    return xr.concat(pieces, "time").sortby("time")


def _mda8_of_series(da: xr.DataArray) -> xr.DataArray:
    hourly = on_hourly_grid(da)
    running = hourly.rolling(time=WINDOW_HOURS, min_periods=round(
        COMPLETE_SHARE * WINDOW_HOURS)).mean()
    day = (running["time"] - HOUR).dt.floor("D").values
    grouped = running.assign_coords(date=("time", day)).groupby("date")
    n_means = grouped.count("time")
    needed = round(COMPLETE_SHARE * 24)
    best = grouped.max("time").where(n_means >= needed)
    return best.assign_coords(n_means=n_means, complete=n_means >= needed)


def mda8(ds: XarrayObj) -> XarrayObj:
    """Daily maximum 8-hour running mean, with the EU/WHO completeness rules (module notes).

    Parameters
    ----------
    ds
        Hourly or 3-hourly values (ozone, typically ``go3`` at the surface in ``ug m-3``):
        ``time`` (analysis, observations, stations) or ``init_time, lead_time`` (forecast,
        one set of dates per ``init_time``).

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        ``time`` (or ``lead_time``) replaced by ``date`` (UTC days); NaN where a day has
        fewer than 18 valid running means. A DataArray also carries the coordinates
        ``n_means`` (valid running means of the day) and ``complete``.

    Raises
    ------
    ConfigError
        Data coarser than 3-hourly (12-hourly forecasts), saying why.
    LayoutError
        No time axis.
    """
    if isinstance(ds, xr.Dataset):
        out = xr.Dataset({name: mda8(da).drop_vars(["n_means", "complete"])
                          for name, da in ds.data_vars.items()}, attrs=ds.attrs)
        return _describe(out)
    result = for_each_init(ds, _mda8_of_series)
    if "init_time" in result.dims:
        result = result.assign_coords(n_means=result["n_means"].fillna(0).astype(int),
                                      complete=result["complete"].fillna(False).astype(bool))
    return _describe(result.rename(ds.name).assign_attrs(ds.attrs))


def _describe(result: XarrayObj) -> XarrayObj:
    return result.assign_attrs(
        statistic="daily maximum 8-hour running mean (MDA8)",
        completeness=f"8-hour mean: >= {round(COMPLETE_SHARE * WINDOW_HOURS)} of "
                     f"{WINDOW_HOURS} hours; day: >= {round(COMPLETE_SHARE * 24)} of 24 "
                     f"running means ending 01:00-24:00")
