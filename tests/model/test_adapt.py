"""Tests of xaqf.model.adapt: a new met projection, everything else untouched."""

from __future__ import annotations

import pytest
import torch

from xaqf.errors import ConfigError
from xaqf.model import build_model
from xaqf.model.adapt import freeze_outside_met, met_branch, with_met_channels

OLD = ["a", "b", "c"]


@pytest.fixture
def net():
    torch.manual_seed(0)
    return build_model("tiny", met_channels=len(OLD))


def test_dropping_a_channel_equals_zeroing_it(net):
    adapted = with_met_channels(net, OLD, ["a", "c"])
    p_prev, p_now, q_now, q_next, statics, time = net.example_inputs(8, 16, seed=1)
    keep = [0, 2]
    zeroed = [q.clone() for q in (q_now, q_next)]
    for q in zeroed:
        q[:, 1] = 0.0
    with torch.no_grad():
        expected = net(p_prev, p_now, *zeroed, statics, time)
        got = adapted(p_prev, p_now, q_now[:, keep], q_next[:, keep], statics, time)
    for e, g in zip(expected, got, strict=True):
        torch.testing.assert_close(g, e, rtol=1e-5, atol=1e-6)


def test_new_channels_start_at_zero_and_shared_ones_are_copied(net):
    adapted = with_met_channels(net, OLD, ["c", "new", "a"])
    old_w, new_w = net.fusion.proj_q.weight, adapted.fusion.proj_q.weight
    assert new_w.shape[1] == 6
    assert torch.equal(new_w[:, 0], old_w[:, 2]) and torch.equal(new_w[:, 3], old_w[:, 5])
    assert torch.equal(new_w[:, 2], old_w[:, 0]) and torch.equal(new_w[:, 5], old_w[:, 3])
    assert not new_w[:, [1, 4]].any()
    assert torch.equal(adapted.fusion.proj_q.bias, net.fusion.proj_q.bias)


def test_everything_outside_the_met_branch_is_equal_and_shared_nothing(net):
    adapted = with_met_channels(net, OLD, ["a"])
    before = dict(net.named_parameters())
    for name, parameter in adapted.named_parameters():
        if not name.startswith("fusion.proj_q"):
            assert torch.equal(parameter, before[name]) and parameter is not before[name]


def test_freeze_outside_met_trains_only_the_met_projection(net):
    trained = freeze_outside_met(net)
    assert {id(p) for p in trained} == {id(p) for p in met_branch(net).parameters()}
    frozen = [n for n, p in net.named_parameters() if not p.requires_grad]
    assert frozen and all(not n.startswith("fusion.proj_q") for n in frozen)


@pytest.mark.parametrize("fusion", ["concat", "none"])
def test_ablations_have_no_met_branch(fusion):
    with pytest.raises(ConfigError, match=f"fusion='{fusion}'"):
        met_branch(build_model("tiny", fusion=fusion))


@pytest.mark.parametrize(("old", "new", "match"), [
    (["a", "b"], ["a"], "takes 3 met channels"),
    (OLD, ["a", "a"], "repeat"),
    (OLD, ["x", "y"], "share no channel"),
])
def test_bad_channel_lists_are_refused(net, old, new, match):
    with pytest.raises(ConfigError, match=match):
        with_met_channels(net, old, new)
