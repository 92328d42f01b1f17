"""More of ``jax.scipy.special``, computed with SciPy: zeta, gammainc, gammaincc,
betainc, expn, spence, sici, fresnel, owens_t, hyp1f1, hyp2f1, bessel_jn, boxcox,
boxcox1p, comb and bernoulli.

As in :mod:`tensorgrad.ops.special_fns`, SciPy computes each value and every
derivative rule is written with tensorgrad ops, so it differentiates again:

* ``zeta(x, q)`` (Hurwitz; ``q=None``: Riemann's ζ(x), also for x < 1):
  ``∂/∂q = −x·ζ(x + 1, q)``; ``∂/∂x = −Σ log(n + q)·(n + q)^(−x)``, and the m-th
  derivative in x, are summed by Euler–Maclaurin (12 terms and 12 corrections,
  carried as a Taylor series in x), as JAX differentiates its zeta. ∂/∂x is NaN
  for q ≤ 0, at the pole x = 1, and where SciPy's value is NaN (Hurwitz, x < 1).
* ``gammainc(a, x)`` = P(a, x) and ``gammaincc(a, x)`` = Q = 1 − P:
  ``∂P/∂x = x^(a−1)·e^(−x)/Γ(a)`` (+inf at x = 0 for a < 1; 1 at a = 1; 0 for
  a > 1); ``∂P/∂a = −∂Q/∂a`` by the series of P (x ≤ max(1, a)) or Legendre's
  continued fraction of Q (beyond), each differentiated in a term by term (as
  JAX's igamma_grad_a). Both are 0 at x = 0 and x = inf. Second order: in x and
  mixed (∂²P/∂a∂x = (log x − ψ(a))·∂P/∂x); ∂²/∂a² raises (JAX has none either).
* ``betainc(a, b, x)``: ``∂/∂x = x^(a−1)(1 − x)^(b−1)/B(a, b)``; no derivative in
  a or b (JAX refuses them too): asking for one raises.
* ``expn(n, x)`` (n a non-negative integer, constant): ``∂/∂x = −E_(n−1)(x)``, with
  ``E_0(x) = e^(−x)/x`` and ``E_0′ = −e^(−x)(x + 1)/x²``. At x = 0 the slope is
  ``−1/(n − 2)`` for n ≥ 3, −inf for n ≤ 2 (as exp1's; E_n(0) = inf for n ≤ 1).
* ``spence(z) = ∫₁ᶻ log t/(1 − t) dt``: ``∂/∂z = log z/(1 − z)``, −1 at z = 1 (its
  Taylor series there, exact at every order: JAX gives 0, and NaN on (1, 2)),
  −inf at z = 0, NaN for z < 0.
* ``sici(x) = (Si, Ci)``: ``Si′ = sin x/x`` (1 at 0), ``Ci′ = cos x/x`` (±inf at
  ±0; for x < 0 SciPy's real Ci is Ci(|x|), whose slope is the same formula).
  ``fresnel(x) = (S, C)``: ``S′ = sin(πx²/2)``, ``C′ = cos(πx²/2)``. Each
  component is an op of its own; the functions return the pair.
* ``owens_t(h, a)``: ``∂/∂h = −φ(h)·erf(ah/√2)/2``,
  ``∂/∂a = e^(−h²(1 + a²)/2)/(2π(1 + a²))``.
* ``hyp1f1(a, b, x)`` (in :mod:`tensorgrad.ops.hyp1f1_params`): ``∂/∂x = (a/b)·₁F₁(a + 1,
  b + 1, x)``, and ∂/∂a, ∂/∂b (to second order) by its series; ``hyp2f1(a, b, c, x)``:
  ``∂/∂x = (ab/c)·₂F₁(a + 1, b + 1, c + 1, x)``. JAX also differentiates hyp2f1 in the
  parameters; tensorgrad does not, and says so.
* ``bessel_jn(z, v, n_iter)``: J₀..J_v on a new leading axis (SciPy's exact
  values; ``n_iter``, the length of JAX's recurrence, is accepted and unused);
  ``J₀′ = −J₁``, ``J_n′ = (J_(n−1) − J_(n+1))/2``.
* ``boxcox(x, λ) = (x^λ − 1)/λ`` (log x at λ = 0) and ``boxcox1p`` (of 1 + x):
  with L = log x (or log(1 + x)), ``∂/∂x = x^(λ−1)`` and ``∂/∂λ = L²·h(λL)``,
  ``h(u) = (u·eᵘ − eᵘ + 1)/u²`` (its Taylor series for |u| < ½, so λ = 0 gives
  L²/2: JAX gives 0). At x = 0 (1 + x = 0): ∂/∂x is +inf for λ < 1, 1 at λ = 1,
  0 for λ > 1, and ∂/∂λ = 1/λ² for λ > 0; elsewhere outside the domain, NaN.
* ``comb(N, k)`` = Γ(N + 1)/(Γ(k + 1)Γ(N − k + 1)) where 0 ≤ k ≤ N, else 0 (as
  JAX; ``repetition=True``: comb(N + k − 1, k), 1 at k = 0 ≤ N): the slopes are
  ``comb·(ψ(N + 1) − ψ(N − k + 1))`` and ``comb·(ψ(N − k + 1) − ψ(k + 1))``, 0
  where comb is 0. ``exact=True`` is not supported.
* ``bernoulli(n)``: the Bernoulli numbers B₀..B_n (SciPy's values; no gradient).

A zero cotangent or tangent gives 0 at an infinite slope, and nothing here
evaluates log(0), 0/0 or a pole, so no NumPy warning is raised.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

from ..registry import Example, elementwise, function, general
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import concrete, is_staged, may_any
from .activations import erf
from .elementwise import _slope, _steep, cos, exp, expm1, log, log1p, nan_slopes, sin, where
from .fresnel_phase import fresnel_phase
from .hyp1f1_params import hyp1f1  # noqa: F401  (declared there, with its derivatives in a and b)
from .elementwise_more import sinc
from .reductions import sum as _sum
from .shape import concatenate, expand_dims
from .zeta_reflection import series_product as _mul, zeta_derivative
from .special_fns import (_fill, _guarded, _in_float_of, _psi_difference, betaln, by_integer_order,
                          digamma, gammaln)

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _guarded_at(mask, fill, fn, safe, *xs):
    """``fn(*xs)`` with ``fill`` where ``mask`` (as special_fns._guarded, but the inputs are
    replaced by ``safe``, one value per input, where 1 is a singular point of ``fn``)."""
    if not may_any(mask):
        return fn(*xs)
    return where(mask, fill, fn(*[where(mask, v, x) for v, x in zip(safe, xs)]))


def _jss(name):
    return f"jax.scipy.special.{name}"


def _no_derivative(fn, arg, why="JAX has none either"):
    """The rule of an input without a derivative: it raises, naming the function and input."""
    def rule(*args):
        raise NotImplementedError(f"{fn}: no derivative in {arg} ({why}); differentiate in the "
                                  "other arguments, or hold this one constant")
    return rule


def _jax_vectorized(fn_name, argnum, order=1, sign=1.0):
    """A JAX reference: the ``order``-th elementwise derivative of jax.scipy.special.<fn_name>
    in its input ``argnum`` (times ``sign``)."""
    def ref(jnp, *args, **params):
        import jax
        import jax.scipy.special as jss
        f = getattr(jss, fn_name)
        for _ in range(order):
            f = jax.grad(f, argnums=argnum)
        return sign * jnp.vectorize(f)(*args)
    return ref


# ---- zeta --------------------------------------------------------------------------------
_ZN, _ZM = 12, 12  # Euler–Maclaurin: terms summed directly, and correction terms
_ZETA_B = [float(b) / math.factorial(2 * k) for k, b in
           enumerate(special.bernoulli(2 * _ZM)[::2]) if k > 0]  # B_2k/(2k)!, k = 1..M


def _lin(c, order):
    """c + ε as a Taylor series."""
    return ([c, 1.0] + [0.0] * order)[:order + 1]


def _power_series(c, lg, order):
    """c·e^(−ε·lg) = c·a^(−ε) as a Taylor series in ε (lg = log a)."""
    out = [c]
    for j in range(1, order + 1):
        out.append(out[-1] * (-lg) / j)
    return out


def _zeta_taylor(s, q, order):
    """Taylor coefficients [ζ(s, q), ∂ₛζ, ∂ₛ²ζ/2!, ...] up to ``order`` (Euler–Maclaurin, s ≠ 1,
    q > 0), each summed as x ↦ (q + n)^(−s − ε) is expanded in ε."""
    total = [0.0] * (order + 1)
    for n in range(_ZN):
        lg = np.log(q + n)
        total = [t + p for t, p in zip(total, _power_series(np.exp(-s * lg), lg, order))]
    lg = np.log(q + _ZN)
    inv = [(-1.0) ** k / (s - 1) ** (k + 1) for k in range(order + 1)]  # 1/(s − 1 + ε)
    parts = [_mul(_power_series(np.exp((1 - s) * lg), lg, order), inv),
             _power_series(0.5 * np.exp(-s * lg), lg, order)]
    poly = _lin(s, order)  # s + ε
    for k, coef in enumerate(_ZETA_B, start=1):
        tail = _power_series(np.exp((-s - 2 * k + 1) * lg), lg, order)
        parts.append([coef * v for v in _mul(poly, tail)])
        poly = _mul(_mul(poly, _lin(s + 2 * k - 1, order)), _lin(s + 2 * k, order))
    for p in parts:
        total = [t + v for t, v in zip(total, p)]
    return total


def _zeta_dx_forward(x, q, m, riemann):
    """∂ᵐζ(x, q)/∂xᵐ, NaN where it is not defined (see the module docstring)."""
    x, q = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(q, np.float64))
    ok = (q > 0) & (x != 1) & np.isfinite(x) & np.isfinite(q)
    if not riemann:
        ok &= x > 1
    return np.where(ok, zeta_derivative(_zeta_taylor, np.where(ok, x, 2.0), np.where(ok, q, 1.0),
                                        m, riemann), np.nan)


def _zeta_signature(x: ArrayLike, q: ArrayLike | None = None):
    """The Hurwitz zeta function ζ(x, q) = Σₙ (n + q)^(−x); ``q=None``: Riemann's ζ(x)."""
    return (x, 1.0 if q is None else q), (q is None,)


