"""PyTorch's dtype and device methods of :class:`~tensorgrad.nn.Module`: ``to``, ``float``,
``double``, ``half``, ``cpu``.

They cast the floating-point parameters and buffers in place, as PyTorch's do: an imperative
tensor parameter keeps its identity (its value and its ``.grad`` are replaced), so an
optimizer made on ``model.parameters()`` still holds it. Integer buffers (BatchNorm's
``num_batches_tracked``) and complex parameters cast to a real dtype stay as they are.
"""
from __future__ import annotations

import numpy as np

from ..hooks import carry_hooks
from ..recording import IMPERATIVE, leaf_node
from ..tensor import Tensor, concrete, traced_level
from ..tensor_torch_more import dtype_device
from ..tree import tree_flatten, tree_unflatten

__all__ = ["DtypeMixin"]


def _cast(v, dtype: np.dtype, who: str, name: str):
    """``v`` in ``dtype`` if it is a floating (or, for a complex ``dtype``, complex) array of
    another dtype; else ``v`` itself."""
    have = np.result_type(concrete(v))
    if have.kind not in "fc" or (have.kind == "c" and dtype.kind == "f") or have == dtype:
        return v
    if traced_level(v) > 0:
        raise TypeError(f"{who}: {name!r} is a value traced by a transform; casting it would make "
                        "it a constant and lose its derivative")
    new = np.asarray(concrete(v)).astype(dtype)
    if isinstance(v, Tensor):  # an imperative leaf: the same object, a new value and leaf node
        if v._node is not None and v._node.op is not None:
            raise TypeError(f"{who}: {name!r} is the recorded result of an op, not a leaf")
        if v._trace is IMPERATIVE:
            new.flags.writeable = False
        v._value = new
        if v._node is not None:  # (the node keeps the dtype its gradient takes; hooks move on)
            old, v._node = v._node, leaf_node(new, v)
            carry_hooks(old, v._node)
        if v.grad is not None:
            v.grad = np.asarray(v.grad).astype(dtype)
        return v
    return new


class DtypeMixin:
    """``to``, ``float``, ``double``, ``half`` and ``cpu`` (the Module supplies ``params``,
    ``_have()``, ``_named_leaves()`` and ``_buffer_slots()``)."""

    def _cast_floats(self, dtype, who: str):
        dtype = np.dtype(dtype)
        if dtype.kind not in "fc":
            raise TypeError(f"{who}: a Module casts to floating point or complex dtypes only, as "
                            f"PyTorch's, got {dtype}")
        params = self._have()
        names = [n for n, _ in self._named_leaves(params)]
        leaves, td = tree_flatten(params)
        self.params = tree_unflatten(td, [_cast(v, dtype, who, n) for n, v in zip(names, leaves)])
        for n, (m, attr) in self._buffer_slots().items():
            setattr(m, attr, _cast(getattr(m, attr), dtype, who, n))
        return self

    def to(self, *args, dtype=None, device=None, non_blocking=False, memory_format=None):
        """PyTorch's ``module.to(dtype)``, ``to(device)``, ``to(tensor)``: the floating-point
        parameters and buffers cast to the dtype, in place (the device must be the CPU).
        Returns ``self``."""
        dtype = dtype_device(f"{type(self).__name__}.to", args, dtype, device)
        return self if dtype is None else self._cast_floats(dtype, f"{type(self).__name__}.to")

    def float(self):
        """The floating-point parameters and buffers as float32, in place (PyTorch's)."""
        return self._cast_floats(np.float32, f"{type(self).__name__}.float")

    def double(self):
        """The floating-point parameters and buffers as float64, in place (PyTorch's)."""
        return self._cast_floats(np.float64, f"{type(self).__name__}.double")

    def half(self):
        """The floating-point parameters and buffers as float16, in place (PyTorch's)."""
        return self._cast_floats(np.float16, f"{type(self).__name__}.half")

    def cpu(self):
        """``self``: tensorgrad computes on the CPU (PyTorch's ``module.cpu()``)."""
        return self
