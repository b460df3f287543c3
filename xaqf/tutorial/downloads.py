"""The toy world written as the files ``xaqf download`` would have fetched from the ADS/CDS.

:func:`save_raw_downloads` writes a toy world (:func:`~xaqf.tutorial.toy_world`) in the
folder layout and the file layout of real downloads, so that download -> prepare -> train
runs end to end without an account: one netCDF file per product and month, named as the
:class:`~xaqf.data.sources.Request` targets (``cams-analysis/cams-analysis_2022-06.nc``...).

Grids: the world is generated at the ERA5-like ``met_resolution``; the CAMS-like
pollutants are brought to the coarser ``cams_resolution`` with :func:`xaqf.regrid.regrid`
(exact subsampling when the coarse grid's points are points of the fine one, as 4 deg and
2 deg). The files have what the new CDS/ADS netCDF files have: ``valid_time`` (forecasts:
``forecast_reference_time`` and ``forecast_period`` in hours with a 2-D ``valid_time``),
``pressure_level`` in hPa (descending), latitude descending, longitude in [0, 360), ECMWF
short names (the statics' orography is ``z``) and unit spellings (``kg kg**-1``,
``m**2 s**-2``, ``(0 - 1)``), float32 data, a scalar ``number`` and, in ERA5 files, an
``expver`` along ``valid_time``. ERA5's ``tp`` is hourly (see :mod:`xaqf.data.sources`): each
12 h total of the toy world is spread evenly over its 12 hours, so
:func:`xaqf.data.sources.accumulate_precipitation` gives the toy world's ``tp`` back.

Examples
--------
>>> import tempfile, xaqf
>>> raw = save_raw_downloads(tempfile.mkdtemp(), start="2022-06-30", days=2,
...                          cams_resolution=30.0, met_resolution=15.0, spinup_days=0)
>>> [p.name for p in raw.cams]
['cams-analysis_2022-06.nc', 'cams-analysis_2022-07.nc']
>>> xaqf.open_cams(raw.cams).sizes["time"], xaqf.open_met(raw.met[:4]).sizes["latitude"]
(4, 13)
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from xaqf._utils.atomic import atomic_path
from xaqf.data.sources import Request, expected_coords, product, requests
from xaqf.regrid import global_grid, regrid
from xaqf.tutorial.world import ToyWorld, toy_world

__all__ = ["RawDownloads", "extended_world", "period_times", "raw_downloads_world",
           "save_raw_downloads", "store_layout", "store_units", "write_raw",
           "write_raw_downloads"]

WRITTEN = ("cams-analysis", "era5-pressure-levels", "era5-single-levels",
           "era5-precipitation", "era5-static")
"""The products :func:`save_raw_downloads` writes (the toy world has no CAMS forecasts)."""

STORE_NAMES = {"orography": "z"}
"""Names in downloaded files that differ from xaqf's short names."""

_POWER = re.compile(r"([A-Za-z])(-?\d+)")


@dataclass(frozen=True)
class RawDownloads:
    """Files written by :func:`save_raw_downloads`.

    Attributes
    ----------
    directory
        The download folder.
    cams
        Monthly ``cams-analysis`` files.
    met
        Monthly ``era5-pressure-levels``, ``era5-single-levels`` and ``era5-precipitation``
        files, in that order.
    statics
        The ``era5-static`` file.
    """

    directory: Path
    cams: list[Path]
    met: list[Path]
    statics: Path


def store_units(units: str) -> str:
    """The ECMWF spelling of catalogue units: ``kg kg-1`` -> ``kg kg**-1``, ``1`` ->
    ``(0 - 1)``.

    Examples
    --------
    >>> store_units("m2 s-2"), store_units("kg m-3"), store_units("1"), store_units("K")
    ('m**2 s**-2', 'kg m**-3', '(0 - 1)', 'K')
    """
    return "(0 - 1)" if units == "1" else _POWER.sub(r"\1**\2", units)


