"""Which Module a parameter array came from, so that PyTorch's optimizer call works on a
model as it is: ``tg.optim.SGD(model.parameters(), lr=0.1)``.

A Module's parameters are NumPy arrays until ``model.requires_grad_()`` makes them tensors
that require grad, and PyTorch's form of an optimizer updates tensors. PyTorch's code makes
its optimizer without that call, so :meth:`Module.named_parameters` notes the Module each
array it lists came from, and the optimizer, given such an array, makes that Module's
parameter arrays tensors that require grad, as ``requires_grad_()`` does (once; those of a
frozen Module or layer do not require grad, and the optimizer keeps and skips them, as
PyTorch's), and holds the tensor that took the array's place. ``p.requires_grad = False``
on a listed array (a ``ParamArray``) does the same and clears the flag of its tensor. An array no Module listed, or one its Module no longer holds,
is refused as before.
"""
from __future__ import annotations

import threading
import weakref

import numpy as np

from ..hooks import PARAM_FLAG, is_param_view
from ..imperative import tensor
from ..tensor import Tensor
from ..tree import register_pytree_node, tree_flatten, tree_unflatten
from .module_owner import MISSING as _MISSING

__all__ = ["NamedArrays", "ParameterList", "listed", "tensor_for", "frozen_changed", "convert_parameters", "CONVERTING"]


def _advance(seq) -> int:
    """The position ``next(seq)`` reads (a cursor kept on ``seq``, as a generator's), moved on
    by one; StopIteration at the end."""
    at = getattr(seq, "_at", 0)
    if at >= len(seq):
        raise StopIteration
    seq._at = at + 1
    return at


class NamedArrays(dict):
    """``{name: array}`` that iterates as PyTorch's ``named_parameters()`` does: ``for name,
    p in model.named_parameters()``. Looking up a name, ``keys()``, ``values()``,
    ``items()``, ``len`` and ``dict(...)`` are a dict's; ``next()`` gives the pairs in turn,
    as from PyTorch's generator."""

    __slots__ = ("_at",)

    def __iter__(self):
        return iter(self.items())

    def __next__(self):
        return list(self.items())[_advance(self)]


class ParameterList(list):
    """What ``Module.parameters()`` returns: a list (and a pytree, as a list is), which
    ``next()`` also reads from the front, as PyTorch's generator:
    ``next(model.parameters()).dtype``. It keeps its Module alive (``_module``), as PyTorch's
    parameters live on without their Module: ``SGD(tg.nn.Linear(2, 1).parameters())``."""

    __slots__ = ("_at", "_module")

    def __next__(self):
        return self[_advance(self)]

    def __iter__(self):  # (after next(), a loop goes on from there, as over a generator)
        at = getattr(self, "_at", 0)
        if not at:
            return super().__iter__()
        self._at = len(self)
        return iter(list.__getitem__(self, slice(at, None)))


# (flattened whole, also after next() moved a loop's start on)
register_pytree_node(ParameterList, lambda ps: (ps[:], None), lambda _, kids: list(kids))

# id(array) -> (weak reference to the array, weak reference to its Module, or to the tensor
# that replaced it). Re-entrant: a garbage collection inside it may run _forget.
_OWNERS: dict = {}
_LOCK = threading.RLock()


#: entries _forget could not remove at once (another thread held _LOCK), removed by _note
_PENDING: list = []


def _forget(key: int, ref) -> None:
    # (a weak-reference callback, which may run inside guards' critical section: it never
    # waits for _LOCK, so a thread holding _LOCK that waits for that section cannot deadlock)
    if not _LOCK.acquire(blocking=False):
        _PENDING.append((key, ref))
        return
    try:
        if _OWNERS.get(key, (None,))[0] is ref:
            del _OWNERS[key]
    finally:
        _LOCK.release()


def _note(array: np.ndarray, target) -> None:
    key = id(array)
    ref = weakref.ref(array, lambda r, key=key: _forget(key, r))
    with _LOCK:
        while _PENDING:  # (each removal checks it is still the same array's entry)
            k, r = _PENDING.pop()
            if _OWNERS.get(k, (None,))[0] is r:
                del _OWNERS[k]
        _OWNERS[key] = (ref, weakref.ref(target))


