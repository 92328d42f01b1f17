"""PyTorch's top-level functions built on tensorgrad's linear algebra, integration and
``nn.functional``: ``tg.svd``, ``tg.qr``, ``tg.cholesky_solve``, ``tg.combinations``,
``tg.dropout``, ``tg.trapz`` and ``tg.cumulative_trapezoid``, each with PyTorch's signature
and result (``tg.svd`` gives ``V``, not ``Vh``). They differentiate as the functions they
are made of. NumPy's namespace has none of these names.
"""
from __future__ import annotations

import itertools
from collections import namedtuple

import numpy as np

from . import ops as _ops
from .linalg_torch import solve_triangular as _solve_triangular
from .nn.torch_misc import dropout as _dropout
from .ops.decompositions import svd as _svd
from .ops.factorizations import qr as _qr
from .ops.linalg_ops import conj_if_complex, mT
from .scipy.integrate import cumulative_trapezoid as _cumulative_trapezoid
from .tensor import dtype_of, shape_of
from .typing import Array, ArrayLike  # noqa: F401

__all__ = ["svd", "qr", "cholesky_solve", "combinations", "dropout", "trapz", "cumulative_trapezoid"]


def _adjoint(a):
    return conj_if_complex(mT(a))  # (the conjugate transpose of the last two axes)


#: PyTorch's ``torch.return_types.svd``: ``.U``, ``.S``, ``.V`` (and a 3-tuple)
SvdResult = namedtuple("svd", ["U", "S", "V"])


def svd(input: ArrayLike, some: bool = True, compute_uv: bool = True) -> tuple:
    """PyTorch's ``torch.svd``: ``(U, S, V)`` (also ``.U``, ``.S``, ``.V``) with
    ``input = U @ diag(S) @ V.mH`` (``V``, not ``Vh`` as ``tg.linalg.svd`` gives); ``some=False``
    gives square ``U`` and ``V``. With ``compute_uv=False``, ``U`` and ``V`` are zero-filled
    square matrices, as PyTorch's."""
    if not compute_uv:
        m, n = shape_of(input)[-2:]
        batch, dt = tuple(shape_of(input)[:-2]), dtype_of(input)
        s = _svd(input, compute_uv=False)
        return SvdResult(np.zeros(batch + (m, m), dt), s, np.zeros(batch + (n, n), dt))
    u, s, vh = _svd(input, full_matrices=not some)
    return SvdResult(u, s, _adjoint(vh))


def qr(input: ArrayLike, some: bool = True) -> tuple:
    """PyTorch's ``torch.qr``: ``(Q, R)``, reduced (``some=True``) or complete."""
    return _qr(input, mode="reduced" if some else "complete")


def cholesky_solve(B: ArrayLike, L: ArrayLike, upper: bool = False) -> Array:
    """PyTorch's ``torch.cholesky_solve(B, L, upper=False)``: ``X`` with ``A @ X = B``, where
    ``A = L @ L.mH`` (``upper=True``: ``A = U.mH @ U``, ``U`` given as ``L``), by two
    triangular solves. Only ``L``'s triangle is read, so its gradient is zero in the other
    one (PyTorch's is not: it differentiates ``L @ L.mH`` with every entry of ``L``)."""
    if upper:
        return _solve_triangular(L, _solve_triangular(_adjoint(L), B, upper=False), upper=True)
    return _solve_triangular(_adjoint(L), _solve_triangular(L, B, upper=False), upper=True)


def combinations(input: ArrayLike, r: int = 2, with_replacement: bool = False) -> Array:
    """PyTorch's ``torch.combinations``: the length-``r`` combinations of a 1-D ``input`` as
    the rows of a ``(count, r)`` array, in ``itertools.combinations`` order
    (``with_replacement``: ``combinations_with_replacement``)."""
    if len(shape_of(input)) != 1:
        raise ValueError(f"combinations: the input must be 1-D, got shape {tuple(shape_of(input))}")
    if not isinstance(r, (int, np.integer)) or isinstance(r, bool) or r < 0:
        raise ValueError(f"combinations: r must be a non-negative integer, got {r!r}")
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    if r == 0:
        return _ops.take(input, np.zeros((0,), np.intp))  # (PyTorch: an empty 1-D tensor)
    rows = np.array(list(pick(range(shape_of(input)[0]), int(r))), dtype=np.intp)
    return _ops.take(input, rows.reshape(-1, int(r)))


def dropout(input: ArrayLike, p: float, train: bool, *, key=None) -> Array:
    """PyTorch's ``torch.dropout(input, p, train)``: ``tg.nn.functional.dropout`` with
    ``training=train`` (the mask from ``key``, else from the global stream, ``tg.manual_seed``'s)."""
    return _dropout(input, p, training=train, key=key)


def trapz(y: ArrayLike, x: ArrayLike | None = None, *, dx: float | None = None, dim: int = -1) -> Array:
    """PyTorch's ``torch.trapz``: ``tg.trapezoid`` with PyTorch's ``dim`` (default −1)."""
    return _ops.trapezoid(y, x, dx=1.0 if dx is None else dx, axis=dim)


def cumulative_trapezoid(y: ArrayLike, x: ArrayLike | None = None, *, dx: float | None = None,
                         dim: int = -1) -> Array:
    """PyTorch's ``torch.cumulative_trapezoid``: the running trapezoid rule along ``dim``,
    one entry shorter than ``y`` there (``tg.scipy.integrate.cumulative_trapezoid``)."""
    return _cumulative_trapezoid(y, x, dx=1.0 if dx is None else dx, axis=dim)
