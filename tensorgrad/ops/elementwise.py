"""Elementwise ops: each Jacobian is diagonal, so each op gives only d(out)/d(input).

Read each entry as ``name: forward, derivative per input``. From the
derivative the registry builds the VJP ``g ⊙ d``, the JVP ``t ⊙ d`` and the
structured Jacobian ``Diagonal(d)``. Derivatives reuse the forward output
where they can (``tanh' = 1 − out²``, ``exp' = out``). A derivative of ``1``
or ``-1`` passes the cotangent through untouched (no multiply).
"""
from __future__ import annotations

import numpy as np

from ..registry import Example, Op, register
from ..tape import _call_forward, bind
from ._util import dtype_of, raw
from ..typing import Array, ArrayLike, Axis, Shape  # noqa: F401

__all__ = [
    "add", "subtract", "multiply", "divide", "negative", "power", "square", "sqrt",
    "exp", "log", "log1p", "expm1", "abs", "sign", "sin", "cos", "tan", "tanh",
    "sinh", "cosh", "arctan", "maximum", "minimum", "clip", "where", "stop_gradient",
    "less", "less_equal", "greater", "greater_equal", "equal", "not_equal", "astype",
]


def _public(op: Op, params: tuple = ()):
    """The user-facing function of an op with no parameters."""
    if op.nargs == 1:
        def f(x):
            if type(x) is np.ndarray:  # on no trace: straight to the forward rule
                return _call_forward(op, (x,), ())
            return bind(op, (x,), ())
    elif op.nargs == 2:
        def f(x, y):
            return bind(op, (x, y), ())
    else:
        def f(*args):
            return bind(op, args, ())
    f.__name__ = f.__qualname__ = op.name
    f.__doc__ = f"{op.doc or op.name} (elementwise). Jacobian: {op.symbol}."
    names = ("x", "y") if op.nargs == 2 else ("x",)
    f.__annotations__ = {**{n: ArrayLike for n in names}, "return": Array}
    return f


def elementwise(name, forward, deriv, *, jax, symbol, domain="real", doc="", vjps=(), jvps=()):
    """Register an elementwise op from its forward rule and per-input derivatives."""
    op = Op(name, forward, "diagonal", nargs=len(deriv), deriv=deriv, jax=jax,
            symbol=symbol, domain=domain, doc=doc, vjps=vjps, jvps=jvps)
    return _public(register(op))


def _mask(cond, like):
    """A float mask (0/1) of a non-differentiable condition, in ``like``'s dtype."""
    return np.asarray(raw(cond), dtype=dtype_of(like))


def _tie_share(x, y, out):
    # d max(x, y)/dx: 1 where x wins, 1/2 on a tie (the two shares sum to 1).
    xv, yv = raw(x), raw(y)
    return _mask(np.greater(xv, yv), out) + 0.5 * _mask(np.equal(xv, yv), out)


def _tie_share_min(x, y, out):
    xv, yv = raw(x), raw(y)
    return _mask(np.less(xv, yv), out) + 0.5 * _mask(np.equal(xv, yv), out)


# ---- arithmetic ------------------------------------------------------------
add = elementwise("add", np.add, (1, 1), jax="jax.numpy.add", symbol="I (each input)",
                  doc="x + y")
subtract = elementwise("subtract", np.subtract, (1, -1), jax="jax.numpy.subtract",
                       symbol="I, −I", doc="x − y")
multiply = elementwise("multiply", np.multiply,
                       (lambda out, x, y: y, lambda out, x, y: x),
                       jax="jax.numpy.multiply", symbol="diag(y), diag(x)", doc="x ⊙ y")
divide = elementwise("divide", np.true_divide,
                     (lambda out, x, y: 1 / y, lambda out, x, y: -out / y),
                     jax="jax.numpy.divide", symbol="diag(1/y), diag(−x/y²)",
                     domain=("real", "nonzero"), doc="x / y")
negative = elementwise("negative", np.negative, (-1,), jax="jax.numpy.negative",
                       symbol="−I", doc="−x")
def _times_steep(g, slope, steep):
    """``g ⊙ slope`` where ``slope`` is ±inf on the mask ``steep``; there a zero ``g`` gives 0.

    At a point where the derivative is infinite (√x at 0, x^½ at 0) a zero
    cotangent or tangent means "nothing flows here", so the product is 0
    rather than the NaN of 0·inf. ``slope`` must already be finite off the mask.
    """
    if not steep.any():
        return g * slope
    gz = np.equal(raw(g), 0)
    # on the mask: g·(±inf), or g·0 where g = 0 (never the 0·inf that makes NaN)
    inf = np.copysign(np.inf, raw(slope))
    factor = np.where(steep, np.where(gz, 0.0, inf), 1.0).astype(dtype_of(g))
    return where(steep, g * factor, g * where(steep, 1, slope))


