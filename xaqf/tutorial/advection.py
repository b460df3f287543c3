"""Semi-Lagrangian advection on the sphere, periodic in longitude and safe at the poles.

Each arrival grid point traces its air back along a great circle over one time step, with
the wind taken at the midpoint of the path (two-stage, second order). Departure points are
computed with Cartesian unit vectors, so paths that cross a pole need no special case, and
winds are interpolated as Cartesian vectors, which are smooth across the poles where the
eastward/northward components are not. Fields are then interpolated bilinearly at the
departure points: the result is a convex combination of neighbours, so no new extrema and
no negative concentrations appear. The polar rows hold a single point each and are reset
to their mean after every step. An optional global mass fixer rescales each level so that
its area-weighted total is exactly kept (the interpolation alone conserves mass only
approximately).

Examples
--------
>>> import numpy as np
>>> from xaqf.tutorial.grid import make_grid
>>> g = make_grid(4.0)
>>> q = np.exp(-((g.latitude[:, None] ** 2 + (g.longitude[None, :] - 180) ** 2) / 200.0))
>>> u = np.full(g.shape, 10.0) * np.cos(g.phi)          # solid-body rotation, 10 m/s
>>> out = advect(q[None], u, np.zeros(g.shape), 3600.0 * 6, g)
>>> out.shape, bool(out.min() >= 0)
((1, 46, 90), True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xaqf.tutorial.grid import EARTH_RADIUS, Grid


@dataclass(frozen=True)
class Stencil:
    """Bilinear interpolation stencil: flat indices and weights of the 4 neighbours.

    With 2-D points it interpolates every ``(..., nlat, nlon)`` field alike; with 3-D
    points (one set per level) the field's axis -3 is the level axis.
    """

    index: np.ndarray
    weight: np.ndarray

    def __call__(self, field: np.ndarray) -> np.ndarray:
        """Interpolate ``field`` at the stencil's points."""
        ndim = self.index.ndim - 1
        flat = field.reshape(*field.shape[: field.ndim - ndim], -1)
        out = np.take(flat, self.index[0], axis=-1) * self.weight[0]
        for corner in range(1, 4):
            out += np.take(flat, self.index[corner], axis=-1) * self.weight[corner]
        return out


def stencil(grid: Grid, latitude: np.ndarray, longitude: np.ndarray) -> Stencil:
    """The bilinear stencil of points at ``latitude`` (in [-90, 90]) and any ``longitude``.

    ``latitude`` and ``longitude`` are ``(nlat, nlon)`` or ``(nlev, nlat, nlon)``.
    """
    nlat, nlon = grid.shape
    rows = (90.0 - latitude) / grid.resolution
    row = np.clip(np.floor(rows), 0, nlat - 2).astype(np.intp)
    cols = np.mod(longitude, 360.0) / grid.resolution
    base = np.floor(cols)
    col = base.astype(np.intp) % nlon
    next_col = (col + 1) % nlon
    wr = (rows - row).astype(np.float32)
    wc = (cols - base).astype(np.float32)
    offset = row * nlon
    if np.ndim(latitude) == 3:
        offset = offset + (np.arange(latitude.shape[0]) * nlat * nlon)[:, None, None]
    index = np.stack([offset + col, offset + next_col, offset + nlon + col,
                      offset + nlon + next_col])
    weight = np.stack([(1 - wr) * (1 - wc), (1 - wr) * wc, wr * (1 - wc), wr * wc])
    return Stencil(index, weight)


def _great_circle(position: np.ndarray, velocity: np.ndarray, seconds: float) -> np.ndarray:
    """Move unit vectors ``position`` along ``velocity`` (m s-1) for ``seconds`` (may be < 0)."""
    tangent = velocity - (velocity * position).sum(0) * position
    speed = np.sqrt((tangent**2).sum(0))
    angle = speed * (seconds / EARTH_RADIUS)
    direction = tangent / np.where(speed > 0, speed, 1.0)
    return position * np.cos(angle) + direction * np.sin(angle)


def _lat_lon(position: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    latitude = np.rad2deg(np.arcsin(np.clip(position[2], -1.0, 1.0)))
    longitude = np.rad2deg(np.arctan2(position[1], position[0])) % 360.0
    return latitude, longitude


def departure_stencil(u: np.ndarray, v: np.ndarray, dt: float, grid: Grid,
                      vectors: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                      ) -> Stencil:
    """Interpolation stencil at the departure points of one step of ``dt`` seconds.

    Parameters
    ----------
    u, v
        Eastward and northward wind (m s-1), ``(nlat, nlon)`` or ``(nlev, nlat, nlon)``,
        valid mid-step.
    dt
        Time step (s).
    grid
        The grid.
    vectors
        ``grid.unit_vectors()``, passed in to avoid recomputing them every step.
    """
    position, east, north = vectors if vectors is not None else grid.unit_vectors()
    extra = (1,) * (np.ndim(u) - 2)
    position, east, north = (x.reshape(3, *extra, *grid.shape) for x in (position, east, north))
    velocity = u * east + v * north
    midpoint = _great_circle(position, velocity, -dt / 2)
    velocity_mid = stencil(grid, *_lat_lon(midpoint))(velocity)
    return stencil(grid, *_lat_lon(_great_circle(position, velocity_mid, -dt)))


def fix_poles(field: np.ndarray) -> np.ndarray:
    """Set the two polar rows (axis -2, first and last) to their zonal means, in place."""
    field[..., 0, :] = field[..., 0, :].mean(-1, keepdims=True)
    field[..., -1, :] = field[..., -1, :].mean(-1, keepdims=True)
    return field


def advect(fields: np.ndarray, u: np.ndarray, v: np.ndarray, dt: float, grid: Grid,
           mass_fixer: bool = False, mass_weights: np.ndarray | None = None,
           vectors: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Advect ``fields`` (``(..., nlat, nlon)``) by the wind ``u, v`` for ``dt`` seconds.

    Parameters
    ----------
    fields
        Mixing ratios (or any intensive quantity); leading axes are advected alike.
    u, v
        Eastward and northward wind (m s-1), valid mid-step: ``(nlat, nlon)``, or
        ``(nlev, nlat, nlon)`` to move each level of ``fields`` (axis -3) with its own wind.
    dt
        Time step (s). Any length works (semi-Lagrangian), but accuracy drops once air
        moves more than a few grid cells per step.
    grid
        The grid the fields live on.
    mass_fixer
        Rescale each ``(nlat, nlon)`` slice so that its weighted total is kept exactly.
    mass_weights
        Weights of that total, broadcastable to ``fields``; default: the cells' areas.
        Pass area times layer thickness to keep the mass of tracers on pressure levels
        whose layers are partly below the ground.
    vectors
        ``grid.unit_vectors()``, to avoid recomputing them.

    Returns
    -------
    numpy.ndarray
        The advected fields, same shape and dtype as ``fields``.
    """
    out = departure_stencil(u, v, dt, grid, vectors)(fields).astype(fields.dtype, copy=False)
    fix_poles(out)
    if mass_fixer:
        weights = grid.cell_weights if mass_weights is None else mass_weights
        before = (fields * weights).sum((-2, -1), dtype=np.float64)
        after = (out * weights).sum((-2, -1), dtype=np.float64)
        ratio = np.where(after > 0, before / np.where(after > 0, after, 1.0), 1.0)
        out *= ratio[..., None, None].astype(out.dtype)
    return out
