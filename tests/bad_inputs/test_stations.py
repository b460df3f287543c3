"""Bad station inputs: sentinels, impossible values and coordinates, identity collisions,
unreadable times and values, bad matching parameters.

One test per kind; each asserts the error type and that the message names the culprit, or
the masked values and the count the warning gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from xaqf.errors import ConfigError, DataWarning, InvalidValueError, LayoutError
from xaqf.stations import interpolate, match, open_stations, station_dataset

HEADER = "location_id,sensors_id,location,datetime,lat,lon,parameter,units,value\n"
TIMES = pd.date_range("2022-06-01", periods=3, freq="6h")


def _openaq(tmp_path, *rows):
    path = tmp_path / "openaq.csv"
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows))
    return path


def _row(value="8.0", station="1", place="A", time="2022-06-01T00:00:00+00:00", lat="40.4",
         lon="-3.7", parameter="pm25", units="µg/m³"):
    return f"{station},10,{place},{time},{lat},{lon},{parameter},{units},{value}"


@pytest.mark.parametrize("sentinel", ["-999", "-9999", "-9900", "9999"])
def test_no_data_sentinel_is_masked_and_counted(tmp_path, sentinel):
    path = _openaq(tmp_path, _row("8.0"), _row(sentinel, time="2022-06-01T01:00:00+00:00"))
    with pytest.warns(DataWarning, match=r"masked 1 no-data value.* station '1'"):
        obs = open_stations(path)
    assert obs["pm2p5"].values.tolist() == [[8.0, pytest.approx(np.nan, nan_ok=True)]]
    assert obs["pm2p5"].attrs["xaqf_masked"].startswith("1 no-data")


@pytest.mark.parametrize("value", ["-3.5", "250000"])
def test_value_outside_the_physical_range_is_masked(tmp_path, value):
    path = _openaq(tmp_path, _row("8.0"), _row(value, time="2022-06-01T01:00:00+00:00"))
    with pytest.warns(DataWarning, match=r"1 outside 0\.\.100000 ug m-3"):
        obs = open_stations(path)
    assert np.isnan(obs["pm2p5"].values[0, 1]) and obs["pm2p5"].values[0, 0] == 8.0


def test_eea_sentinel_with_valid_flag_is_masked(tmp_path):
    header = ("AirQualityStationEoICode,AirPollutant,Concentration,UnitOfMeasurement,"
              "DatetimeEnd,Validity\n")
    path = tmp_path / "eea.csv"
    path.write_text(header + "ES1,NO2,-9999,µg/m3,2020-08-01 01:00:00 +01:00,1\n"
                    "ES1,NO2,12,µg/m3,2020-08-01 02:00:00 +01:00,1\n")
    meta = tmp_path / "meta.csv"
    meta.write_text("AirQualityStationEoICode,Longitude,Latitude\nES1,-3.7,40.4\n")
    with pytest.warns(DataWarning, match="'no2': masked 1 no-data"):
        obs = open_stations(path, metadata=meta)
    assert np.isnan(obs["no2"].values[0, 0]) and obs["no2"].values[0, 1] == 12.0


@pytest.mark.parametrize(("lat", "lon"), [("95", "10"), ("-91", "10"), ("40", "400"),
                                          ("", "10")])
def test_station_off_the_globe_is_refused(tmp_path, lat, lon):
    path = _openaq(tmp_path, _row(station="77", lat=lat, lon=lon))
    with pytest.raises(InvalidValueError, match=r"station '77' is at latitude"):
        open_stations(path)


def test_interpolating_to_a_station_at_latitude_95_is_refused():
    field = xr.DataArray(np.ones((7, 12)), dims=("latitude", "longitude"),
                         coords={"latitude": np.linspace(90, -90, 7),
                                 "longitude": np.arange(0.0, 360.0, 30.0)})
    stations = xr.Dataset(coords={"station": ["pole+"], "latitude": ("station", [95.0]),
                                  "longitude": ("station", [0.0])})
    with pytest.raises(InvalidValueError, match=r"station 'pole\+' is at latitude 95"):
        interpolate(field, stations)


def test_one_location_id_in_two_cities_is_refused(tmp_path):
    path = _openaq(tmp_path, _row(station="42", place="Madrid"),
                   _row(station="42", place="Denver", lat="39.7", lon="-105.0",
                        time="2022-06-01T01:00:00+00:00"))
    with pytest.raises(LayoutError, match=r"location_id '42' .*Madrid at 40.4.*Denver at 39.7"):
        open_stations(path)


def test_duplicated_station_ids_are_refused():
    with pytest.raises(LayoutError, match=r"station identifier\(s\) \['S1'\] appear more"):
        station_dataset({"pm2p5": (np.ones((2, 1)), "ug m-3")}, ["S1", "S1"], [1.0, 2.0],
                        [1.0, 2.0], TIMES[:1])


def test_duplicated_station_ids_in_match_are_refused():
    obs = station_dataset({"pm2p5": (np.ones((1, 3)), "ug m-3")}, ["a"], [1.0], [1.0], TIMES)
    fc = xr.Dataset({"pm2p5": (("time", "station"), np.ones((3, 2)))},
                    coords={"time": TIMES, "station": ["a", "a"]})
    with pytest.raises(LayoutError, match=r"forecast name station\(s\) \['a'\] more than once"):
        match(fc, obs)


def test_station_named_like_the_pooled_row_is_refused():
    obs = station_dataset({"pm2p5": (np.ones((1, 3)), "ug m-3")}, ["all"], [1.0], [1.0], TIMES)
    fc = xr.Dataset({"pm2p5": (("time", "station"), np.ones((3, 1)))},
                    coords={"time": TIMES, "station": ["all"]})
    with pytest.raises(LayoutError, match="station named 'all', the label of the pooled row"):
        match(fc, obs)


def test_unparseable_datetime_names_the_row_and_value(tmp_path):
    path = _openaq(tmp_path, _row(), _row(time="yesterday at noon"))
    with pytest.raises(LayoutError, match=r"row 3: datetime 'yesterday at noon' is not a date"):
        open_stations(path)


def test_non_numeric_value_names_the_row(tmp_path):
    path = _openaq(tmp_path, _row(), _row("high", time="2022-06-01T01:00:00+00:00"))
    with pytest.raises(LayoutError, match=r"row 3: value 'high' is not a number"):
        open_stations(path)


@pytest.mark.parametrize("tolerance", ["banana", "-1h", None])
def test_bad_tolerance_names_the_parameter(tolerance):
    obs = station_dataset({"pm2p5": (np.ones((1, 3)), "ug m-3")}, ["a"], [1.0], [1.0], TIMES)
    fc = obs.transpose("time", "station")
    with pytest.raises(ConfigError, match=rf"tolerance={tolerance!r} is not a time span"):
        match(fc, obs, tolerance=tolerance)


def _netcdf(tmp_path, stations, values):
    ds = xr.Dataset({"pm25": (("station_id", "time"), np.asarray(values, float),
                              {"units": "µg/m³"})},
                    coords={"station_id": stations, "time": TIMES[:2],
                            "x": ("station_id", [-3.7] * len(stations)),
                            "y": ("station_id", [40.4] * len(stations))})
    ds.to_netcdf(tmp_path / "obs.nc")
    return tmp_path / "obs.nc"


def test_netcdf_sentinel_is_masked(tmp_path):
    with pytest.warns(DataWarning, match=r"'pm2p5': masked 1 no-data"):
        obs = open_stations(_netcdf(tmp_path, ["4323"], [[-999.0, 12.0]]))
    assert np.isnan(obs["pm2p5"].values[0, 0]) and obs["pm2p5"].values[0, 1] == 12.0


def test_netcdf_duplicated_station_ids_are_refused(tmp_path):
    with pytest.raises(LayoutError, match=r"obs\.nc: station identifier\(s\) \['4323'\]"):
        open_stations(_netcdf(tmp_path, ["4323", "4323"], [[1.0, 2.0], [3.0, 4.0]]))
