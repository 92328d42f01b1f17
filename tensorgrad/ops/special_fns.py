"""Special functions as in ``scipy.special``, computed with SciPy: erfc, erfinv,
gammaln, digamma, polygamma, logit, xlogy, xlog1py, ndtr, log_ndtr, and the
modified Bessel functions i0, i1, i0e, i1e.

(erf, expit, logsumexp, softmax and log_softmax are the ops of
:mod:`tensorgrad.ops.activations`; :mod:`tensorgrad.special` gathers them all
under SciPy's names.) Each is elementwise, and each derivative is written with
tensorgrad ops, so it differentiates again (``gammaln' = digamma``,
``digamma' = polygamma(1, ·)``, ``polygamma(n, ·)' = polygamma(n + 1, ·)``).

``xlogy(x, y)`` is 0 where x = 0 (also at y = 0), and so is its derivative in
y there; likewise ``xlog1py`` at y = −1.

The Bessel functions differentiate into each other: ``i0' = i1``,
``i1' = i0 − i1/x`` (½ at x = 0), and for the scaled ``i0e = e^(−|x|) i0``,
``i1e = e^(−|x|) i1``: ``i0e' = i1e − sign(x) i0e``,
``i1e' = i0e − i1e (sign(x) + 1/x)`` (½ at x = 0). At 0, where ``|x|`` has a
kink, ``sign(0) = 0`` gives ``i0e'(0) = 0`` (as JAX). ``numpy.i0`` is served by
``i0`` too.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

from ..registry import Example, elementwise
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import concrete, may_any
from .elementwise import abs as _abs
from .elementwise import exp, log, log1p, sign, where

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

_UNARY = [Example(((2, 3),))]
_BINARY = [Example(((3, 1), (1, 4)))]


def _unary(name, forward, deriv, symbol, doc, domain="real", **entry):
    entry.setdefault("examples", _UNARY)
    entry.setdefault("numpy", f"scipy.special.{name}")
    return elementwise(name, forward, d={"x": deriv}, jax=f"jax.scipy.special.{name}", symbol=symbol,
                       doc=doc, domain=domain, **entry)


erfc = _unary("erfc", special.erfc, lambda out, x: -_TWO_OVER_SQRT_PI * exp(-(x * x)),
              "diag(−2/√π · e^(−x²))", "the complementary error function 1 − erf(x), accurate for large x")
erfinv = _unary("erfinv", special.erfinv, lambda out, x: _SQRT_PI_OVER_2 * exp(out * out),
                "diag(√π/2 · e^(erfinv(x)²))", "the inverse error function on (−1, 1)", domain="unit")
ndtr = _unary("ndtr", special.ndtr, lambda out, x: _INV_SQRT_2PI * exp(-0.5 * (x * x)),
              "diag(φ(x))", "the standard normal CDF Φ(x)")
log_ndtr = _unary("log_ndtr", special.log_ndtr,
                  lambda out, x: _INV_SQRT_2PI * exp(-0.5 * (x * x) - out),
                  "diag(φ(x)/Φ(x))", "log Φ(x), accurate far into both tails")
logit = _unary("logit", special.logit, lambda out, x: 1 / (x * (1 - x)), "diag(1/(x(1 − x)))",
               "log(x/(1 − x)), the inverse of expit", domain="open_unit")


# ---- the gamma family ------------------------------------------------------------------
def _polygamma_forward(x, n):
    return special.polygamma(n, x).astype(np.result_type(x), copy=False)


def _jax_polygamma(jnp, x, n):
    import jax.scipy.special
    return jax.scipy.special.polygamma(n, x)


def _polygamma_signature(n: int, x: ArrayLike):
    """The n-th derivative of digamma, ψ⁽ⁿ⁾(x) (``n`` a non-negative integer, constant)."""
    if int(n) != n or n < 0:
        raise ValueError(f"polygamma: n must be a non-negative integer, got {n!r}")
    return (x,), (int(n),)


polygamma = elementwise(
    "polygamma", _polygamma_forward, d={"x": lambda out, x, n: polygamma(n + 1, x)},
    signature=_polygamma_signature, params=("n",), call=lambda x, n: polygamma(n, x),
    jax=_jax_polygamma, domain="positive",
    symbol="diag(ψ⁽ⁿ⁺¹⁾(x))", doc="ψ⁽ⁿ⁾(x), the n-th derivative of digamma", numpy=(),
    examples=[Example(((2, 3),), {"n": 1}), Example(((3,),), {"n": 2})])
digamma = _unary("digamma", special.digamma, lambda out, x: polygamma(1, x), "diag(ψ′(x))",
                 "ψ(x) = d/dx log Γ(x)", domain="positive", aliases=("psi",))
gammaln = _unary("gammaln", special.gammaln, lambda out, x: digamma(x), "diag(ψ(x))",
                 "log |Γ(x)|", domain="positive")


# ---- x·log y ------------------------------------------------------------------------------
def _xlogy_dy(out, x, y):
    zero = np.equal(concrete(x), 0)
    if not zero.any():
        return x / y
    return where(zero, 0.0, x / where(zero, 1.0, y))


def _xlog1py_dy(out, x, y):
    zero = np.equal(concrete(x), 0)
    if not zero.any():
        return x / (1 + y)
    return where(zero, 0.0, x / where(zero, 1.0, 1 + y))


xlogy = elementwise(
    "xlogy", special.xlogy, d={"x": lambda out, x, y: log(y), "y": _xlogy_dy},
    jax="jax.scipy.special.xlogy", symbol="diag(log y), diag(x/y)", domain=("real", "positive"),
    examples=_BINARY, numpy="scipy.special.xlogy", doc="x·log(y), 0 where x = 0")
xlog1py = elementwise(
    "xlog1py", special.xlog1py, d={"x": lambda out, x, y: log1p(y), "y": _xlog1py_dy},
    jax="jax.scipy.special.xlog1py", symbol="diag(log(1 + y)), diag(x/(1 + y))",
    domain=("real", "positive"), examples=_BINARY, numpy="scipy.special.xlog1py",
    doc="x·log(1 + y), 0 where x = 0")


# ---- modified Bessel functions of the first kind ---------------------------------------
def _in_float_of(fn):
    """SciPy's ufunc ``fn``, its result in the input's float dtype (float16 stays float16;
    integers give float64)."""
    def forward(x):
        out = fn(x)
        dt = np.result_type(x)
        return out.astype(dt, copy=False) if dt.kind == "f" and np.result_type(out) != dt else out
    forward.__name__ = forward.__qualname__ = fn.__name__
    return forward


#: i1(x)/x = Σₖ (x²/4)ᵏ / (2·k!·(k+1)!), the first terms of its Maclaurin series
_I1_OVER_X = [1.0 / (2 * math.factorial(k) * math.factorial(k + 1) * 4 ** k) for k in range(5)]


def _i1_over_x(x, num, scaled):
    """``num / x`` for ``num`` = i1(x), or = i1e(x) = e^(−|x|)·i1(x) when ``scaled``.

    At x = 0 the quotient is the Maclaurin series of i1(x)/x (times e^(−|x|) when scaled)
    instead: its value there is ½, and its derivatives at 0 are exact to order 9, so i1 and
    i0 differentiate correctly at 0 at every order a model needs. No 1/0 is ever evaluated
    (the quotient divides by 1 there), and the series is evaluated at 0 elsewhere.
    """
    zero = np.equal(concrete(x), 0)
    if not may_any(zero):
        return num / x
    xz = where(zero, x, 0.0)  # x at the zeros (to carry their derivatives), 0 elsewhere
    x2 = xz * xz
    series = _I1_OVER_X[-1]
    for c in reversed(_I1_OVER_X[:-1]):  # Horner in x²
        series = series * x2 + c
    if scaled:
        series = exp(-_abs(xz)) * series
    return where(zero, series, num / where(zero, 1.0, x))


i0 = _unary("i0", _in_float_of(special.i0), lambda out, x: i1(x), "diag(i1(x))",
            "the modified Bessel function of the first kind of order 0, I₀(x)",
            numpy=("scipy.special.i0", "numpy.i0"))
i1 = _unary("i1", _in_float_of(special.i1),
            lambda out, x: i0(x) - _i1_over_x(x, out, False),
            "diag(i0(x) − i1(x)/x), ½ at x = 0",
            "the modified Bessel function of the first kind of order 1, I₁(x)")
i0e = _unary("i0e", _in_float_of(special.i0e), lambda out, x: i1e(x) - sign(x) * out,
             "diag(i1e(x) − sign(x)·i0e(x))",
             "the exponentially scaled Bessel function e^(−|x|)·I₀(x)",
             examples=[Example(((2, 3),)), Example((np.array([0.0, 0.4, -1.3, 12.0]),), diff=(0,))])
i1e = _unary("i1e", _in_float_of(special.i1e),
             lambda out, x: i0e(x) - sign(x) * out - _i1_over_x(x, out, True),
             "diag(i0e(x) − i1e(x)·(sign(x) + 1/x)), ½ at x = 0",
             "the exponentially scaled Bessel function e^(−|x|)·I₁(x)",
             examples=[Example(((2, 3),)), Example((np.array([0.0, 0.4, -1.3, 12.0]),), diff=(0,))])

__all__ = ["erfc", "erfinv", "ndtr", "log_ndtr", "logit", "polygamma", "digamma", "gammaln", "xlogy",
           "xlog1py", "i0", "i1", "i0e", "i1e"]
