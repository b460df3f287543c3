"""Regridding between regular latitude/longitude grids: bilinear and conservative.

* :mod:`xaqf.regrid.grid` -- building, reading and comparing grids;
* :mod:`xaqf.regrid.bilinear` -- the bilinear :class:`Regridder` (states);
* :mod:`xaqf.regrid.conservative` -- area-weighted, mass-conserving regridding (fluxes);
* :mod:`xaqf.regrid.methods` -- :func:`regrid`, one call for either method.

Examples
--------
>>> from xaqf.regrid import global_grid
>>> global_grid(4.0).sizes["latitude"]
46
"""

from __future__ import annotations

from xaqf.regrid.bilinear import Regridder
from xaqf.regrid.conservative import ConservativeRegridder, cell_areas
from xaqf.regrid.grid import as_grid, check_same_grid, coords_of, global_grid, same_grid
from xaqf.regrid.methods import regrid

__all__ = ["ConservativeRegridder", "Regridder", "as_grid", "cell_areas", "check_same_grid",
           "coords_of", "global_grid", "regrid", "same_grid"]
