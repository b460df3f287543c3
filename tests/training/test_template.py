"""The training templates: every field explained, each one a valid configuration."""

from __future__ import annotations

import dataclasses

import pytest

from xaqf.cli.train import TEMPLATE_NAMES
from xaqf.errors import ConfigError
from xaqf.training.config import DataConfig, StageConfig, TrainConfig
from xaqf.training.template import FIELD_NOTES, TEMPLATES, template


def test_every_field_has_a_note_and_every_note_a_field():
    fields = [prefix + f.name for cls, prefix in ((TrainConfig, ""), (DataConfig, "data."),
                                                  (StageConfig, "stages."))
              for f in dataclasses.fields(cls)]
    assert sorted(FIELD_NOTES) == sorted(fields)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_a_template_is_comments_then_its_configuration(name):
    text = template(name)
    comments = [line for line in text.splitlines() if line.startswith("//")]
    assert len(comments) == 3 + len(FIELD_NOTES)
    assert TrainConfig.from_json(text) == TEMPLATES[name][1]


def test_the_paper_template_runs_the_three_stages_on_two_stores():
    config = TrainConfig.from_json(template("paper"))
    assert config.model == "paper"
    assert [(s.name, s.store) for s in config.stage_configs()] == [
        ("pretrain", "reanalysis.zarr"), ("finetune", "analysis.zarr"),
        ("multistep", "analysis.zarr")]


def test_the_command_offers_the_templates_there_are():
    assert sorted(TEMPLATE_NAMES) == sorted(TEMPLATES)


def test_an_unknown_template_is_named():
    with pytest.raises(ConfigError, match="unknown template 'full'; choose one of"):
        template("full")
