"""Data-parallel training with torchrun (gloo, CPU): equivalence, resume after SIGKILL, the CLI
run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from tests.training.ddp_job import main as single_job
from xaqf._utils.tensor_file import read_file
from xaqf.training.distributed import Distributed, setup
from xaqf.training.trainer import CHECKPOINT_NAME

JOB = Path(__file__).with_name("ddp_job.py")
ROOT = Path(__file__).resolve().parents[2]


_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}


def _torchrun_command(*args: str, nproc: int = 2) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", "--standalone",
            f"--nproc_per_node={nproc}", *args]


def _torchrun(*args: str, nproc: int = 2) -> subprocess.CompletedProcess:
    return subprocess.run(_torchrun_command(*args, nproc=nproc), env=_ENV, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)


def _state(folder: Path) -> tuple[dict[str, torch.Tensor], dict]:
    tensors, meta = read_file(folder / CHECKPOINT_NAME)
    return {k: v for k, v in tensors.items() if k.startswith("model.")}, meta


def test_single_process_setup_needs_no_process_group():
    assert setup("cpu", environ={}) == Distributed()
    assert Distributed().wrap(torch.nn.Linear(1, 1)).__class__ is torch.nn.Linear


@pytest.mark.slow
def test_two_processes_of_batch_1_step_like_one_of_batch_2(toy_store, tmp_path):
    done = _torchrun(str(JOB), str(toy_store), str(tmp_path / "ddp"), "1", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    single_job(str(toy_store), str(tmp_path / "one"), 2, 1)
    ddp, meta = _state(tmp_path / "ddp")
    one, meta_one = _state(tmp_path / "one")
    assert meta["step"] == meta_one["step"] == 1
    for name, value in one.items():
        torch.testing.assert_close(ddp[name], value, rtol=1e-6, atol=1e-8)
    loss, loss_one = meta["extra"]["history"]["losses"], meta_one["extra"]["history"]["losses"]
    assert loss == pytest.approx(loss_one, rel=1e-6)


def _wait_for_checkpoint(process: subprocess.Popen, folder: Path, step: int) -> None:
    """Wait until the checkpoint in ``folder`` is at ``step`` or later (while ``process``
    runs)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if (folder / CHECKPOINT_NAME).is_file() and _state(folder)[1]["step"] >= step:
            return
        time.sleep(0.05)
    raise AssertionError(f"no checkpoint at step {step} before the run ended or timed out")


@pytest.mark.slow
def test_a_sigkilled_ddp_run_resumes_to_the_same_losses(toy_store, tmp_path):
    whole = _torchrun(str(JOB), str(toy_store), str(tmp_path / "whole"), "1", "0")
    assert whole.returncode == 0, whole.stderr[-2000:]
    expected = _state(tmp_path / "whole")[1]["extra"]["history"]["losses"]
    cut = tmp_path / "cut"
    killed = subprocess.Popen(_torchrun_command(str(JOB), str(toy_store), str(cut), "1", "0",
                                                "0.7"),
                              env=_ENV, cwd=ROOT, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_checkpoint(killed, cut, 2)
        time.sleep(0.3)  # within the pause after step 3, before its checkpoint
    finally:
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
    at_kill = _state(cut)[1]["step"]
    assert 2 <= at_kill < len(expected)
    rest = _torchrun(str(JOB), str(toy_store), str(cut), "1", "0")
    assert rest.returncode == 0, rest.stderr[-2000:]
    resumed = _state(cut)[1]["extra"]["history"]["losses"]
    assert len(expected) > 3 and resumed == expected


@pytest.mark.slow
def test_torchrun_xaqf_train_writes_one_model_and_one_checkpoint(toy_store, tmp_path):
    from tests.training.ddp_job import config

    cfg = config(str(toy_store), 1)
    data = {**cfg.to_dict(), "output": str(tmp_path / "model.safetensors"),
            "checkpoint_dir": str(tmp_path / "ckpt"), "log": str(tmp_path / "train.jsonl"),
            "workers": 1}
    (tmp_path / "run.json").write_text(json.dumps(data))
    done = _torchrun("-m", "xaqf", "train", str(tmp_path / "run.json"), "--no-progress")
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.glob("*.safetensors")) == ["model.safetensors"]
    assert [p.name for p in (tmp_path / "ckpt").rglob("*.safetensors")] == [CHECKPOINT_NAME]
    assert done.stdout.count("model written") == 1 and "samples/s" in done.stdout
    records = [json.loads(line) for line in (tmp_path / "train.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in records if "loss" in r]
    assert steps == sorted(set(steps)) and all(0 <= r["data_wait"] <= 1 for r in records)
