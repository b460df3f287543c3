"""The time loop of the toy world: transport, emissions, mixing, chemistry and sinks.

One physics step (default 3 h) is split into processes applied in turn: semi-Lagrangian
advection by the wind valid mid-step, surface (and volcanic) emissions, boundary-layer and
convective mixing, chemistry, dry deposition and wash-out. Every process keeps mixing ratios
non-negative.

Examples
--------
>>> import numpy as np
>>> from xaqf.tutorial.grid import make_grid
>>> setup = make_setup(make_grid(10.0), seed=0)
>>> times = [np.datetime64("2022-06-01T12:00")]
>>> [(str(t), s.shape) for t, s in run(setup, np.datetime64("2022-06-01T00:00"), times)]
[('2022-06-01T12:00:00', (6, 13, 19, 36))]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from xaqf.tutorial import chemistry, vertical
from xaqf.tutorial.advection import advect
from xaqf.tutorial.composition import TRACERS, backgrounds, tropopause
from xaqf.tutorial.emissions import (
    VOLCANO_LEVELS,
    dust_flux,
    emission_maps,
    fire_cycle,
    traffic_cycle,
)
from xaqf.tutorial.geography import GRAVITY, land_sea_mask, orography_height
from xaqf.tutorial.grid import Grid
from xaqf.tutorial.meteorology import (
    precipitation_rate,
    relative_humidity,
    season,
    surface_wind_factor,
    winds,
)
from xaqf.tutorial.solar import daylight
from xaqf.tutorial.weather import Weather, random_weather
from xaqf.variables import PRESSURE_LEVELS

PHYSICS_STEP = np.timedelta64(3, "h")
"""Default physics time step."""
BLOCK_POINTS = 1_000_000
"""Grid points advected at once (levels are grouped up to this size)."""


@dataclass(frozen=True)
class Processes:
    """Switches of the physical processes (all on by default).

    Turning off ``emissions``, ``chemistry``, ``deposition`` and ``washout`` leaves pure
    transport and vertical mixing, under which the mass of every tracer is conserved.
    """

    emissions: bool = True
    chemistry: bool = True
    deposition: bool = True
    washout: bool = True
    mixing: bool = True
    mass_fixer: bool = True


@dataclass(frozen=True, eq=False)
class Setup:
    """Everything time-independent a run needs, computed once."""

    grid: Grid
    weather: Weather
    seed: int
    levels: np.ndarray
    lsm: np.ndarray
    orography: np.ndarray
    surface_pressure: np.ndarray
    thickness: np.ndarray
    mixed_layer: np.ndarray
    maps: dict[str, np.ndarray]
    stratosphere: np.ndarray
    vectors: tuple[np.ndarray, np.ndarray, np.ndarray]
    step: np.timedelta64 = PHYSICS_STEP
    processes: Processes = field(default_factory=Processes)


def make_setup(grid: Grid, seed: int = 0, weather: Weather | None = None,
               step: np.timedelta64 = PHYSICS_STEP,
               processes: Processes | None = None) -> Setup:
    """Precompute the static fields of a world on ``grid``."""
    levels = np.asarray(PRESSURE_LEVELS, float)
    position, east, north = (x.astype(np.float32) for x in grid.unit_vectors())
    orography = (orography_height(grid) * GRAVITY).astype(np.float32)
    surface = vertical.surface_pressure(orography)
    thickness = vertical.layer_thickness(levels, surface)
    return Setup(
        grid=grid, weather=weather or random_weather(seed), seed=seed, levels=levels,
        lsm=land_sea_mask(grid), orography=orography, surface_pressure=surface,
        thickness=thickness,
        mixed_layer=vertical.mixed_layer_weights(levels, thickness, surface),
        maps=emission_maps(grid),
        stratosphere=(levels[:, None] < tropopause(grid.latitude)[None, :])[:, :, None],
        vectors=(position, east, north),
        step=np.timedelta64(step, "s"),
        processes=processes or Processes(),
    )


def smooth_noise(grid: Grid, rng: np.random.Generator, modes: int = 12) -> np.ndarray:
    """A smooth random field of unit-ish amplitude: a few low zonal and meridional modes."""
    field_ = np.zeros(grid.shape)
    for _ in range(modes):
        m, n = rng.integers(1, 6), rng.integers(1, 6)
        field_ += (np.cos(m * grid.lam + rng.uniform(0, 2 * np.pi)) * np.cos(grid.phi) ** 2
                   * np.sin(n * grid.phi + rng.uniform(0, 2 * np.pi)))
    return field_ / np.sqrt(modes / 4)


def initial_state(setup: Setup, time: np.datetime64) -> np.ndarray:
    """Backgrounds with smooth random departures (+-30 %) fixed by the seed."""
    rng = np.random.default_rng([setup.seed, 7])
    base = backgrounds(setup.levels, setup.grid.latitude, season(time))[..., None]
    noise = np.stack([smooth_noise(setup.grid, rng) for _ in TRACERS])[:, None]
    return (base * np.exp(0.3 * noise)).astype(np.float32)


def _mixing_fractions(setup: Setup, sun: np.ndarray, seconds: float) -> np.ndarray:
    """Exchange fraction between each level and the one below, ``(nlev, nlat, nlon)``."""
    levels = setup.levels[:-1, None, None]
    boundary = np.where(sun > 0.1, 2.0, 12.0) * setup.lsm + 8.0 * (1 - setup.lsm)  # hours
    timescale = np.where(levels >= 700.0, boundary[None] * 3600.0, 5.0 * 86400.0)
    timescale = np.where(levels < 150.0, 30.0 * 86400.0, timescale)
    return (1.0 - np.exp(-seconds / timescale)).astype(np.float32)


def _emit(setup: Setup, state: np.ndarray, time: np.datetime64, seconds: float,
          sun: np.ndarray, humidity: np.ndarray, u10: np.ndarray, v10: np.ndarray) -> None:
    maps = setup.maps
    flux = (maps["anthropogenic"] * traffic_cycle(time, setup.grid)
            + maps["fire"] * fire_cycle(time, setup.grid, humidity))
    dust = TRACERS.index("dust")
    flux[dust] = dust_flux(maps["desert"][dust], u10, v10)
    before = state[TRACERS.index("nox")].copy()
    state[:] = vertical.inject(state, flux, seconds, setup.thickness, setup.mixed_layer)
    emitted = state[TRACERS.index("nox")] - before
    o3 = TRACERS.index("o3")
    state[o3] = chemistry.titrate(state[o3], emitted, sun[None])
    for level in VOLCANO_LEVELS:
        k = int(np.flatnonzero(setup.levels == level)[0])
        state[:, k] += (maps["volcano"] * np.float32(seconds * GRAVITY / len(VOLCANO_LEVELS))
                        / np.maximum(setup.thickness[k], 1.0))


def _convect(setup: Setup, state: np.ndarray, precipitation: np.ndarray, seconds: float
             ) -> None:
    """Deep convection: rain lifts boundary-layer air to the upper troposphere and back."""
    fraction = 1.0 - np.exp(-0.15 * precipitation * 3.6e6 * seconds / 3600.0)
    index = {float(p): i for i, p in enumerate(setup.levels)}
    for low, high in ((1000.0, 300.0), (925.0, 250.0), (850.0, 400.0)):
        vertical.exchange(state, setup.thickness, index[high], index[low], fraction)


def _sinks(setup: Setup, state: np.ndarray, sun: np.ndarray, precipitation: np.ndarray,
           seconds: float) -> None:
    processes = setup.processes
    mixed = setup.mixed_layer > 0
    mass = np.where(mixed, setup.thickness, 0.0).sum(0)
    washed = (setup.levels >= chemistry.WASHOUT_TOP)[:, None, None]
    for i, name in enumerate(TRACERS):
        rate = np.zeros(state.shape[1:], np.float32)
        if processes.deposition:
            rate += mixed * chemistry.deposition_rate(name, sun, setup.lsm, mass)[None]
        if processes.washout:
            rate += washed * chemistry.washout_rate(name, precipitation)[None]
        state[i] *= np.exp(-rate * np.float32(seconds))


def _level_blocks(setup: Setup) -> list[slice]:
    """Groups of levels advected together, about a million grid points each (bounds memory)."""
    per_block = max(1, BLOCK_POINTS // (setup.grid.shape[0] * setup.grid.shape[1]))
    return [slice(k, k + per_block) for k in range(0, setup.levels.size, per_block)]


def step(setup: Setup, state: np.ndarray, time: np.datetime64) -> np.ndarray:
    """Advance ``state`` (``(ntracer, nlev, nlat, nlon)``) from ``time`` by one physics step."""
    seconds = float(setup.step / np.timedelta64(1, "s"))
    middle = time + setup.step / 2
    processes, grid = setup.processes, setup.grid
    u, v = winds(setup.weather, grid, middle, setup.levels)
    weights = setup.thickness * grid.cell_weights
    for block in _level_blocks(setup):
        state[:, block] = advect(state[:, block], u[block], v[block], seconds, grid,
                                 processes.mass_fixer, weights[block], setup.vectors)
    sun = daylight(middle, grid.latitude[:, None], grid.longitude[None, :])
    low = [int(np.flatnonzero(setup.levels == p)[0]) for p in (850.0, 700.0)]
    humidity = relative_humidity(setup.weather, grid, middle, (850.0, 700.0), v[low], setup.lsm)
    precipitation = precipitation_rate(humidity[0], humidity[1])
    if processes.emissions:
        factor = surface_wind_factor(grid, middle, setup.lsm)
        _emit(setup, state, middle, seconds, sun, humidity[0], factor * u[-1], factor * v[-1])
    if processes.mixing:
        vertical.mix_column(state, setup.thickness, _mixing_fractions(setup, sun, seconds))
        _convect(setup, state, precipitation, seconds)
    if processes.chemistry:
        base = backgrounds(setup.levels, grid.latitude, season(middle))[..., None]
        state = chemistry.chemistry_step(state, base, sun, setup.stratosphere, seconds)
    _sinks(setup, state, sun, precipitation, seconds)
    return np.maximum(state, 0.0)


def run(setup: Setup, start: np.datetime64, times: Sequence[np.datetime64],
        state: np.ndarray | None = None) -> Iterator[tuple[np.datetime64, np.ndarray]]:
    """Integrate from ``start`` and yield ``(time, state copy)`` at each of ``times``.

    ``times`` must be ascending, after ``start`` and on the physics-step grid from it.
    """
    time = start.astype("datetime64[s]")
    state = initial_state(setup, time) if state is None else state
    for target in times:
        target = target.astype("datetime64[s]")
        while time < target:
            state = step(setup, state, time)
            time = time + setup.step
        yield time, state.copy()
