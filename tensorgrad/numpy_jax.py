"""The functions where ``jax.numpy`` means something else than NumPy, in JAX's meaning, for
:mod:`tensorgrad.numpy` (JAX's namespace); ``tg.<name>`` keeps NumPy's.

* ``fromfunction(f, shape)`` calls ``f`` on each index tuple (JAX maps it with ``vmap``), so
  ``f`` sees scalars: ``fromfunction(lambda i, j: jnp.max(i) + j, (2, 2))`` is ``i + j``.
  NumPy calls ``f`` once on the whole index grids.
* ``polymul`` and ``polydiv`` keep leading zeros unless ``trim_leading_zeros=True`` (NumPy
  trims them): the product has ``len(a1) + len(a2) - 1`` coefficients, the remainder
  ``len(u)``; both promote to a floating type, as JAX's.
* ``bincount`` counts negative values in bin 0, as JAX's (NumPy raises).
* ``vsplit`` splits a 1-D array along its only axis, as JAX's (NumPy asks for 2-D).
* ``meshgrid``, ``broadcast_arrays``, ``gradient`` (over several axes) and ``atleast_1d``/
  ``2d``/``3d`` (of several arrays) return lists, as JAX's (NumPy 2's: tuples).
* ``allclose``, ``array_equal`` and ``array_equiv`` return a 0-d bool array (NumPy: a bool).
* ``take`` and ``take_along_axis`` fill out-of-range indices with NaN (or ``fill_value``) by
  default, as JAX's ``mode="fill"`` (NumPy raises; ``mode=`` chooses another rule).
* ``nanargmax`` and ``nanargmin`` give -1 for a slice of NaN only, as JAX's (NumPy raises).
"""
from __future__ import annotations

import functools
import operator

import numpy as np

from . import ops as _ops
from .batching import vmap
from .tensor import concrete, dtype_of, shape_of

__all__ = ["fromfunction", "polymul", "polydiv", "bincount", "vsplit", "meshgrid",
           "broadcast_arrays", "gradient", "atleast_1d", "atleast_2d", "atleast_3d", "allclose",
           "array_equal", "array_equiv", "take", "take_along_axis", "nanargmax", "nanargmin"]


def fromfunction(function, shape, *, dtype=float, **kwargs):
    """``jnp.fromfunction``: ``function(*index)`` at every index of ``shape``, each call on
    scalar indices of ``dtype`` (JAX maps ``function`` over the indices with ``vmap``; here
    ``tg.vmap``, a loop). Keywords are passed to ``function`` as they are."""
    if not callable(function):
        raise TypeError(f"fromfunction: function must be callable, got {type(function).__name__}")
    shape = (operator.index(shape),) if np.ndim(shape) == 0 else tuple(operator.index(s) for s in shape)
    f = functools.partial(function, **kwargs) if kwargs else function
    for i in range(len(shape)):  # (the innermost map runs over the last index)
        f = vmap(f, in_axes=tuple(0 if j == len(shape) - 1 - i else None for j in range(len(shape))))
    return f(*(_ops.arange(n, dtype=dtype) for n in shape))


def _inexact(name: str, *arrays):
    """The coefficient vectors (a scalar is one coefficient) in their common floating (or
    complex) type, as JAX's polynomial functions promote them."""
    for a in arrays:
        if np.ndim(concrete(a)) > 1:
            raise ValueError(f"{name}: the coefficients must be 1-D, got shape {shape_of(a)}")
    dt = np.result_type(*(np.dtype(dtype_of(a)) for a in arrays))
    if dt.kind not in "fc":
        dt = np.result_type(dt, np.float64)
    return [_ops.reshape(_ops.astype(a, dt), (-1,)) for a in arrays]


def _leading_trimmed(p, tol: float = 0.0):
    """``p`` without its leading entries of magnitude at most ``tol`` (none left if all are)."""
    small = np.abs(np.asarray(concrete(p))) <= tol
    start = int(np.argmin(small)) if not small.all() else small.size
    return p if start == 0 else _ops.getitem(p, slice(start, None))


def polymul(a1, a2, *, trim_leading_zeros: bool = False):
    """``jnp.polymul``: the coefficients of the product polynomial, all
    ``len(a1) + len(a2) - 1`` of them (leading zeros kept unless ``trim_leading_zeros``)."""
    a1, a2 = _inexact("polymul", _ops.asarray(a1), _ops.asarray(a2))
    if trim_leading_zeros and (shape_of(a1)[0] > 1 or shape_of(a2)[0] > 1):
        a1, a2 = _leading_trimmed(a1), _leading_trimmed(a2)
    a1 = a1 if shape_of(a1)[0] else _ops.zeros(1, dtype=dtype_of(a2))
    a2 = a2 if shape_of(a2)[0] else _ops.zeros(1, dtype=dtype_of(a1))
    return _ops.convolve(a1, a2)


