"""A run's stages name the variable sets of its model."""

from __future__ import annotations

import pytest

from tests.helpers import micro_config
from xaqf.errors import ConfigError
from xaqf.training import StageConfig, TrainConfig
from xaqf.training.run import plan_stages, variable_sets

PM = ("pm1", "pm2p5", "pm10")


def _config(*stages: dict) -> TrainConfig:
    return TrainConfig(data={"toy_world": {"resolution": 30.0, "days": 3, "spinup_days": 0}},
                       model=micro_config().to_dict(), stages=list(stages),
                       checkpoint_dir=None)


def test_the_sets_a_stage_names_build_the_model_and_its_windows():
    stage = {"name": "pretrain", "epochs": 1, "pollutants": ["pm10", "pm1", "pm2p5"],
             "met": ["t2m", "t_850"]}
    ((forecaster, windows, _),) = plan_stages(_config(stage))
    assert forecaster.pollutant_channels == PM
    assert forecaster.met_channels == ("t2m", "t_850")
    assert windows[0].p_now.shape[0] == 3 and windows[0].met.shape[1] == 2


def test_stages_naming_different_sets_are_refused_and_sets_round_trip():
    first = StageConfig.from_dict({"name": "pretrain", "pollutants": list(PM)})
    assert first.pollutants == PM and StageConfig.from_json(first.to_json()) == first
    finetune = StageConfig("finetune", pollutants=("pm10",))
    assert variable_sets([first, StageConfig("multistep")]) == (PM, None)
    with pytest.raises(ConfigError, match="different pollutants"):
        variable_sets([first, finetune])
