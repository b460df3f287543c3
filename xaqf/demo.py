"""The end-to-end demo: toy world -> training -> 5-day forecasts -> scores -> table & figures.

Steps (``python -m xaqf demo --output DIR``):

1. generate a toy world (:func:`xaqf.tutorial.toy_world`) on a 4 degree grid;
2. compute the normalisation statistics on the training period only;
3. train a met-coupled network (bilinear fusion) and its no-met ablation (``fusion="none"``)
   with the same recipe: single-step training, then multi-step fine-tuning;
4. forecast 10 steps (120 h) from held-out initial times, after the training period, driven
   by the toy world's FuXi-like met *forecast* (not the truth it was trained on);
5. score against the toy world's truth with the latitude-weighted RMSE per channel and lead
   time, next to persistence (the state at the initial time kept for every lead time);
6. print a table, write the forecast (netCDF), the scores and figures (PNG).

Scores in the table (defined here, used by the tests):

* *normalised RMSE*: a channel's RMSE divided by persistence's RMSE for the same channel and
  lead time (below 1: better than persistence);
* *share beating persistence*: the fraction of the 73 channels with normalised RMSE < 1;
* *reduction vs no-met*: ``1 - mean_c(nRMSE_met) / mean_c(nRMSE_nomet)``, the means taken
  over the 73 channels.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from xaqf import metrics
from xaqf.forecaster import Forecaster
from xaqf.model import get_config
from xaqf.preprocessing.normalization import compute_model_stats
from xaqf.training import StageConfig, WindowDataset, train_stage
from xaqf.variables import POLLUTANT_CHANNELS, POLLUTANT_VARIABLES

LEADS_SHOWN = (24, 72, 120)


@dataclass(frozen=True)
class Recipe:
    """Everything the demo does, as data (sizes, periods, model, training stages).

    Parameters
    ----------
    resolution, days, seed
        Toy world grid (degrees), length (days, 12-hourly) and seed.
    train_days
        Training period from the start; the initial times after it are held out.
    test_inits
        Number of held-out initial times forecast (the last ones with 120 h of truth).
    model
        Model config name or dict (the ``fusion`` is set per model).
    stages
        Training stages, run in order.
    steps
        Forecast steps (12 h each).
    """

    resolution: float = 4.0
    days: float = 60
    seed: int = 0
    train_days: float = 48
    test_inits: int = 8
    model: str | dict[str, Any] = "small"
    stages: tuple[StageConfig, ...] = (
        StageConfig("pretrain", max_lr=1e-3, epochs=16, batch_size=4, seed=0),
        StageConfig("multistep", max_lr=3e-4, epochs=3, batch_size=4, rollout_steps=8, seed=1),
    )
    steps: int = 10

    def replace(self, **changes: Any) -> Recipe:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)


QUICK = Recipe(days=14, train_days=7, test_inits=2,
               model=dict(get_config("tiny").to_dict(), name="tiny"),
               stages=(StageConfig("pretrain", max_lr=3e-3, epochs=2, batch_size=4),))
"""A reduced recipe that runs end to end in well under a minute (used by the tests)."""


@dataclass
class DemoResult:
    """What the demo produced.

    Attributes
    ----------
    normalized
        Normalised RMSE (model / persistence) per ``model`` (``"met"``, ``"no-met"``),
        ``channel`` and ``lead_time``.
    rmse
        Latitude-weighted RMSE in units of each channel's normalisation scale, per ``model``
        (``"met"``, ``"no-met"``, ``"persistence"``), ``channel`` and ``lead_time``.
    table
        The printed summary.
    files
        Paths written.
    seconds
        Wall time of each phase.
    """

    normalized: xr.DataArray
    rmse: xr.DataArray
    table: str
    files: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def share_beating_persistence(self, lead_hours: int = 120) -> float:
        """Fraction of channels with normalised RMSE < 1 for the met-coupled model."""
        values = self.normalized.sel(model="met", lead_time=pd.Timedelta(hours=lead_hours))
        return float((values < 1).mean())

    def reduction_vs_no_met(self, lead_hours: int = 120) -> float:
        """``1 - mean nRMSE(met) / mean nRMSE(no-met)`` over channels."""
        values = self.normalized.sel(lead_time=pd.Timedelta(hours=lead_hours)).mean("channel")
        return float(1 - values.sel(model="met") / values.sel(model="no-met"))


def channel_rmse(scores: xr.Dataset, scale: xr.DataArray) -> xr.DataArray:
    """Per-channel scores of the pollutants in units of each channel's ``scale``."""
    return metrics.channel_scores(scores).sel(channel=list(POLLUTANT_CHANNELS)) / scale


