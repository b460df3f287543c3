"""The layout of the training store: groups, template, chunking, attributes.

The store is one zarr hierarchy with groups ``cams``, ``met``, ``statics`` and ``stats``,
each in xaqf's canonical layout. ``cams`` and ``met`` are float32, chunked one time step per
chunk (all levels, whole grid), so that workers write disjoint chunks. :func:`write_template`
writes the coordinates, the metadata of every array (no data) and the regridded statics;
:func:`write_step` fills one time step of one group.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from xaqf.regrid import global_grid
>>> tmpl = template("met", pd.date_range("2022-06-01", periods=2, freq="12h"), global_grid(30))
>>> tmpl["t"].dims, tmpl["t"].dtype.name, tmpl["t"].encoding["chunks"]
(('time', 'level', 'latitude', 'longitude'), 'float32', (1, 13, 7, 12))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dask.array as dsa
import numpy as np
import pandas as pd
import xarray as xr
import zarr

from xaqf._utils.zarr_metadata import consolidate
from xaqf.data.io import COORD_ATTRS, variables_of_kind
from xaqf.variables import PRESSURE_LEVELS, VARIABLES

__all__ = ["GROUPS", "mark_complete", "read_root", "root_attrs", "template", "write_root",
           "write_stats", "write_step", "write_template"]

GROUPS = ("cams", "met", "statics", "stats")
"""The groups of the store."""

_TIME_ENCODING = {"units": "hours since 1970-01-01 00:00:00", "calendar": "proleptic_gregorian",
                  "dtype": "int64"}


def template(kind: str, times: pd.DatetimeIndex, grid: xr.Dataset) -> xr.Dataset:
    """The lazy, all-zero Dataset of one time-varying group, with its encoding set."""
    coords = {"time": ("time", times.values.astype("datetime64[ns]"), COORD_ATTRS["time"]),
              "level": ("level", np.asarray(PRESSURE_LEVELS), COORD_ATTRS["level"]),
              "latitude": grid["latitude"], "longitude": grid["longitude"]}
    sizes = {"time": len(times), "level": len(PRESSURE_LEVELS),
             "latitude": grid.sizes["latitude"], "longitude": grid.sizes["longitude"]}
    data = {}
    for name in variables_of_kind(kind):
        dims = ("time", "level", "latitude", "longitude") if VARIABLES[name].on_levels \
            else ("time", "latitude", "longitude")
        shape = tuple(sizes[d] for d in dims)
        chunks = (1, *shape[1:])
        da = xr.DataArray(dsa.zeros(shape, chunks=chunks, dtype=np.float32), dims=dims,
                          attrs=VARIABLES[name].attrs)
        da.encoding = {"chunks": chunks}
        data[name] = da
    ds = xr.Dataset(data, coords=coords)
    ds["time"].encoding = dict(_TIME_ENCODING)
    return ds


def root_attrs(plan: Any, command: str, version: str) -> dict[str, Any]:
    """CF and provenance attributes of the store's root group."""
    return {
        "title": "xaqf analysis-ready training store (CAMS pollutants and meteorology)",
        "Conventions": "CF-1.8",
        "institution": "made with xaqf",
        "source": "CAMS global reanalysis pollutants; meteorological (re)analysis",
        "sources_cams": [str(Path(p).resolve()) for p in plan.files["cams"]],
        "sources_met": [str(Path(p).resolve()) for p in plan.files["met"]],
        "sources_statics": str(Path(plan.statics).resolve()),
        "period_start": str(plan.times[0]),
        "period_end": str(plan.times[-1]),
        "time_step": "12h",
        "grid_resolution_degrees": plan.resolution,
        "xaqf_version": version,
        "command": command,
        "xaqf_fingerprint": plan.fingerprint,
        "xaqf_complete": False,
    }


def write_root(output: Path, attrs: dict[str, Any]) -> None:
    """Create (overwrite) the root group with ``attrs``."""
    zarr.open_group(str(output), mode="w", attributes=attrs)


def write_template(output: Path, times: pd.DatetimeIndex, grid: xr.Dataset,
                   statics: xr.Dataset) -> None:
    """Write the coordinates and array metadata of ``cams``/``met`` and the statics."""
    for kind in ("cams", "met"):
        template(kind, times, grid).to_zarr(output, group=kind, mode="w", compute=False,
                                            consolidated=False)
    statics.astype(np.float32).to_zarr(output, group="statics", mode="w", consolidated=False)


def write_step(ds: xr.Dataset, output: str | Path, kind: str, index: int) -> None:
    """Write the one-time-step Dataset ``ds`` into time ``index`` of group ``kind``."""
    data = ds.drop_vars(list(ds.coords)).astype(np.float32)
    data.to_zarr(output, group=kind, region={"time": slice(index, index + 1)},
                 consolidated=False)


def write_stats(output: Path, stats: xr.Dataset) -> None:
    """Write the statistics group (string coordinates as variable-length strings)."""
    strings = {name: stats[name].astype(object) for name in ("channel", "variable", "method")}
    stats.assign_coords(strings).to_zarr(output, group="stats", mode="w", consolidated=False)


def mark_complete(output: Path) -> None:
    """Set ``xaqf_complete`` on the root group: the store is finished; its metadata is
    consolidated (:func:`xaqf._utils.zarr_metadata.consolidate`)."""
    zarr.open_group(str(output), mode="r+").attrs["xaqf_complete"] = True
    consolidate(output)


def read_root(output: Path) -> dict[str, Any] | None:
    """The root attributes of an existing store, or ``None`` where there is none."""
    try:
        return dict(zarr.open_group(str(output), mode="r").attrs)
    except (FileNotFoundError, zarr.errors.GroupNotFoundError):
        return None
