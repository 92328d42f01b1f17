"""PyTorch's ``torch.autograd.Function``: a forward and a backward written as static methods,
with a context object between them, applied with ``MyFunction.apply(*args)``.

Built on :class:`tensorgrad.custom.custom_vjp`, so it works on the imperative tape
(``loss.backward()``, ``tg.autograd.grad``) and inside every reverse-mode transform (``tg.grad``,
``tg.vjp``, ``tg.jacrev``, ``tg.hessian``, ``tg.jit``, ``tg.vmap``). Forward mode
(``tg.jvp``, ``tg.jacfwd``) needs a ``jvp`` static method, as in PyTorch.

Arrays and Tensors among the arguments are differentiated; anything else (numbers, strings,
None, functions) is passed through and gets no gradient, as a non-tensor argument in
PyTorch. ``backward`` returns one gradient per argument of ``forward`` (None for no
gradient); its ops are recorded, so ``backward(create_graph=True)`` and ``tg.hessian``
differentiate it again.

As in PyTorch, ``forward`` runs once per ``apply`` and with grad mode off; ``backward`` runs
with grad mode off unless ``create_graph=True`` records it. NumPy arrays reach both as
:class:`RuleArray`, the array itself with the Tensor extras ``clone()``, ``detach()``,
``numel()`` and ``dim()``.
"""
from __future__ import annotations

import contextlib
import copy
import inspect

import numpy as np

from .custom import _outputs, custom_vjp
from .guards import release_with
from .autograd_function_tape import (as_tensors, find_node, fitted, from_torch_convention, listen,
                                     lock_saved, on_tape, recorded, torch_convention)
from .autograd_once import holds_hidden, map_held, once_barrier, once_differentiable
from .jit_aot import MODES
from . import ops as _ops
from . import hooks as _hooks
from .hooks import TorchTypeError
from .imperative import _setitem_through, check_cast, no_grad, rule_mode
from .imperative import tensor as _tensor
from .imperative_sweep import note_constant_rule
from .ops import stop_gradient
from .recording import IMPERATIVE
from .tensor import Tensor, concrete, traced_level
from .tensor_views import basic_index, write_through, wrote
from .tensor_torch import install_on_rule_arrays
from .tree import tree_flatten, tree_unflatten

__all__ = ["Function", "FunctionCtx", "once_differentiable", "RuleArray", "GradArray", "DataArray"]


class RuleArray(np.ndarray):
    """What a Function's ``forward`` and ``backward`` receive for a NumPy array: the same
    array (a view, no copy; item assignment writes into it) with PyTorch's Tensor methods and
    meanings (tensorgrad.tensor_torch_flavor), so a Function ported from PyTorch runs
    unchanged. Results are handed back to the tape as plain arrays."""

    torch_api = True  # (PyTorch's meaning of t.std(), t.max(1), ...: tensorgrad.flavor)

    def clone(self) -> "RuleArray":
        """PyTorch's ``clone()``: a copy."""
        return self.copy()

    def detach(self) -> "RuleArray":
        """PyTorch's ``detach()``: the same values (a view; nothing here is recorded)."""
        return self.view(RuleArray)

    def numel(self) -> int:
        """PyTorch's ``numel()``: the number of entries."""
        return int(self.size)

    def dim(self) -> int:
        """PyTorch's ``dim()``: the number of axes."""
        return self.ndim

    def numpy(self) -> np.ndarray:
        """The values as a plain NumPy array (a view)."""
        return self.view(np.ndarray)

    def requires_grad_(self, requires_grad: bool = True):
        """A new leaf of the imperative tape holding a copy of these values (PyTorch's
        reentrant pattern ``ctx.x = x.detach().requires_grad_()``, recorded under
        ``tg.enable_grad()``). An ndarray cannot become a tensor in place: use the returned
        value."""
        return _tensor(self.view(np.ndarray), requires_grad=requires_grad)


install_on_rule_arrays(RuleArray)


def _written(value, what: str):
    """``value``'s concrete array for a write into an array (``.data``, a gradient), refused
    when a transform traces it: written in, it would be a constant and its gradient silently
    lost (as ``t.data = v`` refuses)."""
    if traced_level(value) > 0:
        raise TypeError(f"{what}: the value is traced by a transform (grad, vjp, jit, ...); an "
                        "array can only take a concrete value (the gradient through it would be "
                        "silently lost). Build the new value inside the transform instead")
    return concrete(value)