def _zeta_dx_signature(x: ArrayLike, q: ArrayLike, m: int = 1, riemann: bool = False):
    """∂ᵐζ(x, q)/∂xᵐ (``m`` ≥ 1, constant), the derivatives of zeta in x."""
    if int(m) != m or m < 1:
        raise ValueError(f"zeta_dx: m must be a positive integer, got {m!r}")
    return (x, q), (int(m), bool(riemann))


def _jax_zeta(jnp, x, q, riemann=False):
    import jax.scipy.special  # JAX's Hurwitz zeta (q = 1 for Riemann's, where x > 1)
    return jax.scipy.special.zeta(x, q)


def _zeta_dq(out, x, q, riemann):
    return -(x * zeta(x + 1, q))  # (x may be a boolean constant, which does not negate)


zeta = elementwise(
    "zeta", _in_float_of(lambda x, q, riemann: special.zeta(x) if riemann else special.zeta(x, q),
                         "zeta"),
    d={"x": lambda out, x, q, riemann: zeta_dx(x, q, 1, riemann), "q": _zeta_dq},
    signature=_zeta_signature, params=("riemann",), jax=_jax_zeta, numpy=(),
    domain=("above_one", "positive"), symbol="diag(∂ₓζ), diag(−x·ζ(x + 1, q))",
    doc="the Hurwitz zeta function ζ(x, q) (Riemann's for q=None)",
    examples=[Example(((3, 1), (1, 4)))])


