"""Kummer's ₁F₁(a; b; x) and its derivatives in the parameters a and b.

SciPy computes the value; the derivatives in a and b (first and second order, as JAX takes
them: its custom JVP sums ``Σₖ (a)ₖ/(b)ₖ·xᵏ/k!·(ψ(a + k) − ψ(a))`` for ∂/∂a, and its
second order is that loop differentiated forward) are summed here, in float64, from the
series differentiated term by term. With tₖ = Π_(j<k) fⱼ the terms of

* the series itself (x ≥ 0): fⱼ = (a + j)/(b + j)·x/(j + 1), or
* Kummer's transformation 1F1(a; b; x) = eˣ·1F1(b − a; b; −x) (x < 0, where the series
  itself alternates): fⱼ = (b − a + j)/(b + j)·(−x)/(j + 1), t₀ = eˣ,

the derivatives of tₖ in a and b follow from those of fⱼ by the product rule, written out
exactly (∂f/∂b of the transformed terms is ``a·(−x)/((b + j)²(j + 1))``: no difference of
digammas, no cancellation, and a finite limit where a or b − a is a non-positive integer,
where ψ has a pole). Where a term of either form changes sign (a < 0, b < 0, b − a < 0)
both forms are summed and each output takes the one whose terms cancel least (the smaller
Σ|tₖ′|/|Σtₖ′|). Summing stops once the terms decrease and fall below 1e−17 of every sum.

Accuracy (float64, against mpmath's ``diff`` of its ``hyp1f1``, 3000 random points with
a, b in (−10, 30), |x| ≤ 50): within 5e−14 relative where the numerator parameter of the
chosen form (a for x ≥ 0, b − a for x < 0) is ≥ −5, also for |x| up to 300. Below that
both forms alternate and digits are lost to cancellation: up to 5e−10 for −10 ≤ p < −5,
4e−8 for p in [−15, −10), 5e−5 in [−25, −15), 1e−2 in [−40, −25) (at |x| ≈ 30: the
derivative is then many orders below the series' terms; a recurrence in a from the
positive-term range would be unstable there, the wanted solution being the minimal one).
Where b is a non-positive integer (a pole of the series), an input is not finite, that
numerator parameter is below −40 or x < −700 (where eˣ underflows) the derivatives are NaN. Third derivatives in a and b raise (tensorgrad stops at two).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

from ..registry import Example, elementwise
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import in_float_of

_EPS = 1e-17
_MAX_TERMS = 100000
#: (m, n) -> position in the kernel's outputs: F, ∂a, ∂b, ∂a², ∂a∂b, ∂b²
_ORDER = {(0, 0): 0, (1, 0): 1, (0, 1): 2, (2, 0): 3, (1, 1): 4, (0, 2): 5}


def _series(a, b, x, kummer):
    """(sums, abs_sums, ok): the six sums ∂ᵐa∂ⁿb of ₁F₁ (order of _ORDER) from the series
    (``kummer`` False) or Kummer's form (True), Σ|term| of each, and where it converged."""
    y = -x if kummer else x
    p = b - a if kummer else a  # the numerator's parameter
    t = [np.exp(x) if kummer else np.ones_like(x)] + [np.zeros_like(x) for _ in range(5)]
    s = [v.copy() for v in t]
    sa = [np.abs(v) for v in t]
    past = np.maximum(np.maximum(-p, -b), 0.0)  # beyond this many terms, none changes sign
    scale = float(np.max(np.abs(x) + np.abs(a) + np.abs(b), initial=0.0))
    cap = min(_MAX_TERMS, int(200 + 20 * scale))
    done = np.zeros(np.shape(x), bool)
    for j in range(cap):
        bj = b + j
        q = y / (bj * (j + 1))
        f = (p + j) * q
        if kummer:  # ∂/∂a, ∂/∂b of f and the second derivatives (∂²f/∂a² = 0)
            fa, fb, fab, fbb = -q, a * q / bj, q / bj, -2 * a * q / bj ** 2
        else:
            fa, fb, fab, fbb = q, -f / bj, -q / bj, 2 * f / bj ** 2
        t0, ta, tb, taa, tab, tbb = t
        t = [t0 * f, ta * f + t0 * fa, tb * f + t0 * fb, taa * f + 2 * ta * fa,
             tab * f + ta * fb + tb * fa + t0 * fab, tbb * f + 2 * tb * fb + t0 * fbb]
        small = (j + 1 > past) & (np.abs(f) < 1)
        for i in range(6):
            s[i] = s[i] + t[i]
            sa[i] = sa[i] + np.abs(t[i])
            small &= np.abs(t[i]) <= _EPS * np.abs(s[i])
        done |= small
        if done.all():
            break
    return s, sa, done


