"""Ingestion: real-looking layouts -> canonical layout, refusals, opening files, laziness."""

from __future__ import annotations

import dask.array as dsa
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import xaqf
from tests.helpers import canonical_dataset
from xaqf.data import io
from xaqf.errors import LayoutError, MissingDependencyError, MissingVariableError, UnitError
from xaqf.variables import MET_VARIABLES, POLLUTANT_VARIABLES, VARIABLES

ECMWF_SPELLING = {"kg kg-1": "kg kg**-1", "kg m-2": "kg m**-2", "kg m-3": "kg m**-3",
                  "m2 s-2": "m**2 s**-2", "m s-1": "m s**-1"}
TIMES = pd.date_range("2022-06-01", periods=3, freq="12h")
LEVELS = (500.0, 850.0, 1000.0)


def _real_looking(ds: xr.Dataset, time="valid_time", level="pressure_level",
                  level_units="hPa", lat="latitude", lon="longitude") -> xr.Dataset:
    """What a download looks like: float64, ascending latitude, longitude in -180..180,
    ECMWF unit spellings, PM in µg m-3, descending levels, bookkeeping scalars."""
    raw = ds.astype(np.float64)
    for name, da in raw.data_vars.items():
        units = ECMWF_SPELLING.get(da.attrs["units"], da.attrs["units"])
        scale = 1e9 if units == "kg m**-3" else 1.0
        raw[name] = (da * scale).assign_attrs(units="µg m-3" if scale != 1 else units,
                                              long_name="as downloaded")
    raw = raw.isel(latitude=slice(None, None, -1), level=slice(None, None, -1))
    raw = raw.assign_coords(longitude=((raw.longitude + 180) % 360) - 180).sortby("longitude")
    factor = {"hPa": 1.0, "Pa": 100.0}[level_units]
    raw = raw.assign_coords(level=("level", raw.level.values * factor, {"units": level_units}))
    raw = raw.assign_coords(number=0, expver="0001", surface=0.0)
    return raw.rename(time=time, level=level, latitude=lat, longitude=lon)


@pytest.fixture
def small_cams():
    return canonical_dataset(POLLUTANT_VARIABLES, TIMES, levels=LEVELS, seed=3)


@pytest.fixture
def small_met():
    return canonical_dataset(MET_VARIABLES, TIMES, levels=LEVELS, seed=4, positive=False)


def _assert_canonical(out: xr.Dataset, expected: xr.Dataset) -> None:
    assert set(out.data_vars) == set(expected.data_vars)
    for name in expected.data_vars:
        assert out[name].dims == expected[name].dims, name
        assert out[name].dtype == np.float32, name
        assert out[name].attrs == VARIABLES[name].attrs, name
        np.testing.assert_allclose(out[name].values, expected[name].values, rtol=2e-6)
    for coord in ("latitude", "longitude", "level"):
        assert out[coord].dtype == np.float64
        np.testing.assert_array_equal(out[coord].values, expected[coord].values)
    assert out["level"].attrs["units"] == "hPa"
    assert out["latitude"].attrs["axis"] == "Y" and out["longitude"].attrs["axis"] == "X"
    assert out["time"].dtype == np.dtype("datetime64[ns]")
    assert not {"number", "expver", "surface"} & set(out.coords)


def test_cams_download_layout_becomes_canonical(small_cams):
    _assert_canonical(io.standardize(_real_looking(small_cams), "cams"), small_cams)


def test_met_with_plev_in_pa_and_lat_lon_names(small_met):
    raw = _real_looking(small_met, time="time", level="plev", level_units="Pa", lat="lat",
                        lon="lon")
    _assert_canonical(io.standardize(raw, "met"), small_met)


def test_isobaricinhpa_without_units_is_hpa(small_met):
    raw = _real_looking(small_met, level="isobaricInhPa")
    del raw["isobaricInhPa"].attrs["units"]
    assert io.standardize(raw, "met")["level"].values.tolist() == list(LEVELS)


def test_accessor_delegates(small_cams):
    raw = _real_looking(small_cams)
    xr.testing.assert_identical(raw.aqf.standardize("cams"), io.standardize(raw, "cams"))


