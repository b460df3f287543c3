"""Met variables derived from others, where physics gives them exactly.

Relative humidity and specific humidity (ERA5's definition, the IFS formula)
---------------------------------------------------------------------------
With ``p`` the pressure (Pa, from the ``level`` coordinate), ``q`` the specific humidity
(kg kg-1) and ``t`` the temperature (K), the vapour pressure is
``e = p q / (eps + (1 - eps) q)`` with ``eps = Rd / Rv ~= 0.621981``, and

    r = 100 e / es(t)

where ``es`` is the saturation vapour pressure of the IFS, over water above
``T0 = 273.16 K``, over ice below ``Ti = 250.16 K`` (-23 C), and mixed between:

    es = a es_water + (1 - a) es_ice,   a = ((t - Ti) / (T0 - Ti))**2
    es_water = 611.21 exp(17.502 (t - T0) / (t - 32.19))
    es_ice   = 611.21 exp(22.587 (t - T0) / (t + 0.7))

(IFS documentation, Part IV, section 12.6.3). This is the relative humidity ERA5 and
FuXi's ``r`` hold; over water only, as MetPy computes it by default, gives about half the
value at 210 K. The reverse, ``q`` from ``r``, inverts the same relations. Both are computed
by ECMWF's ``earthkit-meteo`` (``earthkit.meteo.thermo.array``, ``phase="mixed"``,
``method="ifs"``), elementwise, lazily on dask.

Precipitation
-------------
12-hour totals from 1- or 6-hourly amounts and from amounts accumulated since the start
of a forecast: :func:`precipitation_12h` (on top of
:mod:`xaqf.data.sources.precipitation`).

Every derived field appends a line to its ``history`` attribute (CF convention) saying
what it was derived from and how. A derived humidity far outside its physical range
raises :class:`~xaqf.errors.InvalidValueError` naming the likely unit slip (``t`` in degC
labelled K, ``q`` in g kg-1 labelled kg kg-1...); on dask data the check runs as each
block is computed.

Examples
--------
>>> import numpy as np, xarray as xr
>>> level = xr.DataArray([1000.0], dims="level", coords={"level": [1000.0]})
>>> t = xr.DataArray([300.0], dims="level", coords={"level": [1000.0]})
>>> q = xr.DataArray([0.01], dims="level", coords={"level": [1000.0]})
>>> r = relative_humidity(q, t)
>>> round(float(r[0]), 2), r.attrs["units"]
(45.25, '%')
>>> round(float(specific_humidity(r, t)[0]), 6)
0.01
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import earthkit.meteo
import numpy as np
import xarray as xr
from earthkit.meteo.thermo import array as thermo

from xaqf._version import __version__
from xaqf.data.extra_met import EXTRA_RANGES, KNOWN_VARIABLES
from xaqf.data.sources.precipitation import deaccumulate_12h, totals_12h
from xaqf.errors import InvalidValueError, LayoutError
from xaqf.variables import VALID_RANGES

__all__ = ["DERIVATIONS", "PRECIPITATION_PERIODS", "Derivation", "add_history",
           "precipitation_12h", "relative_humidity", "specific_humidity"]

FORMULA = (f"IFS saturation vapour pressure, mixed phase (earthkit-meteo "
           f"{earthkit.meteo.__version__}, phase='mixed', method='ifs')")
"""How the humidities are derived, as written into ``history``."""

PRECIPITATION_PERIODS = ("1h", "3h", "6h", "12h", "accumulated")
"""What one ``tp`` value can hold: the amount over one such period, or the amount
accumulated since the forecast started (``"accumulated"``)."""


def add_history(da: xr.DataArray, text: str) -> xr.DataArray:
    """``da`` with a timestamped line appended to its ``history`` attribute (CF style).

    Examples
    --------
    >>> import xarray as xr
    >>> out = add_history(xr.DataArray([1.0], dims="x"), "r derived from q")
    >>> out.attrs["history"].endswith("xaqf 0.1.0: r derived from q")
    True
    """
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    line = f"{stamp} xaqf {__version__}: {text}"
    earlier = str(da.attrs.get("history", "")).strip()
    return da.assign_attrs(history=f"{earlier}\n{line}" if earlier else line)


def relative_humidity(q: xr.DataArray, t: xr.DataArray, p: xr.DataArray | None = None
                      ) -> xr.DataArray:
    """Relative humidity (%) from specific humidity (kg kg-1), temperature (K), pressure.

    Parameters
    ----------
    q, t
        Specific humidity and temperature in catalogue units, on pressure levels.
    p
        Pressure (Pa); default: the ``level`` coordinate of ``t`` (hPa) in Pa.

    Returns
    -------
    xarray.DataArray
        ``r`` (float32, catalogue attributes, ``history``), over water above 0 C, over ice
        below -23 C, mixed between (see the module notes). Lazy on dask.

    Raises
    ------
    InvalidValueError
        The result is far outside 0-100 % (wrong units of ``q`` or ``t``), named.
    """
    r = _apply(_relative_humidity_kernel, t, q, _pressure(t, p))
    return _finish(r, "r", "r derived from q, t and p: r = 100 e(q, p) / es(t), " + FORMULA)


def specific_humidity(r: xr.DataArray, t: xr.DataArray, p: xr.DataArray | None = None
                      ) -> xr.DataArray:
    """Specific humidity (kg kg-1) from relative humidity (%), temperature (K), pressure:
    the inverse of :func:`relative_humidity` (same saturation vapour pressure).

    Raises
    ------
    InvalidValueError
        The result is outside 0-0.1 kg kg-1 (``r`` not in %, ``t`` not in K), named.

    Examples
    --------
    >>> import xarray as xr
    >>> coords = {"level": [500.0]}
    >>> r = xr.DataArray([50.0], dims="level", coords=coords)
    >>> t = xr.DataArray([210.0], dims="level", coords=coords)
    >>> round(float(relative_humidity(specific_humidity(r, t), t)[0]), 4)
    50.0
    """
    q = _apply(_specific_humidity_kernel, t, r, _pressure(t, p))
    return _finish(q, "q", "q derived from r, t and p: e = r es(t) / 100, q = eps e / "
                           "(p - (1 - eps) e), " + FORMULA)


def precipitation_12h(tp: xr.DataArray, period: str, dim: str | None = None) -> xr.DataArray:
    """12-hour precipitation totals from ``tp`` holding amounts over ``period``.

    Parameters
    ----------
    tp
        Precipitation (m) along ``time`` or ``lead_time``.
    period
        One of :data:`PRECIPITATION_PERIODS`: the period of one amount (``"1h"``,
        ``"6h"``...), or ``"accumulated"`` (since the forecast started, along
        ``lead_time``).
    dim
        The time axis; default ``lead_time`` if present, else ``time``.

    Returns
    -------
    xarray.DataArray
        The totals over the 12 h ending at each label, with ``history``; NaN where an
        amount of the 12 h is missing (never a partial sum).

    Raises
    ------
    LayoutError
        Unknown ``period``, or amounts not spaced ``period`` apart (the gap named).

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> hours = pd.date_range("2022-06-01T01", periods=24, freq="h")
    >>> hourly = xr.DataArray(np.ones(24), dims="time", coords={"time": hours})
    >>> precipitation_12h(hourly, "1h").values[[10, 11, 23]].tolist()
    [nan, 12.0, 12.0]
    """
    if period not in PRECIPITATION_PERIODS:
        raise LayoutError(f"precipitation period {period!r} is not one of "
                          f"{list(PRECIPITATION_PERIODS)}")
    axis = dim or next((d for d in ("lead_time", "time") if d in tp.dims), "time")
    if period == "accumulated":
        total = deaccumulate_12h(tp, axis)
        how = f"differences of the amounts accumulated since the start, 12 h apart along {axis}"
    else:
        total = totals_12h(tp, axis, period)
        how = f"sums of the {period} amounts of the 12 h ending at each {axis}"
    return add_history(total.assign_attrs(tp.attrs), f"tp: 12 h totals from {how}")


@dataclass(frozen=True)
class Derivation:
    """How xaqf derives a met variable on pressure levels from others.

    Parameters
    ----------
    target
        The variable made.
    inputs
        The variables it is made from (on the same levels).
    make
        ``make(*inputs)`` -> the target, a DataArray.
    """

    target: str
    inputs: tuple[str, ...]
    make: Callable[..., xr.DataArray]


DERIVATIONS: dict[str, Derivation] = {
    "r": Derivation("r", ("q", "t"), relative_humidity),
    "q": Derivation("q", ("r", "t"), specific_humidity),
}
"""The level variables xaqf derives, by target; precipitation is derived by
:func:`precipitation_12h`, from what a weather model's ``tp`` holds."""


