"""``kl_divergence(p, q)``: the Kullback–Leibler divergence KL(p ‖ q) = E_p[log p − log q]
in closed form, looked up in a registry keyed by the two distributions' classes
(``register_kl`` adds entries; the most specific registered pair of base classes wins, as in
PyTorch)."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from ..tensor import concrete, shape_of
from ..transforms import grad as _grad
from .continuous import (Beta, Cauchy, Exponential, Gamma, Gumbel, HalfCauchy, HalfNormal, Laplace,
                         LogNormal, Normal, Pareto, Uniform, Weibull)
from .continuous_more import ContinuousBernoulli, ExponentialFamily
from .discrete import Bernoulli, Binomial, Categorical, Geometric, Poisson
from .distribution import Distribution
from .multivariate import (Dirichlet, Independent, LowRankMultivariateNormal, MultivariateNormal,
                           _batched_solve, _log_diag_sum)
from .transformed import TransformedDistribution

__all__ = ["kl_divergence", "register_kl"]

_EULER = 0.57721566490153286061

#: (type_p, type_q) -> fn, process-wide like the op registry (registering is configuration)
_KL_REGISTRY: dict = {}


def register_kl(type_p, type_q):
    """Decorator registering ``fn(p, q)`` as KL(p ‖ q) for instances of ``type_p`` and
    ``type_q`` (and their subclasses, unless a more specific pair is registered)."""
    for t, name in ((type_p, "type_p"), (type_q, "type_q")):
        if not (isinstance(t, type) and issubclass(t, Distribution)):
            raise TypeError(f"register_kl: {name} must be a subclass of Distribution, got {t!r}")

    def decorator(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        return fn
    return decorator


def _lookup(tp, tq):
    best, rank = None, None
    for (sp, sq), fn in list(_KL_REGISTRY.items()):  # (a snapshot: another thread may register)
        if issubclass(tp, sp) and issubclass(tq, sq):
            r = (tp.__mro__.index(sp) + tq.__mro__.index(sq), tp.__mro__.index(sp))
            if rank is None or r < rank:
                best, rank = fn, r
    return best


def kl_divergence(p: Distribution, q: Distribution):
    """KL(p ‖ q), one value per batch entry (the batch shapes broadcast)."""
    fn = _lookup(type(p), type(q))
    if fn is None:
        raise NotImplementedError(f"kl_divergence: no closed form registered for the pair "
                                  f"({type(p).__name__}, {type(q).__name__}); add one with "
                                  f"tg.distributions.register_kl")
    try:
        np.broadcast_shapes(tuple(p.batch_shape), tuple(q.batch_shape))
    except ValueError:
        raise ValueError(f"kl_divergence: the batch shapes of p ({type(p).__name__}, "
                         f"{tuple(p.batch_shape)}) and q ({type(q).__name__}, "
                         f"{tuple(q.batch_shape)}) do not broadcast") from None
    return fn(p, q)


def _finite(x):
    return _ops.where(_ops.isfinite(x), x, 0.0)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    ratio = (p.scale / q.scale) ** 2
    shift = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (ratio + shift - 1 - _ops.log(ratio))


@register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p, q):
    """That of the normals of log X (the map x ↦ log x is shared)."""
    return _kl_normal_normal(p, q)


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    """That of N(0, σ_p²) and N(0, σ_q²) (both symmetric about 0): (r − 1 − log r)/2, r = σ_p²/σ_q²."""
    ratio = (p.scale / q.scale) ** 2
    return 0.5 * (ratio - 1 - _ops.log(ratio))


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    """log(((γ_p + γ_q)² + (x_p − x_q)²)/(4 γ_p γ_q))."""
    return _ops.log(((p.scale + q.scale) ** 2 + (p.loc - q.loc) ** 2) / (4.0 * p.scale * q.scale))


@register_kl(HalfCauchy, HalfCauchy)
def _kl_halfcauchy_halfcauchy(p, q):
    """That of the Cauchy distributions centred at 0: log((γ_p + γ_q)²/(4 γ_p γ_q))."""
    return _ops.log((p.scale + q.scale) ** 2 / (4.0 * p.scale * q.scale))


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    """log(β_q/β_p) + (μ_p − μ_q)/β_q + γ(r − 1) + e^((μ_q − μ_p)/β_q) Γ(1 + r) − 1, r = β_p/β_q."""
    r = p.scale / q.scale
    return (-_ops.log(r) + (p.loc - q.loc) / q.scale + _EULER * (r - 1.0)
            + _ops.exp((q.loc - p.loc) / q.scale + _ops.gammaln(1.0 + r)) - 1.0)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    """α_q log(s_p/s_q) − log(α_q/α_p) + α_q/α_p − 1; inf when p's support starts below q's."""
    ratio = q.alpha / p.alpha
    kl = q.alpha * _ops.log(p.scale / q.scale) - _ops.log(ratio) + ratio - 1.0
    return _ops.where(p.scale < q.scale, np.inf, kl)


@register_kl(Weibull, Weibull)
def _kl_weibull_weibull(p, q):
    """log(k_p/k_q) + k_q log(λ_q/λ_p) − γ(1 − k_q/k_p) + (λ_p/λ_q)^(k_q) Γ(1 + k_q/k_p) − 1."""
    kp, kq, lp, lq = p.concentration, q.concentration, p.scale, q.scale
    r = kq / kp
    return (_ops.log(kp / kq) + kq * _ops.log(lq / lp) - _EULER * (1.0 - r)
            + _ops.exp(kq * _ops.log(lp / lq) + _ops.gammaln(1.0 + r)) - 1.0)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    """−H(p) − E_p[log q(K)], with E_p[K] = (1 − p)/p, log(1 − q) = −softplus(logits_q) and
    log q = −softplus(−logits_q)."""
    return -p.entropy() + p.mean * _ops.softplus(q.logits) + _ops.softplus(-q.logits)


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    """n·KL(Bernoulli(p) ‖ Bernoulli(q)) for equal ``total_count`` n; inf where p's count
    exceeds q's (outside q's support). A smaller count than q's has no closed form: it raises
    (NaN under ``tg.jit``, which cannot check)."""
    n_p, n_q = p.total_count, q.total_count
    c = np.asarray(concrete(n_p < n_q))
    if c.dtype == bool and np.any(c):
        raise NotImplementedError("kl_divergence(Binomial, Binomial): no closed form when p's "
                                  "total_count is smaller than q's")
    kl = _ops.where(n_p == 0, 0.0, n_p * _kl_bernoulli_bernoulli(p, q))
    return _ops.where(n_p > n_q, np.inf, _ops.where(n_p < n_q, np.nan, kl))


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    # p·(log p − log q) + (1 − p)·(log(1 − p) − log(1 − q)), with log p = −softplus(−logits)
    # (infinite logits, probabilities 0 or 1, are replaced by 0 and their terms set below)
    lp, lq = _finite(p.logits), _finite(q.logits)
    t1 = p.probs * (_ops.softplus(-lq) - _ops.softplus(-lp))
    t2 = (1 - p.probs) * (_ops.softplus(lq) - _ops.softplus(lp))
    t1 = _ops.where(p.probs == 0, 0.0, _ops.where(q.probs == 0, np.inf, t1))
    t2 = _ops.where(p.probs == 1, 0.0, _ops.where(q.probs == 1, np.inf, t2))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (_finite(p.logits) - _finite(q.logits))
    t = _ops.where(p.probs == 0, 0.0, _ops.where(q.probs == 0, np.inf, t))
    return _ops.sum(t, axis=-1)


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    a1, b1, a2, b2 = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    return (_ops.betaln(a2, b2) - _ops.betaln(a1, b1) + (a1 - a2) * _ops.digamma(a1)
            + (b1 - b2) * _ops.digamma(b1) + (a2 - a1 + b2 - b1) * _ops.digamma(a1 + b1))


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    ap, bp, aq, bq = p.concentration, p.rate, q.concentration, q.rate
    return ((ap - aq) * _ops.digamma(ap) - _ops.gammaln(ap) + _ops.gammaln(aq)
            + aq * (_ops.log(bp) - _ops.log(bq)) + ap * (bq - bp) / bp)


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    a, b = p.concentration, q.concentration
    a0 = _ops.sum(a, axis=-1)
    return (_ops.gammaln(a0) - _ops.gammaln(_ops.sum(b, axis=-1))
            - _ops.sum(_ops.gammaln(a), axis=-1) + _ops.sum(_ops.gammaln(b), axis=-1)
            + _ops.sum((a - b) * (_ops.digamma(a) - _ops.expand_dims(_ops.digamma(a0), -1)),
                       axis=-1))


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError(f"kl_divergence: MultivariateNormal event shapes differ: "
                         f"{p.event_shape} and {q.event_shape}")
    k = p.event_shape[0]
    lp, lq = p.scale_tril, q.scale_tril
    batch = np.broadcast_shapes(tuple(lp.shape[:-2]), tuple(lq.shape[:-2]))
    lp_b = _ops.broadcast_to(lp, batch + (k, k))
    lq_b = _ops.broadcast_to(lq, batch + (k, k))
    # tr(Σq⁻¹Σp) = ‖Lq⁻¹Lp‖²_F, solved one column of Lp at a time (as a batch of vectors)
    cols = _batched_solve(_ops.expand_dims(lq_b, -3), _ops.swapaxes(lp_b, -1, -2))
    trace = _ops.sum(cols ** 2, axis=(-1, -2))
    maha = _ops.sum(_batched_solve(lq, q.loc - p.loc) ** 2, axis=-1)
    return 0.5 * (trace + maha - k) + _log_diag_sum(lq) - _log_diag_sum(lp)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    r = q.rate / p.rate
    return r - 1 - _ops.log(r)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    ratio = p.scale / q.scale
    d = _ops.abs(p.loc - q.loc)
    return -_ops.log(ratio) + d / q.scale + ratio * _ops.exp(-d / p.scale) - 1


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    kl = _ops.log((q.high - q.low) / (p.high - p.low))
    outside = _ops.logical_or(q.low > p.low, q.high < p.high)
    return _ops.where(outside, np.inf, kl)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return _ops.xlogy(p.rate, p.rate) - _ops.xlogy(p.rate, q.rate) - (p.rate - q.rate)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            "kl_divergence: Independent distributions with different reinterpreted_batch_ndims "
            f"({p.reinterpreted_batch_ndims} and {q.reinterpreted_batch_ndims})")
    return p._sum(kl_divergence(p.base_dist, q.base_dist))


def _as_full(d):
    """A low-rank normal as the MultivariateNormal with its full covariance."""
    if isinstance(d, LowRankMultivariateNormal):
        return MultivariateNormal(d.loc, covariance_matrix=d.covariance_matrix, validate_args=False)
    return d


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
@register_kl(LowRankMultivariateNormal, MultivariateNormal)
@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank(p, q):
    return _kl_mvn_mvn(_as_full(p), _as_full(q))


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed(p, q):
    """The KL of the bases: one bijection applied to both leaves the divergence unchanged."""
    if p.transforms != q.transforms:
        raise NotImplementedError("kl_divergence: TransformedDistributions with different "
                                  "transforms have no closed form here")
    if p.event_shape != q.event_shape:
        raise NotImplementedError(f"kl_divergence: TransformedDistribution event shapes differ: "
                                  f"{p.event_shape} and {q.event_shape}")
    extra = len(p.event_shape) - len(p.base_dist.event_shape)
    kl = kl_divergence(p.base_dist, q.base_dist)
    return _ops.sum(kl, axis=tuple(range(-extra, 0))) if extra > 0 else kl


# ---- the exponential families and the continuous Bernoulli (as registered by PyTorch 2.13)

@register_kl(ExponentialFamily, ExponentialFamily)
def _kl_expfamily_expfamily(p, q):
    """The Bregman divergence of the log normalizer F between the natural parameters:
    F(θq) − F(θp) − ⟨θq − θp, ∇F(θp)⟩, summed over each parameter's event axes (∇F from
    ``tg.grad``; it stays differentiable in p's parameters, which PyTorch detaches)."""
    if type(p) is not type(q):
        raise NotImplementedError("kl_divergence: the KL divergence between different "
                                  "exponential families cannot be computed as a Bregman "
                                  f"divergence ({type(p).__name__}, {type(q).__name__})")
    nat_p, nat_q = tuple(p._natural_params), tuple(q._natural_params)

    def total(*ps):
        return _ops.sum(p._log_normalizer(*ps))
    grads = _grad(total, argnums=tuple(range(len(nat_p))))(*nat_p)
    result = q._log_normalizer(*nat_q) - p._log_normalizer(*nat_p)
    batch = tuple(np.broadcast_shapes(p.batch_shape, q.batch_shape))
    for tp, tq, g in zip(nat_p, nat_q, grads):
        term = (tq - tp) * g
        shape = tuple(shape_of(term))
        extra = len(shape) - len(batch)
        result = result - (_ops.sum(term, axis=tuple(range(-extra, 0))) if extra > 0 else term)
    return result


