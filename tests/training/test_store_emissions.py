"""Emission inputs in store-fed training: the store's ``emissions`` group, or named files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from tests.helpers import micro_config
from tests.training.conftest import make_store
from xaqf.errors import MissingVariableError
from xaqf.forecaster import Forecaster
from xaqf.preprocessing.emissions import EmissionSettings, emission_stats
from xaqf.store import open_store
from xaqf.training import TrainConfig, WindowDataset
from xaqf.training.loader import StoreWindows, WindowLoader, epoch_batches
from xaqf.training.run import plan_stages, run_training

SETTINGS = EmissionSettings(("co", "nox"), monthly=True)
ENTRY = {"species": list(SETTINGS.species), "monthly": True}


def _inventory(path, seed: int = 0):
    """A monthly climatology of ``emi_co`` and ``emi_nox`` on a 10-degree grid."""
    lat, lon = np.linspace(85.0, -85.0, 18), np.arange(36) * 10.0 + 5.0
    rng = np.random.default_rng(seed)
    xr.Dataset({f"emi_{s}": (("month", "latitude", "longitude"),
                             rng.gamma(1.0, 1e-9, (12, 18, 36)), {"units": "kg m-2 s-1"})
                for s in SETTINGS.species},
               coords={"month": np.arange(1, 13), "latitude": lat, "longitude": lon}
               ).to_netcdf(path)
    return path


@pytest.fixture(scope="module")
def emission_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("emission-store")
    _inventory(folder / "inventory-2022.nc")
    return make_store(folder, emissions=[str(folder / "inventory-*.nc")])  # a glob


def _config(tmp_path, data, **kw) -> TrainConfig:
    return TrainConfig(data=data, model=micro_config().to_dict(),
                       stages=[{"name": "pretrain", "epochs": 1, "batch_size": 2}],
                       output=str(tmp_path / "m.safetensors"),
                       checkpoint_dir=str(tmp_path / "ck"), **kw)


def _fields(store) -> xr.Dataset:
    return open_store(store)["emissions"].to_dataset().load()


def test_a_store_with_emissions_trains_a_model_that_takes_them(emission_store, tmp_path):
    cfg = _config(tmp_path, {"store": str(emission_store), "emissions": ENTRY})
    ((forecaster, windows, _),) = plan_stages(cfg)
    tree = open_store(emission_store)
    expected = emission_stats(_fields(emission_store), SETTINGS,
                              list(tree["cams"]["time"].values))
    np.testing.assert_allclose(forecaster.emissions.stats["std"], expected["std"])
    assert (forecaster.stats["std"].sel(channel="pm10").values
            == tree["stats"].to_dataset()["std"].sel(channel="pm10").values)
    plain = WindowDataset(forecaster, tree["cams"].to_dataset(), tree["met"].to_dataset(),
                          emissions=_fields(emission_store))
    statics = windows.side_inputs(0)[1]
    assert statics.shape[:2] == (1, 6 + 2) and float(statics[:, 6:].abs().sum()) > 0
    for i in (0, len(plain) - 1):
        torch.testing.assert_close(windows.side_inputs(i)[1], plain.side_inputs(i)[1])
    run_training(cfg, progress=False)
    loaded = Forecaster.load(cfg.output)
    assert loaded.emissions.settings == SETTINGS
    np.testing.assert_allclose(loaded.emissions.stats["std"], expected["std"])


def test_store_windows_read_the_store_emissions_by_default_also_with_workers(emission_store):
    tree = open_store(emission_store)
    stats = [tree["stats"].to_dataset(), emission_stats(_fields(emission_store), SETTINGS)]
    forecaster = Forecaster.from_config(micro_config(), stats, seed=0, emissions=SETTINGS)
    default = StoreWindows(forecaster, emission_store)
    doubled = StoreWindows(forecaster, emission_store, emissions=_fields(emission_store) * 2)
    assert not torch.equal(default.side_inputs(0)[1][:, 6:], doubled.side_inputs(0)[1][:, 6:])
    batches = epoch_batches(len(default), batch_size=2, seed=1, epoch=0)
    inline = list(WindowLoader(default).batches(batches))
    workers = list(WindowLoader(default, workers=2).batches(batches))
    for a, b in zip(inline, workers, strict=True):
        assert a.statics.shape[1:3] == (1, 8)
        for name, value in a.tensors.items():
            assert torch.equal(b.tensors[name], value)


def test_a_store_without_emissions_names_the_fixes(toy_store, tmp_path):
    cfg = _config(tmp_path, {"store": str(toy_store), "emissions": ENTRY})
    with pytest.raises(MissingVariableError,
                       match=r"has no emissions group.*--emissions FILES.*data.emissions.path"):
        plan_stages(cfg)
    assert not (tmp_path / "ck").exists()


def test_files_named_in_the_entry_feed_a_store_without_emissions(toy_store, tmp_path):
    path = _inventory(tmp_path / "inventory.nc", seed=4)
    cfg = _config(tmp_path, {"store": str(toy_store), "emissions": {**ENTRY, "path": str(path)}},
                  validation_period=["2022-06-02T12", "2022-06-04T12"])
    with pytest.warns(UserWarning, match="regridding them conservatively") as caught:
        ((forecaster, windows, validation),) = plan_stages(cfg)
    assert validation is not None and len(validation)
    assert sum("regridding" in str(w.message) for w in caught) == 1  # once, for every use
    tree = open_store(toy_store)
    times = pd.DatetimeIndex(tree["cams"]["time"].values)
    on_grid = xr.open_dataset(path).aqf.regrid(tree["statics"].to_dataset(),
                                               method="conservative")
    expected = emission_stats(on_grid, SETTINGS, list(times))
    np.testing.assert_allclose(forecaster.emissions.stats["std"], expected["std"], rtol=1e-6)
    assert windows.side_inputs(0)[1].shape[:2] == (1, 8)
