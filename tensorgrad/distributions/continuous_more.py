"""More of ``torch.distributions`` on tensorgrad: the continuous Bernoulli, Fisher–Snedecor,
Kumaraswamy, generalized Pareto and logistic-normal distributions, the straight-through
one-hot categorical, and the ``ExponentialFamily`` base class.

They follow PyTorch's constructors, parameterizations and formulas (including PyTorch's
Taylor expansions of the continuous Bernoulli near probs = 1/2). Every density, moment and
reparameterized draw is a composition of tensorgrad ops, so ``tg.grad`` differentiates them
with respect to parameters and values; draws take an explicit ``key`` from ``tg.random``.
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from .. import random as _random
from ..lax import stop_gradient
from ..tensor import shape_of
from ..transforms import grad as _grad
from . import constraints
from .continuous import Normal, Uniform, _Univariate
from .discrete import OneHotCategorical, _early_check, _log_odds, _one_of
from .distribution import Distribution, broadcast_all, need_key
from .multivariate import Independent
from .transformed import TransformedDistribution
from .transforms import AffineTransform, PowerTransform
from .transforms_more import StickBreakingTransform

__all__ = ["ExponentialFamily", "ContinuousBernoulli", "FisherSnedecor", "Kumaraswamy",
           "GeneralizedPareto", "LogisticNormal", "OneHotCategoricalStraightThrough"]

_EULER = 0.57721566490153286061
_EPS = float(np.finfo(np.float64).eps)
_TINY = float(np.finfo(np.float64).tiny)


def _safe(cond, x, fill):
    """``x`` where ``cond`` holds and the harmless ``fill`` elsewhere (so that the branch a
    later ``where`` discards neither warns nor poisons the gradient)."""
    return _ops.where(cond, x, fill)


class ExponentialFamily(Distribution):
    """The base class of distributions with density exp(⟨t(x), θ⟩ − F(θ) + k(x)).

    A subclass gives its natural parameters θ (``_natural_params``, a tuple), the log
    normalizer F (``_log_normalizer(*θ)``) and the expected carrier measure E[k(X)]
    (``_mean_carrier_measure``); ``entropy`` is then PyTorch's Bregman form
    F(θ) − ⟨θ, ∇F(θ)⟩ − E[k(X)], with ∇F from ``tg.grad``. Unlike PyTorch's (which detaches
    θ), the result stays differentiable in the parameters."""

    @property
    def _natural_params(self) -> tuple:
        raise NotImplementedError(f"{type(self).__name__}: _natural_params is not implemented")

    def _log_normalizer(self, *natural_params):
        raise NotImplementedError(f"{type(self).__name__}: _log_normalizer is not implemented")

    @property
    def _mean_carrier_measure(self):
        raise NotImplementedError(f"{type(self).__name__}: _mean_carrier_measure is not "
                                  "implemented")

    def entropy(self):
        nat = tuple(self._natural_params)

        def total(*ps):
            return _ops.sum(self._log_normalizer(*ps))
        grads = _grad(total, argnums=tuple(range(len(nat))))(*nat)
        result = -self._mean_carrier_measure + self._log_normalizer(*nat)
        for p, g in zip(nat, grads):
            result = result - _ops.sum(_ops.reshape(p * g, self.batch_shape + (-1,)), axis=-1)
        return result


class ContinuousBernoulli(ExponentialFamily):
    """The continuous Bernoulli distribution on [0, 1]: density C(λ) λ^x (1 − λ)^(1−x) with
    λ = ``probs`` (or sigmoid(``logits``)), which is not a probability here. ``probs`` is
    clamped to [eps, 1 − eps]; for λ in (``lims[0]``, ``lims[1]``] the normalizer, mean,
    variance and cdf use PyTorch's Taylor expansions around λ = 1/2."""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        given = _one_of("ContinuousBernoulli", probs, logits)
        (v,), shape = broadcast_all(probs if given == "probs" else logits)
        _early_check(self, given, v, validate_args)
        if given == "probs":
            self.probs = _ops.clip(v, _EPS, 1.0 - _EPS)
            self.logits = _log_odds(self.probs)
        else:
            self.logits = v
            self.probs = _ops.clip(_ops.sigmoid(v), _EPS, 1.0 - _EPS)
        self._lims = (float(lims[0]), float(lims[1]))
        self._given = (given,)
        self._params = ("probs", "logits")
        super().__init__(shape, (), validate_args)

    @property
    def param_shape(self) -> tuple:
        return tuple(shape_of(self.probs))

    def _outside_unstable_region(self):
        return _ops.logical_or(self.probs <= self._lims[0], self.probs > self._lims[1])

    def _cut_probs(self):
        return _ops.where(self._outside_unstable_region(), self.probs, self._lims[0])

    def _cont_bern_log_norm(self):
        """log C(λ) = log(|log(1 − λ) − log λ| / |1 − 2λ|), a Taylor expansion near 1/2."""
        cut = self._cut_probs()
        below = _ops.where(cut <= 0.5, cut, 0.0)
        above = _ops.where(cut >= 0.5, cut, 1.0)
        log_norm = _ops.log(_ops.abs(_ops.log1p(-cut) - _ops.log(cut))) - _ops.where(
            cut <= 0.5, _ops.log1p(-2.0 * below), _ops.log(2.0 * above - 1.0))
        x = (self.probs - 0.5) ** 2
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return _ops.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self):
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / (_ops.log1p(-cut) - _ops.log(cut))
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x ** 2) * x
        return _ops.where(self._outside_unstable_region(), mus, taylor)

    @property
    def variance(self):
        cut = self._cut_probs()
        vs = cut * (cut - 1.0) / (1.0 - 2.0 * cut) ** 2 \
            + 1.0 / (_ops.log1p(-cut) - _ops.log(cut)) ** 2
        x = (self.probs - 0.5) ** 2
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return _ops.where(self._outside_unstable_region(), vs, taylor)

    @property
    def mode(self):
        raise NotImplementedError("ContinuousBernoulli: mode is not implemented (as in PyTorch)")

    def rsample(self, sample_shape=(), key=None):
        """``icdf`` of uniform draws (differentiable in the parameters)."""
        need_key(key, "ContinuousBernoulli.rsample")
        return self.icdf(_random.uniform(key, self._extended_shape(sample_shape)))

    def log_prob(self, value):
        self._validate_sample(value)
        lg = self.logits
        # −BCE-with-logits(logits, x) = x·logits − softplus(logits)
        return value * lg - _ops.logaddexp(0.0, lg) + self._cont_bern_log_norm()

    def cdf(self, value):
        self._validate_sample(value)
        cut = self._cut_probs()
        x = _ops.clip(value, 0.0, 1.0)
        cdfs = (cut ** x * (1.0 - cut) ** (1.0 - x) + cut - 1.0) / (2.0 * cut - 1.0)
        inner = _ops.where(self._outside_unstable_region(), cdfs, value)
        return _ops.where(value <= 0.0, 0.0, _ops.where(value >= 1.0, 1.0, inner))

    def icdf(self, value):
        cut = self._cut_probs()
        q = (_ops.log1p(-cut + value * (2.0 * cut - 1.0)) - _ops.log1p(-cut)) \
            / (_ops.log(cut) - _ops.log1p(-cut))
        return _ops.where(self._outside_unstable_region(), q, value)

    def entropy(self):
        log0, log1 = _ops.log1p(-self.probs), _ops.log(self.probs)
        return self.mean * (log0 - log1) - self._cont_bern_log_norm() - log0

    @property
    def _natural_params(self) -> tuple:
        return (self.logits,)

    def _log_normalizer(self, x):
        """F(η) = log((e^η − 1)/η) of the natural parameter η = logits (Taylor near 0)."""
        outside = _ops.logical_or(x <= self._lims[0] - 0.5, x > self._lims[1] - 0.5)
        cut = _ops.where(outside, x, self._lims[0] - 0.5)
        log_norm = _ops.log(_ops.abs(_ops.expm1(cut))) - _ops.log(_ops.abs(cut))
        taylor = 0.5 * x + x ** 2 / 24.0 - x ** 4 / 2880.0
        return _ops.where(outside, log_norm, taylor)


