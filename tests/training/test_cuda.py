"""Loading training windows onto a GPU: pinned, through the shared slots, same batches.

Skipped where no GPU is present; the next session with one just runs this module.
"""

from __future__ import annotations

import pytest
import torch

from tests.helpers import micro_config
from xaqf.forecaster import Forecaster
from xaqf.store import open_store
from xaqf.training.loader import StoreWindows, WindowLoader, epoch_batches

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")


def test_pinned_workers_deliver_the_cpu_batches_on_the_gpu(toy_store):
    stats = open_store(toy_store)["stats"].to_dataset()
    windows = StoreWindows(Forecaster.from_config(micro_config(), stats, seed=0), toy_store)
    batches = epoch_batches(len(windows), batch_size=2, seed=0, epoch=0, run_length=3)
    loader = WindowLoader(windows, workers=2, pin_memory=True, device="cuda")
    on_gpu = list(loader.batches(batches))
    on_cpu = list(WindowLoader(windows).batches(batches))
    assert loader.fallbacks == 0
    for a, b in zip(on_gpu, on_cpu, strict=True):
        for name, value in b.tensors.items():
            assert a.tensors[name].device.type == "cuda", name
            torch.testing.assert_close(a.tensors[name].cpu(), value, rtol=1e-6, atol=1e-6)
