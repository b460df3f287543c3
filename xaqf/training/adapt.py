"""Adapting a trained forecaster to another weather model's met: the ``"adapt-met"`` stage.

A model trained on one met configuration (ERA5, FuXi's 70 channels) is driven by another
weather model that lacks some channels (Pangu has no precipitation) or provides them in
another form. :func:`adapt_met` builds the forecaster for the new configuration: its met
channels are those the new met has or xaqf derives from it (:mod:`xaqf.data.presets`), its
met projection is rebuilt for them (:func:`xaqf.model.adapt.with_met_channels`: the trained
weights of the shared channels kept), its statistics are the trained ones, plus the new met's
for any channel the model did not have. Training it with a stage whose ``trains`` is
``"met"`` (the ``"adapt-met"`` preset, :data:`xaqf.training.config.STAGES`) updates the met
projection alone: every other parameter stays bit-identical, so the adaptation costs a small
share of training from scratch.

Examples
--------
>>> from xaqf import Forecaster
>>> from xaqf.preprocessing.normalization import compute_model_stats
>>> from xaqf.tutorial import preset_met, toy_world
>>> world = toy_world(resolution=30.0, days=1, spinup_days=0)
>>> fc = Forecaster.from_config("tiny", compute_model_stats(world.cams, world.era5), seed=0)
>>> adapted = adapt_met(fc, preset_met(world.era5, "pangu"))
>>> len(fc.met_channels), len(adapted.met_channels), "tp" in adapted.met_channels
(70, 69, False)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import xarray as xr

from xaqf.data.presets import MetPreset, apply_preset, available_channels, resolve_met
from xaqf.errors import ConfigError
from xaqf.forecaster import Forecaster
from xaqf.forecaster.variable_sets import channel_set, variables_of
from xaqf.model.adapt import with_met_channels
from xaqf.preprocessing.normalization import combine_stats, compute_stats
from xaqf.variables import MET_CHANNELS


def _met_stats(met: xr.Dataset, channels: tuple[str, ...]) -> xr.Dataset:
    """Normalisation statistics of ``channels`` of ``met`` (computed)."""
    stats = compute_stats(met, variables=variables_of(channels)).compute()
    return stats.sel(channel=list(channels))


def adapt_met(forecaster: Forecaster, met: xr.Dataset,
              channels: str | Iterable[str] | None = None, *,
              preset: str | MetPreset | None = None) -> Forecaster:
    """A copy of ``forecaster`` that takes the met configuration of ``met``.

    Parameters
    ----------
    forecaster
        A trained forecaster with the bilinear fusion.
    met
        Training-period met of the new configuration (canonical layout).
    channels
        The met variables or channels of the adapted model (of the catalogue); default:
        those of ``forecaster`` that ``met`` has or xaqf derives.
    preset
        The weather model ``met`` comes from, when its conventions matter.

    Returns
    -------
    Forecaster
        Everything but the met projection and the met statistics shared with ``forecaster``
        (copied); ``provenance["adapted_from"]`` records the original met channels.

    Raises
    ------
    MissingVariableError
        ``channels`` names a variable ``met`` lacks and xaqf cannot derive.
    ConfigError
        ``met`` provides none of the model's channels, or the model has no met branch of its
        own (concat and no-met fusions).
    """
    if preset is not None:
        met = apply_preset(met, preset)
    new = available_channels(met, forecaster.met_channels) if channels is None else \
        channel_set(channels, MET_CHANNELS, "met")
    if not new:
        raise ConfigError(f"the met to adapt to ({sorted(map(str, met.data_vars))}) provides "
                          f"none of the model's met channels; adapt from related met")
    met = resolve_met(met, new)
    old = forecaster.met_channels
    added = tuple(c for c in new if c not in old)
    kept = forecaster.stats.drop_sel(channel=[c for c in old if c not in new])
    stats = combine_stats(kept, _met_stats(met, added)) if added else kept
    provenance: dict[str, Any] = {**forecaster.provenance,
                                  "adapted_from": {"met_channels": list(old)}}
    return Forecaster(with_met_channels(forecaster.net, old, new), stats,
                      statics=forecaster.statics, grid=forecaster.grid,
                      grey_line=forecaster.grey_line, step=forecaster.step,
                      transform=forecaster.transform, provenance=provenance,
                      emissions=forecaster.emissions,
                      pollutant_channels=forecaster.pollutant_channels, met_channels=new)
