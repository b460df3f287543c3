"""End-to-end tests of ``xaqf evaluate`` on tiny synthetic files."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf import metrics
from xaqf.cli import evaluate, main
from xaqf.data.open import open_data

TIMES = pd.date_range("2022-06-01", periods=14, freq="12h")
LEADS = pd.to_timedelta(np.arange(1, 7) * 12, unit="h")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="xaqf")
    evaluate.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["evaluate", *map(str, argv)])


@pytest.fixture
def files(tmp_path):
    truth = canonical_dataset(["pm10", "go3"], TIMES, levels=(500.0, 850.0), seed=5)
    rng = np.random.default_rng(0)
    aligned = metrics.align_truth(
        xr.Dataset(coords={"init_time": TIMES[:3], "lead_time": LEADS}), truth)
    forecast = aligned.map(lambda d: d + 0.3 * rng.normal(size=d.shape), keep_attrs=True)
    reference = metrics.persistence_forecast(truth, TIMES[:3], LEADS)
    truth.to_netcdf(tmp_path / "truth.nc")
    forecast.to_zarr(tmp_path / "forecast.zarr", zarr_format=2)
    reference.to_netcdf(tmp_path / "reference.nc")
    return tmp_path, forecast, reference, truth


def test_evaluate_writes_scores_and_figures(files):
    folder, forecast, reference, truth = files
    out = folder / "out"
    args = parse([folder / "forecast.zarr", folder / "truth.nc", "--reference",
                  folder / "reference.nc", "--output", out, "--lead-days", "1", "3"])
    assert args.func(args) == 0
    assert sorted(p.name for p in out.glob("*.png")) == [
        "normalized_rmse.png", "rmse_curves.png", "score_matrix.png"]
    tree = xr.open_datatree(out / "scores.nc")
    rmse = tree["rmse"].to_dataset()
    assert rmse["model"].values.tolist() == ["forecast", "reference"]
    np.testing.assert_allclose(rmse.pm10.sel(model="forecast"),
                               metrics.rmse(forecast, truth).pm10, rtol=1e-5)
    matrix = tree["score_matrix"].to_dataset()
    assert dict(matrix.go3.sizes) == {"level": 2, "lead_day": 3}
    share = tree["share_better"].to_dataset()
    assert share.by_lead_time.sizes == {"lead_time": 6}
    assert ((share.by_lead_day >= 0) & (share.by_lead_day <= 1)).all()
    tree.close()


def test_evaluate_without_reference_and_variables(files, capsys):
    folder, *_ = files
    args = parse([folder / "forecast.zarr", folder / "truth.nc", "--output", folder / "o",
                  "--variables", "pm10", "--form", "mse_then_sqrt"])
    assert evaluate.run(args) == 0
    tree = xr.open_datatree(folder / "o" / "scores.nc")
    assert list(tree["rmse"].data_vars) == ["pm10"]
    assert tree.attrs["rmse_form"] == "mse_then_sqrt"
    assert [p.name for p in (folder / "o").glob("*.png")] == ["rmse_curves.png"]
    tree.close()


def command(*args: object) -> int:
    """``xaqf evaluate ARGS`` as the shell runs it; returns the exit status."""
    return main(["evaluate", *map(str, args)])


def test_missing_file_exits_2(files, capsys):
    folder, *_ = files
    assert command(folder / "nope.nc", folder / "truth.nc") == 2
    assert "nope.nc" in capsys.readouterr().err


def test_unscorable_data_exits_2(files, capsys):
    folder, *_, truth = files
    truth.isel(time=slice(0, 5)).to_netcdf(folder / "short.nc")
    assert command(folder / "forecast.zarr", folder / "short.nc", "--output", folder / "x") == 2
    assert "valid time" in capsys.readouterr().err
    assert command(folder / "forecast.zarr", folder / "truth.nc", "--variables", "tcco") == 2
    assert "tcco" in capsys.readouterr().err


@pytest.mark.real_data
def test_evaluate_on_a_real_cams_download(real_data, tmp_path):
    """Truth straight from the ADS (EAC4 cut-out, kg m**-2, descending latitude)."""
    truth = open_data(real_data / "eac4_sfc_cutout_2020-07.nc")
    inits, leads = truth.time.values[:4], pd.to_timedelta([3, 6, 9], unit="h")
    metrics.persistence_forecast(truth, inits, leads).to_netcdf(tmp_path / "persistence.nc")
    climatology = metrics.climatology_forecast(truth.mean("time"), inits, leads)
    climatology.to_netcdf(tmp_path / "climatology.nc")
    args = parse([tmp_path / "persistence.nc", real_data / "eac4_sfc_cutout_2020-07.nc",
                  "--reference", tmp_path / "climatology.nc", "--output", tmp_path / "out"])
    assert evaluate.run(args) == 0
    tree = xr.open_datatree(tmp_path / "out" / "scores.nc")
    rmse = tree["rmse"].to_dataset().gtco3
    assert rmse.attrs["units"] == "kg m-2"
    assert (rmse > 0).all() and (rmse < 1e-2).all()
    tree.close()


def test_scores_come_from_one_state_per_model(files):
    """The streamed scores written equal the in-memory metrics, normalised RMSE included."""
    _, forecast, reference, truth = files
    tree = metrics.evaluate(forecast, truth, reference, form="mse_then_sqrt")
    expected = metrics.normalized_rmse(forecast, reference, truth, form="mse_then_sqrt")
    xr.testing.assert_allclose(tree["normalized_rmse"].to_dataset(), expected, rtol=1e-5)
    assert tree["normalized_rmse"].to_dataset().pm10.attrs["units"] == "1"


@pytest.mark.filterwarnings("ignore:.*:DeprecationWarning", "ignore:.*:ResourceWarning")
def test_evaluate_on_a_two_worker_local_cluster_equals_in_process(files):
    folder, *_ = files
    inputs = [folder / "forecast.zarr", folder / "truth.nc", "--reference",
              folder / "reference.nc", "--lead-days", "1"]
    assert evaluate.run(parse([*inputs, "--output", folder / "local"])) == 0
    assert evaluate.run(parse([*inputs, "--output", folder / "cluster", "--workers", "2"])) == 0
    local = xr.open_datatree(folder / "local" / "scores.nc")
    cluster = xr.open_datatree(folder / "cluster" / "scores.nc")
    for group in ("rmse", "normalized_rmse", "score_matrix", "share_better"):
        xr.testing.assert_identical(cluster[group].to_dataset(), local[group].to_dataset())
    local.close()
    cluster.close()


@pytest.mark.parametrize("source", ["hour", "file"])
def test_evaluate_scores_the_acc_with_a_climatology(files, source):
    folder, forecast, reference, truth = files
    climatology = metrics.compute_climatology(truth, by="hour")
    if source == "file":
        climatology.to_netcdf(folder / "climatology.nc")
    out = folder / f"acc-{source}"
    args = parse([folder / "forecast.zarr", folder / "truth.nc", "--reference",
                  folder / "reference.nc", "--output", out, "--climatology",
                  "hour" if source == "hour" else folder / "climatology.nc"])
    assert evaluate.run(args) == 0
    assert (out / "acc_curves.png").stat().st_size > 1000
    with xr.open_datatree(out / "scores.nc") as tree:
        acc = tree["acc"].to_dataset()
        assert acc["model"].values.tolist() == ["forecast", "reference"]
        np.testing.assert_allclose(acc.go3.sel(model="forecast"),
                                   metrics.acc(forecast, truth, climatology).go3, rtol=1e-5)
        np.testing.assert_allclose(acc.pm10.sel(model="reference"),
                                   metrics.acc(reference, truth, climatology).pm10, rtol=1e-5)
        assert acc.pm10.attrs["units"] == "1"


def test_a_missing_climatology_file_exits_2(files, capsys):
    folder, *_ = files
    assert command(folder / "forecast.zarr", folder / "truth.nc", "--climatology",
                   folder / "no-climatology.nc") == 2
    assert "no-climatology.nc" in capsys.readouterr().err


def test_the_library_evaluate_is_what_the_command_writes(files):
    """A Python user's xaqf.metrics.evaluate gives exactly the tree in scores.nc."""
    folder, *_ = files
    out = folder / "written"
    args = parse([folder / "forecast.zarr", folder / "truth.nc", "--reference",
                  folder / "reference.nc", "--climatology", "hour", "--output", out,
                  "--form", "mse_then_sqrt"])
    assert evaluate.run(args) == 0
    truth = open_data(folder / "truth.nc")
    tree = metrics.evaluate(open_data(folder / "forecast.zarr"), truth,
                            open_data(folder / "reference.nc"), form="mse_then_sqrt",
                            climatology="hour")
    with xr.open_datatree(out / "scores.nc") as written:
        assert set(written.children) == set(tree.children) == {
            "rmse", "acc", "normalized_rmse", "score_matrix", "share_better", "comparison",
            "mnmb", "fge", "nmb", "summary"}
        assert written.attrs == tree.attrs
        for group in tree.children:
            xr.testing.assert_identical(written[group].to_dataset().load(),
                                        tree[group].to_dataset())


