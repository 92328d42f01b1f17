"""XLA's general indexing primitives as ``jax.lax`` spells them: ``gather``, ``scatter``,
``scatter_add``, ``scatter_sub``, ``scatter_mul``, ``scatter_min``, ``scatter_max`` and
``scatter_apply``, with ``GatherDimensionNumbers``, ``ScatterDimensionNumbers`` and
``GatherScatterMode``.

How it works: the index bookkeeping (which flat entry of the operand each output or
update element reads or writes, which windows are out of bounds, which duplicate wins) is
plain NumPy on the integer indices; under ``tg.jit`` with traced indices it is one step of
the plan, run again for each call's indices. The values then go through registered ops
only: a gather is ``x.reshape(-1)[positions]`` (and a select for filled windows), a
scatter-add is the scatter-add behind indexing's VJP, the other combiners are ``.at[]``
updates. So every transform differentiates them, with JAX's conventions: a gather's
cotangent is scattered back (dropped windows get none), an overwritten operand entry gets
no cotangent, tied ``scatter_min``/``scatter_max`` entries share the gradient evenly.

Duplicates: when several updates meet one operand entry, ``scatter`` keeps the one whose
scatter index comes last in row-major order of the indices' batch axes (what JAX gives on
CPU); the accumulating combiners combine all of them. ``unique_indices`` and
``indices_are_sorted`` are hints and change no result.
"""
from __future__ import annotations

import builtins
import enum
from typing import Callable, NamedTuple, Sequence

import numpy as np

from . import ops as _ops
from .ops.shape import scatter_add as _scatter_into
from .ops.updates import last_writes
from .staging import call as _staged_call, is_staged, may_any
from .tensor import concrete, dtype_of, shape_of

__all__ = ["GatherDimensionNumbers", "ScatterDimensionNumbers", "GatherScatterMode", "gather",
           "scatter", "scatter_add", "scatter_sub", "scatter_mul", "scatter_min", "scatter_max",
           "scatter_apply"]


class GatherDimensionNumbers(NamedTuple):
    """How the axes of a gather's operand, indices and output correspond (XLA's names).

    ``offset_dims``: the output axes that run along a slice (sorted); ``collapsed_slice_dims``:
    operand axes of slice size 1 left out of the output; ``start_index_map``: the operand axis
    each entry of an index vector (the indices' last axis) starts; ``operand_batching_dims`` and
    ``start_indices_batching_dims``: operand axes paired with indices axes, each output element
    reading the operand at its own batch position."""
    offset_dims: tuple
    collapsed_slice_dims: tuple
    start_index_map: tuple
    operand_batching_dims: tuple = ()
    start_indices_batching_dims: tuple = ()


class ScatterDimensionNumbers(NamedTuple):
    """How the axes of a scatter's operand, indices and updates correspond (XLA's names).

    ``update_window_dims``: the updates' axes that run along a window (sorted);
    ``inserted_window_dims``: operand axes of window size 1 the updates leave out;
    ``scatter_dims_to_operand_dims``: the operand axis each entry of an index vector starts;
    ``operand_batching_dims`` and ``scatter_indices_batching_dims``: paired batch axes."""
    update_window_dims: tuple
    inserted_window_dims: tuple
    scatter_dims_to_operand_dims: tuple
    operand_batching_dims: tuple = ()
    scatter_indices_batching_dims: tuple = ()


