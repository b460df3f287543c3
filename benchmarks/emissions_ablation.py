"""Ablation: the same network trained with and without emission inputs on the toy world.

A lighter version of the demo's recipe (6-degree grid, 36 days, the ``tiny`` network, one
single-step stage and a short multistep stage), driven by the toy world's FuXi-like
forecast. Prints, per lead time, the share of the 73 channels whose RMSE beats persistence
for each model and the RMSE change of the emission model against the one without. The
toy inventory is the world's annual-mean anthropogenic + fire + volcanic flux of CO, NOx,
SO2 and fine aerosol. Usage: ``python benchmarks/emissions_ablation.py``.
"""

from __future__ import annotations

import dataclasses
import platform
import time

import pandas as pd

from xaqf import Forecaster, metrics
from xaqf.model import get_config
from xaqf.preprocessing.emissions import EmissionSettings, emission_stats
from xaqf.preprocessing.normalization import combine_stats, compute_model_stats
from xaqf.training import StageConfig, WindowDataset, train_stage
from xaqf.tutorial import toy_world
from xaqf.variables import POLLUTANT_CHANNELS, POLLUTANT_VARIABLES

RESOLUTION, DAYS, TRAIN_DAYS, TEST_INITS, STEPS = 6.0, 36, 26, 6, 10
SETTINGS = EmissionSettings(("co", "nox", "so2", "fine"))
STAGES = (StageConfig("pretrain", max_lr=2e-3, epochs=10, batch_size=4, seed=0),
          StageConfig("multistep", max_lr=3e-4, epochs=2, batch_size=4, rollout_steps=4,
                      seed=1))
LEADS = (24, 72, 120)


def _train(world, stats, split, settings):
    name = "emissions" if settings else "no-emissions"
    fc = Forecaster.from_config(get_config("tiny").replace(name=name), stats,
                                statics=world.statics, seed=0, emissions=settings)
    cams = world.cams.sel(time=slice(None, split - pd.Timedelta("1ns")))
    era5 = world.era5.sel(time=cams["time"])
    emissions = world.emissions if settings else None
    for stage in STAGES:
        windows = WindowDataset(fc, cams, era5, rollout_steps=stage.rollout_steps, cache=True,
                                emissions=emissions)
        train_stage(fc, windows, dataclasses.replace(stage, name=f"{name} {stage.name}"),
                    progress=False)
    return fc


def main() -> None:
    tic = time.perf_counter()
    world = toy_world(RESOLUTION, days=DAYS, seed=0)
    split = pd.Timestamp(world.cams["time"].values[0]) + pd.Timedelta(days=TRAIN_DAYS)
    train = world.cams.sel(time=slice(None, split - pd.Timedelta("1ns")))
    stats = compute_model_stats(train, world.era5.sel(time=train["time"])).compute()
    with_emis = combine_stats(stats, emission_stats(world.emissions, SETTINGS))
    models = {"emissions": _train(world, with_emis, split, SETTINGS),
              "no-emissions": _train(world, stats, split, None)}
    last = pd.Timestamp(world.cams["time"].values[-1]) - STEPS * pd.Timedelta("12h")
    inits = [t for t in pd.DatetimeIndex(world.fuxi["init_time"].values)
             if split <= t <= last][-TEST_INITS:]
    forecasts = {name: fc.predict(world.cams, world.fuxi, steps=STEPS, init_times=inits,
                                  progress=False,
                                  emissions=world.emissions if fc.emissions else None)
                 for name, fc in models.items()}
    leads = forecasts["emissions"]["lead_time"].values
    forecasts["persistence"] = metrics.persistence_forecast(world.cams, inits, leads)
    rmse = {name: metrics.channel_scores(metrics.rmse(fc[list(POLLUTANT_VARIABLES)],
                                                      world.cams).compute())
            .sel(channel=list(POLLUTANT_CHANNELS)) for name, fc in forecasts.items()}
    scale = stats["std"].sel(channel=list(POLLUTANT_CHANNELS))
    lines = ["| lead | emissions beats persistence | no emissions beats persistence | "
             "RMSE, emissions vs none |", "| --- | --- | --- | --- |"]
    for hours in LEADS:
        at = {k: v.sel(lead_time=pd.Timedelta(hours=hours)) for k, v in rmse.items()}
        share = {k: float((at[k] < at["persistence"]).mean()) for k in models}
        change = float((at["emissions"] / scale).mean() / (at["no-emissions"] / scale).mean() - 1)
        lines.append(f"| {hours} h | {share['emissions']:.1%} of 73 channels | "
                     f"{share['no-emissions']:.1%} | {change:+.1%} |")
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}; "
          f"{pd.Timestamp.now():%Y-%m-%d}; {time.perf_counter() - tic:.0f} s")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
