"""Size of a model: parameters (per part) and forward FLOPs on a given grid.

FLOPs are counted by :class:`torch.utils.flop_counter.FlopCounterMode` during one forward
pass on the ``meta`` device, so even the ``paper`` config at 451 x 900 is counted in a
fraction of a second without allocating memory. Convolutions, transposed convolutions and
matrix products are counted (2 FLOPs per multiply-add); element-wise work (norms,
activations, padding) is not.

Examples
--------
>>> s = summary("tiny", 46, 90)
>>> s.parameters > 10_000, s.flops > 0
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from xaqf._utils.serialize import to_dict
from xaqf.model.config import ModelConfig
from xaqf.model.unet import FusionUNet, build_model


@dataclass(frozen=True)
class ModelSummary:
    """Parameters and forward FLOPs of a :class:`~xaqf.model.FusionUNet` on one grid.

    Attributes
    ----------
    name
        Config name.
    parameters
        Total number of parameters.
    flops
        Forward FLOPs (2 per multiply-add) for one pass at ``batch`` x ``height`` x ``width``.
    height, width, batch
        The grid and batch the FLOPs are for.
    parts
        Parameters per top-level part (``fusion``, ``encoders``, ``bottleneck``...).
    """

    name: str
    parameters: int
    flops: int
    height: int
    width: int
    batch: int = 1
    parts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the fields."""
        return to_dict(self)

    def __str__(self) -> str:
        lines = [
            f"FusionUNet {self.name!r}: {self.parameters / 1e6:.3f} M parameters, "
            f"{self.flops / 1e9:.2f} GFLOP per forward at batch {self.batch} x "
            f"{self.height} x {self.width}",
        ]
        lines += [f"  {part:<16} {count / 1e6:9.3f} M" for part, count in self.parts.items()]
        return "\n".join(lines)


def _parts(net: nn.Module) -> dict[str, int]:
    parts: dict[str, int] = {}
    for name, param in net.named_parameters():
        part = name.split(".")[0]
        parts[part] = parts.get(part, 0) + param.numel()
    return parts


def summary(net_or_config: FusionUNet | ModelConfig | str | dict[str, Any], height: int,
            width: int, batch: int = 1) -> ModelSummary:
    """Count parameters and forward FLOPs of a model on a ``height`` x ``width`` grid.

    Parameters
    ----------
    net_or_config
        A built :class:`~xaqf.model.FusionUNet`, or anything :func:`~xaqf.model.build_model`
        accepts (then built on the ``meta`` device: no memory, no time).
    height, width
        Grid size.
    batch
        Batch size.

    Returns
    -------
    ModelSummary

    Examples
    --------
    >>> print(summary("tiny", 46, 90))  # doctest: +ELLIPSIS
    FusionUNet 'tiny': 0.0... M parameters, ... GFLOP per forward at batch 1 x 46 x 90
    ...
    """
    net = net_or_config if isinstance(net_or_config, FusionUNet) else None
    config = net_or_config.config if isinstance(net_or_config, FusionUNet) else net_or_config
    meta = build_model(config, device="meta")
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        meta(*meta.example_inputs(height, width, batch))
    counted = net if net is not None else meta
    return ModelSummary(
        name=meta.config.name,
        parameters=sum(p.numel() for p in counted.parameters()),
        flops=int(counter.get_total_flops()),
        height=height, width=width, batch=batch,
        parts=_parts(counted),
    )
