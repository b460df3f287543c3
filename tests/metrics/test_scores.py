"""Tests of xaqf.metrics scores: values against numpy/xskillscore, layout, laziness, NaNs."""

from __future__ import annotations

import dask
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf import metrics
from xaqf.errors import (
    ConfigError,
    GridMismatchError,
    MissingLevelError,
    MissingTimeError,
    MissingVariableError,
)

LEVELS = (500.0, 850.0)
LEADS = pd.to_timedelta([12, 24, 36, 48], unit="h")


def make_truth(nlat: int = 7, nlon: int = 12, periods: int = 8, seed: int = 1) -> xr.Dataset:
    times = pd.date_range("2022-06-01", periods=periods, freq="12h")
    return canonical_dataset(["tcco", "go3"], times, nlat=nlat, nlon=nlon, levels=LEVELS,
                             seed=seed)


def make_forecast(truth: xr.Dataset, inits: int = 3, noise: float = 0.5, seed: int = 2
                  ) -> xr.Dataset:
    """Truth at valid time plus noise (``noise`` times its spread) whose size differs between
    init times."""
    rng = np.random.default_rng(seed)
    coords = xr.Dataset(coords={"init_time": truth.time.values[:inits], "lead_time": LEADS})
    aligned = metrics.align_truth(coords, truth)
    out = aligned.copy()
    for name, da in aligned.data_vars.items():
        growth = (1 + np.arange(inits)).reshape((-1,) + (1,) * (da.ndim - 1))
        scale = noise * float(da.std()) * growth
        out[name] = (da + scale * rng.normal(size=da.shape)).astype(np.float32)
        out[name].attrs = da.attrs
    return out.transpose("init_time", "lead_time", ...)


@pytest.fixture
def pair() -> tuple[xr.Dataset, xr.Dataset]:
    truth = make_truth()
    return make_forecast(truth), truth


def numpy_scores(forecast: xr.DataArray, truth: xr.Dataset, weights: np.ndarray,
                 name: str) -> dict[str, np.ndarray]:
    """Plain numpy per-init scores over (lat, lon) for one variable, init axis first."""
    f = forecast.transpose("init_time", "lead_time", ..., "latitude", "longitude").values
    valid = (forecast.init_time + forecast.lead_time).values
    o = truth[name].sel(time=valid.ravel()).values.reshape(f.shape)
    w = weights[:, None] / (weights.sum() * f.shape[-1])
    e = f.astype(np.float64) - o

    def spatial(x):
        return (x * w).sum(axis=(-2, -1))

    return {"mse": spatial(e ** 2), "mae": spatial(np.abs(e)), "bias": spatial(e)}


def test_scores_equal_plain_numpy_with_known_weights(pair):
    forecast, truth = pair
    weights = np.linspace(0.2, 1.4, truth.sizes["latitude"])
    for name in ("tcco", "go3"):
        expected = numpy_scores(forecast[name], truth, weights, name)
        kw = {"weights": weights}
        np.testing.assert_allclose(metrics.mse(forecast, truth, **kw)[name],
                                   expected["mse"].mean(0), rtol=1e-6)
        np.testing.assert_allclose(metrics.rmse(forecast, truth, **kw)[name],
                                   np.sqrt(expected["mse"]).mean(0), rtol=1e-6)
        np.testing.assert_allclose(metrics.mae(forecast, truth, **kw)[name],
                                   expected["mae"].mean(0), rtol=1e-6)
        np.testing.assert_allclose(metrics.bias(forecast, truth, **kw)[name],
                                   expected["bias"].mean(0), rtol=1e-5, atol=1e-7)


def test_default_weights_are_cos_latitude(pair):
    forecast, truth = pair
    cos = np.clip(np.cos(np.deg2rad(truth.latitude.values)), 0, None)
    expected = numpy_scores(forecast["tcco"], truth, cos, "tcco")["mse"].mean(0)
    np.testing.assert_allclose(metrics.mse(forecast, truth).tcco, expected, rtol=1e-6)


def test_rmse_agrees_with_xskillscore(pair):
    xs = pytest.importorskip("xskillscore")
    forecast, truth = pair
    observed = metrics.align_truth(forecast, truth)
    weights = metrics.latitude_weights(truth.latitude).broadcast_like(truth.tcco.isel(time=0))
    per_init = xs.rmse(forecast.go3, observed.go3, dim=["latitude", "longitude"],
                       weights=weights)
    ours = metrics.rmse(forecast.go3, truth)
    np.testing.assert_allclose(ours.transpose(*per_init.mean("init_time").dims),
                               per_init.mean("init_time"), rtol=1e-6)


