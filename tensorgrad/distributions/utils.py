"""``torch.distributions.utils``'s helpers on tensorgrad's values: ``broadcast_all``,
``logits_to_probs``, ``probs_to_logits``, ``clamp_probs``, ``lazy_property``,
``tril_matrix_to_vec`` and ``vec_to_tril_matrix``.

Each is a composition of tensorgrad ops, so gradients, ``tg.jit`` and ``tg.vmap`` go through
them. ``clamp_probs`` clamps to ``[eps, 1 - eps]`` with the machine epsilon of the values'
dtype, as PyTorch's does.
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from ..tensor import dtype_of, shape_of
from .distribution import as_float
from .distribution import broadcast_all as _broadcast_all

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits",
           "lazy_property", "tril_matrix_to_vec", "vec_to_tril_matrix"]


def broadcast_all(*values):
    """The values (arrays, tensors or numbers) as float arrays of one broadcast shape; Python
    numbers take the floating dtype of the arrays among them."""
    if not values:
        raise ValueError("broadcast_all: expected at least one value")
    out, _ = _broadcast_all(*values, who="broadcast_all")
    return tuple(out)


def _eps(x) -> float:
    return float(np.finfo(np.dtype(dtype_of(x))).eps)


def clamp_probs(probs):
    """``probs`` clipped to ``[eps, 1 - eps]`` (eps of their dtype)."""
    probs = as_float(probs)
    eps = _eps(probs)
    return _ops.clip(probs, eps, 1 - eps)


def probs_to_logits(probs, is_binary: bool = False):
    """Log-odds ``log p - log(1 - p)`` (``is_binary=True``) or ``log p`` of clamped ``probs``."""
    p = clamp_probs(probs)
    return _ops.log(p) - _ops.log1p(-p) if is_binary else _ops.log(p)


def logits_to_probs(logits, is_binary: bool = False):
    """``sigmoid(logits)`` (``is_binary=True``) or the softmax over the last axis."""
    logits = as_float(logits)
    return _ops.sigmoid(logits) if is_binary else _ops.softmax(logits, axis=-1)


class lazy_property:  # noqa: N801  (PyTorch's name)
    """A property computed on first access and then stored on the instance (read on the
    class, the descriptor itself)."""

    def __init__(self, fn):
        self.wrapped = fn
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__name__ = getattr(fn, "__name__", "lazy_property")

    def __set_name__(self, owner, name):
        self.__name__ = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.__name__, value)
        return value


def _tril_rows_cols(n: int, diag: int):
    rows, cols = np.nonzero(np.arange(n)[None, :] < np.arange(n)[:, None] + (diag + 1))
    return rows, cols


def tril_matrix_to_vec(mat, diag: int = 0):
    """The entries of the last two axes' lower triangle (``col - row <= diag``), row by row."""
    shape = tuple(shape_of(mat))
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"tril_matrix_to_vec: expected square matrices, got shape {shape}")
    n = shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"tril_matrix_to_vec: diag ({diag}) provided is outside [{-n}, {n - 1}]")
    rows, cols = _tril_rows_cols(n, diag)
    flat = _ops.reshape(mat, shape[:-2] + (n * n,))
    return _ops.take(flat, rows * n + cols, axis=-1)


def vec_to_tril_matrix(vec, diag: int = 0):
    """The inverse of :func:`tril_matrix_to_vec`: square matrices, zero above the diagonal
    ``diag``, whose lower triangle holds ``vec``'s last axis row by row."""
    shape = tuple(shape_of(vec))
    m = shape[-1]
    b = 1 + 2 * diag
    n_real = (-b + math.sqrt(b * b + 8 * m + 4 * abs(diag) * (diag + 1))) / 2
    n = round(n_real)
    if abs(n - n_real) > 1e-9 or len(_tril_rows_cols(n, diag)[0]) != m:
        raise ValueError(f"vec_to_tril_matrix: the last axis' length {m} is not the size of a "
                         f"lower triangle with diag={diag}")
    rows, cols = _tril_rows_cols(n, diag)
    where = np.zeros((n, n), dtype=np.intp)  # index 0: the zero put in front of vec
    where[rows, cols] = np.arange(1, m + 1)
    vec = as_float(vec)
    padded = _ops.concatenate([_ops.zeros_like(vec[..., :1]), vec], axis=-1)
    out = _ops.take(padded, where.reshape(-1), axis=-1)
    return _ops.reshape(out, shape[:-1] + (n, n))
