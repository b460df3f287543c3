"""From the transported tracers to the 13 CAMS variables.

NO and NO2 are split from NOx by the photostationary state at the output time; total
columns integrate the level fields over the layer masses; particulate matter is the
aerosol in the lowest layer above the ground times the air density, with size cuts
PM1 = 0.75 fine + 0.05 dust, PM2.5 = 0.95 fine + 0.3 dust, PM10 = fine + dust,
so that PM1 <= PM2.5 <= PM10 always. Over land at night the surface air is stable and
shallower than the lowest layer, which concentrates surface particles (by a factor up
to 1.5).

Examples
--------
>>> import numpy as np
>>> PM_CUTS["pm1"], PM_CUTS["pm10"]
((0.75, 0.05), (1.0, 1.0))
"""

from __future__ import annotations

import numpy as np

from xaqf.tutorial import chemistry, vertical
from xaqf.tutorial.composition import TRACERS
from xaqf.tutorial.meteorology import R_DRY

PM_CUTS: dict[str, tuple[float, float]] = {
    "pm1": (0.75, 0.05), "pm2p5": (0.95, 0.3), "pm10": (1.0, 1.0),
}
"""Fractions of (fine aerosol, dust) counted in each particulate-matter variable."""
NIGHT_SURFACE_FACTOR = 0.5
"""Extra surface concentration of particles over land on a calm, dark night (fraction)."""


def lowest_layer(thickness: np.ndarray) -> np.ndarray:
    """Index of the lowest level above the ground in each column, ``(nlat, nlon)``."""
    above = thickness > 0
    return above.shape[0] - 1 - np.argmax(above[::-1], axis=0)


def pollutant_fields(state: np.ndarray, levels: np.ndarray, thickness: np.ndarray,
                     temperature: np.ndarray, t2m: np.ndarray, surface_pressure: np.ndarray,
                     sun: np.ndarray, lsm: np.ndarray) -> dict[str, np.ndarray]:
    """The 13 CAMS variables (float32, catalogue units) from the tracer ``state``.

    Parameters
    ----------
    state
        Tracer mixing ratios ``(ntracer, nlev, nlat, nlon)``.
    levels, thickness
        Pressure levels (hPa) and layer thickness (Pa, ``(nlev, nlat, nlon)``).
    temperature, t2m
        Temperature on levels and at 2 m (K).
    surface_pressure
        Surface pressure (Pa).
    sun
        Cosine of the solar zenith angle clipped at 0, ``(nlat, nlon)``.
    lsm
        Land-sea mask.
    """
    tracer = dict(zip(TRACERS, state, strict=True))
    pressure = np.asarray(levels, np.float32)[:, None, None]
    no, no2 = chemistry.nox_partition(tracer["nox"], tracer["o3"], temperature, pressure,
                                      sun[None])
    fields = {"co": tracer["co"], "no": no, "no2": no2, "so2": tracer["so2"],
              "go3": tracer["o3"]}
    columns = {"tcco": "co", "tc_no": "no", "tcno2": "no2", "tcso2": "so2", "gtco3": "go3"}
    out = {column: vertical.total_column(fields[name], thickness)
           for column, name in columns.items()}
    out.update(fields)
    index = lowest_layer(thickness)[None]
    fine = np.take_along_axis(tracer["fine"], index, 0)[0]
    dust = np.take_along_axis(tracer["dust"], index, 0)[0]
    stable = 1.0 + NIGHT_SURFACE_FACTOR * lsm * (1.0 - np.minimum(1.0, 4.0 * sun))
    density = surface_pressure / (R_DRY * t2m) * stable
    for name, (fine_share, dust_share) in PM_CUTS.items():
        out[name] = density * (fine_share * fine + dust_share * dust)
    return {name: np.asarray(value, np.float32) for name, value in out.items()}
