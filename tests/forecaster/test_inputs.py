"""Tests of xaqf.forecaster.inputs: selections that view consecutive runs, lazy inputs read
once."""

from __future__ import annotations

import dask
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import cams_and_met
from xaqf.forecaster.inputs import prepare_inputs, select

TIMES = pd.date_range("2022-06-01", periods=6, freq="12h")
LEADS = pd.to_timedelta([0, 12, 24, 36], "h")


@pytest.fixture
def ds() -> xr.Dataset:
    rng = np.random.default_rng(0)
    return xr.Dataset(
        {"a": (("init_time", "lead_time", "member", "x"), rng.normal(size=(6, 4, 3, 5)))},
        coords={"init_time": TIMES, "lead_time": LEADS, "member": [0, 1, 2]},
        attrs={"title": "kept"})


@pytest.mark.parametrize("indexers", [
    {"init_time": TIMES[1:4].values},
    {"init_time": TIMES[[4, 2]].values, "lead_time": LEADS[1:].values},
    {"init_time": TIMES[[0, 2, 3]].values},
    {"init_time": TIMES[2:3].values, "lead_time": LEADS[[0, 1, 3]].values},
    {"init_time": TIMES[2], "lead_time": LEADS[1:3].values},
])
def test_select_is_sel(ds, indexers):
    xr.testing.assert_identical(select(ds, indexers), ds.sel(indexers))


def test_consecutive_labels_are_viewed_others_copied(ds):
    viewed = select(ds, {"init_time": TIMES[1:4].values, "lead_time": LEADS[:2].values})
    assert np.shares_memory(viewed.a.values, ds.a.values)
    copied = select(ds, {"init_time": TIMES[[1, 3]].values})
    assert not np.shares_memory(copied.a.values, ds.a.values)


def test_pointwise_indexers_pair_labels(ds):
    cases = {"init_time": xr.DataArray(TIMES[[1, 1, 2]].values, dims="case"),
             "member": xr.DataArray([0, 2, 1], dims="case"), "lead_time": LEADS[1:3].values}
    xr.testing.assert_identical(select(ds, cases), ds.sel(cases))


def test_missing_labels_raise_as_sel_does(ds):
    with pytest.raises(KeyError):
        select(ds, {"init_time": np.array([np.datetime64("2030-01-01", "ns")])})


def test_lazy_states_are_computed_once_per_fetch():
    times = pd.date_range("2022-06-01", periods=5, freq="12h")
    cams, met = cams_and_met(times, scale_pollutants=1e-9)
    inputs = prepare_inputs(cams.chunk(time=1), met.chunk(time=1), steps=2,
                            step=pd.Timedelta("12h"), init_times=times[1:3])
    computes = []

    def counting(graph, keys, **kwargs):
        computes.append(keys)
        return dask.get(graph, keys, **kwargs)

    with dask.config.set(scheduler=counting):
        before, now = inputs.pollutants(inputs.init_times)
        states = inputs.meteorology(inputs.init_times, range(3))
    assert len(computes) == 2  # one for the pollutant states, one for the met block
    eager = prepare_inputs(cams, met, steps=2, step=pd.Timedelta("12h"), init_times=times[1:3])
    eager_before, eager_now = eager.pollutants(eager.init_times)
    np.testing.assert_array_equal(before, eager_before)
    np.testing.assert_array_equal(now, eager_now)
    np.testing.assert_array_equal(states, eager.meteorology(eager.init_times, range(3)))
