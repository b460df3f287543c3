"""Surface air-quality products: daily means, WHO 2021 exceedances, the European AQI.

From a forecast (or an analysis) and, for the gases, the met:

* :func:`surface_fields`: surface PM2.5, PM10, NO2, SO2, O3 (and CO) in ``ug m-3``
  (:mod:`xaqf.products.surface`: one rule for stations and products);
* :func:`daily_means`: the mean of the values valid on each UTC calendar day;
* :func:`who_exceedance`: where a daily mean exceeds the WHO 2021 guideline level
  (:data:`WHO_2021`);
* :func:`eaqi`: the European Air Quality Index category of each value (:data:`EAQI_BANDS`);
* :func:`area_share`: the share of the globe's area where a condition holds (a category
  poor or worse, a guideline exceeded);
* :func:`plot_category_map`: a map of categories with a discrete legend.

What 12-hourly output can and cannot support
--------------------------------------------
xaqf forecasts every 12 hours (00 and 12 UTC). A "daily mean" is then the mean of at most
two instantaneous values: a coarse estimate of the 24-hour mean, blind to the diurnal cycle
between the two times. Days with fewer than 75 % of a full day's values (2 of 2 here, 18 of
24 hourly ones) are flagged (coordinate ``complete`` is False, ``n_values`` says how many).
It cannot give: the WHO ozone guideline (daily maximum 8-hour running mean, which
:func:`~xaqf.products.mda8` computes from hourly or 3-hourly data) or its peak-season statistic,
1-hour peaks (NO2, SO2), the hourly basis of the EAQI for the gases, and, from a 5-day
forecast, any annual mean. :func:`who_exceedance` refuses these averaging periods with an
error saying why; only the 24-hour guidelines are computed, and only on daily means
(:func:`daily_means`' ``date`` axis): instantaneous 12-hourly values are refused.

Units and impossible values: :func:`eaqi` and :func:`who_exceedance` convert
each variable to ``ug m-3`` with :func:`xaqf.products.surface.to_surface_units` (the unit
machinery of ingestion: ``kg m-3`` is multiplied by 1e9, a volume ratio of a gas converted
at reference conditions); a variable without units is taken as ``ug m-3`` with a
:class:`~xaqf.errors.DataWarning`. Negative values are not concentrations: they get
category 0 ("no data") and no exceedance, with a DataWarning counting them.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> pm = xr.DataArray([10.0, 30.0, 50.0], dims="time", name="pm2p5", attrs={"units": "ug m-3"},
...                   coords={"time": pd.date_range("2022-06-01", periods=3, freq="12h")})
>>> daily = daily_means(pm.to_dataset())
>>> daily["pm2p5"].values.tolist(), daily["complete"].values.tolist()
([20.0, 50.0], [True, False])
>>> who_exceedance(daily)["pm2p5"].values.tolist()
[True, True]
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from xaqf.errors import ConfigError, DataWarning, LayoutError, MissingVariableError
from xaqf.products.daily import COMPLETE_SHARE, for_each_init, time_step
from xaqf.products.surface import UNITS, surface_concentrations, to_surface_units
from xaqf.variables import SPATIAL_DIMS

__all__ = [
    "EAQI_BANDS",
    "EAQI_COLOURS",
    "EAQI_LABELS",
    "PRODUCT_VARIABLES",
    "WHO_2021",
    "Guideline",
    "area_share",
    "daily_means",
    "eaqi",
    "plot_category_map",
    "surface_fields",
    "who_exceedance",
]

PRODUCT_VARIABLES: tuple[str, ...] = ("pm2p5", "pm10", "no2", "so2", "go3", "co")
"""The variables of the surface products."""


@dataclass(frozen=True)
class Guideline:
    """One WHO air-quality guideline level.

    Parameters
    ----------
    variable
        Canonical variable name.
    averaging
        Averaging period: ``"24h"``, ``"annual"``, ``"8h"`` (daily maximum 8-hour mean) or
        ``"peak_season"``.
    level
        Guideline level in ``ug m-3``.
    note
        What the statistic is.
    """

    variable: str
    averaging: str
    level: float
    note: str


WHO_2021: tuple[Guideline, ...] = (
    Guideline("pm2p5", "annual", 5.0, "annual mean"),
    Guideline("pm2p5", "24h", 15.0, "24-hour mean, 99th percentile (3-4 exceedance days/year)"),
    Guideline("pm10", "annual", 15.0, "annual mean"),
    Guideline("pm10", "24h", 45.0, "24-hour mean, 99th percentile"),
    Guideline("go3", "peak_season", 60.0,
              "mean of the daily maximum 8-hour mean over the six highest consecutive months"),
    Guideline("go3", "8h", 100.0, "daily maximum 8-hour mean, 99th percentile"),
    Guideline("no2", "annual", 10.0, "annual mean"),
    Guideline("no2", "24h", 25.0, "24-hour mean, 99th percentile"),
    Guideline("so2", "24h", 40.0, "24-hour mean, 99th percentile"),
    Guideline("co", "24h", 4000.0, "24-hour mean (4 mg m-3), 99th percentile"),
)
"""The WHO global air quality guidelines (2021) AQG levels, in ug m-3, as data."""

_UNSUPPORTED = {
    "8h": "the daily maximum 8-hour running mean needs (at least) hourly values; 12-hourly "
          "output holds two values a day",
    "peak_season": "the peak-season statistic needs six months of daily maximum 8-hour "
                   "means, built from hourly values",
    "annual": "an annual mean needs a year of values; a forecast covers days",
}

EAQI_LABELS: tuple[str, ...] = ("good", "fair", "moderate", "poor", "very poor",
                                "extremely poor")
"""The six European Air Quality Index categories, numbered 1..6 in this order (0: no data)."""

EAQI_BANDS: dict[str, tuple[float, ...]] = {
    "pm2p5": (10.0, 20.0, 25.0, 50.0, 75.0),
    "pm10": (20.0, 40.0, 50.0, 100.0, 150.0),
    "no2": (40.0, 90.0, 120.0, 230.0, 340.0),
    "go3": (50.0, 100.0, 130.0, 240.0, 380.0),
    "so2": (100.0, 200.0, 350.0, 500.0, 750.0),
}
"""Upper bounds (ug m-3) of the first five EAQI categories per pollutant (the sixth is open).

