"""Pollution ensembles from met ensembles: ingestion of the member dim, predict, streaming."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import cams_and_met, micro_config
from xaqf import metrics
from xaqf.data.io import standardize
from xaqf.errors import LayoutError
from xaqf.forecaster import Forecaster
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.variables import VALID_RANGES

TIMES = pd.date_range("2022-06-01", periods=6, freq="12h")
INITS = TIMES[1:3]
LEADS = pd.to_timedelta([0, 12, 24, 36], unit="h")


def plausible(da: xr.DataArray) -> xr.DataArray:
    """``da`` standardised, then placed well inside its variable's plausible range."""
    low, high = VALID_RANGES[str(da.name)]
    z = ((da - da.mean()) / da.std()).clip(-3.0, 3.0)
    centre = low + 0.6 * (high - low) if low < 0 < high and -low < high else (low + high) / 2
    return (centre + 0.05 * (high - low) * z).astype(np.float32).assign_attrs(da.attrs)


@pytest.fixture(scope="module")
def data() -> tuple[xr.Dataset, xr.Dataset]:
    cams, met = cams_and_met(TIMES)
    pollutants = cams.map(lambda da: (1e-9 * da / da.max()).astype(np.float32)
                          .assign_attrs(da.attrs))
    return pollutants, met.map(plausible)


@pytest.fixture(scope="module")
def forecaster(data) -> Forecaster:
    cams, met = data
    return Forecaster.from_config(micro_config(), compute_model_stats(cams, met), seed=0)


def perturbed(met: xr.Dataset, members: int) -> xr.Dataset:
    """``met`` with a ``member`` dim: member k is ``met`` plus k times a fixed noise (a
    third of each variable's standard deviation)."""
    rng = np.random.default_rng(5)
    noise = {name: (rng.normal(0.0, 0.3, da.shape) * float(da.std())).astype(np.float32)
             for name, da in met.data_vars.items()}
    copies = [met.map(lambda da, k=k: (da + k * noise[str(da.name)]).assign_attrs(da.attrs))
              for k in range(members)]
    return xr.concat(copies, xr.DataArray(np.arange(members), dims="member"))


def as_forecasts(met: xr.Dataset) -> xr.Dataset:
    """Analyses as a FuXi-like forecast ``(init_time, [member,] lead_time, ...)``."""
    coords = xr.Dataset(coords={"init_time": INITS.values, "lead_time": LEADS})
    fc = metrics.align_truth(coords, met)
    order = [d for d in ("init_time", "member", "lead_time") if d in fc.dims]
    return fc.transpose(*order, ...)


@pytest.fixture(scope="module")
def ensemble_met(data) -> xr.Dataset:
    return as_forecasts(perturbed(data[1], 3))


def test_three_member_met_gives_three_member_forecast_equal_to_single_ones(forecaster, data,
                                                                           ensemble_met):
    cams = data[0]
    out = forecaster.predict(cams, ensemble_met, steps=3, batch_size=1, progress=False)
    assert out["go3"].dims == ("init_time", "member", "lead_time", "level", "latitude",
                               "longitude")
    assert out["member"].values.tolist() == [0, 1, 2]
    assert out["member"].attrs["standard_name"] == "realization"
    np.testing.assert_array_equal(out["init_time"].values, INITS.values)
    for k in range(3):
        single = forecaster.predict(cams, ensemble_met.sel(member=k), steps=3, batch_size=1,
                                    progress=False)
        assert "member" not in single.dims
        for name in out.data_vars:     # bit for bit: the same cases, one at a time
            np.testing.assert_array_equal(out[name].sel(member=k).values, single[name].values)
    assert not np.array_equal(out["pm10"].sel(member=0), out["pm10"].sel(member=2))


def test_batches_of_pairs_match_single_forecasts(forecaster, data, ensemble_met):
    cams = data[0]
    out = forecaster.predict(cams, ensemble_met, steps=2, batch_size=4, progress=False)
    for k in range(3):
        single = forecaster.predict(cams, ensemble_met.sel(member=k), steps=2, batch_size=2,
                                    progress=False)
        for name in out.data_vars:
            np.testing.assert_allclose(out[name].sel(member=k).values, single[name].values,
                                       rtol=3e-6, atol=0)


def test_ensemble_of_analyses_layout(forecaster, data):
    cams, met = data
    ensemble = perturbed(met, 2).transpose("time", "member", ...)
    out = forecaster.predict(cams, ensemble, steps=2, init_times=INITS, progress=False)
    single = forecaster.predict(cams, ensemble.sel(member=1), steps=2, init_times=INITS,
                                progress=False)
    assert out.sizes["member"] == 2
    np.testing.assert_allclose(out["co"].sel(member=1), single["co"], rtol=1e-6, atol=0)


