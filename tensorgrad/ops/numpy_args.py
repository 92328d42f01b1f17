"""NumPy's full signatures for the reductions and ``reshape`` when called on Tensors.

``np.sum(t, where=mask)``, ``np.max(t, initial=0, where=mask)``, ``np.mean(t, where=...)``,
``np.var(t, dtype=..., where=...)``, ``np.reshape(t, shape, order='F')``, ...: these serve
NumPy's paths (``numpy.sum``, ...) with NumPy's parameters and reduce to the registered ops
(``tg.sum`` etc. keep their own, shorter signatures):

* ``where=mask``: masked-out entries count as the reduction's identity (0 for sums, 1 for
  products; ``max``/``min`` need ``initial``, as in NumPy) and get a zero gradient; means
  and moments divide by the number of entries in the mask;
* ``initial=``: one more operand of the reduction (ties with it share the gradient as
  ``maximum`` does);
* ``dtype=``: the input is cast first;
* ``order=`` for ``reshape``: ``'F'`` reads and writes the entries in column-major order
  (a transpose, a reshape, a transpose); ``'A'`` is ``'C'`` for the C-ordered arrays
  tensorgrad computes with.
"""
from __future__ import annotations

import numpy as np

from ..registry import register_numpy
from ..typing import Array, ArrayLike, Axis  # noqa: F401
from ._util import concrete, shape_of
from .elementwise import astype, maximum, minimum, sqrt, where
from .reductions import max as _max
from .reductions import mean as _mean
from .reductions import min as _min
from .reductions import prod as _prod
from .reductions import std as _std
from .reductions import sum as _sum
from .reductions import var as _var
from .scans import nanmean as _nanmean
from .scans import nansum as _nansum
from .shape import reshape as _reshape
from .shape import transpose

_select = where  # the op (these functions' own parameter is called where)
_NO = np._NoValue  # NumPy's "not given" marker, which NumPy itself passes on


def _given(v) -> bool:
    return v is not _NO and v is not None


def _prepare(name, a, dtype, out, where):
    if out is not None:
        raise TypeError(f"numpy.{name}(..., out=...) with a positional out is not supported on "
                        f"Tensors; use the returned value")
    if dtype is not None:
        a = astype(a, dtype)
    if where is _NO or where is True:
        return a, None
    mask = np.asarray(concrete(where))
    if mask.dtype != bool:
        raise TypeError(f"numpy.{name}(..., where=...): where must be a boolean array, got dtype "
                        f"{mask.dtype}")
    try:
        mask = np.broadcast_to(mask, shape_of(concrete(a)))
    except ValueError:
        raise ValueError(f"numpy.{name}(..., where=...): the mask (shape {np.shape(where)}) does "
                         f"not broadcast to the input (shape {shape_of(concrete(a))})") from None
    return a, mask


def _kd(keepdims) -> bool:
    return False if keepdims is _NO else bool(keepdims)


def _count(mask, axis, keepdims):
    return np.sum(mask, axis=axis, keepdims=keepdims)


def sum(a: ArrayLike, axis: Axis = None, dtype=None, out=None, keepdims=_NO, initial=_NO,  # noqa: A001
        where=_NO) -> Array:
    """``numpy.sum`` with ``dtype``, ``initial`` and ``where``."""
    a, mask = _prepare("sum", a, dtype, out, where)
    s = _sum(a if mask is None else _select(mask, a, 0), axis=axis, keepdims=_kd(keepdims))
    return s + initial if _given(initial) else s


def prod(a: ArrayLike, axis: Axis = None, dtype=None, out=None, keepdims=_NO, initial=_NO,
         where=_NO) -> Array:
    """``numpy.prod`` with ``dtype``, ``initial`` and ``where``."""
    a, mask = _prepare("prod", a, dtype, out, where)
    p = _prod(a if mask is None else _select(mask, a, 1), axis=axis, keepdims=_kd(keepdims))
    return p * initial if _given(initial) else p


def mean(a: ArrayLike, axis: Axis = None, dtype=None, out=None, keepdims=_NO, *, where=_NO) -> Array:
    """``numpy.mean`` with ``dtype`` and ``where`` (the mean of the entries in the mask)."""
    a, mask = _prepare("mean", a, dtype, out, where)
    if mask is None:
        return _mean(a, axis=axis, keepdims=_kd(keepdims))
    with np.errstate(invalid="ignore", divide="ignore"):
        return _sum(_select(mask, a, 0), axis=axis, keepdims=_kd(keepdims)) / _count(mask, axis, _kd(keepdims))


