"""
Stations and the European Air Quality Index
===========================================

Forecasts are judged at monitoring stations and through health products. Here 60 stations
are placed on the toy world and "observe" its true surface PM2.5 with a 15 % measurement
error; the shipped model's forecast is interpolated to them, matched in time and scored,
and its daily means are turned into EAQI categories.
"""

import numpy as np

import xaqf
from xaqf import products, stations
from xaqf.stations.plots import plot_bias_map, plot_scatter
from xaqf.tutorial.models import demo_world

forecaster = xaqf.tutorial.load_model("demo-met")
world = demo_world(forecaster)
init = forecaster.provenance["test_inits"][-1]
fc = forecaster.predict(world.cams, world.fuxi, steps=10, init_times=[init], progress=False)
surface = products.surface_fields(fc)                 # PM in ug m-3 (gases need the met)
print(surface["pm2p5"].attrs["units"])

# %%
# Synthetic stations
# ------------------
# The truth at 60 random places, with a 15 % multiplicative error.
rng = np.random.default_rng(0)
lat, lon = rng.uniform(-60, 70, 60), rng.uniform(-180, 180, 60) % 360
names = [f"S{i:02d}" for i in range(60)]
truth = products.surface_fields(world.cams.sel(time=fc["valid_time"].values.ravel()))
placed = stations.station_dataset({"pm2p5": (np.zeros((60, truth.sizes["time"])), "ug m-3")},
                                  names, lat, lon, truth["time"].values)
observed = stations.interpolate(truth, placed)["pm2p5"]
noise = rng.lognormal(0.0, 0.15, observed.shape)
obs = placed.assign(pm2p5=(observed.dims, observed.values * noise, observed.attrs))

# %%
# Scores per station and pooled, at every lead time
# -------------------------------------------------
at_stations = stations.interpolate(surface, obs)
paired_fc, paired_obs = stations.match(at_stations, obs, tolerance="1h")
table = stations.score_table(paired_fc["pm2p5"], paired_obs["pm2p5"])
print(table.loc["all"].round(3).to_string())
fig = plot_scatter(paired_fc["pm2p5"], paired_obs["pm2p5"])

# %%
fig = plot_bias_map(table, "pm2p5", "µg m⁻³")

# %%
# The EAQI of the second forecast day
# -----------------------------------
# Daily means of the 00 and 12 UTC values, then the EEA's six categories.
daily = products.daily_means(surface.isel(init_time=0).swap_dims(lead_time="valid_time")
                             .rename(valid_time="time"))
categories = products.eaqi(daily)
fig = products.plot_category_map(categories["eaqi"].isel(date=1), title="EAQI, day 2")
