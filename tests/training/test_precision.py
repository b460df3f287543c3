"""bf16 autocast, activation checkpointing and channels-last in the trainer."""

from __future__ import annotations

import pandas as pd
import torch

from tests.helpers import cams_and_met, micro_config
from xaqf.forecaster import Forecaster
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.training import StageConfig, Trainer, WindowDataset


def _losses(**options) -> list[float]:
    cams, met = cams_and_met(pd.date_range("2022-06-01", periods=6, freq="12h"))
    forecaster = Forecaster.from_config(micro_config(), compute_model_stats(cams, met), seed=0)
    stage = StageConfig(epochs=2, batch_size=2, max_lr=1e-3, **options)
    trainer = Trainer(forecaster, WindowDataset(forecaster, cams, met), stage, progress=False)
    history = trainer.fit()
    assert all(p.dtype == torch.float32 for p in forecaster.net.parameters())
    assert "forward" not in vars(forecaster.net.encoders[0])  # checkpointing undone
    return history.losses


def test_checkpointing_and_channels_last_keep_the_losses():
    plain = torch.tensor(_losses())
    options = torch.tensor(_losses(activation_checkpointing=True, channels_last=True))
    torch.testing.assert_close(options, plain, rtol=1e-5, atol=1e-6)


def test_bf16_trains_close_to_fp32_with_float32_state():
    plain, half = torch.tensor(_losses()), torch.tensor(_losses(precision="bf16"))
    assert torch.isfinite(half).all() and not torch.equal(half, plain)
    assert torch.allclose(half, plain, rtol=0.05)
