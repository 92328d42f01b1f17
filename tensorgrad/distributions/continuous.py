"""Univariate continuous distributions of ``tg.distributions`` (PyTorch's classes), with
densities from :mod:`tensorgrad.scipy.stats` and reparameterized draws from
:mod:`tensorgrad.random`."""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from .. import random as _random
from .. import random_dists as _random_dists
from ..scipy import special as _special
from ..scipy import stats as _stats
from ..tensor import concrete
from . import constraints
from .distribution import Distribution, broadcast_all, check_values, need_key

__all__ = ["Normal", "LogNormal", "Uniform", "Exponential", "Gamma", "Chi2", "Beta", "Laplace",
           "Cauchy", "StudentT", "HalfNormal", "HalfCauchy", "Gumbel", "Pareto", "Weibull"]

_EULER = 0.57721566490153286061
_LOG_2PI = math.log(2 * math.pi)


_ORDERED = constraints.Constraint("low < high", lambda d: d > 0)


def _nan_like(x):
    return _ops.full_like(x, np.nan)


def _inf_like(x):
    return _ops.full_like(x, np.inf)


class _Univariate(Distribution):
    """A batch of scalar distributions whose parameters broadcast to the batch shape."""

    def __init__(self, validate_args=None, **params):
        vals, shape = broadcast_all(*params.values(), who=type(self).__name__, names=tuple(params))
        for name, v in zip(params, vals):
            setattr(self, name, v)
        self._params = tuple(params)
        super().__init__(shape, (), validate_args)

    def _draw(self, sample_shape, key, sampler, *args):
        key = need_key(key, f"{type(self).__name__}.rsample")
        return sampler(key, *args, shape=self._extended_shape(sample_shape))

    def _value(self, value, check=True):
        if check:
            self._validate_sample(value)
        return value

    def _value_or_edge(self, value):
        """``value`` checked against the closure of a support of positive numbers (a cdf's)."""
        self._check_value_shape(value)
        if self._validate_args:
            check_values(type(self).__name__, "value", constraints.nonnegative, value)
        return value


class _LocScale(_Univariate):
    """A location–scale family: parameters ``loc`` (real) and ``scale`` (positive),
    reparameterized draws ``loc + scale·noise``."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _noise = None  # the family's standard draw (tg.random.normal, ...), set by each family

    def __init__(self, loc, scale, validate_args=None):
        super().__init__(validate_args, loc=loc, scale=scale)

    def rsample(self, sample_shape=(), key=None):
        return self.loc + self.scale * self._draw(sample_shape, key, type(self)._noise)


class Normal(_LocScale):
    """The normal distribution N(loc, scale²)."""

    _noise = staticmethod(_random.normal)

    mean = property(lambda self: self.loc)
    mode = property(lambda self: self.loc)
    stddev = property(lambda self: self.scale)
    variance = property(lambda self: self.scale ** 2)

    def log_prob(self, value):
        return _stats.norm.logpdf(self._value(value), self.loc, self.scale)

    def cdf(self, value):
        return _stats.norm.cdf(self._value(value), self.loc, self.scale)

    def icdf(self, value):
        return _stats.norm.ppf(value, self.loc, self.scale)

    def entropy(self):
        return 0.5 + 0.5 * _LOG_2PI + _ops.log(self.scale)


class LogNormal(_Univariate):
    """exp(X) for X ~ N(loc, scale²)."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        super().__init__(validate_args, loc=loc, scale=scale)

    @property
    def mean(self):
        return _ops.exp(self.loc + self.scale ** 2 / 2)

    @property
    def mode(self):
        return _ops.exp(self.loc - self.scale ** 2)

    @property
    def variance(self):
        s2 = self.scale ** 2
        return _ops.expm1(s2) * _ops.exp(2 * self.loc + s2)

    def rsample(self, sample_shape=(), key=None):
        return _ops.exp(self.loc + self.scale * self._draw(sample_shape, key, _random.normal))

    def log_prob(self, value):
        y = _ops.log(self._value(value))
        return _stats.norm.logpdf(y, self.loc, self.scale) - y

    def cdf(self, value):
        # the support's closure: cdf(0) is 0, as in PyTorch (log_prob(0) stays outside it)
        x = self._value_or_edge(value)
        inside = x > 0
        return _ops.where(inside, _stats.norm.cdf(_ops.log(_ops.where(inside, x, 1.0)),
                                                   self.loc, self.scale), 0.0)

    def icdf(self, value):
        return _ops.exp(_stats.norm.ppf(value, self.loc, self.scale))

    def entropy(self):
        return 0.5 + 0.5 * _LOG_2PI + _ops.log(self.scale) + self.loc


