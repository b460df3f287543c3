"""The skew transform of normalised pollutants (Eq. 12) and its exact inverse.

Normalised concentrations are strongly skewed: most of the globe sits near zero and a few
emission hot spots reach far above. The transform

.. math:: y = x + \\frac{\\log_{10}(2.5\\cdot 10^4\\, x)}{\\log_{10} 25}

stretches the small values while staying strictly increasing. It diverges at ``x = 0``, so
``x`` is first clamped to ``floor`` (:data:`DEFAULT_FLOOR` = 1e-6): every value
below the floor, zeros included, maps to the image of the floor, and the inverse returns the
floor for it.

The inverse is exact (Lambert W, computed without overflow and without scipy; see the
design notes); ``precise=False`` computes it in float32 throughout, for the outputs of a
bfloat16 network.

The array functions dispatch on the type: numpy, dask (lazy) and torch tensors (any device,
float32/bfloat16/float16, under autocast or not). They compute in float64 (but for the
inverse's first Newton step; float32 throughout on Apple MPS) with autocast disabled and
return the input's floating dtype: the round trip ``inverse_log_transform(log_transform(x))``
then matches ``max(x, floor)`` to float32 precision (relative error below 1e-6). Because of
that float32 step, the inverse holds for transformed values within float32's range
(below 3.4e38).

Provenance: the Dataset and channel wrappers write a ``transform`` note and the
``transform_floor`` on what they transform, and refuse, with
:class:`~xaqf.errors.InvalidValueError` unless ``force=True``: to transform a field that
already carries the note, or (Datasets) one in physical units (a ``units`` attribute other
than ``"1"``, i.e. not normalised); to invert a field without the note.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any

import numpy as np
import xarray as xr

from xaqf.errors import ConfigError, InvalidValueError, MissingVariableError
from xaqf.preprocessing.channels import channel_table
from xaqf.variables import POLLUTANT_VARIABLES

DEFAULT_FLOOR: float = 1e-6
"""Default lower clamp of the normalised concentration before the transform."""

_K = 2.5e4
_C = math.log(25.0)
_LOG_K = math.log(_K)
_LOG_C = math.log(_C)

NOTE = "x + log10(2.5e4 * x) / log10(25), x clamped to >= {floor:g} (xaqf Eq. 12)"
"""Template of the ``transform`` attribute written by the Dataset/DataArray wrappers."""


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a torch tensor (checked without importing torch).

    Examples
    --------
    >>> import numpy as np
    >>> is_tensor(np.zeros(2))
    False
    """
    return type(x).__module__.startswith("torch") and hasattr(x, "device")


def _as_float(x: Any, single: bool = False) -> tuple[Any, Any]:
    """``x`` as float64 (float32 with ``single``, and on Apple MPS, which lacks float64),
    and a context that disables torch autocast around the computation."""
    if is_tensor(x):
        import torch

        narrow = single or x.device.type == "mps"
        return x.to(torch.float32 if narrow else torch.float64), \
            torch.autocast(x.device.type, enabled=False)
    dtype = np.float32 if single else np.float64
    return (x.astype(dtype) if hasattr(x, "astype") else np.asarray(x, dtype)), nullcontext()


def _newton_steps(y: Any) -> int:
    """Two Newton steps for inputs of float32 or narrower (their output precision), else
    three (see the module notes)."""
    if is_tensor(y):
        narrow = y.is_floating_point() and y.element_size() <= 4
    else:
        dtype = np.dtype(getattr(y, "dtype", np.float64))
        narrow = np.issubdtype(dtype, np.floating) and dtype.itemsize <= 4
    return 2 if narrow else 3


def _newton_step(u: Any, target: Any, xp: Any) -> Any:
    """One Newton step on ``c e^u + u = target``, ``target = c y - ln k``: Eq. 12 written
    for ``u = ln x`` and multiplied by ``c`` (see the module notes)."""
    scaled = _C * xp.exp(u)
    return u - (scaled + u - target) / (scaled + 1)


def cast_like(out: Any, like: Any) -> Any:
    """``out`` in the dtype of ``like`` where ``like`` is floating, else unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> cast_like(np.ones(1), np.zeros(1, "float32")).dtype
    dtype('float32')
    """
    if is_tensor(like):
        return out.to(like.dtype) if like.is_floating_point() else out
    dtype = getattr(like, "dtype", None)
    if dtype is None or not np.issubdtype(dtype, np.floating) or out.dtype == dtype:
        return out
    return out.astype(dtype)


def _namespace(x: Any) -> Any:
    if is_tensor(x):
        import torch

        return torch
    return np


def _softplus(z: Any) -> Any:
    """``ln(1 + exp(z))`` without overflow, on numpy, dask or torch."""
    if is_tensor(z):
        import torch

        return torch.nn.functional.softplus(z)
    return np.logaddexp(0.0, z)


