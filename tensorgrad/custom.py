"""User-defined derivative rules, in JAX's style: ``custom_vjp`` and ``custom_jvp``.

A decorated function runs as a single node on the tape whose rule is the
user's: reverse mode calls the VJP rule (``custom_vjp``) or the transpose of
the JVP rule (``custom_jvp``); forward mode calls the JVP rule.

The rules see JAX's shapes: a ``custom_vjp`` backward rule gets one cotangent
shaped like the output and returns one cotangent per input, shaped like that
input; a ``custom_jvp`` rule gets one tangent per input, shaped like it.
Inputs and outputs may be pytrees (dicts, lists, tuples, registered nodes):
the node on the tape sees their leaves (a pytree output travels as one packed
vector, unpacked by differentiable ops), the rules see the trees. Keyword
arguments are bound to their positions first, as JAX does. When
``jacrev``, ``jacfwd`` or ``hessian`` push a whole batch of cotangents or
tangents at once (extra leading axes), the engine maps the rule over the
batch, one slice at a time (as ``jax.vmap`` would).
"""
from __future__ import annotations

import functools
import math
import threading
import warnings
from typing import Callable, Sequence

import numpy as np

from . import debug
from . import ops as _ops
from .guards import Held, holding, lock_closure, locked_tree
from .recording import Node
from .sweep import ForwardModeError
from .registry import Op
from .staging import is_staged, trace_values
from .tensor import Tensor, concrete, shape_of
from .transform_parts import FLOAT0, batched_tangent, recorded_jvp
from .transforms import _record_kept, _zeros_like, jvp, pullback, pushforward, vjp
from .tree import tree_flatten, tree_map, tree_unflatten
from .custom_args import (CustomVJPPrimal, SymbolicZero, _checked, _name, _nondiff,  # noqa: F401
                          _of_dynamic, _positional, _tree_cotangents, zero_tangent)

__all__ = ["custom_vjp", "custom_jvp", "ForwardModeError", "CustomVJPPrimal"]


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


class _InFwd(threading.local):
    #: how many custom_vjp forward rules (f_fwd) are running in this thread
    depth = 0


_IN_FWD = _InFwd()


class _Residuals(threading.local):
    #: the holder a running custom_vjp forward rule's saved arrays are locked into (tg.remat's
    #: rule locks what its function reads there too, for the recomputation)
    held = None


RESIDUALS = _Residuals()


class _Transposing(threading.local):
    #: (trace, custom_jvp) pairs: the traces on which a custom_jvp's rule is being recorded as
    #: a tangent map, to be transposed (this thread)
    traces: tuple = ()


_TRANSPOSING = _Transposing()


def _leaves_on(args: tuple, top):
    """The leaves of ``args`` and their primal values at ``top``'s level."""
    leaves, td = tree_flatten(tuple(args))
    prim = [a._value if type(a) is Tensor and a._trace is top else a for a in leaves]
    return leaves, prim, td


def _pack(leaves):
    """One output leaf as it is; several as one flat vector (for a single tape node)."""
    if len(leaves) == 1:
        return leaves[0]
    if not leaves:
        return np.zeros(0)
    # one dtype for the vector: float64, or complex128 when a leaf is complex (a real one
    # would drop its imaginary part)
    kinds = [np.result_type(concrete(v)).kind for v in leaves]
    dt, keep = (np.complex128, "c") if "c" in kinds else (np.float64, "f")
    if any(type(v) is Tensor or is_staged(v) for v in leaves):   # recorded, or under tg.jit
        return _ops.concatenate([_ops.reshape(_ops.astype(v, dt) if k != keep else v, (-1,))
                                 for v, k in zip(leaves, kinds)])
    arrays = [np.asarray(v) for v in leaves]
    return np.concatenate([np.ravel(a if k == keep else a.astype(dt)) for a, k in zip(arrays, kinds)])


def _unpack(packed, like: list) -> list:
    """The leaves shaped like ``like`` out of :func:`_pack`'s vector (differentiable ops)."""
    if len(like) == 1:
        return [packed]
    out, off = [], 0
    for v in like:
        shp = tuple(np.shape(concrete(v)))
        n = math.prod(shp)
        piece = _ops.reshape(_ops.getitem(packed, (Ellipsis, slice(off, off + n))),
                             tuple(shape_of(packed)[:-1]) + shp)
        dt = np.result_type(concrete(v))
        out.append(piece if np.result_type(concrete(piece)) == dt else _ops.astype(piece, dt))
        off += n
    return out


