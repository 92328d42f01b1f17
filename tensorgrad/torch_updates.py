"""PyTorch's ``t += v`` (and ``-=``, ``*=``, ...) on the tensors that follow PyTorch (see
:mod:`tensorgrad.flavor`) and are not on the imperative tape, whose own rule is
:func:`tensorgrad.imperative._in_place`.

* a constant of PyTorch's API (``tg.tensor(a)``): in place, so other names bound to it and its
  views see the update; so does a constant part of an imperative tensor taken under
  ``tg.no_grad()`` (it writes on into that tensor);
* a value a transform traces for PyTorch (``tensorgrad.func.grad(f)(t)``): the tensor object
  takes the new value and its place on the trace, so every name bound to it sees the update,
  as under ``torch.func``; a part or view of one refuses (it cannot write into its base);
* under ``tg.jit``, an argument updated in place makes the function run as written (the
  caller's tensor takes the update, as eagerly); a value made inside takes it as a constant does.

A JAX value (a ``tensorgrad.numpy`` array, or a value traced from NumPy arrays) is immutable:
the name is rebound, as in JAX.
"""
from __future__ import annotations

import numpy as np

from .recording import IMPERATIVE
from .staging import ClosedOver, is_staged
from .tensor import Tensor, concrete, traced_level
from .tensor_views import is_view, operator_writes_through, traced_part

__all__ = ["operator_update", "staged_update", "traced_update"]


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
    if not (traced or (tr is None and getattr(self, "_torch", False))
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
        return new  # (a constant given a value a transform traces: the name rebound)
    if not staged_update(self, new):
        setitem(self, Ellipsis, new)
    return self


def _traced_for_torch(self: Tensor, what: str) -> bool:
    """Whether ``self`` is a value a live transform traces for PyTorch's API; a part or view of
    one raises (an update could not reach its base)."""
    if traced_part(self):
        raise TypeError(
            f"{what}: t is a part or view of a value that a transform traces for PyTorch's API "
            "(tensorgrad.func, or a transform given a tensor); traced values are immutable, so "
            "an in-place update could not reach the tensor it was taken from. Build the new "
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
    self._value, self._node, self._tangent = new._value, new._node, new._tangent
    return True


def staged_update(self: Tensor, new) -> bool:
    """Under ``tg.jit``, the constant tensor ``self`` takes ``new`` in place: a tensor made
    inside the function takes the traced value (True); a tensor argument or a closed-over one
    makes the function run as written (so the caller's tensor takes the update); False when
    neither is traced (no jit trace: the caller writes the value)."""
    value, held = concrete(new), self._value
    if not is_staged(value) and not is_staged(held):
        return False
    if not is_staged(held) or held.slot in held.program.inputs:
        raise _UpdatesArgument("jit: the function updates a tensor argument or a closed-over "
                               "tensor in place, so it runs as written")
    self._value = value  # (a tensor made inside the function)
    return True
