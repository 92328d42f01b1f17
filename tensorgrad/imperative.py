"""Imperative autodiff, PyTorch-style: ``tg.tensor(..., requires_grad=True)``,
``loss.backward()``, ``.grad`` and ``no_grad()``.

Imperative tensors live on one reverse trace, :data:`~tensorgrad.recording.IMPERATIVE`, the lowest
level, so every transform nests above it. ``backward`` runs the same sweep as ``tg.grad``."""
from __future__ import annotations

import functools
import inspect
import operator
import threading
import warnings
import weakref
from typing import Any

import numpy as np

from .guards import check_all_intact
from .hooks import TorchAttributeError, TorchTypeError, TorchValueError, as_grad, data_view
from .imperative_sweep import fill_grads, last_sweep_unlinked, seed_for, sweep_for
from .recording import _state as _grad_state
from .recording import (IMPERATIVE, enter_grad_mode, exit_grad_mode, imperative_paused, leaf_node,
                        no_grad_depth, set_no_grad_depth, use_zero_op)
from .ops.creation import device_form, leaf
from .registry import Op
from .staging import is_staged
from .torch_form import RULE_ARRAYS
from .tensor import Tensor, concrete, dtype_of, shape_of, torch_made, traced_level, undual
from .tensor_views import traced_part, write_through, wrote
from .torch_updates import adopt, operator_update, staged_update, traced_setitem, unmapped_value

__all__ = ["tensor", "backward", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]

#: the recorded results retain_grad() was called on (gone with the tensor), by id
_RETAINED: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_RETAINED_LOCK = threading.Lock()


def tensor(data: Any, requires_grad: bool = False, dtype=None, device=None) -> Tensor:
    """Make a Tensor from array-like ``data`` (always a copy).

    With ``requires_grad=True`` the tensor is a leaf of the imperative tape:
    ops on it record, and ``loss.backward()`` fills ``.grad``. Its dtype must
    be floating point (default float64 for Python numbers).

    ``device`` may only be None or ``"cpu"`` (PyTorch's keyword; there is no other device).
    Inside a transform, ``data`` must not hold a traced value: the copy would
    be a constant and silently drop its gradient (TypeError; use
    ``tg.stop_gradient(x)`` if a constant is meant, or the value itself).
    """
    device_form("tensor", device)  # (the CPU, the only device: any other raises)
    if _traced_inside(data):
        raise TypeError(
            "tensor(): the data holds a traced value inside a transform (grad, vjp, jacrev, "
            "...); a new tensor would be a constant copy and the gradient through it would be "
            "silently lost. Use the traced value itself (every op also takes lists of traced "
            "values, and tg.stack joins them), or tg.stop_gradient(x) if a constant is meant")
    if isinstance(data, (list, tuple)):
        data = _concrete_nested(data)
    a = np.array(concrete(data), dtype=dtype, copy=True)
    if a.dtype == object or a.dtype.kind in "USV":
        raise TypeError(f"tensor(): cannot make a tensor of dtype {a.dtype}")
    if not requires_grad:
        return torch_made(a)
    return leaf(a, "tensor")


