"""
A forecast and its maps
=======================

A tiny fusion network, trained on the first week of the toy world, forecasts five days
ahead in 12-hour steps, driven by the world's FuXi-like weather forecast.
"""

from _cache import forecast, world

import xaqf

fc = forecast("bilinear")
print(dict(fc.sizes))

# %%
# Truth next to the forecast, one row per lead time.
fig = xaqf.metrics.plot.plot_case_maps(world().cams, {"xaqf (tiny)": fc}, "pm2p5",
                               lead_times=["24h", "72h", "120h"])

# %%
# A regional cut-out crossing the 0° meridian; the map ticks stay readable.
fig = xaqf.metrics.plot.plot_case_maps(world().cams, {"xaqf (tiny)": fc}, "go3", level=850.0,
                               lead_times=["48h"], region=(-40.0, 60.0, 20.0, 70.0))
