"""Is a forecast better than a reference? Score differences with block-bootstrap intervals.

:func:`compare` scores two forecasts (xaqf against CAMS, met against no-met...) on their
common initial times, per channel and lead time (or lead day), and gives the difference of
the two scores with a block-bootstrap confidence interval over initial times
(:func:`~xaqf.metrics.block_bootstrap`; both forecasts resampled with the same blocks,
so that the spread of the difference, not of each score, sets the interval). A difference
is *significant* where its interval excludes 0. :func:`share_significantly_better` counts
the channels that are better, and significantly better, than the reference.

Score orientation (``orientation``): ``"lower"`` is better for errors (RMSE, MAE, FGE,
CRPS), ``"higher"`` for correlations and skill scores, ``"zero"`` for biases (MNMB, NMB:
the difference is ``|forecast| - |reference|``). Each forecast's score is the mean of its
per-initial-time scores, as :func:`~xaqf.metrics.rmse` and the other scores average them.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> from xaqf import metrics
>>> times = pd.date_range("2022-06-01", periods=44, freq="12h")
>>> rng = np.random.default_rng(0)
>>> truth = xr.Dataset({"pm10": (("time", "latitude", "longitude"),
...                              rng.gamma(2.0, 1.0, (44, 3, 4)))},
...                    coords={"time": times, "latitude": [40.0, 0.0, -40.0],
...                            "longitude": [0.0, 90.0, 180.0, 270.0]})
>>> persistence = metrics.persistence_forecast(truth, times[:40], ["12h", "24h"])
>>> perfect = metrics.align_truth(persistence, truth) + 0.1
>>> result = compare(perfect, persistence, truth, n_resamples=200)
>>> result["significantly_better"].values.tolist()
[[True, True]]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import xarray as xr

from xaqf.errors import ConfigError
from xaqf.metrics.bootstrap import block_bootstrap
from xaqf.metrics.scores import common_forecasts, rmse
from xaqf.metrics.summary import by_lead_day, channel_scores

__all__ = ["compare", "share_significantly_better"]

Orientation = Literal["lower", "higher", "zero"]
ORIENTATIONS: tuple[str, ...] = ("lower", "higher", "zero")


def _per_init(score: Callable[..., Any], forecast: Any, truth: Any, by: str,
              options: dict[str, Any]) -> xr.DataArray:
    scores = score(forecast, truth, average_over=None, **options)
    if by == "lead_day":
        scores = by_lead_day(scores)
    return channel_scores(scores) if isinstance(scores, xr.Dataset) else scores


def _oriented(values: xr.DataArray, orientation: str) -> xr.DataArray:
    return abs(values) if orientation == "zero" else values


def compare(forecast: Any, reference: Any, truth: Any, *,
            score: Callable[..., Any] = rmse, orientation: Orientation = "lower",
            by: Literal["lead_time", "lead_day"] = "lead_time", confidence: float = 0.95,
            n_resamples: int = 1000, block: int | None = None, seed: int = 0,
            **score_options: Any) -> xr.Dataset:
    """Score difference of ``forecast`` and ``reference``, with intervals and significance.

    Parameters
    ----------
    forecast, reference
        Forecast-layout Datasets (or DataArrays) scored on their common variables, init
        and lead times.
    truth
        As for :func:`~xaqf.metrics.rmse`.
    score
        Any score of :mod:`xaqf.metrics` with the call shape of :func:`~xaqf.metrics.rmse`
        (``average_over=None`` must give per-initial-time scores).
    orientation
        ``"lower"``, ``"higher"`` or ``"zero"`` is better (module notes).
    by
        ``"lead_time"`` or ``"lead_day"`` (lead times averaged within each 24-h day).
    confidence, n_resamples, block, seed
        As for :func:`~xaqf.metrics.block_bootstrap`; the block is chosen from the
        autocorrelation of the per-initial-time differences.
    **score_options
        Passed to ``score`` (``weights``, ``skipna``...).

    Returns
    -------
    xarray.Dataset
        Over ``channel`` (Dataset input) and ``lead_time`` or ``lead_day``: ``forecast`` and
        ``reference`` (the two scores), ``difference`` (``forecast - reference``, of
        absolute values for ``"zero"``), ``lower`` and ``upper`` (its interval),
        ``significant`` (interval excludes 0), ``better`` (the difference favours the
        forecast) and ``significantly_better``. Attributes: the score, the orientation and
        the bootstrap's (block length and rule, autocorrelation, confidence...).

    Raises
    ------
    ConfigError
        Unknown ``orientation`` or ``by``.
    InvalidValueError
        Fewer common initial times than a bootstrap block.
    """
    if orientation not in ORIENTATIONS or by not in ("lead_time", "lead_day"):
        raise ConfigError(f"orientation must be one of {ORIENTATIONS} (got {orientation!r}) "
                          f"and by 'lead_time' or 'lead_day' (got {by!r})")
    forecast, reference = common_forecasts(forecast, reference)
    per_init = xr.Dataset({
        "forecast": _per_init(score, forecast, truth, by, score_options),
        "reference": _per_init(score, reference, truth, by, score_options)}).compute()

    def statistic(resampled: xr.Dataset) -> xr.Dataset:
        means = resampled.mean("init_time", skipna=True)
        return means.assign(difference=_oriented(means["forecast"], orientation)
                            - _oriented(means["reference"], orientation))

    interval = block_bootstrap(per_init, statistic=statistic, confidence=confidence,
                         n_resamples=n_resamples, block=block, seed=seed,
                         autocorrelation_of=per_init["forecast"] - per_init["reference"])
    difference = interval["difference"]
    lower, upper, estimate = (difference.sel(bound=bound, drop=True)
                              for bound in ("lower", "upper", "estimate"))
    better = estimate > 0 if orientation == "higher" else estimate < 0
    significant = (lower > 0) | (upper < 0)
    result = xr.Dataset({
        "forecast": interval["forecast"].sel(bound="estimate", drop=True),
        "reference": interval["reference"].sel(bound="estimate", drop=True),
        "difference": estimate, "lower": lower, "upper": upper,
        "significant": significant, "better": better & estimate.notnull(),
        "significantly_better": significant & better,
    })
    return result.assign_attrs(score=getattr(score, "__name__", str(score)),
                               orientation=orientation, **interval.attrs)


def share_significantly_better(comparison: xr.Dataset) -> xr.Dataset:
    """Share of channels better than the reference, and significantly better or worse.

    Parameters
    ----------
    comparison
        From :func:`compare` (with a ``channel`` dim).

    Returns
    -------
    xarray.Dataset
        ``share_better``, ``share_significantly_better``, ``share_significantly_worse``
        (fractions of the channels with a score, per lead time or day) and ``n_channels``.

    Examples
    --------
    >>> c = xr.Dataset({"difference": ("channel", [-1.0, -0.1, 0.5, float("nan")]),
    ...                 "better": ("channel", [True, True, False, False]),
    ...                 "significant": ("channel", [True, False, True, False]),
    ...                 "significantly_better": ("channel", [True, False, False, False])})
    >>> share = share_significantly_better(c)
    >>> [round(float(share[k]), 3) for k in ("share_better", "share_significantly_better",
    ...                                      "share_significantly_worse")]
    [0.667, 0.333, 0.333]
    """
    scored = comparison["difference"].notnull()
    n = scored.sum("channel")

    def share(flag: xr.DataArray) -> xr.DataArray:
        return (flag & scored).sum("channel") / n.where(n > 0)

    worse = comparison["significant"] & ~comparison["better"]
    return xr.Dataset({
        "share_better": share(comparison["better"]),
        "share_significantly_better": share(comparison["significantly_better"]),
        "share_significantly_worse": share(worse),
        "n_channels": n,
    }, attrs=dict(comparison.attrs))