def test_only_catalogued_variables_of_the_kind_are_kept(small_cams, small_met):
    mixed = _real_looking(small_cams)[["pm10", "go3"]].assign(
        t2m=_real_looking(small_met)["t2m"])
    assert set(io.standardize(mixed, "cams").data_vars) == {"pm10", "go3"}
    assert set(io.standardize(mixed, "met").data_vars) == {"t2m"}


def test_canonical_input_is_unchanged(cams):
    xr.testing.assert_allclose(io.standardize(cams, "cams"), cams)


def test_input_is_not_modified(small_cams):
    raw = _real_looking(small_cams)
    before = raw.copy(deep=True)
    io.standardize(raw, "cams")
    xr.testing.assert_identical(raw, before)


def test_duplicate_and_unsorted_longitudes():
    lon = np.array([-180.0, -90.0, 0.0, 90.0, 180.0])
    raw = xr.Dataset({"tcco": (("time", "latitude", "longitude"), np.arange(5.0)[None, None],
                               {"units": "kg m**-2"})},
                     coords={"time": TIMES[:1], "latitude": [0.0], "longitude": lon})
    out = io.standardize(raw, "cams")
    assert out.longitude.values.tolist() == [0.0, 90.0, 180.0, 270.0]
    assert out["tcco"].values.ravel().tolist() == [2.0, 3.0, 0.0, 1.0]


def test_non_monotonic_latitude_is_sorted_descending():
    raw = xr.Dataset({"tcco": (("time", "latitude", "longitude"),
                               np.array([0.0, 10.0, -10.0])[None, :, None], {"units": "kg m-2"})},
                     coords={"time": TIMES[:1], "latitude": [0.0, 10.0, -10.0],
                             "longitude": [0.0]})
    out = io.standardize(raw, "cams")
    assert out.latitude.values.tolist() == [10.0, 0.0, -10.0]
    assert out["tcco"].values.ravel().tolist() == [10.0, 0.0, -10.0]


def test_float32_coordinates_lose_their_artefacts():
    lon = (np.arange(900) * 0.4).astype(np.float32)
    raw = xr.Dataset({"tcco": (("latitude", "longitude"), np.ones((1, 900)), {"units": "kg m-2"})},
                     coords={"latitude": np.float32([0.0]), "longitude": lon, "time": TIMES[0]})
    out = io.standardize(raw, "cams")
    np.testing.assert_array_equal(out.longitude.values, np.round(np.arange(900) * 0.4, 4))
    assert out["tcco"].dims == ("time", "latitude", "longitude")


def _forecast(lead_name="step", init_name="time", lead_values=None):
    lead = lead_values if lead_values is not None else pd.to_timedelta([0, 12, 24], unit="h")
    init = pd.date_range("2022-06-01", periods=2, freq="12h")
    data = np.ones((2, 3, 2, 4))
    ds = xr.Dataset({"t2m": ((init_name, lead_name, "latitude", "longitude"), data,
                             {"units": "K"})},
                    coords={init_name: init, lead_name: lead, "latitude": [45.0, -45.0],
                            "longitude": [0.0, 90.0, 180.0, 270.0], "number": 0})
    return ds.assign_coords(valid_time=ds[init_name] + ds[lead_name]) if np.issubdtype(
        ds[lead_name].dtype, np.timedelta64) else ds


def test_forecast_time_and_step_become_init_and_lead_time():
    out = io.standardize(_forecast(), "met")
    assert out["t2m"].dims == ("init_time", "lead_time", "latitude", "longitude")
    assert out.lead_time.dtype == np.dtype("timedelta64[ns]")
    assert out.valid_time.dims == ("init_time", "lead_time")
    assert out.valid_time.values[1, 2] == np.datetime64("2022-06-02T12:00", "ns")


def test_standardize_is_idempotent_on_forecasts():
    once = io.standardize(_forecast(), "met")
    xr.testing.assert_identical(io.standardize(once, "met"), once)


def test_forecast_period_in_hours_becomes_timedelta():
    raw = _forecast("forecast_period", "forecast_reference_time", lead_values=[0, 12, 24])
    raw["forecast_period"].attrs["units"] = "hours"
    out = io.standardize(raw, "met")
    assert out.lead_time.values.tolist() == pd.to_timedelta([0, 12, 24], unit="h").tolist()


def test_cfgrib_style_reference_time_with_valid_time_along_it():
    raw = _forecast().isel(step=1)  # scalar step = 12 h, valid_time along time
    out = io.standardize(raw, "met")
    expected = pd.date_range("2022-06-01T12", periods=2, freq="12h")
    np.testing.assert_array_equal(out.time.values, expected.values)
    assert "step" not in out.coords and "init_time" not in out.dims


