"""User-defined derivative rules, in JAX's style: ``custom_vjp`` and ``custom_jvp``.

A decorated function runs as a single node on the tape whose rule is the
user's: reverse mode calls the VJP rule (``custom_vjp``) or the transpose of
the JVP rule (``custom_jvp``); forward mode calls the JVP rule.

The rules see JAX's shapes: a ``custom_vjp`` backward rule gets one cotangent
shaped like the output and returns one cotangent per input, shaped like that
input; a ``custom_jvp`` rule gets one tangent per input, shaped like it. When
``jacrev``, ``jacfwd`` or ``hessian`` push a whole batch of cotangents or
tangents at once (extra leading axes), the engine maps the rule over the
batch, one slice at a time (as ``jax.vmap`` would).
"""
from __future__ import annotations

import functools
import math
from typing import Callable, Sequence

import numpy as np

from . import debug
from . import ops as _ops
from .recording import Node
from .registry import Op
from .tensor import Tensor, concrete, shape_of
from .transforms import _zeros_like, vjp

__all__ = ["custom_vjp", "custom_jvp"]


def _top_trace(args):
    top, level = None, -1
    for a in args:
        if type(a) is Tensor and a._trace is not None and a._trace.level > level:
            top, level = a._trace, a._trace.level
    return top


def _split_nondiff(nondiff: tuple, args: tuple, where: str):
    """``(nondiff args, other args, merge)``: ``merge(others)`` rebuilds the full argument list."""
    n = len(args)
    if any(not -n <= i < n for i in nondiff):
        raise ValueError(f"{where}: nondiff_argnums {nondiff} out of range for {n} arguments")
    fixed = sorted({i % n for i in nondiff})
    static = tuple(args[i] for i in fixed)
    dynamic = tuple(a for i, a in enumerate(args) if i not in fixed)
    if any(isinstance(a, Tensor) and a._trace is not None for a in static):
        raise TypeError(f"{where}: an argument in nondiff_argnums is a traced value; "
                        "nondiff arguments get no derivative, so pass it among the others")

    def merge(d):
        it = iter(d)
        return [static[fixed.index(i)] if i in fixed else next(it) for i in range(n)]
    return static, dynamic, merge


