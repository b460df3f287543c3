"""One model step and the time features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from tests.helpers import micro_config
from xaqf.model import apply_change, build_model, model_step, time_features


def test_time_features_are_hour_day_and_step():
    times = pd.DatetimeIndex(["2022-01-01T00:00", "2024-12-31T18:30"]).values
    features = time_features(times, 3)
    assert features.dtype == np.float32
    assert features.tolist() == [[0.0, 1.0, 3.0], [18.5, 366.0, 3.0]]


def test_model_step_uses_the_grey_line_base():
    torch.manual_seed(0)
    net = build_model(micro_config()).eval()
    p_prev, p_now, q_now, q_next, statics, time = net.example_inputs(8, 16, seed=0)
    grey = torch.zeros(p_now.shape[1], dtype=torch.bool)
    grey[0] = True
    with torch.no_grad():
        shared = model_step(net, p_prev, p_now, q_now, q_next, statics[0], time, grey)
        batched = model_step(net, p_prev, p_now, q_now, q_next, statics, time, grey)
        psi, delta = net(p_prev, p_now, q_now, q_next, statics, time)
    torch.testing.assert_close(shared, batched, rtol=0, atol=0)
    torch.testing.assert_close(shared[:, 0], apply_change(psi, delta, p_prev)[:, 0])
    torch.testing.assert_close(shared[:, 1:], apply_change(psi, delta, p_now)[:, 1:])
