"""More of ``torch.distributions.transforms`` on tensorgrad: maps that act on whole vectors or
matrices (softmax, stick-breaking, Cholesky factors of correlation and covariance matrices,
reshaping), wrappers that combine other transforms (``IndependentTransform``, ``CatTransform``,
``StackTransform``) and the map through a distribution's CDF.

Each follows PyTorch's definitions: the same constructor arguments (``cache_size`` is accepted
for compatibility and ignored: nothing is cached), the same ``domain``/``codomain``,
``bijective`` flag and formulas. Where PyTorch leaves ``log_abs_det_jacobian`` or ``sign``
undefined (``AbsTransform``, ``SoftmaxTransform``, ``LowerCholeskyTransform``,
``PositiveDefiniteTransform``; ``sign`` of non-monotone maps) they raise
``NotImplementedError`` here too. ``event_dim`` is the number of trailing axes of one input
event (PyTorch's ``domain.event_dim``).
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from ..linalg import cholesky
from ..tensor import shape_of
from . import constraints
from .transforms import Transform, _Inverse, _sum_rightmost

__all__ = ["AbsTransform", "SoftmaxTransform", "StickBreakingTransform", "LowerCholeskyTransform",
           "ReshapeTransform", "IndependentTransform", "CatTransform", "StackTransform",
           "CumulativeDistributionTransform", "CorrCholeskyTransform", "PositiveDefiniteTransform"]

_EPS = float(np.finfo(np.float64).eps)
_TINY = float(np.finfo(np.float64).tiny)


def _cache_size(who: str, cache_size) -> None:
    if cache_size not in (0, 1):
        raise ValueError(f"{who}: cache_size must be 0 or 1, got {cache_size!r}")


def _ndim(x) -> int:
    return len(tuple(shape_of(x)))


def _pad_last(x, before: int, after: int, value: float):
    """``x`` with ``before``/``after`` entries of ``value`` added on its last axis."""
    widths = [(0, 0)] * (_ndim(x) - 1) + [(before, after)]
    return _ops.pad(x, widths, constant_values=value)


def _tril_mask(n: int, diag: int) -> np.ndarray:
    """PyTorch's mask of the entries (i, j) with j < i + diag + 1, read row by row."""
    i = np.arange(n)
    return i[None, :] < i[:, None] + (diag + 1)


def _tril_to_vec(mat, diag: int):
    """The entries of ``mat`` (..., n, n) under its ``diag``-th diagonal, row by row."""
    n = tuple(shape_of(mat))[-1]
    flat = _ops.reshape(mat, tuple(shape_of(mat))[:-2] + (n * n,))
    return _ops.take(flat, np.flatnonzero(_tril_mask(n, diag)), axis=-1)


def _vec_to_tril(vec, diag: int):
    """The (..., n, n) matrix with ``vec`` under its ``diag``-th diagonal (row by row), zeros
    elsewhere: a gather from ``[0, vec...]``, so that it is differentiable."""
    m = tuple(shape_of(vec))[-1]
    n = int(round((-(1 + 2 * diag) + math.sqrt((1 + 2 * diag) ** 2 + 8 * m
                                                + 4 * abs(diag) * (diag + 1))) / 2))
    mask = _tril_mask(n, diag)
    if int(mask.sum()) != m:
        raise ValueError(f"a vector of length {m} does not fill the triangle under diagonal "
                         f"{diag} of a square matrix")
    idx = np.zeros(n * n, dtype=np.int64)
    idx[np.flatnonzero(mask)] = np.arange(1, m + 1)
    padded = _pad_last(vec, 1, 0, 0.0)
    return _ops.reshape(_ops.take(padded, idx, axis=-1), tuple(shape_of(vec))[:-1] + (n, n))


def _diag_embed(d):
    n = tuple(shape_of(d))[-1]
    return _ops.expand_dims(d, -1) * np.eye(n)


def _no_sign(self):
    raise NotImplementedError(f"{type(self).__name__}: not a monotone entrywise map, it has no sign")


