"""Tests of xaqf.preprocessing.grey_line: the grey-line pollutant base."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf import variables
from xaqf.errors import ConfigError, LayoutError, MissingTimeError
from xaqf.preprocessing.grey_line import (
    grey_line_base,
    grey_line_mask,
    select_base,
    select_grey_line,
)

TIMES = pd.date_range("2022-06-01", periods=6, freq="12h")


@pytest.fixture
def clock() -> xr.Dataset:
    """Every pollutant equals the hour index of its time (0, 12, ..., 60) everywhere."""
    ds = canonical_dataset(variables.POLLUTANT_VARIABLES, TIMES, nlat=3, nlon=4, levels=[500])
    hours = xr.DataArray(np.arange(6) * 12.0, dims="time", coords={"time": ds.time})
    return ds.map(lambda da: (da * 0 + hours).astype(np.float32).assign_attrs(da.attrs))


def test_picks_24h_for_grey_line_and_12h_for_the_rest(clock):
    base = grey_line_base(clock)
    taus = pd.DatetimeIndex(base.time.values)
    assert taus.equals(TIMES[2:].append(pd.DatetimeIndex([TIMES[-1] + pd.Timedelta("12h")])))
    tau_hours = np.arange(2, 7) * 12.0
    for name in variables.POLLUTANT_VARIABLES:
        lag = 24.0 if name in variables.GREY_LINE else 12.0
        np.testing.assert_array_equal(base[name].isel(latitude=0, longitude=0).values.ravel(),
                                      tau_hours - lag, err_msg=name)
        assert base[name].attrs["base_lag"] == f"{lag:g}h"
        assert base[name].attrs["units"] == variables.VARIABLES[name].units


def test_step_of_24h_and_custom_grey_line(clock):
    base = grey_line_base(clock, step="24h")
    assert (base.go3.isel(time=0) == 0).all() and base.go3.attrs["base_lag"] == "24h"
    custom = grey_line_base(clock, grey_line={"go3"})
    first = custom.isel(time=0, latitude=0, longitude=0)
    assert float(first.go3.squeeze()) == 0.0 and float(first.no2.squeeze()) == 12.0


def test_target_times_and_missing_history(clock):
    tau = TIMES[3]
    base = grey_line_base(clock, target_times=[tau])
    assert base.sizes["time"] == 1 and float(base.pm10.max()) == 12.0
    with pytest.raises(MissingTimeError,
                       match=r"'tc_no' at target time 2022-06-01 12:00:00 needs its value at "
                             r"2022-05-31 12:00:00 \(24h earlier\)"):
        grey_line_base(clock, target_times=[TIMES[1]])
    with pytest.raises(MissingTimeError, match=r"no target time.*1 times"):
        grey_line_base(clock.isel(time=[0]))


@pytest.mark.parametrize("as_given", [list, np.asarray, pd.DatetimeIndex,
                                      lambda t: xr.DataArray(t, dims="time"),
                                      lambda t: [str(tau) for tau in t]])
def test_target_times_in_any_array_like_form(clock, as_given):
    taus = TIMES[3:5]
    base = grey_line_base(clock, target_times=as_given(taus))
    assert pd.DatetimeIndex(base.time.values).equals(taus)
    assert base.go3.values[:, 0, 0, 0].tolist() == [24.0, 36.0]


def test_lazy_on_dask(clock):
    base = grey_line_base(clock.chunk(time=1))
    assert base.go3.chunks is not None
    xr.testing.assert_identical(base.compute(), grey_line_base(clock))


def test_bad_inputs(clock):
    with pytest.raises(ConfigError, match="positive"):
        grey_line_base(clock, step="0h")
    with pytest.raises(LayoutError, match="'time'"):
        grey_line_base(clock.rename(time="init_time"))


def test_grey_line_mask_follows_channel_order():
    mask = grey_line_mask("pollutant")
    assert mask.dtype == bool and mask.shape == (73,)
    names = np.array(variables.POLLUTANT_CHANNELS)
    assert set(names[mask]) >= {"tc_no", "no_50", "no2_1000", "pm2p5"}
    assert not {"tcco", "go3_850", "so2_500"} & set(names[mask])
    assert grey_line_mask(["go3", "tcco"], grey_line={"go3"}).tolist() == [True, False]


def test_select_base_numpy_and_torch():
    prev, now = np.zeros((2, 3, 4, 5)), np.ones((2, 3, 4, 5))
    mask = np.array([True, False, True])
    base = select_base(prev, now, mask)
    assert base[:, 0].max() == 0 and base[:, 1].min() == 1 and base[:, 2].max() == 0
    tbase = select_base(torch.from_numpy(prev), torch.from_numpy(now), torch.from_numpy(mask))
    np.testing.assert_array_equal(tbase.numpy(), base)
    with pytest.raises(LayoutError, match="one entry per channel"):
        select_base(prev, now, [True])
    with pytest.raises(LayoutError, match="share one shape"):
        select_base(prev[:1], now, mask)


def test_select_grey_line_finds_the_daily_cycle():
    times = pd.date_range("2022-06-01", periods=8, freq="12h")
    ds = canonical_dataset(["no2", "co"], times, nlat=3, nlon=4, levels=[500])
    day_night = xr.DataArray(np.tile([0.0, 5.0], 4), dims="time", coords={"time": times})
    trend = xr.DataArray(np.arange(8.0), dims="time", coords={"time": times})
    ds["no2"] = ds.no2 * 0.01 + day_night
    ds["co"] = ds.co * 0.01 + trend
    assert select_grey_line(ds) == frozenset({"no2"})
    with pytest.raises(ConfigError, match="24h"):
        select_grey_line(ds, step="24h")
