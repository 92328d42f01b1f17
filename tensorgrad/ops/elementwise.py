"""Elementwise ops: each Jacobian is diagonal, so each op gives only d(out)/d(input).

Read each entry as ``name: forward, derivative per input``. From the
derivative the registry builds the VJP ``g ⊙ d``, the JVP ``t ⊙ d`` and the
structured Jacobian ``Diagonal(d)``. Derivatives reuse the forward output
where they can (``tanh' = 1 − out²``, ``exp' = out``). A derivative of ``1``
or ``-1`` passes the cotangent through untouched (no multiply).
"""
from __future__ import annotations

import math

import numpy as np

from ..staging import call as _staged_call
from ..registry import Computed, Example, elementwise, function, linear, nondifferentiable
from ..tree import tree_map
from ..jacobians.maps import Identity
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import as_array_like, concrete, dtype_of, is_staged, may_any, on_a_trace, shape_of
from .complex_ops import conj_part, real_part


def _mask(cond, like):
    """A float mask (0/1) of a non-differentiable condition, in ``like``'s dtype."""
    c = concrete(cond)
    if is_staged(c):  # under tg.jit: recorded, so a replay computes it from the new values
        return c.astype(dtype_of(like))
    return np.asarray(c, dtype=dtype_of(like))


def _tie_share(x, y, out):
    # d max(x, y)/dx: 1 where x wins, 1/2 on a tie (the two shares sum to 1).
    xv, yv = concrete(x), concrete(y)
    return _mask(np.greater(xv, yv), out) + 0.5 * _mask(np.equal(xv, yv), out)


def _tie_share_min(x, y, out):
    xv, yv = concrete(x), concrete(y)
    return _mask(np.less(xv, yv), out) + 0.5 * _mask(np.equal(xv, yv), out)


# ---- arithmetic ------------------------------------------------------------
add = elementwise("add", np.add, d={"x": 1, "y": 1}, jax="jax.numpy.add",
                  symbol="I (each input)", doc="x + y", methods=("__add__", "__radd__"))
subtract = elementwise("subtract", np.subtract, d={"x": 1, "y": -1}, jax="jax.numpy.subtract",
                       symbol="I, −I", doc="x − y", methods=("__sub__", "__rsub__"))
multiply = elementwise("multiply", np.multiply,
                       d={"x": lambda out, x, y: y, "y": lambda out, x, y: x},
                       jax="jax.numpy.multiply", symbol="diag(y), diag(x)", doc="x ⊙ y",
                       methods=("__mul__", "__rmul__"))
def _reciprocal(y):
    """1 / y as NumPy computes it (1/±0 = ±inf), keeping a Python number a Python number (its
    weak dtype): Python's own 1 / 0 raises ZeroDivisionError."""
    if type(y) in (int, float) and y == 0:
        return math.copysign(math.inf, y)
    return 1 / y


def _divide_rule_y(g, out, x, y):
    # −(g·out)/y, not g·(−out/y): for out = 1/y of a tiny y (the slope of log y, 1e161 at
    # y = 1e-161) out/y overflows where g·out, a tangent of y's size times out, does not
    return -(g * out) / y


divide = elementwise("divide", np.true_divide,
                     d={"x": lambda out, x, y: _reciprocal(y), "y": lambda out, x, y: -out / y},
                     vjp={"y": _divide_rule_y}, jvp={"y": _divide_rule_y},
                     jax="jax.numpy.divide", symbol="diag(1/y), diag(−x/y²)",
                     domain=("real", "nonzero"), doc="x / y",
                     methods=("__truediv__", "__rtruediv__"), aliases=("true_divide",))
negative = elementwise("negative", np.negative, d={"x": -1}, jax="jax.numpy.negative",
                       symbol="−I", doc="−x", methods=("__neg__",))
