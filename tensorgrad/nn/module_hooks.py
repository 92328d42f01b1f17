"""PyTorch's hooks on a :class:`~tensorgrad.nn.Module`: ``register_forward_pre_hook``,
``register_forward_hook``, ``register_full_backward_pre_hook`` and
``register_full_backward_hook``.

A hook runs whenever the Module computes its output: called (``model(x)``, a child called in a
parent's ``forward``), or through its ``apply`` (as a Sequential, a Transformer and every other
container run their layers, and as ``functional_call`` and the transforms do). A pre-hook gets
``(module, args)`` and may return new positional arguments (a tuple, or one value); a forward
hook gets ``(module, args, output)`` and may return a new output. With ``with_kwargs=True`` they
get the keyword arguments too: ``(module, args, kwargs)`` returning ``(args, kwargs)``, and
``(module, args, kwargs, output)``. The parameters are not among the arguments (they are
``apply``'s first one). Under a transform or ``tg.jit`` the hooks see traced values and run
while tracing, as Python code in a JAX function does. ``handle.remove()`` takes a hook off.

The full backward hooks run in ``loss.backward()`` on the imperative tape: the Module's tensor
inputs and outputs pass through identity nodes, and when the sweep reaches them a pre-hook gets
``(module, grad_output)`` and may return a new ``grad_output``, a hook gets ``(module,
grad_input, grad_output)`` (None for an input that is not on the tape) and may return a new
``grad_input``. Under the functional transforms they do not run (as PyTorch's under
``torch.func``).
"""
from __future__ import annotations

import functools
import itertools
import threading
from typing import Any, Callable

from ..custom import custom_vjp
from ..hooks import as_runtime
from ..jit_aot import MODES
from ..recording import IMPERATIVE
from ..tensor import Tensor
from ..tree import tree_flatten, tree_unflatten

__all__ = ["HookHandle", "with_hooks"]

_ids = itertools.count()


class HookHandle:
    """What ``register_forward_hook`` and ``register_forward_pre_hook`` return:
    ``handle.remove()`` takes the hook off again (also on leaving a ``with`` block)."""

    def __init__(self, table: dict):
        self._table = table
        self.id = next(_ids)

    def remove(self) -> None:
        if self._table.pop(self.id, None) is not None:
            MODES[0] += 1  # jitted functions trace again (their plans ran the hooks they saw)

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
    MODES[0] += 1  # (a jitted function running this Module traces again, with the hook)
    return handle


class _Running(threading.local):
    """Per thread: the Modules whose hooks are running (an ``apply`` that calls its base
    class's ``apply`` runs them once)."""

    def __init__(self):
        self.ids: set = set()


_RUNNING = _Running()


def _on_tape(v) -> bool:
    return type(v) is Tensor and v._trace is IMPERATIVE and v._node is not None


def _through_identity(values: list, rule) -> tuple:
    """``values`` through one identity node of the tape whose backward rule is
    ``rule(cotangents) -> cotangents``."""
    ident = custom_vjp(lambda *xs: xs)
    ident.defvjp(lambda *xs: (xs, None), lambda _, gs: rule(gs))
    return ident(*values)


def _backward_inputs(module, args: tuple, box: dict) -> tuple:
    """``args`` with their tensors on the imperative tape passed through one identity node,
    whose backward rule hands the Module's full backward hooks ``(module, grad_input,
    grad_output)`` (``grad_output`` left in ``box`` by :func:`_backward_outputs`)."""
    where = [i for i, a in enumerate(args) if _on_tape(a)]
    box["inputs"] = len(args)
    if not where:
        return args

    def rule(gs):
        grad_input = [None] * len(args)
        for i, g in zip(where, gs):
            grad_input[i] = g
        grad_input = _call_backward_hooks(module, tuple(grad_input), box)
        return tuple(grad_input[i] for i in where)
    passed = list(args)
    for i, v in zip(where, _through_identity([args[i] for i in where], rule)):
        passed[i] = v
    box["hooked"] = True
    return tuple(passed)


