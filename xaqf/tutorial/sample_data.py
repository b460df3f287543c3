"""The toy world as a user's downloads: raw CAMS/ERA5 files, FuXi-like forecasts, stations.

:func:`save_sample_data` writes, into one folder, every kind of input the command line reads,
so that each command can be tried from the shell without an account:

* the raw ADS/CDS files of :func:`~xaqf.tutorial.downloads.save_raw_downloads`
  (``cams-analysis/``, ``era5-*/``), CAMS on the coarse grid, ERA5 on the finer one;
* ``fuxi/fuxi_<init>.nc``: FuXi-like met forecasts from the 00 UTC of each day but the
  first, 0-120 h every 12 h, in the layout earth2studio's IO backends write
  (:mod:`xaqf.data.lexicon`): one array per lexicon name (``u500``, ``t2m``, ``u10m``,
  ``tp12``...) over ``(time, lead_time, lat, lon)``, latitude descending, no ``units``
  attributes, on the CAMS grid;
* ``stations/openaq.csv``: an OpenAQ archive export (narrow rows, local times with their UTC
  offset, one sensor per parameter, ozone in ``ppm``, some hours missing) at stations
  around the world;
* ``stations/eea.csv`` and ``stations/eea_metadata.csv``: an EEA E2a download (``+01:00``
  times, ``DatetimeBegin``/``DatetimeEnd``, invalid hours as ``-999`` with ``Validity``
  ``-1``) at European stations, with the tab-separated station metadata table that holds
  their coordinates.

The observations are the toy CAMS truth's surface concentrations (:mod:`xaqf.products.surface`)
interpolated to the stations at each 00 and 12 UTC, times a log-normal representativeness
error (20 %), to three significant digits.

Examples
--------
>>> import tempfile
>>> data = save_sample_data(tempfile.mkdtemp(), days=2, cams_resolution=30.0,
...                         met_resolution=15.0, spinup_days=0)
>>> [path.name for path in data.fuxi]
['fuxi_2022-06-02T00.nc']
>>> data.openaq.read_text().splitlines()[0]
'location_id,sensors_id,location,datetime,lat,lon,parameter,units,value'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from xaqf._utils.atomic import atomic_path
from xaqf.data.lexicon import lexicon_name
from xaqf.errors import ConfigError
from xaqf.products.surface import surface_concentration, volume_ratio_to_concentration
from xaqf.regrid import global_grid, regrid
from xaqf.stations.interpolate import interpolate
from xaqf.tutorial.downloads import RawDownloads, extended_world, write_raw_downloads
from xaqf.variables import MET_VARIABLES, VARIABLES

__all__ = ["SampleData", "fuxi_inits", "lexicon_layout", "save_sample_data"]

OPENAQ_PARAMETERS = {"pm2p5": ("pm25", "µg/m³"), "no2": ("no2", "µg/m³"), "go3": ("o3", "ppm")}
"""Canonical variable -> OpenAQ parameter and units written."""

EEA_POLLUTANTS = {"pm2p5": ("PM2.5", 6001), "no2": ("NO2", 8)}
"""Canonical variable -> EEA ``AirPollutant`` and its vocabulary code."""

EUROPE = ((36.0, 68.0), (-10.0, 30.0))
"""Latitude and longitude ranges of the EEA-like stations."""

ERROR = 0.2
"""Standard deviation of the log-normal representativeness error of an observation."""

MISSING = 0.05
"""Share of the observations missing (OpenAQ) or flagged invalid (EEA)."""


@dataclass(frozen=True)
class SampleData:
    """Files written by :func:`save_sample_data`.

    Attributes
    ----------
    raw
        The raw ADS/CDS downloads (:class:`~xaqf.tutorial.downloads.RawDownloads`).
    fuxi
        FuXi-like forecast files, one per initial time.
    openaq, eea, eea_metadata
        The station files.
    start, days
        The period: its first day and its length in days.
    """

    raw: RawDownloads
    fuxi: list[Path]
    openaq: Path
    eea: Path
    eea_metadata: Path
    start: str
    days: int

    @property
    def directory(self) -> Path:
        """The sample-data folder."""
        return self.raw.directory


def fuxi_inits(start: str, days: int) -> pd.DatetimeIndex:
    """Initial times of the FuXi-like files: 00 UTC of each day after the first (the first
    has no pollutant state 12 h before it in the files).

    Examples
    --------
    >>> fuxi_inits("2022-06-01", 3).strftime("%d %H").tolist()
    ['02 00', '03 00']
    """
    return pd.date_range(pd.Timestamp(start) + pd.Timedelta(days=1), periods=days - 1,
                         freq="D")


def lexicon_layout(forecast: xr.Dataset) -> xr.Dataset:
    """Canonical met forecasts as earth2studio's IO backends write them (module notes).

    Examples
    --------
    >>> from xaqf.tutorial import toy_world
    >>> fc = toy_world(30.0, days=0.5, spinup_days=0, init_times=["2022-06-01"]).fuxi
    >>> out = lexicon_layout(fc)
    >>> out["u500"].dims, "tp12" in out, out["t2m"].attrs
    (('time', 'lead_time', 'lat', 'lon'), True, {})
    """
    arrays = {}
    for name in MET_VARIABLES:
        da = forecast[name].drop_vars("valid_time", errors="ignore")
        if VARIABLES[name].on_levels:
            for level in da["level"].values:
                arrays[lexicon_name(name, float(level))] = da.sel(level=level, drop=True)
        else:
            arrays["tp12" if name == "tp" else lexicon_name(name)] = da
    ds = xr.Dataset(arrays).rename(init_time="time", latitude="lat", longitude="lon")
    ds = ds.sortby("lat", ascending=False).drop_vars("valid_time", errors="ignore")
    for var in ds.variables.values():
        var.attrs = {}
    return ds.astype(np.float32)


def save_sample_data(directory: str | os.PathLike, *, days: int = 6,
                     start: str = "2022-06-01", cams_resolution: float = 4.0,
                     met_resolution: float = 2.0, seed: int = 0, spinup_days: float = 1,
                     stations: int = 30) -> SampleData:
    """Write the toy world as a user's downloads (see the module notes).

    Parameters
    ----------
    directory
        The folder to write into (created).
    days
        Whole days of the period (at least 2: the first day has no FuXi-like file).
    start
        First day of the period.
    cams_resolution, met_resolution, seed, spinup_days
        As for :func:`~xaqf.tutorial.downloads.save_raw_downloads`.
    stations
        Stations of the OpenAQ-like file; the EEA-like file has half as many.

    Returns
    -------
    SampleData
        The files written.

    Raises
    ------
    ConfigError
        ``days`` is not a whole number of at least 2.
    """
    if int(days) != days or days < 2:
        raise ConfigError(f"days must be a whole number >= 2 (the first day has no FuXi-like "
                          f"forecast), not {days!r}")
    directory = Path(directory)
    inits = fuxi_inits(start, days)
    world = extended_world(start, days, met_resolution, seed, spinup_days, inits)
    raw = write_raw_downloads(directory, world, start, days, cams_resolution)
    grid = global_grid(cams_resolution)
    fuxi = [_write_netcdf(lexicon_layout(regrid(world.fuxi.sel(init_time=[init]), grid)),
                          directory / "fuxi" / f"fuxi_{init:%Y-%m-%dT%H}.nc")
            for init in inits]
    period = slice(pd.Timestamp(start), pd.Timestamp(start) + pd.Timedelta(days=days, hours=-12))
    truth = _surface_truth(regrid(world.cams.sel(time=period), grid),
                           regrid(world.era5[["t"]].sel(time=period), grid))
    rng = np.random.default_rng(seed)
    folder = directory / "stations"
    openaq = _write_text(_openaq_table(truth, _places(stations, rng), rng),
                         folder / "openaq.csv", ",")
    places = _places(max(1, stations // 2), rng, EUROPE)
    eea, metadata = _eea_tables(truth, places, rng)
    return SampleData(raw, fuxi, openaq, _write_text(eea, folder / "eea.csv", ","),
                      _write_text(metadata, folder / "eea_metadata.csv", "\t"), start, days)


def _write_netcdf(ds: xr.Dataset, path: Path) -> Path:
    encoding = {name: {"zlib": True, "complevel": 1} for name in ds.data_vars}
    with atomic_path(path) as partial:
        ds.to_netcdf(partial, encoding=encoding)
    return path


def _write_text(frame: pd.DataFrame, path: Path, separator: str) -> Path:
    with atomic_path(path) as partial:
        frame.to_csv(partial, sep=separator, index=False)
    return path


def _surface_truth(cams: xr.Dataset, met: xr.Dataset) -> xr.Dataset:
    """The surface concentrations (ug m-3) of the observed pollutants, computed."""
    return xr.Dataset({name: surface_concentration(cams, name, met)
                       for name in OPENAQ_PARAMETERS}).compute()


WORLD = ((-60.0, 70.0), (-180.0, 180.0))
"""Latitude and longitude ranges of the OpenAQ-like stations."""


def _places(count: int, rng: np.random.Generator,
            box: tuple[tuple[float, float], tuple[float, float]] = WORLD) -> xr.Dataset:
    """``count`` station positions drawn in ``box``."""
    (south, north), (west, east) = box
    latitude = rng.uniform(south, north, count).round(4)
    longitude = rng.uniform(west, east, count).round(4)
    return xr.Dataset(coords={"latitude": ("station", latitude),
                              "longitude": ("station", longitude % 360.0)})


def _observed(truth: xr.Dataset, places: xr.Dataset, rng: np.random.Generator) -> xr.Dataset:
    """``truth`` at ``places`` with the representativeness error, ``(station, time)``."""
    at = interpolate(truth, places).transpose("station", "time")
    return at.map(lambda da: da * np.exp(rng.normal(0.0, ERROR, da.shape)))


def _openaq_table(truth: xr.Dataset, places: xr.Dataset, rng: np.random.Generator
                  ) -> pd.DataFrame:
    observed = _observed(truth, places, rng)
    longitude = (places["longitude"].values + 180.0) % 360.0 - 180.0
    rows = []
    for i in range(places.sizes["station"]):
        location_id = 1000 + 37 * i
        offset = pd.Timedelta(hours=int(round(longitude[i] / 15.0)))
        for k, (name, (parameter, units)) in enumerate(OPENAQ_PARAMETERS.items()):
            values = observed[name].values[i]
            if units == "ppm":
                values = values / volume_ratio_to_concentration(1e-6, name)
            for time, value in zip(observed["time"].values, values, strict=True):
                local = pd.Timestamp(time).tz_localize("UTC").tz_convert(
                    _fixed_zone(offset)).isoformat()
                rows.append((location_id, 10 * location_id + k, f"Toy Site {i + 1:02d}",
                             local, places["latitude"].values[i], round(longitude[i], 4),
                             parameter, units, _rounded(value)))
    frame = pd.DataFrame(rows, columns=["location_id", "sensors_id", "location", "datetime",
                                        "lat", "lon", "parameter", "units", "value"])
    return frame[rng.random(len(frame)) >= MISSING]


def _rounded(value: float) -> float:
    """``value`` to three significant digits, as a provider's table gives it."""
    return float(f"{value:.3g}")


