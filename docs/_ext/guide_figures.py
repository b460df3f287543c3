"""The figures of the user guide, drawn at build time (``.. plot:: guide_figures.NAME()``).

Every figure comes from the shipped demo models (:func:`xaqf.tutorial.load_model`) and the
toy world they were trained on, or is a diagram of xaqf's structure; the forecasts are
computed once per build and shared between the pages.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

import xaqf
from xaqf import metrics, products, stations
from xaqf.metrics import plot
from xaqf.stations.plots import plot_bias_map, plot_scatter
from xaqf.tutorial.models import demo_world
from xaqf.variables import POLLUTANT_VARIABLES

# -- shared, computed once ---------------------------------------------------------------


@functools.cache
def model(name: str = "demo-met") -> xaqf.Forecaster:
    return xaqf.tutorial.load_model(name, device="cpu")


@functools.cache
def world() -> xaqf.tutorial.ToyWorld:
    return demo_world(model())


def world_of(forecaster: xaqf.Forecaster) -> dict:
    """The toy world's arguments in ``forecaster``'s provenance."""
    return forecaster.provenance["world"]


@functools.cache
def forecast(name: str = "demo-met", met: str = "fuxi") -> xr.Dataset:
    """``name``'s forecast from the last two held-out initial times, driven by ``met``."""
    inits = pd.DatetimeIndex(model(name).provenance["test_inits"][-2:])
    if met == "fuxi":
        driver = world().fuxi
    else:
        driver = world().era5
    return model(name).predict(world().cams, driver, steps=10, init_times=inits,
                               batch_size=len(inits), progress=False).compute()


@functools.cache
def persistence() -> xr.Dataset:
    fc = forecast()
    return metrics.persistence_forecast(world().cams, fc["init_time"].values,
                                        fc["lead_time"].values)


@functools.cache
def rmse(which: str) -> xr.Dataset:
    truth = world().cams
    if which == "persistence":
        return metrics.rmse(persistence(), truth).compute()
    return metrics.rmse(forecast(*which.split("/")), truth).compute()


# -- diagrams ----------------------------------------------------------------------------


def _box(ax, x: float, y: float, text: str, colour: str, width: float = 0.2,
         height: float = 0.16) -> None:
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.01,rounding_size=0.02", fc=colour,
                                ec="0.3", lw=0.8))
    ax.text(x, y, text, ha="center", va="center", fontsize=8.5, wrap=True)


def _arrow(ax, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, lw=1.0,
                                 color="0.25"))


def _canvas(width: float, height: float) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set(xlim=(-0.01, 1.01), ylim=(-0.02, 1.0))
    ax.axis("off")
    fig.subplots_adjust(0, 0, 1, 1)
    return fig, ax


def data_flow() -> Figure:
    """CAMS + any weather forecast -> fusion U-Net -> 5-day forecast -> uses."""
    fig, ax = _canvas(8.0, 2.6)
    _box(ax, 0.11, 0.75, "CAMS analysis\n73 pollutant channels\nat t - 12 h and t", "#dbe9f6")
    _box(ax, 0.11, 0.27, "any weather forecast\n(ERA5 to train; FuXi, IFS,\nGraphCast... to forecast)",
         "#e3f1de")
    _box(ax, 0.39, 0.5, "fusion U-Net\nbilinear pooling of\npollutants and weather\n12 h change, rolled out",
         "#fbe3c8", height=0.34)
    _box(ax, 0.64, 0.5, "5-day forecast\n+12 h ... +120 h\nxarray / zarr", "#f1dcef")
    for y, text in ((0.85, "scores\nRMSE, ACC, CRPS"), (0.5, "stations\nOpenAQ, EEA"),
                    (0.15, "products\nWHO, EAQI")):
        _box(ax, 0.89, y, text, "#eeeeee", width=0.17, height=0.2)
        _arrow(ax, (0.74, 0.5), (0.805, y))
    _arrow(ax, (0.21, 0.72), (0.29, 0.56))
    _arrow(ax, (0.21, 0.3), (0.29, 0.44))
    _arrow(ax, (0.49, 0.5), (0.54, 0.5))
    return fig


