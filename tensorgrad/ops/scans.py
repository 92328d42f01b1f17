"""Scans and more reductions: cumsum, cumprod, diff, trace, average, nansum, nanmean,
ptp, sort and median.

Axes are stored as negative axes, so every rule also serves cotangents and
tangents that carry batch axes in front. ``axis=None`` (NumPy's "flattened
array") is a reshape to 1-D followed by the op along axis −1.

Conventions where a derivative does not exist:

* ``sort`` permutes its input, and its derivative permutes the tangent the
  same way. Tied entries are ordered stably (first come, first placed), so
  each tied input receives the cotangent of the position it was sorted to;
  any split of a tie is a valid subgradient, this one keeps ``sort`` a
  permutation.
* ``median`` is the middle entry of the sorted slice (odd length) or the mean
  of the two middle entries (even length): the gradient goes to that entry,
  or ½ to each of the two. Ties are broken as in ``sort``.
* ``ptp`` (max − min) gives tied extreme entries equal shares, as ``max``.
* ``cumprod`` is exact at inputs that contain zeros (to every order), infs or NaNs.
* ``nansum``/``nanmean`` give NaN entries a zero gradient.
"""
from __future__ import annotations

import numpy as np

from ..jacobians.gather import IndexPermutation
from ..jacobians.scans import RunningSum
from ..registry import Example, function, general, linear
from ..typing import Array, ArrayLike, Axis  # noqa: F401
from ._util import concrete, dtype_of, index_param, legacy_0d_axis, lift_tangent, may_any, negative_axes, \
    negative_axis, quiet_median, quiet_nanmean, shape_of, sort_kind
from .elementwise import astype, not_equal, where
from .linalg import matmul
from .reductions import _keep, _spread, mean
from .reductions import sum as _sum
from .shape import broadcast_to, concatenate, expand_dims, getitem, moveaxis, reshape, swapaxes, \
    transpose


def _flat_axis(x, axis, name):
    """(x, axis) with ``axis=None`` meaning the flattened array (NumPy's convention; for the
    running sums and products also axis 0 or −1 of a 0-d array)."""
    if axis is None or name != "sort" and legacy_0d_axis(x, axis) is None:
        return (x if len(shape_of(concrete(x))) == 1 else reshape(x, (-1,))), -1
    return x, negative_axis(axis, len(shape_of(concrete(x))), name)


_ACCUMULATORS: dict = {}


def _in_accumulator(a, scan, dtype):
    """``a`` in ``dtype``, or (None) in the dtype NumPy's ``scan`` accumulates it in (small
    integers and booleans: the platform integer); unchanged if it is in it already. The op
    then runs in its input's dtype, so an explicit ``dtype=int32`` stays int32, as NumPy's."""
    have = dtype_of(concrete(a))
    if dtype is None:
        key = (scan, have)
        dtype = _ACCUMULATORS.get(key)
        if dtype is None:
            dtype = _ACCUMULATORS[key] = scan(np.zeros(1, dtype=have)).dtype
    return a if have == np.dtype(dtype) else astype(a, dtype)


def _flip(g, axis):
    return getitem(g, (Ellipsis, slice(None, None, -1)) + (slice(None),) * (-axis - 1))


# ---- cumsum (linear) --------------------------------------------------------------------
def _cumsum_signature(a: ArrayLike, axis: int | None = None, dtype=None):
    """Running sums along ``axis`` (None: of the flattened array). Jacobian: triangular ones."""
    a = _in_accumulator(a, np.cumsum, dtype)
    x, ax = _flat_axis(a, axis, "cumsum")
    return (x,), (ax,)


def _cumsum_transpose(g, out, x, axis):
    # the running sum from the other end: flip, cumsum, flip back
    return _flip(cumsum(_flip(g, axis), axis=axis), axis)


