"""Score cards: normalised RMSE by variable, level and lead day, and the share of wins.

Lead days group lead times by ``lead_day = ceil(lead_time / 24 h)``: 12 h and 24 h are
day 1, 36 h and 48 h day 2, and so on (an analysis at lead 0 h is day 0). A day's score is
the plain mean of the scores of the lead times in it, so with a 12-hourly forecast each
day averages two lead times.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.errors import LayoutError
from xaqf.metrics.aggregation import Dims, RmseForm
from xaqf.metrics.align import SPATIAL_DIMS
from xaqf.metrics.scores import normalized_rmse
from xaqf.preprocessing.channels import variable_to_channels

DAY = np.timedelta64(24, "h")


def lead_day(lead_time: Any) -> np.ndarray:
    """``ceil(lead_time / 24 h)`` as integers.

    Examples
    --------
    >>> import pandas as pd
    >>> lead_day(pd.to_timedelta([0, 12, 24, 36, 120], unit="h").values)
    array([0, 1, 1, 2, 5])
    """
    hours = np.asarray(lead_time, dtype="timedelta64[ns]") / DAY
    return np.ceil(hours).astype(int)


def by_lead_day(scores: XarrayObj) -> XarrayObj:
    """Average ``scores`` over the lead times within each lead day.

    Parameters
    ----------
    scores
        Scores with a ``lead_time`` dimension.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        ``lead_time`` replaced by ``lead_day`` (int). Lazy on dask input.

    Examples
    --------
    >>> import pandas as pd
    >>> s = xr.DataArray([1.0, 3.0, 5.0], dims="lead_time",
    ...                  coords={"lead_time": pd.to_timedelta([12, 24, 36], unit="h")})
    >>> by_lead_day(s).values
    array([2., 5.])
    """
    if "lead_time" not in scores.dims:
        raise LayoutError(f"scores have no 'lead_time' dimension (dims {tuple(scores.dims)})")
    labelled = scores.assign_coords(lead_day=("lead_time", lead_day(scores["lead_time"])))
    grouped = labelled.drop_vars("valid_time", errors="ignore").groupby("lead_day")
    result = grouped.mean("lead_time", keep_attrs=True)
    result["lead_day"].attrs = {"long_name": "lead day, ceil(lead_time / 24 h)", "units": "1"}
    return result


def score_matrix(forecast: xr.Dataset, reference: xr.Dataset, truth: xr.Dataset, *,
                 dims: Dims = SPATIAL_DIMS, weights: Any = None, skipna: bool = False,
                 average_over: Dims | None = "init_time",
                 form: RmseForm = "per_forecast") -> xr.Dataset:
    """Normalised RMSE by variable x level x lead day (paper Fig. 3).

    Parameters
    ----------
    forecast, reference, truth
        As for :func:`~xaqf.metrics.normalized_rmse`.
    dims, weights, skipna, average_over, form
        As for :func:`~xaqf.metrics.rmse`.

    Returns
    -------
    xarray.Dataset
        One variable per pollutant, dims ``([level,] lead_day)``: the normalised RMSE of
        each lead time, averaged over the lead times of each lead day
        (:func:`by_lead_day`). Below 1, the forecast beats the reference.
    """
    return by_lead_day(normalized_rmse(forecast, reference, truth, dims=dims, weights=weights,
                                       skipna=skipna, average_over=average_over, form=form))


def channel_scores(scores: xr.Dataset) -> xr.DataArray:
    """Stack per-variable scores into one ``channel`` dimension (``"go3_850"``, ``"pm10"``).

    Examples
    --------
    >>> ds = xr.Dataset({"pm10": ("lead_day", [0.9, 0.8]),
    ...                  "go3": (("level", "lead_day"), [[1.1, 1.0], [0.7, 0.6]])},
    ...                 coords={"level": [500.0, 850.0], "lead_day": [1, 2]})
    >>> channel_scores(ds).channel.values.tolist()
    ['pm10', 'go3_500', 'go3_850']
    """
    if not scores.data_vars:
        raise LayoutError("the scores Dataset holds no variables")
    pieces = [variable_to_channels(scores[name], str(name)) for name in scores.data_vars]
    return xr.concat(pieces, dim="channel", coords="minimal", compat="override",
                     join="outer", combine_attrs="drop_conflicts").transpose("channel", ...)


def share_better(normalized: xr.Dataset | xr.DataArray, threshold: float = 1.0
                 ) -> xr.DataArray:
    """Share of channels whose normalised RMSE is below ``threshold``.

    Parameters
    ----------
    normalized
        From :func:`~xaqf.metrics.normalized_rmse` or :func:`score_matrix` (a Dataset with
        one variable per pollutant), or a DataArray with a ``channel`` dim.
    threshold
        1 compares against the reference itself.

    Returns
    -------
    xarray.DataArray
        Fraction in [0, 1] for each remaining coordinate (``lead_time`` or ``lead_day``).
        Channels whose score is NaN are left out of the count.

    Examples
    --------
    >>> ds = xr.Dataset({"pm10": ("lead_day", [0.9, 1.2]),
    ...                  "go3": (("level", "lead_day"), [[1.1, 0.5], [0.7, 0.6]])},
    ...                 coords={"level": [500.0, 850.0], "lead_day": [1, 2]})
    >>> share_better(ds).values.round(3)
    array([0.667, 0.667])
    """
    stacked = channel_scores(normalized) if isinstance(normalized, xr.Dataset) else normalized
    better = (stacked < threshold).where(stacked.notnull())
    share = better.mean("channel").drop_vars(["variable", "level"], errors="ignore")
    share.attrs = {"long_name": f"share of channels with normalised RMSE < {threshold:g}",
                   "units": "1"}
    return share.rename("share_better")