class _Inv(_Inverse):
    """The inverse of one of this module's transforms: its attributes are read from the
    transform when asked (``sign`` may raise, ``domain`` may depend on a distribution)."""

    def __init__(self, t: Transform):
        self._t = t

    domain = property(lambda self: self._t.codomain)
    codomain = property(lambda self: self._t.domain)
    event_dim = property(lambda self: self._t.out_event_dim)
    sign = property(lambda self: self._t.sign)
    bijective = property(lambda self: self._t.bijective)


class _More(Transform):
    """The base of this module's transforms (their inverses are :class:`_Inv`)."""

    @property
    def inv(self) -> Transform:
        return _Inv(self)


def _need_dims(who: str, shape, n: int) -> None:
    if len(shape) < n:
        raise ValueError(f"{who}: too few dimensions on input: shape {tuple(shape)}, needs at "
                         f"least {n}")


def _check_axis(who: str, x, dim: int, size: int, what: str) -> int:
    shape = tuple(shape_of(x))
    if not -len(shape) <= dim < len(shape):
        raise ValueError(f"{who}: dim {dim} out of range for a value with {len(shape)} dimensions")
    if shape[dim] != size:
        raise ValueError(f"{who}: the size of axis {dim} is {shape[dim]}, must equal {what} {size}")
    return dim % len(shape)


def _slice_axis(x, axis: int, start: int, stop: int):
    return x[(slice(None),) * axis + (slice(start, stop),)]


class AbsTransform(_More):
    """y = |x| (not bijective: PyTorch defines no log-determinant for it)."""
    domain = constraints.real
    codomain = constraints.positive
    bijective = False
    sign = property(_no_sign)

    def __init__(self, cache_size: int = 0):
        _cache_size("AbsTransform", cache_size)

    def _call(self, x):
        return _ops.abs(x)

    def _inverse(self, y):
        return y


class SoftmaxTransform(_More):
    """exp(x) normalized over the last axis, onto the simplex. Not bijective (adding a constant
    to x changes nothing); the inverse is log(y)."""
    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = False
    event_dim = 1
    sign = property(_no_sign)

    def __init__(self, cache_size: int = 0):
        _cache_size("SoftmaxTransform", cache_size)

    def _call(self, x):
        p = _ops.exp(x - _ops.max(x, axis=-1, keepdims=True))
        return p / _ops.sum(p, axis=-1, keepdims=True)

    def _inverse(self, y):
        return _ops.log(y)

    def forward_shape(self, shape) -> tuple:
        _need_dims("SoftmaxTransform", shape, 1)
        return tuple(shape)

    inverse_shape = forward_shape


def _stick_offset(k: int) -> np.ndarray:
    """log of K, K − 1, …, 1: the shift that makes x = 0 map to the simplex's centre."""
    return np.log(np.arange(k, 0, -1, dtype=np.float64))


class StickBreakingTransform(_More):
    """Vectors of length K onto the simplex of K + 1 entries by stick breaking: entry i takes
    the fraction sigmoid(x_i − log(K − i)) of what the earlier entries left."""
    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True
    event_dim = 1
    sign = property(_no_sign)

    def __init__(self, cache_size: int = 0):
        _cache_size("StickBreakingTransform", cache_size)

    def _call(self, x):
        k = tuple(shape_of(x))[-1]
        z = _ops.clip(_ops.sigmoid(x - _stick_offset(k)), _TINY, 1.0 - _EPS)
        rest = _ops.cumprod(1.0 - z, axis=-1)
        return _pad_last(z, 0, 1, 1.0) * _pad_last(rest, 1, 0, 1.0)

    def _inverse(self, y):
        crop = y[..., :-1]
        k = tuple(shape_of(crop))[-1]
        left = _ops.maximum(1.0 - _ops.cumsum(crop, axis=-1), _TINY)
        return _ops.log(crop) - _ops.log(left) + _stick_offset(k)

    def log_abs_det_jacobian(self, x, y):
        k = tuple(shape_of(x))[-1]
        x = x - _stick_offset(k)
        # dy_i/dx_i = σ(x_i)(1 − σ(x_i))·(stick left) = e^(−x_i) σ(x_i) y_i / σ(x_i) ...: summed
        # in logs as PyTorch, with 1 − σ(x) = e^(−x) σ(x)
        return _ops.sum(-x - _ops.logaddexp(0.0, -x) + _ops.log(y[..., :-1]), axis=-1)

    def forward_shape(self, shape) -> tuple:
        _need_dims("StickBreakingTransform", shape, 1)
        return tuple(shape)[:-1] + (shape[-1] + 1,)

    def inverse_shape(self, shape) -> tuple:
        _need_dims("StickBreakingTransform", shape, 1)
        return tuple(shape)[:-1] + (shape[-1] - 1,)