cumsum = linear(
    "cumsum", lambda x, axis: np.cumsum(x, axis=axis, dtype=x.dtype), transpose=_cumsum_transpose,
    signature=_cumsum_signature, params=("axis",), methods=("cumsum",),
    jacobian=lambda i, args, out, params: RunningSum(np.shape(out), params[0]),
    jax=lambda jnp, x, axis=None: jnp.cumsum(x, axis=axis), symbol="L (lower-triangular ones)",
    doc="running sums along an axis",
    examples=[Example(((4,),)), Example(((2, 3),), {"axis": 0}), Example(((2, 3),), {"axis": -1})])


# ---- cumprod ------------------------------------------------------------------------------
def _products_without_one(x, axis):
    """M[..., j, i] = ∏_{k ≤ i, k ≠ j} x_k for i ≥ j (else 0), with the scan axis moved last:
    ∂out_i/∂x_j, exact also where entries are 0 (and differentiable again: tg ops)."""
    xm = moveaxis(x, axis, -1)
    xs = shape_of(xm)
    n = xs[-1]
    rows = where(np.eye(n, dtype=bool), 1, broadcast_to(expand_dims(xm, -2), xs[:-1] + (n, n)))
    # select, not multiply: a 0·inf below the diagonal would be NaN (and the products there,
    # which are not used, may be 0·inf: quietly)
    with np.errstate(invalid="ignore", over="ignore"):  # (an overflow: the forward's, warned)
        products = cumprod(rows, axis=-1)
    return where(np.triu(np.ones((n, n), dtype=bool)), products, 0)


def _has_zeros(x, out):
    """Whether ``x`` may hold a zero, an inf or a NaN, or a running product overflowed (to inf,
    or to 0), where dividing ``out`` by ``x`` is not the derivative (True under tg.jit: the
    exact path, right for any value). Also True for a recorded sweep (a derivative of a
    derivative): the quotient's own derivative cancels out/x² terms, rounding noise or an
    overflow for a tiny x."""
    cx, co = concrete(x), concrete(out)
    if cx is not x:
        return True
    return may_any(np.logical_or(np.equal(cx, 0), np.logical_not(np.isfinite(cx)))) \
        or may_any(np.logical_or(np.equal(co, 0), np.logical_not(np.isfinite(co))))


def _past_overflow(M, w, axis):
    """``M`` with 0 at its infinite entries in the columns i where ``w`` (the cotangent or
    tangent) is 0: there a product that overflowed to inf must not meet w's 0 (0·inf, NaN).
    Finite entries stay, whatever ``w``: a derivative of this one differentiates in ``w`` too,
    through the entries where ``w`` is 0 now."""
    live = expand_dims(moveaxis(not_equal(w, 0), axis, -1), -2)
    return where(live | np.isfinite(concrete(M)), M, 0)


def _cumprod_vjp(g, out, x, axis):
    if not _has_zeros(x, out):
        # Σ_{i ≥ j} g_i out_i / x_j: a running sum from the end, divided by x
        return _cumsum_transpose(g * out, None, None, axis) / x
    M = _past_overflow(_products_without_one(x, axis), g, axis)
    with np.errstate(invalid="ignore"):  # (0·inf where x holds an inf: NaN, as the input's)
        c = matmul(M, expand_dims(moveaxis(g, axis, -1), -1))
    return moveaxis(reshape(c, shape_of(c)[:-1]), -1, axis)


def _cumprod_jvp(t, out, x, axis):
    if not _has_zeros(x, out):
        return out * cumsum(t / x, axis=axis)
    Mt = _past_overflow(swapaxes(_products_without_one(x, axis), -1, -2), t, axis)
    with np.errstate(invalid="ignore"):
        c = matmul(Mt, expand_dims(moveaxis(t, axis, -1), -1))
    return moveaxis(reshape(c, shape_of(c)[:-1]), -1, axis)


def _cumprod_signature(a: ArrayLike, axis: int | None = None, dtype=None):
    """Running products along ``axis`` (None: of the flattened array); exact where entries are 0."""
    a = _in_accumulator(a, np.cumprod, dtype)
    x, ax = _flat_axis(a, axis, "cumprod")
    return (x,), (ax,)


