"""Latitude weights: how much each grid row counts in a global average.

On a regular latitude/longitude grid the rows near the poles hold far less area than the
rows near the equator, so spatial averages weight row ``i`` by ``cos(latitude_i)`` (the
convention of the paper, FuXi and WeatherBench) or by the exact area between the row's cell
edges. Both are normalised to a mean of 1 over the given latitudes, so a weighted mean of a
constant field is that constant.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import numpy as np
import xarray as xr

from xaqf.errors import ConfigError, GridMismatchError, InvalidValueError, LayoutError
from xaqf.metrics.align import SPATIAL_DIMS, ascending
from xaqf.regrid.conservative import latitude_bands

WeightKind = Literal["cos", "area"]
ArrayOrDataArray = TypeVar("ArrayOrDataArray", np.ndarray, xr.DataArray)


def cos_weights(latitude: np.ndarray) -> np.ndarray:
    """``cos(latitude)``, exactly 0 at the poles (degrees in, unnormalised)."""
    cos = np.clip(np.cos(np.deg2rad(latitude)), 0.0, None)
    return np.where(np.abs(latitude) == 90.0, 0.0, cos)


def latitude_weights(latitude: ArrayOrDataArray, kind: WeightKind = "cos") -> ArrayOrDataArray:
    """Weights of grid rows for spatial averages, normalised to a mean of 1.

    Parameters
    ----------
    latitude
        Latitudes in degrees north, in any order (a 1-D array or a ``latitude`` DataArray).
    kind
        ``"cos"``: ``cos(latitude)`` (0 at the poles). ``"area"``: the area of each row's
        cells, bounded by edges half-way between neighbouring rows and by the poles; on a
        regular grid it equals ``"cos"`` up to a tiny factor, except that a pole row keeps
        the small area of its half cell.

    Returns
    -------
    numpy.ndarray or xarray.DataArray
        Same type and order as ``latitude``; a DataArray keeps its ``latitude`` coordinate.

    Raises
    ------
    InvalidValueError
        If a latitude is outside [-90, 90], or every weight is zero.
    ConfigError
        If ``kind`` is unknown.
    LayoutError
        With ``kind="area"``, for fewer than two distinct latitudes (a row has no edges).

    Examples
    --------
    >>> latitude_weights(np.array([60.0, 0.0, -60.0])).round(3)
    array([0.75, 1.5 , 0.75])
    >>> latitude_weights(np.array([90.0, 0.0, -90.0]), kind="area").round(3)
    array([0.439, 2.121, 0.439])
    """
    values = np.asarray(latitude, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise InvalidValueError(f"latitude must be a non-empty 1-D array, got shape {values.shape}")
    if np.any(np.abs(values) > 90.0):
        raise InvalidValueError(
            f"latitude values must lie in [-90, 90] degrees north; got {values.min()} .. "
            f"{values.max()}. Pass latitudes in degrees, not radians or indices."
        )
    if kind == "cos":
        weights = cos_weights(values)
    elif kind == "area":
        weights = latitude_bands(values)
    else:
        raise ConfigError(f"unknown latitude weight kind {kind!r}; use 'cos' or 'area'")
    if not weights.sum() > 0:
        raise InvalidValueError(
            "every latitude weight is zero (only pole rows?); use kind='area' or pass weights"
        )
    weights = weights / weights.mean()
    if isinstance(latitude, xr.DataArray):
        return xr.DataArray(
            weights, dims=latitude.dims, coords=latitude.coords, name="latitude_weights",
            attrs={"long_name": f"latitude weights ({kind}), mean 1", "units": "1"},
        )
    return weights


def weights_on_grid(weights: Any, original: xr.Dataset | xr.DataArray,
                    matched: xr.Dataset | xr.DataArray) -> xr.DataArray:
    """Weights as a DataArray on the matched (ascending) grid; cos-lat (mean 1) for ``None``.

    Parameters
    ----------
    weights
        ``None``, a 1-D array over the latitudes of ``original`` (in its order) or a
        DataArray with ``latitude`` (and optionally ``longitude``) dims.
    original
        The forecast as given.
    matched
        The forecast on the ascending grid (:func:`~xaqf.metrics.align.match`).

    Raises
    ------
    LayoutError
        If an array does not hold one weight per latitude.
    GridMismatchError
        If a DataArray's coordinates differ from the forecast's.

    Examples
    --------
    >>> fc = xr.DataArray(np.zeros((2, 1)), dims=("latitude", "longitude"),
    ...                   coords={"latitude": [30.0, -30.0], "longitude": [0.0]})
    >>> weights_on_grid([1.0, 3.0], fc, fc.sortby("latitude")).values.tolist()
    [3.0, 1.0]
    """
    if weights is None:
        return latitude_weights(matched["latitude"])
    if not isinstance(weights, xr.DataArray):
        values = np.asarray(weights, dtype=np.float64)
        if values.shape != (original.sizes["latitude"],):
            raise LayoutError(
                f"weights of shape {values.shape} do not match the forecast's "
                f"{original.sizes['latitude']} latitudes; pass one weight per latitude, in "
                f"the forecast's order, or a DataArray with latitude/longitude coordinates"
            )
        weights = xr.DataArray(values, dims="latitude",
                               coords={"latitude": original["latitude"].values})
    weights = ascending(weights)
    for dim in SPATIAL_DIMS:
        if dim not in weights.dims:
            continue
        if dim not in weights.coords:
            weights = weights.assign_coords({dim: original[dim].values})
            weights = ascending(weights)
        if weights.sizes[dim] != matched.sizes[dim] or not np.allclose(
                weights[dim].values, matched[dim].values, rtol=0, atol=1e-6):
            raise GridMismatchError(
                f"the weights' {dim} coordinate does not match the forecast's; build them "
                f"from the forecast grid, e.g. xaqf.metrics.latitude_weights(forecast.{dim})"
            )
        weights = weights.assign_coords({dim: matched[dim]})
    return weights
