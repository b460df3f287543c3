"""Regular latitude/longitude grids: building them, reading them, comparing them.

:func:`global_grid` builds xaqf's canonical global grid of a resolution (latitude
descending from 90, longitude in [0, 360)); :func:`same_grid` and :func:`check_same_grid` tell
whether two objects share a grid, and the latter names the difference and the fix.

Examples
--------
>>> grid = global_grid(4.0)
>>> dict(grid.sizes), same_grid(grid, global_grid(4.0))
({'latitude': 46, 'longitude': 90}, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from xaqf.errors import ConfigError, GridMismatchError, LayoutError
from xaqf.variables import SPATIAL_DIMS

LAT, LON = SPATIAL_DIMS


def global_grid(resolution: float) -> xr.Dataset:
    """A regular global grid of ``resolution`` degrees in xaqf's canonical layout.

    Latitude runs from 90 to -90 inclusive (descending), longitude from 0 up to, but not
    including, 360 (ascending), as in CAMS and ERA5 files.

    Parameters
    ----------
    resolution
        Grid spacing in degrees; it must divide both 180 and 360.

    Returns
    -------
    xarray.Dataset
        A Dataset with only the ``latitude`` and ``longitude`` coordinates (CF attributes).

    Raises
    ------
    ConfigError
        If ``resolution`` is not positive or does not divide 180 and 360.

    Examples
    --------
    >>> grid = global_grid(0.4)
    >>> dict(grid.sizes)
    {'latitude': 451, 'longitude': 900}
    >>> float(grid.latitude[0]), float(grid.latitude[-1]), float(grid.longitude[-1])
    (90.0, -90.0, 359.6)
    """
    resolution = float(resolution)
    steps = 180.0 / resolution if resolution > 0 else np.nan
    if not np.isfinite(steps) or abs(steps - round(steps)) > 1e-6 * max(steps, 1.0):
        raise ConfigError(
            f"resolution {resolution!r} degrees does not divide 180 and 360 into whole "
            f"steps; choose e.g. 0.25, 0.4, 1.0 or 4.0")
    nlat = round(steps) + 1
    lat = np.round(np.linspace(90.0, -90.0, nlat), 10)
    lon = np.round(np.arange(2 * (nlat - 1)) * resolution, 10)
    return xr.Dataset(coords={
        LAT: (LAT, lat, {"units": "degrees_north", "standard_name": "latitude"}),
        LON: (LON, lon, {"units": "degrees_east", "standard_name": "longitude"}),
    })


def coords_of(grid: Any, role: str) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude values of a Dataset/DataArray, or a clear error."""
    if not isinstance(grid, xr.Dataset | xr.DataArray):
        raise TypeError(
            f"the {role} grid must be an xarray Dataset or DataArray with 'latitude' and "
            f"'longitude', got {type(grid).__name__}")
    for name in SPATIAL_DIMS:
        if name not in grid.coords or grid[name].ndim != 1:
            raise LayoutError(
                f"the {role} has no one-dimensional '{name}' coordinate (found "
                f"{sorted(map(str, grid.coords))}); rename it or run ds.aqf.standardize(kind)")
    return grid[LAT].values.astype(np.float64), grid[LON].values.astype(np.float64)


def check_whole_circle(longitude: np.ndarray, method: str) -> None:
    """Refuse source longitudes (ascending, in [0, 360)) that leave a gap in the circle.

    The gap across the wrap may be at most twice the largest spacing between neighbouring
    longitudes; ``method`` names the regridding in the message.

    Raises
    ------
    GridMismatchError
        If the longitudes cover only part of the circle (a regional grid).

    Examples
    --------
    >>> check_whole_circle(np.array([0.0, 90.0, 180.0, 270.0]), "bilinear")
    >>> check_whole_circle(np.array([0.0, 10.0, 20.0]), "bilinear")
    Traceback (most recent call last):
    ...
    xaqf.errors.GridMismatchError: source longitude covers only 0..20 degrees east, not the ...
    """
    gap = longitude[0] + 360.0 - longitude[-1]
    if gap > 2 * np.diff(longitude).max() + 1e-9:
        raise GridMismatchError(
            f"source longitude covers only {longitude[0]:g}..{longitude[-1]:g} degrees east, "
            f"not the whole circle; {method} regridding needs global grids (periodic in "
            f"longitude)")


