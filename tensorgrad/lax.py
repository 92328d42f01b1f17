"""JAX's structured control flow, ``tg.lax.cond``, ``switch``, ``fori_loop``, ``while_loop``,
``scan``, ``map`` and ``associative_scan``, and ``jax.lax``'s ``select``/``select_n``, dynamic
slices (start indices clamped into range, as JAX does) and cumulative reductions, with
``jax.lax``'s signatures, so code written for JAX runs here.

tensorgrad runs Python eagerly, so each is the plain Python it stands for: one branch
taken, a loop run. Every transform differentiates through them as through any Python
code. Under ``tg.jit`` (a plan has no runtime branches) a loop with concrete bounds is
traced unrolled; a ``cond`` or ``switch`` whose predicate or index the plan traces runs every
branch and selects each call's result with ``where`` (as JAX does under ``vmap``: the
branches must return the same structure, shapes and dtypes); dynamic slices with traced
starts gather at positions the plan computes; a ``fori_loop`` bound or a ``while_loop``
condition that depends on a traced value raises ``ConcretizationError`` (use ``scan``, a
Python int or a static argument), as a Python ``if`` on it does.
"""
from __future__ import annotations

import builtins
import functools
import inspect
import types
from typing import Any, Callable, Sequence

import numpy as np

from . import ops as _ops
from .batching import _lifted, call_on_stand_ins, lift as _lift, probing as _probing, unlift as _unlift
from .ops.elementwise import _in_integer_dtype
from .staging import ConcretizationError, is_staged
from .tensor import concrete, dtype_of, shape_of
from .tree import numbers_as_arrays, tree_flatten, tree_unflatten
from .lax_assoc import associative_scan  # noqa: F401  (jax.lax.associative_scan)
from .lax_branches import MISSING as _MISSING, _checked_branch, _only_when, _run_taken, _select
from .lax_carry import _carry_type, _promote_weak, _same_carry, zero_trip_carry
from .lax_ops import _axis
from .lax_ops import (  # noqa: F401  (jax.lax's elementwise and structural primitives)
    RoundingMethod, abs, max, min, pow, round, slice, acos, acosh, add, asin, asinh, atan, atan2, atanh, bitwise_and, bitwise_not,
    bitwise_or, bitwise_xor, broadcast, broadcast_in_dim, broadcast_to_rank, broadcasted_iota,
    cbrt, ceil, clamp, clz, collapse, concatenate, convert_element_type, cos, cosh, digamma, div,
    eq, erf, erf_inv, erfc, exp, exp2, expand_dims, expm1, floor, full, full_like, ge, gt, igamma,
    igammac, index_in_dim, integer_pow, iota, is_finite, le, lgamma, log, log1p, logistic, lt,
    mul, ne, neg, nextafter, pad, polygamma, population_count, reciprocal, rem, reshape, rev,
    rsqrt, shift_left, shift_right_arithmetic, shift_right_logical, sign, sin, sinh, slice_in_dim,
    sqrt, square, squeeze, sub, tan, tanh, transpose, zeta)
from .lax_ops2 import (  # noqa: F401  (reductions, contractions, sorting)
    ConvGeneralDilatedDimensionNumbers, DotDimensionNumbers, Precision,
    argmax, argmin, batch_matmul, conv_general_dilated, dot, dot_general, reduce, reduce_and,
    reduce_max, reduce_min, reduce_or, reduce_prod, reduce_sum, reduce_window, reduce_xor, sort,
    sort_key_val, top_k)
from .lax_ops3 import (  # noqa: F401  (convolution wrappers, structure, implicit solvers)
    betainc, bessel_i0e, bessel_i1e, conv, conv_transpose, conv_with_general_padding,
    custom_linear_solve, custom_root, empty, index_take, optimization_barrier, reduce_precision,
    split, stack, tile, unstack, conv_general_dilated_patches, approx_max_k, approx_min_k,
    platform_dependent, igamma_grad_a, bitcast_convert_type)
from .lax_gather import (  # noqa: F401  (XLA's general gather and scatter)
    GatherDimensionNumbers, GatherScatterMode, ScatterDimensionNumbers, gather, scatter,
    scatter_add, scatter_apply, scatter_max, scatter_min, scatter_mul, scatter_sub)
from .collectives import (  # noqa: F401  (collectives over a named vmap/pmap axis)
    all_gather, all_to_all, axis_index, axis_size, pmax, pmean, pmin, ppermute, pshuffle, psum,
    psum_scatter, pswapaxes)
from .ops.complex_ops import (  # noqa: F401  (jax.lax.complex, real, imag, conj)
    imag_part as imag, lax_conj as conj, make_complex as complex, real_part as real)