def backward(self: Tensor, gradient=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires it.

    ``gradient`` is the cotangent to start from; it may be omitted for an
    output with one element. ``.grad`` accumulates across calls (as in
    PyTorch): zero it between steps. Saved values are freed afterwards
    unless ``retain_graph=True``. ``inputs`` (a tensor, or a sequence of them)
    limits the accumulation to those tensors, as in PyTorch: leaves, or recorded results,
    whose ``.grad`` then fills as if ``retain_grad()`` had been called on them.

    With ``create_graph=True`` the backward pass itself is recorded on the tape,
    as in PyTorch: each ``.grad`` it fills is a recorded tensor, so a function
    of it can be differentiated again (``tg.sum(x.grad * v).backward()`` adds
    the Hessian-vector product). ``gradient`` may then be a recorded tensor
    too, and the graph is kept (``retain_graph`` is implied).
    """
    self = undual(self)  # (a forward_ad dual: its primal's graph, as PyTorch)
    only, results = _backward_inputs(inputs)
    gradient = seed_for(self, gradient, create_graph, "backward()")
    check_all_intact("backward()", [self._node])
    taps = _taps()
    if results:  # recorded results among the inputs: their .grad fills, as a retained one's
        taps = {**(taps or {}), **results}
    # (with inputs=, only the part of the graph that leads to those leaves is swept, so only
    # their .grad and the retained results' on the way fill, as PyTorch's)
    leaves = sweep_for([self._node], [gradient], bool(retain_graph), create_graph, taps,
                       inputs=only)
    fill_grads(leaves, taps, "backward()", create_graph, last_sweep_unlinked())


def _backward_inputs(inputs):
    """``(the tape nodes of backward(inputs=...)'s tensors (None: every leaf), {node: tensor}
    of the recorded results among them)``."""
    if inputs is None:
        return None, None
    seq = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not seq:
        raise TorchValueError("backward(): inputs= must not be empty (as in PyTorch); leave it out "
                         "to fill the .grad of every leaf")
    results = {}
    for t in seq:
        if type(t) is Tensor and t._trace is IMPERATIVE and t._node is not None \
                and t._node.op is not None:
            results[t._node] = t
        elif type(t) is not Tensor or not _is_leaf(t):
            raise ValueError(
                "backward(inputs=...): each input must be a tensor that requires grad (a leaf "
                "made by tg.tensor(..., requires_grad=True), or a result recorded from one)")
    return {t._node for t in seq}, results


Tensor.backward = backward


def _is_leaf_prop(self: Tensor) -> bool:
    """False only for the recorded result of an op on the imperative tape (as PyTorch's
    ``is_leaf``: tensors that do not require grad are leaves too)."""
    return not (self._trace is IMPERATIVE and self._node is not None and self._node.op is not None)


def requires_grad_(self: Tensor, requires_grad: bool = True) -> Tensor:
    """Make this tensor a leaf that requires grad (or, with False, a leaf that does not), in
    place, as PyTorch's ``requires_grad_``; only for leaves (on a recorded result,
    ``requires_grad_(True)`` does nothing, as in PyTorch). A value traced by a transform
    refuses (as in ``torch.func``): changing its trace would silently drop its derivative."""
    if self._trace is not None and self._trace is not IMPERATIVE:
        raise TypeError(
            "requires_grad_(): this tensor is traced by a transform (grad, vjp, jvp, jacrev, "
            "jacfwd, ...); changing whether it requires grad would silently lose its derivative. "
            "Use tg.stop_gradient(x) (or x.detach()) for a constant, or the value itself")
    if not _is_leaf_prop(self):
        if requires_grad:
            return self  # it requires grad already (as PyTorch: a no-op)
        raise RuntimeError("requires_grad_(): only leaves can change requires_grad; this tensor "
                           "is the recorded result of an op (use detach() for a constant copy)")
    if bool(requires_grad) == bool(self.requires_grad):
        return self
    a = np.array(concrete(self))
    if requires_grad:
        if a.dtype.kind not in "fc":
            raise TorchTypeError(f"requires_grad_(): only floating-point and complex tensors can "
                            f"require gradients, got dtype {a.dtype}")
        a.flags.writeable = False
        self._value, self._trace = a, IMPERATIVE
        self._node = _former_leaf(self, a) or leaf_node(a, self)
    else:
        _FORMER[id(self)] = (weakref.ref(self, lambda _, k=id(self): _FORMER.pop(k, None)), self._node)
        self._value, self._trace, self._node = a, None, None
    return self


#: the leaf node a tensor had before ``requires_grad_(False)``, by id: made to require grad
#: again it is the same leaf, as in PyTorch (its hooks, and graphs recorded before, find it)
_FORMER: dict = {}


def _former_leaf(t: Tensor, value):
    entry = _FORMER.pop(id(t), None)
    if entry is None or entry[0]() is not t:
        return None
    node = entry[1]
    return node if node.shape == value.shape and node.dtype == value.dtype else None


def retain_grad(self: Tensor) -> None:
    """Have ``backward()`` fill this recorded result's ``.grad`` too, as PyTorch's
    ``retain_grad`` (a leaf keeps its gradient anyway). It accumulates as a leaf's does."""
    if self._trace is not IMPERATIVE:
        if self._trace is not None:
            raise TypeError("retain_grad(): this tensor is traced by a transform (grad, vjp, "
                            "jacrev, ...); take the gradient with respect to it by making it an "
                            "input of the transform")
        raise RuntimeError("retain_grad(): this tensor does not require grad (no tensor that "
                           "requires grad reached it), so it has no gradient to keep")
    if not _is_leaf_prop(self):
        with _RETAINED_LOCK:
            _RETAINED[id(self)] = self