def _times_steep(g, slope, steep, deps=()):
    """``g ⊙ slope`` where ``slope`` is ±inf on the mask ``steep``; there a zero ``g`` gives 0.

    At a point where the derivative is infinite (√x at 0, x^½ at 0) a zero
    cotangent or tangent means "nothing flows here", so the product is 0
    rather than the NaN of 0·inf. ``slope`` must already be finite off the mask.

    ``deps`` are the op's inputs, which the slope is a function of (not its output: a
    function of them, whose own slope may be inf where the output overflowed, and 0·inf
    would leak NaN into other entries). On the mask the slope is a constant ±inf, so
    differentiating this product again would give 0 there, which is wrong (the next
    derivative is infinite or has no limit): each traced dependency instead gets NaN as
    the derivative of the steep entries that carry a non-zero ``g``.
    """
    if not may_any(steep):
        return g * slope
    gz = np.equal(concrete(g), 0)
    # on the mask: g·(±inf), or g·0 where g = 0 (never the 0·inf that makes NaN)
    s = concrete(slope)
    dt = dtype_of(g)
    if dtype_of(s).kind == "c" or dt.kind == "c":
        # a complex branch point (√z at 0): an infinite slope with no one direction, NaN + NaN·i
        # as JAX gives; a zero g still gives 0
        inf, dt = complex(np.nan, np.nan), np.result_type(dt, dtype_of(s))
    else:
        inf = np.copysign(np.inf, s)
    factor = np.where(steep, np.where(gz, 0.0, inf), 1.0).astype(dt)
    out = where(steep, g * factor, g * where(steep, 1, slope))
    if any(on_a_trace(d) for d in deps):
        out = nan_slopes(out, np.logical_and(steep, np.logical_not(gz)), deps)
    return out


def nan_slopes(value, mask, deps):
    """``value`` (its values unchanged) whose derivative in each traced one of ``deps`` is
    NaN where ``mask`` (and something flows in): what a rule adds where its own slope is
    undefined, so that differentiating it again cannot give a silent 0 there.

    One ``nan_slope`` of all the traced deps together (the first plus a zero-valued
    ``nan_slope`` of each other one, so no arithmetic on their values): its own rule keeps
    the NaN at every further order, in each of the deps, not only the one it came from."""
    traced = [d for d in deps if on_a_trace(d)]
    if not traced:
        return value
    z = traced[0]
    for d in traced[1:]:
        z = z + nan_slope(d, mask)
    return value + nan_slope(z, mask)


def _steep(parts):
    """The VJP and JVP rule ``g ⊙ slope`` of ``parts(out, *inputs) -> (slope, steep)``, a
    derivative that is ±inf on the mask ``steep``: there a zero g (or t) gives 0, never the
    NaN of 0·inf (as for √x at 0); a second derivative there is NaN (see :func:`_times_steep`)."""
    def rule(g, out, *args):
        slope, steep = parts(out, *args)
        return _times_steep(g, slope, steep, args)
    return rule


def _slope(parts):
    """The elementwise derivative of ``parts`` (its slope, ±inf where steep)."""
    return lambda out, *args: parts(out, *args)[0]


