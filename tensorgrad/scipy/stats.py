"""``tg.scipy.stats``: log densities, densities and distribution functions of ``jax.scipy.stats``,
written with tensorgrad's ops, so ``tg.grad``, ``tg.jacfwd``, ``tg.hessian`` and ``tg.jit``
differentiate them in every argument (the point, ``loc``, ``scale`` and shape parameters)::

    import tensorgrad as tg
    from tensorgrad.scipy import stats

    nll = lambda mu, sigma: -tg.sum(stats.norm.logpdf(data, mu, sigma))
    tg.grad(nll, argnums=(0, 1))(0.0, 1.0)

Each distribution is a module-like namespace with JAX's functions, signatures and defaults:

* ``norm``: logpdf, pdf, cdf, logcdf, sf, logsf, ppf, isf
* ``expon``: logpdf, pdf, cdf, logcdf, sf, logsf, ppf
* ``logistic``: logpdf, pdf, cdf, sf, ppf, isf
* ``laplace``: logpdf, pdf, cdf
* ``cauchy``: logpdf, pdf, cdf, logcdf, sf, logsf, ppf, isf
* ``uniform``: logpdf, pdf, cdf, ppf
* ``t``: logpdf, pdf (accurate for every ``df``, also far beyond 1e12, where the difference of
  the two gammaln would cancel: there an asymptotic series)
* ``gamma``, ``chi2``: logpdf, pdf, cdf, logcdf, sf, logsf (the incomplete gamma function,
  differentiable in the shape parameter too)
* ``beta``: logpdf, pdf, cdf, logcdf, sf, logsf (the incomplete beta function: its cdf and sf
  differentiate in x, loc and scale, not in ``a`` or ``b``, which raises, as JAX refuses too)
* ``poisson``: logpmf, pmf, cdf; ``binom``, ``geom``: logpmf, pmf; ``bernoulli``: logpmf,
  pmf, cdf, ppf
* ``multivariate_normal``: logpdf, pdf, entropy (``mean`` a scalar or a vector; ``cov`` a scalar, a
  matrix or a stack of matrices; factored by Cholesky)
* ``gumbel_r``, ``gumbel_l``, ``pareto``: logpdf, pdf, cdf, logcdf, sf, logsf, ppf
* ``truncnorm``: logpdf, pdf, cdf, logcdf, sf, logsf (the log of the mass between the bounds
  computed in the tail it lies in, so far tails keep their precision where JAX's gradient is
  NaN)
* ``vonmises``, ``wrapcauchy``: logpdf, pdf; ``gennorm``: logpdf, pdf, cdf
* ``nbinom``, ``betabinom``, ``multinomial``: logpmf, pmf; ``dirichlet``: logpdf, pdf (the
  components on the first axis of ``x``, as SciPy)
* ``sem`` (differentiable) and ``rankdata`` (SciPy's ranks and dtypes; no gradient)

Each logcdf (logsf) is log(cdf) below the median and log1p(−sf) above it (SciPy's split;
JAX takes log(cdf), so 0 where the cdf rounds to 1). At the lower end of the support, where
the cdf of ``gamma``, ``chi2`` or ``beta`` has an infinite right slope (shape below 1), the
derivative is the left one, 0, as is the one at the upper end of ``beta`` for ``b < 1``.

Not here: ``poisson.entropy``.

Values follow SciPy, also where JAX differs: outside the support a log density is −inf, a
density 0 and a cdf 0 or 1; an invalid parameter (``scale <= 0``, a shape parameter out of its
range, a probability outside [0, 1]) gives NaN; a point that is not an integer has
probability 0 under a discrete distribution; ``ppf``/``isf`` give NaN outside [0, 1] and the
ends of the support at 0 and 1. No branch evaluates a log of 0 or a division by 0, so at
those points no NumPy warning is raised and no NaN reaches a gradient (a point outside the
support gets a zero gradient). ``binom``'s ``n``
is continuous, as in JAX (SciPy gives NaN for a non-integer ``n``).
"""
from __future__ import annotations

import numpy as np

