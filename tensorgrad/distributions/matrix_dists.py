"""Distributions over matrices in ``tg.distributions``: the Wishart distribution on symmetric
positive-definite matrices and the LKJ distribution on Cholesky factors of correlation
matrices (PyTorch's ``Wishart`` and ``LKJCholesky``).

Both keep PyTorch's constructors, shapes, constraints and formulas. Densities, moments and the
Wishart entropy are compositions of tensorgrad ops, so ``tg.grad`` differentiates them with
respect to parameters and values. Draws take an explicit ``key`` from ``tg.random``: Wishart
draws use the Bartlett decomposition (reparameterized, differentiable in ``df`` through the
chi-squared draws and in the scale through its Cholesky factor), LKJ draws the onion method.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import ops as _ops
from .. import random as _random
from ..lax import stop_gradient
from ..linalg import slogdet
from ..scipy.linalg import solve_triangular
from ..tensor import shape_of
from . import constraints
from .continuous_more import ExponentialFamily
from .multivariate import lower_factor
from .distribution import (Distribution, _concrete_np, as_float, broadcast_all, check_values,
                           default_validate_args, need_key)
from .transforms_more import corr_cholesky

__all__ = ["Wishart", "LKJCholesky"]

_LOG2 = math.log(2.0)
_EPS = float(np.finfo(np.float64).eps)
_TINY = float(np.finfo(np.float64).tiny)
_MATS = ("covariance_matrix", "precision_matrix", "scale_tril")


def _mT(x):
    return _ops.swapaxes(x, -1, -2)


def _log_diag_sum(lower):
    return _ops.sum(_ops.log(_ops.diagonal(lower, axis1=-2, axis2=-1)), axis=-1)


def _tril_solve(lower, rhs):
    """lower⁻¹·rhs for stacks of (p, p) matrices, the batch axes broadcast."""
    batch = np.broadcast_shapes(tuple(shape_of(lower))[:-2], tuple(shape_of(rhs))[:-2])
    p, m = tuple(shape_of(lower))[-1], tuple(shape_of(rhs))[-1]
    return solve_triangular(_ops.broadcast_to(lower, batch + (p, p)),
                            _ops.broadcast_to(rhs, batch + (p, m)), lower=True)


def _mvdigamma(x, p: int):
    """Σ_{i<p} ψ(x − i/2), the derivative of the multivariate log-gamma function."""
    return _ops.sum(_ops.digamma(_ops.expand_dims(x, -1) - 0.5 * np.arange(p)), axis=-1)


class Wishart(ExponentialFamily):
    """The Wishart distribution on p×p symmetric positive-definite matrices with ``df``
    degrees of freedom (ν > p − 1) and scale Σ, given as one of ``covariance_matrix`` (Σ),
    ``precision_matrix`` (Σ⁻¹) or ``scale_tril`` (the Cholesky factor L of Σ). Density
    |X|^((ν−p−1)/2) exp(−tr(Σ⁻¹X)/2) / (2^(νp/2) |Σ|^(ν/2) Γ_p(ν/2)); mean νΣ.

    As in PyTorch, ``df`` ≤ p − 1 raises ``ValueError`` whatever ``validate_args`` is, and
    ``df`` < p warns (draws are then often singular). Everything goes through L."""
    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def arg_constraints(self):
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite,
                "scale_tril": constraints.lower_cholesky,
                "df": constraints.greater_than(self.event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        given = [n for n, v in zip(_MATS, (covariance_matrix, precision_matrix, scale_tril))
                 if v is not None]
        if len(given) != 1:
            raise ValueError("Wishart: exactly one of covariance_matrix or precision_matrix or "
                             f"scale_tril may be specified, got {given or 'none'}")
        name = given[0]
        mat = as_float({"covariance_matrix": covariance_matrix,
                        "precision_matrix": precision_matrix, "scale_tril": scale_tril}[name])
        ms = tuple(shape_of(mat))
        if len(ms) < 2:
            raise ValueError(f"Wishart: {name} must be at least two-dimensional, with optional "
                             f"leading batch dimensions; got shape {ms}")
        if ms[-1] != ms[-2]:
            raise ValueError(f"Wishart: {name} must be a (stack of) square matrices, got shape {ms}")
        p = ms[-1]
        df = as_float(df)
        batch = tuple(np.broadcast_shapes(ms[:-2], tuple(shape_of(df))))
        df_np = _concrete_np(df)
        if df_np is not None and np.any(df_np <= p - 1):
            raise ValueError(f"Wishart: value of df={np.array2string(df_np, threshold=12)} "
                             f"expected to be greater than ndim - 1 = {p - 1}")
        validate = default_validate_args() if validate_args is None else validate_args
        if validate:
            check_values("Wishart", f"parameter {name}", self._mat_constraint(name), mat)
        if df_np is not None and np.any(df_np < p):
            warnings.warn("Wishart: low df values detected; singular samples are highly likely "
                          "for ndim - 1 < df < ndim", UserWarning, stacklevel=2)
        lower = lower_factor(name, mat)
        self.df = _ops.broadcast_to(df, batch)
        self.scale_tril = _ops.broadcast_to(lower, batch + (p, p))
        self._given_mat = (name, _ops.broadcast_to(mat, batch + (p, p)))
        self._params = ("df", "scale_tril")
        super().__init__(batch, (p, p), validate_args)

    @staticmethod
    def _mat_constraint(name):
        return constraints.lower_cholesky if name == "scale_tril" else constraints.positive_definite

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape)
        name, mat = self._given_mat
        new._given_mat = (name, _ops.broadcast_to(mat, new.batch_shape + self.event_shape))
        return new

    def _p(self) -> int:
        return self.event_shape[-1]

    def _df(self):
        """``df`` with two trailing unit axes (to scale matrices)."""
        return _ops.expand_dims(_ops.expand_dims(self.df, -1), -1)

    @property
    def covariance_matrix(self):
        name, mat = self._given_mat
        if name == "covariance_matrix":
            return mat
        return _ops.matmul(self.scale_tril, _mT(self.scale_tril))

    @property
    def precision_matrix(self):
        name, mat = self._given_mat
        if name == "precision_matrix":
            return mat
        linv = _tril_solve(self.scale_tril, np.eye(self._p()))
        return _ops.matmul(_mT(linv), linv)

    @property
    def mean(self):
        return self._df() * self.covariance_matrix

    @property
    def mode(self):
        """(ν − p − 1)Σ, NaN where ν ≤ p + 1 (no interior mode)."""
        factor = self.df - self._p() - 1.0
        factor = _ops.where(factor > 0, factor, np.nan)
        return _ops.expand_dims(_ops.expand_dims(factor, -1), -1) * self.covariance_matrix

    @property
    def variance(self):
        """Var X_ij = ν(Σ_ij² + Σ_ii Σ_jj)."""
        v = self.covariance_matrix
        d = _ops.diagonal(v, axis1=-2, axis2=-1)
        return self._df() * (v ** 2 + _ops.expand_dims(d, -1) * _ops.expand_dims(d, -2))

    def _bartlett(self, shape, key):
        """Draws L·A·Aᵀ·Lᵀ with A lower triangular: √χ²(ν − i) on the diagonal (kept above
        eps), standard normals below it."""
        p = self._p()
        k_chi, k_norm = _random.split(key)
        dfs = _ops.expand_dims(self.df, -1) - np.arange(p, dtype=np.float64)
        chi = _random.chisquare(k_chi, dfs, shape=shape[:-1])
        diag = _ops.maximum(_ops.sqrt(chi), _EPS)
        noise = _random.normal(k_norm, shape) * np.tril(np.ones((p, p)), -1)
        a = noise + _ops.expand_dims(diag, -1) * np.eye(p)
        chol = _ops.matmul(self.scale_tril, a)
        return _ops.matmul(chol, _mT(chol))

    def rsample(self, sample_shape=(), key=None, max_try_correction=None):
        """Bartlett-decomposition draws of shape ``sample_shape + batch_shape + (p, p)``.
        Draws that fail the positive-definiteness check (concrete values only) are redrawn
        with fresh keys up to ``max_try_correction`` times (default 10), with a warning."""
        key = need_key(key, "Wishart.rsample")
        shape = self._extended_shape(sample_shape)
        key, sub = _random.split(key)
        draw = self._bartlett(shape, sub)
        tries = 10 if max_try_correction is None else int(max_try_correction)
        bad = self._singular(draw)
        if bad is not None and np.any(bad):
            warnings.warn("Wishart.rsample: singular sample detected", UserWarning, stacklevel=2)
            for _ in range(tries):
                key, sub = _random.split(key)
                draw = _ops.where(bad[..., None, None], self._bartlett(shape, sub), draw)
                bad = self._singular(draw)
                if not np.any(bad):
                    break
        return draw

    def _singular(self, draw):
        v = _concrete_np(draw)
        return None if v is None else ~self.support.check(v)

    def log_prob(self, value):
        self._validate_sample(value)
        nu, p, lower = self.df, self._p(), self.scale_tril
        logdet_x = slogdet(value)[1]
        # tr(Σ⁻¹X) = tr(L⁻¹ Xᵀ L⁻ᵀ): two triangular solves
        z = _tril_solve(lower, _mT(_tril_solve(lower, value)))
        trace = _ops.trace(z, axis1=-2, axis2=-1)
        return (-nu * (p * _LOG2 / 2 + _log_diag_sum(lower))
                - _ops.multigammaln(nu / 2, p)
                + (nu - p - 1) / 2 * logdet_x - trace / 2)

    def entropy(self):
        nu, p = self.df, self._p()
        return ((p + 1) * (p * _LOG2 / 2 + _log_diag_sum(self.scale_tril))
                + _ops.multigammaln(nu / 2, p) - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p)
                + nu * p / 2)

    @property
    def _natural_params(self) -> tuple:
        return -self.precision_matrix / 2, (self.df - self._p() - 1) / 2

    def _log_normalizer(self, x, y):
        p = self._p()
        a = y + (p + 1) / 2
        return a * (-slogdet(-2 * x)[1] + _LOG2 * p) + _ops.multigammaln(a, p)


class LKJCholesky(Distribution):
    """The LKJ distribution on lower Cholesky factors L of ``dim``×``dim`` correlation
    matrices: L·Lᵀ has density proportional to det(L·Lᵀ)^(η − 1), η = ``concentration``
    (η = 1: uniform over correlation matrices). Draws use the onion method (Lewandowski,
    Kurowicka and Joe, 2009) vectorized over rows, as PyTorch's, but with the paper's Beta(k/2, ·)
    law for row k: PyTorch 2.13 uses Beta(k − 1/2, ·), so its draws for dim ≥ 3 do not follow
    the density of its own ``log_prob`` (too strong correlations in rows 2 and below). There is
    no reparameterized sampler, and no mean, mode, variance or entropy (as in PyTorch)."""
    arg_constraints = {"concentration": constraints.positive}
    support = corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 2:
            raise ValueError("LKJCholesky: expected dim to be an integer greater than or equal "
                             f"to 2, found dim={dim!r}")
        self.dim = int(dim)
        (self.concentration,), shape = broadcast_all(concentration)
        self._params = ("concentration",)
        super().__init__(shape, (self.dim, self.dim), validate_args)

    def _beta_params(self):
        """The Beta(k/2, η + (dim − 1 − k)/2) laws of the squared norms of the off-diagonal
        parts of rows k = 1, …, dim − 1 (row 0 has none: its entry is a dummy)."""
        k = np.arange(self.dim, dtype=np.float64)
        offset = np.maximum(k - 1.0, 0.0)
        marginal = self.concentration + 0.5 * (self.dim - 2)
        return np.maximum(k, 1.0) / 2, _ops.expand_dims(marginal, -1) - 0.5 * offset

    def sample(self, sample_shape=(), key=None):
        """Onion-method draws of shape ``sample_shape + batch_shape + (dim, dim)``: row i's
        off-diagonal part is √y · u with y ~ Beta and u uniform on the unit sphere; the
        diagonal completes each row to unit length."""
        key = need_key(key, "LKJCholesky.sample")
        shape = self._extended_shape(sample_shape)
        k_beta, k_norm = _random.split(key)
        c1, c0 = self._beta_params()
        y = _random.beta(k_beta, c1, c0, shape=shape[:-1])
        u = _random.normal(k_norm, shape) * np.tril(np.ones((self.dim, self.dim)), -1)
        norm = _ops.sqrt(_ops.sum(u * u, axis=-1, keepdims=True))
        u = u / _ops.where(norm > 0, norm, 1.0)          # row 0 is all zeros and stays so
        w = _ops.sqrt(_ops.expand_dims(y, -1)) * u
        diag = _ops.sqrt(_ops.maximum(1.0 - _ops.sum(w * w, axis=-1), _TINY))
        return stop_gradient(w + _ops.expand_dims(diag, -1) * np.eye(self.dim))

    def log_prob(self, value):
        """Σ_{i≥1} (2(η − 1) + dim − 1 − i) log L_ii minus the log normalizer."""
        self._validate_sample(value)
        d = self.dim
        diag = _ops.diagonal(value, axis1=-2, axis2=-1)[..., 1:]
        order = 2.0 * _ops.expand_dims(self.concentration - 1.0, -1) + d - np.arange(2, d + 1)
        unnormalized = _ops.sum(order * _ops.log(diag), axis=-1)
        dm1 = d - 1
        alpha = self.concentration + 0.5 * dm1
        normalizer = (0.5 * dm1 * math.log(math.pi) + _ops.multigammaln(alpha - 0.5, dm1)
                      - dm1 * _ops.gammaln(alpha))
        return unnormalized - normalizer

    def __repr__(self) -> str:
        return f"LKJCholesky(dim: {self.dim}, concentration: {tuple(shape_of(self.concentration))})"
