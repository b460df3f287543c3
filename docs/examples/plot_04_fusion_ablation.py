"""
The fusion ablation
===================

The three shipped models share the network (``small``, 1.46 M parameters), the data and the
training recipe: the demo's (``xaqf demo``) single-step training then rollout fine-tuning
on the first 48 days of the 60-day, 4 degree toy world, with the epochs printed below. They
differ only in how they meet the meteorology: low-rank bilinear pooling (the paper's
fusion), plain concatenation, and no meteorology at all. All three forecast the same 8
held-out initial times, driven by the FuXi-like weather forecast, and are normalised by
persistence.
"""

import matplotlib.pyplot as plt
import pandas as pd

import xaqf
from xaqf import metrics
from xaqf.tutorial.models import demo_world
from xaqf.variables import POLLUTANT_CHANNELS, POLLUTANT_VARIABLES

models = {"bilinear": "demo-met", "concat": "demo-concat", "no met": "demo-no-met"}
forecasters = {label: xaqf.tutorial.load_model(name) for label, name in models.items()}
world = demo_world(forecasters["bilinear"])
for stage in forecasters["bilinear"].provenance["recipe"]["stages"]:
    print(f"{stage['name']}: {stage['epochs']} epochs, {stage['rollout_steps']}-step rollout, "
          f"peak learning rate {stage['max_lr']}")
truth = world.cams[list(POLLUTANT_VARIABLES)]
inits = forecasters["bilinear"].provenance["test_inits"]
forecasts = {label: fc.predict(world.cams, world.fuxi, steps=10, init_times=inits,
                               batch_size=len(inits), progress=False)
             for label, fc in forecasters.items()}
first = forecasts["bilinear"]
persistence = metrics.persistence_forecast(truth, first["init_time"].values,
                                           first["lead_time"].values)
normalized = {label: metrics.channel_scores(
                  metrics.normalized_rmse(fc[list(POLLUTANT_VARIABLES)], persistence, truth)
              ).sel(channel=list(POLLUTANT_CHANNELS))
              for label, fc in forecasts.items()}

# %%
# The mean normalised RMSE over the 73 pollutant channels, by lead time (below 1: better
# than persistence), and the share of channels where each model beats persistence.
table = pd.DataFrame({label: scores.mean("channel").to_series()
                      for label, scores in normalized.items()})
table.index = [f"{int(lead / pd.Timedelta(hours=1))} h" for lead in table.index]
print(table.round(3).to_string())
share = pd.Series({label: float((scores.isel(lead_time=-1) < 1).mean())
                   for label, scores in normalized.items()})
print("share of channels beating persistence at 120 h:", share.round(3).to_dict())

fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
table.plot(ax=ax, marker="o")
ax.axhline(1.0, color="0.5", lw=0.8)
ax.set(xlabel="lead time", ylabel="mean normalised RMSE",
       title="fusion ablation: lower is better, 1 = persistence")
