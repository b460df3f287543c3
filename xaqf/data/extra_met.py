"""Met variables that weather models provide beyond the default model's ten.

The catalogue (:mod:`xaqf.variables`) holds the variables of the paper's 70 met channels.
Other weather models write others: specific humidity ``q`` (GraphCast, Pangu, AIFS, Aurora),
vertical velocity ``w``, 2 m dewpoint ``d2m``, surface pressure ``sp``, total column water
vapour ``tcwv``, the 100 m winds ``u100m``/``v100m``. :func:`xaqf.open_met` keeps them (in
these units) so that xaqf can derive what a model needs from them
(:mod:`xaqf.data.derived`) or a model trained on them can read them. A name the catalogue
defines wins over the one here.

Examples
--------
>>> KNOWN_VARIABLES["q"].units, KNOWN_VARIABLES["q"].on_levels
('kg kg-1', True)
>>> "q" in KNOWN_MET and "r" in KNOWN_MET
True
"""

from __future__ import annotations

from xaqf.variables import MET_VARIABLES, VARIABLES, Variable

__all__ = ["EXTRA_MET", "EXTRA_RANGES", "KNOWN_MET", "KNOWN_VARIABLES"]

EXTRA_MET: tuple[Variable, ...] = (
    Variable("q", "Specific humidity", "kg kg-1", "specific_humidity", "met", True),
    Variable("w", "Vertical velocity", "Pa s-1", "lagrangian_tendency_of_air_pressure", "met",
             True),
    Variable("d2m", "2 metre dewpoint temperature", "K", "dew_point_temperature", "met", False),
    Variable("sp", "Surface pressure", "Pa", "surface_air_pressure", "met", False),
    Variable("tcwv", "Total column water vapour", "kg m-2",
             "atmosphere_mass_content_of_water_vapor", "met", False),
    Variable("u100m", "100 metre U wind component", "m s-1", "eastward_wind", "met", False),
    Variable("v100m", "100 metre V wind component", "m s-1", "northward_wind", "met", False),
)
"""Met variables outside the catalogue that weather models commonly write."""

KNOWN_VARIABLES: dict[str, Variable] = {
    **{v.name: v for v in EXTRA_MET}, **VARIABLES}
"""Every variable xaqf can read: the catalogue's and :data:`EXTRA_MET` (catalogue first)."""

KNOWN_MET: tuple[str, ...] = MET_VARIABLES + tuple(
    v.name for v in EXTRA_MET if v.name not in VARIABLES)
"""The met variables :func:`xaqf.open_met` keeps: the catalogue's ten, then the others."""

EXTRA_RANGES: dict[str, tuple[float, float]] = {
    "q": (-1e-3, 0.1),
}
"""Physically plausible ``(lowest, highest)`` values of the derivable extras (catalogue
units), as :data:`xaqf.variables.VALID_RANGES` gives them for the catalogue."""
