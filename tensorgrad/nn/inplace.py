"""PyTorch's in-place activations in ``tg.nn``: the ``inplace=`` argument of the functional
activations and dropouts, and the trailing-underscore spellings (``relu_``, ``threshold_``).

One rule for all of them, the rule of tensorgrad's in-place operators (``t += 1``): a
recorded result of the imperative tape takes the new value itself (every name bound to it sees
it, and the gradient flows through the function), a leaf that requires grad takes it inside
``tg.no_grad()`` and is refused while recording (as PyTorch refuses). Anything else, a NumPy
array, a tensor that does not require grad, a value traced by a transform or by ``tg.jit``, is
never written: the functions return the new value, as the out-of-place forms do, so always use
the returned value.
"""
from __future__ import annotations

import numpy as np

from ..imperative import _in_place, _is_leaf
from ..recording import IMPERATIVE, imperative_paused
from ..tensor import Tensor

__all__ = ["write_back", "finish"]


def write_back(fn: str, input, result, fresh: str | None = None):
    """``input`` takes ``result`` in place when it is a tensor of the imperative tape (the
    rule of ``t += v``); anything else is left alone and ``result`` comes back. ``fresh``
    names the out-of-place call an error suggests (``fn`` without its trailing ``_``)."""
    if result is input or type(input) is not Tensor or input._trace is not IMPERATIVE:
        return result  # (the identity, as a dropout outside training, writes nothing)
    if _is_leaf(input) and not imperative_paused():
        raise RuntimeError(
            f"{fn}: the input is a leaf tensor that requires grad (shape {input.shape}); "
            "updating it in place while recording would cut it off its own gradient, and "
            "PyTorch refuses it too. Call it inside `with tg.no_grad():`, or use "
            f"{fresh or fn[:-1] + '(...)'} for a new tensor")
    out = _in_place(fn, lambda _self, _other: result)(input, None)
    return result if out is NotImplemented else out


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
