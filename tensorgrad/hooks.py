"""PyTorch's ``Tensor.register_hook`` for imperative tensors (and the small PyTorch Tensor
extras that do not collide with NumPy's names: ``grad_fn``, ``clone()``, ``numel()``,
``dim()``).

A hook ``fn(grad)`` runs when the backward sweep has the complete gradient of its tensor
(``loss.backward()``, ``tg.autograd.grad``, ``tg.autograd.backward``). It may return a new
gradient of the same shape, which replaces the old one: on a recorded result it flows on to
the ops that made it, on a leaf it is what ``.grad`` accumulates. Hooks see PyTorch's
gradients (conjugated for complex tensors, see docs/conventions.md) as read-only arrays, or
as recorded tensors under ``create_graph=True``; they run in the order registered.
"""
from __future__ import annotations

import functools
import threading
import weakref
from typing import Callable

import numpy as np

from .recording import IMPERATIVE, enter_grad_mode, exit_grad_mode, no_grad_depth
from .tensor import Tensor, concrete, dtype_of, torch_style

__all__ = ["register_hook", "RemovableHandle", "hooked_nodes", "run_hooks", "GradFn",
           "note_gradient", "TorchValueError", "TorchTypeError", "TorchAttributeError", "TorchIndexError", "checked_index"]

#: the hooks of register_hook, by the tape node of the value they were registered on: a
#: hook lives as long as that node (so while the graph needs it, also after its Tensor object
#: is gone), and an in-place op, which gives the tensor a new node, leaves it on the old value
_NODE_HOOKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: tape nodes whose arriving gradient a Function wants to hear of: {node: callback(grad)}
_NOTES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
#: the ndarray subclass with PyTorch's Tensor methods a hook sees its gradient as (set by
#: tensorgrad.autograd_function: RuleArray), so ``g.clamp(-1, 1)`` in a ported hook works
_GRAD_VIEW: list = [np.ndarray]
#: the ndarray subclass ``.grad`` and ``tg.autograd.grad`` hand their gradients out as (set by
#: tensorgrad.autograd_function: GradArray), so ``w.grad.zero_()`` in ported code works
_GRAD_TYPE: list = [np.ndarray]
#: the ndarray subclass a tensor's ``.data`` is seen as (tensorgrad.autograd_function:
#: DataArray), so ``w.data.norm()`` and ``w.data.sub_(...)`` in ported code work
_DATA_TYPE: list = [np.ndarray]
#: the ndarray subclass a Module hands its parameter arrays out as (autograd_function:
#: ParamArray), and the functions that read and set its ``requires_grad`` (set by
#: tensorgrad.nn.param_owners, which knows the Modules)
_PARAM_TYPE: list = [np.ndarray]
PARAM_FLAG: list = [None] * 6  # (read, set, its grad, check a write, check a computation, set its grad)


class TorchValueError(ValueError, RuntimeError):
    """A ValueError of tensorgrad's PyTorch-style API (``backward``, ``tg.autograd``,
    ``tg.func``, hooks, ``Function``) where PyTorch raises RuntimeError: both
    ``except ValueError`` and ported ``except RuntimeError`` code catch it."""


def as_runtime(exc: Exception) -> Exception:
    """A plain ValueError as a :class:`TorchValueError`, a plain TypeError as a
    :class:`TorchTypeError` (its message and traceback kept); any other error as it is."""
    cls = {ValueError: TorchValueError, TypeError: TorchTypeError}.get(type(exc))
    return exc if cls is None else cls(str(exc)).with_traceback(exc.__traceback__)


