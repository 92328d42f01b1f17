"""NumPy's NaN-aware reductions and statistics, as functions of registered ops.

* ``nanprod``, ``nancumsum``, ``nancumprod``: NaN entries count as 1 (products) or 0 (sums);
* ``nanmax``, ``nanmin``: NaN entries are skipped (an all-NaN slice gives NaN, as NumPy);
* ``nanvar``, ``nanstd``: moments of the entries that are not NaN;
* ``quantile``, ``percentile``, ``nanquantile``, ``nanpercentile``: a sort, then a gather of
  the two neighbouring order statistics and NumPy's interpolation of them (methods
  ``linear``, ``lower``, ``higher``, ``midpoint``, ``nearest``, and all nine of Hyndman &
  Fan's: ``inverted_cdf``, ``averaged_inverted_cdf``, ``closest_observation`` and the
  continuous ones; as NumPy's, two equal infinite neighbours give NaN), and NumPy's
  ``weights=`` with ``inverted_cdf`` (a weighted empirical cdf);
* ``cov``, ``corrcoef``: the covariance and correlation matrices of rows (or columns).

Every function here is a composition of registered ops (``where``, ``sort``,
``take_along_axis``, sums and products), so first and higher derivatives come from those
ops; NaN entries get a zero gradient and the choice of order statistics is a constant, as
in JAX (``jax.numpy.nanprod``, ``jax.numpy.quantile``, ...).
"""
from __future__ import annotations

import warnings

import numpy as np

from ..debug import user_stacklevel
from ..registry import Example, function, nondifferentiable
from ..typing import Array, ArrayLike, Axis  # noqa: F401
from ..staging import check, is_staged, may_any
from ._util import NAN_WARNINGS, as_array_like, concrete, dtype_of, negative_axes, numpy_scalar, shape_of, \
    torch_quiet
from .complex_ops import conj_part, imag_part, real_part
from .elementwise import _in_integer_dtype, astype, sqrt, where
from .reductions import max as _max
from .reductions import min as _min
from .reductions import prod, std_from_var, sum as _sum
from .scans import cumprod, cumsum, sort
from .arrange import pad
from .linalg import matmul
from .selection import diagonal, take_along_axis
from .shape import concatenate, moveaxis, reshape, transpose

# NumPy's continuous methods other than 'linear': (α, β) of the virtual index n·q + α + q(1 − α − β) − 1
_LINEAR = {"interpolated_inverted_cdf": (0, 1), "hazen": (0.5, 0.5), "weibull": (0, 0),
           "median_unbiased": (1 / 3, 1 / 3), "normal_unbiased": (3 / 8, 3 / 8)}
_METHODS = ("linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf", "averaged_inverted_cdf",
            "closest_observation", *_LINEAR)
#: the methods that pick one entry (which keeps an integer array's dtype)
_PICKS = ("lower", "higher", "nearest", "inverted_cdf", "closest_observation")
#: the median's own rule (nanmedian): the middle entry, or the mean of the two middle ones
_MIDDLE = "median (the mean of the middle entries)"


def _nan_mask(a):
    """Where ``a`` is NaN: a NumPy mask, or one ``tg.jit`` records and recomputes per call."""
    return np.isnan(concrete(a))


def _float(a):
    """``a`` as a float array or Tensor (integers are promoted, as NumPy's statistics do)."""
    a = as_array_like(a)
    if not np.issubdtype(dtype_of(a), np.inexact):
        a = astype(a, np.float64)
    return a


def _real(name: str, a):
    if np.issubdtype(dtype_of(a), np.complexfloating):
        raise TypeError(f"{name}: complex input (dtype {dtype_of(a)}) is not supported; "
                        "apply it to the real and imaginary parts")
    return a


# ---- NaN-aware products, scans and extrema ---------------------------------------------------
def _integral(a, dtype) -> bool:
    """Integers and booleans hold no NaN: NumPy's nan-functions are the plain ones there (and
    keep the plain ones' dtypes)."""
    return dtype is None and np.dtype(dtype_of(as_array_like(a))).kind in "biu"