from .fft import FftType, lax_fft as fft  # noqa: F401  (jax.lax.fft)
from . import lax_linalg as linalg  # noqa: F401  (jax.lax.linalg)
from .lax_shapes import (  # noqa: F401  (shape helpers)
    ConvDimensionNumbers, broadcast_shapes, conv_dimension_numbers, conv_general_shape_tuple,
    conv_shape_tuple, conv_transpose_shape_tuple, padtype_to_pads, reduce_window_shape_tuple)

__all__ = ["cond", "switch", "fori_loop", "while_loop", "scan", "stop_gradient", "map",
           "associative_scan", "select", "select_n", "dynamic_slice", "dynamic_slice_in_dim",
           "dynamic_index_in_dim", "dynamic_update_slice", "dynamic_update_slice_in_dim",
           "dynamic_update_index_in_dim", "cumsum", "cumprod", "cummax", "cummin",
           "cumlogsumexp"]
__all__ += ["abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil",
            "cos", "cosh", "digamma", "div", "erf", "erfc", "erf_inv", "exp", "exp2", "expm1",
            "floor", "integer_pow", "is_finite", "lgamma", "log", "log1p", "logistic", "max",
            "min", "mul", "neg", "nextafter", "pow", "reciprocal", "rem", "round",
            "RoundingMethod", "rsqrt", "sign", "sin", "sinh", "sqrt", "square", "sub", "tan",
            "tanh", "polygamma", "igamma", "igammac", "zeta", "eq", "ne", "lt", "le", "gt",
            "ge", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "shift_left",
            "shift_right_logical", "shift_right_arithmetic", "population_count", "clz",
            "broadcast", "broadcast_in_dim", "broadcast_to_rank", "concatenate", "pad", "rev",
            "transpose", "reshape", "squeeze", "expand_dims", "slice", "slice_in_dim",
            "index_in_dim", "full", "full_like", "iota", "broadcasted_iota", "collapse",
            "convert_element_type", "clamp", "reduce_sum", "reduce_max", "reduce_min",
            "reduce_prod", "reduce_and", "reduce_or", "reduce_xor", "argmax", "argmin",
            "reduce", "dot", "dot_general", "batch_matmul", "top_k", "sort", "sort_key_val",
            "reduce_window", "conv_general_dilated", "Precision", "DotDimensionNumbers",
            "ConvGeneralDilatedDimensionNumbers"]
__all__ += ["conv", "conv_with_general_padding", "conv_transpose", "split", "tile", "stack",
            "unstack", "index_take", "empty", "optimization_barrier", "reduce_precision",
            "betainc", "bessel_i0e", "bessel_i1e", "custom_linear_solve", "custom_root"]
__all__ += ["conv_general_dilated_patches", "approx_max_k", "approx_min_k", "platform_dependent",
            "igamma_grad_a", "bitcast_convert_type"]
__all__ += ["complex", "real", "imag", "conj", "fft", "FftType", "linalg"]
__all__ += ["psum", "pmean", "pmax", "pmin", "all_gather", "ppermute", "axis_index", "axis_size",
            "psum_scatter", "all_to_all", "pshuffle", "pswapaxes"]
__all__ += ["GatherDimensionNumbers", "ScatterDimensionNumbers", "GatherScatterMode", "gather",
            "scatter", "scatter_add", "scatter_sub", "scatter_mul", "scatter_min", "scatter_max",
            "scatter_apply", "ConvDimensionNumbers", "conv_dimension_numbers",
            "conv_general_shape_tuple", "conv_shape_tuple", "conv_transpose_shape_tuple",
            "reduce_window_shape_tuple", "padtype_to_pads", "broadcast_shapes"]

stop_gradient = _ops.stop_gradient
_PY_COMPLEX = builtins.complex  # (this module's ``complex`` is jax.lax.complex)


def _scalar(value, name: str, what: str) -> np.ndarray:
    """The concrete 0-d value deciding which code runs (a traced value is read at this point:
    it carries no derivative; under ``tg.jit`` reading it raises ConcretizationError)."""
    if is_staged(concrete(value)):
        raise ConcretizationError(
            f"{name}: the {what} is traced by tg.jit, and a jitted plan is straight-line code: "
            "the number of steps must be known when it is traced. Pass it as a Python int or "
            "a static argument (static_argnums), or write the loop with lax.scan")
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