def polydiv(u, v, *, trim_leading_zeros: bool = False):
    """``jnp.polydiv``: ``(quotient, remainder)`` of the polynomial division, the remainder
    with ``len(u)`` coefficients (leading zeros kept unless ``trim_leading_zeros``, which
    drops those below √ε, as JAX's)."""
    u, v = _inexact("polydiv", _ops.asarray(u), _ops.asarray(v))
    m, n = shape_of(u)[0] - 1, shape_of(v)[0] - 1
    scale = 1.0 / _ops.getitem(v, 0)
    q = _ops.zeros(max(m - n + 1, 1), dtype=dtype_of(u))
    for k in range(m - n + 1):  # (long division, one leading coefficient at a time)
        d = scale * _ops.getitem(u, k)
        q = _ops.at(q)[k].set(d)
        u = _ops.at(u)[k:k + n + 1].add(-d * v)
    if trim_leading_zeros:
        u = _leading_trimmed(u, float(np.sqrt(np.finfo(np.dtype(dtype_of(u))).eps)))
    return q, u


def bincount(x, weights=None, minlength: int = 0, *, length=None):
    """``jnp.bincount``: NumPy's counts (``weights``, ``minlength``, JAX's fixed ``length``),
    with negative values counted in bin 0, as JAX's."""
    return _ops.bincount(_ops.clip(x, 0, None), weights, minlength, length=length)


def vsplit(ary, indices_or_sections):
    """``jnp.vsplit``: ``split`` along axis 0, a 1-D array's too."""
    if np.ndim(concrete(ary)) == 0:
        raise ValueError("vsplit: the array must have at least one axis, got a 0-d array")
    return _ops.split(ary, indices_or_sections, axis=0)


def _converting(name: str, convert, what: str):
    """NumPy's ``name``, its result passed through ``convert`` (JAX's form of it)."""
    fn = getattr(_ops, name)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        return convert(fn(*args, **kwargs))
    call.__doc__ = f"``jnp.{name}``: NumPy's, {what}, as JAX's."
    return call


meshgrid, broadcast_arrays, gradient, atleast_1d, atleast_2d, atleast_3d = (
    _converting(n, lambda out: list(out) if type(out) is tuple else out, "several results as a list")
    for n in ("meshgrid", "broadcast_arrays", "gradient", "atleast_1d", "atleast_2d", "atleast_3d"))
allclose, array_equal, array_equiv = (
    _converting(n, np.asarray, "the answer as a 0-d bool array")
    for n in ("allclose", "array_equal", "array_equiv"))


def take(a, indices, axis=None, out=None, mode=None, unique_indices: bool = False,
         indices_are_sorted: bool = False, fill_value=None):
    """``jnp.take``: NumPy's ``take``, out-of-range indices filled (``mode="fill"``) unless
    ``mode`` says otherwise."""
    return _ops.take(a, indices, axis, out, "fill" if mode is None else mode, unique_indices,
                     indices_are_sorted, fill_value)


def take_along_axis(arr, indices, axis=-1, mode=None, fill_value=None, *,
                    wrap_negative_indices: bool = True):
    """``jnp.take_along_axis``: NumPy's, out-of-range indices filled unless ``mode`` says
    otherwise (``wrap_negative_indices=False``: a negative index is out of range too)."""
    return _ops.take_along_axis(arr, indices, axis, "fill" if mode is None else mode, fill_value,
                                wrap_negative_indices=wrap_negative_indices)


def _nan_arg(name: str, fill: float):
    def arg(a, axis=None, out=None, keepdims=None):
        nan = _ops.isnan(a)
        found = getattr(_ops, name[3:])(_ops.where(nan, fill, a), axis=axis, keepdims=bool(keepdims))
        return _ops.where(_ops.all(nan, axis=axis, keepdims=bool(keepdims)), -1, found)
    arg.__name__ = name
    arg.__doc__ = f"``jnp.{name}``: NumPy's, with -1 for a slice of NaN only, as JAX's."
    return arg


nanargmax, nanargmin = _nan_arg("nanargmax", -np.inf), _nan_arg("nanargmin", np.inf)
