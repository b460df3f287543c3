"""Forecaster.predict_iter leaves the caller's thread as it found it between pieces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from tests.helpers import cams_and_met, micro_config
from xaqf.forecaster import Forecaster
from xaqf.preprocessing.normalization import compute_model_stats

TIMES = pd.date_range("2022-06-01", periods=6, freq="12h")


def test_between_pieces_the_caller_is_not_in_inference_mode():
    cams, met = cams_and_met(TIMES, scale_pollutants=1e-9)
    fc = Forecaster.from_config(micro_config(), compute_model_stats(cams, met), seed=0)
    seen = []
    for piece in fc.predict_iter(cams, met, steps=2, init_times=TIMES[1:3], progress=False):
        weight = torch.ones(2, requires_grad=True)
        loss = (weight * 2).sum()
        loss.backward()  # fails for inference tensors
        seen.append((torch.is_inference_mode_enabled(), torch.is_autocast_enabled(),
                     weight.is_inference(), float(weight.grad.sum())))
        assert np.isfinite(piece["pm2p5"].values).all()
    assert seen == [(False, False, False, 4.0)] * 2
    whole = fc.predict(cams, met, steps=2, init_times=TIMES[1:3], progress=False)
    assert whole.sizes["lead_time"] == 2
