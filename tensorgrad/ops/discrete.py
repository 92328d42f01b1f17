"""Ops with no gradient: rounding, integer division, predicates, logical and bitwise
ops, ``any``/``all``, ``argsort``, and the ``*_like`` constructors.

Rounding is piecewise constant, so its derivative is 0 wherever it exists; at
the jumps (an integer for ``floor``, a half-integer for ``round``) tensorgrad
uses the same 0, as JAX does. The outputs of these ops are constants to every
transform: they carry no tangent and no cotangent flows back through them.
Predicates and logical ops return booleans, ``argsort`` integers.
"""
from __future__ import annotations

import numpy as np

from ..registry import FUNCTIONS, Example, elementwise, function, nondifferentiable, register_numpy
from ..staging import as_array, call as staged_call
from ..typing import Array, ArrayLike, Axis  # noqa: F401
from ..recording import IMPERATIVE
from ..tensor import Tensor, torch_made, torch_style
from ._util import as_array_like, concrete, dtype_of, index_param, is_staged, legacy_0d_axis, negative_axes, negative_axis, \
    shape_of, sort_kind
from .creation import device_form
from .elementwise import _mask, astype, where
from .elementwise_more import remainder
from .shape import broadcast_to, getitem, reshape, scatter_add

_ONE = [Example(((2, 3),))]
_TWO = [Example(((3, 1), (1, 4)))]
_SPECIAL = np.array([1.5, -0.0, np.nan, np.inf, -np.inf, -2.5])


def _unary(name, forward, doc, **entry):
    entry.setdefault("examples", _ONE)
    return nondifferentiable(name, forward, jax=f"jax.numpy.{name}", doc=doc, **entry)


def _binary(name, forward, doc, **entry):
    entry.setdefault("examples", _TWO)
    return nondifferentiable(name, forward, inputs=("x", "y"), jax=f"jax.numpy.{name}", doc=doc,
                             **entry)


# ---- rounding (zero gradient) -------------------------------------------------------------
floor = _unary("floor", np.floor, "the largest integer ≤ x (zero gradient)")
ceil = _unary("ceil", np.ceil, "the smallest integer ≥ x (zero gradient)")
rint = _unary("rint", np.rint, "the nearest integer, halves to even (zero gradient)")
trunc = _unary("trunc", np.trunc, "x rounded toward zero (zero gradient)", aliases=("fix",))


def _round_signature(a: ArrayLike, decimals: int = 0):
    """a rounded to ``decimals`` decimals, halves to even (zero gradient)."""
    return (a,), (index_param(decimals, "round", "decimals"),)  # (1.5 raises, as NumPy)


def _round_method(self, ndigits=None):
    return round(self, 0 if ndigits is None else ndigits)  # the op below, not the builtin


round = nondifferentiable(  # noqa: A001
    "round", lambda x, decimals: np.round(x, decimals), signature=_round_signature,
    params=("decimals",), jax=lambda jnp, x, decimals=0: jnp.round(x, decimals),
    aliases=("around",), methods={"round": None, "__round__": _round_method},
    doc="round to ``decimals`` decimals, halves to even (zero gradient)",
    examples=[Example(((2, 3),)), Example(((4,),), {"decimals": 1})])
floor_divide = _binary("floor_divide", np.floor_divide, "⌊x / y⌋ (zero gradient)",
                       domain=("real", "nonzero"), methods=("__floordiv__", "__rfloordiv__"))


def _rdivmod(self, other):
    return divmod(other, self)  # the function below, not the builtin


@function(methods={"__divmod__": None, "__rdivmod__": _rdivmod})
def divmod(x: ArrayLike, y: ArrayLike) -> tuple:  # noqa: A001
    """``(x // y, x % y)``: the quotient has no gradient, the remainder that of ``remainder``."""
    return floor_divide(x, y), remainder(x, y)

