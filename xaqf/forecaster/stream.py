"""Running a forecaster's rollouts batch by batch, and streaming the decoded lead times.

:func:`forecast_pieces` is the engine of :meth:`~xaqf.Forecaster.predict` and
:meth:`~xaqf.Forecaster.predict_iter`: the network is moved to the requested device in eval
mode for the rollout, then put back where it was, in the mode it was in (also when the
rollout fails or the generator is closed early). The rollout runs inside
:func:`xaqf.forecaster.heap.retained_heap`, so large host buffers freed in one step or batch
are reused by the next instead of being mapped afresh: on the CPU a network forward's, on
any device the met blocks and pollutant states fetched for the network. Each step is
decoded in a worker thread while the network runs the next
(:func:`~xaqf.forecaster.rollout.overlapped`).

With ``dtype="bf16"`` only the network's body runs in bfloat16 (autocast): its output head
runs in float32 (:func:`~xaqf.forecaster.rollout.float32_head`, as ``psi ~ 1`` has 2^-7
resolution in bfloat16) and the state fed back to the next step, ``psi * B + delta``, is
float32, as is the encoding. The decoding of a bf16 forecast inverts the log
transform in float32 arithmetic (``precise=False`` of
:func:`~xaqf.preprocessing.transform.inverse_log_transform`, relative error 2e-6, three orders
of magnitude below bfloat16's rounding) at half the cost of the float64 steps that give
float32 forecasts their last bit.

Examples
--------
>>> import torch
>>> net = torch.nn.Linear(1, 1)
>>> with placed(net, torch.device("cpu")) as running:
...     running.training
False
>>> net.training
True
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing, contextmanager, nullcontext
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import torch
import xarray as xr

from xaqf._utils.checks import (
    autocast_dtype,
    check_finite,
    forecast_steps,
    positive_int,
    resolve_device,
)
from xaqf._utils.progress import progress as progress_bar
from xaqf.forecaster.heap import retained_heap
from xaqf.forecaster.inputs import ForecastInputs, prepare_inputs
from xaqf.forecaster.output import (
    Piece,
    empty_forecast,
    forecast_template,
    labelled,
    stream_to,
)
from xaqf.forecaster.rollout import CompiledNet, float32_head, overlapped, rollout
from xaqf.model import step_features
from xaqf.preprocessing.emissions import EmissionEncoder, StepStatics, prepare_emissions
from xaqf.preprocessing.encoding import Encoding


class Forecaster(Protocol):
    """What running a rollout needs of a :class:`~xaqf.Forecaster`."""

    @property
    def net(self) -> torch.nn.Module: ...

    @property
    def encoding(self) -> Encoding: ...

    @property
    def step(self) -> pd.Timedelta: ...

    @property
    def grid(self) -> xr.Dataset | None: ...

    @property
    def emissions(self) -> EmissionEncoder | None: ...

    @property
    def pollutant_channels(self) -> tuple[str, ...]: ...

    @property
    def met_channels(self) -> tuple[str, ...]: ...

    def static_tensor(self, grid: xr.Dataset, device: torch.device | str = "cpu"
                      ) -> torch.Tensor: ...

    def compiled_net(self, device: str | torch.device, dtype: str | None = None
                     ) -> CompiledNet: ...


@contextmanager
def placed(net: torch.nn.Module, device: torch.device) -> Iterator[torch.nn.Module]:
    """``net`` on ``device`` in eval mode; afterwards back on its device, in its mode."""
    first = next(chain(net.parameters(), net.buffers()), None)
    home = device if first is None else first.device
    training = net.training
    try:
        yield net.to(device).eval()
    finally:
        net.to(home).train(training)


def autocast(device: torch.device, dtype: str | None) -> Any:
    """The autocast context of a forecast in ``dtype`` (``None``: float32, disabled)."""
    cast = autocast_dtype(dtype)
    if cast is None:
        return torch.autocast(device.type, enabled=False)
    return torch.autocast(device.type, dtype=cast)


def run_settings(steps: int, batch_size: int, device: str | torch.device | None,
                 dtype: str | None) -> torch.device:
    """Check the settings of a forecast (before any data is touched); returns the device."""
    forecast_steps(steps)
    positive_int(batch_size, "batch_size")
    autocast_dtype(dtype)
    return resolve_device(device)


def prepare(forecaster: Forecaster, cams: xr.Dataset, met: xr.Dataset, steps: int,
            init_times: Sequence | None, emissions: xr.Dataset | None
            ) -> tuple[ForecastInputs, xr.Dataset | None]:
    """The checked inputs of a forecast (:func:`~xaqf.forecaster.inputs.prepare_inputs`) and
    the emission fields it needs on their grid
    (:func:`~xaqf.preprocessing.emissions.prepare_emissions`)."""
    inputs = prepare_inputs(cams, met, steps=steps, step=forecaster.step, grid=forecaster.grid,
                            init_times=init_times,
                            pollutant_channels=forecaster.pollutant_channels,
                            met_channels=forecaster.met_channels)
    return inputs, prepare_emissions(forecaster.emissions, emissions, inputs.grid)


def datasets(pieces: Generator[Piece, None, None], forecaster: Forecaster, grid: xr.Dataset
             ) -> Iterator[xr.Dataset]:
    """``pieces`` as Datasets; closing this generator closes ``pieces``."""
    with closing(pieces):
        for piece in pieces:
            yield from piece.datasets(forecaster.step, grid, forecaster.pollutant_channels)


def forecast_pieces(forecaster: Forecaster, inputs: ForecastInputs, batch_size: int,
                    device: torch.device, dtype: str | None, progress: bool,
                    out: np.ndarray | None = None, emissions: xr.Dataset | None = None,
                    compile: bool = False) -> Generator[Piece, None, None]:
    """Run the rollout batch by batch; yield each lead time of each batch, decoded.

    With ``out`` (the whole forecast, :func:`~xaqf.forecaster.output.empty_forecast`),
    each piece is decoded into its place there and its values are a view of it.
    ``emissions`` are the fields of :func:`~xaqf.preprocessing.emissions.prepare_emissions`.
    Step ``s`` is decoded in a worker thread while the network runs step ``s + 1``
    (:func:`~xaqf.forecaster.rollout.overlapped`). With ``compile``, the network runs
    through :meth:`~xaqf.Forecaster.compiled_net`.
    """
    encoding, step = forecaster.encoding, forecaster.step
    statics = StepStatics(forecaster.static_tensor(inputs.grid, device), forecaster.emissions,
                          emissions)
    grey = torch.as_tensor(encoding.grey_mask, device=device)
    case_inits, case_members = inputs.cases
    starts = range(0, len(case_inits), batch_size)
    bar = progress_bar(total=len(starts) * inputs.steps, desc="forecast", unit="step",
                       enabled=progress)
    precise = autocast_dtype(dtype) is None
    head = nullcontext() if precise else float32_head(forecaster.net)
    with placed(forecaster.net, device) as net, bar, retained_heap(), head:
        if compile:
            net = forecaster.compiled_net(device, dtype)
        for first in starts:
            inits = case_inits[first:first + batch_size]
            members = None if case_members is None else case_members[first:first + batch_size]
            p_prev, p_now = _encoded_pollutants(encoding, inputs, inits, device)
            times = step_features(inits, step)

            def features(s: int, times: Callable[[int], np.ndarray] = times) -> torch.Tensor:
                return torch.as_tensor(times(s), device=device)

            met = _met_feed(encoding, inputs, inits, members, device)
            states = rollout(net, p_prev, p_now, met, statics.per_step(inits, step), features,
                             grey, inputs.steps)

            def decode(item: tuple[int, torch.Tensor], first: int = first,
                       cases: int = len(inits)) -> tuple[int, np.ndarray]:
                s, state = item
                slot = None if out is None else out[first:first + cases, s - 1]
                return s, encoding.decode_to_host(state.float(), slot, precise=precise)

            steps = overlapped(enumerate(states, start=1), decode)
            while (item := _next_step(steps, device, dtype)) is not None:
                bar.update()
                yield Piece(first, inits, item[0], item[1], members)


def _next_step(steps: Iterator[tuple[int, np.ndarray]], device: torch.device,
               dtype: str | None) -> tuple[int, np.ndarray] | None:
    """The next decoded step, computed in inference mode (and autocast), or ``None``.

    The modes are entered for the computation only: between pieces the caller's thread
    keeps its own (tensors it builds are ordinary tensors, gradients work).
    """
    with torch.inference_mode(), autocast(device, dtype):
        return next(steps, None)


def _met_feed(encoding: Encoding, inputs: ForecastInputs, inits: np.ndarray,
              members: np.ndarray | None, device: torch.device
              ) -> Callable[[int], torch.Tensor]:
    """``met(s)``, the encoded met state of step ``s`` on ``device``, for
    :func:`~xaqf.forecaster.rollout.rollout`: fetched in blocks of steps (see
    :meth:`ForecastInputs.meteorology`), each state encoded when asked for."""
    per_fetch = inputs.states_per_fetch(len(inits))
    block: dict[int, np.ndarray] = {}

    def met(s: int) -> torch.Tensor:
        if s not in block:
            fetched = range(s, min(s + per_fetch, inputs.steps + 1))
            block.clear()
            states = inputs.meteorology(inits, fetched, members)
            block.update(zip(fetched, states, strict=True))
        state = encoding.encode_met(torch.as_tensor(block.pop(s), device=device))
        check_finite(state, inputs.met_channels, inits + (s * inputs.step).to_timedelta64(),
                     "met")
        return state
    return met


def _encoded_pollutants(encoding: Encoding, inputs: ForecastInputs, inits: np.ndarray,
                        device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The encoded states at ``t - step`` and ``t`` of ``inits``, checked finite."""
    states = []
    for values, times in zip(inputs.pollutants(inits),
                             (inits - inputs.step.to_timedelta64(), inits), strict=True):
        state = encoding.encode_pollutants(torch.as_tensor(values, device=device))
        check_finite(state, inputs.pollutant_channels, times, "cams")
        states.append(state)
    return states[0], states[1]


