"""Tests of xaqf.preprocessing.normalization: Eq. 10-11 statistics, standardisation,
(de)normalisation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf import variables
from xaqf.errors import (
    ConfigError,
    InvalidValueError,
    LayoutError,
    MissingLevelError,
    MissingVariableError,
)
from xaqf.preprocessing.channels import to_channels
from xaqf.preprocessing.normalization import (
    combine_stats,
    compute_model_stats,
    compute_stats,
    denormalize,
    denormalize_array,
    normalize,
    normalize_array,
)

TIMES = pd.date_range("2022-06-01", periods=2, freq="12h")


@pytest.fixture
def hand() -> xr.Dataset:
    """2 times x 2 levels x 1 x 2 grid with values small enough to work out by hand."""
    ds = canonical_dataset(["go3", "pm10", "t2m"], TIMES, nlat=1, nlon=2, levels=[500, 850])
    ds["go3"][:] = np.array([[[[1, 3]], [[10, 20]]], [[[2, 5]], [[30, 40]]]])
    ds["pm10"][:] = np.array([[[4, 8]], [[0, 6]]])
    ds["t2m"][:] = np.array([[[280, 290]], [[300, 310]]])
    return ds


def test_scale_is_half_the_time_mean_of_the_spatial_max(hand):
    stats = compute_stats(hand)
    # go3 500 hPa: max 3 then 5 -> 0.5 * 4; 850 hPa: 20, 40 -> 15; pm10: 8, 6 -> 3.5
    assert stats["std"].sel(channel=["go3_500", "go3_850", "pm10"]).values.tolist() == [
        2.0, 15.0, 3.5]
    assert stats["mean"].sel(channel=["go3_500", "go3_850", "pm10"]).values.tolist() == [0, 0, 0]
    assert stats["method"].sel(channel="go3_850").item() == "scale"


def test_met_is_standardised_over_time_and_space(hand):
    stats = compute_stats(hand)
    assert stats["mean"].sel(channel="t2m").item() == 295.0
    assert stats["std"].sel(channel="t2m").item() == pytest.approx(np.sqrt(125.0))
    assert stats["method"].sel(channel="t2m").item() == "standard"


def test_stats_format_and_netcdf_round_trip(cams, met, tmp_path):
    stats = compute_stats(xr.merge([cams, met]))
    assert stats["channel"].values.tolist() == list(
        variables.POLLUTANT_CHANNELS + variables.MET_CHANNELS)
    assert stats["mean"].dtype == stats["std"].dtype == np.float64
    assert stats["level"].sel(channel="u_850").item() == 850.0
    assert np.isnan(stats["level"].sel(channel="msl").item())
    assert stats["variable"].sel(channel="u_850").item() == "u"
    stats.to_netcdf(tmp_path / "stats.nc")
    with xr.open_dataset(tmp_path / "stats.nc") as saved:
        xr.testing.assert_identical(saved.load(), stats)


def test_lazy_input_gives_lazy_stats(cams):
    stats = compute_stats(cams.chunk(time=3))
    assert stats["std"].chunks is not None
    xr.testing.assert_allclose(stats.compute(), compute_stats(cams))


def test_forecast_dims_are_reduced(hand):
    fc = hand.rename(time="init_time").expand_dims(lead_time=pd.to_timedelta([12, 24], "h"))
    assert compute_stats(fc)["std"].sel(channel="pm10").item() == 3.5
    with pytest.raises(LayoutError, match="lead_time"):
        compute_stats(fc, dims=("init_time",))


def test_emission_inventories_are_scaled_when_listed(hand):
    ds = hand.assign(nox_emis=hand.pm10 * 2)
    assert compute_stats(ds)["method"].sel(channel="nox_emis").item() == "standard"
    stats = compute_stats(ds, scale_variables=["nox_emis"])
    assert stats["method"].sel(channel="nox_emis").item() == "scale"
    assert stats["std"].sel(channel="nox_emis").item() == 7.0


def test_constant_field_gets_unit_std_and_zero_std_is_refused(hand):
    ds = hand.assign(lsm=hand.t2m * 0 + 1)
    stats = compute_stats(ds)
    assert stats["std"].sel(channel="lsm").item() == 1.0
    assert (normalize(ds, stats).lsm == 0).all()
    with pytest.raises(InvalidValueError, match=r"std = 0.*'t2m'"):
        normalize(ds, stats.assign(std=stats["std"].where(stats.channel != "t2m", 0.0)))


def test_normalize_values_and_attributes(hand):
    out = normalize(hand, compute_stats(hand))
    assert out.go3.sel(level=850).values.ravel().tolist() == pytest.approx(
        [10 / 15, 20 / 15, 30 / 15, 40 / 15])
    assert out.t2m.values.ravel().tolist() == pytest.approx(
        [v / np.sqrt(125) for v in (-15, -5, 5, 15)])
    assert out.go3.dtype == np.float32
    assert out.go3.attrs["units"] == "1" and "scale_v" in out.go3.attrs["normalization"]
    assert "standard_name" not in out.go3.attrs
    assert "std_v" in out.t2m.attrs["normalization"]


def test_denormalize_round_trip_restores_catalogue_attrs(cams, met):
    ds = xr.merge([cams, met])
    stats = compute_stats(ds)
    back = denormalize(normalize(ds, stats), stats)
    xr.testing.assert_allclose(back, ds, rtol=1e-5, atol=1e-5)
    assert back.go3.attrs == variables.VARIABLES["go3"].attrs
    assert back.t.attrs == variables.VARIABLES["t"].attrs


def test_levels_are_matched_by_value_and_extra_stats_ignored(cams):
    stats = compute_stats(cams)
    sub = cams[["go3"]].sel(level=[850.0, 100.0])
    out = normalize(sub, stats)
    expected = cams.go3.sel(level=850.0) / stats["std"].sel(channel="go3_850")
    np.testing.assert_allclose(out.go3.sel(level=850.0), expected, rtol=1e-6)


def test_missing_statistics_are_named(cams, met):
    stats = compute_stats(cams)
    with pytest.raises(MissingVariableError, match="variable 't2m'"):
        normalize(xr.merge([cams, met]), stats)
    with pytest.raises(MissingLevelError, match=r"'co'.*\[925\.0\]"):
        normalize(cams, stats.drop_sel(channel="co_925"))


def test_channel_dataarray_in_any_order(cams):
    stats = compute_stats(cams)
    da = to_channels(cams, "pollutant")
    shuffled = da.isel(channel=np.random.default_rng(0).permutation(da.sizes["channel"]))
    xr.testing.assert_identical(normalize(shuffled, stats).sel(channel=da.channel),
                                normalize(da, stats))
    np.testing.assert_allclose(normalize(da, stats).sel(channel="pm10"),
                               cams.pm10 / stats["std"].sel(channel="pm10"), rtol=1e-6)
    back = denormalize(normalize(shuffled, stats), stats)
    xr.testing.assert_allclose(back, shuffled, rtol=1e-6)
    with pytest.raises(MissingVariableError, match="pm10"):
        normalize(da, stats.drop_sel(channel="pm10"))


def test_hand_made_stats_without_table_coords():
    stats = xr.Dataset({"mean": ("channel", [0.0]), "std": ("channel", [4.0])},
                       coords={"channel": ["go3_500"]})
    ds = canonical_dataset(["go3"], TIMES[:1], nlat=1, nlon=1, levels=[500])
    ds["go3"][:] = 2.0
    assert normalize(ds, stats).go3.item() == 0.5


def test_array_functions_on_numpy_dask_torch():
    x = np.arange(6, dtype=np.float32).reshape(1, 2, 1, 3)
    mean, std = np.array([1.0, 2.0])[:, None, None], np.array([2.0, 4.0])[:, None, None]
    expected = (x - mean) / std
    np.testing.assert_allclose(normalize_array(x, mean, std), expected)
    lazy = normalize_array(xr.DataArray(x).chunk().data, mean, std)
    np.testing.assert_allclose(lazy.compute(), expected)
    for dtype in (torch.float32, torch.bfloat16):
        tensor = torch.from_numpy(x).to(dtype)
        out = normalize_array(tensor, mean, std)
        assert out.dtype == dtype
        np.testing.assert_allclose(out.float().numpy(), expected, rtol=1e-2)
        back = denormalize_array(normalize_array(tensor, torch.tensor(mean), std), mean, std)
        np.testing.assert_allclose(back.float().numpy(), x, rtol=1e-2)


def test_combine_stats_keeps_order_and_refuses_duplicates(cams, met):
    combined = combine_stats(compute_stats(cams), compute_stats(met))
    xr.testing.assert_identical(combined, compute_stats(xr.merge([cams, met])))
    with pytest.raises(ConfigError, match=r"\['pm10'\] appear in more than one"):
        combine_stats(compute_stats(cams), compute_stats(cams[["pm10"]]))
    with pytest.raises(ConfigError, match="at least one"):
        combine_stats()
    with pytest.raises(LayoutError, match="no 'channel'"):
        combine_stats(compute_stats(cams).isel(channel=0))


def test_model_stats_of_analysis_or_forecast_met(cams, met, no_compute):
    expected = compute_stats(xr.merge([cams, met]))
    xr.testing.assert_identical(compute_model_stats(cams, met), expected)
    fc = met.rename(time="init_time").expand_dims(lead_time=pd.to_timedelta([0, 12], "h"))
    with no_compute():
        lazy = compute_model_stats(cams.chunk(time=2), fc.chunk(init_time=2))
    assert lazy["std"].chunks is not None
    xr.testing.assert_allclose(lazy.compute(), expected)


def test_model_stats_options_reach_both_inputs(cams, met):
    stats = compute_model_stats(cams.assign(nox_emis=cams.pm10), met,
                                variables=["t2m", "nox_emis", "pm10"],
                                scale_variables=["nox_emis"])
    assert stats.channel.values.tolist() == ["nox_emis", "pm10", "t2m"]
    assert stats["method"].values.tolist() == ["scale", "scale", "standard"]
    with pytest.raises(MissingVariableError, match=r"\['no2_emis'\]: in neither"):
        compute_model_stats(cams, met, variables=["no2_emis"])
    with pytest.raises(ConfigError, match="t2m"):
        compute_model_stats(cams.assign(t2m=met.t2m), met)
