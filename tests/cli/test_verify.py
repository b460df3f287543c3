"""End-to-end tests of ``xaqf verify`` on a tiny forecast file and station file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf import stations
from xaqf.cli import main

TIMES = pd.date_range("2022-06-01", periods=5, freq="12h")
LEADS = pd.to_timedelta([12, 24, 36], unit="h")


@pytest.fixture
def files(tmp_path):
    cams = canonical_dataset(["pm2p5", "no2"], TIMES, levels=(850.0, 1000.0), seed=4)
    cams["pm2p5"] = (cams["pm2p5"] * 1e-8).assign_attrs(units="kg m-3")
    cams["no2"] = (cams["no2"] * 1e-8).assign_attrs(units="kg kg-1")
    forecast = xr_forecast(cams)
    forecast.to_netcdf(tmp_path / "forecast.nc")
    met = canonical_dataset(["t", "t2m", "u", "v", "r", "z", "u10", "v10", "msl", "tp"],
                            TIMES, levels=(850.0, 1000.0), seed=5)
    met["t"] = (met["t"] * 0 + 288.15).assign_attrs(units="K")
    met.to_netcdf(tmp_path / "met.nc")
    obs = stations.station_dataset(
        {"pm2p5": (np.full((3, 5), 20.0), "ug m-3"), "no2": (np.full((3, 5), 30.0), "ug m-3")},
        ["A", "B", "C"], [40.0, -10.0, 0.0], [-3.7, 120.0, 359.0], TIMES)
    obs.to_netcdf(tmp_path / "obs.nc")
    return tmp_path, forecast


def xr_forecast(cams):
    parts = [cams.sel(time=TIMES[i] + LEADS).rename(time="lead_time")
             .assign_coords(lead_time=LEADS) for i in range(2)]
    return xr.concat(parts, "init_time").assign_coords(init_time=TIMES[:2])


def test_verify_writes_table_and_figures(files, capsys):
    path, forecast = files
    out = path / "out"
    status = main(["verify", str(path / "forecast.nc"), "--stations", str(path / "obs.nc"),
                   "--output", str(out)])
    assert status == 0
    table = pd.read_csv(out / "scores.csv", index_col="station")
    assert list(table.index) == ["A", "B", "C", "all"]
    assert table.loc["all", "n"] == 3 * 6  # 3 stations, 2 inits x 3 leads, all observed
    expected = stations.interpolate(forecast[["pm2p5"]] * 1e9, stations.open_stations(
        path / "obs.nc"))["pm2p5"].sel(station="A")
    assert table.loc["A", "bias"] == pytest.approx(float(expected.mean()) - 20.0, rel=1e-4)
    for name in ("timeseries.png", "scatter.png", "bias_map.png"):
        assert (out / name).stat().st_size > 1000
    assert "all" in capsys.readouterr().out


def test_verify_gas_needs_met(files, capsys):
    path, _ = files
    argv = ["verify", str(path / "forecast.nc"), "--stations", str(path / "obs.nc"),
            "--variable", "no2", "--output", str(path / "gas")]
    assert main(argv) == 2
    assert "'t'" in capsys.readouterr().err
    assert main([*argv, "--met", str(path / "met.nc")]) == 0
    table = pd.read_csv(path / "gas" / "scores.csv", index_col="station")
    assert np.isfinite(table.loc["all", "rmse"])


def test_verify_missing_file(files, capsys):
    path, _ = files
    assert main(["verify", str(path / "nope.nc"), "--stations", str(path / "obs.nc")]) == 2
    assert "nope.nc" in capsys.readouterr().err


def test_verify_takes_stations_in_ppb_at_the_reference_it_is_given(files, capsys):
    path, _ = files
    ppb = stations.open_stations(path / "obs.nc")[["no2"]]
    ppb["no2"] = (ppb["no2"] * 0 + 15.0).assign_attrs(units="ppb")
    ppb.to_netcdf(path / "ppb.nc")
    tables = []
    for extra in ([], ["--volume-reference", "298.15", "101325"]):
        out = path / f"ppb{len(extra)}"
        argv = ["verify", str(path / "forecast.nc"), "--stations", str(path / "ppb.nc"),
                "--variable", "no2", "--met", str(path / "met.nc"), "--output", str(out),
                *extra]
        assert main(argv) == 0
        tables.append(pd.read_csv(out / "scores.csv", index_col="station"))
    eu, us = tables
    observed = 15.0 * 1.91252  # ug m-3 at 293.15 K
    shift = observed * (1 - 293.15 / 298.15)  # the warmer reference lowers each observation
    assert us.loc["all", "bias"] - eu.loc["all", "bias"] == pytest.approx(shift, rel=1e-3)


def test_verify_tables_by_day_exceedance_and_report(files, capsys):
    path, _ = files
    out = path / "report"
    status = main(["verify", str(path / "forecast.nc"), "--stations", str(path / "obs.nc"),
                   "--output", str(out), "--report"])
    assert status == 0
    table = pd.read_csv(out / "scores.csv", index_col="station")
    assert {"mnmb", "fge", "spearman"} <= set(table.columns)
    by_day = pd.read_csv(out / "scores_by_day.csv", index_col="lead_day")
    assert by_day.index.tolist() == [1, 2]
    assert by_day["n"].tolist() == [3 * 2 * 2, 3 * 2 * 1]  # leads 12, 24 h | 36 h
    skill = pd.read_csv(out / "exceedance.csv")
    counts = skill[["hits", "misses", "false_alarms", "correct_negatives"]].sum(axis=1)
    assert (counts == 3 * 2).all()  # every station and init, per forecast day
    page = (out / "report.html").read_text()
    assert page.count("<table") == 3 and page.count("data:image/png;base64,") == 3
    assert "scores_by_day" in capsys.readouterr().out
