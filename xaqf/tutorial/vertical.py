"""Vertical structure: layer masses, total columns, emission injection and mixing.

Each pressure level stands for the layer between the midpoints to its neighbours, from
the top of the atmosphere (0 hPa) down to the surface pressure; layers below the ground
(e.g. 1000 hPa over the Tibetan plateau) have zero mass and count for nothing in columns.

Examples
--------
>>> import numpy as np
>>> dp = layer_thickness(np.array([500.0, 1000.0]), np.array([[101325.0]]))
>>> dp[:, 0, 0].tolist()                                # Pa
[75000.0, 26325.0]
>>> q = np.full((2, 1, 1), 1e-7, np.float32)
>>> round(float(total_column(q, dp)[0, 0]), 6)          # kg m-2
0.001033
"""

from __future__ import annotations

import numpy as np

from xaqf.tutorial.geography import GRAVITY

STANDARD_PRESSURE = 101325.0
"""Mean sea-level pressure (Pa) used for the (static) layer masses."""
SCALE_TEMPERATURE = 280.0
"""Temperature (K) of the isothermal atmosphere turning orography into surface pressure."""
MIXED_LAYER_DEPTH = 200.0
"""Depth (hPa) above the ground into which surface emissions are mixed at once."""


def surface_pressure(orography: np.ndarray) -> np.ndarray:
    """Static surface pressure (Pa) from the surface geopotential (m2 s-2)."""
    return STANDARD_PRESSURE * np.exp(-orography / (287.05 * SCALE_TEMPERATURE))


def layer_thickness(levels: np.ndarray, surface: np.ndarray) -> np.ndarray:
    """Pressure thickness (Pa) of the layer around each level, ``(nlev, nlat, nlon)``.

    Parameters
    ----------
    levels
        Pressure levels (hPa), ascending.
    surface
        Surface pressure (Pa), ``(nlat, nlon)``.
    """
    levels = np.asarray(levels, float) * 100.0
    edges = np.concatenate([[0.0], (levels[1:] + levels[:-1]) / 2, [np.inf]])
    top = edges[:-1][:, None, None]
    bottom = np.minimum(edges[1:][:, None, None], surface[None])
    return np.maximum(bottom - top, 0.0).astype(np.float32)


def total_column(mixing_ratio: np.ndarray, thickness: np.ndarray) -> np.ndarray:
    """Vertical integral ``sum(q * dp) / g`` (kg m-2) over the level axis (-3)."""
    return (mixing_ratio * thickness).sum(-3) / np.float32(GRAVITY)


def mixed_layer_weights(levels: np.ndarray, thickness: np.ndarray, surface: np.ndarray
                        ) -> np.ndarray:
    """Share of a surface emission's mass that goes into each layer, summing to 1."""
    levels = np.asarray(levels, float)[:, None, None] * 100.0
    inside = (levels >= surface[None] - MIXED_LAYER_DEPTH * 100.0) & (thickness > 0)
    mass = np.where(inside, thickness, 0.0)  # never empty: the layer holding the surface
    return (mass / mass.sum(0, keepdims=True)).astype(np.float32)


def inject(mixing_ratio: np.ndarray, flux: np.ndarray, seconds: float, thickness: np.ndarray,
           weights: np.ndarray) -> np.ndarray:
    """Add a surface flux (kg m-2 s-1, ``(..., nlat, nlon)``) for ``seconds`` to the mixed layer.

    ``mixing_ratio`` is ``(..., nlev, nlat, nlon)``; ``weights`` from
    :func:`mixed_layer_weights`.
    """
    mass = flux[..., None, :, :] * np.float32(seconds) * weights
    return mixing_ratio + mass * np.float32(GRAVITY) / np.maximum(thickness, 1.0)


def exchange(mixing_ratio: np.ndarray, thickness: np.ndarray, upper: int, lower: int,
             fraction: np.ndarray | float) -> np.ndarray:
    """Mix two layers towards their common mean by ``fraction`` (0-1), keeping their mass.

    ``mixing_ratio`` is ``(..., nlev, nlat, nlon)`` and is modified in place.
    """
    m_up, m_low = thickness[upper], thickness[lower]
    total = np.maximum(m_up + m_low, 1.0)
    q_up, q_low = mixing_ratio[..., upper, :, :], mixing_ratio[..., lower, :, :]
    delta = fraction * (q_low - q_up)
    mixing_ratio[..., upper, :, :] = q_up + delta * m_low / total
    mixing_ratio[..., lower, :, :] = q_low - delta * m_up / total
    return mixing_ratio


def mix_column(mixing_ratio: np.ndarray, thickness: np.ndarray, fractions: np.ndarray
               ) -> np.ndarray:
    """Exchange every pair of adjacent levels, from the ground up, in place.

    ``fractions[k]`` (scalar or ``(nlat, nlon)``) is the mixing between levels ``k`` and
    ``k + 1``.
    """
    for k in range(mixing_ratio.shape[-3] - 2, -1, -1):
        exchange(mixing_ratio, thickness, k, k + 1, fractions[k])
    return mixing_ratio
