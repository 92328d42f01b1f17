"""NumPy's histograms, array-API ``unique_*`` functions and small shape-only helpers, on tensors.

* ``histogram`` / ``histogram_bin_edges``: counts are piecewise constant in the data (no
  gradient), weighted counts differentiate in the weights, and the bin edges, when NumPy
  derives them from the data's range (a count of bins, or a rule such as ``"auto"``),
  differentiate in the data's minimum and maximum
  (``linspace`` between them), as ``jax.numpy.histogram`` does. A ``density`` divides by
  those, so it differentiates too.
* ``unique_values``'s siblings ``unique_counts``, ``unique_inverse`` and ``unique_all``
  return NumPy's named tuples; the values differentiate (to each first occurrence).
* ``poly`` (coefficients from roots, by repeated convolution), ``trim_zeros``; and
  ``ix_``, ``diag_indices_from``, ``einsum_path``, ``iscomplex``, ``isreal``,
  ``array_repr``, ``array_str``, which read shapes or values only.
"""
from __future__ import annotations

import numpy as np

from ..registry import function
from ..tensor import Tensor
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import any_traced as _traced
from ._util import concrete, shape_of
from .discrete import bincount
from .reductions import max as _max
from .reductions import min as _min
from .reductions import sum as _sum
from .scans import diff
from .shape import concatenate, getitem, reshape
from .signal import convolve, linspace

__all__ = ["histogram", "histogram_bin_edges", "unique_counts", "unique_inverse", "unique_all",
           "poly", "trim_zeros", "ix_", "diag_indices_from", "einsum_path", "iscomplex", "isreal",
           "array_repr", "array_str"]

_UniqueCounts = type(np.unique_counts(np.zeros(1)))
_UniqueInverse = type(np.unique_inverse(np.zeros(1)))
_UniqueAll = type(np.unique_all(np.zeros(1)))


def _edges(a, bins, range, weights, name: str):
    """NumPy's bin edges; differentiable in the data when they come from its min and max."""
    v = np.asarray(concrete(a)).ravel()
    edges = np.histogram_bin_edges(v, bins=bins, range=range,
                                   weights=None if weights is None else np.asarray(concrete(weights)))
    if not isinstance(a, Tensor) or range is not None or not isinstance(bins, (int, np.integer, str)):
        return edges  # given edges or a given range: constants
    if v.size == 0:
        return edges
    # a count of bins (given, or chosen by a rule such as "auto", which is piecewise constant):
    # NumPy spaces the edges evenly between the data's minimum and maximum
    lo, hi = _min(a), _max(a)
    if float(concrete(lo)) == float(concrete(hi)):  # NumPy widens an empty range by ½ each way
        lo, hi = lo - 0.5, hi + 0.5
    return linspace(lo, hi, len(edges))


@function
def histogram_bin_edges(a: ArrayLike, bins=10, range=None, weights=None) -> Array:  # noqa: A002
    """The edges NumPy's ``histogram`` would use (see the module for their gradient)."""
    return _edges(a, bins, range, weights, "histogram_bin_edges")


@function
def histogram(a: ArrayLike, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """``(hist, bin_edges)`` as NumPy's ``histogram``; see the module for what differentiates."""
    if not _traced(a, weights):
        return np.histogram(a, bins=bins, range=range, density=density, weights=weights)
    v = np.asarray(concrete(a)).ravel()
    w = None if weights is None else np.asarray(concrete(weights)).ravel()
    counts, fixed = np.histogram(v, bins=bins, range=range, weights=w)
    edges = _edges(a, bins, range, weights, "histogram")
    if weights is not None and isinstance(weights, Tensor):
        # the bin of each entry, as NumPy places it (the last bin is closed on the right)
        inside = (v >= fixed[0]) & (v <= fixed[-1])
        idx = np.clip(np.searchsorted(fixed, v, side="right") - 1, 0, len(fixed) - 2)
        keep = np.flatnonzero(inside)
        hist = bincount(idx[keep], weights=getitem(reshape(weights, (-1,)), keep), minlength=len(fixed) - 1)
    else:
        hist = counts
    if density:
        return hist / (_sum(hist) * diff(edges)), edges
    return hist, edges


def _unique_parts(x):
    v = np.asarray(concrete(x))
    values, index, inverse, counts = np.unique(v.ravel(), return_index=True, return_inverse=True,
                                               return_counts=True)
    vals = getitem(reshape(x, (-1,)), index) if isinstance(x, Tensor) else values
    return vals, index, inverse.reshape(v.shape), counts


@function
def unique_counts(x: ArrayLike):
    """``(values, counts)``, as NumPy's ``unique_counts``; the values differentiate."""
    vals, _, _, counts = _unique_parts(x)
    return _UniqueCounts(vals, counts)


@function
def unique_inverse(x: ArrayLike):
    """``(values, inverse_indices)``, as NumPy's ``unique_inverse``; the values differentiate."""
    vals, _, inverse, _ = _unique_parts(x)
    return _UniqueInverse(vals, inverse)


@function
def unique_all(x: ArrayLike):
    """``(values, indices, inverse_indices, counts)``, as NumPy's ``unique_all``."""
    return _UniqueAll(*_unique_parts(x))


@function
def poly(seq_of_zeros: ArrayLike) -> Array:
    """The coefficients of the monic polynomial with the given roots (1-D input), by repeated
    convolution, so they differentiate in the roots."""
    if not _traced(seq_of_zeros):
        return np.poly(seq_of_zeros)
    s = shape_of(concrete(seq_of_zeros))
    if len(s) != 1:
        raise NotImplementedError("poly: a matrix's characteristic polynomial needs its (complex) "
                                  "eigenvalues; tensorgrad takes 1-D roots only")
    coeffs = np.ones(1)
    for k in range(s[0]):  # multiply by (x − r_k): convolve with [1, −r_k]
        coeffs = convolve(coeffs, concatenate([np.ones(1), -getitem(seq_of_zeros, slice(k, k + 1))]))
    return coeffs


@function
def trim_zeros(filt: ArrayLike, trim: str = "fb") -> Array:
    """``filt`` (1-D) without its leading (``f``) and trailing (``b``) zeros."""
    v = np.asarray(concrete(filt))
    if v.ndim != 1:
        raise NotImplementedError(f"trim_zeros: tensorgrad trims 1-D arrays, got shape {v.shape}")
    nz = np.flatnonzero(v)
    if nz.size == 0:
        return getitem(filt, slice(0, 0))
    start = int(nz[0]) if "f" in trim.lower() else 0
    stop = int(nz[-1]) + 1 if "b" in trim.lower() else v.size
    return getitem(filt, slice(start, stop))


@function
def ix_(*args):
    """Open meshes of integer or boolean index arrays (integers, no gradient)."""
    return np.ix_(*[np.asarray(concrete(a)) for a in args])


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

