"""More of NumPy's namespace: the small utilities NumPy users reach for.

Dtype aliases (``tg.intc``, ``tg.half``, ``tg.longlong``, ...), array-conversion helpers
(``ascontiguousarray``, ``asfortranarray``, ``asanyarray``, ``asarray_chkfinite``,
``require``, ``isfortran``), type queries (``common_type``, ``mintypecode``, ``typename``,
``min_scalar_type``), memory queries (``may_share_memory``, ``shares_memory``), iteration
(``ndindex``, ``ndenumerate``, ``broadcast``) and the differentiable
``sliding_window_view``, the in-place ``copyto`` and ``putmask`` for NumPy arrays, and
NumPy's floating-point error state and number printing (``errstate``, ``geterr``,
``seterr``, ``binary_repr``, ``base_repr``), with the deprecated ``row_stack``.

On plain NumPy input every name gives NumPy's own answer. A Tensor (or a value that
``tg.jit`` traces) is read as follows:

* conversions return it (``astype`` for a new dtype, a reshape where NumPy adds an axis),
  so the tape goes on; a Tensor has no memory layout of its own (as a JAX array):
  ``isfortran`` is False for it and ``require(t, requirements='W')`` is refused;
* ``asarray_chkfinite`` checks a known value at once and, under ``tg.jit``, at every run
  of the compiled plan (a ValueError then, never a silently skipped check);
* ``may_share_memory``/``shares_memory`` answer for the NumPy array under a Tensor, and
  False for a value ``tg.jit`` traces (it has no memory until the plan runs);
* ``min_scalar_type`` of a 0-d traced value needs its value: a ConcretizationError;
* ``ndenumerate`` of a Tensor on a trace yields ``(index, t[index])`` with each entry
  indexed from the Tensor, so gradients flow; outside any trace, NumPy's scalars;
* Tensors are immutable (as JAX arrays): ``copyto``/``putmask`` into one is a TypeError,
  and a traced value written into a NumPy array (its gradient would be lost) is refused.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..registry import function
from ..staging import ConcretizationError
from ..staging import check as staged_check
from ..tensor import traced_level
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import any_traced, concrete, dtype_of, is_staged, shape_of
from .arrange import vstack
from .creation import asarray
from .numpy_args import reshape
from .scalar_types import (byte, half, intc, intp, long, longlong, short, ubyte, uintc,  # noqa: F401
                           uintp, ulong, ulonglong, ushort)
from .selection import take
from .shape import getitem

__all__ = ["byte", "ubyte", "short", "ushort", "intc", "uintc", "intp", "uintp", "long", "ulong",
           "longlong", "ulonglong", "half", "str_", "bytes_", "common_type", "typename",
           "ndindex", "ndenumerate", "broadcast", "errstate", "geterr", "seterr", "binary_repr",
           "base_repr"]

# dtype names: NumPy's scalar types themselves (as jax.numpy re-exports the ones it has)
str_, bytes_ = np.str_, np.bytes_  # (text dtypes: NumPy's; no op differentiates them)
# NumPy's own: they read only dtypes (a Tensor's and a traced value's ``.dtype`` included),
# iterate over shapes, or act on NumPy's error state and on Python integers
typename, ndindex = np.typename, np.ndindex
errstate, geterr, seterr = np.errstate, np.geterr, np.seterr
binary_repr, base_repr = np.binary_repr, np.base_repr


def _traced(x) -> bool:
    """A value a trace records or ``tg.jit`` stages (its value is not a constant)."""
    return traced_level(x) >= 0 or is_staged(concrete(x))


def _placeholder(x) -> np.ndarray:
    """An ndarray of ``x``'s shape and dtype (no data): for NumPy's checks of arguments."""
    return np.broadcast_to(np.empty((), dtype_of(concrete(x))), shape_of(concrete(x)))


def _as_tensor_like(a, dtype, ndmin: int = 0):
    """A traced or Tensor ``a`` (or a list holding one) converted as ``asarray`` does, with
    leading axes up to ``ndmin`` dimensions."""
    out = asarray(a, dtype=dtype)
    s = shape_of(concrete(out))
    return reshape(out, (1,) * (ndmin - len(s)) + s) if len(s) < ndmin else out


def _holds_tensor(a) -> bool:
    return any_traced(a) or (isinstance(a, (list, tuple)) and any(_holds_tensor(e) for e in a))


# ---- conversions --------------------------------------------------------------------------------

@function
def ascontiguousarray(a: ArrayLike, dtype=None, *, like=None) -> Array:
    """``a`` as a C-contiguous array of at least one dimension (NumPy's
    ``ascontiguousarray``). A Tensor is returned itself (cast to ``dtype``, a 0-d one
    reshaped to ``(1,)``): it keeps its gradient."""
    if not _holds_tensor(a):
        return np.ascontiguousarray(a, dtype=dtype)
    return _as_tensor_like(a, dtype, ndmin=1)


@function
def asfortranarray(a: ArrayLike, dtype=None, *, like=None) -> Array:
    """``a`` as a Fortran-ordered array of at least one dimension (NumPy's
    ``asfortranarray``). A Tensor is returned itself (cast, 0-d reshaped to ``(1,)``): it has
    no memory order of its own, as a JAX array."""
    if not _holds_tensor(a):
        return np.asfortranarray(a, dtype=dtype)
    return _as_tensor_like(a, dtype, ndmin=1)


@function
def asanyarray(a: ArrayLike, dtype=None, order=None, *, device=None, copy=None, like=None) -> Array:
    """``a`` as an array, subclasses passed through (NumPy's ``asanyarray``); a Tensor is
    returned itself (cast to ``dtype``), as ``asarray`` does."""
    if not _holds_tensor(a):
        return np.asanyarray(a, dtype=dtype, order=order, device=device, copy=copy)
    return _as_tensor_like(a, dtype)


def _refuse_nonfinite(v) -> None:
    v = np.asarray(v)
    if v.dtype.kind in "fc" and not np.isfinite(v).all():
        raise ValueError("asarray_chkfinite: array must not contain infs or NaNs")


@function
def asarray_chkfinite(a: ArrayLike, dtype=None, order=None) -> Array:
    """``a`` as an array, a ValueError if it holds an infinity or a NaN (NumPy's
    ``asarray_chkfinite``). A Tensor is checked on its value and returned itself; under
    ``tg.jit`` the check is a step of the compiled plan and raises each time the plan runs
    on non-finite values (the value is unknown while tracing)."""
    if not _holds_tensor(a):
        out = np.asarray(a, dtype=dtype, order=order)
        _refuse_nonfinite(out)
        return out
    out = _as_tensor_like(a, dtype)
    staged_check(_refuse_nonfinite, concrete(out))
    return out


@function
def require(a: ArrayLike, dtype=None, requirements=None, *, like=None) -> Array:
    """``a`` as an array of ``dtype`` meeting ``requirements`` (NumPy's ``require``: 'C',
    'F', 'A', 'W', 'O', 'E' or their long names). For a Tensor the layout flags hold
    trivially and it is returned itself (cast to ``dtype``); 'W' (writeable) is a TypeError:
    Tensors are immutable."""
    if not _holds_tensor(a):
        return np.require(a, dtype=dtype, requirements=requirements)
    np.require(np.empty(0), None, requirements)  # NumPy's checks of the flags, and its errors
    flags = {r.upper() for r in requirements or ()}  # (a string is read one letter at a time)
    out = _as_tensor_like(a, dtype)
    if flags & {"W", "WRITEABLE"}:
        raise TypeError("require: requirements='W' (writeable) cannot hold for a Tensor: tensors "
                        "are immutable, as JAX arrays (build new values with tg.where or x.at[...])")
    return out


@function
def isfortran(a) -> bool:
    """True if ``a`` is Fortran-contiguous and not C-contiguous (NumPy's ``isfortran``).
    A Tensor has no memory order of its own (as a JAX array): False."""
    if any_traced(a):
        return False
    return np.isfortran(a)


# ---- type queries ---------------------------------------------------------------------------

def common_type(*arrays):
    """The inexact scalar type common to ``arrays`` (NumPy's ``common_type``: integers count
    as float64); Tensors and values ``tg.jit`` traces are read by their dtype."""
    return np.common_type(*[_placeholder(a) if any_traced(a) else a for a in arrays])


@function
def mintypecode(typechars, typeset: str = "GDFgdf", default: str = "d") -> str:
    """The character of the smallest type in ``typeset`` that all of ``typechars`` (type
    characters or arrays, Tensors read by their dtype) can be safely cast to (NumPy's
    ``mintypecode``)."""
    chars = [t if isinstance(t, str) else np.dtype(dtype_of(concrete(t))).char
             if any_traced(t) else t for t in typechars]
    return np.mintypecode(chars, typeset=typeset, default=default)


@function
def min_scalar_type(a, /):
    """The smallest dtype that holds ``a`` (NumPy's ``min_scalar_type``): for a scalar or a
    0-d array it depends on the value, for a larger array it is the dtype. A Tensor is read by
    its value (0-d) or dtype; a 0-d value that ``tg.jit`` traces has no value yet: a
    ConcretizationError (compute the dtype outside the jitted function)."""
    if not any_traced(a):
        return np.min_scalar_type(a)
    v = concrete(a)
    if len(shape_of(v)) > 0:
        return np.dtype(dtype_of(v))
    if is_staged(v):
        raise ConcretizationError(
            "min_scalar_type: the result depends on the value of a 0-d array, which tg.jit only "
            "knows when the compiled function runs; compute the dtype outside the jitted "
            "function (or mark the argument static)")
    return np.min_scalar_type(np.asarray(v))


# ---- memory queries -----------------------------------------------------------------------

def _memory(x, name: str):
    """The NumPy array under ``x`` (a Tensor's value), or None for a value ``tg.jit`` traces."""
    v = concrete(x)
    if is_staged(v):
        return None
    if isinstance(v, (list, tuple)) and _holds_tensor(v):
        raise TypeError(f"{name}: a list holding Tensors has no memory; pass arrays or Tensors")
    return v


@function
def may_share_memory(a, b, /, max_work=0) -> bool:
    """Whether ``a`` and ``b`` might share memory (NumPy's ``may_share_memory``: bounds only
    by default). A Tensor answers for the NumPy array it holds; a value ``tg.jit`` traces has
    no memory while tracing: False."""
    va, vb = _memory(a, "may_share_memory"), _memory(b, "may_share_memory")
    if va is None or vb is None:
        return False
    return np.may_share_memory(va, vb, max_work=max_work)


@function
def shares_memory(a, b, /, max_work=-1) -> bool:
    """Whether ``a`` and ``b`` share memory (NumPy's ``shares_memory``: an exact answer by
    default). A Tensor answers for the NumPy array it holds; a value ``tg.jit`` traces has no
    memory while tracing: False."""
    va, vb = _memory(a, "shares_memory"), _memory(b, "shares_memory")
    if va is None or vb is None:
        return False
    return np.shares_memory(va, vb, max_work=max_work)


# ---- in-place writes into NumPy arrays ----------------------------------------------------------

def _refuse_tensor_target(x, name: str, arg: str, hint: str) -> None:
    if any_traced(x):
        raise TypeError(f"{name}: {arg} is a tensorgrad Tensor (or a value tg.jit traces), and "
                        f"Tensors are immutable, as JAX arrays; build a new value instead: {hint}")


def _written_value(x, name: str, arg: str):
    """The concrete value of ``x`` to write into a NumPy array; a traced value is refused (its
    gradient would be dropped without a word)."""
    if not any_traced(x):
        return x
    if is_staged(concrete(x)):
        raise ConcretizationError(f"{name}: {arg} is a value tg.jit traces; it cannot be written "
                                  "into a NumPy array while tracing (its value is only known when "
                                  "the compiled function runs). Compute with tg.where instead")
    if _traced(x):
        raise TypeError(f"{name}: {arg} is a traced value (a transform or the imperative tape "
                        "records it); writing it into a NumPy array would silently drop its "
                        "gradient. Compute with tg.where / x.at[...] instead, or write "
                        "tg.stop_gradient(x) (x.detach()) if a constant is meant")
    return concrete(x)


@function
def copyto(dst, src, casting: str = "same_kind", where=True) -> None:
    """Copy ``src`` into the NumPy array ``dst`` in place, broadcasting, where ``where`` is
    true, under the ``casting`` rule (NumPy's ``copyto``). A Tensor ``dst`` is a TypeError
    (Tensors are immutable); a Tensor ``src`` writes its value unless it is traced."""
    _refuse_tensor_target(dst, "copyto", "dst", "tg.where(where, src, dst) or "
                          "dst.at[index].set(src)")
    src, where = _written_value(src, "copyto", "src"), _written_value(where, "copyto", "where")
    np.copyto(dst, src, casting=casting, where=where)


@function
def putmask(a, /, mask, values) -> None:
    """Set ``a.flat[n] = values[n % len(values)]`` where ``mask.flat[n]`` is true, in place in
    the NumPy array ``a`` (NumPy's ``putmask``). A Tensor ``a`` is a TypeError (Tensors are
    immutable); a Tensor ``values`` writes its value unless it is traced."""
    _refuse_tensor_target(a, "putmask", "a", "tg.where(mask, values, a) or a.at[index].set(values)")
    mask = _written_value(mask, "putmask", "mask")
    values = _written_value(values, "putmask", "values")
    np.putmask(a, mask, values)


# ---- windows, iteration, broadcasting -----------------------------------------------------------

@function(numpy="numpy.lib.stride_tricks.sliding_window_view")
def sliding_window_view(x: ArrayLike, window_shape, axis=None, *, subok: bool = False,
                        writeable: bool = False) -> Array:
    """Every window of ``window_shape`` sliding over ``x`` along ``axis`` (all axes by default),
    the window axes last (NumPy's ``numpy.lib.stride_tricks.sliding_window_view``). A NumPy
    array gives NumPy's read-only view. A Tensor gives a gather of its entries, so the
    gradient of each entry sums over the windows that hold it (works under ``tg.jit`` and
    ``tg.vmap``); ``writeable=True`` is refused for it (Tensors are immutable)."""
    if not _holds_tensor(x):
        return np.lib.stride_tricks.sliding_window_view(x, window_shape, axis, subok=subok,
                                                        writeable=writeable)
    if writeable:
        raise TypeError("sliding_window_view: writeable=True on a Tensor: tensors are immutable "
                        "(as JAX arrays)")
    x = asarray(x)
    s = shape_of(concrete(x))
    positions = np.arange(int(np.prod(s, dtype=np.int64)), dtype=np.intp).reshape(s)
    try:  # NumPy's checks of window_shape and axis, and the entries each window holds
        idx = np.lib.stride_tricks.sliding_window_view(positions, window_shape, axis)
    except (ValueError, TypeError) as e:
        raise type(e)(f"sliding_window_view: {e}") from None
    return take(x, np.ascontiguousarray(idx))


def ndenumerate(arr):
    """Iterate over ``(index, element)`` pairs of ``arr`` in C order (NumPy's
    ``ndenumerate``). A NumPy array or a constant Tensor yields NumPy's scalars; a Tensor on a
    trace (or a value ``tg.jit`` traces) yields ``arr[index]``, indexed from it, so each
    element keeps its gradient."""
    if not _traced(arr):
        yield from np.ndenumerate(np.asarray(concrete(arr)))
        return
    for index in np.ndindex(*shape_of(concrete(arr))):
        yield index, getitem(arr, index)


class broadcast:
    """NumPy's ``broadcast`` object for arrays, Tensors and traced values: ``shape``, ``nd``,
    ``ndim``, ``size``, ``numiter``, ``index``, ``reset()``; Tensors are read by their shape.
    Iterating yields tuples of the broadcast entries (NumPy's); with a traced value among the
    arguments iterating is refused (use ``tg.broadcast_arrays``, whose results keep the
    gradient)."""

    def __init__(self, *args):
        self._traced = any(_traced(a) for a in args)
        if len(args) > 64:
            raise ValueError("broadcast: at most 64 arguments (NumPy's limit)")
        parts = [a._b if isinstance(a, broadcast) else _placeholder(a) if self._traced and
                 any_traced(a) else np.asarray(concrete(a)) if any_traced(a) else a for a in args]
        try:
            self._b = np.broadcast(*parts)
        except ValueError as e:
            raise ValueError(f"broadcast: {e}") from None

    shape = property(lambda self: self._b.shape, doc="The broadcast shape.")
    nd = property(lambda self: self._b.nd, doc="The number of dimensions (NumPy's old name).")
    ndim = property(lambda self: self._b.ndim, doc="The number of dimensions.")
    size = property(lambda self: self._b.size, doc="The number of entries.")
    numiter = property(lambda self: self._b.numiter, doc="The number of arguments.")
    index = property(lambda self: self._b.index, doc="The current position of the iterator.")

    @property
    def iters(self) -> tuple:
        """One flat iterator per argument (NumPy's); refused with a traced value."""
        self._refuse_traced("iters")
        return self._b.iters

    def reset(self) -> None:
        """Restart the iteration."""
        self._b.reset()

    def _refuse_traced(self, what: str) -> None:
        if self._traced:
            raise TypeError(f"broadcast.{what}: the arguments include a traced value, whose "
                            "entries would leave the tape as constants; use "
                            "tg.broadcast_arrays(...) (differentiable) or index the Tensors")

    def __iter__(self):
        self._refuse_traced("__iter__")
        return self

    def __next__(self):
        self._refuse_traced("__next__")
        return next(self._b)

    def __repr__(self) -> str:
        return f"tg.broadcast(shape={self.shape}, numiter={self.numiter})"


# ---- deprecated -----------------------------------------------------------------------------

@function
def row_stack(tup, *, dtype=None, casting: str = "same_kind") -> Array:
    """Deprecated alias of ``vstack`` (NumPy 2's ``row_stack``, with its DeprecationWarning)."""
    warnings.warn("`row_stack` alias is deprecated. Use `np.vstack` directly.",
                  DeprecationWarning, stacklevel=2)
    return vstack(tup, dtype=dtype, casting=casting)