# ---- predicates ------------------------------------------------------------------------------
_PRED = [Example((_SPECIAL,))]
isnan = _unary("isnan", np.isnan, "x is NaN", examples=[Example(((2, 3),))] + _PRED)
isinf = _unary("isinf", np.isinf, "x is +inf or −inf", examples=_PRED)
isfinite = _unary("isfinite", np.isfinite, "x is neither NaN nor infinite", examples=_PRED)
isposinf = _unary("isposinf", np.isposinf, "x is +inf", examples=_PRED)
isneginf = _unary("isneginf", np.isneginf, "x is −inf", examples=_PRED)
signbit = _unary("signbit", np.signbit, "the sign bit of x is set (true for −0.0)", examples=_PRED)
# the step has slope 0 in x (JAX's convention at the jump too); the value at x = 0 is y,
# so there the derivative in y is 1
heaviside = elementwise(
    "heaviside", np.heaviside,
    d={"x": None, "y": lambda out, x, y: _mask(np.equal(concrete(x), 0), out)},
    jax="jax.numpy.heaviside", symbol="0, diag([x = 0])", domain=("nonzero", "real"),
    doc="the step function: 0 for x < 0, y at 0, 1 for x > 0",
    examples=[Example(((3, 1), (1, 4))),
              Example((np.array([-1.0, 0.0, 2.0, 0.0]), (4,)), diff=(1,))])


def _isclose_signature(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08,
                       equal_nan: bool = False):
    """Elementwise |a − b| ≤ atol + rtol·|b| (booleans); ``rtol`` and ``atol`` may be arrays
    that broadcast against ``a`` and ``b``, as in NumPy."""
    return (a, b), (_tolerance(rtol), _tolerance(atol), bool(equal_nan))


def _tolerance(t):
    """A tolerance as a float, or an array of them as nested tuples (hashable, as params are)."""
    t = np.asarray(t, dtype=float)
    if t.ndim == 0:
        return float(t)

    def nested(x):
        return tuple(nested(e) for e in x) if isinstance(x, list) else x
    return nested(t.tolist())


isclose = nondifferentiable(
    "isclose", lambda a, b, rtol, atol, equal_nan: np.isclose(a, b, rtol, atol, equal_nan),
    inputs=("a", "b"), signature=_isclose_signature, params=("rtol", "atol", "equal_nan"),
    jax="jax.numpy.isclose", doc="elementwise closeness (booleans)",
    examples=[Example(((3, 1), (1, 4)), {"rtol": 1.0, "atol": 1e-08, "equal_nan": False})])


