"""Bad outputs: a forecast or product written onto the data it is computed from.

The two regressions of issue 30 (an input zarr store deleted by ``xaqf forecast``, an input
netCDF overwritten by ``predict`` once standardizing had dropped its encodings) and the
symbolic-link, nesting and ``steps`` cases; each is refused before any computation.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import micro_config
from xaqf._utils.checks import MAX_STEPS, check_output
from xaqf._utils.sources import sources_of
from xaqf.cli import main
from xaqf.data.io import open_cams, open_met
from xaqf.errors import ConfigError
from xaqf.forecaster import Forecaster
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.tutorial import toy_world

INITS = pd.to_datetime(["2022-06-01T12"])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("outputs")
    world = toy_world(resolution=30.0, days=2, spinup_days=0, init_times=INITS)
    stats = compute_model_stats(world.cams, world.era5).compute()
    Forecaster.from_config(micro_config(), stats, statics=world.statics, seed=0).save(
        folder / "model.safetensors")
    world.cams.to_netcdf(folder / "cams.nc")
    world.cams.to_zarr(folder / "cams.zarr", consolidated=True)
    world.fuxi.to_netcdf(folder / "fuxi.nc")
    return folder


@pytest.fixture(scope="module")
def forecaster(files):
    return Forecaster.load(files / "model.safetensors")


def _unchanged(path, name="pm2p5"):
    with xr.open_dataset(path, engine="zarr" if path.suffix == ".zarr" else None) as ds:
        return ds[name].shape != () and bool(np.isfinite(ds[name].values).any())


@pytest.mark.parametrize("store", ["cams.nc", "cams.zarr"])
def test_predict_onto_a_standardized_input_is_refused(files, forecaster, store):
    """Regression: standardize dropped the ``source`` encoding the check relied on."""
    cams, met = open_cams(files / store), open_met(files / "fuxi.nc")
    with pytest.raises(ConfigError, match=rf"output .*{store} is one of the input files"):
        forecaster.predict(cams, met, 1, progress=False, device="cpu", output=files / store)
    assert _unchanged(files / store)


def test_sources_survive_selection_and_the_accessor(files):
    raw = xr.open_dataset(files / "cams.nc")
    standardized = raw.aqf.standardize("cams").sel(time=slice("2022-06-01", None))
    assert (files / "cams.nc").resolve() in sources_of(standardized[["pm2p5"]])
    assert (files / "cams.zarr").resolve() in sources_of(open_cams(files / "cams.zarr").load())


def test_cli_forecast_onto_its_input_store_exits_2(files, capsys):
    """Regression: ``--cams S.zarr --output S.zarr`` deleted the store and exited 0."""
    store = files / "cams.zarr"
    code = main(["forecast", str(files / "model.safetensors"), "--cams", str(store), "--met",
                 str(files / "fuxi.nc"), "--steps", "1", "--output", str(store),
                 "--no-progress", "--device", "cpu"])
    assert code == 2
    assert "cams.zarr is one of the input files" in capsys.readouterr().err
    assert _unchanged(store)


def test_symlink_to_an_input_is_refused_before_computing(files, forecaster, tmp_path):
    link = tmp_path / "forecast.nc"
    link.symlink_to(files / "cams.nc")
    cams = open_cams(files / "cams.nc")
    with pytest.raises(ConfigError, match=r"forecast\.nc is a symbolic link"):
        forecaster.predict(cams, open_met(files / "fuxi.nc"), 1, progress=False, output=link)
    assert _unchanged(files / "cams.nc")


def test_symlinked_input_is_resolved(files, tmp_path):
    link = tmp_path / "alias.nc"
    link.symlink_to(files / "cams.nc")
    with pytest.raises(ConfigError, match="one of the input files"):
        check_output(files / "cams.nc", [open_cams(link)])


def test_output_folder_holding_an_input_is_refused(tmp_path):
    folder = tmp_path / "inputs.zarr"
    folder.mkdir()
    (folder / "cams.nc").write_bytes(b"")
    with pytest.raises(ConfigError, match=r"inputs\.zarr is one of the input files .*holds one"):
        check_output(folder, [str(folder / "cams.nc")])


def test_output_inside_an_input_store_is_refused(files):
    with pytest.raises(ConfigError, match="lies in one"):
        check_output(files / "cams.zarr" / "forecast.zarr", [open_cams(files / "cams.zarr")])


def test_relative_and_absolute_spellings_are_one_path(files, monkeypatch):
    monkeypatch.chdir(files)
    with pytest.raises(ConfigError, match="one of the input files"):
        check_output("./cams.nc", [open_cams(os.fspath(files / "cams.nc"))])


@pytest.mark.parametrize("steps", [10**6, MAX_STEPS + 1])
def test_too_many_steps_names_steps_and_the_limit(files, forecaster, steps):
    cams, met = open_cams(files / "cams.nc"), open_met(files / "fuxi.nc")
    with pytest.raises(ConfigError, match=rf"steps={steps} is more than the {MAX_STEPS}"):
        forecaster.predict(cams, met, steps, progress=False)


def test_cli_forecast_onto_its_met_is_refused_before_loading_the_model(files, capsys):
    met = files / "fuxi.nc"
    code = main(["forecast", str(files / "no-such-model.safetensors"), "--cams",
                 str(files / "cams.nc"), "--met", str(met), "--output", str(met),
                 "--no-progress"])
    assert code == 2
    assert "fuxi.nc is one of the input files" in capsys.readouterr().err


def test_cli_forecast_too_many_steps_exits_2(files, capsys):
    code = main(["forecast", str(files / "model.safetensors"), "--cams", str(files / "cams.nc"),
                 "--met", str(files / "fuxi.nc"), "--steps", "1000000", "--output",
                 str(files / "f.nc"), "--no-progress"])
    assert code == 2
    assert "steps=1000000 is more than the 10000" in capsys.readouterr().err