cumprod = general(
    "cumprod", lambda x, axis: np.cumprod(x, axis=axis, dtype=x.dtype), vjp={"x": _cumprod_vjp},
    jvp={"x": _cumprod_jvp}, signature=_cumprod_signature, params=("axis",), methods=("cumprod",),
    jax=lambda jnp, x, axis=None: jnp.cumprod(x, axis=axis), symbol="∂out_i/∂x_j = ∏_{k≤i, k≠j} x_k",
    doc="running products along an axis", domain="nonzero",
    examples=[Example(((4,),)), Example(((2, 3),), {"axis": 1}),
              Example((np.array([[1.5, 0.0, -2.0], [0.5, 3.0, 0.0]]),), {"axis": 1}, diff=(0,))])


# ---- diff (linear) ----------------------------------------------------------------------------
def _diff_signature(a: ArrayLike, n: int = 1, axis: int = -1, prepend=None, append=None):
    """The ``n``-th discrete difference along ``axis``; ``prepend``/``append`` are joined
    first (scalars are repeated across the other axes, as in NumPy), unless ``n`` is 0: then
    the input comes back as it is, as NumPy's does."""
    n = index_param(n, "diff", "the order n")
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    xs = shape_of(concrete(a))
    if not xs:
        raise ValueError("diff: needs an input with at least one axis")
    ax = negative_axis(axis, len(xs), "diff")
    if n and (prepend is not None or append is not None):
        parts = []
        for extra, first in ((prepend, True), (append, False)):
            if extra is None:
                continue
            if not shape_of(concrete(extra)):
                extra = broadcast_to(extra, xs[:len(xs) + ax] + (1,) + xs[len(xs) + ax + 1:])
            parts.append((first, extra))
        a = concatenate([e for f, e in parts if f] + [a] + [e for f, e in parts if not f], axis=ax)
    return (a,), (n, ax)


def _diff_transpose(g, out, x, n, axis):
    # the transpose of one difference: g_{j−1} − g_j, with zeros beyond both ends
    xs = shape_of(x)
    if xs[axis] <= n:  # n ≥ the axis length: the output is empty and nothing flows back
        gs = shape_of(g)  # (with a batch of cotangents, their leading axes kept)
        return np.zeros(tuple(gs[:len(gs) - len(xs)]) + tuple(xs), dtype=np.result_type(concrete(g)))
    for _ in range(n):
        gs = shape_of(g)
        zero = np.zeros(gs[:len(gs) + axis] + (1,) + gs[len(gs) + axis + 1:],
                        dtype=np.result_type(concrete(g)))
        g = concatenate([zero, g], axis=axis) - concatenate([g, zero], axis=axis)
    return g


diff = linear(
    "diff", lambda x, n, axis: np.diff(x, n=n, axis=axis), transpose=_diff_transpose,
    signature=_diff_signature, params=("n", "axis"),
    jax=lambda jnp, x, n=1, axis=-1: jnp.diff(x, n=n, axis=axis), symbol="D (bidiagonal ±1)",
    doc="discrete differences along an axis",
    examples=[Example(((5,),)), Example(((3, 4),), {"n": 2, "axis": 0}), Example(((2, 3),), {"n": 0})])


# ---- trace (linear) ---------------------------------------------------------------------------
def _trace_signature(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype=None):
    """Sum along a diagonal (``offset`` above the main one) of the ``axis1``/``axis2`` planes."""
    if dtype is not None:
        a = astype(a, dtype)
    nd = len(shape_of(concrete(a)))
    if nd < 2:
        raise ValueError(f"trace: needs at least 2 axes, got an input of shape {shape_of(concrete(a))}")
    a1, a2 = negative_axis(axis1, nd, "trace"), negative_axis(axis2, nd, "trace")
    if a1 == a2:
        raise ValueError("trace: axis1 and axis2 must differ")
    # the sum is taken in ``dtype`` too, as NumPy's: int32 stays int32 (not the platform int)
    return (a,), (index_param(offset, "trace", "offset"), a1, a2,
                  None if dtype is None else np.dtype(dtype))


