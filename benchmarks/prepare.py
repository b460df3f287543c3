"""Benchmark of ``xaqf.store.prepare`` on dask.distributed: memory and throughput per worker.

Synthesises raw files cheaply in the new CDS netCDF layout, one file per day and product:
CAMS at ``--cams`` degrees, ERA5-like pressure- and single-level met at ``--met`` degrees
(00/12 UTC) and ERA5-like hourly precipitation (from the day before the period); values
are random around typical magnitudes, not physical. Then, for each period length
(``--days``):

* starts a ``LocalCluster`` of 2 single-threaded process workers (its start-up is timed
  apart), runs ``prepare`` on it and reads each worker's peak resident memory
  (``client.run`` with ``resource.getrusage``) -- the memory target: flat in the period;
* does the same with 1 worker;
* runs a plain read + write of the bytes the store needs in this process, one thread
  (open the raw files, select the 12-hourly times and the hourly precipitation, write them
  to zarr with one chunk per time step).

Finally it fits ``seconds = fixed + per_step * steps`` over the period lengths, for prepare
(1 and 2 workers) and for the plain copy: the fixed part (input checks, template, statics,
final statistics) is reported apart from the per-step part, and the ratio of the per-step
costs (1 worker against the one-thread plain copy) is the figure that scales.

Usage (paper grid: ``--grid 0.4 --cams 0.4 --met 0.25``; each met step is ~290 MB)::

    python benchmarks/prepare.py --grid 0.4 --cams 0.4 --met 0.25 --days 2 4 8
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import dask
import numpy as np
import pandas as pd
import xarray as xr

from xaqf.regrid import global_grid
from xaqf.variables import MET_VARIABLES, POLLUTANT_VARIABLES, PRESSURE_LEVELS, VARIABLES

SINGLE = [n for n in MET_VARIABLES if not VARIABLES[n].on_levels and n != "tp"]
LEVELS = [n for n in MET_VARIABLES if VARIABLES[n].on_levels]
TYPICAL = {"t": 250.0, "t2m": 288.0, "msl": 1.0e5, "z": 5.0e4, "r": 50.0, "tp": 1.0e-4}
"""Typical magnitudes of the met variables (winds and others: around 1); pollutants ~1e-5."""
START = pd.Timestamp("2022-06-01")


def _values(name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    scale = 1e-5 if name in POLLUTANT_VARIABLES else TYPICAL.get(name, 1.0)
    return (scale * (1.0 + 0.1 * rng.random(shape, dtype=np.float32))).astype(np.float32)


def _raw(names: list[str], times: pd.DatetimeIndex, resolution: float,
         rng: np.random.Generator) -> xr.Dataset:
    grid = global_grid(resolution)
    shape = (len(times), grid.sizes["latitude"], grid.sizes["longitude"])
    data = {}
    for name in names:
        var = VARIABLES[name]
        dims: tuple[str, ...] = ("valid_time", "latitude", "longitude")
        full: tuple[int, ...] = shape
        if var.on_levels:
            dims = ("valid_time", "pressure_level", "latitude", "longitude")
            full = (shape[0], len(PRESSURE_LEVELS), *shape[1:])
        data[name] = (dims, _values(name, full, rng), {"units": var.units})
    coords = {"valid_time": times, "latitude": grid["latitude"].values,
              "longitude": grid["longitude"].values}
    if any(VARIABLES[n].on_levels for n in names):
        coords["pressure_level"] = ("pressure_level", np.array(PRESSURE_LEVELS[::-1]),
                                    {"units": "hPa"})
    return xr.Dataset(data, coords=coords)


def synthesise(folder: Path, days: int, cams: float, met: float) -> None:
    """One file per day and product, hourly precipitation from the day before."""
    rng = np.random.default_rng(0)
    for day in pd.date_range(START, periods=days, freq="D"):
        times = pd.date_range(day, periods=2, freq="12h")
        for name, names, res in (("cams", list(POLLUTANT_VARIABLES), cams),
                                 ("era5_pl", LEVELS, met), ("era5_sl", SINGLE, met)):
            _raw(names, times, res, rng).to_netcdf(folder / f"{name}_{day:%Y%m%d}.nc")
    for day in pd.date_range(START - pd.Timedelta(days=1), periods=days + 1, freq="D"):
        hours = pd.date_range(day, periods=24, freq="h")
        _raw(["tp"], hours, met, rng).to_netcdf(folder / f"era5_tp_{day:%Y%m%d}.nc")
    grid = global_grid(met)
    shape = (grid.sizes["latitude"], grid.sizes["longitude"])
    xr.Dataset({"z": (("latitude", "longitude"), np.zeros(shape, np.float32),
                      {"units": "m**2 s**-2"}),
                "lsm": (("latitude", "longitude"), np.zeros(shape, np.float32), {"units": "1"})},
               coords=grid.coords).to_netcdf(folder / "static.nc")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_prepare(folder: Path, out: Path, grid: float, end: str, workers: int
                ) -> tuple[float, float, list[float]]:
    """Cluster start-up seconds, prepare seconds and each worker's peak memory (MiB)."""
    from distributed import Client, LocalCluster

    from xaqf.store import prepare

    started = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        startup = time.perf_counter() - started
        began = time.perf_counter()
        prepare(f"{folder}/cams_*.nc", f"{folder}/era5_*.nc", f"{folder}/static.nc", out,
                grid, START, end, scheduler=client, progress=False)
        seconds = time.perf_counter() - began
        peaks = sorted(client.run(_peak_mib).values())
    return startup, seconds, peaks


