"""
The paper's figures
===================

RMSE against lead time, the score matrix by lead day, the lead-day profiles and the case
maps of the shipped met-coupled model, against persistence (the state at the initial time
kept for every lead time), on the 8 held-out initial times of the toy world.
"""

import xaqf
from xaqf import metrics
from xaqf.tutorial.models import demo_world

forecaster = xaqf.tutorial.load_model("demo-met")
world = demo_world(forecaster)
truth = world.cams
fc = forecaster.predict(truth, world.fuxi, steps=10,
                        init_times=forecaster.provenance["test_inits"], progress=False)
persistence = metrics.persistence_forecast(truth, fc["init_time"].values,
                                           fc["lead_time"].values)
scores = {"xaqf": metrics.rmse(fc, truth), "persistence": metrics.rmse(persistence, truth)}

# %%
# The score matrix (the paper's Fig. 3): normalised RMSE by variable, level and lead day;
# blue is better than persistence.
normalized = scores["xaqf"] / scores["persistence"]
matrix = metrics.by_lead_day(normalized)
fig = xaqf.metrics.plot.plot_score_matrix(matrix)
print(metrics.share_better(matrix).values.round(2))

# %%
# RMSE curves (Fig. 2), with the ratio to persistence below each panel.
fig = xaqf.metrics.plot.plot_rmse_curves(scores,
                                         variables=["pm2p5", "tcno2", "gtco3", "go3_850"],
                                         reference="persistence")

# %%
# Lead-day profiles (Fig. 4) of the normalised RMSE through the levels.
fig = xaqf.metrics.plot.plot_normalized_rmse(matrix, lead_days=[1, 3, 5])

# %%
# Case maps (Figs. 5-6): truth, the forecast and persistence.
fig = xaqf.metrics.plot.plot_case_maps(truth, {"xaqf": fc, "persistence": persistence},
                                       "tcno2", lead_times=["24h", "120h"])
