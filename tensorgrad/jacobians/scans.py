"""The Jacobian map of a scan: running sums.

:class:`RunningSum` is ``cumsum`` along an axis: lower-triangular ones per
slice, applied in O(N) without forming the N×N matrix; its transpose is the
running sum from the other end. (``sort`` permutes entries: its map is an
:class:`~tensorgrad.jacobians.gather.IndexPermutation`.)
"""
from __future__ import annotations

import numpy as np

from .checks import as_axis
from .maps import Jacobian

__all__ = ["RunningSum"]


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
        k = as_axis(axis, self.in_shape, "RunningSum")
        self.axis = k if k < 0 else k - len(self.in_shape)
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
