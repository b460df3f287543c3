"""The store's optional ``emissions`` group: conservative regridding onto the store grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.store.conftest import END, RESOLUTION, START
from xaqf.regrid.conservative import cell_areas
from xaqf.store import open_store, prepare


def test_prepare_writes_a_mass_conserving_emissions_group(raw, tmp_path):
    lat = np.linspace(85.0, -85.0, 18)
    lon = np.arange(36) * 10.0 + 5.0
    time = pd.date_range("2022-01-01", periods=12, freq="MS")
    values = np.random.default_rng(0).random((12, 18, 36)) * 1e-9
    path = tmp_path / "CAMS-GLOB-ANT_Glb_0.1x0.1_anthro_so2_v6.2_monthly.nc"
    xr.Dataset({"ene": (("time", "lat", "lon"), values, {"units": "kg m-2 s-1"})},
               coords={"time": time, "lat": lat, "lon": lon}).to_netcdf(path)
    out = prepare(raw.cams, raw.met, raw.statics, tmp_path / "train.zarr", RESOLUTION, START,
                  END, workers=0, progress=False, emissions=[str(path)])
    tree = open_store(out)
    fields = tree["emissions"].to_dataset().load()
    assert fields["emi_so2"].dims == ("month", "latitude", "longitude")
    assert fields.sizes["latitude"] == 7 and fields.sizes["longitude"] == 12
    source = xr.Dataset(coords={"latitude": lat, "longitude": lon})
    total_in = (values[0] * cell_areas(source)).sum()
    total_out = (fields["emi_so2"].values[0] * cell_areas(fields)).sum()
    assert abs(total_out / total_in - 1) < 1e-5  # float32 storage
    assert "stats" in tree.children


def test_a_missing_emission_file_fails_before_the_store_is_started(raw, tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such-inventory"):
        prepare(raw.cams, raw.met, raw.statics, tmp_path / "train.zarr", RESOLUTION, START,
                END, workers=0, progress=False, emissions=[str(tmp_path / "no-such-inventory.nc")])
    assert not (tmp_path / "train.zarr").exists()


def _canonical(path, value):
    lat, lon = np.linspace(85.0, -85.0, 18), np.arange(36) * 10.0 + 5.0
    xr.Dataset({"emi_co": (("latitude", "longitude"), np.full((18, 36), value),
                           {"units": "kg m-2 s-1"})},
               coords={"latitude": lat, "longitude": lon}).to_netcdf(path)
    return str(path)


def test_a_rewrite_killed_half_way_leaves_the_previous_group(raw, tmp_path, monkeypatch):
    out = tmp_path / "train.zarr"
    first = _canonical(tmp_path / "first.nc", 1e-9)
    prepare(raw.cams, raw.met, raw.statics, out, RESOLUTION, START, END, workers=0,
            progress=False, emissions=[first])
    write = xr.Dataset.to_zarr

    def killed(ds, store, **kw):
        write(ds[["emi_co"]].isel(latitude=slice(0, 2)), store, **kw)
        raise KeyboardInterrupt

    monkeypatch.setattr(xr.Dataset, "to_zarr", killed)
    second = _canonical(tmp_path / "second.nc", 3e-9)
    with pytest.raises(KeyboardInterrupt):
        prepare(raw.cams, raw.met, raw.statics, out, RESOLUTION, START, END, workers=0,
                progress=False, emissions=[second])
    fields = open_store(out)["emissions"].to_dataset().load()
    np.testing.assert_allclose(fields["emi_co"].values, 1e-9, rtol=1e-6)
    monkeypatch.setattr(xr.Dataset, "to_zarr", write)
    prepare(raw.cams, raw.met, raw.statics, out, RESOLUTION, START, END, workers=0,
            progress=False, emissions=[second])
    fields = open_store(out)["emissions"].to_dataset().load()
    np.testing.assert_allclose(fields["emi_co"].values, 3e-9, rtol=1e-6)
    assert sorted(p.name for p in tmp_path.glob("train.zarr*")) == ["train.zarr"]
