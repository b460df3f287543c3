"""Units: ECMWF spellings, conversion to catalogue units, clear errors, laziness."""

from __future__ import annotations

import dask.array as dsa
import numpy as np
import pytest
import xarray as xr

from xaqf.data.units import conversion, parse_units, to_canonical
from xaqf.errors import UnitError
from xaqf.variables import VARIABLES


@pytest.mark.parametrize(("found", "expected", "scale"), [
    ("kg kg**-1", "kg kg-1", 1.0),
    ("kg m**-2", "kg m-2", 1.0),
    ("kg m**-3", "kg m-3", 1.0),
    ("m**2 s**-2", "m2 s-2", 1.0),
    ("(0 - 1)", "1", 1.0),
    ("(0 - 1)", "%", 100.0),
    ("millibars", "hPa", 1.0),
    ("mb", "hPa", 1.0),
    ("Pa", "hPa", 0.01),
    ("hPa", "Pa", 100.0),
    ("µg m-3", "kg m-3", 1e-9),
    ("µg/m³", "kg m-3", 1e-9),
    ("μg m-3", "kg m-3", 1e-9),
    ("ug m-3", "kg m-3", 1e-9),
    ("%", "1", 0.01),
    ("1", "%", 100.0),
    ("~", "1", 1.0),
    ("dimensionless", "1", 1.0),
    ("K", "K", 1.0),
    ("m s**-1", "m s-1", 1.0),
    ("m", "m", 1.0),
    ("mm", "m", 1e-3),
])
def test_conversion_understands_ecmwf_spellings(found, expected, scale):
    got, offset = conversion(found, expected)
    assert got == pytest.approx(scale, rel=1e-12)
    assert offset == 0.0


def test_conversion_keeps_the_offset_of_temperature_scales():
    assert conversion("degC", "K") == pytest.approx((1.0, 273.15))


@pytest.mark.parametrize("text", ["bananas m-3", "ppb", "kg m**-"])
def test_unknown_units_raise(text):
    with pytest.raises(UnitError, match="unknown units"):
        parse_units(text)


def test_volume_mixing_ratio_is_not_a_mass_mixing_ratio():
    da = xr.DataArray([1e-9], dims="x", attrs={"units": "mol mol**-1"})
    with pytest.raises(UnitError, match="molar masses"):
        to_canonical(da, "go3")


def test_to_canonical_converts_pm_from_micrograms_and_sets_catalogue_attrs():
    da = xr.DataArray(np.array([12.5, 40.0]), dims="time",
                      attrs={"units": "µg m-3", "long_name": "PM2.5 (OpenAQ)", "extra": 1})
    out = to_canonical(da, "pm2p5")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.values, [12.5e-9, 40.0e-9], rtol=1e-6)
    assert out.attrs == VARIABLES["pm2p5"].attrs


def test_to_canonical_of_relative_humidity_given_as_fraction():
    out = to_canonical(xr.DataArray([0.5], dims="x", attrs={"units": "(0 - 1)"}), "r")
    np.testing.assert_allclose(out.values, [50.0])
    assert out.attrs["units"] == "%"


def test_impossible_conversion_names_variable_found_and_expected_units():
    da = xr.DataArray([1.0], dims="x", attrs={"units": "kg m**-2"})
    with pytest.raises(UnitError) as info:
        to_canonical(da, "pm10")
    message = str(info.value)
    assert "'pm10'" in message and "'kg m**-2'" in message and "'kg m-3'" in message


def test_unknown_units_in_to_canonical_name_the_variable():
    da = xr.DataArray([1.0], dims="x", attrs={"units": "Dobson-ish"})
    with pytest.raises(UnitError, match=r"'gtco3'.*'Dobson-ish'.*'kg m-2'"):
        to_canonical(da, "gtco3")


def test_missing_units_raise_unless_assumed():
    da = xr.DataArray([280.0], dims="x")
    with pytest.raises(UnitError, match=r"'t2m' has no 'units' attribute; expected 'K'"):
        to_canonical(da, "t2m")
    out = to_canonical(da, "t2m", assume_units=True)
    assert out.attrs["units"] == "K" and out.values[0] == np.float32(280.0)


def test_empty_units_count_as_missing():
    da = xr.DataArray([1e-8], dims="x", attrs={"units": " "})
    with pytest.raises(UnitError, match="'go3' has no 'units' attribute"):
        to_canonical(da, "go3")
    assert to_canonical(da, "go3", assume_units=True).attrs["units"] == "kg kg-1"


def test_assume_units_never_overrides_a_present_attribute():
    da = xr.DataArray([1000.0], dims="x", attrs={"units": "hPa"})
    assert to_canonical(da, "msl", assume_units=True).values[0] == np.float32(1e5)


def test_unknown_variable_raises():
    with pytest.raises(UnitError, match="unknown variable 'pm25'"):
        to_canonical(xr.DataArray([1.0], attrs={"units": "1"}), "pm25")


def test_to_canonical_is_lazy_on_dask(no_compute):
    data = dsa.from_array(np.full((4, 3), 20.0), chunks=2)
    da = xr.DataArray(data, dims=("time", "x"), attrs={"units": "ug m-3"})
    with no_compute():
        out = to_canonical(da, "pm10")
    assert isinstance(out.data, dsa.Array)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.values, 2e-8, rtol=1e-6)


def test_integer_data_become_float32():
    out = to_canonical(xr.DataArray([1, 0], dims="x", attrs={"units": "1"}), "lsm")
    assert out.dtype == np.float32 and out.values.tolist() == [1.0, 0.0]


def test_to_canonical_dataset_leaves_canonical_data_untouched(cams):
    from xaqf.data.units import to_canonical_dataset

    assert to_canonical_dataset(cams, ["go3", "pm10"]) is cams
    raw = cams.assign(go3=cams["go3"].astype("float64").assign_attrs(units="kg kg**-1"))
    out = to_canonical_dataset(raw, ["go3"])
    assert out["go3"].dtype == np.float32 and out["go3"].attrs["units"] == "kg kg-1"
    assert out["pm10"] is cams["pm10"] or out["pm10"].identical(cams["pm10"])
