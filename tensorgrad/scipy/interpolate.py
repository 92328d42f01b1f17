"""``tg.scipy.interpolate``: ``jax.scipy.interpolate.RegularGridInterpolator``, differentiable.

``RegularGridInterpolator(points, values, method='linear', bounds_error=False,
fill_value=nan)`` interpolates ``values``, given on the grid ``points`` (one 1-D array per
leading axis of ``values``; any trailing axes of ``values`` are carried along), at query
points ``xi`` of shape ``(..., ndim)`` (or a tuple of ``ndim`` arrays that broadcast). The
result has shape ``xi.shape[:-1] + values.shape[ndim:]``.

* ``method='linear'``: multilinear between the ``2**ndim`` grid points around each query
  point; ``'nearest'``: the nearest grid point (a tie, exactly half-way, goes to the lower
  one, as in SciPy and JAX). SciPy's spline methods (``'slinear'``, ``'cubic'``, ...) are
  not provided, as in JAX.
* Outside the grid: ``fill_value`` (NaN by default); ``fill_value=None`` extrapolates
  (linearly from the end intervals, or the edge point for ``'nearest'``).
  ``bounds_error=True`` raises ``ValueError`` for a point outside the grid (or a NaN one),
  as SciPy does (also under ``tg.jit``, where the check runs at every call); JAX refuses
  ``bounds_error=True``.
* A NaN query point gives NaN, with both methods (as SciPy; JAX's ``'nearest'`` gives the
  last grid value).
* SciPy's checks are made: each axis of ``points`` 1-D, strictly monotonic, as long as the
  matching axis of ``values``. A decreasing axis is reversed (with its axis of ``values``),
  as SciPy does (JAX requires increasing axes); an axis with one point gives its value
  (at that point; elsewhere is outside). Grid points that ``tg.jit`` traces cannot be
  checked or reversed: they must be increasing.
* ``values`` of an integer dtype are interpolated in float64 (SciPy's and JAX's dtype).

Derivatives: every transform differentiates the result in ``values``, in the query points
``xi`` and in the grid ``points`` (as JAX's does, the interpolator being a pytree whose
leaves are the grid, the values and the fill value). The interval of a query point is
``(points[i], points[i + 1]]``, the first one closed at both ends: at an interior grid point
the slope in ``xi`` is that of the interval to the left, at the first grid point that of
the first interval (JAX's convention, ``searchsorted(points, xi) - 1``). ``'nearest'`` is
piecewise constant in ``xi`` (slope 0); outside the grid the fill value has slope 0.
"""
from __future__ import annotations

import itertools

import numpy as np

from ..ops import astype, flip, reshape, stack, take, where
from ..ops import broadcast_arrays as _broadcast_arrays
from ..ops._util import as_array_like, concrete, dtype_of, is_staged, shape_of
from ..staging import check as _staged_check
from ..staging import may_any
from ..tree import register_pytree_node
from ..typing import Array, ArrayLike  # noqa: F401

__all__ = ["RegularGridInterpolator"]

_NAME = "RegularGridInterpolator"
_METHODS = ("linear", "nearest")


def _check_method(method) -> None:
    if method not in _METHODS:
        extra = (" (SciPy's spline methods are not provided, as in JAX)"
                 if method in ("slinear", "cubic", "quintic", "pchip") else "")
        raise ValueError(f"{_NAME}: method must be 'linear' or 'nearest', got {method!r}{extra}")


def _real(arg: str, v) -> None:
    if np.dtype(dtype_of(v)).kind not in "biuf":
        raise TypeError(f"{_NAME}: {arg} must be real, got dtype {np.dtype(dtype_of(v))} "
                        f"(tensorgrad differentiates real arrays)")


def _axis(i: int, p, n: int):
    """Grid axis ``i`` checked as SciPy checks it; True if it decreases (and must be reversed)."""
    p = as_array_like(p)
    _real(f"points[{i}]", p)
    if len(shape_of(p)) != 1:
        raise ValueError(f"{_NAME}: the points in dimension {i} must be 1-dimensional, got "
                         f"shape {tuple(shape_of(p))}")
    m = shape_of(p)[0]
    if m != n:
        raise ValueError(f"{_NAME}: there are {m} points and {n} values in dimension {i}")
    if m == 0:
        raise ValueError(f"{_NAME}: there are no points in dimension {i}")
    pv = concrete(p)
    if is_staged(pv) or m == 1:
        return p, False
    d = np.diff(np.asarray(pv, dtype=np.float64))
    if np.all(d > 0):
        return p, False
    if np.all(d < 0):
        return p, True
    raise ValueError(f"{_NAME}: the points in dimension {i} must be strictly ascending or "
                     f"descending")