from ..ops import arctan2, astype, expm1, exp, floor, isinf, isnan, log, log1p, logical_not, tan, where
from ..ops import abs as _abs
from ..ops import sum as _sum
from ..ops.activations import sigmoid as _expit
from ..ops.factorizations import cholesky
from ..ops.linalg_ops import solve
from ..ops.selection import diagonal
from ..ops.shape import expand_dims, getitem, swapaxes
from ..ops.special_fns import betaln, gammaln, log_ndtr, logit, ndtr, ndtri
from ..ops.special_fns2 import betainc, gammaincc
from ..tensor import dtype_of, ndim_of, shape_of
from ..typing import Array, ArrayLike  # noqa: F401
from ._stats_base import (_INF, _LOG2, _LOG_2PI, _NAN, _PI, _and, _beta_tails, _distribution,
                          _finite_positive, _floats, _gamma_tails, _log_positive, _log_tails,
                          _nonint, _or, _positive, _probability, _quantile, _safe, _standard,
                          _t_kernel, _t_norm, _valid, _xlog1py, _xlogy, _z)

from ._stats_more import (betabinom, dirichlet, gennorm, gumbel_l, gumbel_r, multinomial,  # noqa: F401
                          nbinom, pareto, rankdata, sem, singular_normal_logpdf, truncnorm,
                          vonmises, wrapcauchy)
from . import _stats_kde

__all__ = ["norm", "expon", "logistic", "laplace", "cauchy", "uniform", "t", "gamma", "beta",
           "chi2", "poisson", "bernoulli", "binom", "geom", "multivariate_normal", "gumbel_r",
           "gumbel_l", "pareto", "vonmises", "wrapcauchy", "truncnorm", "gennorm", "nbinom",
           "betabinom", "multinomial", "dirichlet", "sem", "rankdata", "mode", "gaussian_kde"]
mode, gaussian_kde = _stats_kde.mode, _stats_kde.gaussian_kde


# ---- continuous, location and scale ------------------------------------------------------------
@_distribution
class norm:
    """The normal distribution, mean ``loc`` and standard deviation ``scale``."""

    def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """−z²/2 − log(scale) − log(2π)/2, z = (x − loc)/scale."""
        x, loc, scale = _floats(x, loc, scale)
        s, ok = _positive(scale)
        z = (x - loc) / s
        return _valid(ok, -0.5 * (z * z) - log(s) - 0.5 * _LOG_2PI)

    def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(norm.logpdf(x, loc, scale))

    def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _standard(ndtr, x, loc, scale)

    def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _standard(log_ndtr, x, loc, scale)

    def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _standard(ndtr, x, loc, scale, flip=True)

    def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _standard(log_ndtr, x, loc, scale, flip=True)

    def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """loc + scale · ndtri(q) (±inf at q = 1, 0; NaN outside [0, 1])."""
        return _quantile(ndtri, q, loc, scale)

    def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """loc − scale · ndtri(q) (SciPy's form: accurate for small q, unlike ppf(1 − q))."""
        return _quantile(ndtri, q, loc, scale, flip=True)


@_distribution
class expon:
    """The exponential distribution on [loc, ∞), mean ``loc + scale``."""

    def _z(x, loc, scale):
        x, loc, scale = _floats(x, loc, scale)
        s, ok = _positive(scale)
        z = (x - loc) / s
        below = z < 0
        return where(below, 0.0, z), below, s, ok

    def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        z, below, s, ok = expon._z(x, loc, scale)
        return _valid(ok, where(below, -_INF, -z - log(s)))

    def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(expon.logpdf(x, loc, scale))

    def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        z, _, _, ok = expon._z(x, loc, scale)
        return _valid(ok, -expm1(-z))

    def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """log(−expm1(−z)) for z ≤ log 2, log1p(−exp(−z)) above: accurate at both ends (JAX's
        log1p(−sf) is −inf for z < 1e−16)."""
        z, _, _, ok = expon._z(x, loc, scale)
        zero, far = z <= 0, z > _LOG2
        near = log(-expm1(-_safe(_or(zero, far), z, 0.5)))
        v = where(far, log1p(-exp(-_safe(logical_not(far), z))), near)
        return _valid(ok, where(zero, -_INF, v))

    def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        z, _, _, ok = expon._z(x, loc, scale)
        return _valid(ok, exp(-z))

    def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        z, _, _, ok = expon._z(x, loc, scale)
        return _valid(ok, -z)

    def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """loc − scale · log1p(−q) (inf at q = 1, NaN outside [0, 1])."""
        q, loc, scale = _floats(q, loc, scale)
        s, ok = _positive(scale)
        top, out = q == 1, _or(q < 0, q > 1)
        # at q = 1 still loc + scale·inf: ∂/∂loc = 1 and ∂/∂scale = inf there, as everywhere
        z = where(top, _INF, -log1p(-_safe(_or(top, out), q, 0.0)))
        return _valid(ok, where(out, _NAN, loc + s * z))