def store_layout(ds: xr.Dataset, name: str) -> xr.Dataset:
    """Canonical data of product ``name`` rewritten as the ADS/CDS netCDF files have it.

    Parameters
    ----------
    ds
        Canonical data (:mod:`xaqf.data.io` layout) holding the product's variables.
    name
        A product of :data:`xaqf.data.sources.PRODUCTS`.

    Examples
    --------
    >>> from xaqf.tutorial import toy_world
    >>> world = toy_world(resolution=30.0, days=0.5, spinup_days=0)
    >>> raw = store_layout(world.era5[["t", "t2m"]], "era5-pressure-levels")
    >>> raw["t"].dims, raw["t"].attrs["units"], float(raw.pressure_level[0])
    (('valid_time', 'pressure_level', 'latitude', 'longitude'), 'K', 1000.0)
    """
    spec = product(name)
    ds = ds[[v for v in spec.variables if v in ds.data_vars]]
    ds = ds.rename({v: STORE_NAMES.get(str(v), str(v)) for v in ds.data_vars})
    ds = _store_times(ds, spec.kind)
    if "level" in ds.dims:
        ds = ds.rename(level="pressure_level").sortby("pressure_level", ascending=False)
        ds["pressure_level"].attrs = {"units": "hPa", "long_name": "pressure",
                                      "standard_name": "air_pressure", "stored_direction":
                                      "decreasing"}
    else:
        ds = ds.drop_vars("level", errors="ignore")
    for var in ds.data_vars.values():
        var.attrs = {"units": store_units(var.attrs["units"]),
                     "long_name": var.attrs.get("long_name", var.name)}
    ds = ds.assign_coords(number=np.int64(0))
    if spec.store == "cds" and "valid_time" in ds.dims:
        ds = ds.assign_coords(expver=("valid_time", np.full(ds.sizes["valid_time"], "0001")))
    return ds.astype(np.float32).assign_attrs(
        {"Conventions": "CF-1.7", "source": f"xaqf toy world in the layout of {spec.dataset}"})


