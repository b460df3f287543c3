"""check_dataset: missing variables/levels, NaNs, negative concentrations, laziness.

The shared ``cams``/``met`` fixtures are overridden with physically plausible values (the
range check of check_dataset would refuse O(1) kg kg-1 or 0 K); bad inputs of every kind
are in tests/bad_inputs/test_data.py."""

from __future__ import annotations

import dask
import dask.array as dsa
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from xaqf.data.validation import check_dataset
from xaqf.errors import InvalidValueError, MissingLevelError, MissingVariableError


def test_clean_data_pass_unchanged(cams, met):
    assert check_dataset(cams, "cams") is cams
    assert check_dataset(met, "met") is met  # negative winds are fine


def test_missing_variable_is_named(cams):
    with pytest.raises(MissingVariableError, match=r"missing variable\(s\) \['pm10'\]"):
        check_dataset(cams.drop_vars("pm10"), "cams")


def test_variables_argument_restricts_the_check(cams):
    assert check_dataset(cams[["go3"]], "cams", variables=["go3"]) is not None


def test_unknown_variable_name(cams):
    with pytest.raises(MissingVariableError, match="unknown variable 'ozone'"):
        check_dataset(cams, "cams", variables=["ozone"])


def test_missing_level_is_named(cams):
    thinned = cams.drop_sel(level=925.0)
    with pytest.raises(MissingLevelError, match=r"'co' lacks pressure level\(s\) \[925.0\]"):
        check_dataset(thinned, "cams")
    assert check_dataset(thinned, "cams", levels=[500, 850]) is thinned
    assert check_dataset(thinned, "cams", levels=None) is thinned


def test_nan_names_variable_and_first_time(cams):
    bad = cams.copy(deep=True)
    bad["go3"][3, 2, 1, 1] = np.nan
    bad["go3"][5, 0, 0, 0] = np.nan
    with pytest.raises(InvalidValueError, match=r"'go3' has NaN values first at "
                                                r"time=2022-06-02T12:00"):
        check_dataset(bad, "cams")


def test_large_negative_concentration_raises(cams):
    bad = cams.copy(deep=True)
    bad["pm2p5"][1, 3, 3] = -0.5e-9  # values are O(1e-9): far beyond 1e-3 of the max
    with pytest.raises(InvalidValueError, match=r"'pm2p5' has negative concentrations.*"
                                                r"time=2022-06-01T12:00"):
        check_dataset(bad, "cams")


def test_tiny_negative_is_clamped(cams):
    tiny = -1e-4 * float(cams["so2"].max())
    bad = cams.copy(deep=True)
    bad["so2"][2, 4, 3, 3] = tiny
    out = check_dataset(bad, "cams")
    assert float(out["so2"][2, 4, 3, 3]) == 0.0
    assert float(out["so2"].min()) >= 0.0
    xr.testing.assert_identical(out["so2"].where(bad["so2"] >= 0), bad["so2"].where(
        bad["so2"] >= 0))
    assert out["so2"].attrs == bad["so2"].attrs
    assert float(bad["so2"][2, 4, 3, 3]) == pytest.approx(tiny)  # input untouched
    with pytest.raises(InvalidValueError, match="'so2' has negative"):
        check_dataset(bad, "cams", allow_tiny_negative=False)


def test_forecast_dims_are_reported():
    init = pd.date_range("2022-06-01", periods=2, freq="12h")
    lead = pd.to_timedelta([12, 24], unit="h")
    values = np.ones((2, 2, 3, 4), np.float32)
    values[1, 1, 0, 0] = np.nan
    ds = xr.Dataset({"tcco": (("init_time", "lead_time", "latitude", "longitude"), values)},
                    coords={"init_time": init, "lead_time": lead})
    with pytest.raises(InvalidValueError, match=r"init_time=2022-06-01T12:00, "
                                                r"lead_time=1 days 00:00:00"):
        check_dataset(ds, "cams", variables=["tcco"])


def test_check_values_false_stays_lazy(cams, no_compute):
    lazy = cams.chunk({"time": 2})
    with no_compute():
        out = check_dataset(lazy, "cams", check_values=False)
    assert out is lazy


def test_value_checks_compute_once_and_clamp_lazily(cams):
    bad = cams.copy(deep=True)
    bad["tcno2"][0, 0, 0] = -1e-15
    lazy = bad.chunk({"time": 2})
    calls = []

    def counting(dsk, keys, **kwargs):
        calls.append(keys)
        return dask.get(dsk, keys, **kwargs)

    with dask.config.set(scheduler=counting):
        out = check_dataset(lazy, "cams")
    assert len(calls) == 1
    assert isinstance(out["tcno2"].data, dsa.Array)
    assert float(out["tcno2"][0, 0, 0]) == 0.0


def test_range_check_can_be_skipped(met):
    cold = met.assign(t2m=(met["t2m"] - 273.15).assign_attrs(met["t2m"].attrs))
    with pytest.raises(InvalidValueError, match=r"'t2m'.*plausible range \[150, 350\] K"):
        check_dataset(cold, "met")
    assert check_dataset(cold, "met", check_ranges=False) is cold


@pytest.mark.parametrize("bad", [None, np.nan, np.inf])
def test_in_memory_summaries_equal_the_general_ones(bad):
    from xaqf.data.validation import _clean_summary, _summarise

    values = np.random.default_rng(0).normal(size=(3, 4, 5)).astype(np.float32)
    if bad is not None:
        values[1, 2, 3] = bad
    ds = xr.Dataset({"t2m": (("time", "latitude", "longitude"), values)})
    assert (_clean_summary(ds["t2m"]) is None) == (bad is not None)  # the fast path ran
    fast = _summarise(ds, ["t2m"])["t2m"]
    general = _summarise(ds.chunk({"time": 1}), ["t2m"])["t2m"]
    assert fast.keys() == general.keys()
    for name, value in general.items():
        np.testing.assert_array_equal(fast[name], value, err_msg=name)
        assert fast[name].dtype == value.dtype, name


@pytest.mark.parametrize("bad", [None, np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("shape", [(3, 300, 300), (2, 2, 2, 200, 200), (300, 300), (3, 40, 50)])
def test_extremes_by_torch_equal_numpy(shape, bad, monkeypatch):
    import torch

    from xaqf.data.validation import _SLAB, _extremes

    calls = []
    aminmax = torch.aminmax
    monkeypatch.setattr(torch, "aminmax", lambda x: calls.append(x.shape) or aminmax(x))
    values = np.random.default_rng(1).normal(size=shape).astype(np.float32)
    if bad is not None:
        values.flat[values.size // 2] = bad
    lead = 1 if len(shape) == 3 else (2 if len(shape) == 5 else 0)
    other = tuple(range(lead, len(shape)))
    low, high = _extremes(values, other)
    np.testing.assert_array_equal(low, values.min(axis=other))
    np.testing.assert_array_equal(high, values.max(axis=other))
    assert low.dtype == high.dtype == np.float32
    large = int(np.prod(shape[lead:])) >= _SLAB
    assert large == (shape != (3, 40, 50))  # both paths are exercised
    assert len(calls) == (int(np.prod(shape[:lead])) if large else 0)  # torch for large ones
