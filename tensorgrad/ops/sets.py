"""NumPy's set functions, ``partition`` and the polynomial arithmetic, on tensors.

The set functions (``intersect1d``, ``union1d``, ``setdiff1d``, ``setxor1d``)
return values taken from their inputs. NumPy computes the result on the
concrete values; each output entry is then gathered from the input entry it
came from, so the gradient goes to that entry: for a value that occurs more than
once, its first occurrence, and for ``intersect1d`` the occurrence in ``ar1``
(JAX's choice too). ``partition`` is NumPy's result, gathered the same way.

The polynomial functions (``polyadd``, ``polysub``, ``polymul``, ``polydiv``,
``polyfit``) follow NumPy's coefficient order (highest power first) and are
compositions of registered ops, so they differentiate in every coefficient
(``polyfit`` in the sample values and weights, through least squares).
"""
from __future__ import annotations

import numpy as np

from ..registry import function
from ..staging import call as staged_call
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import any_traced_or_listed as _traced
from ._util import as_array_like as _as_array
from ._util import concrete, dtype_of, is_staged, shape_of
from .discrete import checked_size, first_padded
from .elementwise import astype, sqrt, where
from .reductions import sum as _sum
from .selection import take_along_axis
from .shape import concatenate, getitem, reshape, stack, transpose
from .arrange import pad
from .decompositions import lstsq
from .linalg import matmul
from .linalg_ops import inv, pinv
from .signal import convolve, vander
from .updates import at

__all__ = ["intersect1d", "union1d", "setdiff1d", "setxor1d", "partition", "array_equiv",
           "polyadd", "polysub", "polymul", "polydiv", "polyfit"]


def _flat(x):
    return reshape(_as_array(x), (-1,))


def _first_positions(values: np.ndarray, source: np.ndarray) -> np.ndarray:
    """For each entry of ``values`` (all present in ``source``), the index of its first
    occurrence in ``source`` (NaNs match NaNs, as in ``np.unique``)."""
    u, first = np.unique(source, return_index=True)
    return first[np.searchsorted(u, values)]


def _first(positions, size: int):
    """:func:`first_padded` of ``positions``, and whether there was none."""
    sel, pad = first_padded(positions, size)
    return sel, pad, np.asarray(np.size(positions) == 0)


def _picked(name: str, source, dt, where_from, values: tuple, size, fill_value, zero_fill=False):
    """``source`` (flat) at the positions ``where_from(*values)`` computes from the inputs'
    values; with JAX's ``size``, exactly ``size`` entries, padded with ``fill_value`` (by
    default JAX's: the result's first, smallest entry (0 for an empty result), or 0 with
    ``zero_fill``). NumPy runs on the values at every replay under tg.jit, so a sized result
    traces."""
    if size is None:
        out = getitem(source, where_from(*values))
    else:
        size = checked_size(name, size)
        if not shape_of(concrete(source))[0]:  # no entry to take: all padding
            return np.full(size, 0 if fill_value is None else concrete(fill_value), dt)
        sel, pad, none = staged_call(lambda *v: _first(where_from(*v), size), *values)
        out = getitem(source, sel)
        if fill_value is not None:
            out = where(pad, fill_value, out)
        elif zero_fill:
            out = where(pad, 0, out)
        else:
            out = where(pad & none, 0, out)
    return out if dtype_of(concrete(out)) == dt else astype(out, dt)


def _values(*arrays):
    """The flattened values of the inputs (a value tg.jit traces stays staged)."""
    out = []
    for a in arrays:
        v = concrete(_as_array(a))
        out.append(np.ravel(v) if not is_staged(v) else np.reshape(v, (-1,)))
    return out


