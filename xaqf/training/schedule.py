"""The learning-rate schedule: linear warm-up, then cosine annealing.

The rate rises linearly from ``start_lr`` (1e-8) to ``max_lr`` over the first third of the
first epoch, then follows a half cosine down to ``final_lr`` (1e-9) at the last step. It is
a pure function of the optimiser step, so a resumed run lands on exactly the same rates.
"""

from __future__ import annotations

import math

import torch

START_LR = 1e-8
FINAL_LR = 1e-9
WARMUP_FRACTION = 1 / 3


def learning_rate(step: int, *, max_lr: float, steps_per_epoch: int, total_steps: int,
                  start_lr: float = START_LR, final_lr: float = FINAL_LR,
                  warmup_fraction: float = WARMUP_FRACTION) -> float:
    """The learning rate at optimiser ``step`` (0-based).

    Parameters
    ----------
    step
        Number of optimiser steps already taken.
    max_lr
        Peak rate, reached at the end of the warm-up.
    steps_per_epoch
        Optimiser steps in one epoch; the warm-up lasts ``warmup_fraction`` of it (at least
        one step).
    total_steps
        Steps of the whole stage; the rate reaches ``final_lr`` at the last one.
    start_lr, final_lr, warmup_fraction
        Rate at step 0, rate at the end, share of the first epoch spent warming up.

    Examples
    --------
    >>> kw = dict(max_lr=1e-3, steps_per_epoch=30, total_steps=110)
    >>> learning_rate(0, **kw), learning_rate(10, **kw), learning_rate(109, **kw)
    (1e-08, 0.001, 1e-09)
    >>> round(learning_rate(5, **kw), 10)  # halfway up the warm-up
    0.000500005
    """
    warmup = max(1, round(steps_per_epoch * warmup_fraction))
    if step < warmup:
        return start_lr + (max_lr - start_lr) * step / warmup
    decay = max(1, total_steps - 1 - warmup)
    progress = min(1.0, (step - warmup) / decay)
    return final_lr + (max_lr - final_lr) * 0.5 * (1 + math.cos(math.pi * progress))


def make_scheduler(optimizer: torch.optim.Optimizer, *, max_lr: float, steps_per_epoch: int,
                   total_steps: int, **kwargs: float) -> torch.optim.lr_scheduler.LambdaLR:
    """A ``LambdaLR`` following :func:`learning_rate`; the optimiser's ``lr`` is set to
    ``max_lr``. Call ``scheduler.step()`` after each ``optimizer.step()``.

    Examples
    --------
    >>> import torch
    >>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    >>> scheduler = make_scheduler(optimizer, max_lr=1e-3, steps_per_epoch=3, total_steps=9)
    >>> optimizer.param_groups[0]["lr"]
    1e-08
    """
    for group in optimizer.param_groups:
        group["lr"] = max_lr
        group["initial_lr"] = max_lr

    def factor(step: int) -> float:
        return learning_rate(step, max_lr=max_lr, steps_per_epoch=steps_per_epoch,
                             total_steps=total_steps, **kwargs) / max_lr

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
