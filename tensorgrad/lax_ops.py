"""``jax.lax``'s elementwise and structural primitives, with ``jax.lax``'s names and signatures.

Each is composed from tensorgrad's ops, so every transform (grad, jacfwd, jacrev, hessian,
vmap, jit) goes through it as through any other composed function. As in JAX, the binary
ops do not promote or broadcast ranks: the operands must have one dtype (Python scalars
take the other operand's) and one shape (a 0-d operand goes with any shape).
"""
from __future__ import annotations

import builtins
import enum
from typing import Sequence

import numpy as np

from . import ops as _ops
from . import special as _special
from .ops._util import negative_axis
from .tensor import concrete, dtype_of, shape_of

__all__ = [
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil",
    "cos", "cosh", "digamma", "div", "erf", "erfc", "erf_inv", "exp", "exp2", "expm1", "floor",
    "integer_pow", "is_finite", "lgamma", "log", "log1p", "logistic", "max", "min", "mul", "neg",
    "nextafter", "pow", "reciprocal", "rem", "round", "RoundingMethod", "rsqrt", "sign", "sin",
    "sinh", "sqrt", "square", "sub", "tan", "tanh", "polygamma", "igamma", "igammac", "zeta",
    "eq", "ne", "lt", "le", "gt", "ge", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "shift_left", "shift_right_logical", "shift_right_arithmetic", "population_count", "clz",
    "broadcast", "broadcast_in_dim", "broadcast_to_rank", "concatenate", "pad", "rev",
    "transpose", "reshape", "squeeze", "expand_dims", "slice", "slice_in_dim", "index_in_dim",
    "full", "full_like", "iota", "broadcasted_iota", "collapse", "convert_element_type", "clamp",
]

_PY_SCALARS = (bool, int, float, complex)


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x)))


def _dtype(x) -> np.dtype:
    return np.dtype(dtype_of(concrete(x)))


def _check(name: str, *args) -> None:
    """JAX's rule for a binary lax op: one dtype (Python scalars are weak) and one rank, each
    axis of one size or 1 (a 0-d operand goes with any shape)."""
    arrays = [a for a in args if not isinstance(a, _PY_SCALARS)]
    dtypes = {_dtype(a) for a in arrays}
    weak = [a for a in args if isinstance(a, (float, complex))]
    if weak and any(d.kind in "biu" for d in dtypes):
        raise TypeError(f"lax.{name} requires arguments to have the same dtypes: the Python scalar "
                        f"{weak[0]!r} does not fit the {sorted(map(str, dtypes))[0]} operand")
    if len(dtypes) > 1:
        raise TypeError(f"lax.{name} requires arguments to have the same dtypes, got "
                        f"{', '.join(str(d) for d in sorted(dtypes, key=str))} (tg.{name} or "
                        "tg.numpy-style functions promote)")
    shapes = {_shape(a) for a in arrays} - {()}
    if len(shapes) > 1:  # (JAX 0.10: one rank, and along each axis one size or 1)
        ranks = {len(s) for s in shapes}
        if len(ranks) > 1:
            raise TypeError(f"lax.{name} requires arguments to have the same number of "
                            f"dimensions, got shapes {sorted(shapes)} (lax does not add axes; "
                            "see lax.broadcast_in_dim)")
        for sizes in zip(*shapes):
            if len(set(sizes) - {1}) > 1:
                raise TypeError(f"lax.{name} got incompatible shapes {sorted(shapes)}: along "
                                "each axis the sizes must match or be 1")


def _weak(name: str, *args) -> list:
    """Python scalars given the dtype of the (first) array operand, as JAX's weak types."""
    arrays = [a for a in args if not isinstance(a, _PY_SCALARS)]
    if not arrays:
        return list(args)
    dt = _dtype(arrays[0])
    try:
        return [np.asarray(a, dt) if isinstance(a, _PY_SCALARS) else a for a in args]
    except OverflowError:
        raise OverflowError(f"lax.{name}: a Python scalar in {[a for a in args if isinstance(a, _PY_SCALARS)]} "
                            f"does not fit the operand's dtype {dt}") from None


#: the transcendental functions of jax.lax that take ``accuracy=`` (a hint for the
#: accelerators' approximations: NumPy computes them in full, so it changes nothing)
_WITH_ACCURACY = {"exp", "exp2", "log", "log1p", "expm1", "tanh", "logistic", "sin", "cos", "tan",
                  "sqrt", "rsqrt", "cbrt"}


