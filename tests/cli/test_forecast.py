"""``xaqf forecast``: a saved model run from CAMS- and FuXi-like files on disk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import micro_config
from xaqf.cli import main
from xaqf.forecaster import Forecaster
from xaqf.preprocessing.emissions import EmissionSettings, emission_stats
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.tutorial import toy_world

INITS = pd.to_datetime(["2022-06-01T12", "2022-06-02T00"])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forecast")
    world = toy_world(resolution=30.0, days=3, spinup_days=0, init_times=INITS)
    stats = compute_model_stats(world.cams, world.era5).compute()
    Forecaster.from_config(micro_config(), stats, statics=world.statics, seed=0).save(
        folder / "plain.safetensors")
    settings = EmissionSettings(("fine",))
    Forecaster.from_config(micro_config(), [stats, emission_stats(world.emissions, settings)],
                           statics=world.statics, seed=0, emissions=settings).save(
        folder / "emissions.safetensors")
    world.cams.to_netcdf(folder / "cams.nc")
    world.fuxi.to_netcdf(folder / "fuxi.nc")
    world.emissions.to_netcdf(folder / "emissions.nc")
    return folder, world


def _argv(folder, model, output, *extra):
    return ["forecast", str(folder / model), "--cams", str(folder / "cams.nc"), "--met",
            str(folder / "fuxi.nc"), "--steps", "2", "--output", str(output), "--no-progress",
            "--device", "cpu", *extra]


def test_the_command_writes_the_forecast_predict_makes(files, tmp_path, capsys):
    folder, world = files
    out = tmp_path / "forecast.nc"
    assert main(_argv(folder, "plain.safetensors", out, "--init-times", "2022-06-02T00")) == 0
    assert "1 initial time(s)" in capsys.readouterr().out
    expected = Forecaster.load(folder / "plain.safetensors").predict(
        world.cams, world.fuxi, 2, init_times=INITS[1:], progress=False, device="cpu")
    with xr.open_dataset(out) as written:
        assert written.sizes["lead_time"] == 2 and written.sizes["init_time"] == 1
        for name in ("pm2p5", "go3"):
            np.testing.assert_allclose(written[name].values, expected[name].values, rtol=1e-6)
        assert "fuxi" in written.attrs["source"].lower()  # the met source is recorded


def test_every_initial_time_with_inputs_is_forecast_by_default(files, tmp_path, capsys):
    folder, _ = files
    out = tmp_path / "all.zarr"
    assert main(_argv(folder, "plain.safetensors", out, "--dtype", "bf16")) == 0
    with xr.open_zarr(out, consolidated=False) as written:
        assert pd.DatetimeIndex(written["init_time"].values).equals(INITS)
        assert bool((written["pm10"] >= 0).all())


def test_a_model_with_emission_inputs_takes_them_and_names_them_when_missing(files, tmp_path,
                                                                              capsys):
    folder, _ = files
    out = tmp_path / "emissions.nc"
    assert main(_argv(folder, "emissions.safetensors", out)) == 2
    assert "emi_fine" in capsys.readouterr().err and not out.exists()
    assert main(_argv(folder, "emissions.safetensors", out, "--emissions",
                      str(folder / "emissions*.nc"))) == 0
    assert out.exists()


def test_a_missing_model_file_exits_2(files, tmp_path, capsys):
    folder, _ = files
    assert main(_argv(folder, "nowhere.safetensors", tmp_path / "x.nc")) == 2
    assert "nowhere.safetensors" in capsys.readouterr().err


def test_an_unreadable_initial_time_is_a_usage_error(files, tmp_path, capsys):
    folder, _ = files
    with pytest.raises(SystemExit) as stop:
        main(_argv(folder, "plain.safetensors", tmp_path / "x.nc", "--init-times", "noon"))
    assert stop.value.code == 2
    assert "'noon' is not a time" in capsys.readouterr().err