def test_scalar_time_is_expanded():
    raw = _forecast().isel(time=0, step=0).drop_vars("valid_time")
    assert io.standardize(raw, "met")["t2m"].dims == ("time", "latitude", "longitude")


def test_size_one_extra_dims_are_dropped_longer_ones_refused(small_met):
    raw = _real_looking(small_met)[["t2m"]].drop_vars("number")
    out = io.standardize(raw.expand_dims(band=[0]), "met")
    assert out["t2m"].dims == ("time", "latitude", "longitude")
    with pytest.raises(LayoutError, match=r"'t2m' has dimensions \{'band': 3\}.*isel"):
        io.standardize(raw.expand_dims(band=[0, 1, 2]), "met")


def test_statics_from_era5_invariants():
    raw = xr.Dataset({"z": (("valid_time", "latitude", "longitude"), np.ones((1, 2, 2)),
                            {"units": "m**2 s**-2"}),
                      "lsm": (("valid_time", "latitude", "longitude"), np.ones((1, 2, 2)),
                              {"units": "(0 - 1)"})},
                     coords={"valid_time": TIMES[:1], "latitude": [-1.0, 1.0],
                             "longitude": [0.0, 1.0]})
    out = io.standardize(raw, "static")
    assert set(out.data_vars) == {"orography", "lsm"}
    assert out["orography"].dims == ("latitude", "longitude") and "time" not in out.coords
    assert out["orography"].attrs["standard_name"] == "surface_geopotential"


def test_model_levels_are_refused():
    raw = xr.Dataset({"go3": (("time", "level", "latitude", "longitude"), np.ones((1, 60, 1, 1)),
                              {"units": "kg kg**-1"})},
                     coords={"time": TIMES[:1], "level": np.arange(1, 61, dtype="int32"),
                             "latitude": [0.0], "longitude": [0.0]})
    with pytest.raises(LayoutError, match=r"'level' holds 60 model levels.*pressure-level"):
        io.standardize(raw, "cams")


def test_level_without_units_is_refused_with_the_fix(small_met):
    raw = _real_looking(small_met, level="level")
    del raw["level"].attrs["units"]
    raw = raw.assign_coords(level=raw.level * 100)  # 50000..100000: not model levels
    with pytest.raises(LayoutError, match=r"no pressure units.*attrs\['units'\] = 'hPa'"):
        io.standardize(raw, "met")


def test_monthly_climatology_has_no_time_axis(small_met):
    raw = small_met[["u"]].isel(time=slice(0, 2)).rename(time="month")
    raw = raw.assign_coords(month=[1, 7])
    with pytest.raises(LayoutError, match=r"no time axis: dimension 'month'"):
        io.standardize(raw, "met")


def test_no_time_at_all_is_refused(small_met):
    with pytest.raises(LayoutError, match="no time axis"):
        io.standardize(small_met[["t2m"]].isel(time=0, drop=True), "met")


def test_station_data_are_refused():
    raw = xr.Dataset({"pm2p5": (("station_id", "time"), np.ones((2, 3)), {"units": "ug m-3"})},
                     coords={"station_id": [1, 2], "time": TIMES,
                             "y": ("station_id", [40.0, 41.0], {"units": "degrees_north"}),
                             "x": ("station_id", [-3.0, -4.0], {"units": "degrees_east"})})
    with pytest.raises(LayoutError, match="latitude/longitude grids"):
        io.standardize(raw, "cams")


def test_points_without_station_dims_are_refused():
    raw = xr.Dataset({"pm2p5": (("point", "time"), np.ones((2, 3)), {"units": "ug m-3"})},
                     coords={"time": TIMES,
                             "latitude": ("point", [40.0, 41.0], {"units": "degrees_north"}),
                             "longitude": ("point", [-3.0, -4.0], {"units": "degrees_east"})})
    with pytest.raises(LayoutError, match=r"points along 'point'.*lat/lon grids"):
        io.standardize(raw, "cams")


def test_no_catalogued_variable_lists_what_was_found(small_met):
    with pytest.raises(MissingVariableError, match=r"the data has \['t', 'u'\]"):
        io.standardize(small_met[["u", "t"]], "cams")


