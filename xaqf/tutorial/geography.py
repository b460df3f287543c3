"""A cartoon Earth: continents as ellipses, mountains as Gaussian bumps.

Shapes are rough on purpose: they put land, sea, mountains and deserts in familiar places
so that maps of the toy world are easy to read. Everything is a smooth function of
latitude/longitude, so any resolution sees the same Earth.

Examples
--------
>>> from xaqf.tutorial.grid import make_grid
>>> g = make_grid(4.0)
>>> land = land_sea_mask(g)
>>> 0.2 < float((land * g.cell_weights).sum()) < 0.45   # land covers ~30 % of the globe
True
>>> float(orography_height(g).max()) > 4000.0           # the Tibetan plateau
True
"""

from __future__ import annotations

import numpy as np

from xaqf.tutorial.grid import Grid

GRAVITY = 9.80665
"""Standard gravity (m s-2)."""

Blob = tuple[float, float, float, float]
"""An ellipse or bump: ``(latitude, longitude, half-width in latitude, in longitude)``, deg."""

CONTINENTS: tuple[Blob, ...] = (
    (50, 258, 14, 28), (35, 265, 10, 17), (64, 207, 6, 16), (16, 265, 6, 8),
    (70, 265, 8, 35), (73, 318, 10, 13),                                  # North America
    (-5, 298, 13, 17), (-24, 298, 12, 10), (-44, 290, 10, 5),             # South America
    (50, 15, 10, 22), (63, 20, 7, 9),                                     # Europe
    (12, 15, 11, 26), (-8, 25, 14, 12), (-25, 25, 8, 8),                  # Africa
    (52, 90, 15, 45), (32, 100, 10, 25), (20, 78, 9, 8), (24, 47, 8, 9),
    (15, 102, 8, 6), (66, 120, 8, 42), (0, 113, 4, 7),                    # Asia
    (-25, 134, 10, 16),                                                   # Australia
)
"""Ellipses whose union is the land."""

MOUNTAINS: tuple[tuple[float, float, float, float, float], ...] = (
    (33, 88, 5, 13, 4800.0), (42, 250, 10, 5, 2000.0), (-20, 291, 20, 3, 3500.0),
    (73, 318, 8, 8, 2500.0), (2, 37, 8, 5, 1500.0), (46, 10, 2, 4, 1500.0),
    (33, 55, 6, 10, 1200.0), (46, 100, 5, 15, 1500.0),
)
"""Gaussian bumps ``(latitude, longitude, width in latitude, in longitude, height m)``."""

ANTARCTIC_EDGE = -68.0
"""Latitude (deg) south of which everything is land (Antarctica)."""


def _dlon(longitude: np.ndarray, centre: float) -> np.ndarray:
    return (np.asarray(longitude) - centre + 180.0) % 360.0 - 180.0


def ellipse_distance(grid: Grid, blob: Blob) -> np.ndarray:
    """Normalised squared distance from the centre of ``blob`` (1 on its edge), ``(nlat, nlon)``.

    Longitude differences wrap around 0/360.
    """
    lat0, lon0, half_lat, half_lon = blob
    dlat = (grid.latitude[:, None] - lat0) / half_lat
    dlon = _dlon(grid.longitude[None, :], lon0) / half_lon
    return dlat**2 + dlon**2


def land_sea_mask(grid: Grid) -> np.ndarray:
    """1 over land, 0 over sea (float32, ``(nlat, nlon)``)."""
    inside = np.zeros(grid.shape, dtype=bool)
    for blob in CONTINENTS:
        inside |= ellipse_distance(grid, blob) <= 1.0
    inside |= grid.latitude[:, None] <= ANTARCTIC_EDGE
    return inside.astype(np.float32)


def orography_height(grid: Grid) -> np.ndarray:
    """Surface height above sea level (m, float32), zero over sea."""
    height = np.zeros(grid.shape)
    for lat0, lon0, width_lat, width_lon, peak in MOUNTAINS:
        height += peak * np.exp(-ellipse_distance(grid, (lat0, lon0, width_lat, width_lon)))
    polar = np.clip((ANTARCTIC_EDGE - grid.latitude[:, None]) / 15.0, 0.0, 1.0)
    height = height + 3000.0 * np.sqrt(polar)
    return (height * land_sea_mask(grid)).astype(np.float32)
