"""Tests of xaqf.preprocessing.transform: Eq. 12, its floor and its exact inverse."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from xaqf.errors import ConfigError, MissingVariableError
from xaqf.preprocessing.transform import (
    DEFAULT_FLOOR,
    inverse_log_transform,
    inverse_log_transform_channels,
    inverse_log_transform_dataset,
    log_transform,
    log_transform_channels,
    log_transform_dataset,
)

LOG10_25 = math.log10(25.0)

# x_norm spread log-uniformly over 1e-8 .. 10, as float32
X_NORM = arrays(np.float32, st.integers(1, 64),
                elements=st.floats(-8.0, 1.0).map(lambda e: np.float32(10.0 ** e)))


@pytest.mark.parametrize(("x", "expected"), [
    (4e-5, 4e-5),                            # 2.5e4 x = 1: the log term vanishes
    (1e-3, 1e-3 + 1.0),                      # 2.5e4 x = 25: log10(25) / log10(25) = 1
    (0.04, 0.04 + 3.0 / LOG10_25),           # 2.5e4 x = 1e3
    (1.0, 1.0 + (3.0 + LOG10_25) / LOG10_25),  # 2.5e4 = 25 * 1e3
])
def test_hand_computed_values(x, expected):
    assert log_transform(np.array([x]))[0] == pytest.approx(expected, rel=1e-12)
    assert inverse_log_transform(np.array([expected]))[0] == pytest.approx(x, rel=1e-12)


def test_values_below_the_floor_map_to_the_floor():
    y = log_transform(np.array([-1.0, 0.0, 1e-8, DEFAULT_FLOOR]))
    assert np.all(y == y[-1])
    assert y[-1] == pytest.approx(1e-6 + math.log10(0.025) / LOG10_25)
    np.testing.assert_allclose(inverse_log_transform(y), DEFAULT_FLOOR, rtol=1e-12)
    assert log_transform(np.array([0.0]), floor=1e-3)[0] == pytest.approx(1.001)
    with pytest.raises(ConfigError, match="floor"):
        log_transform(np.array([1.0]), floor=0.0)


@settings(max_examples=200, deadline=None)
@given(X_NORM)
def test_inverse_is_exact_to_float32_precision(x):
    expected = np.maximum(x, np.float32(DEFAULT_FLOOR))
    y = log_transform(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(inverse_log_transform(y), expected, rtol=1e-6, atol=0)
    back = inverse_log_transform(log_transform(torch.from_numpy(x)))
    np.testing.assert_allclose(back.numpy(), expected, rtol=1e-6, atol=0)


@pytest.mark.parametrize("as_tensor", [False, True])
def test_float32_inverse_is_the_rounded_float64_inverse(as_tensor):
    # float32 input: two Newton steps, the first in float32; float64: three in float64
    y = log_transform(np.logspace(-6, 3, 100_000)).astype(np.float32)
    exact = inverse_log_transform(y.astype(np.float64))
    fast = inverse_log_transform(torch.from_numpy(y)).numpy() if as_tensor else \
        inverse_log_transform(y)
    assert fast.dtype == np.float32
    np.testing.assert_allclose(fast, exact, rtol=2.0**-23, atol=0)  # within one float32 ulp


@pytest.mark.parametrize("as_tensor", [False, True])
def test_rough_inverse_is_within_its_documented_error(as_tensor):
    # precise=False: both Newton steps in float32, relative error below 2e-6
    y = log_transform(np.logspace(-6, 3, 100_000)).astype(np.float32)
    exact = inverse_log_transform(y.astype(np.float64))
    given_y = torch.from_numpy(y) if as_tensor else y
    rough = np.asarray(inverse_log_transform(given_y, precise=False))
    precise = np.asarray(inverse_log_transform(given_y))
    assert rough.dtype == np.float32
    np.testing.assert_allclose(rough, exact, rtol=2e-6, atol=0)
    assert (rough != precise).mean() > 0.1  # the cheaper arithmetic did run


@settings(max_examples=100, deadline=None)
@given(X_NORM)
def test_transform_is_monotonic(x):
    x = np.unique(x.astype(np.float64))  # sorted, distinct
    y = log_transform(x)
    assert np.all(np.diff(y) >= 0)
    assert np.all(np.diff(y[x >= DEFAULT_FLOOR]) > 0)  # strictly increasing above the floor


def test_dask_is_lazy_and_matches_numpy():
    x = np.logspace(-7, 1, 50).astype(np.float32)
    lazy = xr.DataArray(x).chunk(10).data
    y = log_transform(lazy)
    assert type(y) is type(lazy)
    np.testing.assert_array_equal(y.compute(), log_transform(x))
    np.testing.assert_array_equal(inverse_log_transform(y).compute(),
                                  inverse_log_transform(log_transform(x)))


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16])
def test_torch_keeps_dtype_and_ignores_autocast(dtype):
    x = torch.logspace(-6, 1, 20).to(dtype)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = log_transform(x)
        back = inverse_log_transform(y)
    assert y.dtype == back.dtype == dtype
    expected = log_transform(x.double().numpy())
    np.testing.assert_allclose(y.double().numpy(), expected, rtol=1e-2, atol=1e-2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_torch_on_cuda():
    x = torch.logspace(-6, 1, 1000, device="cuda")
    back = inverse_log_transform(log_transform(x))
    assert back.device == x.device
    torch.testing.assert_close(back, x, rtol=1e-6, atol=0)


def _as_normalised(ds):
    """Each variable scaled to a maximum of 1 and labelled normalised."""
    return ds.assign({name: (ds[name] / ds[name].max()).assign_attrs(ds[name].attrs, units="1")
                      for name in ds.data_vars})


def test_dataset_wrappers(cams, met):
    ds = _as_normalised(xr.merge([cams, met]))
    out = log_transform_dataset(ds)
    np.testing.assert_array_equal(out.pm10.values, log_transform(ds.pm10.values))
    xr.testing.assert_identical(out.t2m, ds.t2m)  # met untouched by default
    assert "Eq. 12" in out.go3.attrs["transform"] and "1e-06" in out.go3.attrs["transform"]
    back = inverse_log_transform_dataset(out)
    xr.testing.assert_allclose(back, ds, rtol=1e-6)
    assert "transform" not in back.go3.attrs
    only = log_transform_dataset(ds, variables=["no2"])
    xr.testing.assert_identical(only.go3, ds.go3)
    with pytest.raises(MissingVariableError, match="'nox'"):
        log_transform_dataset(ds, variables=["nox"])


def test_dataset_wrapper_is_lazy(cams):
    out = log_transform_dataset(_as_normalised(cams).chunk(time=2))
    assert out.go3.chunks is not None


def test_channel_wrappers():
    da = xr.DataArray(np.full((3, 1, 1), 1e-3, np.float32), dims=("channel", "latitude",
                                                                  "longitude"),
                      coords={"channel": ["tcno2", "t2m", "go3_850"]})
    out = log_transform_channels(da)
    assert out.values.ravel().tolist() == pytest.approx([1.001, 1e-3, 1.001], rel=1e-6)
    assert out.dtype == np.float32 and "transform" in out.attrs
    only = log_transform_channels(da, channels=["go3_850"])
    assert only.values.ravel().tolist() == pytest.approx([1e-3, 1e-3, 1.001], rel=1e-6)
    xr.testing.assert_allclose(inverse_log_transform_channels(out).drop_attrs(), da, rtol=1e-6)
    with pytest.raises(MissingVariableError, match="pm10"):
        log_transform_channels(da, channels=["pm10"])
