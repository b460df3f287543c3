"""Variable sets belong to the model: subsets of pollutants and met, saved, loaded, checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from tests.helpers import cams_and_met, micro_config
from xaqf import metrics
from xaqf._utils.tensor_file import read_file, write_file
from xaqf.errors import ConfigError, MissingVariableError, ModelFileError
from xaqf.forecaster import Forecaster
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.training import WindowDataset, stage_config, train_stage
from xaqf.variables import MET_CHANNELS, POLLUTANT_CHANNELS, PRESSURE_LEVELS

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TIMES = pd.date_range("2022-06-01", periods=4, freq="12h")
PM = ("pm1", "pm2p5", "pm10")
MET = ("t2m", "u10", "v10", "t")


@pytest.fixture(scope="module")
def data() -> tuple[xr.Dataset, xr.Dataset]:
    return cams_and_met(TIMES)


@pytest.fixture(scope="module")
def stats(data) -> xr.Dataset:
    return compute_model_stats(*data).compute()


def test_a_model_file_written_before_the_sets_loads_and_forecasts_identically(data):
    # model_21c14f5.safetensors and its forecast were written by xaqf at commit 21c14f5
    loaded = Forecaster.load(SAMPLES / "model_21c14f5.safetensors")
    assert (loaded.pollutant_channels, loaded.met_channels) == (POLLUTANT_CHANNELS,
                                                                MET_CHANNELS)
    forecast = loaded.predict(*data, steps=2, progress=False)
    expected = np.load(SAMPLES / "forecast_21c14f5.npz")
    assert set(forecast.data_vars) | {"init_time", "lead_time"} == set(expected.files)
    for name in expected.files:
        np.testing.assert_array_equal(forecast[name].values, expected[name])


def test_sets_take_variable_or_channel_names_and_fix_the_network_widths(stats):
    fc = Forecaster.from_config(micro_config(), stats, pollutants=["pm10", "pm1", "pm2p5"],
                                met=["t_850", "t2m", "u10"], seed=0)
    assert fc.pollutant_channels == PM  # catalogue order
    assert fc.met_channels == ("t2m", "u10", "t_850")
    assert (fc.config.pollutant_channels, fc.config.met_channels) == (3, 3)
    assert fc.stats["channel"].values.tolist() == [*PM, "t2m", "u10", "t_850"]
    assert fc.grey_line == frozenset(PM)  # the grey-line set follows the subset
    whole_t = Forecaster.from_config(micro_config(), stats, pollutants=["go3"], met=["t"])
    assert whole_t.met_channels == tuple(f"t_{int(level)}" for level in PRESSURE_LEVELS)
    assert whole_t.grey_line == frozenset()
    with pytest.raises(AttributeError):
        fc.pollutant_channels = POLLUTANT_CHANNELS  # type: ignore[misc]
    for bad in (["pm25"], [], ["t2m"]):
        with pytest.raises(ConfigError, match="pollutants"):
            Forecaster.from_config(micro_config(), stats, pollutants=bad)


def test_a_model_file_whose_channel_lists_disagree_with_its_weights_is_refused(stats,
                                                                                tmp_path):
    path = Forecaster.from_config(micro_config(), stats, pollutants=PM, met=MET,
                                  seed=0).save(tmp_path / "pm.safetensors")
    tensors, document = read_file(path)
    document["pollutant_channels"] = ["pm1", "pm2p5"]
    broken = write_file(tmp_path / "broken.safetensors", tensors, document)
    with pytest.raises(ModelFileError, match=r"broken\.safetensors.*pollutant channels"):
        Forecaster.load(broken)


def test_predict_names_the_met_variables_the_model_needs(data, stats):
    cams, met = data
    fc = Forecaster.from_config(micro_config(), stats, pollutants=PM, met=MET, seed=0)
    with pytest.raises(MissingVariableError) as caught:
        fc.predict(cams, met.drop_vars(["t", "u10"]), steps=1, progress=False)
    message = str(caught.value)
    assert "['u10', 't']" in message and "variables=" not in message
    assert "met" in message


def test_a_pm_only_model_trains_saves_loads_forecasts_and_is_scored(data, stats, tmp_path):
    cams, met = data
    cams_pm, met_few = cams[list(PM)], met[list(MET)]
    fc = Forecaster.from_config(micro_config(), stats, pollutants=PM, met=MET, seed=0)
    windows = WindowDataset(fc, cams_pm, met_few)
    assert windows[0].p_now.shape[0] == 3 and windows[0].met.shape[1] == 3 + 13
    history = train_stage(fc, windows, stage_config("pretrain", epochs=2, batch_size=1,
                                                    max_lr=1e-3), progress=False)
    assert np.isfinite(history.losses).all()
    loaded = Forecaster.load(fc.save(tmp_path / "pm.safetensors"))
    assert loaded.pollutant_channels == PM and loaded.met_channels == fc.met_channels
    forecast = loaded.predict(cams_pm, met_few, steps=2, progress=False)
    assert set(forecast.data_vars) == set(PM)
    with torch.no_grad():
        again = fc.predict(cams_pm, met_few, steps=2, progress=False)
    xr.testing.assert_identical(forecast.drop_attrs(), again.drop_attrs())
    scores = metrics.rmse(forecast, cams_pm)  # the truth along time, matched by valid time
    assert set(scores.data_vars) == set(PM)
    assert all(np.isfinite(scores[name].values).all() for name in PM)
