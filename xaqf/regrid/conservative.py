"""Mass-conserving (first-order, area-weighted) regridding between global lat/lon grids.

Bilinear interpolation samples a field at the target points; it does not conserve a flux
integrated over the sphere (an emission inventory in kg m-2 s-1 at 0.1 degrees loses or
gains mass on a 4-degree grid). :class:`ConservativeRegridder` instead gives every target
cell the area-weighted mean of the source cells it overlaps, so the global integral
``sum(value * cell area)`` is the same on both grids (to rounding).

Cells: each grid point is the centre of a cell whose edges lie half-way to its
neighbours; the outermost latitude edges are the poles (so a grid with points at +-90
degrees has half-height polar cells), and longitude is periodic (the cell of the first
point reaches half-way to the last one across 0/360 degrees). On the sphere the area of a
cell is proportional to ``(sin(north edge) - sin(south edge)) * (east edge - west edge)``;
the overlap of two cells is the product of their latitude-band overlap (in ``sin``) and
their longitude overlap, so the operator is separable: one small matrix per axis.

NaNs propagate: a target cell is NaN when any source cell it overlaps is. Arrays, dask
arrays (lazy, block by block), DataArrays and Datasets are handled as by
:class:`xaqf.regrid.bilinear.Regridder`.

Examples
--------
>>> import numpy as np
>>> from xaqf.regrid import global_grid
>>> coarse, fine = global_grid(4.0), global_grid(2.0)
>>> regridder = ConservativeRegridder(fine, coarse)
>>> regridder
ConservativeRegridder(91x180 -> 46x90, area-weighted, periodic in longitude)
>>> field = np.random.default_rng(0).random((91, 180))
>>> out = regridder(field)
>>> total = lambda x, grid: float((x * cell_areas(grid)).sum())
>>> bool(np.isclose(total(out, coarse), total(field, fine), rtol=1e-12))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from xaqf.errors import LayoutError
from xaqf.regrid.bilinear import Regridder
from xaqf.regrid.grid import LAT, LON, as_grid, check_whole_circle, coords_of

EARTH_RADIUS = 6_371_000.0
"""Radius (m) of the sphere that :func:`cell_areas` measures on."""


def latitude_edges(latitude: np.ndarray) -> np.ndarray:
    """Cell edges (degrees, ascending, ``n + 1`` values from -90 to 90) of ascending centres.

    Examples
    --------
    >>> latitude_edges(np.array([-90.0, 0.0, 90.0])).tolist()
    [-90.0, -45.0, 45.0, 90.0]
    """
    lat = np.asarray(latitude, np.float64)
    if lat.size < 2 or np.any(np.diff(lat) <= 0) or lat[0] < -90 or lat[-1] > 90:
        raise LayoutError(
            f"latitude centres must be at least two distinct values in [-90, 90], got "
            f"{lat.size} values spanning {lat.min():g}..{lat.max():g}; standardize the data")
    return np.concatenate([[-90.0], 0.5 * (lat[1:] + lat[:-1]), [90.0]])


def longitude_edges(longitude: np.ndarray) -> np.ndarray:
    """Periodic cell edges (degrees, ``n + 1`` values spanning exactly 360) of ascending
    centres in [0, 360).

    Examples
    --------
    >>> longitude_edges(np.array([0.0, 90.0, 180.0, 270.0])).tolist()
    [-45.0, 45.0, 135.0, 225.0, 315.0]
    """
    lon = np.asarray(longitude, np.float64)
    if lon.size < 2 or np.any(np.diff(lon) <= 0):
        raise LayoutError(f"longitude must hold at least two distinct values modulo 360, got "
                          f"{lon.size}; drop a repeated column (e.g. 360 == 0)")
    west = 0.5 * (lon[0] + lon[-1] - 360.0)
    return np.concatenate([[west], 0.5 * (lon[1:] + lon[:-1]), [west + 360.0]])


def latitude_bands(latitude: np.ndarray) -> np.ndarray:
    """``sin(north edge) - sin(south edge)`` of each row's cell (cells as in the module notes):
    the rows' shares of the sphere's area, times 2, for latitudes in any order.

    Examples
    --------
    >>> latitude_bands(np.array([90.0, 0.0, -90.0])).round(3).tolist()
    [0.293, 1.414, 0.293]
    """
    lat_sorted, order = _ascending(np.asarray(latitude, np.float64), wrap=False)
    band = np.empty(lat_sorted.size)
    band[order] = np.diff(np.sin(np.deg2rad(latitude_edges(lat_sorted))))
    return band


def _overlap(source: np.ndarray, target: np.ndarray, period: float | None) -> np.ndarray:
    """``(n_target, n_source)`` lengths of overlap of the intervals between edges."""
    shifts = (0.0,) if period is None else (-period, 0.0, period)
    lo_t, hi_t = target[:-1, None], target[1:, None]
    total = np.zeros((target.size - 1, source.size - 1))
    for shift in shifts:
        lo_s, hi_s = source[None, :-1] + shift, source[None, 1:] + shift
        total += np.clip(np.minimum(hi_t, hi_s) - np.maximum(lo_t, lo_s), 0.0, None)
    return total


def _axis_matrix(source: np.ndarray, target: np.ndarray, period: float | None) -> np.ndarray:
    """Row-normalised overlap matrix: target value = weighted mean of source values."""
    overlap = _overlap(source, target, period)
    return overlap / overlap.sum(axis=1, keepdims=True)


def _ascending(values: np.ndarray, wrap: bool) -> tuple[np.ndarray, np.ndarray]:
    """Sorted values (modulo 360 if ``wrap``) and the order that sorts them."""
    values = np.mod(values, 360.0) if wrap else values
    order = np.argsort(values, kind="stable")
    return values[order], order


def _placed(matrix: np.ndarray, source_order: np.ndarray, target_order: np.ndarray
            ) -> np.ndarray:
    """``matrix`` (sorted axes) re-indexed to the grids' own orders."""
    out = np.empty_like(matrix)
    out[np.ix_(target_order, source_order)] = matrix
    return out


