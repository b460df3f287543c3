"""Station interpolation against an independent bilinear interpolation, nearest, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy.interpolate import RegularGridInterpolator

from tests.helpers import canonical_dataset
from xaqf.errors import GridMismatchError
from xaqf.stations import interpolate

LAT = np.array([40.4, -33.9, 0.0, 51.5, 10.0])
LON = np.array([-3.7, 359.0, 1.5, -0.1, 180.0])  # 359 and -0.1 sit across the 0/360 seam


def _stations(lat=LAT, lon=LON):
    return xr.Dataset(coords={"station": [f"s{i}" for i in range(len(lat))],
                              "latitude": ("station", lat), "longitude": ("station", lon)})


def _field():
    times = pd.date_range("2022-06-01", periods=2, freq="12h")
    return canonical_dataset(["pm2p5"], times, nlat=7, nlon=12, seed=3)


def _reference(da, lat, lon, method):
    grid_lat = da.latitude.values[::-1]
    grid_lon = np.concatenate([da.longitude.values, [360.0]])
    values = da.values[:, ::-1, :]
    values = np.concatenate([values, values[:, :, :1]], axis=2)
    out = []
    for field in values:
        f = RegularGridInterpolator((grid_lat, grid_lon), field, method=method)
        out.append(f(np.column_stack([lat, np.mod(lon, 360.0)])))
    return np.array(out)


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
def test_equals_independent_interpolation(method):
    ds = _field()
    out = interpolate(ds, _stations(), method=method)
    reference = _reference(ds["pm2p5"], LAT, LON, "linear" if method == "bilinear" else method)
    np.testing.assert_allclose(out["pm2p5"].transpose("time", "station").values, reference,
                               rtol=1e-5)
    assert list(out.station.values) == ["s0", "s1", "s2", "s3", "s4"]
    np.testing.assert_array_equal(out.latitude.values, LAT)


def test_seam_station_mixes_last_and_first_columns():
    ds = _field()
    out = interpolate(ds["pm2p5"], _stations(np.array([0.0]), np.array([345.0])))
    expected = 0.5 * (ds["pm2p5"].sel(latitude=0.0, longitude=330.0)
                      + ds["pm2p5"].sel(latitude=0.0, longitude=0.0))
    np.testing.assert_allclose(out.isel(station=0).values, expected.values, rtol=1e-6)


def test_lazy_on_dask(no_compute):
    ds = _field().chunk()
    with no_compute():
        out = interpolate(ds, _stations())
    assert out["pm2p5"].chunks is not None


def test_station_outside_regional_grid():
    ds = _field().sel(longitude=slice(0, 90), latitude=slice(60, 0))
    with pytest.raises(GridMismatchError, match="station 's1'.*outside the grid"):
        interpolate(ds, _stations(np.array([30.0, -33.9]), np.array([30.0, 30.0])))
    inside = interpolate(ds, _stations(np.array([30.0]), np.array([30.0])))
    assert float(inside["pm2p5"].isel(time=0, station=0)) == pytest.approx(
        float(ds["pm2p5"].isel(time=0).sel(latitude=30.0, longitude=30.0)))
    with pytest.raises(GridMismatchError, match="station 's0' at longitude 200"):
        interpolate(ds, _stations(np.array([30.0]), np.array([200.0])))
