"""Tests of xaqf.metrics.ensemble: CRPS against properscoring, spread-skill, rank histogram."""

from __future__ import annotations

import numpy as np
import pandas as pd
import properscoring
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf import metrics
from xaqf.errors import InvalidValueError, LayoutError, MissingTimeError
from xaqf.metrics.ensemble import crps_points

LEVELS = (500.0, 850.0)
LEADS = pd.to_timedelta([12, 24, 36], unit="h")


def make_truth(periods: int = 8, seed: int = 1) -> xr.Dataset:
    times = pd.date_range("2022-06-01", periods=periods, freq="12h")
    return canonical_dataset(["tcco", "go3"], times, levels=LEVELS, seed=seed, positive=False)


def make_ensemble(truth: xr.Dataset, members: int = 5, noise: float = 0.5, centre: float = 0.0,
                  inits: int = 3, seed: int = 2) -> xr.Dataset:
    """Members = truth + a shared error of size ``centre`` + member noise of size ``noise``."""
    rng = np.random.default_rng(seed)
    coords = xr.Dataset(coords={"init_time": truth.time.values[:inits], "lead_time": LEADS})
    aligned = metrics.align_truth(coords, truth).drop_vars("valid_time")
    out = {}
    for name, da in aligned.data_vars.items():
        shared = centre * rng.normal(size=da.shape)
        spread = noise * rng.normal(size=(members, *da.shape))
        values = (da.values + shared)[None] + spread
        out[name] = (("member", *da.dims), values.astype(np.float32), da.attrs)
    ensemble = xr.Dataset(out, coords=aligned.coords).assign_coords(member=np.arange(members))
    return ensemble.transpose("init_time", "member", "lead_time", ...)


def weighted_reference(points: np.ndarray, latitude: np.ndarray) -> np.ndarray:
    """Cos-latitude weighted spatial mean over the last two axes, then mean over axis 0."""
    w = np.cos(np.deg2rad(latitude))
    w = np.where(np.abs(latitude) == 90.0, 0.0, w)
    spatial = (points * w[:, None]).sum((-2, -1)) / (w.sum() * points.shape[-1])
    return spatial.mean(0)


def test_crps_points_equal_properscoring_and_brute_force():
    rng = np.random.default_rng(0)
    members, truth = rng.normal(size=(200, 7)), rng.normal(size=200)
    np.testing.assert_allclose(crps_points(members, truth, fair=False),
                               properscoring.crps_ensemble(truth, members), rtol=1e-12)
    pairs = np.abs(members[:, :, None] - members[:, None, :]).sum((1, 2))
    fair = np.abs(members - truth[:, None]).mean(1) - pairs / (2 * 7 * 6)
    np.testing.assert_allclose(crps_points(members, truth), fair, rtol=1e-12)


def test_crps_score_equals_weighted_properscoring():
    truth = make_truth()
    ensemble = make_ensemble(truth, members=6)
    score = metrics.crps(ensemble, truth, fair=False)
    assert set(score["go3"].dims) == {"lead_time", "level"}
    assert score["go3"].attrs["long_name"].startswith("CRPS of")
    fc = ensemble["go3"].transpose("init_time", "lead_time", "level", "latitude", "longitude",
                                   "member")
    observed = metrics.align_truth(ensemble, truth)["go3"].transpose(*fc.dims[:-1])
    points = properscoring.crps_ensemble(observed.values, fc.values)
    expected = weighted_reference(points, truth.latitude.values)
    np.testing.assert_allclose(score["go3"].transpose("lead_time", "level").values, expected,
                               rtol=1e-5)


def test_fair_crps_is_unbiased_for_the_ensemble_size():
    rng = np.random.default_rng(3)
    truth = rng.normal(size=20000)
    small = crps_points(rng.normal(size=(20000, 2)), truth).mean()
    large = crps_points(rng.normal(size=(20000, 40)), truth).mean()
    empirical = crps_points(rng.normal(size=(20000, 2)), truth, fair=False).mean()
    assert abs(small - large) < 0.02          # the same distribution scores the same
    assert empirical - large > 0.1            # the empirical CRPS penalises 2 members


def test_crps_lower_for_better_ensemble():
    truth = make_truth()
    good = metrics.crps(make_ensemble(truth, noise=0.3), truth)
    bad = metrics.crps(make_ensemble(truth, noise=0.3, centre=1.0), truth)
    assert (good["tcco"] < bad["tcco"]).all()
    assert (good["go3"] < bad["go3"]).all()


def test_one_member_fair_crps_refused_and_empirical_crps_is_mae():
    truth = make_truth()
    single = make_ensemble(truth, members=1)
    with pytest.raises(InvalidValueError, match="at least 2 ensemble members.*fair=False"):
        metrics.crps(single, truth)
    xr.testing.assert_allclose(
        metrics.crps(single, truth, fair=False),
        metrics.mae(single.isel(member=0, drop=True), truth), rtol=1e-6)


def test_deterministic_forecast_is_refused():
    truth = make_truth()
    deterministic = make_ensemble(truth).isel(member=0, drop=True)
    for score in (metrics.crps, metrics.spread_skill_ratio, metrics.rank_histogram):
        with pytest.raises(LayoutError, match="'member' dimension"):
            score(deterministic, truth)


