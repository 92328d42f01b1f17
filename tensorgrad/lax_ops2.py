"""``jax.lax``'s reductions, contractions and sorting, with ``jax.lax``'s names and signatures,
composed from tensorgrad's ops (so every transform goes through them)."""
from __future__ import annotations

import builtins
import enum
import string
import sys
from typing import Callable, Sequence

import numpy as np

from . import lax_ops as _lo
from . import ops as _ops
from .ops._util import index_param
from .tensor import concrete

__all__ = ["reduce_sum", "reduce_max", "reduce_min", "reduce_prod", "reduce_and", "reduce_or",
           "reduce_xor", "argmax", "argmin", "reduce", "dot", "dot_general", "batch_matmul",
           "top_k", "sort", "sort_key_val", "reduce_window", "conv_general_dilated"]


_shape, _dtype = _lo._shape, _lo._dtype


def _axes(operand, axes, name: str) -> tuple:
    nd = len(_shape(operand))
    try:
        axes = tuple(int(a) for a in axes)
    except TypeError:
        raise TypeError(f"lax.{name}: axes must be a sequence of integers, got {axes!r}") from None
    if any(not 0 <= a < nd for a in axes) or len(set(axes)) != len(axes):
        raise ValueError(f"lax.{name}: axes {axes} are not distinct axes of shape {_shape(operand)}")
    return axes


def _identity(kind: str, dt: np.dtype) -> np.ndarray:
    """The identity of the monoid ``kind`` in dtype ``dt`` (±inf or the integer bounds for
    max/min, all bits set for and), as JAX."""
    if kind in ("add", "or", "xor"):
        return np.zeros((), dt)
    if kind == "mul":
        return np.ones((), dt)
    if kind == "and":
        return np.array(True) if dt == bool else np.array(-1).astype(dt)
    if dt == bool:
        return np.array(kind == "min")
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return np.array(info.min if kind == "max" else info.max, dt)
    return np.array(-np.inf if kind == "max" else np.inf, dt)


def _empty(kind: str, operand, axes: tuple):
    """The reduction of ``operand`` over ``axes`` when one of them is empty: the identity."""
    if not builtins.any(_shape(operand)[a] == 0 for a in axes):
        return None
    return _ops.broadcast_to(_identity(kind, _dtype(operand)),
                             tuple(n for i, n in enumerate(_shape(operand)) if i not in axes))


def _wrap(out, operand):
    """An integer sum or product back in the operand's dtype: JAX's wrap modulo 2ⁿ (NumPy
    accumulates in 64 bits, which gives the same bits)."""
    dt = _dtype(operand)
    return _ops.astype(out, dt) if dt.kind in "iu" and _dtype(out) != dt else out


def _fold(fn: Callable, operand, axes: tuple, kind: str):
    """``fn`` folded over ``axes`` one slice at a time (for the bitwise monoids)."""
    empty = _empty(kind, operand, axes)
    if empty is not None:
        return empty
    out = operand
    for a in sorted(axes, reverse=True):
        parts = _ops.unstack(out, axis=a)
        acc = parts[0]
        for p in parts[1:]:
            acc = fn(acc, p)
        out = acc
    return out


def reduce_sum(operand, axes: Sequence[int]):
    """``jax.lax.reduce_sum``: the sum over ``axes`` (integers keep their dtype and wrap)."""
    return _wrap(_ops.sum(operand, axis=_axes(operand, axes, "reduce_sum")), operand)


def reduce_prod(operand, axes: Sequence[int]):
    """``jax.lax.reduce_prod``: the product over ``axes`` (integers keep their dtype and wrap)."""
    return _wrap(_ops.prod(operand, axis=_axes(operand, axes, "reduce_prod")), operand)


def reduce_max(operand, axes: Sequence[int]):
    """``jax.lax.reduce_max``: the maximum over ``axes`` (ties share the gradient equally; an
    empty axis gives -inf, or the integer minimum)."""
    axes = _axes(operand, axes, "reduce_max")
    empty = _empty("max", operand, axes)
    return empty if empty is not None else _ops.max(operand, axis=axes) if axes else operand


def reduce_min(operand, axes: Sequence[int]):
    """``jax.lax.reduce_min``: the minimum over ``axes`` (ties share the gradient equally; an
    empty axis gives +inf, or the integer maximum)."""
    axes = _axes(operand, axes, "reduce_min")
    empty = _empty("min", operand, axes)
    return empty if empty is not None else _ops.min(operand, axis=axes) if axes else operand


