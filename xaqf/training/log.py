"""The training log: JSON lines, and TensorBoard scalars where ``tensorboard`` is installed.

Each optimiser step appends one line ``{"stage", "step", "epoch", "lr", "loss",
"samples_per_s", "data_wait"}`` -- ``samples_per_s`` counts the windows of every process,
``data_wait`` is the share of the step's wall time spent waiting for the loader -- and each
validation one line ``{"stage", "step", "epoch", "val_rmse", "val_rmse_base"}``. The same
numbers go to TensorBoard (``<folder>/tensorboard``) when ``tensorboard`` is importable
(``pip install xaqf[tensorboard]``); without it they are skipped silently. Only rank 0
writes.

Examples
--------
>>> import json, tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "train.jsonl"
>>> with TrainingLog(path, tensorboard=False) as log:
...     log.write({"stage": "pretrain", "step": 1, "loss": 0.5})
>>> json.loads(path.read_text())["loss"]
0.5
"""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["TrainingLog"]


def _summary_writer(folder: Path) -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(str(folder))


class TrainingLog:
    """Appends records to a JSON-lines file (and TensorBoard); ``path=None`` writes nothing.

    Parameters
    ----------
    path
        The ``.jsonl`` file (appended to: a resumed run continues it).
    tensorboard
        Also write TensorBoard scalars next to it, if ``tensorboard`` is installed.
    """

    def __init__(self, path: str | Path | None, tensorboard: bool = True) -> None:
        self.path = None if path is None else Path(path)
        self._writer = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if tensorboard:
                self._writer = _summary_writer(self.path.parent / "tensorboard")

    def write(self, record: dict[str, Any]) -> None:
        """Append ``record`` (JSON-able); its numbers also become TensorBoard scalars."""
        if self.path is None:
            return
        with open(self.path, "a") as handle:
            handle.write(json.dumps(record) + "\n")
        if self._writer is not None:
            stage, step = record.get("stage", "train"), int(record.get("step", 0))
            for name, value in record.items():
                if isinstance(value, float | int) and name not in ("step", "epoch"):
                    self._writer.add_scalar(f"{stage}/{name}", value, step)

    def close(self) -> None:
        """Flush and close TensorBoard."""
        if self._writer is not None:
            self._writer.close()

    def __enter__(self) -> TrainingLog:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
