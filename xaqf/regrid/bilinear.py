"""Bilinear regridding between regular latitude/longitude grids.

xaqf's model runs on one grid (the paper's: CAMS at 0.4 degrees, 451 x 900), while weather
inputs often come on another (ERA5 and FuXi at 0.25 degrees, 721 x 1440). A
:class:`Regridder` computes, once, two small one-dimensional interpolation operators (index
pairs and weights, one set for latitude and one for longitude) and applies them as two
gathers and weighted sums: first along latitude, then along longitude. That is exact
bilinear interpolation on a rectilinear grid, costs a few operations per output point, and
needs no matrix larger than one field.

Conventions
-----------
* Longitude is periodic: a target point between the last source longitude and 360 degrees
  interpolates between the last and the first source columns. Source longitudes may be given
  in [-180, 180) or [0, 360), in any order; the source must cover the whole circle.
* Latitude is not periodic. A target latitude beyond the outermost source latitude (for
  example the pole, when source cell centres stop half a cell short of it) takes the value of
  the nearest source row: values are clamped, never extrapolated. A target latitude equal to
  a source latitude (the poles included) takes that row's values exactly.
* Missing values propagate: a NaN in the source makes NaN every target point whose
  interpolation stencil gives it a non-zero weight. Target points that coincide with a source
  point only see that point.
* Output is on the *target's* coordinates, in the target's order. Floating inputs keep their
  dtype (float32 in, float32 out); integer inputs give float64.

Examples
--------
>>> import numpy as np
>>> from xaqf.regrid import Regridder, global_grid
>>> regridder = Regridder(global_grid(4.0), global_grid(2.0))
>>> regridder
Regridder(46x90 -> 91x180, bilinear, periodic in longitude)
>>> regridder(np.ones((3, 46, 90), np.float32)).shape
(3, 91, 180)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dask.array as dsa
import numpy as np
import xarray as xr

from xaqf.errors import GridMismatchError, LayoutError
from xaqf.regrid.grid import _difference, _grid_only, as_grid, check_whole_circle, coords_of
from xaqf.variables import SPATIAL_DIMS

_SNAP = 1e-9
"""Relative weights closer than this to 0 or 1 are snapped, so coincident points are exact."""


@dataclass(frozen=True)
class AxisWeights:
    """A one-dimensional linear interpolation operator: ``out = x[lo] * (1 - w) + x[hi] * w``.

    Parameters
    ----------
    lo, hi
        Indices into the source axis (in the source's own order), one pair per target point.
    weight
        Weight of ``hi`` for each target point, in [0, 1].
    """

    lo: np.ndarray
    hi: np.ndarray
    weight: np.ndarray

    def apply(self, x: np.ndarray, axis: int, out: np.ndarray, scratch: np.ndarray) -> None:
        """Interpolate ``x`` along ``axis`` into ``out``, using ``scratch`` (same shape).

        Writing into preallocated buffers keeps the per-field cost to two gathers and three
        in-place arithmetic passes, with no allocation.
        """
        shape = [1] * x.ndim
        shape[axis] = -1
        weight = self.weight.astype(out.dtype).reshape(shape)
        np.take(x, self.lo, axis=axis, out=out, mode="clip")
        out *= 1 - weight
        np.take(x, self.hi, axis=axis, out=scratch, mode="clip")
        scratch *= weight
        out += scratch


def _pairs(source: np.ndarray, index: np.ndarray, target: np.ndarray) -> AxisWeights:
    """Linear-interpolation pairs of ``target`` on a strictly ascending ``source`` axis.

    ``index[k]`` is the position in the original source of ``source[k]``. Targets outside
    ``[source[0], source[-1]]`` are clamped to the end points.
    """
    k = np.clip(np.searchsorted(source, target, side="right") - 1, 0, len(source) - 2)
    span = source[k + 1] - source[k]
    weight = np.clip((target - source[k]) / span, 0.0, 1.0)
    lo, hi = index[k], index[k + 1]
    low, high = weight < _SNAP, weight > 1 - _SNAP
    hi = np.where(low, lo, hi)
    lo = np.where(high, hi, lo)
    weight = np.where(low | high, 0.0, weight)
    return AxisWeights(lo, hi, weight)


def latitude_interpolation(source: np.ndarray, target: np.ndarray) -> AxisWeights:
    """Interpolation operator along latitude, clamped beyond the outermost source rows.

    Parameters
    ----------
    source
        Source latitudes (degrees north) in any order, without duplicates.
    target
        Target latitudes (degrees north).

    Returns
    -------
    AxisWeights
        Index pairs into ``source`` (in its given order) and weights.

    Examples
    --------
    >>> ops = latitude_interpolation(np.array([60.0, 0.0, -60.0]), np.array([90.0, 30.0, 0.0]))
    >>> ops.lo.tolist(), ops.hi.tolist(), ops.weight.tolist()
    ([0, 1, 1], [0, 0, 1], [0.0, 0.5, 0.0])
    """
    source = np.asarray(source, dtype=np.float64)
    if source.size < 2 or np.unique(source).size != source.size:
        raise LayoutError(
            f"source latitude must hold at least two distinct values without duplicates, got "
            f"{source.size} values; standardize the data with ds.aqf.standardize(kind)")
    order = np.argsort(source)
    return _pairs(source[order], order, np.asarray(target, dtype=np.float64))


def longitude_interpolation(source: np.ndarray, target: np.ndarray) -> AxisWeights:
    """Interpolation operator along longitude, periodic with period 360 degrees.

    Parameters
    ----------
    source
        Source longitudes (degrees east), in [-180, 180) or [0, 360), in any order. They must
        cover the circle: the gap across the wrap may not exceed twice the largest spacing
        between neighbouring source longitudes.
    target
        Target longitudes (degrees east), any range.

    Returns
    -------
    AxisWeights
        Index pairs into ``source`` (in its given order) and weights.

    Examples
    --------
    >>> ops = longitude_interpolation(np.array([0.0, 90.0, 180.0, 270.0]), np.array([315.0, -45.0]))
    >>> ops.lo.tolist(), ops.hi.tolist(), ops.weight.tolist()
    ([3, 3], [0, 0], [0.5, 0.5])
    """
    wrapped = np.mod(np.asarray(source, dtype=np.float64), 360.0)
    if wrapped.size < 2 or np.unique(wrapped).size != wrapped.size:
        raise LayoutError(
            f"source longitude must hold at least two distinct values modulo 360 without "
            f"duplicates, got {wrapped.size} values; drop the repeated column (e.g. 360 == 0)")
    order = np.argsort(wrapped)
    ordered = wrapped[order]
    check_whole_circle(ordered, "bilinear")
    extended = np.concatenate([[ordered[-1] - 360.0], ordered, [ordered[0] + 360.0]])
    index = np.concatenate([[order[-1]], order, [order[0]]])
    return _pairs(extended, index, np.mod(np.asarray(target, dtype=np.float64), 360.0))


class Regridder:
    """Bilinear regridding from one regular latitude/longitude grid to another.

    The weights are computed once, at construction; calling the regridder applies them to a
    numpy array, a dask array, a DataArray or a Dataset. See the module documentation for the
    periodic longitude, the clamped latitude and the NaN conventions.

    Parameters
    ----------
    source, target
        Datasets or DataArrays with one-dimensional ``latitude`` and ``longitude``
        coordinates, or a resolution in degrees (a :func:`global_grid`). The source may have
        any latitude order and longitudes in [-180, 180) or [0, 360); the output follows the
        target's coordinates and order. Only the coordinates are kept (attributes
        :attr:`source` and :attr:`target`), never the data.

    Examples
    --------
    >>> import numpy as np
    >>> from xaqf.regrid import global_grid
    >>> source = global_grid(90.0)
    >>> field = np.add.outer(source.latitude.values, np.zeros(4)).astype(np.float32)
    >>> Regridder(source, 45.0)(field)[:, 0]
    array([ 90.,  45.,   0., -45., -90.], dtype=float32)
    """

    def __init__(self, source: Any, target: Any) -> None:
        self._src_lat, self._src_lon = coords_of(as_grid(source), "source")
        self._tgt_lat, self._tgt_lon = coords_of(as_grid(target), "target")
        self.source = _grid_only(as_grid(source))
        self.target = _grid_only(as_grid(target))
        self.lat_weights = latitude_interpolation(self._src_lat, self._tgt_lat)
        self.lon_weights = longitude_interpolation(self._src_lon, self._tgt_lon)

    @property
    def source_shape(self) -> tuple[int, int]:
        """``(nlat, nlon)`` of the source grid."""
        return self._src_lat.size, self._src_lon.size

    @property
    def target_shape(self) -> tuple[int, int]:
        """``(nlat, nlon)`` of the target grid."""
        return self._tgt_lat.size, self._tgt_lon.size

    def __repr__(self) -> str:
        (a, b), (c, d) = self.source_shape, self.target_shape
        return f"Regridder({a}x{b} -> {c}x{d}, bilinear, periodic in longitude)"

    def __call__(self, obj: Any) -> Any:
        """Regrid ``obj``: numpy or dask array (last two axes latitude, longitude),
        DataArray or Dataset (dims ``latitude`` and ``longitude``, any position).

        Dask arrays stay lazy: the work runs block by block over the non-spatial chunks; the
        two spatial axes are first rechunked to a single chunk each (one block holds whole
        fields), so choose chunks over time/level/channel to bound memory.
        """
        if isinstance(obj, xr.Dataset | xr.DataArray):
            difference = _difference(obj, self.source, ("input", "source"), 1e-6)
            if difference is not None:
                raise GridMismatchError(
                    f"input is not on this Regridder's source grid: {difference}; build a "
                    f"Regridder from the input's own grid, e.g. Regridder(ds, target)")
        if isinstance(obj, xr.Dataset):
            return self._regrid_dataset(obj)
        if isinstance(obj, xr.DataArray):
            return self._regrid_dataarray(obj)
        if isinstance(obj, dsa.Array):
            return self._regrid_dask(obj)
        return self._regrid_numpy(np.asarray(obj))

    def _check_shape(self, shape: tuple[int, ...]) -> None:
        if len(shape) < 2 or tuple(shape[-2:]) != self.source_shape:
            raise GridMismatchError(
                f"array of shape {tuple(shape)} does not end with the source grid's "
                f"(latitude, longitude) = {self.source_shape}; move the spatial axes last "
                f"or build the Regridder from this array's grid")

    def _regrid_numpy(self, x: np.ndarray) -> np.ndarray:
        self._check_shape(x.shape)
        dtype = np.result_type(x.dtype, np.float32)
        fields = x.astype(dtype, copy=False).reshape(-1, *self.source_shape)
        out = np.empty((fields.shape[0], *self.target_shape), dtype)
        rows = np.empty((2, self.target_shape[0], self.source_shape[1]), dtype)
        scratch = np.empty(self.target_shape, dtype)
        for field, result in zip(fields, out, strict=True):
            self.lat_weights.apply(field, 0, rows[0], rows[1])
            self.lon_weights.apply(rows[0], 1, result, scratch)
        return out.reshape(*x.shape[:-2], *self.target_shape)

    def _regrid_dask(self, x: dsa.Array) -> dsa.Array:
        self._check_shape(x.shape)
        x = x.rechunk({x.ndim - 2: -1, x.ndim - 1: -1})
        chunks = (*x.chunks[:-2], (self.target_shape[0],), (self.target_shape[1],))
        return dsa.map_blocks(self._regrid_numpy, x, chunks=chunks,
                              dtype=np.result_type(x.dtype, np.float32), meta=np.array(()))

    def _target_coords(self, like: xr.DataArray | xr.Dataset) -> dict[str, xr.Variable]:
        coords = {}
        for name in SPATIAL_DIMS:
            attrs = self.target[name].attrs or like[name].attrs
            coords[name] = xr.Variable(name, self.target[name].values, attrs)
        return coords

    def _regrid_dataarray(self, da: xr.DataArray) -> xr.DataArray:
        missing = [d for d in SPATIAL_DIMS if d not in da.dims]
        if missing:
            raise LayoutError(
                f"DataArray {da.name!r} has no dimension {missing[0]!r} (dims {da.dims}); "
                f"regridding needs both 'latitude' and 'longitude'")
        ordered = da.transpose(..., *SPATIAL_DIMS)
        data = self(ordered.data)
        kept = {k: v for k, v in ordered.coords.items()
                if not set(v.dims) & set(SPATIAL_DIMS)}
        out = xr.DataArray(data, dims=ordered.dims, coords={**kept, **self._target_coords(da)},
                           name=da.name, attrs=da.attrs)
        return out.transpose(*da.dims)

    def _regrid_dataset(self, ds: xr.Dataset) -> xr.Dataset:
        variables = {}
        for name, da in ds.data_vars.items():
            spatial = set(da.dims) & set(SPATIAL_DIMS)
            if len(spatial) == 1:
                raise LayoutError(
                    f"variable {name!r} has only {spatial.pop()!r} of the two spatial dims "
                    f"(dims {da.dims}); drop it before regridding")
            variables[name] = self._regrid_dataarray(da) if spatial else da
        kept = {k: v for k, v in ds.coords.items() if not set(v.dims) & set(SPATIAL_DIMS)}
        return xr.Dataset(variables, coords={**kept, **self._target_coords(ds)},
                          attrs=ds.attrs)
