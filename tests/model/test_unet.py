"""FusionUNet: shapes, gradients, geometry (periodic longitude, no pole wrap), init, ablations."""

from __future__ import annotations

import pytest
import torch

from xaqf.errors import ConfigError
from xaqf.model import apply_change, build_model


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return build_model("tiny").eval()


def test_shapes_at_46x90(tiny):
    psi, delta = tiny(*tiny.example_inputs(46, 90, batch=2, seed=0))
    assert psi.shape == delta.shape == (2, 73, 46, 90)


@pytest.mark.slow
def test_shapes_at_451x900(tiny):
    with torch.no_grad():
        psi, delta = tiny(*tiny.example_inputs(451, 900, seed=0))
    assert psi.shape == delta.shape == (1, 73, 451, 900)
    assert torch.isfinite(psi).all() and torch.isfinite(delta).all()


def test_starts_as_forecast_equals_base(tiny):
    args = tiny.example_inputs(46, 90, batch=2, seed=1)
    psi, delta = tiny(*args)
    assert (psi - 1).abs().max() < 0.02 and delta.abs().max() < 0.02
    base = args[1]
    assert (apply_change(psi, delta, base) - base).abs().max() < 0.1


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    net = build_model("tiny")
    args = net.example_inputs(46, 90, batch=2, seed=2)
    psi, delta = net(*args)
    loss = (apply_change(psi, delta, args[1]) - torch.randn_like(psi)).abs().mean()
    loss.backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or not p.grad.any()]
    assert not missing


@pytest.mark.parametrize(("height", "width", "shift"), [(46, 96, 16), (46, 96, 48), (130, 160, 32)])
def test_rolling_longitude_rolls_the_output(tiny, height, width, shift):
    args = tiny.example_inputs(height, width, seed=3)
    rolled = [torch.roll(a, shift, -1) if a.ndim == 4 else a for a in args]
    with torch.no_grad():
        psi, delta = tiny(*args)
        psi_r, delta_r = tiny(*rolled)
    assert torch.allclose(psi_r, torch.roll(psi, shift, -1), atol=1e-5)
    assert torch.allclose(delta_r, torch.roll(delta, shift, -1), atol=1e-5)


def test_east_edge_sees_west_edge(tiny):
    args = [a.clone().requires_grad_(a.ndim == 4) for a in tiny.example_inputs(46, 96, seed=4)]
    psi, _ = tiny(*args)
    psi[0, :, 23, 95].sum().backward()
    assert args[1].grad[0, :, 23, :3].abs().sum() > 0


def test_latitude_does_not_wrap(tiny):
    """Perturb the North Pole row: only a band near the top may change, never the south."""
    height = 400
    args = tiny.example_inputs(height, 32, seed=5)
    perturbed = [a.clone() for a in args]
    perturbed[1][..., 0, :] += 10.0
    with torch.no_grad():
        changed = (tiny(*perturbed)[1] - tiny(*args)[1]).abs().amax(dim=(0, 1, 3)) > 0
    rows = changed.nonzero().flatten()
    assert rows.min() == 0
    assert rows.max() < height // 2  # with a pole-to-pole wrap, the last rows would change
    assert torch.equal(rows, torch.arange(int(rows.max()) + 1))


@pytest.mark.parametrize("fusion", ["concat", "none"])
def test_ablations_run(fusion):
    torch.manual_seed(0)
    net = build_model("tiny", fusion=fusion).eval()
    args = net.example_inputs(46, 90, seed=6)
    with torch.no_grad():
        psi, _ = net(*args)
        other_met = list(args)
        other_met[2] = torch.randn_like(args[2])
        psi_other, _ = net(*other_met)
    assert psi.shape == (1, 73, 46, 90)
    assert torch.equal(psi, psi_other) == (fusion == "none")


def test_bilinear_variants_run():
    net = build_model("tiny", fusion_tanh=True, fusion_kernel=1)
    psi, _ = net(*net.example_inputs(20, 36, seed=0))
    assert psi.shape == (1, 73, 20, 36)


def test_channels_last_matches(tiny):
    args = tiny.example_inputs(46, 90, seed=7)
    with torch.no_grad():
        expected = tiny(*args)[1]
        net = build_model("tiny").eval()
        net.load_state_dict(tiny.state_dict())
        net = net.to(memory_format=torch.channels_last)
        cl_args = [a.to(memory_format=torch.channels_last) if a.ndim == 4 else a for a in args]
        got = net(*cl_args)[1]
    assert torch.allclose(got, expected, atol=1e-5)


def test_bf16_autocast_forward_and_backward():
    torch.manual_seed(0)
    net = build_model("tiny")
    args = net.example_inputs(46, 90, seed=8)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        psi, delta = net(*args)
    assert psi.dtype == torch.bfloat16
    (psi.float().mean() + delta.float().square().mean()).backward()
    assert all(p.grad is not None for p in net.parameters())
    assert (psi.float() - 1).abs().max() < 0.05


def test_wrong_channels_name_the_input(tiny):
    args = list(tiny.example_inputs(8, 16, seed=0))
    args[2] = args[2][:, :69]
    with pytest.raises(ConfigError, match="q_now"):
        tiny(*args)
    args = list(tiny.example_inputs(8, 16, seed=0))
    args[5] = args[5][:, :2]
    with pytest.raises(ConfigError, match="time_features"):
        tiny(*args)


def test_example_inputs_follow_device_dtype_and_seed():
    net = build_model("tiny").double()
    a, b = net.example_inputs(4, 8, batch=3, seed=1), net.example_inputs(4, 8, batch=3, seed=1)
    assert all(x.dtype == torch.float64 for x in a)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    hours, days, steps = a[-1].T
    assert set(hours.tolist()) <= {0.0, 12.0} and days.min() >= 1 and days.max() <= 366
