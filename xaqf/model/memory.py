"""Memory of one training step: will a config fit a GPU before launching it?

:func:`training_memory` builds the network on fake tensors
(:class:`torch._subclasses.fake_tensor.FakeTensorMode`: shapes and dtypes, no storage, so
``paper`` at 451 x 900 is sized in seconds on any machine), runs one forward with autograd
under the training precision and adds up the tensors autograd saves for the backward --
the activation memory, which peaks at the end of the forward (the weights themselves, which
autograd saves too, are not counted; in bf16 their bf16 copies are). With activation checkpointing
only the inputs of each U-Net level stay saved, and the backward recomputes one level at a
time, so the largest level's own activations are added once (``recompute``). Weights,
gradients and the AdamW moments (float32) are reported beside it.

:func:`measured_activation_memory` measures the same quantity for real on the CPU: the bytes
glibc has allocated after a forward with autograd minus those after the same forward without
(``mallinfo2``), at a grid small enough for the machine.

Examples
--------
>>> m = training_memory("tiny", 32, 64)
>>> m.activations > 0, m.total > m.activations
(True, True)
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from xaqf.errors import ConfigError
from xaqf.model.config import ModelConfig
from xaqf.model.unet import build_model

__all__ = ["TrainingMemory", "activation_checkpointing", "measured_activation_memory",
           "training_memory", "unet_levels"]

_GB = 1e9


@dataclass(frozen=True)
class TrainingMemory:
    """Bytes of one training step (see the module notes).

    Attributes
    ----------
    activations
        Saved for the backward at the end of the forward.
    recompute
        Added during the backward by recomputing one level (activation checkpointing).
    parameters, gradients, optimizer
        Weights, their gradients and the AdamW moments (float32).
    """

    activations: int
    recompute: int
    parameters: int
    gradients: int
    optimizer: int

    @property
    def total(self) -> int:
        """Everything above: a lower bound of the GPU memory the step needs."""
        return (self.activations + self.recompute + self.parameters + self.gradients
                + self.optimizer)

    def fits(self, gigabytes: float, headroom: float = 0.9) -> bool:
        """Whether :attr:`total` fits in ``headroom`` of a ``gigabytes`` GPU.

        Examples
        --------
        >>> training_memory("tiny", 16, 32).fits(40)
        True
        """
        return self.total <= headroom * gigabytes * _GB

    def __str__(self) -> str:
        parts = {"activations": self.activations, "recompute": self.recompute,
                 "parameters": self.parameters, "gradients": self.gradients,
                 "optimizer": self.optimizer}
        return "\n".join([f"training step: {self.total / _GB:.2f} GB"] +
                         [f"  {k:<17} {v / _GB:8.2f} GB" for k, v in parts.items()])


class _Saved:
    """Pack hook adding up the bytes of distinct saved tensors."""

    def __init__(self) -> None:
        self.bytes = 0
        self._seen: dict[int, torch.Tensor] = {}

    def pack(self, tensor: torch.Tensor) -> torch.Tensor:
        if id(tensor) not in self._seen and not isinstance(tensor, nn.Parameter):
            self._seen[id(tensor)] = tensor
            self.bytes += tensor.numel() * tensor.element_size()
        return tensor

    def add(self, tensor: Any) -> None:
        if isinstance(tensor, torch.Tensor):
            self.pack(tensor)


def unet_levels(net: nn.Module) -> list[nn.Module]:
    """The U-Net levels of a :class:`~xaqf.model.FusionUNet` that activation checkpointing
    wraps: every encoder and decoder stage and the bottleneck."""
    stages = [*net.encoders, net.bottleneck, *net.decoders]  # type: ignore[misc]
    return [stage for stage in stages if isinstance(stage, nn.Module)]


@contextlib.contextmanager
def activation_checkpointing(net: nn.Module, enabled: bool = True) -> Iterator[nn.Module]:
    """Checkpoint every U-Net level of ``net`` while the context is open: only a level's
    inputs are kept, and the backward recomputes it (non-reentrant
    :func:`torch.utils.checkpoint.checkpoint`).

    Examples
    --------
    >>> net = build_model("tiny")
    >>> with activation_checkpointing(net):
    ...     "forward" in vars(net.encoders[0])
    True
    >>> "forward" in vars(net.encoders[0])
    False
    """
    wrapped = unet_levels(net) if enabled else []
    for module in wrapped:
        forward = module.forward

        def run(*args: Any, _forward: Any = forward) -> Any:
            return checkpoint(_forward, *args, use_reentrant=False)

        module.forward = run
    try:
        yield net
    finally:
        for module in wrapped:
            del module.forward


def _count(net: nn.Module, args: tuple[torch.Tensor, ...], precision: str
           ) -> tuple[int, list[tuple[int, int]]]:
    """Saved bytes of one forward, and ``(inputs, own)`` bytes of each U-Net level."""
    saved = _Saved()
    spans: list[tuple[int, int]] = []
    marks: list[tuple[int, int]] = []

    def before(module: nn.Module, inputs: tuple[Any, ...]) -> None:
        start = saved.bytes
        for x in inputs:
            saved.add(x)
        marks.append((start, saved.bytes))

    def after(module: nn.Module, inputs: Any, output: Any) -> None:
        start, inner = marks.pop()
        spans.append((inner - start, saved.bytes - inner))

    hooks = [h for m in unet_levels(net)
             for h in (m.register_forward_pre_hook(before), m.register_forward_hook(after))]
    try:
        with torch.autograd.graph.saved_tensors_hooks(saved.pack, lambda t: t), \
                torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            net(*args)
    finally:
        for hook in hooks:
            hook.remove()
    return saved.bytes, spans


def training_memory(config: ModelConfig | str | dict[str, Any], height: int, width: int,
                    batch: int = 1, precision: str = "fp32", checkpointing: bool = False
                    ) -> TrainingMemory:
    """The memory of one training step of ``config`` on a ``height`` x ``width`` grid.

    Parameters
    ----------
    config
        Anything :func:`~xaqf.model.build_model` accepts (``"paper"``...).
    height, width, batch
        Grid and per-GPU batch size.
    precision
        ``"fp32"`` or ``"bf16"`` (autocast, as ``StageConfig.precision``).
    checkpointing
        Activation checkpointing of the U-Net levels.

    Returns
    -------
    TrainingMemory

    Examples
    --------
    >>> plain = training_memory("tiny", 32, 64)
    >>> half = training_memory("tiny", 32, 64, precision="bf16", checkpointing=True)
    >>> half.activations + half.recompute < plain.activations
    True
    """
    from torch._subclasses.fake_tensor import FakeTensorMode

    if precision not in ("fp32", "bf16"):
        raise ConfigError(f"precision must be 'fp32' or 'bf16', got {precision!r}")
    with FakeTensorMode():
        net = build_model(config)
        args = net.example_inputs(height, width, batch)
        total, spans = _count(net, args, precision)
    count = sum(p.numel() for p in net.parameters())
    activations, recompute = total, 0
    if checkpointing:
        activations = total - sum(own for _, own in spans)
        recompute = max((own for _, own in spans), default=0)
    return TrainingMemory(activations=activations, recompute=recompute, parameters=4 * count,
                          gradients=4 * count, optimizer=8 * count)


def _allocated() -> Callable[[], int]:
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "mallinfo2"):
        raise ConfigError("measured_activation_memory needs glibc >= 2.33 (mallinfo2)")

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost")]

    libc.mallinfo2.restype = MallInfo2

    def allocated() -> int:
        info = libc.mallinfo2()
        return int(info.uordblks + info.hblkhd)

    return allocated


def measured_activation_memory(config: ModelConfig | str | dict[str, Any], height: int,
                               width: int, batch: int = 1, precision: str = "fp32",
                               checkpointing: bool = False, seed: int = 0) -> int:
    """Bytes autograd keeps after a real CPU forward (glibc's count); with ``checkpointing``
    the recomputation in the backward is not included (compare with
    :attr:`TrainingMemory.activations`).

    Examples
    --------
    >>> measured_activation_memory("tiny", 32, 64) > 0
    True
    """
    allocated = _allocated()
    torch.manual_seed(seed)
    net = build_model(config)
    args = net.example_inputs(height, width, batch, seed=seed)
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")
    with torch.no_grad(), autocast:
        outputs = net(*args)
    gc.collect()
    before = allocated()
    with autocast, activation_checkpointing(net, checkpointing):
        outputs = net(*args)
    gc.collect()
    after = allocated()
    del outputs
    return after - before