def note_owner(module, arrays) -> None:
    """Note ``module`` as the owner of each NumPy array (or tensor) among ``arrays`` (its
    parameters)."""
    for a in arrays:
        if type(a) is np.ndarray or type(a) is Tensor:
            _note(a, module)


def param_key(x) -> tuple | None:
    """``(module, key)`` when ``x`` is (a whole view of) the parameter ``key`` of ``module``
    as it was last handed out (an attribute, ``parameters()`` of it or of a model holding it,
    whose pytree holds the Module's own parameter dict), else None."""
    if type(x) is not np.ndarray and type(x) is not Tensor:
        base = getattr(x, "base", None)
        if not isinstance(base, np.ndarray) or x.shape != base.shape or x.strides != base.strides \
                or x.__array_interface__["data"] != base.__array_interface__["data"]:
            return None  # (not the whole parameter as it is stored: a slice, or linear.W.T)
        x = base  # (a whole view: a ParamArray, a state_dict's entry)
    owner = _owner(x)
    for _, module in owner.named_modules() if hasattr(owner, "named_modules") else ():
        params = getattr(module, "params", None)
        if isinstance(params, dict):
            found = next(((module, k) for k, v in params.items() if v is x), None)
            if found is not None:
                return found
    return None


def listed(module):
    """``module``'s parameters in use, for ``parameters()`` to hand out: made now if they
    were not (and then kept as the Module's own, as an attribute's first read keeps them, so
    a write through a listed array is not lost when a model holding the Module makes its
    parameters), each array noted with the Module."""
    made = module.params is None
    params = module._have()
    if made:
        module.__dict__["_lazy"] = False
    note_owner(module, tree_flatten(params)[0])
    return params


def _root(module):
    """The outermost Module whose parameter pytree holds ``module``'s entry (``module``
    itself when no model holds it)."""
    while True:
        link = module.__dict__.get("_owner")
        if link is None or link.entry(module) is _MISSING:
            return module
        module = link.module


def convert_parameters(module) -> None:
    """Make the parameter arrays of ``module`` and of the model holding it tensors (requiring
    grad unless frozen: PyTorch's parameters, which all require grad from the start, as
    ``model.requires_grad_()`` makes them; tensors already there keep their flags), each
    replaced array noted with the tensor in its place. One thread at a time: a second one
    (two threads making a model's first call at once) finds the tensors made and keeps them."""
    with CONVERTING:
        module = _root(module)
        before, td = tree_flatten(module._have())
        frozen = module._frozen_leaf_ids(include_self=True)
        made: dict = {}  # (one Parameter under two names, self.q = self.p: one tensor, as PyTorch's)
        after = [made.setdefault(id(v), tensor(v, requires_grad=id(v) not in frozen))
                 if type(v) is np.ndarray else v for v in before]
        replaced = [(old, new) for old, new in zip(before, after) if new is not old]
        if replaced:
            module.params = tree_unflatten(td, after)
        for old, new in replaced:
            _note(old, new)


CONVERTING = threading.RLock()


def _target(array):
    """What ``array`` (a parameter array, or a view of one) was noted with: its Module, the
    tensor that replaced it, or None."""
    if type(array) is not np.ndarray and isinstance(getattr(array, "base", None), np.ndarray):
        array = array.base
    with _LOCK:
        entry = _OWNERS.get(id(array))
    return entry[1]() if entry is not None and entry[0]() is array else None


def _replaced(array):
    target = _target(array)
    return target if isinstance(target, Tensor) else None


def _owner(array):
    target = _target(array)
    return None if isinstance(target, Tensor) else target


