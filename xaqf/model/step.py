"""One model step in the network's space, and the time features it takes.

Everything here works in the network's space: pollutants normalised and log-transformed,
meteorology standardised. One step maps ``(P(t-1), P(t), Q(t), Q(t+1))`` to

.. math:: \\hat P(t+1) = \\Psi \\cdot B + \\Delta, \\qquad
          B = \\begin{cases} P(t-1) & \\text{grey-line channels} \\\\
                              P(t) & \\text{others} \\end{cases}

With a 12 h step, ``P(t-1)`` is the state 24 h before the target, the grey-line base.

Time features (decided): hour of day and day of year of the *latest input state* ``P(t)``,
and the rollout step (0 for the first step), as ``(batch, 3)`` float32.

Examples
--------
>>> import numpy as np, torch
>>> from xaqf.model import build_model
>>> time_features(np.array(["2022-06-01T12"], "datetime64[ns]"), 2).tolist()
[[12.0, 152.0, 2.0]]
>>> net = build_model("tiny")
>>> p_prev, p_now, q_now, q_next, statics, time = net.example_inputs(8, 16, seed=0)
>>> grey = torch.zeros(p_now.shape[1], dtype=torch.bool)
>>> with torch.no_grad():
...     p_next = model_step(net, p_prev, p_now, q_now, q_next, statics, time, grey)
>>> tuple(p_next.shape), p_next.dtype
((1, 73, 8, 16), torch.float32)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from xaqf.model.unet import apply_change
from xaqf.preprocessing.grey_line import select_base


def time_features(times: np.ndarray, rollout_step: int) -> np.ndarray:
    """``[hour_of_day, day_of_year, rollout_step]`` for each time, shape ``(len(times), 3)``.

    ``hour_of_day`` is fractional (minutes count), ``day_of_year`` runs from 1 to 366.

    Examples
    --------
    >>> time_features(np.array(["2022-12-31T06:30"], "datetime64[ns]"), 0).tolist()
    [[6.5, 365.0, 0.0]]
    """
    index = pd.DatetimeIndex(np.asarray(times, "datetime64[ns]"))
    hour = index.hour + index.minute / 60.0
    features = np.stack([hour, index.day_of_year, np.full(len(index), rollout_step)], axis=-1)
    return features.astype(np.float32)


def model_step(net: torch.nn.Module, p_prev: torch.Tensor, p_now: torch.Tensor,
               q_now: torch.Tensor, q_next: torch.Tensor, statics: torch.Tensor,
               features: torch.Tensor, grey_mask: torch.Tensor) -> torch.Tensor:
    """One step ``P^(t+1) = Psi * B + Delta`` (see the module notes); float32 output.

    ``statics`` may be ``(S, H, W)`` (shared) or ``(B, S, H, W)``; ``features`` is
    ``(B, 3)`` (:func:`time_features`); ``grey_mask`` is ``(C,)`` bool, the channels whose
    base is ``p_prev``.
    """
    if statics.ndim == 3:
        statics = statics.expand(p_now.shape[0], *statics.shape)
    psi, delta = net(p_prev, p_now, q_now, q_next, statics, features)
    base = select_base(p_prev, p_now, grey_mask)
    result: torch.Tensor = apply_change(psi.float(), delta.float(), base.float())
    return result
