"""Training samples: windows over labelled pollutant and met data, in the network's space.

A sample starting at ``t`` with ``k`` rollout steps is a :class:`Window` holding

* ``p_prev``, ``p_now``: pollutants at ``t - step`` and ``t``, ``(C, H, W)``;
* ``met``: meteorology at ``t, t + step, ..., t + k * step``, ``(k + 1, D, H, W)`` -- for one
  step, ``met[0]`` is ``Q(t)`` and ``met[1]`` is ``Q(t+1)``;
* ``target``: pollutants at ``t + step ... t + k * step``, ``(k, C, H, W)``;
* ``time_features``: ``(k, 3)``, see :func:`xaqf.model.step.time_features`;
* ``statics``: ``(k, S, H, W)``, the static features of each step then, for a model with
  emission inputs, its emission channels (a monthly climatology's month is that of the
  step's target, ``t + (s + 1) * step``: :class:`~xaqf.preprocessing.emissions.StepStatics`,
  the rule forecasts follow too);
* ``init_time``: ``t``.

Values are encoded by the forecaster being trained (normalised; pollutants log-transformed),
so training and forecasting share one definition of the network's space. Training meteorology
is laid out along ``time`` (analyses such as ERA5) on the pollutants' grid.

The dataset is lazy: each item selects its times from the (possibly dask-backed) Datasets
and loads only those. ``cache=True`` encodes everything once up front instead, which is much
faster when the period fits in memory. Usable initial times and the states a window reads
follow the window rule of :mod:`xaqf.preprocessing.windows`, shared with forecasts.

Bad values never reach the network silently: with ``cache=True`` the whole period is
checked up front by :func:`xaqf.data.validation.check_dataset`; otherwise each encoded state is
checked once: as its window is assembled (:meth:`WindowDataset.assemble`) or, streamed by
:class:`~xaqf.training.loader.WindowLoader`, as it arrives (:meth:`WindowDataset.check_state`),
so that a state shared by neighbouring windows is not scanned again. Either way
:class:`~xaqf.errors.InvalidValueError` names the variable or channel and the time.
Latitude is put north first, as in forecasting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
import xarray as xr

from xaqf._utils.checks import check_finite, positive_int
from xaqf.data.io import north_first
from xaqf.data.units import to_canonical_dataset
from xaqf.data.validation import check_dataset
from xaqf.forecaster.variable_sets import levels_of, variables_of
from xaqf.model.step import step_features
from xaqf.preprocessing.channels import to_channels
from xaqf.preprocessing.emissions import StepStatics, prepare_emissions
from xaqf.preprocessing.windows import Need, usable_init_times, window_offsets
from xaqf.regrid import check_same_grid

if TYPE_CHECKING:
    from xaqf.forecaster import Encoding, Forecaster


@dataclass
class Window:
    """One training sample, or a batch of them (:func:`collate`), in the network's space.

    Shapes below are a sample's; a batch has a leading batch dimension on every field.

    Parameters
    ----------
    p_prev, p_now
        Pollutants at ``t - step`` and ``t``, ``(C, H, W)``.
    met
        Meteorology at ``t ... t + k * step``, ``(k + 1, D, H, W)``.
    target
        Pollutants at ``t + step ... t + k * step``, ``(k, C, H, W)``.
    time_features
        ``(k, 3)``, see :func:`xaqf.model.step.time_features`.
    statics
        ``(k, S, H, W)``, those of each step.
    init_time
        ``t``, ``datetime64[ns]`` (a 0-d array; ``(B,)`` for a batch).

    Examples
    --------
    >>> import numpy as np, torch
    >>> w = Window(*(torch.zeros(2) for _ in range(6)), np.datetime64("2022-06-01", "ns"))
    >>> batch = collate([w, w])
    >>> batch.p_now.shape, batch.init_time.shape
    (torch.Size([2, 2]), (2,))
    """

    p_prev: torch.Tensor
    p_now: torch.Tensor
    met: torch.Tensor
    target: torch.Tensor
    time_features: torch.Tensor
    statics: torch.Tensor
    init_time: np.ndarray

    @property
    def tensors(self) -> dict[str, torch.Tensor]:
        """The tensor fields by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "init_time"}

    def to(self, device: torch.device | str) -> Window:
        """The same window with every tensor on ``device``."""
        moved = {name: value.to(device) for name, value in self.tensors.items()}
        return Window(**moved, init_time=self.init_time)