def _retains_grad(self: Tensor) -> bool:
    """True after ``retain_grad()`` on a recorded result (PyTorch's ``retains_grad``)."""
    return _RETAINED.get(id(self)) is self


def _taps() -> dict | None:
    """``{node: tensor}`` of the live recorded results whose gradient backward() keeps."""
    if not _RETAINED:
        return None
    with _RETAINED_LOCK:
        live = list(_RETAINED.values())
    taps = {t._node: t for t in live if t._trace is IMPERATIVE and t._node is not None
            and t._node.op is not None}
    return taps or None


def _set_requires_grad(self: Tensor, requires_grad: bool) -> None:
    """``t.requires_grad = True`` / ``False``, PyTorch's attribute form of ``requires_grad_``
    (only leaves; a recorded result refuses, as in PyTorch)."""
    if not _is_leaf_prop(self) and self._trace is IMPERATIVE:
        raise RuntimeError("t.requires_grad = ...: only leaves can change requires_grad; this "
                           "tensor is the recorded result of an op (use detach() for a constant "
                           "copy)")
    requires_grad_(self, requires_grad)


def _del_requires_grad(self: Tensor) -> None:
    """``del t.requires_grad`` is refused, as in PyTorch (RuntimeError there)."""
    raise TorchAttributeError("del t.requires_grad: requires_grad cannot be deleted; set it "
                              "(t.requires_grad = False) or use t.detach()")


def _get_grad(self: Tensor):
    """The gradient ``backward()`` accumulated into this leaf (None before). On the recorded
    result of an op it is always None, and reading it warns, as in PyTorch: only leaves get
    one (make the value an input of ``tg.grad`` for the gradient with respect to it)."""
    g = self._grad
    if g is None and self._trace is IMPERATIVE and not _is_leaf_prop(self) \
            and not _retains_grad(self):
        warnings.warn("The .grad attribute of a tensor that is not a leaf is being read: it is "
                      "never filled by backward(), which fills the .grad of leaves only (tensors "
                      "made with tg.tensor(..., requires_grad=True)). For the gradient with respect "
                      "to an intermediate value, call .retain_grad() on it before backward() (as "
                      "in PyTorch), or make it an input of tg.grad", UserWarning, stacklevel=2)
    return g


def _set_grad(self: Tensor, value) -> None:
    """``t.grad = g``: None, or a gradient of the tensor's shape and dtype, or of the dtype its
    ``.grad`` has (``zero_grad``'s zeros); PyTorch refuses others, as tensorgrad does."""
    if value is not None and self._trace is IMPERATIVE:
        have = tuple(np.shape(concrete(value)))
        if have != tuple(self.shape):
            raise TorchValueError(f"t.grad = ...: a gradient of shape {have} for a tensor of shape "
                             f"{tuple(self.shape)}; assign None or an array of the tensor's shape")
        kind = getattr(concrete(value), "dtype", self.dtype)  # (a list: as before)
        if kind not in (self.dtype, getattr(concrete(self._grad), "dtype", self.dtype)):
            raise TorchTypeError(f"t.grad = ...: a gradient of dtype {kind} for a tensor of dtype "
                                 f"{self.dtype}; assign one of the tensor's dtype (g.astype(...))")
    self._grad = as_grad(value)


