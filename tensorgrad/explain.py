"""Explain a function's tape: one line per node, with its Jacobian in symbols.

Each line shows the op, its input and output shapes, the structure of its
Jacobian with respect to each input that depends on the differentiated
argument (diagonal, dense, kronecker, …) and the Jacobian in symbols from the
op's registry entry (``diag(1 − tanh²x)``, ``diag(p) − p pᵀ``, ``A ⊗ I``).
For small sizes the dense matrix can be printed under each line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .chain import record_tape

__all__ = ["explain", "Explanation"]


@dataclass
class Explanation:
    """The printout of :func:`explain`; ``str()`` it or read ``lines`` / ``rows``."""

    lines: list = field(default_factory=list)
    rows: list = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.lines)

    __repr__ = __str__


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


def explain(f: Callable, *args, argnums: int = 0, dense: bool = False,
            max_entries: int = 64) -> Explanation:
    """One line per tape node of ``f(*args)``: op, shapes, Jacobian structure and symbol.

    Why: the chain rule multiplies exactly these Jacobians; seeing their
    structure says which are cheap (diagonal, index maps) and which are not.
    With ``dense=True`` each Jacobian with at most ``max_entries`` entries
    is printed as a matrix (rows: output entries, columns: input entries).
    """
    t = record_tape(f, *args, argnums=argnums)
    ex = Explanation()
    names = {id(t.in_node): "x"}
    ex.lines.append(f"x: input {_shape_str(t.in_shape)}")
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
        ins = []
        for i, a in enumerate(n.args):
            p = n.parents[i] if i < len(n.parents) else None
            label = names.get(id(p)) if p is not None else None
            ins.append(f"{label or 'c'}{_shape_str(np.shape(a))}")
        parts = []
        for i, p in e.inputs:
            J = e.local(i)
            parts.append(f"∂/∂{names[id(p)]}: {J.kind}")
        sym = "; ".join(_symbol_for(n.op, i, len(n.args)) for i, _ in e.inputs)
        line = (f"{name} = {n.op.name}({', '.join(ins)}) → {_shape_str(n.shape)}"
                f"   [{'; '.join(parts)}]   J = {sym}")
        ex.lines.append(line)
        ex.rows.append({"name": name, "op": n.op.name, "in_shapes": [np.shape(a) for a in n.args],
                        "out_shape": tuple(n.shape),
                        "kinds": [e.local(i).kind for i, _ in e.inputs], "symbol": sym})
        if dense:
            for i, p in e.inputs:
                J = e.local(i)
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
        ex.lines.append(f"output: {names.get(id(t.out_node), '?')} {_shape_str(t.out_shape)}")
    return ex
