"""``jax.ops``' segment reductions: ``segment_sum``, ``segment_prod``, ``segment_max``,
``segment_min`` (``tg.ops.segment_sum`` as ``jax.ops.segment_sum``, also ``tg.segment_sum``).

``out[s]`` reduces the rows ``data[i]`` with ``segment_ids[i] == s``, for ``s`` in
``range(num_segments)`` (default: the largest id + 1). An empty segment holds the reduction's
identity (0, 1, −inf or +inf; the dtype's extreme for integers), as in JAX. Ids out of range
are dropped (``mode=None`` or ``"drop"``) or clipped into range (``mode="clip"``). Built on
``tg.at(...)``'s scatter updates, so every transform differentiates them, with JAX's
derivatives (tied maxima and minima share the slope evenly).

Under ``tg.jit`` the ids may be traced arguments (message passing over a graph given as
data), with ``num_segments`` given: the sums scatter-add at run-time positions, the maxima
and minima are differentiated through their ties, and ``segment_prod`` computes its value
but has no derivative there (as JAX's without ``unique_indices``).
"""
from __future__ import annotations

import numpy as np

from ..registry import function
from ..staging import ConcretizationError, call as staged_call
from ..tensor import Tensor
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import concrete, dtype_of, is_staged, shape_of
from .creation import full
from .elementwise import astype, divide, equal, stop_gradient, where
from .selection import getitem
from .shape import reshape, scatter_add
from .updates import at

__all__ = ["segment_sum", "segment_prod", "segment_max", "segment_min"]


def _checked(name: str, data, segment_ids, num_segments, mode):
    """``(ids, n)`` after the checks; ``ids`` may be a value ``tg.jit`` traces."""
    ids = concrete(segment_ids)
    if not is_staged(ids):
        ids = np.asarray(ids)
    dt, ishape = np.dtype(dtype_of(ids)), tuple(shape_of(ids))
    if dt.kind not in "iu":
        raise TypeError(f"{name}: segment_ids must be integers, got dtype {dt}")
    shape = tuple(shape_of(concrete(data)))
    if len(ishape) != 1 or not shape or ishape[0] != shape[0]:
        raise ValueError(f"{name}: segment_ids must be 1-D with one id per row of data; got "
                         f"segment_ids of shape {ishape} for data of shape {shape}")
    if mode not in (None, "drop", "fill", "clip", "promise_in_bounds"):
        raise ValueError(f"{name}: mode must be None, 'drop', 'clip' or 'promise_in_bounds', "
                         f"got {mode!r}")
    if num_segments is None:
        if is_staged(ids):
            raise ConcretizationError(
                f"{name}: segment_ids traced by tg.jit need num_segments (the number of "
                "segments sets the result's shape, which a replay cannot change)")
        return ids, (int(ids.max()) + 1 if ids.size else 0)
    n = int(num_segments)
    if n < 0:
        raise ValueError(f"{name}: num_segments must be ≥ 0, got {num_segments}")
    return ids, n


def _segments(name: str, data, segment_ids, num_segments, mode):
    """``(data, ids, n)``: the rows that land in range, their ids, the number of segments."""
    ids, n = _checked(name, data, segment_ids, num_segments, mode)
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


def _placed(ids: np.ndarray, n: int, mode):
    """Each row's segment (0 for a dropped row) and whether it is kept: NumPy on the ids'
    values, at every replay of a jit plan."""
    if mode == "clip":
        return (np.clip(ids, 0, n - 1) if n else np.zeros_like(ids)), np.full(ids.shape, n > 0)
    keep = (ids >= 0) & (ids < n)
    return np.where(keep, ids, 0), keep


def _extremes(data: np.ndarray, ids: np.ndarray, keep: np.ndarray, n: int, kind: str):
    """The segments' maxima, minima or products of the kept rows (NumPy's ufunc.at)."""
    out = np.full((n,) + data.shape[1:], _identity(data.dtype, kind), dtype=data.dtype)
    ufunc = {"max": np.maximum, "min": np.minimum, "prod": np.multiply}[kind]
    ufunc.at(out, ids[keep], data[keep])
    return out


def _reduce_traced(name: str, kind: str, data, ids, n: int, mode):
    """A segment reduction whose ids ``tg.jit`` traces: positions known at run time only."""
    dtype = np.dtype(dtype_of(concrete(data)))
    rest = tuple(shape_of(concrete(data)))[1:]
    place, keep = staged_call(_placed, ids, n, mode)
    rows = reshape(keep, (-1,) + (1,) * len(rest))
    if kind == "sum":
        total = scatter_add(where(rows, data, np.zeros((), dtype)), (place,), (n,) + rest)
        return total if np.dtype(dtype_of(concrete(total))) == dtype else astype(total, dtype)
    value = staged_call(_extremes, concrete(data), place, keep, n, kind)
    if not isinstance(data, Tensor):
        return value
    if kind == "prod":
        raise NotImplementedError(
            f"{name}: no derivative with segment_ids traced by tg.jit (JAX has none without "
            "unique_indices either); pass the ids as a constant or a static argument")
    # the value's derivative: each row at its segment's extreme gets 1/(number of ties)
    tie = rows & equal(data, getitem(value, (place,)))
    count = scatter_add(astype(tie, dtype), (place,), (n,) + rest)
    share = where(tie, divide(data, getitem(where(count > 0, count, 1), (place,))), 0.0)
    moved = scatter_add(share, (place,), (n,) + rest)
    return value + (moved - stop_gradient(moved))  # the exact extreme, the ties' slopes


def _reduce(name: str, kind: str, data, segment_ids, num_segments, mode):
    ids, n = _checked(name, data, segment_ids, num_segments, mode)
    if is_staged(ids):
        return _reduce_traced(name, kind, data, ids, n, mode)
    data, ids, n = _segments(name, data, ids, n, mode)
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