def _store_times(ds: xr.Dataset, kind: str) -> xr.Dataset:
    if kind == "static":
        return ds.expand_dims(valid_time=[np.datetime64("2000-01-01", "ns")])
    if "init_time" not in ds.dims:
        return ds.rename(time="valid_time")
    hours = (ds["lead_time"].values // np.timedelta64(1, "h")).astype(np.int64)
    ds = ds.drop_vars("valid_time", errors="ignore").rename(
        init_time="forecast_reference_time", lead_time="forecast_period")
    ds = ds.assign_coords(forecast_period=("forecast_period", hours, {"units": "hours"}))
    valid = (ds["forecast_reference_time"].values[None, :]
             + hours[:, None] * np.timedelta64(1, "h"))
    order = ["forecast_period", "forecast_reference_time"]
    return ds.assign_coords(valid_time=(tuple(order), valid)).transpose(*order, ...)


def write_raw(ds: xr.Dataset, name: str, path: str | os.PathLike) -> Path:
    """Write canonical data of product ``name`` to ``path`` in the store's layout, atomically.

    The file appears only once complete (written to a temporary name in the same folder,
    then renamed); folders are created as needed.
    """
    path = Path(path)
    with atomic_path(path) as partial:
        store_layout(ds, name).to_netcdf(partial)
    return path


def save_raw_downloads(directory: str | os.PathLike, *, start: str = "2022-06-01",
                       days: int = 4, cams_resolution: float = 4.0,
                       met_resolution: float = 2.0, seed: int = 0, spinup_days: float = 1
                       ) -> RawDownloads:
    """Write a toy world as the monthly files the ADS/CDS downloads would give.

    Parameters
    ----------
    directory
        Download folder; receives one folder per product.
    start
        First day of the period (its 00 UTC is the first time).
    days
        Whole days in the period (12-hourly times ``start`` ... last day 12 UTC).
    cams_resolution, met_resolution
        Grid spacing (degrees) of the CAMS-like and of the ERA5-like files.
    seed, spinup_days
        As for :func:`~xaqf.tutorial.toy_world`.

    Returns
    -------
    RawDownloads
        The folder and the files, by kind. :func:`raw_downloads_world` gives the toy world
        they hold.
    """
    world = extended_world(start, days, met_resolution, seed, spinup_days)
    return write_raw_downloads(directory, world, start, days, cams_resolution)


def write_raw_downloads(directory: str | os.PathLike, world: ToyWorld, start: str, days: int,
                        cams_resolution: float) -> RawDownloads:
    """Write ``world`` (from :func:`extended_world`) as :func:`save_raw_downloads` does."""
    directory = Path(directory)
    last = pd.Timestamp(start) + pd.Timedelta(days=days - 1)
    cams = regrid(world.cams, global_grid(cams_resolution))
    sources = {"cams-analysis": cams, "era5-pressure-levels": world.era5,
               "era5-single-levels": world.era5, "era5-precipitation": _hourly(world.era5),
               "era5-static": world.statics}
    files: dict[str, list[Path]] = {}
    for name in WRITTEN:
        files[name] = [write_raw(_month(sources[name], r), name, directory / r.target)
                       for r in requests(name, start, last)]
    return RawDownloads(directory, files["cams-analysis"],
                        [p for n in WRITTEN[1:4] for p in files[n]], files["era5-static"][0])


def period_times(start: str, days: int) -> pd.DatetimeIndex:
    """The 12-hourly times of the period of :func:`save_raw_downloads`.

    Examples
    --------
    >>> period_times("2022-06-01", 1).strftime("%d %H").tolist()
    ['01 00', '01 12']
    """
    return pd.date_range(pd.Timestamp(start), periods=2 * days, freq="12h")


def raw_downloads_world(start: str = "2022-06-01", days: int = 4, met_resolution: float = 2.0,
                        seed: int = 0, spinup_days: float = 1,
                        init_times: Iterable[Any] | None = None) -> ToyWorld:
    """The toy world :func:`save_raw_downloads` writes, at ``met_resolution``, with the
    period's 12-hourly times (``tp`` as 12 h totals).

    Its FuXi-like forecasts (``fuxi``, lazy) start at ``init_times``, by default at every
    time of the period (:func:`period_times`).

    Examples
    --------
    >>> world = raw_downloads_world(days=1, met_resolution=30.0, spinup_days=0)
    >>> world.fuxi.sizes["init_time"], str(world.fuxi["init_time"].values[-1])[:13]
    (2, '2022-06-01T12')
    """
    inits = period_times(start, days) if init_times is None else init_times
    world = extended_world(start, days, met_resolution, seed, spinup_days, inits)
    times = slice(pd.Timestamp(start), pd.Timestamp(start) + pd.Timedelta(days=days, hours=-12))
    return ToyWorld(cams=world.cams.sel(time=times), era5=world.era5.sel(time=times),
                    fuxi=world.fuxi, statics=world.statics, emissions=world.emissions)


def extended_world(start: str, days: int, resolution: float, seed: int = 0,
                   spinup_days: float = 1, init_times: Iterable[Any] = ()) -> ToyWorld:
    """The world from the day before ``start`` to the 00 UTC after the period (the hourly
    ``tp`` of those days needs the 12 h totals ending then), with FuXi-like forecasts from
    ``init_times``."""
    if int(days) != days or days < 1:
        raise ValueError(f"days must be a whole number >= 1, not {days!r}")
    first = pd.Timestamp(start) - pd.Timedelta(days=1)
    return toy_world(resolution, first, days=days + 1.5, seed=seed, spinup_days=spinup_days,
                     init_times=list(init_times))


def _hourly(era5: xr.Dataset) -> xr.Dataset:
    """Each 12 h total spread evenly over the 12 hourly stamps ``t - 11 h`` to ``t``."""
    tp = era5["tp"]
    share = np.repeat(tp.values / np.float32(12), 12, axis=0)
    offsets = np.arange(-11, 1) * np.timedelta64(1, "h")
    stamps = (tp["time"].values[:, None] + offsets[None, :]).ravel()
    return xr.Dataset({"tp": (tp.dims, share, tp.attrs)},
                      coords={"time": stamps, "latitude": tp.latitude,
                              "longitude": tp.longitude})


def _month(ds: xr.Dataset, request: Request) -> xr.Dataset:
    coords = expected_coords(request)
    return ds.sel(time=coords["time"]) if "time" in coords else ds

