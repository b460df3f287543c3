"""The ADS/CDS products xaqf trains and evaluates on, and their exact monthly requests.

Every model input comes from one of the products of :data:`PRODUCTS`:

=========================== ================================================ ============
product                     ADS/CDS dataset                                  times
=========================== ================================================ ============
``cams-analysis``           ``cams-global-atmospheric-composition-forecasts`` 00/12 UTC
                            (``type`` analysis)
``cams-forecast``           the same, ``type`` forecast, leads 0-120 h / 12 h 00/12 UTC
``cams-reanalysis``         ``cams-global-reanalysis-eac4``                  00/12 UTC
``era5-pressure-levels``    ``reanalysis-era5-pressure-levels``              00/12 UTC
``era5-single-levels``      ``reanalysis-era5-single-levels``                00/12 UTC
``era5-precipitation``      ``reanalysis-era5-single-levels`` (``tp``)       every hour
``era5-static``             ``reanalysis-era5-single-levels`` (z, lsm)       one time
=========================== ================================================ ============

:func:`requests` turns a period into one :class:`Request` per product and calendar month
(a single one for ``era5-static``): the dataset name, the request as the ADS/CDS web form
writes it, and the relative file name the downloader writes
(``<product>/<product>_<YYYY-MM>.nc``). The pollutants are the 13 CAMS variables of
:mod:`xaqf.variables` on its 13 pressure levels; the meteorology is the 70 met channels.

Precipitation: ERA5's ``tp`` is an accumulation over the hour ending at each
time stamp, while xaqf's ``tp`` is the accumulation over the 12 h ending at each 00/12 UTC
step. ``era5-precipitation`` therefore asks for every hour, from the day before the period
(the 12 h ending at its first 00 UTC start the evening before) to its last day; the 12 h
totals are made by :func:`xaqf.data.sources.accumulate_precipitation`. ERA5's other single-level
variables are instantaneous and asked for at 00/12 UTC only, in a request of their own, so
no download mixes accumulated and instantaneous fields (which the CDS would deliver as a
zip of two netCDF files).

Examples
--------
>>> [r.target for r in requests("cams-analysis", "2022-06-29", "2022-07-02")]
['cams-analysis/cams-analysis_2022-06.nc', 'cams-analysis/cams-analysis_2022-07.nc']
>>> r = requests("era5-single-levels", "2024-02", "2024-02")[0]
>>> r.dataset, r.request["day"][-1], r.request["time"]
('reanalysis-era5-single-levels', '29', ['00:00', '12:00'])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from xaqf.errors import ConfigError
from xaqf.variables import (
    MET_ON_LEVELS,
    MET_SURFACE,
    POLLUTANT_VARIABLES,
    PRESSURE_LEVELS,
    STATIC_VARIABLES,
    VARIABLES,
)

__all__ = ["PRODUCTS", "Product", "Request", "expected_coords", "requests"]

CAMS_FORECASTS = "cams-global-atmospheric-composition-forecasts"
EAC4 = "cams-global-reanalysis-eac4"
ERA5_PRESSURE = "reanalysis-era5-pressure-levels"
ERA5_SINGLE = "reanalysis-era5-single-levels"

ADS_NAMES: Mapping[str, str] = MappingProxyType({
    "tcco": "total_column_carbon_monoxide",
    "tc_no": "total_column_nitrogen_monoxide",
    "tcno2": "total_column_nitrogen_dioxide",
    "tcso2": "total_column_sulphur_dioxide",
    "gtco3": "gems_total_column_ozone",
    "co": "carbon_monoxide",
    "no": "nitrogen_monoxide",
    "no2": "nitrogen_dioxide",
    "so2": "sulphur_dioxide",
    "go3": "ozone",
    "pm1": "particulate_matter_1um",
    "pm2p5": "particulate_matter_2.5um",
    "pm10": "particulate_matter_10um",
})
"""ADS request names of the 13 pollutants in the CAMS global forecasts (analysis/forecast)."""

EAC4_NAMES: Mapping[str, str] = MappingProxyType({**ADS_NAMES, "gtco3": "total_column_ozone"})
"""ADS request names in EAC4, whose GEMS ozone column ``gtco3`` is 'total_column_ozone'."""

CDS_NAMES: Mapping[str, str] = MappingProxyType({
    "t2m": "2m_temperature",
    "u10": "10m_u_component_of_wind",
    "v10": "10m_v_component_of_wind",
    "msl": "mean_sea_level_pressure",
    "tp": "total_precipitation",
    "u": "u_component_of_wind",
    "v": "v_component_of_wind",
    "t": "temperature",
    "r": "relative_humidity",
    "z": "geopotential",
    "orography": "geopotential",
    "lsm": "land_sea_mask",
})
"""CDS request names of the ERA5 variables (the static ``orography`` is the surface
geopotential, delivered as ``z``)."""

SYNOPTIC_HOURS: tuple[int, ...] = (0, 12)
ALL_HOURS: tuple[int, ...] = tuple(range(24))
FORECAST_LEADS: tuple[int, ...] = tuple(range(0, 121, 12))
"""Lead times (hours) of the reference CAMS forecast: 0-120 h every 12 h."""


@dataclass(frozen=True)
class Product:
    """What one product holds and how it is asked for.

    Attributes
    ----------
    name
        xaqf's name of the product (``"cams-analysis"``...), also its folder name.
    dataset
        ADS/CDS dataset (collection) name.
    kind
        Kind of the files for :func:`xaqf.data.io.standardize`: ``"cams"``, ``"met"``,
        ``"static"``.
    variables
        xaqf short names of the variables it delivers.
    names
        ADS/CDS request name of each variable.
    hours
        Hours (UTC) of the time stamps (or initial times of forecasts).
    store
        ``"ads"`` (Atmosphere Data Store) or ``"cds"`` (Climate Data Store).
    extra
        Fixed request keys (type, lead times, formats).
    """

    name: str
    dataset: str
    kind: str
    variables: tuple[str, ...]
    names: Mapping[str, str]
    hours: tuple[int, ...]
    store: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def on_levels(self) -> bool:
        """Whether the request asks for pressure levels."""
        return any(VARIABLES[v].on_levels for v in self.variables)

    @property
    def leads(self) -> tuple[int, ...] | None:
        """Lead times (hours) of a forecast product, ``None`` for analyses."""
        if self.extra.get("type") == ["forecast"]:
            return tuple(int(h) for h in self.extra["leadtime_hour"])
        return None


_ADS_FORMAT = {"data_format": "netcdf_zip"}
_CDS_FORMAT = {"product_type": ["reanalysis"], "data_format": "netcdf",
               "download_format": "unarchived"}
_HOURS_TEXT = [f"{h}" for h in FORECAST_LEADS]

PRODUCTS: Mapping[str, Product] = MappingProxyType({p.name: p for p in (
    Product("cams-analysis", CAMS_FORECASTS, "cams", POLLUTANT_VARIABLES, ADS_NAMES,
            SYNOPTIC_HOURS, "ads", {"type": ["analysis"], "leadtime_hour": ["0"],
                                    **_ADS_FORMAT}),
    Product("cams-forecast", CAMS_FORECASTS, "cams", POLLUTANT_VARIABLES, ADS_NAMES,
            SYNOPTIC_HOURS, "ads", {"type": ["forecast"], "leadtime_hour": _HOURS_TEXT,
                                    **_ADS_FORMAT}),
    Product("cams-reanalysis", EAC4, "cams", POLLUTANT_VARIABLES, EAC4_NAMES,
            SYNOPTIC_HOURS, "ads", {"data_format": "netcdf"}),
    Product("era5-pressure-levels", ERA5_PRESSURE, "met", tuple(v.name for v in MET_ON_LEVELS),
            CDS_NAMES, SYNOPTIC_HOURS, "cds", _CDS_FORMAT),
    Product("era5-single-levels", ERA5_SINGLE, "met",
            tuple(v.name for v in MET_SURFACE if v.name != "tp"), CDS_NAMES, SYNOPTIC_HOURS,
            "cds", _CDS_FORMAT),
    Product("era5-precipitation", ERA5_SINGLE, "met", ("tp",), CDS_NAMES, ALL_HOURS, "cds",
            _CDS_FORMAT),
    Product("era5-static", ERA5_SINGLE, "static", STATIC_VARIABLES, CDS_NAMES, (0,), "cds",
            _CDS_FORMAT),
)})
"""Every product, by name."""


@dataclass(frozen=True)
class Request:
    """One ADS/CDS retrieval: a product for one calendar month (or the statics).

    Attributes
    ----------
    product
        Name in :data:`PRODUCTS`.
    dataset
        ADS/CDS dataset name, the first argument of the clients' ``retrieve``.
    request
        The request, as the clients take it (lists of strings).
    target
        File name relative to the download folder, e.g.
        ``"cams-analysis/cams-analysis_2022-06.nc"`` (a folder for an emission inventory's
        year, ``"cams-glob-ant/2022"``).
    """

    product: str
    dataset: str
    request: dict[str, Any]
    target: str

    def as_json(self) -> dict[str, Any]:
        """The request as a JSON-ready dict (what ``xaqf download --dry-run`` prints)."""
        return {"product": self.product, "dataset": self.dataset, "request": self.request,
                "target": self.target}


def product(name: str) -> Product:
    """The :class:`Product` called ``name``, or a ConfigError listing the known ones."""
    try:
        return PRODUCTS[name]
    except KeyError:
        raise ConfigError(f"unknown product {name!r}; choose one of {sorted(PRODUCTS)}"
                          ) from None


def period(start: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a period given as months (``"2022-06"``) or days.

    A month as ``end`` means its last day.

    Examples
    --------
    >>> [str(d.date()) for d in period("2024-02", "2024-02")]
    ['2024-02-01', '2024-02-29']
    """
    first = _as_period(start, "start").start_time.normalize()
    last = _as_period(end, "end").end_time.normalize()
    if last < first:
        raise ConfigError(f"end {end!r} is before start {start!r}; give start <= end")
    return first, last


