"""Tests of xaqf.regrid.bilinear: bilinear, periodic-in-longitude regridding and grid checks."""

from __future__ import annotations

import dask.array as dsa
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf import variables
from xaqf.errors import ConfigError, GridMismatchError, LayoutError
from xaqf.regrid import Regridder, check_same_grid, global_grid, regrid, same_grid

SOURCE = global_grid(4.0)
TARGET = global_grid(3.0)


def grid(lat, lon) -> xr.Dataset:
    return xr.Dataset(coords={"latitude": np.asarray(lat, float),
                              "longitude": np.asarray(lon, float)})


def field(fn, g: xr.Dataset, dtype=np.float64) -> np.ndarray:
    lat, lon = np.meshgrid(g.latitude.values, g.longitude.values, indexing="ij")
    return fn(lat, lon).astype(dtype)


def smooth(lat, lon):
    return np.cos(np.deg2rad(lat)) * np.sin(np.deg2rad(lon)) + 0.3 * np.sin(np.deg2rad(2 * lat))


@pytest.mark.parametrize(("resolution", "shape"), [(0.4, (451, 900)), (0.25, (721, 1440)),
                                                    (4, (46, 90))])
def test_global_grid_shapes_and_order(resolution, shape):
    g = global_grid(resolution)
    assert (g.sizes["latitude"], g.sizes["longitude"]) == shape
    lat, lon = g.latitude.values, g.longitude.values
    assert lat[0] == 90 and lat[-1] == -90 and np.all(np.diff(lat) < 0)
    assert lon[0] == 0 and lon[-1] < 360 and np.all(np.diff(lon) > 0)
    assert g.latitude.attrs["units"] == "degrees_north"


@pytest.mark.parametrize("resolution", [0.7, 0.0, -1.0, 7])
def test_global_grid_rejects_resolution_that_does_not_divide(resolution):
    with pytest.raises(ConfigError, match="does not divide"):
        global_grid(resolution)


def test_exact_for_field_linear_in_latitude():
    out = Regridder(SOURCE, TARGET)(field(lambda la, lo: 2 * la + 1, SOURCE))
    np.testing.assert_allclose(out, field(lambda la, lo: 2 * la + 1, TARGET), atol=1e-12)


def test_exact_for_field_linear_in_longitude_away_from_wrap():
    target = grid(TARGET.latitude, np.arange(0.0, 356.0, 3.0))
    out = Regridder(SOURCE, target)(field(lambda la, lo: 0.5 * lo - 3, SOURCE))
    np.testing.assert_allclose(out, field(lambda la, lo: 0.5 * lo - 3, target), atol=1e-10)


def test_bilinear_is_exact_for_product_of_linear_fields():
    source = grid(np.linspace(80, -80, 9), np.arange(0, 360, 20))
    target = grid([75.0, 13.3, -42.0], [1.0, 123.4, 339.0])
    fn = lambda la, lo: (la + 100) * (lo + 7)  # noqa: E731  bilinear, reproduced exactly
    out = Regridder(source, target)(field(fn, source))
    np.testing.assert_allclose(out, field(fn, target), rtol=1e-12)


def test_periodic_across_wrap_for_smooth_field():
    target = grid([30.0, 0.0], [358.0, 359.9, 0.5, 1.9])
    out = Regridder(SOURCE, target)(field(smooth, SOURCE))
    np.testing.assert_allclose(out, field(smooth, target), atol=2e-3)


def test_wrap_interpolates_between_last_and_first_column():
    source = grid([10.0, -10.0], np.arange(0, 360, 0.25))
    x = np.zeros((2, 1440))
    x[:, -1], x[:, 0] = 1.0, 5.0  # 359.75 and 0
    out = Regridder(source, grid([10.0], [359.9]))(x)
    np.testing.assert_allclose(out, [[1.0 + 4.0 * 0.15 / 0.25]])


def test_identity_when_source_equals_target():
    x = field(smooth, SOURCE, np.float32)
    x[3, 4] = np.nan
    out = Regridder(SOURCE, SOURCE)(x)
    np.testing.assert_array_equal(out, x)


def test_rolling_input_rolls_output():
    target = global_grid(2.0)
    x = np.random.default_rng(0).normal(size=(46, 90))
    regridder = Regridder(SOURCE, target)
    np.testing.assert_allclose(regridder(np.roll(x, 5, axis=-1)),
                               np.roll(regridder(x), 10, axis=-1), atol=1e-12)


def test_poles_take_pole_row_or_clamp_to_nearest_row():
    x = np.random.default_rng(1).normal(size=(46, 90))
    out = Regridder(SOURCE, TARGET)(x)
    np.testing.assert_array_equal(out[0, ::4], x[0, ::3])  # 90N equals the pole row
    np.testing.assert_array_equal(out[-1, ::4], x[-1, ::3])
    centres = grid(np.arange(88.0, -90.0, -4.0), SOURCE.longitude)  # no pole rows
    poles = grid([90.0, 89.0, 88.0, -89.0, -90.0], SOURCE.longitude)
    clamped = Regridder(centres, poles)(x[:45])
    np.testing.assert_array_equal(clamped, x[[0, 0, 0, 44, 44]])


def test_float32_preserved_and_integers_become_float64():
    regridder = Regridder(SOURCE, TARGET)
    assert regridder(np.ones((2, 46, 90), np.float32)).dtype == np.float32
    assert regridder(np.ones((46, 90), np.int32)).dtype == np.float64


