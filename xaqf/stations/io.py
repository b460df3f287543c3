"""Reading station observations into xaqf's canonical ``(station, time)`` layout.

:func:`open_stations` reads, as distributed:

* **netCDF time series** (CF ``featureType: timeSeries``), e.g. OpenAQ extracts
  (``station_id`` x ``time``, ``pm25`` in ``µg/m³``, station coordinates ``x``/``y`` with
  ``standard_name`` longitude/latitude) and pyaerocom colocated files such as the
  CAMS2_83 evaluation (``data_source`` x ``time`` x ``station_name``, ``concpm25``); in the
  latter the observations are the *first* ``data_source`` (pyaerocom's order: observations,
  then model), their units the first entry of ``var_units``;
* the **OpenAQ CSV** archive export (narrow: ``location_id, sensors_id, location, datetime,
  lat, lon, parameter, units, value``), one station per ``location_id``;
* the **EEA air-quality download CSV** (E1a/E2a time series: ``AirQualityStationEoICode``,
  ``AirPollutant``, ``Concentration``, ``UnitOfMeasurement``, ``DatetimeBegin``,
  ``DatetimeEnd``, ``Validity``...), with the station coordinates from the EEA station
  metadata table (``PanEuropean_metadata.csv``, tab-separated: ``AirQualityStationEoICode``,
  ``Longitude``, ``Latitude``, ``Altitude``...). Rows with ``Validity`` <= 0 are dropped.

Decisions: times are UTC and label the *end* of the averaging interval (OpenAQ's
``datetime``, the EEA's ``DatetimeEnd``); concentrations are converted to ``ug m-3``
(:data:`xaqf.products.surface.UNITS`, the unit of
:func:`xaqf.products.surface.surface_concentration`);
longitudes are kept in [-180, 180). Gases given as volume ratios (``ppb``, ``ppm``...) are
converted at reference conditions, ``volume_reference`` (default
:data:`xaqf.products.surface.REFERENCE_CONDITIONS`, 293.15 K and 101 325 Pa; the files give no
temperature or pressure), recorded in each such variable's ``xaqf_converted_from``.

Values that are no measurement: the "no data" codes of the formats
(:data:`SENTINELS`: OpenAQ's -999, the -9999 and -9900 of EEA and hand-made exports, 9999
and 99999), and values outside the physical range of :data:`OBSERVATION_RANGES` once in
``ug m-3`` (negative concentrations, which instruments report below their detection limit,
and impossible peaks), are masked (NaN) and never scored; a :class:`~xaqf.errors.DataWarning`
gives their count, the first station and time, and each variable's ``xaqf_masked``
attribute the counts. Station coordinates outside the globe (latitude beyond +-90, longitude
outside -180..360, or missing), one identifier at two places (an OpenAQ ``location_id`` in
two cities) or twice along the station axis, and unparseable times are refused with an error
naming the station, row or value.

Examples
--------
>>> import numpy as np, pandas as pd
>>> ds = station_dataset({"pm2p5": (np.ones((1, 2)), "ug m-3")}, ["S1"], [40.4], [-3.7],
...                      pd.date_range("2020-08-01", periods=2, freq="h"))
>>> dict(ds.sizes), ds.attrs["featureType"], ds["pm2p5"].attrs["units"]
({'station': 1, 'time': 2}, 'timeSeries', 'ug m-3')
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from xaqf.errors import (
    DataWarning,
    InvalidValueError,
    LayoutError,
    MissingVariableError,
    UnitError,
)
from xaqf.products.surface import REFERENCE_CONDITIONS, SURFACE_VARIABLES, UNITS, to_surface_units

__all__ = ["OBSERVATION_RANGES", "PARAMETERS", "SENTINELS", "open_stations", "read_eea_csv",
           "read_openaq_csv", "station_dataset"]

PARAMETERS: dict[str, str] = {
    **{name: name for name in SURFACE_VARIABLES},
    "pm25": "pm2p5", "o3": "go3",
    "concpm1": "pm1", "concpm25": "pm2p5", "concpm10": "pm10", "concno2": "no2",
    "concso2": "so2", "conco3": "go3", "concco": "co", "concno": "no",
}
"""Pollutant spellings of OpenAQ, the EEA and pyaerocom (lower case, dots removed) and the
canonical names they stand for."""

SENTINELS: tuple[float, ...] = (-999.0, -9999.0, -9900.0, 9999.0, 99999.0)
"""Values the observation formats write for "no data" (OpenAQ's -999, the EEA's and
hand-made exports' -9999, -9900, 9999, 99999), in the file's own units; masked."""

OBSERVATION_RANGES: dict[str, tuple[float, float]] = {
    **{name: (0.0, 1e5) for name in SURFACE_VARIABLES}, "co": (0.0, 1e6)}
"""Physically possible observed concentrations, ``ug m-3`` (100 mg m-3; 1 g m-3 for CO):
wider than any dust storm, fire or volcanic plume measured at the ground; values outside
are masked."""

_COLOCATION_DEGREES = 0.01
"""Rows of one station identifier further apart than this (about 1 km) are two stations."""

_OPENAQ_COLUMNS = {"location_id", "datetime", "lat", "lon", "parameter", "units", "value"}
_EEA_COLUMNS = {"AirQualityStationEoICode", "AirPollutant", "Concentration",
                "UnitOfMeasurement", "DatetimeEnd"}
_META_COLUMNS = {"AirQualityStationEoICode", "Longitude", "Latitude"}


def canonical_name(parameter: str) -> str | None:
    """Canonical name of a provider's pollutant spelling, or ``None``.

    Examples
    --------
    >>> canonical_name("PM2.5"), canonical_name("concno2"), canonical_name("bc")
    ('pm2p5', 'no2', None)
    """
    return PARAMETERS.get(str(parameter).strip().lower().replace(".", ""))


def station_dataset(data: Mapping[str, tuple[Any, str]], station: Any, latitude: Any,
                    longitude: Any, time: Any, *, source: str = "", what: str = "station file",
                    extra_coords: Mapping[str, Any] | None = None,
                    volume_reference: tuple[float, float] = REFERENCE_CONDITIONS) -> xr.Dataset:
    """Build a canonical station Dataset from ``(station, time)`` arrays and their units.

    Parameters
    ----------
    data
        ``{canonical name: (values (station, time), units)}``.
    station, latitude, longitude
        Station identifiers and coordinates (degrees north/east).
    time
        Times (UTC).
    source
        Written to the ``source`` attribute.
    what
        How to call the input in error messages.
    extra_coords
        Further per-station coordinates (e.g. ``altitude``).
    volume_reference
        ``(temperature K, pressure Pa)`` at which gases given as volume ratios are
        converted (:func:`xaqf.products.surface.to_surface_units`).

    Raises
    ------
    UnitError
        Units that do not convert to ``ug m-3``; the message names ``what`` and the variable.
    InvalidValueError
        A station latitude outside -90..90, a longitude outside -180..360, or either missing.
    LayoutError
        A station identifier given twice.
    """
    station = np.asarray(station).astype(str)
    _check_station_ids(station, what)
    _check_station_coordinates(station, np.asarray(latitude, np.float64),
                               np.asarray(longitude, np.float64), what)
    coords: dict[str, Any] = {
        "station": ("station", station, {"cf_role": "timeseries_id", "long_name": "station"}),
        "time": ("time", pd.DatetimeIndex(time).values, {"standard_name": "time"}),
        "latitude": ("station", np.asarray(latitude, np.float64),
                     {"units": "degrees_north", "standard_name": "latitude"}),
        "longitude": ("station", (np.asarray(longitude, np.float64) + 180.0) % 360.0 - 180.0,
                      {"units": "degrees_east", "standard_name": "longitude"}),
    }
    for name, values in (extra_coords or {}).items():
        coords[name] = ("station", np.asarray(values))
    variables = {}
    for name, (values, units) in data.items():
        raw = np.asarray(values, np.float64)
        sentinel = np.isin(raw, SENTINELS)
        converted = to_surface_units(
            xr.DataArray(np.where(sentinel, np.nan, raw), dims=("station", "time"),
                         attrs={"units": units}),
            name, what=f"{what}: {name!r}", volume_reference=volume_reference)
        variables[name] = _mask_impossible(converted, sentinel, station, coords["time"][1],
                                           f"{what}: {name!r}")
    return xr.Dataset(variables, coords=coords, attrs={
        "featureType": "timeSeries", "Conventions": "CF-1.8", "source": source,
        "units": UNITS})


def _check_station_ids(station: np.ndarray, what: str) -> None:
    names, counts = np.unique(station, return_counts=True)
    if (counts > 1).any():
        twice = names[counts > 1].tolist()
        raise LayoutError(f"{what}: station identifier(s) {twice[:5]} appear more than once "
                          f"along the station axis; give each station one identifier (drop "
                          f"or rename the duplicates)")


def _check_station_coordinates(station: np.ndarray, latitude: np.ndarray,
                               longitude: np.ndarray, what: str) -> None:
    bad = ~((np.abs(latitude) <= 90.0) & (longitude >= -180.0) & (longitude <= 360.0))
    if bad.any():
        i = int(np.argmax(bad))
        raise InvalidValueError(
            f"{what}: station {str(station[i])!r} is at latitude {latitude[i]:g}, longitude "
            f"{longitude[i]:g}, not on the globe ({int(bad.sum())} station(s) in all; latitude "
            f"must lie in -90..90, longitude in -180..360): fix or drop them")


def _mask_impossible(da: xr.DataArray, sentinel: np.ndarray, station: np.ndarray,
                     time: np.ndarray, what: str) -> xr.DataArray:
    """``da`` (``ug m-3``) without the sentinel values and those outside the variable's
    :data:`OBSERVATION_RANGES`, with a DataWarning counting them."""
    low, high = OBSERVATION_RANGES[str(da.name)]
    values = da.values
    outside = (values < low) | (values > high)
    masked = sentinel | outside
    if not masked.any():
        return da
    i, j = np.unravel_index(int(np.argmax(masked)), masked.shape)
    counts = f"{int(sentinel.sum())} no-data value(s) {list(SENTINELS)}, " \
             f"{int(outside.sum())} outside {low:g}..{high:g} {UNITS}"
    warnings.warn(f"{what}: masked {counts} (first at station {str(station[i])!r}, "
                  f"{pd.Timestamp(time[j])}); they are not measurements and are not scored",
                  DataWarning, stacklevel=4)
    return da.where(~masked).assign_attrs(xaqf_masked=counts)


def open_stations(path: str | os.PathLike[str], *, metadata: str | os.PathLike[str] | None = None,
                  volume_reference: tuple[float, float] = REFERENCE_CONDITIONS) -> xr.Dataset:
    """Open station observations (netCDF, OpenAQ CSV or EEA CSV) as a canonical Dataset.

    Parameters
    ----------
    path
        A netCDF file (``.nc``) or a CSV (``.csv``, ``.csv.gz``).
    metadata
        For EEA CSVs: the EEA station metadata table giving the station coordinates.
    volume_reference
        ``(temperature K, pressure Pa)`` at which gases given as volume ratios (``ppb``,
        ``ppm``...) become ``ug m-3`` (see the module notes; the US EPA's are
        ``(298.15, 101325.0)``).

    Returns
    -------
    xarray.Dataset
        Dims ``(station, time)``, coordinates ``station``, ``time``, ``latitude`` and
        ``longitude`` (per station), variables with canonical names (``pm2p5``, ``pm10``,
        ``no2``, ``so2``, ``go3``...) in ``ug m-3``, attribute ``featureType: timeSeries``.

    Raises
    ------
    FileNotFoundError
        No such file.
    LayoutError
        A file without station coordinates, or a CSV of no known layout.
    MissingVariableError
        No pollutant xaqf knows.
    UnitError
        Unknown or unconvertible units (a volume ratio of particulate matter).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "openaq.csv"
    >>> _ = csv.write_text(
    ...     "location_id,sensors_id,location,datetime,lat,lon,parameter,units,value\\n"
    ...     "1,10,A,2020-08-01T01:00:00+02:00,40.4,-3.7,pm25,µg/m³,12.0\\n")
    >>> obs = open_stations(csv)
    >>> obs["pm2p5"].values.tolist(), str(obs.time.values[0])[:19]
    ([[12.0]], '2020-07-31T23:00:00')
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such station file: {path}")
    if path.suffix in {".nc", ".nc4", ".cdf"}:
        return _open_netcdf(path, volume_reference)
    if path.name.endswith((".csv", ".csv.gz", ".txt")):
        columns = set(_read_table(path, nrows=0).columns)
        if _OPENAQ_COLUMNS <= columns:
            return read_openaq_csv(path, volume_reference=volume_reference)
        if _EEA_COLUMNS <= columns:
            return read_eea_csv(path, metadata, volume_reference=volume_reference)
        raise LayoutError(f"{path}: a CSV of no known layout (columns {sorted(columns)}); "
                          f"xaqf reads the OpenAQ export ({sorted(_OPENAQ_COLUMNS)}) and the "
                          f"EEA download ({sorted(_EEA_COLUMNS)})")
    raise LayoutError(f"{path}: unknown station file type {path.suffix!r}; give a netCDF "
                      f"(.nc) or CSV (.csv) file")


def _read_table(path: Path, **kwargs: Any) -> pd.DataFrame:
    """A CSV or tab-separated table (the separator is sniffed)."""
    return pd.read_csv(path, sep=None, engine="python", encoding="utf-8-sig", **kwargs)


def _utc(times: pd.Series, path: Path) -> pd.DatetimeIndex:
    """``times`` (strings with or without UTC offsets) as naive UTC times.

    Raises
    ------
    LayoutError
        A time that cannot be read; the message names its row (as in the file, 1 the
        header) and column.
    """
    parsed = pd.to_datetime(times, utc=True, errors="coerce", format="ISO8601")
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise LayoutError(f"{path}: row {int(times.index[row]) + 2}: {times.name} "
                          f"{times.iloc[row]!r} is not a date and time ({int(bad.sum())} such "
                          f"row(s)); write them as ISO 8601, e.g. 2020-08-01T01:00:00+02:00")
    return pd.DatetimeIndex(parsed).tz_convert(None)


def _numbers(values: pd.Series, path: Path) -> pd.Series:
    """``values`` as floats; LayoutError naming the first row that is not a number."""
    numbers = pd.to_numeric(values, errors="coerce")
    bad = (numbers.isna() & values.notna()).to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise LayoutError(f"{path}: row {int(values.index[row]) + 2}: {values.name} "
                          f"{values.iloc[row]!r} is not a number ({int(bad.sum())} such "
                          f"row(s)); leave missing values empty")
    return numbers


def _from_long(frame: pd.DataFrame, coords: pd.DataFrame, path: Path,
               extra: list[str], volume_reference: tuple[float, float]) -> xr.Dataset:
    """Canonical Dataset from a narrow table (station, time, name, units, value)."""
    frame = frame[frame["name"].notna()]
    if frame.empty:
        raise MissingVariableError(f"{path}: no pollutant xaqf knows; known spellings "
                                   f"{sorted(PARAMETERS)}")
    stations = sorted(frame["station"].unique())
    times = np.sort(frame["time"].unique())
    data = {}
    for name, rows in frame.groupby("name"):
        units = rows["units"].unique()
        if len(units) != 1:
            raise UnitError(f"{path}: {name!r} comes in several units {list(units)}; split "
                            f"the file by units")
        table = rows.pivot_table(index="station", columns="time", values="value",
                                 aggfunc="mean").reindex(index=stations, columns=times)
        data[str(name)] = (table.values, str(units[0]))
    located = coords.reindex(stations)
    return station_dataset(data, stations, located["latitude"].values,
                           located["longitude"].values, times, source=str(path), what=str(path),
                           extra_coords={k: located[k].values for k in extra},
                           volume_reference=volume_reference)


def read_openaq_csv(path: str | os.PathLike[str], *,
                    volume_reference: tuple[float, float] = REFERENCE_CONDITIONS) -> xr.Dataset:
    """Read an OpenAQ CSV export (narrow, one row per measurement); see :func:`open_stations`.

    Raises
    ------
    LayoutError
        Columns missing.
    """
    path = Path(path)
    frame = _read_table(path, dtype={"location_id": str})
    missing = _OPENAQ_COLUMNS - set(frame.columns)
    if missing:
        raise LayoutError(f"{path}: not an OpenAQ export, columns {sorted(missing)} missing")
    frame = frame.assign(station=frame["location_id"],
                         time=_utc(frame["datetime"], path).values,
                         name=frame["parameter"].map(canonical_name),
                         value=_numbers(frame["value"], path),
                         lat=_numbers(frame["lat"], path), lon=_numbers(frame["lon"], path))
    _refuse_one_id_at_two_places(frame, path)
    coords = frame.groupby("station")[["lat", "lon"]].first().rename(
        columns={"lat": "latitude", "lon": "longitude"})
    if "location" in frame:
        coords["station_name"] = frame.groupby("station")["location"].first()
    return _from_long(frame, coords, path, [c for c in ("station_name",) if c in coords],
                      volume_reference)


def _refuse_one_id_at_two_places(frame: pd.DataFrame, path: Path) -> None:
    """LayoutError naming an OpenAQ ``location_id`` whose rows lie at two places."""
    grouped = frame.groupby("station")[["lat", "lon"]]
    spread = grouped.max() - grouped.min()
    apart = spread.index[(spread > _COLOCATION_DEGREES).any(axis=1)]
    if apart.empty:
        return
    rows = frame[frame["station"] == apart[0]].drop_duplicates(["lat", "lon"])
    places = "; ".join(f"{row.get('location', '?')!s} at {row['lat']:g}, {row['lon']:g}"
                       for _, row in rows.head(3).iterrows())
    raise LayoutError(f"{path}: location_id {apart[0]!r} names stations at different places "
                      f"({places}); {len(apart)} such id(s): two stations would be averaged "
                      f"into one. Split the file, or give each station its own location_id")


def read_eea_csv(path: str | os.PathLike[str],
                 metadata: str | os.PathLike[str] | None = None, *,
                 volume_reference: tuple[float, float] = REFERENCE_CONDITIONS) -> xr.Dataset:
    """Read an EEA air-quality download CSV with its station metadata; see :func:`open_stations`.

    Raises
    ------
    LayoutError
        No ``metadata`` (the time-series CSV holds no coordinates), or stations absent from it.
    """
    path = Path(path)
    if metadata is None:
        raise LayoutError(f"{path}: EEA time-series CSVs carry no station coordinates; pass "
                          f"metadata= (or --station-metadata) with the EEA station metadata "
                          f"table (PanEuropean_metadata.csv)")
    frame = _read_table(path, dtype={"AirQualityStationEoICode": str})
    if "Validity" in frame:
        frame = frame[pd.to_numeric(frame["Validity"], errors="coerce") > 0]
    frame = frame.assign(station=frame["AirQualityStationEoICode"],
                         time=_utc(frame["DatetimeEnd"], path).values,
                         name=frame["AirPollutant"].map(canonical_name),
                         units=frame["UnitOfMeasurement"],
                         value=_numbers(frame["Concentration"], path))
    meta = _read_table(Path(metadata), dtype={"AirQualityStationEoICode": str})
    if not _META_COLUMNS <= set(meta.columns):
        raise LayoutError(f"{metadata}: not an EEA station metadata table, columns "
                          f"{sorted(_META_COLUMNS - set(meta.columns))} missing")
    coords = meta.groupby("AirQualityStationEoICode")[
        [c for c in ("Latitude", "Longitude", "Altitude") if c in meta]].first()
    coords.columns = coords.columns.str.lower()
    absent = sorted(set(frame["station"]) - set(coords.index))
    if absent:
        raise LayoutError(f"{path}: stations {absent[:5]} have no coordinates in {metadata}; "
                          f"give the metadata table covering them")
    return _from_long(frame, coords, path, [c for c in ("altitude",) if c in coords],
                      volume_reference)


def _open_netcdf(path: Path, volume_reference: tuple[float, float]) -> xr.Dataset:
    raw = xr.open_dataset(path)
    names = {str(v): str(canonical_name(str(v))) for v in raw.data_vars
             if canonical_name(str(v)) is not None}
    if not names:
        raise MissingVariableError(f"{path}: no pollutant xaqf knows among "
                                   f"{sorted(map(str, raw.data_vars))}")
    first = raw[next(iter(names))]
    if "data_source" in first.dims:
        raw = raw.isel(data_source=0)
    dim = _station_dim(raw[next(iter(names))], path)
    lat, lon = (_station_coord(raw, dim, axis, path) for axis in ("latitude", "longitude"))
    data = {}
    for var, name in names.items():
        da = raw[var].transpose(dim, "time")
        data[name] = (da.values, _units(raw[var], path))
    extra = {c: raw[c].values for c in ("altitude",) if c in raw.coords}
    return station_dataset(data, raw[dim].values, lat, lon, raw["time"].values,
                           source=str(path), what=str(path), extra_coords=extra,
                           volume_reference=volume_reference)


def _station_dim(da: xr.DataArray, path: Path) -> str:
    others = [str(d) for d in da.dims if d != "time"]
    if "time" not in da.dims or len(others) != 1:
        raise LayoutError(f"{path}: {da.name!r} has dims {da.dims}; station files need "
                          f"(station, time)")
    return others[0]


def _station_coord(ds: xr.Dataset, dim: str, axis: str, path: Path) -> np.ndarray:
    short = {"latitude": ("lat", "y"), "longitude": ("lon", "x")}[axis]
    for name, coord in ds.variables.items():
        if coord.dims != (dim,):
            continue
        if coord.attrs.get("standard_name") == axis or str(name) in (axis, *short):
            return np.asarray(coord.values, np.float64)
    raise LayoutError(f"{path}: no {axis} of the stations (a variable along {dim!r} with "
                      f"standard_name {axis!r} or named {axis!r}/{short[0]!r}); add the "
                      f"station coordinates to the file")


def _units(da: xr.DataArray, path: Path) -> str:
    units = da.attrs.get("units") or da.attrs.get("var_units")
    if isinstance(units, list | tuple | np.ndarray):
        units = units[0]
    if not units:
        raise UnitError(f"{path}: {da.name!r} has no units (neither 'units' nor "
                        f"'var_units'); set da.attrs['units'], e.g. 'ug m-3'")
    return str(units)
