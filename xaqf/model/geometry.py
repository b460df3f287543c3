"""Global-grid geometry for the network: periodic longitude, non-periodic latitude.

Fields live on a regular latitude-longitude grid (latitude descending from the North Pole,
longitude ascending in [0, 360)). Every spatial convolution of the network pads its input
with :func:`pad_sphere` instead of zeros:

* **longitude** is circular: the columns beyond the east edge are the first columns, and
  vice versa;
* **latitude** never wraps from one pole to the other. The default mode ``"pole"``
  continues a meridian across the pole: the rows beyond the North Pole are the rows below it,
  in mirror order (the pole row itself is not repeated), shifted by half a turn in longitude,
  which is where that meridian comes back down on the far side of the Earth. ``"reflect"``
  (the same without the half-turn shift), ``"replicate"`` (repeat the edge row) and
  ``"zeros"`` are available too.

The half-turn shift needs an even number of longitudes; on an odd one ``"pole"`` falls
back to ``"reflect"``. Grids whose sizes are not multiples of the network's stride are padded
by :func:`pad_to_multiple` the same way and cropped back by :func:`crop`. When the number of
longitudes is itself a multiple of the stride, no longitude padding is needed and the whole
network commutes exactly with rolls by multiples of the stride; otherwise the extra columns
are a circular continuation, and equivariance is approximate at the seam.

Examples
--------
>>> import torch
>>> x = torch.arange(12.0).reshape(1, 1, 3, 4)
>>> pad_sphere(x, 1, 1, 1, 1)[0, 0]
tensor([[ 5.,  6.,  7.,  4.,  5.,  6.],
        [ 3.,  0.,  1.,  2.,  3.,  0.],
        [ 7.,  4.,  5.,  6.,  7.,  4.],
        [11.,  8.,  9., 10., 11.,  8.],
        [ 5.,  6.,  7.,  4.,  5.,  6.]])
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from xaqf.errors import ConfigError

LatPadding = Literal["pole", "reflect", "replicate", "zeros"]
LAT_PADDINGS: tuple[str, ...] = ("pole", "reflect", "replicate", "zeros")
_STRIP_MIN_PIXELS = 16384  # below this, padding a copy is cheaper than border strips


def _reflect_rows(index: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Fold row indices into ``[0, n)`` by mirror reflection at both edges.

    Returns the source rows and whether an odd number of edges (poles) was crossed.
    """
    if n == 1:
        return torch.zeros_like(index), index != 0
    period = 2 * (n - 1)
    folded = index % period
    crossed = (index.div(n - 1, rounding_mode="floor") % 2).bool()
    return torch.where(folded < n, folded, period - folded), crossed


def _lat_halo(x: torch.Tensor, rows: torch.Tensor, mode: str) -> torch.Tensor:
    """Rows of ``x`` (along dim -2) for the out-of-grid latitude indices ``rows``."""
    height, width = x.shape[-2:]
    if mode == "zeros":
        return x.new_zeros(*x.shape[:-2], len(rows), width)
    if mode == "replicate":
        return x[..., rows.clamp(0, height - 1), :]
    source, crossed = _reflect_rows(rows, height)
    halo = x[..., source, :]
    if mode == "pole" and width % 2 == 0:
        shifted = torch.roll(halo, width // 2, dims=-1)
        halo = torch.where(crossed.view(-1, 1).to(x.device), shifted, halo)
    return halo


def pad_sphere(x: torch.Tensor, top: int, bottom: int, left: int, right: int,
               lat_mode: LatPadding = "pole") -> torch.Tensor:
    """Pad the last two dims of ``x`` (latitude, longitude) with the global geometry.

    Parameters
    ----------
    x
        Tensor of shape ``(..., H, W)``, latitude descending (row 0 at the North Pole).
    top, bottom
        Rows added beyond the first (northern) and last (southern) row.
    left, right
        Columns added beyond the west and east edges (circularly).
    lat_mode
        ``"pole"`` (default), ``"reflect"``, ``"replicate"`` or ``"zeros"``; see the module
        docstring. Pads may exceed the grid size (reflection bounces between the poles).

    Returns
    -------
    torch.Tensor
        Shape ``(..., H + top + bottom, W + left + right)``, same dtype, device and memory
        format as ``x``.

    Examples
    --------
    >>> x = torch.arange(6.0).reshape(1, 1, 2, 3)
    >>> pad_sphere(x, 0, 0, 2, 1)[0, 0]
    tensor([[1., 2., 0., 1., 2., 0.],
            [4., 5., 3., 4., 5., 3.]])
    """
    if lat_mode not in LAT_PADDINGS:
        raise ConfigError(f"unknown lat_mode {lat_mode!r}; choose one of {LAT_PADDINGS}")
    height, width = x.shape[-2:]
    device = x.device
    out = torch.empty(*x.shape[:-2], height + top + bottom, width + left + right,
                      dtype=x.dtype, device=device, memory_format=_memory_format(x))
    out[..., top:top + height, left:left + width] = x
    if top:
        north = torch.arange(-top, 0, device=device)
        out[..., :top, left:left + width] = _lat_halo(x, north, lat_mode)
    if bottom:
        south = torch.arange(height, height + bottom, device=device)
        out[..., top + height:, left:left + width] = _lat_halo(x, south, lat_mode)
    if left:
        out[..., :left] = out[..., left + torch.arange(-left, 0, device=device) % width]
    if right:
        east = left + torch.arange(width, width + right, device=device) % width
        out[..., left + width:] = out[..., east]
    return out


def _memory_format(x: torch.Tensor) -> torch.memory_format:
    if x.ndim == 4 and not x.is_contiguous() and x.is_contiguous(
            memory_format=torch.channels_last):
        return torch.channels_last
    return torch.contiguous_format


def sphere_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
                  groups: int = 1, lat_mode: LatPadding = "pole") -> torch.Tensor:
    """Stride-1 "same" convolution with :func:`pad_sphere` padding, without a padded copy.

    Equal to ``F.conv2d(pad_sphere(x, h, h, h, h, lat_mode), weight, bias, groups=groups)``
    with ``h = kernel_size // 2``. On grids larger than the kernel it convolves the
    zero-padded input (no copy of ``x``) and recomputes the border of width ``h`` from thin
    geometry-padded strips: copying whole activations costs about as much as a 3 x 3
    convolution on CPUs, where memory bandwidth is scarce. Small grids take the padded copy,
    and so do ``meta`` tensors, so that FLOP counts are those of the plain padded convolution.

    Examples
    --------
    >>> x, w = torch.randn(1, 2, 130, 140), torch.randn(3, 2, 3, 3)
    >>> ref = F.conv2d(pad_sphere(x, 1, 1, 1, 1), w)
    >>> bool(torch.allclose(sphere_conv2d(x, w), ref, atol=1e-5))
    True
    """
    h = weight.shape[-1] // 2
    height, width = x.shape[-2:]
    if h == 0:
        return F.conv2d(x, weight, bias, groups=groups)
    if x.is_meta or min(height, width) <= 8 * h or height * width < _STRIP_MIN_PIXELS:
        return F.conv2d(pad_sphere(x, h, h, h, h, lat_mode), weight, bias, groups=groups)
    y = F.conv2d(x, weight, bias, padding=h, groups=groups)
    north = pad_sphere(x[..., :2 * h + 1, :], h, 0, h, h, lat_mode)
    south = pad_sphere(x[..., height - 2 * h - 1:, :], 0, h, h, h, lat_mode)
    device = x.device
    west = x[..., torch.arange(-h, 2 * h, device=device) % width]
    east = x[..., torch.arange(width - 2 * h, width + h, device=device) % width]
    y[..., :h, :] = F.conv2d(north, weight, bias, groups=groups)[..., :h, :]
    y[..., height - h:, :] = F.conv2d(south, weight, bias, groups=groups)[..., 1:, :]
    y[..., h:height - h, :h] = F.conv2d(west, weight, bias, groups=groups)
    y[..., h:height - h, width - h:] = F.conv2d(east, weight, bias, groups=groups)
    return y


