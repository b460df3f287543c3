"""Type aliases shared across xaqf.

Examples
--------
>>> import xarray as xr
>>> def first(obj: XarrayObj) -> XarrayObj:
...     return obj.isel(x=0)
>>> int(first(xr.DataArray([3, 4], dims="x")))
3
"""

from __future__ import annotations

from typing import TypeVar

import xarray as xr

XarrayObj = TypeVar("XarrayObj", xr.Dataset, xr.DataArray)
"""A Dataset or a DataArray; a function typed ``(XarrayObj) -> XarrayObj`` returns the
kind it was given."""
