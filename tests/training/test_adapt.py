"""Adapting a trained model to another weather model's met (the "adapt-met" stage)."""

from __future__ import annotations

import pytest
import torch

from tests.helpers import micro_config
from xaqf import Forecaster
from xaqf.errors import ConfigError, MissingVariableError
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.training import TrainConfig, WindowDataset, stage_config, train_stage
from xaqf.training.adapt import adapt_met
from xaqf.training.run import run_training
from xaqf.tutorial import preset_met, toy_world

WORLD = {"resolution": 30.0, "days": 3, "spinup_days": 0, "seed": 2}


@pytest.fixture(scope="module")
def world():
    return toy_world(**WORLD)


@pytest.fixture(scope="module")
def trained(world, tmp_path_factory):
    """A micro model "trained" on the world's FuXi-like met, saved."""
    fc = Forecaster.from_config(micro_config(), compute_model_stats(world.cams, world.era5),
                                statics=world.statics, seed=0)
    path = tmp_path_factory.mktemp("model") / "fuxi.safetensors"
    fc.save(path)
    return path


def test_pangu_met_drops_precipitation_and_keeps_the_rest(world, trained):
    fc = Forecaster.load(trained)
    adapted = adapt_met(fc, preset_met(world.era5, "pangu"))
    assert adapted.met_channels == tuple(c for c in fc.met_channels if c != "tp")
    assert "tp" not in adapted.stats["channel"].values
    assert adapted.provenance["adapted_from"]["met_channels"] == list(fc.met_channels)
    pangu = preset_met(world.era5, "pangu")
    forecast = adapted.predict(world.cams, pangu, steps=2, init_times=world.cams.time[2:3],
                               progress=False)
    assert forecast.sizes["lead_time"] == 2 and bool(forecast["pm2p5"].notnull().all())
    with pytest.raises(MissingVariableError, match="tp"):
        fc.predict(world.cams, pangu, steps=1, init_times=world.cams.time[2:3], progress=False)


def test_adapting_trains_only_the_met_branch(world, trained):
    adapted = adapt_met(Forecaster.load(trained), preset_met(world.era5, "pangu"))
    before = {name: p.detach().clone() for name, p in adapted.net.named_parameters()}
    met = adapted.met_channels
    from xaqf.data.presets import resolve_met

    windows = WindowDataset(adapted, world.cams, resolve_met(preset_met(world.era5, "pangu"),
                                                             met))
    train_stage(adapted, windows, stage_config("adapt-met", epochs=1, batch_size=2),
                progress=False)
    changed = [name for name, p in adapted.net.named_parameters()
               if not torch.equal(p, before[name])]
    assert changed and all(name.startswith("fusion.proj_q") for name in changed)


def test_adapt_met_from_a_training_config(world, trained, tmp_path):
    output = tmp_path / "pangu.safetensors"
    config = TrainConfig(data={"toy_world": WORLD, "met_preset": "pangu"},
                         stages=[{"name": "adapt-met", "trains": "met", "epochs": 1,
                                  "batch_size": 2, "max_lr": 1e-3}],
                         start_from=str(trained), output=str(output), checkpoint_dir=None)
    run_training(config, progress=False)
    adapted, original = Forecaster.load(output), Forecaster.load(trained)
    assert "tp" not in adapted.met_channels and len(adapted.met_channels) == 69
    shared = {n: p for n, p in original.net.named_parameters() if not n.startswith("fusion.proj_q")}
    assert all(torch.equal(p, shared[n]) for n, p in adapted.net.named_parameters()
               if n in shared)


def test_stage_naming_a_channel_the_met_lacks_is_refused(world, trained):
    with pytest.raises(MissingVariableError, match=r"\['tp'\]"):
        adapt_met(Forecaster.load(trained), preset_met(world.era5, "pangu"),
                  ["z", "t", "u", "v", "r", "tp"])


def test_met_only_stages_need_a_model_and_run_alone(trained):
    with pytest.raises(ConfigError, match="start_from"):
        TrainConfig(stages=["adapt-met"])
    with pytest.raises(ConfigError, match="run of its own"):
        TrainConfig(stages=["finetune", "adapt-met"], start_from=str(trained))
    with pytest.raises(ConfigError, match="trains must be one of"):
        stage_config("finetune", trains="fusion")
