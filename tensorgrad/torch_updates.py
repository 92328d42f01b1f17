"""PyTorch's ``t += v`` (and ``-=``, ``*=``, ...) on the tensors that follow PyTorch (see
:mod:`tensorgrad.flavor`) and are not on the imperative tape, whose own rule is
:func:`tensorgrad.imperative._in_place`.

* a constant of PyTorch's API (``tg.tensor(a)``): in place, so other names bound to it and its
  views see the update; so does a constant part of an imperative tensor taken under
  ``tg.no_grad()`` (it writes on into that tensor);
* a value a transform traces for PyTorch (``tensorgrad.func.grad(f)(t)``): the tensor object
  takes the new value and its place on the trace, so every name bound to it sees the update,
  as under ``torch.func`` (``t[i] = v`` too); a part or view of one refuses (it cannot write
  into its base); a constant tensor of PyTorch's API without parts or views (a buffer the
  function made, ``x.new_zeros(4)``) written such a value becomes it;
* under ``tg.jit``, a tensor updated in place makes the function run as written (the caller's
  tensor, and every view, take the update, as eagerly).

A JAX value (a ``tensorgrad.numpy`` array, or a value traced from NumPy arrays) is immutable:
the name is rebound, as in JAX.
"""
from __future__ import annotations

import threading

import numpy as np

from .recording import IMPERATIVE
from .staging import ClosedOver, is_staged
from .tensor import Tensor, concrete, torch_style, traced_level
from .tensor_views import has_parts, is_view, operator_writes_through, traced_part, traced_whole

__all__ = ["adopt", "operator_update", "staged_update", "traced_setitem", "traced_update",
           "unmapped_value", "MAPPING"]


class _UpdatesArgument(ClosedOver):
    """Raised while tg.jit traces a function that updates a tensor argument in place: it runs
    as written at every call (the caller's tensor takes the update)."""

    every_call = True


def operator_update(self: Tensor, new_of, what: str, check, setitem):
    """``self <op>= v`` for a tensor off the imperative tape: ``self`` updated as described in
    the module's text, or NotImplemented (Python rebinds the name). ``new_of()`` computes
    ``self <op> v``; ``check(new)`` refuses a result of another dtype kind; ``setitem`` writes
    a constant's new value (through its views)."""
    tr = self._trace
    traced = _traced_for_torch(self, what)
    if not (traced or (tr is None and torch_style(self))
            or (is_view(self) and operator_writes_through(self))):
        return NotImplemented
    new = new_of()
    check(new)
    shape = tuple(np.shape(concrete(new)))
    if shape != tuple(self.shape):
        raise ValueError(f"{what}: the result has shape {shape}, but an in-place update must "
                         f"keep t's shape {tuple(self.shape)}")
    if traced:
        return self if traced_update(self, new, what) else new
    if traced_level(new) > 0:
        if adopt(self, new, what):  # (a buffer the function made: torch.func's)
            return self
        raise TypeError(f"{what}: the new value is traced by a transform, so the constant tensor "
                        "t cannot hold it (other names bound to t would keep its old value); "
                        "write t = t + v for a new (traced) value")
    if not staged_update(self, new):
        setitem(self, Ellipsis, new)
    return self


def _traced_for_torch(self: Tensor, what: str) -> bool:
    """Whether ``self`` is a value a live transform traces for PyTorch's API; a part or view of
    one raises (an update could not reach its base)."""
    if traced_part(self) or traced_whole(self):
        raise TypeError(
            f"{what}: t is a part or view of a value that a transform traces for PyTorch's API "
            "(tensorgrad.func, or a transform given a tensor), or such a value with parts or "
            "views taken from it (t.detach() too: PyTorch's shares its memory); traced values "
            "are immutable, so an in-place update could not reach the other. Build the new "
            "value instead: h = h.index_put(...), h.at[index].add(v) or tg.where(...)")
    tr = self._trace
    return tr is not None and tr is not IMPERATIVE and tr.level >= 0 and getattr(tr, "torch", False)


def traced_update(self, new, what: str) -> bool:
    """``self``, a value traced for PyTorch's API, takes ``new`` (its value and its place on
    the same trace) so every name bound to it sees the update (True); False for any other
    tensor or a ``new`` of another trace."""
    if type(self) is not Tensor or not _traced_for_torch(self, what):
        return False
    if type(new) is not Tensor or new._trace is not self._trace:
        return False
    _take(self, new)
    return True