def _pressure(t: xr.DataArray, p: xr.DataArray | None) -> xr.DataArray:
    if p is not None:
        return p
    if "level" not in t.coords:
        raise LayoutError(f"{t.name or 't'!r} has no 'level' coordinate (hPa) to take the "
                          f"pressure from; pass p (Pa)")
    return t["level"].astype(np.float64) * 100.0


def _apply(kernel: Callable[..., np.ndarray], *args: xr.DataArray) -> xr.DataArray:
    return xr.apply_ufunc(kernel, *args, dask="parallelized", output_dtypes=[np.float32],
                          keep_attrs="drop")


def _finish(da: xr.DataArray, name: str, text: str) -> xr.DataArray:
    return add_history(da.rename(name).assign_attrs(KNOWN_VARIABLES[name].attrs), text)


def _relative_humidity_kernel(t: np.ndarray, q: np.ndarray, p: np.ndarray) -> np.ndarray:
    t, q, p = np.broadcast_arrays(*(np.asarray(x, np.float64) for x in (t, q, p)))
    _check_temperature(t, "r")
    r = thermo.relative_humidity_from_specific_humidity(t, q, p)
    _check_range(r, "r", "%", VALID_RANGES["r"], _Source("q", q, 0.1, "g kg-1 labelled kg kg-1"))
    return np.asarray(r, np.float32)