def test_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        io.standardize(xr.Dataset(), "emissions")


def test_missing_units_policy(small_cams):
    raw = small_cams[["pm10"]]
    raw["pm10"].attrs = {}
    with pytest.raises(UnitError, match="'pm10' has no 'units' attribute"):
        io.standardize(raw, "cams")
    assert io.standardize(raw, "cams", assume_units=True)["pm10"].attrs["units"] == "kg m-3"


def test_level_variable_without_levels_is_refused(small_met):
    raw = small_met[["t"]].isel(level=0, drop=True)
    with pytest.raises(LayoutError, match="'t' must be on pressure levels"):
        io.standardize(raw, "met")


def test_standardize_is_lazy(small_cams, no_compute):
    raw = _real_looking(small_cams).chunk({"valid_time": 1})
    with no_compute():
        out = io.standardize(raw, "cams")
    assert all(isinstance(out[name].data, dsa.Array) for name in out.data_vars)
    _assert_canonical(out.compute(), small_cams)


def test_open_cams_many_netcdf_files_by_glob_and_list(tmp_path, small_cams):
    raw = _real_looking(small_cams)
    for i in range(len(TIMES)):
        raw.isel(valid_time=[i]).to_netcdf(tmp_path / f"cams_{i}.nc")
    by_glob = io.open_cams(str(tmp_path / "cams_*.nc"))
    by_list = xaqf.open_cams(sorted(tmp_path.glob("cams_*.nc")))
    assert isinstance(by_glob["go3"].data, dsa.Array)
    _assert_canonical(by_glob.compute(), small_cams)
    xr.testing.assert_identical(by_glob.compute(), by_list.compute())


def test_open_met_zarr(tmp_path, small_met):
    path = tmp_path / "era5.zarr"
    _real_looking(small_met).to_zarr(path, zarr_format=2, consolidated=True)
    _assert_canonical(io.open_met(path).compute(), small_met)


def test_open_static_netcdf(tmp_path):
    raw = xr.Dataset({"lsm": (("latitude", "longitude"), np.ones((2, 2)), {"units": "~"})},
                     coords={"latitude": [1.0, -1.0], "longitude": [0.0, 1.0]})
    raw.to_netcdf(tmp_path / "lsm.nc")
    assert io.open_static(tmp_path / "lsm.nc")["lsm"].attrs["units"] == "1"


def test_grib_without_cfgrib_names_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "cams.grib"
    path.write_bytes(b"GRIB")
    monkeypatch.setattr(io.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingDependencyError, match=r"xaqf\[grib\]"):
        io.open_cams(path)


def test_missing_files_and_mixed_formats(tmp_path, small_met):
    with pytest.raises(FileNotFoundError, match="nothing_here"):
        io.open_met(str(tmp_path / "nothing_here_*.nc"))
    small_met.to_netcdf(tmp_path / "a.nc")
    small_met.to_zarr(tmp_path / "b.zarr", zarr_format=2)
    with pytest.raises(LayoutError, match="mixed file formats"):
        io.open_met([tmp_path / "a.nc", tmp_path / "b.zarr"])


def test_met_outside_the_default_set_is_kept():
    """q, w, 2 m dewpoint... are kept (in catalogue units) for presets to derive from."""
    dims = ("time", "pressure_level", "latitude", "longitude")
    raw = xr.Dataset(
        {"q": (dims, np.full((1, 2, 2, 2), 5.0), {"units": "g kg**-1"}),
         "t": (dims, np.full((1, 2, 2, 2), 280.0), {"units": "K"}),
         "2d": (("time", "latitude", "longitude"), np.full((1, 2, 2), 270.0), {"units": "K"}),
         "skt": (("time", "latitude", "longitude"), np.full((1, 2, 2), 270.0), {"units": "K"})},
        coords={"time": pd.to_datetime(["2022-06-01"]),
                "pressure_level": ("pressure_level", [500.0, 850.0], {"units": "hPa"}),
                "latitude": [10.0, 0.0], "longitude": [0.0, 10.0]})
    ds = io.standardize(raw, "met")
    assert sorted(ds.data_vars) == ["d2m", "q", "t"]
    assert ds["q"].attrs["units"] == "kg kg-1" and float(ds["q"].max()) == pytest.approx(5e-3)
    assert ds["q"].dims == ("time", "level", "latitude", "longitude")
