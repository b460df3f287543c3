"""Sample-file registry: sha256 checks, cache folder, clear errors (no network needed)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import xarray as xr

from xaqf.data.registry import DATA_DIR_ENV
from xaqf.errors import DownloadError
from xaqf.tutorial import fetch, make_registry, open_dataset


@pytest.fixture
def served(tmp_path):
    """A folder acting as the remote server, holding one small netCDF file."""
    remote = tmp_path / "remote"
    remote.mkdir()
    xr.Dataset({"x": ("t", np.arange(3.0))}).to_netcdf(remote / "sample.nc")
    digest = hashlib.sha256((remote / "sample.nc").read_bytes()).hexdigest()
    return remote, {"sample.nc": f"sha256:{digest}"}


def test_fetches_from_a_file_url_into_the_cache_and_opens(served, tmp_path):
    remote, registry = served
    store = make_registry(remote.as_uri() + "/", registry, tmp_path / "cache")
    path = fetch("sample.nc", store)
    assert path.parent == tmp_path / "cache" and path.exists()
    with open_dataset("sample.nc", store) as ds:
        assert ds["x"].values.tolist() == [0.0, 1.0, 2.0]


def test_cache_folder_follows_the_environment_variable(served, tmp_path, monkeypatch):
    remote, registry = served
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "elsewhere"))
    store = make_registry(remote.as_uri() + "/", registry)
    assert fetch("sample.nc", store).parent == tmp_path / "elsewhere"


def test_hash_mismatch_is_a_download_error(served, tmp_path):
    remote, _ = served
    store = make_registry(remote.as_uri() + "/", {"sample.nc": "sha256:" + "0" * 64},
                          tmp_path / "cache")
    with pytest.raises(DownloadError, match="sample.nc"):
        fetch("sample.nc", store)


def test_unknown_name_is_a_download_error_naming_the_alternative(tmp_path):
    with pytest.raises(DownloadError, match="toy_world"):
        fetch("nope.nc", make_registry(path=tmp_path))


def test_offline_is_a_download_error_with_advice(tmp_path):
    store = make_registry("http://127.0.0.1:9/", {"a.nc": "sha256:" + "0" * 64}, tmp_path)
    with pytest.raises(DownloadError, match="network connection"):
        fetch("a.nc", store)


def test_saved_world_equals_the_in_memory_world(tmp_path):
    import xarray as xr

    from xaqf.tutorial import save_toy_world, toy_world

    kwargs = dict(resolution=30.0, days=2.5, seed=4, spinup_days=0)
    path = save_toy_world(tmp_path / "world", block=2, **kwargs)  # 5 times: 2 + 2 + 1
    world = toy_world(**kwargs)
    for name, expected in (("cams", world.cams), ("era5", world.era5),
                           ("statics", world.statics)):
        saved = xr.open_zarr(path / f"{name}.zarr", consolidated=False).compute()
        xr.testing.assert_allclose(saved, expected, rtol=1e-6)
