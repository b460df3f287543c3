"""The package's layers: each part of xaqf imports only from the parts below it.

Every import is counted, in-function (lazy) imports included. The layers, lowest first, read
as the pipeline: data in, regridded, preprocessed, the network, the training store, the
forecaster, scores, products and stations, the toy world, training, and the applications.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "xaqf"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("_version", "errors"),
    ("_utils", "variables"),
    ("data",),
    ("regrid",),
    ("preprocessing",),
    ("accessor", "model"),
    ("store",),
    ("forecaster",),
    ("metrics",),
    ("products",),
    ("stations",),
    ("tutorial",),
    ("training",),
    ("demo", "earth2studio"),
    ("cli",),
    ("__main__", "__init__"),
)
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


PATHS = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path) -> set[str]:
    """Every xaqf module ``path`` imports, at module level or inside functions.

    ``from xaqf.pkg import sub`` counts as importing ``xaqf.pkg.sub`` where that is a module.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "xaqf":
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in PATHS else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "xaqf"}
    return found


def part_of(module: str) -> str:
    """The layer unit of a module: its subpackage, or the top-level module itself."""
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


MODULES = {module: imports_of(path) for module, path in PATHS.items()}


def test_every_part_has_a_layer():
    assert {part_of(m) for m in MODULES} <= set(RANK), \
        f"give {sorted({part_of(m) for m in MODULES} - set(RANK))} a place in LAYERS"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down(module):
    own = part_of(module)
    upward = sorted(target for target in MODULES[module]
                    if part_of(target) != own and RANK.get(part_of(target), -1) >= RANK[own])
    assert not upward, f"{module} (layer {own!r}) imports from its own layer or above: {upward}"


def _resolve(target: str) -> str | None:
    """The module a dotted import target names (a module, or a name inside one)."""
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target or None


def cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    graph = {m: {t for t in map(_resolve, targets) if t and t != m}
             for m, targets in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle():
    assert cycles() == []
