"""Forecasting with a trained model: :class:`Forecaster`.

* :mod:`xaqf.forecaster.core` -- the :class:`Forecaster` (save, load, predict);
* :mod:`xaqf.forecaster.inputs` -- checking inputs and fetching states from xarray;
* :mod:`xaqf.forecaster.rollout` -- the autoregressive rollout on tensors;
* :mod:`xaqf.forecaster.model_file` -- the pickle-free safetensors + JSON file format;
* :mod:`xaqf.forecaster.loading` -- reading model files back;
* :mod:`xaqf.forecaster.output` -- streaming forecasts to zarr / netCDF.
"""

from __future__ import annotations

from xaqf.forecaster.core import Forecaster, TransformSettings

__all__ = ["Forecaster", "TransformSettings"]
