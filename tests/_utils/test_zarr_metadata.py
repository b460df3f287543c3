"""Consolidated metadata: a store written in pieces opens without warning, whole or by group."""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr
import zarr

from xaqf._utils.zarr_metadata import consolidate


def test_root_and_nested_groups_open_without_warning(tmp_path):
    path = tmp_path / "store.zarr"
    ds = xr.Dataset({"x": ("t", np.arange(3.0))})
    ds.to_zarr(path, group="a", consolidated=False)
    ds.to_zarr(path, group="a/b", consolidated=False)
    zarr.open_group(str(path), mode="r+").attrs["done"] = True
    consolidate(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert xr.open_zarr(path / "a" / "b")["x"].values.tolist() == [0.0, 1.0, 2.0]
        tree = xr.open_datatree(path, engine="zarr")
        assert tree.attrs["done"] and "b" in tree["a"].children
