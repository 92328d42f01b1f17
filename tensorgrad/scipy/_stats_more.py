"""More distributions of :mod:`tensorgrad.scipy.stats`: extreme-value, heavy-tailed, circular,
truncated, overdispersed and multivariate ones, plus ``sem`` and ``rankdata``.

Written with tensorgrad's ops like the first ones (see :mod:`tensorgrad.scipy.stats`), with the
same conventions: SciPy's values outside the support and for invalid parameters, no branch that
divides by 0 or overflows, derivatives in every argument.
"""
from __future__ import annotations

import numpy as np

from ..ops import abs as _abs
from ..ops import cos, exp, sin, sqrt, expm1, isclose, isinf, log, log1p, logical_not, where
from ..ops import sum as _sum
from ..ops.rearrange import concatenate
from ..ops.reductions import std
from ..ops.decompositions import eigh
from ..ops.shape import expand_dims, reshape, swapaxes
from ..ops.special_fns import betaln, gammaln, i0, i0e, log_ndtr, ndtr, xlogy
from ..ops.special_fns2 import gammaincc
from ..ops.statistics import rankdata as _rankdata
from ..tensor import concrete, dtype_of, ndim_of, shape_of
from ..typing import Array, ArrayLike  # noqa: F401
from ._stats_base import (_INF, _LOG2, _LOG_2PI, _NAN, _PI, _and, _distribution, _floats,
                          _nonint, _or, _positive, _safe, _valid,
                          _xlog1py, _xlogy)

__all__ = ["gumbel_r", "gumbel_l", "pareto", "vonmises", "wrapcauchy", "truncnorm", "gennorm",
           "nbinom", "betabinom", "multinomial", "dirichlet", "sem", "rankdata"]

#: exp(t) overflows above this; the terms e^(−z) of the Gumbel densities are −inf beyond it
_EXP_MAX = 709.0


def _neg_exp(u):
    """−e^u, −inf where e^u would overflow (no warning)."""
    big = u > _EXP_MAX
    return where(big, -_INF, -exp(_safe(big, u, 0.0)))


def _log1m_exp(u):
    """log(1 − e^u) for u ≤ 0: log(−expm1(u)) near 0, log1p(−e^u) below −log 2 (−inf at u = 0)."""
    zero = u >= 0
    far = u < -_LOG2
    near = log(-expm1(_safe(_or(zero, far), u, -1.0)))
    return where(zero, -_INF, where(far, log1p(-exp(_safe(logical_not(far), u, -1.0))), near))


def _gumbel(x, loc, scale, sign):
    """The standardized point ``sign·(x − loc)/scale`` and the validity mask."""
    x, loc, scale = _floats(x, loc, scale)
    s, ok = _positive(scale)
    return sign * (x - loc) / s, s, ok


def _gumbel_parts(sign: float):
    """log-density, log of the lower tail exp(−e^(−z)) and its complement's log and value, of
    the standardized point z = sign·(x − loc)/scale: gumbel_r (sign +1) and, mirrored,
    gumbel_l (sign −1, whose cdf is gumbel_r's sf of the mirrored point)."""
    def logpdf(x, loc, scale):
        z, s, ok = _gumbel(x, loc, scale, sign)
        end = isinf(z)
        z = _safe(end, z, 0.0)
        return _valid(ok, where(end, -_INF, _neg_exp(-z) - z - log(s)))

    def log_lower(x, loc, scale):  # log exp(−e^(−z))
        z, _, ok = _gumbel(x, loc, scale, sign)
        return _valid(ok, _neg_exp(-z))

    def log_upper(x, loc, scale):  # log(1 − exp(−e^(−z)))
        z, _, ok = _gumbel(x, loc, scale, sign)
        return _valid(ok, _log1m_exp(_neg_exp(-z)))

    def upper(x, loc, scale):  # 1 − exp(−e^(−z)) as −expm1(−e^(−z)): accurate in its tail
        z, _, ok = _gumbel(x, loc, scale, sign)
        return _valid(ok, -expm1(_neg_exp(-z)))
    return logpdf, log_lower, log_upper, upper


_GR, _GL = _gumbel_parts(1.0), _gumbel_parts(-1.0)


