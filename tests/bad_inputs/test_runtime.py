"""Bad inputs on the runtime side: forecasting, model files, training and the CLI.

One test per kind of bad input; each asserts the error type and that the message names the
culprit (parameter, variable, channel, time or file).
"""

from __future__ import annotations

import os
import stat

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from tests.helpers import cams_and_met, micro_config
from xaqf.cli import main
from xaqf.errors import (
    ConfigError,
    InvalidValueError,
    MissingTimeError,
    ModelFileError,
)
from xaqf.forecaster import Forecaster
from xaqf.forecaster.output import stream_to
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.training import StageConfig, TrainConfig, Trainer, WindowDataset, save_checkpoint

TIMES = pd.date_range("2022-06-01", periods=6, freq="12h")
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def data() -> tuple[xr.Dataset, xr.Dataset]:
    return cams_and_met(TIMES, scale_pollutants=1e-9)


@pytest.fixture(scope="module")
def forecaster(data) -> Forecaster:
    return Forecaster.from_config(micro_config(), compute_model_stats(*data), seed=0)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _with(ds: xr.Dataset, name: str, value: float, time: int = 1) -> xr.Dataset:
    ds = ds.copy(deep=True)
    ds[name][time, ...] = value
    return ds


# -- forecasting ------------------------------------------------------------------------
@pytest.mark.parametrize("steps", [0, -1, 2.5])
def test_steps_not_a_positive_integer(forecaster, data, steps):
    with pytest.raises(ConfigError, match=rf"steps must be a positive integer, got {steps}"):
        forecaster.predict(*data, steps=steps, progress=False)


@pytest.mark.parametrize("batch_size", [0, -2])
def test_batch_size_not_positive(forecaster, data, batch_size):
    with pytest.raises(ConfigError, match=rf"batch_size must be .* got {batch_size}"):
        forecaster.predict(*data, steps=1, batch_size=batch_size, progress=False)


def test_unknown_device(forecaster, data):
    with pytest.raises(ConfigError, match="device='tpu'"):
        forecaster.predict(*data, steps=1, device="tpu", progress=False)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA present")
def test_cuda_device_without_cuda(forecaster, data):
    with pytest.raises(ConfigError, match=r"device='cuda'.* 0 CUDA device"):
        forecaster.predict(*data, steps=1, device="cuda", progress=False)


def test_unsupported_dtype(forecaster, data):
    with pytest.raises(ConfigError, match="dtype='fp16'"):
        forecaster.predict(*data, steps=1, dtype="fp16", progress=False)


def test_unsupported_dtype_refused_before_iterating(forecaster, data):
    with pytest.raises(ConfigError, match="dtype='fp16'"):
        forecaster.predict_iter(*data, steps=1, dtype="fp16", progress=False)


def test_init_time_not_in_the_data(forecaster, data):
    with pytest.raises(MissingTimeError, match="2030-01-01"):
        forecaster.predict(*data, steps=1, init_times=["2030-01-01"], progress=False)


def test_infinite_input_named_before_the_network(forecaster, data, monkeypatch):
    cams, met = data

    def no_network(*args, **kwargs):
        raise AssertionError("the network ran on bad inputs")

    monkeypatch.setattr(forecaster.net, "forward", no_network)
    with pytest.raises(InvalidValueError, match=r"'pm10'.*2022-06-01T12"):
        forecaster.predict(_with(cams, "pm10", np.inf), met, steps=1, progress=False)


def test_implausible_huge_input_named(forecaster, data):
    cams, met = data
    with pytest.raises(InvalidValueError, match="'pm10'"):
        forecaster.predict(_with(cams, "pm10", 1e30), met, steps=1, progress=False)


def test_nan_input_named(forecaster, data):
    cams, met = data
    with pytest.raises(InvalidValueError, match=r"'co'.*NaN"):
        forecaster.predict(_with(cams, "co", np.nan), met, steps=1, progress=False)


