"""Reusable shared-memory slots through which loader workers hand states to the trainer.

Returned as a tensor, a state a DataLoader worker has read is copied by the DataLoader into
a new shared-memory segment, which the training process then maps: every page of it is
fresh twice, and first touches are what a state costs beyond decoding on a virtual machine
(a 0.4 degree pollutant state is 118 MB, ~29 000 pages; copying one into a fresh segment
took 98 ms on the project's 2-core VM, into a segment already used 20 ms). A
:class:`SlotRing` holds ``count`` slots, allocated once before the workers start and
mapped by every process: item ``n`` of a fetch plan is written straight into slot
``n % count`` and the worker returns only ``n``.

Reuse needs no lock. The training process records per slot the last item it is done with
(:meth:`SlotRing.release`, in item order); a worker writes item ``n`` into its slot only if
item ``n - count`` has been released (:meth:`SlotRing.is_free`), and otherwise returns a
tensor of its own as before. A DataLoader keeps at most ``workers x prefetch`` items
outstanding, so with ``count = workers x prefetch + 1`` (:func:`ring_size`) the fallback
does not happen while an epoch is read in order; it does for the first items after an
epoch left unfinished (their slots' last items were never released), which stays correct.

Examples
--------
>>> ring = SlotRing(3, 4)
>>> ring.is_free(3), ring.view(3, (2, 2)).shape  # item 3 reuses slot 0, item 0's
(False, torch.Size([2, 2]))
>>> ring.release(0)
>>> ring.is_free(3), ring.holds(ring.view(3, (2, 2))), ring.holds(torch.zeros(1))
(True, True, False)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

__all__ = ["SlotRing", "ring_size"]


def ring_size(workers: int, prefetch: int) -> int:
    """Slots a loader with ``workers`` processes, each ``prefetch`` items ahead, needs.

    Examples
    --------
    >>> ring_size(2, 2)
    5
    """
    return workers * prefetch + 1


class SlotRing:
    """``count`` shared float32 slots of ``size`` values each, reused in turn.

    Parameters
    ----------
    count
        Slots; item ``n`` goes to slot ``n % count``.
    size
        Values per slot (the largest state).
    """

    def __init__(self, count: int, size: int) -> None:
        self.count = count
        self.data = torch.empty(count, size).share_memory_()
        self.released = torch.full((count,), -1, dtype=torch.int64).share_memory_()

    def view(self, number: int, shape: Sequence[int]) -> torch.Tensor:
        """Item ``number``'s slot as a tensor of ``shape``."""
        return self.data[number % self.count, :math.prod(shape)].view(*shape)

    def is_free(self, number: int) -> bool:
        """Whether item ``number`` may be written: its slot's previous item is released."""
        return int(self.released[number % self.count]) >= number - self.count

    def release(self, number: int) -> None:
        """Mark item ``number`` (and, the plan being read in order, every earlier one) done."""
        self.released[number % self.count] = number

    def holds(self, tensor: torch.Tensor) -> bool:
        """Whether ``tensor`` is a view into the slots (it must be copied before release)."""
        return (tensor.device.type == "cpu"
                and tensor.untyped_storage().data_ptr() == self.data.untyped_storage().data_ptr())