def _as_period(value: Any, what: str) -> pd.Period:
    try:
        if isinstance(value, str):
            return pd.Period(value)
        return pd.Period(pd.Timestamp(value), freq="D")
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{what} {value!r} is not a month (YYYY-MM) or a day (YYYY-MM-DD)"
                          ) from err


def requests(name: str, start: Any, end: Any) -> list[Request]:
    """The ADS/CDS requests that download product ``name`` for the days ``start``-``end``.

    Parameters
    ----------
    name
        A product of :data:`PRODUCTS`.
    start, end
        First and last month (``"2022-06"``) or day (``"2022-06-29"``), inclusive.

    Returns
    -------
    list of Request
        One per calendar month touched, in time order, each holding only the period's days;
        ``era5-precipitation`` starts one day earlier; ``era5-static`` is one request.

    Raises
    ------
    ConfigError
        Unknown product, unreadable dates, or ``end`` before ``start``.

    Examples
    --------
    >>> rs = requests("cams-forecast", "2022-01-31", "2022-03-01")
    >>> [r.request["date"] for r in rs]
    [['2022-01-31/2022-01-31'], ['2022-02-01/2022-02-28'], ['2022-03-01/2022-03-01']]
    >>> requests("era5-precipitation", "2022-06", "2022-06")[0].target
    'era5-precipitation/era5-precipitation_2022-05.nc'
    """
    spec = product(name)
    first, last = period(start, end)
    if spec.name == "era5-static":
        return [_request(spec, [first], "era5-static/era5-static.nc")]
    if spec.hours == ALL_HOURS:
        first -= pd.Timedelta(days=1)
    days = pd.date_range(first, last, freq="D")
    months = pd.Series(days).groupby(days.to_period("M"))
    return [_request(spec, list(group), f"{spec.name}/{spec.name}_{month}.nc")
            for month, group in months]


