"""Checking raw downloads and planning the time steps of the training store.

:func:`make_plan` reads only the coordinates and attributes of the raw files (lazily,
through :mod:`xaqf.data.io`), so every refusal comes before any heavy work: a file on model
levels or without a known unit (:func:`xaqf.data.io.standardize` refuses it), a file on another
grid than the other files of its kind, units that differ between files, times duplicated
within a file or overlapping between files, a gap (e.g. a missing month) and a period
outside the files. Each error is a :class:`~xaqf.errors.StoreError` naming the file.

Files of one kind holding different variables (ERA5 pressure-level and single-level files)
form separate *streams*; every stream must cover every 12-hourly time of the period.

ERA5's hourly precipitation (product ``era5-precipitation``: a met stream holding only
``tp``, recognised by its hourly time axis or its file names) is accumulated to the 12 h
ending at each step (:func:`xaqf.data.sources.accumulate_precipitation`): each step takes an
:class:`Accumulation` of the 12 hourly values ``t - 11 h ... t``, and a missing hour is
refused here, naming the file and the hour. Hourly ``tp`` in a file with other variables is
refused (ERA5 delivers instantaneous and accumulated fields apart).

Examples
--------
>>> target_times("2022-06-01", "2022-06-02").strftime("%d %H").tolist()
['01 00', '01 12', '02 00', '02 12']
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from xaqf.data.io import expand_paths, open_raw, standardize, variables_of_kind
from xaqf.data.sources.precipitation import HOUR, WINDOW
from xaqf.data.validation import check_dataset
from xaqf.errors import ConfigError, StoreError, XaqfError

__all__ = ["STEP", "Accumulation", "FileInfo", "Plan", "Source", "Step", "make_plan",
           "target_times"]

STEP = pd.Timedelta("12h")
"""Spacing of the store's times."""

KINDS = ("cams", "met")

PRECIPITATION = "era5-precipitation"
"""The product of ERA5's hourly precipitation (its files are named after it)."""


@dataclass(frozen=True)
class FileInfo:
    """What :func:`make_plan` learnt from one raw file's coordinates."""

    path: str
    kind: str
    dim: str
    times: np.ndarray
    variables: tuple[str, ...]
    units: dict[str, str | None]
    latitude: np.ndarray
    longitude: np.ndarray


@dataclass(frozen=True)
class Source:
    """Where one stream's data of one time step are: file, raw time dimension, index."""

    path: str
    dim: str
    index: int


@dataclass(frozen=True)
class Accumulation:
    """The hourly precipitation values (in time order) summed into one step's 12 h ``tp``."""

    hours: tuple[Source, ...]


@dataclass(frozen=True)
class Step:
    """One time step of the store: its position, time and raw sources by kind (one per
    stream)."""

    index: int
    time: np.datetime64
    sources: dict[str, tuple[Source | Accumulation, ...]]


@dataclass(frozen=True)
class Plan:
    """Everything the workers need, checked: the steps, the statics file, the target grid."""

    times: pd.DatetimeIndex
    steps: tuple[Step, ...]
    files: dict[str, tuple[str, ...]]
    statics: str
    resolution: float

    @property
    def fingerprint(self) -> str:
        """A hash of the inputs (paths, sizes, modification times), the period and the grid;
        a store made from other inputs -- a file downloaded again included -- has another
        fingerprint."""
        paths = [*(p for kind in KINDS for p in self.files[kind]), self.statics]
        stats = [(os.path.abspath(p), os.stat(p)) for p in paths]
        described = {"files": [(path, st.st_size, st.st_mtime_ns) for path, st in stats],
                     "times": [str(self.times[0]), str(self.times[-1]), len(self.times)],
                     "resolution": self.resolution}
        return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:16]


def target_times(start: Any, end: Any) -> pd.DatetimeIndex:
    """The 12-hourly times (00 and 12 UTC) from ``start`` to ``end``; an ``end`` at midnight
    (a date) includes that whole day.

    Raises
    ------
    ConfigError
        ``end`` before ``start``.
    """
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    if last == last.normalize():
        last += STEP
    times = pd.date_range(first.ceil(STEP), last, freq=STEP)
    if times.empty:
        raise ConfigError(f"the period {start} .. {end} holds no 00/12 UTC time; "
                          f"give an end after the start")
    return times


def raw_time_dim(raw: xr.Dataset, path: str) -> str:
    """The raw file's time dimension: ``valid_time`` (new CDS netCDF), ``time``, or the
    dimension that cfgrib's ``valid_time`` coordinate runs along."""
    for name in ("valid_time", "time"):
        if name in raw.dims:
            return name
    valid = raw.coords.get("valid_time")
    if valid is not None and valid.ndim == 1:
        return str(valid.dims[0])
    raise StoreError(f"raw file {path}: no time dimension ('valid_time' or 'time') among "
                     f"{list(raw.dims)}; the training store needs dated analyses")


