"""Distributions over vectors in ``tg.distributions``: Dirichlet, MultivariateNormal,
Multinomial, and Independent (which turns batch axes of another distribution into event
axes)."""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from .. import random as _random
from ..lax import stop_gradient
from ..linalg import cholesky, inv
from ..scipy.linalg import solve_triangular
from ..ops.linalg_ops import finfo_of
from ..tensor import concrete, dtype_of, shape_of
from . import constraints
from .discrete import Binomial, _one_of, _over_events
from .distribution import (Distribution, as_float, check_values, default_validate_args,
                           need_key)

__all__ = ["Dirichlet", "MultivariateNormal", "Multinomial", "Independent"]


def _vector(cls: str, name: str, v):
    v = as_float(v)
    if len(shape_of(v)) < 1:
        raise ValueError(f"{cls}: {name} must have at least one dimension, got shape "
                         f"{tuple(shape_of(v))}")
    return v


class Dirichlet(Distribution):
    """The Dirichlet distribution on the simplex of the last axis of ``concentration``."""
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        self.concentration = _vector("Dirichlet", "concentration", concentration)
        self._params = ("concentration",)
        s = tuple(shape_of(self.concentration))
        super().__init__(s[:-1], s[-1:], validate_args)

    def _total(self):
        return _ops.sum(self.concentration, axis=-1, keepdims=True)

    mean = property(lambda self: self.concentration / self._total())

    @property
    def mode(self):
        # exponents below 1 count as 1; all below 1, the vertex of the largest
        a = self.concentration
        am1 = _ops.maximum(a - 1, 0.0)
        low = _ops.all(a < 1, axis=-1, keepdims=True)
        inner = am1 / _ops.where(low, 1.0, _ops.sum(am1, axis=-1, keepdims=True))
        top = _ops.expand_dims(_ops.argmax(a, axis=-1), -1) == np.arange(a.shape[-1])
        return _ops.where(low, _ops.astype(top, inner.dtype), inner)

    @property
    def variance(self):
        a, a0 = self.concentration, self._total()
        return a * (a0 - a) / (a0 ** 2 * (a0 + 1))

    def rsample(self, sample_shape=(), key=None):
        key = need_key(key, "Dirichlet.rsample")
        full = self._extended_shape(sample_shape)
        return _random.dirichlet(key, self.concentration, shape=full[:-1])

    def log_prob(self, value):
        self._validate_sample(value)
        a = self.concentration
        return (_ops.sum(_ops.xlogy(a - 1, value), axis=-1) + _ops.gammaln(_ops.sum(a, axis=-1))
                - _ops.sum(_ops.gammaln(a), axis=-1))

    def entropy(self):
        a = self.concentration
        k = a.shape[-1]
        a0 = _ops.sum(a, axis=-1)
        log_b = _ops.sum(_ops.gammaln(a), axis=-1) - _ops.gammaln(a0)
        return (log_b + (a0 - k) * _ops.digamma(a0)
                - _ops.sum((a - 1) * _ops.digamma(a), axis=-1))


def _batched_solve(lower, rhs):
    """lower⁻¹·rhs for a stack of lower-triangular matrices and a stack of vectors, broadcast."""
    batch = np.broadcast_shapes(tuple(shape_of(lower))[:-2], tuple(shape_of(rhs))[:-1])
    k = tuple(shape_of(lower))[-1]
    lo = _ops.broadcast_to(lower, batch + (k, k))
    b = _ops.broadcast_to(rhs, batch + (k,))
    return solve_triangular(lo, _ops.expand_dims(b, -1), lower=True)[..., 0]


def lower_factor(name: str, mat):
    """The lower Cholesky factor of a covariance given as ``scale_tril`` (itself),
    ``covariance_matrix`` or ``precision_matrix`` (named ``name``)."""
    if name == "scale_tril":
        return mat
    # read as (M + Mᵀ)/2, which is M itself (exactly) for a symmetric M: the gradient with
    # respect to M is then symmetric, as PyTorch's and JAX's, and not all in the triangle
    # cholesky reads
    mat = (mat + _ops.swapaxes(mat, -1, -2)) * 0.5
    return cholesky(mat) if name == "covariance_matrix" else cholesky(inv(mat))


def _log_diag_sum(lower):
    return _ops.sum(_ops.log(_ops.diagonal(lower, axis1=-2, axis2=-1)), axis=-1)


