"""``xaqf train CONFIG``: train a model as described by a JSON training configuration.

The configuration is a :class:`xaqf.training.TrainConfig` (data, periods, model, stages,
output file, checkpoint folder); lines starting with ``//`` in it are comments.
``xaqf train --template quick|paper [CONFIG]`` prints (or writes to ``CONFIG``) a complete
one, each field explained: a toy run of about a minute, or the paper's recipe
(:mod:`xaqf.training.template`). ``--max-steps N`` stops each stage at step ``N`` for a try.
Re-running the same command resumes from the checkpoints; a finished stage says "already
done". Before each stage its numbers of training and validation windows are printed, after
each epoch the validation RMSE next to that of the persistence-like base the network
corrects (the state 12 h before, or 24 h before on the channels that follow the day-night
cycle), and at the end the stage's samples per second and share of time spent waiting for
data.
Data-parallel: ``torchrun --nproc_per_node N -m xaqf train CONFIG`` (NCCL on CUDA, gloo on
the CPU); only rank 0 prints and writes.
Exit status: 0 on success, 2 for an xaqf or OS error (a bad configuration, a missing
data file, an unwritable output, a checkpoint of another model...), reported on one line by
:func:`xaqf.cli.main`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from xaqf.errors import ConfigError

TEMPLATE_NAMES = ("paper", "quick")
"""The names of ``--template`` (those of :data:`xaqf.training.template.TEMPLATES`)."""


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
        "stages); lines starting with // are comments. With a checkpoint_dir in the "
        "config, a re-run resumes where it stopped. Start from a template: "
        "xaqf train --template quick run.json writes a commented configuration of a "
        "one-minute toy run (--template paper: the paper's recipe)."))
    parser.add_argument("config", nargs="?",
                        help="path of the TrainConfig JSON file (with --template: where to "
                             "write the template)")
    parser.add_argument("--template", choices=sorted(TEMPLATE_NAMES),
                        help="print a complete, commented configuration (or write it to "
                             "CONFIG) instead of training")
    parser.add_argument("--max-steps", type=int, metavar="N",
                        help="stop each stage at optimiser step N (a try; a re-run goes on)")
    parser.add_argument("--device", default="cpu", help="torch device (default: cpu)")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bars (the per-epoch lines stay)")
    parser.set_defaults(func=run)
    return parser


def _write_template(name: str, path: str | None) -> int:
    from xaqf.training.template import template

    text = template(name)
    if path is None:
        print(text, end="")
        return 0
    if Path(path).exists():
        raise ConfigError(f"{path} exists; give another path for the template or delete it")
    Path(path).write_text(text)
    print(f"xaqf train: wrote the {name!r} template to {path}; edit it, then run "
          f"xaqf train {path}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Train (or write a template); returns the exit status."""
    from xaqf.training.config import TrainConfig
    from xaqf.training.distributed import setup
    from xaqf.training.run import run_training

    if args.template is not None:
        return _write_template(args.template, args.config)
    if args.config is None:
        raise ConfigError("give the path of a training configuration; "
                          "xaqf train --template quick prints one to start from")
    if args.max_steps is not None and args.max_steps < 1:
        raise ConfigError(f"--max-steps must be at least 1, got {args.max_steps}")
    config = TrainConfig.from_json(args.config)
    world = setup(args.device)
    try:
        run_training(config, device=args.device, progress=not args.no_progress, world=world,
                     max_steps=args.max_steps, say=lambda line: print(f"xaqf train: {line}"))
    finally:
        world.close()
    if world.is_main:
        print(f"xaqf train: model written to {config.output}")
    return 0
