"""Met presets: what each weather model provides, what xaqf derives, what is missing.

A model needs its met channels (the paper's 70 by default: ``z, t, u, v, r`` on 13 levels
and ``t2m, u10, v10, msl, tp``). Weather models write other sets; a :class:`MetPreset`
describes one as earth2studio writes it (lexicon names) and :func:`resolve_met` turns such
met into what a model needs: relative humidity from specific humidity and the reverse
(:data:`xaqf.data.derived.DERIVATIONS`), 12-hour precipitation from the model's amounts
(:func:`xaqf.data.derived.precipitation_12h`), or one
:class:`~xaqf.errors.MissingVariableError` naming what no physics gives.

The presets (``docs/met-presets.rst`` has the table): ``fuxi`` (every default channel),
``graphcast`` (``q`` for ``r``, 6-hourly ``tp06``), ``pangu`` and ``aurora`` (``q``, no
precipitation), ``sfno`` (``r``, no precipitation), ``aifs`` (``q``, 6-hourly ``tp``),
``ifs`` open data (``r`` and ``q``, ``tp`` accumulated since the start) and ``era5``
(everything, hourly ``tp``).

Examples
--------
>>> met_preset("graphcast").derives()
('r',)
>>> met_preset("pangu").missing()
('tp',)
>>> met_preset("graphcst")
Traceback (most recent call last):
...
xaqf.errors.ConfigError: unknown met preset 'graphcst'; did you mean 'graphcast'? Known: ...
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

import xarray as xr

from xaqf.data.derived import DERIVATIONS, add_history, precipitation_12h
from xaqf.data.extra_met import KNOWN_VARIABLES
from xaqf.data.lexicon import PRECIPITATION_6H, lexicon_name, parse_name, precipitation_from_6h
from xaqf.data.units import to_canonical_dataset
from xaqf.errors import ConfigError, MissingVariableError
from xaqf.variables import MET_CHANNELS, PRESSURE_LEVELS

__all__ = ["PRESETS", "PRESET_ATTR", "MetPreset", "apply_preset", "available_channels",
           "guess_preset",
           "met_preset", "required_variables", "resolve_met"]

PRESET_ATTR = "xaqf_met_preset"
"""Dataset attribute naming the preset whose conventions :func:`apply_preset` applied."""


@dataclass(frozen=True)
class MetPreset:
    """The met one weather model (or analysis) provides, as earth2studio writes it.

    Parameters
    ----------
    name
        xaqf's key (``"graphcast"``).
    earth2studio
        The earth2studio model or data source class writing it (``"GraphCastOperational"``).
    on_levels
        Variables on pressure levels (lexicon prefixes: ``"q"`` for ``q50 ... q1000``).
    surface
        Single-level lexicon names (``"t2m"``, ``"u10m"``, ``"tp06"``...), those xaqf reads.
    precipitation
        What its ``tp`` holds (:data:`xaqf.data.derived.PRECIPITATION_PERIODS`); ``None``
        when it writes ``tp06`` (read by :func:`xaqf.data.lexicon.from_lexicon`) or no
        precipitation.
    step
        Its time step (lead times of a forecast, times of an analysis).
    levels
        Its pressure levels (hPa).
    note
        What else to know.
    """

    name: str
    earth2studio: str
    on_levels: tuple[str, ...]
    surface: tuple[str, ...]
    precipitation: str | None
    step: str = "6h"
    levels: tuple[float, ...] = PRESSURE_LEVELS
    note: str = ""

    @property
    def variables(self) -> tuple[str, ...]:
        """The xaqf variables it provides once opened (``u10m`` -> ``u10``, ``tp06`` ->
        ``tp``)."""
        surface = tuple(str((parse_name(name) or (name,))[0]) for name in self.surface)
        return tuple(dict.fromkeys(self.on_levels + surface))

    @property
    def lexicon_names(self) -> tuple[str, ...]:
        """Every array name earth2studio writes for it (``z50`` ... ``tp06``)."""
        levels = tuple(lexicon_name(v, level) for v in self.on_levels for level in self.levels)
        return levels + self.surface

    def derives(self, channels: Sequence[str] = MET_CHANNELS) -> tuple[str, ...]:
        """Variables of ``channels`` that xaqf derives from what it provides."""
        return tuple(v for v in required_variables(channels) if v not in self.variables
                     and _derivable(v, set(self.variables)))

    def missing(self, channels: Sequence[str] = MET_CHANNELS) -> tuple[str, ...]:
        """Variables of ``channels`` it neither provides nor xaqf derives."""
        return tuple(v for v in required_variables(channels) if v not in self.variables
                     and not _derivable(v, set(self.variables)))


_UPPER = ("z", "t", "u", "v")
_SURFACE = ("t2m", "u10m", "v10m", "msl")

PRESETS: dict[str, MetPreset] = {preset.name: preset for preset in (
    MetPreset("fuxi", "FuXi", _UPPER + ("r",), _SURFACE + (PRECIPITATION_6H,), None,
              note="the paper's met: every default channel, tp as 6 h amounts"),
    MetPreset("graphcast", "GraphCastOperational", _UPPER + ("q", "w"),
              _SURFACE + (PRECIPITATION_6H,), None,
              note="specific humidity instead of relative humidity"),
    MetPreset("pangu", "Pangu6", _UPPER + ("q",), _SURFACE, None,
              note="no precipitation (Pangu24: the same at 24 h steps)"),
    MetPreset("sfno", "SFNO", _UPPER + ("r",),
              _SURFACE + ("u100m", "v100m", "sp", "tcwv"), None,
              note="no precipitation; total column water vapour instead"),
    MetPreset("aifs", "AIFS", _UPPER + ("q", "w"), _SURFACE + ("d2m", "sp", "tp"), "6h",
              note="tp holds 6 h amounts; also skin temperature, soil and cloud fields xaqf "
                   "does not read"),
    MetPreset("aurora", "Aurora", _UPPER + ("q",), _SURFACE, None,
              note="the weather model (not Aurora's air-pollution model); no precipitation"),
    MetPreset("ifs", "IFS", _UPPER + ("r", "q", "w"),
              _SURFACE + ("u100m", "v100m", "d2m", "sp", "tcwv", "tp"), "accumulated",
              note="ECMWF open data; tp accumulated since the forecast started"),
    MetPreset("era5", "ARCO", _UPPER + ("r", "q", "w"),
              _SURFACE + ("u100m", "v100m", "d2m", "sp", "tcwv", "tp"), "1h", step="1h",
              note="also from earth2studio's CDS and WB2 sources; tp holds hourly amounts"),
)}
"""The presets, by name: FuXi, GraphCast, Pangu, SFNO, AIFS, Aurora (weather), IFS open data
and ERA5, as earth2studio's models and data sources write them."""


