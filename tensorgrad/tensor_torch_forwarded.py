"""PyTorch's Tensor methods that need tensorgrad's top-level namespace, installed by
``tensorgrad/__init__.py`` once it holds those functions (:func:`install`):

* the methods that are a top-level function on the tensor: ``t.svd()`` is ``tg.svd(t)``
  (PyTorch's ``(U, S, V)``), ``t.igamma(x)``,
  ``t.bitwise_left_shift(k)``, ... (each the very function ``tg.<name>`` is);
* the scatter and index methods of a 0-d tensor, which see one axis of length 1;
* ``clip`` (the method and ``tg.clip``) of a tensor of PyTorch's API with a traced bound,
  which is PyTorch's alias of ``clamp``;
* the predicates ``is_nonzero``, ``is_same_size`` and ``is_signed``."""
from __future__ import annotations

import functools

import numpy as np

from . import ops as tgo
from .tensor import Tensor, concrete, shape_of, torch_style
from .tensor_torch import _first_axis, to_0d
from .tensor_torch_extra import clamp_of
from .ufunc_keywords import MISSING, no_input

__all__ = ["install"]

#: the methods ``t.<name>(*args)`` that are ``tg.<name>(t, *args)``
FORWARDED = ("bitwise_left_shift", "bitwise_right_shift", "cholesky_solve", "hardshrink",
             "igamma", "igammac", "nextafter", "prelu", "qr", "svd")


def _forwarding(fn, name: str):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"PyTorch's ``Tensor.{name}``: ``tg.{name}(self, ...)``."
    return method


#: PyTorch's methods taking ``dim`` first and more tensors, which on a 0-d tensor see one axis
#: of length 1, as PyTorch's do (``s.scatter_reduce(0, i, v, "sum")`` with 0-d i and v)
ONE_AXIS = ("scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy", "index_fill",
            "index_reduce", "gather")


def _one_axis(fn, name: str):
    def method(self, *args, **kwargs):
        if self.ndim == 0 and args and _first_axis(args[0]) and torch_style(self):
            def lift(v):
                return tgo.reshape(v, (1,)) if isinstance(v, Tensor) and v.ndim == 0 else v
            return to_0d(fn(tgo.reshape(self, (1,)), args[0], *map(lift, args[1:]),
                            **{k: lift(v) for k, v in kwargs.items()}))
        return fn(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = fn.__doc__
    return method


def _clip_following(fn, with_out=None):
    """``clip`` (the method and ``tg.clip``) of a tensor of PyTorch's API with a bound a trace
    follows: PyTorch's ``clip``, an alias of ``clamp``, with its derivative (JAX's otherwise)."""
    @functools.wraps(fn)
    def clip(x=MISSING, a_min=None, a_max=None, *out, min=None, max=None, **kwargs):  # noqa: A002
        if x is MISSING:  # (PyTorch's tg.clip(input=x, min=0))
            x = kwargs.pop("input", MISSING)
            if x is MISSING:
                no_input("clip", (x,))
        lo, hi = (a_min if min is None else min), (a_max if max is None else max)
        if not kwargs and not out and type(x) is Tensor and torch_style(x) and (a_min is None or min is None) and (
                a_max is None or max is None) and any(
                type(b) is Tensor and b._trace is not None for b in (lo, hi)):
            return clamp_of(x, lo, hi)
        if with_out is not None and (out or kwargs.get("out") is not None):  # (t.clip(0, 1, buf))
            return with_out(x, a_min, a_max, *out, min=min, max=max, **kwargs)
        return fn(x, a_min, a_max, *out, min=min, max=max, **kwargs)  # (out: NumPy's, by position)
    return clip


def _is_nonzero(self) -> bool:
    """PyTorch's ``t.is_nonzero()``: the truth of a tensor of one entry."""
    v = np.asarray(concrete(self))
    if v.size != 1:
        raise RuntimeError(f"is_nonzero: a tensor with {v.size} entries is ambiguous: it needs "
                           "exactly one")
    return bool(v.reshape(()))


def install(namespace: dict) -> None:
    """Give the Tensor class the methods of :data:`FORWARDED` (from ``namespace``, tensorgrad's)
    that it lacks, the 0-d forms of :data:`ONE_AXIS`, PyTorch's ``clip`` (also
    ``namespace["clip"]``), and ``is_nonzero``, ``is_same_size`` and ``is_signed``."""
    for name in FORWARDED:
        if not hasattr(Tensor, name):
            setattr(Tensor, name, _forwarding(namespace[name], name))
    for name in ONE_AXIS:
        if hasattr(Tensor, name):
            setattr(Tensor, name, _one_axis(getattr(Tensor, name), name))
    namespace["clip"] = _clip_following(namespace["clip"])
    Tensor.clip = _clip_following(Tensor.clip, namespace["clip"])
    Tensor.is_nonzero = _is_nonzero
    Tensor.is_same_size = lambda self, other: tuple(shape_of(concrete(self))) == tuple(
        shape_of(concrete(other)))
    Tensor.is_signed = lambda self: np.dtype(self.dtype).kind in "ifc"
