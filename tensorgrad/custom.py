"""User-defined derivative rules, in JAX's style: ``custom_vjp`` and ``custom_jvp``.

A decorated function runs as a single node on the tape whose rule is the
user's: reverse mode calls the VJP rule (``custom_vjp``) or the transpose of
the JVP rule (``custom_jvp``); forward mode calls the JVP rule.
"""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from . import debug
from . import ops as _ops
from .recording import Node
from .registry import Op
from .tensor import Tensor, concrete
from .transforms import _zeros_like, vjp

__all__ = ["custom_vjp", "custom_jvp"]


def _top_trace(args):
    top, level = None, -1
    for a in args:
        if type(a) is Tensor and a._trace is not None and a._trace.level > level:
            top, level = a._trace, a._trace.level
    return top


class custom_vjp:
    """Give a function your own VJP rule, in JAX's style::

        @tg.custom_vjp
        def f(x): ...
        def f_fwd(x): return f(x), residuals
        def f_bwd(residuals, g): return (cotangent_for_x,)
        f.defvjp(f_fwd, f_bwd)

    Reverse mode uses ``f_bwd``; forward mode (and the derivatives of
    enclosing transforms) differentiate ``f_fwd``'s own ops.
    """

    def __init__(self, fun: Callable):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd = self.bwd = None

    def defvjp(self, fwd: Callable, bwd: Callable) -> "custom_vjp":
        self.fwd, self.bwd = fwd, bwd
        return self

    def __call__(self, *args):
        if self.fwd is None:
            raise TypeError(f"custom_vjp {self.fun.__name__}: call defvjp(fwd, bwd) before using it")
        top = _top_trace(args)
        if top is not None and top.jax:  # inside tg.to_jax: a jax.custom_vjp
            return top.custom_call(self, args)
        if top is None or top.forward:
            return self.fun(*args)
        primals = tuple(a._value if type(a) is Tensor and a._trace is top else a for a in args)
        out, res = self.fwd(*primals)
        bwd, name = self.bwd, self.fun.__name__

        def vjp_all(g, out_, *args_):
            cts = bwd(res, g)
            if not isinstance(cts, (tuple, list)) or len(cts) != len(args_):
                raise TypeError(f"custom_vjp {name}: bwd must return a tuple with one "
                                f"cotangent per input ({len(args_)}), got {type(cts).__name__}")
            return tuple(cts)

        op = Op(f"custom_vjp[{name}]", None, "dense", inputs=_arg_names(args), vjp_all=vjp_all,
                symbol="user-defined VJP", call=self.fun)
        return _record_custom(op, top, args, primals, out)


class custom_jvp:
    """Give a function your own JVP rule, in JAX's style::

        @tg.custom_jvp
        def f(x): ...
        @f.defjvp
        def f_jvp(primals, tangents): return f(*primals), tangent_out

    Reverse mode uses the transpose of your (linear in tangents) rule.
    """

    def __init__(self, fun: Callable):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.jvp_rule = None

    def defjvp(self, rule: Callable) -> Callable:
        self.jvp_rule = rule
        return rule

    def __call__(self, *args):
        if self.jvp_rule is None:
            raise TypeError(f"custom_jvp {self.fun.__name__}: define the rule with defjvp first")
        top = _top_trace(args)
        if top is None:
            return self.fun(*args)
        if top.jax:  # inside tg.to_jax: a jax.custom_jvp
            return top.custom_call(self, args)
        primals = tuple(a._value if type(a) is Tensor and a._trace is top else a for a in args)
        rule = self.jvp_rule
        if top.forward:
            nb = top.batch_ndim
            tans = tuple(a._tangent if type(a) is Tensor and a._trace is top else None for a in args)
            tans = tuple(_zeros_like(p, ()) if t is None else t for p, t in zip(primals, tans))
            if nb == 0:
                out, t_out = rule(primals, tans)
            else:  # the user's rule sees one tangent at a time
                out = None
                outs = []
                for b in range(np.shape(concrete(next(t for t in tans)))[0] if tans else 0):
                    out, tb = rule(primals, tuple(_ops.getitem(t, b) if np.ndim(concrete(t)) > np.ndim(concrete(p))
                                                  else t for t, p in zip(tans, primals)))
                    outs.append(tb)
                t_out = _ops.stack(outs) if outs else None
                if out is None:
                    out = self.fun(*primals)
            return Tensor(out, top, None, t_out)
        out = self(*primals)

        def vjp_all(g, out_, *args_):
            # the rule is linear in the tangents: its transpose is its VJP in t
            def lin(*ts):
                return rule(tuple(args_), ts)[1]
            zeros = tuple(_zeros_like(p) for p in args_)
            return vjp(lin, *zeros)[1](g)

        op = Op(f"custom_jvp[{self.fun.__name__}]", None, "dense", inputs=_arg_names(args),
                vjp_all=vjp_all, symbol="user-defined JVP (transposed)", call=self.fun)
        return _record_custom(op, top, args, primals, out)


def _record_custom(op: Op, top, args, primals, out) -> Tensor:
    """Put a user-defined rule's node on the tape of ``top``."""
    parents = tuple(a._node if type(a) is Tensor and a._trace is top else None for a in args)
    node = Node(op, (), parents, primals, out, tuple(np.shape(concrete(out))),
                np.result_type(concrete(out)))
    if debug.enabled:
        debug.note_site(node)
    return Tensor(out, top, node)


def _arg_names(args) -> tuple:
    return tuple(f"x{i}" for i in range(len(args)))
