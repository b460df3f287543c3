"""A whole training run from a :class:`~xaqf.training.config.TrainConfig` (``xaqf train``).

Opens the data (or generates a toy world), computes the normalisation statistics on the
training period, builds the model, runs the stages in order -- each checkpointing into its
own sub-folder of ``checkpoint_dir``, so a re-run resumes where it stopped and skips
finished stages -- and saves the trained model file.

With stores (``data = {"store": PATH}`` or a ``store`` per stage), every stage's windows are
streamed from its store (:class:`~xaqf.training.loader.StoreWindows`) and its normalisation
statistics are that store's ``stats`` group, as the paper computes them per data set
(decided); the model file keeps the last stage's. A model with emission inputs (a
``data.emissions`` entry) takes its fields from the entry's files if it names any
(regridded conservatively onto the stores' grid, once), else from each stage's store (its
``emissions`` group, ``xaqf prepare --emissions``), and their statistics from those fields
over the stage's training period, like the others. Every store is opened and checked -- it
exists, is complete, is on the grid of the model's statics (those of the first stage's
store), holds windows in the periods -- and the stage order is checked
(:meth:`~xaqf.training.TrainConfig.stage_configs`) before any training starts. Under
``torchrun`` (:mod:`xaqf.training.distributed`) every process runs this; rank 0 alone writes
the model file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from xaqf.data.inventory import open_cams_glob_ant, open_emissions
from xaqf.errors import ConfigError, GridMismatchError, ModelFileError
from xaqf.preprocessing.emissions import (
    EmissionEncoder,
    EmissionSettings,
    emission_stats,
    emissions_on_grid,
)
from xaqf.preprocessing.normalization import combine_stats
from xaqf.regrid import same_grid
from xaqf.training.config import DataConfig, EmissionInputs, StageConfig, TrainConfig
from xaqf.training.dataset import WindowDataset
from xaqf.training.distributed import Distributed, setup
from xaqf.training.loader import StoreWindows
from xaqf.training.log import TrainingLog
from xaqf.training.trainer import train_stage


def load_data(data: DataConfig) -> tuple[xr.Dataset, xr.Dataset, xr.Dataset | None]:
    """``(cams, met, statics)`` from the ``data`` entry of a :class:`TrainConfig`."""
    return load_inputs(data)[:3]


def emission_settings(data: DataConfig) -> EmissionSettings | None:
    """The :class:`~xaqf.preprocessing.emissions.EmissionSettings` of the ``data`` entry's
    ``emissions``, or ``None``."""
    return None if data.emissions is None else data.emissions.settings


def _inventory_files(entry: EmissionInputs) -> xr.Dataset | None:
    """The inventory of the files an ``emissions`` entry names, or ``None`` if it names none."""
    if entry.cams_glob_ant is not None:
        return open_cams_glob_ant(entry.cams_glob_ant)
    if entry.path is not None:
        return open_emissions(entry.path)
    return None


def _emissions(entry: EmissionInputs | None, own: xr.Dataset | None) -> xr.Dataset | None:
    """The fields of the files ``entry`` names, else ``own`` (the toy world's inventory)."""
    if entry is None:
        return None
    named = _inventory_files(entry)
    return own if named is None else named


def load_inputs(data: DataConfig
                ) -> tuple[xr.Dataset, xr.Dataset, xr.Dataset | None, xr.Dataset | None]:
    """``(cams, met, statics, emissions)`` from the ``data`` entry of a
    :class:`TrainConfig` (``emissions`` ``None`` without an ``emissions`` entry)."""
    if data.toy_world is not None:
        from xaqf.tutorial import toy_world

        world = toy_world(**data.toy_world)
        met = world.era5
        if data.met_preset is not None:
            from xaqf.tutorial import preset_met

            met = preset_met(met, data.met_preset)
        return world.cams, met, world.statics, _emissions(data.emissions, world.emissions)
    if data.cams is None or data.met is None:
        raise ConfigError(f"the 'data' entry needs {{'toy_world': {{...}}}} or 'cams' and 'met' "
                          f"paths to train in memory; got {list(data.sources)}")
    from xaqf.data.io import open_cams, open_met, standardize

    statics = None
    if data.statics is not None:
        statics = standardize(xr.open_dataset(data.statics), "static")
    return (open_cams(data.cams), open_met(data.met, preset=data.met_preset), statics,
            _emissions(data.emissions, None))


def _period(ds: xr.Dataset, period: tuple[str, str] | None) -> xr.Dataset:
    return ds if period is None else ds.sel(time=slice(*period))


def _store_of(config: TrainConfig, stage: StageConfig) -> str | None:
    return stage.store or config.data.store


def _open_stores(config: TrainConfig, stages: list[StageConfig]) -> dict[str, xr.DataTree]:
    """Every stage's store, opened and checked against the first one's grid."""
    from xaqf.store import open_store

    trees: dict[str, xr.DataTree] = {}
    for stage in stages:
        path = _store_of(config, stage)
        if path is None or path in trees:
            continue
        if not Path(path).exists():
            raise ConfigError(f"stage {stage.name!r}: the store {path} does not exist; make it "
                              f"with xaqf prepare or fix the path")
        trees[path] = open_store(path)
    first = next(iter(trees.items()), None)
    for path, tree in trees.items():
        if first is not None and not same_grid(tree["statics"].to_dataset(),
                                               first[1]["statics"].to_dataset()):
            sizes = tree["statics"].to_dataset().sizes
            raise GridMismatchError(
                f"the store {path} is on a {sizes['latitude']} x {sizes['longitude']} grid, "
                f"unlike the model's statics from {first[0]}; prepare every stage's store on "
                f"the same grid")
    return trees


def _with_stats(forecaster: Any, stats: xr.Dataset) -> Any:
    """The same network with other normalisation statistics (those of its emission channels
    included) and the same provenance."""
    from xaqf.forecaster import Forecaster

    emissions = forecaster.emissions
    if emissions is not None:
        emissions = EmissionEncoder(emissions.settings, stats)
    return Forecaster(forecaster.net, stats, statics=forecaster.statics, grid=forecaster.grid,
                      grey_line=forecaster.grey_line, step=forecaster.step,
                      transform=forecaster.transform, provenance=forecaster.provenance,
                      emissions=emissions, pollutant_channels=forecaster.pollutant_channels,
                      met_channels=forecaster.met_channels)


StoreInputs = tuple[xr.Dataset, xr.Dataset | None]
"""A store's normalisation statistics and, for a model with emission inputs, its emission
fields."""


def _named_emissions(config: TrainConfig, grid: xr.Dataset) -> xr.Dataset | None:
    """The emission fields of the files the ``data.emissions`` entry names, on ``grid``
    (regridded once for every stage), or ``None`` where it names none."""
    entry = config.data.emissions
    fields = None if entry is None else _inventory_files(entry)
    if entry is None or fields is None:
        return None
    return emissions_on_grid(fields, entry.settings, grid).load()


def _store_inputs(config: TrainConfig, tree: xr.DataTree, path: str,
                  named: xr.Dataset | None) -> StoreInputs:
    """The statistics of a store-fed stage and its emission fields (see the module notes):
    the store's ``stats``, with those of the emission channels on the training period of
    ``named`` fields or else of the store's ``emissions`` group."""
    from xaqf.store import store_emissions

    stats = tree["stats"].to_dataset()
    settings = emission_settings(config.data)
    if settings is None:
        return stats, None
    fields = store_emissions(tree, path) if named is None else named
    times = _period(tree["cams"].to_dataset(), config.train_period)["time"].values
    return combine_stats(stats, emission_stats(fields, settings, list(times))), fields


def variable_sets(stages: list[StageConfig]
                  ) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """The ``pollutants`` and ``met`` of the run's model: those the stages name (each the
    same, or none).

    Raises
    ------
    ConfigError
        Two stages name different sets.
    """
    sets = []
    for name in ("pollutants", "met"):
        named = {getattr(stage, name) for stage in stages} - {None}
        if len(named) > 1:
            raise ConfigError(f"the stages name different {name} {sorted(named)}; the stages "
                              f"of a run train one model: name one set in every stage")
        sets.append(next(iter(named), None))
    return sets[0], sets[1]


def _store_forecaster(config: TrainConfig, tree: xr.DataTree, stats: xr.Dataset,
                      stages: list[StageConfig]) -> Any:
    from xaqf.forecaster import Forecaster

    statics = tree["statics"].to_dataset().load()
    pollutants, met = variable_sets(stages)
    return Forecaster.from_config(config.model, stats, statics=statics, step=config.step,
                                  seed=0, emissions=emission_settings(config.data),
                                  pollutants=pollutants, met=met)


def _store_stages(config: TrainConfig, stages: list[StageConfig],
                  inputs: dict[str, StoreInputs], forecaster: Any
                  ) -> list[tuple[Any, WindowDataset, WindowDataset | None]]:
    """``(forecaster, windows, validation)`` of every stage, built (and checked) up front."""
    plans: list[tuple[Any, WindowDataset, WindowDataset | None]] = []
    for stage in stages:
        path = _store_of(config, stage)
        if path is None:
            raise ConfigError(f"stage {stage.name!r} names no store, but the run's data is "
                              f"{list(config.data.sources)}; give it 'store' or set data.store")
        stats, emissions = inputs[path]
        forecaster = _with_stats(forecaster, stats)
        windows = StoreWindows(forecaster, path, period=config.train_period,
                               rollout_steps=stage.rollout_steps, emissions=emissions)
        validation = None if config.validation_period is None else \
            StoreWindows(forecaster, path, period=config.validation_period,
                         emissions=emissions)
        plans.append((forecaster, windows, validation))
    return plans


def _fresh_forecaster(config: TrainConfig, stages: list[StageConfig], cams: xr.Dataset,
                      met: xr.Dataset, statics: xr.Dataset | None,
                      emissions: xr.Dataset | None) -> Any:
    """An untrained forecaster of ``config.model`` with the statistics of the training data."""
    from xaqf.forecaster import Forecaster
    from xaqf.preprocessing.normalization import compute_model_stats

    stats = compute_model_stats(cams, met).compute()
    settings = emission_settings(config.data)
    if settings is not None and emissions is not None:
        stats = combine_stats(stats, emission_stats(emissions, settings,
                                                    list(cams["time"].values)))
    pollutant_set, met_set = variable_sets(stages)
    return Forecaster.from_config(config.model, stats, statics=statics, step=config.step,
                                  seed=0, emissions=settings, pollutants=pollutant_set,
                                  met=met_set)


def _started_forecaster(config: TrainConfig, stage: StageConfig, met: xr.Dataset) -> Any:
    """The model of ``config.start_from``, adapted to ``met`` for a met-only stage."""
    from xaqf.forecaster import Forecaster
    from xaqf.training.adapt import adapt_met

    forecaster = Forecaster.load(str(config.start_from))
    if stage.trains != "met":
        return forecaster
    return adapt_met(forecaster, met, stage.met, preset=config.data.met_preset)


def _memory_stages(config: TrainConfig, stages: list[StageConfig]
                   ) -> list[tuple[Any, WindowDataset, WindowDataset | None]]:
    from xaqf.data.presets import resolve_met

    cams, met, statics, emissions = load_inputs(config.data)
    train_cams, train_met = _period(cams, config.train_period), _period(met, config.train_period)
    forecaster = _fresh_forecaster(config, stages, train_cams, train_met, statics, emissions) \
        if config.start_from is None else _started_forecaster(config, stages[0], train_met)
    met = resolve_met(met, forecaster.met_channels)
    train_met = _period(met, config.train_period)
    plans = []
    for stage in stages:
        windows = WindowDataset(forecaster, train_cams, train_met,
                                rollout_steps=stage.rollout_steps, emissions=emissions)
        validation = None
        if config.validation_period is not None:
            validation = WindowDataset(forecaster, _period(cams, config.validation_period),
                                       _period(met, config.validation_period),
                                       emissions=emissions)
        plans.append((forecaster, windows, validation))
    return plans


def plan_stages(config: TrainConfig) -> list[tuple[Any, WindowDataset, WindowDataset | None]]:
    """``(forecaster, windows, validation)`` of every stage of ``config``, every input opened
    and checked (nothing trained): stores, grids, periods and the stage order."""
    stages = config.stage_configs()
    trees = _open_stores(config, stages)
    if not trees:
        return _memory_stages(config, stages)
    if config.start_from is not None:
        raise ConfigError("start_from trains from data.toy_world or data.cams/met; a run from "
                          "stores starts from a fresh model (give the store's files as "
                          "data.cams and data.met to adapt or fine-tune)")
    first = _store_of(config, stages[0])
    if first is None:
        raise ConfigError(f"stage {stages[0].name!r} names no store while later stages do; "
                          f"give every stage a store or set data.store")
    named = _named_emissions(config, trees[first]["statics"].to_dataset())
    inputs = {path: _store_inputs(config, tree, path, named) for path, tree in trees.items()}
    forecaster = _store_forecaster(config, trees[first], inputs[first][0], stages)
    return _store_stages(config, stages, inputs, forecaster)


def _windows_line(stage: StageConfig, windows: WindowDataset,
                  validation: WindowDataset | None) -> str:
    times = pd.DatetimeIndex(windows.init_times).strftime("%Y-%m-%d %H:%M")
    scored = "no validation" if validation is None else \
        f"{len(validation)} validation window(s) scored after every epoch"
    return (f"stage {stage.name!r}: {len(windows)} training window(s) from "
            f"{times[0]} to {times[-1]}, {scored}")


def _stage_line(stage: StageConfig, record: dict[str, Any], checkpoints: Path | None) -> str:
    """What a stage did, from its provenance record (see :func:`train_stage`)."""
    done, total = record["steps"], record["total_steps"]
    if record["steps_run"] == 0 and done >= total:
        return (f"stage {stage.name!r}: already done ({done}/{total} steps in {checkpoints}); "
                f"nothing trained (delete that folder to train it again)")
    if record["steps_run"] == 0:
        return f"stage {stage.name!r}: nothing trained, its checkpoint is at step {done}/{total}"
    return (f"stage {stage.name!r}: {record['steps_run']} step(s) trained, now at step "
            f"{done}/{total}; {record['samples_per_s']:.2f} samples/s, "
            f"{100 * record['data_wait']:.0f} % of the time waiting for data")


def run_training(config: TrainConfig, *, device: str = "cpu", progress: bool = True,
                 world: Distributed | None = None, max_steps: int | None = None,
                 say: Callable[[str], None] | None = None) -> Any:
    """Run ``config``; returns the trained :class:`~xaqf.Forecaster` (also saved to
    ``config.output`` by rank 0).

    Parameters
    ----------
    config
        The run.
    device
        ``"cpu"`` or ``"cuda"`` (under torchrun each process takes ``cuda:LOCAL_RANK``).
    progress
        Progress bars (rank 0).
    world
        The data-parallel context; default: :func:`~xaqf.training.distributed.setup` from
        torchrun's environment (a single process without it).
    max_steps
        Stop each stage at this optimiser step (checkpointed: a later run goes on from
        there); the stages after one that stopped short are not started.
    say
        Called (by rank 0) with one line per stage before it starts (its numbers of
        training and validation windows) and after it ends (steps trained and speed, or
        "already done").

    Raises
    ------
    ConfigError
        A stage's checkpoint folder holds a checkpoint of another network (one line naming
        the model configs of both).
    """
    world = world or setup(device)
    tell = say if say is not None and world.is_main else (lambda line: None)
    plans = plan_stages(config)
    forecaster, provenance = plans[0][0], plans[0][0].provenance
    stopped = None
    with TrainingLog(config.log if world.is_main else None) as log:
        for stage, (forecaster, windows, validation) in zip(config.stage_configs(), plans,
                                                             strict=True):
            if stopped is not None:
                tell(f"stage {stage.name!r}: not started, {stopped}")
                continue
            forecaster.provenance = provenance
            checkpoints = None if config.checkpoint_dir is None else \
                Path(config.checkpoint_dir) / stage.name
            tell(_windows_line(stage, windows, validation))
            try:
                train_stage(forecaster, windows, stage, validation=validation,
                            checkpoint_dir=checkpoints, device=device, progress=progress,
                            world=world, workers=config.workers, log=log,
                            max_steps=max_steps)
            except ModelFileError as err:
                raise ConfigError(f"stage {stage.name!r} trains model config "
                                  f"{forecaster.config.name!r}, but {err}") from None
            record = provenance["stages"][-1]
            tell(_stage_line(stage, record, checkpoints))
            if record["steps"] < record["total_steps"]:
                stopped = (f"{stage.name!r} stopped at step {record['steps']} of "
                           f"{record['total_steps']} (max_steps {max_steps})")
    forecaster.provenance["config"] = config.to_dict()
    if world.is_main:
        forecaster.save(config.output)
    world.barrier()
    return forecaster
