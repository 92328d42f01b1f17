"""NumPy's histograms, array-API ``unique_*`` functions and small shape-only helpers, on tensors.

* ``histogram`` / ``histogram_bin_edges``: counts are piecewise constant in the data (no
  gradient), weighted counts differentiate in the weights, and the bin edges, when NumPy
  derives them from the data's range (a count of bins, or a rule such as ``"auto"``),
  differentiate in the data's minimum and maximum
  (``linspace`` between them), as ``jax.numpy.histogram`` does. A ``density`` divides by
  those, so it differentiates too. Dtypes and sums are NumPy's: weighted counts in the
  weights' dtype (given edges: cumulative sums in it), a density in float64.
* ``histogramdd`` / ``histogram2d``: the same, per dimension: the weighted counts are a
  scatter-add of the weights, and each dimension's edges, when NumPy spaces them between that
  coordinate's minimum and maximum (a count of bins and no range), differentiate in those
  (also in a traced ``range``, or traced edges given as ``bins``); ``density`` divides by the
  total and the bin volumes, so it differentiates in both. Which bin each sample falls in is
  decided on the values as NumPy decides it (the last bin closed on the right).
* ``unique_values``'s siblings ``unique_counts``, ``unique_inverse`` and ``unique_all``
  return NumPy's named tuples; the values differentiate (to each first occurrence).
* ``poly`` (coefficients from roots, by repeated convolution), ``trim_zeros``; and
  ``ix_``, ``diag_indices_from``, ``einsum_path``, ``iscomplex``, ``isreal``,
  ``array_repr``, ``array_str``, which read shapes or values only.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..registry import function
from ..staging import ConcretizationError
from ..tensor import Tensor
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import any_traced_or_listed as _traced
from ._util import as_array_like as _as_array
from ._util import concrete, dtype_of, is_staged, negative_axes, shape_of
from ..staging import call as staged_call
from ..staging import check as staged_check
from .complex_ops import complex_dtype, eigvals, real_part
from .creation import asarray
from .discrete import bincount, logical_and, logical_or, searchsorted, unique
from .elementwise import astype, equal, greater_equal, less_equal, where
from .reductions import max as _max
from .reductions import min as _min
from .reductions import sum as _sum
from .scans import cumsum, diff
from .selection import take_along_axis
from .shape import concatenate, getitem, reshape, transpose
from .signal import linspace

__all__ = ["histogram", "histogram_bin_edges", "histogramdd", "histogram2d", "unique_counts",
           "unique_inverse", "unique_all", "poly", "trim_zeros", "ix_", "diag_indices_from",
           "einsum_path", "iscomplex", "isreal", "array_repr", "array_str", "roots", "sort_complex"]

_UniqueCounts = type(np.unique_counts(np.zeros(1)))
_UniqueInverse = type(np.unique_inverse(np.zeros(1)))
_UniqueAll = type(np.unique_all(np.zeros(1)))


def _edges(a, bins, range, weights, name: str):
    """NumPy's bin edges; differentiable in the data when they come from its min and max, in
    a traced range, and in traced edges given as ``bins`` (returned as they are, as NumPy does).
    NumPy sees only values: traced ``bins`` would send it back here."""
    v = np.asarray(concrete(a)).ravel()
    edges = np.histogram_bin_edges(v, bins=_values(bins), range=_values(range),
                                   weights=None if weights is None else np.asarray(concrete(weights)).ravel())
    if not isinstance(bins, (int, np.integer, str)):  # the edges themselves (NumPy checked them)
        return asarray(bins) if _holds_traced(bins) else edges
    if range is not None:
        if not _holds_traced(range):
            return edges  # a given range: constants
        lo, hi = range
    elif not isinstance(a, Tensor) or v.size == 0:
        return edges
    else:
        # a count of bins (given, or chosen by a rule such as "auto", which is piecewise
        # constant): NumPy spaces the edges evenly between the data's minimum and maximum
        lo, hi = _min(a), _max(a)
    if float(concrete(lo)) == float(concrete(hi)):  # NumPy widens an empty range by ½ each way
        lo, hi = lo - 0.5, hi + 0.5
    return linspace(lo, hi, len(edges))


@function
def histogram_bin_edges(a: ArrayLike, bins=10, range=None, weights=None) -> Array:  # noqa: A002
    """The edges NumPy's ``histogram`` would use (see the module for their gradient)."""
    if any(is_staged(concrete(v)) for v in (a, weights, bins)) or _holds_staged(range):
        return _histogram_staged(a, bins, range, None, weights)[1]  # (tg.jit: histogram's edges)
    return _edges(a, bins, range, weights, "histogram_bin_edges")


