"""CUDA forecasts: bf16 finite, positive and close to float32; channels-last; device restored.

Skipped where no GPU is present; the next session with one just runs this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from tests.helpers import cams_and_met
from xaqf.forecaster import Forecaster
from xaqf.preprocessing.normalization import compute_stats

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")


@pytest.fixture
def case() -> tuple[Forecaster, xr.Dataset, xr.Dataset]:
    cams, met = cams_and_met(pd.date_range("2022-06-01", periods=6, freq="12h"))
    stats = xr.concat([compute_stats(cams), compute_stats(met)], dim="channel")
    return Forecaster.from_config("small", stats, seed=0), cams, met


def test_bf16_on_cuda_is_finite_positive_and_close_to_float32(case):
    forecaster, cams, met = case
    fp32 = forecaster.predict(cams, met, steps=3, device="cuda", progress=False)
    bf16 = forecaster.predict(cams, met, steps=3, device="cuda", dtype="bf16", progress=False)
    for name in fp32.data_vars:
        values = bf16[name].values
        assert values.dtype == np.float32
        assert np.isfinite(values).all() and (values >= 0).all(), name
        scale = float(fp32[name].std()) or 1.0
        assert float(abs(bf16[name] - fp32[name]).max()) <= 0.05 * scale, name


def test_cuda_float32_matches_the_cpu(case):
    forecaster, cams, met = case
    cpu = forecaster.predict(cams, met, steps=2, device="cpu", progress=False)
    gpu = forecaster.predict(cams, met, steps=2, device="cuda", progress=False)
    for name in cpu.data_vars:
        xr.testing.assert_allclose(cpu[name], gpu[name], rtol=1e-3, atol=1e-12)


def test_channels_last_network_gives_the_same_forecast(case):
    forecaster, cams, met = case
    plain = forecaster.predict(cams, met, steps=2, device="cuda", progress=False)
    forecaster.net.to(memory_format=torch.channels_last)
    last = forecaster.predict(cams, met, steps=2, device="cuda", progress=False)
    for name in plain.data_vars:
        xr.testing.assert_allclose(plain[name], last[name], rtol=1e-3, atol=1e-12)


def test_network_goes_back_to_its_device_and_mode(case):
    forecaster, cams, met = case
    forecaster.net.train()
    forecaster.predict(cams, met, steps=1, device="cuda", dtype="bf16", progress=False)
    assert next(forecaster.net.parameters()).device.type == "cpu"
    assert forecaster.net.training
    assert next(forecaster.net.parameters()).dtype == torch.float32