def _nan_filled(name: str, a, dtype, fill):
    """NumPy's order: NaN entries replaced by ``fill`` first, then the cast to ``dtype``
    (a NaN cast to an integer dtype would be garbage, and warn). A complex entry with a NaN
    part counts as NaN, as NumPy's."""
    a = as_array_like(a)
    if np.issubdtype(dtype_of(a), np.inexact):
        a = where(_nan_mask(a), fill, a)
    return _float(a) if dtype is None else astype(a, dtype)


@function
def nanprod(a: ArrayLike, axis: Axis = None, dtype=None, keepdims: bool = False) -> Array:
    """The product of the entries that are not NaN (NaN entries count as 1, zero gradient)."""
    if _integral(a, dtype):
        return prod(a, axis=axis, keepdims=keepdims)
    p = prod(_nan_filled("nanprod", a, dtype, 1), axis=axis, keepdims=keepdims)
    return p if dtype is None else _in_integer_dtype(p, dtype)  # prod widens small ints


@function
def nancumsum(a: ArrayLike, axis: int | None = None, dtype=None) -> Array:
    """Cumulative sum with NaN entries counted as 0 (zero gradient at NaN entries)."""
    if _integral(a, dtype):
        return cumsum(a, axis=axis)
    return cumsum(_nan_filled("nancumsum", a, dtype, 0), axis=axis, dtype=dtype)


@function
def nancumprod(a: ArrayLike, axis: int | None = None, dtype=None) -> Array:
    """Cumulative product with NaN entries counted as 1 (zero gradient at NaN entries)."""
    if _integral(a, dtype):
        return cumprod(a, axis=axis)
    return cumprod(_nan_filled("nancumprod", a, dtype, 1), axis=axis, dtype=dtype)


def _nan_extremum(name, reduce, fill, a, axis, keepdims):
    if _integral(a, None):
        return reduce(a, axis=axis, keepdims=keepdims)
    a = _float(a)  # (complex entries in NumPy's order: by real part, then imaginary part)
    mask = _nan_mask(a)
    out = reduce(where(mask, fill, a), axis=axis, keepdims=keepdims)
    empty = np.all(mask, axis=axis, keepdims=keepdims)
    _warn_if(empty, "All-NaN slice encountered")
    return where(empty, np.nan, out) if may_any(empty) else out


def _warn_if(empty, message: str) -> None:
    """NumPy's RuntimeWarning of the NaN-skipping reductions, where a slice is left empty
    (known only when the plan runs under tg.jit: no warning there), shown at the caller's line
    (the first frame outside tensorgrad), as NumPy's is."""
    if not NAN_WARNINGS.off and not is_staged(empty) and np.any(empty):
        warnings.warn(message, RuntimeWarning, stacklevel=user_stacklevel())


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
    """Variance of the entries that are not NaN, with ``ddof`` delta degrees of freedom (real
    for complex entries: the mean of |x − x̄|², as NumPy's)."""
    a = _float(a) if dtype is None else astype(a, dtype)
    mask = _nan_mask(a)
    rdt = np.real(np.zeros((), dtype_of(a))).dtype  # the counts' (and the result's) real dtype
    # the mean of the entries that are not NaN, as nanmean's (an all-NaN slice gets 0 rather
    # than nanmean's 'Mean of empty slice' warning: its entries are all masked out below)
    present = np.sum(~mask, axis=axis, keepdims=True).astype(rdt)
    m = _sum(where(mask, 0, a), axis=axis, keepdims=True) / np.maximum(present, 1)
    centred = where(mask, 0, a - m)
    count = np.sum(~mask, axis=axis, keepdims=keepdims).astype(rdt)
    dof = np.maximum(count - ddof, 0)
    if dtype_of(concrete(centred)).kind == "c":
        re, im = real_part(centred), imag_part(centred)
        squares = _sum(re * re + im * im, axis=axis, keepdims=keepdims)
    else:
        squares = _sum(centred * centred, axis=axis, keepdims=keepdims)
    empty = dof <= 0
    _warn_if(empty, "Degrees of freedom <= 0 for slice.")
    if not may_any(empty):
        return squares / dof
    # no degrees of freedom left: NaN, as NumPy. The division goes by a safe count, so the
    # gradient there is 0 (not 0/0) when the caller masks the NaN out (as JAX's)
    return where(empty, np.nan, squares / np.where(empty, 1, dof))


