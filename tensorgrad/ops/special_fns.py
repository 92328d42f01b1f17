"""Special functions as in ``scipy.special``, computed with SciPy: erfc, erfinv, gammaln, digamma,
polygamma, logit, xlogy, xlog1py, ndtr, log_ndtr, the modified Bessel functions i0, i1, i0e, i1e,
and the gamma family, entropies and integrals listed below.

(erf, expit, logsumexp, softmax and log_softmax are the ops of :mod:`tensorgrad.ops.activations`;
:mod:`tensorgrad.special` gathers them all under SciPy's names.) Each is elementwise, and each
derivative is written with tensorgrad ops, so it differentiates again (``gammaln' = digamma``,
``digamma' = polygamma(1, ·)``, ``polygamma(n, ·)' = polygamma(n + 1, ·)``).

``xlogy(x, y)`` is 0 where x = 0 (also at y = 0), and so is its derivative in y there; likewise
``xlog1py`` at y = −1.

The Bessel functions differentiate into each other: ``i0' = i1``, ``i1' = i0 − i1/x`` (½ at x = 0),
and for the scaled ``i0e = e^(−|x|) i0``, ``i1e = e^(−|x|) i1``: ``i0e' = i1e − sign(x) i0e``,
``i1e' = i0e − i1e (sign(x) + 1/x)`` (½ at x = 0). At 0, where ``|x|`` has a kink, ``sign(0) = 0``
gives ``i0e'(0) = 0`` (as JAX). ``numpy.i0`` is served by ``i0`` too.

More of ``jax.scipy.special``: gamma, loggamma, gammasgn (no gradient), beta, betaln, poch,
multigammaln, factorial, entr, rel_entr, kl_div, ndtri, erfcx, dawsn, exp1, expi. Their derivatives
use digamma (``Γ' = Γψ``, ``∂B/∂a = B(ψ(a) − ψ(a+b))``, ``∂poch/∂z = poch(ψ(z+m) − ψ(z))``,
``∂poch/∂m = poch·ψ(z+m)``) or the function itself (``erfcx' = 2x·erfcx − 2/√π``,
``dawsn' = 1 − 2x·dawsn``, ``ndtri' = √(2π)e^(ndtri²/2)``). Conventions at the special points:

* Where a derivative is infinite at a point of the domain (entr at 0, ndtri at 0 and 1, exp1 and
  expi at 0, Γ and log Γ at ±0, rel_entr and kl_div in x at x = 0 < y) the rule gives ±inf, and a
  zero cotangent or tangent gives 0 there (as for √x at 0). The second derivative there is NaN
  (the slope is infinite, so its own slope has no finite value; JAX gives ±inf or NaN), never a
  silent 0.
* Outside the domain (loggamma and exp1 for x < 0, entr for x < 0, ndtri outside [0, 1], rel_entr
  and kl_div where SciPy gives +inf) and at the poles of Γ in beta, betaln and poch, the derivative
  is NaN.
* Where 1/Γ vanishes (poch(z, m) at z = 0, −1, −2, ..., beta(a, b) at a + b = 0, −1, ...) the value
  is 0 with a finite slope: it is computed from the reflection formula
  1/Γ(−k + ε) = (−1)ᵏ sin(πε) Γ(k + 1 − ε)/π, exact at every order (JAX gives NaN there).
* factorial is 0 for n < 0, and so is its derivative (also at the negative integers, where JAX
  gives NaN).

``scipy.special.<name>`` on a Tensor dispatches to these, except for ``multigammaln`` and
``factorial``, which are not ufuncs. ``log_ndtr`` accepts JAX's ``series_order`` (no effect: the
value is exact), ``rel_entr``/``kl_div`` and ``ndtri`` JAX's keyword names p, q as well as x, y.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

from ..registry import Example, elementwise, function, nondifferentiable
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import concrete, dtype_of, is_staged, may_any, shape_of
from ._util import in_float_of as _in_float_of
from .digamma_diff import digamma_difference
from .erf_tails import dawsn_slope, erfcx_slope
from .elementwise import _gauss, _slope, _steep, _times_steep, astype
from .elementwise import abs as _abs
from .elementwise import clip, cos, exp, log, log1p, nan_slopes, sign, sin, where

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)

_UNARY = [Example(((2, 3),))]
_BINARY = [Example(((3, 1), (1, 4)))]


def _unary(name, forward, deriv, symbol, doc, domain="real", **entry):
    entry.setdefault("examples", _UNARY)
    entry.setdefault("numpy", f"scipy.special.{name}")
    return elementwise(name, forward, d={"x": deriv}, jax=f"jax.scipy.special.{name}", symbol=symbol,
                       doc=doc, domain=domain, **entry)


erfc = _unary("erfc", _in_float_of(special.erfc), lambda out, x: -_TWO_OVER_SQRT_PI * _gauss(x, 1.0),
              "diag(−2/√π · e^(−x²))", "the complementary error function 1 − erf(x), accurate for large x")
erfinv = _unary("erfinv", _in_float_of(special.erfinv), lambda out, x: _SQRT_PI_OVER_2 * exp(out * out),
                "diag(√π/2 · e^(erfinv(x)²))", "the inverse error function on (−1, 1)", domain="unit")
ndtr = _unary("ndtr", _in_float_of(special.ndtr), lambda out, x: _INV_SQRT_2PI * _gauss(x, 0.5),
              "diag(φ(x))", "the standard normal CDF Φ(x)")
#: (2k − 1)!! for the asymptotic series Φ(x) ≈ φ(x)/|x| · Σ (−1)ᵏ (2k − 1)!!/x²ᵏ (x → −∞)
_MILLS = [float(math.prod(range(1, 2 * k, 2))) for k in range(9)]


def _log_ndtr_d(out, x):
    """φ(x)/Φ(x): as exp(−x²/2 − log Φ(x))/√(2π), except below x = −20, where that
    difference of two huge numbers cancels (and its derivatives more so): there the ratio is
    −x / Σ (−1)ᵏ (2k − 1)!!/x²ᵏ, the asymptotic series (9 terms: below 1e−16 for x < −20)."""
    far = np.less(concrete(x), -20)
    if not may_any(far):
        xn = clip(x, None, 100.0)  # φ/Φ = 0 above 100 (x² would overflow)
        return _INV_SQRT_2PI * exp(-0.5 * (xn * xn) - out)
    xf = where(far, x, -30.0)
    u = (1 / xf) ** 2  # (not 1/x²: x² overflows below −1.3e154)
    series = _MILLS[-1] * (-1) ** (len(_MILLS) - 1)
    for k in range(len(_MILLS) - 2, -1, -1):  # Horner in u = 1/x²
        series = series * u + _MILLS[k] * (-1) ** k
    xn = where(far, 0.0, clip(x, None, 100.0))  # φ/Φ = 0 above 100 (x² would overflow)
    near = _INV_SQRT_2PI * exp(-0.5 * (xn * xn) - where(far, -math.log(2.0), out))
    return where(far, -xf / series, near)


def _log_ndtr_signature(x, series_order=3):
    """log Φ(x), accurate far into both tails (JAX's ``series_order``, 0..30, has no effect)"""
    if type(series_order) is not int and not isinstance(series_order, np.integer):
        raise TypeError(f"log_ndtr: series_order must be an int, got {type(series_order).__name__}")
    if not 0 <= series_order <= 30:
        raise ValueError(f"log_ndtr: series_order must be in 0..30, got {series_order}")
    return (x,), ()


log_ndtr = _unary("log_ndtr", _in_float_of(special.log_ndtr), _log_ndtr_d, "diag(φ(x)/Φ(x))", "log Φ(x)",
                  signature=_log_ndtr_signature)
def _logit_rule(g, out, x):
    # 1/(x(1 − x)) is +inf at 0 and 1: computed without the division by zero, and a zero g
    # there gives 0
    xv = concrete(x)
    steep = np.logical_or(np.equal(xv, 0), np.equal(xv, 1))
    if not may_any(steep):
        return g * (1 / (x * (1 - x)))
    xs = where(steep, 0.5, x)
    return _times_steep(g, 1 / (xs * (1 - xs)), steep, (x,))


logit = _unary("logit", _in_float_of(special.logit), lambda out, x: 1 / (x * (1 - x)), "diag(1/(x(1 − x)))",
               "log(x/(1 − x)), the inverse of expit", domain="open_unit",
               vjp={"x": _logit_rule}, jvp={"x": _logit_rule})


# ---- the gamma family ------------------------------------------------------------------
def _polygamma_forward(x, n):
    out = special.polygamma(n, x)
    dt = np.result_type(x)  # a float input keeps its dtype; integers give float64, as SciPy
    return out.astype(dt, copy=False) if dt.kind == "f" else out


def _jax_polygamma(jnp, x, n):
    import jax.scipy.special
    return jax.scipy.special.polygamma(n, x)


def _polygamma_signature(n: int, x: ArrayLike):
    """The n-th derivative of digamma, ψ⁽ⁿ⁾(x) (``n`` a non-negative integer, constant)."""
    if int(n) != n or n < 0:
        raise ValueError(f"polygamma: n must be a non-negative integer, got {n!r}")
    return (x,), (int(n),)


_polygamma = elementwise(
    "polygamma", _polygamma_forward, d={"x": lambda out, x, n: polygamma(n + 1, x)},
    signature=_polygamma_signature, params=("n",), call=lambda x, n: polygamma(n, x),
    jax=_jax_polygamma, domain="positive",
    symbol="diag(ψ⁽ⁿ⁺¹⁾(x))", doc="ψ⁽ⁿ⁾(x), the n-th derivative of digamma", numpy=(),
    examples=[Example(((2, 3),), {"n": 1}), Example(((3,),), {"n": 2})])
@function
def polygamma(n: ArrayLike, x: ArrayLike) -> Array:
    """ψ⁽ⁿ⁾(x), the n-th derivative of digamma; ``n`` a non-negative integer or an array of
    them (a constant: no gradient), broadcast against ``x`` as in SciPy and JAX."""
    return by_integer_order("polygamma", _polygamma, n, x)


def by_integer_order(name: str, op, n, x):
    """``op(n, x)`` for an op whose order ``n`` is a parameter (a non-negative integer): an
    array of orders (a constant, no gradient) runs the op once per order present, each where
    ``n`` has that order, broadcast against ``x`` as in SciPy and JAX."""
    if isinstance(n, (int, np.integer)):
        return op(n, x)
    nv = np.asarray(concrete(n))
    if nv.ndim == 0:
        return op(nv.item(), x)
    if nv.size and (nv.dtype.kind not in "iuf" or np.any(nv != np.floor(nv)) or np.any(nv < 0)):
        raise ValueError(f"{name}: n must hold non-negative integers, got {nv!r}")
    out = None
    for k in np.unique(nv):
        term = where(nv == k, op(int(k), x), 0.0)
        out = term if out is None else out + term
    return out if out is not None else np.zeros(np.broadcast_shapes(nv.shape, shape_of(concrete(x))))


digamma = _unary("digamma", _in_float_of(special.digamma), lambda out, x: polygamma(1, x), "diag(ψ′(x))",
                 "ψ(x) = d/dx log Γ(x)", domain="positive", aliases=("psi",))
gammaln = _unary("gammaln", _in_float_of(special.gammaln), lambda out, x: digamma(x), "diag(ψ(x))",
                 "log |Γ(x)|", domain="positive")


def _psi_difference(x, y):
    """ψ(x) − ψ(x + y), kept accurate where x is large or y small (see ``digamma_diff``)."""
    return digamma_difference(x, y, digamma, polygamma)


# ---- x·log y ------------------------------------------------------------------------------
def _ratio(x, u):
    """``x / u`` for ∂/∂y of x·log(u): 0 where x = 0 (also at u = 0), ±inf where u = 0 ≠ x (NaN for a
    NaN x), computed without a division by zero (no warning). Only the points u = 0 are replaced: where
    x = 0 ≠ u the traced x / u is already 0, and keeps its own derivative 1/u in x (the mixed second
    derivative of x·log(u))."""
    xv, uv = concrete(x), concrete(u)
    zero_x, zero_u = np.equal(xv, 0), np.equal(uv, 0)
    if not may_any(zero_u):
        return x / u
    pole = where(np.greater(xv, 0), np.inf, where(np.less(xv, 0), -np.inf, np.nan))  # NaN x: NaN
    return where(zero_u, where(zero_x, 0.0, pole), x / where(zero_u, 1.0, u))


def _xlog_rules(shift: float):
    """VJP/JVP rules of x·log(y + shift): the slopes are ±inf where y + shift = 0 (in x, and
    in y where x ≠ 0); a zero cotangent or tangent gives 0 there, never 0·inf."""
    def dx(g, out, x, y):
        u = concrete(y) + shift
        slope = _log_of(u, log if shift == 0 else log1p, _in_out_float(y, out))
        return _times_steep(g, slope, np.broadcast_to(np.equal(u, 0), np.shape(concrete(out))), (x, y))

    def dy(g, out, x, y):
        u = concrete(y) + shift
        xv = concrete(x)  # (a NaN x is not steep: its slope, and so its cotangent, is NaN)
        steep = np.broadcast_to(np.equal(u, 0) & np.not_equal(xv, 0) & np.logical_not(np.isnan(xv)),
                                np.shape(concrete(out)))
        return _times_steep(g, _ratio(x, y if shift == 0 else 1 + y), steep, (x, y))
    return {"x": dx, "y": dy}


def _in_out_float(y, out):
    """An integer or boolean ``y`` in the output's float dtype (NumPy's log of int8 is float16)."""
    return astype(y, dtype_of(concrete(out))) if dtype_of(concrete(y)).kind in "biu" else y


def _log_of(u, log_fn, arg):
    """``log_fn(arg)`` with ``u`` the argument of the log (y, or 1 + y): −inf where u = 0 and
    NaN where u < 0, as SciPy's xlogy gives, without evaluating the log there (no warning)."""
    bad = np.less_equal(concrete(u), 0)
    if not may_any(bad):
        return log_fn(arg)
    safe = where(bad, 1.0 if log_fn is log else 0.0, arg)
    return where(bad, where(np.equal(concrete(u), 0), -np.inf, np.nan), log_fn(safe))


xlogy = elementwise(
    "xlogy", _in_float_of(special.xlogy), vjp=_xlog_rules(0.0), jvp=_xlog_rules(0.0),
    d={"x": lambda out, x, y: _log_of(y, log, _in_out_float(y, out)), "y": lambda out, x, y: _ratio(x, y)},
    jax="jax.scipy.special.xlogy", symbol="diag(log y), diag(x/y)", domain=("real", "positive"),
    examples=_BINARY, numpy="scipy.special.xlogy", doc="x·log(y), 0 where x = 0")
xlog1py = elementwise(
    "xlog1py", _in_float_of(special.xlog1py), vjp=_xlog_rules(1.0), jvp=_xlog_rules(1.0),
    d={"x": lambda out, x, y: _log_of(1 + concrete(y), log1p, _in_out_float(y, out)), "y": lambda out, x, y: _ratio(x, 1 + y)},
    jax="jax.scipy.special.xlog1py", symbol="diag(log(1 + y)), diag(x/(1 + y))",
    domain=("real", "positive"), examples=_BINARY, numpy="scipy.special.xlog1py",
    doc="x·log(1 + y), 0 where x = 0")


# ---- modified Bessel functions of the first kind ---------------------------------------
#: i1(x)/x = Σₖ (x²/4)ᵏ / (2·k!·(k+1)!), the first terms of its Maclaurin series
_I1_OVER_X = [1.0 / (2 * math.factorial(k) * math.factorial(k + 1) * 4 ** k) for k in range(5)]


_LARGE_Z, _LARGE_TERMS = 50.0, 20


def _large_z_slope(kind, v, z, near, out=None, at_inf=True):
    """The z-slope of ``ive`` (``kind`` "i") or ``kve`` ("k") of order ``v`` (held constant), ``near(z,
    out)`` where ``|z| < 50 + v²`` (``out`` the value, or None: near computes it); beyond, the
    derivative of the large-z expansions ``kve = √(π/2z)·Σ a_k(v)/z^k`` and ``ive = Σ (−1)^k a_k(v)/z^k
    / √(2πz)``, ``a_k = Π_(j≤k) (4v² − (2j−1)²)/(8j)``. The recurrence formulas cancel there (their
    terms agree to ~1/z, so the slope keeps only ~1/(z·ε) of its digits and is NaN near 1e10); the
    expansion's terms fall at least as fast as 1/(2^k·k!), so 20 of them reach full precision. ``ive``
    of z < 0 (integer v) is (−1)^v·ive(v, |z|). With ``at_inf`` false, infinite z is left to ``near``
    (SciPy's ``kve``/``ive`` are NaN there)."""
    vv, zv = concrete(v), concrete(z)
    vv = vv.astype(np.float64) if is_staged(vv) else np.asarray(vv, dtype=np.float64)  # (tg.jit)
    edge = _LARGE_Z + np.square(vv)
    big = np.greater_equal(np.abs(zv), edge)
    if not at_inf:
        big = big & np.isfinite(zv)
    if not may_any(big):
        return near(z, out)
    mu, a = 4.0 * np.square(vv), np.ones_like(vv)
    dt = dtype_of(z)
    coeffs = []
    for k in range(_LARGE_TERMS):
        if k:
            a = a * (mu - (2 * k - 1) ** 2) / (8 * k)
        coeffs.append((-(k + 0.5) * (-1.0) ** (k if kind == "i" else 0) * a).astype(dt))
    zf = where(big, _abs(z), np.broadcast_to(edge, np.broadcast_shapes(np.shape(edge), np.shape(zv)))
               .astype(dt))  # ≥ edge everywhere
    w = 1.0 / zf
    series = coeffs[-1]
    for c in reversed(coeffs[:-1]):  # Horner in 1/z
        series = series * w + c
    far = (math.sqrt(math.pi / 2) if kind == "k" else 1 / math.sqrt(2 * math.pi)) * series * w / zf ** 0.5
    if kind == "i":  # d/dz (−1)^v·ive(v, −z) = (−1)^(v+1)·ive′(v, |z|) for z < 0
        odd = np.equal(np.remainder(np.where(np.isfinite(vv), vv, 0.0), 2), 1)
        far = far * np.where(np.less(zv, 0), np.where(odd, 1.0, -1.0), 1.0).astype(dt)
    return where(big, far, near(where(big, 1.0, z), None))


def _i1_over_x(x, num, scaled):
    """``num / x`` for ``num`` = i1(x), or = i1e(x) = e^(−|x|)·i1(x) when ``scaled``.

    For |x| < 0.1 the quotient is the Maclaurin series of i1(x)/x (times e^(−|x|) when scaled) instead,
    accurate to ~1e−18 there: its value at 0 is ½, and its derivatives are exact to order 9, so i1 and
    i0 differentiate correctly near 0 at every order a model needs (the quotient's own derivatives
    cancel catastrophically as x → 0). No 1/0 is ever evaluated (the quotient divides by 1 there), and
    the series is evaluated at 0 elsewhere.
    """
    zero = np.less(np.abs(concrete(x)), 0.1)
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
            lambda out, x: i0(x) - _i1_over_x(x, out, False), "diag(i0(x) − i1(x)/x), ½ at x = 0",
            "the modified Bessel function of the first kind of order 1, I₁(x)")
