"""Verification at stations: read observations, bring forecasts to them, score and plot.

* :mod:`~xaqf.stations.io`: :func:`open_stations` (OpenAQ and EEA netCDF/CSV, pyaerocom
  colocated files) into a canonical ``(station, time)`` Dataset in ``ug m-3``;
* :mod:`~xaqf.stations.interpolate`: :func:`interpolate` gridded forecasts or analyses to
  the stations (bilinear or nearest, periodic in longitude);
* :mod:`~xaqf.stations.match`: :func:`match` forecasts and observations in valid time;
* :mod:`~xaqf.stations.scores`: bias, RMSE, Pearson and Spearman r, FAC2, NMB, MNMB,
  FGE per station or pooled,
  :func:`score_table`;
* :mod:`~xaqf.stations.plots`: time series, scatter and bias-map figures (matplotlib,
  imported on first use).

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> from xaqf import stations
>>> obs = stations.station_dataset({"pm2p5": (np.array([[10.0, 20.0]]), "ug m-3")}, ["A"],
...                                [0.0], [0.0], pd.date_range("2022-06-01", periods=2,
...                                                            freq="12h"))
>>> field = xr.DataArray(np.full((2, 2, 2), 15.0), name="pm2p5",
...                      dims=("time", "latitude", "longitude"),
...                      coords={"time": obs.time.values, "latitude": [10.0, -10.0],
...                              "longitude": [0.0, 180.0]}).to_dataset()
>>> fc, ob = stations.match(stations.interpolate(field, obs), obs)
>>> float(stations.rmse(fc["pm2p5"], ob["pm2p5"], pooled=True))
5.0
"""

from xaqf.stations.interpolate import interpolate, station_weights
from xaqf.stations.io import open_stations, read_eea_csv, read_openaq_csv, station_dataset
from xaqf.stations.match import match, valid_time
from xaqf.stations.scores import (
    bias,
    correlation,
    count,
    fac2,
    fge,
    mnmb,
    nmb,
    rmse,
    score_table,
    spearman,
)

__all__ = [
    "bias",
    "correlation",
    "count",
    "fac2",
    "fge",
    "interpolate",
    "match",
    "mnmb",
    "nmb",
    "open_stations",
    "read_eea_csv",
    "read_openaq_csv",
    "rmse",
    "score_table",
    "spearman",
    "station_dataset",
    "station_weights",
    "valid_time",
]
