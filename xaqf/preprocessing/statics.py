"""Static input features of the network: orography, land-sea mask and position.

The network receives six time-invariant channels on the model grid:

=================  ======================================================================
channel            definition
=================  ======================================================================
``orography``      surface geopotential, standardised over the grid (mean 0, std 1)
``lsm``            land-sea mask, 0 (sea) ... 1 (land), as is
``sin_latitude``   sin of latitude
``cos_latitude``   cos of latitude
``sin_longitude``  sin of longitude (periodic, so 0 and 360 degrees agree)
``cos_longitude``  cos of longitude
=================  ======================================================================

Without a statics Dataset, orography and land-sea mask are zero and only the position
features carry information. The features are computed once and stored with the model.

Examples
--------
>>> import numpy as np, xarray as xr
>>> grid = xr.Dataset(coords={"latitude": [90.0, 0.0, -90.0], "longitude": [0.0, 180.0]})
>>> features = static_features(None, grid)
>>> features.shape
(6, 3, 2)
>>> np.round(features[2, :, 0], 6).tolist()  # sin(latitude)
[1.0, 0.0, -1.0]
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from xaqf.errors import MissingVariableError
from xaqf.regrid import check_same_grid

STATIC_CHANNELS: tuple[str, ...] = (
    "orography", "lsm", "sin_latitude", "cos_latitude", "sin_longitude", "cos_longitude",
)
"""Names of the static feature channels, in model order."""


def _standardise(x: np.ndarray) -> np.ndarray:
    std = float(x.std())
    return (x - x.mean()) / (std if std > 0 else 1.0)


def static_features(statics: xr.Dataset | None, grid: xr.Dataset | xr.DataArray) -> np.ndarray:
    """The ``(6, latitude, longitude)`` float32 static features on ``grid``.

    Parameters
    ----------
    statics
        Dataset with ``orography`` (surface geopotential) and ``lsm`` on ``grid``, or
        ``None`` (both set to zero).
    grid
        Anything with ``latitude`` and ``longitude`` coordinates (the model grid).

    Raises
    ------
    MissingVariableError
        If ``statics`` lacks ``orography`` or ``lsm``.
    GridMismatchError
        If ``statics`` is not on ``grid``.
    """
    lat = np.deg2rad(np.asarray(grid["latitude"], np.float64))[:, None]
    lon = np.deg2rad(np.asarray(grid["longitude"], np.float64))[None, :]
    shape = (lat.shape[0], lon.shape[1])
    if statics is None:
        orography = lsm = np.zeros(shape)
    else:
        missing = [v for v in ("orography", "lsm") if v not in statics]
        if missing:
            raise MissingVariableError(
                f"statics lack {missing}; give a Dataset with 'orography' (surface "
                f"geopotential) and 'lsm' (land-sea mask), or statics=None"
            )
        check_same_grid(statics, grid, names=("statics", "model grid"))
        orography = _standardise(np.asarray(statics["orography"], np.float64))
        lsm = np.asarray(statics["lsm"], np.float64)
    features = [orography, lsm, np.broadcast_to(np.sin(lat), shape),
                np.broadcast_to(np.cos(lat), shape), np.broadcast_to(np.sin(lon), shape),
                np.broadcast_to(np.cos(lon), shape)]
    return np.stack(features).astype(np.float32)
