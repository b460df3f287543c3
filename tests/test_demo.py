"""The demo end to end: a reduced run by default, the full skill claims as a slow test."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from xaqf.cli import main
from xaqf.demo import QUICK, Recipe, run_demo


def test_quick_demo_runs_end_to_end(tmp_path):
    result = run_demo(tmp_path, QUICK, progress=False)
    names = {p.name for p in result.files}
    assert {"forecast.nc", "scores.nc", "table.txt", "rmse_vs_lead.png"} <= names
    forecast = xr.open_dataset(tmp_path / "forecast.nc")
    assert forecast.sizes["lead_time"] == 10 and forecast["pm2p5"].attrs["units"] == "kg m-3"
    assert result.normalized.sizes == {"model": 2, "channel": 73, "lead_time": 10}
    assert np.isfinite(result.normalized).all()
    assert "120 h: met-coupled beats persistence" in result.table
    share, reduction = result.share_beating_persistence(), result.reduction_vs_no_met()
    assert 0 <= share <= 1 and np.isfinite(reduction)


@pytest.mark.slow
def test_full_demo_shows_the_skill_claims(tmp_path):
    result = run_demo(tmp_path, Recipe(), progress=False, figures=False)
    assert result.share_beating_persistence(120) >= 0.9
    assert result.reduction_vs_no_met(120) >= 0.10


def test_cli_demo_quick(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("xaqf.demo.Recipe", lambda: QUICK)
    calls = []
    monkeypatch.setattr("xaqf.demo.run_demo", lambda out, recipe, progress: calls.append(
        (out, recipe, progress)))
    assert main(["demo", "--output", str(tmp_path), "--quick", "--no-progress"]) == 0
    assert calls == [(str(tmp_path), QUICK, False)]
