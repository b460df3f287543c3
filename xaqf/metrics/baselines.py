"""Reference forecasts any model should beat, in the forecast layout.

* :func:`persistence_forecast`: the truth at ``init_time``, repeated for every lead time.
* :func:`climatology_forecast`: a climatology looked up at each ``valid_time``.
* :func:`compute_climatology`: a climatology from a truth period, either a plain time
  mean (``by="mean"``), a mean per hour of day (``by="hour"``, keeps the diurnal cycle) or
  per day of year and hour (``by="dayofyear_hour"``, needs several years to be smooth).

Both forecasts have dims ``(init_time, lead_time, [level], latitude, longitude)`` and a
``valid_time`` coordinate, so they can be scored like any model forecast.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.errors import ConfigError, LayoutError, MissingTimeError
from xaqf.metrics.align import FORECAST_DIMS, valid_times

ClimatologyKind = Literal["mean", "hour", "dayofyear_hour"]
CLIMATOLOGY_KEYS: tuple[str, str] = ("dayofyear", "hour")
"""Dimensions a climatology may be indexed by, both looked up at the valid time."""


def _time_axes(init_times: Iterable, lead_times: Iterable) -> xr.Dataset:
    coords = xr.Dataset(coords={
        "init_time": pd.DatetimeIndex(np.atleast_1d(np.asarray(init_times)).ravel()
                                      ).as_unit("ns"),
        "lead_time": pd.to_timedelta(np.atleast_1d(np.asarray(lead_times)).ravel()
                                     ).as_unit("ns"),
    })
    return coords.assign_coords(valid_time=valid_times(coords))


def _forecast_order(obj: XarrayObj) -> XarrayObj:
    return obj.transpose(*FORECAST_DIMS, ...)


def persistence_forecast(truth: XarrayObj, init_times: Iterable, lead_times: Iterable
                         ) -> XarrayObj:
    """Persistence: the state at ``init_time`` as the forecast for every lead time.

    Parameters
    ----------
    truth
        Analysis with a ``time`` dimension.
    init_times
        Initialisation times (anything :class:`pandas.DatetimeIndex` accepts).
    lead_times
        Lead times (anything :func:`pandas.to_timedelta` accepts, e.g. ``["12h", "24h"]``).

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        Forecast layout with ``valid_time``; lazy on dask input (a broadcast, no copy).

    Raises
    ------
    MissingTimeError
        Naming the init times absent from ``truth``.

    Examples
    --------
    >>> truth = xr.DataArray([1.0, 2.0, 3.0], dims="time",
    ...                      coords={"time": pd.date_range("2022-06-01", periods=3, freq="12h")})
    >>> persistence_forecast(truth, truth.time[1:], ["12h", "24h"]).values
    array([[2., 2.],
           [3., 3.]])
    """
    axes = _time_axes(init_times, lead_times)
    absent = axes.indexes["init_time"].difference(truth.indexes["time"])
    if len(absent):
        raise MissingTimeError(
            f"persistence needs the truth at every init time; absent: "
            f"{[str(t) for t in absent[:5]]}; pass init times inside the truth's period"
        )
    state = truth.sel(time=axes["init_time"].values).rename(time="init_time")
    state = state.assign_coords(init_time=axes["init_time"])
    forecast = state.expand_dims(lead_time=axes["lead_time"].values)
    return _forecast_order(forecast.assign_coords(valid_time=axes["valid_time"]))


def compute_climatology(truth: XarrayObj, by: ClimatologyKind = "mean") -> XarrayObj:
    """A climatology of ``truth`` for :func:`climatology_forecast` and :func:`~xaqf.metrics.acc`.

    Parameters
    ----------
    truth
        Analysis with a ``time`` dimension.
    by
        ``"mean"``: the time mean (no time dims). ``"hour"``: mean per hour of day (dim
        ``hour``). ``"dayofyear_hour"``: mean per day of year and hour (dims ``dayofyear``,
        ``hour``; combinations absent from ``truth`` are NaN).

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        Lazy on dask input.

    Examples
    --------
    >>> truth = xr.DataArray([1.0, 5.0, 3.0, 7.0], dims="time",
    ...                      coords={"time": pd.date_range("2022-06-01", periods=4, freq="12h")})
    >>> compute_climatology(truth, by="hour").values
    array([2., 6.])
    """
    if by == "mean":
        return truth.mean("time", keep_attrs=True)
    keys = {"hour": ["hour"], "dayofyear_hour": ["dayofyear", "hour"]}.get(by)
    if keys is None:
        raise ConfigError(f"unknown climatology kind {by!r}; use 'mean', 'hour' or "
                          f"'dayofyear_hour'")
    labelled = truth.assign_coords({key: getattr(truth["time"].dt, key) for key in keys})
    climatology = labelled.groupby(keys).mean(keep_attrs=True)
    return climatology.transpose(*keys, ...)


def climatology_forecast(climatology: XarrayObj, init_times: Iterable, lead_times: Iterable
                         ) -> XarrayObj:
    """A climatology as a forecast: its value at each ``valid_time``.

    Parameters
    ----------
    climatology
        From :func:`compute_climatology`: no time dims, or ``hour`` and/or ``dayofyear``
        dims (looked up at the valid time's hour of day and day of year).
    init_times, lead_times
        As for :func:`persistence_forecast`.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        Forecast layout with ``valid_time``; lazy on dask input.

    Raises
    ------
    MissingTimeError
        If a valid time's hour or day of year is absent from the climatology.
    LayoutError
        If the climatology still has a ``time`` dimension.

    Examples
    --------
    >>> clim = xr.DataArray([2.0, 6.0], dims="hour", coords={"hour": [0, 12]})
    >>> climatology_forecast(clim, ["2022-06-10"], ["12h", "24h", "36h"]).values
    array([[6., 2., 6.]])
    """
    if "time" in climatology.dims:
        raise LayoutError("the climatology has a 'time' dimension; reduce it first with "
                          "xaqf.metrics.compute_climatology(truth, by=...)")
    axes = _time_axes(init_times, lead_times)
    valid = axes["valid_time"]
    keys = [key for key in CLIMATOLOGY_KEYS if key in climatology.dims]
    if not keys:
        forecast = climatology.expand_dims(lead_time=axes["lead_time"].values,
                                           init_time=axes["init_time"].values)
        return _forecast_order(forecast.assign_coords(valid_time=valid))
    lookup = {key: getattr(valid.dt, key) for key in keys}
    for key, wanted in lookup.items():
        absent = np.setdiff1d(np.unique(wanted.values), climatology[key].values)
        if absent.size:
            raise MissingTimeError(
                f"the climatology has no {key} {absent.tolist()} needed by the valid times; "
                f"build it from a truth period covering them, or use by='mean'"
            )
    forecast = climatology.sel(lookup).drop_vars(keys)
    return _forecast_order(forecast.assign_coords(valid_time=valid))
