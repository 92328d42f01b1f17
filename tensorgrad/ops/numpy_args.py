"""NumPy's (and JAX's) full signatures for the reductions and ``reshape``.

``tg.sum(x, where=mask)``, ``tg.max(x, initial=0, where=mask)``, ``tg.mean(x, where=...)``,
``tg.var(x, dtype=..., correction=1)``, ``tg.all(x, where=...)``, ``np.reshape(t, shape,
order='F')``, ...: the public functions of these names (and NumPy's paths ``numpy.sum``, ...
on Tensors) take NumPy's parameters and reduce to the registered ops, which keep their
short signatures (``axis``, ``keepdims``):

* ``where=mask``: masked-out entries count as the reduction's identity (0 for sums, 1 for
  products; ``max``/``min`` need ``initial``, as in NumPy) and get a zero gradient; means
  and moments divide by the number of entries in the mask;
* ``initial=``: one more operand of the reduction (ties with it share the gradient as
  ``maximum`` does);
* ``dtype=``: the input is cast first;
* ``order=`` for ``reshape``: ``'F'`` reads and writes the entries in column-major order
  (a transpose, a reshape, a transpose); ``'A'`` is ``'F'`` for a Fortran-ordered value,
  ``'C'`` otherwise, as in NumPy.
"""
from __future__ import annotations

import builtins
import functools
import inspect
from typing import Callable

import numpy as np

from ..dispatch import deliver, out_casting
from ..registry import FUNCTIONS, TORCH_FORM, register_numpy
from ..staging import is_staged, may_any
from ..tensor import Tensor, torch_style
from ..typing import Array, ArrayLike, Axis  # noqa: F401
from ..nan_quiet import NAN_REDUCTIONS
from ._util import as_array_like, concrete, dtype_of, negative_axes, negative_axis, shape_of, torch_quiet
from .complex_ops import imag_part as imag, real_part as real
from .discrete import all as _all
from .discrete import any as _any
from .discrete import argsort as _argsort
from .elementwise import _in_integer_dtype, astype, maximum, minimum, where
from .reductions import argmax as _argmax
from .reductions import argmin as _argmin
from .reductions import max as _max
from .reductions import mean as _mean
from .reductions import min as _min
from .reductions import prod as _prod
from .reductions import std as _std
from .reductions import std_from_var
from .reductions import sum as _sum
from .reductions import var as _var
from .discrete import isnan as _isnan
from .scans import nanmean as _nanmean
from .scans import nansum as _nansum
from .scans import sort as _sort
from .shape import layout_order
from .shape import reshape as _reshape
from .shape import reshape_view
from .arrange import flip
from .shape import expand_dims, transpose
from .statistics import _integral, _nan_filled
from .statistics import nanmax as _nanmax
from .statistics import nanmin as _nanmin
from .statistics import nanprod as _nanprod
from .statistics import nanstd as _nanstd
from .statistics import nanvar as _nanvar

_select = where  # the op (these functions' own parameter is called where)
_NO = np._NoValue  # NumPy's "not given" marker, which NumPy itself passes on


def _given(v) -> bool:
    return v is not _NO and v is not None


def _prepare(name, a, dtype, out, where, nan_fill=None, initial=None):
    if out is not None:
        raise TypeError(f"{name}(..., out=...) is not supported on Tensors; use the returned value")
    if _given(initial) and shape_of(concrete(initial)) != ():  # NumPy and JAX refuse it too
        raise ValueError(f"{name}: initial value must be a scalar. Got array of shape "
                         f"{shape_of(concrete(initial))}")
    if dtype is not None and nan_fill is not None:  # a NaN-skipping reduction into dtype
        a = as_array_like(a)
        if nan_fill is np.nan and np.dtype(dtype).kind not in "fc" \
                and np.issubdtype(dtype_of(a), np.inexact):
            raise TypeError(f"{name}: If a is inexact, then dtype must be inexact "
                            f"(got dtype={np.dtype(dtype)})")
        # NumPy's _replace_nan comes first: a NaN never meets an integer cast
        a = astype(a, dtype) if nan_fill is np.nan else _nan_filled(name, a, dtype, nan_fill)
    elif dtype is not None:
        a = astype(a, dtype)
    if not _given(where) or where is True:
        return a, None
    mask = concrete(where)
    if is_staged(mask):  # a mask traced by tg.jit: recorded, applied at every call
        return a, np.broadcast_to(mask, shape_of(concrete(a)))
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"tg.{name} / numpy.{name}(..., where=...): where must be a boolean array, got dtype "
                        f"{mask.dtype}")
    try:
        mask = np.broadcast_to(mask, shape_of(concrete(a)))
    except ValueError:
        raise ValueError(f"tg.{name} / numpy.{name}(..., where=...): the mask (shape {np.shape(where)}) does "
                         f"not broadcast to the input (shape {shape_of(concrete(a))})") from None
    return a, mask