def _unary(name: str, fn, doc: str):
    if name in _WITH_ACCURACY:
        def op(x, accuracy=None):
            return fn(x)
    else:
        def op(x):
            return fn(x)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _binary(name: str, fn, doc: str):
    def op(x, y):
        _check(name, x, y)
        return fn(x, y)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


# ---- elementwise arithmetic and transcendental functions -----------------------------------
abs = _unary("abs", _ops.abs, "``jax.lax.abs``: |x|.")  # noqa: A001
acos = _unary("acos", _ops.arccos, "``jax.lax.acos``: arc cosine.")
acosh = _unary("acosh", _ops.arccosh, "``jax.lax.acosh``: inverse hyperbolic cosine.")
asin = _unary("asin", _ops.arcsin, "``jax.lax.asin``: arc sine.")
asinh = _unary("asinh", _ops.arcsinh, "``jax.lax.asinh``: inverse hyperbolic sine.")
atan = _unary("atan", _ops.arctan, "``jax.lax.atan``: arc tangent.")
atanh = _unary("atanh", _ops.arctanh, "``jax.lax.atanh``: inverse hyperbolic tangent.")
cbrt = _unary("cbrt", _ops.cbrt, "``jax.lax.cbrt``: the real cube root.")
ceil = _unary("ceil", _ops.ceil, "``jax.lax.ceil``: the smallest integer ≥ x (zero gradient).")
cos = _unary("cos", _ops.cos, "``jax.lax.cos``: cosine.")
cosh = _unary("cosh", _ops.cosh, "``jax.lax.cosh``: hyperbolic cosine.")
digamma = _unary("digamma", _special.digamma, "``jax.lax.digamma``: ψ(x) = Γ'(x)/Γ(x).")
erf = _unary("erf", _special.erf, "``jax.lax.erf``: the error function.")
erfc = _unary("erfc", _special.erfc, "``jax.lax.erfc``: 1 - erf(x).")
erf_inv = _unary("erf_inv", _special.erfinv, "``jax.lax.erf_inv``: the inverse of erf.")
exp = _unary("exp", _ops.exp, "``jax.lax.exp``: eˣ.")
exp2 = _unary("exp2", _ops.exp2, "``jax.lax.exp2``: 2ˣ.")
expm1 = _unary("expm1", _ops.expm1, "``jax.lax.expm1``: eˣ - 1, accurate near 0.")
floor = _unary("floor", _ops.floor, "``jax.lax.floor``: the largest integer ≤ x (zero gradient).")
is_finite = _unary("is_finite", _ops.isfinite, "``jax.lax.is_finite``: neither inf nor nan.")
lgamma = _unary("lgamma", _special.gammaln, "``jax.lax.lgamma``: log |Γ(x)|.")
log = _unary("log", _ops.log, "``jax.lax.log``: the natural logarithm.")
log1p = _unary("log1p", _ops.log1p, "``jax.lax.log1p``: log(1 + x), accurate near 0.")
def _logistic(x):
    if np.dtype(dtype_of(concrete(x))).kind == "c":  # (as JAX: the formula itself, complex)
        return 1.0 / (1.0 + _ops.exp(-x))
    return _ops.sigmoid(x)


logistic = _unary("logistic", _logistic, "``jax.lax.logistic``: 1 / (1 + e⁻ˣ), also of complex x.")
neg = _unary("neg", _ops.negative, "``jax.lax.neg``: -x.")
reciprocal = _unary("reciprocal", _ops.reciprocal, "``jax.lax.reciprocal``: 1 / x.")
sin = _unary("sin", _ops.sin, "``jax.lax.sin``: sine.")
sinh = _unary("sinh", _ops.sinh, "``jax.lax.sinh``: hyperbolic sine.")
sqrt = _unary("sqrt", _ops.sqrt, "``jax.lax.sqrt``: √x.")
square = _unary("square", _ops.square, "``jax.lax.square``: x².")
tan = _unary("tan", _ops.tan, "``jax.lax.tan``: tangent.")
tanh = _unary("tanh", _ops.tanh, "``jax.lax.tanh``: hyperbolic tangent.")


def sign(x):
    """``jax.lax.sign``: -1, 0 or 1 (a float zero keeps its sign, as JAX; zero gradient, also
    for a complex x, whose sign is x/|x|, as JAX's)."""
    if _dtype(x).kind == "c":
        return _ops.sign(_ops.stop_gradient(x))
    if _dtype(x).kind != "f":
        return _ops.sign(x)
    v = _ops.stop_gradient(x)
    return _ops.where(_ops.equal(v, 0), v, _ops.sign(x))