def _logical(name: str, boolean: Callable, bitwise: Callable):
    def op(operand, axes):
        axes = _axes(operand, axes, name)
        dt = _dtype(operand)
        if dt == bool:
            return boolean(operand, axes)
        if dt.kind not in "iu":
            raise TypeError(f"lax.{name}: the operand must be boolean or integer, got {dt}")
        return _fold(bitwise, operand, axes, name[7:]) if axes else operand
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``jax.lax.{name}``: the {name[7:]} over ``axes`` (bitwise for integers)."
    return op


reduce_and = _logical("reduce_and", lambda x, a: _ops.all(x, axis=a), _ops.bitwise_and)
reduce_or = _logical("reduce_or", lambda x, a: _ops.any(x, axis=a), _ops.bitwise_or)
reduce_xor = _logical("reduce_xor", lambda x, a: _ops.equal(
    _ops.remainder(_ops.sum(_ops.astype(x, np.int64), axis=a), 2), 1), _ops.bitwise_xor)


def _arg(name: str, fn: Callable):
    def op(operand, axis: int, index_dtype):
        (axis,) = _axes(operand, (axis,), name)
        dt = np.dtype(index_dtype)
        if dt.kind not in "iu":
            raise TypeError(f"lax.{name}: index_dtype must be an integer type, got {dt}")
        return _ops.astype(fn(operand, axis=axis), dt)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``jax.lax.{name}``: the index of the first {name[3:]}imum along ``axis``, as ``index_dtype``."
    return op


argmax = _arg("argmax", _ops.argmax)
argmin = _arg("argmin", _ops.argmin)

class Precision(enum.Enum):
    """``jax.lax.Precision``: the precision of a product on an accelerator. tensorgrad computes
    in NumPy's own precision whatever is asked; ``Precision("highest")`` (JAX's string names,
    also ``"fastest"``, ``"bfloat16_3x"``, ``"float32"``) looks a member up."""
    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    @classmethod
    def _missing_(cls, value):
        names = {"default": "DEFAULT", "fastest": "DEFAULT", "bfloat16": "DEFAULT",
                 "high": "HIGH", "bfloat16_3x": "HIGH", "tensorfloat32": "HIGH",
                 "highest": "HIGHEST", "float32": "HIGHEST"}
        if isinstance(value, str) and value.lower() in names:
            return cls[names[value.lower()]]
        return None

    def __str__(self) -> str:
        return self.name


# JAX's type aliases of the dimension numbers (for annotations in ported code)
DotDimensionNumbers = tuple  # ((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch))
ConvGeneralDilatedDimensionNumbers = object  # None, a ConvDimensionNumbers or three strings

_MONOIDS = {"add": "add", "mul": "mul", "max": "max", "min": "min", "bitwise_and": "and",
            "bitwise_or": "or", "and": "and", "or": "or"}


def _monoid(computation) -> str | None:
    """Which monoid ``computation`` is: tg.lax's own functions, JAX's (when JAX is loaded) and
    tensorgrad's NumPy-named ones, each recognised by identity; others by their values."""
    ours = {_lo.add: "add", _lo.mul: "mul", _lo.max: "max", _lo.min: "min",
            _lo.bitwise_and: "and", _lo.bitwise_or: "or", _ops.add: "add", _ops.multiply: "mul",
            _ops.maximum: "max", _ops.minimum: "min", _ops.bitwise_and: "and", _ops.bitwise_or: "or"}
    inner = getattr(computation, "__wrapped__", None)  # (tg.lax's published functions wrap
    for known, kind in ours.items():                     # these, see tensorgrad.lax)
        if computation is known or inner is known:
            return kind
    jlax = sys.modules.get("jax.lax")
    if jlax is not None:
        for name, kind in _MONOIDS.items():
            if getattr(jlax, name, None) is computation:
                return kind
    return _monoid_by_values(computation)


# Pairs on which add, mul, max and min all differ (exact in float32 too), small and far apart,
# then NaN beside a number either way (fmax is not max) and a huge pair (an add that saturates
# anywhere below 2e300 is not add); a computation that gives one of them on every pair is that
# monoid (JAX recognises it from its traced program)
_PROBE = (np.array([1.5, -2.25, 3.0, 0.5, -0.0, 7.0, 1e6, -3e9, 2.0 ** 60, 2.0 ** -30, np.nan,
                    1.0, 1e300]),
          np.array([-0.75, 4.0, 3.0, -1.5, 2.0, 0.25, 2e6, 5e8, 2.0 ** 61, -2.0 ** -31, 1.0,
                    np.nan, 1e300]))
