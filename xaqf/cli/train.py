"""``xaqf train CONFIG.json``: train a model as described by a JSON training configuration.

The configuration is a :class:`xaqf.training.TrainConfig` (data, periods, model, stages,
output file, checkpoint folder). Re-running the same command resumes from the checkpoints.
Exit status: 0 on success, 1 for an xaqf error (message on stderr).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from xaqf.errors import XaqfError


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
    from xaqf.training.run import run_training

    try:
        config = TrainConfig.from_json(args.config)
        run_training(config, device=args.device, progress=not args.no_progress)
    except XaqfError as err:
        print(f"xaqf train: {err}", file=sys.stderr)
        return 1
    print(f"xaqf train: model written to {config.output}")
    return 0
