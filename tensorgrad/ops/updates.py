"""Functional index updates: ``t.at[index].set(v)``, ``.add``, ``.multiply``, ... as in JAX.

Tensors are immutable, so ``t[index] = v`` is refused; ``t.at[index]``
builds the updated array as a new value instead, and differentiates with
respect to both ``t`` and ``v``. Everything is composed from registered ops
(indexing, scatter-add, where, the arithmetic of each update), so every
transform, every derivative order and ``tg.jit`` follow.

Positions are found with NumPy's own indexing on ``arange(t.size)``, so any
index NumPy accepts works (slices, integer arrays, boolean masks, ``...``,
``None``) and an out-of-bounds index is NumPy's IndexError. An entry indexed
more than once takes every update in order, as NumPy's ``ufunc.at`` does:
``add`` sums them, ``multiply`` multiplies them, ``min``/``max`` keep the
extreme, ``apply`` applies the function once per occurrence, and ``set``
keeps the last value written (NumPy's ``t[index] = v`` order).

Under ``tg.jit`` an index is a constant of the plan, except integer scalars the plan
traces (``x.at[i].set(v)`` with ``i`` an argument, or a step of ``lax.scan``): those update
through a mask computed for each call, and an out-of-bounds one updates nothing (JAX's rule
for updates under jit).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..tensor import Tensor, concrete
from ..registry import function
from ..staging import Staged, call as staged_call, check as staged_check
from ._util import dtype_of, is_staged, shape_of, wide_index
from .elementwise import astype, divide, equal, maximum, minimum, multiply, power, stop_gradient, where
from .reductions import max as reduce_max, min as reduce_min
from .selection import _fill_default, take
from .shape import broadcast_to, concatenate, getitem, reshape, scatter_add

__all__: list = []

#: keywords of JAX's update methods that are hints tensorgrad does not need
_HINTS = ("indices_are_sorted", "unique_indices")
#: out-of-bounds modes: None and "promise_in_bounds" raise NumPy's IndexError; "clip" clamps
#: each index to its axis; "drop" (updates) and "fill" (get: fill_value; updates: as drop)
#: skip the entries it would read or write
_MODES = (None, "promise_in_bounds", "clip", "drop", "fill")


class _At:
    """``t.at``: index it (``t.at[index]``) to choose what to update."""

    __slots__ = ("x",)

    def __init__(self, x):
        self.x = x

    def __getitem__(self, index) -> "_Update":
        return _Update(self.x, index)

    def __repr__(self) -> str:
        return f"<.at of {self.x!r}>"


class _Update:
    """``t.at[index]``: the update methods, each returning a new value."""

    __slots__ = ("x", "index")

    def __init__(self, x, index):
        self.x = x
        self.index = index

    def get(self, *, fill_value=None, **kwargs):
        """``t[index]``; with ``mode="fill"`` an out-of-bounds entry reads ``fill_value``
        (default: NaN for floats, the most negative integer, the largest unsigned one, True),
        with ``mode="clip"`` the nearest entry."""
        mode = _hints("get", kwargs)
        if mode is None or mode == "promise_in_bounds":
            return getitem(self.x, self.index)
        rows = _traced_rows(self.index)
        if rows is not None:  # an integer array tg.jit traces, on the first axis: take's
            return _take_rows(self.x, rows, mode, fill_value, kwargs.get("wrap_negative_indices", True))
        traced = _traced_scalars(self.index)
        if traced is not None:  # integer scalars tg.jit traces: bounded in the plan
            return _get_traced(self.x, traced, mode, fill_value,
                               kwargs.get("wrap_negative_indices", True))
        x = self.x
        xs = shape_of(concrete(x))
        pos = _positions(x, self.index, "get", mode, kwargs.get("wrap_negative_indices", True))
        n = int(np.prod(xs))
        flat = reshape(x, (n,))
        inside = pos >= 0
        got = getitem(flat, np.where(inside, pos, 0))
        if inside.all():
            return got
        return where(inside, got, _filler(x, fill_value))

    def set(self, values, **kwargs):
        """``t`` with ``t[index] = values`` (the last write wins on repeated entries)."""
        return _apply(self, "set", values, None, kwargs)

    def add(self, values, **kwargs):
        """``t`` with ``values`` added at ``index`` (repeated entries accumulate)."""
        return _apply(self, "add", values, None, kwargs)

    def subtract(self, values, **kwargs):
        """``t`` with ``values`` subtracted at ``index`` (repeated entries accumulate)."""
        values = _as_update(values, self.x)
        return _apply(self, "add", -values if isinstance(values, Tensor) or is_staged(values)
                      else np.negative(values), None, kwargs, "subtract")

    def multiply(self, values, **kwargs):
        """``t`` with the entries at ``index`` multiplied by ``values``."""
        return _apply(self, "multiply", values, multiply, kwargs)

    mul = multiply

    def divide(self, values, **kwargs):
        """``t`` with the entries at ``index`` divided by ``values``."""
        return _apply(self, "divide", values, divide, kwargs)

    def power(self, values, **kwargs):
        """``t`` with the entries at ``index`` raised to ``values``."""
        return _apply(self, "power", values, power, kwargs)

    def min(self, values, **kwargs):
        """``t`` with the entries at ``index`` replaced by ``minimum(entry, values)``."""
        return _apply(self, "min", values, minimum, kwargs)

    def max(self, values, **kwargs):
        """``t`` with the entries at ``index`` replaced by ``maximum(entry, values)``."""
        return _apply(self, "max", values, maximum, kwargs)

    def apply(self, func: Callable, **kwargs):
        """``t`` with ``func`` (a one-input function of tensors) applied to the entries at ``index``."""
        if not callable(func):
            raise TypeError(f"at[...].apply: expected a function, got {type(func).__name__}")
        return _apply(self, "apply", None, lambda old, _: func(old), kwargs)

    def __repr__(self) -> str:
        return f"<.at[{self.index!r}] of {self.x!r}>"


def _as_update(values, x):
    """Boolean update values for a numeric array, as numbers of the array's dtype (JAX converts
    every update to the array's dtype): adding True twice adds 2, not True | True."""
    dt = dtype_of(concrete(x))
    if dt.kind != "b" and dtype_of(concrete(values)).kind == "b":
        return astype(values, dt)
    return values


