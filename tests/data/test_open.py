"""Tests of xaqf.data.open: forecast files kept as they are, analyses standardized, errors."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import canonical_dataset
from xaqf.data.open import open_data, open_lazily, store_group
from xaqf.errors import DataError

TIMES = pd.date_range("2022-06-01", periods=3, freq="12h")


def test_an_analysis_is_standardized_and_a_forecast_kept(tmp_path):
    analysis = canonical_dataset(["pm10"], TIMES, levels=())
    raw = analysis.rename(latitude="lat", longitude="lon").sortby("lat")
    raw.to_netcdf(tmp_path / "analysis.nc")
    opened = open_data(tmp_path / "analysis.nc")
    assert opened.pm10.dims == ("time", "latitude", "longitude")
    assert opened.latitude.values[0] > opened.latitude.values[-1]
    assert opened.pm10.chunks is not None
    forecast = analysis.rename(time="init_time").expand_dims(
        lead_time=pd.to_timedelta([12], unit="h"))
    forecast.to_zarr(tmp_path / "forecast.zarr", zarr_format=2)
    kept = open_data(tmp_path / "forecast.zarr")
    assert kept.pm10.dims == forecast.pm10.dims


def test_missing_and_unreadable_files_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.nc.*or give"):
        open_lazily(tmp_path / "nope.nc", " (or give something else)")
    (tmp_path / "broken.nc").write_bytes(b"not a netCDF file")
    with pytest.raises(DataError, match="broken.nc"):
        open_data(tmp_path / "broken.nc")


def test_a_store_is_read_from_its_cams_group(tmp_path):
    store = tmp_path / "train.zarr"
    cams = canonical_dataset(["pm10", "no2"], pd.date_range("2022-06-01", periods=2, freq="12h"))
    cams.to_zarr(store, group="cams", consolidated=True)
    cams.rename(pm10="t2m").drop_vars("no2").to_zarr(
        store, group="met", mode="a", consolidated=True)
    assert store_group(store, "met") == str(store / "met")
    assert sorted(open_data(store).data_vars) == sorted(cams.data_vars)
