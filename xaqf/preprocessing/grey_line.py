"""The pollutant base B of the change prediction ``P(t+1) = Psi * B + Delta`` (Eq. 2).

The base must not look past the initial time and should resemble the target as closely as
possible. For species whose field follows the day-night terminator (the *grey line*) the
field one day earlier is the better guess, because the sun was in the same place; for the
others the most recent field is. So, at target time ``tau``:

* grey-line variables: ``B = P(tau - 24 h)``;
* every other variable: ``B = P(tau - step)`` (the initial time, 12 h by default).

The grey-line set defaults to :data:`xaqf.variables.GREY_LINE` (NO, NO2, their
columns and particulate matter); :func:`select_grey_line` measures on data which variables
are better served by the 24 h-old base. With a 12 h step the grey-line base is ``P(t-1)``,
one of the network inputs, so tensor code only needs :func:`select_base`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import reduce
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from xaqf.errors import ConfigError, LayoutError, MissingTimeError, MissingVariableError
from xaqf.preprocessing.channels import ChannelNames, resolve_channels, variable_of
from xaqf.preprocessing.transform import is_tensor
from xaqf.variables import GREY_LINE

GREY_LINE_LAG = pd.Timedelta("24h")
"""How far back the base of a grey-line variable lies."""


def _timedelta(step: str | pd.Timedelta | np.timedelta64) -> pd.Timedelta:
    delta = pd.Timedelta(step)
    if delta <= pd.Timedelta(0):
        raise ConfigError(f"step must be a positive duration such as '12h', got {step!r}")
    return delta


def _hours(delta: pd.Timedelta) -> str:
    return f"{delta / pd.Timedelta('1h'):g}h"


def base_lags(variables: Iterable[str], step: str | pd.Timedelta = "12h",
              grey_line: Iterable[str] = GREY_LINE) -> dict[str, pd.Timedelta]:
    """How far before the target time the base of each variable is taken.

    Examples
    --------
    >>> {name: str(lag) for name, lag in base_lags(["no2", "go3"]).items()}
    {'no2': '1 days 00:00:00', 'go3': '0 days 12:00:00'}
    """
    step, grey_line = _timedelta(step), frozenset(grey_line)
    return {name: GREY_LINE_LAG if name in grey_line else step for name in variables}


def _describe(times: pd.DatetimeIndex) -> str:
    if times.empty:
        return "no times"
    return f"{len(times)} times from {times[0]} to {times[-1]}"


def _all_targets(times: pd.DatetimeIndex, lags: Mapping[str, pd.Timedelta]) -> pd.DatetimeIndex:
    targets = reduce(pd.Index.intersection, [times + lag for lag in set(lags.values())])
    if targets.empty:
        needs = ", ".join(f"{name} at tau-{_hours(lag)}" for name, lag in lags.items())
        raise MissingTimeError(
            f"no target time tau has the history the base needs ({needs}); the Dataset holds "
            f"{_describe(times)}; provide a longer, regular time series"
        )
    return targets.sort_values()


def _check_targets(targets: pd.DatetimeIndex, times: pd.DatetimeIndex,
                   lags: Mapping[str, pd.Timedelta]) -> pd.DatetimeIndex:
    for tau in targets:
        for name, lag in lags.items():
            if tau - lag not in times:
                raise MissingTimeError(
                    f"the base of {name!r} at target time {tau} needs its value at {tau - lag} "
                    f"({_hours(lag)} earlier), which the Dataset lacks (it holds "
                    f"{_describe(times)}); add that time or drop the target time"
                )
    return targets


def grey_line_base(ds: xr.Dataset, step: str | pd.Timedelta = "12h",
                   grey_line: Iterable[str] = GREY_LINE,
                   target_times: npt.ArrayLike | None = None) -> xr.Dataset:
    """The base at each target time: ``ds(tau - 24h)`` for grey-line variables,
    ``ds(tau - step)`` for the others.

    Parameters
    ----------
    ds
        Pollutant fields (any units) with a ``time`` dimension.
    step
        Forecast step (the lag of the non-grey-line base); any pandas duration.
    grey_line
        Variables whose base is taken 24 h before the target.
    target_times
        Target times ``tau``. Default: every ``tau`` for which all the needed history is in
        ``ds`` (this includes one or two steps past its last time, the forecast case).

    Returns
    -------
    xarray.Dataset
        ``time`` = target time; each variable has a ``base_lag`` attribute (e.g. ``"24h"``).
        Lazy on dask.

    Raises
    ------
    MissingTimeError
        Naming the target time, the variable and the missing time (or, without
        ``target_times``, saying that no target time can be built).

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> time = pd.date_range("2022-06-01", periods=4, freq="12h")
    >>> ds = xr.Dataset({"no2": ("time", [0.0, 12, 24, 36]), "go3": ("time", [0.0, 12, 24, 36])},
    ...                 coords={"time": time})
    >>> base = grey_line_base(ds)
    >>> base.no2.values.tolist(), base.go3.values.tolist(), base.no2.attrs["base_lag"]
    ([0.0, 12.0, 24.0], [12.0, 24.0, 36.0], '24h')
    >>> str(base.time.values[0])[:19]
    '2022-06-02T00:00:00'
    """
    if "time" not in ds.dims:
        raise LayoutError(
            f"grey_line_base needs a 'time' dimension, found dims {tuple(ds.dims)}; for "
            "forecasts select one init_time and use its valid times as 'time'"
        )
    if not ds.data_vars:
        raise MissingVariableError("the Dataset holds no data variable to build a base from")
    lags = base_lags(map(str, ds.data_vars), step, grey_line)
    times = pd.DatetimeIndex(ds["time"].values)
    targets = (_all_targets(times, lags) if target_times is None
               else _check_targets(pd.DatetimeIndex(np.asarray(target_times)), times, lags))
    time = xr.DataArray(targets, dims="time", attrs=ds["time"].attrs)
    return xr.Dataset(
        {name: ds[name].sel(time=targets - lag).assign_coords(time=time)
         .assign_attrs(base_lag=_hours(lag)) for name, lag in lags.items()},
        attrs={**ds.attrs, "base": f"value at time - 24h for grey-line variables, at time - "
                                   f"{_hours(_timedelta(step))} for the others (xaqf)"},
    )


def grey_line_mask(channel_names: ChannelNames,
                   grey_line: Iterable[str] = GREY_LINE) -> np.ndarray:
    """Boolean mask over channels: True where the channel's variable is in ``grey_line``.

    Examples
    --------
    >>> grey_line_mask(["tcno2", "go3_850", "pm10"])
    array([ True, False,  True])
    >>> int(grey_line_mask("pollutant").sum())  # tc_no, tcno2, no x 13, no2 x 13, 3 PM
    31
    """
    grey_line = frozenset(grey_line)
    return np.array([variable_of(name) in grey_line for name in resolve_channels(channel_names)],
                    dtype=bool)


def select_base(p_prev: Any, p_now: Any, grey_mask: Any) -> Any:
    """Tensor base: ``p_prev`` on grey-line channels, ``p_now`` elsewhere (channel axis -3).

    Parameters
    ----------
    p_prev, p_now
        Fields 24 h and ``step`` before the target, shape ``(..., C, H, W)``: numpy, dask
        or torch (any device).
    grey_mask
        Boolean mask of length C (see :func:`grey_line_mask`).

    Examples
    --------
    >>> import numpy as np
    >>> base = select_base(np.zeros((1, 2, 1, 1)), np.ones((1, 2, 1, 1)), [True, False])
    >>> base.ravel().tolist()
    [0.0, 1.0]
    """
    shape = tuple(p_now.shape)
    if tuple(p_prev.shape) != shape or len(shape) < 3:
        raise LayoutError(
            f"p_prev {tuple(p_prev.shape)} and p_now {shape} must share one shape (..., C, H, W)"
        )
    if tuple(np.shape(grey_mask) if not is_tensor(grey_mask) else grey_mask.shape) != shape[-3:-2]:
        raise LayoutError(f"grey_mask must have one entry per channel ({shape[-3]})")
    if is_tensor(p_now):
        import torch

        mask = torch.as_tensor(grey_mask, dtype=torch.bool, device=p_now.device)
        return torch.where(mask.reshape(-1, 1, 1), p_prev, p_now)
    return np.where(np.asarray(grey_mask, dtype=bool)[:, None, None], p_prev, p_now)


def select_grey_line(ds: xr.Dataset, step: str | pd.Timedelta = "12h") -> frozenset[str]:
    """Variables whose 24 h-old base is closer to the truth than the ``step``-old one.

    Compares, over every time of ``ds`` that has both histories, the latitude-weighted mean
    absolute error of the two candidate bases against the field itself. This computes
    (it reads the whole of ``ds``): run it on a training period, ideally normalised.

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> time = pd.date_range("2022-06-01", periods=6, freq="12h")
    >>> daily = np.array([0.0, 1.0] * 3)  # returns every 24 h
    >>> ds = xr.Dataset({"no2": (("time", "latitude"), daily[:, None]),
    ...                  "co": (("time", "latitude"), np.arange(6.0)[:, None])},
    ...                 coords={"time": time, "latitude": [0.0]})
    >>> sorted(select_grey_line(ds))
    ['no2']
    """
    step = _timedelta(step)
    if step >= GREY_LINE_LAG:
        raise ConfigError(f"select_grey_line compares a 24h base with a shorter step; got {step}")
    times = pd.DatetimeIndex(ds["time"].values)
    targets = times[times.isin(times + GREY_LINE_LAG) & times.isin(times + step)]
    if targets.empty:
        raise MissingTimeError(
            f"no time of the Dataset has both its 24h- and {_hours(step)}-old values "
            f"({_describe(times)}); provide a longer, regular time series"
        )
    truth = ds.sel(time=targets)
    latitude = ds["latitude"]
    weights = latitude.copy(data=np.cos(np.deg2rad(latitude.values)))

    def error(grey_line: Iterable[str]) -> xr.Dataset:
        base = grey_line_base(ds, step, grey_line=grey_line, target_times=targets)
        return abs(base - truth).weighted(weights).mean()

    day_old, recent = error(map(str, ds.data_vars)), error(())
    return frozenset(str(name) for name in ds.data_vars
                     if float(day_old[name]) < float(recent[name]))
