"""PyTorch's attribute names for a built-in layer's parameters: ``conv.weight``,
``conv.bias``, ``linear.bias``, ``norm.weight``, ``embedding.weight``.

A layer keeps its parameters in its ``params`` pytree, under tensorgrad's names (``W`` and
``b`` for Linear and the convolutions) or PyTorch's (the norms, Embedding, Bilinear). A
:class:`ParamAttr` on the class reads one of them as an attribute, the value in use (made
on first use, as ``parameters()`` makes them), so PyTorch code such as
``nn.init.zeros_(conv.bias)``, ``m.bias.data.fill_(0.01)`` or ``norm.weight.shape`` works.
It is the parameter itself, not a copy: an in-place write reaches the layer.

``bias=False`` gives None, as in PyTorch; the constructor's flag itself is ``has_bias``.
Linear has no ``weight``: its ``W`` is (in, out), PyTorch's weight transposed, and a
transposed copy would not be the parameter.
"""
from __future__ import annotations

import numpy as np

from ..hooks import as_param as param_view
from .param_owners import note_owner

__all__ = ["ParamAttr", "ChildParams"]


def _params_of(layer) -> dict:
    """The layer's parameters (a dict, or {}), made here on a first use: they are the layer's
    own from then on, kept when a model holding it makes its parameters, so a write through
    an attribute, as PyTorch's init code does, is never lost."""
    made = layer.params is None
    params = layer._have()
    if made:
        layer.__dict__["_lazy"] = False
    return params if isinstance(params, dict) else {}


def _parameter(layer, v):
    """The parameter ``v`` of ``layer`` as an attribute gives it: an array parameter as a view
    with PyTorch's Tensor methods, so ``m.bias.data.fill_(0)`` and
    ``m.weight.normal_(0, 0.02)`` write into it; a tensor parameter as itself."""
    note_owner(layer, (v,))
    return param_view(v)


class ParamAttr:
    """The attribute ``name`` of a layer: its parameter ``key`` (None when the layer has
    none, e.g. ``bias=False`` or ``elementwise_affine=False``). With ``flag`` (the bias), the
    constructor's ``self.bias = True/False`` is kept as ``self.has_bias``."""

    def __init__(self, key: str, flag: bool = False):
        self.key, self.flag = key, flag

    def __set_name__(self, owner, name: str) -> None:
        self.name = name
        if self.flag:  # the flag's own attribute, ``has_bias`` (a layer pickled before the flag
            # had that name keeps it as ``bias`` in its __dict__: read there too)
            flag = "has_" + name
            def read(obj):
                return obj.__dict__.get(flag, obj.__dict__.get(name, False))
            setattr(owner, flag, property(read, doc=f"The constructor's ``{name}`` flag."))

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        if self.flag and not getattr(obj, "has_" + self.name):
            return None
        return _parameter(obj, _params_of(obj).get(self.key))

    def __set__(self, obj, value) -> None:
        if self.flag and (value is None or isinstance(value, (bool, int, np.bool_, np.integer))):
            obj.__dict__["has_" + self.name] = value  # (the constructor's flag)
            return
        params = obj.params
        current = params.get(self.key) if isinstance(params, dict) else None
        if current is not None and (value is current or getattr(value, "base", None) is current):
            return  # (``layer.weight *= 2`` stores back the parameter its *= updated in place)
        raise AttributeError(
            f"{type(obj).__name__}.{self.name} = ...: the layer's parameters live in "
            f"layer.params; assign layer.params['{self.key}'] = array (or load_state_dict), or "
            f"write into {self.name} in place (nn.init.*_, {self.name}.data.fill_(...))")


class ChildParams:
    """The attribute ``name`` of a layer whose parameters hold a dict under ``name`` (PyTorch's
    submodule there, as ``MultiheadAttention.out_proj``, a Linear): an object whose
    attributes are that dict's parameters, each read as :class:`ParamAttr` reads one
    (``mha.out_proj.weight``, ``mha.out_proj.bias``; None where absent)."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return _Child(obj, self.name)


class _Child:
    def __init__(self, layer, key: str):
        self._layer, self._key = layer, key

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        inner = _params_of(self._layer).get(self._key)
        if not isinstance(inner, dict) or name not in ("weight", "bias"):
            raise AttributeError(f"{type(self._layer).__name__}.{self._key} has no attribute "
                                 f"{name!r} (its parameters: weight, bias)")
        return _parameter(self._layer, inner.get(name))

    def __repr__(self) -> str:
        return f"<{type(self._layer).__name__}.{self._key}: parameters weight, bias>"
