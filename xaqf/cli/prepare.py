"""``xaqf prepare``: raw CAMS/ERA5 downloads -> the analysis-ready training store (zarr).

Re-running the same command resumes an interrupted run; on a complete store it does nothing.
Exit status: 0 on success, 2 for an xaqf or OS error, reported on one line by
:func:`xaqf.cli.main`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``prepare`` on ``subparsers``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="xaqf")
    >>> args = add_parser(parser.add_subparsers()).parse_args(
    ...     ["--cams", "raw/cams/*.nc", "--met", "raw/era5/*.nc", "--statics", "s.nc",
    ...      "--start", "2022-06-01", "--end", "2022-11-30", "--output", "train.zarr"])
    >>> args.grid, args.workers, args.scheduler, args.emissions
    (0.4, None, None, None)
    """
    parser = subparsers.add_parser(
        "prepare", help="make the analysis-ready training store from raw downloads",
        description=("Read raw CAMS and meteorological files, regrid them onto the target "
                     "grid, check them and write one zarr store (groups cams, met, statics, "
                     "stats, and emissions with --emissions) on dask.distributed. "
                     "Re-running resumes."))
    parser.add_argument("--cams", required=True, nargs="+", help="raw CAMS files or globs")
    parser.add_argument("--met", required=True, nargs="+", help="raw met files or globs")
    parser.add_argument("--statics", required=True, help="the static file")
    parser.add_argument("--grid", type=float, default=0.4, help="target resolution, degrees")
    parser.add_argument("--start", required=True, help="first day (or time) of the period")
    parser.add_argument("--end", required=True, help="last day (or time) of the period")
    parser.add_argument("--output", required=True, help="the zarr store to write")
    parser.add_argument("--emissions", nargs="+", default=None,
                        help="emission inventory files or globs (CAMS-GLOB-ANT downloads or "
                             "canonical emi_* fields), written to the group 'emissions'")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None,
                       help="workers of a local dask cluster (0: run in this process)")
    where.add_argument("--scheduler", default=None, help="address of a dask scheduler")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Prepare the store; returns the exit status."""
    from xaqf.store import prepare

    command = shlex.join(["xaqf", *sys.argv[1:]]) if sys.argv[1:2] == ["prepare"] else \
        f"xaqf prepare (output {args.output})"
    output = prepare(args.cams, args.met, args.statics, args.output, args.grid,
                     args.start, args.end, workers=args.workers, scheduler=args.scheduler,
                     progress=not args.no_progress, command=command,
                     emissions=args.emissions)
    print(f"xaqf prepare: store written to {output}")
    return 0
