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
  travels, only the path) and decodes the state, in physical units, straight into a
  reusable shared-memory slot (:mod:`xaqf.training.slots`: no fresh memory per state and no
  copy by the DataLoader), and the results come back in order;
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

import math
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import xarray as xr
import zarr
from zarr.core.buffer import default_buffer_prototype

from xaqf.errors import ConfigError, LayoutError
from xaqf.forecaster.variable_sets import variables_of
from xaqf.preprocessing.channels import variable_of
from xaqf.training.dataset import Window, WindowDataset
from xaqf.training.slots import SlotRing, ring_size
from xaqf.variables import PRESSURE_LEVELS, split_channel

if TYPE_CHECKING:
    from xaqf.forecaster import Forecaster

__all__ = ["StateCache", "StoreWindows", "WindowLoader", "epoch_batches", "fetch_plan"]

Key = tuple[str, int]
"""A state: ``(group, position along time)``."""

_GROUPS = ("cams", "met")


def store_rows(channels: Sequence[str]) -> dict[str, list[int] | None]:
    """For each variable of ``channels``, the positions along the store's ``level`` axis
    (the catalogue's levels) of its channels; ``None`` where it takes the whole array (a
    surface variable, or every level).

    Examples
    --------
    >>> store_rows(["t2m", "t_500", "t_850"])  # levels 50 ... 1000 hPa
    {'t2m': None, 't': [7, 10]}
    """
    rows: dict[str, list[int] | None] = {}
    for variable in variables_of(channels):
        levels = [split_channel(c)[1] for c in channels if variable_of(c) == variable]
        positions = [PRESSURE_LEVELS.index(level) for level in levels if level is not None]
        rows[variable] = None if len(positions) in (0, len(PRESSURE_LEVELS)) else positions
    return rows


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
    """The DataLoader's dataset: ``(key, number) -> (key, number, state)``.

    The state is physical where the dataset can read raw states (:meth:`StoreWindows.read_raw`),
    else encoded; it is ``None`` where it was written into item ``number``'s slot of ``ring``.
    """

    def __init__(self, dataset: WindowDataset, ring: SlotRing | None = None,
                 shapes: dict[str, tuple[int, ...]] | None = None) -> None:
        self.dataset = dataset
        self.ring = ring
        self.shapes = shapes or {}

    def __getitem__(self, item: tuple[Key, int]) -> tuple[Key, int, torch.Tensor | None]:
        key, number = item
        read: Callable[..., torch.Tensor] = getattr(self.dataset, "read_raw",
                                                    self.dataset.read_state)
        if self.ring is not None and self.ring.is_free(number):
            read(*key, out=self.ring.view(number, self.shapes[key[0]]))
            return key, number, None
        return key, number, read(*key)


class _Plan(torch.utils.data.Sampler):
    """A sampler replaying the current :func:`fetch_plan`, items numbered (set before each
    pass)."""

    def __init__(self) -> None:
        self.items: list[tuple[Key, int]] = []

    def __iter__(self) -> Iterator[tuple[Key, int]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


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
        Loader worker processes (0: read in this process). With workers, a dataset that
        tells its states' shapes (``raw_shape(group)``) and reads into a given tensor
        (``read_raw(group, position, out=...)``), as :class:`StoreWindows` does, hands them
        over in ``workers x prefetch + 1`` shared-memory slots of the largest state's size.
    pin_memory
        Pin the states (use on CUDA for asynchronous copies).
    prefetch
        States each worker reads ahead.
    device
        Where states are encoded and batches assembled.

    Attributes
    ----------
    fallbacks
        States a worker returned as tensors of their own because their slot was still in
        use (none while every epoch is read to its end).

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
        self._pin = pin_memory
        self._plan = _Plan()
        self._issued = 0
        self.fallbacks = 0
        self._shapes = ({group: tuple(dataset.raw_shape(group)) for group in _GROUPS}
                        if workers and hasattr(dataset, "raw_shape") else {})
        self._ring = (SlotRing(ring_size(workers, prefetch),
                               max(math.prod(shape) for shape in self._shapes.values()))
                      if self._shapes else None)
        self._loader = torch.utils.data.DataLoader(
            _States(dataset, self._ring, self._shapes), sampler=self._plan, batch_size=None,
            num_workers=workers, pin_memory=pin_memory,
            prefetch_factor=prefetch if workers else None, persistent_workers=workers > 0,
            worker_init_fn=_worker_init if workers else None)

    def batches(self, batches: Sequence[Sequence[int]]) -> Iterator[Window]:
        """Yield the :class:`Window` batch of each list of window indices in ``batches``."""
        plan = fetch_plan(self.dataset, batches)
        self._plan.items = [(key, self._issued + k) for k, key in enumerate(plan)]
        self._issued += len(plan)
        arrivals = iter(self._loader)
        cache = StateCache(cache_capacity(self.dataset))

        def read(key: Key) -> torch.Tensor:
            got, number, value = next(arrivals)
            if tuple(got) != tuple(key):
                raise RuntimeError(f"loader out of step: expected state {key}, got {got}")
            if self._ring is None:
                return self._deliver(key, value)
            self.fallbacks += value is not None
            state = self._deliver(key, self._ring.view(number, self._shapes[key[0]])
                                  if value is None else value)
            if self._ring.holds(state):
                state = state.clone()
            self._ring.release(number)
            return state

        for batch in batches:
            yield self._window_batch(batch, [[cache.get(key, read)
                                              for key in _window_keys(self.dataset, i)]
                                             for i in batch])

    def _deliver(self, key: Key, raw: torch.Tensor) -> torch.Tensor:
        """``raw`` on the training device, encoded and checked."""
        if self._pin and self._ring is not None and self._ring.holds(raw):
            raw = raw.pin_memory()
        value = raw.to(self.device, non_blocking=True)
        if self._encode is not None:
            value = self._encode(key[0], value)
        if self._check is not None:
            self._check(*key, value)
        return value

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
                      time_features=_stacked([[f] for f in features])[:, 0].to(self.device),
                      statics=_stacked([[s] for s in statics])[:, 0].to(self.device),
                      init_time=np.stack([np.asarray(t, "datetime64[ns]") for t in times]))


