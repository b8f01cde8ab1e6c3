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


def modules():
    """(module name, its syntax tree) for every module of the package."""
    for folder, _, files in os.walk(PKG):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(folder, f)
                yield module_name(path), ast.parse(open(path, encoding="utf-8").read())


def import_graph() -> dict[str, set[str]]:
    """Module -> the hsw2v modules it imports anywhere in its source."""
    graph: dict[str, set[str]] = {}
    for name, tree in modules():
        deps = graph.setdefault(name, set())
        for node in ast.walk(tree):
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


def diagram() -> list[str]:
    """The modules of the package docstring's diagram, in its order."""
    import re

    names = []
    for line in hsw2v.__doc__.splitlines():
        m = re.match(r"^    (\S+\.py|kernels/)\s", line)
        if m:
            f = m.group(1)
            names.append("hsw2v.kernels" if f == "kernels/" else "hsw2v." + f[:-3])
    return names


def top(m: str) -> str:
    """A kernels module stands for the kernels package (one stage)."""
    return "hsw2v.kernels" if m.startswith("hsw2v.kernels.") else m


def test_the_docstring_diagram_is_the_import_order():
    graph = import_graph()
    order = diagram()
    modules = {top(m) for m in graph} - {"hsw2v"}
    assert set(order) == modules, (set(order) ^ modules)
    place = {m: i for i, m in enumerate(order)}
    for m, deps in graph.items():
        if m == "hsw2v" or top(m) == "hsw2v.kernels" and m != "hsw2v.kernels":
            continue
        # `from hsw2v import kernels` names the package hsw2v too: only the module counts
        later = {top(d) for d in deps if d != "hsw2v" and place[top(d)] >= place[top(m)]
                 and top(d) != top(m)}
        assert not later, f"{m} imports {sorted(later)}, which the diagram puts after it"
    # and the kernels package imports nothing else from hsw2v
    assert all(top(d) == "hsw2v.kernels" for m, deps in graph.items()
               if top(m) == "hsw2v.kernels" for d in deps if d != "hsw2v")


def private_imports() -> list[tuple[str, str, str]]:
    """(module, imported module, name) for every private name one hsw2v module imports from
    another (outside the kernels package, whose modules share their float32 constants)."""
    out = []
    for name, tree in modules():
        for node in ast.walk(tree):
            if (isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                    and node.module.startswith("hsw2v")
                    and not (name.startswith("hsw2v.kernels")
                             and node.module.startswith("hsw2v.kernels"))):
                out += [(name, node.module, a.name) for a in node.names
                        if a.name.startswith("_") and not a.name.startswith("__")]
    return out


def test_no_module_imports_another_ones_private_names():
    assert private_imports() == []


def test_the_engines_share_one_run():
    """The cluster engine reaches the local one only through public names, and neither the
    command line nor the Python model chooses the engine (hsw2v.train.run does)."""
    graph = import_graph()
    assert "hsw2v.train" not in graph["hsw2v.distributed"]
    assert "hsw2v.distributed" not in graph["hsw2v.cli"] | graph["hsw2v.model"]
    src = open(os.path.join(PKG, "distributed.py"), encoding="utf-8").read()
    assert "Trainer." not in src.replace("hsw2v.threads.Trainer.", "")  # no class internals
    for attr in (".claim_max =", ".inline =", ".limit ="):
        assert attr not in src


#: The most parameters a kernel takes (the issue's "about 12": the hot steps take 13 or 14,
#: whose groups would cost a tuple unpacking in every inlined call).
MAX_KERNEL_PARAMS = 14
#: The longest function outside the jitted kernels, in lines (docstring included).
MAX_FUNCTION_LINES = 110


def functions():
    """(module, function, its number of parameters, its lines, jitted?) for every function."""
    for name, tree in modules():
        # also jitted: functions a module compiles with a call, ``jit(f)`` or ``jit(f(...))``
        # (a factory of closures), and the functions nested in those
        compiled = {arg.id if isinstance(arg, ast.Name) else arg.func.id
                    for call in ast.walk(tree)
                    if isinstance(call, ast.Call) and "jit" in ast.unparse(call.func) and call.args
                    for arg in call.args[:1]
                    if isinstance(arg, ast.Name)
                    or isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name)}
        inside = {id(inner) for node in ast.walk(tree)
                  if isinstance(node, ast.FunctionDef) and node.name in compiled
                  for inner in ast.walk(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                a = node.args
                params = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs)
                jitted = (any("jit" in ast.unparse(d) for d in node.decorator_list)
                          or id(node) in inside)
                yield name, node.name, params, node.end_lineno - node.lineno + 1, jitted


def test_kernels_take_argument_groups_and_functions_stay_short():
    """Kernel calls pass named groups (kernels.train_chunk: the chunk, the rows and five
    groups), and no function outside the jitted loops grows past a screenful or two."""
    wide = [(m, f, n) for m, f, n, _, _ in functions()
            if m.startswith("hsw2v.kernels") and n > MAX_KERNEL_PARAMS]
    assert wide == []
    long = [(m, f, lines) for m, f, _, lines, jitted in functions()
            if not jitted and lines > MAX_FUNCTION_LINES]
    assert long == []
    import inspect

    from hsw2v import kernels
    assert len(inspect.signature(kernels.train_chunk).parameters) <= 10