def _outputs(packed, like: list) -> list:
    """The recorded node's output leaves: :func:`_unpack`'s pieces for the floating leaves,
    the computed values themselves for the others (an integer or boolean leaf has no
    derivative, and its trip through the float64 pack would round int64s above 2**53)."""
    parts = _unpack(packed, like)
    return [p if np.result_type(concrete(v)).kind in "fc" else v for p, v in zip(parts, like)]


def _wrapped_attribute(self, name: str):
    """``__getattr__`` of custom_vjp and custom_jvp: an attribute they lack is the wrapped
    function's (JAX's forward_attr), so ``f.def_vmap`` works on a custom_vjp of a
    custom_vmap function, as in JAX's documentation."""
    if name.startswith("__") or "fun" not in self.__dict__:
        raise AttributeError(name)
    return getattr(self.__dict__["fun"], name)


class custom_vjp:
    """Give a function your own VJP rule, in JAX's style::

        @tg.custom_vjp
        def f(x): ...
        def f_fwd(x): return f(x), residuals
        def f_bwd(residuals, g): return (cotangent_for_x,)
        f.defvjp(f_fwd, f_bwd)

    Reverse mode uses ``f_bwd``. Forward mode (``jvp``, ``jacfwd``, ``linearize``)
    refuses, as JAX does: the rule is a VJP. Forward over reverse (``hessian``, ``jvp`` of
    a ``grad``) works, by the rule alone: it differentiates ``f_bwd``'s ops and gives
    ``f_fwd``'s primal output the tangent the rule implies (J·t, ``f_bwd`` transposed), so
    ``hessian`` equals ``jacrev(grad)`` also for a rule that is not ``f``'s own derivative.
    That needs ``f_fwd`` to compute its primal output by calling ``f`` (as above, JAX's
    idiom): one computed by other ops is differentiated by those ops at enclosing levels.

    ``nondiff_argnums`` (as in JAX): positions of arguments that get no
    cotangent (a flag, a Python number, a function). ``f_fwd`` still takes
    every argument; ``f_bwd(*nondiff_args, residuals, g)`` receives them first
    and returns cotangents for the other arguments only. ``nondiff_argnames``
    names such arguments instead.

    ``f_fwd``'s primal output must match ``f``'s in structure and shapes (checked
    once per input signature by calling ``f`` on the plain values, so a side effect of
    ``f``, such as a layer's running statistics, happens once more then; JAX does
    not check), and neither may use a value an enclosing
    transform traces unless it comes in as an argument: its derivative would be
    lost, so it raises (``tg.closure_convert`` hoists such values).
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = (),
                 nondiff_argnames: Sequence[str] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd = self.bwd = None
        self.nondiff = _nondiff(fun, nondiff_argnums, nondiff_argnames, "custom_vjp")
        self._out_checked: set = set()  # input signatures whose fwd output matched fun's
        #: False for tensorgrad's own rules, whose primal output is fun's by construction:
        #: the check runs fun once more per input signature
        self.check_outputs = True
        #: True when bwd is exactly the VJP of fun (tg.remat): forward mode may then
        #: differentiate fun's own ops instead of refusing
        self.forward_through_fun = False
        #: forward mode's own rule ``(primals, tangents) -> (out, tangent)``, as a custom_jvp
        #: rule (tensorgrad's linear solves: their JVP is another solve); None refuses
        self.forward_rule = None
        self._forward_fn = self._rule_fn = None

    __getattr__ = _wrapped_attribute

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False,
               optimize_remat: bool = False) -> "custom_vjp":
        """Set the rule. With JAX's ``symbolic_zeros=True``, ``fwd`` receives a
        :class:`CustomVJPPrimal` (``.value``, ``.perturbed``) for each argument leaf; ``bwd``
        receives cotangents as arrays (zeros included) and may return None for a zero.
        ``optimize_remat`` changes nothing here."""
        self.fwd, self.bwd = fwd, bwd
        self.symbolic_zeros = bool(symbolic_zeros)
        return self

    symbolic_zeros = False

    def perturbed_primals(self, args: tuple) -> tuple:
        """``args`` with each leaf a perturbed :class:`CustomVJPPrimal` (for ``tg.to_jax``)."""
        leaves, td = tree_flatten(tuple(args))
        return tree_unflatten(td, [CustomVJPPrimal(v, True) for v in leaves])

    def _run_fwd(self, td, vals, perturbed):
        """``fwd`` on the argument leaves ``vals`` (wrapped for ``symbolic_zeros``)."""
        if self.symbolic_zeros:
            vals = [CustomVJPPrimal(v, p) for v, p in zip(vals, perturbed)]
        _IN_FWD.depth += 1
        try:
            return self.fwd(*tree_unflatten(td, list(vals)))
        finally:
            _IN_FWD.depth -= 1

    def _forward(self) -> Callable:
        """``forward_rule`` as a custom_jvp of the function (made once)."""
        if self._forward_fn is None:
            f = custom_jvp(self.fun)
            f.defjvp(self.forward_rule)
            f.check_outputs = self.check_outputs
            self._forward_fn = f
        return self._forward_fn

    def _rule_forward(self) -> Callable:
        """The function with the JVP its VJP rule implies, J·t = (c ↦ bwd(res, c))ᵀ t (made
        once): for fwd computing the primal under a forward trace (forward over reverse:
        ``hessian``, ``jvp`` of a ``grad``), so that both layers follow the rule."""
        if self._rule_fn is None:
            name, bwd = _name(self.fun), self.bwd

            def rule(primals, tangents):
                leaves, td = tree_flatten(tuple(primals))
                out, res = self._run_fwd(td, leaves, [True] * len(leaves))
                inexact = [i for i, a in enumerate(leaves) if np.result_type(concrete(a)).kind in "fc"]

                def back(c):  # (linear in c: its transpose at any point is J)
                    cts = _tree_cotangents(bwd(res, c), tuple(primals), f"custom_vjp {name}: bwd")
                    return tuple(_zeros_like(leaves[i]) if cts[i] is None else cts[i] for i in inexact)
                _, pull = vjp(back, tree_map(_zeros_like, out))
                t_leaves = tree_flatten(tuple(tangents))[0]
                return out, pull(tuple(t_leaves[i] for i in inexact))[0]
            f = custom_jvp(self.fun)
            f.defjvp(rule)
            f.check_outputs = self.check_outputs
            self._rule_fn = f
        return self._rule_fn

    def __call__(self, *args, **kwargs):
        name = _name(self.fun)
        if self.fwd is None:
            raise TypeError(f"custom_vjp {name}: call defvjp(fwd, bwd) before using it")
        args = _positional(self.fun, args, kwargs, f"custom_vjp {name}")
        if self.nondiff:  # a rule over the other arguments, the nondiff ones fixed
            static, dynamic, merge = _split_nondiff(self.nondiff, args, f"custom_vjp {name}")
            inner = custom_vjp(_of_dynamic(self.fun, merge))
            fwd, bwd = self.fwd, self.bwd
            inner.defvjp(lambda *d: fwd(*merge(d)), lambda res, g: bwd(*static, res, g),
                         symbolic_zeros=self.symbolic_zeros)
            inner.forward_through_fun = self.forward_through_fun
            inner._out_checked, inner.check_outputs = self._out_checked, self.check_outputs
            return inner(*dynamic)
        leaves0, _ = tree_flatten(tuple(args))
        top = _top_trace(leaves0)
        if top is not None and top.jax:  # inside tg.to_jax: a jax.custom_vjp
            return top.custom_call(self, args)
        if top is None:
            out = self.fun(*args)
            if not self.forward_through_fun and _reads_traced(out):
                raise TypeError(_closure_message("custom_vjp", name))
            return out
        if top.forward:
            if self.forward_through_fun:  # a rule that is the function's own VJP (tg.remat)
                return self.fun(*args)
            if _IN_FWD.depth:  # f_fwd computing the primal under a forward trace (hessian): the
                # tangent the rule implies (fun's own derivative would mix in), or own rules'
                return self.fun(*args) if self.forward_rule is not None else self._rule_forward()(*args)
            if self.forward_rule is not None:
                return self._forward()(*args)
            raise ForwardModeError(f"custom_vjp {name}: forward-mode differentiation (jvp, jacfwd, "
                                   "linearize) of a custom_vjp function is not defined, as in JAX: "
                                   "its rule is a VJP. Use reverse mode (grad, vjp, jacrev, "
                                   "hessian), or custom_jvp")
        leaves, prim, td = _leaves_on(args, top)
        primals = tree_unflatten(td, prim)
        perturbed = [type(a) is Tensor and a._trace is top for a in leaves]
        in_fwd = _IN_FWD.depth > 0  # (the primal computation of an enclosing f_fwd)
        # the arrays the rule saves are locked for as long as the tape needs them (into the
        # trace's holder; on the imperative tape into the node's own, freed with its inputs)
        held = top.locks if top.locks is not None else Held()
        outer, RESIDUALS.held = RESIDUALS.held, held
        try:
            pair = self._run_fwd(td, prim, perturbed)
        finally:
            RESIDUALS.held = outer
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise TypeError(f"custom_vjp {name}: fwd must return a pair (primal output, "
                            f"residuals), got {type(pair).__name__}")
        out, res = pair
        res = locked_tree(res, held, f"custom_vjp[{name}]", plain=True)
        lock_closure(self.bwd, held, f"custom_vjp[{name}]")  # (arrays bwd reads besides res)
        if not self.forward_through_fun:  # (tg.remat's fwd is fun itself)
            _check_primal_out(self, out, primals, f"custom_vjp {name}: fwd")
        if _closes_over(top, out, res):
            if self.forward_through_fun:  # tg.remat: fun differentiated as it is, closure and all
                return self.fun(*args)  # (nothing is recomputed for this call)
            raise TypeError(_closure_message("custom_vjp", name))
        (out_leaves, out_td), bwd, box = tree_flatten(out), self.bwd, [res]  # (box: see the end)

        def one(g, res=None):
            res = box[0] if res is None else res
            g_tree = tree_unflatten(out_td, _unpack(g, out_leaves))
            return tuple(_tree_cotangents(bwd(res, g_tree), tuple(primals), f"custom_vjp {name}: bwd"))

        def vjp_all(g, out_, *args_):
            if any(a is not p for a, p in zip(args_, prim)):
                # the sweep itself is being differentiated (backward(create_graph=True)): its
                # inputs now stand for recorded values, and the residuals must depend on them
                # too, or the derivative through them would be silently lost; fwd runs again
                again = self._run_fwd(td, args_, perturbed)[1]
                return _map_batch(lambda gg: one(gg, again), g, shape_of(out_), args_)
            return _map_batch(one, g, shape_of(out_), args_)

        def jvp_all(tangents, out_, *args_):
            if self.forward_rule is not None:
                run = self._forward()
            elif self.forward_through_fun:  # (tg.remat) the rule is fun's own VJP: J·t is
                run = self.fun              # fun's own JVP, recomputed
            elif in_fwd:  # differentiated forward (linearize of a grad): as under a forward trace
                run = self._rule_forward()
            else:
                raise ForwardModeError(f"custom_vjp {name}: forward-mode differentiation (jvp, "
                                       "jacfwd, linearize) of a custom_vjp function is not "
                                       "defined, as in JAX")

            def packed(*vals):
                return _pack(tree_flatten(run(*tree_unflatten(td, list(vals))))[0])

            def one(tt):  # (an integer or boolean input's tangent is float0, as jvp wants)
                tt = [t if np.result_type(concrete(a)).kind in "fc" else
                      np.zeros(shape_of(a), FLOAT0) for t, a in zip(tt, args_)]
                return jvp(packed, tuple(args_), tuple(tt))[1]
            return recorded_jvp(one, tangents, args_, out_)

        op = Op(f"custom_vjp[{name}]", None, "dense", inputs=_arg_names(leaves), vjp_all=vjp_all,
                jvp_all=jvp_all, complex=True, symbol="user-defined VJP", call=self.fun)
        packed = _record_custom(op, top, leaves, prim, _pack(out_leaves))
        if top.locks is None:
            packed._node.args = holding(packed._node.args, held, box.clear)  # (res goes with them)
        return tree_unflatten(out_td, _outputs(packed, out_leaves))


class custom_jvp:
    """Give a function your own JVP rule, in JAX's style::

        @tg.custom_jvp
        def f(x): ...
        @f.defjvp
        def f_jvp(primals, tangents): return f(*primals), tangent_out

    Reverse mode (and ``linearize``) records your rule once, on zero tangents, and uses the
    transpose of that record; once per input signature, when it records, it checks that the
    rule is linear in the tangents and does not branch on their values by calling it three
    more times (either would give a silently wrong gradient). As in JAX, a rule may branch
    on the primals only.

    ``nondiff_argnums`` (as in JAX): positions of arguments with no tangent;
    the rule is called as ``f_jvp(*nondiff_args, primals, tangents)`` with the
    other arguments' primals and tangents (``nondiff_argnames`` names them). As for
    :class:`custom_vjp`, the rule's primal output must match ``f``'s, and traced
    values may only come in as arguments.
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = (),
                 nondiff_argnames: Sequence[str] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.jvp_rule = None
        self._linear_checked: set = set()  # input signatures whose rule passed the linearity check
        self._out_checked: set = set()  # input signatures whose rule's primal output matched fun's
        self.check_outputs = True  # (as custom_vjp's)
        # True skips that check, for a rule linear in exact arithmetic whose rounding trips the
        # random probe (lax.reduce_precision rounds its tangent to the reduced format)
        self.assume_linear = False
        self.rule_on_tangents = False  # (True: its rule, not its function, on another rule's tangents)
        self.nondiff = _nondiff(fun, nondiff_argnums, nondiff_argnames, "custom_jvp")

    __getattr__ = _wrapped_attribute

    def defjvp(self, rule: Callable, symbolic_zeros: bool = False) -> Callable:
        """Set the JVP rule ``rule(primals, tangents) -> (out, tangent_out)``. With JAX's
        ``symbolic_zeros=True`` the rule still receives zero tangents as arrays of zeros."""
        self.jvp_rule = rule
        return rule

    def defjvps(self, *rules) -> None:
        """One rule per argument, ``rule(tangent, out, *primals)``, whose contributions add
        up (JAX's ``defjvps``); None for an argument without a derivative."""
        def combined(primals, tangents):
            out = self(*primals)  # (as JAX: so a derivative of the rules uses them again)
            total = None
            for rule, t in zip(rules, tangents):
                if rule is None or t is None:
                    continue
                c = rule(t, out, *primals)
                # contributions are pytrees shaped like the output: add them leaf by leaf
                total = c if total is None else tree_map(lambda a, b: a + b, total, c)
            return out, (tree_map(_zeros_like, out) if total is None else total)
        self.jvp_rule = combined

    def __call__(self, *args, **kwargs):
        name = _name(self.fun)
        if self.jvp_rule is None:
            raise TypeError(f"custom_jvp {name}: define the rule with defjvp first")
        args = _positional(self.fun, args, kwargs, f"custom_jvp {name}")
        if self.nondiff:  # a rule over the other arguments, the nondiff ones fixed
            static, dynamic, merge = _split_nondiff(self.nondiff, args, f"custom_jvp {name}")
            inner = custom_jvp(_of_dynamic(self.fun, merge))
            rule = self.jvp_rule
            inner.defjvp(lambda primals, tangents: rule(*static, primals, tangents))
            inner._out_checked, inner.check_outputs = self._out_checked, self.check_outputs
            return inner(*dynamic)
        leaves0, _ = tree_flatten(tuple(args))
        top = _top_trace(leaves0)
        if top is None or any(t is top for t, _ in _TRANSPOSING.traces) and (
                not self.rule_on_tangents or any(c is self for _, c in _TRANSPOSING.traces)):
            out = self.fun(*args)  # (in a rule's tangent map, transposed as it is: the function)
            if top is None and _reads_traced(out):
                raise TypeError(_closure_message("custom_jvp", name))
            return out
        if top.jax:  # inside tg.to_jax: a jax.custom_jvp
            return top.custom_call(self, args)
        leaves, prim, td = _leaves_on(args, top)
        primals = tree_unflatten(td, prim)
        rule = self.jvp_rule

        def tangent_out(prims, tans, like):
            """The rule's output tangent, flattened and packed like the output."""
            _, t = _jvp_pair(rule(tuple(tree_unflatten(td, list(prims))), tuple(tree_unflatten(td, list(tans)))),
                             name)
            return _pack(_tangent_leaves(t, like, name))

        if top.forward:
            nb = top.batch_ndim
            tans = [a._tangent if type(a) is Tensor and a._trace is top else None for a in leaves]
            given = [t for t in tans if t is not None]
            batch = shape_of(given[0])[:nb] if given and nb else ()
            tans = [_zeros_like(p, batch) if t is None else t for p, t in zip(prim, tans)]
            if not batch:  # the rule's own output, as JAX uses it (a stable form may be the point)
                o, t = _jvp_pair(rule(tuple(primals), tuple(tree_unflatten(td, tans))), name)
                _check_primal_out(self, o, primals, f"custom_jvp {name}: the rule")
                _one_structure(o, t, name)
                if _closes_over(top, o, t):
                    raise TypeError(_closure_message("custom_jvp", name))
                out_leaves, out_td = tree_flatten(o)
                t_packed = _pack(_tangent_leaves(t, out_leaves, name))
            else:  # the primal output is the rule's here too (not fun's: an enclosing forward
                # trace would differentiate fun's own ops, past the rule); tangents slice by slice
                zeros = [_zeros_like(p) for p in prim]
                o, _ = _jvp_pair(rule(tuple(primals), tuple(tree_unflatten(td, zeros))), name)
                _check_primal_out(self, o, primals, f"custom_jvp {name}: the rule")
                out_leaves, out_td = tree_flatten(o)
                if _closes_over(top, out_leaves):
                    raise TypeError(_closure_message("custom_jvp", name))
                t_packed = batched_tangent(lambda ts: tangent_out(prim, ts, out_leaves), prim, tans,
                                            batch, _pack(out_leaves))
            t_parts = _unpack(t_packed, out_leaves) if len(out_leaves) > 1 else [t_packed]
            debug.check_tangents(f"custom_jvp {name}", t_parts)
            return tree_unflatten(out_td, [Tensor(o, top, None, t) if np.result_type(concrete(o)).kind
                                           in "fc" else o for o, t in zip(out_leaves, t_parts)])
        # Reverse mode: the rule runs once, now, on tangents traced by a tape of its own, as
        # JAX linearizes it in the forward pass. Its primal output is the node's value; its
        # tangent map, recorded with everything it read (closed-over arrays too), is what the
        # pullback transposes and linearize pushes forward, so a later write to such an array
        # cannot change the derivative: the tape locks them while it lives (the imperative
        # tape, whose graph may outlive its backward pass, copies them)
        zeros = [_zeros_like(p) for p in prim]
        first: list = []

        def tangent_map(*ts, prims=prim, like=None):
            # a custom_jvp function the rule applies to its tangents (f(t_x) in f's own
            # rule) runs as its function here: its recorded node would transpose this
            # same rule again, without end
            saved = _TRANSPOSING.traces
            _TRANSPOSING.traces = saved + ((_top_trace(ts), self),)
            try:
                if like is not None:
                    return tangent_out(prims, ts, like)
                o, t = _jvp_pair(rule(tuple(tree_unflatten(td, list(prims))),
                                      tuple(tree_unflatten(td, list(ts)))), name)
                _one_structure(o, t, name)
                first.append(o)
                return _pack(_tangent_leaves(t, tree_flatten(o)[0], name))
            finally:
                _TRANSPOSING.traces = saved
        rec, held, _ = _record_kept(tangent_map, zeros, False, f"custom_jvp {name}", True,
                                    Held(copy=True) if top.locks is None else None)
        out = first[0]  # the rule's own primal output, as JAX uses it (a stable form may be the point)
        _check_primal_out(self, out, primals, f"custom_jvp {name}: the rule")
        if _closes_over(top, out):
            raise TypeError(_closure_message("custom_jvp", name))
        out_leaves, out_td = tree_flatten(out)
        pull, push = pullback(rec, held), pushforward(rec, held, zeros)
        sig = tuple((shape_of(p), str(np.result_type(concrete(p)))) for p in prim)
        if sig not in self._linear_checked and not self.assume_linear:  # once per signature, now
            # (the rule reads what its record read: state it closes over may change later)
            _check_linear_rule(lambda ts: tangent_out([trace_values(concrete(p)) for p in prim], ts,
                                                      out_leaves), push, prim, name)
            self._linear_checked.add(sig)

        def vjp_all(g, out_, *args_):
            # the rule is linear in the tangents (checked above): its transpose is its VJP in t
            if any(a is not p for a, p in zip(args_, prim)):
                # the sweep itself is being differentiated (backward(create_graph=True)): its
                # inputs now stand for recorded values, so the rule runs again on them
                pull_ = vjp(functools.partial(tangent_map, prims=args_, like=out_leaves),
                            *zeros)[1]
                return _map_batch(pull_, g, shape_of(out_), args_)
            return _map_batch(pull, g, shape_of(out_), args_)

        def jvp_all(tangents, out_, *args_):  # forward over a recorded tape (linearize)
            if any(a is not p for a, p in zip(args_, prim)):
                return recorded_jvp(lambda tt: tangent_out(args_, tt, out_leaves), tangents,
                                     args_, out_)
            return recorded_jvp(lambda tt: push(*tt), tangents, args_, out_)

        op = Op(f"custom_jvp[{name}]", None, "dense", inputs=_arg_names(leaves), vjp_all=vjp_all,
                jvp_all=jvp_all, complex=True, symbol="user-defined JVP (transposed)", call=self.fun)
        packed = _record_custom(op, top, leaves, prim, _pack(out_leaves))
        return tree_unflatten(out_td, _outputs(packed, out_leaves))


