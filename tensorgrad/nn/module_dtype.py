"""PyTorch's dtype and device methods of :class:`~tensorgrad.nn.Module`: ``to``, ``float``,
``double``, ``half``, ``cpu``.

They cast the floating-point parameters and buffers in place, as PyTorch's do: an imperative
tensor parameter keeps its identity (its value and its ``.grad`` are replaced), so an
optimizer made on ``model.parameters()`` still holds it. Integer buffers (BatchNorm's
``num_batches_tracked``) and complex parameters cast to a real dtype stay as they are.

Every layer also takes PyTorch's factory keywords, ``tg.nn.Linear(3, 2, dtype=np.float32,
device="cpu")``: its parameters are made in that dtype. A model cast by ``float()`` (or
``to``, ``double``, ``half``) keeps its dtype when ``init`` makes new parameters, as
PyTorch's ``reset_parameters()`` keeps a cast layer's.
"""
from __future__ import annotations

import functools
import inspect

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


def _float_dtype(dtype, who: str) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc":
        raise TypeError(f"{who}: a Module casts to floating point or complex dtypes only, as "
                        f"PyTorch's, got {dtype}")
    return dtype


def _with_factory_keywords(init):
    """A layer's ``__init__`` that also takes PyTorch's ``device=`` and ``dtype=``."""
    @functools.wraps(init)
    def __init__(self, *args, device=None, dtype=None, **kwargs):
        who = type(self).__name__
        dtype = dtype_device(who, (), dtype, device)
        init(self, *args, **kwargs)
        if dtype is not None:
            dtype = _float_dtype(dtype, who)
            self._make_in(dtype)  # (and the layers a PyTorch-form model made in its __init__)
            self._cast_buffers(dtype, who)
    __init__._factory_keywords = True
    return __init__


def _in_made_dtype(init_params):
    """A layer's ``init_params`` whose floating-point parameters come in its dtype (the
    factory keyword's, or the one a cast gave it)."""
    @functools.wraps(init_params)
    def made(self, rng):
        params = init_params(self, rng)
        dtype = self.__dict__.get("_made_dtype")
        if dtype is None:
            return params
        leaves, td = tree_flatten(params)
        return tree_unflatten(td, [_cast(v, dtype, f"{type(self).__name__}.init", "parameter")
                                   for v in leaves])
    made._factory_keywords = True
    return made


class DtypeMixin:
    """``to``, ``float``, ``double``, ``half`` and ``cpu`` (the Module supplies ``params``,
    ``_have()``, ``_named_leaves()``, ``_buffer_slots()`` and ``modules()``), and PyTorch's
    ``device=``/``dtype=`` keywords on every layer's constructor."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_factory_keywords", False) \
                and not {"dtype", "device"} & set(inspect.signature(init).parameters):
            cls.__init__ = _with_factory_keywords(init)
        made = cls.__dict__.get("init_params")
        if made is not None and not getattr(made, "_factory_keywords", False):
            cls.init_params = _in_made_dtype(made)

    def _make_in(self, dtype: np.dtype) -> None:
        """This layer and every one inside it make their parameters in ``dtype``."""
        for m in self.modules():
            m.__dict__["_made_dtype"] = dtype

    def _cast_buffers(self, dtype, who: str) -> None:
        for n, (m, attr) in self._buffer_slots().items():
            setattr(m, attr, _cast(getattr(m, attr), dtype, who, n))

    def _cast_floats(self, dtype, who: str):
        dtype = _float_dtype(dtype, who)
        params = self._have()
        names = [n for n, _ in self._named_leaves(params)]
        leaves, td = tree_flatten(params)
        self.params = tree_unflatten(td, [_cast(v, dtype, who, n) for n, v in zip(names, leaves)])
        self._cast_buffers(dtype, who)
        self._make_in(dtype)  # (a later init makes parameters in this dtype too)
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
