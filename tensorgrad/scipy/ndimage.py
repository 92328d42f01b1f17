"""``tg.scipy.ndimage``: ``jax.scipy.ndimage.map_coordinates``, differentiable.

``map_coordinates(input, coordinates, order, mode='constant', cval=0.0)`` samples ``input``
at fractional positions: ``coordinates`` holds one array per axis of ``input`` (a list, or
an array whose first axis has length ``input.ndim``), and the result has their broadcast
shape. ``order=0`` takes the nearest entry, ``order=1`` interpolates linearly between the
``2**ndim`` entries around each position (SciPy's spline orders 2 to 5 are not provided,
as in JAX). ``mode`` says what lies beyond the edges, for an axis of length ``n``:

* ``'constant'``: ``cval`` everywhere outside ``[0, n - 1]``; a position within one step of
  the edge interpolates between the edge entry and ``cval`` (this is SciPy's
  ``'grid-constant'``; SciPy's own ``'constant'`` does not interpolate there);
* ``'nearest'``: the edge entry repeated;
* ``'wrap'``: periodic with period ``n`` (SciPy's ``'grid-wrap'``; SciPy's ``'wrap'`` gives
  other values outside ``[0, n - 1]``);
* ``'mirror'``: reflected about the edge entries (``d c b | a b c d | c b a``);
* ``'reflect'``: reflected about the edges, the edge entry repeated (``b a | a b c d | d c``).

These are JAX's modes; SciPy's names ``'grid-constant'``, ``'grid-wrap'`` and
``'grid-mirror'`` are accepted for ``'constant'``, ``'wrap'`` and ``'reflect'``.

Rounding (``order=0``) is half away from zero, and the boundary rule is applied to the
rounded index, as JAX does: at a negative half-integer (``-0.5``) and at half-integers
beyond the edges in ``'mirror'``/``'reflect'`` mode, SciPy (which rounds half up, after the
boundary rule) can pick the other neighbour.

Derivatives: the result is built from registered ops (a gather of ``input`` at the integer
positions, weights ``1 - f`` and ``f`` with ``f = c - floor(c)``), so every transform
differentiates it, in ``input``, in ``coordinates`` and in ``cval``. ``order=1`` is
piecewise linear in each coordinate; at an integer coordinate ``floor(c) = c`` and the
slope is the one of the segment to the right, ``input[c + 1] - input[c]`` (JAX's
convention; with ``'constant'`` at the last entry that is ``cval - input[n - 1]``).
``order=0`` is piecewise constant: its derivative in the coordinates is 0.

Non-finite positions: a NaN coordinate gives NaN (for ``order=1`` also an infinite one, and
for ``order=0`` an infinite one in ``'wrap'``, ``'mirror'``, ``'reflect'``; ``±inf`` with
``order=0`` gives ``cval`` in ``'constant'`` and the edge entry in ``'nearest'``). SciPy
gives ``cval`` at some of these. Positions beyond ``±2**53`` (where float64 no longer
tells neighbouring integers apart) are read as ``±2**53``.

Dtypes: the result has ``input``'s dtype, as in JAX and SciPy, and ``cval`` is cast to it.
Integer inputs give an integer result, rounded half away from zero, with ``cval`` where
the value would be NaN. A complex input is sampled as its real and imaginary parts (the
interpolation is linear in it; ``cval``'s parts fill them). Boolean inputs are refused.
"""
from __future__ import annotations

import itertools
import operator

import numpy as np

from ..ops import abs as _abs
from ..ops import astype, floor, reshape, sign, take, trunc, where
from ..ops._util import as_array_like, concrete, dtype_of, is_staged, shape_of
from ..ops.complex_ops import by_parts
from ..staging import as_array, may_any
from ..typing import Array, ArrayLike  # noqa: F401

__all__ = ["map_coordinates"]

#: the modes, under JAX's and SciPy's names, to the rule each stands for
_MODES = {"constant": "constant", "grid-constant": "constant", "nearest": "nearest",
          "wrap": "wrap", "grid-wrap": "wrap", "mirror": "mirror", "reflect": "reflect",
          "grid-mirror": "reflect"}
#: indices are kept within ±2**53 (as far as a float64 coordinate tells integers apart)
_FAR = 2.0 ** 53


