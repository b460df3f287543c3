"""The :class:`Forecaster`: a trained network plus everything needed to use it on xarray.

A forecaster bundles the network, its normalisation statistics, the log-transform settings,
the grey-line variables, the time step and the static features, so that
``Forecaster.load(path).predict(cams, met)`` needs nothing else. It moves data between the
physical space of the Datasets and the network's space:

* pollutants: ``x / scale`` (scale method), then the Eq. 12 log transform on the chosen
  channels (all by default);
* meteorology: ``(x - mean) / std``;
* predictions back: inverse transform, times ``scale``, then clamped at 0. The inverse
  transform only returns values at or above its floor (1e-6 in normalised units), so
  concentrations are positive by construction; the clamp is a last safeguard for channels
  left untransformed. Non-finite network outputs raise :class:`~xaqf.errors.InvalidValueError`
  naming the rollout step.

On the CPU the rollout runs inside :func:`xaqf.memory.retained_heap`, so the large buffers
of one network forward are reused by the next instead of being mapped afresh.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import xarray as xr
from tqdm.auto import tqdm

from xaqf.errors import ConfigError, MissingVariableError
from xaqf.forecaster import model_file
from xaqf.forecaster.inputs import ForecastInputs, prepare_inputs
from xaqf.forecaster.output import Piece, empty_forecast, forecast_template, labelled, stream_to
from xaqf.forecaster.rollout import rollout, time_features
from xaqf.grey_line import grey_line_mask
from xaqf.memory import retained_heap
from xaqf.model import ModelConfig, build_model
from xaqf.normalization import denormalize_array, normalize_array
from xaqf.statics import STATIC_CHANNELS, static_features
from xaqf.transform import DEFAULT_FLOOR, inverse_log_transform, log_transform
from xaqf.variables import GREY_LINE, MET_CHANNELS, POLLUTANT_CHANNELS, PRESSURE_LEVELS

FORMAT = "xaqf-model"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class TransformSettings:
    """The Eq. 12 log transform of normalised pollutants.

    Parameters
    ----------
    floor
        Normalised values are clamped to at least ``floor`` before the transform.
    channels
        Channels that get the transform; ``None`` means every pollutant channel (decided).
    """

    floor: float = DEFAULT_FLOOR
    channels: tuple[str, ...] | None = None


def _stats_arrays(stats: xr.Dataset, channels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    missing = [c for c in channels if c not in set(stats["channel"].values.tolist())]
    if missing:
        raise MissingVariableError(
            f"the normalisation statistics lack {len(missing)} channels, e.g. {missing[:5]}; "
            f"compute them on a Dataset holding every pollutant and met variable")
    rows = stats.sel(channel=list(channels))
    return (np.asarray(rows["mean"].values, np.float32),
            np.asarray(rows["std"].values, np.float32))


_BLOCK_ELEMENTS = 1 << 18
"""Elements per block of the CPU encode/decode: 2 MiB in float64, so the temporaries of the
log transform stay in cache from one operation to the next instead of streaming through
main memory (2x faster than 16 MiB blocks at 451 x 900 on a 2-core CPU)."""


def _rowwise(func: Callable[..., torch.Tensor], x: torch.Tensor, *per_channel: np.ndarray,
             out: torch.Tensor | None = None) -> torch.Tensor:
    """``func(block, *params)`` on blocks of whole grid rows of ``x (..., C, H, W)``.

    ``per_channel`` are ``(C,)`` arrays; ``func`` gets them as ``(n, 1)`` tensors matching
    the ``n`` rows of its ``(n, W)`` block. On the CPU the blocks hold about
    ``_BLOCK_ELEMENTS`` values (see there); elsewhere there is one block. The results go
    into ``out`` (contiguous, shaped like ``x``), a new tensor if ``None``.
    """
    height, width = x.shape[-2:]
    rows = x.reshape(-1, width)
    repeats = rows.shape[0] // (x.shape[-3] * height)
    params = [torch.as_tensor(np.repeat(np.tile(p, repeats), height), device=x.device)
              .reshape(-1, 1) for p in per_channel]
    size = max(1, _BLOCK_ELEMENTS // width) if x.device.type == "cpu" else rows.shape[0]
    if out is None:
        out = torch.empty(x.shape, dtype=x.dtype, device=x.device)
    elif out.shape != x.shape or not out.is_contiguous():
        raise ConfigError(f"out must be a contiguous tensor of shape {tuple(x.shape)}; got "
                          f"shape {tuple(out.shape)}, contiguous={out.is_contiguous()}")
    targets = out.view(-1, width).split(size)
    for target, *block in zip(targets, rows.split(size), *(p.split(size) for p in params),
                              strict=True):
        target.copy_(func(*block))
    return out


def _device(device: str | torch.device | None) -> torch.device:
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _autocast(device: torch.device, dtype: str | None) -> Any:
    if dtype in (None, "float32", "fp32"):
        return torch.autocast(device.type, enabled=False)
    if dtype in ("bf16", "bfloat16"):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    raise ConfigError(f"dtype={dtype!r} is not supported; use None (float32) or 'bf16'")


class Forecaster:
    """A network with its statistics, transform, grey-line set, time step and statics.

    Build an untrained one with :meth:`from_config`, a trained one with :meth:`load`.

    Parameters
    ----------
    net
        A :class:`xaqf.model.FusionUNet`.
    stats
        Normalisation statistics (:func:`xaqf.normalization.compute_stats` format) covering
        every pollutant and met channel.
    statics
        Static features ``(6, H, W)`` (:func:`xaqf.statics.static_features`) fixing the model
        grid, or ``None`` (position features only, computed on any grid).
    grid
        The grid of ``statics`` (a Dataset with ``latitude``/``longitude``), or ``None``.
    grey_line
        Variables whose base is the state 24 h before the target.
    step
        Time step (12 h in the paper).
    transform
        Log-transform settings, or ``None`` for no transform.
    provenance
        Free JSON-able record of how the weights were trained.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> channels = list(POLLUTANT_CHANNELS + MET_CHANNELS)
    >>> stats = xr.Dataset({"mean": ("channel", np.zeros(143)),
    ...                     "std": ("channel", np.ones(143))}, coords={"channel": channels})
    >>> fc = Forecaster.from_config("tiny", stats)
    >>> fc
    Forecaster(model='tiny', fusion='bilinear', step=12h, grid=any)
    """

    def __init__(self, net: torch.nn.Module, stats: xr.Dataset, *,
                 statics: np.ndarray | None = None, grid: xr.Dataset | None = None,
                 grey_line: Sequence[str] = GREY_LINE, step: str | pd.Timedelta = "12h",
                 transform: TransformSettings | None = TransformSettings(),
                 provenance: dict[str, Any] | None = None) -> None:
        config = net.config
        if (config.pollutant_channels, config.met_channels) != (len(POLLUTANT_CHANNELS),
                                                                len(MET_CHANNELS)):
            raise ConfigError(
                f"model {config.name!r} has {config.pollutant_channels} pollutant and "
                f"{config.met_channels} met channels; xaqf forecasts need "
                f"{len(POLLUTANT_CHANNELS)} and {len(MET_CHANNELS)}")
        self.net = net
        self.stats = stats.sel(channel=list(POLLUTANT_CHANNELS + MET_CHANNELS)).compute()
        self.statics = statics
        self.grid = grid
        self.grey_line = frozenset(grey_line)
        self.step = pd.Timedelta(step)
        self.transform = transform
        self.provenance = dict(provenance or {})
        self._p_mean, self._p_std = _stats_arrays(self.stats, POLLUTANT_CHANNELS)
        self._q_mean, self._q_std = _stats_arrays(self.stats, MET_CHANNELS)
        self.grey_mask = grey_line_mask(POLLUTANT_CHANNELS, self.grey_line)
        channels = POLLUTANT_CHANNELS if transform is None or transform.channels is None \
            else transform.channels
        self.transform_mask = np.isin(POLLUTANT_CHANNELS, channels) & (transform is not None)

    @classmethod
    def from_config(cls, config_or_name: str | ModelConfig | dict[str, Any],
                    stats: xr.Dataset, *, statics: xr.Dataset | None = None,
                    grey_line: Sequence[str] = GREY_LINE, step: str = "12h",
                    transform: TransformSettings | None = TransformSettings(),
                    seed: int | None = None) -> Forecaster:
        """An untrained forecaster with a fresh network.

        Parameters
        ----------
        config_or_name
            ``"paper"``, ``"small"``, ``"tiny"``, a :class:`~xaqf.model.ModelConfig` or dict.
        stats
            Normalisation statistics of every pollutant and met channel.
        statics
            Dataset with ``orography`` and ``lsm``: fixes the model grid. ``None``: only
            position features, any grid.
        grey_line, step, transform
            See :class:`Forecaster`.
        seed
            Seed of the weight initialisation (``None``: torch's current random state).
        """
        if seed is not None:
            torch.manual_seed(seed)
        net = build_model(config_or_name)
        grid = None if statics is None else xr.Dataset(
            coords={"latitude": statics["latitude"], "longitude": statics["longitude"]})
        features = None if statics is None else static_features(statics, grid)
        return cls(net, stats, statics=features, grid=grid, grey_line=grey_line, step=step,
                   transform=transform)

    @property
    def config(self) -> ModelConfig:
        """The network's :class:`~xaqf.model.ModelConfig`."""
        return self.net.config

    def __repr__(self) -> str:
        grid = "any" if self.grid is None else (
            f"{self.grid.sizes['latitude']}x{self.grid.sizes['longitude']}")
        step = f"{int(self.step / pd.Timedelta('1h'))}h"
        return (f"Forecaster(model={self.config.name!r}, fusion={self.config.fusion!r}, "
                f"step={step}, grid={grid})")

    # -- between physical space and the network's space ---------------------------------
    def encode_pollutants(self, x: torch.Tensor) -> torch.Tensor:
        """Physical ``(..., C, H, W)`` pollutants -> normalised, log-transformed."""
        return _rowwise(self._encode_block, x, self._p_mean, self._p_std, self.transform_mask)

    def decode_pollutants(self, y: torch.Tensor, out: torch.Tensor | None = None
                          ) -> torch.Tensor:
        """Inverse of :meth:`encode_pollutants`, clamped at 0 (physical units); written into
        ``out`` (contiguous, shaped like ``y``) if given."""
        return _rowwise(self._decode_block, y, self._p_mean, self._p_std, self.transform_mask,
                        out=out)

    def _decode_to_host(self, states: torch.Tensor, out: np.ndarray | None) -> np.ndarray:
        """Decode ``(B, C, H, W)`` states into ``out`` (a new array if ``None``) on the CPU,
        one initial time at a time (each is contiguous in ``out``)."""
        out = np.empty(states.shape, np.float32) if out is None else out
        for state, target in zip(states, out, strict=True):
            host = torch.from_numpy(target)
            if state.device.type == "cpu":
                self.decode_pollutants(state, out=host)
            else:
                host.copy_(self.decode_pollutants(state))
        return out

    def _encode_block(self, x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor,
                      mask: torch.Tensor) -> torch.Tensor:
        y = normalize_array(x, mean, std)
        if self.transform is None:
            return y
        return torch.where(mask, log_transform(y, self.transform.floor), y)

    def _decode_block(self, y: torch.Tensor, mean: torch.Tensor, std: torch.Tensor,
                      mask: torch.Tensor) -> torch.Tensor:
        if self.transform is not None:
            y = torch.where(mask, inverse_log_transform(y), y)
        return denormalize_array(y, mean, std).clamp_min(0)

    def encode_met(self, x: torch.Tensor) -> torch.Tensor:
        """Physical ``(..., D, H, W)`` meteorology -> standardised."""
        return normalize_array(x, self._q_mean.reshape(-1, 1, 1), self._q_std.reshape(-1, 1, 1))

    def static_tensor(self, grid: xr.Dataset, device: torch.device | str = "cpu"
                      ) -> torch.Tensor:
        """The ``(S, H, W)`` static features on ``grid`` (the stored ones if any)."""
        features = self.statics if self.statics is not None else static_features(None, grid)
        return torch.as_tensor(features, device=device)

    # -- forecasting --------------------------------------------------------------------
    def predict_iter(self, cams: xr.Dataset, met: xr.Dataset, steps: int = 10, *,
                     init_times: Sequence | None = None, batch_size: int = 4,
                     device: str | torch.device | None = None, dtype: str | None = None,
                     progress: bool = True) -> Iterator[xr.Dataset]:
        """Like :meth:`predict`, but yield the forecast piece by piece.

        Each yielded Dataset holds one lead time for one batch of initial times, in physical
        units on the CPU (batch by batch, lead time by lead time). Inputs are checked before
        the first piece is computed.
        """
        inputs = prepare_inputs(cams, met, steps=steps, step=self.step, grid=self.grid,
                                init_times=init_times)
        pieces = self._iterate(inputs, batch_size, _device(device), dtype, progress)
        return (piece.dataset(self.step, inputs.grid) for piece in pieces)

    def _iterate(self, inputs: ForecastInputs, batch_size: int, device: torch.device,
                 dtype: str | None, progress: bool, out: np.ndarray | None = None
                 ) -> Iterator[Piece]:
        """Run the rollout batch by batch; yield each lead time of each batch, decoded.

        With ``out`` (the whole forecast, :func:`~xaqf.forecaster.output.empty_forecast`),
        each piece is decoded into its place there and its values are a view of it.
        """
        net = self.net.to(device).eval()
        statics = self.static_tensor(inputs.grid, device)
        grey = torch.as_tensor(self.grey_mask, device=device)
        starts = range(0, len(inputs.init_times), batch_size)
        bar = tqdm(total=len(starts) * inputs.steps, desc="forecast", unit="step",
                   disable=not progress)
        heap = retained_heap() if device.type == "cpu" else nullcontext()
        with bar, heap, torch.inference_mode(), _autocast(device, dtype):
            for first in starts:
                inits = inputs.init_times[first:first + batch_size]
                p_prev, p_now = (self.encode_pollutants(torch.as_tensor(a, device=device))
                                 for a in inputs.pollutants(inits))

                def features(s: int, inits: np.ndarray = inits) -> torch.Tensor:
                    times = inits + (s * self.step).to_timedelta64()
                    return torch.as_tensor(time_features(times, s), device=device)

                met = self._met_feed(inputs, inits, device)
                states = rollout(net, p_prev, p_now, met, statics, features, grey, inputs.steps)
                for s, state in enumerate(states, start=1):
                    slot = None if out is None else out[first:first + len(inits), s - 1]
                    physical = self._decode_to_host(state.float(), slot)
                    bar.update()
                    yield Piece(first, inits, s, physical)

    def _met_feed(self, inputs: ForecastInputs, inits: np.ndarray, device: torch.device
                  ) -> Callable[[int], torch.Tensor]:
        """``met(s)``, the encoded met state of step ``s`` on ``device``, for
        :func:`~xaqf.forecaster.rollout.rollout`: fetched in blocks of steps (see
        :meth:`ForecastInputs.meteorology`), each state encoded when asked for."""
        per_fetch = inputs.states_per_fetch(len(inits))
        block: dict[int, np.ndarray] = {}

        def met(s: int) -> torch.Tensor:
            if s not in block:
                fetched = range(s, min(s + per_fetch, inputs.steps + 1))
                block.clear()
                block.update(zip(fetched, inputs.meteorology(inits, fetched), strict=True))
            return self.encode_met(torch.as_tensor(block.pop(s), device=device))
        return met

    def predict(self, cams: xr.Dataset, met: xr.Dataset, steps: int = 10, *,
                init_times: Sequence | None = None, batch_size: int = 4,
                device: str | torch.device | None = None, dtype: str | None = None,
                progress: bool = True, output: str | Path | None = None) -> xr.Dataset:
        """Forecast ``steps`` steps of all pollutants from one or many initial times.

        Parameters
        ----------
        cams
            Pollutants (canonical layout, ``time`` axis) holding ``t - step`` and ``t`` for
            each initial time ``t``, on the model grid.
        met
            Meteorology at ``t ... t + steps * step``: along ``time`` (analyses) or along
            ``(init_time, lead_time)`` (a weather forecast; the one started at ``t`` is used).
            Any grid: regridded to the ``cams`` grid with a warning if it differs.
        steps
            Number of steps (10 x 12 h = 120 h).
        init_times
            Initial times; default: every ``cams`` time for which all inputs exist.
        batch_size
            Initial times run through the network together.
        device
            ``"cuda"``, ``"cpu"``...; default CUDA when available.
        dtype
            ``None`` (float32) or ``"bf16"`` (bfloat16 autocast for the network).
        progress
            Show a progress bar.
        output
            Path of a ``.zarr`` store or ``.nc`` file to stream the forecast to, piece by
            piece; the returned Dataset is then opened lazily from it.

        Returns
        -------
        xarray.Dataset
            ``(init_time, lead_time, [level], latitude, longitude)``, the 13 CAMS variables
            in catalogue units, ``lead_time = step ... steps * step``, coordinate
            ``valid_time = init_time + lead_time``, CF attributes.

        Raises
        ------
        MissingVariableError, MissingLevelError, MissingTimeError, GridMismatchError
            Before any computation, naming what is missing or mismatched.
        InvalidValueError
            NaNs or negative concentrations in the inputs, or non-finite network outputs.
        """
        inputs = prepare_inputs(cams, met, steps=steps, step=self.step, grid=self.grid,
                                init_times=init_times)
        attrs = self._attrs(steps, met)
        if output is not None:
            pieces = self._iterate(inputs, batch_size, _device(device), dtype, progress)
            template = partial(forecast_template, inputs.init_times, self.step, steps,
                               inputs.grid)
            return stream_to(output, (p.dataset(self.step, inputs.grid) for p in pieces),
                             template, attrs)
        values = empty_forecast(len(inputs.init_times), steps, inputs.grid)
        deque(self._iterate(inputs, batch_size, _device(device), dtype, progress, values),
              maxlen=0)
        return labelled(values, inputs.init_times, range(1, steps + 1), self.step,
                        inputs.grid).assign_attrs(attrs)

    def _attrs(self, steps: int, met: xr.Dataset) -> dict[str, str]:
        from xaqf import __version__

        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        source = met.attrs.get("title") or met.attrs.get("source") or "unnamed met input"
        return {
            "title": "xaqf global air-pollution forecast",
            "source": (f"xaqf {__version__} FusionUNet (config {self.config.name!r}, fusion "
                       f"{self.config.fusion!r}), driven by meteorology: {source}"),
            "history": f"{now}: xaqf Forecaster.predict(steps={steps}, step={self.step})",
            "Conventions": "CF-1.8",
        }

    # -- files --------------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        """The JSON metadata written by :meth:`save`."""
        from xaqf import __version__

        stats = self.stats
        grid = None if self.grid is None else {
            "latitude": self.grid["latitude"].values.tolist(),
            "longitude": self.grid["longitude"].values.tolist()}
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION, "xaqf_version": __version__,
            "model_config": self.config.to_dict(),
            "pollutant_channels": list(POLLUTANT_CHANNELS), "met_channels": list(MET_CHANNELS),
            "static_channels": list(STATIC_CHANNELS), "levels": list(PRESSURE_LEVELS),
            "grid": grid, "step": str(self.step), "grey_line": sorted(self.grey_line),
            "transform": None if self.transform is None else dataclasses.asdict(self.transform),
            "stats": {
                "channel": stats["channel"].values.tolist(),
                "mean": stats["mean"].values.tolist(), "std": stats["std"].values.tolist(),
                "method": [str(m) for m in stats["method"].values] if "method" in stats.coords
                else None},
            "provenance": self.provenance,
        }

    def save(self, path: str | Path) -> Path:
        """Write weights and metadata to one ``.safetensors`` file (no pickle).

        The tensors are the network weights (``net.*``) and the static features
        (``statics``); the header holds the JSON of :meth:`metadata`.
        """
        tensors = {f"net.{k}": v for k, v in self.net.state_dict().items()}
        if self.statics is not None:
            tensors["statics"] = torch.as_tensor(self.statics)
        return model_file.write_file(path, tensors, self.metadata())

    @classmethod
    def load(cls, path_or_name: str | Path, device: str | torch.device | None = None
             ) -> Forecaster:
        """Load a forecaster written by :meth:`save`, from a path or a registered name.

        Raises
        ------
        ModelFileError
            Missing, corrupt, pickle-based or inconsistent file.
        """
        from xaqf.forecaster.loading import forecaster_from_file

        forecaster = forecaster_from_file(cls, path_or_name)
        forecaster.net.to(_device(device))
        return forecaster