@function
def nanstd(a: ArrayLike, axis: Axis = None, dtype=None, ddof: int = 0, keepdims: bool = False) -> Array:
    """Standard deviation of the entries that are not NaN (gradient 0 where they are all
    equal, as :func:`std`)."""
    return std_from_var(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


# ---- quantiles --------------------------------------------------------------------------------
def _check_q(name, qv) -> None:
    if np.any(np.isnan(qv)) or np.any(qv < 0) or np.any(qv > 1):
        if "percentile" in name:  # (q was divided by 100: show what was passed)
            raise ValueError(f"{name}: percentiles must be in the range [0, 100], got {qv * 100}")
        raise ValueError(f"{name}: quantiles must be in the range [0, 1], got {qv}")


def _positions(method, q, count):
    """The sorted positions a method reads, as NumPy's: ``(low, high, gamma, marker)``.

    ``low``/``high`` index the two order statistics interpolated (the same one for the
    methods that pick an entry, whose ``gamma`` is None); ``gamma`` is the weight of
    ``high``, and ``marker`` the lower index NumPy subtracts to get it (−1 for a virtual
    index at or past the last entry, 0 before the first: there NumPy interpolates the entry
    with itself, which is NaN for an infinite entry, as NumPy's inf − inf).

    ``q`` has shape (k,), ``count`` (the entries per slice) rest + (1,); NumPy's arithmetic
    in q's dtype (a float32 q gives float32 positions, which can round to another order
    statistic than float64 ones would), written with NumPy calls that ``tg.jit`` records
    when ``count`` is traced."""
    n = np.maximum(count, 1).astype(dtype_of(q))
    if method == "inverted_cdf":  # the smallest x_(i) with i/n ≥ q
        low = np.clip(np.ceil(q * n) - 1, 0, n - 1)
        return low, low, None, None
    if method == "closest_observation":  # x_(k) nearest n·q, the even k (1-based) at a tie
        index = n * q - 1 - 0.5
        below = np.floor(index)
        pick = np.where((index - below == 0) & (below % 2 == 1), below, below + 1)
        pick = np.maximum(pick, 0)
        return pick, pick, None, None
    if method in ("lower", "higher", "nearest", _MIDDLE):
        pos = q * (n - 1)
        if method == _MIDDLE:  # the median's middle entry, or its two middle ones
            return np.floor(pos), np.ceil(pos), None, None
        pick = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}[method](pos)
        return pick, pick, None, None
    if method == "linear":
        virtual = (n - 1) * q
    elif method == "averaged_inverted_cdf":
        virtual = n * q - 1
    elif method == "midpoint":
        virtual = 0.5 * (np.floor((n - 1) * q) + np.ceil((n - 1) * q))
    else:  # Hyndman & Fan's continuous methods: α, β of the virtual index
        alpha, beta = _LINEAR[method]
        virtual = n * q + (alpha + q * (1 - alpha - beta)) - 1
    above, below = virtual >= n - 1, virtual < 0
    marker = np.where(above, -1, np.where(below, 0, np.floor(virtual)))
    gamma = (virtual - marker).astype(dtype_of(virtual))
    if method == "midpoint":  # ½ between two entries, 0 on one
        gamma = np.where(virtual % 1 == 0, 0, 0.5).astype(dtype_of(virtual))
    elif method == "averaged_inverted_cdf":  # the next entry, or ½ and ½ at a jump of the cdf
        gamma = np.where(gamma == 0, 0.5, 1).astype(dtype_of(virtual))
    ends = above | below
    low = np.where(above, n - 1, np.where(below, 0, marker))
    return low, np.where(ends, low, low + 1), gamma, marker


