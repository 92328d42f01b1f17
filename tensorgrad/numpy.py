"""``import tensorgrad.numpy as jnp``: tensorgrad's NumPy namespace under ``jax.numpy``'s
module name, so that code written for JAX ports by changing its imports.

Every attribute is the top-level ``tensorgrad`` one of that name (``jnp.sum`` is ``tg.sum``,
``jnp.linalg`` is ``tg.linalg``, ``jnp.fft`` is ``tg.fft``); ``tensorgrad.numpy.linalg`` and
``tensorgrad.numpy.fft`` import too. ``jnp.ndarray`` is the type of every array value
tensorgrad works with (NumPy arrays, Tensors, values ``tg.jit`` traces), for ``isinstance``.
"""
from __future__ import annotations

import sys

import numpy as np

from .staging import Staged
from .tensor import Tensor


class _ArrayType(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, (np.ndarray, np.generic, Tensor, Staged))

    def __subclasscheck__(cls, sub) -> bool:
        return isinstance(sub, type) and issubclass(sub, (np.ndarray, np.generic, Tensor, Staged))


class ndarray(metaclass=_ArrayType):
    """``jnp.ndarray`` (JAX's array type) for ``isinstance`` checks and annotations: a NumPy
    array or scalar, a tensorgrad Tensor, or a value ``tg.jit`` traces is one. Not
    instantiable: make arrays with ``jnp.array``, ``jnp.zeros``, ..."""

    def __new__(cls, *args, **kwargs):
        raise TypeError("jnp.ndarray is a type for isinstance checks; make arrays with "
                        "jnp.array, jnp.zeros, ... (as in JAX)")


def _package():
    return sys.modules[__name__.rpartition(".")[0]]


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return getattr(_package(), name)
    except AttributeError:
        raise AttributeError(f"module 'tensorgrad.numpy' has no attribute {name!r} (nor has tensorgrad)") \
            from None


def __dir__():
    return sorted(set(dir(_package())) | set(globals()))