def _zeta_dx_dq(out, x, q, m, riemann):  # ∂ₓᵐ of −x·ζ(x + 1, q), by Leibniz's rule
    lower = zeta(x + 1, q) if m == 1 else zeta_dx(x + 1, q, m - 1, riemann)
    return -(x * zeta_dx(x + 1, q, m, riemann) + m * lower)


zeta_dx = elementwise(
    "zeta_dx", _in_float_of(_zeta_dx_forward, "zeta_dx"),
    d={"x": lambda out, x, q, m, riemann: zeta_dx(x, q, m + 1, riemann), "q": _zeta_dx_dq},
    signature=_zeta_dx_signature, params=("m", "riemann"), public=False, numpy=(),
    jax=lambda jnp, x, q, m=1, riemann=False: _jax_vectorized("zeta", 0, m)(jnp, x, q),
    domain=("above_one", "positive"), symbol="diag(∂ₓᵐ⁺¹ζ), diag(−x·∂ₓᵐζ(x+1, q) − m·∂ₓᵐ⁻¹ζ(x+1, q))",
    doc="∂ᵐζ(x, q)/∂xᵐ by Euler–Maclaurin (the derivatives of zeta in x)",
    examples=[Example(((2, 3), (2, 3)), {"m": 1}), Example(((3,), (3,)), {"m": 2})])


# ---- incomplete gamma ---------------------------------------------------------------------
_TINY = 1e-17
#: the largest a (near x = a) whose series _dp_series sums, and the most terms that takes
#: (a few seconds at a = 1e9): beyond it the slope is NaN at once, a bound rather than a hang
_MAX_A = 1e9
_MAX_TERMS = 5000 + 20 * int(np.sqrt(_MAX_A))


def _dp_series(a, x):
    """∂P/∂a from P = xᵃe⁻ˣ/Γ(a + 1)·Σₖ tₖ, tₖ = xᵏ/((a + 1)···(a + k)) (x ≤ max(1, a)); NaN
    where the series has not converged within _MAX_TERMS terms (a ≳ 1e9 with x near a)."""
    # the terms fall off only past k ~ x − a + several √a: at a = 1e8 ~1e5 terms, not 5000;
    # beyond that, x within a few √a of a would need more than _MAX_TERMS: NaN at once
    hopeless = (a > _MAX_A) & (x >= a - 40 * np.sqrt(a))
    a, x = np.where(hopeless, 1.0, a), np.where(hopeless, 0.5, x)
    term, dterm = np.ones_like(a), np.zeros_like(a)
    s, ds = term.copy(), dterm.copy()
    for k in range(1, min(_MAX_TERMS, 5000 + int(20 * np.sqrt(np.max(a, initial=0.0))))):
        r = x / (a + k)
        dterm = (dterm - term / (a + k)) * r
        term = term * r
        s, ds = s + term, ds + dterm
        done = (term <= _TINY * s) & (np.abs(dterm) <= _TINY * np.abs(ds))
        if np.all(done):
            break
    out = special.gammainc(a, x) * (np.log(x) - special.digamma(a + 1) + ds / s)
    return np.where(done & ~hopeless, out, np.nan)