@_distribution
class logistic:
    """The logistic distribution, cdf 1/(1 + exp(−(x − loc)/scale))."""

    def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """−|z| − 2 log1p(exp(−|z|)) − log(scale) (the same as JAX's −2 logaddexp(z/2, −z/2))."""
        x, loc, scale = _floats(x, loc, scale)
        s, ok = _positive(scale)
        z = (x - loc) / s
        m = where(z > 0, -z, z)  # −|z|, differentiable twice through z = 0
        return _valid(ok, m - 2.0 * log1p(exp(m)) - log(s))

    def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(logistic.logpdf(x, loc, scale))

    def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _standard(_expit, x, loc, scale)

    def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _standard(_expit, x, loc, scale, flip=True)

    def ppf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """loc + scale · logit(q) (JAX names the probability ``x``)."""
        return _quantile(logit, x, loc, scale)

    def isf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return _quantile(logit, x, loc, scale, flip=True)


@_distribution
class laplace:
    """The Laplace (double exponential) distribution, density exp(−|x − loc|/scale)/(2 scale)."""

    def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """−|x − loc|/scale − log(2 scale) (at x = loc the slope of JAX's abs: −1/scale)."""
        x, loc, scale = _floats(x, loc, scale)
        s, ok = _positive(scale)
        d = x - loc
        return _valid(ok, where(d >= 0, -d, d) / s - log(2.0 * s))

    def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(laplace.logpdf(x, loc, scale))

    def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """exp(z)/2 for z ≤ 0, 1 − exp(−z)/2 above (the exponent is never positive)."""
        x, loc, scale = _floats(x, loc, scale)
        s, ok = _positive(scale)
        z = (x - loc) / s
        left = z <= 0
        half_tail = 0.5 * exp(where(left, z, -z))
        return _valid(ok, where(left, half_tail, 1.0 - half_tail))


