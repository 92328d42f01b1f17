"""Helpers shared by the distributions of :mod:`tensorgrad.scipy.stats`: dtype promotion as
JAX does it, masks, safe substitutes for the branches a ``where`` discards, and the namespace
that makes a class body look like ``jax.scipy.stats.<name>``."""
from __future__ import annotations

import functools
import math
import types

import numpy as np

from ..ops import abs as _abs
from ..ops import astype, floor, isinf, log, log1p, logical_and, logical_not, logical_or, sign, sqrt, where
from ..ops._util import as_array_like
from ..ops.special_fns import betaln, gammaln, xlog1py, xlogy
from ..ops.special_fns2 import betainc, gammainc, gammaincc
from ..staging import is_staged
from ..tensor import Tensor, dtype_of, shape_of

_INF = math.inf
_NAN = math.nan
_PI = math.pi
_LOG2 = math.log(2.0)
_LOG_2PI = math.log(2.0 * math.pi)
_MODULE = "tensorgrad.scipy.stats"

# ---- helpers -----------------------------------------------------------------------------------
def _floats(*args):
    """The arguments in one floating dtype, as JAX promotes them: NumPy's promotion of their
    dtypes (Python numbers weakly typed), float64 if that is not a float. Tensors and values
    staged by ``tg.jit`` are cast with ``astype`` (differentiable); others become arrays."""
    args = [as_array_like(a) if isinstance(a, (list, tuple)) else a for a in args]
    kinds = []
    for a in args:
        if isinstance(a, (bool, int, float)):
            kinds.append(a)
        elif isinstance(a, Tensor) or is_staged(a) or hasattr(a, "dtype"):
            kinds.append(dtype_of(a))
        else:
            kinds.append(np.asarray(a).dtype)
    dt = np.result_type(*kinds)
    if not np.issubdtype(dt, np.inexact):
        dt = np.dtype(np.float64)
    out = []
    for a in args:
        if isinstance(a, Tensor) or is_staged(a):
            out.append(a if dtype_of(a) == dt else astype(a, dt))
        else:
            out.append(np.asarray(a, dtype=dt))
    return out


def _or(*conds):
    c = conds[0]
    for d in conds[1:]:
        c = logical_or(c, d)
    return c


def _and(*conds):
    c = conds[0]
    for d in conds[1:]:
        c = logical_and(c, d)
    return c


def _safe(bad, value, fill=1.0):
    """``value`` where ``bad`` is false, else a harmless ``fill``: what goes into a log (or a
    gammaln) at points whose result is replaced anyway, so neither the value nor the
    derivative of the unused branch divides by 0."""
    return where(bad, fill, value)


def _positive(p):
    """``p`` made safe and the mask ``p > 0`` (false for NaN)."""
    ok = p > 0
    return where(ok, p, 1.0), ok


def _finite_positive(p):
    ok = _and(p > 0, p < _INF)
    return where(ok, p, 1.0), ok


def _valid(ok, value):
    """NaN where a parameter is invalid (SciPy's convention)."""
    return where(ok, value, _NAN)


def _standard(fn, x, loc, scale, flip: bool = False):
    """``fn`` of the standardized ``(x − loc)/scale`` (``(loc − x)/scale`` if ``flip``), NaN
    where the scale is not positive."""
    x, loc, scale = _floats(x, loc, scale)
    s, ok = _positive(scale)
    return _valid(ok, fn(((loc - x) if flip else (x - loc)) / s))


def _quantile(fn, q, loc, scale, flip: bool = False):
    """``loc + scale·fn(q)`` (``loc − scale·fn(q)`` if ``flip``), NaN where the scale is not
    positive: the quantile function of a location-scale family."""
    q, loc, scale = _floats(q, loc, scale)
    s, ok = _positive(scale)
    return _valid(ok, loc - s * fn(q) if flip else loc + s * fn(q))


def _nonint(x):
    """True where ``x`` is finite and not an integer, or infinite (false for NaN)."""
    return _or(floor(x) < x, isinf(x))


