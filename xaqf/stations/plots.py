"""Figures of station verification: time series, scatter, map of per-station bias.

Each function returns a :class:`matplotlib.figure.Figure`; save it with ``fig.savefig``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

__all__ = ["plot_bias_map", "plot_scatter", "plot_timeseries", "station_title"]


def _label(da: xr.DataArray) -> str:
    return f"{da.name} ({da.attrs.get('units', '')})"


def station_title(observations: xr.DataArray | xr.Dataset, station: str) -> str:
    """The station's name and identifier (``"Escuelas Aguirre (4323)"``), from the
    ``station_name`` coordinate where the observations have one.

    Examples
    --------
    >>> obs = xr.Dataset(coords={"station": ["4323"], "station_name": ("station", ["Madrid"])})
    >>> station_title(obs, "4323"), station_title(obs.drop_vars("station_name"), "4323")
    ('Madrid (4323)', 'station 4323')
    """
    if "station_name" in observations.coords:
        name = str(observations["station_name"].sel(station=station).values)
        if name and name != station:
            return f"{name} ({station})"
    return f"station {station}"


def plot_timeseries(forecast: xr.DataArray, observations: xr.DataArray, station: str
                    ) -> Figure:
    """Observed and forecast values at one station against valid time.

    For a forecast (``init_time, lead_time``) each initial time is one line of its own
    colour, labelled with that time; the title names the station (:func:`station_title`).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> da = xr.DataArray([[1.0, 2.0]], dims=("station", "time"), name="pm2p5",
    ...                   coords={"station": ["a"], "valid_time": ("time", pd.date_range(
    ...                       "2022-06-01", periods=2, freq="12h"))})
    >>> len(plot_timeseries(da, da, "a").axes)
    1
    """
    f, o = forecast.sel(station=station), observations.sel(station=station)
    fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
    valid, obs = np.ravel(o["valid_time"].values), np.ravel(o.values)
    order = np.argsort(valid)
    ax.plot(valid[order], obs[order], "k.-", label="observed")
    if "init_time" in f.dims:
        for k, line in enumerate(f.transpose("init_time", ...)):
            init = pd.Timestamp(line["init_time"].values)
            ax.plot(np.ravel(line["valid_time"].values), np.ravel(line.values), ".-",
                    color=f"C{k % 10}", alpha=0.8, label=f"forecast from {init:%Y-%m-%d %H} UTC")
    else:
        ax.plot(np.ravel(f["valid_time"].values), np.ravel(f.values), ".-", color="C0",
                alpha=0.8, label="forecast")
    ax.set(title=station_title(observations, station), ylabel=_label(forecast),
           xlabel="valid time (UTC)")
    ax.legend(fontsize="small")
    fig.autofmt_xdate()
    return fig


def plot_scatter(forecast: xr.DataArray, observations: xr.DataArray) -> Figure:
    """Forecast against observed values with the 1:1 and factor-of-two lines.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> da = xr.DataArray([1.0, 3.0], dims="station", name="pm10")
    >>> len(plot_scatter(da, da).axes[0].lines)
    3
    """
    f, o = np.ravel(forecast.values), np.ravel(observations.values)
    ok = np.isfinite(f) & np.isfinite(o)
    fig, ax = plt.subplots(figsize=(4.5, 4.5), layout="constrained")
    ax.scatter(o[ok], f[ok], s=8, alpha=0.5)
    top = float(max(np.max(o[ok], initial=1.0), np.max(f[ok], initial=1.0))) * 1.05
    line = np.array([0.0, top])
    ax.plot(line, line, "k-", lw=1, label="1:1")
    ax.plot(line, 2 * line, "k--", lw=0.8, label="factor 2")
    ax.plot(line, 0.5 * line, "k--", lw=0.8)
    ax.set(xlim=(0, top), ylim=(0, top), xlabel=f"observed {_label(observations)}",
           ylabel=f"forecast {_label(forecast)}", aspect="equal")
    ax.legend(loc="upper left")
    return fig


def plot_bias_map(table: pd.DataFrame, variable: str = "", units: str = "") -> Figure:
    """Per-station bias on a longitude-latitude map (diverging colours, centred on 0).

    Parameters
    ----------
    table
        :func:`~xaqf.stations.score_table` output (columns ``bias``, ``latitude``,
        ``longitude``); the pooled row ``"all"`` is ignored.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> t = pd.DataFrame({"bias": [1.0, -2.0], "latitude": [40.0, 41.0],
    ...                   "longitude": [-3.0, 2.0]}, index=["a", "b"])
    >>> len(plot_bias_map(t).axes)
    2
    """
    rows = table.drop(index="all", errors="ignore").dropna(subset=["bias"])
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    limit = float(np.nanmax(np.abs(rows["bias"].values), initial=1e-9))
    points = ax.scatter(rows["longitude"], rows["latitude"], c=rows["bias"], cmap="RdBu_r",
                        vmin=-limit, vmax=limit, s=30, edgecolors="k", linewidths=0.3)
    fig.colorbar(points, ax=ax, label=f"bias {variable} ({units})".replace(" ()", ""))
    ax.set(xlabel="longitude (degrees east)", ylabel="latitude (degrees north)",
           title=f"forecast minus observed {variable}".strip())
    ax.grid(alpha=0.3)
    return fig
