"""Exceedance skill: 2 x 2 contingency tables of a threshold and the scores built on them.

An *event* is a value above the threshold (``value > threshold``, as for the WHO and EU
limits). Each forecast/truth pair falls in one cell:

==================  ====================  =====================
\\                   observed event        no observed event
==================  ====================  =====================
forecast event      ``hits`` (a)          ``false_alarms`` (b)
no forecast event   ``misses`` (c)        ``correct_negatives`` (d)
==================  ====================  =====================

On a grid each pair counts with its latitude weight (cos-latitude, mean 1: the counts are
areas in units of an average grid cell); at stations each pair counts 1. Pairs with a NaN on
either side are left out. From the counts (``n = a + b + c + d``):

* ``pod`` (probability of detection, hit rate) ``a / (a + c)``;
* ``far`` (false-alarm ratio) ``b / (a + b)``;
* ``csi`` (critical success index, threat score) ``a / (a + b + c)``;
* ``ets`` (equitable threat score) ``(a - r) / (a + b + c - r)`` with the hits expected by
  chance ``r = (a + c)(a + b) / n``;
* ``hss`` (Heidke skill score) ``2 (a d - b c) / ((a + c)(c + d) + (a + b)(b + d))``;
* ``frequency_bias`` ``(a + b) / (a + c)``.

A table without the events a score needs (no observed exceedance, say) has that score NaN,
with a :class:`~xaqf.errors.DataWarning` naming the threshold. Named thresholds (WHO 2021,
EU limit values, EAQI bands) live with the products: :func:`xaqf.products.named_threshold`
and :func:`xaqf.products.exceedance_skill`.

Examples
--------
>>> import numpy as np, xarray as xr
>>> f = xr.DataArray([30.0, 60.0, 70.0, 10.0], dims="station", attrs={"units": "ug m-3"})
>>> o = xr.DataArray([55.0, 80.0, 20.0, 5.0], dims="station", attrs={"units": "ug m-3"})
>>> table = contingency(f, o, "50 ug m-3")
>>> [int(table[k]) for k in ("hits", "misses", "false_alarms", "correct_negatives")]
[1, 1, 1, 1]
>>> float(table["pod"]), float(table["hss"])
(0.5, 0.0)
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pint
import xarray as xr

from xaqf.data.units import conversion, convert
from xaqf.errors import DataWarning, LayoutError, MissingVariableError, UnitError
from xaqf.metrics.aggregation import weighted_sums
from xaqf.metrics.align import SPATIAL_DIMS, match
from xaqf.metrics.weights import latitude_weights
from xaqf.variables import VARIABLES

__all__ = ["COUNTS", "SCORES", "contingency", "contingency_scores", "threshold_in_units"]

Threshold = float | int | str | pint.Quantity
COUNTS: tuple[str, ...] = ("hits", "misses", "false_alarms", "correct_negatives")
"""The four cells of the table, in the order of :func:`contingency`'s output."""
SCORES: tuple[str, ...] = ("pod", "far", "csi", "ets", "hss", "frequency_bias")
"""The scores derived from the table."""


def _units_of(da: xr.DataArray) -> str | None:
    units = str(da.attrs.get("units", "")).strip()
    known = VARIABLES.get(str(da.name))
    return units or (known.units if known is not None else None)


def threshold_in_units(threshold: Threshold, units: str | None, what: str) -> float:
    """The threshold as a number in ``units`` (the data's).

    Parameters
    ----------
    threshold
        A number (already in the data's units), a string ``"<number> <units>"`` or a pint
        quantity.
    units
        The data's units (``None``: unknown, only a bare number is accepted).
    what
        Name of the data in error messages.

    Raises
    ------
    UnitError
        Units that do not parse, do not convert to the data's, or data without units.

    Examples
    --------
    >>> threshold_in_units("0.1 mg m-3", "ug m-3", "pm10")
    100.0
    >>> threshold_in_units(45, "ug m-3", "pm10")
    45.0
    """
    if isinstance(threshold, int | float | np.number):
        return float(threshold)
    if isinstance(threshold, pint.Quantity):
        value, source = float(threshold.magnitude), str(threshold.units)
    else:
        number, _, source = str(threshold).strip().partition(" ")
        try:
            value = float(number)
        except ValueError:
            raise UnitError(f"threshold {threshold!r} for {what} is not '<number> <units>', "
                            f"e.g. '45 ug m-3'") from None
    if not source.strip():
        return value
    if units is None:
        raise UnitError(f"{what} has no units attribute, so the threshold {threshold!r} "
                        f"cannot be converted; set {what}.attrs['units'] or pass a number")
    try:
        scale, offset = conversion(source, units)
    except UnitError as err:
        raise UnitError(f"the threshold {threshold!r} cannot be compared with {what} in "
                        f"{units!r} ({err})") from None
    return scale * value + offset


