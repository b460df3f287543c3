"""The window rule shared by forecasting and training: every complete window, else the gap.

A window starting at an initial time ``t`` needs each of its inputs at fixed offsets from
``t``: a forecast needs the pollutants at ``t - step`` and ``t`` and the meteorology at
``t ... t + steps * step``; a training window also needs the pollutant targets. A
:class:`Need` states what one input holds and which offsets a window needs of it;
:func:`complete_windows` keeps the candidate initial times whose windows are complete and
describes the first gap it met (a :class:`Gap`, which names the missing time, the input and
the window that needs it).

An input is laid out either along ``time`` (analyses: the window needs the valid times
``t + offset``) or as forecasts along ``(init_time, lead_time)`` (the window needs the
forecast started at ``t``, with the offsets as lead times).

:func:`usable_init_times` applies the rule to default or explicit initial times;
:func:`window_offsets` gives the offsets of the states a rollout reads, and
:func:`input_times` / :func:`target_times` the valid times of each step's inputs and targets
(the latter pick a monthly emission climatology's month).

Only coordinates are looked at, never data values, so the rule is cheap on lazy data.

Examples
--------
>>> import pandas as pd
>>> times = pd.date_range("2022-06-01", periods=4, freq="12h")
>>> step = pd.Timedelta("12h")
>>> cams = Need("cams", (-step, 0 * step), times=times.delete(1),
...             labels={-step: "the state before t"})
>>> usable, gap = complete_windows(times[1:], [cams], window="forecast")
>>> [str(t) for t in usable]
['2022-06-02T12:00:00.000000000']
>>> print(gap)  # the first candidate, 2022-06-01 12:00, lacks itself
cams has no time 2022-06-01 12:00:00 (t for the forecast from 2022-06-01 12:00:00; 1 of the 2 cams times it needs are missing)
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from xaqf.errors import LayoutError, MissingTimeError


def _offset_text(offset: pd.Timedelta) -> str:
    if offset == pd.Timedelta(0):
        return "t"
    return f"t + {offset}" if offset > pd.Timedelta(0) else f"t - {-offset}"


class Need:
    """What a window from ``t`` needs of one input, and what that input holds.

    Parameters
    ----------
    name
        The input's name in messages (``"cams"``, ``"met"``).
    offsets
        The window needs the input at ``t + offset`` for each offset (lead times for an
        input laid out as forecasts).
    times
        Valid times the input holds along ``time``; or ``None`` for forecasts.
    init_times, lead_times
        Initial and lead times of an input laid out as forecasts; or ``None``.
    labels
        What some offsets are (e.g. ``{pd.Timedelta(0): "the initial state"}``), for
        messages; the others are written ``t + offset``.
    fix
        What the user can do about a gap in this input, appended to its message.

    Examples
    --------
    >>> import pandas as pd
    >>> need = Need("met", pd.to_timedelta(["0h", "12h"]), init_times=["2022-06-01"],
    ...             lead_times=pd.to_timedelta(["0h", "12h", "24h"]))
    >>> need.is_forecast, need.complete(pd.DatetimeIndex(["2022-06-01", "2022-06-02"]))
    (True, array([ True, False]))
    """

    def __init__(self, name: str, offsets: Iterable[Any], *, times: Any = None,
                 init_times: Any = None, lead_times: Any = None,
                 labels: Mapping[Any, str] | None = None, fix: str = "") -> None:
        forecast = init_times is not None and lead_times is not None
        if forecast == (times is not None):
            raise LayoutError(
                f"Need {name!r}: give either times (an input along 'time') or both "
                "init_times and lead_times (forecasts), not both or neither"
            )
        self.name, self.fix = name, fix
        self.offsets = pd.TimedeltaIndex(list(offsets))
        self.labels = {pd.Timedelta(k): v for k, v in (labels or {}).items()}
        self.times = None if forecast else pd.DatetimeIndex(times)
        self.init_times = pd.DatetimeIndex(init_times) if forecast else None
        self.lead_times = pd.TimedeltaIndex(lead_times) if forecast else None

    def __repr__(self) -> str:
        layout = "forecasts" if self.is_forecast else "time"
        return f"Need({self.name!r}, offsets={list(map(str, self.offsets))}, along {layout})"

    @classmethod
    def of(cls, ds: xr.Dataset, name: str, offsets: Iterable[Any], **kwargs: Any) -> Need:
        """The need of a window for ``ds``, whose layout (``time`` or forecasts along
        ``(init_time, lead_time)``) is read from its dimensions.

        Examples
        --------
        >>> import pandas as pd, xarray as xr
        >>> ds = xr.Dataset(coords={"time": pd.date_range("2022-06-01", periods=2)})
        >>> Need.of(ds, "met", [pd.Timedelta(0)]).is_forecast
        False
        """
        offsets = list(offsets)
        if "init_time" in ds.dims and "lead_time" in ds.dims:
            return cls(name, offsets, init_times=ds["init_time"].values,
                       lead_times=ds["lead_time"].values, **kwargs)
        if "time" in ds.dims:
            return cls(name, offsets, times=ds["time"].values, **kwargs)
        raise LayoutError(
            f"{name} has neither a 'time' dimension nor ('init_time', 'lead_time') (dims: "
            f"{tuple(ds.dims)}); standardize it with ds.aqf.standardize first"
        )

    @property
    def _times(self) -> pd.DatetimeIndex:
        if self.times is None:
            raise LayoutError(f"{self.name} is laid out as forecasts, it has no valid times")
        return self.times

    @property
    def is_forecast(self) -> bool:
        """The input is laid out as forecasts along ``(init_time, lead_time)``."""
        return self.times is None

    def complete(self, candidates: pd.DatetimeIndex) -> np.ndarray:
        """Whether the input holds everything the window from each candidate needs."""
        if self.init_times is not None and self.lead_times is not None:
            leads_held = bool(np.all(self.offsets.isin(self.lead_times)))
            return np.asarray(candidates.isin(self.init_times)) & leads_held
        held = np.ones(len(candidates), bool)
        for offset in self.offsets:
            held &= np.asarray((candidates + offset).isin(self._times))
        return held

    def gap(self, t: pd.Timestamp, window: str = "window") -> Gap | None:
        """The first thing the window from ``t`` lacks in this input, or ``None``."""
        if self.init_times is not None and t not in self.init_times:
            return Gap(self, t, self.offsets[0], len(self.offsets), "init_time", window)
        if self.lead_times is not None:
            missing = [offset for offset in self.offsets if offset not in self.lead_times]
        else:
            missing = [offset for offset in self.offsets if t + offset not in self._times]
        if not missing:
            return None
        return Gap(self, t, missing[0], len(missing),
                   "lead_time" if self.is_forecast else "time", window)


@dataclass(frozen=True)
class Gap:
    """Why the window from ``init_time`` is incomplete: ``str(gap)`` says it in words.

    Parameters
    ----------
    need
        The input that lacks something.
    init_time
        The window's initial time ``t``.
    offset
        The first offset the input lacks (a lead time for forecasts).
    missing
        How many of the offsets the window needs of this input are missing.
    coordinate
        What is missing: a ``"time"``, the forecast's ``"init_time"`` or a ``"lead_time"``.
    window
        What the window is, in messages (``"forecast"``, ``"training window"``).
    """

    need: Need
    init_time: pd.Timestamp
    offset: pd.Timedelta
    missing: int
    coordinate: str
    window: str = "window"

    @property
    def time(self) -> pd.Timestamp:
        """The missing valid time ``t + offset`` (for a missing ``init_time``: ``t``)."""
        return self.init_time if self.coordinate == "init_time" else self.init_time + self.offset

    def __str__(self) -> str:
        need, t = self.need, self.init_time
        needed, window = len(need.offsets), f"the {self.window} from {t}"
        leads = f"{need.offsets[0]} ... {need.offsets[-1]}"
        if self.coordinate == "init_time":
            text = (f"the {need.name} forecast has no init_time {t} ({window} needs its "
                    f"leads {leads})")
        elif self.coordinate == "lead_time":
            text = (f"the {need.name} forecast from {t} has no lead_time {self.offset} (valid "
                    f"time {self.time}; {self.missing} of the {needed} leads {leads} {window} "
                    "needs are missing)")
        else:
            label = need.labels.get(self.offset, _offset_text(self.offset))
            text = (f"{need.name} has no time {self.time} ({label} for {window}; "
                    f"{self.missing} of the {needed} {need.name} times it needs are missing)")
        return f"{text}: {need.fix}" if need.fix else text


def complete_windows(candidates: Any, needs: Sequence[Need], *, window: str = "window"
                     ) -> tuple[np.ndarray, Gap | None]:
    """The candidate initial times whose windows are complete, and the first gap.

    Parameters
    ----------
    candidates
        Initial times to consider, in order (anything :class:`pandas.DatetimeIndex` takes).
    needs
        What the window needs of each input, checked in this order.
    window
        What a window is, in the gap's message (``"forecast"``, ``"training window"``).

    Returns
    -------
    usable : numpy.ndarray
        The complete candidates, ``datetime64[ns]``, in their order.
    gap : Gap or None
        The first input gap of the first incomplete candidate (``None`` when all are
        complete): raise it for explicit initial times, or quote it when none is usable.

    Examples
    --------
    >>> import pandas as pd
    >>> met = Need("met", pd.to_timedelta(["0h", "12h"]),
    ...            times=pd.date_range("2022-06-01", periods=3, freq="12h"))
    >>> usable, gap = complete_windows(["2022-06-01 12:00", "2022-06-01 00:00",
    ...                                 "2022-06-02 00:00"], [met], window="forecast")
    >>> len(usable), gap.time, gap.init_time
    (2, Timestamp('2022-06-02 12:00:00'), Timestamp('2022-06-02 00:00:00'))
    """
    index = pd.DatetimeIndex(np.atleast_1d(np.asarray(candidates, "datetime64[ns]")))
    complete = np.ones(len(index), bool)
    for need in needs:
        complete &= need.complete(index)
    if complete.all():
        return index.values, None
    first = pd.Timestamp(index[int(np.argmin(complete))])
    gap = next(g for g in (need.gap(first, window) for need in needs) if g is not None)
    return index.values[complete], gap


def usable_init_times(candidates: Any, default: Any, needs: Sequence[Need], *, window: str,
                      none_usable: str) -> np.ndarray:
    """The initial times whose windows are complete (:func:`complete_windows`).

    ``candidates`` ``None`` means every time of ``default``, and incomplete ones are
    skipped; explicit ``candidates`` must all be complete.

    Raises
    ------
    MissingTimeError
        An explicit candidate's window is incomplete (the :class:`Gap` in words), or no
        window is complete (``none_usable``).

    Examples
    --------
    >>> import pandas as pd
    >>> times = pd.date_range("2022-06-01", periods=3, freq="12h")
    >>> met = Need("met", pd.to_timedelta(["0h", "12h"]), times=times)
    >>> len(usable_init_times(None, times, [met], window="forecast", none_usable="none"))
    2
    >>> usable_init_times([times[-1]], times, [met], window="forecast", none_usable="none")
    Traceback (most recent call last):
    ...
    xaqf.errors.MissingTimeError: met has no time 2022-06-02 12:00:00 (t + 0 days 12:00:00 ...
    """
    chosen, gap = complete_windows(default if candidates is None else candidates, needs,
                                   window=window)
    if candidates is not None and gap is not None:
        raise MissingTimeError(str(gap))
    if not len(chosen):
        raise MissingTimeError(none_usable)
    return chosen


def window_offsets(step: pd.Timedelta, steps: int
                   ) -> tuple[list[pd.Timedelta], list[pd.Timedelta]]:
    """The offsets from ``t`` of the states a rollout of ``steps`` steps reads.

    Returns the pollutant offsets ``-step, 0, step ... steps * step`` (the two initial
    states, then the targets) and the met offsets ``0 ... steps * step``.

    Examples
    --------
    >>> import pandas as pd
    >>> pollutants, met = window_offsets(pd.Timedelta("12h"), 1)
    >>> [str(o) for o in pollutants], len(met)
    (['-1 days +12:00:00', '0 days 00:00:00', '0 days 12:00:00'], 2)
    """
    return [s * step for s in range(-1, steps + 1)], [s * step for s in range(steps + 1)]


def input_times(init_times: np.ndarray, step: pd.Timedelta, s: int) -> np.ndarray:
    """The valid times ``t + s * step`` of rollout step ``s``'s inputs (its met state
    ``Q(t + s)`` and its time features), for each initial time ``t``."""
    return init_times + (s * step).to_timedelta64()


def target_times(init_times: np.ndarray, step: pd.Timedelta, s: int) -> np.ndarray:
    """The valid times ``t + (s + 1) * step`` of rollout step ``s``'s targets (which pick
    the month of a monthly emission climatology), for each initial time ``t``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> inits = np.array(["2022-06-30T12"], "datetime64[ns]")
    >>> str(target_times(inits, pd.Timedelta("12h"), 0)[0])
    '2022-07-01T00:00:00.000000000'
    """
    return init_times + ((s + 1) * step).to_timedelta64()
