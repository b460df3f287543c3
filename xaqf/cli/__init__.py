"""The ``xaqf`` command line: ``xaqf demo``, ``train CONFIG``, ``evaluate ...``, ``download``.

Each sub-command lives in its own module, which exposes ``add_parser(subparsers)``; the
parser it registers carries the function to run as its ``func`` default.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from xaqf.cli import demo, download, evaluate, prepare, train, verify

_COMMANDS = (demo, train, evaluate, download, verify, prepare)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="xaqf", description="Global air-pollution forecasting with offline met coupling."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in _COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)