def _initial_as(initial, dtype, r):
    """NumPy's ``initial=`` in the reduction's dtype (``dtype=`` if given, else ``r``'s): it
    does not promote the result (``np.sum(int8, initial=1.5)`` starts from 1 and stays an
    integer, ``np.max(f16, initial=np.float64(2.1))`` stays float16); a Python int that does
    not fit raises OverflowError, as NumPy's."""
    dt = np.dtype(dtype if dtype is not None else dtype_of(concrete(r)))
    if isinstance(initial, Tensor) or is_staged(concrete(initial)):
        return initial if dtype_of(concrete(initial)) == dt else astype(initial, dt)
    return np.asarray(initial, dtype=dt)


def _as_requested(r, dtype):
    """``r`` in an integer or bool ``dtype=`` as NumPy returns it (see _in_integer_dtype)."""
    return r if dtype is None else _in_integer_dtype(r, dtype)


def _kd(keepdims) -> bool:
    return False if keepdims is _NO else bool(keepdims)


def _count(mask, axis, keepdims):
    return np.sum(mask, axis=axis, keepdims=keepdims)


def _per_count(total, count, ddof=0):
    """``total / max(count − ddof, 0)``, as NumPy: where entries are left with no degree of
    freedom, inf (NaN for 0/0), with the slope of that division (±inf or NaN, as JAX's); NaN
    where the slice holds no entry, whose division goes by a safe count, so a caller that
    masks that NaN out gets a zero gradient (not 0/0)."""
    dof = np.maximum(count - ddof, 0)
    dt = dtype_of(concrete(total))
    if np.issubdtype(dt, np.inexact):  # float32 stays float32: NumPy divides in the sum's dtype
        dof = dof.astype(dt)
    if not may_any(dof <= 0):
        return total / dof
    empty = np.less_equal(count, 0)
    with np.errstate(divide="ignore", invalid="ignore"):  # (NumPy's value; JAX does not warn)
        out = total / np.where(empty, 1, dof)
    return where(empty, np.nan, out) if may_any(empty) else out


def _unpromoted(a, dtype):
    """JAX's ``promote_integers=False``: an integer sum or product keeps the input's dtype
    (booleans become int32, as in ``jax.numpy``) instead of NumPy's platform integer."""
    if dtype is not None:
        return dtype
    dt = np.dtype(dtype_of(as_array_like(a)))
    if dt.kind == "b":
        return np.int32
    return dt if dt.kind in "iu" else None


def sum(a: ArrayLike, axis: Axis = None, dtype=None, out=None, keepdims: bool = False,  # noqa: A001
        initial=None, where=None, promote_integers: bool = True) -> Array:
    """Sum of entries over ``axis`` (None: all), with NumPy's ``dtype``, ``initial`` and
    ``where`` (masked-out entries count as 0 and get a zero gradient), and JAX's
    ``promote_integers``."""
    if not promote_integers:
        dtype = _unpromoted(a, dtype)
    if dtype is None and out is None and not _given(initial) and not _given(where):
        return _sum(a, axis=axis, keepdims=_kd(keepdims))
    a, mask = _prepare("sum", a, dtype, out, where, initial=initial)
    s = _sum(a if mask is None else _select(mask, a, 0), axis=axis, keepdims=_kd(keepdims))
    return _as_requested(s + _initial_as(initial, dtype, s) if _given(initial) else s, dtype)


