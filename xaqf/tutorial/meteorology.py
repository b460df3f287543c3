"""Meteorological fields of the toy world, analytic in space and time.

The flow on each pressure level is the sum of zonal jets (plus trade winds and a
stratospheric summer-easterly / winter-westerly circulation) and of the travelling waves
of :mod:`xaqf.tutorial.weather`, both derived from a streamfunction, so the wind is
divergence-free. The geopotential is in geostrophic balance with that wind
(``Phi' = f psi`` for the waves, ``dPhi/dphi = -a f u`` for the zonal part) and mean sea
level pressure follows the 1000 hPa geopotential. Temperature is a latitude-altitude
climatology plus the hydrostatic temperature of the waves (warm ridges, cold troughs) plus a
diurnal cycle near the ground over land. Relative humidity is high in the ITCZ and storm
tracks and where the low-level flow is poleward (ahead of troughs); precipitation falls
where the lower troposphere is nearly saturated.

Examples
--------
>>> import numpy as np
>>> from xaqf.tutorial.grid import make_grid
>>> from xaqf.tutorial.weather import random_weather
>>> g, w = make_grid(10.0), random_weather(0)
>>> u, v = winds(w, g, np.datetime64("2022-06-01"), (250.0, 850.0))
>>> u.shape, u.dtype.name
((2, 19, 36), 'float32')
>>> bool(np.abs(u[0]).max() > 20.0)          # a jet near the tropopause
True
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from xaqf.data.derived import specific_humidity
from xaqf.tutorial.geography import GRAVITY
from xaqf.tutorial.grid import EARTH_RADIUS, Grid
from xaqf.tutorial.solar import daylight, declination, local_hour_angle
from xaqf.tutorial.weather import Weather

OMEGA = 7.292e-5
"""Earth's rotation rate (s-1)."""
R_DRY = 287.05
"""Gas constant of dry air (J kg-1 K-1)."""
EPOCH = np.datetime64("2000-01-01T00:00", "s")
"""Reference time of wave phases: the weather is a function of absolute time."""
AIR_DENSITY = 1.2
"""Near-surface air density (kg m-3) turning 1000 hPa geopotential anomalies into pressure."""
ACCUMULATION = np.timedelta64(12, "h")
"""Accumulation window of ``tp``: the 12 h ending at the time stamp."""
STEP_SUBSAMPLES = 4
"""Precipitation rate samples per accumulation window when ``tp`` is evaluated alone."""

_FINE_LAT = np.linspace(-90.0, 90.0, 1441)


def _seconds(time: np.datetime64) -> float:
    return float((time.astype("datetime64[s]") - EPOCH).astype(np.int64))


def season(time: np.datetime64) -> float:
    """Seasonal index: +1 at the northern summer solstice, -1 at the southern one."""
    day = time.astype("datetime64[D]")
    day_of_year = float((day - day.astype("datetime64[Y]")).astype(int) + 1)
    return float(declination(day_of_year) / np.deg2rad(23.44))


def _gauss_log(levels: np.ndarray, peak: float, width: float) -> np.ndarray:
    return np.exp(-np.log(levels / peak) ** 2 / (2 * width**2))


def zonal_wind(weather: Weather, latitude: np.ndarray, levels: np.ndarray,
               time: np.datetime64) -> np.ndarray:
    """Zonal-mean eastward wind (m s-1), shape ``(nlev, nlat)``.

    Jets peak near 230 hPa and keep a quarter of their strength at the ground; the winter
    hemisphere's jets are stronger. Trade winds blow from the east in the tropical lower
    troposphere; the stratosphere has summer easterlies and winter westerlies.
    """
    levels = np.asarray(levels, float)[:, None]
    phi = np.deg2rad(latitude)[None, :]
    s, t = season(time), _seconds(time) / 86400.0
    jet_profile = 0.25 + 0.75 * _gauss_log(levels, 230.0, 0.55)
    u = np.zeros((levels.shape[0], phi.shape[1]))
    for jet in weather.jets:
        centre = jet.latitude + jet.wobble * np.sin(2 * np.pi * t / jet.period + jet.phase)
        centre -= 4.0 * s
        strength = jet.speed * (1.0 - 0.25 * s * np.sign(jet.latitude))
        u += strength * np.exp(-(((latitude - centre) / jet.width) ** 2))[None, :]
    u *= jet_profile * np.cos(phi)
    u -= 7.0 * np.exp(-((latitude / 18.0) ** 2))[None, :] * _gauss_log(levels, 1000.0, 0.5)
    u -= 22.0 * s * np.sin(2 * phi) * _gauss_log(levels, 50.0, 0.6)
    return u


