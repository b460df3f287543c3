"""Confidence intervals over initial times: the moving-block bootstrap.

Scores of consecutive initial times are correlated (the same weather, the same episodes),
so resampling single initial times would make intervals too narrow. The circular
moving-block bootstrap resamples blocks of ``b`` consecutive initial times instead (wrapped
around at the end), as many as make up the series' length, and recomputes the statistic on
each resample; the interval is the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2``
quantiles of the resampled statistics (percentile interval), its half-widths stretched by
the square root of :func:`block_variance_correction` (blocks see only the first ``b - 1``
lags of the autocorrelation, so they understate the variance of a mean).

Block length rule (unless given): with ``n`` initial times and ``rho`` the lag-1
autocorrelation of the per-initial-time series (the median over all the series of the
input, each channel and lead time being one; corrected for its small-sample bias by
:func:`unbiased_rho`, then clipped to [0, 0.95]),
``b = ceil((3 n / 2) ** (1/3) * (2 rho / (1 - rho ** 2)) ** (2/3))``, at least 1: the
optimal block length of the moving-block bootstrap of a mean for an AR(1) series
(Buehlmann & Kuensch 1999; Politis & White 2004). Independent scores (``rho <= 0``) get
blocks of 1, the ordinary bootstrap. The rule, ``rho`` and ``b`` are stored in the result's
attributes.

Measured coverage of nominal 90 % intervals of the mean of AR(1) series (300 seeds):
88 % for independent values (n = 100), 86 % for ``rho = 0.5`` and n = 180, 82 % for
``rho = 0.5`` and n = 100, 79 % for ``rho = 0.7`` and n = 100: short, strongly correlated
series still get somewhat narrow intervals, as block bootstraps are known to.

Examples
--------
>>> import numpy as np, xarray as xr
>>> scores = xr.DataArray(np.random.default_rng(0).normal(1.0, 0.1, 60), dims="init_time")
>>> interval = block_bootstrap(scores, n_resamples=200)
>>> interval["bound"].values.tolist()
['estimate', 'lower', 'upper']
>>> bool(interval.sel(bound="lower") < 1.0 < interval.sel(bound="upper"))
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.errors import InvalidValueError, LayoutError

__all__ = ["BLOCK_RULE", "block_bootstrap", "block_indices", "block_length",
           "block_variance_correction", "lag1_autocorrelation", "unbiased_rho"]

BLOCK_RULE = ("b = ceil((3 n / 2)^(1/3) * (2 rho / (1 - rho^2))^(2/3)), rho = median lag-1 "
              "autocorrelation over the series, bias-corrected, clipped to [0, 0.95]; "
              "circular moving blocks; half-widths stretched for the lags blocks miss")
"""The block-length rule, as stored in the results' attributes."""
MAX_RHO = 0.95
CHUNK = 100


