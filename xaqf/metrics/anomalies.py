"""Anomalies against a climatology, the per-point inputs of the anomaly correlation.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> from xaqf.metrics.align import match
>>> times = pd.date_range("2022-06-01", periods=2, freq="12h")
>>> truth = xr.Dataset({"pm10": (("time", "latitude", "longitude"), np.ones((2, 2, 2)))},
...                    coords={"time": times, "latitude": [-30.0, 30.0],
...                            "longitude": [0.0, 180.0]})
>>> fc = xr.Dataset({"pm10": (("init_time", "lead_time", "latitude", "longitude"),
...                           np.full((1, 1, 2, 2), 3.0))},
...                 coords={"init_time": times[:1], "lead_time": pd.to_timedelta(["12h"]),
...                         "latitude": [-30.0, 30.0], "longitude": [0.0, 180.0]})
>>> a, b = anomalies(fc, *match(fc, truth), truth.mean("time") * 0.5, skipna=False)
>>> float(a.pm10.mean()), float(b.pm10.mean())
(2.5, 0.5)
"""

from __future__ import annotations

from typing import Any

import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.metrics.align import match
from xaqf.metrics.baselines import climatology_forecast


def _climatology_like(climatology: Any, forecast: XarrayObj) -> Any:
    """The climatology in forecast layout (unless it already has a time axis)."""
    if "time" in climatology.dims or "init_time" in climatology.dims:
        return climatology
    return climatology_forecast(climatology, forecast["init_time"].values,
                                forecast["lead_time"].values)


def anomalies(forecast: XarrayObj, matched_forecast: XarrayObj, matched_truth: XarrayObj,
              climatology: xr.Dataset | xr.DataArray, skipna: bool
              ) -> tuple[XarrayObj, XarrayObj]:
    """The anomalies ``a = forecast - c`` and ``b = truth - c`` against the climatology ``c``.

    ``matched_forecast`` and ``matched_truth`` are :func:`~xaqf.metrics.align.match` of
    ``forecast`` and the truth; the climatology (as for :func:`~xaqf.metrics.acc`) is matched
    to ``forecast`` the same way. With ``skipna`` both anomalies are NaN wherever either is,
    so that the sums of ``a b``, ``a^2`` and ``b^2`` run over the same points.
    """
    _, matched_clim = match(forecast, _climatology_like(climatology, forecast),
                            role="climatology")
    fa, oa = matched_forecast - matched_clim, matched_truth - matched_clim
    if skipna:
        valid = fa.notnull() & oa.notnull()
        fa, oa = fa.where(valid), oa.where(valid)
    return fa, oa
