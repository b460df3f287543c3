"""Per-time-step completion markers, written atomically after the step's data.

A run of :func:`xaqf.store.prepare` keeps a folder ``<store>.progress`` beside the store.
When a worker has written time step ``i`` to the store, it writes ``step-<i>.npz`` there,
holding that step's partial statistics: first to a temporary name, then renamed (atomic on
POSIX). A step without its marker is redone whole, so a run killed at any moment (even
``SIGKILL`` in the middle of a chunk) never takes a half-written step as complete. The
folder also records the layout marker (``layout.json``, the template is written) and is
removed once the store is complete.

Examples
--------
>>> import tempfile, numpy as np
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> write_marker(folder, 3, {"max": np.array([1.0])})
>>> done_steps(folder, 5), read_marker(folder, 3)["max"].tolist()
([3], [1.0])
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from xaqf._utils.atomic import atomic_path

__all__ = ["done_steps", "progress_dir", "read_layout", "read_marker", "write_layout",
           "write_marker"]


def progress_dir(output: Path) -> Path:
    """The progress folder of the store at ``output``."""
    return output.with_name(output.name + ".progress")


def _marker(folder: Path, index: int) -> Path:
    return folder / f"step-{index:07d}.npz"


def _atomic_write(path: Path, write: Any) -> None:
    with atomic_path(path) as partial, open(partial, "wb") as handle:
        write(handle)


def write_marker(folder: Path, index: int, partials: dict[str, np.ndarray]) -> None:
    """Record that step ``index`` is written, with its partial statistics."""
    _atomic_write(_marker(folder, index), lambda handle: np.savez(handle, **partials))  # type: ignore[arg-type]


def read_marker(folder: Path, index: int) -> dict[str, np.ndarray]:
    """The partial statistics recorded for step ``index``."""
    with np.load(_marker(folder, index)) as data:
        return {name: data[name] for name in data.files}


def done_steps(folder: Path, count: int) -> list[int]:
    """The steps among ``range(count)`` that have a marker."""
    return [i for i in range(count) if _marker(folder, i).exists()]


def write_layout(folder: Path, fingerprint: str) -> None:
    """Record that the template of the store with ``fingerprint`` is written."""
    text = json.dumps({"fingerprint": fingerprint}).encode()
    _atomic_write(folder / "layout.json", lambda handle: handle.write(text))


def read_layout(folder: Path) -> str | None:
    """The fingerprint recorded by :func:`write_layout`, or ``None``."""
    path = folder / "layout.json"
    return json.loads(path.read_text())["fingerprint"] if path.exists() else None
