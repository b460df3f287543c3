"""BilinearFusion against an explicit evaluation of Eq. 3-4; bilinearity; receptive field."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from xaqf.model import BilinearFusion, ConcatFusion, NoMetFusion
from xaqf.model.geometry import crop, pad_sphere


def _reference(fuse: BilinearFusion, p: torch.Tensor, q: torch.Tensor, sphere: bool):
    """Eq. 4 by hand: vec of 3x3 patches (unfold), linear maps (einsum), Hadamard, unvec (fold)."""
    height, width = p.shape[-2:]
    if sphere:
        p, q = pad_sphere(p, 1, 1, 1, 1), pad_sphere(q, 1, 1, 1, 1)
    pad = 0 if sphere else 1
    wp = fuse.proj_p.weight.flatten(1)  # (H, Cp * 9): W_p'^T
    wq = fuse.proj_q.weight.flatten(1)
    hp = torch.einsum("hk,bkl->bhl", wp, F.unfold(p, 3, padding=pad)) + fuse.proj_p.bias[:, None]
    hq = torch.einsum("hk,bkl->bhl", wq, F.unfold(q, 3, padding=pad)) + fuse.proj_q.bias[:, None]
    hidden = hp * hq  # (B, H, L), L = height * width
    if sphere:  # overlap-add on the periodic extension of the hidden field
        hidden = pad_sphere(hidden.unflatten(-1, (height, width)), 1, 1, 1, 1).flatten(-2)
    wx = fuse.unvec.weight.flatten(1).T  # (G * 9, H): W_x'^T
    patches = torch.einsum("kh,bhl->bkl", wx, hidden)
    if sphere:
        out = crop(F.fold(patches, (height + 2, width + 2), 3, padding=1), (1, 1, 1, 1))
    else:
        out = F.fold(patches, (height, width), 3, padding=1)
    return out + fuse.unvec.bias[:, None, None]


@pytest.mark.parametrize("geometry", ["zeros", "sphere"])
def test_bilinear_fusion_matches_unfold_einsum_fold(geometry):
    torch.manual_seed(0)
    fuse = BilinearFusion(5, 4, hidden=6, out_channels=3, geometry=geometry)
    p, q = torch.randn(2, 5, 7, 10), torch.randn(2, 4, 7, 10)
    expected = _reference(fuse, p, q, sphere=geometry == "sphere")
    assert torch.allclose(fuse(p, q), expected, atol=1e-5)


def test_kernel_size_one_is_eq3_per_pixel():
    torch.manual_seed(1)
    fuse = BilinearFusion(5, 4, hidden=6, out_channels=3, kernel_size=1)
    p, q = torch.randn(1, 5, 4, 6), torch.randn(1, 4, 4, 6)
    hp = torch.einsum("hc,bcij->bhij", fuse.proj_p.weight[:, :, 0, 0], p)
    hq = torch.einsum("hc,bcij->bhij", fuse.proj_q.weight[:, :, 0, 0], q)
    hp, hq = hp + fuse.proj_p.bias[:, None, None], hq + fuse.proj_q.bias[:, None, None]
    x = torch.einsum("hg,bhij->bgij", fuse.unvec.weight[:, :, 0, 0], hp * hq)
    assert torch.allclose(fuse(p, q), x + fuse.unvec.bias[:, None, None], atol=1e-5)


def test_bilinear_in_p_and_q_without_bias():
    torch.manual_seed(2)
    fuse = BilinearFusion(3, 2, hidden=4, out_channels=2, bias=False)
    p1, p2 = torch.randn(2, 1, 3, 6, 8)
    q1, q2 = torch.randn(2, 1, 2, 6, 8)
    a, b = 1.7, -0.6
    assert torch.allclose(fuse(a * p1 + b * p2, q1), a * fuse(p1, q1) + b * fuse(p2, q1),
                          atol=1e-5)
    assert torch.allclose(fuse(p1, a * q1 + b * q2), a * fuse(p1, q1) + b * fuse(p1, q2),
                          atol=1e-5)
    assert not torch.allclose(fuse(2 * p1, 2 * q1), 2 * fuse(p1, q1), atol=1e-3)


@pytest.mark.parametrize("source", ["p", "q"])
def test_receptive_field_is_5x5(source):
    torch.manual_seed(3)
    fuse = BilinearFusion(2, 2, hidden=4, out_channels=1)
    p = torch.randn(1, 2, 12, 14, requires_grad=True)
    q = torch.randn(1, 2, 12, 14, requires_grad=True)
    fuse(p, q)[0, 0, 6, 7].backward()
    grad = (p if source == "p" else q).grad[0].abs().sum(0)
    rows, cols = (grad > 0).nonzero().T
    assert (grad > 0).sum() == 25
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (4, 8, 5, 9)


def test_tanh_switch_changes_the_output():
    torch.manual_seed(4)
    plain = BilinearFusion(2, 2, hidden=4, out_channels=1)
    squashed = BilinearFusion(2, 2, hidden=4, out_channels=1, tanh=True)
    squashed.load_state_dict(plain.state_dict())
    p, q = 3 * torch.randn(1, 2, 5, 6), 3 * torch.randn(1, 2, 5, 6)
    assert not torch.allclose(plain(p, q), squashed(p, q))


def test_concat_is_linear_and_nomet_ignores_met():
    torch.manual_seed(5)
    concat = ConcatFusion(3, 2, hidden=4, out_channels=2, bias=False)
    p, q = torch.randn(1, 3, 6, 8), torch.randn(1, 2, 6, 8)
    assert torch.allclose(concat(2 * p, 2 * q), 2 * concat(p, q), atol=1e-5)
    nomet = NoMetFusion(3, 2, hidden=4, out_channels=2)
    assert torch.equal(nomet(p, q), nomet(p, torch.randn_like(q)))
    assert nomet.proj.in_channels == 3
