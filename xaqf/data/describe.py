"""What a data file or store holds, in a few lines of plain text.

:func:`describe` opens a netCDF file, a zarr store (a training store's groups one by one)
or a glob of files lazily and summarises each dataset: its variables (catalogue names in
catalogue order, others after), pressure levels, grid, and its period (``time``) or initial
and lead times (a forecast), with the global ``title``/``source`` where there is one.
:func:`describe_dataset` does the same for a Dataset in memory.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> ds = xr.Dataset({"pm10": (("time", "latitude", "longitude"), np.zeros((3, 2, 4)))},
...                 coords={"time": pd.date_range("2022-06-01", periods=3, freq="12h"),
...                         "latitude": [45.0, -45.0], "longitude": [0.0, 90.0, 180.0, 270.0]})
>>> print(describe_dataset(ds))
variables: 1 (pm10)
grid:      2 x 4 (latitude 45 ... -45, longitude 0 ... 270; 90 deg)
period:    2022-06-01 00:00 ... 2022-06-02 00:00, 3 times every 12h
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from xaqf.errors import DataError
from xaqf.variables import VARIABLES

__all__ = ["describe", "describe_dataset", "open_any"]

SHOWN = 8
"""Names listed in full before ``...``."""


def _names(names: Iterable[object]) -> str:
    order = {name: rank for rank, name in enumerate(VARIABLES)}
    listed = sorted((str(n) for n in names), key=lambda n: (order.get(n, len(order)), n))
    more = f", ... ({len(listed) - SHOWN} more)" if len(listed) > SHOWN else ""
    return f"{len(listed)} ({', '.join(listed[:SHOWN])}{more})"


def _axis(values: np.ndarray) -> str:
    step = f"; {abs(float(values[1] - values[0])):g} deg" if len(values) > 1 else ""
    return f"{float(values[0]):g} ... {float(values[-1]):g}{step}"


def _times(values: np.ndarray) -> str:
    times = pd.DatetimeIndex(values)
    if len(times) == 0:
        return "none"
    text = f"{times[0]:%Y-%m-%d %H:%M} ... {times[-1]:%Y-%m-%d %H:%M}, {len(times)} times"
    steps = np.unique(np.diff(times.values))
    if steps.size == 1:
        text += f" every {_duration(steps[0])}"
    return text


def _duration(value: np.timedelta64) -> str:
    hours = value / np.timedelta64(1, "h")
    return f"{hours:g}h"


def describe_dataset(ds: xr.Dataset) -> str:
    """A few lines on what ``ds`` holds (see the module notes)."""
    lines = [f"variables: {_names(ds.data_vars)}"]
    if "level" in ds.dims:
        levels = ", ".join(f"{value:g}" for value in ds["level"].values)
        lines.append(f"levels:    {ds.sizes['level']} ({levels} hPa)")
    if "latitude" in ds.dims and "longitude" in ds.dims:
        lines.append(f"grid:      {ds.sizes['latitude']} x {ds.sizes['longitude']} (latitude "
                     f"{_axis(ds['latitude'].values).split(';')[0]}, longitude "
                     f"{_axis(ds['longitude'].values)})")
    if "init_time" in ds.dims:
        lines.append(f"init:      {_times(ds['init_time'].values)}")
    if "lead_time" in ds.dims:
        leads = ds["lead_time"].values
        lines.append(f"leads:     {len(leads)}, {_duration(leads[0])} ... {_duration(leads[-1])}")
    if "member" in ds.dims:
        lines.append(f"members:   {ds.sizes['member']}")
    if "time" in ds.dims:
        lines.append(f"period:    {_times(ds['time'].values)}")
    if "station" in ds.dims:
        lines.append(f"stations:  {ds.sizes['station']}")
    return "\n".join(lines)


def open_any(path: str | os.PathLike) -> xr.DataTree:
    """Open a netCDF file or zarr store lazily as a tree (one node for a plain file).

    Raises
    ------
    FileNotFoundError
        No such file.
    DataError
        Neither netCDF nor zarr.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or store: {path}")
    engine = "zarr" if path.is_dir() or path.suffix == ".zarr" else None
    try:
        with warnings.catch_warnings():  # a store without consolidated metadata is fine here
            warnings.filterwarnings("ignore", ".*consolidated metadata", RuntimeWarning)
            return xr.open_datatree(path, engine=engine, chunks={})
    except (OSError, ValueError) as err:
        raise DataError(f"{path} is neither a netCDF file nor a zarr store ({err})") from None


def describe(path: str | os.PathLike) -> str:
    """A few lines on what the file or store at ``path`` holds (see the module notes).

    Raises
    ------
    FileNotFoundError, DataError
        As :func:`open_any`.
    """
    tree = open_any(path)
    header = [f"{path}:"]
    for key in ("title", "source", "command"):
        if tree.attrs.get(key):
            header.append(f"  {key}: {tree.attrs[key]}")
    if "xaqf_complete" in tree.attrs and not tree.attrs["xaqf_complete"]:
        header.append("  unfinished: re-run the same xaqf prepare command to complete it")
    blocks = []
    for node in tree.subtree:
        ds = node.to_dataset(inherit=False)
        if not ds.data_vars:
            continue
        body = describe_dataset(ds)
        if node.path != "/":
            body = f"group {node.name}:\n" + "\n".join(f"  {line}" for line in body.split("\n"))
        blocks.append(body)
    if not blocks:
        blocks.append("no data variables")
    return "\n".join(header + [f"  {line}" for block in blocks for line in block.split("\n")])