@_distribution
class cauchy:
    """The Cauchy distribution, density 1/(π scale (1 + z²)), z = (x − loc)/scale."""

    def _z(x, loc, scale):
        x, loc, scale = _floats(x, loc, scale)
        s, ok = _positive(scale)
        return (x - loc) / s, s, ok

    def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """−log(π scale) − log1p(z²); for |z| > 1e8 as −2 log|z| − log1p(1/z²) (no overflow)."""
        z, s, ok = cauchy._z(x, loc, scale)
        far = _abs(z) > 1e8
        zn = _safe(far, z, 0.0)
        near = log1p(zn * zn)
        zf = _safe(logical_not(far), z, 2.0)
        r = 1.0 / zf
        tail = 2.0 * log(_abs(zf)) + log1p(r * r)
        return _valid(ok, -where(far, tail, near) - log(_PI * s))

    def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(cauchy.logpdf(x, loc, scale))

    def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """arctan2(1, −z)/π (SciPy's form of 1/2 + arctan(z)/π, accurate in the left tail)."""
        z, _, ok = cauchy._z(x, loc, scale)
        return _valid(ok, arctan2(1.0, -z) / _PI)

    def _logcdf(z):
        """log(cdf) below the median, log1p(−sf) above (SciPy's split; JAX: log(cdf))."""
        left = z < 0
        lower = arctan2(1.0, -_safe(logical_not(left), z, -1.0)) / _PI
        upper = arctan2(1.0, _safe(left, z, 1.0)) / _PI
        return where(left, _log_positive(lower), log1p(-upper))

    def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        z, _, ok = cauchy._z(x, loc, scale)
        return _valid(ok, cauchy._logcdf(z))

    def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        z, _, ok = cauchy._z(x, loc, scale)
        return _valid(ok, arctan2(1.0, z) / _PI)

    def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        z, _, ok = cauchy._z(x, loc, scale)
        return _valid(ok, cauchy._logcdf(-z))

    def _quantile(q, loc, scale, direction):
        """loc + direction · scale · tan(π (q − 1/2)), written as −cot(πq) for q < 1/4 and
        cot(π (1 − q)) for q > 3/4, which keep their precision near 0 and 1 (SciPy's
        accuracy; JAX's tan(πq − π/2) is −1.6e16 at q = 1e−20)."""
        q, loc, scale = _floats(q, loc, scale)
        s, ok = _positive(scale)
        qs = _safe(_or(q <= 0, q >= 1), q, 0.5)
        low, high = qs < 0.25, qs > 0.75
        mid = tan(_PI * (_safe(_or(low, high), qs, 0.5) - 0.5))
        v = where(low, -1.0 / tan(_PI * _safe(logical_not(low), qs, 0.125)),
                  where(high, 1.0 / tan(_PI * (1.0 - _safe(logical_not(high), qs, 0.875))), mid))
        v = where(q == 0, -_INF, where(q == 1, _INF, v))
        return _valid(ok, where(_or(q < 0, q > 1), _NAN, loc + direction * s * v))

    def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """loc + scale · tan(π (q − 1/2)) (∓inf at q = 0, 1; NaN outside [0, 1])."""
        return cauchy._quantile(q, loc, scale, 1.0)

    def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """loc − scale · tan(π (q − 1/2)) (±inf at q = 0, 1; NaN outside [0, 1])."""
        return cauchy._quantile(q, loc, scale, -1.0)


@_distribution
class uniform:
    """The uniform distribution on [loc, loc + scale]."""

    def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        x, loc, scale = _floats(x, loc, scale)
        s, ok = _positive(scale)
        out = _or(x < loc, x > loc + s)
        return _valid(ok, where(out, -_INF, where(isnan(x), _NAN, -log(s))))

    def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(uniform.logpdf(x, loc, scale))

    def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        x, loc, scale = _floats(x, loc, scale)
        s, ok = _positive(scale)
        z = (x - loc) / s
        return _valid(ok, where(z < 0, 0.0, where(z > 1, 1.0, z)))

    def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        q, loc, scale = _floats(q, loc, scale)
        s, ok = _positive(scale)
        return _valid(ok, where(_or(q < 0, q > 1), _NAN, loc + s * q))


# ---- continuous, with shape parameters ---------------------------------------------------------
@_distribution
class t:
    """Student's t distribution with ``df`` degrees of freedom (``df = inf``: the normal one)."""

    def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """gammaln((df + 1)/2) − gammaln(df/2) − log(π df scale²)/2 − (df + 1)/2 · log1p(z²/df),
        both terms written so that they keep their precision for large df (up to 1e300)."""
        x, df, loc, scale = _floats(x, df, loc, scale)
        s, ok_s = _positive(scale)
        ok_df = df > 0
        normal = isinf(df)
        nu = _safe(_or(logical_not(ok_df), normal), df)
        z = _z(x, loc, s)
        v = _t_norm(nu) - _t_kernel(z, nu) - log(s)
        huge = _abs(z) > 0.5 * float(np.sqrt(np.finfo(dtype_of(z)).max))  # z² overflows: density 0
        zg = _safe(_or(logical_not(normal), huge), z, 0.0)
        gauss = where(huge, -_INF, -0.5 * (zg * zg) - 0.5 * _LOG_2PI) - log(s)
        return _valid(_and(ok_s, ok_df), where(normal, gauss, v))

    def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(t.logpdf(x, df, loc, scale))

    def _tails(x, df, loc, scale):
        """(cdf, sf, ok): from the mass beyond |z|, P(T > |z|), as ½·betainc(ν/2, ½, ν/(ν + z²))
        for |z| ≥ 2, else ½ − ½·betainc(½, ν/2, z²/(ν + z²)) (Cephes' split: the tail keeps
        its relative precision however small, the middle its digits near the median); the
        normal tails for df = inf. Differentiable in x, loc and scale (betainc is not in its
        parameters, as in JAX)."""
        x, df, loc, scale = _floats(x, df, loc, scale)
        s, ok_s = _positive(scale)
        ok_df = df > 0
        normal = isinf(df)
        nu = _safe(_or(logical_not(ok_df), normal), df)
        z = _z(x, loc, s)
        end = isinf(z)
        zz = _safe(end, z, 0.0) ** 2
        near = zz < 4.0
        tail = where(near, 0.5 - 0.5 * betainc(0.5, 0.5 * nu, _safe(logical_not(near), zz / (nu + zz), 0.5)),
                     0.5 * betainc(0.5 * nu, 0.5, _safe(near, nu / (nu + zz), 0.5)))
        tail = where(end, 0.0, tail)
        zn = _safe(logical_not(normal), z, 0.0)
        cdf = where(normal, ndtr(zn), where(z < 0, tail, 1.0 - tail))
        sf = where(normal, ndtr(-zn), where(z < 0, 1.0 - tail, tail))
        return cdf, sf, _and(ok_s, ok_df)

    def cdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        cdf, _, ok = t._tails(x, df, loc, scale)
        return _valid(ok, cdf)

    def sf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        _, sf, ok = t._tails(x, df, loc, scale)
        return _valid(ok, sf)

    def logcdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        cdf, sf, ok = t._tails(x, df, loc, scale)
        return _valid(ok, _log_tails(cdf, sf)[0])

    def logsf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        cdf, sf, ok = t._tails(x, df, loc, scale)
        return _valid(ok, _log_tails(cdf, sf)[1])