def test_deterministic_met_keeps_todays_layout(forecaster, data):
    cams, met = data
    out = forecaster.predict(cams, as_forecasts(met), steps=2, progress=False)
    assert "member" not in out.dims and "member" not in out.coords
    assert out["go3"].dims == ("init_time", "lead_time", "level", "latitude", "longitude")


def test_cams_with_members_is_refused_before_computing(forecaster, data, ensemble_met):
    cams = data[0]
    with pytest.raises(LayoutError, match="cams has a 'member' dimension.*isel"):
        forecaster.predict(perturbed(cams, 2), ensemble_met, steps=2, progress=False)


def test_predict_iter_and_streaming_cover_every_member(forecaster, data, ensemble_met,
                                                       tmp_path):
    cams = data[0]
    reference = forecaster.predict(cams, ensemble_met, steps=2, batch_size=2, progress=False)
    pieces = list(forecaster.predict_iter(cams, ensemble_met, steps=2, batch_size=2,
                                          progress=False))
    assert all(piece.sizes["init_time"] == 1 and piece.sizes["lead_time"] == 1
               for piece in pieces)
    covered = set()
    for piece in pieces:
        where = {dim: piece[dim].values for dim in ("init_time", "member", "lead_time")}
        np.testing.assert_array_equal(piece["pm10"].values,
                                      reference["pm10"].sel(where).values)
        covered |= {(i, m, s) for i in where["init_time"] for m in where["member"]
                    for s in where["lead_time"]}
    assert len(covered) == 2 * 3 * 2
    for suffix in (".zarr", ".nc"):
        streamed = forecaster.predict(cams, ensemble_met, steps=2, batch_size=2,
                                      progress=False, output=tmp_path / f"fc{suffix}")
        assert streamed["go3"].dims == reference["go3"].dims
        np.testing.assert_array_equal(streamed["go3"].values, reference["go3"].values)
        assert streamed["member"].values.tolist() == [0, 1, 2]


@pytest.mark.parametrize("name", ["number", "realization", "ensemble", "member"])
def test_ensemble_dimension_names_read_as_member(name):
    raw = xr.Dataset(
        {"t2m": ((name, "time", "latitude", "longitude"), np.full((3, 1, 2, 2), 280.0),
                 {"units": "K"})},
        coords={"time": pd.to_datetime(["2022-06-01"]), "latitude": [10.0, -10.0],
                "longitude": [0.0, 90.0]})
    labels = [1, 2, 3] if name == "number" else [0, 1, 2]
    ds = standardize(raw.assign_coords({name: labels}), "met")
    assert ds["t2m"].dims == ("time", "member", "latitude", "longitude")
    assert ds["member"].values.tolist() == labels
    assert ds["member"].dtype.kind == "i"
    assert ds["member"].attrs["standard_name"] == "realization"


def test_scalar_number_is_still_dropped_and_odd_labels_refused():
    raw = xr.Dataset({"t2m": (("time", "latitude", "longitude"), np.full((1, 2, 2), 280.0),
                              {"units": "K"})},
                     coords={"time": pd.to_datetime(["2022-06-01"]), "latitude": [10.0, -10.0],
                             "longitude": [0.0, 90.0], "number": 0})
    ds = standardize(raw, "met")
    assert "number" not in ds.coords and "member" not in ds.coords
    single = standardize(raw.expand_dims("number"), "met")
    assert "member" not in single.dims
    labelled = raw.drop_vars("number").expand_dims(realization=["a", "b"])
    with pytest.raises(LayoutError, match="labels members by integers"):
        standardize(labelled, "met")


def test_an_ensemble_of_analyses_as_ecmwf_names_it_is_forecast_per_member(forecaster, data):
    cams, met = data
    shifted = met.map(lambda da: da + 0.1 * da.std()).assign_attrs(met.attrs)
    for name in met.data_vars:
        shifted[name].attrs = met[name].attrs
    eda = xr.concat([met, shifted], dim="number").assign_coords(number=[0, 1])
    out = forecaster.predict(cams, eda.transpose("number", "time", ...), steps=2,
                             init_times=INITS, progress=False)
    assert out.sizes["member"] == 2 and "number" not in out.dims
    alone = forecaster.predict(cams, shifted, steps=2, init_times=INITS, progress=False)
    xr.testing.assert_allclose(out.isel(member=1, drop=True), alone)
