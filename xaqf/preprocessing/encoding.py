"""Between physical space and the network's space: :class:`Encoding`.

* pollutants: ``x / scale`` (scale method), then the Eq. 12 log transform on the chosen
  channels (all by default);
* meteorology: ``(x - mean) / std``;
* predictions back: inverse transform, times ``scale``, then clamped at 0. The inverse
  transform only returns values at or above its floor (1e-6 in normalised units), so
  concentrations are positive by construction; the clamp is a last safeguard for channels
  left untransformed.

On the CPU, pollutants are encoded and decoded in blocks of whole grid rows (see
``_BLOCK_ELEMENTS``) so that the temporaries of the log transform stay in cache; states held
channels last (as the network's convolutions return them there) are read in blocks where they
lie and written out channel-major block by block. The precise decode of a 451 x 900 state
gives the same 29.6 M values in both layouts, bit for bit; the float32 arithmetic of
``precise=False`` differs in the last bit for a few of them (torch's vectorised and scalar
kernels meet different elements).

Examples
--------
>>> import numpy as np, torch, xarray as xr
>>> from xaqf.variables import MET_CHANNELS, POLLUTANT_CHANNELS
>>> channels = list(POLLUTANT_CHANNELS + MET_CHANNELS)
>>> stats = xr.Dataset({"mean": ("channel", np.zeros(len(channels))),
...                     "std": ("channel", np.full(len(channels), 2.0))},
...                    coords={"channel": channels})
>>> encoding = Encoding(stats)
>>> x = torch.full((len(POLLUTANT_CHANNELS), 2, 3), 4.0)
>>> torch.allclose(encoding.decode_pollutants(encoding.encode_pollutants(x)), x)
True
>>> encoding.encode_met(torch.full((len(MET_CHANNELS), 2, 3), 4.0)).unique().tolist()
[2.0]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import xarray as xr

from xaqf.errors import ConfigError, MissingVariableError
from xaqf.preprocessing.channels import variable_of
from xaqf.preprocessing.grey_line import grey_line_mask
from xaqf.preprocessing.normalization import denormalize_array, normalize_array
from xaqf.preprocessing.transform import DEFAULT_FLOOR, inverse_log_transform, log_transform
from xaqf.variables import GREY_LINE, MET_CHANNELS, POLLUTANT_CHANNELS, POLLUTANT_VARIABLES


@dataclass(frozen=True)
class TransformSettings:
    """The Eq. 12 log transform of normalised pollutants.

    Parameters
    ----------
    floor
        Normalised values are clamped to at least ``floor`` before the transform.
    channels
        Channels that get the transform; ``None`` means every pollutant channel.

    Examples
    --------
    >>> TransformSettings(channels=("pm10", "pm2p5"))
    TransformSettings(floor=1e-06, channels=('pm10', 'pm2p5'))
    """

    floor: float = DEFAULT_FLOOR
    channels: tuple[str, ...] | None = None


_BLOCK_ELEMENTS = 1 << 18
"""Elements per block of the CPU encode/decode: 2 MiB in float64, so the temporaries of the
log transform stay in cache from one operation to the next instead of streaming through
main memory (2x faster than 16 MiB blocks at 451 x 900 on a 2-core CPU)."""


def _stats_arrays(stats: xr.Dataset, channels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, std)`` float32 rows of ``channels``."""
    rows = stats.sel(channel=list(channels))
    return (np.asarray(rows["mean"].values, np.float32),
            np.asarray(rows["std"].values, np.float32))


def _rowwise(func: Callable[..., torch.Tensor], x: torch.Tensor, *per_channel: np.ndarray,
             out: torch.Tensor | None = None) -> torch.Tensor:
    """``func(block, *params)`` on blocks of whole grid rows of ``x (..., C, H, W)``.

    ``per_channel`` are ``(C,)`` arrays; ``func`` gets them as tensors that broadcast
    against its block. On the CPU the blocks hold about ``_BLOCK_ELEMENTS`` values (see
    there); elsewhere there is one block. The results go into ``out`` (contiguous, shaped
    like ``x``), a new tensor if ``None``.
    """
    if x.dim() < 3 or any(len(p) != x.shape[-3] for p in per_channel):
        raise ConfigError(f"expected (..., {len(per_channel[0])}, lat, lon) pollutant "
                          f"states, one per channel of the encoding; got shape "
                          f"{tuple(x.shape)}")
    if out is None:
        out = torch.empty(x.shape, dtype=x.dtype, device=x.device)
    elif out.shape != x.shape or not out.is_contiguous():
        raise ConfigError(f"out must be a contiguous tensor of shape {tuple(x.shape)}; got "
                          f"shape {tuple(out.shape)}, contiguous={out.is_contiguous()}")
    if x.device.type == "cpu" and _pixel_major(x):
        _pixel_blocks(func, x, per_channel, out)
    else:
        _row_blocks(func, x, per_channel, out)
    return out