def real_data_chain() -> Figure:
    """The commands of a real run, from the archives to products."""
    fig, ax = _canvas(8.0, 1.5)
    steps = ["ADS / CDS\narchives", "xaqf download\nmonthly files", "xaqf prepare\nzarr store",
             "xaqf train\nmodel file", "xaqf forecast\nforecast", "xaqf evaluate,\nverify, products"]
    xs = np.linspace(0.08, 0.92, len(steps))
    colours = ["#eeeeee", "#dbe9f6", "#dbe9f6", "#fbe3c8", "#f1dcef", "#e3f1de"]
    for x, text, colour in zip(xs, steps, colours, strict=True):
        _box(ax, x, 0.5, text, colour, width=0.14, height=0.6)
    for left, right in zip(xs[:-1], xs[1:], strict=True):
        _arrow(ax, (left + 0.07, 0.5), (right - 0.07, 0.5))
    return fig


def architecture() -> Figure:
    """The fusion U-Net: the bilinear fusion of two stacks, a U-Net body, the change head."""
    fig, ax = _canvas(8.0, 3.6)
    _box(ax, 0.12, 0.8, "pollutants p(t - 12 h), p(t)\n2 x 73 channels\n+ statics (orography,\n"
         "land-sea, position)", "#dbe9f6", width=0.22, height=0.26)
    _box(ax, 0.12, 0.42, "weather\nq(t), q(t + 12 h)\n2 x 70 channels", "#e3f1de",
         width=0.22, height=0.2)
    _box(ax, 0.12, 0.1, "time: hour, day of year,\nrollout step", "#eeeeee", width=0.22,
         height=0.14)
    _box(ax, 0.36, 0.8, "W_p: 3 x 3 conv", "#dbe9f6", width=0.15, height=0.1)
    _box(ax, 0.36, 0.42, "W_q: 3 x 3 conv", "#e3f1de", width=0.15, height=0.1)
    _box(ax, 0.36, 0.1, "MLP embedding", "#eeeeee", width=0.15, height=0.1)
    _box(ax, 0.56, 0.61, "bilinear fusion\nproduct of the two,\ntransposed 3 x 3 conv",
         "#fbe3c8", width=0.17, height=0.22)
    _box(ax, 0.76, 0.61, "U-Net\n4 levels, skips,\nConv2Former\nbottleneck", "#f1dcef",
         width=0.15, height=0.26)
    _box(ax, 0.93, 0.61, "head\npsi, delta", "#fde2e2", width=0.11, height=0.16)
    _box(ax, 0.76, 0.16, "p(t + 12 h) = psi * B + delta\nB = p(t), or p(t - 12 h) for\n"
         "the grey-line species", "#ffffff", width=0.28, height=0.22)
    _arrow(ax, (0.23, 0.8), (0.285, 0.8))
    _arrow(ax, (0.23, 0.42), (0.285, 0.42))
    _arrow(ax, (0.23, 0.1), (0.285, 0.1))
    _arrow(ax, (0.435, 0.78), (0.475, 0.68))
    _arrow(ax, (0.435, 0.44), (0.475, 0.54))
    _arrow(ax, (0.435, 0.12), (0.73, 0.48))
    _arrow(ax, (0.645, 0.61), (0.685, 0.61))
    _arrow(ax, (0.835, 0.61), (0.875, 0.61))
    _arrow(ax, (0.93, 0.53), (0.86, 0.27))
    ax.text(0.5, 0.97, "one 12 h step; a 5-day forecast applies it 10 times", ha="center",
            fontsize=8.5, style="italic")
    return fig


# -- data --------------------------------------------------------------------------------


def _map(ax, da: xr.DataArray, title: str, label: str, **kwargs) -> None:
    da.plot(ax=ax, cbar_kwargs={"label": label, "shrink": 0.8}, **kwargs)
    ax.set(title=title, xlabel="longitude (°E)", ylabel="latitude (°N)")


