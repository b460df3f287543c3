"""Adapting a trained network to another set of met channels by its met branch alone.

In the bilinear fusion the meteorology enters through one map only, the met projection
``W_q`` (``fusion.proj_q``): everything after the Hadamard product is shared with the
pollutants. Another weather model -- fewer channels, other variables -- therefore needs a new
``W_q`` and nothing else. :func:`with_met_channels` builds that network: a copy whose met
projection takes the new channels, keeping the trained weights of every channel the two sets
share (for both met times, ``t`` and ``t + 1``) and starting the new ones at zero, so that the
adapted network begins as the trained one deprived of the channels the new source lacks.
:func:`met_branch` names the parameters an adaptation trains; :func:`freeze_outside_met`
freezes the rest.

Examples
--------
>>> import torch
>>> from xaqf.model import build_model
>>> net = build_model("tiny", met_channels=3)
>>> adapted = with_met_channels(net, ["a", "b", "c"], ["c", "a"])
>>> adapted.config.met_channels, tuple(adapted.fusion.proj_q.weight.shape[:2])
(2, (8, 4))
>>> bool(torch.equal(adapted.fusion.proj_q.weight[:, 0], net.fusion.proj_q.weight[:, 2]))
True
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from typing import cast

import torch
from torch import nn

from xaqf.errors import ConfigError
from xaqf.model.fusion import BilinearFusion
from xaqf.model.unet import FusionUNet


def met_branch(net: FusionUNet) -> nn.Conv2d:
    """The module of ``net`` that only the meteorology feeds: the fusion's met projection.

    Raises
    ------
    ConfigError
        ``net`` does not fuse with the bilinear fusion (the concat and no-met ablations have
        no separate met branch).
    """
    if not isinstance(net.fusion, BilinearFusion):
        raise ConfigError(
            f"met adaptation needs the bilinear fusion, whose met projection is its own "
            f"branch; this network uses fusion={net.config.fusion!r}: train it on the new met "
            f"configuration instead")
    return net.fusion.proj_q


def _columns(old: Sequence[str], new: Sequence[str]) -> list[tuple[int, int]]:
    """(new index, old index) of each channel of ``new`` that ``old`` has, over both times."""
    where = {name: i for i, name in enumerate(old)}
    pairs = [(j, where[name]) for j, name in enumerate(new) if name in where]
    shift_old, shift_new = len(old), len(new)
    return pairs + [(j + shift_new, i + shift_old) for j, i in pairs]


def with_met_channels(net: FusionUNet, old: Sequence[str], new: Sequence[str]) -> FusionUNet:
    """A copy of ``net`` whose met projection takes the channels ``new`` instead of ``old``.

    Parameters
    ----------
    net
        A network with the bilinear fusion.
    old
        The met channels ``net`` was trained on, in its order.
    new
        The met channels of the new configuration, in the order they will be fed.

    Returns
    -------
    FusionUNet
        Every parameter outside the met projection equal to ``net``'s; in the met projection,
        the weights of shared channels copied and those of new channels zero.

    Raises
    ------
    ConfigError
        ``old`` does not match the network's met width, a list repeats a channel, or the two
        sets share no channel.
    """
    branch = met_branch(net)
    if len(old) != net.config.met_channels:
        raise ConfigError(f"the network takes {net.config.met_channels} met channels, but "
                          f"{len(old)} were named as its channels")
    for name, channels in (("old", old), ("new", new)):
        if len(set(channels)) != len(channels):
            raise ConfigError(f"the {name} met channels repeat a channel: {list(channels)}")
    pairs = _columns(old, new)
    if not pairs:
        raise ConfigError(f"the new met channels {list(new)[:5]}... share no channel with the "
                          f"network's; adapt from a model trained on related met")
    adapted = copy.deepcopy(net)
    adapted.config = dataclasses.replace(net.config, met_channels=len(new))
    projection = copy.deepcopy(branch)
    weight = torch.zeros(branch.weight.shape[0], 2 * len(new), *branch.weight.shape[2:],
                         dtype=branch.weight.dtype, device=branch.weight.device)
    index_new, index_old = (list(t) for t in zip(*pairs, strict=True))
    weight[:, index_new] = branch.weight.detach()[:, index_old]
    projection.weight = nn.Parameter(weight)
    projection.in_channels = 2 * len(new)
    cast(BilinearFusion, adapted.fusion).proj_q = projection
    return adapted


def freeze_outside_met(net: FusionUNet) -> list[nn.Parameter]:
    """Stop gradients to every parameter outside the met branch; return the branch's.

    Examples
    --------
    >>> from xaqf.model import build_model
    >>> net = build_model("tiny")
    >>> trained = freeze_outside_met(net)
    >>> sum(p.requires_grad for p in net.parameters()) == len(trained)
    True
    """
    branch = {id(p) for p in met_branch(net).parameters()}
    for parameter in net.parameters():
        parameter.requires_grad_(id(parameter) in branch)
    return [p for p in net.parameters() if id(p) in branch]