class GatherScatterMode(enum.Enum):
    """What an index out of bounds does.

    ``CLIP``: the start is clamped so that the whole window fits. ``FILL_OR_DROP``: a gather
    window with any entry out of bounds reads ``fill_value`` throughout; such a scatter window
    is skipped whole. ``PROMISE_IN_BOUNDS``: the caller promises in-bounds indices; as XLA, a
    gather then clamps and a scatter skips. ``ONE_HOT`` exists for JAX's NumPy indexing and is
    refused here (JAX's lax functions refuse it too)."""
    CLIP = 1
    FILL_OR_DROP = 2
    PROMISE_IN_BOUNDS = 3
    ONE_HOT = 4

    @staticmethod
    def from_any(s) -> "GatherScatterMode":
        """A mode from a member (tensorgrad's or JAX's), a string ('clip', 'fill', 'drop',
        'promise_in_bounds', 'one_hot') or None (FILL_OR_DROP, JAX's rule)."""
        if isinstance(s, GatherScatterMode):
            return s
        if s is None or s in ("fill", "drop"):
            return GatherScatterMode.FILL_OR_DROP
        named = {"clip": "CLIP", "promise_in_bounds": "PROMISE_IN_BOUNDS", "one_hot": "ONE_HOT"}
        if isinstance(s, str) and s in named:
            return GatherScatterMode[named[s]]
        name = getattr(s, "name", None)  # jax.lax.GatherScatterMode's members
        if isinstance(name, str) and name in GatherScatterMode.__members__ and not isinstance(s, str):
            return GatherScatterMode[name]
        raise ValueError(f'Unknown gather mode "{s}"')


_PY_SCALARS = (bool, int, float, complex)


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x)))


def _dtype(x) -> np.dtype:
    return np.dtype(dtype_of(concrete(x)))


def _mode(name: str, mode, gather: bool) -> GatherScatterMode:
    try:
        m = GatherScatterMode.from_any(mode)
    except ValueError:
        raise ValueError(f"lax.{name}: unknown mode {mode!r}; use GatherScatterMode.CLIP, "
                         "FILL_OR_DROP, PROMISE_IN_BOUNDS or 'clip', 'fill', 'drop', "
                         "'promise_in_bounds', None") from None
    if m is GatherScatterMode.ONE_HOT:
        raise ValueError(f"lax.{name}: mode ONE_HOT is not supported (it belongs to JAX's NumPy "
                         "indexing; lax's gather and scatter refuse it too)")
    if gather and mode is None:
        return GatherScatterMode.PROMISE_IN_BOUNDS  # (lax.gather's own default, as in JAX)
    return m


def _dims(name: str, what: str, v) -> tuple:
    try:
        return tuple(int(i) for i in v)
    except TypeError:
        raise TypeError(f"lax.{name}: {what} must be a sequence of integers, got {v!r}") from None


def _fields(name: str, dn, fields: tuple, kind: str) -> tuple:
    """The dimension numbers' fields as tuples of ints (any object with those attributes,
    JAX's NamedTuple included)."""
    if not builtins.all(hasattr(dn, f) for f in fields[:3]):
        raise TypeError(f"lax.{name}: dimension_numbers must be a {kind} (fields {fields}), got "
                        f"{dn!r}")
    return tuple(_dims(name, f, getattr(dn, f, ())) for f in fields)


def _index_array(name: str, indices):
    """The indices' concrete (or traced) integer array, at least 1-d."""
    idx = concrete(indices)
    if not (is_staged(idx) or isinstance(idx, (np.ndarray, np.generic))):
        idx = np.asarray(idx)
    if np.dtype(idx.dtype).kind not in "iu":
        raise ValueError(f"lax.{name}: indices must have an integer type, got dtype {idx.dtype} "
                         f"(shape {tuple(idx.shape)})")
    if len(idx.shape) == 0:
        raise TypeError(f"lax.{name}: the indices must have at least one axis (the index vector "
                        "axis, the last), got a scalar")
    return idx


def _check_dims(name: str, what: str, dims: tuple, rank: int, ordered: bool = False) -> None:
    if len(set(dims)) != len(dims):
        raise TypeError(f"lax.{name}: {what} must not repeat an axis, got {dims}")
    if ordered and list(dims) != sorted(dims):
        raise TypeError(f"lax.{name}: {what} must be sorted, got {dims}")
    bad = [d for d in dims if not 0 <= d < rank]
    if bad:
        raise TypeError(f"lax.{name}: {what} {dims} has axis {bad[0]} outside [0, {rank})")


