"""NumPy's NaN-aware reductions and statistics, as functions of registered ops.

* ``nanprod``, ``nancumsum``, ``nancumprod``: NaN entries count as 1 (products) or 0 (sums);
* ``nanmax``, ``nanmin``: NaN entries are skipped (an all-NaN slice gives NaN, as NumPy);
* ``nanvar``, ``nanstd``: moments of the entries that are not NaN;
* ``quantile``, ``percentile``, ``nanquantile``, ``nanpercentile``: a sort, then a gather of
  the two neighbouring order statistics and their interpolation (methods ``linear``,
  ``lower``, ``higher``, ``midpoint``, ``nearest``);
* ``cov``, ``corrcoef``: the covariance and correlation matrices of rows (or columns).

Every function here is a composition of registered ops (``where``, ``sort``,
``take_along_axis``, sums and products), so first and higher derivatives come from those
ops; NaN entries get a zero gradient and the choice of order statistics is a constant, as
in JAX (``jax.numpy.nanprod``, ``jax.numpy.quantile``, ...).
"""
from __future__ import annotations

import numpy as np

import scipy.stats

from ..registry import Example, function, nondifferentiable
from ..typing import Array, ArrayLike, Axis  # noqa: F401
from ._util import concrete, dtype_of, negative_axes, shape_of
from .elementwise import astype, sqrt, where
from .reductions import max as _max
from .reductions import min as _min
from .reductions import prod, sum as _sum
from .scans import cumprod, cumsum, nanmean, sort
from .arrange import pad
from .linalg import matmul
from .selection import diagonal, take_along_axis
from .shape import concatenate, moveaxis, reshape, transpose

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _nan_mask(a) -> np.ndarray:
    return np.isnan(np.asarray(concrete(a)))


def _float(a):
    """``a`` as a float array or Tensor (integers are promoted, as NumPy's statistics do)."""
    if not hasattr(a, "shape"):
        a = np.asarray(a)
    if not np.issubdtype(dtype_of(a), np.inexact):
        a = astype(a, np.float64)
    return a


def _real(name: str, a):
    if np.issubdtype(dtype_of(a), np.complexfloating):
        raise TypeError(f"{name}: complex input (dtype {dtype_of(a)}) is not supported; "
                        "apply it to the real and imaginary parts")
    return a


# ---- NaN-aware products, scans and extrema ---------------------------------------------------
@function
def nanprod(a: ArrayLike, axis: Axis = None, dtype=None, keepdims: bool = False) -> Array:
    """The product of the entries that are not NaN (NaN entries count as 1, zero gradient)."""
    a = _real("nanprod", _float(a) if dtype is None else astype(a, dtype))
    return prod(where(_nan_mask(a), 1, a), axis=axis, keepdims=keepdims)


@function
def nancumsum(a: ArrayLike, axis: int | None = None, dtype=None) -> Array:
    """Cumulative sum with NaN entries counted as 0 (zero gradient at NaN entries)."""
    a = _real("nancumsum", _float(a) if dtype is None else astype(a, dtype))
    return cumsum(where(_nan_mask(a), 0, a), axis=axis)


@function
def nancumprod(a: ArrayLike, axis: int | None = None, dtype=None) -> Array:
    """Cumulative product with NaN entries counted as 1 (zero gradient at NaN entries)."""
    a = _real("nancumprod", _float(a) if dtype is None else astype(a, dtype))
    return cumprod(where(_nan_mask(a), 1, a), axis=axis)


def _nan_extremum(name, reduce, fill, a, axis, keepdims):
    a = _real(name, _float(a))
    mask = _nan_mask(a)
    out = reduce(where(mask, fill, a), axis=axis, keepdims=keepdims)
    empty = np.all(mask, axis=axis, keepdims=keepdims)
    return where(empty, np.nan, out) if np.any(empty) else out