@function
def histogram(a: ArrayLike, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """``(hist, bin_edges)`` as NumPy's ``histogram``; see the module for what differentiates.
    Under ``tg.jit`` the data, weights and range may be traced when ``bins`` is a number of bins
    or the edges (a rule such as ``"auto"`` picks the count from the values)."""
    if type(a) in (list, tuple) or type(weights) in (list, tuple):  # (lists may hold traced values)
        a, weights = _as_array(a), None if weights is None else _as_array(weights)
    if any(is_staged(concrete(v)) for v in (a, weights, bins)) or _holds_staged(range):
        return _histogram_staged(a, bins, range, density, weights)
    if _holds_traced(range) or (not isinstance(bins, (int, np.integer, str)) and _holds_traced(bins)):
        # a traced range or traced edges: the general n-d histogram differentiates in them
        hist, (edges,) = histogramdd(reshape(_as_array(a), (-1,)), bins=[bins],
                                     range=None if range is None else [range], density=density,
                                     weights=None if weights is None else reshape(_as_array(weights), (-1,)))
        if weights is None and not density:  # counts: integers, as NumPy's histogram gives them
            hist = astype(hist, np.intp)  # (histogramdd's are floats)
        return hist, edges
    if not _traced(a, weights):
        return np.histogram(a, bins=bins, range=range, density=density, weights=weights)
    v = np.asarray(concrete(a)).ravel()
    w = None if weights is None else np.asarray(concrete(weights)).ravel()
    counts, fixed = np.histogram(v, bins=bins, range=range, weights=w)
    edges = _edges(a, bins, range, weights, "histogram")
    if weights is not None and isinstance(weights, Tensor) and not isinstance(bins, (int, np.integer, str)):
        # given edges: NumPy's cumulative sums of the weights in the data's order, in their
        # dtype, read at each edge (the last one closed on the right) and differenced
        order = np.argsort(v)  # (NumPy's own sort of the data)
        cw = concatenate([np.zeros(1, dtype_of(counts)), cumsum(getitem(reshape(weights, (-1,)), order))])
        at = np.concatenate([np.searchsorted(v[order], fixed[:-1], "left"),
                             np.searchsorted(v[order], fixed[-1:], "right")])
        hist = diff(getitem(cw, at))
    elif weights is not None and isinstance(weights, Tensor):
        # the bin of each entry, as NumPy places it (the last bin is closed on the right)
        inside = (v >= fixed[0]) & (v <= fixed[-1])
        idx = np.clip(np.searchsorted(fixed, v, side="right") - 1, 0, len(fixed) - 2)
        keep = np.flatnonzero(inside)
        hist = bincount(idx[keep], weights=getitem(reshape(weights, (-1,)), keep), minlength=len(fixed) - 1)
        hist = astype(hist, dtype_of(counts))  # NumPy's: the weights' dtype (bincount's is float64)
    else:
        hist = counts
    return _density(hist, edges) if density else (hist, edges)


def _density(hist, edges):
    """NumPy's ``n / db / n.sum()``, with ``db`` the bin widths in float64 (float32 edges of
    float32 data too), so a density is float64 whatever the data's and weights' dtypes."""
    return hist / astype(diff(edges), np.float64) / _sum(hist), edges


def _holds_staged(obj) -> bool:
    if isinstance(obj, (list, tuple)):
        return any(_holds_staged(o) for o in obj)
    return is_staged(concrete(obj))


def _finite_range(lo, hi, name: str) -> None:
    if not (np.isfinite(lo) and np.isfinite(hi)):  # (NumPy's error, as the eager call gives it)
        raise ValueError(f"{name}: autodetected range of [{lo}, {hi}] is not finite")


def _staged_bins(v, bins, range, name: str):  # noqa: A002
    """``(edges, idx, n)`` for the 1-D values ``v`` known only when the plan runs: edges from
    the range (or the data's min and max), each entry's bin by searchsorted on them (NumPy's
    rule: the last bin is closed on the right), ``n`` for an entry outside the edges."""
    if isinstance(bins, str):
        raise ConcretizationError(f"{name}: bins={bins!r} chooses the number of bins from the "
                                  "data's values, known only when tg.jit's plan runs; give a number "
                                  "of bins or the edges")
    if isinstance(bins, (int, np.integer)):
        n = int(bins)
        if n < 1:
            raise ValueError(f"{name}: bins must be a positive integer, got {n}")
        if range is not None:
            lo, hi = range
            if not _holds_staged(range) and not lo <= hi:
                raise ValueError(f"{name}: max must be larger than min in range, got {range}")
        elif shape_of(concrete(v))[0] == 0:
            lo, hi = 0.0, 1.0  # (NumPy's range for no data)
        else:
            lo, hi = _min(v), _max(v)
            staged_check(_finite_range, concrete(lo), concrete(hi), name)  # (at every replay)
        same = equal(lo, hi)  # NumPy widens an empty range by ½ each way
        edges = linspace(where(same, lo - 0.5, lo), where(same, hi + 0.5, hi), n + 1)
    else:
        edges = _as_array(bins)
        n = shape_of(concrete(edges))[0] - 1
    first, last = getitem(edges, 0), getitem(edges, -1)
    idx = where(equal(v, last), n - 1, searchsorted(edges, v, side="right") - 1)
    idx = where(logical_and(greater_equal(v, first), less_equal(v, last)), idx, n)  # n: outside
    return edges, idx, n


def _histogram_staged(a, bins, range, density, weights):  # noqa: A002
    """histogram with values known only when the plan runs: each entry's bin as
    :func:`_staged_bins` finds it, counts by bincount (entries outside the edges left out)."""
    v = reshape(_as_array(a), (-1,))
    edges, idx, n = _staged_bins(v, bins, range, "histogram")
    w = None if weights is None else reshape(_as_array(weights), (-1,))
    if w is not None and not isinstance(bins, (int, np.integer)):  # given edges: as histogram's
        order = staged_call(np.argsort, concrete(v))
        cw = concatenate([np.zeros(1, dtype_of(concrete(w))), cumsum(take_along_axis(w, order, axis=0))])
        sv = take_along_axis(v, order, axis=0)
        at = concatenate([searchsorted(sv, getitem(edges, slice(0, -1)), side="left"),
                          searchsorted(sv, getitem(edges, slice(-1, None)), side="right")])
        hist = diff(take_along_axis(cw, at, axis=0))
    else:
        hist = getitem(bincount(idx, weights=w, length=n + 1), slice(0, n))
        if w is not None:  # NumPy's: the weights' dtype (bincount's is float64)
            hist = astype(hist, dtype_of(concrete(w)))
    return _density(hist, edges) if density else (hist, edges)


def _histogramdd_staged(rows, bins, range, density, weights):  # noqa: A002
    """histogramdd with samples, bins or ranges known only when the plan runs: each
    dimension's bin as :func:`_staged_bins` finds it, the flat bin in C order, a sample
    outside any dimension's edges left out; float counts, as NumPy's."""
    D = shape_of(concrete(rows))[1]
    specs = _per_dimension(bins, D)
    if len(specs) != D:
        raise ValueError("histogramdd: the dimension of bins must be equal to the dimension of "
                         f"the sample ({len(specs)} and {D})")
    edges, nbins, flat, outside = [], [], None, None
    for i in builtins.range(D):
        e, idx, n = _staged_bins(getitem(rows, (slice(None), i)), specs[i],
                                 None if range is None else range[i], "histogramdd")
        out = equal(idx, n)
        flat = idx if flat is None else flat * n + idx
        outside = out if outside is None else logical_or(outside, out)
        edges.append(e)
        nbins.append(n)
    total = int(np.prod(nbins))
    flat = where(outside, total, flat)
    w = None if weights is None else reshape(_as_array(weights), (-1,))
    hist = astype(getitem(bincount(flat, weights=w, length=total + 1), slice(0, total)), np.float64)
    hist = reshape(hist, tuple(nbins))
    if density:  # (NumPy's order of operations)
        total_count = _sum(hist)
        for i in builtins.range(D):
            hist = hist / reshape(diff(edges[i]), tuple(nbins[i] if k == i else 1 for k in builtins.range(D)))
        hist = hist / total_count
    return hist, edges


def _holds_traced(obj) -> bool:
    """A traced value in ``obj`` or in the (nested) lists and tuples it is made of: a sample
    given as coordinate arrays, bins or ranges given per dimension."""
    if isinstance(obj, (list, tuple)):
        return any(_holds_traced(o) for o in obj)
    return _traced(obj)


def _values(obj):
    """``obj`` with every traced value in it (and in its lists and tuples) made concrete."""
    if isinstance(obj, (list, tuple)):
        return [_values(o) for o in obj]
    return np.asarray(concrete(obj)) if _traced(obj) else obj


def _sample_rows(sample):
    """The ``(N, D)`` array NumPy's ``histogramdd`` reads ``sample`` as: an array of rows (a
    2-D array), or else ``atleast_2d(sample).T`` (a 1-D array or a sequence of coordinates)."""
    if hasattr(sample, "shape") and len(shape_of(concrete(sample))) == 2:
        return sample
    s = asarray(sample) if not hasattr(sample, "shape") else sample
    if len(shape_of(concrete(s))) <= 1:
        return reshape(s, (-1, 1))
    return transpose(s)


def _per_dimension(spec, D: int) -> list:
    """``bins`` as one entry per dimension (NumPy: a scalar is repeated D times)."""
    try:
        len(spec)
    except TypeError:
        return [spec] * D
    return list(spec)


def _dd_edges(rows, i: int, spec, rng, fixed):
    """Dimension ``i``'s edges: NumPy's (``fixed``), differentiable where they come from traced
    values: given edges, a traced range, or the data's minimum and maximum."""
    if np.ndim(_values(spec)) == 1:  # the edges themselves
        return spec if _traced(spec) else fixed
    if rng is None:
        if not _traced(rows) or shape_of(concrete(rows))[0] == 0:
            return fixed  # constant data, or no data: NumPy's (0, 1)
        col = getitem(rows, (slice(None), i))
        lo, hi = _min(col), _max(col)
    else:
        lo, hi = rng
        if not (_traced(lo) or _traced(hi)):
            return fixed
    if float(concrete(lo)) == float(concrete(hi)):  # NumPy widens an empty range by ½ each way
        lo, hi = lo - 0.5, hi + 0.5
    edges = linspace(lo, hi, len(fixed))
    return edges if np.result_type(concrete(edges)) == fixed.dtype else astype(edges, fixed.dtype)


@function
def histogramdd(sample: ArrayLike, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """``(hist, edges)`` as NumPy's ``histogramdd`` (``edges`` a list, one array per dimension);
    see the module for what differentiates."""
    if not _holds_traced((sample, bins, range, weights)):
        return np.histogramdd(sample, bins=bins, range=range, density=density, weights=weights)
    if weights is not None and not hasattr(weights, "shape"):
        weights = asarray(weights)  # a list that may hold traced values
    rows = _sample_rows(sample)
    if _holds_staged((rows, bins, range)):  # values known only when tg.jit's plan runs
        return _histogramdd_staged(rows, bins, range, density, weights)
    v = np.asarray(concrete(rows))
    # (weights staged by tg.jit: their bins come from the samples below, not from NumPy's counts)
    w = None if weights is None or is_staged(concrete(weights)) else np.asarray(concrete(weights))
    # NumPy's checks, counts and edges, on the values
    counts, fixed = np.histogramdd(v, bins=_values(bins), range=_values(range), weights=w)
    D = v.shape[1]
    specs = _per_dimension(bins, D)
    edges = [_dd_edges(rows, i, specs[i], None if range is None else range[i], fixed[i])
             for i in builtins.range(D)]
    nbins = tuple(len(e) - 1 for e in fixed)
    if weights is not None and _traced(weights):
        # each sample's bin as NumPy finds it: the edge to its right, the last edge counted in
        # the last bin; samples outside every bin are dropped
        pos = []
        for i in builtins.range(D):
            k = np.searchsorted(fixed[i], v[:, i], side="right")
            k[v[:, i] == fixed[i][-1]] -= 1
            pos.append(k - 1)
        inside = np.ones(v.shape[0], dtype=bool)
        for k, n in zip(pos, nbins):
            inside &= (k >= 0) & (k < n)
        keep = np.flatnonzero(inside)
        flat = np.ravel_multi_index(tuple(k[keep] for k in pos), nbins)
        hist = reshape(bincount(flat, weights=getitem(reshape(weights, (-1,)), keep),
                                minlength=int(np.prod(nbins))), nbins)
    else:
        hist = counts
    if density:
        total = _sum(hist)
        for i in builtins.range(D):
            shape = [1] * D
            shape[i] = nbins[i]
            hist = hist / reshape(diff(edges[i]), tuple(shape))
        hist = hist / total
    return hist, edges


@function
def histogram2d(x: ArrayLike, y: ArrayLike, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """``(hist, xedges, yedges)`` as NumPy's ``histogram2d``: ``histogramdd`` of the points
    ``(x, y)``; see the module for what differentiates."""
    if not _holds_traced((x, y, bins, range, weights)):
        return np.histogram2d(x, y, bins=bins, range=range, density=density, weights=weights)
    try:
        n = len(bins)
    except TypeError:
        n = 1
    if n != 1 and n != 2:  # one array of edges, for both coordinates
        edges = asarray(bins)
        bins = [edges, edges]
    hist, (xedges, yedges) = histogramdd([x, y], bins, range, density, weights)
    return hist, xedges, yedges


def _unique_parts(x):
    v = np.asarray(concrete(x))
    # NumPy's array-API unique_all / unique_counts / unique_inverse never merge NaNs
    # (they call unique(..., equal_nan=False)): each NaN is a distinct value.
    values, index, inverse, counts = np.unique(v.ravel(), return_index=True, return_inverse=True,
                                               return_counts=True, equal_nan=False)
    vals = getitem(reshape(x, (-1,)), index) if isinstance(x, Tensor) else values
    return vals, index, inverse.reshape(v.shape), counts


def _unique_sized(name: str, x, size, fill_value):
    """The four results of ``unique(..., size=)`` (JAX's layout, NaNs not merged, as the
    array-API functions), the inverse in ``x``'s shape."""
    values, index, inverse, counts = unique(x, return_index=True, return_inverse=True,
                                            return_counts=True, equal_nan=False, size=size,
                                            fill_value=fill_value)
    return values, index, reshape(inverse, shape_of(concrete(_as_array(x)))), counts


@function
def unique_counts(x: ArrayLike, /, *, size: int | None = None, fill_value=None):
    """``(values, counts)``, as NumPy's ``unique_counts``; the values differentiate. JAX's
    ``size``/``fill_value`` give exactly ``size`` values (counts padded with 0)."""
    if size is not None:
        vals, _, _, counts = _unique_sized("unique_counts", x, size, fill_value)
        return _UniqueCounts(vals, counts)
    vals, _, _, counts = _unique_parts(x)
    return _UniqueCounts(vals, counts)


@function
def unique_inverse(x: ArrayLike, /, *, size: int | None = None, fill_value=None):
    """``(values, inverse_indices)``, as NumPy's ``unique_inverse``; the values differentiate
    (JAX's ``size``/``fill_value`` as in ``unique_counts``)."""
    if size is not None:
        vals, _, inverse, _ = _unique_sized("unique_inverse", x, size, fill_value)
        return _UniqueInverse(vals, inverse)
    vals, _, inverse, _ = _unique_parts(x)
    return _UniqueInverse(vals, inverse)


@function
def unique_all(x: ArrayLike, /, *, size: int | None = None, fill_value=None):
    """``(values, indices, inverse_indices, counts)``, as NumPy's ``unique_all`` (JAX's
    ``size``/``fill_value`` as in ``unique_counts``)."""
    if size is not None:
        return _UniqueAll(*_unique_sized("unique_all", x, size, fill_value))
    return _UniqueAll(*_unique_parts(x))


@function
def poly(seq_of_zeros: ArrayLike) -> Array:
    """The coefficients of the monic polynomial with the given roots (1-D input), or a square
    matrix's characteristic polynomial (the roots are its eigenvalues), by repeated
    convolution, so they differentiate in the roots."""
    if not _traced(seq_of_zeros):
        return np.poly(seq_of_zeros)
    s = shape_of(concrete(seq_of_zeros))
    real_matrix = False
    if len(s) == 2 and s[0] == s[1] and s[0] > 0:
        real_matrix = dtype_of(concrete(seq_of_zeros)).kind != "c"  # (real coefficients always)
        seq_of_zeros = eigvals(seq_of_zeros)
        s = (s[0],)
    if len(s) != 1:
        raise ValueError(f"poly: needs a 1-D array of roots or a square matrix, got shape {s}")
    dt = dtype_of(concrete(seq_of_zeros))  # NumPy's: float32 and complex stay, the rest float64
    dt = dt if dt.kind == "c" or dt in (np.float32, np.float64, np.longdouble) else np.dtype(np.float64)
    seq_of_zeros = astype(seq_of_zeros, dt)  # (−r of an unsigned integer r would wrap around)
    coeffs = np.ones(1, dt)
    zero = np.zeros(1, dt)
    for k in range(s[0]):  # multiply by (x − r_k): [c, 0] − r_k [0, c], as NumPy's convolution
        # sums it (the leading 1 never meets r_k, so a NaN or infinite root leaves it 1)
        r = getitem(seq_of_zeros, slice(k, k + 1))
        coeffs = concatenate([coeffs, zero]) - concatenate([zero, r * coeffs])
    v = concrete(seq_of_zeros)
    if dt.kind == "c" and (real_matrix or not is_staged(v)
                           and np.array_equal(np.sort_complex(v), np.sort_complex(np.conj(v)))):
        coeffs = real_part(coeffs)  # conjugate pairs: real coefficients, as NumPy gives them
    return coeffs


@function
def roots(p: ArrayLike, *, strip_zeros: bool = True) -> Array:
    """The roots of the polynomial with coefficients ``p`` (highest power first): the
    eigenvalues of its companion matrix, complex (as ``jax.numpy.roots``; NumPy returns a
    real array when every root is real), so they differentiate in ``p``. Leading zeros are
    dropped and trailing ones give roots at 0, as NumPy's; with ``strip_zeros=False`` (JAX's,
    which traces under ``tg.jit``) every coefficient counts and each leading zero gives a NaN
    root, last."""
    p = _as_array(p)
    s = shape_of(concrete(p))
    if len(s) != 1:
        raise ValueError(f"roots: the coefficients must be a 1-D array, got shape {s}")
    pv = concrete(p)
    if is_staged(pv) and strip_zeros:
        raise ConcretizationError("roots: the number of roots depends on which coefficients are "
                                  "zero, which tg.jit cannot know from a traced value; "
                                  "strip_zeros=False keeps them all (as JAX)")
    p = astype(p, complex_dtype(dtype_of(pv)) if dtype_of(pv).kind == "c" else
               (dtype_of(pv) if dtype_of(pv) in (np.float32, np.float64) else np.float64))
    out_dt = complex_dtype(dtype_of(concrete(p)))
    n = s[0]
    if not strip_zeros:  # (JAX's: the k leading zeros rolled to the end make k roots 0, which
        if n < 2:        # are dropped: the other roots first, in eigvals' order, then k NaN)
            return np.zeros(0, out_dt)
        k = staged_call(lambda v: np.argmin(v == 0), pv)  # (all zeros: 0, and every root NaN)
        r = _companion_roots(getitem(p, staged_call(lambda j: (np.arange(n) + j) % n, k)), n)
        order = staged_call(_zeros_last, concrete(r), k)
        return where(staged_call(lambda j: np.arange(n - 1) < n - 1 - j, k), getitem(r, order),
                     complex(np.nan, np.nan))
    nonzero = np.flatnonzero(pv)
    if nonzero.size == 0:
        return np.zeros(0, out_dt)
    first, last = int(nonzero[0]), int(nonzero[-1])
    trailing = n - last - 1
    if last - first < 1:
        return np.zeros(trailing, out_dt)
    r = _companion_roots(getitem(p, slice(first, last + 1)), last + 1 - first)
    return concatenate([r, np.zeros(trailing, out_dt)]) if trailing else r


def _zeros_last(r: np.ndarray, k) -> np.ndarray:
    """The order that moves the ``k`` roots of least magnitude (the zeros a rolled polynomial
    gains) to the end, keeping the others' order."""
    spurious = np.zeros(r.shape, bool)
    spurious[np.argsort(np.abs(r), kind="stable")[:int(k)]] = True
    return np.argsort(spurious, kind="stable")


def _companion_roots(p, n: int):
    """The eigenvalues of the companion matrix of ``p`` (n ≥ 2 coefficients); NaN where p[0]
    is 0 (a polynomial of lower degree)."""
    zero = equal(getitem(p, 0), 0)
    row = reshape(-getitem(p, slice(1, None)) / where(zero, 1, getitem(p, 0)), (1, n - 1))
    companion = concatenate([row, np.eye(n - 2, n - 1, dtype=dtype_of(concrete(row)).type)], axis=0)
    return where(zero, complex(np.nan, np.nan), eigvals(companion))


@function
def sort_complex(a: ArrayLike) -> Array:
    """``a`` sorted along its last axis by real part, then imaginary part, as complex values
    (NumPy's ``sort_complex``); differentiable: the values move with their positions."""
    v = concrete(a)
    dt = dtype_of(v)
    if dt.kind != "c":  # NumPy's rule: complex64 for (u)int8/16, clongdouble for longdouble,
        # else complex128 (float16 and float32 too)
        a = astype(a, np.complex64 if dt.char in "bhBH" else np.clongdouble if dt.char == "g"
                   else np.complex128)
    if len(shape_of(v)) == 0:
        raise ValueError("sort_complex: needs an array with at least one axis")
    idx = staged_call(lambda v: np.lexsort((np.imag(v), np.real(v)), axis=-1), v)
    return take_along_axis(a, idx, axis=-1)


@function
def trim_zeros(filt: ArrayLike, trim: str = "fb", axis=None) -> Array:
    """``filt`` without its leading (``f``) and trailing (``b``) zeros: along ``axis`` (an
    int, a tuple, or None for every axis), the slices that hold only zeros at either end
    are cut off, as NumPy 2.2's ``trim_zeros`` does for any number of dimensions."""
    v = np.asarray(concrete(filt))
    t = trim.lower()
    if not t or any(c not in "fb" for c in t):
        raise ValueError(f"trim_zeros: unexpected character(s) in trim: {trim!r}")
    axes = [a % v.ndim for a in negative_axes(axis, v.ndim, "trim_zeros")]  # checked, as NumPy's
    index = [slice(None)] * v.ndim
    nonzero = v != 0
    for ax in axes:
        along = np.flatnonzero(np.any(nonzero, axis=tuple(a for a in range(v.ndim) if a != ax)))
        if along.size == 0:  # all zeros: nothing is left along this axis
            index[ax] = slice(0, 0)
            continue
        start = int(along[0]) if "f" in t else 0
        stop = int(along[-1]) + 1 if "b" in t else v.shape[ax]
        index[ax] = slice(start, stop)
    return getitem(filt, tuple(index))


@function
def ix_(*args):
    """Open meshes of one-dimensional arrays, as NumPy's and JAX's ``ix_``: the k-th comes
    back with shape ``(1, ..., n, ..., 1)``, a boolean one as the positions of its true
    entries. Integer index arrays may be traced by ``tg.jit`` (a boolean one may not: its
    number of true entries is the mesh's length, as in JAX); a traced float array keeps
    its gradient (the mesh is a reshape of it)."""
    vals = [concrete(a) for a in args]
    if not _traced(*args):
        return np.ix_(*vals)  # (NumPy's: an empty list indexes as intp, not float64)
    n = len(vals)
    out = []
    for k, (a, v) in enumerate(zip(args, vals)):
        if not (is_staged(v) or isinstance(v, np.ndarray)):  # a list: as NumPy reads it
            a = v = np.asarray(v) if np.size(v) else np.asarray(v, dtype=np.intp)
        if len(shape_of(v)) != 1:
            raise ValueError(f"ix_: each index array must be one-dimensional, got shape {shape_of(v)}")
        kind = dtype_of(v).kind
        if kind == "b" and is_staged(v):
            raise ConcretizationError(
                "ix_: a boolean index array traced by tg.jit (the mesh's length is its number "
                "of true entries, known only when the plan runs); pass integer indices")
        if kind not in "iubfc":
            raise TypeError(f"ix_: index arrays must be numeric or boolean, got dtype {dtype_of(v)}")
        if kind == "b":
            a = np.flatnonzero(v)
        out.append(reshape(a, (1,) * k + (-1,) + (1,) * (n - k - 1)))
    return tuple(out)


@function
def diag_indices_from(arr: ArrayLike) -> tuple:
    """Indices of the main diagonal of an array whose axes all have one length."""
    s = shape_of(concrete(arr))
    if len(s) < 2 or len(set(s)) != 1:
        raise ValueError(f"diag_indices_from: all dimensions of input must be of equal length and "
                         f"at least 2, got shape {s}")
    return np.diag_indices(s[0], len(s))


@function
def einsum_path(subscripts, *operands, optimize="greedy", einsum_call: bool = False):
    """NumPy's contraction order for ``einsum`` (it reads the operands' shapes only)."""
    shaped = [np.zeros(shape_of(concrete(o))) if _traced(o) else o for o in operands]
    return np.einsum_path(subscripts, *shaped, optimize=optimize, einsum_call=einsum_call)


@function
def iscomplex(x: ArrayLike):
    """Entrywise: is the imaginary part nonzero (booleans, no gradient)."""
    return np.iscomplex(concrete(x))


@function
def isreal(x: ArrayLike):
    """Entrywise: is the imaginary part zero (booleans, no gradient)."""
    return np.isreal(concrete(x))


@function
def array_repr(arr: ArrayLike, max_line_width=None, precision=None, suppress_small=None) -> str:
    """NumPy's ``array_repr`` of the values (printing never carries a gradient)."""
    return np.array_repr(np.asarray(concrete(arr)), max_line_width, precision, suppress_small)


@function
def array_str(a: ArrayLike, max_line_width=None, precision=None, suppress_small=None) -> str:
    """NumPy's ``array_str`` of the values (printing never carries a gradient)."""
    return np.array_str(np.asarray(concrete(a)), max_line_width, precision, suppress_small)