def _loop_range(lower, upper):
    """fori_loop's counter values: a range for integer bounds; for float bounds of one
    dtype, which JAX accepts, JAX's count: the bounds truncated to integers, the counter
    in the bounds' dtype."""
    lo, hi = _scalar(lower, "fori_loop", "lower bound"), _scalar(upper, "fori_loop", "upper bound")
    if lo.dtype.kind != "f" and hi.dtype.kind != "f":
        return range(_integer(lower, "fori_loop", "lower bound"), _integer(upper, "fori_loop", "upper bound"))
    if lo.dtype != hi.dtype:
        raise TypeError(f"fori_loop: the lower and upper bounds must have one type (as JAX "
                        f"requires), got {lo.dtype} and {hi.dtype}")
    return [lo.dtype.type(i) for i in range(int(lo), int(hi))]




def _given(operands: tuple, operand, name: str) -> tuple:
    """The operands, from JAX's older single ``operand=`` too."""
    if operand is _MISSING:
        return operands
    if operands:
        raise TypeError(f"{name}: give the operands positionally or as operand=, not both")
    return (operand,)


def cond(pred, true_fun: Callable, false_fun: Callable, *operands, operand=_MISSING):
    """``true_fun(*operands)`` if ``pred`` is true (nonzero) else ``false_fun(*operands)``
    (``operand=`` is JAX's older single-operand form)."""
    operands = _given(operands, operand, "cond")
    if is_staged(concrete(pred)):  # under tg.jit: both branches run, the predicate selects
        p = concrete(pred)
        if p.shape != () or p.dtype.kind not in "biuf":
            raise TypeError(f"cond: the predicate must be a boolean or numeric scalar, got "
                            f"shape {p.shape} and dtype {p.dtype}")
        taken = _run_taken([false_fun, true_fun], p != 0, operands)
        if taken is not _MISSING:
            return taken
        with np.errstate(all="ignore"):  # (the branch not taken may divide by 0: it is dropped)
            outs = [f(*_only_when(operands, t)) for f, t in ((false_fun, p == 0), (true_fun, p != 0))]
        return _select(outs, [None, p != 0], "cond")
    v = _scalar(pred, "cond", "predicate")
    if v.dtype.kind not in "biuf":
        raise TypeError(f"cond: the predicate must be a boolean or a number, got {v.dtype}")
    k = int(bool(v != 0))
    return numbers_as_arrays(_checked_branch("cond", [false_fun, true_fun], k, operands, ("false_fun", "true_fun")))


def switch(index, branches: Sequence[Callable], *operands, operand=_MISSING):
    """``branches[index](*operands)``, the index clamped to the branches, as ``jax.lax.switch``
    (``operand=`` is JAX's older single-operand form)."""
    operands = _given(operands, operand, "switch")
    if not branches:
        raise ValueError("switch: give at least one branch (an empty branch sequence)")
    if is_staged(concrete(index)):  # under tg.jit: every branch runs, the index selects
        i = concrete(index)
        if i.shape != () or i.dtype.kind not in "iu":
            raise TypeError(f"switch: the branch index must be an integer scalar, got shape "
                            f"{i.shape} and dtype {i.dtype}")
        k = np.clip(i, 0, len(branches) - 1)
        taken = _run_taken(list(branches), k, operands)
        if taken is not _MISSING:
            return taken
        picks = [k == j for j in range(len(branches))]
        with np.errstate(all="ignore"):  # (as cond's)
            outs = [b(*_only_when(operands, t)) for b, t in zip(branches, picks)]
        return _select(outs, [None] + picks[1:], "switch")
    k = builtins.min(builtins.max(_integer(index, "switch", "branch index"), 0), len(branches) - 1)
    return numbers_as_arrays(_checked_branch("switch", list(branches), k, operands))


