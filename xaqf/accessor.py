"""The ``aqf`` accessor on xarray Datasets and DataArrays.

The accessor holds no state: each method delegates to a pure function in a helper module
(:mod:`xaqf.io`, :mod:`xaqf.regrid`, :mod:`xaqf.normalization`, :mod:`xaqf.transform`,
:mod:`xaqf.base`, :mod:`xaqf.channels`), where the science lives and is documented.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import xarray as xr

from xaqf import base, channels, io, normalization, regrid, transform


class _AqfAccessor:
    """Methods shared by the Dataset and DataArray accessors."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def regrid(self, target: Any, **kwargs: Any) -> Any:
        """Bilinear regridding, periodic in longitude: see :func:`xaqf.regrid.regrid`."""
        return regrid.regrid(self._obj, target, **kwargs)

    def normalize(self, stats: xr.Dataset) -> Any:
        """Normalise with ``stats``: see :func:`xaqf.normalization.normalize`."""
        return normalization.normalize(self._obj, stats)

    def denormalize(self, stats: xr.Dataset) -> Any:
        """Undo :meth:`normalize`: see :func:`xaqf.normalization.denormalize`."""
        return normalization.denormalize(self._obj, stats)


@xr.register_dataset_accessor("aqf")
class DatasetAccessor(_AqfAccessor):
    """``ds.aqf``: air-quality forecasting operations on a labelled Dataset."""

    def standardize(self, kind: str) -> xr.Dataset:
        """Canonical names, dims, order and units: see :func:`xaqf.io.standardize`."""
        return io.standardize(self._obj, kind)

    def compute_stats(self, **kwargs: Any) -> xr.Dataset:
        """Normalisation statistics (lazy): see :func:`xaqf.normalization.compute_stats`."""
        return normalization.compute_stats(self._obj, **kwargs)

    def log_transform(self, variables: Iterable[str] | None = None,
                      floor: float = transform.DEFAULT_FLOOR) -> xr.Dataset:
        """Eq. 12 skew transform of normalised pollutants: see
        :func:`xaqf.transform.log_transform_dataset`."""
        return transform.log_transform_dataset(self._obj, variables=variables, floor=floor)

    def inverse_log_transform(self, variables: Iterable[str] | None = None) -> xr.Dataset:
        """Exact inverse of :meth:`log_transform`: see
        :func:`xaqf.transform.inverse_log_transform_dataset`."""
        return transform.inverse_log_transform_dataset(self._obj, variables=variables)

    def grey_line_base(self, step: str = "12h", **kwargs: Any) -> xr.Dataset:
        """The pollutant base B at each target time: see :func:`xaqf.base.grey_line_base`."""
        return base.grey_line_base(self._obj, step=step, **kwargs)

    def to_channels(self, channel_names: str | Sequence[str] = "pollutant") -> xr.DataArray:
        """Stack variables x levels into a ``channel`` axis: see
        :func:`xaqf.channels.to_channels`."""
        return channels.to_channels(self._obj, channel_names)


@xr.register_dataarray_accessor("aqf")
class DataArrayAccessor(_AqfAccessor):
    """``da.aqf``: operations on a labelled DataArray (e.g. the model's channel view)."""

    def from_channels(self) -> xr.Dataset:
        """Unstack a ``channel`` axis back into variables: see
        :func:`xaqf.channels.from_channels`."""
        return channels.from_channels(self._obj)
