"""More of ``torch.distributions`` on tensorgrad: the continuous Bernoulli, Fisher–Snedecor,
Kumaraswamy, generalized Pareto and logistic-normal distributions, the straight-through
one-hot categorical, and the ``ExponentialFamily`` base class.

They follow PyTorch's constructors, parameterizations and formulas (the continuous Bernoulli
is computed from its natural parameter, with series near probs = 1/2 that keep derivatives
accurate there). Every density, moment and
reparameterized draw is a composition of tensorgrad ops, so ``tg.grad`` differentiates them
with respect to parameters and values; draws take an explicit ``key`` from ``tg.random``.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .. import ops as _ops
from .. import random as _random
from ..lax import stop_gradient
from ..tensor import concrete, dtype_of, shape_of
from ..transforms import grad as _grad
from . import constraints
from .continuous import Normal, Uniform, _Univariate
from .discrete import OneHotCategorical, _early_check, _one_of
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


def _even_bernoulli(n_max: int) -> list:
    """B₂, B₄, ..., B_(2 n_max) as exact fractions (from Σₖ₌₀..ₘ C(m+1, k) Bₖ = 0)."""
    b = [Fraction(1)]
    for m in range(1, 2 * n_max + 1):
        b.append(-sum(math.comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    return [b[2 * n] for n in range(1, n_max + 1)]


#: The continuous Bernoulli is the exponential family with natural parameter η = logit(λ) and
#: log normalizer F(η) = log((e^η − 1)/η) = η/2 + Σₙ cₙ η²ⁿ, cₙ = B₂ₙ/(2n (2n)!) (the series
#: of log(sinh(η/2)/(η/2)), radius 2π). The closed forms of F', F'' (mean, variance), of the
#: entropy and of the cdf subtract terms of size 1/|η|ᵏ to get O(1) results, so their k-th
#: derivative loses about ε·k!/|η|^(k+2) relative to the result (up to 720ε/η⁴ for the second
#: derivative of the variance, which needs F''''); the series is used for |η| < 1, where that
#: bound would exceed ~1e-13. There |cₙ| ≈ 1/(n (2π)²ⁿ), so truncating after n = 12 leaves a
#: relative error below 1e-14 in F'''' (and less in F, F', F'', the entropy and the cdf).
_CB_WINDOW = 1.0
_CB_C = [float(bn / (2 * n * math.factorial(2 * n)))
         for n, bn in enumerate(_even_bernoulli(12), start=1)]


def _poly(u, coeffs):
    """Σᵢ coeffs[i]·uⁱ (Horner)."""
    out = coeffs[-1] + 0.0 * u
    for c in reversed(coeffs[:-1]):
        out = out * u + c
    return out


def _cb_series(eta):
    """F(η) − η/2, F'(η), F''(η) and the entropy F − ηF' from the series (for |η| < 1)."""
    u = eta * eta
    n = range(1, len(_CB_C) + 1)
    f = u * _poly(u, _CB_C)
    f1 = 0.5 + eta * _poly(u, [2 * k * c for k, c in zip(n, _CB_C)])
    f2 = _poly(u, [2 * k * (2 * k - 1) * c for k, c in zip(n, _CB_C)])
    h = u * _poly(u, [(1 - 2 * k) * c for k, c in zip(n, _CB_C)])
    return f, f1, f2, h


def _cb_parts(eta):
    """``inside`` (|η| < 1), the safe |η| outside, e^(−|η|) and 1 − e^(−|η|) (for the closed
    forms, whose window entries are replaced)."""
    inside = _ops.abs(eta) < _CB_WINDOW
    a = _ops.abs(_safe(_ops.logical_not(inside), eta, 2.0))
    return inside, a, _ops.exp(-a), -_ops.expm1(-a)


def _cb_log_norm(eta):
    """F(η) = log((e^η − 1)/η), without overflow (max(η, 0) + log((1 − e^(−|η|))/|η|))."""
    inside, a, _, q = _cb_parts(eta)
    s = _safe(inside, eta, 0.0)
    return _ops.where(inside, 0.5 * s + _cb_series(s)[0],
                      _ops.where(eta > 0, eta, 0.0) + _ops.log(q / a))


def _cb_logit(p):
    """log(p/(1 − p)) = 2 atanh(y), y = 2p − 1 (exact for p ≥ 1/4): with relative accuracy
    near p = 1/2 in the value and its first two derivatives (for |y| < 0.1 the atanh series to
    y¹⁵, truncation < 1e-16, since the atanh rule's 1/((1 − y)(1 + y)) loses ε/|y| in its own
    derivative); log p − log1p(−p) for |y| ≥ 1/2."""
    y = 2.0 * p - 1.0
    small, mid = _ops.abs(y) < 0.1, _ops.abs(y) < 0.5
    ys = _safe(small, y, 0.0)
    ym = _safe(mid, y, 0.0)
    po = _safe(_ops.logical_not(mid), p, 0.1)
    return _ops.where(small, 2.0 * ys * _poly(ys * ys, [1.0 / (2 * k + 1) for k in range(8)]),
                      _ops.where(mid, 2.0 * _ops.arctanh(ym), _ops.log(po) - _ops.log1p(-po)))


def _cb_cdf(x, eta):
    """(e^(ηx) − 1)/(e^η − 1) for x in [0, 1]: x·exp(F(ηx) − F(η)) for |η| < 1, else without
    overflow in e^(±η)."""
    inside = _ops.abs(eta) < _CB_WINDOW
    s = _safe(inside, eta, 0.0)
    near = x * _ops.exp(0.5 * (x - 1.0) * s + _cb_series(x * s)[0] - _cb_series(s)[0])
    pos = eta > 0
    op = _safe(_ops.logical_and(pos, _ops.logical_not(inside)), eta, 2.0)
    on = _safe(_ops.logical_not(_ops.logical_or(pos, inside)), eta, -2.0)
    far = _ops.where(pos, _ops.exp(op * (x - 1.0)) * _ops.expm1(-op * x) / _ops.expm1(-op),
                     _ops.expm1(on * x) / _ops.expm1(on))
    return _ops.where(inside, near, far)


def _cb_icdf(u, eta):
    """log1p(u (e^η − 1))/η for u in [0, 1]: from w = η·icdf(u) = log(1 − u + u e^η) (with no
    overflow and no cancellation), w/η for |η| ≥ 1, u·exp(F(η) − F(w)) below."""
    inside = _ops.abs(eta) < _CB_WINDOW
    pos, huge = eta > 0, eta > 700.0
    en = _ops.where(pos, -1.0, eta)
    s = u * _ops.expm1(en)
    mid = s > -0.5
    w_neg = _ops.where(mid, _ops.log1p(_ops.where(mid, s, 0.0)),
                       _ops.log(_ops.where(mid, 1.0, (1.0 - u) + u * _ops.exp(en))))
    ep = _ops.where(pos, eta, 1.0)
    w_pos = _ops.where(huge, ep + _ops.log(u + (1.0 - u) * _ops.exp(-ep)),
                       _ops.log1p(u * _ops.expm1(_ops.where(huge, 1.0, ep))))
    w = _ops.where(pos, w_pos, w_neg)
    s_in, w_in = _safe(inside, eta, 0.0), _safe(inside, w, 0.0)
    near = u * _ops.exp(0.5 * (s_in - w_in) + _cb_series(s_in)[0] - _cb_series(w_in)[0])
    outside = _ops.logical_not(inside)
    return _ops.where(inside, near, _safe(outside, w, 2.0) / _safe(outside, eta, 2.0))


def _mirrored(fn, x, eta, hi):
    """``fn(x, η)``, from 1 − fn(1 − x, −η) (the distribution mirrored) where ``hi``: for the
    cdf above the median and the icdf above 1/2, so that the small one of the cdf and the
    survival function is computed directly, which keeps the relative accuracy of the result
    and of its derivatives near both ends."""
    g = fn(_ops.where(hi, 1.0 - x, x), _ops.where(hi, -eta, eta))
    return _ops.where(hi, 1.0 - g, g)


class ContinuousBernoulli(ExponentialFamily):
    """The continuous Bernoulli distribution on [0, 1]: density C(λ) λ^x (1 − λ)^(1−x) with
    λ = ``probs`` (or sigmoid(``logits``)), which is not a probability here. ``probs`` is
    clamped to [eps, 1 − eps] (as PyTorch). Everything is computed from the natural parameter
    η = logit(λ), near η = 0 (λ = 1/2) from series chosen for full accuracy of the values and
    of their first and second derivatives; ``lims`` (PyTorch's Taylor window) is accepted and
    not needed. With ``logits`` beyond ±36 the exact values are used (PyTorch's follow the
    clamped ``probs`` in part)."""
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
            self.logits = _cb_logit(self.probs)
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

    def _cont_bern_log_norm(self):
        """log C(λ) = softplus(η) − F(η)."""
        eta = self.logits
        inside, a, e, q = _cb_parts(eta)
        s = _safe(inside, eta, 0.0)
        return _ops.where(inside, _ops.logaddexp(0.0, s) - 0.5 * s - _cb_series(s)[0],
                          _ops.log1p(e) - _ops.log(q / a))

    def _moment(self, which: int):
        eta = self.logits
        inside, a, e, q = _cb_parts(eta)
        if which == 1:
            outside = _ops.where(eta > 0, 1.0 / q - 1.0 / a, 1.0 / a - e / q)
        else:
            outside = 1.0 / (a * a) - e / (q * q)
        return _ops.where(inside, _cb_series(_safe(inside, eta, 0.0))[which], outside)

    mean = property(lambda self: self._moment(1), doc="F'(η) = 1/(1 − e^(−η)) − 1/η.")
    variance = property(lambda self: self._moment(2), doc="F''(η) = 1/η² − e^η/(e^η − 1)².")

    @property
    def mode(self):
        raise NotImplementedError("ContinuousBernoulli: mode is not implemented (as in PyTorch)")

    def rsample(self, sample_shape=(), key=None):
        """``icdf`` of uniform draws (differentiable in the parameters)."""
        key = need_key(key, "ContinuousBernoulli.rsample")
        return self.icdf(_random.uniform(key, self._extended_shape(sample_shape)))

    def log_prob(self, value):
        """x·η − F(η)."""
        self._validate_sample(value)
        eta = self.logits
        inside, a, _, q = _cb_parts(eta)
        s = _safe(inside, eta, 0.0)
        return _ops.where(inside, (value - 0.5) * s - _cb_series(s)[0],
                          _ops.where(eta > 0, (value - 1.0) * eta, value * eta) - _ops.log(q / a))

    def cdf(self, value):
        """(e^(ηx) − 1)/(e^η − 1), 0 below 0 and 1 above 1."""
        self._validate_sample(value)
        eta = self.logits
        # the median log((1 + e^η)/2)/η (1/2 + η/8 near η = 0) only picks the formula
        e = _ops.where(_ops.abs(eta) < 1e-3, 1.0, eta)
        med = _ops.where(_ops.abs(eta) < 1e-3, 0.5 + eta / 8.0,
                         (_ops.logaddexp(0.0, e) - math.log(2.0)) / e)
        x = _ops.clip(value, 0.0, 1.0)
        return _mirrored(_cb_cdf, x, eta, x > stop_gradient(med))

    def icdf(self, value):
        """log1p(u (e^η − 1))/η, the root of cdf(x) = u."""
        return _mirrored(_cb_icdf, value, self.logits, value > 0.5)

    def entropy(self):
        """F(η) − η F'(η) = 1 + log((1 − e^(−|η|))/|η|) − |η| e^(−|η|)/(1 − e^(−|η|))."""
        eta = self.logits
        inside, a, e, q = _cb_parts(eta)
        return _ops.where(inside, _cb_series(_safe(inside, eta, 0.0))[3],
                          1.0 + _ops.log(q / a) - a * e / q)

    @property
    def _natural_params(self) -> tuple:
        return (self.logits,)

    def _log_normalizer(self, x):
        """F(η) = log((e^η − 1)/η) of the natural parameter η = logits."""
        return _cb_log_norm(x)


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
        key = need_key(key, "FisherSnedecor.rsample")
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
        # (the base is not validated: values are checked against this support instead)
        base = Uniform(_ops.zeros_like(c0), _ops.ones_like(c0), validate_args=False)
        one = np.asarray(1.0, dtype_of(concrete(c0)))  # (in the parameters' precision)
        transforms = [PowerTransform(1.0 / c0), AffineTransform(one, -one),
                      PowerTransform(1.0 / self.concentration1)]
        super().__init__(base, transforms, validate_args)

    def log_prob(self, value):
        """log(ab) + (a − 1) log x + (b − 1) log(1 − x^a), with 1 − x^a = −expm1(a log x) (no
        cancellation near 1). At x = 0 and x = 1 it is the density's limit: finite when a = 1
        (at 0) or b = 1 (at 1), else −inf or +inf as a, b exceed or fall below 1."""
        self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        pos = value > 0
        one_minus = _ops.where(pos, -_ops.expm1(a * _ops.log(_safe(pos, value, 0.5))), 1.0)
        return _ops.log(a) + _ops.log(b) + _ops.xlogy(a - 1.0, value) \
            + _ops.xlogy(b - 1.0, one_minus)

    def cdf(self, value):
        self._validate_sample(value)
        return super().cdf(value)

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
    x ≤ μ − σ/ξ when ξ < 0. For ξ within 1e-8 of 0 the formulas are their series to ξ²
    (PyTorch takes the limit ξ = 0 there, whose slope in ξ is 0); as PyTorch's, ``log_prob``
    evaluates the formula without masking values outside the support."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive,
                       "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        super().__init__(validate_args, loc=loc, scale=scale, concentration=concentration)

    def _zero_conc(self):
        """(ξ ≈ 0, ξ with 1 in its place there, ξ with 0 elsewhere). Near 0 the formulas are
        their series to ξ² (not the limit ξ = 0, whose derivative in ξ would be 0)."""
        zero = _ops.abs(self.concentration) <= 1e-8
        return zero, _ops.where(zero, 1.0, self.concentration), _safe(zero, self.concentration, 0.0)

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
        key = need_key(key, "GeneralizedPareto.rsample")
        return self.icdf(_random.uniform(key, self._extended_shape(sample_shape)))

    def log_prob(self, value):
        z = self._z(self._value(value))
        zero, c, k = self._zero_conc()
        y = 1.0 / c + 1.0
        nonzero = _ops.where(y == 0, 0.0, y * self._log1p(_ops.where(y == 0, 0.0, c * z)))
        w = _safe(zero, z, 0.0)  # (1 + 1/ξ)·log1p(ξz) = z + ξ(z − z²/2) + ξ²(z³/3 − z²/2) + …
        near = w + k * (w - w * w / 2) + k * k * (w * w * w / 3 - w * w / 2)
        return -_ops.log(self.scale) - _ops.where(zero, near, nonzero)

    def log_survival_function(self, value):
        z = self._z(self._value(value))
        zero, c, k = self._zero_conc()
        cz = c * z  # (ξ < 0: at and past the upper end μ − σ/ξ nothing survives, where rounding
        # may put 1 + ξz just below 0: −inf there, not NaN, so the cdf is 1, its slope 0)
        past = (c < 0) & (cz <= -1)
        inside = -self._log1p(_ops.where(past, 0.0, cz)) / c
        w = _safe(zero, z, 0.0)  # −log1p(ξz)/ξ = −z + ξz²/2 − ξ²z³/3 + …
        near = -w + k * w * w / 2 - k * k * w * w * w / 3
        return _ops.where(zero, near, _ops.where(past, -np.inf, inside))

    def log_cdf(self, value):
        s = self.log_survival_function(value)
        return _ops.where(s < 0, _ops.log1p(-_ops.exp(_safe(s < 0, s, -1.0))), -np.inf)

    def cdf(self, value):
        return _ops.exp(self.log_cdf(value))

    def icdf(self, value):
        zero, c, k = self._zero_conc()
        logu = _ops.log1p(-value)
        nonzero = self.loc + self.scale / c * _ops.expm1(-c * logu)
        L = _safe(zero, -logu, 0.0)  # expm1(ξL)/ξ = L + ξL²/2 + ξ²L³/6 + …
        return _ops.where(zero, self.loc + self.scale * (L + k * L * L / 2 + k * k * L * L * L / 6),
                          nonzero)

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
