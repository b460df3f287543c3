"""The model's view of the data: variables x levels stacked into one ``channel`` axis.

A labelled Dataset holds one data variable per physical quantity, some of them with a
``level`` dimension. The network wants a single channel axis instead. :func:`to_channels`
stacks the variables (level variables give one channel per level) in the catalogue order of
:mod:`xaqf.variables` or in any order you give, and :func:`from_channels` undoes it exactly.
:func:`channel_values` gives the same stack as a bare array, in a single copy (for the
network's inputs).

The stacked DataArray keeps two non-index coordinates on ``channel``: ``variable`` (the
variable name) and ``level`` (hPa, NaN for single-level variables). Attributes shared by
every stacked variable (e.g. ``units = "1"`` after normalisation) are kept; conflicting ones
(physical units of different variables) are dropped and restored from the catalogue by
:func:`from_channels`.

Examples
--------
>>> import numpy as np, xarray as xr
>>> ds = xr.Dataset(
...     {"t2m": (("latitude", "longitude"), np.zeros((2, 3), "float32")),
...      "u": (("level", "latitude", "longitude"), np.ones((2, 2, 3), "float32"))},
...     coords={"level": [500.0, 850.0], "latitude": [45.0, -45.0],
...             "longitude": [0.0, 120.0, 240.0]})
>>> da = to_channels(ds, ["t2m", "u_500", "u_850"])
>>> da.channel.values.tolist(), da.level.values.tolist()
(['t2m', 'u_500', 'u_850'], [nan, 500.0, 850.0])
>>> from_channels(da).u.dims
('level', 'latitude', 'longitude')
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any, TypeVar

import numpy as np
import xarray as xr

from xaqf.errors import ConfigError, LayoutError, MissingLevelError, MissingVariableError
from xaqf.variables import (
    MET_CHANNELS,
    POLLUTANT_CHANNELS,
    SPATIAL_DIMS,
    STATIC_VARIABLES,
    VARIABLES,
    channel_name,
    channels_of,
    split_channel,
)

ChannelNames = str | Sequence[str]
Labelled = TypeVar("Labelled", xr.DataArray, xr.Dataset)

NAMED_CHANNELS: dict[str, tuple[str, ...]] = {
    "pollutant": POLLUTANT_CHANNELS,
    "met": MET_CHANNELS,
    "static": channels_of(STATIC_VARIABLES),
}
"""Channel sets that can be asked for by name, in catalogue order."""

LEVEL_ATTRS: dict[str, str] = {"units": "hPa", "long_name": "pressure level"}
"""Attributes of the ``level`` coordinate where the input carries none."""

def resolve_channels(channel_names: ChannelNames) -> tuple[str, ...]:
    """Channel names for ``"pollutant"``, ``"met"``, ``"static"`` or an explicit sequence.

    Raises
    ------
    ConfigError
        For an unknown set name or a sequence with duplicated names.

    Examples
    --------
    >>> len(resolve_channels("pollutant")), resolve_channels(["tcco", "go3_850"])
    (73, ('tcco', 'go3_850'))
    """
    if isinstance(channel_names, str):
        if channel_names not in NAMED_CHANNELS:
            raise ConfigError(
                f"unknown channel set {channel_names!r}; use one of {sorted(NAMED_CHANNELS)} "
                "or a list of channel names such as ['tcco', 'go3_850']"
            )
        return NAMED_CHANNELS[channel_names]
    names = tuple(channel_names)
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ConfigError(f"channel names {duplicated} are listed more than once; list each once")
    return names


def variable_of(name: str) -> str:
    """The variable a channel name belongs to (``"go3_850"`` -> ``"go3"``).

    Uncatalogued names (emission inventories...) are returned unchanged.

    Examples
    --------
    >>> variable_of("go3_850"), variable_of("tc_no"), variable_of("nox_emissions")
    ('go3', 'tc_no', 'nox_emissions')
    """
    try:
        return split_channel(name)[0]
    except MissingVariableError:
        return name


def variable_to_channels(da: Labelled, variable: str,
                         levels: Sequence[float] | None = None) -> Labelled:
    """One variable as a stack of channels (one per level, or a single channel).

    Parameters
    ----------
    da
        The variable (or a Dataset of per-variable fields such as statistics), with or
        without a ``level`` dimension.
    variable
        Its name, used for the channel names and the ``variable`` coordinate.
    levels
        Levels to keep, in this order (default: all, as stored). Ignored without ``level``.

    Returns
    -------
    xarray.DataArray or xarray.Dataset
        ``da`` with a leading ``channel`` dimension and ``variable``/``level`` coordinates.

    Raises
    ------
    MissingLevelError
        If a requested level is absent.

    Examples
    --------
    >>> import xarray as xr
    >>> da = xr.DataArray([1.0, 2.0], dims="level", coords={"level": [500.0, 850.0]})
    >>> variable_to_channels(da, "go3", [850.0]).channel.values.tolist()
    ['go3_850']
    """
    if "level" not in da.dims:
        return da.drop_vars("level", errors="ignore").expand_dims(channel=[variable]).assign_coords(
            variable=("channel", [variable]), level=("channel", [np.nan]))
    if levels is not None:
        da = select_levels(da, variable, levels)
    values = da["level"].values.astype(float)
    return (da.drop_vars("level").rename(level="channel")
            .assign_coords(channel=[channel_name(variable, lev) for lev in values],
                           variable=("channel", [variable] * len(values)),
                           level=("channel", values)))


def select_levels(da: Labelled, variable: str, levels: Sequence[float]) -> Labelled:
    """``da.sel(level=levels)``, raising :class:`MissingLevelError` naming what is missing.

    Examples
    --------
    >>> import xarray as xr
    >>> da = xr.DataArray([1.0, 2.0], dims="level", coords={"level": [500.0, 850.0]})
    >>> select_levels(da, "go3", [700.0])
    Traceback (most recent call last):
    ...
    xaqf.errors.MissingLevelError: variable 'go3' lacks the pressure level(s) [700.0] hPa ...
    """
    return da.isel(level=level_positions(da, variable, levels))


def level_positions(da: xr.DataArray | xr.Dataset, variable: str,
                    levels: Sequence[float]) -> list[int]:
    """Positions of ``levels`` (hPa) along the ``level`` axis of ``da``.

    Raises
    ------
    MissingLevelError
        Naming the absent levels and those present.

    Examples
    --------
    >>> import xarray as xr
    >>> da = xr.DataArray([1.0, 2.0], dims="level", coords={"level": [500.0, 850.0]})
    >>> level_positions(da, "go3", [850.0, 500.0])
    [1, 0]
    """
    present = da["level"].values.astype(float).tolist()
    missing = [float(lev) for lev in levels if float(lev) not in present]
    if missing:
        raise MissingLevelError(
            f"variable {variable!r} lacks the pressure level(s) {missing} hPa (present: "
            f"{present}); provide data on these levels or ask for fewer channels"
        )
    return [present.index(float(lev)) for lev in levels]


def _locate(ds: xr.Dataset, name: str) -> tuple[str, float | None]:
    """(variable, level) of channel ``name`` in ``ds``."""
    if name in ds.data_vars and "level" not in ds[name].dims:
        return name, None
    variable, _, level = name.rpartition("_")
    if variable in ds.data_vars and "level" in ds[variable].dims:
        try:
            return variable, float(level)
        except ValueError:
            pass
    raise MissingVariableError(
        f"channel {name!r} needs the variable {variable_of(name)!r}, which the Dataset does "
        f"not hold (it holds {sorted(map(str, ds.data_vars))}); add it or ask for other channels"
    )


def to_channels(ds: xr.Dataset, channel_names: ChannelNames = "pollutant") -> xr.DataArray:
    """Stack the variables of ``ds`` (x levels) into one ``channel`` dimension.

    Parameters
    ----------
    ds
        Dataset in xaqf's canonical layout.
    channel_names
        ``"pollutant"`` (the 73 channels), ``"met"`` (the 70), ``"static"``, or a sequence of
        channel names (``"<variable>"`` or ``"<variable>_<hPa>"``) giving the order.

    Returns
    -------
    xarray.DataArray
        Dims ``(<other dims...>, "channel", "latitude", "longitude")``, with non-index
        coordinates ``variable`` and ``level`` (NaN for single-level variables) on
        ``channel``. Lazy when ``ds`` is dask-backed.

    Raises
    ------
    MissingVariableError, MissingLevelError
        Naming the missing variable or level and what the Dataset holds.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"pm10": (("time", "latitude", "longitude"), np.zeros((1, 2, 2)))},
    ...                 coords={"latitude": [45.0, -45.0], "longitude": [0.0, 180.0]})
    >>> to_channels(ds, ["pm10"]).dims
    ('time', 'channel', 'latitude', 'longitude')
    >>> to_channels(ds, ["pm2p5"])
    Traceback (most recent call last):
    ...
    xaqf.errors.MissingVariableError: channel 'pm2p5' needs the variable 'pm2p5', ...
    """
    located = [_locate(ds, name) for name in resolve_channels(channel_names)]
    pieces = [
        variable_to_channels(ds[variable], variable,
                             [level for _, level in group if level is not None])
        for variable, group in groupby(located, key=itemgetter(0))
    ]
    stacked = xr.concat(pieces, dim="channel", coords="minimal", compat="override",
                        join="exact", combine_attrs="drop_conflicts")
    level_attrs = ds["level"].attrs if "level" in ds.coords else {}
    stacked["level"].attrs = dict(level_attrs or LEVEL_ATTRS)
    stacked.name = None
    return stacked.transpose(..., "channel", *SPATIAL_DIMS, missing_dims="ignore")


def channel_values(ds: xr.Dataset, channel_names: ChannelNames = "pollutant",
                   dtype: Any = np.float32) -> np.ndarray:
    """The values of :func:`to_channels` ``(ds, channel_names)`` as one array of ``dtype``.

    Each channel is written straight into the result: one copy of the data, against two
    for most channels in ``to_channels(...).values`` (its level selection, then its
    concatenation), and no labels. Forecasts use it to stack their input states.
    Dask-backed variables are computed one by one.

    Parameters
    ----------
    ds
        Dataset in xaqf's canonical layout; its variables share their dimensions other
        than ``level``.
    channel_names
        As in :func:`to_channels`.
    dtype
        Of the result (values are cast as ``numpy.asarray(..., dtype)`` casts them).

    Returns
    -------
    numpy.ndarray
        ``(<other dims...>, channel, latitude, longitude)``, the other dimensions in the
        order of the first channel's variable.

    Raises
    ------
    MissingVariableError, MissingLevelError
        As :func:`to_channels`.
    LayoutError
        If the variables do not share their other dimensions.
    ConfigError
        If no channel is asked for.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset(
    ...     {"t2m": (("time", "latitude", "longitude"), np.zeros((1, 2, 3))),
    ...      "u": (("time", "level", "latitude", "longitude"), np.ones((1, 2, 2, 3)))},
    ...     coords={"level": [500.0, 850.0]})
    >>> values = channel_values(ds, ["u_850", "t2m"])
    >>> values.shape, values.dtype, values[0, :, 0, 0].tolist()
    ((1, 2, 2, 3), dtype('float32'), [1.0, 0.0])
    """
    located = [_locate(ds, name) for name in resolve_channels(channel_names)]
    if not located:
        raise ConfigError("no channel names given; ask for at least one, e.g. ['tcco']")
    first = located[0][0]
    other = [d for d in ds[first].dims if d not in ("level", *SPATIAL_DIMS)]
    sizes = [ds.sizes[d] for d in (*other, *SPATIAL_DIMS)]
    out = np.empty((*sizes[:-2], len(located), *sizes[-2:]), dtype)
    start = 0
    for variable, group in groupby(located, key=itemgetter(0)):
        levels = [level for _, level in group if level is not None]
        da = ds[variable]
        extra = set(da.dims) - {*other, "level", *SPATIAL_DIMS}
        if extra or not set(other) <= set(da.dims):
            raise LayoutError(
                f"{variable!r} has dims {tuple(da.dims)}, {first!r} has "
                f"{tuple(ds[first].dims)}: stacked variables must share their dimensions "
                f"other than 'level'; select or broadcast them first")
        positions = level_positions(da, variable, levels) if "level" in da.dims else None
        stacked = np.asarray(da.transpose(*other, ..., *SPATIAL_DIMS).values)
        if positions is None:
            out[..., start, :, :] = stacked
            start += 1
            continue
        for position in positions:
            out[..., start, :, :] = stacked[..., position, :, :]
            start += 1
    return out


def channel_table(da: xr.DataArray | xr.Dataset) -> tuple[list[str], np.ndarray]:
    """Variable names and levels (NaN for single-level) of each entry of ``channel``.

    Read from the ``variable``/``level`` coordinates where present, else parsed from the
    channel names.

    Examples
    --------
    >>> import xarray as xr
    >>> da = xr.DataArray([0, 0], dims="channel", coords={"channel": ["tcco", "go3_850"]})
    >>> channel_table(da)
    (['tcco', 'go3'], array([ nan, 850.]))
    """
    if "channel" not in da.dims:
        raise LayoutError(
            f"expected a 'channel' dimension, found dims {tuple(da.dims)}; build one with "
            "xaqf.preprocessing.channels.to_channels"
        )
    names = [str(name) for name in da["channel"].values]
    if "variable" in da.coords and "level" in da.coords:
        return [str(v) for v in da["variable"].values], da["level"].values.astype(float)
    parsed = [split_channel(name) for name in names]
    return [v for v, _ in parsed], np.array([np.nan if lev is None else lev for _, lev in parsed])


def _unstack_variable(da: xr.DataArray, variable: str, index: list[int],
                      levels: np.ndarray) -> xr.DataArray:
    contiguous = index == list(range(index[0], index[-1] + 1))
    selection = slice(index[0], index[-1] + 1) if contiguous else index  # a view, not a copy
    piece = da.isel(channel=selection).drop_vars(["channel", "variable", "level"],
                                                 errors="ignore")
    if np.isnan(levels[index[0]]):
        if len(index) > 1:
            raise LayoutError(f"single-level variable {variable!r} fills {len(index)} channels")
        piece = piece.squeeze("channel", drop=True)
    else:
        level_attrs = da["level"].attrs if "level" in da.coords else {}
        piece = (piece.rename(channel="level")
                 .assign_coords(level=("level", levels[index], dict(level_attrs or LEVEL_ATTRS)))
                 .transpose(..., "level", *SPATIAL_DIMS, missing_dims="ignore"))
    piece.attrs = _restored_attrs(variable, da.attrs)
    return piece


def _restored_attrs(variable: str, shared: dict[str, Any]) -> dict[str, Any]:
    """Catalogue attributes overlaid with ``shared``; a CF standard name is only kept
    while the units are the catalogue's (a normalised field is not ``air_temperature``)."""
    catalogue = dict(VARIABLES[variable].attrs) if variable in VARIABLES else {}
    if shared.get("units", catalogue.get("units")) != catalogue.get("units"):
        catalogue.pop("standard_name", None)
    return {**catalogue, **shared}


def from_channels(da: xr.DataArray) -> xr.Dataset:
    """Undo :func:`to_channels`: one data variable per variable, levels on ``level``.

    Attributes come from the catalogue, overlaid with the attributes of ``da`` (those that
    every stacked variable shared, e.g. ``units = "1"`` after normalisation; the CF
    ``standard_name`` is then dropped, as it implies physical units). Variables
    with different level sets are aligned on the union of their levels (NaN elsewhere).

    Parameters
    ----------
    da
        DataArray with a ``channel`` dimension.

    Returns
    -------
    xarray.Dataset
        Canonical dimension order; lazy when ``da`` is dask-backed.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.zeros((2, 1, 1), "float32"), dims=("channel", "latitude", "longitude"),
    ...                   coords={"channel": ["go3_500", "go3_850"]})
    >>> ds = from_channels(da)
    >>> ds.go3.level.values.tolist(), ds.go3.units
    ([500.0, 850.0], 'kg kg-1')
    """
    variables, levels = channel_table(da)
    data_vars = {
        variable: _unstack_variable(
            da, variable, [i for i, v in enumerate(variables) if v == variable], levels)
        for variable in dict.fromkeys(variables)
    }
    return xr.Dataset(data_vars)
