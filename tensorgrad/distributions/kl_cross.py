"""``kl_divergence`` between distributions of different families: the cross-family pairs that
PyTorch 2.13 registers (and OneHotCategorical with itself).

Each finite pair is written as KL(p ‖ q) = −H(p) + CE(p, q), the cross-entropy
CE(p, q) = −E_p[log q(X)] taken from the few moments of p that q's log-density needs (its mean,
variance, E[log X], ...). Where p puts mass outside q's support the divergence is +inf: always
for some pairs (``_infinite``, of the broadcast batch shape), for others only at some
parameters (a select; there the inputs of the finite formula are replaced by harmless values
so that its gradient, discarded by the select, is 0 rather than NaN)."""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from .continuous import Beta, Exponential, Gamma, Gumbel, Laplace, Normal, Pareto, Uniform
from .discrete import Bernoulli, Binomial, OneHotCategorical, Poisson
from .kl import _kl_categorical_categorical, register_kl

__all__: list = []

_EULER = 0.57721566490153286061
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _infinite(p, q):
    """+inf for every batch entry: p puts mass where q has none, whatever the parameters."""
    return np.full(np.broadcast_shapes(p.batch_shape, q.batch_shape), np.inf)


# ---- cross-entropies −E_p[log q(X)] of each family q, from moments of p

def _ce_normal(q, mean, var):
    """½ log(2πσ²) + E[(X − μ)²]/(2σ²), with E[(X − μ)²] = Var X + (E X − μ)²."""
    return _HALF_LOG_2PI + _ops.log(q.scale) + (var + (mean - q.loc) ** 2) / (2.0 * q.scale ** 2)


def _ce_exponential(q, mean):
    """−log λ + λ E[X]."""
    return -_ops.log(q.rate) + q.rate * mean


def _ce_gamma(q, mean, mean_log):
    """log Γ(a) − a log b − (a − 1) E[log X] + b E[X]."""
    a, b = q.concentration, q.rate
    return _ops.gammaln(a) - a * _ops.log(b) - (a - 1.0) * mean_log + b * mean


def _ce_gumbel(q, mean, tail):
    """log β + E[Z] + E[e^(−Z)] for Z = (X − μ)/β; ``tail`` is E[e^(−Z)]."""
    return _ops.log(q.scale) + (mean - q.loc) / q.scale + tail


def _ce_laplace(q, abs_dev):
    """log(2b) + E|X − μ|/b; ``abs_dev`` is E|X − μ|."""
    return _ops.log(2.0 * q.scale) + abs_dev / q.scale


def _ce_beta(q, mean_log, mean_log1m):
    """log B(α, β) − (α − 1) E[log X] − (β − 1) E[log(1 − X)]."""
    a, b = q.concentration1, q.concentration0
    return _ops.betaln(a, b) - (a - 1.0) * mean_log - (b - 1.0) * mean_log1m


def _ce_pareto(q, mean_log):
    """−log α − α log s + (α + 1) E[log X] (for X ≥ s)."""
    a = q.alpha
    return -_ops.log(a) - a * _ops.log(q.scale) + (a + 1.0) * mean_log


# ---- p = Bernoulli, Poisson (discrete)

@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p, q):
    """−H(p) − E_p[k log λ − λ − log k!] over k ∈ {0, 1}: −H(p) − π log λ + λ (inf where λ = 0
    and π > 0)."""
    return -p.entropy() - _ops.xlogy(p.probs, q.rate) + q.rate


def _kl_poisson_counts(p, q, n):
    """A Poisson p against a distribution q on {0, …, n}: infinite when the rate is positive
    (p reaches every count); at rate 0, p is the point mass at 0 and the divergence is
    −log q(0) = −n log(1 − π) = n·softplus(logits) (0 for n = 0, inf for π = 1 and n > 0).
    (PyTorch 2.13 returns inf at rate 0 too.)"""
    at_zero = _ops.where(n == 0, 0.0, _ops.where(q.probs == 1, np.inf,
                                                 n * _ops.softplus(q.logits)))
    return _ops.where(p.rate == 0, at_zero, np.inf)


@register_kl(Poisson, Bernoulli)
def _kl_poisson_bernoulli(p, q):
    return _kl_poisson_counts(p, q, 1.0)


@register_kl(Poisson, Binomial)
def _kl_poisson_binomial(p, q):
    return _kl_poisson_counts(p, q, q.total_count)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p, q)


