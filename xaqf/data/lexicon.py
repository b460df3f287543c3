"""earth2studio's variable lexicon: its met names and units, and its two data layouts.

earth2studio (NVIDIA's toolkit for AI weather models such as FuXi) names each channel by one
lexicon string: ``u500``, ``t850``, ``z50``, ``r1000`` for the pressure-level variables,
``t2m``, ``u10m``, ``v10m``, ``msl``, ``tp``/``tp06``/``tp12`` at the surface; besides
the catalogue's, xaqf reads ``q``/``w`` on levels and ``d2m``, ``sp``, ``tcwv``,
``u100m``, ``v100m`` (:mod:`xaqf.data.extra_met`). Its IO
backends write one array per lexicon name over ``(time, lead_time, lat, lon)`` and its
in-memory tensors stack the names along a ``variable`` dimension; neither carries ``units``
attributes. The lexicon fixes the units instead, and they are the catalogue's
(:data:`UNITS`), so :func:`from_lexicon` writes them where a file has none;
:func:`to_lexicon` writes canonical met back in earth2studio's layout.

Precipitation: xaqf's ``tp`` is the amount of the 12 h ending at a step. ``tp``
and ``tp12`` are taken as that; FuXi's ``tp06`` (6 h amounts, every 6 h) becomes the sum of
the two 6 h amounts ending at each time. The first time of an axis has no earlier 6 h
amount: there ``tp`` is twice its ``tp06``, with a warning. A missing 6 h amount inside
the axis (a NaN) makes the 12 h totals it belongs to NaN
(:func:`xaqf.data.sources.precipitation.totals_12h`), never a smaller or doubled sum.

Examples
--------
>>> lexicon_name("u", 500.0), lexicon_name("u10")
('u500', 'u10m')
>>> parse_name("z850"), parse_name("v10m"), parse_name("pm2p5")
(('z', 850.0), ('v10', None), None)
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable

import xarray as xr

from xaqf.data.extra_met import EXTRA_MET, KNOWN_VARIABLES
from xaqf.data.sources.precipitation import totals_12h
from xaqf.errors import LayoutError, MissingLevelError
from xaqf.variables import MET_ON_LEVELS, MET_SURFACE

__all__ = ["PRECIPITATION_6H", "SURFACE_NAMES", "UNITS", "VARIABLE_DIM", "from_lexicon",
           "is_lexicon", "lexicon_name", "parse_name", "precipitation_from_6h", "to_lexicon"]

VARIABLE_DIM = "variable"
"""The dimension along which earth2studio stacks its channels."""

SURFACE_NAMES: dict[str, str] = {"t2m": "t2m", "u10m": "u10", "v10m": "v10", "msl": "msl",
                                 "tp": "tp", "tp12": "tp", "d2m": "d2m", "sp": "sp",
                                 "tcwv": "tcwv", "u100m": "u100m", "v100m": "v100m"}
"""earth2studio names of the single-level met variables -> catalogue names."""

PRECIPITATION_6H = "tp06"
"""FuXi's 6-hour precipitation, summed to 12-hour amounts (see the module notes)."""

UNITS: dict[str, str] = {v.name: v.units for v in MET_SURFACE + MET_ON_LEVELS + EXTRA_MET}
"""Units the lexicon fixes for each met variable xaqf reads (earth2studio writes none)."""

_LEVEL_NAME = re.compile(r"^([uvtrzqw])(\d+)$")
_TO_LEXICON = {name: lexicon for lexicon, name in SURFACE_NAMES.items() if lexicon != "tp12"}


def lexicon_name(variable: str, level: float | None = None) -> str:
    """earth2studio's name of catalogue met ``variable`` (on ``level`` hPa if on levels).

    Examples
    --------
    >>> lexicon_name("r", 1000.0), lexicon_name("msl")
    ('r1000', 'msl')
    """
    if level is not None and variable in UNITS and KNOWN_VARIABLES[variable].on_levels:
        return f"{variable}{level:g}"
    if level is None and variable in _TO_LEXICON:
        return _TO_LEXICON[variable]
    raise LayoutError(f"{variable!r} (level {level}) has no earth2studio lexicon name; "
                      f"known met variables: {sorted(UNITS)}")