def _lerp(lo, hi, t, dt):
    """NumPy's interpolation ``lo + (hi − lo)·t``, taken as ``hi − (hi − lo)·(1 − t)`` where
    t ≥ ½ (exact at both ends). As NumPy's it is NaN for equal infinite ``lo`` and ``hi``
    (inf − inf), and the second form is evaluated only where it is used, so an invalid
    operation warns exactly where NumPy's warns.

    ``t`` is in q's dtype (float64 for a Python number q) and ``dt`` is the result's: ``t``
    and ``1 − t`` are rounded to it only after they are computed, as NumPy rounds its
    Python-float ``gamma`` (a weak scalar) to a float32 ``a``'s dtype."""
    diff = hi - lo
    out = lo + diff * astype(t, dt)
    upper = np.greater_equal(concrete(t), 0.5)
    if not may_any(upper):
        return out
    tail = diff * astype(1 - t, dt)
    if not is_staged(upper) and np.all(upper):
        return hi - tail
    return where(upper, where(upper, hi, 0) - where(upper, tail, 0), out)


def _warn_empty(count) -> None:
    if not NAN_WARNINGS.off and np.any(count == 0):  # NumPy's nan-quantiles warn of an all-NaN
        # (or empty) slice
        warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=5)


def _weights_like(name, weights, shape, axis):
    """NumPy's ``weights``: a's shape, or (with ``axis``) the shape of a along ``axis`` in
    the order given, broadcast to a's shape."""
    w = concrete(as_array_like(weights))
    ws = shape_of(w)
    if ws == shape:
        return w
    if axis is None:
        raise TypeError(f"{name}: axis must be specified when shapes of a and weights differ "
                        f"(a: {shape}, weights: {ws})")
    given = [int(ax) % len(shape) for ax in (axis if isinstance(axis, (tuple, list)) else (axis,))]
    if ws != tuple(shape[ax] for ax in given):
        raise ValueError(f"{name}: shape of weights must be consistent with shape of a along "
                         f"the specified axis (a: {shape}, axis: {axis}, weights: {ws})")
    w = np.transpose(w, np.argsort(given))
    return np.broadcast_to(np.reshape(w, tuple(s if ax in given else 1 for ax, s in enumerate(shape))),
                           shape)


def _check_weights(name, w) -> None:
    if np.any(w < 0):
        raise ValueError(f"{name}: weights must be non-negative")


def _check_total(name, total, count) -> None:
    if np.any(~(np.isfinite(total) & (total > 0)) & (count > 0)):
        raise ValueError(f"{name}: weights included NaN, inf or were all zero")


def _weighted_low(name, flat, w, nan, qc, count):
    """The sorted position of NumPy's weighted ``inverted_cdf`` quantile: the first entry
    whose cumulative weight share (summed in float64, then in q's dtype) reaches q, leading
    zero-weight entries skipped. NaN entries a nan-quantile ignores have weight 0 here."""
    check(_check_weights, name, w)
    if nan is not None:
        w = np.where(nan, 0, w)
    order = np.argsort(concrete(flat), axis=-1, kind="stable")  # as sort's: same positions
    cdf = np.cumsum(np.take_along_axis(w, order, axis=-1), axis=-1, dtype=np.float64)
    total = cdf[..., -1:]
    check(_check_total, name, total, count)
    cdf = cdf / np.where(np.isfinite(total) & (total > 0), total, 1)
    if dtype_of(qc).kind == "f":
        cdf = cdf.astype(dtype_of(qc))
    cdf = np.where(cdf == 0, -1, cdf)  # a leading zero weight is never the q = 0 entry
    low = np.sum(cdf[..., None, :] < np.reshape(qc, (-1, 1)), axis=-1)
    return np.minimum(low, shape_of(cdf)[-1] - 1)