class LowerCholeskyTransform(_More):
    """Square matrices to lower-triangular ones with a positive diagonal: the strict lower
    triangle is kept and the diagonal exponentiated (PyTorch declares it not bijective and
    gives no log-determinant)."""
    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky
    bijective = False
    event_dim = 2
    sign = property(_no_sign)

    def __init__(self, cache_size: int = 0):
        _cache_size("LowerCholeskyTransform", cache_size)

    def _call(self, x):
        return _ops.tril(x, -1) + _diag_embed(_ops.exp(_ops.diagonal(x, axis1=-2, axis2=-1)))

    def _inverse(self, y):
        return _ops.tril(y, -1) + _diag_embed(_ops.log(_ops.diagonal(y, axis1=-2, axis2=-1)))


class PositiveDefiniteTransform(_More):
    """Square matrices to positive definite ones: L Lᵀ with L the
    :class:`LowerCholeskyTransform` of x; the inverse goes through the Cholesky factor."""
    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite
    bijective = False
    event_dim = 2
    sign = property(_no_sign)

    def __init__(self, cache_size: int = 0):
        _cache_size("PositiveDefiniteTransform", cache_size)

    def _call(self, x):
        lower = LowerCholeskyTransform()(x)
        return _ops.matmul(lower, _ops.swapaxes(lower, -1, -2))

    def _inverse(self, y):
        return LowerCholeskyTransform().inv(cholesky(y))


corr_cholesky = constraints.corr_cholesky  # (LKJCholesky's support)


