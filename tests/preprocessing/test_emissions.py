"""Emission inputs: settings, Eq. 11 statistics, model width, save/load, predict, training."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import grid, micro_config
from xaqf import Forecaster
from xaqf._utils.tensor_file import read_file, write_file
from xaqf.data.inventory import open_cams_glob_ant, open_emissions
from xaqf.errors import LayoutError, MissingVariableError
from xaqf.forecaster import model_file
from xaqf.preprocessing.emissions import (
    EmissionEncoder,
    EmissionSettings,
    emission_stats,
)
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.preprocessing.statics import STATIC_CHANNELS
from xaqf.training import WindowDataset, stage_config, train_stage
from xaqf.tutorial import toy_world

TIMES = pd.date_range("2022-06-01", periods=6, freq="12h")


def _inventory(monthly: bool = False, seed: int = 0) -> xr.Dataset:
    rng = np.random.default_rng(seed)
    coords: dict = dict(grid())
    dims: tuple[str, ...] = ("latitude", "longitude")
    if monthly:
        coords["month"] = np.arange(1, 13)
        dims = ("month", *dims)
    shape = tuple(len(coords[d]) for d in dims)
    return xr.Dataset({f"emi_{s}": (dims, rng.gamma(1.0, 1e-9, shape), {"units": "kg m-2 s-1"})
                       for s in ("co", "nox", "so2")}, coords=coords)


@pytest.fixture(scope="module")
def data():
    """Plausible pollutants and weather on the 7 x 12 grid of :func:`_inventory`."""
    world = toy_world(resolution=30.0, days=3, spinup_days=0)
    return world.cams, world.era5


def _forecaster(data, settings=None, emissions=None):
    stats = [compute_model_stats(*data).compute()]
    if settings is not None:
        stats.append(emission_stats(emissions, settings, data[0]["time"].values))
    return Forecaster.from_config(micro_config(), stats, seed=0, emissions=settings)


def test_statistics_are_eq_11_on_hand_built_fields():
    ds = xr.Dataset({"emi_co": (("month", "latitude", "longitude"),
                                np.array([[[1.0, 3.0]], [[2.0, 8.0]]] + [[[0.0, 0.0]]] * 10),
                                {"units": "g m-2 s-1"})}, coords={"month": np.arange(1, 13)})
    times = np.array(["2022-01-05", "2022-02-05", "2022-02-06"], "datetime64[ns]")
    stats = emission_stats(ds, EmissionSettings(("co",), monthly=True), times)
    # spatial maxima 3, 8, 8 g -> kg; scale = 0.5 * their mean over the picked times
    assert float(stats["std"][0]) == pytest.approx(0.5 * (3 + 8 + 8) / 3 * 1e-3)
    assert float(stats["mean"][0]) == 0 and str(stats["method"].values[0]) == "scale"
    annual = emission_stats(ds, EmissionSettings(("co",)))
    # the annual mean field is (1 + 2, 3 + 8) / 12 g; its maximum is 11 / 12 g
    assert float(annual["std"][0]) == pytest.approx(0.5 * (3 + 8) / 12 * 1e-3)


def test_log_transform_and_round_trip_of_the_encoder():
    ds = _inventory()
    encoder = EmissionEncoder.fit(ds, EmissionSettings(("nox", "co"), log_transform=True))
    features = encoder.features(ds)
    assert features.shape == (1, 2, 7, 12) and features.dtype == np.float32
    scaled = ds["emi_nox"].values / float(encoder.stats["std"][0])
    assert np.all(np.diff(features[0, 0].ravel()[np.argsort(scaled.ravel())]) >= -1e-6)
    again = EmissionEncoder.from_dict(json.loads(json.dumps(encoder.to_dict())))
    np.testing.assert_array_equal(again.features(ds), features)


def test_input_width_follows_the_species(data):
    plain = _forecaster(data)
    settings = EmissionSettings(("co", "so2"))
    with_emis = _forecaster(data, settings, _inventory())
    assert plain.config.static_channels == len(STATIC_CHANNELS)
    assert with_emis.config.static_channels == len(STATIC_CHANNELS) + 2
    assert with_emis.emissions.channels == ("emi_co", "emi_so2")


def test_save_load_keeps_emissions_and_old_files_load(data, tmp_path):
    settings = EmissionSettings(("nox",), monthly=True)
    fc = _forecaster(data, settings, _inventory(monthly=True))
    loaded = Forecaster.load(fc.save(tmp_path / "m.safetensors"))
    assert loaded.emissions.settings == settings
    np.testing.assert_allclose(loaded.emissions.stats["std"], fc.emissions.stats["std"])
    assert loaded.config.static_channels == 7
    # a format-1 file (written before emissions existed) still loads
    plain = _forecaster(data)
    path = plain.save(tmp_path / "old.safetensors")
    tensors, document = read_file(path)
    document.pop("emissions")
    document["format_version"] = 1
    write_file(tmp_path / "v1.safetensors", tensors, document)
    old = Forecaster.load(tmp_path / "v1.safetensors")
    assert old.emissions is None and old.config == plain.config
    assert model_file.FORMAT_VERSION == 2


def test_forecast_needs_the_trained_emissions(data):
    cams, met = data
    fc = _forecaster(data, EmissionSettings(("co", "so2")), _inventory())
    with pytest.raises(MissingVariableError, match=r"\['co', 'so2'\]"):
        fc.predict(cams, met, steps=2, progress=False)
    partial = _inventory()[["emi_co"]]
    with pytest.raises(MissingVariableError, match=r"species \['so2'\]"):
        fc.predict(cams, met, steps=2, progress=False, emissions=partial)
    out = fc.predict(cams, met, steps=2, progress=False, emissions=_inventory())
    doubled = _inventory().map(lambda da: (da * 50).assign_attrs(da.attrs))
    other = fc.predict(cams, met, steps=2, progress=False, emissions=doubled)
    assert out.sizes["lead_time"] == 2
    assert not np.allclose(out["go3"].values, other["go3"].values)


def test_monthly_forecast_and_conservative_regridding_of_coarse_emissions(data):
    cams, met = data
    settings = EmissionSettings(("co",), monthly=True)
    fc = _forecaster(data, settings, _inventory(monthly=True))
    coarse = _inventory(monthly=True).coarsen(longitude=2).mean()
    with pytest.warns(UserWarning, match="conservatively"):
        out = fc.predict(cams, met, steps=2, progress=False, emissions=coarse)
    assert np.isfinite(out["pm10"].values).all()


def test_model_without_emissions_warns_and_ignores_them(data):
    cams, met = data
    fc = _forecaster(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reference = fc.predict(cams, met, steps=1, progress=False)
    with pytest.warns(UserWarning, match="without emission inputs"):
        out = fc.predict(cams, met, steps=1, progress=False, emissions=_inventory())
    xr.testing.assert_identical(out.drop_attrs(), reference.drop_attrs())


def test_tiny_training_run_with_emissions(data):
    settings = EmissionSettings(("co", "nox"), monthly=True, log_transform=True)
    inventory = _inventory(monthly=True)
    fc = _forecaster(data, settings, inventory)
    windows = WindowDataset(fc, *data, emissions=inventory, cache=True)
    assert windows[0].statics.shape == (1, 8, 7, 12)
    with pytest.raises(MissingVariableError, match="emissions"):
        WindowDataset(fc, *data)
    stage = stage_config("pretrain", epochs=3, batch_size=2, max_lr=3e-3)
    history = train_stage(fc, windows, stage, validation=windows, progress=False)
    assert len(history.losses) == 6 and np.isfinite(history.losses).all()
    assert history.val_rmse[-1] < history.val_rmse_base[-1]


def test_cams_glob_ant_opener_sums_sectors(tmp_path):
    lat = np.array([-45.0, 45.0])
    lon = np.array([-90.0, 90.0])
    time = pd.date_range("2021-01-01", periods=24, freq="MS")
    sectors = {name: (("time", "lat", "lon"), np.full((24, 2, 2), value),
                      {"units": "kg m-2 s-1"}) for name, value in (("ene", 1.0), ("tro", 2.0))}
    path = tmp_path / "CAMS-GLOB-ANT_Glb_0.1x0.1_anthro_nox_v6.2_monthly.nc"
    xr.Dataset(sectors, coords={"time": time, "lat": lat, "lon": lon}).to_netcdf(path)
    ds = open_cams_glob_ant(path)
    assert list(ds.data_vars) == ["emi_nox"]
    assert ds["emi_nox"].dims == ("month", "latitude", "longitude")
    assert float(ds["emi_nox"].max()) == 3.0 and ds["emi_nox"].attrs["units"] == "kg m-2 s-1"
    assert ds["latitude"].values.tolist() == [45.0, -45.0]
    assert ds["longitude"].values.tolist() == [90.0, 270.0]


def test_cams_glob_ant_files_of_several_years_make_one_climatology(tmp_path):
    def year(value: float, first: str, folder: str):
        (tmp_path / folder).mkdir(exist_ok=True)
        path = tmp_path / folder / "CAMS-GLOB-ANT_Glb_0.1x0.1_anthro_co_v6.2_monthly.nc"
        xr.Dataset({"sum": (("time", "lat", "lon"), np.full((12, 2, 2), value),
                            {"units": "kg m-2 s-1"})},
                   coords={"time": pd.date_range(first, periods=12, freq="MS"),
                           "lat": [-45.0, 45.0], "lon": [0.0, 180.0]}).to_netcdf(path)
        return path

    first, second = year(1.0, "2021-01-01", "2021"), year(3.0, "2022-01-01", "2022")
    ds = open_cams_glob_ant([second, first])
    assert ds.sizes["month"] == 12 and np.allclose(ds["emi_co"].values, 2.0)
    same = year(3.0, "2022-01-01", "same")  # the same year fetched twice: kept once
    np.testing.assert_allclose(open_cams_glob_ant([first, second, same])["emi_co"], 2.0)
    other = year(5.0, "2022-01-01", "other")
    with pytest.raises(LayoutError, match="co: the month 2022-01 is in several files with"):
        open_cams_glob_ant([first, second, other])


def test_open_emissions_takes_either_kind_of_file_not_a_mix(tmp_path):
    anthro = tmp_path / "CAMS-GLOB-ANT_Glb_0.1x0.1_anthro_so2_v6.2_monthly.nc"
    xr.Dataset({"sum": (("time", "lat", "lon"), np.ones((12, 2, 2)), {"units": "kg m-2 s-1"})},
               coords={"time": pd.date_range("2021-01-01", periods=12, freq="MS"),
                       "lat": [-45.0, 45.0], "lon": [0.0, 180.0]}).to_netcdf(anthro)
    assert list(open_emissions(tmp_path / "CAMS-GLOB-ANT_*.nc").data_vars) == ["emi_so2"]
    inventory = _inventory()
    inventory[["emi_co"]].to_netcdf(tmp_path / "co.nc")
    inventory[["emi_nox"]].to_netcdf(tmp_path / "nox.nc")
    merged = open_emissions([tmp_path / "co.nc", tmp_path / "nox.nc"])
    assert sorted(merged.data_vars) == ["emi_co", "emi_nox"]
    with pytest.raises(LayoutError, match=r"mixed with other files.*co.nc"):
        open_emissions([anthro, tmp_path / "co.nc"])


def test_sources_request_for_cams_glob_ant():
    from xaqf.data.sources import emission_requests
    from xaqf.errors import ConfigError

    requests = emission_requests(2021, 2022)
    assert [r.request["year"] for r in requests] == [["2021"], ["2022"]]
    body = requests[0].request
    assert requests[0].dataset == "cams-global-emission-inventories"
    assert body["source"] == ["anthropogenic"] and "ammonia" in body["variable"]
    assert len(body["variable"]) == 6
    with pytest.raises(ConfigError, match="pm25"):
        emission_requests(2022, 2022, ("pm25",))
