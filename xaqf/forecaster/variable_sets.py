"""The variable sets of a forecaster, and the network widths they fix.

Examples
--------
>>> from xaqf.model import get_config
>>> check_network(get_config("tiny"), None)
>>> check_network(get_config("tiny").replace(static_channels=8), None)
Traceback (most recent call last):
...
xaqf.errors.ConfigError: model 'tiny' takes 8 static channels; with emissions None it needs 6 ...
"""

from __future__ import annotations

from xaqf.errors import ConfigError
from xaqf.model import ModelConfig
from xaqf.preprocessing.emissions import EmissionEncoder
from xaqf.preprocessing.statics import STATIC_CHANNELS
from xaqf.variables import MET_CHANNELS, POLLUTANT_CHANNELS


def check_network(config: ModelConfig, emissions: EmissionEncoder | None) -> None:
    """Refuse a network whose input widths do not fit the channel sets and emissions.

    Raises
    ------
    ConfigError
        Naming the widths the network has and those it needs.
    """
    width = len(STATIC_CHANNELS) + (0 if emissions is None else len(emissions.channels))
    if config.static_channels != width:
        raise ConfigError(
            f"model {config.name!r} takes {config.static_channels} static channels; with "
            f"emissions {None if emissions is None else list(emissions.channels)} it "
            f"needs {width} (build it with Forecaster.from_config(..., emissions=...))")
    if (config.pollutant_channels, config.met_channels) != (len(POLLUTANT_CHANNELS),
                                                            len(MET_CHANNELS)):
        raise ConfigError(
            f"model {config.name!r} has {config.pollutant_channels} pollutant and "
            f"{config.met_channels} met channels; xaqf forecasts need "
            f"{len(POLLUTANT_CHANNELS)} and {len(MET_CHANNELS)}")
