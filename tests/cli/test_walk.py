"""The command-line walk, from the shell, as a new user runs it (slow: a few minutes).

``sample-data`` -> ``prepare`` -> ``train`` (a template as printed, a few steps; then the
store) -> ``forecast`` (the store's met, then the
FuXi-like forecast files) -> ``evaluate`` (twice: the same files) -> ``verify`` (OpenAQ,
EEA) -> ``products`` -> ``info``. Every command runs in its own process, as from a shell;
each must exit 0 and write no warning and no traceback on stderr. The steps are data
(:data:`WALK`): a new option or command is one more line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

CONFIG = {
    "data": {"store": "data/train.zarr"},
    "train_period": ["2022-06-01", "2022-06-02T12"],
    "validation_period": ["2022-06-03", "2022-06-04"],
    "model": {"name": "micro", "widths": [8, 16], "depths": [1], "bottleneck_depth": 1},
    "stages": [{"name": "pretrain", "max_lr": 0.001, "epochs": 1, "batch_size": 2}],
    "output": "model.safetensors", "checkpoint_dir": "checkpoints",
}
"""The training configuration of the walk: a micro model, one short stage."""

RAW_MET = ["data/era5-pressure-levels/*.nc", "data/era5-single-levels/*.nc",
           "data/era5-precipitation/*.nc"]

WALK: list[tuple[str, list[str]]] = [
    ("sample-data", ["sample-data", "data", "--days", "4", "--stations", "12"]),
    ("prepare", ["prepare", "--cams", "data/cams-analysis/*.nc", "--met", *RAW_MET,
                 "--statics", "data/era5-static/era5-static.nc", "--grid", "4",
                 "--start", "2022-06-01", "--end", "2022-06-04", "--output", "data/train.zarr",
                 "--workers", "0"]),
    ("train, template", ["train", "--template", "quick", "quick.json"]),
    ("train, template as written", ["train", "quick.json", "--max-steps", "2"]),
    ("train", ["train", "run.json", "--max-steps", "1"]),
    ("forecast, store met", ["forecast", "model.safetensors", "--cams", "data/train.zarr",
                             "--met", "data/train.zarr", "--steps", "2",
                             "--output", "store_met.zarr"]),
    ("forecast, FuXi-like met", ["forecast", "model.safetensors", "--cams", "data/train.zarr",
                                 "--met", "data/fuxi/*.nc", "--init-times", "2022-06-02T00",
                                 "2022-06-03T00", "--steps", "3", "--output", "forecast.zarr"]),
    ("evaluate", ["evaluate", "forecast.zarr", "data/train.zarr", "--output", "evaluation"]),
    ("evaluate again", ["evaluate", "forecast.zarr", "data/train.zarr",
                        "--output", "evaluation-again"]),
    ("verify, OpenAQ", ["verify", "forecast.zarr", "--stations", "data/stations/openaq.csv",
                        "--output", "verification"]),
    ("verify, EEA", ["verify", "forecast.zarr", "--stations", "data/stations/eea.csv",
                     "--station-metadata", "data/stations/eea_metadata.csv", "--variable",
                     "no2", "--met", "data/train.zarr", "--output", "verification-eea"]),
    ("products", ["products", "forecast.zarr", "--met", "data/train.zarr", "--output",
                  "products"]),
    ("info, store", ["info", "data/train.zarr"]),
    ("info, model", ["info", "model.safetensors"]),
    ("info, forecast", ["info", "forecast.zarr"]),
]
"""Each step: a label and the arguments of ``xaqf``. The store is an input like a file:
``--cams train.zarr`` reads its ``cams`` group, ``--met train.zarr`` its ``met``."""


def xaqf(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m xaqf ARGS`` in ``cwd``, as from a shell whose stderr is a log file."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "xaqf", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    """Run :data:`WALK` in a fresh folder; the folder and each step's output."""
    folder = tmp_path_factory.mktemp("walk")
    (folder / "run.json").write_text(json.dumps(CONFIG, indent=1))
    results = {}
    for label, args in WALK:
        done = xaqf(args, folder)
        results[label] = done
        assert done.returncode == 0, f"{label}: xaqf {' '.join(args)}\n{done.stderr}"
    return folder, results


def test_every_step_runs_without_warning(walk):
    _, results = walk
    for label, done in results.items():
        assert "Warning" not in done.stderr, f"{label}:\n{done.stderr}"
        assert "Traceback" not in done.stderr, f"{label}:\n{done.stderr}"
        assert "\r" not in done.stderr, f"{label}: progress-bar frames in a log"


def test_sample_data_prints_the_next_command(walk):
    _, results = walk
    out = results["sample-data"].stdout
    assert "next: make the training store with" in out and "xaqf prepare --cams" in out


def test_evaluate_twice_gives_the_same_files(walk):
    folder, _ = walk
    first, again = folder / "evaluation", folder / "evaluation-again"
    names = sorted(path.name for path in first.iterdir())
    assert names and names == sorted(path.name for path in again.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name


def test_outputs_are_where_the_commands_say(walk):
    folder, results = walk
    assert (folder / "verification" / "scores.csv").is_file()
    assert (folder / "verification-eea" / "timeseries.png").is_file()
    assert list((folder / "products").glob("eaqi_*.png"))
    assert "group cams" in results["info, store"].stdout
    assert "stage 'pretrain'" in results["info, model"].stdout
    assert "init:      2022-06-02 00:00 ... 2022-06-03 00:00, 2 times every 24h" in \
        results["info, forecast"].stdout
