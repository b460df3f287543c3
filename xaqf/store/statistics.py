"""Normalisation statistics from additive per-time-step partial sums.

Each time step contributes, per channel, its spatial maximum (for the ``scale`` method), its
number of points, mean and sum of squared deviations from that mean (for ``standard``).
:func:`combine` merges the steps in time order (a fixed order, so the result does not depend
on which worker finished first) into the statistics
:func:`xaqf.preprocessing.normalization.compute_stats`
gives on the whole period, up to float rounding:

* ``scale``: ``std = 0.5 * mean over steps of the maxima``, ``mean = 0``;
* ``standard``: ``mean = sum(n_t m_t) / N``, ``var = sum(M2_t + n_t (m_t - mean)^2) / N``
  (Chan's pairwise update, numerically stable).

A zero ``std`` becomes 1, as in ``compute_stats``.

Examples
--------
>>> import numpy as np, xarray as xr
>>> from xaqf.preprocessing.normalization import compute_stats
>>> ds = xr.Dataset({"t2m": (("time", "latitude"), np.array([[1.0, 2.0], [4.0, 9.0]]))})
>>> parts = [step_partials(ds.isel(time=[i])) for i in range(2)]
>>> frame = compute_stats(ds.isel(time=[0]))
>>> combine(parts, frame)["std"].values, compute_stats(ds)["std"].values
(array([3.082207]), array([3.082207]))
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

__all__ = ["PARTS", "combine", "step_partials"]

PARTS = ("max", "count", "mean", "m2")
"""The partial sums of one step, each an array over the channels."""


def _channel_fields(da: xr.DataArray) -> list[np.ndarray]:
    values = da.values
    if "level" in da.dims:
        axis = da.dims.index("level")
        return [np.take(values, i, axis=axis) for i in range(values.shape[axis])]
    return [values]


def step_partials(ds: xr.Dataset) -> dict[str, np.ndarray]:
    """The partial sums of one time step of ``ds`` (canonical layout), channel by channel in
    the order of :func:`xaqf.preprocessing.normalization.compute_stats` (variables, then levels)."""
    out: dict[str, list[float]] = {part: [] for part in PARTS}
    for name in ds.data_vars:
        for field in _channel_fields(ds[name]):
            x = field.astype(np.float64)
            mean = x.mean()
            out["max"].append(x.max())
            out["count"].append(x.size)
            out["mean"].append(mean)
            out["m2"].append(np.square(x - mean).sum())
    return {part: np.asarray(values, np.float64) for part, values in out.items()}


def combine(partials: Sequence[dict[str, np.ndarray]], frame: xr.Dataset) -> xr.Dataset:
    """Merge per-step partial sums (in time order) into statistics shaped like ``frame``.

    Parameters
    ----------
    partials
        :func:`step_partials` of each time step.
    frame
        ``compute_stats`` of any data with the same channels (e.g. one grid point of one
        step): it gives the format, channel order and ``method`` of each channel.
    """
    parts = {part: np.stack([p[part] for p in partials]) for part in PARTS}
    count = parts["count"].sum(axis=0)
    mean = (parts["count"] * parts["mean"]).sum(axis=0) / count
    spread = parts["m2"] + parts["count"] * np.square(parts["mean"] - mean)
    std = np.sqrt(spread.sum(axis=0) / count)
    scale = frame["method"].values == "scale"
    mean = np.where(scale, 0.0, mean)
    std = np.where(scale, 0.5 * parts["max"].mean(axis=0), std)
    stats = frame.load().copy(deep=True)
    stats["mean"].values[:] = mean
    stats["std"].values[:] = np.where(std != 0, std, 1.0)
    return stats
