"""Sphinx configuration for the xaqf documentation."""

from __future__ import annotations

import sys
from pathlib import Path

import sphinx_autosummary_accessors

import xaqf

project = "xaqf"
author = "The xaqf developers"
copyright = "2026, The xaqf developers"
version = release = xaqf.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_autosummary_accessors",
    "sphinx_gallery.gen_gallery",
]

# The gallery: docs/examples/plot_*.py run at build time on the toy world; they share the
# cached world and tiny models of docs/examples/_cache.py (importable from the examples).
sys.path.insert(0, str(Path(__file__).parent / "examples"))
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"(__init__|_cache)\.py",
    "within_subsection_order": "FileNameSortKey",
    "run_stale_examples": False,
    "abort_on_example_error": True,
    "capture_repr": (),
    "image_scrapers": ("matplotlib",),
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_signature": False,
}

templates_path = ["_templates", sphinx_autosummary_accessors.templates_path]
exclude_patterns = ["_build", "examples"]
autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

intersphinx_mapping = {}

html_theme = "pydata_sphinx_theme"
html_title = "xaqf"
html_theme_options = {"navigation_with_keys": False}
