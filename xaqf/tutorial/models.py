"""The demo's trained models, shipped with xaqf: :func:`load_model`.

Three networks of the ``small`` config (1.46 M parameters each), trained on the first 48
days of the 60-day, 4 degree toy world by the demo's recipe (:class:`xaqf.demo.Recipe`:
single-step training, then rollout fine-tuning) and differing only in how they meet the
meteorology:

================  ===========  =====================================================
name              fusion       meteorology
================  ===========  =====================================================
``demo-met``      bilinear     low-rank bilinear pooling over 3 x 3 neighbourhoods
``demo-concat``   concat       concatenated to the pollutant features
``demo-no-met``   none         not used (the ablation)
================  ===========  =====================================================

Each file's provenance (``Forecaster.provenance``) records the recipe, the toy world
(resolution, days, seed), the xaqf version that trained it, the held-out initial times and
the skill measured on them (:func:`held_out_skill`). The files of this version were trained
for 6 single-step epochs and 1 epoch of 4-step rollouts, a shortened run of the demo's
16 + 3 epochs of 8-step rollouts (``provenance["recipe"]`` records it).
The weights are stored as float16 and run in float32. ``benchmarks/build_demo_models.py``
rebuilds the files (``--epochs 6 1 --rollout-steps 4`` for these; without, the demo's).

These models know the toy world only: they are for tutorials, tests and the gallery, not
for forecasting the real atmosphere.

Examples
--------
>>> forecaster = load_model("demo-met")
>>> forecaster.config.name, forecaster.config.fusion, forecaster.provenance["recipe"]["model"]
('demo-met', 'bilinear', 'small')
>>> forecaster.provenance["world"]
{'resolution': 4.0, 'days': 60, 'seed': 0}
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pandas as pd
import torch
import xarray as xr

from xaqf import metrics
from xaqf.errors import ConfigError
from xaqf.forecaster import Forecaster
from xaqf.tutorial.world import ToyWorld, toy_world
from xaqf.variables import POLLUTANT_CHANNELS, POLLUTANT_VARIABLES

DEMO_MODELS: dict[str, str] = {"demo-met": "bilinear", "demo-concat": "concat",
                               "demo-no-met": "none"}
"""The shipped models' names and their fusion of the meteorology."""

FOLDER = Path(__file__).parent / "demo_models"
"""Where the shipped model files are."""


def model_path(name: str) -> Path:
    """The file of the shipped model ``name`` (one of :data:`DEMO_MODELS`).

    Raises
    ------
    ConfigError
        If ``name`` is not a shipped model.
    """
    if name not in DEMO_MODELS:
        raise ConfigError(f"no shipped model {name!r}; the shipped models are "
                          f"{sorted(DEMO_MODELS)}")
    return FOLDER / f"{name}.safetensors"


def load_model(name: str, device: str | torch.device | None = None) -> Forecaster:
    """The shipped demo model ``name`` (``"demo-met"``, ``"demo-no-met"``, ``"demo-concat"``).

    Parameters
    ----------
    name
        One of :data:`DEMO_MODELS`.
    device
        Where to place the network (default: the best available).

    Examples
    --------
    >>> load_model("demo-no-met").config.fusion
    'none'
    """
    return Forecaster.load(model_path(name), device=device)


def demo_world(forecaster: Forecaster) -> ToyWorld:
    """The toy world ``forecaster`` was trained on, regenerated from its provenance.

    The world is kept in memory: later calls for the same world return the same object
    (treat it as read-only).
    """
    world = forecaster.provenance["world"]
    return _cached_world(float(world["resolution"]), float(world["days"]), int(world["seed"]))


@functools.lru_cache(maxsize=1)
def _cached_world(resolution: float, days: float, seed: int) -> ToyWorld:
    return toy_world(resolution, days=days, seed=seed)


def held_out_init_times(world: ToyWorld, train_before: pd.Timestamp, steps: int, count: int
                        ) -> list[pd.Timestamp]:
    """The last ``count`` initial times of ``world``'s met forecasts at or after
    ``train_before`` that have truth for ``steps`` steps of 12 h."""
    last = pd.Timestamp(world.cams["time"].values[-1]) - steps * pd.Timedelta("12h")
    inits = pd.DatetimeIndex(world.fuxi["init_time"].values)
    return [t for t in inits if train_before <= t <= last][-count:]


def held_out_skill(forecaster: Forecaster, world: ToyWorld,
                   init_times: list[Any] | None = None, steps: int = 10) -> xr.Dataset:
    """Skill of ``forecaster`` driven by ``world``'s FuXi-like forecasts, against persistence.

    Parameters
    ----------
    forecaster, world
        The model and the toy world it is scored on.
    init_times
        Initial times; default: the held-out ones in the model's provenance.
    steps
        Forecast steps (12 h each).

    Returns
    -------
    xarray.Dataset
        Per ``lead_time``: ``mean_normalized_rmse`` (the RMSE over persistence's, averaged
        over the 73 pollutant channels; below 1: better than persistence) and
        ``share_beating_persistence`` (fraction of channels with a ratio below 1).
    """
    if init_times is None:
        init_times = forecaster.provenance["test_inits"]
    inits = pd.DatetimeIndex(init_times)
    forecast = forecaster.predict(world.cams, world.fuxi, steps=steps, init_times=inits,
                                  batch_size=len(inits), progress=False)
    variables = list(POLLUTANT_VARIABLES)
    persistence = metrics.persistence_forecast(world.cams[variables], inits,
                                               forecast["lead_time"].values)
    ratio = metrics.channel_scores(
        metrics.normalized_rmse(forecast[variables], persistence, world.cams[variables])
    ).sel(channel=list(POLLUTANT_CHANNELS)).compute()
    return xr.Dataset({"mean_normalized_rmse": ratio.mean("channel"),
                       "share_beating_persistence": (ratio < 1).mean("channel")})


def skill_record(skill: xr.Dataset) -> dict[str, list[float]]:
    """``skill`` (from :func:`held_out_skill`) as the JSON-able ``provenance["skill"]``."""
    hours = skill["lead_time"].values / pd.Timedelta(hours=1)
    return {"lead_hours": [int(h) for h in hours],
            "mean_normalized_rmse": [round(float(v), 5)
                                     for v in skill["mean_normalized_rmse"].values],
            "share_beating_persistence": [round(float(v), 5)
                                          for v in skill["share_beating_persistence"].values]}
