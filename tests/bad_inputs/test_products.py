"""Bad inputs of the surface products and of ``xaqf products`` / ``xaqf verify``: units,
impossible values, the wrong averaging, met on another grid, ensembles, bad parameters.

One test per kind; each asserts the error type and that the message names the culprit, or
the converted or masked value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.cli.test_verify import LEADS, TIMES, xr_forecast
from tests.helpers import canonical_dataset
from xaqf import stations
from xaqf.cli import main
from xaqf.errors import ConfigError, DataWarning, GridMismatchError, UnitError
from xaqf.products import air_quality as products
from xaqf.products.surface import surface_concentration, to_surface_units

DAYS = pd.date_range("2022-06-01", periods=2, freq="D")


def _daily(values, units):
    return xr.Dataset({"pm2p5": ("date", values, {"units": units})}, coords={"date": DAYS})


def test_eaqi_converts_kg_per_cubic_metre():
    """30 ug m-3 given as 3e-8 kg m-3 is "poor" (4), not "good" (1)."""
    out = products.eaqi(_daily([3e-8, 5e-9], "kg m**-3"))
    assert out["pm2p5"].values.tolist() == [4, 1]


def test_who_exceedance_converts_kg_per_cubic_metre():
    out = products.who_exceedance(_daily([3e-8, 5e-9], "kg m-3"))
    assert out["pm2p5"].values.tolist() == [True, False]


def test_mole_mole_is_a_volume_ratio():
    ppb = xr.DataArray([20e-9], dims="time", attrs={"units": "mole mole-1"})
    mol = xr.DataArray([20e-9], dims="time", attrs={"units": "mol mol-1"})
    assert float(to_surface_units(ppb, "no2")[0]) == pytest.approx(
        float(to_surface_units(mol, "no2")[0])) == pytest.approx(38.26, abs=0.01)


def test_eaqi_of_negative_concentrations_is_no_data_with_a_count():
    with pytest.warns(DataWarning, match=r"eaqi: 'pm2p5' has 1 negative value\(s\)"):
        out = products.eaqi(_daily([-5.0, 30.0], "ug m-3"))
    assert out["pm2p5"].values.tolist() == [0, 4]


def test_who_of_negative_daily_means_is_not_an_exceedance_with_a_count():
    with pytest.warns(DataWarning, match=r"who_exceedance: 'pm2p5' has 1 negative"):
        out = products.who_exceedance(_daily([-50.0, 30.0], "ug m-3"))
    assert out["pm2p5"].values.tolist() == [False, True]


def test_eaqi_without_units_warns_and_takes_micrograms():
    with pytest.warns(DataWarning, match=r"eaqi: 'pm2p5' has no units; taken as ug m-3"):
        out = products.eaqi(xr.Dataset({"pm2p5": ("date", [30.0])}))
    assert out["pm2p5"].values.tolist() == [4]


def test_who_24h_guideline_on_instantaneous_values_is_refused():
    fields = xr.Dataset({"pm2p5": ("time", [30.0, 5.0], {"units": "ug m-3"})},
                        coords={"time": pd.date_range("2022-06-01", periods=2, freq="12h")})
    with pytest.raises(ConfigError, match=r"no 'date' dimension .* Pass daily_means\(fields\)"):
        products.who_exceedance(fields)


@pytest.fixture
def files(tmp_path):
    cams = canonical_dataset(["pm2p5", "no2"], TIMES, levels=(850.0, 1000.0), seed=4)
    cams["pm2p5"] = (cams["pm2p5"] * 1e-8).assign_attrs(units="kg m-3")
    cams["no2"] = (cams["no2"] * 1e-8).assign_attrs(units="kg kg-1")
    forecast = xr_forecast(cams)
    forecast.to_netcdf(tmp_path / "forecast.nc")
    met = canonical_dataset(["t"], TIMES, levels=(850.0, 1000.0), seed=5)
    met["t"] = (met["t"] * 0 + 288.15).assign_attrs(units="K")
    met.to_netcdf(tmp_path / "met.nc")
    met.isel(latitude=slice(1, None)).to_netcdf(tmp_path / "cut_met.nc")
    obs = stations.station_dataset(
        {"pm2p5": (np.full((3, 5), 20.0), "ug m-3"), "no2": (np.full((3, 5), 30.0), "ug m-3")},
        ["A", "B", "C"], [40.0, -10.0, 0.0], [-3.7, 120.0, 359.0], TIMES)
    obs.to_netcdf(tmp_path / "obs.nc")
    return tmp_path, forecast, met


def test_met_on_another_grid_is_refused_naming_both_grids(files):
    _, forecast, met = files
    with pytest.raises(GridMismatchError, match=r"met 't' \(6 x 12 .*grid of 'no2' \(7 x 12"
                                                r".*met\.aqf\.regrid"):
        surface_concentration(forecast, "no2", met.isel(latitude=slice(1, None)))


@pytest.mark.parametrize("command", ["verify", "products"])
def test_cli_met_on_another_grid_exits_2(files, command, capsys):
    path, _, _ = files
    extra = ["--stations", str(path / "obs.nc"), "--variable", "no2"] \
        if command == "verify" else []
    code = main([command, str(path / "forecast.nc"), *extra, "--met", str(path / "cut_met.nc"),
                 "--output", str(path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"xaqf {command}: error: ") and "not on the grid" in err
    assert not (path / "out").exists()


@pytest.mark.parametrize(("dim", "members"), [("member", 1), ("number", 2)])
def test_cli_on_an_ensemble_uses_the_ensemble_mean(files, dim, members, capsys):
    path, forecast, _ = files
    ensemble = xr.concat([forecast * (1 + k) for k in range(members)], dim)
    ensemble.transpose("init_time", dim, ...).to_netcdf(path / "ensemble.nc")
    out = path / "verify"
    assert main(["verify", str(path / "ensemble.nc"), "--stations", str(path / "obs.nc"),
                 "--output", str(out)]) == 0
    assert "ensemble mean is verified" in capsys.readouterr().out
    table = pd.read_csv(out / "scores.csv", index_col="station")
    mean = forecast * (1 + members) / 2
    expected = stations.interpolate(mean[["pm2p5"]] * 1e9, stations.open_stations(
        path / "obs.nc"))["pm2p5"].sel(station="A")
    assert table.loc["A", "bias"] == pytest.approx(float(expected.mean()) - 20.0, rel=1e-4)
    assert main(["products", str(path / "ensemble.nc"), "--output", str(path / "p")]) == 0
    with xr.open_datatree(path / "p" / "products.nc") as tree:
        assert dim not in tree["eaqi"].dims


def test_cli_verify_bad_tolerance_names_it_before_reading(files, capsys):
    path, _, _ = files
    code = main(["verify", str(path / "forecast.nc"), "--stations", str(path / "obs.nc"),
                 "--tolerance", "banana", "--output", str(path / "out")])
    assert code == 2
    assert "tolerance='banana' is not a time span" in capsys.readouterr().err


def test_cli_products_onto_its_input_is_refused(files, capsys):
    path, _, _ = files
    (path / "p").mkdir()
    forecast = path / "p" / "products.nc"
    (path / "forecast.nc").rename(forecast)
    assert main(["products", str(forecast), "--output", str(path / "p")]) == 2
    assert "products.nc is one of the input files" in capsys.readouterr().err
    assert xr.open_dataset(forecast)["pm2p5"].sizes["lead_time"] == len(LEADS)


def test_cli_verify_onto_its_stations_file_is_refused(files, capsys):
    path, _, _ = files
    (path / "v").mkdir()
    (path / "obs.nc").rename(path / "v" / "scores.csv")
    code = main(["verify", str(path / "forecast.nc"), "--stations",
                 str(path / "v" / "scores.csv"), "--output", str(path / "v")])
    assert code == 2
    assert "scores.csv is one of the input files" in capsys.readouterr().err


def test_who_exceedance_of_a_mixing_ratio_names_the_variable():
    daily = xr.Dataset({"no2": ("date", [3e-8, 1e-9], {"units": "kg kg-1"})},
                       coords={"date": DAYS})
    with pytest.raises(UnitError, match=r"who_exceedance: 'no2'"):
        products.who_exceedance(daily)
