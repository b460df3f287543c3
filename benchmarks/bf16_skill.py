"""What bfloat16 inference does to the skill of a trained forecaster.

Trains the demo's models once (:func:`xaqf.demo.run_demo` with its default
:class:`~xaqf.demo.Recipe`: ``small`` network, toy world at 4 degrees), then
forecasts the held-out initial times for 10 steps twice, in float32 and with
``dtype="bf16"``, and prints

* per channel, the change of the latitude-weighted RMSE against the truth at each lead time,
  relative to the float32 RMSE: ``(RMSE_bf16 - RMSE_fp32) / RMSE_fp32`` (mean, mean of
  absolute values, worst channel, at 120 h; targets: mean <= 1 %, no channel worse than 3 %);
* the largest difference between the two forecasts, relative to each channel's scale;
* the demo's skill table in both precisions (the float32 table must equal the demo's own).

Usage::

    python benchmarks/bf16_skill.py --output /tmp/bf16_skill   # ~5 min on 2 quiet cores
    python benchmarks/bf16_skill.py --output /tmp/bf16_skill --reuse   # forecasts only
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from xaqf import metrics
from xaqf.demo import Recipe, channel_rmse, run_demo, skill_table
from xaqf.forecaster import Forecaster
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.tutorial import toy_world
from xaqf.variables import POLLUTANT_CHANNELS, POLLUTANT_VARIABLES


def scores(world, forecasts: dict[str, xr.Dataset], stats: xr.Dataset, inits, leads
           ) -> xr.DataArray:
    """RMSE per model, channel and lead time in units of each channel's scale (the demo's)."""
    forecasts = dict(forecasts, persistence=metrics.persistence_forecast(world.cams, inits,
                                                                         leads))
    scale = stats["std"].sel(channel=list(POLLUTANT_CHANNELS))
    rmse = xr.concat([channel_rmse(metrics.rmse(forecasts[m][list(POLLUTANT_VARIABLES)],
                                                 world.cams).compute(), scale)
                      for m in forecasts], dim="model")
    return rmse.assign_coords(model=np.array(list(forecasts), dtype=str),
                              channel=np.array(POLLUTANT_CHANNELS, dtype=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("bf16_skill"))
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the models and table a previous run wrote to --output")
    args = parser.parse_args()
    recipe = Recipe()
    if not args.reuse:
        tic = time.perf_counter()
        run_demo(args.output, recipe, progress=False, figures=False)
        print(f"demo (training both models) in {time.perf_counter() - tic:.0f} s")
    demo_table = (args.output / "table.txt").read_text().rstrip("\n")

    world = toy_world(recipe.resolution, days=recipe.days, seed=recipe.seed)
    split = pd.Timestamp(world.cams["time"].values[0]) + pd.Timedelta(days=recipe.train_days)
    train = slice(None, split - pd.Timedelta("1ns"))
    stats = compute_model_stats(world.cams.sel(time=train), world.era5.sel(time=train)).compute()
    models = {name: Forecaster.load(args.output / f"model_{name}.safetensors", device="cpu")
              for name in ("met", "no-met")}
    with xr.open_dataset(args.output / "forecast.nc") as written:
        inits = pd.DatetimeIndex(written["init_time"].values)
        leads = written["lead_time"].values
    tables, rmse = {}, {}
    for dtype in (None, "bf16"):
        tic = time.perf_counter()
        forecasts = {name: fc.predict(world.cams, world.fuxi, steps=recipe.steps,
                                      init_times=inits, batch_size=len(inits), device="cpu",
                                      dtype=dtype, progress=False)
                     for name, fc in models.items()}
        label = dtype or "float32"
        print(f"{label} forecasts in {time.perf_counter() - tic:.1f} s")
        rmse[label] = scores(world, forecasts, stats, inits, leads)
        normalized = rmse[label].sel(model=["met", "no-met"]) / rmse[label].sel(
            model="persistence")
        tables[label] = skill_table(rmse[label], normalized)
        if dtype is None:
            reference = forecasts
        else:
            worst = max(float(abs(forecasts["met"][v] - reference["met"][v]).max()
                              / float(reference["met"][v].std())) for v in POLLUTANT_VARIABLES)
            print(f"largest |bf16 - fp32| of the met model: {worst:.2e} of a variable's std")
    print("float32 table identical to the demo's:", tables["float32"] == demo_table)
    change = (rmse["bf16"] - rmse["float32"]) / rmse["float32"]
    for name in ("met", "no-met"):
        at = change.sel(model=name, lead_time=pd.Timedelta(hours=120))
        worst = str(at["channel"].values[int(at.argmax())])
        print(f"{name} model, RMSE change bf16 vs float32 at 120 h over 73 channels: mean "
              f"{float(at.mean()):+.3%}, mean |.| {float(abs(at).mean()):.3%}, worst "
              f"{float(at.max()):+.3%} ({worst}), best {float(at.min()):+.3%}")
        by_lead = change.sel(model=name).mean("channel")
        print("  mean change by lead (h): " + ", ".join(
            f"{int(lead / np.timedelta64(1, 'h'))}: {float(v):+.3%}"
            for lead, v in zip(by_lead["lead_time"].values, by_lead.values, strict=True)))
    for label, table in tables.items():
        print(f"\n--- skill table, {label} ---\n{table}")


if __name__ == "__main__":
    main()
