"""Model files: safetensors + JSON, round trip, and refusal of unsafe or broken files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from tests.helpers import cams_and_met, micro_config
from xaqf._utils.tensor_file import read_file, write_file
from xaqf.errors import ModelFileError
from xaqf.forecaster import Forecaster, ModelMetadata, TransformSettings
from xaqf.model import build_model
from xaqf.preprocessing.normalization import compute_model_stats

MICRO = micro_config()
TIMES = pd.date_range("2022-06-01", periods=4, freq="12h")


@pytest.fixture(scope="module")
def data() -> tuple[xr.Dataset, xr.Dataset]:
    return cams_and_met(TIMES)


@pytest.fixture(scope="module")
def forecaster(data) -> Forecaster:
    cams, met = data
    stats = compute_model_stats(cams, met)
    statics = xr.Dataset({"orography": cams["pm10"].isel(time=0, drop=True) * 100.0,
                          "lsm": cams["pm1"].isel(time=0, drop=True) > 2})
    fc = Forecaster.from_config(MICRO, stats, statics=statics, seed=0, step="12h",
                                transform=TransformSettings(floor=1e-5))
    with torch.no_grad():  # move away from the initial psi = 1, delta = 0
        for p in fc.net.parameters():
            p.add_(0.01 * torch.randn_like(p))
    fc.provenance["note"] = "test"
    return fc


def test_save_load_gives_identical_predictions(forecaster, data, tmp_path):
    cams, met = data
    path = forecaster.save(tmp_path / "model.safetensors")
    loaded = Forecaster.load(path)
    assert loaded.config == forecaster.config
    assert loaded.transform == TransformSettings(floor=1e-5)
    assert loaded.provenance == {"note": "test"}
    np.testing.assert_array_equal(loaded.statics, forecaster.statics)
    before = forecaster.predict(cams, met, steps=2, progress=False)
    after = loaded.predict(cams, met, steps=2, progress=False)
    xr.testing.assert_identical(before.drop_attrs(), after.drop_attrs())


def test_metadata_is_plain_json(forecaster, tmp_path):
    from safetensors import safe_open

    path = forecaster.save(tmp_path / "model.safetensors")
    with safe_open(str(path), "pt") as f:
        meta = json.loads(f.metadata()["xaqf"])
    assert meta["step"] == "0 days 12:00:00"
    assert len(meta["stats"]["mean"]) == 143
    assert meta["model_config"]["name"] == "micro"
    assert meta["grid"]["latitude"][0] == 90.0


def test_pickle_payload_is_refused(forecaster, tmp_path):
    path = tmp_path / "model.safetensors"
    torch.save({"net": forecaster.net.state_dict()}, path)
    with pytest.raises(ModelFileError, match="pickle"):
        Forecaster.load(path)


def test_corrupt_file_is_refused(forecaster, tmp_path):
    path = forecaster.save(tmp_path / "model.safetensors")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ModelFileError, match="corrupt"):
        Forecaster.load(path)


def test_weights_not_matching_the_config_are_refused(forecaster, tmp_path):
    wider = Forecaster(build_model(MICRO.replace(widths=(8, 24))), forecaster.stats)
    path = wider.save(tmp_path / "model.safetensors")
    tensors, meta = read_file(path)
    meta["model_config"] = MICRO.to_dict()
    write_file(path, tensors, meta)
    with pytest.raises(ModelFileError, match="do not match"):
        Forecaster.load(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ModelFileError, match="nothing.safetensors"):
        Forecaster.load(tmp_path / "nothing.safetensors")


def test_registered_name_resolves_through_the_data_registry(forecaster, tmp_path, monkeypatch):
    import pooch

    from xaqf.data import registry
    from xaqf.errors import DownloadError

    cache = tmp_path / "cache"
    cache.mkdir()
    path = forecaster.save(cache / "demo-small")  # already in the cache: no download needed
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(cache))
    monkeypatch.setitem(registry.REGISTRY, "demo-small", f"sha256:{pooch.file_hash(path)}")
    loaded = Forecaster.load("demo-small")
    assert loaded.config == forecaster.config and loaded.provenance == {"note": "test"}
    with pytest.raises(DownloadError, match="no-such-model"):
        Forecaster.load("no-such-model")


def test_metadata_round_trips_through_json(forecaster):
    meta = forecaster.metadata()
    again = ModelMetadata.from_json(meta.to_json())
    assert again == meta
    assert again.model_config == forecaster.config and again.step == pd.Timedelta("12h")
    assert again.transform == TransformSettings(floor=1e-5)
    for name in ("channel", "method", "mean", "std"):
        np.testing.assert_array_equal(again.stats[name], forecaster.stats[name])
    np.testing.assert_array_equal(again.grid["latitude"], forecaster.grid["latitude"])
    assert again.grey_line == tuple(sorted(forecaster.grey_line))
    assert meta != ModelMetadata(forecaster.config, forecaster.stats)


@pytest.mark.parametrize("field", ["stats", "grey_line", "xaqf_version"])
def test_metadata_missing_a_field_is_refused(forecaster, tmp_path, field):
    path = forecaster.save(tmp_path / "model.safetensors")
    tensors, meta = read_file(path)
    del meta[field]
    write_file(path, tensors, meta)
    with pytest.raises(ModelFileError, match=f"model.safetensors lacks \\['{field}'\\]"):
        Forecaster.load(path)


@pytest.mark.parametrize(("change", "message"), [
    ({"format": "xaqf-checkpoint"}, "not an xaqf model file"),
    ({"format_version": 99}, "upgrade xaqf"),
    ({"met_channels": ["t_850", "t2m"]}, "met channels .* not channels of this xaqf"),
    ({"pollutant_channels": ["pm25"]}, "pollutant channels .* not channels of this xaqf"),
    ({"model_config": {"name": "x", "no_such_key": 1}}, "invalid 'model_config'"),
    ({"stats": {"channel": ["pm10"]}}, "invalid 'stats'"),
])
def test_inconsistent_metadata_is_refused(forecaster, change, message):
    document = forecaster.metadata().to_dict() | change
    with pytest.raises(ModelFileError, match=message):
        ModelMetadata.from_dict(document, source="m.safetensors")


def test_statics_not_matching_the_grid_are_refused(forecaster, tmp_path):
    path = forecaster.save(tmp_path / "model.safetensors")
    tensors, meta = read_file(path)
    tensors["statics"] = tensors["statics"][:, :2]
    write_file(path, tensors, meta)
    with pytest.raises(ModelFileError, match="do not match the stored grid"):
        Forecaster.load(path)
