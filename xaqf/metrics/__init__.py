"""Evaluation: latitude-weighted scores, score cards and baselines, on xarray.

Built from small composable pieces, in the manner of WeatherBench-X:

* :mod:`~xaqf.metrics.weights`: :func:`latitude_weights` (cos-latitude or cell area);
* :mod:`~xaqf.metrics.align`: :func:`align_truth` matches the truth to each forecast at
  ``valid_time = init_time + lead_time`` and checks variables, levels and grid;
* :mod:`~xaqf.metrics.pointwise`: per-point statistics (error, squared, absolute);
* :mod:`~xaqf.metrics.aggregation`: the weighted spatial sums and means, the mean over inits;
* :mod:`~xaqf.metrics.streaming`: :class:`ScoreState`, the one scoring engine: additive
  weighted-sum states that score a forecast whole or piece by piece (:func:`score_state`,
  :func:`score_states`);
* :mod:`~xaqf.metrics.scores`: :func:`rmse`, :func:`mse`, :func:`mae`, :func:`bias`,
  :func:`acc`, :func:`normalized_rmse`, each the state of the whole forecast, finished;
* :mod:`~xaqf.metrics.relative`: :func:`mnmb`, :func:`fge`, :func:`nmb`, :func:`nmge`;
* :mod:`~xaqf.metrics.correlation`: :func:`pearson_r`, :func:`spearman_r`;
* :mod:`~xaqf.metrics.exceedance`: :func:`contingency` tables of threshold exceedances
  and their POD, FAR, CSI, ETS, HSS;
* :mod:`~xaqf.metrics.bootstrap`: :func:`block_bootstrap` confidence intervals over
  initial times; :mod:`~xaqf.metrics.comparison`: :func:`compare` two forecasts' scores
  with intervals and significance, :func:`share_significantly_better`;
* :mod:`~xaqf.metrics.ensemble`: :func:`crps` (fair), :func:`ensemble_mean`,
  :func:`ensemble_spread`, :func:`spread_skill_ratio`, :func:`rank_histogram`;
* :mod:`~xaqf.metrics.summary`: :func:`score_matrix` by lead day, :func:`share_better`;
* :mod:`~xaqf.metrics.baselines`: persistence and climatology forecasts;
* :mod:`~xaqf.metrics.evaluation`: :func:`evaluate`, every score of ``xaqf evaluate`` in one
  tree, and :func:`evaluation_figures`.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> from xaqf import metrics
>>> times = pd.date_range("2022-06-01", periods=4, freq="12h")
>>> truth = xr.Dataset(
...     {"tcco": (("time", "latitude", "longitude"), np.arange(24.0).reshape(4, 3, 2))},
...     coords={"time": times, "latitude": [45.0, 0.0, -45.0], "longitude": [0.0, 180.0]})
>>> persistence = metrics.persistence_forecast(truth, times[:2], ["12h", "24h"])
>>> metrics.rmse(persistence, truth).tcco.values
array([ 6., 12.])
"""

from xaqf.metrics.align import align_truth, valid_times
from xaqf.metrics.baselines import (
    climatology_forecast,
    compute_climatology,
    persistence_forecast,
)
from xaqf.metrics.bootstrap import block_bootstrap
from xaqf.metrics.comparison import compare, share_significantly_better
from xaqf.metrics.correlation import pearson_r, spearman_r
from xaqf.metrics.ensemble import (
    crps,
    ensemble_mean,
    ensemble_spread,
    rank_histogram,
    spread_skill_ratio,
)
from xaqf.metrics.evaluation import evaluate, evaluation_figures
from xaqf.metrics.exceedance import contingency
from xaqf.metrics.relative import fge, mnmb, nmb, nmge
from xaqf.metrics.scores import acc, bias, common_forecasts, mae, mse, normalized_rmse, rmse
from xaqf.metrics.streaming import ScoreState, score_state, score_states
from xaqf.metrics.summary import by_lead_day, channel_scores, lead_day, score_matrix, share_better
from xaqf.metrics.weights import latitude_weights

__all__ = [
    "ScoreState",
    "acc",
    "align_truth",
    "bias",
    "block_bootstrap",
    "by_lead_day",
    "channel_scores",
    "climatology_forecast",
    "common_forecasts",
    "compare",
    "compute_climatology",
    "contingency",
    "crps",
    "ensemble_mean",
    "ensemble_spread",
    "evaluate",
    "evaluation_figures",
    "fge",
    "latitude_weights",
    "lead_day",
    "mae",
    "mnmb",
    "mse",
    "nmb",
    "nmge",
    "normalized_rmse",
    "pearson_r",
    "persistence_forecast",
    "rank_histogram",
    "rmse",
    "score_matrix",
    "score_state",
    "score_states",
    "share_better",
    "share_significantly_better",
    "spearman_r",
    "spread_skill_ratio",
    "valid_times",
]