def _trace_transpose(g, out, x, offset, a1, a2, dt=None):
    xs = shape_of(x)
    n1, n2 = xs[a1], xs[a2]
    eye = np.eye(n1, n2, k=offset, dtype=np.result_type(concrete(g)))
    shape = [1] * len(xs)
    shape[a1], shape[a2] = n1, n2
    if a1 > a2:
        eye = eye.T
    lo, hi = sorted((a1, a2))
    return expand_dims(g, (lo, hi)) * eye.reshape(shape)


trace = linear(
    "trace", lambda x, offset, a1, a2, dt=None: np.trace(x, offset=offset, axis1=a1, axis2=a2, dtype=dt),
    transpose=_trace_transpose, signature=_trace_signature, params=("offset", "axis1", "axis2", "dtype"),
    methods=("trace",), jax=lambda jnp, x, offset=0, axis1=0, axis2=1, dtype=None: jnp.trace(
        x, offset, axis1, axis2, dtype=dtype),
    symbol="vec(I)ᵀ (ones on the diagonal)", doc="sum along a diagonal",
    examples=[Example(((3, 3),)), Example(((2, 3, 4),), {"offset": 1, "axis1": 2, "axis2": 1})])


# ---- average ----------------------------------------------------------------------------------
def _wsum(x, w, axes):
    return _sum(broadcast_to(w, shape_of(x)), axis=axes, keepdims=True)


def _average_dtype(x_dtype, w_dtype):
    """NumPy's result dtype for a weighted average: result_type(a, weights), and at least
    float64 when ``a`` is integer or bool (int8 weights keep a float32 ``a`` in float32)."""
    if np.dtype(x_dtype).kind in "biu":
        return np.result_type(x_dtype, w_dtype, np.float64)
    return np.result_type(x_dtype, w_dtype)


def _average_forward(x, w, axes, keepdims):
    rt = _average_dtype(x.dtype, np.asarray(w).dtype)
    ws = np.sum(np.broadcast_to(w, x.shape), axis=axes, keepdims=True, dtype=rt)
    if np.any(ws == 0):
        raise ZeroDivisionError("average: the weights sum to zero along the averaged axes")
    out = np.sum(np.multiply(x, w, dtype=rt), axis=axes, keepdims=True) / ws
    return out if keepdims else np.squeeze(out, axis=axes)


def _average_vjp_x(g, out, x, w, axes, keepdims):
    return _spread(g, out, x, axes, keepdims) * (w / _wsum(x, w, axes))


def _average_vjp_w(g, out, x, w, axes, keepdims):
    return _spread(g, out, x, axes, keepdims) * ((x - _keep(out, axes, keepdims)) / _wsum(x, w, axes))


def _average_jvp_x(t, out, x, w, axes, keepdims):
    return _sum(t * (w / _wsum(x, w, axes)), axis=axes, keepdims=keepdims)


def _average_jvp_w(t, out, x, w, axes, keepdims):
    t = lift_tangent(t, w, len(shape_of(x)))
    return _sum(t * ((x - _keep(out, axes, keepdims)) / _wsum(x, w, axes)), axis=axes, keepdims=keepdims)


def _average_signature(a: ArrayLike, weights: ArrayLike, axis: Axis = None, keepdims: bool = False):
    xs = shape_of(concrete(a))
    axes = negative_axes(axis, len(xs), "average")
    return (a, _weights_along(weights, xs, axis)), (axes, bool(keepdims))


def _weights_along(weights, xs, axis):
    """NumPy's weights: ``a``'s shape, or ``a.shape[axis]`` for the given axis (or tuple of
    axes, in that order), then reshaped to broadcast against ``a``'s trailing axes."""
    ws = shape_of(concrete(weights))
    if ws == xs:
        return weights
    if axis is None:
        raise TypeError(f"average: weights of shape {ws} differ from a's shape {xs}: give axis")
    given = [negative_axis(ax, len(xs), "average") for ax in
             (axis if isinstance(axis, (tuple, list)) else (axis,))]
    if ws != tuple(xs[ax] for ax in given):
        raise ValueError(f"average: weights of shape {ws} must have a's shape {xs}, or the "
                         f"shape {tuple(xs[ax] for ax in given)} of a along axis {axis}")
    order = tuple(int(k) for k in np.argsort(given))  # the weights' axes in a's order
    if order != tuple(range(len(order))):
        weights = transpose(weights, order)
    return reshape(weights, tuple(xs[ax] if ax in given else 1 for ax in range(min(given), 0)))