@function
def allclose(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True when every entry of ``a`` is close to ``b`` (a Python bool: a comparison; under
    ``tg.jit``, where the values are not known yet, a traced 0-d bool array, as JAX's)."""
    if is_staged(concrete(a)) or is_staged(concrete(b)):
        return all(isclose(a, b, rtol, atol, equal_nan))
    return bool(np.allclose(concrete(a), concrete(b), concrete(rtol), concrete(atol), equal_nan))


@function
def array_equal(a1: ArrayLike, a2: ArrayLike, equal_nan: bool = False) -> bool:
    """True when the shapes and entries agree (a Python bool: a comparison; under ``tg.jit``
    a traced 0-d bool array when the shapes agree, as JAX's)."""
    c1, c2 = concrete(a1), concrete(a2)
    if is_staged(c1) or is_staged(c2):
        if shape_of(c1) != shape_of(c2):
            return False
        same = a1 == a2
        return all(same | (isnan(a1) & isnan(a2)) if equal_nan else same)
    return bool(np.array_equal(c1, c2, equal_nan=equal_nan))


# ---- logical and bitwise ------------------------------------------------------------------
_BOOL2 = [Example(((3, 1), (1, 4)), domain=("bool", "bool"))]
logical_and = _binary("logical_and", np.logical_and, "x and y (booleans)", examples=_BOOL2)
logical_or = _binary("logical_or", np.logical_or, "x or y (booleans)", examples=_BOOL2)
logical_xor = _binary("logical_xor", np.logical_xor, "x xor y (booleans)", examples=_BOOL2)
logical_not = _unary("logical_not", np.logical_not, "not x (booleans)",
                     examples=[Example(((2, 3),), domain="bool")])
bitwise_and = _binary("bitwise_and", np.bitwise_and, "x & y (booleans or integers)",
                      examples=_BOOL2, methods=("__and__", "__rand__"))
bitwise_or = _binary("bitwise_or", np.bitwise_or, "x | y (booleans or integers)",
                     examples=_BOOL2, methods=("__or__", "__ror__"))
bitwise_xor = _binary("bitwise_xor", np.bitwise_xor, "x ^ y (booleans or integers)",
                      examples=_BOOL2, methods=("__xor__", "__rxor__"))
invert = _unary("invert", np.invert, "~x (booleans or integers)", methods=("__invert__",),
                aliases=("bitwise_not", "bitwise_invert"), examples=[Example(((2, 3),), domain="bool")])
_INT2 = [Example((np.array([[12], [18], [7]]), np.array([[8, 6, 21, 0]])))]
_SHIFT = [Example((np.array([[1], [5], [-6]]), np.array([[0, 1, 3]])))]
left_shift = _binary("left_shift", np.left_shift, "x << y (integers)", examples=_SHIFT,
                     methods=("__lshift__", "__rlshift__"), aliases=("bitwise_left_shift",))
right_shift = _binary("right_shift", np.right_shift, "x >> y (integers)", examples=_SHIFT,
                      methods=("__rshift__", "__rrshift__"), aliases=("bitwise_right_shift",))
gcd = _binary("gcd", np.gcd, "the greatest common divisor of |x| and |y| (integers)", examples=_INT2)
lcm = _binary("lcm", np.lcm, "the least common multiple of |x| and |y| (integers)", examples=_INT2)
bitwise_count = _unary("bitwise_count", np.bitwise_count,
                       "the number of 1 bits in |x| (integers)", examples=[
                           Example((np.array([[0, 1, -7], [255, 1023, -1]]),))])


def _packbits_signature(a: ArrayLike, axis: int | None = None, bitorder: str = "big"):
    return (a,), (None if axis is None else int(axis), str(bitorder))


def _unpackbits_signature(a: ArrayLike, axis: int | None = None, count: int | None = None,
                          bitorder: str = "big"):
    return (a,), (None if axis is None else int(axis), None if count is None else int(count),
                  str(bitorder))


packbits = nondifferentiable(
    "packbits", lambda a, axis, bitorder: np.packbits(a, axis=axis, bitorder=bitorder),
    signature=_packbits_signature, params=("axis", "bitorder"), jax="jax.numpy.packbits",
    doc="the entries of a boolean (or integer) array packed into uint8 bytes, 8 per byte",
    examples=[Example(((3, 10),), domain="bool"),
              Example(((3, 10),), {"axis": 1, "bitorder": "little"}, domain="bool")])
unpackbits = nondifferentiable(
    "unpackbits", lambda a, axis, count, bitorder: np.unpackbits(a, axis=axis, count=count,
                                                                 bitorder=bitorder),
    signature=_unpackbits_signature, params=("axis", "count", "bitorder"),
    jax="jax.numpy.unpackbits", doc="the bits of uint8 entries, unpacked to 0/1 uint8 entries",
    examples=[Example((np.array([[3, 250], [17, 128]], dtype=np.uint8),)),
              Example((np.array([[3, 250], [17, 128]], dtype=np.uint8),),
                      {"axis": 0, "count": 12, "bitorder": "little"})])


# ---- any, all, argsort ------------------------------------------------------------------------
def _truth(name, forward, doc):
    def signature(x: ArrayLike, axis: Axis = None, keepdims: bool = False):
        return (x,), (negative_axes(axis, len(shape_of(concrete(x))), name), bool(keepdims))
    signature.__doc__ = doc
    return nondifferentiable(
        name, lambda x, axes, keepdims: forward(x, axis=axes, keepdims=keepdims),
        signature=signature, params=("axis", "keepdims"), methods=(name,), jax=f"jax.numpy.{name}",
        doc=doc, examples=[Example(((2, 3),), domain="bool"),
                           Example(((2, 3),), {"axis": 1, "keepdims": True}, domain="bool")])


any = _truth("any", np.any, "Whether any entry over ``axis`` is true.")  # noqa: A001
all = _truth("all", np.all, "Whether every entry over ``axis`` is true.")  # noqa: A001


def _argsort_signature(x: ArrayLike, axis: int | None = -1, kind: str | None = None,
                       order=None, *, stable: bool | None = None):
    """Indices that sort x along ``axis`` (None: the flattened array). The sort is always
    stable (ties keep their order), which is a valid answer for every ``kind``."""
    if order is not None:
        raise TypeError("argsort: order= applies to structured arrays, which tensorgrad does not use")
    sort_kind(kind, "argsort")
    if axis is None:
        return (x,), (None,)
    return (x,), (negative_axis(axis, len(shape_of(concrete(x))), "argsort"),)


argsort = nondifferentiable(
    "argsort", lambda x, axis: np.argsort(x, axis=axis, kind="stable"), signature=_argsort_signature,
    params=("axis",), methods=("argsort",), domain="distinct",
    jax=lambda jnp, x, axis=-1: jnp.argsort(x, axis=axis, stable=True),
    doc="indices that sort x along an axis (stable; integer output)",
    examples=[Example(((2, 4),)), Example(((2, 3),), {"axis": 0}), Example(((2, 3),), {"axis": None})])


# ---- constant arrays shaped like an input ---------------------------------------------------------
def _shape_dtype(a, dtype, shape):
    v = concrete(a)
    return (shape_of(v) if shape is None else shape), (dtype_of(v) if dtype is None else dtype)


def _like(a, made: np.ndarray, subok: bool = True):
    """``made`` as the kind of ``a``: a constant tensor for a tensor of the imperative tape or
    a constant one, or one a transform traces for PyTorch (``tg.func``, forward AD) (NumPy's
    ``subok``: a subclass in, that subclass out; PyTorch's: a tensor in, a tensor out, so
    ``acc = tg.zeros_like(x); acc[0] = x[1]`` records and ``zeros_like(x).index_add(...)``
    works; ``subok=False``: the array), else the array."""
    if subok and type(a) is Tensor:
        if a._trace is None or a._trace is IMPERATIVE:
            return torch_made(made) if torch_style(a) else Tensor(made)
        if torch_style(a):
            return torch_made(made)
    return made


@function
def zeros_like(a: ArrayLike, dtype=None, order: str = "K", subok: bool = True, shape=None, *,
               device=None, memory_format=None) -> Array:
    """Zeros with ``a``'s shape and dtype: a constant (it does not depend on ``a``'s values).
    ``device`` and PyTorch's ``memory_format`` are accepted and change nothing."""
    device_form("zeros_like", device)  # (accepted: the CPU, the only device)
    s, dt = _shape_dtype(a, dtype, shape)
    return _like(a, np.zeros(s, dtype=dt), subok)


@function
def ones_like(a: ArrayLike, dtype=None, order: str = "K", subok: bool = True, shape=None, *,
              device=None, memory_format=None) -> Array:
    """Ones with ``a``'s shape and dtype: a constant."""
    device_form("ones_like", device)  # (accepted: the CPU, the only device)
    s, dt = _shape_dtype(a, dtype, shape)
    return _like(a, np.ones(s, dtype=dt), subok)


@function
def empty_like(a: ArrayLike, dtype=None, order: str = "K", subok: bool = True, shape=None, *,
               device=None, memory_format=None) -> Array:
    """An array with ``a``'s shape and dtype (zeros here: no entry is ever undefined)."""
    device_form("empty_like", device)  # (accepted: the CPU, the only device)
    s, dt = _shape_dtype(a, dtype, shape)
    return _like(a, np.zeros(s, dtype=dt), subok)


@function
def full_like(a: ArrayLike, fill_value, dtype=None, order: str = "K", subok: bool = True,
              shape=None, *, device=None, memory_format=None) -> Array:
    """``fill_value`` repeated to ``a``'s shape, in ``a``'s dtype. Only ``fill_value``
    can carry a gradient (the sum of the output's cotangent)."""
    device_form("full_like", device)  # (accepted: the CPU, the only device)
    s, dt = _shape_dtype(a, dtype, shape)
    if type(fill_value) is Tensor or is_staged(fill_value):  # (staged: traced by tg.jit)
        v = fill_value if dtype_of(fill_value) == np.dtype(dt) else astype(fill_value, dt)
        return broadcast_to(v, tuple(s))
    return _like(a, np.full(s, concrete(fill_value), dtype=dt), subok)


# ---- indices of true entries (integer outputs) ---------------------------------------------------
def _sized_fill(fill_value, ndim: int, name: str) -> tuple:
    """``fill_value`` as one integer per axis (JAX's padding of a sized result; default 0)."""
    if fill_value is None:
        return (0,) * ndim
    v = concrete(fill_value)
    if np.ndim(v) == 0:
        return (int(v),) * ndim
    v = tuple(int(i) for i in np.ravel(v))
    if len(v) != ndim:
        raise ValueError(f"{name}: fill_value needs one entry per axis ({ndim}), got {len(v)}")
    return v


def _argwhere_sized_signature(a: ArrayLike, size: int, fill_value: tuple):
    return (a,), (int(size), tuple(fill_value))


def _argwhere_sized(a, size, fill_value):
    found = np.argwhere(a)
    out = np.empty((size, found.shape[1]), dtype=found.dtype)
    k = min(size, found.shape[0])
    out[:k] = found[:k]
    out[k:] = np.asarray(fill_value, dtype=found.dtype)
    return out


#: the first ``size`` indices of true entries, padded with ``fill_value`` (one per axis): a
#: result of fixed shape, so ``tg.jit`` replays it on new values
argwhere_sized = nondifferentiable(
    "argwhere_sized", _argwhere_sized, signature=_argwhere_sized_signature,
    params=("size", "fill_value"), public=False,
    jax=lambda jnp, a, size, fill_value: jnp.argwhere(a, size=size, fill_value=fill_value),
    doc="the first `size` indices of nonzero entries (one row each), padded with fill_value",
    examples=[Example(((3, 4),), {"size": 5, "fill_value": (0, 0)}, domain="bool"),
              Example(((3, 4),), {"size": 12, "fill_value": (-1, 7)}, domain="bool")])


def _unsized(name: str, fill_value, fn, a):
    """NumPy's own result (any length) when no ``size`` is given; ``fill_value`` needs one."""
    if fill_value is not None:
        raise ValueError(f"{name}: fill_value needs size")
    return fn(concrete(a))


def _sized(a, size, fill_value, name):
    if int(size) < 0:
        raise ValueError(f"{name}: size must be non-negative, got {size}")
    nd = len(shape_of(concrete(a)))
    return argwhere_sized(a, int(size), _sized_fill(fill_value, nd, name))


@function(methods=("nonzero",))
def nonzero(a: ArrayLike, *, size: int | None = None, fill_value=None) -> tuple:
    """Indices of the nonzero entries, one integer array per axis (no gradient). With
    ``size`` (JAX's): exactly that many, padded with ``fill_value`` (a number, or one per
    axis; default 0) or cut, a shape that ``tg.jit`` can replay."""
    if size is None:
        return _unsized("nonzero", fill_value, np.nonzero, a)
    m = _sized(a, size, fill_value, "nonzero")
    return tuple(getitem(m, (slice(None), k)) for k in range(len(shape_of(concrete(a)))))


@function
def flatnonzero(a: ArrayLike, *, size: int | None = None, fill_value=None) -> Array:
    """Indices of the nonzero entries of the flattened array (no gradient); ``size`` and
    ``fill_value`` as :func:`nonzero`."""
    if size is None:
        return _unsized("flatnonzero", fill_value, np.flatnonzero, a)
    return getitem(_sized(reshape(a, (-1,)), size, fill_value, "flatnonzero"), (slice(None), 0))


@function
def argwhere(a: ArrayLike, *, size: int | None = None, fill_value=None) -> Array:
    """Indices of the nonzero entries, one row per entry (no gradient); ``size`` and
    ``fill_value`` as :func:`nonzero`."""
    if size is None:
        return _unsized("argwhere", fill_value, np.argwhere, a)
    return _sized(a, size, fill_value, "argwhere")


@function
def count_nonzero(a: ArrayLike, axis: Axis = None, *, keepdims: bool = False):
    """How many entries are nonzero (integers, no gradient)."""
    v = concrete(a)
    axis = legacy_0d_axis(a, axis)
    negative_axes(axis, np.ndim(v), "count_nonzero")
    return np.count_nonzero(v, axis=axis, keepdims=keepdims)


_SEARCH_METHODS = ("scan", "scan_unrolled", "sort", "compare_all")  # jax.numpy's


@function(methods=("searchsorted",))
def searchsorted(a: ArrayLike, v: ArrayLike, side: str = "left", sorter=None, *,
                 method: str = "scan"):
    """Where ``v`` would go in the sorted ``a`` (integer indices, no gradient). JAX's
    ``method`` (how XLA searches) is accepted; every method gives NumPy's result. A stack of
    sorted rows ``a`` (..., M) searches each row for the entries of ``v`` (..., K) with the
    same leading axes, as PyTorch's ``searchsorted`` (NumPy and JAX take a 1-D ``a`` only)."""
    if method not in _SEARCH_METHODS:
        raise ValueError(f"searchsorted: method={method!r} is not one of {list(_SEARCH_METHODS)}")
    a, v = as_array_like(a), as_array_like(v)
    sa = shape_of(concrete(a))
    if len(sa) > 1:
        return _searchsorted_rows(concrete(a), concrete(v), side, sorter)
    if len(sa) != 1:
        raise ValueError(f"searchsorted: a must be 1-D (sorted), got shape {sa}")
    return np.searchsorted(concrete(a), concrete(v), side=side,
                           sorter=None if sorter is None else concrete(sorter))


def _searchsorted_rows(a, v, side: str, sorter):
    sa, sv = np.shape(a), np.shape(v)
    if sa[:-1] != sv[:-1]:
        raise ValueError(f"searchsorted: a stack of sorted rows a of shape {sa} needs values v with "
                         f"the same leading axes {sa[:-1]}, got shape {sv}")
    a, v = np.asarray(a), np.asarray(v)
    order = None if sorter is None else np.asarray(concrete(sorter))
    if order is not None and order.shape != sa:
        raise ValueError(f"searchsorted: sorter of shape {order.shape} for a of shape {sa}")
    out = np.empty(sv, np.intp)
    for i in np.ndindex(*sa[:-1]):
        out[i] = np.searchsorted(a[i], v[i], side=side, sorter=None if order is None else order[i])
    return out


@function
def digitize(x: ArrayLike, bins: ArrayLike, right: bool = False, *, method: str | None = None):
    """The bin of each entry of ``x`` (integer indices, no gradient). JAX's ``method`` (how the
    bins are searched) is accepted; the result is the same."""
    return np.digitize(concrete(x), concrete(bins), right=right)


@function(methods=("argpartition",))
def argpartition(a: ArrayLike, kth, axis: int | None = -1, kind: str = "introselect", order=None):
    """Indices that partition ``a`` around its ``kth`` entry (integers, no gradient)."""
    return np.argpartition(concrete(a), kth, axis=axis, kind=kind, order=order)


@function
def lexsort(keys, axis: int = -1):
    """Indices sorting by several keys, the last one first (integers, no gradient)."""
    keys = tuple(concrete(k) for k in keys) if isinstance(keys, (list, tuple)) else concrete(keys)
    ndim = np.ndim(keys[0]) if isinstance(keys, tuple) and keys else np.ndim(keys) - 1
    if ndim > 0:  # (NumPy's message for a 0-d key stays)
        negative_axes(axis, ndim, "lexsort")
    return np.lexsort(keys, axis=axis)


@function
def isin(element: ArrayLike, test_elements: ArrayLike, assume_unique: bool = False,
         invert: bool = False, *, kind=None, method: str = "auto"):
    """Whether each entry of ``element`` is in ``test_elements`` (booleans, no gradient;
    ``method``, JAX's choice of algorithm, changes nothing)."""
    if method not in ("auto", "compare_all", "binary_search", "sort"):
        raise ValueError(f"isin: method must be 'auto', 'compare_all', 'binary_search' or 'sort', "
                         f"got {method!r}")
    return np.isin(concrete(element), concrete(test_elements), assume_unique=assume_unique,
                   invert=invert, kind=kind)


@function
def bincount(x: ArrayLike, weights: ArrayLike | None = None, minlength: int = 0, *,
             length: int | None = None):
    """Counts of each value of the non-negative integers ``x``; with ``weights``, the sum of
    the weights of each value, which differentiates with respect to the weights (the
    gradient of bin k goes to every weight whose x is k). JAX's ``length`` gives exactly that
    many bins (values from ``length`` on are dropped), so that ``tg.jit`` can trace it."""
    if length is not None:
        return _bincount_length(x, weights, int(length))
    xs = _counted(x, negative=True)
    if not is_staged(xs) and xs.size and xs.min() < 0:
        raise ValueError(f"bincount: x must be non-negative, got {int(xs.min())} (shape {xs.shape}, "
                         f"dtype {xs.dtype})")
    if weights is not None:
        weights = as_array_like(weights)
    # traced weights (a Tensor, or staged by tg.jit) of a constant x: the bins are known
    if weights is None or is_staged(xs) or not (isinstance(weights, Tensor) or is_staged(weights)):
        return np.bincount(xs, None if weights is None else concrete(weights), minlength)
    if shape_of(concrete(weights)) != xs.shape:
        raise ValueError(f"bincount: weights of shape {shape_of(concrete(weights))} do not match "
                         f"x of shape {xs.shape}")
    n = max(int(xs.max()) + 1 if xs.size else 0, int(minlength))
    return scatter_add(astype(weights, np.result_type(dtype_of(concrete(weights)), np.float64)),
                       (xs,), (n,))


@function
def unique(ar: ArrayLike, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis=None, *, equal_nan: bool = True,
           size: int | None = None, fill_value=None, sorted: bool = True):  # noqa: A002
    """The sorted distinct entries of ``ar`` (flattened, or the distinct slices along ``axis``),
    as NumPy's ``unique``; the values differentiate, each one's gradient going to its first
    occurrence. The index, inverse and
    count arrays are integers (no gradient).

    JAX's ``size`` gives exactly that many entries, so that ``tg.jit`` can trace it: the
    first ``size`` distinct values, padded with ``fill_value`` (by default the smallest
    value, whose gradient then goes to its first occurrence as well); the index is padded
    with that of the smallest value, the counts with zeros. ``sorted`` (NumPy's and JAX's)
    is accepted; the entries come sorted either way."""
    negative_axes(axis, np.ndim(concrete(ar)), "unique")
    if size is None:
        v = np.asarray(concrete(ar))
        found = np.unique(v, return_index=True, return_inverse=return_inverse,
                          return_counts=return_counts, axis=axis, equal_nan=equal_nan)
        if not isinstance(ar, Tensor):
            values = found[0]
        elif axis is None:
            values = getitem(reshape(ar, (-1,)), found[1])
        else:  # the distinct slices along axis, each one's gradient to its first occurrence
            values = getitem(ar, (slice(None),) * (int(axis) % v.ndim) + (found[1],))
        extra = ([found[1]] if return_index else []) + list(found[2:])
        return (values, *extra) if extra else values
    if axis is not None:
        raise NotImplementedError("unique: size= with axis= is not supported")
    size = checked_size("unique", size)
    v = as_array(concrete(ar))
    if v.size == 0 and size and fill_value is None:
        raise ValueError("unique: an empty input with size > 0 needs a fill_value")
    sel, pad, inverse, counts = staged_call(_unique_sized, v, size, equal_nan)
    values = getitem(reshape(ar, (-1,)), sel) if v.size else np.zeros(size, v.dtype)
    if fill_value is not None:  # (in the values' dtype, as JAX's: 2.5 fills an int array as 2)
        values = where(pad, astype(fill_value, v.dtype), values)
    extra = ([sel] if return_index else []) + ([inverse] if return_inverse else []) + \
        ([counts] if return_counts else [])
    return (values, *extra) if extra else values


def _counted(x, negative: bool = False):
    """bincount's ``x``: a 1-D array of integers (an empty list, a float array, has no entries
    to count); with ``negative`` False also checked for negative entries. A value staged by
    ``tg.jit`` comes back as it is."""
    xv = as_array(concrete(x))
    if is_staged(xv):
        return xv
    if xv.size == 0 or xv.dtype == bool:
        xv = xv.astype(np.intp)
    if xv.ndim != 1 or xv.dtype.kind not in "iu" or (not negative and xv.size and xv.min() < 0):
        raise TypeError(f"bincount: x must be a 1-D array of non-negative integers, got shape "
                        f"{xv.shape} and dtype {xv.dtype}")
    return xv


def _bincount_length(x, weights, length: int):
    xv = _counted(x)
    if length < 0:
        raise ValueError(f"bincount: length must be non-negative, got {length}")
    idx, keep = staged_call(_bins, xv, length)
    if weights is None:
        return staged_call(_count_bins, idx, keep, length)
    if shape_of(concrete(weights)) != shape_of(xv):
        raise ValueError(f"bincount: weights of shape {shape_of(concrete(weights))} do not match "
                         f"x of shape {shape_of(xv)}")
    w = astype(weights, np.result_type(dtype_of(concrete(weights)), np.float64))
    if length == 0:  # no bins: nothing is kept
        return reshape(w, (-1,))[:0]
    return scatter_add(where(keep, w, 0), (idx,), (length,))


def _bins(x, length: int):
    """The bin of each entry (0 for those dropped) and which are kept (``bincount(length=)``)."""
    keep = np.asarray(x) < length
    return np.where(keep, x, 0), keep


def _count_bins(idx, keep, length: int):
    return np.bincount(idx[keep], minlength=length)[:length]


def _unique_sized(v, size: int, equal_nan: bool):
    """For ``unique(size=)``: the first occurrence of each of the first ``size`` distinct
    values (padded with that of the smallest), the padding mask, the inverse and the counts."""
    v = np.asarray(v)
    _, first, inverse, counts = np.unique(v, return_index=True, return_inverse=True,
                                          return_counts=True, equal_nan=equal_nan)
    sel, pad = first_padded(first, size)
    k = min(first.size, size)
    return sel, pad, inverse.reshape(v.shape), np.concatenate([counts[:k], np.zeros(size - k, counts.dtype)])


def checked_size(name: str, size) -> int:
    """JAX's ``size=`` of a result whose length would depend on the values: an int ≥ 0."""
    size = int(size)
    if size < 0:
        raise ValueError(f"{name}: size must be non-negative, got {size}")
    return size


def first_padded(positions, size: int):
    """JAX's ``size=`` layout of positions: the first ``size`` of them, padded with the first
    one (0 if there is none), and the padding mask."""
    p = np.asarray(positions, dtype=np.intp).ravel()
    k = min(p.size, size)
    return np.concatenate([p[:k], np.full(size - k, p[0] if p.size else 0, np.intp)]), np.arange(size) >= k


def _numpy_where(condition, x=None, y=None, *, size: int | None = None, fill_value=None,
                 input=None, other=None):  # noqa: A002
    """``where(condition, x, y)``: x where the condition holds, else y (the branch not taken
    gets a zero gradient). With only ``condition``, NumPy's ``nonzero(condition)`` (JAX's
    ``size`` and ``fill_value`` as there). ``input`` and ``other`` are PyTorch's names of
    ``x`` and ``y`` (``where(condition=c, input=x, other=y)``)."""
    if input is not None or other is not None:
        if (input is not None and x is not None) or (other is not None and y is not None):
            raise TypeError("where: x given twice (input is PyTorch's name of x, other of y)")
        x, y = (x if input is None else input), (y if other is None else other)
    if x is None and y is None:
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise TypeError("where: give both x and y, or neither (then it is nonzero(condition))")
    if size is not None or fill_value is not None:
        raise TypeError("where: size and fill_value belong to the one-argument form")
    return where(condition, x, y)


_numpy_where.__name__ = _numpy_where.__qualname__ = "where"
_numpy_where.__module__ = "tensorgrad"
_numpy_where.op = where.op
register_numpy("numpy.where", _numpy_where)
FUNCTIONS["where"] = _numpy_where  # tg.where: both forms (the op stays the three-argument one)
