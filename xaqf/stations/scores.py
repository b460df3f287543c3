"""The standard model-evaluation scores at stations, per station or pooled.

With forecast values ``F`` and observations ``O`` over the valid pairs (both finite):

* ``bias`` = mean(F - O);
* ``rmse`` = sqrt(mean((F - O)^2));
* ``correlation`` = Pearson's r of F and O (NaN with fewer than 2 pairs or no variance);
* ``fac2`` = share of pairs with 0.5 <= F / O <= 2, over the pairs with O > 0;
* ``nmb`` (normalised mean bias) = sum(F - O) / sum(O);
* ``mnmb`` (modified normalised mean bias) = mean(2 (F - O) / (F + O)), in [-2, 2];
* ``fge`` (fractional gross error) = mean(2 |F - O| / (F + O)), in [0, 2];
* ``spearman`` = Spearman's rank correlation (Pearson's r of the ranks, ties averaged).

MNMB and FGE count a pair with ``F = O = 0`` as agreement (see :mod:`xaqf.metrics.relative`).

Each score reduces ``dim``: by default every dimension except ``station`` (one value per
station); ``pooled=True`` reduces all (one value over every pair). :func:`score_table`
gathers all scores, per station and pooled, into a :class:`pandas.DataFrame`.

Examples
--------
>>> import xarray as xr
>>> f = xr.DataArray([[2.0, 4.0, 9.0]], dims=("station", "time"), coords={"station": ["a"]})
>>> o = xr.DataArray([[1.0, 4.0, 3.0]], dims=("station", "time"), coords={"station": ["a"]})
>>> float(bias(f, o)[0]), float(nmb(f, o)[0]), round(float(fac2(f, o)[0]), 4)
(2.3333333333333335, 0.875, 0.6667)
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
import xarray as xr

from xaqf.metrics.correlation import ranks
from xaqf.metrics.pointwise import fractional_error, normalised_error
from xaqf.metrics.summary import lead_day

__all__ = ["SCORES", "bias", "correlation", "count", "fac2", "fge", "mnmb", "nmb", "rmse",
           "score_table", "score_table_by_lead_day", "spearman"]


def _pairs(forecast: xr.DataArray, observations: xr.DataArray, pooled: bool
           ) -> tuple[xr.DataArray, xr.DataArray, list[Hashable]]:
    valid = forecast.notnull() & observations.notnull()
    f, o = forecast.where(valid), observations.where(valid)
    dims = list(f.dims) if pooled else [d for d in f.dims if d != "station"]
    return f, o, dims


def bias(forecast: xr.DataArray, observations: xr.DataArray, pooled: bool = False
         ) -> xr.DataArray:
    """Mean error ``mean(F - O)``, per station (default) or pooled."""
    f, o, dims = _pairs(forecast, observations, pooled)
    return (f - o).mean(dims).rename("bias")


def rmse(forecast: xr.DataArray, observations: xr.DataArray, pooled: bool = False
         ) -> xr.DataArray:
    """Root-mean-square error, per station (default) or pooled.

    Examples
    --------
    >>> f = xr.DataArray([1.0, 3.0], dims="time")
    >>> float(rmse(f, f * 0, pooled=True))
    2.23606797749979
    """
    f, o, dims = _pairs(forecast, observations, pooled)
    return np.sqrt(((f - o) ** 2).mean(dims)).rename("rmse")


def correlation(forecast: xr.DataArray, observations: xr.DataArray, pooled: bool = False
                ) -> xr.DataArray:
    """Pearson correlation of forecast and observations, per station (default) or pooled."""
    f, o, dims = _pairs(forecast, observations, pooled)
    fa, oa = f - f.mean(dims), o - o.mean(dims)
    cov = (fa * oa).mean(dims)
    scale = np.sqrt((fa ** 2).mean(dims) * (oa ** 2).mean(dims))
    return (cov / scale.where(scale > 0)).rename("correlation")


def fac2(forecast: xr.DataArray, observations: xr.DataArray, pooled: bool = False
         ) -> xr.DataArray:
    """Fraction of pairs (with O > 0) within a factor of two, per station or pooled."""
    f, o, dims = _pairs(forecast, observations, pooled)
    positive = o > 0
    ratio = (f / o.where(positive))
    within = ((ratio >= 0.5) & (ratio <= 2.0)).where(positive & f.notnull())
    return within.mean(dims).rename("fac2")


def nmb(forecast: xr.DataArray, observations: xr.DataArray, pooled: bool = False
        ) -> xr.DataArray:
    """Normalised mean bias ``sum(F - O) / sum(O)``, per station or pooled."""
    f, o, dims = _pairs(forecast, observations, pooled)
    total = o.sum(dims)
    return ((f - o).sum(dims) / total.where(total != 0)).rename("nmb")


def mnmb(forecast: xr.DataArray, observations: xr.DataArray, pooled: bool = False
         ) -> xr.DataArray:
    """Modified normalised mean bias ``mean(2 (F - O) / (F + O))``, per station or pooled.

    Examples
    --------
    >>> f = xr.DataArray([3.0, 1.0], dims="time")
    >>> float(mnmb(f, xr.DataArray([1.0, 1.0], dims="time"), pooled=True))
    0.5
    """
    f, o, dims = _pairs(forecast, observations, pooled)
    return normalised_error(f, o).mean(dims).rename("mnmb")


def fge(forecast: xr.DataArray, observations: xr.DataArray, pooled: bool = False
        ) -> xr.DataArray:
    """Fractional gross error ``mean(2 |F - O| / (F + O))``, per station or pooled."""
    f, o, dims = _pairs(forecast, observations, pooled)
    return fractional_error(f, o).mean(dims).rename("fge")


def spearman(forecast: xr.DataArray, observations: xr.DataArray, pooled: bool = False
             ) -> xr.DataArray:
    """Spearman rank correlation of forecast and observations, per station or pooled.

    Examples
    --------
    >>> f = xr.DataArray([1.0, 2.0, 30.0], dims="time")
    >>> float(spearman(f, xr.DataArray([1.0, 5.0, 6.0], dims="time"), pooled=True))
    1.0
    """
    f, o, dims = _pairs(forecast, observations, pooled)
    ranked = correlation(ranks(f, dims), ranks(o, dims), pooled)
    return ranked.rename("spearman")


def count(forecast: xr.DataArray, observations: xr.DataArray, pooled: bool = False
          ) -> xr.DataArray:
    """Number of valid pairs, per station or pooled."""
    f, o, dims = _pairs(forecast, observations, pooled)
    return (f.notnull() & o.notnull()).sum(dims).rename("n")


SCORES = {"n": count, "bias": bias, "rmse": rmse, "r": correlation, "spearman": spearman,
          "fac2": fac2, "nmb": nmb, "mnmb": mnmb, "fge": fge}
"""Column name -> score function, in the order of :func:`score_table`."""


def score_table(forecast: xr.DataArray, observations: xr.DataArray) -> pd.DataFrame:
    """Every score per station, plus a pooled row ``"all"``, as a DataFrame.

    Parameters
    ----------
    forecast, observations
        Matched pairs (:func:`~xaqf.stations.match`) of one variable, with a ``station``
        dimension; their ``latitude``/``longitude`` station coordinates become columns.

    Examples
    --------
    >>> f = xr.DataArray([[2.0, 4.0], [1.0, 1.0]], dims=("station", "time"),
    ...                  coords={"station": ["a", "b"]})
    >>> table = score_table(f, f * 0 + 1.0)
    >>> float(table.loc["all", "bias"]), float(table.loc["a", "rmse"]), int(table.loc["all", "n"])
    (1.0, 2.23606797749979, 4)
    """
    per_station = pd.DataFrame({name: fn(forecast, observations).compute().to_series()
                                for name, fn in SCORES.items()})
    pooled = pd.DataFrame({name: [float(fn(forecast, observations, pooled=True))]
                           for name, fn in SCORES.items()}, index=["all"])
    for coord in ("latitude", "longitude"):
        if coord in forecast.coords and forecast[coord].dims == ("station",):
            per_station[coord] = forecast[coord].to_series()
    table = pd.concat([per_station, pooled])
    table.index.name = "station"
    table["n"] = table["n"].astype(int)
    return table


def score_table_by_lead_day(forecast: xr.DataArray, observations: xr.DataArray
                            ) -> pd.DataFrame:
    """Every score pooled over stations and initial times, one row per forecast day.

    Parameters
    ----------
    forecast, observations
        Matched pairs as for :func:`score_table`, with a ``lead_time`` dimension (day ``d``
        holds the lead times in ``(24 (d - 1), 24 d]`` hours).

    Examples
    --------
    >>> f = xr.DataArray([[2.0, 4.0, 6.0]], dims=("station", "lead_time"),
    ...                  coords={"lead_time": pd.to_timedelta([12, 24, 36], unit="h")})
    >>> score_table_by_lead_day(f, f * 0 + 2.0)["bias"].tolist()
    [1.0, 4.0]
    """
    days = lead_day(forecast["lead_time"])
    rows = {int(day): {name: float(fn(forecast.isel(lead_time=days == day),
                                      observations.isel(lead_time=days == day), pooled=True))
                       for name, fn in SCORES.items()}
            for day in np.unique(days)}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "lead_day"
    table["n"] = table["n"].astype(int)
    return table
