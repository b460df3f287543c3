"""The autoregressive rollout on tensors, in the network's space.

Each step is :func:`xaqf.model.step.model_step`, ``(P(t-1), P(t), Q(t), Q(t+1)) ->
P^(t+1)``. The rollout then shifts the window, ``(P(t-1), P(t)) <- (P(t), P^(t+1))``, so
grey-line bases at later steps come from earlier predictions.

Examples
--------
>>> import torch
>>> from xaqf.model import build_model
>>> net = build_model("tiny")
>>> p_prev, p_now, q_now, _, statics, time = net.example_inputs(8, 16, seed=0)
>>> grey = torch.zeros(p_now.shape[1], dtype=torch.bool)
>>> with torch.no_grad():
...     states = list(rollout(net, p_prev, p_now, lambda s: q_now, statics[0],
...                           lambda s: time, grey, steps=2))
>>> len(states), tuple(states[-1].shape)
(2, (1, 73, 8, 16))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from xaqf.errors import InvalidValueError
from xaqf.model.step import model_step


def rollout(net: torch.nn.Module, p_prev: torch.Tensor, p_now: torch.Tensor,
            met: Callable[[int], torch.Tensor], statics: torch.Tensor,
            features: Callable[[int], torch.Tensor], grey_mask: torch.Tensor, steps: int
            ) -> Iterator[torch.Tensor]:
    """Yield the predicted states ``P^(t+1)`` to ``P^(t+steps)``, feeding each one back.

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
        ``(S, H, W)`` or ``(B, S, H, W)``.
    features
        ``features(s)`` returns the ``(B, 3)`` time features of step ``s``.
    grey_mask
        ``(C,)`` bool: channels whose base is ``P(t-1)``.
    steps
        Number of steps.

    Raises
    ------
    InvalidValueError
        If the network produces a non-finite value (naming the step).
    """
    q_now = met(0)
    for s in range(steps):
        q_next = met(s + 1)
        p_next = model_step(net, p_prev, p_now, q_now, q_next, statics, features(s), grey_mask)
        if not bool(torch.isfinite(p_next).all()):
            raise InvalidValueError(
                f"the network produced non-finite values at rollout step {s + 1}; the "
                f"weights or the normalisation statistics are broken (check the model file)"
            )
        yield p_next
        p_prev, p_now, q_now = p_now, p_next, q_next