def _request(spec: Product, days: list[pd.Timestamp], target: str) -> Request:
    body: dict[str, Any] = {"variable": [spec.names[v] for v in spec.variables]}
    if spec.on_levels:
        body["pressure_level"] = [f"{p:g}" for p in PRESSURE_LEVELS]
    if spec.store == "ads":
        body["date"] = [f"{days[0]:%Y-%m-%d}/{days[-1]:%Y-%m-%d}"]
    else:
        body.update(year=[f"{days[0]:%Y}"], month=[f"{days[0]:%m}"],
                    day=[f"{d:%d}" for d in days])
    body["time"] = [f"{h:02d}:00" for h in spec.hours]
    body.update({k: list(v) if isinstance(v, list) else v for k, v in spec.extra.items()})
    return Request(spec.name, spec.dataset, body, target)


def request_days(request: Request) -> pd.DatetimeIndex:
    """The days a request covers, from its ``date`` (ADS) or ``year/month/day`` (CDS)."""
    body = request.request
    if "date" in body:
        first, _, last = body["date"][0].partition("/")
        return pd.date_range(first, last or first, freq="D")
    return pd.DatetimeIndex([f"{body['year'][0]}-{body['month'][0]}-{d}" for d in body["day"]])


def expected_coords(request: Request) -> dict[str, np.ndarray]:
    """The time coordinates a complete download of ``request`` has, once standardized.

    ``{"time": ...}`` for analyses, ``{"init_time": ..., "lead_time": ...}`` for forecasts,
    ``{}`` for statics.

    Examples
    --------
    >>> r = requests("cams-forecast", "2022-06-01", "2022-06-01")[0]
    >>> coords = expected_coords(r)
    >>> coords["init_time"].size, coords["lead_time"].size
    (2, 11)
    """
    spec = product(request.product)
    if spec.kind == "static":
        return {}
    hours = pd.to_timedelta([int(t[:2]) for t in request.request["time"]], unit="h")
    days = request_days(request)
    stamps = (days.values[:, None] + hours.values[None, :]).ravel().astype("datetime64[ns]")
    leads = spec.leads
    if leads is None:
        return {"time": stamps}
    return {"init_time": stamps,
            "lead_time": pd.to_timedelta(list(leads), unit="h").values.astype("timedelta64[ns]")}


