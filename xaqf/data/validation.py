"""Checks that a standardized Dataset is fit for training or forecasting.

:func:`check_dataset` checks, in this order: the variables are present, the level
variables have the pressure levels asked for, and (``check_values=True``) the values are
finite (no NaN, no infinity), within the variable's physically plausible range
(:data:`xaqf.variables.VALID_RANGES`: catches unmasked fill values such as -32767 or
9.96921e36 and unit slips such as °C labelled K) and concentrations are not negative.
The ranges are overridden per call with ``valid_ranges={"t2m": (lo, hi)}``; an entry of
``None`` skips the range check of that variable.

Value checks read the data: on dask-backed input they **compute** every checked variable
once (a single pass, all variables together). Pass ``check_values=False`` to skip them
and stay lazy.

Tiny negative concentrations: CAMS fields carry small negative values left by
numerical advection. A negative value whose size is at most ``negative_tolerance`` (default
1e-3) times the variable's largest absolute value in the Dataset is clamped to 0 (lazily);
anything more negative raises :class:`~xaqf.errors.InvalidValueError`.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> so2 = xr.DataArray([[[1e-9, -1e-14]]], dims=("time", "latitude", "longitude"),
...                    coords={"time": pd.to_datetime(["2020-07-01"])})
>>> ds = check_dataset(xr.Dataset({"tcso2": so2}), "cams", variables=["tcso2"])
>>> float(ds["tcso2"].min())
0.0
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from xaqf.data.io import variables_of_kind
from xaqf.errors import ConfigError, InvalidValueError, MissingLevelError, MissingVariableError
from xaqf.variables import PRESSURE_LEVELS, VALID_RANGES, VARIABLES, kind_of

__all__ = ["DEFAULT_NEGATIVE_TOLERANCE", "check_dataset"]

DEFAULT_NEGATIVE_TOLERANCE = 1e-3
"""Tiny negatives down to this fraction of a variable's largest absolute value are clamped."""

_TIME_DIMS = ("time", "init_time", "lead_time")
_FILL_VALUES = (-32767.0, -32768.0, 32767.0, 65535.0, -9999.0, -999.0)
"""Fill values of packed or hand-written files; anything of size 1e20 or more is one too."""

Ranges = Mapping[str, "tuple[float, float] | None"]


def check_dataset(ds: xr.Dataset, kind: str, variables: Iterable[str] | None = None,
                  levels: Iterable[float] | None = PRESSURE_LEVELS, *,
                  allow_tiny_negative: bool = True,
                  negative_tolerance: float = DEFAULT_NEGATIVE_TOLERANCE,
                  check_values: bool = True, valid_ranges: Ranges | None = None,
                  check_ranges: bool = True) -> xr.Dataset:
    """Check ``ds`` (canonical layout) and return it, with tiny negatives clamped to 0.

    Parameters
    ----------
    ds
        A standardized Dataset (see :func:`xaqf.data.io.standardize`).
    kind
        ``"cams"``, ``"met"`` or ``"static"``: the default variable list.
    variables
        Variables that must be present (default: every catalogued variable of ``kind``).
    levels
        Pressure levels (hPa) the level variables must have; ``None`` skips the check.
    allow_tiny_negative
        Clamp negative concentrations within the tolerance to 0 instead of raising.
    negative_tolerance
        Relative size of the negatives that are clamped (see the module docstring).
    check_values
        Check for NaNs, infinities, implausible values and negative concentrations. This
        computes dask-backed data.
    valid_ranges
        Plausible ``(lowest, highest)`` values by variable, in catalogue units, replacing
        those of :data:`xaqf.variables.VALID_RANGES`; ``None`` as a value skips the range
        check of that variable.
    check_ranges
        ``False`` skips every range check (NaN, infinity and negatives are still checked).

    Returns
    -------
    xarray.Dataset
        ``ds`` itself, or a copy whose concentrations are clamped at 0.

    Raises
    ------
    MissingVariableError, MissingLevelError, InvalidValueError
        Naming the variable, the missing levels, or the first time with bad values.

    Examples
    --------
    >>> import xarray as xr
    >>> check_dataset(xr.Dataset(), "met", variables=["t2m"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    xaqf.errors.MissingVariableError: missing variable(s) ['t2m'] (present: []); ...
    """
    names = tuple(variables) if variables is not None else variables_of_kind(kind)
    for name in names:
        kind_of(name)  # unknown names raise MissingVariableError
    _check_variables(ds, names)
    if levels is not None:
        _check_levels(ds, names, tuple(float(level) for level in levels))
    ranges = _ranges(valid_ranges or {}) if check_ranges else {}
    if not check_values:
        return ds
    return _check_values(ds, names, allow_tiny_negative, negative_tolerance, ranges)


