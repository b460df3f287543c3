"""Reading CAMS, ERA5 and other weather files into xaqf's canonical layout.

:func:`standardize` maps the names, dimensions, orientation and units that real ECMWF
files use to the canonical layout (``docs/data-conventions.rst``); :func:`open_cams`,
:func:`open_met` and :func:`open_static` open netCDF, zarr or GRIB files and standardize
them. Everything stays lazy on dask-backed input: only coordinates are read.

Files xaqf cannot use are refused with a :class:`~xaqf.errors.LayoutError` saying why:
model levels instead of pressure levels, no time axis (monthly climatologies), station or
single-point data instead of a latitude/longitude grid.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> raw = xr.Dataset(
...     {"gtco3": (("valid_time", "latitude", "longitude"), np.ones((1, 2, 3)),
...                {"units": "kg m**-2"})},
...     coords={"valid_time": pd.to_datetime(["2020-07-01"]), "latitude": [-45.0, 45.0],
...             "longitude": [-120.0, 0.0, 120.0], "expver": "0001"})
>>> ds = standardize(raw, "cams")
>>> ds["gtco3"].dims, ds["gtco3"].dtype.name, ds["gtco3"].attrs["units"]
(('time', 'latitude', 'longitude'), 'float32', 'kg m-2')
>>> ds.latitude.values.tolist(), ds.longitude.values.tolist()
([45.0, -45.0], [0.0, 120.0, 240.0])
"""

from __future__ import annotations

import glob
import importlib.util
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import cf_xarray  # noqa: F401  (registers ds.cf)
import numpy as np
import pandas as pd
import xarray as xr

from xaqf._utils.sources import sources_of, with_sources
from xaqf.data.extra_met import KNOWN_MET, KNOWN_VARIABLES
from xaqf.data.lexicon import from_lexicon, is_lexicon
from xaqf.data.presets import MetPreset, apply_preset
from xaqf.data.units import conversion, convert, to_canonical
from xaqf.errors import (
    ConfigError,
    FileError,
    LayoutError,
    MissingDependencyError,
    MissingVariableError,
    UnitError,
)
from xaqf.variables import KIND_VARIABLES, MEMBER_DIM

__all__ = ["VARIABLE_ALIASES", "expand_paths", "open_cams", "open_met", "open_raw",
           "open_static", "standardize", "variables_of_kind"]

PathLike = str | os.PathLike
Paths = PathLike | Iterable[PathLike]

VARIABLE_ALIASES: dict[str, dict[str, str]] = {
    "met": {"2t": "t2m", "10u": "u10", "10v": "v10", "2d": "d2m", "100u": "u100m",
            "100v": "v100m"},
    "static": {"z": "orography"},
}
"""Other names of catalogued variables, by kind: ECMWF GRIB short names (``2t``...) and,
for statics, ERA5's surface geopotential ``z`` (the orography field of the invariants)."""

TIME_DIMS = ("time", "init_time", "lead_time")
MEMBER_NAMES = (MEMBER_DIM, "number", "realization", "ensemble")
"""Names of an ensemble dimension in files: ECMWF's ``number``, CF's ``realization``."""
CANONICAL_DIMS = ("time", "init_time", MEMBER_DIM, "lead_time", "level", "latitude",
                  "longitude")
LEAD_NAMES = ("lead_time", "step", "forecast_period")
INIT_NAMES = ("init_time", "forecast_reference_time", "time")
LEVEL_NAMES = ("pressure_level", "isobaricInhPa", "plev", "lev", "level")
MODEL_LEVEL_NAMES = ("hybrid", "model_level", "model_level_number")
CLIMATOLOGY_DIMS = ("month", "season", "dayofyear", "dayofmonth")
BOOKKEEPING = ("number", "expver", "surface", "step", "forecast_period")
_STATION = re.compile(r"station|site", re.IGNORECASE)

