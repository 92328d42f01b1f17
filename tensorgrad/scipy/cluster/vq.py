"""``tg.scipy.cluster.vq``: ``jax.scipy.cluster.vq.vq``, differentiable in both arrays.

``vq(obs, code_book)`` assigns each observation (a row of ``obs``, shape ``(M, N)``) the
index of its nearest code (a row of ``code_book``, shape ``(K, N)``) in Euclidean distance,
and returns ``(codes, distances)``. 1-D arrays hold one feature per entry. The distances
differentiate in ``obs`` and in ``code_book`` (each one through its own nearest code); the
codes are integers (NumPy's index dtype, as JAX's ``argmin``; SciPy's are int32). A tie goes
to the first code, as in SciPy and JAX. Where an observation equals its code, the distance's
derivative is 0 (as ``tg.linalg.norm``'s at 0; JAX's is NaN there).
"""
from __future__ import annotations

import numpy as np

from ...ops import argmin, astype, sqrt, sum, take_along_axis, where  # noqa: A004
from ...ops._util import concrete, dtype_of, real_array, shape_of
from ...staging import check
from ...typing import Array, ArrayLike  # noqa: F401

__all__ = ["vq"]


def _check_finite(obs, code_book) -> None:
    for name, v in (("obs", obs), ("code_book", code_book)):
        if not np.all(np.isfinite(np.asarray(v))):
            raise ValueError(f"vq: {name} must not contain infs or NaNs")


def vq(obs, code_book, check_finite: bool = True) -> tuple[Array, Array]:
    """Nearest codes of ``obs`` (``(M, N)`` or ``(M,)``) in ``code_book`` (``(K, N)`` or
    ``(K,)``, the same rank): ``(codes, distances)``, both of shape ``(M,)``. The arrays
    are promoted to a common floating dtype (float64 for integers). ``check_finite`` raises
    ``ValueError`` for infinite or NaN inputs when their values are known (SciPy's check;
    JAX ignores it)."""
    o, c = real_array(obs, "vq", "obs"), real_array(code_book, "vq", "code_book")
    dt = np.result_type(np.dtype(dtype_of(o)), np.dtype(dtype_of(c)))
    if dt.kind != "f":
        dt = np.dtype(np.float64)
    if np.dtype(dtype_of(o)) != dt:
        o = astype(o, dt)
    if np.dtype(dtype_of(c)) != dt:
        c = astype(c, dt)
    so, sc = tuple(shape_of(o)), tuple(shape_of(c))
    if len(so) != len(sc):
        raise ValueError(f"vq: obs and code_book must have the same rank, got shapes {so} "
                         f"and {sc}")
    if len(so) == 1:
        o, c = o[:, None], c[:, None]
    elif len(so) != 2:
        raise ValueError(f"vq: obs and code_book must be 1- or 2-dimensional, got shapes "
                         f"{so} and {sc}")
    if shape_of(o)[1] != shape_of(c)[1]:
        raise ValueError(f"vq: obs and code_book must have the same number of features "
                         f"(columns), got shapes {so} and {sc}")
    if shape_of(c)[0] == 0:
        raise ValueError("vq: code_book holds no codes")
    if check_finite:  # (again at each replay under tg.jit)
        check(_check_finite, concrete(o), concrete(c))
    diff = o[:, None, :] - c[None, :, :]
    sq = sum(diff * diff, axis=-1)  # (M, K) squared distances
    code = argmin(sq, axis=-1)
    nearest = take_along_axis(sq, code[:, None], axis=-1)[:, 0]
    # An observation on its code: distance 0, derivative 0 (tg.linalg.norm's convention at 0);
    # the inner where keeps sqrt's infinite slope at 0 out of the derivatives (no 0 * inf).
    zero = nearest == 0
    return code, where(zero, 0.0, sqrt(where(zero, 1.0, nearest)))