def runtime_errors(fn: Callable) -> Callable:
    """``fn`` whose plain ValueError (a shape PyTorch refuses) is also PyTorch's RuntimeError."""
    @functools.wraps(fn)
    def m(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValueError as exc:
            raise as_runtime(exc) from exc.__cause__
    return m


class TorchTypeError(TypeError, RuntimeError):
    """A TypeError of the PyTorch-style API where PyTorch raises RuntimeError (catch either)."""


def float_difference(name: str, a, b):
    """``a - b`` for PyTorch's ``lerp``, ``dist`` and ``cdist``: integers or booleans are
    refused for PyTorch's tensors, as PyTorch refuses them (in their own dtype the difference
    would wrap around); NumPy's arrays of them are subtracted in float64."""
    kinds = [np.result_type(dtype_of(concrete(v))).kind for v in (a, b)]
    if all(k in "biu" for k in kinds):
        if torch_style(a) or torch_style(b):
            raise TorchTypeError(f"{name}: expected floating-point or complex inputs, got "
                                 f"{np.result_type(dtype_of(concrete(a)))} and "
                                 f"{np.result_type(dtype_of(concrete(b)))} (the difference of "
                                 "integers would wrap around); convert with .double()")
        a, b = (v.astype(np.float64) if hasattr(v, "astype") else np.float64(v) for v in (a, b))
    return a - b


class TorchIndexError(IndexError, RuntimeError):
    """An IndexError of the PyTorch-style API where PyTorch raises RuntimeError (catch either)."""


def wrapped_index(index, size: int):
    """``index`` with entries in ``[-size, 0)`` counted from the end, as PyTorch's
    ``index_fill`` takes them (its other index methods refuse them: :func:`checked_index`)."""
    v = concrete(index) if isinstance(index, Tensor) else index
    if not isinstance(v, (np.ndarray, np.generic, int, list, tuple)):
        return index
    a = np.asarray(v)
    if a.size and a.dtype.kind == "i" and a.min() < 0:
        return np.where((a < 0) & (a >= -size), a + size, a)
    return index


def checked_index(name: str, index, size: int, dim: int) -> None:
    """Refuse an index outside ``[0, size)`` for PyTorch's gather, scatter and index methods,
    as PyTorch does (NumPy's indexing would wrap a negative one around silently). Values a
    ``tg.jit`` trace stages are not seen here."""
    v = concrete(index) if isinstance(index, Tensor) else index
    if not isinstance(v, (np.ndarray, np.generic, int, list, tuple)):
        return
    a = np.asarray(v)
    if a.size and a.dtype.kind in "iu" and (a.min() < 0 or a.max() >= size):
        bad = a.min() if a.min() < 0 else a.max()
        raise TorchIndexError(f"Tensor.{name}: index {bad} is out of bounds for dimension {dim} "
                              f"with size {size}")


class TorchAttributeError(AttributeError, RuntimeError):
    """An AttributeError of the PyTorch-style API where PyTorch raises RuntimeError."""


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook off again (also on
    leaving a ``with`` block)."""

    def __init__(self, owner, hook, slot: str | None = None, hooks: list | None = None):
        self._owner = weakref.ref(owner)  # a tape node (register_hook) or a tensor
        self._hook = hook
        self._slot = slot  # (the tensor's list that holds the hook; None: the node's)
        # the node's list itself, which a cast carries to the tensor's new leaf node
        # (carry_hooks): removing from it reaches every node that shares it
        self._hooks = hooks

    def remove(self) -> None:
        with _LOCK:
            if self._hooks is not None:
                hooks = self._hooks
            else:
                owner = self._owner()
                hooks = None if owner is None else getattr(owner, self._slot, None)
            if hooks and self._hook in hooks:
                hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_hook(self: Tensor, hook) -> RemovableHandle:
    """Run ``hook(grad)`` when backward computes this tensor's gradient; a returned value (of
    the tensor's shape) replaces the gradient. Returns a handle whose ``remove()`` undoes it.

    As in PyTorch, the hook belongs to the value the tensor holds now: it stays while the
    graph needs that value (also once the tensor object is gone), and after an in-place op
    on the tensor it still sees the gradient of the value from before."""
    if not callable(hook):
        raise TypeError(f"register_hook: expected a function of the gradient, got {hook!r}")
    if self._trace is not None and self._trace is not IMPERATIVE:
        raise TypeError("register_hook: this tensor is traced by a transform (grad, vjp, jit, "
                        "...); hooks are for tensors of the imperative tape. Inside a transform, "
                        "tg.custom_vjp changes a gradient")
    if self._trace is not IMPERATIVE or self._node is None:
        raise RuntimeError("register_hook: cannot register a hook on a tensor that does not "
                           "require grad (make it with tg.tensor(..., requires_grad=True), or "
                           "compute it from such a tensor)")
    return _hook_node(self._node, hook)


def _hook_node(node, hook) -> RemovableHandle:
    """Add ``hook(grad)`` to the hooks of the tape node ``node`` (see :data:`_NODE_HOOKS`)."""
    with _LOCK:
        hooks = _NODE_HOOKS.get(node)
        if hooks is None:
            hooks = _NODE_HOOKS[node] = []
        hooks.append(hook)
    return RemovableHandle(node, hook, hooks=hooks)


def carry_hooks(old, new) -> None:
    """The hooks registered on leaf node ``old`` also on ``new`` (the same tensor's new leaf,
    after a cast of its dtype, as PyTorch's ``module.float()`` keeps a parameter's hooks): the
    two share one list, so a handle made before the cast still removes its hook."""
    with _LOCK:
        hooks = _NODE_HOOKS.get(old)
        if hooks is not None:
            _NODE_HOOKS[new] = hooks


def register_post_accumulate_grad_hook(self: Tensor, hook) -> RemovableHandle:
    """PyTorch's: run ``hook(tensor)`` after a backward sweep has accumulated this leaf's
    gradient into its ``.grad`` (an optimizer step inside backward, say). Leaves that require
    grad only, as in PyTorch. Returns a handle whose ``remove()`` undoes it."""
    if not callable(hook):
        raise TypeError("register_post_accumulate_grad_hook: expected a function of the tensor, "
                        f"got {hook!r}")
    if self._trace is not IMPERATIVE or self._node is None:
        raise RuntimeError("register_post_accumulate_grad_hook: cannot register a hook on a "
                           "tensor that does not require grad (make it with "
                           "tg.tensor(..., requires_grad=True))")
    if self._node.op is not None:
        raise RuntimeError("register_post_accumulate_grad_hook: post accumulate grad hooks "
                           "cannot be registered on non-leaf tensors (this one was computed "
                           "by an op); use register_hook")
    with _LOCK:
        hooks = getattr(self, "_post_hooks", None)
        if hooks is None:
            hooks = self._post_hooks = []
        hooks.append(hook)
    return RemovableHandle(self, hook, "_post_hooks")


def note_gradient(node, callback) -> None:
    """Have every backward sweep that reaches the tape node ``node`` call ``callback(grad)``
    (after the node's tensor hooks), for as long as the node lives: how a Function with
    ``ctx.set_materialize_grads(False)`` tells the outputs that got a gradient from those
    that got none."""
    with _LOCK:
        _NOTES[node] = callback


def hooked_nodes() -> dict | None:
    """``{node: (node, hooks)}`` of the live tape nodes with hooks (register_hook's, then
    :func:`note_gradient`'s; None: none)."""
    if not _NODE_HOOKS and not _NOTES:
        return None
    with _LOCK:
        found = {node: (node, list(fns)) for node, fns in list(_NODE_HOOKS.items()) if fns}
        notes = list(_NOTES.items())
    for node, callback in notes:
        t, fns = found.get(node, (node, []))
        found[node] = (t, fns + [callback])
    return found or None


def use_grad_view(cls: type, grad_cls: type, data_cls: type, param_cls: type) -> None:
    """Hand hooks their gradients as ``cls`` views (see ``_GRAD_VIEW``), ``.grad`` and
    ``tg.autograd.grad`` theirs as ``grad_cls`` views (see ``_GRAD_TYPE``), ``t.data``
    its value as a ``data_cls`` view (``_DATA_TYPE``), and a Module its parameter arrays as
    ``param_cls`` views (``_PARAM_TYPE``)."""
    _GRAD_VIEW[0] = cls
    _GRAD_TYPE[0] = grad_cls
    _DATA_TYPE[0] = data_cls
    _PARAM_TYPE[0] = param_cls


def is_param_view(v) -> bool:
    """Whether ``v`` is a ``_PARAM_TYPE`` view: a Module's parameter array as handed out."""
    return type(v) is _PARAM_TYPE[0] and _PARAM_TYPE[0] is not np.ndarray


def as_param(v):
    """A Module's parameter as the Module hands it out: an array as a ``_PARAM_TYPE`` view
    (the same memory), a tensor as itself."""
    return v.view(_PARAM_TYPE[0]) if type(v) is np.ndarray else v


def _same(t):
    return t


def data_view(t, v):
    """``v``, the read-only value of the tensor ``t``, as ``t.data`` shows it: a
    ``_DATA_TYPE`` view whose in-place Tensor methods give ``t`` the new value."""
    if type(v) is not np.ndarray or _DATA_TYPE[0] is np.ndarray:
        return v
    view = v.view(_DATA_TYPE[0])
    view.owner = functools.partial(_same, t)  # (holds t, as a PyTorch .data holds storage:
    # w[1:3].data.zero_() writes through a part nothing else holds)
    return view


def as_grad(g):
    """A gradient array as ``.grad`` holds it: a plain ndarray becomes a view of the
    ``_GRAD_TYPE`` (the same memory); anything else (None, a recorded Tensor) stays."""
    return g.view(_GRAD_TYPE[0]) if type(g) is np.ndarray else g


def is_grad_array(g) -> bool:
    """Whether ``g`` is a plain ndarray or the ``_GRAD_TYPE`` view of one."""
    return type(g) is np.ndarray or type(g) is _GRAD_TYPE[0]


def run_hooks(entry, g, dtype, record: bool = False):
    """Apply a node's hooks to its cotangent ``g`` (JAX's convention; a hook sees and returns
    PyTorch's, the conjugate for a complex tensor). Unless ``record`` (``create_graph=True``)
    the hooks run as under ``tg.no_grad()``, as PyTorch runs them."""
    if not record:
        found = enter_grad_mode(no_grad_depth() + 1)
        try:
            return run_hooks(entry, g, dtype, True)
        finally:
            exit_grad_mode(found)
    t, fns = entry  # (t: the node, for its shape)
    conj = np.dtype(dtype).kind == "c"
    if not conj and np.dtype(dtype_of(concrete(g))).kind == "c":
        g = g.real  # (a real tensor's gradient is the cotangent's real part)
    if len(fns) > 1 and any(getattr(fn, "prehook", False) for fn in fns):  # (PyTorch's order:
        fns = sorted(fns, key=lambda fn: getattr(fn, "prehook", False))  # tensor hooks first)
    for fn in fns:
        if type(g) is Tensor and g._trace is not None:
            seen = g.conj() if conj else g
        else:
            seen = np.array(np.conj(concrete(g)) if conj else concrete(g)).view(_GRAD_VIEW[0])
            seen.flags.writeable = False  # (the sweep may share this buffer)
        try:
            new = fn(seen)
        except ValueError as exc:
            if "read-only" not in str(exc):
                raise
            raise TorchValueError(f"register_hook: the hook {getattr(fn, '__name__', fn)!r} wrote into "
                             "the gradient it was given, which is read-only (the sweep may share "
                             "it); return a new array instead") from exc
        if new is None:
            continue
        if tuple(np.shape(concrete(new))) != tuple(t.shape):  # (t: the node)
            raise TorchValueError(f"register_hook: the hook {getattr(fn, '__name__', fn)!r} returned "
                             f"a gradient of shape {np.shape(concrete(new))} for a tensor of "
                             f"shape {tuple(t.shape)}")
        if not (type(new) is Tensor and new._trace is not None):
            new = np.asarray(concrete(new)).view(np.ndarray)
            if new.dtype.kind == "c" and not conj:
                raise TypeError(f"register_hook: the hook returned a complex gradient (dtype "
                                f"{new.dtype}) for a real tensor")
            new = new.astype(dtype, copy=False)
        g = new.conj() if conj else new
    return g


#: PyTorch's names of the backward functions whose op tensorgrad names after NumPy's function
_TORCH_NAMES = {"multiply": "Mul", "subtract": "Sub", "divide": "Div", "true_divide": "Div",
                "power": "Pow", "negative": "Neg", "reshape": "View", "clip": "Clamp"}


class GradFn:
    """PyTorch's ``grad_fn``: the recorded op that made an imperative tensor. ``name()`` is
    PyTorch's name (``"MulBackward0"``; other ops after their tensorgrad op's name);
    ``next_functions`` pairs each input with its own ``GradFn``, ``AccumulateGrad`` for a
    leaf, or None for a constant."""

    __slots__ = ("_node",)

    def __init__(self, node):
        self._node = node

    def name(self) -> str:
        op = self._node.op
        if op is None:
            return "AccumulateGrad"
        torch_name = _TORCH_NAMES.get(op.name)  # (PyTorch's spelling of the common ones)
        if torch_name is not None:
            return torch_name + "Backward0"
        words = str(op.name).replace("[", "_").replace("]", "").split("_")
        return "".join(w[:1].upper() + w[1:] for w in words if w) + "Backward0"

    @property
    def next_functions(self) -> tuple:
        if self._node.op is None:
            return ()
        return tuple((GradFn(p) if p is not None else None, 0) for p in self._node.parents)

    def __eq__(self, other) -> bool:
        return isinstance(other, GradFn) and other._node is self._node

    def __hash__(self) -> int:
        return id(self._node)

    def register_prehook(self, hook) -> RemovableHandle:
        """PyTorch's: run ``hook(grad_outputs)`` (a 1-tuple: the node's complete gradient)
        before the node's rule runs; a returned 1-tuple replaces the gradient. It runs once the
        gradient is complete, after the tensor's own hooks (PyTorch's order), in the order
        registered."""
        if not callable(hook):
            raise TypeError(f"register_prehook: expected a function of grad_outputs, got {hook!r}")

        def on_grad(g):
            new = hook((g,))
            if new is None:
                return None
            if not isinstance(new, tuple) or len(new) != 1:
                raise TypeError(f"register_prehook: the hook {getattr(hook, '__name__', hook)!r} "
                                f"must return None or a 1-tuple of gradients (grad_outputs' "
                                f"form), got {type(new).__name__}")
            return new[0]
        on_grad.prehook = True
        return _hook_node(self._node, on_grad)

    def register_hook(self, hook):
        """PyTorch's ``hook(grad_inputs, grad_outputs)`` after the node's rule: not available.
        Raises, naming what serves instead."""
        raise NotImplementedError(
            f"{self.name()}.register_hook: hooks on a node's grad_inputs are not supported; "
            "register_prehook(fn) sees its grad_outputs, and register_hook on an input tensor "
            "sees (and may replace) that input's gradient")

    def __repr__(self) -> str:
        return f"<{self.name()} object>"


def _grad_fn(self: Tensor):
    """The :class:`GradFn` of a recorded result of the imperative tape; None for a leaf, a
    constant, or a value computed under ``tg.no_grad()`` (as PyTorch)."""
    node = self._node
    if self._trace is IMPERATIVE and node is not None and node.op is not None:
        return GradFn(node)
    return None


def _clone(self: Tensor, *, memory_format=None) -> Tensor:
    """PyTorch's ``clone()``: a copy that stays on the graph (NumPy's ``copy()``;
    ``memory_format`` changes nothing: every value is a NumPy array in C order)."""
    return self.copy()


def _numel(self: Tensor) -> int:
    """PyTorch's ``numel()``: the number of entries (NumPy's ``size``)."""
    return int(np.prod(self.shape, dtype=np.int64))


def _dim(self: Tensor) -> int:
    """PyTorch's ``dim()``: the number of axes (NumPy's ``ndim``)."""
    return len(self.shape)


Tensor.register_hook = register_hook
Tensor.register_post_accumulate_grad_hook = register_post_accumulate_grad_hook
Tensor.grad_fn = property(_grad_fn, doc=_grad_fn.__doc__)
Tensor.clone = _clone
Tensor.numel = _numel
Tensor.dim = _dim