# ---- p = Beta (on [0, 1])

def _beta_mean_log(p):
    """E[log X] = ψ(α) − ψ(α + β)."""
    return _ops.digamma(p.concentration1) - _ops.digamma(p.concentration1 + p.concentration0)


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p, q):
    return -p.entropy() + _ce_exponential(q, p.mean)


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    return -p.entropy() + _ce_gamma(q, p.mean, _beta_mean_log(p))


@register_kl(Beta, Normal)
def _kl_beta_normal(p, q):
    return -p.entropy() + _ce_normal(q, p.mean, p.variance)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p, q):
    """−H(p) + log(high − low); inf unless [0, 1] lies in [low, high]."""
    kl = -p.entropy() + _ops.log(q.high - q.low)
    return _ops.where(_ops.logical_or(q.low > 0, q.high < 1), np.inf, kl)


# ---- p = Exponential (on [0, ∞))

@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p, q):
    """E[log X] = −γ − log λ."""
    return -p.entropy() + _ce_gamma(q, 1.0 / p.rate, -_EULER - _ops.log(p.rate))


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p, q):
    """E[e^(−X/β)] = λ/(λ + 1/β) = exp(−log1p(1/(λβ)))."""
    tail = _ops.exp(q.loc / q.scale - _ops.log1p(1.0 / (p.rate * q.scale)))
    return -p.entropy() + _ce_gumbel(q, 1.0 / p.rate, tail)


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p, q):
    return -p.entropy() + _ce_normal(q, 1.0 / p.rate, p.rate ** -2)


# ---- p = Gamma (on (0, ∞))

@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p, q):
    return -p.entropy() + _ce_exponential(q, p.mean)


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p, q):
    """E[e^(−X/β)] = (1 + 1/(bβ))^(−a), the Laplace transform at 1/β."""
    tail = _ops.exp(q.loc / q.scale - p.concentration * _ops.log1p(1.0 / (p.rate * q.scale)))
    return -p.entropy() + _ce_gumbel(q, p.mean, tail)


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    return -p.entropy() + _ce_normal(q, p.mean, p.variance)


# ---- p = Gumbel, Laplace, Normal (on the real line)

@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p, q):
    return -p.entropy() + _ce_normal(q, p.mean, p.variance)


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p, q):
    return -p.entropy() + _ce_normal(q, p.loc, 2.0 * p.scale ** 2)


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p, q):
    """E[e^(−(X − μ_q)/β)] = exp((μ_q − μ_p)/β + σ²/(2β²)) (the normal's moment generating
    function)."""
    tail = _ops.exp((q.loc - p.loc) / q.scale + 0.5 * (p.scale / q.scale) ** 2)
    return -p.entropy() + _ce_gumbel(q, p.loc, tail)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p, q):
    """E|X − μ_q| for X ~ N(μ_p, σ²), d = μ_p − μ_q: σ √(2/π) e^(−d²/(2σ²)) + d erf(d/(σ√2))."""
    d = p.loc - q.loc
    z = d / p.scale
    abs_dev = (math.sqrt(2.0 / math.pi) * p.scale * _ops.exp(-0.5 * z ** 2)
               + d * _ops.erf(z / math.sqrt(2.0)))
    return -p.entropy() + _ce_laplace(q, abs_dev)


# ---- p = Pareto (on [s, ∞)): the moments E[X], E[X²] are infinite for α ≤ 1, α ≤ 2

def _pareto_mean(p, alpha):
    return alpha * p.scale / (alpha - 1.0)


def _pareto_mean_log(p, alpha):
    """E[log X] = log s + 1/α."""
    return _ops.log(p.scale) + 1.0 / alpha


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p, q):
    """inf for α ≤ 1 (infinite mean)."""
    bad = p.alpha <= 1
    a = _ops.where(bad, 2.0, p.alpha)
    kl = -p.entropy() + _ce_exponential(q, _pareto_mean(p, a))
    return _ops.where(bad, np.inf, kl)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p, q):
    """inf for α ≤ 1 (infinite mean)."""
    bad = p.alpha <= 1
    a = _ops.where(bad, 2.0, p.alpha)
    kl = -p.entropy() + _ce_gamma(q, _pareto_mean(p, a), _pareto_mean_log(p, a))
    return _ops.where(bad, np.inf, kl)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p, q):
    """inf for α ≤ 2 (infinite variance); Var X = α s²/((α − 1)²(α − 2))."""
    bad = p.alpha <= 2
    a = _ops.where(bad, 3.0, p.alpha)
    var = a * p.scale ** 2 / ((a - 1.0) ** 2 * (a - 2.0))
    kl = -p.entropy() + _ce_normal(q, _pareto_mean(p, a), var)
    return _ops.where(bad, np.inf, kl)