def _hints(name: str, kwargs: dict):
    """Check the keywords of an update method; returns its ``mode``."""
    extra = sorted(set(kwargs) - set(_HINTS) - {"mode", "wrap_negative_indices"})
    if extra:
        raise TypeError(f"at[...].{name}: unexpected keyword(s) {extra}")
    mode = kwargs.get("mode")
    if mode not in _MODES:
        raise ValueError(f"at[...].{name}: mode must be one of {_MODES[1:]}, got {mode!r}")
    if not kwargs.get("wrap_negative_indices", True) and mode in (None, "promise_in_bounds"):
        raise ValueError(f"at[...].{name}: wrap_negative_indices=False needs mode 'clip', 'drop' "
                         "or 'fill' (what should a negative index do?)")
    return mode


def _positions(x, index, name: str, mode=None, wrap: bool = True) -> np.ndarray:
    """The flat positions ``x[index]`` reads, in NumPy's order (shape: the indexed shape).

    With ``mode`` "clip" an integer index is clamped to its axis; with "drop" or "fill" an
    out-of-bounds one gives position −1. ``wrap``: a negative index counts from the end
    (NumPy's rule; else it is out of bounds).
    """
    if isinstance(index, Tensor) or (isinstance(index, tuple) and any(isinstance(i, Tensor) for i in index)):
        index = tuple(np.asarray(concrete(i)) if isinstance(i, Tensor) else i for i in index) \
            if isinstance(index, tuple) else np.asarray(concrete(index))
    if is_staged(index) or (isinstance(index, tuple) and any(is_staged(i) for i in index)):
        raise NotImplementedError(
            f"at[...].{name}: under tg.jit the index must be a constant (a NumPy array or slice "
            "the function closes over), not an argument of the jitted function")
    xs = shape_of(concrete(x))
    size = int(np.prod(xs))
    table = np.arange(size).reshape(xs)
    if mode in ("clip", "drop", "fill"):
        table, index = _bounded(table, index, mode, wrap)
    try:
        return table[index]
    except IndexError as exc:
        raise IndexError(f"at[...].{name}: {exc} (array of shape {xs})") from None


