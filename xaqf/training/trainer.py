"""The training loop: AdamW, the Eq. 9 loss, the schedule, checkpoints, validation.

Each epoch visits the training windows in an order drawn from ``seed + epoch``, so the
order is known again after a restart; with the checkpoint restoring weights, optimiser,
scheduler and random states, an interrupted run resumed from its last checkpoint repeats
exactly the losses an uninterrupted run would have had (on the same hardware and thread
count).

Multi-step samples are rolled out through the network, gradients flowing through every
step (decided); each step's loss uses the base built from the *true* history as its
reference ``e_k``, and the sample's loss is the mean over steps.

Validation (decided): after every epoch, the one-step forecasts of the validation windows
are scored in the network's space by the latitude-weighted RMSE, averaged over channels
(``val_rmse``), next to the same score of the base alone (``val_rmse_base``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from tqdm.auto import tqdm

from xaqf.errors import ConfigError
from xaqf.grey_line import select_base
from xaqf.metrics import latitude_weights
from xaqf.model.step import model_step
from xaqf.training.checkpoint import load_checkpoint, save_checkpoint
from xaqf.training.config import StageConfig
from xaqf.training.dataset import Window, WindowDataset, collate
from xaqf.training.loss import base_relative_loss
from xaqf.training.schedule import make_scheduler

if TYPE_CHECKING:
    from xaqf.forecaster import Forecaster

CHECKPOINT_NAME = "checkpoint.safetensors"


@dataclass
class History:
    """What a stage recorded: one loss per optimiser step, validation scores per epoch."""

    losses: list[float] = field(default_factory=list)
    val_rmse: list[float] = field(default_factory=list)
    val_rmse_base: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, list[float]]:
        """Plain-JSON form."""
        return {"losses": self.losses, "val_rmse": self.val_rmse,
                "val_rmse_base": self.val_rmse_base}


def rollout_loss(net: torch.nn.Module, batch: Window, grey: torch.Tensor,
                 weights: torch.Tensor) -> torch.Tensor:
    """Mean Eq. 9 loss over the ``k`` steps of a batch of windows (see the module notes)."""
    p_prev, p_now = batch.p_prev, batch.p_now
    true_prev, true_now = p_prev, p_now
    losses = []
    for s in range(batch.target.shape[1]):
        target = batch.target[:, s]
        p_next = model_step(net, p_prev, p_now, batch.met[:, s], batch.met[:, s + 1],
                            batch.statics, batch.time_features[:, s], grey)
        reference = select_base(true_prev, true_now, grey)
        losses.append(base_relative_loss(p_next, target, reference, weights))
        p_prev, p_now = p_now, p_next
        true_prev, true_now = true_now, target
    return torch.stack(losses).mean()


def _weighted_rmse(x: torch.Tensor, y: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    w = weights.reshape(1, 1, -1, 1)
    mse = ((x - y) ** 2 * w).mean(dim=(-2, -1)) / w.mean()
    return mse.sqrt().mean()


class Trainer:
    """Runs one :class:`~xaqf.training.config.StageConfig` on a forecaster's network.

    Parameters
    ----------
    forecaster
        The :class:`~xaqf.Forecaster` to train (its network is updated in place).
    train
        Training windows (``rollout_steps`` should match the stage).
    stage
        The stage configuration.
    validation
        Windows scored after each epoch, or ``None``.
    checkpoint_dir
        Where checkpoints go; if it holds one, training resumes from it.
    device
        Torch device (default CPU).
    progress
        Show a progress bar with the loss.
    """

    def __init__(self, forecaster: Forecaster, train: WindowDataset, stage: StageConfig, *,
                 validation: WindowDataset | None = None,
                 checkpoint_dir: str | Path | None = None, device: str = "cpu",
                 progress: bool = True) -> None:
        self.forecaster = forecaster
        self.net = forecaster.net.to(device)
        self.train_data, self.validation, self.stage = train, validation, stage
        self.device = torch.device(device)
        self.progress = progress
        self.checkpoint = None if checkpoint_dir is None else Path(checkpoint_dir) / CHECKPOINT_NAME
        self.grey = torch.as_tensor(forecaster.encoding.grey_mask, device=device)
        self.weights = torch.as_tensor(latitude_weights(train.latitude), dtype=torch.float32,
                                       device=device)
        self.steps_per_epoch = math.ceil(len(train) / stage.batch_size)
        self.total_steps = self.steps_per_epoch * stage.epochs
        self.optimizer = torch.optim.AdamW(self.net.parameters(), lr=stage.max_lr,
                                           weight_decay=stage.weight_decay)
        self.scheduler = make_scheduler(
            self.optimizer, max_lr=stage.max_lr, steps_per_epoch=self.steps_per_epoch,
            total_steps=self.total_steps, start_lr=stage.start_lr, final_lr=stage.final_lr,
            warmup_fraction=stage.warmup_fraction)
        self.step = 0
        self.history = History()

    def _batches(self, epoch: int) -> list[list[int]]:
        generator = torch.Generator().manual_seed(self.stage.seed + epoch)
        order = torch.randperm(len(self.train_data), generator=generator).tolist()
        size = self.stage.batch_size
        return [order[i:i + size] for i in range(0, len(order), size)]

    def _save(self) -> None:
        if self.checkpoint is not None:
            save_checkpoint(self.checkpoint, model=self.net, optimizer=self.optimizer,
                            scheduler=self.scheduler, step=self.step,
                            epoch=self.step // self.steps_per_epoch,
                            extra={"history": self.history.to_dict(),
                                   "stage": self.stage.to_dict()})

    def _resume(self) -> None:
        if self.checkpoint is None or not self.checkpoint.is_file():
            torch.manual_seed(self.stage.seed)
            return
        state = load_checkpoint(self.checkpoint, model=self.net, optimizer=self.optimizer,
                                scheduler=self.scheduler)
        self.step = state["step"]
        self.history = History(**state["extra"]["history"])

    def _train_step(self, indices: list[int]) -> float:
        batch = collate([self.train_data[i] for i in indices]).to(self.device)
        loss = rollout_loss(self.net, batch, self.grey, self.weights)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.stage.clip_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.stage.clip_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.step += 1
        return float(loss.detach())

    @torch.no_grad()
    def validate(self) -> tuple[float, float]:
        """``(val_rmse, val_rmse_base)`` over the validation windows (first step only)."""
        validation = self.validation
        if validation is None:
            raise ConfigError(f"stage {self.stage.name!r}: validate() needs validation windows; "
                              "pass validation=WindowDataset(...) to the Trainer")
        self.net.eval()
        scores, bases = [], []
        for start in range(0, len(validation), self.stage.batch_size):
            indices = range(start, min(start + self.stage.batch_size, len(validation)))
            batch = collate([validation[i] for i in indices]).to(self.device)
            prediction = model_step(self.net, batch.p_prev, batch.p_now, batch.met[:, 0],
                                    batch.met[:, 1], batch.statics, batch.time_features[:, 0],
                                    self.grey)
            base = select_base(batch.p_prev, batch.p_now, self.grey)
            target = batch.target[:, 0]
            scores.append(float(_weighted_rmse(prediction, target, self.weights)) * len(indices))
            bases.append(float(_weighted_rmse(base, target, self.weights)) * len(indices))
        self.net.train()
        return sum(scores) / len(validation), sum(bases) / len(validation)

    def fit(self, max_steps: int | None = None) -> History:
        """Train to the end of the stage (or until ``max_steps`` optimiser steps, which
        checkpoints and returns, as an interruption would); returns the :class:`History`."""
        self._resume()
        self.net.train()
        stop = self.total_steps if max_steps is None else min(max_steps, self.total_steps)
        bar = tqdm(total=self.total_steps, initial=self.step, desc=self.stage.name,
                   unit="step", disable=not self.progress)
        with bar:
            while self.step < stop:
                epoch, done = divmod(self.step, self.steps_per_epoch)
                for indices in self._batches(epoch)[done:]:
                    self.history.losses.append(self._train_step(indices))
                    bar.update()
                    bar.set_postfix(epoch=epoch + 1, loss=f"{self.history.losses[-1]:.4f}")
                    if self.step % self.stage.checkpoint_every == 0:
                        self._save()
                    if self.step >= stop:
                        break
                if self.step % self.steps_per_epoch == 0 and self.validation is not None:
                    rmse, base = self.validate()
                    self.history.val_rmse.append(rmse)
                    self.history.val_rmse_base.append(base)
                    if self.progress:
                        bar.write(f"{self.stage.name} epoch {epoch + 1}: val RMSE {rmse:.4f} "
                                  f"(base {base:.4f})")
        self._save()
        self.net.eval()
        return self.history


def train_stage(forecaster: Forecaster, train: WindowDataset, stage: StageConfig, *,
                validation: WindowDataset | None = None,
                checkpoint_dir: str | Path | None = None, device: str = "cpu",
                progress: bool = True) -> History:
    """Run ``stage`` with a :class:`Trainer` and record it in ``forecaster.provenance``."""
    history = Trainer(forecaster, train, stage, validation=validation,
                      checkpoint_dir=checkpoint_dir, device=device, progress=progress).fit()
    forecaster.provenance.setdefault("stages", []).append({
        "stage": stage.to_dict(), "samples": len(train),
        "first_time": str(train.init_times[0]), "last_time": str(train.init_times[-1]),
        "final_loss": history.losses[-1] if history.losses else None,
        "val_rmse": history.val_rmse[-1] if history.val_rmse else None})
    return history
