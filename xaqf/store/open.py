"""Opening a training store made by :func:`xaqf.store.prepare`."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr

from xaqf.data.io import variables_of_kind
from xaqf.errors import MissingVariableError, StoreError
from xaqf.store.layout import GROUPS, read_root

__all__ = ["open_store", "store_emissions"]


def open_store(path: str | os.PathLike) -> xr.DataTree:
    """Open the training store at ``path`` lazily (dask, one chunk per time step).

    Parameters
    ----------
    path
        The zarr store written by :func:`xaqf.store.prepare`.

    Returns
    -------
    xarray.DataTree
        Groups ``cams``, ``met``, ``statics`` and ``stats``, variables in catalogue
        order, and ``emissions`` where the store was prepared with emission files
        (:func:`store_emissions`); ``tree["cams"].to_dataset()`` feeds
        :meth:`xaqf.Forecaster.predict` and :class:`xaqf.training.WindowDataset`.

    Raises
    ------
    StoreError
        ``path`` is no store, or an unfinished one (re-run ``xaqf prepare`` to finish it).
    """
    attrs = read_root(Path(path))
    if attrs is None or "xaqf_fingerprint" not in attrs:
        raise StoreError(f"{path} is not an xaqf training store; make one with xaqf prepare")
    if not attrs.get("xaqf_complete"):
        raise StoreError(f"{path} is unfinished; re-run the same xaqf prepare command to "
                         f"complete it")
    tree = xr.open_datatree(path, engine="zarr", consolidated=False, chunks={})
    missing = [group for group in GROUPS if group not in tree.children]
    if missing:
        raise StoreError(f"{path} lacks the group(s) {missing}; remake it with xaqf prepare")
    for kind in ("cams", "met", "static"):
        group = "statics" if kind == "static" else kind
        tree[group] = xr.DataTree(tree[group].to_dataset()[list(variables_of_kind(kind))])
    stats = tree["stats"].to_dataset().load()
    strings = {name: (stats[name].dims, np.array([str(s) for s in stats[name].values]))
               for name in ("channel", "variable", "method")}
    tree["stats"] = xr.DataTree(stats.assign_coords(strings))
    return tree


def store_emissions(tree: xr.DataTree, path: str | os.PathLike) -> xr.Dataset:
    """The emission fields of the store ``tree`` (opened from ``path``), in memory: its
    ``emissions`` group, on the store's grid (see :func:`xaqf.store.prepare`).

    Raises
    ------
    MissingVariableError
        The store has no ``emissions`` group (naming the store and the two fixes).

    Examples
    --------
    >>> store_emissions(xr.DataTree(), "train.zarr")
    Traceback (most recent call last):
    ...
    xaqf.errors.MissingVariableError: the store train.zarr has no emissions group, ...
    """
    if "emissions" not in tree.children:
        raise MissingVariableError(
            f"the store {path} has no emissions group, and the model takes emission inputs: "
            f"prepare the store with them (xaqf prepare ... --emissions FILES) or name the "
            f"fields yourself (data.emissions.path of a TrainConfig, or "
            f"StoreWindows(..., emissions=...))")
    return tree["emissions"].to_dataset().load()
