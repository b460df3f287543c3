"""Fourier time embedding: hour of day, day of year and rollout step.

``time_features`` rows are ``[hour_of_day, day_of_year, rollout_step]``. Each quantity ``t``
with wavelength ``lambda`` becomes ``[cos(2 pi t / lambda), sin(2 pi t / lambda)]``
(the ``2 pi`` makes the features periodic in ``lambda``; the paper writes
``t / lambda``): hour with ``lambda = 24``, day of year with ``lambda = 366``.

The rollout step (0 for the first 12 h step, 1 for the next...) is encoded the same way with
several wavelengths, by default 4, 16 and 64 steps (rather than a learned table: it
is defined for any step, so a model trained on short rollouts still accepts long ones, and
the 64-step wavelength keeps steps of a 10-day rollout on a monotonic branch). A small MLP
(linear, GELU, linear) maps the features to an embedding that each U-Net level turns into a
per-channel bias.

Examples
--------
>>> import torch
>>> feats = fourier_features(torch.tensor([[6.0, 1.0, 0.0]]))
>>> feats.shape[-1]
10
>>> round(float(feats[0, 1]), 4)  # sin(2 pi 6 / 24)
1.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

HOUR_WAVELENGTH = 24.0
DAY_WAVELENGTH = 366.0
STEP_WAVELENGTHS: tuple[float, ...] = (4.0, 16.0, 64.0)


def fourier_features(time_features: torch.Tensor,
                     step_wavelengths: Sequence[float] = STEP_WAVELENGTHS) -> torch.Tensor:
    """Cos/sin features of ``time_features`` (B, 3) -> (B, 4 + 2 * len(step_wavelengths)).

    Computed in float32 whatever the input dtype (bf16 cannot resolve hours of a year).

    Examples
    --------
    >>> f = fourier_features(torch.tensor([[0.0, 0.0, 0.0]]), step_wavelengths=(8.0,))
    >>> f.tolist()
    [[1.0, 0.0, 1.0, 0.0, 1.0, 0.0]]
    """
    t = time_features.float()
    columns = [(0, HOUR_WAVELENGTH), (1, DAY_WAVELENGTH)]
    columns += [(2, float(w)) for w in step_wavelengths]
    angles = torch.stack([t[:, i] * (2 * math.pi / w) for i, w in columns], dim=-1)
    return torch.stack([angles.cos(), angles.sin()], dim=-1).flatten(-2)


class TimeEmbedding(nn.Module):
    """Fourier features of ``[hour, day_of_year, step]`` through a two-layer MLP.

    Parameters
    ----------
    dim
        Embedding size.
    step_wavelengths
        Wavelengths (in steps) of the rollout-step features.

    Examples
    --------
    >>> emb = TimeEmbedding(16)
    >>> tuple(emb(torch.tensor([[12.0, 180.0, 2.0]])).shape)
    (1, 16)
    """

    def __init__(self, dim: int, step_wavelengths: Sequence[float] = STEP_WAVELENGTHS) -> None:
        super().__init__()
        self.step_wavelengths = tuple(float(w) for w in step_wavelengths)
        self.fc1 = nn.Linear(4 + 2 * len(self.step_wavelengths), dim)
        self.fc2 = nn.Linear(dim, dim)

    def forward(self, time_features: torch.Tensor) -> torch.Tensor:
        feats = fourier_features(time_features, self.step_wavelengths).to(self.fc1.weight.dtype)
        return self.fc2(F.gelu(self.fc1(feats)))