def _specific_humidity_kernel(t: np.ndarray, r: np.ndarray, p: np.ndarray) -> np.ndarray:
    t, r, p = np.broadcast_arrays(*(np.asarray(x, np.float64) for x in (t, r, p)))
    _check_temperature(t, "q")
    q = thermo.specific_humidity_from_relative_humidity(t, r, p)
    _check_range(q, "q", "kg kg-1", EXTRA_RANGES["q"],
                 _Source("r", r, VALID_RANGES["r"][1], "per mille or another scale labelled %"))
    return np.asarray(q, np.float32)


def _check_temperature(t: np.ndarray, name: str) -> None:
    lowest, highest = VALID_RANGES["t"]
    finite = t[np.isfinite(t)]
    if finite.size and (finite.min() < lowest or finite.max() > highest):
        slip = "degrees Celsius labelled K" if finite.max() < 100.0 else "not kelvin"
        raise InvalidValueError(
            f"t spans {finite.min():.4g} ... {finite.max():.4g} K, outside {lowest:g} ... "
            f"{highest:g} K: it looks like {slip}. Fix the 'units' attribute of t (or "
            f"convert it) before deriving {name}")


@dataclass(frozen=True)
class _Source:
    """The humidity a derivation starts from, and the unit slip its values above
    ``highest`` betray."""

    name: str
    values: np.ndarray
    highest: float
    slip: str


def _check_range(values: np.ndarray, name: str, units: str, valid: tuple[float, float],
                 source: _Source) -> None:
    finite = values[np.isfinite(values)]
    if not finite.size or (valid[0] <= finite.min() and finite.max() <= valid[1]):
        return
    largest = np.nanmax(source.values)
    slip = (f"{source.name} (max {largest:.4g}) looks like {source.slip}"
            if largest > source.highest else f"check the units of {source.name}")
    raise InvalidValueError(
        f"{name} derived from {source.name} and t spans {finite.min():.4g} ... "
        f"{finite.max():.4g} {units}, far outside {valid[0]:g} ... {valid[1]:g} {units}: "
        f"{slip}. Fix its 'units' attribute (or convert it) before deriving {name}")
