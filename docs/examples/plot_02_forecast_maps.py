"""
A five-day forecast and its maps
================================

The shipped met-coupled model forecasts five days ahead in 12-hour steps from a held-out
initial time, driven by the toy world's FuXi-like weather forecast, and its PM2.5 and
850 hPa ozone are drawn next to the truth.
"""

import xaqf
from xaqf.tutorial.models import demo_world

forecaster = xaqf.tutorial.load_model("demo-met")
world = demo_world(forecaster)                      # the 60-day toy world it was trained on
init = forecaster.provenance["test_inits"][-1]      # after the training period
fc = forecaster.predict(world.cams, world.fuxi, steps=10, init_times=[init], progress=False)
print(dict(fc.sizes))

# %%
# Truth next to the forecast, one row per lead time.
fig = xaqf.metrics.plot.plot_case_maps(world.cams, {"xaqf": fc}, "pm2p5",
                                       lead_times=["24h", "72h", "120h"])

# %%
# A regional cut-out crossing the 0° meridian; the map ticks stay readable.
fig = xaqf.metrics.plot.plot_case_maps(world.cams, {"xaqf": fc}, "go3", level=850.0,
                                       lead_times=["48h"], region=(-40.0, 60.0, 20.0, 70.0))