def _train(name: str, fusion: str, recipe: Recipe, world: Any, stats: xr.Dataset,
           split: pd.Timestamp, progress: bool) -> Forecaster:
    config = get_config(recipe.model) if isinstance(recipe.model, str) else \
        get_config("tiny").replace(**recipe.model)
    forecaster = Forecaster.from_config(config.replace(name=name, fusion=fusion), stats,
                                        statics=world.statics, seed=recipe.seed)
    cams = world.cams.sel(time=slice(None, split - pd.Timedelta("1ns")))
    era5 = world.era5.sel(time=cams["time"])
    for stage in recipe.stages:
        windows = WindowDataset(forecaster, cams, era5, rollout_steps=stage.rollout_steps,
                                cache=True)
        train_stage(forecaster, windows, dataclasses.replace(stage, name=f"{name} {stage.name}"),
                    progress=progress)
    forecaster.provenance["data"] = f"xaqf toy world {recipe.resolution} deg, seed {recipe.seed}"
    return forecaster


def skill_table(rmse: xr.DataArray, normalized: xr.DataArray) -> str:
    """The demo's table: per variable and lead, the RMSE with met, without and of
    persistence (``rmse`` by model and channel), and the share of channels where each model
    beats persistence (``normalized``: its RMSE over persistence's)."""
    header = f"{'variable':<8}" + "".join(
        f" | {h:>3} h: met  no-met persist" for h in LEADS_SHOWN)
    lines = ["Lat-weighted RMSE on held-out initial times, in units of each channel's "
             "normalisation scale (mean over the variable's channels)", header,
             "-" * len(header)]
    variables = np.array([c.rsplit("_", 1)[0] if c not in POLLUTANT_VARIABLES else c
                          for c in rmse["channel"].values])
    for variable in POLLUTANT_VARIABLES:
        rows = rmse.isel(channel=np.flatnonzero(variables == variable)).mean("channel")
        cells = []
        for hours in LEADS_SHOWN:
            at = rows.sel(lead_time=pd.Timedelta(hours=hours))
            cells.append(f" | {float(at.sel(model='met')):9.4f} "
                         f"{float(at.sel(model='no-met')):7.4f} "
                         f"{float(at.sel(model='persistence')):7.4f}")
        lines.append(f"{variable:<8}" + "".join(cells))
    lines.append("")
    for hours in LEADS_SHOWN:
        at = normalized.sel(lead_time=pd.Timedelta(hours=hours))
        share = float((at.sel(model="met") < 1).mean())
        share_no_met = float((at.sel(model="no-met") < 1).mean())
        means = at.mean("channel")
        lines.append(
            f"{hours:>3} h: met-coupled beats persistence on {share:6.1%} of the "
            f"{at.sizes['channel']} channels (no-met: {share_no_met:6.1%}); "
            f"mean normalised RMSE met {float(means.sel(model='met')):.3f}, no-met "
            f"{float(means.sel(model='no-met')):.3f}, reduction "
            f"{1 - float(means.sel(model='met') / means.sel(model='no-met')):+.1%}")
    return "\n".join(lines)


