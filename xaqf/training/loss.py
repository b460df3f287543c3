"""The base-relative, latitude-weighted training loss (paper Eq. 7-9).

For each pollutant channel ``k`` the absolute error of the forecast, weighted by
``cos(latitude)``, is divided by the same error of the pollutant base ``B`` (the input the
network scales and shifts); the loss is the mean of these ratios over channels. A channel
that barely changes from the base thus weighs as much as one that changes a lot.

Decisions (the paper is silent):

* the loss is computed in the network's space, i.e. on normalised and log-transformed
  pollutants -- the space where the base, the forecast and the target all live;
* the sums run over the batch as well as over the grid, so ``e_k`` is one number per channel
  per batch (steadier than one per sample);
* ``e_k`` is guarded from below by ``eps`` times the sum of the weights: a channel whose base
  equals its target everywhere gives a finite (large) ratio rather than a division by zero;
* data-parallel (``reduce``): the base errors and the batch size are summed over the
  processes, so each process returns its share of the global-batch loss (the shares add up
  to it; see :mod:`xaqf.training.distributed`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

EPS = 1e-6
"""Floor of the mean weighted base error in :func:`base_relative_loss` (normalised units)."""


def base_relative_loss(prediction: torch.Tensor, target: torch.Tensor, base: torch.Tensor,
                       weights: torch.Tensor, eps: float = EPS, *,
                       reduce: Callable[[torch.Tensor], torch.Tensor] | None = None
                       ) -> torch.Tensor:
    """Eq. 9: ``mean_k  sum |pred - target| w  /  max(sum |base - target| w, eps sum w)``.

    Parameters
    ----------
    prediction, target, base
        Tensors ``(batch, channel, latitude, longitude)`` in the same (normalised) space.
    weights
        Latitude weights ``(latitude,)``, e.g. ``cos(latitude)``.
    eps
        Guard on the base error, as a mean weighted absolute error.
    reduce
        Sums a tensor over the data-parallel processes (e.g.
        :meth:`~xaqf.training.distributed.Distributed.sum`); ``None``: one process.

    Returns
    -------
    torch.Tensor
        A scalar; 1 means "as good as the base", 0 a perfect forecast.

    Examples
    --------
    >>> import torch
    >>> target = torch.zeros(1, 2, 2, 1)
    >>> base = torch.ones(1, 2, 2, 1)
    >>> prediction = torch.tensor([0.5, 0.5, 0.0, 1.5]).reshape(1, 2, 2, 1)
    >>> float(base_relative_loss(prediction, target, base, torch.tensor([1.0, 0.5])))
    0.5
    """
    w = weights.to(prediction.dtype).reshape(1, 1, -1, 1)
    error = ((prediction - target).abs() * w).sum(dim=(0, 2, 3))
    reference = ((base - target).abs() * w).sum(dim=(0, 2, 3))
    count = float(target.shape[0])
    if reduce is not None:
        totals = reduce(torch.cat([reference.detach(), reference.new_tensor([count])]))
        reference, count = totals[:-1], float(totals[-1])
    floor = eps * float(w.sum()) * count * target.shape[-1]
    return (error / reference.clamp_min(floor)).mean()

