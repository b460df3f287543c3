"""One model step in the network's space, the time features it takes, and the rollout.

Everything here works in the network's space: pollutants normalised and log-transformed,
meteorology standardised. One step maps ``(P(t-1), P(t), Q(t), Q(t+1))`` to

.. math:: \\hat P(t+1) = \\Psi \\cdot B + \\Delta, \\qquad
          B = \\begin{cases} P(t-1) & \\text{grey-line channels} \\\\
                              P(t) & \\text{others} \\end{cases}

With a 12 h step, ``P(t-1)`` is the state 24 h before the target, the grey-line base.
A rollout (:func:`unroll`, used by forecasts and by the training loss alike) then shifts the
window, ``(P(t-1), P(t)) <- (P(t), P^(t+1))``, so grey-line bases at later steps come from
earlier predictions.

Time features: hour of day and day of year of the *latest input state* ``P(t)``,
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

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import torch

from xaqf.model.unet import apply_change
from xaqf.preprocessing.grey_line import select_base
from xaqf.preprocessing.windows import input_times


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


def step_features(init_times: np.ndarray, step: pd.Timedelta
                  ) -> Callable[[int], np.ndarray]:
    """``features(s)``: the ``(B, 3)`` :func:`time_features` of rollout step ``s`` from
    ``init_times`` (those of its latest input state, ``t + s * step``).

    Examples
    --------
    >>> features = step_features(np.array(["2022-06-01"], "datetime64[ns]"),
    ...                          pd.Timedelta("12h"))
    >>> features(1).tolist()
    [[12.0, 152.0, 1.0]]
    """
    return lambda s: time_features(input_times(init_times, step, s), s)


def unroll(net: torch.nn.Module, p_prev: torch.Tensor, p_now: torch.Tensor,
           met: Callable[[int], torch.Tensor],
           statics: torch.Tensor | Callable[[int], torch.Tensor],
           features: Callable[[int], torch.Tensor], grey_mask: torch.Tensor, steps: int
           ) -> Iterator[torch.Tensor]:
    """Yield the states ``P^(t+1)`` to ``P^(t+steps)``, each fed back as the next ``P(t)``.

    Parameters
    ----------
    net
        The network (``forward(p_prev, p_now, q_now, q_next, statics, time_features)``).
    p_prev, p_now
        ``(B, C, H, W)`` states at ``t - step`` and ``t``.
    met
        ``met(s)`` returns ``Q(t + s * step)`` as ``(B, D, H, W)``, for ``s = 0 ... steps``;
        each is requested once, in order.
    statics
        ``(S, H, W)`` or ``(B, S, H, W)``, or ``statics(s)`` returning those of step ``s``
        (:class:`~xaqf.preprocessing.emissions.StepStatics`).
    features
        ``features(s)`` returns the ``(B, 3)`` time features of step ``s``
        (:func:`step_features`).
    grey_mask
        ``(C,)`` bool: channels whose base is ``P(t-1)``.
    steps
        Number of steps.
    """
    q_now = met(0)
    for s in range(steps):
        q_next = met(s + 1)
        static = statics(s) if callable(statics) else statics
        p_next = model_step(net, p_prev, p_now, q_now, q_next, static, features(s), grey_mask)
        yield p_next
        p_prev, p_now, q_now = p_now, p_next, q_next