def _bounded(table: np.ndarray, index, mode: str, wrap: bool):
    """``table`` and ``index`` such that ``table[index]`` follows ``mode`` for integer indices
    out of bounds: clamped ("clip"), or −1 ("drop", "fill": each indexed axis gets one more
    slot holding −1, where out-of-bounds indices point)."""
    index = list(index) if isinstance(index, tuple) else [index]
    index = [np.asarray(i) if isinstance(i, (list, tuple)) else i for i in index]
    used = sum(0 if i is None or i is Ellipsis or isinstance(i, (bool, np.bool_)) else
               (i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1) for i in index)
    if any(i is Ellipsis for i in index):
        k = next(k for k, i in enumerate(index) if i is Ellipsis)
        index[k:k + 1] = [slice(None)] * (table.ndim - used)
    axis = 0
    pad = [(0, 0)] * table.ndim
    for k, i in enumerate(index):
        if i is None or isinstance(i, (bool, np.bool_)):  # a new axis, not an integer index
            continue
        if isinstance(i, np.ndarray) and i.dtype == bool:
            axis += i.ndim
            continue
        if isinstance(i, (int, np.integer, np.ndarray)) and axis < table.ndim:
            n = table.shape[axis]
            i = wide_index(np.asarray(i))
            if wrap:
                i = np.where(i < 0, i + n, i)
            if mode == "clip":
                i = np.clip(i, 0, n - 1)
            else:
                i = np.where((i < 0) | (i >= n), n, i)
                pad[axis] = (0, 1)
            index[k] = i
        axis += 1
    if any(p != (0, 0) for p in pad):
        table = np.pad(table, pad, constant_values=-1)
    return table, tuple(index)


