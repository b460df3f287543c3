"""The variable sets of a forecaster, and the network widths they fix.

A model takes the pollutant and met channels it was trained on: by default the paper's
(:data:`xaqf.variables.POLLUTANT_CHANNELS`, :data:`xaqf.variables.MET_CHANNELS`), or
subsets of them named by variable (every level) or by channel. Sets are kept in catalogue
order, whatever the order they are named in.

Examples
--------
>>> from xaqf.variables import MET_CHANNELS, POLLUTANT_CHANNELS
>>> channel_set(["pm10", "go3_850"], POLLUTANT_CHANNELS, "pollutants")
('go3_850', 'pm10')
>>> len(channel_set(["t", "t2m"], MET_CHANNELS, "met"))
14
>>> channel_set(["pm25"], POLLUTANT_CHANNELS, "pollutants")
Traceback (most recent call last):
...
xaqf.errors.ConfigError: pollutants ['pm25'] are neither variables nor channels of ...
"""

from __future__ import annotations

from collections.abc import Iterable

from xaqf.errors import ConfigError
from xaqf.model import ModelConfig
from xaqf.preprocessing.channels import variable_of
from xaqf.preprocessing.emissions import EmissionEncoder
from xaqf.preprocessing.statics import STATIC_CHANNELS
from xaqf.variables import split_channel


def channel_set(names: str | Iterable[str] | None, catalogue: tuple[str, ...], role: str
                ) -> tuple[str, ...]:
    """The channels of ``catalogue`` that ``names`` (variables or channels) name, in
    catalogue order; all of ``catalogue`` for ``None``.

    Raises
    ------
    ConfigError
        A name that is neither a variable nor a channel of ``catalogue``, or no name.
    """
    if names is None:
        return catalogue
    names = [names] if isinstance(names, str) else list(names)
    unknown = [n for n in names if not any(c == n or variable_of(c) == n for c in catalogue)]
    if unknown or not names:
        known = list(dict.fromkeys(variable_of(c) for c in catalogue))
        raise ConfigError(
            f"{role} {unknown} are neither variables nor channels of the catalogue; name "
            f"at least one of the variables {known} (all levels) or their channels, e.g. "
            f"{catalogue[-1]!r}" if unknown else f"{role} must name at least one variable")
    chosen = set(names)
    return tuple(c for c in catalogue if c in chosen or variable_of(c) in chosen)


def variables_of(channels: Iterable[str]) -> tuple[str, ...]:
    """The variables of ``channels``, each once, in order.

    Examples
    --------
    >>> variables_of(["t2m", "t_500", "t_850"])
    ('t2m', 't')
    """
    return tuple(dict.fromkeys(variable_of(c) for c in channels))


def levels_of(channels: Iterable[str]) -> tuple[float, ...]:
    """The pressure levels ``channels`` take, sorted.

    Examples
    --------
    >>> levels_of(["t2m", "t_850", "u_500", "t_500"])
    (500.0, 850.0)
    """
    levels = {split_channel(c)[1] for c in channels}
    return tuple(sorted(level for level in levels if level is not None))


def check_network(config: ModelConfig, emissions: EmissionEncoder | None,
                  pollutant_channels: tuple[str, ...], met_channels: tuple[str, ...]) -> None:
    """Refuse a network whose input widths do not fit the channel sets and emissions.

    Raises
    ------
    ConfigError
        Naming the widths the network has and those it needs.

    Examples
    --------
    >>> from xaqf.model import get_config
    >>> from xaqf.variables import MET_CHANNELS
    >>> check_network(get_config("tiny"), None, ("pm1", "pm10"), MET_CHANNELS)
    Traceback (most recent call last):
    ...
    xaqf.errors.ConfigError: model 'tiny' has 73 pollutant and 70 met channels; its sets ...
    """
    width = len(STATIC_CHANNELS) + (0 if emissions is None else len(emissions.channels))
    if config.static_channels != width:
        raise ConfigError(
            f"model {config.name!r} takes {config.static_channels} static channels; with "
            f"emissions {None if emissions is None else list(emissions.channels)} it "
            f"needs {width} (build it with Forecaster.from_config(..., emissions=...))")
    if (config.pollutant_channels, config.met_channels) != (len(pollutant_channels),
                                                            len(met_channels)):
        raise ConfigError(
            f"model {config.name!r} has {config.pollutant_channels} pollutant and "
            f"{config.met_channels} met channels; its sets have {len(pollutant_channels)} "
            f"and {len(met_channels)} (build it with Forecaster.from_config(..., "
            f"pollutants=..., met=...))")
