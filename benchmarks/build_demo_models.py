"""Rebuild the shipped demo models (``xaqf/tutorial/demo_models/*.safetensors``).

Trains the demo's recipe (:class:`xaqf.demo.Recipe`) three times on the 4 degree toy world,
once per fusion of the meteorology (bilinear, concat, none), stores each network's weights
as float16 with its provenance, and records the skill of the *stored* (float16) weights on
the held-out initial times next to that of the float32 weights they came from.

    PYTHONPATH=$PWD python3 benchmarks/build_demo_models.py [--output DIR]

About 15 minutes on a quiet 2-core CPU. On a busy machine, give each process one thread
(``OMP_NUM_THREADS=1``: torch's threads otherwise wait on each other, 10x slower) and build
the models in parallel, one process each (``--models demo-met``, ...). The default output
is the package's folder.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import pandas as pd

import xaqf
from xaqf import demo
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.tutorial import models, toy_world


def build(output: Path, names: list[str], recipe: demo.Recipe | None = None,
          progress: bool = True) -> dict[str, dict[str, list[float]]]:
    """Train, store and score the demo models ``names`` (by ``recipe``, default the
    demo's); returns each one's stored skill."""
    recipe = recipe or demo.Recipe()
    world = toy_world(recipe.resolution, days=recipe.days, seed=recipe.seed)
    split = pd.Timestamp(world.cams["time"].values[0]) + pd.Timedelta(days=recipe.train_days)
    train = slice(None, split - pd.Timedelta("1ns"))
    stats = compute_model_stats(world.cams.sel(time=train),
                                world.era5.sel(time=train)).compute()
    inits = models.held_out_init_times(world, split, recipe.steps, recipe.test_inits)
    skills = {}
    for name in names:
        fusion = models.DEMO_MODELS[name]
        tic = time.perf_counter()
        forecaster = demo._train(name, fusion, recipe, world, stats, split, progress)
        full = models.skill_record(models.held_out_skill(forecaster, world, inits, recipe.steps))
        forecaster.provenance.update(
            recipe=dataclasses.asdict(recipe), world={"resolution": recipe.resolution,
                                                      "days": recipe.days, "seed": recipe.seed},
            xaqf_version=xaqf.__version__, fusion=fusion, train_before=str(split),
            test_inits=[str(t) for t in inits], weights_dtype="float16",
            built_by="benchmarks/build_demo_models.py")
        forecaster.net.half()
        path = forecaster.save(output / f"{name}.safetensors")
        stored = xaqf.Forecaster.load(path, device="cpu")
        skills[name] = models.skill_record(
            models.held_out_skill(stored, world, inits, recipe.steps))
        stored.provenance["skill"] = skills[name]
        stored.provenance["skill_float32"] = full
        stored.net.half()
        stored.save(path)
        print(f"{name}: {time.perf_counter() - tic:.0f} s; mean normalised RMSE by lead "
              f"(float16 / float32):")
        for hours, half, single in zip(full["lead_hours"], skills[name]["mean_normalized_rmse"],
                                       full["mean_normalized_rmse"], strict=True):
            print(f"  {hours:>3} h  {half:.4f}  {single:.4f}")
    return skills


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=models.FOLDER)
    parser.add_argument("--epochs", type=int, nargs=2, metavar=("PRETRAIN", "MULTISTEP"),
                        help="epochs of the two stages instead of the demo's (16 3): a "
                             "shorter build, recorded in the files' provenance")
    parser.add_argument("--rollout-steps", type=int,
                        help="rollout steps of the multistep stage instead of the demo's (8)")
    parser.add_argument("--models", nargs="+", choices=list(models.DEMO_MODELS),
                        default=list(models.DEMO_MODELS), help="which models (default: all)")
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    recipe = demo.Recipe()
    pretrain, multistep = recipe.stages
    if args.epochs:
        pretrain = dataclasses.replace(pretrain, epochs=args.epochs[0])
        multistep = dataclasses.replace(multistep, epochs=args.epochs[1])
    if args.rollout_steps:
        multistep = dataclasses.replace(multistep, rollout_steps=args.rollout_steps)
    build(args.output, args.models, recipe.replace(stages=(pretrain, multistep)))


if __name__ == "__main__":
    main()