EMISSIONS = "cams-global-emission-inventories"
"""ADS dataset of the CAMS global emission inventories (CAMS-GLOB-ANT among them)."""


def emission_requests(start_year: int, end_year: int,
                      species: tuple[str, ...] = ("co", "nox", "so2", "nh3", "bc", "oc"),
                      version: str = "latest") -> list[Request]:
    """ADS requests of the CAMS-GLOB-ANT anthropogenic inventory, one per year.

    Each asks for every species (ADS names in
    :data:`xaqf.data.inventory.CAMS_GLOB_ANT_SPECIES`) of the ``anthropogenic`` source, as
    the
    zip of one monthly netCDF file per species, sectors as separate variables (xaqf sums
    them: :func:`xaqf.data.inventory.open_cams_glob_ant`), fluxes in kg m-2 s-1. The
    target of
    each is the folder its files are unpacked into (:func:`xaqf.data.download.download_emissions`).

    Examples
    --------
    >>> r = emission_requests(2022, 2022, ("co", "nox"))[0]
    >>> r.dataset, r.request["variable"], r.request["year"], r.target
    ('cams-global-emission-inventories', ['carbon_monoxide', 'nitrogen_oxides'], ['2022'], \
'cams-glob-ant/2022')
    """
    from xaqf.data.inventory import CAMS_GLOB_ANT_SPECIES

    unknown = [s for s in species if s not in CAMS_GLOB_ANT_SPECIES]
    if unknown or end_year < start_year:
        raise ConfigError(f"emission species {unknown} are not in CAMS-GLOB-ANT (choose from "
                          f"{sorted(CAMS_GLOB_ANT_SPECIES)})" if unknown else
                          f"end_year {end_year} is before start_year {start_year}")
    return [Request("cams-glob-ant", EMISSIONS, {
        "variable": [CAMS_GLOB_ANT_SPECIES[s] for s in species], "source": ["anthropogenic"],
        "version": [version], "year": [str(year)]}, f"cams-glob-ant/{year}")
        for year in range(start_year, end_year + 1)]
