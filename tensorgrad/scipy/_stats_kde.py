"""``tg.scipy.stats.mode`` and ``tg.scipy.stats.gaussian_kde``.

* ``mode``: the most frequent value along an axis and how often it occurs (ties: the smallest
  value; NaNs count as equal to each other, as in SciPy and JAX). Counts are integers and
  the mode is one of the inputs picked by comparisons, so neither has a derivative. Written
  with ops (sort, comparisons, argmax), so it runs under ``tg.jit`` and ``tg.vmap``.
* ``gaussian_kde``: a kernel density estimate with a Gaussian kernel, built from ops, so
  every result differentiates in the data set, the weights, the bandwidth and the points.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .. import linalg as _la
from .. import random as _random
from ..ops import (argmax, cov, exp, expand_dims, isnan, log, logsumexp, moveaxis, reshape, sort,
                   sqrt, take, take_along_axis, where)
from ..ops import sum as _sum
from ..ops._util import as_array_like
from ..ops.linalg_ops import LinAlgError
from ..ops.selection import diagonal
from ..ops.special_fns import ndtr
from ..staging import ConcretizationError
from ..tensor import concrete
from ..typing import Array, ArrayLike  # noqa: F401
from .linalg_more import _dtype, _float, _shape

__all__ = ["mode", "gaussian_kde", "ModeResult"]

ModeResult = namedtuple("ModeResult", ["mode", "count"])
_LOG_2PI = float(np.log(2 * np.pi))



def _one_of(name, a, b):
    if (a is None) == (b is None):
        raise TypeError(f"gaussian_kde.{name}: give the points once (x= and points= are the same "
                        "argument)")
    return a if b is None else b


# ---- mode -------------------------------------------------------------------------------
def mode(a: ArrayLike, axis: int | None = 0, nan_policy: str = "propagate",
         keepdims: bool = False) -> ModeResult:
    """``(mode, count)``: the most frequent value along ``axis`` (None: of all entries) and its
    count; ties go to the smallest value. No derivative (a selected value, an integer count)."""
    if nan_policy not in ("propagate", "omit", "raise"):
        raise ValueError(f"stats.mode: nan_policy must be 'propagate', 'omit' or 'raise', got "
                         f"{nan_policy!r}")
    dt = _dtype(a)
    if dt.kind not in "biuf":
        raise TypeError(f"stats.mode: a must hold real numbers or booleans, got dtype {dt} "
                        f"(shape {_shape(a)})")
    ndim_in = len(_shape(a))
    flat = axis is None
    if flat:
        a, axis = reshape(a, (-1,)), 0
    s = _shape(a)
    if not s:
        a, s = reshape(a, (1,)), (1,)
    if not isinstance(axis, (int, np.integer)) or not -len(s) <= axis < len(s):
        raise ValueError(f"stats.mode: axis {axis!r} is out of range for an array of shape {s}")
    axis = int(axis) % len(s)
    if nan_policy == "raise":
        try:
            has_nan = bool(np.any(np.isnan(np.asarray(concrete(a), dtype=float))))
        except ConcretizationError:
            raise NotImplementedError("stats.mode: nan_policy='raise' needs a concrete array (not "
                                      "one traced by tg.jit); check for NaNs outside") from None
        if has_nan:
            raise ValueError(f"stats.mode: the input (shape {s}) contains NaN")
    rest = s[:axis] + s[axis + 1:]
    if s[axis] == 0:  # SciPy and JAX: NaN, seen 0 times
        m, c = np.full(rest, np.nan), np.zeros(rest)
    else:
        m, c = _mode_last(moveaxis(a, axis, -1), nan_policy == "omit")
    if keepdims:  # (axis None: one size-1 axis per axis of the input, as SciPy and JAX)
        keep = tuple(range(ndim_in)) if flat else axis
        m, c = expand_dims(m, keep), expand_dims(c, keep)
    return ModeResult(m, c)


def _mode_last(a, omit: bool):
    """Mode and count along the last axis, from the sorted values and their pairwise matches."""
    v = sort(a, axis=-1)
    if _dtype(v).kind == "f":
        nan = isnan(v)
        same = (expand_dims(v, -1) == expand_dims(v, -2)) \
            | (expand_dims(nan, -1) & expand_dims(nan, -2))
        if omit:  # a NaN is never counted (an all-NaN slice: NaN, seen 0 times)
            same = same & ~expand_dims(nan, -1)
    else:
        same = expand_dims(v, -1) == expand_dims(v, -2)
    counts = _sum(same, axis=-1)
    first = expand_dims(argmax(counts, axis=-1), -1)       # the first maximum: the smallest value
    return take_along_axis(v, first, axis=-1)[..., 0], take_along_axis(counts, first, axis=-1)[..., 0]


# ---- gaussian_kde -------------------------------------------------------------------------
def _matrix_rows(name: str, x, d: int):
    """Points as a (d, m) array: a 1-D array is m points when d == 1, one point when its
    length is d."""
    s = _shape(x)
    if len(s) == 0 or len(s) > 2:
        raise ValueError(f"gaussian_kde.{name}: points must be 1-D or 2-D (d, m) with d = {d}, "
                         f"got shape {s}")
    if len(s) == 1:
        if d == 1:
            return reshape(x, (1, s[0]))
        if s[0] == d:
            return reshape(x, (d, 1))
    elif s[0] == d:
        return x
    elif s == (1, d):
        return reshape(x, (d, 1))
    raise ValueError(f"gaussian_kde.{name}: points of shape {s} do not have the data set's "
                     f"dimension d = {d}")


def _log_weights(w):
    """log w, −inf (without a warning) where a weight is 0."""
    pos = w > 0
    return where(pos, log(where(pos, w, 1.0)), -np.inf)


def _log_normal_sum(points, centers, log_w, cov_total):
    """log Σ_j w_j N(points; centers_j, cov_total) for each point: (m,)."""
    chol = _la.cholesky(cov_total)
    d = _shape(cov_total)[-1]
    zp, zc = _la.solve(chol, points), _la.solve(chol, centers)             # whitened
    sq = _sum((expand_dims(zp, -1) - expand_dims(zc, -2)) ** 2, axis=0)   # (m, n)
    log_norm = _sum(log(diagonal(chol))) + 0.5 * d * _LOG_2PI
    return logsumexp(expand_dims(log_w, 0) - 0.5 * sq, axis=-1) - log_norm


class gaussian_kde:
    """A Gaussian kernel density estimate of ``dataset`` (shape (d, n), or (n,) for d = 1),
    with optional ``weights`` and bandwidth ``bw_method`` ('scott', 'silverman', a number
    or a function of the estimate); differentiable in the data, weights and points."""

    def __init__(self, dataset: ArrayLike, bw_method=None, weights: ArrayLike | None = None):
        dataset = as_array_like(dataset)
        s = _shape(dataset)
        if _dtype(dataset).kind not in "biuf":
            raise TypeError(f"gaussian_kde: dataset must be real, got dtype {_dtype(dataset)}")
        if len(s) == 1:
            dataset = reshape(dataset, (1, s[0]))
        elif len(s) != 2:
            raise ValueError(f"gaussian_kde: dataset must be 1-D (n,) or 2-D (d, n), got shape {s}")
        self.dataset = _float(dataset)
        self.d, self.n = _shape(self.dataset)
        if self.n < 2:
            raise ValueError(f"gaussian_kde: dataset needs more than one point, got shape {s}")
        if weights is None:
            self.weights = np.full(self.n, 1.0 / self.n, dtype=_dtype(self.dataset))
        else:
            weights = as_array_like(weights)
            if _shape(weights) != (self.n,):
                raise ValueError(f"gaussian_kde: weights must have shape ({self.n},) for a data "
                                 f"set of shape {s}, got {_shape(weights)}")
            self.weights = weights / _sum(weights)
        self.neff = 1.0 / _sum(self.weights ** 2)
        self.set_bandwidth(bw_method)

    def set_bandwidth(self, bw_method=None):
        """Set the bandwidth factor ('scott', 'silverman', a number, or a function of the
        estimate) and recompute the kernel's covariance."""
        if bw_method is None or (isinstance(bw_method, str) and bw_method == "scott"):
            factor = self.neff ** (-1.0 / (self.d + 4))
        elif isinstance(bw_method, str) and bw_method == "silverman":
            factor = (self.neff * (self.d + 2) / 4.0) ** (-1.0 / (self.d + 4))
        elif callable(bw_method):
            factor = bw_method(self)
        elif isinstance(bw_method, str) or _shape(bw_method) != ():
            raise ValueError(f"gaussian_kde: bw_method must be 'scott', 'silverman', a scalar or "
                             f"a callable, got {bw_method!r}")
        else:
            factor = bw_method
        self.factor = factor
        dt = _dtype(self.dataset)  # (np.cov alone would compute float32 data in float64)
        data_cov = reshape(cov(self.dataset, rowvar=True, bias=False, aweights=self.weights,
                               dtype=dt if dt.kind == "f" else None), (self.d, self.d))
        self.covariance = data_cov * factor ** 2
        try:
            self.inv_cov = _la.inv(self.covariance)
        except LinAlgError:
            raise LinAlgError(f"gaussian_kde: the data's covariance ({self.d}×{self.d}, from "
                              f"{self.n} points) is singular: the points lie in a lower-dimensional "
                              "subspace (or are all equal), so no Gaussian kernel fits them") from None

    def logpdf(self, x: ArrayLike = None, *, points: ArrayLike = None) -> Array:
        """The log of the estimated density at each point (x (d, m) → (m,); ``points`` is an
        alias of ``x``)."""
        x = _one_of("logpdf", x, points)
        x = _float(_matrix_rows("logpdf", as_array_like(x), self.d))
        return _log_normal_sum(x, self.dataset, _log_weights(self.weights), self.covariance)

    def evaluate(self, points: ArrayLike = None, *, x: ArrayLike = None) -> Array:
        """The estimated density at each point (points (d, m) → (m,); ``x`` is an alias)."""
        return exp(self.logpdf(_one_of("evaluate", points, x)))

    __call__ = evaluate

    def pdf(self, x: ArrayLike = None, *, points: ArrayLike = None) -> Array:
        """The estimated density at each point (x (d, m) → (m,); ``points`` is an alias)."""
        return exp(self.logpdf(_one_of("pdf", x, points)))

    def integrate_gaussian(self, mean: ArrayLike, cov: ArrayLike) -> Array:
        """The integral of the estimate times the normal density N(mean, cov)."""
        if _shape(mean) != (self.d,) or _shape(cov) != (self.d, self.d):
            raise ValueError(f"gaussian_kde.integrate_gaussian: mean must have shape ({self.d},) "
                             f"and cov ({self.d}, {self.d}), got {_shape(mean)} and {_shape(cov)}")
        out = _log_normal_sum(reshape(_float(mean), (self.d, 1)), self.dataset, _log_weights(self.weights),
                              self.covariance + cov)
        return exp(out[0])

    def integrate_box_1d(self, low: ArrayLike, high: ArrayLike) -> Array:
        """The estimated probability of the interval [low, high] (one-dimensional data only)."""
        if self.d != 1:
            raise ValueError(f"gaussian_kde.integrate_box_1d: needs one-dimensional data, the data "
                             f"set has d = {self.d}")
        sd = sqrt(self.covariance[0, 0])
        x = self.dataset[0]
        return _sum(self.weights * (ndtr((high - x) / sd) - ndtr((low - x) / sd)))

    def integrate_kde(self, other: "gaussian_kde") -> Array:
        """The integral of the product of this estimate and ``other``."""
        if not isinstance(other, gaussian_kde) or other.d != self.d:
            raise ValueError(f"gaussian_kde.integrate_kde: other must be a gaussian_kde with "
                             f"d = {self.d}")
        out = _log_normal_sum(other.dataset, self.dataset, _log_weights(self.weights),
                              self.covariance + other.covariance)
        return _sum(other.weights * exp(out))

    def resample(self, key, shape=()) -> Array:
        """``shape`` draws from the estimate with the ``tg.random`` key ``key``, as an array
        (d, *shape): data points picked by their weights plus normal noise with the kernel's
        covariance. The noise is a fixed transform of standard normals (Cholesky factor), so
        the draws differentiate in the data set and the bandwidth (not in the weights, whose
        effect is the choice of points)."""
        shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(k) for k in shape)
        pick_key, noise_key = _random.split(key)
        idx = _random.choice(pick_key, self.n, shape=shape, p=concrete(self.weights))
        noise = _random.multivariate_normal(noise_key, np.zeros(self.d, _dtype(self.dataset)),
                                            self.covariance, shape=shape)
        return take(self.dataset, idx, axis=1) + moveaxis(noise, -1, 0)

    def integrate_box(self, low_bounds, high_bounds, maxpts=None):
        """Not supported (as in JAX)."""
        raise NotImplementedError("gaussian_kde.integrate_box is not supported (nor in JAX); "
                                  "integrate_box_1d covers one-dimensional data")
