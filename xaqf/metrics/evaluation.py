"""A full evaluation: every score of a forecast (and a reference) in one tree, and its figures.

:func:`evaluate` is what ``xaqf evaluate`` computes and writes to ``scores.nc``:

* ``rmse``: latitude-weighted RMSE, dim ``model`` (``forecast`` [, ``reference``]);
* with a ``climatology``, ``acc``: latitude-weighted anomaly correlation, dim ``model``;
* with a ``reference``, ``normalized_rmse`` (per lead time), ``score_matrix`` (per lead
  day) and ``share_better`` (share of channels beating the reference).

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
>>> sorted(tree.children), tree["rmse"].go3.sel(model="forecast").values
(['acc', 'rmse'], array([ 4., 12.]))
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, get_args

import xarray as xr

from xaqf.data.open import open_lazily
from xaqf.errors import ConfigError, DataWarning
from xaqf.metrics import streaming
from xaqf.metrics.aggregation import RmseForm
from xaqf.metrics.baselines import ClimatologyKind, compute_climatology
from xaqf.metrics.scores import common_forecasts
from xaqf.metrics.summary import by_lead_day, share_better

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CLIMATOLOGY_KINDS: tuple[str, ...] = get_args(ClimatologyKind)
"""Climatologies :func:`evaluate` computes from the truth (in-sample,
:func:`xaqf.metrics.compute_climatology`)."""


def evaluate(forecast: xr.Dataset, truth: xr.Dataset, reference: xr.Dataset | None = None, *,
             form: RmseForm = "per_forecast",
             climatology: xr.Dataset | ClimatologyKind | None = None) -> xr.DataTree:
    """All the scores of ``forecast`` (and ``reference``) against ``truth``, computed.

    Parameters
    ----------
    forecast
        Forecast layout ``(init_time, lead_time, [level], latitude, longitude)``.
    truth
        The analysis (``time`` dim) or the truth in forecast layout.
    reference
        A forecast to normalise by (e.g. the CAMS forecast); both are scored on their
        common variables, init and lead times.
    form
        RMSE form, as for :func:`xaqf.metrics.rmse`.
    climatology
        For the ACC: a climatology as for :func:`xaqf.metrics.acc`, or one of
        :data:`CLIMATOLOGY_KINDS` to compute it from the truth. ``None``: no ACC.

    Returns
    -------
    xarray.DataTree
        The groups listed in the module notes, computed; root attributes ``title`` and
        ``rmse_form``. What ``xaqf evaluate`` writes to ``scores.nc``.

    Raises
    ------
    ConfigError
        For an unknown climatology kind.
    MissingVariableError, MissingTimeError, GridMismatchError, LayoutError
        When forecast, reference and truth cannot be matched.
    """
    if isinstance(climatology, str):
        climatology = _computed_climatology(climatology, truth)
    models = {"forecast": forecast} if reference is None else dict(
        zip(("forecast", "reference"), common_forecasts(forecast, reference), strict=True))
    state = dict(zip(models, streaming.compute_states(
        *(streaming.score_state(fc, truth, climatology=climatology)
          for fc in models.values())), strict=True))
    model = xr.Variable("model", list(models))
    tree = {"/": xr.Dataset(attrs={"title": "xaqf evaluation", "rmse_form": form}),
            "/rmse": xr.concat([state[name].rmse(form=form) for name in models], dim=model,
                               combine_attrs="override")}
    if climatology is not None:
        tree["/acc"] = xr.concat([state[name].acc() for name in models], dim=model,
                                 combine_attrs="override")
    if reference is not None:
        normalized = streaming.normalized_rmse(state["forecast"], state["reference"],
                                               form=form)
        tree["/normalized_rmse"] = normalized
        tree["/score_matrix"] = by_lead_day(normalized)
        tree["/share_better"] = xr.Dataset({
            "by_lead_time": share_better(normalized),
            "by_lead_day": share_better(tree["/score_matrix"]),
        })
    return xr.DataTree.from_dict(tree)


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
    ``score_matrix.png`` and ``normalized_rmse.png`` (the profiles at ``lead_days``; left
    out, with a :class:`~xaqf.errors.DataWarning`, when the scores have none of them).
    """
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
            warnings.warn(f"no lead day of {list(lead_days)} in the scores "
                          f"({matrix['lead_day'].values.tolist()}); skipped "
                          f"normalized_rmse.png", DataWarning, stacklevel=2)
    return figures
