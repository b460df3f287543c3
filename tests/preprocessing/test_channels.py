"""Tests of xaqf.preprocessing.channels: stacking variables x levels into a channel axis and
back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf import variables
from xaqf.errors import ConfigError, LayoutError, MissingLevelError, MissingVariableError
from xaqf.preprocessing.channels import (
    channel_table,
    channel_values,
    from_channels,
    level_positions,
    resolve_channels,
    to_channels,
)


def test_pollutant_stack_follows_catalogue_order(cams):
    da = to_channels(cams, "pollutant")
    assert da.dims == ("time", "channel", "latitude", "longitude")
    assert tuple(da.channel.values) == variables.POLLUTANT_CHANNELS
    assert da.sel(channel="go3_850")["variable"].item() == "go3"  # .variable is xarray's
    assert da.sel(channel="go3_850").level.item() == 850.0
    assert np.isnan(da.sel(channel="pm10").level.item())
    np.testing.assert_array_equal(da.sel(channel="co_50").values, cams.co.sel(level=50).values)
    np.testing.assert_array_equal(da.sel(channel="tcno2").values, cams.tcno2.values)


@pytest.mark.parametrize("fixture", ["cams", "met"])
def test_round_trip_is_exact(fixture, request):
    ds = request.getfixturevalue(fixture)
    kind = "pollutant" if fixture == "cams" else "met"
    xr.testing.assert_identical(from_channels(to_channels(ds, kind)), ds)


def test_given_order_and_subset_are_kept(cams):
    names = ["go3_1000", "tcco", "co_50", "co_100", "pm1"]
    da = to_channels(cams, names)
    assert list(da.channel.values) == names
    assert list(da["variable"].values) == ["go3", "tcco", "co", "co", "pm1"]
    back = from_channels(da)
    assert list(back.data_vars) == ["go3", "tcco", "co", "pm1"]
    assert back.co.level.values.tolist() == [50.0, 100.0, 1000.0]  # union of level sets
    assert bool(back.co.sel(level=1000.0).isnull().all())
    np.testing.assert_array_equal(back.co.sel(level=100.0), cams.co.sel(level=100.0))


def test_other_dims_stay_in_front():
    ds = canonical_dataset(["tcco", "go3"], pd.date_range("2022-06-01", periods=2, freq="12h"),
                           levels=[500, 850])
    ds = ds.rename(time="init_time").expand_dims(lead_time=pd.to_timedelta([12, 24], "h"), axis=1)
    da = to_channels(ds, ["tcco", "go3_500", "go3_850"])
    assert da.dims == ("init_time", "lead_time", "channel", "latitude", "longitude")
    assert from_channels(da).go3.dims == ("init_time", "lead_time", "level", "latitude",
                                          "longitude")


def test_lazy_on_dask(cams):
    da = to_channels(cams.chunk(time=2), "pollutant")
    assert da.chunks is not None
    back = from_channels(da)
    assert back.go3.chunks is not None
    xr.testing.assert_identical(back.compute(), cams)


def test_missing_variable_names_what_is_missing_and_present(cams):
    with pytest.raises(MissingVariableError, match=r"'pm10'.*holds.*'go3'"):
        to_channels(cams.drop_vars("pm10"), "pollutant")


def test_missing_level_names_the_level(cams):
    with pytest.raises(MissingLevelError, match=r"'co'.*\[925\.0\].*present"):
        to_channels(cams.drop_sel(level=925.0), "pollutant")


def test_unknown_set_and_duplicates_are_refused(cams):
    with pytest.raises(ConfigError, match="unknown channel set 'pollutants'"):
        to_channels(cams, "pollutants")
    with pytest.raises(ConfigError, match="tcco"):
        resolve_channels(["tcco", "tcco"])


def test_attributes_catalogue_and_shared(cams):
    da = to_channels(cams, "pollutant")
    assert "units" not in da.attrs  # mixed units are not claimed
    da.attrs = {"units": "1", "normalization": "test"}
    back = from_channels(da)
    assert back.go3.attrs["units"] == "1"
    assert back.go3.attrs["long_name"] == variables.VARIABLES["go3"].long_name
    assert "standard_name" not in back.go3.attrs  # a normalised field is no mass fraction


def test_names_are_parsed_without_coords(cams):
    da = to_channels(cams, ["co_500", "pm10"]).drop_vars(["variable", "level"])
    assert channel_table(da)[0] == ["co", "pm10"]
    back = from_channels(da)
    assert back.co.level.values.tolist() == [500.0]
    assert back.pm10.attrs == variables.VARIABLES["pm10"].attrs


def test_from_channels_needs_a_channel_dim(cams):
    with pytest.raises(LayoutError, match="'channel'"):
        from_channels(cams.pm10)


@pytest.mark.parametrize("names", ["pollutant", ["go3_1000", "tcco", "co_50", "co_100", "pm1"],
                                   ["co_100", "tcco", "co_50"]])
def test_channel_values_are_the_stack_in_one_array(cams, names):
    expected = np.asarray(to_channels(cams, names).values, np.float32)
    values = channel_values(cams, names)
    assert values.dtype == np.float32 and values.flags.c_contiguous
    np.testing.assert_array_equal(values, expected)


def test_channel_values_cast_as_asarray_does_and_compute_dask(cams):
    wide = cams.astype("float64") * (1 + 1e-9)
    expected = np.asarray(to_channels(wide, "pollutant").values, np.float32)
    np.testing.assert_array_equal(channel_values(wide, "pollutant"), expected)
    np.testing.assert_array_equal(channel_values(wide.chunk(time=1), "pollutant"), expected)
    assert channel_values(wide, "pollutant", dtype=np.float64).dtype == np.float64


def test_channel_values_keep_the_other_dims_in_front():
    ds = canonical_dataset(["tcco", "go3"], pd.date_range("2022-06-01", periods=2, freq="12h"),
                           levels=[500, 850])
    ds = ds.rename(time="init_time").expand_dims(lead_time=pd.to_timedelta([12, 24], "h"), axis=1)
    ds["go3"] = ds.go3.transpose("level", ...)  # the stored order of dims does not matter
    names = ["tcco", "go3_850", "go3_500"]
    values = channel_values(ds, names)
    assert values.shape == (2, 2, 3, ds.sizes["latitude"], ds.sizes["longitude"])
    np.testing.assert_array_equal(values, to_channels(ds, names).values)


def test_channel_values_name_what_is_missing_or_misshapen(cams):
    with pytest.raises(MissingLevelError, match=r"'co'.*\[925\.0\].*present"):
        channel_values(cams.drop_sel(level=925.0), "pollutant")
    with pytest.raises(MissingVariableError, match=r"'pm10'.*holds"):
        channel_values(cams.drop_vars("pm10"), "pollutant")
    with pytest.raises(LayoutError, match=r"'tcco' has dims \('latitude', 'longitude'\)"):
        channel_values(cams.assign(tcco=cams.tcco.isel(time=0, drop=True)), ["pm10", "tcco"])
    with pytest.raises(ConfigError, match="no channel names given"):
        channel_values(cams, [])


def test_level_positions_follow_the_order_asked(cams):
    levels = cams["level"].values.tolist()
    assert level_positions(cams.co, "co", [levels[3], levels[0]]) == [3, 0]
    with pytest.raises(MissingLevelError, match=r"'co' lacks the pressure level\(s\) \[1\.0\]"):
        level_positions(cams.co, "co", [1.0])