def _zonal_geopotential(weather: Weather, levels: np.ndarray, time: np.datetime64,
                        latitude: np.ndarray) -> np.ndarray:
    u = zonal_wind(weather, _FINE_LAT, levels, time)
    f = 2 * OMEGA * np.sin(np.deg2rad(_FINE_LAT))
    slope = -EARTH_RADIUS * f * u
    step = np.deg2rad(_FINE_LAT[1] - _FINE_LAT[0])
    phi = np.concatenate(
        [np.zeros((u.shape[0], 1)), np.cumsum((slope[:, 1:] + slope[:, :-1]) / 2 * step, 1)], 1
    )
    phi -= (phi * np.cos(np.deg2rad(_FINE_LAT))).sum(1, keepdims=True) / np.cos(
        np.deg2rad(_FINE_LAT)).sum()
    return np.stack([np.interp(latitude, _FINE_LAT, row) for row in phi])


def _wave_terms(weather: Weather, grid: Grid, levels: np.ndarray, time: np.datetime64
                ) -> dict[str, np.ndarray]:
    """Streamfunction derivatives of all waves, each ``(nlev, nlat, nlon)`` float32."""
    t = _seconds(time)
    levels = np.asarray(levels, float)[:, None]
    lam = np.deg2rad(grid.longitude)[None, :]
    phi = np.deg2rad(grid.latitude)
    cos_parts, sin_parts, dcos_parts, envelopes, slopes, over_cos = [], [], [], [], [], []
    for w in weather.waves:
        phi0, width = np.deg2rad(w.latitude), np.deg2rad(w.width)
        psi0 = w.speed * EARTH_RADIUS * np.cos(phi0) / w.wavenumber
        omega = w.wavenumber * w.phase_speed / (EARTH_RADIUS * np.cos(phi0))
        modulation = 1.0 + 0.5 * np.sin(2 * np.pi * t / (86400.0 * w.period) + w.modulation_phase)
        height = np.log(1000.0 / levels)
        amplitude = 0.3 + 0.7 * _gauss_log(levels, w.peak_level, 0.7)
        damplitude = -0.7 * _gauss_log(levels, w.peak_level, 0.7) * np.log(
            levels / w.peak_level) / 0.7**2
        arg = w.wavenumber * lam - omega * t + w.phase + w.tilt * height
        scale = psi0 * modulation
        cos_parts.append(scale * amplitude * np.cos(arg))
        sin_parts.append(scale * w.wavenumber * amplitude * np.sin(arg))
        dcos_parts.append(scale * (damplitude * np.cos(arg) + w.tilt * amplitude * np.sin(arg)))
        g = np.exp(-(((phi - phi0) / width) ** 2)) / np.cos(phi0) ** 2
        dg = -2 * (phi - phi0) / width**2 * g
        envelopes.append(np.cos(phi) ** 2 * g)
        over_cos.append(np.cos(phi) * g)
        slopes.append(-2 * np.sin(phi) * np.cos(phi) * g + np.cos(phi) ** 2 * dg)

    def combine(parts: list[np.ndarray], profiles: list[np.ndarray]) -> np.ndarray:
        """``sum_k parts[k](p, l) * profiles[k](f)`` as one matrix product -> ``(p, f, l)``."""
        product = np.tensordot(np.asarray(parts, np.float32), np.asarray(profiles, np.float32),
                               axes=(0, 0))
        return np.ascontiguousarray(product.transpose(0, 2, 1))

    f = (2 * OMEGA * np.sin(phi)).astype(np.float32)[None, :, None]
    return {
        "u": -combine(cos_parts, slopes) / np.float32(EARTH_RADIUS),
        "v": -combine(sin_parts, over_cos) / np.float32(EARTH_RADIUS),
        "phi": f * combine(cos_parts, envelopes),
        "dphi_dlnp": f * combine(dcos_parts, envelopes),
    }


def winds(weather: Weather, grid: Grid, time: np.datetime64, levels) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
    """Eastward and northward wind (m s-1) on ``levels``, each ``(nlev, nlat, nlon)`` float32."""
    levels = np.asarray(levels, float)
    waves = _wave_terms(weather, grid, levels, time)
    u = waves["u"] + zonal_wind(weather, grid.latitude, levels, time)[:, :, None].astype(
        np.float32)
    return u, waves["v"]


