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