def _check_layout(name: str, oshape: tuple, ishape: tuple, window: tuple, collapsed: tuple,
                  start_map: tuple, obd: tuple, ibd: tuple, sizes: tuple, names: tuple) -> None:
    """XLA's checks shared by gather and scatter. ``window``: the output's (updates') axes
    along the slice; ``sizes``: one slice (window) size per operand axis; ``names``: the
    fields' names in this function's dimension numbers."""
    w_name, c_name, m_name, ob_name, ib_name = names
    r, nb = len(oshape), len(ishape) - 1
    _check_dims(name, w_name, window, nb + len(window), ordered=True)
    _check_dims(name, c_name, collapsed, r, ordered=True)
    _check_dims(name, m_name, start_map, r)
    _check_dims(name, ob_name, obd, r, ordered=True)
    _check_dims(name, ib_name, ibd, nb)
    if len(start_map) != ishape[-1]:
        raise TypeError(f"lax.{name}: {m_name} {start_map} has {len(start_map)} entries but the "
                        f"indices (shape {ishape}) have index vectors of length {ishape[-1]} (their "
                        "last axis); they must be equal")
    for a, b, an, bn in ((collapsed, obd, c_name, ob_name), (start_map, obd, m_name, ob_name)):
        if set(a) & set(b):
            raise TypeError(f"lax.{name}: {an} {a} and {bn} {b} must not share an axis")
    if len(obd) != len(ibd) or tuple(oshape[d] for d in obd) != tuple(ishape[d] for d in ibd):
        raise TypeError(f"lax.{name}: {ob_name} {obd} and {ib_name} {ibd} must pair axes of one "
                        f"size, got operand shape {oshape} and indices shape {ishape}")
    if len(window) + len(collapsed) + len(obd) != r:
        raise TypeError(f"lax.{name}: every operand axis must be a window axis ({w_name} {window}), "
                        f"in {c_name} {collapsed} or in {ob_name} {obd}; got {len(window)} + "
                        f"{len(collapsed)} + {len(obd)} axes for an operand of shape {oshape}")
    if builtins.any(not 0 <= z <= n for z, n in zip(sizes, oshape)):
        raise TypeError(f"lax.{name}: the window sizes {sizes} do not fit the operand's shape "
                        f"{oshape} (each must lie in [0, axis size])")
    if builtins.any(sizes[d] != 1 for d in collapsed) or builtins.any(sizes[d] > 1 for d in obd):
        raise TypeError(f"lax.{name}: the axes in {c_name} {collapsed} must have window size 1 "
                        f"and those in {ob_name} {obd} size 0 or 1; window sizes are {sizes}")


def _plan(idx: np.ndarray, oshape: tuple, sizes: tuple, window: tuple, collapsed: tuple,
          start_map: tuple, obd: tuple, ibd: tuple, mode: str):
    """The flat operand entry each output (update) element reads (writes), and whether its
    window is in bounds (for "fill"/"drop"; else the start was clamped and it is True).
    Both are shaped like the output (updates); plain NumPy on the concrete indices."""
    r = len(oshape)
    nb = idx.ndim - 1
    batch = idx.shape[:-1]
    idx = idx.astype(np.int64)
    strides = np.array([int(np.prod(oshape[d + 1:])) for d in range(r)], dtype=np.int64)
    base = np.zeros(batch, dtype=np.int64)
    ok = np.ones(batch, dtype=bool)
    for k, d in enumerate(start_map):
        s = idx[..., k]
        hi = oshape[d] - sizes[d]
        if mode == "clip":
            s = np.clip(s, 0, builtins.max(hi, 0))
        else:
            ok &= (s >= 0) & (s <= hi)
            s = np.clip(s, 0, builtins.max(hi, 0))
        base = base + s * strides[d]
    for d, a in zip(obd, ibd):  # the batch position itself
        base = base + np.arange(batch[a]).reshape([-1 if j == a else 1 for j in range(nb)]) \
            * strides[d]
    offset_axes = [d for d in range(r) if d not in collapsed and d not in obd]
    wshape = tuple(sizes[d] for d in offset_axes)
    woff = np.zeros(wshape, dtype=np.int64)
    for j, d in enumerate(offset_axes):
        woff = woff + np.arange(sizes[d]).reshape(
            [-1 if i == j else 1 for i in range(len(wshape))]) * strides[d]
    pos = base.reshape(batch + (1,) * len(wshape)) + woff  # (batch..., window...)
    okc = np.broadcast_to(ok.reshape(batch + (1,) * len(wshape)), pos.shape)
    order = np.arange(pos.size, dtype=np.int64).reshape(pos.shape)  # row-major: batch first
    perm, b = [], iter(range(nb))
    for i in range(nb + len(window)):
        perm.append(nb + window.index(i) if i in window else next(b))
    return (pos.transpose(perm).astype(np.intp), okc.transpose(perm).copy(),  # (0-d stays 0-d)
            order.transpose(perm))


