"""Surface concentrations in µg m-3: the one rule shared by station verification and products.

Air-quality forecasts are judged in mass concentrations near the ground, while CAMS (and xaqf)
carry particulate matter as a density (``kg m-3``) and gases as mass mixing ratios
(``kg kg-1``) on pressure levels. This module turns both into ``ug m-3`` (:data:`UNITS`):

* **particulate matter** (``pm1``, ``pm2p5``, ``pm10``): a change of units only;
* **gases** (``no2``, ``so2``, ``go3``, ``co``, ``no``): the mass mixing ratio ``q`` on the
  *lowest available level* (the largest pressure, normally 1000 hPa) times the air density
  ``rho = p / (R_d T)`` (:data:`R_DRY`, dry air).

Observed gases reported as volume (mole) ratios -- ``ppb``, ``ppm``, ``nmol mol-1``..., as
OpenAQ gives many North American stations -- become mass concentrations at the reference
conditions of :data:`REFERENCE_CONDITIONS` (293.15 K and 101 325 Pa, those of the EU
air-quality directive 2008/50/EC for gases, so 1 ppb of NO2 is 1.91 ug m-3; the US EPA's
298.15 K is ``volume_reference=(298.15, 101325.0)``): ``c = x p M / (R T)`` with the molar mass
``M`` of :data:`MOLAR_MASSES` (:func:`volume_ratio_to_concentration`). The conditions used
are recorded in the attribute ``xaqf_converted_from``. Particulate matter has no volume
ratio: such units are refused.

Decision on ``p`` and ``T``: ``p`` is the pressure *of that level* (1000 hPa -> 100 000 Pa)
and ``T`` is the met temperature ``t`` *on that same level and at the same valid time*. The
density is then that of the air the mixing ratio describes, with no mixing of a level field
with surface fields (``msl`` is a reduced pressure, not the surface pressure, and ``t2m`` is
not the temperature of the 1000 hPa air). Where the ground lies above the 1000 hPa surface
(mountains, highs) the value describes the air on that level, an approximation shared with
every pressure-level product. Moisture is neglected (virtual temperature), an error below
1 %.

Volume ratios are recognised however they are spelled (``mol mol-1``, ``mole mole-1``,
``mol mol**-1``, ``mol/mol``, ``ppbv``...; :func:`volume_ratio`). Met on another grid than the
pollutants is refused (:class:`~xaqf.errors.GridMismatchError`): xarray would otherwise keep
only the points the two grids share. An ensemble (a ``member``, ``number``, ``realization`` or
``ensemble`` dimension, even of one member) is computed per member;
:func:`ensemble_mean` gives the mean the command line's ``products`` and ``verify`` use.

Pure functions work on numbers and numpy or dask arrays; the xarray wrappers keep
coordinates, set CF attributes and stay lazy on dask.

Examples
--------
>>> round(float(mixing_ratio_to_concentration(3.3085e-8, 100000.0, 288.15)), 3)
40.0
>>> round(float(concentration_to_mixing_ratio(40.0, 100000.0, 288.15)) * 1e8, 4)
3.3085
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import xarray as xr

from xaqf.data.io import MEMBER_NAMES
from xaqf.data.units import conversion, convert
from xaqf.errors import (
    ConfigError,
    GridMismatchError,
    LayoutError,
    MissingTimeError,
    MissingVariableError,
    UnitError,
)
from xaqf.variables import VARIABLES

__all__ = [
    "GASES",
    "MOLAR_MASSES",
    "PARTICULATE",
    "REFERENCE_CONDITIONS",
    "R_DRY",
    "R_GAS",
    "SURFACE_ATTRS",
    "SURFACE_VARIABLES",
    "UNITS",
    "VOLUME_RATIOS",
    "air_density",
    "concentration_to_mixing_ratio",
    "ensemble_mean",
    "mixing_ratio_to_concentration",
    "volume_ratio_to_concentration",
    "surface_concentration",
    "surface_concentrations",
    "to_surface_units",
    "volume_ratio",
]

UNITS = "ug m-3"
"""Units of every surface concentration (micrograms per cubic metre)."""

R_DRY = 287.05
"""Specific gas constant of dry air, J kg-1 K-1."""

PARTICULATE: tuple[str, ...] = ("pm1", "pm2p5", "pm10")
"""Particulate-matter variables (catalogue units ``kg m-3``)."""

GASES: tuple[str, ...] = ("no2", "so2", "go3", "co", "no")
"""Gas-phase variables (catalogue units ``kg kg-1``, on pressure levels)."""

SURFACE_VARIABLES: tuple[str, ...] = PARTICULATE + GASES
"""Every variable with a surface concentration."""

R_GAS = 8.314462618
"""Molar gas constant, J mol-1 K-1."""

MOLAR_MASSES: dict[str, float] = {"no2": 46.0055e-3, "so2": 64.064e-3, "go3": 47.9982e-3,
                                  "co": 28.0101e-3, "no": 30.0061e-3}
"""Molar mass of each gas, kg mol-1."""

REFERENCE_CONDITIONS: tuple[float, float] = (293.15, 101325.0)
"""Temperature (K) and pressure (Pa) at which observed volume ratios become concentrations
(see the module notes)."""

VOLUME_RATIOS: dict[str, float] = {
    "ppb": 1e-9, "ppbv": 1e-9, "ppm": 1e-6, "ppmv": 1e-6, "ppt": 1e-12, "pptv": 1e-12,
    "mol mol-1": 1.0, "mol/mol": 1.0, "nmol mol-1": 1e-9, "nmol/mol": 1e-9,
    "umol mol-1": 1e-6, "umol/mol": 1e-6, "µmol mol-1": 1e-6, "µmol/mol": 1e-6,
}
"""Spellings of volume (mole) ratios, lower case, and their value in mol mol-1 (other
spellings of these are recognised by :func:`volume_ratio`)."""


def volume_ratio(units: str) -> float | None:
    """The value in mol mol-1 of ``units`` if they are a volume (mole) ratio, else ``None``.

    Examples
    --------
    >>> volume_ratio("mole mole-1"), volume_ratio("nmol mol**-1"), volume_ratio("ug m-3")
    (1.0, 1e-09, None)
    """
    text = re.sub(r"\bmoles?\b", "mol", units.strip().lower()).replace("**", "")
    text = re.sub(r"\s*/\s*", "/", text.replace("^", "").replace("μ", "µ"))
    return VOLUME_RATIOS.get(re.sub(r"\s+", " ", text))

_SPECIES = {"no2": "nitrogen_dioxide", "so2": "sulfur_dioxide", "go3": "ozone",
            "co": "carbon_monoxide", "no": "nitrogen_monoxide"}

SURFACE_ATTRS: dict[str, dict[str, str]] = {
    **{name: {"long_name": f"Surface {VARIABLES[name].long_name.lower()}", "units": UNITS,
              "standard_name": str(VARIABLES[name].standard_name)} for name in PARTICULATE},
    **{name: {"long_name": f"Surface {species.replace('_', ' ')} mass concentration",
              "units": UNITS, "standard_name": f"mass_concentration_of_{species}_in_air"}
       for name, species in _SPECIES.items()},
}
"""CF attributes of each surface concentration."""

_KG_TO_UG = conversion("kg m-3", UNITS)[0]


def air_density(pressure: Any, temperature: Any) -> Any:
    """Dry-air density ``p / (R_d T)`` in kg m-3 (pressure in Pa, temperature in K).

    Examples
    --------
    >>> round(air_density(101325.0, 273.15), 4)
    1.2923
    """
    return pressure / (R_DRY * temperature)


def mixing_ratio_to_concentration(q: Any, pressure: Any, temperature: Any) -> Any:
    """Mass concentration (ug m-3) of a mass mixing ratio ``q`` (kg kg-1) at ``p`` (Pa), ``T`` (K).

    Examples
    --------
    >>> round(mixing_ratio_to_concentration(1e-9, 100000.0, 300.0), 4)
    1.1612
    """
    return q * air_density(pressure, temperature) * _KG_TO_UG


def concentration_to_mixing_ratio(c: Any, pressure: Any, temperature: Any) -> Any:
    """Inverse of :func:`mixing_ratio_to_concentration`: kg kg-1 of ``c`` ug m-3.

    Examples
    --------
    >>> round(concentration_to_mixing_ratio(1.1612, 100000.0, 300.0) * 1e9, 3)
    1.0
    """
    return c / (air_density(pressure, temperature) * _KG_TO_UG)


def volume_ratio_to_concentration(x: Any, name: str,
                                  reference: tuple[float, float] = REFERENCE_CONDITIONS) -> Any:
    """Mass concentration (ug m-3) of the gas ``name`` at a mole fraction ``x`` (mol mol-1),
    at the ``(temperature K, pressure Pa)`` of ``reference``: ``x p M / (R T)``.

    Examples
    --------
    >>> round(volume_ratio_to_concentration(1e-9, "no2"), 3)  # 1 ppb at 20 C
    1.913
    >>> round(volume_ratio_to_concentration(1e-9, "no2", (298.15, 101325.0)), 3)  # at 25 C
    1.88
    """
    temperature, pressure = reference
    return x * pressure * MOLAR_MASSES[name] / (R_GAS * temperature) * 1e9


def to_surface_units(da: xr.DataArray, name: str, *, what: str | None = None,
                     volume_reference: tuple[float, float] = REFERENCE_CONDITIONS
                     ) -> xr.DataArray:
    """``da`` (a concentration in any mass-per-volume units, or a gas's volume ratio) in
    ``ug m-3`` with CF attributes.

    Parameters
    ----------
    da
        Data with a ``units`` attribute such as ``"µg/m³"``, ``"ug m-3"``, ``"kg m**-3"`` or,
        for a gas, a volume ratio of :data:`VOLUME_RATIOS` (``"ppb"``, ``"ppm"``...).
    name
        Canonical variable name (one of :data:`SURFACE_VARIABLES`).
    what
        How to call the data in error messages (default: ``name``).
    volume_reference
        ``(temperature K, pressure Pa)`` at which a volume ratio is converted (see the
        module notes).

    Raises
    ------
    UnitError
        Missing, unknown or non-convertible units (e.g. ``ppb`` for particulate matter).
    ConfigError
        A ``volume_reference`` that is not a temperature (100-400 K) and a pressure
        (1-200 kPa), in that order.

    Examples
    --------
    >>> pm = xr.DataArray([1.5e-8], dims="time", attrs={"units": "kg m**-3"})
    >>> out = to_surface_units(pm, "pm2p5")
    >>> round(float(out[0]), 6), out.attrs["units"]
    (15.0, 'ug m-3')
    >>> o3 = to_surface_units(xr.DataArray([0.03], dims="time", attrs={"units": "ppm"}), "go3")
    >>> round(float(o3[0]), 1), o3.attrs["xaqf_converted_from"]
    (59.9, 'ppm at 293.15 K and 101325 Pa')
    """
    if name not in SURFACE_ATTRS:
        raise MissingVariableError(f"{name!r} has no surface concentration; choose one of "
                                   f"{list(SURFACE_VARIABLES)}")
    units = str(da.attrs.get("units", "")).strip()
    ratio = volume_ratio(units)
    if ratio is None:
        out = convert(da, UNITS, what=what or name)
        return out.drop_attrs(deep=False).assign_attrs(SURFACE_ATTRS[name]).rename(name)
    if name not in MOLAR_MASSES:
        raise UnitError(f"{what or name!r} is in {units!r}, a volume ratio, which a "
                        f"particulate concentration cannot be; give it in mass per volume "
                        f"(e.g. 'ug m-3')")
    temperature, pressure = volume_reference
    if not (100.0 < temperature < 400.0 and 1e3 < pressure < 2e5):
        raise ConfigError(f"volume_reference must be a temperature in K and a pressure in Pa "
                          f"near the ground, in that order, e.g. (293.15, 101325.0); got "
                          f"{volume_reference}")
    out = volume_ratio_to_concentration(da.astype(np.float64) * ratio, name, volume_reference)
    return out.drop_attrs(deep=False).assign_attrs(
        SURFACE_ATTRS[name], xaqf_converted_from=f"{units} at {temperature:g} K and "
                                                 f"{pressure:g} Pa").rename(name)


def _lowest_level(da: xr.DataArray, name: str) -> tuple[xr.DataArray, float]:
    """The field on the largest pressure level and that level in hPa."""
    if "level" not in da.dims:
        raise LayoutError(f"gas {name!r} has no 'level' dimension (dims {da.dims}); surface "
                          f"concentrations need the mixing ratio on pressure levels")
    level = float(da["level"].max())
    return da.sel(level=level, drop=True), level


def _temperature(met: xr.Dataset | None, level: float, like: xr.DataArray,
                 name: str) -> xr.DataArray:
    """Met temperature on ``level`` at the valid times of ``like`` (forecast or analysis)."""
    if met is None or "t" not in met.data_vars:
        raise MissingVariableError(
            f"the surface concentration of {name!r} needs the met temperature 't' on "
            f"{level:g} hPa for the air density; pass met= (e.g. --met ERA5.nc) holding 't'")
    t = met["t"]
    if "level" not in t.dims or not np.isclose(t["level"], level).any():
        raise MissingVariableError(f"the met 't' has no level {level:g} hPa (the lowest level "
                                   f"of {name!r}); provide 't' on {level:g} hPa")
    _same_grid(t, like, name)
    t = convert(t.sel(level=level, method="nearest", drop=True), "K", what="t")
    return _at_valid_times(t, like)


def _grid_text(da: xr.DataArray) -> str:
    lat, lon = da["latitude"].values, da["longitude"].values
    return (f"{lat.size} x {lon.size} points, latitude {lat.max():g}..{lat.min():g}, "
            f"longitude {lon.min():g}..{lon.max():g}")


def _same_grid(t: xr.DataArray, like: xr.DataArray, name: str) -> None:
    """GridMismatchError if the met ``t`` and the pollutant field are on two grids."""
    for axis in ("latitude", "longitude"):
        if axis not in t.coords or axis not in like.coords:
            continue
        a, b = t[axis].values, like[axis].values
        if a.shape != b.shape or not np.allclose(a, b, atol=1e-6):
            raise GridMismatchError(
                f"the met 't' ({_grid_text(t)}) is not on the grid of {name!r} "
                f"({_grid_text(like)}); the density would be computed on the shared points "
                f"only. Regrid the met first: met = met.aqf.regrid(forecast)")


def _at_valid_times(t: xr.DataArray, like: xr.DataArray) -> xr.DataArray:
    if "init_time" in like.dims and "lead_time" in like.dims:
        valid = like["init_time"] + like["lead_time"]
    elif "time" in like.dims:
        valid = like["time"]
    else:
        return t
    if "time" not in t.dims:
        return t
    missing = np.setdiff1d(np.unique(valid.values), t["time"].values)
    if missing.size:
        raise MissingTimeError(
            f"the met 't' lacks {missing.size} valid time(s) of the forecast, first "
            f"{np.datetime_as_string(missing[0], unit='h')}; give met covering "
            f"{np.datetime_as_string(valid.values.min(), unit='h')} .. "
            f"{np.datetime_as_string(valid.values.max(), unit='h')}")
    return t.sel(time=valid).drop_vars("time")


def surface_concentration(ds: xr.Dataset, name: str, met: xr.Dataset | None = None
                          ) -> xr.DataArray:
    """Surface concentration of ``name`` (ug m-3) from pollutant data ``ds``.

    Parameters
    ----------
    ds
        Pollutants in canonical layout: an analysis (``time, [level,] latitude, longitude``)
        or a forecast (``init_time, lead_time, ...``), any units that convert to the
        catalogue's.
    name
        One of :data:`SURFACE_VARIABLES`.
    met
        Met data holding ``t`` on the gas's lowest level at every valid time (dims ``time,
        level, ...``, on the same grid); needed for gases only.

    Returns
    -------
    xarray.DataArray
        Lazy if ``ds`` is dask-backed; the ``level`` dimension is dropped and the level
        used is in the ``level_hPa`` attribute of gases.

    Raises
    ------
    MissingVariableError
        ``name`` absent from ``ds``, or no met ``t`` on the needed level.
    MissingTimeError
        The met lacks valid times of ``ds``.
    UnitError
        Units that cannot be converted.

    Examples
    --------
    >>> import pandas as pd
    >>> times = pd.date_range("2022-06-01", periods=1)
    >>> ds = xr.Dataset({"no2": (("time", "level"), [[3.3085e-8]], {"units": "kg kg-1"})},
    ...                 coords={"time": times, "level": [1000.0]})
    >>> met = xr.Dataset({"t": (("time", "level"), [[288.15]], {"units": "K"})},
    ...                  coords={"time": times, "level": [1000.0]})
    >>> round(float(surface_concentration(ds, "no2", met)[0]), 2)
    40.0
    """
    if name not in ds.data_vars:
        raise MissingVariableError(f"the pollutant data lack {name!r} (they hold "
                                   f"{sorted(map(str, ds.data_vars))})")
    if name in PARTICULATE:
        return to_surface_units(ds[name], name)
    if name not in GASES:
        raise MissingVariableError(f"{name!r} has no surface concentration; choose one of "
                                   f"{list(SURFACE_VARIABLES)}")
    q, level = _lowest_level(ds[name], name)
    q = convert(q, "kg kg-1", what=name)
    temperature = _temperature(met, level, q, name)
    values = mixing_ratio_to_concentration(q, level * 100.0, temperature)
    return values.assign_attrs({**SURFACE_ATTRS[name], "level_hPa": level,
                                "density": "p_level / (R_d * t_level)"}).rename(name)


def ensemble_mean(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` averaged over its ensemble dimension (``member``, ``number``, ``realization``
    or ``ensemble``), if it has one; the attribute ``xaqf_ensemble`` says how many members.

    Examples
    --------
    >>> ens = xr.Dataset({"pm10": (("number", "x"), [[1.0], [3.0]])})
    >>> mean = ensemble_mean(ens)
    >>> mean["pm10"].values.tolist(), mean.attrs["xaqf_ensemble"]
    ([2.0], 'mean of 2 members (number)')
    """
    dims = [str(d) for d in ds.dims if d in MEMBER_NAMES]
    if not dims:
        return ds
    if len(dims) > 1:
        raise LayoutError(f"several ensemble dimensions {dims}; keep one, e.g. "
                          f"ds.isel({dims[1]}=0)")
    members = ds.sizes[dims[0]]
    return ds.mean(dims[0], keep_attrs=True).assign_attrs(
        xaqf_ensemble=f"mean of {members} members ({dims[0]})")


def surface_concentrations(ds: xr.Dataset, met: xr.Dataset | None = None,
                           names: tuple[str, ...] | list[str] | None = None) -> xr.Dataset:
    """Every (or each of ``names``) surface concentration of ``ds``, as one Dataset.

    Without ``names``, all :data:`SURFACE_VARIABLES` present in ``ds`` are converted, gases
    only when ``met`` is given.

    Raises
    ------
    UnitError, MissingVariableError, MissingTimeError
        As :func:`surface_concentration`.

    Examples
    --------
    >>> ds = xr.Dataset({"pm10": ("x", [2e-8], {"units": "kg m-3"})})
    >>> surface_concentrations(ds)["pm10"].values.round(3).tolist()
    [20.0]
    """
    if names is None:
        names = [name for name in SURFACE_VARIABLES if name in ds.data_vars
                 and (name in PARTICULATE or met is not None)]
    if not names:
        raise MissingVariableError(f"no surface variable {list(SURFACE_VARIABLES)} in the data "
                                   f"(they hold {sorted(map(str, ds.data_vars))})")
    out = xr.Dataset({name: surface_concentration(ds, name, met) for name in names})
    return out.assign_attrs({"title": "xaqf surface concentrations", "units": UNITS})

