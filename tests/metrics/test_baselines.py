"""Tests of the persistence and climatology baselines and of valid-time matching."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf import metrics
from xaqf.errors import LayoutError, MissingTimeError

TIMES = pd.date_range("2022-06-01", periods=10, freq="12h")
LEADS = pd.to_timedelta(["12h", "24h", "36h"])


@pytest.fixture
def truth() -> xr.Dataset:
    return canonical_dataset(["pm10", "go3"], TIMES, levels=(850.0,), seed=3)


def test_align_truth_picks_the_valid_time(truth):
    coords = xr.Dataset(coords={"init_time": TIMES[[1, 4]], "lead_time": LEADS})
    aligned = metrics.align_truth(coords, truth)
    assert aligned.pm10.dims[:2] == ("init_time", "lead_time")
    xr.testing.assert_equal(aligned.pm10.isel(init_time=1, lead_time=2).drop_vars(
        ["init_time", "lead_time", "valid_time"]),
        truth.pm10.sel(time=TIMES[4] + LEADS[2]).drop_vars("time"))
    assert (aligned.valid_time == aligned.init_time + aligned.lead_time).all()


def test_persistence_repeats_the_initial_state(truth):
    forecast = metrics.persistence_forecast(truth, TIMES[[2, 3]], LEADS)
    assert forecast.go3.dims == ("init_time", "lead_time", "level", "latitude", "longitude")
    for lead in LEADS:
        np.testing.assert_array_equal(forecast.pm10.sel(lead_time=lead),
                                      truth.pm10.sel(time=TIMES[[2, 3]]))
    assert forecast.pm10.attrs == truth.pm10.attrs
    score = metrics.rmse(forecast, truth)
    assert (score.pm10 > 0).all()
    zero_lead = metrics.persistence_forecast(truth, TIMES[[2]], ["0h"])
    assert metrics.rmse(zero_lead, truth).pm10.values.tolist() == [0.0]
    assert forecast.lead_time.dtype == np.dtype("timedelta64[ns]")


def test_persistence_missing_init(truth):
    with pytest.raises(MissingTimeError, match="2022-07-01"):
        metrics.persistence_forecast(truth, ["2022-07-01"], LEADS)


def test_climatology_by_hour_is_looked_up_at_valid_time(truth):
    clim = metrics.compute_climatology(truth, by="hour")
    assert clim.pm10.dims == ("hour", "latitude", "longitude")
    forecast = metrics.climatology_forecast(clim, TIMES[[0]], LEADS)
    np.testing.assert_allclose(forecast.pm10.sel(lead_time="12h").squeeze(),
                               truth.pm10.isel(time=slice(1, None, 2)).mean("time"), rtol=1e-6)
    np.testing.assert_allclose(forecast.pm10.sel(lead_time="24h").squeeze(),
                               truth.pm10.isel(time=slice(0, None, 2)).mean("time"), rtol=1e-6)


def test_climatology_mean_and_dayofyear(truth):
    plain = metrics.climatology_forecast(metrics.compute_climatology(truth), TIMES[:2], LEADS)
    assert plain.go3.dims == ("init_time", "lead_time", "level", "latitude", "longitude")
    assert "valid_time" in plain.coords
    daily = metrics.compute_climatology(truth, by="dayofyear_hour")
    assert daily.pm10.dims[:2] == ("dayofyear", "hour")
    looked_up = metrics.climatology_forecast(daily, TIMES[:1], ["12h"])
    np.testing.assert_allclose(looked_up.pm10.squeeze(), truth.pm10.isel(time=1))
    with pytest.raises(MissingTimeError, match="dayofyear"):
        metrics.climatology_forecast(daily, ["2022-08-01"], LEADS)
    with pytest.raises(LayoutError, match="compute_climatology"):
        metrics.climatology_forecast(truth, TIMES[:1], LEADS)