def _apply(ref: _Update, name: str, values, combine, kwargs, label: str | None = None):
    label = label or name
    mode = _hints(label, kwargs)
    if not (values is None or is_staged(values)  # (None: apply's)
            or isinstance(values, (Tensor, np.ndarray, np.generic, int, float, complex, list, tuple))):
        values = np.asarray(values)  # another array-like (a memoryview, a buffer): as NumPy reads it
    x = ref.x
    xs = shape_of(concrete(x))
    dt = dtype_of(concrete(x))
    if name == "divide" and dt.kind in "iub":  # true division of integers: floats (as JAX)
        dt = np.result_type(dt, dtype_of(concrete(values)), np.float64 if dt.kind != "b" else dt)
        dt = dt if dt.kind == "f" else np.dtype(np.float64)
        x = astype(x, dt)
    if _traced_arrays(ref.index):
        return _apply_traced_arrays(x, ref.index, name, values, label, mode,
                                    kwargs.get("wrap_negative_indices", True), dt)
    traced = _traced_scalars(ref.index)
    if traced is not None:
        return _apply_traced(x, traced, name, values, combine, label, mode,
                             kwargs.get("wrap_negative_indices", True), dt)
    pos = _positions(x, ref.index, label, mode, kwargs.get("wrap_negative_indices", True))
    if name != "apply":
        vs = shape_of(concrete(values))
        extra = len(vs) - pos.ndim
        if extra > 0 and all(d == 1 for d in vs[:extra]):  # NumPy's a[i] = v drops leading 1s
            values = reshape(values, vs[extra:])
            vs = vs[extra:]
        try:
            np.broadcast_shapes(vs, pos.shape)
        except ValueError:
            raise ValueError(f"at[...].{label}: values of shape {vs} cannot be broadcast to the "
                             f"indexed shape {pos.shape} (array of shape {xs})") from None
        if len(vs) > pos.ndim or np.broadcast_shapes(vs, pos.shape) != pos.shape:
            raise ValueError(f"at[...].{label}: values of shape {vs} cannot be broadcast to the "
                             f"indexed shape {pos.shape} (array of shape {xs})")
        if name == "set" and dtype_of(concrete(values)) != dt:
            values = astype(values, dt)  # as NumPy's assignment: the array keeps its dtype
        elif name == "add":
            values = _as_update(values, x)  # a scatter-add of booleans would OR the repeats
        flat = reshape(broadcast_to(values, pos.shape), (pos.size,))
    writes = pos.ravel()
    if mode in ("drop", "fill") and (writes < 0).any():  # out of bounds: not written
        keep = np.flatnonzero(writes >= 0)
        writes = writes[keep]
        if name != "apply":
            flat = getitem(flat, keep)
    n = int(np.prod(xs))
    if writes.size == 0:  # nothing indexed: the array itself (a NumPy array as a copy)
        if name != "apply" and type(flat) is Tensor and dtype_of(concrete(flat)) == dt:
            # values on a trace stay on it, with a zero gradient (as PyTorch's: v.grad is zeros,
            # and a constant updated by them has a graph), the array's values untouched
            return where(np.zeros((), np.bool_), reshape(reduce_max(flat, initial=0), ()), x)
        return x.copy() if isinstance(x, np.ndarray) else x
    if name == "add":  # one scatter-add: repeated entries accumulate, then the array's dtype
        out = x + reshape(scatter_add(flat, (writes,), (n,)), xs)
        return out if dtype_of(concrete(out)) == dt else astype(out, dt)
    if name in ("min", "max") and dt.kind in "fiub":
        return _extreme(x, flat if dtype_of(concrete(flat)) == dt else astype(flat, dt),
                        writes, n, xs, name)
    # writes grouped by entry, in the order NumPy makes them
    order = np.argsort(writes, kind="stable")
    ranked = writes[order]
    first = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    if name == "set":  # each entry keeps its last write (NumPy's t[index] = v)
        rounds = [np.sort(order[np.r_[first[1:], writes.size] - 1])]
    else:  # round r holds every entry's r-th write: distinct entries within a round
        rank = np.empty(writes.size, dtype=np.intp)
        rank[order] = np.arange(writes.size) - np.repeat(first, np.diff(np.r_[first, writes.size]))
        rounds = [np.flatnonzero(rank == r) for r in range(int(rank.max()) + 1)]
    out = x
    if name != "set" and dt.kind in "iub" and values is not None:
        # JAX combines an integer array with float updates in the promoted dtype and casts
        # once at the end (x.at[[0, 0]].multiply(1.75) is trunc(x·1.75·1.75), not per write)
        work = np.result_type(dt, dtype_of(concrete(values)))
        out = x if work == dt else astype(x, work)
        final, dt = dt, work
    else:
        final = dt
    for w in rounds:
        targets = writes[w]
        mask = np.zeros(n, dtype=bool)
        mask[targets] = True
        spread = np.zeros(n, dtype=np.intp)  # entry -> its place among this round's targets
        spread[targets] = np.arange(targets.size)
        if name == "set":
            new = getitem(flat, w)
        else:
            old = getitem(reshape(out, (n,)), targets)  # the function sees only indexed entries
            new = combine(old, None if values is None else getitem(flat, w))
            if dtype_of(concrete(new)) != dt:
                new = astype(new, dt)
        out = where(mask.reshape(xs), reshape(getitem(new, spread), xs), out)
    return out if final == dt else astype(out, final)


def _extreme(x, values, writes: np.ndarray, n: int, xs: tuple, name: str):
    """``min``/``max`` updates: each written entry becomes the extreme of its old value and
    every update written to it, in one reduction, so tied values share the gradient evenly
    (the rule of ``tg.max`` and of JAX's scatter_max; successive pairwise writes would halve
    the share at each write). Entries written k times are reduced together, k + 1 values a row."""
    reduce = reduce_max if name == "max" else reduce_min
    targets, slot, count = np.unique(writes, return_inverse=True, return_counts=True)
    order = np.argsort(slot, kind="stable")  # the writes grouped by entry, in write order
    start = np.r_[0, np.cumsum(count)[:-1]]
    xf = reshape(x, (n,))
    out = x
    for k in np.unique(count):
        group = np.flatnonzero(count == k)  # the entries written k times
        rows = targets[group]
        table = concatenate([reshape(getitem(xf, rows), (-1, 1)),
                             getitem(values, order[start[group][:, None] + np.arange(k)])], axis=1)
        mask = np.zeros(n, dtype=bool)
        mask[rows] = True
        spread = np.zeros(n, dtype=np.intp)  # entry -> its row in the table
        spread[rows] = np.arange(rows.size)
        out = where(mask.reshape(xs), reshape(getitem(reduce(table, axis=1), spread), xs), out)
    return out