# ---- gather -------------------------------------------------------------------------------------
def gather(operand, start_indices, dimension_numbers, slice_sizes: Sequence[int], *,
           unique_indices: bool = False, indices_are_sorted: bool = False, mode=None,
           fill_value=None):
    """``jax.lax.gather``: slices of ``operand`` of size ``slice_sizes`` starting where the
    index vectors (the last axis of ``start_indices``) say, laid out by ``dimension_numbers``
    (a :class:`GatherDimensionNumbers`).

    ``mode=None`` is PROMISE_IN_BOUNDS, which clamps as CLIP does (JAX's lax.gather);
    FILL_OR_DROP ('fill', 'drop') reads ``fill_value`` throughout a window with any entry out
    of bounds (default: NaN for inexact dtypes, the most negative signed integer, the largest
    unsigned one, True). Negative indices are out of bounds (no wrapping). The VJP adds the
    cotangent back into the slices read; a filled window gets none. Under PROMISE_IN_BOUNDS
    with indices out of bounds the derivative is that of the clamped read (JAX's is not
    defined there)."""
    name = "gather"
    m = _mode(name, mode, gather=True)
    oshape = _shape(operand)
    idx = _index_array(name, start_indices)
    ishape = tuple(idx.shape)
    window, collapsed, start_map, obd, ibd = _fields(
        name, dimension_numbers, GatherDimensionNumbers._fields, "GatherDimensionNumbers")
    sizes = _dims(name, "slice_sizes", slice_sizes)
    if len(sizes) != len(oshape):
        raise TypeError(f"lax.gather: slice_sizes {sizes} must have one entry per axis of the "
                        f"operand of shape {oshape}")
    _check_layout(name, oshape, ishape, window, collapsed, start_map, obd, ibd, sizes,
                  GatherDimensionNumbers._fields)
    fill = m is GatherScatterMode.FILL_OR_DROP
    pos, ok, _ = _staged_call(_plan, idx, oshape, sizes, window, collapsed, start_map, obd, ibd,
                              "fill" if fill else "clip")
    n = int(np.prod(oshape))
    out = _ops.getitem(_ops.reshape(operand, (n,)), (pos,))
    if fill and (is_staged(ok) or not ok.all()) and may_any(~ok):
        out = _ops.where(ok, out, _filler(operand, fill_value))
    return out


def _filler(operand, fill_value):
    """What a filled gather window holds: ``fill_value`` in the operand's dtype, or JAX's
    default for that dtype."""
    dt = _dtype(operand)
    if fill_value is None:
        fill_value = (np.nan if dt.kind in "fc" else True if dt.kind == "b"
                      else np.iinfo(dt).min if dt.kind == "i" else np.iinfo(dt).max)
        return np.asarray(fill_value, dtype=dt)
    if isinstance(fill_value, _PY_SCALARS) or isinstance(fill_value, (np.ndarray, np.generic)):
        return np.asarray(fill_value).astype(dt)
    return _ops.astype(fill_value, dt)


# ---- scatter ------------------------------------------------------------------------------------
_SCATTER_FIELDS = ScatterDimensionNumbers._fields