COORD_ATTRS: dict[str, dict[str, str]] = {
    "time": {"standard_name": "time", "long_name": "time", "axis": "T"},
    "init_time": {"standard_name": "forecast_reference_time", "long_name": "initial time"},
    "lead_time": {"standard_name": "forecast_period", "long_name": "lead time"},
    MEMBER_DIM: {"standard_name": "realization", "long_name": "ensemble member number",
                 "units": "1"},
    "valid_time": {"standard_name": "time", "long_name": "valid time"},
    "level": {"units": "hPa", "standard_name": "air_pressure", "long_name": "pressure level",
              "positive": "down", "axis": "Z"},
    "latitude": {"units": "degrees_north", "standard_name": "latitude",
                 "long_name": "latitude", "axis": "Y"},
    "longitude": {"units": "degrees_east", "standard_name": "longitude",
                  "long_name": "longitude", "axis": "X"},
}
"""CF attributes that :func:`standardize` sets on the canonical coordinates."""


def variables_of_kind(kind: str) -> tuple[str, ...]:
    """Catalogued variable names of ``kind`` (``"cams"``/``"pollutant"``, ``"met"``,
    ``"static"``).

    Examples
    --------
    >>> variables_of_kind("static")
    ('orography', 'lsm')
    """
    try:
        return KIND_VARIABLES[kind]
    except KeyError:
        raise ConfigError(f"kind must be one of {sorted(KIND_VARIABLES)}, not {kind!r}") from None


def standardize(ds: xr.Dataset | xr.DataArray, kind: str, *, assume_units: bool = False
                ) -> xr.Dataset:
    """Bring ``ds`` to xaqf's canonical layout, keeping the catalogued variables of ``kind``
    (for ``"met"``, also those of :data:`xaqf.data.extra_met.EXTRA_MET`: ``q``, ``w``...).

    Renames time, level and latitude/longitude coordinates (``valid_time``,
    ``pressure_level``, ``isobaricInhPa``, ``plev``, ``lat``/``lon`` via cf-xarray...);
    turns forecast ``(time, step)`` into ``(init_time, lead_time)`` with a ``valid_time``
    coordinate; converts levels to hPa (ascending) and data to catalogue units (float32);
    orders latitude descending and longitude in [0, 360) ascending (by rolling, never by
    interpolation); keeps an ensemble dimension (``number``, ``realization``, ``ensemble``)
    as ``member`` with integer labels (squeezed when of length 1); drops bookkeeping
    scalars (``number``, ``expver``, ``surface``...) and size-1 extra dimensions. Lazy:
    dask-backed data are not computed.

    Parameters
    ----------
    ds
        Data as opened from a file. For ``kind="met"``, also earth2studio's layouts
        (arrays named ``u500``, ``t2m``, ``u10m``..., or a DataArray stacked along
        ``variable``; see :mod:`xaqf.data.lexicon`), with the lexicon's units.
    kind
        ``"cams"`` (pollutants), ``"met"`` or ``"static"``.
    assume_units
        Take data variables without a ``units`` attribute as already in catalogue units
        (see :func:`xaqf.data.units.to_canonical`); by default they raise UnitError.

    Returns
    -------
    xarray.Dataset
        Dims ordered ``(time | init_time, [member], lead_time, level, latitude,
        longitude)``.

    Raises
    ------
    LayoutError
        Model levels, no time axis, station/point data, leftover dimensions.
    MissingVariableError
        None of the catalogued variables of ``kind`` is present.
    UnitError
        Missing, unknown or non-convertible units.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> raw = xr.Dataset({"t": (("time", "level", "lat", "lon"), np.full((1, 2, 2, 2), 280.0),
    ...                         {"units": "K"})},
    ...                  coords={"time": [np.datetime64("2007-01-01T12", "ns")],
    ...                          "level": ("level", [850, 500], {"units": "millibars"}),
    ...                          "lat": [0.0, 10.0], "lon": [0.0, 1.0]})
    >>> ds = standardize(raw, "met")
    >>> ds["t"].dims, ds.level.values.tolist()
    (('time', 'level', 'latitude', 'longitude'), [500.0, 850.0])
    """
    names = KNOWN_MET if kind == "met" else variables_of_kind(kind)
    sources = sources_of(ds)
    if kind == "met" and is_lexicon(ds):
        ds = from_lexicon(ds)
    if isinstance(ds, xr.DataArray):
        ds = ds.to_dataset()
    _refuse_unusable(ds)
    ds = _checked_times(_rename_time(ds, required=kind != "static"))
    ds = _rename_level(ds)
    ds = _rename_horizontal(ds)
    ds = standard_members(ds)
    ds = _drop_bookkeeping(ds)
    allowed = ("latitude", "longitude") if kind == "static" else CANONICAL_DIMS
    data = {
        name: _standardize_variable(ds[source], name, allowed, assume_units)
        for source, name in _select_variables(ds, names, VARIABLE_ALIASES.get(kind, {}))
    }
    out = xr.Dataset(data, attrs=ds.attrs)
    out = _canonical_grid(out)
    return with_sources(_with_coord_attrs(out).drop_encoding(), sources)


