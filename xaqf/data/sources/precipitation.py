"""Precipitation amounts turned into xaqf's 12-hour accumulations.

ERA5 (CDS, ``reanalysis-era5-single-levels``) stamps each ``tp`` value with the end of the
hour it accumulates: the value at 13:00 is the precipitation that fell from 12:00 to 13:00.
xaqf's ``tp`` at a 00/12 UTC step is the precipitation of the 12 h ending at that step
(the toy world's convention too), i.e. the sum of the 12 hourly values stamped
``t - 11 h ... t``. :func:`accumulate_precipitation` makes it, lazily on dask.

Weather models write other amounts: GraphCast, FuXi and AIFS 6-hourly ones, IFS the amount
accumulated since the forecast started. :func:`totals_12h` sums consecutive amounts of any
period dividing 12 h along a time or lead-time axis; :func:`deaccumulate_12h` differences
amounts accumulated since the start. Both give NaN where an amount of the 12 h is missing
(a NaN, or a time before the axis starts): a gap never passes for a smaller total.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> hours = pd.date_range("2022-06-01T01", "2022-06-02T00", freq="h")
>>> hourly = xr.DataArray(np.ones(24), dims="time", coords={"time": hours},
...                       attrs={"units": "m"})
>>> total = accumulate_precipitation(hourly)
>>> total.time.dt.hour.values.tolist(), total.values.tolist()
([12, 0], [12.0, 12.0])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from xaqf.errors import LayoutError, MissingTimeError

__all__ = ["accumulate_precipitation", "deaccumulate_12h", "totals_12h"]

WINDOW = np.timedelta64(12, "h")
"""The accumulation window of xaqf's ``tp``: the 12 h ending at each step."""
HOUR = np.timedelta64(1, "h")


def accumulate_precipitation(hourly: xr.DataArray, times: object = None) -> xr.DataArray:
    """12-hour precipitation totals, ending at 00/12 UTC, from ERA5's hourly ``tp``.

    Parameters
    ----------
    hourly
        Hourly accumulations along ``time`` (each stamped at the end of its hour), e.g.
        ``xaqf.open_met("era5-precipitation/*.nc")["tp"]``.
    times
        The steps to make; default: every 00/12 UTC time whose 12 hours are all present.

    Returns
    -------
    xarray.DataArray
        ``tp`` at ``times``, in the units of ``hourly``; dask stays lazy.

    Raises
    ------
    MissingTimeError
        A requested step lacks some of its 12 hours (or no step is complete).
    """
    stamps = pd.DatetimeIndex(hourly["time"].values)
    if not stamps.is_monotonic_increasing or not stamps.is_unique:
        hourly = hourly.sortby("time").drop_duplicates("time")
        stamps = pd.DatetimeIndex(hourly["time"].values)
    complete = _complete_steps(stamps)
    if times is None:
        targets = complete
        if targets.empty:
            raise MissingTimeError(
                f"no 00/12 UTC step has its 12 hourly precipitation values in the "
                f"{stamps.size} times {_span(stamps)}; download every hour of the 12 h "
                f"before each step (product 'era5-precipitation')")
    else:
        targets = pd.DatetimeIndex(np.atleast_1d(np.asarray(times, "datetime64[ns]")))
        lacking = targets.difference(complete)
        if not lacking.empty:
            first = lacking[0] - pd.Timedelta(WINDOW - HOUR)
            raise MissingTimeError(
                f"tp at {lacking[0]} needs the hourly values {first} ... {lacking[0]} but "
                f"the hourly data ({_span(stamps)}) lack some; "
                f"download them (product 'era5-precipitation', which starts a day early)")
    total = _window_sum(hourly, "time", int(WINDOW / HOUR))
    out = total.sel(time=targets.values).astype(hourly.dtype)
    return out.assign_attrs({**hourly.attrs, "cell_methods": "time: sum (interval: 1 hour)",
                             "comment": "accumulated over the 12 h ending at the time stamp"})


