"""Bringing gridded fields to station locations: bilinear or nearest, periodic in longitude.

The interpolation weights are those of :mod:`xaqf.regrid.bilinear`
(:func:`~xaqf.regrid.bilinear.latitude_interpolation`,
:func:`~xaqf.regrid.bilinear.longitude_interpolation`): exact bilinear interpolation on the
rectilinear grid, periodic in longitude for global grids (a station at 359.9 E or -0.1 E
interpolates between the last and the first grid columns). Regional grids (longitudes not
covering the circle) are interpolated without wrapping. A station more than half a grid
spacing beyond the outermost grid rows or columns is *outside the grid* and refused; one
within that half spacing takes the value of the edge row or column (as
:mod:`xaqf.regrid.bilinear` does at the poles).

Examples
--------
>>> import numpy as np, xarray as xr
>>> field = xr.DataArray(np.arange(4.0).reshape(2, 2), dims=("latitude", "longitude"),
...                      coords={"latitude": [10.0, 0.0], "longitude": [0.0, 10.0]})
>>> stations = xr.Dataset(coords={"station": ["a"], "latitude": ("station", [5.0]),
...                               "longitude": ("station", [5.0])})
>>> float(interpolate(field, stations)[0])
1.5
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.errors import ConfigError, GridMismatchError, InvalidValueError, LayoutError
from xaqf.regrid.bilinear import AxisWeights, latitude_interpolation, longitude_interpolation

__all__ = ["interpolate", "station_weights"]

Method = Literal["bilinear", "nearest"]


def _station_coords(stations: xr.Dataset | xr.DataArray) -> tuple[np.ndarray, np.ndarray]:
    for name in ("latitude", "longitude"):
        if name not in stations.coords or stations[name].dims != ("station",):
            raise LayoutError(f"the stations have no {name!r} coordinate along 'station' "
                              f"(coords {sorted(map(str, stations.coords))}); read them with "
                              f"xaqf.stations.open_stations")
    lat = stations["latitude"].values.astype(np.float64)
    lon = stations["longitude"].values.astype(np.float64)
    bad = ~((np.abs(lat) <= 90.0) & np.isfinite(lon))
    if bad.any():
        i = int(np.argmax(bad))
        label = stations["station"].values[i] if "station" in stations.coords else i
        raise InvalidValueError(f"station {str(label)!r} is at latitude {lat[i]:g}, longitude "
                                f"{lon[i]:g}: not on the globe ({int(bad.sum())} station(s) in "
                                f"all; latitude must lie in -90..90); fix or drop them")
    return lat, lon


def _check_inside(grid: np.ndarray, points: np.ndarray, axis: str, names: np.ndarray) -> None:
    spacing = np.abs(np.diff(np.sort(grid))).max() if grid.size > 1 else 0.0
    low, high = grid.min() - spacing / 2, grid.max() + spacing / 2
    outside = (points < low - 1e-9) | (points > high + 1e-9)
    if outside.any():
        i = int(np.argmax(outside))
        raise GridMismatchError(
            f"station {str(names[i])!r} at {axis} {points[i]:g} is outside the grid "
            f"({grid.min():g}..{grid.max():g}); {int(outside.sum())} station(s) outside in "
            f"all: drop them, e.g. stations.where(..., drop=True), or use a larger grid")


def _nearest(weights: AxisWeights) -> AxisWeights:
    index = np.where(weights.weight > 0.5, weights.hi, weights.lo)
    return AxisWeights(index, index, np.zeros(index.shape))


def station_weights(grid: xr.Dataset | xr.DataArray, stations: xr.Dataset | xr.DataArray,
                    method: Method = "bilinear") -> tuple[AxisWeights, AxisWeights]:
    """Latitude and longitude interpolation operators from ``grid`` to the stations.

    Raises
    ------
    GridMismatchError
        A station outside the grid (named in the message).
    InvalidValueError
        A station latitude beyond +-90 or missing, or a missing longitude.
    ConfigError
        An unknown ``method``.

    Examples
    --------
    >>> grid = xr.Dataset(coords={"latitude": [0.0, 10.0], "longitude": [0.0, 180.0]})
    >>> st = xr.Dataset(coords={"station": ["s"], "latitude": ("station", [2.0]),
    ...                         "longitude": ("station", [270.0])})
    >>> lat, lon = station_weights(grid, st)
    >>> lat.weight.tolist(), lon.lo.tolist(), lon.hi.tolist(), lon.weight.tolist()
    ([0.2], [1], [0], [0.5])
    """
    if method not in ("bilinear", "nearest"):
        raise ConfigError(f"method={method!r}; choose 'bilinear' or 'nearest'")
    for name in ("latitude", "longitude"):
        if name not in grid.coords or grid[name].ndim != 1:
            raise LayoutError(f"the gridded data have no 1-D {name!r} coordinate; standardize "
                              f"them first, e.g. ds.aqf.standardize('cams')")
    grid_lat = grid["latitude"].values.astype(np.float64)
    grid_lon = grid["longitude"].values.astype(np.float64)
    lat, lon = _station_coords(stations)
    names = stations["station"].values if "station" in stations.coords else np.arange(lat.size)
    _check_inside(grid_lat, lat, "latitude", names)
    lat_ops = latitude_interpolation(grid_lat, lat)
    try:
        lon_ops = longitude_interpolation(grid_lon, lon)
    except GridMismatchError:  # a regional grid: no wrap, stations must lie inside
        east = grid_lon.min() + np.mod(lon - grid_lon.min(), 360.0)
        east = np.where(east > grid_lon.max() + 180.0, east - 360.0, east)
        _check_inside(grid_lon, east, "longitude", names)
        lon_ops = latitude_interpolation(grid_lon, east)
    if method == "nearest":
        return _nearest(lat_ops), _nearest(lon_ops)
    return lat_ops, lon_ops


def interpolate(ds: XarrayObj, stations: xr.Dataset | xr.DataArray,
                method: Method = "bilinear") -> XarrayObj:
    """Values of gridded ``ds`` at the stations (bilinear or nearest grid point).

    Parameters
    ----------
    ds
        Dataset or DataArray with ``latitude`` and ``longitude`` dimensions and any others
        (``init_time, lead_time`` of a forecast, ``time`` of an analysis, ``level``...);
        numpy or dask (dask stays lazy).
    stations
        Any object with ``latitude`` and ``longitude`` coordinates along ``station``, such
        as :func:`~xaqf.stations.open_stations`'s result.
    method
        ``"bilinear"`` (default) or ``"nearest"``.

    Returns
    -------
    Dataset or DataArray
        ``latitude``/``longitude`` dimensions replaced by ``station`` (with the stations'
        coordinates); variables without spatial dimensions are kept as they are.

    Raises
    ------
    GridMismatchError
        A station outside the grid.
    LayoutError
        No station coordinates, or no grid coordinates.
    """
    lat_ops, lon_ops = station_weights(ds, stations, method)
    station_coords = {name: stations[name] for name in stations.coords
                      if stations[name].dims == ("station",)}

    def corner(obj: Any, i: np.ndarray, j: np.ndarray) -> Any:
        return obj.isel(latitude=xr.DataArray(i, dims="station"),
                        longitude=xr.DataArray(j, dims="station"), drop=True)

    def weight(w: np.ndarray) -> xr.DataArray:
        return xr.DataArray(w, dims="station")

    if isinstance(ds, xr.Dataset):
        spatial = [n for n, v in ds.data_vars.items() if {"latitude", "longitude"} <= set(v.dims)]
        kept = ds.drop_vars(spatial)
        obj: Any = ds[spatial].drop_vars(
            [c for c in ds.coords if c not in ds.dims and {"latitude", "longitude"}
             & set(ds[c].dims)])
    else:
        obj = ds
    wy, wx = weight(lat_ops.weight), weight(lon_ops.weight)
    if method == "nearest":
        out = corner(obj, lat_ops.lo, lon_ops.lo)
    else:
        out = (corner(obj, lat_ops.lo, lon_ops.lo) * ((1 - wy) * (1 - wx))
               + corner(obj, lat_ops.hi, lon_ops.lo) * (wy * (1 - wx))
               + corner(obj, lat_ops.lo, lon_ops.hi) * ((1 - wy) * wx)
               + corner(obj, lat_ops.hi, lon_ops.hi) * (wy * wx))
    out = out.assign_coords(station_coords)
    if isinstance(ds, xr.Dataset):
        out = xr.merge([kept.drop_dims([d for d in ("latitude", "longitude") if d in kept.dims]),
                        out], combine_attrs="override")
        for name in out.data_vars:
            out[name].attrs = ds[name].attrs
        return out.assign_attrs({**ds.attrs, "featureType": "timeSeries",
                                 "interpolation": method})
    return out.assign_attrs({**ds.attrs, "interpolation": method}).rename(ds.name)
