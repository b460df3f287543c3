"""The Eq. 9 loss against a hand computation, and the learning-rate schedule's values."""

from __future__ import annotations

import math

import pytest
import torch

from xaqf.training.loss import base_relative_loss
from xaqf.training.schedule import learning_rate, make_scheduler


def test_loss_equals_hand_computation():
    generator = torch.Generator().manual_seed(0)
    prediction, target, base = (torch.rand(2, 3, 4, 5, generator=generator) for _ in range(3))
    weights = torch.tensor([0.1, 0.5, 1.0, 0.3])
    expected = 0.0
    for k in range(3):
        num = sum(abs(prediction[b, k, i, j] - target[b, k, i, j]) * weights[i]
                  for b in range(2) for i in range(4) for j in range(5))
        den = sum(abs(base[b, k, i, j] - target[b, k, i, j]) * weights[i]
                  for b in range(2) for i in range(4) for j in range(5))
        expected += float(num / den) / 3
    assert float(base_relative_loss(prediction, target, base, weights)) == pytest.approx(
        expected, rel=1e-5)


def test_loss_is_finite_when_the_base_is_perfect():
    target = torch.ones(1, 2, 3, 3)
    loss = base_relative_loss(target + 0.1, target, target.clone(), torch.ones(3))
    assert torch.isfinite(loss) and float(loss) > 1


def test_loss_of_the_base_itself_is_one():
    target, base = torch.zeros(1, 2, 3, 3), torch.ones(1, 2, 3, 3)
    assert float(base_relative_loss(base, target, base, torch.ones(3))) == 1.0


KW = dict(max_lr=2.5e-4, steps_per_epoch=30, total_steps=300)


def test_warmup_is_linear_from_1e_8_over_a_third_of_the_first_epoch():
    assert learning_rate(0, **KW) == 1e-8
    assert learning_rate(5, **KW) == pytest.approx(1e-8 + (2.5e-4 - 1e-8) / 2)
    assert learning_rate(10, **KW) == pytest.approx(2.5e-4)


def test_cosine_decay_reaches_1e_9_at_the_last_step():
    middle = 10 + (299 - 10) / 2
    assert learning_rate(299, **KW) == pytest.approx(1e-9)
    assert learning_rate(int(middle), **KW) == pytest.approx(
        1e-9 + (2.5e-4 - 1e-9) * 0.5 * (1 + math.cos(math.pi * int(middle - 10) / 289)))
    rates = [learning_rate(s, **KW) for s in range(10, 300)]
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))


def test_scheduler_follows_the_function():
    param = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.AdamW([param], lr=1.0)
    scheduler = make_scheduler(optimizer, **KW)
    seen = []
    for _ in range(40):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert seen == pytest.approx([learning_rate(s, **KW) for s in range(40)], rel=1e-12)
