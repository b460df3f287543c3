"""Sphinx configuration for the xaqf documentation.

Everything drawn on the site is drawn at build time: the gallery (``docs/examples``), the
guide's figures and diagrams (``.. plot::`` blocks calling ``docs/_ext/guide_figures.py``),
all from the shipped demo models (:func:`xaqf.tutorial.load_model`) and
the toy world. The build needs no network: the intersphinx inventories of xarray, numpy,
pandas, dask and torch are written from the installed packages (:mod:`inventories`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import sphinx_autosummary_accessors

import xaqf

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "_ext"))

import inventories  # noqa: E402  (docs/_ext, on the path above)

project = "xaqf"
author = "The xaqf developers"
copyright = "2026, The xaqf developers"
version = release = xaqf.__version__
REPOSITORY = "https://github.com/xaqf/xaqf"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_autosummary_accessors",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}

# The gallery: docs/examples/plot_*.py run at build time, each on its own (public imports
# only: a downloaded example runs as it is).
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "run_stale_examples": False,
    "abort_on_example_error": True,
    "capture_repr": (),
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "image_srcset": ["2x"],
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_signature": False,
    "reset_modules_order": "both",
}

# The guide's figures: ``.. plot::`` blocks call docs/_ext/guide_figures.py.
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 144)]
plot_pre_code = "import guide_figures"
plot_rcparams = {"figure.dpi": 144, "font.size": 9}

templates_path = ["_templates", sphinx_autosummary_accessors.templates_path]
exclude_patterns = ["_build", "examples", "_ext"]
autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

intersphinx_mapping = inventories.mapping(HERE / "_build" / "inventories")
intersphinx_timeout = 1

html_theme = "pydata_sphinx_theme"
html_title = f"xaqf {release}"
html_short_title = "xaqf"
html_theme_options = {
    "navigation_with_keys": False,
    "header_links_before_dropdown": 5,
    "navbar_align": "left",
    "show_toc_level": 2,
    "icon_links": [{"name": "Repository", "url": REPOSITORY, "icon": "fa-brands fa-github"}],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}
# The landing page has no section to navigate: no (empty) left sidebar there.
html_sidebars = {"index": []}
rst_epilog = f"""
.. |repository| replace:: {REPOSITORY}
"""


EQUATION = re.compile(r"\b(Eqs?)\. (?=\(?\d)")
PAGE = re.compile(r":doc:`([a-z0-9-]+)`")


def _no_abbreviated_equations(app, what, name, obj, options, lines: list[str]) -> None:
    """"Eq. 12" -> "Eq 12" in docstrings, so that API summaries (their first sentence) are
    not cut at the abbreviation's full stop; guide pages named in docstrings are found from
    the API pages' folder (":doc:`forecasting`" -> ":doc:`/forecasting`")."""
    lines[:] = [PAGE.sub(r":doc:`/\1`", EQUATION.sub(r"\1 ", line)) for line in lines]


def setup(app):  # noqa: ANN001, ANN201  (sphinx's hook)
    app.connect("autodoc-process-docstring", _no_abbreviated_equations)