def parse_name(name: Hashable) -> tuple[str, float | None] | None:
    """``(catalogue variable, level or None)`` of a lexicon met name, ``None`` for others.

    ``tp06`` parses as ``("tp", None)`` (its amounts are summed by :func:`from_lexicon`);
    the catalogue's ``u10``/``v10`` are the 10 m winds, not winds at 10 hPa.
    """
    text = str(name)
    if text in KNOWN_VARIABLES and not KNOWN_VARIABLES[text].on_levels:
        return (text, None) if text in UNITS else None
    match = _LEVEL_NAME.match(text)
    if match:
        return match.group(1), float(match.group(2))
    if text == PRECIPITATION_6H:
        return "tp", None
    return (SURFACE_NAMES[text], None) if text in SURFACE_NAMES else None


def is_lexicon(data: xr.Dataset | xr.DataArray) -> bool:
    """Whether ``data`` is laid out the earth2studio way: stacked along ``variable``, or
    with per-level arrays (``u500``...) or earth2studio-only names (``u10m``, ``tp06``).

    Examples
    --------
    >>> import xarray as xr
    >>> is_lexicon(xr.Dataset({"u500": ("x", [1.0])})), is_lexicon(xr.Dataset({"u": ("x", [1.0])}))
    (True, False)
    """
    if VARIABLE_DIM in data.dims:
        return True
    if isinstance(data, xr.DataArray):
        return False
    own = {"u10m", "v10m", "tp12", PRECIPITATION_6H}
    return any(str(v) in own or (_LEVEL_NAME.match(str(v)) and str(v) not in KNOWN_VARIABLES)
               for v in data.data_vars)


def from_lexicon(data: xr.Dataset | xr.DataArray) -> xr.Dataset:
    """earth2studio data (either layout) as catalogue met variables, with units attributes.

    Per-level arrays become one variable on a ``level`` dimension (hPa); surface names are
    renamed (``u10m`` -> ``u10``...); variables without ``units`` get the lexicon's. Other
    variables are dropped. Dimensions (``time``, ``lead_time``, ``lat``, ``lon``...) are
    left to :func:`xaqf.data.io.standardize`, which calls this function for ``kind="met"``.
    Lazy on dask.

    Parameters
    ----------
    data
        A Dataset of per-variable arrays, or a DataArray (or a one-variable Dataset) with a
        ``variable`` dimension labelled by lexicon names.

    Raises
    ------
    MissingLevelError
        The level variables do not share one set of levels (the message names the
        lexicon arrays missing).
    LayoutError
        A stacked Dataset with several variables, or ``tp06`` not 6-hourly.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.zeros((3, 2)), dims=("variable", "lat"),
    ...                   coords={"variable": ["t850", "t500", "msl"], "lat": [10.0, 0.0]})
    >>> ds = from_lexicon(da)
    >>> sorted(ds.data_vars), ds["t"].level.values.tolist(), ds["t"].attrs["units"]
    (['msl', 't'], [500.0, 850.0], 'K')
    """
    arrays = _split_stacked(data) if VARIABLE_DIM in data.dims else dict(data.data_vars)
    parsed = {name: parse_name(name) for name in arrays}
    found = {name: key for name, key in parsed.items() if key is not None}
    out: dict[str, xr.DataArray] = {}
    for variable in UNITS:
        names = [name for name, key in found.items() if key[0] == variable]
        if not names:
            continue
        if KNOWN_VARIABLES[variable].on_levels:
            out[variable] = _on_levels(variable, {found[n][1]: arrays[n] for n in names})
        else:  # a 12 h amount written by the model wins over summed 6 h ones
            name = min(names, key=lambda n: n == PRECIPITATION_6H)
            out[variable] = _surface(str(name), arrays[name])
    _check_levels(out)
    attrs = data.attrs if isinstance(data, xr.Dataset) else {}
    return xr.Dataset({name: _with_units(da, name) for name, da in out.items()}, attrs=attrs)


def _split_stacked(data: xr.Dataset | xr.DataArray) -> dict[Hashable, xr.DataArray]:
    if isinstance(data, xr.Dataset):
        stacked = [v for v in data.data_vars if VARIABLE_DIM in data[v].dims]
        if len(stacked) != 1:
            raise LayoutError(f"{len(stacked)} data variables {stacked} along "
                              f"{VARIABLE_DIM!r}; pass the one holding the channels")
        data = data[stacked[0]]
    return {str(name): data.sel({VARIABLE_DIM: name}, drop=True).rename(str(name))
            for name in data[VARIABLE_DIM].values}


def _on_levels(variable: str, arrays: dict[float | None, xr.DataArray]) -> xr.DataArray:
    levels = sorted(float(level) for level in arrays if level is not None)
    stacked = xr.concat([arrays[level] for level in levels], dim="level", coords="minimal",
                        compat="override", join="override")
    level = xr.DataArray(levels, dims="level", attrs={"units": "hPa"})
    return stacked.assign_coords(level=level).rename(variable)


