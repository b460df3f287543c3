"""``xaqf forecast MODEL``: forecast from CAMS and meteorological files with a trained model.

Opens the pollutant states (``--cams``, :func:`xaqf.open_cams`) and the meteorology
(``--met``, :func:`xaqf.open_met`: a weather forecast such as FuXi's along ``init_time`` /
``lead_time``, whose run started at each initial time is used, or analyses along ``time``),
forecasts ``--steps`` steps from every initial time that has its inputs (or from
``--init-times``) and streams the forecast to ``--output`` (``.zarr`` or ``.nc``; a file
already there is replaced once the new one is complete, never half-written). Met on another
grid is regridded to the pollutants' grid with a warning; a model trained with emission
inputs needs ``--emissions``. An ``--output`` that is, holds or lies in one of the input
files or stores (symlinks resolved), or is a symbolic link, is refused before the model is
loaded; so is ``--steps`` beyond :data:`xaqf._utils.checks.MAX_STEPS`.

Exit status: 0 on success, 2 for an xaqf or OS error (a missing file or time, a grid the
model was not trained on...), reported on one line by :func:`xaqf.cli.main`.
"""

from __future__ import annotations

import argparse
from typing import Any

from xaqf.cli.arguments import iso_time


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``forecast`` on ``subparsers``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="xaqf")
    >>> args = add_parser(parser.add_subparsers()).parse_args(
    ...     ["paper.safetensors", "--cams", "cams/*.nc", "--met", "fuxi/*.nc",
    ...      "--output", "forecast.zarr"])
    >>> args.steps, args.dtype, args.init_times, args.device
    (10, 'fp32', None, None)
    """
    parser = subparsers.add_parser(
        "forecast", help="forecast from CAMS and met files with a trained model",
        description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("model", help="the model file (.safetensors) or a registered name")
    parser.add_argument("--cams", required=True, nargs="+",
                        help="pollutant files or globs: the states at t - step and t")
    parser.add_argument("--met", required=True, nargs="+",
                        help="met files or globs covering t ... t + steps x step")
    parser.add_argument("--output", required=True, help="the .zarr or .nc file to write")
    parser.add_argument("--steps", type=int, default=10, help="steps (default 10: 120 h)")
    parser.add_argument("--init-times", nargs="+", default=None, type=iso_time,
                        help="initial times, ISO (default: every time with its inputs)")
    parser.add_argument("--batch-size", type=int, default=4,
                        help="cases run through the network together (default 4)")
    parser.add_argument("--device", default=None,
                        help="torch device, e.g. cuda or cpu (default: CUDA if available)")
    parser.add_argument("--dtype", choices=("fp32", "bf16"), default="fp32",
                        help="network precision (default fp32; bf16: see the docs)")
    parser.add_argument("--emissions", nargs="+", default=None,
                        help="emission files or globs, for a model trained with emissions")
    parser.add_argument("--compile", action="store_true",
                        help="run the network through torch.compile")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Forecast; returns the exit status."""
    import pandas as pd

    from xaqf._utils.checks import check_output, forecast_steps
    from xaqf.data.inventory import open_emissions
    from xaqf.data.io import expand_paths, open_cams, open_met
    from xaqf.forecaster import Forecaster

    forecast_steps(args.steps)
    inventory = [] if args.emissions is None else expand_paths(args.emissions)
    check_output(args.output, [*expand_paths(args.cams), *expand_paths(args.met), *inventory])
    forecaster = Forecaster.load(args.model)
    cams, met = open_cams(args.cams), open_met(args.met)
    emissions = None if args.emissions is None else open_emissions(args.emissions)
    forecast = forecaster.predict(
        cams, met, args.steps, init_times=args.init_times, batch_size=args.batch_size,
        device=args.device, dtype=None if args.dtype == "fp32" else args.dtype,
        progress=not args.no_progress, output=args.output, emissions=emissions,
        compile=args.compile)
    inits = pd.DatetimeIndex(forecast["init_time"].values)
    print(f"xaqf forecast: {len(inits)} initial time(s) ({inits.min()} ... {inits.max()}) x "
          f"{forecast.sizes['lead_time']} steps written to {args.output}")
    return 0