def cell_areas(grid: Any) -> np.ndarray:
    """``(nlat, nlon)`` cell areas (m2) of a global grid (cells as in the module notes).

    Examples
    --------
    >>> from xaqf.regrid import global_grid
    >>> areas = cell_areas(global_grid(4.0))
    >>> bool(np.isclose(areas.sum(), 4 * np.pi * EARTH_RADIUS**2))
    True
    """
    lat, lon = coords_of(as_grid(grid), "grid")
    lon_sorted, lon_order = _ascending(lon, wrap=True)
    width = np.empty(lon.size)
    width[lon_order] = np.deg2rad(np.diff(longitude_edges(lon_sorted)))
    areas: np.ndarray = EARTH_RADIUS**2 * latitude_bands(lat)[:, None] * width[None, :]
    return areas


class ConservativeRegridder(Regridder):
    """Area-weighted, mass-conserving regridding from one global grid to another.

    Built and called like :class:`xaqf.regrid.bilinear.Regridder` (numpy, dask, DataArray, Dataset);
    see the module notes for the cells and the NaN rule.

    Parameters
    ----------
    source, target
        Datasets or DataArrays with ``latitude`` and ``longitude`` coordinates covering the
        globe, or resolutions in degrees (a :func:`xaqf.regrid.bilinear.global_grid`).

    Examples
    --------
    >>> import numpy as np
    >>> from xaqf.regrid import global_grid
    >>> same = ConservativeRegridder(global_grid(30.0), global_grid(30.0))
    >>> x = np.random.default_rng(1).random((7, 12))
    >>> bool(np.allclose(same(x), x))
    True
    """

    def __init__(self, source: Any, target: Any) -> None:
        source, target = as_grid(source), as_grid(target)
        self._src_lat, self._src_lon = coords_of(source, "source")
        self._tgt_lat, self._tgt_lon = coords_of(target, "target")
        self.source = xr.Dataset(coords={name: source[name] for name in (LAT, LON)})
        self.target = xr.Dataset(coords={name: target[name] for name in (LAT, LON)})
        self.lat_matrix = self._latitude_matrix()
        self.lon_matrix = self._longitude_matrix()

    def _latitude_matrix(self) -> np.ndarray:
        (src, src_order), (tgt, tgt_order) = (_ascending(self._src_lat, wrap=False),
                                              _ascending(self._tgt_lat, wrap=False))
        sin_src, sin_tgt = (np.sin(np.deg2rad(latitude_edges(x))) for x in (src, tgt))
        return _placed(_axis_matrix(sin_src, sin_tgt, None), src_order, tgt_order)

    def _longitude_matrix(self) -> np.ndarray:
        (src, src_order), (tgt, tgt_order) = (_ascending(self._src_lon, wrap=True),
                                              _ascending(self._tgt_lon, wrap=True))
        check_whole_circle(src, "conservative")
        matrix = _axis_matrix(longitude_edges(src), longitude_edges(tgt), 360.0)
        return _placed(matrix, src_order, tgt_order)

    def __repr__(self) -> str:
        (a, b), (c, d) = self.source_shape, self.target_shape
        return f"ConservativeRegridder({a}x{b} -> {c}x{d}, area-weighted, periodic in longitude)"

    def _regrid_numpy(self, x: np.ndarray) -> np.ndarray:
        self._check_shape(x.shape)
        dtype = np.result_type(x.dtype, np.float32)
        fields = np.asarray(x, np.float64).reshape(-1, *self.source_shape)
        bad = np.isnan(fields)
        out = self.lat_matrix @ np.where(bad, 0.0, fields) @ self.lon_matrix.T
        if bad.any():
            touched = ((self.lat_matrix > 0) @ bad.astype(np.float64) @ (self.lon_matrix > 0).T)
            out[touched > 0] = np.nan
        return out.astype(dtype).reshape(*x.shape[:-2], *self.target_shape)