def _quantile(name, a, q, axis, method, keepdims, skip_nan, weights=None):
    if method not in _METHODS and method is not _MIDDLE:
        raise ValueError(f"{name}: method must be one of {', '.join(map(repr, _METHODS))}, "
                         f"got {method!r}")
    if weights is not None and method != "inverted_cdf":
        raise ValueError(f"{name}: only method 'inverted_cdf' supports weights, got {method!r}")
    picked = dtype_of(as_array_like(a))
    qc = concrete(q)
    if picked.kind in "iu" and type(q) not in (int, float) and hasattr(qc, "dtype") \
            and dtype_of(qc).kind == "f" and method not in _PICKS:
        a = astype(a, np.result_type(picked, dtype_of(qc)))  # int8 with float32 q: float32, as NumPy
    a = _real(name, _float(a))
    # an interpolation in q's dtype when q is an array (Python numbers are weak), as NumPy;
    # the methods that pick an entry keep a's dtype. As NumPy's, the entries stay in a's dtype
    # up to the interpolation (a float32 a's two neighbours are subtracted in float32)
    dt = dtype_of(a)
    if type(q) not in (int, float) and method not in _PICKS:
        dt = np.result_type(dt, dtype_of(qc) if hasattr(qc, "dtype") else np.float64)
    if is_staged(qc):  # checked when the jit plan runs
        check(_check_q, name, qc)
    else:
        qc = np.asarray(qc)  # a float array keeps its dtype (NumPy's positions are in it)
        qc = qc.astype(qc.dtype if hasattr(q, "shape") and qc.dtype.kind == "f" else np.float64)
        _check_q(name, qc)
    shape = shape_of(concrete(a))
    axes = negative_axes(axis, len(shape), name)
    keep = tuple(1 if i - len(shape) in axes else s for i, s in enumerate(shape))
    rest = tuple(s for i, s in enumerate(shape) if i - len(shape) not in axes)
    # the reduced axes moved to the end and merged into one
    moved = moveaxis(a, axes, tuple(range(-len(axes), 0)))
    flat = reshape(moved, rest + (int(np.prod([shape[a] for a in axes])),))  # not -1: rest may hold a 0
    n = shape_of(concrete(flat))[-1]
    if n == 0:
        if skip_nan:  # NumPy: an empty slice is like an all-NaN one, its nan-quantile is NaN
            if not NAN_WARNINGS.off:
                warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=4)
            return np.full(np.shape(qc) + (keep if keepdims else rest), np.nan, dtype=dt)
        raise ValueError(f"{name}: cannot take a quantile over an empty axis (input shape {shape})")
    nan = _nan_mask(flat)
    if skip_nan:
        count = np.sum(~nan, axis=-1, keepdims=True)
        check(_warn_empty, count)
        flat = where(nan, np.inf, flat)  # so NaN entries sort to the end
    else:
        count = np.full(rest + (1,), n)
    s = sort(flat, axis=-1)
    if skip_nan and may_any(count == 0):  # all-NaN slices (NaN in the end): no inf · 0 below
        s = where(count == 0, 0, s)
    if weights is not None:
        wflat = np.reshape(np.moveaxis(_weights_like(name, weights, shape, axis), axes,
                                       tuple(range(-len(axes), 0))), shape_of(concrete(flat)))
        low = high = _weighted_low(name, flat, wflat, nan if skip_nan else None, qc, count)
        w = None
    else:
        low, high, w, marker = _positions(method, np.reshape(qc, (-1,)), count)
    lo = take_along_axis(s, low.astype(np.intp), axis=-1)
    hi = take_along_axis(s, high.astype(np.intp), axis=-1)
    if method is _MIDDLE:  # the mean of the two middle entries (NumPy's median: inf stays inf)
        out = where(np.equal(low, high), lo, (lo + hi) * 0.5)
    elif w is None:
        out = lo
    else:
        if hasattr(q, "shape") and (method == "linear" or method in _LINEAR):
            # a differentiable q: w carries its gradient (_positions' arithmetic, in its order)
            qs, n = reshape(q, (-1,)), np.maximum(count, 1).astype(dtype_of(qc))
            if method == "linear":
                w = qs * (n - 1) - marker
            else:
                alpha, beta = _LINEAR[method]
                w = qs * n + (alpha + qs * (1 - alpha - beta)) - 1 - marker
        out = _lerp(lo, hi, w, dt)
    bad = count == 0
    if not skip_nan:
        bad = bad | np.any(nan, axis=-1, keepdims=True)
    if may_any(bad):
        out = where(np.broadcast_to(bad, shape_of(concrete(out))), np.nan, out)
    if picked.kind in "biu" and method in _PICKS:
        out = astype(out, picked)  # an entry of an integer array keeps its dtype, as NumPy
    # NumPy's layout: the shape of q, then the remaining (or kept) axes
    out = moveaxis(out, -1, 0)
    return numpy_scalar(reshape(out, np.shape(qc) + (keep if keepdims else rest)))