def _closes_over(top, *trees) -> bool:
    """True when a rule's result holds a value traced at ``top``'s level or above. The rule ran
    on its arguments' values one level down, so such a value came from a closure (a parameter
    being differentiated, say): the node records the arguments only, and the derivative
    through that value would be silently lost."""
    for v in tree_flatten(trees)[0]:
        if type(v) is Tensor and v._trace is not None and v._trace.level >= top.level:
            return True
    return False


def _reads_traced(out) -> bool:
    """A traced value from a call with no traced argument (a closure's: the rule is skipped)."""
    return any(type(v) is Tensor and v._trace is not None and v._trace.level >= 0
               for v in tree_flatten(out)[0])


def _closure_message(kind: str, name: str) -> str:
    return (f"{kind} {name}: the function or its rule uses a value traced by an enclosing "
            "transform that is not one of its arguments (it closes over it); its derivative "
            "through that value would be lost, as JAX refuses it too (UnexpectedTracerError). "
            "Pass the value as an argument (tg.closure_convert(fun, *args) hoists the traced "
            "values fun closes over), or mark it constant with tg.stop_gradient")


def _jvp_pair(result, name: str):
    """A custom_jvp rule's ``(primal output, tangent output)``, or a TypeError saying so."""
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError(f"custom_jvp {name}: the rule must return a pair (primal output, tangent "
                        f"output), got {type(result).__name__}")
    return result


