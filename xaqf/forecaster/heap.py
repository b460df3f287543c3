"""Reusing freed memory across the network forwards of a CPU forecast (glibc only).

A ``paper`` forward at 0.4 degrees allocates and frees about 17 GB of activations, most of
them in blocks far above glibc's largest mmap threshold (32 MiB). glibc maps each such block
freshly and unmaps it when freed, so every forward touches all that memory anew: about four
million page faults, a third or more of the forward's time on a small CPU machine, and more
still when the process holds other large arrays (the forecast itself).
:func:`retained_heap` switches glibc's use of mmap and its heap trimming off for the
duration of a block: freed blocks stay in the heap and the next forward reuses them. On
exit it restores glibc's default settings and hands the freed memory back to the system
(``malloc_trim``). Elsewhere (macOS, Windows, musl) it does nothing.

:meth:`xaqf.Forecaster.predict` runs its rollouts inside it, on any device: besides a CPU
network's activations, the host arrays of each batch's inputs (a 1 GiB block of met states
at 0.4 degrees) are then reused by the next batch. ``benchmarks/predict.py`` and
``benchmarks/fetch_inputs.py`` measure the effects.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_NEVER = -1
"""As a trim threshold: glibc reads the int as an unsigned size, the largest there is."""
_DEFAULT_TRIM_THRESHOLD = 128 * 1024
_DEFAULT_MMAP_MAX = 65536

_lock = threading.Lock()
_depth = 0


@cache
def _glibc() -> ctypes.CDLL | None:
    """The process's C library if it is glibc (with ``mallopt`` and ``malloc_trim``)."""
    try:
        os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError, AttributeError):
        return None
    libc = ctypes.CDLL(None)
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def heap_retention_available() -> bool:
    """Whether :func:`retained_heap` has an effect here (the C library is glibc).

    Examples
    --------
    >>> isinstance(heap_retention_available(), bool)
    True
    """
    return _glibc() is not None


@contextmanager
def retained_heap() -> Iterator[None]:
    """Keep freed memory in the process heap while the block runs (glibc only).

    Inside, glibc serves every allocation from its heap and never shrinks it, so large
    buffers freed by one network forward are reused, without page faults, by the next. On
    leaving the outermost of nested (or concurrent) blocks, glibc's default settings are
    restored (``M_MMAP_MAX`` 65536, ``M_TRIM_THRESHOLD`` 128 KiB; glibc's automatic
    adjustment of its thresholds then stays off, as after setting the
    ``MALLOC_TRIM_THRESHOLD_`` environment variable) and the free heap memory is returned
    to the system. The resident memory inside the block is the peak of what it allocated.

    Examples
    --------
    >>> import numpy as np
    >>> with retained_heap():
    ...     total = sum(float(np.ones(1 << 20).sum()) for _ in range(3))
    >>> total
    3145728.0
    """
    global _depth
    libc = _glibc()
    if libc is None:
        yield
        return
    with _lock:
        if _depth == 0:
            libc.mallopt(_M_MMAP_MAX, 0)
            libc.mallopt(_M_TRIM_THRESHOLD, _NEVER)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                libc.mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
                libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM_THRESHOLD)
                libc.malloc_trim(0)
