"""Tensor: an ndarray plus its place on a trace.

A Tensor wraps a value (an ndarray, or a Tensor of a lower trace when
transforms nest) and belongs to at most one trace: a reverse trace gives it the
tape node that produced it, a forward trace gives it a tangent. A Tensor with
no trace is a plain constant.

NumPy arrays on the left of an operator defer to the Tensor on the right
(``__array_ufunc__ = None``), so ``a * t`` records exactly like ``t * a``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Tensor", "tensor", "concrete"]


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
        if self._trace is not None and self._trace.jax:  # inside tg.to_jax: a JAX value
            return f"tensor({self._value!r}, jax=True)"
        body = np.array2string(np.asarray(concrete(self)), separator=", ", prefix="tensor(")
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
        # np.sum(t), np.dot(a, t), ... route to tensorgrad's op of the same name.
        import tensorgrad
        if func.__name__ in ("shape", "ndim", "size"):  # metadata: no gradient involved
            return func(np.empty(self.shape, dtype=np.int8), *args[1:], **kwargs)
        impl = getattr(tensorgrad, func.__name__, None)
        if impl is None or not callable(impl):
            raise TypeError(
                f"numpy.{func.__name__} has no tensorgrad equivalent; it would silently drop "
                f"gradients. Use tensorgrad ops, or call .numpy() to leave the tape on purpose.")
        return impl(*args, **kwargs)

    # ---- imperative autodiff ---------------------------------------------
    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires it.

        ``gradient`` is the cotangent to start from; it may be omitted for an
        output with one element. ``.grad`` accumulates across calls (as in
        PyTorch): zero it between steps. Saved values are freed afterwards
        unless ``retain_graph=True``.
        """
        from .tape import IMPERATIVE, backward_pass
        if self._trace is not IMPERATIVE or self._node is None:
            raise RuntimeError(
                "backward(): this tensor was not recorded; create inputs with "
                "tg.tensor(..., requires_grad=True) (and not inside tg.no_grad())")
        if gradient is None:
            if self.size != 1:
                raise RuntimeError(
                    f"backward(): output has shape {self.shape}; pass gradient= of that shape, "
                    "or reduce it first (e.g. loss.sum())")
            gradient = np.ones(self.shape, dtype=self.dtype)
        else:
            gradient = np.asarray(concrete(gradient), dtype=self.dtype)
            if gradient.shape != self.shape:
                raise ValueError(f"backward(): gradient has shape {gradient.shape}, "
                                 f"output has shape {self.shape}")
        leaves = backward_pass([self._node], [gradient], retain=retain_graph)
        for node, g in leaves.items():
            t = node.leaf() if node.leaf is not None else None
            if t is None:
                continue
            g = np.asarray(concrete(g))
            if g.dtype.kind == "c":
                raise TypeError(f"backward(): a complex gradient (dtype {g.dtype}) reached a real "
                                "leaf; tensorgrad differentiates real functions only")
            # always a fresh, writable array of the leaf's dtype: rules may pass one
            # buffer to several leaves, or hand back a read-only broadcast view
            g = g.astype(node.dtype, copy=True)
            t.grad = g if t.grad is None else t.grad + g

    def detach(self) -> "Tensor":
        """The same value, cut from every trace (no gradient flows through)."""
        return Tensor(concrete(self))

    def zero_grad(self) -> None:
        self.grad = None

    # ---- operators (bound below, once the ops exist) ---------------------
    def __add__(self, o): return _ops.add(self, o)
    def __radd__(self, o): return _ops.add(o, self)
    def __sub__(self, o): return _ops.subtract(self, o)
    def __rsub__(self, o): return _ops.subtract(o, self)
    def __mul__(self, o): return _ops.multiply(self, o)
    def __rmul__(self, o): return _ops.multiply(o, self)
    def __truediv__(self, o): return _ops.divide(self, o)
    def __rtruediv__(self, o): return _ops.divide(o, self)
    def __pow__(self, o): return _ops.power(self, o)
    def __rpow__(self, o): return _ops.power(o, self)
    def __matmul__(self, o): return _ops.matmul(self, o)
    def __rmatmul__(self, o): return _ops.matmul(o, self)
    def __neg__(self): return _ops.negative(self)
    def __pos__(self): return self
    def __abs__(self): return _ops.abs(self)
    def __getitem__(self, idx): return _ops.getitem(self, idx)
    def __lt__(self, o): return _ops.less(self, o)
    def __le__(self, o): return _ops.less_equal(self, o)
    def __gt__(self, o): return _ops.greater(self, o)
    def __ge__(self, o): return _ops.greater_equal(self, o)
    def __eq__(self, o): return _ops.equal(self, o)  # type: ignore[override]
    def __ne__(self, o): return _ops.not_equal(self, o)  # type: ignore[override]

    def __setitem__(self, idx, value):
        raise TypeError(
            "Tensors are immutable: item assignment would corrupt recorded gradients. "
            "Build the new value with tg.where(mask, new, old) or tg.concatenate instead.")

    # ---- methods mirroring ndarray ---------------------------------------
    def sum(self, axis=None, keepdims=False): return _ops.sum(self, axis=axis, keepdims=keepdims)
    def mean(self, axis=None, keepdims=False): return _ops.mean(self, axis=axis, keepdims=keepdims)
    def prod(self, axis=None, keepdims=False): return _ops.prod(self, axis=axis, keepdims=keepdims)
    def max(self, axis=None, keepdims=False): return _ops.max(self, axis=axis, keepdims=keepdims)
    def min(self, axis=None, keepdims=False): return _ops.min(self, axis=axis, keepdims=keepdims)
    def var(self, axis=None, ddof=0, keepdims=False): return _ops.var(self, axis=axis, ddof=ddof, keepdims=keepdims)
    def std(self, axis=None, ddof=0, keepdims=False): return _ops.std(self, axis=axis, ddof=ddof, keepdims=keepdims)
    def argmax(self, axis=None): return _ops.argmax(self, axis=axis)
    def argmin(self, axis=None): return _ops.argmin(self, axis=axis)
    def dot(self, o): return _ops.dot(self, o)
    def clip(self, a_min=None, a_max=None): return _ops.clip(self, a_min, a_max)
    def swapaxes(self, a, b): return _ops.swapaxes(self, a, b)
    def squeeze(self, axis=None): return _ops.squeeze(self, axis)
    def flatten(self): return _ops.reshape(self, (-1,))
    def ravel(self): return _ops.reshape(self, (-1,))
    def astype(self, dtype): return _ops.astype(self, dtype)

    def reshape(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = shape[0]
        return _ops.reshape(self, shape)

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], (int, np.integer))):
            axes = axes[0]
        return _ops.transpose(self, axes or None)

    @property
    def T(self) -> "Tensor":
        return _ops.transpose(self)


def concrete(x: Any):
    """Strip every trace: the plain value under ``x``."""
    while type(x) is Tensor:
        x = x._value
    return x


def tensor(data: Any, requires_grad: bool = False, dtype=None) -> Tensor:
    """Make a Tensor from array-like ``data`` (always a copy).

    With ``requires_grad=True`` the tensor is a leaf of the imperative tape:
    ops on it record, and ``loss.backward()`` fills ``.grad``. Its dtype must
    be floating point (default float64 for Python numbers).
    """
    from .tape import IMPERATIVE, leaf_node
    a = np.array(concrete(data), dtype=dtype, copy=True)
    if a.dtype == object or a.dtype.kind in "USV":
        raise TypeError(f"tensor(): cannot make a tensor of dtype {a.dtype}")
    if not requires_grad:
        return Tensor(a)
    if a.dtype.kind not in "f":
        raise TypeError(
            f"tensor(requires_grad=True): only floating-point tensors can require "
            f"gradients, got dtype {a.dtype}; pass dtype=float or use float data")
    a.flags.writeable = False
    t = Tensor(a, IMPERATIVE)
    t._node = leaf_node(a, t)
    return t


from . import ops as _ops  # noqa: E402  (the operators above need the op set)
