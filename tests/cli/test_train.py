"""``xaqf train CONFIG.json`` on a small toy world, with resume from checkpoints."""

from __future__ import annotations

from xaqf.cli import main
from xaqf.forecaster import Forecaster
from xaqf.model import get_config
from xaqf.training import TrainConfig

MICRO = get_config("tiny").replace(name="micro", widths=(8, 16), depths=(1,), bottleneck_depth=1)


def test_train_command_writes_a_loadable_model(tmp_path, capsys):
    config = TrainConfig(
        data={"toy_world": {"resolution": 10.0, "days": 4, "seed": 1, "spinup_days": 1}},
        train_period=["2022-06-01", "2022-06-02T12"],
        validation_period=["2022-06-03", "2022-06-04"], model=MICRO.to_dict(),
        stages=[{"name": "pretrain", "max_lr": 1e-3, "epochs": 1, "batch_size": 2}],
        output=str(tmp_path / "model.safetensors"), checkpoint_dir=str(tmp_path / "ckpt"))
    path = tmp_path / "run.json"
    config.to_json(path)
    assert main(["train", str(path), "--no-progress"]) == 0
    forecaster = Forecaster.load(tmp_path / "model.safetensors")
    assert forecaster.config.name == "micro"
    assert forecaster.provenance["stages"][0]["stage"]["name"] == "pretrain"
    assert TrainConfig.from_dict(forecaster.provenance["config"]) == config
    assert (tmp_path / "ckpt" / "pretrain" / "checkpoint.safetensors").is_file()
    assert "model written" in capsys.readouterr().out


def test_train_command_reports_bad_config(tmp_path, capsys):
    path = tmp_path / "run.json"
    path.write_text('{"stages": ["warmup"]}')
    assert main(["train", str(path), "--no-progress"]) == 2
    assert "xaqf train: error: unknown stage 'warmup'" in capsys.readouterr().err


def test_train_command_names_a_misspelled_data_key(tmp_path, capsys):
    path = tmp_path / "run.json"
    path.write_text('{"data": {"cams": "c.nc", "met": "m.nc", "static": "s.nc"}}')
    assert main(["train", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'static' in data; did you mean 'statics'?" in err
