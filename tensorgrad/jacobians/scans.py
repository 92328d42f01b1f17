"""Jacobian maps of scans and reorderings: running sums and gathers.

* :class:`RunningSum`: ``cumsum`` along an axis, lower-triangular ones per
  slice (its transpose is the running sum from the other end);
* :class:`Gather`: ``out.flat[k] = in.flat[index[k]]``, rows of the identity:
  a permutation (``sort``) or a selection. Its transpose scatters (adds back).

Both apply in O(N) and store at most an index array, never the N×N matrix.
"""
from __future__ import annotations

import numpy as np

from .maps import Jacobian, size

__all__ = ["RunningSum", "Gather"]


def _flip(a, axis: int):
    idx = [slice(None)] * np.ndim(a)
    idx[axis] = slice(None, None, -1)
    return a[tuple(idx)]


class RunningSum(Jacobian):
    """Running sums along ``axis`` (negative): ``t ↦ cumsum(t, axis)``; with
    ``reverse`` the sums run from the end (the transpose)."""

    kind = "triangular (running sum)"

    def __init__(self, shape, axis: int, reverse: bool = False):
        super().__init__(shape, shape)
        self.axis = int(axis) if axis < 0 else int(axis) - len(shape)
        self.reverse = bool(reverse)
        self.symbol = "U (upper-triangular ones)" if reverse else "L (lower-triangular ones)"

    def _run(self, a, reverse):
        if reverse:
            return _flip(np.cumsum(_flip(a, self.axis), axis=self.axis), self.axis)
        return np.cumsum(a, axis=self.axis)

    def matvec(self, t):
        self._nb_in(t)
        return self._run(t, self.reverse)

    def vecmat(self, g):
        self._nb_out(g)
        return self._run(g, not self.reverse)

    @property
    def matvec_flops(self):
        return self.in_size

    vecmat_flops = matvec_flops

    @property
    def T(self):
        return RunningSum(self.in_shape, self.axis, not self.reverse)


class Gather(Jacobian):
    """``out.flat[k] = in.flat[index[k]]``: rows of the identity (a permutation when
    ``index`` is one). No flops forward; the transpose adds entries back."""

    kind = "gather (rows of I)"
    symbol = "P"

    def __init__(self, index, in_shape, out_shape):
        index = np.asarray(index, dtype=np.intp).reshape(-1)
        super().__init__(out_shape, in_shape)
        if index.size != size(self.out_shape):
            raise ValueError(f"Gather: {index.size} indices for an output of shape {self.out_shape}")
        self.index = index
        n = size(self.in_shape)
        self.permutation = index.size == n and np.array_equal(np.sort(index), np.arange(n))
        if self.permutation:
            self.kind = "permutation"

    def matvec(self, t):
        nb = self._nb_in(t)
        batch = np.shape(t)[:nb]
        flat = np.reshape(t, batch + (self.in_size,))
        return np.reshape(flat[..., self.index], batch + self.out_shape)

    def vecmat(self, g):
        nb = self._nb_out(g)
        batch = np.shape(g)[:nb]
        flat = np.reshape(g, batch + (self.out_size,))
        r = np.zeros(batch + (self.in_size,), dtype=np.result_type(g))
        if self.permutation:
            r[..., self.index] = flat
        else:  # repeated indices add up
            np.add.at(r, (Ellipsis, self.index), flat)
        return np.reshape(r, batch + self.in_shape)

    matvec_flops = 0

    @property
    def vecmat_flops(self):
        return 0 if self.permutation else self.out_size

    @property
    def nbytes(self):
        return self.index.nbytes
