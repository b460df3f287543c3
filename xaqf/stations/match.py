"""Pairing forecasts at stations with observations in valid time.

A forecast at stations (``init_time, lead_time, station``) or an analysis at stations
(``time, station``) is paired with the observation nearest in time to each valid time
(``init_time + lead_time``), if one lies within ``tolerance``; pairs without one are NaN.
Stations are matched by identifier (the intersection of the two).

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> obs = xr.Dataset({"pm2p5": (("station", "time"), [[1.0, 2.0, 3.0]])},
...                  coords={"station": ["a"],
...                          "time": pd.date_range("2022-06-01", periods=3, freq="6h")})
>>> fc = xr.Dataset({"pm2p5": (("init_time", "lead_time", "station"), [[[9.0], [9.0]]])},
...                 coords={"station": ["a"], "init_time": obs.time.values[:1],
...                         "lead_time": pd.to_timedelta([6, 12], unit="h")})
>>> f, o = match(fc, obs)
>>> o["pm2p5"].values.ravel().tolist()
[2.0, 3.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from xaqf.errors import ConfigError, LayoutError, MissingTimeError, MissingVariableError

__all__ = ["POOLED", "check_tolerance", "match", "valid_time"]

POOLED = "all"
"""The label of the pooled row of :func:`xaqf.stations.score_table`; no station may have it."""


def valid_time(forecast: xr.Dataset | xr.DataArray) -> xr.DataArray:
    """``init_time + lead_time`` of a forecast, or ``time`` of an analysis.

    Raises
    ------
    MissingTimeError
        Neither ``init_time``/``lead_time`` nor ``time`` is a dimension.
    """
    if "init_time" in forecast.dims and "lead_time" in forecast.dims:
        return (forecast["init_time"] + forecast["lead_time"]).rename("valid_time")
    if "time" in forecast.dims:
        return forecast["time"].rename("valid_time")
    raise MissingTimeError(f"the forecast has no time axis (dims {tuple(forecast.dims)}); "
                           f"give init_time and lead_time, or time")


def match(forecast: xr.Dataset, observations: xr.Dataset, tolerance: str | pd.Timedelta = "1h"
          ) -> tuple[xr.Dataset, xr.Dataset]:
    """Forecast and observations on the same ``(..., station)`` pairs, matched in valid time.

    Parameters
    ----------
    forecast
        At stations (:func:`~xaqf.stations.interpolate`): dims ``init_time, lead_time,
        station`` or ``time, station``.
    observations
        Canonical station observations (dims ``station, time``).
    tolerance
        Largest time difference between a valid time and its observation (pandas
        timedelta string, e.g. ``"30min"``, ``"1h"``; not negative).

    Returns
    -------
    tuple of xarray.Dataset
        ``(forecast, observations)``, both with the forecast's dimensions over the common
        stations and the variables present in both; the observations carry the
        ``valid_time`` coordinate and NaN where no observation lies within ``tolerance``.

    Raises
    ------
    MissingVariableError
        No common variable, or no common station.
    MissingTimeError
        No valid time has an observation within ``tolerance``; the message gives both
        time ranges.
    ConfigError
        A ``tolerance`` that is not a time span, or a negative one.
    LayoutError
        A station identifier given twice, or one named like the pooled row (``"all"``).
    """
    window = check_tolerance(tolerance)
    for what, ds in (("forecast", forecast), ("observations", observations)):
        _check_station_labels(ds, what)
    names = [n for n in forecast.data_vars if n in observations.data_vars]
    if not names:
        raise MissingVariableError(
            f"forecast and observations share no variable (forecast "
            f"{sorted(map(str, forecast.data_vars))}, observations "
            f"{sorted(map(str, observations.data_vars))}); choose one with --variable")
    common = np.intersect1d(forecast["station"].values, observations["station"].values)
    if common.size == 0:
        raise MissingVariableError("forecast and observations share no station identifier; "
                                   "interpolate the forecast to the observations' stations")
    fc = forecast[names].sel(station=common)
    obs = observations[names].sel(station=common).sortby("time")
    valid = valid_time(fc)
    flat = pd.DatetimeIndex(valid.values.ravel())
    picked = obs.reindex(time=flat, method="nearest", tolerance=window)
    if all(bool(picked[n].isnull().all()) for n in names):
        raise MissingTimeError(
            f"no observation within {tolerance} of any valid time: forecast valid "
            f"{flat.min()} .. {flat.max()}, observations {obs.time.values.min()} .. "
            f"{obs.time.values.max()}; give observations of the forecast period or a "
            f"larger tolerance")
    paired = picked.drop_vars("time").rename(time="_valid")
    index = pd.MultiIndex.from_product([valid[d].values for d in valid.dims],
                                       names=list(valid.dims))
    paired = paired.assign_coords(xr.Coordinates.from_pandas_multiindex(index, "_valid"))
    paired = paired.unstack("_valid").transpose(*valid.dims, "station")
    paired = paired.assign_coords(valid_time=valid)
    for name in names:
        paired[name].attrs = observations[name].attrs
    return fc.assign_coords(valid_time=valid), paired.assign_attrs(observations.attrs)


def check_tolerance(tolerance: str | pd.Timedelta) -> pd.Timedelta:
    """``tolerance`` as a Timedelta of 0 or more; otherwise ConfigError naming it.

    Examples
    --------
    >>> check_tolerance("30min")
    Timedelta('0 days 00:30:00')
    """
    try:
        window = pd.Timedelta(tolerance)
    except (ValueError, TypeError):
        window = pd.NaT
    if window is pd.NaT or window < pd.Timedelta(0):
        raise ConfigError(f"tolerance={tolerance!r} is not a time span of 0 or more; give a "
                          f"pandas timedelta such as '30min' or '1h'")
    return window


def _check_station_labels(ds: xr.Dataset, what: str) -> None:
    if "station" not in ds.coords:
        raise LayoutError(f"the {what} have no 'station' coordinate (coords "
                          f"{sorted(map(str, ds.coords))}); interpolate gridded data with "
                          f"xaqf.stations.interpolate, read observations with open_stations")
    labels = pd.Index(ds["station"].values.astype(str))
    if labels.has_duplicates:
        raise LayoutError(f"the {what} name station(s) {labels[labels.duplicated()].tolist()[:5]} "
                          f"more than once; give each station one identifier")
    if POOLED in labels:
        raise LayoutError(f"the {what} have a station named {POOLED!r}, the label of the "
                          f"pooled row of the score table; rename it, e.g. "
                          f"ds.assign_coords(station=ds.station.str.replace('all', 'all_'))")
