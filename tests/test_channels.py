"""Tests of xaqf.channels: stacking variables x levels into a channel axis and back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf import variables
from xaqf.channels import channel_table, from_channels, resolve_channels, to_channels
from xaqf.errors import ConfigError, LayoutError, MissingLevelError, MissingVariableError


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
