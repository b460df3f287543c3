"""Sun-driven chemistry, deposition and wash-out of the toy world's tracers.

* NO/NO2: in sunlight NO2 is photolysed to NO (+ O), and O3 turns NO back into NO2 within
  minutes, so NOx sits in a photostationary state ``NO / NO2 = j / (k [O3])`` with
  ``j`` proportional to the cosine of the solar zenith angle: NO vanishes at night, and
  NO2 shifts with the local solar time: the grey line.
* NOx, SO2 and CO are oxidised mostly by day (OH); oxidised SO2 becomes sulphate aerosol.
* O3 is produced in sunlight where NOx is high and titrated at night by freshly emitted NO.
* Every tracer relaxes slowly towards its background (:mod:`xaqf.tutorial.composition`),
  which stands for the chemistry not modelled here.
* Dry deposition removes tracers from the mixed layer; rain washes soluble gases and
  aerosols out of the lower and middle troposphere at a rate set by the precipitation rate.

Examples
--------
>>> import numpy as np
>>> no, no2 = nox_partition(np.float32(1e-9), np.float32(6e-8), np.float32(290.0), 1000.0,
...                         np.float32(0.0))
>>> float(no) == 0.0                                      # no NO at night
True
>>> no, no2 = nox_partition(np.float32(1e-9), np.float32(6e-8), np.float32(290.0), 1000.0,
...                         np.float32(1.0))
>>> 0.2 < float(no * 46 / 30 / 1e-9) < 0.5                # a third of NOx is NO at noon
True
"""

from __future__ import annotations

import numpy as np

from xaqf.tutorial.composition import TRACERS

DAY = 86400.0
M_AIR, M_O3, M_NO, M_NO2, M_SO2, M_SO4 = 28.97e-3, 48.0e-3, 30.0e-3, 46.0e-3, 64.0e-3, 96.0e-3
"""Molar masses (kg mol-1)."""
BOLTZMANN = 1.380649e-23
J_NO2 = 8.0e-3
"""NO2 photolysis rate (s-1) with the sun overhead."""

LOSS_RATE = {  # (troposphere by night, extra with the sun overhead, stratosphere), per day
    "co": (0.02, 0.04, 0.03), "nox": (0.3, 2.5, 0.1), "so2": (0.3, 1.2, 0.05),
    "o3": (0.05, 0.0, 0.05), "fine": (0.1, 0.0, 0.05), "dust": (0.1, 0.0, 0.1),
}
"""Relaxation rates towards the background (day-1)."""
DEPOSITION_VELOCITY = {"co": 0.0, "nox": 1e-3, "so2": 6e-3, "o3": 4e-3, "fine": 1e-3,
                       "dust": 8e-3}
"""Dry-deposition velocities over land by day (m s-1); a quarter of it at night or over sea."""
SOLUBILITY = {"co": 0.0, "nox": 0.3, "so2": 0.6, "o3": 0.0, "fine": 1.0, "dust": 0.8}
"""Wash-out efficiency: loss rate (h-1) per mm h-1 of rain."""
WASHOUT_TOP = 400.0
"""Highest level (hPa) reached by wash-out."""
SULPHATE_YIELD = 0.5
"""Fraction of oxidised SO2 that becomes sulphate aerosol."""
OZONE_PRODUCTION = 8e-9 / 3600.0
"""Peak O3 production (kg kg-1 s-1) in sunlit, NOx-rich air."""
NOX_SATURATION = 3e-9
"""NOx mixing ratio (kg kg-1) at which O3 production is half its peak."""


