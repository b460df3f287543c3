"""Streaming windows from a store: same values as WindowDataset, same batches with workers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.helpers import micro_config
from xaqf.errors import InvalidValueError, LayoutError
from xaqf.forecaster import Forecaster
from xaqf.store import open_store
from xaqf.training import WindowDataset, collate
from xaqf.training.loader import StoreWindows, WindowLoader, epoch_batches, fetch_plan
from xaqf.variables import MET_CHANNELS, POLLUTANT_CHANNELS


@pytest.fixture(scope="module")
def forecaster(toy_store) -> Forecaster:
    tree = open_store(toy_store)
    return Forecaster.from_config(micro_config(), tree["stats"].to_dataset(), seed=0)


def test_store_windows_equal_window_dataset_on_the_store_groups(toy_store, forecaster):
    tree = open_store(toy_store)
    period = ["2022-06-01T12", "2022-06-03T12"]
    cams = tree["cams"].to_dataset().sel(time=slice(*period))
    met = tree["met"].to_dataset().sel(time=slice(*period))
    plain = WindowDataset(forecaster, cams, met, rollout_steps=2)
    streamed = StoreWindows(forecaster, toy_store, period=period, rollout_steps=2)
    assert len(streamed) == len(plain) == 2
    for i in range(len(plain)):
        for name, value in plain[i].tensors.items():
            torch.testing.assert_close(streamed[i].tensors[name], value)


def test_two_workers_yield_the_batches_of_zero(toy_store, forecaster):
    windows = StoreWindows(forecaster, toy_store)
    batches = epoch_batches(len(windows), batch_size=2, seed=3, epoch=1, run_length=3)
    inline = list(WindowLoader(windows).batches(batches))
    loader = WindowLoader(windows, workers=2)
    workers = list(loader.batches(batches))
    assert loader.fallbacks == 0  # every state came through the shared slots
    assert len(inline) == len(workers) == len(batches)
    for a, b in zip(inline, workers, strict=True):
        assert (a.init_time == b.init_time).all()
        for name, value in a.tensors.items():
            assert torch.equal(b.tensors[name], value)


@pytest.mark.parametrize(("batch_size", "steps"), [(1, 1), (3, 2)])
def test_loader_batches_equal_collated_windows(toy_store, forecaster, batch_size, steps):
    windows = StoreWindows(forecaster, toy_store, rollout_steps=steps)
    batches = epoch_batches(len(windows), batch_size=batch_size, seed=1, epoch=0, run_length=2)
    for indices, batch in zip(batches, WindowLoader(windows).batches(batches), strict=True):
        expected = collate([windows[i] for i in indices])
        assert (batch.init_time == expected.init_time).all()
        for name, value in expected.tensors.items():
            assert torch.equal(batch.tensors[name], value), name


def test_a_batch_of_one_views_the_states_it_shares_with_its_neighbour(toy_store, forecaster):
    windows = StoreWindows(forecaster, toy_store)
    first, second = WindowLoader(windows).batches([[0], [1]])
    assert second.p_prev.data_ptr() == first.p_now.data_ptr()
    assert second.p_now.data_ptr() == first.target.data_ptr()


def test_a_non_finite_state_is_named_as_it_arrives(toy_store, forecaster):
    class Broken(StoreWindows):
        def read_raw(self, group: str, position: int) -> torch.Tensor:
            state = super().read_raw(group, position)
            if (group, position) == ("met", 3):
                state[5, 0, 0] = np.nan
            return state

    windows = Broken(forecaster, toy_store)
    with pytest.raises(InvalidValueError, match=r"met channel .* at 2022-06-02T12:00"):
        list(WindowLoader(windows).batches([[i] for i in range(len(windows))]))


def test_a_run_of_windows_reads_each_state_once(toy_store, forecaster):
    windows = StoreWindows(forecaster, toy_store)
    n = len(windows)
    plan = fetch_plan(windows, [[i] for i in range(n)])
    assert len(plan) == len(set(plan)) == (n + 2) + (n + 1)
    shuffled = fetch_plan(windows, [[i] for i in [0, 4, 2, 5, 1]])
    assert len(shuffled) > len(set(shuffled))  # far windows share nothing


def test_order_is_the_seed_rule_and_shards_tile_the_global_batch():
    one = epoch_batches(10, batch_size=4, seed=2, epoch=3)
    shards = [epoch_batches(10, batch_size=2, seed=2, epoch=3, world_size=2, rank=r)
              for r in range(2)]
    assert [a + b for a, b in zip(*shards, strict=True)] == one
    generator = torch.Generator().manual_seed(5)
    assert sum(epoch_batches(6, batch_size=6, seed=2, epoch=3), []) == \
        torch.randperm(6, generator=generator).tolist()


class _Delivered(StoreWindows):
    """States kept as read: the batches view the loader's own copies of them."""

    def encode_state(self, group: str, state: torch.Tensor) -> torch.Tensor:
        return state