def rsqrt(x, accuracy=None):
    """``jax.lax.rsqrt``: 1 / √x (NumPy's and JAX's values at −0.0 and −inf too;
    ``accuracy``, JAX's hint, changes nothing)."""
    return _ops.reciprocal(_ops.sqrt(x))


add = _binary("add", _ops.add, "``jax.lax.add``: x + y.")
sub = _binary("sub", _ops.subtract, "``jax.lax.sub``: x - y.")
mul = _binary("mul", _ops.multiply, "``jax.lax.mul``: x · y.")
max = _binary("max", _ops.maximum, "``jax.lax.max``: the larger of x and y (ties share the gradient).")  # noqa: A001
min = _binary("min", _ops.minimum, "``jax.lax.min``: the smaller of x and y (ties share the gradient).")  # noqa: A001
atan2 = _binary("atan2", _ops.arctan2, "``jax.lax.atan2``: the angle of the point (y=x, x=y).")
_igamma = _binary("igamma", _special.gammainc, "")
_igammac = _binary("igammac", _special.gammaincc, "")
_zeta = _binary("zeta", _special.zeta, "")
_polygamma = _binary("polygamma", _special.polygamma, "")


def igamma(a, x):
    """``jax.lax.igamma``: the regularized lower incomplete gamma P(a, x)."""
    return _igamma(a, x)


def igammac(a, x):
    """``jax.lax.igammac``: the regularized upper incomplete gamma Q(a, x)."""
    return _igammac(a, x)


def zeta(x, q):
    """``jax.lax.zeta``: the Hurwitz zeta function ζ(x, q)."""
    return _zeta(x, q)


def polygamma(m, x):
    """``jax.lax.polygamma``: ψ⁽ᵐ⁾(x)."""
    return _polygamma(m, x)
eq = _binary("eq", _ops.equal, "``jax.lax.eq``: x == y.")
ne = _binary("ne", _ops.not_equal, "``jax.lax.ne``: x != y.")
lt = _binary("lt", _ops.less, "``jax.lax.lt``: x < y.")
le = _binary("le", _ops.less_equal, "``jax.lax.le``: x ≤ y.")
gt = _binary("gt", _ops.greater, "``jax.lax.gt``: x > y.")
ge = _binary("ge", _ops.greater_equal, "``jax.lax.ge``: x ≥ y.")
bitwise_and = _binary("bitwise_and", _ops.bitwise_and, "``jax.lax.bitwise_and``: x & y (logical and for booleans).")
bitwise_or = _binary("bitwise_or", _ops.bitwise_or, "``jax.lax.bitwise_or``: x | y (logical or for booleans).")
bitwise_xor = _binary("bitwise_xor", _ops.bitwise_xor, "``jax.lax.bitwise_xor``: x ^ y (logical xor for booleans).")
bitwise_not = _unary("bitwise_not", _ops.bitwise_not, "``jax.lax.bitwise_not``: ~x (logical not for booleans).")


def _is_int(x) -> bool:
    return _dtype(x).kind in "iu"


def div(x, y):
    """``jax.lax.div``: x / y; integers are divided rounding toward zero (x / 0 gives -1, as XLA)."""
    _check("div", x, y)
    x, y = _weak("div", x, y)
    if not _is_int(x):
        return _ops.true_divide(x, y)
    zero = _ops.equal(y, 0)
    safe = _ops.where(zero, 1, y)
    with np.errstate(over="ignore"):   # the minimum integer / -1 wraps to itself, as XLA
        q = _ops.floor_divide(x, safe)
        inexact = _ops.not_equal(_ops.remainder(x, safe), 0)
    q = _ops.where(inexact & _ops.not_equal(_ops.less(x, 0), _ops.less(safe, 0)), q + 1, q)
    return _ops.astype(_ops.where(zero, -1, q), _dtype(q))


def rem(x, y):
    """``jax.lax.rem``: the remainder of x / y with the sign of x (C's fmod; integer x % 0 is x)."""
    _check("rem", x, y)
    x, y = _weak("rem", x, y)
    if _is_int(x):
        zero = _ops.equal(y, 0)
        return _ops.where(zero, x, _ops.fmod(x, _ops.where(zero, 1, y)))
    with np.errstate(invalid="ignore", divide="ignore"):   # x rem 0 is nan, as JAX
        return _ops.fmod(x, y)