def _take(self: Tensor, new: Tensor) -> None:
    """``self`` becomes the traced value ``new`` (its value, trace, node and tangent) in its
    own dtype: an in-place update keeps it, as PyTorch's (a float32 buffer takes float64
    values rounded)."""
    if new.dtype != self.dtype:
        new = new.astype(self.dtype)
    self._value, self._trace, self._node, self._tangent = new._value, new._trace, new._node, new._tangent


def traced_setitem(self: Tensor, idx, value) -> bool:
    """``t[idx] = v`` for a value a transform traces for PyTorch's API (``torch.func``'s): the
    tensor takes ``t.at[idx].set(v)`` as its value on the trace (True). False for any other
    traced value, which stays immutable (as JAX's)."""
    what = "t[index] = v"
    if type(self) is not Tensor or not _traced_for_torch(self, what):
        return False
    if traced_update(self, self.at[idx].set(value), what):
        return True
    raise TypeError(f"{what}: v is traced by a transform inside the one that traces t (it depends "
                    "on that transform's input), so t cannot hold it: t would outlive the inner "
                    "transform. Build a new value instead: t2 = t.at[index].set(v)")


def adopt(self: Tensor, new, what: str = "t[index] = v") -> bool:
    """A constant tensor of PyTorch's API with no part or view taken, made after the transform
    began (a buffer the function made, ``y = x.new_zeros(4)``), written a value the transform
    traces for PyTorch's API: it becomes that traced value (True), as torch.func's tensors
    take one. False otherwise (the caller refuses the write): a tensor from outside the
    transform, as torch.func refuses to mutate a captured tensor, would outlive it holding
    the traced value."""
    trace = getattr(new, "_trace", None)
    if type(self) is not Tensor or self._trace is not None or type(self._value) is Tensor \
            or type(new) is not Tensor or trace is None or trace is IMPERATIVE or trace.level < 0 \
            or not getattr(trace, "torch", False) or not torch_style(self) or is_view(self) \
            or has_parts(self) or traced_part(self):
        return False
    if not getattr(self, "_torch", 0) > trace.level:
        raise TypeError(f"{what}: t is a tensor from outside the transform (captured), and the "
                        "new value is traced by it: t would outlive the transform holding a "
                        "traced value (torch.func refuses to mutate a captured tensor too). Make "
                        "the tensor inside the function (t2 = t.clone()) and update that")
    _take(self, new)
    return True


class _Mapping(threading.local):
    since: list  # (this thread's running tensorgrad.func.vmap calls: (stamp at the start, the
    # ids of the call's argument tensors, which vmap itself takes care of))

    def __init__(self):
        self.since = []


#: tensorgrad.func.vmap's calls running in this thread (see :func:`unmapped_value`)
MAPPING = _Mapping()


def unmapped_value(t: Tensor):
    """The value of ``t``, a constant tensor about to be written in place, after refusing a
    tensor of PyTorch's API from outside a ``tensorgrad.func.vmap`` function that is running:
    the function runs once per slice here, so the update would be made once per slice (every
    row of a returned ``t`` the last slice's), where torch.func.vmap refuses it."""
    since = MAPPING.since
    if since and torch_style(t) and not getattr(t, "_torch", 0) > since[-1][0] \
            and id(t) not in since[-1][1]:
        raise RuntimeError(
            f"vmap: the function updated in place a tensor of shape {tuple(t.shape)} from outside "
            "it (captured); here the function runs once per slice, so the update would be made "
            "once per slice (torch.func.vmap, which runs the function once, makes an update by "
            "an unmapped value once and refuses a mapped one). Update a copy made inside the "
            "function (b = t.clone())")
    return t._value


def staged_update(self: Tensor, new) -> bool:
    """False when no ``tg.jit`` trace is involved (the caller writes the value); under one, an
    in-place update of a constant tensor makes the function run as written (a plan would have
    to write into the caller's tensor, a closed-over one, or the tensors a view shares
    entries with), so the tensors take the update as they do eagerly."""
    if not is_staged(concrete(new)) and not is_staged(self._value):
        return False
    raise _UpdatesArgument("jit: the function updates a tensor in place (an argument, a "
                           "closed-over tensor, or one it made), so it runs as written")
