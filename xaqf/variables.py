"""The variable catalogue: the single source of truth for names, levels, units and order.

xaqf works on 73 pollutant channels (CAMS) and 70 meteorological channels (ERA5, FuXi or
any other weather source). A *channel* is one variable on one pressure level, or one
surface/total-column variable. Channel names are ``"<variable>"`` for single-level
variables and ``"<variable>_<level>"`` for variables on pressure levels, e.g. ``"go3_850"``.

Channel order (fixed: a model's weights depend on it):

* pollutants: the 5 total columns, then the 5 species on levels (variable-major, levels
  ascending in hPa, 50 ... 1000), then the 3 particulate-matter variables;
* meteorology: the 5 surface variables, then ``u, v, t, r, z`` on levels (variable-major,
  levels ascending).

Units are the canonical units xaqf converts every input to; they are written in the CF /
UDUNITS style that pint (through cf-xarray's registry) understands.

Examples
--------
>>> import xaqf
>>> len(xaqf.variables.POLLUTANT_CHANNELS), len(xaqf.variables.MET_CHANNELS)
(73, 70)
>>> xaqf.variables.POLLUTANT_CHANNELS[:6]
('tcco', 'tc_no', 'tcno2', 'tcso2', 'gtco3', 'co_50')
>>> xaqf.variables.split_channel("go3_850")
('go3', 850.0)
>>> xaqf.variables.VARIABLES["pm2p5"].units
'kg m-3'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from xaqf.errors import MissingVariableError

Kind = Literal["pollutant", "met", "static"]

PRESSURE_LEVELS: tuple[float, ...] = (
    50.0, 100.0, 150.0, 200.0, 250.0, 300.0, 400.0, 500.0, 600.0, 700.0, 850.0, 925.0, 1000.0,
)
"""The 13 pressure levels (hPa) shared by CAMS and FuXi, ascending."""

SPATIAL_DIMS: tuple[str, str] = ("latitude", "longitude")
"""The horizontal dimensions of the canonical layout, in order."""

FORECAST_DIMS: tuple[str, str] = ("init_time", "lead_time")
"""The dimensions that tell the forecasts of a forecast-layout Dataset apart."""
MEMBER_DIM = "member"
"""Canonical name of the ensemble dimension (met ensembles: ECMWF ENS, AIFS-ENS...)."""


@dataclass(frozen=True)
class Variable:
    """Metadata of one physical variable.

    Parameters
    ----------
    name
        ECMWF (ADS/CDS) short name, used as the data-variable name everywhere in xaqf.
    long_name
        Human-readable name.
    units
        Canonical units (pint/UDUNITS spelling) that inputs are converted to.
    standard_name
        CF standard name, or ``None`` where the CF table has none.
    kind
        ``"pollutant"``, ``"met"`` or ``"static"``.
    on_levels
        Whether the variable lives on the pressure levels (``level`` dimension).
    """

    name: str
    long_name: str
    units: str
    standard_name: str | None
    kind: Kind
    on_levels: bool

    @property
    def attrs(self) -> dict[str, str]:
        """CF attributes for a DataArray holding this variable in canonical units."""
        attrs = {"long_name": self.long_name, "units": self.units}
        if self.standard_name:
            attrs["standard_name"] = self.standard_name
        return attrs


def _v(name: str, long_name: str, units: str, standard_name: str | None, kind: Kind,
       on_levels: bool = False) -> Variable:
    return Variable(name, long_name, units, standard_name, kind, on_levels)


_MMR = "mass_fraction_of_{}_in_air"
_COLUMN = "atmosphere_mass_content_of_{}"
_PM = "mass_concentration_of_{}_ambient_aerosol_particles_in_air"

TOTAL_COLUMNS: tuple[Variable, ...] = (
    _v("tcco", "Total column carbon monoxide", "kg m-2", _COLUMN.format("carbon_monoxide"),
       "pollutant"),
    _v("tc_no", "Total column nitrogen monoxide", "kg m-2",
       _COLUMN.format("nitrogen_monoxide"), "pollutant"),
    _v("tcno2", "Total column nitrogen dioxide", "kg m-2", _COLUMN.format("nitrogen_dioxide"),
       "pollutant"),
    _v("tcso2", "Total column sulphur dioxide", "kg m-2", _COLUMN.format("sulfur_dioxide"),
       "pollutant"),
    _v("gtco3", "GEMS total column ozone", "kg m-2", _COLUMN.format("ozone"), "pollutant"),
)
POLLUTANTS_ON_LEVELS: tuple[Variable, ...] = (
    _v("co", "Carbon monoxide mass mixing ratio", "kg kg-1", _MMR.format("carbon_monoxide"),
       "pollutant", True),
    _v("no", "Nitrogen monoxide mass mixing ratio", "kg kg-1",
       _MMR.format("nitrogen_monoxide"), "pollutant", True),
    _v("no2", "Nitrogen dioxide mass mixing ratio", "kg kg-1", _MMR.format("nitrogen_dioxide"),
       "pollutant", True),
    _v("so2", "Sulphur dioxide mass mixing ratio", "kg kg-1", _MMR.format("sulfur_dioxide"),
       "pollutant", True),
    _v("go3", "GEMS ozone mass mixing ratio", "kg kg-1", _MMR.format("ozone"), "pollutant",
       True),
)
PARTICULATE_MATTER: tuple[Variable, ...] = (
    _v("pm1", "Particulate matter d < 1 um", "kg m-3", _PM.format("pm1"), "pollutant"),
    _v("pm2p5", "Particulate matter d < 2.5 um", "kg m-3", _PM.format("pm2p5"), "pollutant"),
    _v("pm10", "Particulate matter d < 10 um", "kg m-3", _PM.format("pm10"), "pollutant"),
)
MET_SURFACE: tuple[Variable, ...] = (
    _v("t2m", "2 metre temperature", "K", "air_temperature", "met"),
    _v("u10", "10 metre U wind component", "m s-1", "eastward_wind", "met"),
    _v("v10", "10 metre V wind component", "m s-1", "northward_wind", "met"),
    _v("msl", "Mean sea level pressure", "Pa", "air_pressure_at_mean_sea_level", "met"),
    _v("tp", "Total precipitation", "m", "lwe_thickness_of_precipitation_amount", "met"),
)
MET_ON_LEVELS: tuple[Variable, ...] = (
    _v("u", "U component of wind", "m s-1", "eastward_wind", "met", True),
    _v("v", "V component of wind", "m s-1", "northward_wind", "met", True),
    _v("t", "Temperature", "K", "air_temperature", "met", True),
    _v("r", "Relative humidity", "%", "relative_humidity", "met", True),
    _v("z", "Geopotential", "m2 s-2", "geopotential", "met", True),
)
STATICS: tuple[Variable, ...] = (
    _v("orography", "Surface geopotential (orography)", "m2 s-2", "surface_geopotential",
       "static"),
    _v("lsm", "Land-sea mask", "1", "land_binary_mask", "static"),
)

POLLUTANT_VARIABLES: tuple[str, ...] = tuple(
    v.name for v in TOTAL_COLUMNS + POLLUTANTS_ON_LEVELS + PARTICULATE_MATTER
)
"""The 13 pollutant variable names, in channel order."""
MET_VARIABLES: tuple[str, ...] = tuple(v.name for v in MET_SURFACE + MET_ON_LEVELS)
"""The 10 meteorological variable names, in channel order."""
STATIC_VARIABLES: tuple[str, ...] = tuple(v.name for v in STATICS)
"""The static (time-invariant) input fields."""
KIND_VARIABLES: dict[str, tuple[str, ...]] = {
    "cams": POLLUTANT_VARIABLES,
    "pollutant": POLLUTANT_VARIABLES,
    "met": MET_VARIABLES,
    "static": STATIC_VARIABLES,
}
"""The variables of each kind of input file (``"cams"`` and ``"pollutant"`` are synonyms)."""

VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in TOTAL_COLUMNS + POLLUTANTS_ON_LEVELS + PARTICULATE_MATTER + MET_SURFACE
    + MET_ON_LEVELS + STATICS
}
"""Every variable xaqf knows, by short name. Met and pollutant names never collide."""

VALID_RANGES: dict[str, tuple[float, float]] = {
    **{name: (-0.1, 0.1) for name in ("tcco", "tcso2", "gtco3")},
    **{name: (-0.01, 0.01) for name in ("tc_no", "tcno2")},
    **{name: (-1e-2, 1e-2) for name in ("co", "no", "no2", "so2")},
    "go3": (-1e-3, 1e-3),
    **{name: (-1e-2, 1e-2) for name in ("pm1", "pm2p5", "pm10")},
    "t2m": (150.0, 350.0),
    "t": (150.0, 350.0),
    **{name: (-150.0, 150.0) for name in ("u10", "v10")},
    **{name: (-250.0, 250.0) for name in ("u", "v")},
    "msl": (8.0e4, 1.2e5),
    "tp": (-1e-3, 1.0),
    "r": (-5.0, 200.0),
    "z": (-1.0e4, 4.0e5),
    "orography": (-5.0e3, 9.0e4),
    "lsm": (0.0, 1.0),
}
"""Physically plausible ``(lowest, highest)`` values of each variable, in catalogue units.