def standard_geopotential(levels) -> np.ndarray:
    """Geopotential (m2 s-2) of pressure ``levels`` (hPa) in the US standard atmosphere."""
    levels = np.asarray(levels, float)
    troposphere = 44330.8 * (1.0 - (levels / 1013.25) ** 0.190263)
    stratosphere = 11000.0 + 6341.6 * np.log(226.32 / levels)
    return GRAVITY * np.where(levels >= 226.32, troposphere, stratosphere)


def climatological_temperature(latitude: np.ndarray, levels, time: np.datetime64
                               ) -> np.ndarray:
    """Zonal-mean temperature (K), ``(nlev, nlat)``: warm tropics, lapse rate, tropopause."""
    levels = np.asarray(levels, float)[:, None]
    thermal_equator = 20.0 * season(time)
    surface = 300.0 - 42.0 * np.sin(np.deg2rad(latitude - thermal_equator)) ** 2
    lapse = surface[None, :] * (levels / 1000.0) ** 0.19
    tropopause = 200.0 + 20.0 * np.sin(np.deg2rad(latitude))[None, :] ** 2
    smooth = 4.0 * np.log1p(np.exp((lapse - tropopause) / 4.0))
    return tropopause + smooth + 6.0 * np.maximum(np.log(100.0 / levels), 0.0)


def _diurnal(grid: Grid, time: np.datetime64, lsm: np.ndarray) -> np.ndarray:
    """Diurnal temperature anomaly at the ground (K), peaking 3 h after local noon."""
    hour_angle = local_hour_angle(time, grid.longitude)[None, :]
    amplitude = (1.0 + 5.0 * lsm) * np.cos(np.deg2rad(grid.latitude))[:, None]
    return amplitude * np.cos(hour_angle - np.pi / 4)


_DIURNAL_DEPTH = {1000.0: 0.8, 925.0: 0.5, 850.0: 0.2}


def relative_humidity(weather: Weather, grid: Grid, time: np.datetime64, levels,
                      v: np.ndarray, lsm: np.ndarray) -> np.ndarray:
    """Relative humidity (%), ``(nlev, nlat, nlon)`` float32, from the northward wind ``v``.

    Moist ITCZ (following the sun) and storm tracks, dry subtropics and stratosphere, land
    drier than sea, and moistening where the flow turns poleward (ahead of troughs).
    """
    levels = np.asarray(levels, float)[:, None, None]
    lat = grid.latitude[None, :, None]
    itcz = 8.0 * season(time)
    base = (50.0 + 38.0 * np.exp(-(((lat - itcz) / 9.0) ** 2))
            - 22.0 * np.exp(-(((np.abs(lat) - 25.0) / 8.0) ** 2))
            + 12.0 * np.exp(-(((np.abs(lat) - 55.0) / 12.0) ** 2)) - 10.0 * lsm)
    vertical = (0.35 + 0.65 * (levels / 1000.0) ** 1.5) * np.minimum(1.0, (levels / 150.0) ** 2)
    lift = 30.0 * np.tanh(v * np.tanh(lat / 5.0) / 8.0) * _gauss_log(levels, 700.0, 0.6)
    return np.clip(base * vertical + lift, 1.0, 100.0).astype(np.float32)


def precipitation_rate(humidity_850: np.ndarray, humidity_700: np.ndarray) -> np.ndarray:
    """Precipitation rate (m s-1) where the lower troposphere is nearly saturated.

    Zero below 70 % mean relative humidity of 850 and 700 hPa, 2 mm/h at 100 %.

    Examples
    --------
    >>> round(float(precipitation_rate(np.array(100.0), np.array(100.0))) * 3.6e6, 3)
    2.0
    """
    excess = np.maximum((humidity_850 + humidity_700) / 2 - 70.0, 0.0) / 30.0
    return (2.0 / 3.6e6 * excess**2).astype(np.float32)


def precipitation(weather: Weather, grid: Grid, time: np.datetime64, lsm: np.ndarray
                  ) -> np.ndarray:
    """Instantaneous precipitation rate (m s-1), ``(nlat, nlon)`` float32."""
    _, v = winds(weather, grid, time, (850.0, 700.0))
    r = relative_humidity(weather, grid, time, (850.0, 700.0), v, lsm)
    return precipitation_rate(r[0], r[1])


def accumulated_precipitation(weather: Weather, grid: Grid, time: np.datetime64,
                              lsm: np.ndarray, window: np.timedelta64 = ACCUMULATION,
                              samples: int = STEP_SUBSAMPLES) -> np.ndarray:
    """Precipitation (m) accumulated over ``window`` ending at ``time``.

    The rate is sampled at the midpoints of ``samples`` equal sub-intervals.
    """
    sub = window / samples
    total = np.zeros(grid.shape, np.float32)
    for k in range(samples):
        moment = np.datetime64(time) - window + (k + 0.5) * sub
        total += precipitation(weather, grid, moment, lsm)
    return total * np.float32(sub / np.timedelta64(1, "s"))