def pow(x, y):  # noqa: A001
    """``jax.lax.pow``: xʸ; as JAX, an integer exponent array goes with a float or complex x
    (the result keeps x's dtype; a Python float or complex x is float64 or complex128)."""
    if isinstance(x, (float, complex)) and not isinstance(y, _PY_SCALARS) and _dtype(y).kind in "iu":
        x = np.asarray(x, np.complex128 if isinstance(x, complex) else np.float64)
    if not isinstance(x, _PY_SCALARS) and not isinstance(y, _PY_SCALARS) \
            and _dtype(x).kind in "fc" and _dtype(y).kind in "iu":
        shapes = {_shape(x), _shape(y)} - {()}
        if len(shapes) > 1:
            raise TypeError(f"lax.pow requires arguments to have the same shape, got {sorted(shapes)}")
        return _ops.power(x, _ops.astype(y, _dtype(x)))
    _check("pow", x, y)
    return _ops.power(x, y)


def integer_pow(x, y: int):
    """``jax.lax.integer_pow``: xʸ for a Python integer y."""
    if isinstance(y, bool) or not isinstance(y, (int, np.integer)):
        raise TypeError(f"lax.integer_pow: the exponent must be a Python int, got {y!r} ({type(y).__name__})")
    if int(y) == 0:
        return _ops.ones_like(x)
    if int(y) == -1 and _dtype(x).kind in "fc":   # 1/x: its derivatives are infinite at 0
        return _ops.reciprocal(x)
    return _ops.power(x, int(y))


class RoundingMethod(enum.IntEnum):
    """``jax.lax.RoundingMethod``: how ``round`` breaks ties at .5."""
    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


def round(x, rounding_method=RoundingMethod.AWAY_FROM_ZERO):  # noqa: A001
    """``jax.lax.round``: the nearest integer, ties away from zero or to even (zero gradient)."""
    try:
        method = RoundingMethod(int(rounding_method))
    except (TypeError, ValueError):
        raise ValueError(f"lax.round: rounding_method must be 0 (AWAY_FROM_ZERO) or 1 "
                         f"(TO_NEAREST_EVEN), got {rounding_method!r}") from None
    if method == RoundingMethod.TO_NEAREST_EVEN:
        return _ops.round(x)
    whole = _ops.trunc(x)   # x - trunc(x) is exact, so halves are found exactly
    frac = x - _ops.where(_ops.isinf(x), 0, whole)
    return _ops.where(_ops.greater_equal(_ops.abs(frac), 0.5), whole + _ops.sign(x), whole)


def nextafter(x1, x2):
    """``jax.lax.nextafter``: the next floating-point value after x1 towards x2.

    It has no derivative (JAX has none either): under a differentiating transform it raises,
    as ``np.nextafter`` on a traced value does, instead of a silent zero. It runs under
    ``tg.jit`` and ``tg.vmap``.
    """
    _check("nextafter", x1, x2)
    dt = _dtype(x1)
    if dt.kind != "f":
        raise TypeError(f"lax.nextafter: the operands must be floating point, got {dt}")
    return np.nextafter(x1, x2)


# ---- bit manipulation -----------------------------------------------------------------------
def _bits(x, name: str) -> tuple:
    dt = _dtype(x)
    if dt.kind not in "iu":
        raise TypeError(f"lax.{name}: the operands must be integers, got {dt}")
    return dt, np.dtype(f"u{dt.itemsize}"), np.dtype(f"i{dt.itemsize}"), 8 * dt.itemsize


def shift_left(x, y):
    """``jax.lax.shift_left``: x << y (0 once y ≥ the bit width, as XLA)."""
    _check("shift_left", x, y)
    x, y = _weak("shift_left", x, y)
    dt, _, _, n = _bits(x, "shift_left")
    big = _ops.greater_equal(y, n) | _ops.less(y, 0)
    return _ops.where(big, _ops.zeros_like(x), _ops.left_shift(x, _ops.where(big, 0, y)))


def shift_right_logical(x, y):
    """``jax.lax.shift_right_logical``: x >> y filling with zeros (0 once y ≥ the bit width)."""
    _check("shift_right_logical", x, y)
    x, y = _weak("shift_right_logical", x, y)
    dt, unsigned, _, n = _bits(x, "shift_right_logical")
    big = _ops.greater_equal(y, n) | _ops.less(y, 0)
    u = _ops.right_shift(_ops.astype(x, unsigned), _ops.astype(_ops.where(big, 0, y), unsigned))
    return _ops.where(big, _ops.zeros_like(x), _ops.astype(u, dt))