_average = general(
    "average", _average_forward, vjp={"x": _average_vjp_x, "w": _average_vjp_w},
    jvp={"x": _average_jvp_x, "w": _average_jvp_w}, signature=_average_signature,
    params=("axis", "keepdims"), public=False, domain=("real", "positive"),
    jax=lambda jnp, x, w, axis=None, keepdims=False: jnp.average(x, axis, w, keepdims=keepdims),
    symbol="wᵀ/Σw; (x − avg)ᵀ/Σw", doc="weighted mean Σ w x / Σ w",
    examples=[Example(((2, 3), (2, 3))), Example(((2, 3), (3,)), {"axis": 1, "keepdims": True})])


@function
def average(a: ArrayLike, axis: Axis = None, weights: ArrayLike | None = None,
            returned: bool = False, *, keepdims: bool = False):
    """The weighted mean Σ w·a / Σ w over ``axis`` (the mean when ``weights`` is None).

    ``weights`` has ``a``'s shape, or the shape of ``a`` along ``axis`` (an int or
    a tuple, as NumPy's ``a.shape[axis]``); both
    ``a`` and ``weights`` get gradients. ``returned=True`` also returns the sum
    of the weights (shaped like the average).
    """
    if weights is None:
        avg = mean(a, axis=axis, keepdims=keepdims)
        if not returned:
            return avg
        xs = shape_of(concrete(a))
        count = np.prod([xs[i] for i in negative_axes(axis, len(xs), "average")], dtype=np.int64)
        return avg, np.full(shape_of(avg), count, dtype=dtype_of(concrete(avg)))
    avg = _average(a, weights, axis=axis, keepdims=keepdims)
    if not returned:
        return avg
    xs = shape_of(concrete(a))
    axes = negative_axes(axis, len(xs), "average")
    w = _weights_along(weights, xs, axis)
    rt = _average_dtype(dtype_of(concrete(a)), dtype_of(concrete(w)))
    return avg, astype(_sum(broadcast_to(w, xs), axis=axes, keepdims=keepdims), rt)


# ---- nansum, nanmean --------------------------------------------------------------------------
def _present(x, like):
    # a NumPy computation, so tg.jit records it (np.asarray would need the traced value)
    return (~np.isnan(concrete(x))).astype(dtype_of(like))


def _nan_signature(name):
    def signature(a: ArrayLike, axis: Axis = None, dtype=None, keepdims: bool = False):
        if dtype is not None:
            a = astype(a, dtype)
        return (a,), (negative_axes(axis, len(shape_of(concrete(a))), name), bool(keepdims))
    return signature


def _nanmean_weights(x, axes):
    m = _present(x, x)
    # an all-NaN slice has weights 0 (not 0/0): its value is NaN, and a caller that masks
    # that NaN out (tg.where(tg.isnan(m), 0, m)) gets a zero gradient there, as in JAX
    return m / np.maximum(np.sum(m, axis=axes, keepdims=True), 1)


def _at_numbers(x, v):
    """``v`` where ``x`` is not NaN, 0 (selected, not multiplied: also for a NaN in ``v``, as
    JAX's where-based nansum and nanmean give) at its NaN entries."""
    return where(~np.isnan(concrete(x)), v, np.zeros((), dtype_of(v)))


nansum = general(
    "nansum", lambda x, axes, keepdims: np.nansum(x, axis=axes, keepdims=keepdims),
    vjp={"x": lambda g, out, x, axes, keepdims: _at_numbers(x, _spread(g, out, x, axes, keepdims))},
    jvp={"x": lambda t, out, x, axes, keepdims: _sum(_at_numbers(x, t), axis=axes, keepdims=keepdims)},
    signature=_nan_signature("nansum"), params=("axis", "keepdims"), domain="some_nan",
    jax="jax.numpy.nansum", symbol="[x not NaN]ᵀ", doc="sum treating NaN as 0 (NaN entries: zero gradient)",
    examples=[Example(((2, 3),)), Example(((2, 3),), {"axis": 1, "keepdims": True})])
