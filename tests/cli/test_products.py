"""``xaqf products``: surface products and EAQI maps of a forecast file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from xaqf import metrics
from xaqf.cli import main
from xaqf.products import air_quality as products
from xaqf.tutorial import toy_world

INITS = pd.to_datetime(["2022-06-01T00", "2022-06-01T12"])
LEADS = pd.to_timedelta([12, 24, 36, 48], unit="h")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("products")
    world = toy_world(resolution=30.0, days=4, spinup_days=0)
    forecast = metrics.persistence_forecast(world.cams, INITS, LEADS)
    forecast.to_netcdf(folder / "forecast.nc")
    world.era5.to_netcdf(folder / "era5.nc")
    return folder, forecast, world.era5


def test_products_of_a_forecast_with_met(files, tmp_path, capsys):
    folder, forecast, met = files
    out = tmp_path / "out"
    argv = ["products", str(folder / "forecast.nc"), "--met", str(folder / "era5.nc"),
            "--output", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "EAQI poor or worse" in printed and "above WHO no2" in printed
    with xr.open_datatree(out / "products.nc") as tree:
        assert {"surface", "daily", "who_exceedance", "eaqi"} <= set(tree.children)
        daily = products.daily_means(products.surface_fields(forecast, met))
        np.testing.assert_allclose(tree["daily"]["pm2p5"].values, daily["pm2p5"].values,
                                   rtol=1e-6)
        assert "no2" in tree["surface"].data_vars
        categories = tree["eaqi"]["eaqi"].values
        assert categories.min() >= 0 and categories.max() <= 6
    latest = daily.sel(init_time=INITS[-1])
    complete = pd.DatetimeIndex(latest["date"].values[latest["complete"].values])
    maps = sorted(p.name for p in out.glob("eaqi_*.png"))
    assert maps == [f"eaqi_{day:%Y-%m-%d}.png" for day in complete] and len(maps) >= 1


def test_day_summary_shares_are_area_weighted(files):
    from xaqf.cli.products import POOR, day_summary, make_products

    _, forecast, _ = files
    tree = make_products(forecast)
    summary = day_summary(tree, INITS[0])
    assert list(summary.columns) == ["EAQI poor or worse", "above WHO pm2p5", "above WHO pm10"]
    first = pd.Timestamp(summary.index[0])
    categories = tree["eaqi"]["eaqi"].sel(init_time=INITS[0], date=first)
    weights = np.cos(np.deg2rad(categories["latitude"])) * xr.ones_like(categories)
    expected = float(weights.where(categories >= POOR, 0).sum() / weights.sum())
    assert summary.iloc[0, 0] == pytest.approx(expected)
    assert ((summary >= 0) & (summary <= 1)).all().all()


def test_an_initial_time_not_in_the_forecast_is_named(files, tmp_path, capsys):
    folder, *_ = files
    argv = ["products", str(folder / "forecast.nc"), "--init-time", "2023-01-01",
            "--output", str(tmp_path / "x")]
    assert main(argv) == 2
    assert "2023-01-01" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*argv[:2], "--init-time", "soon"])
    assert "'soon' is not a time" in capsys.readouterr().err
