"""TrainConfig: its typed data entry, periods and stages, refused early with the fix."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from xaqf.errors import ConfigError
from xaqf.model import get_config
from xaqf.training import TrainConfig
from xaqf.training.config import DataConfig, EmissionInputs, StageConfig
from xaqf.training.run import load_inputs

DOCS = Path(__file__).parents[2] / "docs"


def test_the_data_entry_is_typed():
    config = TrainConfig(data={"cams": ["a.nc", "b.nc"], "met": "m*.nc", "statics": "s.nc",
                               "emissions": {"species": ["nox"], "path": "emi.nc"}})
    assert config.data == DataConfig(cams=("a.nc", "b.nc"), met="m*.nc", statics="s.nc",
                                     emissions=EmissionInputs(("nox",), path="emi.nc"))
    assert config.data.sources == ("cams", "met")
    assert config.data.emissions is not None
    assert config.data.emissions.settings.variables == ("emi_nox",)
    assert TrainConfig().data == DataConfig(toy_world={})


@pytest.mark.parametrize(("data", "message"), [
    ({"static": "s.nc"}, r"unknown key 'static' in data; did you mean 'statics'\?"),
    ({"stores": "s.zarr"}, r"unknown key 'stores' in data; did you mean 'store'\?"),
    ({"toy_world": {"day": 3}}, r"'day' in data.toy_world; did you mean 'days'\?"),
    ({"store": "s", "emissions": {"specie": ["co"]}},
     r"'specie' in data.emissions; did you mean 'species'\?"),
    ({"store": 3}, r"data.store must be str \| null, got int 3"),
    ({"cams": "c.nc", "met": 4}, r"data.met must be str \| tuple\[str, \.\.\.\] \| null"),
    ({"store": "s", "emissions": {"species": ["co"], "monthly": "yes"}},
     r"data.emissions.monthly must be bool"),
])
def test_a_wrong_data_entry_is_refused_naming_the_key(data, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(data=data)
    with pytest.raises(ConfigError, match=message):
        TrainConfig.from_dict({"data": data})


@pytest.mark.parametrize("extra", [{"cams": "c.nc", "met": "m.nc"}, {"met": "m.nc"},
                                   {"statics": "s.nc"}])
def test_files_next_to_a_store_are_refused_saying_the_store_is_read(extra):
    with pytest.raises(ConfigError, match=r"training reads the store .*would ignore the "
                                          r"files; remove 'cams', 'met' and 'statics', or "
                                          r"'store'"):
        TrainConfig(data={"store": "train.zarr", **extra})


@pytest.mark.parametrize(("data", "message"), [
    ({"toy_world": {}, "cams": "c.nc", "met": "m.nc"}, r"keep 'toy_world' alone"),
    ({"cams": "c.nc"}, r"data gives 'cams' without 'met'"),
    ({"met": "m.nc"}, r"data gives 'met' without 'cams'"),
    ({"statics": "s.nc"}, r"data.statics is read with 'cams' and 'met' only"),
    ({"cams": "c.nc", "met": "m.nc", "emissions": {"species": ["co"]}},
     r"data.emissions needs 'path'"),
    ({"store": "s", "emissions": {"species": ["co"], "path": "e.nc", "cams_glob_ant": "g"}},
     r"both 'path' and 'cams_glob_ant'"),
])
def test_contradicting_sources_are_refused(data, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(data=data)


def test_a_reversed_period_is_refused_naming_both_dates():
    with pytest.raises(ConfigError, match=r"validation_period ends \(2022-01-31\) before it "
                                          r"starts \(2022-02-01\)"):
        TrainConfig(validation_period=["2022-02-01", "2022-01-31"])
    with pytest.raises(ConfigError, match=r"train_period ends \(2022-06-01T00\) before it "
                                          r"starts \(2022-06-01T12\)"):
        TrainConfig.from_json('{"train_period": ["2022-06-01T12", "2022-06-01T00"]}')
    assert TrainConfig(train_period=["2022-06-01", "2022-06-01"]).train_period == (
        "2022-06-01", "2022-06-01")


@pytest.mark.parametrize(("period", "message"), [
    (["2022-01-01"], "must have 2 entries"), (["2022-01-01", "soon"], "not two ISO dates"),
    ("2022", r"must be tuple\[str, str\] \| null")])
def test_a_malformed_period_is_refused(period, message):
    with pytest.raises(ConfigError, match=f"train_period {message}|train_period.*{message}"):
        TrainConfig(train_period=period)


@pytest.mark.parametrize("step", ["12 hours later", "", "-12h"])
def test_a_step_that_is_no_duration_is_refused(step):
    with pytest.raises(ConfigError, match=f"step '{step}' is not a positive time step"):
        TrainConfig(step=step)


def test_stages_without_any_data_are_refused():
    with pytest.raises(ConfigError, match=r"stage\(s\) \['pretrain'\] name no store and data "
                                          r"gives none"):
        TrainConfig(data={}, stages=["pretrain"])
    config = TrainConfig(data={}, stages=[{"name": "pretrain", "store": "s.zarr"}])
    assert config.stage_configs()[0].store == "s.zarr"


def test_model_and_stages_are_typed_and_checked_on_construction():
    config = TrainConfig(model=get_config("tiny").to_dict(), stages=[{"name": "pretrain"}])
    assert config.model == get_config("tiny")
    assert config.stages == (StageConfig("pretrain"),)
    with pytest.raises(ConfigError, match=r"unknown key 'widht' in model; did you mean "
                                          r"'width"):
        TrainConfig(model={"widht": [8, 16]})
    with pytest.raises(ConfigError, match=r"unknown key 'epoch' in stages\[1\]; did you mean "
                                          r"'epochs'"):
        TrainConfig.from_dict({"stages": ["pretrain", {"name": "finetune", "epoch": 1}]})
    with pytest.raises(ConfigError, match="unknown stage 'pretrian'; did you mean 'pretrain'"):
        TrainConfig(stages=["pretrian"])


def test_the_documented_configs_load():
    paper = TrainConfig.from_json(DOCS / "examples" / "train_paper.json")
    assert paper.data == DataConfig()
    assert [stage.name for stage in paper.stage_configs()] == ["pretrain", "finetune",
                                                                "multistep"]
    assert TrainConfig.from_dict(paper.to_dict()) == paper


@pytest.mark.parametrize("page", ["training.rst", "real-data.rst"])
def test_the_json_configs_of_the_docs_load(page):
    blocks = re.findall(r"\.\. code-block:: json\n\n((?:   .*\n|\n)+)", (DOCS / page).read_text())
    assert blocks
    for block in blocks:
        config = TrainConfig.from_dict(json.loads(block))
        assert TrainConfig.from_json(config.to_json()) == config


def test_the_toy_world_entry_gives_its_own_emissions():
    world = {"resolution": 10.0, "days": 2, "spinup_days": 1}
    cams, met, statics, emissions = load_inputs(DataConfig(toy_world=world))
    assert emissions is None and statics is not None
    with_emissions = DataConfig(toy_world=world, emissions=EmissionInputs(("co",)))
    emissions = load_inputs(with_emissions)[3]
    assert emissions is not None and "emi_co" in emissions
    assert cams.sizes["latitude"] == 19


def test_comment_lines_are_skipped_in_a_config_file(tmp_path):
    path = tmp_path / "run.json"
    path.write_text('// the model\n{\n  // a preset\n  "model": "tiny"\n}\n')
    assert TrainConfig.from_json(path).model == "tiny"


def test_invalid_json_names_the_config_file(tmp_path):
    path = tmp_path / "run.json"
    path.write_text('// the model\n{"model": tiny}\n')
    with pytest.raises(ConfigError, match=f"invalid JSON in {path}: .* line 2"):
        TrainConfig.from_json(path)
