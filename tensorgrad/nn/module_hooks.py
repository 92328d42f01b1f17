"""PyTorch's forward hooks on a :class:`~tensorgrad.nn.Module`: ``register_forward_pre_hook``
and ``register_forward_hook``.

A hook runs whenever the Module computes its output: called (``model(x)``, a child called in a
parent's ``forward``), or through its ``apply`` (as a Sequential, a Transformer and every other
container run their layers, and as ``functional_call`` and the transforms do). A pre-hook gets
``(module, args)`` and may return new positional arguments (a tuple, or one value); a forward
hook gets ``(module, args, output)`` and may return a new output. With ``with_kwargs=True`` they
get the keyword arguments too: ``(module, args, kwargs)`` returning ``(args, kwargs)``, and
``(module, args, kwargs, output)``. The parameters are not among the arguments (they are
``apply``'s first one). Under a transform or ``tg.jit`` the hooks see traced values and run
while tracing, as Python code in a JAX function does. ``handle.remove()`` takes a hook off.
"""
from __future__ import annotations

import functools
import itertools
import threading
from typing import Any, Callable

__all__ = ["HookHandle", "with_hooks"]

_ids = itertools.count()


class HookHandle:
    """What ``register_forward_hook`` and ``register_forward_pre_hook`` return:
    ``handle.remove()`` takes the hook off again (also on leaving a ``with`` block)."""

    def __init__(self, table: dict):
        self._table = table
        self.id = next(_ids)

    def remove(self) -> None:
        self._table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register(module, attr: str, hook: Callable, prepend: bool, with_kwargs: bool) -> HookHandle:
    if not callable(hook):
        raise TypeError(f"{type(module).__name__}.register_{attr[1:-1]}: the hook must be "
                        f"callable, got {hook!r}")
    table = module.__dict__.setdefault(attr, {})
    handle = HookHandle(table)
    entry = (hook, bool(with_kwargs))
    if prepend:
        items = list(table.items())
        table.clear()
        table[handle.id] = entry
        table.update(items)
    else:
        table[handle.id] = entry
    return handle


class _Running(threading.local):
    """Per thread: the Modules whose hooks are running (an ``apply`` that calls its base
    class's ``apply`` runs them once)."""

    def __init__(self):
        self.ids: set = set()


_RUNNING = _Running()


def _run(module, args: tuple, kwargs: dict, compute: Callable) -> Any:
    for hook, with_kwargs in list(module.__dict__.get("_forward_pre_hooks", {}).values()):
        if with_kwargs:
            new = hook(module, args, kwargs)
            if new is not None:
                if not (isinstance(new, tuple) and len(new) == 2):
                    raise RuntimeError(f"{type(module).__name__}: a forward pre-hook with "
                                       "with_kwargs=True must return None or (args, kwargs)")
                args, kwargs = new
        else:
            new = hook(module, args)
            if new is not None:
                args = new if isinstance(new, tuple) else (new,)
    out = compute(*args, **kwargs)
    for hook, with_kwargs in list(module.__dict__.get("_forward_hooks", {}).values()):
        new = hook(module, args, kwargs, out) if with_kwargs else hook(module, args, out)
        if new is not None:
            out = new
    return out


def with_hooks(apply: Callable) -> Callable:
    """``apply`` that runs the Module's forward hooks around itself (none registered: a plain
    call)."""
    @functools.wraps(apply)
    def hooked(self, params, *args, **kwargs):
        d = self.__dict__
        if not d.get("_forward_hooks") and not d.get("_forward_pre_hooks"):
            return apply(self, params, *args, **kwargs)
        running = _RUNNING.ids
        if id(self) in running:
            return apply(self, params, *args, **kwargs)
        running.add(id(self))
        try:
            return _run(self, args, kwargs, lambda *a, **k: apply(self, params, *a, **k))
        finally:
            running.discard(id(self))
    hooked._with_hooks = True
    return hooked