@function
def quantile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out=None, overwrite_input: bool = False,
             method: str = "linear", keepdims: bool = False, *, weights=None,
             interpolation=None) -> Array:
    """The ``q``-th quantiles over ``axis`` (``q`` in [0, 1], a scalar or an array).

    The gradient flows to the order statistics the method picks (and to ``q`` for the
    methods that interpolate linearly in it: ``'linear'``, ``'hazen'``, ``'weibull'``,
    ``'median_unbiased'``, ``'normal_unbiased'`` and ``'interpolated_inverted_cdf'``; the
    others are piecewise constant in ``q``); which entries those are is a constant, as in
    ``jax.numpy.quantile``.
    ``weights`` (NumPy's: ``a``'s shape, or its shape along ``axis``; only with
    ``method='inverted_cdf'``) weigh the entries of the empirical cdf; the quantile is
    piecewise constant in them, so their gradient is zero."""
    _no_extras("quantile", out, interpolation)
    return _quantile("quantile", a, q, axis, method, keepdims, skip_nan=False, weights=weights)


@function
def percentile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out=None, overwrite_input: bool = False,
               method: str = "linear", keepdims: bool = False, *, weights=None,
               interpolation=None) -> Array:
    """The ``q``-th percentiles over ``axis`` (``q`` in [0, 100]); :func:`quantile` of ``q/100``."""
    _no_extras("percentile", out, interpolation)
    return _quantile("percentile", a, _div100(q), axis, method, keepdims, skip_nan=False, weights=weights)


@function
@torch_quiet
def nanquantile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out=None, overwrite_input: bool = False,
                method: str = "linear", keepdims: bool = False, *, weights=None,
                interpolation=None) -> Array:
    """:func:`quantile` of the entries that are not NaN (NaN for an all-NaN slice)."""
    _no_extras("nanquantile", out, interpolation)
    return _quantile("nanquantile", a, q, axis, method, keepdims, skip_nan=True, weights=weights)


@function
@torch_quiet
def nanpercentile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out=None, overwrite_input: bool = False,
                  method: str = "linear", keepdims: bool = False, *, weights=None,
                  interpolation=None) -> Array:
    """:func:`percentile` of the entries that are not NaN."""
    _no_extras("nanpercentile", out, interpolation)
    return _quantile("nanpercentile", a, _div100(q), axis, method, keepdims, skip_nan=True, weights=weights)


def _div100(q):
    if hasattr(q, "shape") or type(q) in (int, float):  # a Python number stays one (weak dtype)
        return q / 100
    return np.asarray(q, dtype=float) / 100


def _no_extras(name, out, interpolation):
    for arg, v in (("out", out), ("interpolation", interpolation)):
        if v is not None:
            raise NotImplementedError(f"{name}: {arg}= is not supported by tensorgrad "
                                      f"(use the default and the return value)")


# ---- covariance, correlation ------------------------------------------------------------------
def _check_aweights(a) -> None:
    if np.any(np.asarray(a) < 0):
        raise ValueError("cov: aweights cannot be negative")