class StoreWindows(WindowDataset):
    """Training windows over a store made by :func:`xaqf.store.prepare`, streamed.

    In the training process the store is opened with :func:`xaqf.open_store` (lazily: only
    coordinates are read) to find the usable windows; states are then read with
    :meth:`read_state` straight from the zarr arrays (no dask, no xarray: the store's
    float32 arrays need no decoding beyond zarr's), each process -- every DataLoader worker
    -- opening the store itself on first use.

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
    emissions
        Emission fields for a forecaster with emission inputs; default: the store's
        ``emissions`` group (written by ``xaqf prepare --emissions``). Ignored, with a
        warning, by a forecaster without emission inputs.

    Raises
    ------
    MissingVariableError
        The forecaster takes emissions, none are given and the store has no ``emissions``
        group (or it lacks a species).
    """

    def __init__(self, forecaster: Forecaster, path: str | os.PathLike, *,
                 period: Sequence[str] | None = None, rollout_steps: int = 1,
                 emissions: xr.Dataset | None = None) -> None:
        from xaqf.store import open_store, store_emissions

        tree = open_store(path)
        if emissions is None and forecaster.emissions is not None:
            emissions = store_emissions(tree, path)
        self.path = str(Path(path))
        cams, met = tree["cams"].to_dataset(), tree["met"].to_dataset()
        self._offsets_in_store = {}
        if period is not None:
            cams, met = cams.sel(time=slice(*period)), met.sel(time=slice(*period))
        for group, ds in (("cams", cams), ("met", met)):
            whole = tree[group].to_dataset()["time"].values
            self._offsets_in_store[group] = int(np.searchsorted(whole, ds["time"].values[0])) \
                if ds.sizes["time"] else 0
        self._grid = (cams.sizes["latitude"], cams.sizes["longitude"])
        super().__init__(forecaster, cams, met, rollout_steps=rollout_steps,
                         emissions=emissions)
        self._opened: dict[str, dict[str, zarr.Array]] = {}

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the lazy (dask) views, the opened store and the emission fields: a
        worker reopens the store and only reads states (the statics of a window, emissions
        included, are made in the training process, :meth:`side_inputs`)."""
        state = dict(self.__dict__)
        state.update(_cams=None, _met=None, _opened={},
                     _step_statics=None)
        return state

    def _channels(self, group: str) -> tuple[str, ...]:
        return self.pollutant_channels if group == "cams" else self.met_channels

    def _arrays(self, group: str) -> dict[str, zarr.Array]:
        """``group``'s zarr arrays of the model's variables, opened once per process."""
        if group not in self._opened:
            self._opened[group] = {name: zarr.open_array(self.path, path=f"{group}/{name}",
                                                         mode="r")
                                   for name in variables_of(self._channels(group))}
        return self._opened[group]

    def raw_shape(self, group: str) -> tuple[int, int, int]:
        """The ``(C, H, W)`` shape of one state of ``group``."""
        return (len(self._channels(group)), *self._grid)

    def read_raw(self, group: str, position: int,
                 out: torch.Tensor | None = None) -> torch.Tensor:
        """The state at ``position`` (within the period) of ``group`` in physical units,
        ``(C, H, W)`` float32: one chunk of each array, decoded by zarr straight into its
        channels of ``out`` (a new tensor by default), in channel order (the store keeps the
        catalogue's variables and levels) and with no copy -- but for a variable of which the
        model takes some levels only, decoded whole then copied."""
        shape = self.raw_shape(group)
        if out is None:
            out = torch.empty(shape)
        elif (tuple(out.shape), out.dtype, out.is_contiguous()) != (shape, torch.float32, True):
            raise LayoutError(f"read_raw({group!r}) needs a contiguous float32 CPU tensor of "
                              f"shape {shape} to decode into, got {out.dtype} "
                              f"{tuple(out.shape)}{'' if out.is_contiguous() else ' (strided)'}")
        index = position + self._offsets_in_store[group]
        values = out.numpy()
        wrap = default_buffer_prototype().nd_buffer.from_numpy_array
        row = 0
        levels = store_rows(self._channels(group))
        for name, array in self._arrays(group).items():
            picked = levels[name]
            if picked is None:
                rows = math.prod(array.shape[1:-2])
                array.get_basic_selection(index, out=wrap(values[row:row + rows].reshape(
                    array.shape[1:])))
            else:
                whole = np.empty(array.shape[1:], np.float32)
                array.get_basic_selection(index, out=wrap(whole))
                rows = len(picked)
                values[row:row + rows] = whole[picked]
            row += rows
        return out

    def encode_state(self, group: str, state: torch.Tensor) -> torch.Tensor:
        """``state`` (physical) in the network's space."""
        encode = self.encoding.encode_pollutants if group == "cams" else self.encoding.encode_met
        return encode(state)

    def read_state(self, group: str, position: int) -> torch.Tensor:
        """The encoded state at ``position`` (within the period) of ``group``."""
        return self.encode_state(group, self.read_raw(group, position))
