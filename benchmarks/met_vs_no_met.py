"""Benchmark: is the met-coupled demo model significantly better than the no-met one?

Runs the demo (:func:`xaqf.demo.run_demo`) with its reduced recipe :data:`xaqf.demo.QUICK`,
stretched to more test initial times so that a block bootstrap has something to resample
(``--days``, ``--test-inits``), reloads the two trained models it saved
(``model_met.safetensors``, ``model_no-met.safetensors``), forecasts the test initial times
with both on the same toy world, and runs the library evaluation
(:func:`xaqf.metrics.evaluate`, labels ``met`` and ``no-met``): per pollutant channel and
lead day, the RMSE difference met - no-met with its 90 % block-bootstrap interval, and how
many differences are significant either way. Prints one JSON record.

Run: ``python benchmarks/met_vs_no_met.py [--output DIR] [--days 20] [--test-inits 12]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import pandas as pd

from xaqf import metrics
from xaqf.demo import QUICK, run_demo
from xaqf.forecaster import Forecaster
from xaqf.metrics.evaluation import catalogue_order
from xaqf.tutorial import toy_world
from xaqf.variables import POLLUTANT_VARIABLES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=Path("met_vs_no_met"))
    parser.add_argument("--days", type=float, default=20)
    parser.add_argument("--test-inits", type=int, default=12)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()

    recipe = QUICK.replace(days=args.days, test_inits=args.test_inits)
    start = time.perf_counter()
    demo = run_demo(args.output, recipe, progress=False, figures=False)
    world = toy_world(recipe.resolution, days=recipe.days, seed=recipe.seed)
    inits = pd.DatetimeIndex(demo_inits(args.output))
    forecasts = {name: catalogue_order(Forecaster.load(args.output / f"model_{name}.safetensors")
                                       .predict(world.cams, world.fuxi, steps=recipe.steps,
                                                init_times=inits, batch_size=len(inits),
                                                progress=False)[list(POLLUTANT_VARIABLES)])
                 for name in ("met", "no-met")}
    tree = metrics.evaluate(forecasts["met"], world.cams, forecasts["no-met"],
                            labels=("met", "no-met"), confidence=0.90,
                            n_resamples=args.resamples)
    comparison = tree["comparison"].to_dataset()
    seconds = time.perf_counter() - start
    per_day = comparison[["significantly_better", "significant"]].sum("channel")
    worse = (comparison["significant"] & ~comparison["better"]).sum("channel")
    record = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "date": pd.Timestamp.now("UTC").isoformat(timespec="minutes"),
        "initial_times": len(inits), "channels": int(comparison.sizes["channel"]),
        "lead_days": comparison["lead_day"].values.tolist(),
        "block_length": comparison.attrs.get("block_length"),
        "met_significantly_better": per_day["significantly_better"].values.tolist(),
        "met_significantly_worse": worse.values.tolist(),
        "median_difference": comparison["difference"].median("channel").values.tolist(),
        "demo_reduction_vs_no_met_120h": round(demo.reduction_vs_no_met(), 4),
        "seconds": round(seconds, 1),
    }
    tree.to_netcdf(args.output / "met_vs_no_met.nc")
    print(json.dumps(record))


def demo_inits(output: Path) -> list:
    """The test initial times of the demo's forecast."""
    import xarray as xr

    with xr.open_dataset(output / "forecast.nc") as forecast:
        return forecast["init_time"].values.tolist()


if __name__ == "__main__":
    main()