@function
def nanmax(a: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Array:
    """The largest entry that is not NaN (NaN for an all-NaN slice); ties share the gradient."""
    return _nan_extremum("nanmax", _max, -np.inf, a, axis, keepdims)


@function
def nanmin(a: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Array:
    """The smallest entry that is not NaN (NaN for an all-NaN slice); ties share the gradient."""
    return _nan_extremum("nanmin", _min, np.inf, a, axis, keepdims)


@function
def nanvar(a: ArrayLike, axis: Axis = None, dtype=None, ddof: int = 0, keepdims: bool = False) -> Array:
    """Variance of the entries that are not NaN, with ``ddof`` delta degrees of freedom."""
    a = _real("nanvar", _float(a) if dtype is None else astype(a, dtype))
    mask = _nan_mask(a)
    centred = where(mask, 0, a - nanmean(a, axis=axis, keepdims=True))
    count = np.sum(~mask, axis=axis, keepdims=keepdims).astype(dtype_of(a))
    with np.errstate(invalid="ignore", divide="ignore"):
        return _sum(centred * centred, axis=axis, keepdims=keepdims) / np.maximum(count - ddof, 0)


@function
def nanstd(a: ArrayLike, axis: Axis = None, dtype=None, ddof: int = 0, keepdims: bool = False) -> Array:
    """Standard deviation of the entries that are not NaN."""
    return sqrt(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


# ---- quantiles --------------------------------------------------------------------------------
def _quantile(name, a, q, axis, method, keepdims, skip_nan):
    if method not in _METHODS:
        raise ValueError(f"{name}: method must be one of {', '.join(map(repr, _METHODS))} "
                         f"(the differentiable ones), got {method!r}")
    a = _real(name, _float(a))
    qv = np.asarray(concrete(q), dtype=float)
    if np.any(np.isnan(qv)) or np.any(qv < 0) or np.any(qv > 1):
        raise ValueError(f"{name}: quantiles must be in the range [0, 1] "
                         f"(percentiles in [0, 100]), got {qv}")
    shape = shape_of(concrete(a))
    axes = negative_axes(axis, len(shape), name)
    keep = tuple(1 if i - len(shape) in axes else s for i, s in enumerate(shape))
    rest = tuple(s for i, s in enumerate(shape) if i - len(shape) not in axes)
    # the reduced axes moved to the end and merged into one
    moved = moveaxis(a, axes, tuple(range(-len(axes), 0)))
    flat = reshape(moved, rest + (-1,))
    n = shape_of(concrete(flat))[-1]
    if n == 0:
        raise ValueError(f"{name}: cannot take a quantile over an empty axis (input shape {shape})")
    nan = _nan_mask(flat)
    if skip_nan:
        count = np.sum(~nan, axis=-1, keepdims=True)
        flat = where(nan, np.inf, flat)  # so NaN entries sort to the end
    else:
        count = np.full(rest + (1,), n)
    s = sort(flat, axis=-1)
    qflat = reshape(q, (-1,)) if hasattr(q, "shape") else np.reshape(qv, (-1,))
    pos = qflat * (np.maximum(count, 1) - 1)                         # rest + (k,)
    posv = np.asarray(concrete(pos))
    low, high = np.floor(posv), np.ceil(posv)
    if method == "lower":
        high = low
    elif method == "higher":
        low = high
    elif method == "nearest":
        low = high = np.round(posv)
    lo = take_along_axis(s, low.astype(np.intp), axis=-1)
    hi = take_along_axis(s, high.astype(np.intp), axis=-1)
    if method == "linear":
        w = pos - low
        out = lo * (1 - w) + hi * w
    elif method == "midpoint":
        out = (lo + hi) * 0.5
        out = where(np.equal(low, high), lo, out)
    else:
        out = lo
    bad = (count == 0) | (np.any(nan, axis=-1, keepdims=True) if not skip_nan else False)
    if np.any(bad):
        out = where(np.broadcast_to(bad, shape_of(concrete(out))), np.nan, out)
    # NumPy's layout: the shape of q, then the remaining (or kept) axes
    out = moveaxis(out, -1, 0)
    out = reshape(out, np.shape(qv) + (keep if keepdims else rest))
    return out


@function
def quantile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out=None, overwrite_input: bool = False,
             method: str = "linear", keepdims: bool = False, *, weights=None,
             interpolation=None) -> Array:
    """The ``q``-th quantiles over ``axis`` (``q`` in [0, 1], a scalar or an array).

    The gradient flows to the order statistics the method picks (and to ``q`` for
    ``'linear'``); which entries those are is a constant, as in ``jax.numpy.quantile``."""
    _no_extras("quantile", out, weights, interpolation)
    return _quantile("quantile", a, q, axis, method, keepdims, skip_nan=False)


@function
def percentile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out=None, overwrite_input: bool = False,
               method: str = "linear", keepdims: bool = False, *, weights=None,
               interpolation=None) -> Array:
    """The ``q``-th percentiles over ``axis`` (``q`` in [0, 100]); :func:`quantile` of ``q/100``."""
    _no_extras("percentile", out, weights, interpolation)
    return _quantile("percentile", a, _div100(q), axis, method, keepdims, skip_nan=False)


@function
def nanquantile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out=None, overwrite_input: bool = False,
                method: str = "linear", keepdims: bool = False, *, weights=None,
                interpolation=None) -> Array:
    """:func:`quantile` of the entries that are not NaN (NaN for an all-NaN slice)."""
    _no_extras("nanquantile", out, weights, interpolation)
    return _quantile("nanquantile", a, q, axis, method, keepdims, skip_nan=True)