def _derivatives(a, b, x):
    """The six sums (see _ORDER) in float64, each from the form that cancels least; NaN where
    b is a non-positive integer, an input is not finite or the sums did not converge."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (a, b, x)))
    bad = ~(np.isfinite(a) & np.isfinite(b) & np.isfinite(x)) | ((b <= 0) & (b == np.round(b)))
    with np.errstate(invalid="ignore"):  # (beyond what the sums can be trusted for: NaN, not
        # digits of cancellation or of an underflowed eˣ)
        bad |= (np.where(x >= 0, a, b - a) < -40) | (x < -700)
    a, b, x = (np.where(bad, 1.0, v) for v in (a, b, x))
    out = [np.full(a.shape, np.nan) for _ in range(6)]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        plain = (x >= 0) & (a >= 0) & (b > 0)
        folded = (x < 0) & (b >= a) & (b > 0)
        mixed = ~plain & ~folded
        for mask, forms in ((plain, (False,)), (folded, (True,)), (mixed, (False, True))):
            mask = mask & ~bad
            if not mask.any():
                continue
            best, cond = None, None
            for kummer in forms:
                s, sa, ok = _series(a[mask], b[mask], x[mask], kummer)
                c = [np.where(ok, sa[i] / np.abs(s[i]), np.inf) for i in range(6)]
                s = [np.where(ok, v, np.nan) for v in s]
                if best is None:
                    best, cond = s, c
                else:
                    pick = [c[i] < cond[i] for i in range(6)]
                    best = [np.where(pick[i], s[i], best[i]) for i in range(6)]
                    cond = [np.minimum(c[i], cond[i]) for i in range(6)]
            for i in range(6):
                out[i][mask] = best[i]
    return out


def _hyp1f1_value(a, b, x):  # (SciPy's never returns at x = +inf: NaN there, as JAX's; 1 for a = 0)
    up = np.asarray(x) == np.inf
    return np.where(up, np.where(np.asarray(a) == 0, 1.0, np.nan), special.hyp1f1(a, b, np.where(up, 0, x)))[()]


def _abx(a: ArrayLike, b: ArrayLike, x: ArrayLike):
    return (a, b, x), ()


def _deriv_signature(a: ArrayLike, b: ArrayLike, x: ArrayLike, m: int = 1, n: int = 0):
    """∂ᵐ/∂aᵐ ∂ⁿ/∂bⁿ ₁F₁(a; b; x), 1 ≤ m + n ≤ 2: the derivatives of hyp1f1 in its
    parameters."""
    m, n = int(m), int(n)
    if (m, n) not in _ORDER or m + n == 0:
        raise ValueError(f"hyp1f1_deriv: (m, n) = ({m}, {n}): m, n ≥ 0 with 1 ≤ m + n ≤ 2")
    return (a, b, x), (m, n)


def _deriv_forward(a, b, x, m, n):
    return _derivatives(a, b, x)[_ORDER[(m, n)]][()]


def _d(a, b, x, m, n):
    """∂ᵐa∂ⁿb ₁F₁ as a differentiable expression: hyp1f1 itself for m = n = 0."""
    return hyp1f1(a, b, x) if m == n == 0 else hyp1f1_deriv(a, b, x, m, n)


def _dx(out, a, b, x, m, n):
    """∂/∂x of ∂ᵐa∂ⁿb ₁F₁ = ∂ᵐa∂ⁿb [a·b⁻¹·₁F₁(a + 1; b + 1; x)], by Leibniz's rule."""
    total = 0.0
    for i in range(min(m, 1) + 1):
        for j in range(n + 1):
            coef = math.comb(m, i) * math.comb(n, j) * (-1) ** j * math.factorial(j)
            lead = a if i == 0 else 1.0
            total = total + coef * lead / b ** (j + 1) * _d(a + 1, b + 1, x, m - i, n - j)
    return total


