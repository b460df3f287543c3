"""Feeding training from the store at 0.4 degrees: loader rate, raw read rate, network time, memory.

Makes a toy store of ``--steps`` time steps at 451 x 900 (random canonical fields through
:func:`xaqf.store.prepare`) in ``--folder`` on local disk, then measures

* the windows per second :class:`~xaqf.training.loader.WindowLoader` delivers (2 workers,
  batch 1, runs of consecutive windows; encoding and the finite check left out -- they run on
  the training device -- and timed apart) against a plain sequential read of the same chunks
  (``zarr.Array.__getitem__``, one time step of every variable after the other), both
  from the page cache;
* the loader's peak memory (training process and the largest worker, ``ru_maxrss``);
* the ``paper`` network's forward + backward time at a reduced grid on this CPU, scaled by
  area to 451 x 900 (the full grid needs ~20 GB here);
* the training-step activation memory of ``paper`` at 451 x 900, batch 1, in fp32, bf16 and
  bf16 + activation checkpointing (:func:`xaqf.model.training_memory`), each checked by a
  measurement (:func:`xaqf.model.memory.measured_activation_memory`) at ``--check-grid``.

Usage::

    python benchmarks/train_data.py --folder /tmp/train-data [--steps 16] [--repeats 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import torch
import zarr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers import canonical_dataset  # noqa: E402
from xaqf import variables  # noqa: E402
from xaqf.model import build_model, training_memory  # noqa: E402
from xaqf.model.memory import measured_activation_memory  # noqa: E402

NLAT, NLON = 451, 900


def make_store(folder: Path, steps: int) -> Path:
    """A 0.4 degree store of ``steps`` times, raw files written two times at a time."""
    from xaqf.store import prepare

    output = folder / "train.zarr"
    if output.exists():
        return output
    folder.mkdir(parents=True, exist_ok=True)
    times = pd.date_range("2022-06-01", periods=steps, freq="12h")
    files: dict[str, list[str]] = {"cams": [], "met": []}
    for block in range(0, steps, 2):
        for kind, names, positive in (("cams", variables.POLLUTANT_VARIABLES, True),
                                      ("met", variables.MET_VARIABLES, False)):
            ds = canonical_dataset(names, times[block:block + 2], NLAT, NLON, seed=block,
                                   positive=positive)
            if kind == "met":  # N(0, 1) tails below the plausible humidity range
                ds["r"] = ds["r"].clip(min=-4.0).assign_attrs(ds["r"].attrs)
            path = folder / f"{kind}_{block:03d}.nc"
            ds.to_netcdf(path)
            files[kind].append(str(path))
            del ds
    statics = canonical_dataset(variables.STATIC_VARIABLES, times[:1], NLAT, NLON)
    statics.isel(time=0, drop=True).drop_vars("level").to_netcdf(folder / "statics.nc")
    last = times[-1] - pd.Timedelta("12h")
    return prepare(files["cams"], files["met"], str(folder / "statics.nc"), output, 0.4,
                   times[0], last.strftime("%Y-%m-%dT%H"), workers=2, progress=True)


def raw_read(store: Path, keys: list[tuple[str, int]]) -> float:
    """Seconds to read the chunks of ``keys`` one after the other with zarr, decoding only."""
    names = {"cams": variables.POLLUTANT_VARIABLES, "met": variables.MET_VARIABLES}
    arrays = {g: [zarr.open_array(store, path=f"{g}/{name}", mode="r") for name in names[g]]
              for g in names}
    start = time.perf_counter()
    for group, index in keys:
        for array in arrays[group]:
            array[index]
    return time.perf_counter() - start


def _windows(store: Path, encode: bool) -> object:
    from xaqf.forecaster import Forecaster
    from xaqf.store import open_store
    from xaqf.training.loader import StoreWindows

    class Delivered(StoreWindows):
        """States as the GPU receives them (encoding and finite check run there, in
        milliseconds)."""

        def encode_state(self, group: str, state: torch.Tensor) -> torch.Tensor:
            return state

        def check_state(self, group: str, position: int, state: torch.Tensor) -> None:
            return None

    stats = open_store(store)["stats"].to_dataset()
    forecaster = Forecaster.from_config("tiny", stats, seed=0)
    return (StoreWindows if encode else Delivered)(forecaster, store)


def encode_time(store: Path) -> float:
    """Seconds to encode and check one pollutant state on this CPU (one thread per core)."""
    windows: Any = _windows(store, encode=True)
    state = windows.read_raw("cams", 0)
    start = time.perf_counter()
    windows.check_state("cams", 0, windows.encode_state("cams", state))
    return time.perf_counter() - start


def loader_passes(store: Path, workers: int,
                  repeats: int) -> tuple[int, list[tuple[float, float]], list[tuple[str, int]]]:
    """``(windows, [(loader seconds, raw seconds)] per pass, the states read)``: ``repeats``
    passes over the store by one loader, as a training run's epochs, each followed by the
    plain read of the same chunks (:func:`raw_read`). Encoding is excluded (see
    :func:`encode_time`) and the worker processes are started beforehand (they persist over
    a training run's epochs)."""
    from xaqf.training.loader import WindowLoader, epoch_batches, fetch_plan

    windows: Any = _windows(store, encode=False)
    batches = epoch_batches(len(windows), batch_size=1, seed=0, epoch=0,
                            run_length=len(windows))
    keys = fetch_plan(windows, batches)
    loader = WindowLoader(windows, workers=workers)
    for _ in loader.batches(batches[:1]):  # start the workers
        pass
    passes = []
    for _ in range(repeats):
        start = time.perf_counter()
        count = sum(len(batch.init_time) for batch in loader.batches(batches))
        passes.append((time.perf_counter() - start, raw_read(store, keys)))
    return count, passes, keys


def network_time(height: int, width: int) -> float:
    """Seconds of one ``paper`` forward + backward at ``height`` x ``width``, batch 1."""
    torch.manual_seed(0)
    net = build_model("paper")
    args = net.example_inputs(height, width, seed=0)
    psi, delta = net(*args)
    (psi.mean() + delta.mean()).backward()
    start = time.perf_counter()
    psi, delta = net(*args)
    (psi.mean() + delta.mean()).backward()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3, help="loader passes (epochs)")
    parser.add_argument("--net-grid", type=int, nargs=2, default=(96, 192))
    parser.add_argument("--check-grid", type=int, nargs=2, default=(48, 96))
    args = parser.parse_args()
    torch.set_num_threads(2)

    store = make_store(args.folder, args.steps)
    raw_read(store, [(g, i) for g in ("cams", "met") for i in range(args.steps)])  # page cache
    count, passes, keys = loader_passes(store, workers=2, repeats=args.repeats)
    main_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for seconds, raw in passes:
        print(f"loader, 2 workers: {count / seconds:.2f} windows/s ({len(keys)} states in "
              f"{seconds:.1f} s); plain sequential read of the same chunks: {raw:.1f} s -> "
              f"loader / raw rate {raw / seconds:.2f}")
    rate = count / statistics.median(seconds for seconds, _ in passes)
    print(f"median of {len(passes)} passes: loader / raw rate "
          f"{statistics.median(raw / seconds for seconds, raw in passes):.2f}")
    print(f"encoding and checking one pollutant state on this CPU: {encode_time(store):.2f} s")
    print(f"peak memory: training process {main_rss:.0f} MiB, largest worker "
          f"{worker_rss:.0f} MiB")

    h, w = args.net_grid
    step = network_time(h, w)
    scaled = step * (NLAT * NLON) / (h * w)
    print(f"paper forward + backward at {h} x {w}: {step:.2f} s -> ~{scaled:.0f} s at "
          f"{NLAT} x {NLON} (scaled by area), i.e. the loader is {rate * scaled:.0f}x faster "
          f"than this CPU trains")

    ch, cw = args.check_grid
    for precision, checkpointing in (("fp32", False), ("bf16", False), ("bf16", True)):
        full = training_memory("paper", NLAT, NLON, precision=precision,
                               checkpointing=checkpointing)
        small = training_memory("paper", ch, cw, precision=precision,
                                checkpointing=checkpointing).activations
        measured = measured_activation_memory("paper", ch, cw, precision=precision,
                                              checkpointing=checkpointing)
        print(f"paper {precision}{' + checkpointing' if checkpointing else ''}: activations "
              f"{full.activations / 1e9:.2f} GB (+ recompute {full.recompute / 1e9:.2f} GB), "
              f"step total {full.total / 1e9:.2f} GB at {NLAT} x {NLON}; at {ch} x {cw} "
              f"counted {small / 1e6:.0f} MB vs measured {measured / 1e6:.0f} MB "
              f"({small / measured - 1:+.0%})")


if __name__ == "__main__":
    main()
