"""Taylor series of a function along a curve: ``jax.experimental.jet``'s ``jet``.

Given a curve through the inputs, ``x(t) = x₀ + x₁ t + x₂ t²/2! + … + x_K t^K/K!``,
:func:`jet` returns the first K derivatives of ``f(x(t))`` at ``t = 0``:

    f₀ = f(x₀),  f₁ = ∂f[x₁],  f₂ = ∂²f[x₁, x₁] + ∂f[x₂],  f₃ = ∂³f[x₁,x₁,x₁] + 3 ∂²f[x₁,x₂] + ∂f[x₃], …

(Faà di Bruno's formula). With ``x₂ = … = 0`` the k-th term is the k-th directional derivative
of ``f`` along ``x₁``: ``jet(f, (x,), ([v, 0, 0],))`` gives ``f'''(x)[v, v, v]`` as its third
term.

tensorgrad computes the terms by nesting :func:`tensorgrad.jvp` K times in the scalar ``t``
(each level carries the derivatives of the level inside it), so every registered op works
without a Taylor rule of its own. The cost grows as 2^K evaluations of ``f``; JAX's jet
propagates the series through each primitive instead (O(K²)). The values are the same.
"""
import math
from typing import Any, Callable, Sequence

import numpy as np

from .. import staging
from ..ops._util import as_array_like
from ..tensor import Tensor, concrete, dtype_of, shape_of, traced_level
from ..tree import tree_flatten, tree_unflatten
from ..transforms import jvp

__all__ = ["jet"]


def _leaf(v: Any, what: str) -> Any:
    leaves, td = tree_flatten(v)
    if len(leaves) != 1 or leaves[0] is not v:
        raise ValueError(f"jet: {what} must be an array, got a pytree {td}")
    return v


def jet(fun: Callable, primals: Sequence, series: Sequence, factorial_scaled: bool = True,
        **_) -> tuple:
    """``(fun(*primals), series_out)``: the Taylor series of ``fun`` along a curve through its
    inputs (``jax.experimental.jet.jet``'s signature).

    ``primals``: one array per positional argument of ``fun``. ``series``: for each of them a
    list of K arrays of its shape and dtype, the curve's derivatives ``x₁ … x_K`` at ``t = 0``.
    ``series_out`` has the structure of ``fun``'s output with each array replaced by the list
    of the K derivatives of ``fun(x(t))`` at ``t = 0``. With ``factorial_scaled=False`` the
    terms in and out are Taylor coefficients instead (``x(t) = x₀ + Σ x_k t^k``, out: the k-th
    derivative divided by k!). An integer or boolean output leaf has no series: it comes back
    as its value, with K terms of floating zeros, as JAX's. Any extra keyword (JAX's ``**_``)
    is ignored.
    """
    if not callable(fun):
        raise TypeError(f"jet: fun must be callable, got {type(fun).__name__}")
    if not isinstance(primals, (tuple, list)) or not isinstance(series, (tuple, list)):
        raise TypeError("jet: primals and series must be tuples or lists (one entry per "
                        f"argument of fun), got {type(primals).__name__} and {type(series).__name__}")
    if len(primals) != len(series):
        raise ValueError(f"jet: {len(primals)} primals but {len(series)} series; give one list of "
                         "terms per primal")
    if any(not isinstance(s, (tuple, list)) for s in series):
        raise TypeError("jet: each entry of series must be a tuple or list of terms")
    orders = {len(s) for s in series}
    if len(orders) > 1:
        raise ValueError(f"jet: every series must have the same number of terms, got lengths "
                         f"{[len(s) for s in series]}")
    order = orders.pop() if orders else 0
    xs, terms = [], []
    for i, (x, ts) in enumerate(zip(primals, series)):
        x = as_array_like(_leaf(x, f"primal {i}"))
        xshape, xdtype = tuple(shape_of(x)), np.dtype(dtype_of(x))
        row = []
        for j, t in enumerate(ts):
            t = as_array_like(_leaf(t, f"term {j} of argument {i}"))
            if tuple(shape_of(t)) != xshape:
                raise ValueError(f"jet: term {j} of argument {i} has shape {tuple(shape_of(t))}, "
                                 f"its primal {xshape}")
            if np.dtype(dtype_of(t)) != xdtype:
                raise TypeError(f"jet: term {j} of argument {i} has dtype {dtype_of(t)}, its primal "
                                f"{xdtype}")
            row.append(t)
        if order and xdtype.kind not in "fc":
            raise TypeError(f"jet: primal {i} has dtype {xdtype}; a curve through it needs a "
                            "floating-point (or complex) dtype")
        xs.append(x)
        terms.append(row)
    floats = [np.dtype(dtype_of(x)) for x in xs if np.dtype(dtype_of(x)).kind == "f"]
    tdt = np.result_type(*floats) if floats else np.dtype(np.float64)
    scale = [1.0 / math.factorial(k) if factorial_scaled else 1.0 for k in range(order + 1)]

    def curve(t):
        args = []
        for x, row in zip(xs, terms):
            v = x
            p = 1
            for k, c in enumerate(row, start=1):
                p = p * t
                v = v + c * (p * scale[k])
            args.append(v)
        return args

    structure = []
    integers: dict = {}  # position of an integer (or boolean) output leaf -> its value

    def derivatives(level: int, t) -> list:
        """[f, f', …, f⁽ˡᵉᵛᵉˡ⁾] at ``t``, each a list of output leaves."""
        if level == 0:
            leaves, td = tree_flatten(fun(*curve(t)))
            structure[:] = [td]
            for i, v in enumerate(leaves):  # (no series: set aside, a constant in its place)
                if np.dtype(dtype_of(v)).kind in "iub":
                    integers[i] = concrete(v)
                    leaves[i] = np.zeros(shape_of(v), tdt)
            return [leaves]
        out, tan = jvp(lambda s: derivatives(level - 1, s), (t,), (np.ones((), tdt),))
        return out + [tan[-1]]

    values = derivatives(order, np.zeros((), tdt))
    out_tree = structure[0]
    if not factorial_scaled:  # (0-d arrays stay arrays, as the scaled terms are)
        values = [values[0]] + [[_scaled(v, math.factorial(k)) for v in values[k]]
                                for k in range(1, order + 1)]
    primal = [_as_output(v) for v in values[0]]
    per_leaf = [[values[k][i] for k in range(1, order + 1)] for i in range(len(primal))]
    for i, v in integers.items():  # JAX's: the integer value, a series of float zeros
        primal[i] = _as_output(v)
        per_leaf[i] = [np.zeros(shape_of(v)) for _ in range(order)]
    return tree_unflatten(out_tree, primal), tree_unflatten(out_tree, per_leaf)


def _scaled(v, n: int):
    """``v / n``, an array for an array (NumPy turns a 0-d one into a scalar)."""
    return np.asarray(v / n) if isinstance(v, np.ndarray) else v / n


def _as_output(v):
    """An output leaf as the nested jvp gives it: a NumPy array for a constant tensor (an
    empty series never runs one), a traced value as it is."""
    if type(v) is Tensor and traced_level(v) < 0 and not staging.is_staged(concrete(v)):
        return np.asarray(concrete(v))
    return v