def test_zero_std_in_the_stats_names_the_channel(data):
    stats = compute_model_stats(*data).copy(deep=True)
    stats["std"].loc[{"channel": "pm10"}] = 0.0
    fc = Forecaster.from_config(micro_config(), stats, seed=0)
    with pytest.raises(InvalidValueError, match=r"cams channel 'pm10' at 2022-06-01"):
        fc.predict(*data, steps=1, progress=False)


def test_ascending_latitude_is_forecast_north_first(forecaster, data):
    cams, met = data
    flipped = [ds.isel(latitude=slice(None, None, -1)) for ds in data]
    expected = forecaster.predict(cams, met, steps=1, progress=False)
    got = forecaster.predict(*flipped, steps=1, progress=False)
    assert got["latitude"].values.tolist() == cams["latitude"].values.tolist()
    np.testing.assert_allclose(got["pm10"].values, expected["pm10"].values, rtol=1e-5)


def test_output_onto_an_input_file_refused(forecaster, data, tmp_path):
    path = tmp_path / "cams.nc"
    data[0].to_netcdf(path)
    with xr.open_dataset(path) as cams:
        with pytest.raises(ConfigError, match=r"cams\.nc is one of the input files"):
            forecaster.predict(cams, data[1], steps=1, progress=False, output=path)
    assert xr.open_dataset(path)["pm10"].shape == data[0]["pm10"].shape


def test_output_with_unknown_suffix(forecaster, data, tmp_path):
    with pytest.raises(ConfigError, match=r"forecast\.txt must end in \.zarr or \.nc"):
        forecaster.predict(*data, steps=1, progress=False, output=tmp_path / "forecast.txt")


def test_output_in_a_missing_folder(forecaster, data, tmp_path):
    with pytest.raises(ConfigError, match=r"output folder .*nope does not exist"):
        forecaster.predict(*data, steps=1, progress=False, output=tmp_path / "nope" / "f.nc")


@pytest.mark.parametrize("name", ["f.nc", "f.zarr"])
def test_failed_stream_leaves_no_files(tmp_path, name):
    def piece(i):
        return xr.Dataset({"pm10": (("init_time", "lead_time"), [[float(i)]])},
                          coords={"init_time": [i], "lead_time": [0]})

    def pieces():
        yield piece(0)
        raise RuntimeError("rollout failed")

    template = lambda: xr.concat([piece(0), piece(1)], "init_time").chunk()  # noqa: E731
    with pytest.raises(RuntimeError, match="rollout failed"):
        stream_to(tmp_path / name, pieces(), template, {})
    assert list(tmp_path.iterdir()) == []


# -- model files ------------------------------------------------------------------------
def test_save_onto_a_directory(forecaster, tmp_path):
    with pytest.raises(ModelFileError, match=rf"cannot write {tmp_path}: it is a directory"):
        forecaster.save(tmp_path)


@pytest.mark.skipif(ROOT, reason="root can write anywhere")
def test_save_into_a_read_only_folder(forecaster, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ModelFileError, match=r"cannot write .*ro/m\.safetensors"):
            forecaster.save(folder / "m.safetensors")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_model_and_checkpoint_files_follow_the_umask(forecaster, tmp_path):
    expected = 0o666 & ~_umask()
    model = forecaster.save(tmp_path / "m.safetensors")
    checkpoint = save_checkpoint(tmp_path / "c.safetensors", model=forecaster.net)
    assert stat.S_IMODE(model.stat().st_mode) == expected
    assert stat.S_IMODE(checkpoint.stat().st_mode) == expected


def test_load_a_directory(tmp_path):
    with pytest.raises(ModelFileError, match=rf"{tmp_path} is a directory"):
        Forecaster.load(tmp_path)


def test_load_a_truncated_file(forecaster, tmp_path):
    path = forecaster.save(tmp_path / "m.safetensors")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ModelFileError, match=r"m\.safetensors is not a readable safetensors"):
        Forecaster.load(path)


