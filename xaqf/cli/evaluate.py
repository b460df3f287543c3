"""``xaqf evaluate``: score a forecast against the truth, write scores and figures.

Writes, into ``--output`` (default ``evaluation``):

* ``scores.nc``: a netCDF file with groups (read it with :func:`xarray.open_datatree`):
  ``rmse``, ``mnmb``, ``fge``, ``nmb`` (dim ``model``: the labels), ``summary``, with
  ``--climatology`` ``acc`` and, with a reference, ``normalized_rmse`` (per lead time),
  ``score_matrix`` (per lead day), ``share_better`` and ``comparison`` (RMSE difference
  per channel and lead day with its 95 % block-bootstrap interval and significance);
* ``rmse_curves.png``, with ``--climatology`` ``acc_curves.png`` and, with ``--reference``,
  ``score_matrix.png`` (non-significant cells hatched) and ``normalized_rmse.png``;
* with ``--report``, ``report.html``: the tables and figures in one self-contained page.

It prints the summary table (per variable and lead day: RMSE of each model and, with a
reference, the share of channels better and significantly better, the initial times).
``--baseline persistence`` scores against persistence of the truth instead of a
``--reference`` file; ``--label NAME [NAME]`` names the forecast and the reference.

The scores are those of :func:`xaqf.metrics.evaluate`: each forecast's come from one pass
over the data (additive weighted-sum states, :mod:`xaqf.metrics.streaming`), on dask: in
this process by default, or on a
dask.distributed cluster for large archives (``--workers N`` starts a local one,
``--scheduler ADDRESS`` joins a running one whose workers see the same files).

Exit status: 0 on success, 2 for a missing input file or data that cannot be scored
(the message names the variable, time or grid at fault).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import xarray as xr

from xaqf._utils.atomic import atomic_path
from xaqf.errors import ConfigError, DataWarning, MissingVariableError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``evaluate`` on ``subparsers`` (from :meth:`ArgumentParser.add_subparsers`).

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="xaqf")
    >>> args = add_parser(parser.add_subparsers()).parse_args(["fc.nc", "cams.nc"])
    >>> args.lead_days, args.form, args.climatology
    ([3, 5], 'per_forecast', None)
    """
    parser = subparsers.add_parser(
        "evaluate", help="score a forecast against the truth; write scores.nc and figures",
        description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("forecast", type=Path,
                        help="forecast (netCDF or zarr), dims init_time, lead_time, ...")
    parser.add_argument("truth", type=Path,
                        help="truth, e.g. the CAMS analysis (netCDF or zarr, dim time)")
    parser.add_argument("--reference", type=Path, default=None,
                        help="reference forecast to normalise by, e.g. the CAMS forecast")
    parser.add_argument("--baseline", choices=("persistence",), default=None,
                        help="reference built from the truth instead of --reference: "
                             "'persistence' (the truth at the initial time)")
    parser.add_argument("--label", nargs="+", default=None, metavar="NAME",
                        help="names of the forecast [and the reference] in tables, figures "
                             "and scores.nc (default: forecast, reference or the baseline)")
    parser.add_argument("--report", action="store_true",
                        help="also write report.html: tables and figures in one offline page")
    parser.add_argument("--climatology", default=None,
                        help="climatology for the ACC: a netCDF/zarr file (e.g. written from "
                             "xaqf.metrics.compute_climatology), or 'mean', 'hour' or "
                             "'dayofyear_hour' to compute it from the truth (in-sample)")
    parser.add_argument("--output", type=Path, default=Path("evaluation"),
                        help="output folder (created; default: ./evaluation)")
    parser.add_argument("--lead-days", type=int, nargs="+", default=[3, 5],
                        help="lead days of the normalised-RMSE profile figure (default 3 5)")
    parser.add_argument("--variables", nargs="+", default=None,
                        help="variables to score (default: all in the forecast)")
    parser.add_argument("--form", choices=("per_forecast", "mse_then_sqrt"),
                        default="per_forecast",
                        help="RMSE per forecast then mean (default) or sqrt of mean MSE")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None,
                       help="score on a local dask.distributed cluster of N workers")
    where.add_argument("--scheduler", default=None,
                       help="address of a running dask scheduler to score on")
    parser.set_defaults(func=run)
    return parser