def _power_dx_parts(out, x, y):
    """(slope, steep): y·x^(y−1) with the points where it is infinite marked.

    The slope of x⁰ is 0 everywhere (also at 0, where 0⁰ = 1 by NumPy's
    convention); for x = 0 and y < 1 (y ≠ 0) the slope is infinite.
    """
    if (type(y) is int or type(y) is float) and y >= 1:
        # a Python exponent of at least 1 (x ** 2): x^(y−1) is finite everywhere, so there
        # are no steep points to look for; the square's slope is one product
        return (2 * x if y == 2 else y * x ** (y - 1)), False
    xv, yv = concrete(x), concrete(y)
    if dtype_of(xv).kind == "c" or dtype_of(yv).kind == "c":  # the principal branch: y·x^(y−1)
        # infinite at x = 0 for Re y < 1 (y ≠ 0; the slope of x⁰ is 0): evaluated at 1 there,
        # the mask marks it (a branch point, see _times_steep)
        at0 = np.equal(xv, 0) & (np.real(yv) < 1)
        if not may_any(at0):
            return y * x ** (y - 1), False
        steep = np.broadcast_to(at0 & ~np.equal(yv, 0), np.shape(concrete(out)))
        return y * where(at0, 1.0, x) ** (y - 1), steep
    y0 = np.equal(yv, 0)
    steep = np.broadcast_to(np.equal(xv, 0) & (yv < 1) & ~y0, np.shape(concrete(out)))
    if isinstance(y, (int, float)):  # a Python number stays one (it keeps x's dtype)
        ys = 1 if y == 0 else y
    else:
        # Only where x = 0 too does x^(y−1) blow up (0·inf); elsewhere keep the traced y,
        # so that the slope's own derivative in y, x^(y−1)·(1 + y·log x), is right at y = 0.
        y00 = y0 & np.equal(xv, 0)
        ys = where(y00, 1, y) if may_any(y00) else y
    if may_any(steep):  # evaluate x^(y−1) at ±1 instead of ±0 there; the mask restores the inf
        at0 = np.equal(xv, 0) & (yv < 1)
        # (−0)^(y−1) is −inf for an odd integer y − 1: take the sign from −1 there
        neg = at0 & np.signbit(xv) & np.equal(np.mod(np.where(np.isfinite(yv), yv, 0) - 1, 2), 1)
        x = where(at0, np.where(neg, -1.0, 1.0), x)
    return y * x ** (ys - 1), steep


def _power_dx(out, x, y):
    slope, steep = _power_dx_parts(out, x, y)
    if may_any(steep):
        return where(steep, np.inf, slope)
    return slope


def _power_rule_x(g, out, x, y):
    slope, steep = _power_dx_parts(out, x, y)
    return _at_zero_zero(_times_steep(g, slope, steep, (x, y)), g, x, y, y)


def _at_zero_zero(value, g, x, y, other):
    """``value``, a rule's product for x ** y, made NaN-sloped in ``other`` (the input the
    rule is not for) where x = 0 and y ≤ 1: the mixed derivative x^(y−1)·(1 + y·log x) is
    unbounded there (1/x on the line y = 0, 1 + log x on y = 1, an infinite slope below),
    while the y rule's slope log(x)·x^y is taken as 0 at x = 0 and the x rule's is finite on
    y = 0 and y = 1, which differentiating again would turn into a finite number."""
    if not on_a_trace(other):
        return value
    xv, yv = concrete(x), concrete(y)
    if dtype_of(xv).kind == "c" or dtype_of(yv).kind == "c":
        return value
    at = np.equal(xv, 0) & np.less_equal(yv, 1)
    if not may_any(at):
        return value
    return nan_slopes(value, np.logical_and(at, np.not_equal(concrete(g), 0)), (other,))


def _power_rule_y(g, out, x, y):
    return _at_zero_zero(g * _power_dy(out, x, y), g, x, y, x)


def _power_dy(out, x, y):
    # log(x)·x^y; log is only evaluated at positive x (NumPy warns at the others): at 0 the
    # slope is 0 (log 1), a negative x has no real log, its slope is NaN (as in JAX)
    xv = concrete(x)
    if dtype_of(xv).kind == "c" or dtype_of(concrete(y)).kind == "c":
        # the principal branch of log, defined off 0 (where the slope is 0, as for real x);
        # a real x is a complex number here (log of a negative one is log|x| + iπ)
        if dtype_of(xv).kind != "c":
            x = astype(x, dtype_of(concrete(out)))
        zero = np.equal(xv, 0)
        return log(where(zero, 1, x)) * out if may_any(zero) else log(x) * out
    if dtype_of(xv).kind in "biu":  # (NumPy's log of int8 or bool is float16: out's precision)
        x = astype(x, dtype_of(concrete(out)))
    lg = log(where(np.less_equal(xv, 0), 1, x))
    neg = np.less(xv, 0)
    return (where(neg, np.nan, lg) if may_any(neg) else lg) * out


