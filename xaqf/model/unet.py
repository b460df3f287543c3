r"""The fusion U-Net: fusion, 4-level U-Net with Conv2Former hidden layers, psi/delta heads.

Data flow of :class:`FusionUNet` (``C`` pollutant, ``D`` met, ``S`` static channels):

1. ``p = [P(t-1), P(t), statics]`` (2C + S channels: the statics go with the
   pollutants) and ``q = [Q(t), Q(t+1)]``
   (2D channels) are padded to multiples of ``2 ** levels`` with the global geometry
   (:mod:`xaqf.model.geometry`);
2. the fusion (:mod:`xaqf.model.fusion`) maps them to ``widths[0]`` channels;
3. encoder: at each level a per-channel time bias, residual blocks, a 2 x 2 stride-2 conv;
   bottleneck: time bias and Conv2Former blocks; decoder: 2 x 2 stride-2 transposed conv,
   concatenation with the skip, 1 x 1 merge, time bias, residual blocks;
4. heads: layer norm and a 1 x 1 conv to ``2C`` channels, cropped back to the input grid and
   split into ``psi`` and ``delta``. The head weights start tiny (``head_init_std``) and the
   biases at 1 (psi) and 0 (delta), so at initialisation psi ~ 1 and delta ~ 0 and the
   prediction :func:`apply_change` ``psi * B + delta`` is the base ``B``.

Examples
--------
>>> import torch
>>> net = build_model("tiny")
>>> psi, delta = net(*net.example_inputs(46, 90, seed=0))
>>> tuple(psi.shape), tuple(delta.shape)
((1, 73, 46, 90), (1, 73, 46, 90))
"""

from __future__ import annotations

import contextlib
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from xaqf.errors import ConfigError
from xaqf.model.config import ModelConfig, get_config
from xaqf.model.conv2former import Conv2FormerBlock, LayerNorm2d
from xaqf.model.embedding import TimeEmbedding
from xaqf.model.fusion import BilinearFusion, ConcatFusion, NoMetFusion
from xaqf.model.geometry import LatPadding, SphereConv2d, crop, pad_to_multiple


def apply_change(psi: torch.Tensor, delta: torch.Tensor, base: torch.Tensor) -> torch.Tensor:
    """The prediction ``psi * base + delta`` (Eq. 2): scaling and change applied to the base.

    Examples
    --------
    >>> apply_change(torch.tensor([2.0]), torch.tensor([0.5]), torch.tensor([3.0]))
    tensor([6.5000])
    """
    return psi * base + delta


class ResConvBlock(nn.Module):
    """Residual block ``x + conv3(GELU(conv3(LN(x))))`` with geometry-aware 3 x 3 convs."""

    def __init__(self, channels: int, lat_mode: LatPadding = "pole") -> None:
        super().__init__()
        self.norm = LayerNorm2d(channels, eps=1e-6)
        self.conv1 = SphereConv2d(channels, channels, 3, lat_mode=lat_mode)
        self.conv2 = SphereConv2d(channels, channels, 3, lat_mode=lat_mode)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.gelu(self.conv1(self.norm(x))))


def _stage(cfg: ModelConfig, width: int, depth: int, former: bool) -> nn.Sequential:
    if former:
        return nn.Sequential(*(
            Conv2FormerBlock(width, cfg.former_kernel, cfg.mlp_ratio, cfg.layer_scale_init,
                             cfg.lat_padding)
            for _ in range(depth)
        ))
    return nn.Sequential(*(ResConvBlock(width, cfg.lat_padding) for _ in range(depth)))


def _fusion(cfg: ModelConfig) -> nn.Module:
    p_channels = 2 * cfg.pollutant_channels + cfg.static_channels
    q_channels = 2 * cfg.met_channels
    kwargs: dict[str, Any] = {"lat_mode": cfg.lat_padding}
    if cfg.fusion == "bilinear":
        cls: type[nn.Module] = BilinearFusion
        kwargs["tanh"] = cfg.fusion_tanh
    else:
        cls = ConcatFusion if cfg.fusion == "concat" else NoMetFusion
    return cls(p_channels, q_channels, cfg.fusion_hidden, cfg.widths[0], cfg.fusion_kernel,
               **kwargs)


