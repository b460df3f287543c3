"""Checks of the runtime arguments of forecasting and training, made before any computation.

Each check raises an error of :mod:`xaqf.errors` naming the parameter, file, channel or
time at fault and the fix: counts (``steps``, ``batch_size``) must be positive integers,
devices must exist on this machine, ``dtype`` must be one xaqf runs, an output file must be
writable and must not be one of the input files, and the states handed to the network must
be finite (a float32 overflow of a huge input value, or a zero standard deviation in the
statistics, shows up there).

Examples
--------
>>> positive_int(3, "steps")
3
>>> positive_int(0, "steps")
Traceback (most recent call last):
...
xaqf.errors.ConfigError: steps must be a positive integer, got 0
>>> resolve_device("cpu")
device(type='cpu')
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import xarray as xr

from xaqf._utils.sources import sources_of
from xaqf.errors import ConfigError, InvalidValueError

DTYPES: dict[str | None, torch.dtype | None] = {
    None: None, "float32": None, "fp32": None, "bf16": torch.bfloat16, "bfloat16": torch.bfloat16}
"""The ``dtype`` values xaqf runs the network with, and their autocast dtype (``None``:
plain float32)."""


def positive_int(value: Any, name: str) -> int:
    """``value`` if it is an integer >= 1; otherwise :class:`~xaqf.errors.ConfigError`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def autocast_dtype(dtype: str | None) -> torch.dtype | None:
    """The autocast dtype of ``dtype`` (``None``: float32, no autocast).

    Examples
    --------
    >>> autocast_dtype("bf16")
    torch.bfloat16
    """
    if not isinstance(dtype, str | None) or dtype not in DTYPES:
        raise ConfigError(f"dtype={dtype!r} is not supported; use None (float32) or 'bf16' "
                          f"(float16 overflows in the log-transformed space)")
    return DTYPES[dtype]


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``device`` as a :class:`torch.device` that exists here (``None``: CUDA if available).

    Raises
    ------
    ConfigError
        An unknown device name, or a CUDA / MPS device this machine does not have.
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ConfigError(f"device={device!r} is not a torch device ({err}); use 'cpu', "
                          f"'cuda', 'cuda:1' or 'mps'") from None
    if resolved.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (resolved.index or 0) >= count:
            raise ConfigError(f"device={device!r}: this machine has {count} CUDA device(s); "
                              f"use device='cpu' or one of cuda:0 ... cuda:{max(count - 1, 0)}")
    elif resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(f"device={device!r}: MPS is not available here; use device='cpu'")
    elif resolved.type not in ("cpu", "cuda", "mps"):
        raise ConfigError(f"device={device!r}: xaqf runs on 'cpu', 'cuda' or 'mps'")
    return resolved


MAX_STEPS = 10_000
"""The most steps a forecast may take (``10_000`` 12-hour steps are 13.7 years; a million
would overflow the nanosecond valid times)."""


def forecast_steps(steps: Any) -> int:
    """``steps`` if it is an integer in ``1 ... MAX_STEPS``; otherwise ConfigError.

    Examples
    --------
    >>> forecast_steps(10)
    10
    >>> forecast_steps(10**6)
    Traceback (most recent call last):
    ...
    xaqf.errors.ConfigError: steps=1000000 is more than the 10000 steps xaqf forecasts at most; \
a forecast that long is meaningless and its valid times overflow: split it or use fewer steps
    """
    steps = positive_int(steps, "steps")
    if steps > MAX_STEPS:
        raise ConfigError(f"steps={steps} is more than the {MAX_STEPS} steps xaqf forecasts at "
                          f"most; a forecast that long is meaningless and its valid times "
                          f"overflow: split it or use fewer steps")
    return steps


def check_output(output: str | Path,
                 inputs: Sequence[xr.Dataset | str | os.PathLike[str] | None]) -> Path:
    """``output`` as a path a forecast can be streamed to: a ``.zarr`` or ``.nc`` path in
    a writable folder, not a symbolic link, and neither one of the files or stores
    ``inputs`` (Datasets, or paths) were read from nor a folder holding one or inside one.

    Raises
    ------
    ConfigError
        Naming ``output`` and what is wrong with it.

    Examples
    --------
    >>> from xaqf._utils.sources import with_sources
    >>> ds = with_sources(xr.Dataset(), ["/data/cams.zarr"])
    >>> check_output("/data/cams.zarr", [ds])
    Traceback (most recent call last):
    ...
    xaqf.errors.ConfigError: output /data/cams.zarr is one of the input files or stores \
(/data/cams.zarr), holds one or lies in one; writing there would destroy the data the output \
is computed from: choose another path
    """
    path = Path(output)
    if path.suffix.lower() not in (".zarr", ".nc"):
        raise ConfigError(f"output {path} must end in .zarr or .nc")
    if path.is_symlink():
        raise ConfigError(f"output {path} is a symbolic link (to {path.resolve()}); replacing "
                          f"it would replace the link, not its target: give the target's "
                          f"path or another one")
    not_an_input(path, inputs)
    if path.suffix.lower() == ".nc" and path.is_dir():
        raise ConfigError(f"output {path} is a directory; give a .nc file path")
    folder = path.resolve().parent
    if not folder.is_dir():
        raise ConfigError(f"output folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"output folder {folder} is not writable; choose another output")
    return path


def not_an_input(path: str | os.PathLike[str],
                 inputs: Sequence[xr.Dataset | str | os.PathLike[str] | None]) -> None:
    """Raise ConfigError if the output ``path`` is, holds or lies in one of the files or
    stores ``inputs`` (Datasets, or paths) were read from (symlinks resolved)."""
    path = Path(path)
    target = path.resolve()
    sources: set[Path] = set()
    for item in inputs:
        if isinstance(item, xr.Dataset | xr.DataArray):
            sources |= sources_of(item)
        elif item is not None:
            sources.add(Path(item).resolve())
    for source in sorted(sources):
        if target == source or source.is_relative_to(target) or target.is_relative_to(source):
            raise ConfigError(f"output {path} is one of the input files or stores ({source}), "
                              f"holds one or lies in one; writing there would destroy the data "
                              f"the output is computed from: choose another path")


def all_finite(x: torch.Tensor) -> bool:
    """Whether every value of the floating tensor ``x`` is finite.

    One pass without temporaries in the usual case: a sum is finite only if each term is
    (a NaN or an infinity carries through every addition); only a non-finite sum, which
    finite values can also give by overflowing, is checked value by value. At 451 x 900
    this takes 5 ms for a state where ``torch.isfinite(x).all()`` takes 80 ms.

    Examples
    --------
    >>> all_finite(torch.tensor([1.0, 3e38, 3e38])), all_finite(torch.tensor([1.0, float("nan")]))
    (True, False)
    """
    return bool(torch.isfinite(x.sum())) or bool(torch.isfinite(x).all())


def check_finite(states: torch.Tensor, channels: Sequence[str], times: np.ndarray,
                 role: str) -> None:
    """Raise :class:`~xaqf.errors.InvalidValueError` naming the first channel and time of
    ``states`` ``(B, C, H, W)`` (encoded network inputs) that is not finite."""
    if all_finite(states):
        return
    bad = ~torch.isfinite(states).flatten(2).all(-1)
    b, c = (int(i) for i in torch.nonzero(bad)[0])
    raise InvalidValueError(
        f"{role} channel {channels[c]!r} at {np.datetime_as_string(times[b], unit='m')} is "
        f"not finite once converted to float32 and normalised (a value beyond 3.4e38, or a "
        f"zero standard deviation in the statistics); fix or drop that time step")