power = elementwise(
    "power", np.power, d={"x": _power_dx, "y": _power_dy}, aliases=("pow",),
    vjp={"x": _power_rule_x, "y": _power_rule_y}, jvp={"x": _power_rule_x, "y": _power_rule_y},  # an infinite slope meets a zero g
    jax="jax.numpy.power", symbol="diag(y·x^(y−1)), diag(log(x)·x^y)",
    domain=("positive", "real"), doc="x ** y (0⁰ = 1; d/dx x⁰ = 0)",
    methods=("__pow__", "__rpow__"))
#: ``float_power``'s op on float64 inputs: NumPy's own ``float_power`` loop, whose special
#: values and warnings differ from ``power``'s at 0-d inputs (float_power(−inf, ½) = inf,
#: and 0 ** −inf = inf without a warning); the rules are power's
_float_power = elementwise(
    "float_power", np.float_power, d={"x": _power_dx, "y": _power_dy},
    vjp={"x": _power_rule_x, "y": _power_rule_y}, jvp={"x": _power_rule_x, "y": _power_rule_y}, public=False,
    jax="jax.numpy.float_power", symbol="diag(y·x^(y−1)), diag(log(x)·x^y)",
    domain=("positive", "real"), doc="x ** y in float64 (0⁰ = 1; d/dx x⁰ = 0)")
square = elementwise("square", np.square, d={"x": lambda out, x: 2 * x}, jax="jax.numpy.square",
                     symbol="diag(2x)", doc="x²")


def _sqrt_parts(out):
    steep = np.equal(concrete(out), 0)
    slope = 0.5 / (where(steep, 1.0, out) if may_any(steep) else out)
    return slope, steep


def _sqrt_rule(g, out, x):
    # d√x = 1/(2√x): infinite at 0, where a zero g still gives 0 (not 0·inf = NaN)
    slope, steep = _sqrt_parts(out)
    return _times_steep(g, slope, steep, (x,))


def _sqrt_deriv(out, x):
    slope, steep = _sqrt_parts(out)
    return where(steep, np.inf, slope) if may_any(steep) else slope


sqrt = elementwise("sqrt", np.sqrt, d={"x": _sqrt_deriv}, vjp={"x": _sqrt_rule}, jvp={"x": _sqrt_rule},
                   jax="jax.numpy.sqrt", symbol="diag(1/(2√x)) (a zero g gives 0 at x = 0)",
                   domain="positive", doc="√x")

# ---- exponentials and logarithms -------------------------------------------
exp = elementwise("exp", np.exp, d={"x": lambda out, x: out}, jax="jax.numpy.exp",
                  symbol="diag(exp(x))", doc="eˣ")
log = elementwise("log", np.log, d={"x": lambda out, x: 1 / x}, jax="jax.numpy.log",
                  symbol="diag(1/x)", domain="positive", doc="natural logarithm")
log1p = elementwise("log1p", np.log1p, d={"x": lambda out, x: 1 / (1 + x)}, jax="jax.numpy.log1p",
                    symbol="diag(1/(1+x))", domain="positive", doc="log(1 + x)")
expm1 = elementwise("expm1", np.expm1, d={"x": lambda out, x: out + 1}, jax="jax.numpy.expm1",
                    symbol="diag(exp(x))", doc="eˣ − 1")

# ---- magnitude -------------------------------------------------------------
def _abs_d(out, x):
    """d|x|: sign(x) (0 at 0); for a complex x, conj(x)/|x| (JAX's convention: the VJP is
    g·conj(x)/|x| for a real g, the JVP the real part of t·conj(x)/|x|, taken by the engine)."""
    if dtype_of(x).kind == "c":
        xv = concrete(x)
        zero = is_staged(xv) or np.any(xv == 0)  # (under tg.jit: at every call, as a step)
        return conj_part(x) / (out + (xv == 0) if zero else out)
    return _mask(np.sign(concrete(x)), out)