def _dq_fraction(a, x):
    """∂Q/∂a from Q = xᵃe⁻ˣ/Γ(a)/K, K = b₀ + a₁/(b₁ + a₂/(b₂ + ...)), bₙ = x + 2n + 1 − a,
    aₙ = n(a − n) (Legendre; x > max(1, a)): its convergents Aₙ/Bₙ by the three-term
    recurrence, differentiated in a alongside and rescaled every step."""
    base = np.log(x) - special.digamma(a)
    a0, a1, b0, b1 = np.ones_like(a), x + 1 - a, np.zeros_like(a), np.ones_like(a)
    da0, da1, db0, db1 = np.zeros_like(a), -np.ones_like(a), np.zeros_like(a), np.zeros_like(a)
    prev = base - da1 / a1
    for n in range(1, 5000):
        bn, an = x + 2 * n + 1 - a, n * (a - n)
        a2, b2 = bn * a1 + an * a0, bn * b1 + an * b0
        da2 = -a1 + bn * da1 + n * a0 + an * da0
        db2 = -b1 + bn * db1 + n * b0 + an * db0
        scale = np.where(a2 != 0, a2, 1.0)
        a0, a1, b0, b1 = a1 / scale, a2 / scale, b1 / scale, b2 / scale
        da0, da1, db0, db1 = da1 / scale, da2 / scale, db1 / scale, db2 / scale
        total = base - (da1 / a1 - db1 / b1)  # log-derivative of Q: F = 1/K = B/A
        if np.all(np.abs(total - prev) <= _TINY * (np.abs(base) + np.abs(total))):
            break
        prev = total
    return special.gammaincc(a, x) * total