def _del_grad(self: Tensor) -> None:
    """``del t.grad``: as PyTorch, the same as ``t.grad = None``."""
    self._grad = None


Tensor.grad = property(_get_grad, _set_grad, _del_grad, doc=_get_grad.__doc__)
Tensor.is_leaf = property(_is_leaf_prop)
Tensor.requires_grad = property(Tensor.requires_grad.fget, _set_requires_grad,
                                _del_requires_grad, doc=Tensor.requires_grad.__doc__)
Tensor.requires_grad_ = requires_grad_
Tensor.retain_grad = retain_grad
Tensor.retains_grad = property(_retains_grad)


def _is_leaf(t: Tensor) -> bool:
    return t._trace is IMPERATIVE and t._node is not None and t._node.op is None


def _deepcopy(self: Tensor, memo) -> Tensor:
    """A leaf of the imperative tape copies into a new leaf (its own value and ``.grad``), as
    in PyTorch, so a copied model trains on its own; a recorded result as :func:`_copy`; any
    other Tensor as ``Tensor.__deepcopy__``."""
    if _is_leaf(self):
        out = tensor(concrete(self), requires_grad=True)
        if self.grad is not None:  # (its values: a grad recorded by create_graph=True too)
            out._grad = as_grad(np.array(concrete(self.grad)))  # (its dtype, as it is)
        return out
    if self._trace is IMPERATIVE:
        return _copy(self)
    return _plain_deepcopy(self, memo)


def _copy(self: Tensor) -> Tensor:
    """Tensors of the imperative tape take in-place updates (``t += 1``; a leaf inside
    ``tg.no_grad()``), so ``copy.copy`` must not hand back the same object: a leaf copies
    into a new leaf (as ``copy.deepcopy``), a recorded result into a new Tensor on the same
    place of the tape (the gradient still flows through it). Any other Tensor as
    ``Tensor.__copy__``."""
    if _is_leaf(self):
        return _deepcopy(self, {})
    if self._trace is IMPERATIVE:
        return Tensor(self._value, IMPERATIVE, self._node)
    return _plain_copy(self)


def _reduce(self: Tensor):
    if _is_leaf(self):  # pickled as a leaf that requires gradients (not its tape)
        return (tensor, (np.array(concrete(self)), True))
    if self._trace is IMPERATIVE:
        return (Tensor, (np.array(concrete(self)),))  # a recorded result: its value
    return _plain_reduce(self)


_plain_deepcopy, _plain_reduce, _plain_copy = Tensor.__deepcopy__, Tensor.__reduce__, Tensor.__copy__
Tensor.__deepcopy__ = _deepcopy
Tensor.__copy__ = _copy
Tensor.__reduce__ = _reduce


def check_cast(what: str, result, dtype, instead: str) -> None:
    """Refuse an in-place update whose ``result`` the tensor's ``dtype`` cannot hold (PyTorch's
    rule, and NumPy's same_kind casting for ``a /= 2`` on integers): never a silent truncation.
    The result's dtype is read without its value (a value tg.jit stages has none)."""
    have = np.dtype(dtype_of(result))
    if not np.can_cast(have, dtype, casting="same_kind"):
        raise TorchTypeError(f"{what}: result type {have} can't be cast to the desired output "
                             f"type {dtype} (an in-place update keeps the tensor's dtype); "
                             f"{instead}, or convert the tensor first")


