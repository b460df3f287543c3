"""Shared, cached inputs of the gallery examples: one toy world and its tiny trained models.

The world is generated once per documentation build (kept in memory between examples);
the tiny models are trained once and saved under the cache folder
(``$XAQF_GALLERY_CACHE``, default ``docs/_build/gallery-cache``), so a rebuild only
loads them. Delete that folder to retrain.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd
import xarray as xr

import xaqf
from xaqf import demo
from xaqf.preprocessing.normalization import compute_model_stats

RECIPE = demo.QUICK
"""Tiny model, 7 days of training on a 4 degree, 14-day world; forecasts of 10 steps."""

CACHE = Path(os.environ.get("XAQF_GALLERY_CACHE",
                            Path(__file__).resolve().parents[1] / "_build" / "gallery-cache"))


@functools.cache
def world() -> xaqf.tutorial.ToyWorld:
    """The gallery's toy world (4 degree grid, 14 days)."""
    return xaqf.tutorial.toy_world(RECIPE.resolution, days=RECIPE.days, seed=RECIPE.seed)


def split() -> pd.Timestamp:
    """The first held-out time: training uses the times before it."""
    return pd.Timestamp(world().cams["time"].values[0]) + pd.Timedelta(days=RECIPE.train_days)


@functools.cache
def stats() -> xr.Dataset:
    """Normalisation statistics of the training period."""
    train = slice(None, split() - pd.Timedelta("1ns"))
    return compute_model_stats(world().cams.sel(time=train), world().era5.sel(time=train)).compute()


def forecaster(fusion: str = "bilinear") -> xaqf.Forecaster:
    """The tiny model with ``fusion``, trained once and then loaded from the cache."""
    path = CACHE / f"tiny_{fusion}.safetensors"
    if path.exists():
        return xaqf.Forecaster.load(path)
    model = demo._train(fusion, fusion, RECIPE, world(), stats(), split(), progress=False)
    CACHE.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return model


def init_times() -> list[pd.Timestamp]:
    """Two held-out initial times with truth for the whole forecast."""
    last = pd.Timestamp(world().cams["time"].values[-1]) - RECIPE.steps * pd.Timedelta("12h")
    inits = pd.DatetimeIndex(world().fuxi["init_time"].values)
    return [t for t in inits if split() <= t <= last][-RECIPE.test_inits:]


@functools.cache
def forecast(fusion: str = "bilinear") -> xr.Dataset:
    """The tiny model's forecast from :func:`init_times`, driven by the FuXi-like weather."""
    return forecaster(fusion).predict(world().cams, world().fuxi, steps=RECIPE.steps,
                                      init_times=init_times(), batch_size=2, progress=False)
