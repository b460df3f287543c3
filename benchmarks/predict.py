"""Overhead of ``Forecaster.predict`` over the bare network forwards it runs.

For a grid and a model config, times (in one process) ``predict`` from one initial time for
``steps`` steps -- input checks, xarray selection, normalisation, log transform, rollout,
inverse transform, labelled output -- against the sum of bare ``net(*inputs)`` calls on the
very inputs ``predict`` gave the network (recorded by a forward pre-hook during a warm-up
``predict``). Both are repeated in back-to-back pairs; the headline ratio is the median of
the per-pair ratios (robust on a shared machine, where a neighbour's load comes and goes),
printed with the ratio of the best times (target: overhead <= 10 %) and the absolute times.

On the CPU, ``predict`` runs its rollout inside :func:`xaqf.memory.retained_heap`, so the
bare forwards are timed inside it too (the comparison is of xaqf's work around the
network); they are also timed once with glibc's default heap, after the pairs (so that its churn of
fresh memory does not precede a timed ``predict``), to show what the retained heap saves.

Usage::

    python benchmarks/predict.py                    # 46 x 90 "small", 10 steps
    python benchmarks/predict.py --resolution 0.4 --config paper --steps 2 --repeats 1
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import nullcontext

import numpy as np
import pandas as pd
import torch
import xarray as xr

from xaqf.forecaster import Forecaster
from xaqf.memory import heap_retention_available, retained_heap
from xaqf.regrid import global_grid
from xaqf.variables import MET_CHANNELS, MET_VARIABLES, POLLUTANT_CHANNELS, VARIABLES


def synthetic(names, times, grid, seed) -> xr.Dataset:
    rng = np.random.default_rng(seed)
    coords = {"time": times, "level": np.array([50.0, 100, 150, 200, 250, 300, 400, 500, 600,
                                                700, 850, 925, 1000]),
              "latitude": grid["latitude"].values, "longitude": grid["longitude"].values}
    data = {}
    for name in names:
        dims = ("time", "level", "latitude", "longitude") if VARIABLES[name].on_levels else (
            "time", "latitude", "longitude")
        shape = tuple(len(coords[d]) for d in dims)
        data[name] = (dims, rng.gamma(2.0, 1.0, shape).astype(np.float32), VARIABLES[name].attrs)
    return xr.Dataset(data, coords=coords)


def recorded_inputs(forecaster: Forecaster, cams: xr.Dataset, met: xr.Dataset,
                    steps: int, init_times: pd.DatetimeIndex) -> list[tuple[torch.Tensor, ...]]:
    """The arguments of every network forward of one ``predict`` (a warm-up run)."""
    calls: list[tuple[torch.Tensor, ...]] = []
    hook = forecaster.net.register_forward_pre_hook(
        lambda _, args: calls.append(tuple(a.clone() for a in args)))
    try:
        forecaster.predict(cams, met, steps=steps, init_times=init_times, progress=False)
    finally:
        hook.remove()
    return calls


def timed(func) -> float:
    tic = time.perf_counter()
    func()
    return time.perf_counter() - tic


def bare_forwards(net: torch.nn.Module, calls: list[tuple[torch.Tensor, ...]],
                  retain_heap: bool = True) -> None:
    with torch.inference_mode(), retained_heap() if retain_heap else nullcontext():
        for args in calls:
            net(*args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=float, default=4.0)
    parser.add_argument("--config", default="small")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    grid = global_grid(args.resolution)
    times = pd.date_range("2022-06-01", periods=args.steps + 2, freq="12h")
    cams = synthetic([v for v in VARIABLES if VARIABLES[v].kind == "pollutant"], times[:2],
                     grid, 0)
    met = synthetic(MET_VARIABLES, times[1:], grid, 1)
    channels = list(POLLUTANT_CHANNELS + MET_CHANNELS)
    stats = xr.Dataset({"mean": ("channel", np.zeros(len(channels))),
                        "std": ("channel", np.ones(len(channels)))}, coords={"channel": channels})
    forecaster = Forecaster.from_config(args.config, stats, seed=0)
    calls = recorded_inputs(forecaster, cams, met, args.steps, times[1:2])
    net = forecaster.net.eval()
    bare, full = [], []
    for _ in range(args.repeats):
        full.append(timed(lambda: forecaster.predict(cams, met, steps=args.steps,
                                                     init_times=times[1:2], progress=False)))
        bare.append(timed(lambda: bare_forwards(net, calls)))
    default_heap = timed(lambda: bare_forwards(net, calls, retain_heap=False))
    height, width = grid.sizes["latitude"], grid.sizes["longitude"]
    print(f"{args.config} at {height}x{width}, {args.steps} step(s), 1 initial time, "
          f"{torch.get_num_threads()} threads, best of {args.repeats}")
    print(f"bare forwards: {min(bare):.3f} s ({min(bare) / args.steps:.4f} s/step); "
          f"predict: {min(full):.3f} s")
    print(f"bare forwards with glibc's default heap (once, after the pairs): "
          f"{default_heap:.3f} s ({default_heap / min(bare):.2f}x the retained heap's; heap "
          f"retention "
          f"{'available' if heap_retention_available() else 'unavailable here'})")
    ratios = [f / b for f, b in zip(full, bare, strict=True)]
    median = statistics.median(ratios)
    print(f"predict / bare forwards = {median:.3f} (overhead {median - 1:+.1%}, median of "
          f"pairs: {', '.join(f'{r:.3f}' for r in ratios)}; best / best = "
          f"{min(full) / min(bare):.3f})")

if __name__ == "__main__":
    main()