class Uniform(_Univariate):
    """The uniform distribution on [low, high). Its ``support``, as PyTorch's, is the closed
    interval [low, high]: ``log_prob(high)`` is −inf and ``cdf(high)`` is 1, without an
    error."""
    arg_constraints = {"low": constraints.dependent, "high": constraints.dependent}
    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        super().__init__(validate_args, low=low, high=high)
        if self._validate_args:
            check_values("Uniform", "parameters low, high", _ORDERED, self.high - self.low)

    @property
    def support(self):
        return constraints.interval(self.low, self.high)

    mean = property(lambda self: (self.low + self.high) / 2)
    mode = property(lambda self: _nan_like(self.low))
    stddev = property(lambda self: (self.high - self.low) / 12 ** 0.5)
    variance = property(lambda self: (self.high - self.low) ** 2 / 12)

    def rsample(self, sample_shape=(), key=None):
        u = self._draw(sample_shape, key, _random.uniform)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        value = self._value(value)
        inside = _ops.logical_and(value >= self.low, value < self.high)
        return _ops.where(inside, -_ops.log(self.high - self.low), -np.inf)

    def cdf(self, value):
        return _ops.clip((self._value(value) - self.low) / (self.high - self.low), 0.0, 1.0)

    def icdf(self, value):
        return self.low + value * (self.high - self.low)

    def entropy(self):
        return _ops.log(self.high - self.low)


class Exponential(_Univariate):
    """The exponential distribution with rate ``rate`` (mean 1/rate)."""
    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        super().__init__(validate_args, rate=rate)

    mean = property(lambda self: 1 / self.rate)
    mode = property(lambda self: _ops.zeros_like(self.rate))
    stddev = property(lambda self: 1 / self.rate)
    variance = property(lambda self: self.rate ** -2)

    def rsample(self, sample_shape=(), key=None):
        return self._draw(sample_shape, key, _random.exponential) / self.rate

    def log_prob(self, value):
        return _ops.log(self.rate) - self.rate * self._value(value)

    def cdf(self, value):
        return -_ops.expm1(-self.rate * self._value(value))

    def icdf(self, value):
        return -_ops.log1p(-value) / self.rate

    def entropy(self):
        return 1 - _ops.log(self.rate)


class Gamma(_Univariate):
    """The gamma distribution with shape ``concentration`` and inverse scale ``rate``."""
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        super().__init__(validate_args, concentration=concentration, rate=rate)

    mean = property(lambda self: self.concentration / self.rate)
    mode = property(lambda self: _ops.maximum((self.concentration - 1) / self.rate, 0.0))
    variance = property(lambda self: self.concentration / self.rate ** 2)

    def rsample(self, sample_shape=(), key=None):
        return self._draw(sample_shape, key, _random.gamma, self.concentration) / self.rate

    def log_prob(self, value):
        a, b, x = self.concentration, self.rate, self._value(value)
        return _ops.xlogy(a, b) + _ops.xlogy(a - 1, x) - b * x - _ops.gammaln(a)

    def cdf(self, value):
        return _stats.gamma.cdf(self._value(value), self.concentration, 0.0, 1 / self.rate)

    def entropy(self):
        a = self.concentration
        return a - _ops.log(self.rate) + _ops.gammaln(a) + (1 - a) * _ops.digamma(a)


class Chi2(Gamma):
    """The chi-squared distribution with ``df`` degrees of freedom: Gamma(df/2, 1/2)."""
    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        (df,), _ = broadcast_all(df)
        self.df = df
        self._given = ("df",)
        super().__init__(df / 2, _ops.full_like(df, 0.5), validate_args)
        self._params = ("concentration", "rate", "df")


