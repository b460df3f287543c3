"""Derived met variables: IFS humidities through earthkit-meteo, 12 h precipitation."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from earthkit.meteo import thermo

from xaqf.data.derived import precipitation_12h, relative_humidity, specific_humidity
from xaqf.data.io import standardize
from xaqf.errors import InvalidValueError, LayoutError

LEVELS = [50.0, 250.0, 500.0, 850.0, 1000.0]


def on_levels(values: np.ndarray, units: str) -> xr.DataArray:
    return xr.DataArray(values, dims=("level", "latitude"),
                        coords={"level": LEVELS, "latitude": np.arange(values.shape[1])},
                        attrs={"units": units})


@pytest.fixture
def humid():
    rng = np.random.default_rng(0)
    low, high = np.array([[195, 200, 230, 255, 260], [230, 240, 275, 305, 310]], float)
    t = on_levels(rng.uniform(low[:, None], high[:, None], (5, 40)), "K")
    r = on_levels(rng.uniform(1.0, 100.0, (5, 40)), "%")
    return t, specific_humidity(r, t), r


def test_relative_humidity_equals_earthkit(humid):
    t, q, _ = humid
    p = np.asarray(LEVELS)[:, None] * 100.0
    theirs = thermo.relative_humidity_from_specific_humidity(
        t.values, q.values.astype(np.float64), p)
    ours = relative_humidity(q, t)
    np.testing.assert_allclose(ours.values, theirs, rtol=2e-6)
    assert ours.dtype == np.float32 and ours.attrs["units"] == "%"


def test_humidities_invert_each_other(humid):
    t, q, r = humid
    np.testing.assert_allclose(relative_humidity(q, t).values, r.values, rtol=1e-5)


def test_relative_humidity_by_hand_over_water_and_ice():
    """The IFS formula with its published constants, below -23 C (ice) and above 0 C."""
    coords = {"level": [50.0, 1000.0]}
    t = xr.DataArray(np.array([[210.0], [300.0]]), dims=("level", "x"), coords=coords)
    q = xr.DataArray(np.array([[1e-6], [0.01]]), dims=("level", "x"), coords=coords)
    p = np.array([50.0, 1000.0]) * 100.0
    eps = 287.0597 / 461.5250
    e = p * q.values[:, 0] / (eps + (1 - eps) * q.values[:, 0])
    ice = 611.21 * np.exp(22.587 * (210.0 - 273.16) / (210.0 + 0.7))
    water = 611.21 * np.exp(17.502 * (300.0 - 273.16) / (300.0 - 32.19))
    r = relative_humidity(q, t).values[:, 0]
    np.testing.assert_allclose(r, 100 * e / np.array([ice, water]), rtol=1e-5)
    assert round(float(r[1]), 2) == 45.25


def test_derived_fields_say_where_they_come_from(humid):
    t, q, _ = humid
    history = relative_humidity(q, t).attrs["history"]
    assert "r derived from q, t and p" in history and "earthkit-meteo" in history
    assert "phase='mixed'" in history


def test_stays_lazy(humid, no_compute):
    t, q, _ = humid
    lazy_t, lazy_q = t.copy(data=da.from_array(t.values)), q.copy(data=da.from_array(q.values))
    with no_compute():
        r = relative_humidity(lazy_q, lazy_t)
    assert r.chunks is not None
    np.testing.assert_array_equal(r.values, relative_humidity(q, t).values)


def test_q_in_grams_per_kilogram_is_named(humid):
    t, q, _ = humid
    with pytest.raises(InvalidValueError, match=r"q \(max .*\) looks like g kg-1"):
        relative_humidity(q * 1000.0, t)


def test_t_in_celsius_is_named(humid):
    t, q, r = humid
    with pytest.raises(InvalidValueError, match="degrees Celsius labelled K"):
        relative_humidity(q, t - 273.15)
    with pytest.raises(InvalidValueError, match="before deriving q"):
        specific_humidity(r, t - 273.15)
    with pytest.raises(InvalidValueError, match=r"r \(max .*\) looks like per mille"):
        specific_humidity(r * 1000.0, t)


def test_the_slip_is_raised_when_dask_computes(humid):
    t, q, _ = humid
    lazy = relative_humidity(q.chunk() * 1000.0, t.chunk())
    with pytest.raises(InvalidValueError, match="g kg-1"):
        lazy.compute()


LEADS = pd.to_timedelta(np.arange(6) * 6, "h")


def six_hourly(values) -> xr.DataArray:
    return xr.DataArray(np.asarray(values, float), dims="lead_time",
                        coords={"lead_time": LEADS}, attrs={"units": "m"})


def test_a_missing_six_hour_amount_is_a_gap_not_a_doubled_total():
    """Issue #30: one missing 6 h amount must not double the next 12 h total."""
    total = precipitation_12h(six_hourly([1, 2, 3, np.nan, 5, 6]), "6h")
    np.testing.assert_array_equal(total.values, [np.nan, 3, 5, np.nan, np.nan, 11])
    assert "12 h totals" in total.attrs["history"]


def test_tp06_from_earth2studio_keeps_the_gap():
    ds = xr.Dataset({"tp06": (("time", "lead_time", "lat", "lon"),
                              np.array([1, 2, 3, np.nan, 5, 6.0])[None, :, None, None])},
                    coords={"time": pd.to_datetime(["2022-06-01"]), "lead_time": LEADS,
                            "lat": [0.0], "lon": [0.0]})
    with pytest.warns(UserWarning, match="twice"):
        tp = standardize(ds, "met")["tp"].values.ravel()
    np.testing.assert_array_equal(tp, [2, 3, 5, np.nan, np.nan, 11])


def test_hourly_and_accumulated_amounts():
    hours = pd.date_range("2022-06-01T01", periods=36, freq="h")
    hourly = xr.DataArray(np.arange(36.0), dims="time", coords={"time": hours})
    total = precipitation_12h(hourly, "1h")
    assert np.isnan(total.values[10]) and total.values[11] == sum(range(12))
    accumulated = six_hourly(np.cumsum([0, 1, 2, 3, 4, 5]))
    np.testing.assert_array_equal(precipitation_12h(accumulated, "accumulated").values,
                                  [np.nan, np.nan, 3, 5, 7, 9])


def test_irregular_amounts_name_the_gap():
    amounts = six_hourly([1, 2, 3, 4, 5, 6]).isel(lead_time=[0, 1, 3, 4])
    with pytest.raises(LayoutError, match=r"12 h before 0 days 18:00:00"):
        precipitation_12h(amounts, "6h")
    with pytest.raises(LayoutError, match="period"):
        precipitation_12h(amounts, "5h")
