"""``toy_world``: a small synthetic atmosphere with CAMS-, ERA5- and FuXi-like data.

Examples
--------
>>> world = toy_world(resolution=10.0, days=2, spinup_days=0)
>>> world.cams["co"].sizes
Frozen({'time': 4, 'level': 13, 'latitude': 19, 'longitude': 36})
>>> world.cams["co"].attrs["units"], world.era5["z"].attrs["units"]
('kg kg-1', 'm2 s-2')
>>> world.fuxi.sizes["init_time"], world.fuxi.sizes["lead_time"]    # no 120 h of future
(0, 11)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from xaqf.tutorial.composition import TRACERS
from xaqf.tutorial.diagnostics import pollutant_fields
from xaqf.tutorial.forecast import HORIZON, forecast_dataset
from xaqf.tutorial.grid import make_grid
from xaqf.tutorial.labels import COORD_ATTRS, dataset
from xaqf.tutorial.meteorology import met_fields
from xaqf.tutorial.simulation import Processes, Setup, make_setup, run
from xaqf.tutorial.solar import daylight
from xaqf.variables import MET_VARIABLES, POLLUTANT_VARIABLES

OUTPUT_STEP = np.timedelta64(12, "h")
"""Time step of the output (CAMS-like and ERA5-like) data."""


@dataclass(frozen=True)
class ToyWorld:
    """The data of a toy world, all in xaqf's canonical layout.

    Attributes
    ----------
    cams
        Pollutants (13 variables), ``(time, [level,] latitude, longitude)``, 12-hourly.
    era5
        Met truth (10 variables) at the same times.
    fuxi
        Dask-backed met forecasts ``(init_time, lead_time, [level,] latitude, longitude)``
        with a ``valid_time`` coordinate; lead times 0-120 h every 12 h.
    statics
        ``orography`` (surface geopotential, m2 s-2) and ``lsm`` (0/1).
    emissions
        Time-mean emission inventory (kg m-2 s-1) and the dust-source map.
    """

    cams: xr.Dataset
    era5: xr.Dataset
    fuxi: xr.Dataset
    statics: xr.Dataset
    emissions: xr.Dataset


def output_times(start: str | np.datetime64, days: float) -> np.ndarray:
    """The 12-hourly output times: ``2 * days`` of them from ``start``."""
    return pd.date_range(pd.Timestamp(start), periods=int(round(2 * days)), freq="12h").values


def frames(setup: Setup, times: Sequence[np.datetime64] | np.ndarray,
           spinup: np.timedelta64
           ) -> Iterator[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]:
    """Yield ``(pollutants, met)`` numpy fields at each of ``times``, integrating as it goes."""
    times = [t.astype("datetime64[s]") for t in times]
    if not times:
        return
    grid = setup.grid
    for time, state in run(setup, times[0] - spinup, times):
        met = met_fields(setup.weather, grid, time, setup.levels, setup.lsm, setup.orography)
        sun = daylight(time, grid.latitude[:, None], grid.longitude[None, :])
        yield pollutant_fields(state, setup.levels, setup.thickness, met["t"], met["t2m"],
                               setup.surface_pressure, sun, setup.lsm), met


def statics_dataset(setup: Setup) -> xr.Dataset:
    """``orography`` and ``lsm`` on the world's grid."""
    return dataset({"orography": setup.orography, "lsm": setup.lsm}, setup.grid, {}
                   ).drop_vars("level")


EMITTED = {"co": "carbon monoxide", "nox": "nitrogen oxides (as NO2)",
           "so2": "sulphur dioxide", "fine": "fine aerosol"}
"""Tracers of the emission inventory, with their long names."""


def emissions_dataset(setup: Setup) -> xr.Dataset:
    """Time-mean inventory (anthropogenic + mean fire + volcanic flux) and dust sources."""
    total = setup.maps["anthropogenic"] + setup.maps["fire"] + setup.maps["volcano"]
    dims = ("latitude", "longitude")
    data = {
        f"emi_{name}": (dims, total[TRACERS.index(name)],
                        {"units": "kg m-2 s-1", "long_name": f"Emission flux of {label}"})
        for name, label in EMITTED.items()
    }
    data["dust_source"] = (dims, setup.maps["desert"][TRACERS.index("dust")],
                           {"units": "1", "long_name": "Dust source fraction"})
    coords = {name: (name, getattr(setup.grid, name).copy(), COORD_ATTRS[name])
              for name in dims}
    return xr.Dataset(data, coords=coords)


def toy_world(resolution: float = 4.0, start: str | np.datetime64 = "2022-06-01",
              days: float = 20, seed: int = 0, *, step: str = "3h", spinup_days: float = 5,
              init_times: Sequence | None = None, processes: Processes | None = None
              ) -> ToyWorld:
    """Generate a toy world: pollutants carried by the weather and driven by the sun.

    Parameters
    ----------
    resolution
        Grid spacing (degrees) of a global regular grid; must divide 180 (e.g. 4.0 gives
        46 x 90, 0.4 gives 451 x 900).
    start
        First output time.
    days
        Length of the output period: ``2 * days`` 12-hourly times.
    seed
        Seed of the weather, the initial state and the forecast errors: the world is a
        deterministic function of its arguments.
    step
        Physics time step (must divide 12 h).
    spinup_days
        Days integrated before ``start`` so that plumes are already in place.
    init_times
        Initial times of the FuXi-like forecasts; default: every output time with 120 h
        of output after it.
    processes
        Switches of the physical processes (:class:`~xaqf.tutorial.simulation.Processes`).

    Returns
    -------
    ToyWorld
        ``cams``, ``era5``, ``fuxi`` (lazy), ``statics`` and ``emissions``.
    """
    physics_step = pd.Timedelta(step).to_timedelta64()
    setup = make_setup(make_grid(resolution), seed, step=physics_step, processes=processes)
    times = output_times(start, days)
    spinup = pd.Timedelta(days=spinup_days).round(pd.Timedelta(physics_step)).to_timedelta64()
    pollutants: dict[str, list[np.ndarray]] = {name: [] for name in POLLUTANT_VARIABLES}
    met: dict[str, list[np.ndarray]] = {name: [] for name in MET_VARIABLES}
    for chem, weather in frames(setup, times, spinup):
        for name in POLLUTANT_VARIABLES:
            pollutants[name].append(chem[name])
        for name in MET_VARIABLES:
            met[name].append(weather[name])
    leading = {"time": ("time", np.asarray(times, "datetime64[ns]"))}
    attrs = {"source": f"xaqf toy world (resolution {resolution} deg, seed {seed})"}
    cams = dataset({k: np.stack(v) for k, v in pollutants.items()}, setup.grid, leading, attrs)
    era5 = dataset({k: np.stack(v) for k, v in met.items()}, setup.grid, leading, attrs)
    if init_times is None:
        init_times = [t for t in times if t + HORIZON <= times[-1]] if len(times) else []
    return ToyWorld(cams=cams, era5=era5, fuxi=forecast_dataset(setup, init_times),
                    statics=statics_dataset(setup), emissions=emissions_dataset(setup))
