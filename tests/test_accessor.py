"""The preprocessing methods of the ``aqf`` accessor: values, round trips and laziness."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import xaqf  # noqa: F401  (registers the accessor)
from tests.helpers import canonical_dataset
from xaqf import regrid, variables
from xaqf.accessor import DataArrayAccessor, DatasetAccessor
from xaqf.data import io
from xaqf.errors import UnitError
from xaqf.preprocessing import channels, grey_line, normalization, transform


@pytest.fixture
def hand() -> xr.Dataset:
    """pm10 on a 1 x 2 grid at 2 times, and t2m, with hand-checkable values."""
    times = pd.date_range("2022-06-01", periods=2, freq="12h")
    ds = canonical_dataset(["pm10", "t2m"], times, nlat=1, nlon=2)
    ds["pm10"][:] = np.array([[[1.0, 3.0]], [[2.0, 5.0]]])
    ds["t2m"][:] = np.array([[[270.0, 280.0]], [[280.0, 290.0]]])
    return ds


def test_stats_equal_eq11_and_normalised_values(hand):
    stats = hand.aqf.compute_stats()
    assert stats["std"].sel(channel="pm10").item() == 2.0  # 0.5 * (3 + 5) / 2
    assert stats["mean"].sel(channel="t2m").item() == 280.0
    assert stats["std"].sel(channel="t2m").item() == pytest.approx(math.sqrt(50.0))
    norm = hand.aqf.normalize(stats)
    assert norm.pm10.values.ravel().tolist() == [0.5, 1.5, 1.0, 2.5]
    assert norm.t2m.values.ravel().tolist() == pytest.approx(
        [v / math.sqrt(50.0) for v in (-10, 0, 0, 10)])
    xr.testing.assert_allclose(norm.aqf.denormalize(stats), hand)


def test_log_transform_through_the_accessor(hand):
    norm = hand.aqf.normalize(hand.aqf.compute_stats())
    out = norm.aqf.log_transform()
    # x = 0.5: 0.5 + log10(12500) / log10(25)
    assert out.pm10.values.ravel()[0] == pytest.approx(0.5 + math.log10(12500) / math.log10(25))
    xr.testing.assert_identical(out.t2m, norm.t2m)
    assert out.aqf.log_transform(variables=["t2m"], floor=1e-3).t2m.attrs["transform"]
    xr.testing.assert_allclose(out.aqf.inverse_log_transform(), norm, rtol=1e-6)


def test_channels_and_base_through_the_accessor(cams):
    da = cams.aqf.to_channels("pollutant")
    assert tuple(da.channel.values) == variables.POLLUTANT_CHANNELS
    xr.testing.assert_identical(da.aqf.from_channels(), cams)
    assert cams.aqf.to_channels(["pm10"]).sizes["channel"] == 1
    base = cams.aqf.grey_line_base(step="12h")
    np.testing.assert_array_equal(base.no2.isel(time=0), cams.no2.isel(time=0))
    np.testing.assert_array_equal(base.go3.isel(time=0), cams.go3.isel(time=1))
    assert cams.aqf.grey_line_base(step="24h").go3.attrs["base_lag"] == "24h"


def test_channel_dataarray_normalisation_through_the_accessor(cams):
    stats = cams.aqf.compute_stats()
    da = cams.aqf.to_channels()
    norm = da.aqf.normalize(stats)
    assert norm.attrs["units"] == "1"
    xr.testing.assert_allclose(norm.aqf.denormalize(stats), da, rtol=1e-6)


def test_nothing_computes_until_compute(cams, met, no_compute):
    ds = xr.merge([cams, met]).chunk(time=2)
    with no_compute():
        stats = ds.aqf.compute_stats()
        norm = ds.aqf.normalize(stats)
        trans = norm.aqf.log_transform()
        base = trans.aqf.grey_line_base()
        stacked = trans.aqf.to_channels("pollutant")
        back = stacked.aqf.from_channels().aqf.inverse_log_transform().aqf.denormalize(stats)
        lazy = [stats["std"], norm.go3, trans.pm10, base.no2, stacked, back.co]
        assert all(obj.chunks is not None for obj in lazy)
        with pytest.raises(AssertionError, match="computed"):
            stats.compute()
    xr.testing.assert_allclose(back.compute(), cams, rtol=1e-5)


PAIRS = {
    "Dataset.regrid": (DatasetAccessor.regrid, regrid.regrid),
    "Dataset.normalize": (DatasetAccessor.normalize, normalization.normalize),
    "Dataset.denormalize": (DatasetAccessor.denormalize, normalization.denormalize),
    "standardize": (DatasetAccessor.standardize, io.standardize),
    "compute_stats": (DatasetAccessor.compute_stats, normalization.compute_stats),
    "log_transform": (DatasetAccessor.log_transform, transform.log_transform_dataset),
    "inverse_log_transform": (DatasetAccessor.inverse_log_transform,
                              transform.inverse_log_transform_dataset),
    "grey_line_base": (DatasetAccessor.grey_line_base, grey_line.grey_line_base),
    "to_channels": (DatasetAccessor.to_channels, channels.to_channels),
    "DataArray.regrid": (DataArrayAccessor.regrid, regrid.regrid),
    "DataArray.normalize": (DataArrayAccessor.normalize, normalization.normalize),
    "from_channels": (DataArrayAccessor.from_channels, channels.from_channels),
}


def _described(function) -> list[tuple[str, object, object]]:
    """(name, kind, default) of every parameter after the first (``self`` or the data)."""
    parameters = list(inspect.signature(function).parameters.values())[1:]
    return [(p.name, p.kind, p.default) for p in parameters]


@pytest.mark.parametrize("method, function", PAIRS.values(), ids=PAIRS.keys())
def test_accessor_signatures_are_explicit_and_mirror_the_functions(method, function):
    kinds = [kind for _, kind, _ in _described(method)]
    assert inspect.Parameter.VAR_KEYWORD not in kinds
    assert inspect.Parameter.VAR_POSITIONAL not in kinds
    assert _described(method) == _described(function)


@pytest.mark.parametrize("accessor", [DatasetAccessor, DataArrayAccessor])
def test_every_public_accessor_method_is_paired(accessor):
    public = {name for name in dir(accessor) if not name.startswith("_")}
    paired = {method.__name__ for method, _ in PAIRS.values()
              if getattr(accessor, method.__name__, None) is method}
    assert public == paired


def test_regrid_through_the_accessor_equals_the_function(cams):
    ds = cams[["pm10", "go3"]]
    xr.testing.assert_identical(ds.aqf.regrid(45.0), regrid.regrid(ds, 45.0))
    xr.testing.assert_identical(ds.go3.aqf.regrid(45.0), regrid.regrid(ds.go3, 45.0))
    assert ds.aqf.regrid(45.0).sizes["latitude"] == 5


def test_compute_stats_forwards_every_option(hand):
    ds = hand.assign(emis=hand.pm10.copy().assign_attrs(units="kg m-2 s-1"))
    options = {"dims": ["time"], "variables": ["t2m", "emis"], "scale_variables": ["emis"]}
    stats = ds.aqf.compute_stats(**options)
    xr.testing.assert_identical(stats, normalization.compute_stats(ds, **options))
    assert stats.channel.values.tolist() == ["t2m", "emis"]
    assert str(stats.method.sel(channel="emis").values) == "scale"


def test_grey_line_base_forwards_every_option(cams):
    targets = cams.time.values[2:4]
    options = {"step": "12h", "grey_line": ["go3"], "target_times": targets}
    base = cams.aqf.grey_line_base(**options)
    xr.testing.assert_identical(base, grey_line.grey_line_base(cams, **options))
    assert base.time.values.tolist() == targets.tolist()
    assert (base.go3.attrs["base_lag"], base.no2.attrs["base_lag"]) == ("24h", "12h")


def test_standardize_forwards_assume_units(hand):
    bare = hand.copy()
    del bare["pm10"].attrs["units"]
    with pytest.raises(UnitError, match="pm10"):
        bare.aqf.standardize("cams")
    xr.testing.assert_identical(bare.aqf.standardize("cams", assume_units=True),
                                io.standardize(bare, "cams", assume_units=True))