def toy_world_fields() -> Figure:
    """Four fields of the toy world at one time."""
    time = world().cams["time"].values[-1]
    cams, era5 = world().cams.sel(time=time), world().era5.sel(time=time)
    fig, axes = plt.subplots(2, 2, figsize=(9, 4.6), layout="constrained")
    _map(axes[0, 0], cams["pm2p5"] * 1e9, "PM2.5", "µg m⁻³", cmap="magma_r")
    _map(axes[0, 1], cams["tcno2"] * 1e6, "NO₂ total column", "mg m⁻²", cmap="viridis")
    speed = np.hypot(era5["u"].sel(level=850.0), era5["v"].sel(level=850.0))
    _map(axes[1, 0], speed, "wind speed at 850 hPa", "m s⁻¹", cmap="Blues")
    _map(axes[1, 1], era5["t2m"], "2 m temperature", "K", cmap="RdBu_r")
    return fig


def level_profiles() -> Figure:
    """Global-mean profiles of the level variables over the 13 pressure levels."""
    cams = world().cams.isel(time=slice(-10, None))
    weights = np.cos(np.deg2rad(cams["latitude"]))
    fig, axes = plt.subplots(1, 5, figsize=(9, 3.2), sharey=True, layout="constrained")
    labels = {"go3": "ozone", "co": "CO", "no2": "NO₂", "no": "NO", "so2": "SO₂"}
    for ax, (name, label) in zip(axes, labels.items(), strict=True):
        profile = cams[name].weighted(weights).mean(["time", "latitude", "longitude"])
        ax.plot(profile * 1e9, profile["level"], marker="o", ms=3)
        ax.set(title=label, xlabel="µg kg⁻¹", yscale="log")
    axes[0].invert_yaxis()
    axes[0].set_yticks([50, 100, 200, 500, 850, 1000], ["50", "100", "200", "500", "850",
                                                         "1000"])
    axes[0].set_ylabel("pressure (hPa)")
    return fig


def canonical_layout() -> Figure:
    """The canonical grid: latitude north to south, longitude 0-360 eastwards."""
    fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
    _map(ax, world().statics["orography"] / 9.80665, "orography on the canonical 4° grid",
         "m", cmap="terrain")
    lat, lon = world().statics["latitude"], world().statics["longitude"]
    ax.annotate(f"latitude[0] = {float(lat[0]):+.0f}°", (5, 85), fontsize=8)
    ax.annotate(f"longitude[-1] = {float(lon[-1]):.0f}°", (250, -85), fontsize=8)
    return fig


def normalisation_histograms() -> Figure:
    """Raw PM2.5 against normalised and log-transformed."""
    cams = world().cams[["pm2p5"]].isel(time=slice(0, 20))
    stats = cams.aqf.compute_stats().compute()
    normed = cams.aqf.normalize(stats).aqf.log_transform()
    fig, axes = plt.subplots(1, 2, figsize=(8, 2.8), layout="constrained")
    axes[0].hist(cams["pm2p5"].values.ravel() * 1e9, bins=50, color="0.4")
    axes[0].set(title="PM2.5, raw", xlabel="µg m⁻³", ylabel="grid points")
    axes[1].hist(normed["pm2p5"].values.ravel(), bins=50, color="tab:blue")
    axes[1].set(title="normalised and log-transformed", xlabel="1")
    return fig


def regridding() -> Figure:
    """A 4° field regridded bilinearly to 10°, and conservatively."""
    field = world().cams["tcno2"].isel(time=-1) * 1e6
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.6), layout="constrained")
    _map(axes[0], field, "NO₂ column, 4°", "mg m⁻²", cmap="viridis")
    _map(axes[1], field.aqf.regrid(10.0), "bilinear to 10°", "mg m⁻²", cmap="viridis")
    _map(axes[2], field.aqf.regrid(10.0, method="conservative"), "conservative to 10°",
         "mg m⁻²", cmap="viridis")
    return fig


def emission_fields() -> Figure:
    """The toy world's time-mean emission inventory."""
    emissions = world().emissions
    fig, axes = plt.subplots(2, 2, figsize=(9, 4.6), layout="constrained")
    titles = {"emi_nox": "NOx", "emi_co": "CO", "emi_so2": "SO₂", "emi_fine": "fine particles"}
    for ax, (name, title) in zip(axes.ravel(), titles.items(), strict=True):
        _map(ax, emissions[name] * 1e12, f"{title} emissions", "10⁻¹² kg m⁻² s⁻¹",
             cmap="YlOrBr")
    return fig


