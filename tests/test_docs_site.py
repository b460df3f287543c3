"""The built documentation site: images, figures in the guide, public-only examples, and
the fusion ablation's result.

``make test`` runs this after building the documentation, with ``XAQF_GALLERY_HTML`` set
to the HTML folder; without it the tests that read the site skip. The checks of the example
sources run always.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[1] / "docs"
EXAMPLES = sorted((DOCS / "examples").glob("plot_*.py"))


def guide_pages() -> list[str]:
    """The pages listed in the user guide's table of contents (docs/guide.rst)."""
    text = (DOCS / "guide.rst").read_text(encoding="utf-8")
    return re.findall(r"^   ([a-z0-9-]+)$", text, flags=re.MULTILINE)


def test_the_guide_lists_its_pages():
    pages = guide_pages()
    assert len(pages) >= 15 and "install" in pages and "variables" in pages
    assert all((DOCS / f"{page}.rst").is_file() for page in pages)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_an_example_imports_public_names_only(example):
    tree = ast.parse(example.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{example.name}: relative import"
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            private = [part for part in name.split(".") if part.startswith("_")]
            assert not private, f"{example.name} imports the private {name}"


def test_every_image_the_site_references_exists(html):
    pages = list(html.rglob("*.html"))
    assert len(pages) > 20
    missing = []
    for page in pages:
        for src in re.findall(r'<img[^>]*\bsrc="([^"]+)"', page.read_text(encoding="utf-8")):
            if src.startswith(("http:", "https:", "data:")):
                continue
            if not (page.parent / src.split("#")[0]).resolve().is_file():
                missing.append(f"{page.relative_to(html)}: {src}")
    assert not missing, missing[:10]


@pytest.mark.parametrize("page", guide_pages())
def test_every_guide_page_shows_a_figure(html, page):
    text = (html / f"{page}.html").read_text(encoding="utf-8")
    article = text[text.find("<article"):text.find("</article>")]
    images = re.findall(r'<img[^>]*\bsrc="([^"]+\.(?:png|svg))"', article)
    assert images, f"{page}.html shows no figure"


def _ablation_table(html: Path) -> dict[str, dict[str, float]]:
    """The printed table of the fusion ablation: ``{lead: {model: value}}``."""
    page = (html / "auto_examples" / "plot_04_fusion_ablation.html").read_text(encoding="utf-8")
    outputs = re.findall(r'class="sphx-glr-script-out[^"]*".*?<pre>(.*?)</pre>', page, re.DOTALL)
    table = next((text for text in outputs if "bilinear" in text), None)
    assert table, "the ablation example printed no table"
    lines = [line.split() for line in re.sub(r"<[^>]+>", "", table).splitlines()]
    header = next(line for line in lines if "bilinear" in line)
    models = " ".join(header).replace("no met", "no-met").split()
    rows = {}
    for line in lines:
        if len(line) == len(models) + 2 and line[1] == "h":
            rows[f"{line[0]} h"] = dict(zip(models, map(float, line[2:]), strict=True))
    return rows


def test_the_ablation_ranks_bilinear_then_concat_then_no_met_at_120_h(html):
    at_120 = _ablation_table(html)["120 h"]
    assert at_120["bilinear"] < at_120["concat"] < at_120["no-met"], at_120


def test_the_citation_file_names_this_version():
    import xaqf

    text = (DOCS.parent / "CITATION.cff").read_text(encoding="utf-8")
    assert f'version: "{xaqf.__version__}"' in text