def _abs_rule(g, out, x):
    # g·sign(x), with the subgradient 0 at x = 0. An infinite g there (|x|^p with p < 1 at 0,
    # which has no derivative) gives NaN, without NumPy's "invalid value" warning of 0·inf.
    if dtype_of(x).kind == "c":
        return g * _abs_d(out, x)
    s = _mask(np.sign(concrete(x)), out)
    gv = concrete(g)
    if is_staged(gv) or is_staged(concrete(x)):
        return g * s
    with np.errstate(invalid="ignore"):
        bad = np.logical_and(np.equal(s, 0), np.logical_not(np.isfinite(gv)))
    if not may_any(bad):
        return g * s
    return where(bad, np.nan, where(bad, 0.0, g) * s)


abs = elementwise("abs", np.abs, d={"x": _abs_d},  # noqa: A001
                  vjp={"x": _abs_rule}, jvp={"x": _abs_rule},
                  jax="jax.numpy.abs", symbol="diag(sign(x)), 0 at x = 0",
                  domain="nonzero", doc="|x| (subgradient 0 at 0)", methods=("__abs__",),
                  aliases=("absolute",))
maximum = elementwise("maximum", np.maximum,
                      d={"x": lambda out, x, y: _tie_share(x, y, out),
                         "y": lambda out, x, y: _tie_share(y, x, out)},
                      jax="jax.numpy.maximum", symbol="diag([x>y] + ½[x=y]), diag([y>x] + ½[x=y])",
                      domain=("distinct", "distinct"), doc="elementwise max (ties share ½ each)",
                      complex=True)
minimum = elementwise("minimum", np.minimum,
                      d={"x": lambda out, x, y: _tie_share_min(x, y, out),
                         "y": lambda out, x, y: _tie_share_min(y, x, out)},
                      jax="jax.numpy.minimum", symbol="diag([x<y] + ½[x=y]), diag([y<x] + ½[x=y])",
                      domain=("distinct", "distinct"), doc="elementwise min (ties share ½ each)",
                      complex=True)

# ---- trigonometric and hyperbolic -----------------------------------------
sin = elementwise("sin", np.sin, d={"x": lambda out, x: cos(x)}, jax="jax.numpy.sin",
                  symbol="diag(cos x)", doc="sine")
cos = elementwise("cos", np.cos, d={"x": lambda out, x: -sin(x)}, jax="jax.numpy.cos",
                  symbol="diag(−sin x)", doc="cosine")
tan = elementwise("tan", np.tan, d={"x": lambda out, x: 1 + out * out}, jax="jax.numpy.tan",
                  symbol="diag(1 + tan²x)", domain="unit", doc="tangent")
tanh = elementwise("tanh", np.tanh, d={"x": lambda out, x: 1 - out * out}, jax="jax.numpy.tanh",
                   symbol="diag(1 − tanh²x)", doc="hyperbolic tangent")
sinh = elementwise("sinh", np.sinh, d={"x": lambda out, x: cosh(x)}, jax="jax.numpy.sinh",
                   symbol="diag(cosh x)", doc="hyperbolic sine")
cosh = elementwise("cosh", np.cosh, d={"x": lambda out, x: sinh(x)}, jax="jax.numpy.cosh",
                   symbol="diag(sinh x)", doc="hyperbolic cosine")


def _arctan_d(out, x):
    """1/(1 + x²); where |x| > 1 as u²/(1 + u²) with u = 1/x, since x² overflows for large x."""
    big = np.greater(np.abs(concrete(x)), 1)
    u = 1 / where(big, x, 1.0)
    xs = where(big, 0.0, x)
    return where(big, u * u / (1 + u * u), 1 / (1 + xs * xs))


arctan = elementwise("arctan", np.arctan, d={"x": _arctan_d},
                     jax="jax.numpy.arctan", symbol="diag(1/(1+x²))", doc="inverse tangent",
                     aliases=("atan",))

# ---- selection ---------------------------------------------------------------
def _where_take(g, out, c, x, y):
    # select, not multiply: a NaN/inf cotangent or tangent of the branch not taken stays out
    return where(c, g, 0.0)


def _where_skip(g, out, c, x, y):
    return where(c, 0.0, g)


