"""benchmarks/gpu_checks.sh: every part run with its limit and logged, within the budget.

The parts' Python commands are replaced by ``echo`` (``PYTHON=echo``), so each log holds the
command line its part would run; nothing heavy runs here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_checks.sh"
PARTS = ["machine", "host_inputs", "cuda_tests", "model_step", "predict_bf16", "predict_fp32",
         "predict_compile"]

pytestmark = pytest.mark.skipif(shutil.which("bash") is None or shutil.which("timeout") is None,
                                reason="needs bash and coreutils' timeout")


def run_checks(logs: Path, budget: int) -> str:
    env = {**os.environ, "PYTHON": "echo", "BUDGET": str(budget)}
    done = subprocess.run(["bash", str(SCRIPT), str(logs)], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout


def test_every_part_runs_and_is_logged(tmp_path):
    output = run_checks(tmp_path / "logs", budget=300)
    for part in PARTS:
        assert f"== {part}: exit 0" in output, part
    assert "--dtype bf16" in (tmp_path / "logs" / "predict_bf16.log").read_text()
    assert "--compile" in (tmp_path / "logs" / "predict_compile.log").read_text()
    assert "--compile" not in (tmp_path / "logs" / "predict_fp32.log").read_text()
    assert "tests/forecaster/test_cuda.py" in (tmp_path / "logs" / "cuda_tests.log").read_text()


def test_parts_get_at_most_what_is_left_of_the_budget(tmp_path):
    output = run_checks(tmp_path / "logs", budget=40)
    limits = {name: int(limit) for name, limit in
              re.findall(r"^== (\w+) \(limit (\d+) s", output, flags=re.MULTILINE)}
    assert list(limits) == PARTS
    assert 30 <= limits["machine"] <= 40  # 60 s asked, 40 s (less a second or so) left
    assert limits["predict_compile"] <= 40  # 600 s asked


def test_parts_are_skipped_without_budget(tmp_path):
    output = run_checks(tmp_path / "logs", budget=5)
    assert all(f"== {part}: skipped" in output for part in PARTS)
    assert not list((tmp_path / "logs").iterdir())