def _assert_same_batches(got: list, expected: list) -> None:
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        assert (a.init_time == b.init_time).all()
        for name, value in b.tensors.items():
            assert torch.equal(a.tensors[name], value), name


def test_batches_kept_while_their_slots_are_reused_keep_their_values(toy_store, forecaster):
    windows = _Delivered(forecaster, toy_store)
    batches = epoch_batches(len(windows), batch_size=1, seed=0, epoch=0, run_length=2)
    loader = WindowLoader(windows, workers=2, prefetch=1)  # 3 slots for 12+ states
    kept = list(loader.batches(batches))
    _assert_same_batches(kept, list(WindowLoader(windows).batches(batches)))
    assert loader.fallbacks == 0


def test_an_epoch_left_unfinished_falls_back_and_the_next_stays_exact(toy_store, forecaster):
    windows = StoreWindows(forecaster, toy_store)
    batches = epoch_batches(len(windows), batch_size=1, seed=0, epoch=0, run_length=1)
    loader = WindowLoader(windows, workers=2)
    next(iter(loader.batches(batches)))
    _assert_same_batches(list(loader.batches(batches)),
                         list(WindowLoader(windows).batches(batches)))
    assert loader.fallbacks > 0


def test_read_raw_decodes_into_the_tensor_it_is_given(toy_store, forecaster):
    windows = StoreWindows(forecaster, toy_store)
    out = torch.full(windows.raw_shape("met"), -1.0)
    assert windows.read_raw("met", 2, out=out) is out
    assert torch.equal(out, windows.read_raw("met", 2))
    assert out.shape == (len(MET_CHANNELS), 7, 12)


@pytest.mark.parametrize("out", [torch.empty(len(MET_CHANNELS), 12, 7).transpose(1, 2),
                                 torch.empty(len(MET_CHANNELS), 7, 12, dtype=torch.float64),
                                 torch.empty(3, 7, 12)])
def test_read_raw_refuses_a_tensor_it_cannot_fill_in_place(toy_store, forecaster, out):
    with pytest.raises(LayoutError, match=r"read_raw\('met'\) needs a contiguous float32"):
        StoreWindows(forecaster, toy_store).read_raw("met", 0, out=out)


def test_a_model_of_subsets_streams_only_its_channels(toy_store):
    tree = open_store(toy_store)
    stats = tree["stats"].to_dataset()
    subset = Forecaster.from_config(micro_config(), stats, pollutants=["pm10", "go3_500"],
                                    met=["t2m", "t_850", "t_250", "u"], seed=0)
    streamed = StoreWindows(subset, toy_store, rollout_steps=2)
    whole = StoreWindows(Forecaster.from_config(micro_config(), stats, seed=0), toy_store,
                         rollout_steps=2)
    for group, channels, full in (("cams", subset.pollutant_channels, POLLUTANT_CHANNELS),
                                  ("met", subset.met_channels, MET_CHANNELS)):
        raw = streamed.read_raw(group, 3)
        assert raw.shape[0] == len(channels) and streamed.raw_shape(group)[0] == len(channels)
        rows = [full.index(c) for c in channels]
        torch.testing.assert_close(raw, whole.read_raw(group, 3)[rows], rtol=0, atol=0)
    batches = [[0, 1]]
    (batch,) = WindowLoader(streamed, workers=2).batches(batches)
    assert batch.p_now.shape[1] == 2 and batch.met.shape[2] == 3 + 13
    torch.testing.assert_close(batch.target, collate([streamed[0], streamed[1]]).target)