def test_load_a_pickle(tmp_path):
    path = tmp_path / "m.safetensors"
    torch.save({"w": torch.ones(1)}, path)
    with pytest.raises(ModelFileError, match=r"m\.safetensors is a pickle"):
        Forecaster.load(path)


def test_safetensors_header_length_starting_like_a_pickle_is_read(tmp_path):
    from xaqf._utils.tensor_file import read_file, write_file

    for n in range(300):  # a header length whose first byte is 0x80, the pickle opcode
        path = write_file(tmp_path / "x.safetensors", {"w": torch.ones(1)}, {"k": "a" * n})
        if path.read_bytes()[0] == 0x80:
            break
    assert path.read_bytes()[0] == 0x80
    assert read_file(path)[1] == {"k": "a" * n}


def test_load_onto_an_unknown_device(forecaster, tmp_path):
    path = forecaster.save(tmp_path / "m.safetensors")
    with pytest.raises(ConfigError, match="device='tpu'"):
        Forecaster.load(path, device="tpu")


# -- training ---------------------------------------------------------------------------
TRAIN_TIMES = pd.date_range("2022-06-01", periods=8, freq="12h")


@pytest.fixture(scope="module")
def train_data() -> tuple[xr.Dataset, xr.Dataset]:
    return cams_and_met(TRAIN_TIMES, scale_pollutants=1e-9)


@pytest.fixture
def trainee(train_data) -> Forecaster:
    return Forecaster.from_config(micro_config(), compute_model_stats(*train_data), seed=0)


STAGE = StageConfig("s", max_lr=1e-3, epochs=1, batch_size=2, checkpoint_every=1)


def test_nan_in_lazy_training_data_named(trainee, train_data):
    cams, met = train_data
    windows = WindowDataset(trainee, _with(cams, "pm2p5", np.nan, time=2), met)
    with pytest.raises(InvalidValueError, match=r"cams channel 'pm2p5' at 2022-06-02T00:00"):
        windows[0]


def test_nan_in_cached_training_data_named(trainee, train_data):
    cams, met = train_data
    with pytest.raises(InvalidValueError, match=r"'t2m' has NaN values first at time=2022-06"):
        WindowDataset(trainee, cams, _with(met, "t2m", np.nan, time=3), cache=True)


@pytest.fixture
def unchecked(monkeypatch):
    """Windows assembled without their finiteness check: a dataset letting NaN through."""
    monkeypatch.setattr("xaqf.training.dataset.check_finite", lambda *args: None)


def _poisoned(cams: xr.Dataset) -> xr.Dataset:
    cams = cams.copy(deep=True)
    cams["pm10"][:] = np.nan
    return cams


def test_nonfinite_loss_stops_naming_step_times_channels(trainee, train_data, tmp_path,
                                                         unchecked):
    cams, met = train_data
    Trainer(trainee, WindowDataset(trainee, cams, met), STAGE, checkpoint_dir=tmp_path,
            progress=False).fit(max_steps=1)
    checkpoint = tmp_path / "checkpoint.safetensors"
    saved = checkpoint.read_bytes()
    poisoned = WindowDataset(trainee, _poisoned(cams), met)
    with pytest.raises(InvalidValueError,
                       match=r"optimiser step 2: non-finite loss .*2022-06.*\['pm10'\].*kept"):
        Trainer(trainee, poisoned, STAGE, checkpoint_dir=tmp_path, progress=False).fit()
    assert checkpoint.read_bytes() == saved
    assert all(bool(torch.isfinite(p).all()) for p in trainee.net.parameters())


def test_nonfinite_batches_skipped_and_counted(trainee, train_data, unchecked):
    cams, met = train_data
    stage = StageConfig("s", max_lr=1e-3, epochs=1, batch_size=2, nonfinite="skip")
    windows = WindowDataset(trainee, _poisoned(cams), met)
    history = Trainer(trainee, windows, stage, progress=False).fit()
    assert history.skipped == [1, 2, 3] and history.to_dict()["skipped"] == [1, 2, 3]
    assert all(bool(torch.isfinite(p).all()) for p in trainee.net.parameters())