def test_weatherbench_forms_differ_as_expected(pair):
    forecast, truth = pair
    wb1 = metrics.rmse(forecast, truth)
    wb2 = metrics.rmse(forecast, truth, form="mse_then_sqrt")
    mse = metrics.mse(forecast, truth)
    np.testing.assert_allclose(wb2.go3, np.sqrt(mse.go3), rtol=1e-6)
    # noise grows with init index, so per-init RMSEs differ and Jensen is strict
    assert (wb1.go3 < wb2.go3 * (1 - 1e-4)).all()
    one = forecast.isel(init_time=[0])
    xr.testing.assert_allclose(metrics.rmse(one, truth),
                               metrics.rmse(one, truth, form="mse_then_sqrt"))
    with pytest.raises(ConfigError, match="mse_then_sqrt"):
        metrics.rmse(forecast, truth, form="wb3")


def test_result_layout_and_attrs(pair):
    forecast, truth = pair
    result = metrics.rmse(forecast, truth)
    assert isinstance(result, xr.Dataset)
    assert set(result.go3.dims) == {"lead_time", "level"}
    assert result.tcco.dims == ("lead_time",)
    assert result.go3.attrs["units"] == "kg kg-1"
    assert "RMSE" in result.go3.attrs["long_name"]
    assert metrics.mse(forecast, truth).tcco.attrs["units"] == "(kg m-2)**2"
    kept = metrics.rmse(forecast, truth, average_over=None)
    assert kept.tcco.dims == ("init_time", "lead_time")
    assert "valid_time" in kept.coords
    da = metrics.rmse(forecast.tcco, truth)
    assert isinstance(da, xr.DataArray)
    xr.testing.assert_allclose(da, result.tcco)


def test_truth_in_forecast_layout_gives_the_same(pair):
    forecast, truth = pair
    aligned = metrics.align_truth(forecast, truth)
    xr.testing.assert_allclose(metrics.rmse(forecast, aligned), metrics.rmse(forecast, truth))


def test_latitude_order_does_not_matter(pair):
    forecast, truth = pair
    reference = metrics.rmse(forecast, truth)
    for f, t in [(forecast.sortby("latitude"), truth), (forecast, truth.sortby("latitude")),
                 (forecast.sortby("latitude"), truth.sortby("latitude"))]:
        xr.testing.assert_identical(metrics.rmse(f, t), reference)
        xr.testing.assert_identical(metrics.bias(f, t), metrics.bias(forecast, truth))
    maps = metrics.rmse(forecast.sortby("latitude"), truth, dims="longitude")
    assert maps.latitude.values[0] < maps.latitude.values[-1]
    np.testing.assert_allclose(
        maps.go3.sel(latitude=30.0),
        metrics.rmse(forecast, truth, dims="longitude").go3.sel(latitude=30.0))


def _refuse_to_compute(*args, **kwargs):
    raise AssertionError("a dask graph was computed")


def test_dask_stays_lazy(pair):
    forecast, truth = pair
    lazy_fc, lazy_truth = forecast.chunk({"init_time": 1}), truth.chunk({"time": 2})
    with dask.config.set(scheduler=_refuse_to_compute):
        results = [metrics.rmse(lazy_fc, lazy_truth), metrics.bias(lazy_fc, lazy_truth),
                   metrics.rmse(lazy_fc, lazy_truth, form="mse_then_sqrt"),
                   metrics.normalized_rmse(lazy_fc, lazy_fc * 1.1, lazy_truth),
                   metrics.score_matrix(lazy_fc, lazy_fc * 1.1, lazy_truth),
                   metrics.persistence_forecast(lazy_truth, truth.time[:2], LEADS)]
        for result in results:
            assert all(dask.is_dask_collection(v.data) for v in result.data_vars.values())
    xr.testing.assert_allclose(results[0].compute(), metrics.rmse(forecast, truth))


def test_nan_skipped_or_propagated(pair):
    forecast, truth = pair
    holed = forecast.copy(deep=True)
    holed["tcco"][0, 0, 2, 3] = np.nan
    assert np.isnan(metrics.rmse(holed, truth).tcco.values[0])
    assert np.isfinite(metrics.rmse(holed, truth).tcco.values[1:]).all()
    skipped = metrics.mse(holed, truth, skipna=True, average_over=None).tcco.values[0, 0]
    f = holed.tcco.values[0, 0]
    o = truth.tcco.sel(time=forecast.init_time[0] + LEADS[0]).values
    w = np.broadcast_to(metrics.latitude_weights(truth.latitude.values)[:, None], f.shape)
    ok = ~np.isnan(f)
    expected = (w[ok] * (f[ok] - o[ok]) ** 2).sum() / w[ok].sum()
    np.testing.assert_allclose(skipped, expected, rtol=1e-6)


