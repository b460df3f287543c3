"""From standardized data to network inputs: the preprocessing of the paper.

* :mod:`xaqf.preprocessing.channels` -- variables x levels stacked into one channel axis;
* :mod:`xaqf.preprocessing.normalization` -- statistics and z-score normalisation;
* :mod:`xaqf.preprocessing.transform` -- the log transform;
* :mod:`xaqf.preprocessing.grey_line` -- the 24 h-old base of photolysing species;
* :mod:`xaqf.preprocessing.statics` -- orography, land-sea mask and position features;
* :mod:`xaqf.preprocessing.emissions` -- emission inventories as inputs (torch);
* :mod:`xaqf.preprocessing.windows` -- the complete-window rule of training and forecasting;
* :mod:`xaqf.preprocessing.encoding` -- physical <-> network space (torch).

The torch-backed modules are imported on first use.
"""

from __future__ import annotations

from xaqf.preprocessing import channels, grey_line, normalization, statics, transform, windows

__all__ = ["channels", "grey_line", "normalization", "statics", "transform", "windows"]
