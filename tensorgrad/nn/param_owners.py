"""Which Module a parameter array came from, so that PyTorch's optimizer call works on a
model as it is: ``tg.optim.SGD(model.parameters(), lr=0.1)``.

A Module's parameters are NumPy arrays until ``model.requires_grad_()`` makes them tensors
that require grad, and PyTorch's form of an optimizer updates tensors. PyTorch's code makes
its optimizer without that call, so :meth:`Module.named_parameters` notes the Module each
array it lists came from, and the optimizer, given such an array, runs that Module's
``requires_grad_()`` (once; a Module frozen with ``requires_grad_(False)`` gets tensors that
do not require grad, which the optimizer keeps and skips, as PyTorch's) and holds the tensor
that took the array's place. An array no Module listed, or one its Module no longer holds,
is refused as before.
"""
from __future__ import annotations

import threading
import weakref

import numpy as np

from ..tensor import Tensor
from ..tree import tree_flatten

__all__ = ["note_owner", "tensor_for"]

# id(array) -> (weak reference to the array, weak reference to its Module, or to the tensor
# that replaced it)
_OWNERS: dict = {}
_LOCK = threading.Lock()


def _forget(key: int, ref) -> None:
    with _LOCK:
        if _OWNERS.get(key, (None,))[0] is ref:
            del _OWNERS[key]


def _note(array: np.ndarray, target) -> None:
    key = id(array)
    ref = weakref.ref(array, lambda r, key=key: _forget(key, r))
    with _LOCK:
        _OWNERS[key] = (ref, weakref.ref(target))


def note_owner(module, arrays) -> None:
    """Note ``module`` as the owner of each NumPy array among ``arrays`` (its parameters)."""
    for a in arrays:
        if type(a) is np.ndarray:
            _note(a, module)


def _convert(module) -> None:
    """``module.requires_grad_()`` (kept frozen if it was), each replaced array noted with
    the tensor in its place."""
    before = tree_flatten(module._have())[0]
    frozen = bool(module.__dict__.get("_frozen"))
    module.requires_grad_()
    if frozen:
        module.requires_grad_(False)
    after = tree_flatten(module.params)[0]
    for old, new in zip(before, after):
        if type(old) is np.ndarray and isinstance(new, Tensor):
            _note(old, new)


def tensor_for(array):
    """The tensor that holds ``array``'s place in the Module whose parameter it was (that
    Module's parameters made tensors now if they were not), or None."""
    with _LOCK:
        entry = _OWNERS.get(id(array))
    if entry is None or entry[0]() is not array:
        return None
    target = entry[1]()
    if isinstance(target, Tensor) or target is None:
        return target
    if not any(v is array for v in tree_flatten(target._have())[0]):
        return None  # (no longer the Module's: its parameters were replaced since)
    _convert(target)
    with _LOCK:
        entry = _OWNERS.get(id(array))
    found = entry[1]() if entry is not None and entry[0]() is array else None
    return found if isinstance(found, Tensor) else None