where = elementwise(
    "where", np.where,
    d={"condition": None, "x": lambda out, c, x, y: _mask(c, out),
       "y": lambda out, c, x, y: _mask(np.logical_not(concrete(c)), out)},
    vjp={"x": _where_take, "y": _where_skip}, jvp={"x": _where_take, "y": _where_skip},
    jax="jax.numpy.where", symbol="0, diag(c), diag(¬c)", domain=("bool", "real", "real"),
    numpy=(),  # np.where, which also has a one-argument form, is served in ops/discrete.py
    doc="where(c, x, y): x where c is true, else y; the branch not taken gets a zero gradient")


def _nan_slope_rule(g, out, x, m):
    # NaN where the mask is set and something flows in; 0 elsewhere (a zero g gives 0)
    # (broadcast, not broadcast_to g's shape: a JVP's g carries batch axes, and g may have
    # the input's shape where m has the output's)
    flows = np.logical_and(concrete(m), np.not_equal(concrete(g), 0))
    dt = dtype_of(g)
    value = np.where(flows, complex(np.nan, np.nan) if dt.kind == "c" else np.nan, 0.0).astype(dt)
    # an entry undefined here stays undefined at every further order: its slope in x and in
    # g is NaN too (a constant NaN would differentiate to a silent 0)
    return nan_slopes(value, flows, (x, g))


#: zero everywhere, with an undefined (NaN) derivative in x where m is true: what a rule adds
#: where its slope is a constant ±inf, so that differentiating it again cannot give 0 there
nan_slope = elementwise(
    "nan_slope", lambda x, m: np.zeros(np.broadcast_shapes(np.shape(x), np.shape(m)),
                                       dtype=np.result_type(x, np.float32)),
    d={"x": lambda out, x, m: np.where(concrete(m), np.nan, 0.0).astype(dtype_of(out)), "m": None},
    vjp={"x": _nan_slope_rule}, jvp={"x": _nan_slope_rule}, public=False, numpy=(),
    jax=lambda jnp, x, m: jnp.zeros(jnp.broadcast_shapes(x.shape, m.shape), jnp.result_type(x, jnp.float32)),
    symbol="diag(NaN where m, else 0)", domain=("real", "bool"),
    complex=True,  # (√z at 0: a complex branch point's slope is NaN too)
    doc="zeros, whose derivative is NaN where m (a slope's derivative at an infinite slope)",
    examples=[Example((np.array([0.5, -1.0, 2.0]), np.zeros(3, dtype=bool))),
              Example((np.array([[0.5], [2.0]]), np.zeros((1, 3), dtype=bool)))])


def _clip_deriv(out, x, a_min, a_max):
    xv = concrete(x)
    inside = np.ones(np.shape(xv), dtype=bool)
    if a_min is not None:
        inside = inside & (xv >= a_min)
    if a_max is not None:
        inside = inside & (xv <= a_max)
    return _mask(inside, out)


def _clip_signature(x: ArrayLike, a_min: ArrayLike | None = None, a_max: ArrayLike | None = None):
    """The clip op with constant bounds (see :func:`clip`): gradient 1 inside, 0 outside;
    no bounds at all leave x unchanged, as NumPy 2 and jax.numpy do."""
    return (x,), (_const_param(a_min), _const_param(a_max))


_clip = elementwise(
    "clip", lambda x, lo, hi: np.clip(x, lo, hi), d={"x": _clip_deriv},
    signature=_clip_signature, params=("a_min", "a_max"), public=False,
    jax=lambda jnp, x, a_min=None, a_max=None: jnp.clip(x, a_min, a_max),
    symbol="diag([a_min ≤ x ≤ a_max])", doc="clip x to [a_min, a_max]",
    examples=[Example(((3, 4),), {"a_min": -0.5, "a_max": 0.5}),
              Example(((5,),), {"a_min": 0.1}), Example(((),), {"a_max": 0.3})])