@function
def nanpercentile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out=None, overwrite_input: bool = False,
                  method: str = "linear", keepdims: bool = False, *, weights=None,
                  interpolation=None) -> Array:
    """:func:`percentile` of the entries that are not NaN."""
    _no_extras("nanpercentile", out, weights, interpolation)
    return _quantile("nanpercentile", a, _div100(q), axis, method, keepdims, skip_nan=True)


def _div100(q):
    return q / 100 if hasattr(q, "shape") else np.asarray(q, dtype=float) / 100


def _no_extras(name, out, weights, interpolation):
    for arg, v in (("out", out), ("weights", weights), ("interpolation", interpolation)):
        if v is not None:
            raise NotImplementedError(f"{name}: {arg}= is not supported by tensorgrad "
                                      f"(use the default and the return value)")


# ---- covariance, correlation ------------------------------------------------------------------
@function
def cov(m: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, bias: bool = False,
        ddof: int | None = None, fweights=None, aweights=None, *, dtype=None) -> Array:
    """The covariance matrix of the variables in the rows of ``m`` (columns if not ``rowvar``),
    normalised by N − 1 (N with ``bias``, N − ``ddof`` with ``ddof``); ``fweights`` and
    ``aweights`` are constant weights."""
    x = _real("cov", _float(m) if dtype is None else astype(m, dtype))
    if len(shape_of(concrete(x))) > 2:
        raise ValueError(f"cov: m must be 1-D or 2-D, got shape {shape_of(concrete(x))}")
    x = reshape(x, (1, -1)) if len(shape_of(concrete(x))) < 2 else x
    if not rowvar and shape_of(concrete(x))[0] != 1:
        x = transpose(x)
    if y is not None:
        yy = _float(y)
        yy = reshape(yy, (1, -1)) if len(shape_of(concrete(yy))) < 2 else yy
        if not rowvar and shape_of(concrete(yy))[0] != 1:
            yy = transpose(yy)
        x = concatenate([x, yy], axis=0)
    n = shape_of(concrete(x))[1]
    w = None
    if fweights is not None:
        w = np.asarray(fweights, dtype=float)
    if aweights is not None:
        a = np.asarray(aweights, dtype=float)
        w = a if w is None else w * a
    if ddof is None:
        ddof = 0 if bias else 1
    if w is None:
        wsum = float(n)
        avg = _sum(x, axis=1, keepdims=True) / n
        fact = n - ddof
    else:
        if w.shape != (n,):
            raise ValueError(f"cov: weights must have shape ({n},), got {w.shape}")
        wsum = float(w.sum())
        avg = _sum(x * w, axis=1, keepdims=True) / wsum
        if ddof == 0:
            fact = wsum
        elif aweights is None:
            fact = wsum - ddof
        else:
            fact = wsum - ddof * float((w * np.asarray(aweights, dtype=float)).sum()) / wsum
    xc = x - avg
    xw = xc if w is None else xc * w
    c = matmul(xw, transpose(xc)) / fact
    return reshape(c, ()) if shape_of(concrete(c)) == (1, 1) else c