class FisherSnedecor(_Univariate):
    """The F distribution with ``df1`` and ``df2`` degrees of freedom: draws are the ratio
    (G₁/df1)/(G₂/df2) of Gamma(df/2, 1/2) draws, reparameterized through the gamma draws."""
    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args=None):
        super().__init__(validate_args, df1=df1, df2=df2)

    @property
    def mean(self):
        big = self.df2 > 2
        d2 = _safe(big, self.df2, 3.0)
        return _ops.where(big, d2 / (d2 - 2.0), np.nan)

    @property
    def mode(self):
        d1, d2 = self.df1, self.df2
        return _ops.where(d1 > 2, (d1 - 2.0) / d1 * d2 / (d2 + 2.0), np.nan)

    @property
    def variance(self):
        big = self.df2 > 4
        d1, d2 = self.df1, _safe(big, self.df2, 5.0)
        v = 2.0 * d2 ** 2 * (d1 + d2 - 2.0) / (d1 * (d2 - 2.0) ** 2 * (d2 - 4.0))
        return _ops.where(big, v, np.nan)

    def rsample(self, sample_shape=(), key=None):
        need_key(key, "FisherSnedecor.rsample")
        k1, k2 = _random.split(key)
        shape = self._extended_shape(sample_shape)
        x1 = _random.gamma(k1, self.df1 * 0.5, shape) / self.df1
        x2 = _ops.maximum(_random.gamma(k2, self.df2 * 0.5, shape) / self.df2, _TINY)
        return _ops.maximum(x1 / x2, _TINY)

    def log_prob(self, value):
        x = self._value(value)
        c1, c2 = self.df1 * 0.5, self.df2 * 0.5
        c3 = self.df1 / self.df2
        t1 = _ops.gammaln(c1 + c2) - _ops.gammaln(c1) - _ops.gammaln(c2)
        t2 = c1 * _ops.log(c3) + (c1 - 1.0) * _ops.log(x)
        t3 = (c1 + c2) * _ops.log1p(c3 * x)
        return t1 + t2 - t3