class GradArray(RuleArray):
    """What ``.grad`` and ``tg.autograd.grad`` hand out: the gradient's NumPy array itself
    (writes reach ``.grad``) with PyTorch's Tensor methods and meanings, so ported
    code such as ``w.grad.zero_()``, ``w.grad.data.zero_()``, ``g.norm()`` or
    ``g.clone()`` runs unchanged. Methods give GradArrays again (for chained calls);
    arithmetic and NumPy's functions give plain arrays, as for any gradient."""

    # a gradient as PyTorch's is one without create_graph: not recorded, a leaf, no grad_fn
    requires_grad = False
    is_leaf = True
    grad_fn = None

    @property
    def data(self) -> "GradArray":
        """PyTorch's ``.data``: the same gradient (NumPy's raw buffer is
        ``memoryview(g)``)."""
        return self

    @data.setter
    def data(self, value) -> None:
        # ``g.data = v`` writes v in (``p.data *= 2`` ends in ``p.data = p.data``: nothing left)
        if value is not self:
            self[...] = _written(value, "g.data = v")

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        if return_scalar:
            return arr[()]
        return arr.view(np.ndarray) if type(arr) is not np.ndarray else arr

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    def __reduce__(self):  # (pickled, copied by pickle or tg.save: a plain array)
        return self.view(np.ndarray).__reduce__()


def _data_in_place(ufunc, name: str, dunder: str):
    """``w.data -= v`` and the like on a DataArray: the tensor takes the new value, as
    ``w.data.sub_(v)`` gives it (``w.data`` is then rebound to the new view); on a slice or
    a copy, NumPy's operator (a read-only array raises)."""
    base = getattr(np.ndarray, dunder)

    def op(self, other):
        if self.owner is None:
            return base(self, other)
        return self.write_back(ufunc(self.view(np.ndarray), _written(other, f"t.data {dunder} (in place)")), name)
    op.__name__ = dunder
    return op


class DataArray(GradArray):
    """What a tensor's ``t.data`` is: its value, a read-only array, with PyTorch's Tensor
    methods. An in-place method (``w.data.sub_(lr * w.grad)``, ``.zero_()``, ``.fill_(v)``,
    ``.copy_(src)``) gives the tensor the new value, as ``w.data = ...`` does (nothing is
    recorded; a leaf stays the same leaf), and returns the tensor's new ``.data``. A value is
    never changed in place, so a view kept from before (``d = w.data``) still shows the old
    value, and an in-place method through it raises rather than update from the old value.
    A part taken by basic indexing (``w.data[2:4].fill_(1.0)``, ``w.data[0] += 1``) updates
    that part of the tensor the same way."""

    owner = None  # (a callable giving the tensor, which it holds; None on a copy)
    path = ()  # (the basic indices from the tensor's value to this part)

    def __getitem__(self, key):
        part = super().__getitem__(key)
        if self.owner is not None and isinstance(part, DataArray) and basic_index(key):
            part.owner, part.path = self.owner, self.path + (key,)
        return part

    def write_back(self, out, name: str):
        t = self.owner() if self.owner is not None else None
        if t is None:
            np.copyto(self, out, casting="unsafe")  # (raises: a read-only array)
            return self
        base, value = self.base, concrete(t)
        while isinstance(getattr(base, "base", None), np.ndarray):
            base = base.base
        while isinstance(getattr(value, "base", None), np.ndarray):  # (a part's value is a view)
            value = value.base
        if base is not value:  # the tensor has another value since: never update
            # from an old one (PyTorch's w.data shares memory; here a value is immutable)
            raise RuntimeError(
                f"t.data.{name}: this view holds the tensor's value from before it changed (an "
                "earlier in-place method through it, or t.data = ...); in-place methods update "
                f"the tensor from its current value: write t.data.{name}(...) afresh each time")
        if name not in ("zero_", "fill_", "copy_"):  # (those cast, as PyTorch's)
            check_cast(f"t.data.{name}", out, t.dtype, f"use t.data.{name[:-1]}(...)")
        if self.path:  # (a part: the tensor's value with that part replaced)
            full = np.array(concrete(t))
            target = full
            for key in self.path[:-1]:
                target = target[key]
            target[self.path[-1]] = out
            out = full
        t.data = out
        wrote(t, None, quiet=True)  # (t's own parts show the new values, as t.data's memory)
        with no_grad():  # (t itself a part of a tensor, w[0].data.zero_(): into it, unrecorded,
            write_through(t, _setitem_through)  # as PyTorch's .data writes, a leaf's too)
        view = t.data
        for key in self.path:
            view = view[key]
        return view

    def __array_finalize__(self, obj):
        self.owner, self.path = None, ()  # (a copy is not the tensor's value; a part gets
        # its owner and path from __getitem__)

    def __setitem__(self, key, value):
        """``w.data[i] = v``: the tensor takes its value with entry ``i`` replaced (a view
        of its value from before refuses, as the in-place methods do)."""
        if self.owner is None:  # (a copy: NumPy's item assignment; read-only ones raise)
            super().__setitem__(key, value)
            return
        if isinstance(value, DataArray) and value.owner is not None \
                and value.owner() is self.owner() and value.path == self.path + (key,):
            return  # (``w.data[0] *= 2`` stores back the part its *= already wrote in)
        new = np.array(self)
        new[key] = _written(value, "t.data[index] = v")
        self.write_back(new, "copy_")

    __iadd__ = _data_in_place(np.add, "add_", "__iadd__")
    __isub__ = _data_in_place(np.subtract, "sub_", "__isub__")
    __imul__ = _data_in_place(np.multiply, "mul_", "__imul__")
    __itruediv__ = _data_in_place(np.true_divide, "div_", "__itruediv__")


