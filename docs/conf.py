"""Sphinx configuration for the xaqf documentation."""

from __future__ import annotations

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
]

templates_path = ["_templates", sphinx_autosummary_accessors.templates_path]
exclude_patterns = ["_build"]
autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

intersphinx_mapping = {}

html_theme = "pydata_sphinx_theme"
html_title = "xaqf"
html_theme_options = {"navigation_with_keys": False}