def shift_right_arithmetic(x, y):
    """``jax.lax.shift_right_arithmetic``: x >> y filling with the sign bit (all sign bits once
    y ≥ the bit width or y < 0, as XLA)."""
    _check("shift_right_arithmetic", x, y)
    x, y = _weak("shift_right_arithmetic", x, y)
    dt, _, signed, n = _bits(x, "shift_right_arithmetic")
    s = _ops.astype(x, signed)
    big = _ops.greater_equal(y, n) | _ops.less(y, 0)     # a negative amount fills with the sign
    shifted = _ops.right_shift(s, _ops.astype(_ops.where(big, n - 1, y), signed))
    return _ops.astype(shifted, dt)


def population_count(x):
    """``jax.lax.population_count``: the number of set bits of each entry."""
    dt, unsigned, _, _ = _bits(x, "population_count")
    return _ops.astype(_ops.bitwise_count(_ops.astype(x, unsigned)), dt)


def clz(x):
    """``jax.lax.clz``: the number of leading zero bits of each entry."""
    dt, unsigned, _, n = _bits(x, "clz")
    u = _ops.astype(x, unsigned)
    width = sum(_ops.astype(_ops.not_equal(_ops.right_shift(u, unsigned.type(k)), 0), dt)
                for k in range(n))
    return _ops.astype(n - width, dt)


# ---- shapes ---------------------------------------------------------------------------------
def _ints(v, name: str, what: str) -> tuple:
    try:
        return tuple(int(i) for i in v)
    except TypeError:
        raise TypeError(f"lax.{name}: {what} must be a sequence of integers, got {v!r}") from None


def broadcast(operand, sizes: Sequence[int]):
    """``jax.lax.broadcast``: ``operand`` with new leading axes of the given sizes."""
    sizes = _ints(sizes, "broadcast", "sizes")
    return _ops.broadcast_to(operand, sizes + _shape(operand))


def broadcast_in_dim(operand, shape: Sequence[int], broadcast_dimensions: Sequence[int]):
    """``jax.lax.broadcast_in_dim``: ``operand``'s axis i placed at output axis
    ``broadcast_dimensions[i]`` of ``shape`` (sizes equal or 1), the other axes broadcast
    (distinct dimensions in any order, as JAX: a decreasing pair transposes)."""
    shape = _ints(shape, "broadcast_in_dim", "shape")
    dims = _ints(broadcast_dimensions, "broadcast_in_dim", "broadcast_dimensions")
    ins = _shape(operand)
    if len(dims) != len(ins) or any(d < 0 or d >= len(shape) for d in dims) \
            or len(set(dims)) != len(dims) \
            or any(s not in (1, shape[d]) for s, d in zip(ins, dims)):
        raise TypeError(f"lax.broadcast_in_dim: cannot place an operand of shape {ins} at "
                        f"dimensions {dims} of shape {shape} (one distinct dimension per "
                        "operand axis, each of size 1 or the target's)")
    if any(a > b for a, b in zip(dims, dims[1:])):   # operand axes in the order of their targets
        perm = tuple(sorted(range(len(dims)), key=lambda i: dims[i]))
        operand = _ops.transpose(operand, perm)
        ins, dims = tuple(ins[i] for i in perm), tuple(dims[i] for i in perm)
    mid = [1] * len(shape)
    for s, d in zip(ins, dims):
        mid[d] = s
    return _ops.broadcast_to(_ops.reshape(operand, tuple(mid)), shape)


def broadcast_to_rank(x, rank: int):
    """``jax.lax.broadcast_to_rank``: ``x`` with leading axes of size 1 up to ``rank`` axes
    (``x`` itself when it has that many already, as JAX)."""
    nd = len(_shape(x))
    if rank <= nd:
        return x
    return _ops.reshape(x, (1,) * (rank - nd) + _shape(x))


def concatenate(operands: Sequence, dimension: int):
    """``jax.lax.concatenate``: ``operands`` joined along ``dimension`` (equal ranks and dtypes)."""
    operands = list(operands)
    if not operands:
        raise ValueError("lax.concatenate: give at least one operand")
    shapes = [_shape(o) for o in operands]
    nd = len(shapes[0])
    if any(len(s) != nd for s in shapes) or not 0 <= dimension < max(nd, 1) or any(
            s[:dimension] + s[dimension + 1:] != shapes[0][:dimension] + shapes[0][dimension + 1:]
            for s in shapes):
        raise TypeError(f"lax.concatenate: cannot join shapes {shapes} along dimension {dimension}")
    dtypes = {_dtype(o) for o in operands}
    if len(dtypes) > 1:
        raise TypeError(f"lax.concatenate: the operands must have one dtype, got {sorted(map(str, dtypes))}")
    return _ops.concatenate(operands, axis=dimension)


