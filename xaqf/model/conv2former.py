"""Conv2Former blocks: convolutional modulation and a depthwise-conv MLP, with layer scale.

One block maps ``x`` (B, C, H, W) to a tensor of the same shape::

    x = x + gamma_1 * W_o((DW_k(GELU(W_a LN(x)))) * W_v LN(x))     # convolutional modulation
    x = x + gamma_2 * W_2(h + GELU(DW_3(h))),  h = GELU(W_1 LN(x))  # MLP, ratio r

``LN`` normalises over channels at every pixel, ``W_*`` are 1 x 1 convolutions, ``DW_k`` is a
``k x k`` depthwise convolution (``k = 11`` by default) padded with the global geometry of
:mod:`xaqf.model.geometry`, and ``gamma`` are per-channel layer-scale vectors.

Examples
--------
>>> import torch
>>> block = Conv2FormerBlock(8)
>>> tuple(block(torch.randn(2, 8, 6, 12)).shape)
(2, 8, 6, 12)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from xaqf.model.geometry import LatPadding, SphereConv2d


class LayerNorm2d(nn.LayerNorm):
    """:class:`torch.nn.LayerNorm` over the channel dim of a (B, C, H, W) tensor.

    Examples
    --------
    >>> y = LayerNorm2d(3)(torch.randn(1, 3, 2, 2))
    >>> bool(y.mean(1).abs().max() < 1e-5)
    True
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias,
                         self.eps)
        return y.permute(0, 3, 1, 2)


class ConvModulation(nn.Module):
    """Convolutional modulation: a large-kernel depthwise "attention" gating a 1 x 1 value."""

    def __init__(self, channels: int, kernel_size: int = 11,
                 lat_mode: LatPadding = "pole") -> None:
        super().__init__()
        self.norm = LayerNorm2d(channels, eps=1e-6)
        self.attn_in = nn.Conv2d(channels, channels, 1)
        self.attn_dw = SphereConv2d(channels, channels, kernel_size, groups=channels,
                                    lat_mode=lat_mode)
        self.value = nn.Conv2d(channels, channels, 1)
        self.proj = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x)
        return self.proj(self.attn_dw(F.gelu(self.attn_in(x))) * self.value(x))


class ConvMLP(nn.Module):
    """1 x 1 expansion, GELU, residual 3 x 3 depthwise conv, 1 x 1 projection."""

    def __init__(self, channels: int, ratio: float = 4.0, lat_mode: LatPadding = "pole") -> None:
        super().__init__()
        inner = int(round(channels * ratio))
        self.norm = LayerNorm2d(channels, eps=1e-6)
        self.fc1 = nn.Conv2d(channels, inner, 1)
        self.pos = SphereConv2d(inner, inner, 3, groups=inner, lat_mode=lat_mode)
        self.fc2 = nn.Conv2d(inner, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.gelu(self.fc1(self.norm(x)))
        return self.fc2(h + F.gelu(self.pos(h)))


class Conv2FormerBlock(nn.Module):
    """One Conv2Former block (modulation + MLP, each residual with layer scale).

    Parameters
    ----------
    channels
        Channels in and out.
    kernel_size
        Depthwise kernel of the modulation (odd).
    mlp_ratio
        Expansion ratio of the MLP.
    layer_scale_init
        Initial value of the per-channel layer-scale vectors.
    lat_mode
        Latitude padding mode (:func:`xaqf.model.geometry.pad_sphere`).

    Examples
    --------
    >>> block = Conv2FormerBlock(4, kernel_size=5, layer_scale_init=0.0)
    >>> x = torch.randn(1, 4, 5, 6)
    >>> bool(torch.equal(block(x), x))
    True
    """

    def __init__(self, channels: int, kernel_size: int = 11, mlp_ratio: float = 4.0,
                 layer_scale_init: float = 1e-6, lat_mode: LatPadding = "pole") -> None:
        super().__init__()
        self.modulation = ConvModulation(channels, kernel_size, lat_mode)
        self.mlp = ConvMLP(channels, mlp_ratio, lat_mode)
        self.gamma_1 = nn.Parameter(torch.full((channels, 1, 1), float(layer_scale_init)))
        self.gamma_2 = nn.Parameter(torch.full((channels, 1, 1), float(layer_scale_init)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.gamma_1 * self.modulation(x)
        return x + self.gamma_2 * self.mlp(x)
