"""The shipped demo models: they load by name, carry their provenance and stated skill,
forecast, and a rebuild (slow) reproduces that skill."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import xaqf
from xaqf.errors import ConfigError
from xaqf.tutorial import load_model, models, toy_world

SKILL_TOLERANCE = 0.03
"""How far (absolute) a recomputed mean normalised RMSE may lie from the stored one: the
stored weights give the stored skill to float32 rounding; a rebuild from scratch repeats the
training with the same seeds, but thread counts change the order of float sums."""


@pytest.fixture(scope="module", params=sorted(models.DEMO_MODELS))
def shipped(request) -> tuple[str, xaqf.Forecaster]:
    return request.param, load_model(request.param, device="cpu")


def test_every_shipped_model_is_a_file_of_the_package():
    for name in models.DEMO_MODELS:
        path = models.model_path(name)
        assert path.is_file() and path.parent.parent == Path(xaqf.tutorial.__file__).parent
        assert path.stat().st_size < 4e6, "weights are stored as float16 (a few MB)"


def test_an_unknown_name_is_refused_with_the_known_ones():
    with pytest.raises(ConfigError, match="demo-met"):
        load_model("demo-metro")


def test_a_shipped_model_records_its_provenance_and_skill(shipped):
    name, forecaster = shipped
    record = forecaster.provenance
    assert forecaster.config.name == name and record["recipe"]["model"] == "small"
    assert forecaster.config.fusion == record["fusion"] == models.DEMO_MODELS[name]
    assert record["world"] == {"resolution": 4.0, "days": 60, "seed": 0}
    assert record["xaqf_version"] and len(record["test_inits"]) == 8
    assert [s["name"] for s in record["recipe"]["stages"]] == ["pretrain", "multistep"]
    skill = record["skill"]
    assert skill["lead_hours"] == list(range(12, 121, 12))
    assert all(0 < v < 2 for v in skill["mean_normalized_rmse"])


def test_the_stated_skill_ranks_bilinear_then_concat_then_no_met_at_120_h():
    at_120 = {name: load_model(name).provenance["skill"]["mean_normalized_rmse"][-1]
              for name in models.DEMO_MODELS}
    assert at_120["demo-met"] < at_120["demo-concat"] < at_120["demo-no-met"], at_120
    assert at_120["demo-met"] < 1, "the met-coupled model beats persistence on average"


@pytest.fixture(scope="module")
def small_world() -> xaqf.tutorial.ToyWorld:
    return toy_world(4.0, days=1, seed=1, spinup_days=0, init_times=["2022-06-01T12"])


def test_a_shipped_model_forecasts_a_small_toy_world(shipped, small_world):
    _, forecaster = shipped
    forecast = forecaster.predict(small_world.cams, small_world.fuxi, steps=2, progress=False)
    assert forecast.sizes["lead_time"] == 2
    assert np.isfinite(forecast["pm2p5"]).all() and float(forecast["pm2p5"].min()) >= 0


@pytest.mark.slow
def test_a_shipped_model_has_its_stated_skill_on_the_held_out_days(shipped):
    _, forecaster = shipped
    world = models.demo_world(forecaster)
    skill = models.skill_record(models.held_out_skill(forecaster, world))
    np.testing.assert_allclose(skill["mean_normalized_rmse"],
                               forecaster.provenance["skill"]["mean_normalized_rmse"], atol=1e-3)


def _build_script():
    path = Path(__file__).parents[2] / "benchmarks" / "build_demo_models.py"
    spec = importlib.util.spec_from_file_location("build_demo_models", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.rebuild
def test_a_rebuild_reproduces_the_stored_skill(tmp_path):
    from xaqf.demo import Recipe
    from xaqf.training import StageConfig

    stored = load_model("demo-met").provenance
    recipe = Recipe(stages=tuple(StageConfig(**stage) for stage in stored["recipe"]["stages"]))
    assert dataclasses.asdict(recipe) == stored["recipe"]
    rebuilt = _build_script().build(tmp_path, list(models.DEMO_MODELS), recipe, progress=False)
    for name, skill in rebuilt.items():
        expected = load_model(name).provenance["skill"]["mean_normalized_rmse"]
        np.testing.assert_allclose(skill["mean_normalized_rmse"], expected,
                                   atol=SKILL_TOLERANCE, err_msg=name)
