"""Streaming a forecast to disk piece by piece (zarr, or netCDF through zarr).

The layout of the whole forecast is written first (metadata and coordinates only, from a
lazy template), then each piece -- one lead time of one batch of initial times -- fills its
region of the store as soon as it is computed, so memory holds one piece at a time. A netCDF
output is streamed to a temporary zarr store beside it and converted at the end (decided:
netCDF files cannot be filled region by region through xarray).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import xarray as xr

from xaqf.errors import ConfigError

_SPATIAL = ["level", "latitude", "longitude", "valid_time"]


def _region(template: xr.Dataset, piece: xr.Dataset) -> dict[str, slice]:
    inits = template.indexes["init_time"]
    leads = template.indexes["lead_time"]
    i = inits.get_loc(piece["init_time"].values[0])
    j = leads.get_loc(piece["lead_time"].values[0])
    return {"init_time": slice(i, i + piece.sizes["init_time"]), "lead_time": slice(j, j + 1)}


def _stream_zarr(store: Path, pieces: Iterable[xr.Dataset], template: xr.Dataset) -> None:
    template.to_zarr(store, mode="w", compute=False, consolidated=False)
    for piece in pieces:
        region = _region(template, piece)
        piece.drop_vars(_SPATIAL, errors="ignore").to_zarr(store, region=region, consolidated=False)


def stream_to(output: str | Path, pieces: Iterable[xr.Dataset],
              template: Callable[[], xr.Dataset], attrs: dict[str, str]) -> xr.Dataset:
    """Write ``pieces`` into ``output`` (``.zarr`` or ``.nc``); return it, opened lazily.

    Parameters
    ----------
    output
        Destination path; its suffix picks the format.
    pieces
        Datasets covering the template, each one lead time of a block of initial times.
    template
        Builds the lazy Dataset describing the whole forecast.
    attrs
        Global attributes of the file.

    Examples
    --------
    >>> import tempfile, numpy as np, xarray as xr
    >>> def piece(i):
    ...     return xr.Dataset({"pm10": (("init_time", "lead_time"), [[float(i)]])},
    ...                       coords={"init_time": [i], "lead_time": [0]})
    >>> out = stream_to(Path(tempfile.mkdtemp()) / "f.nc", (piece(i) for i in range(2)),
    ...                 lambda: xr.concat([piece(0), piece(1)], "init_time").chunk(), {})
    >>> out.pm10.values.ravel().tolist()
    [0.0, 1.0]
    """
    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in (".zarr", ".nc"):
        raise ConfigError(f"output {output} must end in .zarr or .nc")
    frame = template()
    frame.attrs = dict(attrs)
    store = output if suffix == ".zarr" else output.with_name(f".{output.name}.tmp.zarr")
    _stream_zarr(store, pieces, frame)
    if suffix == ".zarr":
        return xr.open_zarr(store, consolidated=False)
    with xr.open_zarr(store, consolidated=False) as streamed:
        encoding = {name: {"zlib": True, "complevel": 1} for name in streamed.data_vars
                    if np.issubdtype(streamed[name].dtype, np.floating)}
        streamed.to_netcdf(output, encoding=encoding)
    shutil.rmtree(store)
    return xr.open_dataset(output)
