"""Layers, one direction: pure modules never import Streamlit, pages only show scenes, no import cycles.

Read from the source with `ast` (nothing is imported or run), so a violation names file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("dashboard", "etl")
STREAMLIT_ALLOWED = {
    "dashboard/app.py",
    "dashboard/ui.py",
    "dashboard/url_state.py",
    "dashboard/chart_downloads.py",
    "dashboard/signin.py",
}  # and every page under views/
# Pandas methods that compute; a page may select columns of a scene table and iterate its rows, not these.
COMPUTING_METHODS = {
    "groupby",
    "merge",
    "pivot",
    "pivot_table",
    "assign",
    "apply",
    "concat",
    "sort_values",
    "dropna",
    "query",
    "agg",
    "aggregate",
    "rank",
    "sum",
    "mean",
    "median",
    "nsmallest",
    "nlargest",
    "value_counts",
    "map",
    "where",
    "fillna",
}


def modules() -> dict[str, Path]:
    """dotted module name -> file, for every module of the two packages."""
    found = {}
    for package in PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            relative = path.relative_to(REPO_ROOT).with_suffix("")
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            found[".".join(parts)] = path
    return found


def imported(path: Path, known: set[str]) -> list[tuple[str, int]]:
    """Project modules (and 'streamlit') imported anywhere in a file, with line numbers."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append((node.module, node.lineno))
            names += [
                (f"{node.module}.{alias.name}", node.lineno)
                for alias in node.names
                if f"{node.module}.{alias.name}" in known
            ]
    return names


def test_pure_modules_never_import_streamlit():
    offenders = []
    for path in modules().values():
        relative = path.relative_to(REPO_ROOT).as_posix()
        if relative in STREAMLIT_ALLOWED or relative.startswith("dashboard/views/"):
            continue
        offenders += [
            f"{relative}:{line}" for module, line in imported(path, set()) if module.split(".")[0] == "streamlit"
        ]
    assert not offenders, f"pure modules importing Streamlit: {offenders}"


@pytest.mark.parametrize("page", sorted(p.name for p in (REPO_ROOT / "dashboard" / "views").glob("*.py")))
def test_pages_do_not_compute(page):
    path = REPO_ROOT / "dashboard" / "views" / page
    calls = [
        f"{page}:{node.lineno} .{node.func.attr}()"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in COMPUTING_METHODS
    ]
    assert not calls, f"computation in a page (move it into its scene): {calls}"


def test_no_import_cycles_between_project_modules():
    known = modules()
    graph = {
        name: {module for module, _ in imported(path, set(known)) if module in known and module != name}
        for name, path in known.items()
    }
    # a package's __init__ importing its own submodules is how packages work, not a cycle between layers
    graph = {name: {m for m in targets if not m.startswith(name + ".")} for name, targets in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name)):
            pytest.fail("import cycle: " + " -> ".join(cycle))