@function(methods=("clip",), numpy="numpy.clip")
def clip(x: ArrayLike, a_min: ArrayLike | None = None, a_max: ArrayLike | None = None, *,
         min: ArrayLike | None = None, max: ArrayLike | None = None) -> Array:  # noqa: A002
    """Limit x to [a_min, a_max] (NumPy 2.1's ``min=``/``max=`` name the bounds too; none
    at all leaves x as it is). With constant bounds one op: gradient 1 inside, 0 outside.
    A traced bound differentiates too: then clip is ``minimum(maximum(x, a_min), a_max)``,
    as in JAX (a tie shares the gradient)."""
    if min is not None:
        if a_min is not None:
            raise TypeError("clip: give a_min or min, not both")
        a_min = min
    if max is not None:
        if a_max is not None:
            raise TypeError("clip: give a_max or max, not both")
        a_max = max
    if type(a_min) in (list, tuple):  # (a list holding traced values is a traced bound)
        a_min = as_array_like(a_min)
    if type(a_max) in (list, tuple):
        a_max = as_array_like(a_max)
    if on_a_trace(a_min) or on_a_trace(a_max):
        if type(x) in (bool, int, float):  # NumPy's clip makes x an array: it is not weak
            x = np.asarray(x)
        out = x if a_min is None else maximum(x, a_min)
        return out if a_max is None else minimum(out, a_max)
    return _clip(x, a_min, a_max)


def _gauss(x, scale: float):
    """exp(−scale·x²), for the slopes of erf, erfc and Φ: |x| is first limited to 100, where
    the value is already 0, so a huge x gives 0 (at every order) without an overflow in x²."""
    x = clip(x, -100.0, 100.0)
    return exp(-scale * (x * x))


def _const_param(v):
    """A bound kept for the backward pass: arrays are copied read-only (later edits can't leak in)."""
    v = concrete(v)
    if isinstance(v, np.ndarray):
        v = v.copy()
        v.flags.writeable = False
    return v


# ---- no gradient ------------------------------------------------------------
def _sign_signature(x: ArrayLike):
    """The sign of x, with a zero derivative; of a complex x, NumPy's x/|x| (0 at 0), which a
    transform differentiates as that quotient (its derivative is not zero: PyTorch's ``sgn``;
    ``jax.numpy.sign`` gives it none)."""
    if on_a_trace(x) and dtype_of(concrete(x)).kind == "c":
        a = abs(x)
        zero = a == 0
        return Computed(where(zero, 0, x / where(zero, 1, a)))
    return (x,), ()


sign = nondifferentiable("sign", np.sign, jax="jax.numpy.sign", signature=_sign_signature,
                         doc="sign of x (zero derivative; for a complex x, x/|x|, differentiated)")
_stop_gradient = nondifferentiable("stop_gradient", lambda x: x, jax="jax.lax.stop_gradient",
                                   doc="the value of x, through which no derivative flows (at any order)",
                                   public=False)


@function
def stop_gradient(x):
    """The value of ``x``, through which no derivative flows (at any order).

    Like ``jax.lax.stop_gradient`` it takes a pytree (tuples, lists, dicts of
    arrays) and stops every leaf.
    """
    if type(x) in (list, tuple, dict) or isinstance(x, (list, tuple, dict)):
        return tree_map(_stop_gradient, x)
    return _stop_gradient(x)


def _comparison(name, forward, doc, *methods):
    return nondifferentiable(name, forward, inputs=("x", "y"), jax=f"jax.numpy.{name}", doc=doc,
                             methods=methods)


less = _comparison("less", np.less, "x < y", "__lt__")
less_equal = _comparison("less_equal", np.less_equal, "x <= y", "__le__")
greater = _comparison("greater", np.greater, "x > y", "__gt__")
greater_equal = _comparison("greater_equal", np.greater_equal, "x >= y", "__ge__")
equal = _comparison("equal", np.equal, "x == y", "__eq__")
not_equal = _comparison("not_equal", np.not_equal, "x != y", "__ne__")