def lag1_autocorrelation(series: np.ndarray) -> np.ndarray:
    """Lag-1 autocorrelation of each column of ``series`` (time first), NaNs skipped.

    Examples
    --------
    >>> round(float(lag1_autocorrelation(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))[0]), 2)
    0.4
    """
    values = np.asarray(series, dtype=np.float64).reshape(len(series), -1)
    anomaly = values - np.nanmean(values, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nansum(anomaly[1:] * anomaly[:-1], axis=0) / np.nansum(anomaly ** 2, axis=0)


def unbiased_rho(rho: float, n: int) -> float:
    """Lag-1 autocorrelation corrected for its small-sample bias, ``(n rho + 1) / (n - 3)``
    (Kendall's ``E[rho_hat] = rho - (1 + 3 rho) / n``).

    Examples
    --------
    >>> round(unbiased_rho(0.475, 100), 3)
    0.5
    """
    return (n * rho + 1) / (n - 3)


def block_length(n: int, rho: float) -> int:
    """Block length of the AR(1) rule (module notes) for ``n`` values of autocorrelation ``rho``.

    Examples
    --------
    >>> block_length(180, 0.0), block_length(180, 0.5), block_length(180, 0.9)
    (1, 8, 29)
    """
    rho = min(max(float(rho), 0.0), MAX_RHO) if np.isfinite(rho) else 0.0
    if rho == 0.0:
        return 1
    return max(1, int(np.ceil((1.5 * n) ** (1 / 3) * (2 * rho / (1 - rho ** 2)) ** (2 / 3))))


def block_variance_correction(rho: float, block: int) -> float:
    """How much blocks of ``block`` understate the variance of a mean of an AR(1) series.

    The block bootstrap sees the autocovariances up to lag ``block - 1``, tapered
    (``1 + 2 sum_k (1 - k / b) rho^k``); the series holds ``(1 + rho) / (1 - rho)``. Their
    ratio (at least 1) stretches the interval's half-widths by its square root.

    Examples
    --------
    >>> block_variance_correction(0.0, 1), round(block_variance_correction(0.5, 8), 3)
    (1.0, 1.199)
    """
    rho = min(max(float(rho), 0.0), MAX_RHO) if np.isfinite(rho) else 0.0
    lags = np.arange(1, block)
    seen = 1 + 2 * np.sum((1 - lags / block) * rho ** lags)
    return max(1.0, float((1 + rho) / (1 - rho) / seen))


def block_indices(n: int, block: int, n_resamples: int, rng: np.random.Generator
                  ) -> np.ndarray:
    """``(n_resamples, n)`` indices of circular moving-block resamples of ``0 .. n-1``.

    Examples
    --------
    >>> block_indices(5, 2, 1, np.random.default_rng(1)).shape
    (1, 5)
    """
    blocks = -(-n // block)
    starts = rng.integers(0, n, size=(n_resamples, blocks, 1))
    return ((starts + np.arange(block)) % n).reshape(n_resamples, -1)[:, :n]


def _series_matrix(per_init: xr.Dataset | xr.DataArray, dim: str) -> np.ndarray:
    arrays = per_init.data_vars.values() if isinstance(per_init, xr.Dataset) else [per_init]
    columns = [da.transpose(dim, ...).values.reshape(per_init.sizes[dim], -1)
               for da in arrays]
    return np.concatenate(columns, axis=1)


def block_bootstrap(per_init: XarrayObj, *,
                    statistic: Callable[[XarrayObj], XarrayObj] | None = None,
                    confidence: float = 0.95, n_resamples: int = 1000,
                    block: int | None = None, seed: int = 0, dim: str = "init_time",
                    autocorrelation_of: xr.Dataset | xr.DataArray | None = None
                    ) -> XarrayObj:
    """Block-bootstrap confidence interval of a statistic over initial times.

    Parameters
    ----------
    per_init
        Scores per initial time, e.g. ``xaqf.metrics.rmse(fc, truth, average_over=None)``
        (any other dims are carried along; all are resampled with the same blocks).
    statistic
        Reduces ``dim`` (default: the mean over ``dim``, NaNs skipped, which is the score
        of :mod:`xaqf.metrics.scores` with ``average_over="init_time"``).
    confidence
        Nominal coverage of the interval, in (0, 1).
    n_resamples
        Number of bootstrap resamples.
    block
        Block length in initial times; ``None`` chooses it by the rule (module notes).
    seed
        Seed of the resampling (results are reproducible).
    dim
        The dimension resampled.
    autocorrelation_of
        The series whose autocorrelation chooses the block (default: ``per_init``), e.g.
        the per-initial-time differences of two forecasts' scores.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        The statistic with a new ``bound`` dim: ``estimate`` (on the data as they are),
        ``lower``, ``upper``. Attributes: ``confidence``, ``n_resamples``, ``n_init_times``,
        ``block_length``, ``lag1_autocorrelation``, ``block_rule``.

    Raises
    ------
    LayoutError
        ``dim`` absent.
    InvalidValueError
        Fewer initial times than a block (naming both numbers), or ``confidence`` not
        in (0, 1).
    """
    if dim not in per_init.dims:
        raise LayoutError(f"the scores have no {dim!r} dim to resample (dims "
                          f"{tuple(per_init.dims)}); score with average_over=None")
    if not 0.0 < confidence < 1.0:
        raise InvalidValueError(f"confidence must lie in (0, 1), got {confidence}")
    n = per_init.sizes[dim]
    rho = unbiased_rho(float(np.nanmedian(lag1_autocorrelation(
        _series_matrix(per_init if autocorrelation_of is None else autocorrelation_of,
                       dim)))), n) if n > 3 else float("nan")
    chosen = block if block is not None else block_length(n, rho)
    if n < max(chosen, 2):
        raise InvalidValueError(
            f"{n} initial time(s) are fewer than one bootstrap block of {chosen} (at least "
            f"2 are needed): score more initial times or pass a shorter block")
    reduce = statistic or (lambda x: x.mean(dim, skipna=True))
    indices = block_indices(n, chosen, n_resamples, np.random.default_rng(seed))
    resampled = xr.concat(
        [reduce(per_init.isel({dim: xr.DataArray(part, dims=("resample", dim))}))
         for part in np.array_split(indices, max(1, n_resamples // CHUNK))], "resample")
    tails = [(1 - confidence) / 2, (1 + confidence) / 2]
    estimate = reduce(per_init)
    stretch = block_variance_correction(rho, chosen) ** 0.5
    lower, upper = (estimate + stretch * (resampled.quantile(tail, "resample").drop_vars(
        "quantile") - estimate) for tail in tails)
    result = xr.concat([estimate, lower, upper], "bound")
    return result.assign_coords(bound=["estimate", "lower", "upper"]).assign_attrs(
        confidence=confidence, n_resamples=n_resamples, n_init_times=n, block_length=chosen,
        lag1_autocorrelation=rho, block_rule=BLOCK_RULE if block is None else "given")
