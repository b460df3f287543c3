"""Emission inventory files: CAMS-GLOB-ANT as the ADS delivers it, or canonical ``emi_*`` fields.

:func:`open_emissions` is the one opener of inventory files (used by ``xaqf prepare``,
``xaqf forecast --emissions`` and training configs): CAMS-GLOB-ANT files
(:func:`open_cams_glob_ant`, sectors summed, years joined into a monthly climatology) or files
that already hold canonical fields, never a mix. Canonical emission fields are the variables
``emi_<species>`` of a Dataset, fluxes in kg m-2 s-1 (:data:`UNITS`) on
``(latitude, longitude)`` -- an annual mean -- or on ``(month, latitude, longitude)`` with
``month`` 1..12 -- a monthly climatology. Turning them into network inputs is
:mod:`xaqf.preprocessing.emissions`.

Checks at entry: a ``month`` axis must hold months numbered 1..12, each once
(months numbered 0..11 would shift every month: refused, naming the axis); an annual mean
is only taken over all twelve months (a half-year inventory is refused, naming the months
it holds); fields are only regridded onto a grid they cover (:func:`check_covers`: a
regional inventory, e.g. 0..75 N, regridded onto the globe would fill the rest of the
world with invented emissions; neither NaN, which the network cannot take, nor zero, which
claims there are no emissions there, is a safe silent default, so it is refused: pad the
inventory deliberately if that is what is meant).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from xaqf.data.units import convert
from xaqf.errors import GridMismatchError, LayoutError, MissingVariableError

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


MONTHS: tuple[int, ...] = tuple(range(1, 13))
"""The labels of a ``month`` axis: January is 1."""


def check_months(ds: xr.Dataset, *, annual: bool = False, what: str = "the emissions"
                 ) -> None:
    """Refuse a ``month`` axis of ``ds`` not labelled by distinct months 1..12, or, when its
    ``annual`` mean is to be taken, one without all twelve months.

    Raises
    ------
    LayoutError
        Naming the ``month`` axis, the labels it holds and the fix.

    Examples
    --------
    >>> ds = xr.Dataset({"emi_co": ("month", np.ones(12))}, coords={"month": np.arange(12)})
    >>> check_months(ds)
    Traceback (most recent call last):
    ...
    xaqf.errors.LayoutError: the emissions: the 'month' axis is labelled [0, 1, 2, 3, 4, 5, \
6, 7, 8, 9, 10, 11]; xaqf numbers months 1..12 (January = 1), each once: relabel it, e.g. \
ds.assign_coords(month=ds.month + 1) for months counted from 0
    """
    if "month" not in ds.dims:
        return
    labels = np.asarray(ds["month"].values)
    numeric = np.issubdtype(labels.dtype, np.number)
    if not numeric or not set(labels.tolist()) <= set(MONTHS) or \
            len(set(labels.tolist())) != labels.size:
        raise LayoutError(f"{what}: the 'month' axis is labelled {labels.tolist()}; xaqf "
                          f"numbers months 1..12 (January = 1), each once: relabel it, e.g. "
                          f"ds.assign_coords(month=ds.month + 1) for months counted from 0")
    absent = sorted(set(MONTHS) - set(labels.tolist()))
    if annual and absent:
        raise LayoutError(f"{what}: the 'month' axis holds months {sorted(labels.tolist())} "
                          f"only (not {absent}); their mean is no annual mean. Give all twelve "
                          f"months, or use a model with a monthly emission climatology")


def check_covers(fields: xr.Dataset, grid: xr.Dataset, what: str = "the emissions") -> None:
    """Refuse regridding ``fields`` onto ``grid`` where ``grid`` reaches beyond them (see
    the module notes): a cell of ``grid`` whose centre lies outside the cells of ``fields``.

    Raises
    ------
    GridMismatchError
        Naming both extents and the fix.

    Examples
    --------
    >>> north = xr.Dataset(coords={"latitude": [70.0, 10.0], "longitude": [0.0, 180.0]})
    >>> globe = xr.Dataset(coords={"latitude": [60.0, 0.0, -60.0], "longitude": [0.0, 180.0]})
    >>> check_covers(north, globe)
    Traceback (most recent call last):
    ...
    xaqf.errors.GridMismatchError: the emissions cover latitude -20..100, longitude the \
whole circle, and the target grid reaches latitude -60..60: regridding would invent emissions \
outside the inventory. Give an inventory covering the grid, or pad it deliberately (e.g. \
with zeros) where no emissions is what you mean
    """
    lat_low, lat_high = _extent(fields["latitude"].values)
    lon_low, lon_high = _extent(fields["longitude"].values)
    target_lat = grid["latitude"].values
    target_lon = grid["longitude"].values
    full_circle = lon_high - lon_low >= 360.0 - 1e-6
    east = lon_low + np.mod(target_lon - lon_low, 360.0)
    outside_lat = (target_lat < max(lat_low, -90.0) - 1e-6).any() or \
        (target_lat > min(lat_high, 90.0) + 1e-6).any()
    outside_lon = not full_circle and (east > lon_high + 1e-6).any()
    if outside_lat or outside_lon:
        lon_text = "the whole circle" if full_circle else f"{lon_low:g}..{lon_high:g}"
        raise GridMismatchError(
            f"{what} cover latitude {lat_low:g}..{lat_high:g}, longitude {lon_text}, and the "
            f"target grid reaches latitude {target_lat.min():g}..{target_lat.max():g}"
            f"{'' if full_circle else f', longitude {target_lon.min():g}..{target_lon.max():g}'}"
            f": regridding would invent emissions outside the inventory. Give an inventory "
            f"covering the grid, or pad it deliberately (e.g. with zeros) where no emissions "
            f"is what you mean")


def _extent(centres: np.ndarray) -> tuple[float, float]:
    """The outer cell edges of a regular axis of ``centres``."""
    centres = np.sort(np.asarray(centres, np.float64))
    half = float(np.abs(np.diff(centres)).max()) / 2 if centres.size > 1 else 0.0
    return float(centres[0] - half), float(centres[-1] + half)


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
        CAMS-GLOB-ANT files mixed with other files; a ``month`` axis not labelled 1..12.

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
    opened = open_cams_glob_ant(files) if inventories else \
        xr.merge([xr.open_dataset(f) for f in files])
    check_months(opened, what=f"the emissions {files[:3]}")
    return opened


def _canonical_layout(ds: xr.Dataset) -> xr.Dataset:
    lon = np.mod(ds["longitude"].values, 360.0)
    ds = ds.assign_coords(longitude=lon).sortby("longitude").sortby("latitude", ascending=False)
    ds["latitude"].attrs = {"units": "degrees_north", "standard_name": "latitude"}
    ds["longitude"].attrs = {"units": "degrees_east", "standard_name": "longitude"}
    return ds
