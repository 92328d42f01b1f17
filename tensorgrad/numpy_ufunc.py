"""``jnp.ufunc`` and ``jnp.frompyfunc`` for :mod:`tensorgrad.numpy`, with JAX's rules; also
``jnp.ComplexWarning`` and ``jnp.from_dlpack``.

``frompyfunc(f, nin, nout, identity=None)`` makes a universal function from a scalar
function ``f``. Calling it broadcasts the arguments and applies ``f`` to each entry (with
``tg.vmap``, as JAX maps it with ``vmap``: ``f`` sees 0-d values). Functions of two
arguments and one result (``nin == 2 and nout == 1``) also have ``outer``, ``reduce``,
``accumulate`` and ``reduceat``; ``at(..., inplace=False)`` works for any of them. Every
method is a loop of calls of the ufunc and of registered ops (indexing, ``stack``,
``where``, ``.at[].set``), so it differentiates in every transform (``tg.grad``,
``tg.jacfwd``, ``tg.vmap``, ``tg.jit``) and its results are Tensors, as jax.numpy's are
``jax.Array``\\ s. The loops are JAX's, value for value:

* ``reduce`` starts from ``initial``, else from the ``identity`` (so a given identity takes
  part in every reduction, as in JAX), else from the first entry; an empty axis gives
  ``initial``/``identity`` or a ValueError. ``where=`` masks entries (``where(mask, f(r, x), r)``,
  as JAX, so a masked entry's non-finite partial derivative still reaches the gradient as
  NaN) and needs ``initial`` or an identity. A tuple of axes is NotImplementedError, as JAX's.
* ``accumulate`` folds from the first entry: ``r[0] = a[0]``, ``r[i] = f(r[i-1], a[i])``.
  (JAX also evaluates ``f(a[0], a[0])`` and discards it; its reverse-mode gradient then
  turns NaN when that unused call has a non-finite partial, ``x / y`` at ``a[0] == 0``;
  here that call is not made.)
* ``reduceat`` is JAX's formulation: segment ``k`` starts as ``take(a, indices[k])`` (out
  of range: NaN, or the type's minimum) and folds in ``a[i]`` for ``indices[k] < i <
  indices[k+1]`` (the last segment up to the end). Its ``dtype`` is accepted and, as in
  JAX, not applied.
* ``at(a, indices, b, inplace=False)`` applies ``f`` at each index in turn, so a repeated
  index applies it repeatedly; an out-of-range index changes nothing (JAX's scatter drops
  it); ``inplace=True`` (the default, NumPy's) is refused, as JAX refuses it.
"""
from __future__ import annotations

import math
import operator
from typing import Any, Callable

import numpy as np

from . import ops as _ops
from .batching import vmap
from .numpy_jax import take as _jax_take
from .staging import Staged, is_staged
from .tensor import Tensor, concrete, dtype_of, shape_of

__all__ = ["ufunc", "frompyfunc", "ComplexWarning", "from_dlpack"]

#: ``jnp.ComplexWarning``: NumPy's warning for a complex value cast to a real type
ComplexWarning = np.exceptions.ComplexWarning

_PY_SCALARS = (bool, int, float, complex)
_ARRAY_LIKE = (np.ndarray, np.generic, Tensor, Staged) + _PY_SCALARS

_AT_INPLACE = ("{name}.at: tensorgrad.numpy's arrays are immutable, as JAX's, so ufunc.at() "
               "cannot update an array in place as np.ufunc.at() does. Pass inplace=False and "
               "use the result, e.g.\n    arr = jnp.add.at(arr, ind, val, inplace=False)")


def _check_array_like(where: str, *args) -> None:
    """JAX's check: arrays and scalars only (a list or tuple is refused: TypeError)."""
    for i, a in enumerate(args):
        if not isinstance(a, _ARRAY_LIKE):
            raise TypeError(f"{where} requires ndarray or scalar arguments, got {type(a)} at "
                            f"position {i}.")