def met_preset(name: str | MetPreset) -> MetPreset:
    """The preset called ``name`` (case-insensitive; earth2studio's class names too).

    Raises
    ------
    ConfigError
        No such preset: the message gives the closest names.
    """
    if isinstance(name, MetPreset):
        return name
    key = str(name).strip().lower()
    aliases = {preset.earth2studio.lower(): preset.name for preset in PRESETS.values()}
    key = aliases.get(key, key)
    if key in PRESETS:
        return PRESETS[key]
    matches = difflib.get_close_matches(key, list(PRESETS) + list(aliases), n=4, cutoff=0.5)
    close = list(dict.fromkeys(aliases.get(match, match) for match in matches))
    hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
    raise ConfigError(f"unknown met preset {name!r}; {hint}Known: {sorted(PRESETS)}")


def required_variables(channels: Sequence[str]) -> tuple[str, ...]:
    """The variables of met ``channels`` (``"r_850"`` -> ``"r"``), in order.

    Examples
    --------
    >>> required_variables(["t2m", "q_850", "q_500", "tp"])
    ('t2m', 'q', 'tp')
    """
    return tuple(dict.fromkeys(_split(channel)[0] for channel in channels))


def apply_preset(met: xr.Dataset, preset: str | MetPreset) -> xr.Dataset:
    """Canonical met read with ``preset``'s conventions: its ``tp`` made into 12 h totals
    (from hourly amounts for ERA5; from 6-hourly ones for AIFS, as ``tp06`` is read by
    :func:`xaqf.data.lexicon.from_lexicon`; from since-start accumulations for IFS, NaN at
    leads under 12 h), and the preset recorded in ``attrs["xaqf_met_preset"]``. Applying
    the same preset twice changes nothing.

    Raises
    ------
    ConfigError
        Unknown preset (the closest names given).
    LayoutError
        ``tp`` not spaced as the preset writes it (the gap named).
    """
    preset = met_preset(preset)
    if met.attrs.get(PRESET_ATTR) == preset.name:
        return met
    out = met.copy()
    if preset.precipitation == "6h" and "tp" in met:  # as earth2studio's tp06 is read
        out["tp"] = add_history(precipitation_from_6h(met["tp"]),
                                f"tp: 12 h totals from {preset.name}'s 6 h amounts")
    elif preset.precipitation not in (None, "12h", "6h") and "tp" in met:
        out["tp"] = precipitation_12h(met["tp"], str(preset.precipitation))
    out.attrs[PRESET_ATTR] = preset.name
    return out


def guess_preset(met: xr.Dataset) -> MetPreset | None:
    """The preset whose variables ``met``'s are, or the one sharing most of them (``None``
    without met variables).

    Examples
    --------
    >>> import xarray as xr
    >>> names = ["z", "t", "u", "v", "q", "t2m", "u10", "v10", "msl"]
    >>> guess_preset(xr.Dataset({n: ((), 0.0) for n in names})).name
    'pangu'
    """
    have = {str(v) for v in met.data_vars if str(v) in KNOWN_VARIABLES}
    if not have:
        return None
    return max(PRESETS.values(), key=lambda p: (len(have & set(p.variables))
                                               - len(set(p.variables) ^ have) / 100))


