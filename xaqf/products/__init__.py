"""Surface air-quality products: surface concentrations, daily means, WHO exceedances, EAQI.

* :mod:`xaqf.products.surface` -- surface concentrations in ug m-3 (stations use it too);
* :mod:`xaqf.products.air_quality` -- daily means, WHO 2021 exceedances, the European AQI;
* :mod:`xaqf.products.daily` -- the daily maximum 8-hour mean (:func:`mda8`);
* :mod:`xaqf.products.thresholds` -- named exceedance thresholds and exceedance skill.

Examples
--------
>>> from xaqf import products
>>> products.WHO_2021[0].variable, products.WHO_2021[0].level
('pm2p5', 5.0)
"""

from __future__ import annotations

from xaqf.products import surface
from xaqf.products.air_quality import (
    EAQI_BANDS,
    EAQI_COLOURS,
    EAQI_LABELS,
    PRODUCT_VARIABLES,
    WHO_2021,
    Guideline,
    area_share,
    daily_means,
    eaqi,
    plot_category_map,
    surface_fields,
    who_exceedance,
)
from xaqf.products.daily import mda8
from xaqf.products.thresholds import EU_LIMITS, exceedance_skill, named_threshold

__all__ = ["EAQI_BANDS", "EAQI_COLOURS", "EAQI_LABELS", "EU_LIMITS", "PRODUCT_VARIABLES",
           "WHO_2021", "Guideline", "area_share", "daily_means", "eaqi", "exceedance_skill",
           "mda8", "named_threshold", "plot_category_map", "surface_fields", "surface",
           "who_exceedance"]