class Beta(_Univariate):
    """The beta distribution on [0, 1] with exponents ``concentration1`` (of x) and
    ``concentration0`` (of 1 − x)."""
    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        super().__init__(validate_args, concentration1=concentration1, concentration0=concentration0)

    mean = property(lambda self: self.concentration1 / (self.concentration1 + self.concentration0))

    @property
    def mode(self):
        # the Dirichlet rule: exponents below 1 count as 1; both below 1, the larger end
        a, b = self.concentration1, self.concentration0
        a1, b1 = _ops.maximum(a - 1, 0.0), _ops.maximum(b - 1, 0.0)
        both = _ops.logical_and(a < 1, b < 1)
        inner = a1 / _ops.where(both, 1.0, a1 + b1)
        return _ops.where(both, _ops.astype(a > b, inner.dtype), inner)

    @property
    def variance(self):
        a, b = self.concentration1, self.concentration0
        t = a + b
        return a * b / (t ** 2 * (t + 1))

    def rsample(self, sample_shape=(), key=None):
        return self._draw(sample_shape, key, _random.beta, self.concentration1, self.concentration0)

    def log_prob(self, value):
        return _stats.beta.logpdf(self._value(value), self.concentration1, self.concentration0)

    def entropy(self):
        a, b = self.concentration1, self.concentration0
        return (_ops.betaln(a, b) - (a - 1) * _ops.digamma(a) - (b - 1) * _ops.digamma(b)
                + (a + b - 2) * _ops.digamma(a + b))


class Laplace(_LocScale):
    """The Laplace (double exponential) distribution."""

    _noise = staticmethod(_random.laplace)

    mean = property(lambda self: self.loc)
    mode = property(lambda self: self.loc)
    stddev = property(lambda self: 2 ** 0.5 * self.scale)
    variance = property(lambda self: 2 * self.scale ** 2)

    def log_prob(self, value):
        return -_ops.log(2 * self.scale) - _ops.abs(self._value(value) - self.loc) / self.scale

    def cdf(self, value):
        z = (self._value(value) - self.loc) / self.scale
        return 0.5 - 0.5 * _ops.sign(z) * _ops.expm1(-_ops.abs(z))

    def icdf(self, value):
        t = value - 0.5
        return self.loc - self.scale * _ops.sign(t) * _ops.log1p(-2 * _ops.abs(t))

    def entropy(self):
        return 1 + _ops.log(2 * self.scale)


