"""Gaussian elimination with partial pivoting, written with ops so that it differentiates
(at the fixed permutation): the one LU behind ``tg.scipy.linalg.lu``/``lu_factor``,
``tg.lax.linalg.lu`` and PyTorch's ``tg.linalg.lu``/``lu_factor``.

* :func:`eliminate` gives L and U packed in one matrix, the row order ``perm`` with
  ``a[..., perm, :] == L @ U`` and LAPACK's row swaps ``piv`` (0-based). The pivot is LAPACK's
  choice: the first largest ``|x|`` (``|Re x| + |Im x|`` for complex entries); it carries no
  derivative. An exactly zero pivot leaves its column as it is, as LAPACK does.
* :func:`perm_from_piv` turns a sequence of swaps back into the row order.
"""
from __future__ import annotations

import numpy as np

from .ops import abs as _abs
from .ops import argmax, expand_dims, imag, real, stack, stop_gradient, take_along_axis, where
from .tensor import concrete, dtype_of, shape_of

__all__ = ["eliminate", "perm_from_piv"]


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x))) if hasattr(x, "shape") else np.shape(x)


def _dtype(x) -> np.dtype:
    return np.dtype(dtype_of(concrete(x)))


def _swap(p, k: int, m: int):
    """The row order that exchanges rows k and p (p: one row index per matrix of the stack)."""
    rows = np.arange(m)
    pc = expand_dims(p, -1)
    return where(rows == k, pc, where(rows == pc, k, rows))


def eliminate(a):
    """(packed L\\U, perm, piv) of a (stack of) m × n matrices; integer input is made float."""
    a = a * 1.0 if _dtype(a).kind in "biu" else a
    m, n = _shape(a)[-2:]
    batch = _shape(a)[:-2]
    rows, cols = np.arange(m), np.arange(n)
    w, perm, pivots = a, np.broadcast_to(rows, batch + (m,)), []
    for k in range(min(m, n)):
        col = stop_gradient(w[..., :, k])
        size = _abs(real(col)) + _abs(imag(col)) if _dtype(col).kind == "c" else _abs(col)
        p = argmax(where(rows >= k, size, -1.0), axis=-1)
        swap = _swap(p, k, m)
        w = take_along_axis(w, expand_dims(swap, -1), axis=-2)
        perm = take_along_axis(perm, swap, axis=-1)
        pivots.append(p)
        head = w[..., k, k]
        head = where(head == 0, 1.0, head)  # a zero pivot leaves its column as it is (LAPACK)
        mult = where(rows > k, w[..., :, k] / expand_dims(head, -1), 0.0)
        right = where(cols > k, w[..., k, :], 0.0)
        w = w - expand_dims(mult, -1) * expand_dims(right, -2)
        w = where((rows[:, None] > k) & (cols[None, :] == k), expand_dims(mult, -1), w)
    piv = stack(pivots, axis=-1) if pivots else np.zeros(batch + (0,), np.int32)
    return w, perm, piv


def perm_from_piv(piv, m: int):
    """The row order ``perm`` (``a[perm] == L U``) from LAPACK's sequence of 0-based swaps."""
    perm = np.broadcast_to(np.arange(m), _shape(piv)[:-1] + (m,))
    for k in range(_shape(piv)[-1]):
        perm = take_along_axis(perm, _swap(piv[..., k], k, m), axis=-1)
    return perm
