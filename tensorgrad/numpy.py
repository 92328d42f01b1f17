"""``import tensorgrad.numpy as jnp``: tensorgrad's NumPy namespace under ``jax.numpy``'s
module name, so that code written for JAX ports by changing its imports.

Every attribute is the top-level ``tensorgrad`` one of that name (``jnp.sum`` is ``tg.sum``,
``jnp.linalg`` is ``tg.linalg``, ``jnp.fft`` is ``tg.fft``); ``tensorgrad.numpy.linalg`` and
``tensorgrad.numpy.fft`` import too.
"""
from __future__ import annotations

import sys


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
