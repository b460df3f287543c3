"""Tutorial data: a generated toy world, and registered sample files.

:func:`toy_world` builds a small synthetic atmosphere in which pollutants are carried by
the weather and driven by the sun: CAMS-like pollutants, ERA5-like met truth, FuXi-like met
forecasts (and :func:`ensemble_forecast`, a FuXi-like ensemble; :func:`preset_forecast`,
the forecasts as GraphCast, Pangu... write them) and static fields, all labelled like the
real products; :func:`save_sample_data` writes it as a user's downloads (raw ADS/CDS files,
FuXi-like forecasts, station observations). :func:`open_dataset`
fetches registered sample files (checked by sha256, cached under ``XAQF_DATA_DIR``).

Examples
--------
>>> import xaqf
>>> world = xaqf.tutorial.toy_world(resolution=10.0, days=1, spinup_days=0)
>>> sorted(world.cams.data_vars)[:3], world.statics["lsm"].dims
(['co', 'go3', 'gtco3'], ('latitude', 'longitude'))
"""

from xaqf.data.registry import fetch, make_registry, open_dataset
from xaqf.tutorial.downloads import RawDownloads, raw_downloads_world, save_raw_downloads
from xaqf.tutorial.ensemble import ensemble_forecast
from xaqf.tutorial.met_presets import preset_forecast, preset_met
from xaqf.tutorial.models import load_model
from xaqf.tutorial.sample_data import SampleData, save_sample_data
from xaqf.tutorial.simulation import Processes
from xaqf.tutorial.store import save_toy_world
from xaqf.tutorial.world import ToyWorld, toy_world

__all__ = [
    "Processes", "RawDownloads", "SampleData", "ToyWorld", "ensemble_forecast", "fetch",
    "load_model", "make_registry", "open_dataset", "preset_forecast", "preset_met",
    "raw_downloads_world", "save_raw_downloads", "save_sample_data", "save_toy_world",
    "toy_world",
]
