"""JAX's structured control flow, ``tg.lax.cond``, ``switch``, ``fori_loop``, ``while_loop``
and ``scan``, with ``jax.lax``'s signatures, so code written for JAX runs here.

tensorgrad runs Python eagerly, so each is the plain Python it stands for: one branch
taken, a loop run. Every transform differentiates through them as through any Python
code. Under ``tg.jit`` a loop with concrete bounds is traced unrolled, and a branch or
a ``while_loop`` condition that depends on a traced value raises ``ConcretizationError``
(the plan has no runtime branches), as a Python ``if`` on it does.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import ops as _ops
from .tensor import Tensor, concrete, shape_of
from .tree import tree_flatten, tree_unflatten

__all__ = ["cond", "switch", "fori_loop", "while_loop", "scan", "stop_gradient"]

stop_gradient = _ops.stop_gradient


def _index(value, name: str) -> int:
    if isinstance(value, Tensor) and value._trace is not None:
        raise TypeError(f"{name}: the branch index or predicate is a traced value; its value "
                        "decides which code runs, so it must be concrete (compute it outside the "
                        "transform, or select values with tg.where)")
    return int(np.asarray(concrete(value)))


def cond(pred, true_fun: Callable, false_fun: Callable, *operands):
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``."""
    return (true_fun if _index(pred, "cond") else false_fun)(*operands)


def switch(index, branches: Sequence[Callable], *operands):
    """``branches[index](*operands)``, the index clamped to the branches, as ``jax.lax.switch``."""
    k = min(max(_index(index, "switch"), 0), len(branches) - 1)
    return branches[k](*operands)


def fori_loop(lower: int, upper: int, body_fun: Callable, init_val: Any):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``."""
    val = init_val
    for i in range(_index(lower, "fori_loop"), _index(upper, "fori_loop")):
        val = body_fun(i, val)
    return val


def while_loop(cond_fun: Callable, body_fun: Callable, init_val: Any):
    """``val = body_fun(val)`` while ``cond_fun(val)``."""
    val = init_val
    while _index(cond_fun(val), "while_loop"):
        val = body_fun(val)
    return val


def scan(f: Callable, init: Any, xs: Any = None, length: int | None = None, reverse: bool = False,
         unroll: int = 1):
    """``jax.lax.scan``: ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns the
    final carry and the ``y`` stacked along a new leading axis."""
    leaves, td = tree_flatten(xs)
    sizes = {shape_of(concrete(v))[0] for v in leaves}
    if len(sizes) > 1:
        raise ValueError(f"scan: the leaves of xs have different leading sizes {sorted(sizes)}")
    if length is not None and sizes and sizes != {int(length)}:
        raise ValueError(f"scan: length={length} but xs has leading size {sizes.pop()}")
    n = sizes.pop() if sizes else length
    if n is None:
        raise ValueError("scan: give xs or length")
    carry, ys = init, []
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        x = tree_unflatten(td, [v[i] for v in leaves]) if leaves else None
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys:
        return carry, None
    y_leaves = [tree_flatten(y)[0] for y in ys]
    y_td = tree_flatten(ys[0])[1]
    stacked = [_ops.stack([yl[j] for yl in y_leaves]) for j in range(len(y_leaves[0]))]
    return carry, tree_unflatten(y_td, stacked)