def _paired(forecast: xr.DataArray, truth: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    """Forecast and truth point for point, the truth in the forecast's units."""
    if {"init_time", "lead_time"} <= set(forecast.dims) and "time" in truth.dims:
        return match(forecast, truth)
    units, found = _units_of(forecast), _units_of(truth)
    if units and found and units != found:
        truth = convert(truth, units, source_units=found, what=f"truth {truth.name}")
    forecast, truth = xr.align(forecast, truth, join="inner")
    return xr.broadcast(forecast, truth)


def _weights(forecast: xr.DataArray) -> xr.DataArray:
    if all(dim in forecast.dims for dim in SPATIAL_DIMS):
        return latitude_weights(forecast["latitude"])
    return xr.DataArray(1.0)


def _divide(numerator: xr.DataArray, denominator: xr.DataArray) -> xr.DataArray:
    return numerator / denominator.where(denominator != 0)


def contingency_scores(hits: Any, misses: Any, false_alarms: Any,
                       correct_negatives: Any) -> dict[str, Any]:
    """POD, FAR, CSI, ETS, HSS and frequency bias of (weighted) counts; NaN where undefined.

    Examples
    --------
    >>> a, c, b, d = (xr.DataArray(v) for v in (28.0, 23.0, 72.0, 2680.0))
    >>> {k: round(float(v), 3) for k, v in contingency_scores(a, c, b, d).items()}
    {'pod': 0.549, 'far': 0.72, 'csi': 0.228, 'ets': 0.216, 'hss': 0.355, 'frequency_bias': 1.961}
    """
    a, c, b, d = hits, misses, false_alarms, correct_negatives
    n = a + b + c + d
    chance = _divide((a + c) * (a + b), n)
    return {
        "pod": _divide(a, a + c),
        "far": _divide(b, a + b),
        "csi": _divide(a, a + b + c),
        "ets": _divide(a - chance, a + b + c - chance),
        "hss": _divide(2 * (a * d - b * c), (a + c) * (c + d) + (a + b) * (b + d)),
        "frequency_bias": _divide(a + b, a + c),
    }


def _warn_undefined(table: xr.Dataset, text: str, what: str) -> None:
    observed = table["hits"] + table["misses"]
    forecast = table["hits"] + table["false_alarms"]
    for count, kind in ((observed, "observed"), (forecast, "forecast")):
        empty = int((count == 0).sum())
        if empty:
            warnings.warn(
                f"no {kind} event above the threshold {text} for {what} in {empty} of "
                f"{count.size} table(s): the scores that divide by the {kind} events are NaN "
                f"there; choose a lower threshold or pool more cases", DataWarning, stacklevel=4)


def _table(forecast: xr.DataArray, truth: xr.DataArray, threshold: Threshold,
           keep: tuple[Hashable, ...]) -> xr.Dataset:
    what = str(forecast.name)
    forecast, truth = _paired(forecast, truth)
    level = threshold_in_units(threshold, _units_of(forecast), what)
    valid = forecast.notnull() & truth.notnull()
    forecast_event, observed_event = forecast > level, truth > level
    cells = {
        "hits": forecast_event & observed_event,
        "misses": ~forecast_event & observed_event,
        "false_alarms": forecast_event & ~observed_event,
        "correct_negatives": ~forecast_event & ~observed_event,
    }
    dims = [dim for dim in forecast.dims if dim not in keep]
    weights = _weights(forecast)
    counts = {name: weighted_sums((cell & valid).astype(np.float64), weights, dims)[0]
              for name, cell in cells.items()}
    table = xr.Dataset(counts).compute()
    text = threshold if isinstance(threshold, str) else f"{threshold}"
    _warn_undefined(table, text, what)
    table = table.assign(contingency_scores(*(table[name] for name in COUNTS)))
    return table.assign_coords(threshold=level).assign_attrs(
        threshold=text, event=f"{what} > {level:g} {_units_of(forecast) or ''}".strip(),
        counts="latitude-weighted (mean weight 1)" if weights.ndim else "pairs")


def contingency(forecast: xr.Dataset | xr.DataArray, truth: xr.Dataset | xr.DataArray,
                threshold: Threshold | Mapping[str, Threshold], *,
                keep: Iterable[Hashable] = ("lead_time", "level")) -> xr.Dataset:
    """Contingency table of exceedances of ``threshold`` and its scores.

    Parameters
    ----------
    forecast
        Gridded forecast (``init_time, lead_time, [level,] latitude, longitude``) or any
        data paired point for point with ``truth`` (stations, daily means...).
    truth
        An analysis with a ``time`` dim (matched at the valid times, like
        :func:`~xaqf.metrics.rmse`) or data in the forecast's layout (aligned on their
        shared coordinates); converted to the forecast's units.
    threshold
        A number in the data's units, ``"<number> <units>"`` or a pint quantity (converted
        to the data's units), or for a Dataset a mapping variable -> threshold (only those
        variables are scored).
    keep
        Dimensions kept (one table each); every other dimension is pooled.

    Returns
    -------
    xarray.Dataset
        ``hits``, ``misses``, ``false_alarms``, ``correct_negatives`` (area-weighted on a
        grid, pair counts otherwise) and ``pod``, ``far``, ``csi``, ``ets``, ``hss``,
        ``frequency_bias``; coordinate ``threshold`` (in the data's units). A Dataset
        forecast gives a ``variable`` dimension.

    Raises
    ------
    UnitError
        Threshold or truth units that do not convert to the forecast's.
    MissingVariableError
        A thresholded variable absent from the forecast or the truth.
    """
    kept = tuple(keep)
    if isinstance(forecast, xr.DataArray):
        if isinstance(threshold, Mapping):
            threshold = threshold[str(forecast.name)]
        if isinstance(truth, xr.Dataset):
            truth = truth[str(forecast.name)]
        return _table(forecast, truth, threshold, kept)
    if not isinstance(truth, xr.Dataset):
        raise LayoutError("the forecast is a Dataset: pass the truth as a Dataset too")
    chosen = dict(threshold) if isinstance(threshold, Mapping) else \
        {str(name): threshold for name in forecast.data_vars}
    absent = [name for name in chosen if name not in forecast.data_vars
              or name not in truth.data_vars]
    if absent:
        raise MissingVariableError(f"thresholds given for {absent}, absent from the forecast "
                                   f"or the truth; drop them or add the variables")
    tables = [_table(forecast[name], truth[name], value, kept).expand_dims(variable=[name])
              .assign_coords(threshold=("variable", [threshold_in_units(
                  value, _units_of(forecast[name]), name)]))
              for name, value in chosen.items()]
    return xr.concat(tables, "variable", combine_attrs="drop_conflicts")