def _scatter_plan(name: str, operand, scatter_indices, ushape: tuple, dimension_numbers, mode):
    """Checks a scatter's arguments; returns (pos, ok, order, n): per update element the flat
    operand entry it writes, whether it is written, and its rank in write order."""
    m = _mode(name, mode, gather=False)
    oshape = _shape(operand)
    idx = _index_array(name, scatter_indices)
    ishape = tuple(idx.shape)
    window, inserted, start_map, obd, ibd = _fields(
        name, dimension_numbers, _SCATTER_FIELDS, "ScatterDimensionNumbers")
    nb = len(ishape) - 1
    if len(ushape) != nb + len(window):
        raise TypeError(f"lax.{name}: updates of shape {ushape} must have {nb + len(window)} axes: "
                        f"the {nb} batch axes of the indices (shape {ishape}) and the "
                        f"{len(window)} update_window_dims {window}")
    _check_dims(name, "update_window_dims", window, len(ushape), ordered=True)
    scat = tuple(ushape[i] for i in range(len(ushape)) if i not in window)
    if scat != ishape[:-1]:
        raise TypeError(f"lax.{name}: the updates' scatter axes (shape {ushape} without "
                        f"update_window_dims {window}) have sizes {scat}, but the indices' batch "
                        f"axes (shape {ishape} without its last) have {ishape[:-1]}")
    _check_dims(name, "inserted_window_dims", inserted, len(oshape), ordered=True)
    _check_dims(name, "operand_batching_dims", obd, len(oshape), ordered=True)
    wsizes = iter(ushape[i] for i in window)
    if len(window) + len(inserted) + len(obd) != len(oshape):
        raise TypeError(f"lax.{name}: every operand axis must be a window axis "
                        f"(update_window_dims {window}), in inserted_window_dims {inserted} or "
                        f"in operand_batching_dims {obd}; got {len(window)} + {len(inserted)} + "
                        f"{len(obd)} axes for an operand of shape {oshape}")
    sizes = tuple(1 if d in inserted or d in obd else next(wsizes) for d in range(len(oshape)))
    _check_layout(name, oshape, ishape, window, inserted, start_map, obd, ibd, sizes,
                  _SCATTER_FIELDS)
    clip = m is GatherScatterMode.CLIP
    pos, ok, order = _staged_call(_plan, idx, oshape, sizes, window, inserted, start_map, obd,
                                  ibd, "clip" if clip else "drop")
    return pos, ok, order, int(np.prod(oshape))


def _updates(name: str, operand, updates, check_dtype: bool = True):
    if isinstance(updates, _PY_SCALARS):
        updates = np.asarray(updates, _dtype(operand))
    elif isinstance(updates, (list, tuple)):
        updates = np.asarray(updates)
    if check_dtype and _dtype(updates) != _dtype(operand):
        raise TypeError(f"lax.{name} requires arguments to have the same dtypes, got operand "
                        f"{_dtype(operand)} and updates {_dtype(updates)}")
    return updates


def _written_in_order(pos: np.ndarray, ok: np.ndarray, order: np.ndarray):
    """The update elements written (flat indices into the updates), in write order, and the
    flat operand entries they write."""
    o = order.ravel()[ok.ravel()]
    which = np.flatnonzero(ok.ravel())[np.argsort(o, kind="stable")]
    return which.astype(np.intp), pos.ravel()[which]


def _combine(name: str, operand, scatter_indices, updates, dimension_numbers, mode,
             unique_indices: bool, how: str, func: Callable | None = None,
             ushape: tuple | None = None):
    oshape = _shape(operand)
    if func is None:
        updates = _updates(name, operand, updates)
        ushape = _shape(updates)
    pos, ok, order, n = _scatter_plan(name, operand, scatter_indices, ushape, dimension_numbers,
                                      mode)
    flat = _ops.reshape(operand, (n,))
    uflat = None if func is not None else _ops.reshape(updates, (int(np.prod(ushape)),))
    if pos.size == 0 or n == 0:
        return _ops.reshape(flat, oshape)
    if how in ("add", "sub"):
        u = uflat
        if is_staged(ok) or not ok.all():
            u = _ops.where(ok.ravel(), u, np.zeros((), _dtype(operand)))
            pos = np.where(ok, pos, 0)
        total = _ops.reshape(_scatter_into(u, (pos.ravel(),), (n,)), oshape)
        out = operand + total if how == "add" else operand - total
        return out if _dtype(out) == _dtype(operand) else _ops.astype(out, _dtype(operand))
    traced = is_staged(pos)
    if how == "set" or (traced and unique_indices):
        written, src = _staged_call(last_writes, pos, ok, order, n)
        if func is not None:
            new = func(flat)
        else:
            new = _ops.getitem(uflat, (src,))
            if how == "mul":
                new = flat * new
            elif how in ("min", "max"):
                new = (_ops.minimum if how == "min" else _ops.maximum)(flat, new)
        out = _ops.where(written, new, flat)
        out = out if _dtype(out) == _dtype(operand) else _ops.astype(out, _dtype(operand))
        return _ops.reshape(out, oshape)
    if traced:
        raise NotImplementedError(
            f"lax.{name}: under tg.jit with traced indices, tensorgrad needs unique_indices=True "
            "(each operand entry written at most once) for this combiner; pass the indices as a "
            "constant or static argument, or promise uniqueness")
    which, targets = _written_in_order(pos, ok, order)
    if which.size == 0:
        return _ops.reshape(flat, oshape)
    ref = _ops.at(flat)[targets]
    if how == "apply":
        out = ref.apply(func)
    else:
        vals = _ops.getitem(uflat, (which,))
        out = {"mul": ref.multiply, "min": ref.min, "max": ref.max}[how](vals)
    return _ops.reshape(out, oshape)


