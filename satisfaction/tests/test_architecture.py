"""The dependency rule of DESIGN §6, checked on the code's own imports (function-level imports included).

- core imports nothing of ours; crm ← helpdesk ← feedback ← alerts / improvements / surveys ← imports;
  siblings do not import each other; satisfaction never imports analytics except the pure stats module.
- No import cycles among modules, except a service that enqueues its own package's task and that task.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = ("core", "satisfaction", "analytics")
LAYER = {
    "crm": 1,
    "helpdesk": 2,
    "feedback": 3,
    "alerts": 4,
    "improvements": 4,
    "surveys": 4,
    "recovery": 5,
    "text": 4,
    "imports": 5,
    # Runs every package's periodic tasks, by name through the Celery registry: it imports none of them.
    "schedules": 6,
    # Reads every package to export or erase what is held about a person: above all of them.
    "privacy": 6,
}
PURE_ANALYTICS = "analytics.lib.stats"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for top in OURS:
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT).parts
            if "tests" in rel or "migrations" in rel:
                continue
            found[_module_name(path)] = path
    return found


def _imports(path: Path, module: str, known: dict[str, Path]) -> set[str]:
    """Modules of ours that `module` imports anywhere in its body (resolved to the deepest known module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from a.b import c`: the module a.b.c when there is one, else a.b (c is a name in it)
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module and name.split(".")[0] in OURS:
                targets.add(name)
    return targets


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    known = _modules()
    return {module: _imports(path, module, known) for module, path in known.items()}


def _package(module: str) -> str | None:
    """The domain package of a satisfaction module (None for the app's own top-level modules)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYER else None


def _allowed(source: str, target: str) -> bool:
    top_s, top_t = source.split(".")[0], target.split(".")[0]
    if top_s == "core":
        return top_t == "core"
    if top_t == "core":
        return True
    if top_s == "satisfaction" and top_t == "analytics":
        return target == PURE_ANALYTICS
    if top_s == "analytics":
        return True
    src, dst = _package(source), _package(target)
    if src is None:  # the app's composition modules (models, admin, urls, apps, commands, demo) see every package
        return True
    if dst is None:  # a package never reaches back up to the app's composition modules
        return False
    return src == dst or LAYER[dst] < LAYER[src]


def test_packages_import_only_what_they_build_on(graph):
    wrong = sorted(
        f"{source} imports {target}" for source, targets in graph.items() for target in targets
        if not _allowed(source, target)
    )  # fmt: skip
    assert wrong == []


def _own_task_pair(a: str, b: str) -> bool:
    """A service module that enqueues its own package's task, and that task calling it back."""
    (pa, _, ma), (pb, _, mb) = a.rpartition("."), b.rpartition(".")
    return pa == pb and "tasks" in (ma, mb) and ma != mb


def test_no_import_cycles(graph):
    edges = {m: {t for t in ts if not _own_task_pair(m, t)} for m, ts in graph.items()}
    cycles, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module)
    assert [" → ".join(c) for c in cycles] == []


def test_the_rule_itself_refuses_what_it_should():
    # The contrary cases, so the checks above cannot pass by accepting everything.
    assert not _allowed("satisfaction.crm.services", "satisfaction.feedback.models")
    assert not _allowed("satisfaction.alerts.rules", "satisfaction.surveys.models")
    assert not _allowed("satisfaction.feedback.kpis", "analytics.lib.metrics")
    assert not _allowed("core.htmx", "satisfaction.crm.models")
    assert _allowed("satisfaction.alerts.rules", PURE_ANALYTICS)
    assert _allowed("analytics.customers", "satisfaction.alerts.selectors")
    assert _own_task_pair("satisfaction.imports.services", "satisfaction.imports.tasks")
    assert not _own_task_pair("satisfaction.alerts.services", "satisfaction.surveys.tasks")
    assert not _allowed("satisfaction.crm.selectors", "satisfaction.models")