The EEA's European Air Quality Index as published from 2021 (six levels): PM on 24-hour
means, NO2, O3 and SO2 on hourly values. Bands are closed above: a value equal to a bound
belongs to the lower category (10 ug m-3 of PM2.5 is "good")."""

EAQI_COLOURS: tuple[str, ...] = ("#50f0e6", "#50ccaa", "#f0e641", "#ff5050", "#960032",
                                 "#7d2181")
"""The EEA's colours of the six categories."""


def surface_fields(forecast: xr.Dataset, met: xr.Dataset | None = None) -> xr.Dataset:
    """Surface PM2.5, PM10, NO2, SO2, O3 and CO (those present) in ``ug m-3``.

    Gases are included only with ``met`` (see :mod:`xaqf.products.surface` for the density rule).

    Raises
    ------
    MissingVariableError
        None of :data:`PRODUCT_VARIABLES` in ``forecast``.
    """
    names = [n for n in PRODUCT_VARIABLES if n in forecast.data_vars
             and (n in ("pm2p5", "pm10") or met is not None)]
    return surface_concentrations(forecast, met, names or None)


def _daily_of_series(ds: xr.Dataset) -> xr.Dataset:
    day = ds["time"].dt.floor("D").rename("date")
    means = ds.assign_coords(date=("time", day.values)).groupby("date").mean(
        "time", keep_attrs=True)
    return means.assign_coords(n_values=("date", ds["time"].groupby(day).count().values))


