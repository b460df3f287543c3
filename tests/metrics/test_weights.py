"""Tests of xaqf.metrics.latitude_weights."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from xaqf.errors import ConfigError, InvalidValueError
from xaqf.metrics import latitude_weights

GLOBAL = np.linspace(90.0, -90.0, 19)


@pytest.mark.parametrize("kind", ["cos", "area"])
def test_mean_one_and_order_free(kind):
    weights = latitude_weights(GLOBAL, kind=kind)
    assert weights.mean() == pytest.approx(1.0)
    np.testing.assert_allclose(latitude_weights(GLOBAL[::-1], kind=kind), weights[::-1])
    shuffled = np.random.default_rng(0).permutation(GLOBAL.size)
    np.testing.assert_allclose(latitude_weights(GLOBAL[shuffled], kind=kind),
                               weights[shuffled])


def test_cos_is_proportional_to_cosine_and_zero_at_poles():
    weights = latitude_weights(GLOBAL)
    assert weights[0] == 0.0 and weights[-1] == 0.0
    cos = np.cos(np.deg2rad(GLOBAL[1:-1]))
    np.testing.assert_allclose(weights[1:-1] / weights[9], cos, rtol=1e-12)


def test_area_matches_cell_areas_and_sums_to_sphere():
    weights = latitude_weights(GLOBAL, kind="area")
    # edges every 10 degrees with half cells at the poles: sum of sin differences is 2
    band = np.sin(np.deg2rad(5.0)) - np.sin(np.deg2rad(-5.0))
    np.testing.assert_allclose(weights[9] * 2 / GLOBAL.size, band, rtol=1e-12)
    assert weights[0] > 0 and weights[0] == pytest.approx(weights[-1])
    interior_ratio = weights[1:-1] / latitude_weights(GLOBAL)[1:-1]
    np.testing.assert_allclose(interior_ratio, interior_ratio[0], rtol=1e-12)


def test_dataarray_in_dataarray_out():
    lat = xr.DataArray(GLOBAL, dims="latitude", coords={"latitude": GLOBAL})
    weights = latitude_weights(lat)
    assert isinstance(weights, xr.DataArray)
    np.testing.assert_array_equal(weights.latitude, GLOBAL)
    assert weights.attrs["units"] == "1"


def test_bad_input():
    with pytest.raises(InvalidValueError, match="radians"):
        latitude_weights(np.array([0.0, 100.0]))
    with pytest.raises(InvalidValueError, match="zero"):
        latitude_weights(np.array([90.0, -90.0]))
    with pytest.raises(ConfigError, match="area"):
        latitude_weights(GLOBAL, kind="gaussian")