def _i0e_slope(x, out):
    return i1e(x) - sign(x) * (i0e(x) if out is None else out)


def _i1e_slope(x, out):
    out = i1e(x) if out is None else out
    return i0e(x) - sign(x) * out - _i1_over_x(x, out, True)


i0e = _unary("i0e", _in_float_of(special.i0e),
             lambda out, x: _large_z_slope("i", 0.0, x, _i0e_slope, out),
             "diag(i1e(x) − sign(x)·i0e(x))",
             "the exponentially scaled Bessel function e^(−|x|)·I₀(x)",
             examples=[Example(((2, 3),)), Example((np.array([0.0, 0.4, -1.3, 12.0]),), diff=(0,))])
i1e = _unary("i1e", _in_float_of(special.i1e),
             lambda out, x: _large_z_slope("i", 1.0, x, _i1e_slope, out),
             "diag(i0e(x) − i1e(x)·(sign(x) + 1/x)), ½ at x = 0",
             "the exponentially scaled Bessel function e^(−|x|)·I₁(x)",
             examples=[Example(((2, 3),)), Example((np.array([0.0, 0.4, -1.3, 12.0]),), diff=(0,))])


# ---- helpers of the rules below ------------------------------------------------------------
def _pole(v):
    """Where Γ has a pole: ``v`` (concrete) a non-positive integer."""
    return (v <= 0) & (np.floor(v) == v)