def _traced_scalars(index):
    """The integer scalars of an index that ``tg.jit`` traces (one per leading axis), or None
    for an index with nothing traced in it."""
    items = index if isinstance(index, tuple) else (index,)
    items = tuple(concrete(i) if isinstance(i, Tensor) else i for i in items)
    if not any(is_staged(i) for i in items):
        return None
    for i in items:
        dt = np.dtype(dtype_of(i)) if is_staged(i) or isinstance(i, (np.ndarray, np.generic)) else None
        if not (isinstance(i, (int, np.integer)) and not isinstance(i, bool)) and \
                not (dt is not None and dt.kind in "iu" and np.shape(i) == ()):
            raise NotImplementedError(
                "at[...]: under tg.jit a traced index must be integer scalars, one per leading "
                f"axis (x.at[i].set(v), x.at[i, j].add(v)); got {index!r}. Index with a constant "
                "array or slice, or select with tg.where")
    return items


def _traced_rows(index):
    """The index when it is one integer array ``tg.jit`` traces (rows of the first axis:
    ``x.at[j].get(mode=...)``), else None."""
    i = index[0] if isinstance(index, tuple) and len(index) == 1 else index
    i = concrete(i) if isinstance(i, Tensor) else i
    if is_staged(i) and np.shape(i) != () and np.dtype(dtype_of(i)).kind in "iu":
        return i
    return None


def _take_rows(x, rows, mode: str, fill_value, wrap: bool):
    """``x.at[rows].get(mode=...)`` for a traced ``rows``, through ``take`` (whose fill mode
    reads a negative index from the end, as ``.at`` does by default)."""
    n = shape_of(concrete(x))[0]
    if mode == "clip" and wrap:  # (.at wraps a negative index first, then clips)
        rows = where(rows < 0, rows + n, rows)
    elif mode == "fill" and not wrap:  # a negative index is out of bounds
        rows = where(rows < 0, n, rows)
    return take(x, rows, axis=0, mode=mode, fill_value=fill_value)


def _traced_arrays(index) -> bool:
    """Whether ``tg.jit`` traces an integer index array (not a scalar) in ``index``."""
    items = index if isinstance(index, tuple) else (index,)
    return any(is_staged(i) and np.shape(i) != () for i in
               (concrete(i) if isinstance(i, Tensor) else i for i in items))


def _replayed_positions(xs: tuple, template: tuple, label: str, mode, wrap: bool, *arrays):
    """:func:`_positions` on the index rebuilt from ``template`` (``_SLOT`` where an array
    goes) and the arrays' values: NumPy at every replay of the plan."""
    it = iter(arrays)
    index = tuple(next(it) if t is _SLOT else t for t in template)
    return _positions(np.empty(xs, dtype=np.int8), index, label, mode, wrap)


_SLOT = object()  # where a traced array sits in an index template


def last_writes(pos: np.ndarray, ok: np.ndarray, order: np.ndarray, n: int):
    """Per entry of a flat array of ``n``: whether an update writes it, and which (the flat
    index into the updates of the last write in ``order``): the updates at ``pos`` where
    ``ok``, NumPy's ``t[index] = v`` (tg.at's ``set``) and XLA's scatter (``lax.scatter``)."""
    p, o, u = pos.ravel(), order.ravel(), np.arange(pos.size, dtype=np.intp)
    keep = ok.ravel()
    best = np.full(n, -1, dtype=np.int64)
    np.maximum.at(best, p[keep], o[keep])
    written = best >= 0
    by_order = np.empty(pos.size, dtype=np.intp)
    by_order[o] = u
    return written, np.where(written, by_order[np.maximum(best, 0)], 0).astype(np.intp)


