"""PyTorch's ``torch.autograd.forward_ad``: forward-mode derivatives with dual tensors.

Inside ``with tg.autograd.forward_ad.dual_level():``, ``make_dual(x, t)`` is a tensor that
carries the tangent ``t`` through every tensorgrad op, and ``unpack_dual(y)`` returns
``(primal, tangent)``: the tangent is J·t, pushed forward by each op's JVP rule, as
``tg.jvp`` computes it (``dual_level`` opens the same forward trace ``tg.jvp`` opens around its
function). Levels nest; when a level closes, its dual tensors become plain values. A dual
made from an imperative tensor (``tg.tensor(..., requires_grad=True)``) keeps recording on
the tape, so ``backward()`` differentiates the tangent too (forward over reverse), and
PyTorch's reverse mode looks through a dual tensor to its primal: ``requires_grad``,
``backward()`` and ``tg.autograd.grad`` of a dual act on the primal's graph.
"""
from __future__ import annotations

import threading
from collections import namedtuple

import numpy as np

from .hooks import TorchValueError, as_grad
from .recording import close_trace, new_forward_trace
from .tensor import Tensor, concrete, dtype_of, shape_of
from .transform_parts import as_primal

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual",
           "UnpackedDualTensor"]

#: what :func:`unpack_dual` returns, as PyTorch's
UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])


class _Levels(threading.local):
    def __init__(self):
        self.stack: list = []


_LEVELS = _Levels()


def enter_dual_level() -> int:
    """Open a new dual level in this thread and return its number (``dual_level`` is the
    ``with`` form)."""
    _LEVELS.stack.append(new_forward_trace(0, dual=True))
    return len(_LEVELS.stack) - 1


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the innermost dual level (``level``, if given, must be it)."""
    stack = _LEVELS.stack
    if not stack:
        raise RuntimeError("exit_dual_level: no dual level is open")
    if level is not None and level != len(stack) - 1:
        raise RuntimeError(f"exit_dual_level: level {level} is not the innermost open level "
                           f"({len(stack) - 1}); close levels in reverse order")
    close_trace(stack.pop())


class dual_level:
    """``with dual_level():`` a block in which :func:`make_dual` tensors carry tangents; the
    value of the ``with`` is the level's number."""

    def __enter__(self) -> int:
        self.level = enter_dual_level()
        return self.level

    def __exit__(self, *exc) -> None:
        exit_dual_level(level=self.level)


def _trace(level, name: str):
    stack = _LEVELS.stack
    if not stack:
        return None
    if level is None:
        return stack[-1]
    if not 0 <= level < len(stack):
        raise RuntimeError(f"{name}: level {level} is not open (open levels: 0..{len(stack) - 1})")
    return stack[level]


def make_dual(tensor, tangent, *, level: int | None = None) -> Tensor:
    """A dual tensor: the value ``tensor`` carrying the tangent ``tangent`` (same shape; cast
    to the value's dtype), at the innermost open level (or ``level``)."""
    trace = _trace(level, "make_dual")
    if trace is None:
        raise RuntimeError("make_dual: no dual level is open; use it inside "
                           "`with tg.autograd.forward_ad.dual_level():`")
    p = as_primal(tensor, "make_dual")
    t = tangent
    if shape_of(concrete(t)) != shape_of(concrete(p)):
        raise TorchValueError(f"make_dual: the tangent has shape {shape_of(concrete(t))}, the value "
                         f"{shape_of(concrete(p))}; they must be equal")
    if not isinstance(t, Tensor):
        t = np.asarray(t)
        want = np.dtype(dtype_of(concrete(p)))
        if t.dtype != want:
            if t.dtype.kind == "c" and want.kind != "c":
                raise TypeError(f"make_dual: a complex tangent (dtype {t.dtype}) for a real "
                                f"value of dtype {want}")
            t = t.astype(want)
    return Tensor(p, trace, None, t)


def unpack_dual(tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of a dual tensor at the innermost open level (or ``level``); a
    value that is not dual there gives ``(tensor, None)``. A dual whose tangent is a
    symbolic zero (it does not depend on any ``make_dual``) gives zeros."""
    trace = _trace(level, "unpack_dual")
    if trace is None or type(tensor) is not Tensor or tensor._trace is not trace:
        return UnpackedDualTensor(tensor, None)
    primal = tensor._value
    if isinstance(primal, (np.ndarray, np.generic)):  # (PyTorch's: a tensor, its methods)
        primal = as_grad(np.asarray(primal))
    tan = tensor._tangent
    if tan is None:
        tan = np.zeros(shape_of(concrete(primal)), dtype_of(concrete(primal)))
    return UnpackedDualTensor(primal, tan)
