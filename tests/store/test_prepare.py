"""xaqf.store.prepare on tiny raw downloads: equality with the in-memory path (hourly
precipitation accumulated), resume, refusals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import xaqf
from tests.helpers import micro_config
from tests.store.conftest import END, RESOLUTION, START, expected, product_files, write_raw
from xaqf.errors import ConfigError, StoreError
from xaqf.regrid import Regridder
from xaqf.store import open_store, prepare
from xaqf.store.progress import progress_dir, write_layout


def _run(raw, output, start=START, end=END, **kwargs):
    return prepare(raw.cams, raw.met, raw.statics, output, RESOLUTION, start, end,
                   progress=False, **{"workers": 0, **kwargs})


def _assert_same_store(a: Path, b: Path) -> None:
    left, right = open_store(a), open_store(b)
    for group in ("cams", "met", "statics", "stats"):
        xr.testing.assert_identical(left[group].to_dataset().load(),
                                    right[group].to_dataset().load())


def test_store_equals_in_memory_pipeline(raw, tmp_path):
    out = _run(raw, tmp_path / "train.zarr")
    tree = open_store(out)
    want = expected(raw)
    for group in ("cams", "met", "statics"):
        got = tree[group].to_dataset()
        assert list(got.data_vars) == list(want[group].data_vars)
        xr.testing.assert_allclose(got.load(), want[group], rtol=1e-6)
    stats = want["stats"].assign_coords(channel=want["stats"]["channel"].astype(str))
    xr.testing.assert_allclose(tree["stats"].to_dataset(), stats, rtol=1e-6)
    assert tree["stats"].sizes["channel"] == 143
    assert not progress_dir(out).exists()
    hourly = xaqf.open_met(product_files(raw, "era5-precipitation"))["tp"]
    tp = tree["met"]["tp"].load()
    one_hour = Regridder(hourly, tp)(hourly.sel(time=tp["time"].values))
    assert float(tp.max()) > 0  # the 12 h totals, 12 times the hour at the step
    np.testing.assert_allclose(tp.values, 12 * one_hour.values, rtol=1e-5, atol=1e-9)


def test_layout_chunks_and_provenance(raw, tmp_path):
    tree = open_store(_run(raw, tmp_path / "train.zarr", command="xaqf prepare test"))
    go3 = tree["cams"]["go3"]
    assert go3.dtype == np.float32 and go3.data.chunksize == (1, 13, 7, 12)
    assert tree["met"]["t2m"].data.chunksize == (1, 7, 12)
    assert tree.attrs["command"] == "xaqf prepare test"
    assert tree.attrs["Conventions"].startswith("CF")
    assert tree.attrs["period_end"].startswith("2022-07-02 12")
    assert len(tree.attrs["sources_met"]) == 6 and tree.attrs["xaqf_complete"]
    assert tree["cams"]["time"].attrs["standard_name"] == "time"


def test_store_and_its_groups_open_without_warning(raw, tmp_path):
    import warnings

    out = _run(raw, tmp_path / "train.zarr")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning about consolidated metadata
        assert set(xr.open_datatree(out, engine="zarr").children) >= {"cams", "met"}
        assert xr.open_zarr(out / "met").sizes["time"] == 8


def test_rerun_on_complete_store_does_nothing(raw, tmp_path, capsys):
    out = _run(raw, tmp_path / "train.zarr")
    chunk = out / "cams" / "go3" / "c" / "3" / "0" / "0" / "0"
    before = chunk.stat().st_mtime_ns
    _run(raw, out)
    assert "nothing to do" in capsys.readouterr().out
    assert chunk.stat().st_mtime_ns == before


def test_other_period_onto_existing_store_is_refused(raw, tmp_path):
    out = _run(raw, tmp_path / "train.zarr")
    with pytest.raises(StoreError, match="other inputs, period or grid"):
        _run(raw, out, end="2022-07-01")


def test_a_file_downloaded_again_makes_other_inputs(raw, tmp_path):
    out = _run(raw, tmp_path / "train.zarr")
    again = raw.cams[0]
    os.utime(again, ns=(again.stat().st_atime_ns, again.stat().st_mtime_ns + 10**9))
    with pytest.raises(StoreError, match="other inputs, period or grid"):
        _run(raw, out)


@pytest.mark.slow
def test_unfinished_store_with_a_torn_chunk_is_completed(raw, tmp_path):
    """A store left unfinished with a torn chunk and no markers (killed after writing, before
    the marker) has its steps redone and ends identical to an uninterrupted run."""
    reference = _run(raw, tmp_path / "reference.zarr")
    out = tmp_path / "train.zarr"
    _run(raw, out)
    zarr_attrs = out / "zarr.json"
    zarr_attrs.write_text(zarr_attrs.read_text().replace('"xaqf_complete": true',
                                                         '"xaqf_complete": false'))
    folder = progress_dir(out)
    folder.mkdir()
    write_layout(folder, json.loads(zarr_attrs.read_text())["attributes"]["xaqf_fingerprint"])
    (out / "cams" / "go3" / "c" / "2" / "0" / "0" / "0").write_bytes(b"garbage")
    with pytest.raises(StoreError, match="unfinished"):
        open_store(out)
    _run(raw, out)
    _assert_same_store(out, reference)


@pytest.mark.slow
@pytest.mark.parametrize(("workers", "threads", "processes"), [
    (2, 1, True),  # process workers, as prepare starts them
    (1, 4, False),  # threads of one process: HDF5 (netCDF4) is not thread-safe
], ids=["2 process workers", "4 threads in 1 process"])
def test_cluster_run_equals_single_process(raw, tmp_path, workers, threads, processes):
    distributed = pytest.importorskip("distributed")
    single = _run(raw, tmp_path / "single.zarr")
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=threads,
                                  processes=processes, dashboard_address=None) as cluster:
        parallel = _run(raw, tmp_path / "parallel.zarr", workers=None,
                        scheduler=cluster.scheduler_address)
    _assert_same_store(single, parallel)


_CHILD = """
import sys
from xaqf.store import prepare
cams, met, statics, out = sys.argv[1:5]
prepare(cams, met.split(","), statics, out, 30.0, "2022-06-01", "2022-06-08", workers=0,
        progress=False)
