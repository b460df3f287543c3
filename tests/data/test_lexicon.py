"""earth2studio's layouts (per-variable arrays, a stack along ``variable``) read as met."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import xaqf
from tests.helpers import cams_and_met, micro_config
from xaqf.data.io import standardize
from xaqf.data.lexicon import from_lexicon, is_lexicon, lexicon_name, parse_name
from xaqf.errors import LayoutError, MissingLevelError
from xaqf.forecaster import Forecaster
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.variables import MET_VARIABLES, PRESSURE_LEVELS, VARIABLES

TIMES = pd.date_range("2022-06-01", periods=6, freq="12h")
LEADS = pd.to_timedelta(np.arange(4) * 12, "h")


def met_forecast(met: xr.Dataset, init: pd.Timestamp) -> xr.Dataset:
    """The canonical met as a forecast started at ``init``: ``(init_time, lead_time, ...)``."""
    forecast = met.sel(time=init + LEADS).assign_coords(time=LEADS.values)
    return forecast.rename(time="lead_time").expand_dims(init_time=[init])


def as_earth2studio(forecast: xr.Dataset) -> xr.Dataset:
    """The layout earth2studio's IO backends write: one array per lexicon name over
    ``(time, lead_time, lat, lon)``, latitude ascending, no attributes."""
    arrays = {}
    for name in MET_VARIABLES:
        da = forecast[name].drop_attrs()
        levels = PRESSURE_LEVELS if VARIABLES[name].on_levels else (None,)
        for level in levels:
            part = da if level is None else da.sel(level=level, drop=True)
            arrays[lexicon_name(name, level)] = part
    ds = xr.Dataset(arrays).drop_attrs().rename(init_time="time", latitude="lat",
                                                longitude="lon")
    return ds.isel(lat=slice(None, None, -1)).drop_vars("valid_time", errors="ignore")


def stacked(ds: xr.Dataset) -> xr.DataArray:
    """earth2studio's in-memory form: the arrays stacked along ``variable``."""
    return ds.to_dataarray("variable").transpose("time", "lead_time", "variable", "lat", "lon")


@pytest.fixture(scope="module")
def data() -> tuple[xr.Dataset, xr.Dataset]:
    return cams_and_met(TIMES, scale_pollutants=1e-9)


@pytest.fixture(scope="module")
def forecast(data) -> xr.Dataset:
    return met_forecast(data[1], TIMES[1])


def test_names_round_trip():
    for name in MET_VARIABLES:
        levels = PRESSURE_LEVELS if VARIABLES[name].on_levels else (None,)
        for level in levels:
            assert parse_name(lexicon_name(name, level)) == (name, level)
    assert parse_name("tp06") == ("tp", None) and parse_name("vpd500") is None
    assert parse_name("q500") == ("q", 500.0) and parse_name("u100m") == ("u100m", None)
    with pytest.raises(LayoutError, match="'go3'"):
        lexicon_name("go3", 500.0)


def test_detects_the_layouts(forecast):
    e2s = as_earth2studio(forecast)
    assert is_lexicon(e2s) and is_lexicon(stacked(e2s))
    assert not is_lexicon(forecast)


@pytest.mark.parametrize("suffix", [".zarr", ".nc"])
def test_per_variable_files_read_as_canonical_met(tmp_path, forecast, suffix):
    e2s = as_earth2studio(forecast)
    assert all("units" not in e2s[v].attrs for v in e2s.data_vars)
    path = tmp_path / f"fuxi{suffix}"
    e2s.to_zarr(path) if suffix == ".zarr" else e2s.to_netcdf(path)
    met = xaqf.open_met(path).load()
    assert sorted(met.data_vars) == sorted(MET_VARIABLES)
    assert met["u"].dims == ("init_time", "lead_time", "level", "latitude", "longitude")
    assert met["level"].values.tolist() == list(PRESSURE_LEVELS)
    assert {v: met[v].attrs["units"] for v in ("z", "r", "msl", "u10")} == {
        "z": "m2 s-2", "r": "%", "msl": "Pa", "u10": "m s-1"}
    xr.testing.assert_allclose(met["z"].drop_vars("valid_time"),
                               forecast["z"].drop_vars("valid_time", errors="ignore"))


def test_stacked_layout_equals_per_variable(forecast):
    e2s = as_earth2studio(forecast)
    xr.testing.assert_identical(standardize(stacked(e2s), "met"), standardize(e2s, "met"))
    one_variable = stacked(e2s).to_dataset(name="fields")
    xr.testing.assert_identical(standardize(one_variable, "met"), standardize(e2s, "met"))


def test_forecast_driven_by_earth2studio_met_equals_canonical(data, forecast):
    cams, met = data
    fc = Forecaster.from_config(micro_config(), compute_model_stats(cams, met), seed=0)
    canonical = fc.predict(cams, forecast, steps=3, progress=False)
    driven = fc.predict(cams, standardize(as_earth2studio(forecast), "met"), steps=3,
                        progress=False)
    xr.testing.assert_identical(driven, canonical.assign_attrs(driven.attrs))


def test_a_missing_level_is_named(forecast):
    e2s = as_earth2studio(forecast).drop_vars(["t500", "r850"])
    with pytest.raises(MissingLevelError, match=r"\['t500', 'r850'\]"):
        standardize(e2s, "met")


def test_explicit_units_are_converted(forecast):
    e2s = as_earth2studio(forecast)
    e2s["msl"] = (e2s["msl"] / 100).assign_attrs(units="hPa")
    met = standardize(e2s, "met")
    np.testing.assert_allclose(met["msl"].values,
                               forecast["msl"].transpose(*met["msl"].dims).values, rtol=1e-6)


def test_six_hour_precipitation_is_summed_to_twelve_hours():
    lead = pd.to_timedelta([0, 6, 12], "h")
    tp06 = xr.DataArray(np.array([1.0, 2.0, 4.0]), dims="lead_time",
                        coords={"lead_time": lead}, name="tp06")
    with pytest.warns(UserWarning, match="twice"):
        tp = from_lexicon(tp06.to_dataset())["tp"]
    assert tp.values.tolist() == [2.0, 3.0, 6.0] and tp.attrs["units"] == "m"
    with pytest.raises(LayoutError, match="not 6 h"):
        from_lexicon(tp06.isel(lead_time=[0, 2]).to_dataset())


def test_reading_stays_lazy(tmp_path, forecast, no_compute):
    path = tmp_path / "fuxi.zarr"
    as_earth2studio(forecast).to_zarr(path)
    lead = pd.to_timedelta([0, 6, 12], "h")
    tp06 = xr.DataArray(np.ones(3), dims="lead_time", coords={"lead_time": lead},
                        name="tp06").chunk(1)
    with no_compute(), pytest.warns(UserWarning, match="tp06"):
        met = xaqf.open_met(path)
        tp = from_lexicon(tp06.to_dataset())["tp"]
    assert all(met[v].chunks is not None for v in met.data_vars) and tp.chunks is not None


def test_unit_conversion_goes_lazily_through_pint_xarray(forecast, no_compute):
    e2s = as_earth2studio(forecast).chunk()
    e2s["msl"] = (e2s["msl"] / 100).assign_attrs(units="millibars")
    e2s["t2m"] = (e2s["t2m"] - 273.15).assign_attrs(units="degC")
    with no_compute():
        met = standardize(e2s, "met")
    assert met["msl"].chunks is not None and met["t2m"].attrs["units"] == "K"
    for name in ("msl", "t2m"):
        np.testing.assert_allclose(met[name].values,
                                   forecast[name].transpose(*met[name].dims).values, rtol=1e-5)