def _coordinate_list(name: str, coordinates, nd: int, in_shape: tuple) -> tuple:
    """One array-like per input axis (from a sequence or an array of shape (ndim, ...)) and
    their broadcast shape."""
    if isinstance(coordinates, (list, tuple)):
        coords = [as_array_like(c) for c in coordinates]
    else:
        arr = as_array_like(coordinates)
        if not shape_of(arr):
            raise ValueError(f"{name}: coordinates must be a sequence of input.ndim = {nd} "
                             f"arrays (or an array of shape ({nd}, ...)), got a 0-d array")
        coords = [arr[i] for i in range(shape_of(arr)[0])]
    if len(coords) != nd:
        raise ValueError(f"{name}: coordinates must be a sequence of length input.ndim = {nd} "
                         f"(input shape {in_shape}), got {len(coords)}")
    for c in coords:
        if np.dtype(dtype_of(c)).kind not in "biuf":
            raise TypeError(f"{name}: coordinates must be real numbers, got dtype "
                            f"{np.dtype(dtype_of(c))}")
    try:
        shape = np.broadcast_shapes(*(tuple(shape_of(c)) for c in coords))
    except ValueError:
        raise ValueError(f"{name}: the coordinate arrays must broadcast together, got shapes "
                         f"{[tuple(shape_of(c)) for c in coords]}") from None
    return coords, shape


def _round_half_away(v):
    """NumPy values (or staged ones) rounded half away from zero (exactly: ``v - trunc(v)`` is
    exact, where ``floor(v + 0.5)`` rounds 0.49999999999999994 up)."""
    t = np.trunc(v)
    return t + np.where(np.abs(v - t) >= 0.5, np.sign(v), 0.0)


def _integer_positions(cv, order: int):
    """The integer index below (``order=1``) or nearest to (``order=0``) each coordinate, as
    int64, within ±2**53; NaN gives 0 (its weight, or the caller, makes the value NaN)."""
    if np.dtype(cv.dtype).kind in "biu":
        return as_array(cv, np.int64)
    finite = np.isfinite(cv)
    safe = np.where(finite, cv, 0.0)
    r = np.clip(_round_half_away(safe) if order == 0 else np.floor(safe), -_FAR, _FAR)
    r = np.where(finite, r, np.where(cv > 0, _FAR, np.where(cv < 0, -_FAR, 0.0)))
    return as_array(r, np.int64)


def _fix(index, n: int, mode: str):
    """The index into an axis of length ``n`` that ``mode`` reads for ``index`` (int64)."""
    if mode in ("constant", "nearest"):
        return np.clip(index, 0, n - 1)
    if mode == "wrap":
        return np.mod(index, n)
    if mode == "mirror":  # period 2(n - 1): 0 1 .. n-1 n-2 .. 1
        if n == 1:
            return index * 0
        s = n - 1
        return np.abs(np.mod(index + s, 2 * s) - s)
    j = np.mod(index, 2 * n)  # 'reflect', period 2n: 0 1 .. n-1 n-1 .. 0
    return np.where(j >= n, 2 * n - 1 - j, j)


def _as_float(c):
    dt = np.dtype(dtype_of(c))
    return c if dt.kind == "f" else astype(c, np.float64)


