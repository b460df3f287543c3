"""Bad download parameters and bad archives: each refused naming the parameter or file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from xaqf.data.download import download, download_emissions
from xaqf.errors import ConfigError, DownloadError


class _Unused:
    def retrieve(self, dataset, request, target):
        raise AssertionError("no request may be sent")


@pytest.mark.parametrize("retries", [-1, 2.5, "3", True])
def test_bad_retries_name_the_parameter(tmp_path, retries):
    for fetch in (lambda: download("era5-static", "2022-06", "2022-06", tmp_path,
                                   client=_Unused(), retries=retries, progress=False),
                  lambda: download_emissions(2022, 2022, tmp_path, client=_Unused(),
                                             retries=retries, progress=False)):
        with pytest.raises(ConfigError, match=rf"retries={retries!r}: .*0 or more"):
            fetch()


@pytest.mark.parametrize("backoff", [-1.0, float("nan"), "30"])
def test_bad_backoff_names_the_parameter(tmp_path, backoff):
    with pytest.raises(ConfigError, match=r"backoff=.*: give the seconds"):
        download("era5-static", "2022-06", "2022-06", tmp_path, client=_Unused(),
                 backoff=backoff, progress=False)


class _TwoOfOneName:
    """An inventory zip holding two different files of one name, in two folders."""

    def __init__(self):
        self.calls = 0

    def retrieve(self, dataset, request, target):
        self.calls += 1
        name = "CAMS-GLOB-ANT_Glb_0.1x0.1_anthro_co_v6.2_monthly.nc"
        with zipfile.ZipFile(target, "w") as archive:
            for folder, value in (("v6.1", 1.0), ("v6.2", 2.0)):
                ds = xr.Dataset(
                    {"sum": (("time", "lat", "lon"), np.full((12, 2, 2), value),
                             {"units": "kg m-2 s-1"})},
                    coords={"time": pd.date_range("2022-01-01", periods=12, freq="MS"),
                            "lat": [-45.0, 45.0], "lon": [0.0, 180.0]})
                archive.writestr(f"{folder}/{name}", ds.to_netcdf())


def test_two_files_of_one_name_in_an_inventory_zip_are_refused(tmp_path):
    client = _TwoOfOneName()
    with pytest.raises(DownloadError, match=r"two different files named .*'v6\.1/CAMS.*' and "
                                            r"'v6\.2/CAMS"):
        download_emissions(2022, 2022, tmp_path, species=("co",), client=client, retries=2,
                           backoff=0.0, progress=False, sleep=lambda s: None)
    assert client.calls == 1  # the archive's content is refused, not retried
    assert list((tmp_path / "cams-glob-ant").iterdir()) == []


class _ConflictingMembers:
    """A month zip whose two members both hold ``z``, with different values."""

    def __init__(self, planned):
        self.planned = planned
        self.calls = 0

    def retrieve(self, dataset, request, target):
        from tests.data.test_download import tiny_month
        from xaqf.tutorial.downloads import write_raw

        self.calls += 1
        match = next(r for r in self.planned if r.request == request)
        ds = tiny_month(match)
        with zipfile.ZipFile(target, "w") as archive:
            for k in range(2):
                member = Path(target).parent / f"part{k}.nc"
                write_raw(ds + k, match.product, member)
                archive.write(member, f"stream-{k}.nc")
                member.unlink()


def test_two_zip_members_with_one_variable_differing_are_refused(tmp_path):
    from xaqf.data.sources import requests

    client = _ConflictingMembers(requests("era5-static", "2022-06", "2022-06"))
    with pytest.raises(DownloadError, match=r"members 'stream-0\.nc' and 'stream-1\.nc' both "
                                            r"hold '\w+', with different values"):
        download("era5-static", "2022-06", "2022-06", tmp_path, client=client, retries=2,
                 backoff=0.0, progress=False, sleep=lambda s: None)
    assert client.calls == 1 and not (tmp_path / "era5-static.nc").exists()