def _extreme_values(x: np.ndarray, flat: np.ndarray, writes: np.ndarray, name: str):
    out = x.ravel().copy()
    kept = writes >= 0
    (np.maximum if name == "max" else np.minimum).at(out, writes[kept], flat[kept])
    return out


def _apply_traced_arrays(x, index, name, values, label, mode, wrap, dt):
    """An update at integer index arrays that ``tg.jit`` traces: the positions are computed in
    the plan from each call's indices, the updates land by one scatter (``add``), by the last
    write (``set``), or as extremes whose ties share the slope evenly (``min``, ``max``: the
    rule of the constant-index path). Out-of-bounds indices raise at every call unless a
    ``mode`` clips or drops them."""
    if name not in ("set", "add", "min", "max"):
        raise NotImplementedError(
            f"at[...].{label}: under tg.jit an index array that is an argument of the jitted "
            "function supports set, add, subtract, min and max; for this update index with a "
            "constant array, or use integer scalars")
    items = index if isinstance(index, tuple) else (index,)
    items = tuple(concrete(i) if isinstance(i, Tensor) else i for i in items)
    for i in items:
        if is_staged(i) and np.dtype(dtype_of(i)).kind not in "iu":
            raise NotImplementedError(f"at[...].{label}: under tg.jit a traced index array must "
                                      f"be of integers, got dtype {dtype_of(i)}")
    template = tuple(_SLOT if is_staged(i) else i for i in items)
    xs = tuple(shape_of(concrete(x)))
    pos = staged_call(_replayed_positions, xs, template, label, mode, wrap,
                      *[i for i in items if is_staged(i)])
    pshape = tuple(shape_of(pos))
    vs = shape_of(concrete(values))
    try:
        if np.broadcast_shapes(vs, pshape) != pshape:
            raise ValueError
    except ValueError:
        raise ValueError(f"at[...].{label}: values of shape {vs} cannot be broadcast to the "
                         f"indexed shape {pshape} (array of shape {xs})") from None
    if dtype_of(concrete(values)) != dt:
        values = astype(values, dt)
    n = int(np.prod(xs))
    flat = reshape(broadcast_to(values, pshape), (-1,))
    writes = np.reshape(pos, (-1,))
    keep = writes >= 0
    at_ = np.where(keep, writes, 0)
    xf = reshape(x, (n,))
    if name == "add":
        out = xf + scatter_add(where(keep, flat, np.zeros((), dt)), (at_,), (n,))
    elif name == "set":
        written, src = staged_call(last_writes, writes, keep, np.arange(writes.size), n)
        out = where(written, getitem(flat, (src,)), xf)
    else:
        value = staged_call(_extreme_values, concrete(x), concrete(flat), writes, name)
        out = value
        if isinstance(x, Tensor) or isinstance(values, Tensor):
            tie_x = equal(xf, value)
            tie_u = keep & equal(flat, getitem(value, (at_,)))
            count = astype(tie_x, dt) + scatter_add(astype(tie_u, dt), (at_,), (n,))
            count = where(count > 0, count, 1)

            def finite(v):  # (an infinite extreme has no slope; inf − inf would make it NaN)
                return where(np.isfinite(concrete(v)), v, 0.0)
            moved = where(tie_x, divide(finite(xf), count), 0.0) + scatter_add(
                where(tie_u, divide(finite(flat), getitem(count, (at_,))), 0.0), (at_,), (n,))
            out = value + (moved - stop_gradient(moved))  # the exact extreme, the ties' slopes
    out = reshape(out, xs)
    return out if dtype_of(concrete(out)) == dt else astype(out, dt)