def _dparam(which):
    """∂/∂a (``which`` 0) or ∂/∂b (1) of hyp1f1_deriv: the next derivative, up to order two."""
    def rule(out, a, b, x, m, n):
        m2, n2 = (m + 1, n) if which == 0 else (m, n + 1)
        if m2 + n2 > 2:
            raise NotImplementedError(f"hyp1f1: no derivative in {'ab'[which]} at order "
                                      f"{m2 + n2} (tensorgrad stops at the second derivative "
                                      "in the parameters); hold a and b constant")
        return hyp1f1_deriv(a, b, x, m2, n2)
    return rule


def _jax_deriv(jnp, a, b, x, m=1, n=0):
    """JAX's ∂ᵐa∂ⁿb of jax.scipy.special.hyp1f1 (forward mode: its loops do not reverse)."""
    import jax
    import jax.scipy.special as jss
    f = jss.hyp1f1
    for argnum in [0] * m + [1] * n:
        f = jax.jacfwd(f, argnums=argnum)
    return jnp.vectorize(f)(a, b, x)


hyp1f1 = elementwise(
    "hyp1f1", in_float_of(_hyp1f1_value, "hyp1f1"),
    d={"a": lambda out, a, b, x: hyp1f1_deriv(a, b, x, 1, 0),
       "b": lambda out, a, b, x: hyp1f1_deriv(a, b, x, 0, 1),
       "x": lambda out, a, b, x: a / b * hyp1f1(a + 1, b + 1, x)},
    signature=_abx, jax="jax.scipy.special.hyp1f1", numpy="scipy.special.hyp1f1",
    domain=("positive", "positive", "real"),
    symbol="diag(∂₁F₁/∂a), diag(∂₁F₁/∂b), diag((a/b)·₁F₁(a+1, b+1, x))",
    doc="Kummer's confluent hypergeometric function ₁F₁(a; b; x)",
    examples=[Example(((2, 3), (2, 3), (2, 3)), diff=(2,)),
              Example((np.array([0.7, 1.5, 2.5, 0.4]), np.array([1.9, 2.0, 0.6, 3.5]),
                       np.array([-2.0, 0.3, 1.7, -0.6])), diff=(0, 1, 2))])

hyp1f1_deriv = elementwise(
    "hyp1f1_deriv", in_float_of(_deriv_forward, "hyp1f1_deriv"),
    d={"a": _dparam(0), "b": _dparam(1), "x": _dx},
    signature=_deriv_signature, params=("m", "n"), jax=_jax_deriv, public=False, numpy=(),
    domain=("positive", "positive", "real"),
    symbol="diag(∂ᵐ⁺¹a∂ⁿb ₁F₁), diag(∂ᵐa∂ⁿ⁺¹b ₁F₁), diag(∂ₓ∂ᵐa∂ⁿb ₁F₁) (m + n ≤ 2)",
    doc="∂ᵐ/∂aᵐ ∂ⁿ/∂bⁿ ₁F₁(a; b; x), the derivatives of hyp1f1 in its parameters",
    examples=[Example(((2, 3), (2, 3), (2, 3)), diff=()),
              Example(((3,), (3,), (3,)), {"m": 0, "n": 1}, diff=())])