@_distribution
class gamma:
    """The gamma distribution with shape ``a`` on [loc, ∞)."""

    def logpdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """(a − 1) log y − y − gammaln(a) − log(scale), y = (x − loc)/scale."""
        x, a, loc, scale = _floats(x, a, loc, scale)
        s, ok_s = _positive(scale)
        a_, ok_a = _finite_positive(a)
        y = (x - loc) / s
        below = _or(y < 0, y == _INF)  # density 0 at infinity (SciPy and JAX: NaN)
        y = _safe(below, y)
        v = _xlogy(a_ - 1.0, y) - y - gammaln(a_) - log(s)
        return _valid(_and(ok_s, ok_a), where(below, -_INF, v))

    def pdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(gamma.logpdf(x, a, loc, scale))

    def _tails(x, a, loc, scale, half=1.0):
        """(cdf, sf, ok): P(a, y) and Q(a, y), y = (x − loc)/scale (a = inf: cdf 0 at every
        finite point, as SciPy)."""
        x, a, loc, scale = _floats(x, a, loc, scale)
        s, ok_s = _positive(scale)
        a_, ok_a = _positive(a)
        cdf, sf = _gamma_tails(half * _z(x, loc, s), half * a_)
        return cdf, sf, _and(ok_s, ok_a)

    def cdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """gammainc(a, y): differentiable in a too."""
        cdf, _, ok = gamma._tails(x, a, loc, scale)
        return _valid(ok, cdf)

    def sf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """gammaincc(a, y) (not 1 − cdf: accurate in the right tail)."""
        _, sf, ok = gamma._tails(x, a, loc, scale)
        return _valid(ok, sf)

    def logcdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """log(cdf) below the median, log1p(−sf) above (JAX: log(cdf), 0 above ≈ 37 for a = 1)."""
        cdf, sf, ok = gamma._tails(x, a, loc, scale)
        return _valid(ok, _log_tails(cdf, sf)[0])

    def logsf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        cdf, sf, ok = gamma._tails(x, a, loc, scale)
        return _valid(ok, _log_tails(cdf, sf)[1])


