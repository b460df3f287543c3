"""A FuXi-like *ensemble* met forecast: members that scatter around a drifting centre.

A real ensemble is wrong in two ways: its centre (what a single good forecast would say)
drifts away from the truth, and its members scatter around that centre, both more and more
with lead time. Here each member's weather drifts first along the deterministic forecast's
direction (:func:`~xaqf.tutorial.forecast.model_drift`), by ``1/sqrt(2)`` of its size, then
along a direction of its own, by the same amount. The truth then lies in the cloud of
members like one more member (the errors of the centre and the members' deviations have
the same size), every member is as good as the deterministic forecast on average, and the
ensemble mean, which averages the members' own errors out, is closer to the truth than any
single member. At lead 0 every member is the truth; the spread grows with lead time.

Members are a deterministic function of the world's seed, the initial time and the member
number, and the forecast is dask-backed: one task per (initial time, member).

Examples
--------
>>> ens = ensemble_forecast(resolution=30.0, init_times=["2022-06-01"], members=3)
>>> ens["z"].dims
('init_time', 'member', 'lead_time', 'level', 'latitude', 'longitude')
>>> ens["member"].values.tolist(), ens["member"].attrs["standard_name"]
([0, 1, 2], 'realization')
>>> ens["z"].chunks is not None                     # lazy until computed
True
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np
import numpy.typing as npt
import xarray as xr

from xaqf.errors import InvalidValueError
from xaqf.tutorial.forecast import LEAD_TIMES, forecast_dataset, model_drift
from xaqf.tutorial.grid import make_grid
from xaqf.tutorial.simulation import Setup, make_setup
from xaqf.tutorial.weather import Weather

SHARE = 2 ** -0.5
"""Share of the deterministic forecast's drift taken by the centre and by each member."""
MEMBER_ATTRS = {"standard_name": "realization", "long_name": "ensemble member number",
                "units": "1"}
"""CF attributes of the ``member`` coordinate."""


def member_drift(member: int, setup: Setup, init_time: np.datetime64,
                 fraction: float) -> Weather:
    """Member ``member``'s weather: the centre's drift, then a drift of its own."""
    centre = model_drift(setup, init_time, SHARE * fraction)
    hour = int(init_time.astype("datetime64[s]").astype(np.int64) // 3600)
    return centre.perturbed([setup.seed, hour, 1 + member], SHARE * fraction)


def ensemble_dataset(setup: Setup, init_times: npt.ArrayLike, members: int = 10,
                     lead_times=LEAD_TIMES) -> xr.Dataset:
    """Dask-backed ensemble ``(init_time, member, lead_time, [level,] latitude, longitude)``.

    Parameters
    ----------
    setup
        The toy world's setup (:func:`~xaqf.tutorial.simulation.make_setup`).
    init_times
        Initial times.
    members
        Ensemble size; members are numbered from 0.
    lead_times
        Lead times (default 0-120 h every 12 h).

    Returns
    -------
    xarray.Dataset
        The met variables, with a ``valid_time`` coordinate and an integer ``member``
        coordinate (CF ``standard_name: realization``).
    """
    if members < 1:
        raise InvalidValueError(f"members={members}: an ensemble needs at least 1 member")
    forecasts = [forecast_dataset(setup, init_times, lead_times, partial(member_drift, k))
                 for k in range(members)]
    member = xr.DataArray(np.arange(members), dims="member", attrs=MEMBER_ATTRS)
    ensemble = xr.concat(forecasts, member, coords="minimal", compat="override",
                         combine_attrs="override")
    ensemble = ensemble.transpose("init_time", "member", "lead_time", ...)
    ensemble["member"].attrs = MEMBER_ATTRS
    return ensemble.assign_attrs(
        source=f"xaqf toy world, FuXi-like ensemble forecast ({members} members)")


def ensemble_forecast(resolution: float = 4.0, init_times: Sequence | npt.ArrayLike = (),
                      members: int = 10, seed: int = 0, lead_times=LEAD_TIMES) -> xr.Dataset:
    """The ensemble forecast of the toy world ``toy_world(resolution, seed=seed)``.

    The met forecast does not depend on the pollutant simulation, so the ensemble of any
    world is built from its grid and seed alone; initial times may lie anywhere.

    Parameters
    ----------
    resolution, seed
        As for :func:`~xaqf.tutorial.toy_world`.
    init_times
        Initial times, e.g. ``world.fuxi.init_time.values``.
    members
        Ensemble size.
    lead_times
        Lead times (default 0-120 h every 12 h).

    Returns
    -------
    xarray.Dataset
        As :func:`ensemble_dataset`: lazy, ``(init_time, member, lead_time, ...)``.

    Examples
    --------
    >>> import pandas as pd
    >>> leads = pd.to_timedelta(["0h", "12h"]).values
    >>> ens = ensemble_forecast(30.0, ["2022-06-01"], members=2, lead_times=leads)
    >>> ens.sizes["member"], ens.sizes["lead_time"]
    (2, 2)
    """
    setup = make_setup(make_grid(resolution), seed)
    return ensemble_dataset(setup, init_times, members, lead_times)