def _fixed_zone(offset: pd.Timedelta) -> str:
    hours = int(offset / pd.Timedelta(hours=1))
    return f"Etc/GMT{-hours:+d}" if hours else "UTC"


def _eea_tables(truth: xr.Dataset, places: xr.Dataset, rng: np.random.Generator
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    observed = _observed(truth, places, rng)
    longitude = (places["longitude"].values + 180.0) % 360.0 - 180.0
    codes = [f"XT{1001 + i:04d}A" for i in range(places.sizes["station"])]
    zone = "+01:00"
    rows, meta = [], []
    for i, code in enumerate(codes):
        for name, (pollutant, number) in EEA_POLLUTANTS.items():
            vocabulary = f"http://dd.eionet.europa.eu/vocabulary/aq/pollutant/{number}"
            for time, value in zip(observed["time"].values, observed[name].values[i],
                                   strict=True):
                end = pd.Timestamp(time) + pd.Timedelta(hours=1)
                valid = rng.random() >= MISSING
                rows.append(("XT", "XT.TOY.AQD", "NET_XT001A", f"STA_{code}", code,
                             f"SP_{code}_{number}", pollutant, vocabulary, "hour",
                             _rounded(value) if valid else -999, "µg/m3",
                             f"{end - pd.Timedelta(hours=1):%Y-%m-%d %H:%M:%S} {zone}",
                             f"{end:%Y-%m-%d %H:%M:%S} {zone}", 1 if valid else -1, 2))
            meta.append(("XT", "http://dd.eionet.europa.eu/vocabulary/aq/timezone/UTC+01",
                         f"STA_{code}", code, vocabulary, "EPSG:4979",
                         round(longitude[i], 4), places["latitude"].values[i], 100,
                         "automatic", "background", "rural"))
    frame = pd.DataFrame(rows, columns=[
        "Countrycode", "Namespace", "AirQualityNetwork", "AirQualityStation",
        "AirQualityStationEoICode", "SamplingPoint", "AirPollutant", "AirPollutantCode",
        "AveragingTime", "Concentration", "UnitOfMeasurement", "DatetimeBegin", "DatetimeEnd",
        "Validity", "Verification"])
    metadata = pd.DataFrame(meta, columns=[
        "Countrycode", "Timezone", "AirQualityStation", "AirQualityStationEoICode",
        "AirPollutantCode", "Projection", "Longitude", "Latitude", "Altitude",
        "MeasurementType", "AirQualityStationType", "AirQualityStationArea"])
    return frame, metadata
