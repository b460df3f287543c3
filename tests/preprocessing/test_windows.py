"""Tests of xaqf.preprocessing.windows: the one 'every complete window, else the first gap' rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from xaqf.errors import LayoutError
from xaqf.preprocessing.windows import Need, complete_windows

STEP = pd.Timedelta("12h")
TIMES = pd.date_range("2022-06-01", periods=8, freq="12h")
FORECAST = [s * STEP for s in range(3)]  # t, t + 12 h, t + 24 h


def _cams(times: pd.DatetimeIndex) -> Need:
    return Need("cams", (-STEP, 0 * STEP), times=times,
                labels={-STEP: "the previous state"}, fix="give longer cams")


def _met(times: pd.DatetimeIndex) -> Need:
    return Need("met", FORECAST, times=times)


def _usable(times_cams: pd.DatetimeIndex, times_met: pd.DatetimeIndex) -> list[pd.Timestamp]:
    usable, _ = complete_windows(times_cams, [_cams(times_cams), _met(times_met)])
    return list(pd.DatetimeIndex(usable))


@pytest.mark.parametrize(("dropped", "expected"), [
    ([], [1, 2, 3, 4, 5]),          # complete: every t with t - 12 h and t + 24 h
    ([1], [2, 3, 4, 5]),            # gap at the start (0 has no previous state anyway)
    ([4], [1, 5]),                  # gap in the middle: windows from 2, 3, 4 lack it
    ([7], [1, 2, 3, 4]),            # gap at the end
    ([1, 7], [2, 3, 4]),
])
def test_gaps_at_start_middle_and_end(dropped, expected):
    assert _usable(TIMES, TIMES.delete(dropped)) == [TIMES[i] for i in expected]


@pytest.mark.parametrize(("dropped", "expected"), [
    ([0], [2, 3, 4, 5]),            # the first state lacks its previous one
    ([3], [1, 2, 5]),               # 3 is gone and 4 lacks its previous state
    ([5, 7], [1, 2, 3, 4]),         # 5 is gone, 6 lacks its previous state, 7 its met
])
def test_pollutant_gaps_remove_their_windows(dropped, expected):
    cams = TIMES.delete(dropped)
    assert _usable(cams, TIMES) == [TIMES[i] for i in expected]


def test_first_gap_names_the_missing_time_and_who_needs_it():
    met = TIMES.delete(4)
    usable, gap = complete_windows(TIMES[1:], [_cams(TIMES), _met(met)], window="forecast")
    assert list(pd.DatetimeIndex(usable)) == [TIMES[1], TIMES[5]]
    assert gap is not None and gap.need.name == "met"
    assert (gap.init_time, gap.time, gap.offset, gap.missing) == (
        TIMES[2], TIMES[4], 2 * STEP, 1)
    assert str(gap) == ("met has no time 2022-06-03 00:00:00 (t + 1 days 00:00:00 for the "
                        "forecast from 2022-06-02 00:00:00; 1 of the 3 met times it needs "
                        "are missing)")
    _, gap = complete_windows(TIMES[:1], [_cams(TIMES), _met(TIMES)])
    assert str(gap).startswith("cams has no time 2022-05-31 12:00:00 (the previous state for "
                               "the window from 2022-06-01 00:00:00")
    assert str(gap).endswith(": give longer cams")


def test_candidates_keep_their_order_and_complete_ones_give_no_gap():
    candidates = [TIMES[3], TIMES[1], TIMES[2]]
    usable, gap = complete_windows(candidates, [_cams(TIMES), _met(TIMES)])
    assert gap is None and list(pd.DatetimeIndex(usable)) == candidates
    assert usable.dtype == np.dtype("datetime64[ns]")


def test_forecast_met_along_init_and_lead_time():
    inits, leads = TIMES[[1, 3, 4]], pd.to_timedelta([0, 12, 24, 36], "h")
    met = Need("met", FORECAST, init_times=inits, lead_times=leads)
    usable, gap = complete_windows(TIMES[1:6], [_cams(TIMES), met], window="forecast")
    assert list(pd.DatetimeIndex(usable)) == list(inits)
    assert gap is not None and gap.coordinate == "init_time" and gap.init_time == TIMES[2]
    assert str(gap).startswith("the met forecast has no init_time 2022-06-02 00:00:00")

    short = Need("met", FORECAST, init_times=inits, lead_times=leads[:2], fix="longer runs")
    usable, gap = complete_windows(inits, [short], window="forecast")
    assert len(usable) == 0 and gap is not None
    assert (gap.coordinate, gap.offset, gap.time) == ("lead_time", 2 * STEP, TIMES[3])
    assert str(gap) == ("the met forecast from 2022-06-01 12:00:00 has no lead_time 1 days "
                        "00:00:00 (valid time 2022-06-02 12:00:00; 1 of the 3 leads 0 days "
                        "00:00:00 ... 1 days 00:00:00 the forecast from 2022-06-01 12:00:00 "
                        "needs are missing): longer runs")


def test_need_reads_the_layout_of_a_dataset():
    analysis = xr.Dataset(coords={"time": TIMES})
    forecast = xr.Dataset(coords={"init_time": TIMES[:2], "lead_time": FORECAST})
    assert not Need.of(analysis, "met", FORECAST).is_forecast
    assert Need.of(forecast, "met", FORECAST).is_forecast
    with pytest.raises(LayoutError, match=r"met has neither a 'time' dimension.*\('x',\)"):
        Need.of(xr.Dataset(coords={"x": [1, 2]}), "met", FORECAST)
    with pytest.raises(LayoutError, match="either times"):
        Need("met", FORECAST, times=TIMES, init_times=TIMES, lead_times=FORECAST)
    with pytest.raises(LayoutError, match="either times"):
        Need("met", FORECAST)


@settings(max_examples=60, deadline=None)
@given(held=st.lists(st.booleans(), min_size=12, max_size=12),
       offsets=st.lists(st.integers(-2, 3), min_size=1, max_size=4, unique=True))
def test_rule_matches_brute_force(held, offsets):
    grid = pd.date_range("2022-06-01", periods=12, freq="12h")
    times = grid[np.asarray(held)]
    need = Need("met", [k * STEP for k in offsets], times=times)
    usable, gap = complete_windows(grid, [need])
    expected = [t for t in grid if all(t + k * STEP in times for k in offsets)]
    assert list(pd.DatetimeIndex(usable)) == expected
    incomplete = [t for t in grid if t not in expected]
    assert (gap is None) == (not incomplete)
    if gap is not None:
        assert gap.init_time == incomplete[0] and gap.time not in times
        first = next(k for k in offsets if incomplete[0] + k * STEP not in times)
        assert gap.offset == first * STEP
