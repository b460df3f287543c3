"""``xaqf prepare`` on tiny raw files."""

from __future__ import annotations

from xaqf.cli import main
from xaqf.store import open_store


def _files(tmp_path):
    """The CAMS glob, then ``--met`` with the ERA5 globs and ``--statics`` with its file."""
    raw = tmp_path / "raw"
    met = [str(raw / name / "*.nc")
           for name in ("era5-pressure-levels", "era5-single-levels", "era5-precipitation")]
    return [str(raw / "cams-analysis" / "*.nc"), "--met", *met, "--statics",
            str(raw / "era5-static" / "era5-static.nc")]


def test_prepare_command_writes_the_store(tmp_path, capsys):
    from tests.store.conftest import write_raw

    write_raw(tmp_path / "raw")
    out = tmp_path / "train.zarr"
    argv = ["prepare", "--cams", *_files(tmp_path), "--grid", "30", "--start", "2022-06-29",
            "--end", "2022-06-30", "--output", str(out),
            "--workers", "0", "--no-progress"]
    assert main(argv) == 0
    assert "store written" in capsys.readouterr().out
    tree = open_store(out)
    assert tree["cams"].sizes["time"] == 4 and "xaqf" in tree.attrs["command"]


def test_prepare_command_reports_bad_input(tmp_path, capsys):
    from tests.store.conftest import write_raw

    write_raw(tmp_path / "raw")
    argv = ["prepare", "--cams", *_files(tmp_path), "--grid", "30", "--start", "2022-06-29",
            "--end", "2022-07-30",
            "--output", str(tmp_path / "train.zarr"), "--workers", "0"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("xaqf prepare: error: ") and "outside the files" in err
    assert not (tmp_path / "train.zarr").exists()


def _so2_inventory(path):
    """A CAMS-GLOB-ANT-named annual SO2 file on a 10-degree grid."""
    import numpy as np
    import xarray as xr

    lat, lon = np.linspace(85.0, -85.0, 18), np.arange(36) * 10.0 + 5.0
    values = np.random.default_rng(0).random((1, 18, 36)) * 1e-9
    xr.Dataset({"sum": (("time", "lat", "lon"), values, {"units": "kg m-2 s-1"})},
               coords={"time": np.array(["2022-01-01"], "datetime64[ns]"), "lat": lat,
                       "lon": lon}).to_netcdf(path)


def test_prepare_command_writes_the_emissions_given_as_a_glob(tmp_path, capsys):
    from tests.store.conftest import write_raw

    write_raw(tmp_path / "raw")
    _so2_inventory(tmp_path / "CAMS-GLOB-ANT_Glb_0.1x0.1_anthro_so2_v6.2_monthly.nc")
    out = tmp_path / "train.zarr"
    argv = ["prepare", "--cams", *_files(tmp_path), "--grid", "30", "--start", "2022-06-29",
            "--end", "2022-06-30", "--output", str(out), "--workers", "0", "--no-progress",
            "--emissions", str(tmp_path / "CAMS-GLOB-ANT_*_anthro_*.nc")]
    assert main(argv) == 0
    fields = open_store(out)["emissions"].to_dataset()
    assert list(fields.data_vars) == ["emi_so2"] and fields.sizes["latitude"] == 7


def test_a_missing_emission_file_fails_before_any_time_step(tmp_path, capsys):
    from tests.store.conftest import write_raw

    write_raw(tmp_path / "raw")
    argv = ["prepare", "--cams", *_files(tmp_path), "--grid", "30", "--start", "2022-06-29",
            "--end", "2022-06-30", "--output", str(tmp_path / "train.zarr"), "--workers", "0",
            "--no-progress", "--emissions", str(tmp_path / "no-such-inventory.nc")]
    assert main(argv) == 2
    assert "no-such-inventory.nc" in capsys.readouterr().err
    assert not (tmp_path / "train.zarr").exists()
