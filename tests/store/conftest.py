"""Raw downloads in the new CDS netCDF layout, tiny: the input of the store tests."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf import variables

MET_SINGLE = ("t2m", "u10", "v10", "msl", "tp")
MET_LEVELS = ("u", "v", "t", "r", "z")
CAMS_GRID = (7, 12)  # 30 degrees, also the store's grid in the tests
MET_GRID = (10, 18)  # 20 degrees: finer than the target, as ERA5 is


def ecmwf_units(units: str) -> str:
    """The ECMWF spelling of catalogue units: 'kg m-3' -> 'kg m**-3'."""
    return re.sub(r"([a-z])(-?\d)", r"\1**\2", units)


def as_raw(ds: xr.Dataset) -> xr.Dataset:
    """A canonical Dataset in the new CDS layout (valid_time, pressure_level descending)."""
    raw = ds.rename(time="valid_time")
    if any("level" in raw[v].dims for v in raw.data_vars):
        raw = raw.rename(level="pressure_level").isel(pressure_level=slice(None, None, -1))
        raw["pressure_level"].attrs = {"units": "hPa", "long_name": "pressure"}
    else:
        raw = raw.drop_vars("level", errors="ignore")
    for name in raw.data_vars:
        raw[name].attrs = {"units": ecmwf_units(raw[name].attrs["units"])}
    return raw.assign_coords(expver=("valid_time", ["0001"] * raw.sizes["valid_time"]))


def write_raw(folder: Path, start: str = "2022-06-01", days: int = 4, per_file: int = 2,
              seed: int = 0) -> dict[str, list[Path]]:
    """CAMS, ERA5 pressure-level and single-level files of ``per_file`` days each, plus a
    static file; returns the paths by kind ('cams', 'met', 'statics')."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[Path]] = {"cams": [], "met": [], "statics": []}
    for block, first in enumerate(pd.date_range(start, periods=days // per_file,
                                                freq=f"{per_file}D")):
        times = pd.date_range(first, periods=2 * per_file, freq="12h")
        cams = canonical_dataset(variables.POLLUTANT_VARIABLES, times, *CAMS_GRID,
                                 seed=seed + block)
        met = canonical_dataset(variables.MET_VARIABLES, times, *MET_GRID, seed=seed + 100 + block,
                                positive=False)
        for name, ds in (("cams", cams), ("era5_pl", met[list(MET_LEVELS)]),
                         ("era5_sl", met[list(MET_SINGLE)])):
            path = folder / f"{name}_{first:%Y%m%d}.nc"
            as_raw(ds).to_netcdf(path)
            out["cams" if name == "cams" else "met"].append(path)
    statics = canonical_dataset(variables.STATIC_VARIABLES, times[:1], *MET_GRID, seed=7)
    raw = as_raw(statics).rename(orography="z")
    raw.to_netcdf(folder / "static.nc")
    out["statics"].append(folder / "static.nc")
    return out


@pytest.fixture
def raw(tmp_path: Path) -> dict[str, list[Path]]:
    """Four days of raw files in two-day blocks."""
    return write_raw(tmp_path / "raw")


def expected(raw: dict[str, list[Path]], start: str, end: str, resolution: float = 30.0
             ) -> dict[str, xr.Dataset]:
    """The in-memory standardize -> check -> regrid -> compute_stats result."""
    from xaqf.io import open_cams, open_met, open_static
    from xaqf.normalization import compute_stats
    from xaqf.regrid import Regridder, global_grid
    from xaqf.validation import check_dataset

    grid = global_grid(resolution)
    times = pd.date_range(start, pd.Timestamp(end) + pd.Timedelta("12h"), freq="12h")
    cams = open_cams(raw["cams"]).sel(time=times).load()
    met = xr.merge([open_met([p for p in raw["met"] if kind in p.name]).sel(time=times)
                    for kind in ("era5_pl", "era5_sl")]).load()
    met = met[list(variables.MET_VARIABLES)]
    out = {kind: Regridder(ds, grid)(check_dataset(ds, kind)).astype(np.float32)
           for kind, ds in (("cams", cams), ("met", met))}
    statics = open_static(raw["statics"]).load()
    out["statics"] = Regridder(statics, grid)(statics)
    out["stats"] = compute_stats(xr.merge([out["cams"], out["met"]]))
    return out