class CorrCholeskyTransform(_More):
    """Vectors of length D(D − 1)/2 to the Cholesky factor of a D×D correlation matrix: the
    vector fills the strict lower triangle row by row, each row goes through tanh and a signed
    stick breaking to unit length, with a positive diagonal. The log-determinant is that of
    the map onto the strict lower triangle (PyTorch's)."""
    domain = constraints.real_vector
    codomain = corr_cholesky
    bijective = True
    event_dim = 1
    sign = property(_no_sign)

    def __init__(self, cache_size: int = 0):
        _cache_size("CorrCholeskyTransform", cache_size)

    def _call(self, x):
        x = _ops.clip(_ops.tanh(x), -1.0 + _EPS, 1.0 - _EPS)
        r = _vec_to_tril(x, -1)
        rest = _ops.cumprod(_ops.sqrt(1.0 - r * r), axis=-1)
        n = tuple(shape_of(r))[-1]
        return (r + np.eye(n)) * _pad_last(rest[..., :-1], 1, 0, 1.0)

    def _inverse(self, y):
        left = 1.0 - _ops.cumsum(y * y, axis=-1)
        left = _pad_last(left[..., :-1], 1, 0, 1.0)
        t = _tril_to_vec(y, -1) / _ops.sqrt(_tril_to_vec(left, -1))
        return (_ops.log1p(t) - _ops.log1p(-t)) / 2

    def log_abs_det_jacobian(self, x, y):
        left = _tril_to_vec(1.0 - _ops.cumsum(y * y, axis=-1), -2)
        stick = 0.5 * _ops.sum(_ops.log(left), axis=-1)
        tanh = -2.0 * _ops.sum(x + _ops.logaddexp(0.0, -2.0 * x) - math.log(2.0), axis=-1)
        return stick + tanh

    def forward_shape(self, shape) -> tuple:
        _need_dims("CorrCholeskyTransform", shape, 1)
        n = shape[-1]
        d = round((0.25 + 2 * n) ** 0.5 + 0.5)
        if d * (d - 1) // 2 != n:
            raise ValueError(f"CorrCholeskyTransform: a last axis of {n} is not D(D − 1)/2 for "
                             "any D")
        return tuple(shape)[:-1] + (d, d)

    def inverse_shape(self, shape) -> tuple:
        _need_dims("CorrCholeskyTransform", shape, 2)
        if shape[-1] != shape[-2]:
            raise ValueError(f"CorrCholeskyTransform: input of shape {tuple(shape)} is not square")
        d = shape[-1]
        return tuple(shape)[:-2] + (d * (d - 1) // 2,)


class ReshapeTransform(_More):
    """Reshapes the rightmost ``in_shape`` axes to ``out_shape`` (same number of entries); its
    log-determinant is 0. ``event_dim`` is ``len(in_shape)``."""
    bijective = True
    sign = property(_no_sign)

    def __init__(self, in_shape, out_shape, cache_size: int = 0):
        _cache_size("ReshapeTransform", cache_size)
        self.in_shape = tuple(int(s) for s in in_shape)
        self.out_shape = tuple(int(s) for s in out_shape)
        if math.prod(self.in_shape) != math.prod(self.out_shape):
            raise ValueError(f"ReshapeTransform: in_shape {self.in_shape} and out_shape "
                             f"{self.out_shape} have different numbers of elements")
        self.event_dim = len(self.in_shape)
        self.domain = constraints.independent(constraints.real, len(self.in_shape))
        self.codomain = constraints.independent(constraints.real, len(self.out_shape))

    def _same(self, other) -> bool:
        return self.in_shape == other.in_shape and self.out_shape == other.out_shape

    def _batch(self, x, event):
        shape = tuple(shape_of(x))
        return shape[:len(shape) - len(event)]

    def _call(self, x):
        return _ops.reshape(x, self._batch(x, self.in_shape) + self.out_shape)

    def _inverse(self, y):
        return _ops.reshape(y, self._batch(y, self.out_shape) + self.in_shape)

    def log_abs_det_jacobian(self, x, y):
        return _ops.zeros(self._batch(x, self.in_shape))

    def _swap(self, shape, src, dst) -> tuple:
        shape = tuple(shape)
        _need_dims("ReshapeTransform", shape, len(src))
        cut = len(shape) - len(src)
        if shape[cut:] != src:
            raise ValueError(f"ReshapeTransform: shape mismatch: expected trailing axes {src}, "
                             f"got {shape[cut:]}")
        return shape[:cut] + dst

    def forward_shape(self, shape) -> tuple:
        return self._swap(shape, self.in_shape, self.out_shape)

    def inverse_shape(self, shape) -> tuple:
        return self._swap(shape, self.out_shape, self.in_shape)

    def __repr__(self) -> str:
        return f"ReshapeTransform({self.in_shape}, {self.out_shape})"


class IndependentTransform(_More):
    """``base_transform`` with ``reinterpreted_batch_ndims`` more trailing axes in one event:
    the same map, its log-determinant summed over those axes."""

    def __init__(self, base_transform, reinterpreted_batch_ndims: int, cache_size: int = 0):
        _cache_size("IndependentTransform", cache_size)
        if not isinstance(base_transform, Transform):
            raise TypeError(f"IndependentTransform: base_transform must be a Transform, got "
                            f"{type(base_transform).__name__}")
        n = reinterpreted_batch_ndims
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ValueError(f"IndependentTransform: reinterpreted_batch_ndims must be a "
                             f"non-negative int, got {n!r}")
        self.base_transform, self.reinterpreted_batch_ndims = base_transform, int(n)
        self.event_dim = base_transform.event_dim + self.reinterpreted_batch_ndims
        self.domain = constraints.independent(base_transform.domain, self.reinterpreted_batch_ndims)
        self.codomain = constraints.independent(base_transform.codomain,
                                                self.reinterpreted_batch_ndims)

    bijective = property(lambda self: self.base_transform.bijective)
    sign = property(lambda self: self.base_transform.sign)

    def _same(self, other) -> bool:
        return (self.reinterpreted_batch_ndims == other.reinterpreted_batch_ndims
                and self.base_transform == other.base_transform)

    def _call(self, x):
        _need_dims("IndependentTransform", tuple(shape_of(x)), self.domain.event_dim)
        return self.base_transform(x)

    def _inverse(self, y):
        _need_dims("IndependentTransform", tuple(shape_of(y)), self.codomain.event_dim)
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x, y):
        return _sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y),
                              self.reinterpreted_batch_ndims)

    def forward_shape(self, shape) -> tuple:
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape) -> tuple:
        return self.base_transform.inverse_shape(shape)

    def __repr__(self) -> str:
        return f"IndependentTransform({self.base_transform!r}, {self.reinterpreted_batch_ndims})"


