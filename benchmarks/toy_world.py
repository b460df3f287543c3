"""Cost of generating the toy world: time and peak memory.

Each case runs in a fresh Python process (peak resident memory is per process):

* a 4 deg world of 60 days (46 x 90, 120 output times, 5 spin-up days);
* one 0.4 deg day (451 x 900, 2 output times, no spin-up), in memory;
* the same 0.4 deg grid streamed to zarr one output time at a time, for 1 and 2 days:
  equal peaks show that streamed generation keeps memory bounded.

Ratios within one run: cost per grid point and physics step at 0.4 deg against 4 deg, and
the streamed peak for 2 days against 1 day.

Usage: ``python benchmarks/toy_world.py``
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

CASES = {
    "4deg_60days": "toy_world(resolution=4.0, days=60)",
    "0.4deg_1day": "toy_world(resolution=0.4, days=1, spinup_days=0)",
    "0.4deg_1day_zarr": "save_toy_world(tmp, resolution=0.4, days=1, spinup_days=0, block=1)",
    "0.4deg_2days_zarr": "save_toy_world(tmp, resolution=0.4, days=2, spinup_days=0, block=1)",
}
STEPS = {"4deg_60days": 65 * 8, "0.4deg_1day": 8}
POINTS = {"4deg_60days": 46 * 90, "0.4deg_1day": 451 * 900}

RUNNER = """
import json, resource, sys, tempfile, time
from xaqf.tutorial import toy_world, save_toy_world
tmp = tempfile.mkdtemp()
wall, cpu = time.perf_counter(), time.process_time()
{call}
print(json.dumps({{"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(call: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", RUNNER.format(call=call)], check=True,
                         capture_output=True, text=True, cwd=tempfile.gettempdir())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    results = {name: measure(call) for name, call in CASES.items()}
    for name, r in results.items():
        print(f"{name:20s} wall {r['wall_s']:7.1f} s  cpu {r['cpu_s']:7.1f} s  "
              f"peak RSS {r['peak_mb']:7.0f} MB")
    per = {k: results[k]["cpu_s"] / (STEPS[k] * POINTS[k]) for k in STEPS}
    print(f"cpu per point-step, 0.4 deg / 4 deg: {per['0.4deg_1day'] / per['4deg_60days']:.2f}")
    print("streamed peak, 2 days / 1 day: "
          f"{results['0.4deg_2days_zarr']['peak_mb'] / results['0.4deg_1day_zarr']['peak_mb']:.2f}")


if __name__ == "__main__":
    main()