def _refuse_unusable(ds: xr.Dataset) -> None:
    climatology = [d for d in ds.dims if d in CLIMATOLOGY_DIMS]
    if climatology:
        raise LayoutError(
            f"no time axis: dimension {climatology[0]!r} (a climatology, e.g. monthly means) "
            f"instead of 'time'/'valid_time' with dates. xaqf needs dated time steps; "
            f"download the time series instead of the climatology"
        )
    stations = [d for d in ds.dims if _STATION.search(str(d))]
    if stations or ds.attrs.get("featureType") in ("timeSeries", "point", "timeSeriesProfile"):
        raise LayoutError(
            f"station data (dims {list(ds.dims)}): xaqf works on latitude/longitude grids, "
            f"not on stations. To compare with stations, interpolate xaqf's gridded output "
            f"to them, e.g. forecast.interp(latitude=..., longitude=...)"
        )
    model = [n for n in MODEL_LEVEL_NAMES if n in ds.dims]
    if model:
        raise _model_levels(model[0], ds[model[0]])


def _model_levels(name: str, coord: xr.DataArray) -> LayoutError:
    values = coord.values
    return LayoutError(
        f"{name!r} holds {values.size} model levels ({values.min()}..{values.max()}), not "
        f"pressure levels. xaqf works on the pressure levels of xaqf.variables."
        f"PRESSURE_LEVELS: download the pressure-level product (e.g. 'CAMS global "
        f"reanalysis (EAC4)' with 'pressure_level') instead of model levels"
    )


def _rename_time(ds: xr.Dataset, required: bool) -> xr.Dataset:
    lead = next((n for n in LEAD_NAMES if n in ds.dims), None)
    if lead is not None:
        return _forecast_axes(ds, lead)
    ds = _valid_time_as_dim(ds)
    if "valid_time" in ds.coords:  # the time the data are valid at wins over a reference time
        ds = ds.drop_vars([n for n in INIT_NAMES if n in ds.coords]).rename(valid_time="time")
    if "time" in ds.coords and "time" not in ds.dims:
        ds = ds.expand_dims("time")
    if required and "time" not in ds.dims:
        raise LayoutError(
            f"no time axis: none of 'time', 'valid_time' among the dims {list(ds.dims)}. "
            f"xaqf needs dated time steps; add one with ds.expand_dims(time=[...])"
        )
    return ds


def _checked_times(ds: xr.Dataset) -> xr.Dataset:
    """Refuse undated (numbers without units), missing (NaT) or duplicated times; sort the
    others ascending."""
    for name in ("time", "init_time"):
        if name not in ds.dims:
            continue
        values = ds[name].values
        if not np.issubdtype(values.dtype, np.datetime64):
            raise LayoutError(
                f"the {name!r} coordinate holds numbers ({values.dtype}: {values[:3].tolist()}"
                f"...), not dates: it has no CF 'units' attribute. Set it, e.g. ds[{name!r}]"
                f".attrs['units'] = 'hours since 2020-01-01', then xr.decode_cf(ds)")
        index = pd.DatetimeIndex(values)
        if index.hasnans:
            raise LayoutError(f"the {name!r} coordinate has {int(index.isna().sum())} missing "
                              f"(NaT) time(s); drop them, e.g. ds.dropna({name!r}, how='all')")
        if index.has_duplicates:
            twice = index[index.duplicated()].unique()
            raise LayoutError(
                f"duplicated {name} value(s) {[str(t.isoformat()) for t in twice[:5]]} "
                f"(overlapping files?); drop the repeats, e.g. ds.drop_duplicates({name!r})")
        if not index.is_monotonic_increasing:
            ds = ds.sortby(name)
    return ds


