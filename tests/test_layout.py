"""The package's shape: modules import one another in one direction (no cycles, not even
through imports inside functions or behind TYPE_CHECKING)."""
from __future__ import annotations

import ast
import os

import hsw2v

PKG = os.path.dirname(hsw2v.__file__)


def module_name(path: str) -> str:
    rel = os.path.relpath(path, os.path.dirname(PKG))[:-3].replace(os.sep, ".")
    return rel[:-len(".__init__")] if rel.endswith(".__init__") else rel


def import_graph() -> dict[str, set[str]]:
    """Module -> the hsw2v modules it imports anywhere in its source."""
    graph: dict[str, set[str]] = {}
    for folder, _, files in os.walk(PKG):
        for f in files:
            if not f.endswith(".py"):
                continue
            path = os.path.join(folder, f)
            name = module_name(path)
            deps = graph.setdefault(name, set())
            for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    if node.module.startswith("hsw2v"):
                        deps.add(node.module)
                        # `from hsw2v import report` imports the module hsw2v.report
                        deps.update(f"{node.module}.{a.name}" for a in node.names)
                elif isinstance(node, ast.Import):
                    deps.update(a.name for a in node.names if a.name.startswith("hsw2v"))
    for deps in graph.values():
        deps.intersection_update(graph)
    return graph


def test_import_graph_has_no_cycle():
    graph = import_graph()
    # A package's __init__ re-exports its modules; an edge into a package means its __init__.
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for d in sorted(graph[m]):
            if d == m or (m.startswith(d + ".") and d in ("hsw2v", "hsw2v.kernels")):
                continue  # a module importing its own package's __init__ (which imports it)
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(d):] + [d]))
            if d not in state:
                visit(d)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_the_pipeline_flows_one_way():
    graph = import_graph()
    # Earlier stages never import later ones. The vectors (and their file formats) are the
    # type training produces, so they come before it; evaluation works on any vector set (a
    # protocol), and Vectors offers it as methods.
    order = ["hsw2v.corpus", "hsw2v.vocab", "hsw2v.huffman", "hsw2v.encoding", "hsw2v.formats",
             "hsw2v.evaluate", "hsw2v.vectors", "hsw2v.train", "hsw2v.report", "hsw2v.cli"]
    for i, m in enumerate(order):
        later = set(order[i + 1:])
        assert not graph[m] & later, (m, graph[m] & later)
    assert not {d for d in graph["hsw2v.evaluate"] if d != "hsw2v.errors"}