def surface_wind_factor(grid: Grid, time: np.datetime64, lsm: np.ndarray) -> np.ndarray:
    """Ratio of the 10 m wind to the 1000 hPa wind: higher over sea, and by day over land."""
    sun = daylight(time, grid.latitude[:, None], grid.longitude[None, :])
    return (0.8 * (1.0 - lsm) + lsm * (0.5 + 0.4 * sun)).astype(np.float32)


def met_fields(weather: Weather, grid: Grid, time: np.datetime64, levels, lsm: np.ndarray,
               orography: np.ndarray, precipitation_samples: int = STEP_SUBSAMPLES,
               accumulation: np.timedelta64 = ACCUMULATION) -> dict[str, np.ndarray]:
    """All 10 ERA5-like variables at one time, as float32 numpy arrays in catalogue units.

    Parameters
    ----------
    weather, grid, time
        What, where and when.
    levels
        Pressure levels (hPa, ascending).
    lsm, orography
        Land-sea mask (0/1) and surface geopotential (m2 s-2), ``(nlat, nlon)``.
    precipitation_samples
        Rate samples used for ``tp``, the accumulation over the 12 h ending at ``time``.
    accumulation
        The window ``tp`` accumulates over (default 12 h; 6 h for 6-hourly amounts), with
        ``precipitation_samples`` per 12 h: two 6 h amounts sample the rate where one 12 h
        amount does.

    Returns
    -------
    dict
        ``u, v, t, r, z`` with shape ``(nlev, nlat, nlon)``; ``t2m, u10, v10, msl, tp``
        with shape ``(nlat, nlon)``.
    """
    levels = np.asarray(levels, float)
    waves = _wave_terms(weather, grid, levels, time)
    u = waves["u"] + zonal_wind(weather, grid.latitude, levels, time)[:, :, None]
    v = waves["v"]
    zonal_phi = _zonal_geopotential(weather, levels, time, grid.latitude)[:, :, None]
    z = standard_geopotential(levels)[:, None, None] + zonal_phi + waves["phi"]
    diurnal = _diurnal(grid, time, lsm)
    depth = np.array([_DIURNAL_DEPTH.get(float(p), 0.0) for p in levels])[:, None, None]
    t = (climatological_temperature(grid.latitude, levels, time)[:, :, None]
         - waves["dphi_dlnp"] / R_DRY + depth * diurnal)
    bottom = int(np.argmax(levels))
    surface_t = climatological_temperature(grid.latitude, [1000.0], time)[0][:, None]
    factor = surface_wind_factor(grid, time, lsm)
    fields = {
        "t2m": surface_t - waves["dphi_dlnp"][bottom] / R_DRY + diurnal
        - 0.0065 * orography / GRAVITY,
        "u10": factor * u[bottom],
        "v10": factor * v[bottom],
        "msl": 101325.0 + AIR_DENSITY * (zonal_phi[bottom] + waves["phi"][bottom]),
        "tp": accumulated_precipitation(
            weather, grid, time, lsm, window=accumulation,
            samples=max(1, round(precipitation_samples * float(accumulation / ACCUMULATION)))),
        "u": u, "v": v, "t": t,
        "r": relative_humidity(weather, grid, time, levels, v, lsm),
        "z": z,
    }
    return {name: np.asarray(value, np.float32) for name, value in fields.items()}


def specific_humidity_of(r: np.ndarray, t: np.ndarray, levels) -> np.ndarray:
    """Specific humidity (kg kg-1) of relative humidity ``r`` (%) and temperature ``t`` (K),
    ``(nlev, nlat, nlon)`` on ``levels`` (hPa), as :func:`xaqf.data.derived.specific_humidity`
    derives it (so deriving ``r`` back gives the toy's ``r``).

    Examples
    --------
    >>> q = specific_humidity_of(np.full((1, 1, 1), 50.0), np.full((1, 1, 1), 280.0), [850.0])
    >>> q.dtype.name, round(float(q[0, 0, 0]) * 1e3, 3)
    ('float32', 3.633)
    """
    coords = {"level": np.asarray(levels, float)}
    dims = ("level", "latitude", "longitude")
    return specific_humidity(xr.DataArray(r, dims=dims, coords=coords),
                             xr.DataArray(t, dims=dims, coords=coords)).values