def _apply_traced(x, idx, name, values, combine, label, mode, wrap, dt):
    """An update at integer scalars that ``tg.jit`` traces: a select between the array and
    the updated rows, with the mask computed in the plan for each call. An out-of-bounds
    index raises at every call, as eagerly; ``mode="clip"`` clamps it, "drop"/"fill" update
    nothing there (JAX's rule for updates)."""
    xs = tuple(shape_of(concrete(x)))
    if len(idx) > len(xs):
        raise IndexError(f"at[...].{label}: {len(idx)} indices for an array of shape {xs}")
    mask = None
    for a, i in enumerate(idx):
        n = xs[a]
        raw, i = i, _wrapped(i, n, wrap)
        if mode == "clip":
            i = np.clip(i, 0, n - 1)
        elif mode in (None, "promise_in_bounds"):  # out of bounds raises, as eagerly (at replay too)
            staged_check(_in_bounds, raw, i, n, a, label, xs)
        m = np.reshape(np.arange(n) == i, [n if b == a else 1 for b in range(len(xs))])
        mask = m if mask is None else mask & m
    if name != "apply":
        vs = shape_of(concrete(values))
        rows = xs[len(idx):]
        if len(vs) > len(rows) or np.broadcast_shapes(vs, rows) != rows:
            raise ValueError(f"at[...].{label}: values of shape {vs} cannot be broadcast to the "
                             f"indexed shape {rows} (array of shape {xs})")
        if dtype_of(concrete(values)) != dt and (name == "set" or dt.kind not in "iub"):
            values = astype(values, dt)  # (an integer array combines in the promoted dtype, as JAX)
        values = broadcast_to(values, xs)
    if name == "set":
        new = values
    elif name == "add":
        new = x + values
    else:
        new = combine(x, values)
    out = where(mask, new, x)
    return out if dtype_of(concrete(out)) == dt else astype(out, dt)


def _get_traced(x, idx, mode, fill_value, wrap):
    """``x.at[i, j].get(mode=...)`` at integer scalars that ``tg.jit`` traces: each index is
    clamped into its axis in the plan ("clip"), and with "fill" an out-of-bounds one reads
    ``fill_value`` instead (JAX's rules, as for constant indices)."""
    xs = tuple(shape_of(concrete(x)))
    if len(idx) > len(xs):
        raise IndexError(f"at[...].get: {len(idx)} indices for an array of shape {xs}")
    inside, clamped = True, []
    for a, i in enumerate(idx):
        n = xs[a]
        i = _wrapped(i, n, wrap)
        inside = inside & (i >= 0) & (i < n)
        clamped.append(np.clip(i, 0, n - 1))
    got = getitem(x, tuple(clamped))
    if mode == "clip":
        return got
    return where(inside, got, _filler(x, fill_value))


def _in_bounds(raw, i, n: int, axis: int, label: str, xs: tuple) -> None:
    """IndexError unless the (wrapped) traced index ``i`` lies in an axis of length ``n``."""
    if not 0 <= int(i) < n:
        raise IndexError(f"at[...].{label}: index {int(raw)} is out of bounds for axis {axis} "
                         f"with size {n} (array of shape {xs})")


def _wrapped(i, n: int, wrap: bool):
    """A traced integer index into an axis of length ``n``, widened (an int8 index + n must
    not overflow) and, with ``wrap``, counted from the end when negative."""
    i = wide_index(i)
    return np.where(i < 0, i + n, i) if wrap else i


def _filler(x, fill_value):
    """What an out-of-bounds read gives: ``fill_value`` in x's dtype (it may be traced), or
    JAX's default for that dtype."""
    if fill_value is None:
        return _fill_default(x, None)
    return astype(fill_value, dtype_of(concrete(x)))


@function
def at(x) -> _At:
    """``x.at`` for any array: ``tg.at(a)[index].set(v)`` works on NumPy arrays and Tensors
    alike (a Tensor's ``t.at`` is the same), returning the updated array as a new value."""
    return _At(x)


Tensor.at = Staged.at = property(
    _At, doc="Functional index updates (``t.at[index].set(v)``, ``.add``, ``.multiply``, "
             "``.divide``, ``.power``, ``.min``, ``.max``, ``.apply``, ``.get``), as in JAX.")