def _cb_cross(p_mean, q):
    """E_p[log q(X)] of a continuous Bernoulli q under a distribution p on [0, 1] with mean
    ``p_mean``: E[X]·η − F(η) (η = logits, F the log normalizer)."""
    return p_mean * q.logits - q._log_normalizer(q.logits)


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    return p.mean * (p.logits - q.logits) - p._log_normalizer(p.logits) \
        + q._log_normalizer(q.logits)


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p, q):
    return -p.entropy() - _cb_cross(p.mean, q)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p, q):
    """Infinite when the uniform's interval leaves [0, 1]. (PyTorch 2.13 also returns inf when
    it touches 0 or 1, e.g. for Uniform(0, 1); the divergence is finite there.)"""
    kl = -p.entropy() - _cb_cross(p.mean, q)
    return _ops.where(_ops.logical_or(p.low < 0, p.high > 1), np.inf, kl)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p, q):
    return -p.entropy() - _ops.log(q.rate) + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p, q):
    t2 = 0.5 * (np.log(2.0 * np.pi) + (q.loc / q.scale) ** 2) + _ops.log(q.scale)
    t3 = (p.variance + p.mean ** 2 - 2.0 * q.loc * p.mean) / (2.0 * q.scale ** 2)
    return -p.entropy() + t2 + t3


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p, q):
    """Infinite unless [0, 1] lies inside the uniform's interval. (PyTorch 2.13 also returns
    inf when the interval starts at 0 or ends at 1, e.g. for Uniform(0, 1).)"""
    kl = -p.entropy() + _ops.log(q.high - q.low)
    return _ops.where(_ops.logical_or(q.low > 0, q.high < 1), np.inf, kl)


@register_kl(ContinuousBernoulli, Pareto)
@register_kl(Exponential, ContinuousBernoulli)
@register_kl(Gamma, ContinuousBernoulli)
@register_kl(Gumbel, ContinuousBernoulli)
@register_kl(Laplace, ContinuousBernoulli)
@register_kl(Normal, ContinuousBernoulli)
@register_kl(Pareto, ContinuousBernoulli)
def _kl_continuous_bernoulli_infinity(p, q):
    """p puts mass where q has none."""
    return np.full(np.broadcast_shapes(p.batch_shape, q.batch_shape), np.inf)
