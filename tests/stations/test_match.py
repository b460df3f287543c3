"""Matching forecasts at stations with observations in valid time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from xaqf.errors import MissingTimeError, MissingVariableError
from xaqf.stations import match

OBS_TIMES = pd.to_datetime(["2022-06-01T11:40", "2022-06-02T00:00", "2022-06-02T13:30"])


def _obs():
    return xr.Dataset({"pm2p5": (("station", "time"), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])},
                      coords={"station": ["a", "b"], "time": OBS_TIMES})


def _forecast(inits=("2022-06-01",)):
    lead = pd.to_timedelta([12, 24, 36], unit="h")
    return xr.Dataset({"pm2p5": (("init_time", "lead_time", "station"),
                                 np.zeros((len(inits), 3, 1)))},
                      coords={"init_time": pd.to_datetime(list(inits)), "lead_time": lead,
                              "station": ["b"]})


def test_tolerance_picks_nearest_within():
    fc, obs = match(_forecast(), _obs(), tolerance="1h")
    # 12:00 <- 11:40 (20 min), 00:00 exact, 12:00 of day 2 has 13:30 only (90 min): NaN
    np.testing.assert_array_equal(obs["pm2p5"].values[0, :, 0], [4.0, 5.0, np.nan])
    assert obs["pm2p5"].dims == ("init_time", "lead_time", "station")
    assert fc.station.values.tolist() == ["b"]
    _, wide = match(_forecast(), _obs(), tolerance="2h")
    np.testing.assert_array_equal(wide["pm2p5"].values[0, :, 0], [4.0, 5.0, 6.0])


def test_two_inits_and_analysis_layout():
    _, obs = match(_forecast(("2022-06-01T00:00", "2022-06-01T12:00")), _obs(), tolerance="1h")
    np.testing.assert_array_equal(obs["pm2p5"].values[1, :, 0], [5.0, np.nan, np.nan])
    analysis = xr.Dataset({"pm2p5": (("time", "station"), [[0.0, 0.0]])},
                          coords={"time": pd.to_datetime(["2022-06-02"]),
                                  "station": ["a", "b"]})
    _, obs = match(analysis, _obs())
    np.testing.assert_array_equal(obs["pm2p5"].values, [[2.0, 5.0]])


def test_no_overlapping_times_names_both_ranges():
    with pytest.raises(MissingTimeError, match="2023-01-01.*2022-06-01"):
        match(_forecast(("2023-01-01",)), _obs())


def test_no_common_variable():
    with pytest.raises(MissingVariableError, match="no variable"):
        match(_forecast().rename(pm2p5="pm10"), _obs())
