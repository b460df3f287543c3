"""Units: parsing the spellings found in ECMWF files and converting to the catalogue units.

Units are parsed with cf-xarray's UDUNITS-aware pint registry (the registry pint-xarray
uses for CF data), which already reads ECMWF's ``kg kg**-1``, ``m**2 s**-2``, ``millibars``
and ``µg/m³``. A few spellings that no registry knows are translated first (see
:data:`ALIASES`): ``(0 - 1)`` and ``~`` mean "dimensionless", ``mb`` means millibar.

Conversions go through pint-xarray: the data are quantified in that registry
(``.pint.quantify(unit, unit_registry=registry)``), converted (``.pint.to``) and
dequantified (``.pint.dequantify``), the ``units`` attribute then keeping the catalogue's
spelling. pint wraps dask arrays without computing them, so conversions stay lazy.

Data without a ``units`` attribute are an error
(:class:`~xaqf.errors.UnitError`), because guessing units is how PM in µg m-3 ends up being
read as kg m-3. Pass ``assume_units=True`` to declare that unlabelled data are already in
the catalogue units.

Examples
--------
>>> import numpy as np, xarray as xr
>>> pm = xr.DataArray(np.array([12.0, 30.0]), dims="time", attrs={"units": "µg m-3"})
>>> out = to_canonical(pm, "pm2p5")
>>> print(out.values, out.attrs["units"])
[1.2e-08 3.0e-08] kg m-3
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable

import numpy as np
import pint
import pint_xarray  # noqa: F401  (registers .pint)
import xarray as xr
from cf_xarray.units import units as registry

from xaqf.data.extra_met import KNOWN_VARIABLES
from xaqf.errors import UnitError

__all__ = ["ALIASES", "conversion", "convert", "parse_units", "registry", "to_canonical"]

ALIASES: dict[str, str] = {
    "(0 - 1)": "1",
    "0 - 1": "1",
    "(0-1)": "1",
    "0-1": "1",
    "~": "1",
    "mb": "mbar",
}
"""Spellings used by ECMWF (GRIB/netCDF converters) that pint cannot parse, and their meaning.

An empty ``units`` string counts as a missing one (see :func:`to_canonical`)."""

_AMOUNT = re.compile(r"\bmol\b|\bppm|\bppb|\bppt")


def parse_units(text: str) -> pint.Unit:
    """Parse a units string as written in CF/ECMWF files.

    Parameters
    ----------
    text
        The ``units`` attribute, e.g. ``"kg kg**-1"``, ``"(0 - 1)"``, ``"µg/m³"``.

    Returns
    -------
    pint.Unit
        A unit of :data:`registry`.

    Raises
    ------
    UnitError
        If the string is not a unit pint understands.

    Examples
    --------
    >>> parse_units("kg kg**-1"), parse_units("(0 - 1)"), parse_units("millibars")
    (<Unit('dimensionless')>, <Unit('dimensionless')>, <Unit('millibar')>)
    """
    spelled = ALIASES.get(text.strip(), text.strip())
    try:
        return registry.parse_units(spelled)
    except Exception as err:  # pint's parser raises many types on malformed input
        raise UnitError(f"unknown units {text!r}: {err}") from None


def conversion(from_units: str, to_units: str) -> tuple[float, float]:
    """``(scale, offset)`` such that ``scale * x + offset`` converts ``from_units`` values.

    Volume mixing ratios (``mol mol-1``, ``ppb``...) are refused as conversions to anything
    that is not itself an amount ratio: turning them into mass mixing ratios needs molar
    masses, which is not a unit conversion.

    Raises
    ------
    UnitError
        If either unit is unknown or the two are not convertible.

    Examples
    --------
    >>> conversion("µg/m³", "kg m-3")
    (1e-09, 0.0)
    >>> conversion("degC", "K")
    (1.0, 273.15)
    """
    source, target = parse_units(from_units), parse_units(to_units)
    if _AMOUNT.search(from_units) and not _AMOUNT.search(to_units):
        raise UnitError(
            f"{from_units!r} is an amount (volume) ratio and cannot be converted to "
            f"{to_units!r} without molar masses"
        )
    try:
        zero, one = _to(xr.DataArray(np.array([0.0, 1.0])), source, target).values
    except (pint.errors.DimensionalityError, ValueError) as err:  # pint-xarray groups them
        cause = getattr(err, "exceptions", [err])[0]
        raise UnitError(f"cannot convert {from_units!r} to {to_units!r}: {cause}") from None
    return float(one - zero), float(zero)


def _to(da: xr.DataArray, source: pint.Unit, target: pint.Unit) -> xr.DataArray:
    """``da``'s data (in ``source``) in ``target``, through pint-xarray; lazy on dask."""
    bare = xr.DataArray(da.data, dims=da.dims)
    quantity = bare.pint.quantify(source, unit_registry=registry)
    return da.copy(data=quantity.pint.to(target).pint.dequantify().data)


