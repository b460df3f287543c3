"""Progress display: a bar on a terminal, one line per stage in a log.

:func:`progress` is the one place where xaqf makes a progress display. Where ``stderr`` is a
terminal (or a notebook's output) it is a ``tqdm`` bar; where ``stderr`` goes to a file or a
pipe (a batch job's log), carriage-return frames would fill the log, so it is a
:class:`StageLine` instead: it shows nothing while running and writes one line when the
stage ends (``prepare: 12/12 step in 3.4 s``); its ``write`` lines (e.g. an epoch's
validation scores) go to the log as they come.

Examples
--------
>>> with progress(total=3, desc="demo", unit="step", enabled=False) as bar:
...     for _ in range(3):
...         bar.update()
>>> bar.n
3
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

__all__ = ["StageLine", "on_terminal", "progress"]


def on_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default ``sys.stderr``) is seen by a person as it is written: a
    terminal, or a Jupyter notebook's output (where ``tqdm.auto`` draws a widget).

    Examples
    --------
    >>> import io
    >>> on_terminal(io.StringIO())
    False
    """
    stream = sys.stderr if stream is None else stream
    if type(stream).__module__.startswith("ipykernel"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class StageLine:
    """A progress display for logs: one line at the end of the stage, none while running.

    It has the parts of a ``tqdm`` bar that xaqf uses: ``update``, ``set_postfix``,
    ``write``, ``close``, iteration and ``with``.

    Examples
    --------
    >>> import io
    >>> log = io.StringIO()
    >>> with StageLine(total=2, desc="forecast", unit="step", stream=log) as bar:
    ...     bar.update(2)
    ...     bar.set_postfix(loss="0.1")
    >>> log.getvalue().startswith("forecast: 2/2 step in ") and "loss=0.1" in log.getvalue()
    True
    """

    def __init__(self, iterable: Iterable[Any] | None = None, *, total: int | None = None,
                 desc: str = "", unit: str = "it", initial: int = 0, enabled: bool = True,
                 stream: TextIO | None = None) -> None:
        self.iterable = iterable
        self.total = total if total is not None or iterable is None else \
            _length(iterable)
        self.desc, self.unit, self.n, self.enabled = desc, unit, initial, enabled
        self.postfix: dict[str, Any] = {}
        self.stream = stream
        self.started = time.perf_counter()
        self.closed = False

    def __iter__(self) -> Iterator[Any]:
        for item in self.iterable or ():
            yield item
            self.update()
        self.close()

    def __enter__(self) -> StageLine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        """Count ``n`` more units done."""
        self.n += n

    def set_postfix(self, **values: Any) -> None:
        """Values shown after the count in the final line (e.g. the last loss)."""
        self.postfix = values

    def write(self, line: str) -> None:
        """Write ``line`` to the log now."""
        print(line, file=self.stream or sys.stderr, flush=True)

    def close(self) -> None:
        """Write the stage's line (once; nothing where disabled or where nothing ran)."""
        if self.closed:
            return
        self.closed = True
        if not self.enabled:
            return
        seconds = time.perf_counter() - self.started
        count = f"{self.n}/{self.total}" if self.total is not None else f"{self.n}"
        extra = "".join(f", {key}={value}" for key, value in self.postfix.items())
        self.write(f"{self.desc}: {count} {self.unit} in {seconds:.1f} s{extra}")


def _length(iterable: Iterable[Any]) -> int | None:
    try:
        return len(iterable)  # type: ignore[arg-type]
    except TypeError:
        return None


def progress(iterable: Iterable[Any] | None = None, *, total: int | None = None,
             desc: str = "", unit: str = "it", initial: int = 0, enabled: bool = True) -> Any:
    """A ``tqdm`` bar on a terminal, a :class:`StageLine` elsewhere (see the module notes).

    Parameters
    ----------
    iterable
        Items to iterate over while counting (optional).
    total, desc, unit, initial
        As for ``tqdm``.
    enabled
        ``False`` shows nothing at all (``--no-progress``); ``write`` lines still appear.
    """
    if enabled and on_terminal():
        from tqdm.auto import tqdm

        return tqdm(iterable, total=total, desc=desc, unit=unit, initial=initial)
    return StageLine(iterable, total=total, desc=desc, unit=unit, initial=initial,
                     enabled=enabled)