def padding_to_multiple(height: int, width: int, multiple: int) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` that bring ``(height, width)`` to multiples of ``multiple``.

    The extra rows/columns are split evenly, the odd one going to the bottom/right.

    Examples
    --------
    >>> padding_to_multiple(451, 900, 16)
    (6, 7, 6, 6)
    >>> padding_to_multiple(46, 90, 16)
    (1, 1, 3, 3)
    """
    extra_h = -height % multiple
    extra_w = -width % multiple
    return extra_h // 2, extra_h - extra_h // 2, extra_w // 2, extra_w - extra_w // 2


def pad_to_multiple(x: torch.Tensor, multiple: int, lat_mode: LatPadding = "pole"
                    ) -> tuple[torch.Tensor, tuple[int, int, int, int]]:
    """Pad ``x`` with :func:`pad_sphere` so its last two sizes are multiples of ``multiple``.

    Returns
    -------
    padded : torch.Tensor
    pads : tuple of int
        ``(top, bottom, left, right)``, to pass to :func:`crop`.

    Examples
    --------
    >>> x = torch.zeros(1, 2, 46, 90)
    >>> padded, pads = pad_to_multiple(x, 16)
    >>> tuple(padded.shape), tuple(crop(padded, pads).shape)
    ((1, 2, 48, 96), (1, 2, 46, 90))
    """
    pads = padding_to_multiple(x.shape[-2], x.shape[-1], multiple)
    return pad_sphere(x, *pads, lat_mode=lat_mode), pads


def crop(x: torch.Tensor, pads: tuple[int, int, int, int]) -> torch.Tensor:
    """Remove the ``(top, bottom, left, right)`` border added by :func:`pad_to_multiple`."""
    top, bottom, left, right = pads
    return x[..., top:x.shape[-2] - bottom, left:x.shape[-1] - right]


class SphereConv2d(nn.Conv2d):
    """A stride-1 :class:`torch.nn.Conv2d` whose "same" padding follows :func:`pad_sphere`.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, groups, bias
        As for :class:`torch.nn.Conv2d` (odd square kernel, stride 1).
    lat_mode
        Latitude padding mode of :func:`pad_sphere`.

    Examples
    --------
    >>> conv = SphereConv2d(2, 3, 3)
    >>> tuple(conv(torch.zeros(1, 2, 5, 8)).shape)
    (1, 3, 5, 8)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 groups: int = 1, bias: bool = True, lat_mode: LatPadding = "pole") -> None:
        if kernel_size % 2 != 1:
            raise ConfigError(f"SphereConv2d needs an odd kernel_size, got {kernel_size}")
        super().__init__(in_channels, out_channels, kernel_size, groups=groups, bias=bias)
        self.lat_mode = lat_mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sphere_conv2d(x, self.weight, self.bias, self.groups, self.lat_mode)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, lat_mode={self.lat_mode!r}"