def _checked(cls: type, name: str, writes: bool = False):
    """``cls``'s method ``name`` for ParamArray, first checking the array is still its
    Module's parameter (a write to a replaced one would be lost, a read gives old values).
    A write (``writes``) makes jitted functions trace again (see :func:`_param_written`)."""
    def op(self, *args, **kwargs):  # (cls's method as it is then: tensor_torch_flavor wraps some)
        _hooks.PARAM_FLAG[3](self, name)
        if writes:
            _param_written()
        return getattr(cls, name)(self, *args, **kwargs)
    op.__name__ = name
    return op


def _param_written() -> None:
    """A parameter's array was written in place (``lin.weight.mul_(2)``, ``nn.init.normal_``,
    ``w[0] = 5``): jitted functions that baked its old values trace again at their next call."""
    MODES[0] += 1


#: NumPy's functions that write into one of their arguments
_WRITING_FUNCTIONS = frozenset({np.copyto, np.place, np.put, np.putmask, np.fill_diagonal,
                                np.put_along_axis})


class ParamArray(GradArray):
    """A Module's parameter array as ``model.parameters()``, ``named_parameters()`` and the
    attributes (``conv.weight``, ``linear.bias``) hand it out: the array itself (a view:
    writes reach the Module) with PyTorch's Tensor methods and a parameter's attributes, so
    ``sum(p.numel() for p in model.parameters() if p.requires_grad)`` and
    ``for p in model.parameters(): p.requires_grad = False`` run as in PyTorch.
    ``requires_grad`` is True unless the Module was frozen; setting it (or
    ``requires_grad_(flag)``), or an optimizer made on it, makes the Module's parameters
    tensors that require grad, as ``model.requires_grad_()`` does, and acts on the tensor
    that took this array's place. From then on the array is not the parameter: ``grad`` is
    that tensor's (so ``clip_grad_norm_`` on a list kept from before clips the model's
    gradients), and writes to it (item assignment, ``p -= ...``, ``p.mul_(...)``) raise
    rather than be lost. Until then ``grad`` is None (an array is not on the imperative
    tape). A slice or copy is not the parameter (``requires_grad`` False;
    ``requires_grad_()`` gives a new leaf tensor of its values). Pickled, a plain array."""

    is_leaf = True
    whole = False  # (the parameter's own view: set when made from the parameter's array)
    results_as = GradArray  # (what its Tensor methods return: not parameters)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # (computing with, or writing into, an array that is no longer the parameter raises:
        # the values would be silently old ones, or the write lost)
        out = kwargs.get("out") or ()
        _hooks.PARAM_FLAG[4]((*inputs, *out))
        if (out and any(isinstance(x, ParamArray) for x in out)) or (
                method == "at" and isinstance(inputs[0], ParamArray)):
            _param_written()
        inputs = tuple(x.view(np.ndarray) if isinstance(x, np.ndarray) else x for x in inputs)
        if out:
            kwargs["out"] = tuple(x.view(np.ndarray) if isinstance(x, np.ndarray) else x
                                  for x in out)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        _hooks.PARAM_FLAG[4]((*args, *kwargs.values()))
        if func in _WRITING_FUNCTIONS:
            _param_written()
        return super().__array_function__(func, types, args, kwargs)

    def __array_finalize__(self, obj):
        self.whole = type(obj) is np.ndarray  # (a slice, copy or view of a view is not)

    @property
    def grad(self):
        """None, or once the Module's parameters became tensors, the gradient of the tensor
        in this array's place."""
        return _hooks.PARAM_FLAG[2](self)

    @grad.setter
    def grad(self, value) -> None:  # (PyTorch's p.grad = None: the tensor in its place)
        _hooks.PARAM_FLAG[5](self, value)

    @property
    def requires_grad(self) -> bool:
        return _hooks.PARAM_FLAG[0](self)

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        _hooks.PARAM_FLAG[1](self, flag)

    def requires_grad_(self, requires_grad: bool = True):
        """Set ``requires_grad`` (see the class) and return the tensor now in this array's
        place in its Module; on a slice or a copy, a new leaf tensor of its values."""
        if not self.whole:
            return super().requires_grad_(requires_grad)
        return _hooks.PARAM_FLAG[1](self, requires_grad)

    def write_back(self, out, name: str):  # (an in-place Tensor method's write)
        _hooks.PARAM_FLAG[3](self, name)
        _param_written()
        np.copyto(self.view(np.ndarray), out, casting="unsafe")
        return self

    def __setitem__(self, key, value):
        _hooks.PARAM_FLAG[3](self, "item assignment")
        _param_written()
        super().__setitem__(key, value)

    __iadd__, __isub__, __imul__, __itruediv__, __ipow__, __ifloordiv__, __imod__, fill, put, \
        partition = (_checked(np.ndarray, n, writes=True) for n in (
            "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__", "__ifloordiv__",
            "__imod__", "fill", "put", "partition"))
    # (reads of its old values: refused too; sort is PyTorch's, (values, indices))
    __getitem__, item, tolist, copy, __copy__, __deepcopy__, __float__, __int__, detach, clone, \
        numpy, sort = (_checked(GradArray, n) for n in (
            "__getitem__", "item", "tolist", "copy", "__copy__", "__deepcopy__", "__float__",
            "__int__", "detach", "clone", "numpy", "sort"))


