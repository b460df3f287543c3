"""Emission inventory files: CAMS-GLOB-ANT as the ADS delivers it, or canonical ``emi_*`` fields.

:func:`open_emissions` is the one opener of inventory files (used by ``xaqf prepare``,
``xaqf forecast --emissions`` and training configs): CAMS-GLOB-ANT files
(:func:`open_cams_glob_ant`, sectors summed, years joined into a monthly climatology) or files
that already hold canonical fields, never a mix. Canonical emission fields are the variables
``emi_<species>`` of a Dataset, fluxes in kg m-2 s-1 (:data:`UNITS`) on
``(latitude, longitude)`` -- an annual mean -- or on ``(month, latitude, longitude)`` with
``month`` 1..12 -- a monthly climatology. Turning them into network inputs is
:mod:`xaqf.preprocessing.emissions`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from xaqf.data.units import convert
from xaqf.errors import LayoutError, MissingVariableError

SPECIES: dict[str, str] = {
    "co": "carbon monoxide",
    "nox": "nitrogen oxides (as NO2)",
    "so2": "sulphur dioxide",
    "nh3": "ammonia",
    "bc": "black carbon",
    "oc": "organic carbon",
    "fine": "fine aerosol (toy world)",
}
"""Emitted species xaqf knows, with their long names."""

UNITS = "kg m-2 s-1"
"""Units of canonical emission fields."""


def variable_of(species: str) -> str:
    """Name of the canonical emission variable of ``species`` (``"emi_co"`` for ``"co"``)."""
    return f"emi_{species}"


CAMS_GLOB_ANT_SPECIES: dict[str, str] = {
    "co": "carbon_monoxide",
    "nox": "nitrogen_oxides",
    "so2": "sulphur_dioxide",
    "nh3": "ammonia",
    "bc": "black_carbon",
    "oc": "organic_carbon",
}
"""ADS request names (``variable``) of the CAMS-GLOB-ANT species xaqf uses."""

_FILE_SPECIES = re.compile(r"_anthro_([a-z0-9]+)_", re.IGNORECASE)
_TOTAL = "sum"


def _species_of(path: Path, ds: xr.Dataset) -> str:
    match = _FILE_SPECIES.search(path.name)
    species = (match.group(1) if match else str(ds.attrs.get("species", ""))).lower()
    if species not in CAMS_GLOB_ANT_SPECIES:
        raise LayoutError(
            f"{path}: cannot tell its species (expected '_anthro_<species>_' in the name, one "
            f"of {sorted(CAMS_GLOB_ANT_SPECIES)}); rename the file as the ADS delivers it")
    return species


def _sectors_total(path: Path, ds: xr.Dataset) -> xr.DataArray:
    """The all-sector flux: the file's ``sum`` variable, else the sum of its sectors."""
    if _TOTAL in ds.data_vars:
        return ds[_TOTAL]
    sectors = [v for v in ds.data_vars if {"lat", "lon"} <= set(map(str, ds[v].dims))]
    if not sectors:
        raise MissingVariableError(f"{path}: no sector fields on (lat, lon) in "
                                   f"{sorted(map(str, ds.data_vars))}")
    total = sum((convert(ds[v], UNITS) for v in sectors[1:]), convert(ds[sectors[0]], UNITS))
    return total.assign_attrs(units=UNITS)


def _joined_years(species: str, parts: list[xr.DataArray]) -> xr.DataArray:
    """The monthly series of one species from several files (one per year, as the ADS
    delivers a request per year), in time order. A month in several files is kept once if
    the files agree on it (a multi-year file fetched twice) and refused if they differ."""
    joined = xr.concat(parts, "time").sortby("time")
    times = pd.DatetimeIndex(joined["time"].values)
    for month in times[times.duplicated()].unique():
        copies = joined.isel(time=np.flatnonzero(times == month))
        if not all(copies.isel(time=0).equals(copies.isel(time=k))
                   for k in range(1, copies.sizes["time"])):
            raise LayoutError(f"CAMS-GLOB-ANT {species}: the month {month:%Y-%m} is in "
                              f"several files with different values; give each year once, "
                              f"from one version of the inventory")
    return joined.drop_duplicates("time")


def _monthly(da: xr.DataArray) -> xr.DataArray:
    """Mean over the years of each calendar month, on ``month`` 1..12."""
    if "time" not in da.dims:
        return da
    return da.groupby("time.month").mean("time")


def open_cams_glob_ant(paths: str | Path | Iterable[str | Path]) -> xr.Dataset:
    """Open CAMS-GLOB-ANT files (one per species, as unzipped from the ADS) as canonical
    emission fields: ``emi_<species>`` on ``(month, latitude, longitude)``, kg m-2 s-1.

    Sectors are summed (the file's ``sum`` total when present, else every sector field);
    monthly fields of several years, in one file or in one file per year, are averaged into
    a climatology of calendar months;
    coordinates follow xaqf's layout (latitude descending, longitude in [0, 360)). Bring
    them onto the model grid with ``ds.aqf.regrid(grid, method="conservative")``.

    Raises
    ------
    LayoutError
        A file whose species cannot be told from its name; a month of a species in
        several files with different values.
    MissingVariableError
        A file without sector fields.
    """
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    totals: dict[str, list[xr.DataArray]] = {}
    for path in files:
        ds = xr.open_dataset(path)
        totals.setdefault(_species_of(path, ds), []).append(
            convert(_sectors_total(path, ds), UNITS))
    fields = {}
    for species, parts in totals.items():
        series = parts[0] if len(parts) == 1 else _joined_years(species, parts)
        fields[variable_of(species)] = _monthly(series).assign_attrs(
            units=UNITS, long_name=f"Anthropogenic emission flux of {SPECIES[species]} "
                                   f"(CAMS-GLOB-ANT, all sectors)")
    out = xr.Dataset(fields).rename({"lat": "latitude", "lon": "longitude"})
    return _canonical_layout(out)


def open_emissions(paths: str | Path | Iterable[str | Path]) -> xr.Dataset:
    """Open emission inventory files, lazily: CAMS-GLOB-ANT downloads (every file named
    ``..._anthro_<species>_...``, :func:`open_cams_glob_ant`) or files of canonical
    ``emi_*`` fields (merged). ``paths``: paths, glob patterns or a list of them.

    Raises
    ------
    FileNotFoundError
        A path or pattern matches no file.
    LayoutError
        CAMS-GLOB-ANT files mixed with other files.

    Examples
    --------
    >>> open_emissions("/no/such/inventory_*.nc")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no file or zarr store matches '/no/such/inventory_*.nc'
    """
    from xaqf.data.io import expand_paths

    files = expand_paths(paths)
    inventories = [f for f in files if "_anthro_" in Path(f).name]
    if inventories and len(inventories) != len(files):
        others = sorted(set(files) - set(inventories))
        raise LayoutError(f"CAMS-GLOB-ANT files (named '_anthro_') mixed with other files "
                          f"{others[:3]}; give either the CAMS-GLOB-ANT downloads or files "
                          f"of canonical emi_* fields")
    if inventories:
        return open_cams_glob_ant(files)
    return xr.merge([xr.open_dataset(f) for f in files])


def _canonical_layout(ds: xr.Dataset) -> xr.Dataset:
    lon = np.mod(ds["longitude"].values, 360.0)
    ds = ds.assign_coords(longitude=lon).sortby("longitude").sortby("latitude", ascending=False)
    ds["latitude"].attrs = {"units": "degrees_north", "standard_name": "latitude"}
    ds["longitude"].attrs = {"units": "degrees_east", "standard_name": "longitude"}
    return ds
