"""The ADS/CDS requests of every product, and the 12 h precipitation accumulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from xaqf import variables
from xaqf.data import sources
from xaqf.data.sources import accumulate_precipitation, expected_coords, requests
from xaqf.errors import ConfigError, MissingTimeError

LEVELS = ["50", "100", "150", "200", "250", "300", "400", "500", "600", "700", "850", "925",
          "1000"]
ADS_POLLUTANTS = [
    "total_column_carbon_monoxide", "total_column_nitrogen_monoxide",
    "total_column_nitrogen_dioxide", "total_column_sulphur_dioxide", "gems_total_column_ozone",
    "carbon_monoxide", "nitrogen_monoxide", "nitrogen_dioxide", "sulphur_dioxide", "ozone",
    "particulate_matter_1um", "particulate_matter_2.5um", "particulate_matter_10um",
]


def test_cams_analysis_requests_one_per_month_with_the_period_s_days():
    rs = requests("cams-analysis", "2022-06-15", "2022-08-03")
    assert [r.target for r in rs] == [f"cams-analysis/cams-analysis_2022-0{m}.nc"
                                      for m in (6, 7, 8)]
    assert [r.request["date"] for r in rs] == [
        ["2022-06-15/2022-06-30"], ["2022-07-01/2022-07-31"], ["2022-08-01/2022-08-03"]]
    first = rs[0]
    assert first.dataset == "cams-global-atmospheric-composition-forecasts"
    assert first.request["variable"] == ADS_POLLUTANTS
    assert first.request["pressure_level"] == LEVELS
    assert first.request["time"] == ["00:00", "12:00"]
    assert first.request["type"] == ["analysis"] and first.request["leadtime_hour"] == ["0"]


def test_cams_forecast_leads_and_expected_init_times():
    (r,) = requests("cams-forecast", "2022-06", "2022-06")
    assert r.request["type"] == ["forecast"]
    assert r.request["leadtime_hour"] == [str(h) for h in range(0, 121, 12)]
    coords = expected_coords(r)
    assert coords["init_time"].size == 60
    assert coords["init_time"][-1] == np.datetime64("2022-06-30T12:00", "ns")
    assert coords["lead_time"][-1] == np.timedelta64(120, "h")


def test_reanalysis_uses_eac4_and_its_ozone_name():
    (r,) = requests("cams-reanalysis", "2020-07", "2020-07")
    assert r.dataset == "cams-global-reanalysis-eac4"
    assert "total_column_ozone" in r.request["variable"]
    assert "gems_total_column_ozone" not in r.request["variable"]
    assert "type" not in r.request and r.request["pressure_level"] == LEVELS


@pytest.mark.parametrize(("year", "last"), [(2024, "29"), (2023, "28")])
def test_era5_february_ends_on_its_last_day(year, last):
    rs = requests("era5-pressure-levels", f"{year}-01-31", f"{year}-03")
    assert [r.request["month"] for r in rs] == [["01"], ["02"], ["03"]]
    assert rs[0].request["day"] == ["31"]
    assert rs[1].request["day"][0] == "01" and rs[1].request["day"][-1] == last
    assert len(rs[2].request["day"]) == 31
    assert rs[1].request["year"] == [str(year)]


def test_era5_met_covers_the_70_channels():
    pl = requests("era5-pressure-levels", "2022-06", "2022-06")[0].request
    sl = requests("era5-single-levels", "2022-06", "2022-06")[0].request
    tp = requests("era5-precipitation", "2022-06", "2022-06")[-1].request
    assert pl["variable"] == ["u_component_of_wind", "v_component_of_wind", "temperature",
                              "relative_humidity", "geopotential"]
    assert pl["pressure_level"] == LEVELS and "pressure_level" not in sl
    assert sl["variable"] == ["2m_temperature", "10m_u_component_of_wind",
                              "10m_v_component_of_wind", "mean_sea_level_pressure"]
    assert tp["variable"] == ["total_precipitation"]
    channels = len(pl["variable"]) * len(pl["pressure_level"]) + len(sl["variable"]) + 1
    assert channels == len(variables.MET_CHANNELS) == 70
    for body in (pl, sl, tp):
        assert body["product_type"] == ["reanalysis"] and body["data_format"] == "netcdf"
        assert body["download_format"] == "unarchived"


def test_precipitation_starts_the_day_before_and_asks_every_hour():
    rs = requests("era5-precipitation", "2022-06", "2022-07")
    assert [r.target.rpartition("_")[2] for r in rs] == ["2022-05.nc", "2022-06.nc",
                                                          "2022-07.nc"]
    assert rs[0].request["day"] == ["31"]
    assert rs[1].request["time"] == [f"{h:02d}:00" for h in range(24)]
    assert expected_coords(rs[1])["time"].size == 30 * 24


def test_static_is_one_request():
    rs = requests("era5-static", "2022-06", "2022-11")
    assert len(rs) == 1 and rs[0].target == "era5-static/era5-static.nc"
    assert rs[0].request["variable"] == ["geopotential", "land_sea_mask"]
    assert expected_coords(rs[0]) == {}


def test_a_single_day_and_bad_periods():
    (r,) = requests("era5-single-levels", "2022-06-30", "2022-06-30")
    assert r.request["day"] == ["30"]
    with pytest.raises(ConfigError, match="before start"):
        requests("era5-single-levels", "2022-07", "2022-06")
    with pytest.raises(ConfigError, match="unknown product 'era6'"):
        requests("era6", "2022-06", "2022-06")
    with pytest.raises(ConfigError, match="not a month"):
        requests("era5-static", "next spring", "2022-06")


def test_every_product_is_json_ready():
    import json

    for name in sources.PRODUCTS:
        for r in requests(name, "2022-06-30", "2022-07-01"):
            assert json.loads(json.dumps(r.as_json()))["target"] == r.target


def _hourly(values, first="2022-06-01T01"):
    times = pd.date_range(first, periods=len(values), freq="h")
    return xr.DataArray(np.asarray(values, np.float32), dims="time", coords={"time": times},
                        attrs={"units": "m"})


def test_accumulation_sums_the_12_hours_ending_at_each_step():
    hourly = _hourly(np.arange(1, 25))  # 01:00 ... 00:00 next day
    total = accumulate_precipitation(hourly)
    assert total.time.values.tolist() == pd.to_datetime(
        ["2022-06-01T12", "2022-06-02T00"]).values.tolist()
    assert total.values.tolist() == [sum(range(1, 13)), sum(range(13, 25))]
    assert total.attrs["units"] == "m" and total.dtype == np.float32


def test_accumulation_skips_incomplete_windows_and_refuses_asked_ones():
    hourly = _hourly(np.ones(30), first="2022-06-01T05")  # 05:00 ... 10:00 next day
    total = accumulate_precipitation(hourly)
    assert total.time.dt.hour.values.tolist() == [0]  # 12:00 lacks 01-04; 00:00 is whole
    with pytest.raises(MissingTimeError, match="2022-06-01 12:00"):
        accumulate_precipitation(hourly, times=["2022-06-01T12"])
    gap = hourly.drop_sel(time=np.datetime64("2022-06-01T20"))
    with pytest.raises(MissingTimeError, match="no 00/12 UTC step"):
        accumulate_precipitation(gap)


def test_accumulation_is_lazy_on_dask(no_compute):
    hourly = _hourly(np.ones(24)).chunk(time=6)
    with no_compute():
        total = accumulate_precipitation(hourly)
    assert total.chunks is not None and float(total.sum()) == 24.0