nanmean = general(
    "nanmean", lambda x, axes, keepdims: quiet_nanmean(x, axes, keepdims),
    vjp={"x": lambda g, out, x, axes, keepdims: _at_numbers(
        x, _spread(g, out, x, axes, keepdims) * _nanmean_weights(x, axes))},
    jvp={"x": lambda t, out, x, axes, keepdims: _sum(_at_numbers(x, t * _nanmean_weights(x, axes)),
                                                     axis=axes, keepdims=keepdims)},
    signature=_nan_signature("nanmean"), params=("axis", "keepdims"), domain="some_nan",
    jax="jax.numpy.nanmean", symbol="[x not NaN]ᵀ/count", doc="mean of the entries that are not NaN",
    examples=[Example(((2, 3),)), Example(((3, 4),), {"axis": 0})])


# ---- ptp ------------------------------------------------------------------------------------
def _extreme_share(xv, axes, pick):
    hit = np.equal(xv, pick(xv, axis=axes, keepdims=True)).astype(np.result_type(xv))
    with np.errstate(invalid="ignore", divide="ignore"):  # a NaN extreme: NaN shares, no warning
        return hit / np.sum(hit, axis=axes, keepdims=True)


def _ptp_slope(x, axes):
    xv = concrete(x)
    return _extreme_share(xv, axes, np.max) - _extreme_share(xv, axes, np.min)


def _ptp_signature(a: ArrayLike, axis: Axis = None, out=None, keepdims: bool = False):
    """Peak to peak, max − min over ``axis``; tied extremes share the gradient evenly."""
    if out is not None:
        raise TypeError("ptp: out= is not supported; use the returned value")
    keepdims = keepdims is not np._NoValue and bool(keepdims)  # NumPy's "not given" marker
    axis = legacy_0d_axis(a, axis)
    return (a,), (negative_axes(axis, len(shape_of(concrete(a))), "ptp"), keepdims)


ptp = general(
    "ptp", lambda x, axes, keepdims: np.ptp(x, axis=axes, keepdims=keepdims),
    vjp={"x": lambda g, out, x, axes, keepdims: _spread(g, out, x, axes, keepdims) * _ptp_slope(x, axes)},
    jvp={"x": lambda t, out, x, axes, keepdims: _sum(t * _ptp_slope(x, axes), axis=axes, keepdims=keepdims)},
    signature=_ptp_signature, params=("axis", "keepdims"), domain="distinct", jax="jax.numpy.ptp",
    symbol="e_argmax − e_argmin", doc="max − min over axes", methods=("ptp",),
    examples=[Example(((5,),)), Example(((2, 3),), {"axis": 1, "keepdims": True})])


# ---- sort ------------------------------------------------------------------------------------
def _sort_perm(x, axis):
    return np.argsort(concrete(x), axis=axis, kind="stable")


def _take(v, perm, axis):
    """v gathered along ``axis`` by ``perm`` (x's shape), v possibly batched in front."""
    nb = len(shape_of(v)) - perm.ndim
    if type(v) is np.ndarray:
        return np.take_along_axis(v, perm.reshape((1,) * nb + perm.shape), axis=axis)
    grids = list(np.indices(perm.shape, sparse=True))
    grids[axis] = perm
    return getitem(v, (slice(None),) * nb + tuple(grids))


def _sort_vjp(g, out, x, axis):
    perm = _sort_perm(x, axis)
    return _take(g, np.argsort(perm, axis=axis), axis)  # the inverse permutation


def _sort_jvp(t, out, x, axis):
    return _take(t, _sort_perm(x, axis), axis)


def _sort_jacobian(i, args, out, params):
    x = args[0]
    perm = _sort_perm(x, params[0])
    flat = np.arange(x.size).reshape(x.shape)
    return IndexPermutation(np.take_along_axis(flat, perm, axis=params[0]), x.shape)