def _moment(name, a, axis, dtype, out, ddof, keepdims, where, mean, correction):
    if _given(mean):
        raise NotImplementedError(f"numpy.{name}(..., mean=...) is not supported on Tensors")
    if _given(correction):
        if ddof != 0:
            raise ValueError(f"numpy.{name}: ddof and correction can't be provided simultaneously.")
        ddof = correction
    a, mask = _prepare(name, a, dtype, out, where)
    if mask is None:
        return None, a, ddof
    m = globals()["mean"](a, axis=axis, keepdims=True, where=mask)
    d = _select(mask, a - m, 0)
    count = _count(mask, axis, _kd(keepdims))
    with np.errstate(invalid="ignore", divide="ignore"):
        return _sum(d * d, axis=axis, keepdims=_kd(keepdims)) / np.maximum(count - ddof, 0), a, ddof


def var(a: ArrayLike, axis: Axis = None, dtype=None, out=None, ddof=0, keepdims=_NO, *, where=_NO,
        mean=_NO, correction=_NO) -> Array:
    """``numpy.var`` with ``dtype``, ``where`` and ``correction``."""
    v, a, ddof = _moment("var", a, axis, dtype, out, ddof, keepdims, where, mean, correction)
    return _var(a, axis=axis, ddof=ddof, keepdims=_kd(keepdims)) if v is None else v


def std(a: ArrayLike, axis: Axis = None, dtype=None, out=None, ddof=0, keepdims=_NO, *, where=_NO,
        mean=_NO, correction=_NO) -> Array:
    """``numpy.std`` with ``dtype``, ``where`` and ``correction``."""
    v, a, ddof = _moment("std", a, axis, dtype, out, ddof, keepdims, where, mean, correction)
    return _std(a, axis=axis, ddof=ddof, keepdims=_kd(keepdims)) if v is None else sqrt(v)


def _extremum(name, reduce, combine, fill, a, axis, out, keepdims, initial, where):
    a, mask = _prepare(name, a, None, out, where)
    if mask is not None:
        if not _given(initial):
            raise ValueError(f"numpy.{name}(..., where=...): the reduction has no identity, so "
                             f"give initial= as well (as NumPy requires)")
        a = _select(mask, a, fill)
    r = reduce(a, axis=axis, keepdims=_kd(keepdims))
    return combine(r, initial) if _given(initial) else r


def max(a: ArrayLike, axis: Axis = None, out=None, keepdims=_NO, initial=_NO, where=_NO) -> Array:  # noqa: A001
    """``numpy.max`` with ``initial`` and ``where``."""
    return _extremum("max", _max, maximum, -np.inf, a, axis, out, keepdims, initial, where)


def min(a: ArrayLike, axis: Axis = None, out=None, keepdims=_NO, initial=_NO, where=_NO) -> Array:  # noqa: A001
    """``numpy.min`` with ``initial`` and ``where``."""
    return _extremum("min", _min, minimum, np.inf, a, axis, out, keepdims, initial, where)


def nansum(a: ArrayLike, axis: Axis = None, dtype=None, out=None, keepdims=_NO, initial=_NO,
           where=_NO) -> Array:
    """``numpy.nansum`` with ``initial`` and ``where``."""
    a, mask = _prepare("nansum", a, dtype, out, where)
    s = _nansum(a if mask is None else _select(mask, a, 0), axis=axis, keepdims=_kd(keepdims))
    return s + initial if _given(initial) else s


def nanmean(a: ArrayLike, axis: Axis = None, dtype=None, out=None, keepdims=_NO, *, where=_NO) -> Array:
    """``numpy.nanmean`` with ``where``."""
    a, mask = _prepare("nanmean", a, dtype, out, where)
    if mask is None:
        return _nanmean(a, axis=axis, keepdims=_kd(keepdims))
    mask = mask & ~np.isnan(np.asarray(concrete(a)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return _sum(_select(mask, a, 0), axis=axis, keepdims=_kd(keepdims)) / _count(mask, axis, _kd(keepdims))


def reshape(a: ArrayLike, /, shape=None, order: str = "C", *, newshape=None, copy=None) -> Array:
    """``numpy.reshape`` with ``order`` ('C', 'F', or 'A', which is 'C' here)."""
    if newshape is not None:
        if shape is not None:
            raise TypeError("numpy.reshape: give shape only (newshape is its deprecated name)")
        shape = newshape
    if shape is None:
        raise TypeError("numpy.reshape: missing the shape argument")
    if order in ("C", "A"):
        return _reshape(a, shape)
    if order != "F":
        raise ValueError(f"numpy.reshape: order must be 'C', 'F' or 'A', got {order!r}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return transpose(_reshape(transpose(a), shape[::-1]))


_PUBLIC = {"sum": _sum, "prod": _prod, "mean": _mean, "var": _var, "std": _std, "max": _max,
           "min": _min, "nansum": _nansum, "nanmean": _nanmean, "reshape": _reshape}
for _fn in (sum, prod, mean, var, std, max, min, nansum, nanmean, reshape):
    _fn.__module__ = "tensorgrad"
    _fn.numpy_signature_of = _PUBLIC[_fn.__name__]  # the public function this adapts
    register_numpy(f"numpy.{_fn.__name__}", _fn)
register_numpy("numpy.amax", max)
register_numpy("numpy.amin", min)
del _fn