def labels(args: argparse.Namespace) -> tuple[str, str]:
    """The names of the forecast and the reference: ``--label``, else the defaults.

    Examples
    --------
    >>> labels(argparse.Namespace(label=["xaqf"], baseline="persistence"))
    ('xaqf', 'persistence')
    """
    given = list(getattr(args, "label", None) or [])
    default = getattr(args, "baseline", None) or "reference"
    return (given[0] if given else "forecast", given[1] if len(given) > 1 else default)


def _select(ds: xr.Dataset, names: Sequence[str] | None, role: str) -> xr.Dataset:
    if names is None:
        return ds
    absent = [name for name in names if name not in ds.data_vars]
    if absent:
        raise MissingVariableError(f"the {role} lacks --variables {absent} (it holds "
                                   f"{sorted(map(str, ds.data_vars))})")
    return ds[list(names)]


def write_figures(tree: xr.DataTree, output: Path, lead_days: Sequence[int],
                  report: bool = False) -> list[Path]:
    """Write the figures of a computed score tree (:func:`xaqf.metrics.evaluation_figures`)
    as PNG files in ``output`` and, with ``report``, ``report.html`` (the summary and
    comparison tables and the figures, :func:`xaqf.metrics.report.html_report`); a skipped
    figure is reported on stderr."""
    import matplotlib.pyplot as plt

    from xaqf.metrics.evaluation import evaluation_figures, summary_frame
    from xaqf.metrics.report import html_report

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        figures = evaluation_figures(tree, lead_days)
    for warning in caught:
        print(f"xaqf evaluate: {warning.message}", file=sys.stderr)
    paths = []
    for name, fig in figures.items():
        with atomic_path(output / name) as partial:
            fig.savefig(partial, dpi=150, metadata={"Software": None})
        paths.append(output / name)
    if report:
        tables = {"Summary by variable and lead day": summary_frame(tree["summary"].to_dataset())}
        if "comparison" in tree:
            comparison = tree["comparison"].to_dataset()
            tables["RMSE difference with its interval, by channel and lead day"] = comparison[
                ["difference", "lower", "upper", "significant"]].to_dataframe()
        page = html_report(str(tree.attrs.get("title", "xaqf evaluation")), tables,
                           {name.removesuffix(".png"): fig for name, fig in figures.items()})
        with atomic_path(output / "report.html") as partial:
            partial.write_text(page, encoding="utf-8")
    for fig in figures.values():
        plt.close(fig)
    return paths


@contextlib.contextmanager
def _cluster(args: argparse.Namespace) -> Iterator[None]:
    """The dask.distributed client of ``--workers`` / ``--scheduler`` while scoring."""
    workers, scheduler = getattr(args, "workers", None), getattr(args, "scheduler", None)
    if workers is None and scheduler is None:
        yield
        return
    from xaqf.store.prepare import dask_client

    with dask_client(workers or 1, scheduler):
        yield


def run(args: argparse.Namespace) -> int:
    """Run ``xaqf evaluate``; returns the exit status."""
    from xaqf.data.open import open_data
    from xaqf.metrics.baselines import persistence_forecast
    from xaqf.metrics.evaluation import evaluate, open_climatology, summary_frame

    matplotlib.use("Agg")
    forecast = _select(open_data(args.forecast), args.variables, "forecast")
    truth = open_data(args.truth)
    if args.baseline is not None and args.reference is not None:
        raise ConfigError("give either --reference FILE or --baseline, not both")
    if args.label is not None and len(args.label) > 2:
        raise ConfigError(f"--label takes the forecast's name and optionally the "
                          f"reference's, got {len(args.label)} names: {args.label}")
    reference = None if args.reference is None else open_data(args.reference)
    if args.baseline == "persistence":
        reference = persistence_forecast(truth, forecast.init_time.values,
                                         forecast.lead_time.values)
    climatology = None if args.climatology is None else \
        open_climatology(args.climatology, truth)
    with _cluster(args):
        tree = evaluate(forecast, truth, reference, form=args.form,
                        climatology=climatology, labels=labels(args))
    args.output.mkdir(parents=True, exist_ok=True)
    with atomic_path(args.output / "scores.nc") as partial:
        tree.to_netcdf(partial)
    table = summary_frame(tree["summary"].to_dataset())
    print(table.to_string(float_format=lambda x: f"{x:.4g}"))
    figures = write_figures(tree, args.output, args.lead_days, args.report)
    print(f"wrote {args.output / 'scores.nc'} and {len(figures)} figure(s) to {args.output}")
    return 0
