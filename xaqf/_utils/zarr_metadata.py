"""Consolidated metadata for the zarr stores xaqf writes.

xarray opens a zarr store fastest, and without a ``RuntimeWarning``, where its metadata is
consolidated (one document listing every array). xaqf writes its stores in pieces (a
template, then regions), so :func:`consolidate` is called once a store is finished: it
consolidates every group, the deepest first, so that both the whole store
(``xr.open_datatree``) and one group (``xr.open_zarr("train.zarr/cams")``) open without
the warning. Zarr format 3 has consolidated metadata as an extension, and zarr says so with
a ``ZarrUserWarning`` on each call; xaqf reads the stores it writes, so that note is silenced.

Examples
--------
>>> import tempfile, warnings, xarray as xr
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "a.zarr"
>>> xr.Dataset({"x": ("t", [1.0, 2.0])}).to_zarr(path, group="g", consolidated=False)
<xarray.backends.zarr.ZarrStore object at ...>
>>> consolidate(path)
>>> with warnings.catch_warnings():
...     warnings.simplefilter("error")
...     xr.open_zarr(path / "g")["x"].values.tolist()
[1.0, 2.0]
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import zarr

__all__ = ["consolidate"]


def consolidate(path: str | os.PathLike) -> None:
    """Consolidate the metadata of every group of the zarr store at ``path``."""
    root = Path(path)
    groups = sorted((folder.parent.relative_to(root) for folder in root.rglob("zarr.json")
                     if folder.parent != root and _is_group(folder)),
                    key=lambda sub: -len(sub.parts))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        for group in groups:
            zarr.consolidate_metadata(str(root), path=group.as_posix())
        zarr.consolidate_metadata(str(root))


def _is_group(document: Path) -> bool:
    return bool(json.loads(document.read_text()).get("node_type") == "group")
