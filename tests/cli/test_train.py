"""``xaqf train CONFIG.json`` on a small toy world, with resume from checkpoints."""

from __future__ import annotations

from xaqf.cli import main
from xaqf.forecaster import Forecaster
from xaqf.model import get_config
from xaqf.training import TrainConfig

MICRO = get_config("tiny").replace(name="micro", widths=(8, 16), depths=(1,), bottleneck_depth=1)


def micro_run(tmp_path, model=MICRO, epochs=1):
    """A one-stage run of ``model`` on a 10-degree toy world, written as run.json."""
    config = TrainConfig(
        data={"toy_world": {"resolution": 10.0, "days": 4, "seed": 1, "spinup_days": 1}},
        train_period=["2022-06-01", "2022-06-02T12"],
        validation_period=["2022-06-03", "2022-06-04"], model=model.to_dict(),
        stages=[{"name": "pretrain", "max_lr": 1e-3, "epochs": epochs, "batch_size": 2}],
        output=str(tmp_path / "model.safetensors"), checkpoint_dir=str(tmp_path / "ckpt"))
    path = tmp_path / "run.json"
    config.to_json(path)
    return config, path


def test_train_command_writes_a_loadable_model(tmp_path, capsys):
    config, path = micro_run(tmp_path)
    assert main(["train", str(path), "--no-progress"]) == 0
    forecaster = Forecaster.load(tmp_path / "model.safetensors")
    assert forecaster.config.name == "micro"
    assert forecaster.provenance["stages"][0]["stage"]["name"] == "pretrain"
    assert TrainConfig.from_dict(forecaster.provenance["config"]) == config
    assert (tmp_path / "ckpt" / "pretrain" / "checkpoint.safetensors").is_file()
    out, err = capsys.readouterr()
    assert "model written" in out
    assert "stage 'pretrain': 2 training window(s) from 2022-06-01 12:00 to 2022-06-02 00:00, " \
        "2 validation window(s)" in out
    assert "pretrain epoch 1: val RMSE " in err and "(persistence-like base " in err
    assert main(["train", str(path), "--no-progress"]) == 0
    again = capsys.readouterr().out
    assert f"stage 'pretrain': already done (1/1 steps in {tmp_path / 'ckpt' / 'pretrain'})" \
        in again and "samples/s" not in again


def test_a_checkpoint_of_another_model_is_refused_in_one_line(tmp_path, capsys):
    _, path = micro_run(tmp_path)
    assert main(["train", str(path), "--no-progress", "--max-steps", "1"]) == 0
    _, path = micro_run(tmp_path, MICRO.replace(name="wider", widths=(16, 32)))
    capsys.readouterr()
    assert main(["train", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and len(err) < 600
    assert "stage 'pretrain' trains model config 'wider', but checkpoint " in err
    assert "was written for model config 'micro'" in err and "of another shape" in err


def test_max_steps_stops_the_stage_and_a_rerun_goes_on(tmp_path, capsys):
    _, path = micro_run(tmp_path, epochs=2)
    assert main(["train", str(path), "--no-progress", "--max-steps", "1"]) == 0
    assert "1 step(s) trained, now at step 1/2" in capsys.readouterr().out
    assert main(["train", str(path), "--no-progress", "--max-steps", "1"]) == 0
    assert "nothing trained, its checkpoint is at step 1/2" in capsys.readouterr().out
    assert main(["train", str(path), "--no-progress"]) == 0
    assert "1 step(s) trained, now at step 2/2" in capsys.readouterr().out


def test_the_quick_template_trains_as_printed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--template", "quick"]) == 0
    (tmp_path / "run.json").write_text(capsys.readouterr().out)
    assert main(["train", "run.json", "--no-progress", "--max-steps", "1"]) == 0
    assert "1 step(s) trained, now at step 1/6" in capsys.readouterr().out
    assert Forecaster.load(tmp_path / "quick.safetensors").config.name == "tiny"


def test_template_written_to_a_path_and_never_over_a_file(tmp_path, capsys):
    path = tmp_path / "paper.json"
    assert main(["train", "--template", "paper", str(path)]) == 0
    assert TrainConfig.from_json(path).model == "paper"
    assert f"wrote the 'paper' template to {path}" in capsys.readouterr().out
    assert main(["train", "--template", "quick", str(path)]) == 2
    assert f"{path} exists" in capsys.readouterr().err


def test_train_without_a_config_points_to_the_template(capsys):
    assert main(["train"]) == 2
    assert "xaqf train --template quick prints one" in capsys.readouterr().err


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
