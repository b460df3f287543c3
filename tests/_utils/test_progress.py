"""Progress: a bar on a terminal, one line per stage in a log, nothing when disabled."""

from __future__ import annotations

import io
import sys

from xaqf._utils.progress import StageLine, on_terminal, progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_log_one_line_at_the_end_and_no_carriage_returns(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    bar = progress(range(5), desc="scoring", unit="piece")
    assert isinstance(bar, StageLine)
    assert list(bar) == [0, 1, 2, 3, 4]
    lines = log.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scoring: 5/5 piece in ")
    assert "\r" not in log.getvalue()


def test_write_lines_go_to_the_log_even_without_progress(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    with progress(total=2, desc="pretrain", unit="step", enabled=False) as bar:
        bar.update(2)
        bar.write("pretrain epoch 1: val RMSE 0.1")
    assert log.getvalue() == "pretrain epoch 1: val RMSE 0.1\n"


def test_on_a_terminal_a_tqdm_bar(monkeypatch):
    from tqdm.auto import tqdm

    monkeypatch.setattr(sys, "stderr", Terminal())
    assert on_terminal()
    bar = progress(total=3, desc="forecast", unit="step")
    assert isinstance(bar, tqdm)
    bar.close()
