"""Tensor: an ndarray plus its place on a trace.

A Tensor wraps a value (an ndarray, or a Tensor of a lower trace when
transforms nest) and belongs to at most one trace: a reverse trace gives it the
tape node that produced it, a forward trace gives it a tangent. A Tensor with
no trace is a plain constant.

NumPy arrays on the left of an operator defer to the Tensor on the right
(``__array_ufunc__ = None``), so ``a * t`` records exactly like ``t * a``.

This module is the bottom of the package: it imports nothing from tensorgrad.
Operators and array methods are installed by the ops' registry entries.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Tensor", "concrete", "shape_of", "ndim_of", "dtype_of", "NUMPY_FUNCTIONS"]


class Tensor:
    """An array that can be recorded on a tape or carry a tangent.

    Create one with :func:`tensorgrad.tensor`; transforms create them for you.
    """

    __slots__ = ("_value", "_trace", "_node", "_tangent", "grad", "__weakref__")
    __array_ufunc__ = None  # make ndarray operators return NotImplemented
    __array_priority__ = 1000

    def __init__(self, value, trace=None, node=None, tangent=None):
        self._value = value
        self._trace = trace
        self._node = node
        self._tangent = tangent
        self.grad = None

    # ---- array-like attributes -------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The concrete NumPy array (outside every trace). Read-only view."""
        v = concrete(self)
        if isinstance(v, np.ndarray):
            v = v.view()
            v.flags.writeable = False
        return v

    def numpy(self) -> np.ndarray:
        """A copy of the concrete value as a NumPy array."""
        return np.array(concrete(self))

    def item(self):
        return concrete(self).item()

    @property
    def shape(self) -> tuple:
        return self._value.shape if hasattr(self._value, "shape") else np.shape(self._value)

    @property
    def dtype(self):
        v = self._value
        return v.dtype if hasattr(v, "dtype") else np.result_type(v)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def requires_grad(self) -> bool:
        """True while this tensor is recorded by a live trace."""
        tr = self._trace
        return tr is not None and tr.level >= 0 and not tr.forward

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        v = concrete(self)
        try:
            body = np.array2string(np.asarray(v), separator=", ", prefix="tensor(")
        except TypeError:  # a value traced by tg.jit has no concrete entries to show
            body = repr(v)
        extra = ", requires_grad=True" if self.requires_grad else ""
        if self._trace is not None and self._trace.forward and self._trace.level >= 0:
            extra = ", tangent=True"
        return f"tensor({body}{extra})"

    def __array__(self, dtype=None, copy=None):
        # a read-only view: the value may be saved on a tape, so writing to it
        # would silently change gradients (np.array(t) still gives a copy)
        v = np.asarray(concrete(self))
        if dtype is not None:
            return v.astype(dtype)
        if copy:
            return v.copy()
        if v.flags.writeable:
            v = v.view()
            v.flags.writeable = False
        return v

    def __float__(self) -> float:
        return float(concrete(self))

    def __int__(self) -> int:
        return int(concrete(self))

    def __bool__(self) -> bool:
        return bool(concrete(self))

    def __index__(self) -> int:
        return int(concrete(self))

    __hash__ = object.__hash__

    def __array_function__(self, func, types, args, kwargs):
        # np.sum(t), np.dot(a, t), ... route to tensorgrad's function of the same name
        if func.__name__ in ("shape", "ndim", "size"):  # metadata: no gradient involved
            return func(np.empty(self.shape, dtype=np.int8), *args[1:], **kwargs)
        impl = NUMPY_FUNCTIONS.get(func.__name__)
        if impl is None:
            raise TypeError(
                f"numpy.{func.__name__} has no tensorgrad equivalent; it would silently drop "
                f"gradients. Use tensorgrad ops, or call .numpy() to leave the tape on purpose.")
        return impl(*args, **kwargs)

    def detach(self) -> "Tensor":
        """The same value, cut from every trace (no gradient flows through)."""
        return Tensor(concrete(self))

    def zero_grad(self) -> None:
        self.grad = None

    def __pos__(self):
        return self

    def __setitem__(self, idx, value):
        raise TypeError(
            "Tensors are immutable: item assignment would corrupt recorded gradients. "
            "Build the new value with tg.where(mask, new, old) or tg.concatenate instead.")

    # Operators (``t + u``, ``t @ u``, ``t[i]``) and array methods (``t.sum()``,
    # ``t.reshape(...)``) call registered ops: each op's registry entry installs
    # the methods it serves (see ``methods=`` in :mod:`tensorgrad.registry`), and
    # :mod:`tensorgrad.imperative` adds ``backward``.


def concrete(x: Any):
    """Strip every trace: the plain value under ``x``."""
    while type(x) is Tensor:
        x = x._value
    return x


def shape_of(x) -> tuple:
    """The shape of an array, Tensor or number."""
    s = getattr(x, "shape", None)
    return tuple(s) if s is not None else np.shape(x)


def ndim_of(x) -> int:
    n = getattr(x, "ndim", None)
    return n if n is not None else np.ndim(x)


def dtype_of(x):
    d = getattr(x, "dtype", None)
    return d if d is not None else np.result_type(x)


#: NumPy function name -> tensorgrad function, for ``np.sum(t)``-style calls.
#: Filled by the registry as ops and public functions are declared.
NUMPY_FUNCTIONS: dict = {}
