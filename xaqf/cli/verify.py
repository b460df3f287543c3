"""``xaqf verify``: score a forecast at observation stations; write a table and figures.

Converts the forecast's ``--variable`` to its surface concentration (ug m-3; gases need
``--met`` with ``t`` on the lowest level), interpolates it to the stations, pairs it with
the observations in valid time and writes, into ``--output``:

* ``scores.csv``: n, bias, RMSE, r, Spearman r, FAC2, NMB, MNMB, FGE per station and
  pooled (row ``all``), also printed;
* ``scores_by_day.csv``: the same scores pooled per forecast day (lead day), also printed;
* for PM2.5 and PM10, ``exceedance.csv``: the contingency table and skill (POD, FAR, CSI,
  ETS, HSS, frequency bias) of exceeding the WHO 2021 daily guideline level, each forecast
  day's mean against the observed mean of the same hours
  (:func:`xaqf.products.exceedance_skill`);
* ``timeseries.png`` (the station with most pairs), ``scatter.png``, ``bias_map.png``;
* with ``--report``, ``report.html``: the tables and figures in one self-contained page.

An ensemble forecast (a ``member`` or ``number`` dimension, even of one member) is verified
as its ensemble mean (:func:`xaqf.products.surface.ensemble_mean`). Met on another grid
than the forecast is refused (regrid it first); so is an output that would replace an input.

Exit status: 0 on success, 2 for a missing input file or data that cannot be verified
(reported on one line by :func:`xaqf.cli.main`, naming the station, variable, time, file or
parameter at fault).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
import xarray as xr

from xaqf._utils.atomic import atomic_path
from xaqf._utils.checks import not_an_input
from xaqf.errors import DataWarning
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
    parser.add_argument("--report", action="store_true",
                        help="also write report.html: tables and figures in one offline page")
    parser.set_defaults(func=run)
    return parser


def verify(forecast: xr.Dataset, observations: xr.Dataset, variable: str,
           met: xr.Dataset | None = None, method: Method = "bilinear", tolerance: str = "1h"
           ) -> tuple[pd.DataFrame, xr.DataArray, xr.DataArray]:
    """Score table and matched pairs of ``variable`` (see the module documentation)."""
    from xaqf import stations
    from xaqf.products.surface import ensemble_mean, surface_concentration
    from xaqf.stations.match import check_tolerance

    check_tolerance(tolerance)
    field = surface_concentration(ensemble_mean(forecast), variable, met).to_dataset()
    at_stations = stations.interpolate(field, observations, method=method)
    fc, obs = stations.match(at_stations.compute(), observations, tolerance=tolerance)
    return stations.score_table(fc[variable], obs[variable]), fc[variable], obs[variable]


EXCEEDANCE_VARIABLES = ("pm2p5", "pm10")
"""Variables whose exceedance of the WHO 2021 daily guideline level is verified."""


def exceedance(fc: xr.DataArray, obs: xr.DataArray) -> pd.DataFrame | None:
    """Skill at the WHO 2021 daily level per forecast day (None for other variables or
    without any observation): daily means of the matched pairs over the same hours.

    Examples
    --------
    >>> exceedance(xr.DataArray([1.0], dims="station", name="go3"), None) is None
    True
    """
    from xaqf.metrics.summary import by_lead_day
    from xaqf.products.thresholds import exceedance_skill

    if fc.name not in EXCEEDANCE_VARIABLES or int(obs.notnull().sum()) == 0:
        return None
    paired = fc.where(obs.notnull())
    forecast_days, observed_days = (
        by_lead_day(da.drop_vars("valid_time", errors="ignore")).to_dataset()
        for da in (paired, obs))
    skill = exceedance_skill(forecast_days, observed_days, "who_2021", keep=("lead_day",))
    return skill.drop_attrs().to_dataframe().drop(columns="threshold", errors="ignore")


def _figures(table: pd.DataFrame, fc: xr.DataArray, obs: xr.DataArray) -> dict[str, Any]:
    from xaqf.stations import plots

    best = str(table.drop(index="all")["n"].idxmax())
    units = str(obs.attrs.get("units", ""))
    return {"timeseries.png": plots.plot_timeseries(fc, obs, best),
            "scatter.png": plots.plot_scatter(fc, obs),
            "bias_map.png": plots.plot_bias_map(table, str(fc.name), units)}


def write_outputs(tables: dict[str, pd.DataFrame], figures: dict[str, Any], output: Path,
                  report: bool) -> None:
    """The tables as CSV files, the figures as PNG and, with ``report``, ``report.html``."""
    import matplotlib.pyplot as plt

    from xaqf.metrics.report import html_report

    for name, table in tables.items():
        with atomic_path(output / name) as partial:
            table.to_csv(partial, float_format="%.6g")
    for name, fig in figures.items():
        with atomic_path(output / name) as partial:
            fig.savefig(partial, dpi=120, metadata={"Software": None})
    if report:
        page = html_report("xaqf verification at stations",
                           {name.removesuffix(".csv"): t for name, t in tables.items()},
                           {name.removesuffix(".png"): f for name, f in figures.items()})
        with atomic_path(output / "report.html") as partial:
            partial.write_text(page, encoding="utf-8")
    for fig in figures.values():
        plt.close(fig)


def run(args: argparse.Namespace) -> int:
    """Run ``xaqf verify``; returns the exit status."""
    from xaqf.data.io import MEMBER_NAMES, open_met
    from xaqf.data.open import open_data
    from xaqf.products.surface import REFERENCE_CONDITIONS
    from xaqf.stations import open_stations
    from xaqf.stations.scores import score_table_by_lead_day

    matplotlib.use("Agg")
    inputs = [args.forecast, args.stations, args.station_metadata, args.met]
    for name in ("scores.csv", "scores_by_day.csv", "exceedance.csv", "report.html",
                 "timeseries.png", "scatter.png", "bias_map.png"):
        not_an_input(args.output / name, inputs)
    forecast = open_data(args.forecast)
    reference = REFERENCE_CONDITIONS if args.volume_reference is None else \
        tuple(args.volume_reference)
    observations = open_stations(args.stations, metadata=args.station_metadata,
                                 volume_reference=reference)
    met = None if args.met is None else open_met(str(args.met))
    table, fc, obs = verify(forecast, observations, args.variable, met, args.method,
                            args.tolerance)
    if any(dim in forecast.dims for dim in MEMBER_NAMES):
        print("xaqf verify: the forecast is an ensemble; its ensemble mean is verified")
    tables = {"scores.csv": table, "scores_by_day.csv": score_table_by_lead_day(fc, obs)}
    with warnings.catch_warnings(record=True) as notes:  # said on the output, not as warnings
        warnings.simplefilter("always", DataWarning)
        skill = exceedance(fc, obs)
    for note in notes:
        print(f"xaqf verify: note: {note.message}")
    if skill is not None:
        tables["exceedance.csv"] = skill
    for name, shown in tables.items():
        print(f"{name.removesuffix('.csv')}:")
        print(shown.to_string(float_format=lambda x: f"{x:.3g}"))
    figures = _figures(table, fc, obs)
    write_outputs(tables, figures, args.output, args.report)
    print(f"wrote {len(tables)} table(s) and {len(figures)} figure(s) to {args.output}")
    return 0