def _power_dx_parts(out, x, y):
    """(slope, steep): y·x^(y−1) with the points where it is infinite marked.

    The slope of x⁰ is 0 everywhere (also at 0, where 0⁰ = 1 by NumPy's
    convention); for x = 0 and y < 1 (y ≠ 0) the slope is infinite.
    """
    xv, yv = raw(x), raw(y)
    y0 = np.equal(yv, 0)
    steep = np.broadcast_to(np.equal(xv, 0) & (yv < 1) & ~y0, np.shape(raw(out)))
    if isinstance(y, (int, float)):  # a Python number stays one (it keeps x's dtype)
        ys = 1 if y == 0 else y
    else:
        ys = where(y0, 1, y) if np.any(y0) else y
    if steep.any():  # evaluate x^(y−1) at 1 instead of 0 there; the mask restores the inf
        x = where(np.equal(xv, 0) & (yv < 1), 1, x)
    return y * x ** (ys - 1), steep


def _power_dx(out, x, y):
    slope, steep = _power_dx_parts(out, x, y)
    if steep.any():
        return where(steep, np.inf, slope)
    return slope


def _power_rule_x(g, out, x, y):
    slope, steep = _power_dx_parts(out, x, y)
    return _times_steep(g, slope, steep)


def _power_dy(out, x, y):
    return log(where(equal(x, 0), 1, x)) * out


power = elementwise(
    "power", np.power, (_power_dx, _power_dy),
    vjps=(_power_rule_x, lambda g, out, x, y: g * _power_dy(out, x, y)),
    jvps=(_power_rule_x, lambda t, out, x, y: t * _power_dy(out, x, y)),
    jax="jax.numpy.power", symbol="diag(y·x^(y−1)), diag(log(x)·x^y)",
    domain=("positive", "real"), doc="x ** y (0⁰ = 1; d/dx x⁰ = 0)")
square = elementwise("square", np.square, (lambda out, x: 2 * x,), jax="jax.numpy.square",
                     symbol="diag(2x)", doc="x²")


def _sqrt_parts(out):
    steep = np.equal(raw(out), 0)
    slope = 0.5 / (where(steep, 1.0, out) if steep.any() else out)
    return slope, steep


def _sqrt_rule(g, out, x):
    # d√x = 1/(2√x): infinite at 0, where a zero g still gives 0 (not 0·inf = NaN)
    slope, steep = _sqrt_parts(out)
    return _times_steep(g, slope, steep)


def _sqrt_deriv(out, x):
    slope, steep = _sqrt_parts(out)
    return where(steep, np.inf, slope) if steep.any() else slope


sqrt = elementwise("sqrt", np.sqrt, (_sqrt_deriv,), vjps=(_sqrt_rule,), jvps=(_sqrt_rule,),
                   jax="jax.numpy.sqrt", symbol="diag(1/(2√x)) (a zero g gives 0 at x = 0)",
                   domain="positive", doc="√x")

# ---- exponentials and logarithms -------------------------------------------
exp = elementwise("exp", np.exp, (lambda out, x: out,), jax="jax.numpy.exp",
                  symbol="diag(exp(x))", doc="eˣ")
log = elementwise("log", np.log, (lambda out, x: 1 / x,), jax="jax.numpy.log",
                  symbol="diag(1/x)", domain="positive", doc="natural logarithm")
log1p = elementwise("log1p", np.log1p, (lambda out, x: 1 / (1 + x),), jax="jax.numpy.log1p",
                    symbol="diag(1/(1+x))", domain="positive", doc="log(1 + x)")
expm1 = elementwise("expm1", np.expm1, (lambda out, x: out + 1,), jax="jax.numpy.expm1",
                    symbol="diag(exp(x))", doc="eˣ − 1")

# ---- magnitude -------------------------------------------------------------
abs = elementwise("abs", np.abs, (lambda out, x: _mask(np.sign(raw(x)), out),),  # noqa: A001
                  jax="jax.numpy.abs", symbol="diag(sign(x)), 0 at x = 0",
                  domain="nonzero", doc="|x| (subgradient 0 at 0)")
maximum = elementwise("maximum", np.maximum,
                      (lambda out, x, y: _tie_share(x, y, out),
                       lambda out, x, y: _tie_share(y, x, out)),
                      jax="jax.numpy.maximum", symbol="diag([x>y] + ½[x=y]), diag([y>x] + ½[x=y])",
                      domain=("distinct", "distinct"), doc="elementwise max (ties share ½ each)")
minimum = elementwise("minimum", np.minimum,
                      (lambda out, x, y: _tie_share_min(x, y, out),
                       lambda out, x, y: _tie_share_min(y, x, out)),
                      jax="jax.numpy.minimum", symbol="diag([x<y] + ½[x=y]), diag([y<x] + ½[x=y])",
                      domain=("distinct", "distinct"), doc="elementwise min (ties share ½ each)")

# ---- trigonometric and hyperbolic -----------------------------------------
sin = elementwise("sin", np.sin, (lambda out, x: cos(x),), jax="jax.numpy.sin",
                  symbol="diag(cos x)", doc="sine")
cos = elementwise("cos", np.cos, (lambda out, x: -sin(x),), jax="jax.numpy.cos",
                  symbol="diag(−sin x)", doc="cosine")
tan = elementwise("tan", np.tan, (lambda out, x: 1 + out * out,), jax="jax.numpy.tan",
                  symbol="diag(1 + tan²x)", domain="unit", doc="tangent")