def _signature(leaves) -> tuple:
    sig = []
    for v in leaves:
        c = concrete(v)
        try:
            sig.append((tuple(np.shape(c)), np.result_type(c).str))
        except (TypeError, ValueError):
            sig.append(type(c).__name__)
    return tuple(sig)


def _check_primal_out(owner, out, primals, who: str) -> None:
    """TypeError unless a rule's primal output has the structure and shapes of ``owner.fun``'s
    output (as JAX checks): the node's output is the rule's, so a mismatch would silently change
    what the function returns. ``fun`` runs once per input signature, on the plain values."""
    if not owner.check_outputs:
        return
    leaves, td = tree_flatten(tuple(primals))
    sig = (td, _signature(leaves))
    if sig in owner._out_checked:
        return
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = owner.fun(*tree_unflatten(td, [trace_values(concrete(v)) for v in leaves]))
    (o_leaves, o_td), (r_leaves, r_td) = tree_flatten(out), tree_flatten(ref)
    o_shapes = [tuple(np.shape(concrete(v))) for v in o_leaves]
    r_shapes = [tuple(np.shape(concrete(v))) for v in r_leaves]
    if o_td != r_td or o_shapes != r_shapes:
        raise TypeError(f"{who} returned a primal output of structure {o_td} with shapes "
                        f"{o_shapes}; the function returns structure {r_td} with shapes {r_shapes}. "
                        "The primal output must equal the function's")
    owner._out_checked.add(sig)