def nox_partition(nox, ozone, temperature, pressure, sun):
    """Split NOx (as NO2 mass) into NO and NO2 mass mixing ratios (photostationary state).

    Parameters
    ----------
    nox, ozone
        Mass mixing ratios (kg kg-1) of NOx (counted as NO2) and O3.
    temperature
        Temperature (K).
    pressure
        Pressure (hPa), broadcastable.
    sun
        Cosine of the solar zenith angle clipped at 0.

    Returns
    -------
    tuple
        ``(no, no2)`` mass mixing ratios (kg kg-1).
    """
    air = np.asarray(pressure, np.float32) * 100.0 / (BOLTZMANN * temperature) * 1e-6  # cm-3
    o3_number = ozone * (M_AIR / M_O3) * air
    k = 3.0e-12 * np.exp(-1500.0 / temperature)
    ratio = J_NO2 * sun / np.maximum(k * o3_number, 1e-6)
    no_fraction = ratio / (1.0 + ratio)
    return nox * no_fraction * (M_NO / M_NO2), nox * (1.0 - no_fraction)


def relax(state: np.ndarray, target: np.ndarray, rate: np.ndarray, seconds: float
          ) -> np.ndarray:
    """Exact exponential relaxation of ``state`` towards ``target`` at ``rate`` (s-1)."""
    return target + (state - target) * np.exp(-rate * np.float32(seconds))


def chemistry_step(state: np.ndarray, background: np.ndarray, sun: np.ndarray,
                   stratosphere: np.ndarray, seconds: float) -> np.ndarray:
    """Relaxation, oxidation, sulphate formation and O3 production over one step.

    Parameters
    ----------
    state
        Tracer mixing ratios ``(ntracer, nlev, nlat, nlon)`` (order of
        :data:`~xaqf.tutorial.composition.TRACERS`); a new array is returned.
    background
        Backgrounds, broadcastable to ``state``.
    sun
        Cosine of the solar zenith angle clipped at 0, ``(nlat, nlon)``.
    stratosphere
        True above the tropopause, broadcastable to ``(nlev, nlat, nlon)``.
    seconds
        Step length (s).
    """
    out = np.empty_like(state)
    for i, name in enumerate(TRACERS):
        night, day, strat = LOSS_RATE[name]
        rate = np.where(stratosphere, strat, night + day * sun[None]) / DAY
        out[i] = relax(state[i], background[i], rate.astype(np.float32), seconds)
    so2, fine, nox, o3 = (TRACERS.index(n) for n in ("so2", "fine", "nox", "o3"))
    oxidised = np.maximum(state[so2] - out[so2], 0.0)
    out[fine] += SULPHATE_YIELD * oxidised * np.float32(M_SO4 / M_SO2)
    troposphere = ~np.broadcast_to(stratosphere, state.shape[1:])
    production = OZONE_PRODUCTION * sun[None] * out[nox] / (out[nox] + NOX_SATURATION)
    out[o3] += np.where(troposphere, production * np.float32(seconds), 0.0).astype(np.float32)
    return out


def titrate(ozone: np.ndarray, emitted_nox: np.ndarray, sun: np.ndarray) -> np.ndarray:
    """O3 left after freshly emitted NO (``emitted_nox``, as NO2 mass) reacts with it at night.

    By day photolysis gives the O3 back at once, so titration fades out as the sun rises.
    """
    dark = 1.0 - np.minimum(1.0, 5.0 * sun)
    loss = emitted_nox * np.float32(M_O3 / M_NO2) * dark
    return np.maximum(ozone - loss, 0.1 * ozone)


def deposition_rate(name: str, sun: np.ndarray, lsm: np.ndarray, mixed_layer_mass: np.ndarray
                    ) -> np.ndarray:
    """Dry-deposition loss rate (s-1) of the mixed layer, ``(nlat, nlon)``.

    ``mixed_layer_mass`` is the mixed layer's pressure thickness (Pa).
    """
    velocity = DEPOSITION_VELOCITY[name] * (0.25 + 0.75 * lsm * np.minimum(1.0, 3.0 * sun))
    return (velocity * 1.2 * 9.80665 / np.maximum(mixed_layer_mass, 1.0)).astype(np.float32)


def washout_rate(name: str, precipitation: np.ndarray) -> np.ndarray:
    """Wash-out loss rate (s-1) from a precipitation rate (m s-1)."""
    return (SOLUBILITY[name] * precipitation * 1000.0).astype(np.float32)
