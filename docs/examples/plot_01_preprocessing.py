"""
Preprocessing with the accessor
===============================

The ``.aqf`` accessor carries the paper's preprocessing on any xarray Dataset: statistics,
normalisation, the log transform and the 24 h-old grey-line base of the photolysing
species. Everything stays labelled, and lazy on dask.
"""

import matplotlib.pyplot as plt
import numpy as np

import xaqf

cams = xaqf.tutorial.toy_world(4.0, days=6, seed=0).cams
print(dict(cams.sizes))

# %%
# Statistics, normalisation and the log transform
# -----------------------------------------------
# ``compute_stats`` returns per-channel means and standard deviations; ``normalize``
# uses them; ``log_transform`` compresses the skewed concentrations.
stats = cams.aqf.compute_stats().compute()
normed = cams.aqf.normalize(stats).aqf.log_transform()
print(float(normed["pm2p5"].mean()), float(normed["pm2p5"].std()))

# %%
# The skewed raw PM2.5 becomes a near-symmetric, unit-scale input for the network.
fig, axes = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
raw = cams["pm2p5"].isel(time=8).values.ravel()
axes[0].hist(raw * 1e9, bins=40, color="0.4")
axes[0].set(title="PM2.5, raw", xlabel="µg m⁻³", ylabel="grid points")
axes[1].hist(normed["pm2p5"].isel(time=8).values.ravel(), bins=40, color="tab:blue")
axes[1].set(title="PM2.5, normalised and log-transformed", xlabel="1")

# %%
# The grey-line base
# ------------------
# NO, NO₂ and the particulate channels change with the daylight; their base is the
# state 24 h earlier rather than 12 h earlier.
base = cams.aqf.grey_line_base(step="12h")
print(np.isfinite(base["pm2p5"].isel(time=-1)).all().item())