def pad(operand, padding_value, padding_config: Sequence):
    """``jax.lax.pad``: ``(low, high, interior)`` padding per axis with ``padding_value``
    (negative low/high crop)."""
    shape = _shape(operand)
    cfg = [tuple(int(v) for v in c) for c in padding_config]
    if len(cfg) != len(shape) or any(len(c) != 3 for c in cfg):
        raise ValueError(f"lax.pad: padding_config must hold one (low, high, interior) per axis of "
                         f"the operand of shape {shape}, got {list(padding_config)}")
    if _shape(padding_value) != ():
        raise ValueError(f"lax.pad: padding_value must be a scalar, got shape {_shape(padding_value)}")
    if not isinstance(padding_value, _PY_SCALARS) and _dtype(padding_value) != _dtype(operand):
        raise TypeError(f"lax.pad: padding_value's dtype {_dtype(padding_value)} differs from the "
                        f"operand's {_dtype(operand)}")
    if isinstance(padding_value, _PY_SCALARS) and "biufc".index(_dtype(operand).kind) < "biufc".index(
            np.result_type(padding_value).kind) and not (isinstance(padding_value, bool) and _dtype(operand).kind in "iu"):
        raise TypeError(f"lax.pad: the Python {type(padding_value).__name__} padding_value "
                        f"{padding_value!r} does not fit the {_dtype(operand)} operand (JAX raises)")
    if any(i < 0 for _, _, i in cfg):
        raise ValueError(f"lax.pad: interior padding must be ≥ 0, got {cfg}")
    dilated = [n + (n - 1) * i if n else 0 for n, (_, _, i) in zip(shape, cfg)]
    final = [lo + d + hi for d, (lo, hi, _) in zip(dilated, cfg)]
    if any(f < 0 for f in final):
        raise ValueError(f"lax.pad: padding {cfg} of shape {shape} gives the negative shape {tuple(final)}")
    big = tuple(builtins.max(lo, 0) + d + builtins.max(hi, 0) for d, (lo, hi, _) in zip(dilated, cfg))
    fill = _ops.broadcast_to(_ops.astype(padding_value, _dtype(operand)), big)
    where = tuple(_builtin_slice(builtins.max(lo, 0), builtins.max(lo, 0) + d, i + 1) for d, (lo, _, i) in zip(dilated, cfg))
    out = _ops.at(fill)[where].set(operand)
    crop = tuple(_builtin_slice(-builtins.min(lo, 0), b + builtins.min(hi, 0)) for b, (lo, hi, _) in zip(big, cfg))
    return _ops.getitem(out, crop)


def rev(operand, dimensions: Sequence[int]):
    """``jax.lax.rev``: ``operand`` reversed along ``dimensions``."""
    dims = _ints(dimensions, "rev", "dimensions")
    nd = len(_shape(operand))
    if any(not 0 <= d < nd for d in dims) or len(set(dims)) != len(dims):
        raise TypeError(f"lax.rev: dimensions {dims} are not distinct axes of a rank-{nd} operand")
    return _ops.flip(operand, dims) if dims else operand


def transpose(operand, permutation: Sequence[int]):
    """``jax.lax.transpose``: output axis i is ``operand``'s axis ``permutation[i]``."""
    perm = _ints(permutation, "transpose", "permutation")
    nd = len(_shape(operand))
    if sorted(perm) != list(range(nd)):
        raise TypeError(f"lax.transpose: {perm} is not a permutation of the {nd} axes of shape {_shape(operand)}")
    return _ops.transpose(operand, perm)


def reshape(operand, new_sizes: Sequence[int], dimensions: Sequence[int] | None = None):
    """``jax.lax.reshape``: ``operand`` (axes first permuted by ``dimensions``) in row-major
    order with shape ``new_sizes``."""
    sizes = _ints(new_sizes, "reshape", "new_sizes")
    shape = _shape(operand)
    if int(np.prod(sizes)) != int(np.prod(shape)) or any(s < 0 for s in sizes):
        raise TypeError(f"lax.reshape: cannot reshape shape {shape} to {sizes}")
    if dimensions is not None:
        operand = transpose(operand, dimensions)
    return _ops.reshape(operand, sizes)


def _axis(axis, nd: int, fn: str) -> int:
    """One axis of a rank-``nd`` operand, in range (negative from the end) and an int, as
    JAX checks it: never wrapped around."""
    return negative_axis(axis, nd, f"lax.{fn}") + nd


