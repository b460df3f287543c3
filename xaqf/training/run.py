"""A whole training run from a :class:`~xaqf.training.config.TrainConfig` (``xaqf train``).

Opens the data (or generates a toy world), computes the normalisation statistics on the
training period, builds the model, runs the stages in order -- each checkpointing into its
own sub-folder of ``checkpoint_dir``, so a re-run resumes where it stopped and skips
finished stages -- and saves the trained model file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xarray as xr

from xaqf.errors import ConfigError
from xaqf.training.config import TrainConfig
from xaqf.training.dataset import WindowDataset
from xaqf.training.trainer import train_stage


def load_data(data: dict[str, Any]) -> tuple[xr.Dataset, xr.Dataset, xr.Dataset | None]:
    """``(cams, met, statics)`` from the ``data`` entry of a :class:`TrainConfig`."""
    if "toy_world" in data:
        from xaqf.tutorial import toy_world

        world = toy_world(**data["toy_world"])
        return world.cams, world.era5, world.statics
    if "cams" not in data or "met" not in data:
        raise ConfigError("the 'data' entry needs {'toy_world': {...}} or 'cams' and 'met' "
                          f"paths; got keys {sorted(data)}")
    from xaqf.io import open_cams, open_met, standardize

    statics = None
    if data.get("statics"):
        statics = standardize(xr.open_dataset(data["statics"]), "static")
    return open_cams(data["cams"]), open_met(data["met"]), statics


def _period(ds: xr.Dataset, period: list[str] | None) -> xr.Dataset:
    return ds if period is None else ds.sel(time=slice(*period))


def run_training(config: TrainConfig, *, device: str = "cpu", progress: bool = True) -> Any:
    """Run ``config``; returns the trained :class:`~xaqf.Forecaster` (also saved to
    ``config.output``)."""
    from xaqf.forecaster import Forecaster
    from xaqf.normalization import compute_model_stats

    cams, met, statics = load_data(config.data)
    train_cams, train_met = _period(cams, config.train_period), _period(met, config.train_period)
    stats = compute_model_stats(train_cams, train_met).compute()
    forecaster = Forecaster.from_config(config.model, stats, statics=statics, step=config.step,
                                        seed=0)
    for stage in config.stage_configs():
        windows = WindowDataset(forecaster, train_cams, train_met,
                                rollout_steps=stage.rollout_steps)
        validation = None
        if config.validation_period is not None:
            validation = WindowDataset(forecaster, _period(cams, config.validation_period),
                                       _period(met, config.validation_period))
        checkpoints = None if config.checkpoint_dir is None else \
            Path(config.checkpoint_dir) / stage.name
        train_stage(forecaster, windows, stage, validation=validation,
                    checkpoint_dir=checkpoints, device=device, progress=progress)
    forecaster.provenance["config"] = config.to_dict()
    forecaster.save(config.output)
    return forecaster
