"""Bad emission inventories: months numbered from 0, a half-year "annual mean", a regional
inventory regridded onto the globe. Each refused naming the axis, the months or the extents.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from xaqf.data.inventory import UNITS, open_emissions
from xaqf.errors import GridMismatchError, LayoutError
from xaqf.preprocessing.emissions import EmissionSettings, emissions_on_grid, select_emissions

LAT = np.arange(67.5, -90.0, -45.0)
LON = np.arange(22.5, 360.0, 45.0)


def _monthly(months, lat=LAT):
    values = np.ones((len(months), lat.size, LON.size))
    return xr.Dataset({"emi_co": (("month", "latitude", "longitude"), values, {"units": UNITS})},
                      coords={"month": months, "latitude": lat, "longitude": LON})


def test_months_numbered_from_zero_are_refused_on_opening(tmp_path):
    _monthly(np.arange(12)).to_netcdf(tmp_path / "emissions.nc")
    with pytest.raises(LayoutError, match=r"'month' axis is labelled \[0, 1, .* 11\]; .*"
                                          r"month=ds\.month \+ 1"):
        open_emissions(tmp_path / "emissions.nc")


@pytest.mark.parametrize("monthly", [False, True])
def test_months_numbered_from_zero_are_refused_when_selected(monthly):
    with pytest.raises(LayoutError, match=r"'month' axis is labelled \[0, 1"):
        select_emissions(_monthly(np.arange(12)), EmissionSettings(("co",), monthly=monthly))


def test_repeated_month_is_refused():
    with pytest.raises(LayoutError, match=r"labelled \[1, 1, 2\]"):
        select_emissions(_monthly([1, 1, 2]), EmissionSettings(("co",)))


def test_half_year_inventory_is_no_annual_mean():
    with pytest.raises(LayoutError, match=r"holds months \[1, 2, 3, 4, 5, 6\] only \(not "
                                          r"\[7, 8, 9, 10, 11, 12\]\); .*no annual mean"):
        select_emissions(_monthly(np.arange(1, 7)), EmissionSettings(("co",)))


def test_half_year_inventory_serves_a_monthly_model_in_its_months():
    times = np.array(["2022-03-01"], "datetime64[ns]")
    picked = select_emissions(_monthly(np.arange(1, 7)), EmissionSettings(("co",), monthly=True),
                              times)
    assert picked["emi_co"].sizes["time"] == 1


def test_northern_inventory_onto_the_globe_is_refused():
    north = _monthly(np.arange(1, 13), lat=np.arange(74.5, 0.0, -1.0)).mean("month")
    north["emi_co"].attrs["units"] = UNITS
    globe = xr.Dataset(coords={"latitude": np.arange(90.0, -91.0, -30.0),
                               "longitude": np.arange(0.0, 360.0, 30.0)})
    with pytest.raises(GridMismatchError, match=r"cover latitude 0\.\.75, .*reaches latitude "
                                                r"-90\.\.90.*invent emissions"):
        emissions_on_grid(north, EmissionSettings(("co",)), globe)


def test_global_inventory_onto_another_global_grid_is_regridded():
    fine = _monthly(np.arange(1, 13)).mean("month")
    fine["emi_co"].attrs["units"] = UNITS
    globe = xr.Dataset(coords={"latitude": np.arange(90.0, -91.0, -30.0),
                               "longitude": np.arange(0.0, 360.0, 30.0)})
    with pytest.warns(UserWarning, match="regridding them conservatively"):
        out = emissions_on_grid(fine, EmissionSettings(("co",)), globe)
    np.testing.assert_allclose(out["emi_co"].values, 1.0)
