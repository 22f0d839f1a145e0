"""The code's layers stay as the README draws them: lower layers never import higher ones.

An AST scan of every module under `webapp/` and `handlers/` (imports inside functions count
too): the engine and the forms layer never import a process, a handler or the notification
layer; no module imports a layer above its own; module-level imports form no cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

from webapp.config import PROJECT_ROOT

# Lowest first. A module belongs to the longest prefix listed here.
LAYERS = {
    "webapp.core": 0, "webapp.extensions": 0, "webapp.config": 0, "webapp.roles": 0, "webapp.i18n": 0,
    "webapp.models": 1,
    "webapp.calendar": 2, "webapp.forms": 2, "webapp.engine": 2, "webapp.titles": 2, "webapp.labels": 2,
    "webapp.transaction": 2,
    "webapp.workflow": 3, "webapp.evidence": 3, "webapp.notifications": 3, "webapp.scheduler": 3,
    "webapp.auth": 3, "webapp.security": 3, "webapp.definitions": 3, "webapp.register": 3,
    "webapp.imports": 3,
    "webapp.processes": 4, "handlers": 4,
    "webapp": 5, "webapp.admin": 5, "webapp.navigation": 5, "webapp.errors": 5, "webapp.cli": 5,
    "webapp.demo": 5, "webapp.generator": 5, "webapp.editor": 5, "webapp.people": 5,
}
# Imports allowed to run upward, each with its reason (the issue allows at most four).
ALLOWED_UPWARD: set[tuple[str, str]] = set()
NEVER_FROM_ENGINE_OR_FORMS = ("webapp.processes", "handlers", "webapp.notifications")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for base in ("webapp", "handlers")
            for path in sorted((PROJECT_ROOT / base).rglob("*.py"))}


def _imports(name: str, path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level) for every import statement of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            found += [(f"{base}.{alias.name}", node.lineno, id(node) in top_level) for alias in node.names]
    return found


def _resolve(target: str, modules: dict[str, Path]) -> str | None:
    """The project module an import names: `a.b.name` is `a.b.name` if that module exists, else `a.b`."""
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def _layer(name: str) -> str:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in LAYERS:
            return prefix
    raise AssertionError(f"{name} belongs to no layer: add it to LAYERS in {__file__}")


def _edges() -> list[tuple[str, str, int, bool]]:
    modules = _modules()
    edges = []
    for name, path in modules.items():
        for target, line, top in _imports(name, path):
            resolved = _resolve(target, modules)
            if resolved is not None and resolved != name:
                edges.append((name, resolved, line, top))
    return edges


def test_engine_and_forms_never_import_processes_handlers_or_notifications():
    offending = [
        f"{source}:{line} imports {target}" for source, target, line, _top in _edges()
        if source.startswith(("webapp.engine", "webapp.forms"))
        and any(target == banned or target.startswith(banned + ".") for banned in NEVER_FROM_ENGINE_OR_FORMS)
    ]
    assert offending == []


def test_no_module_imports_a_higher_layer():
    upward = sorted(
        (source, target) for source, target, _line, _top in _edges()
        if LAYERS[_layer(target)] > LAYERS[_layer(source)] and not target.startswith(source + ".")
    )
    assert [pair for pair in upward if pair not in ALLOWED_UPWARD] == []
    assert len(ALLOWED_UPWARD) <= 4


def test_module_level_imports_have_no_cycle():
    graph: dict[str, set[str]] = {}
    for source, target, _line, top in _edges():
        # A module importing its own package's parts is how packages are built, not a cycle.
        if top and not source.startswith(target + "."):
            graph.setdefault(source, set()).add(target)
    cycles = _cycles(graph)
    assert cycles == []


def test_the_scan_sees_imports():
    """Guard against a scan that finds nothing: known edges must be there."""
    edges = {(source, target) for source, target, _line, _top in _edges()}
    assert ("webapp.engine.runtime", "webapp.engine.registry") in edges
    assert ("handlers.school_vote", "webapp.processes.school_vote.models") in edges
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c"]]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)