def _kumaraswamy_moment(a, b, n: int):
    """E[Xⁿ] = b·B(1 + n/a, b)."""
    arg = 1.0 + n / a
    return b * _ops.exp(_ops.gammaln(arg) + _ops.gammaln(b) - _ops.gammaln(arg + b))


class Kumaraswamy(TransformedDistribution):
    """The Kumaraswamy distribution on [0, 1]: density a·b·x^(a−1)(1 − x^a)^(b−1) with
    a = ``concentration1``, b = ``concentration0``; built, as PyTorch's, as
    (1 − U^(1/b))^(1/a) for U uniform on [0, 1)."""
    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        (self.concentration1, self.concentration0), _ = broadcast_all(concentration1,
                                                                      concentration0)
        c0 = self.concentration0
        base = Uniform(_ops.zeros_like(c0), _ops.ones_like(c0), validate_args=validate_args)
        transforms = [PowerTransform(1.0 / c0), AffineTransform(1.0, -1.0),
                      PowerTransform(1.0 / self.concentration1)]
        super().__init__(base, transforms, validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape)
        shape = new.batch_shape
        new.concentration1 = _ops.broadcast_to(self.concentration1, shape)
        new.concentration0 = _ops.broadcast_to(self.concentration0, shape)
        return new

    @property
    def mean(self):
        return _kumaraswamy_moment(self.concentration1, self.concentration0, 1)

    @property
    def mode(self):
        """((a − 1)/(ab − 1))^(1/a) for a, b ≥ 1 (not both 1), NaN otherwise. (PyTorch 2.13's
        formula evaluates log1p(−b), which is NaN for every b > 1.)"""
        a, b = self.concentration1, self.concentration0
        ok = _ops.logical_and(_ops.logical_and(a >= 1, b >= 1), a * b > 1)
        sa = _safe(ok, a, 2.0)
        sb = _safe(ok, b, 2.0)
        return _ops.where(ok, ((sa - 1.0) / (sa * sb - 1.0)) ** (1.0 / sa), np.nan)

    @property
    def variance(self):
        return _kumaraswamy_moment(self.concentration1, self.concentration0, 2) - self.mean ** 2

    def entropy(self):
        a, b = self.concentration1, self.concentration0
        t1, t0 = 1.0 - 1.0 / a, 1.0 - 1.0 / b
        h0 = _ops.digamma(b + 1.0) + _EULER
        return t0 + t1 * h0 - _ops.log(a) - _ops.log(b)