def test_summary_table_is_printed_with_shares_and_initial_times(files, capsys):
    folder, *_ = files
    args = parse([folder / "forecast.zarr", folder / "truth.nc", "--reference",
                  folder / "reference.nc", "--output", folder / "s"])
    assert evaluate.run(args) == 0
    printed = capsys.readouterr().out
    for column in ("RMSE forecast", "RMSE reference", "share significantly better",
                   "initial times"):
        assert column in printed
    with xr.open_datatree(folder / "s" / "scores.nc") as tree:
        comparison = tree["comparison"].to_dataset()
        assert {"difference", "lower", "upper", "significant"} <= set(comparison.data_vars)
        assert (comparison.lower <= comparison.upper).all()
        summary = tree["summary"].to_dataset()
        assert summary["variable"].values.tolist() == ["go3", "pm10"]  # catalogue order
        assert (summary.n_init_times == 3).all()
        assert {"mnmb", "fge", "nmb"} <= set(tree.children)


def test_persistence_baseline_and_labels(files):
    folder, forecast, reference, truth = files
    out = folder / "p"
    args = parse([folder / "forecast.zarr", folder / "truth.nc", "--baseline", "persistence",
                  "--label", "xaqf", "--output", out])
    assert evaluate.run(args) == 0
    with xr.open_datatree(out / "scores.nc") as tree:
        rmse = tree["rmse"].to_dataset()
        assert rmse["model"].values.tolist() == ["xaqf", "persistence"]
        np.testing.assert_allclose(rmse.pm10.sel(model="persistence"),
                                   metrics.rmse(reference, truth).pm10, rtol=1e-5)
        assert tree.attrs["forecast_label"] == "xaqf"
    assert (out / "score_matrix.png").exists()


