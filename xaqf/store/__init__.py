"""The analysis-ready training store: raw CAMS and ERA5 downloads -> one zarr store.

:func:`prepare` (also ``xaqf prepare`` on the command line) reads raw files lazily,
standardizes, checks and regrids them onto the target grid, keeps the 12-hourly times of
the period (summing ERA5's hourly precipitation into 12 h totals) and writes groups
``cams``, ``met``, ``statics`` and ``stats`` (normalisation statistics computed in the same
pass) on dask.distributed, resumably, and with emission files an ``emissions`` group.
:func:`open_store` opens the result as an :class:`xarray.DataTree`;
:func:`store_emissions` reads its emission fields.

Modules: :mod:`~xaqf.store.plan` (input checks and time plan), :mod:`~xaqf.store.layout`
(groups, template), :mod:`~xaqf.store.statistics` (additive statistics),
:mod:`~xaqf.store.progress` (completion markers), :mod:`~xaqf.store.tasks` (one time step),
:mod:`~xaqf.store.prepare` (the driver), :mod:`~xaqf.store.open`.
"""

from __future__ import annotations

from xaqf.store.open import open_store, store_emissions
from xaqf.store.prepare import prepare

__all__ = ["open_store", "prepare", "store_emissions"]
