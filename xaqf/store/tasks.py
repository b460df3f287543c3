"""The work of one time step, as run on a dask.distributed worker.

:func:`run_step` opens the raw files of its step itself (only the paths travel to the
worker), reads that one time (and, for hourly precipitation, the 12 hourly values it sums),
standardizes, checks, regrids and writes it into its own chunks of the store, then records
its marker with the step's partial statistics. Its memory is that of one time step,
whatever the length of the period.

Examples
--------
>>> import numpy as np, xarray as xr
>>> ds = xr.Dataset({"t": (("time", "level"), np.ones((1, 2)))}, coords={"level": [50., 9.]})
>>> _levels(ds)["level"].values.tolist()
[50.0]
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import numpy as np
import xarray as xr

from xaqf.data.io import open_raw, standardize, variables_of_kind
from xaqf.data.sources import accumulate_precipitation
from xaqf.data.validation import check_dataset
from xaqf.errors import StoreError, XaqfError
from xaqf.regrid import Regridder, global_grid
from xaqf.store.layout import write_step
from xaqf.store.plan import Accumulation, Source, Step
from xaqf.store.progress import write_marker
from xaqf.store.statistics import step_partials
from xaqf.variables import PRESSURE_LEVELS

__all__ = ["load_kind", "run_step"]


def _levels(ds: xr.Dataset) -> xr.Dataset:
    """Keep the catalogue's pressure levels (exactly those values)."""
    if "level" not in ds.dims:
        return ds
    picked = ds.sel(level=[lv for lv in PRESSURE_LEVELS if lv in ds["level"].values])
    return picked.assign_coords(level=picked["level"].values.astype(np.float64))


_RAW_FILES = threading.Lock()
"""Held while a raw file is open: HDF5 (netCDF4) is not thread-safe, and a worker of a
``--scheduler`` cluster may run several steps in threads of one process."""


def _read(path: str, dim: str, indices: list[int], kind: str) -> xr.Dataset:
    """Times ``indices`` (along the raw ``dim``) of one raw file, standardized and checked."""
    with _RAW_FILES, open_raw(path, chunks={dim: 1}) as raw:
        try:
            # in this thread: the cluster's threads may all be busy with steps, and a
            # config-wide scheduler setting would race with the other threads' steps
            ds = standardize(raw.isel({dim: indices}), kind).load(scheduler="synchronous")
            return check_dataset(_levels(ds), kind, variables=[str(v) for v in ds.data_vars])
        except XaqfError as err:
            raise StoreError(f"raw file {path}: {err}") from err


def _accumulate(accumulation: Accumulation, time: np.datetime64) -> xr.Dataset:
    """The 12 h ``tp`` at ``time`` from the 12 hourly values of ``accumulation``."""
    parts = []
    for path, group in itertools.groupby(accumulation.hours, key=lambda source: source.path):
        sources = list(group)
        parts.append(_read(path, sources[0].dim, [s.index for s in sources], "met"))
    hourly = xr.concat(parts, "time")["tp"] if len(parts) > 1 else parts[0]["tp"]
    return accumulate_precipitation(hourly, times=[time]).to_dataset()


def _load_source(source: Source | Accumulation, kind: str, time: np.datetime64) -> xr.Dataset:
    if isinstance(source, Accumulation):
        return _accumulate(source, time)
    return _read(source.path, source.dim, [source.index], kind)


def load_kind(step: Step, kind: str, grid: xr.Dataset) -> xr.Dataset:
    """The standardized, checked data of ``kind`` at ``step``, regridded onto ``grid``, with
    the variables in catalogue order."""
    parts = [_load_source(source, kind, step.time) for source in step.sources[kind]]
    ds = xr.merge(parts, compat="override", join="exact", combine_attrs="drop_conflicts")
    ds = ds[list(variables_of_kind(kind))]
    return Regridder(ds, grid)(ds)


def run_step(step: Step, output: str | Path, progress: str | Path,
             resolution: float) -> int:
    """Write time step ``step`` of groups ``cams`` and ``met`` and its marker.

    Returns
    -------
    int
        The step's index.
    """
    grid = global_grid(resolution)
    partials = []
    for kind in ("cams", "met"):
        ds = load_kind(step, kind, grid).astype(np.float32)
        write_step(ds, output, kind, step.index)
        partials.append(step_partials(ds))
    merged = {name: np.concatenate([p[name] for p in partials]) for name in partials[0]}
    write_marker(Path(progress), step.index, merged)
    return step.index