def log_transform(x: Any, floor: float = DEFAULT_FLOOR) -> Any:
    """Eq. 12 on a numpy array, dask array or torch tensor: ``x + log10(2.5e4 x) / log10(25)``.

    Parameters
    ----------
    x
        Normalised concentrations (dimensionless, typically in [0, 2]).
    floor
        Values below it (zeros, tiny negatives) are clamped to it first; must be > 0.

    Returns
    -------
    array or tensor
        Same type, shape and (floating) dtype as ``x``; lazy for dask input.

    Examples
    --------
    >>> import numpy as np
    >>> log_transform(np.array([4e-5, 1e-3, 1.0])).round(5).tolist()  # 2 + 3 / log10(25)
    [4e-05, 1.001, 4.14601]
    >>> log_transform(np.array([0.0])) == log_transform(np.array([1e-6]))
    array([ True])
    """
    if not floor > 0:
        raise ConfigError(f"floor must be > 0, got {floor}; the transform diverges at 0")
    work, context = _as_float(x)
    xp = _namespace(work)
    with context:
        clamped = work.clip(min=floor)
        out = clamped + xp.log10(clamped * _K) / math.log10(25.0)
    return cast_like(out, x)


def inverse_log_transform(y: Any, *, precise: bool = True) -> Any:
    """Exact inverse of :func:`log_transform` (for values at or above the floor's image).

    Newton steps on ``u = ln x`` from a Lambert-W approximation, the first in float32, the
    others in float64 (see the module notes); works on numpy, dask (lazy) and torch tensors
    (CPU/GPU).

    Parameters
    ----------
    y
        Transformed values.
    precise
        With ``False``, every step runs in float32: half the cost, and a relative error of
        up to about 2e-6 instead of float32 round-off (1e-7). xaqf uses it to decode
        forecasts whose network ran in bfloat16, where the network's own rounding is 4e-3.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1e-6, 4e-5, 0.3, 7.0], dtype="float32")
    >>> bool(np.allclose(inverse_log_transform(log_transform(x)), x, rtol=1e-6, atol=0))
    True
    >>> rough = inverse_log_transform(log_transform(x), precise=False)
    >>> bool(np.allclose(rough, x, rtol=2e-6, atol=0)), rough.dtype
    (True, dtype('float32'))
    """
    rough, context = _as_float(y, single=True)
    xp = _namespace(rough)
    with context:
        target = _C * rough - _LOG_K
        ell = _softplus(target + _LOG_C)
        u = xp.log(ell * (1 - xp.log1p(ell) / (2 + ell))) - _LOG_C
        u = _newton_step(u, target, xp)
        if precise:
            exact, _ = _as_float(y)
            u, target = _as_float(u)[0], _C * exact - _LOG_K
        for _ in range(_newton_steps(y) - 1 if precise else 1):
            u = _newton_step(u, target, xp)
        out = xp.exp(u)
    return cast_like(out, y)


def _pollutants_present(ds: xr.Dataset, variables: Iterable[str] | None) -> list[str]:
    if variables is None:
        return [name for name in POLLUTANT_VARIABLES if name in ds.data_vars]
    names = list(variables)
    missing = [name for name in names if name not in ds.data_vars]
    if missing:
        raise MissingVariableError(
            f"cannot transform {missing}: not in the Dataset (it holds "
            f"{sorted(map(str, ds.data_vars))}); pass variables=... with names it holds"
        )
    return names


_AGAIN = "; pass force=True to do it anyway"


def _refuse_transform(attrs: dict[str, Any], label: str, physical_check: bool) -> None:
    if "transform" in attrs:
        raise InvalidValueError(f"{label} is already log-transformed ({attrs['transform']!r})"
                                f"{_AGAIN}")
    units = str(attrs.get("units", "1")).strip()
    if physical_check and units not in ("1", ""):
        raise InvalidValueError(
            f"{label} is in {units!r}, not normalised: Eq. 12 applies to normalised "
            f"concentrations; normalize it first (ds.aqf.normalize(stats)){_AGAIN}")


def _refuse_inverse(attrs: dict[str, Any], label: str) -> None:
    if "transform" not in attrs:
        raise InvalidValueError(f"{label} is not log-transformed (no 'transform' attribute): "
                                f"there is nothing to invert{_AGAIN}")


def _notes(floor: float) -> dict[str, Any]:
    return {"transform": NOTE.format(floor=floor), "transform_floor": floor}


def _transformed(da: xr.DataArray, name: str, floor: float, force: bool) -> xr.DataArray:
    if not force:
        _refuse_transform(da.attrs, f"variable {name!r}", physical_check=True)
    return da.copy(data=log_transform(da.data, floor)).assign_attrs(_notes(floor))