@_distribution
class beta:
    """The beta distribution with shapes ``a``, ``b`` on [loc, loc + scale]."""

    def logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
               scale: ArrayLike = 1) -> Array:
        """(a − 1) log y + (b − 1) log(1 − y) − betaln(a, b) − log(scale)."""
        x, a, b, loc, scale = _floats(x, a, b, loc, scale)
        s, ok_s = _positive(scale)
        a_, ok_a = _finite_positive(a)
        b_, ok_b = _finite_positive(b)
        y = (x - loc) / s
        out = _or(y < 0, y > 1)
        y = _safe(out, y, 0.5)
        v = _xlogy(a_ - 1.0, y) + _xlog1py(b_ - 1.0, -y) - betaln(a_, b_) - log(s)
        return _valid(_and(ok_s, ok_a, ok_b), where(out, -_INF, v))

    def pdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
            scale: ArrayLike = 1) -> Array:
        return exp(beta.logpdf(x, a, b, loc, scale))

    def _tails(x, a, b, loc, scale):
        """(cdf, sf, ok): betainc(a, b, y) and betainc(b, a, 1 − y), y = (x − loc)/scale."""
        x, a, b, loc, scale = _floats(x, a, b, loc, scale)
        s, ok_s = _positive(scale)
        a_, ok_a = _positive(a)
        b_, ok_b = _positive(b)
        cdf, sf = _beta_tails(_z(x, loc, s), a_, b_)
        return cdf, sf, _and(ok_s, ok_a, ok_b)

    def cdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
            scale: ArrayLike = 1) -> Array:
        """betainc(a, b, y) (differentiable in x, loc and scale; not in a or b, as in JAX)."""
        cdf, _, ok = beta._tails(x, a, b, loc, scale)
        return _valid(ok, cdf)

    def sf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
           scale: ArrayLike = 1) -> Array:
        _, sf, ok = beta._tails(x, a, b, loc, scale)
        return _valid(ok, sf)

    def logcdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
               scale: ArrayLike = 1) -> Array:
        cdf, sf, ok = beta._tails(x, a, b, loc, scale)
        return _valid(ok, _log_tails(cdf, sf)[0])

    def logsf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
              scale: ArrayLike = 1) -> Array:
        cdf, sf, ok = beta._tails(x, a, b, loc, scale)
        return _valid(ok, _log_tails(cdf, sf)[1])


@_distribution
class chi2:
    """The chi-squared distribution with ``df`` degrees of freedom on [loc, ∞)."""

    def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """(df/2 − 1) log y − y/2 − gammaln(df/2) − (df/2) log 2 − log(scale) (0 · log 0 = 0,
        so finite at y = 0 for df = 2, where JAX's log(y) gives NaN)."""
        x, df, loc, scale = _floats(x, df, loc, scale)
        s, ok_s = _positive(scale)
        nu, ok_df = _finite_positive(df)
        y = (x - loc) / s
        below = _or(y < 0, y == _INF)  # density 0 at infinity (SciPy and JAX: NaN)
        y = _safe(below, y)
        half = 0.5 * nu
        v = _xlogy(half - 1.0, y) - 0.5 * y - gammaln(half) - half * _LOG2 - log(s)
        return _valid(_and(ok_s, ok_df), where(below, -_INF, v))

    def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        return exp(chi2.logpdf(x, df, loc, scale))

    def cdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        """gammainc(df/2, y/2)."""
        cdf, _, ok = gamma._tails(x, df, loc, scale, 0.5)
        return _valid(ok, cdf)

    def sf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        _, sf, ok = gamma._tails(x, df, loc, scale, 0.5)
        return _valid(ok, sf)

    def logcdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        cdf, sf, ok = gamma._tails(x, df, loc, scale, 0.5)
        return _valid(ok, _log_tails(cdf, sf)[0])

    def logsf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
        cdf, sf, ok = gamma._tails(x, df, loc, scale, 0.5)
        return _valid(ok, _log_tails(cdf, sf)[1])


