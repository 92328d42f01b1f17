"""``jax.ops``' segment reductions: ``segment_sum``, ``segment_prod``, ``segment_max``,
``segment_min`` (``tg.ops.segment_sum`` as ``jax.ops.segment_sum``, also ``tg.segment_sum``).

``out[s]`` reduces the rows ``data[i]`` with ``segment_ids[i] == s``, for ``s`` in
``range(num_segments)`` (default: the largest id + 1). An empty segment holds the reduction's
identity (0, 1, −inf or +inf; the dtype's extreme for integers), as in JAX. Ids out of range
are dropped (``mode=None`` or ``"drop"``) or clipped into range (``mode="clip"``). Built on
``tg.at(...)``'s scatter updates, so every transform differentiates them, with JAX's
derivatives (tied maxima and minima share the slope evenly).

Under ``tg.jit`` the ids may be traced arguments (message passing over a graph given as
data), with ``num_segments`` given: the same ``tg.at`` updates then land at run-time
positions, and ``segment_prod`` computes its value but has no derivative there (as JAX's
without ``unique_indices``).
"""
from __future__ import annotations

import numpy as np

from ..registry import function
from ..staging import ConcretizationError, call as staged_call
from ..tensor import Tensor
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import concrete, dtype_of, is_staged, shape_of
from .creation import full
from .selection import getitem
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


def _placed(ids: np.ndarray, n: int, mode):
    """Each row's segment (0 for a dropped row) and whether it is kept: out-of-range ids are
    dropped, or with ``mode="clip"`` clipped into range (with no segment, nothing is kept)."""
    if mode == "clip":
        return (np.clip(ids, 0, n - 1) if n else np.zeros_like(ids)), np.full(ids.shape, n > 0)
    keep = (ids >= 0) & (ids < n)
    return np.where(keep, ids, 0), keep


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


def _products(data: np.ndarray, ids: np.ndarray, n: int, mode):
    """The segments' products of the kept rows (NumPy's ufunc.at, at every replay under
    tg.jit)."""
    place, keep = _placed(ids, n, mode)
    out = np.full((n,) + data.shape[1:], _identity(data.dtype, "prod"), dtype=data.dtype)
    np.multiply.at(out, place[keep], data[keep])
    return out


_UPDATE = {"sum": "add", "prod": "multiply", "max": "max", "min": "min"}


def _reduce(name: str, kind: str, data, segment_ids, num_segments, mode):
    ids, n = _checked(name, data, segment_ids, num_segments, mode)
    dtype = np.dtype(dtype_of(concrete(data)))
    shape = tuple(shape_of(concrete(data)))
    out = full((n,) + shape[1:], _identity(dtype, kind), dtype=dtype)
    if n == 0 or not shape[0]:
        return out
    if is_staged(ids):  # ids tg.jit traces: the update at run-time positions (tg.at's)
        if kind == "prod":
            if isinstance(data, Tensor):
                raise NotImplementedError(
                    f"{name}: no derivative with segment_ids traced by tg.jit (JAX has none "
                    "without unique_indices either); pass the ids as a constant or a static "
                    "argument")
            return staged_call(_products, concrete(data), ids, n, mode)
        return getattr(at(out)[ids], _UPDATE[kind])(
            data, mode="clip" if mode == "clip" else "drop", wrap_negative_indices=False)
    place, keep = _placed(ids, n, mode)
    if not keep.all():
        data, place = getitem(data, keep), place[keep]
    if not place.size:
        return out
    return getattr(at(out)[place], _UPDATE[kind])(data)


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