def _in_place(symbol: str, op, what: str = "", instead: str = "", region=None):
    """``t <op>= v`` on an imperative tensor, as PyTorch: the tensor object itself takes the
    new value, so every name bound to it sees the update (an optimizer step
    ``with tg.no_grad(): p -= lr * p.grad`` trains ``p``, not a copy).

    * a leaf that requires grad: inside ``tg.no_grad()`` its value is replaced (it stays the
      same leaf, ``.grad`` kept); while recording it raises, as PyTorch does;
    * a recorded result: it becomes the recorded result of ``t <op> v`` (its value and its
      place on the tape), so later uses differentiate the updated value; inside
      ``tg.no_grad()`` only its value changes, its place on the tape stays (as PyTorch);
    * any other Tensor (values traced by a transform, which are immutable as in JAX): the
      name is rebound to ``t <op> v``, Python's default; so is a recorded result whose new
      value a transform or ``tg.jit`` traces (a leaf refuses such a value).
    """
    what = what or f"t {symbol}= ..."  # (the update, and the new-tensor form, for messages)
    instead = instead or f"t {symbol} ..."

    def method(self, other):
        if self._trace is not IMPERATIVE:
            return NotImplemented  # Python rebinds the name: self = self <op> other
        leaf = _is_leaf(self)
        if leaf and not imperative_paused():
            raise RuntimeError(
                f"{what}: t is a leaf tensor that requires grad (shape {self.shape}, "
                f"dtype {self.dtype}); updating it in place while recording would cut it off its "
                "own gradient. Do parameter updates inside `with tg.no_grad():` (as in PyTorch), "
                f"or write t = {instead} for a new tensor")
        result = op(self, other)
        check_cast(what, result, self.dtype, f"write t = {instead} for a new tensor")
        shape = tuple(np.shape(concrete(result)))
        if shape != tuple(self.shape):
            raise ValueError(f"{what}: the result has shape {shape}, but an in-place "
                             f"update must keep t's shape {tuple(self.shape)}")
        if traced_level(result) > 0 or is_staged(concrete(result)):
            # the new value is traced by a transform (grad, vjp, ...) or by tg.jit: an
            # imperative tensor cannot hold it (concrete() would silently drop its gradient,
            # or leave a jit-traced value behind after the trace)
            if leaf:
                raise TypeError(
                    f"{what}: t is a leaf tensor that requires grad, and the new value "
                    "is traced by a transform (grad, vjp, jacrev, ...) or by tg.jit; a leaf can "
                    "only take a concrete value in place. Update it outside the transform, or "
                    f"write t2 = {instead} for a new (traced) value")
            return result  # a new value: the name is rebound, as for every value a transform traces
        if leaf:  # inside no_grad: a new value for the same leaf
            a = np.array(concrete(result), dtype=self.dtype)
            a.flags.writeable = False
            self._value = a
            return self
        if type(result) is not Tensor or result._trace is not IMPERATIVE:
            value = np.asarray(concrete(result)).astype(self.dtype, copy=False)
            if imperative_paused():
                # inside no_grad, as PyTorch: a new value, the tape unchanged (the update
                # itself is not differentiated)
                self._value = value
                return self
            # while recording, the op has no derivative (``t //= v``, ...): the new value is
            # a constant, as ``t // v`` is. Keeping t's old place on the tape would
            # differentiate the value from before the update (a silently wrong gradient).
            self._value, self._trace, self._node = value, None, None
            return self
        if result.dtype != self.dtype:
            result = result.astype(self.dtype)
        self._value, self._node = result._value, result._node
        return self

    def updating(self, other):
        before = (self._value, self._trace, self._node)
        out = method(self, other)
        if out is self:  # (a part of a tensor, w[0]: the whole takes it too, as a view's)
            _through(self, before)
            wrote(self, region)  # (its parts there show the new values, as PyTorch's views)
        elif out is NotImplemented:  # (off the imperative tape: PyTorch's tensors in place too)
            fresh = f"write t = {instead} for a new tensor"
            return operator_update(self, lambda: op(self, other), what, setitem=_setitem_through,
                                   check=lambda new: check_cast(what, new, self.dtype, fresh))
        return out
    updating.__name__ = f"__i{op.__name__.strip('_')}__"
    return updating


for _sym, _name in zip("+ - * / // % ** @ & | ^ << >>".split(),
                      "add sub mul truediv floordiv mod pow matmul and or xor lshift rshift".split()):
    setattr(Tensor, f"__i{_name}__", _in_place(_sym, getattr(operator, f"__{_name}__")))