_hooks.use_grad_view(RuleArray, GradArray, DataArray, ParamArray)  # (tensor hooks see gradients as RuleArrays)


def _for_rule(v):
    """``v`` as a rule sees it: an exact ndarray gains the Tensor extras (a view)."""
    return v.view(RuleArray) if type(v) is np.ndarray else v


def plain_arrays(v):
    """A rule's result for the tape (or NumPy's function's arguments): RuleArrays back to
    plain arrays, in any tuple, list or dict."""
    if isinstance(v, RuleArray):
        return v.view(np.ndarray)
    if type(v) in (tuple, list):
        return type(v)(plain_arrays(e) for e in v)
    if isinstance(v, dict):
        return {k: plain_arrays(e) for k, e in v.items()}
    return v


class FunctionCtx:
    """The ``ctx`` a Function's ``forward`` (or ``setup_context``) fills and its ``backward``
    reads: ``save_for_backward(*tensors)`` / ``saved_tensors``, ``needs_input_grad``,
    ``mark_non_differentiable(*outputs)``, ``set_materialize_grads(flag)``, and any attribute
    you set on it."""

    def __init__(self, needs_input_grad: tuple):
        self.needs_input_grad = needs_input_grad
        self.saved_tensors: tuple = ()
        self.materialize_grads = True
        self._non_diff: list = []
        self.to_save: tuple = ()
        self._got: set = set()  # outputs that received a gradient (materialize_grads False)
        self._notes = False
        self._create_graph = False
        self._inputs: tuple = ()  # (the recorded inputs, in a create_graph sweep)
        self._lifted = False  # (a copy for a transform run on tensors of the tape, see fwd)

    def save_for_backward(self, *tensors) -> None:
        self.saved_tensors = tuple(tensors)
        self.to_save = self.saved_tensors

    def save_for_forward(self, *tensors) -> None:
        self.saved_for_forward = tuple(tensors)

    def mark_non_differentiable(self, *outputs) -> None:
        self._non_diff.extend(id(o) for o in outputs)

    def mark_dirty(self, *tensors) -> None:  # (forward's write into its input raised first)
        raise NotImplementedError(
            "ctx.mark_dirty: tensorgrad's Functions cannot modify their inputs in place; return "
            "a new array instead")

    def set_materialize_grads(self, value: bool) -> None:
        """With False, ``backward`` gets None (instead of zeros) for an output that received
        no gradient, as in PyTorch. Only the imperative tape can tell (``loss.backward()``,
        ``tg.autograd.grad``); inside a transform every output's gradient arrives, zeros
        included."""
        self.materialize_grads = bool(value)