def scan_file(path: str, kind: str) -> FileInfo:
    """Open ``path`` lazily, standardize it and record its coordinates (no data read)."""
    try:
        raw = open_raw(path)
    except (OSError, ValueError) as err:
        raise StoreError(f"raw file {path} cannot be opened: {err}") from err
    with raw:
        try:
            ds = standardize(raw, kind)
            check_dataset(ds, kind, variables=[str(v) for v in ds.data_vars],
                          check_values=False)
        except XaqfError as err:
            raise StoreError(f"raw file {path}: {err}") from err
        if "time" not in ds.dims:
            raise StoreError(f"raw file {path} holds forecasts (dims {list(ds.dims)}); the "
                             f"training store is made from analyses along time")
        dim = raw_time_dim(raw, path)
        return FileInfo(path=path, kind=kind, dim=dim,
                        times=ds["time"].values.astype("datetime64[ns]"),
                        variables=tuple(map(str, ds.data_vars)),
                        units={str(v): raw[v].attrs.get("units") for v in raw.data_vars},
                        latitude=ds["latitude"].values, longitude=ds["longitude"].values)


def _check_grids(infos: Sequence[FileInfo]) -> None:
    first = infos[0]
    for info in infos[1:]:
        same = (info.latitude.shape == first.latitude.shape
                and info.longitude.shape == first.longitude.shape
                and np.allclose(info.latitude, first.latitude)
                and np.allclose(info.longitude, first.longitude))
        if not same:
            raise StoreError(
                f"raw file {info.path} is on a {info.latitude.size} x {info.longitude.size} "
                f"grid, unlike {first.path} ({first.latitude.size} x {first.longitude.size}); "
                f"download every {info.kind} file on the same grid")


def _check_units(infos: Sequence[FileInfo]) -> None:
    seen: dict[str, tuple[str | None, str]] = {}
    for info in infos:
        for name, units in info.units.items():
            known = seen.setdefault(name, (units, info.path))
            if known[0] != units:
                raise StoreError(
                    f"raw file {info.path} gives {name!r} in {units!r} but {known[1]} in "
                    f"{known[0]!r}; download every file of one source with the same units")


def _streams(infos: Sequence[FileInfo], kind: str) -> list[list[FileInfo]]:
    groups: dict[tuple[str, ...], list[FileInfo]] = {}
    for info in infos:
        groups.setdefault(info.variables, []).append(info)
    owner: dict[str, str] = {}
    for names, group in groups.items():
        for name in names:
            if owner.setdefault(name, group[0].path) != group[0].path:
                raise StoreError(
                    f"raw file {group[0].path} holds {name!r} like {owner[name]}, but with "
                    f"other variables; keep each variable in one series of files")
    missing = [name for name in variables_of_kind(kind) if name not in owner]
    if missing:
        raise StoreError(f"the {kind} files lack {missing}; download them too")
    return list(groups.values())


def _index(stream: Sequence[FileInfo]) -> dict[np.datetime64, tuple[FileInfo, int]]:
    found: dict[np.datetime64, tuple[FileInfo, int]] = {}
    for info in stream:
        for index, time in enumerate(info.times):
            if time in found:
                other = found[time][0]
                how = "twice" if other is info else f"as does {other.path}"
                raise StoreError(
                    f"raw file {info.path} holds {_label(time)} {how}; overlapping or "
                    f"duplicated times are ambiguous: remove the duplicate file or times")
            found[time] = (info, index)
    return found


def _label(time: Any) -> str:
    return str(pd.Timestamp(time).strftime("%Y-%m-%d %H:%M"))


def _missing(stream: Sequence[FileInfo], times: pd.DatetimeIndex,
             found: dict[np.datetime64, tuple[FileInfo, int]]) -> StoreError:
    absent = [t for t in times.values if t not in found]
    covered = np.sort(np.concatenate([info.times for info in stream]))
    names = ", ".join(sorted({info.path for info in stream}))
    if absent[0] < covered[0] or absent[-1] > covered[-1]:
        return StoreError(
            f"the period {_label(times[0])} .. {_label(times[-1])} is outside the files "
            f"({names} cover {_label(covered[0])} .. {_label(covered[-1])}); choose a period "
            f"inside them or download the missing files")
    before = max((i for i in stream if i.times.min() < absent[0]), key=lambda i: i.times.max())
    return StoreError(
        f"{len(absent)} time(s) from {_label(absent[0])} to {_label(absent[-1])} are in no "
        f"raw file (a missing month after {before.path}?); download them")