def _figures(output: Path, rmse: dict[str, xr.Dataset], world: Any,
             forecasts: dict[str, xr.Dataset]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    from xaqf.metrics import plot

    files = []
    fig = plot.plot_rmse_curves(rmse, variables=["pm2p5", "tcno2", "gtco3", "go3_850"],
                                reference="persistence")
    files.append(output / "rmse_vs_lead.png")
    fig.savefig(files[-1], dpi=110)
    init = forecasts["met"]["init_time"].values[0]
    fig = plot.plot_case_maps(world.cams, forecasts, "pm2p5", lead_times=["24h", "120h"],
                              init_time=init)
    files.append(output / "case_pm2p5.png")
    fig.savefig(files[-1], dpi=110)
    matplotlib.pyplot.close("all")
    return files


def run_demo(output: str | Path, recipe: Recipe = Recipe(), *, progress: bool = True,
             figures: bool = True) -> DemoResult:
    """Run the whole demo and return its scores (see the module notes).

    Parameters
    ----------
    output
        Folder for the forecast (``forecast.nc``), the models, scores and figures.
    recipe
        What to run (:data:`QUICK` for a reduced run).
    progress
        Progress bars and messages.
    figures
        Write the PNG figures.
    """
    from xaqf.tutorial import toy_world

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    say = print if progress else (lambda *a, **k: None)
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    world = toy_world(recipe.resolution, days=recipe.days, seed=recipe.seed)
    split = pd.Timestamp(world.cams["time"].values[0]) + pd.Timedelta(days=recipe.train_days)
    train = slice(None, split - pd.Timedelta("1ns"))
    stats = compute_model_stats(world.cams.sel(time=train),
                                world.era5.sel(time=train)).compute()
    seconds["world"] = time.perf_counter() - start
    say(f"toy world {dict(world.cams.sizes)} in {seconds['world']:.0f} s; training before {split}")

    models = {}
    for name, fusion in (("met", "bilinear"), ("no-met", "none")):
        tic = time.perf_counter()
        models[name] = _train(name, fusion, recipe, world, stats, split, progress)
        seconds[f"train {name}"] = time.perf_counter() - tic
        models[name].save(output / f"model_{name}.safetensors")

    last = pd.Timestamp(world.cams["time"].values[-1]) - recipe.steps * pd.Timedelta("12h")
    inits = [t for t in pd.DatetimeIndex(world.fuxi["init_time"].values) if split <= t <= last]
    inits = inits[-recipe.test_inits:]
    tic = time.perf_counter()
    forecasts = {name: fc.predict(world.cams, world.fuxi, steps=recipe.steps, init_times=inits,
                                  batch_size=len(inits), progress=progress)
                 for name, fc in models.items()}
    seconds["forecast"] = time.perf_counter() - tic
    leads = forecasts["met"]["lead_time"].values
    forecasts["persistence"] = metrics.persistence_forecast(world.cams, inits, leads)
    scale = stats["std"].sel(channel=list(POLLUTANT_CHANNELS))
    scores = {m: metrics.rmse(forecasts[m][list(POLLUTANT_VARIABLES)], world.cams).compute()
              for m in forecasts}
    rmse = xr.concat([channel_rmse(scores[m], scale) for m in forecasts],
                     dim="model")
    rmse = rmse.assign_coords(model=np.array(list(forecasts), dtype=str),
                              channel=np.array(POLLUTANT_CHANNELS, dtype=str))
    normalized = rmse.sel(model=["met", "no-met"]) / rmse.sel(model="persistence")
    table = skill_table(rmse, normalized)
    result = DemoResult(normalized, rmse, table, seconds=seconds)
    forecasts["met"].to_netcdf(output / "forecast.nc")
    xr.Dataset({"rmse": rmse, "normalized_rmse": normalized}).to_netcdf(output / "scores.nc")
    result.files += [output / "forecast.nc", output / "scores.nc"]
    (output / "table.txt").write_text(table + "\n")
    result.files.append(output / "table.txt")
    if figures:
        models_only = {k: forecasts[k] for k in ("met", "no-met")}
        result.files += _figures(output, scores, world, models_only)
    seconds["total"] = time.perf_counter() - start
    say(table)
    say(f"\nwrote {', '.join(str(p) for p in result.files)}; total {seconds['total']:.0f} s")
    return result