@function
def cov(m: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, bias: bool = False,
        ddof: int | None = None, fweights=None, aweights=None, *, dtype=None) -> Array:
    """The covariance matrix of the variables in the rows of ``m`` (columns if not ``rowvar``),
    normalised by N − 1 (N with ``bias``, N − ``ddof`` with ``ddof``); ``fweights`` and
    ``aweights`` weigh the observations (``aweights`` may be traced: the covariance
    differentiates in them, as in JAX)."""
    if dtype is None:  # NumPy computes in result_type(m, y, float64): float32 input gives float64
        dtype = np.result_type(dtype_of(_float(m)), *([dtype_of(_float(y))] if y is not None else []),
                               np.float64)
    x = astype(_float(m), dtype)  # complex too: X Xᴴ, as NumPy
    m_ndim = len(shape_of(concrete(x)))
    if m_ndim > 2:
        raise ValueError(f"cov: m must be 1-D or 2-D, got shape {shape_of(concrete(x))}")
    x = reshape(x, (1, -1)) if m_ndim < 2 else x
    if not rowvar and m_ndim != 1:  # NumPy ≥ 2.2: a 2-D m is transposed, also with one row
        x = transpose(x)
    if y is not None:
        yy = astype(_float(y), dtype)
        yy = reshape(yy, (1, -1)) if len(shape_of(concrete(yy))) < 2 else yy
        if not rowvar and shape_of(concrete(yy))[0] != 1:
            yy = transpose(yy)
        if shape_of(concrete(yy))[1:] != shape_of(concrete(x))[1:]:
            raise ValueError(f"cov: m and y must have the same number of observations, got "
                             f"{shape_of(concrete(x))[1]} and {shape_of(concrete(yy))[1]} "
                             f"(rowvar={rowvar})")
        x = concatenate([x, yy], axis=0)
    n = shape_of(concrete(x))[1]
    w = a = None
    if ddof is not None and ddof != int(ddof):
        raise ValueError(f"cov: ddof must be an integer, got {ddof!r}")
    if fweights is not None:
        w = np.asarray(concrete(fweights), dtype=float)  # counts: constants
        if not np.all(w == np.around(w)):
            raise TypeError("cov: fweights must be integers (frequency counts)")
        if np.any(w < 0):
            raise ValueError("cov: fweights cannot be negative")
    if aweights is not None:  # may be traced: the covariance differentiates in them (as JAX)
        a = _float(aweights)  # a list or integers: float64, as NumPy
        check(_check_aweights, concrete(a))  # (again at each replay under tg.jit)
        w = a if w is None else w * a
    if ddof is None:
        ddof = 0 if bias else 1
    if w is None:
        wsum = float(n)
        avg = _sum(x, axis=1, keepdims=True) / n
        fact = n - ddof
    else:
        if tuple(shape_of(concrete(w))) != (n,):
            raise ValueError(f"cov: weights must have shape ({n},), got {shape_of(concrete(w))}")
        wsum = _sum(w)
        avg = _sum(x * w, axis=1, keepdims=True) / wsum
        if ddof == 0:
            fact = wsum
        elif aweights is None:
            fact = wsum - ddof
        else:
            fact = wsum - ddof * _sum(w * a) / wsum
    # NumPy: "Degrees of freedom <= 0" divides by 0 (inf or NaN), never by a negative number
    if w is None:
        fact = max(fact, 0)
    elif may_any(concrete(fact) <= 0):
        fact = where(concrete(fact) <= 0, 0.0, fact)
    xc = x - avg
    xw = xc if w is None else xc * w
    if np.dtype(dtype).kind == "c":  # Σ (x − x̄)(y − ȳ)* (NumPy's dot(X, (X w)ᴴ))
        c = matmul(xc, transpose(conj_part(xw))) / fact
    else:
        c = matmul(xw, transpose(xc)) / fact
    return reshape(c, ()) if shape_of(concrete(c)) == (1, 1) else c


@function
def corrcoef(x: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, *, dtype=None) -> Array:
    """Pearson correlation coefficients of the rows of ``x`` (columns if not ``rowvar``),
    clipped to [-1, 1] as NumPy does (for complex ones, the real and imaginary parts)."""
    c = cov(x, y, rowvar, dtype=dtype)
    if shape_of(concrete(c)) == ():
        return c / c
    d = _diag_of(c)
    d = sqrt(real_part(d) if dtype_of(concrete(d)).kind == "c" else d)
    r = c / reshape(d, (-1, 1)) / reshape(d, (1, -1))
    rv = concrete(r)
    outside = (np.abs(np.real(rv)) > 1) | (np.abs(np.imag(rv)) > 1)
    if not may_any(outside):
        return r
    clipped = np.clip(np.real(rv), -1, 1)
    if np.iscomplexobj(rv):
        clipped = clipped + 1j * np.clip(np.imag(rv), -1, 1)
    return where(outside, clipped.astype(rv.dtype), r)


