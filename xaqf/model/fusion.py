r"""Fusion of pollutant and meteorological features into the U-Net's input.

:class:`BilinearFusion` is low-rank bilinear pooling over a neighbourhood (Eq. 3-4 of the
paper). With ``k = kernel_size`` and the pollutant/met stacks ``p`` and ``q``:

.. math::

    h_{ij} = (W_p \star p)_{ij} \circ (W_q \star q)_{ij}, \qquad
    x = W_x \star^{\top} h,

where :math:`\star` is a ``k x k`` convolution (``vec`` of the ``k x k`` patch followed by a
linear map) and :math:`\star^{\top}` the ``k x k`` transposed convolution: every pixel's
hidden vector is mapped to a ``k x k`` patch of outputs, and overlapping patches are summed
(the ``unvec`` of Eq. 4). ``k = 1`` is the per-pixel form (Eq. 3); ``k = 3`` gives each output
pixel a 5 x 5 receptive field. Padding follows the global geometry
(:mod:`xaqf.model.geometry`): patches that leave the grid in longitude wrap around.

:class:`ConcatFusion` (ablation: channels concatenated, no product) and :class:`NoMetFusion`
(ablation: pollutants only) have the same conv / transposed-conv shape without the product.

Examples
--------
>>> import torch
>>> fuse = BilinearFusion(4, 3, hidden=8, out_channels=5)
>>> p, q = torch.randn(2, 4, 6, 12), torch.randn(2, 3, 6, 12)
>>> tuple(fuse(p, q).shape)
(2, 5, 6, 12)
"""

from __future__ import annotations

import torch
from torch import nn

from xaqf.errors import ConfigError
from xaqf.model.geometry import LatPadding, SphereConv2d, sphere_conv2d

GEOMETRIES: tuple[str, ...] = ("sphere", "zeros")


class _Unvec(nn.ConvTranspose2d):
    """Stride-1 ``k x k`` transposed convolution (overlap-add), output size == input size.

    With the sphere geometry, contributions that leave the grid in longitude wrap around:
    this equals a ``"same"`` convolution with the flipped, transposed kernel and
    :func:`~xaqf.model.geometry.pad_sphere` padding, which is how it is computed.
    """

    def __init__(self, hidden: int, out_channels: int, kernel_size: int, bias: bool,
                 geometry: str, lat_mode: LatPadding) -> None:
        super().__init__(hidden, out_channels, kernel_size, padding=kernel_size // 2,
                         bias=bias)
        self.sphere = geometry == "sphere"
        self.lat_mode = lat_mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        if not self.sphere:
            return super().forward(x)
        kernel = self.weight.transpose(0, 1).flip(-2, -1)
        return sphere_conv2d(x, kernel, self.bias, lat_mode=self.lat_mode)


def _projection(in_channels: int, out_channels: int, kernel_size: int, bias: bool,
                geometry: str, lat_mode: LatPadding) -> nn.Conv2d:
    if geometry == "sphere":
        return SphereConv2d(in_channels, out_channels, kernel_size, bias=bias,
                            lat_mode=lat_mode)
    return nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2,
                     bias=bias)


def _check(kernel_size: int, geometry: str) -> None:
    if kernel_size < 1 or kernel_size % 2 != 1:
        raise ConfigError(f"fusion kernel_size must be odd and >= 1, got {kernel_size}")
    if geometry not in GEOMETRIES:
        raise ConfigError(f"unknown fusion geometry {geometry!r}; choose one of {GEOMETRIES}")


