"""The training loop: AdamW, the Eq. 9 loss, the schedule, checkpoints, validation.

Each epoch visits the training windows in an order drawn from ``seed + epoch``, so the
order is known again after a restart; with the checkpoint restoring weights, optimiser,
scheduler and random states, an interrupted run resumed from its last checkpoint repeats
exactly the losses an uninterrupted run would have had (on the same hardware and thread
count).

Multi-step samples are rolled out through the network, gradients flowing through every
step; each step's loss uses the base built from the *true* history as its
reference ``e_k``, and the sample's loss is the mean over steps.

Validation: after every epoch, the one-step forecasts of the validation windows
are scored in the network's space by the latitude-weighted RMSE, averaged over channels
(``val_rmse``), next to the same score of the base alone (``val_rmse_base``).

A batch whose loss or gradient norm is not finite never updates the weights: by default
(``StageConfig.nonfinite="raise"``) the run stops with
:class:`~xaqf.errors.InvalidValueError` naming the optimiser step, the batch's initial times
and its non-finite input channels, before anything is written, so the last checkpoint is
the last good state; with ``"skip"`` the batch is dropped (the schedule moves on) and its
step recorded in :attr:`History.skipped`. A checkpoint folder that cannot be written and a
device this machine lacks are refused when the :class:`Trainer` is built.

At scale: batches come from a :class:`~xaqf.training.loader.WindowLoader`
(worker processes read the states, neighbouring windows share them, the order is that of
:func:`~xaqf.training.loader.epoch_batches`); under ``torchrun`` the network is wrapped in
DDP and each process trains on its share of every global batch of ``world_size x
batch_size`` windows, the loss reduced as :mod:`xaqf.training.distributed` describes. Only
rank 0 writes checkpoints, the log and validates (on the unwrapped network); every process
resumes from the same checkpoint, so an interrupted DDP run resumed with the same world size
repeats its losses. ``precision``, ``activation_checkpointing`` and ``channels_last`` of the
stage apply (:mod:`xaqf.training.precision`).
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from xaqf._utils.checks import resolve_device
from xaqf._utils.progress import progress as progress_bar
from xaqf._utils.serialize import from_dict, to_dict
from xaqf.errors import ConfigError, InvalidValueError, ModelFileError
from xaqf.metrics import latitude_weights
from xaqf.model.adapt import freeze_outside_met
from xaqf.model.step import model_step, unroll
from xaqf.preprocessing.grey_line import select_base
from xaqf.training.checkpoint import load_checkpoint, save_checkpoint
from xaqf.training.config import StageConfig
from xaqf.training.dataset import Window, WindowDataset, collate
from xaqf.training.distributed import Distributed
from xaqf.training.loader import WindowLoader, epoch_batches
from xaqf.training.log import TrainingLog
from xaqf.training.loss import base_relative_loss
from xaqf.training.precision import Autocast, activation_checkpointing
from xaqf.training.schedule import make_scheduler
from xaqf.variables import MET_CHANNELS, POLLUTANT_CHANNELS

if TYPE_CHECKING:
    from xaqf.forecaster import Forecaster

CHECKPOINT_NAME = "checkpoint.safetensors"


@dataclass
class History:
    """What a stage recorded: one loss per optimiser step, validation scores per epoch."""

    losses: list[float] = field(default_factory=list)
    val_rmse: list[float] = field(default_factory=list)
    val_rmse_base: list[float] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    """Optimiser steps whose batch was skipped for a non-finite loss or gradient
    (``StageConfig.nonfinite="skip"``)."""

    def to_dict(self) -> dict[str, list[float] | list[int]]:
        """Plain-JSON form."""
        return to_dict(self)


def rollout_loss(net: torch.nn.Module, batch: Window, grey: torch.Tensor,
                 weights: torch.Tensor, reduce: Any = None) -> torch.Tensor:
    """Mean Eq. 9 loss over the ``k`` steps of a batch of windows (see the module notes);
    with ``reduce``, this process's share of the global batch's loss."""
    steps = batch.target.shape[1]
    states = unroll(net, batch.p_prev, batch.p_now, lambda s: batch.met[:, s],
                    lambda s: batch.statics[:, s], lambda s: batch.time_features[:, s], grey,
                    steps)
    true_prev, true_now = batch.p_prev, batch.p_now
    losses = []
    for s, p_next in enumerate(states):
        target = batch.target[:, s]
        reference = select_base(true_prev, true_now, grey)
        losses.append(base_relative_loss(p_next, target, reference, weights, reduce=reduce))
        true_prev, true_now = true_now, target
    return torch.stack(losses).mean()


def nonfinite_channels(batch: Window, pollutant_channels: Sequence[str] = POLLUTANT_CHANNELS,
                       met_channels: Sequence[str] = MET_CHANNELS) -> list[str]:
    """The pollutant and met channels (of the model's sets, in order) with a non-finite value
    somewhere in ``batch``."""
    pollutants = torch.cat([batch.p_prev[:, None], batch.p_now[:, None], batch.target], 1)
    bad_p = (~torch.isfinite(pollutants)).transpose(0, 2).flatten(1).any(1)
    bad_m = (~torch.isfinite(batch.met)).transpose(0, 2).flatten(1).any(1)
    return [pollutant_channels[i] for i in torch.nonzero(bad_p).ravel().tolist()] + \
        [met_channels[i] for i in torch.nonzero(bad_m).ravel().tolist()]


def _weighted_rmse(x: torch.Tensor, y: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    w = weights.reshape(1, 1, -1, 1)
    mse = ((x - y) ** 2 * w).mean(dim=(-2, -1)) / w.mean()
    return mse.sqrt().mean()


def _writable(folder: Path) -> Path:
    """``folder``, created if needed, after checking checkpoints can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ModelFileError(f"checkpoint_dir {folder} cannot be created ({err.strerror}); "
                             f"choose a writable folder") from None
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ModelFileError(f"checkpoint_dir {folder} is not a writable folder; choose "
                             f"another checkpoint_dir")
    return folder


def trained_parameters(net: torch.nn.Module, trains: str) -> list[torch.nn.Parameter]:
    """The parameters a stage updates: all (``"all"``), or the met branch alone (``"met"``,
    every other parameter frozen: :func:`xaqf.model.adapt.freeze_outside_met`)."""
    if trains == "met":
        return freeze_outside_met(net)  # type: ignore[arg-type]
    for parameter in net.parameters():
        parameter.requires_grad_(True)
    return list(net.parameters())


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
        Show a progress bar with the loss (rank 0 only).
    world
        This process's place in a data-parallel run (:func:`xaqf.training.distributed.setup`);
        ``None``: a single process.
    workers
        Loader worker processes.
    log
        Where rank 0 records each step and validation (:class:`~xaqf.training.log.TrainingLog`).
    """

    def __init__(self, forecaster: Forecaster, train: WindowDataset, stage: StageConfig, *,
                 validation: WindowDataset | None = None,
                 checkpoint_dir: str | Path | None = None, device: str = "cpu",
                 progress: bool = True, world: Distributed | None = None, workers: int = 0,
                 log: TrainingLog | None = None) -> None:
        self.world = world or Distributed(device=device)
        device = self.world.device if world is not None else str(resolve_device(device))
        self.forecaster = forecaster
        self.net = forecaster.net.to(device)
        if stage.channels_last:
            self.net = self.net.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        self.trained = trained_parameters(self.net, stage.trains)
        self.train_data, self.validation, self.stage = train, validation, stage
        self.device = resolve_device(device)
        self.progress = progress and self.world.is_main
        self.log = log if self.world.is_main else None
        self.checkpoint = None if checkpoint_dir is None else Path(checkpoint_dir) / \
            CHECKPOINT_NAME
        if self.checkpoint is not None and self.world.is_main:
            _writable(self.checkpoint.parent)
        self.model = Autocast(self.world.wrap(self.net), stage.precision, str(self.device))
        self.loader = WindowLoader(train, workers=workers, device=self.device,
                                   pin_memory=self.device.type == "cuda")
        self.grey = torch.as_tensor(forecaster.encoding.grey_mask, device=device)
        self.weights = torch.as_tensor(latitude_weights(train.latitude), dtype=torch.float32,
                                       device=device)
        self.steps_per_epoch = len(self._batches(0))
        if not self.steps_per_epoch:
            raise ConfigError(f"stage {stage.name!r}: {len(train)} training window(s) cannot "
                              f"give each of {self.world.world_size} processes one; use fewer "
                              f"processes or a longer period")
        self.total_steps = self.steps_per_epoch * stage.epochs
        self.optimizer = torch.optim.AdamW(self.trained, lr=stage.max_lr,
                                           weight_decay=stage.weight_decay)
        self.scheduler = make_scheduler(
            self.optimizer, max_lr=stage.max_lr, steps_per_epoch=self.steps_per_epoch,
            total_steps=self.total_steps, start_lr=stage.start_lr, final_lr=stage.final_lr,
            warmup_fraction=stage.warmup_fraction)
        self.step = 0
        self.history = History()
        self.throughput: list[tuple[float, float, float]] = []

    def _batches(self, epoch: int) -> list[list[int]]:
        """This process's window indices of each step of ``epoch``."""
        return epoch_batches(len(self.train_data), batch_size=self.stage.batch_size,
                             seed=self.stage.seed, epoch=epoch,
                             run_length=self.stage.run_length,
                             world_size=self.world.world_size, rank=self.world.rank)

    def _save(self) -> None:
        if self.checkpoint is not None and self.world.is_main:
            save_checkpoint(self.checkpoint, model=self.net, optimizer=self.optimizer,
                            scheduler=self.scheduler, step=self.step,
                            epoch=self.step // self.steps_per_epoch,
                            extra={"history": self.history.to_dict(),
                                   "stage": self.stage.to_dict(),
                                   "model": self.forecaster.config.to_dict()})

    def _resume(self) -> None:
        if self.checkpoint is None or not self.checkpoint.is_file():
            torch.manual_seed(self.stage.seed)
            return
        state = load_checkpoint(self.checkpoint, model=self.net, optimizer=self.optimizer,
                                scheduler=self.scheduler)
        self.step = state["step"]
        self.history = from_dict(History, state["extra"]["history"], "history")

    def _train_step(self, batch: Window) -> float:
        batch = batch.to(self.device)
        world = self.world
        share = rollout_loss(self.model, batch, self.grey, self.weights,
                             reduce=world.sum if world.active else None)
        loss = world.sum(share.detach())
        self.optimizer.zero_grad(set_to_none=True)
        finite = bool(torch.isfinite(loss))
        if finite:
            (share * world.world_size).backward()
            limit = self.stage.clip_grad_norm
            norm = torch.nn.utils.clip_grad_norm_(self.trained,
                                                  math.inf if limit is None else limit)
            finite = bool(torch.isfinite(norm))
        if finite:
            self.optimizer.step()
        else:
            self._nonfinite(batch, "loss" if not torch.isfinite(loss) else "gradient")
        with warnings.catch_warnings():  # a skipped batch steps the schedule, not the weights
            warnings.filterwarnings("ignore", "Detected call of")
            self.scheduler.step()
        self.step += 1
        return float(loss.detach())

    def _nonfinite(self, batch: Window, what: str) -> None:
        """Skip the batch (``nonfinite="skip"``, counted in the history) or raise, naming
        the step, the batch's initial times and its non-finite input channels."""
        self.optimizer.zero_grad(set_to_none=True)
        if self.stage.nonfinite == "skip":
            self.history.skipped.append(self.step + 1)
            return
        times = [str(np.datetime_as_string(t, unit="m")) for t in np.atleast_1d(batch.init_time)]
        channels = nonfinite_channels(batch, self.forecaster.pollutant_channels,
                                      self.forecaster.met_channels)
        cause = (f"non-finite input channels {channels}" if channels else
                 "all its inputs are finite, so the network diverged: lower max_lr or set "
                 "clip_grad_norm")
        kept = "" if self.checkpoint is None else f"; the last checkpoint {self.checkpoint} " \
            f"is kept as it was"
        raise InvalidValueError(
            f"stage {self.stage.name!r}, optimiser step {self.step + 1}: non-finite {what} for "
            f"the batch of initial times {times}; {cause}{kept}. Fix the data, or set "
            f"nonfinite='skip' in the StageConfig to skip such batches")

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
                                    batch.met[:, 1], batch.statics[:, 0],
                                    batch.time_features[:, 0], self.grey)
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
        bar = progress_bar(total=self.total_steps, initial=self.step, desc=self.stage.name,
                           unit="step", enabled=self.progress)
        with bar, activation_checkpointing(self.net, self.stage.activation_checkpointing):
            while self.step < stop:
                self._epoch(stop, bar)
        self._save()
        self.world.barrier()
        self.net.eval()
        return self.history

    def _epoch(self, stop: int, bar: Any) -> None:
        """Train from the current step to the end of its epoch (or ``stop``), then validate."""
        epoch, done = divmod(self.step, self.steps_per_epoch)
        batches = self._batches(epoch)[done:]
        samples = sum(map(len, batches)) * self.world.world_size / max(1, len(batches))
        stream = self.loader.batches(batches)
        while self.step < stop:
            started = time.perf_counter()
            batch = next(stream, None)
            if batch is None:
                break
            waited = time.perf_counter() - started
            lr = self.scheduler.get_last_lr()[0]
            self.history.losses.append(self._train_step(batch))
            elapsed = time.perf_counter() - started
            self.throughput.append((samples, waited, elapsed))
            bar.update()
            bar.set_postfix(epoch=epoch + 1, loss=f"{self.history.losses[-1]:.4f}")
            self._log(epoch=epoch + 1, lr=lr, loss=self.history.losses[-1],
                      samples_per_s=samples / elapsed, data_wait=waited / elapsed)
            if self.step % self.stage.checkpoint_every == 0:
                self._save()
        if self.step % self.steps_per_epoch == 0 and self.validation is not None \
                and self.world.is_main:
            rmse, base = self.validate()
            self.history.val_rmse.append(rmse)
            self.history.val_rmse_base.append(base)
            self._log(epoch=epoch + 1, val_rmse=rmse, val_rmse_base=base)
            bar.write(f"{self.stage.name} epoch {epoch + 1}: val RMSE {rmse:.4f} "
                      f"(persistence-like base {base:.4f})")

    def _log(self, **record: Any) -> None:
        if self.log is not None:
            self.log.write({"stage": self.stage.name, "step": self.step, **record})

    def rates(self) -> tuple[float, float]:
        """``(samples per second, share of time waiting for data)`` of this run's steps
        (every process's samples; 0 before the first step)."""
        if not self.throughput:
            return 0.0, 0.0
        samples, waited, elapsed = (sum(x) for x in zip(*self.throughput, strict=True))
        return samples / elapsed, waited / elapsed