def resolve_met(met: xr.Dataset, channels: Sequence[str] = MET_CHANNELS, *,
                preset: str | MetPreset | None = None) -> xr.Dataset:
    """``met`` with what ``channels`` need derived from what it has, or one clear error.

    Parameters
    ----------
    met
        Canonical met (:func:`xaqf.open_met`, :func:`xaqf.data.io.standardize`).
    channels
        The met channels the model needs (default: the paper's 70).
    preset
        The weather model the met comes from: its conventions are applied first
        (:func:`apply_preset`). Default: the one recorded by :func:`xaqf.open_met`, if
        any (else it is only guessed, to name it in errors).

    Returns
    -------
    xarray.Dataset
        ``met`` plus the derived variables (lazy on dask, each with a ``history``); the
        Dataset itself when nothing is derived.

    Raises
    ------
    MissingVariableError
        Variables that are absent and cannot be derived: one error naming them all, the
        preset, and the fixes.
    ConfigError
        Unknown preset.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> coords = {"level": [850.0]}
    >>> met = xr.Dataset({"t": ("level", [280.0], {"units": "K"}),
    ...                   "q": ("level", [5.0], {"units": "g kg-1"})}, coords=coords)
    >>> round(float(resolve_met(met, ["t_850", "r_850"])["r"][0]), 1)
    68.8
    """
    if preset is not None:
        met = apply_preset(met, preset)
    named = met.attrs.get(PRESET_ATTR)
    needed = required_variables(channels)
    absent = [v for v in needed if v not in met.data_vars]
    derived = {v: DERIVATIONS[v] for v in absent if _derivable(v, set(map(str, met.data_vars)))}
    missing = [v for v in absent if v not in derived]
    if missing:
        raise _missing(missing, met, channels, named)
    if not derived:
        return met
    inputs = to_canonical_dataset(met, {i for d in derived.values() for i in d.inputs})
    return met.assign({v: d.make(*(inputs[i] for i in d.inputs)) for v, d in derived.items()})


def available_channels(met: xr.Dataset, channels: Sequence[str] = MET_CHANNELS
                       ) -> tuple[str, ...]:
    """The channels of ``channels`` whose variable ``met`` has or xaqf derives from it.

    Examples
    --------
    >>> import xarray as xr
    >>> met = xr.Dataset({"t": ("level", [280.0]), "q": ("level", [0.005])},
    ...                  coords={"level": [850.0]})
    >>> available_channels(met, ["t_850", "r_850", "tp"])
    ('t_850', 'r_850')
    """
    have = set(map(str, met.data_vars))
    return tuple(c for c in channels
                 if _split(c)[0] in have or _derivable(_split(c)[0], have))


def _split(channel: str) -> tuple[str, float | None]:
    if channel in KNOWN_VARIABLES and not KNOWN_VARIABLES[channel].on_levels:
        return channel, None
    variable, _, level = channel.rpartition("_")
    if variable in KNOWN_VARIABLES and KNOWN_VARIABLES[variable].on_levels:
        try:
            return variable, float(level)
        except ValueError:
            pass
    raise ConfigError(f"{channel!r} is not a met channel xaqf knows; expected '<variable>' "
                      f"or '<variable>_<hPa>' with a variable of {sorted(KNOWN_VARIABLES)}")


def _derivable(variable: str, have: set[str]) -> bool:
    rule = DERIVATIONS.get(variable)
    return rule is not None and set(rule.inputs) <= have


def _missing(missing: list[str], met: xr.Dataset, channels: Sequence[str],
             named: str | None) -> MissingVariableError:
    preset = PRESETS.get(named) if named else guess_preset(met)
    if preset is None:
        which = "no met preset recognised"
    else:
        how = "" if named else " (guessed from its variables; pass preset=... to name it)"
        which = f"met preset {preset.name!r} ({preset.earth2studio}){how}"
    rules = "; ".join(f"{v} from {' + '.join(d.inputs)}" for v, d in DERIVATIONS.items())
    shown = [c for c in channels if _split(c)[0] in missing]
    return MissingVariableError(
        f"met lacks {missing} ({len(shown)} of the model's {len(channels)} met channels) and "
        f"xaqf cannot derive them ({which}; it has {sorted(map(str, met.data_vars))}; xaqf "
        f"derives {rules}, and 12 h tp from tp06, hourly or accumulated tp). Fixes: supply "
        f"{missing} from another source (e.g. ERA5 or IFS, xr.merge); or adapt the model to "
        f"this met with the 'adapt-met' training stage (only the met branch is retrained); "
        f"or train a model on this met set (Forecaster.from_config(..., met=[...]))")
