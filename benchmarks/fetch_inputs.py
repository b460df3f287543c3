"""How fast a forecast gets its met states: ``ForecastInputs.meteorology`` against the
label-based path it replaced.

One block of ``--states`` consecutive met states (70 channels, in memory, float32) at
``--resolution``, from one initial time, fetched in turn by

* ``meteorology``: :meth:`xaqf.forecaster.inputs.ForecastInputs.meteorology` -- a selection
  that views consecutive times (:func:`xaqf.forecaster.inputs.select`), the value checks,
  and one copy into the channel stack (:func:`xaqf.channels.channel_values`);
* ``sel + to_channels``: ``met.sel(time=...)`` (a copy), the same value checks, and
  ``to_channels(...).values`` (a level selection and a concatenation: two more copies of
  most channels).

The two results are checked equal (which also warms both up). Each is then timed
``--repeats`` times, alternating; the script prints the best and the median of each and
their ratio. Run: ``python benchmarks/fetch_inputs.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
from predict import synthetic

from xaqf.channels import to_channels
from xaqf.forecaster.inputs import prepare_inputs
from xaqf.regrid import global_grid
from xaqf.validation import check_dataset
from xaqf.variables import MET_CHANNELS, MET_VARIABLES, POLLUTANT_VARIABLES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=float, default=0.4)
    parser.add_argument("--states", type=int, default=9)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
