"""Benchmark: peak memory of scoring a forecast archive streamed from zarr, against its length.

Data (synthesised once per N in ``--path``; every chunk is one constant, so the zstd
compressed zarr stores take a few MB on disk while the scorer still reads, decompresses
and reduces every value):

* forecast: N init times x 10 lead times (12 h .. 120 h) x 73 pollutant channels (the 13
  catalogue variables) x 451 x 900 (0.4 deg), float32: 1.19 GB per init time; one chunk per
  (init, lead, variable);
* truth: the N + 9 valid times those forecasts need, one chunk per (time, variable).

Each N is scored in a fresh process (``ru_maxrss`` is the peak resident memory of that
process): the archive is opened lazily and reduced to its :class:`xaqf.metrics.ScoreState`
block of ``--block`` init times after block (:func:`xaqf.metrics.score_states`, each block
computed with dask before the next is read); the finished RMSE is checked (forecast - truth
= 1 everywhere, so every RMSE is 1). Each N is scored twice, each time in a fresh process:
RMSE only, then RMSE and ACC in the same pass (``climatology=``, a constant climatology of
0.5 held lazily like the data: every ACC is -1, checked), and the script prints the ratio
of the two times.

Run: ``python benchmarks/streaming_scores.py [--path DIR] [--inits 5 10 20] [--grid 451 900]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import dask.array as dsa
import numpy as np
import pandas as pd
import xarray as xr

from xaqf.variables import POLLUTANT_VARIABLES, PRESSURE_LEVELS, VARIABLES

LEADS = pd.to_timedelta(np.arange(1, 11) * 12, unit="h")
START = pd.Timestamp("2022-06-01")


def _coords(grid: tuple[int, int]) -> dict[str, np.ndarray]:
    nlat, nlon = grid
    return {"latitude": np.linspace(90.0, -90.0, nlat),
            "longitude": np.arange(nlon) * (360.0 / nlon),
            "level": np.asarray(PRESSURE_LEVELS, dtype=float)}


def _dataset(lead: tuple[str, ...], sizes: tuple[int, ...], value: float,
             grid: tuple[int, int], coords: dict[str, object]) -> xr.Dataset:
    """Constant float32 fields, one chunk per leading index and variable."""
    space = _coords(grid)
    data = {}
    for name in POLLUTANT_VARIABLES:
        levels = (len(PRESSURE_LEVELS),) if VARIABLES[name].on_levels else ()
        dims = (*lead, *(("level",) if levels else ()), "latitude", "longitude")
        shape = (*sizes, *levels, *grid)
        chunks = (*(1 for _ in sizes), *levels, *grid)
        data[name] = (dims, dsa.full(shape, value, dtype=np.float32, chunks=chunks),
                      dict(VARIABLES[name].attrs))
    return xr.Dataset(data, coords={**coords, **space})


def synthesise(folder: Path, inits: int, grid: tuple[int, int]) -> tuple[Path, Path]:
    """Write (once) the forecast and truth zarr stores of ``inits`` init times."""
    forecast, truth = folder / f"forecast_{inits}.zarr", folder / f"truth_{inits}.zarr"
    init_times = pd.date_range(START, periods=inits, freq="12h")
    times = pd.date_range(START, periods=inits + len(LEADS), freq="12h")
    if not forecast.exists():
        _dataset(("init_time", "lead_time"), (inits, len(LEADS)), 1.0, grid,
                 {"init_time": init_times, "lead_time": LEADS}).to_zarr(forecast, zarr_format=2)
    if not truth.exists():
        _dataset(("time",), (len(times),), 0.0, grid, {"time": times}).to_zarr(truth, zarr_format=2)
    return forecast, truth


def _check(scores: xr.Dataset, expected: float, name: str) -> None:
    values = np.concatenate([scores[var].values.ravel() for var in scores.data_vars])
    if not np.allclose(values, expected):
        raise AssertionError(f"streamed {name} should be {expected} everywhere, got "
                             f"{values.min()} .. {values.max()}")


def score(forecast: Path, truth: Path, block: int, acc: bool = False) -> dict[str, float]:
    """Stream the archive through score states (with the anomaly sums if ``acc``); returns
    seconds and peak memory."""
    from xaqf import metrics

    tic = time.perf_counter()
    fc, obs = xr.open_zarr(forecast), xr.open_zarr(truth)
    grid = (fc.sizes["latitude"], fc.sizes["longitude"])
    climatology = _dataset((), (), 0.5, grid, {}) if acc else None
    starts = range(0, fc.sizes["init_time"], block)
    blocks = (fc.isel(init_time=slice(i, i + block)) for i in starts)
    state = metrics.score_states(blocks, obs, climatology=climatology)
    _check(state.rmse(), 1.0, "RMSE")
    if acc:
        _check(state.acc(), -1.0, "ACC")
    return {"seconds": time.perf_counter() - tic,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--path", type=Path, default=Path("/tmp/xaqf-streaming-bench"))
    parser.add_argument("--inits", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--grid", type=int, nargs=2, default=[451, 900])
    parser.add_argument("--block", type=int, default=1, help="init times per piece")
    parser.add_argument("--score", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--acc", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.score:
        print(json.dumps(score(*args.score, args.block, args.acc)))
        return
    args.path.mkdir(parents=True, exist_ok=True)
    print(f"{'N':>3} {'GB':>7} {'RMSE s':>7} {'MiB':>5} {'+ACC s':>7} {'MiB':>5} {'ratio':>6}")
    for inits in args.inits:
        forecast, truth = synthesise(args.path, inits, tuple(args.grid))
        plain, both = (_scored(forecast, truth, args.block, extra) for extra in ([], ["--acc"]))
        gigabytes = inits * len(LEADS) * 73 * args.grid[0] * args.grid[1] * 4 / 1e9
        print(f"{inits:>3} {gigabytes:7.1f} {plain['seconds']:7.1f} {plain['peak_mib']:5.0f} "
              f"{both['seconds']:7.1f} {both['peak_mib']:5.0f} "
              f"{both['seconds'] / plain['seconds']:6.2f}")


def _scored(forecast: Path, truth: Path, block: int, extra: list[str]) -> dict[str, float]:
    """:func:`score` in a fresh process (its own peak memory)."""
    out = subprocess.run([sys.executable, __file__, "--score", str(forecast), str(truth),
                          "--block", str(block), *extra], check=True, capture_output=True,
                         text=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    main()
