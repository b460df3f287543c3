"""``xaqf info``: a model file's config and training provenance, a store's groups."""

from __future__ import annotations

import numpy as np
import xarray as xr

from tests.helpers import micro_config
from xaqf.cli import main
from xaqf.forecaster import Forecaster
from xaqf.variables import MET_CHANNELS, POLLUTANT_CHANNELS


def _model(path):
    channels = list(POLLUTANT_CHANNELS + MET_CHANNELS)
    stats = xr.Dataset({"mean": ("channel", np.zeros(len(channels))),
                        "std": ("channel", np.ones(len(channels)))},
                       coords={"channel": channels})
    forecaster = Forecaster.from_config(micro_config(), stats, seed=0, step="12h")
    forecaster.provenance["data"] = "a test"
    forecaster.provenance["stages"] = [{
        "stage": {"name": "pretrain"}, "samples": 12, "first_time": "2022-06-01T00:00:00",
        "last_time": "2022-06-03T12:00:00", "final_loss": 0.5, "val_rmse": 0.09}]
    forecaster.save(path)
    return path


def test_model_file(tmp_path, capsys):
    path = _model(tmp_path / "model.safetensors")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "xaqf model" in out and "'micro'" in out and "parameters" in out
    assert "73 pollutant, 70 met" in out and "any grid; step 12h" in out
    assert "data:      a test" in out
    assert "stage 'pretrain': 12 samples, 2022-06-01T00:00 ... 2022-06-03T12:00" in out
    assert "val RMSE 0.09" in out


def test_a_file_that_is_no_model(tmp_path, capsys):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"nothing")
    assert main(["info", str(path)]) == 2
    assert capsys.readouterr().err.startswith("xaqf info: error: ")
