"""The regular global latitude/longitude grid the toy world lives on.

Examples
--------
>>> g = make_grid(4.0)
>>> g.shape, float(g.latitude[0]), float(g.longitude[-1])
((46, 90), 90.0, 356.0)
>>> round(float(g.cell_weights.sum()), 6)
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xaqf.errors import ConfigError
from xaqf.regrid import global_grid

EARTH_RADIUS = 6.371e6
"""Mean Earth radius (m)."""


@dataclass(frozen=True, eq=False)
class Grid:
    """A global grid, latitude descending 90 -> -90 (poles included), longitude in [0, 360).

    Parameters
    ----------
    resolution
        Grid spacing in degrees, the same in latitude and longitude.
    latitude, longitude
        Cell-centre coordinates in degrees (1-D, float64).
    """

    resolution: float
    latitude: np.ndarray
    longitude: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(nlat, nlon)``."""
        return self.latitude.size, self.longitude.size

    @property
    def phi(self) -> np.ndarray:
        """Latitude in radians, shape ``(nlat, 1)``."""
        return np.deg2rad(self.latitude)[:, None]

    @property
    def lam(self) -> np.ndarray:
        """Longitude in radians, shape ``(1, nlon)``."""
        return np.deg2rad(self.longitude)[None, :]

    @property
    def cell_weights(self) -> np.ndarray:
        """Fraction of the sphere's area in each cell, shape ``(nlat, nlon)``, summing to 1.

        Rows at the poles are polar caps of half a grid spacing.
        """
        half = np.deg2rad(self.resolution) / 2
        phi = np.deg2rad(self.latitude)
        top = np.minimum(phi + half, np.pi / 2)
        bottom = np.maximum(phi - half, -np.pi / 2)
        rows = (np.sin(top) - np.sin(bottom)) / 2 / self.longitude.size
        return np.broadcast_to(rows[:, None], self.shape)

    def unit_vectors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cartesian position, eastward and northward unit vectors, each ``(3, nlat, nlon)``."""
        phi, lam = np.broadcast_arrays(self.phi, self.lam)
        position = np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
        east = np.stack([-np.sin(lam), np.cos(lam), np.zeros_like(lam)])
        north = np.stack([-np.sin(phi) * np.cos(lam), -np.sin(phi) * np.sin(lam), np.cos(phi)])
        return position, east, north


def make_grid(resolution: float) -> Grid:
    """The global grid of spacing ``resolution`` degrees (it must divide 180 and 360).

    Raises
    ------
    ConfigError
        If ``resolution`` does not divide 180 and 360 evenly (see
        :func:`xaqf.regrid.global_grid`), or leaves fewer than 4 rows.

    Examples
    --------
    >>> make_grid(0.4).shape
    (451, 900)
    """
    coords = global_grid(resolution)
    if coords.sizes["latitude"] < 5:
        raise ConfigError(
            f"toy-world resolution {resolution!r} deg is too coarse: it must divide 180 into "
            f"at least 4 rows; pick e.g. 4.0, 2.0, 1.0 or 0.4"
        )
    return Grid(float(resolution), coords["latitude"].values, coords["longitude"].values)
