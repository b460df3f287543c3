"""Raw downloads of a tiny toy world, written by :func:`xaqf.tutorial.save_raw_downloads` in
the ADS/CDS layout (monthly files, hourly ERA5 precipitation): the input of the store tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from xaqf import variables
from xaqf.tutorial.downloads import RawDownloads, save_raw_downloads

START, DAYS = "2022-06-29", 4  # two monthly files per product
END = "2022-07-02"
RESOLUTION = 30.0  # the CAMS files' and the store's grid; the met files are at 15 degrees


def write_raw(folder: Path, start: str = START, days: int = DAYS) -> RawDownloads:
    """The toy world's raw downloads for ``days`` days from ``start``, on tiny grids."""
    return save_raw_downloads(folder, start=start, days=days, cams_resolution=RESOLUTION,
                              met_resolution=RESOLUTION / 2, spinup_days=0)


@pytest.fixture
def raw(tmp_path: Path) -> RawDownloads:
    """Four days (June 29 to July 2) of raw downloads."""
    return write_raw(tmp_path / "raw")


def product_files(raw: RawDownloads, name: str) -> list[Path]:
    """The met files of product ``name`` (their folder)."""
    return [p for p in raw.met if p.parent.name == name]


def expected(raw: RawDownloads, start: str = START, end: str = END,
             resolution: float = RESOLUTION) -> dict[str, xr.Dataset]:
    """The in-memory standardize -> accumulate -> check -> regrid -> compute_stats result."""
    from xaqf.data.io import open_cams, open_met, open_static
    from xaqf.data.sources import accumulate_precipitation
    from xaqf.data.validation import check_dataset
    from xaqf.preprocessing.normalization import compute_stats
    from xaqf.regrid import Regridder, global_grid

    grid = global_grid(resolution)
    times = pd.date_range(start, pd.Timestamp(end) + pd.Timedelta("12h"), freq="12h")
    cams = open_cams(raw.cams).sel(time=times).load()
    hourly = open_met(product_files(raw, "era5-precipitation"))["tp"]
    met = xr.merge([open_met(product_files(raw, name)).sel(time=times)
                    for name in ("era5-pressure-levels", "era5-single-levels")]
                   + [accumulate_precipitation(hourly, times)]).load()
    met = met[list(variables.MET_VARIABLES)]
    out = {kind: Regridder(ds, grid)(check_dataset(ds, kind)).astype(np.float32)
           for kind, ds in (("cams", cams), ("met", met))}
    statics = open_static(raw.statics).load()
    out["statics"] = Regridder(statics, grid)(statics)
    out["stats"] = compute_stats(xr.merge([out["cams"], out["met"]]))
    return out
