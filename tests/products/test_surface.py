"""Surface concentrations: unit rules on hand-computed values, laziness, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tests.helpers import canonical_dataset
from xaqf.errors import ConfigError, MissingTimeError, MissingVariableError, UnitError
from xaqf.products import surface

TIMES = pd.date_range("2022-06-01", periods=2, freq="12h")


def test_no2_40_ug_at_1000_hpa_and_288_k_by_hand():
    rho = 100000.0 / (287.05 * 288.15)  # 1.20902 kg m-3
    q = 40e-9 / rho
    assert q == pytest.approx(3.30846e-8, rel=1e-5)
    assert surface.mixing_ratio_to_concentration(q, 100000.0, 288.15) == pytest.approx(40.0)
    assert surface.concentration_to_mixing_ratio(40.0, 100000.0, 288.15) == pytest.approx(q)


def _gas_and_met(q=40e-9 * 287.05 * 288.15 / 100000.0, t=288.15):
    ds = canonical_dataset(["no2", "pm2p5"], TIMES, levels=[850.0, 1000.0])
    ds["no2"][:] = np.float32(q)
    ds["pm2p5"][:] = np.float32(2.5e-8)
    met = canonical_dataset(["t"], TIMES, levels=[850.0, 1000.0])
    met["t"][:] = np.float32(t)
    return ds, met


def test_gas_uses_lowest_level_pressure_and_its_temperature():
    ds, met = _gas_and_met()
    met["t"].loc[{"level": 850.0}] = 200.0  # must not be used
    out = surface.surface_concentration(ds, "no2", met)
    assert "level" not in out.dims
    np.testing.assert_allclose(out.values, 40.0, rtol=1e-5)
    assert out.attrs["units"] == "ug m-3" and out.attrs["level_hPa"] == 1000.0


def test_pm_kg_to_ug_and_lazy(no_compute):
    ds, met = _gas_and_met()
    with no_compute():
        out = surface.surface_concentrations(ds.chunk(), met.chunk())
    np.testing.assert_allclose(out["pm2p5"].values, 25.0, rtol=1e-6)
    assert out["no2"].attrs["standard_name"] == "mass_concentration_of_nitrogen_dioxide_in_air"


def test_forecast_layout_takes_met_at_valid_times():
    ds, met = _gas_and_met()
    met["t"][1] = 2 * 288.15
    fc = ds.isel(time=[0]).rename(time="init_time").expand_dims(
        lead_time=pd.to_timedelta([0, 12], unit="h")).transpose("init_time", "lead_time", ...)
    out = surface.surface_concentration(fc, "no2", met)
    np.testing.assert_allclose(out.isel(init_time=0, latitude=0, longitude=0).values,
                               [40.0, 20.0], rtol=1e-5)


def test_errors_name_the_culprit():
    ds, met = _gas_and_met()
    with pytest.raises(MissingVariableError, match="'t'"):
        surface.surface_concentration(ds, "no2")
    with pytest.raises(MissingVariableError, match="'go3'"):
        surface.surface_concentration(ds, "go3", met)
    with pytest.raises(MissingTimeError, match="2022-06-01T12"):
        surface.surface_concentration(ds, "no2", met.isel(time=[0]))
    bad = ds.assign(pm2p5=ds["pm2p5"].assign_attrs(units="furlongs"))
    with pytest.raises(UnitError, match="pm2p5"):
        surface.surface_concentration(bad, "pm2p5")
    ppb = xr.DataArray([1.0], dims="x", attrs={"units": "ppb"})
    with pytest.raises(UnitError, match=r"'pm10'.*volume ratio"):
        surface.to_surface_units(ppb, "pm10")


@pytest.mark.parametrize(("name", "per_ppb"), [("no2", 1.91), ("go3", 2.00), ("so2", 2.66),
                                               ("co", 1.16), ("no", 1.25)])
def test_volume_ratios_become_the_directives_mass_concentrations(name, per_ppb):
    """1 ppb at 20 C and 1013.25 hPa, as the EU's conversion factors give (two decimals)."""
    ppb = xr.DataArray([1.0, 40.0], dims="time", attrs={"units": "ppb"})
    out = surface.to_surface_units(ppb, name)
    np.testing.assert_allclose(out.values, [per_ppb, 40 * per_ppb], rtol=4e-3)
    assert out.attrs["units"] == "ug m-3" and out.name == name
    assert out.attrs["xaqf_converted_from"] == "ppb at 293.15 K and 101325 Pa"
    for units, scale in (("ppm", 1e3), ("nmol mol-1", 1.0), ("PPBV", 1.0), ("ppt", 1e-3)):
        other = surface.to_surface_units(ppb.assign_attrs(units=units), name)
        np.testing.assert_allclose(other.values, out.values * scale, rtol=1e-12)


def test_the_reference_conditions_scale_volume_ratios_as_an_ideal_gas():
    ppb = xr.DataArray([10.0], dims="time", attrs={"units": "ppb"})
    eu = surface.to_surface_units(ppb, "no2")
    us = surface.to_surface_units(ppb, "no2", volume_reference=(298.15, 101325.0))
    assert float(us[0] / eu[0]) == pytest.approx(293.15 / 298.15, rel=1e-12)
    assert round(float(us[0]) / 10, 2) == 1.88  # the US EPA's factor for NO2
    high = surface.to_surface_units(ppb, "no2", volume_reference=(293.15, 70000.0))
    assert float(high[0] / eu[0]) == pytest.approx(70000.0 / 101325.0, rel=1e-12)
    for reversed_or_wrong in ((101325.0, 293.15), (-1.0, 101325.0), (20.0, 1013.25)):
        with pytest.raises(ConfigError, match=r"in that order.*got \("):
            surface.to_surface_units(ppb, "no2", volume_reference=reversed_or_wrong)
