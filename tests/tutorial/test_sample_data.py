"""``save_sample_data``: FuXi-like files in earth2studio's layout with their initial times,
station files with the providers' quirks that read back to the toy truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import xaqf
from xaqf.stations import open_stations
from xaqf.tutorial.sample_data import save_sample_data

START, DAYS = "2022-06-01", 3


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return save_sample_data(tmp_path_factory.mktemp("sample"), days=DAYS, start=START,
                            cams_resolution=30.0, met_resolution=15.0, spinup_days=0,
                            stations=8)


def test_fuxi_files_are_earth2studio_layout_with_their_init_times(sample):
    names = [path.name for path in sample.fuxi]
    assert names == ["fuxi_2022-06-02T00.nc", "fuxi_2022-06-03T00.nc"]
    raw = xr.open_dataset(sample.fuxi[0])
    assert raw["u500"].dims == ("time", "lead_time", "lat", "lon")
    assert "tp12" in raw and "units" not in raw["t2m"].attrs
    assert raw["lat"].values[0] > raw["lat"].values[-1]
    met = xaqf.open_met([str(path) for path in sample.fuxi])
    assert pd.DatetimeIndex(met["init_time"].values).strftime("%d %H").tolist() == \
        ["02 00", "03 00"]
    assert met.sizes["lead_time"] == 11 and met["t"].attrs["units"] == "K"
    cams = xaqf.open_cams([str(path) for path in sample.raw.cams])
    assert met.sizes["latitude"] == cams.sizes["latitude"]  # on the CAMS grid


def test_openaq_file_local_times_and_ozone_in_ppm(sample):
    text = sample.openaq.read_text(encoding="utf-8")
    assert "ppm" in text and "µg/m³" in text and ("+0" in text or "-0" in text)
    observed = open_stations(sample.openaq)
    assert observed.sizes["station"] == 8
    times = pd.DatetimeIndex(observed["time"].values)
    assert set(times.hour) == {0, 12}  # local clock times back to UTC
    assert observed["go3"].attrs["units"] == "ug m-3"
    assert "Toy Site 01" in observed["station_name"].values


def test_eea_file_flags_invalid_hours_and_needs_its_metadata(sample):
    frame = pd.read_csv(sample.eea)
    flagged = frame[frame["Validity"] < 0]
    assert (flagged["Concentration"] == -999).all()
    assert "\t" in sample.eea_metadata.read_text(encoding="utf-8").splitlines()[0]
    observed = open_stations(sample.eea, metadata=sample.eea_metadata)
    assert observed.sizes["station"] == 4
    assert float(observed["pm2p5"].min()) > 0  # the -999 rows are gone
    assert np.all((observed["latitude"] > 35) & (observed["latitude"] < 70))


def test_observations_follow_the_truth(sample):
    from xaqf.products.surface import surface_concentration
    from xaqf.stations import interpolate

    cams = xaqf.open_cams([str(path) for path in sample.raw.cams])
    observed = open_stations(sample.openaq)
    truth = interpolate(surface_concentration(cams, "pm2p5").to_dataset(), observed)
    truth = truth["pm2p5"].sel(time=observed["time"]).transpose("station", "time")
    ratio = np.log(observed["pm2p5"] / truth).values
    ratio = ratio[np.isfinite(ratio)]
    assert abs(ratio.mean()) < 0.15 and 0.05 < ratio.std() < 0.4
