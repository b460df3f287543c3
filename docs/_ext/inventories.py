"""Intersphinx inventories written from the installed packages, so the build needs no network.

Intersphinx normally downloads each project's ``objects.inv``; the machines that build this
site reach no website. Instead, :func:`mapping` lists the public classes, functions and
methods of the installed xarray, numpy, pandas, dask and torch, writes them as version-2
Sphinx inventories (``# Sphinx inventory version 2`` then zlib-compressed
``name domain:role priority uri dispname`` lines) pointing at each project's online API
pages, and returns the ``intersphinx_mapping`` that reads those local files.
"""

from __future__ import annotations

import importlib
import inspect
import zlib
from collections.abc import Iterator
from pathlib import Path

Entry = tuple[str, str, str]
"""``(name, role, uri)``."""

PROJECTS: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    # package: (base url, page of a name ("{}" is the name), modules, classes with methods)
    "xarray": ("https://docs.xarray.dev/en/stable/", "generated/{}.html", ("xarray",),
               ("xarray.Dataset", "xarray.DataArray", "xarray.DataTree")),
    "numpy": ("https://numpy.org/doc/stable/", "reference/generated/{}.html", ("numpy",),
              ("numpy.ndarray",)),
    "pandas": ("https://pandas.pydata.org/docs/", "reference/api/{}.html", ("pandas",),
               ("pandas.DataFrame", "pandas.Series", "pandas.Timestamp", "pandas.Timedelta",
                "pandas.DatetimeIndex")),
    "dask": ("https://docs.dask.org/en/stable/", "generated/{}.html", ("dask.array",),
             ("dask.array.Array",)),
    "torch": ("https://docs.pytorch.org/docs/stable/", "generated/{}.html", ("torch", "torch.nn"),
              ("torch.nn.Module",)),
}

SPECIAL: dict[str, Entry] = {
    "torch.Tensor": ("torch.Tensor", "class", "tensors.html#torch.Tensor"),
    "torch.device": ("torch.device", "class", "tensor_attributes.html#torch.device"),
    "torch.dtype": ("torch.dtype", "class", "tensor_attributes.html#torch.dtype"),
}
"""Names documented on a shared page rather than a page of their own."""


def _role(obj: object) -> str | None:
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return None


def entries(package: str) -> Iterator[Entry]:
    """The inventory entries of an installed ``package`` (see :data:`PROJECTS`)."""
    _, page, modules, classes = PROJECTS[package]
    for module_name in modules:
        module = importlib.import_module(module_name)
        yield module_name, "module", page.format(module_name)
        for name in getattr(module, "__all__", None) or dir(module):
            if name.startswith("_"):
                continue
            role = _role(getattr(module, name, None))
            full = f"{module_name}.{name}"
            if full in SPECIAL:
                yield SPECIAL[full]
            elif role:
                yield full, role, page.format(full)
    for class_name in classes:
        module_name, _, attr = class_name.rpartition(".")
        cls = getattr(importlib.import_module(module_name), attr)
        for name, member in inspect.getmembers(cls):
            if name.startswith("_"):
                continue
            role = "method" if callable(member) else "attribute"
            yield f"{class_name}.{name}", role, page.format(f"{class_name}.{name}")


def write_inventory(package: str, path: Path) -> Path:
    """Write ``package``'s inventory to ``path`` (version 2 format)."""
    version = getattr(importlib.import_module(package), "__version__", "")
    header = (f"# Sphinx inventory version 2\n# Project: {package}\n# Version: {version}\n"
              "# The remainder of this file is compressed using zlib.\n")
    lines = sorted({f"{name} py:{role} 1 {uri} -\n" for name, role, uri in entries(package)})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header.encode() + zlib.compress("".join(lines).encode()))
    return path


def mapping(folder: Path) -> dict[str, tuple[str, str]]:
    """``intersphinx_mapping`` reading inventories written under ``folder``."""
    return {package: (base, str(write_inventory(package, folder / f"{package}.inv")))
            for package, (base, *_rest) in PROJECTS.items()}
