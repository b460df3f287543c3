"""The ``aqf`` accessor on xarray Datasets and DataArrays.

The accessor holds no state: each method delegates to a pure function in a helper module
(:mod:`xaqf.data.io`, :mod:`xaqf.regrid.bilinear`, :mod:`xaqf.preprocessing.normalization`,
:mod:`xaqf.preprocessing.transform`,
:mod:`xaqf.preprocessing.grey_line`, :mod:`xaqf.preprocessing.channels`), where the science lives
and is documented.

Examples
--------
>>> import xaqf
>>> world = xaqf.tutorial.toy_world(resolution=30.0, days=2, spinup_days=0)
>>> cams = world.cams
>>> stats = cams.aqf.compute_stats()
>>> model_view = cams.aqf.normalize(stats).aqf.log_transform().aqf.to_channels("pollutant")
>>> model_view.sizes["channel"]
73
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy.typing as npt
import pandas as pd
import xarray as xr

from xaqf import regrid
from xaqf.data import io
from xaqf.preprocessing import channels, normalization, transform
from xaqf.preprocessing import grey_line as grey_line_module
from xaqf.variables import GREY_LINE


class _AqfAccessor:
    """Methods shared by the Dataset and DataArray accessors."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def regrid(self, target: xr.Dataset | xr.DataArray | float, method: str = "bilinear"
               ) -> Any:
        """Regrid to ``target`` (bilinear or conservative), periodic in longitude.

        To regrid many objects between the same two grids, build one
        :class:`xaqf.regrid.Regridder` and reuse its weights.

        Parameters
        ----------
        target
            A Dataset/DataArray whose ``latitude``/``longitude`` define the grid, or a
            resolution in degrees (a global grid, see :func:`xaqf.regrid.global_grid`).
        method
            ``"bilinear"``, or ``"conservative"`` for fluxes such as emission inventories
            (area-weighted, keeps global totals; :mod:`xaqf.regrid.conservative`).

        Returns
        -------
        Dataset or DataArray
            On the target grid; lazy where the input is dask-backed. The object itself when
            it is already on the target grid. See :func:`xaqf.regrid.regrid`.

        Examples
        --------
        >>> import xaqf
        >>> met = xaqf.tutorial.toy_world(resolution=30.0, days=2, spinup_days=0).era5
        >>> dict(met.aqf.regrid(15.0).sizes)["latitude"]
        13
        """
        return regrid.regrid(self._obj, target, method)

    def normalize(self, stats: xr.Dataset, *, force: bool = False) -> Any:
        """Normalise each channel as ``(x - mean) / std`` with ``stats``.

        Pollutants use the Eq. 10-11 scale (``mean = 0``), meteorology a standardisation;
        see :func:`xaqf.preprocessing.normalization.normalize`.

        Parameters
        ----------
        stats
            Statistics from :meth:`compute_stats` (dimension ``channel``).
        force
            Normalise even fields whose ``normalization`` attribute says they already are.

        Returns
        -------
        Dataset or DataArray
            Dimensionless fields (``units = "1"``) with a ``normalization`` attribute and
            the statistics' fingerprint in ``normalization_stats``.

        Examples
        --------
        >>> import xaqf
        >>> cams = xaqf.tutorial.toy_world(resolution=30.0, days=2, spinup_days=0).cams
        >>> normed = cams.aqf.normalize(cams.aqf.compute_stats())
        >>> normed["pm10"].attrs["units"], bool(normed["pm10"].max() < 3)
        ('1', True)
        """
        return normalization.normalize(self._obj, stats, force=force)

    def denormalize(self, stats: xr.Dataset, *, force: bool = False) -> Any:
        """Undo :meth:`normalize`: physical values and catalogue attributes again.

        Parameters
        ----------
        stats
            The statistics used to normalise.
        force
            Denormalise even fields whose attributes say they are physical, still
            log-transformed or normalised with other statistics.

        Returns
        -------
        Dataset or DataArray
            See :func:`xaqf.preprocessing.normalization.denormalize`.

        Examples
        --------
        >>> import numpy as np, xaqf
        >>> cams = xaqf.tutorial.toy_world(resolution=30.0, days=2, spinup_days=0).cams
        >>> stats = cams.aqf.compute_stats()
        >>> back = cams.aqf.normalize(stats).aqf.denormalize(stats)
        >>> bool(np.allclose(back["go3"], cams["go3"], rtol=1e-6)), back["go3"].attrs["units"]
        (True, 'kg kg-1')
        """
        return normalization.denormalize(self._obj, stats, force=force)


