"""Opening a forecast or an analysis file to score or post-process, whatever its layout.

Examples
--------
>>> import tempfile, pathlib
>>> import numpy as np, pandas as pd, xarray as xr
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> xr.Dataset({"pm10": (("init_time", "lead_time"), np.ones((1, 2)))},
...            coords={"init_time": pd.date_range("2022-06-01", periods=1),
...                    "lead_time": pd.to_timedelta([12, 24], unit="h")}
...            ).to_netcdf(folder / "forecast.nc")
>>> open_data(folder / "forecast.nc").pm10.sizes["lead_time"]
2
"""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from xaqf.data.io import standardize, store_group
from xaqf.errors import DataError
from xaqf.variables import FORECAST_DIMS


def open_data(path: Path) -> xr.Dataset:
    """Open a netCDF file or zarr store lazily; non-forecast files are standardized.

    A store holding a ``cams`` group is read from that group (:func:`store_group`).
    Files already in forecast layout (``init_time``, ``lead_time``) are used as they are;
    anything else (an analysis, a raw CAMS forecast with ``step``) goes through
    :func:`xaqf.data.io.standardize` with kind ``"cams"``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    DataError
        If ``path`` is not a readable netCDF file or zarr store (corrupt, other format).
    """
    raw = open_lazily(Path(store_group(path, "cams")))
    if all(dim in raw.dims for dim in FORECAST_DIMS):
        return raw
    return standardize(raw, "cams")


def open_lazily(path: Path, alternative: str = "") -> xr.Dataset:
    """``path`` opened lazily as a zarr store or a netCDF file, with errors naming it.

    Parameters
    ----------
    path
        A ``.zarr`` store (or any folder) or a netCDF file.
    alternative
        Appended to the message of a missing file: what the user could give instead.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    DataError
        If ``path`` cannot be read as netCDF or zarr.
    """
    if not path.exists():
        raise FileNotFoundError(f"no such file or zarr store: {path}{alternative}")
    try:
        return xr.open_zarr(path) if path.suffix == ".zarr" or path.is_dir() else \
            xr.open_dataset(path, chunks={})
    except (ValueError, OSError, KeyError) as err:
        raise DataError(f"{path} cannot be read as netCDF or zarr ({type(err).__name__}: "
                        f"{' '.join(str(err).split())[:200]}); the file may be truncated or "
                        f"in another format: write it again") from None
