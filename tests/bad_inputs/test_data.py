"""Bad inputs on the data side: each kind ends in an xaqf error (or warning) naming the culprit.

One test id per kind, across ingestion (``xaqf.data.io``), values (``xaqf.data.validation``), the
accessor's provenance (``xaqf.preprocessing.normalization``, ``xaqf.preprocessing.transform``) and
the metrics.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import xaqf
from tests.helpers import canonical_dataset
from xaqf import metrics
from xaqf.data.io import standardize
from xaqf.data.validation import check_dataset
from xaqf.errors import (
    ConfigError,
    DataWarning,
    FileError,
    GridMismatchError,
    InvalidValueError,
    LayoutError,
    MissingLevelError,
    MissingTimeError,
    MissingVariableError,
    UnitError,
)

TIMES = pd.date_range("2022-06-01", periods=4, freq="12h")
PHYSICAL = {"t2m": 288.0, "t": 250.0, "msl": 101325.0, "z": 5.0e4, "r": 60.0, "u10": 3.0,
            "tp": 1e-3, "pm10": 2e-8, "pm2p5": 1e-8, "go3": 5e-8, "tcco": 1e-3}


def physical(names, times=TIMES, nlat=5, nlon=8) -> xr.Dataset:
    """A small canonical Dataset whose values are physically plausible."""
    ds = canonical_dataset(names, times, nlat=nlat, nlon=nlon, levels=(500.0, 850.0))
    return ds.map(lambda da: ((da - da.mean()) / da.std() * 0.01 * PHYSICAL[da.name]
                               + PHYSICAL[da.name]).astype("float32").assign_attrs(da.attrs))


def raw_cams(times=TIMES) -> xr.Dataset:
    """CAMS-like raw file content: pm10 in kg m**-3, valid_time, ascending latitude."""
    values = np.full((len(times), 3, 4), 2e-8)
    return xr.Dataset({"pm10": (("valid_time", "latitude", "longitude"), values,
                                {"units": "kg m**-3"})},
                      coords={"valid_time": times, "latitude": [-10.0, 0.0, 10.0],
                              "longitude": [0.0, 90.0, 180.0, 270.0]})


def forecast_of(truth: xr.Dataset, leads=("12h", "24h")) -> xr.Dataset:
    return metrics.persistence_forecast(truth, truth.time.values[:2], list(leads))


# ---------------------------------------------------------------- ingestion (xaqf.data.io)

def test_glob_matching_no_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"cams_\*\.nc"):
        xaqf.open_cams(tmp_path / "cams_*.nc")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.nc"):
        xaqf.open_cams(tmp_path / "absent.nc")


def test_directory_passed_as_a_file(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    with pytest.raises(FileError, match="downloads.*not a zarr store"):
        xaqf.open_cams(folder)


def test_empty_netcdf(tmp_path):
    path = tmp_path / "empty.nc"
    path.write_bytes(b"")
    with pytest.raises(FileError, match="empty.nc.*empty"):
        xaqf.open_cams(path)


def test_truncated_netcdf(tmp_path):
    whole = tmp_path / "whole.nc"
    raw_cams().to_netcdf(whole)
    cut = tmp_path / "cut.nc"
    cut.write_bytes(whole.read_bytes()[:300])
    with pytest.raises(FileError, match="cut.nc"):
        xaqf.open_cams([whole, cut])


def test_text_file_named_nc(tmp_path):
    path = tmp_path / "error_page.nc"
    path.write_text("<html>503 Service Unavailable</html>")
    with pytest.raises(FileError, match="error_page.nc"):
        xaqf.open_cams(path)


def test_met_passed_as_cams():
    met = physical(["t2m", "u10"])
    with pytest.raises(MissingVariableError, match=r"meteorological data.*open_met"):
        standardize(met, "cams")


def test_cams_passed_as_met():
    with pytest.raises(MissingVariableError, match=r"pollutant.*open_cams"):
        standardize(raw_cams(), "met")


def test_unknown_kind():
    with pytest.raises(ConfigError, match="'pollution'"):
        standardize(raw_cams(), "pollution")


def test_integer_times_without_units():
    raw = raw_cams().assign_coords(valid_time=np.arange(4) * 12)
    with pytest.raises(LayoutError, match=r"'time'.*numbers.*units"):
        standardize(raw, "cams")


def test_duplicated_times():
    raw = raw_cams(pd.DatetimeIndex(list(TIMES[:3]) + [TIMES[2]]))
    with pytest.raises(LayoutError, match="duplicated.*2022-06-02T00:00"):
        standardize(raw, "cams")


def test_missing_times_nat():
    raw = raw_cams(pd.DatetimeIndex(list(TIMES[:3]) + [pd.NaT]))
    with pytest.raises(LayoutError, match="NaT"):
        standardize(raw, "cams")


def test_overlapping_files_duplicate_times(tmp_path):
    raw_cams(TIMES[:3]).to_netcdf(tmp_path / "a.nc")
    raw_cams(TIMES[2:]).to_netcdf(tmp_path / "b.nc")
    with pytest.raises(xaqf.errors.DataError, match=r"2022-06-02|overlap|duplicated"):
        xaqf.open_cams(tmp_path / "*.nc")


def test_latitude_out_of_range():
    raw = raw_cams().assign_coords(latitude=[0.0, 90.0, 180.0])
    with pytest.raises(LayoutError, match=r"latitude.*180"):
        standardize(raw, "cams")


def test_station_file_real(real_data):
    with pytest.raises(LayoutError, match="station"):
        xaqf.open_cams(real_data / "openaq_pm25_madrid_2020-08.nc")


def test_climatology_file_real(real_data):
    with pytest.raises(LayoutError, match="'month'"):
        xaqf.open_met(real_data / "eraint_uvz_monthly.nc")


def test_model_level_file_real(real_data):
    with pytest.raises(LayoutError, match="model levels"):
        xaqf.open_cams(real_data / "eac4_ml_cutout_2020-07.nc")


# ---------------------------------------------------------------- values (check_dataset)

@pytest.mark.parametrize("name, value, where", [
    ("t2m", -32767.0, "fill"),
    ("msl", 9.96921e36, "fill"),
    ("pm10", 9.96921e36, "fill"),
    ("tcco", -32767.0, "fill"),
], ids=["fill_-32767_in_t2m", "fill_9.97e36_in_msl", "fill_9.97e36_in_pm10",
        "fill_-32767_in_total_column"])
def test_unmasked_fill_values(name, value, where):
    ds = physical([name])
    ds[name][1, 2, 3] = value
    with pytest.raises(InvalidValueError, match=rf"'{name}'.*plausible.*2022-06-01T12:00.*{where}"):
        check_dataset(ds, "cams" if name in ("pm10", "tcco") else "met", variables=[name])


def test_inf_value():
    ds = physical(["t2m"])
    ds["t2m"][2, 0, 0] = np.inf
    with pytest.raises(InvalidValueError, match=r"'t2m'.*infinite.*2022-06-02T00:00"):
        check_dataset(ds, "met", variables=["t2m"])


def test_huge_value_1e30():
    ds = physical(["u10"])
    ds["u10"][0, 0, 0] = 1e30
    with pytest.raises(InvalidValueError, match=r"'u10'.*plausible"):
        check_dataset(ds, "met", variables=["u10"])


def test_temperature_in_celsius_labelled_kelvin():
    ds = physical(["t"])
    ds["t"] = ds["t"] - 273.15
    ds["t"].attrs["units"] = "K"
    with pytest.raises(InvalidValueError, match=r"'t'.*plausible.*units"):
        check_dataset(ds, "met", variables=["t"], levels=[500, 850])


def test_pm_in_micrograms_labelled_kilograms():
    ds = physical(["pm2p5"])
    ds["pm2p5"] = (ds["pm2p5"] * 1e9).assign_attrs(units="kg m-3")
    with pytest.raises(InvalidValueError, match=r"'pm2p5'.*plausible.*kg m-3"):
        check_dataset(ds, "cams", variables=["pm2p5"])


def test_pressure_in_hpa_labelled_pa():
    ds = physical(["msl"])
    ds["msl"] = ds["msl"] / 100
    with pytest.raises(InvalidValueError, match=r"'msl'.*plausible"):
        check_dataset(ds, "met", variables=["msl"])


def test_valid_range_override_accepts():
    ds = physical(["t2m"])
    ds["t2m"] = ds["t2m"] - 273.15
    out = check_dataset(ds, "met", variables=["t2m"], valid_ranges={"t2m": (-100.0, 100.0)})
    assert out is ds
    assert check_dataset(ds, "met", variables=["t2m"], valid_ranges={"t2m": None}) is ds


def test_bad_valid_range_override():
    ds = physical(["t2m"])
    with pytest.raises(ConfigError, match="t2m"):
        check_dataset(ds, "met", variables=["t2m"], valid_ranges={"t2m": (300.0, 200.0)})


def test_all_nan_variable():
    ds = physical(["go3"])
    ds["go3"][:] = np.nan
    with pytest.raises(InvalidValueError, match=r"'go3'.*entirely NaN"):
        check_dataset(ds, "cams", variables=["go3"], levels=[500, 850])


def test_nan_at_one_time():
    ds = physical(["go3"])
    ds["go3"][3, 0, 0, 0] = np.nan
    with pytest.raises(InvalidValueError, match=r"'go3'.*NaN.*2022-06-02T12:00"):
        check_dataset(ds, "cams", variables=["go3"], levels=[500, 850])


def test_strongly_negative_concentration():
    ds = physical(["pm10"])
    ds["pm10"][1, 0, 0] = -1e-8
    with pytest.raises(InvalidValueError, match=r"'pm10'.*negative.*2022-06-01T12:00"):
        check_dataset(ds, "cams", variables=["pm10"])


def test_unknown_kind_in_check():
    with pytest.raises(ConfigError, match="'weather'"):
        check_dataset(physical(["t2m"]), "weather")


# ---------------------------------------------------------------- statistics / normalisation

def test_all_nan_variable_statistics():
    ds = physical(["pm10"])
    ds["pm10"][:] = np.nan
    with pytest.raises(InvalidValueError, match=r"'pm10'.*NaN"):
        xaqf.preprocessing.normalization.compute_stats(ds)


def test_statistics_lack_channels():
    ds = physical(["pm10", "t2m"])
    stats = xaqf.preprocessing.normalization.compute_stats(ds[["pm10"]])
    with pytest.raises(MissingVariableError, match="'t2m'"):
        ds.aqf.normalize(stats)


def test_statistics_lack_levels():
    ds = physical(["go3"])
    stats = xaqf.preprocessing.normalization.compute_stats(ds.sel(level=[500.0]))
    with pytest.raises(MissingLevelError, match=r"'go3'.*850"):
        ds.aqf.normalize(stats)


def test_statistics_without_std():
    ds = physical(["pm10"])
    stats = xaqf.preprocessing.normalization.compute_stats(ds).drop_vars("std")
    with pytest.raises(LayoutError, match="'std'"):
        ds.aqf.normalize(stats)


def test_statistics_with_nan():
    ds = physical(["pm10"])
    stats = xaqf.preprocessing.normalization.compute_stats(ds)
    stats["std"][0] = np.nan
    with pytest.raises(InvalidValueError, match=r"NaN.*'pm10'"):
        ds.aqf.normalize(stats)


def test_normalised_twice():
    ds = physical(["pm10"])
    stats = ds.aqf.compute_stats()
    once = ds.aqf.normalize(stats)
    with pytest.raises(InvalidValueError, match=r"'pm10'.*already normali[sz]ed.*force=True"):
        once.aqf.normalize(stats)
    assert once.aqf.normalize(stats, force=True)["pm10"].attrs["units"] == "1"


def test_denormalised_without_normalisation():
    ds = physical(["t2m"])
    stats = ds.aqf.compute_stats()
    with pytest.raises(InvalidValueError, match=r"'t2m'.*not normali[sz]ed.*force=True"):
        ds.aqf.denormalize(stats)


def test_denormalised_with_other_statistics():
    ds = physical(["t2m"])
    stats = ds.aqf.compute_stats()
    other = ds.isel(time=[0]).aqf.compute_stats()
    with pytest.raises(InvalidValueError, match=r"'t2m'.*other statistics"):
        ds.aqf.normalize(stats).aqf.denormalize(other)


def test_denormalised_while_log_transformed():
    ds = physical(["pm10"])
    stats = ds.aqf.compute_stats()
    out = ds.aqf.normalize(stats).aqf.log_transform()
    with pytest.raises(InvalidValueError, match=r"'pm10'.*inverse_log_transform"):
        out.aqf.denormalize(stats)


# ---------------------------------------------------------------- transform provenance

def test_log_transformed_twice():
    ds = physical(["pm10"])
    once = ds.aqf.normalize(ds.aqf.compute_stats()).aqf.log_transform()
    with pytest.raises(InvalidValueError, match=r"'pm10'.*already log-transformed.*force=True"):
        once.aqf.log_transform()


def test_log_transform_of_physical_values():
    ds = physical(["pm10"])
    with pytest.raises(InvalidValueError, match=r"'pm10'.*kg m-3.*normali[sz]e"):
        ds.aqf.log_transform()
    assert "transform" in ds.aqf.log_transform(force=True)["pm10"].attrs


def test_inverse_without_transform():
    ds = physical(["pm10"])
    normed = ds.aqf.normalize(ds.aqf.compute_stats())
    with pytest.raises(InvalidValueError, match=r"'pm10'.*not log-transformed.*force=True"):
        normed.aqf.inverse_log_transform()


def test_channels_log_transformed_twice():
    ds = physical(["pm10", "t2m"])
    stack = ds.aqf.normalize(ds.aqf.compute_stats()).aqf.to_channels(["pm10", "t2m"])
    once = xaqf.preprocessing.transform.log_transform_channels(stack)
    with pytest.raises(InvalidValueError, match=r"already log-transformed"):
        xaqf.preprocessing.transform.log_transform_channels(once)


def test_transform_records_floor():
    ds = physical(["pm10"])
    out = ds.aqf.normalize(ds.aqf.compute_stats()).aqf.log_transform(floor=1e-5)
    assert out["pm10"].attrs["transform_floor"] == 1e-5
    assert len(out["pm10"].attrs["normalization_stats"]) == 12


# ---------------------------------------------------------------- metrics

def test_truth_in_micrograms_converted():
    truth = physical(["pm10"])
    forecast = forecast_of(truth)
    in_micrograms = (truth["pm10"] * 1e9).assign_attrs(units="ug m-3")
    expected = metrics.rmse(forecast, truth)
    got = metrics.rmse(forecast, truth.assign(pm10=in_micrograms))
    np.testing.assert_allclose(got["pm10"], expected["pm10"], rtol=1e-5)


def test_incompatible_units():
    truth = physical(["pm10"])
    forecast = forecast_of(truth)
    with pytest.raises(UnitError, match=r"'pm10'.*'K'"):
        metrics.rmse(forecast, truth.assign(pm10=truth["pm10"].assign_attrs(units="K")))


def test_normalised_forecast_against_physical_truth():
    truth = physical(["pm10"])
    forecast = forecast_of(truth)
    normed = forecast.assign(pm10=forecast["pm10"].assign_attrs(units="1"))
    with pytest.raises(UnitError, match="'pm10'"):
        metrics.mae(normed, truth)


def test_nan_in_truth_warns():
    truth = physical(["pm10"])
    forecast = forecast_of(truth)
    truth["pm10"][2, 0, 0] = np.nan
    with pytest.warns(DataWarning, match=r"'pm10'.*NaN.*skipna"):
        metrics.rmse(forecast, truth)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics.rmse(forecast, truth, skipna=False)
        metrics.rmse(forecast, truth, skipna=True)


def test_truth_on_another_grid():
    truth = physical(["pm10"])
    forecast = forecast_of(truth)
    with pytest.raises(GridMismatchError, match="latitude"):
        metrics.rmse(forecast, physical(["pm10"], nlat=9))


def test_truth_on_another_time_axis():
    truth = physical(["pm10"])
    forecast = forecast_of(truth)
    later = physical(["pm10"], times=TIMES + pd.Timedelta("6h"))
    with pytest.raises(MissingTimeError, match="2022-06-01 12:00"):
        metrics.rmse(forecast, later)


def test_truth_with_duplicated_times():
    truth = physical(["pm10"])
    forecast = forecast_of(truth)
    doubled = xr.concat([truth, truth.isel(time=[1])], dim="time")
    with pytest.raises(LayoutError, match="duplicated.*2022-06-01T12:00"):
        metrics.rmse(forecast, doubled)
