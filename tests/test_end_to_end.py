"""From the ADS/CDS download layout to scores: download -> prepare -> train -> predict -> RMSE.

The data stores are stood in for by :class:`ToyWorldClient`, which hands out the monthly
files of a toy world written by :func:`xaqf.tutorial.save_raw_downloads`; the rest is the
real path: :func:`xaqf.data.download.download` verifies and places each month,
:func:`xaqf.store.prepare` makes the training store (hourly precipitation accumulated), a
micro network trains a few steps on the store's groups and its forecast is scored against
the store's truth.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers import micro_config
from xaqf.data.download import download
from xaqf.data.sources import requests
from xaqf.tutorial.downloads import WRITTEN, save_raw_downloads

START, DAYS, LAST = "2022-06-29", 5, "2022-07-03"  # a month boundary, as real downloads have


class ToyWorldClient:
    """A stand-in for the ADS/CDS clients: serves the files of a toy world's downloads."""

    def __init__(self, folder: Path, start: str, end: str):
        self.folder = folder
        self.targets = {self._key(r.dataset, r.request): r.target
                        for name in WRITTEN for r in requests(name, start, end)}
        self.calls = 0

    @staticmethod
    def _key(dataset: str, request: dict[str, Any]) -> str:
        return json.dumps([dataset, request], sort_keys=True)

    def retrieve(self, dataset: str, request: dict[str, Any], target: str) -> None:
        self.calls += 1
        shutil.copyfile(self.folder / self.targets[self._key(dataset, request)], target)


@pytest.mark.slow
def test_download_prepare_train_predict_score(tmp_path):
    from xaqf.forecaster import Forecaster
    from xaqf.metrics import rmse
    from xaqf.store import open_store, prepare
    from xaqf.training import WindowDataset, stage_config, train_stage

    save_raw_downloads(tmp_path / "server", start=START, days=DAYS, cams_resolution=30.0,
                       met_resolution=15.0, spinup_days=0)
    client = ToyWorldClient(tmp_path / "server", START, LAST)
    raw = tmp_path / "raw"
    files = {name: download(name, START, LAST, raw, client=client, progress=False)
             for name in WRITTEN}
    assert client.calls == sum(map(len, files.values())) == 9  # 4 products x 2 months + statics

    met = [p for name in ("era5-pressure-levels", "era5-single-levels", "era5-precipitation")
           for p in files[name]]
    store = prepare(files["cams-analysis"], met, files["era5-static"][0], tmp_path / "t.zarr",
                    30.0, START, LAST, workers=0, progress=False)
    tree = open_store(store)
    cams, weather = tree["cams"].to_dataset(), tree["met"].to_dataset()
    assert cams.sizes["time"] == 2 * DAYS

    forecaster = Forecaster.from_config(micro_config(), tree["stats"].to_dataset(),
                                        statics=tree["statics"].to_dataset(), seed=0)
    train = WindowDataset(forecaster, cams.isel(time=slice(0, 7)),
                          weather.isel(time=slice(0, 7)), cache=True)
    history = train_stage(forecaster, train, stage_config("pretrain", epochs=2, batch_size=2),
                          progress=False)
    assert len(history.losses) >= 2 and np.isfinite(history.losses).all()

    forecast = forecaster.predict(cams, weather, steps=2, init_times=[cams.time.values[6]],
                                  progress=False)
    scores = rmse(forecast, cams)
    assert scores.sizes["lead_time"] == 2
    assert all(np.isfinite(scores[name].values).all() and float(scores[name].max()) > 0
               for name in ("go3", "pm2p5", "tcco"))
