"""Builders shared by the tests: tiny canonical datasets, a micro network, the real-data path.

Tests import these with ``from tests.helpers import ...``; pytest fixtures live in
``conftest.py`` and are built from the same functions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from xaqf import variables

REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


def grid(nlat: int = 7, nlon: int = 12) -> dict[str, np.ndarray]:
    """A regular global grid, latitude descending from 90 to -90, longitude in [0, 360)."""
    return {
        "latitude": np.linspace(90.0, -90.0, nlat),
        "longitude": np.arange(nlon) * (360.0 / nlon),
    }


def canonical_dataset(names, times, nlat=7, nlon=12, levels=variables.PRESSURE_LEVELS,
                      seed=0, positive=True) -> xr.Dataset:
    """A small Dataset in xaqf's canonical layout holding the catalogued ``names``."""
    rng = np.random.default_rng(seed)
    coords = {"time": pd.DatetimeIndex(times), "level": np.asarray(levels, float),
              **grid(nlat, nlon)}
    data_vars = {}
    for name in names:
        var = variables.VARIABLES[name]
        dims = ("time", "level", "latitude", "longitude") if var.on_levels else (
            "time", "latitude", "longitude")
        shape = tuple(len(coords[d]) for d in dims)
        values = rng.gamma(2.0, 1.0, shape) if positive else rng.normal(size=shape)
        data_vars[name] = (dims, values.astype(np.float32), var.attrs)
    ds = xr.Dataset(data_vars, coords=coords)
    ds["level"].attrs = {"units": "hPa", "long_name": "pressure level"}
    ds["latitude"].attrs = {"units": "degrees_north", "standard_name": "latitude"}
    ds["longitude"].attrs = {"units": "degrees_east", "standard_name": "longitude"}
    return ds


def cams_and_met(times, scale_pollutants: float = 1.0) -> tuple[xr.Dataset, xr.Dataset]:
    """Tiny canonical pollutant and met data at ``times`` (every catalogued variable)."""
    cams = canonical_dataset(variables.POLLUTANT_VARIABLES, times, seed=1)
    if scale_pollutants != 1.0:
        cams = cams.map(lambda da: (da * scale_pollutants).assign_attrs(da.attrs))
    return cams, canonical_dataset(variables.MET_VARIABLES, times, seed=2, positive=False)


def micro_config():
    """A two-level network: tests of the forecaster's and trainer's logic need no bigger."""
    from xaqf.model import get_config

    return get_config("tiny").replace(name="micro", widths=(8, 16), depths=(1,),
                                      bottleneck_depth=1)
