"""The toy world: layout, units, physics signatures (grey line, transport), forecasts."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from xaqf.tutorial import toy_world
from xaqf.tutorial.geography import GRAVITY
from xaqf.tutorial.solar import daylight
from xaqf.tutorial.vertical import layer_thickness, surface_pressure
from xaqf.variables import (
    GREY_LINE,
    MET_VARIABLES,
    POLLUTANT_CHANNELS,
    POLLUTANT_VARIABLES,
    PRESSURE_LEVELS,
    VARIABLES,
    split_channel,
)


@pytest.fixture(scope="module")
def world():
    return toy_world(resolution=4.0, days=8, spinup_days=3, seed=0)


def weighted_rmse(a: xr.DataArray, b: xr.DataArray) -> float:
    weights = np.cos(np.deg2rad(a["latitude"])).clip(1e-3)
    return float(np.sqrt(((a - b) ** 2).weighted(weights).mean()))


def channel(ds: xr.Dataset, name: str) -> xr.DataArray:
    variable, level = split_channel(name)
    return ds[variable] if level is None else ds[variable].sel(level=level)


def test_layout_names_and_attributes_follow_the_catalogue(world):
    for ds, names in ((world.cams, POLLUTANT_VARIABLES), (world.era5, MET_VARIABLES)):
        assert set(ds.data_vars) == set(names)
        assert ds["latitude"].values[0] == 90.0 and ds["latitude"].values[-1] == -90.0
        assert ds["longitude"].values.min() == 0.0 and ds["longitude"].values.max() < 360.0
        assert ds["level"].values.tolist() == list(PRESSURE_LEVELS)
        assert ds.sizes["time"] == 16 and np.all(np.diff(ds["time"].values) == np.timedelta64(
            12, "h"))
        for name in names:
            da = ds[name]
            assert da.dtype == np.float32
            assert da.attrs == VARIABLES[name].attrs
            level_dims = ("level",) if VARIABLES[name].on_levels else ()
            assert da.dims == ("time", *level_dims, "latitude", "longitude")
    assert set(world.statics.data_vars) == {"orography", "lsm"}
    assert set(np.unique(world.statics["lsm"].values)) == {0.0, 1.0}
    assert world.statics["orography"].attrs["units"] == "m2 s-2"


def test_values_are_finite_non_negative_and_realistic(world):
    cams, era5 = world.cams, world.era5
    for name in POLLUTANT_VARIABLES:
        values = cams[name].values
        assert np.isfinite(values).all() and values.min() >= 0.0, name
    assert np.isfinite(era5.to_array()).all()
    assert 5e-8 < float(cams["co"].sel(level=1000.0).mean()) < 2e-7
    o3 = cams["go3"].mean(("time", "latitude", "longitude")).values
    assert np.all(np.diff(o3) < 0) and 1e-6 < o3[0] < 2e-5 and 1e-8 < o3[-1] < 1e-7
    assert 1e-11 < float(cams["no2"].sel(level=1000.0).max()) / 100 < 1e-8
    assert 2e-3 < float(cams["gtco3"].mean()) < 1e-2                       # ~300 DU
    assert float(era5["r"].min()) >= 0.0 and float(era5["r"].max()) <= 100.0
    assert float(era5["tp"].min()) >= 0.0 and 1e-4 < float(era5["tp"].max()) < 0.1
    assert 95000.0 < float(era5["msl"].min()) and float(era5["msl"].max()) < 106000.0
    assert 180.0 < float(era5["t"].min()) and float(era5["t2m"].max()) < 330.0


def test_particulate_matter_is_ordered(world):
    pm1, pm25, pm10 = (world.cams[name].values for name in ("pm1", "pm2p5", "pm10"))
    assert np.all(pm1 <= pm25) and np.all(pm25 <= pm10)
    assert 1e-7 < pm10.max() < 1e-5                                  # dust storms


def test_total_columns_integrate_the_levels(world):
    surface = surface_pressure(world.statics["orography"].values)
    dp = layer_thickness(np.asarray(PRESSURE_LEVELS), surface)
    column = (world.cams["co"].values * dp).sum(1) / GRAVITY
    assert np.allclose(column, world.cams["tcco"].values, rtol=1e-4)


def test_geopotential_is_in_geostrophic_balance_with_the_wind(world):
    z = world.era5["z"].sel(level=500.0).isel(time=0).values
    u = world.era5["u"].sel(level=500.0).isel(time=0).values
    lat = world.era5["latitude"].values
    band = (np.abs(lat) > 30) & (np.abs(lat) < 70)
    f = 2 * 7.292e-5 * np.sin(np.deg2rad(lat))[:, None]
    dz = np.gradient(z, np.deg2rad(lat), axis=0) / 6.371e6
    ug = -dz / f
    assert np.corrcoef(ug[band].ravel(), u[band].ravel())[0, 1] > 0.9


def test_nitrogen_oxides_follow_local_solar_time(world):
    cams = world.cams
    sun = np.stack([daylight(t, cams["latitude"].values[:, None],
                             cams["longitude"].values[None, :]) for t in cams["time"].values])
    day, night = sun > 0.3, sun == 0.0
    both = day.any(0) & night.any(0)

    def contrast(values):  # mean by day minus mean by night, per grid column
        by_day = np.where(day, values, 0).sum(0) / np.maximum(day.sum(0), 1)
        by_night = np.where(night, values, 0).sum(0) / np.maximum(night.sum(0), 1)
        return (by_day - by_night)[both]

    for name in ("tcno2", "no2_1000"):
        assert np.mean(contrast(channel(cams, name).values) < 0) > 0.9, name
    assert np.mean(contrast(cams["tc_no"].values) > 0) > 0.95
    assert float(cams["tc_no"].values[night].max()) < 1e-3 * float(cams["tc_no"].max())


def test_grey_line_base_beats_the_latest_value_only_for_grey_line_species(world):
    cams = world.cams
    truth = cams.isel(time=slice(2, None))
    for name in POLLUTANT_VARIABLES:
        older = cams[name].isel(time=slice(0, -2)).values
        latest = cams[name].isel(time=slice(1, -1)).values
        rmse_24 = weighted_rmse(truth[name], truth[name].copy(data=older))
        rmse_12 = weighted_rmse(truth[name], truth[name].copy(data=latest))
        assert (rmse_24 < rmse_12) == (name in GREY_LINE), name


def test_every_channel_changes_over_five_days(world):
    cams = world.cams
    for name in POLLUTANT_CHANNELS:
        da = channel(cams, name)
        change = weighted_rmse(da.isel(time=slice(10, None)),
                               da.isel(time=slice(0, -10)).assign_coords(
                                   time=da["time"][10:]))
        assert change > 0.1 * float(da.std()), name


def test_forecast_starts_at_the_truth_and_drifts_away(world):
    fuxi = world.fuxi
    assert fuxi.sizes["init_time"] == 6 and fuxi.sizes["lead_time"] == 11
    assert fuxi["u"].chunks is not None
    forecast = fuxi.isel(init_time=[0, 5])[["z", "t", "u"]].compute()
    assert (forecast["valid_time"] == forecast["init_time"] + forecast["lead_time"]).all()
    for name, level in (("z", 500.0), ("t", 850.0), ("u", 250.0)):
        fc = forecast[name].sel(level=level)
        truth = world.era5[name].sel(level=level, time=fc["valid_time"])
        errors = [weighted_rmse(fc.isel(lead_time=k), truth.isel(lead_time=k))
                  for k in range(11)]
        assert errors[0] < 1e-6 * float(np.abs(truth).max())
        assert errors[2] < errors[5] < errors[10], (name, errors)


def test_worlds_are_deterministic_given_the_seed():
    a, b = (toy_world(resolution=15.0, days=1, spinup_days=0.5, seed=1) for _ in range(2))
    c = toy_world(resolution=15.0, days=1, spinup_days=0.5, seed=2)
    assert a.cams.identical(b.cams) and a.era5.identical(b.era5)
    assert not np.array_equal(a.cams["co"].values, c.cams["co"].values)
    assert not np.array_equal(a.era5["u"].values, c.era5["u"].values)


def test_bad_resolution_is_refused_with_advice():
    from xaqf.errors import ConfigError

    with pytest.raises(ConfigError, match="divide 180"):
        toy_world(resolution=7.0, days=1)


@pytest.mark.slow
def test_a_sixty_day_world_takes_seconds():
    import time

    start = time.process_time()
    toy_world(resolution=4.0, days=60)
    assert time.process_time() - start < 120.0
