"""Every real sample file opens through xaqf or is refused with a specific message."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr

from xaqf.data.io import open_cams, open_met
from xaqf.data.presets import resolve_met
from xaqf.data.units import to_canonical
from xaqf.data.validation import check_dataset
from xaqf.errors import LayoutError, MissingVariableError

pytestmark = pytest.mark.real_data

REFUSED = {
    "eac4_ml_cutout_2020-07.nc": r"'level' holds 60 model levels \(1\.\.60\), not pressure",
    "eraint_uvz_monthly.nc": r"no time axis: dimension 'month'",
    "openaq_pm25_madrid_2020-08.nc": r"station data .*latitude/longitude grids",
    "cams2_83_ens_vs_eea_pm25_2024-03-01.nc": r"station data .*latitude/longitude grids",
    "cams_fc_station_es001_2020-08.nc": r"a single point .*'ES001'.*lat/lon grids",
}
OPENED = {"eac4_sfc_cutout_2020-07.nc": open_cams, "ecmwf_pl_t_z_1deg.nc": open_met}


@pytest.fixture(autouse=True)
def _quiet_fill_value_warnings():
    with warnings.catch_warnings():  # the ERA-Interim file has a non-conforming _FillValue
        warnings.simplefilter("ignore", xr.SerializationWarning)
        yield


def _load(path) -> xr.Dataset:
    with xr.open_dataset(path) as ds:
        return ds.load()


def test_every_file_is_covered(real_data):
    assert {p.name for p in real_data.glob("*.nc")} == set(REFUSED) | set(OPENED)


@pytest.mark.parametrize("name", sorted(REFUSED))
@pytest.mark.parametrize("opener", [open_cams, open_met])
def test_unusable_files_are_refused_with_the_reason(real_data, name, opener):
    with pytest.raises(LayoutError, match=REFUSED[name]):
        opener(real_data / name)


def test_eac4_surface_cutout(real_data):
    ds = open_cams(real_data / "eac4_sfc_cutout_2020-07.nc")
    assert list(ds.data_vars) == ["gtco3"]
    gtco3 = ds["gtco3"]
    assert gtco3.dims == ("time", "latitude", "longitude") and gtco3.sizes["time"] == 16
    assert gtco3.dtype == np.float32 and gtco3.attrs["units"] == "kg m-2"
    assert ds.latitude.values.tolist() == [23.5, 22.75, 22.0]
    assert ds.longitude.values.tolist() == [27.0, 27.75, 28.5]
    raw = _load(real_data / "eac4_sfc_cutout_2020-07.nc")["gtco3"]
    np.testing.assert_allclose(gtco3.values, raw.values, rtol=1e-6)
    check_dataset(ds, "cams", variables=["gtco3"])


def test_eac4_surface_cutout_has_no_met_variables_the_model_takes(real_data):
    met = open_met(real_data / "eac4_sfc_cutout_2020-07.nc")
    assert list(met.data_vars) == ["tcwv"]  # kept: some weather models give it
    with pytest.raises(MissingVariableError, match=r"met lacks \['t2m', .*'z'\]"):
        resolve_met(met)


def test_ecmwf_pressure_levels_in_millibars(real_data):
    ds = open_met(real_data / "ecmwf_pl_t_z_1deg.nc")
    assert set(ds.data_vars) == {"t", "z"}
    assert ds["t"].dims == ("time", "level", "latitude", "longitude")
    assert ds.level.values.tolist() == [500.0, 850.0] and ds.level.attrs["units"] == "hPa"
    assert ds.latitude.values[0] == 90.0 and ds.latitude.values[-1] == -90.0
    assert ds.longitude.values[0] == 0.0 and ds.longitude.values[-1] == 359.0
    assert ds["z"].attrs["units"] == "m2 s-2" and ds["z"].dtype == np.float32
    z500 = float(ds["z"].sel(level=500).mean())
    assert 5.0e4 < z500 < 6.0e4  # about 5.5 km times g
    check_dataset(ds, "met", variables=["t", "z"], levels=[500, 850])


def test_station_forecast_units_are_understood(real_data):
    raw = _load(real_data / "cams_fc_station_es001_2020-08.nc")
    pm = to_canonical(raw["pm2p5"], "pm2p5")
    np.testing.assert_array_equal(pm.values, raw["pm2p5"].values)  # kg m**-3 already
    assert to_canonical(raw["go3"], "go3").attrs["units"] == "kg kg-1"
    assert to_canonical(raw["z"], "orography").attrs["units"] == "m2 s-2"
    tcc = to_canonical(raw["tcc"], "lsm")  # '(0 - 1)': dimensionless, like the mask
    np.testing.assert_allclose(tcc.values, raw["tcc"].values)


def test_openaq_pm25_micrograms_to_kg_per_cubic_metre(real_data):
    raw = _load(real_data / "openaq_pm25_madrid_2020-08.nc")["pm25"]
    assert raw.attrs["units"] == "µg/m³"
    pm = to_canonical(raw, "pm2p5")
    assert pm.attrs["units"] == "kg m-3" and pm.dtype == np.float32
    np.testing.assert_allclose(pm.values, raw.values * 1e-9, rtol=1e-6)
    assert 1e-9 < float(pm.max()) < 1e-6  # Madrid PM2.5: a few to some tens of µg m-3
