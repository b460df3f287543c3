"""Benchmark: the ``aqf`` accessor's preprocessing against the same arithmetic in plain numpy.

One full-resolution CAMS time step (73 pollutant channels, 451 x 900, float32, in memory):

* ``normalize``: ``ds.aqf.normalize(stats)`` vs ``(x - mean) / std`` on a (73, 451, 900) array;
* ``log_transform``: ``ds.aqf.log_transform()`` vs ``xaqf.preprocessing.transform.log_transform``
on the array;
* ``inverse``: ``ds.aqf.inverse_log_transform()`` vs ``inverse_log_transform`` on the array;
* ``to_channels``: ``ds.aqf.to_channels("pollutant")`` vs ``np.concatenate`` of the fields.

Each figure is the best of ``--repeat`` runs; the ratios (accessor / numpy) are measured in
the same process, so machine noise largely cancels. Run: ``python benchmarks/accessor.py``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import xarray as xr

import xaqf  # noqa: F401  (registers the accessor)
from xaqf import variables
from xaqf.preprocessing.transform import inverse_log_transform, log_transform
from xaqf.regrid import global_grid


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    """The shortest wall time of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def one_time_step(resolution: float, seed: int = 0) -> xr.Dataset:
    """Every pollutant variable at one time on a global grid, positive float32 values."""
    grid = global_grid(resolution)
    shape2d = (grid.sizes["latitude"], grid.sizes["longitude"])
    rng = np.random.default_rng(seed)
    data = {}
    for name in variables.POLLUTANT_VARIABLES:
        var = variables.VARIABLES[name]
        dims = ("level", "latitude", "longitude") if var.on_levels else ("latitude", "longitude")
        shape = (len(variables.PRESSURE_LEVELS), *shape2d) if var.on_levels else shape2d
        data[name] = (dims, rng.gamma(2.0, 1e-8, shape).astype(np.float32), var.attrs)
    coords = {"level": list(variables.PRESSURE_LEVELS), **grid.coords}
    return xr.Dataset(data, coords=coords).expand_dims(time=[np.datetime64("2022-06-01")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=float, default=0.4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    ds = one_time_step(args.resolution)
    stats = ds.aqf.compute_stats()
    array = ds.aqf.to_channels("pollutant").values[0]
    mean = stats["mean"].values[:, None, None]
    std = stats["std"].values[:, None, None].astype(np.float32)
    normed = ds.aqf.normalize(stats)
    transformed = normed.aqf.log_transform()
    normed_array = (array - mean.astype(np.float32)) / std
    transformed_array = log_transform(normed_array)
    print(f"one time step: 73 channels x {array.shape[1]} x {array.shape[2]} float32 "
          f"({array.nbytes / 2**20:.0f} MiB), best of {args.repeat}")

    cases = {
        "normalize": (lambda: ds.aqf.normalize(stats),
                      lambda: (array - mean.astype(np.float32)) / std),
        "log_transform": (lambda: normed.aqf.log_transform(),
                          lambda: log_transform(normed_array)),
        "inverse": (lambda: transformed.aqf.inverse_log_transform(),
                    lambda: inverse_log_transform(transformed_array)),
        "to_channels": (lambda: ds.aqf.to_channels("pollutant").values,
                        lambda: np.concatenate([np.atleast_3d(ds[n].values[0].T).T
                                                for n in variables.POLLUTANT_VARIABLES])),
    }
    print(f"{'operation':<14} {'accessor (s)':>12} {'numpy (s)':>10} {'ratio':>6}")
    for name, (accessor, plain) in cases.items():
        a, p = best_of(args.repeat, accessor), best_of(args.repeat, plain)
        print(f"{name:<14} {a:12.3f} {p:10.3f} {a / p:6.2f}")


if __name__ == "__main__":
    main()