@pytest.mark.parametrize(("field", "value"), [
    ("nonfinite", "warn"), ("checkpoint_every", 0), ("epochs", "two"), ("weight_decay", -1.0),
    ("clip_grad_norm", 0.0), ("warmup_fraction", 1.5)])
def test_stage_field_out_of_range(field, value):
    with pytest.raises(ConfigError, match=rf"stage 'pretrain': {field} must"):
        StageConfig(**{field: value})


def test_trainer_on_an_unknown_device(trainee, train_data):
    with pytest.raises(ConfigError, match="device='tpu'"):
        Trainer(trainee, WindowDataset(trainee, *train_data), STAGE, device="tpu")


@pytest.mark.skipif(ROOT, reason="root can write anywhere")
def test_trainer_checkpoint_dir_not_writable(trainee, train_data, tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(ModelFileError, match=r"checkpoint_dir .*ckpt cannot be created"):
            Trainer(trainee, WindowDataset(trainee, *train_data), STAGE,
                    checkpoint_dir=tmp_path / "ckpt")
    finally:
        tmp_path.chmod(0o700)


def test_corrupt_checkpoint_in_checkpoint_dir(trainee, train_data, tmp_path):
    (tmp_path / "checkpoint.safetensors").write_bytes(b"\x00" * 64)
    trainer = Trainer(trainee, WindowDataset(trainee, *train_data), STAGE,
                      checkpoint_dir=tmp_path, progress=False)
    with pytest.raises(ModelFileError, match=r"checkpoint\.safetensors is not a readable"):
        trainer.fit()


def test_window_rollout_steps_zero(trainee, train_data):
    with pytest.raises(ConfigError, match="rollout_steps must be a positive integer, got 0"):
        WindowDataset(trainee, *train_data, rollout_steps=0)


@pytest.mark.parametrize(("text", "culprit"), [
    ("[1]", "must be a JSON object"), ('{"stages": "pretrain"}', "stages must be a non-empty"),
    ("{bad", "invalid JSON")])
def test_malformed_train_config(text, culprit):
    with pytest.raises(ConfigError, match=culprit):
        TrainConfig.from_json(text)


# -- command line -----------------------------------------------------------------------
def test_cli_corrupt_forecast_file(tmp_path, capsys):
    (tmp_path / "f.nc").write_text("not netcdf")
    (tmp_path / "t.nc").write_text("not netcdf")
    assert main(["evaluate", str(tmp_path / "f.nc"), str(tmp_path / "t.nc")]) == 2
    err = capsys.readouterr().err
    assert "f.nc cannot be read as netCDF or zarr" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_missing_data_file(tmp_path, capsys):
    config = tmp_path / "run.json"
    TrainConfig(data={"cams": str(tmp_path / "nope.nc"), "met": "x.nc"}).to_json(config)
    assert main(["train", str(config), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("xaqf train: error: FileNotFoundError:") and "nope.nc" in err


def test_cli_bad_config_json(tmp_path, capsys):
    config = tmp_path / "run.json"
    config.write_text('{"stages": [{"epochs": "two"}]}')
    assert main(["train", str(config)]) == 2
    assert capsys.readouterr().err == (
        "xaqf train: error: stage 'pretrain': epochs must be an integer >= 1, got 'two'\n")


def test_cli_debug_flag_reraises(tmp_path):
    with pytest.raises(ConfigError, match=r"configuration file .*nope\.json not found"):
        main(["--debug", "train", str(tmp_path / "nope.json")])


def test_cli_debug_environment_reraises(tmp_path, monkeypatch):
    monkeypatch.setenv("XAQF_DEBUG", "1")
    with pytest.raises(ConfigError, match=r"nope\.json not found"):
        main(["train", str(tmp_path / "nope.json")])