def test_reference_and_baseline_together_are_refused(files, capsys):
    folder, *_ = files
    code = command(folder / "forecast.zarr", folder / "truth.nc", "--baseline", "persistence",
                   "--reference", folder / "reference.nc", "--output", folder / "r")
    assert code == 2
    assert capsys.readouterr().err.startswith("xaqf evaluate: error: give either --reference")


def test_the_same_run_twice_writes_identical_files(files):
    folder, forecast, *_ = files
    reordered = forecast[["pm10", "go3"]]
    reordered.to_netcdf(folder / "reordered.nc")
    outputs = []
    for name, source in (("a", "forecast.zarr"), ("b", "forecast.zarr"), ("c", "reordered.nc")):
        args = parse([folder / source, folder / "truth.nc", "--reference",
                      folder / "reference.nc", "--output", folder / name, "--lead-days", "1"])
        assert evaluate.run(args) == 0
        outputs.append(folder / name)
    first = (outputs[0] / "scores.nc").read_bytes()
    assert (outputs[1] / "scores.nc").read_bytes() == first
    for out in outputs[1:]:
        assert (out / "score_matrix.png").read_bytes() == (
            outputs[0] / "score_matrix.png").read_bytes()
    with xr.open_datatree(outputs[2] / "scores.nc") as tree:
        assert list(tree["rmse"].data_vars) == ["go3", "pm10"]


def test_report_is_one_offline_page_with_tables_and_images(files):
    folder, *_ = files
    out = folder / "html"
    args = parse([folder / "forecast.zarr", folder / "truth.nc", "--reference",
                  folder / "reference.nc", "--output", out, "--report", "--lead-days", "1"])
    assert evaluate.run(args) == 0
    page = (out / "report.html").read_text()
    assert page.count("<table") == 2
    assert page.count("data:image/png;base64,") == 3
    assert "http" not in page and "<script" not in page
    assert "share significantly better" in page
