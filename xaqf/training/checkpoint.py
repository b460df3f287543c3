"""Training checkpoints: atomic, pickle-free, and complete enough for an exact resume.

A checkpoint is one safetensors file (see :mod:`xaqf._utils.tensor_file`) holding

* the model weights (``model.*``) and the optimiser's per-parameter tensors
  (``optimizer.<index>.<name>``, e.g. Adam's moments and step counts);
* torch's random state (``rng.torch``, plus ``rng.cuda.<i>`` on GPUs);
* as JSON metadata: the optimiser's hyper-parameters and scalar state, the scheduler state,
  Python's and numpy's random states, the optimiser step, the epoch and any ``extra`` data.

Restoring all of it and replaying the data order from the same seed (the trainer derives
each epoch's order from ``seed + epoch``) gives the same loss trajectory as a run that was
never interrupted.

Examples
--------
>>> import tempfile, torch
>>> model = torch.nn.Linear(2, 1)
>>> optimizer = torch.optim.AdamW(model.parameters())
>>> path = save_checkpoint(Path(tempfile.mkdtemp()) / "ckpt.safetensors", model=model,
...                        optimizer=optimizer, step=3, epoch=0)
>>> load_checkpoint(path, model=torch.nn.Linear(2, 1))["step"]
3
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from xaqf._utils.tensor_file import read_file, write_file
from xaqf.errors import ModelFileError

FORMAT = "xaqf-checkpoint"


def _optimizer_split(state: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, values in state["state"].items():
        for name, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optimizer.{index}.{name}"] = value
            else:
                scalars.setdefault(str(index), {})[name] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def _optimizer_join(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith("optimizer."):
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = value
    for index, values in meta["scalars"].items():
        state.setdefault(int(index), {}).update(values)
    return {"state": state, "param_groups": meta["param_groups"]}


def _rng_state() -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    tensors = {"rng.torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        for i, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{i}"] = state
    legacy = cast(tuple[Any, ...], np.random.get_state(legacy=True))  # noqa: NPY002 (global)
    name, keys, pos, has_gauss, gauss = legacy
    version, py_state, py_gauss = random.getstate()
    meta = {"numpy": [name, keys.tolist(), pos, has_gauss, gauss],
            "python": [version, list(py_state), py_gauss]}
    return tensors, meta


def _set_rng_state(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    torch.set_rng_state(tensors["rng.torch"])
    cuda = [tensors[k] for k in sorted(tensors) if k.startswith("rng.cuda.")]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda)
    name, keys, pos, has_gauss, gauss = meta["numpy"]
    np.random.set_state((name, np.asarray(keys, np.uint32), pos, has_gauss, gauss))  # noqa: NPY002
    version, py_state, py_gauss = meta["python"]
    random.setstate((version, tuple(py_state), py_gauss))


def save_checkpoint(path: str | Path, *, model: torch.nn.Module,
                    optimizer: torch.optim.Optimizer | None = None,
                    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                    step: int = 0, epoch: int = 0, extra: dict[str, Any] | None = None
                    ) -> Path:
    """Atomically write a checkpoint of the training state to ``path`` (a .safetensors file).

    Parameters
    ----------
    path
        Destination; replaced atomically if it exists.
    model, optimizer, scheduler
        Training objects (optimizer / scheduler optional).
    step, epoch
        Optimiser steps taken so far, and the current epoch (0-based).
    extra
        Any JSON-able data to keep (e.g. the loss history).

    Returns
    -------
    Path
        ``path``.
    """
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    rng_tensors, rng_meta = _rng_state()
    tensors.update(rng_tensors)
    meta: dict[str, Any] = {"format": FORMAT, "step": step, "epoch": epoch, "rng": rng_meta,
                            "extra": extra or {}}
    if optimizer is not None:
        opt_tensors, meta["optimizer"] = _optimizer_split(optimizer.state_dict())
        tensors.update(opt_tensors)
    if scheduler is not None:
        meta["scheduler"] = {k: v for k, v in scheduler.state_dict().items()
                             if k != "lr_lambdas"}
    return write_file(path, tensors, meta)


def _misfit(saved: dict[str, torch.Tensor], expected: dict[str, torch.Tensor]) -> str:
    """How the ``saved`` weights do not fit a network with the ``expected`` ones, in a few
    words (empty where they fit).

    Examples
    --------
    >>> _misfit({"w": torch.zeros(2)}, {"w": torch.zeros(3)})
    "1 of another shape (e.g. 'w': [2] in the checkpoint, [3] in the model)"
    """
    missing = [key for key in expected if key not in saved]
    extra = [key for key in saved if key not in expected]
    shapes = [key for key in expected if key in saved and
              saved[key].shape != expected[key].shape]
    parts = []
    if missing:
        parts.append(f"{len(missing)} of {len(expected)} weights missing (e.g. {missing[0]!r})")
    if extra:
        parts.append(f"{len(extra)} unknown to the model (e.g. {extra[0]!r})")
    if shapes:
        key = shapes[0]
        parts.append(f"{len(shapes)} of another shape (e.g. {key!r}: {list(saved[key].shape)} "
                     f"in the checkpoint, {list(expected[key].shape)} in the model)")
    return ", ".join(parts)


def load_checkpoint(path: str | Path, *, model: torch.nn.Module,
                    optimizer: torch.optim.Optimizer | None = None,
                    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                    restore_rng: bool = True) -> dict[str, Any]:
    """Restore the state saved by :func:`save_checkpoint` into the given objects.

    Returns
    -------
    dict
        ``{"step": int, "epoch": int, "extra": dict}``.

    Raises
    ------
    ModelFileError
        If the file is not an xaqf checkpoint or does not fit ``model``.
    """
    tensors, meta = read_file(path)
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not an xaqf training checkpoint")
    weights = {k.removeprefix("model."): v for k, v in tensors.items() if k.startswith("model.")}
    misfit = _misfit(weights, model.state_dict())
    if misfit:
        config = meta["extra"].get("model", {}).get("name")
        written = "another network" if config is None else f"model config {config!r}"
        raise ModelFileError(f"checkpoint {path} was written for {written}: {misfit}; train "
                             f"into another checkpoint folder or delete {Path(path).parent}")
    model.load_state_dict(weights)
    if optimizer is not None and "optimizer" in meta:
        optimizer.load_state_dict(_optimizer_join(tensors, meta["optimizer"]))
    if scheduler is not None and "scheduler" in meta:
        scheduler.load_state_dict({**scheduler.state_dict(), **meta["scheduler"]})
    if restore_rng:
        _set_rng_state(tensors, meta["rng"])
    return {"step": meta["step"], "epoch": meta["epoch"], "extra": meta["extra"]}
