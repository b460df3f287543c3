"""``xaqf evaluate``: score a forecast against the truth, write scores and figures.

Writes, into ``--output`` (default ``evaluation``):

* ``scores.nc``: a netCDF file with groups (read it with :func:`xarray.open_datatree`):
  ``rmse`` (latitude-weighted RMSE, dim ``model``: ``forecast`` [, ``reference``]), with
  ``--climatology`` ``acc`` (latitude-weighted anomaly correlation, dim ``model``) and,
  with ``--reference``, ``normalized_rmse`` (per lead time), ``score_matrix`` (per lead
  day) and ``share_better`` (share of channels beating the reference);
* ``rmse_curves.png``, with ``--climatology`` ``acc_curves.png`` and, with ``--reference``,
  ``score_matrix.png`` and ``normalized_rmse.png``.

Each forecast's scores come from one pass over the data (additive weighted-sum states,
:mod:`xaqf.metrics.streaming`), on dask: in this process by default, or on a
dask.distributed cluster for large archives (``--workers N`` starts a local one,
``--scheduler ADDRESS`` joins a running one whose workers see the same files).

Exit status: 0 on success, 2 for a missing input file or data that cannot be scored
(the message names the variable, time or grid at fault).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import xarray as xr

from xaqf._utils.atomic import atomic_path
from xaqf.errors import DataError, MissingVariableError, XaqfError

if TYPE_CHECKING:
    from xaqf.metrics.scores import RmseForm

FORECAST_DIMS = ("init_time", "lead_time")


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


def open_data(path: Path) -> xr.Dataset:
    """Open a netCDF file or zarr store lazily; non-forecast files are standardized.

    Files already in forecast layout (``init_time``, ``lead_time``) are used as they are;
    anything else (an analysis, a raw CAMS forecast with ``step``) goes through
    :func:`xaqf.data.io.standardize` with kind ``"cams"``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    DataError
        If ``path`` is not a readable netCDF file or zarr store (corrupt, other format).
    """
    from xaqf.data.io import standardize

    raw = _open_lazily(path)
    if all(dim in raw.dims for dim in FORECAST_DIMS):
        return raw
    return standardize(raw, "cams")


def _select(ds: xr.Dataset, names: Sequence[str] | None, role: str) -> xr.Dataset:
    if names is None:
        return ds
    absent = [name for name in names if name not in ds.data_vars]
    if absent:
        raise MissingVariableError(f"the {role} lacks --variables {absent} (it holds "
                                   f"{sorted(map(str, ds.data_vars))})")
    return ds[list(names)]


CLIMATOLOGY_KINDS = ("mean", "hour", "dayofyear_hour")
"""``--climatology`` values computed from the truth (:func:`xaqf.metrics.compute_climatology`)."""


def open_climatology(value: str, truth: xr.Dataset) -> xr.Dataset:
    """The climatology ``--climatology`` names: computed lazily from ``truth`` for a kind of
    :data:`CLIMATOLOGY_KINDS`, else opened lazily from the netCDF file or zarr store.

    Raises
    ------
    FileNotFoundError
        Neither a kind nor an existing path.
    DataError
        A file that cannot be read.
    """
    from xaqf import metrics

    if value in CLIMATOLOGY_KINDS:
        return metrics.compute_climatology(truth, by=value)  # type: ignore[arg-type]
    return _open_lazily(Path(value), f" (or give one of {list(CLIMATOLOGY_KINDS)} to compute "
                                     f"the climatology from the truth)")


def _open_lazily(path: Path, alternative: str = "") -> xr.Dataset:
    """``path`` opened lazily as a zarr store or a netCDF file, with errors naming it."""
    if not path.exists():
        raise FileNotFoundError(f"no such file or zarr store: {path}{alternative}")
    try:
        return xr.open_zarr(path) if path.suffix == ".zarr" or path.is_dir() else \
            xr.open_dataset(path, chunks={})
    except (ValueError, OSError, KeyError) as err:
        raise DataError(f"{path} cannot be read as netCDF or zarr ({type(err).__name__}: "
                        f"{' '.join(str(err).split())[:200]}); the file may be truncated or "
                        f"in another format: write it again") from None


def score(forecast: xr.Dataset, truth: xr.Dataset, reference: xr.Dataset | None = None,
          form: RmseForm = "per_forecast", climatology: xr.Dataset | None = None
          ) -> xr.DataTree:
    """All the scores ``xaqf evaluate`` writes, as a computed :class:`xarray.DataTree`.

    Each model's score state is built lazily and all of them are computed in one dask pass
    (on the active dask.distributed client, if any); every score derives from them, so each
    RMSE is computed once. With a ``climatology``, the states also carry the anomaly sums
    and the tree an ``acc`` group.
    """
    from xaqf import metrics
    from xaqf.metrics import streaming

    models = {"forecast": forecast} if reference is None else dict(
        zip(("forecast", "reference"), metrics.common_forecasts(forecast, reference),
            strict=True))
    state = dict(zip(models, streaming.compute_states(
        *(streaming.score_state(fc, truth, climatology=climatology)
          for fc in models.values())), strict=True))
    model = xr.Variable("model", list(models))
    rmse = xr.concat([state[name].rmse(form=form) for name in models], dim=model,
                     combine_attrs="override")
    tree = {"/": xr.Dataset(attrs={"title": "xaqf evaluation", "rmse_form": form}),
            "/rmse": rmse}
    if climatology is not None:
        tree["/acc"] = xr.concat([state[name].acc() for name in models], dim=model,
                                 combine_attrs="override")
    if reference is not None:
        normalized = streaming.normalized_rmse(state["forecast"], state["reference"],
                                               form=form)
        tree["/normalized_rmse"] = normalized
        tree["/score_matrix"] = metrics.by_lead_day(normalized)
        tree["/share_better"] = xr.Dataset({
            "by_lead_time": metrics.share_better(normalized),
            "by_lead_day": metrics.share_better(tree["/score_matrix"]),
        })
    return xr.DataTree.from_dict(tree)


def write_figures(tree: xr.DataTree, output: Path, lead_days: Sequence[int]) -> list[Path]:
    """Render the figures of a computed score tree to PNG files in ``output``."""
    import matplotlib.pyplot as plt

    from xaqf.metrics import plot

    rmse = tree["rmse"].to_dataset()
    curves = {str(model): rmse.sel(model=model, drop=True) for model in rmse["model"].values}
    figures = {"rmse_curves.png": plot.plot_rmse_curves(
        curves, reference="reference" if "reference" in curves else None)}
    if "acc" in tree:
        acc = tree["acc"].to_dataset()
        figures["acc_curves.png"] = plot.plot_acc_curves(
            {str(model): acc.sel(model=model, drop=True) for model in acc["model"].values})
    if "score_matrix" in tree:
        matrix = tree["score_matrix"].to_dataset()
        figures["score_matrix.png"] = plot.plot_score_matrix(matrix)
        days = [day for day in lead_days if day in matrix["lead_day"].values]
        if days:
            figures["normalized_rmse.png"] = plot.plot_normalized_rmse(matrix, lead_days=days)
        else:
            print(f"xaqf evaluate: no lead day of {list(lead_days)} in the scores "
                  f"({matrix['lead_day'].values.tolist()}); skipped normalized_rmse.png",
                  file=sys.stderr)
    paths = []
    for name, fig in figures.items():
        with atomic_path(output / name) as partial:
            fig.savefig(partial, dpi=150)
        plt.close(fig)
        paths.append(output / name)
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
    matplotlib.use("Agg")
    try:
        forecast = _select(open_data(args.forecast), args.variables, "forecast")
        truth = open_data(args.truth)
        reference = None if args.reference is None else open_data(args.reference)
        climatology = None if args.climatology is None else \
            open_climatology(args.climatology, truth)
    except FileNotFoundError as error:
        print(f"xaqf evaluate: error: {error}", file=sys.stderr)
        return 2
    except XaqfError as error:
        print(f"xaqf evaluate: error: {error}", file=sys.stderr)
        return 2
    try:
        with _cluster(args):
            tree = score(forecast, truth, reference, form=args.form, climatology=climatology)
    except XaqfError as error:
        print(f"xaqf evaluate: error: {error}", file=sys.stderr)
        return 2
    with atomic_path(args.output / "scores.nc") as partial:
        tree.to_netcdf(partial)
    figures = write_figures(tree, args.output, args.lead_days)
    print(f"wrote {args.output / 'scores.nc'} and {len(figures)} figure(s) to {args.output}")
    return 0
