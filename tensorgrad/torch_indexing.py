"""PyTorch's order of the axes of ``t[index]`` when an index mixes integers with arrays.

NumPy counts an integer as an advanced index, like an array. In ``a[0, :, [0, 1, 2]]`` the
two advanced indices are apart (a slice between them), so NumPy puts the axis they make
first: ``out[i, j] = a[0, j, idx[i]]``. PyTorch takes an integer's axis away first (a
``select``) and indexes what is left, where the list is the only advanced index and keeps its
place: ``out[j, i] = a[0, j, idx[i]]``, the transpose. A 0-d integer array or tensor counts as
an integer in PyTorch too. With the integers out of the way, both follow the same rule (the
advanced axes stay in place when the advanced indices are next to each other, else they go
first), so the two results differ only by where that block of axes sits.

On the tensors that follow PyTorch (see :mod:`tensorgrad.flavor`) ``t[index]`` and
``t[index] = v`` take PyTorch's order: the result of NumPy's indexing with the block moved to
PyTorch's place, and ``v`` given in PyTorch's layout moved to NumPy's before the write.
"""
from __future__ import annotations

import numpy as np

from .ops.shape import broadcast_to, moveaxis
from .tensor import Tensor, concrete, shape_of, torch_style

__all__ = ["torch_block"]


def _kind(i) -> str:
    """'i' an integer, 'a' an advanced index (an array, list or tensor; a scalar bool too, a 0-d
    mask, in NumPy and PyTorch alike), 'b' a basic one."""
    if i is None or i is Ellipsis or type(i) is slice:
        return "b"
    if isinstance(i, (bool, np.bool_)):
        return "a"
    if isinstance(i, (int, np.integer)):
        return "i"
    if isinstance(i, (list, tuple)):
        return "a"
    v = concrete(i) if type(i) is Tensor else i
    dt = getattr(v, "dtype", None)
    if dt is None:
        return "b"
    return "i" if np.ndim(v) == 0 and dt.kind in "iu" else "a"


def _used(i, k: str) -> int:
    """How many of the array's axes the index entry ``i`` (of kind ``k``) uses."""
    if k == "b":
        return 1 if type(i) is slice else 0
    if k == "a":
        v = np.asarray(i) if isinstance(i, (list, tuple, bool, np.bool_)) \
            else concrete(i) if type(i) is Tensor else i
        if v.dtype.kind == "b":  # a mask (also as nested lists) uses as many axes as it has
            return np.ndim(v)  # (a scalar bool none: it adds one, as None does)
    return 1


def _place(entries, ndim: int, torch: bool) -> int:
    """The number of result axes before the block of advanced axes (0 when the advanced
    indices are apart), for the index ``entries`` on ``ndim`` axes: NumPy's rule, where an
    Ellipsis keeps advanced indices apart even when it stands for no axis, or PyTorch's
    (``torch``), where such an Ellipsis separates nothing."""
    rest = ndim - sum(_used(i, k) for i, k in entries)  # (the axes an Ellipsis stands for)
    if torch and rest == 0:
        entries = [e for e in entries if e[0] is not Ellipsis]
    adv = [n for n, (_, k) in enumerate(entries) if k != "b"]
    if adv[-1] - adv[0] + 1 != len(adv):
        return 0
    before = 0
    for i, _ in entries[:adv[0]]:
        before += rest if i is Ellipsis else int(i is None or type(i) is slice)
    return before


def torch_block(index, ndim: int):
    """``(numpy_place, torch_place)`` of the block of advanced axes of ``t[index]`` on ``ndim``
    axes, or None when the two orders agree."""
    if type(index) is not tuple:
        return None
    entries = [(i, _kind(i)) for i in index]
    kinds = {k for _, k in entries}
    if "a" not in kinds or "i" not in kinds and not any(i is Ellipsis for i, _ in entries):
        return None
    ints = sum(k == "i" for _, k in entries)
    numpy_place = _place(entries, ndim, False)
    torch_place = _place([e for e in entries if e[1] != "i"], ndim - ints, True)
    return None if numpy_place == torch_place else (numpy_place, torch_place)


def _block_size(index, ndim: int, out_ndim: int) -> int:
    """The number of advanced axes in a result of ``out_ndim`` axes."""
    entries = [(i, _kind(i)) for i in index]
    rest = ndim - sum(_used(i, k) for i, k in entries)  # (an Ellipsis's axes, or the last ones)
    return out_ndim - rest - sum(int(i is None or type(i) is slice) for i, _ in entries)


def _moved(x, frm: int, to: int, k: int):
    return moveaxis(x, list(range(frm, frm + k)), list(range(to, to + k)))


_plain_getitem = Tensor.__getitem__
_plain_setitem = Tensor.__setitem__


def _getitem(self, index):
    part = _plain_getitem(self, index)
    if type(index) is tuple and torch_style(self):
        ndim = len(shape_of(concrete(self)))
        places = torch_block(index, ndim)
        if places is not None:
            k = _block_size(index, ndim, len(shape_of(concrete(part))))
            part = _moved(part, places[0], places[1], k)
    return part


def _setitem(self, index, value) -> None:
    if type(index) is tuple and torch_style(self):
        shape = shape_of(concrete(self))
        places = torch_block(index, len(shape))
        if places is not None:
            # v in PyTorch's layout, broadcast to that shape, then moved to NumPy's
            plain = tuple(concrete(i) if type(i) is Tensor else i for i in index)
            numpy_shape = np.broadcast_to(np.zeros((), np.bool_), shape)[plain].shape
            k = _block_size(index, len(shape), len(numpy_shape))
            n, t = places
            torch_shape = [d for j, d in enumerate(numpy_shape) if not n <= j < n + k]
            torch_shape[t:t] = numpy_shape[n:n + k]
            value = _moved(broadcast_to(value, tuple(torch_shape)), t, n, k)
    _plain_setitem(self, index, value)


Tensor.__getitem__ = _getitem
Tensor.__setitem__ = _setitem