def _check_parts(who: str, tseq) -> list:
    parts = list(tseq)
    for t in parts:
        if not isinstance(t, Transform):
            raise TypeError(f"{who}: tseq must hold Transforms, got {type(t).__name__}")
    if not parts:
        raise ValueError(f"{who}: tseq must hold at least one Transform")
    return parts


def _cat_constraint(cseq, dim: int, lengths) -> constraints.Constraint:
    """The constraints of ``cseq`` on consecutive blocks of ``lengths`` along axis ``dim``."""
    def test(v):
        out, start = [], 0
        for c, n in zip(cseq, lengths):
            out.append(c.check(np.take(v, np.arange(start, start + n), axis=dim)))
            start += n
        return np.concatenate(out, axis=dim)
    return constraints.Constraint(f"cat({list(cseq)!r}, dim={dim})", test,
                                  any(c.is_discrete for c in cseq), max(c.event_dim for c in cseq))


def _stack_constraint(cseq, dim: int) -> constraints.Constraint:
    """The constraints of ``cseq`` on the successive slices along axis ``dim``."""
    def test(v):
        return np.stack([c.check(np.take(v, i, axis=dim)) for i, c in enumerate(cseq)], axis=dim)
    event_dim = max(c.event_dim for c in cseq)
    return constraints.Constraint(f"stack({list(cseq)!r}, dim={dim})", test,
                                  any(c.is_discrete for c in cseq),
                                  event_dim + 1 if dim + event_dim < 0 else event_dim)


class CatTransform(_More):
    """The transforms of ``tseq`` on consecutive blocks (of sizes ``lengths``, default 1 each)
    along axis ``dim``, the results concatenated (as :func:`torch.cat`)."""

    def __init__(self, tseq, dim: int = 0, lengths=None, cache_size: int = 0):
        _cache_size("CatTransform", cache_size)
        self.transforms = _check_parts("CatTransform", tseq)
        self.lengths = [1] * len(self.transforms) if lengths is None else [int(n) for n in lengths]
        if len(self.lengths) != len(self.transforms):
            raise ValueError(f"CatTransform: {len(self.lengths)} lengths for "
                             f"{len(self.transforms)} transforms")
        self.dim = int(dim)
        self.length = sum(self.lengths)
        self.event_dim = max(t.event_dim for t in self.transforms)
        self.domain = _cat_constraint([t.domain for t in self.transforms], self.dim, self.lengths)
        self.codomain = _cat_constraint([t.codomain for t in self.transforms], self.dim,
                                        self.lengths)

    bijective = property(lambda self: all(t.bijective for t in self.transforms))
    sign = property(_no_sign)

    def _same(self, other) -> bool:
        return (self.dim == other.dim and self.lengths == other.lengths
                and len(self.transforms) == len(other.transforms)
                and all(a == b for a, b in zip(self.transforms, other.transforms)))

    def _blocks(self, v, name: str):
        axis = _check_axis("CatTransform", v, self.dim, self.length, f"the total length of {name}")
        start = 0
        for n in self.lengths:
            yield _slice_axis(v, axis, start, start + n)
            start += n

    def _call(self, x):
        parts = [t(b) for t, b in zip(self.transforms, self._blocks(x, "x"))]
        return _ops.concatenate(parts, axis=self.dim)

    def _inverse(self, y):
        parts = [t.inv(b) for t, b in zip(self.transforms, self._blocks(y, "y"))]
        return _ops.concatenate(parts, axis=self.dim)

    def log_abs_det_jacobian(self, x, y):
        lads = []
        for t, xb, yb in zip(self.transforms, self._blocks(x, "x"), self._blocks(y, "y")):
            lad = t.log_abs_det_jacobian(xb, yb)
            if t.event_dim < self.event_dim:
                lad = _sum_rightmost(lad, self.event_dim - t.event_dim)
            lads.append(lad)
        dim = self.dim - _ndim(x) if self.dim >= 0 else self.dim
        dim += self.event_dim
        if dim < 0:  # the blocks' axis survives in the log-determinants: concatenate along it
            return _ops.concatenate(lads, axis=dim)
        total = lads[0]
        for lad in lads[1:]:
            total = total + lad
        return total

    def __repr__(self) -> str:
        return f"CatTransform({self.transforms!r}, dim={self.dim}, lengths={self.lengths})"