def _log_positive(c):
    """log(c) for c ≥ 0 (−inf at 0, NaN kept)."""
    zero = c <= 0
    return where(zero, -_INF, log(_safe(zero, c)))


def _xlogy(c, u):
    """c·log(u), 0 where c = 0 (SciPy's xlogy), and a constant ±inf where u = 0 ≠ c: there
    no derivative flows, where xlogy's infinite slope times a zero factor (a masked
    cotangent, or ∂u/∂scale = 0 at u = 0) would be NaN with a warning."""
    pole = _and(u == 0, c != 0)
    return where(pole, -_INF * sign(_safe(logical_not(pole), c)), xlogy(c, _safe(pole, u)))


def _xlog1py(c, u):
    """c·log(1 + u) as :func:`_xlogy`, with the pole at u = −1."""
    pole = _and(u == -1, c != 0)
    return where(pole, -_INF * sign(_safe(logical_not(pole), c)), xlog1py(c, _safe(pole, u, 0.0)))


def _named_errors(fn, name: str):
    """``fn``, where NumPy's bare error for arguments whose shapes do not broadcast is raised
    again naming the function and the shapes."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValueError as e:
            text = str(e)
            if "broadcast" not in text or text.startswith(_MODULE):
                raise
            shapes = ", ".join(str(shape_of(a)) for a in (*args, *kwargs.values()))
            raise ValueError(f"{name}: the arguments' shapes {shapes} cannot be broadcast "
                             f"together ({text.strip()})") from e
    return call


def _distribution(cls):
    """A module-like namespace (as ``jax.scipy.stats.norm`` is a module) holding the functions
    defined in the body of ``cls``."""
    name = f"{_MODULE}.{cls.__name__}"
    space = types.ModuleType(name, cls.__doc__)
    for key, fn in vars(cls).items():
        if isinstance(fn, types.FunctionType):
            fn.__module__, fn.__qualname__ = name, key
            setattr(space, key, _named_errors(fn, f"{name}.{key}"))
    return space


def _probability(p):
    """``p`` made safe and the mask 0 ≤ p ≤ 1."""
    ok = _and(p >= 0, p <= 1)
    return where(ok, p, 0.5), ok


# ---- distribution functions and the t density -----------------------------------------------
def _z(x, loc, s):
    """(x − loc)/s, with an infinite x passed through unchanged, so no 0·inf reaches the
    derivatives in loc and scale there."""
    end = isinf(x)
    return where(end, x, (_safe(end, x, 0.0) - loc) / s)


def _log_tails(cdf, sf):
    """(log cdf, log sf): the log of a tail where it holds less than half of the mass, else
    log1p of minus the other tail (SciPy's split at the median: no 1 − p rounded to 1)."""
    low, high = cdf < 0.5, sf < 0.5
    logcdf = where(low, _log_positive(_safe(logical_not(low), cdf, 0.5)), log1p(-_safe(low, sf, 0.5)))
    logsf = where(high, _log_positive(_safe(logical_not(high), sf, 0.5)), log1p(-_safe(high, cdf, 0.5)))
    return logcdf, logsf


def _gamma_tails(y, a):
    """(P(a, y), Q(a, y)), the regularized incomplete gamma functions extended to the line:
    (0, 1) below 0, (1, 0) at +inf, NaN at NaN. At y = 0 for a < 1 (an infinite right slope)
    the constants below, so the derivative there is the left one, 0 (no 0·inf)."""
    below, top = _or(y < 0, _and(y == 0, a < 1)), y == _INF
    ys = _safe(_or(below, top), y)
    return (where(below, 0.0, where(top, 1.0, gammainc(a, ys))),
            where(below, 1.0, where(top, 0.0, gammaincc(a, ys))))


def _beta_tails(y, a, b):
    """(cdf, sf) of the beta distribution: (0, 1) below 0 and (1, 0) above 1, also at the ends
    where the slope is infinite (a < 1 at 0, b < 1 at 1: the one-sided derivative 0 there);
    cdf = I_y(a, b), sf = I_(1−y)(b, a) where 1 − y is exact (y ≥ ½) or the sf is below 1e−4,
    else 1 − cdf (for small y, 1 − y is rounded, and a small ``a`` puts much mass within that
    rounding)."""
    below = _or(y < 0, _and(y == 0, a < 1))
    above = _or(y > 1, _and(y == 1, b < 1))
    ys = _safe(_or(below, above), y, 0.5)
    cdf = betainc(a, b, ys)
    rest = 1.0 - cdf
    # I_(1−y)(b, a) at a rounded 1 − y is off by about pdf(y)·eps: 1 − cdf is the better one
    # where the density exceeds 1 (a < 1 and y tiny: there 1 − y may even round to 1, sf = 1)
    steep = _xlogy(a - 1.0, ys) + _xlog1py(b - 1.0, -ys) - betaln(a, b) > 0.0
    sf = where(_or(rest > 0.5, _and(ys < 0.5, _or(rest > 1e-4, steep))), rest, betainc(b, a, 1.0 - ys))
    return where(below, 0.0, where(above, 1.0, cdf)), where(below, 1.0, where(above, 0.0, sf))


#: c_n of log Γ(h + ½) − log Γ(h) − ½ log h ~ Σ c_n h⁻ⁿ (n = 1, 3, ..., 15), from the Bernoulli
#: numbers: c_n = (2⁻ⁿ − 2)·B_(n+1)/(n(n + 1)); relative error < 1e−16 for h ≥ 10
_LOG_GAMMA_HALF = (-1 / 8, 1 / 192, -1 / 640, 17 / 14336, -31 / 18432, 691 / 180224,
                   -5461 / 425984, 929569 / 15728640)


def _t_norm(nu):
    """gammaln((ν + 1)/2) − gammaln(ν/2) − log(πν)/2, the log of the t density's constant:
    directly for ν < 20, else −log(2π)/2 + the asymptotic series in 2/ν (the difference of
    the two gammaln cancels for large ν: at ν = 1e12 only 4 digits would be left)."""
    big = nu >= 20.0
    n = _safe(big, nu)
    direct = gammaln(0.5 * n + 0.5) - gammaln(0.5 * n) - 0.5 * log(_PI * n)
    r = 2.0 / _safe(logical_not(big), nu, 20.0)
    r2, series = r * r, _LOG_GAMMA_HALF[-1]
    for c in _LOG_GAMMA_HALF[-2::-1]:
        series = series * r2 + c
    return where(big, r * series - 0.5 * _LOG_2PI, direct)


def _t_kernel(z, nu):
    """(ν + 1)/2 · log1p(z²/ν) with u = z²/ν: for u < 0.01 as z²/2 · (1 + 1/ν) · log1p(u)/u
    with log1p(u)/u from its series (its derivatives then keep their precision for large ν,
    where the terms of the plain form's ν-derivative cancel), for |z|/√ν > 1e8 as
    (ν + 1)(log|w| + log1p(1/w²)/2), w = z/√ν (no overflow of z²); inf at z = ±inf."""
    end = isinf(z)
    z = _safe(end, z, 0.0)
    w = z / sqrt(nu)
    small, far = _abs(w) < 0.1, _abs(w) > 1e8
    ws, zs = _safe(logical_not(small), w, 0.0), _safe(logical_not(small), z, 0.0)
    us = ws * ws
    g = 1.0 / 9.0
    for k in range(8, 0, -1):  # log1p(u)/u = Σ (−u)^k/(k + 1)
        g = 1.0 / k - us * g
    near = 0.5 * (zs * zs) * (1.0 + 1.0 / nu) * g
    wm = _safe(_or(small, far), w, 1.0)
    mid = 0.5 * (nu + 1.0) * log1p(wm * wm)
    wf = _safe(logical_not(far), w, 1e9)
    r = 1.0 / wf
    tail = (nu + 1.0) * (log(_abs(wf)) + 0.5 * log1p(r * r))
    return where(end, _INF, where(small, near, where(far, tail, mid)))
