"""No import cycle among fluxtui's modules, counting every import: module-level, in functions and
under `TYPE_CHECKING` (a cycle hidden there is still a cycle in the design)."""

from __future__ import annotations

import ast
from pathlib import Path

import fluxtui

PACKAGE_DIR = Path(fluxtui.__file__).parent
PACKAGE = "fluxtui"


def module_names() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, not `__init__`)."""
    names: dict[str, Path] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_DIR).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join([PACKAGE, *parts])] = path
    return names


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports anywhere in its source (relative imports resolved; a
    `from pkg import module` counts as importing the module, else the package)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(_project_module(alias.name, known) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(name, is_package, node.module, node.level)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in known else _project_module(base, known))
    found.discard("")
    found.discard(name)
    return found


def _absolute(name: str, is_package: bool, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    parts = name.split(".")
    anchor = parts if is_package else parts[:-1]
    anchor = anchor[: len(anchor) - (level - 1)]
    return ".".join([*anchor, module] if module else anchor)


def _project_module(dotted: str, known: set[str]) -> str:
    """The longest project module that `dotted` names or lies in; "" for outside modules."""
    while dotted:
        if dotted in known:
            return dotted
        dotted = dotted.rpartition(".")[0]
    return ""


def import_graph() -> dict[str, set[str]]:
    names = module_names()
    known = set(names)
    return {name: imports_of(name, path, known) for name, path in names.items()}


def tangles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of two or more modules (Tarjan): each is a set of
    modules that all reach each other, so every one of them lies on a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One shortest cycle per tangle, as a closed path."""
    return [_cycle_in(graph, set(component)) for component in tangles(graph)]


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest closed path through the first module of a strongly connected component."""
    start = min(component)
    paths: list[list[str]] = [[start]]
    seen = {start}
    for path in paths:  # breadth first: the loop also reaches the paths appended below
        for target in sorted(graph[path[-1]] & component):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                paths.append([*path, target])
    raise AssertionError(f"no cycle through {start}")  # a component of 2+ always has one


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph()
    assert "fluxtui.core.models" in graph["fluxtui.core.engine"]
    assert "fluxtui.sim.server" in graph["fluxtui.commands.info"]  # a function-level import
    assert "fluxtui.core.providers.base" in graph["fluxtui.core.providers"]  # from a package


def test_find_cycles_reports_a_closed_path() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]


def test_no_import_cycles() -> None:
    graph = import_graph()
    report = [
        f"{' -> '.join(_cycle_in(graph, set(tangle)))}\n  (all on cycles: {', '.join(tangle)})"
        for tangle in tangles(graph)
    ]
    assert not report, "import cycles:\n" + "\n".join(report)
