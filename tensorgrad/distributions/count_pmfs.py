"""Log-probabilities of the Poisson and binomial counts without cancellation.

The textbook forms, ``k·log λ − λ − lgamma(k + 1)`` and ``lgamma(n + 1) − lgamma(k + 1) −
lgamma(n − k + 1) + k·log p + (n − k)·log q``, subtract numbers of size k·log k to get one of
size log k: for counts of 1e12 and more every digit is lost (a Poisson log-pmf of 0.0 where it
is −20.49, a binomial one of +352 where it is −19.8). Loader's saddle-point form ("Fast and
accurate computation of binomial probabilities", 2000) writes them with two small quantities
computed directly:

* ``stirlerr(k) = lgamma(k + 1) − (k + ½)·log k + k − ½·log 2π``, the error of Stirling's
  formula (its asymptotic series for k ≥ 15), and
* ``bd0(x, m) = x·log(x/m) + m − x ≥ 0``, the deviance of x from its mean m (a power series in
  d = (x − m)/m when x is near m, where the two terms would cancel).

(The binomial takes Loader's form only for min(k, n − k) > 100, and log C(n, k) from the
stirlerr terms below that: see :func:`binomial_log_pmf`.)

Poisson: ``log P(k) = −stirlerr(k) − bd0(k, λ) − ½·log(2πk)``; binomial:
``stirlerr(n) − stirlerr(k) − stirlerr(n − k) − bd0(k, np) − bd0(n − k, nq) +
½·log(n / (2π·k·(n − k)))``. Both are tensorgrad ops throughout, so every order of derivative
in the rate, the probability (as logits) and the counts goes through them.
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
#: the series of stirlerr in 1/k: 1/12 − 1/(360k²) + 1/(1260k⁴) − 1/(1680k⁶) + 1/(1188k⁸), times 1/k
_STIRLING = (1.0 / 12.0, -1.0 / 360.0, 1.0 / 1260.0, -1.0 / 1680.0, 1.0 / 1188.0)
#: bd0(x, m) = m·Σ_{j≥2} (−d)^j / (j(j − 1)) for |d| = |x − m|/m below this
_NEAR = 0.1
_TERMS = 18  # (0.1^18 / 306: far below one rounding of the leading d²/2)


def stirlerr(k):
    """lgamma(k + 1) − (k + ½)·log k + k − ½·log 2π for k > 0 (entries k ≤ 0 give garbage the
    callers select away)."""
    big = k >= 15.0
    kb = _ops.where(big, k, 15.0)
    inv = 1.0 / kb
    inv2 = inv * inv
    series = _STIRLING[-1]
    for c in _STIRLING[-2::-1]:
        series = c + inv2 * series
    ks = _ops.where(big | (k <= 0.0), 1.0, k)
    direct = _ops.gammaln(ks + 1.0) - (ks + 0.5) * _ops.log(ks) + ks - _HALF_LOG_2PI
    return _ops.where(big, inv * series, direct)


def bd0(x, m):
    """x·log(x/m) + m − x for x ≥ 0, m > 0 (m = 0: 0 at x = 0, +∞ past it)."""
    empty = m <= 0.0
    ms = _ops.where(empty, 1.0, m)
    near = _ops.abs(x - ms) < _NEAR * ms  # (no x/m: it overflows for a subnormal m)
    dn = _ops.where(near, x - ms, 0.0) / _ops.where(near, ms, 1.0)
    series = 0.0
    for j in range(_TERMS, 1, -1):  # Horner in d of Σ_{j≥2} (−1)^j d^(j−2) / (j(j − 1))
        series = (-1.0) ** j / (j * (j - 1)) + dn * series
    xf = _ops.where(near, 1.0, x)
    mf = _ops.where(near, 1.0, ms)
    far = _ops.xlogy(xf, xf) - _ops.xlogy(xf, mf) + mf - xf
    value = _ops.where(near, ms * dn * dn * series, far)
    return _ops.where(empty & (x > 0.0), np.inf, _ops.where(empty, 0.0, value))


def poisson_log_pmf(k, rate):
    """log(λ^k e^(−λ) / k!) for counts k ≥ 0 and rates λ ≥ 0."""
    pos = k > 0.0
    kp = _ops.where(pos, k, 1.0)
    body = -stirlerr(kp) - bd0(kp, rate) - 0.5 * _ops.log(kp) - _HALF_LOG_2PI
    return _ops.where(pos, body, _ops.where(k == 0.0, -rate, -np.inf))  # (k = 0: e^(−λ))


def binomial_log_pmf(k, n, logits):
    """log(C(n, k) p^k q^(n − k)) for 0 ≤ k ≤ n, with p = sigmoid(logits), q = 1 − p.

    While s = min(k, n − k) ≤ 100, log C(n, k) is at most ~4e3, and ``log C(n, k) −
    k·softplus(−logits) − (n − k)·softplus(logits)`` loses nothing that matters, with
    log C(n, k) = stirlerr(n) − stirlerr(k) − stirlerr(n − k) + s·log(n/s) − (n − s)·log1p(−s/n)
    + ½·log(n/(2πk(n − k))) (positive terms: no cancellation); the logits enter as simply as
    they can there (second derivatives stay exact for tiny p). Past that, Loader's form."""
    inner = (k > 0.0) & (k < n)
    ki = _ops.where(inner, k, 1.0)
    ni = _ops.where(inner, n, 2.0)
    rest = ni - ki
    s = _ops.minimum(ki, rest)
    loader = s > 100.0  # (only inside: elsewhere s is 1)
    # the part both forms share: Stirling's errors and the square root of n / (2πk(n − k))
    shared = (stirlerr(ni) - stirlerr(ki) - stirlerr(rest)
              + 0.5 * (_ops.log(ni) - _ops.log(ki) - _ops.log(rest)) - _HALF_LOG_2PI)
    body = shared - bd0(ki, ni * _ops.sigmoid(logits)) - bd0(rest, ni * _ops.sigmoid(-logits))
    log_comb = shared + s * _ops.log(ni / s) - (ni - s) * _ops.log1p(-s / ni)
    # k·log p + (n − k)·log q, each term on its own (k·logits − n·softplus(logits) cancels for
    # a huge k and p near 1)
    direct = log_comb - ki * _ops.softplus(-logits) - rest * _ops.softplus(logits)
    # k = 0: n·log q; k = n: n·log p (n = 0 = k: log 1 = 0); outside 0..n: −inf
    edge = _ops.where(k == 0.0, -n * _ops.softplus(logits),
                      _ops.where(k == n, -n * _ops.softplus(-logits), -np.inf))
    return _ops.where(loader, body, _ops.where(inner, direct, edge))
