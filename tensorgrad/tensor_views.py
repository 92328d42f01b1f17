"""PyTorch's views for in-place writes: ``w[0].zero_()`` writes into ``w``.

In PyTorch, basic indexing (integers, slices, ``...``, ``None``) gives a view that shares
the tensor's storage, so an in-place update of the part updates the whole:
``with torch.no_grad(): emb.weight[pad].zero_()``. A tensorgrad Tensor's value is never
changed in place, so the part is a tensor of its own; without more, the update would reach
only it and the whole would silently keep its old values. So a part taken by basic
indexing from a tensor of the imperative tape (or a constant tensor) is noted with its
whole and index, and an in-place update of the part (``t += v``, ``t[...] = v``, the
trailing-underscore methods) is written on into the whole by item assignment
(``whole[index] = part``), with item assignment's rules (a leaf that requires grad takes it
only inside ``tg.no_grad()``, as PyTorch refuses an in-place update of a view of such a leaf
while recording), and so on up for a part of a part (``w[0][1:].zero_()``): a part holds its
whole alive, as a PyTorch view holds its base. If the whole's values at the part's place
changed since the part was taken (through another name), the part no longer shows them (a
PyTorch view would), and the update raises rather than write old values back; a change
elsewhere in the whole (a sibling part's update) is fine. Integer-array and boolean indexing
give copies, in PyTorch too: not noted.
"""
from __future__ import annotations

import functools
import threading
import weakref

import numpy as np

from .recording import IMPERATIVE
from .tensor import Tensor, concrete

__all__ = ["note_view", "write_through", "is_view", "basic_index"]

# id(part) -> (weakref to the part, the whole, index, the part's value when taken)
_VIEWS: dict = {}
_LOCK = threading.RLock()  # (re-entrant: a garbage collection inside may run _forget)


def _basic_one(i) -> bool:
    if isinstance(i, Tensor):  # (a 0-d integer tensor, t[t.argmax()], is an int here)
        return i.ndim == 0 and np.dtype(i.dtype).kind in "iu"
    return i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) \
        and not isinstance(i, (bool, np.bool_))


def basic_index(index) -> bool:
    """Whether ``index`` is basic indexing (ints, slices, ``...``, ``None``): a view's, in
    NumPy and PyTorch."""
    return all(_basic_one(i) for i in (index if isinstance(index, tuple) else (index,)))


def _forget(key: int, ref) -> None:
    with _LOCK:
        if _VIEWS.get(key, (None,))[0] is ref:
            del _VIEWS[key]


def note_view(whole, index, part) -> None:
    """Note ``part = whole[index]`` when it is a view in PyTorch's sense."""
    if type(part) is not Tensor or part is whole:
        return
    if type(index) is not int and not basic_index(index):
        return
    if whole._trace is not IMPERATIVE and whole._trace is not None:
        return  # (a value a transform traces is immutable: nothing is written anywhere)
    key = id(part)  # (one dict store: atomic, no lock needed)
    _VIEWS[key] = (weakref.ref(part, functools.partial(_forget, key)), whole, index, part._value)


def is_view(t) -> bool:
    """Whether ``t`` is a part noted by :func:`note_view` (its updates reach a whole)."""
    with _LOCK:
        entry = _VIEWS.get(id(t))
    return entry is not None and entry[0]() is t


def write_through(part, setitem) -> None:
    """After an in-place update of ``part``: write it into the whole it was taken from (by
    ``setitem(whole, index, part)``), and so on up."""
    with _LOCK:
        entry = _VIEWS.get(id(part))
    if entry is None or entry[0]() is not part:
        return
    whole, index, then = entry[1], entry[2], entry[3]
    plain = tuple(int(concrete(i)) if isinstance(i, Tensor) else i
                  for i in (index if isinstance(index, tuple) else (index,)))
    now = np.asarray(concrete(whole))[plain]
    if now is not then and not np.array_equal(now, concrete(then), equal_nan=True):
        raise RuntimeError(
            f"an in-place update of t[{index!r}], a part of a tensor of shape {whole.shape} "
            "taken before the tensor's values there changed: the part no longer shows them, "
            "so the update would write old values back; index the tensor afresh (t[i].zero_())")
    setitem(whole, index, part)
    with _LOCK:  # (in step again: later updates of the part write on too)
        if _VIEWS.get(id(part), (None,))[0] is entry[0]:
            _VIEWS[id(part)] = (entry[0], whole, index, part._value)


_plain_getitem = Tensor.__getitem__


def _getitem(self, index):
    part = _plain_getitem(self, index)
    trace = self._trace
    if trace is None or trace is IMPERATIVE:
        note_view(self, index, part)
    return part


Tensor.__getitem__ = _getitem