def test_grid_mismatch_is_a_clear_error(pair):
    forecast, truth = pair
    coarse = make_truth(nlat=5)
    with pytest.raises(GridMismatchError, match="latitude"):
        metrics.rmse(forecast, coarse)
    shifted = truth.assign_coords(longitude=truth.longitude + 1.0)
    with pytest.raises(GridMismatchError, match="longitude"):
        metrics.rmse(forecast, shifted)


def test_missing_time_variable_and_level(pair):
    forecast, truth = pair
    with pytest.raises(MissingTimeError, match="2022-06-04 00:00"):
        metrics.rmse(forecast, truth.isel(time=slice(0, 6)))
    with pytest.raises(MissingVariableError, match="go3"):
        metrics.rmse(forecast, truth[["tcco"]])
    with pytest.raises(MissingLevelError, match="850"):
        metrics.rmse(forecast, truth.sel(level=[500.0]))


def test_acc_perfect_and_opposite(pair):
    forecast, truth = pair
    clim = metrics.compute_climatology(truth, by="hour")
    perfect = metrics.align_truth(forecast, truth)
    np.testing.assert_allclose(metrics.acc(perfect, truth, clim).go3, 1.0, rtol=1e-6)
    clim_fc = metrics.climatology_forecast(clim, forecast.init_time.values, LEADS)
    opposite = 2 * clim_fc - perfect
    np.testing.assert_allclose(metrics.acc(opposite, truth, clim).tcco, -1.0, rtol=1e-6)
    noisy = metrics.acc(forecast, truth, clim)
    assert ((noisy.go3 < 1) & (noisy.go3 > 0)).all()
    assert noisy.go3.attrs["units"] == "1"


def test_acc_centred_anomaly_values(pair):
    forecast, truth = pair
    clim = truth.mean("time")
    result = metrics.acc(forecast.tcco, truth, clim, average_over=None).values
    f = forecast.tcco.values - clim.tcco.values
    o = metrics.align_truth(forecast, truth).tcco.values - clim.tcco.values
    w = metrics.latitude_weights(truth.latitude.values)[:, None]
    expected = (w * f * o).sum((-2, -1)) / np.sqrt(
        (w * f ** 2).sum((-2, -1)) * (w * o ** 2).sum((-2, -1)))
    np.testing.assert_allclose(result, expected, rtol=1e-5)


@pytest.mark.parametrize("score", ["rmse", "mse", "mae", "bias", "acc"])
def test_in_memory_scores_finish_the_streaming_state(pair, score, monkeypatch):
    """One engine: each in-memory score builds a ScoreState holding only its declared sums
    and finishes it with the state's own method."""
    from xaqf.metrics import streaming

    forecast, truth = pair
    built, finished = [], []
    build, finish = streaming.matched_state, getattr(streaming.ScoreState, score)

    def recording_build(*args, **kwargs):
        built.append(build(*args, **kwargs))
        return built[-1]

    def recording_finish(self, *args, **kwargs):
        finished.append(score)
        return finish(self, *args, **kwargs)

    monkeypatch.setattr(streaming, "matched_state", recording_build)
    monkeypatch.setattr(streaming.ScoreState, score, recording_finish)
    extra = (metrics.compute_climatology(truth, by="hour"),) if score == "acc" else ()
    result = getattr(metrics, score)(forecast, truth, *extra)
    assert finished == [score]
    assert set(built[0].sums) == {"weight", *streaming.SCORE_SUMS[score]}
    state = streaming.score_state(forecast, truth, climatology=extra[0] if extra else None)
    xr.testing.assert_allclose(result, getattr(state, score)(), rtol=1e-6)


def test_whole_state_refuses_undeclared_sums(pair):
    forecast, truth = pair
    state = metrics.scores.whole_state(forecast, truth, ["error"])
    with pytest.raises(ConfigError, match="squared_error"):
        state.rmse()
    with pytest.raises(ConfigError, match="climatology"):
        metrics.scores.whole_state(forecast, truth, ["anomaly_product"])
    with pytest.raises(ConfigError, match="unknown score sums"):
        metrics.scores.whole_state(forecast, truth, ["squared"])
