"""Named exceedance thresholds and exceedance skill of products."""

from __future__ import annotations

import pytest
import xarray as xr

from xaqf import products
from xaqf.errors import ConfigError, MissingVariableError

UG = {"units": "ug m-3"}


def test_named_thresholds_come_from_the_tables() -> None:
    assert products.named_threshold("who_2021", "pm10") == "45 ug m-3"
    assert products.named_threshold("who_2021", "go3") == "100 ug m-3"  # MDA8 guideline
    assert products.named_threshold("eu_limit", "no2") == "200 ug m-3"
    assert products.named_threshold("eaqi:fair", "pm2p5") == "10 ug m-3"
    assert products.named_threshold("eaqi:poor", "co") is None
    with pytest.raises(ConfigError, match="who_2021"):
        products.named_threshold("who", "pm10")


def test_exceedance_skill_scores_the_variables_that_have_a_threshold() -> None:
    f = xr.Dataset({"pm10": ("station", [60.0, 40.0], UG), "t2m": ("station", [1.0, 2.0])})
    o = xr.Dataset({"pm10": ("station", [50.0, 50.0], UG), "t2m": ("station", [1.0, 2.0])})
    table = products.exceedance_skill(f, o, "who_2021")
    assert table["variable"].values.tolist() == ["pm10"]
    assert table["hits"].values.tolist() == [1.0] and table["misses"].values.tolist() == [1.0]
    with pytest.raises(MissingVariableError):
        products.exceedance_skill(f[["t2m"]], o, "who_2021")