def fori_loop(lower: int, upper: int, body_fun: Callable, init_val: Any, *, unroll=None):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``; the carry keeps its type,
    as JAX requires (``unroll``, JAX's compilation hint, is accepted and changes nothing)."""
    val, back = _lift(init_val)
    want = _carry_type(init_val)
    counters = _loop_range(lower, upper)
    if not len(counters):
        first = _scalar(lower, "fori_loop", "lower bound")
        val = zero_trip_carry("fori_loop", val, lambda: body_fun(first.dtype.type(first), val))
    for i in counters:
        val = body_fun(i, val)
        _same_carry("fori_loop", want, val)
    return numbers_as_arrays(_unlift(val, back), init_val)


def while_loop(cond_fun: Callable, body_fun: Callable, init_val: Any):
    """``val = body_fun(val)`` while ``cond_fun(val)`` (a boolean scalar, as JAX requires); the
    carry keeps its type. Unlike JAX's, it is differentiable in reverse mode too (``tg.grad``
    through it is the gradient of the iterations that ran): the loop runs in Python, and the
    tape records each step."""
    val, back = _lift(init_val)
    want = _carry_type(init_val)
    if _probing():  # only the output's type is wanted: the carry's (see batching.probing)
        return _unlift(val, back)
    ran = False
    while True:
        c = _scalar(cond_fun(val), "while_loop", "value of cond_fun")
        if c.dtype != bool:
            raise TypeError(f"while_loop: cond_fun must return a boolean scalar, got {c.dtype}")
        if not c:
            if not ran:
                val = zero_trip_carry("while_loop", val, lambda: body_fun(val))
            return numbers_as_arrays(_unlift(val, back), init_val)
        val = body_fun(val)
        ran = True
        _same_carry("while_loop", want, val)


def scan(f: Callable, init: Any, xs: Any = None, length: int | None = None, reverse: bool = False,
         unroll: int = 1):
    """``jax.lax.scan``: ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns the
    final carry and the ``y`` stacked along a new leading axis."""
    leaves, td = tree_flatten(xs)
    if any(not shape_of(concrete(v)) for v in leaves):
        raise ValueError("scan: xs holds a 0-d value, which has no leading axis to scan over "
                         "(as JAX requires, every leaf of xs has one)")
    sizes = {shape_of(concrete(v))[0] for v in leaves}
    if len(sizes) > 1:
        raise ValueError(f"scan: the leaves of xs have different leading sizes {sorted(sizes)}")
    if length is not None:  # an integral number (2.0 too, as JAX), not negative
        if isinstance(length, bool) or not float(length).is_integer() or length < 0:
            raise ValueError(f"scan: length must be a non-negative integer, got {length!r}")
        length = int(length)
    if length is not None and sizes and sizes != {length}:
        raise ValueError(f"scan: length={length} but xs has leading size {sizes.pop()}")
    n = sizes.pop() if sizes else length
    if n is None:
        raise ValueError("scan: give xs or length")
    (carry, _), back = _lift((init, leaves))  # (xs leaves: only to see if any is a Tensor)
    ys = []
    want = _carry_type(init)
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        x = tree_unflatten(td, [_lifted(v[i]) for v in leaves]) if leaves else None
        out = f(carry, x)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError("scan: the body function must return a pair (carry, y)")
        _same_carry("scan", want, out[0])
        if not ys:
            promoted = _promote_weak(init, out[0])
            if promoted is not None:  # the first step again, from the carry's settled type
                carry = _lift(promoted)[0]
                out = f(carry, x)
                _same_carry("scan", want, out[0])
        carry, y = out
        ys.append(y)
    carry = _unlift(carry, back)
    if reverse:
        ys.reverse()
    if not ys:  # no step: ys of the shapes one step would give, with a leading 0
        specs = [(shape_of(concrete(v))[1:], np.result_type(concrete(v))) for v in leaves]
        def step(c):
            return call_on_stand_ins(lambda xs_: f(c, tree_unflatten(td, xs_) if leaves else None),
                                     specs, "scan")
        c_out, y = step(init)
        _same_carry("scan", want, c_out)  # (JAX traces the body: its carry type is checked)
        promoted = _promote_weak(init, c_out)
        if promoted is not None:  # a weak carry takes the body's dtype, and so do the ys
            carry, (_, y) = promoted, step(promoted)
        y_leaves, y_td = tree_flatten(y)
        return carry, tree_unflatten(y_td, [np.zeros((0,) + tuple(shape_of(concrete(v))),
                                                     np.result_type(concrete(v))) for v in y_leaves])
    y_leaves = [tree_flatten(y)[0] for y in ys]
    y_td = tree_flatten(ys[0])[1]
    stacked = [_ops.stack([yl[j] for yl in y_leaves]) for j in range(len(y_leaves[0]))]
    return numbers_as_arrays(carry, init), _unlift(tree_unflatten(y_td, stacked), back)


def map(f: Callable, xs: Any, *, batch_size: int | None = None):  # noqa: A001
    """``f`` over the leading axis of ``xs`` (a pytree), outputs stacked (``jax.lax.map``;
    ``batch_size`` only groups the calls in JAX: the results are the same)."""
    return scan(lambda c, x: (c, f(x)), None, xs)[1]


def _sequential_scan(fn: Callable, elems: Any, reverse: bool = False, axis: int = 0):
    """The prefix combination along ``axis`` evaluated in order, ``fn`` called on one slice at
    a time (the cumulative reductions' elementwise steps, whose tie-breaking subgradients
    follow that order)."""
    leaves, td = tree_flatten(elems)
    bad = [tuple(shape_of(concrete(v))) for v in leaves if not -len(shape_of(concrete(v))) <= axis
           < len(shape_of(concrete(v)))]
    if bad:
        raise ValueError(f"associative_scan: axis {axis} is out of bounds for shape {bad[0]}")
    n = {shape_of(concrete(v))[axis] for v in leaves}
    if len(n) != 1:
        raise ValueError(f"associative_scan: the leaves have different sizes {sorted(n)} along axis {axis}")
    n = n.pop()
    at = [[_ops.take(v, k, axis=axis) for v in leaves] for k in range(n)]
    order = range(n - 1, -1, -1) if reverse else range(n)
    acc, outs = None, {}
    for k in order:
        acc = at[k] if acc is None else tree_flatten(
            fn(tree_unflatten(td, acc), tree_unflatten(td, at[k])))[0]
        outs[k] = acc
    if n == 0:
        return elems
    return tree_unflatten(td, [_ops.stack([outs[k][j] for k in range(n)], axis=axis)
                               for j in range(len(leaves))])


def select(pred, on_true, on_false):
    """``on_true`` where ``pred``, else ``on_false`` (``jax.lax.select``: ``on_true`` and
    ``on_false`` of one shape, ``pred`` scalar or of that shape)."""
    shape = tuple(shape_of(concrete(on_true)))
    shapes = {tuple(shape_of(concrete(v))) for v in (on_true, on_false)} | (
        {tuple(shape_of(concrete(pred)))} - {()})
    if len(shapes) != 1:
        raise ValueError(f"select: on_true and on_false must have one shape, and pred that shape or "
                         f"none (a scalar), got {tuple(shape_of(concrete(pred)))}, {shape} and "
                         f"{tuple(shape_of(concrete(on_false)))}")
    _check_select("select", pred, (on_false, on_true))
    return _ops.where(pred, on_true, on_false)


def _check_select(name: str, which, cases) -> None:
    """jax.lax.select_n's rule: the cases share one shape and dtype; ``which`` is a boolean
    (at most two cases) or an integer, scalar or of the cases' shape."""
    shapes = [tuple(shape_of(concrete(c))) for c in cases]
    if len(set(shapes)) != 1:
        raise TypeError(f"{name}: the cases must have the same shapes, got {shapes}")
    dtypes = {np.dtype(dtype_of(concrete(c))) for c in cases if not isinstance(c, (bool, int, float, _PY_COMPLEX))}
    if len(dtypes) > 1:
        raise TypeError(f"{name}: the cases must have the same dtypes, got {sorted(str(d) for d in dtypes)}")
    wshape, wdt = tuple(shape_of(concrete(which))), np.dtype(dtype_of(concrete(which)))
    if wshape not in ((), shapes[0]):
        raise TypeError(f"{name}: `which` must be scalar or have the same shape as the cases, got "
                        f"`which` shape {wshape} but case shape {shapes[0]}")
    if wdt.kind not in "biu":
        raise TypeError(f"{name}: `which` must be boolean or integer type, got {wdt}")
    if wdt == bool and len(cases) > 2:
        raise TypeError(f"{name}: a boolean `which` cannot have more than 2 cases, got {len(cases)}")


def select_n(which, *cases):
    """``cases[which]`` entry by entry (``which`` boolean: 0/1; or integers into ``cases``;
    under ``tg.jit`` it may be traced)."""
    if not cases:
        raise ValueError("select_n: give at least one case")
    _check_select("select_n", which, cases)
    if np.dtype(dtype_of(concrete(which))) == bool:
        return _ops.where(which, cases[1], cases[0]) if len(cases) > 1 else cases[0]
    w = which
    out = cases[-1]
    for k in range(len(cases) - 2, -1, -1):
        out = _ops.where(w == k, cases[k], out)
    return out


def _negatives(allow, n: int, name: str) -> list:
    """``allow_negative_indices`` (a bool, or one per axis) as a list of n bools."""
    if isinstance(allow, (bool, np.bool_)):
        return [bool(allow)] * n
    allow = [bool(a) for a in allow]
    if len(allow) != n:
        raise ValueError(f"{name}: allow_negative_indices has {len(allow)} entries for {n} axes")
    return allow


def _starts(operand, start_indices, sizes, name: str, allow_negative=True) -> tuple:
    """The start of each axis (a negative one counted from the end where
    ``allow_negative_indices`` says so), clamped so that the slice fits (JAX's rule)."""
    shape = tuple(shape_of(concrete(operand)))
    starts = [int(np.asarray(concrete(i))) for i in start_indices]
    if len(starts) != len(shape) or len(sizes) != len(shape):
        raise ValueError(f"{name}: {len(starts)} start indices and {len(sizes)} sizes for an "
                         f"operand of shape {shape}")
    if any(z > d or z < 0 for z, d in zip(sizes, shape)):
        raise ValueError(f"{name}: slice sizes {tuple(sizes)} do not fit the operand's shape {shape}")
    wrap = _negatives(allow_negative, len(shape), name)
    for k, (b, w) in enumerate(zip(starts, wrap)):
        if b < 0 and not w:  # (JAX raises for a known one; a traced one is clamped)
            raise ValueError(f"{name}: start index {b} is out of bounds for axis {k} of size "
                             f"{shape[k]} with allow_negative_indices=False")
    starts = [b + d if b < 0 else b for b, d in zip(starts, shape)]
    lo = [builtins.min(builtins.max(b, 0), d - z)  # (the builtins: this module has lax's)
          for b, z, d in zip(starts, sizes, shape)]
    return tuple(builtins.slice(b, b + z) for b, z in zip(lo, sizes))


def _traced_starts(operand, start_indices, sizes, name: str, allow_negative=True) -> list:
    """The clamped starts as :func:`_starts` computes them, for starts that ``tg.jit`` traces:
    computed in the plan, so each call slices where its own indices say."""
    shape = tuple(shape_of(concrete(operand)))
    if len(start_indices) != len(shape) or len(sizes) != len(shape):
        raise ValueError(f"{name}: {len(start_indices)} start indices and {len(sizes)} sizes for "
                         f"an operand of shape {shape}")
    if any(z > d or z < 0 for z, d in zip(sizes, shape)):
        raise ValueError(f"{name}: slice sizes {tuple(sizes)} do not fit the operand's shape {shape}")
    starts = []
    wrap = _negatives(allow_negative, len(shape), name)
    for b, z, d, w in zip(start_indices, sizes, shape, wrap):
        b = _ops._util.wide_index(concrete(b))
        starts.append(np.clip(np.where(b < 0, b + d, b) if w else b, 0, d - z))
    return starts


def _integer_starts(start_indices, name: str) -> None:
    """JAX's rule: start indices are integers (a float or bool one raises, never truncated)."""
    kinds = [np.dtype(dtype_of(concrete(i))) for i in start_indices]
    if any(k.kind not in "iu" for k in kinds):
        raise TypeError(f"{name}: index arguments must be integers, got {[str(k) for k in kinds]}")


def _any_traced(values) -> bool:
    return builtins.any(is_staged(concrete(v)) for v in values)


def dynamic_slice(operand, start_indices: Sequence, slice_sizes: Sequence[int], *,
                  allow_negative_indices=True):
    """``operand[start : start + size]`` on every axis, starts clamped into range (under
    ``tg.jit`` the starts may be traced: a gather at the positions each call computes). A
    negative start counts from the end, unless ``allow_negative_indices=False`` (or False for
    that axis): then it is clamped to 0, as in JAX."""
    sizes = tuple(slice_sizes)
    _integer_starts(start_indices, "dynamic_slice")
    if _any_traced(start_indices):
        out = operand
        for axis, (b, z) in enumerate(zip(_traced_starts(operand, start_indices, sizes,
                                                         "dynamic_slice",
                                                         allow_negative_indices), sizes)):
            out = _ops.take(out, b + np.arange(z), axis=axis)
        return out
    return _ops.getitem(operand, _starts(operand, start_indices, sizes, "dynamic_slice",
                                         allow_negative_indices))


def dynamic_update_slice(operand, update, start_indices: Sequence, *,
                         allow_negative_indices=True):
    """``operand`` with ``update`` written from ``start_indices`` (clamped into range; under
    ``tg.jit`` the starts may be traced: a select between the operand and the update
    gathered into place). ``allow_negative_indices`` as in :func:`dynamic_slice`."""
    sizes = tuple(shape_of(concrete(update)))
    _integer_starts(start_indices, "dynamic_update_slice")
    if not isinstance(update, (bool, int, float, _PY_COMPLEX)) and \
            np.dtype(dtype_of(concrete(update))) != np.dtype(dtype_of(concrete(operand))):
        raise TypeError(f"dynamic_update_slice: the update's dtype {dtype_of(concrete(update))} differs "
                        f"from the operand's {dtype_of(concrete(operand))}; they must be equal, as in JAX")
    if _any_traced(start_indices):
        starts = _traced_starts(operand, start_indices, sizes, "dynamic_update_slice",
                                allow_negative_indices)
        if 0 in sizes:
            return operand
        shape = tuple(shape_of(concrete(operand)))
        placed, inside = update, None
        for axis, (b, z, d) in enumerate(zip(starts, sizes, shape)):
            p = np.arange(d)
            placed = _ops.take(placed, np.clip(p - b, 0, z - 1), axis=axis)
            m = np.reshape((p >= b) & (p < b + z), [d if k == axis else 1 for k in range(len(shape))])
            inside = m if inside is None else inside & m
        if dtype_of(concrete(placed)) != dtype_of(concrete(operand)):
            placed = _ops.astype(placed, dtype_of(concrete(operand)))
        return _ops.where(inside, placed, operand)
    idx = _starts(operand, start_indices, sizes, "dynamic_update_slice", allow_negative_indices)
    return _ops.at(operand)[idx].set(update)


def _in_dim(operand, index, axis: int, fn: str = "dynamic_slice_in_dim"):
    nd = len(shape_of(concrete(operand)))
    axis = _axis(axis, nd, fn)  # (an int in range, as JAX checks it)
    starts = [0] * nd
    starts[axis] = index
    return starts, axis


def dynamic_slice_in_dim(operand, start_index, slice_size: int = 1, axis: int = 0, *,
                         allow_negative_indices: bool = True):
    starts, axis = _in_dim(operand, start_index, axis)
    sizes = list(shape_of(concrete(operand)))
    sizes[axis] = slice_size
    return dynamic_slice(operand, starts, sizes, allow_negative_indices=allow_negative_indices)


def dynamic_index_in_dim(operand, index, axis: int = 0, keepdims: bool = True, *,
                         allow_negative_indices: bool = True):
    out = dynamic_slice_in_dim(operand, index, 1, axis,
                               allow_negative_indices=allow_negative_indices)
    return out if keepdims else _ops.squeeze(out, axis=axis % len(shape_of(concrete(operand))))


def dynamic_update_slice_in_dim(operand, update, start_index, axis: int, *,
                                allow_negative_indices: bool = True):
    starts, _ = _in_dim(operand, start_index, axis, "dynamic_update_slice_in_dim")
    return dynamic_update_slice(operand, update, starts,
                                allow_negative_indices=allow_negative_indices)


def dynamic_update_index_in_dim(operand, update, index, axis: int, *,
                                allow_negative_indices: bool = True):
    nd = len(shape_of(concrete(operand)))
    if len(shape_of(concrete(update))) == nd - 1:
        update = _ops.expand_dims(update, axis % nd)
    return dynamic_update_slice_in_dim(operand, update, index, axis,
                                       allow_negative_indices=allow_negative_indices)


def _numeric(operand, name: str):
    """JAX's cumulative reductions take numbers only (a boolean operand raises, as in JAX)."""
    if np.dtype(dtype_of(concrete(operand))) == bool:
        raise TypeError(f"{name} does not accept dtype bool. Accepted dtypes are subtypes of number.")


def _cumulative(step: Callable, operand, axis: int, reverse: bool, name: str):
    _axis_of(operand, axis, name)
    return _sequential_scan(step, operand, reverse=reverse, axis=axis)


def _axis_of(operand, axis: int, name: str) -> None:
    """Refuse a non-numeric operand, and an axis it does not have (a 0-d one has none)."""
    _numeric(operand, name)
    nd = len(shape_of(concrete(operand)))
    if not -nd <= axis < nd:
        raise ValueError(f"{name}: axis {axis} is out of bounds for an operand of shape "
                         f"{tuple(shape_of(concrete(operand)))}")


def _keep_dtype(out, operand):
    """An integer running sum or product back in the operand's dtype, wrapping modulo 2ⁿ as
    JAX's (NumPy accumulates small integers in 64 bits, which gives the same low bits)."""
    return _in_integer_dtype(out, dtype_of(concrete(operand)))


def cumsum(operand, axis: int = 0, reverse: bool = False):
    """The running sum along ``axis`` (from the end if ``reverse``; integers keep their dtype
    and wrap, as JAX)."""
    _axis_of(operand, axis, "cumsum")
    out = _ops.flip(_ops.cumsum(_ops.flip(operand, axis), axis), axis) if reverse \
        else _ops.cumsum(operand, axis)
    return _keep_dtype(out, operand)


def cumprod(operand, axis: int = 0, reverse: bool = False):
    """The running product along ``axis`` (exact gradients at zeros, as ``tg.cumprod``;
    integers keep their dtype and wrap, as JAX)."""
    _axis_of(operand, axis, "cumprod")
    out = _ops.flip(_ops.cumprod(_ops.flip(operand, axis), axis), axis) if reverse \
        else _ops.cumprod(operand, axis)
    return _keep_dtype(out, operand)


def cummax(operand, axis: int = 0, reverse: bool = False):
    """The running maximum along ``axis`` (ties share the gradient, as ``tg.maximum``)."""
    return _cumulative(_ops.maximum, operand, axis, reverse, "cummax")


def cummin(operand, axis: int = 0, reverse: bool = False):
    """The running minimum along ``axis``."""
    return _cumulative(_ops.minimum, operand, axis, reverse, "cummin")


def cumlogsumexp(operand, axis: int = 0, reverse: bool = False):
    """log Σ exp over the prefix along ``axis``: running ``logaddexp`` (stable for any range)."""
    return _cumulative(_ops.logaddexp, operand, axis, reverse, "cumlogsumexp")


# ---- the dtypes each elementwise primitive accepts (JAX's TypeError for the others) -----------
_KIND_NAMES = {"b": "bool", "i": "signed integer", "u": "unsigned integer", "f": "floating",
               "c": "complex floating"}
_INEXACT = dict.fromkeys(
    ("acos acosh asin asinh atan atanh cos cosh exp exp2 expm1 log log1p logistic reciprocal "
     "rsqrt sin sinh sqrt tan tanh conj").split(), "fc")
#: name -> (the kinds its operands may have, how many leading operands are checked)
_ACCEPTS = {**{n: (k, 1) for n, k in _INEXACT.items()},
            **{n: ("f", 1) for n in "cbrt ceil floor lgamma digamma erf erfc erf_inv is_finite "
                                   "round".split()},
            "abs": ("ifc", 1), "square": ("iufc", 1), "real": ("c", 1), "imag": ("c", 1),
            "pow": ("fc", 1), "atan2": ("fc", 2), "complex": ("f", 2),
            **{n: ("iufc", 2) for n in ("add", "sub", "mul", "div", "rem")},
            **{n: ("biuf", 2) for n in ("lt", "le", "gt", "ge")},
            **{n: ("f", 2) for n in ("igamma", "igammac", "igamma_grad_a", "zeta", "polygamma")}}


def _dtype_checked(fn: Callable, name: str, kinds: str, count: int) -> Callable:
    """``fn`` refusing operands of a dtype JAX's primitive refuses, with JAX's TypeError
    (``lax.sin`` of integers: tensorgrad's own ``tg.sin`` promotes them)."""
    names = list(inspect.signature(fn).parameters)[:count]  # (operands given by name too)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        for a in (*args[:count], *(kwargs[n] for n in names[len(args):] if n in kwargs)):
            dt = np.result_type(dtype_of(concrete(a)))
            if dt.kind not in kinds:
                raise TypeError(f"lax.{name} does not accept dtype {dt}; accepted dtypes are "
                                f"{', '.join(_KIND_NAMES[k] for k in kinds)} (tg.{name} and the "
                                "tg.numpy-style functions promote)")
        return fn(*args, **kwargs)
    call.__wrapped__ = getattr(fn, "__wrapped__", fn)  # (lax_ops' own function, as for the rest)
    return call


# ---- JAX's value semantics for NumPy inputs ----------------------------------------------------
#: functions whose operands are pytrees (the rest take arrays at the top level)
_TREE_OPERANDS = frozenset(("cond", "switch", "fori_loop", "while_loop", "scan", "map",
                            "associative_scan", "custom_root", "custom_linear_solve",
                            "optimization_barrier"))


def _not_aliasing(fn: Callable, tree: bool) -> Callable:
    """``fn`` whose results never alias a NumPy array among its inputs: JAX's results are new
    arrays, so ``v = lax.reshape(c, (3,)); v += 1`` must leave ``c`` alone (NumPy's reshape,
    slice, transpose, ``cond`` with an identity branch, ... would hand back ``c``'s memory).
    An aliasing result is copied; values a transform traces are never arrays of the caller's."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        out = fn(*args, **kwargs)
        if tree:
            ins = [a for a in tree_flatten((args, kwargs))[0] if type(a) is np.ndarray]
        else:
            ins = [a for a in (*args, *kwargs.values()) if type(a) is np.ndarray]
        if not ins:
            return out
        if type(out) is np.ndarray:
            return _unaliased(out, ins)
        leaves, td = tree_flatten(out)
        fresh = [_unaliased(v, ins) for v in leaves]
        return out if all(f is v for f, v in zip(fresh, leaves)) else tree_unflatten(td, fresh)
    return call


def _unaliased(v, ins: list):
    """``v``, or a copy of it when it is an array sharing memory with one of ``ins``."""
    if type(v) is np.ndarray and any(np.may_share_memory(v, a) for a in ins):
        return v.copy()
    return v


for _name in __all__:
    _fn = globals()[_name]
    if isinstance(_fn, types.FunctionType):
        _fn = _not_aliasing(_fn, _name in _TREE_OPERANDS)
        if _name in _ACCEPTS:
            _fn = _dtype_checked(_fn, _name, *_ACCEPTS[_name])
        globals()[_name] = _fn
        _fn.__module__, _fn.__qualname__ = __name__, _name  # (pickled as tensorgrad.lax.<name>)
del _name, _fn
