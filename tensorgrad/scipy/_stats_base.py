"""Helpers shared by the distributions of :mod:`tensorgrad.scipy.stats`: dtype promotion as
JAX does it, masks, safe substitutes for the branches a ``where`` discards, and the namespace
that makes a class body look like ``jax.scipy.stats.<name>``."""
from __future__ import annotations

import math
import types

import numpy as np

from ..ops import astype, floor, isinf, log, logical_and, logical_not, logical_or, sign, where
from ..ops.special_fns import xlog1py, xlogy
from ..staging import is_staged
from ..tensor import Tensor, dtype_of

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


def _distribution(cls):
    """A module-like namespace (as ``jax.scipy.stats.norm`` is a module) holding the functions
    defined in the body of ``cls``."""
    name = f"{_MODULE}.{cls.__name__}"
    space = types.ModuleType(name, cls.__doc__)
    for key, fn in vars(cls).items():
        if isinstance(fn, types.FunctionType):
            fn.__module__, fn.__qualname__ = name, key
            setattr(space, key, fn)
    return space


def _probability(p):
    """``p`` made safe and the mask 0 ≤ p ≤ 1."""
    ok = _and(p >= 0, p <= 1)
    return where(ok, p, 0.5), ok
