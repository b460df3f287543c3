"""Exceptions raised by xaqf.

Every error xaqf raises on purpose derives from :class:`XaqfError`, so callers can catch
them all at once. Messages name the variable, dimension, time or file at fault and say how
to fix it.

Examples
--------
>>> from xaqf.errors import MissingVariableError, XaqfError
>>> issubclass(MissingVariableError, XaqfError)
True
"""

from __future__ import annotations


class XaqfError(Exception):
    """Base class of every error raised by xaqf."""


class DataError(XaqfError, ValueError):
    """The input data cannot be used as it is."""


class MissingVariableError(DataError, KeyError):
    """A variable the operation needs is absent from the Dataset."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class MissingLevelError(DataError):
    """A pressure level the operation needs is absent."""


class MissingTimeError(DataError):
    """A time step the operation needs (history, met forcing) is absent."""


class LayoutError(DataError):
    """Dimensions or coordinates are not what xaqf understands (model levels, no time axis...)."""


class GridMismatchError(DataError):
    """Two inputs that must share a latitude/longitude grid do not."""


class UnitError(DataError):
    """Units are missing, unknown, or cannot be converted to the canonical ones."""


class InvalidValueError(DataError):
    """Values that cannot be physical: NaNs, negative concentrations..."""


class ConfigError(XaqfError, ValueError):
    """A configuration (model, training, forecaster) is invalid."""


class ModelFileError(XaqfError):
    """A saved model is corrupt, unsafe (pickle payload) or does not match its metadata."""


class DownloadError(XaqfError):
    """A file could not be fetched: a registered sample (offline, unknown name, hash
    mismatch) or an ADS/CDS download (retries exhausted, incomplete file)."""


class MissingDependencyError(XaqfError, ImportError):
    """An optional dependency needed for this input is not installed (e.g. cfgrib for GRIB)."""


class StoreError(DataError):
    """Raw downloads cannot make the training store (overlaps, gaps, mixed grids or units),
    or an existing store was made from other inputs."""


class FileError(DataError):
    """A file cannot be read: empty, truncated, not netCDF/zarr/GRIB, or a directory that is
    not a zarr store."""


class DataWarning(UserWarning):
    """The data are usable but a result may not be what was meant (NaNs in the truth...)."""