def _valid_time_as_dim(ds: xr.Dataset) -> xr.Dataset:
    """cfgrib-style files index by reference ``time`` and carry ``valid_time`` along it."""
    valid = ds.coords.get("valid_time")
    if valid is None or valid.ndim != 1 or valid.dims[0] == "valid_time":
        return ds
    dim = valid.dims[0]
    return ds.swap_dims({dim: "valid_time"}).drop_vars(dim)


def _forecast_axes(ds: xr.Dataset, lead: str) -> xr.Dataset:
    init = next((n for n in INIT_NAMES if n in ds.dims), None)
    if init is None:
        raise LayoutError(
            f"forecast lead dimension {lead!r} without an initial-time dimension "
            f"(one of {INIT_NAMES}); add it with ds.expand_dims(time=[<init time>])"
        )
    ds = ds.drop_vars("valid_time", errors="ignore").rename({init: "init_time", lead: "lead_time"})
    ds = ds.assign_coords(init_time=ds["init_time"].values.astype("datetime64[ns]"),
                          lead_time=_as_timedelta(ds["lead_time"]))
    return ds.assign_coords(valid_time=ds["init_time"] + ds["lead_time"])


def _as_timedelta(lead: xr.DataArray) -> np.ndarray:
    if np.issubdtype(lead.dtype, np.timedelta64):
        return lead.values.astype("timedelta64[ns]")
    seconds = convert(lead, "s", what="lead_time").values
    return pd.to_timedelta(seconds, unit="s").values


def _rename_level(ds: xr.Dataset) -> xr.Dataset:
    name = next((n for n in LEVEL_NAMES if n in ds.coords), None)
    if name is None:
        return ds
    coord = ds[name]
    units = coord.attrs.get("units", "hPa" if name == "isobaricInhPa" else None)
    if not _is_pressure(units):
        raise _not_pressure(name, coord)
    hpa = convert(coord, "hPa", source_units=units, what=name).values.astype(np.float64)
    ds = ds.drop_vars(name)
    ds = ds.rename_dims({name: "level"}) if name in ds.dims and name != "level" else ds
    ds = ds.assign_coords(level=(("level",) if coord.ndim else (), hpa))
    return ds.sortby("level") if coord.ndim and np.any(np.diff(hpa) < 0) else ds


def _is_pressure(units: str | None) -> bool:
    try:
        return units is not None and conversion(units, "hPa")[0] > 0
    except UnitError:
        return False


def _not_pressure(name: str, coord: xr.DataArray) -> LayoutError:
    values = coord.values
    described = " ".join(str(coord.attrs.get(k, "")) for k in ("long_name", "standard_name"))
    integers = np.issubdtype(values.dtype, np.integer) or np.all(values == np.round(values))
    if re.search(r"model|hybrid|sigma", described) or (
            integers and values.min() >= 1 and values.max() <= 137):
        return _model_levels(name, coord)
    return LayoutError(
        f"coordinate {name!r} has no pressure units (units={coord.attrs.get('units')!r}). "
        f"If its values are pressure levels in hPa, set ds[{name!r}].attrs['units'] = 'hPa'"
    )


def _rename_horizontal(ds: xr.Dataset) -> xr.Dataset:
    found = ds.cf.guess_coord_axis().cf.coordinates
    renames = {}
    for axis in ("latitude", "longitude"):
        names = found.get(axis, [])
        dims = [n for n in names if n in ds.dims]
        if len(dims) != 1:
            raise _not_a_grid(ds, axis, names, dims)
        renames[dims[0]] = axis
    return ds.rename({k: v for k, v in renames.items() if k != v})


