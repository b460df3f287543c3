"""Training windows, stage configs, checkpoints and the exact resume of the loop."""

from __future__ import annotations

import copy
import pickle

import pandas as pd
import pytest
import torch
import xarray as xr

from tests.helpers import cams_and_met, micro_config
from xaqf.errors import ConfigError, MissingTimeError, ModelFileError
from xaqf.forecaster import Forecaster
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.training import (
    StageConfig,
    TrainConfig,
    Trainer,
    WindowDataset,
    load_checkpoint,
    stage_config,
    train_stage,
)
from xaqf.training.dataset import Window, collate

MICRO = micro_config()
TIMES = pd.date_range("2022-06-01", periods=8, freq="12h")


@pytest.fixture(scope="module")
def data() -> tuple[xr.Dataset, xr.Dataset]:
    return cams_and_met(TIMES)


@pytest.fixture
def forecaster(data) -> Forecaster:
    cams, met = data
    stats = compute_model_stats(cams, met)
    return Forecaster.from_config(MICRO, stats, seed=0)


def test_single_step_windows(forecaster, data):
    dataset = WindowDataset(forecaster, *data)
    assert len(dataset) == 6  # every t with t - 12 h and t + 12 h
    item = dataset[0]
    assert item.p_prev.shape == (73, 7, 12) and item.met.shape == (2, 70, 7, 12)
    assert item.target.shape == (1, 73, 7, 12) and item.statics.shape == (1, 6, 7, 12)
    assert item.time_features.tolist() == [[12.0, 152.0, 0.0]]
    assert item.init_time == TIMES[1].to_datetime64()
    expected = forecaster.encoding.encode_pollutants(torch.as_tensor(
        data[0].aqf.to_channels().isel(time=2).values))
    torch.testing.assert_close(item.target[0], expected)


def test_multi_step_windows_and_cache_agree(forecaster, data):
    lazy = WindowDataset(forecaster, *data, rollout_steps=3)
    cached = WindowDataset(forecaster, *data, rollout_steps=3, cache=True)
    assert len(lazy) == 4
    assert lazy[1].time_features[:, 2].tolist() == [0.0, 1.0, 2.0]
    for key, value in lazy[1].tensors.items():
        torch.testing.assert_close(getattr(cached[1], key), value)


def test_windows_batch_through_a_dataloader(forecaster, data):
    dataset = WindowDataset(forecaster, *data, rollout_steps=2, cache=True)
    restored = pickle.loads(pickle.dumps(dataset))
    loader = torch.utils.data.DataLoader(restored, batch_size=3, collate_fn=collate)
    batch = next(iter(loader))
    assert isinstance(batch, Window)
    assert batch.met.shape == (3, 3, 70, 7, 12) and batch.target.shape == (3, 2, 73, 7, 12)
    assert list(batch.init_time) == list(dataset.init_times[:3])
    torch.testing.assert_close(batch.p_now[2], dataset[2].p_now)


def test_missing_window_time_is_named(forecaster, data):
    cams, met = data
    with pytest.raises(MissingTimeError, match="met has no time 2022-06-01 12:00:00"):
        WindowDataset(forecaster, cams, met.drop_sel(time=TIMES[1]), init_times=TIMES[1])
    with pytest.raises(MissingTimeError, match=r"cams has no time 2022-06-01 00:00:00 \(the "
                       r"previous state for the training window from 2022-06-01 12:00:00"):
        WindowDataset(forecaster, cams.drop_sel(time=TIMES[0]), met, init_times=TIMES[1:3])
    dataset = WindowDataset(forecaster, cams, met.drop_sel(time=TIMES[4]), rollout_steps=2)
    assert list(dataset.init_times) == [TIMES[1].to_datetime64(), TIMES[5].to_datetime64()]
    with pytest.raises(MissingTimeError, match="no complete training window of 9 step"):
        WindowDataset(forecaster, cams, met, rollout_steps=9)


def test_resume_continues_the_same_loss_trajectory(forecaster, data, tmp_path):
    dataset = WindowDataset(forecaster, *data, rollout_steps=2, cache=True)  # 5 windows
    stage = stage_config("multistep", epochs=3, batch_size=2, rollout_steps=2,
                         checkpoint_every=2, max_lr=1e-3)
    straight = Trainer(copy.deepcopy(forecaster), dataset, stage, progress=False).fit(
        max_steps=6)
    first = Trainer(copy.deepcopy(forecaster), dataset, stage, checkpoint_dir=tmp_path,
                    progress=False).fit(max_steps=3)
    assert len(first.losses) == 3
    resumed = Trainer(copy.deepcopy(forecaster), dataset, stage, checkpoint_dir=tmp_path,
                      progress=False).fit(max_steps=6)
    assert resumed.losses == straight.losses  # bit for bit
    assert len(set(straight.losses)) == 6


def test_training_lowers_the_loss_and_records_provenance(forecaster, data):
    dataset = WindowDataset(forecaster, *data, cache=True)
    stage = stage_config("pretrain", epochs=4, batch_size=3, max_lr=3e-3)
    history = train_stage(forecaster, dataset, stage, validation=dataset, progress=False)
    assert len(history.val_rmse) == 4 and history.val_rmse[-1] < history.val_rmse_base[-1]
    assert forecaster.provenance["stages"][0]["stage"]["name"] == "pretrain"


def test_checkpoint_of_another_model_is_refused(forecaster, data, tmp_path):
    dataset = WindowDataset(forecaster, *data, cache=True)
    Trainer(forecaster, dataset, stage_config("pretrain", epochs=1), checkpoint_dir=tmp_path,
            progress=False).fit()
    other = Forecaster.from_config(MICRO.replace(widths=(8, 24)), forecaster.stats)
    with pytest.raises(ModelFileError, match="written for model config"):
        load_checkpoint(tmp_path / "checkpoint.safetensors", model=other.net)


def test_stage_configs_round_trip_and_presets():
    assert (stage_config("pretrain").max_lr, stage_config("pretrain").epochs) == (2.5e-4, 40)
    assert (stage_config("finetune").max_lr, stage_config("finetune").epochs) == (1e-5, 100)
    multistep = stage_config("multistep")
    assert (multistep.max_lr, multistep.epochs, multistep.rollout_steps) == (1e-5, 20, 4)
    assert StageConfig.from_json(multistep.to_json()) == multistep
    config = TrainConfig(stages=["pretrain", {"name": "x", "max_lr": 1e-3, "epochs": 2}])
    assert TrainConfig.from_json(config.to_json()) == config
    assert config.stage_configs()[1].epochs == 2
    with pytest.raises(ConfigError, match="unknown key .lr. in the StageConfig"):
        StageConfig.from_dict({"lr": 1.0})
    with pytest.raises(ConfigError, match="unknown stage"):
        stage_config("warmup")
