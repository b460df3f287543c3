"""``xaqf download``: fetch CAMS and ERA5 from the ADS/CDS, one file per product and month.

``xaqf download --product cams-analysis --start 2022-06 --end 2022-11 --dir raw/`` writes
``raw/cams-analysis/cams-analysis_2022-06.nc`` ... (see :func:`xaqf.data.download.download`).
``--product`` may be repeated, or ``all``; ``--product cams-glob-ant`` fetches the
CAMS-GLOB-ANT emission inventory of the years of ``--start`` ... ``--end`` into
``raw/cams-glob-ant/<year>/`` (:func:`xaqf.data.download.download_emissions`; not part of
``all``). ``--dry-run`` prints each request as JSON and downloads nothing. Re-running the
command skips complete months and years. Exit status: 0 on success, 2 for an xaqf or OS
error, reported on one line by :func:`xaqf.cli.main`.
"""

from __future__ import annotations

import argparse
from typing import Any

from xaqf.data.sources import PRODUCTS

EMISSIONS = "cams-glob-ant"
"""``--product`` of the emission inventory (yearly:
:func:`xaqf.data.download.download_emissions`).
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``download`` on ``subparsers``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="xaqf")
    >>> args = add_parser(parser.add_subparsers()).parse_args(
    ...     ["--product", "era5-static", "--product", "cams-analysis", "--start", "2022-06",
    ...      "--end", "2022-07", "--dir", "raw"])
    >>> args.product, args.dry_run
    (['era5-static', 'cams-analysis'], False)
    """
    parser = subparsers.add_parser(
        "download", help="download CAMS/ERA5 inputs from the ADS/CDS",
        description=("Download the ADS/CDS products month by month into DIR/<product>/; "
                     "complete months are skipped, so re-running resumes. Needs "
                     "pip install 'xaqf[download]' and an API key in the client's "
                     "configuration (~/.ecmwfdatastoresrc or ~/.cdsapirc)."))
    parser.add_argument("--product", action="append", required=True,
                        choices=[*PRODUCTS, "all", EMISSIONS],
                        help="product to fetch (repeatable)")
    parser.add_argument("--start", required=True, help="first month (YYYY-MM) or day")
    parser.add_argument("--end", required=True, help="last month (YYYY-MM) or day")
    parser.add_argument("--dir", required=True, dest="directory", help="download folder")
    parser.add_argument("--retries", type=int, default=3, help="retries per month")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the requests as JSON, download nothing")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Download; returns the exit status."""
    from xaqf.data.download import download, download_emissions
    from xaqf.data.sources import period

    monthly = [name for name in args.product if name != EMISSIONS]
    options = {"retries": args.retries, "progress": not args.no_progress,
               "dry_run": args.dry_run}
    paths = download(monthly, args.start, args.end, args.directory, **options) \
        if monthly else []
    first, last = period(args.start, args.end)
    years = download_emissions(first.year, last.year, args.directory, **options) \
        if EMISSIONS in args.product else []
    if not args.dry_run:
        inventory = f" and {len(years)} inventory years" if years else ""
        print(f"xaqf download: {len(paths)} files{inventory} complete in {args.directory}")
    return 0