def prod(a: ArrayLike, axis: Axis = None, dtype=None, out=None, keepdims: bool = False,
         initial=None, where=None, promote_integers: bool = True) -> Array:
    """Product over ``axis`` (exact gradient where entries are 0), with NumPy's ``dtype``,
    ``initial`` and ``where`` (masked-out entries count as 1), and JAX's ``promote_integers``."""
    if not promote_integers:
        dtype = _unpromoted(a, dtype)
    if dtype is None and out is None and not _given(initial) and not _given(where):
        return _prod(a, axis=axis, keepdims=_kd(keepdims))
    a, mask = _prepare("prod", a, dtype, out, where, initial=initial)
    p = _prod(a if mask is None else _select(mask, a, 1), axis=axis, keepdims=_kd(keepdims))
    return _as_requested(p * _initial_as(initial, dtype, p) if _given(initial) else p, dtype)


def mean(a: ArrayLike, axis: Axis = None, dtype=None, out=None, keepdims: bool = False, *,
         where=None) -> Array:
    """Mean over ``axis`` (None: all), with NumPy's ``dtype`` and ``where`` (the mean of the
    entries in the mask; NaN, with a zero gradient, for a slice with none)."""
    a, mask = _prepare("mean", a, dtype, out, where)
    if mask is None:
        return _as_requested(_mean(a, axis=axis, keepdims=_kd(keepdims)), dtype)
    return _as_requested(_per_count(_sum(_select(mask, a, 0), axis=axis, keepdims=_kd(keepdims)),
                                    _count(mask, axis, _kd(keepdims))), dtype)


def _ddof(name, ddof, correction):
    """NumPy's ``ddof`` or its array-API spelling ``correction`` (not both)."""
    if _given(correction):
        if ddof != 0:
            raise ValueError(f"{name}: ddof and correction can't be provided simultaneously.")
        return correction
    return ddof


def _about_mean(a, mask, mean, axis, keepdims, ddof, skip_nan):
    """NumPy's (and JAX's) ``mean=``: the squares about that given mean (shaped with the
    reduced axes kept, which broadcasts against ``a``) over the entries in the mask (and not
    NaN), divided by their count − ddof; the gradient also flows to ``mean``."""
    keep = mask
    if skip_nan:
        present = ~np.isnan(concrete(a))
        keep = present if keep is None else keep & present
    if keep is None:
        keep = np.ones(shape_of(concrete(a)), dtype=bool)
    d = _select(keep, a - mean, 0)
    return _per_count(_sum(d * d, axis=axis, keepdims=_kd(keepdims)), _count(keep, axis, _kd(keepdims)),
                      ddof)


def _moment(name, a, axis, dtype, out, ddof, keepdims, where, mean, correction):
    ddof = _ddof(name, ddof, correction)
    a, mask = _prepare(name, a, dtype, out, where)
    if _given(mean):
        return _about_mean(a, mask, mean, axis, keepdims, ddof, False), a, ddof
    if mask is None:
        return None, a, ddof
    m = globals()["mean"](a, axis=axis, keepdims=True, where=mask)
    d = _select(mask, a - m, 0)
    return _per_count(_sum(d * d, axis=axis, keepdims=_kd(keepdims)), _count(mask, axis, _kd(keepdims)),
                      ddof), a, ddof


def _complex_input(name: str, a, dtype) -> bool:
    if dtype_of(concrete(as_array_like(a))).kind != "c":
        return False
    if dtype is not None:  # (a complex dtype is handled before)
        raise ValueError(f"{name}: dtype={np.dtype(dtype)} for a complex input of dtype "
                        f"{dtype_of(concrete(a))} would drop its imaginary parts (JAX refuses this "
                        "too); give a complex dtype, or none for the real variance of both parts")
    return True


def _in_complex_dtype(moment, a, dtype, args, kw):
    """NumPy's variance or deviation with a complex ``dtype``: taken of ``a`` in that dtype (a
    real value), and given in it."""
    return astype(moment(astype(a, dtype), *args, **kw), dtype)