class custom_vjp:
    """Give a function your own VJP rule, in JAX's style::

        @tg.custom_vjp
        def f(x): ...
        def f_fwd(x): return f(x), residuals
        def f_bwd(residuals, g): return (cotangent_for_x,)
        f.defvjp(f_fwd, f_bwd)

    Reverse mode uses ``f_bwd``; forward mode (and the derivatives of
    enclosing transforms) differentiate ``f_fwd``'s own ops.

    ``nondiff_argnums`` (as in JAX): positions of arguments that get no
    cotangent (a flag, a Python number, a function). ``f_fwd`` still takes
    every argument; ``f_bwd(*nondiff_args, residuals, g)`` receives them first
    and returns cotangents for the other arguments only.
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd = self.bwd = None
        self.nondiff = tuple(sorted(set(int(i) for i in nondiff_argnums)))

    def defvjp(self, fwd: Callable, bwd: Callable) -> "custom_vjp":
        self.fwd, self.bwd = fwd, bwd
        return self

    def __call__(self, *args):
        if self.fwd is None:
            raise TypeError(f"custom_vjp {self.fun.__name__}: call defvjp(fwd, bwd) before using it")
        if self.nondiff:  # a rule over the other arguments, the nondiff ones fixed
            static, dynamic, merge = _split_nondiff(self.nondiff, args, f"custom_vjp {self.fun.__name__}")
            inner = custom_vjp(functools.wraps(self.fun)(lambda *d: self.fun(*merge(d))))
            fwd, bwd = self.fwd, self.bwd
            inner.defvjp(lambda *d: fwd(*merge(d)), lambda res, g: bwd(*static, res, g))
            return inner(*dynamic)
        top = _top_trace(args)
        if top is not None and top.jax:  # inside tg.to_jax: a jax.custom_vjp
            return top.custom_call(self, args)
        if top is None or top.forward:
            return self.fun(*args)
        primals = tuple(a._value if type(a) is Tensor and a._trace is top else a for a in args)
        out, res = self.fwd(*primals)
        bwd, name = self.bwd, self.fun.__name__

        def one(g, args_):
            cts = bwd(res, g)
            if not isinstance(cts, (tuple, list)) or len(cts) != len(args_):
                raise TypeError(f"custom_vjp {name}: bwd must return a tuple with one "
                                f"cotangent per input ({len(args_)}), got {type(cts).__name__}")
            return _checked(cts, args_, f"custom_vjp {name}: bwd", "cotangent")

        def vjp_all(g, out_, *args_):
            return _map_batch(lambda gb: one(gb, args_), g, shape_of(out_), args_)

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

    ``nondiff_argnums`` (as in JAX): positions of arguments with no tangent;
    the rule is called as ``f_jvp(*nondiff_args, primals, tangents)`` with the
    other arguments' primals and tangents.
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.jvp_rule = None
        self.nondiff = tuple(sorted(set(int(i) for i in nondiff_argnums)))

    def defjvp(self, rule: Callable) -> Callable:
        self.jvp_rule = rule
        return rule

    def __call__(self, *args):
        if self.jvp_rule is None:
            raise TypeError(f"custom_jvp {self.fun.__name__}: define the rule with defjvp first")
        if self.nondiff:  # a rule over the other arguments, the nondiff ones fixed
            static, dynamic, merge = _split_nondiff(self.nondiff, args, f"custom_jvp {self.fun.__name__}")
            inner = custom_jvp(functools.wraps(self.fun)(lambda *d: self.fun(*merge(d))))
            rule = self.jvp_rule
            inner.defjvp(lambda primals, tangents: rule(*static, primals, tangents))
            return inner(*dynamic)
        top = _top_trace(args)
        if top is None:
            return self.fun(*args)
        if top.jax:  # inside tg.to_jax: a jax.custom_jvp
            return top.custom_call(self, args)
        primals = tuple(a._value if type(a) is Tensor and a._trace is top else a for a in args)
        rule = self.jvp_rule
        name = self.fun.__name__
        if top.forward:
            nb = top.batch_ndim
            tans = tuple(a._tangent if type(a) is Tensor and a._trace is top else None for a in args)
            given = [t for t in tans if t is not None]
            batch = shape_of(given[0])[:nb] if given and nb else ()
            tans = tuple(_zeros_like(p, batch) if t is None else t for p, t in zip(primals, tans))
            if nb == 0:
                out, t_out = rule(primals, tans)
                _checked((t_out,), (out,), f"custom_jvp {name}: the rule", "output tangent", "output")
            else:  # the user's rule sees one tangent per input, one batch entry at a time
                out = self.fun(*primals)
                t_out = _map_batch_jvp(rule, primals, tans, batch, out, name)
            return Tensor(out, top, None, t_out)
        out = self(*primals)

        def vjp_all(g, out_, *args_):
            # the rule is linear in the tangents: its transpose is its VJP in t
            def lin(*ts):
                return rule(tuple(args_), ts)[1]
            zeros = tuple(_zeros_like(p) for p in args_)
            pull = vjp(lin, *zeros)[1]
            return _map_batch(lambda gb: pull(gb), g, shape_of(out_), args_)

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


def _checked(cts, args, who: str, what: str, against: str = "input") -> tuple:
    """The user's cotangents (tangents), each shaped like its input (or its output, for a
    JVP rule's output tangent); None means zero."""
    out = []
    for i, (c, a) in enumerate(zip(cts, args)):
        want = shape_of(a)
        if c is None:
            out.append(None)
            continue
        have = shape_of(c)
        if have != want:
            raise ValueError(f"{who} returned {'an' if what[0] in 'aeiou' else 'a'} {what} of "
                             f"shape {have} for {against} {i} of shape {want}; it must have its "
                             f"{against}'s shape")
        out.append(c)
    return tuple(out)


def _map_batch(one: Callable, g, out_shape: tuple, args) -> tuple:
    """Apply ``one`` (cotangent -> per-input cotangents) to every batch entry of ``g``.

    ``g`` has the output's shape behind any number of leading batch axes;
    the results are stacked back behind the same axes.
    """
    gs = shape_of(g)
    nb = len(gs) - len(out_shape)
    if nb <= 0:
        return one(g)
    batch = gs[:nb]
    n = math.prod(batch)
    flat = _ops.reshape(g, (n,) + tuple(out_shape))
    rows = [one(_ops.getitem(flat, k)) for k in range(n)]
    result = []
    for i, a in enumerate(args):
        parts = [r[i] for r in rows]
        if n == 0 or all(p is None for p in parts):
            result.append(None)
            continue
        parts = [_zeros_like(a) if p is None else p for p in parts]
        result.append(_ops.reshape(_ops.stack(parts), batch + shape_of(a)))
    return tuple(result)


def _map_batch_jvp(rule: Callable, primals, tans, batch: tuple, out, name: str):
    """The output tangent of a custom_jvp rule for a batch of input tangents."""
    n = math.prod(batch)
    flat = [_ops.reshape(t, (n,) + shape_of(p)) for t, p in zip(tans, primals)]
    outs = []
    for k in range(n):
        _, tk = rule(primals, tuple(_ops.getitem(t, k) for t in flat))
        _checked((tk,), (out,), f"custom_jvp {name}: the rule", "output tangent", "output")
        outs.append(_zeros_like(out) if tk is None else tk)
    if not outs:
        return _zeros_like(out, batch)
    return _ops.reshape(_ops.stack(outs), batch + shape_of(out))


def _arg_names(args) -> tuple:
    return tuple(f"x{i}" for i in range(len(args)))