def _gammainc_da_forward(a, x):
    """∂P(a, x)/∂a (float64): 0 at x = 0 and x = inf, NaN outside a > 0, x ≥ 0."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.where((a > 0) & ((x == 0) | (x == np.inf)), 0.0, np.nan)
    inside = (a > 0) & (x > 0) & np.isfinite(x) & np.isfinite(a)
    lower = inside & ((x <= 1) | (x <= a))
    upper = inside & ~lower
    if lower.any():
        out[lower] = _dp_series(a[lower], x[lower])
    if upper.any():
        out[upper] = -_dq_fraction(a[upper], x[upper])
    return out


def _density_parts(a, x, times_log=False):
    """(slope, steep): xᵃ⁻¹e⁻ˣ/Γ(a) = ∂P/∂x (``times_log``: times log x − ψ(a), its
    derivative in a); at x = 0 from the limit (±inf marked steep), 0 at x = inf, NaN
    outside a > 0, x ≥ 0."""
    av, xv = concrete(a), concrete(x)
    at0 = (av > 0) & np.equal(xv, 0)
    steep = at0 & ((av <= 1) if times_log else (av < 1))
    edge = at0 & np.equal(av, 1) & (not times_log)
    far = (av > 0) & np.equal(xv, np.inf)
    off = np.logical_not((av > 0) & (xv > 0) & np.isfinite(xv))
    inside = np.inf if not times_log else -np.inf
    # a = 0, x > 0: P = 1 there (SciPy's and JAX's value), flat in x (1/Γ(0) = 0)
    flat = np.equal(av, 0) & (xv > 0) & (not times_log)
    fill = np.where(steep, inside, np.where(edge, 1.0, np.where(at0 | far | flat, 0.0, np.nan)))
    fill = fill.astype(np.result_type(av, xv, 1.0))

    def f(u, v):
        dens = exp((u - 1) * log(v) - v - gammaln(u))
        return dens * (log(v) - digamma(u)) if times_log else dens
    # at x = 0 with a ≤ 2 the slope's own slope is not the 0 of the constant fill (1 at a = 2,
    # inf between): the next derivative there is NaN, as JAX's
    return _end_slopes(_guarded(off, fill, f, a, x), at0 & (av <= 2) & ~steep, (x,)), steep


def _end_slopes(slope, mask, deps):
    """``slope`` whose next derivative in each traced input is NaN where ``mask``: there the
    slope is a constant, a limit, whose own slope is not 0."""
    return nan_slopes(slope, mask, deps) if may_any(mask) else slope


def _signed(parts, sign):
    if sign > 0:
        return parts
    return lambda *args: tuple((-s if i == 0 else s) for i, s in enumerate(parts(*args)))


def _ax(a: ArrayLike, x: ArrayLike):
    return (a, x), ()


def _x_lmbda(x: ArrayLike, lmbda: ArrayLike):
    return (x, lmbda), ()


def _gamma_pair(name, value, sign):
    dx = _signed(lambda out, a, x: _density_parts(a, x), sign)
    return elementwise(
        name, _in_float_of(value), d={"a": lambda out, a, x: gammainc_da(a, x, sign < 0), "x": _slope(dx)},
        vjp={"x": _steep(dx)}, jvp={"x": _steep(dx)}, jax=_jss(name), numpy=f"scipy.special.{name}",
        signature=_ax, domain=("positive", "positive"),
        second_order=False,  # JAX has no ∂²/∂a²: tests/test_special_batch2.py checks x
        symbol=f"diag({'' if sign > 0 else '−'}∂P/∂a), diag({'' if sign > 0 else '−'}xᵃ⁻¹e⁻ˣ/Γ(a))",
        doc=f"the regularized {'lower' if sign > 0 else 'upper'} incomplete gamma function "
            f"{'P' if sign > 0 else 'Q'}(a, x)",
        examples=[Example(((3, 1), (1, 4))),
                  Example((np.array([0.3, 2.0, 7.5, 1.0, 40.0]), np.array([0.2, 3.0, 2.0, 5.0, 55.0])),
                          diff=(0, 1))])


def _gammainc_da_signature(a: ArrayLike, x: ArrayLike, upper: bool = False):
    """∂P(a, x)/∂a, or ∂Q/∂a = −∂P/∂a when ``upper``: the derivatives of gammainc and
    gammaincc in a."""
    return (a, x), (bool(upper),)


def _da_da(out, a, x, upper):
    return _no_derivative("gammaincc" if upper else "gammainc", "a at second order")()


def _da_dx_parts(out, a, x, upper):
    slope, steep = _density_parts(a, x, True)
    return (-slope if upper else slope), steep


gammainc_da = elementwise(
    "gammainc_da", _in_float_of(lambda a, x, upper: -_gammainc_da_forward(a, x) if upper
                                else _gammainc_da_forward(a, x), "gammainc_da"),
    d={"a": _da_da, "x": _slope(_da_dx_parts)},
    vjp={"x": _steep(_da_dx_parts)}, jvp={"x": _steep(_da_dx_parts)},
    signature=_gammainc_da_signature, params=("upper",),
    jax=lambda jnp, a, x, upper=False: _jax_vectorized("gammaincc" if upper else "gammainc", 0)(jnp, a, x),
    public=False, numpy=(), domain=("positive", "positive"),
    symbol="diag(∂²P/∂a²: none), diag(±(log x − ψ(a))·xᵃ⁻¹e⁻ˣ/Γ(a))",
    doc="∂P(a, x)/∂a (or ∂Q/∂a), the derivative of gammainc (gammaincc) in a",
    # JAX cannot differentiate it: values only
    examples=[Example(((3, 1), (1, 4)), diff=()), Example(((3,), (3,)), {"upper": True}, diff=())])
gammainc = _gamma_pair("gammainc", special.gammainc, 1.0)
gammaincc = _gamma_pair("gammaincc", special.gammaincc, -1.0)


# ---- betainc, hyp2f1: derivatives in x only -----------------------------------------
def _betainc_parts(out, a, b, x):
    av, bv, xv = concrete(a), concrete(b), concrete(x)
    ok = (av > 0) & (bv > 0)
    end = ok & (np.equal(xv, 0) | np.equal(xv, 1))
    expo = np.where(np.equal(xv, 0), av, bv)  # the exponent (+1) of the end x is at
    steep, one = end & (expo < 1), end & np.equal(expo, 1)
    at_one = np.exp(-special.betaln(np.where(one, av, 1.0), np.where(one, bv, 1.0)))
    fill = np.where(steep, np.inf, np.where(one, at_one, np.where(end, 0.0, np.nan)))
    off = np.logical_not(ok & (xv > 0) & (xv < 1))
    slope = _guarded_at(off, fill, lambda u, v, y: exp((u - 1) * log(y) + (v - 1) * log1p(-y)
                                                        - betaln(u, v)), (1.0, 1.0, 0.5), a, b, x)
    return _end_slopes(slope, end & (expo <= 2) & ~steep, (x,)), steep  # (NaN at an end of exponent ≤ 2, as JAX's)


def _abx(a: ArrayLike, b: ArrayLike, x: ArrayLike):
    return (a, b, x), ()


betainc = elementwise(
    "betainc", _in_float_of(special.betainc),
    d={"a": _no_derivative("betainc", "the shape parameters a and b"),  # (one: beta.sf swaps them)
       "b": _no_derivative("betainc", "the shape parameters a and b"),
       "x": _slope(_betainc_parts)},
    vjp={"x": _steep(_betainc_parts)}, jvp={"x": _steep(_betainc_parts)}, signature=_abx,
    jax=_jss("betainc"), numpy="scipy.special.betainc", domain=("positive", "positive", "open_unit"),
    symbol="diag(xᵃ⁻¹(1 − x)ᵇ⁻¹/B(a, b)) in x", doc="the regularized incomplete beta function I_x(a, b)",
    examples=[Example(((2, 3), (2, 3), (2, 3)), diff=(2,))])

_PARAMS = "the parameters (JAX's first-order derivative is not implemented here)"


def _abcx(a: ArrayLike, b: ArrayLike, c: ArrayLike, x: ArrayLike):
    return (a, b, c, x), ()


hyp2f1 = elementwise(
    "hyp2f1", _in_float_of(special.hyp2f1),
    d={"a": _no_derivative("hyp2f1", "a", _PARAMS), "b": _no_derivative("hyp2f1", "b", _PARAMS),
       "c": _no_derivative("hyp2f1", "c", _PARAMS),
       "x": lambda out, a, b, c, x: a * b / c * hyp2f1(a + 1, b + 1, c + 1, x)},
    signature=_abcx, jax=_jss("hyp2f1"), numpy="scipy.special.hyp2f1",
    domain=("positive", "positive", "positive", "open_unit"),
    symbol="diag((ab/c)·₂F₁(a+1, b+1; c+1; x)) in x",
    doc="the Gauss hypergeometric function ₂F₁(a, b; c; x)",
    examples=[Example(((2, 3), (2, 3), (2, 3), (2, 3)), diff=(3,))])


# ---- expn, spence -----------------------------------------------------------------------------
def _expn_signature(n: int, x: ArrayLike):
    """The generalized exponential integral E_n(x) = ∫₁^∞ e^(−xt)/tⁿ dt (``n`` a non-negative
    integer, constant)."""
    if int(n) != n or n < 0:
        raise ValueError(f"expn: n must be a non-negative integer, got {n!r}")
    return (x,), (int(n),)


def _expn_parts(out, x, n):
    xv = concrete(x)
    steep = np.equal(xv, 0) & (n <= 2)  # −E_(n−1)(0) = −inf (also where E_n(0) is inf, as exp1's)
    off = np.logical_not(xv > 0) & np.logical_not(np.equal(xv, 0) & (n >= 3))
    if n == 0:
        slope = lambda v: -exp(-v) * (v + 1) / (v * v)  # noqa: E731
    else:
        slope = lambda v: -expn(n - 1, v)  # noqa: E731
    return _guarded(off, _fill(steep, -np.inf, np.nan, out), slope, x), steep


def _jax_expn(jnp, x, n):
    import jax.scipy.special as jss
    return jss.expn(n, x)


_expn = elementwise(
    "expn", _in_float_of(lambda x, n: special.expn(n, x), "expn"), d={"x": _slope(_expn_parts)},
    vjp={"x": _steep(_expn_parts)}, jvp={"x": _steep(_expn_parts)}, signature=_expn_signature,
    params=("n",), call=lambda x, n: expn(n, x), jax=_jax_expn, numpy="scipy.special.expn",
    domain="positive", second_order=False,  # JAX 0.10 cannot differentiate its expn twice
    symbol="diag(−E_(n−1)(x))", doc="the generalized exponential integral E_n(x)",
    examples=[Example(((2, 3),), {"n": 1}), Example(((3,),), {"n": 3})])


@function
def expn(n: ArrayLike, x: ArrayLike) -> Array:
    """E_n(x) = ∫₁^∞ e^(−xt)/tⁿ dt; ``n`` a non-negative integer or an array of them (a
    constant: no gradient), broadcast against ``x`` as in SciPy and JAX."""
    return by_integer_order("expn", _expn, n, x)

_SPENCE_AT_1 = [-1.0 / (k + 1) * (-1) ** k for k in range(16)]  # log(1 + w)/(−w) = Σ cₖ wᵏ


def _spence_parts(out, z):
    # near z = 1 (|z − 1| < 0.01) the series, not the quotient: log z/(1 − z) is 0/0 at 1, and
    # its derivatives cancel there (a second derivative of 2 for 0.5 one ulp below 1)
    zv = concrete(z)
    at1, steep = np.abs(zv - 1) < 0.01, np.equal(zv, 0)
    off = np.logical_not(zv > 0) | at1
    general_ = _guarded_at(off, _fill(steep, -np.inf, np.nan, out), lambda v: log(v) / (1 - v), (0.5,), z)
    if not may_any(at1):
        return general_, steep
    w = where(at1, z - 1, 0.0)  # 0 at z = 1, carrying z's derivatives
    series = _SPENCE_AT_1[-1]
    for c in reversed(_SPENCE_AT_1[:-1]):
        series = series * w + c
    return where(at1, series, general_), steep


spence = elementwise(
    "spence", _in_float_of(special.spence), d={"z": _slope(_spence_parts)},
    vjp={"z": _steep(_spence_parts)}, jvp={"z": _steep(_spence_parts)},
    jax=_jss("spence"), numpy="scipy.special.spence", domain="open_unit",  # JAX: NaN on (1, 2)
    symbol="diag(log z/(1 − z)), −1 at 1", doc="Spence's function (the dilogarithm) ∫₁ᶻ log t/(1 − t) dt",
    examples=[Example(((2, 3),))])


# ---- sici, fresnel, owens_t -----------------------------------------------------------------
def _ci_parts(out, x):
    xv = concrete(x)
    steep = np.equal(xv, 0)
    fill = np.copysign(np.inf, xv).astype(np.result_type(xv, np.float32))
    return _guarded(steep, fill, lambda v: cos(v) / v, x), steep


def _jax_component(name, k):
    def ref(jnp, x):
        import jax.scipy.special as jss
        return getattr(jss, name)(x)[k]
    return ref


def _component(op_name, fn, k, d, symbol, doc, **entry):
    entry.setdefault("domain", "real")
    name = op_name.split("_")[0]
    return elementwise(op_name, _in_float_of(lambda x: fn(x)[k], op_name), d={"x": d},
                       jax=_jax_component(name, k), public=False, numpy=(), symbol=symbol, doc=doc,
                       examples=[Example(((2, 3),))], **entry)


sici_si = _component("sici_si", special.sici, 0, lambda out, x: sinc(x / math.pi), "diag(sin x/x)",
                     "Si(x) = ∫₀ˣ sin t/t dt")
sici_ci = _component("sici_ci", special.sici, 1, _slope(_ci_parts), "diag(cos x/x), ±inf at ±0",
                     "Ci(x) = γ + log|x| + ∫₀^|x| (cos t − 1)/t dt", domain="nonzero",
                     vjp={"x": _steep(_ci_parts)}, jvp={"x": _steep(_ci_parts)})
fresnel_s = _component("fresnel_s", special.fresnel, 0, lambda out, x: sin(fresnel_phase(x)),
                       "diag(sin(πx²/2))", "S(x) = ∫₀ˣ sin(πt²/2) dt")
fresnel_c = _component("fresnel_c", special.fresnel, 1, lambda out, x: cos(fresnel_phase(x)),
                       "diag(cos(πx²/2))", "C(x) = ∫₀ˣ cos(πt²/2) dt")


@function(numpy="scipy.special.sici")
def sici(x: ArrayLike) -> tuple:
    """``(Si(x), Ci(x))``, the sine and cosine integrals (SciPy's real Ci: Ci(|x|))."""
    return sici_si(x), sici_ci(x)


@function(numpy="scipy.special.fresnel")
def fresnel(x: ArrayLike) -> tuple:
    """``(S(x), C(x))``, the Fresnel integrals ∫₀ˣ sin(πt²/2) dt and ∫₀ˣ cos(πt²/2) dt."""
    return fresnel_s(x), fresnel_c(x)


def _owens_dh(out, h, a):
    return (-0.5 * _INV_SQRT_2PI) * exp(-0.5 * (h * h)) * erf(a * h * (1 / math.sqrt(2.0)))


def _owens_da(out, h, a):
    s = 1 + a * a
    return exp(-0.5 * (h * h) * s) / ((2 * math.pi) * s)


def _ha(h: ArrayLike, a: ArrayLike):
    return (h, a), ()


owens_t = elementwise(
    "owens_t", _in_float_of(special.owens_t), d={"h": _owens_dh, "a": _owens_da}, signature=_ha,
    jax=_jss("owens_t"), numpy="scipy.special.owens_t", domain=("real", "real"),
    symbol="diag(−φ(h)·erf(ah/√2)/2), diag(e^(−h²(1+a²)/2)/(2π(1+a²)))",
    doc="Owen's T function T(h, a) = (1/2π)∫₀ᵃ e^(−h²(1+t²)/2)/(1 + t²) dt",
    examples=[Example(((3, 1), (1, 4)))])


# ---- bessel_jn ---------------------------------------------------------------------------------
def _jn_forward(z, v):
    orders = np.arange(v + 1).reshape((-1,) + (1,) * np.ndim(z))
    out = special.jv(orders, z)
    dt = np.result_type(z)
    return out.astype(dt if dt.kind == "f" else np.float64, copy=False)


def _jn_signature(z: ArrayLike, *, v: int = 0, n_iter: int = 50):
    """Bessel functions of the first kind J₀(z)..J_v(z), stacked on a new leading axis (SciPy's
    values; ``n_iter``, JAX's recurrence length, is accepted and not needed)."""
    if int(v) != v or v < 0:
        raise ValueError(f"bessel_jn: v must be a non-negative integer, got {v!r}")
    return (z,), (int(v),)


def _jn_slopes(z, v):
    j = bessel_jn(z, v=v + 1)  # J₀..J_(v+1)
    return concatenate([-j[1:2], 0.5 * (j[:-2] - j[2:])], axis=0)


bessel_jn = general(
    "bessel_jn", _jn_forward, signature=_jn_signature, params=("v",),
    vjp={"z": lambda g, out, z, v: _sum(g * _jn_slopes(z, v), axis=-(np.ndim(concrete(z)) + 1))},
    jvp={"z": lambda t, out, z, v: expand_dims(t, -(np.ndim(concrete(z)) + 1)) * _jn_slopes(z, v)},
    jax=_jss("bessel_jn"), numpy=(),
    symbol="J₀′ = −J₁, J_n′ = (J_(n−1) − J_(n+1))/2 (stacked diagonals)",
    doc="J₀(z)..J_v(z), Bessel functions of the first kind, on a new leading axis",
    # JAX differentiates its recurrence twice badly for |z| < ~0.5 (1e5 off at 0.1): the table
    # stays on [1.2, 3]; tests/test_special_batch2.py checks small z against J_n's closed forms
    domain="above_one", examples=[Example(((2, 3),), {"v": 3}), Example(((3,),), {"v": 0})])


# ---- boxcox, boxcox1p ------------------------------------------------------------------------
_H_SERIES = [k / math.factorial(k + 1) for k in range(1, 18)]  # h(u) = Σ k·uᵏ⁻¹/(k + 1)!


def _h(u):
    """(u·eᵘ − eᵘ + 1)/u²: its Taylor series for |u| < ½ (½ at 0, exact at every order)."""
    small = np.abs(concrete(u)) < 0.5
    us = where(small, u, 0.0)
    series = _H_SERIES[-1]
    for c in reversed(_H_SERIES[:-1]):
        series = series * us + c
    if not is_staged(small) and np.all(small):  # (staged under tg.jit: the general path)
        return series
    ub = where(small, 1.0, u)
    return where(small, series, (ub * exp(ub) - expm1(ub)) / (ub * ub))


def _boxcox_rules(shift, logf):
    """∂/∂x and ∂/∂λ of ((shift + x)^λ − 1)/λ, with L = logf(x) = log(shift + x)."""
    def dx(out, x, lm):
        bv, lv = concrete(x) + shift, concrete(lm)
        steep = np.broadcast_to(np.equal(bv, 0) & (lv < 1), np.shape(out))
        fill = np.where(steep, np.inf, np.where(np.equal(bv, 0), np.where(lv == 1, 1.0, 0.0), np.nan))
        return _guarded(np.logical_not(bv > 0), fill, lambda y, m: exp((m - 1) * logf(y)), x, lm), steep

    def dlm(out, x, lm):
        bv, lv = concrete(x) + shift, concrete(lm)
        at0 = np.equal(bv, 0) & (lv > 0)
        fill = np.where(at0, 1.0 / np.where(at0, lv, 1.0) ** 2, np.nan)
        off = np.logical_not(bv > 0)
        return _guarded(off, fill, lambda y, m: logf(y) * logf(y) * _h(m * logf(y)), x, lm)
    return dx, dlm


def _boxcox_op(name, shift, logf, base):
    dx, dlm = _boxcox_rules(shift, logf)
    return elementwise(
        name, _in_float_of(getattr(special, name)), d={"x": _slope(dx), "lmbda": dlm},
        vjp={"x": _steep(dx)}, jvp={"x": _steep(dx)}, jax=_jss(name), numpy=f"scipy.special.{name}",
        signature=_x_lmbda, domain=("positive", "real"),
        symbol=f"diag({base}^(λ−1)), diag(L²·h(λL)), L = log {base}",
        doc=f"the Box-Cox transform ({base}^λ − 1)/λ (log {base} at λ = 0)",
        examples=[Example(((3, 1), (1, 4))),
                  Example((np.array([0.5, 2.0, 3.0]), np.array([0.0, 1e-9, -0.3])), diff=(0,))])


boxcox = _boxcox_op("boxcox", 0.0, log, "x")
boxcox1p = _boxcox_op("boxcox1p", 1.0, log1p, "(1 + x)")


# ---- comb, bernoulli -------------------------------------------------------------------------------
def _comb_terms(N, k, repetition):
    """(n, cond, one): the top n of the binomial, where it is nonzero, and where comb is 1."""
    n = N + k - 1 if repetition else N
    cond = (k <= n) & (n >= 0) & (k >= 0)
    one = (k == 0) & (N >= 0) if repetition else np.zeros_like(cond)
    return n, cond & ~one, one


def _comb_forward(N, k, repetition):
    Nb, kb = np.broadcast_arrays(np.asarray(N), np.asarray(k))
    n, cond, one = _comb_terms(Nb, kb, repetition)
    dt = np.result_type(N, k, 1.0)
    out = np.where(cond, special.binom(np.where(cond, n, 1.0), np.where(cond, kb, 0.0)), 0.0)
    return np.where(one, 1.0, out).astype(dt, copy=False)


def _comb_signature(N: ArrayLike, k: ArrayLike, *, exact: bool = False, repetition: bool = False):
    """N choose k as a float (Γ functions), 0 unless 0 ≤ k ≤ N (as jax.scipy.special.comb);
    ``repetition``: with repetition. ``exact=True`` (SciPy's integers) is not supported."""
    if exact:
        raise NotImplementedError("comb(exact=True) computes with Python integers and has no "
                                  "derivative; call scipy.special.comb on concrete values")
    return (N, k), (bool(repetition),)


def _comb_d(wrt_k):
    def d(out, N, k, repetition):
        _, cond, _ = _comb_terms(concrete(N), concrete(k), repetition)

        def f(o, m, j):
            n = m + j - 1 if repetition else m
            top = -_psi_difference(n - j + 1, j)  # ∂ log comb/∂n = ψ(n + 1) − ψ(n − k + 1)
            if not wrt_k:
                return o * top
            return o * ((top if repetition else 0.0) + digamma(n - j + 1) - digamma(j + 1))
        return _guarded(~cond, 0.0, f, out, N, k)
    return d


comb = elementwise(
    "comb", _comb_forward, d={"N": _comb_d(False), "k": _comb_d(True)}, signature=_comb_signature,
    params=("repetition",), jax=_jss("comb"), numpy=(), domain=("positive", "positive"),
    symbol="diag(comb·(ψ(N+1) − ψ(N−k+1))), diag(comb·(ψ(N−k+1) − ψ(k+1)))",
    doc="the binomial coefficient N choose k (of real N, k)",
    examples=[Example((np.array([[3.5, 5.2, 7.0], [4.1, 9.3, 2.2]]), (2, 3)), diff=(0, 1)),
              Example((np.array([3.5, 5.2, 2.0]), np.array([1.3, 2.2, 0.4])), {"repetition": True},
                      diff=(0, 1))])


@function(numpy=())
def bernoulli(n: int) -> Array:
    """The Bernoulli numbers B₀..B_n (B₁ = −½, as SciPy); constants, no gradient."""
    n = concrete(n)
    if int(np.asarray(n)) != n or n < 0:
        raise ValueError(f"bernoulli: n must be a non-negative integer, got {n!r}")
    return special.bernoulli(int(np.asarray(n))).astype(np.float64)


__all__ = ["zeta", "gammainc", "gammaincc", "betainc", "expn", "spence", "sici", "fresnel", "owens_t",
           "hyp1f1", "hyp2f1", "bessel_jn", "boxcox", "boxcox1p", "comb", "bernoulli"]