def _diag_of(c):
    return diagonal(c)


# ---- NumPy 2's cumulative_sum / cumulative_prod -----------------------------------------------
def _cumulative(name, scan, x, axis, dtype, include_initial, initial):
    nd = len(shape_of(concrete(x)))
    if axis is None:
        if nd > 1:
            raise ValueError(f"{name}: axis must be given for an input with more than one "
                             f"dimension (shape {shape_of(concrete(x))})")
        axis = 0
    if nd == 0:  # (NumPy 2.4's rule: a 0-d input is read as one entry along axis 0)
        x, nd = reshape(x, (1,)), 1
        negative_axes(axis, nd, name)
    out = scan(x, axis=axis, dtype=dtype)  # the scan accumulates in dtype, as NumPy's
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


def _rank1d(v: np.ndarray, method: str) -> np.ndarray:
    """Ranks from 1 of a 1-D array without NaNs (ties by ``method``)."""
    order = np.argsort(v, kind="stable")
    place = np.empty(v.size, dtype=np.intp)
    place[order] = np.arange(v.size)
    if method == "ordinal":
        return place + 1
    s = v[order]
    first = np.r_[True, s[1:] != s[:-1]] if v.size else np.zeros(0, bool)
    dense = np.cumsum(first)[place]  # the rank of each distinct value, from 1
    if method == "dense":
        return dense
    ends = np.r_[np.flatnonzero(first), v.size]  # where each run of equal values starts, and n
    if method == "max":
        return ends[dense]
    if method == "min":
        return ends[dense - 1] + 1
    return 0.5 * (ends[dense] + ends[dense - 1] + 1)


def _rankdata_forward(a, method, axis, nan_policy):
    """SciPy's ``rankdata``: float ranks for 'average' (and where NaNs are involved),
    integers otherwise; ``axis=None`` ranks the flattened array."""
    a = np.asarray(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    nan = np.isnan(a) if a.dtype.kind in "fc" else np.zeros(a.shape, bool)
    if nan_policy == "raise" and nan.any():
        raise ValueError("rankdata: the input contains NaN (nan_policy='raise')")
    moved, gaps = np.moveaxis(a, axis, -1), np.moveaxis(nan, axis, -1)
    lead = int(np.prod(moved.shape[:-1]))  # (not -1: an empty slice leaves it ambiguous)
    rows, holes = moved.reshape(lead, moved.shape[-1]), gaps.reshape(lead, moved.shape[-1])
    floats = method == "average" or holes.any()
    out = np.empty(rows.shape, dtype=np.float64 if floats else np.intp)
    for k, (row, hole) in enumerate(zip(rows, holes)):
        if not hole.any():
            out[k] = _rank1d(row, method)
        elif nan_policy == "omit":  # rank the rest; NaN where the NaNs were
            out[k] = np.nan
            out[k, ~hole] = _rank1d(row[~hole], method)
        else:  # 'propagate': a slice with a NaN is all NaN
            out[k] = np.nan
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


def _jax_rankdata(jnp, a, method, axis, nan_policy):
    import jax.scipy.stats  # JAX's ranks are floats; SciPy's (and ours) integers but for 'average'
    r = jax.scipy.stats.rankdata(a, method, axis=axis, nan_policy=nan_policy)
    return r if method == "average" else r.astype(jnp.int64)


rankdata = nondifferentiable(
    "rankdata", _rankdata_forward,
    signature=_rankdata_signature, params=("method", "axis", "nan_policy"), public=False,
    jax="jax.scipy.stats.rankdata", numpy=(), to_jax=_jax_rankdata,
    doc="ranks from 1 (SciPy's values and dtypes: float for 'average', integers otherwise)",
    examples=[Example((np.array([[3.0, 1.0, 3.0, 2.0], [0.0, 0.0, 5.0, 1.0]]),)),
              Example((np.array([[3.0, 1.0, 3.0, 2.0], [0.0, 0.0, 5.0, 1.0]]),),
                      {"method": "dense", "axis": 1})])
