"""Files written whole or not at all.

:func:`atomic_path` hands out a temporary name in the target's folder; the target is
replaced by it (:func:`os.replace`, atomic on one file system) only once the writing code
has finished, with the permissions an ordinary new file would get (``0o666`` less the
umask). A run killed or failing meanwhile leaves the previous file, or none, and no
temporary file behind on an error. Model files and checkpoints
(:mod:`xaqf._utils.tensor_file`), store markers, toy-world downloads and the command line's
outputs are written this way.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path"]


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to, moved onto ``path`` on success.

    The temporary name keeps the suffix of ``path`` (writers such as matplotlib's
    ``savefig`` pick the format from it); missing folders are created.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "table.csv"
    >>> with atomic_path(target) as partial:
    ...     _ = partial.write_text("a,b\\n")
    >>> target.read_text(), [p.name for p in target.parent.iterdir()]
    ('a,b\\n', ['table.csv'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix,
                                    dir=path.parent)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        os.chmod(partial, 0o666 & ~umask())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def umask() -> int:
    """The process's file-creation mask (read by setting it, then restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
