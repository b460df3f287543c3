"""The :class:`Forecaster`: a trained network plus everything needed to use it on xarray.

A forecaster bundles the network, its :class:`~xaqf.preprocessing.encoding.Encoding`
(normalisation statistics, log-transform settings, grey-line variables), the time step and
the static features, so that ``Forecaster.load(path).predict(cams, met)`` needs nothing
else. ``forecaster.encoding`` moves data between the physical space of the Datasets and the
network's space; predictions come back in physical units, positive by construction.
Non-finite network outputs raise :class:`~xaqf.errors.InvalidValueError` naming the
rollout step.

:meth:`~Forecaster.predict` moves the network to the requested device in eval mode for the
rollout, then puts it back where it was, in the mode it was in (also when the rollout fails
or a :meth:`~Forecaster.predict_iter` generator is closed early). The rollout runs
inside :func:`xaqf.forecaster.heap.retained_heap`, so large host buffers freed in one step or batch
are reused by the next instead of being mapped afresh: on the CPU a network forward's, on
any device the met blocks and pollutant states fetched for the network. Each step is
decoded in a worker thread while the network runs the next
(:func:`~xaqf.forecaster.rollout.overlapped`).

With ``dtype="bf16"`` only the network's body runs in bfloat16 (autocast): its output head
runs in float32 (:func:`~xaqf.forecaster.rollout.float32_head`, as ``psi ~ 1`` has 2^-7
resolution in bfloat16) and the state fed back to the next step, ``psi * B + delta``, is
float32, as is the encoding. The decoding of a bf16 forecast (decided) inverts the log
transform in float32 arithmetic (``precise=False`` of
:func:`~xaqf.preprocessing.transform.inverse_log_transform`, relative error 2e-6, three orders of
magnitude below bfloat16's rounding) at half the cost of the float64 steps that give float32
forecasts their last bit. ``compile=True`` runs the network through
:func:`torch.compile` (:meth:`Forecaster.compiled_net`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, nullcontext
from datetime import datetime, timezone
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import xarray as xr

from xaqf._utils.checks import (
    autocast_dtype,
    check_finite,
    check_output,
    forecast_steps,
    positive_int,
    resolve_device,
)
from xaqf._utils.progress import progress as progress_bar
from xaqf.errors import ConfigError
from xaqf.forecaster import model_file
from xaqf.forecaster.heap import retained_heap
from xaqf.forecaster.inputs import ForecastInputs, prepare_inputs
from xaqf.forecaster.model_file import ModelMetadata
from xaqf.forecaster.output import Piece, empty_forecast, forecast_template, labelled, stream_to
from xaqf.forecaster.rollout import CompiledNet, float32_head, overlapped, rollout
from xaqf.model import FusionUNet, ModelConfig, build_model, time_features
from xaqf.preprocessing.emissions import (
    EmissionEncoder,
    EmissionSettings,
    prepare_emissions,
    with_emissions,
)
from xaqf.preprocessing.encoding import Encoding, TransformSettings
from xaqf.preprocessing.normalization import combine_stats
from xaqf.preprocessing.statics import STATIC_CHANNELS, static_features
from xaqf.variables import GREY_LINE, MET_CHANNELS, POLLUTANT_CHANNELS

LOG_TRANSFORM = TransformSettings()
"""The default transform: Eq. 12 on every pollutant channel, floor 1e-6."""

StatsLike = xr.Dataset | Sequence[xr.Dataset] | Mapping[Any, xr.Dataset]
"""Statistics as one Dataset, or as parts that together cover every channel."""


def _combined(stats: StatsLike) -> xr.Dataset:
    """``stats`` as one Dataset (:func:`~xaqf.preprocessing.normalization.combine_stats` of the
    parts).
    """
    if isinstance(stats, xr.Dataset):
        return stats
    parts = list(stats.values()) if isinstance(stats, Mapping) else list(stats)
    odd = [type(part).__name__ for part in parts if not isinstance(part, xr.Dataset)]
    if odd:
        raise ConfigError(f"stats must be a Dataset or a sequence / mapping of Datasets "
                          f"(xaqf.preprocessing.normalization.compute_stats); got parts of type "
                          f"{odd}")
    return combine_stats(*parts)


@contextmanager
def _placed(net: torch.nn.Module, device: torch.device) -> Iterator[torch.nn.Module]:
    """``net`` on ``device`` in eval mode; afterwards back on its device, in its mode."""
    first = next(chain(net.parameters(), net.buffers()), None)
    home = device if first is None else first.device
    training = net.training
    try:
        yield net.to(device).eval()
    finally:
        net.to(home).train(training)


def _autocast(device: torch.device, dtype: str | None) -> Any:
    cast = autocast_dtype(dtype)
    if cast is None:
        return torch.autocast(device.type, enabled=False)
    return torch.autocast(device.type, dtype=cast)


def _run_settings(steps: int, batch_size: int, device: str | torch.device | None,
                  dtype: str | None) -> torch.device:
    """Check the settings of a forecast (before any data is touched); returns the device."""
    forecast_steps(steps)
    positive_int(batch_size, "batch_size")
    autocast_dtype(dtype)
    return resolve_device(device)


class Forecaster:
    """A network with its statistics, transform, grey-line set, time step and statics.

    Build an untrained one with :meth:`from_config`, a trained one with :meth:`load`.

    Parameters
    ----------
    net
        A :class:`xaqf.model.FusionUNet`.
    stats
        Normalisation statistics (:func:`xaqf.preprocessing.normalization.compute_stats` format)
        covering
        every pollutant and met channel.
    statics
        Static features ``(6, H, W)`` (:func:`xaqf.preprocessing.statics.static_features`) fixing
        the model
        grid, or ``None`` (position features only, computed on any grid).
    grid
        The grid of ``statics`` (a Dataset with ``latitude``/``longitude``), or ``None``.
    grey_line
        Variables whose base is the state 24 h before the target.
    step
        Time step (12 h in the paper).
    transform
        Log-transform settings, or ``None`` for no transform.
    provenance
        Free JSON-able record of how the weights were trained.

    Attributes
    ----------
    encoding : Encoding
        The physical <-> network encoding (statistics, transform, grey-line set); ``stats``,
        ``transform`` and ``grey_line`` are read from it.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> channels = list(POLLUTANT_CHANNELS + MET_CHANNELS)
    >>> stats = xr.Dataset({"mean": ("channel", np.zeros(143)),
    ...                     "std": ("channel", np.ones(143))}, coords={"channel": channels})
    >>> fc = Forecaster.from_config("tiny", stats)
    >>> fc
    Forecaster(model='tiny', fusion='bilinear', step=12h, grid=any)
    """

    def __init__(self, net: FusionUNet, stats: xr.Dataset, *,
                 statics: np.ndarray | None = None, grid: xr.Dataset | None = None,
                 grey_line: Iterable[str] = GREY_LINE, step: str | pd.Timedelta = "12h",
                 transform: TransformSettings | None = LOG_TRANSFORM,
                 provenance: dict[str, Any] | None = None,
                 emissions: EmissionEncoder | None = None) -> None:
        config = net.config
        width = len(STATIC_CHANNELS) + (0 if emissions is None else len(emissions.channels))
        if config.static_channels != width:
            raise ConfigError(
                f"model {config.name!r} takes {config.static_channels} static channels; with "
                f"emissions {None if emissions is None else list(emissions.channels)} it "
                f"needs {width} (build it with Forecaster.from_config(..., emissions=...))")
        if (config.pollutant_channels, config.met_channels) != (len(POLLUTANT_CHANNELS),
                                                                len(MET_CHANNELS)):
            raise ConfigError(
                f"model {config.name!r} has {config.pollutant_channels} pollutant and "
                f"{config.met_channels} met channels; xaqf forecasts need "
                f"{len(POLLUTANT_CHANNELS)} and {len(MET_CHANNELS)}")
        self.net = net
        self.encoding = Encoding(stats, transform, grey_line)
        self.statics = statics
        self.grid = grid
        self.step = pd.Timedelta(step)
        self.provenance = dict(provenance or {})
        self.emissions = emissions
        self._compiled: dict[tuple[str, str | None], CompiledNet] = {}

    @classmethod
    def from_config(cls, config_or_name: str | ModelConfig | dict[str, Any],
                    stats: StatsLike, *, statics: xr.Dataset | None = None,
                    grey_line: Iterable[str] = GREY_LINE, step: str = "12h",
                    transform: TransformSettings | None = LOG_TRANSFORM,
                    seed: int | None = None, emissions: EmissionSettings | None = None
                    ) -> Forecaster:
        """An untrained forecaster with a fresh network.

        Parameters
        ----------
        config_or_name
            ``"paper"``, ``"small"``, ``"tiny"``, a :class:`~xaqf.model.ModelConfig` or dict.
        stats
            Normalisation statistics of every pollutant and met channel: one Dataset, or a
            sequence or mapping of Datasets that together cover them (e.g. ``[stats_cams,
            stats_met]``, combined with :func:`~xaqf.preprocessing.normalization.combine_stats`).
        statics
            Dataset with ``orography`` and ``lsm``: fixes the model grid. ``None``: only
            position features, any grid.
        grey_line, step, transform
            See :class:`Forecaster`.
        seed
            Seed of the weight initialisation (``None``: torch's current random state).
        emissions
            Emission inputs (:class:`~xaqf.preprocessing.emissions.EmissionSettings`); ``stats``
            must then
            also cover their channels (:func:`xaqf.preprocessing.emissions.emission_stats`). The
            network
            takes ``6 + len(emissions.species)`` static channels.

        Raises
        ------
        MissingVariableError
            The statistics lack a pollutant or met channel.
        ConfigError
            A channel is in more than one part of ``stats``, or a part is not a Dataset.

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> def part(channels):
        ...     n = len(channels)
        ...     zeros, ones = ("channel", np.zeros(n)), ("channel", np.ones(n))
        ...     return xr.Dataset({"mean": zeros, "std": ones}, coords={"channel": list(channels)})
        >>> fc = Forecaster.from_config("tiny", [part(POLLUTANT_CHANNELS), part(MET_CHANNELS)])
        >>> fc.stats.sizes["channel"]
        143
        """
        stats = _combined(stats)
        if seed is not None:
            torch.manual_seed(seed)
        encoder = None if emissions is None else EmissionEncoder(emissions, stats)
        net = build_model(config_or_name, static_channels=len(STATIC_CHANNELS) + (
            0 if encoder is None else len(encoder.channels)))
        grid, features = None, None
        if statics is not None:
            grid = xr.Dataset(coords={"latitude": statics["latitude"],
                                      "longitude": statics["longitude"]})
            features = static_features(statics, grid)
        return cls(net, stats, statics=features, grid=grid, grey_line=grey_line, step=step,
                   transform=transform, emissions=encoder)

    @property
    def config(self) -> ModelConfig:
        """The network's :class:`~xaqf.model.ModelConfig`."""
        return self.net.config

    @property
    def stats(self) -> xr.Dataset:
        """Normalisation statistics of the pollutant then met channels (``encoding.stats``)."""
        return self.encoding.stats

    @property
    def transform(self) -> TransformSettings | None:
        """Log-transform settings (``encoding.transform``)."""
        return self.encoding.transform

    @property
    def grey_line(self) -> frozenset[str]:
        """Grey-line variables (``encoding.grey_line``)."""
        return self.encoding.grey_line

    def __repr__(self) -> str:
        grid = "any" if self.grid is None else (
            f"{self.grid.sizes['latitude']}x{self.grid.sizes['longitude']}")
        step = f"{int(self.step / pd.Timedelta('1h'))}h"
        return (f"Forecaster(model={self.config.name!r}, fusion={self.config.fusion!r}, "
                f"step={step}, grid={grid})")

    def static_tensor(self, grid: xr.Dataset, device: torch.device | str = "cpu"
                      ) -> torch.Tensor:
        """The ``(S, H, W)`` static features on ``grid`` (the stored ones if any)."""
        features = self.statics if self.statics is not None else static_features(None, grid)
        return torch.as_tensor(features, device=device)

    # -- forecasting --------------------------------------------------------------------
    def predict_iter(self, cams: xr.Dataset, met: xr.Dataset, steps: int = 10, *,
                     init_times: Sequence | None = None, batch_size: int = 4,
                     device: str | torch.device | None = None, dtype: str | None = None,
                     progress: bool = True, emissions: xr.Dataset | None = None,
                     compile: bool = False) -> Iterator[xr.Dataset]:
        """Like :meth:`predict`, but yield the forecast piece by piece.

        Each yielded Dataset holds one lead time for one batch of initial times, in physical
        units on the CPU (batch by batch, lead time by lead time); for an ensemble ``met``,
        one lead time of one initial time, with the members the batch holds of it. Inputs
        are checked before the first piece is computed. The network is back on its device
        and in its mode once the generator is exhausted or closed. A piece comes once the
        network has run the step after it (it is decoded meanwhile), the last of a batch
        once it is decoded.
        """
        run_device = _run_settings(steps, batch_size, device, dtype)
        inputs = prepare_inputs(cams, met, steps=steps, step=self.step, grid=self.grid,
                                init_times=init_times)
        fields = prepare_emissions(self.emissions, emissions, inputs.grid)
        return self._pieces(self._iterate(inputs, batch_size, run_device, dtype, progress,
                                          emissions=fields, compile=compile), inputs.grid)

    def _pieces(self, pieces: Generator[Piece, None, None], grid: xr.Dataset
                ) -> Iterator[xr.Dataset]:
        """``pieces`` as Datasets; closing this generator closes ``pieces``."""
        with closing(pieces):
            for piece in pieces:
                yield from piece.datasets(self.step, grid)

    def _iterate(self, inputs: ForecastInputs, batch_size: int, device: torch.device,
                 dtype: str | None, progress: bool, out: np.ndarray | None = None,
                 emissions: xr.Dataset | None = None, compile: bool = False
                 ) -> Generator[Piece, None, None]:
        """Run the rollout batch by batch; yield each lead time of each batch, decoded.

        With ``out`` (the whole forecast, :func:`~xaqf.forecaster.output.empty_forecast`),
        each piece is decoded into its place there and its values are a view of it.
        ``emissions`` are the fields of :func:`~xaqf.preprocessing.emissions.prepare_emissions`.
        Step
        ``s`` is decoded in a worker thread while the network runs step ``s + 1``
        (:func:`~xaqf.forecaster.rollout.overlapped`). With ``compile``, the network runs
        through :meth:`compiled_net`.
        """
        statics = with_emissions(self.static_tensor(inputs.grid, device), self.emissions,
                                 emissions)
        grey = torch.as_tensor(self.encoding.grey_mask, device=device)
        case_inits, case_members = inputs.cases
        starts = range(0, len(case_inits), batch_size)
        bar = progress_bar(total=len(starts) * inputs.steps, desc="forecast", unit="step",
                           enabled=progress)
        precise = autocast_dtype(dtype) is None  # decided: see the module notes
        head = nullcontext() if precise else float32_head(self.net)
        with _placed(self.net, device) as net, bar, retained_heap(), head, \
                torch.inference_mode(), _autocast(device, dtype):
            if compile:
                net = self.compiled_net(device, dtype)
            for first in starts:
                inits = case_inits[first:first + batch_size]
                members = None if case_members is None else case_members[first:first + batch_size]
                p_prev, p_now = self._encoded_pollutants(inputs, inits, device)

                def features(s: int, inits: np.ndarray = inits) -> torch.Tensor:
                    times = inits + (s * self.step).to_timedelta64()
                    return torch.as_tensor(time_features(times, s), device=device)

                met = self._met_feed(inputs, inits, members, device)
                states = rollout(net, p_prev, p_now, met, self._statics_feed(
                    inputs.grid, statics, emissions, inits), features, grey, inputs.steps)

                def decode(item: tuple[int, torch.Tensor], first: int = first,
                           cases: int = len(inits)) -> tuple[int, np.ndarray]:
                    s, state = item
                    slot = None if out is None else out[first:first + cases, s - 1]
                    return s, self.encoding.decode_to_host(state.float(), slot,
                                                           precise=precise)

                for s, physical in overlapped(enumerate(states, start=1), decode):
                    bar.update()
                    yield Piece(first, inits, s, physical, members)

    def _met_feed(self, inputs: ForecastInputs, inits: np.ndarray, members: np.ndarray | None,
                  device: torch.device) -> Callable[[int], torch.Tensor]:
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
            state = self.encoding.encode_met(torch.as_tensor(block.pop(s), device=device))
            check_finite(state, MET_CHANNELS, inits + (s * self.step).to_timedelta64(), "met")
            return state
        return met

    def _statics_feed(self, grid: xr.Dataset, statics: torch.Tensor,
                      emissions: xr.Dataset | None, inits: np.ndarray
                      ) -> torch.Tensor | Callable[[int], torch.Tensor]:
        """``statics``, or for a monthly emission climatology ``statics(s)``: the static
        features with the emissions of the month of each target, ``t + (s + 1) * step``."""
        if self.emissions is None or emissions is None or not self.emissions.settings.monthly:
            return statics
        base = self.static_tensor(grid, statics.device)

        def feed(s: int) -> torch.Tensor:
            valid = inits + ((s + 1) * self.step).to_timedelta64()
            return with_emissions(base, self.emissions, emissions, valid)
        return feed

    def _encoded_pollutants(self, inputs: ForecastInputs, inits: np.ndarray,
                            device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """The encoded states at ``t - step`` and ``t`` of ``inits``, checked finite."""
        states = []
        for values, times in zip(inputs.pollutants(inits),
                                 (inits - self.step.to_timedelta64(), inits), strict=True):
            state = self.encoding.encode_pollutants(torch.as_tensor(values, device=device))
            check_finite(state, POLLUTANT_CHANNELS, times, "cams")
            states.append(state)
        return states[0], states[1]

    def predict(self, cams: xr.Dataset, met: xr.Dataset, steps: int = 10, *,
                init_times: Sequence | None = None, batch_size: int = 4,
                device: str | torch.device | None = None, dtype: str | None = None,
                progress: bool = True, output: str | Path | None = None,
                emissions: xr.Dataset | None = None, compile: bool = False) -> xr.Dataset:
        """Forecast ``steps`` steps of all pollutants from one or many initial times.

        Parameters
        ----------
        cams
            Pollutants (canonical layout, ``time`` axis) holding ``t - step`` and ``t`` for
            each initial time ``t``, on the model grid.
        met
            Meteorology at ``t ... t + steps * step``: along ``time`` (analyses) or along
            ``(init_time, lead_time)`` (a weather forecast; the one started at ``t`` is used).
            Any grid: regridded to the ``cams`` grid with a warning if it differs. With a
            ``member`` dimension (a weather ensemble), every member is forecast: a pollution
            ensemble.
        steps
            Number of steps (10 x 12 h = 120 h).
        init_times
            Initial times; default: every ``cams`` time for which all inputs exist.
        batch_size
            Cases run through the network together: initial times, or (initial time,
            member) pairs for an ensemble ``met``.
        device
            ``"cuda"``, ``"cpu"``...; default CUDA when available.
        dtype
            ``None`` (float32) or ``"bf16"`` (bfloat16 autocast for the network).
        progress
            Show a progress bar.
        output
            Path of a ``.zarr`` store or ``.nc`` file to stream the forecast to, piece by
            piece; the returned Dataset is then opened lazily from it.
        emissions
            Emission inventory (``emi_<species>``, :mod:`xaqf.preprocessing.emissions`) for a model
            trained with emissions (required then; on another grid it is regridded
            conservatively); a model without emissions ignores it with a warning.
        compile
            Run the network through :func:`torch.compile` (:meth:`compiled_net`; compiled
            once per device, dtype and input shape, falling back to the plain network with
            a ``RuntimeWarning`` if compilation fails). Off by default: on a CPU it does
            not pay within a 10-step forecast (see :doc:`forecasting`).

        Returns
        -------
        xarray.Dataset
            ``(init_time, lead_time, [level], latitude, longitude)``, the 13 CAMS variables
            in catalogue units, ``lead_time = step ... steps * step``, coordinate
            ``valid_time = init_time + lead_time``, CF attributes. For an ensemble ``met``,
            ``(init_time, member, lead_time, ...)`` with the met's member labels; each member
            is the forecast driven by that member's met alone. With ``compile`` (and no
            ``output``), the attributes ``xaqf_compile_seconds`` (time spent compiling in
            this call) and ``xaqf_compiled`` (``"yes"``, or why not) record the compilation.

        Raises
        ------
        MissingVariableError, MissingLevelError, MissingTimeError, GridMismatchError
            Before any computation, naming what is missing or mismatched.
        InvalidValueError
            NaNs or negative concentrations in the inputs, or non-finite network outputs.
        """
        run_device = _run_settings(steps, batch_size, device, dtype)
        if not isinstance(compile, bool):
            raise ConfigError(f"compile must be True or False, got {compile!r}")
        if output is not None:
            output = check_output(output, (cams, met, emissions))
        inputs = prepare_inputs(cams, met, steps=steps, step=self.step, grid=self.grid,
                                init_times=init_times)
        attrs = self._attrs(steps, met)
        fields = prepare_emissions(self.emissions, emissions, inputs.grid)
        if output is not None:
            pieces = self._iterate(inputs, batch_size, run_device, dtype, progress,
                                   emissions=fields, compile=compile)
            template = partial(forecast_template, inputs.init_times, self.step, steps,
                               inputs.grid, inputs.members)
            return stream_to(output, self._pieces(pieces, inputs.grid), template, attrs)
        values = empty_forecast(len(inputs.cases[0]), steps, inputs.grid)
        before = self.compiled_net(run_device, dtype).compile_seconds if compile else 0.0
        deque(self._iterate(inputs, batch_size, run_device, dtype, progress, values,
                            emissions=fields, compile=compile), maxlen=0)
        forecast = labelled(values, inputs.init_times, range(1, steps + 1), self.step,
                            inputs.grid, inputs.members).assign_attrs(attrs)
        if compile:
            compiled = self.compiled_net(run_device, dtype)
            forecast.attrs["xaqf_compile_seconds"] = round(compiled.compile_seconds - before, 3)
            forecast.attrs["xaqf_compiled"] = "yes" if compiled.failure is None else (
                f"no, fell back to the plain network: {compiled.failure}")
        return forecast

    def compiled_net(self, device: str | torch.device, dtype: str | None = None
                     ) -> CompiledNet:
        """The network through :func:`torch.compile` for ``device`` and ``dtype``, kept
        for later calls (:class:`~xaqf.forecaster.rollout.CompiledNet`: compile time,
        fallback). It shares the weights of :attr:`net`.

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> channels = list(POLLUTANT_CHANNELS + MET_CHANNELS)
        >>> stats = xr.Dataset({"mean": ("channel", np.zeros(143)),
        ...                     "std": ("channel", np.ones(143))}, coords={"channel": channels})
        >>> fc = Forecaster.from_config("tiny", stats)
        >>> fc.compiled_net("cpu") is fc.compiled_net("cpu"), fc.compiled_net("cpu").failure
        (True, None)
        """
        key = (str(resolve_device(device)), dtype)
        if key not in self._compiled:
            self._compiled[key] = CompiledNet(self.net)
        return self._compiled[key]

    def _attrs(self, steps: int, met: xr.Dataset) -> dict[str, str]:
        from xaqf._version import __version__

        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        source = met.attrs.get("title") or met.attrs.get("source") or "unnamed met input"
        return {
            "title": "xaqf global air-pollution forecast",
            "source": (f"xaqf {__version__} FusionUNet (config {self.config.name!r}, fusion "
                       f"{self.config.fusion!r}), driven by meteorology: {source}"),
            "history": f"{now}: xaqf Forecaster.predict(steps={steps}, step={self.step})",
            "Conventions": "CF-1.8",
        }

    # -- files --------------------------------------------------------------------------
    def metadata(self) -> ModelMetadata:
        """The :class:`~xaqf.forecaster.model_file.ModelMetadata` written by :meth:`save`."""
        return ModelMetadata(
            model_config=self.config, stats=self.stats, grid=self.grid, step=self.step,
            grey_line=tuple(sorted(self.grey_line)), transform=self.transform,
            provenance=self.provenance, emissions=self.emissions)

    def save(self, path: str | Path) -> Path:
        """Write weights and metadata to one ``.safetensors`` file (no pickle).

        The tensors are the network weights (``net.*``) and the static features
        (``statics``); the header holds the JSON of :meth:`metadata`
        (:mod:`xaqf.forecaster.model_file`).
        """
        return model_file.write_model(path, self.net, self.statics, self.metadata())

    @classmethod
    def load(cls, path_or_name: str | Path, device: str | torch.device | None = None
             ) -> Forecaster:
        """Load a forecaster written by :meth:`save`, from a path or a registered name.

        Raises
        ------
        ModelFileError
            Missing, corrupt, pickle-based or inconsistent file.
        """
        net, statics, meta = model_file.read_model(path_or_name)
        forecaster = cls(net, meta.stats, statics=statics, grid=meta.grid,
                         grey_line=meta.grey_line, step=meta.step, transform=meta.transform,
                         provenance=meta.provenance, emissions=meta.emissions)
        forecaster.net.to(resolve_device(device))
        return forecaster
