"""The ``xaqf`` command line: ``xaqf demo``, ``train CONFIG``, ``forecast MODEL``, ``evaluate``...

Each sub-command lives in its own module, which exposes ``add_parser(subparsers)``; the
parser it registers carries the function to run as its ``func`` default.

Errors: an xaqf error or an OS error (missing file, permissions...) ends the
command with one line ``xaqf <command>: error: <message>`` on stderr and exit status 2, the
format and status of argparse's usage errors, so every failure reads the same; ``--debug``
(or ``XAQF_DEBUG=1`` in the environment) re-raises it instead, with its traceback. Ctrl-C
exits with status 130. The help texts are the modules' docstrings in plain words
(:func:`xaqf.cli.arguments.plain_help`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from xaqf.cli import (
    demo,
    download,
    evaluate,
    forecast,
    info,
    prepare,
    products,
    sample_data,
    train,
    verify,
)
from xaqf.cli.arguments import plain_help
from xaqf.errors import XaqfError

_COMMANDS = (demo, sample_data, download, prepare, train, forecast, evaluate, verify, products,
             info)

EXIT_ERROR = 2
"""Exit status of a usage or data error (argparse's)."""


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="xaqf", description="Global air-pollution forecasting with offline met coupling."
    )
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error (also: XAQF_DEBUG=1)")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in _COMMANDS:
        command.add_parser(subparsers)
    plain_help(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status (see the module notes).

    Examples
    --------
    >>> main(["train", "no-such-config.json"])
    2
    """
    args = build_parser().parse_args(argv)
    debug = args.debug or os.environ.get("XAQF_DEBUG", "") not in ("", "0")
    try:
        return int(args.func(args) or 0)
    except (XaqfError, OSError) as err:
        if debug:
            raise
        error(args.command, _one_line(err))
        return EXIT_ERROR
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"xaqf {args.command}: interrupted", file=sys.stderr)
        return 130


def error(command: str, message: str) -> None:
    """Print ``message`` as the one error line of ``xaqf command`` on stderr.

    Examples
    --------
    >>> import contextlib, io
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     error("info", "no-such.zarr does not exist")
    >>> print(err.getvalue(), end="")
    xaqf info: error: no-such.zarr does not exist
    """
    print(f"xaqf {command}: error: {message}", file=sys.stderr)


def _one_line(err: BaseException) -> str:
    """``err``'s message on one line (an OS error's message, or its type if empty)."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text if isinstance(err, XaqfError) else f"{type(err).__name__}: {text}"