def _guarded(mask, fill, fn, *xs):
    """``fn(*xs)``, with ``fill`` where ``mask`` is true. There ``fn`` sees 1 in place of each
    input, so the branch not taken never evaluates log(0), 1/0 or a pole, and neither do its
    derivatives (the cotangent flows into ``fn`` only where ``mask`` is false). A NaN
    ``fill`` (a derivative with no value) keeps a NaN derivative there (see :func:`_nan_at`)."""
    if not may_any(mask):
        return fn(*xs)
    value = fn(*[where(mask, 1.0, x) for x in xs])
    if isinstance(fill, float) and math.isnan(fill):
        return _nan_at(mask, value, xs)
    return where(mask, fill, value)


def _nan_at(mask, value, deps):
    """``value`` with NaN where ``mask``: a derivative rule's "no derivative here". The NaN is
    not a constant: where it is, the next derivative in each traced ``deps`` is NaN too (not
    the 0 of a constant), as for an infinite slope (elementwise._times_steep)."""
    return nan_slopes(where(mask, np.nan, value), mask, deps)


def _fill(mask, inside, outside, like):
    """A constant array: ``inside`` where ``mask``, else ``outside``, in ``like``'s dtype."""
    return np.where(mask, inside, outside).astype(dtype_of(like))


#: Γ(k + 1) is finite in float64 for k ≤ 170: poles further out are not treated as removable
_FAR_POLE = -170.0


