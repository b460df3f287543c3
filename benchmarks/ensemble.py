"""A pollution ensemble against as many deterministic forecasts: the cost of batching members.

Times (in one process) ``Forecaster.predict`` driven by a ``members``-member met ensemble,
its (initial time, member) pairs batched through the network ``batch_size`` at a time,
against ``members`` deterministic ``predict`` calls, each driven by one member's met. Both
run the same network forwards on the same inputs; the ratio (ensemble / deterministic,
target <= 1.1) is what the ensemble machinery costs or saves. The timings are repeated in
back-to-back pairs and the median of the per-pair ratios is printed (robust on a shared
machine), with the absolute times.

The met ensemble is lazy (dask): a fixed field plus an offset per member and lead time, so
fetching it is cheap and identical for both. At 451 x 900 the whole 10-member forecast is
12 GB, so ``--iterate`` (the default there) consumes ``predict_iter`` pieces instead of
assembling the forecast in memory, in both runs.

Usage::

    python benchmarks/ensemble.py                         # 46 x 90, small, 10 x 10
    python benchmarks/ensemble.py --resolution 0.4 --batch-size 2 --repeats 1
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import deque

import dask.array as dsa
import numpy as np
import pandas as pd
import torch
import xarray as xr
from predict import synthetic

from xaqf.forecaster import Forecaster
from xaqf.regrid import global_grid
from xaqf.variables import (
    MET_CHANNELS,
    MET_VARIABLES,
    POLLUTANT_CHANNELS,
    POLLUTANT_VARIABLES,
    VALID_RANGES,
)


def met_ensemble(grid: xr.Dataset, init: pd.Timestamp, members: int, steps: int
                 ) -> xr.Dataset:
    """A lazy ``(init_time, member, lead_time, ...)`` met ensemble, one chunk per state."""
    raw = synthetic(MET_VARIABLES, pd.DatetimeIndex([init]), grid, seed=2).isel(time=0,
                                                                                drop=True)
    base = raw.map(lambda da: (plausible(str(da.name), da)).assign_attrs(da.attrs))
    leads = pd.to_timedelta(np.arange(steps + 1) * 12, unit="h")
    offsets = xr.DataArray(
        dsa.from_array(0.01 * np.arange(members)[None, :, None]
                       + 0.001 * np.arange(steps + 1)[None, None, :], chunks=1),
        dims=("init_time", "member", "lead_time"),
        coords={"init_time": [init], "member": np.arange(members), "lead_time": leads})
    ensemble = base.map(lambda da: (da + offsets.astype(np.float32)).assign_attrs(da.attrs))
    return ensemble.transpose("init_time", "member", "lead_time", ...)


def plausible(name: str, values: xr.DataArray) -> xr.DataArray:
    """``values`` (about 0-10) moved into the middle of the variable's valid range."""
    low, high = VALID_RANGES[name]
    return ((low + high) / 2 + 0.01 * (high - low) * values).astype(np.float32)


def run(forecaster: Forecaster, cams: xr.Dataset, met: xr.Dataset, steps: int,
        batch_size: int, iterate: bool) -> float:
    tic = time.perf_counter()
    if iterate:
        deque(forecaster.predict_iter(cams, met, steps, batch_size=batch_size, device="cpu",
                                      progress=False), maxlen=0)
    else:
        forecaster.predict(cams, met, steps, batch_size=batch_size, device="cpu",
                           progress=False)
    return time.perf_counter() - tic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=float, default=4.0)
    parser.add_argument("--config", default="small")
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="(init, member) pairs per batch; default: all members")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--iterate", action=argparse.BooleanOptionalAction, default=None,
                        help="consume predict_iter (default: at grids finer than 1 degree)")
    args = parser.parse_args()
    iterate = args.resolution < 1.0 if args.iterate is None else args.iterate
    batch = args.batch_size or args.members
    grid = global_grid(args.resolution)
    init = pd.Timestamp("2022-06-01T12")
    cams = synthetic(POLLUTANT_VARIABLES, pd.DatetimeIndex([init - pd.Timedelta("12h"), init]),
                     grid, seed=1)
    cams = cams.map(lambda da: (da * 1e-9).assign_attrs(da.attrs))    # plausible ranges
    met = met_ensemble(grid, init, args.members, args.steps)
    channels = list(POLLUTANT_CHANNELS) + list(MET_CHANNELS)
    stats = xr.Dataset({"mean": ("channel", np.zeros(len(channels))),
                        "std": ("channel", np.ones(len(channels)))},
                       coords={"channel": channels})
    torch.manual_seed(0)
    forecaster = Forecaster.from_config(args.config, stats, seed=0)
    singles = [met.sel(member=k) for k in range(args.members)]
    run(forecaster, cams, met.isel(member=[0, 1]), 1, 2, iterate)        # warm-up
    pairs = []
    for _ in range(args.repeats):
        ensemble = run(forecaster, cams, met, args.steps, batch, iterate)
        deterministic = sum(run(forecaster, cams, single, args.steps, 1, iterate)
                            for single in singles)
        pairs.append((ensemble, deterministic))
    ratios = [e / d for e, d in pairs]
    shape = f"{grid.sizes['latitude']} x {grid.sizes['longitude']}"
    print(f"{args.config} at {shape}, {args.members} members x {args.steps} steps, "
          f"ensemble batches of {batch} pairs, {'predict_iter' if iterate else 'predict'}")
    for e, d in pairs:
        print(f"  ensemble {e:.2f} s, {args.members} deterministic {d:.2f} s, ratio {e / d:.3f}")
    print(f"median ratio ensemble / deterministic: {statistics.median(ratios):.3f} "
          f"(target <= 1.1)")


if __name__ == "__main__":
    main()
