"""Benchmark: ERA5 0.25 degrees (721 x 1440) -> CAMS 0.4 degrees (451 x 900).

One full-resolution time step of the 70 meteorological channels, float32. Prints absolute
figures (wall time, peak memory, throughput) and ratios measured in the same process against
two numpy/scipy references on the same data:

* ``copy``: ``np.copy`` of the input array once (a memory-bandwidth floor);
* ``scipy``: ``scipy.interpolate.RegularGridInterpolator`` (linear, one call on all 70
  channels as a vector-valued field; the wrap handled by appending the first column at 360).

Then the same regridding on a dask array chunked 5 channels per block, stored block by block
(``dask.array.store``, threaded scheduler) into a preallocated array, to show that the
working memory stays bounded by a few blocks whatever the number of channels.

Run: ``python benchmarks/regrid.py``.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import dask
import dask.array as dsa
import numpy as np
from scipy.interpolate import RegularGridInterpolator

from xaqf.regrid import Regridder, global_grid
from xaqf.variables import MET_CHANNELS

MIB = 2**20


def measure(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, float]:
    """Best wall time (s) over ``repeat`` runs and peak traced allocation (MiB) of one run."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(times), peak / MIB


def scipy_reference(x: np.ndarray, source, target) -> np.ndarray:
    """Bilinear regridding with RegularGridInterpolator (channels last, wrap column added)."""
    lat = source.latitude.values[::-1]
    lon = np.append(source.longitude.values, 360.0)
    values = np.concatenate([x, x[..., :1]], axis=-1)[:, ::-1].transpose(1, 2, 0)
    interp = RegularGridInterpolator((lat, lon), values, method="linear")
    tlat, tlon = np.meshgrid(target.latitude.values, target.longitude.values, indexing="ij")
    return interp((tlat, tlon)).transpose(2, 0, 1)


def main() -> None:
    source, target = global_grid(0.25), global_grid(0.4)
    nchan = len(MET_CHANNELS)
    x = np.random.default_rng(0).standard_normal((nchan, 721, 1440), dtype=np.float32)
    start = time.perf_counter()
    regridder = Regridder(source, target)
    setup = time.perf_counter() - start

    t_xaqf, m_xaqf = measure(lambda: regridder(x))
    t_copy, m_copy = measure(lambda: np.copy(x))
    t_scipy, m_scipy = measure(lambda: scipy_reference(x, source, target), repeat=1)
    error = np.abs(regridder(x) - scipy_reference(x, source, target)).max()

    lazy = regridder(dsa.from_array(x, chunks=(5, 721, 1440)))
    sink = np.empty(lazy.shape, lazy.dtype)
    with dask.config.set(scheduler="threads"):
        t_dask, m_dask = measure(lambda: dsa.store(lazy, sink, lock=False))

    in_mib, out_mib = x.nbytes / MIB, nchan * 451 * 900 * 4 / MIB
    print(f"ERA5 0.25 -> CAMS 0.4 deg, {nchan} channels float32: input {in_mib:.0f} MiB, "
          f"output {out_mib:.0f} MiB")
    print(f"weights setup          : {setup * 1e3:8.2f} ms")
    print(f"xaqf Regridder (numpy) : {t_xaqf:8.3f} s  peak {m_xaqf:6.0f} MiB  "
          f"{nchan / t_xaqf:6.0f} fields/s  {in_mib / t_xaqf:6.0f} MiB/s in")
    print(f"xaqf Regridder (dask, 5 ch/chunk, store): {t_dask:8.3f} s  peak {m_dask:6.0f} MiB "
          f"(one output block: {out_mib / nchan * 5:.1f} MiB)")
    print(f"np.copy of the input   : {t_copy:8.3f} s  peak {m_copy:6.0f} MiB")
    print(f"scipy RegularGridInterpolator: {t_scipy:8.3f} s  peak {m_scipy:6.0f} MiB  "
          f"(max |diff| vs xaqf {error:.1e})")
    print(f"ratio xaqf / copy      : {t_xaqf / t_copy:6.2f}")
    print(f"ratio scipy / xaqf     : {t_scipy / t_xaqf:6.1f}  (xaqf speed-up)")
    print(f"ratio dask / numpy     : {t_dask / t_xaqf:6.2f}")
    print(f"peak memory / output   : numpy {m_xaqf / out_mib:.2f} (output included), dask "
          f"{m_dask / out_mib:.2f} (output preallocated, not counted)")


if __name__ == "__main__":
    main()
