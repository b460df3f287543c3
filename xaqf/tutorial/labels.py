"""Wrap the toy world's numpy arrays as canonical, catalogue-labelled xarray objects.

Examples
--------
>>> import numpy as np
>>> from xaqf.tutorial.grid import make_grid
>>> g = make_grid(30.0)
>>> ds = dataset({"t2m": np.zeros((1, 7, 12), np.float32)}, g, {"time": np.array(
...     ["2022-06-01"], "datetime64[ns]")})
>>> ds["t2m"].attrs["units"], ds["latitude"].attrs["units"]
('K', 'degrees_north')
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from xaqf.data.extra_met import KNOWN_VARIABLES
from xaqf.tutorial.grid import Grid
from xaqf.variables import PRESSURE_LEVELS

COORD_ATTRS = {
    "level": {"units": "hPa", "long_name": "pressure level", "positive": "down"},
    "latitude": {"units": "degrees_north", "standard_name": "latitude"},
    "longitude": {"units": "degrees_east", "standard_name": "longitude"},
}


def dataset(arrays: Mapping[str, object], grid: Grid,
            leading: Mapping[str, tuple[str, np.ndarray]],
            attrs: Mapping[str, str] | None = None) -> xr.Dataset:
    """A Dataset of catalogue variables with dims ``(*leading, [level,] lat, lon)``.

    ``arrays`` (numpy or dask) are named by catalogue short names (or those of
    :data:`xaqf.data.extra_met.EXTRA_MET`); ``leading`` maps the
    leading dimension names (e.g. ``time`` or ``init_time, lead_time``) to coordinates.
    """
    coords = {
        **leading,
        "level": ("level", np.asarray(PRESSURE_LEVELS, float), COORD_ATTRS["level"]),
        "latitude": ("latitude", grid.latitude.copy(), COORD_ATTRS["latitude"]),
        "longitude": ("longitude", grid.longitude.copy(), COORD_ATTRS["longitude"]),
    }
    data_vars = {}
    for name, values in arrays.items():
        variable = KNOWN_VARIABLES[name]
        dims = (*leading, *(("level",) if variable.on_levels else ()), "latitude", "longitude")
        data_vars[name] = (dims, values, variable.attrs)
    return xr.Dataset(data_vars, coords=coords, attrs=dict(attrs or {}))
