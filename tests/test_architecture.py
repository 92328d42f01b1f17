"""The package's structure: imports run one way, and no op is special-cased by name.

Built from the source (``ast``), not from a running interpreter, so a cycle
that happens to import fine today still fails here.
"""
import ast
from pathlib import Path

import tensorgrad as tg

PACKAGE = Path(tg.__file__).resolve().parent

#: the only modules that may be imported inside a function: optional dependencies
OPTIONAL = {"matplotlib", "tqdm", "jax", "jaxlib", "sklearn", "torch", "autograd", "mygrad",
            "threadpoolctl", "importlib"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """Absolute tensorgrad module names an ``import from`` statement reaches."""
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if not target.startswith("tensorgrad"):
        return []
    # "from . import ops" names a submodule; "from .x import y" names module x
    return [target] + [f"{target}.{a.name}" for a in node.names]


def _graph():
    mods = _modules()
    graph: dict[str, set] = {m: set() for m in mods}
    inner: list[tuple[str, int, str]] = []
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_pkg = path.name == "__init__.py"
        top_level = set(id(n) for n in tree.body)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                targets = [t for t in _resolve(name, is_pkg, node) if t in mods]
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name in mods]
                names = [a.name for a in node.names]
            else:
                continue
            if id(node) in top_level:
                graph[name].update(t for t in targets if t != name)
            elif isinstance(node, ast.ImportFrom) and node.level:
                inner.append((name, node.lineno, "." * node.level + (node.module or "")))
            else:
                for n in names:
                    if n.split(".")[0] not in OPTIONAL:
                        inner.append((name, node.lineno, n))
    return graph, inner


def _cycles(graph: dict) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in graph:
                    continue
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_no_import_cycle():
    graph, _ = _graph()
    # a package's __init__ re-exporting its submodules is not a cycle of ideas:
    # drop the edges from a submodule up to its own package
    for m in graph:
        graph[m] = {t for t in graph[m] if not m.startswith(t + ".")}
    cycles = _cycles(graph)
    assert not cycles, "import cycles between tensorgrad modules:\n" + "\n".join(
        " ↔ ".join(c) for c in cycles)


def test_cycle_detector_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_inside_functions_except_optional_dependencies():
    _, inner = _graph()
    shown = [f"{m}:{line} imports {what}" for m, line, what in inner if not m.startswith("tensorgrad.cli")]
    assert not shown, "imports inside functions (only optional dependencies may be imported late):\n" \
        + "\n".join(shown)


def test_no_engine_code_tests_an_op_name():
    engine = ["recording.py", "sweep.py", "guards.py", "registry.py", "transforms.py",
              "jacobians/maps.py", "jacobians/algebra.py", "jacobians/local.py", "chain.py",
              "cost.py", "explain.py"]
    offenders = []
    for rel in engine:
        path = PACKAGE / rel
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) \
                    and node.left.attr == "name" and any(
                        isinstance(c, ast.Constant) and isinstance(c.value, str)
                        or isinstance(c, (ast.Tuple, ast.List, ast.Set)) for c in node.comparators):
                offenders.append(f"{rel}:{node.lineno}")
    assert not offenders, "engine code compares an op's name: " + ", ".join(offenders)


def test_modules_stay_small():
    big = {}
    for p in PACKAGE.rglob("*.py"):
        n = len(p.read_text(encoding="utf-8").splitlines())
        if n > 700:
            big[str(p.relative_to(PACKAGE))] = n
    assert not big, f"modules over 700 lines (one idea per module): {big}"