with np.errstate(all="ignore"):  # (each monoid's values on the pairs, computed once)
    _BY_VALUE = {k: fn(*_PROBE) for k, fn in (("add", np.add), ("mul", np.multiply),
                                               ("max", np.maximum), ("min", np.minimum))}


def _monoid_by_values(computation) -> str | None:
    """The monoid a two-argument ``computation`` computes (``jnp.maximum``, ``np.add``,
    ``operator.mul``, ``lambda a, b: a + b``, ...), told by its values on :data:`_PROBE`;
    None for anything else."""
    if not callable(computation):
        return None
    try:
        with np.errstate(all="ignore"):
            got = np.asarray(computation(*_PROBE), dtype=np.float64)
    except Exception:  # noqa: BLE001 - not a function of two arrays: not a known monoid
        return None
    for kind, w in _BY_VALUE.items():
        if got.shape == _PROBE[0].shape and np.array_equal(got, w, equal_nan=True):
            return kind
    return None


def _reduce_one(kind: str, operand, init, dims: tuple):
    dt = _dtype(operand)
    if not dims:            # nothing to reduce: JAX returns the operand, without the init
        return operand
    if kind == "add":
        out = reduce_sum(operand, dims)
        return out if _is(init, 0) else _ops.add(out, init)
    if kind == "mul":
        out = reduce_prod(operand, dims)
        return out if _is(init, 1) else _ops.multiply(out, init)
    if kind in ("max", "min"):
        pick = _ops.maximum if kind == "max" else _ops.minimum
        if builtins.any(_shape(operand)[d] == 0 for d in dims):
            return _ops.broadcast_to(_ops.astype(init, dt), tuple(
                n for i, n in enumerate(_shape(operand)) if i not in dims))
        out = (reduce_max if kind == "max" else reduce_min)(operand, dims)
        bound = -np.inf if kind == "max" else np.inf
        return out if _is(init, bound) else pick(out, init)
    if dt.kind not in "biu":
        raise TypeError(f"lax.reduce: bitwise_{kind} needs a boolean or integer operand, got {dt}")
    fn = reduce_and if kind == "and" else reduce_or
    out = fn(operand, dims)
    combine = _ops.bitwise_and if kind == "and" else _ops.bitwise_or
    return _ops.astype(combine(out, _ops.astype(init, dt)), dt)