def _rgamma_near_poles(s, at):
    """``(R, R′)``: 1/Γ(s) and its derivative, exact at the poles of Γ marked by ``at`` (where
    1/Γ(s) = 0 but its slope is not), as expressions that differentiate again.

    By the reflection formula 1/Γ(−k + ε) = (−1)ᵏ·sin(πε)·Γ(k + 1 − ε)/π, smooth in ε; here
    ε = s + k is 0 at the pole and carries s's derivatives. Off ``at``, k = ε = 0 (R = 0,
    R′ = 1: finite values for the caller to discard).
    """
    sv = concrete(s)
    k = _fill(at, -sv, 0.0, sv)
    sgn = _fill(np.equal(np.remainder(k, 2), 1), -1.0, 1.0, sv)
    eps = where(at, s + k, 0.0)
    u = k + 1 - eps
    g = gamma(u)
    sin_term = sin(math.pi * eps) / math.pi
    r = sgn * sin_term * g
    r1 = sgn * (cos(math.pi * eps) * g - sin_term * g * digamma(u))
    return r, r1


# ---- more of the gamma family -----------------------------------------------------------------
def _gamma_parts(out, x):
    steep = np.equal(concrete(x), 0)  # Γ′ = Γ·ψ is −inf at the pole ±0 (from either side)
    return _guarded(steep, -np.inf, lambda o, v: o * digamma(v), out, x), steep