class Cauchy(_LocScale):
    """The Cauchy distribution (no mean, infinite variance)."""

    _noise = staticmethod(_random.cauchy)

    mean = property(lambda self: _nan_like(self.loc))
    mode = property(lambda self: self.loc)
    variance = property(lambda self: _inf_like(self.loc))

    def log_prob(self, value):
        return _stats.cauchy.logpdf(self._value(value), self.loc, self.scale)

    def cdf(self, value):
        return _ops.arctan((self._value(value) - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return self.loc + self.scale * _ops.tan(math.pi * (value - 0.5))

    def entropy(self):
        return math.log(4 * math.pi) + _ops.log(self.scale)


class StudentT(_Univariate):
    """Student's t distribution with ``df`` degrees of freedom, shifted and scaled."""
    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        super().__init__(validate_args, df=df, loc=loc, scale=scale)

    mean = property(lambda self: _ops.where(self.df > 1, self.loc, np.nan))
    mode = property(lambda self: self.loc)

    @property
    def variance(self):
        df = self.df
        safe = _ops.where(df > 2, df, 3.0)
        v = self.scale ** 2 * safe / (safe - 2)
        return _ops.where(df > 2, v, _ops.where(df > 1, _ops.full_like(v, np.inf), np.nan))

    def rsample(self, sample_shape=(), key=None):
        return self.loc + self.scale * self._draw(sample_shape, key, _random.t, self.df)

    def log_prob(self, value):
        return _stats.t.logpdf(self._value(value), self.df, self.loc, self.scale)

    def entropy(self):
        h = self.df / 2
        lbeta = _ops.gammaln(h) + 0.5 * math.log(math.pi) - _ops.gammaln(h + 0.5)
        return (_ops.log(self.scale) + (h + 0.5) * (_ops.digamma(h + 0.5) - _ops.digamma(h))
                + 0.5 * _ops.log(self.df) + lbeta)


class _Half(_Univariate):
    """|X| for X of a family centred at 0 with parameter ``scale``: twice the family's density
    on x ≥ 0, draws ``|scale·noise|``. Each family names its standard draw (``_noise``) and its
    ``tg.scipy.stats`` density (``_density``)."""
    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _noise = None
    _density = None

    def __init__(self, scale, validate_args=None):
        super().__init__(validate_args, scale=scale)

    mode = property(lambda self: _ops.zeros_like(self.scale))

    def rsample(self, sample_shape=(), key=None):
        return _ops.abs(self.scale * self._draw(sample_shape, key, type(self)._noise))

    def log_prob(self, value):
        x = self._value(value)
        lp = math.log(2) + type(self)._density.logpdf(x, 0.0, self.scale)
        return _ops.where(x >= 0, lp, -np.inf)


class HalfNormal(_Half):
    """|X| for X ~ N(0, scale²)."""

    _noise = staticmethod(_random.normal)
    _density = _stats.norm

    mean = property(lambda self: self.scale * math.sqrt(2 / math.pi))
    variance = property(lambda self: self.scale ** 2 * (1 - 2 / math.pi))

    def cdf(self, value):
        return _ops.erf(self._value(value) / (self.scale * math.sqrt(2)))

    def icdf(self, value):
        return self.scale * _ops.ndtri((value + 1) / 2)

    def entropy(self):
        return 0.5 * math.log(math.pi / 2) + _ops.log(self.scale) + 0.5


class HalfCauchy(_Half):
    """|X| for X ~ Cauchy(0, scale)."""

    _noise = staticmethod(_random.cauchy)
    _density = _stats.cauchy

    mean = property(lambda self: _inf_like(self.scale))
    variance = property(lambda self: _inf_like(self.scale))

    def cdf(self, value):
        return 2 / math.pi * _ops.arctan(self._value(value) / self.scale)

    def icdf(self, value):
        return self.scale * _ops.tan(math.pi / 2 * value)

    def entropy(self):
        return math.log(2 * math.pi) + _ops.log(self.scale)


class Gumbel(_LocScale):
    """The Gumbel (maximum extreme value) distribution."""

    _noise = staticmethod(_random.gumbel)

    mean = property(lambda self: self.loc + self.scale * _EULER)
    mode = property(lambda self: self.loc)
    stddev = property(lambda self: math.pi / math.sqrt(6) * self.scale)
    variance = property(lambda self: math.pi ** 2 / 6 * self.scale ** 2)

    def log_prob(self, value):
        return _stats.gumbel_r.logpdf(self._value(value), self.loc, self.scale)

    def cdf(self, value):
        return _stats.gumbel_r.cdf(self._value(value), self.loc, self.scale)

    def icdf(self, value):
        return self.loc - self.scale * _ops.log(-_ops.log(value))

    def entropy(self):
        return _ops.log(self.scale) + 1 + _EULER


class Pareto(_Univariate):
    """The Pareto distribution: density alpha·scale^alpha / x^(alpha+1) for x ≥ scale."""
    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}
    has_rsample = True

    def __init__(self, scale, alpha, validate_args=None):
        super().__init__(validate_args, scale=scale, alpha=alpha)

    @property
    def support(self):
        return constraints.greater_than_eq(self.scale)

    @property
    def mean(self):
        a = _ops.maximum(self.alpha, 1 + 1e-12)
        return _ops.where(self.alpha > 1, a * self.scale / (a - 1), np.inf)

    mode = property(lambda self: self.scale)

    @property
    def variance(self):
        a = _ops.maximum(self.alpha, 2 + 1e-12)
        return _ops.where(self.alpha > 2, self.scale ** 2 * a / ((a - 1) ** 2 * (a - 2)), np.inf)

    def rsample(self, sample_shape=(), key=None):
        e = self._draw(sample_shape, key, _random.exponential)
        return self.scale * _ops.exp(e / self.alpha)

    def _inside(self, value):
        """(x ≥ scale, x there and scale elsewhere): a select, not maximum(x, scale), so that
        at x = scale the derivatives are the interior formula's (a tie in maximum would split
        the gradient between x and scale)."""
        x = self._value(value)
        inside = x >= self.scale
        return inside, _ops.where(inside, x, self.scale)

    def log_prob(self, value):
        inside, x = self._inside(value)
        lp = _ops.log(self.alpha) + self.alpha * _ops.log(self.scale) - (self.alpha + 1) * _ops.log(x)
        return _ops.where(inside, lp, -np.inf)

    def cdf(self, value):
        inside, x = self._inside(value)
        return _ops.where(inside, -_ops.expm1(self.alpha * _ops.log(self.scale / x)), 0.0)

    def icdf(self, value):
        return self.scale * _ops.exp(-_ops.log1p(-value) / self.alpha)

    def entropy(self):
        return _ops.log(self.scale / self.alpha) + 1 / self.alpha + 1


class Weibull(_Univariate):
    """The Weibull distribution: density (k/λ)(x/λ)^(k−1) exp(−(x/λ)^k) on x > 0."""
    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, scale, concentration, validate_args=None):
        super().__init__(validate_args, scale=scale, concentration=concentration)

    mean = property(lambda self: self.scale * _ops.exp(_ops.gammaln(1 + 1 / self.concentration)))

    @property
    def mode(self):
        k = _ops.maximum(self.concentration, 1.0)
        return self.scale * ((k - 1) / k) ** (1 / k)

    @property
    def variance(self):
        k = self.concentration
        return self.scale ** 2 * (_ops.exp(_ops.gammaln(1 + 2 / k))
                                  - _ops.exp(2 * _ops.gammaln(1 + 1 / k)))

    def rsample(self, sample_shape=(), key=None):
        e = self._draw(sample_shape, key, _random.exponential)
        return self.scale * e ** (1 / self.concentration)

    def log_prob(self, value):
        k, lam, x = self.concentration, self.scale, self._value(value)
        z = x / lam
        return _ops.log(k / lam) + _ops.xlogy(k - 1, z) - z ** k

    def cdf(self, value):
        return -_ops.expm1(-(self._value_or_edge(value) / self.scale) ** self.concentration)

    def icdf(self, value):
        return self.scale * (-_ops.log1p(-value)) ** (1 / self.concentration)

    def entropy(self):
        k = self.concentration
        return _EULER * (1 - 1 / k) + _ops.log(self.scale / k) + 1