def expected_per_day(ds: xr.Dataset) -> int:
    """Values a complete day holds: 24 h over the time step (2 for 12-hourly data)."""
    times = ds["lead_time"] if "lead_time" in ds.dims else ds["time"]
    if times.size < 2:
        return 1
    step = time_step(times.astype("timedelta64[ns]") if "lead_time" in ds.dims else times)
    return max(1, int(np.timedelta64(24, "h") // step))


def daily_means(ds: xr.Dataset) -> xr.Dataset:
    """Means over the values valid on each UTC calendar day, with a completeness flag.

    A day is complete when it holds at least 75 % (:data:`~xaqf.products.daily.COMPLETE_SHARE`)
    of the values a full day has at the data's time step: 18 of 24 hourly values, 6 of 8
    3-hourly ones, both of 2 twelve-hourly ones.

    Parameters
    ----------
    ds
        Surface fields with ``time`` (analysis) or ``init_time, lead_time`` (forecast).

    Returns
    -------
    xarray.Dataset
        Dim ``date`` replacing ``time`` (or ``lead_time``, one set of dates per
        ``init_time``, NaN where an init does not reach a date); coordinates ``n_values``
        (time steps averaged) and ``complete``; attribute ``completeness`` states the rule.

    Raises
    ------
    LayoutError
        No time axis.

    Examples
    --------
    >>> import pandas as pd
    >>> hours = pd.date_range("2022-06-01", periods=20, freq="h")
    >>> pm = xr.Dataset({"pm10": ("time", np.arange(20.0))}, coords={"time": hours})
    >>> daily_means(pm)["complete"].values.tolist()  # 20 of 24 hourly values
    [True]
    >>> daily_means(pm.isel(time=slice(0, 17)))["complete"].values.tolist()
    [False]
    """
    out = for_each_init(ds, _daily_of_series)
    expected = expected_per_day(ds)
    needed = int(np.ceil(COMPLETE_SHARE * expected))
    counts = out["n_values"].fillna(0).astype(int)
    return out.assign_coords(n_values=counts, complete=counts >= needed).assign_attrs(
        completeness=f"a day is complete with >= {needed} of its {expected} values "
                     f"({COMPLETE_SHARE:.0%})")


def who_exceedance(daily: xr.Dataset, averaging: str = "24h") -> xr.Dataset:
    """Where daily means exceed the WHO 2021 guideline level of their averaging period.

    Parameters
    ----------
    daily
        :func:`daily_means` of surface fields (dim ``date``), in any mass concentration
        units (converted to ``ug m-3``).
    averaging
        Only ``"24h"`` is supported by 12-hourly output; the others are refused.

    Returns
    -------
    xarray.Dataset
        Boolean per variable that has a guideline of this period, with attributes
        ``who_level`` and ``averaging``; the ``complete`` coordinate of ``daily`` is kept.

    Raises
    ------
    ConfigError
        ``averaging`` other than ``"24h"`` (the message says why it cannot be supported),
        or none of ``daily``'s variables has a guideline of that period, or ``daily`` are
        not daily means (no ``date`` dimension).
    UnitError
        Units that are not a mass concentration.
    """
    if "date" not in daily.dims:
        raise ConfigError(f"who_exceedance compares 24-hour means with the WHO levels, but "
                          f"the data have no 'date' dimension (dims {tuple(daily.dims)}): "
                          f"instantaneous values are not 24-hour means. Pass "
                          f"daily_means(fields)")
    if averaging in _UNSUPPORTED:
        raise ConfigError(f"WHO averaging period {averaging!r} is not supported: "
                          f"{_UNSUPPORTED[averaging]}. Use averaging='24h'")
    levels = {g.variable: g for g in WHO_2021 if g.averaging == averaging}
    if not levels:
        raise ConfigError(f"unknown WHO averaging period {averaging!r}; the table has "
                          f"{sorted({g.averaging for g in WHO_2021})}")
    names = [n for n in daily.data_vars if n in levels]
    if not names:
        raise MissingVariableError(
            f"no variable with a WHO {averaging} guideline in the data (they hold "
            f"{sorted(map(str, daily.data_vars))}; guidelines exist for {sorted(levels)})")
    values = _concentrations(daily, names, "who_exceedance")
    return xr.Dataset({
        name: (values[name] > levels[name].level).where(values[name].notnull(), False)
        .astype(bool).assign_attrs(who_level=levels[name].level, units=UNITS,
                                   averaging=averaging, long_name=f"{name} above WHO 2021 "
                                   f"{averaging} guideline ({levels[name].level:g} {UNITS})")
        for name in names}, attrs={"source": "WHO global air quality guidelines, 2021"})


def _concentrations(ds: xr.Dataset, names: list[str], what: str) -> dict[str, xr.DataArray]:
    """The ``names`` of ``ds`` in ``ug m-3``, negative values masked (NaN), with warnings
    for missing units and for the count of negative values."""
    out = {}
    for name in names:
        da = ds[name]
        if "units" not in da.attrs:
            warnings.warn(f"{what}: {name!r} has no units; taken as {UNITS}. Set "
                          f"ds[{name!r}].attrs['units'] (e.g. 'kg m-3' for CAMS fields)",
                          DataWarning, stacklevel=3)
            da = da.assign_attrs(units=UNITS)
        da = to_surface_units(da, name, what=f"{what}: {name!r}")
        negative = int((da < 0).sum())
        if negative:
            warnings.warn(f"{what}: {name!r} has {negative} negative value(s) (lowest "
                          f"{float(da.min()):g} {UNITS}), not concentrations: masked (no "
                          f"category, no exceedance); fix or clip them at 0", DataWarning,
                          stacklevel=3)
            da = da.where(da >= 0)
        out[name] = da
    return out


def _category(values: xr.DataArray, bounds: tuple[float, ...]) -> xr.DataArray:
    index = xr.apply_ufunc(lambda x: np.digitize(x, bounds, right=True) + 1, values,
                           dask="parallelized", output_dtypes=[np.int8])
    return index.where(values.notnull(), 0).astype(np.int8)


def eaqi(ds: xr.Dataset) -> xr.Dataset:
    """European Air Quality Index category (1 good .. 6 extremely poor; 0 no data).

    Applied to the values as given: pass :func:`daily_means` to follow the 24-hour basis of
    PM (for the gases, whose index is hourly, daily means understate peaks). Values are
    converted to ``ug m-3`` first; negative ones get category 0 (see the module notes).

    Returns
    -------
    xarray.Dataset
        ``int8`` category per pollutant of :data:`EAQI_BANDS` present, and ``eaqi``, the
        worst category over them; CF ``flag_values``/``flag_meanings`` attributes.

    Raises
    ------
    MissingVariableError
        None of the EAQI pollutants in ``ds``.
    UnitError
        Units that are not a mass concentration.

    Examples
    --------
    >>> pm = xr.DataArray([10.0, 10.01, 75.0, 80.0], dims="x", attrs={"units": "ug m-3"})
    >>> eaqi(xr.Dataset({"pm2p5": pm}))["eaqi"].values.tolist()
    [1, 2, 5, 6]
    """
    names = [n for n in EAQI_BANDS if n in ds.data_vars]
    if not names:
        raise MissingVariableError(f"no EAQI pollutant {list(EAQI_BANDS)} in the data (they "
                                   f"hold {sorted(map(str, ds.data_vars))})")
    attrs = {"flag_values": np.arange(7, dtype=np.int8),
             "flag_meanings": " ".join(["no_data", *(s.replace(" ", "_") for s in EAQI_LABELS)])}
    values = _concentrations(ds, names, "eaqi")
    out = {n: _category(values[n], EAQI_BANDS[n]).assign_attrs(
        long_name=f"European Air Quality Index category of {n}", **attrs) for n in names}
    worst = xr.concat(list(out.values()), "pollutant").max("pollutant")
    out["eaqi"] = worst.assign_attrs(long_name="European Air Quality Index category", **attrs)
    return xr.Dataset(out, attrs={"source": "EEA European Air Quality Index bands"})


def area_share(mask: xr.DataArray | xr.Dataset) -> xr.DataArray | xr.Dataset:
    """Share of the area of the grid (cos-latitude weighted) where ``mask`` is true.

    Examples
    --------
    >>> mask = xr.DataArray([[True, True], [False, False]], dims=("latitude", "longitude"),
    ...                     coords={"latitude": [60.0, 0.0], "longitude": [0.0, 180.0]})
    >>> round(float(area_share(mask)), 3)  # cos 60 / (cos 60 + cos 0)
    0.333
    """
    from xaqf.metrics.weights import latitude_weights

    weights = latitude_weights(mask["latitude"])
    return mask.astype(np.float64).weighted(weights).mean(list(SPATIAL_DIMS))


def plot_category_map(category: xr.DataArray, title: str = "") -> Any:
    """Map of EAQI categories (one 2-D field) with a discrete legend of the labels, and
    coastlines where cartopy is installed (:func:`xaqf.metrics.plot.add_coastlines`).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> cat = xr.DataArray(np.array([[1, 2], [3, 6]], np.int8),
    ...                    dims=("latitude", "longitude"),
    ...                    coords={"latitude": [10.0, 0.0], "longitude": [0.0, 10.0]})
    >>> fig = plot_category_map(cat)
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:2]
    ['good', 'fair']
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    from xaqf.metrics.plot import add_coastlines

    extra = [d for d in category.dims if d not in SPATIAL_DIMS]
    if extra:
        raise LayoutError(f"plot_category_map needs one 2-D field; select {extra} first, "
                          f"e.g. category.isel({extra[0]}=0)")
    colours = ["#d9d9d9", *EAQI_COLOURS]
    fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
    ax.pcolormesh(category["longitude"], category["latitude"],
                  category.transpose(*SPATIAL_DIMS).values, shading="nearest",
                  cmap=ListedColormap(colours), norm=BoundaryNorm(np.arange(-0.5, 7.5), 7))
    handles = [Patch(color=c, label=label) for c, label in zip(EAQI_COLOURS, EAQI_LABELS,
                                                                strict=True)]
    add_coastlines(ax)
    ax.legend(handles=handles, loc="lower left", fontsize="small", title="EAQI")
    ax.set(xlabel="longitude (degrees east)", ylabel="latitude (degrees north)",
           title=title or str(category.attrs.get("long_name", "EAQI")))
    return fig