def _ranges(overrides: Ranges) -> dict[str, tuple[float, float] | None]:
    ranges: dict[str, tuple[float, float] | None] = {**VALID_RANGES, **overrides}
    for name, bounds in overrides.items():
        if bounds is not None and not float(bounds[0]) < float(bounds[1]):
            raise ConfigError(f"valid_ranges[{name!r}] = {bounds}: the lowest value must be "
                              f"below the highest, e.g. (lo, hi) with lo < hi")
    return ranges


def _check_variables(ds: xr.Dataset, names: Sequence[str]) -> None:
    missing = [name for name in names if name not in ds.data_vars]
    if missing:
        raise MissingVariableError(
            f"missing variable(s) {missing} (present: {sorted(map(str, ds.data_vars))}); "
            f"add them, or pass variables=[...] with the ones you have"
        )


def _check_levels(ds: xr.Dataset, names: Sequence[str], levels: tuple[float, ...]) -> None:
    for name in names:
        if not VARIABLES[name].on_levels:
            continue
        present = ds[name]["level"].values if "level" in ds[name].dims else np.array([])
        missing = [lv for lv in levels if not np.any(np.isclose(present, lv))]
        if missing:
            raise MissingLevelError(
                f"{name!r} lacks pressure level(s) {missing} hPa (has "
                f"{present.tolist()}); download them or pass levels=[...]"
            )


def _check_values(ds: xr.Dataset, names: Sequence[str], allow_tiny: bool, tolerance: float,
                  ranges: Mapping[str, tuple[float, float] | None]) -> xr.Dataset:
    summaries = _summarise(ds, names)
    clamped = {}
    for name in names:
        da, summary = ds[name], summaries[name]
        if bool(summary["allnan"]):
            raise InvalidValueError(f"{name!r} is entirely NaN: an empty download or a fully "
                                    f"masked variable; fetch the data again or drop {name!r}")
        _raise_at_first(da, summary["nan"], "NaN values")
        _raise_at_first(da, summary["inf"], "infinite values")
        _check_range(da, name, summary, ranges.get(name))
        if VARIABLES[name].kind != "pollutant":
            continue
        limit = tolerance * float(summary["absmax"]) if allow_tiny else 0.0
        _raise_at_first(da, summary["min"] < -limit,
                        f"negative concentrations beyond the clamp tolerance (-{limit:.3g})")
        if float(summary["min"].min()) < 0:
            clamped[name] = da.clip(min=0.0, keep_attrs=True)
    return ds.assign(clamped) if clamped else ds


_Summary = dict[str, np.ndarray]
"""Per-time NaN and infinity flags (``nan``, ``inf``), finite minimum and maximum (``min``,
``max``) over a variable's time dimensions, in its order; ``allnan`` and the largest
absolute finite value (``absmax``) as 0-d arrays."""


def _summarise(ds: xr.Dataset, names: Sequence[str]) -> dict[str, _Summary]:
    """The summary (``_Summary``) of each variable, as numpy arrays: from numpy directly
    where a variable is in memory and finite, the others computed together (one pass over
    dask-backed data)."""
    summaries = {name: summary for name in names
                 if (summary := _clean_summary(ds[name])) is not None}
    rest = [name for name in names if name not in summaries]
    if rest:
        computed = xr.Dataset({f"{name}/{stat}": value for name in rest
                               for stat, value in _summaries(ds[name]).items()}).compute()
        summaries.update({name: {stat: computed[f"{name}/{stat}"].values for stat in _STATS}
                          for name in rest})
    return summaries


_STATS = ("nan", "inf", "min", "max", "allnan", "absmax")