# ---- dtype conversion --------------------------------------------------------
def _astype_signature(x: ArrayLike, dtype, *, copy: bool = True, device=None):
    """x converted to ``dtype``. A float-to-float cast keeps the gradient (cast back
    to x's dtype); a cast to an integer or bool dtype carries none, as in JAX. The result is a
    new array, except that ``copy=False`` gives a NumPy array already of ``dtype`` back itself
    (NumPy's and the Array API's rule); ``device`` changes nothing."""
    dtype = np.dtype(dtype)
    if copy is False and type(x) is np.ndarray and x.dtype == dtype:
        return Computed(x)
    if dtype.kind in "iub":  # piecewise constant: its derivative is 0 wherever it exists
        x = stop_gradient(x)
    return (x,), (dtype,)


def _wrap_domain(dtype: np.dtype) -> tuple:
    """The floats (lo, hi), both exclusive, whose cast to the integer ``dtype`` NumPy and
    PyTorch define: truncated toward zero, then wrapped into the dtype through a wider integer
    (-2.0 to uint8 is 254, 300.7 is 44): through int32 for int32 and the narrower types, through
    int64 for uint32, int64 and uint64."""
    if dtype.itemsize <= 2 or dtype == np.int32:
        return np.float64(-2.0 ** 31 - 1), np.float64(2.0 ** 31)
    return np.float64(-2.0 ** 63 - 2048), np.float64(2.0 ** 64 if dtype == np.uint64 else 2.0 ** 63)


def saturating_cast(x, dtype) -> np.ndarray:
    """``x.astype(dtype)`` for floats to an integer dtype with every entry defined: where NumPy
    and PyTorch define the cast, their value (truncated toward zero, then wrapped through a
    wider integer: -2.0 to uint8 is 254); where they do not (NaN, ±inf, 1e20 to int32, 5e9 to
    uint32; NumPy warns and its value depends on the platform and the array's length), JAX's
    saturation: NaN to 0, the others to the dtype's bounds."""
    dtype = np.dtype(dtype)
    if is_staged(x):  # (tg.jit: a step replayed with the new values)
        return _staged_call(saturating_cast, x, dtype) if dtype_of(x).kind == "f" \
            and dtype.kind in "iu" else x.astype(dtype)
    x = np.asarray(x)
    if x.dtype.kind != "f" or dtype.kind not in "iu" or not x.size:
        return x.astype(dtype)
    try:
        with np.errstate(invalid="raise"):
            return x.astype(dtype)  # (NumPy's own cast, where it flags no entry)
    except FloatingPointError:
        pass
    lo, hi = _wrap_domain(dtype)
    inside = (x > lo) & (x < hi)  # (NaN: outside)
    info = np.iinfo(dtype)
    t = np.trunc(np.where(inside, x, 0).astype(np.float64))
    with np.errstate(invalid="ignore"):  # (each entry takes the one of the two casts valid for it)
        out = t.astype(np.int64).astype(dtype)
        if dtype == np.uint64:
            out = np.where(t >= 2.0 ** 63, t.astype(np.uint64), out)
    return np.where(inside, out, np.where(np.isnan(x), 0, np.where(x > 0, info.max, info.min)).astype(dtype))


astype = linear(
    "astype", saturating_cast,
    transpose=lambda g, out, x, dtype: astype(  # (a real x: the real part of a complex g)
        real_part(g) if dtype_of(g).kind == "c" and dtype_of(x).kind != "c" else g, dtype_of(x)),
    signature=_astype_signature, params=("dtype",), methods=("astype",),
    jacobian=lambda i, args, out, params: Identity(shape_of(out)),
    jax=lambda jnp, x, dtype: x.astype(dtype), symbol="I (cast)",
    doc="cast to another dtype; the gradient is cast back (none through integer or bool casts)",
    examples=[Example(((3,),), {"dtype": np.float64}), Example(((2, 3),), {"dtype": np.complex128})])


def _in_integer_dtype(r, dt):
    """``r`` in the integer or bool dtype ``dt`` when it came out in another (NumPy's sums and
    products accumulate bool and small integers in 64 bits; the cast gives NumPy's wrapped
    values, and a NumPy scalar stays one); anything else as it is."""
    dt = np.dtype(dt)
    if dt.kind not in "biu" or dtype_of(concrete(r)) == dt:
        return r
    return r.astype(dt) if isinstance(r, np.generic) else astype(r, dt)
