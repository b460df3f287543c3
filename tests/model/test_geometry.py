"""Global geometry: circular longitude, pole-crossing latitude, pad/crop, strip convolution."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from xaqf.errors import ConfigError
from xaqf.model.geometry import (
    SphereConv2d,
    crop,
    pad_sphere,
    pad_to_multiple,
    padding_to_multiple,
    sphere_conv2d,
)


def test_pole_halo_is_the_row_below_the_pole_half_a_turn_away():
    x = torch.randn(1, 2, 7, 10)
    padded = pad_sphere(x, 2, 2, 0, 0)
    assert torch.equal(padded[..., 1, :], torch.roll(x[..., 1, :], 5, -1))
    assert torch.equal(padded[..., 0, :], torch.roll(x[..., 2, :], 5, -1))
    assert torch.equal(padded[..., -2, :], torch.roll(x[..., -2, :], 5, -1))
    assert torch.equal(padded[..., 2:-2, :], x)


def test_latitude_halo_never_takes_the_other_pole():
    x = torch.zeros(1, 1, 9, 8)
    x[..., -1, :] = 1.0  # south pole row
    for mode in ("pole", "reflect", "replicate", "zeros"):
        assert pad_sphere(x, 3, 0, 0, 0, mode)[..., :3, :].abs().sum() == 0, mode


def test_longitude_halo_is_circular():
    x = torch.arange(10.0).reshape(1, 1, 1, 10)
    padded = pad_sphere(x, 0, 0, 3, 2)
    assert padded[0, 0, 0].tolist() == [7, 8, 9, *range(10), 0, 1]


def test_pads_larger_than_the_grid_bounce():
    x = torch.randn(1, 1, 3, 4)
    padded = pad_sphere(x, 5, 5, 6, 6, "reflect")
    assert padded.shape[-2:] == (13, 16)
    assert torch.equal(padded[..., :, 6:10][..., 5:8, :], x)


def test_unknown_lat_mode_is_a_config_error():
    with pytest.raises(ConfigError, match="lat_mode"):
        pad_sphere(torch.zeros(1, 1, 2, 2), 1, 1, 1, 1, "wrap")


@pytest.mark.parametrize(("height", "width"), [(46, 90), (451, 900), (48, 96)])
def test_pad_to_multiple_and_crop_round_trip(height, width):
    x = torch.randn(1, 1, height, width)
    padded, pads = pad_to_multiple(x, 16)
    assert padded.shape[-2] % 16 == 0 and padded.shape[-1] % 16 == 0
    assert padded.shape[-2] - height < 16 and padded.shape[-1] - width < 16
    assert torch.equal(crop(padded, pads), x)
    assert padding_to_multiple(height, width, 16) == pads


@pytest.mark.parametrize("mode", ["pole", "reflect", "replicate", "zeros"])
@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize(("height", "width", "kernel"), [(130, 140, 3), (131, 200, 11), (9, 12, 3)])
def test_sphere_conv_equals_conv_of_padded_input(mode, channels_last, height, width, kernel):
    torch.manual_seed(0)
    x = torch.randn(2, 4, height, width)
    if channels_last:
        x = x.to(memory_format=torch.channels_last)
    w = torch.randn(4, 1, kernel, kernel)
    h = kernel // 2
    expected = F.conv2d(pad_sphere(x, h, h, h, h, mode), w, groups=4)
    assert torch.allclose(sphere_conv2d(x, w, groups=4, lat_mode=mode), expected, atol=1e-5)


def test_sphere_conv_module_wraps_in_longitude_only():
    conv = SphereConv2d(1, 1, 3, bias=False)
    with torch.no_grad():
        conv.weight.fill_(1.0)
    x = torch.zeros(1, 1, 8, 8, requires_grad=True)
    conv(x)[0, 0, 4, 0].backward()
    cols = x.grad[0, 0].abs().sum(0).nonzero().flatten().tolist()
    assert cols == [0, 1, 7]


def test_even_kernel_is_refused():
    with pytest.raises(ConfigError, match="odd"):
        SphereConv2d(1, 1, 2)
