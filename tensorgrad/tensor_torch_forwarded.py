"""PyTorch's Tensor methods that are a top-level function of tensorgrad on the tensor:
``t.adjoint()`` is ``tg.adjoint(t)``, ``t.svd()`` is ``tg.svd(t)`` (PyTorch's ``(U, S, V)``),
``t.igamma(x)`` is ``tg.igamma(t, x)``, ``t.bitwise_left_shift(k)``, ... Installed by
``tensorgrad/__init__.py`` once its namespace holds those functions (:func:`install`), so each
method is the very function ``tg.<name>`` is; plus a few predicates of PyTorch's."""
from __future__ import annotations

import numpy as np

from .tensor import Tensor, concrete, shape_of

__all__ = ["install"]

#: the methods ``t.<name>(*args)`` that are ``tg.<name>(t, *args)``
FORWARDED = ("adjoint", "bitwise_left_shift", "bitwise_right_shift", "cholesky_solve", "hardshrink",
             "igamma", "igammac", "nextafter", "prelu", "qr", "svd")


def _forwarding(fn, name: str):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"PyTorch's ``Tensor.{name}``: ``tg.{name}(self, ...)``."
    return method


def _is_nonzero(self) -> bool:
    """PyTorch's ``t.is_nonzero()``: the truth of a tensor of one entry."""
    v = np.asarray(concrete(self))
    if v.size != 1:
        raise RuntimeError(f"is_nonzero: a tensor with {v.size} entries is ambiguous: it needs "
                           "exactly one")
    return bool(v.reshape(()))


def install(namespace: dict) -> None:
    """Give the Tensor class the methods of :data:`FORWARDED` (from ``namespace``, tensorgrad's)
    that it lacks, and PyTorch's ``is_nonzero``, ``is_same_size`` and ``is_signed``."""
    for name in FORWARDED:
        if not hasattr(Tensor, name):
            setattr(Tensor, name, _forwarding(namespace[name], name))
    Tensor.is_nonzero = _is_nonzero
    Tensor.is_same_size = lambda self, other: tuple(shape_of(concrete(self))) == tuple(
        shape_of(concrete(other)))
    Tensor.is_signed = lambda self: np.dtype(self.dtype).kind in "ifc"
