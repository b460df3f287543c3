"""``xaqf sample-data DIR``: the toy world written as a user's downloads, to try every command.

Writes into DIR the raw ADS/CDS files (CAMS analysis, ERA5 pressure and single levels,
precipitation, statics), FuXi-like met forecasts in earth2studio's layout (``fuxi/``) and
station observations (``stations/``: an OpenAQ export, an EEA download and its station
metadata), all from one toy world; see :mod:`xaqf.tutorial.sample_data`. It prints the files
and the command to run next (``xaqf prepare``).

Exit status: 0 on success, 2 for an error, reported on one line by :func:`xaqf.cli.main`.
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``sample-data`` on ``subparsers``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="xaqf")
    >>> args = add_parser(parser.add_subparsers()).parse_args(["raw", "--days", "4"])
    >>> args.directory, args.days, args.start
    ('raw', 4, '2022-06-01')
    """
    parser = subparsers.add_parser(
        "sample-data", help="write the toy world as downloaded files, to try every command",
        description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("directory", metavar="DIR", help="folder to write into (created)")
    parser.add_argument("--days", type=int, default=6,
                        help="days of data, at least 2 (default 6)")
    parser.add_argument("--start", default="2022-06-01",
                        help="first day, YYYY-MM-DD (default 2022-06-01)")
    parser.add_argument("--stations", type=int, default=30,
                        help="OpenAQ-like stations; the EEA-like file has half as many "
                             "(default 30)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the toy world (default 0)")
    parser.set_defaults(func=run)
    return parser


def next_command(data: Any, grid: float = 4.0) -> str:
    """The ``xaqf prepare`` command that makes the training store from ``data``
    (a :class:`~xaqf.tutorial.sample_data.SampleData`), for copying to the shell."""
    from xaqf.tutorial.downloads import period_times

    raw = data.raw
    times = period_times(data.start, data.days)
    folder = raw.directory
    return shlex.join(["xaqf", "prepare", "--cams", f"{folder}/cams-analysis/*.nc",
                       "--met", *[f"{folder}/{name}/*.nc" for name in
                                  ("era5-pressure-levels", "era5-single-levels",
                                   "era5-precipitation")],
                       "--statics", str(raw.statics), "--grid", f"{grid:g}",
                       "--start", f"{times[0]:%Y-%m-%d}",
                       "--end", f"{times[-1]:%Y-%m-%d}",
                       "--output", f"{folder}/train.zarr"])


def run(args: argparse.Namespace) -> int:
    """Write the sample data; returns the exit status."""
    from xaqf.tutorial.sample_data import save_sample_data

    data = save_sample_data(args.directory, days=args.days, start=args.start,
                            seed=args.seed, stations=args.stations)
    print(f"xaqf sample-data: a {args.days}-day toy world written to {args.directory}:")
    for label, paths in (("CAMS analysis", data.raw.cams), ("ERA5", data.raw.met),
                         ("statics", [data.raw.statics]), ("FuXi-like forecasts", data.fuxi),
                         ("stations", [data.openaq, data.eea, data.eea_metadata])):
        print(f"  {label:20} {len(paths):3d} file(s), e.g. {paths[0]}")
    print("next: make the training store with")
    print(f"  {next_command(data)}")
    return 0