@function
def intersect1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False,
                return_indices: bool = False, *, size: int | None = None, fill_value=None):
    """The sorted values found in both ``ar1`` and ``ar2`` (NumPy's ``intersect1d``); each
    differentiates through its occurrence in ``ar1``. JAX's ``size``/``fill_value`` give
    exactly ``size`` entries (the indices then padded with the inputs' lengths)."""
    if size is None and not _traced(ar1, ar2):
        return np.intersect1d(ar1, ar2, assume_unique=assume_unique, return_indices=return_indices)
    c1, c2 = _values(ar1, ar2)
    dt = np.result_type(dtype_of(c1), dtype_of(c2))

    def found(v1, v2):
        return np.intersect1d(v1, v2, assume_unique=assume_unique, return_indices=True)
    out = _picked("intersect1d", _flat(ar1), dt, lambda v1, v2: found(v1, v2)[1], (c1, c2),
                  size, fill_value)
    if not return_indices:
        return out
    if size is None:
        _, i1, i2 = found(c1, c2)
        return out, i1, i2
    n1, n2, size = shape_of(c1)[0], shape_of(c2)[0], checked_size("intersect1d", size)

    def indices(v1, v2):
        _, i1, i2 = found(v1, v2)
        k = min(i1.size, size)
        return tuple(np.concatenate([i[:k], np.full(size - k, n, i.dtype)]) for i, n in ((i1, n1), (i2, n2)))
    i1, i2 = staged_call(indices, c1, c2)
    return out, i1, i2


@function
def union1d(ar1: ArrayLike, ar2: ArrayLike, *, size: int | None = None, fill_value=None) -> Array:
    """The sorted distinct values of ``ar1`` and ``ar2`` together (NumPy's ``union1d``); each
    differentiates through its first occurrence (in ``ar1``, then ``ar2``). JAX's
    ``size``/``fill_value`` give exactly ``size`` entries."""
    if size is None and not _traced(ar1, ar2):
        return np.union1d(ar1, ar2)
    c1, c2 = _values(ar1, ar2)
    return _picked("union1d", concatenate([_flat(ar1), _flat(ar2)]),
                   np.result_type(dtype_of(c1), dtype_of(c2)),
                   lambda v1, v2: np.unique(np.concatenate([v1, v2]), return_index=True)[1],
                   (c1, c2), size, fill_value)


@function
def setdiff1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, *,
              size: int | None = None, fill_value=None) -> Array:
    """The values of ``ar1`` that are not in ``ar2`` (NumPy's ``setdiff1d``: sorted and
    distinct unless ``assume_unique``); the gradient goes to ``ar1``. JAX's
    ``size``/``fill_value`` give exactly ``size`` entries (padded with 0 by default, as
    JAX's)."""
    if size is None and not _traced(ar1, ar2):
        return np.setdiff1d(ar1, ar2, assume_unique=assume_unique)
    c1, c2 = _values(ar1, ar2)

    def positions(v1, v2):
        if assume_unique:  # NumPy keeps ar1's order then
            return np.flatnonzero(~np.isin(v1, v2, assume_unique=True))
        return _first_positions(np.setdiff1d(v1, v2), v1)
    return _picked("setdiff1d", _flat(ar1), np.dtype(dtype_of(c1)), positions, (c1, c2), size,
                   fill_value, zero_fill=True)


@function
def setxor1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, *,
             size: int | None = None, fill_value=None) -> Array:
    """The sorted values found in exactly one of ``ar1`` and ``ar2`` (NumPy's
    ``setxor1d``); each differentiates through its first occurrence. JAX's
    ``size``/``fill_value`` give exactly ``size`` entries."""
    if size is None and not _traced(ar1, ar2):
        return np.setxor1d(ar1, ar2, assume_unique=assume_unique)
    c1, c2 = _values(ar1, ar2)

    def positions(v1, v2):
        both = np.concatenate([v1, v2])
        return _first_positions(np.setxor1d(v1, v2, assume_unique=assume_unique), both)
    return _picked("setxor1d", concatenate([_flat(ar1), _flat(ar2)]),
                   np.result_type(dtype_of(c1), dtype_of(c2)), positions, (c1, c2), size, fill_value)


@function(methods=())
def partition(a: ArrayLike, kth, axis: int | None = -1, kind: str = "introselect",
              order=None) -> Array:
    """NumPy's ``partition``: the entry that would be at position ``kth`` when sorted along
    ``axis`` is there, smaller ones before it and larger ones after. The result is NumPy's,
    entry for entry; each differentiates through the input entry it came from."""
    if not _traced(a):
        return np.partition(a, kth, axis=axis, kind=kind, order=order)
    if order is not None:
        raise TypeError("partition: order= applies to structured arrays, which tensors are not")
    a = _as_array(a)
    if axis is None:
        a, axis = reshape(a, (-1,)), -1
    # (a NumPy computation on the values: under tg.jit recorded and replayed on new ones)
    src = staged_call(_partition_sources, concrete(a), kth, axis, kind)
    return take_along_axis(a, src, axis=axis)