def plain_copy(folder: Path, out: Path, days: int) -> float:
    """Seconds to read the bytes the store needs and write them to zarr, one thread."""
    steps = pd.date_range(START, periods=2 * days, freq="12h")
    start = time.perf_counter()
    with dask.config.set(scheduler="synchronous"):
        for name in ("cams", "era5_pl", "era5_sl", "era5_tp"):
            ds = xr.open_mfdataset(sorted(folder.glob(f"{name}_*.nc")), chunks={"valid_time": 1})
            if name == "era5_tp":
                ds = ds.sel(valid_time=slice(steps[0] - pd.Timedelta("11h"), steps[-1]))
            else:
                ds = ds.sel(valid_time=steps)
            ds.to_zarr(out / f"{name}.zarr", mode="w", consolidated=False)
    return time.perf_counter() - start


def _fit(steps: list[int], seconds: list[float]) -> tuple[float, float]:
    """``(fixed, per_step)`` of the least-squares line ``seconds = fixed + per_step * steps``."""
    per_step, fixed = np.polyfit(np.asarray(steps, float), np.asarray(seconds, float), 1)
    return float(fixed), float(per_step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=float, default=0.4)
    parser.add_argument("--cams", type=float, default=0.4)
    parser.add_argument("--met", type=float, default=0.25)
    parser.add_argument("--days", type=int, nargs="+", default=[2, 4, 8])
    args = parser.parse_args()
    print(f"target {args.grid} deg, raw CAMS {args.cams} deg, raw met {args.met} deg")
    print("days steps | 2 workers: start s  prepare s  steps/s/worker  peak MiB per worker"
          " | 1 worker: prepare s  steps/s | plain s")
    rows: dict[str, list[float]] = {"steps": [], "two": [], "one": [], "plain": []}
    for days in args.days:
        folder = Path(tempfile.mkdtemp(prefix="xaqf-bench-"))
        try:
            synthesise(folder, days, args.cams, args.met)
            end = str(START + pd.Timedelta(days=days - 1))[:10]
            start2, two, peaks = run_prepare(folder, folder / "two.zarr", args.grid, end, 2)
            _, one, _ = run_prepare(folder, folder / "one.zarr", args.grid, end, 1)
            plain = plain_copy(folder, folder / "plain", days)
        finally:
            shutil.rmtree(folder)
        steps = 2 * days
        for key, value in (("steps", steps), ("two", two), ("one", one), ("plain", plain)):
            rows[key].append(value)
        print(f"{days:4d} {steps:5d} | {start2:18.1f}  {two:9.1f}  {steps / two / 2:14.3f}  "
              f"{' / '.join(f'{p:.0f}' for p in peaks):>19} | {one:19.1f}  "
              f"{steps / one:7.3f} | {plain:7.1f}")
    if len(args.days) < 2:
        return
    steps = [int(s) for s in rows["steps"]]
    fits = {key: _fit(steps, rows[key]) for key in ("two", "one", "plain")}
    for key, label in (("two", "prepare, 2 workers"), ("one", "prepare, 1 worker"),
                       ("plain", "plain read + write")):
        fixed, per_step = fits[key]
        print(f"{label:20s}: fixed {fixed:6.1f} s, per step {per_step:6.2f} s")
    print(f"per-step ratio prepare (1 worker) / plain: {fits['one'][1] / fits['plain'][1]:.2f}; "
          f"steps/s per worker: 1 worker {1 / fits['one'][1]:.3f}, 2 workers "
          f"{1 / fits['two'][1] / 2:.3f}")


if __name__ == "__main__":
    main()
