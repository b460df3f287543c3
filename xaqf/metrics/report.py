"""One self-contained HTML page of an evaluation: tables and figures, readable offline.

Figures are embedded as base64 PNG (``data:`` URIs) and tables as HTML tables, so the page
is a single file that needs no network, no other file and no script. ``xaqf evaluate`` and
``xaqf verify`` write it with ``--report``.

Examples
--------
>>> import pandas as pd
>>> page = html_report("scores", {"RMSE": pd.DataFrame({"pm10": [1.5]})}, {})
>>> "<table" in page and page.startswith("<!DOCTYPE html>")
True
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STYLE = ("body{font-family:sans-serif;margin:2em;max-width:80em}"
         "table{border-collapse:collapse;margin-bottom:1.5em}"
         "td,th{border:1px solid #bbb;padding:0.2em 0.6em;text-align:right}"
         "img{max-width:100%}")


def png_base64(figure: Figure, dpi: int = 110) -> str:
    """``figure`` as a base64-encoded PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def html_report(title: str, tables: Mapping[str, pd.DataFrame],
                figures: Mapping[str, Figure], notes: str = "") -> str:
    """The HTML page: ``title``, ``notes``, then each table and each figure under its name.

    Parameters
    ----------
    title
        Page title and heading.
    tables
        Section heading to table, in page order (numbers written with 4 significant digits).
    figures
        Section heading to matplotlib figure, embedded as PNG.
    notes
        A paragraph of plain text under the title (escaped).
    """
    parts = [f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}"
             f"</title><style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"]
    if notes:
        parts.append(f"<p>{html.escape(notes)}</p>")
    for heading, table in tables.items():
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(table.to_html(float_format=lambda x: f"{x:.4g}", na_rep="-"))
    for heading, figure in figures.items():
        parts.append(f"<h2>{html.escape(heading)}</h2><img alt='{html.escape(heading)}' "
                     f"src='data:image/png;base64,{png_base64(figure)}'/>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
