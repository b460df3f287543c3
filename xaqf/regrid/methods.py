"""One call for every regridding method: :func:`regrid`, what ``ds.aqf.regrid`` runs."""

from __future__ import annotations

from typing import Any

from xaqf.errors import ConfigError
from xaqf.regrid.bilinear import Regridder
from xaqf.regrid.conservative import ConservativeRegridder
from xaqf.regrid.grid import _difference, as_grid


def regrid(obj: Any, target: Any, method: str = "bilinear") -> Any:
    """Regrid ``obj`` onto ``target`` (periodic in longitude), bilinearly or conservatively.

    This is what ``ds.aqf.regrid(target)`` calls. To regrid many objects between the same
    two grids, build one :class:`Regridder` (or
    :class:`~xaqf.regrid.conservative.ConservativeRegridder`) and reuse it.

    Parameters
    ----------
    obj
        Dataset or DataArray with ``latitude`` and ``longitude`` dimensions (numpy- or
        dask-backed; dask stays lazy).
    target
        Dataset or DataArray whose ``latitude``/``longitude`` define the target grid, or a
        resolution in degrees for a :func:`global_grid`.
    method
        ``"bilinear"`` (states: temperatures, concentrations) or ``"conservative"``
        (area-weighted means, which keep global integrals of fluxes such as emissions; see
        :mod:`xaqf.regrid.conservative`).

    Returns
    -------
    Dataset or DataArray
        On the target's coordinates; ``obj`` itself if it is already on the target grid.

    Raises
    ------
    ConfigError
        If ``method`` is neither ``"bilinear"`` nor ``"conservative"``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from xaqf.regrid import global_grid
    >>> grid = global_grid(4.0)
    >>> da = xr.DataArray(np.zeros((46, 90), np.float32), coords=grid.coords)
    >>> dict(regrid(da, 2.0).sizes)
    {'latitude': 91, 'longitude': 180}
    >>> regrid(da, grid) is da
    True
    """
    if method not in ("bilinear", "conservative"):
        raise ConfigError(f"regrid method {method!r} is not known; use 'bilinear' or "
                          f"'conservative'")
    target = as_grid(target)
    if _difference(obj, target, ("input", "target"), 1e-6) is None:
        return obj
    if method == "conservative":
        return ConservativeRegridder(obj, target)(obj)
    return Regridder(obj, target)(obj)