class GeneralizedPareto(_Univariate):
    """The generalized Pareto distribution with ``loc`` μ, ``scale`` σ and ``concentration``
    ξ: survival function (1 + ξ z)^(−1/ξ) of z = (x − μ)/σ (exp(−z) at ξ = 0), on x ≥ μ, and
    x ≤ μ − σ/ξ when ξ < 0. As PyTorch's, ξ within 1e-8 of 0 counts as 0 and ``log_prob``
    evaluates the formula without masking values outside the support."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive,
                       "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        super().__init__(validate_args, loc=loc, scale=scale, concentration=concentration)

    def _zero_conc(self):
        """(ξ ≈ 0, ξ with 1 in its place there)."""
        zero = _ops.abs(self.concentration) <= 1e-8
        return zero, _ops.where(zero, 1.0, self.concentration)

    @property
    def support(self):
        neg = self.concentration < 0
        upper = _ops.where(neg, self.loc - self.scale / _safe(neg, self.concentration, -1.0),
                           np.inf)
        return constraints.interval(self.loc, upper)

    def _z(self, x):
        return (x - self.loc) / self.scale

    @staticmethod
    def _log1p(a):
        """log1p(a), NaN below −1 and −inf at −1 without a warning."""
        ok = a > -1
        return _ops.where(ok, _ops.log1p(_safe(ok, a, 0.0)), _ops.where(a == -1, -np.inf, np.nan))

    def rsample(self, sample_shape=(), key=None):
        """``icdf`` of uniform draws (differentiable in the parameters)."""
        need_key(key, "GeneralizedPareto.rsample")
        return self.icdf(_random.uniform(key, self._extended_shape(sample_shape)))

    def log_prob(self, value):
        z = self._z(self._value(value))
        zero, c = self._zero_conc()
        y = 1.0 / c + 1.0
        nonzero = _ops.where(y == 0, 0.0, y * self._log1p(_ops.where(y == 0, 0.0, c * z)))
        return -_ops.log(self.scale) - _ops.where(zero, z, nonzero)

    def log_survival_function(self, value):
        z = self._z(self._value(value))
        zero, c = self._zero_conc()
        return _ops.where(zero, -z, -self._log1p(c * z) / c)

    def log_cdf(self, value):
        s = self.log_survival_function(value)
        return _ops.where(s < 0, _ops.log1p(-_ops.exp(_safe(s < 0, s, -1.0))), -np.inf)

    def cdf(self, value):
        return _ops.exp(self.log_cdf(value))

    def icdf(self, value):
        zero, c = self._zero_conc()
        logu = _ops.log1p(-value)
        nonzero = self.loc + self.scale / c * _ops.expm1(-c * logu)
        return _ops.where(zero, self.loc - self.scale * logu, nonzero)

    @property
    def mean(self):
        ok = self.concentration < 1
        c = _safe(ok, self.concentration, 0.5)
        return _ops.where(ok, self.loc + self.scale / (1.0 - c), np.nan)

    @property
    def variance(self):
        ok = self.concentration < 0.5
        c = _safe(ok, self.concentration, 0.25)
        return _ops.where(ok, self.scale ** 2 / ((1.0 - c) ** 2 * (1.0 - 2.0 * c)), np.nan)

    @property
    def mode(self):
        return self.loc

    def entropy(self):
        return _ops.broadcast_to(_ops.log(self.scale) + self.concentration + 1.0, self.batch_shape)


class LogisticNormal(TransformedDistribution):
    """Vectors on the simplex whose stick-breaking logits are normal: X with
    log(X_i / (1 − X_1 − … − X_i)) − log(K − i) ~ Normal(loc_i, scale_i) for i < K, i.e. a
    ``Normal(loc, scale)`` (its last batch axis as the event) pushed through
    :class:`StickBreakingTransform`, one entry longer than ``loc``. A scalar ``loc`` and
    ``scale`` give a distribution on the 2-simplex, as in PyTorch."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base = Normal(loc, scale, validate_args=validate_args)
        if not base.batch_shape:
            base = base.expand((1,))
        super().__init__(Independent(base, 1), StickBreakingTransform(), validate_args)

    loc = property(lambda self: self.base_dist.base_dist.loc)
    scale = property(lambda self: self.base_dist.base_dist.scale)


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """A :class:`OneHotCategorical` with the straight-through gradient estimator (Bengio et
    al., 2013): ``rsample`` returns the one-hot draw, whose gradient with respect to the
    parameters is taken to be that of ``probs``."""
    has_rsample = True

    def rsample(self, sample_shape=(), key=None):
        draws = self.sample(sample_shape, key=key)
        return draws + (self.probs - stop_gradient(self.probs))