class BilinearFusion(nn.Module):
    """Low-rank bilinear pooling of pollutant and met features over a ``k x k`` window.

    Parameters
    ----------
    p_channels, q_channels
        Channels of the pollutant-side input ``p`` and the met-side input ``q``.
    hidden
        Size ``H`` of the common space where the Hadamard product is taken.
    out_channels
        Channels ``G`` of the fused output.
    kernel_size
        Neighbourhood ``k`` (odd); 1 is exactly Eq. 3 of the paper, 3 is Eq. 4.
    bias
        Whether the three linear maps have biases (``False`` makes the module exactly
        bilinear in ``(p, q)``).
    tanh
        Apply ``tanh`` to both projections before the product (as in MLB); off by default,
        the paper's plain form.
    geometry
        ``"sphere"`` (default: circular longitude, see :mod:`xaqf.model.geometry`) or
        ``"zeros"`` (zero padding, a plain image).
    lat_mode
        Latitude padding mode for ``geometry="sphere"``.

    Examples
    --------
    >>> fuse = BilinearFusion(2, 2, hidden=4, out_channels=3, kernel_size=1, bias=False)
    >>> p, q = torch.ones(1, 2, 3, 4), torch.ones(1, 2, 3, 4)
    >>> bool(torch.allclose(fuse(2 * p, q), 2 * fuse(p, q)))
    True
    """

    def __init__(self, p_channels: int, q_channels: int, hidden: int, out_channels: int,
                 kernel_size: int = 3, bias: bool = True, *, tanh: bool = False,
                 geometry: str = "sphere", lat_mode: LatPadding = "pole") -> None:
        super().__init__()
        _check(kernel_size, geometry)
        self.tanh = tanh
        self.proj_p = _projection(p_channels, hidden, kernel_size, bias, geometry, lat_mode)
        self.proj_q = _projection(q_channels, hidden, kernel_size, bias, geometry, lat_mode)
        self.unvec = _Unvec(hidden, out_channels, kernel_size, bias, geometry, lat_mode)

    def forward(self, p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
        """Fuse ``p`` (B, p_channels, H, W) and ``q`` (B, q_channels, H, W) to (B, G, H, W)."""
        hp, hq = self.proj_p(p), self.proj_q(q)
        if self.tanh:
            hp, hq = torch.tanh(hp), torch.tanh(hq)
        return self.unvec(hp * hq)


class ConcatFusion(nn.Module):
    """Ablation: concatenate ``p`` and ``q`` on channels, then conv + transposed conv.

    Same shape of computation as :class:`BilinearFusion` (``k x k`` projection to
    ``hidden`` channels, ``k x k`` overlap-add to ``out_channels``) but with one projection
    of the concatenated stack and no Hadamard product.

    Examples
    --------
    >>> fuse = ConcatFusion(4, 3, hidden=8, out_channels=5)
    >>> tuple(fuse(torch.zeros(1, 4, 6, 8), torch.zeros(1, 3, 6, 8)).shape)
    (1, 5, 6, 8)
    """

    def __init__(self, p_channels: int, q_channels: int, hidden: int, out_channels: int,
                 kernel_size: int = 3, bias: bool = True, *, geometry: str = "sphere",
                 lat_mode: LatPadding = "pole") -> None:
        super().__init__()
        _check(kernel_size, geometry)
        self.proj = _projection(p_channels + q_channels, hidden, kernel_size, bias, geometry,
                                lat_mode)
        self.unvec = _Unvec(hidden, out_channels, kernel_size, bias, geometry, lat_mode)

    def forward(self, p: torch.Tensor, q: torch.Tensor | None) -> torch.Tensor:
        """Fuse ``p`` and ``q`` (ignored when ``None``) to (B, G, H, W)."""
        x = p if q is None else torch.cat([p, q], dim=1)
        return self.unvec(self.proj(x))


class NoMetFusion(ConcatFusion):
    """Ablation: pollutants (and statics) only; the met input is accepted and ignored.

    Examples
    --------
    >>> fuse = NoMetFusion(4, 3, hidden=8, out_channels=5)
    >>> p = torch.zeros(1, 4, 6, 8)
    >>> bool(torch.equal(fuse(p, torch.randn(1, 3, 6, 8)), fuse(p, None)))
    True
    """

    def __init__(self, p_channels: int, q_channels: int, hidden: int, out_channels: int,
                 kernel_size: int = 3, bias: bool = True, *, geometry: str = "sphere",
                 lat_mode: LatPadding = "pole") -> None:
        super().__init__(p_channels, 0, hidden, out_channels, kernel_size, bias,
                         geometry=geometry, lat_mode=lat_mode)

    def forward(self, p: torch.Tensor, q: torch.Tensor | None = None) -> torch.Tensor:
        """Map ``p`` to (B, G, H, W); ``q`` is not used."""
        return super().forward(p, None)
