"""Benchmark of ``xaqf.store.prepare``: throughput, overhead over plain I/O, memory.

Synthesises raw files cheaply in the new CDS netCDF layout (one file per day and product:
CAMS at ``--cams``, ERA5-like pressure- and single-level met at ``--met`` degrees; values
are random, not physical), then for each period length (``--days``):

* runs ``prepare`` in a child process with ``workers=0`` (one worker: this process) and
  reports time steps per second and the child's peak resident memory;
* runs a plain read + write of the same bytes (open the raw files, select the 12-hourly
  times, write them to zarr with one chunk per time step) and reports the ratio.

Usage (paper grid: ``--grid 0.4 --cams 0.4 --met 0.25``; each met step is ~290 MB)::

    python benchmarks/prepare.py --grid 0.4 --cams 0.4 --met 0.25 --days 2 4 8
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from xaqf.regrid import global_grid
from xaqf.variables import MET_VARIABLES, POLLUTANT_VARIABLES, PRESSURE_LEVELS, VARIABLES

SINGLE = [n for n in MET_VARIABLES if not VARIABLES[n].on_levels]
LEVELS = [n for n in MET_VARIABLES if VARIABLES[n].on_levels]


def _raw(names: list[str], times: pd.DatetimeIndex, resolution: float, rng) -> xr.Dataset:
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
        values = rng.random(full, dtype=np.float32) + 1.0
        data[name] = (dims, values, {"units": var.units})
    coords = {"valid_time": times, "latitude": grid["latitude"].values,
              "longitude": grid["longitude"].values}
    if any(VARIABLES[n].on_levels for n in names):
        coords["pressure_level"] = ("pressure_level", np.array(PRESSURE_LEVELS[::-1]),
                                    {"units": "hPa"})
    return xr.Dataset(data, coords=coords)


def synthesise(folder: Path, days: int, cams: float, met: float) -> None:
    """One file per day and product (CAMS, ERA5 pressure levels, ERA5 single levels)."""
    rng = np.random.default_rng(0)
    for day in pd.date_range("2022-06-01", periods=days, freq="D"):
        times = pd.date_range(day, periods=2, freq="12h")
        for name, names, res in (("cams", list(POLLUTANT_VARIABLES), cams),
                                 ("era5_pl", LEVELS, met), ("era5_sl", SINGLE, met)):
            _raw(names, times, res, rng).to_netcdf(folder / f"{name}_{day:%Y%m%d}.nc")
    grid = global_grid(met)
    shape = (grid.sizes["latitude"], grid.sizes["longitude"])
    xr.Dataset({"z": (("latitude", "longitude"), np.zeros(shape, np.float32),
                      {"units": "m**2 s**-2"}),
                "lsm": (("latitude", "longitude"), np.zeros(shape, np.float32), {"units": "1"})},
               coords=grid.coords).to_netcdf(folder / "static.nc")


_CHILD = """
import sys, time
from xaqf.store import prepare
folder, out, grid, end = sys.argv[1:5]
t = time.perf_counter()
prepare(folder + "/cams_*.nc", folder + "/era5_*.nc", folder + "/static.nc", out, float(grid),
        "2022-06-01", end, workers=0, progress=False)
import resource
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run_prepare(folder: Path, out: Path, grid: float, end: str) -> tuple[float, float]:
    """Seconds and peak memory (MiB) of prepare in a fresh child process."""
    done = subprocess.run([sys.executable, "-c", _CHILD, str(folder), str(out), str(grid), end],
                          check=True, capture_output=True, text=True)
    seconds, peak_kib = done.stdout.split()[-2:]
    return float(seconds), float(peak_kib) / 1024


def plain_copy(folder: Path, out: Path) -> float:
    """Seconds to read the raw files and write the same bytes to zarr, step by step."""
    start = time.perf_counter()
    for name in ("cams", "era5_pl", "era5_sl"):
        ds = xr.open_mfdataset(sorted(folder.glob(f"{name}_*.nc")), chunks={"valid_time": 1})
        ds.to_zarr(out / f"{name}.zarr", mode="w", consolidated=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=float, default=0.4)
    parser.add_argument("--cams", type=float, default=0.4)
    parser.add_argument("--met", type=float, default=0.25)
    parser.add_argument("--days", type=int, nargs="+", default=[2, 4, 8])
    args = parser.parse_args()
    print(f"target {args.grid} deg, raw CAMS {args.cams} deg, raw met {args.met} deg")
    print("days  steps  prepare s  steps/s/worker  plain s  ratio  peak MiB/worker")
    for days in args.days:
        folder = Path(tempfile.mkdtemp(prefix="xaqf-bench-"))
        try:
            synthesise(folder, days, args.cams, args.met)
            end = str(pd.Timestamp("2022-06-01") + pd.Timedelta(days=days - 1))[:10]
            seconds, peak = run_prepare(folder, folder / "train.zarr", args.grid, end)
            plain = plain_copy(folder, folder / "plain")
            steps = 2 * days
            print(f"{days:4d}  {steps:5d}  {seconds:9.1f}  {steps / seconds:14.2f}  "
                  f"{plain:7.1f}  {seconds / plain:5.2f}  {peak:15.0f}")
        finally:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