def _check_linear_rule(one: Callable, recorded: Callable, primals, name: str) -> None:
    """ValueError unless ``one`` (tangents -> packed output tangent) is odd and homogeneous at
    one random point: reverse mode transposes the rule, which only a linear rule allows (a
    nonlinear one, e.g. ``dx ** 2``, would silently give a zero gradient); and unless the
    ``recorded`` map (the rule recorded on zero tangents, which reverse mode transposes)
    agrees with it there (a rule that branches on the tangents' values took one branch)."""
    rng = np.random.default_rng(0)

    def draw(p):
        dt = np.result_type(concrete(p))
        if dt.kind == "c":  # (a complex primal: a complex direction, or the check is vacuous)
            return (rng.standard_normal(shape_of(p)) + 1j * rng.standard_normal(shape_of(p))).astype(dt)
        return rng.standard_normal(shape_of(p)).astype(dt) if dt.kind == "f" else _zeros_like(p)
    t = [draw(p) for p in primals]
    # (under tg.jit, on the values seen while tracing: the check runs once, at trace time)
    a = np.asarray(trace_values(concrete(one(t))))
    b = np.asarray(trace_values(concrete(one([-2 * v for v in t]))))
    tol = {"rtol": 1e-4, "atol": 1e-8 * max(1.0, float(np.max(np.abs(a), initial=0)))}
    if not np.allclose(b, -2 * a, **tol):
        raise ValueError(f"custom_jvp {name}: the JVP rule is not linear in the tangents, so "
                         "reverse mode (grad, vjp, jacrev), which transposes it, is not defined")
    tol["rtol"] = 1e-2  # (a branch taken on zero tangents is far off; a rule that rounds its
    # tangent, through lax.reduce_precision to bfloat16 say, is within a few parts in 1000)
    if not np.allclose(np.asarray(trace_values(concrete(recorded(*t)))), a, **tol):
        raise ValueError(f"custom_jvp {name}: the JVP rule's output tangent depends on the "
                         "tangents' values (a Python branch on them?): reverse mode records the "
                         "rule once and transposes that record, so, as in JAX, a rule may branch "
                         "on the primals only")