def var(a: ArrayLike, axis: Axis = None, dtype=None, out=None, ddof=0, keepdims: bool = False, *,
        where=None, mean=None, correction=None) -> Array:
    """Variance over ``axis`` with ``ddof`` (or the Array API's ``correction``) delta degrees
    of freedom, NumPy's ``dtype`` and ``where`` (the variance of the entries in the mask).
    A complex ``a``'s variance is real: that of its real part plus that of its imaginary part
    (given in a complex ``dtype`` if one is asked for, as NumPy)."""
    kw = {"where": where, "mean": mean, "correction": correction}
    if dtype is not None and np.dtype(dtype).kind == "c":
        return _in_complex_dtype(var, a, dtype, (axis, None, out, ddof, keepdims), kw)
    if _complex_input("var", a, dtype):
        args = (axis, dtype, out, ddof, keepdims)
        kw = {"where": where, "correction": correction}
        m = (None, None) if mean is None else (real(mean), imag(mean))
        return var(real(a), *args, mean=m[0], **kw) + var(imag(a), *args, mean=m[1], **kw)
    v, a, ddof = _moment("var", a, axis, dtype, out, ddof, keepdims, where, mean, correction)
    return _var(a, axis=axis, ddof=ddof, keepdims=_kd(keepdims)) if v is None else v


def std(a: ArrayLike, axis: Axis = None, dtype=None, out=None, ddof=0, keepdims: bool = False, *,
        where=None, mean=None, correction=None) -> Array:
    """Standard deviation over ``axis``, with ``ddof`` or ``correction``, ``dtype`` and
    ``where``, as :func:`var` (real for a complex ``a``)."""
    if dtype is not None and np.dtype(dtype).kind == "c":
        kw = {"where": where, "mean": mean, "correction": correction}
        return _in_complex_dtype(std, a, dtype, (axis, None, out, ddof, keepdims), kw)
    if _complex_input("std", a, dtype):
        return std_from_var(var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                                correction=correction))
    v, a, ddof = _moment("std", a, axis, dtype, out, ddof, keepdims, where, mean, correction)
    return _std(a, axis=axis, ddof=ddof, keepdims=_kd(keepdims)) if v is None else std_from_var(v)


def _fill_in(fill, dt):
    """The ±inf ``fill`` as a value of ``dt``: its lowest / highest value for integers and
    bool (a float fill would turn the reduction, and its result, into float64)."""
    dt = np.dtype(dt)
    if dt.kind == "b":
        return np.bool_(fill > 0)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return dt.type(info.max if fill > 0 else info.min)
    return fill


def _extremum(name, reduce, combine, fill, a, axis, out, keepdims, initial, where):
    a, mask = _prepare(name, a, None, out, where, initial=initial)
    dt = dtype_of(concrete(a))
    initial = _initial_as(initial, dt, a) if _given(initial) else initial
    if mask is not None:
        if not _given(initial):
            raise ValueError(f"tg.{name} / numpy.{name}(..., where=...): the reduction has no identity, so "
                             f"give initial= as well (as NumPy requires)")
        a = _select(mask, a, _fill_in(fill, dt))
    if _given(initial) and 0 in shape_of(concrete(a)):
        # every slice is empty (or there is none): each result is initial alone, in a's dtype
        # (NumPy). The zeros are a's sum, so the result stays on a's tape (a zero gradient)
        r = _sum(a, axis=axis, keepdims=_kd(keepdims)) + initial
        return r if dtype_of(concrete(r)) == dt else astype(r, dt)
    r = reduce(a, axis=axis, keepdims=_kd(keepdims))
    # NumPy casts initial to the input's dtype: the result keeps it (bool stays bool)
    return _in_integer_dtype(combine(r, initial), dt) if _given(initial) else r


def max(a: ArrayLike, axis: Axis = None, out=None, keepdims: bool = False, initial=None,  # noqa: A001
        where=None) -> Array:
    """Largest entry over ``axis`` (tied entries share the gradient evenly), with NumPy's
    ``initial`` and ``where`` (which needs ``initial``)."""
    return _extremum("max", _max, maximum, -np.inf, a, axis, out, keepdims, initial, where)


def min(a: ArrayLike, axis: Axis = None, out=None, keepdims: bool = False, initial=None,  # noqa: A001
        where=None) -> Array:
    """Smallest entry over ``axis`` (tied entries share the gradient evenly), with NumPy's
    ``initial`` and ``where`` (which needs ``initial``)."""
    return _extremum("min", _min, minimum, np.inf, a, axis, out, keepdims, initial, where)


def nansum(a: ArrayLike, axis: Axis = None, dtype=None, out=None, keepdims: bool = False,
           initial=None, where=None) -> Array:
    """Sum treating NaN as 0 (NaN entries: zero gradient), with NumPy's ``initial`` and
    ``where``."""
    a, mask = _prepare("nansum", a, dtype, out, where, nan_fill=0, initial=initial)
    s = _nansum(a if mask is None else _select(mask, a, 0), axis=axis, keepdims=_kd(keepdims))
    return _as_requested(s + _initial_as(initial, dtype, s) if _given(initial) else s, dtype)