def _clean_summary(da: xr.DataArray) -> _Summary | None:
    """The summary of an in-memory variable from its plain minimum and maximum (one or two
    passes over the data, no copies, no labels), or ``None`` where one is not finite or the
    data are lazy or empty."""
    if da.chunks is not None or not da.size:
        return None
    values = np.asarray(da.values)
    low, high = _extremes(values, tuple(axis for axis, dim in enumerate(da.dims)
                                        if dim not in _TIME_DIMS))
    if not (np.isfinite(low).all() and np.isfinite(high).all()):
        return None
    clean = np.zeros(np.shape(low), bool)
    return {"nan": clean, "inf": clean, "min": low, "max": high, "allnan": np.array(False),
            "absmax": np.maximum(abs(low), abs(high)).max()}


_SLAB = 1 << 16
"""Values per time step from which torch's one-pass, multi-threaded ``aminmax`` beats
numpy's two passes (2-3x on a 451 x 900 grid; slower below ~50 000 values)."""


def _extremes(values: np.ndarray, other: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum of ``values`` over the axes ``other`` (NaN where a NaN is
    among them), by torch where those are the trailing axes of large contiguous float
    time steps, else by numpy."""
    lead = values.ndim - len(other)
    slab = int(np.prod(values.shape[lead:]))
    if slab < _SLAB or other != tuple(range(lead, values.ndim)) or \
            not values.flags.c_contiguous or values.dtype not in (np.float32, np.float64):
        return values.min(axis=other), values.max(axis=other)
    import torch

    with warnings.catch_warnings():  # torch warns of read-only arrays: only read here
        warnings.simplefilter("ignore", UserWarning)
        rows = torch.from_numpy(values.reshape(-1, slab))
    pairs = [torch.aminmax(row) for row in rows]
    low = np.array([float(pair.min) for pair in pairs], values.dtype)
    high = np.array([float(pair.max) for pair in pairs], values.dtype)
    return low.reshape(values.shape[:lead]), high.reshape(values.shape[:lead])


def _summaries(da: xr.DataArray) -> dict[str, xr.DataArray]:
    """The summary (``_Summary``) of any variable as DataArrays (lazy for dask-backed
    data)."""
    other = [d for d in da.dims if d not in _TIME_DIMS]
    finite = da.where(np.isfinite(da))
    return {"nan": da.isnull().any(other), "inf": (abs(da) == np.inf).any(other),
            "min": finite.min(other), "max": finite.max(other),
            "allnan": da.isnull().all(), "absmax": abs(finite).max()}


def _check_range(da: xr.DataArray, name: str, summary: _Summary,
                 bounds: tuple[float, float] | None) -> None:
    if bounds is None:
        return
    low, high = float(bounds[0]), float(bounds[1])
    lowest, highest = summary["min"], summary["max"]
    bad = (lowest < low) | (highest > high)
    if not bad.any():
        return
    worst = float(lowest.min()) if (lowest < low).any() else float(highest.max())
    units = VARIABLES[name].units
    if abs(worst) >= 1e20 or worst in _FILL_VALUES:
        cause = (f"{worst:g} looks like an unmasked fill value: set the file's _FillValue "
                 f"or missing_value attribute, or mask it with ds.where(ds[{name!r}] != "
                 f"{worst:g})")
    else:
        cause = (f"{worst:g} suggests data in other units than labelled "
                 f"({da.attrs.get('units', 'no units attribute')!r}): fix the 'units' "
                 f"attribute so that xaqf converts them")
    _raise_at_first(da, bad, f"values outside its plausible range [{low:g}, {high:g}] "
                    f"{units}", hint=f"{cause}, or pass valid_ranges={{{name!r}: (lo, hi)}}")


def _raise_at_first(da: xr.DataArray, bad: np.ndarray, problem: str,
                    hint: str = "") -> None:
    """Raise naming the first time of ``da`` where ``bad`` (over its time dimensions, in
    their order in ``da``) holds."""
    if not bad.any():
        return
    dims = [d for d in da.dims if d in _TIME_DIMS]
    where = {d: da[d].values[i] for d, i in zip(dims, np.argwhere(bad)[0], strict=True)}
    at = ", ".join(f"{d}={_label(v)}" for d, v in where.items()) or "(no time dimension)"
    fix = hint or "Fix or drop these time steps (e.g. ds.drop_sel(...)) before using the data"
    raise InvalidValueError(f"{da.name!r} has {problem} first at {at}. {fix}")


def _label(value: object) -> str:
    if isinstance(value, np.datetime64):
        return str(np.datetime_as_string(value, unit="m"))
    return str(pd.Timedelta(value)) if isinstance(value, np.timedelta64) else str(value)
