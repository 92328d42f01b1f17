"""The package's own structure, read from its source: which module imports which.

Used by the "How tensorgrad works" page to draw the layers, and by the tests
to keep them honest: imports run one way (no cycle), and no module imports
another inside a function except optional dependencies. Everything here
reads files with :mod:`ast`; nothing is imported or run.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ImportGraph", "import_graph", "cycles", "layers", "OPTIONAL_DEPENDENCIES"]

PACKAGE = Path(__file__).resolve().parent

#: modules that may be imported inside a function: optional dependencies only
OPTIONAL_DEPENDENCIES = frozenset({"matplotlib", "tqdm", "jax", "jaxlib", "sklearn", "torch",
                                   "autograd", "mygrad", "threadpoolctl"})


@dataclass
class ImportGraph:
    """``edges[m]``: the tensorgrad modules ``m`` imports at module level.

    ``late`` lists imports inside functions as ``(module, line, imported name)``.
    """

    edges: dict = field(default_factory=dict)
    late: list = field(default_factory=list)
    lines: dict = field(default_factory=dict)


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(module: str, is_package: bool, node: ast.ImportFrom, known) -> list[str]:
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    # "from . import ops" names submodules; "from .x import y" the module x (and
    # y too, when y is a submodule of package x)
    subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
    if node.module is None and subs:
        return subs
    return [n for n in [target] + subs if n in known]


def import_graph(root: Path | str = PACKAGE) -> ImportGraph:
    """The import graph of the package under ``root`` (tensorgrad itself by default)."""
    root = Path(root)
    files = {_module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    graph = ImportGraph(edges={m: set() for m in files})
    for name, path in files.items():
        text = path.read_text(encoding="utf-8")
        graph.lines[name] = len(text.splitlines())
        tree = ast.parse(text)
        top = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                targets = _targets(name, path.name == "__init__.py", node, files)
                inner = "." * node.level + (node.module or "")
                optional = not node.level and (node.module or "").split(".")[0] in OPTIONAL_DEPENDENCIES
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name in files]
                inner = ", ".join(a.name for a in node.names)
                optional = all(a.name.split(".")[0] in OPTIONAL_DEPENDENCIES for a in node.names)
            else:
                continue
            if id(node) in top:
                graph.edges[name].update(t for t in targets if t != name)
            elif not optional:
                graph.late.append((name, node.lineno, inner))
    return graph


def cycles(edges: dict) -> list[list[str]]:
    """The import cycles: strongly connected groups of two or more modules (Tarjan, iterative)."""
    index: dict = {}
    low: dict = {}
    on_stack: set = set()
    stack: list = []
    found = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(edges[root])))]
        while work:
            v, children = work[-1]
            for w in children:
                if w not in edges:
                    continue
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[v])
                if low[v] == index[v]:
                    group = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        group.append(w)
                        if w == v:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
    return found


def layers(edges: dict) -> list[list[str]]:
    """Modules by layer: layer 0 imports no other module, layer k only modules below k.

    Raises ValueError if the graph has a cycle (then there are no layers).
    """
    loops = cycles(edges)
    if loops:
        raise ValueError(f"import cycles, so no layering: {loops}")
    depth: dict = {}
    for m in sorted(edges):
        todo = [m]
        while todo:
            v = todo[-1]
            missing = [w for w in edges[v] if w in edges and w not in depth]
            if missing:
                todo.extend(missing)
                continue
            todo.pop()
            depth[v] = 1 + max((depth[w] for w in edges[v] if w in edges), default=-1)
    out: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for m, d in depth.items():
        out[d].append(m)
    return [sorted(level) for level in out]
