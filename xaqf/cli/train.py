"""``xaqf train CONFIG.json``: train a model as described by a JSON training configuration.

The configuration is a :class:`xaqf.training.TrainConfig` (data, periods, model, stages,
output file, checkpoint folder). Re-running the same command resumes from the checkpoints.
Data-parallel: ``torchrun --nproc_per_node N -m xaqf train CONFIG`` (NCCL on CUDA, gloo on
the CPU); only rank 0 prints and writes. Each stage's samples per second and share of time
spent waiting for data are printed at the end.
Exit status: 0 on success, 2 for an xaqf or OS error (a bad configuration, a missing
data file, an unwritable output...), reported on one line by :func:`xaqf.cli.main`.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``train`` on ``subparsers``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="xaqf")
    >>> args = add_parser(parser.add_subparsers()).parse_args(["run.json", "--device", "cpu"])
    >>> args.config, args.device
    ('run.json', 'cpu')
    """
    parser = subparsers.add_parser("train", help="train a model from a JSON configuration",
                                   description=(
        "Train a model as described by a TrainConfig JSON file (data, model config, "
        "stages); with a checkpoint_dir in the config, a re-run resumes where it stopped."))
    parser.add_argument("config", help="path of the TrainConfig JSON file")
    parser.add_argument("--device", default="cpu", help="torch device (default: cpu)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Train; returns the exit status."""
    from xaqf.training.config import TrainConfig
    from xaqf.training.distributed import setup
    from xaqf.training.run import run_training

    config = TrainConfig.from_json(args.config)
    world = setup(args.device)
    try:
        forecaster = run_training(config, device=args.device, progress=not args.no_progress,
                                  world=world)
    finally:
        world.close()
    if world.is_main:
        for stage in forecaster.provenance.get("stages", []):
            print(f"xaqf train: stage {stage['stage']['name']!r}: "
                  f"{stage.get('samples_per_s', 0.0):.2f} samples/s, "
                  f"{100 * stage.get('data_wait', 0.0):.0f} % of the time waiting for data")
        print(f"xaqf train: model written to {config.output}")
    return 0
