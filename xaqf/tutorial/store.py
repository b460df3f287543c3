"""Stream a large toy world to zarr in time blocks, so memory stays bounded.

:func:`~xaqf.tutorial.toy_world` keeps every output time in memory, which is fine at 4 deg
but not for months at 0.4 deg (one 0.4 deg time step of pollutants and met is ~60 MB).
:func:`save_toy_world` runs the same simulation but writes each block of output times to
two zarr stores (``cams.zarr`` and ``era5.zarr``) before computing the next, so the memory
used is that of one block, whatever the length of the period. The forecasts stay lazy:
build them with :func:`xaqf.tutorial.forecast.forecast_dataset` when needed. The stores'
metadata is consolidated once they are complete.

Examples
--------
>>> import tempfile, xarray as xr
>>> folder = save_toy_world(tempfile.mkdtemp(), resolution=15.0, days=1, spinup_days=0,
...                         block=1)
>>> xr.open_zarr(folder / "cams.zarr").sizes["time"]
2
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from xaqf._utils.zarr_metadata import consolidate
from xaqf.tutorial.grid import make_grid
from xaqf.tutorial.labels import dataset
from xaqf.tutorial.simulation import make_setup
from xaqf.tutorial.world import frames, output_times, statics_dataset
from xaqf.variables import MET_VARIABLES, POLLUTANT_VARIABLES


def save_toy_world(path: str | Path, resolution: float = 4.0,
                   start: str | np.datetime64 = "2022-06-01", days: float = 20, seed: int = 0,
                   *, step: str = "3h", spinup_days: float = 5, block: int = 4) -> Path:
    """Generate a toy world and write it to ``path`` block by block.

    Parameters
    ----------
    path
        Folder to create; receives ``cams.zarr``, ``era5.zarr`` and ``statics.zarr``.
    resolution, start, days, seed, step, spinup_days
        As for :func:`~xaqf.tutorial.toy_world`; the data are identical.
    block
        Output times held in memory before they are written.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    physics_step = pd.Timedelta(step).to_timedelta64()
    setup = make_setup(make_grid(resolution), seed, step=physics_step)
    times = np.asarray(output_times(start, days), "datetime64[ns]")
    spinup = pd.Timedelta(days=spinup_days).round(pd.Timedelta(physics_step)).to_timedelta64()
    statics_dataset(setup).to_zarr(path / "statics.zarr", mode="w", consolidated=False)
    pending: list[tuple[dict, dict]] = []
    written = 0
    for pair in frames(setup, times, spinup):
        pending.append(pair)
        if len(pending) == block or written + len(pending) == len(times):
            leading = {"time": ("time", times[written:written + len(pending)])}
            for name, names, index in (("cams", POLLUTANT_VARIABLES, 0),
                                       ("era5", MET_VARIABLES, 1)):
                ds = dataset({k: np.stack([p[index][k] for p in pending]) for k in names},
                             setup.grid, leading)
                if written:
                    ds.to_zarr(path / f"{name}.zarr", append_dim="time", consolidated=False)
                else:
                    ds["time"].encoding = {"units": "hours since 1970-01-01", "dtype": "int64"}
                    ds.to_zarr(path / f"{name}.zarr", mode="w", consolidated=False)
            written += len(pending)
            pending = []
    for name in ("statics", "cams", "era5"):
        consolidate(path / f"{name}.zarr")
    return path