def _not_a_grid(ds: xr.Dataset, axis: str, names: list[str], dims: list[str]) -> LayoutError:
    if len(dims) > 1:
        return LayoutError(f"several {axis} dimensions {dims}; keep one (ds.drop_dims(...))")
    if not names:
        return LayoutError(
            f"no {axis} coordinate found (dims {list(ds.dims)}); xaqf works on latitude/"
            f"longitude grids: name the coordinates 'latitude'/'longitude' with CF units"
        )
    coord = ds[names[0]]
    if coord.ndim == 0:
        point = {n: ds[n].values.item() for n in ds.coords if ds[n].ndim == 0}
        what = f"a single point {point}"
    elif coord.ndim == 1:
        what = f"points along {coord.dims[0]!r} (station-like data)"
    else:
        what = f"a curvilinear grid ({axis} is 2-D over {coord.dims}); regrid it first"
    return LayoutError(
        f"{what}, not a latitude/longitude grid: xaqf works on lat/lon grids. To compare "
        f"with points, interpolate xaqf's gridded output, e.g. forecast.interp(latitude=..., "
        f"longitude=...)"
    )


def standard_members(ds: xr.Dataset) -> xr.Dataset:
    """An ensemble dimension (``number``, ``realization``, ``ensemble``) as ``member``,
    labelled by integers; one of length 1 is squeezed (a deterministic forecast).

    Examples
    --------
    >>> ds = xr.Dataset({"t": (("number", "time"), np.zeros((2, 3)))})
    >>> dict(standard_members(ds).sizes)
    {'member': 2, 'time': 3}
    """
    names = [name for name in MEMBER_NAMES if name in ds.dims]
    if not names:
        return ds
    if len(names) > 1:
        raise LayoutError(f"several ensemble dimensions {names}; keep one, e.g. "
                          f"ds.isel({names[1]}=0)")
    name = names[0]
    ds = ds.rename({name: MEMBER_DIM}) if name != MEMBER_DIM else ds
    if ds.sizes[MEMBER_DIM] == 1:
        return ds.squeeze(MEMBER_DIM, drop=True)
    return ds.assign_coords({MEMBER_DIM: _member_labels(ds, name)})


def _member_labels(ds: xr.Dataset, name: str) -> np.ndarray:
    if MEMBER_DIM not in ds.coords:
        return np.arange(ds.sizes[MEMBER_DIM])
    values = ds[MEMBER_DIM].values
    if not np.issubdtype(values.dtype, np.number) or np.any(values != np.round(values)):
        raise LayoutError(
            f"ensemble dimension {name!r} is labelled {values[:5].tolist()}; xaqf labels "
            f"members by integers: relabel them, e.g. ds.assign_coords({name}=range("
            f"{values.size}))")
    return values.astype(np.int64)


def _drop_bookkeeping(ds: xr.Dataset) -> xr.Dataset:
    scalars = [n for n in ds.coords if ds[n].ndim == 0 and n not in ("level", "time")]
    bookkeeping = [n for n in BOOKKEEPING if n in ds.coords and n not in ds.dims]
    return ds.drop_vars(set(scalars) | set(bookkeeping))


def _select_variables(ds: xr.Dataset, names: tuple[str, ...], aliases: Mapping[str, str]
                      ) -> list[tuple[str, str]]:
    present = {aliases.get(str(v), str(v)): str(v) for v in ds.data_vars}
    selected = [(present[name], name) for name in names if name in present]
    if not selected:
        _refuse_other_kind(present, names)
        raise MissingVariableError(
            f"none of the catalogued variables {list(names)} found; the data has "
            f"{sorted(map(str, ds.data_vars))}. Rename the variables to the ECMWF short names "
            f"(ds.rename(...)) or open the file with the right function (open_cams/open_met)"
        )
    return selected


_OPENERS = {"cams": ("pollutant", "open_cams"), "met": ("meteorological", "open_met"),
            "static": ("static", "open_static")}


