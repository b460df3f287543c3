"""``xaqf demo --output DIR``: the end-to-end demo of :mod:`xaqf.demo` on a toy world.

Trains a met-coupled model and its no-met ablation on CPU, forecasts 120 h from held-out
initial times with a FuXi-like met forecast, prints the skill table and writes the
forecast, scores and figures into ``DIR``. ``--quick`` runs a reduced version (under a
minute) that shows the workflow but not the skill.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``demo`` on ``subparsers``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="xaqf")
    >>> args = add_parser(parser.add_subparsers()).parse_args(["--output", "out", "--quick"])
    >>> args.output, args.quick
    ('out', True)
    """
    parser = subparsers.add_parser("demo", help="train and score on a toy world (minutes)",
                                   description=(
        "Generate the 4-degree toy world, train a met-coupled model and its no-met "
        "ablation on the CPU, forecast 5 days from held-out initial times with the "
        "FuXi-like met forecast, and score both against persistence (about 5 minutes on "
        "2 cores). Writes the forecast, scores, a table and figures to --output."))
    parser.add_argument("--output", default="demo-output", help="output folder")
    parser.add_argument("--quick", action="store_true", help="reduced run (no skill claims)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the demo; returns the exit status."""
    from xaqf.demo import QUICK, Recipe, run_demo

    run_demo(args.output, QUICK if args.quick else Recipe(), progress=not args.no_progress)
    return 0