def _array(v):
    """``v`` as a value the ops take: NumPy data as a constant Tensor of a copy (JAX's arrays
    never share the caller's memory), Tensors and traced values unchanged."""
    if isinstance(v, (Tensor, Staged)):
        return v
    return Tensor(np.array(v))


def _tensor(v):
    """A result as jax.numpy gives it: NumPy data or a Python number as a constant Tensor."""
    if isinstance(v, tuple):
        return tuple(_tensor(x) for x in v)
    if isinstance(v, (np.ndarray, np.generic) + _PY_SCALARS):
        return Tensor(np.array(v))
    return v


def _shape(v) -> tuple:
    return () if isinstance(v, _PY_SCALARS) else tuple(shape_of(concrete(v)))


def _dtype(v) -> np.dtype:
    return np.dtype(dtype_of(concrete(v)))


def _axis(axis, ndim: int) -> int:
    """``axis`` in ``range(ndim)``, as JAX's canonicalize_axis (ValueError when out of range)."""
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


def _same_type(where: str, want_dtype, want_shape, got) -> None:
    """The loop's carry keeps its type, as JAX's loops require (TypeError otherwise)."""
    if _dtype(got) != want_dtype or _shape(got) != tuple(want_shape):
        raise TypeError(f"{where}: the function must keep the type of the running result: it "
                        f"got {np.dtype(want_dtype).name}{list(want_shape)} and returned "
                        f"{_dtype(got).name}{list(_shape(got))}")


