"""Emission inventories as model inputs: settings, statistics and encoding.

Emission fields join the static inputs of the network (after the six channels of
:mod:`xaqf.preprocessing.statics`). Canonical emission fields are the variables ``emi_<species>``
of a
Dataset, fluxes in kg m-2 s-1 on ``(latitude, longitude)`` -- an annual mean -- or on
``(month, latitude, longitude)`` with ``month`` 1..12 -- a monthly climatology.

The rules:

* which species, and whether the monthly climatology is used, are part of the model
  (:class:`EmissionSettings`, saved in the model file); the network's static input width is
  ``6 + len(species)``;
* a monthly field is picked by the month of the *valid time of the step's target*
  (``t + (s + 1) * step``, :func:`xaqf.preprocessing.windows.target_times`), at every step
  of a forecast and of a multi-step training window alike (:class:`StepStatics`, the one
  rule both use). Without ``monthly``, a Dataset with a ``month`` axis is averaged over it
  (the annual mean);
* emissions are normalised like the pollutants (Eq. 10-11, the ``"scale"`` method of
  :mod:`xaqf.preprocessing.normalization`: ``x / scale`` with ``scale = 0.5 * time mean of the
  spatial
  maximum``, here over the fields the training times pick), then optionally log-transformed
  (Eq. 12, :func:`xaqf.preprocessing.transform.log_transform`);
* emissions on another grid are brought onto the model grid by mass-conserving regridding
  (:mod:`xaqf.regrid.conservative`), with a warning.

Examples
--------
>>> import numpy as np, xarray as xr
>>> grid = {"latitude": [90.0, 0.0, -90.0], "longitude": [0.0, 180.0]}
>>> ds = xr.Dataset({"emi_co": (("latitude", "longitude"), np.array([[0, 1], [2, 4], [0, 0.]]),
...                             {"units": "kg m-2 s-1"})}, coords=grid)
>>> settings = EmissionSettings(("co",))
>>> encoder = EmissionEncoder.fit(ds, settings)
>>> float(encoder.stats["std"].sel(channel="emi_co"))  # 0.5 * spatial maximum
2.0
>>> encoder.features(ds)[0, 0].tolist()
[[0.0, 0.5], [1.0, 2.0], [0.0, 0.0]]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
import xarray as xr

from xaqf._utils.serialize import JsonConfig
from xaqf.data.inventory import SPECIES, UNITS, check_covers, check_months, variable_of
from xaqf.data.units import convert
from xaqf.errors import ConfigError, LayoutError, MissingVariableError
from xaqf.preprocessing.normalization import compute_stats, normalize_array
from xaqf.preprocessing.transform import DEFAULT_FLOOR, log_transform
from xaqf.preprocessing.windows import target_times
from xaqf.regrid import same_grid


@dataclass(frozen=True)
class EmissionSettings(JsonConfig):
    """Which emission fields a model takes, and how they are encoded.

    Parameters
    ----------
    species
        Species of :data:`SPECIES`, in channel order.
    monthly
        Use the monthly climatology picked by the valid time (else the annual mean).
    log_transform
        Apply the Eq. 12 log transform after the scaling.
    floor
        Floor of the log transform (normalised units).

    Examples
    --------
    >>> EmissionSettings(["nox", "co"]).variables
    ('emi_nox', 'emi_co')
    >>> EmissionSettings(("o3",))
    Traceback (most recent call last):
    ...
    xaqf.errors.ConfigError: unknown emission species ['o3']; known: ['bc', 'co', ...
    """

    species: tuple[str, ...]
    monthly: bool = False
    log_transform: bool = False
    floor: float = DEFAULT_FLOOR

    def __post_init__(self) -> None:
        self.typed_fields()
        unknown = [s for s in self.species if s not in SPECIES]
        if unknown or not self.species or len(set(self.species)) != len(self.species):
            raise ConfigError(f"unknown emission species {unknown}; known: {sorted(SPECIES)} "
                              f"(give each once, at least one)" if unknown else
                              f"emission species {list(self.species)} must be non-empty and "
                              f"without repeats")

    @property
    def variables(self) -> tuple[str, ...]:
        """The canonical variable (and channel) names, in order."""
        return tuple(variable_of(s) for s in self.species)


def select_emissions(emissions: xr.Dataset, settings: EmissionSettings,
                     valid_times: Sequence[Any] | None = None) -> xr.Dataset:
    """The fields ``settings`` asks for, in kg m-2 s-1, for each of ``valid_times``.

    Returns ``(time, latitude, longitude)`` variables for monthly settings with
    ``valid_times``, else ``(latitude, longitude)`` (the annual mean over ``month`` if any).

    Raises
    ------
    MissingVariableError
        A species' variable is absent (named with the fix).
    LayoutError
        Monthly settings without a ``month`` axis holding every month asked for; a
        ``month`` axis not numbered 1..12, or lacking months when the annual mean is taken
        (:func:`xaqf.data.inventory.check_months`).
    UnitError
        Units missing or not convertible to kg m-2 s-1.
    """
    missing = [s for s, v in zip(settings.species, settings.variables, strict=True)
               if v not in emissions.data_vars]
    if missing:
        raise MissingVariableError(
            f"the emissions lack species {missing} (variables "
            f"{[variable_of(s) for s in missing]}) that the model was trained with; give an "
            f"inventory holding them (xaqf.data.inventory.open_cams_glob_ant)")
    ds = xr.Dataset({v: convert(emissions[v], UNITS) for v in settings.variables})
    check_months(ds, annual=not settings.monthly)
    if not settings.monthly:
        return ds.mean("month") if "month" in ds.dims else ds
    if "month" not in ds.dims:
        raise LayoutError("the model takes a monthly emission climatology but the emissions "
                          "have no 'month' dimension; give fields on (month, latitude, "
                          "longitude) with month = 1..12")
    if valid_times is None:
        return ds
    index = pd.DatetimeIndex(np.asarray(valid_times, "datetime64[ns]"))
    absent = sorted(set(index.month) - set(ds["month"].values.tolist()))
    if absent:
        raise LayoutError(f"the emission climatology lacks months {absent} needed by valid "
                          f"times {index.min()} ... {index.max()}")
    picked = ds.sel(month=list(index.month)).rename(month="time")
    return picked.assign_coords(time=index.values)


def emission_stats(emissions: xr.Dataset, settings: EmissionSettings,
                   valid_times: Sequence[Any] | None = None) -> xr.Dataset:
    """Eq. 11 statistics of the emission channels (``"scale"`` method).

    For monthly settings the time mean runs over the fields picked by ``valid_times`` (the
    training period's target times), or over the twelve months when ``None``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"emi_nox": (("month", "latitude", "longitude"),
    ...                               np.arange(1, 25.0).reshape(12, 1, 2), {"units": UNITS})},
    ...                 coords={"month": np.arange(1, 13)})
    >>> settings = EmissionSettings(("nox",), monthly=True)
    >>> times = np.array(["2022-01-01", "2022-02-01"], "datetime64[ns]")
    >>> float(emission_stats(ds, settings, times)["std"][0])  # 0.5 * mean(2, 4)
    1.5
    """
    fields = select_emissions(emissions, settings, valid_times)
    dims = [d for d in ("time", "month") if d in fields.dims]
    return compute_stats(fields, dims=dims, scale_variables=settings.variables).compute()


def emissions_on_grid(emissions: xr.Dataset, settings: EmissionSettings, grid: xr.Dataset
                      ) -> xr.Dataset:
    """The fields ``settings`` asks for (:func:`select_emissions`) on ``grid``:
    conservatively regridded, with a warning, when they are on another grid.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> fine = xr.Dataset({"emi_co": (("latitude", "longitude"), np.ones((4, 8)),
    ...                               {"units": UNITS})},
    ...                   coords={"latitude": [67.5, 22.5, -22.5, -67.5],
    ...                           "longitude": np.arange(8) * 45.0 + 22.5})
    >>> coarse = xr.Dataset(coords={"latitude": [45.0, -45.0], "longitude": [45.0, 135.0,
    ...                                                                     225.0, 315.0]})
    >>> import warnings
    >>> with warnings.catch_warnings(record=True):
    ...     on_grid = emissions_on_grid(fine, EmissionSettings(("co",)), coarse)
    >>> on_grid["emi_co"].shape, bool(np.allclose(on_grid["emi_co"], 1.0))
    ((2, 4), True)
    """
    fields = select_emissions(emissions, settings)
    if same_grid(fields, grid):
        return fields
    check_covers(fields, grid)
    warnings.warn(
        f"emissions are on a {fields.sizes['latitude']} x {fields.sizes['longitude']} "
        f"grid, the model on {grid.sizes['latitude']} x {grid.sizes['longitude']}: "
        f"regridding them conservatively (mass-conserving)", stacklevel=3)
    return fields.aqf.regrid(grid, method="conservative")


@dataclass(frozen=True, eq=False)
class EmissionEncoder:
    """Emission settings with their statistics: physical fields -> network channels.

    Parameters
    ----------
    settings
        The :class:`EmissionSettings`.
    stats
        Statistics covering ``settings.variables`` (:func:`emission_stats`).
    """

    settings: EmissionSettings
    stats: xr.Dataset

    def __post_init__(self) -> None:
        held = set(self.stats["channel"].values.tolist()) if "channel" in self.stats.coords \
            else set()
        missing = [v for v in self.settings.variables if v not in held]
        if missing:
            raise MissingVariableError(
                f"the normalisation statistics lack the emission channels {missing}; compute "
                f"them with xaqf.preprocessing.emissions.emission_stats on the training period")
        object.__setattr__(self, "stats",
                           self.stats.sel(channel=list(self.settings.variables)).compute())

    @classmethod
    def fit(cls, emissions: xr.Dataset, settings: EmissionSettings,
            valid_times: Sequence[Any] | None = None) -> EmissionEncoder:
        """Settings with statistics computed on ``emissions`` (see :func:`emission_stats`)."""
        return cls(settings, emission_stats(emissions, settings, valid_times))

    @property
    def channels(self) -> tuple[str, ...]:
        """The emission channel names, in order."""
        return self.settings.variables

    def on_grid(self, emissions: xr.Dataset, grid: xr.Dataset) -> xr.Dataset:
        """:func:`emissions_on_grid` of this encoder's settings."""
        return emissions_on_grid(emissions, self.settings, grid)

    def features(self, emissions: xr.Dataset, valid_times: Sequence[Any] | None = None
                 ) -> np.ndarray:
        """Encoded ``(T, E, H, W)`` float32 channels (``T = 1`` for annual means).

        ``emissions`` must be on the model grid (see :meth:`on_grid`).
        """
        times = None if valid_times is None else list(valid_times)
        fields = select_emissions(emissions, self.settings, times)
        stacked = np.stack([np.asarray(fields[v].values, np.float64)
                            for v in self.settings.variables], axis=-3)
        if stacked.ndim == 3:
            stacked = stacked[None]
        mean = np.asarray(self.stats["mean"].values).reshape(-1, 1, 1)
        std = np.asarray(self.stats["std"].values).reshape(-1, 1, 1)
        encoded = normalize_array(stacked, mean, std)
        if self.settings.log_transform:
            encoded = log_transform(encoded, self.settings.floor)
        return np.asarray(encoded, np.float32)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (settings and the scale of each channel)."""
        return {"settings": self.settings.to_dict(),
                "channel": list(self.channels),
                "mean": self.stats["mean"].values.tolist(),
                "std": self.stats["std"].values.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EmissionEncoder:
        """Inverse of :meth:`to_dict`."""
        stats = xr.Dataset({"mean": ("channel", np.asarray(data["mean"], np.float64)),
                            "std": ("channel", np.asarray(data["std"], np.float64))},
                           coords={"channel": data["channel"],
                                   "method": ("channel", ["scale"] * len(data["channel"]))})
        return cls(EmissionSettings.from_dict(data["settings"]), stats)

    def __repr__(self) -> str:
        kind = "monthly" if self.settings.monthly else "annual"
        log = ", log" if self.settings.log_transform else ""
        return f"EmissionEncoder({list(self.settings.species)}, {kind}{log})"


def prepare_emissions(encoder: EmissionEncoder | None, emissions: xr.Dataset | None,
                      grid: xr.Dataset) -> xr.Dataset | None:
    """The emission fields a model needs, checked, on ``grid`` and in memory, or ``None``.

    A model without emissions (``encoder`` ``None``) ignores given ones with a warning.

    Raises
    ------
    MissingVariableError
        The model takes emissions and none (or not all of its species) are given.
    """
    if encoder is None:
        if emissions is not None:
            warnings.warn("this model was trained without emission inputs; the emissions "
                          "given are ignored", stacklevel=3)
        return None
    if emissions is None:
        raise MissingVariableError(
            f"this model was trained with emissions of {list(encoder.settings.species)} "
            f"(variables {list(encoder.channels)}); pass emissions=... with them")
    return encoder.on_grid(emissions, grid).load()


def with_emissions(statics: torch.Tensor, encoder: EmissionEncoder | None,
                   fields: xr.Dataset | None, valid_times: Sequence[Any] | None = None
                   ) -> torch.Tensor:
    """``(S, H, W)`` static features followed by the encoded emission channels.

    ``(S + E, H, W)`` for annual means; ``(B, S + E, H, W)`` for a monthly climatology
    with ``B`` valid times. ``statics`` itself without an encoder or fields.
    """
    if encoder is None or fields is None:
        return statics
    monthly = encoder.settings.monthly and valid_times is not None
    encoded = torch.as_tensor(encoder.features(fields, valid_times if monthly else None),
                              device=statics.device)
    if not monthly:
        return torch.cat([statics, encoded[0]])
    return torch.cat([statics.expand(encoded.shape[0], *statics.shape), encoded], dim=1)


class StepStatics:
    """The static inputs of each rollout step: the static features, then the emission
    channels of the step (for a monthly climatology, those of the month of the step's
    target, :func:`~xaqf.preprocessing.windows.target_times`).

    Forecasts and training windows both take their statics from here, so a model is run
    with the emission fields it was trained with at every step.

    Parameters
    ----------
    statics
        ``(S, H, W)`` static features.
    encoder, fields
        The model's :class:`EmissionEncoder` and its fields on the grid
        (:func:`prepare_emissions`); ``None`` for a model without emissions.

    Examples
    --------
    >>> import numpy as np, pandas as pd, torch, xarray as xr
    >>> fields = xr.Dataset({"emi_co": (("month", "latitude", "longitude"),
    ...                                 np.arange(1, 13.0).reshape(12, 1, 1), {"units": UNITS})},
    ...                     coords={"month": np.arange(1, 13)})
    >>> encoder = EmissionEncoder.fit(fields, EmissionSettings(("co",), monthly=True))
    >>> statics = StepStatics(torch.zeros(6, 1, 1), encoder, fields)
    >>> feed = statics.per_step(np.array(["2022-06-30"], "datetime64[ns]"),
    ...                         pd.Timedelta("12h"))
    >>> scale = float(encoder.stats["std"][0])  # the field of month m is m
    >>> [round(float(feed(s)[0, 6, 0, 0]) * scale, 3) for s in range(2)]  # June, then July
    [6.0, 7.0]
    """

    _KEPT = 12
    """Stacks of emission fields kept for reuse (one per set of months asked for)."""

    def __init__(self, statics: torch.Tensor, encoder: EmissionEncoder | None,
                 fields: xr.Dataset | None) -> None:
        self.statics, self.encoder, self.fields = statics, encoder, fields
        self.monthly = encoder is not None and fields is not None and encoder.settings.monthly
        self._fixed = statics if self.monthly else with_emissions(statics, encoder, fields)
        self._of_months: dict[tuple[int, ...], torch.Tensor] = {}

    def at(self, valid_times: np.ndarray) -> torch.Tensor:
        """The statics of targets valid at ``valid_times``: ``(S + E, H, W)``, or
        ``(B, S + E, H, W)`` for a monthly climatology."""
        if not self.monthly:
            return self._fixed
        months = tuple(pd.DatetimeIndex(valid_times).month)
        if months not in self._of_months:
            if len(self._of_months) >= self._KEPT:
                self._of_months.clear()
            self._of_months[months] = with_emissions(self.statics, self.encoder, self.fields,
                                                     list(valid_times))
        return self._of_months[months]

    def per_step(self, init_times: np.ndarray, step: pd.Timedelta
                 ) -> Callable[[int], torch.Tensor]:
        """``statics(s)``, the statics of rollout step ``s`` from ``init_times``."""
        return lambda s: self.at(target_times(init_times, step, s))
