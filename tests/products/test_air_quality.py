"""Surface products on hand-built fields: daily means, WHO exceedance, EAQI categories."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf.errors import ConfigError, MissingVariableError
from xaqf.products import air_quality as products

matplotlib.use("Agg")


def _forecast():
    """One init at 00 UTC, leads 12..48 h: valid 12 UTC d0, 00 and 12 UTC d1, 00 UTC d2."""
    lead = pd.to_timedelta([12, 24, 36, 48], unit="h")
    values = np.array([10.0, 20.0, 40.0, 7.0])[None, :, None]
    return xr.Dataset({"pm2p5": (("init_time", "lead_time", "x"), values)},
                      coords={"init_time": pd.to_datetime(["2022-06-01"]), "lead_time": lead})


def test_daily_means_of_a_forecast_flag_incomplete_days():
    daily = products.daily_means(_forecast())
    assert [str(d)[:10] for d in daily.date.values] == ["2022-06-01", "2022-06-02",
                                                         "2022-06-03"]
    np.testing.assert_allclose(daily["pm2p5"].values[0, :, 0], [10.0, 30.0, 7.0])
    assert daily["n_values"].values[0].tolist() == [1, 2, 1]
    assert daily["complete"].values[0].tolist() == [False, True, False]


def test_who_exceedance_on_24h_levels():
    daily = xr.Dataset({"pm2p5": ("date", [15.0, 15.1]), "pm10": ("date", [45.0, 46.0]),
                        "no2": ("date", [25.0, 30.0]), "so2": ("date", [41.0, np.nan]),
                        "go3": ("date", [500.0, 500.0])})
    out = products.who_exceedance(daily)
    assert out["pm2p5"].values.tolist() == [False, True]  # the level itself is no exceedance
    assert out["pm10"].values.tolist() == [False, True]
    assert out["so2"].values.tolist() == [True, False]
    assert "go3" not in out  # no 24-hour guideline for ozone
    assert out["no2"].attrs["who_level"] == 25.0


@pytest.mark.parametrize("period, why", [("8h", "hourly"), ("annual", "a year"),
                                         ("peak_season", "six months")])
def test_unsupported_averaging_periods_are_refused_with_the_reason(period, why):
    with pytest.raises(ConfigError, match=why):
        products.who_exceedance(xr.Dataset({"go3": ("date", [1.0])}), averaging=period)


def test_eaqi_categories_at_band_edges():
    edges = {"pm2p5": [0.0, 10.0, 10.5, 20.0, 25.0, 50.0, 75.0, 75.1],
             "no2": [40.0, 40.1, 90.0, 120.0, 230.0, 340.0, 340.1, np.nan],
             "go3": [50.0, 50.1, 100.0, 130.0, 240.0, 380.0, 381.0, np.nan]}
    ds = xr.Dataset({k: ("x", v) for k, v in edges.items()})
    out = products.eaqi(ds)
    assert out["pm2p5"].values.tolist() == [1, 1, 2, 2, 3, 4, 5, 6]
    assert out["no2"].values.tolist() == [1, 2, 2, 3, 4, 5, 6, 0]
    assert out["go3"].values.tolist() == [1, 2, 2, 3, 4, 5, 6, 0]
    assert out["eaqi"].values.tolist() == [1, 2, 2, 3, 4, 5, 6, 6]
    assert out["eaqi"].attrs["flag_meanings"].split()[1:3] == ["good", "fair"]
    with pytest.raises(MissingVariableError, match="EAQI pollutant"):
        products.eaqi(xr.Dataset({"co": ("x", [1.0])}))


def test_surface_fields_and_category_map():
    times = pd.date_range("2022-06-01", periods=2, freq="12h")
    cams = canonical_dataset(["pm2p5", "pm10"], times)
    cams = cams.map(lambda da: (da * 1e-8).assign_attrs(da.attrs))
    fields = products.surface_fields(cams)
    assert sorted(fields.data_vars) == ["pm10", "pm2p5"]
    np.testing.assert_allclose(fields["pm2p5"].values, cams["pm2p5"].values * 1e9, rtol=1e-5)
    daily = products.daily_means(fields)
    cat = products.eaqi(daily)["eaqi"].isel(date=0)
    fig = products.plot_category_map(cat)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == list(products.EAQI_LABELS)
