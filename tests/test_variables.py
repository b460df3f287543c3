"""The variable catalogue: counts, order, names and metadata."""

from __future__ import annotations

import pint
import pytest
from cf_xarray.units import units as cf_units

from xaqf import variables
from xaqf.errors import MissingVariableError, XaqfError


def test_channel_counts_match_the_paper():
    assert len(variables.POLLUTANT_CHANNELS) == 73
    assert len(variables.MET_CHANNELS) == 70
    assert len(set(variables.POLLUTANT_CHANNELS + variables.MET_CHANNELS)) == 143


def test_pollutant_order_is_columns_then_levels_then_pm():
    channels = variables.POLLUTANT_CHANNELS
    assert channels[:5] == ("tcco", "tc_no", "tcno2", "tcso2", "gtco3")
    assert channels[5:18] == tuple(f"co_{int(p)}" for p in variables.PRESSURE_LEVELS)
    assert channels[-3:] == ("pm1", "pm2p5", "pm10")


def test_met_order_is_surface_then_levels():
    channels = variables.MET_CHANNELS
    assert channels[:5] == ("t2m", "u10", "v10", "msl", "tp")
    assert channels[5] == "u_50" and channels[-1] == "z_1000"


def test_pressure_levels_ascending_13():
    levels = variables.PRESSURE_LEVELS
    assert len(levels) == 13 and list(levels) == sorted(levels)
    assert levels[0] == 50.0 and levels[-1] == 1000.0


@pytest.mark.parametrize("name", variables.POLLUTANT_CHANNELS + variables.MET_CHANNELS)
def test_split_channel_inverts_channel_name(name):
    variable, level = variables.split_channel(name)
    assert variables.channel_name(variable, level) == name


@pytest.mark.parametrize("bad", ["co", "tcco_500", "xx_500", "go3_high", "t2m_2"])
def test_split_channel_rejects_non_channels(bad):
    with pytest.raises(MissingVariableError, match=bad):
        variables.split_channel(bad)


def test_grey_line_default_split():
    assert variables.GREY_LINE == {"no", "tc_no", "no2", "tcno2", "pm1", "pm2p5", "pm10"}
    assert variables.GREY_LINE <= set(variables.POLLUTANT_VARIABLES)


@pytest.mark.parametrize("var", list(variables.VARIABLES.values()), ids=lambda v: v.name)
def test_canonical_units_parse_with_pint(var):
    quantity = cf_units.Quantity(1.0, var.units)
    assert isinstance(quantity, pint.Quantity)
    assert var.attrs["units"] == var.units and var.attrs["long_name"]


def test_kinds():
    assert variables.kind_of("go3") == "pollutant"
    assert variables.kind_of("z") == "met"
    assert variables.kind_of("lsm") == "static"
    with pytest.raises(XaqfError, match="nope"):
        variables.kind_of("nope")


def test_channels_of_unknown_variable():
    with pytest.raises(MissingVariableError, match="pm25"):
        variables.channels_of(["pm25"])
