"""
The fusion ablation
===================

The same tiny network with three ways of meeting the meteorology: low-rank bilinear
pooling (the paper's), plain concatenation, and no meteorology at all. All three share the
training recipe and are scored on the same held-out forecasts, normalised by persistence.
"""

import matplotlib.pyplot as plt
import pandas as pd
from _cache import forecast, world

from xaqf import metrics

truth = world().cams
fusions = {"bilinear": "bilinear", "concat": "concat", "no met": "none"}
forecasts = {label: forecast(fusion) for label, fusion in fusions.items()}
first = forecasts["bilinear"]
persistence = metrics.persistence_forecast(truth, first["init_time"].values,
                                           first["lead_time"].values)
normalized = {label: metrics.channel_scores(metrics.normalized_rmse(fc, persistence, truth))
              for label, fc in forecasts.items()}

# %%
# The mean normalised RMSE over the 73 channels, by lead time (below 1: better than
# persistence). With a week of training the differences are small; the demo
# (``make demo``) trains longer.
table = pd.DataFrame({label: scores.mean("channel").to_series()
                      for label, scores in normalized.items()})
table.index = [f"{int(lead / pd.Timedelta(hours=1))} h" for lead in table.index]
print(table.round(3))

fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
table.plot(ax=ax, marker="o")
ax.axhline(1.0, color="0.5", lw=0.8)
ax.set(xlabel="lead time", ylabel="mean normalised RMSE", title="fusion ablation")