@function
def corrcoef(x: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, *, dtype=None) -> Array:
    """Pearson correlation coefficients of the rows of ``x`` (columns if not ``rowvar``),
    clipped to [-1, 1] as NumPy does."""
    c = cov(x, y, rowvar, dtype=dtype)
    if shape_of(concrete(c)) == ():
        return c / c
    d = sqrt(_diag_of(c))
    r = c / reshape(d, (-1, 1)) / reshape(d, (1, -1))
    rv = concrete(r)
    return where((rv > 1) | (rv < -1), np.clip(rv, -1, 1), r) if np.any(np.abs(rv) > 1) else r


def _diag_of(c):
    return diagonal(c)


# ---- NumPy 2's cumulative_sum / cumulative_prod -----------------------------------------------
def _cumulative(name, scan, x, axis, dtype, include_initial, initial):
    x = x if dtype is None else astype(x, dtype)
    nd = len(shape_of(concrete(x)))
    if axis is None:
        if nd > 1:
            raise ValueError(f"{name}: axis must be given for an input with more than one "
                             f"dimension (shape {shape_of(concrete(x))})")
        axis = 0
    if nd == 0:
        raise ValueError(f"{name}: the input must have at least one dimension")
    out = scan(x, axis=axis)
    if include_initial:
        ax = negative_axes(axis, nd, name)[0] + nd
        widths = [(0, 0)] * nd
        widths[ax] = (1, 0)
        out = pad(out, widths, constant_values=initial)
    return out


@function
def cumulative_sum(x: ArrayLike, /, *, axis: int | None = None, dtype=None,
                   include_initial: bool = False) -> Array:
    """NumPy 2's ``cumulative_sum``: :func:`cumsum`, optionally starting with 0."""
    return _cumulative("cumulative_sum", cumsum, x, axis, dtype, include_initial, 0)


@function
def cumulative_prod(x: ArrayLike, /, *, axis: int | None = None, dtype=None,
                    include_initial: bool = False) -> Array:
    """NumPy 2's ``cumulative_prod``: :func:`cumprod`, optionally starting with 1."""
    return _cumulative("cumulative_prod", cumprod, x, axis, dtype, include_initial, 1)


_RANK_METHODS = ("average", "min", "max", "dense", "ordinal")


def _rankdata_signature(a: ArrayLike, method: str = "average", *, axis: int | None = None,
                        nan_policy: str = "propagate"):
    """The ranks of ``a`` from 1, ties resolved by ``method`` (average, min, max, dense,
    ordinal), over all entries (``axis=None``: flattened) or along ``axis``."""
    if method not in _RANK_METHODS:
        raise ValueError(f"rankdata: method must be one of {_RANK_METHODS}, got {method!r}")
    if nan_policy not in ("propagate", "omit", "raise"):
        raise ValueError(f"rankdata: nan_policy must be 'propagate', 'omit' or 'raise', "
                         f"got {nan_policy!r}")
    n = len(shape_of(concrete(a)))
    if axis is not None:
        if not -n <= axis < n:
            raise ValueError(f"rankdata: axis {axis} is out of range for an array of shape "
                             f"{shape_of(concrete(a))}")
        axis = int(axis) % n
    return (a,), (method, axis, nan_policy)


rankdata = nondifferentiable(
    "rankdata", lambda a, method, axis, nan_policy: scipy.stats.rankdata(
        a, method, axis=axis, nan_policy=nan_policy),
    signature=_rankdata_signature, params=("method", "axis", "nan_policy"), public=False,
    jax="jax.scipy.stats.rankdata", numpy=(),
    doc="ranks from 1 (SciPy's values and dtypes: float for 'average', integers otherwise)",
    examples=[Example((np.array([[3.0, 1.0, 3.0, 2.0], [0.0, 0.0, 5.0, 1.0]]),)),
              Example((np.array([[3.0, 1.0, 3.0, 2.0], [0.0, 0.0, 5.0, 1.0]]),),
                      {"method": "dense", "axis": 1})])
