"""Adapting a FuXi-trained model to other weather models' met, against training from scratch.

On the toy world, one model is trained on the FuXi-like met configuration (the paper's 70
channels). For each other configuration (Pangu-like: specific humidity, no precipitation;
GraphCast-like: specific humidity, 6-hourly precipitation), this script

* adapts it (:func:`xaqf.training.adapt.adapt_met`, then a stage training the met branch
  alone) on that configuration's met, and
* trains a model of the same size from scratch on that configuration,

and prints the optimiser steps and wall time of each, their ratio, and the 120 h skill of
every model on held-out initial times driven by the configuration's forecasts: the share of
pollutant channels beating persistence and the mean RMSE in units of each channel's
normalisation scale. Run: ``python benchmarks/met_adaptation.py`` (about 15 minutes on two
cores with the defaults).
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
import xarray as xr

from xaqf import Forecaster, metrics
from xaqf.data.presets import available_channels, resolve_met
from xaqf.model import get_config
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.training import StageConfig, WindowDataset, train_stage
from xaqf.training.adapt import adapt_met
from xaqf.tutorial import preset_met, toy_world
from xaqf.variables import POLLUTANT_CHANNELS, POLLUTANT_VARIABLES


def train(forecaster: Forecaster, cams: xr.Dataset, met: xr.Dataset,
          stage: StageConfig) -> tuple[Forecaster, int, float]:
    """Train ``forecaster`` in place; returns it, its optimiser steps and the wall time."""
    tic = time.perf_counter()
    windows = WindowDataset(forecaster, cams, resolve_met(met, forecaster.met_channels),
                            cache=True)
    history = train_stage(forecaster, windows, stage, progress=False)
    return forecaster, len(history.losses), time.perf_counter() - tic


def skill(forecaster: Forecaster, world: xr.Dataset, forecast_met: xr.Dataset,
          inits: list[pd.Timestamp], steps: int, scale: xr.DataArray) -> tuple[float, float]:
    """Share of channels beating persistence and mean scaled RMSE at the last lead."""
    met = resolve_met(forecast_met, forecaster.met_channels)
    forecast = forecaster.predict(world.cams, met, steps=steps, init_times=inits,
                                  batch_size=len(inits), progress=False)
    persistence = metrics.persistence_forecast(world.cams, inits, forecast["lead_time"].values)
    rmse = [metrics.channel_scores(metrics.rmse(fc[list(POLLUTANT_VARIABLES)], world.cams))
            .sel(channel=list(POLLUTANT_CHANNELS)).isel(lead_time=-1) / scale
            for fc in (forecast, persistence)]
    return float((rmse[0] < rmse[1]).mean()), float(rmse[0].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resolution", type=float, default=6.0)
    parser.add_argument("--days", type=float, default=36)
    parser.add_argument("--train-days", type=float, default=28)
    parser.add_argument("--epochs", type=int, default=10, help="from-scratch epochs")
    parser.add_argument("--adapt-epochs", type=int, default=1)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--inits", type=int, default=4)
    args = parser.parse_args()

    world = toy_world(args.resolution, days=args.days, seed=0)
    split = pd.Timestamp(world.cams["time"].values[0]) + pd.Timedelta(days=args.train_days)
    before = slice(None, split - pd.Timedelta("1ns"))
    cams, era5 = world.cams.sel(time=before), world.era5.sel(time=before)
    last = pd.Timestamp(world.cams["time"].values[-1]) - args.steps * pd.Timedelta("12h")
    inits = [t for t in pd.DatetimeIndex(world.fuxi["init_time"].values)
             if split <= t <= last][-args.inits:]
    config = get_config(args.model)
    scratch_stage = StageConfig("scratch", max_lr=3e-3, epochs=args.epochs, batch_size=4)
    adapt_stage = StageConfig("adapt-met", max_lr=1e-3, epochs=args.adapt_epochs,
                              batch_size=4, trains="met")
    print(f"toy world {dict(world.cams.sizes)}, model {args.model!r}, training before {split}, "
          f"{len(inits)} held-out initial times, skill at {12 * args.steps} h")

    stats = compute_model_stats(cams, era5).compute()
    scale = stats["std"].sel(channel=list(POLLUTANT_CHANNELS))
    fuxi, fuxi_steps, fuxi_seconds = train(
        Forecaster.from_config(config, stats, statics=world.statics, seed=0), cams, era5,
        scratch_stage)
    rows = [("fuxi", "trained on FuXi-like met", fuxi_steps, fuxi_seconds,
             *skill(fuxi, world, world.fuxi, inits, args.steps, scale))]
    for preset in ("pangu", "graphcast"):
        met = preset_met(era5, preset)
        forecasts = preset_met(world.fuxi, preset)
        channels = available_channels(met)
        scratch = Forecaster.from_config(
            config, compute_model_stats(cams, resolve_met(met, channels)).compute(),
            statics=world.statics, seed=0, met=channels)
        scratch, steps, seconds = train(scratch, cams, met, scratch_stage)
        rows.append((preset, f"from scratch, {len(channels)} met channels", steps, seconds,
                     *skill(scratch, world, forecasts, inits, args.steps, scale)))
        adapted, a_steps, a_seconds = train(adapt_met(fuxi, met), cams, met, adapt_stage)
        rows.append((preset, "adapted from FuXi", a_steps, a_seconds,
                     *skill(adapted, world, forecasts, inits, args.steps, scale)))
        print(f"{preset}: adaptation/scratch cost {a_steps / steps:.1%} of the steps, "
              f"{a_seconds / seconds:.1%} of the wall time; mean RMSE adapted/scratch "
              f"{rows[-1][5] / rows[-2][5]:.3f}")

    print(f"\n{'met':<10} {'model':<30} {'steps':>6} {'seconds':>8} {'beats persistence':>18} "
          f"{'mean RMSE':>10}")
    for met_name, what, steps, seconds, share, rmse in rows:
        print(f"{met_name:<10} {what:<30} {steps:>6} {seconds:>8.1f} {share:>18.1%} "
              f"{rmse:>10.4f}")


if __name__ == "__main__":
    main()