def _loggamma_parts(out, x):
    xv = concrete(x)
    steep = np.equal(xv, 0)  # ψ(±0) = ∓inf
    fill = _fill(steep, -np.copysign(np.inf, xv), np.nan, out)
    return _guarded(steep | (xv < 0), fill, digamma, x), steep


gamma = _unary("gamma", _in_float_of(special.gamma), _slope(_gamma_parts),
               "diag(Γ(x)·ψ(x)), −inf at ±0", "the gamma function Γ(x)", domain="positive",
               vjp={"x": _steep(_gamma_parts)}, jvp={"x": _steep(_gamma_parts)},
               examples=[Example(((2, 3),)), Example((np.array([-0.5, -1.5, -2.6, 0.3, 3.7, -4.2]),), diff=(0,))])
loggamma = _unary("loggamma", _in_float_of(special.loggamma), _slope(_loggamma_parts),
                  "diag(ψ(x)), ∓inf at ±0, NaN for x < 0",
                  "log Γ(x) for real x: gammaln for x ≥ 0, NaN for x < 0 (SciPy's real branch)",
                  domain="positive", vjp={"x": _steep(_loggamma_parts)}, jvp={"x": _steep(_loggamma_parts)})
gammasgn = nondifferentiable(
    "gammasgn", _in_float_of(special.gammasgn), jax="jax.scipy.special.gammasgn",
    numpy="scipy.special.gammasgn", doc="the sign of Γ(x): ±1 (NaN at the poles; −1 at −0.0)",
    examples=[Example(((2, 3),)),
              Example((np.array([0.0, -0.0, -0.5, -1.5, -2.5, -1.0, 2.0, np.inf]),), diff=(0,))])


def _ab(a: ArrayLike, b: ArrayLike):  # the inputs by SciPy's and JAX's names (a=, b=)
    return (a, b), ()


def _beta_masks(a, b):
    """(bad, zero): where B(a, b) has no derivative (Γ(a) or Γ(b) at a pole, or a + b a pole
    too far out), and where 1/Γ(a + b) = 0 makes B = 0 with a finite slope."""
    av, bv = concrete(a), concrete(b)
    sv = av + bv
    bad = _pole(av) | _pole(bv)
    zero = _pole(sv) & ~bad
    far = zero & (sv < _FAR_POLE)
    return bad | far, zero & ~far


