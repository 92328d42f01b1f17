"""The matrix exponential, with its Fréchet derivative as the rules.

For ``X = expm(A)`` the JVP is the Fréchet derivative ``L(A, Ȧ)``, and the VJP is
its adjoint ``L(Aᵀ, X̄)`` (under JAX's convention for complex matrices too: the
transpose, not the conjugate transpose). Both are read off one larger
exponential (Mathias' block identity)::

    expm([[A, E], [0, A]]) = [[expm(A), L(A, E)], [0, expm(A)]]

Written with ``expm`` itself, ``concatenate`` and slicing, the rules are
differentiable again, so Hessians of functions of ``expm`` work.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

from ..registry import Example, general
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import dtype_of
from .linalg_ops import mT, square
from .shape import concatenate, getitem

__all__: list = []


def _expm_signature(A: ArrayLike, *, upper_triangular: bool = False, max_squarings: int = 16):
    """The matrix exponential of a square matrix (or a stack of them). ``upper_triangular``
    and ``max_squarings`` are JAX's hints; SciPy's algorithm needs neither."""
    square("expm", A, complex_ok=True)
    return (A,), ()


def _frechet(a, e):
    """L(a, e): the upper-right block of expm([[a, e], [0, a]]), for stacks too."""
    n = square("expm", a, complex_ok=True)
    # (a batch of tangents or cotangents in front of e: broadcast a to it)
    z = np.zeros(np.broadcast_shapes(_shape_of(a), _shape_of(e)), dtype=dtype_of(a))
    top = concatenate([a + z, e + z], axis=-1)
    bottom = concatenate([z, a + z], axis=-1)
    big = expm(concatenate([top, bottom], axis=-2))
    return getitem(big, (Ellipsis, slice(0, n), slice(n, 2 * n)))


def _shape_of(x) -> tuple:
    return tuple(np.shape(x)) if not hasattr(x, "shape") else tuple(x.shape)


expm = general(
    "expm", lambda a: scipy.linalg.expm(a),
    vjp={"A": lambda g, out, a: _frechet(mT(a), g)},
    jvp={"A": lambda t, out, a: _frechet(a, t)},
    signature=_expm_signature, public=False,
    jax=lambda jnp, a: __import__("jax").scipy.linalg.expm(a),
    symbol="L(A, ·) (the Fréchet derivative)", doc="the matrix exponential",
    examples=[Example(((3, 3),)), Example(((2, 2, 2),))])
