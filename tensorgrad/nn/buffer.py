"""A Module's buffers, and PyTorch's ``nn.Buffer`` (torch >= 2.5) that declares one.

A buffer is an array a Module keeps that is not a parameter: BatchNorm's running statistics,
a fixed mask, a positional table. It is listed by ``named_buffers()``, cast by
``to()``/``double()`` and, unless registered with ``persistent=False``, saved and loaded by
``state_dict()``/``load_state_dict()``. It is never differentiated nor updated by an
optimizer.

Two ways to declare one, as in PyTorch:

* ``self.register_buffer("mask", np.tril(np.ones((4, 4))), persistent=True)``;
* ``self.mask = tg.nn.Buffer(np.tril(np.ones((4, 4))), persistent=True)``: assigning a value
  made by :class:`Buffer` to an attribute registers it under that name (persistence taken from
  the Buffer). A later plain assignment to the same name (``self.mask = other``) keeps it a
  buffer, with the persistence it had.

:class:`Buffer` is to buffers what :func:`~tensorgrad.nn.Parameter` is to parameters: the call
returns the value itself (a NumPy array sharing the data's memory, or, for an imperative
tensor, a new tensor with its value and ``requires_grad`` flag), marked so that
``isinstance(v, tg.nn.Buffer)`` is True and a Module knows to register it.
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ..imperative import tensor
from ..tensor import Tensor, concrete, traced_level
from .param_owners import NamedArrays

__all__ = ["Buffer", "is_buffer", "buffer_persistent", "BufferMixin"]

#: id(value) -> (weak reference to the value Buffer made, its persistent flag)
_MARKED: dict = {}


def _forget(key: int, ref) -> None:
    entry = _MARKED.get(key)
    if entry is not None and entry[0] is ref:
        del _MARKED[key]


class _BufferType(type):
    def __instancecheck__(cls, v) -> bool:  # isinstance(v, tg.nn.Buffer)
        return is_buffer(v)


class Buffer(metaclass=_BufferType):
    """PyTorch's ``nn.Buffer(data=None, *, persistent=True)``: ``data`` (array-like; None gives
    an empty array) marked as a buffer, so that assigning it to an attribute of a Module
    registers a buffer of that name (``persistent=False``: kept out of ``state_dict()``). The
    call returns the array (a view sharing ``data``'s memory) or, for an imperative tensor, a
    new tensor with its value and ``requires_grad``; ``isinstance(v, tg.nn.Buffer)`` tells
    whether ``v`` was made so."""

    def __new__(cls, data: Any = None, persistent: bool = True):
        return _mark(data, persistent)


def _mark(data: Any, persistent: bool):
    if traced_level(data) > 0:
        raise TypeError("Buffer: the data is a value traced by a transform; a buffer is a value "
                        "the Module keeps, so make it outside the transformed function")
    if isinstance(data, Tensor):
        v = tensor(concrete(data), requires_grad=data.requires_grad)
    else:  # (a new array object over the same memory: the caller's own array stays unmarked)
        v = (np.empty(0) if data is None else np.asarray(concrete(data))).view()
    ref = weakref.ref(v, lambda r, key=id(v): _forget(key, r))
    _MARKED[id(v)] = (ref, bool(persistent))
    return v


def is_buffer(v: Any) -> bool:
    """Whether ``v`` is a value made by :class:`Buffer`."""
    entry = _MARKED.get(id(v)) if type(v) is np.ndarray or type(v) is Tensor else None
    return entry is not None and entry[0]() is v


def buffer_persistent(v: Any) -> bool:
    """The ``persistent`` flag ``v`` was made with by :class:`Buffer` (True otherwise)."""
    entry = _MARKED.get(id(v))
    return True if entry is None or entry[0]() is not v else entry[1]


class BufferMixin:
    """The buffer methods of :class:`~tensorgrad.nn.Module` (which supplies ``buffer_names``
    and ``named_children()``, and in ``__setattr__`` hands a :class:`Buffer` value to
    :meth:`register_buffer`)."""

    def named_buffers(self, prefix: str = "") -> NamedArrays:
        """``{"1.running_mean": array, ...}``: the buffers of this Module and those inside it
        (iterating gives ``(name, array)`` pairs)."""
        return NamedArrays((name, getattr(m, attr))
                           for name, (m, attr) in self._buffer_slots(prefix).items())

    def get_buffer(self, target: str):
        """PyTorch's: the buffer named ``target`` (``"0.running_mean"``)."""
        named = self.named_buffers()
        if target not in named:
            raise AttributeError(f"{type(self).__name__} has no buffer {target!r} (its buffers: "
                                 f"{', '.join(named.keys()) or 'none'})")
        return named[target]

    def buffers(self) -> list:
        """The buffer arrays (see :meth:`named_buffers`)."""
        return list(self.named_buffers().values())

    def _buffer_slots(self, prefix: str = "", persistent: bool = False) -> dict:
        """``{name: (module, attribute)}`` for every buffer (``persistent``: those state_dict
        saves)."""
        skip = self.__dict__.get("_non_persistent", ()) if persistent else ()
        out = {f"{prefix}{b}": (self, b) for b in self.buffer_names
               if getattr(self, b, None) is not None and b not in skip}
        for name, c in self.named_children():
            out.update(c._buffer_slots(f"{prefix}{name}.", persistent))
        return out

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """PyTorch's: keep ``tensor`` (an array, or None for none yet) as the buffer ``name``,
        an attribute that is not a parameter: listed by ``named_buffers()``, cast by
        ``to()``/``double()``, saved and loaded by ``state_dict()`` unless
        ``persistent=False``."""
        if not isinstance(name, str):
            raise TypeError(f"register_buffer: the buffer name must be a string, got "
                            f"{type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"register_buffer: the buffer name must be non-empty and contain no "
                           f"'.', got {name!r}")
        if name not in self.buffer_names and (hasattr(self, name) or name in dict(self.named_children())):
            raise KeyError(f"register_buffer: attribute '{name}' already exists")
        object.__setattr__(self, name, tensor)  # (not setattr: a Buffer value would come back here)
        if name not in self.buffer_names:
            self.buffer_names = tuple(self.buffer_names) + (name,)
        transient = self.__dict__.setdefault("_non_persistent", set())
        (transient.discard if persistent else transient.add)(name)
