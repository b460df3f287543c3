"""``describe``: a few lines on a file or store, its groups, times and grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from xaqf.data.describe import describe
from xaqf.errors import DataError


def _forecast() -> xr.Dataset:
    shape = (2, 3, 2, 4)
    return xr.Dataset(
        {"pm10": (("init_time", "lead_time", "latitude", "longitude"), np.zeros(shape)),
         "co": (("init_time", "lead_time", "latitude", "longitude"), np.zeros(shape))},
        coords={"init_time": pd.date_range("2022-06-01", periods=2, freq="12h"),
                "lead_time": pd.to_timedelta([12, 24, 36], unit="h"),
                "latitude": [45.0, -45.0], "longitude": [0.0, 90.0, 180.0, 270.0]},
        attrs={"title": "a forecast"})


def test_a_forecast_file_in_catalogue_order(tmp_path):
    path = tmp_path / "forecast.nc"
    _forecast().to_netcdf(path)
    text = describe(path)
    assert "title: a forecast" in text
    assert "variables: 2 (co, pm10)" in text  # the catalogue's order, not the file's
    assert "init:      2022-06-01 00:00 ... 2022-06-01 12:00, 2 times every 12h" in text
    assert "leads:     3, 12h ... 36h" in text


def test_a_zarr_store_group_by_group(tmp_path, recwarn):
    path = tmp_path / "store.zarr"
    _forecast().to_zarr(path, group="fc", consolidated=False)
    _forecast().isel(init_time=0, lead_time=0, drop=True).to_zarr(
        path, group="still", mode="a", consolidated=False)
    text = describe(path)
    assert "group fc:" in text and "group still:" in text
    assert not [w for w in recwarn if "consolidated" in str(w.message)]


def test_missing_and_unreadable_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.nc"):
        describe(tmp_path / "nope.nc")
    bad = tmp_path / "bad.nc"
    bad.write_text("not netCDF")
    with pytest.raises(DataError, match="bad.nc"):
        describe(bad)
