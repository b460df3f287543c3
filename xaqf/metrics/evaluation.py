"""A full evaluation: every score of a forecast (and a reference) in one tree, and its figures.

:func:`evaluate` is what ``xaqf evaluate`` computes and writes to ``scores.nc``:

* ``rmse``: latitude-weighted RMSE, dim ``model`` (the labels of forecast [and reference]);
* ``mnmb``, ``fge``, ``nmb``: the relative scores (:mod:`xaqf.metrics.relative`), dim
  ``model``;
* with a ``climatology``, ``acc``: latitude-weighted anomaly correlation, dim ``model``;
* with a ``reference``, ``normalized_rmse`` (per lead time), ``score_matrix`` (per lead
  day), ``share_better`` (share of channels beating the reference) and ``comparison``
  (:func:`xaqf.metrics.compare` of the RMSE per channel and lead day: ``difference``,
  ``lower``, ``upper``, ``significant``...);
* ``summary``: the table of :func:`summary` (per variable and lead day).

Each model's scores come from one pass over the data: one additive state per model
(:mod:`xaqf.metrics.streaming`), all computed together on dask (on the active
dask.distributed client, if any). :func:`evaluation_figures` draws the tree.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> from xaqf import metrics
>>> grid = {"latitude": [30.0, -30.0], "longitude": [90.0, 270.0]}
>>> truth = xr.Dataset({"go3": (("time", "latitude", "longitude"),
...                             np.arange(20.0).reshape(5, 2, 2))},
...                    coords={"time": pd.date_range("2022-06-01", periods=5, freq="12h"),
...                            **grid})
>>> fc = metrics.persistence_forecast(truth, truth.time[:2], ["12h", "36h"])
>>> tree = evaluate(fc, truth, climatology="mean")
>>> sorted(tree.children)
['acc', 'fge', 'mnmb', 'nmb', 'rmse', 'summary']
>>> tree["rmse"].go3.sel(model="forecast").values
array([ 4., 12.])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, get_args

import pandas as pd
import xarray as xr

from xaqf.data.open import open_lazily
from xaqf.errors import ConfigError, DataWarning
from xaqf.metrics import streaming
from xaqf.metrics.aggregation import RmseForm, average
from xaqf.metrics.baselines import ClimatologyKind, compute_climatology
from xaqf.metrics.comparison import compare, share_significantly_better
from xaqf.metrics.scores import common_forecasts
from xaqf.metrics.summary import by_lead_day, share_better
from xaqf.variables import VARIABLES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CLIMATOLOGY_KINDS: tuple[str, ...] = get_args(ClimatologyKind)
"""Climatologies :func:`evaluate` computes from the truth (in-sample,
:func:`xaqf.metrics.compute_climatology`)."""

SUMMARY_COLUMNS = {"share_better": "share better",
                   "share_significantly_better": "share significantly better",
                   "n_init_times": "initial times"}
"""Column names of :func:`summary_frame` for the variables of :func:`summary`."""

RELATIVE_SCORES = ("mnmb", "fge", "nmb")
"""The relative scores an evaluation holds (:mod:`xaqf.metrics.relative`), per model."""


def catalogue_order(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with its variables in the catalogue's order (:data:`xaqf.variables.VARIABLES`),
    others after them by name: the order of every table, figure and file of an evaluation.

    Examples
    --------
    >>> ds = xr.Dataset({"zz": 1.0, "pm10": 1.0, "go3": 1.0})
    >>> list(catalogue_order(ds).data_vars)
    ['go3', 'pm10', 'zz']
    """
    position = {name: i for i, name in enumerate(VARIABLES)}
    names = sorted(map(str, ds.data_vars), key=lambda name: (position.get(name, len(position)),
                                                               name))
    return ds[names]