class MultivariateNormal(Distribution):
    """The normal distribution on vectors: ``loc`` and one of ``covariance_matrix``,
    ``precision_matrix`` or ``scale_tril`` (a lower-triangular factor with a positive
    diagonal). Internally everything goes through the Cholesky factor ``scale_tril``."""
    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        loc = _vector("MultivariateNormal", "loc", loc)
        given = [n for n, v in (("covariance_matrix", covariance_matrix),
                                ("precision_matrix", precision_matrix),
                                ("scale_tril", scale_tril)) if v is not None]
        if len(given) != 1:
            raise ValueError("MultivariateNormal: pass exactly one of covariance_matrix, "
                             f"precision_matrix or scale_tril, got {given or 'none'}")
        name = given[0]
        mat = as_float({"covariance_matrix": covariance_matrix, "precision_matrix": precision_matrix,
                        "scale_tril": scale_tril}[name])
        ms, ls = tuple(shape_of(mat)), tuple(shape_of(loc))
        if len(ms) < 2 or ms[-1] != ms[-2] or ms[-1] != ls[-1]:
            raise ValueError(f"MultivariateNormal: {name} must be a (stack of) square matrices "
                             f"matching loc's last axis; got {name} of shape {ms} and loc of "
                             f"shape {ls}")
        validate = default_validate_args() if validate_args is None else validate_args
        if validate:
            check_values("MultivariateNormal", f"parameter {name}", self.arg_constraints[name], mat)
        lower = lower_factor(name, mat)
        batch = np.broadcast_shapes(ls[:-1], ms[:-2])
        k = ls[-1]
        self.loc = _ops.broadcast_to(loc, batch + (k,))
        self.scale_tril = _ops.broadcast_to(lower, batch + (k, k))
        self._params = ("loc", "scale_tril")
        super().__init__(batch, (k,), validate_args)

    @property
    def covariance_matrix(self):
        return _ops.matmul(self.scale_tril, _ops.swapaxes(self.scale_tril, -1, -2))

    @property
    def precision_matrix(self):
        return inv(self.covariance_matrix)

    mean = property(lambda self: self.loc)
    mode = property(lambda self: self.loc)
    variance = property(lambda self: _ops.sum(self.scale_tril ** 2, axis=-1))

    def rsample(self, sample_shape=(), key=None):
        key = need_key(key, "MultivariateNormal.rsample")
        eps = _random.normal(key, self._extended_shape(sample_shape))
        return self.loc + _ops.matmul(self.scale_tril, _ops.expand_dims(eps, -1))[..., 0]

    def log_prob(self, value):
        self._validate_sample(value)
        z = _batched_solve(self.scale_tril, value - self.loc)
        k = self.event_shape[0]
        return -0.5 * (k * math.log(2 * math.pi) + _ops.sum(z ** 2, axis=-1)) \
            - _log_diag_sum(self.scale_tril)

    def entropy(self):
        k = self.event_shape[0]
        return 0.5 * k * (1 + math.log(2 * math.pi)) + _log_diag_sum(self.scale_tril)


