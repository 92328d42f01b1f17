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
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..tensor import Tensor, concrete
from ..registry import function
from ..staging import Staged
from ._util import dtype_of, is_staged, shape_of
from .elementwise import astype, divide, maximum, minimum, multiply, power, where
from .shape import broadcast_to, getitem, reshape, scatter_add

__all__: list = []

#: keywords of JAX's update methods that are hints tensorgrad does not need
_HINTS = ("indices_are_sorted", "unique_indices")


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

    def get(self, **kwargs):
        """``t[index]``."""
        _hints("get", kwargs)
        return getitem(self.x, self.index)

    def set(self, values, **kwargs):
        """``t`` with ``t[index] = values`` (the last write wins on repeated entries)."""
        return _apply(self, "set", values, None, kwargs)

    def add(self, values, **kwargs):
        """``t`` with ``values`` added at ``index`` (repeated entries accumulate)."""
        return _apply(self, "add", values, None, kwargs)

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


def _hints(name: str, kwargs: dict) -> None:
    extra = sorted(set(kwargs) - set(_HINTS) - {"mode"})
    if extra:
        raise TypeError(f"at[...].{name}: unexpected keyword(s) {extra}")
    mode = kwargs.get("mode")
    if mode not in (None, "promise_in_bounds"):
        raise NotImplementedError(
            f"at[...].{name}(mode={mode!r}) is not supported: tensorgrad indexes as NumPy does, "
            "so an index out of bounds raises IndexError (clip or drop the indices first)")


def _positions(x, index, name: str) -> np.ndarray:
    """The flat positions ``x[index]`` reads, in NumPy's order (shape: the indexed shape)."""
    if isinstance(index, Tensor) or (isinstance(index, tuple) and any(isinstance(i, Tensor) for i in index)):
        index = tuple(np.asarray(concrete(i)) if isinstance(i, Tensor) else i for i in index) \
            if isinstance(index, tuple) else np.asarray(concrete(index))
    if is_staged(index) or (isinstance(index, tuple) and any(is_staged(i) for i in index)):
        raise NotImplementedError(
            f"at[...].{name}: under tg.jit the index must be a constant (a NumPy array or slice "
            "the function closes over), not an argument of the jitted function")
    xs = shape_of(concrete(x))
    size = int(np.prod(xs))
    try:
        return np.arange(size).reshape(xs)[index]
    except IndexError as exc:
        raise IndexError(f"at[...].{name}: {exc} (array of shape {xs})") from None


def _apply(ref: _Update, name: str, values, combine, kwargs):
    _hints(name, kwargs)
    x = ref.x
    xs = shape_of(concrete(x))
    dt = dtype_of(concrete(x))
    pos = _positions(x, ref.index, name)
    if name != "apply":
        vs = shape_of(concrete(values))
        try:
            np.broadcast_shapes(vs, pos.shape)
        except ValueError:
            raise ValueError(f"at[...].{name}: values of shape {vs} cannot be broadcast to the "
                             f"indexed shape {pos.shape} (array of shape {xs})") from None
        if len(vs) > pos.ndim or np.broadcast_shapes(vs, pos.shape) != pos.shape:
            raise ValueError(f"at[...].{name}: values of shape {vs} cannot be broadcast to the "
                             f"indexed shape {pos.shape} (array of shape {xs})")
        if dtype_of(concrete(values)) != dt:
            values = astype(values, dt)  # as NumPy's assignment: the array keeps its dtype
        flat = reshape(broadcast_to(values, pos.shape), (pos.size,))
    writes = pos.ravel()
    n = int(np.prod(xs))
    if writes.size == 0:  # nothing indexed: the array itself (a NumPy array as a copy)
        return x.copy() if isinstance(x, np.ndarray) else x
    if name == "add":  # one scatter-add: repeated entries accumulate
        return x + reshape(scatter_add(flat, (writes,), (n,)), xs)
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
    return out


@function
def at(x) -> _At:
    """``x.at`` for any array: ``tg.at(a)[index].set(v)`` works on NumPy arrays and Tensors
    alike (a Tensor's ``t.at`` is the same), returning the updated array as a new value."""
    return _At(x)


Tensor.at = Staged.at = property(
    _At, doc="Functional index updates (``t.at[index].set(v)``, ``.add``, ``.multiply``, "
             "``.divide``, ``.power``, ``.min``, ``.max``, ``.apply``, ``.get``), as in JAX.")
