"""Comparing two forecasts: differences, intervals, significance and the share of wins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from xaqf import metrics

TIMES = pd.date_range("2022-06-01", periods=64, freq="12h")
LEADS = ["12h", "24h", "36h"]


def truth() -> xr.Dataset:
    rng = np.random.default_rng(0)
    shape = (TIMES.size, 3, 4)
    return xr.Dataset(
        {"pm10": (("time", "latitude", "longitude"), rng.gamma(2.0, 1.0, shape)),
         "tcco": (("time", "latitude", "longitude"), rng.gamma(2.0, 1.0, shape))},
        coords={"time": TIMES, "latitude": [40.0, 0.0, -40.0],
                "longitude": [0.0, 90.0, 180.0, 270.0]})


def noisy(scale: dict[str, float], seed: int) -> xr.Dataset:
    """The truth at valid time plus noise of the given size per variable."""
    layout = metrics.persistence_forecast(truth(), TIMES[:60], LEADS)
    aligned = metrics.align_truth(layout, truth())
    rng = np.random.default_rng(seed)
    return aligned.assign({name: aligned[name] + scale[name] * rng.normal(
        size=aligned[name].shape) for name in scale})


def test_difference_is_that_of_the_scores_with_an_interval_around_it() -> None:
    good, poor = noisy({"pm10": 0.2, "tcco": 1.0}, 1), noisy({"pm10": 1.0, "tcco": 1.0}, 2)
    result = metrics.compare(good, poor, truth(), n_resamples=200)
    expected = metrics.channel_scores(metrics.rmse(good, truth()) - metrics.rmse(poor, truth()))
    np.testing.assert_allclose(result["difference"].values, expected.values)
    assert (result["lower"] <= result["difference"]).all()
    assert (result["difference"] <= result["upper"]).all()
    # pm10 is far better; tcco has the same noise size: better by chance at most
    assert result["significantly_better"].sel(channel="pm10").all()
    assert not result["significant"].sel(channel="tcco").any()
    assert result.attrs["block_length"] >= 1 and result.attrs["score"] == "rmse"


def test_share_significantly_better_per_lead_day() -> None:
    good, poor = noisy({"pm10": 0.2, "tcco": 1.0}, 1), noisy({"pm10": 1.0, "tcco": 1.0}, 2)
    result = metrics.compare(good, poor, truth(), by="lead_day", n_resamples=200)
    share = metrics.share_significantly_better(result)
    assert result["lead_day"].values.tolist() == [1, 2]
    assert share["share_significantly_better"].values.tolist() == [0.5, 0.5]
    assert (share["share_better"] >= share["share_significantly_better"]).all()


def test_higher_is_better_for_correlations() -> None:
    good, poor = noisy({"pm10": 0.2, "tcco": 0.2}, 1), noisy({"pm10": 2.0, "tcco": 2.0}, 2)
    result = metrics.compare(good, poor, truth(), score=metrics.pearson_r,
                             orientation="higher", n_resamples=100)
    assert result["significantly_better"].all()
    assert (result["difference"] > 0).all()


def test_unknown_orientation_is_refused() -> None:
    good = noisy({"pm10": 0.2, "tcco": 0.2}, 1)
    with pytest.raises(Exception, match="orientation"):
        metrics.compare(good, good, truth(), orientation="smaller")  # type: ignore[arg-type]