def _refuse_other_kind(present: Mapping[str, str], names: tuple[str, ...]) -> None:
    """A file of another kind (met opened as pollutants...): say which opener to use."""
    for kind, (what, opener) in _OPENERS.items():
        found = [name for name in KIND_VARIABLES[kind] if name in present]
        if found and set(KIND_VARIABLES[kind]) != set(names):
            raise MissingVariableError(
                f"this is {what} data: the data has {sorted(present)}, none of {list(names)}; "
                f"open it with xaqf.{opener} (or standardize(ds, {kind!r}))")


def _standardize_variable(da: xr.DataArray, name: str, allowed: tuple[str, ...],
                          assume_units: bool) -> xr.DataArray:
    on_levels = KNOWN_VARIABLES[name].on_levels and "level" in allowed
    if on_levels and "level" not in da.dims:
        if "level" not in da.coords:
            raise LayoutError(f"{name!r} must be on pressure levels but has dims {da.dims}; "
                              f"add a 'level' (hPa) dimension")
        da = da.expand_dims("level")
    elif not on_levels and "level" in da.coords:
        da = da.squeeze("level", drop=True) if "level" in da.dims else da.drop_vars("level")
    da = _squeeze_extra_dims(da, name, allowed)
    order = [d for d in CANONICAL_DIMS if d in da.dims]
    return to_canonical(da.transpose(*order), name, assume_units=assume_units)


def _squeeze_extra_dims(da: xr.DataArray, name: str, allowed: tuple[str, ...]) -> xr.DataArray:
    extra = [d for d in da.dims if d not in allowed]
    too_long = {d: da.sizes[d] for d in extra if da.sizes[d] > 1}
    if too_long:
        raise LayoutError(
            f"{name!r} has dimensions {too_long} that xaqf does not use (allowed: "
            f"{list(allowed)}); select one element, e.g. ds.isel({next(iter(too_long))}=0)"
        )
    return da.squeeze(extra, drop=True)


def _canonical_grid(ds: xr.Dataset) -> xr.Dataset:
    latitude = ds["latitude"].values
    if latitude.size and (np.nanmin(latitude) < -90.0 or np.nanmax(latitude) > 90.0):
        raise LayoutError(
            f"latitude values span {np.nanmin(latitude)}..{np.nanmax(latitude)}, outside "
            f"[-90, 90] degrees_north (colatitude? radians? swapped latitude/longitude?); "
            f"fix the coordinate, e.g. ds.assign_coords(latitude=90 - ds.latitude)")
    ds = ds.assign_coords(latitude=_float64(ds["latitude"]),
                          longitude=np.mod(_float64(ds["longitude"]), 360.0))
    return _ascending_longitude(north_first(ds))


def _float64(coord: xr.DataArray) -> np.ndarray:
    """float64 coordinate values; float32 ones are rounded to 1e-4 degrees, removing the
    float32 artefacts (359.6000061 -> 359.6) that would make equal grids differ."""
    values = coord.values.astype(np.float64)
    return np.round(values, 4) if coord.dtype == np.float32 else values


