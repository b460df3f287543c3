"""Named exceedance thresholds: WHO 2021 guidelines, EU limit values and EAQI band edges.

:func:`named_threshold` turns a name into a threshold that
:func:`xaqf.metrics.contingency` understands (``"<number> ug m-3"``, converted there to the
data's units); :func:`exceedance_skill` scores every variable of a Dataset that has one.
The names:

* ``"who_2021"``: the WHO 2021 short-term guideline level (24-hour mean; ozone: daily
  maximum 8-hour mean) of :data:`~xaqf.products.WHO_2021`;
* ``"eu_limit"``: the EU short-term limit or target value of :data:`EU_LIMITS`
  (Directive 2008/50/EC, in force until the 2024/2881 values apply in 2030);
* ``"eaqi:<category>"``: the lower edge of a European AQI category (``"eaqi:poor"``: values
  above the upper bound of "moderate") from :data:`~xaqf.products.EAQI_BANDS`.

Compare like with like: pass daily means (:func:`~xaqf.products.daily_means`) for 24-hour
levels and MDA8 (:func:`~xaqf.products.mda8`) for ozone's 8-hour levels.

Examples
--------
>>> named_threshold("who_2021", "pm2p5"), named_threshold("eaqi:poor", "pm10")
('15 ug m-3', '50 ug m-3')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import xarray as xr

from xaqf.errors import ConfigError, MissingVariableError
from xaqf.metrics.exceedance import contingency
from xaqf.products.air_quality import EAQI_BANDS, EAQI_LABELS, WHO_2021, Guideline
from xaqf.products.surface import UNITS

__all__ = ["EU_LIMITS", "THRESHOLD_NAMES", "exceedance_skill", "named_threshold"]

EU_LIMITS: tuple[Guideline, ...] = (
    Guideline("pm10", "24h", 50.0, "24-hour mean, not to be exceeded on more than 35 days"),
    Guideline("pm2p5", "annual", 25.0, "annual mean"),
    Guideline("no2", "1h", 200.0, "hourly mean, not to be exceeded more than 18 times"),
    Guideline("so2", "1h", 350.0, "hourly mean, not to be exceeded more than 24 times"),
    Guideline("so2", "24h", 125.0, "24-hour mean, not to be exceeded more than 3 times"),
    Guideline("go3", "8h", 120.0, "target value: daily maximum 8-hour mean, 25 days a year"),
    Guideline("co", "8h", 10000.0, "daily maximum 8-hour mean (10 mg m-3)"),
)
"""EU air-quality limit (and ozone target) values of Directive 2008/50/EC, in ug m-3."""

SHORT_TERM: tuple[str, ...] = ("24h", "8h", "1h")
"""Averaging periods usable on forecasts, in order of preference."""

THRESHOLD_NAMES: tuple[str, ...] = ("who_2021", "eu_limit",
                                    *(f"eaqi:{label}" for label in EAQI_LABELS[1:]))
"""Every name :func:`named_threshold` knows."""


def _short_term(table: tuple[Guideline, ...], variable: str) -> Guideline | None:
    levels = {g.averaging: g for g in table if g.variable == variable}
    return next((levels[period] for period in SHORT_TERM if period in levels), None)


def named_threshold(name: str, variable: str) -> str | None:
    """The threshold ``name`` for ``variable`` as ``"<level> ug m-3"``; ``None`` if it has none.

    Raises
    ------
    ConfigError
        An unknown name (the message lists :data:`THRESHOLD_NAMES`).
    """
    if name not in THRESHOLD_NAMES:
        raise ConfigError(f"unknown threshold name {name!r}; use one of {list(THRESHOLD_NAMES)}"
                          f" or pass a value such as '50 ug m-3'")
    if name.startswith("eaqi:"):
        bands = EAQI_BANDS.get(variable)
        if bands is None:
            return None
        level = bands[EAQI_LABELS.index(name.removeprefix("eaqi:")) - 1]
    else:
        guideline = _short_term(WHO_2021 if name == "who_2021" else EU_LIMITS, variable)
        if guideline is None:
            return None
        level = guideline.level
    return f"{level:g} {UNITS}"


def exceedance_skill(forecast: xr.Dataset, truth: xr.Dataset, name: str, *,
                     keep: Iterable[str] = ("lead_time", "level")) -> xr.Dataset:
    """:func:`xaqf.metrics.contingency` of every variable that has the threshold ``name``.

    Parameters
    ----------
    forecast, truth
        Surface fields (:func:`~xaqf.products.surface_fields`), gridded or at stations,
        ideally daily means or MDA8 (see the module notes).
    name
        One of :data:`THRESHOLD_NAMES`.
    keep
        As for :func:`~xaqf.metrics.contingency`.

    Raises
    ------
    MissingVariableError
        No variable of ``forecast`` has a threshold of that name.

    Examples
    --------
    >>> ug = {"units": "ug m-3"}  # unlabelled data would be read in the catalogue's kg m-3
    >>> f = xr.Dataset({"pm10": ("station", [60.0, 10.0], ug)})
    >>> o = xr.Dataset({"pm10": ("station", [70.0, 55.0], ug)})
    >>> table = exceedance_skill(f, o, "eu_limit")
    >>> table["hits"].values.tolist(), table["misses"].values.tolist()
    ([1.0], [1.0])
    """
    thresholds: Mapping[str, Any] = {
        str(var): level for var in forecast.data_vars
        if (level := named_threshold(name, str(var))) is not None}
    if not thresholds:
        raise MissingVariableError(
            f"no variable of the forecast {sorted(map(str, forecast.data_vars))} has a "
            f"{name!r} threshold; pass the threshold yourself to xaqf.metrics.contingency")
    return contingency(forecast, truth, thresholds, keep=keep).assign_attrs(threshold_name=name)
