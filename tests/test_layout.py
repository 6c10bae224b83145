"""The packages import each other only down the table of DESIGN.md ("Layers and rooms").

Read from the source with ``ast`` (nothing is imported), counting every import, including the ones
made inside a function to defer a slow import: a dependency is a dependency, wherever it is written.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from warehouse.settings import REPO_ROOT

# package -> the project packages it may import (besides itself)
ALLOWED = {
    "warehouse": set(),
    "ingest": {"warehouse"},
    "synthetic": {"ingest", "warehouse"},
    "expectations": {"ingest", "warehouse"},
    "exports": {"warehouse"},
    "reporting": {"warehouse"},
    "dbt_project": {"ingest", "warehouse"},  # run_on_spark.py loads through the loader
    "orchestration": {"warehouse", "ingest", "expectations", "exports", "reporting"},
    "benchmarks": {"warehouse", "ingest", "synthetic", "expectations", "exports", "reporting", "orchestration"},
    "tests": {
        "warehouse",
        "ingest",
        "synthetic",
        "expectations",
        "exports",
        "reporting",
        "orchestration",
        "benchmarks",
    },
}
# the sample step of `make run`: the one module outside tests and benchmarks that may use the generator
MAY_IMPORT_SYNTHETIC = {"orchestration.run"}


def module_files(root: Path = REPO_ROOT) -> dict[str, Path]:
    """Every Python module of the project packages: dotted name -> file."""
    out = {}
    for package in ALLOWED:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if any(p in ("target", "dbt_packages", "__pycache__") for p in parts):
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> Iterator[tuple[str, int, list[str]]]:
    """(project module imported, line, names taken from it) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ALLOWED:
                    yield alias.name, node.lineno, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] not in ALLOWED:
                continue
            names = [a.name for a in node.names]
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
            # `from package import submodule` depends on the submodule; `from package import name` on the package
            if len(submodules) < len(names):
                yield target, node.lineno, [n for n in names if f"{target}.{n}" not in modules]
            for sub in submodules:
                yield sub, node.lineno, []


def import_graph(root: Path = REPO_ROOT) -> dict[str, list[tuple[str, int, list[str]]]]:
    modules = module_files(root)
    return {name: list(imported_modules(name, path, modules)) for name, path in modules.items()}


def layering_violations(graph) -> list[str]:
    bad = []
    for mod, imports in graph.items():
        pkg = mod.split(".")[0]
        for target, line, names in imports:
            tpkg = target.split(".")[0]
            if tpkg == pkg:
                continue
            if tpkg == "synthetic" and pkg not in ("tests", "benchmarks") and mod not in MAY_IMPORT_SYNTHETIC:
                bad.append(
                    f"{mod}:{line} imports {target}: only tests, benchmarks and the sample step of "
                    "make run (orchestration/run.py) use the sample generator"
                )
            elif tpkg not in ALLOWED[pkg] and not (tpkg == "synthetic" and mod in MAY_IMPORT_SYNTHETIC):
                bad.append(
                    f"{mod}:{line} imports {target}: {pkg} may import "
                    f"{', '.join(sorted(ALLOWED[pkg])) or 'nothing of the project'}"
                )
            private = [n for n in names if n.startswith("_")]
            if private and pkg != "tests":
                bad.append(f"{mod}:{line} takes private {', '.join(private)} from {target}")
    return bad


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in edges.get(v, ()):
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_import_graph_sees_the_project():
    graph = import_graph()
    assert {
        "warehouse.settings",
        "ingest.loader",
        "synthetic.generator",
        "expectations.runner",
        "orchestration.definitions",
        "tests.test_layout",
    } <= set(graph)
    # relative imports, `from package import submodule` and imports inside functions all count
    assert "synthetic.scoring" in {t for t, _, _ in graph["synthetic.oracle"]}
    assert "expectations.docs" in {t for t, _, _ in graph["expectations.runner"]}
    assert "synthetic" in {t for t, _, _ in graph["orchestration.run"]}


def test_packages_import_only_down_the_table():
    bad = layering_violations(import_graph())
    assert not bad, "\n".join(bad)


def test_no_import_cycles_between_packages_or_modules():
    graph = import_graph()
    modules = {m: {t for t, _, _ in imports if t in graph and t != m} for m, imports in graph.items()}
    packages: dict[str, set[str]] = {}
    for m, targets in modules.items():
        packages.setdefault(m.split(".")[0], set()).update(t.split(".")[0] for t in targets)
    for p in packages:
        packages[p].discard(p)
    found = [" -> ".join(c) for c in cycles(packages) + cycles(modules)]
    assert not found, "import cycles: " + "; ".join(found)


def test_the_checks_catch_what_they_are_for():
    """The checkers on a made-up graph: a test that cannot fail is a defect."""
    graph = {
        "warehouse.settings": [("ingest.specs", 3, [])],
        "ingest.loader": [("synthetic", 5, []), ("warehouse.guards", 6, ["_private"])],
        "orchestration.summary": [("synthetic.scoring", 7, [])],
        "orchestration.run": [("synthetic", 8, [])],
        "tests.test_x": [("synthetic.util", 9, ["_w"])],
    }
    bad = layering_violations(graph)
    assert [b.split(" ")[0] for b in bad] == [
        "warehouse.settings:3",
        "ingest.loader:5",
        "ingest.loader:6",
        "orchestration.summary:7",
    ]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