def _sort_signature(a: ArrayLike, axis: int | None = -1, kind: str | None = None, order=None, *,
                    stable: bool | None = None):
    """x sorted along ``axis`` (None: the flattened array). Always a stable sort, which is a
    valid answer for every ``kind``; the gradient follows the permutation."""
    if order is not None:
        raise TypeError("sort: order= applies to structured arrays, which tensorgrad does not use")
    sort_kind(kind, "sort")
    x, ax = _flat_axis(a, axis, "sort")
    return (x,), (ax,)


sort = general(
    "sort", lambda x, axis: np.sort(x, axis=axis, kind="stable"), vjp={"x": _sort_vjp},
    jvp={"x": _sort_jvp}, signature=_sort_signature, params=("axis",), jacobian=_sort_jacobian,
    domain="distinct", jax=lambda jnp, x, axis=-1: jnp.sort(x, axis=axis), symbol="P (a permutation)",
    doc="sorted copy along an axis; the derivative permutes the tangent the same way",
    examples=[Example(((5,),)), Example(((2, 3),), {"axis": 0}), Example(((2, 3),))])


# ---- median -------------------------------------------------------------------------------------
def _median_weights(x, axes):
    """The weight of each entry in its slice's median: 1 (odd length) or ½ and ½ (even);
    0 throughout a slice with a NaN."""
    xv = concrete(x)
    k = len(axes)
    moved = np.moveaxis(xv, axes, tuple(range(-k, 0)))
    flat = moved.reshape(moved.shape[:moved.ndim - k] + (int(np.prod(moved.shape[moved.ndim - k:])),))
    n = flat.shape[-1]
    # each entry's rank in its (stably) sorted slice, out of place (no put_along_axis, which
    # works in place and so cannot be recorded under tg.jit, where xv is staged)
    rank = np.argsort(np.argsort(flat, axis=-1, kind="stable"), axis=-1, kind="stable")
    dtype = np.result_type(xv)
    if n % 2:
        w = np.where(np.equal(rank, n // 2), dtype.type(1.0), dtype.type(0.0))
    else:  # (also n = 0: an empty w)
        middle = np.logical_or(np.equal(rank, n // 2 - 1), np.equal(rank, n // 2))
        w = np.where(middle, dtype.type(0.5), dtype.type(0.0))
    # a slice with a NaN has median NaN (NumPy's, not its sorted middle entry): it depends on
    # no entry, as quantile's NaN slices (and jnp.median)
    w = np.where(np.any(np.isnan(flat), axis=-1, keepdims=True), dtype.type(0.0), w)
    return np.moveaxis(w.reshape(moved.shape), tuple(range(-k, 0)), axes)


def _median_signature(a: ArrayLike, axis: Axis = None, out=None, overwrite_input: bool = False,
                      keepdims: bool = False):
    """The median over ``axis``; the gradient goes to the middle entry, or ½ to each of the
    two middle entries of an even-length slice."""
    if out is not None:
        raise TypeError("median: out= is not supported; use the returned value")
    return (a,), (negative_axes(axis, len(shape_of(concrete(a))), "median"), bool(keepdims))


median = general(
    "median", lambda x, axes, keepdims: quiet_median(x, axes, keepdims),
    vjp={"x": lambda g, out, x, axes, keepdims: _spread(g, out, x, axes, keepdims) * _median_weights(x, axes)},
    jvp={"x": lambda t, out, x, axes, keepdims: _sum(t * _median_weights(x, axes), axis=axes,
                                                     keepdims=keepdims)},
    signature=_median_signature, params=("axis", "keepdims"), domain="distinct",
    jax=lambda jnp, x, axis=None, keepdims=False: jnp.median(x, axis=axis, keepdims=keepdims),
    symbol="e_middle (½, ½ for even length)", doc="median over axes",
    examples=[Example(((5,),)), Example(((2, 4),), {"axis": 1}),
              Example(((3, 2, 2),), {"axis": (0, 2), "keepdims": True})])

__all__ = ["cumsum", "cumprod", "diff", "trace", "average", "nansum", "nanmean", "ptp", "sort",
           "median"]