# ---- discrete ----------------------------------------------------------------------------------
@_distribution
class poisson:
    """The Poisson distribution with mean ``mu``, on loc, loc + 1, ..."""

    def logpmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
        """k log(mu) − gammaln(k + 1) − mu (k counted from loc; 0 log 0 = 0)."""
        k, mu, loc = _floats(k, mu, loc)
        ok = mu >= 0
        m = where(_and(ok, mu < _INF), mu, 1.0)
        n = k - loc
        out = _or(n < 0, _nonint(n), mu == _INF)  # mu = inf: probability 0 everywhere (SciPy: NaN)
        n = _safe(out, n, 0.0)
        v = _xlogy(n, m) - gammaln(n + 1.0) - m
        return _valid(ok, where(out, -_INF, v))

    def pmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
        return exp(poisson.logpmf(k, mu, loc))

    def cdf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
        """gammaincc(⌊k − loc⌋ + 1, mu): 0 below loc, 1 at k = inf, 0 for mu = inf (SciPy)."""
        k, mu, loc = _floats(k, mu, loc)
        ok = mu >= 0
        n = floor(k - loc)
        below, top = n < 0, n == _INF
        m = where(_and(ok, mu < _INF), mu, 1.0)
        v = gammaincc(_safe(_or(below, top), n, 0.0) + 1.0, m)
        v = where(_and(mu == _INF, logical_not(isnan(n))), 0.0, v)
        return _valid(ok, where(below, 0.0, where(top, 1.0, v)))

    def entropy(mu: ArrayLike, loc: ArrayLike = 0) -> Array:
        """−Σ p(k) log p(k) (loc shifts nothing): the sum over k ≤ 240 for mu < 100, beyond
        that the expansion ½ log(2πe·mu) − 1/(12 mu) − 1/(24 mu²) − 19/(360 mu³) (both to
        about 1e-10 relative; JAX's, to 1e-5). NaN for mu < 0, 0 at mu = 0."""
        mu, loc = _floats(mu, loc)
        mu = mu + 0.0 * loc  # (the shape of both)
        small = mu < 100
        m = where(small, mu, 1.0)[..., None]
        k = np.arange(241.0, dtype=dtype_of(mu))
        lp = _xlogy(k, m) - gammaln(k + 1.0) - m
        some = lp > -_INF  # (mu = 0: p(k) = 0 for k > 0, and 0 log 0 = 0)
        lp = where(some, lp, 0.0)
        summed = 0.0 - _sum(where(some, exp(lp) * lp, 0.0), axis=-1)
        b = where(small, 100.0, mu)
        big = 0.5 * log(2 * np.pi * np.e * b) - 1 / (12 * b) - 1 / (24 * b ** 2) - 19 / (360 * b ** 3)
        return _valid(mu >= 0, where(small, summed, big))


@_distribution
class bernoulli:
    """The Bernoulli distribution: 1 with probability ``p``, else 0 (shifted by loc)."""

    def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
        k, p, loc = _floats(k, p, loc)
        p, ok = _probability(p)
        n = k - loc
        out = _or(n < 0, n > 1, _nonint(n))
        n = _safe(out, n, 0.0)
        v = _xlogy(n, p) + _xlog1py(1.0 - n, -p)
        return _valid(ok, where(out, -_INF, v))

    def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
        return exp(bernoulli.logpmf(k, p, loc))

    def cdf(k: ArrayLike, p: ArrayLike) -> Array:
        """0 below 0, 1 − p on [0, 1), 1 from 1 on."""
        k, p = _floats(k, p)
        p, ok = _probability(p)
        v = where(k < 0, 0.0, where(k >= 1, 1.0, 1.0 - p))
        return _valid(_and(ok, logical_not(isnan(k))), v)

    def ppf(q: ArrayLike, p: ArrayLike) -> Array:
        """0 for 0 < q ≤ 1 − p, 1 above; at q = 0 SciPy's −1 (JAX: 0), NaN outside [0, 1]."""
        q, p = _floats(q, p)
        p, ok = _probability(p)
        v = where(q == 0, -1.0, where(_or(q == 1, q > 1.0 - p), 1.0, 0.0))
        return _valid(_and(ok, q >= 0, q <= 1), astype(v, dtype_of(p)))


@_distribution
class binom:
    """The binomial distribution: successes in ``n`` trials of probability ``p``."""

    def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
        """gammaln(n + 1) − gammaln(k + 1) − gammaln(n − k + 1) + k log p + (n − k) log(1 − p)."""
        k, n, p, loc = _floats(k, n, p, loc)
        p, ok_p = _probability(p)
        ok_n = _and(n >= 0, n < _INF)
        n = where(ok_n, n, 0.0)
        y = k - loc
        out = _or(y < 0, y >= n + 1.0, _nonint(y))
        y = _safe(out, y, 0.0)
        # log C(n, y) through betaln: the three gammaln of a large n cancel
        comb = -log1p(n) - betaln(y + 1.0, n - y + 1.0)
        v = comb + _xlogy(y, p) + _xlog1py(n - y, -p)
        return _valid(_and(ok_p, ok_n), where(out, -_INF, v))

    def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
        return exp(binom.logpmf(k, n, p, loc))