def _beta_d(first):
    """∂B/∂a (``first``) or ∂B/∂b: B·(ψ(a) − ψ(a + b)). Where a + b is a pole (and a, b are
    not), B = Γ(a)Γ(b)/Γ(a + b) is 0 and its slope Γ(a)Γ(b)·(1/Γ)′(a + b)."""
    def d(out, a, b):
        bad, zero = _beta_masks(a, b)
        if not may_any(bad | zero):
            return out * (_psi_difference(a, b) if first else _psi_difference(b, a))
        off = bad | zero
        outr, ar, br = where(off, 1.0, out), where(off, 1.0, a), where(off, 1.0, b)
        general = outr * (_psi_difference(ar, br) if first else _psi_difference(br, ar))
        if may_any(zero):
            az, bz = where(zero, a, 1.0), where(zero, b, 1.0)
            r, r1 = _rgamma_near_poles(az + bz, zero)
            general = where(zero, gamma(az) * gamma(bz) * (digamma(az if first else bz) * r + r1), general)
        return _nan_at(bad, general, (a, b))
    return d


beta = elementwise(
    "beta", _in_float_of(special.beta), d={"a": _beta_d(True), "b": _beta_d(False)}, signature=_ab,
    jax="jax.scipy.special.beta", numpy="scipy.special.beta", domain=("positive", "positive"),
    symbol="diag(B·(ψ(a) − ψ(a+b))), diag(B·(ψ(b) − ψ(a+b)))",
    doc="the beta function B(a, b) = Γ(a)Γ(b)/Γ(a + b)",
    examples=[Example(((3, 1), (1, 4))),
              Example((np.array([-0.5, 1.5, -2.5, 0.8]), np.array([0.7, -0.3, 3.2, 2.5])), diff=(0, 1))])


def _betaln_d(first):
    def d(out, a, b):
        av, bv = concrete(a), concrete(b)
        bad = _pole(av) | _pole(bv) | _pole(av + bv)
        if first:
            return _guarded(bad, np.nan, lambda u, v: _psi_difference(u, v), a, b)
        return _guarded(bad, np.nan, lambda u, v: _psi_difference(v, u), a, b)
    return d


betaln = elementwise(
    "betaln", _in_float_of(special.betaln), d={"a": _betaln_d(True), "b": _betaln_d(False)},
    signature=_ab, jax="jax.scipy.special.betaln", numpy="scipy.special.betaln", domain=("positive", "positive"),
    symbol="diag(ψ(a) − ψ(a+b)), diag(ψ(b) − ψ(a+b))", doc="log |B(a, b)|",
    examples=[Example(((3, 1), (1, 4))),
              Example((np.array([-0.5, 1.5, -2.5, 0.8]), np.array([0.7, -0.3, 3.2, 2.5])), diff=(0, 1))])


def _poch_masks(z, m):
    """(bad, zero): where poch(z, m) has no derivative (z + m a pole of Γ), and where z alone
    is one, so that poch = Γ(z + m)/Γ(z) = 0 with a finite slope in z."""
    zv, mv = concrete(z), concrete(m)
    bad = _pole(zv + mv)
    zero = _pole(zv) & ~bad
    far = zero & (zv < _FAR_POLE)
    return bad | far, zero & ~far


def _poch_dz(out, z, m):
    bad, zero = _poch_masks(z, m)
    if not may_any(bad | zero):
        return -out * _psi_difference(z, m)
    off = bad | zero
    outr, zr, mr = where(off, 1.0, out), where(off, 1.0, z), where(off, 1.0, m)
    general = -outr * _psi_difference(zr, mr)
    if may_any(zero):  # poch = Γ(z + m)·(1/Γ)(z): slope Γ(z + m)·(ψ(z + m)·(1/Γ)(z) + (1/Γ)′(z))
        zz, mz = where(zero, z, 1.0), where(zero, m, 1.0)
        r, r1 = _rgamma_near_poles(zz, zero)
        s = zz + mz
        general = where(zero, gamma(s) * (digamma(s) * r + r1), general)
    return _nan_at(bad, general, (z, m))


def _poch_dm(out, z, m):
    bad, _ = _poch_masks(z, m)
    return _guarded(bad, np.nan, lambda o, u, v: o * digamma(u + v), out, z, m)


poch = elementwise(
    "poch", _in_float_of(special.poch), d={"z": _poch_dz, "m": _poch_dm}, signature=lambda z, m: ((z, m), ()),
    jax="jax.scipy.special.poch", numpy="scipy.special.poch", domain=("positive", "positive"),
    symbol="diag(poch·(ψ(z+m) − ψ(z))), diag(poch·ψ(z+m))",
    doc="the Pochhammer symbol (rising factorial) Γ(z + m)/Γ(z)",
    examples=[Example(((3, 1), (1, 4))),
              Example((np.array([-0.5, -2.5, 1.5, 0.3]), np.array([1.2, 0.7, -0.4, 2.0])), diff=(0, 1))])


def _multigammaln_forward(a, d):
    out = special.multigammaln(a, d)  # raises ValueError unless a > (d − 1)/2 everywhere
    if d == 0:  # (SciPy's 0.0 for any a: zeros of a's shape, as JAX's)
        out = np.zeros(np.shape(a), np.result_type(a, 0.0))
    dt = np.result_type(a)
    return out.astype(dt, copy=False) if dt.kind == "f" and np.result_type(out) != dt else out