def evaluate(forecast: xr.Dataset, truth: xr.Dataset, reference: xr.Dataset | None = None, *,
             form: RmseForm = "per_forecast",
             climatology: xr.Dataset | ClimatologyKind | None = None,
             labels: Sequence[str] = ("forecast", "reference"), confidence: float = 0.95,
             n_resamples: int = 1000, seed: int = 0) -> xr.DataTree:
    """All the scores of ``forecast`` (and ``reference``) against ``truth``, computed.

    Parameters
    ----------
    forecast
        Forecast layout ``(init_time, lead_time, [level], latitude, longitude)``.
    truth
        The analysis (``time`` dim) or the truth in forecast layout.
    reference
        A forecast to normalise by (e.g. the CAMS forecast, or persistence); both are
        scored on their common variables, init and lead times.
    form
        RMSE form, as for :func:`xaqf.metrics.rmse`.
    climatology
        For the ACC: a climatology as for :func:`xaqf.metrics.acc`, or one of
        :data:`CLIMATOLOGY_KINDS` to compute it from the truth. ``None``: no ACC.
    labels
        Names of the forecast and the reference on the ``model`` dim and in the figures.
    confidence, n_resamples, seed
        Of the block bootstrap of the comparison (:func:`xaqf.metrics.compare`).

    Returns
    -------
    xarray.DataTree
        The groups listed in the module notes, computed, variables in the catalogue's order;
        root attributes ``title``, ``rmse_form``, ``forecast_label`` and
        ``reference_label``. What ``xaqf evaluate`` writes to ``scores.nc``.

    Raises
    ------
    ConfigError
        For an unknown climatology kind or two equal labels.
    MissingVariableError, MissingTimeError, GridMismatchError, LayoutError
        When forecast, reference and truth cannot be matched.
    InvalidValueError
        With a reference, fewer common initial times than a bootstrap block.
    """
    names = _labels(labels)
    if isinstance(climatology, str):
        climatology = _computed_climatology(climatology, truth)
    forecast = catalogue_order(forecast)
    models = {names[0]: forecast} if reference is None else dict(
        zip(names, common_forecasts(forecast, reference), strict=True))
    state = dict(zip(models, streaming.compute_states(
        *(streaming.score_state(fc, truth, climatology=climatology)
          for fc in models.values())), strict=True))
    model = xr.Variable("model", list(models))

    def per_model(score: str) -> xr.Dataset:
        return xr.concat([getattr(state[name], score)() for name in models], dim=model,
                         combine_attrs="override")

    tree = {"/": xr.Dataset(attrs={"title": "xaqf evaluation", "rmse_form": form,
                                   "forecast_label": names[0],
                                   "reference_label": names[1]}),
            "/rmse": xr.concat([state[name].rmse(form=form) for name in models], dim=model,
                               combine_attrs="override")}
    tree.update({f"/{score}": per_model(score) for score in RELATIVE_SCORES})
    if climatology is not None:
        tree["/acc"] = per_model("acc")
    comparison = None
    if reference is not None:
        normalized = streaming.normalized_rmse(state[names[0]], state[names[1]], form=form)
        tree["/normalized_rmse"] = normalized
        tree["/score_matrix"] = by_lead_day(normalized)
        tree["/share_better"] = xr.Dataset({
            "by_lead_time": share_better(normalized),
            "by_lead_day": share_better(tree["/score_matrix"]),
        })
        comparison = compare(models[names[0]], models[names[1]], truth, by="lead_day",
                             confidence=confidence, n_resamples=n_resamples, seed=seed,
                             skipna=True)
        tree["/comparison"] = comparison
    tree["/summary"] = summary(by_lead_day(tree["/rmse"]), comparison,
                               models[names[0]].sizes.get("init_time", 1))
    return xr.DataTree.from_dict(tree)


def _labels(labels: Sequence[str]) -> tuple[str, str]:
    names = tuple(labels)
    if len(names) != 2 or names[0] == names[1]:
        raise ConfigError(f"labels must be two different names (forecast, reference), got "
                          f"{list(names)}")
    return names[0], names[1]


def summary(rmse_by_day: xr.Dataset, comparison: xr.Dataset | None,
            n_init_times: int) -> xr.Dataset:
    """The summary table of an evaluation, over ``variable`` and ``lead_day``.

    ``rmse`` per model (the mean over levels of a variable with levels), ``n_init_times``
    and, with a comparison (:func:`xaqf.metrics.compare`, ``by="lead_day"``), the share of
    the variable's channels better and significantly better than the reference
    (:func:`xaqf.metrics.share_significantly_better`).

    Examples
    --------
    >>> scores = xr.Dataset({"pm10": (("model", "lead_day"), [[1.0, 2.0]])},
    ...                     coords={"model": ["forecast"], "lead_day": [1, 2]})
    >>> summary(scores, None, 4).rmse.sel(variable="pm10", model="forecast").values.tolist()
    [1.0, 2.0]
    """
    variables = [str(name) for name in rmse_by_day.data_vars]
    rmse = xr.concat([average(rmse_by_day[name], "level") for name in variables],
                     dim=xr.Variable("variable", variables))
    table = xr.Dataset({"rmse": rmse.transpose("variable", "lead_day", ...)})
    table["n_init_times"] = xr.full_like(table["rmse"].isel(model=0, drop=True), n_init_times,
                                         dtype=int)
    if comparison is not None:
        shares = [share_significantly_better(
            comparison.isel(channel=comparison["variable"].values == name))
            for name in variables]
        shared = xr.concat(shares, dim=xr.Variable("variable", variables)).drop_attrs()
        table["share_better"] = shared["share_better"]
        table["share_significantly_better"] = shared["share_significantly_better"]
    return table.assign_attrs(long_name="summary of the evaluation by variable and lead day")