class StackTransform(_More):
    """The i-th transform of ``tseq`` on the i-th slice along axis ``dim``, the results stacked
    (as :func:`torch.stack`)."""

    def __init__(self, tseq, dim: int = 0, cache_size: int = 0):
        _cache_size("StackTransform", cache_size)
        self.transforms = _check_parts("StackTransform", tseq)
        self.dim = int(dim)
        self.domain = _stack_constraint([t.domain for t in self.transforms], self.dim)
        self.codomain = _stack_constraint([t.codomain for t in self.transforms], self.dim)
        self.event_dim = self.domain.event_dim

    bijective = property(lambda self: all(t.bijective for t in self.transforms))
    sign = property(_no_sign)

    def _same(self, other) -> bool:
        return (self.dim == other.dim and len(self.transforms) == len(other.transforms)
                and all(a == b for a, b in zip(self.transforms, other.transforms)))

    def _slices(self, v):
        axis = _check_axis("StackTransform", v, self.dim, len(self.transforms),
                           "the number of transforms")
        return [v[(slice(None),) * axis + (i,)] for i in range(len(self.transforms))]

    def _call(self, x):
        return _ops.stack([t(s) for t, s in zip(self.transforms, self._slices(x))], axis=self.dim)

    def _inverse(self, y):
        return _ops.stack([t.inv(s) for t, s in zip(self.transforms, self._slices(y))],
                          axis=self.dim)

    def log_abs_det_jacobian(self, x, y):
        return _ops.stack([t.log_abs_det_jacobian(a, b) for t, a, b in
                           zip(self.transforms, self._slices(x), self._slices(y))], axis=self.dim)

    def __repr__(self) -> str:
        return f"StackTransform({self.transforms!r}, dim={self.dim})"


class CumulativeDistributionTransform(_More):
    """y = F(x), the CDF of ``distribution`` (a univariate one with ``cdf``, ``icdf`` and
    ``log_prob``): onto [0, 1], increasing, with log-determinant log p(x). For instance a
    Gaussian copula pushes a MultivariateNormal through that of Normal(0, 1)."""
    codomain = constraints.unit_interval
    bijective = True
    sign = 1

    def __init__(self, distribution, cache_size: int = 0):
        _cache_size("CumulativeDistributionTransform", cache_size)
        self.distribution = distribution
        support = distribution.support
        self.event_dim = support.event_dim if support is not None else 0

    @property
    def domain(self):
        return self.distribution.support

    def _same(self, other) -> bool:
        return self.distribution is other.distribution

    def _call(self, x):
        return self.distribution.cdf(x)

    def _inverse(self, y):
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x, y):
        return self.distribution.log_prob(x)

    def __repr__(self) -> str:
        return f"CumulativeDistributionTransform({self.distribution!r})"
