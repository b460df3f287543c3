"""Raw downloads -> one analysis-ready zarr store, on dask.distributed.

:func:`prepare` checks the inputs (:func:`~xaqf.store.plan.make_plan`, coordinates only),
writes the store's template, runs one task per missing time step on a dask.distributed
cluster (each task opens its raw files, writes its own chunks and a completion marker, see
:mod:`xaqf.store.progress`), then combines the per-step partial statistics into ``stats``.
Re-running resumes; on a complete store it does nothing; onto a store made from other
inputs, period or grid it refuses.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from xaqf._utils.progress import progress as progress_bar
from xaqf._utils.zarr_metadata import consolidate
from xaqf.data.io import open_raw, standardize, variables_of_kind
from xaqf.errors import StoreError
from xaqf.preprocessing.normalization import compute_stats
from xaqf.regrid import Regridder, global_grid
from xaqf.store import layout
from xaqf.store.plan import Plan, Step, make_plan
from xaqf.store.progress import done_steps, progress_dir, read_layout, read_marker, write_layout
from xaqf.store.statistics import combine
from xaqf.store.tasks import run_step

__all__ = ["default_workers", "prepare"]


def default_workers() -> int:
    """Workers of the default local cluster: up to 4, one per core."""
    return max(1, min(4, os.cpu_count() or 1))


def _command() -> str:
    return " ".join(["python", *sys.argv]) if sys.argv and sys.argv[0] else "python"


def _statics(path: str, grid: xr.Dataset) -> xr.Dataset:
    with open_raw(path) as raw:
        ds = standardize(raw, "static").load()
    return Regridder(ds, grid)(ds)


def _emissions(paths: str | Iterable[str], grid: xr.Dataset) -> xr.Dataset:
    """Emission fields (:func:`xaqf.data.inventory.open_emissions`) on ``grid``, regridded
    conservatively."""
    from xaqf.data.inventory import open_emissions

    return open_emissions(paths).load().aqf.regrid(grid, method="conservative")


def _write_emissions(fields: xr.Dataset | None, output: Path) -> None:
    """``fields`` as the group ``emissions`` of ``output``, whole or not at all: written as a
    zarr store beside it, then moved into place (a run killed meanwhile leaves the previous
    group as it was)."""
    if fields is None:
        return
    partial = output.with_name(f"{output.name}.emissions")
    shutil.rmtree(partial, ignore_errors=True)
    fields.to_zarr(partial, mode="w", consolidated=False)
    shutil.rmtree(output / "emissions", ignore_errors=True)
    os.replace(partial, output / "emissions")
    consolidate(output)


def _open_or_create(plan: Plan, output: Path, command: str) -> bool:
    """Check an existing store against ``plan`` or write the template; whether complete."""
    from xaqf._version import __version__

    folder = progress_dir(output)
    attrs = layout.read_root(output)
    if attrs is not None and attrs.get("xaqf_fingerprint") != plan.fingerprint:
        made = attrs.get("command", "another command") if attrs else "not by xaqf prepare"
        raise StoreError(
            f"{output} exists and was made from other inputs, period or grid ({made}); "
            f"remove it or choose another output")
    if attrs is None and output.exists() and any(output.iterdir()):
        raise StoreError(f"{output} exists and is not an xaqf store; remove it or choose "
                         f"another output")
    if attrs is not None and attrs.get("xaqf_complete"):
        return True
    if read_layout(folder) != plan.fingerprint:
        folder.mkdir(parents=True, exist_ok=True)
        grid = global_grid(plan.resolution)
        layout.write_root(output, layout.root_attrs(plan, command, __version__))
        layout.write_template(output, plan.times, grid, _statics(plan.statics, grid))
        write_layout(folder, plan.fingerprint)
    return False


@contextlib.contextmanager
def dask_client(workers: int, scheduler: Any) -> Iterator[Any]:
    """A dask.distributed client of ``scheduler`` (an address or a ``Client``), else of a
    ``LocalCluster`` of ``workers`` single-threaded process workers, closed on exit."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with contextlib.ExitStack() as stack:
            client = scheduler if isinstance(scheduler, Client) else \
                stack.enter_context(Client(scheduler))
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


