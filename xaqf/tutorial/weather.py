"""Parameters of the toy world's weather: travelling waves and meandering jets.

A :class:`Weather` is a handful of numbers drawn once from the seed. The wind, geopotential,
temperature, humidity and precipitation fields (:mod:`xaqf.tutorial.meteorology`) are
analytic functions of these numbers and of time, so any time can be evaluated on its own
(which is what makes lazy, time-chunked met data cheap).

Examples
--------
>>> w = random_weather(seed=0)
>>> len(w.waves) > 8, len(w.jets)
(True, 3)
>>> p = w.perturbed(seed=1, fraction=0.0)
>>> p == w
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

FORECAST_ERROR: tuple[float, float, float, float] = (0.35, 0.12, 1.0, 0.05)
"""Standard deviations of a 5-day forecast's drift: wave phase (rad), relative wave speed,
jet latitude (degrees) and relative jet speed. Chosen so that the forecast's z500 anomaly
correlation is about 0.99 / 0.97 / 0.92 at 1 / 3 / 5 days (4-degree world, seed 0), close to
FuXi's and IFS's."""


@dataclass(frozen=True)
class Wave:
    """One travelling Rossby-like wave of the streamfunction.

    Parameters
    ----------
    wavenumber
        Zonal wavenumber (number of crests around a latitude circle).
    latitude, width
        Centre and e-folding half-width (degrees) of the wave's envelope in latitude.
    speed
        Amplitude (m s-1) of its meridional wind at the centre latitude and peak level.
    phase_speed
        Eastward speed (m s-1) at which crests travel at the centre latitude.
    phase
        Phase (radians) at the reference epoch.
    peak_level
        Pressure (hPa) where the wave is strongest.
    tilt
        Phase shift (radians) per e-fold of pressure upwards: a westward tilt with height,
        which makes the wave baroclinic (warm ridges, cold troughs).
    period, modulation_phase
        Period (days) and phase (radians) of a slow modulation of the amplitude (+-50 %).
    """

    wavenumber: int
    latitude: float
    width: float
    speed: float
    phase_speed: float
    phase: float
    peak_level: float
    tilt: float
    period: float
    modulation_phase: float


@dataclass(frozen=True)
class Jet:
    """A zonal jet whose latitude wobbles slowly.

    Parameters
    ----------
    latitude, width
        Mean centre and e-folding half-width (degrees).
    speed
        Peak eastward wind (m s-1) near 230 hPa.
    wobble, period, phase
        Amplitude (degrees), period (days) and phase (radians) of the latitude wobble.
    """

    latitude: float
    width: float
    speed: float
    wobble: float
    period: float
    phase: float


@dataclass(frozen=True)
class Weather:
    """All the parameters of the weather: waves and jets."""

    waves: tuple[Wave, ...]
    jets: tuple[Jet, ...]

    def perturbed(self, seed: int | Sequence[int], fraction: float) -> Weather:
        """A slightly wrong copy of this weather, as a forecast model would have it.

        Wave phases and amplitudes and jet positions and speeds drift away from the truth
        in proportion to ``fraction`` (0: identical; 1: the error of a 5-day forecast),
        along random directions fixed by ``seed``.
        """
        rng = np.random.default_rng(seed)
        phase, speed, jet_latitude, jet_speed = FORECAST_ERROR
        waves = tuple(
            replace(
                wave,
                phase=wave.phase + fraction * rng.normal(0.0, phase),
                speed=wave.speed * (1.0 + fraction * rng.normal(0.0, speed)),
            )
            for wave in self.waves
        )
        jets = tuple(
            replace(jet, latitude=jet.latitude + fraction * rng.normal(0.0, jet_latitude),
                    speed=jet.speed * (1.0 + fraction * rng.normal(0.0, jet_speed)))
            for jet in self.jets
        )
        return Weather(waves, jets)


def _waves(rng: np.random.Generator, count: int, latitude: float, speed: float,
           phase_speed: float, wavenumbers: tuple[int, int], peak_level: float,
           tilt: float) -> list[Wave]:
    return [
        Wave(
            wavenumber=int(rng.integers(*wavenumbers, endpoint=True)),
            latitude=latitude + rng.uniform(-6.0, 6.0),
            width=rng.uniform(11.0, 17.0),
            speed=speed * rng.uniform(0.6, 1.2),
            phase_speed=phase_speed + rng.uniform(-4.0, 4.0),
            phase=rng.uniform(0.0, 2 * np.pi),
            peak_level=peak_level,
            tilt=tilt * rng.uniform(0.5, 1.5),
            period=rng.uniform(4.0, 12.0),
            modulation_phase=rng.uniform(0.0, 2 * np.pi),
        )
        for _ in range(count)
    ]


def random_weather(seed: int = 0) -> Weather:
    """Draw the weather of a toy world from ``seed``.

    Mid-latitude synoptic waves in both hemispheres (wavenumbers 4-7, crests drifting
    east at 4-12 m s-1, slower than the jets that carry the air), planetary waves reaching
    the stratosphere (wavenumbers 1-3), westward-travelling tropical easterly waves, and
    three jets (one in the north, subtropical and polar jets in the south).
    """
    rng = np.random.default_rng([seed, 20221])
    waves = (
        _waves(rng, 3, 47.0, 14.0, 8.0, (4, 7), 300.0, 0.5)
        + _waves(rng, 3, -47.0, 16.0, 8.0, (4, 7), 300.0, 0.5)
        + _waves(rng, 2, 60.0, 9.0, 0.0, (1, 3), 100.0, 0.2)
        + _waves(rng, 2, -60.0, 11.0, 0.0, (1, 3), 100.0, 0.2)
        + _waves(rng, 2, 10.0, 6.0, -8.0, (6, 10), 700.0, 0.0)
        + _waves(rng, 2, -10.0, 5.0, -8.0, (6, 10), 700.0, 0.0)
    )
    jets = (
        Jet(44.0, 10.0, 28.0, rng.uniform(2.0, 5.0), rng.uniform(5.0, 15.0),
            rng.uniform(0, 2 * np.pi)),
        Jet(-30.0, 8.0, 38.0, rng.uniform(1.0, 3.0), rng.uniform(5.0, 15.0),
            rng.uniform(0, 2 * np.pi)),
        Jet(-55.0, 10.0, 24.0, rng.uniform(2.0, 5.0), rng.uniform(5.0, 15.0),
            rng.uniform(0, 2 * np.pi)),
    )
    return Weather(tuple(waves), jets)