def whole_forecast(forecaster: Forecaster, inputs: ForecastInputs, batch_size: int,
                   device: torch.device, dtype: str | None, progress: bool,
                   attrs: dict[str, str], *, output: Path | None = None,
                   emissions: xr.Dataset | None = None, compile: bool = False) -> xr.Dataset:
    """The labelled forecast of :func:`forecast_pieces`: in memory, or streamed to
    ``output`` and opened lazily from it. In memory and with ``compile``, the attributes
    ``xaqf_compile_seconds`` and ``xaqf_compiled`` record the compilation."""
    run = partial(forecast_pieces, forecaster, inputs, batch_size, device, dtype, progress,
                  emissions=emissions, compile=compile)
    if output is not None:
        template = partial(forecast_template, inputs.init_times, forecaster.step,
                           inputs.steps, inputs.grid, inputs.members,
                           inputs.pollutant_channels)
        return stream_to(output, datasets(run(), forecaster, inputs.grid), template, attrs)
    values = empty_forecast(len(inputs.cases[0]), inputs.steps, inputs.grid,
                            len(inputs.pollutant_channels))
    before = forecaster.compiled_net(device, dtype).compile_seconds if compile else 0.0
    deque(run(out=values), maxlen=0)
    forecast = labelled(values, inputs.init_times, range(1, inputs.steps + 1),
                        forecaster.step, inputs.grid, inputs.members,
                        inputs.pollutant_channels).assign_attrs(attrs)
    if compile:
        compiled = forecaster.compiled_net(device, dtype)
        forecast.attrs["xaqf_compile_seconds"] = round(compiled.compile_seconds - before, 3)
        forecast.attrs["xaqf_compiled"] = "yes" if compiled.failure is None else (
            f"no, fell back to the plain network: {compiled.failure}")
    return forecast