class RegularGridInterpolator:
    """Interpolation on a rectangular grid, as ``jax.scipy.interpolate.RegularGridInterpolator``
    (and ``scipy.interpolate.RegularGridInterpolator``'s ``'linear'`` and ``'nearest'``).

    ``points``: one 1-D array per leading axis of ``values``, strictly increasing (or
    decreasing: reversed, as SciPy). ``method``: ``'linear'`` or ``'nearest'``.
    ``bounds_error``: raise ``ValueError`` for query points outside the grid.
    ``fill_value``: the value outside the grid (NaN; None extrapolates). Call it with
    query points ``xi`` of shape ``(..., ndim)`` (and optionally another ``method``).
    Differentiable in ``values``, ``xi``, ``points`` and ``fill_value``; see the module for
    the slope at a grid point.
    """

    def __init__(self, points, values, method: str = "linear", bounds_error: bool = False,
                 fill_value=np.nan):
        _check_method(method)
        values = as_array_like(values)
        _real("values", values)
        if np.dtype(dtype_of(values)).kind != "f":
            values = astype(values, np.float64)
        vshape = tuple(shape_of(values))
        points = list(points)
        if len(points) > len(vshape):
            raise ValueError(f"{_NAME}: there are {len(points)} point arrays, but values has "
                             f"{len(vshape)} dimensions (shape {vshape})")
        grid = []
        for i, p in enumerate(points):
            p, decreasing = _axis(i, p, vshape[i])
            if decreasing:
                p, values = flip(p), flip(values, axis=i)
            grid.append(p)
        if fill_value is not None:
            fill_value = as_array_like(fill_value)
            _real("fill_value", fill_value)
            if not np.can_cast(np.dtype(dtype_of(fill_value)), np.dtype(dtype_of(values)),
                               casting="same_kind"):
                raise ValueError(f"{_NAME}: fill_value must be either None or of a type "
                                 f"compatible with values ({np.dtype(dtype_of(values))}), got "
                                 f"dtype {np.dtype(dtype_of(fill_value))}")
            if shape_of(fill_value) != ():
                raise ValueError(f"{_NAME}: fill_value must be a scalar, got shape "
                                 f"{tuple(shape_of(fill_value))}")
        self.method = method
        self.bounds_error = bool(bounds_error)
        self.fill_value = fill_value
        self.grid = tuple(grid)
        self.values = values

    def __repr__(self) -> str:
        return (f"RegularGridInterpolator(grid shape {tuple(shape_of(g)[0] for g in self.grid)}, "
                f"values shape {tuple(shape_of(self.values))}, method={self.method!r})")

    def _query(self, xi):
        """``xi`` as an array of shape (number of points, ndim), and the leading shape."""
        ndim = len(self.grid)
        if isinstance(xi, tuple) and len(xi) == 1:
            xi = xi[0]
        if isinstance(xi, tuple):
            parts = [as_array_like(p) for p in xi]
            for p in parts:
                _real("xi", p)
            try:
                parts = _broadcast_arrays(*parts)
            except ValueError:
                raise ValueError(f"{_NAME}: the coordinate arrays of xi must broadcast "
                                 f"together, got shapes {[tuple(shape_of(p)) for p in parts]}") \
                    from None
            xi = stack([astype(p, np.float64) if np.dtype(dtype_of(p)).kind != "f" else p
                        for p in parts], axis=-1)
        else:
            xi = as_array_like(xi)
            _real("xi", xi)
            shape = tuple(shape_of(xi))
            if not shape:
                raise ValueError(f"{_NAME}: xi must be an array of shape (..., {ndim}), got a "
                                 f"0-d array")
            if len(shape) == 1:
                if shape[0] % ndim:
                    raise ValueError(f"{_NAME}: a 1-D xi holds points of {ndim} coordinates "
                                     f"each, got {shape[0]} numbers")
                xi = reshape(xi, (-1, ndim))
        shape = tuple(shape_of(xi))
        if shape[-1] != ndim:
            raise ValueError(f"{_NAME}: the requested sample points xi have dimension "
                             f"{shape[-1]}, but this RegularGridInterpolator has dimension "
                             f"{ndim}")
        if np.dtype(dtype_of(xi)).kind != "f":
            xi = astype(xi, np.float64)
        return reshape(xi, (-1, ndim)), shape[:-1]

    def __call__(self, xi, method: str | None = None) -> Array:
        """The interpolated values at ``xi`` (shape ``(..., ndim)``), with ``method`` (the
        interpolator's own by default)."""
        method = self.method if method is None else method
        _check_method(method)
        flat, lead = self._query(xi)
        ndim = len(self.grid)
        vshape = tuple(shape_of(self.values))
        trailing = vshape[ndim:]
        nodes, outside, nan, infinite = [], None, None, None
        for j, g in enumerate(self.grid):
            x = flat[:, j]
            xv, gv = concrete(x), concrete(g)
            n = vshape[j]
            lo, hi = take(gv, 0), take(gv, n - 1)
            if self.bounds_error:
                _staged_check(_inside, xv, lo, hi, j)
            out_j = (xv < lo) | (xv > hi)
            outside = out_j if outside is None else outside | out_j
            nan_j = np.isnan(xv)
            nan = nan_j if nan is None else nan | nan_j
            if n == 1:
                nodes.append([(np.zeros(shape_of(x), np.int64), None)])
                continue
            i = np.clip(np.searchsorted(gv, xv) - 1, 0, n - 2)
            glo = take(g, i)
            inf_j = np.isinf(xv)
            if method == "linear" and may_any(inf_j):
                # an infinite weight times a value is NaN with a warning (and NaN derivatives for
                # every value): weigh from a grid point there, the result is set below
                infinite = inf_j if infinite is None else infinite | inf_j
                x = where(inf_j, glo, x)
            y = (x - glo) / (take(g, i + 1) - glo)
            if method == "linear":
                nodes.append([(i, 1 - y), (i + 1, y)])
            else:
                nodes.append([(np.where(concrete(y) <= 0.5, i, i + 1), None)])
        strides = [int(np.prod(vshape[d + 1:ndim], dtype=np.int64)) for d in range(ndim)]
        table = reshape(self.values, (-1,) + trailing)
        column = (slice(None),) + (None,) * len(trailing)
        result = None
        for corner in itertools.product(*nodes):
            position, weight = 0, None
            for (index, w), stride in zip(corner, strides):
                position = position + index * stride
                if w is not None:
                    weight = w if weight is None else weight * w
            part = take(table, position, axis=0)
            if weight is not None:
                part = part * weight[column]
            result = part if result is None else result + part
        if method == "nearest" and may_any(nan):
            result = where(nan[column], np.nan, result)
        if infinite is not None:  # (linear extrapolation to an infinite point: NaN, as SciPy)
            result = where(infinite[column], np.nan, result)
        if not self.bounds_error and self.fill_value is not None and may_any(outside):
            fill = self.fill_value
            if np.dtype(dtype_of(fill)) != np.dtype(dtype_of(result)):
                fill = astype(fill, dtype_of(result))
            result = where(outside[column], fill, result)
        return reshape(result, lead + trailing)


def _inside(xv, lo, hi, j: int) -> None:
    """SciPy's ``bounds_error=True``: every query coordinate within the grid (not NaN)."""
    if not np.all((lo <= xv) & (xv <= hi)):
        raise ValueError(f"{_NAME}: one of the requested xi is out of bounds in dimension {j}")


def _flatten(obj: RegularGridInterpolator):
    return (obj.grid, obj.values, obj.fill_value), (obj.method, obj.bounds_error)


def _unflatten(aux, children) -> RegularGridInterpolator:
    obj = object.__new__(RegularGridInterpolator)  # (the leaves were checked when it was made)
    obj.grid, obj.values, obj.fill_value = children
    obj.grid = tuple(obj.grid)
    obj.method, obj.bounds_error = aux
    return obj


register_pytree_node(RegularGridInterpolator, _flatten, _unflatten)