#: a forward that raises on bad values: a jit plan runs it even when no output needs its result
_multigammaln_forward.checks_values = True


def _multigammaln_signature(a: ArrayLike, d: int):
    """log Γ_d(a), the log of the multivariate gamma function of dimension ``d`` (a
    non-negative integer, constant): d(d−1)/4·log π + Σⱼ gammaln(a − j/2), j < d; a > (d − 1)/2
    (d = 0: 0, as SciPy and JAX)."""
    if int(d) != d or d < 0:
        raise ValueError(f"multigammaln: d must be a non-negative integer, got {d!r}")
    return (a,), (int(d),)


def _multigammaln_d(out, a, d):
    if d == 0:
        return np.zeros(shape_of(a), dtype_of(a))
    total = digamma(a)
    for j in range(1, d):
        total = total + digamma(a - 0.5 * j)
    return total


multigammaln = elementwise(
    "multigammaln", _multigammaln_forward, d={"a": _multigammaln_d},
    signature=_multigammaln_signature, params=("d",), jax="jax.scipy.special.multigammaln",
    domain="above_one", symbol="diag(Σⱼ ψ(a − j/2))", numpy=(),  # SciPy's is not a ufunc
    doc="log Γ_d(a), the multivariate log-gamma function",
    examples=[Example(((2, 3),), {"d": 2}), Example(((3,),), {"d": 3})])


def _factorial_signature(n: ArrayLike, exact: bool = False):
    """n! = Γ(n + 1) for float n, 0 for n < 0 (as scipy.special.factorial(n, exact=False) and
    jax.scipy.special.factorial); ``exact=True`` (SciPy's integer arithmetic) has no
    derivative and is not supported."""
    if exact:
        raise NotImplementedError("factorial(exact=True) computes with Python integers and has no "
                                  "derivative; call scipy.special.factorial on concrete values")
    return (n,), ()


factorial = elementwise(
    "factorial", _in_float_of(lambda n: special.factorial(n, exact=False), "factorial"),
    d={"n": lambda out, n: _guarded(np.less(concrete(n), 0), 0.0, lambda o, v: o * digamma(v + 1), out, n)},
    signature=_factorial_signature, jax="jax.scipy.special.factorial", domain="positive",
    symbol="diag(Γ(n+1)·ψ(n+1)), 0 for n < 0", numpy=(),  # SciPy's is not a ufunc
    doc="n! = Γ(n + 1), 0 for n < 0",
    examples=[Example(((2, 3),)), Example((np.array([1.0, 2.5, -0.5, -2.5, 4.0, 0.2]),), diff=(0,))])


# ---- entropies -------------------------------------------------------------------------------
def _entr_parts(out, x):
    xv = concrete(x)
    steep = np.equal(xv, 0)  # the slope −(1 + log x) is +inf at 0
    off = np.logical_not(xv > 0)
    return _guarded(off, _fill(steep, np.inf, np.nan, out), lambda v: -(1 + log(v)), x), steep


entr = _unary("entr", _in_float_of(special.entr), _slope(_entr_parts),
              "diag(−(1 + log x)), +inf at 0, NaN for x < 0",
              "−x·log x (0 at 0, −inf for x < 0)", domain="positive",
              vjp={"x": _steep(_entr_parts)}, jvp={"x": _steep(_entr_parts)})


def _log_ratio_dx(plus):
    """∂/∂x of x·log(x/y) (``plus`` 1: rel_entr) or of x·log(x/y) − x + y (``plus`` 0: kl_div):
    log x − log y + plus for x, y > 0; −inf at x = 0 < y (the slope of x·log x there); NaN
    elsewhere (where SciPy's value is a constant +inf, or jumps to it)."""
    def parts(out, x, y):
        xv, yv = concrete(x), concrete(y)
        steep = np.equal(xv, 0) & (yv > 0)
        off = np.logical_not((xv > 0) & (yv > 0))
        fill = _fill(steep, -np.inf, np.nan, out)
        return _guarded(off, fill, lambda u, v: log(u) - log(v) + plus, x, y), steep
    return parts


def _log_ratio_dy(plus):
    """∂/∂y: −x/y (rel_entr) or 1 − x/y (kl_div) for x ≥ 0 < y; at x = y = 0, where the value
    is SciPy's 0 (rel_entr) or y (kl_div), 0 or 1 (the slope along y > 0); NaN elsewhere."""
    def d(out, x, y):
        xv, yv = concrete(x), concrete(y)
        off = np.logical_not((xv >= 0) & (yv > 0))
        fill = _fill(np.equal(xv, 0) & np.equal(yv, 0), plus, np.nan, out)
        return _guarded(off, fill, lambda u, v: plus - u / v, x, y)
    return d


def _pq_signature(name, doc):  # SciPy's names x, y or JAX's p, q
    def signature(x=None, y=None, *, p=None, q=None):
        if (x is None) == (p is None) or (y is None) == (q is None):
            raise TypeError(f"{name}: give each input once: positionally, as x=, y= or as p=, q=")
        return (p if x is None else x, q if y is None else y), ()
    signature.__doc__ = doc
    return signature




