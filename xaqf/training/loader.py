"""Streaming training windows from the analysis-ready store, fast enough to feed GPUs.

The unit of reading is one **time step** of one group (``cams`` or ``met``): exactly one
chunk of every array of the store (:mod:`xaqf.store.layout`), decoded and encoded into the
network's space once. Windows are assembled from these states, so the states that
neighbouring windows share are read once:

* the epoch's order (:func:`epoch_batches`) shuffles *runs* of ``run_length`` consecutive
  windows with ``seed + epoch`` (``run_length = 1`` is a plain shuffle of the windows), cuts
  it into global batches of ``world_size x batch_size`` windows and gives each process its
  contiguous share; the order depends on neither the number of loader workers nor, for a
  fixed global batch, the number of processes;
* :func:`fetch_plan` replays the epoch against a small LRU of decoded states
  (:class:`StateCache`, ``2 k + 3`` states: one window's pollutant and met states, so
  consecutive windows of a run reuse ``2 k + 1`` of them) and lists the states to read, in
  the order they are first needed;
* a :class:`torch.utils.data.DataLoader` reads that list with worker processes (prefetching,
  pinned memory on CUDA); each worker opens the zarr store itself on first use (no dask graph
  travels, only the path) and returns the state in physical units, and the results come
  back in order;
* :class:`WindowLoader` encodes each state once on arrival, on the training device (the
  log transform of a 0.4 degree state takes seconds on a CPU core and milliseconds on a
  GPU), checks it finite once (not once per window that uses it), keeps the LRU in the
  training process and yields :class:`~xaqf.training.dataset.Window` batches, copying each
  state once into its batch's tensors: no per-window stack then a batch stack, and a batch
  of one takes ``p_prev``, ``p_now`` and a one-step ``target`` as views of the states.

Because the states come back in a fixed order whatever the number of workers, a loader with
2 workers yields exactly the batches of one with 0.

Examples
--------
>>> batches = epoch_batches(10, batch_size=2, seed=0, epoch=0, run_length=5)
>>> [len(b) for b in batches], sorted(sum(batches, [])) == list(range(10))
([2, 2, 2, 2, 2], True)
>>> batches[0][1] - batches[0][0]  # a run: consecutive windows
1
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import xarray as xr

from xaqf.errors import ConfigError
from xaqf.training.dataset import Window, WindowDataset
from xaqf.variables import MET_CHANNELS, MET_VARIABLES, POLLUTANT_CHANNELS, POLLUTANT_VARIABLES

if TYPE_CHECKING:
    from xaqf.forecaster import Forecaster

__all__ = ["StateCache", "StoreWindows", "WindowLoader", "epoch_batches", "fetch_plan"]

Key = tuple[str, int]
"""A state: ``(group, position along time)``."""

_GROUPS = {"cams": (POLLUTANT_VARIABLES, POLLUTANT_CHANNELS),
           "met": (MET_VARIABLES, MET_CHANNELS)}


def epoch_batches(count: int, *, batch_size: int, seed: int, epoch: int, run_length: int = 1,
                  world_size: int = 1, rank: int = 0) -> list[list[int]]:
    """This process's batches of window indices for one epoch (see the module notes).

    Parameters
    ----------
    count
        Number of windows.
    batch_size
        Windows per process and optimiser step; a global batch is ``world_size`` times more.
    seed, epoch
        The order is drawn from ``seed + epoch``.
    run_length
        Consecutive windows kept together (1: every window shuffled on its own).
    world_size, rank
        Data-parallel processes and this one's rank. A last global batch smaller than
        ``world_size`` is dropped (every process needs at least one window).

    Examples
    --------
    >>> epoch_batches(5, batch_size=2, seed=0, epoch=1)
    [[0, 4], [2, 3], [1]]
    >>> epoch_batches(5, batch_size=1, seed=0, epoch=1, world_size=2, rank=1)  # [1] dropped
    [[4], [3]]
    """
    if run_length < 1:
        raise ConfigError(f"run_length must be >= 1, got {run_length}")
    generator = torch.Generator().manual_seed(seed + epoch)
    runs = [range(i, min(i + run_length, count)) for i in range(0, count, run_length)]
    order = [i for r in torch.randperm(len(runs), generator=generator).tolist() for i in runs[r]]
    size = batch_size * world_size
    shares = []
    for start in range(0, len(order), size):
        batch = order[start:start + size]
        if len(batch) < world_size:
            break
        shares.append(batch[rank * len(batch) // world_size:(rank + 1) * len(batch) // world_size])
    return shares


class StateCache:
    """A least-recently-used store of decoded states, ``capacity`` of them.

    Examples
    --------
    >>> cache = StateCache(2)
    >>> reads = []
    >>> for key in [("cams", 0), ("cams", 1), ("cams", 0), ("cams", 2), ("cams", 1)]:
    ...     _ = cache.get(key, lambda k: reads.append(k) or k)
    >>> reads
    [('cams', 0), ('cams', 1), ('cams', 2), ('cams', 1)]
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Key, Any] = OrderedDict()

    def get(self, key: Key, read: Callable[[Key], Any]) -> Any:
        """The state ``key``, from the cache or from ``read(key)`` (then cached)."""
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = self._items[key] = read(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return value


def _window_keys(dataset: WindowDataset, i: int) -> list[Key]:
    cams_at, met_at = dataset.positions(i)
    return [("cams", int(p)) for p in cams_at] + [("met", int(p)) for p in met_at]


def cache_capacity(dataset: WindowDataset) -> int:
    """States kept by the loader's LRU: those of one window, ``2 k + 3``."""
    return 2 * dataset.rollout_steps + 3


def fetch_plan(dataset: WindowDataset, batches: Sequence[Sequence[int]]) -> list[Key]:
    """The states to read for ``batches``, in the order :class:`WindowLoader` needs them.

    Examples
    --------
    >>> import types
    >>> ds = types.SimpleNamespace(rollout_steps=1, positions=lambda i: (
    ...     np.arange(i, i + 3), np.arange(i + 1, i + 3)))
    >>> len(fetch_plan(ds, [[0], [1], [2]]))  # 5 states, then 2 new ones per window
    9
    """
    plan: list[Key] = []
    cache = StateCache(cache_capacity(dataset))
    for batch in batches:
        for i in batch:
            for key in _window_keys(dataset, i):
                cache.get(key, plan.append)
    return plan


class _States(torch.utils.data.Dataset):
    """The DataLoader's dataset: ``key -> (key, state)``, physical where the dataset can
    read raw states (:meth:`StoreWindows.read_raw`), else encoded."""

    def __init__(self, dataset: WindowDataset) -> None:
        self.dataset = dataset

    def __getitem__(self, key: Key) -> tuple[Key, torch.Tensor]:
        read = getattr(self.dataset, "read_raw", self.dataset.read_state)
        return key, read(*key)


class _Plan(torch.utils.data.Sampler):
    """A sampler replaying the current :func:`fetch_plan` (set before each pass)."""

    def __init__(self) -> None:
        self.keys: list[Key] = []

    def __iter__(self) -> Iterator[Key]:
        return iter(self.keys)

    def __len__(self) -> int:
        return len(self.keys)


def _worker_init(worker_id: int) -> None:
    """One intra-op thread per loader worker: the workers are the parallelism."""
    torch.set_num_threads(1)


def _stacked(rows: list[list[torch.Tensor]]) -> torch.Tensor:
    """``(B, n, ...)`` from ``B`` rows of ``n`` tensors each: a view of the one tensor where
    ``B = n = 1``, else one copy of each tensor into a new one (no intermediate stacks)."""
    first = rows[0][0]
    if len(rows) == 1 and len(rows[0]) == 1:
        return first[None, None]
    out = first.new_empty((len(rows), len(rows[0]), *first.shape))
    for b, row in enumerate(rows):
        for s, value in enumerate(row):
            out[b, s] = value
    return out


class WindowLoader:
    """Batches of windows from any :class:`~xaqf.training.dataset.WindowDataset`, read as
    states by a DataLoader (see the module notes).

    Parameters
    ----------
    dataset
        The windows (a :class:`StoreWindows` streams from the store).
    workers
        Loader worker processes (0: read in this process).
    pin_memory
        Pin the states (use on CUDA for asynchronous copies).
    prefetch
        States each worker reads ahead.
    device
        Where states are encoded and batches assembled.

    Examples
    --------
    A stand-in dataset whose states are their time positions:

    >>> import types
    >>> ds = types.SimpleNamespace(
    ...     rollout_steps=1, read_state=lambda group, p: torch.full((1,), float(p)),
    ...     positions=lambda i: (np.arange(i, i + 3), np.arange(i + 1, i + 3)),
    ...     side_inputs=lambda i: (torch.zeros(1, 3), torch.zeros(1), np.datetime64(i, "D")))
    >>> [b.p_now.tolist() for b in WindowLoader(ds).batches([[0, 1], [2]])]
    [[[1.0], [2.0]], [[3.0]]]
    """

    def __init__(self, dataset: WindowDataset, *, workers: int = 0, pin_memory: bool = False,
                 prefetch: int = 2, device: torch.device | str = "cpu") -> None:
        self.dataset = dataset
        self.device = torch.device(device)
        self._encode = getattr(dataset, "encode_state", None)
        self._check = getattr(dataset, "check_state", None)
        self._plan = _Plan()
        self._loader = torch.utils.data.DataLoader(
            _States(dataset), sampler=self._plan, batch_size=None, num_workers=workers,
            pin_memory=pin_memory, prefetch_factor=prefetch if workers else None,
            persistent_workers=workers > 0, worker_init_fn=_worker_init if workers else None)

    def batches(self, batches: Sequence[Sequence[int]]) -> Iterator[Window]:
        """Yield the :class:`Window` batch of each list of window indices in ``batches``."""
        self._plan.keys = fetch_plan(self.dataset, batches)
        arrivals = iter(self._loader)
        cache = StateCache(cache_capacity(self.dataset))

        def read(key: Key) -> torch.Tensor:
            got, value = next(arrivals)
            if tuple(got) != tuple(key):
                raise RuntimeError(f"loader out of step: expected state {key}, got {got}")
            value = value.to(self.device, non_blocking=True)
            if self._encode is not None:
                value = self._encode(key[0], value)
            if self._check is not None:
                self._check(*key, value)
            return value

        for batch in batches:
            yield self._window_batch(batch, [[cache.get(key, read)
                                              for key in _window_keys(self.dataset, i)]
                                             for i in batch])

    def _window_batch(self, batch: Sequence[int], states: list[list[torch.Tensor]]) -> Window:
        """The batch of windows ``batch`` from their states (in :meth:`positions` order),
        each copied once into the batch's tensors (a batch of one keeps views of them)."""
        n = self.dataset.rollout_steps + 2
        features, statics, times = zip(*(self.dataset.side_inputs(i) for i in batch),
                                       strict=True)
        return Window(p_prev=_stacked([row[:1] for row in states])[:, 0],
                      p_now=_stacked([row[1:2] for row in states])[:, 0],
                      met=_stacked([row[n:] for row in states]),
                      target=_stacked([row[2:n] for row in states]),
                      time_features=_stacked([[f] for f in features])[:, 0],
                      statics=_stacked([[s] for s in statics])[:, 0],
                      init_time=np.stack([np.asarray(t, "datetime64[ns]") for t in times]))


class StoreWindows(WindowDataset):
    """Training windows over a store made by :func:`xaqf.store.prepare`, streamed.

    In the training process the store is opened with :func:`xaqf.open_store` (lazily: only
    coordinates are read) to find the usable windows; states are then read with
    :meth:`read_state` straight from the zarr arrays (no dask), each process -- every
    DataLoader worker -- opening the store itself on first use.

    Parameters
    ----------
    forecaster
        The :class:`~xaqf.Forecaster` being trained (its encoding and statics).
    path
        The store.
    period
        ``[start, end]`` (inclusive) of the windows' states; ``None``: the whole store.
    rollout_steps
        ``k``.
    """

    def __init__(self, forecaster: Forecaster, path: str | os.PathLike, *,
                 period: Sequence[str] | None = None, rollout_steps: int = 1) -> None:
        from xaqf.store import open_store

        tree = open_store(path)
        self.path = str(Path(path))
        cams, met = tree["cams"].to_dataset(), tree["met"].to_dataset()
        self._offsets_in_store = {}
        if period is not None:
            cams, met = cams.sel(time=slice(*period)), met.sel(time=slice(*period))
        for group, ds in (("cams", cams), ("met", met)):
            whole = tree[group].to_dataset()["time"].values
            self._offsets_in_store[group] = int(np.searchsorted(whole, ds["time"].values[0])) \
                if ds.sizes["time"] else 0
        super().__init__(forecaster, cams, met, rollout_steps=rollout_steps)
        self._opened: dict[str, xr.Dataset] = {}

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the lazy (dask) views and the opened store: a worker reopens it."""
        state = dict(self.__dict__)
        state.update(_cams=None, _met=None, _opened={})
        return state

    def _group(self, group: str) -> xr.Dataset:
        if group not in self._opened:
            self._opened[group] = xr.open_zarr(self.path, group=group, consolidated=False,
                                               chunks=None)
        return self._opened[group]

    def read_raw(self, group: str, position: int) -> torch.Tensor:
        """The state at ``position`` (within the period) of ``group`` in physical units,
        ``(C, H, W)`` float32: one chunk of each array, stacked in channel order (the store
        keeps the catalogue's variables and levels)."""
        ds = self._group(group)
        index = position + self._offsets_in_store[group]
        variables, channels = _GROUPS[group]
        height, width = ds.sizes["latitude"], ds.sizes["longitude"]
        out = np.empty((len(channels), height, width), np.float32)
        row = 0
        for name in variables:
            values = ds[name].variable[index].values.reshape(-1, height, width)
            out[row:row + len(values)] = values
            row += len(values)
        return torch.from_numpy(out)

    def encode_state(self, group: str, state: torch.Tensor) -> torch.Tensor:
        """``state`` (physical) in the network's space."""
        encode = self.encoding.encode_pollutants if group == "cams" else self.encoding.encode_met
        return encode(state)

    def read_state(self, group: str, position: int) -> torch.Tensor:
        """The encoded state at ``position`` (within the period) of ``group``."""
        return self.encode_state(group, self.read_raw(group, position))
