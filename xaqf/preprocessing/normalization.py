"""Normalisation statistics and the (de)normalisation of fields (Eq. 10-11).

Two methods, both written as ``(x - mean) / std`` so that one code path applies them:

* ``"scale"`` — pollutants and emission inventories: ``mean = 0`` and
  ``std = scale_v = 0.5 * mean over time of the spatial maximum`` of each channel, so that
  normalised concentrations mostly fall in [0, 2] and zero stays zero.
* ``"standard"`` — meteorology and statics: mean and standard deviation of each channel over
  time and space.

Catalogued pollutants get ``"scale"``; uncatalogued variables are recognised as emission
inventories only when listed in ``scale_variables``. Everything else gets ``"standard"``.

For a constant field (zero spread, or an all-zero pollutant) :func:`compute_stats` stores
``std = 1`` (the field is then only shifted by its mean), and :func:`normalize` refuses
in-memory statistics that hold a zero ``std``.

Provenance: :func:`normalize` records on each field a ``normalization`` note and
``normalization_stats``, a 12-character fingerprint of the statistics
(:func:`fingerprint`). It refuses fields that already carry the note; :func:`denormalize`
refuses fields whose attributes show physical units without the note, fields still
log-transformed (a ``transform`` attribute) and fields normalised with other statistics.
``force=True`` skips these checks. Statistics holding NaN (an all-NaN variable) are refused
too: by :func:`compute_stats` on in-memory data, by :func:`normalize` always.

Statistics are an :class:`xarray.Dataset` with dimension ``channel`` (channel names), data
variables ``mean`` and ``std`` (float64) and non-index coordinates ``variable``, ``level``
(NaN for single-level variables) and ``method``; it saves to netCDF as is.
:func:`combine_stats` joins statistics computed apart; :func:`compute_model_stats` gives those
of a model's pollutant and met channels in one call.

Examples
--------
>>> import numpy as np, xarray as xr
>>> ds = xr.Dataset({"pm10": (("time", "latitude", "longitude"),
...                           np.array([[[1.0, 3.0]], [[2.0, 5.0]]], "float32"))})
>>> stats = compute_stats(ds)
>>> float(stats["std"].sel(channel="pm10"))  # 0.5 * mean(3, 5)
2.0
>>> normalize(ds, stats).pm10.values.ravel().tolist()
[0.5, 1.5, 1.0, 2.5]
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
import xarray as xr

from xaqf.errors import ConfigError, InvalidValueError, LayoutError, MissingVariableError
from xaqf.preprocessing.channels import (
    LEVEL_ATTRS,
    SPATIAL_DIMS,
    channel_table,
    select_levels,
    variable_to_channels,
)
from xaqf.preprocessing.transform import cast_like, is_tensor
from xaqf.variables import VARIABLES

Labelled = TypeVar("Labelled", xr.DataArray, xr.Dataset)

NOTES: dict[str, str] = {
    "scale": "x / scale_v with scale_v = 0.5 * time mean of the spatial maximum (xaqf scale)",
    "standard": "(x - mean_v) / std_v over time and space (xaqf standard)",
}
"""The ``normalization`` attribute written on normalised fields, by method."""
MIXED_NOTE = "(x - mean_c) / std_c per channel with xaqf statistics (see their 'method')"

_STATE_ATTRS = ("units", "standard_name", "normalization", "normalization_stats")


def method_of(variable: str, scale_variables: Iterable[str] = ()) -> str:
    """``"scale"`` for pollutants and the listed emission inventories, else ``"standard"``.

    Examples
    --------
    >>> method_of("go3"), method_of("t2m"), method_of("nox_emis", scale_variables=["nox_emis"])
    ('scale', 'standard', 'scale')
    """
    if variable in set(scale_variables):
        return "scale"
    known = VARIABLES.get(variable)
    return "scale" if known is not None and known.kind == "pollutant" else "standard"


def _reduce(x: xr.DataArray, method: str, time_dims: Sequence[str]) -> xr.Dataset:
    spatial = [d for d in SPATIAL_DIMS if d in x.dims]
    if method == "scale":
        std = 0.5 * x.max(spatial).mean(time_dims)
        mean = xr.zeros_like(std)
    else:
        mean = x.mean([*time_dims, *spatial])
        std = x.std([*time_dims, *spatial])
    return xr.Dataset({"mean": mean, "std": std.where(std != 0, 1.0)})


def _variable_stats(da: xr.DataArray, name: str, method: str,
                    dims: Sequence[str] | None) -> xr.Dataset:
    time_dims = [str(d) for d in da.dims if d not in ("level", *SPATIAL_DIMS)] \
        if dims is None else [d for d in dims if d in da.dims]
    stats = _reduce(da.astype(np.float64), method, time_dims).reset_coords(drop=True)
    left = [d for d in stats.dims if d != "level"]
    if left:
        raise LayoutError(
            f"variable {name!r} keeps dims {left} after reducing over {time_dims}; pass "
            f"dims=... listing every time-like dimension (e.g. dims=('init_time', 'lead_time'))"
        )
    stacked = variable_to_channels(stats, name)
    return stacked.assign_coords(method=("channel", [method] * stacked.sizes["channel"]))


def compute_stats(ds: xr.Dataset, dims: Sequence[str] | None = None, *,
                  variables: Iterable[str] | None = None,
                  scale_variables: Iterable[str] = ()) -> xr.Dataset:
    """Per-channel normalisation statistics (Eq. 11 for pollutants, mean/std otherwise).

    Parameters
    ----------
    ds
        Training-period data in the canonical layout (physical units).
    dims
        Time-like dimensions to average over (``time``, or ``init_time``/``lead_time``);
        default: every dimension except ``level``, ``latitude`` and ``longitude``.
    variables
        Variables to describe; default: every data variable.
    scale_variables
        Uncatalogued variables to normalise like pollutants (emission inventories).

    Returns
    -------
    xarray.Dataset
        The statistics (format in the module notes); dask-backed, hence lazy, when ``ds``
        is. Channels follow the order of the variables in ``ds``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"t2m": (("time", "latitude"), np.array([[280.0, 290.0]]))})
    >>> stats = compute_stats(ds)
    >>> stats["mean"].values, stats["std"].values, stats.method.values
    (array([285.]), array([5.]), array(['standard'], dtype='<U8'))
    """
    names = list(ds.data_vars) if variables is None else list(variables)
    missing = [name for name in names if name not in ds.data_vars]
    if missing:
        raise MissingVariableError(
            f"cannot compute statistics of {missing}: not in the Dataset (it holds "
            f"{sorted(map(str, ds.data_vars))})"
        )
    scale_variables = tuple(scale_variables)
    pieces = [_variable_stats(ds[name], str(name), method_of(str(name), scale_variables), dims)
              for name in names]
    stats = xr.concat(pieces, dim="channel", coords="minimal", compat="override")
    stats["level"].attrs = dict(LEVEL_ATTRS)
    stats["mean"].attrs = {"long_name": "normalisation offset (0 for the scale method)"}
    stats["std"].attrs = {"long_name": "normalisation divisor (scale_v for the scale method)"}
    stats.attrs = {"title": "xaqf normalisation statistics", "normalized": "(x - mean) / std"}
    _refuse_nan(stats, "computed from all-NaN data; drop or fix those variables first")
    return stats


def _refuse_nan(stats: xr.Dataset, why: str) -> None:
    """Raise on NaN statistics (in-memory only: lazy ones are checked when used)."""
    for key in ("mean", "std"):
        values = stats[key]
        if values.chunks is not None or not bool(values.isnull().any()):
            continue
        bad = [str(c) for c in values["channel"].values[values.isnull().values]]
        raise InvalidValueError(f"normalisation statistics have NaN {key} for channels {bad}: "
                                f"{why}")


def combine_stats(*stats: xr.Dataset) -> xr.Dataset:
    """Statistics of several channel sets as one (e.g. pollutants then meteorology).

    Parameters
    ----------
    *stats
        Outputs of :func:`compute_stats`, concatenated along ``channel`` in the given order.

    Returns
    -------
    xarray.Dataset
        One statistics Dataset (lazy when its parts are), attributes of the first part.

    Raises
    ------
    ConfigError
        No statistics were given, or a channel appears in more than one part.
    LayoutError
        A part has no ``channel`` dimension.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> cams = xr.Dataset({"pm10": (("time", "latitude"), np.array([[2.0, 6.0]]))})
    >>> met = xr.Dataset({"t2m": (("time", "latitude"), np.array([[280.0, 290.0]]))})
    >>> combine_stats(compute_stats(cams), compute_stats(met))["std"].values
    array([3., 5.])
    >>> combine_stats(compute_stats(cams), compute_stats(cams))
    Traceback (most recent call last):
    ...
    xaqf.errors.ConfigError: channels ['pm10'] appear in more than one of the statistics ...
    """
    if not stats:
        raise ConfigError("combine_stats needs at least one statistics Dataset; got none")
    for index, part in enumerate(stats):
        if "channel" not in part.dims:
            raise LayoutError(
                f"statistics #{index} have dims {tuple(part.dims)}, no 'channel'; build them "
                "with xaqf.preprocessing.normalization.compute_stats"
            )
    counts = Counter(str(c) for part in stats for c in part["channel"].values)
    duplicated = [name for name, count in counts.items() if count > 1]
    if duplicated:
        raise ConfigError(
            f"channels {duplicated} appear in more than one of the statistics being combined; "
            "compute each channel's statistics once (drop the variable from all but one input)"
        )
    return xr.concat(list(stats), dim="channel")


def compute_model_stats(cams: xr.Dataset, met: xr.Dataset, dims: Sequence[str] | None = None,
                        *, variables: Iterable[str] | None = None,
                        scale_variables: Iterable[str] = ()) -> xr.Dataset:
    """Statistics of every pollutant channel of ``cams`` then every channel of ``met``.

    Parameters
    ----------
    cams, met
        Training-period pollutants and meteorology in the canonical layout; they may use
        different time dimensions (``time`` for one, ``init_time``/``lead_time`` for the other).
    dims
        As in :func:`compute_stats`; dimensions absent from a variable are skipped, so one
        tuple can list the time dimensions of both inputs.
    variables
        Variables to describe, looked up in both inputs; default: every data variable of both.
    scale_variables
        As in :func:`compute_stats`.

    Returns
    -------
    xarray.Dataset
        :func:`combine_stats` of the two parts; lazy when the inputs are dask-backed.

    Raises
    ------
    MissingVariableError
        A name of ``variables`` is in neither input.
    ConfigError
        A variable is in both inputs.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> cams = xr.Dataset({"pm10": (("time", "latitude"), np.array([[2.0, 6.0]]))})
    >>> met = xr.Dataset({"t2m": (("init_time", "lead_time", "latitude"),
    ...                           np.array([[[280.0, 290.0]]]))})
    >>> stats = compute_model_stats(cams, met)
    >>> stats.channel.values.tolist(), stats.method.values.tolist()
    (['pm10', 't2m'], ['scale', 'standard'])
    """
    wanted = None if variables is None else [str(name) for name in variables]
    if wanted is not None:
        held = {str(name) for ds in (cams, met) for name in ds.data_vars}
        missing = [name for name in wanted if name not in held]
        if missing:
            raise MissingVariableError(
                f"cannot compute statistics of {missing}: in neither the pollutant Dataset "
                f"nor the meteorology one (they hold {sorted(held)})"
            )
    scale_variables = tuple(scale_variables)
    parts = [compute_stats(ds, dims, variables=names, scale_variables=scale_variables)
             for ds, names in ((cams, _held(cams, wanted)), (met, _held(met, wanted)))
             if names]
    return combine_stats(*parts)


def _held(ds: xr.Dataset, wanted: list[str] | None) -> list[str]:
    names = [str(name) for name in ds.data_vars]
    return names if wanted is None else [name for name in wanted if name in names]


def _operands(x: Any, mean: Any, std: Any) -> tuple[Any, Any, Any]:
    """x, mean and std ready for arithmetic that keeps x's floating dtype.

    Torch: tensors on x's device, in x's dtype promoted to at least float32. numpy, dask and
    xarray: the statistics cast to x's floating dtype, so float32 fields are never promoted
    to float64 (twice the memory traffic for no useful precision).
    """
    if is_tensor(x):
        import torch

        work = torch.promote_types(x.dtype, torch.float32)
        x_t, mean_t, std_t = (torch.as_tensor(v if is_tensor(v) else np.asarray(v), dtype=work,
                                              device=x.device) for v in (x, mean, std))
        return x_t, mean_t, std_t
    dtype = getattr(x, "dtype", None)
    if dtype is None or not np.issubdtype(dtype, np.floating):
        return x, mean, std
    return x, *(v.astype(dtype) if hasattr(v, "astype") else np.asarray(v, dtype)
                for v in (mean, std))


def normalize_array(x: Any, mean: Any, std: Any) -> Any:
    """``(x - mean) / std`` on numpy, dask, torch (or xarray) data, keeping x's float dtype.

    ``mean`` and ``std`` must broadcast against ``x`` (e.g. shape ``(C, 1, 1)`` for
    ``(B, C, H, W)`` tensors); for torch they may be numpy arrays or tensors, and the
    arithmetic runs in at least float32.

    Examples
    --------
    >>> import numpy as np
    >>> normalize_array(np.array([2.0, 4.0], "float32"), 1.0, 2.0)
    array([0.5, 1.5], dtype=float32)
    """
    work, mean, std = _operands(x, mean, std)
    return cast_like((work - mean) / std, x)


def denormalize_array(y: Any, mean: Any, std: Any) -> Any:
    """``y * std + mean``, the inverse of :func:`normalize_array`.

    Examples
    --------
    >>> import numpy as np
    >>> denormalize_array(np.array([0.5, 1.5], "float32"), 1.0, 2.0)
    array([2., 4.], dtype=float32)
    """
    work, mean, std = _operands(y, mean, std)
    return cast_like(work * std + mean, y)


def fingerprint(stats: xr.Dataset) -> str:
    """A short (12 hex digits) fingerprint of normalisation statistics.

    Computed from the channel names and the ``mean``/``std`` values; for dask-backed
    statistics from their task names instead (no computation).

    Examples
    --------
    >>> import xarray as xr
    >>> stats = xr.Dataset({"mean": ("channel", [0.0]), "std": ("channel", [2.0])},
    ...                    coords={"channel": ["pm10"]})
    >>> len(fingerprint(stats)), fingerprint(stats) == fingerprint(stats.copy(deep=True))
    (12, True)
    """
    digest = hashlib.sha1(repr([str(c) for c in stats["channel"].values]).encode())
    for key in ("mean", "std"):
        data = stats[key].data
        digest.update(data.name.encode() if hasattr(data, "dask") else
                      np.ascontiguousarray(data, dtype=np.float64).tobytes())
    return digest.hexdigest()[:12]


def _checked(stats: xr.Dataset) -> xr.Dataset:
    if not isinstance(stats, xr.Dataset) or "channel" not in stats.dims:
        raise LayoutError(
            f"normalisation statistics must be a Dataset with a 'channel' dimension, got "
            f"{type(stats).__name__} with dims {tuple(getattr(stats, 'dims', ()))}; build them "
            "with xaqf.preprocessing.normalization.compute_stats (or open a saved one with "
            "xr.open_dataset)")
    absent = [key for key in ("mean", "std") if key not in stats.data_vars]
    if absent:
        raise LayoutError(f"the normalisation statistics lack {absent} (they hold "
                          f"{sorted(map(str, stats.data_vars))}); recompute them with "
                          "xaqf.preprocessing.normalization.compute_stats")
    _refuse_nan(stats, "recompute them from data without all-NaN variables")
    std = stats["std"]
    if std.chunks is None and bool((std == 0).any()):
        bad = [str(c) for c in std["channel"].values[(std == 0).values]]
        raise InvalidValueError(
            f"normalisation statistics have std = 0 for channels {bad}; recompute them with "
            "xaqf.preprocessing.normalization.compute_stats (which guards constant fields) or fix "
            "them"
        )
    return stats


def _variable_rows(stats: xr.Dataset, name: str, da: xr.DataArray) -> tuple[xr.Dataset, str]:
    """The statistics of variable ``name`` shaped to broadcast against ``da``, and its method."""
    rows = np.flatnonzero(stats["variable"].values == name)
    if rows.size == 0:
        raise MissingVariableError(
            f"the statistics hold no channel of variable {name!r} (they cover "
            f"{sorted(set(map(str, stats['variable'].values)))}); compute statistics that "
            "include it, or drop it from the Dataset"
        )
    sub = stats.isel(channel=rows)
    method = str(sub["method"].values[0])
    if "level" in da.dims:
        sub = select_levels(sub.swap_dims(channel="level"), name, da["level"].values)
    else:
        sub = sub.isel(channel=0)
    return sub[["mean", "std"]].reset_coords(drop=True), method


def _channel_rows(stats: xr.Dataset, da: xr.DataArray) -> xr.Dataset:
    if "channel" not in da.dims:
        raise LayoutError(
            f"expected a Dataset or a DataArray with a 'channel' dimension, got dims "
            f"{tuple(da.dims)}; stack variables with xaqf.preprocessing.channels.to_channels"
        )
    wanted = [str(name) for name in da["channel"].values]
    missing = [name for name in wanted if name not in set(map(str, stats["channel"].values))]
    if missing:
        raise MissingVariableError(
            f"the statistics hold no entry for channels {missing}; compute statistics that "
            "include them"
        )
    return stats.sel(channel=wanted)


def _normalized_attrs(attrs: dict[str, Any], methods: Iterable[str], print_: str
                      ) -> dict[str, Any]:
    kept = {key: value for key, value in attrs.items() if key not in _STATE_ATTRS}
    unique = set(map(str, methods))
    note = NOTES[unique.pop()] if len(unique) == 1 else MIXED_NOTE
    return {**kept, "units": "1", "normalization": note, "normalization_stats": print_}


def _refuse_state(attrs: dict[str, Any], label: str, normalizing: bool, print_: str) -> None:
    """Refuse to normalise twice, or to denormalise what the attributes show was not
    normalised (or still is log-transformed, or was normalised with other statistics)."""
    again = "; pass force=True to do it anyway"
    if normalizing:
        if "normalization" in attrs:
            raise InvalidValueError(
                f"{label} is already normalised ({attrs['normalization']!r}, statistics "
                f"{attrs.get('normalization_stats', '?')}); use it as it is{again}")
        return
    if "transform" in attrs:
        raise InvalidValueError(f"{label} is still log-transformed: call "
                                f"inverse_log_transform before denormalize{again}")
    units = str(attrs.get("units", "1")).strip()
    if "normalization" not in attrs and units not in ("1", ""):
        raise InvalidValueError(f"{label} is not normalised (units {units!r}, no "
                                f"'normalization' attribute): it is already physical{again}")
    used = attrs.get("normalization_stats")
    if used is not None and used != print_:
        raise InvalidValueError(
            f"{label} was normalised with other statistics (fingerprint {used}, these are "
            f"{print_}); denormalise with the statistics used to normalise{again}")


def _denormalized_attrs(attrs: dict[str, Any], name: str | None) -> dict[str, Any]:
    kept = {key: value for key, value in attrs.items() if key not in _STATE_ATTRS}
    return {**kept, **VARIABLES[name].attrs} if name in VARIABLES else kept


def _apply(obj: Labelled, stats: xr.Dataset, func: Callable[[Any, Any, Any], Any],
           normalizing: bool, force: bool) -> Labelled:
    print_ = fingerprint(stats)
    if isinstance(obj, xr.Dataset):
        return obj.assign({name: _apply_variable(obj[name], str(name), stats, func,
                                                 normalizing, force, print_)
                           for name in obj.data_vars})
    if not force:
        _refuse_state(obj.attrs, f"the DataArray {obj.name!r}", normalizing, print_)
    rows = _channel_rows(stats, obj)
    out = func(obj, rows["mean"].reset_coords(drop=True), rows["std"].reset_coords(drop=True))
    out.attrs = (_normalized_attrs(obj.attrs, rows["method"].values, print_) if normalizing
                 else _denormalized_attrs(obj.attrs, None))
    return out


def _apply_variable(da: xr.DataArray, name: str, stats: xr.Dataset,
                    func: Callable[[Any, Any, Any], Any], normalizing: bool, force: bool,
                    print_: str) -> xr.DataArray:
    if not force:
        _refuse_state(da.attrs, f"variable {name!r}", normalizing, print_)
    rows, method = _variable_rows(stats, name, da)
    out = func(da, rows["mean"], rows["std"])
    out.attrs = (_normalized_attrs(da.attrs, [method], print_) if normalizing
                 else _denormalized_attrs(da.attrs, name))
    return out


def normalize(obj: Labelled, stats: xr.Dataset, *, force: bool = False) -> Labelled:
    """Normalise a Dataset (per variable and level) or a DataArray with a ``channel`` dim.

    Parameters
    ----------
    obj
        Dataset: every data variable must have statistics (levels matched by value);
        statistics of variables it lacks are ignored. DataArray: rows of ``stats`` are
        picked by channel label, whatever their order.
    stats
        Output of :func:`compute_stats`.
    force
        Normalise even fields whose attributes say they already are.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        Same type and dtype as ``obj``, lazy on dask; normalised fields get
        ``units = "1"``, a ``normalization`` attribute describing the method and
        ``normalization_stats``, the :func:`fingerprint` of ``stats``.

    Raises
    ------
    MissingVariableError, MissingLevelError
        A variable, channel or level has no statistics.
    InvalidValueError
        In-memory statistics with ``std = 0``, statistics with NaN, or a field already
        normalised (unless ``force``).
    LayoutError
        ``stats`` is not a statistics Dataset (no ``channel``, ``mean`` or ``std``).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> stats = xr.Dataset({"mean": ("channel", [0.0, 280.0]), "std": ("channel", [2.0, 5.0])},
    ...                    coords={"channel": ["pm10", "t2m"]})
    >>> da = xr.DataArray(np.array([290.0, 4.0]), dims="channel",
    ...                   coords={"channel": ["t2m", "pm10"]})
    >>> normalize(da, stats).values
    array([2., 2.])
    """
    return _apply(obj, _with_table(_checked(stats)), normalize_array, normalizing=True,
                  force=force)


def denormalize(obj: Labelled, stats: xr.Dataset, *, force: bool = False) -> Labelled:
    """Undo :func:`normalize`; catalogue attributes (physical units) are restored.

    Uncatalogued variables (emission inventories) only lose ``units = "1"`` and the
    ``normalization`` note, as their physical units are not known to xaqf.

    Fields whose attributes show physical units without a ``normalization`` note, a
    ``transform`` note (still log-transformed) or another statistics fingerprint are
    refused with :class:`~xaqf.errors.InvalidValueError` unless ``force=True``; fields
    without attributes are taken as normalised.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"t2m": ("x", np.array([0.0, 1.0], "float32"))})
    >>> stats = xr.Dataset({"mean": ("channel", [280.0]), "std": ("channel", [5.0])},
    ...                    coords={"channel": ["t2m"]})
    >>> out = denormalize(ds, stats)
    >>> out.t2m.values, out.t2m.units
    (array([280., 285.], dtype=float32), 'K')
    """
    return _apply(obj, _with_table(_checked(stats)), denormalize_array, normalizing=False,
                  force=force)


def _with_table(stats: xr.Dataset) -> xr.Dataset:
    """``stats`` with ``variable``/``level``/``method`` coordinates (parsed from the channel
    names where a hand-built Dataset lacks them)."""
    if all(name in stats.coords for name in ("variable", "level", "method")):
        return stats
    variables, levels = channel_table(stats)
    methods = [method_of(variable) for variable in variables]
    return stats.assign_coords(variable=("channel", variables), level=("channel", levels),
                               method=stats.coords.get("method", ("channel", methods)))