def _partition_sources(v, kth, axis, kind):
    """Where each entry of ``np.partition(v, ...)`` comes from along ``axis``: the r-th
    smallest output entry of each line from the r-th smallest input entry (stable sorts pair
    equal values off in order), so the result is NumPy's, entry for entry."""
    v = np.asarray(v)
    out = np.partition(v, kth, axis=axis, kind=kind)
    rank_in = np.argsort(v, axis=axis, kind="stable")
    rank_out = np.argsort(out, axis=axis, kind="stable")
    src = np.empty_like(rank_in)
    np.put_along_axis(src, rank_out, rank_in, axis=axis)
    return src


@function
def array_equiv(a1: ArrayLike, a2: ArrayLike) -> bool:
    """True when ``a1`` and ``a2`` broadcast to one shape and agree there (a Python bool)."""
    return bool(np.array_equiv(concrete(_as_array(a1)), concrete(_as_array(a2))))


# ---- polynomials (coefficients, highest power first) ---------------------------------------
def _coeffs(name: str, p):
    p = _as_array(p)
    nd = len(shape_of(concrete(p)))
    if nd == 0:
        return reshape(p, (1,))
    if nd != 1:
        raise ValueError(f"{name}: polynomial coefficients must be 1-D, got shape "
                         f"{shape_of(concrete(p))}")
    return p


def _aligned(name: str, a1, a2):
    """Both coefficient vectors, the shorter padded with leading zeros."""
    a1, a2 = _coeffs(name, a1), _coeffs(name, a2)
    n1, n2 = shape_of(concrete(a1))[0], shape_of(concrete(a2))[0]
    if n1 < n2:
        a1 = pad(a1, (n2 - n1, 0))
    elif n2 < n1:
        a2 = pad(a2, (n1 - n2, 0))
    return a1, a2


@function
def polyadd(a1: ArrayLike, a2: ArrayLike) -> Array:
    """The coefficients of the sum of two polynomials (NumPy's ``polyadd``)."""
    if not _traced(a1, a2):
        return np.polyadd(a1, a2)
    x, y = _aligned("polyadd", a1, a2)
    return x + y


@function
def polysub(a1: ArrayLike, a2: ArrayLike) -> Array:
    """The coefficients of ``a1 − a2`` (NumPy's ``polysub``)."""
    if not _traced(a1, a2):
        return np.polysub(a1, a2)
    x, y = _aligned("polysub", a1, a2)
    return x - y


@function
def polymul(a1: ArrayLike, a2: ArrayLike, *, trim_leading_zeros: bool | None = None) -> Array:
    """The coefficients of the product of two polynomials (NumPy's ``polymul``: a full
    convolution).

    NumPy drops the inputs' leading zeros first, so its result is shorter when one starts
    with 0. Under a transform the coefficients are kept, as ``jnp.polymul`` keeps them: the
    result's length must not depend on the values, and a leading zero that is dropped
    would lose its derivative (at a₀ = 0 the product still moves with a₀). JAX's
    ``trim_leading_zeros``: False keeps them always, True drops them always (concrete
    coefficients only)."""
    if trim_leading_zeros is False:
        return convolve(_coeffs("polymul", a1), _coeffs("polymul", a2))
    if not _traced(a1, a2):
        return np.polymul(a1, a2)
    if trim_leading_zeros:
        raise TypeError("polymul: trim_leading_zeros=True needs concrete coefficients (the "
                        "length of the result would depend on traced values)")
    return convolve(_coeffs("polymul", a1), _coeffs("polymul", a2))


@function
def polydiv(u: ArrayLike, v: ArrayLike, *, trim_leading_zeros: bool | None = None):
    """Quotient and remainder of polynomial division (NumPy's ``polydiv``: long division,
    then the remainder's leading zeros, to NumPy's tolerance, dropped; under ``tg.jit``, where the
    values are not known while tracing, they are kept, as ``jnp.polydiv`` does); both
    differentiate in ``u`` and ``v``. JAX's ``trim_leading_zeros=False`` keeps the
    remainder's full length always."""
    keep = trim_leading_zeros is False
    if not _traced(u, v) and not keep:
        return np.polydiv(u, v)
    u, v = _coeffs("polydiv", u), _coeffs("polydiv", v)
    dt = np.result_type(dtype_of(concrete(u)), dtype_of(concrete(v)), 1.0)
    u, v = astype(u, dt), astype(v, dt)
    m, n = shape_of(concrete(u))[0] - 1, shape_of(concrete(v))[0] - 1
    scale = 1.0 / getitem(v, 0)
    q = []
    r = u
    for k in range(m - n + 1):
        d = scale * getitem(r, k)
        q.append(d)
        r = at(r)[k:k + n + 1].add(-(d * v))
    quotient = stack(q) if q else np.zeros((1,), dt)
    # (under tg.jit the values are unknown while tracing: the remainder keeps its leading
    # entries, as jnp.polydiv's default and tg.polymul do)
    while not keep and shape_of(concrete(r))[-1] > 1 and not is_staged(concrete(r)) and \
            np.allclose(np.asarray(concrete(getitem(r, 0))), 0, rtol=1e-14):
        r = getitem(r, slice(1, None))
    return quotient, r


