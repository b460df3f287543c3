"""Argument types and help text shared by the sub-commands.

A bad value of a typed option ends the command with argparse's usage message naming the
option and the value (exit status 2), before any work. :func:`plain_help` turns the
docstrings used as descriptions into plain words for ``--help``.
"""

from __future__ import annotations

import argparse
import re

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


_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`(?:([^`<]*?)\s*<[^`>]*>|~?([^`]*?))`")
_LITERAL = re.compile(r"``([^`]+)``")
_INTERPRETED = re.compile(r"`([^`]+)`")


def plain(text: str | None) -> str | None:
    """``text`` (reStructuredText from a docstring) as plain words for ``--help``.

    Sphinx roles become their target's last name (or their title), literals lose their
    double back-quotes; everything else is kept.

    Examples
    --------
    >>> plain("``--cams`` files (:func:`xaqf.open_cams`, :mod:`~xaqf.data.io`)")
    '--cams files (xaqf.open_cams, io)'
    >>> plain(":class:`the config <xaqf.training.TrainConfig>` in `JSON`")
    'the config in JSON'
    """
    if text is None:
        return None

    def role(match: re.Match[str]) -> str:
        title, target = match.group(1), match.group(2)
        if title:
            return title
        return target.rsplit(".", 1)[-1] if match.group(0).count("`~") else target

    return _INTERPRETED.sub(r"\1", _LITERAL.sub(r"\1", _ROLE.sub(role, text)))


def plain_help(parser: argparse.ArgumentParser) -> None:
    """Strip reStructuredText (:func:`plain`) from the description, epilog and option help
    of ``parser`` and of its sub-command parsers, in place."""
    parser.description, parser.epilog = plain(parser.description), plain(parser.epilog)
    for action in parser._actions:
        action.help = plain(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = plain(choice.help)
            for sub in dict.fromkeys(action.choices.values()):
                plain_help(sub)
