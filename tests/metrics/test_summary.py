"""Tests of normalised RMSE, the score matrix by lead day and the share of wins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf import metrics
from xaqf.errors import MissingTimeError

LEVELS = (100.0, 500.0, 850.0)
TIMES = pd.date_range("2022-06-01", periods=12, freq="12h")
LEADS = pd.to_timedelta(np.arange(1, 7) * 12, unit="h")


@pytest.fixture
def truth() -> xr.Dataset:
    return canonical_dataset(["tcco", "go3", "pm10"], TIMES, levels=LEVELS, seed=4)


def _noisy(truth: xr.Dataset, scale: float, seed: int) -> xr.Dataset:
    rng = np.random.default_rng(seed)
    coords = xr.Dataset(coords={"init_time": TIMES[:3], "lead_time": LEADS})
    aligned = metrics.align_truth(coords, truth)
    return aligned.map(lambda da: da + scale * rng.normal(size=da.shape), keep_attrs=True)


def test_normalized_rmse_is_the_ratio(truth):
    fc, ref = _noisy(truth, 0.5, 0), _noisy(truth, 1.0, 1)
    ratio = metrics.normalized_rmse(fc, ref, truth)
    xr.testing.assert_allclose(ratio, metrics.rmse(fc, truth) / metrics.rmse(ref, truth),
                               check_dim_order=False)
    assert float(ratio.go3.mean()) == pytest.approx(0.5, abs=0.1)
    assert ratio.go3.attrs["units"] == "1"


def test_normalized_rmse_uses_common_inits(truth):
    fc, ref = _noisy(truth, 0.5, 0), _noisy(truth, 1.0, 1)
    ratio = metrics.normalized_rmse(fc, ref.isel(init_time=[1]), truth)
    expected = (metrics.rmse(fc.isel(init_time=[1]), truth)
                / metrics.rmse(ref.isel(init_time=[1]), truth))
    xr.testing.assert_allclose(ratio, expected, check_dim_order=False)
    shifted = ref.assign_coords(init_time=ref.init_time + np.timedelta64(6, "h"))
    with pytest.raises(MissingTimeError, match="init_time"):
        metrics.normalized_rmse(fc, shifted, truth)


def test_score_matrix_shape_and_labels(truth):
    fc, ref = _noisy(truth, 0.5, 0), _noisy(truth, 1.0, 1)
    matrix = metrics.score_matrix(fc, ref, truth)
    assert set(matrix.data_vars) == {"tcco", "go3", "pm10"}
    assert dict(matrix.go3.sizes) == {"level": 3, "lead_day": 3}
    assert matrix.pm10.dims == ("lead_day",)
    assert matrix.lead_day.values.tolist() == [1, 2, 3]
    per_lead = metrics.normalized_rmse(fc, ref, truth)
    np.testing.assert_allclose(matrix.go3.sel(lead_day=2),
                               per_lead.go3.isel(lead_time=[2, 3]).mean("lead_time"))


def test_share_better_on_a_constructed_case():
    lead = pd.to_timedelta([24, 48], unit="h")
    ds = xr.Dataset({"tcco": ("lead_time", [0.5, 1.5]),
                     "go3": (("lead_time", "level"), [[0.9, 1.1, 1.0], [0.8, 0.7, np.nan]])},
                    coords={"lead_time": lead, "level": list(LEVELS)})
    share = metrics.share_better(ds)
    # lead 1: tcco and go3_100 win of 4 channels; lead 2: go3_100, go3_500 win of 3
    np.testing.assert_allclose(share.values, [2 / 4, 2 / 3])
    assert share.dims == ("lead_time",)
    stacked = metrics.channel_scores(ds)
    assert stacked.channel.values.tolist() == ["tcco", "go3_100", "go3_500", "go3_850"]
