"""Model configuration as plain data: :class:`ModelConfig`, named configs, JSON round trip.

Examples
--------
>>> cfg = get_config("tiny")
>>> cfg.name, cfg.fusion, cfg.pollutant_channels
('tiny', 'bilinear', 73)
>>> ModelConfig.from_json(cfg.to_json()) == cfg
True
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from xaqf._utils.serialize import JsonConfig, check_keys, closest
from xaqf.errors import ConfigError
from xaqf.model.embedding import STEP_WAVELENGTHS
from xaqf.model.geometry import LatPadding

Fusion = Literal["bilinear", "concat", "none"]
"""The fusions of pollutants and meteorology (see :attr:`ModelConfig.fusion`)."""


@dataclass(frozen=True)
class ModelConfig(JsonConfig):
    """Every hyper-parameter of :class:`~xaqf.model.FusionUNet`.

    Parameters
    ----------
    name
        Label (``"paper"``, ``"small"``, ``"tiny"`` or anything).
    pollutant_channels, met_channels, static_channels
        ``C``, ``D`` and ``S`` of the inputs (73, 70 and 6 with the full catalogue and the
        statics orography, land-sea mask, sin/cos latitude, sin/cos longitude).
    fusion
        ``"bilinear"`` (Eq. 3-4), ``"concat"`` or ``"none"`` (pollutants only): the ablations.
    fusion_hidden
        Size ``H`` of the fusion's common space.
    fusion_kernel
        Neighbourhood of the fusion (odd; 1 = Eq. 3, 3 = Eq. 4).
    fusion_tanh
        ``tanh`` on the two bilinear projections (off: the paper's plain form).
    widths
        Channels at each U-Net level, full resolution first; ``len(widths) - 1`` down/up
        levels (4 in the paper), so grids are padded to multiples of ``2 ** (len - 1)``.
    depths
        Blocks at each encoder level except the last (the decoder mirrors them).
    bottleneck_depth
        Conv2Former blocks at the coarsest level, between encoder and decoder.
    former_levels
        Encoder/decoder levels (0 = full resolution) that use Conv2Former blocks instead of
        residual 3 x 3 conv blocks.
    former_kernel, mlp_ratio, layer_scale_init
        Conv2Former depthwise kernel, MLP ratio and initial layer scale.
    time_dim
        Size of the time embedding.
    step_wavelengths
        Wavelengths (steps) of the rollout-step Fourier features.
    lat_padding
        Latitude padding mode (:func:`xaqf.model.geometry.pad_sphere`).
    head_init_std
        Standard deviation of the head weights at initialisation (biases start at psi = 1,
        delta = 0, so the untrained net predicts the base).
    """

    name: str = "custom"
    pollutant_channels: int = 73
    met_channels: int = 70
    static_channels: int = 6
    fusion: Fusion = "bilinear"
    fusion_hidden: int = 64
    fusion_kernel: int = 3
    fusion_tanh: bool = False
    widths: tuple[int, ...] = (32, 48, 64, 96, 128)
    depths: tuple[int, ...] = (1, 1, 1, 1)
    bottleneck_depth: int = 2
    former_levels: tuple[int, ...] = ()
    former_kernel: int = 11
    mlp_ratio: float = 4.0
    layer_scale_init: float = 1e-6
    time_dim: int = 64
    step_wavelengths: tuple[float, ...] = STEP_WAVELENGTHS
    lat_padding: LatPadding = "pole"
    head_init_std: float = 1e-3

    def __post_init__(self) -> None:
        self.typed_fields()
        _validate(self)

    @property
    def multiple(self) -> int:
        """Grid sizes are padded to a multiple of this (``2 ** levels``)."""
        return 2 ** (len(self.widths) - 1)

    def replace(self, **changes: Any) -> ModelConfig:
        """A copy with ``changes`` applied (validated)."""
        check_keys(changes, [f.name for f in dataclasses.fields(self)], "ModelConfig.replace")
        return dataclasses.replace(self, **changes)


def _validate(cfg: ModelConfig) -> None:
    problems = []
    if len(cfg.widths) < 2 or len(cfg.depths) != len(cfg.widths) - 1:
        problems.append(f"need len(depths) == len(widths) - 1 >= 1, got widths={cfg.widths}, "
                        f"depths={cfg.depths}")
    if any(level not in range(len(cfg.depths)) for level in cfg.former_levels):
        problems.append(f"former_levels={cfg.former_levels} must be in 0..{len(cfg.depths) - 1}")
    if cfg.fusion_kernel % 2 != 1 or cfg.former_kernel % 2 != 1:
        problems.append("fusion_kernel and former_kernel must be odd")
    sizes = (cfg.pollutant_channels, cfg.fusion_hidden, cfg.time_dim, *cfg.widths)
    if min(sizes) < 1 or min(cfg.met_channels, cfg.static_channels) < 0:
        problems.append("channel counts and widths must be positive")
    if problems:
        raise ConfigError(f"invalid ModelConfig {cfg.name!r}: " + "; ".join(problems))


CONFIGS: dict[str, ModelConfig] = {
    "paper": ModelConfig(
        name="paper", fusion_hidden=256, widths=(96, 192, 384, 768, 1184),
        depths=(2, 2, 2, 2), bottleneck_depth=8, former_levels=(3,), time_dim=256,
    ),
    "small": ModelConfig(name="small"),
    "tiny": ModelConfig(
        name="tiny", fusion_hidden=8, widths=(8, 8, 16, 16, 16), depths=(1, 1, 1, 1),
        bottleneck_depth=1, former_kernel=5, time_dim=8,
    ),
}
"""Named configurations: ``paper`` (~178 M parameters), ``small`` (CPU demo), ``tiny`` (tests)."""


def get_config(name: str) -> ModelConfig:
    """The named configuration; unknown names raise :class:`~xaqf.errors.ConfigError`.

    Examples
    --------
    >>> get_config("small").widths
    (32, 48, 64, 96, 128)
    """
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(
            f"unknown model config {name!r}; {closest(name, CONFIGS)}choose one of "
            f"{sorted(CONFIGS)} or pass a ModelConfig / dict"
        ) from None
