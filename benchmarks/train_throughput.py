"""Training throughput (samples/s) of a model on CPU, and the loop's overhead.

Times, in one process, ``Trainer.fit`` over cached windows of a synthetic 46 x 90 world
against the bare ``forward + backward + optimizer.step`` on tensors of the same shape.

Usage::

    python benchmarks/train_throughput.py [--config small] [--steps 10] [--batch-size 4]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch
import xarray as xr
from predict import synthetic

from xaqf.forecaster import Forecaster
from xaqf.regrid import global_grid
from xaqf.training import StageConfig, Trainer, WindowDataset
from xaqf.variables import MET_CHANNELS, MET_VARIABLES, POLLUTANT_CHANNELS, POLLUTANT_VARIABLES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="small")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--resolution", type=float, default=4.0)
    args = parser.parse_args()
    grid = global_grid(args.resolution)
    samples = args.steps * args.batch_size
    times = pd.date_range("2022-06-01", periods=samples + 2, freq="12h")
    cams = synthetic(POLLUTANT_VARIABLES, times, grid, 0)
    met = synthetic(MET_VARIABLES, times, grid, 1)
    channels = list(POLLUTANT_CHANNELS + MET_CHANNELS)
    stats = xr.Dataset({"mean": ("channel", np.zeros(len(channels))),
                        "std": ("channel", np.ones(len(channels)))}, coords={"channel": channels})
    forecaster = Forecaster.from_config(args.config, stats, seed=0)
    windows = WindowDataset(forecaster, cams, met, cache=True)
    stage = StageConfig("bench", max_lr=1e-4, epochs=1, batch_size=args.batch_size)

    net = forecaster.net.train()
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-4)
    inputs = net.example_inputs(grid.sizes["latitude"], grid.sizes["longitude"],
                                batch=args.batch_size)
    tic = time.perf_counter()
    for _ in range(args.steps):
        psi, delta = net(*inputs)
        (psi.square().mean() + delta.square().mean()).backward()
        optimizer.step()
        optimizer.zero_grad()
    bare = time.perf_counter() - tic

    trainer = Trainer(forecaster, windows, stage, progress=False)
    tic = time.perf_counter()
    trainer.fit(max_steps=args.steps)
    full = time.perf_counter() - tic
    print(f"{args.config} at {grid.sizes['latitude']}x{grid.sizes['longitude']}, batch "
          f"{args.batch_size}, {args.steps} steps, {torch.get_num_threads()} threads")
    print(f"Trainer: {samples / full:.2f} samples/s ({full:.1f} s); bare fwd+bwd+step: "
          f"{samples / bare:.2f} samples/s ({bare:.1f} s); ratio {full / bare:.3f}")


if __name__ == "__main__":
    main()
