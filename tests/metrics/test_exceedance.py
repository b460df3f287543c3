"""Contingency tables and exceedance scores against hand counts and published values."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from xaqf import metrics
from xaqf.errors import DataWarning, UnitError
from xaqf.metrics.exceedance import contingency_scores

UG = {"units": "ug m-3"}


def station_pair() -> tuple[xr.DataArray, xr.DataArray]:
    """Ten hand-made station pairs, threshold 50: 3 hits, 2 misses, 1 false alarm, 4 c.n."""
    forecast = [60.0, 55.0, 70.0, 40.0, 10.0, 52.0, 20.0, 30.0, 45.0, np.nan]
    observed = [51.0, 80.0, 90.0, 60.0, 65.0, 30.0, 10.0, 35.0, 50.0, 99.0]
    coords = {"station": list("abcdefghij")}
    return (xr.DataArray(forecast, dims="station", coords=coords, name="pm10", attrs=UG),
            xr.DataArray(observed, dims="station", coords=coords, name="pm10", attrs=UG))


def test_station_table_matches_the_hand_count() -> None:
    table = metrics.contingency(*station_pair(), 50.0)
    counts = [float(table[k]) for k in ("hits", "misses", "false_alarms", "correct_negatives")]
    assert counts == [3.0, 2.0, 1.0, 3.0]  # j has no forecast; i: 50 is not above 50
    a, c, b, d, n = 3.0, 2.0, 1.0, 3.0, 9.0
    chance = (a + c) * (a + b) / n
    assert float(table["pod"]) == pytest.approx(3 / 5)
    assert float(table["far"]) == pytest.approx(1 / 4)
    assert float(table["csi"]) == pytest.approx(3 / 6)
    assert float(table["ets"]) == pytest.approx((a - chance) / (a + b + c - chance))
    assert float(table["hss"]) == pytest.approx(2 * (a * d - b * c)
                                                / ((a + c) * (c + d) + (a + b) * (b + d)))


def test_scores_of_finley_tornado_table_match_published_values() -> None:
    counts = (xr.DataArray(v) for v in (28.0, 23.0, 72.0, 2680.0))  # a, c, b, d
    scores = contingency_scores(*counts)
    # Finley (1884) as scored in Jolliffe & Stephenson's forecast verification book
    assert float(scores["pod"]) == pytest.approx(0.549, abs=5e-4)
    assert float(scores["far"]) == pytest.approx(0.720, abs=5e-4)
    assert float(scores["csi"]) == pytest.approx(0.228, abs=5e-4)
    assert float(scores["ets"]) == pytest.approx(0.216, abs=5e-4)
    assert float(scores["hss"]) == pytest.approx(0.355, abs=5e-4)


def test_threshold_units_are_converted() -> None:
    forecast, observed = station_pair()
    in_mg = metrics.contingency(forecast, observed, "0.05 mg m-3")
    assert float(in_mg["hits"]) == 3.0 and float(in_mg["threshold"]) == pytest.approx(50.0)
    with pytest.raises(UnitError, match="pm10"):
        metrics.contingency(forecast, observed, "50 K")
    observed_mg = (observed / 1000.0).assign_attrs(units="mg m-3")
    assert float(metrics.contingency(forecast, observed_mg, 50.0)["misses"]) == 2.0


def test_no_events_give_nan_scores_and_a_warning_naming_the_threshold() -> None:
    forecast, observed = station_pair()
    with pytest.warns(DataWarning, match="500 ug m-3"):
        table = metrics.contingency(forecast, observed, "500 ug m-3")
    assert np.isnan(float(table["pod"])) and np.isnan(float(table["csi"]))
    assert float(table["correct_negatives"]) == 9.0


def test_grid_counts_are_area_weighted() -> None:
    lat, lon = [60.0, 0.0], [0.0, 180.0]
    times = pd.date_range("2022-06-01", periods=2, freq="12h")
    truth = xr.DataArray(np.array([[[100.0, 100.0], [100.0, 100.0]]] * 2), name="pm10",
                         dims=("time", "latitude", "longitude"), attrs=UG,
                         coords={"time": times, "latitude": lat, "longitude": lon})
    forecast = xr.DataArray([[[[100.0, 100.0], [0.0, 0.0]]]], name="pm10", attrs=UG,
                            dims=("init_time", "lead_time", "latitude", "longitude"),
                            coords={"init_time": times[:1],
                                    "lead_time": pd.to_timedelta([12], unit="h"),
                                    "latitude": lat, "longitude": lon})
    table = metrics.contingency(forecast, truth, 50.0)
    # the 60N row holds cos 60 / (cos 60 + cos 0) = 1/3 of the area
    assert float(table["pod"][0]) == pytest.approx(1 / 3)
    assert float(table["hits"][0] + table["misses"][0]) == pytest.approx(4.0)


def test_dataset_takes_one_threshold_per_variable() -> None:
    forecast, observed = station_pair()
    f = xr.Dataset({"pm10": forecast, "pm2p5": forecast / 2})
    o = xr.Dataset({"pm10": observed, "pm2p5": observed / 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = metrics.contingency(f, o, {"pm10": "50 ug m-3", "pm2p5": "25 ug m-3"})
    assert table["hits"].values.tolist() == [3.0, 3.0]
    assert table["threshold"].values.tolist() == [50.0, 25.0]
