"""The toy world's forecasts in other weather models' configurations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xaqf.data.io import standardize
from xaqf.data.presets import resolve_met
from xaqf.errors import ConfigError
from xaqf.tutorial import preset_forecast, preset_met, toy_world

INIT = pd.to_datetime(["2022-06-01T12"])
LEADS = pd.to_timedelta([0, 6, 12], "h").values


@pytest.fixture(scope="module")
def world():
    return toy_world(resolution=30.0, days=1, spinup_days=0, init_times=INIT)


@pytest.fixture(scope="module")
def forecasts():
    return {name: preset_forecast(30.0, INIT, name, lead_times=LEADS)
            for name in ("fuxi", "graphcast", "pangu")}


def test_layouts_are_earth2studio_s(forecasts):
    fuxi, graphcast, pangu = forecasts["fuxi"], forecasts["graphcast"], forecasts["pangu"]
    assert {"r850", "tp06"} <= set(fuxi) and "q850" not in fuxi
    assert {"q850", "tp06", "t2m", "u10m"} <= set(graphcast) and "r850" not in graphcast
    assert "q850" in pangu and not {"tp", "tp06", "r850"} & set(pangu)
    assert graphcast["q850"].dims == ("time", "lead_time", "lat", "lon")
    assert graphcast["q850"].chunks is not None and not graphcast["q850"].attrs
    assert graphcast["lat"].values[0] < graphcast["lat"].values[-1]


def test_the_weather_is_the_world_s_forecast(world, forecasts):
    """Same drift as world.fuxi: at a shared lead the fields are the FuXi-like ones."""
    with pytest.warns(UserWarning, match="twice"):
        met = standardize(forecasts["graphcast"], "met").isel(lead_time=[2]).compute()
    fuxi = world.fuxi.sel(lead_time=LEADS[2:]).compute()
    np.testing.assert_array_equal(met["z"].values, fuxi["z"].values)
    np.testing.assert_allclose(resolve_met(met)["r"].values, fuxi["r"].values, rtol=1e-4,
                               atol=1e-3)


def test_six_hour_amounts_add_up(forecasts):
    with pytest.warns(UserWarning, match="twice"):
        met = standardize(forecasts["graphcast"], "met").compute()
    amounts = forecasts["graphcast"]["tp06"].compute()
    np.testing.assert_allclose(met["tp"].isel(lead_time=2).values[0, ::-1],
                               amounts.isel(lead_time=[1, 2]).sum("lead_time").values[0],
                               rtol=1e-6, atol=1e-9)


def test_presets_the_toy_cannot_write_are_refused():
    with pytest.raises(ConfigError, match=r"toy world writes .*'era5'"):
        preset_forecast(30.0, INIT, "era5")
    with pytest.raises(ConfigError, match="did you mean 'pangu'"):
        preset_forecast(30.0, INIT, "pangoo")


def test_the_truth_in_a_preset_s_configuration(world):
    graphcast, pangu = preset_met(world.era5, "graphcast"), preset_met(world.era5, "pangu")
    assert "q" in graphcast and "r" not in graphcast and "tp" in graphcast
    assert "tp" not in pangu and "r" not in pangu
    np.testing.assert_allclose(resolve_met(graphcast)["r"].values, world.era5["r"].values,
                               rtol=1e-4, atol=1e-3)