# ---- p = Uniform(low, high)

def _uniform_inside(p, bad, low=1.0, high=2.0):
    """p's (low, high), replaced by the given in-support values where ``bad``."""
    return _ops.where(bad, low, p.low), _ops.where(bad, high, p.high)


def _uniform_mean_log(lo, hi):
    """E[log X] = (h log h − l log l)/(h − l) − 1 for 0 ≤ l < h."""
    return (_ops.xlogy(hi, hi) - _ops.xlogy(lo, lo)) / (hi - lo) - 1.0


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p, q):
    """E[log(1 − X)] is E[log Y] of Y = 1 − X ~ Uniform(1 − h, 1 − l); inf unless
    [low, high] ⊆ [0, 1]."""
    bad = _ops.logical_or(p.low < 0, p.high > 1)
    lo, hi = _uniform_inside(p, bad, 0.25, 0.75)
    ce = _ce_beta(q, _uniform_mean_log(lo, hi), _uniform_mean_log(1.0 - hi, 1.0 - lo))
    return _ops.where(bad, np.inf, ce - _ops.log(hi - lo))


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p, q):
    """inf where low < 0."""
    bad = p.low < 0
    lo, hi = _uniform_inside(p, bad)
    kl = -_ops.log(hi - lo) + _ce_exponential(q, 0.5 * (lo + hi))
    return _ops.where(bad, np.inf, kl)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p, q):
    """inf where low < 0."""
    bad = p.low < 0
    lo, hi = _uniform_inside(p, bad)
    kl = -_ops.log(hi - lo) + _ce_gamma(q, 0.5 * (lo + hi), _uniform_mean_log(lo, hi))
    return _ops.where(bad, np.inf, kl)


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p, q):
    """E[e^(−Z)] = β/(h − l)·(e^(−(l − μ)/β) − e^(−(h − μ)/β))
    = β/(h − l)·e^(−(l − μ)/β)·(−expm1(−(h − l)/β))."""
    width = p.high - p.low
    tail = (q.scale / width * _ops.exp((q.loc - p.low) / q.scale)
            * -_ops.expm1(-width / q.scale))
    return -_ops.log(width) + _ce_gumbel(q, p.mean, tail)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    return -_ops.log(p.high - p.low) + _ce_normal(q, p.mean, p.variance)


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p, q):
    """inf where low < the Pareto's scale."""
    bad = p.low < q.scale
    lo, hi = _uniform_inside(p, bad)
    kl = -_ops.log(hi - lo) + _ce_pareto(q, _uniform_mean_log(lo, hi))
    return _ops.where(bad, np.inf, kl)


# ---- pairs where p's support always leaves q's

@register_kl(Beta, Pareto)
@register_kl(Exponential, Beta)
@register_kl(Exponential, Pareto)
@register_kl(Exponential, Uniform)
@register_kl(Gamma, Beta)
@register_kl(Gamma, Pareto)
@register_kl(Gamma, Uniform)
@register_kl(Gumbel, Beta)
@register_kl(Gumbel, Exponential)
@register_kl(Gumbel, Gamma)
@register_kl(Gumbel, Pareto)
@register_kl(Gumbel, Uniform)
@register_kl(Laplace, Beta)
@register_kl(Laplace, Exponential)
@register_kl(Laplace, Gamma)
@register_kl(Laplace, Pareto)
@register_kl(Laplace, Uniform)
@register_kl(Normal, Beta)
@register_kl(Normal, Exponential)
@register_kl(Normal, Gamma)
@register_kl(Normal, Pareto)
@register_kl(Normal, Uniform)
@register_kl(Pareto, Beta)
@register_kl(Pareto, Uniform)
def _kl_cross_infinity(p, q):
    """Beta ⊄ Pareto's [s, ∞) (s > 0); unbounded supports ⊄ bounded ones; the real line ⊄
    [0, ∞); [s, ∞) ⊄ [0, 1]."""
    return _infinite(p, q)