def _surface(name: str, da: xr.DataArray) -> xr.DataArray:
    return precipitation_from_6h(da) if name == PRECIPITATION_6H else da


def precipitation_from_6h(tp06: xr.DataArray) -> xr.DataArray:
    """The 12 h amounts ending at each time: this 6 h amount plus the previous one; twice
    the first amount at the axis start, with a warning (see the module notes). A NaN
    amount makes the two totals it belongs to NaN.

    Raises
    ------
    LayoutError
        No 6-hourly ``lead_time`` or ``time`` axis (the gap named).

    Examples
    --------
    >>> import pandas as pd, xarray as xr, warnings
    >>> six = xr.DataArray([1.0, 2.0, 3.0], dims="lead_time",
    ...                    coords={"lead_time": pd.to_timedelta([0, 6, 12], "h")})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     precipitation_from_6h(six).values.tolist()
    [2.0, 3.0, 5.0]
    """
    dim = next((d for d in ("lead_time", "time") if d in tp06.dims and tp06.sizes[d] > 1), None)
    if dim is None:
        raise LayoutError(f"{PRECIPITATION_6H!r} needs a 6-hourly 'lead_time' or 'time' axis to "
                          f"make 12 h amounts; it has dims {tp06.dims}. Pass 'tp12' instead")
    try:
        total = totals_12h(tp06, dim, "6h")
    except LayoutError as err:
        raise LayoutError(f"{PRECIPITATION_6H!r}: {err}; or pass 'tp12'") from None
    warnings.warn(f"tp from {PRECIPITATION_6H!r}: at the first {dim} the 6 h amount before it "
                  f"is unknown, tp there is twice the last 6 h amount", UserWarning,
                  stacklevel=4)
    first = tp06[dim] == tp06[dim][0]
    return xr.where(first, 2 * tp06, total).transpose(*tp06.dims).assign_attrs(tp06.attrs)


def _check_levels(out: dict[str, xr.DataArray]) -> None:
    levels = {name: set(da["level"].values.tolist()) for name, da in out.items()
              if "level" in da.dims}
    union = set().union(*levels.values()) if levels else set()
    missing = {name: sorted(union - held) for name, held in levels.items() if union - held}
    if missing:
        arrays = [lexicon_name(name, level) for name, held in missing.items() for level in held]
        raise MissingLevelError(f"earth2studio arrays {arrays} are missing while other "
                                f"variables have those levels; write every variable on the "
                                f"same pressure levels")


def _with_units(da: xr.DataArray, name: str) -> xr.DataArray:
    if str(da.attrs.get("units", "")).strip():
        return da
    return da.assign_attrs(units=UNITS[name])


def to_lexicon(met: xr.Dataset) -> xr.Dataset:
    """Canonical met in the layout earth2studio's IO backends write.

    One array per lexicon name (``u500``, ``q850``, ``t2m``, ``u10m``...) over
    ``(time, lead_time, lat, lon)`` (``init_time`` becomes ``time``), latitude ascending,
    no attributes; variables that are not met variables xaqf knows (e.g. ``tp06``) keep
    their names. The inverse of :func:`from_lexicon` up to units and orientation.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> met = xr.Dataset({"q": (("level", "latitude"), np.zeros((2, 3)))},
    ...                  coords={"level": [500.0, 850.0], "latitude": [10.0, 0.0, -10.0]})
    >>> out = to_lexicon(met)
    >>> sorted(out.data_vars), out.lat.values.tolist()
    (['q500', 'q850'], [-10.0, 0.0, 10.0])
    """
    arrays: dict[str, xr.DataArray] = {}
    for name, da in met.data_vars.items():
        da = da.drop_attrs()
        if "level" in da.dims:
            for level in da["level"].values:
                arrays[lexicon_name(str(name), float(level))] = da.sel(level=level, drop=True)
        else:
            known = str(name) in UNITS and not KNOWN_VARIABLES[str(name)].on_levels
            arrays[lexicon_name(str(name)) if known else str(name)] = da.drop_vars(
                "level", errors="ignore")
    out = xr.Dataset(arrays).drop_attrs()
    out = out.rename({k: v for k, v in (("init_time", "time"), ("latitude", "lat"),
                                        ("longitude", "lon")) if k in out.dims})
    out = out.drop_vars("valid_time", errors="ignore")
    return out.sortby("lat") if "lat" in out.dims else out
