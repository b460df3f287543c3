"""``predict(..., compile=True)``: the compiled network, its timing record and the fallback."""

from __future__ import annotations

import pandas as pd
import pytest
import torch
import xarray as xr

from tests.helpers import cams_and_met
from xaqf.errors import ConfigError
from xaqf.forecaster import Forecaster
from xaqf.forecaster.rollout import CompiledNet
from xaqf.preprocessing.normalization import compute_stats


@pytest.fixture
def case() -> tuple[Forecaster, xr.Dataset, xr.Dataset]:
    cams, met = cams_and_met(pd.date_range("2022-06-01", periods=5, freq="12h"))
    stats = xr.concat([compute_stats(cams), compute_stats(met)], dim="channel")
    return Forecaster.from_config("tiny", stats, seed=0), cams, met


def _eager_compile(calls: list[torch.nn.Module]):
    """A stand-in for ``torch.compile`` that records its module and returns it uncompiled."""
    def fake(module: torch.nn.Module, **_: object) -> torch.nn.Module:
        calls.append(module)
        return module
    return fake


def test_compiled_forecast_matches_and_reports_its_compile_time(case, monkeypatch):
    forecaster, cams, met = case
    calls: list[torch.nn.Module] = []
    monkeypatch.setattr(torch, "compile", _eager_compile(calls))
    plain = forecaster.predict(cams, met, steps=2, device="cpu", progress=False)
    compiled = forecaster.predict(cams, met, steps=2, device="cpu", progress=False,
                                  compile=True)
    again = forecaster.predict(cams, met, steps=2, device="cpu", progress=False, compile=True)
    xr.testing.assert_identical(plain.drop_attrs(), compiled.drop_attrs())
    assert calls == [forecaster.net]                        # compiled once, then reused
    assert compiled.attrs["xaqf_compiled"] == "yes"
    assert compiled.attrs["xaqf_compile_seconds"] > 0
    assert again.attrs["xaqf_compile_seconds"] == 0         # same shapes: nothing compiled
    assert "xaqf_compiled" not in plain.attrs


def test_compile_failure_falls_back_with_a_warning(case, monkeypatch):
    forecaster, cams, met = case

    def broken(*_: object) -> None:
        raise RuntimeError("InductorError: no working C++ compiler found")

    monkeypatch.setattr(torch, "compile", lambda module, **_: broken)
    plain = forecaster.predict(cams, met, steps=2, device="cpu", progress=False)
    with pytest.warns(RuntimeWarning, match="torch.compile failed.*C\\+\\+ compiler"):
        fallback = forecaster.predict(cams, met, steps=2, device="cpu", progress=False,
                                      compile=True)
    xr.testing.assert_identical(plain.drop_attrs(), fallback.drop_attrs())
    assert fallback.attrs["xaqf_compiled"].startswith("no, fell back")


def test_compile_must_be_a_bool(case):
    forecaster, cams, met = case
    with pytest.raises(ConfigError, match="compile must be True or False"):
        forecaster.predict(cams, met, steps=1, compile="yes")


def test_compiled_net_times_each_new_shape_once(monkeypatch):
    net = torch.nn.Identity()
    monkeypatch.setattr(torch, "compile", lambda module, **_: module)
    compiled = CompiledNet(net)
    compiled(torch.zeros(1, 2))
    first = compiled.compile_seconds
    compiled(torch.zeros(1, 2))
    assert compiled.compile_seconds == first > 0
    compiled(torch.zeros(3, 2))
    assert compiled.compile_seconds > first


@pytest.mark.slow
def test_real_torch_compile_gives_the_eager_forecast(case):
    """The real inductor (minutes on a 2-core CPU for the tiny model)."""
    forecaster, cams, met = case
    plain = forecaster.predict(cams, met, steps=2, device="cpu", progress=False)
    compiled = forecaster.predict(cams, met, steps=2, device="cpu", progress=False,
                                  compile=True)
    assert compiled.attrs["xaqf_compiled"] == "yes"
    for name in plain.data_vars:
        xr.testing.assert_allclose(plain[name], compiled[name], rtol=1e-4, atol=0)
