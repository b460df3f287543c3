"""Fourier time embedding."""

from __future__ import annotations

import math

import torch

from xaqf.model.embedding import TimeEmbedding, fourier_features


def test_features_are_periodic_with_the_wavelengths():
    t = torch.tensor([[3.0, 40.0, 1.0], [27.0, 406.0, 2.0]])
    f = fourier_features(t)
    assert torch.allclose(f[0, :4], f[1, :4], atol=1e-5)  # +24 h, +366 days
    assert not torch.allclose(f[0, 4:], f[1, 4:], atol=1e-3)  # steps differ


def test_hour_features_use_two_pi():
    f = fourier_features(torch.tensor([[18.0, 1.0, 0.0]]))
    assert torch.allclose(f[0, :2], torch.tensor([math.cos(1.5 * math.pi), -1.0]), atol=1e-6)


def test_embedding_distinguishes_rollout_steps():
    torch.manual_seed(0)
    emb = TimeEmbedding(8)
    steps = torch.tensor([[0.0, 100.0, s] for s in range(10)])
    out = emb(steps)
    assert out.shape == (10, 8)
    assert torch.cdist(out, out).add(torch.eye(10)).min() > 0
