"""A FuXi-like met forecast: the truth seen through a slowly drifting weather model.

Each forecast starts from the exact truth and evaluates the analytic met with wave phases,
amplitudes and jets that drift away from the true ones in proportion to the lead time,
along directions drawn from the seed and the initial time. Errors are therefore smooth,
physically consistent across variables (winds, geopotential, temperature and rain move
together) and grow with lead time, as in a real weather forecast. Forecasts are
dask-backed: one task per initial time, computed on demand.

Examples
--------
>>> import numpy as np
>>> from xaqf.tutorial.simulation import make_setup
>>> from xaqf.tutorial.grid import make_grid
>>> setup = make_setup(make_grid(30.0))
>>> fc = forecast_dataset(setup, np.array(["2022-06-01"], "datetime64[ns]"))
>>> fc["u"].dims
('init_time', 'lead_time', 'level', 'latitude', 'longitude')
>>> fc["u"].chunks is not None                      # lazy until computed
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import dask
import dask.array as da
import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from xaqf.data.extra_met import KNOWN_VARIABLES
from xaqf.tutorial.labels import dataset
from xaqf.tutorial.meteorology import ACCUMULATION, met_fields, specific_humidity_of
from xaqf.tutorial.simulation import Setup
from xaqf.tutorial.weather import Weather
from xaqf.variables import MET_VARIABLES

LEAD_TIMES = pd.timedelta_range("0h", "120h", freq="12h").values
"""Lead times of a forecast: 0 h to 120 h every 12 h."""
HORIZON = np.timedelta64(120, "h")
"""Lead time at which the drift reaches its full size."""


Drift = Callable[[Setup, np.datetime64, float], Weather]
"""The forecast model's weather from an initial time at a fraction of :data:`HORIZON`."""


def model_drift(setup: Setup, init_time: np.datetime64, fraction: float) -> Weather:
    """The deterministic forecast's weather: a drift fixed by the seed and ``init_time``."""
    hour = int(init_time.astype("datetime64[s]").astype(np.int64) // 3600)
    return setup.weather.perturbed([setup.seed, hour], fraction)


def forecast_fields(setup: Setup, init_time: np.datetime64, lead_times=LEAD_TIMES,
                    drift: Drift = model_drift, variables: Sequence[str] = MET_VARIABLES,
                    accumulation: np.timedelta64 = ACCUMULATION) -> dict[str, np.ndarray]:
    """The forecast from ``init_time``: met ``variables`` ``(nlead, [nlev,] nlat, nlon)``
    (the catalogue's, and ``q``), ``tp`` accumulated over ``accumulation``."""
    init_time = init_time.astype("datetime64[s]")
    frames = []
    for lead in lead_times:
        weather = drift(setup, init_time, float(lead / HORIZON))
        fields = met_fields(weather, setup.grid, init_time + lead, setup.levels, setup.lsm,
                            setup.orography, accumulation=accumulation)
        if "q" in variables:
            fields["q"] = specific_humidity_of(fields["r"], fields["t"], setup.levels)
        frames.append(fields)
    return {name: np.stack([frame[name] for frame in frames]) for name in variables}


def forecast_dataset(setup: Setup, init_times: npt.ArrayLike, lead_times=LEAD_TIMES,
                     drift: Drift = model_drift, variables: Sequence[str] = MET_VARIABLES,
                     accumulation: np.timedelta64 = ACCUMULATION) -> xr.Dataset:
    """Dask-backed forecasts ``(init_time, lead_time, [level,] latitude, longitude)``.

    ``variables`` and ``accumulation`` as for :func:`forecast_fields`. Computing the whole
    Dataset at once evaluates each initial time once; computing one variable at a time
    repeats the work for each variable.
    """
    init_times = np.asarray(init_times, "datetime64[ns]")
    lead_times = np.asarray(lead_times, "timedelta64[ns]")
    nlev, (nlat, nlon) = setup.levels.size, setup.grid.shape
    blocks = [dask.delayed(partial(forecast_fields, setup, init, lead_times, drift, variables,
                                   accumulation))()
              for init in init_times]
    arrays = {}
    for name in variables:
        shape = (1, lead_times.size, *((nlev,) if KNOWN_VARIABLES[name].on_levels else ()), nlat,
                 nlon)
        arrays[name] = da.concatenate(
            [da.from_delayed(block[name][None], shape, np.float32) for block in blocks]
        ) if blocks else da.zeros((0, *shape[1:]), np.float32, chunks=shape)
    leading = {"init_time": ("init_time", init_times), "lead_time": ("lead_time", lead_times)}
    ds = dataset(arrays, setup.grid, leading, {"source": "xaqf toy world, FuXi-like forecast"})
    return ds.assign_coords(valid_time=ds["init_time"] + ds["lead_time"])
