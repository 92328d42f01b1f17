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
from .tensor import concrete, shape_of
from .tree import tree_flatten, tree_unflatten

__all__ = ["cond", "switch", "fori_loop", "while_loop", "scan", "stop_gradient"]

stop_gradient = _ops.stop_gradient


def _scalar(value, name: str, what: str) -> np.ndarray:
    """The concrete 0-d value deciding which code runs (a traced value is read at this point:
    it carries no derivative; under ``tg.jit`` reading it raises ConcretizationError)."""
    v = np.asarray(concrete(value))
    if v.shape != ():
        raise TypeError(f"{name}: the {what} must be a scalar, got shape {v.shape}")
    return v


def _integer(value, name: str, what: str) -> int:
    v = _scalar(value, name, what)
    if v.dtype.kind not in "iu":
        raise TypeError(f"{name}: the {what} must be an integer, got {v.dtype} ({value!r}); "
                        "JAX refuses a float or bool here too")
    return int(v)


_MISSING = object()


def cond(pred, true_fun: Callable, false_fun: Callable, *operands, operand=_MISSING):
    """``true_fun(*operands)`` if ``pred`` is true (nonzero) else ``false_fun(*operands)``
    (``operand=`` is JAX's older single-operand form)."""
    if operand is not _MISSING:
        if operands:
            raise TypeError("cond: give the operands positionally or as operand=, not both")
        operands = (operand,)
    v = _scalar(pred, "cond", "predicate")
    if v.dtype.kind not in "biuf":
        raise TypeError(f"cond: the predicate must be a boolean or a number, got {v.dtype}")
    return (true_fun if bool(v != 0) else false_fun)(*operands)


def switch(index, branches: Sequence[Callable], *operands):
    """``branches[index](*operands)``, the index clamped to the branches, as ``jax.lax.switch``."""
    k = min(max(_integer(index, "switch", "branch index"), 0), len(branches) - 1)
    return branches[k](*operands)


def fori_loop(lower: int, upper: int, body_fun: Callable, init_val: Any):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``."""
    val = init_val
    for i in range(_integer(lower, "fori_loop", "lower bound"), _integer(upper, "fori_loop", "upper bound")):
        val = body_fun(i, val)
    return val


def while_loop(cond_fun: Callable, body_fun: Callable, init_val: Any):
    """``val = body_fun(val)`` while ``cond_fun(val)`` (a boolean scalar, as JAX requires)."""
    val = init_val
    while True:
        c = _scalar(cond_fun(val), "while_loop", "value of cond_fun")
        if c.dtype != bool:
            raise TypeError(f"while_loop: cond_fun must return a boolean scalar, got {c.dtype}")
        if not c:
            return val
        val = body_fun(val)


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
    if not ys:  # no step: ys of the shapes one step would give, with a leading 0
        x = tree_unflatten(td, [np.zeros(shape_of(concrete(v))[1:], np.result_type(concrete(v)))
                                for v in leaves]) if leaves else None
        _, y = f(init, x)
        y_leaves, y_td = tree_flatten(y)
        return carry, tree_unflatten(y_td, [np.zeros((0,) + tuple(shape_of(concrete(v))),
                                                     np.result_type(concrete(v))) for v in y_leaves])
    y_leaves = [tree_flatten(y)[0] for y in ys]
    y_td = tree_flatten(ys[0])[1]
    stacked = [_ops.stack([yl[j] for yl in y_leaves]) for j in range(len(y_leaves[0]))]
    return carry, tree_unflatten(y_td, stacked)