def train_stage(forecaster: Forecaster, train: WindowDataset, stage: StageConfig, *,
                validation: WindowDataset | None = None,
                checkpoint_dir: str | Path | None = None, device: str = "cpu",
                progress: bool = True, world: Distributed | None = None, workers: int = 0,
                log: TrainingLog | None = None, max_steps: int | None = None) -> History:
    """Run ``stage`` with a :class:`Trainer` (up to ``max_steps``, see :meth:`Trainer.fit`)
    and record it in ``forecaster.provenance`` (with ``samples_per_s`` and ``data_wait`` of
    the run, see :meth:`Trainer.rates`, the steps done, taken by this run and in all)."""
    trainer = Trainer(forecaster, train, stage, validation=validation,
                      checkpoint_dir=checkpoint_dir, device=device, progress=progress,
                      world=world, workers=workers, log=log)
    history = trainer.fit(max_steps)
    rate, wait = trainer.rates()
    forecaster.provenance.setdefault("stages", []).append({
        "stage": stage.to_dict(), "samples": len(train),
        "first_time": str(train.init_times[0]), "last_time": str(train.init_times[-1]),
        "final_loss": history.losses[-1] if history.losses else None,
        "val_rmse": history.val_rmse[-1] if history.val_rmse else None,
        "samples_per_s": rate, "data_wait": wait, "steps": trainer.step,
        "steps_run": len(trainer.throughput), "total_steps": trainer.total_steps})
    return history