class ufunc:
    """``jnp.ufunc``: a universal function made from a scalar function ``func`` of ``nin``
    arguments and ``nout`` results (JAX's :class:`jax.numpy.ufunc`; see
    :func:`frompyfunc`). Calling it applies ``func`` to every entry of the broadcast
    arguments; functions with ``nin == 2 and nout == 1`` also have ``outer``, ``reduce``,
    ``accumulate`` and ``reduceat``, and ``at(a, indices, *args, inplace=False)`` works for
    any. ``call``, ``reduce``, ``accumulate``, ``at`` and ``reduceat`` may give faster
    implementations of those methods (called as JAX calls them). Everything is differentiable.
    ``nin``, ``nout``, ``nargs`` and ``identity`` are read-only, as JAX's."""

    def __init__(self, func: Callable[..., Any], /, nin: int, nout: int, *,
                 name: str | None = None, nargs: int | None = None, identity: Any = None,
                 call: Callable | None = None, reduce: Callable | None = None,
                 accumulate: Callable | None = None, at: Callable | None = None,
                 reduceat: Callable | None = None):
        if not callable(func):
            raise TypeError(f"ufunc: func must be callable, got {type(func).__name__}")
        self.__doc__ = func.__doc__
        self.__name__ = name or getattr(func, "__name__", type(func).__name__)
        nin, nout = operator.index(nin), operator.index(nout)
        self.__props = {"func": func, "nin": nin, "nout": nout,
                        "nargs": operator.index(nargs or nin), "identity": identity,
                        "call": call, "reduce": reduce, "accumulate": accumulate, "at": at,
                        "reduceat": reduceat}

    _func = property(lambda self: self.__props["func"])
    nin = property(lambda self: self.__props["nin"], doc="The number of inputs.")
    nout = property(lambda self: self.__props["nout"], doc="The number of outputs.")
    nargs = property(lambda self: self.__props["nargs"], doc="The number of arguments.")
    identity = property(lambda self: self.__props["identity"],
                        doc="The identity of the operation (None: it has none).")

    def _key(self) -> tuple:
        return (self._func, self.__name__, self.identity, self.nin, self.nout, self.nargs)

    def __hash__(self) -> int:  # (the optional implementations are not part of the identity)
        return hash(self._key())

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ufunc) and self._key() == other._key()

    def __repr__(self) -> str:
        return f"<jnp.ufunc '{self.__name__}'>"

    def _binary(self, method: str) -> None:
        if self.nin != 2:
            raise ValueError(f"{self.__name__}.{method}: {method} only supported for binary "
                             f"ufuncs (this one has nin={self.nin})")
        if self.nout != 1:
            raise ValueError(f"{self.__name__}.{method}: {method} only supported for functions "
                             f"returning a single value (this one has nout={self.nout})")

    def _loop_dtype(self, *values) -> np.dtype:
        """The dtype ``func`` gives for entries of the values' dtypes (JAX's eval_shape), from
        ones and from twos: a function whose result type depends on the values (Python control
        flow on them, which JAX's tracing refuses) raises, since the loop would cast every
        entry to one of them (``a + b if b > 1 else 0`` gives an int for ones)."""
        found = []
        for k in (1, 2):
            probes = [type(v)(k) if isinstance(v, _PY_SCALARS) else Tensor(np.full((), k, _dtype(v)))
                      for v in values]  # (a Python number stays weak: float32 + 1.5 is float32)
            out = self._func(*probes)
            if isinstance(out, tuple):
                raise TypeError(f"{self.__name__}: the function returned {len(out)} values where "
                                "one is expected")
            found.append(_dtype(out if not isinstance(out, _PY_SCALARS) else np.asarray(out)))
        if found[0] != found[1]:
            raise TypeError(f"{self.__name__}: the function gives {found[0]} for ones and "
                            f"{found[1]} for twos of the same dtypes; its result type must not "
                            "depend on the values (Python control flow on them, which JAX's "
                            "tracing refuses); use tnp.where for a branch")
        return found[0]

    # ---- calling ----------------------------------------------------------------------------
    def __call__(self, *args, out=None, where=None):
        """``func`` applied to every entry of the broadcast ``args`` (a tuple of arrays for
        ``nout > 1``). ``out`` and ``where`` are not supported, as in JAX."""
        _check_array_like(self.__name__, *args)
        if out is not None:
            raise NotImplementedError(f"out argument of {self}")
        if where is not None:
            raise NotImplementedError(f"where argument of {self}")
        call = self.__props["call"]
        return _tensor(call(*args) if call is not None else self._call_mapped(*args))

    def _call_mapped(self, *args):
        """``func`` mapped over every entry: the arrays broadcast and flattened to one axis,
        one ``tg.vmap`` over it; Python numbers and 0-d arrays go to every call as they are
        (a Python number stays weakly typed, as JAX's)."""
        vals = [a if isinstance(a, _PY_SCALARS) else _array(a) for a in args]
        shape = tuple(np.broadcast_shapes(*(_shape(v) for v in vals))) if vals else ()
        if not shape:
            return self._func(*vals)
        mapped = [bool(_shape(v)) for v in vals]
        flat = [_ops.reshape(_ops.broadcast_to(v, shape), (-1,)) if m else v
                for v, m in zip(vals, mapped)]
        res = vmap(self._func, in_axes=tuple(0 if m else None for m in mapped))(*flat)
        if isinstance(res, (tuple, list)):
            return tuple(_ops.reshape(r, shape + _shape(r)[1:]) for r in res)
        return _ops.reshape(res, shape + _shape(res)[1:])

    def outer(self, A, B, /):
        """``func`` of every pair of entries: the result has shape ``A.shape + B.shape``."""
        self._binary("outer")
        _check_array_like(f"{self.__name__}.outer", A, B)
        if not isinstance(A, _PY_SCALARS):
            A = _array(A)
            A = _ops.reshape(A, _shape(A) + (1,) * len(_shape(B)))
        return self(A, B)

    # ---- reduce -----------------------------------------------------------------------------
    def reduce(self, a, axis: int | None = 0, dtype=None, out=None, keepdims: bool = False,
               initial=None, where=None):
        """``func`` folded along ``axis`` (an int, or None for every axis): from ``initial``,
        else the ``identity``, else the first entry. ``where`` (a boolean mask broadcast to
        ``a``) leaves entries out and needs ``initial`` or an identity."""
        name = self.__name__
        _check_array_like(f"{name}.reduce", a)
        self._binary("reduce")
        if out is not None:
            raise NotImplementedError(f"out argument of {name}.reduce()")
        if axis is not None and not isinstance(axis, tuple):
            try:
                axis = operator.index(axis)
            except TypeError:
                raise ValueError(f"{name}.reduce: axis must be an int, None or a tuple of ints, "
                                 f"got {axis!r}") from None
        if initial is not None:
            _check_array_like(f"{name}.reduce", initial)
        if where is not None:
            _check_array_like(f"{name}.reduce", where)
            if self.identity is None and initial is None:
                raise ValueError(f"reduction operation {name!r} does not have an identity, so "
                                 "to use a where mask one has to specify 'initial'.")
            if _dtype(where) != bool:
                raise ValueError(f"where argument must have dtype=bool; got dtype={_dtype(where)}")
        reduce = self.__props["reduce"] or self._reduce_by_loop
        return _tensor(reduce(a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial,
                              where=where))

    def _reduce_by_loop(self, arr, axis=0, dtype=None, keepdims=False, initial=None, where=None):
        name = self.__name__
        arr = _array(arr)
        if initial is None:
            initial = self.identity
        dtype = np.dtype(dtype) if dtype is not None else self._loop_dtype(arr, arr)
        shape = _shape(arr)
        nd = len(shape)
        if where is not None:
            where = _ops.broadcast_to(_array(where), shape)
        if isinstance(axis, tuple):
            for ax in axis:
                _axis(ax, nd)
            raise NotImplementedError(f"{name}.reduce: a tuple of axes is not supported (as in "
                                      "JAX): give one axis or None")
        if axis is None:
            final = (1,) * nd if keepdims else ()
            arr = _ops.reshape(arr, (-1,))
            where = None if where is None else _ops.reshape(where, (-1,))
            axis = 0
        else:
            axis = _axis(axis, nd)
            final = shape[:axis] + ((1,) if keepdims else ()) + shape[axis + 1:]
        if axis:
            arr = _ops.moveaxis(arr, axis, 0)
            where = None if where is None else _ops.moveaxis(where, axis, 0)
        n, rest = _shape(arr)[0], _shape(arr)[1:]
        if n == 0:
            if initial is None:
                raise ValueError(f"zero-size array to reduction operation {name} which has no "
                                 "identity")
            return _ops.broadcast_to(_ops.astype(_array(initial), dtype), final)
        if initial is None:
            first, start = 1, _ops.getitem(arr, 0)
        else:
            first, start = 0, _array(initial)
        r = _ops.broadcast_to(_ops.astype(start, dtype), rest)
        for i in range(first, n):
            new = self(r, _ops.astype(_ops.getitem(arr, i), dtype))
            _same_type(f"{name}.reduce", dtype, rest, new)
            r = new if where is None else _ops.where(_ops.getitem(where, i), new, r)
        return _ops.reshape(r, final) if keepdims else r

    # ---- accumulate -------------------------------------------------------------------------
    def accumulate(self, a, axis: int = 0, dtype=None, out=None):
        """The running results of ``reduce`` along ``axis``: ``r[0] = a[0]``,
        ``r[i] = func(r[i-1], a[i])``."""
        self._binary("accumulate")
        if out is not None:
            raise NotImplementedError(f"out argument of {self.__name__}.accumulate()")
        accumulate = self.__props["accumulate"] or self._accumulate_by_loop
        return _tensor(accumulate(a, axis=axis, dtype=dtype))

    def _accumulate_by_loop(self, arr, axis=0, dtype=None):
        name = self.__name__
        _check_array_like(f"{name}.accumulate", arr)
        arr = _array(arr)
        dtype = np.dtype(dtype) if dtype is not None else self._loop_dtype(arr, arr)
        if axis is None or isinstance(axis, (tuple, list)):
            raise ValueError(f"{name}.accumulate: accumulate does not allow multiple axes "
                             f"(got axis={axis!r})")
        shape = _shape(arr)
        axis = _axis(axis, len(shape))
        if math.prod(shape) == 0:
            return _ops.zeros(shape, dtype)
        arr = _ops.moveaxis(arr, axis, 0) if axis else arr
        r = _ops.astype(_ops.getitem(arr, 0), dtype)
        rows = [r]
        for i in range(1, shape[axis]):
            new = self(r, _ops.astype(_ops.getitem(arr, i), dtype))
            if _dtype(new) != dtype and np.result_type(_dtype(new), dtype) == dtype:
                new = _ops.astype(new, dtype)  # (JAX's select promotes it to the carry's type)
            _same_type(f"{name}.accumulate", dtype, _shape(r), new)
            r = new
            rows.append(r)
        out = _ops.stack(rows)
        return _ops.moveaxis(out, 0, axis) if axis else out

    # ---- at ---------------------------------------------------------------------------------
    def at(self, a, indices, *args, inplace: bool = True):
        """``a`` with ``a[indices] = func(a[indices], *args)``, applied index by index (a
        repeated index is updated repeatedly). Needs ``inplace=False``, as JAX's."""
        if inplace:
            raise NotImplementedError(_AT_INPLACE.format(name=self.__name__))
        if len(args) > 1:
            raise TypeError(f"{self.__name__}.at: takes at most one array of values after the "
                            f"indices, got {len(args)}")
        at = self.__props["at"] or self._at_by_loop
        return _tensor(at(a, indices, *args))

    def _at_by_loop(self, a, indices, *args):
        name = self.__name__
        _check_array_like(f"{name}.at", a, *args)
        dtype = self._loop_dtype(a, *args)
        a = _ops.astype(_array(a), dtype)
        args = tuple(_ops.astype(_array(b), dtype) for b in args)
        if isinstance(indices, list):
            raise TypeError("Using a non-tuple sequence for multidimensional indexing is not "
                            "allowed; use `arr[array(seq)]` instead of `arr[seq]`")
        indices = indices if isinstance(indices, tuple) else (indices,)
        if not indices:
            return a
        arrays = [k for k, ix in enumerate(indices) if not (ix is None or ix is Ellipsis
                                                               or isinstance(ix, slice))]
        shape = tuple(np.broadcast_shapes(*(_shape(indices[k]) for k in arrays))) if arrays else ()
        if not shape:  # one update of every position named (no repeats possible)
            return _ops.at(a)[indices].set(self(_ops.at(a)[indices].get(mode="clip"), *args),
                                           mode="drop")
        count = math.prod(shape)
        if count == 0:
            return a
        if args:
            b = args[0]
            b = _ops.broadcast_to(b, shape + _shape(b)[len(shape):])
            args = (_ops.reshape(b, (count,) + _shape(b)[len(shape):]),)
        idx = list(indices)
        for k in arrays:
            ix = indices[k] if is_staged(indices[k]) else np.asarray(concrete(indices[k]))
            if not is_staged(ix) and ix.dtype.kind not in "iu":  # (a bool mask: as JAX, refused;
                raise IndexError(f"{name}.at: indices must be integers, got dtype {ix.dtype}"  # each
                                 + ("; for a mask, pass np.nonzero(mask)" if ix.dtype.kind == "b"  # True
                                    else ""))  # read as an index would update everything)
            idx[k] = _ops.reshape(_ops.broadcast_to(ix, shape), (-1,)) if is_staged(ix) \
                else np.broadcast_to(ix, shape).reshape(-1)
        for i in range(count):
            where = tuple(ix[i] if k in arrays else ix for k, ix in enumerate(idx))
            a = _ops.at(a)[where].set(self(_ops.at(a)[where].get(mode="clip"),
                                           *(_ops.getitem(b, i) for b in args)), mode="drop")
        return a

    # ---- reduceat ---------------------------------------------------------------------------
    def reduceat(self, a, indices, axis: int = 0, dtype=None, out=None):
        """``reduce`` over the segments ``a[indices[k]:indices[k+1]]`` along ``axis`` (the
        last to the end; a segment whose end is not past its start is ``a[indices[k]]``).
        ``dtype`` is accepted and not applied, as in JAX."""
        self._binary("reduceat")
        if out is not None:
            raise NotImplementedError(f"out argument of {self.__name__}.reduceat()")
        reduceat = self.__props["reduceat"] or self._reduceat_by_loop
        return _tensor(reduceat(a, indices, axis=axis, dtype=dtype))

    def _reduceat_by_loop(self, a, indices, axis=0, dtype=None):
        name = self.__name__
        _check_array_like(f"{name}.reduceat", a, indices)
        a, indices = _array(a), _array(indices)
        shape = _shape(a)
        if not shape:
            raise ValueError(f"{name}.reduceat: a must have 1 or more dimension, got "
                             f"a.shape={shape}")
        if len(_shape(indices)) != 1:
            raise ValueError(f"{name}.reduceat: indices must be one-dimensional, got "
                             f"indices.shape={_shape(indices)}")
        if axis is None or isinstance(axis, (tuple, list)):
            raise ValueError(f"{name}.reduceat requires a single integer axis.")
        axis = _axis(axis, len(shape))
        n = shape[axis]
        r = _jax_take(a, indices, axis=axis)
        # segment k folds in a[i] for starts[k] < i < ends[k]; the masks lie along ``axis``
        ends = _ops.concatenate([_ops.getitem(indices, slice(1, None)),
                                 np.array([n], _dtype(indices))])
        along = tuple(-1 if k == axis else 1 for k in range(len(shape)))
        starts, ends = _ops.reshape(indices, along), _ops.reshape(ends, along)
        lead = (slice(None),) * axis
        for i in range(n):
            new = self(r, _ops.getitem(a, lead + (slice(i, i + 1),)))
            _same_type(f"{name}.reduceat", _dtype(r), _shape(r), new)
            inside = _ops.logical_and(_ops.greater(i, starts), _ops.less(i, ends))
            r = _ops.where(inside, new, r)
        return r