def _off_synoptic(times: np.ndarray) -> bool:
    stamps = pd.DatetimeIndex(times)
    return bool(((stamps.hour % 12 != 0) | (stamps.minute != 0)).any())


def _hourly_precipitation(stream: Sequence[FileInfo]) -> bool:
    """Whether ``stream`` is ERA5's hourly precipitation (refusing hourly ``tp`` mixed with
    other variables)."""
    hourly = [info for info in stream if _off_synoptic(info.times)
              or Path(info.path).name.startswith(PRECIPITATION)]
    if not hourly or "tp" not in stream[0].variables:
        return False
    if stream[0].variables != ("tp",):
        raise StoreError(
            f"raw file {hourly[0].path} holds hourly 'tp' with {list(stream[0].variables)}; "
            f"ERA5's hourly precipitation is accumulated and must come in files of its own "
            f"(product {PRECIPITATION!r}, see xaqf download)")
    return True


def _missing_hour(stream: Sequence[FileInfo], time: np.datetime64,
                  hour: np.datetime64) -> StoreError:
    def distance(info: FileInfo) -> np.timedelta64:
        first, last = info.times.min(), info.times.max()
        return max(first - hour, hour - last, np.timedelta64(0, "ns"))

    near = min(stream, key=distance)
    where = (f"{near.path} (covering {_label(near.times.min())} .. "
             f"{_label(near.times.max())}) lacks it")
    return StoreError(
        f"the 12 h precipitation at {_label(time)} needs the hourly tp of {_label(hour)}, "
        f"which is in no file: {where}; download the missing hours (product "
        f"{PRECIPITATION!r} starts the day before the period)")


def _accumulations(stream: Sequence[FileInfo], times: pd.DatetimeIndex
                   ) -> list[Accumulation]:
    found = _index(stream)
    offsets = (np.arange(int(WINDOW / HOUR)) * HOUR - (WINDOW - HOUR)).astype("m8[ns]")
    out = []
    for time in times.values:
        hours = time + offsets
        for hour in hours:
            if hour not in found:
                raise _missing_hour(stream, time, hour)
        out.append(Accumulation(tuple(Source(found[h][0].path, found[h][0].dim, found[h][1])
                                      for h in hours)))
    return out


def _sources(streams: Sequence[list[FileInfo]], times: pd.DatetimeIndex
             ) -> list[list[Source | Accumulation]]:
    per_time: list[list[Source | Accumulation]] = [[] for _ in times]
    for stream in streams:
        if _hourly_precipitation(stream):
            for i, accumulation in enumerate(_accumulations(stream, times)):
                per_time[i].append(accumulation)
            continue
        found = _index(stream)
        if any(t not in found for t in times.values):
            raise _missing(stream, times, found)
        for i, time in enumerate(times.values):
            info, index = found[time]
            per_time[i].append(Source(info.path, info.dim, index))
    return per_time


def _scan_statics(path: str) -> None:
    try:
        with open_raw(path) as raw:
            check_dataset(standardize(raw, "static"), "static", levels=None,
                          check_values=False)
    except XaqfError as err:
        raise StoreError(f"static file {path}: {err}") from err


def make_plan(cams: Iterable[str] | str, met: Iterable[str] | str, statics: str,
              resolution: float, start: Any, end: Any) -> Plan:
    """Check the raw files and plan the store's time steps (reads coordinates only).

    Parameters
    ----------
    cams, met
        Paths or glob patterns of the raw CAMS and meteorological files.
    statics
        The static file (orography, land-sea mask).
    resolution
        Target grid spacing in degrees (:func:`xaqf.regrid.global_grid`).
    start, end
        The period (see :func:`target_times`).

    Raises
    ------
    StoreError
        Bad input, naming the file (see the module notes).
    """
    times = target_times(start, end)
    files = {"cams": sorted(expand_paths(cams)), "met": sorted(expand_paths(met))}
    statics = expand_paths(statics)[0]
    per_kind = {}
    for kind in KINDS:
        infos = [scan_file(path, kind) for path in files[kind]]
        _check_grids(infos)
        _check_units(infos)
        per_kind[kind] = _sources(_streams(infos, kind), times)
    _scan_statics(statics)
    steps = tuple(Step(i, time, {kind: tuple(per_kind[kind][i]) for kind in KINDS})
                  for i, time in enumerate(times.values))
    return Plan(times=times, steps=steps, files={k: tuple(v) for k, v in files.items()},
                statics=statics, resolution=float(resolution))
