"""Benchmark: latitude-weighted RMSE of a full-size forecast against the time to read it.

Data (written once to a zarr folder, uncompressed float32, then reused):

* forecast: 2 init times x 10 lead times (12 h .. 120 h) x 73 pollutant channels (the 13
  catalogue variables) x 451 x 900 (0.4 deg) = 2.37 GB; one chunk per (init, lead,
  variable) (21 MB for a variable on 13 levels);
* truth: the 11 valid times those forecasts need x 73 channels x 451 x 900 = 1.30 GB; one
  chunk per (time, variable).

Measured in one process, best of ``--repeat`` runs (the files sit in the page cache after
the first read, so "read" is the cost of getting every chunk into memory once):

* ``read``: reduce every chunk of forecast and truth to its maximum (one pass);
* ``rmse``: ``xaqf.metrics.rmse(forecast, truth).compute()`` for all 13 variables;
* the ratio ``rmse / read``.

Run: ``python benchmarks/metrics.py [--path DIR] [--grid 451 900] [--repeat 2]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import dask
import dask.array as dsa
import numpy as np
import pandas as pd
import xarray as xr

from xaqf import metrics
from xaqf.variables import POLLUTANT_VARIABLES, PRESSURE_LEVELS, VARIABLES

INITS = pd.date_range("2022-06-01", periods=2, freq="12h")
LEADS = pd.to_timedelta(np.arange(1, 11) * 12, unit="h")


def _random(shape: tuple[int, ...], chunks: tuple[int, ...], seed: int) -> dsa.Array:
    state = dsa.random.RandomState(seed)
    return state.random_sample(shape, chunks=chunks).astype(np.float32)


def _dataset(leading: dict[str, object], nlat: int, nlon: int, seed: int) -> xr.Dataset:
    coords = {**leading, "level": np.asarray(PRESSURE_LEVELS),
              "latitude": np.linspace(90.0, -90.0, nlat),
              "longitude": np.arange(nlon) * 360.0 / nlon}
    lead_dims = tuple(leading)
    data = {}
    for k, name in enumerate(POLLUTANT_VARIABLES):
        dims = (*lead_dims, *(("level",) if VARIABLES[name].on_levels else ()),
                "latitude", "longitude")
        shape = tuple(len(coords[d]) for d in dims)
        chunks = tuple(1 if d in lead_dims else s for d, s in zip(dims, shape, strict=True))
        data[name] = (dims, _random(shape, chunks, seed + k), VARIABLES[name].attrs)
    return xr.Dataset(data, coords=coords)


def prepare(path: Path, nlat: int, nlon: int) -> tuple[Path, Path]:
    """Write forecast and truth zarr stores under ``path`` unless they exist."""
    forecast_path = path / f"forecast_{nlat}x{nlon}.zarr"
    truth_path = path / f"truth_{nlat}x{nlon}.zarr"
    if not forecast_path.exists():
        forecast = _dataset({"init_time": INITS, "lead_time": LEADS}, nlat, nlon, seed=0)
        forecast.to_zarr(forecast_path, zarr_format=2, encoding={
            name: {"compressors": None} for name in forecast.data_vars})
    if not truth_path.exists():
        valid = pd.DatetimeIndex(np.unique((INITS.values[:, None] + LEADS.values).ravel()))
        truth = _dataset({"time": valid}, nlat, nlon, seed=100)
        truth.to_zarr(truth_path, zarr_format=2, encoding={
            name: {"compressors": None} for name in truth.data_vars})
    return forecast_path, truth_path


def _best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", type=Path, default=Path("/tmp/xaqf_bench_metrics"))
    parser.add_argument("--grid", type=int, nargs=2, default=(451, 900))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    args.path.mkdir(parents=True, exist_ok=True)
    forecast_path, truth_path = prepare(args.path, *args.grid)
    forecast, truth = xr.open_zarr(forecast_path), xr.open_zarr(truth_path)
    gigabytes = (forecast.nbytes + truth.nbytes) / 1e9

    def read() -> None:
        dask.compute(*(ds[name].data.max() for ds in (forecast, truth) for name in ds.data_vars))

    def rmse() -> None:
        metrics.rmse(forecast, truth).compute()

    read_s = _best(read, args.repeat)
    rmse_s = _best(rmse, args.repeat)
    print(f"data: forecast {forecast.nbytes / 1e9:.2f} GB + truth {truth.nbytes / 1e9:.2f} GB "
          f"(grid {args.grid[0]}x{args.grid[1]}, 73 channels, {len(INITS)} inits x "
          f"{len(LEADS)} leads), dask threads: {dask.system.CPU_COUNT}")
    print(f"read once:      {read_s:7.2f} s  ({gigabytes / read_s:.2f} GB/s)")
    print(f"rmse, 13 vars:  {rmse_s:7.2f} s  ({gigabytes / rmse_s:.2f} GB/s)")
    print(f"ratio rmse / read: {rmse_s / read_s:.2f}")


if __name__ == "__main__":
    main()