def _pixel_major(x: torch.Tensor) -> bool:
    """Whether ``x (..., C, H, W)`` is stored as ``(..., H, W, C)`` (channels last, as
    convolutions on the CPU return their outputs)."""
    return x.dim() >= 3 and not x.is_contiguous() and x.movedim(-3, -1).is_contiguous()


def _row_blocks(func: Callable[..., torch.Tensor], x: torch.Tensor,
                per_channel: Sequence[np.ndarray], out: torch.Tensor) -> None:
    """:func:`_rowwise` on ``(n, W)`` blocks of grid rows, parameters ``(n, 1)``."""
    height, width = x.shape[-2:]
    rows = x.reshape(-1, width)
    repeats = rows.shape[0] // (x.shape[-3] * height)
    params = [torch.as_tensor(np.repeat(np.tile(p, repeats), height), device=x.device)
              .reshape(-1, 1) for p in per_channel]
    size = max(1, _BLOCK_ELEMENTS // width) if x.device.type == "cpu" else rows.shape[0]
    targets = out.view(-1, width).split(size)
    for target, *block in zip(targets, rows.split(size), *(p.split(size) for p in params),
                              strict=True):
        target.copy_(func(*block))


def _pixel_blocks(func: Callable[..., torch.Tensor], x: torch.Tensor,
                  per_channel: Sequence[np.ndarray], out: torch.Tensor) -> None:
    """:func:`_rowwise` on ``(n, W, C)`` blocks of a channels-last ``x``, parameters
    ``(C,)``: each block is read where it lies and turned to ``out``'s layout while in
    cache (for a 73 x 451 x 900 state on 2 cores, 0.04 s instead of the 0.12 s of turning
    all of ``x`` first)."""
    channels, height, width = x.shape[-3:]
    pixels = x.movedim(-3, -1).reshape(-1, height, width, channels)
    params = [torch.as_tensor(p, device=x.device) for p in per_channel]
    size = max(1, _BLOCK_ELEMENTS // (width * channels))
    for source, target in zip(pixels, out.view(-1, channels, height, width), strict=True):
        for start in range(0, height, size):
            block = func(source[start:start + size], *params)
            target[:, start:start + size].copy_(block.movedim(-1, 0))


class Encoding:
    """The physical <-> network encoding of a forecaster (see the module notes).

    Parameters
    ----------
    stats
        Normalisation statistics (:func:`xaqf.preprocessing.normalization.compute_stats`
        format) covering every pollutant and met channel of the sets; other channels are
        dropped.
    transform
        Log-transform settings, or ``None`` for no transform.
    grey_line
        Variables whose base is the state 24 h before the target; pollutants outside
        ``pollutant_channels`` are dropped from it.
    pollutant_channels, met_channels
        The channels of the states, in order (default: the whole catalogue).

    Attributes
    ----------
    stats : xarray.Dataset
        The statistics of the pollutant then met channels, in memory.
    transform : TransformSettings or None
    grey_line : frozenset of str
    pollutant_channels, met_channels : tuple of str
    grey_mask : numpy.ndarray
        ``(C,)`` bool over the pollutant channels: grey-line channels.
    transform_mask : numpy.ndarray
        ``(C,)`` bool over the pollutant channels: channels that get the log transform.

    Raises
    ------
    MissingVariableError
        If ``stats`` lack a pollutant or met channel (naming some of them).
    """

    def __init__(self, stats: xr.Dataset,
                 transform: TransformSettings | None = TransformSettings(),
                 grey_line: Iterable[str] = GREY_LINE,
                 pollutant_channels: Sequence[str] = POLLUTANT_CHANNELS,
                 met_channels: Sequence[str] = MET_CHANNELS) -> None:
        self.pollutant_channels, self.met_channels = tuple(pollutant_channels), tuple(met_channels)
        channels = list(self.pollutant_channels + self.met_channels)
        held = set(stats["channel"].values.tolist()) if "channel" in stats.coords else set()
        missing = [c for c in channels if c not in held]
        if missing:
            raise MissingVariableError(
                f"the normalisation statistics lack {len(missing)} channels, e.g. "
                f"{missing[:5]}; compute them on every pollutant and met variable of the model "
                f"(xaqf.preprocessing.normalization.compute_model_stats)")
        self.stats = stats.sel(channel=channels).compute()
        self.transform = transform
        absent = set(POLLUTANT_VARIABLES) - {variable_of(c) for c in self.pollutant_channels}
        self.grey_line = frozenset(grey_line) - absent
        self._p_mean, self._p_std = _stats_arrays(self.stats, self.pollutant_channels)
        self._q_mean, self._q_std = _stats_arrays(self.stats, self.met_channels)
        self.grey_mask = grey_line_mask(self.pollutant_channels, self.grey_line)
        transformed = self.pollutant_channels if transform is None or transform.channels is None \
            else transform.channels
        self.transform_mask = np.isin(self.pollutant_channels, transformed) & (
            transform is not None)

    def __repr__(self) -> str:
        transformed = int(self.transform_mask.sum())
        return (f"Encoding({len(self.stats['channel'])} channels, log transform on "
                f"{transformed}/{len(self.pollutant_channels)} pollutants, "
                f"{int(self.grey_mask.sum())} grey-line channels)")

    def encode_pollutants(self, x: torch.Tensor) -> torch.Tensor:
        """Physical ``(..., C, H, W)`` pollutants -> normalised, log-transformed."""
        return _rowwise(self._encode_block, x, self._p_mean, self._p_std, self.transform_mask)

    def decode_pollutants(self, y: torch.Tensor, out: torch.Tensor | None = None, *,
                          precise: bool = True) -> torch.Tensor:
        """Inverse of :meth:`encode_pollutants`, clamped at 0 (physical units).

        Written into ``out`` (contiguous, shaped like ``y``) if given, else a new tensor.
        ``precise=False`` inverts the log transform in float32 arithmetic only (see
        :func:`xaqf.preprocessing.transform.inverse_log_transform`).

        Raises
        ------
        ConfigError
            If ``out`` is misshapen or not contiguous.
        """
        def block(y: torch.Tensor, mean: torch.Tensor, std: torch.Tensor,
                  mask: torch.Tensor) -> torch.Tensor:
            return self._decode_block(y, mean, std, mask, precise)

        return _rowwise(block, y, self._p_mean, self._p_std, self.transform_mask, out=out)

    def decode_to_host(self, states: torch.Tensor, out: np.ndarray | None = None, *,
                       precise: bool = True) -> np.ndarray:
        """Decode ``(B, C, H, W)`` states into the float32 array ``out`` on the CPU.

        ``out`` is a new array if ``None``; it is filled one state at a time (each is
        contiguous in ``out``), decoded in place on the CPU, copied from other devices.
        ``precise`` as in :meth:`decode_pollutants`.
        """
        out = np.empty(states.shape, np.float32) if out is None else out
        for state, target in zip(states, out, strict=True):
            host = torch.from_numpy(target)
            if state.device.type == "cpu":
                self.decode_pollutants(state, out=host, precise=precise)
            else:
                host.copy_(self.decode_pollutants(state, precise=precise))
        return out

    def encode_met(self, x: torch.Tensor) -> torch.Tensor:
        """Physical ``(..., D, H, W)`` meteorology -> standardised."""
        result: torch.Tensor = normalize_array(x, self._q_mean.reshape(-1, 1, 1),
                                               self._q_std.reshape(-1, 1, 1))
        return result

    def _encode_block(self, x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor,
                      mask: torch.Tensor) -> torch.Tensor:
        y: torch.Tensor = normalize_array(x, mean, std)
        floor = DEFAULT_FLOOR if self.transform is None else self.transform.floor
        return self._where_transformed(lambda v: log_transform(v, floor), y, mask)

    def _decode_block(self, y: torch.Tensor, mean: torch.Tensor, std: torch.Tensor,
                      mask: torch.Tensor, precise: bool) -> torch.Tensor:
        y = self._where_transformed(lambda v: inverse_log_transform(v, precise=precise), y,
                                    mask)
        result: torch.Tensor = denormalize_array(y, mean, std)
        return result.clamp_min_(0)

    def _where_transformed(self, func: Callable[[torch.Tensor], torch.Tensor], y: torch.Tensor,
                           mask: torch.Tensor) -> torch.Tensor:
        """``func(y)`` on the log-transformed channels (``mask``), ``y`` on the others.
        Where all channels or none are transformed, no selection pass is made."""
        if not self.transform_mask.any():
            return y
        if self.transform_mask.all():
            return func(y)
        return torch.where(mask, func(y), y)