def _pairwise(computation, ops_, inits, dims: tuple, single: bool) -> list:
    """``computation`` over ``dims`` of the operands ``ops_`` (one shape), pairwise: the
    reduced entries, merged into a leading axis, are combined half against half until one
    is left, which is combined with the init values last (log₂ n calls on whole arrays)."""
    shape = _shape(ops_[0])
    if builtins.any(_shape(o) != shape for o in ops_):
        raise ValueError(f"lax.reduce: the operands' shapes differ: {[_shape(o) for o in ops_]}")
    kept = tuple(d for d in range(len(shape)) if d not in dims)
    rest = tuple(shape[d] for d in kept)
    n = int(np.prod([shape[d] for d in dims], dtype=np.int64))
    vals = [_ops.reshape(_ops.transpose(o, dims + kept), (n,) + rest) for o in ops_]
    inits = [_ops.astype(i, _dtype(o)) for i, o in zip(inits, ops_)]

    def combine(a, b):
        r = computation(a[0], b[0]) if single else computation(tuple(a), tuple(b))
        r = [r] if single else list(r)
        if len(r) != len(a):
            raise TypeError(f"lax.reduce: the computation returned {len(r)} values for {len(a)} operands")
        return r
    if n == 0:
        return [_ops.broadcast_to(i, rest) for i in inits]
    while n > 1:
        if n % 2:  # (an odd count: the init values fill the last pair)
            vals = [_ops.concatenate([v, _ops.broadcast_to(i, (1,) + rest)], axis=0)
                    for v, i in zip(vals, inits)]
            n += 1
        vals = combine([v[:n // 2] for v in vals], [v[n // 2:] for v in vals])
        n //= 2
    return combine([_ops.broadcast_to(i, rest) for i in inits], [v[0] for v in vals])


def _is(v, const) -> bool:
    """True if ``v`` is a constant equal to ``const`` (a traced value is never dropped)."""
    if hasattr(v, "_trace") or not isinstance(concrete(v), (int, float, np.ndarray, np.generic)):
        return False
    try:
        return builtins.bool(np.asarray(concrete(v)) == const)
    except (TypeError, ValueError):
        return False


def reduce(operands, init_values, computation: Callable, dimensions: Sequence[int]):
    """``jax.lax.reduce``: ``computation`` applied over ``dimensions``, starting from
    ``init_values``. The monoids add, mul, max, min, and, or run as tensorgrad's reductions
    (a tuple of operands is reduced one by one); any other ``computation`` (JAX's variadic
    form too: ``computation((a1, a2), (b1, b2)) -> (c1, c2)``) is applied pairwise, halving
    the reduced entries at each step, so it must be associative and commutative, as JAX
    requires (:func:`_pairwise`)."""
    single = not isinstance(operands, (tuple, list))
    ops_, inits = ([operands], [init_values]) if single else (list(operands), list(init_values))
    if len(ops_) != len(inits):
        raise ValueError(f"lax.reduce: {len(ops_)} operands but {len(inits)} init values")
    for i in inits:  # (either path)
        if _shape(i) != ():
            raise TypeError(f"lax.reduce: init values must be scalars, got shape {_shape(i)}")
    kind = _monoid(computation)
    if kind is None:
        if not callable(computation):
            raise TypeError(f"lax.reduce: computation must be callable, got {computation!r}")
        out = _pairwise(computation, ops_, inits, _axes(ops_[0], dimensions, "reduce"), single)
    else:
        out = [_reduce_one(kind, o, i, _axes(o, dimensions, "reduce")) for o, i in zip(ops_, inits)]
    return out[0] if single else type(operands)(out)


# ---- contractions ---------------------------------------------------------------------------
def _cast(preferred_element_type, *operands, who: str = "dot_general") -> list:
    """The operands cast to ``preferred_element_type`` first, so the products accumulate in it.
    A type that cannot hold the products (an integer one for inexact operands, a real one for
    complex operands): as JAX, dot_general computes in the operands' type and converts the
    result, and a convolution refuses it."""
    if preferred_element_type is None:
        return list(operands)
    dt = np.dtype(preferred_element_type)
    kinds = {_dtype(o).kind for o in operands}
    if (dt.kind in "biu" and kinds & set("fc")) or (dt.kind == "f" and "c" in kinds):
        if who != "dot_general":
            raise TypeError(f"lax.{who}: preferred_element_type {dt} cannot hold the products "
                            f"of operands of {', '.join(str(_dtype(o)) for o in operands)}")
        return list(operands)
    return [o if _dtype(o) == dt else _ops.astype(o, dt) for o in operands]


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    """``jax.lax.dot``: contracts ``lhs``'s last axis with ``rhs``'s first (vector·vector,
    matrix·vector, matrix·matrix)."""
    ls, rs = _shape(lhs), _shape(rhs)
    if not (1 <= len(ls) <= 2 and 1 <= len(rs) <= 2) or ls[-1] != rs[0]:
        raise TypeError(f"lax.dot: incompatible shapes {ls} and {rs} (ranks 1 or 2, "
                        "lhs's last axis the size of rhs's first)")
    return dot_general(lhs, rhs, (((len(ls) - 1,), (0,)), ((), ())), precision, preferred_element_type)


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    """``jax.lax.dot_general``: a contraction over paired axes with paired batch axes; the
    output holds the batch axes, then ``lhs``'s free axes, then ``rhs``'s (computed in
    ``preferred_element_type`` when given)."""
    try:
        (lc, rc), (lb, rb) = dimension_numbers
        lc, rc, lb, rb = (tuple(int(a) for a in v) for v in (lc, rc, lb, rb))
    except (TypeError, ValueError):
        raise TypeError("lax.dot_general: dimension_numbers must be ((lhs_contracting, "
                        f"rhs_contracting), (lhs_batch, rhs_batch)), got {dimension_numbers!r}") from None
    ls, rs = _shape(lhs), _shape(rhs)
    bad = (len(lc) != len(rc) or len(lb) != len(rb)
           or any(not 0 <= a < len(ls) for a in lc + lb) or any(not 0 <= a < len(rs) for a in rc + rb)
           or len(set(lc + lb)) != len(lc + lb) or len(set(rc + rb)) != len(rc + rb)
           or any(ls[a] != rs[b] for a, b in zip(lc + lb, rc + rb)))
    if bad:
        raise TypeError(f"lax.dot_general: dimension_numbers {dimension_numbers} do not pair axes of "
                        f"equal sizes in shapes {ls} and {rs}")
    letters = iter(string.ascii_letters)
    lsub = [next(letters) for _ in ls]
    rsub = [next(letters) for _ in rs]
    for a, b in zip(lc + lb, rc + rb):
        rsub[b] = lsub[a]
    batch = [lsub[a] for a in lb]
    lfree = [lsub[a] for a in range(len(ls)) if a not in lc + lb]
    rfree = [rsub[b] for b in range(len(rs)) if b not in rc + rb]
    spec = f"{''.join(lsub)},{''.join(rsub)}->{''.join(batch + lfree + rfree)}"
    lhs, rhs = _cast(preferred_element_type, lhs, rhs)
    out = _ops.einsum(spec, lhs, rhs)
    if preferred_element_type is not None and _dtype(out) != np.dtype(preferred_element_type):
        dt = np.dtype(preferred_element_type)  # (the products' real parts, truncated for an int)
        out = _ops.astype(_ops.real(out) if dt.kind != "c" else out, dt)
    return out


def batch_matmul(lhs, rhs, precision=None):
    """``jax.lax.batch_matmul``: matrix products over equal leading batch axes."""
    ls, rs = _shape(lhs), _shape(rhs)
    if len(ls) < 2 or len(ls) != len(rs) or ls[:-2] != rs[:-2] or ls[-1] != rs[-2]:
        raise TypeError(f"lax.batch_matmul: incompatible shapes {ls} and {rs} (equal ranks ≥ 2, "
                        "equal batch axes, lhs's columns the rhs's rows)")
    nb = len(ls) - 2
    return dot_general(lhs, rhs, (((nb + 1,), (nb,)), (tuple(range(nb)), tuple(range(nb)))))


# ---- sorting --------------------------------------------------------------------------------
def top_k(operand, k: int, *, axis: int = -1):
    """``jax.lax.top_k``: the ``k`` largest entries along ``axis`` (the last by default),
    largest first (ties in index order), and their int32 indices, as a list ``[values,
    indices]`` (JAX's pytree); the gradient flows to the selected entries."""
    shape = _shape(operand)
    k = index_param(k, "lax.top_k", "k")
    if shape and not -len(shape) <= int(axis) < len(shape):
        raise ValueError(f"lax.top_k: axis {axis} is out of range for shape {shape}")
    if shape and int(axis) % len(shape) != len(shape) - 1:
        a = int(axis) % len(shape)
        values, idx = top_k(_ops.moveaxis(operand, a, -1), k)
        return [_ops.moveaxis(values, -1, a), _ops.moveaxis(idx, -1, a)]
    if not shape or not 0 <= int(k) <= shape[-1]:
        raise ValueError(f"lax.top_k: k={k} must be in [0, {shape[-1] if shape else 0}] for shape {shape}")
    v = _ops.stop_gradient(operand)
    first = None
    if _dtype(operand).kind == "f":   # XLA's total order: 0.0 ranks above -0.0 (a stable pre-sort)
        first = _ops.argsort(_ops.signbit(v), axis=-1, stable=True)
        v = _ops.take_along_axis(v, first, axis=-1)
    order = _ops.argsort(v, axis=-1, stable=True, descending=True)
    if first is not None:
        order = _ops.take_along_axis(first, order, axis=-1)
    idx = _ops.getitem(order, (Ellipsis, builtins.slice(0, int(k))))
    return [_ops.take_along_axis(operand, idx, axis=-1), _ops.astype(idx, np.int32)]  # (a list, as JAX's)


def sort(operand, dimension: int = -1, is_stable: bool = True, num_keys: int = 1):
    """``jax.lax.sort``: ``operand`` (or a sequence of equal-shaped arrays, ordered together
    lexicographically by the first ``num_keys``) sorted along ``dimension``."""
    single = not isinstance(operand, (tuple, list))
    arrays = [operand] if single else list(operand)
    shapes = {_shape(a) for a in arrays}
    if not arrays or len(shapes) != 1:
        raise TypeError(f"lax.sort: the operands must share one shape, got {sorted(shapes)}")
    shape = shapes.pop()
    if not 1 <= num_keys <= len(arrays):
        raise ValueError(f"lax.sort: num_keys={num_keys} must be between 1 and the {len(arrays)} operands")
    if not -len(shape) <= dimension < len(shape):
        raise ValueError(f"lax.sort: dimension {dimension} is not an axis of shape {shape}")
    dimension %= len(shape)
    keys = [_ops.stop_gradient(a) for a in arrays[:num_keys]]
    if num_keys == 1:
        order = _ops.argsort(keys[0], axis=dimension, stable=True)
    else:
        order = _ops.lexsort(keys[::-1], axis=dimension)
    out = [_ops.take_along_axis(a, order, axis=dimension) for a in arrays]
    return out[0] if single else tuple(out)


def sort_key_val(keys, values, dimension: int = -1, is_stable: bool = True):
    """``jax.lax.sort_key_val``: ``keys`` sorted along ``dimension`` and ``values`` in the same order."""
    return sort((keys, values), dimension, is_stable, 1)


# ---- windows --------------------------------------------------------------------------------
def _window_padding(padding, shape, window, strides, name: str) -> list:
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return [(0, 0)] * len(shape)
        if mode == "SAME":
            out = []
            for n, w, s in zip(shape, window, strides):
                total = builtins.max((-(-n // s) - 1) * s + w - n, 0)
                out.append((total // 2, total - total // 2))
            return out
        raise ValueError(f"lax.{name}: padding must be 'VALID', 'SAME' or (low, high) pairs, got {padding!r}")
    pairs = [tuple(int(v) for v in p) for p in padding]
    if len(pairs) != len(shape) or any(len(p) != 2 for p in pairs):
        raise ValueError(f"lax.{name}: padding needs one (low, high) pair per axis of shape {shape}, got {padding!r}")
    return pairs


def reduce_window(operand, init_value, computation: Callable, window_dimensions: Sequence[int],
                  window_strides: Sequence[int] | None = None, padding="VALID",
                  base_dilation: Sequence[int] | None = None,
                  window_dilation: Sequence[int] | None = None):
    """``jax.lax.reduce_window`` for add, mul, max and min: ``computation`` over each window,
    with strides, 'VALID'/'SAME'/explicit padding, ``base_dilation`` (holes between the
    operand's entries) and ``window_dilation`` (gaps between the window's taps).

    As JAX, padding and holes hold the monoid's identity and ``init_value`` enters once per
    window. Of tied maxima (minima) in a window, the first in the window's row-major order
    takes the whole derivative, as in JAX (whose max pooling selects that entry); ``tg.max``
    over an axis shares it among the ties instead.

    JAX's variadic form: a tuple (or list) of operands of one shape and a tuple of initial
    values, ``computation`` taking two such tuples and returning one (an argmax as the pairs
    (value, index), say), folded over each window's taps; a tuple of results.
    """
    if isinstance(operand, (tuple, list)):
        return _reduce_windows(operand, init_value, computation, window_dimensions, window_strides,
                               padding, base_dilation, window_dilation)
    kind = _monoid(computation)
    known = kind in ("add", "max", "min", "mul")  # (else any computation, folded over the taps)
    if not known and not callable(computation):
        raise TypeError(f"lax.reduce_window: computation must be callable, got {computation!r}")
    dt = _dtype(operand)
    identity = _identity(kind, dt) if known else init_value
    parts, counts = _window_taps(operand, identity, window_dimensions, window_strides, padding,
                                 base_dilation, window_dilation)
    if 0 in counts:
        return _ops.broadcast_to(_ops.astype(init_value, dt), tuple(counts))
    if not known:  # folded over the taps from init_value (the padding holds it too, as XLA's)
        out = _ops.broadcast_to(_ops.astype(init_value, dt), tuple(counts))
        for part in parts:
            out = computation(out, part)
        return out
    taps = _ops.stack(parts, axis=0)
    if kind == "add":
        out = _wrap(_ops.sum(taps, axis=0), operand)
    elif kind == "mul":
        out = _wrap(_ops.prod(taps, axis=0), operand)
    else:  # the first extreme entry in the window's order takes the whole slope, as in JAX
        first = (_ops.argmax if kind == "max" else _ops.argmin)(taps, axis=0)
        out = _ops.squeeze(_ops.take_along_axis(taps, _ops.expand_dims(first, 0), axis=0), 0)
    if _is(init_value, identity):
        return out
    combine = {"add": _ops.add, "mul": _ops.multiply, "max": _ops.maximum, "min": _ops.minimum}[kind]
    return _ops.astype(combine(out, _ops.astype(init_value, dt)), dt)


def _window_taps(operand, pad_value, window_dimensions, window_strides, padding, base_dilation,
                 window_dilation):
    """(the window's taps: one strided slice of the padded operand per window offset, in the
    window's row-major order; the number of windows along each axis)."""
    shape = _shape(operand)
    nd = len(shape)
    window = tuple(int(w) for w in window_dimensions)
    strides = (1,) * nd if window_strides is None else tuple(int(s) for s in window_strides)
    bdil = (1,) * nd if base_dilation is None else tuple(int(v) for v in base_dilation)
    wdil = (1,) * nd if window_dilation is None else tuple(int(v) for v in window_dilation)
    if builtins.any(len(v) != nd for v in (window, strides, bdil, wdil)) or builtins.any(
            v < 1 for v in window + strides + bdil + wdil):
        raise TypeError(f"lax.reduce_window: window {window}, strides {strides}, base_dilation {bdil} "
                         f"and window_dilation {wdil} need one positive entry per axis of shape {shape}")
    span = tuple((w - 1) * d + 1 for w, d in zip(window, wdil))
    pads = _window_padding(padding, shape, span, strides, "reduce_window")
    x = _lo.pad(operand, pad_value, [(lo, hi, b - 1) for (lo, hi), b in zip(pads, bdil)])
    counts = [(n - w) // s + 1 if n >= w else 0 for n, w, s in zip(_shape(x), span, strides)]
    parts = [] if 0 in counts else [
        _ops.getitem(x, tuple(builtins.slice(o * d, o * d + (c - 1) * s + 1, s)
                              for o, d, c, s in zip(offset, wdil, counts, strides)))
        for offset in np.ndindex(*window)]
    return parts, counts


def _reduce_windows(operands, inits, computation, window, strides, padding, bdil, wdil):
    """The variadic ``reduce_window``: ``computation`` folded over the taps of all the operands
    at once, from ``inits`` (which also fill the padding, as XLA's)."""
    if not isinstance(inits, (tuple, list)) or len(inits) != len(operands) or not callable(computation):
        raise TypeError(f"lax.reduce_window: {len(operands)} operands take as many initial values "
                        f"(a tuple) and a callable computation on tuples; got {inits!r}")
    shapes = {tuple(_shape(x)) for x in operands}
    if len(shapes) != 1:
        raise TypeError(f"lax.reduce_window: the operands must have one shape, got {sorted(shapes)}")
    taps = [_window_taps(x, v, window, strides, padding, bdil, wdil) for x, v in zip(operands, inits)]
    counts = tuple(taps[0][1])
    taps = [t for t, _ in taps]
    out = tuple(_ops.broadcast_to(_ops.astype(v, _dtype(x)), counts) for x, v in zip(operands, inits))
    for k in range(len(taps[0])):
        out = tuple(computation(out, tuple(t[k] for t in taps)))
    return out if isinstance(operands, tuple) else list(out)


# ---- convolution ----------------------------------------------------------------------------
def _conv_specs(dimension_numbers, nd: int) -> tuple:
    """(lhs_spec, rhs_spec, out_spec) as axis numbers: batch/out-feature, feature/in-feature,
    then the spatial axes (in the kernel's order, as JAX)."""
    if dimension_numbers is None:
        default = tuple(range(nd))
        return default, default, default
    if hasattr(dimension_numbers, "lhs_spec"):
        dimension_numbers = (dimension_numbers.lhs_spec, dimension_numbers.rhs_spec,
                             dimension_numbers.out_spec)
    try:
        lhs, rhs, out = dimension_numbers
    except (TypeError, ValueError):
        raise TypeError("lax.conv_general_dilated: dimension_numbers must be None, three layout strings "
                        f"like ('NHWC', 'HWIO', 'NHWC') or ConvDimensionNumbers, got {dimension_numbers!r}") from None
    if all(isinstance(v, str) for v in (lhs, rhs, out)):
        ok = (len(lhs) == len(rhs) == len(out) == nd and set(lhs) == set(out)
              and {"N", "C"} <= set(lhs) and {"O", "I"} <= set(rhs)
              and set(lhs) - {"N", "C"} == set(rhs) - {"O", "I"} and len(set(lhs)) == nd)
        if not ok:
            raise ValueError(f"lax.conv_general_dilated: layouts {dimension_numbers} do not describe "
                             f"{nd}-d operands (N, C and the spatial letters; O, I and the same spatial letters)")
        spatial = [c for c in rhs if c not in "OI"]
        return (tuple(lhs.index(c) for c in ["N", "C"] + spatial),
                tuple(rhs.index(c) for c in ["O", "I"] + spatial),
                tuple(out.index(c) for c in ["N", "C"] + spatial))
    specs = tuple(tuple(int(a) for a in v) for v in (lhs, rhs, out))
    if any(sorted(v) != list(range(nd)) for v in specs):
        raise ValueError(f"lax.conv_general_dilated: dimension_numbers {specs} are not permutations of {nd} axes")
    return specs


def conv_general_dilated(lhs, rhs, window_strides: Sequence[int], padding, lhs_dilation=None,
                         rhs_dilation=None, dimension_numbers=None, feature_group_count: int = 1,
                         batch_group_count: int = 1, precision=None, preferred_element_type=None):
    """``jax.lax.conv_general_dilated``: an N-d cross-correlation with strides, padding
    ('VALID', 'SAME', 'SAME_LOWER' or (low, high) pairs), input and kernel dilation, layouts
    and feature/batch groups."""
    if _dtype(lhs) != _dtype(rhs):
        raise TypeError(f"lax.conv_general_dilated requires arguments to have the same dtypes, got "
                        f"{_dtype(lhs)}, {_dtype(rhs)}")
    if isinstance(padding, str) and lhs_dilation is not None and builtins.any(int(d) != 1 for d in lhs_dilation):
        raise ValueError("lax.conv_general_dilated: string padding is not implemented for transposed "
                         "convolution (lhs_dilation > 1), as in JAX: give the padding explicitly")
    lhs, rhs = _cast(preferred_element_type, lhs, rhs, who="conv_general_dilated")
    ls, rs = _shape(lhs), _shape(rhs)
    nd = len(ls)
    if nd < 2 or len(rs) != nd:
        raise TypeError(f"lax.conv_general_dilated: lhs {ls} and rhs {rs} need one rank ≥ 2")
    lspec, rspec, ospec = _conv_specs(dimension_numbers, nd)
    x, w = _ops.transpose(lhs, lspec), _ops.transpose(rhs, rspec)    # (N, C, *S), (O, I, *K)
    (n, c, *sp), (o, i, *k) = _shape(x), _shape(w)
    nsp = nd - 2
    strides = tuple(int(v) for v in window_strides)
    ldil = (1,) * nsp if lhs_dilation is None else tuple(int(v) for v in lhs_dilation)
    rdil = (1,) * nsp if rhs_dilation is None else tuple(int(v) for v in rhs_dilation)
    g, b = int(feature_group_count), int(batch_group_count)
    if len(strides) != nsp or len(ldil) != nsp or len(rdil) != nsp or builtins.any(
            v < 1 for v in strides + ldil + rdil):
        raise ValueError(f"lax.conv_general_dilated: window_strides {strides}, lhs_dilation {ldil} and "
                         f"rhs_dilation {rdil} need {nsp} positive entries")
    if g < 1 or b < 1 or (g > 1 and b > 1) or c != i * g or o % (g * b) or n % b:
        raise ValueError(f"lax.conv_general_dilated: feature_group_count={g}, batch_group_count={b} do not "
                         f"fit lhs (N={n}, C={c}) and rhs (O={o}, I={i}): C must be I·groups, O and N "
                         "divisible by the groups, and only one kind of group")
    dilated = [(s - 1) * d + 1 if s else 0 for s, d in zip(sp, ldil)]
    window = [(kk - 1) * d + 1 for kk, d in zip(k, rdil)]
    if isinstance(padding, str) and padding.upper() == "SAME_LOWER":
        pads = [(hi, lo) for lo, hi in _window_padding("SAME", dilated, window, strides, "conv_general_dilated")]
    else:
        pads = _window_padding(padding, dilated, window, strides, "conv_general_dilated")
    x = _lo.pad(x, _ops.zeros((), _dtype(x)), [(0, 0, 0), (0, 0, 0)] +
                [(lo, hi, d - 1) for (lo, hi), d in zip(pads, ldil)])
    padded = _shape(x)[2:]
    counts = [(p - wd) // s + 1 if p >= wd else 0 for p, wd, s in zip(padded, window, strides)]
    patches = [_ops.getitem(x, (Ellipsis,) + tuple(
        builtins.slice(off * d, off * d + (cnt - 1) * s + 1, s) if cnt else builtins.slice(0, 0)
        for off, d, cnt, s in zip(offset, rdil, counts, strides))) for offset in np.ndindex(*k)]
    p = _ops.stack(patches, axis=2) if patches else _ops.zeros((n, c, 0, *counts), _dtype(x))
    kk = int(np.prod(k))
    letters = string.ascii_uppercase[:nsp]
    if b > 1:   # the batch split into b groups, each meeting its own block of output features
        p = _ops.reshape(p, (b, n // b, c, kk) + tuple(counts))
        wg = _ops.reshape(w, (b, o // b, i, kk))
        out = _ops.einsum(f"bnck{letters},bock->nbo{letters}", p, wg)
    else:       # the features split into g groups, each with its own block of kernels
        p = _ops.reshape(p, (n, g, i, kk) + tuple(counts))
        wg = _ops.reshape(w, (g, o // g, i, kk))
        out = _ops.einsum(f"ngik{letters},goik->ngo{letters}", p, wg)
    out = _ops.reshape(out, (n // b, o) + tuple(counts))
    return _ops.transpose(out, tuple(np.argsort(ospec)))
