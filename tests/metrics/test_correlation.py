"""Spatial Pearson and Spearman r against scipy on hand-made grids."""

from __future__ import annotations

import numpy as np
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
