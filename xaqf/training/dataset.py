"""Training samples: windows over labelled pollutant and met data, in the network's space.

A sample starting at ``t`` with ``k`` rollout steps holds

* ``p_prev``, ``p_now``: pollutants at ``t - step`` and ``t``, ``(C, H, W)``;
* ``met``: meteorology at ``t, t + step, ..., t + k * step``, ``(k + 1, D, H, W)`` -- for one
  step, ``met[0]`` is ``Q(t)`` and ``met[1]`` is ``Q(t+1)``;
* ``target``: pollutants at ``t + step ... t + k * step``, ``(k, C, H, W)``;
* ``time_features``: ``(k, 3)``, see :func:`xaqf.forecaster.rollout.time_features`;
* ``statics``: ``(S, H, W)``.

Values are encoded by the forecaster being trained (normalised; pollutants log-transformed),
so training and forecasting share one definition of the network's space. Training meteorology
is laid out along ``time`` (analyses such as ERA5) on the pollutants' grid.

The dataset is lazy: each item selects its times from the (possibly dask-backed) Datasets
and loads only those. ``cache=True`` encodes everything once up front instead, which is much
faster when the period fits in memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch
import xarray as xr

from xaqf.channels import to_channels
from xaqf.errors import MissingTimeError
from xaqf.forecaster.rollout import time_features
from xaqf.regrid import check_same_grid
from xaqf.units import to_canonical_dataset
from xaqf.validation import check_dataset
from xaqf.variables import MET_CHANNELS, MET_VARIABLES, POLLUTANT_CHANNELS, POLLUTANT_VARIABLES


class WindowDataset(torch.utils.data.Dataset):
    """Windows ``(P(t-1), P(t), Q(t..t+k)) -> P(t+1..t+k)`` for every usable ``t``.

    Parameters
    ----------
    forecaster
        The :class:`~xaqf.Forecaster` being trained (its encoding, step and statics).
    cams, met
        Pollutants and meteorology along ``time``, on the same grid.
    rollout_steps
        ``k``, the number of steps per sample.
    init_times
        Starting times ``t``; default: every time whose window is complete.
    cache
        Encode the whole period once (fast, memory-hungry) instead of item by item.

    Each item is a dict with keys ``p_prev``, ``p_now``, ``met``, ``target``,
    ``time_features`` and ``statics`` (shapes in the module notes).
    """

    def __init__(self, forecaster: Any, cams: xr.Dataset, met: xr.Dataset, *,
                 rollout_steps: int = 1, init_times: Any = None, cache: bool = False) -> None:
        cams = check_dataset(cams, "cams", variables=POLLUTANT_VARIABLES, check_values=False)
        met = check_dataset(met, "met", variables=MET_VARIABLES, check_values=False)
        check_same_grid(cams, met, names=("cams", "met"))
        cams = to_canonical_dataset(cams, POLLUTANT_VARIABLES)
        met = to_canonical_dataset(met, MET_VARIABLES)
        self.forecaster = forecaster
        self.rollout_steps = rollout_steps
        self.latitude = cams["latitude"].values
        self._cams = to_channels(cams[list(POLLUTANT_VARIABLES)], POLLUTANT_CHANNELS)
        self._met = to_channels(met[list(MET_VARIABLES)], MET_CHANNELS)
        self._cams_index = pd.DatetimeIndex(cams["time"].values)
        self._met_index = pd.DatetimeIndex(met["time"].values)
        self.init_times = self._usable(init_times)
        grid = xr.Dataset(coords={"latitude": cams["latitude"], "longitude": cams["longitude"]})
        self.statics = forecaster.static_tensor(grid)
        self._cache: tuple[torch.Tensor, torch.Tensor] | None = None
        if cache:
            self._cache = (self._encode_pollutants(self._cams.values),
                           self._encode_met(self._met.values))

    def _needed(self, t: pd.Timestamp) -> tuple[list[pd.Timestamp], list[pd.Timestamp]]:
        step, k = self.forecaster.step, self.rollout_steps
        return ([t + s * step for s in range(-1, k + 1)], [t + s * step for s in range(k + 1)])

    def _usable(self, init_times: Any) -> np.ndarray:
        if init_times is None:
            chosen = [t for t in self._cams_index
                      if all(x in self._cams_index for x in self._needed(t)[0])
                      and all(x in self._met_index for x in self._needed(t)[1])]
            if not chosen:
                raise MissingTimeError(
                    f"no complete training window of {self.rollout_steps} step(s) in cams "
                    f"{self._cams_index.min()} ... {self._cams_index.max()} with met "
                    f"{self._met_index.min()} ... {self._met_index.max()}")
            return pd.DatetimeIndex(chosen).values
        chosen = pd.DatetimeIndex(np.atleast_1d(np.asarray(init_times, "datetime64[ns]")))
        for t in chosen:
            cams_times, met_times = self._needed(t)
            for x, index, role in [(x, self._cams_index, "cams") for x in cams_times] + [
                    (x, self._met_index, "met") for x in met_times]:
                if x not in index:
                    raise MissingTimeError(f"{role} has no time {x}, needed by the training "
                                           f"window starting at {t}")
        return chosen.values

    def _encode_pollutants(self, values: np.ndarray) -> torch.Tensor:
        return self.forecaster.encode_pollutants(torch.as_tensor(values, dtype=torch.float32))

    def _encode_met(self, values: np.ndarray) -> torch.Tensor:
        return self.forecaster.encode_met(torch.as_tensor(values, dtype=torch.float32))

    def __len__(self) -> int:
        return len(self.init_times)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        t = pd.Timestamp(self.init_times[i])
        cams_times, met_times = self._needed(t)
        if self._cache is not None:
            pollutants = self._cache[0][self._cams_index.get_indexer(cams_times)]
            met = self._cache[1][self._met_index.get_indexer(met_times)]
        else:
            pollutants = self._encode_pollutants(self._cams.sel(time=cams_times).values)
            met = self._encode_met(self._met.sel(time=met_times).values)
        times = np.asarray(cams_times[1:-1], "datetime64[ns]")
        features = np.concatenate([time_features(times[s:s + 1], s)
                                   for s in range(self.rollout_steps)])
        return {"p_prev": pollutants[0], "p_now": pollutants[1], "met": met,
                "target": pollutants[2:], "time_features": torch.as_tensor(features),
                "statics": self.statics}


def collate(items: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Stack samples into a batch (a leading batch dimension on every entry)."""
    return {key: torch.stack([item[key] for item in items]) for key in items[0]}