def totals_12h(amounts: xr.DataArray, dim: str, period: str | pd.Timedelta) -> xr.DataArray:
    """12-hour totals ending at each label of ``dim`` from amounts over ``period`` each.

    Parameters
    ----------
    amounts
        Precipitation amounts, each stamped at the end of its ``period``, along ``dim``
        (``"time"`` or ``"lead_time"``) spaced exactly ``period`` apart.
    dim
        The time axis.
    period
        The accumulation period of one amount (``"1h"``, ``"3h"``, ``"6h"``, ``"12h"``): it
        must divide 12 h.

    Returns
    -------
    xarray.DataArray
        The sums of the ``12 h / period`` amounts ending at each label, in the units of
        ``amounts``; NaN where one of them is missing (a NaN amount, or before the first
        label). Lazy on dask.

    Raises
    ------
    LayoutError
        ``period`` does not divide 12 h, or ``dim`` is not spaced ``period`` apart (the
        message names the first time after a gap).

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> six = xr.DataArray([1.0, 2.0, np.nan, 4.0, 5.0], dims="lead_time",
    ...                    coords={"lead_time": pd.to_timedelta([0, 6, 12, 18, 24], "h")})
    >>> totals_12h(six, "lead_time", "6h").values.tolist()
    [nan, 3.0, nan, nan, 9.0]
    """
    step = pd.Timedelta(period)
    if step <= pd.Timedelta(0) or pd.Timedelta(WINDOW) % step:
        raise LayoutError(f"precipitation amounts over {_hours(step)} cannot make 12 h totals: the "
                          f"period must divide 12 h (1 h, 3 h, 6 h, 12 h)")
    _check_spacing(amounts, dim, step)
    total = _window_sum(amounts, dim, int(pd.Timedelta(WINDOW) / step))
    return total.assign_attrs(amounts.attrs)


def deaccumulate_12h(accumulated: xr.DataArray, dim: str = "lead_time") -> xr.DataArray:
    """12-hour totals from amounts accumulated since the forecast started (IFS's ``tp``).

    The total ending at lead ``l`` is ``acc(l) - acc(l - 12 h)``; NaN where ``l - 12 h`` is
    not on the axis (leads under 12 h, gaps). Lazy on dask.

    Raises
    ------
    LayoutError
        ``dim`` is absent or not evenly spaced by a divisor of 12 h.

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> acc = xr.DataArray([0.0, 1.0, 3.0, 6.0], dims="lead_time",
    ...                    coords={"lead_time": pd.to_timedelta([0, 6, 12, 18], "h")})
    >>> deaccumulate_12h(acc).values.tolist()
    [nan, nan, 3.0, 5.0]
    """
    if dim not in accumulated.dims or accumulated.sizes[dim] < 2:
        raise LayoutError(f"accumulated precipitation needs a {dim!r} axis of several steps "
                          f"to make 12 h totals; it has dims {accumulated.dims}")
    step = pd.Timedelta(np.diff(pd.to_timedelta(accumulated[dim].values[:2]))[0])
    if step <= pd.Timedelta(0) or pd.Timedelta(WINDOW) % step:
        raise LayoutError(f"{dim!r} is spaced {_hours(step)}, which does not divide 12 h")
    _check_spacing(accumulated, dim, step)
    earlier = accumulated.shift({dim: int(pd.Timedelta(WINDOW) / step)})
    return (accumulated - earlier).assign_attrs(accumulated.attrs)


def _window_sum(amounts: xr.DataArray, dim: str, count: int) -> xr.DataArray:
    """Sums of ``count`` consecutive values ending at each position; NaN if one is missing."""
    return amounts.rolling({dim: count}, min_periods=count).sum()


def _check_spacing(amounts: xr.DataArray, dim: str, step: pd.Timedelta) -> None:
    if dim not in amounts.dims:
        raise LayoutError(f"precipitation has no {dim!r} axis (dims {amounts.dims})")
    labels = amounts[dim].values
    spacing = pd.to_timedelta(np.diff(labels)) if labels.size > 1 else pd.to_timedelta([])
    wrong = np.flatnonzero(spacing != step)
    if wrong.size:
        after = labels[wrong[0] + 1]
        after = pd.Timedelta(after) if np.issubdtype(labels.dtype, np.timedelta64) \
            else pd.Timestamp(after)
        raise LayoutError(
            f"precipitation amounts over {_hours(step)} along {dim!r} are not "
            f"{_hours(step)} apart: {_hours(spacing[wrong[0]])} before {after}. Every amount "
            f"of a 12 h total is needed; write every {_hours(step)} step")


def _hours(span: pd.Timedelta) -> str:
    return f"{span / pd.Timedelta(HOUR):g} h"


def _complete_steps(stamps: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """00/12 UTC stamps preceded by the 11 consecutive hourly stamps of their window."""
    if stamps.size < 12:
        return pd.DatetimeIndex([])
    values = stamps.values
    ends = values[11:]
    full = (ends - values[:-11]) == WINDOW - HOUR
    synoptic = (stamps[11:].hour % 12 == 0) & (stamps[11:].minute == 0)
    return pd.DatetimeIndex(ends[full & synoptic])


def _span(stamps: pd.DatetimeIndex) -> str:
    return f"{stamps[0]} ... {stamps[-1]}" if stamps.size else "none"
