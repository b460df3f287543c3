"""Tiny toy stores for the training-at-scale tests: canonical files through xaqf.store.prepare."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import canonical_dataset
from xaqf import variables


def make_store(folder: Path, start: str = "2022-06-01", days: int = 4, seed: int = 0,
               nlat: int = 7, nlon: int = 12, emissions: list[str] | None = None) -> Path:
    """A complete store of ``days`` days at 00/12 UTC on a ``nlat`` x ``nlon`` global grid
    (with an ``emissions`` group from the files ``emissions``)."""
    from xaqf.store import prepare

    folder.mkdir(parents=True, exist_ok=True)
    times = pd.date_range(start, periods=2 * days, freq="12h")
    files = {}
    for kind, names, positive in (("cams", variables.POLLUTANT_VARIABLES, True),
                                  ("met", variables.MET_VARIABLES, False),
                                  ("statics", variables.STATIC_VARIABLES, True)):
        ds = canonical_dataset(names, times[:1] if kind == "statics" else times, nlat, nlon,
                               seed=seed + len(files), positive=positive)
        if kind == "statics":
            ds = ds.isel(time=0, drop=True).drop_vars("level")
        files[kind] = folder / f"{kind}.nc"
        ds.to_netcdf(files[kind])
    end = (times[-1] - pd.Timedelta("12h")).strftime("%Y-%m-%d")
    return prepare(str(files["cams"]), str(files["met"]), str(files["statics"]),
                   folder / "train.zarr", 180.0 / (nlat - 1), start, end, workers=0,
                   progress=False, emissions=emissions)


@pytest.fixture(scope="session")
def toy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four days (8 time steps) at 30 degrees."""
    return make_store(tmp_path_factory.mktemp("store"))
