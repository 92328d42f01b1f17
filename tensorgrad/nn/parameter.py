"""PyTorch's ``nn.Parameter``: a tensor a Module registers as a parameter of its own.

``self.scale = tg.nn.Parameter(np.ones(4))`` in the ``__init__`` of a Module written
PyTorch's way (children as attributes, a ``forward``) gives the Module a parameter named
``scale`` beside its children's: it is listed by ``parameters()`` and ``named_parameters()``,
saved by ``state_dict()``, updated by an optimizer made on ``model.parameters()``, and inside
``forward`` ``self.scale`` reads the value in use (the traced one under ``tg.grad`` of
``model.apply``). ``register_parameter(name, None)`` registers an absent one (``self.bias``
is then None), as PyTorch's layers do for ``bias=False``.

On its own a Parameter is an imperative tensor that requires grad (``requires_grad=False``
makes one that does not), so ``tg.optim.SGD([tg.nn.Parameter(w)], lr=0.1)`` works as in
PyTorch.
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ..imperative import tensor
from ..tensor import Tensor, concrete, traced_level

__all__ = ["Parameter", "is_parameter", "check_parameter_name"]

#: the tensors made by :func:`Parameter` (by id; weak, so a dropped one is forgotten)
_MADE: "weakref.WeakValueDictionary[int, Tensor]" = weakref.WeakValueDictionary()


class _Made(type):
    def __instancecheck__(cls, v) -> bool:  # isinstance(t, tg.nn.Parameter)
        return is_parameter(v)


class Parameter(metaclass=_Made):
    """PyTorch's ``nn.Parameter(data, requires_grad=True)``: an imperative tensor holding a
    copy of ``data`` (a floating array; None gives an empty one) that a Module registers as
    its parameter when assigned as an attribute. The call returns a :class:`Tensor`;
    ``isinstance(t, tg.nn.Parameter)`` tells whether ``t`` was made so."""

    def __new__(cls, data: Any = None, requires_grad: bool = True) -> Tensor:
        return _parameter(data, requires_grad)


def _parameter(data: Any, requires_grad: bool) -> Tensor:
    if traced_level(data) > 0:
        raise TypeError("Parameter: the data is a value traced by a transform; a parameter is a "
                        "new leaf of its own, so make it outside the transformed function")
    a = np.empty(0) if data is None else np.array(concrete(data))  # (a new leaf, as PyTorch's)
    if a.dtype.kind not in "fc":
        raise TypeError(f"Parameter: a parameter must be a floating (or complex) array, got dtype "
                        f"{a.dtype} (shape {a.shape}); convert it with .astype(float)")
    t = tensor(a, requires_grad=bool(requires_grad))
    _MADE[id(t)] = t
    return t


def is_parameter(v: Any) -> bool:
    """Whether ``v`` is a tensor made by :func:`Parameter`."""
    return type(v) is Tensor and _MADE.get(id(v)) is v


def check_parameter_name(who: str, name: Any, owner: Any = None, kind: type = type(None)) -> None:
    """A name for a parameter or child: a non-empty string without dots; with ``owner``, not
    that of an attribute it has already other than a ``kind`` (or None), as PyTorch's."""
    if not isinstance(name, str):
        raise TypeError(f"{who}: the name must be a string, got {type(name).__name__}")
    if not name or "." in name:
        raise KeyError(f"{who}: the name must be non-empty and contain no '.', got {name!r}")
    if owner is not None and not isinstance(getattr(owner, name, None), (kind, type(None))):
        raise KeyError(f"{who}: attribute '{name}' already exists")