def squeeze(array, dimensions: Sequence[int]):
    """``jax.lax.squeeze``: ``array`` without the (size-1) axes ``dimensions``."""
    shape = _shape(array)
    dims = tuple(_axis(d, len(shape), "squeeze") for d in _ints(dimensions, "squeeze", "dimensions"))
    if any(not 0 <= d < len(shape) or shape[d] != 1 for d in dims):
        raise ValueError(f"lax.squeeze: dimensions {tuple(dimensions)} are not axes of size 1 of shape {shape}")
    return _ops.squeeze(array, axis=dims) if dims else array


def expand_dims(array, dimensions: Sequence[int]):
    """``jax.lax.expand_dims``: ``array`` with size-1 axes at the output positions ``dimensions``."""
    dims = _ints(dimensions, "expand_dims", "dimensions")
    out_nd = len(_shape(array)) + len(dims)
    if any(not -out_nd <= d < out_nd for d in dims) or len({d % out_nd for d in dims}) != len(dims):
        raise ValueError(f"lax.expand_dims: dimensions {dims} are not distinct axes of the rank-{out_nd} "
                         f"result for shape {_shape(array)}")
    return _ops.expand_dims(array, dims) if dims else array


_builtin_slice = slice


def slice(operand, start_indices: Sequence[int], limit_indices: Sequence[int],  # noqa: A001
          strides: Sequence[int] | None = None):
    """``jax.lax.slice``: ``operand[start:limit:stride]`` on every axis (indices in range)."""
    shape = _shape(operand)
    start = _ints(start_indices, "slice", "start_indices")
    limit = _ints(limit_indices, "slice", "limit_indices")
    step = (1,) * len(shape) if strides is None else _ints(strides, "slice", "strides")
    if not len(start) == len(limit) == len(step) == len(shape) or any(
            not 0 <= b <= e <= n or s < 1 for b, e, s, n in zip(start, limit, step, shape)):
        raise TypeError(f"lax.slice: start {start}, limit {limit} and strides {step} do not fit "
                        f"shape {shape} (0 ≤ start ≤ limit ≤ size, strides ≥ 1)")
    return _ops.getitem(operand, tuple(_builtin_slice(b, e, s) for b, e, s in zip(start, limit, step)))


def slice_in_dim(operand, start_index: int | None, limit_index: int | None, stride: int = 1,
                 axis: int = 0):
    """``jax.lax.slice_in_dim``: ``lax.slice`` along one axis (negative indices from the end)."""
    shape = _shape(operand)
    axis = _axis(axis, len(shape), "slice_in_dim")
    n = shape[axis]
    b = 0 if start_index is None else int(start_index)
    e = n if limit_index is None else int(limit_index)
    b, e = b + n if b < 0 else b, e + n if e < 0 else e
    starts, limits, steps = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis], steps[axis] = b, e, int(stride)
    return slice(operand, starts, limits, steps)


def index_in_dim(operand, index: int, axis: int = 0, keepdims: bool = True):
    """``jax.lax.index_in_dim``: entry ``index`` along ``axis`` (kept as a size-1 axis if keepdims)."""
    shape = _shape(operand)
    axis = _axis(axis, len(shape), "index_in_dim")
    i = int(index) + shape[axis] if int(index) < 0 else int(index)
    if not 0 <= i < shape[axis]:
        raise IndexError(f"lax.index_in_dim: index {index} is out of range for axis {axis} of shape {shape}")
    out = slice_in_dim(operand, i, i + 1, 1, axis)
    return out if keepdims else _ops.squeeze(out, axis=axis)


def full(shape: Sequence[int], fill_value, dtype=None, *, sharding=None):
    """``jax.lax.full``: an array of ``shape`` (a sequence of ints, or one int) filled with the
    scalar ``fill_value``."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (int(shape),)
    shape = _ints(shape, "full", "shape")
    if _shape(fill_value) != ():
        raise TypeError(f"lax.full: fill_value must be a scalar, got shape {_shape(fill_value)}")
    if dtype is None:
        dtype = np.result_type(fill_value) if isinstance(fill_value, _PY_SCALARS) else _dtype(fill_value)
    return _ops.broadcast_to(_ops.astype(fill_value, np.dtype(dtype)), shape)


def full_like(x, fill_value, dtype=None, shape=None, sharding=None):
    """``jax.lax.full_like``: ``full`` with ``x``'s shape and dtype unless given."""
    return full(_shape(x) if shape is None else shape, fill_value,
                _dtype(x) if dtype is None else dtype)


