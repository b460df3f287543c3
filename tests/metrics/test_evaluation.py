"""Tests of xaqf.metrics.evaluate: the full evaluation as a library call, and its figures."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf import metrics
from xaqf.errors import ConfigError, DataWarning

TIMES = pd.date_range("2022-06-01", periods=8, freq="12h")
LEADS = pd.to_timedelta([12, 24], unit="h")


@pytest.fixture
def models():
    truth = canonical_dataset(["pm10", "go3"], TIMES, levels=(500.0,), seed=3)
    reference = metrics.persistence_forecast(truth, TIMES[:3], LEADS)
    forecast = 0.5 * (reference + metrics.align_truth(reference, truth))
    return forecast, reference, truth


def test_evaluate_scores_every_model_from_its_state(models):
    forecast, reference, truth = models
    climatology = metrics.compute_climatology(truth, by="hour")
    tree = metrics.evaluate(forecast, truth, reference, climatology=climatology)
    assert tree.attrs == {"title": "xaqf evaluation", "rmse_form": "per_forecast",
                          "forecast_label": "forecast", "reference_label": "reference"}
    for score in ("mnmb", "fge", "nmb"):
        xr.testing.assert_allclose(tree[score].to_dataset().sel(model="forecast", drop=True),
                                   getattr(metrics, score)(forecast, truth), rtol=1e-6)
    comparison = tree["comparison"].to_dataset()
    assert (comparison.difference < 0).all()  # the forecast halves the reference's RMSE
    rmse = tree["rmse"].to_dataset()
    xr.testing.assert_allclose(rmse.sel(model="reference", drop=True),
                               metrics.rmse(reference, truth), rtol=1e-12)
    assert (rmse.pm10.sel(model="forecast") < rmse.pm10.sel(model="reference")).all()
    xr.testing.assert_allclose(tree["acc"].to_dataset().sel(model="forecast", drop=True),
                               metrics.acc(forecast, truth, climatology), rtol=1e-12)
    np.testing.assert_allclose(tree["normalized_rmse"].to_dataset().pm10, 0.5, rtol=1e-6)
    assert (tree["share_better"]["by_lead_day"] == 1.0).all()
    by_kind = metrics.evaluate(forecast, truth, climatology="hour")
    xr.testing.assert_identical(by_kind["acc"].to_dataset(), tree["acc"].to_dataset()
                                .sel(model=["forecast"]))
    with pytest.raises(ConfigError, match="'weekly'.*dayofyear_hour"):
        metrics.evaluate(forecast, truth, climatology="weekly")


def test_figures_of_an_evaluation(models):
    matplotlib.use("Agg")
    forecast, reference, truth = models
    tree = metrics.evaluate(forecast, truth, reference)
    with pytest.warns(DataWarning, match=r"no lead day of \[3, 5\].*\[1\]"):
        figures = metrics.evaluation_figures(tree)
    assert sorted(figures) == ["rmse_curves.png", "score_matrix.png"]
    assert "normalized_rmse.png" in metrics.evaluation_figures(tree, lead_days=[1])
