"""Overhead of ``Forecaster.predict`` over the bare network forwards it runs.

For a grid and a model config, times (in one process) ``predict`` from one initial time for
``steps`` steps -- input checks, xarray selection, normalisation, log transform, rollout,
inverse transform, labelled output -- against the sum of bare ``net(*inputs)`` calls on the
very inputs ``predict`` gave the network (recorded by a forward pre-hook during a warm-up
``predict``). Both are repeated in back-to-back pairs; the headline ratio is the median of
the per-pair ratios (robust on a shared machine, where a neighbour's load comes and goes),
printed with the ratio of the best times (target: overhead <= 10 %) and the absolute times.

On the CPU, ``predict`` runs its rollout inside :func:`xaqf.forecaster.heap.retained_heap`, so the
bare forwards are timed inside it too (the comparison is of xaqf's work around the
network); they are also timed once with glibc's default heap, after the pairs (so that its churn of
fresh memory does not precede a timed ``predict``), to show what the retained heap saves.

``--dtype bf16`` runs both under bfloat16 autocast (the bare forwards with the output head
in float32, as ``predict`` runs them: :func:`xaqf.forecaster.rollout.float32_head`);
``--compile`` runs both through the compiled network and prints the compile time;
``--device cuda`` synchronises around every timing and prints peak GPU memory. The script
also prints the peak resident memory and the forwards' FLOP rate as a share of a matmul
peak (``model_step.matmul_peak``) measured in the same process and dtype.

Usage::

    python benchmarks/predict.py                    # 46 x 90 "small", 10 steps
    python benchmarks/predict.py --resolution 0.4 --config paper --steps 2 --repeats 1
    python benchmarks/predict.py --resolution 0.4 --config paper --dtype bf16
    python benchmarks/predict.py --resolution 0.4 --config paper --device cuda --dtype bf16
    python benchmarks/predict.py --resolution 0.8 --steps 8 --repeats 4 \
        --config benchmarks/configs/paper-third.json

``--config`` takes a named config or a JSON file of :class:`~xaqf.model.ModelConfig`
fields. ``configs/paper-third.json`` (``paper`` at a third of its widths, ~1/6 of its FLOPs)
is a stand-in for a bf16 ``paper`` forward on a CPU without bf16 units: its float32 forward
there stands to ``predict``'s own work roughly as a bf16 ``paper`` forward does on a CPU
with them.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import xarray as xr
from model_step import matmul_peak

from xaqf.forecaster import Forecaster
from xaqf.forecaster.heap import heap_retention_available, retained_heap
from xaqf.forecaster.rollout import float32_head
from xaqf.model import summary
from xaqf.regrid import global_grid
from xaqf.variables import (
    MET_CHANNELS,
    MET_VARIABLES,
    POLLUTANT_CHANNELS,
    VALID_RANGES,
    VARIABLES,
)


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
        values = rng.gamma(2.0, 1.0, shape)
        if name in VALID_RANGES:  # plausible values: within the low fifth of the range
            low, high = VALID_RANGES[name]
            values = max(low, 0.0) + (high - max(low, 0.0)) * values / (10 * values.max())
        data[name] = (dims, values.astype(np.float32), VARIABLES[name].attrs)
    return xr.Dataset(data, coords=coords)


def recorded_inputs(forecaster: Forecaster, run) -> list[tuple[torch.Tensor, ...]]:
    """The arguments of every network forward of one ``run()`` (a warm-up ``predict``)."""
    calls: list[tuple[torch.Tensor, ...]] = []
    hook = forecaster.net.register_forward_pre_hook(
        lambda _, args: calls.append(tuple(a.clone() for a in args)))
    try:
        run()
    finally:
        hook.remove()
    return calls


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timed(func, device: str = "cpu") -> float:
    _sync(device)
    tic = time.perf_counter()
    func()
    _sync(device)
    return time.perf_counter() - tic


def bare_forwards(net: torch.nn.Module, calls: list[tuple[torch.Tensor, ...]],
                  retain_heap: bool = True, dtype: str = "fp32", device: str = "cpu") -> None:
    """The recorded forwards, as ``predict`` runs them (autocast, float32 head, heap)."""
    cpu = device == "cpu"
    heap = retained_heap() if retain_heap and cpu else nullcontext()
    bf16 = dtype == "bf16"
    cast = torch.autocast(torch.device(device).type, dtype=torch.bfloat16, enabled=bf16)
    head = float32_head(net) if bf16 else nullcontext()
    with torch.inference_mode(), heap, cast, head:
        for args in calls:
            net(*args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=float, default=4.0)
    parser.add_argument("--config", default="small",
                        help="a named config, or a JSON file of ModelConfig fields")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument("--compile", action="store_true", help="predict(..., compile=True)")
    parser.add_argument("--skip-default-heap", action="store_true",
                        help="do not time the bare forwards with glibc's default heap")
    parser.add_argument("--channels-last", action="store_true",
                        help="the network's weights in channels-last memory format")
    args = parser.parse_args()
    grid = global_grid(args.resolution)
    times = pd.date_range("2022-06-01", periods=args.steps + 2, freq="12h")
    cams = synthetic([v for v in VARIABLES if VARIABLES[v].kind == "pollutant"], times[:2],
                     grid, 0)
    met = synthetic(MET_VARIABLES, times[1:], grid, 1)
    channels = list(POLLUTANT_CHANNELS + MET_CHANNELS)
    stats = xr.Dataset({"mean": ("channel", np.zeros(len(channels))),
                        "std": ("channel", np.ones(len(channels)))}, coords={"channel": channels})
    config = (json.loads(Path(args.config).read_text()) if args.config.endswith(".json")
              else args.config)
    forecaster = Forecaster.from_config(config, stats, seed=0)
    if args.channels_last:
        forecaster.net.to(memory_format=torch.channels_last)
    dtype = None if args.dtype == "fp32" else args.dtype

    def run() -> xr.Dataset:
        return forecaster.predict(cams, met, steps=args.steps, init_times=times[1:2],
                                  device=args.device, dtype=dtype, compile=args.compile,
                                  progress=False)

    tic = time.perf_counter()
    calls = recorded_inputs(forecaster, run)
    warm = time.perf_counter() - tic
    if args.compile:
        compiled = forecaster.compiled_net(args.device, dtype)
        print(f"warm-up predict {warm:.1f} s, of which compiling {compiled.compile_seconds:.1f} s"
              f" ({'ok' if compiled.failure is None else compiled.failure})")
    net = forecaster.compiled_net(args.device, dtype) if args.compile else forecaster.net
    net = net.to(args.device).eval()
    bare, full = [], []
    for _ in range(args.repeats):
        full.append(timed(run, args.device))
        bare.append(timed(lambda: bare_forwards(net, calls, dtype=args.dtype,
                                                device=args.device), args.device))
    height, width = grid.sizes["latitude"], grid.sizes["longitude"]
    print(f"{args.config} at {height}x{width}, {args.steps} step(s), 1 initial time, "
          f"{args.dtype}, {args.device}, compile={args.compile}, channels_last="
          f"{args.channels_last}, {torch.get_num_threads()} threads, best of {args.repeats}")
    print(f"bare forwards: {min(bare):.3f} s ({min(bare) / args.steps * 1e3:.1f} ms/step); "
          f"predict: {min(full):.3f} s ({min(full) / args.steps * 1e3:.1f} ms/step)")
    if args.device == "cpu" and not args.skip_default_heap:
        default_heap = timed(lambda: bare_forwards(net, calls, retain_heap=False,
                                                   dtype=args.dtype))
        print(f"bare forwards with glibc's default heap (once, after the pairs): "
              f"{default_heap:.3f} s ({default_heap / min(bare):.2f}x the retained heap's; "
              f"heap retention "
              f"{'available' if heap_retention_available() else 'unavailable here'})")
    print(f"peak resident memory (maxrss): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    if args.device.startswith("cuda"):
        print(f"peak GPU memory: {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
    flops = summary(config, height, width).flops * args.steps
    peak = matmul_peak(args.device, torch.bfloat16 if dtype else torch.float32)
    print(f"bare forwards at {flops / min(bare) / 1e9:.1f} GFLOP/s = "
          f"{flops / min(bare) / peak:.1%} of the {args.dtype} matmul peak measured here "
          f"({peak / 1e9:.1f} GFLOP/s)")
    ratios = [f / b for f, b in zip(full, bare, strict=True)]
    median = statistics.median(ratios)
    print(f"predict / bare forwards = {median:.3f} (overhead {median - 1:+.1%}, median of "
          f"pairs: {', '.join(f'{r:.3f}' for r in ratios)}; best / best = "
          f"{min(full) / min(bare):.3f})")

if __name__ == "__main__":
    main()
