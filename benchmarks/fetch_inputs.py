"""How fast a forecast gets its met states: ``ForecastInputs.meteorology`` against the
label-based path it replaced.

One block of ``--states`` consecutive met states (70 channels, in memory, float32) at
``--resolution``, from one initial time, fetched in turn by

* ``meteorology``: :meth:`xaqf.forecaster.inputs.ForecastInputs.meteorology` -- a selection
  that views consecutive times (:func:`xaqf.forecaster.inputs.select`), the value checks,
  and one copy into the channel stack (:func:`xaqf.preprocessing.channels.channel_values`);
* ``sel + to_channels``: ``met.sel(time=...)`` (a copy), the same value checks, and
  ``to_channels(...).values`` (a level selection and a concatenation: two more copies of
  most channels).

The two results are checked equal (which also warms both up). Each is then timed
``--repeats`` times, alternating; the script prints the best and the median of each and
their ratio.

Then the host's share of a whole forecast: the input work ``predict`` does on the CPU for
one initial time of a ``--steps``-step forecast, whatever device runs the network --
checking the inputs (:func:`~xaqf.forecaster.inputs.prepare_inputs`), fetching the
pollutant states and the met states in ``predict``'s blocks -- timed ``--repeats`` times,
and set against ``--step-ms`` of network time per step (default 25 ms, the #17 target of a
``paper`` step at 451 x 900 on an H100/H200): the smallest ``predict`` / bare-forward ratio
that input work allows, fetched in turn with the forwards and fully overlapped with them.
Last, the host's part of the output on a GPU: writing each step's decoded states into a
fresh forecast array (:func:`~xaqf.forecaster.output.empty_forecast`; its first touches and
one copy, as a device-to-host copy does), and the floor of inputs and output together.
Run it on the CPU of a GPU machine to see whether its host keeps up.
Run: ``python benchmarks/fetch_inputs.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import nullcontext

import numpy as np
import pandas as pd
import torch
from predict import synthetic

from xaqf.data.validation import check_dataset
from xaqf.forecaster.heap import retained_heap
from xaqf.forecaster.inputs import prepare_inputs
from xaqf.forecaster.output import empty_forecast
from xaqf.preprocessing.channels import to_channels
from xaqf.regrid import global_grid
from xaqf.variables import MET_CHANNELS, MET_VARIABLES, POLLUTANT_CHANNELS, POLLUTANT_VARIABLES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=float, default=0.4)
    parser.add_argument("--states", type=int, default=9)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--step-ms", type=float, default=25.0)
    args = parser.parse_args()
    compare_block(args)
    inputs = forecast_inputs(args)
    output = forecast_output(args)
    network = args.steps * args.step_ms / 1e3
    print(f"inputs and output together: {inputs + output:.3f} s per forecast, "
          f"{1e3 * (inputs + output) / args.steps:.1f} ms per step: predict / bare >= "
          f"{max(inputs + output, network) / network:.2f} against {args.step_ms:g} ms "
          f"of network per step, even fully overlapped")


def compare_block(args: argparse.Namespace) -> None:
    """Time one block of met states, now and by the label-based path it replaced."""
    grid = global_grid(args.resolution)
    step = pd.Timedelta("12h")
    times = pd.date_range("2022-06-01", periods=args.states + 1, freq=step)
    cams = synthetic(POLLUTANT_VARIABLES, times[:2], grid, 0)
    met = synthetic(MET_VARIABLES, times[1:], grid, 1)
    inputs = prepare_inputs(cams, met, steps=args.states - 1, step=step, init_times=times[1:2])
    inits = inputs.init_times

    def current() -> np.ndarray:
        return inputs.meteorology(inits, range(args.states))

    def former() -> np.ndarray:
        ds = check_dataset(met.sel(time=times[1:].values), "met", variables=MET_VARIABLES)
        return np.asarray(to_channels(ds, MET_CHANNELS).values, np.float32)

    if not np.array_equal(current()[:, 0], former()):
        raise AssertionError("the two paths disagree")
    timings: dict[str, list[float]] = {"meteorology": [], "sel + to_channels": []}
    for _ in range(args.repeats):
        for name, fetch in (("meteorology", current), ("sel + to_channels", former)):
            tic = time.perf_counter()
            fetch()
            timings[name].append(time.perf_counter() - tic)
    size = len(MET_CHANNELS) * args.states * grid.sizes["latitude"] * grid.sizes["longitude"] * 4
    print(f"{args.states} met states at {grid.sizes['latitude']}x{grid.sizes['longitude']}, "
          f"{size / 2**30:.2f} GiB, best / median of {args.repeats}:")
    for name, values in timings.items():
        print(f"  {name:18s} {min(values):.3f} s / {statistics.median(values):.3f} s")
    best = min(timings["sel + to_channels"]) / min(timings["meteorology"])
    median = (statistics.median(timings["sel + to_channels"])
              / statistics.median(timings["meteorology"]))
    print(f"sel + to_channels / meteorology: {best:.2f}x (best), {median:.2f}x (median)")


def forecast_inputs(args: argparse.Namespace) -> float:
    """Time the host-side input work of forecasts in a row, with glibc's default heap and
    inside :func:`~xaqf.forecaster.heap.retained_heap`, and the predict / bare floor it sets; return
    the median inside the retained heap (where ``predict`` runs)."""
    grid = global_grid(args.resolution)
    step = pd.Timedelta("12h")
    times = pd.date_range("2022-06-01", periods=args.steps + 2, freq=step)
    cams = synthetic(POLLUTANT_VARIABLES, times[:2], grid, 0)
    met = synthetic(MET_VARIABLES, times[1:], grid, 1)

    def parts() -> dict[str, float]:
        tic = time.perf_counter()
        inputs = prepare_inputs(cams, met, steps=args.steps, step=step, init_times=times[1:2])
        checked = time.perf_counter()
        inputs.pollutants(inputs.init_times)
        pollutants = time.perf_counter()
        per_fetch = inputs.states_per_fetch(1)
        for first in range(0, args.steps + 1, per_fetch):
            inputs.meteorology(inputs.init_times, range(first, min(first + per_fetch,
                                                                   args.steps + 1)))
        return {"prepare_inputs": checked - tic, "pollutant states": pollutants - checked,
                "met states": time.perf_counter() - pollutants}

    network = args.steps * args.step_ms / 1e3
    print(f"host input work of a {args.steps}-step forecast, one initial time, at "
          f"{grid.sizes['latitude']}x{grid.sizes['longitude']}, {args.repeats} in a row "
          f"(as the batches of one predict call); the floor of predict / bare against "
          f"{args.step_ms:g} ms of network per step, inputs fetched in turn / overlapped:")
    for heap, context in (("glibc's default heap", nullcontext()),
                          ("retained_heap", retained_heap())):
        with context:
            runs = [parts() for _ in range(args.repeats)]
        totals = [sum(run.values()) for run in runs]
        best = runs[totals.index(min(totals))]
        total = statistics.median(totals)
        print(f"  {heap}: " + ", ".join(f"{value:.3f}" for value in totals) + " s; best: "
              + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in best.items()))
        print(f"    median {total:.3f} s = {1e3 * total / args.steps:.1f} ms per step: "
              f">= {(total + network) / network:.2f} in turn, "
              f">= {max(total, network) / network:.2f} overlapped")
    return total


def forecast_output(args: argparse.Namespace) -> float:
    """Time writing a forecast's decoded states, step by step, into a fresh forecast array;
    return the median."""
    grid = global_grid(args.resolution)
    state = torch.rand(1, len(POLLUTANT_CHANNELS), grid.sizes["latitude"],
                       grid.sizes["longitude"], generator=torch.Generator().manual_seed(0))
    totals = []
    for _ in range(args.repeats):
        tic = time.perf_counter()
        values = empty_forecast(1, args.steps, grid)
        for s in range(args.steps):
            torch.from_numpy(values[:, s]).copy_(state)
        totals.append(time.perf_counter() - tic)
        del values
    total = statistics.median(totals)
    print(f"host output work of a {args.steps}-step forecast (a fresh forecast array, one "
          f"copy per step): " + ", ".join(f"{value:.3f}" for value in totals)
          + f" s; median {total:.3f} s = {1e3 * total / args.steps:.1f} ms per step")
    return total


if __name__ == "__main__":
    main()