def iota(dtype, size: int, *, sharding=None):
    """``jax.lax.iota``: 0, 1, ..., size - 1 as ``dtype``."""
    dt = np.dtype(dtype)
    if dt.kind not in "iufc" or int(size) < 0:
        raise TypeError(f"lax.iota: needs an integer, float or complex dtype and a size ≥ 0, got "
                        f"{dt} and {size}")
    return np.arange(int(size), dtype=dt)


def broadcasted_iota(dtype, shape: Sequence[int], dimension: int, *, sharding=None):
    """``jax.lax.broadcasted_iota``: an array of ``shape`` whose entries count along ``dimension``."""
    shape = _ints(shape, "broadcasted_iota", "shape")
    if not 0 <= dimension < len(shape):
        raise ValueError(f"lax.broadcasted_iota: dimension {dimension} is not an axis of shape {shape}")
    return broadcast_in_dim(iota(dtype, shape[dimension]), shape, (dimension,))


def collapse(operand, start_dimension: int, stop_dimension: int | None = None):
    """``jax.lax.collapse``: axes ``start_dimension:stop_dimension`` merged into one (the bounds
    are Python slice bounds, as JAX's: a negative one counts from the end, and one past either
    end is clamped to it)."""
    shape = _shape(operand)
    lo, hi, _ = builtins.slice(start_dimension, stop_dimension).indices(len(shape))  # clamped, as JAX's
    if hi < lo:
        raise ValueError(f"lax.collapse: the dimensions {start_dimension}:{stop_dimension} of shape {shape} are empty")
    return _ops.reshape(operand, shape[:lo] + (int(np.prod(shape[lo:hi])),) + shape[hi:])


def convert_element_type(operand, new_dtype):
    """``jax.lax.convert_element_type``: ``operand`` cast to ``new_dtype`` (the gradient flows
    between float types). Floats to integers saturate as JAX: truncated toward zero, clipped
    to the integer range (±inf to its bounds) and NaN to 0."""
    try:
        dt = np.dtype(new_dtype)
    except TypeError:
        raise TypeError(f"lax.convert_element_type: {new_dtype!r} is not a dtype (operand of shape "
                        f"{_shape(operand)} and dtype {_dtype(operand)})") from None
    if _dtype(operand).kind != "f" or dt.kind not in "iu":
        with np.errstate(over="ignore"):   # a value beyond a narrower float's range is ±inf, as XLA
            return _ops.astype(operand, dt)
    info = np.iinfo(dt)
    xf = _ops.astype(_ops.stop_gradient(operand), np.float64)
    lo, top = float(info.min), float(info.max) + 1.0          # powers of two: exact in float64
    under, over = _ops.less(xf, lo), _ops.greater_equal(xf, top)
    bad = under | over | _ops.isnan(xf)
    out = _ops.astype(_ops.trunc(_ops.where(bad, 0.0, xf)), dt)
    return _ops.where(under, np.array(info.min, dt), _ops.where(over, np.array(info.max, dt), out))


def clamp(min, x, max):  # noqa: A002
    """``jax.lax.clamp``: x limited to [min, max]. As in JAX, the gradient goes to x strictly
    inside, to min strictly below it and to max strictly above it (none at the bounds)."""
    shape = _shape(x)
    for what, v in (("min", min), ("max", max)):
        if _shape(v) not in ((), shape):
            raise TypeError(f"lax.clamp: {what} must be a scalar or of x's shape {shape}, got {_shape(v)}")
    arrays = [v for v in (min, x, max) if not isinstance(v, _PY_SCALARS)]
    if len({_dtype(v) for v in arrays}) > 1:
        raise TypeError(f"lax.clamp: the operands must have one dtype, got {[str(_dtype(v)) for v in arrays]}")
    if any(isinstance(v, (float, complex)) for v in (min, max)) and _dtype(x).kind in "biu":
        raise TypeError(f"lax.clamp: a Python float bound does not fit the {_dtype(x)} operand x")
    x, min, max = _weak("clamp", x, min, max)  # noqa: A001
    value = _ops.stop_gradient(_ops.minimum(_ops.maximum(x, min), max))
    inside = _ops.greater(x, min) & _ops.less(x, max)
    below = _ops.greater(min, x) & _ops.less(min, max)
    above = _ops.less(max, x)
    lo = _ops.broadcast_to(min, shape)
    hi = _ops.broadcast_to(max, shape)
    return _ops.where(inside, x, _ops.where(below, lo, _ops.where(above, hi, value)))