def _gumbel_ppf(p, loc, scale, right: bool):
    """gumbel_r: loc − scale · log(−log p); gumbel_l: loc + scale · log(−log1p(−p)) (∓inf
    at p = 0, 1; NaN outside [0, 1])."""
    p, loc, scale = _floats(p, loc, scale)
    s, ok = _positive(scale)
    edge = _or(p <= 0, p >= 1)
    q = _safe(edge, p, 0.5)
    v = loc - s * log(-log(q)) if right else loc + s * log(-log1p(-q))
    v = where(p == 0, -_INF, where(p == 1, _INF, where(edge, _NAN, v)))
    return _valid(ok, v)


@_distribution
class gumbel_r:
    """The right-skewed Gumbel (maximum extreme value) distribution: cdf exp(−e^(−z)),
    z = (x − loc)/scale."""

    def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """−z − e^(−z) − log(scale)."""
        return _GR[0](x, loc, scale)

    def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(_GR[0](x, loc, scale))

    def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _GR[1](x, loc, scale)

    def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(_GR[1](x, loc, scale))

    def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _GR[2](x, loc, scale)

    def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _GR[3](x, loc, scale)

    def ppf(p: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _gumbel_ppf(p, loc, scale, True)


@_distribution
class gumbel_l:
    """The left-skewed Gumbel (minimum extreme value) distribution: sf exp(−e^z)."""

    def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """z − e^z − log(scale)."""
        return _GL[0](x, loc, scale)

    def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(_GL[0](x, loc, scale))

    def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _GL[1](x, loc, scale)

    def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(_GL[1](x, loc, scale))

    def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _GL[2](x, loc, scale)

    def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _GL[3](x, loc, scale)

    def ppf(p: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _gumbel_ppf(p, loc, scale, False)


@_distribution
class pareto:
    """The Pareto distribution with shape ``b`` on [loc + scale, ∞): sf y^(−b), y = (x − loc)/scale."""

    def _y(x, b, loc, scale):
        x, b, loc, scale = _floats(x, b, loc, scale)
        s, ok_s = _positive(scale)
        b_, ok_b = _positive(b)
        y = (x - loc) / s
        below = y < 1
        return _safe(below, y), below, b_, s, _and(ok_s, ok_b)

    def logpdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """log b − (b + 1) log y − log(scale)."""
        y, below, b, s, ok = pareto._y(x, b, loc, scale)
        return _valid(ok, where(below, -_INF, log(b) - (b + 1.0) * log(y) - log(s)))

    def pdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(pareto.logpdf(x, b, loc, scale))

    def logsf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        y, below, b, s, ok = pareto._y(x, b, loc, scale)
        return _valid(ok, where(below, 0.0, -b * log(y)))

    def sf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(pareto.logsf(x, b, loc, scale))

    def cdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """1 − y^(−b), as −expm1(−b log y)."""
        y, below, b, s, ok = pareto._y(x, b, loc, scale)
        return _valid(ok, where(below, 0.0, -expm1(-b * log(y))))

    def logcdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        y, below, b, s, ok = pareto._y(x, b, loc, scale)
        return _valid(ok, where(below, -_INF, _log1m_exp(-b * log(y))))

    def ppf(q: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """loc + scale · (1 − q)^(−1/b) (inf at q = 1; NaN outside [0, 1])."""
        q, b, loc, scale = _floats(q, b, loc, scale)
        s, ok_s = _positive(scale)
        b_, ok_b = _positive(b)
        edge = _or(q < 0, q >= 1)
        v = loc + s * exp(-log1p(-_safe(edge, q, 0.5)) / b_)
        return _valid(_and(ok_s, ok_b), where(q == 1, _INF, where(edge, _NAN, v)))


# ---- circular ----------------------------------------------------------------------------------
def _log_i0e(k):
    """log(e^(−κ) I₀(κ)) for κ ≥ 0, with the right one-sided slope −1 at κ = 0: below 1 it is
    log I₀(κ) − κ (I₀ is smooth and even, no overflow there), above it log i0e(κ), whose rule
    uses sign(κ) and so is only right away from 0."""
    small = k < 1.0
    lo = log(i0(_safe(logical_not(small), k, 0.5))) - _safe(logical_not(small), k, 0.5)
    return where(small, lo, log(i0e(_safe(small, k, 2.0))))


@_distribution
class vonmises:
    """The von Mises distribution with concentration ``kappa``: density e^(κ cos x)/(2π I₀(κ))
    (periodic, as SciPy and JAX evaluate it)."""

    def logpdf(x: ArrayLike, kappa: ArrayLike) -> Array:
        """κ (cos x − 1) − log(2π i0e(κ)) (the scaled Bessel function: no overflow for large κ),
        periodic in x as SciPy's and JAX's; NaN at ±inf and for κ < 0 (κ = 0: the uniform
        density 1/(2π))."""
        x, kappa = _floats(x, kappa)
        ok = kappa >= 0
        k = where(ok, kappa, 1.0)
        end = isinf(x)
        v = k * (cos(_safe(end, x, 0.0)) - 1.0) - _LOG_2PI - _log_i0e(k)
        return _valid(ok, where(end, _NAN, v))

    def pdf(x: ArrayLike, kappa: ArrayLike) -> Array:
        return exp(vonmises.logpdf(x, kappa))


@_distribution
class wrapcauchy:
    """The wrapped Cauchy distribution on [0, 2π] with shape 0 < c < 1: density
    (1 − c²)/(2π (1 + c² − 2c cos x))."""

    def logpdf(x: ArrayLike, c: ArrayLike) -> Array:
        x, c = _floats(x, c)
        ok = _and(c > 0, c < 1)
        c = where(ok, c, 0.5)
        out = _or(x < 0, x > 2.0 * _PI)
        h = sin(0.5 * _safe(out, x, 0.0))  # 1 + c² − 2c cos x = (1 − c)² + 4c sin²(x/2): no cancellation
        v = log1p(-c * c) - _LOG_2PI - log((1.0 - c) * (1.0 - c) + 4.0 * c * (h * h))
        return _valid(ok, where(out, -_INF, v))

    def pdf(x: ArrayLike, c: ArrayLike) -> Array:
        return exp(wrapcauchy.logpdf(x, c))


# ---- truncated normal --------------------------------------------------------------------------
def _log_ndtr_finite(x):
    """log Φ(x), with −inf at x = −inf reached as a constant: log Φ's slope there is +inf, and
    times the zero slope of log(1 − eᵘ) at u = −inf it would be NaN (an infinite bound, the
    common one-sided truncation, has no effect on the mass: a zero derivative)."""
    at = x == -_INF
    return where(at, -_INF, log_ndtr(_safe(at, x, 0.0)))


def _log_mass(lo, hi):
    """log(Φ(hi) − Φ(lo)) for lo ≤ hi, accurate in both tails: in the left tail from log Φ,
    in the right one by symmetry, across 0 from the two tails' complement."""
    left, right = hi <= 0, lo > 0
    mid = logical_not(_or(left, right))
    hl = _safe(logical_not(left), hi, -1.0)
    ll = _safe(logical_not(left), lo, -2.0)
    # where the larger tail's log Φ itself underflows to −inf (|x| ≳ 1e154) the mass is 0:
    # −inf, not the NaN of −inf − (−inf)
    lhl = log_ndtr(hl)
    none_l = isinf(lhl)
    v_left = where(none_l, -_INF, lhl + _log1m_exp(_log_ndtr_finite(ll) - _safe(none_l, lhl, 0.0)))
    lr = _safe(logical_not(right), lo, 1.0)
    hr = _safe(logical_not(right), hi, 2.0)
    llr = log_ndtr(-lr)
    none_r = isinf(llr)
    v_right = where(none_r, -_INF, llr + _log1m_exp(_log_ndtr_finite(-hr) - _safe(none_r, llr, 0.0)))
    v_mid = log1p(-ndtr(_safe(logical_not(mid), lo, -1.0)) - ndtr(-_safe(logical_not(mid), hi, 1.0)))
    return where(left, v_left, where(right, v_right, v_mid))


@_distribution
class truncnorm:
    """The normal distribution N(loc, scale²) truncated to [loc + a·scale, loc + b·scale] (``a``
    and ``b`` in standard units, as SciPy)."""

    def _z(x, a, b, loc, scale):
        x, a, b, loc, scale = _floats(x, a, b, loc, scale)
        s, ok_s = _positive(scale)
        ok = _and(ok_s, a < b)
        a, b = where(ok, a, 0.0), where(ok, b, 1.0)
        z = (x - loc) / s
        return z, a, b, s, ok

    def logpdf(x, a, b, loc=0, scale=1) -> Array:
        """−z²/2 − log √(2π) − log(Φ(b) − Φ(a)) − log(scale) on [a, b], −inf outside."""
        z, a, b, s, ok = truncnorm._z(x, a, b, loc, scale)
        out = _or(z < a, z > b)
        zs = _safe(out, z, 0.0)
        v = -0.5 * (zs * zs) - 0.5 * _LOG_2PI - _log_mass(a, b) - log(s)
        return _valid(ok, where(out, -_INF, v))

    def pdf(x, a, b, loc=0, scale=1) -> Array:
        return exp(truncnorm.logpdf(x, a, b, loc, scale))

    def _logs(x, a, b, loc, scale, upper: bool):
        """log cdf (log sf if ``upper``): the log of the mass on one side of z over the whole
        mass, or, where the other side holds less than half of it, log(1 − the other side)
        (no cancellation near 0)."""
        z, a, b, s, ok = truncnorm._z(x, a, b, loc, scale)
        below, above = z <= a, z >= b
        zs = where(_or(below, above), where(a > 0, a, where(b < 0, b, 0.0)), z)  # finite: a or b may be ±inf
        total = _log_mass(a, b)
        lower, higher = _log_mass(a, zs) - total, _log_mass(zs, b) - total
        this, other = (higher, lower) if upper else (lower, higher)
        small = other < -_LOG2
        v = where(small, _log1m_exp(where(small, other, -1.0)), this)
        empty, full = (above, below) if upper else (below, above)
        return _valid(ok, where(empty, -_INF, where(full, 0.0, v)))

    def logcdf(x, a, b, loc=0, scale=1) -> Array:
        return truncnorm._logs(x, a, b, loc, scale, False)

    def cdf(x, a, b, loc=0, scale=1) -> Array:
        return exp(truncnorm.logcdf(x, a, b, loc, scale))

    def logsf(x, a, b, loc=0, scale=1) -> Array:
        return truncnorm._logs(x, a, b, loc, scale, True)

    def sf(x, a, b, loc=0, scale=1) -> Array:
        return exp(truncnorm.logsf(x, a, b, loc, scale))


@_distribution
class gennorm:
    """The generalized normal distribution with shape ``beta``: density
    β/(2Γ(1/β)) e^(−|x|^β) (β = 2: a normal, β = 1: a Laplace distribution)."""

    def logpdf(x: ArrayLike, beta: ArrayLike) -> Array:
        x, beta = _floats(x, beta)
        b, ok = _positive(beta)
        ax = _abs(x)
        zero = ax == 0
        power = where(zero, 0.0, _safe(zero, ax) ** b)  # |x|^β, 0 at 0 for every β > 0
        return _valid(ok, log(b) - _LOG2 - gammaln(1.0 / b) - power)

    def pdf(x: ArrayLike, beta: ArrayLike) -> Array:
        return exp(gennorm.logpdf(x, beta))

    def cdf(x: ArrayLike, beta: ArrayLike) -> Array:
        """Q(1/β, |x|^β)/2 left of 0, 1 − Q(1/β, |x|^β)/2 right of it (SciPy's form, exact in the
        left tail; JAX: (1 + sign(x)·P(1/β, |x|^β))/2). Where |x|^β underflows (x = 0
        included) written as 1/2 + x·pdf(0), its expansion there, so the derivative is the
        density (through |x|^β it would be 0·inf)."""
        x, beta = _floats(x, beta)
        b, ok = _positive(beta)
        ax = _abs(x)
        zero, end = ax == 0, isinf(x)
        power = b * log(_safe(_or(zero, end), ax))
        top = float(np.log(np.finfo(dtype_of(power)).max))
        tiny, big = _or(zero, power < -top), power > top  # |x|^β under-, overflows
        half_tail = 0.5 * gammaincc(1.0 / b, exp(_safe(_or(tiny, big), power, 0.0)))
        v = where(_or(end, big), 0.0, half_tail)
        v = where(x < 0, v, 1.0 - v)
        centre = 0.5 + where(tiny, x, 0.0) * exp(log(b) - _LOG2 - gammaln(1.0 / b))
        return _valid(ok, where(tiny, centre, v))


# ---- discrete ----------------------------------------------------------------------------------
def _count(k, loc, top=None):
    """``k − loc`` made safe and the mask of points outside the support 0, 1, ... (, top)."""
    y = k - loc
    out = _or(y < 0, _nonint(y)) if top is None else _or(y < 0, y > top, _nonint(y))
    return _safe(out, y, 0.0), out


@_distribution
class nbinom:
    """The negative binomial distribution: failures before the ``n``-th success of probability
    ``p`` (``n`` continuous, as SciPy and JAX)."""

    def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
        """gammaln(n + k) − gammaln(k + 1) − gammaln(n) + n log p + k log(1 − p)."""
        k, n, p, loc = _floats(k, n, p, loc)
        ok_p = _and(p > 0, p <= 1)
        p = where(ok_p, p, 0.5)
        ok_n = _and(n > 0, n < _INF)
        n = where(ok_n, n, 1.0)
        y, out = _count(k, loc)
        # log C(n + y − 1, y) through betaln (no cancelling gammaln of large n or y)
        v = -log(n + y) - betaln(n, y + 1.0) + _xlogy(n, p) + _xlog1py(y, -p)
        return _valid(_and(ok_p, ok_n), where(out, -_INF, v))

    def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
        return exp(nbinom.logpmf(k, n, p, loc))


@_distribution
class betabinom:
    """The beta-binomial distribution: successes in ``n`` trials whose probability is
    Beta(a, b)."""

    def logpmf(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0) -> Array:
        """log C(n, k) + betaln(k + a, n − k + b) − betaln(a, b)."""
        k, n, a, b, loc = _floats(k, n, a, b, loc)
        a_, ok_a = _positive(a)
        b_, ok_b = _positive(b)
        ok_n = _and(n >= 0, n < _INF)
        n = where(ok_n, n, 0.0)
        y, out = _count(k, loc, n)
        comb = gammaln(n + 1.0) - gammaln(y + 1.0) - gammaln(n - y + 1.0)
        v = comb + betaln(y + a_, n - y + b_) - betaln(a_, b_)
        return _valid(_and(ok_a, ok_b, ok_n), where(out, -_INF, v))

    def pmf(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0) -> Array:
        return exp(betabinom.logpmf(k, n, a, b, loc))


# ---- multivariate ------------------------------------------------------------------------------
@_distribution
class multinomial:
    """The multinomial distribution: counts ``x`` (last axis) of ``n`` draws with class
    probabilities ``p``."""

    def logpmf(x: ArrayLike, n: ArrayLike, p: ArrayLike) -> Array:
        """gammaln(n + 1) − Σ gammaln(x + 1) + Σ x log p over the last axis; −inf unless the
        counts are non-negative integers summing to n."""
        x, n, p = _floats(x, n, p)
        total = _sum(x, axis=-1)
        bad = _or(_sum(_or(x < 0, _nonint(x)), axis=-1) > 0, total != n)
        xs = where(_or(x < 0, _nonint(x)), 0.0, x)
        v = gammaln(n + 1.0) - _sum(gammaln(xs + 1.0), axis=-1) + _sum(xlogy(xs, p), axis=-1)
        return where(bad, -_INF, v)

    def pmf(x: ArrayLike, n: ArrayLike, p: ArrayLike) -> Array:
        return exp(multinomial.logpmf(x, n, p))


@_distribution
class dirichlet:
    """The Dirichlet distribution with concentrations ``alpha`` (K,), on the simplex."""

    def logpdf(x: ArrayLike, alpha: ArrayLike) -> Array:
        """Σ (αᵢ − 1) log xᵢ − (Σ gammaln(αᵢ) − gammaln(Σ αᵢ)), the components on the *first*
        axis of ``x`` (SciPy's layout; K − 1 components get 1 − Σ as the last one); −inf off
        the simplex."""
        x, alpha = _floats(x, alpha)
        if ndim_of(alpha) != 1:
            raise ValueError(f"dirichlet.logpdf: alpha must be one vector of concentrations, got "
                             f"shape {tuple(shape_of(alpha))}")
        k = shape_of(alpha)[0]
        kx = shape_of(x)[0] if ndim_of(x) else None
        if kx == k - 1:
            x = concatenate([x, expand_dims(1.0 - _sum(x, axis=0), 0)], axis=0)
        elif kx != k:
            raise ValueError(f"dirichlet.logpdf: x of shape {tuple(shape_of(x))} needs {k} or "
                             f"{k - 1} components on its first axis (alpha has {k})")
        a = reshape(alpha, (k,) + (1,) * (ndim_of(x) - 1))
        off = _or(_sum(x < 0, axis=0) > 0, logical_not(isclose(_sum(x, axis=0), 1.0)))
        norm = _sum(gammaln(alpha)) - gammaln(_sum(alpha))
        v = _sum(xlogy(a - 1.0, where(x < 0, 1.0, x)), axis=0) - norm
        return where(off, -_INF, v)

    def pdf(x: ArrayLike, alpha: ArrayLike) -> Array:
        return exp(dirichlet.logpdf(x, alpha))


# ---- summaries ---------------------------------------------------------------------------------
def sem(a: ArrayLike, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate", *,
        keepdims: bool = False) -> Array:
    """The standard error of the mean, std(a, ddof)/√n along ``axis`` (None: all entries).
    ``nan_policy``: 'propagate' (a NaN gives NaN), 'omit' (NaNs are left out: n counts the
    others, per slice) or 'raise' (ValueError if there is a NaN)."""
    if nan_policy not in ("propagate", "omit", "raise"):
        raise ValueError(f"sem: nan_policy must be 'propagate', 'omit' or 'raise', got {nan_policy!r}")
    nan = np.isnan(np.asarray(concrete(a))) if nan_policy != "propagate" else None
    if nan_policy == "raise" and nan.any():
        raise ValueError("sem: the input contains NaN (nan_policy='raise')")
    if nan_policy == "omit" and nan.any():
        n = np.sum(~nan, axis=axis, keepdims=True)
        m = np.maximum(n, 1)  # (no 0/0 for an all-NaN slice: NaN below, as SciPy)
        x = where(nan, 0.0, a)
        dev = where(nan, 0.0, x - _sum(x, axis=axis, keepdims=True) / m)
        var = _sum(dev * dev, axis=axis, keepdims=True) / np.maximum(m - ddof, 1)
        out = where(n > ddof, var / m, np.nan) ** 0.5
        if keepdims:
            return out
        return reshape(out, () if axis is None else np.squeeze(n, axis).shape)
    shape = tuple(shape_of(a))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    return std(a, axis=axis, ddof=ddof, keepdims=keepdims) / np.sqrt(n)


def rankdata(a: ArrayLike, method: str = "average", *, axis: int | None = None,
             nan_policy: str = "propagate") -> Array:
    """The ranks of ``a`` from 1 (SciPy's ``method``: average, min, max, dense, ordinal), over
    all entries (``axis=None``, flattened) or along ``axis``. Piecewise constant: no gradient."""
    return _rankdata(a, method, axis=axis, nan_policy=nan_policy)


def singular_normal_logpdf(x, mean, cov):
    """SciPy's ``multivariate_normal.logpdf(x, mean, cov, allow_singular=True)`` for a
    positive semidefinite (n, n) ``cov``: with cov's eigenvalues s and eigenvectors u, those
    above SciPy's cutoff ε = 10⁶·ε_machine·max|s| span the support, and
    −½ (rank · log 2π + Σ log s_kept + |(x − mean) u_kept / √s_kept|²); −∞ off the support
    (a residual beyond 10³ ε along the other eigenvectors). Which eigenvalues count is read
    from the values (a constant of the derivative)."""
    cov = 0.5 * (cov + swapaxes(cov, -1, -2))
    if ndim_of(cov) != 2:
        raise ValueError(f"multivariate_normal: allow_singular=True needs one (n, n) cov, got "
                         f"shape {tuple(shape_of(cov))}")
    s, u = eigh(cov)
    sc = np.asarray(concrete(s))
    eps = 1e6 * np.finfo(np.float64).eps * (np.max(np.abs(sc)) if sc.size else 0.0)
    if sc.size and np.min(sc) < -eps:
        raise ValueError("multivariate_normal: the covariance must be symmetric positive "
                         "semidefinite")
    keep = sc > eps
    safe = where(keep, s, 1.0)
    dev = x - mean
    whitened = dev @ (u * where(keep, 1.0 / sqrt(safe), 0.0))
    logpdf = -0.5 * (int(keep.sum()) * _LOG_2PI + _sum(where(keep, log(safe), 0.0))
                     + _sum(whitened * whitened, axis=-1))
    residual = np.linalg.norm(np.asarray(concrete(dev)) @ np.asarray(concrete(u))[:, ~keep], axis=-1)
    return where(residual < 1e3 * eps, logpdf, -_INF)
