"""Static features: values, channel order and errors."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from tests.helpers import grid
from xaqf.errors import GridMismatchError, MissingVariableError
from xaqf.preprocessing.statics import STATIC_CHANNELS, static_features

GRID = xr.Dataset(coords=grid(7, 12))


def statics(seed: int = 0) -> xr.Dataset:
    rng = np.random.default_rng(seed)
    shape = (GRID.sizes["latitude"], GRID.sizes["longitude"])
    return xr.Dataset({"orography": (("latitude", "longitude"), rng.gamma(2.0, 900.0, shape)),
                       "lsm": (("latitude", "longitude"), rng.integers(0, 2, shape) * 1.0)},
                      coords=GRID.coords)


def test_features_in_model_order_with_standardised_orography():
    given = statics()
    features = static_features(given, GRID)
    assert features.shape == (len(STATIC_CHANNELS), 7, 12) and features.dtype == np.float32
    assert abs(features[0].mean()) < 1e-6 and abs(features[0].std() - 1) < 1e-5
    np.testing.assert_array_equal(features[1], given["lsm"].values)
    lat = np.deg2rad(GRID.latitude.values)[:, None]
    lon = np.deg2rad(GRID.longitude.values)[None, :]
    np.testing.assert_allclose(features[2:], np.stack(np.broadcast_arrays(
        np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon))), atol=1e-6)


def test_without_statics_only_position_is_informative():
    features = static_features(None, GRID)
    assert not features[:2].any() and features[2:].any()


def test_missing_static_variable_is_named():
    with pytest.raises(MissingVariableError, match="lsm"):
        static_features(statics().drop_vars("lsm"), GRID)


def test_statics_on_another_grid_are_refused():
    with pytest.raises(GridMismatchError):
        static_features(statics().isel(longitude=slice(0, 6)), GRID)
