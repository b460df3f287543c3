"""Shared fixtures: tiny canonical datasets, the real-data folder, a no-compute guard.

The builders behind them are in :mod:`tests.helpers`.
"""

from __future__ import annotations

import os
from pathlib import Path

import dask
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import REAL_DATA, canonical_dataset
from xaqf import variables


@pytest.fixture
def real_data() -> Path:
    """The folder of real ECMWF/CAMS sample files; skips the test where it is absent."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real sample data not found at {REAL_DATA}")
    return REAL_DATA


@pytest.fixture
def html() -> Path:
    """The built documentation (``XAQF_GALLERY_HTML``); skips the test where it is unset."""
    folder = os.environ.get("XAQF_GALLERY_HTML")
    if not folder:
        pytest.skip("set XAQF_GALLERY_HTML to the built documentation (make test does)")
    return Path(folder)


@pytest.fixture
def cams() -> xr.Dataset:
    """Tiny canonical CAMS-like pollutant data: 6 times 12 h apart, 7 x 12 grid."""
    times = pd.date_range("2022-06-01", periods=6, freq="12h")
    return canonical_dataset(variables.POLLUTANT_VARIABLES, times, seed=1)


@pytest.fixture
def met() -> xr.Dataset:
    """Tiny canonical ERA5-like met data matching :func:`cams`."""
    times = pd.date_range("2022-06-01", periods=6, freq="12h")
    return canonical_dataset(variables.MET_VARIABLES, times, seed=2, positive=False)


def _refuse_to_compute(*args, **kwargs):
    raise AssertionError("a dask graph was computed before .compute()")


@pytest.fixture
def no_compute():
    """A context-manager factory: ``with no_compute():`` fails the test if dask computes."""
    return lambda: dask.config.set(scheduler=_refuse_to_compute)
