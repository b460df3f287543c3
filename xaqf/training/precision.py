"""Precision and memory options of a training step: bf16 autocast, activation checkpointing.

* ``precision="bf16"`` runs the network's forward under :func:`torch.autocast` in bfloat16
  (convolutions and matrix products in bf16); the weights, the optimiser state, the Eq. 9
  loss and the applied change stay float32 (:func:`xaqf.model.step.model_step` casts
  ``psi`` and ``delta`` back).
* activation checkpointing keeps only the inputs of each U-Net level (every encoder and
  decoder stage and the bottleneck) during the forward and recomputes the level in the
  backward (:func:`torch.utils.checkpoint.checkpoint`, non-reentrant): far less activation
  memory for about one more forward (:func:`xaqf.model.memory.activation_checkpointing`).
* ``channels_last`` (the trainer's option) stores activations NHWC, the faster layout for
  convolutions on recent GPUs.

Examples
--------
>>> from xaqf.model import build_model
>>> net = build_model("tiny")
>>> with activation_checkpointing(net):
...     "forward" in vars(net.encoders[0])
True
>>> "forward" in vars(net.encoders[0])
False
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from xaqf.errors import ConfigError
from xaqf.model.memory import activation_checkpointing

__all__ = ["PRECISIONS", "Autocast", "activation_checkpointing"]

PRECISIONS = ("fp32", "bf16")
"""Training precisions."""


class Autocast(nn.Module):
    """Runs ``net`` (e.g. a DDP wrapper) under bf16 autocast; a plain call for ``fp32``.

    Examples
    --------
    >>> net = Autocast(nn.Linear(2, 2), "bf16", "cpu")
    >>> net(torch.ones(1, 2)).dtype
    torch.bfloat16
    """

    def __init__(self, net: nn.Module, precision: str, device: str) -> None:
        super().__init__()
        if precision not in PRECISIONS:
            raise ConfigError(f"precision {precision!r} is not one of {PRECISIONS}")
        self.net, self.precision = net, precision
        self.device_type = torch.device(device).type

    def forward(self, *args: Any) -> Any:
        with torch.autocast(self.device_type, dtype=torch.bfloat16,
                            enabled=self.precision == "bf16"):
            return self.net(*args)