"""


@pytest.mark.slow
def test_killed_run_resumes_to_identical_store(tmp_path):
    raw = write_raw(tmp_path / "raw", start="2022-06-01", days=8)
    reference = _run(raw, tmp_path / "reference.zarr", start="2022-06-01", end="2022-06-08")
    out = tmp_path / "train.zarr"
    met = ",".join(str(tmp_path / "raw" / name / "*.nc") for name in (
        "era5-pressure-levels", "era5-single-levels", "era5-precipitation"))
    args = [sys.executable, "-c", _CHILD, str(tmp_path / "raw" / "cams-analysis" / "*.nc"),
            met, str(raw.statics), str(out)]
    child = subprocess.Popen(args, cwd=Path(__file__).resolve().parents[2])
    folder = progress_dir(out)
    deadline = time.monotonic() + 120
    while len(list(folder.glob("step-*.npz"))) < 3 and time.monotonic() < deadline:
        assert child.poll() is None, "prepare finished before it could be killed"
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    done = len(list(folder.glob("step-*.npz")))
    assert 3 <= done < 16
    _run(raw, out, start="2022-06-01", end="2022-06-08")
    _assert_same_store(out, reference)


def test_missing_month_names_the_file(tmp_path):
    raw = write_raw(tmp_path / "raw", start="2022-06-30", days=33)  # June, July, August
    raw = replace(raw, cams=[p for p in raw.cams if "2022-07" not in p.name])
    with pytest.raises(StoreError, match=r"cams-analysis_2022-06\.nc.*download"):
        _run(raw, tmp_path / "train.zarr", start="2022-06-30", end="2022-08-01")


def _drop_hours(path, keep):
    ds = xr.load_dataset(path)
    ds.isel(valid_time=keep(ds["valid_time"].to_index())).to_netcdf(path)


def test_missing_precipitation_hour_names_the_file_and_hour(raw, tmp_path):
    june = product_files(raw, "era5-precipitation")[0]
    _drop_hours(june, lambda t: t != "2022-06-30T05")
    with pytest.raises(StoreError, match=r"12 h precipitation at 2022-06-30 12:00 needs the "
                                         r"hourly tp of 2022-06-30 05:00.*era5-precipitation"
                                         r"_2022-06\.nc"):
        _run(raw, tmp_path / "train.zarr")


def test_precipitation_from_the_first_day_only_asks_for_the_day_before(raw, tmp_path):
    june = product_files(raw, "era5-precipitation")[0]
    _drop_hours(june, lambda t: t >= "2022-06-29")
    with pytest.raises(StoreError, match=r"hourly tp of 2022-06-28 13:00.*starts the day "
                                         r"before"):
        _run(raw, tmp_path / "train.zarr")


def test_overlapping_files_are_refused(raw, tmp_path):
    copy = tmp_path / "raw" / "cams_copy.nc"
    copy.write_bytes(raw.cams[0].read_bytes())
    raw.cams.append(copy)
    with pytest.raises(StoreError, match=r"cams_copy\.nc.*overlapping"):
        _run(raw, tmp_path / "train.zarr")


def test_period_outside_the_files_is_refused(raw, tmp_path):
    with pytest.raises(StoreError, match="outside the files"):
        _run(raw, tmp_path / "train.zarr", end="2022-07-10")
    with pytest.raises(ConfigError, match="end after the start"):
        _run(raw, tmp_path / "train.zarr", start="2022-07-01", end="2022-06-30")


def test_file_on_another_grid_is_refused(raw, tmp_path):
    path = raw.cams[1]
    ds = xr.load_dataset(path).isel(longitude=slice(0, None, 2))
    ds.to_netcdf(path)
    with pytest.raises(StoreError, match=r"cams-analysis_2022-07\.nc is on a 7 x 6 grid"):
        _run(raw, tmp_path / "train.zarr")


def test_model_levels_are_refused(raw, tmp_path):
    path = raw.met[0]
    ds = xr.load_dataset(path).rename(pressure_level="model_level")
    ds = ds.assign_coords(model_level=np.arange(1, 14))
    ds.to_netcdf(path)
    with pytest.raises(StoreError, match=rf"{path.name}.*model levels"):
        _run(raw, tmp_path / "train.zarr")


def test_conflicting_units_are_refused(raw, tmp_path):
    path = raw.cams[1]
    ds = xr.load_dataset(path)
    ds["pm10"] = (ds["pm10"] * 1e9).assign_attrs(units="ug m**-3")
    ds.to_netcdf(path)
    with pytest.raises(StoreError,
                       match=r"cams-analysis_2022-07\.nc gives 'pm10' in 'ug m\*\*-3'"):
        _run(raw, tmp_path / "train.zarr")


@pytest.mark.parametrize(("name", "variable", "hour", "when"), [
    ("era5-single-levels", "t2m", 1, "2022-07-01T12"),
    ("era5-precipitation", "tp", 5, "2022-07-01T05"),
])
def test_nan_values_name_file_variable_and_time(raw, tmp_path, name, variable, hour, when):
    path = product_files(raw, name)[1]
    ds = xr.load_dataset(path)
    ds[variable][hour, 2, 3] = np.nan
    ds.to_netcdf(path)
    with pytest.raises(StoreError, match=rf"{path.name}.*'{variable}' has NaN.*{when}"):
        _run(raw, tmp_path / "train.zarr")


def test_predict_and_window_dataset_from_the_store(raw, tmp_path):
    from xaqf.forecaster import Forecaster
    from xaqf.preprocessing.normalization import compute_model_stats
    from xaqf.training import WindowDataset

    tree = open_store(_run(raw, tmp_path / "train.zarr"))
    cams, met = tree["cams"].to_dataset(), tree["met"].to_dataset()
    forecaster = Forecaster.from_config(micro_config(), compute_model_stats(cams, met), seed=0)
    forecast = forecaster.predict(cams, met, steps=2, init_times=[cams.time.values[2]],
                                  progress=False)
    assert forecast.sizes["lead_time"] == 2 and np.isfinite(forecast["go3"].values).all()
    windows = WindowDataset(forecaster, cams, met, rollout_steps=1)
    assert len(windows) == 6