def test_nan_propagates_only_through_its_stencil():
    x = np.ones((46, 90))
    x[10, 20] = np.nan
    out = Regridder(SOURCE, global_grid(2.0))(x)
    assert np.isnan(out[20, 40]) and np.isnan(out[21, 41]) and np.isnan(out[19, 39])
    assert np.isnan(out).sum() == 9
    assert not np.isnan(out[22, 40]) and not np.isnan(out[20, 42])


def test_ascending_latitude_source_matches_descending():
    x = field(smooth, SOURCE)
    flipped = SOURCE.sortby("latitude")
    np.testing.assert_array_equal(Regridder(flipped, TARGET)(x[::-1]), Regridder(SOURCE, TARGET)(x))


def test_minus_180_longitudes_and_unsorted_source_match():
    x = field(smooth, SOURCE)
    lon = np.where(SOURCE.longitude >= 180, SOURCE.longitude - 360, SOURCE.longitude)
    order = np.random.default_rng(3).permutation(90)
    shuffled = grid(SOURCE.latitude, lon[order])
    np.testing.assert_allclose(Regridder(shuffled, TARGET)(x[:, order]),
                               Regridder(SOURCE, TARGET)(x), atol=1e-14)


def test_output_follows_target_order_and_coords():
    target = grid(np.linspace(-90, 90, 61), np.arange(-180, 180, 3.0))
    out = regrid(xr.DataArray(field(smooth, SOURCE), coords=SOURCE.coords), target)
    np.testing.assert_array_equal(out.longitude, target.longitude)
    np.testing.assert_allclose(out.values, field(smooth, target), atol=2e-3)


def test_dataset_dataarray_dask_paths_equal_numpy(met):
    regridder = Regridder(met, TARGET)
    ds = met.assign(scalar=("time", np.arange(6.0)))
    ds.attrs["title"] = "met"
    out = regridder(ds)
    expected = regridder(met["u"].values)
    assert out["u"].dims == met["u"].dims and out["u"].dtype == np.float32
    np.testing.assert_array_equal(out["u"].values, expected)
    np.testing.assert_array_equal(regridder(met["u"]).values, expected)
    np.testing.assert_array_equal(regridder(dsa.from_array(met["u"].values, chunks=(2, 5, 3, 4))),
                                  expected)
    assert out.attrs == {"title": "met"} and out["u"].attrs == met["u"].attrs
    xr.testing.assert_identical(out["scalar"], ds["scalar"])
    assert same_grid(out, TARGET) and out.latitude.attrs["units"] == "degrees_north"


def test_dimension_order_kept_when_spatial_dims_not_last(met):
    da = met["t"].transpose("latitude", "time", "longitude", "level")
    out = regrid(da, 3.0)
    assert out.dims == da.dims
    np.testing.assert_array_equal(out.transpose(..., "latitude", "longitude").values,
                                  Regridder(met, 3.0)(met["t"].values))


def test_dask_is_lazy_until_compute(met, no_compute):
    lazy = met.chunk({"time": 2, "latitude": 3})
    with no_compute():
        out = lazy.aqf.regrid(TARGET)
    assert out["t"].chunks[0] == (2, 2, 2) and out["t"].chunks[-2:] == ((61,), (120,))
    np.testing.assert_array_equal(out["t"].compute().values, regrid(met, TARGET)["t"].values)


def test_regrid_returns_same_object_on_matching_grid(cams):
    assert regrid(cams, cams) is cams
    assert cams.aqf.regrid(global_grid(30.0)) is cams  # the 7 x 12 fixture grid


def test_same_grid_and_check_same_grid_describe_differences():
    assert same_grid(SOURCE, global_grid(4.0)) and not same_grid(SOURCE, TARGET)
    with pytest.raises(GridMismatchError, match=r"latitude sizes differ.*46.*61.*aqf\.regrid"):
        check_same_grid(SOURCE, TARGET)
    with pytest.raises(GridMismatchError, match="latitude order differs: forecast is descending, "
                                                "truth is ascending"):
        check_same_grid(SOURCE, SOURCE.sortby("latitude"))
    shifted = SOURCE.assign_coords(longitude=SOURCE.longitude + 2)
    with pytest.raises(GridMismatchError, match="longitude values differ.*index 0: 0 vs 2"):
        check_same_grid(SOURCE, shifted, names=("met", "cams"))


def test_bad_inputs_raise_clear_errors(cams):
    with pytest.raises(GridMismatchError, match="does not end with the source grid"):
        Regridder(SOURCE, TARGET)(np.ones((46, 91)))
    with pytest.raises(GridMismatchError, match="latitude values differ.*input"):
        Regridder(cams, TARGET)(cams.assign_coords(latitude=cams.latitude + 1))
    with pytest.raises(GridMismatchError, match="not the whole circle"):
        Regridder(grid([0.0, 10.0], np.arange(0, 90, 1.0)), TARGET)
    with pytest.raises(LayoutError, match="duplicates"):
        Regridder(grid([0.0, 10.0], [0.0, 180.0, 360.0]), TARGET)
    with pytest.raises(LayoutError, match="'latitude'.*standardize"):
        Regridder(cams.rename(latitude="lat"), TARGET)
    bad = cams.assign(zonal=cams["pm1"].mean("longitude"))
    with pytest.raises(LayoutError, match="'zonal' has only 'latitude'"):
        regrid(bad, TARGET)


def test_round_trip_through_finer_grid_is_exact():
    ds = canonical_dataset(["go3"], pd.date_range("2022-06-01", periods=2, freq="12h"),
                           nlat=46, nlon=90, levels=variables.PRESSURE_LEVELS[:2])
    back = regrid(regrid(ds, 2.0), ds)
    xr.testing.assert_identical(back, ds)  # the 2 degree grid holds every 4 degree point