# -- model and training ------------------------------------------------------------------


def learning_rate_schedule() -> Figure:
    """The demo's learning rate over its two stages."""
    from xaqf.training.schedule import learning_rate

    recipe = model().provenance["recipe"]
    fig, ax = plt.subplots(figsize=(7, 2.6), layout="constrained")
    offset = 0
    times = int(recipe["train_days"] * 2)
    for stage in recipe["stages"]:
        windows = times - 1 - stage["rollout_steps"]  # two states in, rollout_steps targets
        per_epoch = -(-windows // stage["batch_size"])
        total = per_epoch * stage["epochs"]
        steps = np.arange(total)
        rates = [learning_rate(int(s), max_lr=stage["max_lr"], steps_per_epoch=per_epoch,
                               total_steps=total) for s in steps]
        ax.plot(steps + offset, rates, label=f"{stage['name']} ({stage['epochs']} epochs)")
        offset += total
    ax.set(xlabel="optimiser step", ylabel="learning rate", yscale="log",
           title="the demo models' schedule: warm-up, then cosine decay per stage")
    ax.legend()
    return fig


# -- forecasts and evaluation ------------------------------------------------------------


def landing_map() -> Figure:
    """Truth, the shipped model and persistence, PM2.5 at +24 h and +120 h."""
    fc = forecast().isel(init_time=[-1])
    return plot.plot_case_maps(world().cams, {"xaqf": fc, "persistence": persistence()
                                              .isel(init_time=[-1])},
                               "pm2p5", lead_times=["24h", "120h"])


def forecast_maps() -> Figure:
    """Ozone at 850 hPa: truth and forecast at three lead times."""
    return plot.plot_case_maps(world().cams, {"xaqf": forecast().isel(init_time=[-1])}, "go3",
                               level=850.0, lead_times=["24h", "72h", "120h"])


def rmse_curves() -> Figure:
    return plot.plot_rmse_curves({"xaqf": rmse("demo-met/fuxi"),
                                  "persistence": rmse("persistence")},
                                 variables=["pm2p5", "tcno2", "gtco3", "go3_850"],
                                 reference="persistence")


def score_matrix() -> Figure:
    matrix = metrics.by_lead_day(rmse("demo-met/fuxi") / rmse("persistence"))
    return plot.plot_score_matrix(matrix)


def weather_drivers() -> Figure:
    """Normalised RMSE of one model driven by the ERA5-like truth and by the FuXi-like
    forecast."""
    fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    names = list(POLLUTANT_VARIABLES)
    for met, label in (("era5", "driven by the weather truth (ERA5-like)"),
                       ("fuxi", "driven by a weather forecast (FuXi-like)")):
        ratio = metrics.channel_scores(rmse(f"demo-met/{met}")[names]
                                       / rmse("persistence")[names]).mean("channel")
        ax.plot(ratio["lead_time"] / pd.Timedelta(hours=1), ratio, marker="o", label=label)
    ax.axhline(1.0, color="0.5", lw=0.8)
    ax.set(xlabel="lead time (h)", ylabel="mean normalised RMSE",
           title="the same model, two weather drivers (1 = persistence)")
    ax.legend()
    return fig


@functools.cache
def _ensemble() -> tuple[xr.Dataset, xr.Dataset]:
    inits = model().provenance["test_inits"][-1:]
    members = xaqf.tutorial.ensemble_forecast(world_of(model())["resolution"], inits,
                                              members=6, seed=world_of(model())["seed"])
    names = ["tcno2", "gtco3", "pm2p5", "pm10"]
    ensemble = model().predict(world().cams, members, steps=10, batch_size=6,
                               progress=False)[names].compute()
    return ensemble, forecast()[names].isel(init_time=[-1])


def crps_curves() -> Figure:
    ensemble, single = _ensemble()
    truth = world().cams[list(ensemble.data_vars)]
    return plot.plot_crps(metrics.crps(ensemble, truth),
                          {"MAE, deterministic met": metrics.mae(single, truth)})


def spread_skill() -> Figure:
    ensemble, _ = _ensemble()
    truth = world().cams[list(ensemble.data_vars)]
    return plot.plot_spread_skill(metrics.ensemble_spread(ensemble),
                                  metrics.rmse(metrics.ensemble_mean(ensemble), truth))


# -- stations and products ---------------------------------------------------------------


@functools.cache
def _station_pairs() -> tuple[xr.DataArray, xr.DataArray]:
    fc = forecast().isel(init_time=[-1])
    surface = products.surface_fields(fc)
    truth = products.surface_fields(world().cams.sel(time=fc["valid_time"].values.ravel()))
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(-60, 70, 80), rng.uniform(0, 360, 80)
    placed = stations.station_dataset(
        {"pm2p5": (np.zeros((80, truth.sizes["time"])), "ug m-3")},
        [f"S{i:02d}" for i in range(80)], lat, lon, truth["time"].values)
    observed = stations.interpolate(truth, placed)["pm2p5"]
    noisy = observed.values * rng.lognormal(0.0, 0.15, observed.shape)
    obs = placed.assign(pm2p5=(observed.dims, noisy, observed.attrs))
    paired_fc, paired_obs = stations.match(stations.interpolate(surface, obs), obs,
                                           tolerance="1h")
    return paired_fc["pm2p5"], paired_obs["pm2p5"]


def station_scatter() -> Figure:
    fig = plot_scatter(*_station_pairs())
    fig.set_size_inches(4.2, 4.2)
    return fig


def station_bias_map() -> Figure:
    return plot_bias_map(stations.score_table(*_station_pairs()), "pm2p5", "µg m⁻³")


def eaqi_map() -> Figure:
    surface = products.surface_fields(forecast().isel(init_time=-1))
    daily = products.daily_means(surface.swap_dims(lead_time="valid_time")
                                 .rename(valid_time="time"))
    return products.plot_category_map(products.eaqi(daily)["eaqi"].isel(date=1),
                                      title="EAQI from PM, day 2 of the forecast")


def met_presets() -> Figure:
    """Of the default model's 70 met channels, how many each weather model provides, how
    many xaqf derives and how many are missing."""
    from xaqf.data.presets import PRESETS
    from xaqf.variables import MET_CHANNELS

    def channels(variables: tuple[str, ...]) -> int:
        return sum(c.rsplit("_", 1)[0] in variables or c in variables for c in MET_CHANNELS)

    names = list(PRESETS)
    derived = np.array([channels(PRESETS[n].derives()) for n in names])
    missing = np.array([channels(PRESETS[n].missing()) for n in names])
    provided = len(MET_CHANNELS) - derived - missing
    fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    left = np.zeros(len(names))
    for values, label, colour in ((provided, "provided", "#4c72b0"),
                                  (derived, "derived by xaqf", "#55a868"),
                                  (missing, "missing: adapt the model", "#c44e52")):
        ax.barh(names, values, left=left, label=label, color=colour)
        left = left + values
    ax.invert_yaxis()
    ax.set(xlabel="met channels of the default model (of 70)", xlim=(0, len(MET_CHANNELS)),
           title="what each weather model gives the default model")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize="small")
    return fig


def relative_scores() -> Figure:
    """MNMB, FGE and NMB of a forecast that is ``r`` times the observation."""
    ratio = np.logspace(-1, 1, 201)
    fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    ax.plot(ratio, 2 * (ratio - 1) / (ratio + 1), label="MNMB (bounded, symmetric)")
    ax.plot(ratio, 2 * np.abs(ratio - 1) / (ratio + 1), label="FGE (bounded)")
    ax.plot(ratio, ratio - 1, label="NMB (unbounded above)", linestyle="--")
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.set(xscale="log", ylim=(-2.2, 2.2), xlabel="forecast / observation",
           ylabel="score", title="a factor 2 too high or too low: MNMB +-0.67, NMB +1 or -0.5")
    ax.legend(fontsize="small")
    return fig
