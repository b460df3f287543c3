"""Background composition: the mixing ratios the chemistry relaxes towards.

The toy world transports six tracers (mass mixing ratios, kg kg-1): carbon monoxide,
nitrogen oxides ``NOx = NO + NO2`` (counted as NO2 mass), sulphur dioxide, ozone, fine
aerosol (combustion and sulphate) and mineral dust. NO and NO2 are split from NOx by the
sun (:mod:`xaqf.tutorial.chemistry`), and the particulate-matter variables are read from
the two aerosol tracers near the ground.

Backgrounds depend on pressure and latitude only. The tropopause sits near 100 hPa in the
tropics and near 300 hPa at the poles, so ozone, NOx and CO have strong latitude gradients
in the upper troposphere that the waves fold around.

Examples
--------
>>> import numpy as np
>>> levels, lat = np.array([50.0, 500.0, 1000.0]), np.array([45.0])
>>> o3 = background("o3", levels, lat, season=1.0)[:, 0]
>>> bool(o3[0] > o3[1] > o3[2]), bool(1e-8 < o3[2] < 1e-7)
(True, True)
"""

from __future__ import annotations

import numpy as np

TRACERS: tuple[str, ...] = ("co", "nox", "so2", "o3", "fine", "dust")
"""The transported tracers, in state-array order."""

TOP = 50.0
"""The highest level (hPa)."""


def tropopause(latitude: np.ndarray) -> np.ndarray:
    """Tropopause pressure (hPa): ~100 in the tropics, ~300 at the poles."""
    return 100.0 + 200.0 * np.sin(np.deg2rad(latitude)) ** 2


def _heights(levels: np.ndarray, latitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-pressure height above 1000 hPa, and above the tropopause as 0..1 up to 50 hPa."""
    x = np.log(1000.0 / np.asarray(levels, float))[:, None]
    x_tp = np.log(1000.0 / tropopause(latitude))[None, :]
    above = np.clip((x - x_tp) / (np.log(1000.0 / TOP) - x_tp), 0.0, 1.0)
    return x / x_tp, above


def _ozone(levels: np.ndarray, latitude: np.ndarray, season: float) -> np.ndarray:
    below, above = _heights(levels, latitude)
    surface = 4.5e-8 + 1.5e-8 * (1 + season * np.tanh(latitude / 20.0))[None, :] / 2
    at_tropopause = 1.5e-7
    top = 5e-6 + 3e-6 * np.sin(np.deg2rad(latitude))[None, :] ** 2
    trop = surface * (at_tropopause / surface) ** np.minimum(below, 1.0)
    return np.where(above > 0, at_tropopause * (top / at_tropopause) ** above, trop)


def background(tracer: str, levels, latitude, season: float = 0.0) -> np.ndarray:
    """Background mass mixing ratio (kg kg-1) of ``tracer``, ``(nlev, nlat)``.

    Parameters
    ----------
    tracer
        One of :data:`TRACERS`.
    levels
        Pressure levels (hPa).
    latitude
        Latitudes (degrees).
    season
        +1 in northern summer, -1 in southern summer (see
        :func:`xaqf.tutorial.meteorology.season`).
    """
    levels = np.asarray(levels, float)
    latitude = np.asarray(latitude, float)
    p = levels[:, None]
    north = (1 + np.tanh(latitude / 20.0))[None, :] / 2
    _, above = _heights(levels, latitude)
    tropics = np.cos(np.deg2rad(latitude))[None, :] ** 2
    if tracer == "co":
        return (6e-8 + 5e-8 * north) * (0.6 + 0.4 * np.minimum(1.0, p / 400.0)) * (
            1.0 - 0.7 * above)
    if tracer == "nox":
        return 2e-11 + 1e-11 * north + 2.5e-9 * above**1.5 * (0.6 + 0.4 * (1 - tropics))
    if tracer == "so2":
        return (1e-11 + 1.5e-11 * north) * (p / 1000.0) ** 2 + 4e-12 * above * (1 + 2 * tropics)
    if tracer == "o3":
        return _ozone(levels, latitude, season)
    if tracer == "fine":
        return (2e-9 + 3e-9 * north) * (p / 1000.0) ** 3 + 2e-10 * tropics * above
    if tracer == "dust":
        band = np.exp(-(((latitude - 20.0) / 15.0) ** 2))[None, :]
        return 3e-9 * band * (p / 1000.0) ** 2 + 1e-11
    raise KeyError(f"unknown toy-world tracer {tracer!r}; expected one of {TRACERS}")


def backgrounds(levels, latitude, season: float = 0.0) -> np.ndarray:
    """All tracers' backgrounds stacked, ``(ntracer, nlev, nlat)`` float32."""
    return np.stack([background(name, levels, latitude, season) for name in TRACERS]).astype(
        np.float32)
