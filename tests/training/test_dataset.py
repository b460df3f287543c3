"""Training windows and forecasts follow one rollout rule, across a month boundary too."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from tests.helpers import cams_and_met, grid, micro_config
from xaqf import Forecaster
from xaqf.metrics import latitude_weights
from xaqf.preprocessing.emissions import EmissionSettings, emission_stats
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.training import Trainer, WindowDataset, stage_config
from xaqf.training.dataset import collate
from xaqf.training.trainer import rollout_loss

TIMES = pd.date_range("2022-06-29", periods=8, freq="12h")  # June 29 ... July 2 12:00
STEPS = 3


def _monthly_inventory() -> xr.Dataset:
    """Emission fields that differ month by month: month ``m`` is ``m`` times a pattern."""
    pattern = np.random.default_rng(0).gamma(1.0, 1e-9, (7, 12))
    months = np.arange(1, 13)
    return xr.Dataset({f"emi_{s}": (("month", "latitude", "longitude"),
                                    months[:, None, None] * pattern, {"units": "kg m-2 s-1"})
                       for s in ("co", "nox")}, coords={"month": months, **grid()})


class _Recording(torch.nn.Module):
    """The network, recording the statics of every forward."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net, self.config, self.statics = net, net.config, []

    def forward(self, *args: torch.Tensor):
        self.statics.append(args[4].detach().clone())
        return self.net(*args)


@pytest.fixture(scope="module")
def setup():
    cams, met = cams_and_met(TIMES)
    inventory = _monthly_inventory()
    settings = EmissionSettings(("co", "nox"), monthly=True)
    stats = [compute_model_stats(cams, met), emission_stats(inventory, settings, TIMES)]
    forecaster = Forecaster.from_config(micro_config(), stats, seed=0, emissions=settings)
    return forecaster, cams, met, inventory


def test_training_windows_and_predict_see_the_same_emissions_per_step(setup):
    forecaster, cams, met, inventory = setup
    windows = WindowDataset(forecaster, cams, met, rollout_steps=STEPS, emissions=inventory)
    stage = stage_config("pretrain", epochs=1, batch_size=1, max_lr=1e-3)
    history = Trainer(forecaster, windows, stage, progress=False).fit(max_steps=1)
    assert len(history.losses) == 1 and np.isfinite(history.losses).all()

    recording = _Recording(forecaster.net)
    grey = torch.as_tensor(forecaster.encoding.grey_mask)
    weights = torch.as_tensor(latitude_weights(windows.latitude), dtype=torch.float32)
    trained = {}
    with torch.no_grad():
        for i, t in enumerate(windows.init_times):
            recording.statics.clear()
            rollout_loss(recording, collate([windows[i]]), grey, weights)
            trained[t] = [x[0] for x in recording.statics]

    recording.statics.clear()
    net, forecaster.net = forecaster.net, recording
    try:
        forecaster.predict(cams, met, steps=STEPS, init_times=windows.init_times,
                           batch_size=1, progress=False, emissions=inventory)
    finally:
        forecaster.net = net
    forecast = [x[0] for x in recording.statics]
    assert len(forecast) == len(trained) * STEPS
    emission = slice(6, None)
    crossing = 0
    for k, (t, per_step) in enumerate(trained.items()):
        months = [(pd.Timestamp(t) + (s + 1) * pd.Timedelta("12h")).month for s in range(STEPS)]
        for s in range(STEPS):
            torch.testing.assert_close(forecast[k * STEPS + s], per_step[s], rtol=0, atol=0)
            # the step's target month picks the field: month m is m times June's / 6
            ratio = per_step[s][emission] / per_step[0][emission]
            expected = months[s] / months[0]
            assert ratio.mean().item() == pytest.approx(expected, rel=1e-4)
        crossing += len(set(months)) > 1
    assert crossing  # some windows run from June into July
