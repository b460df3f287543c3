"""Per-point statistics: the error of one forecast value against one truth value.

Pure functions built from arithmetic only, so they work unchanged on numpy and dask arrays,
torch tensors and xarray objects. A score is one of these statistics, averaged over space
with latitude weights (:mod:`xaqf.metrics.aggregation`), then finished
(:mod:`xaqf.metrics.scores`), e.g. RMSE = sqrt(weighted mean of :func:`squared_error`).

Examples
--------
>>> import numpy as np
>>> squared_error(np.array([1.0, 4.0]), np.array([2.0, 2.0]))
array([1., 4.])
"""

from __future__ import annotations

from typing import Any


def error(forecast: Any, truth: Any) -> Any:
    """Signed error ``forecast - truth`` (positive when the forecast is too high).

    Examples
    --------
    >>> error(3.0, 1.0)
    2.0
    """
    return forecast - truth


def squared_error(forecast: Any, truth: Any) -> Any:
    """Squared error ``(forecast - truth) ** 2``.

    Examples
    --------
    >>> squared_error(3.0, 1.0)
    4.0
    """
    return (forecast - truth) ** 2


def absolute_error(forecast: Any, truth: Any) -> Any:
    """Absolute error ``|forecast - truth|``.

    Examples
    --------
    >>> absolute_error(1.0, 3.0)
    2.0
    """
    return abs(forecast - truth)


def normalised_error(forecast: Any, truth: Any) -> Any:
    """``2 (F - O) / (F + O)``, 0 where both are 0 (agreement): the point statistic of MNMB.

    Examples
    --------
    >>> import numpy as np
    >>> normalised_error(np.array([3.0, 0.0, 1.0]), np.array([1.0, 0.0, 3.0]))
    array([ 1.,  0., -1.])
    """
    total = forecast + truth
    return 2 * (forecast - truth) / (total + (total == 0))


def fractional_error(forecast: Any, truth: Any) -> Any:
    """``2 |F - O| / (F + O)``, 0 where both are 0: the point statistic of FGE.

    Examples
    --------
    >>> fractional_error(1.0, 3.0)
    1.0
    """
    return abs(normalised_error(forecast, truth))


def paired_truth(forecast: Any, truth: Any) -> Any:
    """The truth, NaN where the forecast is: the denominator of NMB and NMGE, so that
    both sums of the ratio skip the same points.

    Examples
    --------
    >>> paired_truth(float("nan"), 2.0), paired_truth(1.0, 2.0)
    (nan, 2.0)
    """
    return truth + 0 * forecast
