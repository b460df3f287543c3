"""Forecaster.predict on tiny canonical data with an untrained "tiny" network."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from tests.helpers import cams_and_met, canonical_dataset, micro_config
from xaqf import variables
from xaqf.errors import (
    ConfigError,
    GridMismatchError,
    InvalidValueError,
    MissingTimeError,
    MissingVariableError,
)
from xaqf.forecaster import Forecaster, stream
from xaqf.forecaster.inputs import ForecastInputs, prepare_inputs
from xaqf.preprocessing.normalization import compute_model_stats, compute_stats

MICRO = micro_config()
"""A two-level network: the forecaster's logic does not depend on the network's size."""

TIMES = pd.date_range("2022-06-01", periods=6, freq="12h")


@pytest.fixture(scope="module")
def data() -> tuple[xr.Dataset, xr.Dataset]:
    return cams_and_met(TIMES, scale_pollutants=1e-9)


@pytest.fixture(scope="module")
def forecaster(data) -> Forecaster:
    cams, met = data
    stats = compute_model_stats(cams, met)
    return Forecaster.from_config(MICRO, stats, seed=0)


def test_output_layout_for_every_initial_time(forecaster, data):
    cams, met = data
    out = forecaster.predict(cams, met, steps=3, progress=False)
    # t - 12 h must exist and met must reach t + 36 h: 2022-06-01T12 and 2022-06-02T00
    assert list(pd.DatetimeIndex(out["init_time"].values)) == list(TIMES[1:3])
    leads = pd.to_timedelta([12, 24, 36], "h")
    assert list(pd.TimedeltaIndex(out["lead_time"].values)) == list(leads)
    assert out["go3"].dims == ("init_time", "lead_time", "level", "latitude", "longitude")
    assert out["pm10"].dims == ("init_time", "lead_time", "latitude", "longitude")
    np.testing.assert_array_equal(out["valid_time"].values,
                                  out["init_time"].values[:, None] + out["lead_time"].values)
    assert out["pm10"].attrs["units"] == "kg m-3" and out["co"].attrs["units"] == "kg kg-1"
    assert out["latitude"].values.tolist() == cams["latitude"].values.tolist()
    assert {"title", "source", "history", "Conventions"} <= set(out.attrs)
    assert all(out[v].dtype == np.float32 for v in out.data_vars)


def test_one_initial_time_and_ten_steps(forecaster, data):
    cams, met = data
    times = pd.date_range("2022-06-01", periods=12, freq="12h")
    long_met = canonical_dataset(variables.MET_VARIABLES, times, seed=3, positive=False)
    out = forecaster.predict(cams, long_met, steps=10, init_times=TIMES[1], progress=False)
    assert out.sizes["init_time"] == 1
    assert out["lead_time"].values[-1] == np.timedelta64(120, "h")
    for name in out.data_vars:
        values = out[name].values
        assert np.isfinite(values).all() and (values >= 0).all(), name


def test_batch_size_does_not_change_results(forecaster, data):
    cams, met = data
    inits = TIMES[1:4]
    one = forecaster.predict(cams, met, steps=2, init_times=inits, batch_size=1, progress=False)
    three = forecaster.predict(cams, met, steps=2, init_times=inits, batch_size=3,
                               progress=False)
    for name in one.data_vars:
        np.testing.assert_allclose(one[name].values, three[name].values, rtol=1e-5, atol=0)


def test_met_forecast_layout_uses_matching_init_time(forecaster, data):
    cams, met = data
    leads = pd.to_timedelta([0, 12, 24], "h")
    runs = [met.sel(time=TIMES[1] + leads).rename(time="lead_time")
            .assign_coords(lead_time=leads.values)]
    fuxi = xr.concat(runs, dim=pd.Index([TIMES[1]], name="init_time"))
    from_fuxi = forecaster.predict(cams, fuxi, steps=2, progress=False)
    from_time = forecaster.predict(cams, met, steps=2, init_times=TIMES[1], progress=False)
    assert list(pd.DatetimeIndex(from_fuxi["init_time"].values)) == [TIMES[1]]
    xr.testing.assert_allclose(from_fuxi.drop_attrs(), from_time.drop_attrs())


def test_missing_previous_state_is_named(forecaster, data):
    cams, met = data
    with pytest.raises(MissingTimeError, match="2022-06-01 00:00:00.*before"):
        forecaster.predict(cams.isel(time=slice(1, None)), met, steps=1, init_times=TIMES[1],
                           progress=False)


def test_missing_met_time_is_named(forecaster, data):
    cams, met = data
    with pytest.raises(MissingTimeError, match="2022-06-02 12:00:00"):
        forecaster.predict(cams, met.drop_sel(time=TIMES[3]), steps=2, init_times=TIMES[1],
                           progress=False)


def test_missing_variable_is_named(forecaster, data):
    cams, met = data
    with pytest.raises(MissingVariableError, match="pm2p5"):
        forecaster.predict(cams.drop_vars("pm2p5"), met, steps=1, progress=False)


def test_statics_fix_the_grid(data):
    cams, met = data
    statics = xr.Dataset({"orography": cams["pm10"].isel(time=0) * 0 + 1.0,
                          "lsm": cams["pm10"].isel(time=0) * 0})
    stats = compute_model_stats(cams, met)
    fc = Forecaster.from_config(MICRO, stats, statics=statics.drop_vars("time"), seed=0)
    coarse = cams.isel(longitude=slice(None, None, 2))
    with pytest.raises(GridMismatchError):
        fc.predict(coarse, met, steps=1, progress=False)


def test_met_on_another_grid_is_regridded_with_a_warning(forecaster, data):
    cams, met = data
    fine = met.interp(longitude=np.arange(24) * 15.0, method="nearest",
                      kwargs={"fill_value": "extrapolate"})
    with pytest.warns(UserWarning, match="regridding met"):
        out = forecaster.predict(cams, fine, steps=1, init_times=TIMES[1], progress=False)
    assert out.sizes["longitude"] == cams.sizes["longitude"]


def test_non_finite_network_output_names_the_step(data):
    cams, met = data
    stats = compute_model_stats(cams, met)
    fc = Forecaster.from_config(MICRO, stats, seed=0)
    with torch.no_grad():
        next(p for p in fc.net.parameters() if p.ndim > 1).fill_(float("nan"))
    with pytest.raises(InvalidValueError, match="step 1"):
        fc.predict(cams, met, steps=1, progress=False)


def test_predict_iter_yields_one_lead_time_at_a_time(forecaster, data):
    cams, met = data
    pieces = list(forecaster.predict_iter(cams, met, steps=2, init_times=TIMES[1:3],
                                          batch_size=2, progress=False))
    assert [p.sizes["lead_time"] for p in pieces] == [1, 1]
    assert [p["lead_time"].values[0] for p in pieces] == list(pd.to_timedelta([12, 24], "h"))
    assert isinstance(pieces[0]["pm10"].data, np.ndarray)


@pytest.mark.parametrize("suffix", [".zarr", ".nc"])
def test_streaming_to_a_file_matches_in_memory(forecaster, data, tmp_path, suffix):
    cams, met = data
    expected = forecaster.predict(cams, met, steps=1, batch_size=1, progress=False)
    streamed = forecaster.predict(cams, met, steps=1, batch_size=1, progress=False,
                                  output=tmp_path / f"forecast{suffix}")
    for name in expected.data_vars:
        np.testing.assert_array_equal(streamed[name].values, expected[name].values)
    np.testing.assert_array_equal(streamed["valid_time"].values, expected["valid_time"].values)
    assert streamed.attrs["title"] == expected.attrs["title"]


def test_bf16_autocast_stays_close(forecaster, data):
    cams, met = data
    exact = forecaster.predict(cams, met, steps=1, init_times=TIMES[1], progress=False)
    bf16 = forecaster.predict(cams, met, steps=1, init_times=TIMES[1], progress=False,
                              dtype="bf16")
    np.testing.assert_allclose(bf16["go3"].values, exact["go3"].values, rtol=0.05)


def test_predict_iter_checks_inputs_before_iterating(forecaster, data):
    cams, met = data
    with pytest.raises(MissingTimeError, match="2022-06-02 12:00:00"):
        forecaster.predict_iter(cams, met.drop_sel(time=TIMES[3]), steps=2,
                                init_times=TIMES[1], progress=False)


def test_met_fetched_in_blocks_gives_the_same_forecast(forecaster, data, monkeypatch):
    cams, met = data
    whole = forecaster.predict(cams, met, steps=3, init_times=TIMES[1:3], progress=False)
    monkeypatch.setattr(ForecastInputs, "states_per_fetch", lambda self, batch: 1)
    one_by_one = forecaster.predict(cams, met, steps=3, init_times=TIMES[1:3], progress=False)
    xr.testing.assert_identical(one_by_one.drop_attrs(), whole.drop_attrs())


def test_states_per_fetch_respects_the_memory_budget(forecaster, data):
    cams, met = data
    inputs = prepare_inputs(cams, met, steps=3, step=forecaster.step, init_times=TIMES[1:3])
    state = 2 * len(variables.MET_CHANNELS) * 7 * 12 * 4  # bytes of one state, 2 inits
    assert inputs.states_per_fetch(2, budget=2 * state) == 2
    assert inputs.states_per_fetch(2, budget=1) == 1
    assert inputs.states_per_fetch(2) == 4  # every state, t ... t + 3 steps


def test_convertible_units_are_converted_and_wrong_units_refused(forecaster, data):
    from xaqf.errors import UnitError

    cams, met = data
    in_micrograms = cams.assign(pm10=(cams["pm10"] * 1e9).assign_attrs(units="µg m-3"))
    expected = forecaster.predict(cams, met, steps=1, progress=False)
    converted = forecaster.predict(in_micrograms, met, steps=1, progress=False)
    xr.testing.assert_allclose(converted, expected, rtol=1e-5)
    nonsense = cams.assign(co=cams["co"].assign_attrs(units="furlongs"))
    with pytest.raises(UnitError, match="co"):
        forecaster.predict(nonsense, met, steps=1, progress=False)


def test_predict_leaves_the_network_in_its_mode_and_place(data):
    cams, met = data
    fc = Forecaster.from_config(MICRO, compute_model_stats(cams, met), seed=0)
    fc.net.train()
    fc.predict(cams, met, steps=1, device="cpu", progress=False)
    assert fc.net.training
    fc.net.eval()
    fc.predict(cams, met, steps=1, device="cpu", progress=False)
    assert not fc.net.training
    assert next(fc.net.parameters()).device.type == "cpu"


def test_predict_restores_the_mode_when_the_rollout_fails(data):
    cams, met = data
    fc = Forecaster.from_config(MICRO, compute_model_stats(cams, met), seed=0)
    with torch.no_grad():
        next(p for p in fc.net.parameters() if p.ndim > 1).fill_(float("nan"))
    fc.net.train()
    with pytest.raises(InvalidValueError):
        fc.predict(cams, met, steps=1, progress=False)
    assert fc.net.training


def test_predict_iter_restores_the_mode_when_closed_or_exhausted(data):
    cams, met = data
    fc = Forecaster.from_config(MICRO, compute_model_stats(cams, met), seed=0)
    fc.net.train()
    pieces = fc.predict_iter(cams, met, steps=2, device="cpu", progress=False)
    next(pieces)
    assert not fc.net.training  # eval mode while the rollout runs
    pieces.close()
    assert fc.net.training
    list(fc.predict_iter(cams, met, steps=1, device="cpu", progress=False))
    assert fc.net.training


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_predict_on_cuda_leaves_the_network_on_the_cpu(forecaster, data):
    cams, met = data
    gpu = forecaster.predict(cams, met, steps=1, device="cuda", progress=False)
    assert next(forecaster.net.parameters()).device.type == "cpu"
    cpu = forecaster.predict(cams, met, steps=1, device="cpu", progress=False)
    xr.testing.assert_allclose(gpu.drop_attrs(), cpu.drop_attrs(), rtol=1e-3, atol=0)


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device"))])
def test_inputs_and_forwards_run_inside_the_retained_heap(forecaster, data, monkeypatch,
                                                         device):
    cams, met = data
    events: list[str] = []
    real = stream.retained_heap

    @contextmanager
    def recording() -> Iterator[None]:
        events.append("enter")
        with real():
            yield
        events.append("exit")

    monkeypatch.setattr(stream, "retained_heap", recording)
    monkeypatch.setattr(ForecastInputs, "meteorology", _recorded(
        ForecastInputs.meteorology, events, "met"))
    hook = forecaster.net.register_forward_hook(lambda *_: events.append("forward"))
    try:
        forecaster.predict(cams, met, steps=2, device=device, progress=False)
    finally:
        hook.remove()
    assert events == ["enter", "met", "forward", "forward", "exit"]


def _recorded(method: Callable[..., Any], events: list[str], name: str
              ) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        events.append(name)
        return method(*args, **kwargs)
    return wrapper


def _named(parts: list[xr.Dataset]) -> dict[str, xr.Dataset]:
    return dict(zip(("cams", "met"), parts, strict=True))


@pytest.mark.parametrize("container", [list, tuple, _named])
def test_split_statistics_give_the_same_forecaster(forecaster, data, container):
    cams, met = data
    split = Forecaster.from_config(MICRO, container([compute_stats(cams), compute_stats(met)]),
                                   seed=0)
    xr.testing.assert_identical(split.stats, forecaster.stats)
    ours = split.predict(cams, met, steps=1, progress=False)
    theirs = forecaster.predict(cams, met, steps=1, progress=False)
    xr.testing.assert_identical(ours.drop_attrs(), theirs.drop_attrs())


def test_split_statistics_must_not_overlap_or_be_foreign(data):
    cams, met = data
    with pytest.raises(ConfigError, match="more than one"):
        Forecaster.from_config(MICRO, [compute_stats(cams), compute_stats(cams),
                                       compute_stats(met)])
    with pytest.raises(ConfigError, match="ndarray"):
        Forecaster.from_config(MICRO, [compute_stats(cams), np.zeros(3)])
    with pytest.raises(MissingVariableError, match="lack 70 channels"):
        Forecaster.from_config(MICRO, [compute_stats(cams)])


def test_overlapped_keeps_order_and_raises_the_workers_error():
    from xaqf.forecaster.rollout import overlapped

    assert list(overlapped(iter(range(5)), lambda x: x + 10)) == [10, 11, 12, 13, 14]

    def fail(x: int) -> int:
        if x == 2:
            raise ValueError("bad item 2")
        return x

    with pytest.raises(ValueError, match="bad item 2"):
        list(overlapped(range(4), fail))