@xr.register_dataset_accessor("aqf")
class DatasetAccessor(_AqfAccessor):
    """``ds.aqf``: air-quality forecasting operations on a labelled Dataset."""

    def standardize(self, kind: str, *, assume_units: bool = False) -> xr.Dataset:
        """Canonical names, dimensions, order, dtype and units for ``kind`` of data.

        Parameters
        ----------
        kind
            ``"cams"`` (pollutants), ``"met"`` or ``"static"``.
        assume_units
            Take data variables without a ``units`` attribute as already in catalogue units;
            by default they raise :class:`~xaqf.errors.UnitError`.

        Returns
        -------
        Dataset
            Latitude descending, longitude in [0, 360), levels in hPa ascending, float32,
            catalogue units and attributes; lazy on dask. See :func:`xaqf.data.io.standardize`.

        Examples
        --------
        >>> import xaqf
        >>> cams = xaqf.tutorial.toy_world(resolution=30.0, days=2, spinup_days=0).cams
        >>> flipped = cams.sortby("latitude")  # as some downloads come
        >>> float(flipped.aqf.standardize("cams").latitude[0])
        90.0
        """
        return io.standardize(self._obj, kind, assume_units=assume_units)

    def compute_stats(self, dims: Sequence[str] | None = None, *,
                      variables: Iterable[str] | None = None,
                      scale_variables: Iterable[str] = ()) -> xr.Dataset:
        """Per-channel normalisation statistics, lazily on dask-backed data.

        Eq. 11 for pollutants (``std`` = half the time-mean of the spatial maximum, ``mean``
        = 0), mean and standard deviation for meteorology and statics; see
        :func:`xaqf.preprocessing.normalization.compute_stats`.

        Parameters
        ----------
        dims
            Time-like dimensions to average over (``time``, or ``init_time``/``lead_time``);
            default: every dimension except ``level``, ``latitude`` and ``longitude``.
        variables
            Variables to describe; default: every data variable.
        scale_variables
            Uncatalogued variables to normalise like pollutants (emission inventories).

        Returns
        -------
        Dataset
            Dimension ``channel``; data variables ``mean`` and ``std``; savable to netCDF.

        Examples
        --------
        >>> import xaqf
        >>> cams = xaqf.tutorial.toy_world(resolution=30.0, days=2, spinup_days=0).cams
        >>> stats = cams.aqf.compute_stats()
        >>> stats.sizes["channel"], str(stats.method.sel(channel="go3_500").values)
        (73, 'scale')
        """
        return normalization.compute_stats(self._obj, dims, variables=variables,
                                           scale_variables=scale_variables)

    def log_transform(self, variables: Iterable[str] | None = None,
                      floor: float = transform.DEFAULT_FLOOR, *, force: bool = False
                      ) -> xr.Dataset:
        """Eq. 12 skew transform of *normalised* pollutants, ``x + log10(2.5e4 x) / log10(25)``.

        Parameters
        ----------
        variables
            Variables to transform; default every pollutant variable present.
        floor
            Values are clamped to at least this before the logarithm (default 1e-6).
        force
            Transform even variables already transformed or in physical units.

        Returns
        -------
        Dataset
            See :func:`xaqf.preprocessing.transform.log_transform_dataset`.

        Examples
        --------
        >>> import xaqf
        >>> cams = xaqf.tutorial.toy_world(resolution=30.0, days=2, spinup_days=0).cams
        >>> normed = cams.aqf.normalize(cams.aqf.compute_stats())
        >>> "transform" in normed.aqf.log_transform()["no2"].attrs
        True
        """
        return transform.log_transform_dataset(self._obj, variables=variables, floor=floor,
                                               force=force)

    def inverse_log_transform(self, variables: Iterable[str] | None = None, *,
                              force: bool = False) -> xr.Dataset:
        """Exact inverse of :meth:`log_transform` (to float32 precision).

        Parameters
        ----------
        variables
            Variables to invert; default every pollutant variable present.
        force
            Invert even variables without a ``transform`` attribute.

        Returns
        -------
        Dataset
            See :func:`xaqf.preprocessing.transform.inverse_log_transform_dataset`.

        Examples
        --------
        >>> import numpy as np, xaqf
        >>> cams = xaqf.tutorial.toy_world(resolution=30.0, days=2, spinup_days=0).cams
        >>> normed = cams.aqf.normalize(cams.aqf.compute_stats())
        >>> back = normed.aqf.log_transform().aqf.inverse_log_transform()
        >>> bool(np.allclose(back["co"], normed["co"], rtol=1e-5))
        True
        """
        return transform.inverse_log_transform_dataset(self._obj, variables=variables,
                                                       force=force)

    def grey_line_base(self, step: str | pd.Timedelta = "12h",
                       grey_line: Iterable[str] = GREY_LINE,
                       target_times: npt.ArrayLike | None = None) -> xr.Dataset:
        """The pollutant base B at each target time tau.

        The value at ``tau - 24h`` for grey-line variables and at ``tau - step`` for the
        others; see :func:`xaqf.preprocessing.grey_line.grey_line_base`.

        Parameters
        ----------
        step
            The forecast step (the lag of the non-grey-line base); any pandas duration.
        grey_line
            Variables whose base is taken 24 h before the target (default
            :data:`xaqf.variables.GREY_LINE`).
        target_times
            Target times ``tau``. Default: every ``tau`` for which all the needed history is
            in the Dataset (including one or two steps past its last time).

        Returns
        -------
        Dataset
            Labelled by target time; each variable's ``base_lag`` attribute says which
            offset it used.

        Examples
        --------
        >>> import xaqf
        >>> cams = xaqf.tutorial.toy_world(resolution=30.0, days=2, spinup_days=0).cams
        >>> base = cams.aqf.grey_line_base(step="12h")
        >>> base["no2"].attrs["base_lag"], base["go3"].attrs["base_lag"]
        ('24h', '12h')
        """
        return grey_line_module.grey_line_base(self._obj, step=step, grey_line=grey_line,
                                               target_times=target_times)

    def to_channels(self, channel_names: str | Sequence[str] = "pollutant") -> xr.DataArray:
        """Stack variables x levels into one ``channel`` axis, in catalogue order.

        Parameters
        ----------
        channel_names
            ``"pollutant"`` (73 channels), ``"met"`` (70), ``"static"`` or a list of channel
            names such as ``["tcco", "go3_850"]``.

        Returns
        -------
        DataArray
            Dimensions ``(..., channel, latitude, longitude)``; see
            :func:`xaqf.preprocessing.channels.to_channels`.

        Examples
        --------
        >>> import xaqf
        >>> cams = xaqf.tutorial.toy_world(resolution=30.0, days=2, spinup_days=0).cams
        >>> cams.aqf.to_channels(["tcco", "go3_850"]).channel.values.tolist()
        ['tcco', 'go3_850']
        """
        return channels.to_channels(self._obj, channel_names)


@xr.register_dataarray_accessor("aqf")
class DataArrayAccessor(_AqfAccessor):
    """``da.aqf``: operations on a labelled DataArray (e.g. the model's channel view)."""

    def from_channels(self) -> xr.Dataset:
        """Unstack a ``channel`` axis back into variables on levels (exact inverse).

        Returns
        -------
        Dataset
            One variable per catalogue name, with catalogue attributes; see
            :func:`xaqf.preprocessing.channels.from_channels`.

        Examples
        --------
        >>> import xaqf
        >>> cams = xaqf.tutorial.toy_world(resolution=30.0, days=2, spinup_days=0).cams
        >>> cams.aqf.to_channels("pollutant").aqf.from_channels().equals(cams)
        True
        """
        return channels.from_channels(self._obj)
