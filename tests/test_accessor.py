"""The preprocessing methods of the ``aqf`` accessor: values, round trips and laziness."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import xaqf  # noqa: F401  (registers the accessor)
from tests.helpers import canonical_dataset
from xaqf import variables


@pytest.fixture
def hand() -> xr.Dataset:
    """pm10 on a 1 x 2 grid at 2 times, and t2m, with hand-checkable values."""
    times = pd.date_range("2022-06-01", periods=2, freq="12h")
    ds = canonical_dataset(["pm10", "t2m"], times, nlat=1, nlon=2)
    ds["pm10"][:] = np.array([[[1.0, 3.0]], [[2.0, 5.0]]])
    ds["t2m"][:] = np.array([[[270.0, 280.0]], [[280.0, 290.0]]])
    return ds


def test_stats_equal_eq11_and_normalised_values(hand):
    stats = hand.aqf.compute_stats()
    assert stats["std"].sel(channel="pm10").item() == 2.0  # 0.5 * (3 + 5) / 2
    assert stats["mean"].sel(channel="t2m").item() == 280.0
    assert stats["std"].sel(channel="t2m").item() == pytest.approx(math.sqrt(50.0))
    norm = hand.aqf.normalize(stats)
    assert norm.pm10.values.ravel().tolist() == [0.5, 1.5, 1.0, 2.5]
    assert norm.t2m.values.ravel().tolist() == pytest.approx(
        [v / math.sqrt(50.0) for v in (-10, 0, 0, 10)])
    xr.testing.assert_allclose(norm.aqf.denormalize(stats), hand)


def test_log_transform_through_the_accessor(hand):
    norm = hand.aqf.normalize(hand.aqf.compute_stats())
    out = norm.aqf.log_transform()
    # x = 0.5: 0.5 + log10(12500) / log10(25)
    assert out.pm10.values.ravel()[0] == pytest.approx(0.5 + math.log10(12500) / math.log10(25))
    xr.testing.assert_identical(out.t2m, norm.t2m)
    assert out.aqf.log_transform(variables=["t2m"], floor=1e-3).t2m.attrs["transform"]
    xr.testing.assert_allclose(out.aqf.inverse_log_transform(), norm, rtol=1e-6)


def test_channels_and_base_through_the_accessor(cams):
    da = cams.aqf.to_channels("pollutant")
    assert tuple(da.channel.values) == variables.POLLUTANT_CHANNELS
    xr.testing.assert_identical(da.aqf.from_channels(), cams)
    assert cams.aqf.to_channels(["pm10"]).sizes["channel"] == 1
    base = cams.aqf.grey_line_base(step="12h")
    np.testing.assert_array_equal(base.no2.isel(time=0), cams.no2.isel(time=0))
    np.testing.assert_array_equal(base.go3.isel(time=0), cams.go3.isel(time=1))
    assert cams.aqf.grey_line_base(step="24h").go3.attrs["base_lag"] == "24h"


def test_channel_dataarray_normalisation_through_the_accessor(cams):
    stats = cams.aqf.compute_stats()
    da = cams.aqf.to_channels()
    norm = da.aqf.normalize(stats)
    assert norm.attrs["units"] == "1"
    xr.testing.assert_allclose(norm.aqf.denormalize(stats), da, rtol=1e-6)


def test_nothing_computes_until_compute(cams, met, no_compute):
    ds = xr.merge([cams, met]).chunk(time=2)
    with no_compute():
        stats = ds.aqf.compute_stats()
        norm = ds.aqf.normalize(stats)
        trans = norm.aqf.log_transform()
        base = trans.aqf.grey_line_base()
        stacked = trans.aqf.to_channels("pollutant")
        back = stacked.aqf.from_channels().aqf.inverse_log_transform().aqf.denormalize(stats)
        lazy = [stats["std"], norm.go3, trans.pm10, base.no2, stacked, back.co]
        assert all(obj.chunks is not None for obj in lazy)
        with pytest.raises(AssertionError, match="computed"):
            stats.compute()
    xr.testing.assert_allclose(back.compute(), cams, rtol=1e-5)