def map_coordinates(input: ArrayLike, coordinates, order: int, mode: str = "constant",
                    cval: ArrayLike = 0.0) -> Array:
    """``input`` sampled at ``coordinates`` by nearest-entry (``order=0``) or linear
    (``order=1``) interpolation, as ``jax.scipy.ndimage.map_coordinates``.

    ``coordinates``: one array per axis of ``input`` (broadcast together; the result has
    their shape). ``mode``: ``'constant'`` (``cval`` outside), ``'nearest'``, ``'wrap'``,
    ``'mirror'``, ``'reflect'`` (JAX's meanings; see the module). Differentiable in
    ``input``, ``coordinates`` and ``cval``; at an integer coordinate the ``order=1`` slope is
    the one to the right (JAX's convention). Only linear interpolation (order 0 or 1) is
    provided.
    """
    name = "map_coordinates"
    x = as_array_like(input)
    dt = np.dtype(dtype_of(x))
    if dt.kind == "c":  # linear in the input: its real and imaginary parts, joined
        return by_parts(lambda part, c: map_coordinates(part, coordinates, order, mode, c),
                        x, as_array_like(cval))
    in_shape = tuple(shape_of(x))
    if dt.kind not in "iuf":
        raise TypeError(f"{name}: input must be a real (integer or float) array, got dtype "
                        f"{dt} (tensorgrad differentiates real arrays)")
    try:
        order = operator.index(order)
    except TypeError:
        raise TypeError(f"{name}: order must be the integer 0 or 1, got {order!r}") from None
    if order not in (0, 1):
        raise NotImplementedError(f"{name}: order must be 0 (nearest) or 1 (linear), got "
                                  f"{order}; as in JAX, spline orders (SciPy's 2 to 5) are "
                                  f"not provided (requires order<=1)")
    rule = _MODES.get(mode) if isinstance(mode, str) else None
    if rule is None:
        raise NotImplementedError(f"{name}: mode must be one of 'constant', 'nearest', 'wrap', "
                                  f"'mirror', 'reflect' (or SciPy's 'grid-constant', "
                                  f"'grid-wrap', 'grid-mirror'), got {mode!r}")
    nd = len(in_shape)
    if nd == 0:
        raise ValueError(f"{name}: input must have at least one dimension, got a 0-d array")
    if 0 in in_shape:
        raise ValueError(f"{name}: input must not be empty, got shape {in_shape}")
    coords, out_shape = _coordinate_list(name, coordinates, nd, in_shape)
    cval = as_array_like(cval)
    if shape_of(cval) != ():
        raise ValueError(f"{name}: cval must be a scalar, got shape {tuple(shape_of(cval))}")
    if np.dtype(dtype_of(cval)).kind not in "biuf":
        raise TypeError(f"{name}: cval must be a real number, got dtype {dtype_of(cval)}")
    if np.dtype(dtype_of(cval)) != dt:
        if dt.kind in "iu" and not is_staged(concrete(cval)):
            value = float(np.asarray(concrete(cval)))
            if not np.iinfo(dt).min <= value <= np.iinfo(dt).max:  # (the cast would wrap around)
                raise OverflowError(f"{name}: cval {value!r} is out of bounds for the input's "
                                    f"dtype {dt}, as in JAX")
        cval = astype(cval, dt)

    # per axis: the nodes (fixed index, in-range mask or None, weight or None for 1)
    axes_nodes, bad = [], None
    for c, n in zip(coords, in_shape):
        cv = concrete(c)
        base = _integer_positions(cv, order)
        if np.dtype(dtype_of(c)).kind == "f":
            nonfinite = np.isnan(cv) if order == 1 or rule in ("constant", "nearest") \
                else ~np.isfinite(cv)
            bad = nonfinite if bad is None else bad | nonfinite
        if order == 0:
            offsets = [(0, None)]
        else:
            cf = _as_float(c)
            finite = np.isfinite(concrete(cf))
            if may_any(~finite):  # (inf - floor(inf) would warn): NaN weights there
                cf = where(finite, cf, 0.0)
                upper = where(finite, cf - floor(cf), np.nan)
            else:
                upper = cf - floor(cf)
            offsets = [(0, 1 - upper), (1, upper)]
        nodes = []
        for off, w in offsets:
            index = base + off if off else base
            valid = ((index >= 0) & (index < n)) if rule == "constant" else None
            nodes.append((_fix(index, n, rule), valid, w))
        axes_nodes.append(nodes)

    strides = [int(np.prod(in_shape[d + 1:], dtype=np.int64)) for d in range(nd)]
    flat = reshape(x, (-1,))
    out = None
    for corner in itertools.product(*axes_nodes):
        position, valid, weight = 0, None, None
        for (index, ok, w), stride in zip(corner, strides):
            position = position + index * stride if stride != 1 else position + index
            if ok is not None:
                valid = ok if valid is None else valid & ok
            if w is not None:
                weight = w if weight is None else weight * w
        position = np.broadcast_to(position, out_shape)
        part = take(flat, position)
        if valid is not None and may_any(~valid):
            part = where(valid, part, cval)
        if weight is not None:
            part = weight * part
        out = part if out is None else out + part
    if dt.kind == "f":
        if order == 0 and bad is not None and may_any(bad):
            out = where(bad, np.asarray(np.nan, dt), out)
        return out if np.dtype(dtype_of(out)) == dt else astype(out, dt)
    # integer input: the value rounded half away from zero, cval where it would be NaN
    if np.dtype(dtype_of(out)).kind == "f":
        t = trunc(out)
        out = t + where(_abs(out - t) >= 0.5, sign(out), 0.0)
        finite = np.isfinite(concrete(out))
        if may_any(~finite):
            out = where(finite, out, astype(cval, dtype_of(out)))
    if bad is not None and may_any(bad):
        out = where(bad, cval, out)
    return astype(out, dt)
