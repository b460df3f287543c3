"""Mass-conserving regridding: global totals, identity, NaNs, laziness, the accessor."""

from __future__ import annotations

import dask.array as dsa
import numpy as np
import pytest
import xarray as xr

from xaqf.errors import ConfigError
from xaqf.regrid import global_grid, regrid
from xaqf.regrid.conservative import ConservativeRegridder, cell_areas


def _irregular(nlat: int, nlon: int, offset: float) -> xr.Dataset:
    """A global grid whose cell centres do not include the poles (offset longitudes)."""
    lat = np.linspace(90 - 90 / nlat, -90 + 90 / nlat, nlat)
    lon = np.arange(nlon) * 360.0 / nlon + offset
    return xr.Dataset(coords={"latitude": lat, "longitude": lon})


def _total(values: np.ndarray, grid: xr.Dataset) -> float:
    return float((values * cell_areas(grid)).sum())


@pytest.mark.parametrize(("source", "target"), [
    (_irregular(13, 25, 3.0), _irregular(37, 71, 1.1)),     # coarse -> fine, not nested
    (_irregular(37, 71, 1.1), _irregular(13, 25, 3.0)),     # fine -> coarse
    (global_grid(4.0), _irregular(19, 33, 7.0)),            # polar points -> offset cells
])
def test_global_totals_are_preserved(source, target):
    field = np.random.default_rng(0).random((source.sizes["latitude"],
                                             source.sizes["longitude"]))
    out = ConservativeRegridder(source, target)(field)
    assert abs(_total(out, target) / _total(field, source) - 1) < 1e-6
    assert out.min() >= field.min() - 1e-12 and out.max() <= field.max() + 1e-12


def test_same_grid_is_identity():
    grid = _irregular(9, 16, 0.0)
    field = np.random.default_rng(1).random((2, 9, 16))
    np.testing.assert_allclose(ConservativeRegridder(grid, grid)(field), field, rtol=1e-12)


def test_areas_sum_to_the_sphere():
    assert cell_areas(_irregular(7, 11, 0.5)).sum() == pytest.approx(4 * np.pi * 6_371_000**2)


def test_nan_marks_only_overlapping_cells():
    source, target = global_grid(10.0), global_grid(30.0)
    field = np.ones((19, 36))
    field[9, 0] = np.nan
    out = ConservativeRegridder(source, target)(field)
    assert np.isnan(out).sum() == 1 and np.nanmax(np.abs(out - 1)) < 1e-12


def test_dask_stays_lazy_and_accessor_and_method_check():
    source = global_grid(10.0)
    values = np.random.default_rng(2).random((3, 19, 36))
    da = xr.DataArray(dsa.from_array(values, chunks=(1, 19, 36)),
                      dims=("time", "latitude", "longitude"), coords=source.coords)
    out = da.aqf.regrid(30.0, method="conservative")
    assert isinstance(out.data, dsa.Array)
    np.testing.assert_allclose(out.values, ConservativeRegridder(source, 30.0)(values))
    with pytest.raises(ConfigError, match="'nearest'"):
        regrid(da, 30.0, method="nearest")
