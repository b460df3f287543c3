"""The toy world's FuXi-like ensemble: layout, laziness, determinism, growing spread, skill."""

from __future__ import annotations

import numpy as np
import pytest

from xaqf import metrics
from xaqf.errors import InvalidValueError
from xaqf.tutorial import ensemble_forecast, toy_world


@pytest.fixture(scope="module")
def world():
    return toy_world(resolution=10.0, days=8, spinup_days=0, seed=0)


@pytest.fixture(scope="module")
def ensemble(world):
    return ensemble_forecast(10.0, world.fuxi.init_time.values[:4], members=6).compute()


def test_layout_and_laziness(world):
    lazy = ensemble_forecast(10.0, world.fuxi.init_time.values[:2], members=3)
    assert lazy["z"].dims == ("init_time", "member", "lead_time", "level", "latitude",
                              "longitude")
    assert lazy["z"].chunks is not None
    assert lazy["z"].data.numblocks[:2] == (2, 3)          # one task per (init, member)
    assert lazy["member"].values.tolist() == [0, 1, 2]
    assert lazy["member"].attrs["standard_name"] == "realization"
    assert lazy["z"].attrs["units"] == world.fuxi["z"].attrs["units"]
    np.testing.assert_array_equal(lazy["valid_time"], world.fuxi["valid_time"][:2])


def test_deterministic_by_seed_and_members_differ(world):
    inits = world.fuxi.init_time.values[:1]
    first = ensemble_forecast(10.0, inits, members=2).t2m.values
    again = ensemble_forecast(10.0, inits, members=2).t2m.values
    other = ensemble_forecast(10.0, inits, members=2, seed=1).t2m.values
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert not np.array_equal(first[0, 0, -1], first[0, 1, -1])


def test_members_start_from_the_truth(world, ensemble):
    start = ensemble["z"].isel(lead_time=0)
    truth = world.era5["z"].sel(time=ensemble.init_time.values)
    np.testing.assert_allclose(start.values, np.broadcast_to(truth.values[:, None],
                                                             start.shape), rtol=1e-6)


def test_spread_grows_with_lead_time(ensemble):
    spread = metrics.ensemble_spread(ensemble[["z", "u", "t2m"]])
    for name in ("z", "u"):
        values = spread[name].sel(level=500).values
        assert values[0] < 1e-4 * values[-1]           # members start from the truth
        assert np.all(np.diff(values) > 0), (name, values)
    assert np.all(np.diff(spread["t2m"].values[1:]) > 0)


def test_ensemble_mean_beats_a_single_member(world, ensemble):
    truth = world.era5[["z", "t2m"]]
    mean = metrics.rmse(metrics.ensemble_mean(ensemble[["z", "t2m"]]), truth)
    member = metrics.rmse(ensemble[["z", "t2m"]].isel(member=0, drop=True), truth)
    later = slice(2, None)
    assert (mean["z"].sel(level=500)[later] < member["z"].sel(level=500)[later]).all()
    assert (mean["t2m"][later] < member["t2m"][later]).all()


def test_spread_matches_error(world, ensemble):
    ratio = metrics.spread_skill_ratio(ensemble[["z"]].isel(lead_time=slice(4, None)),
                                       world.era5)["z"].sel(level=500)
    assert float(ratio.min()) > 0.6 and float(ratio.max()) < 1.8


def test_no_members_refused():
    with pytest.raises(InvalidValueError, match="members=0"):
        ensemble_forecast(30.0, ["2022-06-01"], members=0)
