"""The autoregressive rollout on tensors, in the network's space.

The rollout itself (each step :func:`xaqf.model.step.model_step`, then the window shift) is
:func:`xaqf.model.step.unroll`, shared with the training loss; here it is checked finite,
its output head kept in float32 under bf16, its decoding overlapped and its network
compiled.

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

import logging
import time
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import torch

from xaqf._utils.checks import all_finite, resolve_device
from xaqf.errors import InvalidValueError
from xaqf.model.step import unroll

_log = logging.getLogger(__name__)
_FLOAT32_FORWARDS: weakref.WeakKeyDictionary[torch.nn.Module, Callable[[torch.Tensor],
                                                                     torch.Tensor]] = (
    weakref.WeakKeyDictionary())
_T = TypeVar("_T")
_R = TypeVar("_R")


def rollout(net: torch.nn.Module, p_prev: torch.Tensor, p_now: torch.Tensor,
            met: Callable[[int], torch.Tensor],
            statics: torch.Tensor | Callable[[int], torch.Tensor],
            features: Callable[[int], torch.Tensor], grey_mask: torch.Tensor, steps: int
            ) -> Iterator[torch.Tensor]:
    """:func:`xaqf.model.step.unroll` (same arguments), each state checked finite.

    Raises
    ------
    InvalidValueError
        If the network produces a non-finite value (naming the step).
    """
    states = unroll(net, p_prev, p_now, met, statics, features, grey_mask, steps)
    for s, p_next in enumerate(states, start=1):
        if not all_finite(p_next):
            raise InvalidValueError(
                f"the network produced non-finite values at rollout step {s}; the "
                f"weights or the normalisation statistics are broken (check the model file)"
            )
        yield p_next


@contextmanager
def float32_head(net: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """``net`` with its output head (``net.head``, a 1 x 1 convolution) run in float32,
    outside any autocast, while the block runs.

    Under bf16 autocast the head would return ``psi`` and ``delta`` in bfloat16: ``psi`` is
    close to 1, where bfloat16 values are 2^-7 apart, so every step would scale the state by
    an error of up to 0.4 % and the rollout would compound it. In float32 the head adds its
    bias (1 for ``psi``) at full precision; its inputs keep the bf16 rounding of the
    activations, whose effect is relative to the small change ``psi - 1``. The head is
    about 1 % of a forward's FLOPs. A network without a ``head`` convolution is unchanged.

    Examples
    --------
    >>> from xaqf.model import build_model
    >>> net = build_model("tiny")
    >>> args = net.example_inputs(8, 16, seed=0)
    >>> with float32_head(net), torch.autocast("cpu", torch.bfloat16), torch.no_grad():
    ...     psi, delta = net(*args)
    >>> psi.dtype, "forward" in vars(net.head)
    (torch.float32, False)
    """
    head = getattr(net, "head", None)
    if not isinstance(head, torch.nn.Conv2d):
        yield net
        return
    if head not in _FLOAT32_FORWARDS:  # one function per head: compiled graphs stay valid

        module = weakref.ref(head)

        def forward(x: torch.Tensor) -> torch.Tensor:
            conv = module()
            assert conv is not None  # called as conv.forward: conv is alive
            with torch.autocast(x.device.type, enabled=False):
                result: torch.Tensor = torch.nn.Conv2d.forward(conv, x.float())
            return result

        _FLOAT32_FORWARDS[head] = forward
    head.forward = _FLOAT32_FORWARDS[head]  # type: ignore[method-assign,assignment]
    try:
        yield net
    finally:
        del head.forward


def overlapped(items: Iterable[_T], func: Callable[[_T], _R]) -> Iterator[_R]:
    """``func(item)`` for each item, computed in a worker thread while the next is produced.

    Used to decode step ``s`` of a rollout while the network runs step ``s + 1``: the
    worker only reads the state, which the rollout never modifies in place, so the results
    are those of ``func`` run in turn. Each result is yielded once the next item exists
    (or the items are exhausted); the worker runs under :func:`torch.inference_mode`.
    Errors of either side propagate; closing the generator waits for the pending call.

    Examples
    --------
    >>> list(overlapped(range(4), lambda x: x * x))
    [0, 1, 4, 9]
    """
    def run(item: _T) -> _R:
        with torch.inference_mode():
            return func(item)

    with ThreadPoolExecutor(1, thread_name_prefix="xaqf-decode") as worker:
        pending: Future[_R] | None = None
        for item in items:
            submitted = worker.submit(run, item)
            if pending is not None:
                yield pending.result()
            pending = submitted
        if pending is not None:
            yield pending.result()


class CompiledNet(torch.nn.Module):
    """``net`` run through :func:`torch.compile`, timed, with a fallback to ``net`` itself.

    The first forward of each new set of input shapes compiles (a static graph per shape,
    ``dynamic=False``); its wall time is added to :attr:`compile_seconds` and logged. If
    compilation fails (no C++ compiler for the CPU inductor, an unsupported operator...),
    a ``RuntimeWarning`` names the error and every later call runs ``net`` uncompiled.

    Parameters
    ----------
    net
        The network; its parameters are shared, not copied.

    Attributes
    ----------
    compile_seconds : float
        Wall time of the first forward of each input shape (compilation plus that forward).
    failure : str or None
        The error that made compilation fail, if it did.
    """

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net
        self.compile_seconds = 0.0
        self.failure: str | None = None
        self._compiled: Callable[..., Any] = torch.compile(net, dynamic=False)
        self._seen: set[tuple[tuple[int, ...], ...]] = set()

    def forward(self, *args: torch.Tensor) -> Any:
        if self.failure is not None:
            return self.net(*args)
        shapes = tuple(tuple(a.shape) for a in args)
        if shapes in self._seen:
            return self._compiled(*args)
        tic = time.perf_counter()
        try:
            result = self._compiled(*args)
        except Exception as err:  # any compiler failure: fall back to eager, loudly
            self.failure = f"{type(err).__name__}: {str(err).strip().splitlines()[0][:300]}"
            warnings.warn(f"torch.compile failed ({self.failure}); the forecast continues "
                          f"with the uncompiled network (predict(..., compile=False) skips "
                          f"the attempt)", RuntimeWarning, stacklevel=2)
            return self.net(*args)
        seconds = time.perf_counter() - tic
        self.compile_seconds += seconds
        self._seen.add(shapes)
        _log.info("compiled the network for input shapes %s in %.1f s (with one forward)",
                  shapes, seconds)
        return result


class CompiledNets:
    """The :class:`CompiledNet` of ``net`` for each device and dtype, made on first use.

    Examples
    --------
    >>> nets = CompiledNets(torch.nn.Linear(1, 1))
    >>> nets.get("cpu") is nets.get("cpu"), nets.get("cpu") is nets.get("cpu", "bf16")
    (True, False)
    """

    def __init__(self, net: torch.nn.Module) -> None:
        self.net = net
        self._made: dict[tuple[str, str | None], CompiledNet] = {}

    def get(self, device: str | torch.device, dtype: str | None = None) -> CompiledNet:
        """The compiled network for ``device`` and ``dtype`` (``None``: float32)."""
        key = (str(resolve_device(device)), dtype)
        if key not in self._made:
            self._made[key] = CompiledNet(self.net)
        return self._made[key]