def nanmean(a: ArrayLike, axis: Axis = None, dtype=None, out=None, keepdims: bool = False, *,
            where=None) -> Array:
    """Mean of the entries that are not NaN (and in the ``where`` mask)."""
    a, mask = _prepare("nanmean", a, dtype, out, where, nan_fill=np.nan)
    if mask is None:
        return _nanmean(a, axis=axis, keepdims=_kd(keepdims))
    mask = mask & ~np.isnan(concrete(a))
    return _per_count(_sum(_select(mask, a, 0), axis=axis, keepdims=_kd(keepdims)),
                      _count(mask, axis, _kd(keepdims)))


def reshape(a: ArrayLike, /, shape=None, order: str = "C", *, newshape=None, copy=None) -> Array:
    """``numpy.reshape`` with ``order`` ('C', 'F', or 'A': 'F' for a Fortran-ordered value).
    ``copy=False`` on a NumPy array is NumPy's: a view of it, or ValueError where a view cannot
    be made (a value tensorgrad traces is never written in place, so it takes no view);
    ``copy=True`` gives an array of its own."""
    if newshape is not None:
        if shape is not None:
            raise TypeError("numpy.reshape: give shape only (newshape is its deprecated name)")
        shape = newshape
    if shape is None:
        raise TypeError("numpy.reshape: missing the shape argument")
    if copy is False and type(a) is np.ndarray:
        return reshape_view(a, shape, order)
    if copy and isinstance(a, np.ndarray):  # (the result never shares the caller's memory)
        a = np.array(a, order="K", copy=True)
    order = layout_order(a, order, "numpy.reshape") if order == "A" else order
    if order == "C":
        return _reshape(a, shape)
    if order != "F":
        raise ValueError(f"numpy.reshape: order must be 'C', 'F' or 'A', got {order!r}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return transpose(_reshape(transpose(a), shape[::-1]))


def _nan_extremum(name, plain, nan_reduce, reduce, combine, fill, a, axis, out, keepdims,
                  initial, where):
    if out is None and not _given(initial) and not _given(where):
        return nan_reduce(a, axis=axis, keepdims=_kd(keepdims))
    if _integral(a, None):  # no NaN in integers: NumPy's nan-function is the plain one
        return plain(a, axis=axis, out=out, keepdims=keepdims, initial=initial, where=where)
    a, mask = _prepare(name, a, None, out, where, initial=initial)
    if mask is not None and not _given(initial):
        raise ValueError(f"tg.{name} / numpy.{name}(..., where=...): the reduction has no identity, so "
                         f"give initial= as well (as NumPy requires)")
    if not _given(initial):
        return nan_reduce(a, axis=axis, keepdims=_kd(keepdims))
    # NaN and masked-out entries take no part: the result is initial combined with the rest
    # (an all-NaN slice reduces to initial alone, as NumPy's fmax.reduce)
    skip = _isnan(a) if mask is None else _isnan(a) | ~mask
    return _extremum(name, reduce, combine, fill, _select(skip, fill, a), axis, None, keepdims,
                     initial, None)


def nanmax(a: ArrayLike, axis: Axis = None, out=None, keepdims: bool = False, initial=None,
           where=None) -> Array:
    """The largest entry that is not NaN, with NumPy's ``initial`` and ``where`` (which needs
    ``initial``); NaN for an all-NaN slice without ``initial``."""
    return _nan_extremum("nanmax", max, _nanmax, _max, maximum, -np.inf, a, axis, out, keepdims,
                         initial, where)


def nanmin(a: ArrayLike, axis: Axis = None, out=None, keepdims: bool = False, initial=None,
           where=None) -> Array:
    """The smallest entry that is not NaN, with NumPy's ``initial`` and ``where`` (which needs
    ``initial``); NaN for an all-NaN slice without ``initial``."""
    return _nan_extremum("nanmin", min, _nanmin, _min, minimum, np.inf, a, axis, out, keepdims,
                         initial, where)


def nanprod(a: ArrayLike, axis: Axis = None, dtype=None, out=None, keepdims: bool = False,
            initial=None, where=None) -> Array:
    """The product of the entries that are not NaN (and in the ``where`` mask), times
    ``initial``; NaN and masked-out entries count as 1 and get a zero gradient."""
    if out is None and not _given(initial) and not _given(where):
        return _nanprod(a, axis=axis, dtype=dtype, keepdims=_kd(keepdims))
    if _integral(a, dtype):
        return prod(a, axis=axis, out=out, keepdims=keepdims, initial=initial, where=where)
    a, mask = _prepare("nanprod", a, dtype, out, where, nan_fill=1, initial=initial)
    p = _nanprod(a if mask is None else _select(mask, a, 1), axis=axis, keepdims=_kd(keepdims))
    return _as_requested(p * _initial_as(initial, dtype, p) if _given(initial) else p, dtype)


def _nan_moment(name, reduce, a, axis, dtype, out, ddof, keepdims, where, mean, correction):
    if dtype is not None and np.dtype(dtype).kind == "c":  # (as var's)
        return _in_complex_dtype(globals()[name], a, dtype, (axis, None, out, ddof, keepdims),
                                 {"where": where, "mean": mean, "correction": correction})
    if dtype is not None:
        _complex_input(name, a, dtype)  # (a real dtype for complex input: refused)
    if dtype is None and dtype_of(as_array_like(a)).kind in "biu":  # (no NaN to skip: NumPy's
        plain = var if name == "nanvar" else std  # var, whose no degree of freedom is inf)
        return plain(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean, correction=correction)
    ddof = _ddof(name, ddof, correction)
    a, mask = _prepare(name, a, dtype, out, where, nan_fill=np.nan)
    negative_axes(axis, len(shape_of(concrete(a))), name)
    if _given(mean):
        v = _about_mean(a, mask, mean, axis, keepdims, ddof, True)
        return v if name == "nanvar" else std_from_var(v)
    if mask is not None:  # masked-out entries count as NaN: left out, zero gradient
        a = _select(mask, a, np.nan)
    return reduce(a, axis=axis, ddof=ddof, keepdims=_kd(keepdims))


def nanvar(a: ArrayLike, axis: Axis = None, dtype=None, out=None, ddof=0, keepdims: bool = False, *,
           where=None, mean=None, correction=None) -> Array:
    """Variance of the entries that are not NaN (and in the ``where`` mask), with ``ddof`` or
    ``correction`` delta degrees of freedom."""
    return _nan_moment("nanvar", _nanvar, a, axis, dtype, out, ddof, keepdims, where, mean, correction)


def nanstd(a: ArrayLike, axis: Axis = None, dtype=None, out=None, ddof=0, keepdims: bool = False, *,
           where=None, mean=None, correction=None) -> Array:
    """Standard deviation of the entries that are not NaN (and in the ``where`` mask), as
    :func:`nanvar`."""
    return _nan_moment("nanstd", _nanstd, a, axis, dtype, out, ddof, keepdims, where, mean, correction)


def _truth(name, reduce, identity, a, axis, out, keepdims, where):
    a, mask = _prepare(name, a, None, out, where)
    return reduce(a if mask is None else _select(mask, a, identity), axis=axis, keepdims=_kd(keepdims))


def all(a: ArrayLike, axis: Axis = None, out=None, keepdims: bool = False, *, where=None) -> Array:  # noqa: A001
    """Whether every entry over ``axis`` is true (entries outside ``where`` count as true)."""
    return _truth("all", _all, True, a, axis, out, keepdims, where)


def any(a: ArrayLike, axis: Axis = None, out=None, keepdims: bool = False, *, where=None) -> Array:  # noqa: A001
    """Whether any entry over ``axis`` is true (entries outside ``where`` count as false)."""
    return _truth("any", _any, False, a, axis, out, keepdims, where)


def _arg(name, reduce, a, axis, out, keepdims):
    if out is not None:
        raise TypeError(f"{name}(..., out=...) is not supported on Tensors; use the returned value")
    i = reduce(a, axis=axis)
    if not keepdims:
        return i
    nd = len(shape_of(concrete(a)))
    if nd == 0:  # (a 0-d input keeps no axis: NumPy's result stays 0-d)
        return i
    return np.reshape(i, (1,) * nd) if axis is None else expand_dims(i, axis if axis >= 0 else axis + nd)


def argmax(a: ArrayLike, axis: int | None = None, out=None, *, keepdims: bool = False) -> Array:
    """Index of the largest entry (an integer array: carries no gradient); ``keepdims`` keeps
    the reduced axis with length 1."""
    return _arg("argmax", _argmax, a, axis, out, keepdims)


def argmin(a: ArrayLike, axis: int | None = None, out=None, *, keepdims: bool = False) -> Array:
    """Index of the smallest entry (an integer array: carries no gradient); ``keepdims`` keeps
    the reduced axis with length 1."""
    return _arg("argmin", _argmin, a, axis, out, keepdims)


def sort(a: ArrayLike, axis: int | None = -1, kind: str | None = None, order=None, *,
         stable: bool | None = None, descending: bool = False) -> Array:
    """x sorted along ``axis`` (None: the flattened array), largest first with ``descending``.
    Always a stable sort; the gradient follows the permutation (descending: the ascending
    sort reversed, so tied entries take their cotangents as in ``jax.numpy.sort``)."""
    out = _sort(a, axis=axis, kind=kind, order=order, stable=stable)
    return flip(out, -1 if axis is None else axis) if descending else out


def argsort(a: ArrayLike, axis: int | None = -1, kind: str | None = None, order=None, *,
            stable: bool | None = None, descending: bool = False) -> Array:
    """Indices that sort x along ``axis`` (None: the flattened array), largest first with
    ``descending``; stable (ties keep their order), integer output. A 0-d input is NumPy's
    one entry, ``[0]``."""
    if len(shape_of(concrete(a))) == 0:
        a, axis = _reshape(a, (1,)), -1
    if not descending:
        return _argsort(a, axis=axis, kind=kind, order=order, stable=stable)
    if axis is None:
        a, axis = _reshape(a, (-1,)), -1
    axis = negative_axis(axis, len(shape_of(concrete(a))), "argsort")
    n = shape_of(concrete(a))[axis]
    # positions in the reversed line, mapped back; reversing the result makes ties stable
    return flip((n - 1) - _argsort(flip(a, axis), axis=axis, kind=kind, order=order, stable=stable), axis)


def _an_array_of_floats(v) -> bool:
    return hasattr(v, "shape") and dtype_of(v).kind in "fc"


def torch_keywords(f: Callable, name: str) -> Callable:
    """``f`` as ``tg.<name>``: where it takes NumPy's ``axis`` and not PyTorch's ``dim``, one
    that gives PyTorch's function for PyTorch's keywords (``tg.sum(x, dim=1)``,
    ``tg.max(x, dim=1)`` -> (values, indices)) and positional keepdim (``tg.sum(x, 1, True)``):
    the Tensor method ``name``."""
    try:
        params = inspect.signature(f).parameters
    except (TypeError, ValueError):
        return f
    if "axis" not in params or "dim" in params \
            or builtins.any(p.kind is p.VAR_KEYWORD for p in params.values()):  # (any is tg's here)
        return f

    names = frozenset(params)
    binary = {"max": maximum, "min": minimum}.get(name)

    @functools.wraps(f)
    def published(*args, **kwargs):
        # (a bool third argument is PyTorch's keepdim, or sort's descending: NumPy takes a dtype,
        # out or kind there, never a bool; so are keywords NumPy lacks: tg.var(x, 1,
        # unbiased=False), tg.sort(x, descending=True))
        if len(args) > 1 and type(args[1]) in (list, tuple) and not args[1] \
                and type(args[0]) is Tensor and torch_style(args[0]):
            return getattr(args[0], name)(*args[1:], **kwargs)  # (tg.sum(t, ()): PyTorch's, all axes)
        if ("dim" in kwargs or "keepdim" in kwargs or len(args) > 2 and type(args[2]) is bool
                or kwargs and not names.issuperset(kwargs)) and (args or kwargs) and TORCH_FORM:
            out = TORCH_FORM[0](name, args, kwargs, names, published)
            if out is not NotImplemented:
                return out
        if binary is not None and len(args) == 2 and not kwargs and _an_array_of_floats(args[1]):
            return binary(*args)  # torch.max(a, b): NumPy's axis is never an array of floats
        return f(*args, **kwargs)
    # (f serves NumPy's paths on Tensors; the public function it stands for is this one)
    f.numpy_signature_of = published.numpy_signature_of = published
    published.__name__ = published.__qualname__ = name
    return published


def _writing_out(fn: Callable) -> Callable:
    """``fn`` with NumPy's ``out=`` (a keyword, or in its place among the positional
    arguments): the result is written into ``out`` with the casting NumPy's function uses
    (unsafe, for these reductions), and ``out`` comes back (a result that carries a gradient
    is refused, naming ``fn``)."""
    names = list(inspect.signature(fn).parameters)
    at = names.index("out")
    zero_d = fn.__name__ not in ("mean", "std", "var")  # (NumPy's legacy 0-d rule: see below)

    @functools.wraps(fn)
    def run(*args, **kwargs):
        if len(args) > at:
            out, args = args[at], args[:at] + (None,) + args[at + 1:]
        else:
            out = kwargs.pop("out", None)
        axis = args[1] if len(args) > 1 else kwargs.get("axis")
        if zero_d and type(axis) is int and axis in (0, -1) and args \
                and not isinstance(args[0], (list, tuple)) and np.ndim(concrete(args[0])) == 0:
            # (NumPy reduces a 0-d array over its "axis 0" to itself, but in mean, std, var)
            args, kwargs = args[:1], {**kwargs, **dict(zip(names[2:], args[2:])), "axis": None}
        if isinstance(out, tuple):  # (NumPy's reductions take one array, as out= or in place)
            raise TypeError(f"{fn.__name__}: out= must be an array, not a tuple")
        result = fn(*args, **kwargs)
        return result if out is None else deliver(fn.__name__, result, out, out_casting(fn.__name__))
    return run


# the public functions of these names (tg.sum, ...) and the NumPy paths they serve
_ADAPTED = (sum, prod, mean, var, std, max, min, nansum, nanmean, nanmax, nanmin, nanprod, nanvar,
            nanstd, all, any, argmax, argmin, sort, argsort)
for _fn in _ADAPTED:
    _fn.__module__ = "tensorgrad"
    _fn.numpy_signature_of = _fn  # the public function itself (tg.<name>)
    _pub = torch_quiet(_fn) if _fn.__name__ in NAN_REDUCTIONS else _fn  # (PyTorch's do not warn)
    FUNCTIONS[_fn.__name__] = torch_keywords(  # (tg.sum(x, dim=1): PyTorch's)
        _writing_out(_pub) if "out" in inspect.signature(_fn).parameters else _pub, _fn.__name__)
    register_numpy(f"numpy.{_fn.__name__}", FUNCTIONS[_fn.__name__])
# (tg.amax(x, dim=1) is PyTorch's amax, the values alone: the Tensor method of that name)
FUNCTIONS["amax"], FUNCTIONS["amin"] = (torch_keywords(functools.wraps(f)(functools.partial(f)), n)
                                        for f, n in ((_writing_out(max), "amax"),
                                                     (_writing_out(min), "amin")))
register_numpy("numpy.amax", FUNCTIONS["max"])
register_numpy("numpy.amin", FUNCTIONS["min"])
# ndarray's methods of these names take NumPy's parameters in NumPy's order too
# (a.sum(axis, dtype, out, keepdims, initial, where)); the ops' short signatures would
# read t.sum(0, np.float32) as keepdims=True
for _fn in (sum, prod, mean, var, std, max, min, all, any, argmax, argmin, argsort):
    setattr(Tensor, _fn.__name__, _fn)


def _astype_method(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
    """``ndarray.astype``'s parameters: ``casting`` is checked as NumPy checks it; ``order``,
    ``subok`` and ``copy`` change nothing for a Tensor (immutable, C-ordered)."""
    if order not in ("K", "A", "C", "F"):
        raise ValueError(f"astype: order must be one of 'K', 'A', 'C', 'F', got {order!r}")
    if casting != "unsafe" and not np.can_cast(dtype_of(concrete(self)), dtype, casting):
        raise TypeError(f"Cannot cast array data from {np.dtype(dtype_of(concrete(self)))!r} to "
                        f"{np.dtype(dtype)!r} according to the rule {casting!r}")
    return astype(self, dtype)


Tensor.astype = _astype_method
reshape.__module__ = "tensorgrad"
reshape.numpy_signature_of = _reshape  # the public function this adapts
register_numpy("numpy.reshape", reshape)
del _fn