@_distribution
class geom:
    """The geometric distribution: the trial of the first success, on loc + 1, loc + 2, ..."""

    def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
        """(k − 1) log(1 − p) + log p, for 0 < p ≤ 1."""
        k, p, loc = _floats(k, p, loc)
        ok = _and(p > 0, p <= 1)
        p = where(ok, p, 0.5)
        y = k - loc
        out = _or(y < 1, _nonint(y))
        y = _safe(out, y)
        return _valid(ok, where(out, -_INF, _xlog1py(y - 1.0, -p) + log(p)))

    def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
        return exp(geom.logpmf(k, p, loc))


# ---- multivariate --------------------------------------------------------------------------------
@_distribution
class multivariate_normal:
    """The multivariate normal distribution N(mean, cov)."""

    def logpdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike, allow_singular: bool | None = None) -> Array:
        """−|L⁻¹(x − mean)|²/2 − (n/2) log 2π − Σ log diag(L), L = cholesky(cov).

        As JAX: a scalar ``mean`` is the univariate case; a vector ``mean`` with a scalar
        ``cov`` is cov · I; otherwise ``cov`` is (..., n, n), read as (cov + covᵀ)/2, so the
        gradient with respect to it is symmetric (JAX's convention). ``x`` and ``mean``
        broadcast over leading axes. A covariance that is not positive definite raises
        ``LinAlgError``; with ``allow_singular=True`` a positive semidefinite one gives SciPy's
        density on its support (pseudo-inverse and pseudo-determinant; −∞ off it)."""
        x, mean, cov = _floats(x, mean, cov)
        if allow_singular and ndim_of(mean) > 0 and ndim_of(cov) > 0:
            return singular_normal_logpdf(x, mean, cov)
        if ndim_of(mean) == 0:
            c, ok = _positive(cov)
            return _valid(ok, -0.5 * (x - mean) ** 2 / c - 0.5 * (_LOG_2PI + log(c)))
        n = shape_of(mean)[-1]
        d = x - mean
        if ndim_of(cov) == 0:
            c, ok = _positive(cov)
            return _valid(ok, -0.5 * _sum(d * d, axis=-1) / c - 0.5 * n * (_LOG_2PI + log(c)))
        if ndim_of(cov) < 2 or tuple(shape_of(cov)[-2:]) != (n, n):
            raise ValueError(f"multivariate_normal.logpdf: cov of shape {tuple(shape_of(cov))} "
                             f"does not match mean of shape {tuple(shape_of(mean))}")
        L = cholesky(0.5 * (cov + swapaxes(cov, -1, -2)))
        y = getitem(solve(L, expand_dims(d, -1)), (Ellipsis, 0))
        half_logdet = _sum(log(diagonal(L, 0, -2, -1)), axis=-1)
        return -0.5 * _sum(y * y, axis=-1) - 0.5 * n * _LOG_2PI - half_logdet

    def pdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike, allow_singular: bool | None = None) -> Array:
        return exp(multivariate_normal.logpdf(x, mean, cov, allow_singular))

    def entropy(mean: ArrayLike = None, cov: ArrayLike = 1) -> Array:
        """SciPy's differential entropy ½ log det(2πe · cov): n/2 (1 + log 2π) + Σ log diag(L),
        L = cholesky(cov) (a scalar ``cov`` with a vector ``mean``: cov · I)."""
        (cov,) = _floats(cov)
        if ndim_of(cov) == 0:
            n = 1 if mean is None or ndim_of(mean) == 0 else shape_of(mean)[-1]
            c, ok = _positive(cov)
            return _valid(ok, 0.5 * n * (1.0 + _LOG_2PI + log(c)))
        n = shape_of(cov)[-1]
        L = cholesky(0.5 * (cov + swapaxes(cov, -1, -2)))
        return 0.5 * n * (1.0 + _LOG_2PI) + _sum(log(diagonal(L, 0, -2, -1)), axis=-1)
