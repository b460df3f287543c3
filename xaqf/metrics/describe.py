"""Attributes of a finished score: its long name and units, derived from the variable's.

Examples
--------
>>> import xarray as xr
>>> score = xr.Dataset({"pm10": ((), 2.0)})
>>> source = xr.Dataset({"pm10": ((), 0.0, {"units": "kg m-3"})})
>>> describe_score(score, source, "MSE", squared_units).pm10.attrs["units"]
'(kg m-3)**2'
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import xarray as xr

from xaqf._utils.types import XarrayObj
from xaqf.variables import VARIABLES


def describe_score(result: XarrayObj, source: XarrayObj, score: str,
                   units: Callable[[str], str]) -> XarrayObj:
    """``result`` with each variable's ``long_name`` (``"{score} of {variable}"``) and
    ``units`` (``units`` of the variable's units), from the variables of ``source``."""
    def attrs(name: Hashable, da: xr.DataArray) -> dict[str, str]:
        variable = VARIABLES.get(str(name))
        long_name = da.attrs.get("long_name") or (variable.long_name if variable else name)
        source_units = da.attrs.get("units") or (variable.units if variable else "")
        return {"long_name": f"{score} of {long_name}", "units": units(source_units)}

    if isinstance(result, xr.Dataset):
        for name in result.data_vars:
            result[name].attrs = attrs(name, source[name])
    else:
        result.attrs = attrs(source.name, source)
    return result


def same_units(units: str) -> str:
    """The units of a score in the variable's units (bias, RMSE)."""
    return units


def squared_units(units: str) -> str:
    """The units of a score in the variable's units squared (MSE)."""
    return f"({units})**2" if units else ""


def dimensionless(units: str) -> str:
    """The units of a dimensionless score (ACC, ratios): ``"1"``."""
    return "1"
