"""Training configurations: one dataclass per stage, one for a whole run, both JSON-able.

The paper trains in stages; the presets below carry its settings (epochs, peak learning
rate). Batch size, checkpoint interval and seed are xaqf's choices.

=============  ========  ======  ==============  ======================================
stage          max lr    epochs  rollout steps   data (paper)
=============  ========  ======  ==============  ======================================
``pretrain``   2.5e-4    40      1               CAMS reanalysis, 9 years
``finetune``   1e-5      100     1               CAMS analysis, 1.5 years
``multistep``  1e-5      20      k (default 4)   CAMS analysis, rollout of k steps
=============  ========  ======  ==============  ======================================

Examples
--------
>>> stage = stage_config("multistep", rollout_steps=3)
>>> stage.max_lr, stage.epochs, stage.rollout_steps
(1e-05, 20, 3)
>>> StageConfig.from_json(stage.to_json()) == stage
True
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from xaqf.errors import ConfigError
from xaqf.training.schedule import FINAL_LR, START_LR, WARMUP_FRACTION

T = TypeVar("T", bound="_JsonConfig")


class _JsonConfig:
    """Dict / JSON round trip shared by the configuration dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form (JSON-serialisable)."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    def to_json(self, path: str | Path | None = None) -> str:
        """JSON text; also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            Path(path).write_text(text + "\n")
        return text

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        """Build from :meth:`to_dict` output; unknown keys raise :class:`ConfigError`."""
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown {cls.__name__} keys {unknown}; known: {sorted(known)}")
        return cls(**data)

    @classmethod
    def from_json(cls: type[T], text_or_path: str | Path) -> T:
        """Build from JSON text or a path to a JSON file."""
        text = str(text_or_path)
        if not text.lstrip().startswith("{"):
            path = Path(text_or_path)
            if not path.is_file():
                raise ConfigError(f"configuration file {path} not found")
            text = path.read_text()
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as err:
            raise ConfigError(f"invalid JSON in {cls.__name__} configuration: {err}") from None


@dataclass(frozen=True)
class StageConfig(_JsonConfig):
    """One training stage.

    Parameters
    ----------
    name
        Free label, stored in the model's training provenance.
    max_lr
        Peak learning rate (AdamW).
    epochs
        Passes over the training windows.
    rollout_steps
        Steps the model is rolled out for in each sample (1 = single-step training).
    batch_size
        Samples per optimiser step.
    weight_decay
        AdamW weight decay.
    start_lr, final_lr, warmup_fraction
        Schedule (see :func:`xaqf.training.schedule.learning_rate`).
    checkpoint_every
        Write a checkpoint every this many optimiser steps (and at the end of each epoch).
    seed
        Seeds the data order and torch's random state.
    clip_grad_norm
        Clip the gradient norm to this value; ``None`` disables clipping.
    """

    name: str = "pretrain"
    max_lr: float = 2.5e-4
    epochs: int = 40
    rollout_steps: int = 1
    batch_size: int = 4
    weight_decay: float = 0.0
    start_lr: float = START_LR
    final_lr: float = FINAL_LR
    warmup_fraction: float = WARMUP_FRACTION
    checkpoint_every: int = 200
    seed: int = 0
    clip_grad_norm: float | None = 1.0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.rollout_steps < 1:
            raise ConfigError(
                f"stage {self.name!r}: epochs, batch_size and rollout_steps must be >= 1 "
                f"(got {self.epochs}, {self.batch_size}, {self.rollout_steps})"
            )
        if not self.max_lr > 0:
            raise ConfigError(f"stage {self.name!r}: max_lr must be > 0, got {self.max_lr}")


STAGES: dict[str, StageConfig] = {
    "pretrain": StageConfig("pretrain", max_lr=2.5e-4, epochs=40),
    "finetune": StageConfig("finetune", max_lr=1e-5, epochs=100),
    "multistep": StageConfig("multistep", max_lr=1e-5, epochs=20, rollout_steps=4),
}
"""The paper's three stages (settings above); use :func:`stage_config` to adapt one."""


def stage_config(name_or_config: str | StageConfig | dict[str, Any], **overrides: Any
                 ) -> StageConfig:
    """A preset stage by name (or a config / dict), with fields replaced by ``overrides``."""
    if isinstance(name_or_config, StageConfig):
        stage = name_or_config
    elif isinstance(name_or_config, dict):
        stage = StageConfig.from_dict(name_or_config)
    elif name_or_config in STAGES:
        stage = STAGES[name_or_config]
    else:
        raise ConfigError(f"unknown stage {name_or_config!r}; presets: {sorted(STAGES)}")
    return dataclasses.replace(stage, **overrides)


@dataclass(frozen=True)
class TrainConfig(_JsonConfig):
    """A whole training run, as read by ``xaqf train CONFIG.json``.

    Parameters
    ----------
    data
        Where the data comes from: ``{"toy_world": {...toy_world keyword arguments...}}`` or
        ``{"cams": PATHS, "met": PATHS, "statics": PATH}`` (``statics`` optional); paths are
        anything :func:`xaqf.open_cams` / :func:`xaqf.open_met` accept.
    train_period, validation_period
        ``[start, end]`` (inclusive, ISO dates) of the training and validation windows.
    model
        A preset name (``"paper"``, ``"small"``, ``"tiny"``) or a ModelConfig dict.
    stages
        Stage names or :class:`StageConfig` dicts, run in order on the same weights.
    output
        Path of the trained model file (``.safetensors``).
    checkpoint_dir
        Folder for checkpoints; a run finding a checkpoint there resumes from it.
    step
        Model time step.
    """

    data: dict[str, Any] = field(default_factory=lambda: {"toy_world": {}})
    train_period: list[str] | None = None
    validation_period: list[str] | None = None
    model: str | dict[str, Any] = "small"
    stages: list[str | dict[str, Any]] = field(default_factory=lambda: ["pretrain"])
    output: str = "model.safetensors"
    checkpoint_dir: str | None = "checkpoints"
    step: str = "12h"

    def stage_configs(self) -> list[StageConfig]:
        """The stages as :class:`StageConfig` objects."""
        return [stage_config(stage) for stage in self.stages]