tanh = elementwise("tanh", np.tanh, (lambda out, x: 1 - out * out,), jax="jax.numpy.tanh",
                   symbol="diag(1 − tanh²x)", doc="hyperbolic tangent")
sinh = elementwise("sinh", np.sinh, (lambda out, x: cosh(x),), jax="jax.numpy.sinh",
                   symbol="diag(cosh x)", doc="hyperbolic sine")
cosh = elementwise("cosh", np.cosh, (lambda out, x: sinh(x),), jax="jax.numpy.cosh",
                   symbol="diag(sinh x)", doc="hyperbolic cosine")
arctan = elementwise("arctan", np.arctan, (lambda out, x: 1 / (1 + x * x),),
                     jax="jax.numpy.arctan", symbol="diag(1/(1+x²))", doc="inverse tangent")

# ---- selection ---------------------------------------------------------------
def _where_take(g, out, c, x, y):
    # select, not multiply: a NaN/inf cotangent or tangent of the branch not taken stays out
    return where(c, g, 0.0)


def _where_skip(g, out, c, x, y):
    return where(c, 0.0, g)


where = elementwise(
    "where", np.where,
    (None, lambda out, c, x, y: _mask(c, out), lambda out, c, x, y: _mask(np.logical_not(raw(c)), out)),
    vjps=(None, _where_take, _where_skip), jvps=(None, _where_take, _where_skip),
    jax="jax.numpy.where", symbol="0, diag(c), diag(¬c)", domain=("bool", "real", "real"),
    doc="where(c, x, y): x where c is true, else y; the branch not taken gets a zero gradient")


def _clip_deriv(out, x, a_min, a_max):
    xv = raw(x)
    inside = np.ones(np.shape(xv), dtype=bool)
    if a_min is not None:
        inside &= xv >= a_min
    if a_max is not None:
        inside &= xv <= a_max
    return _mask(inside, out)


_clip = register(Op("clip", lambda x, lo, hi: np.clip(x, lo, hi), "diagonal", nargs=1,
                    param_names=("a_min", "a_max"), deriv=(_clip_deriv,),
                    jax=lambda jnp, x, a_min=None, a_max=None: jnp.clip(x, a_min, a_max),
                    symbol="diag([a_min ≤ x ≤ a_max])", doc="clip x to [a_min, a_max]",
                    examples=[Example(((3, 4),), {"a_min": -0.5, "a_max": 0.5}),
                              Example(((5,),), {"a_min": 0.1}), Example(((),), {"a_max": 0.3})]))


def clip(x: ArrayLike, a_min: ArrayLike | None = None, a_max: ArrayLike | None = None) -> Array:
    """Limit x to [a_min, a_max] (bounds are constants). Gradient 1 inside, 0 outside."""
    if a_min is None and a_max is None:
        raise ValueError("clip: give at least one of a_min and a_max")
    return bind(_clip, (x,), (_const_param(a_min), _const_param(a_max)))


def _const_param(v):
    """A bound kept for the backward pass: arrays are copied read-only (later edits can't leak in)."""
    v = raw(v)
    if isinstance(v, np.ndarray):
        v = v.copy()
        v.flags.writeable = False
    return v


# ---- no gradient ------------------------------------------------------------
def _none_op(name, forward, nargs, jax, doc, domain="real"):
    return _public(register(Op(name, forward, "none", nargs=nargs, jax=jax, doc=doc,
                               symbol="0 (no gradient)", domain=domain)))


sign = _none_op("sign", np.sign, 1, "jax.numpy.sign", "sign of x (zero derivative)")
stop_gradient = _none_op("stop_gradient", lambda x: x, 1, "jax.lax.stop_gradient",
                         "the value of x, through which no derivative flows (at any order)")
less = _none_op("less", np.less, 2, "jax.numpy.less", "x < y")
less_equal = _none_op("less_equal", np.less_equal, 2, "jax.numpy.less_equal", "x <= y")
greater = _none_op("greater", np.greater, 2, "jax.numpy.greater", "x > y")
greater_equal = _none_op("greater_equal", np.greater_equal, 2, "jax.numpy.greater_equal", "x >= y")
equal = _none_op("equal", np.equal, 2, "jax.numpy.equal", "x == y")
not_equal = _none_op("not_equal", np.not_equal, 2, "jax.numpy.not_equal", "x != y")


# ---- dtype conversion --------------------------------------------------------
_astype = register(Op(
    "astype", lambda x, dtype: np.asarray(x).astype(dtype), "linear", nargs=1,
    param_names=("dtype",),
    vjps=(lambda g, out, x, dtype: astype(g, dtype_of(x)),),
    jax=lambda jnp, x, dtype: x.astype(dtype), symbol="I (cast)",
    doc="cast to another floating dtype; the gradient is cast back",
    examples=[Example(((3,),), {"dtype": np.float64})]))


def astype(x: ArrayLike, dtype) -> Array:
    """x converted to ``dtype`` (gradients flow back in x's own dtype)."""
    return bind(_astype, (x,), (np.dtype(dtype),))