@function
def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond=None, full: bool = False,
            w: ArrayLike | None = None, cov: bool = False):
    """The least-squares polynomial fit of degree ``deg`` (NumPy's ``polyfit``: a scaled
    Vandermonde system solved by ``lstsq``); differentiable in ``x``, ``y`` and ``w``.
    ``full=True`` also returns the residuals, rank, singular values and ``rcond``;
    else ``cov=True`` (or ``"unscaled"``) also returns the coefficients' covariance."""
    if not _traced(x, y, w):
        return np.polyfit(x, y, deg, rcond=rcond, full=full, w=w, cov=cov)
    order = int(deg) + 1
    if order < 1:
        raise ValueError(f"polyfit: expected deg >= 0, got {deg}")
    x, y = _as_array(x), _as_array(y)
    sx, sy = shape_of(concrete(x)), shape_of(concrete(y))
    if len(sx) != 1:
        raise TypeError(f"polyfit: expected a 1-D vector for x, got shape {sx}")
    if sx[0] == 0:
        raise TypeError("polyfit: expected a non-empty vector for x")
    if len(sy) not in (1, 2):
        raise TypeError(f"polyfit: expected a 1-D or 2-D array for y, got shape {sy}")
    if sx[0] != sy[0]:
        raise TypeError(f"polyfit: x and y must have the same length, got {sx[0]} and {sy[0]}")
    x = x + 0.0
    y = y + 0.0
    if rcond is None:
        rcond = sx[0] * np.finfo(np.result_type(dtype_of(concrete(x)), 0.0)).eps
    lhs = vander(x, order)
    rhs = y
    if w is not None:
        w = _as_array(w) + 0.0
        sw = shape_of(concrete(w))
        if sw != (sy[0],):
            raise TypeError(f"polyfit: expected a 1-D w of length {sy[0]}, got shape {sw}")
        lhs = lhs * reshape(w, (-1, 1))
        rhs = rhs * (w if len(sy) == 1 else reshape(w, (-1, 1)))
    scale = sqrt(_sum(lhs * lhs, axis=0))
    lhs = lhs / scale
    if full:
        c, resids, rank, s = lstsq(lhs, rhs, rcond)
    else:  # lstsq's solution alone: the pseudo-inverse with NumPy's cutoff
        c = matmul(pinv(lhs, rcond), rhs)
    cs, c = c, transpose(transpose(c) / scale)
    if full:
        return c, resids, rank, s, rcond
    if cov:
        return c, _polyfit_cov(lhs, rhs, scale, cs, cov, order)
    return c


def _polyfit_cov(lhs, rhs, scale, cs, cov, order):
    """NumPy's covariance of the fit: inv(AᵀA) of the scaled system ``lhs``, unscaled,
    times the residual variance Σr²/(n − order) (per column of ``rhs``) unless
    ``cov="unscaled"``; ``cs`` are the coefficients of the scaled system."""
    base = inv(matmul(transpose(lhs), lhs)) / (reshape(scale, (-1, 1)) * scale)
    fac = 1.0
    if cov != "unscaled":
        n = shape_of(concrete(lhs))[0]
        if n <= order:
            raise ValueError("polyfit: the number of data points must exceed order to scale the "
                             "covariance matrix")
        resid = rhs - matmul(lhs, cs)
        fac = _sum(resid * resid, axis=0) / (n - order)
    if len(shape_of(concrete(rhs))) == 1:
        return base * fac
    return reshape(base, shape_of(concrete(base)) + (1,)) * fac  # one matrix per column of y
