"""Jacobians of ops that copy entries: selections and permutations of the flat index.

An op whose every output entry is a copy of one input entry (or a 0) has a
Jacobian whose rows are rows of the identity. It is kept as one integer
array ``index`` of the output's shape: ``out.flat[j] = t.flat[index[j]]``,
with ``-1`` for an output entry that is 0 whatever t is (the padding of
``pad``, the off-diagonal of ``diag``).

* :class:`Gather`: any such selection (``repeat``, ``tile``, ``pad``,
  ``diagonal``, ``diag``); its transpose adds cotangents back into place
  (entries copied several times collect several terms).
* :class:`IndexPermutation`: a selection that is a bijection (``flip``,
  ``roll``); its transpose is the inverse permutation, again a gather.

Neither does arithmetic: applying one costs a copy (a permutation) or one
addition per copied entry (the transpose of a selection).
:func:`selection_jacobian` builds the map of an op from its forward rule by
running the forward on the numbers ``1 … N``: where each one lands is the index.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .maps import Jacobian, size

__all__ = ["Gather", "IndexPermutation", "selection_jacobian"]


class Gather(Jacobian):
    """``out.flat[j] = t.flat[index[j]]`` (0 where ``index[j] = -1``): rows of the identity."""

    kind = "selection"
    symbol = "S (rows of I)"

    def __init__(self, index, in_shape):
        index = np.asarray(index, dtype=np.intp)
        super().__init__(index.shape, in_shape)
        if index.size and (index.min() < -1 or index.max() >= self.in_size):
            raise ValueError(f"{type(self).__name__}: index entries must lie in [-1, {self.in_size}), "
                             f"got [{index.min()}, {index.max()}]")
        self.index = index
        self._flat = index.reshape(-1)
        self._zeros = bool((self._flat < 0).any())

    def matvec(self, t):
        nb = self._nb_in(t)
        batch = np.shape(t)[:nb]
        flat = np.reshape(t, batch + (self.in_size,))
        if self._zeros:  # a trailing 0 for the entries that copy nothing
            flat = np.concatenate([flat, np.zeros(batch + (1,), dtype=flat.dtype)], axis=-1)
        return np.reshape(np.take(flat, self._flat, axis=-1), batch + self.out_shape)

    def vecmat(self, g):
        nb = self._nb_out(g)
        batch = np.shape(g)[:nb]
        flat = np.reshape(g, batch + (self.out_size,))
        keep = self._flat >= 0
        dtype = flat.dtype if flat.dtype.kind == "f" else np.float64
        out = np.zeros(batch + (self.in_size,), dtype=dtype)
        np.add.at(out, (Ellipsis, self._flat[keep]), flat[..., keep])
        return np.reshape(out, batch + self.in_shape)

    matvec_flops = 0

    @property
    def vecmat_flops(self):
        return int((self._flat >= 0).sum())

    @property
    def nbytes(self):
        return self.index.nbytes

    def todense(self):
        out = np.zeros((self.out_size, self.in_size))
        rows = np.nonzero(self._flat >= 0)[0]
        out[rows, self._flat[rows]] = 1.0
        return out.reshape(self.out_shape + self.in_shape)


class IndexPermutation(Gather):
    """A bijection of the entries (flip, roll): ``out.flat[j] = t.flat[perm[j]]``. No flops."""

    kind = "index permutation"
    symbol = "P (entries permuted)"

    def __init__(self, perm, in_shape):
        super().__init__(perm, in_shape)
        if self.out_size != self.in_size or self._zeros or \
                np.unique(self._flat).size != self._flat.size:
            raise ValueError("IndexPermutation: the index must be a permutation of the entries")

    def vecmat(self, g):
        nb = self._nb_out(g)
        batch = np.shape(g)[:nb]
        flat = np.reshape(g, batch + (self.out_size,))
        out = np.empty_like(flat)
        out[..., self._flat] = flat
        return np.reshape(out, batch + self.in_shape)

    vecmat_flops = 0

    @property
    def T(self):
        inverse = np.empty_like(self._flat)
        inverse[self._flat] = np.arange(self._flat.size)
        return IndexPermutation(inverse.reshape(self.in_shape), self.out_shape)


def selection_jacobian(select: Callable) -> Callable:
    """A ``jacobian=`` builder for an op that copies entries.

    ``select(numbers, params)`` applies the op (with zero padding, if it pads)
    to an integer array; the builder runs it on ``1 … N`` in the input's shape
    and reads each output entry's source from where the numbers landed. A
    bijection gives an :class:`IndexPermutation`, anything else a :class:`Gather`.
    """
    def build(i, args, out, params):
        in_shape = np.shape(args[i])
        numbers = np.arange(1, size(in_shape) + 1, dtype=np.intp).reshape(in_shape)
        index = np.asarray(select(numbers, params), dtype=np.intp) - 1
        flat = index.reshape(-1)
        if index.size == numbers.size and (flat >= 0).all() and \
                np.unique(flat).size == flat.size:
            return IndexPermutation(index, in_shape)
        return Gather(index, in_shape)
    return build
