"""Reading station files: real samples, OpenAQ and EEA CSVs, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from xaqf.errors import LayoutError, UnitError
from xaqf.stations import open_stations

DATA = Path(__file__).resolve().parents[1] / "samples"


@pytest.mark.real_data
def test_openaq_netcdf_sample(real_data):
    obs = open_stations(real_data / "openaq_pm25_madrid_2020-08.nc")
    assert dict(obs.sizes) == {"station": 5, "time": 46}
    assert obs.attrs["featureType"] == "timeSeries"
    assert obs["pm2p5"].attrs["units"] == "ug m-3"
    assert obs["station"].values[0] == "4323"
    assert 40.0 < float(obs.latitude[0]) < 41.0 and -4.0 < float(obs.longitude[0]) < -3.5
    raw = xr.open_dataset(real_data / "openaq_pm25_madrid_2020-08.nc")
    np.testing.assert_allclose(obs["pm2p5"].values, raw["pm25"].values)


@pytest.mark.real_data
def test_pyaerocom_eea_sample_reads_the_observations(real_data):
    path = real_data / "cams2_83_ens_vs_eea_pm25_2024-03-01.nc"
    obs = open_stations(path)
    assert dict(obs.sizes) == {"station": 425, "time": 24}
    raw = xr.open_dataset(path)["concpm25"]
    np.testing.assert_allclose(obs["pm2p5"].values,
                               raw.sel(data_source="CAMS2_83.NRT").values.T)
    assert "altitude" in obs.coords and obs["station"].values[0] == "AT0ENK1"


def test_openaq_csv():
    obs = open_stations(DATA / "openaq_sample.csv")
    assert list(obs.station.values) == ["2178", "4323"]
    assert sorted(obs.data_vars) == ["no2", "pm2p5"]  # "bc" has no canonical name
    # 01:00-06:00 and 09:00+02:00 are both 07:00 UTC
    assert str(obs.time.values[0])[:16] == "2022-05-03T07:00"
    np.testing.assert_array_equal(obs["pm2p5"].values, [[8.0, 11.5], [14.0, np.nan]])
    assert float(obs.longitude.sel(station="2178")) == pytest.approx(-106.5847)


def test_eea_csv_with_metadata_drops_invalid_rows():
    obs = open_stations(DATA / "eea_sample.csv", metadata=DATA / "eea_metadata.csv")
    assert list(obs.station.values) == ["AT0ENK1", "ES1938A"]
    # DatetimeEnd 01:00 +01:00 is 00:00 UTC; the row of Validity -1 is dropped
    assert [str(t)[:16] for t in obs.time.values] == ["2020-08-01T00:00", "2020-08-01T02:00"]
    np.testing.assert_array_equal(obs["no2"].values, [[12.0, np.nan], [45.0, 30.5]])
    assert float(obs.latitude.sel(station="ES1938A")) == pytest.approx(40.4215)
    assert int(obs.altitude.sel(station="AT0ENK1")) == 525


def test_eea_csv_without_metadata_is_refused():
    with pytest.raises(LayoutError, match="metadata"):
        open_stations(DATA / "eea_sample.csv")


def test_file_without_coordinates(tmp_path):
    ds = xr.Dataset({"pm25": (("station_id", "time"), np.ones((2, 3)), {"units": "µg/m³"})},
                    coords={"time": np.arange(3).astype("datetime64[h]"),
                            "station_id": [1, 2]})
    ds.to_netcdf(tmp_path / "bare.nc")
    with pytest.raises(LayoutError, match="no latitude of the stations"):
        open_stations(tmp_path / "bare.nc")


def test_unknown_units(tmp_path):
    text = (DATA / "openaq_sample.csv").read_text(encoding="utf-8").replace("µg/m³", "ppm")
    (tmp_path / "ppm.csv").write_text(text, encoding="utf-8")
    with pytest.raises(UnitError, match="ppm.csv"):
        open_stations(tmp_path / "ppm.csv")


def test_gases_in_ppm_are_converted_at_the_reference_conditions(tmp_path):
    rows = ["location_id,sensors_id,location,datetime,lat,lon,parameter,units,value",
            "2178,3921,Del Norte-2178,2022-05-03T01:00:00-06:00,35.1353,-106.5847,o3,ppm,0.045",
            "2178,3921,Del Norte-2178,2022-05-03T02:00:00-06:00,35.1353,-106.5847,o3,ppm,0.030",
            "2178,3919,Del Norte-2178,2022-05-03T01:00:00-06:00,35.1353,-106.5847,pm25,µg/m³,8"]
    (tmp_path / "us.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    eu = open_stations(tmp_path / "us.csv")
    np.testing.assert_allclose(eu["go3"].values, [[0.045 * 1995.35, 0.030 * 1995.35]], rtol=1e-4)
    assert eu["go3"].attrs["xaqf_converted_from"] == "ppm at 293.15 K and 101325 Pa"
    assert "xaqf_converted_from" not in eu["pm2p5"].attrs
    us = open_stations(tmp_path / "us.csv", volume_reference=(298.15, 101325.0))
    np.testing.assert_allclose(us["go3"].values, eu["go3"].values * 293.15 / 298.15)
    np.testing.assert_array_equal(us["pm2p5"].values, eu["pm2p5"].values)


def test_a_netcdf_of_gases_in_ppb_is_converted(tmp_path):
    ds = xr.Dataset({"no2": (("station_id", "time"), np.full((2, 3), 10.0), {"units": "ppb"})},
                    coords={"time": np.arange(3).astype("datetime64[h]"), "station_id": [1, 2],
                            "lat": ("station_id", [40.0, 41.0]),
                            "lon": ("station_id", [-3.0, -4.0])})
    ds.to_netcdf(tmp_path / "ppb.nc")
    obs = open_stations(tmp_path / "ppb.nc")
    np.testing.assert_allclose(obs["no2"].values, 19.125, rtol=1e-4)
    assert obs["no2"].attrs["units"] == "ug m-3"


def test_unknown_csv_layout(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(LayoutError, match="no known layout"):
        open_stations(tmp_path / "x.csv")
