"""The shared-memory slots of the loader: the reuse rule, and sharing across processes."""

from __future__ import annotations

import multiprocessing

import pytest
import torch

from xaqf.training.slots import SlotRing, ring_size


def test_ring_size_covers_what_a_dataloader_keeps_outstanding():
    assert ring_size(2, 2) == 5
    assert ring_size(8, 1) == 9


def test_an_item_reuses_its_slot_only_once_the_item_before_it_there_is_released():
    ring = SlotRing(3, 6)
    assert [ring.is_free(n) for n in range(5)] == [True, True, True, False, False]
    ring.release(0)
    assert ring.is_free(3) and not ring.is_free(4) and not ring.is_free(6)
    ring.release(3)
    assert ring.is_free(6)


def test_views_share_their_slot_and_are_recognised():
    ring = SlotRing(2, 6)
    ring.view(3, (2, 3)).fill_(7.0)
    assert torch.equal(ring.view(1, (6,)), torch.full((6,), 7.0))  # item 1: the same slot
    assert ring.view(0, (2, 2)).shape == (2, 2)
    assert ring.holds(ring.view(0, (2, 2))) and ring.holds(ring.data[1])
    assert not ring.holds(ring.view(0, (2, 2)).clone())


def _write(ring: SlotRing) -> None:
    ring.view(1, (2, 3)).copy_(torch.arange(6.0).reshape(2, 3))
    ring.release(1)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_what_a_worker_process_writes_is_what_the_trainer_reads(method):
    ring = SlotRing(2, 6)
    process = multiprocessing.get_context(method).Process(target=_write, args=(ring,))
    process.start()
    process.join(60)
    assert process.exitcode == 0
    assert torch.equal(ring.view(1, (6,)), torch.arange(6.0))
    assert int(ring.released[1]) == 1
