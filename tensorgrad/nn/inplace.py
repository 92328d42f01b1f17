"""PyTorch's in-place activations in ``tg.nn``: the ``inplace=`` argument of the functional
activations and dropouts, and the trailing-underscore spellings (``relu_``, ``threshold_``).

One rule for all of them, the rule of PyTorch's in-place methods (``t.relu_()``): a recorded
result of the imperative tape takes the new value itself (every name bound to it sees it, and
the gradient flows through the function), a leaf that requires grad takes it inside
``tg.no_grad()`` and is refused while recording (as PyTorch refuses), and a tensor that does not
require grad (``tg.tensor(a)``, a result made under ``tg.no_grad()``) takes it too, with its
views. Anything else, a NumPy array or a value traced by a transform, is never written: the
functions return the new value, as the out-of-place forms do, so always use the returned value.
"""
from __future__ import annotations

import numpy as np

from ..imperative import _in_place, _is_leaf, _setitem_through, check_cast
from ..recording import IMPERATIVE, imperative_paused
from ..tensor import Tensor, concrete, traced_level
from ..torch_updates import staged_update, traced_update

__all__ = ["write_back", "write_constant", "finish"]


def write_back(fn: str, input, result, fresh: str | None = None):
    """``input`` takes ``result`` in place when it is a tensor of the imperative tape (the
    rule of ``t += v``); anything else is left alone and ``result`` comes back. ``fresh``
    names the out-of-place call an error suggests (``fn`` without its trailing ``_``)."""
    if result is input:
        return result  # (the identity, as a dropout outside training, writes nothing)
    if type(input) is not Tensor:  # PyTorch's arrays (.grad, .data, a rule's) take it, as their
        take = getattr(input, "take_in_place", None)  # methods do; NumPy's are never written
        return result if take is None else take(result, fn)
    if traced_update(input, result, fn):  # (a value traced for PyTorch: torch.func's rule)
        return input
    if input._trace is None and type(input._value) is not Tensor and traced_level(result) <= 0:
        fresh = fresh or fn[:-1] + "(...)"
        check_cast(fn, result, input.dtype, f"use the out-of-place {fresh}")
        return write_constant(fn, input, result, fresh)
    if input._trace is not IMPERATIVE:
        return result
    if _is_leaf(input) and not imperative_paused():
        raise RuntimeError(
            f"{fn}: the input is a leaf tensor that requires grad (shape {input.shape}); "
            "updating it in place while recording would cut it off its own gradient, and "
            "PyTorch refuses it too. Call it inside `with tg.no_grad():`, or use "
            f"{fresh or fn[:-1] + '(...)'} for a new tensor")
    out = _in_place(fn, lambda _self, _other: result)(input, None)
    return result if out is NotImplemented else out


def write_constant(what: str, self: Tensor, result, fresh: str) -> Tensor:
    """A tensor that is not on any tape takes ``result`` in place (so do the tensors it shares
    entries with, as item assignment's rule), and comes back; under ``tg.jit`` the function
    runs as written. ``what`` names the update in messages, ``fresh`` its out-of-place form."""
    shape = tuple(np.shape(concrete(result)))
    if shape != tuple(self.shape):
        raise ValueError(f"{what}: the result has shape {shape}, but an in-place update must keep "
                         f"the shape {tuple(self.shape)}")
    if staged_update(self, result):  # (under tg.jit: it raises, so the function runs as written)
        return self
    try:
        _setitem_through(self, Ellipsis, result)
    except TypeError:
        raise TypeError(f"{what}: the new value is traced by a transform, so the tensor cannot "
                        f"hold it; use the out-of-place {fresh}") from None
    return self


def check(fn: str, inplace) -> bool:
    """``inplace`` as a bool, or a ``TypeError`` naming ``fn``."""
    if not isinstance(inplace, (bool, np.bool_)):
        raise TypeError(f"{fn}: inplace must be True or False, got {inplace!r}")
    return bool(inplace)


def finish(fn: str, input, result, inplace):
    """``result``; with ``inplace=True`` also written into ``input`` by :func:`write_back`."""
    if not check(fn, inplace):
        return result
    return write_back(f"{fn}(inplace=True)", input, result, f"{fn}(..., inplace=False)")
