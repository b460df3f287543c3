"""Training xaqf models: windows over xarray, the Eq. 9 loss, the schedule, checkpoints.

* :mod:`xaqf.training.dataset` -- lazy sample windows (:class:`Window` records)
  ``(P(t-1), P(t), Q(t), Q(t+1), statics, time features) -> P(t+1)`` over labelled data;
* :mod:`xaqf.training.loss` -- the latitude-weighted, base-relative loss (Eq. 7-9);
* :mod:`xaqf.training.schedule` -- linear warm-up then cosine learning rate;
* :mod:`xaqf.training.config` -- the typed run configuration (data entry, periods, model)
  and the pretrain / fine-tune / multi-step stage configurations;
* :mod:`xaqf.training.checkpoint` -- atomic, pickle-free checkpoints with exact resume;
* :mod:`xaqf.training.trainer` -- the loop (progress bar, validation RMSE per epoch).
"""

from __future__ import annotations

from xaqf.training.checkpoint import load_checkpoint, save_checkpoint
from xaqf.training.config import (
    STAGES,
    DataConfig,
    EmissionInputs,
    StageConfig,
    TrainConfig,
    stage_config,
)
from xaqf.training.dataset import Window, WindowDataset, collate
from xaqf.training.loss import base_relative_loss
from xaqf.training.schedule import learning_rate, make_scheduler
from xaqf.training.trainer import History, Trainer, train_stage

__all__ = [
    "STAGES",
    "DataConfig",
    "EmissionInputs",
    "History",
    "StageConfig",
    "TrainConfig",
    "Trainer",
    "Window",
    "WindowDataset",
    "base_relative_loss",
    "collate",
    "learning_rate",
    "load_checkpoint",
    "make_scheduler",
    "save_checkpoint",
    "stage_config",
    "train_stage",
]