def log_transform_dataset(ds: xr.Dataset, variables: Iterable[str] | None = None,
                          floor: float = DEFAULT_FLOOR, *, force: bool = False) -> xr.Dataset:
    """Apply :func:`log_transform` to normalised variables of a Dataset.

    Parameters
    ----------
    ds
        Normalised data (see :func:`xaqf.preprocessing.normalization.normalize`).
    variables
        Variables to transform; default: every pollutant variable present.
    floor
        Clamp applied before the transform.
    force
        Transform even variables whose attributes say they are transformed already or not
        normalised.

    Returns
    -------
    xarray.Dataset
        The transformed variables carry ``transform`` and ``transform_floor`` attributes;
        others are unchanged.

    Raises
    ------
    InvalidValueError
        A variable already transformed or in physical units (unless ``force``).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"pm10": ("x", np.array([1e-3], "float32")), "t2m": ("x", [0.5])})
    >>> out = log_transform_dataset(ds)
    >>> round(float(out.pm10[0]), 6), float(out.t2m[0])
    (1.001, 0.5)
    >>> out.pm10.attrs["transform"]
    'x + log10(2.5e4 * x) / log10(25), x clamped to >= 1e-06 (xaqf Eq. 12)'
    """
    return ds.assign({name: _transformed(ds[name], str(name), floor, force)
                      for name in _pollutants_present(ds, variables)})


def _drop_note(da: xr.DataArray, data: Any) -> xr.DataArray:
    out = da.copy(data=data)
    for key in _notes(0.0):
        out.attrs.pop(key, None)
    return out


def _inverted(da: xr.DataArray, name: str, force: bool) -> xr.DataArray:
    if not force:
        _refuse_inverse(da.attrs, f"variable {name!r}")
    return _drop_note(da, inverse_log_transform(da.data))


def inverse_log_transform_dataset(ds: xr.Dataset, variables: Iterable[str] | None = None,
                                  *, force: bool = False) -> xr.Dataset:
    """Undo :func:`log_transform_dataset` (default: every pollutant variable present).

    Variables without the ``transform`` attribute are refused with
    :class:`~xaqf.errors.InvalidValueError` unless ``force=True``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"no2": ("x", np.array([0.25, 2.0], "float32"))})
    >>> back = inverse_log_transform_dataset(log_transform_dataset(ds))
    >>> back.no2.values.round(6), back.no2.dtype, "transform" in back.no2.attrs
    (array([0.25, 2.  ], dtype=float32), dtype('float32'), False)
    """
    return ds.assign({name: _inverted(ds[name], str(name), force)
                      for name in _pollutants_present(ds, variables)})


def _channel_mask(da: xr.DataArray, channels: Iterable[str] | None) -> xr.DataArray:
    variables, _ = channel_table(da)
    names = [str(name) for name in da["channel"].values]
    if channels is None:
        selected = {n for n, v in zip(names, variables, strict=True) if v in POLLUTANT_VARIABLES}
    else:
        selected = set(channels)
        missing = sorted(selected - set(names))
        if missing:
            raise MissingVariableError(
                f"cannot transform channels {missing}: not on the 'channel' axis; pass "
                "channels=... with names it holds"
            )
    return xr.DataArray([name in selected for name in names], dims="channel")


def log_transform_channels(da: xr.DataArray, channels: Iterable[str] | None = None,
                           floor: float = DEFAULT_FLOOR, *, force: bool = False
                           ) -> xr.DataArray:
    """Apply :func:`log_transform` to some channels of a DataArray with a ``channel`` dim.

    Parameters
    ----------
    da
        Normalised channel stack (see :func:`xaqf.preprocessing.channels.to_channels`).
    channels
        Channel names to transform; default: every pollutant channel on the axis.
    floor
        Clamp applied before the transform.
    force
        Transform even a stack whose ``transform`` attribute says it already is.

    Examples
    --------
    >>> import xarray as xr
    >>> da = xr.DataArray([1e-3, 1e-3], dims="channel", coords={"channel": ["tcno2", "t2m"]})
    >>> log_transform_channels(da).values.round(6).tolist()
    [1.001, 0.001]
    """
    if not force:
        _refuse_transform(da.attrs, f"the channel stack {da.name!r}", physical_check=False)
    mask = _channel_mask(da, channels)
    out = da.copy(data=log_transform(da.data, floor)).where(mask, da)
    return out.assign_attrs(da.attrs, **_notes(floor))


def inverse_log_transform_channels(da: xr.DataArray, channels: Iterable[str] | None = None,
                                   *, force: bool = False) -> xr.DataArray:
    """Undo :func:`log_transform_channels` (default: every pollutant channel on the axis).

    A stack without the ``transform`` attribute is refused with
    :class:`~xaqf.errors.InvalidValueError` unless ``force=True``.

    Examples
    --------
    >>> import xarray as xr
    >>> da = xr.DataArray([0.5, 0.5], dims="channel", coords={"channel": ["pm10", "t2m"]})
    >>> inverse_log_transform_channels(log_transform_channels(da)).values.round(12).tolist()
    [0.5, 0.5]
    """
    if not force:
        _refuse_inverse(da.attrs, f"the channel stack {da.name!r}")
    mask = _channel_mask(da, channels)
    out = da.copy(data=inverse_log_transform(da.data)).where(mask, da)
    out.attrs = {key: value for key, value in da.attrs.items() if key not in _notes(0.0)}
    return out
