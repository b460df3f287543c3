"""The toy world's weather forecasts as other weather models write them.

The toy world's forecast (``world.fuxi``) is FuXi-like: the paper's ten met variables at
12 h leads. :func:`preset_forecast` gives the same forecasts in another weather model's
configuration (:data:`xaqf.data.presets.PRESETS`), in the layout earth2studio's IO
backends write: one array per lexicon name (``z500``, ``q850``, ``t2m``, ``u10m``,
``tp06``...) over ``(time, lead_time, lat, lon)``, every 6 h, no units. GraphCast-like
met has specific humidity instead of relative humidity (derived from the toy's as
:func:`xaqf.data.derived.specific_humidity` does) and 6-hourly ``tp06``; Pangu-like met has
``q`` and no precipitation. Variables the toy world does not simulate (GraphCast's ``w``,
SFNO's ``tcwv``...) are left out. Open the result with :func:`xaqf.data.io.standardize`
(kind ``"met"``) or write it and use :func:`xaqf.open_met`. :func:`preset_met` gives
the world's canonical met (``world.era5``, ``world.fuxi``) with a preset's variables, as
xaqf reads them (e.g. to train or adapt a model on a configuration).

Examples
--------
>>> import pandas as pd
>>> leads = pd.to_timedelta(["0h", "6h", "12h"]).values
>>> fc = preset_forecast(30.0, ["2022-06-01"], "graphcast", lead_times=leads)
>>> "q850" in fc and "r850" not in fc, "tp06" in fc, fc["q850"].dims
(True, True, ('time', 'lead_time', 'lat', 'lon'))
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from xaqf.data.derived import specific_humidity
from xaqf.data.lexicon import PRECIPITATION_6H, to_lexicon
from xaqf.data.presets import MetPreset, met_preset
from xaqf.errors import ConfigError
from xaqf.tutorial.forecast import forecast_dataset
from xaqf.tutorial.grid import make_grid
from xaqf.tutorial.simulation import Setup, make_setup

__all__ = ["PRESET_LEAD_TIMES", "TOY_PRESETS", "preset_dataset", "preset_forecast",
           "preset_met"]

TOY_PRESETS: tuple[str, ...] = ("fuxi", "graphcast", "pangu", "sfno", "aifs", "aurora")
"""Presets the toy world writes: those with 6-hourly (or no) precipitation amounts."""

PRESET_LEAD_TIMES = pd.timedelta_range("0h", "120h", freq="6h").values
"""Lead times of a preset forecast: 0 h to 120 h every 6 h, as the weather models step."""

SIMULATED = ("z", "t", "u", "v", "r", "q", "t2m", "u10", "v10", "msl", "tp")
"""The met variables the toy world simulates."""


def preset_dataset(setup: Setup, init_times: npt.ArrayLike, preset: str | MetPreset,
                   lead_times: npt.ArrayLike = PRESET_LEAD_TIMES) -> xr.Dataset:
    """The toy forecasts of ``setup`` from ``init_times`` as ``preset`` writes them (lazy).

    Raises
    ------
    ConfigError
        An unknown preset, or one the toy world does not write (:data:`TOY_PRESETS`).
    """
    chosen = met_preset(preset)
    if chosen.name not in TOY_PRESETS:
        raise ConfigError(f"the toy world writes the met presets {list(TOY_PRESETS)}, not "
                          f"{chosen.name!r} (its precipitation is {chosen.precipitation})")
    variables = [name for name in SIMULATED if name in chosen.variables]
    accumulation = np.timedelta64(6, "h")
    forecast = forecast_dataset(setup, init_times, np.asarray(lead_times, "timedelta64[ns]"),
                                variables=variables, accumulation=accumulation)
    out = to_lexicon(forecast)
    if PRECIPITATION_6H in chosen.surface:
        out = out.rename(tp=PRECIPITATION_6H)
    return out.assign_attrs(source=f"xaqf toy world, {chosen.earth2studio}-like forecast "
                                   f"(met preset {chosen.name!r}, earth2studio layout)")


def preset_forecast(resolution: float = 4.0, init_times: Sequence | npt.ArrayLike = (),
                    preset: str = "graphcast", seed: int = 0,
                    lead_times: npt.ArrayLike = PRESET_LEAD_TIMES) -> xr.Dataset:
    """The forecasts of the toy world ``toy_world(resolution, seed=seed)`` as the weather
    model ``preset`` writes them (the met forecast depends on the grid and seed alone).

    Parameters
    ----------
    resolution, seed
        As for :func:`~xaqf.tutorial.toy_world`.
    init_times
        Initial times, e.g. ``world.fuxi.init_time.values``.
    preset
        One of :data:`TOY_PRESETS`.
    lead_times
        Lead times (default 0-120 h every 6 h; 6-hourly precipitation needs every 6 h).

    Returns
    -------
    xarray.Dataset
        earth2studio's layout, dask-backed (see the module notes).
    """
    return preset_dataset(make_setup(make_grid(resolution), seed), init_times, preset,
                          lead_times)


def preset_met(met: xr.Dataset, preset: str | MetPreset) -> xr.Dataset:
    """The toy world's canonical ``met`` with the variables ``preset`` provides, as xaqf
    reads them: ``q`` derived from ``r`` (:func:`xaqf.data.derived.specific_humidity`)
    where the preset has ``q``, ``r`` and ``tp`` dropped where it has none; variables the
    toy world does not simulate are absent.

    Raises
    ------
    ConfigError
        Unknown preset (the closest names given).

    Examples
    --------
    >>> from xaqf.tutorial import toy_world
    >>> world = toy_world(resolution=30.0, days=1, spinup_days=0)
    >>> sorted(preset_met(world.era5, "pangu").data_vars)
    ['msl', 'q', 't', 't2m', 'u', 'u10', 'v', 'v10', 'z']
    """
    chosen = met_preset(preset)
    wanted = [name for name in SIMULATED if name in chosen.variables]
    if "q" in wanted and "q" not in met:
        met = met.assign(q=specific_humidity(met["r"], met["t"]))
    source = f"{met.attrs.get('source', 'xaqf toy world')}, as {chosen.earth2studio} provides"
    return met[wanted].assign_attrs(source=source)
