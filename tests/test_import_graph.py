"""The modules of levyfast import each other without cycles.

Every ``import`` statement of every module under ``python/levyfast`` is read with :mod:`ast`
(module level, inside functions, under ``if TYPE_CHECKING:`` alike: a deferred import that
closes a cycle is still a cycle, only hidden until the function runs). Relative imports are
resolved against the importing module's package. ``import a.b`` is an edge to ``a.b``;
``from a import b`` is an edge to ``a.b`` when that is a module, else to ``a``. A target that
is not itself a levyfast module (``from levyfast.x import y`` with ``y`` a name of a module
``x``) resolves to the nearest enclosing module that exists.

The one rule: **edges from a module to one of its own ancestor packages are ignored** (a
submodule ``levyfast.data.generate`` reading ``levyfast.__version__`` or ``levyfast.data``'s
names). Python initialises a package before any of its submodules, so such an edge reaches a
module that is already in ``sys.modules``; with the package's own edges to its submodules it
is the usual package <-> submodule pattern, not a dependency cycle. Every other edge counts,
including a package ``__init__`` importing its submodules. String-based lazy imports
(``levyfast._lazy``'s PEP 562 tables, ``importlib.import_module``) are not import statements
and are not read.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "python"
PACKAGE = "levyfast"


def _modules() -> dict[str, tuple[Path, bool]]:
    """Module name -> (source file, is a package)."""
    found: dict[str, tuple[Path, bool]] = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


def _is_ancestor(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def _enclosing(name: str, modules: dict[str, tuple[Path, bool]]) -> str | None:
    """``name`` or the nearest enclosing levyfast module of it; None outside levyfast."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _targets(module: str, is_package: bool, tree: ast.AST,
             modules: dict[str, tuple[Path, bool]]) -> set[str]:
    """The levyfast modules that the import statements of ``module`` reach."""
    package = module if is_package else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                     for alias in node.names]
        else:
            continue
        for name in names:
            target = _enclosing(name, modules)
            if target is not None and target != module:
                out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    """Edges between levyfast modules, without those to a module's own ancestor packages."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[module] = {t for t in _targets(module, is_package, tree, modules)
                         if not _is_ancestor(t, module)}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected component of more than one module
    (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return [_cycle_in(graph, set(c), c[0]) for c in components]


def _cycle_in(graph: dict[str, set[str]], component: set[str], start: str) -> list[str]:
    """A shortest cycle through ``start`` inside ``component`` (breadth-first)."""
    parent: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return [*reversed(path), start]
                if child not in parent:
                    parent[child] = node
                    nxt.append(child)
        frontier = nxt
    raise AssertionError(f"{start} is in a component without a cycle through it")


def test_the_graph_reads_relative_and_deferred_imports() -> None:
    modules = {name: (Path(), name == "levyfast.data")
               for name in ("levyfast", "levyfast.data", "levyfast.data.storage",
                            "levyfast.data.spec", "levyfast.models", "levyfast.pricers")}
    source = """
import numpy
from . import storage, spec as s
from ..models import LevyModel
if TYPE_CHECKING:
    from levyfast.pricers import price_batch
def later():
    import levyfast.pricers
    from .. import __version__
"""
    targets = _targets("levyfast.data.generate", False, ast.parse(source), modules)
    assert targets == {"levyfast.data.storage", "levyfast.data.spec", "levyfast.models",
                       "levyfast.pricers", "levyfast"}
    graph = import_graph()
    assert "levyfast.data.spec" in graph["levyfast.data.generate"]  # from .spec import ...
    assert "levyfast.data" not in graph["levyfast.data.generate"]  # ancestor: ignored
    assert "levyfast.data.generate" in graph["levyfast.data"]  # under TYPE_CHECKING


def test_a_cycle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_levyfast_has_no_import_cycles() -> None:
    cycles = _cycles(import_graph())
    assert not cycles, "import cycles between levyfast modules:\n" + "\n".join(
        " -> ".join(c) for c in cycles)