def _call_backward_hooks(module, grad_input: tuple, box: dict) -> tuple:
    for hook, _ in list(module.__dict__.get("_backward_hooks", {}).values()):
        new = hook(module, grad_input, box.get("grad_output"))
        if new is not None:
            new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
            if len(new) != len(grad_input):
                raise RuntimeError(f"{type(module).__name__}: a full backward hook returned "
                                   f"{len(new)} gradients for {len(grad_input)} inputs")
            grad_input = new
    return grad_input


def _backward_outputs(module, out, box: dict):
    """``out`` with its tensors on the imperative tape passed through one identity node, whose
    backward rule runs the full backward pre-hooks ``(module, grad_output)`` and keeps
    ``grad_output`` for the hooks (called there too when no input is on the tape)."""
    leaves, td = tree_flatten(out)
    where = [k for k, v in enumerate(leaves) if _on_tape(v)]
    if not where:
        return out

    def rule(gs):
        grad_output = tuple(gs)
        for hook, _ in list(module.__dict__.get("_backward_pre_hooks", {}).values()):
            new = hook(module, grad_output)
            if new is not None:
                grad_output = tuple(new) if isinstance(new, (tuple, list)) else (new,)
        box["grad_output"] = grad_output
        if not box.get("hooked"):  # (no input on the tape: the hooks see None gradients)
            _call_backward_hooks(module, (None,) * box["inputs"], box)
        return grad_output
    for k, v in zip(where, _through_identity([leaves[k] for k in where], rule)):
        leaves[k] = v
    return tree_unflatten(td, leaves)


def _run(module, args: tuple, kwargs: dict, compute: Callable) -> Any:
    d = module.__dict__
    box = {} if d.get("_backward_hooks") or d.get("_backward_pre_hooks") else None
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
    if box is not None:
        args = _backward_inputs(module, args, box)
    out = compute(*args, **kwargs)
    for hook, with_kwargs in list(module.__dict__.get("_forward_hooks", {}).values()):
        new = hook(module, args, kwargs, out) if with_kwargs else hook(module, args, out)
        if new is not None:
            out = new
    return out if box is None else _backward_outputs(module, out, box)


def _apply_to_each(module, fn: Callable):
    """PyTorch's ``module.apply(fn)``: ``fn`` on every submodule, children first, then on
    ``module``; returns ``module``. (Parameters are never callable, so a callable where
    tensorgrad's ``apply(params, x)`` takes its parameters is PyTorch's call.) The model's
    parameters are made first if they are not yet, as a PyTorch model has them from the
    start: ``fn`` then writes into the model's own (``m.bias.data.fill_(0.01)``)."""
    if module.params is None and module.has_parameters:
        module._have()
    for child in module.children():
        child.apply(fn)
    fn(module)
    return module


def with_hooks(apply: Callable) -> Callable:
    """``apply`` that runs the Module's forward hooks around itself (none registered: a plain
    call)."""
    @functools.wraps(apply)
    def hooked(self, params, *args, **kwargs):
        if callable(params) and not args and not kwargs:  # PyTorch's module.apply(fn)
            return _apply_to_each(self, params)
        d = self.__dict__
        d["_applied"] = True  # (a change of its layers from now on makes jitted plans stale)
        try:
            if not (d.get("_forward_hooks") or d.get("_forward_pre_hooks")
                    or d.get("_backward_hooks") or d.get("_backward_pre_hooks")):
                return apply(self, params, *args, **kwargs)
            running = _RUNNING.ids
            if id(self) in running:
                return apply(self, params, *args, **kwargs)
            running.add(id(self))
            try:
                return _run(self, args, kwargs, lambda *a, **k: apply(self, params, *a, **k))
            finally:
                running.discard(id(self))
        except ValueError as exc:  # (a wrong input's shape: PyTorch raises RuntimeError there)
            raise as_runtime(exc) from exc.__cause__
    hooked._with_hooks = True
    return hooked
