"""MDA8 on hand-worked days (gaps included) and the completeness rule of daily means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from xaqf import products
from xaqf.errors import ConfigError

DAY = pd.Timestamp("2022-06-01")
HOURS = pd.date_range(DAY - pd.Timedelta("6h"), DAY + pd.Timedelta("24h"), freq="h")
"""Values stamped 18:00 the day before .. 24:00: every running mean of 1 June is formed."""


def ozone(values: np.ndarray, times: pd.DatetimeIndex = HOURS) -> xr.DataArray:
    return xr.DataArray(values, dims="time", coords={"time": times}, name="go3",
                        attrs={"units": "ug m-3"})


def peak_day() -> np.ndarray:
    """40 everywhere, 100 in the four hours ending 13:00 .. 16:00 of 1 June."""
    values = np.full(HOURS.size, 40.0)
    values[HOURS.isin(DAY + pd.to_timedelta([13, 14, 15, 16], unit="h"))] = 100.0
    return values


def june_first(result: xr.DataArray) -> xr.DataArray:
    return result.sel(date=DAY)


def test_mda8_of_a_hand_worked_day() -> None:
    # the 8-h means ending 16:00 .. 20:00 hold all four peak hours: (4 * 100 + 4 * 40) / 8
    day = june_first(products.mda8(ozone(peak_day())))
    assert float(day) == pytest.approx(70.0)
    assert int(day["n_means"]) == 24 and bool(day["complete"])


def test_mda8_with_missing_hours_uses_6_of_8() -> None:
    values = peak_day()
    values[HOURS.isin(DAY + pd.to_timedelta([10, 11], unit="h"))] = np.nan
    # the means ending 16:00 and 17:00 now average 6 values: (4 * 100 + 2 * 40) / 6
    assert float(june_first(products.mda8(ozone(values)))) == pytest.approx(80.0)


def test_a_day_with_fewer_than_18_running_means_has_no_mda8() -> None:
    values = peak_day()
    values[HOURS.isin(DAY + pd.to_timedelta(range(3, 15), unit="h"))] = np.nan
    # valid means end at 01-04 h (at most 2 gaps) and 20-24 h: 9 of 24
    day = june_first(products.mda8(ozone(values)))
    assert np.isnan(float(day)) and int(day["n_means"]) == 9 and not bool(day["complete"])


def test_missing_time_steps_count_as_gaps() -> None:
    kept = ~HOURS.isin(DAY + pd.to_timedelta(range(3, 15), unit="h"))
    day = june_first(products.mda8(ozone(peak_day()[kept], HOURS[kept])))
    assert int(day["n_means"]) == 9


def test_three_hourly_values_are_interpolated_to_hours() -> None:
    ramp = np.arange(HOURS.size, dtype=float)
    hourly = june_first(products.mda8(ozone(ramp)))
    three_hourly = june_first(products.mda8(ozone(ramp[::3], HOURS[::3])))
    assert float(three_hourly) == pytest.approx(float(hourly))


def test_twelve_hourly_forecasts_are_refused_with_the_reason() -> None:
    times = pd.date_range(DAY, periods=6, freq="12h")
    with pytest.raises(ConfigError, match="12-hourly.*8-hour running mean"):
        products.mda8(ozone(np.ones(6), times))


def test_forecast_layout_gives_dates_per_init() -> None:
    leads = pd.to_timedelta(range(1, 49), unit="h")
    forecast = xr.Dataset(
        {"go3": (("init_time", "lead_time"), np.r_[np.full(24, 50.0), np.full(24, 80.0)][None])},
        coords={"init_time": [DAY], "lead_time": leads})
    out = products.mda8(forecast)
    assert out["go3"].dims == ("init_time", "date")
    assert out["go3"].values.tolist() == [[50.0, 80.0]]
    assert "18 of 24" in out.attrs["completeness"]


def test_daily_means_need_three_quarters_of_the_day() -> None:
    hours = pd.date_range(DAY, periods=48, freq="h")
    values = np.ones(48)
    values_frame = xr.Dataset({"pm10": ("time", values)}, coords={"time": hours})
    daily = products.daily_means(values_frame.isel(time=slice(0, 24 + 17)))
    assert daily["n_values"].values.tolist() == [24, 17]
    assert daily["complete"].values.tolist() == [True, False]  # 17 < 18 of 24