class LowRankMultivariateNormal(Distribution):
    """The normal distribution on vectors with covariance ``cov_factor @ cov_factor.T +
    diag(cov_diag)`` (W of shape (n, r), D of shape (n,), positive): densities through the
    r×r capacitance matrix I + Wᵀ D⁻¹ W (Woodbury and the matrix determinant lemma), never
    the n×n covariance."""
    arg_constraints = {"loc": constraints.real_vector,
                       "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args=None):
        who = "LowRankMultivariateNormal"
        loc, w, d = _vector(who, "loc", loc), as_float(cov_factor), _vector(who, "cov_diag", cov_diag)
        ls, ws, ds = tuple(shape_of(loc)), tuple(shape_of(w)), tuple(shape_of(d))
        if len(ws) < 2 or ws[-2] != ls[-1] or ds[-1] != ls[-1]:
            raise ValueError(f"{who}: cov_factor must be (..., n, r) and cov_diag (..., n) with n = "
                             f"loc's last axis; got loc {ls}, cov_factor {ws}, cov_diag {ds}")
        validate = default_validate_args() if validate_args is None else validate_args
        if validate:
            check_values(who, "parameter cov_diag", self.arg_constraints["cov_diag"], d)
        batch = np.broadcast_shapes(ls[:-1], ws[:-2], ds[:-1])
        n, r = ls[-1], ws[-1]
        self.loc = _ops.broadcast_to(loc, batch + (n,))
        self.cov_factor = _ops.broadcast_to(w, batch + (n, r))
        self.cov_diag = _ops.broadcast_to(d, batch + (n,))
        self._params = ("loc", "cov_factor", "cov_diag")
        super().__init__(batch, (n,), validate_args)

    def _capacitance_tril(self):
        w = self.cov_factor
        wt_dinv = _ops.swapaxes(w / _ops.expand_dims(self.cov_diag, -1), -1, -2)   # Wᵀ D⁻¹
        r = tuple(shape_of(w))[-1]
        return cholesky(np.eye(r) + _ops.matmul(wt_dinv, w))

    @property
    def covariance_matrix(self):
        w = self.cov_factor
        diag = _ops.expand_dims(self.cov_diag, -1) * np.eye(self.event_shape[0])
        return _ops.matmul(w, _ops.swapaxes(w, -1, -2)) + diag

    @property
    def scale_tril(self):
        return cholesky(self.covariance_matrix)

    @property
    def precision_matrix(self):
        return inv(self.covariance_matrix)

    mean = property(lambda self: self.loc)
    mode = property(lambda self: self.loc)
    variance = property(lambda self: _ops.sum(self.cov_factor ** 2, axis=-1) + self.cov_diag)

    def _log_det(self, tril):
        """log det(W Wᵀ + D) = log det(capacitance) + Σ log D, from the capacitance's factor."""
        return 2.0 * _log_diag_sum(tril) + _ops.sum(_ops.log(self.cov_diag), axis=-1)

    def rsample(self, sample_shape=(), key=None):
        key = need_key(key, "LowRankMultivariateNormal.rsample")
        k_w, k_d = _random.split(key)
        shape = self._extended_shape(sample_shape)
        r = tuple(shape_of(self.cov_factor))[-1]
        eps_w = _random.normal(k_w, shape[:-1] + (r,))
        eps_d = _random.normal(k_d, shape)
        return (self.loc + _ops.matmul(self.cov_factor, _ops.expand_dims(eps_w, -1))[..., 0]
                + _ops.sqrt(self.cov_diag) * eps_d)

    def log_prob(self, value):
        self._validate_sample(value)
        diff = value - self.loc
        w, d = self.cov_factor, self.cov_diag
        proj = _ops.matmul(_ops.swapaxes(w, -1, -2), _ops.expand_dims(diff / d, -1))[..., 0]  # Wᵀ D⁻¹ x
        tril = self._capacitance_tril()  # (one factorization for the solve and the determinant)
        z = _batched_solve(tril, proj)
        mahal = _ops.sum(diff * diff / d, axis=-1) - _ops.sum(z ** 2, axis=-1)
        n = self.event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + self._log_det(tril) + mahal)

    def entropy(self):
        n = self.event_shape[0]
        return 0.5 * (n * (1 + math.log(2 * math.pi)) + self._log_det(self._capacitance_tril()))


