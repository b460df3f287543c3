"""Data in: opening, standardizing and checking CAMS, ERA5 and weather-forecast files.

* :mod:`xaqf.data.io` -- ``open_cams``, ``open_met``, ``open_static``, ``standardize``;
* :mod:`xaqf.data.units` -- canonical units, converted with pint;
* :mod:`xaqf.data.lexicon` -- earth2studio's variable names and layouts;
* :mod:`xaqf.data.validation` -- is a standardized Dataset fit for training or forecasting;
* :mod:`xaqf.data.sources` -- the ADS/CDS products and their requests;
* :mod:`xaqf.data.download` -- resumable, verified downloads from the ADS/CDS.
"""

from __future__ import annotations

from xaqf.data.io import open_cams, open_met, open_static

__all__ = ["open_cams", "open_met", "open_static"]