def _run(task: Callable[[Step], int], steps: Sequence[Step], workers: int | None,
         scheduler: Any, bar: Any) -> None:
    if workers == 0 and scheduler is None:
        for step in steps:
            task(step)
            bar.update()
        return
    from distributed import as_completed

    with dask_client(workers or default_workers(), scheduler) as client:
        futures = client.map(task, steps, pure=False)
        try:
            for future in as_completed(futures):
                future.result()
                bar.update()
        finally:
            client.cancel(futures)


def _finish(plan: Plan, output: Path) -> None:
    folder = progress_dir(output)
    tree = xr.open_datatree(output, engine="zarr", consolidated=False, chunks={})
    point = xr.merge([tree[kind].to_dataset()[list(variables_of_kind(kind))]
                      .isel(time=[0], latitude=[0], longitude=[0]) for kind in ("cams", "met")],
                     compat="override")
    frame = compute_stats(point.load())
    stats = combine([read_marker(folder, step.index) for step in plan.steps], frame)
    layout.write_stats(output, stats)
    layout.mark_complete(output)
    shutil.rmtree(folder)


def prepare(cams: str | Iterable[str], met: str | Iterable[str], statics: str,
            output: str | os.PathLike, grid: float, start: Any, end: Any,
            workers: int | None = None, scheduler: Any = None, progress: bool = True, *,
            command: str | None = None, emissions: str | Iterable[str] | None = None
            ) -> Path:
    """Make the analysis-ready training store from raw CAMS, met and static files.

    Parameters
    ----------
    cams, met
        Paths, glob patterns or lists of the raw files (netCDF, GRIB through cfgrib, zarr),
        e.g. ``"raw/cams/*.nc"``; pressure- and single-level met may be separate files.
    statics
        The static file (orography, land-sea mask).
    output
        The zarr store to write (``train.zarr``); beside it, ``train.zarr.progress`` holds
        the completion markers until the store is complete.
    grid
        Target resolution in degrees (0.4 for the paper's CAMS grid).
    start, end
        The period; every 00 and 12 UTC time in it is kept (an ``end`` date includes that
        day).
    workers
        Workers of a local dask.distributed cluster (default :func:`default_workers`);
        ``0`` runs the steps one by one in this process.
    scheduler
        Address of an existing dask.distributed scheduler (or a ``Client``) to run on
        instead; its workers must see ``output`` and the raw files at the same paths. Workers
        with several threads are safe, but each process reads one raw file at a time
        (HDF5 is not thread-safe): give them one thread each, as ``workers`` does, to read
        in parallel.
    progress
        Show progress: a bar on a terminal, one line at the end in a log
        (:func:`xaqf._utils.progress.progress`).
    command
        The command recorded in the provenance (default: this process's command line).
    emissions
        Emission inventory files: CAMS-GLOB-ANT downloads (sectors summed,
        :func:`xaqf.data.inventory.open_cams_glob_ant`) or files of canonical ``emi_*``
        fields.
        They are read and regridded conservatively onto the grid before the time steps
        run (so a bad file fails at once), and written to the group ``emissions``, whole or
        not at all (rewritten on every run; not part of the store's fingerprint).

    Returns
    -------
    pathlib.Path
        ``output``; open it with :func:`xaqf.store.open_store`.

    Raises
    ------
    StoreError
        Bad input (naming the file), or ``output`` made from other inputs.
    """
    output = Path(output)
    plan = make_plan(cams, met, statics, grid, start, end)
    fields = None if emissions is None else \
        _emissions(emissions, global_grid(plan.resolution)).astype("float32")
    if _open_or_create(plan, output, command or _command()):
        print(f"xaqf prepare: {output} is complete ({len(plan.times)} time steps); "
              f"nothing to do")
        _write_emissions(fields, output)
        return output
    folder = progress_dir(output)
    done = set(done_steps(folder, len(plan.steps)))
    pending = [step for step in plan.steps if step.index not in done]
    task = functools.partial(run_step, output=str(output), progress=str(folder),
                             resolution=plan.resolution)
    with progress_bar(total=len(plan.steps), initial=len(done), desc="prepare", unit="step",
                      enabled=progress) as bar:
        _run(task, pending, workers, scheduler, bar)
    _write_emissions(fields, output)
    _finish(plan, output)
    return output
