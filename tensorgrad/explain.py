"""Explain a function's tape: one line per node, with its Jacobian in symbols.

Each line shows the op, its input and output shapes, the structure of its
Jacobian with respect to each input that depends on the differentiated
argument (diagonal, dense, kronecker, …) and the Jacobian in symbols from the
op's registry entry (``diag(1 − tanh²x)``, ``diag(p) − p pᵀ``, ``A ⊗ I``).
For small sizes the dense matrix can be printed under each line.

The differentiated argument may be a parameter pytree: each leaf is an
input (``x.0.W``, ``x.0.b``, … named by dict keys and list indices), and the
explanation ends with the Jacobian of the output as one block per leaf.
``explain(...).plot()`` draws the same graph with matplotlib.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import jacobians as jac
from .blocks import BlockJacobian
from .chain import _chain, tape_for
from .viz import plot_tape

__all__ = ["explain", "Explanation", "jacobian_category", "CATEGORIES"]

#: The kinds of structure a plot colours, cheapest first, with their colours.
CATEGORIES = {
    "zero": "#ffffff",
    "permutation": "#d9d9d9",      # index maps: reshape, transpose, broadcast, sums, indexing, …
    "diagonal": "#a6dba0",
    "rank-one update": "#fdb863",  # softmax: diag(p) − p pᵀ
    "kronecker": "#92c5de",        # matmul: A ⊗ I, I ⊗ Bᵀ
    "dense": "#f4a582",
}
_ORDER = list(CATEGORIES)
#: Maps of 0s and 1s that store no numbers of their own and apply in at most about one
#: flop per entry: renumberings, copies, selections (flip, sort, roll, pad, repeat, ...)
#: and sums, running sums (cumsum) included.
_INDEX_MAPS = (jac.Identity, jac.Reshape, jac.Permute, jac.Broadcast, jac.SumTo, jac.Gather,
               jac.RunningSum)


def jacobian_category(J) -> str:
    """The structure class of a Jacobian, one of :data:`CATEGORIES`: ``diagonal``,
    ``kronecker``, ``rank-one update``, ``permutation`` (any index map: reshape,
    transpose, broadcast, sum and running sum, indexing, and the selections and
    permutations of entries of flip, roll, sort, pad, repeat, tile, ...), ``dense`` or
    ``zero``. A product or sum of maps gets the most expensive class among its parts."""
    if isinstance(J, BlockJacobian):
        return max((jacobian_category(b) for b in J.blocks), key=_ORDER.index, default="zero")
    if isinstance(J, jac.Zero):
        return "zero"
    if isinstance(J, jac.Diagonal):
        return "diagonal"
    if isinstance(J, (jac.MatmulLeft, jac.MatmulRight)):
        return "kronecker"
    if isinstance(J, jac.SoftmaxJacobian):
        return "rank-one update"
    if isinstance(J, _INDEX_MAPS):
        return "permutation"
    if isinstance(J, jac.RuleMap):
        return "permutation" if J.op.kind == "linear" else "dense"
    if isinstance(J, jac.Transposed):
        return jacobian_category(J.base)
    parts = getattr(J, "factors", None) or getattr(J, "terms", None)
    if parts:
        return max((jacobian_category(p) for p in parts), key=_ORDER.index)
    return "dense"


@dataclass
class Explanation:
    """The printout of :func:`explain`; ``str()`` it, read ``lines`` / ``rows``, or ``plot()`` it.

    ``inputs`` lists ``(name, shape)`` per input leaf; each row of ``rows`` is
    a node (name, op, shapes, kinds, symbol, the names of its inputs, its
    category); ``jacobian`` is the Jacobian of the output (a
    :class:`~tensorgrad.blocks.BlockJacobian` for a pytree input).
    """

    lines: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    output: str | None = None
    jacobian: object = None

    def __str__(self) -> str:
        return "\n".join(self.lines)

    __repr__ = __str__

    def plot(self, path=None, title: str | None = None):
        """Draw the recorded graph: a box per input and node with its op, shapes and
        Jacobian kind, coloured by kind; arrows from inputs to the nodes using them.

        Needs matplotlib (imported here; an ImportError says how to install it).
        Returns the matplotlib Figure; with ``path`` it is also saved there.
        """
        return plot_tape(self, path, title=title, colours=CATEGORIES)


def _shape_str(s) -> str:
    return "()" if not s else "(" + ", ".join(str(int(d)) for d in s) + (",)" if len(s) == 1 else ")")


def _split_top(s: str) -> list:
    """Split at commas outside brackets."""
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def _symbol_for(op, i: int, nargs: int) -> str:
    """The part of an op's symbol that belongs to input ``i`` (symbols list one per input)."""
    sym = op.symbol or "J"
    parts = _split_top(sym)
    if nargs > 1 and len(parts) == nargs:
        return parts[i]
    return sym


