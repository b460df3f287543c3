"""The toy world as raw ADS/CDS downloads reads back, through xaqf.data.io, as the world itself."""

from __future__ import annotations

import time

import numpy as np
import pytest
import xarray as xr

import xaqf
from xaqf.data.download import check_download
from xaqf.data.sources import accumulate_precipitation, requests
from xaqf.regrid import global_grid, regrid
from xaqf.tutorial import raw_downloads_world, save_raw_downloads

START, DAYS = "2022-06-29", 4


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    folder = tmp_path_factory.mktemp("raw")
    begin = time.perf_counter()
    files = save_raw_downloads(folder, start=START, days=DAYS, seed=3, spinup_days=0.5)
    return files, time.perf_counter() - begin


@pytest.fixture(scope="module")
def world():
    return raw_downloads_world(START, DAYS, seed=3, spinup_days=0.5)


def test_files_are_named_as_the_requests_and_complete(raw):
    files, seconds = raw
    assert seconds < 30  # a few seconds on one core
    names = {p.relative_to(files.directory).as_posix() for p in
             [*files.cams, *files.met, files.statics]}
    for product in ("cams-analysis", "era5-pressure-levels", "era5-single-levels",
                    "era5-precipitation", "era5-static"):
        for request in requests(product, START, "2022-07-02"):
            assert request.target in names
            assert check_download(files.directory / request.target, request) is None


def test_files_have_the_store_layout(raw):
    files, _ = raw
    with xr.open_dataset(files.met[0]) as pl, xr.open_dataset(files.cams[0]) as cams:
        assert pl["t"].dims == ("valid_time", "pressure_level", "latitude", "longitude")
        assert pl["z"].attrs["units"] == "m**2 s**-2" and pl["z"].dtype == np.float32
        assert pl.pressure_level.values[0] == 1000.0 and pl.latitude.values[0] == 90.0
        assert pl["expver"].dims == ("valid_time",) and int(pl["number"]) == 0
        assert cams["go3"].attrs["units"] == "kg kg**-1"
        assert cams.sizes["latitude"] == 46 and pl.sizes["latitude"] == 91
    with xr.open_dataset(files.statics) as statics:
        assert set(statics.data_vars) == {"z", "lsm"}
        assert statics["lsm"].attrs["units"] == "(0 - 1)"


def test_cams_reads_back_as_the_world_on_the_coarser_grid(raw, world):
    files, _ = raw
    cams = xaqf.open_cams(files.cams).load()
    expected = regrid(world.cams, global_grid(4.0))
    xr.testing.assert_allclose(cams, expected, rtol=1e-6)
    assert cams["go3"].attrs["units"] == "kg kg-1"


def test_met_reads_back_with_the_12h_precipitation(raw, world):
    files, _ = raw
    instantaneous = [p for p in files.met if "precipitation" not in p.name]
    met = xaqf.open_met(instantaneous).load()
    xr.testing.assert_allclose(met, world.era5.drop_vars("tp"), rtol=1e-6)
    hourly = xaqf.open_met([p for p in files.met if "precipitation" in p.name])["tp"]
    assert hourly.sizes["time"] == (DAYS + 1) * 24
    tp = accumulate_precipitation(hourly, times=world.era5.time.values).load()
    xr.testing.assert_allclose(tp, world.era5["tp"], rtol=1e-5, atol=1e-12)


def test_statics_read_back(raw, world):
    files, _ = raw
    statics = xaqf.open_static(files.statics).load()
    xr.testing.assert_allclose(statics, world.statics, rtol=1e-6)


def test_days_must_be_whole(tmp_path):
    with pytest.raises(ValueError, match="whole number"):
        save_raw_downloads(tmp_path, days=2.5)