_immutable_setitem = Tensor.__setitem__  # (values a transform traces stay immutable, as JAX's)


def _setitem(self: Tensor, idx, value) -> None:
    """``t[idx] = v``, PyTorch's item assignment, for a tensor of the imperative tape or a
    constant tensor (``tg.tensor(a)``): the tensor object takes the value ``t.at[idx].set(v)``
    by :func:`_in_place`'s rules (a recorded result's gradient flows to the part of t kept and
    to v; a leaf that requires grad takes it only inside ``tg.no_grad()``). A value a transform
    traces for PyTorch's API takes the update (torch.func's); one traced for NumPy's or JAX's
    is immutable, as in JAX: ``t.at[idx].set(v)`` builds the new one."""
    if self._trace is IMPERATIVE:
        update = _in_place("[...]", lambda t, v: t.at[idx].set(v), "t[index] = v",
                           "t.at[index].set(v)", idx)
        if update(self, value) is not self:  # (the new value is traced by a transform)
            raise TypeError("t[index] = v: v is traced by a transform (grad, vjp, jit, ...), so "
                            "the tensor t cannot hold the result; write t2 = t.at[index].set(v)")
        return
    if self._trace is not None or type(self._value) is Tensor or traced_part(self):
        return None if traced_setitem(self, idx, value) else _immutable_setitem(self, idx, value)
    result = self.at[idx].set(value)
    if type(result) is Tensor and result._trace is IMPERATIVE:  # v requires grad: t records
        self._value, self._trace, self._node = result._value, IMPERATIVE, result._node
    elif traced_level(result) > 0 or is_staged(concrete(result)):  # (a buffer made inside
        adopt(self, result) or staged_update(self, result) or _immutable_setitem(self, idx, value)
    else:
        old = unmapped_value(self)  # (refused for a tensor a running func.vmap captured)
        new = np.asarray(concrete(result)).astype(self.dtype, copy=False)
        if isinstance(old, np.ndarray) and not old.flags.writeable and new.flags.writeable:
            new.flags.writeable = False
        self._value = new
    wrote(self, idx)  # (its parts there show the new values, as PyTorch's views)


def _setitem_through(self: Tensor, idx, value) -> None:
    before = (self._value, self._trace, self._node)
    _setitem(self, idx, value)
    _through(self, before)  # (a part of a tensor, w[0]: the whole takes it too)


def _through(t: Tensor, before: tuple) -> None:
    """Write the updated part ``t`` into its whole; if the whole refuses it (a leaf that
    requires grad, while recording), ``t`` gets its state ``before`` back, so the two agree."""
    try:
        write_through(t, _setitem_through)
    except BaseException:
        t._value, t._trace, t._node = before
        raise


Tensor.__setitem__ = _setitem_through


def _set_data(self: Tensor, value) -> None:
    """``t.data = v``, as PyTorch's: ``t`` takes the value ``v`` (a copy, in ``t``'s dtype and
    shape) in place, without recording, so every name bound to ``t`` sees it (a leaf stays the
    same leaf with its ``.grad``; a recorded result keeps its place on the tape, as an
    in-place update inside ``tg.no_grad()``). ``t.data`` itself is a read-only view: write
    ``p.data = p.data - lr * p.grad``, or ``with tg.no_grad(): p -= lr * p.grad``."""
    if traced_level(self) > 0:
        raise TypeError("t.data = ...: t is traced by a transform (grad, vjp, jacrev, ...), whose "
                        "values are immutable; build the new value instead (t2 = ...)")
    if traced_level(value) > 0:
        raise TypeError("t.data = v: v is traced by a transform; a tensor's data can only take "
                        "a concrete value (the gradient through v would be silently lost)")
    a = np.array(concrete(value), dtype=self.dtype, copy=True)
    if a.shape != tuple(self.shape):
        raise ValueError(f"t.data = v: v has shape {a.shape}, t has shape {tuple(self.shape)}; "
                         "the new data must keep t's shape")
    if self._trace is IMPERATIVE:
        a.flags.writeable = False
    self._value = a