def _scatter_fn(name: str, how: str):
    def op(operand, scatter_indices, updates, dimension_numbers, *, indices_are_sorted=False,
           unique_indices=False, mode=None):
        return _combine(name, operand, scatter_indices, updates, dimension_numbers, mode,
                        unique_indices, how)
    op.__name__ = op.__qualname__ = name
    return op


scatter = _scatter_fn("scatter", "set")
scatter.__doc__ = """``jax.lax.scatter``: ``operand`` with windows overwritten by ``updates``
at the index vectors of ``scatter_indices`` (a :class:`ScatterDimensionNumbers` lays them out).

``mode=None`` is FILL_OR_DROP: a window with any entry out of bounds is skipped whole (so is
it under PROMISE_IN_BOUNDS, as XLA); CLIP clamps the start. Where windows overlap, the update
whose scatter index comes last (row-major over the indices' batch axes) is kept, which is
JAX's result on CPU and, with ``unique_indices=True``, its only answer. Derivatives: an
overwritten operand entry gets no cotangent; each kept update gets its entry's, the others
none (JAX's rule)."""

scatter_add = _scatter_fn("scatter_add", "add")
scatter_add.__doc__ = """``jax.lax.scatter_add``: ``operand`` with ``updates`` added into
its windows (entries written several times accumulate); linear in both."""

scatter_sub = _scatter_fn("scatter_sub", "sub")
scatter_sub.__doc__ = """``jax.lax.scatter_sub``: ``operand`` with ``updates`` subtracted
from its windows (entries written several times accumulate); linear in both."""

scatter_mul = _scatter_fn("scatter_mul", "mul")
scatter_mul.__doc__ = """``jax.lax.scatter_mul``: ``operand`` with its windows multiplied
by ``updates`` (all factors meeting one entry multiply). The derivative with respect to the
updates is exact with duplicate indices too (JAX implements it only for
``unique_indices=True``)."""

scatter_min = _scatter_fn("scatter_min", "min")
scatter_min.__doc__ = """``jax.lax.scatter_min``: each written entry becomes the minimum of
itself and every update meeting it; tied minima share the gradient evenly, as JAX."""

scatter_max = _scatter_fn("scatter_max", "max")
scatter_max.__doc__ = """``jax.lax.scatter_max``: each written entry becomes the maximum of
itself and every update meeting it; tied maxima share the gradient evenly, as JAX."""


def scatter_apply(operand, scatter_indices, func: Callable, dimension_numbers, *,
                  update_shape: Sequence[int] = (), indices_are_sorted: bool = False,
                  unique_indices: bool = False, mode=None):
    """``jax.lax.scatter_apply``: ``operand`` with the elementwise ``func`` applied to the
    entries the windows cover, once per window meeting an entry. ``update_shape`` is the
    shape the updates of the equivalent scatter would have. Derivatives go through ``func``
    (JAX does not differentiate scatter_apply)."""
    if not callable(func):
        raise TypeError(f"lax.scatter_apply: func must be callable, got {type(func).__name__}")
    ushape = _dims("scatter_apply", "update_shape", update_shape)
    return _combine("scatter_apply", operand, scatter_indices, None, dimension_numbers, mode,
                    unique_indices, "apply", func=func, ushape=ushape)