class FusionUNet(nn.Module):
    """Predicts the change ``(psi, delta)`` of every pollutant channel over one step.

    Parameters
    ----------
    config
        The :class:`~xaqf.model.ModelConfig` (kept as ``net.config``).

    Examples
    --------
    >>> net = FusionUNet(get_config("tiny"))
    >>> net.config.name
    'tiny'
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        cfg, widths = config, config.widths
        levels = len(cfg.depths)
        self.fusion = _fusion(cfg)
        self.time_embedding = TimeEmbedding(cfg.time_dim, cfg.step_wavelengths)
        self.encoder_time = nn.ModuleList(nn.Linear(cfg.time_dim, w) for w in widths[:-1])
        self.encoders = nn.ModuleList(
            _stage(cfg, widths[i], cfg.depths[i], i in cfg.former_levels) for i in range(levels)
        )
        self.downs = nn.ModuleList(
            nn.Conv2d(widths[i], widths[i + 1], 2, stride=2) for i in range(levels)
        )
        self.bottleneck_time = nn.Linear(cfg.time_dim, widths[-1])
        self.bottleneck = _stage(cfg, widths[-1], cfg.bottleneck_depth, former=True)
        self.ups = nn.ModuleList(
            nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2) for i in range(levels)
        )
        self.merges = nn.ModuleList(nn.Conv2d(2 * w, w, 1) for w in widths[:-1])
        self.decoder_time = nn.ModuleList(nn.Linear(cfg.time_dim, w) for w in widths[:-1])
        self.decoders = nn.ModuleList(
            _stage(cfg, widths[i], cfg.depths[i], i in cfg.former_levels) for i in range(levels)
        )
        self.head_norm = LayerNorm2d(widths[0], eps=1e-6)
        self.head = nn.Conv2d(widths[0], 2 * cfg.pollutant_channels, 1)
        self._init_head()

    def _init_head(self) -> None:
        channels = self.config.pollutant_channels
        with torch.no_grad():
            nn.init.normal_(self.head.weight, std=self.config.head_init_std)
            bias = cast(torch.Tensor, self.head.bias)
            bias[:channels] = 1.0
            bias[channels:] = 0.0

    def forward(self, p_prev: torch.Tensor, p_now: torch.Tensor, q_now: torch.Tensor,
                q_next: torch.Tensor, statics: torch.Tensor, time_features: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Predict ``(psi, delta)``, each (B, C, H, W), from normalised inputs.

        Parameters
        ----------
        p_prev, p_now
            Pollutants at ``t - 1`` and ``t``, (B, C, H, W).
        q_now, q_next
            Meteorology at ``t`` and ``t + 1``, (B, D, H, W); ignored with ``fusion="none"``.
        statics
            Static fields, (B, S, H, W).
        time_features
            (B, 3): hour of day, day of year, rollout step.
        """
        self._check_inputs(p_prev, p_now, q_now, q_next, statics, time_features)
        cfg = self.config
        p, pads = pad_to_multiple(torch.cat([p_prev, p_now, statics], 1), cfg.multiple,
                                  cfg.lat_padding)
        q = None
        if cfg.fusion != "none":
            q = pad_to_multiple(torch.cat([q_now, q_next], 1), cfg.multiple, cfg.lat_padding)[0]
        time = F.gelu(self.time_embedding(time_features))
        x = self.fusion(p, q)
        skips = []
        for to_bias, stage, down in zip(self.encoder_time, self.encoders, self.downs, strict=True):
            x = stage(x + to_bias(time)[:, :, None, None])
            skips.append(x)
            x = down(x)
        x = self.bottleneck(x + self.bottleneck_time(time)[:, :, None, None])
        for i in reversed(range(len(skips))):
            x = self.merges[i](torch.cat([self.ups[i](x), skips[i]], 1))
            x = self.decoders[i](x + self.decoder_time[i](time)[:, :, None, None])
        out = crop(self.head(self.head_norm(x)), pads)
        psi, delta = out.split(cfg.pollutant_channels, dim=1)
        return psi, delta

    def _check_inputs(self, *args: torch.Tensor) -> None:
        cfg = self.config
        names = ("p_prev", "p_now", "q_now", "q_next", "statics")
        expected = (cfg.pollutant_channels, cfg.pollutant_channels, cfg.met_channels,
                    cfg.met_channels, cfg.static_channels)
        size = tuple(args[0].shape[-2:])
        for name, tensor, channels in zip(names, args[:5], expected, strict=True):
            if tensor.ndim != 4 or tensor.shape[1] != channels or tuple(tensor.shape[-2:]) != size:
                raise ConfigError(
                    f"{name} has shape {tuple(tensor.shape)}; model {cfg.name!r} expects "
                    f"(batch, {channels}, {size[0]}, {size[1]}): check the channel lists "
                    "and grids given to the model match its config"
                )
        time_features = args[-1]
        if time_features.ndim != 2 or time_features.shape[1] != 3:
            raise ConfigError(
                f"time_features has shape {tuple(time_features.shape)}; expected (batch, 3) = "
                "[hour_of_day, day_of_year, rollout_step]"
            )

    def example_inputs(self, height: int, width: int, batch: int = 1,
                       seed: int | None = None) -> tuple[torch.Tensor, ...]:
        """Random inputs for ``net(*args)`` on the net's device and dtype.

        Parameters
        ----------
        height, width
            Grid size.
        batch
            Batch size.
        seed
            Seed of a private generator (``None``: torch's global RNG).

        Examples
        --------
        >>> net = build_model("tiny")
        >>> [tuple(a.shape) for a in net.example_inputs(4, 8)][-2:]
        [(1, 6, 4, 8), (1, 3)]
        """
        param = next(self.parameters())
        cfg = self.config
        gen = None if seed is None else torch.Generator().manual_seed(seed)
        channels = (cfg.pollutant_channels, cfg.pollutant_channels, cfg.met_channels,
                    cfg.met_channels, cfg.static_channels)
        fields = [torch.randn(batch, c, height, width, generator=gen) for c in channels]
        hour = 12.0 * torch.randint(0, 2, (batch,), generator=gen)
        day = torch.randint(1, 367, (batch,), generator=gen).float()
        time_features = torch.stack([hour, day, torch.zeros(batch)], dim=1)
        args = (*fields, time_features)
        return tuple(a.to(device=param.device, dtype=param.dtype) for a in args)


def build_model(config: str | ModelConfig | dict[str, Any],
                device: torch.device | str | None = None, **overrides: Any) -> FusionUNet:
    """Build a :class:`FusionUNet` from a config name, a :class:`ModelConfig` or a dict.

    Parameters
    ----------
    config
        ``"paper"``, ``"small"``, ``"tiny"``, a :class:`ModelConfig` or its ``to_dict()``.
    device
        Where to create the parameters (``"meta"`` builds without memory, e.g. to count).
    **overrides
        Config fields to change, e.g. ``fusion="concat"`` for the ablation.

    Examples
    --------
    >>> net = build_model("tiny", fusion="none")
    >>> net.config.fusion, type(net.fusion).__name__
    ('none', 'NoMetFusion')
    """
    if isinstance(config, str):
        config = get_config(config)
    elif isinstance(config, dict):
        config = ModelConfig.from_dict(config)
    elif not isinstance(config, ModelConfig):
        raise ConfigError(
            f"build_model needs a config name, ModelConfig or dict, got {type(config).__name__}"
        )
    if overrides:
        config = config.replace(**overrides)
    with torch.device(device) if device is not None else contextlib.nullcontext():
        return FusionUNet(config)
