"""Normalisation statistics given to a forecaster: one Dataset, or parts of one.

Examples
--------
>>> import numpy as np, xarray as xr
>>> def part(channels):
...     n = len(channels)
...     return xr.Dataset({"mean": ("channel", np.zeros(n)), "std": ("channel", np.ones(n))},
...                       coords={"channel": list(channels)})
>>> combined_stats({"cams": part(["pm10"]), "met": part(["t2m"])}).sizes["channel"]
2
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import xarray as xr

from xaqf.errors import ConfigError
from xaqf.preprocessing.normalization import combine_stats

StatsLike = xr.Dataset | Sequence[xr.Dataset] | Mapping[Any, xr.Dataset]
"""Statistics as one Dataset, or as parts that together cover every channel."""


def combined_stats(stats: StatsLike) -> xr.Dataset:
    """``stats`` as one Dataset (:func:`~xaqf.preprocessing.normalization.combine_stats` of
    the parts).

    Raises
    ------
    ConfigError
        A part is not a Dataset, or a channel is in more than one part.
    """
    if isinstance(stats, xr.Dataset):
        return stats
    parts = list(stats.values()) if isinstance(stats, Mapping) else list(stats)
    odd = [type(part).__name__ for part in parts if not isinstance(part, xr.Dataset)]
    if odd:
        raise ConfigError(f"stats must be a Dataset or a sequence / mapping of Datasets "
                          f"(xaqf.preprocessing.normalization.compute_stats); got parts of type "
                          f"{odd}")
    return combine_stats(*parts)