def test_crps_independent_of_latitude_order_and_lazy():
    truth = make_truth()
    ensemble = make_ensemble(truth)
    reference = metrics.crps(ensemble, truth)
    flipped = metrics.crps(ensemble.isel(latitude=slice(None, None, -1)).chunk(
        {"init_time": 1, "member": 2}), truth)
    assert flipped["go3"].chunks is not None
    xr.testing.assert_allclose(flipped.compute(), reference, rtol=1e-5)


def test_spread_skill_on_hand_built_data():
    truth = make_truth()
    centre = metrics.align_truth(
        xr.Dataset(coords={"init_time": truth.time.values[:2], "lead_time": LEADS}), truth
    ).drop_vars("valid_time") + 2.0
    ensemble = xr.concat([centre - 1.0, centre + 1.0], "member").transpose(
        "init_time", "member", ...)
    spread = metrics.ensemble_spread(ensemble)
    np.testing.assert_allclose(spread["go3"].values, np.sqrt(2.0), rtol=1e-6)
    ratio = metrics.spread_skill_ratio(ensemble, truth)
    np.testing.assert_allclose(ratio["go3"].values, np.sqrt(1.5) * np.sqrt(2.0) / 2.0,
                               rtol=1e-5)
    xr.testing.assert_allclose(metrics.ensemble_mean(ensemble), centre)


def test_spread_skill_ratio_near_one_for_reliable_ensemble():
    truth = make_truth()
    reliable = make_ensemble(truth, members=4, noise=1.0, centre=1.0, inits=5)
    under = make_ensemble(truth, members=4, noise=0.3, centre=1.0, inits=5)
    ratio = metrics.spread_skill_ratio(reliable, truth)["go3"]
    assert float(abs(ratio.mean() - 1.0)) < 0.1
    assert (metrics.spread_skill_ratio(under, truth)["go3"] < 0.5).all()
    with pytest.raises(InvalidValueError, match="at least 2"):
        metrics.ensemble_spread(reliable.isel(member=[0]))


def test_rank_histogram_sums_to_one_and_shows_dispersion():
    truth = make_truth()
    reliable = metrics.rank_histogram(make_ensemble(truth, 4, 1.0, 1.0, inits=5), truth)
    under = metrics.rank_histogram(make_ensemble(truth, 4, 0.2, 1.0, inits=5), truth)
    assert reliable["go3"].dims[0] == "rank"
    assert reliable["go3"]["rank"].values.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(reliable["go3"].sum("rank"), 1.0, rtol=1e-6)
    np.testing.assert_allclose(under["tcco"].sum("rank"), 1.0, rtol=1e-6)
    assert float(abs(reliable["go3"] - 0.2).max()) < 0.12
    edges = under["go3"].isel(rank=[0, -1]).sum("rank")
    assert (edges > 0.7).all()                  # U-shaped: the truth falls outside


def test_rank_histogram_ties_share_bins_and_nan_propagates():
    truth = make_truth()
    coords = xr.Dataset(coords={"init_time": truth.time.values[:1], "lead_time": LEADS[:1]})
    aligned = metrics.align_truth(coords, truth).drop_vars("valid_time")
    ties = xr.concat([aligned, aligned + 1.0], "member").transpose("init_time", "member", ...)
    hist = metrics.rank_histogram(ties, truth)["tcco"].values.ravel()
    np.testing.assert_allclose(hist, [0.5, 0.5, 0.0], atol=1e-6)
    holed = ties.copy(deep=True)
    holed["tcco"][0, 0, 0, 3, 4] = np.nan
    assert np.isnan(metrics.rank_histogram(holed, truth)["tcco"]).all()
    skipped = metrics.rank_histogram(holed, truth, skipna=True)["tcco"]
    np.testing.assert_allclose(skipped.sum("rank"), 1.0, rtol=1e-6)


def test_ensemble_figures_render_the_scores():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xaqf.metrics import plot

    truth = make_truth()
    ensemble = make_ensemble(truth, members=4)
    crps = metrics.crps(ensemble, truth)
    mae = metrics.mae(ensemble.isel(member=0, drop=True), truth)
    fig = plot.plot_crps(crps, {"MAE, one member": mae}, variables=["tcco", "go3_500"])
    assert [ax.get_title() for ax in fig.axes] == ["TC CO", "O₃ 500 hPa"]
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), crps["tcco"].values * 1e6)
    skill = metrics.rmse(metrics.ensemble_mean(ensemble), truth)
    fig = plot.plot_spread_skill(metrics.ensemble_spread(ensemble), skill, ["tcco"])
    assert len(fig.axes[0].lines) == 2
    hist = metrics.rank_histogram(ensemble, truth)
    fig = plot.plot_rank_histogram(hist, ["tcco"], lead_time="24h")
    heights = [bar.get_height() for bar in fig.axes[0].patches]
    assert len(heights) == 5 and abs(sum(heights) - 1.0) < 1e-6
    with pytest.raises(MissingTimeError, match="lead time 5 days"):
        plot.plot_rank_histogram(hist, ["tcco"], lead_time="120h")
    plt.close("all")
