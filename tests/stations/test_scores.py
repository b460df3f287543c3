"""Station scores on hand-built series."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from xaqf.stations import bias, correlation, fac2, nmb, rmse, score_table

F = xr.DataArray([[2.0, 4.0, 9.0, np.nan], [1.0, 2.0, 3.0, 4.0]], dims=("station", "time"),
                 coords={"station": ["a", "b"], "latitude": ("station", [1.0, 2.0]),
                         "longitude": ("station", [3.0, 4.0])})
OBS = xr.DataArray([[1.0, 4.0, 3.0, 5.0], [2.0, 4.0, 6.0, 8.0]], dims=("station", "time"),
                 coords={"station": ["a", "b"]})


def test_per_station_hand_values():
    # station a: pairs (2,1) (4,4) (9,3); the NaN forecast drops the 4th pair
    np.testing.assert_allclose(bias(F, OBS).values, [7 / 3, -2.5])
    np.testing.assert_allclose(rmse(F, OBS).values, [np.sqrt(37 / 3), np.sqrt(7.5)])
    np.testing.assert_allclose(nmb(F, OBS).values, [7 / 8, -0.5])
    np.testing.assert_allclose(fac2(F, OBS).values, [2 / 3, 1.0])  # 2/1, 4/4 in; 9/3 out
    r_a = np.corrcoef([2.0, 4.0, 9.0], [1.0, 4.0, 3.0])[0, 1]
    np.testing.assert_allclose(correlation(F, OBS).values, [r_a, 1.0])


def test_pooled_and_table():
    f = np.array([2.0, 4.0, 9.0, 1.0, 2.0, 3.0, 4.0])
    o = np.array([1.0, 4.0, 3.0, 2.0, 4.0, 6.0, 8.0])
    assert float(bias(F, OBS, pooled=True)) == pytest.approx(np.mean(f - o))
    assert float(correlation(F, OBS, pooled=True)) == pytest.approx(np.corrcoef(f, o)[0, 1])
    table = score_table(F, OBS)
    assert list(table.index) == ["a", "b", "all"]
    assert table.loc["all", "n"] == 7 and table.loc["a", "n"] == 3
    assert table.loc["all", "rmse"] == pytest.approx(np.sqrt(np.mean((f - o) ** 2)))
    assert table.loc["b", "latitude"] == 2.0


def test_fac2_ignores_nonpositive_observations():
    f = xr.DataArray([1.0, 5.0], dims="time")
    o = xr.DataArray([0.0, 5.0], dims="time")
    assert float(fac2(f, o, pooled=True)) == 1.0


def test_mnmb_fge_spearman_by_their_formulas():
    from scipy import stats

    from xaqf.stations import fge, mnmb, spearman

    # station a: pairs (2,1) (4,4) (9,3); station b: (1,2) (2,4) (3,6) (4,8)
    np.testing.assert_allclose(mnmb(F, OBS).values, [2 / 3 * (1 / 3 + 0 + 6 / 12),
                                                     2 * -1 / 3])
    np.testing.assert_allclose(fge(F, OBS).values, [2 / 3 * (1 / 3 + 0 + 6 / 12), 2 / 3])
    rho_a = stats.spearmanr([2.0, 4.0, 9.0], [1.0, 4.0, 3.0])[0]
    np.testing.assert_allclose(spearman(F, OBS).values, [rho_a, 1.0])
    f = np.array([2.0, 4.0, 9.0, 1.0, 2.0, 3.0, 4.0])
    o = np.array([1.0, 4.0, 3.0, 2.0, 4.0, 6.0, 8.0])
    assert float(spearman(F, OBS, pooled=True)) == pytest.approx(stats.spearmanr(f, o)[0])
    table = score_table(F, OBS)
    assert {"mnmb", "fge", "spearman"} <= set(table.columns)
    assert table.loc["all", "fge"] == pytest.approx(np.mean(2 * np.abs(f - o) / (f + o)))
