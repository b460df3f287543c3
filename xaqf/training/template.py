"""Ready-to-edit training configurations (``xaqf train --template quick|paper``).

A template is a complete :class:`~xaqf.training.TrainConfig` as JSON, every field written
out, after a header of ``//`` comment lines that explain each field.
:meth:`TrainConfig.from_json <xaqf.training.TrainConfig.from_json>` skips such lines, so
the printed text is a configuration ``xaqf train`` reads as it is.

``quick``
    A toy world at 10 degrees and the ``tiny`` model, one short stage of 2 epochs: a try
    of the whole command in minutes on a CPU, without downloads.
``paper``
    The paper's recipe: the ``paper`` model, pretraining on a CAMS reanalysis store and
    fine-tuning (single step, then a 4-step rollout) on a CAMS analysis store, each store made
    by ``xaqf prepare``.

Examples
--------
>>> text = template("quick")
>>> text.startswith("// xaqf train configuration") and TrainConfig.from_json(text).model
'tiny'
"""

from __future__ import annotations

import dataclasses

from xaqf.errors import ConfigError
from xaqf.training.config import STAGES, DataConfig, StageConfig, TrainConfig

__all__ = ["FIELD_NOTES", "TEMPLATES", "template"]

FIELD_NOTES: dict[str, str] = {
    "data": "where the training states come from; give one source:",
    "data.store": "an analysis-ready store made by `xaqf prepare` (streamed from disk)",
    "data.toy_world": "keyword arguments of xaqf.tutorial.toy_world (generated in memory)",
    "data.cams": "pollutant files or globs (what `xaqf forecast --cams` takes), with data.met",
    "data.met": "meteorology files or globs (what `xaqf forecast --met` takes)",
    "data.statics": "optional file of the static fields, with data.cams and data.met",
    "data.emissions": "optional emission inputs {\"species\": [...], ...}; null: none",
    "data.met_preset": "the weather model the met comes from (\"pangu\"...); null: as is",
    "train_period": "[first, last] initial time of the training windows (ISO); null: all",
    "validation_period": "[first, last] of the windows scored after every epoch; null: none",
    "model": "a preset (\"tiny\", \"small\", \"paper\") or a dict of ModelConfig fields",
    "stages": "the stages, run in order on the same weights; each one has:",
    "stages.name": "its label and the name of its checkpoint sub-folder",
    "stages.max_lr": "peak learning rate of AdamW",
    "stages.epochs": "passes over the training windows",
    "stages.rollout_steps": "12-hour steps each sample is rolled out for (1: single step)",
    "stages.batch_size": "windows per optimiser step",
    "stages.weight_decay": "AdamW weight decay",
    "stages.start_lr": "learning rate at the first step (absolute)",
    "stages.final_lr": "learning rate at the last step (absolute; a half cosine from max_lr)",
    "stages.warmup_fraction": "share of the first epoch spent rising linearly to max_lr",
    "stages.checkpoint_every": "optimiser steps between checkpoints (and one per epoch)",
    "stages.seed": "seed of the data order and of torch",
    "stages.clip_grad_norm": "gradient-norm clip; null: none",
    "stages.nonfinite": "a batch with a non-finite loss: \"raise\" (stop) or \"skip\"",
    "stages.store": "this stage's own store; null: the run's data",
    "stages.run_length": "neighbouring windows kept together when shuffling (1: none)",
    "stages.precision": "\"fp32\" or \"bf16\" (autocast on a GPU)",
    "stages.activation_checkpointing": "recompute activations in the backward (less memory)",
    "stages.channels_last": "channels-last memory format (faster convolutions on GPUs)",
    "stages.trains": "\"all\" parameters, or \"met\": the met branch alone (adapt-met)",
    "stages.pollutants": "the model's pollutant variables or channels; null: all 73",
    "stages.met": "the model's met variables or channels; null: all 70",
    "output": "the trained model file (.safetensors)",
    "checkpoint_dir": "checkpoints; a re-run resumes from them and skips finished stages",
    "step": "the model's time step",
    "workers": "data-loader processes per training process (0: read in the main one)",
    "log": "JSON-lines log of every step and validation (TensorBoard too if installed)",
    "start_from": "a trained model file to adapt or fine-tune; null: a fresh model",
}
"""One line on each field of :class:`TrainConfig`, ``data`` and a stage, by dotted name."""

TEMPLATES: dict[str, tuple[str, TrainConfig]] = {
    "quick": ("a quick try on a 10-degree toy world (minutes on a CPU)", TrainConfig(
        data=DataConfig(toy_world={"resolution": 10.0, "days": 6, "seed": 0,
                                   "spinup_days": 1}),
        train_period=("2022-06-01", "2022-06-04"),
        validation_period=("2022-06-05", "2022-06-06"), model="tiny",
        stages=(StageConfig("pretrain", max_lr=1e-3, epochs=2, batch_size=2),),
        output="quick.safetensors", checkpoint_dir="quick-checkpoints",
        log="quick-log.jsonl")),
    "paper": ("the paper's recipe: pretrain on CAMS reanalysis, fine-tune on CAMS analysis",
              TrainConfig(
        data=DataConfig(), model="paper",
        stages=(dataclasses.replace(STAGES["pretrain"], store="reanalysis.zarr"),
                dataclasses.replace(STAGES["finetune"], store="analysis.zarr"),
                dataclasses.replace(STAGES["multistep"], store="analysis.zarr")),
        output="model.safetensors", checkpoint_dir="checkpoints", log="train-log.jsonl")),
}
"""The templates: a one-line purpose and the configuration."""


def _notes() -> list[str]:
    width = max(map(len, FIELD_NOTES))
    return [f"//   {name:<{width}}  {note}" for name, note in FIELD_NOTES.items()]


def template(name: str) -> str:
    """The configuration ``name`` (a key of :data:`TEMPLATES`) as commented JSON text.

    Raises
    ------
    ConfigError
        An unknown template name, listing the known ones.
    """
    if name not in TEMPLATES:
        raise ConfigError(f"unknown template {name!r}; choose one of {sorted(TEMPLATES)}")
    purpose, config = TEMPLATES[name]
    header = [f"// xaqf train configuration, template {name!r}: {purpose}.",
              "// Lines starting with // are comments. Save this as run.json, edit it, then",
              "// run `xaqf train run.json` (add --max-steps N for a short try). Fields:"]
    return "\n".join([*header, *_notes(), config.to_json()]) + "\n"
