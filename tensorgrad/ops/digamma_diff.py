"""ψ(x) − ψ(x + y), the difference of digammas in the derivatives of betaln, beta, poch and
comb, without the cancellation of the two terms where x is large or y small.

Where x and x + y are both ≥ 10 the difference comes from the asymptotic series
ψ(x) ~ log x − 1/(2x) − Σₖ B₂ₖ/(2k·x²ᵏ) (7 terms: below 1e−16 relative there):

    ψ(x) − ψ(x + y) = −log1p(y/x) − y/(2x(x + y)) − (u − w)·Σₖ cₖ·Σ_(j<k) uʲ·w^(k−1−j)

with u = 1/x², w = 1/(x + y)², u − w = y(2/x + y·u)·w: every term is proportional to y, so
the result keeps its digits even where y ≪ x (ψ(x) − ψ(x + y) directly loses
log(x)·x/y ulps: 1e−3 relative at x = 1e12, y = 2.5, where JAX's betaln keeps them all).
Where y is small beside a positive x (|y| ≤ x/1000), the Taylor series in y

    ψ(x) − ψ(x + y) = −Σ_(k=1..6) yᵏ·ψ⁽ᵏ⁾(x)/k!

(its terms fall by |y|/x each: the rest is below 1e−18 relative) keeps the digits the plain
difference loses, log|ψ(x)|·x/|y| ulps of them: the derivative of B(a, b) in b at a = 1e−12,
b = 1 was 1e−4 off, and 0 from a = 1e−16 on (JAX's too). Elsewhere it is the plain
difference. Written with tensorgrad ops: it differentiates again.
"""
from __future__ import annotations

import math

import numpy as np

from ..staging import as_array
from ._util import concrete, dtype_of, may_any
from .elementwise import log1p, where

_FAR = 10.0
_NEAR = 1e-3  # the series for |y| ≤ _NEAR·x where ψ⁽⁶⁾(x) ≈ 720/x⁷ is finite in x's dtype:
#: B₂ₖ/(2k), k = 1..7
_C = [1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12]


def digamma_difference(x, y, digamma, polygamma):
    """ψ(x) − ψ(x + y), ``digamma`` the op ψ and ``polygamma`` the op ψ⁽ⁿ⁾ (passed in: they
    live above this module)."""
    # (staged under tg.jit: the masks are steps of the plan)
    xv, yv = as_array(concrete(x), np.float64), as_array(concrete(y), np.float64)
    far = (xv >= _FAR) & (xv + yv >= _FAR) & np.isfinite(yv)  # (x = inf: the limit 0)
    dt = np.result_type(dtype_of(concrete(x)), dtype_of(concrete(y)), np.float32)  # (ints: float64)
    tiny = 10 * (5040 / float(np.finfo(dt if dt.kind == "f" else np.float64).max)) ** (1 / 7)
    near = (xv >= tiny) & (np.abs(yv) <= _NEAR * xv) & ~far  # (x ≥ 1e-4 in float32, 1e-43 in float64)
    if not may_any(far) and not may_any(near):
        return digamma(x) - digamma(x + y)
    off = far | near
    xn = where(off, 1.0, x)
    direct = digamma(xn) - digamma(xn + where(off, 0.0, y))
    if may_any(near):
        xs, ys = where(near, x, 1.0), where(near, y, 0.0)
        taylor, yk = 0.0, 1.0
        for k in range(1, 7):
            yk = yk * ys
            taylor = taylor - yk * polygamma(k, xs) / math.factorial(k)
        direct = where(near, taylor, direct)
        if not may_any(far):
            return direct
    xf, yf = where(far, x, _FAR), where(far, y, 0.0)
    s = xf + yf
    u, w = (1 / xf) ** 2, (1 / s) ** 2  # (squares of the reciprocals: no overflow at 1e300)
    inner, wk = 1.0, w
    total = _C[0] * inner
    for c in _C[1:]:  # inner = Σ_(j<k) uʲ·w^(k−1−j), built as inner_(k+1) = u·inner_k + wᵏ
        inner = u * inner + wk
        wk = wk * w
        total = total + c * inner
    # u − w = y(2x + y)/(x²s²) = (y/s)(1 + x/s)·u, in factors that stay finite for a huge y
    series = -log1p(yf / xf) - (yf / s) / (2 * xf) - (yf / s) * (1 + xf / s) * u * total
    return where(far, series, direct)
