"""The one dict / JSON round trip of the configuration dataclasses."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xaqf._utils.serialize import JsonConfig, check_keys, convert, from_dict, to_dict
from xaqf.data.inventory import SPECIES
from xaqf.errors import ConfigError
from xaqf.model.config import CONFIGS, ModelConfig
from xaqf.preprocessing.emissions import EmissionSettings
from xaqf.preprocessing.encoding import TransformSettings
from xaqf.training.config import DataConfig, EmissionInputs, StageConfig, TrainConfig

NAMES = st.text("abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=12)
PATHS = st.one_of(NAMES, st.tuples(NAMES, NAMES))
POSITIVE = st.floats(1e-8, 1.0, allow_nan=False)


@dataclass(frozen=True)
class Leaf(JsonConfig):
    size: int
    scale: float = 1.0


@dataclass(frozen=True)
class Tree(JsonConfig):
    leaf: Leaf
    name: str | Leaf = "root"
    sizes: tuple[int, ...] = ()
    pair: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        self.typed_fields()


def _json_round_trip(config):
    again = type(config).from_dict(json.loads(json.dumps(config.to_dict(), allow_nan=False)))
    assert again == config
    assert type(config).from_json(config.to_json()) == config
    return again


stages = st.builds(
    StageConfig, name=NAMES, max_lr=POSITIVE, epochs=st.integers(1, 50),
    rollout_steps=st.integers(1, 6), batch_size=st.integers(1, 8),
    weight_decay=st.floats(0, 1), clip_grad_norm=st.none() | POSITIVE,
    nonfinite=st.sampled_from(["raise", "skip"]), store=st.none() | NAMES,
    run_length=st.integers(1, 4), precision=st.sampled_from(["fp32", "bf16"]),
    activation_checkpointing=st.booleans(), channels_last=st.booleans())

models = st.builds(
    lambda base, fusion, tanh, ratio, waves, name: base.replace(
        fusion=fusion, fusion_tanh=tanh, mlp_ratio=ratio, step_wavelengths=waves, name=name),
    st.sampled_from(sorted(CONFIGS.values(), key=lambda c: c.name)),
    st.sampled_from(["bilinear", "concat", "none"]), st.booleans(), st.floats(0.5, 8),
    st.lists(st.floats(0.5, 100), max_size=4).map(tuple), NAMES)

species = st.lists(st.sampled_from(sorted(SPECIES)), min_size=1, max_size=4, unique=True)

emission_inputs = st.builds(
    EmissionInputs, species=species.map(tuple), monthly=st.booleans(),
    log_transform=st.booleans(), floor=POSITIVE, path=st.none() | PATHS)

data_configs = st.one_of(
    st.builds(DataConfig, store=NAMES, emissions=st.none() | emission_inputs),
    st.builds(DataConfig, toy_world=st.fixed_dictionaries({}, optional={
        "resolution": st.sampled_from([4.0, 10.0]), "days": st.integers(1, 9)})),
    st.builds(DataConfig, cams=PATHS, met=PATHS, statics=st.none() | NAMES),
    st.just(DataConfig()))


@st.composite
def train_configs(draw):
    data = draw(data_configs)
    days = sorted(draw(st.lists(st.dates(date(1950, 1, 1), date(2100, 1, 1)), min_size=2,
                                max_size=2)))
    store = None if data.sources else draw(NAMES)
    stage = StageConfig(name="pretrain", store=store, epochs=draw(st.integers(1, 9)))
    return TrainConfig(
        data=data, train_period=(days[0].isoformat(), days[1].isoformat()),
        model=draw(st.sampled_from(sorted(CONFIGS)) | models),
        stages=(stage,) if store else draw(st.sampled_from([("pretrain",), (stage,)])),
        output=draw(NAMES), checkpoint_dir=draw(st.none() | NAMES),
        workers=draw(st.integers(0, 4)), log=draw(st.none() | NAMES))


@given(stages)
def test_stage_configs_round_trip(stage):
    _json_round_trip(stage)


@settings(max_examples=30)
@given(models)
def test_model_configs_round_trip(model):
    assert isinstance(_json_round_trip(model).step_wavelengths, tuple)


@given(species, st.booleans(), st.booleans(), POSITIVE)
def test_emission_settings_round_trip(names, monthly, log, floor):
    _json_round_trip(EmissionSettings(names, monthly, log, floor))


@given(POSITIVE, st.none() | st.lists(NAMES, max_size=3).map(tuple))
def test_transform_settings_round_trip(floor, channels):
    settings_ = TransformSettings(floor, channels)
    assert from_dict(TransformSettings, json.loads(json.dumps(to_dict(settings_)))) == settings_


@settings(max_examples=50)
@given(data_configs)
def test_data_configs_round_trip(data):
    again = _json_round_trip(data)
    assert again.sources == data.sources


@settings(max_examples=50, deadline=None)
@given(train_configs())
def test_train_configs_round_trip(config):
    again = _json_round_trip(config)
    assert again.stage_configs() == config.stage_configs()


def test_nested_dataclasses_tuples_and_optional_fields_are_built():
    tree = Tree.from_dict({"leaf": {"size": 2}, "name": {"size": 3, "scale": 2},
                           "sizes": [1, 2], "pair": ["a", "b"]})
    assert tree == Tree(Leaf(2), Leaf(3, 2.0), (1, 2), ("a", "b"))
    assert isinstance(tree.leaf.scale, float) and isinstance(tree.name, Leaf)
    assert Tree({"size": 1}).leaf == Leaf(1)
    assert to_dict(tree) == {"leaf": {"size": 2, "scale": 1.0},
                             "name": {"size": 3, "scale": 2.0}, "sizes": [1, 2],
                             "pair": ["a", "b"]}


@pytest.mark.parametrize(("data", "message"), [
    ({"leaf": {"size": 1, "scael": 2}}, r"unknown key 'scael' in leaf; did you mean 'scale'\?"),
    ({"leaf": {"size": 1}, "nmae": "x"}, r"'nmae' in the Tree; did you mean 'name'\?"),
    ({"leaf": {"size": 1}, "zzz": 1}, r"unknown key 'zzz' in the Tree; Known keys"),
    ({"leaf": {}}, r"leaf lacks \['size'\]"),
    ({"leaf": [1]}, r"leaf must be a JSON object"),
    ({"leaf": {"size": "1"}}, r"size must be int, got str '1'"),
    ({"leaf": {"size": True}}, r"size must be int, got bool"),
    ({"leaf": {"size": 1}, "sizes": [1, "x"]}, r"sizes\[1\] must be int"),
    ({"leaf": {"size": 1}, "pair": ["a"]}, r"pair must have 2 entries, got 1"),
    ({"leaf": {"size": 1}, "name": 3}, r"name must be str \| Leaf, got int 3"),
])
def test_bad_data_is_refused_naming_the_key_and_where(data, message):
    with pytest.raises(ConfigError, match=message):
        Tree.from_dict(data)


def test_check_keys_suggests_only_close_keys():
    check_keys(["store"], ["store", "statics"], "data")
    with pytest.raises(ConfigError, match="did you mean 'statics'"):
        check_keys(["static"], ["store", "statics"], "data")
    with pytest.raises(ConfigError, match=r"'banana' in data; Known keys"):
        check_keys(["banana"], ["store", "statics"], "data")


def test_convert_literals_and_unions():
    assert convert(None, int | None, "x") is None
    assert convert(2, float | None, "x") == 2.0
    with pytest.raises(ConfigError, match=r"fusion must be one of \['bilinear', 'concat', "
                                          r"'none'\], got 'sum'"):
        ModelConfig(fusion="sum")


def test_from_json_names_the_file_of_bad_json(tmp_path):
    path = tmp_path / "run.json"
    path.write_text("{bad")
    with pytest.raises(ConfigError, match=r"invalid JSON in .*run\.json"):
        TrainConfig.from_json(path)
    with pytest.raises(ConfigError, match=r"nowhere\.json not found"):
        TrainConfig.from_json(tmp_path / "nowhere.json")


@settings(max_examples=30)
@given(models, stages, species, st.none() | st.lists(NAMES, max_size=3).map(tuple))
def test_the_stored_json_is_what_earlier_versions_wrote(model, stage, names, channels):
    """Model files and checkpoints keep their JSON: as ``dataclasses.asdict`` wrote it."""
    for config in (model, stage, EmissionSettings(names), TransformSettings(1e-3, channels)):
        assert json.dumps(to_dict(config)) == json.dumps(dataclasses.asdict(config))
