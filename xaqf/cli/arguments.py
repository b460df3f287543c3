"""Argument types shared by the sub-commands: a bad value ends the command with argparse's
usage message naming the option and the value (exit status 2), before any work."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd


def iso_time(text: str) -> np.datetime64:
    """``text`` as a time (ISO 8601, e.g. ``2023-01-01T12``), for ``type=`` of an option.

    Examples
    --------
    >>> iso_time("2023-01-01T12")
    np.datetime64('2023-01-01T12:00:00.000000000')
    >>> iso_time("yesterday")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: 'yesterday' is not a time; give ISO 8601, e.g. 2023-01-01T12
    """
    try:
        return pd.Timestamp(text).to_datetime64().astype("datetime64[ns]")
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time; give ISO 8601, e.g. 2023-01-01T12") from None