def as_grid(target: Any) -> Any:
    """A grid object from a Dataset/DataArray, or a resolution in degrees."""
    if isinstance(target, int | float | np.number) and not isinstance(target, bool):
        return global_grid(float(target))
    return target


def _grid_only(grid: xr.Dataset | xr.DataArray) -> xr.Dataset:
    """The latitude/longitude coordinates of ``grid``, without its data."""
    return xr.Dataset(coords={name: grid[name] for name in SPATIAL_DIMS})


def same_grid(a: Any, b: Any, atol: float = 1e-6) -> bool:
    """Whether ``a`` and ``b`` have the same latitude and longitude coordinates, in order.

    Parameters
    ----------
    a, b
        Datasets or DataArrays with ``latitude`` and ``longitude`` coordinates, or
        resolutions in degrees.
    atol
        Absolute tolerance on coordinate values (degrees).

    Returns
    -------
    bool

    Examples
    --------
    >>> same_grid(global_grid(4.0), 4.0)
    True
    >>> same_grid(global_grid(4.0), global_grid(4.0).sortby("latitude"))
    False
    """
    return _difference(as_grid(a), as_grid(b), ("a", "b"), atol) is None


def _difference(a: Any, b: Any, names: tuple[str, str], atol: float) -> str | None:
    """A sentence describing how the grids of ``a`` and ``b`` differ, or None."""
    first, second = names
    for dim, x, y in zip(SPATIAL_DIMS, coords_of(a, first), coords_of(b, second),
                         strict=True):
        if x.size != y.size:
            return (f"{dim} sizes differ: {first} has {x.size} "
                    f"({x.min():g}..{x.max():g}), {second} has {y.size} "
                    f"({y.min():g}..{y.max():g})")
        if np.allclose(x, y, rtol=0, atol=atol):
            continue
        if np.allclose(x, y[::-1], rtol=0, atol=atol):
            return (f"{dim} order differs: {first} is {_order(x)}, {second} is {_order(y)}; "
                    f"reorder one of them, e.g. ds.sortby('{dim}', ascending=False)")
        i = int(np.argmax(~np.isclose(x, y, rtol=0, atol=atol)))
        return (f"{dim} values differ: {first} spans {x[0]:g}..{x[-1]:g}, {second} spans "
                f"{y[0]:g}..{y[-1]:g}; first difference at index {i}: {x[i]:g} vs {y[i]:g}")
    return None


def _order(x: np.ndarray) -> str:
    return "descending" if x.size > 1 and x[0] > x[-1] else "ascending"


def check_same_grid(a: Any, b: Any, names: tuple[str, str] = ("forecast", "truth"),
                    atol: float = 1e-6) -> None:
    """Raise :class:`~xaqf.errors.GridMismatchError` unless ``a`` and ``b`` share a grid.

    Parameters
    ----------
    a, b
        Datasets or DataArrays with ``latitude`` and ``longitude`` coordinates.
    names
        How to call ``a`` and ``b`` in the error message.
    atol
        Absolute tolerance on coordinate values (degrees).

    Raises
    ------
    GridMismatchError
        Naming the differing dimension (sizes, ranges, first differing value, or a
        latitude/longitude order reversed) and suggesting ``ds.aqf.regrid(...)``.

    Examples
    --------
    >>> check_same_grid(global_grid(4.0), global_grid(4.0))
    >>> check_same_grid(global_grid(4.0), global_grid(2.0), names=("met", "cams"))
    Traceback (most recent call last):
    ...
    xaqf.errors.GridMismatchError: latitude sizes differ: met has 46 (-90..90), cams has 91 \
(-90..90); regrid one onto the other's grid, e.g. met = met.aqf.regrid(cams)
    """
    difference = _difference(as_grid(a), as_grid(b), names, atol)
    if difference is not None:
        raise GridMismatchError(
            f"{difference}; regrid one onto the other's grid, e.g. "
            f"{names[0]} = {names[0]}.aqf.regrid({names[1]})")