def _differentiable(a) -> bool:
    if isinstance(a, Tensor):
        return a.dtype.kind in "fc"
    return isinstance(a, np.ndarray) and a.dtype.kind in "fc"


class _FunctionMeta(type):
    def __call__(cls, *args, **kwargs):
        raise RuntimeError(f"{cls.__name__}: a tg.autograd.Function is not instantiated; call "
                           f"{cls.__name__}.apply(...)")


class Function(metaclass=_FunctionMeta):
    """Subclass it with static methods ``forward(ctx, *args)`` and ``backward(ctx,
    *grad_outputs)`` (or PyTorch's newer ``forward(*args)`` with ``setup_context(ctx, inputs,
    output)``), and optionally ``jvp(ctx, *tangents)`` for forward mode; call it with
    ``MyFunction.apply(*args)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward")

    @classmethod
    def apply(cls, *args, **kwargs):
        return _call(cls, args, kwargs)[0]


def _call(cls, args: tuple, kwargs: dict):
    """``cls.apply(*args, **kwargs)``, and the list that holds (the arguments as forward saw
    them, its output as it returned it, ctx) once forward has run."""
    if kwargs:  # (as PyTorch 2: bound to forward's parameters, in order, defaults filled)
        new = "setup_context" in _defined(cls)
        bound = inspect.signature(cls.forward).bind(*(() if new else (None,)), *args, **kwargs)
        bound.apply_defaults()
        args = bound.args if new else bound.args[1:]
    name = cls.__name__
    diff = [i for i, a in enumerate(args) if _differentiable(a)]
    # PyTorch's flags: True for an input that may carry a gradient (a traced tensor or a
    # leaf that requires grad), False for a constant array or tensor
    needs = tuple(i in diff and isinstance(args[i], Tensor) and args[i]._trace is not None
                  for i in range(len(args)))
    defined = _defined(cls)
    new_style = "setup_context" in defined
    if "vjp" in defined and "backward" in defined:
        raise TypeError(f"{name}: define backward or its alias vjp, not both (as PyTorch)")
    backward = cls.vjp if "vjp" in defined else cls.backward  # (PyTorch's alias)
    once = getattr(backward, "_once_differentiable", False)

    # the first call: (the arguments as forward saw them, its output as it returned it,
    # ctx); later calls of the VJP rule's forward reuse it (see _recorded_ctx)
    seen: list = []
    node_ref: list = []  # a weak reference to the node on the imperative tape, if any

    def run(dvals, deep=False):
        # (deep: inputs a transform traced over tensors of the imperative tape; the tape then
        # records forward's ops, and backward's, as that transform does)
        ctx = FunctionCtx(needs)
        ctx._deep = deep
        full = list(args)
        for i, v in zip(diff, dvals):
            full[i] = v
        full = [_for_rule(v) for v in full]
        try:
            with contextlib.nullcontext() if deep else rule_mode():  # (PyTorch: not recorded)
                if new_style:
                    out = cls.forward(*full)
                    cls.setup_context(ctx, tuple(full), out)
                else:
                    out = cls.forward(ctx, *full)
        except ValueError as exc:  # (NumPy's refusal to write into a read-only input)
            if "read-only" not in str(exc):
                raise
            raise NotImplementedError(
                f"{name}.forward wrote into an array that is read-only there ({exc}): "
                "tensorgrad's Functions cannot modify their inputs in place (PyTorch's "
                "ctx.mark_dirty); compute and return a new array instead (x.clone())") from exc
        if not seen:
            seen.append((full, out, ctx))
        lock_saved(ctx, name)
        return plain_arrays(out), ctx

    def fun(*dvals):  # (the primal alone: under a forward trace, in an enclosing rule)
        return run(dvals, any(on_tape(v) for v in dvals))[0]

    def fwd(*dvals):
        if not seen and not any(type(v) is Tensor and v._trace is IMPERATIVE for v in dvals):
            return run(dvals, any(on_tape(v) for v in dvals))
        if not seen:  # run by a transform on tensors of the imperative tape: the Function
            # is applied on that tape too (its own backward there), and this level's
            # backward runs recorded on the tape's values, as in a create_graph sweep
            outer = list(args)
            for i, v in zip(diff, dvals):
                outer[i] = v
            lifted, below = _call(cls, tuple(outer), {})
            seen.append(below[0])
            full, out, ctx = seen[0]
            ctx = _recorded_ctx(ctx, full, out, diff, dvals, tree_flatten(lifted)[0])
            # (this level's flags: an input the transform differentiates needs its gradient;
            # and here every output's gradient arrives, zeros included)
            ctx.needs_input_grad = tuple(a or b for a, b in zip(needs, ctx.needs_input_grad))
            ctx._notes, ctx._lifted = False, True
            return lifted, ctx
        # the sweep itself is being recorded (create_graph=True) and asks for residuals
        # that depend on the recorded inputs: forward is not run again (it may draw random
        # numbers or count calls), its saved inputs and outputs are swapped for recorded ones
        full, out, ctx = seen[0]
        node = node_ref[0]() if node_ref else None
        mine = [plain_arrays(v) for v in tree_flatten(out)[0]]
        rec = _outputs(node.out, mine) if node is not None and recorded(node.out) else None
        return plain_arrays(out), _recorded_ctx(ctx, full, out, diff, dvals, rec)

    def bwd(ctx, g):
        gs = g if isinstance(g, tuple) else (g,)
        if ctx._notes and not ctx.materialize_grads:  # None for outputs that got none
            got = set(ctx._got)
            ctx._got.clear()  # (the set is shared with a create_graph sweep's copy)
            gs = tuple(v if k in got else None for k, v in enumerate(gs))
        # PyTorch's backward takes and returns the conjugates of tensorgrad's (JAX's)
        # cotangents of complex values: convert at the boundary both ways
        gs = tuple(_for_rule(torch_convention(v)) for v in gs)
        if (ctx._create_graph or ctx._deep) and not once:
            res = backward(ctx, *gs)  # recorded (grad mode as the caller has it)
        else:
            with rule_mode():
                res = backward(ctx, *gs)
        res = plain_arrays(res if isinstance(res, tuple) else (res,))
        if len(res) > len(args) and all(r is None for r in res[len(args):]):
            res = res[:len(args)]  # (PyTorch ignores trailing Nones past the inputs)
        if len(res) != len(args):
            raise TorchTypeError(f"{name}.backward returned {len(res)} gradients; forward "
                                 f"takes {len(args)} inputs (return None for an input "
                                 "without one)")
        for i, r in enumerate(res):
            if r is None:
                continue
            if i not in diff and not isinstance(args[i], (np.ndarray, Tensor)):
                raise TorchTypeError(f"{name}.backward returned a gradient for input {i}, a "
                                f"{type(args[i]).__name__}, which is not an array; return "
                                "None there, as PyTorch requires")
        if once and ctx._create_graph:  # differentiating these again must raise
            deps = tuple(v for v in gs + tuple(ctx.saved_tensors) + ctx._inputs
                         if recorded(v))
            res = tuple(r if r is None else once_barrier(r, deps) for r in res)
        elif ctx._create_graph and ctx._hidden and not ctx._lifted and not all(
                res[i] is None or recorded(res[i]) for i in diff):  # (see note_constant_rule;
            # run by a transform, this is not a sweep of the tape: its results stay constants)
            note_constant_rule(node_ref[0]() if node_ref else None)
        return tuple(from_torch_convention(fitted(name, i, res[i], args[i]), args[i], name, i)
                     for i in diff)

    fun.__name__ = fun.__qualname__ = name
    rule = custom_vjp(fun)
    rule.check_outputs = False  # (fwd is forward itself)
    rule.defvjp(fwd, bwd)
    if "jvp" in defined:
        def forward_rule(primals, tangents):
            # (fwd's first call: run, or lifted onto the tape; later calls run forward again)
            out, ctx = run(primals, any(on_tape(v) for v in primals)) if seen else fwd(*primals)
            if hasattr(ctx, "saved_for_forward"):  # jvp reads them as saved_tensors
                ctx.saved_tensors = ctx.saved_for_forward
            full = [None] * len(args)  # (PyTorch: one tangent per input, None for others)
            for i, v in zip(diff, tangents):
                full[i] = _for_rule(v)
            with contextlib.nullcontext() if ctx._create_graph or ctx._deep else rule_mode():
                t = plain_arrays(cls.jvp(ctx, *full))  # (recorded: see fwd and run)
            if isinstance(out, tuple) and isinstance(t, (tuple, list)) \
                    and len(t) == len(out):  # (None: no tangent, as PyTorch allows)
                t = tuple(_ops.zeros_like(o) if v is None else v for o, v in zip(out, t))
            return out, t
        rule.forward_rule = forward_rule
    out = rule(*(args[i] for i in diff)) if diff else fun()
    if not seen:
        return as_tensors(out, args), seen
    ctx = seen[0][2]
    find_node(out, node_ref)
    if node_ref:  # forward's arguments, output and ctx go with the node's saved values
        release_with(node_ref[0]().args, seen.clear)
    if not ctx.materialize_grads and node_ref:
        listen(out, ctx)
    marked = set(ctx._non_diff)
    if not marked:
        return as_tensors(out, args), seen
    # outputs forward marked non-differentiable come back cut from the graph
    leaves, td = tree_flatten(out)
    plain = tree_flatten(seen[0][1])[0]
    return as_tensors(tree_unflatten(td, [stop_gradient(v) if id(p) in marked else v
                                           for v, p in zip(leaves, plain)]), args), seen


def _recorded_ctx(ctx: FunctionCtx, full: list, out, diff: list, dvals, recorded):
    """A copy of forward's ``ctx`` for a recorded (create_graph) sweep: what it holds of
    forward's differentiable inputs becomes the recorded inputs ``dvals``, and what it holds
    of forward's outputs becomes the recorded outputs ``recorded`` (their leaves; None: not
    known), so backward's ops record their dependence on both (as PyTorch's saved tensors
    do); anything else stays a constant."""
    swap = {}
    for i, v in zip(diff, dvals):
        if full[i] is not v:
            swap[id(full[i])] = _for_rule(v)
    if recorded is not None:
        for v, r in zip(tree_flatten(out)[0], recorded):
            swap[id(v)] = r
    new = copy.copy(ctx)
    new._create_graph = True
    new._inputs = tuple(dvals)
    new._hidden = holds_hidden([v for k, v in vars(ctx).items() if k not in _OWN], full, out)

    for k, v in vars(ctx).items():
        if k not in _OWN:
            setattr(new, k, map_held(v, lambda e: swap.get(id(e), e)))
    return new


#: FunctionCtx's own bookkeeping, which a create_graph sweep's copy keeps as it is
_OWN = frozenset({"_non_diff", "_got", "_notes", "_create_graph", "_inputs", "_hidden",
                  "_deep", "_lifted"})


def _defined(cls) -> set:
    """The names ``cls`` (or a base below Function) defines itself."""
    names = set()
    for k in cls.__mro__:
        if k is Function:
            break
        names.update(vars(k))
    return names
