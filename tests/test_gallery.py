"""The executed gallery: every example's page in the built HTML shows its figures.

``make test`` runs this after building the documentation, with ``XAQF_GALLERY_HTML`` set
to the HTML folder; without it (the plain test run, before the docs are built) it skips.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "docs" / "examples").glob("plot_*.py"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_example_page_shows_its_figures(html, example):
    page = html / "auto_examples" / f"{example.stem}.html"
    assert page.is_file(), f"{page} was not built"
    images = re.findall(rf'src="(\.\./_images/sphx_glr_{example.stem}_\d+\.png)"',
                        page.read_text(encoding="utf-8"))
    assert images, f"{page} shows no figure of {example.name}"
    for image in images:
        assert (page.parent / image).resolve().stat().st_size > 1000


def test_gallery_is_in_the_index(html):
    assert 'href="auto_examples/index.html"' in (html / "index.html").read_text(encoding="utf-8")