class Multinomial(Distribution):
    """Counts of ``total_count`` draws from a Categorical(probs/logits) over the last axis."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        given = _one_of("Multinomial", probs, logits)
        if not isinstance(total_count, (int, np.integer)) or isinstance(total_count, bool) \
                or total_count < 0:
            raise ValueError(f"Multinomial: total_count must be a non-negative int, got "
                             f"{total_count!r}")
        self.total_count = int(total_count)
        v = _vector("Multinomial", given, probs if given == "probs" else logits)
        self.probs, self.logits = _over_events(given, v)
        self._given = (given,)
        self._params = ("probs", "logits")
        s = tuple(shape_of(v))
        super().__init__(s[:-1], s[-1:], validate_args)

    @property
    def support(self):
        n = self.total_count
        return constraints.Constraint(
            f"multinomial({n})", lambda v: np.all((v >= 0) & (v == np.floor(v)), -1)
            & (np.sum(v, -1) == n), True, 1)

    mean = property(lambda self: self.total_count * self.probs)
    variance = property(lambda self: self.total_count * self.probs * (1 - self.probs))

    def sample(self, sample_shape=(), key=None):
        key = need_key(key, "Multinomial.sample")
        full = self._extended_shape(sample_shape)
        k = full[-1]
        idx = _random.categorical(key, stop_gradient(self.logits),
                                  shape=(self.total_count,) + full[:-1])
        onehot = _ops.astype(_ops.expand_dims(idx, -1) == np.arange(k), np.float64)
        return _ops.sum(onehot, axis=0)

    def log_prob(self, value):
        self._validate_sample(value)
        lg = _ops.where(_ops.isneginf(self.logits), float(finfo_of(self.logits).min), self.logits)
        return (math.lgamma(self.total_count + 1) - _ops.sum(_ops.gammaln(value + 1), axis=-1)
                + _ops.sum(_ops.where(value == 0, 0.0, value * lg), axis=-1))

    def entropy(self):
        """PyTorch's exact form: with n = total_count and X_k ~ Binomial(n, p_k) the
        marginal counts, H = n·H(Categorical(p)) − log n! + Σ_k E[log X_k!], the
        expectations summed over the support 1, …, n of the binomial marginals."""
        n = self.total_count
        lg = _ops.maximum(self.logits, float(finfo_of(self.logits).min))
        term1 = n * -_ops.sum(self.probs * lg, axis=-1) - math.lgamma(n + 1)
        if n == 0:
            return term1
        dt = dtype_of(concrete(self.probs))  # (float32 probabilities: float32 counts and result)
        ks = np.arange(1, n + 1, dtype=dt).reshape((n,) + (1,) * (len(self.batch_shape) + 1))
        marginals = Binomial(np.asarray(n, dt), probs=self.probs, validate_args=False)
        weighted = _ops.exp(marginals.log_prob(ks)) * _ops.gammaln(ks + 1.0)
        return term1 + _ops.sum(weighted, axis=(0, -1))


class Independent(Distribution):
    """``base_distribution`` with its last ``reinterpreted_batch_ndims`` batch axes treated
    as event axes: log-probabilities and entropies are summed over them."""
    arg_constraints: dict = {}

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        if not isinstance(base_distribution, Distribution):
            raise TypeError(f"Independent: base_distribution must be a Distribution, got "
                            f"{type(base_distribution).__name__}")
        n = reinterpreted_batch_ndims
        bs = base_distribution.batch_shape
        if not isinstance(n, (int, np.integer)) or n < 0 or n > len(bs):
            raise ValueError(f"Independent: reinterpreted_batch_ndims must be an int in "
                             f"[0, {len(bs)}] (the base's batch shape is {bs}), got {n!r}")
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = int(n)
        cut = len(bs) - int(n)
        super().__init__(bs[:cut], bs[cut:] + base_distribution.event_shape, validate_args)

    has_rsample = property(lambda self: self.base_dist.has_rsample)
    has_enumerate_support = property(lambda self: self.reinterpreted_batch_ndims == 0
                                     and self.base_dist.has_enumerate_support)

    def enumerate_support(self, expand=True):
        if self.reinterpreted_batch_ndims:
            raise NotImplementedError("Independent.enumerate_support: enumerating the cartesian "
                                      "product of the reinterpreted batch axes is not "
                                      "implemented (as in PyTorch)")
        return self.base_dist.enumerate_support(expand=expand)
    support = property(lambda self: constraints.independent(self.base_dist.support,
                                                            self.reinterpreted_batch_ndims))
    mean = property(lambda self: self.base_dist.mean)
    mode = property(lambda self: self.base_dist.mode)
    variance = property(lambda self: self.base_dist.variance)

    def _sum(self, x):
        n = self.reinterpreted_batch_ndims
        return _ops.sum(x, axis=tuple(range(-n, 0))) if n else x

    def rsample(self, sample_shape=(), key=None):
        return self.base_dist.rsample(sample_shape, key=key)

    def sample(self, sample_shape=(), key=None):
        return self.base_dist.sample(sample_shape, key=key)

    def log_prob(self, value):
        self._check_value_shape(value)
        return self._sum(self.base_dist.log_prob(value))

    def entropy(self):
        return self._sum(self.base_dist.entropy())

    def expand(self, batch_shape, _instance=None):
        batch_shape = tuple(batch_shape)
        n = self.reinterpreted_batch_ndims
        tail = self.base_dist.batch_shape[len(self.base_dist.batch_shape) - n:]
        return Independent(self.base_dist.expand(batch_shape + tail), n, self._validate_args)

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
