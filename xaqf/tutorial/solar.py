"""Position of the sun: the clock of the toy world's photochemistry and diurnal cycles.

Examples
--------
>>> import numpy as np
>>> lat, lon = np.array([[0.0]]), np.array([[0.0]])
>>> t = np.datetime64("2022-03-21T12:00")
>>> bool(cos_zenith(t, lat, lon) > 0.99)
True
>>> bool(cos_zenith(t, lat, lon + 180.0) < -0.99)
True
"""

from __future__ import annotations

import numpy as np


def _day_and_hour(time: np.datetime64) -> tuple[float, float]:
    time = time.astype("datetime64[s]")
    day = time.astype("datetime64[D]")
    day_of_year = float((day - day.astype("datetime64[Y]")).astype(int) + 1)
    hour = float((time - day).astype(int)) / 3600.0
    return day_of_year, hour


def declination(day_of_year: float) -> float:
    """Solar declination (radians) on a day of the year (1-366), a cosine approximation."""
    return np.deg2rad(23.44) * np.sin(2 * np.pi * (day_of_year - 80.0) / 365.25)


def local_hour_angle(time: np.datetime64, longitude: np.ndarray) -> np.ndarray:
    """Hour angle of the sun (radians, 0 at local solar noon) at ``longitude`` (degrees)."""
    _, hour = _day_and_hour(time)
    return 2 * np.pi * (hour / 24.0 + np.asarray(longitude) / 360.0) - np.pi


def cos_zenith(time: np.datetime64, latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    """Cosine of the solar zenith angle (negative at night) at ``time`` (UTC).

    Parameters
    ----------
    time
        UTC time.
    latitude, longitude
        Degrees; broadcast against each other.
    """
    day_of_year, _ = _day_and_hour(time)
    delta = declination(day_of_year)
    phi = np.deg2rad(latitude)
    hour_angle = local_hour_angle(time, longitude)
    return np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.cos(hour_angle)


def daylight(time: np.datetime64, latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    """Photolysis factor: the cosine of the zenith angle, clipped at 0 (night), float32."""
    return np.maximum(cos_zenith(time, latitude, longitude), 0.0).astype(np.float32)
