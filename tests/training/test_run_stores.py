"""Training from stores: per-stage stores and statistics, and the errors before training."""

from __future__ import annotations

import pytest

from tests.helpers import micro_config
from tests.training.conftest import make_store
from xaqf.errors import ConfigError, GridMismatchError, StoreError
from xaqf.store import open_store
from xaqf.training import TrainConfig
from xaqf.training.run import plan_stages, run_training


def _config(tmp_path, data, stages, **kw) -> TrainConfig:
    return TrainConfig(data=data, model=micro_config().to_dict(), stages=stages,
                       output=str(tmp_path / "m.safetensors"),
                       checkpoint_dir=str(tmp_path / "ck"), **kw)


def _stage(name, store=None, **kw):
    return {"name": name, "epochs": 1, "batch_size": 2, "store": store, **kw}


def test_each_stage_takes_its_store_statistics_and_the_model_keeps_the_last(toy_store,
                                                                           tmp_path):
    other = make_store(tmp_path / "analysis", seed=5)
    cfg = _config(tmp_path, {}, [_stage("pretrain", str(toy_store)),
                                 _stage("finetune", str(other))], log=str(tmp_path / "l.jsonl"))
    (first, _, _), (second, _, _) = plan_stages(cfg)
    stats = open_store(other)["stats"].to_dataset()
    assert not first.stats["std"].equals(second.stats["std"])
    forecaster = run_training(cfg, progress=False)
    assert (forecaster.stats["std"].values == stats["std"].values).all()
    assert [s["stage"]["name"] for s in forecaster.provenance["stages"]] == ["pretrain",
                                                                          "finetune"]
    assert (tmp_path / "l.jsonl").read_text().count('"finetune"') >= 1


def test_a_missing_store_is_named_before_training(tmp_path):
    cfg = _config(tmp_path, {"store": str(tmp_path / "nowhere.zarr")}, ["pretrain"])
    with pytest.raises(ConfigError, match=r"stage 'pretrain'.*nowhere.zarr does not exist"):
        run_training(cfg, progress=False)
    assert not (tmp_path / "ck").exists()


def test_a_folder_that_is_no_store_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError, match="not an xaqf training store"):
        plan_stages(_config(tmp_path, {"store": str(tmp_path / "empty")}, ["pretrain"]))


def test_a_store_on_another_grid_is_refused(toy_store, tmp_path):
    coarse = make_store(tmp_path / "coarse", nlat=5, nlon=8)
    cfg = _config(tmp_path, {}, [_stage("pretrain", str(toy_store)),
                                 _stage("finetune", str(coarse))])
    with pytest.raises(GridMismatchError, match=r"coarse.*5 x 8 grid"):
        plan_stages(cfg)


@pytest.mark.parametrize(("stages", "message"), [
    (["finetune", "pretrain"], "'pretrain' must come first"),
    (["pretrain", "pretrain"], "used twice"),
    (["multistep", {"name": "finetune", "rollout_steps": 1}], "order the stages by rollout"),
])
def test_impossible_stage_orders_are_refused(tmp_path, stages, message):
    with pytest.raises(ConfigError, match=message):
        _config(tmp_path, {"store": "x"}, stages).stage_configs()


def test_a_validation_period_without_windows_is_refused_before_training(toy_store, tmp_path):
    cfg = _config(tmp_path, {"store": str(toy_store)}, ["pretrain"],
                  validation_period=["2022-06-04T12", "2022-06-04T12"])
    with pytest.raises(Exception, match="no complete training window"):
        run_training(cfg, progress=False)
    assert not (tmp_path / "ck").exists()
