"""Pieces the transforms share: Jacobian rows computed in chunks (``jacrev``/``jacfwd``
with ``chunk_size``), joined without a second full copy of the result; JAX's ``float0``
dtype and the JAX arguments that mean nothing for real functions."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from . import ops as _ops

__all__ = ["Rows", "FLOAT0", "jax_flags"]


class Rows:
    """Chunks of a result along axis 0, joined without a second full copy.

    Plain arrays are written into one buffer as they arrive (peak memory:
    the result plus one chunk); Tensors (nested transforms) are concatenated
    with the differentiable op at the end.
    """

    __slots__ = ("total", "buf", "parts")

    def __init__(self, total: int):
        self.total = total
        self.buf = None
        self.parts: list = []

    def add(self, lo: int, hi: int, part) -> None:
        if not self.parts and hi - lo == self.total:  # one chunk: nothing to join
            self.parts.append(part)
            return
        if type(part) is np.ndarray and not self.parts:
            if self.buf is None:
                self.buf = np.empty((self.total,) + part.shape[1:], dtype=part.dtype)
            self.buf[lo:hi] = part
            return
        if self.buf is not None:  # a Tensor after arrays: keep what we have as one part
            self.parts.append(self.buf[:lo])
            self.buf = None
        self.parts.append(part)

    def joined(self):
        if self.buf is not None:
            return self.buf
        if len(self.parts) == 1:
            return self.parts[0]
        return _ops.concatenate(self.parts, axis=0)


#: JAX's dtype of the gradient of an integer input (``jax.dtypes.float0``): no data
FLOAT0 = np.dtype([("float0", np.void, 0)])


def jax_flags(name: str, holomorphic: bool, reduce_axes: Sequence = ()) -> None:
    """JAX's ``holomorphic`` and ``reduce_axes`` arguments: only their defaults mean anything here."""
    if holomorphic:
        raise TypeError(f"{name}: holomorphic=True needs complex inputs; tensorgrad "
                        "differentiates real functions only (carry real and imaginary parts)")
    if reduce_axes:
        raise NotImplementedError(f"{name}: reduce_axes is not supported (JAX deprecated it)")