def _legend(sym: str, op, labels: list) -> str:
    """Which operand each of the op's own argument names in ``sym`` stands for on this line
    (``   [x is c, y is x]``): the symbols are the op's, written with its argument names."""
    pairs = [f"{name} is {label}" for name, label in zip(op.inputs, labels)
             if name != label and re.search(rf"(?<![A-Za-z_]){re.escape(name)}(?![A-Za-z_0-9])", sym)]
    return f"   [{', '.join(pairs)}]" if pairs else ""


def explain(f: Callable, *args, argnums: int = 0, dense: bool = False,
            max_entries: int = 64) -> Explanation:
    """One line per tape node of ``f(*args)``: op, shapes, Jacobian structure and symbol.

    Why: the chain rule multiplies exactly these Jacobians; seeing their
    structure says which are cheap (diagonal, index maps) and which are not.
    With ``dense=True`` each Jacobian with at most ``max_entries`` entries
    is printed as a matrix (rows: output entries, columns: input entries).
    ``args[argnums]`` may be an array (named ``x``) or a parameter pytree
    (leaves named ``x.0.W``, …); the last lines give the Jacobian of the
    output, one block per leaf for a pytree. ``.plot()`` draws the graph.
    """
    t = tape_for(f, args, argnums, False, "explain")
    ex = Explanation()
    names = {}
    if t.is_pytree:
        ex.lines.append(f"x: a pytree of {len(t.in_nodes)} arrays")
        for leaf, node in zip(t.in_names, t.in_nodes):
            names[id(node)] = f"x.{leaf}"
            ex.lines.append(f"x.{leaf}: input {_shape_str(node.shape)}")
    else:
        names[id(t.in_node)] = "x"
        ex.lines.append(f"x: input {_shape_str(t.in_shape)}")
    ex.inputs = [(names[id(n)], tuple(n.shape)) for n in t.in_nodes]
    relevant = {id(e.node): e for e in t.entries}
    k = 0
    for n in t.all_nodes:
        if n.op is None:
            continue
        e = relevant.get(id(n))
        if e is None:
            continue  # a node that does not depend on x: a constant for this Jacobian
        k += 1
        name = f"v{k}"
        names[id(n)] = name
        ins, in_names = [], []
        for i, a in enumerate(n.args):
            p = n.parents[i] if i < len(n.parents) else None
            label = names.get(id(p)) if p is not None else None
            in_names.append(label)
            ins.append(f"{label or 'c'}{_shape_str(np.shape(a))}")
        parts = []
        locals_ = [e.local(i) for i, _ in e.inputs]
        for (i, p), J in zip(e.inputs, locals_):
            parts.append(f"∂/∂{names[id(p)]}: {J.kind}")
        labels = [label or "c" for label in in_names]
        sym = "; ".join(_symbol_for(n.op, i, len(n.args)) for i, _ in e.inputs)
        line = (f"{name} = {n.op.name}({', '.join(ins)}) → {_shape_str(n.shape)}"
                f"   [{'; '.join(parts)}]   J = {sym}{_legend(sym, n.op, labels)}")
        ex.lines.append(line)
        cats = [jacobian_category(J) for J in locals_]
        ex.rows.append({"name": name, "op": n.op.name, "in_shapes": [np.shape(a) for a in n.args],
                        "out_shape": tuple(n.shape), "kinds": [J.kind for J in locals_], "symbol": sym,
                        "inputs": [names[id(p)] for _, p in e.inputs], "categories": cats,
                        "category": max(cats, key=_ORDER.index)})
        if dense:
            for (i, p), J in zip(e.inputs, locals_):
                if J.out_size * J.in_size <= max_entries:
                    M = np.round(J.matrix(), 4)
                    body = np.array2string(M, precision=4, suppress_small=True, max_line_width=120)
                    ex.lines.append(f"    ∂{name}/∂{names[id(p)]} =")
                    ex.lines.extend("      " + ln for ln in body.splitlines())
                else:
                    ex.lines.append(f"    ∂{name}/∂{names[id(p)]}: {J.out_size}×{J.in_size} "
                                    f"(more than {max_entries} entries, not shown)")
    if t.out_node is None:
        ex.lines.append("output: does not depend on x (Jacobian 0)")
    else:
        ex.output = names.get(id(t.out_node), "?")
        ex.lines.append(f"output: {ex.output} {_shape_str(t.out_shape)}")
    order = "reverse" if int(np.prod(t.out_shape, dtype=np.int64)) <= int(np.prod(t.in_shape, dtype=np.int64)) \
        else "forward"
    J = _chain(t, order, True).jacobian
    ex.jacobian = J
    out = ex.output or "out"
    if isinstance(J, BlockJacobian):
        ex.lines.append(f"Jacobian of the output, one block per leaf of x ({order} accumulation):")
        for leaf, B in J.items():
            ex.lines.append(f"  ∂{out}/∂x.{leaf}: {_shape_str(B.in_shape)} → {_shape_str(B.out_shape)}   "
                            f"{B.kind}")
    else:
        ex.lines.append(f"Jacobian of the output ({order} accumulation): ∂{out}/∂x: "
                        f"{_shape_str(J.in_shape)} → {_shape_str(J.out_shape)}   {J.kind}")
    return ex
