"""Training configurations: one dataclass per stage, one for a whole run (with its typed
``data`` entry), all frozen and JSON-able; unknown keys are refused with the closest known
one suggested.

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

import inspect
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from xaqf._utils.serialize import JsonConfig, check_keys, closest
from xaqf.errors import ConfigError
from xaqf.model.config import ModelConfig
from xaqf.preprocessing.emissions import EmissionSettings
from xaqf.preprocessing.transform import DEFAULT_FLOOR
from xaqf.training.schedule import FINAL_LR, START_LR, WARMUP_FRACTION

NONFINITE = ("raise", "skip")
"""The values of :attr:`StageConfig.nonfinite`."""

TRAINS = ("all", "met")
"""The values of :attr:`StageConfig.trains`."""


@dataclass(frozen=True)
class StageConfig(JsonConfig):
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
    trains
        ``"all"`` parameters, or ``"met"``: the met branch of the fusion alone, every other
        parameter frozen (:mod:`xaqf.training.adapt`; the ``"adapt-met"`` preset).
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
    trains: str = "all"
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
        if self.trains not in TRAINS:
            raise ConfigError(f"stage {self.name!r}: trains must be one of {TRAINS}, got "
                              f"{self.trains!r}")
        if self.nonfinite not in NONFINITE:
            raise ConfigError(f"stage {self.name!r}: nonfinite must be one of {NONFINITE}, "
                              f"got {self.nonfinite!r}")
        self.typed_fields(f"stage {self.name!r}:")


STAGES: dict[str, StageConfig] = {
    "pretrain": StageConfig("pretrain", max_lr=2.5e-4, epochs=40),
    "finetune": StageConfig("finetune", max_lr=1e-5, epochs=100),
    "multistep": StageConfig("multistep", max_lr=1e-5, epochs=20, rollout_steps=4),
    "adapt-met": StageConfig("adapt-met", max_lr=1e-3, epochs=10, trains="met"),
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
        raise ConfigError(f"unknown stage {name_or_config!r}; "
                          f"{closest(str(name_or_config), STAGES)}presets: {sorted(STAGES)}")
    return StageConfig.from_dict({**stage.to_dict(), **overrides})


Paths = str | tuple[str, ...]
"""One path or glob, or several (a JSON list)."""


@dataclass(frozen=True)
class EmissionInputs(JsonConfig):
    """The ``emissions`` entry of :attr:`TrainConfig.data`: the emission inputs of the model
    and the inventory they are read from.

    Parameters
    ----------
    species, monthly, log_transform, floor
        The :class:`~xaqf.preprocessing.emissions.EmissionSettings` of the model.
    path
        Files of canonical ``emi_*`` fields (:func:`xaqf.data.inventory.open_emissions`).
    cams_glob_ant
        CAMS-GLOB-ANT files (:func:`xaqf.data.inventory.open_cams_glob_ant`).

    Without ``path`` and ``cams_glob_ant`` the fields come from the toy world or from each
    stage's store (its ``emissions`` group).

    Examples
    --------
    >>> EmissionInputs(["nox", "co"], monthly=True).settings.variables
    ('emi_nox', 'emi_co')
    """

    species: tuple[str, ...]
    monthly: bool = False
    log_transform: bool = False
    floor: float = DEFAULT_FLOOR
    path: Paths | None = None
    cams_glob_ant: Paths | None = None

    def __post_init__(self) -> None:
        self.typed_fields("data.emissions")
        object.__setattr__(self, "species", self.settings.species)  # checked there
        if self.path is not None and self.cams_glob_ant is not None:
            raise ConfigError("data.emissions names both 'path' and 'cams_glob_ant'; keep the "
                              "one the inventory files are (cams_glob_ant: CAMS-GLOB-ANT "
                              "downloads, path: canonical emi_* fields)")

    @property
    def settings(self) -> EmissionSettings:
        """The encoding settings the model keeps."""
        return EmissionSettings(self.species, self.monthly, self.log_transform, self.floor)

    @property
    def files(self) -> Paths | None:
        """The inventory files named, or ``None``."""
        return self.cams_glob_ant if self.cams_glob_ant is not None else self.path


@dataclass(frozen=True)
class DataConfig(JsonConfig):
    """The ``data`` entry of a :class:`TrainConfig`: where the training states come from.

    Give one source: ``store`` (an analysis-ready store, :func:`xaqf.store.prepare`, streamed
    by :mod:`xaqf.training.loader`), ``toy_world`` (keyword arguments of
    :func:`xaqf.tutorial.toy_world`) or ``cams`` and ``met`` (anything
    :func:`xaqf.open_cams` / :func:`xaqf.open_met` accept, with optional ``statics``); or
    none, when every stage names its own store (:attr:`StageConfig.store`).

    Parameters
    ----------
    store, toy_world, cams, met, statics
        The source (above).
    emissions
        The model's emission inputs (:class:`EmissionInputs`), or ``None``.
    met_preset
        The weather model the met comes from (:data:`xaqf.data.presets.PRESETS`): files are
        read with its conventions; the toy world's met is given its configuration
        (:func:`xaqf.tutorial.preset_met`), e.g. to adapt a model to it (``"adapt-met"``).

    Raises
    ------
    ConfigError
        An unknown key (the closest known one suggested), two sources, ``cams`` without
        ``met`` (or the reverse), or file-based emissions without inventory files.

    Examples
    --------
    >>> DataConfig.from_dict({"store": "train.zarr"}).sources
    ('store',)
    >>> DataConfig.from_dict({"static": "statics.nc"})
    Traceback (most recent call last):
    ...
    xaqf.errors.ConfigError: unknown key 'static' in data; did you mean 'statics'? ...
    """

    store: str | None = None
    toy_world: dict[str, Any] | None = None
    cams: Paths | None = None
    met: Paths | None = None
    statics: str | None = None
    emissions: EmissionInputs | None = None
    met_preset: str | None = None

    @classmethod
    def from_dict(cls, data: Any, where: str | None = "data") -> DataConfig:
        """Build from the ``data`` entry of a training configuration."""
        return super().from_dict(data, where)

    def __post_init__(self) -> None:
        self.typed_fields("data")
        if self.store is not None and (self.cams, self.met, self.statics) != (None,) * 3:
            raise ConfigError("data gives 'store' and also 'cams'/'met'/'statics': training "
                              "reads the store (its own cams, met and statics) and would ignore "
                              "the files; remove 'cams', 'met' and 'statics', or 'store' to "
                              "train from the files")
        if self.toy_world is not None and len(self.sources) > 1:
            raise ConfigError(f"data gives {list(self.sources)}: the toy world is a whole data "
                              f"set; keep 'toy_world' alone or remove it")
        if (self.cams is None) != (self.met is None):
            raise ConfigError(f"data gives {'cams' if self.met is None else 'met'!r} without "
                              f"{'met' if self.met is None else 'cams'!r}; give both paths")
        if self.statics is not None and self.cams is None:
            raise ConfigError("data.statics is read with 'cams' and 'met' only; give them, or "
                              "remove 'statics'")
        if self.cams is not None and self.emissions is not None and self.emissions.files is None:
            raise ConfigError("data.emissions needs 'path' (canonical emi_* fields) or "
                              "'cams_glob_ant' (CAMS-GLOB-ANT files) next to 'cams' and 'met'")
        if self.toy_world is not None:
            _check_toy_world(self.toy_world)

    @property
    def sources(self) -> tuple[str, ...]:
        """The names of the sources given (``store``, ``toy_world``, ``cams``, ``met``)."""
        return tuple(name for name in ("store", "toy_world", "cams", "met")
                     if getattr(self, name) is not None)


def _check_toy_world(arguments: dict[str, Any]) -> None:
    from xaqf.tutorial import toy_world

    check_keys(arguments, inspect.signature(toy_world).parameters, "data.toy_world")


def _check_period(name: str, period: tuple[str, str] | None) -> None:
    """Refuse a ``[start, end]`` period that is not two dates in order, naming both."""
    if period is None:
        return
    try:
        start, end = (pd.Timestamp(date) for date in period)
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{name} {list(period)} is not two ISO dates ({err}); write it "
                          f"like [\"2022-01-01\", \"2022-12-31\"]") from None
    if end < start:
        raise ConfigError(f"{name} ends ({period[1]}) before it starts ({period[0]}); give "
                          f"[start, end] in that order")


def _check_step(step: str) -> None:
    """Refuse a model time step that is not a positive duration."""
    try:
        duration = pd.Timedelta(step)
    except ValueError:
        duration = pd.NaT
    if pd.isna(duration) or duration <= pd.Timedelta(0):
        raise ConfigError(f"TrainConfig step {step!r} is not a positive time step; write it "
                          f"like \"12h\"")


def _check_adaptation(stages: list[StageConfig], start_from: str | None) -> None:
    """Refuse a met-only stage without a trained model to adapt, or beside other stages."""
    adapting = [stage.name for stage in stages if stage.trains == "met"]
    if adapting and start_from is None:
        raise ConfigError(f"stage(s) {adapting} train the met branch alone, which adapts a "
                          f"trained model: name its file in 'start_from'")
    if adapting and len(stages) > 1:
        raise ConfigError(f"stages {[s.name for s in stages]}: an adaptation ({adapting[0]!r}) "
                          f"is a run of its own; train the model first, then adapt it in "
                          f"another run with 'start_from'")


@dataclass(frozen=True)
class TrainConfig(JsonConfig):
    """A whole training run, as read by ``xaqf train CONFIG.json``.

    Parameters
    ----------
    data
        Where the data comes from (:class:`DataConfig`; a dict is converted):
        ``{"toy_world": {...toy_world keyword arguments...}}``, ``{"cams": PATHS, "met":
        PATHS, "statics": PATH}`` (``statics`` optional; paths are anything
        :func:`xaqf.open_cams` / :func:`xaqf.open_met` accept) or ``{"store": PATH}`` (an
        analysis-ready store, :func:`xaqf.store.prepare`); a stage may name its own store
        instead (:attr:`StageConfig.store`). An optional ``"emissions": {"species": [...],
        "monthly": false, "log_transform": false}`` entry (:class:`EmissionInputs`) adds
        emission inputs (:mod:`xaqf.preprocessing.emissions`), read from ``"path"``
        (canonical ``emi_*`` fields), ``"cams_glob_ant"`` (CAMS-GLOB-ANT files) or, for the
        toy world and for stores, its own inventory (a store's ``emissions`` group).
    train_period, validation_period
        ``[start, end]`` (inclusive, ISO dates) of the training and validation windows.
    model
        A preset name (``"paper"``, ``"small"``, ``"tiny"``) or a :class:`ModelConfig` (or
        its dict).
    stages
        Stage names or :class:`StageConfig` (or their dicts), run in order on the same
        weights.
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
    start_from
        A trained model file to start from instead of a fresh ``model``: to adapt it to
        another met configuration (a single ``"adapt-met"`` stage, :mod:`xaqf.training.adapt`)
        or to fine-tune it.

    Raises
    ------
    ConfigError
        An unknown key anywhere (the closest known one suggested), a value of the wrong
        type, a period that ends before it starts, an impossible stage order
        (:meth:`stage_configs`) or stages without data.

    Examples
    --------
    >>> config = TrainConfig(data={"store": "train.zarr"}, stages=["pretrain"])
    >>> config.data.store, TrainConfig.from_json(config.to_json()) == config
    ('train.zarr', True)
    >>> TrainConfig(train_period=["2022-03-01", "2022-01-01"])
    Traceback (most recent call last):
    ...
    xaqf.errors.ConfigError: train_period ends (2022-01-01) before it starts (2022-03-01); ...
    """

    data: DataConfig = field(default_factory=lambda: DataConfig(toy_world={}))
    train_period: tuple[str, str] | None = None
    validation_period: tuple[str, str] | None = None
    model: str | ModelConfig = "small"
    stages: tuple[str | StageConfig, ...] = ("pretrain",)
    output: str = "model.safetensors"
    checkpoint_dir: str | None = "checkpoints"
    step: str = "12h"
    workers: int = 0
    log: str | None = None
    start_from: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or \
                self.workers < 0:
            raise ConfigError(f"TrainConfig workers must be an integer >= 0, got "
                              f"{self.workers!r}")
        if not isinstance(self.stages, list | tuple) or not self.stages:
            raise ConfigError(f"TrainConfig stages must be a non-empty list of stage names or "
                              f"dicts, got {self.stages!r}")
        self.typed_fields()
        _check_period("train_period", self.train_period)
        _check_period("validation_period", self.validation_period)
        _check_step(self.step)
        stages = self.stage_configs()
        _check_adaptation(stages, self.start_from)
        storeless = [stage.name for stage in stages if stage.store is None]
        if not self.data.sources and storeless:
            raise ConfigError(f"stage(s) {storeless} name no store and data gives none; set "
                              f"data.store (or 'store' in each stage), data.toy_world or "
                              f"data.cams and data.met")

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
