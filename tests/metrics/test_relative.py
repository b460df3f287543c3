"""MNMB, FGE, NMB and NMGE against their published formulas on hand-made series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from xaqf import metrics
from xaqf.errors import UnitError


def grid_pair(forecast_values: np.ndarray, truth_values: np.ndarray,
              units: str = "ug m-3") -> tuple[xr.DataArray, xr.DataArray]:
    """One init, one lead; a (2 lat x n lon) grid at +-30 degrees (equal weights)."""
    nlon = forecast_values.size // 2
    lat, lon = [30.0, -30.0], np.arange(nlon) * 10.0
    times = pd.date_range("2022-06-01", periods=2, freq="12h")
    truth = xr.DataArray(np.stack([truth_values.reshape(2, nlon)] * 2), name="pm10",
                         dims=("time", "latitude", "longitude"), attrs={"units": units},
                         coords={"time": times, "latitude": lat, "longitude": lon})
    forecast = xr.DataArray(forecast_values.reshape(1, 1, 2, nlon), name="pm10",
                            dims=("init_time", "lead_time", "latitude", "longitude"),
                            attrs={"units": units},
                            coords={"init_time": times[:1],
                                    "lead_time": pd.to_timedelta([12], unit="h"),
                                    "latitude": lat, "longitude": lon})
    return forecast, truth


FORECAST = np.array([12.0, 5.0, 40.0, 0.0, 3.0, 8.0])
OBSERVED = np.array([10.0, 10.0, 20.0, 0.0, 6.0, 2.0])


def test_mnmb_fge_nmb_match_the_published_formulas() -> None:
    forecast, truth = grid_pair(FORECAST, OBSERVED)
    f, o = FORECAST, OBSERVED
    pairs = o + f > 0  # the F = O = 0 point counts as agreement (0) in MNMB and FGE
    ratio = np.where(pairs, (f - o) / np.where(pairs, f + o, 1.0), 0.0)
    expected_mnmb = 2.0 / FORECAST.size * ratio.sum()
    expected_fge = 2.0 / FORECAST.size * np.abs(ratio).sum()
    expected_nmb = (FORECAST - OBSERVED).sum() / OBSERVED.sum()
    expected_nmge = np.abs(FORECAST - OBSERVED).sum() / OBSERVED.sum()
    assert float(metrics.mnmb(forecast, truth)[0]) == pytest.approx(expected_mnmb)
    assert float(metrics.fge(forecast, truth)[0]) == pytest.approx(expected_fge)
    assert float(metrics.nmb(forecast, truth)[0]) == pytest.approx(expected_nmb)
    assert float(metrics.nmge(forecast, truth)[0]) == pytest.approx(expected_nmge)


def test_mnmb_is_symmetric_in_factor_errors_and_bounded() -> None:
    over, truth = grid_pair((OBSERVED + 1) * 3, OBSERVED + 1)
    under, _ = grid_pair((OBSERVED + 1) / 3, OBSERVED + 1)
    assert float(metrics.mnmb(over, truth)[0]) == pytest.approx(1.0)
    assert float(metrics.mnmb(under, truth)[0]) == pytest.approx(-1.0)
    huge, _ = grid_pair(OBSERVED * 1e9 + 1, OBSERVED + 1)
    assert float(metrics.fge(huge, truth)[0]) <= 2.0


def test_truth_units_are_converted_before_relative_scores() -> None:
    forecast, truth = grid_pair(FORECAST, OBSERVED)
    in_mg = (truth / 1000.0).assign_attrs(units="mg m-3")
    assert float(metrics.mnmb(forecast, in_mg)[0]) == pytest.approx(
        float(metrics.mnmb(forecast, truth)[0]))
    with pytest.raises(UnitError):
        metrics.fge(forecast, truth.assign_attrs(units="K"))


def test_nan_rules_follow_the_other_scores() -> None:
    truth_values = OBSERVED.copy()
    truth_values[1] = np.nan
    forecast, truth = grid_pair(FORECAST, truth_values)
    assert np.isnan(float(metrics.nmb(forecast, truth, skipna=False)[0]))
    keep = np.isfinite(truth_values)
    expected = (FORECAST[keep] - OBSERVED[keep]).sum() / OBSERVED[keep].sum()
    assert float(metrics.nmb(forecast, truth, skipna=True)[0]) == pytest.approx(expected)


def test_scores_group_by_forecast_day() -> None:
    forecast, truth = grid_pair(FORECAST, OBSERVED)
    two_leads = xr.concat([forecast, forecast.assign_coords(
        lead_time=pd.to_timedelta([24], unit="h"))], "lead_time")
    daily = metrics.by_lead_day(metrics.fge(two_leads, truth.reindex(
        time=pd.date_range("2022-06-01", periods=3, freq="12h"), method="ffill")))
    assert daily["lead_day"].values.tolist() == [1]
    assert daily.attrs["units"] == "1"