def summary_frame(table: xr.Dataset) -> pd.DataFrame:
    """The summary of :func:`summary` as a table, one row per variable and lead day: the
    RMSE of each model (columns named by its label), the shares, the initial times.

    Examples
    --------
    >>> scores = xr.Dataset({"pm10": (("model", "lead_day"), [[1.0, 2.0]])},
    ...                     coords={"model": ["xaqf"], "lead_day": [1, 2]})
    >>> summary_frame(summary(scores, None, 4)).columns.tolist()
    ['RMSE xaqf', 'initial times']
    """
    columns = {f"RMSE {model}": table["rmse"].sel(model=model, drop=True)
               for model in table["model"].values}
    columns.update({SUMMARY_COLUMNS[name]: table[name] for name in SUMMARY_COLUMNS
                    if name in table})
    frame = xr.Dataset(columns).to_dataframe()
    frame["initial times"] = frame["initial times"].astype(int)
    return frame


def _computed_climatology(kind: str, truth: xr.Dataset) -> xr.Dataset:
    if kind not in CLIMATOLOGY_KINDS:
        raise ConfigError(f"unknown climatology kind {kind!r}; use one of "
                          f"{list(CLIMATOLOGY_KINDS)} or pass a climatology Dataset")
    return compute_climatology(truth, by=kind)  # type: ignore[arg-type]


def open_climatology(value: str, truth: xr.Dataset) -> xr.Dataset:
    """The climatology ``value`` names: computed lazily from ``truth`` for a kind of
    :data:`CLIMATOLOGY_KINDS`, else opened lazily from the netCDF file or zarr store.

    Raises
    ------
    FileNotFoundError
        Neither a kind nor an existing path.
    DataError
        A file that cannot be read.
    """
    if value in CLIMATOLOGY_KINDS:
        return _computed_climatology(value, truth)
    return open_lazily(Path(value), f" (or give one of {list(CLIMATOLOGY_KINDS)} to compute "
                                    f"the climatology from the truth)")


def evaluation_figures(tree: xr.DataTree, lead_days: Sequence[int] = (3, 5)
                       ) -> dict[str, Figure]:
    """The figures of a computed score tree (of :func:`evaluate`), by PNG file name.

    ``rmse_curves.png``; with an ``acc`` group ``acc_curves.png``; with a reference
    ``score_matrix.png`` (cells whose RMSE difference is not significant hatched) and
    ``normalized_rmse.png`` (the profiles at ``lead_days``; left out, with a
    :class:`~xaqf.errors.DataWarning`, when the scores have none of them).
    """
    from xaqf.metrics import plot

    rmse = tree["rmse"].to_dataset()
    curves = {str(model): rmse.sel(model=model, drop=True) for model in rmse["model"].values}
    reference = tree.attrs.get("reference_label", "reference")
    figures = {"rmse_curves.png": plot.plot_rmse_curves(
        curves, reference=reference if reference in curves else None)}
    if "acc" in tree:
        acc = tree["acc"].to_dataset()
        figures["acc_curves.png"] = plot.plot_acc_curves(
            {str(model): acc.sel(model=model, drop=True) for model in acc["model"].values})
    if "score_matrix" in tree:
        matrix = tree["score_matrix"].to_dataset()
        significant = (tree["comparison"].to_dataset()["significant"] if "comparison" in tree
                       else None)
        figures["score_matrix.png"] = plot.plot_score_matrix(matrix, significant=significant)
        days = [day for day in lead_days if day in matrix["lead_day"].values]
        if days:
            figures["normalized_rmse.png"] = plot.plot_normalized_rmse(matrix, lead_days=days)
        else:
            warnings.warn(f"no lead day of {list(lead_days)} in the scores "
                          f"({matrix['lead_day'].values.tolist()}); skipped "
                          f"normalized_rmse.png", DataWarning, stacklevel=2)
    return figures
