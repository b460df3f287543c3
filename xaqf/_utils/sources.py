"""The files and stores a Dataset was read from, recorded so that no output replaces them.

xarray notes the file of a netCDF in the ``source`` encoding, but not the store of a zarr,
and :func:`xaqf.data.io.standardize` drops encodings along with everything else it
rewrites. xaqf's openers therefore record every path they read (symlinks resolved) under
:data:`SOURCES` in the encodings of the Dataset and its data variables, and ``standardize``
carries them over; :func:`xaqf._utils.checks.check_output` refuses an output among them.

Examples
--------
>>> import xarray as xr
>>> ds = with_sources(xr.Dataset({"a": ("x", [1.0])}), ["/data/cams.zarr"])
>>> sorted(str(p) for p in sources_of(ds[["a"]].isel(x=0)))
['/data/cams.zarr']
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xarray as xr

__all__ = ["SOURCES", "sources_of", "with_sources"]

SOURCES = "xaqf_sources"
"""The encoding key under which xaqf's openers record the files and stores a Dataset was
read from (on the Dataset and each data variable; :func:`xaqf.data.io.standardize` keeps
it, and xarray keeps encodings through ``sel``, ``isel``, ``chunk``, ``load``...)."""


def sources_of(ds: xr.Dataset | xr.DataArray) -> set[Path]:
    """The files and stores ``ds`` was read from, symlinks resolved: those xaqf's openers
    recorded (:data:`SOURCES`) and xarray's ``source`` encodings, on ``ds`` and its
    variables."""
    variables = ds.variables.values() if isinstance(ds, xr.Dataset) else [ds.variable]
    found: list[Any] = []
    for encoding in [ds.encoding, *(v.encoding for v in variables)]:
        found.append(encoding.get("source"))
        found.extend(encoding.get(SOURCES, ()))
    return {Path(source).resolve() for source in found if isinstance(source, str | os.PathLike)}


def with_sources(ds: xr.Dataset, paths: Iterable[str | os.PathLike[str]]) -> xr.Dataset:
    """``ds`` (a shallow copy) recording ``paths`` (and the sources it already records) as
    the files it was read from, for :func:`xaqf._utils.checks.check_output`."""
    recorded = tuple(sorted(str(p) for p in sources_of(ds) | {Path(p).resolve() for p in paths}))
    if not recorded:
        return ds
    out = ds.copy(deep=False)
    for encoding in [out.encoding, *(out[name].encoding for name in out.data_vars)]:
        encoding[SOURCES] = recorded
    return out
