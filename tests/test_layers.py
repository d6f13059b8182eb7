"""The layer order, read from the import graph (every import, lazy ones inside functions too):
schedules -> app -> matching, `app.core` at the bottom of the app, dispatch above orders, and no circle."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("app", "matching", "schedules", "config")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    found = {_module_name(p): p for top in PROJECT[:3] for p in (ROOT / top).rglob("*.py")}
    found["config"] = ROOT / "config.py"
    return found


@cache
def graph() -> dict[str, frozenset[str]]:
    """Project module -> the project modules it imports."""
    modules = _modules()
    edges: dict[str, frozenset[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                candidates = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for candidate in candidates:
                # `from app.x import name` names a module when name is one, else the module app.x itself.
                target = candidate if candidate in modules else candidate.rpartition(".")[0]
                if target in modules and target != name:
                    targets.add(target)
        edges[name] = frozenset(targets)
    return edges


def _imports_from(prefix: str) -> dict[str, set[str]]:
    return {m: set(t) for m, t in graph().items() if m == prefix or m.startswith(prefix + ".")}


def _inside(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_graph_is_read() -> None:
    assert "app.orders.service" in graph()["app.dispatch.runs"]
    assert "app.dispatch.proposals" in graph()["app.dispatch.subscribers"]  # a lazy import would count too


def test_matching_imports_nothing_from_the_service() -> None:
    upward = {(m, t) for m, ts in _imports_from("matching").items() for t in ts if not _inside(t, "matching")}
    assert upward == set()


def test_the_app_never_imports_the_scheduler() -> None:
    upward = {(m, t) for m, ts in _imports_from("app").items() for t in ts if _inside(t, "schedules")}
    assert upward == set()


def test_core_imports_nothing_above_it() -> None:
    upward = {
        (m, t)
        for m, ts in _imports_from("app.core").items()
        for t in ts
        if not _inside(t, "app.core", "app.extensions")
    }
    assert upward == set()


def test_dispatch_sits_above_orders() -> None:
    # The order pages and endpoints (api, views) are the web layer over both: check-in lives at /orders/<id>/.
    domain = {m: ts for m, ts in _imports_from("app.orders").items() if m not in ("app.orders.api", "app.orders.views")}
    upward = {(m, t) for m, ts in domain.items() for t in ts if _inside(t, "app.dispatch")}
    assert upward == set()


def test_no_import_circle_in_the_service_the_scheduler_or_the_engine() -> None:
    # The factory (`app`) imports every package on purpose to wire them; it is the root, not part of a circle.
    layers = ("app", "schedules", "matching")
    edges = {m: {t for t in ts if t != "app"} for m, ts in graph().items() if _inside(m, *layers)}
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                circles.append([*path[path.index(target) :], target])
            elif target in edges and target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert circles == []
