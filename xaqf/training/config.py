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
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from xaqf.errors import ConfigError
from xaqf.training.schedule import FINAL_LR, START_LR, WARMUP_FRACTION

T = TypeVar("T", bound="_JsonConfig")

NONFINITE = ("raise", "skip")
"""The values of :attr:`StageConfig.nonfinite`."""


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
        if not isinstance(data, dict):
            raise ConfigError(f"a {cls.__name__} must be a JSON object (a dict), got "
                              f"{type(data).__name__} {data!r:.60}")
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(map(str, set(data) - known))
        if unknown:
            raise ConfigError(f"unknown {cls.__name__} keys {unknown}; known: {sorted(known)}")
        return cls(**data)

    @classmethod
    def from_json(cls: type[T], text_or_path: str | Path) -> T:
        """Build from JSON text or a path to a JSON file."""
        text = str(text_or_path)
        if not text.lstrip().startswith(("{", "[")):
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
    nonfinite
        What a batch whose loss or gradient is not finite does: ``"raise"`` stops the run
        with :class:`~xaqf.errors.InvalidValueError` naming the step, the batch's initial
        times and the channels at fault (the last checkpoint is kept as it was); ``"skip"``
        drops the batch without updating the weights and counts it in
        :attr:`History.skipped <xaqf.training.History>`.
    store
        The training store (:func:`xaqf.store.prepare`) of this stage, e.g. the reanalysis
        store for ``pretrain`` and the analysis store for ``finetune``; ``None``: the run's
        ``data``. The stage's normalisation statistics come from its data (a store's
        ``stats`` group), and the model file keeps those of the last stage.
    run_length
        Consecutive windows kept together when the order is shuffled
        (:func:`xaqf.training.loader.epoch_batches`): neighbours share states, which are
        read once. 1 shuffles every window on its own.
    precision
        ``"fp32"`` or ``"bf16"`` (autocast; the loss and the optimiser state stay float32).
    activation_checkpointing
        Recompute each U-Net level in the backward instead of keeping its activations.
    channels_last
        Keep the network and its activations in the channels-last memory format.
    pollutants, met
        The pollutant and met variables (or channels) of the model, as
        :meth:`Forecaster.from_config <xaqf.Forecaster.from_config>` takes them; ``None``:
        all. The stages of a run share one model, so they name the same sets.

    Raises
    ------
    ConfigError
        A field of the wrong type or out of range, naming it.
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
    nonfinite: str = "raise"
    store: str | None = None
    run_length: int = 1
    precision: str = "fp32"
    activation_checkpointing: bool = False
    channels_last: bool = False
    pollutants: tuple[str, ...] | None = None
    met: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("pollutants", "met"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in ("epochs", "batch_size", "rollout_steps", "checkpoint_every", "run_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"stage {self.name!r}: {name} must be an integer >= 1, "
                                  f"got {value!r}")
        numbers = {"max_lr": self.max_lr, "weight_decay": self.weight_decay,
                   "start_lr": self.start_lr, "final_lr": self.final_lr,
                   "warmup_fraction": self.warmup_fraction, "clip_grad_norm": self.clip_grad_norm}
        for name, value in numbers.items():
            if value is None and name == "clip_grad_norm":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or \
                    not math.isfinite(value) or value < 0:
                raise ConfigError(f"stage {self.name!r}: {name} must be a finite number >= 0, "
                                  f"got {value!r}")
        if not self.max_lr > 0:
            raise ConfigError(f"stage {self.name!r}: max_lr must be > 0, got {self.max_lr}")
        if self.clip_grad_norm is not None and not self.clip_grad_norm > 0:
            raise ConfigError(f"stage {self.name!r}: clip_grad_norm must be > 0 or None, got "
                              f"{self.clip_grad_norm}")
        if not self.warmup_fraction <= 1:
            raise ConfigError(f"stage {self.name!r}: warmup_fraction must be in [0, 1], got "
                              f"{self.warmup_fraction}")
        if self.precision not in ("fp32", "bf16"):
            raise ConfigError(f"stage {self.name!r}: precision must be 'fp32' or 'bf16', got "
                              f"{self.precision!r}")
        if self.nonfinite not in NONFINITE:
            raise ConfigError(f"stage {self.name!r}: nonfinite must be one of {NONFINITE}, "
                              f"got {self.nonfinite!r}")


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
    elif isinstance(name_or_config, str) and name_or_config in STAGES:
        stage = STAGES[name_or_config]
    else:
        raise ConfigError(f"unknown stage {name_or_config!r}; presets: {sorted(STAGES)}")
    return StageConfig.from_dict({**stage.to_dict(), **overrides})


@dataclass(frozen=True)
class TrainConfig(_JsonConfig):
    """A whole training run, as read by ``xaqf train CONFIG.json``.

    Parameters
    ----------
    data
        Where the data comes from: ``{"toy_world": {...toy_world keyword arguments...}}`` or
        ``{"cams": PATHS, "met": PATHS, "statics": PATH}`` (``statics`` optional); paths are
        anything :func:`xaqf.open_cams` / :func:`xaqf.open_met` accept. An optional
        ``"emissions": {"species": [...], "monthly": false, "log_transform": false}`` entry
        adds emission inputs (:mod:`xaqf.preprocessing.emissions`), read from ``"path"`` (canonical
        ``emi_*`` fields), ``"cams_glob_ant"`` (CAMS-GLOB-ANT files) or, for the toy
        world and for stores, its own inventory (a store's ``emissions`` group).
        ``{"store": PATH}`` reads an analysis-ready store (:func:`xaqf.store.prepare`),
        streamed by :mod:`xaqf.training.loader`; a stage may name its own store instead
        (:attr:`StageConfig.store`).
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
    workers
        DataLoader worker processes reading the training states (per training process).
    log
        JSON-lines training log (:mod:`xaqf.training.log`); ``None``: no log.
    """

    data: dict[str, Any] = field(default_factory=lambda: {"toy_world": {}})
    train_period: list[str] | None = None
    validation_period: list[str] | None = None
    model: str | dict[str, Any] = "small"
    stages: list[str | dict[str, Any]] = field(default_factory=lambda: ["pretrain"])
    output: str = "model.safetensors"
    checkpoint_dir: str | None = "checkpoints"
    step: str = "12h"
    workers: int = 0
    log: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or \
                self.workers < 0:
            raise ConfigError(f"TrainConfig workers must be an integer >= 0, got "
                              f"{self.workers!r}")
        if not isinstance(self.stages, list) or not self.stages:
            raise ConfigError(f"TrainConfig stages must be a non-empty list of stage names or "
                              f"dicts, got {self.stages!r}")
        if not isinstance(self.data, dict):
            raise ConfigError(f"TrainConfig data must be a dict, got {self.data!r}")

    def stage_configs(self) -> list[StageConfig]:
        """The stages as :class:`StageConfig` objects, checked for a possible order.

        Raises
        ------
        ConfigError
            Two stages share a name (they would share a checkpoint folder), a ``pretrain``
            stage follows another stage, or a single-step stage follows a multi-step one
            (fine-tuning single steps after rollout training undoes it).
        """
        stages = [stage_config(stage) for stage in self.stages]
        names = [stage.name for stage in stages]
        for i, stage in enumerate(stages):
            if stage.name in names[:i]:
                raise ConfigError(f"stages {names}: the name {stage.name!r} is used twice; "
                                  f"give every stage its own name")
            if stage.name == "pretrain" and i > 0:
                raise ConfigError(f"stages {names}: 'pretrain' must come first (it follows "
                                  f"{names[i - 1]!r}); order them pretrain, finetune, multistep")
            before = [s for s in stages[:i] if s.rollout_steps > stage.rollout_steps]
            if before:
                raise ConfigError(
                    f"stages {names}: {stage.name!r} ({stage.rollout_steps} rollout step(s)) "
                    f"follows {before[-1].name!r} ({before[-1].rollout_steps}); order the "
                    f"stages by rollout_steps, multi-step training last")
        return stages
