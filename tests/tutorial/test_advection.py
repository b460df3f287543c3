"""Semi-Lagrangian transport of the toy world: displacement, poles, seam, mass."""

from __future__ import annotations

import numpy as np

from xaqf.tutorial.advection import advect, stencil
from xaqf.tutorial.grid import EARTH_RADIUS, make_grid
from xaqf.tutorial.simulation import Processes, initial_state, make_setup, run

DT = 3 * 3600.0


def blob(grid, lat0, lon0, width=10.0):
    """A Gaussian of great-circle distance around (lat0, lon0)."""
    phi, lam = np.deg2rad(grid.latitude)[:, None], np.deg2rad(grid.longitude)[None, :]
    p0, l0 = np.deg2rad(lat0), np.deg2rad(lon0)
    cos_d = np.sin(phi) * np.sin(p0) + np.cos(phi) * np.cos(p0) * np.cos(lam - l0)
    return np.exp(-((np.rad2deg(np.arccos(np.clip(cos_d, -1, 1))) / width) ** 2)).astype(
        np.float32)[None]


def centre(grid, field):
    """Latitude and longitude of the area-weighted centre of mass (on the sphere)."""
    w = field[0] * grid.cell_weights
    position, _, _ = grid.unit_vectors()
    x = (position * w).sum((1, 2))
    return np.rad2deg(np.arcsin(x[2] / np.linalg.norm(x))), np.rad2deg(np.arctan2(x[1], x[0]))


def solid_body(grid, speed, alpha):
    """Solid-body rotation, ``alpha`` = 0: along the equator, 90: over the poles."""
    phi, lam = grid.phi, grid.lam
    a = np.deg2rad(alpha)
    u = speed * (np.cos(phi) * np.cos(a) + np.sin(phi) * np.cos(lam) * np.sin(a))
    v = -speed * np.sin(lam) * np.sin(a) * np.ones_like(phi)
    return u.astype(np.float32), np.broadcast_to(v, grid.shape).astype(np.float32)


def test_plume_moves_downwind_by_the_expected_distance():
    grid = make_grid(2.0)
    q = blob(grid, 0.0, 60.0)
    u, v = solid_body(grid, 15.0, 0.0)
    steps = 16                                  # two days
    for _ in range(steps):
        q = advect(q, u, v, DT, grid)
    lat, lon = centre(grid, q)
    expected = 60.0 + np.rad2deg(15.0 * DT * steps / EARTH_RADIUS)   # ~ 23.3 deg downwind
    assert abs(lon - expected) < 0.5 and abs(lat) < 0.5


def test_plume_crosses_the_seam_and_the_poles_unharmed():
    grid = make_grid(4.0)
    q = blob(grid, 0.0, 90.0)
    u, v = solid_body(grid, 20.0, 90.0)         # flows south over the south pole
    half_turn = int(round(np.pi * EARTH_RADIUS / 20.0 / DT))
    for _ in range(half_turn):
        q = advect(q, u, v, DT, grid, mass_fixer=True)
    lat, lon = centre(grid, q)
    assert np.isfinite(q).all() and q.min() >= 0.0
    assert abs(lat) < 3.0 and abs(lon % 360.0 - 270.0) < 3.0   # antipode of the start
    assert np.ptp(q[0, 0]) == 0.0 and np.ptp(q[0, -1]) == 0.0  # poles single-valued


def test_zonal_flow_wraps_around_longitude_zero():
    grid = make_grid(4.0)
    q = blob(grid, 30.0, 350.0)
    u = np.full(grid.shape, 20.0, np.float32) * np.cos(grid.phi).astype(np.float32)
    for _ in range(8):
        q = advect(q, u, np.zeros(grid.shape, np.float32), DT, grid)
    _, lon = centre(grid, q)
    assert 0.0 < lon % 360.0 < 30.0


def test_stencil_reproduces_a_field_linear_in_grid_index():
    grid = make_grid(4.0)
    field = np.broadcast_to(grid.latitude[:, None], grid.shape)
    lat = np.array([[12.3, -80.1]])
    assert np.allclose(stencil(grid, lat, np.array([[359.0, 1.0]]))(field), lat, atol=1e-4)


def test_mass_is_conserved_without_sources_and_sinks():
    processes = Processes(emissions=False, chemistry=False, deposition=False, washout=False)
    setup = make_setup(make_grid(4.0), seed=3, processes=processes)
    start = np.datetime64("2022-06-01T00", "s")
    state = initial_state(setup, start)
    weights = setup.thickness * setup.grid.cell_weights

    def mass(s):
        return (s * weights).sum((1, 2, 3), dtype=np.float64)

    before = mass(state)
    [(_, after)] = run(setup, start, [start + np.timedelta64(10, "D")], state)
    assert np.abs(mass(after) / before - 1.0).max() < 1e-4   # the bar is 1 % in 10 days
