"""
From raw downloads to a forecast, through the training store
============================================================

The toy world written as the monthly files the ADS and CDS would deliver, turned into the
analysis-ready zarr store (:func:`xaqf.store.prepare`), opened lazily
(:func:`xaqf.open_store`) and used for a short forecast.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import xaqf
from xaqf.store import prepare

folder = Path(tempfile.mkdtemp(prefix="xaqf-gallery-"))
raw = xaqf.tutorial.save_raw_downloads(folder / "downloads", days=3)
print([path.name for path in raw.cams + raw.met])

# %%
# ``prepare`` regrids and checks every time step and writes the statistics in the same
# pass; ``workers=0`` runs it in this process (``xaqf prepare`` uses a dask cluster).
store = prepare([str(p) for p in raw.cams], [str(p) for p in raw.met], str(raw.statics),
                folder / "train.zarr", 4.0, "2022-06-01", "2022-06-03", workers=0,
                progress=False)
tree = xaqf.open_store(store)
print(tree)

# %%
# The store's groups feed the forecaster directly: a two-step forecast of the shipped
# met-coupled model (trained on another period of the toy world), driven by the store's met.
cams, met = tree["cams"].to_dataset(), tree["met"].to_dataset()
fc = xaqf.tutorial.load_model("demo-met").predict(cams, met, steps=2, progress=False)
fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
(fc["pm10"].isel(init_time=0, lead_time=-1) * 1e9).plot(ax=ax, cbar_kwargs={"label": "µg m⁻³"})
ax.set_title("PM10, +24 h from the store")