_REL_DX, _KL_DX = _log_ratio_dx(1.0), _log_ratio_dx(0.0)
rel_entr = elementwise(
    "rel_entr", _in_float_of(special.rel_entr), d={"x": _slope(_REL_DX), "y": _log_ratio_dy(0.0)},
    vjp={"x": _steep(_REL_DX)}, jvp={"x": _steep(_REL_DX)},
    jax="jax.scipy.special.rel_entr", numpy="scipy.special.rel_entr",
    domain=("positive", "positive"), examples=_BINARY, symbol="diag(log(x/y) + 1), diag(−x/y) (−inf, 0 at x = 0 < y)",
    signature=_pq_signature("rel_entr", "x·log(x/y) for x, y > 0; 0 at x = 0 ≤ y; +inf otherwise"))
kl_div = elementwise(
    "kl_div", _in_float_of(special.kl_div), d={"x": _slope(_KL_DX), "y": _log_ratio_dy(1.0)},
    vjp={"x": _steep(_KL_DX)}, jvp={"x": _steep(_KL_DX)},
    jax="jax.scipy.special.kl_div", numpy="scipy.special.kl_div",
    domain=("positive", "positive"), examples=_BINARY, symbol="diag(log(x/y)), diag(1 − x/y) (−inf, 1 at x = 0 < y)",
    signature=_pq_signature("kl_div", "x·log(x/y) − x + y for x, y > 0; y at x = 0 ≤ y; +inf otherwise"))


# ---- the normal quantile, scaled error functions and exponential integrals -------------------
def _ndtri_parts(out, x):
    # Φ⁻¹′ = √(2π)·e^(out²/2): +inf at 0 and 1 (out = ∓inf), NaN outside [0, 1]
    steep = np.isinf(concrete(out))
    return _guarded(steep, np.inf, lambda o: _SQRT_2PI * exp(0.5 * (o * o)), out), steep


def _ndtri_signature(x=None, *, p=None):
    """Φ⁻¹(x), the inverse of the standard normal CDF, on (0, 1) (x, or JAX's name p)"""
    if (x is None) == (p is None):
        raise TypeError("ndtri: give its input once: positionally, as x= or as p=")
    return (p if x is None else x,), ()


ndtri = _unary("ndtri", _in_float_of(special.ndtri), _slope(_ndtri_parts),
               "diag(√(2π)·e^(ndtri(x)²/2)), +inf at 0 and 1",
               "Φ⁻¹(x), the inverse of the standard normal CDF, on (0, 1)", domain="open_unit",
               signature=_ndtri_signature,
               vjp={"x": _steep(_ndtri_parts)}, jvp={"x": _steep(_ndtri_parts)})
erfcx = _unary("erfcx", _in_float_of(special.erfcx), erfcx_slope, "diag(2x·erfcx(x) − 2/√π)",
               "the scaled complementary error function e^(x²)·erfc(x)",
               examples=[Example(((2, 3),)), Example((np.array([-3.0, -0.5, 0.0, 2.0, 9.0, 40.0]),), diff=(0,))])
dawsn = _unary("dawsn", _in_float_of(special.dawsn), dawsn_slope,
               "diag(1 − 2x·dawsn(x))", "Dawson's integral e^(−x²)·∫₀ˣ e^(t²) dt",
               examples=[Example(((2, 3),)), Example((np.array([-6.0, -0.5, 0.0, 1.5, 12.0]),), diff=(0,))])


def _exp1_parts(out, x):
    xv = concrete(x)
    steep = np.equal(xv, 0)  # E₁′ = −e^(−x)/x: −inf at 0, NaN for x < 0 (as E₁ itself)
    fill = _fill(steep, -np.inf, np.nan, out)
    return _guarded(np.logical_not(xv > 0), fill, lambda v: -exp(-v) / v, x), steep


def _expi_parts(out, x):
    xv = concrete(x)
    steep = np.equal(xv, 0)  # Ei′ = eˣ/x: ±inf at ±0
    fill = np.copysign(np.inf, xv).astype(dtype_of(out))
    return _guarded(steep, fill, lambda v: exp(v) / v, x), steep


# JAX cannot differentiate its exp1 twice (jax 0.10: "No constant handler" inside a trace), so
# the table compares first order only; tests/test_special_more.py checks the second
exp1 = _unary("exp1", _in_float_of(special.exp1), _slope(_exp1_parts),
              "diag(−e^(−x)/x), −inf at 0", "the exponential integral E₁(x) = ∫₁^∞ e^(−xt)/t dt",
              domain="positive", second_order=False,
              vjp={"x": _steep(_exp1_parts)}, jvp={"x": _steep(_exp1_parts)})
expi = _unary("expi", _in_float_of(special.expi), _slope(_expi_parts), "diag(eˣ/x), ±inf at ±0",
              "the exponential integral Ei(x) (−inf at 0)", domain="nonzero",
              vjp={"x": _steep(_expi_parts)}, jvp={"x": _steep(_expi_parts)})

__all__ = ["erfc", "erfinv", "ndtr", "log_ndtr", "logit", "polygamma", "digamma", "gammaln", "xlogy",
           "xlog1py", "i0", "i1", "i0e", "i1e", "gamma", "loggamma", "gammasgn", "beta", "betaln", "poch",
           "multigammaln", "factorial", "entr", "rel_entr", "kl_div", "ndtri", "erfcx", "dawsn", "exp1", "expi"]
