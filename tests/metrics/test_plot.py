"""Tests of xaqf.metrics.plot: every figure renders under Agg, with the expected panels and
labels.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402

from tests.helpers import canonical_dataset  # noqa: E402
from xaqf import metrics  # noqa: E402
from xaqf.errors import InvalidValueError, MissingLevelError, MissingTimeError  # noqa: E402
from xaqf.metrics import plot

TIMES = pd.date_range("2022-06-01", periods=12, freq="12h")
LEADS = pd.to_timedelta(np.arange(1, 7) * 12, unit="h")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def case():
    truth = canonical_dataset(["tcco", "pm10", "go3"], TIMES, nlat=19, nlon=36,
                              levels=(100.0, 500.0, 850.0), seed=6)
    truth["pm10"] = truth.pm10 * 1e-9
    rng = np.random.default_rng(1)
    aligned = metrics.align_truth(
        xr.Dataset(coords={"init_time": TIMES[:2], "lead_time": LEADS}), truth)
    forecast = aligned.map(lambda d: d * (1 + 0.2 * rng.normal(size=d.shape)), keep_attrs=True)
    reference = aligned.map(lambda d: d * (1 + 0.3 * rng.normal(size=d.shape)),
                            keep_attrs=True)
    return truth, forecast, reference


def _png_size(fig) -> int:
    fig.canvas.draw()
    return int(np.asarray(fig.canvas.buffer_rgba()).std() > 0)


def test_rmse_curves(case):
    truth, forecast, reference = case
    scores = {"xaqf": metrics.rmse(forecast, truth), "CAMS": metrics.rmse(reference, truth)}
    fig = plot.plot_rmse_curves(scores, variables=["pm10", "go3_500"], reference="CAMS")
    assert len(fig.axes) == 4
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["PM10", "O₃ 500 hPa"]
    assert fig.axes[0].get_ylabel() == "RMSE (µg m⁻³)"
    ratio_line = fig.axes[1].lines[0]
    expected = (scores["xaqf"].pm10 / scores["CAMS"].pm10).values
    np.testing.assert_allclose(ratio_line.get_ydata(), expected)
    np.testing.assert_allclose(ratio_line.get_xdata(), np.arange(1, 7) * 12)
    assert _png_size(fig)
    single = plot.plot_rmse_curves(scores["xaqf"])
    assert [ax.get_title() for ax in single.axes] == ["TC CO", "PM10"]
    with pytest.raises(InvalidValueError, match="ECMWF"):
        plot.plot_rmse_curves(scores, reference="ECMWF")


def test_score_matrix_heat_map(case):
    truth, forecast, reference = case
    matrix = metrics.score_matrix(forecast, reference, truth)
    fig = plot.plot_score_matrix(matrix)
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert [ax.get_title() for ax in visible] == ["O₃", "single level"]
    image = visible[0].images[0]
    assert image.norm.vcenter == 1.0
    np.testing.assert_allclose(image.get_array(),
                               matrix.go3.transpose("level", "lead_day").values)
    assert [t.get_text() for t in visible[0].get_yticklabels()] == ["100", "500", "850"]
    assert [t.get_text() for t in visible[1].get_yticklabels()] == ["TC CO", "PM10"]
    assert _png_size(fig)


def test_normalized_rmse_profiles(case):
    truth, forecast, reference = case
    normalized = metrics.normalized_rmse(forecast, reference, truth)
    fig = plot.plot_normalized_rmse(normalized, lead_days=(1, 3))
    ozone = fig.axes[0]
    np.testing.assert_allclose(ozone.lines[1].get_xdata(),
                               metrics.by_lead_day(normalized).go3.sel(lead_day=3))
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["day 1", "day 3"]
    with pytest.raises(MissingTimeError, match="lead day"):
        plot.plot_normalized_rmse(normalized, lead_days=(5,))


def test_case_maps_grid_and_region_across_greenwich(case):
    truth, forecast, reference = case
    fig = plot.plot_case_maps(truth, {"xaqf": forecast, "CAMS": reference}, "pm10",
                              ["12h", "36h"], region=(-30.0, 40.0, 30.0, 72.0))
    maps = fig.axes[:6]
    assert all(ax.collections for ax in maps)
    assert [ax.get_title() for ax in maps[:3]] == ["truth", "xaqf", "CAMS"]
    mesh = maps[0].collections[0]
    x = mesh.get_coordinates()[0, :, 0]
    assert x.min() < 0 < x.max() <= 45
    lons = [330.0, 340.0, 350.0, 0.0, 10.0, 20.0, 30.0, 40.0]
    expected = truth.pm10.sel(time=TIMES[1], latitude=slice(70, 30), longitude=lons) * 1e9
    np.testing.assert_allclose(mesh.get_array().reshape(expected.shape), expected, rtol=1e-6)
    assert "µg m⁻³" in fig.axes[-1].get_ylabel()
    assert _png_size(fig)


def test_case_maps_level_required(case):
    truth, forecast, _ = case
    with pytest.raises(MissingLevelError, match="level="):
        plot.plot_case_maps(truth, {"xaqf": forecast}, "go3", ["12h"])
    fig = plot.plot_case_maps(truth, {"xaqf": forecast}, "go3", ["12h"], level=500.0)
    assert "O₃ 500 hPa" in fig.get_suptitle()


def test_crop_handles_longitude_conventions():
    lon = np.arange(0.0, 360.0, 30.0)
    da = xr.DataArray(np.ones((3, lon.size)), dims=("latitude", "longitude"),
                      coords={"latitude": [40.0, 0.0, -40.0], "longitude": lon})
    across = plot.crop(da, (-60.0, 30.0, -10.0, 50.0))
    assert across.longitude.values.tolist() == [-60.0, -30.0, 0.0, 30.0]
    assert across.latitude.values.tolist() == [40.0, 0.0]
    dateline = plot.crop(da, (150.0, -150.0, -90.0, 90.0))
    assert dateline.longitude.values.tolist() == [150.0, 180.0, 210.0]
    signed = da.assign_coords(longitude=(lon + 180.0) % 360.0 - 180.0).sortby("longitude")
    assert plot.crop(signed, (-60.0, 30.0, -10.0, 50.0)).longitude.values.tolist() == [
        -60.0, -30.0, 0.0, 30.0]
    with pytest.raises(InvalidValueError, match="region"):
        plot.crop(da, (10.0, 20.0, -10.0, 50.0))


def test_score_matrix_hatches_the_cells_that_are_not_significant(case):
    truth, forecast, reference = case
    matrix = metrics.score_matrix(forecast, reference, truth)
    significant = matrix < matrix.to_array().median()
    expected = sum(int((~significant[name]).sum()) for name in significant.data_vars)
    for marks in (significant, metrics.channel_scores(significant)):
        fig = plot.plot_score_matrix(matrix, significant=marks)
        hatched = [patch for ax in fig.axes for patch in ax.patches if patch.get_hatch()]
        assert len(hatched) == expected > 0
        plt.close(fig)
    assert not [p for ax in plot.plot_score_matrix(matrix).axes for p in ax.patches]


def test_score_matrix_blue_is_better_and_the_colour_bar_says_so(case):
    truth, forecast, reference = case
    fig = plot.plot_score_matrix(metrics.score_matrix(forecast, reference, truth))
    image = next(ax for ax in fig.axes if ax.images).images[0]
    red, green, blue, _ = image.cmap(0.0)  # the lowest ratio: far better than reference
    assert blue > red
    bar = next(ax for ax in fig.axes if "better than reference" in ax.get_ylabel())
    assert "blue < 1" in bar.get_ylabel()


def test_ratio_axis_ticks_are_plain_numbers():
    lead = pd.to_timedelta([12, 24, 36], unit="h")
    rmse = xr.Dataset({"pm10": ("lead_time", [2e-9, 3e-9, 4e-9], {"units": "kg m-3"})},
                      coords={"lead_time": lead})
    fig = plot.plot_rmse_curves({"xaqf": rmse * (1 + 1e-6), "CAMS": rmse}, reference="CAMS")
    fig.canvas.draw()
    ratio = fig.axes[1]
    assert ratio.yaxis.get_major_formatter().get_offset() == ""
    assert all("e" not in t.get_text() for t in ratio.get_yticklabels())


def test_map_without_cartopy_says_why(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "cartopy" else real(name, *a))
    fig, axes = plt.subplots(1, 2)
    assert not plot.add_coastlines(axes[0]) and not plot.add_coastlines(axes[1])
    assert [t.get_text() for t in fig.texts] == [plot.NO_COASTLINES]
