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
    assert main(argv) == 1
    assert "outside the files" in capsys.readouterr().err
    assert not (tmp_path / "train.zarr").exists()
