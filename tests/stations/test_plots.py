"""Station figures: the series is titled with the station's name, one line per initial time."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402

from xaqf.stations import match, plots  # noqa: E402


def test_timeseries_one_line_per_initial_time_titled_with_the_name():
    times = pd.date_range("2022-06-01", periods=6, freq="12h")
    obs = xr.Dataset({"pm2p5": (("station", "time"), np.arange(12.0).reshape(2, 6),
                                {"units": "ug m-3"})},
                     coords={"station": ["100", "200"], "time": times,
                             "station_name": ("station", ["Toy Site 01", "Toy Site 02"])})
    inits = times[[1, 2]]
    forecast = xr.Dataset(
        {"pm2p5": (("init_time", "lead_time", "station"), np.ones((2, 2, 2)),
                   {"units": "ug m-3"})},
        coords={"init_time": inits, "lead_time": pd.to_timedelta([12, 24], unit="h"),
                "station": ["100", "200"]})
    fc, ob = match(forecast, obs)
    fig = plots.plot_timeseries(fc["pm2p5"], ob["pm2p5"], "100")
    ax = fig.axes[0]
    assert ax.get_title() == "Toy Site 01 (100)"
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["observed", "forecast from 2022-06-01 12 UTC",
                      "forecast from 2022-06-02 00 UTC"]
    assert ax.lines[1].get_color() != ax.lines[2].get_color()
    plt.close(fig)
