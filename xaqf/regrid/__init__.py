"""Regridding between regular latitude/longitude grids: bilinear and conservative.

* :mod:`xaqf.regrid.bilinear` -- grids, the bilinear :class:`Regridder`, :func:`regrid`;
* :mod:`xaqf.regrid.conservative` -- area-weighted, mass-conserving regridding.

Examples
--------
>>> from xaqf.regrid import global_grid
>>> global_grid(4.0).sizes["latitude"]
46
"""

from __future__ import annotations

from xaqf.regrid.bilinear import (
    Regridder,
    as_grid,
    check_same_grid,
    coords_of,
    global_grid,
    regrid,
    same_grid,
)
from xaqf.regrid.conservative import ConservativeRegridder, cell_areas

__all__ = ["ConservativeRegridder", "Regridder", "as_grid", "cell_areas", "check_same_grid",
           "coords_of", "global_grid", "regrid", "same_grid"]
