"""Emissions from fixed source regions: cities and industry, volcanoes, fires and deserts.

Anthropogenic sources (NOx, CO, SO2, fine aerosol) follow a traffic-like diurnal cycle in
local solar time. Fires (CO, fine aerosol, some NOx) burn mostly in the afternoon and more
when the air is dry. Desert dust is lifted only where the 10 m wind exceeds a threshold,
with a flux growing as the cube of the excess speed. Degassing volcanoes put SO2 into the
mid troposphere. Each region is a Gaussian ellipse normalised on the grid, so the total
emitted mass does not depend on the resolution.

Examples
--------
>>> from xaqf.tutorial.grid import make_grid
>>> g = make_grid(4.0)
>>> maps = emission_maps(g)
>>> sorted(maps)
['anthropogenic', 'desert', 'fire', 'volcano']
>>> maps["anthropogenic"].shape                         # tracers x lat x lon
(6, 46, 90)
"""

from __future__ import annotations

import numpy as np

from xaqf.tutorial.geography import ellipse_distance
from xaqf.tutorial.grid import EARTH_RADIUS, Grid
from xaqf.tutorial.solar import local_hour_angle

Region = tuple[float, float, float, float, float]
"""``(latitude, longitude, width in latitude, in longitude (deg), strength)``."""

CITIES: tuple[Region, ...] = (
    (35, 115, 5, 6, 1.0), (23, 113, 3, 3, 0.5), (26, 82, 4, 7, 0.8), (28, 77, 3, 3, 0.4),
    (51, 6, 3, 5, 0.6), (45, 10, 2, 3, 0.3), (40, 280, 4, 6, 0.6), (34, 242, 2, 3, 0.3),
    (19, 261, 2, 2, 0.3), (-23.5, 313.5, 3, 3, 0.3), (-26, 29, 3, 3, 0.4), (56, 38, 3, 4, 0.3),
    (27, 50, 3, 4, 0.4), (36, 138, 3, 3, 0.4), (37.5, 127, 2, 2, 0.3), (30, 31, 2, 2, 0.3),
    (6.5, 3.4, 2, 2, 0.3), (-6, 107, 2, 3, 0.3), (-34.6, 301.6, 2, 2, 0.2), (69, 88, 2, 3, 0.3),
    (14, 100.5, 2, 2, 0.2),
)
"""Urban and industrial regions."""
FIRES: tuple[Region, ...] = (
    (-10, 22, 6, 10, 1.0), (-12, 305, 5, 8, 0.6), (60, 110, 5, 15, 0.5),
    (57, 245, 5, 10, 0.4), (-1, 112, 3, 5, 0.3),
)
"""Biomass-burning regions (northern-summer fire season)."""
DESERTS: tuple[Region, ...] = (
    (22, 10, 7, 18, 1.0), (23, 48, 5, 8, 0.6), (40, 95, 4, 12, 0.5), (-25, 133, 6, 10, 0.3),
    (27, 71, 3, 4, 0.3),
)
"""Dust source areas."""
VOLCANOES: tuple[Region, ...] = (
    (37.7, 15.0, 4.0, 4.0, 1.0), (19.4, 204.7, 4.0, 4.0, 0.7), (19.0, 261.4, 4.0, 4.0, 0.7),
    (-16.2, 168.1, 4.0, 4.0, 0.6), (-1.5, 29.2, 4.0, 4.0, 0.5),
)
"""Persistently degassing volcanoes (with their plumes' first spread: 4 degrees wide, so that
the demo's 4-degree grid resolves them rather than holding sub-grid spikes)."""

PEAK_FLUX: dict[str, tuple[float, ...]] = {
    "anthropogenic": (2.0e-9, 4.0e-10, 2.5e-10, 0.0, 1.5e-10, 0.0),
    "fire": (6.0e-9, 1.0e-10, 0.0, 0.0, 8.0e-10, 0.0),
    "volcano": (0.0, 0.0, 5.6e-10, 0.0, 0.0, 0.0),
    "desert": (0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
}
"""Flux (kg m-2 s-1) per tracer (order of :data:`~xaqf.tutorial.composition.TRACERS`) at
the centre of a region of strength 1; for deserts the dimensionless source map."""
DUST_THRESHOLD = 6.5
"""10 m wind speed (m s-1) above which dust is lifted."""
DUST_COEFFICIENT = 3.0e-10
"""Dust flux (kg m-2 s-1) per (m s-1)**3 of excess wind over a full desert."""
VOLCANO_LEVELS = (400.0, 500.0, 600.0)
"""Levels (hPa) that degassing volcanoes emit into, in equal shares."""


def _region_map(grid: Grid, regions: tuple[Region, ...]) -> np.ndarray:
    """Sum of Gaussian regions, each rescaled so its grid integral is its nominal size."""
    total = np.zeros(grid.shape)
    area = grid.cell_weights * 4 * np.pi * EARTH_RADIUS**2
    for lat, lon, width_lat, width_lon, strength in regions:
        shape = np.exp(-ellipse_distance(grid, (lat, lon, width_lat, width_lon)))
        nominal = np.pi * np.deg2rad(width_lat) * np.deg2rad(width_lon) * EARTH_RADIUS**2 * \
            np.cos(np.deg2rad(lat))
        total += strength * shape * nominal / max((shape * area).sum(), 1e-300)
    return total


def emission_maps(grid: Grid) -> dict[str, np.ndarray]:
    """Time-mean flux maps (kg m-2 s-1), ``(ntracer, nlat, nlon)`` float32, per source kind.

    The ``"desert"`` entry is the dimensionless dust-source map in the dust slot.
    """
    sources = {"anthropogenic": CITIES, "fire": FIRES, "volcano": VOLCANOES,
               "desert": DESERTS}
    maps = {}
    for kind, regions in sources.items():
        shape = _region_map(grid, regions)
        if kind == "desert":
            shape = np.minimum(shape, 1.0)
        maps[kind] = (np.asarray(PEAK_FLUX[kind])[:, None, None] * shape[None]).astype(
            np.float32)
    return maps


def traffic_cycle(time: np.datetime64, grid: Grid) -> np.ndarray:
    """Diurnal factor of anthropogenic emissions (mean 1, peak early afternoon), ``(1, nlon)``."""
    return (1.0 + 0.5 * np.cos(local_hour_angle(time, grid.longitude) - np.pi / 12))[None, :]


def fire_cycle(time: np.datetime64, grid: Grid, humidity: np.ndarray) -> np.ndarray:
    """Fire factor: afternoon burning, more in dry air (``humidity`` in %), ``(nlat, nlon)``."""
    afternoon = np.maximum(np.cos(local_hour_angle(time, grid.longitude) - np.pi / 6), 0.0)
    dryness = np.clip(1.0 - humidity / 100.0, 0.0, 1.0) ** 2
    return (0.2 + 2.5 * afternoon[None, :]) * 3.0 * dryness


def dust_flux(desert: np.ndarray, u10: np.ndarray, v10: np.ndarray) -> np.ndarray:
    """Dust flux (kg m-2 s-1) lifted by the 10 m wind from the desert map (0..1).

    Examples
    --------
    >>> import numpy as np
    >>> float(dust_flux(np.ones(1), np.array([5.0]), np.zeros(1))[0])
    0.0
    >>> bool(dust_flux(np.ones(1), np.array([10.0]), np.zeros(1))[0] > 0)
    True
    """
    excess = np.maximum(np.hypot(u10, v10) - DUST_THRESHOLD, 0.0)
    return (DUST_COEFFICIENT * desert * excess**3).astype(np.float32)
