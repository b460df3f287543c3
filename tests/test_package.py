"""Package structure: no import cycle between xaqf's modules, every module importable alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "xaqf"


def _module_files() -> dict[str, Path]:
    root = PACKAGE.parent
    return {".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): p
            for p in PACKAGE.rglob("*.py")}


def _imports(path: Path, files: dict[str, Path]) -> set[str]:
    """xaqf modules imported at module level; ``from X import Y`` counts ``X.Y`` where that
    is a module and ``X`` (the package's ``__init__``) only where some name is not."""
    deps: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("xaqf"):
            submodules = [f"{node.module}.{a.name}" for a in node.names
                          if f"{node.module}.{a.name}" in files]
            deps.update(submodules)
            if len(submodules) < len(node.names):
                deps.add(node.module)
        elif isinstance(node, ast.Import):
            deps.update(a.name for a in node.names if a.name.startswith("xaqf"))
    return deps


def import_cycles() -> list[list[str]]:
    """Every cycle of module-level imports found by a depth-first search."""
    files = _module_files()
    graph = {name: _imports(path, files) - {name} for name, path in files.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, stack: list[str]) -> None:
        state[module] = 1
        stack.append(module)
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == 1:
                cycles.append([*stack[stack.index(dep):], dep])
            elif dep in graph and dep not in state:
                visit(dep, stack)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    return cycles


def test_no_import_cycle():
    assert import_cycles() == []


def test_cycle_detector_finds_a_cycle(tmp_path, monkeypatch):
    package = tmp_path / "xaqf"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from xaqf.b import f\n")
    (package / "b.py").write_text("from xaqf import a\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    assert import_cycles() == [["xaqf.a", "xaqf.b", "xaqf.a"]]


@pytest.mark.parametrize("module", ["xaqf.preprocessing.encoding", "xaqf.forecaster.model_file",
                                    "xaqf.training.dataset", "xaqf.preprocessing.windows",
                                    "xaqf.model.step", "xaqf._utils.tensor_file"])
def test_module_imports_alone(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
