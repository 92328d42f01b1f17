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
"""
from __future__ import annotations

import numpy as np

from .custom import custom_vjp
from . import ops as _ops
from .ops import stop_gradient
from .tensor import Tensor
from .tree import tree_flatten, tree_unflatten

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


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

    def save_for_backward(self, *tensors) -> None:
        self.saved_tensors = tuple(tensors)
        self.to_save = self.saved_tensors

    def save_for_forward(self, *tensors) -> None:
        self.saved_for_forward = tuple(tensors)

    def mark_non_differentiable(self, *outputs) -> None:
        self._non_diff.extend(id(o) for o in outputs)

    def mark_dirty(self, *tensors) -> None:
        raise NotImplementedError(
            "ctx.mark_dirty: tensorgrad's Functions cannot modify their inputs in place; return "
            "a new array instead")

    def set_materialize_grads(self, value: bool) -> None:
        # (backward always receives arrays, zeros for outputs without a gradient: code that
        # tests `if g is None` still runs, with the zeros)
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
        if kwargs:
            raise TypeError(f"{cls.__name__}.apply takes positional arguments only, as in "
                            "PyTorch")
        name = cls.__name__
        diff = [i for i, a in enumerate(args) if _differentiable(a)]
        # PyTorch's flags: True for an input that may carry a gradient (a traced tensor or a
        # leaf that requires grad), False for a constant array or tensor
        needs = tuple(i in diff and isinstance(args[i], Tensor) and args[i]._trace is not None
                      for i in range(len(args)))
        defined = _defined(cls)
        new_style = "setup_context" in defined

        def merge(dvals):
            full = list(args)
            for i, v in zip(diff, dvals):
                full[i] = v
            return full

        seen: list = []  # the (output, ctx) of the call that computes apply's result

        def run(dvals):
            ctx = FunctionCtx(needs)
            full = merge(dvals)
            if new_style:
                out = cls.forward(*full)
                cls.setup_context(ctx, tuple(full), out)
            else:
                out = cls.forward(ctx, *full)
            if not seen:
                seen.append((out, ctx))
            return out, ctx

        def fun(*dvals):
            return run(dvals)[0]

        def bwd(ctx, g):
            gs = g if isinstance(g, tuple) else (g,)
            # PyTorch's backward takes and returns the conjugates of tensorgrad's (JAX's)
            # cotangents of complex values: convert at the boundary both ways
            res = cls.backward(ctx, *(_torch_convention(v) for v in gs))
            res = res if isinstance(res, tuple) else (res,)
            if len(res) != len(args):
                raise TypeError(f"{name}.backward returned {len(res)} gradients; forward takes "
                                f"{len(args)} inputs (return None for an input without one)")
            for i, r in enumerate(res):
                if r is not None and i not in diff and not isinstance(args[i], (np.ndarray,
                                                                                Tensor)):
                    raise TypeError(f"{name}.backward returned a gradient for input {i}, a "
                                    f"{type(args[i]).__name__}, which is not an array; return "
                                    "None there, as PyTorch requires")
            return tuple(_from_torch_convention(res[i], args[i]) for i in diff)

        fun.__name__ = fun.__qualname__ = name
        rule = custom_vjp(fun)
        rule.check_outputs = False  # (fwd is forward itself)
        rule.defvjp(lambda *dvals: run(dvals), bwd)
        if "jvp" in defined:
            def forward_rule(primals, tangents):
                out, ctx = run(primals)
                if hasattr(ctx, "saved_for_forward"):  # jvp reads them as saved_tensors
                    ctx.saved_tensors = ctx.saved_for_forward
                full = [None] * len(args)  # (PyTorch: one tangent per input, None for others)
                for i, v in zip(diff, tangents):
                    full[i] = v
                t = cls.jvp(ctx, *full)
                if isinstance(out, tuple) and isinstance(t, (tuple, list)) \
                        and len(t) == len(out):  # (None: no tangent, as PyTorch allows)
                    t = tuple(_ops.zeros_like(o) if v is None else v for o, v in zip(out, t))
                return out, t
            rule.forward_rule = forward_rule
        out = rule(*(args[i] for i in diff)) if diff else fun()
        marked = set(seen[0][1]._non_diff) if seen else set()
        if not marked:
            return out
        # outputs forward marked non-differentiable come back cut from the graph
        leaves, td = tree_flatten(out)
        plain = tree_flatten(seen[0][0])[0]
        return tree_unflatten(td, [stop_gradient(v) if id(p) in marked else v
                                   for v, p in zip(leaves, plain)])


def _torch_convention(g):
    """A cotangent in PyTorch's convention: the conjugate, for a complex one."""
    return _ops.conj(g) if g is not None and np.iscomplexobj(g) else g


def _from_torch_convention(r, arg):
    """backward's gradient ``r`` for input ``arg``, back in tensorgrad's convention: the
    conjugate for a complex input; for a real input, the real part (PyTorch's rule)."""
    if r is None or not np.iscomplexobj(r):
        return r
    return _ops.conj(r) if np.iscomplexobj(arg) else _ops.real(r)


def _defined(cls) -> set:
    """The names ``cls`` (or a base below Function) defines itself."""
    names = set()
    for k in cls.__mro__:
        if k is Function:
            break
        names.update(vars(k))
    return names


def once_differentiable(fn):
    """PyTorch's decorator for a ``backward`` that cannot be differentiated again. tensorgrad
    records backward's ops either way, so this changes nothing: a second derivative is right
    when backward's ops are tensorgrad's, and raises when a value leaves the tape."""
    return fn

