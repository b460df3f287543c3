"""Tests of xaqf.metrics.streaming: additive score states equal the in-memory scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import canonical_dataset
from xaqf import metrics
from xaqf.errors import ConfigError
from xaqf.metrics.streaming import ScoreState, score_state, score_states

LEADS = pd.to_timedelta([12, 24, 36], unit="h")
TIMES = pd.date_range("2022-06-01", periods=8, freq="12h")
INITS = 5
NLAT = 9


def make_case(seed: int = 3) -> tuple[xr.Dataset, xr.Dataset]:
    truth = canonical_dataset(["tcco", "go3"], TIMES, nlat=NLAT, levels=(500.0, 850.0),
                              seed=seed).astype(np.float64)
    rng = np.random.default_rng(seed)
    aligned = metrics.align_truth(
        xr.Dataset(coords={"init_time": TIMES[:INITS], "lead_time": LEADS}), truth)
    forecast = aligned.map(lambda d: d + rng.normal(scale=0.5, size=d.shape), keep_attrs=True)
    return forecast.drop_vars("valid_time"), truth


FORECAST, TRUTH = make_case()
CLIMATOLOGY = metrics.compute_climatology(TRUTH, by="hour")


def pieces(forecast: xr.Dataset, cuts: dict[str, list[int]]) -> list[xr.Dataset]:
    """``forecast`` cut into blocks at the given positions along each dim."""
    def bounds(dim: str) -> list[slice]:
        edges = [0, *sorted(set(cuts.get(dim, []))), forecast.sizes[dim]]
        return [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]

    return [forecast.isel(init_time=i, lead_time=j, latitude=k)
            for i in bounds("init_time") for j in bounds("lead_time") for k in bounds("latitude")]


def cut_points(size: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(1, size - 1), max_size=3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(init_cuts=cut_points(INITS), lead_cuts=cut_points(len(LEADS)),
       lat_cuts=cut_points(NLAT), order=st.randoms(use_true_random=False))
def test_streamed_scores_equal_in_memory_over_random_splits(init_cuts, lead_cuts, lat_cuts,
                                                            order):
    blocks = pieces(FORECAST, {"init_time": init_cuts, "lead_time": lead_cuts,
                               "latitude": lat_cuts})
    order.shuffle(blocks)
    state = score_states(blocks, TRUTH, climatology=CLIMATOLOGY)
    xr.testing.assert_allclose(state.acc(), metrics.acc(FORECAST, TRUTH, CLIMATOLOGY),
                               rtol=1e-10)
    for form in ("per_forecast", "mse_then_sqrt"):
        xr.testing.assert_allclose(state.rmse(form=form),
                                   metrics.rmse(FORECAST, TRUTH, form=form), rtol=1e-10)
    xr.testing.assert_allclose(state.mse(), metrics.mse(FORECAST, TRUTH), rtol=1e-10)
    xr.testing.assert_allclose(state.mae(), metrics.mae(FORECAST, TRUTH), rtol=1e-10)
    xr.testing.assert_allclose(state.bias(), metrics.bias(FORECAST, TRUTH), rtol=1e-10)
    assert int(state.sums["count"].tcco.sum()) == FORECAST.tcco.size


def test_per_forecast_rmse_is_not_the_pooled_one():
    """The WB1 default averages per-init RMSEs: a pooled state would score differently."""
    state = score_state(FORECAST, TRUTH)
    pooled = (state.sums["squared_error"].sum("init_time")
              / state.sums["weight"].sum("init_time")) ** 0.5
    assert not np.allclose(state.rmse().tcco, pooled.tcco)
    np.testing.assert_allclose(state.rmse(form="mse_then_sqrt").tcco, pooled.tcco)
    assert (state.rmse().go3 <= state.rmse(form="mse_then_sqrt").go3 + 1e-12).all()


def test_attrs_average_over_and_serialisation():
    state = score_state(FORECAST, TRUTH)
    rmse = state.rmse()
    assert rmse.tcco.attrs["units"] == FORECAST.tcco.attrs["units"]
    assert rmse.tcco.attrs["long_name"].startswith("RMSE of ")
    assert state.mse().go3.attrs["units"].startswith("(")
    kept = state.rmse(average_over=None)
    xr.testing.assert_allclose(kept, metrics.rmse(FORECAST, TRUTH, average_over=None),
                               rtol=1e-10)
    back = ScoreState.from_dataset(state.to_dataset())
    xr.testing.assert_allclose(back.rmse(), rmse)
    assert back.rmse().tcco.attrs == rmse.tcco.attrs


def test_skipna_states_and_nan_propagation():
    holed = FORECAST.copy(deep=True)
    holed["tcco"][0, 0, :3, :] = np.nan
    top, bottom = holed.isel(latitude=slice(0, 4)), holed.isel(latitude=slice(4, None))
    skipped = score_state(top, TRUTH, skipna=True) + score_state(bottom, TRUTH, skipna=True)
    xr.testing.assert_allclose(skipped.rmse(), metrics.rmse(holed, TRUTH, skipna=True),
                               rtol=1e-10)
    kept = score_state(top, TRUTH) + score_state(bottom, TRUTH)
    assert np.isnan(kept.rmse().tcco.sel(lead_time="12h")).item()
    assert np.isfinite(kept.rmse().go3).all()
    with pytest.raises(ConfigError, match="skipna"):
        skipped + kept


def test_area_weights_from_the_whole_grid():
    weights = metrics.latitude_weights(FORECAST.latitude, kind="area")
    bands = [FORECAST.isel(latitude=slice(0, 3)), FORECAST.isel(latitude=slice(3, None))]
    state = sum((score_state(band, TRUTH, weights=weights.sel(latitude=band.latitude))
                 for band in bands), ScoreState.empty())
    xr.testing.assert_allclose(state.rmse(), metrics.rmse(FORECAST, TRUTH, weights=weights),
                               rtol=1e-10)


def test_lazy_state_and_errors():
    lazy = score_state(FORECAST.chunk({"init_time": 2}), TRUTH.chunk({"time": 4}))
    assert lazy.sums["squared_error"].tcco.chunks is not None
    xr.testing.assert_allclose(lazy.compute().rmse(), metrics.rmse(FORECAST, TRUTH),
                               rtol=1e-10)
    with pytest.raises(ConfigError, match="empty"):
        ScoreState.empty().rmse()
    with pytest.raises(ConfigError, match="form"):
        lazy.rmse(form="pooled")  # type: ignore[arg-type]


def test_dataarray_forecast():
    state = score_state(FORECAST.tcco, TRUTH.tcco, climatology=CLIMATOLOGY.tcco)
    np.testing.assert_allclose(state.rmse().tcco, metrics.rmse(FORECAST.tcco, TRUTH.tcco),
                               rtol=1e-10)
    np.testing.assert_allclose(state.acc().tcco,
                               metrics.acc(FORECAST.tcco, TRUTH.tcco, CLIMATOLOGY.tcco),
                               rtol=1e-10)


def test_acc_of_streamed_states_kept_nan_skipped_and_refused_without_climatology():
    holed = FORECAST.copy(deep=True)
    holed["go3"].loc[{"init_time": TIMES[1], "lead_time": LEADS[2]}] = np.nan
    holed["go3"][{"init_time": 1, "lead_time": 0, "latitude": slice(4, None)}] = np.nan
    bands = [holed.isel(latitude=slice(0, 5)), holed.isel(latitude=slice(5, None))]
    skipped = sum((score_state(b, TRUTH, skipna=True, climatology=CLIMATOLOGY) for b in bands),
                  ScoreState.empty(skipna=True))
    xr.testing.assert_allclose(
        skipped.acc(average_over=None),
        metrics.acc(holed, TRUTH, CLIMATOLOGY, skipna=True, average_over=None), rtol=1e-10)
    holey = CLIMATOLOGY.copy(deep=True)
    holey["tcco"].loc[{"hour": 12}] = np.nan  # forecasts valid at 12 UTC have no anomaly
    xr.testing.assert_allclose(
        score_state(FORECAST, TRUTH, skipna=True, climatology=holey).acc(),
        metrics.acc(FORECAST, TRUTH, holey, skipna=True), rtol=1e-10)
    kept = score_state(holed, TRUTH, climatology=CLIMATOLOGY)
    per_forecast = kept.acc(average_over=None).go3
    assert np.isnan(per_forecast.isel(init_time=1, lead_time=[0, 2])).all()
    assert np.isfinite(per_forecast.isel(init_time=0)).all()
    assert np.isfinite(skipped.acc(average_over=None).go3.isel(init_time=1, lead_time=0)).all()
    perfect = score_state(metrics.align_truth(FORECAST, TRUTH).drop_vars("valid_time"), TRUTH,
                          climatology=CLIMATOLOGY)
    np.testing.assert_allclose(perfect.acc().tcco, 1.0, rtol=1e-12)
    back = ScoreState.from_dataset(kept.to_dataset())
    xr.testing.assert_allclose(back.acc(), kept.acc())
    assert back.acc().tcco.attrs["units"] == "1"
    plain = score_state(FORECAST, TRUTH)
    with pytest.raises(ConfigError, match="climatology=.*ACC"):
        plain.acc()
    with pytest.raises(ConfigError, match="same climatology"):
        plain + score_state(FORECAST, TRUTH, climatology=CLIMATOLOGY)
    with pytest.raises(ConfigError, match="empty"):
        ScoreState.empty().acc()


@pytest.mark.parametrize("score", ["mnmb", "fge", "nmb", "nmge"])
def test_relative_scores_stream_over_pieces_like_the_whole_forecast(score: str) -> None:
    rng = np.random.default_rng(3)
    times = pd.date_range("2022-06-01", periods=5, freq="12h")
    truth = xr.Dataset({"pm10": (("time", "latitude", "longitude"),
                                 rng.gamma(2.0, size=(5, 3, 4)))},
                       coords={"time": times, "latitude": [45.0, 0.0, -45.0],
                               "longitude": [0.0, 90.0, 180.0, 270.0]})
    forecast = metrics.persistence_forecast(truth, times[:3], ["12h", "24h"])
    pieces = [forecast.isel(init_time=[0]), forecast.isel(init_time=[1, 2])]
    state = sum((score_state(piece, truth) for piece in pieces), ScoreState.empty())
    whole = getattr(metrics, score)(forecast, truth)
    xr.testing.assert_allclose(getattr(state, score)(), whole)
