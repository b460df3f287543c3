"""``xaqf verify``: score a forecast at observation stations; write a table and figures.

Converts the forecast's ``--variable`` to its surface concentration (ug m-3; gases need
``--met`` with ``t`` on the lowest level), interpolates it to the stations, pairs it with
the observations in valid time and writes, into ``--output``:

* ``scores.csv``: n, bias, RMSE, r, FAC2, NMB per station and pooled (row ``all``), also
  printed;
* ``timeseries.png`` (the station with most pairs), ``scatter.png``, ``bias_map.png``.

Exit status: 0 on success, 2 for a missing input file or data that cannot be verified
(the message names the station, variable, time or file at fault).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
import xarray as xr

from xaqf._utils.atomic import atomic_path
from xaqf.errors import XaqfError
from xaqf.stations.interpolate import Method


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``verify`` on ``subparsers`` (from :meth:`ArgumentParser.add_subparsers`).

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="xaqf")
    >>> args = add_parser(parser.add_subparsers()).parse_args(["fc.nc", "--stations", "o.nc"])
    >>> args.variable, args.tolerance, args.method, args.volume_reference
    ('pm2p5', '1h', 'bilinear', None)
    """
    parser = subparsers.add_parser(
        "verify", help="score a forecast at observation stations; write scores.csv, figures",
        description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("forecast", type=Path, help="forecast or analysis (netCDF or zarr)")
    parser.add_argument("--stations", type=Path, required=True,
                        help="station observations (netCDF, OpenAQ CSV or EEA CSV)")
    parser.add_argument("--station-metadata", type=Path, default=None,
                        help="EEA station metadata table (for EEA CSVs)")
    parser.add_argument("--variable", default="pm2p5",
                        help="variable to verify (default pm2p5)")
    parser.add_argument("--volume-reference", type=float, nargs=2, default=None,
                        metavar=("KELVIN", "PASCAL"),
                        help="conditions at which observed ppb/ppm become ug m-3 (default "
                             "293.15 101325, the EU's; the US EPA's: 298.15 101325)")
    parser.add_argument("--met", type=Path, default=None,
                        help="met with 't' on the lowest level (needed for gases)")
    parser.add_argument("--method", choices=("bilinear", "nearest"), default="bilinear",
                        help="interpolation to the stations (default bilinear)")
    parser.add_argument("--tolerance", default="1h",
                        help="largest time difference of a pair (default 1h)")
    parser.add_argument("--output", type=Path, default=Path("verification"),
                        help="output folder (created; default ./verification)")
    parser.set_defaults(func=run)
    return parser


def verify(forecast: xr.Dataset, observations: xr.Dataset, variable: str,
           met: xr.Dataset | None = None, method: Method = "bilinear", tolerance: str = "1h"
           ) -> tuple[pd.DataFrame, xr.DataArray, xr.DataArray]:
    """Score table and matched pairs of ``variable`` (see the module documentation)."""
    from xaqf import stations
    from xaqf.products.surface import surface_concentration

    field = surface_concentration(forecast, variable, met).to_dataset()
    at_stations = stations.interpolate(field, observations, method=method)
    fc, obs = stations.match(at_stations.compute(), observations, tolerance=tolerance)
    return stations.score_table(fc[variable], obs[variable]), fc[variable], obs[variable]


def _figures(table: pd.DataFrame, fc: xr.DataArray, obs: xr.DataArray, output: Path
             ) -> list[Path]:
    import matplotlib.pyplot as plt

    from xaqf.stations import plots

    best = str(table.drop(index="all")["n"].idxmax())
    units = str(obs.attrs.get("units", ""))
    figures = {"timeseries.png": plots.plot_timeseries(fc, obs, best),
               "scatter.png": plots.plot_scatter(fc, obs),
               "bias_map.png": plots.plot_bias_map(table, str(fc.name), units)}
    paths = []
    for name, fig in figures.items():
        with atomic_path(output / name) as partial:
            fig.savefig(partial, dpi=120)
        plt.close(fig)
        paths.append(output / name)
    return paths


def run(args: argparse.Namespace) -> int:
    """Run ``xaqf verify``; returns the exit status."""
    from xaqf.cli.evaluate import open_data
    from xaqf.data.io import open_met
    from xaqf.products.surface import REFERENCE_CONDITIONS
    from xaqf.stations import open_stations

    matplotlib.use("Agg")
    try:
        forecast = open_data(args.forecast)
        reference = REFERENCE_CONDITIONS if args.volume_reference is None else \
            tuple(args.volume_reference)
        observations = open_stations(args.stations, metadata=args.station_metadata,
                                     volume_reference=reference)
        met = None if args.met is None else open_met(str(args.met))
        table, fc, obs = verify(forecast, observations, args.variable, met, args.method,
                                args.tolerance)
    except FileNotFoundError as error:
        print(f"xaqf verify: error: {error}", file=sys.stderr)
        return 2
    except XaqfError as error:
        print(f"xaqf verify: error: {error}", file=sys.stderr)
        return 2
    with atomic_path(args.output / "scores.csv") as partial:
        table.to_csv(partial, float_format="%.6g")
    print(table.to_string(float_format=lambda x: f"{x:.3g}"))
    figures = _figures(table, fc, obs, args.output)
    print(f"wrote {args.output / 'scores.csv'} and {len(figures)} figure(s) to {args.output}")
    return 0