Wide on purpose: they are not quality control but catch unmasked fill values (-32767,
9.96921e36) and unit slips (°C labelled K, µg m-3 labelled kg m-3, hPa labelled Pa).
Concentrations may go down to minus their upper bound here: moderate negatives are then
judged by the clamp tolerance of :func:`xaqf.data.validation.check_dataset`. Override them with
its ``valid_ranges`` parameter."""

GREY_LINE: frozenset[str] = frozenset({"no", "tc_no", "no2", "tcno2", "pm1", "pm2p5", "pm10"})
"""Default grey-line variables, whose base is the value 24 h before the target time.

The paper lists none; this is the split of the public Aurora air-pollution model.
"""


def channel_name(variable: str, level: float | None = None) -> str:
    """Name of the channel of ``variable`` on ``level`` (``None`` for single-level variables).

    Examples
    --------
    >>> channel_name("go3", 850.0), channel_name("tcco")
    ('go3_850', 'tcco')
    """
    return variable if level is None else f"{variable}_{level:g}"


def split_channel(name: str) -> tuple[str, float | None]:
    """Inverse of :func:`channel_name`: ``"go3_850"`` -> ``("go3", 850.0)``.

    Raises
    ------
    MissingVariableError
        If the name is not a channel of a catalogued variable.
    """
    if name in VARIABLES and not VARIABLES[name].on_levels:
        return name, None
    variable, _, level = name.rpartition("_")
    if variable in VARIABLES and VARIABLES[variable].on_levels:
        try:
            return variable, float(level)
        except ValueError:
            pass
    raise MissingVariableError(
        f"{name!r} is not an xaqf channel name; expected '<variable>' or '<variable>_<hPa>' "
        f"with a variable from xaqf.variables.VARIABLES"
    )


def channels_of(variables: Iterable[str], levels: Iterable[float] = PRESSURE_LEVELS
                ) -> tuple[str, ...]:
    """Channel names of ``variables`` (in the given order), expanding level variables.

    Examples
    --------
    >>> channels_of(["t2m", "u"], levels=[500, 850])
    ('t2m', 'u_500', 'u_850')
    """
    levels = tuple(float(level) for level in levels)
    names: list[str] = []
    for name in variables:
        if name not in VARIABLES:
            raise MissingVariableError(f"unknown variable {name!r}; known: {sorted(VARIABLES)}")
        if VARIABLES[name].on_levels:
            names.extend(channel_name(name, level) for level in levels)
        else:
            names.append(name)
    return tuple(names)


POLLUTANT_CHANNELS: tuple[str, ...] = channels_of(POLLUTANT_VARIABLES)
"""The 73 pollutant channels, in model order."""
MET_CHANNELS: tuple[str, ...] = channels_of(MET_VARIABLES)
"""The 70 meteorological channels, in model order."""


def kind_of(variable: str) -> Kind:
    """``"pollutant"``, ``"met"`` or ``"static"`` for a catalogued variable name."""
    try:
        return VARIABLES[variable].kind
    except KeyError:
        raise MissingVariableError(
            f"unknown variable {variable!r}; known: {sorted(VARIABLES)}"
        ) from None
