"""Forecasting with a trained model: :class:`Forecaster`.

* :mod:`xaqf.forecaster.core` -- the :class:`Forecaster` (build, save, load);
* :mod:`xaqf.forecaster.predicting` -- its forecasting methods (predict, predict_iter);
* :mod:`xaqf.forecaster.stats` -- normalisation statistics given in parts;
* :mod:`xaqf.forecaster.variable_sets` -- the channel sets a model takes, and its widths;
* :mod:`xaqf.preprocessing.encoding` -- physical <-> network space (:class:`Encoding`);
* :mod:`xaqf.forecaster.inputs` -- checking inputs and fetching states from xarray;
* :mod:`xaqf.forecaster.stream` -- running the rollout batch by batch, streaming its pieces;
* :mod:`xaqf.forecaster.rollout` -- the rollout on tensors checked, bf16 head, compilation;
* :mod:`xaqf.forecaster.model_file` -- the model-file format (:class:`ModelMetadata`);
* :mod:`xaqf.forecaster.output` -- streaming forecasts to zarr / netCDF.

The one-step model and its time features are in :mod:`xaqf.model.step`; the pickle-free
safetensors reading and writing in :mod:`xaqf._utils.tensor_file`.
"""

from __future__ import annotations

from xaqf.forecaster.core import Forecaster
from xaqf.forecaster.model_file import ModelMetadata
from xaqf.preprocessing.encoding import Encoding, TransformSettings

__all__ = ["Encoding", "Forecaster", "ModelMetadata", "TransformSettings"]
