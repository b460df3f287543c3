"""Spatial Pearson and Spearman r against scipy on hand-made grids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

from tests.metrics.test_relative import grid_pair
from xaqf import metrics
from xaqf.metrics.correlation import average_ranks


def test_pearson_and_spearman_match_scipy_with_equal_weights() -> None:
    rng = np.random.default_rng(3)
    truth_values = rng.gamma(2.0, 5.0, size=20)
    forecast_values = truth_values ** 2 + rng.normal(0, 5.0, size=20)
    forecast, truth = grid_pair(forecast_values, truth_values)
    assert float(metrics.pearson_r(forecast, truth)[0]) == pytest.approx(
        stats.pearsonr(forecast_values, truth_values)[0])
    assert float(metrics.spearman_r(forecast, truth)[0]) == pytest.approx(
        stats.spearmanr(forecast_values, truth_values)[0])


def test_ties_get_average_ranks_like_scipy() -> None:
    values = np.array([3.0, 1.0, 3.0, 2.0, 1.0])
    np.testing.assert_allclose(average_ranks(values), stats.rankdata(values))


def test_spearman_skips_unpaired_points_when_asked() -> None:
    truth_values = np.arange(1.0, 9.0)
    forecast_values = np.exp(truth_values)
    truth_values[2] = np.nan
    forecast, truth = grid_pair(forecast_values, truth_values)
    assert np.isnan(float(metrics.spearman_r(forecast, truth, skipna=False)[0]))
    assert float(metrics.spearman_r(forecast, truth, skipna=True)[0]) == pytest.approx(1.0)


def test_constant_forecast_has_undefined_correlation() -> None:
    forecast, truth = grid_pair(np.full(6, 4.0), np.arange(6.0))
    assert np.isnan(float(metrics.pearson_r(forecast, truth)[0]))
    assert isinstance(metrics.spearman_r(forecast.to_dataset(), truth.to_dataset()), xr.Dataset)


def test_pearson_uses_latitude_weights() -> None:
    rng = np.random.default_rng(5)
    lat, lon = [60.0, 0.0, -30.0], [0.0, 120.0, 240.0]
    times = pd.date_range("2022-06-01", periods=2, freq="12h")
    o = rng.normal(size=(3, 3))
    f = o + rng.normal(size=(3, 3))
    truth = xr.DataArray(np.stack([o, o]), name="pm10", dims=("time", "latitude", "longitude"),
                         coords={"time": times, "latitude": lat, "longitude": lon})
    forecast = xr.DataArray(f[None, None], name="pm10",
                            dims=("init_time", "lead_time", "latitude", "longitude"),
                            coords={"init_time": times[:1],
                                    "lead_time": pd.to_timedelta([12], unit="h"),
                                    "latitude": lat, "longitude": lon})
    weights = np.repeat(np.cos(np.deg2rad(lat)), 3)
    covariance = np.cov(f.ravel(), o.ravel(), aweights=weights)
    expected = covariance[0, 1] / np.sqrt(covariance[0, 0] * covariance[1, 1])
    assert float(metrics.pearson_r(forecast, truth)[0]) == pytest.approx(expected)