def tensor_for(array):
    """The tensor that holds ``array``'s place in the Module whose parameter it was (that
    Module's parameters made tensors now if they were not), or None (also for a slice or a
    copy of a parameter)."""
    if type(array) is not np.ndarray:
        if not getattr(array, "whole", False) or not isinstance(array.base, np.ndarray):
            return None
        array = array.base  # (a ParamArray view)
    target = _target(array)
    if isinstance(target, Tensor) or target is None:
        return target
    if not any(v is array for v in tree_flatten(target._have())[0]):
        return None  # (no longer the Module's: its parameters were replaced since)
    convert_parameters(target)
    return _replaced(array)


def _requires_grad(view) -> bool:
    """A parameter array's ``requires_grad`` (``ParamArray``): its tensor's once it was
    replaced by one, else True unless its Module (or a layer holding it) is frozen; False
    for a slice or a copy."""
    if not view.whole:
        return False
    t = _replaced(view.base)
    if t is not None:
        return t.requires_grad
    module = _owner(view.base)
    return module is None or id(view.base) not in _frozen_ids(module)


def _set_requires_grad(view, flag: bool) -> Tensor:
    if not view.whole:
        raise RuntimeError("requires_grad: a slice or a copy of a parameter is not a parameter "
                           "(only a leaf's flag can be changed, as in PyTorch)")
    t = tensor_for(view.base)
    if t is None:
        raise RuntimeError("requires_grad_: this array is no longer a parameter of the Module "
                           "that listed it (its parameters were replaced since)")
    t.requires_grad_(bool(flag))
    return t


# the frozen parameters' ids of a Module, kept until a Module's requires_grad_() runs again
_FROZEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_EPOCH = [0]


def frozen_changed() -> None:
    """A Module's ``requires_grad_()`` ran: the frozen sets kept are out of date."""
    _EPOCH[0] += 1


def _frozen_ids(module) -> set:
    """``module._frozen_leaf_ids(include_self=True)``, kept while no ``requires_grad_()`` ran
    and the Module holds the same parameter pytree (a layer added or replaced gives a new one)."""
    params = module.params
    with _LOCK:
        hit = _FROZEN.get(module)
    if hit is not None and hit[0] == _EPOCH[0] and hit[1] is params:
        return hit[2]
    epoch = _EPOCH[0]
    ids = module._frozen_leaf_ids(include_self=True)
    with _LOCK:
        _FROZEN[module] = (epoch, params, ids)
    return ids


def _grad(view):
    """A ``ParamArray``'s ``grad``: the gradient of the tensor in its place, or None."""
    t = _replaced(view.base) if view.whole else None
    return None if t is None else t.grad


def _set_grad(view, value) -> None:
    """``p.grad = value`` on a ``ParamArray``: the gradient of the tensor in its place
    (PyTorch's ``p.grad = None`` between steps); before there is one, only None (a no-op)."""
    t = _replaced(view.base) if view.whole else None
    if t is not None:
        t.grad = value
    elif value is not None:
        raise RuntimeError("p.grad = ...: this parameter is still a NumPy array, with no gradient "
                           "to set (a Module's parameters become tensors at its first call on a "
                           "tensor, when an optimizer is made on them, or at "
                           "model.requires_grad_()); only p.grad = None is accepted here")


def _check_current(view, what: str) -> None:
    """Refuse a write to a parameter array a tensor replaced: the Module no longer reads it."""
    if _replaced(view.base) is not None:
        raise RuntimeError(
            f"{what} on a parameter array that is no longer the parameter: its Module's "
            "parameters became tensors that require grad (an optimizer was made on them, "
            "requires_grad was set, or the Module was first called on a tensor) after this "
            "array was listed, so a write would be lost and its values are old ones; list them "
            "again (model.parameters(), or the attribute) and use the tensors (writes under "
            "tg.no_grad()); its .grad is the tensor's")


def _check_reads(values) -> None:
    """Refuse to compute with (or write into) a parameter array a tensor replaced, among
    ``values`` (one level into lists and tuples): its values are the old ones."""
    for v in values:
        for x in (v if isinstance(v, (list, tuple)) else (v,)):
            if is_param_view(x) and _replaced(x.base) is not None:
                _check_current(x, "a computation")


PARAM_FLAG[:] = [_requires_grad, _set_requires_grad, _grad, _check_current, _check_reads, _set_grad]