ufunc.__module__ = "tensorgrad.numpy"


def frompyfunc(func: Callable[..., Any], /, nin: int, nout: int, *, identity: Any = None) -> ufunc:
    """``jnp.frompyfunc``: a :class:`ufunc` from a scalar function ``func`` of ``nin``
    arguments and ``nout`` results (use tensorgrad's or tensorgrad.numpy's functions in it,
    so that it differentiates); ``identity``, if any, starts every ``reduce``, as in JAX."""
    return ufunc(func, nin, nout, identity=identity)


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None):
    """``jnp.from_dlpack``: an array from an object with ``__dlpack__`` (a NumPy array, a
    Tensor, a PyTorch CPU tensor, ...), as a constant Tensor holding a copy of its data, as
    tensorgrad.numpy's arrays never share the caller's memory (``copy=False`` is accepted
    as ``jnp.asarray(..., copy=False)`` is; tensorgrad runs on the CPU: ``device`` is
    accepted and changes nothing)."""
    if isinstance(x, Staged):
        raise TypeError("from_dlpack: a value traced by tg.jit has no data to exchange, as in JAX")
    # (a Tensor exports a copy of its value, and refuses, as np.asarray(t) does, when that
    # would drop a gradient: traced, or requiring grad)
    return Tensor(np.array(np.from_dlpack(x), copy=True))