def collate(items: Sequence[Window]) -> Window:
    """Stack samples into a batch (a leading batch dimension on every field); usable as a
    :class:`torch.utils.data.DataLoader` ``collate_fn``."""
    stacked = {name: torch.stack([item.tensors[name] for item in items])
               for name in items[0].tensors}
    times = np.stack([np.asarray(item.init_time, "datetime64[ns]") for item in items])
    return Window(**stacked, init_time=times)


def _times(t: pd.Timestamp, offsets: list[pd.Timedelta]) -> np.ndarray:
    return np.asarray([t + offset for offset in offsets], "datetime64[ns]")


def _checked(ds: xr.Dataset, role: str, channels: tuple[str, ...], values: bool
             ) -> xr.Dataset:
    """The variables of ``channels`` in ``ds``, checked (``values``: their values too), in
    catalogue units, north first."""
    variables = variables_of(channels)
    ds = check_dataset(north_first(ds), role, variables=variables, levels=levels_of(channels),
                       check_values=values)
    return to_canonical_dataset(ds[list(variables)], variables)


class WindowDataset(torch.utils.data.Dataset):
    """Windows ``(P(t-1), P(t), Q(t..t+k)) -> P(t+1..t+k)`` for every usable ``t``.

    Parameters
    ----------
    forecaster
        The :class:`~xaqf.Forecaster` being trained: its encoding, step and statics are
        used (the dataset keeps no reference to its network).
    cams, met
        Pollutants and meteorology along ``time``, on the same grid, holding the variables
        of the forecaster's :attr:`~xaqf.Forecaster.pollutant_channels` and
        :attr:`~xaqf.Forecaster.met_channels` (others are ignored).
    rollout_steps
        ``k``, the number of steps per sample.
    init_times
        Starting times ``t``; default: every time whose window is complete.
    cache
        Encode the whole period once (fast, memory-hungry) instead of item by item.
    emissions
        Emission inventory for a forecaster with emission inputs (required then; see
        :func:`xaqf.preprocessing.emissions.prepare_emissions`); ignored with a warning otherwise.

    Each item is a :class:`Window` (shapes in the module notes); batch them with
    :func:`collate`.
    """

    def __init__(self, forecaster: Forecaster, cams: xr.Dataset, met: xr.Dataset, *,
                 rollout_steps: int = 1, init_times: Any = None, cache: bool = False,
                 emissions: xr.Dataset | None = None) -> None:
        positive_int(rollout_steps, "rollout_steps")
        self.pollutant_channels = forecaster.pollutant_channels
        self.met_channels = forecaster.met_channels
        cams = _checked(cams, "cams", self.pollutant_channels, cache)
        met = _checked(met, "met", self.met_channels, cache)
        check_same_grid(cams, met, names=("cams", "met"))
        self.encoding: Encoding = forecaster.encoding
        self.step = pd.Timedelta(forecaster.step)
        self.rollout_steps = rollout_steps
        self.latitude = cams["latitude"].values
        self._cams = to_channels(cams, self.pollutant_channels)
        self._met = to_channels(met, self.met_channels)
        self._cams_index = pd.DatetimeIndex(cams["time"].values)
        self._met_index = pd.DatetimeIndex(met["time"].values)
        self.init_times = self._usable(init_times)
        grid = xr.Dataset(coords={"latitude": cams["latitude"], "longitude": cams["longitude"]})
        self.statics = forecaster.static_tensor(grid)
        self._step_statics = StepStatics(self.statics, forecaster.emissions, prepare_emissions(
            forecaster.emissions, emissions, grid))
        self._cache: tuple[torch.Tensor, torch.Tensor] | None = None
        if cache:
            self._cache = (self._encode_pollutants(self._cams.values),
                           self._encode_met(self._met.values))

    def _offsets(self) -> tuple[list[pd.Timedelta], list[pd.Timedelta]]:
        """The pollutant and met offsets a window reads (:func:`window_offsets`)."""
        return window_offsets(self.step, self.rollout_steps)

    def _usable(self, init_times: Any) -> np.ndarray:
        step = self.step
        cams_offsets, met_offsets = self._offsets()
        needs = [Need("cams", cams_offsets, times=self._cams_index,
                      labels={-step: "the previous state", 0 * step: "the initial state"}),
                 Need("met", met_offsets, times=self._met_index)]
        return usable_init_times(
            init_times, self._cams_index, needs, window="training window",
            none_usable=f"no complete training window of {self.rollout_steps} step(s) in cams "
                        f"{self._cams_index.min()} ... {self._cams_index.max()} with met "
                        f"{self._met_index.min()} ... {self._met_index.max()}")

    def _encode_pollutants(self, values: np.ndarray) -> torch.Tensor:
        return self.encoding.encode_pollutants(torch.as_tensor(values, dtype=torch.float32))

    def _encode_met(self, values: np.ndarray) -> torch.Tensor:
        return self.encoding.encode_met(torch.as_tensor(values, dtype=torch.float32))

    def __len__(self) -> int:
        return len(self.init_times)

    def read_state(self, group: str, position: int) -> torch.Tensor:
        """The encoded state at ``position`` along ``time`` of ``group`` (``"cams"`` or
        ``"met"``), ``(C, H, W)``: the unit :class:`~xaqf.training.loader.WindowLoader` reads."""
        index = 0 if group == "cams" else 1
        if self._cache is not None:
            return self._cache[index][position]
        data = self._cams if group == "cams" else self._met
        encode = self._encode_pollutants if group == "cams" else self._encode_met
        return encode(data.isel(time=position).values)

    def positions(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions along ``time`` of the pollutant states (``t - step`` to ``t + k step``) and
        the met states (``t`` to ``t + k step``) that window ``i`` reads."""
        t = pd.Timestamp(self.init_times[i])
        cams_offsets, met_offsets = self._offsets()
        return (self._cams_index.get_indexer(_times(t, cams_offsets)),
                self._met_index.get_indexer(_times(t, met_offsets)))

    def check_state(self, group: str, position: int, state: torch.Tensor) -> None:
        """Raise :class:`~xaqf.errors.InvalidValueError` naming the channel and time if the
        encoded state ``(C, H, W)`` at ``position`` of ``group`` is not finite."""
        index, channels = ((self._cams_index, self.pollutant_channels) if group == "cams" else
                           (self._met_index, self.met_channels))
        check_finite(state[None], channels, index.values[position:position + 1], group)

    def side_inputs(self, i: int) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
        """Window ``i``'s time features ``(k, 3)``, statics ``(k, S, H, W)`` and initial
        time, step by step as a forecast from that time gets them
        (:func:`~xaqf.model.step.step_features`,
        :meth:`~xaqf.preprocessing.emissions.StepStatics.per_step`)."""
        init = self.init_times[i:i + 1]
        features, statics = step_features(init, self.step), self._step_statics.per_step(
            init, self.step)
        steps = range(self.rollout_steps)
        per_step = [statics(s) for s in steps]
        return (torch.as_tensor(np.concatenate([features(s) for s in steps])),
                torch.stack([x if x.ndim == 3 else x[0] for x in per_step]),
                np.asarray(init[0]))

    def assemble(self, i: int, pollutants: torch.Tensor, met: torch.Tensor) -> Window:
        """Window ``i`` from its encoded states ``(k + 2, C, H, W)`` and ``(k + 1, D, H, W)``
        (in the order of :meth:`positions`), checked finite."""
        t = pd.Timestamp(self.init_times[i])
        cams_offsets, met_offsets = self._offsets()
        check_finite(pollutants, self.pollutant_channels, _times(t, cams_offsets), "cams")
        check_finite(met, self.met_channels, _times(t, met_offsets), "met")
        return Window(pollutants[0], pollutants[1], met, pollutants[2:], *self.side_inputs(i))

    def __getitem__(self, i: int) -> Window:
        cams_at, met_at = self.positions(i)
        if self._cache is not None:
            pollutants, met = self._cache[0][cams_at], self._cache[1][met_at]
        else:
            pollutants = self._encode_pollutants(self._cams.isel(time=cams_at).values)
            met = self._encode_met(self._met.isel(time=met_at).values)
        return self.assemble(i, pollutants, met)
