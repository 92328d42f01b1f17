"""``jax.ops``' segment reductions: ``segment_sum``, ``segment_prod``, ``segment_max``,
``segment_min`` (``tg.ops.segment_sum`` as ``jax.ops.segment_sum``, also ``tg.segment_sum``).

``out[s]`` reduces the rows ``data[i]`` with ``segment_ids[i] == s``, for ``s`` in
``range(num_segments)`` (default: the largest id + 1). An empty segment holds the reduction's
identity (0, 1, −inf or +inf; the dtype's extreme for integers), as in JAX. Ids out of range
are dropped (``mode=None`` or ``"drop"``) or clipped into range (``mode="clip"``). Built on
``tg.at(...)``'s scatter updates, so every transform differentiates them, with JAX's
derivatives.
"""
from __future__ import annotations

import numpy as np

from ..registry import function
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import concrete, dtype_of, shape_of
from .creation import full
from .selection import getitem
from .updates import at

__all__ = ["segment_sum", "segment_prod", "segment_max", "segment_min"]


def _segments(name: str, data, segment_ids, num_segments, mode):
    """``(data, ids, n)``: the rows that land in range, their ids, the number of segments."""
    ids = np.asarray(concrete(segment_ids))
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{name}: segment_ids must be integers, got dtype {ids.dtype}")
    shape = tuple(shape_of(concrete(data)))
    if ids.ndim != 1 or not shape or ids.shape[0] != shape[0]:
        raise ValueError(f"{name}: segment_ids must be 1-D with one id per row of data; got "
                         f"segment_ids of shape {ids.shape} for data of shape {shape}")
    if num_segments is None:
        n = int(ids.max()) + 1 if ids.size else 0
    else:
        n = int(num_segments)
        if n < 0:
            raise ValueError(f"{name}: num_segments must be ≥ 0, got {num_segments}")
    if mode not in (None, "drop", "fill", "clip", "promise_in_bounds"):
        raise ValueError(f"{name}: mode must be None, 'drop', 'clip' or 'promise_in_bounds', "
                         f"got {mode!r}")
    if mode == "clip":  # (with no segment there is nothing to clip into)
        return data, (np.clip(ids, 0, n - 1) if n else ids[:0]), n
    keep = (ids >= 0) & (ids < n)
    if not keep.all():
        data = getitem(data, keep)
        ids = ids[keep]
    return data, ids, n


def _identity(dtype, kind: str):
    dtype = np.dtype(dtype)
    if kind == "sum":
        return 0
    if kind == "prod":
        return 1
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return info.min if kind == "max" else info.max
    if dtype.kind == "b":
        return kind == "min"
    return -np.inf if kind == "max" else np.inf


def _reduce(name: str, kind: str, data, segment_ids, num_segments, mode):
    data, ids, n = _segments(name, data, segment_ids, num_segments, mode)
    dtype = np.dtype(dtype_of(concrete(data)))
    shape = tuple(shape_of(concrete(data)))
    out = full((n,) + shape[1:], _identity(dtype, kind), dtype=dtype)
    if n == 0 or ids.size == 0:
        return out
    update = at(out)[ids]
    return getattr(update, {"sum": "add", "prod": "multiply", "max": "max", "min": "min"}[kind])(
        data)


@function
def segment_sum(data: ArrayLike, segment_ids: ArrayLike, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode=None) -> Array:
    """The sum of the rows of ``data`` in each segment (``jax.ops.segment_sum``)."""
    return _reduce("segment_sum", "sum", data, segment_ids, num_segments, mode)


@function
def segment_prod(data: ArrayLike, segment_ids: ArrayLike, num_segments: int | None = None,
                 indices_are_sorted: bool = False, unique_indices: bool = False,
                 bucket_size: int | None = None, mode=None) -> Array:
    """The product of the rows of ``data`` in each segment (``jax.ops.segment_prod``)."""
    return _reduce("segment_prod", "prod", data, segment_ids, num_segments, mode)


@function
def segment_max(data: ArrayLike, segment_ids: ArrayLike, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode=None) -> Array:
    """The maximum of the rows of ``data`` in each segment, −inf for an empty one
    (``jax.ops.segment_max``)."""
    return _reduce("segment_max", "max", data, segment_ids, num_segments, mode)


@function
def segment_min(data: ArrayLike, segment_ids: ArrayLike, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode=None) -> Array:
    """The minimum of the rows of ``data`` in each segment, +inf for an empty one
    (``jax.ops.segment_min``)."""
    return _reduce("segment_min", "min", data, segment_ids, num_segments, mode)
