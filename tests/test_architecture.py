"""The package's structure: imports run one way, and no op is special-cased by name.

Built from the source (``ast``), not from a running interpreter, so a cycle
that happens to import fine today still fails here.
"""
import ast
import functools
from pathlib import Path

import pytest

import tensorgrad as tg
from tensorgrad.structure import cycles, import_graph, layers

PACKAGE = Path(tg.__file__).resolve().parent
# the graph takes ~2 s to build from the source: built when a test first needs it (not while
# every xdist worker collects this file), and the file's tests run in one worker
pytestmark = pytest.mark.xdist_group("architecture")


@functools.cache
def _graph():
    return import_graph()


def test_no_import_cycle():
    found = cycles(_graph().edges)
    assert not found, "import cycles between tensorgrad modules:\n" + "\n".join(
        " ↔ ".join(c) for c in found)


def test_cycle_detector_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    with pytest.raises(ValueError, match="cycle"):
        layers({"a": {"b"}, "b": {"a"}})


def test_layers_put_the_engine_below_the_transforms():
    level = {m: k for k, group in enumerate(layers(_graph().edges)) for m in group}
    assert level["tensorgrad.tensor"] == 0
    order = ["tensorgrad.tensor", "tensorgrad.sweep", "tensorgrad.recording", "tensorgrad.registry",
             "tensorgrad.ops.elementwise", "tensorgrad.transforms", "tensorgrad.chain", "tensorgrad.cli"]
    assert [level[m] for m in order] == sorted(level[m] for m in order)
    assert len(set(level[m] for m in order)) == len(order)


def test_no_import_inside_functions_except_optional_dependencies():
    shown = [f"{m}:{line} imports {what}" for m, line, what in _graph().late]
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
    big = {m: n for m, n in _graph().lines.items() if n > 700}
    assert not big, f"modules over 700 lines (one idea per module): {big}"
