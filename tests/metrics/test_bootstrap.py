"""Block bootstrap: coverage on AR(1) series of known autocorrelation, block rule, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from xaqf import metrics
from xaqf.errors import InvalidValueError
from xaqf.metrics.bootstrap import block_length, lag1_autocorrelation


def ar1(n: int, rho: float, rng: np.random.Generator) -> np.ndarray:
    """Stationary AR(1) series of mean 0 and innovation variance 1."""
    noise = rng.normal(size=n)
    series = np.empty(n)
    series[0] = noise[0] / np.sqrt(1 - rho ** 2)
    for t in range(1, n):
        series[t] = rho * series[t - 1] + noise[t]
    return series


def coverage(n: int, rho: float, seeds: int, confidence: float = 0.9) -> float:
    """Share of seeds whose interval of the mean covers the true mean, 0."""
    covered = 0
    for seed in range(seeds):
        series = xr.DataArray(ar1(n, rho, np.random.default_rng(seed)), dims="init_time")
        interval = metrics.block_bootstrap(series, confidence=confidence, n_resamples=200,
                                           seed=seed)
        covered += float(interval.sel(bound="lower")) <= 0.0 <= float(
            interval.sel(bound="upper"))
    return covered / seeds


def test_intervals_cover_the_mean_of_autocorrelated_series_at_about_the_nominal_rate() -> None:
    # nominal 90 %; measured 86 % over 300 seeds; 100 seeds give a binomial sd of 3 %
    assert 0.78 <= coverage(180, 0.5, seeds=100) <= 0.97


@pytest.mark.slow
def test_coverage_over_many_seeds() -> None:
    assert 0.84 <= coverage(100, 0.0, seeds=400) <= 0.95  # measured 87-88 %
    assert 0.82 <= coverage(180, 0.5, seeds=400) <= 0.95  # measured 86 %


def test_block_length_follows_the_autocorrelation_and_is_stated() -> None:
    rng = np.random.default_rng(4)
    independent = xr.DataArray(rng.normal(size=200), dims="init_time")
    correlated = xr.DataArray(ar1(200, 0.8, rng), dims="init_time")
    short = metrics.block_bootstrap(independent, n_resamples=50)
    long = metrics.block_bootstrap(correlated, n_resamples=50)
    assert short.attrs["block_length"] <= 2 < long.attrs["block_length"]
    assert long.attrs["lag1_autocorrelation"] == pytest.approx(0.8, abs=0.1)
    assert "rho" in long.attrs["block_rule"]
    assert block_length(200, long.attrs["lag1_autocorrelation"]) == long.attrs["block_length"]


def test_lag1_autocorrelation_of_a_known_series() -> None:
    rho = lag1_autocorrelation(ar1(5000, 0.6, np.random.default_rng(1)))
    assert float(rho[0]) == pytest.approx(0.6, abs=0.03)


def test_fewer_initial_times_than_a_block_is_refused_naming_both() -> None:
    series = xr.DataArray(np.arange(5.0), dims="init_time")
    with pytest.raises(InvalidValueError, match="5 initial time.*block of 8"):
        metrics.block_bootstrap(series, block=8)


def test_datasets_keep_their_variables_and_dims() -> None:
    rng = np.random.default_rng(2)
    scores = xr.Dataset({"pm10": (("init_time", "lead_time"), rng.normal(size=(30, 2))),
                         "go3": ("init_time", rng.normal(size=30))})
    interval = metrics.block_bootstrap(scores, n_resamples=50)
    assert interval["pm10"].dims == ("bound", "lead_time")
    assert (interval["go3"].sel(bound="lower") <= interval["go3"].sel(bound="upper")).item()