def write_data(t: Tensor, value) -> None:
    """``t`` takes ``value`` in place without recording, as PyTorch's in-place writes of its
    data (an optimizer's step, ``load_state_dict``'s ``copy_``): ``t.data = value``, and the
    views of ``t`` show it (after ``t.data = v`` itself they do not: new memory in PyTorch)."""
    t.data = value
    wrote(t, None, quiet=True)


def _get_data(self: Tensor):
    return data_view(self, _plain_data(self))


_plain_data = Tensor.data.fget
_get_data.__doc__ = _plain_data.__doc__ + """

    Outside a transform it has PyTorch's Tensor methods (a ``DataArray``): ``w.data.norm()``,
    and the in-place ones give the tensor the new value (``w.data.sub_(lr * w.grad)``)."""
Tensor.data = property(_get_data, _set_data, doc=_get_data.__doc__)


def _traced_inside(x) -> bool:
    if type(x) is Tensor:
        return traced_level(x) > 0
    if isinstance(x, (list, tuple)):
        return any(_traced_inside(e) for e in x)
    return False


def _concrete_nested(x):
    return [_concrete_nested(e) if isinstance(e, (list, tuple)) else concrete(e) for e in x]


class _NoGrad:
    """What ``no_grad()`` returns: a context manager, and a decorator (``@tg.no_grad()``).
    On exit it restores the grad mode it found, as PyTorch's."""

    def __init__(self):
        self._found: list = []  # (one entry per open block: an object may be reused nested)

    def __enter__(self):
        self._found.append(enter_grad_mode(no_grad_depth() + 1))
        return self

    def __exit__(self, *exc):
        exit_grad_mode(self._found.pop())
        return False

    def __call__(self, fun):
        return no_grad(fun)


_RULE_COUNT = threading.Lock()


class rule_mode:
    """``with rule_mode():`` the imperative tape does not record, as in ``no_grad()``, while
    the levels of ``torch.func``'s transforms, which a user's ``no_grad()`` block stops, go on
    recording: the grad mode a custom Function's forward and rules run in (PyTorch runs them
    with grad mode off, and its functional transforms still differentiate them again)."""

    def __enter__(self):
        self._found = enter_grad_mode(no_grad_depth() + 1)
        _grad_state.exempt += 1
        with _RULE_COUNT:  # (a count over every thread: exact, read unlocked as a gate)
            RULE_ARRAYS[1] += 1
        return self

    def __exit__(self, *exc):
        _grad_state.exempt -= 1
        with _RULE_COUNT:
            RULE_ARRAYS[1] -= 1
        exit_grad_mode(self._found)
        return False


def no_grad(fun=None):
    """Inside this block, imperative tensors do not record (transforms still work).

    It applies to the calling thread only: other threads keep recording.
    Blocks nest. Also a decorator, with or without parentheses (``@tg.no_grad``).
    """
    if fun is None:
        return _NoGrad()
    if not callable(fun):
        raise TypeError(f"no_grad: expected a function to decorate (or no argument), got {fun!r}")

    return in_mode(fun, _NoGrad)


def in_mode(fun, block):
    """``fun`` run inside a fresh ``block()`` (a grad-mode context manager) at each call. For
    a generator function, each step of the generator runs inside one (the caller's code
    between steps keeps its own mode), as PyTorch's decorators do."""
    if inspect.isgeneratorfunction(fun):
        @functools.wraps(fun)
        def stepwise(*args, **kwargs):
            gen = fun(*args, **kwargs)
            try:
                with block():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with block():
                            gen.close()
                        raise
                    except BaseException as exc:
                        with block():
                            response = gen.throw(exc)
                    else:
                        with block():
                            response = gen.send(request)
            except StopIteration as stop:
                return stop.value
        return stepwise

    @functools.wraps(fun)
    def inside(*args, **kwargs):
        with block():
            return fun(*args, **kwargs)
    return inside


