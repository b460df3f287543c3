"""The forecasting methods of a :class:`~xaqf.Forecaster`: ``predict``, ``predict_iter``.

:class:`Predicting` holds what a forecaster does with its network, encoding and statics on
xarray inputs (checked by :mod:`xaqf.forecaster.inputs`, run by
:mod:`xaqf.forecaster.stream`); :class:`~xaqf.Forecaster` adds how it is built, described
and saved.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import xarray as xr

from xaqf._utils.checks import check_output
from xaqf.errors import ConfigError
from xaqf.forecaster import stream
from xaqf.forecaster.output import forecast_attrs
from xaqf.forecaster.rollout import CompiledNet, CompiledNets
from xaqf.model import FusionUNet
from xaqf.preprocessing.emissions import EmissionEncoder
from xaqf.preprocessing.encoding import Encoding
from xaqf.preprocessing.statics import static_features


class Predicting:
    """The forecasting methods of :class:`~xaqf.Forecaster` (its base class)."""

    net: FusionUNet
    encoding: Encoding
    statics: np.ndarray | None
    grid: xr.Dataset | None
    step: pd.Timedelta
    emissions: EmissionEncoder | None
    _compiled: CompiledNets

    @property
    def pollutant_channels(self) -> tuple[str, ...]:
        """The pollutant channels the model takes and forecasts, in order."""
        return self.encoding.pollutant_channels

    @property
    def met_channels(self) -> tuple[str, ...]:
        """The met channels the model takes, in order."""
        return self.encoding.met_channels

    def static_tensor(self, grid: xr.Dataset, device: torch.device | str = "cpu"
                      ) -> torch.Tensor:
        """The ``(S, H, W)`` static features on ``grid`` (the stored ones if any)."""
        features = self.statics if self.statics is not None else static_features(None, grid)
        return torch.as_tensor(features, device=device)

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
        run_device = stream.run_settings(steps, batch_size, device, dtype)
        inputs, fields = stream.prepare(self, cams, met, steps, init_times, emissions)
        return stream.datasets(stream.forecast_pieces(
            self, inputs, batch_size, run_device, dtype, progress, emissions=fields,
            compile=compile), self, inputs.grid)

    def predict(self, cams: xr.Dataset, met: xr.Dataset, steps: int = 10, *,
                init_times: Sequence | None = None, batch_size: int = 4,
                device: str | torch.device | None = None, dtype: str | None = None,
                progress: bool = True, output: str | Path | None = None,
                emissions: xr.Dataset | None = None, compile: bool = False) -> xr.Dataset:
        """Forecast ``steps`` steps of the model's pollutants from one or many initial times.

        Parameters
        ----------
        cams
            Pollutants (canonical layout, ``time`` axis) holding ``t - step`` and ``t`` for
            each initial time ``t``, on the model grid: the variables of
            :attr:`pollutant_channels` (others are ignored).
        met
            Meteorology (the variables of :attr:`met_channels`; others are ignored) at
            ``t ... t + steps * step``: along ``time`` (analyses) or along
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
            Emission inventory (``emi_<species>``, :mod:`xaqf.preprocessing.emissions`) for a
            model trained with emissions (required then; on another grid it is regridded
            conservatively); a model without emissions ignores it with a warning.
        compile
            Run the network through :func:`torch.compile` (:meth:`compiled_net`; compiled
            once per device, dtype and input shape, falling back to the plain network with
            a ``RuntimeWarning`` if compilation fails). Off by default: on a CPU it does
            not pay within a 10-step forecast (see :doc:`forecasting`).

        Returns
        -------
        xarray.Dataset
            ``(init_time, lead_time, [level], latitude, longitude)``, the model's pollutant
            variables in catalogue units, ``lead_time = step ... steps * step``, coordinate
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
        run_device = stream.run_settings(steps, batch_size, device, dtype)
        if not isinstance(compile, bool):
            raise ConfigError(f"compile must be True or False, got {compile!r}")
        if output is not None:
            output = check_output(output, (cams, met, emissions))
        inputs, fields = stream.prepare(self, cams, met, steps, init_times, emissions)
        attrs = forecast_attrs(self.net.config, self.step, steps, met)
        return stream.whole_forecast(self, inputs, batch_size, run_device, dtype, progress,
                                     attrs, output=output, emissions=fields, compile=compile)

    def compiled_net(self, device: str | torch.device, dtype: str | None = None
                     ) -> CompiledNet:
        """The network through :func:`torch.compile` for ``device`` and ``dtype``, kept
        for later calls (:class:`~xaqf.forecaster.rollout.CompiledNet`: compile time,
        fallback). It shares the weights of :attr:`net`.

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> from xaqf import Forecaster
        >>> from xaqf.variables import MET_CHANNELS, POLLUTANT_CHANNELS
        >>> channels = list(POLLUTANT_CHANNELS + MET_CHANNELS)
        >>> stats = xr.Dataset({"mean": ("channel", np.zeros(143)),
        ...                     "std": ("channel", np.ones(143))}, coords={"channel": channels})
        >>> fc = Forecaster.from_config("tiny", stats)
        >>> fc.compiled_net("cpu") is fc.compiled_net("cpu"), fc.compiled_net("cpu").failure
        (True, None)
        """
        return self._compiled.get(device, dtype)

