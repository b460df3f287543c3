"""Overhead of ``Forecaster.predict`` over the bare network forwards it runs.

For a grid and a model config, times (in one process) ``predict`` from one initial time for
``steps`` steps -- input checks, xarray selection, normalisation, log transform, rollout,
inverse transform, labelled output -- against ``steps`` bare ``net(*inputs)`` calls on
tensors of the same shape. Prints the ratio (target: overhead <= 10 %) and the absolute
times.

Usage::

    python benchmarks/predict.py                    # 46 x 90 "small", 10 steps
    python benchmarks/predict.py --resolution 0.4 --config paper --steps 1
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch
import xarray as xr

from xaqf.forecaster import Forecaster
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=float, default=4.0)
    parser.add_argument("--config", default="small")
    parser.add_argument("--steps", type=int, default=10)
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
    net = forecaster.net.eval()
    height, width = grid.sizes["latitude"], grid.sizes["longitude"]
    inputs = net.example_inputs(height, width, batch=1)
    with torch.inference_mode():
        net(*inputs)  # warm-up
        tic = time.perf_counter()
        for _ in range(args.steps):
            net(*inputs)
        bare = time.perf_counter() - tic
    tic = time.perf_counter()
    forecaster.predict(cams, met, steps=args.steps, init_times=times[1:2], progress=False)
    full = time.perf_counter() - tic
    print(f"{args.config} at {height}x{width}, {args.steps} step(s), 1 initial time, "
          f"{torch.get_num_threads()} threads")
    print(f"bare forwards: {bare:.2f} s ({bare / args.steps:.3f} s/step); predict: {full:.2f} s")
    print(f"predict / bare forwards = {full / bare:.3f} (overhead {full / bare - 1:+.1%})")


if __name__ == "__main__":
    main()
