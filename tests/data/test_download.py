"""The downloader: skipping complete months, redoing broken ones, retries, zips, dry runs.

:class:`StoreClient` stands in for the ADS/CDS clients: given a request it writes a small
file in the stores' real netCDF layout with :func:`xaqf.tutorial.downloads.write_raw`.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf.data import sources
from xaqf.data.download import check_download, download
from xaqf.data.sources import Request, expected_coords, requests
from xaqf.errors import DownloadError, MissingDependencyError
from xaqf.tutorial.downloads import write_raw


def tiny_month(request: Request) -> xr.Dataset:
    """Canonical data with every variable and time of ``request``, on a 5 x 8 grid."""
    spec = sources.product(request.product)
    coords = expected_coords(request)
    if "init_time" in coords:
        ds = canonical_dataset(spec.variables, coords["init_time"], nlat=5, nlon=8)
        ds = ds.rename(time="init_time").expand_dims(lead_time=coords["lead_time"], axis=1)
        return ds.transpose("init_time", "lead_time", ...)
    times = coords.get("time", np.array(["2022-06-01"], "datetime64[ns]"))
    ds = canonical_dataset(spec.variables, times, nlat=5, nlon=8)
    return ds.isel(time=0, drop=True) if spec.kind == "static" else ds


class StoreClient:
    """A fake ADS/CDS client; ``failures`` first calls raise, then files are written."""

    def __init__(self, planned: list[Request], failures: int = 0, zipped: bool = False):
        self.planned = planned
        self.failures = failures
        self.zipped = zipped
        self.calls: list[str] = []

    def retrieve(self, dataset: str, request: dict, target: str) -> None:
        match = next(r for r in self.planned if r.dataset == dataset and r.request == request)
        self.calls.append(match.target)
        if len(self.calls) <= self.failures:
            raise ConnectionError("503 Service Unavailable")
        if self.zipped:
            self._zip(match, Path(target))
        else:
            write_raw(tiny_month(match), match.product, target)

    def _zip(self, request: Request, target: Path) -> None:
        ds = tiny_month(request)
        names = list(ds.data_vars)
        with zipfile.ZipFile(target, "w") as archive:
            for k, part in enumerate((names[:2], names[2:])):
                member = target.parent / f"part{k}.nc"
                write_raw(ds[part], request.product, member)
                archive.write(member, f"data_stream-oper_stepType-{k}.nc")
                member.unlink()


def test_downloads_every_month_atomically(tmp_path):
    planned = requests("cams-analysis", "2022-06-29", "2022-07-02")
    client = StoreClient(planned)
    paths = download("cams-analysis", "2022-06-29", "2022-07-02", tmp_path, client=client,
                     progress=False)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [r.target for r in planned]
    assert all(check_download(p, r) is None for p, r in zip(paths, planned, strict=True))
    assert not list(tmp_path.rglob("*.part"))  # no temporary left behind
    assert client.calls == [r.target for r in planned]


def test_complete_months_are_skipped(tmp_path):
    planned = requests("era5-single-levels", "2022-06-30", "2022-07-01")
    download("era5-single-levels", "2022-06-30", "2022-07-01", tmp_path,
             client=StoreClient(planned), progress=False)
    again = StoreClient(planned)
    download("era5-single-levels", "2022-06-30", "2022-07-01", tmp_path, client=again,
             progress=False)
    assert again.calls == []


def test_a_truncated_month_is_redone(tmp_path):
    planned = requests("era5-pressure-levels", "2022-06-30", "2022-07-01")
    paths = download("era5-pressure-levels", "2022-06-30", "2022-07-01", tmp_path,
                     client=StoreClient(planned), progress=False)
    data = paths[1].read_bytes()
    paths[1].write_bytes(data[: len(data) // 2])
    assert "cannot be opened" in check_download(paths[1], planned[1])
    again = StoreClient(planned)
    download("era5-pressure-levels", "2022-06-30", "2022-07-01", tmp_path, client=again,
             progress=False)
    assert again.calls == [planned[1].target]
    assert check_download(paths[1], planned[1]) is None


def test_a_month_missing_times_is_incomplete(tmp_path):
    (request,) = requests("era5-single-levels", "2022-06-29", "2022-06-30")
    path = write_raw(tiny_month(request).isel(time=slice(0, 3)), request.product,
                     tmp_path / request.target)
    assert check_download(path, request).startswith("1 of the 4 time values are missing")
    names = ["t2m"]
    write_raw(tiny_month(request)[names], request.product, path)
    assert "variables ['u10', 'v10', 'msl'] are missing" in check_download(path, request)


def test_retries_with_backoff_then_succeeds(tmp_path):
    planned = requests("era5-static", "2022-06", "2022-06")
    client, waits = StoreClient(planned, failures=2), []
    (path,) = download("era5-static", "2022-06", "2022-06", tmp_path, client=client,
                       backoff=5.0, sleep=waits.append, progress=False)
    assert waits == [5.0, 10.0] and len(client.calls) == 3
    assert check_download(path, planned[0]) is None


def test_fails_after_the_retries_with_a_clear_error(tmp_path):
    planned = requests("cams-forecast", "2022-06-30", "2022-06-30")
    client, waits = StoreClient(planned, failures=10), []
    with pytest.raises(DownloadError, match=r"cams-forecast 2022-06: still failing after 2 "
                                            r"retries; last error: ConnectionError: 503"):
        download("cams-forecast", "2022-06-30", "2022-06-30", tmp_path, client=client,
                 retries=2, sleep=waits.append, progress=False)
    assert len(client.calls) == 3 and waits == [30.0, 60.0]
    assert not list(tmp_path.rglob("*.nc*"))


def test_forecast_months_verify_init_and_lead_times(tmp_path):
    planned = requests("cams-forecast", "2022-06-30", "2022-06-30")
    (path,) = download("cams-forecast", "2022-06-30", "2022-06-30", tmp_path,
                       client=StoreClient(planned), progress=False)
    raw = xr.open_dataset(path)
    assert {"forecast_reference_time", "forecast_period"} <= set(raw.dims)
    raw.close()
    short = tiny_month(planned[0]).isel(lead_time=slice(0, 5))
    write_raw(short, "cams-forecast", path)
    assert "6 of the 11 lead_time values are missing" in check_download(path, planned[0])


def test_zip_downloads_are_merged(tmp_path):
    planned = requests("era5-single-levels", "2022-06-30", "2022-06-30")
    (path,) = download("era5-single-levels", "2022-06-30", "2022-06-30", tmp_path,
                       client=StoreClient(planned, zipped=True), progress=False)
    assert not zipfile.is_zipfile(path)
    with xr.open_dataset(path) as ds:
        assert sorted(ds.data_vars) == ["msl", "t2m", "u10", "v10"]


def test_dry_run_prints_json_and_writes_nothing(tmp_path, capsys):
    client = StoreClient([])
    paths = download(["era5-static", "cams-analysis"], "2022-06", "2022-07",
                     tmp_path / "raw", client=client, dry_run=True)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["target"] for line in lines] == [
        "era5-static/era5-static.nc", "cams-analysis/cams-analysis_2022-06.nc",
        "cams-analysis/cams-analysis_2022-07.nc"]
    assert lines[1]["request"]["date"] == ["2022-06-01/2022-06-30"]
    assert len(paths) == 3 and not (tmp_path / "raw").exists() and client.calls == []


def test_no_client_installed_says_how_to_install(tmp_path, monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'xaqf\[download\]'"):
        download("era5-static", "2022-06", "2022-06", tmp_path, progress=False)


@pytest.mark.real_data
def test_real_files_open_and_say_what_is_missing(real_data):
    (eac4,) = requests("cams-reanalysis", "2020-07", "2020-07")
    problem = check_download(real_data / "eac4_sfc_cutout_2020-07.nc", eac4)
    assert problem.startswith("variables ['tcco', 'tc_no'")  # opened; gtco3 found
    assert "found ['gtco3']" in problem
    (era5,) = requests("era5-pressure-levels", "2007-01", "2007-01")
    problem = check_download(real_data / "ecmwf_pl_t_z_1deg.nc", era5)
    assert "variables ['u', 'v', 'r'] are missing (found ['t', 'z'])" in problem
    model_levels = check_download(real_data / "eac4_ml_cutout_2020-07.nc", eac4)
    assert "is not usable" in model_levels and "model levels" in model_levels


class InventoryClient:
    """A fake ADS serving CAMS-GLOB-ANT: a zip of one monthly file per species and year,
    named as the ADS names them; ``missing`` species are left out of the zip."""

    def __init__(self, missing: tuple[str, ...] = ()):
        self.missing = missing
        self.calls: list[str] = []

    def retrieve(self, dataset: str, request: dict, target: str) -> None:
        from xaqf.data.inventory import CAMS_GLOB_ANT_SPECIES

        year = request["year"][0]
        self.calls.append(year)
        species = {ads: name for name, ads in CAMS_GLOB_ANT_SPECIES.items()}
        with zipfile.ZipFile(target, "w") as archive:
            for ads in request["variable"]:
                if species[ads] in self.missing:
                    continue
                ds = xr.Dataset(
                    {"sum": (("time", "lat", "lon"), np.full((12, 2, 2), float(year) - 2020),
                             {"units": "kg m-2 s-1"})},
                    coords={"time": pd.date_range(f"{year}-01-01", periods=12, freq="MS"),
                            "lat": [-45.0, 45.0], "lon": [0.0, 180.0]})
                archive.writestr(f"CAMS-GLOB-ANT_Glb_0.1x0.1_anthro_{species[ads]}_v6.2_"
                                 f"monthly.nc", ds.to_netcdf())


def test_the_inventory_lands_year_by_year_and_opens_as_one_climatology(tmp_path):
    from xaqf.data.download import download_emissions
    from xaqf.data.inventory import open_emissions

    client = InventoryClient()
    folders = download_emissions(2021, 2022, tmp_path, species=("co", "so2"), client=client,
                                 progress=False)
    assert [f.relative_to(tmp_path).as_posix() for f in folders] == [
        "cams-glob-ant/2021", "cams-glob-ant/2022"]
    assert sorted(p.name for p in folders[0].iterdir()) == [
        "CAMS-GLOB-ANT_Glb_0.1x0.1_anthro_co_v6.2_monthly.nc",
        "CAMS-GLOB-ANT_Glb_0.1x0.1_anthro_so2_v6.2_monthly.nc"]
    fields = open_emissions(tmp_path / "cams-glob-ant" / "*" / "*.nc")
    assert sorted(fields.data_vars) == ["emi_co", "emi_so2"]
    np.testing.assert_allclose(fields["emi_co"].values, 1.5)  # the mean of 1 and 2
    download_emissions(2021, 2022, tmp_path, species=("co", "so2"), client=client,
                       progress=False)
    assert client.calls == ["2021", "2022"]  # complete years are not fetched again
    assert sorted(p.name for p in (tmp_path / "cams-glob-ant").iterdir()) == ["2021", "2022"]


def test_an_incomplete_inventory_year_is_retried_then_named(tmp_path):
    from xaqf.data.download import download_emissions

    client = InventoryClient(missing=("so2",))
    with pytest.raises(DownloadError, match=r"cams-glob-ant 2022: .*0 files named '_anthro_so2_'"):
        download_emissions(2022, 2022, tmp_path, species=("co", "so2"), client=client,
                           retries=1, backoff=0.0, progress=False, sleep=lambda s: None)
    assert client.calls == ["2022", "2022"]
    assert list((tmp_path / "cams-glob-ant").iterdir()) == []  # nothing half-placed


def test_the_inventory_dry_run_from_the_command_line(tmp_path, capsys):
    from xaqf.cli import main

    assert main(["download", "--product", "cams-glob-ant", "--start", "2021-01", "--end",
                 "2022-12", "--dir", str(tmp_path), "--dry-run"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["target"] for line in lines] == ["cams-glob-ant/2021", "cams-glob-ant/2022"]
    assert lines[0]["dataset"] == "cams-global-emission-inventories"


def test_an_unreadable_inventory_period_is_named(tmp_path, capsys):
    from xaqf.cli import main

    assert main(["download", "--product", "cams-glob-ant", "--start", "spring", "--end",
                 "2022", "--dir", str(tmp_path), "--dry-run"]) == 2
    assert "start 'spring' is not a month" in capsys.readouterr().err
