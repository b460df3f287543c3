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


PLAUSIBLE: dict[str, tuple[float, float]] = {
    **{name: (0.0, 1e-5) for name in ("tcco", "tc_no", "tcno2", "tcso2", "gtco3")},
    **{name: (0.0, 1e-8) for name in ("co", "no", "no2", "so2", "go3")},
    **{name: (0.0, 1e-8) for name in ("pm1", "pm2p5", "pm10")},
    "t2m": (285.0, 10.0), "t": (250.0, 10.0), "msl": (101000.0, 1000.0),
}
"""``(offset, spread)`` of the synthetic values of a variable, so that they lie within
:data:`xaqf.variables.VALID_RANGES` (``offset + spread * draw``); others are the draws."""


def canonical_dataset(names, times, nlat=7, nlon=12, levels=variables.PRESSURE_LEVELS,
                      seed=0, positive=True) -> xr.Dataset:
    """A small Dataset in xaqf's canonical layout holding the catalogued ``names``.

    Values are gamma draws (``positive``) or normal ones, moved into each variable's
    plausible range by :data:`PLAUSIBLE`; precipitation is kept non-negative."""
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
        offset, spread = PLAUSIBLE.get(name, (0.0, 1.0))
        values = offset + spread * (np.abs(values) * 1e-3 if name == "tp" else values)
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
