"""xaqf: xarray-native global air-pollution forecasting with offline meteorology coupling.

Importing xaqf registers the ``aqf`` accessor on :class:`xarray.Dataset` and
:class:`xarray.DataArray`. Torch-backed parts (:mod:`xaqf.model`, :class:`Forecaster`,
:mod:`xaqf.training`) are imported on first use, so ``import xaqf`` stays light.

Examples
--------
>>> import xaqf
>>> len(xaqf.variables.POLLUTANT_CHANNELS)
73
"""

from __future__ import annotations

import importlib
from typing import Any

from xaqf import accessor as _accessor  # noqa: F401  (registers ds.aqf)
from xaqf import errors, variables
from xaqf._version import __version__
from xaqf.data.io import open_cams, open_met, open_static

_LAZY_MODULES = {
    **{name: f"xaqf.{name}" for name in (
        "data", "regrid", "preprocessing", "model", "store", "forecaster", "metrics", "stations",
        "products", "training", "tutorial")},
    # where these lived before the package was grouped into layers
    "plot": "xaqf.metrics.plot",
    "normalization": "xaqf.preprocessing.normalization",
    "surface": "xaqf.products.surface",
}
_LAZY_ATTRS = {"Forecaster": "xaqf.forecaster", "open_store": "xaqf.store"}

__all__ = [
    "Forecaster",
    "__version__",
    "errors",
    "open_cams",
    "open_met",
    "open_static",
    "open_store",
    "variables",
    *sorted(_LAZY_MODULES),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(_LAZY_MODULES[name])
    if name in _LAZY_ATTRS:
        return getattr(importlib.import_module(_LAZY_ATTRS[name]), name)
    raise AttributeError(f"module 'xaqf' has no attribute {name!r}")
