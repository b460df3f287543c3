"""The physical <-> network encoding: blocks, round trips, masks and missing statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from tests.helpers import cams_and_met
from xaqf.errors import ConfigError, MissingVariableError
from xaqf.preprocessing import encoding as encoding_module
from xaqf.preprocessing.channels import to_channels
from xaqf.preprocessing.encoding import Encoding, TransformSettings
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.variables import MET_CHANNELS, POLLUTANT_CHANNELS

TIMES = pd.date_range("2022-06-01", periods=3, freq="12h")


@pytest.fixture(scope="module")
def data() -> tuple[xr.Dataset, xr.Dataset]:
    return cams_and_met(TIMES, scale_pollutants=1e-9)


@pytest.fixture(scope="module")
def stats(data) -> xr.Dataset:
    return compute_model_stats(*data)


@pytest.mark.parametrize("transform", [TransformSettings(), None,
                                       TransformSettings(channels=("pm10", "pm2p5"))])
def test_encode_decode_in_blocks_match_whole_arrays(data, stats, monkeypatch, transform):
    cams, _ = data
    enc = Encoding(stats, transform)
    x = torch.as_tensor(to_channels(cams, "pollutant").values[:3])
    encoded, decoded = enc.encode_pollutants(x), enc.decode_pollutants(x)
    monkeypatch.setattr(encoding_module, "_BLOCK_ELEMENTS", 1)  # one grid row per block
    torch.testing.assert_close(enc.encode_pollutants(x), encoded, rtol=0, atol=0)
    torch.testing.assert_close(enc.decode_pollutants(x), decoded, rtol=0, atol=0)
    torch.testing.assert_close(enc.decode_pollutants(encoded), x, rtol=1e-5, atol=0)
    out = torch.full(x.shape, -1.0)
    assert enc.decode_pollutants(x, out=out) is out
    torch.testing.assert_close(out, decoded, rtol=0, atol=0)
    for wrong in (x[:, :5], x[:, :5].contiguous(memory_format=torch.channels_last), x[0, 0]):
        with pytest.raises(ConfigError, match=r"expected \(\.\.\., 73, lat, lon\)"):
            enc.decode_pollutants(wrong)
    with pytest.raises(ConfigError, match="contiguous tensor of shape"):
        enc.decode_pollutants(x, out=torch.empty(*x.shape[:-2], x.shape[-1], x.shape[-2]).mT)


def test_only_the_chosen_channels_are_log_transformed(data, stats):
    cams, _ = data
    x = torch.as_tensor(to_channels(cams, "pollutant").values)
    some = Encoding(stats, TransformSettings(channels=("pm10", "pm2p5"))).encode_pollutants(x)
    everything = Encoding(stats).encode_pollutants(x)
    nothing = Encoding(stats, None).encode_pollutants(x)
    chosen = np.isin(POLLUTANT_CHANNELS, ["pm10", "pm2p5"])
    torch.testing.assert_close(some[:, chosen], everything[:, chosen], rtol=0, atol=0)
    torch.testing.assert_close(some[:, ~chosen], nothing[:, ~chosen], rtol=0, atol=0)
    assert not torch.equal(everything[:, chosen], nothing[:, chosen])


@pytest.mark.parametrize("block_elements", [1, 1 << 18])
@pytest.mark.parametrize("precise", [True, False])
def test_channels_last_states_decode_like_contiguous_ones(data, stats, monkeypatch,
                                                         block_elements, precise):
    """Precise: bit for bit. Rough (float32 arithmetic): torch's vectorised and scalar
    kernels, which run different elements in the two layouts, may differ in the last bit."""
    cams, _ = data
    enc = Encoding(stats)
    x = torch.as_tensor(to_channels(cams, "pollutant").values)
    y = enc.encode_pollutants(x)
    expected = enc.decode_to_host(y, precise=precise)
    monkeypatch.setattr(encoding_module, "_BLOCK_ELEMENTS", block_elements)
    last = y.contiguous(memory_format=torch.channels_last)
    assert encoding_module._pixel_major(last) and encoding_module._pixel_major(last[0])
    assert not encoding_module._pixel_major(y)
    calls = []
    monkeypatch.setattr(encoding_module, "_row_blocks", lambda *a: calls.append(a))
    np.testing.assert_allclose(enc.decode_to_host(last, precise=precise), expected,
                               rtol=0 if precise else 2.4e-7, atol=0)
    torch.testing.assert_close(
        enc.encode_pollutants(x.contiguous(memory_format=torch.channels_last)), y,
        rtol=0, atol=0)
    assert not calls  # the channels-last blocks did all of it


def test_decode_to_host_matches_decode_pollutants(data, stats):
    cams, _ = data
    enc = Encoding(stats)
    y = enc.encode_pollutants(torch.as_tensor(to_channels(cams, "pollutant").values))
    host = enc.decode_to_host(y)
    assert host.dtype == np.float32 and host.shape == tuple(y.shape)
    np.testing.assert_array_equal(host, enc.decode_pollutants(y).numpy())
    out = np.full(host.shape, -1.0, np.float32)
    assert enc.decode_to_host(y, out) is out
    np.testing.assert_array_equal(out, host)


def test_encode_met_standardises(data, stats):
    _, met = data
    enc = Encoding(stats)
    x = torch.as_tensor(to_channels(met, "met").values)
    z = enc.encode_met(x).numpy()
    np.testing.assert_allclose(z.mean(axis=(0, 2, 3)), 0, atol=1e-4)


def test_masks_follow_the_settings(stats):
    enc = Encoding(stats, TransformSettings(channels=("pm10", "pm2p5")), grey_line=["pm10"])
    assert enc.transform_mask.sum() == 2
    assert [c for c, m in zip(POLLUTANT_CHANNELS, enc.grey_mask, strict=True) if m] == ["pm10"]
    assert enc.grey_line == frozenset({"pm10"})
    assert not Encoding(stats, None).transform_mask.any()
    assert list(enc.stats["channel"].values) == list(POLLUTANT_CHANNELS + MET_CHANNELS)
    assert "2/73 pollutants" in repr(enc)


def test_missing_channels_are_named(stats):
    with pytest.raises(MissingVariableError, match="lack 70 channels"):
        Encoding(stats.sel(channel=list(POLLUTANT_CHANNELS)))


def test_rough_decode_is_close_to_the_precise_one(data, stats):
    cams, _ = data
    enc = Encoding(stats)
    y = enc.encode_pollutants(torch.as_tensor(to_channels(cams, "pollutant").values))
    precise = enc.decode_to_host(y)
    rough = enc.decode_to_host(y, precise=False)
    # float32 exp/log may differ by an ulp between vector lanes and block tails
    np.testing.assert_allclose(rough, enc.decode_pollutants(y, precise=False).numpy(),
                               rtol=1e-6, atol=0)
    np.testing.assert_allclose(rough, precise, rtol=2e-6, atol=0)
    assert not np.array_equal(rough, precise)
