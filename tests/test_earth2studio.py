"""The earth2studio prognostic-model adapter: its contract, and earth2studio itself."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from tests.data.test_lexicon import as_earth2studio, met_forecast
from tests.helpers import cams_and_met, micro_config
from xaqf.data.derived import relative_humidity, specific_humidity
from xaqf.data.lexicon import to_lexicon
from xaqf.earth2studio import PollutionPrognostic, met_from_io
from xaqf.errors import (
    LayoutError,
    MissingDependencyError,
    MissingTimeError,
    MissingVariableError,
)
from xaqf.forecaster import Forecaster
from xaqf.preprocessing.channels import to_channels
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.variables import POLLUTANT_CHANNELS

TIMES = pd.date_range("2022-06-01", periods=6, freq="12h")
HAS_E2S = importlib.util.find_spec("earth2studio") is not None


@pytest.fixture(scope="module")
def setup():
    cams, met = cams_and_met(TIMES, scale_pollutants=1e-9)
    fc = Forecaster.from_config(micro_config(), compute_model_stats(cams, met), seed=0)
    forecast = met_forecast(met, TIMES[1])
    return cams, forecast, fc, PollutionPrognostic(fc, as_earth2studio(forecast), steps=3)


def initial_state(model, cams):
    """The earth2studio tensor and coords of the pollutants at ``TIMES[0:2]``."""
    coords = model.input_coords()
    coords["batch"] = np.array([0])
    coords["time"] = TIMES[1:2].values
    states = to_channels(cams.sel(time=TIMES[0:2]), "pollutant").values
    return torch.as_tensor(states[None, None]), coords


def test_coords(setup):
    cams, _, fc, model = setup
    coords = model.input_coords()
    assert list(coords) == ["batch", "time", "lead_time", "variable", "lat", "lon"]
    assert coords["lead_time"].tolist() == [-fc.step.value, 0]
    assert tuple(coords["variable"]) == POLLUTANT_CHANNELS
    assert coords["lat"].tolist() == cams["latitude"].values.tolist()
    out = model.output_coords(coords)
    assert out["lead_time"].astype("timedelta64[h]").tolist() == [pd.Timedelta("12h")]
    assert list(out) == list(coords)


def test_refuses_foreign_coords(setup):
    _, _, _, model = setup
    coords = model.input_coords()
    with pytest.raises(LayoutError, match="lon"):
        model.output_coords({**coords, "lon": coords["lon"][:-1]})
    with pytest.raises(LayoutError, match="pm10"):
        model.output_coords({**coords, "variable": coords["variable"][:-1]})
    with pytest.raises(LayoutError, match="two states"):
        model.output_coords({**coords, "lead_time": coords["lead_time"][-1:]})


def test_iterator_equals_predict(setup):
    cams, forecast, fc, model = setup
    x, coords = initial_state(model, cams)
    expected = fc.predict(cams, forecast, steps=3, init_times=TIMES[1:2], progress=False)
    steps = list(model.create_iterator(x, coords))
    assert len(steps) == 4
    torch.testing.assert_close(steps[0][0], x[:, :, -1:])
    for s, (out, out_coords) in enumerate(steps[1:], start=1):
        assert out.shape == (1, 1, 1, len(POLLUTANT_CHANNELS), *x.shape[-2:])
        assert out_coords["lead_time"][0] == np.timedelta64(12 * s, "h")
        want = to_channels(expected.isel(lead_time=s - 1), "pollutant").values
        np.testing.assert_array_equal(out[0, 0, 0].numpy(), want[0])


def test_call_is_one_step(setup):
    cams, forecast, fc, model = setup
    x, coords = initial_state(model, cams)
    out, out_coords = model(x, coords)
    expected = fc.predict(cams, forecast, steps=1, init_times=TIMES[1:2], progress=False)
    np.testing.assert_array_equal(out[0, 0, 0].numpy(),
                                  to_channels(expected, "pollutant").values[0, 0])
    assert out_coords["lead_time"].astype("timedelta64[h]")[0] == np.timedelta64(12, "h")


@pytest.mark.skipif(HAS_E2S, reason="earth2studio is installed")
def test_met_from_io_needs_earth2studio():
    with pytest.raises(MissingDependencyError, match=r"xaqf\[earth2studio\]"):
        met_from_io(object())


@pytest.mark.skipif(not HAS_E2S, reason="earth2studio is not installed")
def test_with_earth2studio(tmp_path, setup):
    from earth2studio.io import ZarrBackend
    from earth2studio.models.px.base import PrognosticModel

    cams, forecast, _, model = setup
    assert isinstance(model, PrognosticModel)
    e2s = as_earth2studio(forecast)
    io = ZarrBackend(str(tmp_path / "fuxi.zarr"))
    coords = {"time": e2s["time"].values, "lead_time": e2s["lead_time"].values,
              "lat": e2s["lat"].values, "lon": e2s["lon"].values}
    names = list(e2s.data_vars)
    io.add_array(coords, names)
    io.write([torch.as_tensor(np.ascontiguousarray(e2s[n].values)) for n in names], coords,
             names)
    met = met_from_io(io).load()
    xr.testing.assert_allclose(met["t"].drop_vars("valid_time"),
                               forecast["t"].transpose(*met["t"].dims)
                               .drop_vars("valid_time", errors="ignore"))


def test_met_from_any_preset(setup):
    """GraphCast-like met (q, no r) drives the adapter as predict with r derived does;
    Pangu-like met (no precipitation) is refused at once, naming tp and the preset."""
    cams, forecast, fc, _ = setup
    q = specific_humidity(forecast["r"].clip(1.0, 100.0), forecast["t"])
    graphcast = forecast.drop_vars("r").assign(q=q)
    model = PollutionPrognostic(fc, to_lexicon(graphcast), steps=2, preset="graphcast")
    assert "r" in model.met and "history" in model.met["r"].attrs
    x, coords = initial_state(model, cams)
    steps = list(model.create_iterator(x, coords))
    expected = fc.predict(cams, graphcast.assign(r=relative_humidity(q, forecast["t"])),
                          steps=2, init_times=TIMES[1:2], progress=False)
    want = to_channels(expected.isel(lead_time=-1), "pollutant").values
    np.testing.assert_array_equal(steps[-1][0][0, 0, 0].numpy(), want[0])
    with pytest.raises(MissingVariableError, match=r"\['tp'\].*'pangu'.*adapt-met"):
        PollutionPrognostic(fc, to_lexicon(graphcast.drop_vars("tp")), preset="pangu")


def test_an_older_weather_run_is_refused_as_predict_refuses_it(setup):
    cams, forecast, fc, model = setup
    x, coords = initial_state(model, cams)
    coords["time"] = TIMES[2:3].values  # the met forecast starts 12 h before this state
    with pytest.raises(MissingTimeError, match="no weather forecast starts at 2022-06-02"):
        next(iter(model.create_iterator(x, coords)))
    with pytest.raises(MissingTimeError):
        fc.predict(cams, forecast, steps=1, init_times=TIMES[2:3], progress=False)
