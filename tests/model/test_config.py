"""ModelConfig, named configs, build_model and summary."""

from __future__ import annotations

import json

import pytest
import torch

from xaqf.errors import ConfigError
from xaqf.model import CONFIGS, ModelConfig, build_model, summary


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_json_round_trip(name):
    cfg = CONFIGS[name]
    assert ModelConfig.from_json(cfg.to_json()) == cfg
    assert ModelConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    assert isinstance(ModelConfig.from_json(cfg.to_json()).widths, tuple)


def test_unknown_name_lists_the_names():
    with pytest.raises(ConfigError, match="paper.*small.*tiny"):
        build_model("huge")
    with pytest.raises(ConfigError, match="'tniy'; did you mean 'tiny'"):
        build_model("tniy")


def test_unknown_keys_are_named_with_the_closest_known_key():
    with pytest.raises(ConfigError, match=r"unknown key 'width' in the ModelConfig; did you "
                                          r"mean 'widths'\?"):
        ModelConfig.from_dict({"width": [8, 16]})
    with pytest.raises(ConfigError, match=r"'depht' in ModelConfig.replace; did you mean "
                                          r"'depths'\?"):
        ModelConfig().replace(depht=(1,))
    with pytest.raises(ConfigError, match=r"widths\[1\] must be int, got str"):
        ModelConfig.from_dict({"widths": [8, "16"]})


def test_unknown_keys_and_bad_values_are_config_errors():
    with pytest.raises(ConfigError, match="colour"):
        ModelConfig.from_dict({"colour": "red"})
    with pytest.raises(ConfigError, match="fusion"):
        ModelConfig(fusion="attention")
    with pytest.raises(ConfigError, match="depths"):
        ModelConfig(widths=(8, 16), depths=(1, 1))
    with pytest.raises(ConfigError, match="former_levels"):
        ModelConfig(former_levels=(7,))
    with pytest.raises(ConfigError, match="ModelConfig"):
        build_model(3)


def test_build_from_dict_and_overrides():
    net = build_model(CONFIGS["tiny"].to_dict() | {"static_channels": 2})
    assert net.config.static_channels == 2
    assert build_model("tiny", fusion="concat").config.fusion == "concat"
    assert CONFIGS["tiny"].fusion == "bilinear"


def test_paper_has_178m_parameters_within_5_percent():
    net = build_model("paper", device="meta")
    count = sum(p.numel() for p in net.parameters())
    assert abs(count / 178e6 - 1) < 0.05
    assert net.config.widths[0] < net.config.widths[-1]
    assert (net.config.pollutant_channels, net.config.met_channels) == (73, 70)


def test_small_and_tiny_sizes():
    small = summary("small", 46, 90)
    tiny = summary("tiny", 46, 90)
    assert 1e6 < small.parameters < 3e6
    assert 1e4 < tiny.parameters < 1e5


def test_summary_flops_scale_with_the_padded_area():
    base = summary("tiny", 46, 90)  # padded to 48 x 96
    double = summary("tiny", 92, 180)  # padded to 96 x 192
    assert double.flops == pytest.approx(4 * base.flops, rel=0.01)
    assert summary("tiny", 46, 90, batch=3).flops == pytest.approx(3 * base.flops, rel=1e-6)
    assert sum(base.parts.values()) == base.parameters
    assert "M parameters" in str(base) and "fusion" in str(base)


def test_summary_of_a_built_net_counts_its_parameters():
    net = build_model("tiny", fusion="none")
    s = summary(net, 10, 20)
    assert s.parameters == sum(p.numel() for p in net.parameters())
    assert s.to_dict()["name"] == "tiny"
    assert torch.device("cpu") == next(net.parameters()).device
