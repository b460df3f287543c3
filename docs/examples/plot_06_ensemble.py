"""
A pollution ensemble from a weather ensemble
============================================

The weather is an input of xaqf, so a weather *ensemble* drives the shipped model member by
member and gives a pollution ensemble. Here eight members of the toy world's FuXi-like
ensemble drive five-day forecasts from two held-out initial times; the ensemble's CRPS is
compared with the MAE of the forecast driven by the deterministic weather forecast (the
CRPS of a single forecast is its MAE), and its spread with the error of its mean.
"""

import xaqf
from xaqf import metrics
from xaqf.tutorial.models import demo_world

forecaster = xaqf.tutorial.load_model("demo-met")
world = demo_world(forecaster)
inits = forecaster.provenance["test_inits"][-2:]
members = xaqf.tutorial.ensemble_forecast(4.0, inits, members=8, seed=0)
ensemble = forecaster.predict(world.cams, members, steps=10, batch_size=8, progress=False)
single = forecaster.predict(world.cams, world.fuxi, steps=10, init_times=inits,
                            progress=False)
print(dict(ensemble.sizes))

names = ["tcno2", "gtco3", "pm2p5", "pm10"]
truth = world.cams[names]

# %%
# CRPS of the pollution ensemble against lead time, next to the MAE of the deterministic
# forecast (dashed): below it, the ensemble adds information.
crps = metrics.crps(ensemble[names], truth)
mae = metrics.mae(single[names], truth)
fig = xaqf.metrics.plot.plot_crps(crps, {"MAE, deterministic met": mae})

# %%
# Spread against the RMSE of the ensemble mean. The weather members sample the
# uncertainty of the weather only, not the model's own error, so the spread stays well
# below the error: an under-dispersive ensemble, the signal to add model uncertainty.
spread = metrics.ensemble_spread(ensemble[names])
skill = metrics.rmse(metrics.ensemble_mean(ensemble[names]), truth)
fig = xaqf.metrics.plot.plot_spread_skill(spread, skill)
print(metrics.spread_skill_ratio(ensemble[names], truth)["pm2p5"].values.round(3))