def is_grad_enabled() -> bool:
    """Whether imperative tensors record in this thread (``torch.is_grad_enabled``)."""
    return not imperative_paused()


class enable_grad:
    """Record again inside ``tg.no_grad()`` (as ``torch.enable_grad``): a context manager,
    and a decorator. It applies to the calling thread only; on exit the grad mode it
    found is restored."""

    def __new__(cls, fun=None):
        if fun is None:
            return super().__new__(cls)
        if not callable(fun):
            raise TypeError(f"enable_grad: expected a function to decorate (or no argument), got {fun!r}")
        return in_mode(fun, enable_grad)  # (@tg.enable_grad without parentheses, as PyTorch's)

    def __init__(self, fun=None):
        self._found: list = []

    def __enter__(self):
        self._found.append(enter_grad_mode(0))
        return self

    def __exit__(self, *exc):
        exit_grad_mode(self._found.pop())
        return False

    def __call__(self, fun):
        return in_mode(fun, enable_grad)


class set_grad_enabled:
    """``tg.set_grad_enabled(mode)``, as ``torch.set_grad_enabled``: imperative tensors record
    when ``mode`` is true, not when it is false. Called on its own it switches this thread
    until it is switched back (or until an enclosing ``no_grad``/``enable_grad``/
    ``set_grad_enabled`` block ends, which restores the mode it found); used with ``with`` it
    lasts for the block; as a decorator (``@tg.set_grad_enabled(False)``) for each call."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._prev = no_grad_depth()
        depth = self._prev
        set_no_grad_depth((depth or 1) if not self.mode else 0)   # (takes effect at once)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        set_no_grad_depth(self._prev)
        return False

    def __call__(self, fun):
        set_no_grad_depth(self._prev)  # as PyTorch: decorating does not switch the mode
        mode = self.mode
        return in_mode(fun, lambda: set_grad_enabled(mode))


# ---- ops without a derivative on the tape ----------------------------------------------------

_ZERO_OPS: dict = {}
#: the ops PyTorch records with a zero derivative; the others without one (comparisons,
#: stop_gradient, ...) give constants, as there. Floor division is one of them: PyTorch's
#: ``x // y`` stays on the graph (``div(rounding_mode="floor")``'s gradient is zeros)
_PIECEWISE_CONSTANT = frozenset({"floor", "ceil", "round", "rint", "trunc", "sign",
                                 "floor_divide"})


def _zero_derivative(op, n: int) -> Op | None:
    """The tape's stand-in for ``op`` (no derivative) on ``n`` inputs: its gradient is zeros, as
    PyTorch's for floor, round, sign, ... (tensors that require grad stay on the graph)."""
    if op.name not in _PIECEWISE_CONSTANT:
        return None
    key = (op.name, n)
    z = _ZERO_OPS.get(key)
    if z is None:
        def vjp_all(g, out, *args):
            batch = shape_of(g)[:len(shape_of(g)) - len(shape_of(out))]
            return tuple(np.zeros(batch + tuple(shape_of(a)), _float_of(a)) for a in args)

        def jvp_all(tangents, out, *args):
            i = next(i for i, t in enumerate(tangents) if t is not None)
            batch = shape_of(tangents[i])[:len(shape_of(tangents[i])) - len(shape_of(args[i]))]
            return np.zeros(batch + tuple(shape_of(out)), dtype_of(out))
        z = _ZERO_OPS[key] = Op(op.name, None, "dense", inputs=tuple(f"x{i}" for i in range(n)),
                                vjp_all=vjp_all, jvp_all=jvp_all, complex=True, symbol="0",
                                doc=f"{op.name}: no derivative (zero)")
    return z


def _float_of(a) -> np.dtype:
    dt = np.dtype(dtype_of(concrete(a)))
    return dt if dt.kind in "fc" else np.dtype(np.float64)


use_zero_op(_zero_derivative)
