"""Data-parallel training with ``torchrun``: the process group, ranks and reductions.

``torchrun --nproc_per_node N -m xaqf train CONFIG`` starts ``N`` processes and sets
``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT`` in each (over
several nodes its rendezvous does the same). :func:`setup` reads them and joins the process
group -- NCCL on CUDA (one GPU per process, ``cuda:LOCAL_RANK``), gloo on the CPU; without
them it is a single process and nothing is initialised.

How a batch is reduced: the Eq. 9 loss divides each channel's weighted error by
the same error of the base, both summed over the batch and the grid. The base error has no
gradient, so each process sums its own errors, the base errors are summed over all
processes (:meth:`Distributed.sum`, one all-reduce of ``C + 1`` numbers per step) and each
process's loss is its *share* of the global loss; DDP averages the gradients of ``N`` times
the share, which is the gradient of the global-batch loss. ``N`` processes of batch ``b``
thus take the optimiser step one process of batch ``N b`` would take (to float rounding),
even with shares of unequal size.

Examples
--------
>>> world = Distributed()
>>> world.rank, world.world_size, world.is_main
(0, 1, True)
>>> world.sum(torch.tensor([2.0])).tolist()
[2.0]
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import torch
import torch.distributed as dist

__all__ = ["Distributed", "setup"]


@dataclass(frozen=True)
class Distributed:
    """This process's place among the data-parallel processes.

    Attributes
    ----------
    rank, world_size, local_rank
        As set by ``torchrun`` (0, 1, 0 for a single process).
    device
        The torch device this process trains on.
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: str = "cpu"

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that writes checkpoints, logs and the model file."""
        return self.rank == 0

    @property
    def active(self) -> bool:
        """More than one process."""
        return self.world_size > 1

    def sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """``tensor`` summed over the processes (a new tensor; itself for one process)."""
        if not self.active:
            return tensor
        total = tensor.detach().clone()
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        return total

    def barrier(self) -> None:
        """Wait for every process."""
        if self.active:
            dist.barrier()

    def wrap(self, net: torch.nn.Module) -> torch.nn.Module:
        """``net`` in :class:`~torch.nn.parallel.DistributedDataParallel` (itself alone)."""
        if not self.active:
            return net
        ids = [self.local_rank] if self.device.startswith("cuda") else None
        return torch.nn.parallel.DistributedDataParallel(net, device_ids=ids)

    def close(self) -> None:
        """Leave the process group."""
        if self.active and dist.is_initialized():
            dist.destroy_process_group()


def setup(device: str = "cpu", environ: Mapping[str, str] | None = None) -> Distributed:
    """Join the process group described by torchrun's variables in ``environ``.

    Parameters
    ----------
    device
        ``"cpu"`` or ``"cuda"``; under torchrun a CUDA process takes ``cuda:LOCAL_RANK``.
    environ
        The environment (default ``os.environ``).

    Examples
    --------
    >>> setup("cpu", environ={})
    Distributed(rank=0, world_size=1, local_rank=0, device='cpu')
    """
    env = os.environ if environ is None else environ
    world_size = int(env.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Distributed(device=device)
    rank, local_rank = int(env["RANK"]), int(env.get("LOCAL_RANK", "0"))
    cuda = device.startswith("cuda")
    if cuda:
        device = f"cuda:{local_rank}"
        torch.cuda.set_device(local_rank)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo", rank=rank, world_size=world_size)
    return Distributed(rank=rank, world_size=world_size, local_rank=local_rank, device=device)
