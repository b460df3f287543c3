"""ERA5's hourly precipitation turned into xaqf's 12-hour accumulations.

ERA5 (CDS, ``reanalysis-era5-single-levels``) stamps each ``tp`` value with the end of the
hour it accumulates: the value at 13:00 is the precipitation that fell from 12:00 to 13:00.
xaqf's ``tp`` at a 00/12 UTC step is the precipitation of the 12 h ending at that step
(the toy world's convention too), i.e. the sum of the 12 hourly values stamped
``t - 11 h ... t``. :func:`accumulate_precipitation` makes it, lazily on dask.

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

from xaqf.errors import MissingTimeError

__all__ = ["accumulate_precipitation"]

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
    total = hourly.rolling(time=int(WINDOW / HOUR), min_periods=int(WINDOW / HOUR)).sum()
    out = total.sel(time=targets.values).astype(hourly.dtype)
    return out.assign_attrs({**hourly.attrs, "cell_methods": "time: sum (interval: 1 hour)",
                             "comment": "accumulated over the 12 h ending at the time stamp"})


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
