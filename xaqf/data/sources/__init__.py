"""Where xaqf's inputs come from: the ADS/CDS products and their exact requests.

:mod:`xaqf.data.sources.products` lists the products (CAMS analyses, forecasts and reanalysis
from the Atmosphere Data Store; ERA5 from the Climate Data Store) and writes their monthly
requests; :mod:`xaqf.data.sources.precipitation` turns ERA5's hourly precipitation into xaqf's
12-hour ``tp``. :func:`xaqf.data.download.download` sends the requests.

Examples
--------
>>> from xaqf.data import sources
>>> sorted(sources.PRODUCTS)[:3]
['cams-analysis', 'cams-forecast', 'cams-reanalysis']
>>> sources.requests("era5-static", "2022-06", "2022-11")[0].request["variable"]
['geopotential', 'land_sea_mask']
"""

from xaqf.data.sources.precipitation import accumulate_precipitation
from xaqf.data.sources.products import (
                                   PRODUCTS,
                                   Product,
                                   Request,
                                   emission_requests,
                                   expected_coords,
                                   period,
                                   product,
                                   request_days,
                                   requests,
)

__all__ = ["PRODUCTS", "Product", "Request", "accumulate_precipitation", "emission_requests",
           "expected_coords",
           "period", "product", "request_days", "requests"]