def _one_structure(o, t, name: str) -> None:
    """TypeError unless a custom_jvp rule's tangent output (None: zero) has its primal's structure."""
    if t is not None and tree_flatten(t)[1] != tree_flatten(o)[1]:
        raise TypeError(f"custom_jvp {name}: the rule's primal and tangent outputs must have one "
                        f"structure, got {tree_flatten(o)[1]} and {tree_flatten(t)[1]}")


def _tangent_leaves(t, like: list, name: str) -> list:
    """A custom_jvp rule's output tangent as leaves shaped like the output's (None: zero)."""
    t_leaves = [None] * len(like) if t is None else tree_flatten(t)[0]
    if len(t_leaves) != len(like):
        raise TypeError(f"custom_jvp {name}: the rule's output tangent has {len(t_leaves)} "
                        f"leaves, the output {len(like)}")
    t_leaves = [_zeros_like(o) if zero_tangent(v, o) else v for v, o in zip(t_leaves, like)]
    return list(_checked(t_leaves, like, f"custom_jvp {name}: the rule", "output tangent", "output"))


def _record_custom(op: Op, top, args, primals, out) -> Tensor:
    """Put a user-defined rule's node on the tape of ``top``."""
    parents = tuple(a._node if type(a) is Tensor and a._trace is top else None for a in args)
    if type(out) is Tensor and out._trace is None:  # (from constant tensors: kept as the array,
        out = out._value  # or a differentiated sweep lost the terms through the rule's output)
    node = Node(op, (), parents, primals, out, tuple(np.shape(concrete(out))), np.result_type(concrete(out)))
    if debug.enabled:
        debug.note_site(node)
    return Tensor(out, top, node)


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


def _arg_names(args) -> tuple:
    return tuple(f"x{i}" for i in range(len(args)))