def _von_mises_np(kv, loc, kappa, shape):
    """Von Mises draws by Best and Fisher's rejection from a wrapped Cauchy envelope, angles in
    [−π, π); a concentration below 1e-8 is the uniform circle."""
    loc = np.broadcast_to(np.asarray(loc, np.float64), shape).ravel()
    kappa = np.broadcast_to(np.asarray(kappa, np.float64), shape).ravel()
    st = _random_dists.Stream(kv)
    theta = np.empty(kappa.size)
    flat = kappa < 1e-8
    theta[flat] = np.pi * (2.0 * st.unit(int(flat.sum())) - 1.0)
    todo = np.flatnonzero(~flat)
    k = kappa[todo]
    tau = 1.0 + np.sqrt(1.0 + 4.0 * k * k)
    rho = (tau - np.sqrt(2.0 * tau)) / (2.0 * k)
    r = (1.0 + rho * rho) / (2.0 * rho)
    while todo.size:
        u1, u2, u3 = (st.open_unit(todo.size) for _ in range(3))
        z = np.cos(np.pi * u1)
        f = (1.0 + r * z) / (r + z)
        c = k * (r - f)
        ok = (c * (2.0 - c) - u2 > 0) | (np.log(c / u2) + 1.0 - c >= 0)
        theta[todo[ok]] = np.sign(u3[ok] - 0.5) * np.arccos(np.clip(f[ok], -1.0, 1.0))
        todo, k, r = todo[~ok], k[~ok], r[~ok]
    return (np.mod(loc + theta + np.pi, 2.0 * np.pi) - np.pi).reshape(shape)


class VonMises(_Univariate):
    """The circular normal distribution on angles: density exp(κ cos(x − loc)) / (2π I₀(κ)),
    ``loc`` real, ``concentration`` κ > 0; draws in [−π, π) without a gradient (PyTorch has
    no reparameterized sampler either)."""
    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real

    def __init__(self, loc, concentration, validate_args=None):
        super().__init__(validate_args, loc=loc, concentration=concentration)

    mean = property(lambda self: self.loc)
    mode = property(lambda self: self.loc)

    @property
    def variance(self):
        """The circular variance 1 − I₁(κ)/I₀(κ)."""
        k = self.concentration
        return 1.0 - _special.i1e(k) / _special.i0e(k)

    def log_prob(self, value):
        # κ (cos(x − loc) − 1) − log(2π e^(−κ) I₀(κ)): no overflow for large κ, and the right
        # slope in κ at κ = 0 (NaN for κ < 0, which the constraint excludes)
        self._validate_sample(value)
        return _stats.vonmises.logpdf(value - self.loc, self.concentration)

    def sample(self, sample_shape=(), key=None):
        key = need_key(key, "VonMises.sample")
        kv = _random_dists.check_key(key, "VonMises.sample")
        return _random_dists.draw(_von_mises_np, kv, concrete(self.loc), concrete(self.concentration),
                                  self._extended_shape(sample_shape))