def convert(da: xr.DataArray, units: str, *, source_units: str | None = None,
            what: str | None = None) -> xr.DataArray:
    """Convert ``da`` (lazily) to ``units``; the result is float and carries ``units``.

    Parameters
    ----------
    da
        Data with a ``units`` attribute (or pass ``source_units``).
    units
        Target units.
    source_units
        Units of ``da`` when they are not (or not correctly) in its attributes.
    what
        Name used in error messages (default: ``da.name``).

    Raises
    ------
    UnitError
        Naming ``what``, the units found and the units expected.

    Examples
    --------
    >>> import xarray as xr
    >>> lev = xr.DataArray([50000.0, 85000.0], dims="level", attrs={"units": "Pa"})
    >>> convert(lev, "hPa").values.tolist()
    [500.0, 850.0]
    """
    label: Hashable = da.name if what is None else what
    found = source_units if source_units is not None else _units_of(da)
    if found is None:
        raise UnitError(f"{label!r} has no 'units' attribute; expected {units!r}. Set "
                        f"da.attrs['units'] to the units of the data")
    try:
        scale, offset = conversion(str(found), units)
    except UnitError as err:
        raise UnitError(f"{label!r}: units {found!r} found, {units!r} expected ({err}). "
                        f"Fix the 'units' attribute or convert the data first") from None
    out = da if np.issubdtype(da.dtype, np.floating) else da.astype(np.float64)
    if (scale, offset) != (1.0, 0.0):
        out = _to(out, parse_units(str(found)), parse_units(units)).astype(out.dtype)
    return out.assign_attrs({**da.attrs, "units": units})


def _units_of(da: xr.DataArray) -> str | None:
    """The ``units`` attribute, or ``None`` where it is missing or blank."""
    units = str(da.attrs.get("units", "")).strip()
    return units or None


def to_canonical(da: xr.DataArray, name: str, *, assume_units: bool = False) -> xr.DataArray:
    """Convert ``da`` to the catalogue units of variable ``name``, as float32 with CF attrs.

    Parameters
    ----------
    da
        The data, with a ``units`` attribute in any convertible spelling.
    name
        Catalogue short name (``xaqf.variables.VARIABLES``, or a met variable of
        :data:`xaqf.data.extra_met.EXTRA_MET`).
    assume_units
        If ``da`` has no (or an empty) ``units`` attribute, take it as already in the
        catalogue units instead of raising. Data that *do* carry units are always converted.

    Returns
    -------
    xarray.DataArray
        float32, attributes replaced by the catalogue's (units, long_name, standard_name);
        lazy if ``da`` is dask-backed.

    Raises
    ------
    UnitError
        Missing (and not assumed), unknown or non-convertible units; the message names the
        variable, the units found and the units expected.

    Examples
    --------
    >>> import xarray as xr
    >>> z = xr.DataArray([9.81], dims="x", attrs={"units": "m**2 s**-2"})
    >>> to_canonical(z, "z").attrs["units"]
    'm2 s-2'
    >>> to_canonical(xr.DataArray([1.0], dims="x"), "t2m", assume_units=True).attrs["units"]
    'K'
    """
    if name not in KNOWN_VARIABLES:
        raise UnitError(f"unknown variable {name!r}: no catalogue units to convert to; "
                        f"known: {sorted(KNOWN_VARIABLES)}")
    variable = KNOWN_VARIABLES[name]
    source = variable.units if assume_units and _units_of(da) is None else None
    converted = convert(da, variable.units, source_units=source, what=name)
    return converted.astype(np.float32).drop_attrs(deep=False).assign_attrs(variable.attrs)


def to_canonical_dataset(ds: xr.Dataset, names: Iterable[str], *,
                         assume_units: bool = False) -> xr.Dataset:
    """``ds`` with the variables ``names`` in catalogue units (see :func:`to_canonical`).

    Variables already in the catalogue's spelling of their units and in float32 are left
    untouched (no copy), so canonical data pass through for free; others are converted
    lazily.

    Raises
    ------
    UnitError
        A variable's units are missing (and not assumed), unknown or not convertible.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"pm10": ("x", np.array([20.0], "float32"), {"units": "ug m-3"})})
    >>> out = to_canonical_dataset(ds, ["pm10"])
    >>> out["pm10"].attrs["units"], round(float(out["pm10"][0]) * 1e9, 4)  # in ug m-3
    ('kg m-3', 20.0)
    """
    converted = {name: to_canonical(ds[name], name, assume_units=assume_units)
                 for name in names
                 if not (_units_of(ds[name]) == KNOWN_VARIABLES[name].units
                         and ds[name].dtype == np.float32)}
    return ds.assign(converted) if converted else ds
