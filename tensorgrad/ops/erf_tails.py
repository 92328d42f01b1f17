"""The derivatives of erfcx and dawsn far out, where their closed forms cancel.

``erfcx′ = 2x·erfcx(x) − 2/√π`` and ``dawsn′ = 1 − 2x·dawsn(x)`` subtract two numbers that agree
to ~1/x²: the slope keeps only ~1/(x²·ε) of its digits (1e−8 relative at x = 1e4, 0 instead
of −5.6e−17 at x = 1e8; JAX's erfcx loses them alike). For |x| ≥ 50 (erfcx: x ≥ 50) both
come from the asymptotic series instead, 10 terms, below 1e−17 relative there:

    2x·erfcx(x) − 2/√π = (2/√π)·Σₖ (−1)ᵏ(2k − 1)!!/(2x²)ᵏ,   1 − 2x·dawsn(x) = −Σₖ (2k − 1)!!/(2x²)ᵏ

(k ≥ 1), written with tensorgrad ops, so they differentiate again.
"""
from __future__ import annotations

import math

import numpy as np

from ._util import concrete, may_any
from .elementwise import where

_FAR = 50.0
_ODD = [float(math.prod(range(1, 2 * k, 2))) for k in range(1, 11)]  # (2k − 1)!!, k = 1..10
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _series(x, far, alternate):
    """Σₖ (±1)ᵏ(2k − 1)!!·uᵏ, u = 1/(2x²), k = 1..10 (x replaced by 50 off ``far``)."""
    xf = where(far, x, _FAR)
    w = 1 / xf
    u = 0.5 * (w * w)  # (x² would overflow for |x| > 1e154)
    total = _ODD[-1] * (-1.0 if alternate else 1.0) ** len(_ODD)
    for k in range(len(_ODD) - 1, 0, -1):  # Horner in u
        total = total * u + _ODD[k - 1] * (-1.0 if alternate else 1.0) ** k
    return total * u


def erfcx_slope(out, x):
    far = np.greater_equal(concrete(x), _FAR)
    near = 2 * x * out - _TWO_OVER_SQRT_PI
    if not may_any(far):
        return near
    return where(far, _TWO_OVER_SQRT_PI * _series(x, far, True), near)


def dawsn_slope(out, x):
    far = np.greater_equal(np.abs(concrete(x)), _FAR) & np.isfinite(concrete(x))
    near = 1 - 2 * x * out
    if not may_any(far):
        return near
    return where(far, -_series(x, far, False), near)