def north_first(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with latitude descending (north first), as xaqf's grids are.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> north_first(xr.Dataset(coords={"latitude": [-10.0, 0.0, 10.0]}))["latitude"].values
    array([ 10.,   0., -10.])
    """
    step = np.diff(ds["latitude"].values)
    if np.all(step < 0):
        return ds
    if np.all(step > 0):
        return ds.isel(latitude=slice(None, None, -1))
    return ds.isel(latitude=np.argsort(-ds["latitude"].values, kind="stable"))


def _ascending_longitude(ds: xr.Dataset) -> xr.Dataset:
    lon = ds["longitude"].values
    shift = int(np.argmin(lon))
    if np.all(np.diff(np.roll(lon, -shift)) > 0):
        return ds.roll(longitude=-shift, roll_coords=True) if shift else ds
    _, first = np.unique(lon, return_index=True)
    return ds.isel(longitude=first)


def _with_coord_attrs(ds: xr.Dataset) -> xr.Dataset:
    if "time" in ds.coords:
        ds = ds.assign_coords(time=ds["time"].values.astype("datetime64[ns]"))
    return ds.assign_coords({
        name: (ds[name].dims, ds[name].values, attrs)
        for name, attrs in COORD_ATTRS.items() if name in ds.coords
    })


def open_raw(paths: Paths, **kwargs: Any) -> xr.Dataset:
    """Open one or many files lazily (dask), without standardizing them.

    Parameters
    ----------
    paths
        A path, a glob pattern (``"cams/*.nc"``) or a list of them. ``.zarr`` paths and
        directories are read as zarr, ``.grib``/``.grib2``/``.grb`` with cfgrib, anything
        else as netCDF.
    **kwargs
        Passed to :func:`xarray.open_mfdataset` (default ``chunks={}``: the files' own
        chunking).

    Raises
    ------
    FileNotFoundError
        A path or pattern matches no file.
    MissingDependencyError
        GRIB input without cfgrib installed (``pip install xaqf[grib]``).
    LayoutError
        A mix of formats in one call.
    """
    files = expand_paths(paths)
    engines = {_engine(f) for f in files}
    if len(engines) > 1:
        raise LayoutError(f"mixed file formats {sorted(map(str, engines))} in {files}; open "
                          f"each format separately and combine with xr.merge")
    kwargs.setdefault("chunks", {})
    kwargs.setdefault("compat", "no_conflicts")  # the current default, named (FutureWarning)
    engine = engines.pop()
    try:
        return xr.open_mfdataset(files, engine=engine, **kwargs)
    except (OSError, ValueError, KeyError, RuntimeError) as err:
        raise _unreadable(files, engine, err) from err


def _unreadable(files: list[str], engine: str | None, err: Exception) -> Exception:
    """The error to raise when ``files`` cannot be opened together: the first file that
    cannot be opened alone, named, or the original error when each opens."""
    for path in files:
        if os.path.isfile(path) and os.path.getsize(path) == 0:
            return FileError(f"{path!r} is empty (0 bytes): an interrupted download; "
                             f"download it again")
        try:
            xr.open_dataset(path, engine=engine, chunks={}).close()
        except Exception as single:  # the backends raise many types on bad files
            return FileError(
                f"{path!r} cannot be read as {engine or 'netCDF'} ({type(single).__name__}: "
                f"{str(single)[:200]}): a truncated or corrupt download, or not a data file "
                f"(an HTML error page?); download it again")
    return err


def expand_paths(paths: Paths) -> list[str]:
    """The files named by a path, a glob pattern or a list of them, in order (each pattern's
    matches sorted); ``~`` is expanded.

    Raises
    ------
    FileNotFoundError
        A path or pattern matches no file, or no path is given.

    Examples
    --------
    >>> expand_paths(["/no/such/*.nc"])
    Traceback (most recent call last):
    ...
    FileNotFoundError: no file or zarr store matches '/no/such/*.nc'
    """
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    files: list[str] = []
    for item in items:
        text = os.path.expanduser(os.fspath(item))
        matches = sorted(glob.glob(text)) if glob.has_magic(text) else [text]
        if not matches or not all(os.path.exists(m) for m in matches):
            raise FileNotFoundError(f"no file or zarr store matches {text!r}")
        files.extend(matches)
    if not files:
        raise FileNotFoundError("no paths given: pass a path, a glob pattern or a list")
    return files


def _engine(path: str) -> str | None:
    suffix = Path(path).suffix.lower()
    if os.path.isdir(path) and not any(os.path.exists(os.path.join(path, marker))
                                       for marker in (".zgroup", ".zattrs", "zarr.json")):
        raise FileError(f"{path!r} is a directory but not a zarr store (no .zgroup or "
                        f"zarr.json); pass the files in it, e.g. {os.path.join(path, '*.nc')!r}")
    if suffix == ".zarr" or os.path.isdir(path):
        return "zarr"
    if suffix in (".grib", ".grib2", ".grb", ".grb2"):
        if importlib.util.find_spec("cfgrib") is None:
            raise MissingDependencyError(
                f"{path!r} is GRIB, which needs the optional dependency cfgrib: "
                f"pip install 'xaqf[grib]' (and the ecCodes library)"
            )
        return "cfgrib"
    return None


def store_group(path: PathLike, group: str) -> str:
    """``path/group`` where ``path`` is a store holding a ``group`` folder (``xaqf prepare``'s
    ``train.zarr`` with ``cams`` and ``met``), else ``path`` as given: a store is an input
    like a file, and each command picks the group it reads.

    Examples
    --------
    >>> import tempfile
    >>> store = Path(tempfile.mkdtemp()) / "train.zarr"
    >>> (store / "cams").mkdir(parents=True)
    >>> store_group(store, "cams") == str(store / "cams"), store_group(store, "met") == str(store)
    (True, True)
    """
    folder = Path(path)
    return str(folder / group) if folder.is_dir() and (folder / group).is_dir() else str(path)


def _open(paths: Paths, kind: str, assume_units: bool, kwargs: dict[str, Any]) -> xr.Dataset:
    listed = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    paths = [store_group(path, kind) for path in listed]
    raw = open_raw(paths, **kwargs)
    try:
        return with_sources(standardize(raw, kind, assume_units=assume_units),
                            expand_paths(paths))
    except Exception:
        raw.close()  # refused: release the files now
        raise


def open_cams(paths: Paths, *, assume_units: bool = False, **kwargs: Any) -> xr.Dataset:
    """Open CAMS pollutant files lazily and :func:`standardize` them (kind ``"cams"``).

    Parameters
    ----------
    paths
        As for :func:`open_raw`.
    assume_units
        As for :func:`standardize`.
    **kwargs
        Passed through :func:`open_raw` to :func:`xarray.open_mfdataset` (``chunks``,
        ``parallel``, ``combine``, ``concat_dim``, ``decode_timedelta``...).

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd, xarray as xr
    >>> raw = xr.Dataset({"pm10": (("time", "latitude", "longitude"), np.ones((2, 2, 2)),
    ...                            {"units": "kg m**-3"})},
    ...                  coords={"time": pd.date_range("2020-08-01", periods=2, freq="12h"),
    ...                          "latitude": [10.0, 0.0], "longitude": [0.0, 10.0]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     raw.to_netcdf(f"{tmp}/cams.nc")
    ...     ds = open_cams(f"{tmp}/*.nc").load()
    >>> list(ds.data_vars), ds["pm10"].attrs["units"]
    (['pm10'], 'kg m-3')
    """
    return _open(paths, "cams", assume_units, kwargs)


def open_met(paths: Paths, *, preset: str | MetPreset | None = None,
             assume_units: bool = False, **kwargs: Any) -> xr.Dataset:
    """Open meteorological files (ERA5, FuXi, GraphCast, IFS...) lazily and
    :func:`standardize` them.

    Every met variable xaqf knows is kept, those outside the default model's set too
    (``q``, ``w``, ``d2m``, ``sp``, ``tcwv``, ``u100m``, ``v100m``): a forecast derives
    what its model needs from them (:func:`xaqf.data.presets.resolve_met`).

    Parameters
    ----------
    preset
        The weather model that wrote the files (:data:`xaqf.data.presets.PRESETS`:
        ``"graphcast"``, ``"aifs"``, ``"era5"``...): its conventions are applied
        (:func:`xaqf.data.presets.apply_preset`: e.g. AIFS's 6-hourly or ERA5's hourly
        ``tp`` made into 12 h totals) and it is named in errors about missing variables.
        Default: none (``tp`` is taken as 12 h totals, ``tp06`` summed).
    assume_units, **kwargs
        As for :func:`open_cams`; kind ``"met"``.

    Raises
    ------
    ConfigError
        Unknown preset (the closest names given).
    """
    met = _open(paths, "met", assume_units, kwargs)
    return met if preset is None else apply_preset(met, preset)


def open_static(paths: Paths, *, assume_units: bool = False, **kwargs: Any) -> xr.Dataset:
    """Open static fields (orography, land-sea mask) and :func:`standardize` them.

    Parameters are those of :func:`open_cams`; kind ``"static"``. A length-1 time
    dimension (ERA5 invariants carry one) is dropped.
    """
    return _open(paths, "static", assume_units, kwargs)
