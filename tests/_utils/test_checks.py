"""Runtime checks of forecasting: the finiteness of the states handed to the network."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from xaqf._utils.checks import all_finite, check_finite
from xaqf.errors import InvalidValueError

INF = float("inf")


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float64])
def test_all_finite_agrees_with_isfinite(dtype):
    big = torch.finfo(dtype).max
    cases = {
        "small": [-3.0, 0.0, 2.5],
        "sum overflows": [big] * 1000,  # finite values, infinite sum
        "mixed overflow": [big, big, -big, 1.0],
        "nan": [1.0, float("nan"), 2.0],
        "inf": [1.0, INF],
        "-inf": [-INF, 1.0],
        "both infinities": [INF, -INF],  # sum NaN
    }
    for name, values in cases.items():
        x = torch.tensor(values, dtype=dtype)
        assert all_finite(x) == bool(torch.isfinite(x).all()), name


def test_check_finite_names_the_first_bad_channel_and_time():
    states = torch.zeros(2, 3, 4, 5)
    check_finite(states, ["a", "b", "c"], np.array(["2022-06-01", "2022-06-02"],
                                                   "datetime64[ns]"), "met")
    states[1, 2, 0, 0] = INF
    with pytest.raises(InvalidValueError, match=r"met channel 'c' at 2022-06-02T00:00"):
        check_finite(states, ["a", "b", "c"], np.array(["2022-06-01", "2022-06-02"],
                                                       "datetime64[ns]"), "met")
