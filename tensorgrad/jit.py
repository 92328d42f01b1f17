"""``tg.jit``: trace a function once per input signature, then replay a flat NumPy plan.

The first call with a new *signature* (the pytree structure of the arguments,
each array's shape, dtype and strides, and the values of static arguments)
runs the function once with :class:`~tensorgrad.staging.Staged` inputs. Every
op forward, every VJP/JVP rule the transforms run inside (rules are written
with ops, so a sweep under a trace records them like any other computation),
and every NumPy call made on a traced value is recorded into a program. The
program is then cut to what the outputs need, common calls are merged, buffers
of dead temporaries are reused by later elementwise steps, and the rest is
written out as one Python function of plain NumPy calls: no Tensor, no tape,
no dispatch. Later calls with the same signature run that function.

What is traced and what is baked in:

* array arguments (NumPy arrays and NumPy scalars) are traced;
* Python numbers, strings and other hashable leaves of the arguments, and
  the arguments named by ``static_argnums``/``static_argnames``, are
  *static*: part of the signature, so a new value traces again (the
  512 latest signatures keep their plans);
* arrays the function closes over (and anything computed from them alone)
  are constants, fixed at trace time as in JAX: writing into such an array
  later does not change the compiled plan (call ``clear_cache()``);
* Python control flow on a traced value (``if x > 0``, ``float(x)``,
  ``int(x)``, ``x.item()``, ``np.asarray(x)``, a shape that depends on values)
  raises :class:`~tensorgrad.staging.ConcretizationError` while tracing, so a
  replay can never follow the branch of another input. Use ``tg.where`` or a
  static argument.

Given Tensors (imperative tensors, or values of an enclosing transform such as
``tg.grad(tg.jit(f))``), or with ``tg.debug_nans`` on, the function runs as it is.
``lower(*args).compile()`` is JAX's ahead-of-time spelling (:mod:`~tensorgrad.jit_aot`)."""
from __future__ import annotations

import functools
import inspect
import math
import weakref
from typing import Callable, Sequence

import numpy as np

from . import debug
from .api_extras import eval_shape as _eval_shape
from .jit_args import (JIT_OPTIONS, _STATIC_SCALARS, _Feeder, _flatten, _hashable, _rebuild,
                       check_static_spec, examples_for)
from .staging import ClosedOver, ConcretizationError, PlanCache, Program, Ref, Staged, check_numeric
from .jit_aot import _OFF, MODES, Lowered, Plan, _fresh_const, _own, guards_hold
from .tensor import Tensor, concrete, torch_made
from .tree import _CUSTOM as _CUSTOM_NODES, _dict_keys, numbers_as_arrays

__all__ = ["jit", "Jitted", "Plan", "ConcretizationError"]


def jit(fun: Callable | None = None, *, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), donate_argnums: int | Sequence[int] = (),
        donate_argnames: str | Sequence[str] = (), **jax_options) -> "Jitted":
    """Compile ``fun`` into a replayed NumPy plan, traced once per input signature.

    Usable as ``tg.jit(f)``, ``tg.jit(f, static_argnums=1)`` or as a decorator
    (``@tg.jit`` / ``@tg.jit(static_argnames="train")``). Results equal the eager
    call's (see :mod:`tensorgrad.jit` for what is traced and what is baked in).
    ``donate_argnums``/``donate_argnames`` and JAX's device and compiler options
    (``keep_unused``, ``inline``, ``device``, ...) are accepted and change nothing
    (a plan never writes into its arguments). A static argument the function
    does not take is an error."""
    if set(jax_options) - JIT_OPTIONS:
        raise TypeError(f"jit() got unexpected keyword argument(s) {sorted(set(jax_options) - JIT_OPTIONS)}")
    if fun is None:
        return functools.partial(jit, static_argnums=static_argnums, static_argnames=static_argnames)
    return Jitted(fun, static_argnums, static_argnames)


_LIVE: "weakref.WeakSet[Jitted]" = weakref.WeakSet()  # every jitted function alive


def clear_caches() -> None:
    """``jax.clear_caches``: every jitted function forgets its plans (each traces again at its
    next call, e.g. after closed-over arrays changed)."""
    for j in list(_LIVE):
        j.clear_cache()


class Jitted:
    """A jitted function: call it like the original; ``lower(*args)`` shows its plan."""

    def __init__(self, fun: Callable, static_argnums=(), static_argnames=()):
        if not callable(fun):
            raise TypeError(f"jit: expected a function, got {type(fun).__name__}")
        _LIVE.add(self)
        functools.update_wrapper(self, fun)
        self.fun = fun
        # (None is JAX's default for both; one NumPy integer counts as one position)
        if isinstance(static_argnums, np.ndarray) and static_argnums.ndim == 0:
            static_argnums = static_argnums[()]  # (a 0-d array: its number)
        nums = () if static_argnums is None else (static_argnums,) if isinstance(
            static_argnums, (int, np.integer)) else tuple(static_argnums)
        names = () if static_argnames is None else (static_argnames,) if isinstance(
            static_argnames, str) else tuple(static_argnames)
        try:
            sig = inspect.signature(fun)
            params = list(sig.parameters.values())
        except (TypeError, ValueError):
            params = []
        positional = [p.name for p in params
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        # a static name that is also a positional parameter makes that position static too
        nums = nums + tuple(positional.index(n) for n in names if n in positional)
        for n in nums:
            if not isinstance(n, (int, np.integer)):
                raise TypeError(f"jit: static_argnums must be integers, got {static_argnums!r}")
        nums = check_static_spec(params, positional, nums, names)  # (negative ones resolved)
        self._static_nums = frozenset(int(n) for n in nums)
        self._static_names = frozenset(names) | frozenset(
            positional[n] for n in self._static_nums if 0 <= n < len(positional))
        self._plans = PlanCache()  # (the oldest of more than 512 signatures is dropped)
        self._eager: set = set()  # signatures whose result holds a function: run as written
        self._frozen: dict = {}  # the plans' copies of constant arrays (see _frozen_const)
        self._modes = MODES[0]  # (see jit_aot.MODES)
        self._name = getattr(fun, "__name__", "f")

    def __repr__(self) -> str:
        return f"<tg.jit {self._name} ({len(self._plans)} traced signature(s))>"

    # pickle and copy.deepcopy: the function and its options; the copy traces its own plans
    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_plans", "_eager", "_frozen")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._plans, self._eager, self._frozen = PlanCache(), set(), {}
        _LIVE.add(self)

    def __get__(self, obj, objtype=None):  # a jitted method binds like a function
        if obj is None:
            return self
        return functools.partial(self, obj)

    # ---- calls ---------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if self._modes != MODES[0]:  # a Module's train()/eval() since: trace anew
            self._plans.clear()
            self._modes = MODES[0]
        if not kwargs and not self._static_nums:  # the common call: positional arrays only
            leaves: list = []
            flags = [False]
            key = tuple([_flatten(a, leaves, flags) for a in args])
            if not flags[0] and not debug.enabled and not _OFF.on:
                plan = self._plans.get(key)
                if plan is not None and (not plan.guards or guards_hold(plan.guards)):
                    return plan.fn(*leaves)
        key, leaves, fallback = self._signature(args, kwargs)
        if fallback or _OFF.on or (debug.enabled and debug.is_debugging_nans()):
            out = self.fun(*args, **kwargs)  # (with jit disabled, as written: JAX's disable_jit)
            return out if _OFF.on else numbers_as_arrays(out)
        plan = self._live_plan(key)
        if plan is None:
            if key in self._eager:
                return numbers_as_arrays(self.fun(*args, **kwargs))
            check_numeric(leaves)
            try:
                plan = self._plans[key] = self._trace(args, kwargs)
            except ClosedOver as exc:  # it reads a value an enclosing transform traces, or a
                # tensor of the imperative tape: run it as written (under that transform)
                if isinstance(exc, _ReturnsFunction) or getattr(exc, "every_call", False):
                    self._eager.add(key)  # (every call: its result holds a function, or it
                    # updates a tensor in place)
                return numbers_as_arrays(self.fun(*args, **kwargs))  # (as a plan's results)
        return plan.fn(*leaves)

    def lower(self, *args, **kwargs) -> Lowered:
        """The plan these arguments run (traced now if new), as JAX's ``Lowered``; an argument
        may be a ``ShapeDtypeStruct`` (tensorgrad's or JAX's) standing for an array."""
        nums = {n + len(args) if n < 0 else n for n in self._static_nums}
        args = tuple(a if i in nums else examples_for(a) for i, a in enumerate(args))
        kwargs = {k: v if k in self._static_names else examples_for(v) for k, v in kwargs.items()}
        key, _, fallback = self._signature(args, kwargs)
        if fallback:
            raise TypeError("jit.lower: the arguments hold Tensors; jit traces NumPy arrays")
        plan = self._live_plan(key)
        if plan is None:
            plan = self._plans[key] = self._trace(args, kwargs)
        nums = {n + len(args) if n < 0 else n for n in self._static_nums}
        statics = (len(args), {i: a for i, a in enumerate(args) if i in nums},
                   {k: v for k, v in kwargs.items() if k in self._static_names})
        return Lowered(self, key, plan, statics)

    def _live_plan(self, key):
        """The plan of ``key`` if the state it read is still in place: none after a Module's
        train()/eval() or a change of its layers or hooks (jit_aot.MODES), nor once a model it
        read has new parameters (its guards); such plans are forgotten, to be traced again."""
        if self._modes != MODES[0]:
            self._plans.clear()
            self._modes = MODES[0]
        plan = self._plans.get(key)
        if plan is not None and plan.guards and not guards_hold(plan.guards):
            self._plans.pop(key, None)
            return None
        return plan

    def eval_shape(self, *args, **kwargs):
        """JAX's ``jitted.eval_shape(*args)``: the outputs' shapes and dtypes, as
        ``tg.eval_shape(fun, *args)`` (arrays or ``ShapeDtypeStruct``\\ s)."""
        return _eval_shape(self.fun, *args, **kwargs)

    def cache_size(self) -> int:
        """How many signatures have been traced (and are kept)."""
        return len(self._plans)

    def clear_cache(self) -> None:
        """Forget every plan: the next call traces again (e.g. after changing a closed-over array)."""
        self._plans.clear()
        self._eager.clear()
        self._frozen.clear()

    # ---- signatures --------------------------------------------------------------
    def _signature(self, args: tuple, kwargs: dict):
        """(hashable key, traced leaves in order, whether to run eagerly instead)."""
        leaves: list = []
        parts = []
        flags = [False]
        nums = {n + len(args) if n < 0 else n for n in self._static_nums}  # (f(*args): per call)
        for i, a in enumerate(args):
            if i in nums:
                parts.append(("static", _hashable(a, f"static argument {i}")))
            else:
                parts.append(_flatten(a, leaves, flags))
        kparts = []
        for k in sorted(kwargs):
            v = kwargs[k]
            if k in self._static_names:
                kparts.append((k, "static", _hashable(v, f"static argument {k!r}")))
            else:
                kparts.append((k, _flatten(v, leaves, flags)))
        if not kparts and not nums:  # the same key as __call__'s fast path
            return tuple(parts), leaves, flags[0]
        return (len(args), tuple(parts), tuple(kparts)), leaves, flags[0]

    # ---- tracing -----------------------------------------------------------------------
    def _trace(self, args: tuple, kwargs: dict) -> "Plan":
        program, result = self.record(args, kwargs)
        plan = _build_plan(program, result, self._name, self._frozen)
        plan.guards = tuple(program.guards)
        return plan

    def record(self, args: tuple, kwargs: dict) -> tuple:
        """(the program of NumPy calls ``fun`` makes on these arguments, its result)."""
        program = Program(self._name)
        with program:
            it = _Feeder(program)
            nums = {n + len(args) if n < 0 else n for n in self._static_nums}
            targs = tuple(a if i in nums else _rebuild(a, it) for i, a in enumerate(args))
            tkw = {k: (kwargs[k] if k in self._static_names else _rebuild(kwargs[k], it))
                   for k in sorted(kwargs)}  # the order _signature flattens them in
            result = numbers_as_arrays(self.fun(*targs, **tkw))  # (JAX returns arrays)
        return program, result


# --------------------------------------------------------------------------
# the plan
# --------------------------------------------------------------------------

def _build_plan(program: Program, result, name: str, copies: dict | None = None) -> Plan:
    outs: list = []  # slots (or constants) of the output leaves, in order
    tree = _OutputTree(program, outs)
    out_expr = tree.render(result)
    steps = program.steps
    recorded = len(steps)
    # 1. keep what the outputs need
    keep = program.live_steps({o for o in outs if type(o) is int})
    # 2. merge repeated calls (same function, same arguments)
    alias: dict[int, int] = {}
    seen: dict = {}
    merged = []
    for st in keep:
        st.args = _rename(st.args, alias)
        st.kwargs = _rename(st.kwargs, alias) if st.kwargs else st.kwargs
        same = _same_view(st, program)
        if same is not None:  # a no-op (reshape to the same shape, astype to the same dtype)
            alias[st.out] = same
            continue
        k = _step_key(st) if not st.effect else None
        if k is not None and k in seen:
            alias[st.out] = seen[k]
            continue
        if k is not None:
            seen[k] = st.out
        merged.append(st)
    outs = [alias.get(o, o) if type(o) is int else o for o in outs]
    # 3. reuse the buffers of dead temporaries in elementwise steps
    reuse = _plan_reuse(merged, set(o for o in outs if type(o) is int), program)
    return _codegen(program, merged, outs, (out_expr, tree.consts), reuse, name, recorded,
                    {} if copies is None else copies)


def _same_view(st, program: Program):
    """The argument slot whose array this step's result merely repeats (same memory, shape,
    strides and dtype), or None. Never for a step with another traced argument: whether the
    call gave back its array may depend on that one's value (np.linalg.matrix_power(a, n)
    returns ``a`` at n = 1 only)."""
    v = st.value
    if st.effect or st.kind == "item" or type(v) is not np.ndarray or _traced_count(
            (st.args, st.kwargs)) != 1:
        return None
    for a in st.args:
        if type(a) is not Ref:
            continue
        x = program.values[a.slot]
        if type(x) is not np.ndarray:
            continue
        if x is v or (v.shape == x.shape and v.strides == x.strides and v.dtype == x.dtype
                      and v.__array_interface__["data"][0] == x.__array_interface__["data"][0]):
            return a.slot
    return None


def _traced_count(obj) -> int:
    """How many traced values (slots) ``obj`` refers to, inside tuples, lists and dicts too."""
    t = type(obj)
    if t is Ref:
        return 1
    if t is tuple or t is list:
        return sum(_traced_count(o) for o in obj)
    return sum(_traced_count(o) for o in obj.values()) if t is dict else 0


def _rename(obj, alias: dict):
    t = type(obj)
    if t is Ref:
        s = alias.get(obj.slot)
        return obj if s is None else Ref(s)
    if t is tuple or t is list:
        return t(_rename(o, alias) for o in obj)
    if t is dict:
        return {k: _rename(o, alias) for k, o in obj.items()}
    return obj


def _const_key(x):
    t = type(x)
    if t is Ref:
        return ("r", x.slot)
    if x is None or x is Ellipsis or t is bool or t is int or t is str:
        return (t, x)
    if t is float or t is complex or isinstance(x, np.generic):
        return (t, repr(x))
    if t is tuple or t is list:
        return (t, tuple(_const_key(e) for e in x))
    if t is dict:
        return (t, tuple((k, _const_key(v)) for k, v in x.items()))
    if t is slice:
        return (t, _const_key(x.start), _const_key(x.stop), _const_key(x.step))
    if isinstance(x, np.dtype):
        return ("dtype", x.str)
    return ("id", id(x))


def _step_key(st):
    if st.kind == "item":
        return ("item",) + tuple(_const_key(a) for a in st.args)
    guarded = getattr(st.fn, "guarded", None)  # (a step checking its result's shape)
    fn = st.fn if st.kind == "method" else ("id", id(st.fn)) if guarded is None else guarded
    return (st.kind, fn, _const_key(st.args), _const_key(st.kwargs))


def _plan_reuse(steps, outputs: set, program: Program) -> dict:
    """{step index: argument slot whose buffer the step may write its result into}.

    Safe when the argument was made by an elementwise NumPy call in this plan
    (a fresh array, never a view nor a caller's array), every use of it is
    such a call (so no view of it exists), this step is its last use, and it
    has the result's shape and dtype.
    """
    fresh: set = set()
    users: dict[int, list] = {}
    for k, st in enumerate(steps):
        for r in st.refs():
            users.setdefault(r, []).append(k)
    elementwise = [st.kind == "call" and type(st.fn) is np.ufunc and not st.kwargs
                   and st.fn.nout == 1 and st.fn.signature is None for st in steps]
    for k, st in enumerate(steps):  # matmul (a generalized ufunc) also makes fresh arrays
        if st.kind == "call" and type(st.fn) is np.ufunc and not st.kwargs \
                and type(st.value) is np.ndarray:
            fresh.add(st.out)
    reuse = {}
    taken: set = set()
    for k, st in enumerate(steps):
        if not elementwise[k] or type(st.value) is not np.ndarray:
            continue
        for a in st.args:
            if type(a) is not Ref:
                continue
            s = a.slot
            if s not in fresh or s in outputs or s in taken:
                continue
            us = users.get(s, ())
            if not us or us[-1] != k or not all(elementwise[u] for u in us):
                continue
            v = program.values[s]
            if v.shape != st.value.shape or v.dtype != st.value.dtype:
                continue
            reuse[k] = s
            taken.add(s)
            break
    return reuse


class _ClosedOverTracer(ClosedOver):
    """The jitted function closes over a value of an enclosing transform (as in
    ``tg.grad(lambda x: tg.jit(lambda y: x * y)(2.0))``): it runs eagerly instead."""


class _ReturnsFunction(ClosedOver):
    """The jitted function returns a function (``vjp``'s pullback, a ``linearize``): a plan
    returns arrays only, so this signature runs eagerly at every call (JAX returns a Partial)."""


class _OutputTree:
    """Renders the function's result as the plan's return expression."""

    def __init__(self, program: Program, outs: list):
        self.program = program
        self.outs = outs
        self.consts: list = []

    def render(self, x) -> str:
        t = type(x)
        if t is Tensor:
            if x._trace is not None and x._trace.level >= 0:
                raise _ClosedOverTracer("jit: the function's result depends on a value traced "
                                        "by an enclosing transform (a closure), so it has no "
                                        "plan of its own")
            if x._trace is None:  # a constant tensor (jnp's results): a tensor at every call
                made = torch_made if getattr(x, "_torch", False) else Tensor
                return f"{self._const(made)}({self.render(concrete(x))})"
            x = concrete(x)
            t = type(x)
        if t is Staged:
            if x.program is not self.program:
                raise ConcretizationError("jit: the function returned a value traced by "
                                          "another jit trace")
            self.outs.append(x.slot)
            if isinstance(x.value, np.generic):  # NumPy's 0-d results: arrays, as JAX's
                return f"{self._const(np.asarray)}(\x00{len(self.outs) - 1}\x00)"
            return f"\x00{len(self.outs) - 1}\x00"
        if x is None:
            return "None"
        if t is tuple or t is list:
            body = "".join(self.render(c) + ", " for c in x)
            return f"({body})" if t is tuple else f"[{body}]"
        if isinstance(x, dict) and t not in _CUSTOM_NODES:
            body = ", ".join(f"{k!r}: {self.render(x[k])}" if _literal(k) is not None  # (JAX's
                             else f"{self._const(k)}: {self.render(x[k])}" for k in _dict_keys(x))  # order)
            if t is dict:
                return "{" + body + "}"
            return f"{self._const(t)}({{{body}}})"
        if isinstance(x, tuple) and hasattr(x, "_fields") and t not in _CUSTOM_NODES:
            return f"{self._const(t)}(" + "".join(self.render(c) + ", " for c in x) + ")"
        custom = _CUSTOM_NODES.get(t)
        if custom is not None:  # a registered node: unflatten(aux, [children])
            children, aux = custom[0](x)
            return (f"{self._const(custom[1])}({self._const(aux)}, ["
                    + "".join(self.render(c) + ", " for c in children) + "])")
        if isinstance(x, (np.ndarray, np.generic)) or isinstance(x, _STATIC_SCALARS):
            self.outs.append(("const", x))
            return f"\x00{len(self.outs) - 1}\x00"
        if callable(x):
            raise _ReturnsFunction("jit: the function returns a function (such as vjp's "
                                   "pullback), which a plan cannot hold; calling the jitted "
                                   "function runs it as written instead")
        raise TypeError(f"jit: the function returned a {type(x).__name__}; a jitted function "
                        "returns arrays, numbers and pytrees (tuples, lists, dicts, registered "
                        "nodes) of them")

    def _const(self, obj) -> str:
        self.consts.append(obj)
        return f"\x01{len(self.consts) - 1}\x01"


def _literal(x) -> str | None:
    """Python source for a simple constant, or None."""
    t = type(x)
    if x is None or t is bool or t is int or t is str:
        return repr(x)
    if t is float and math.isfinite(x):
        return repr(x)
    if x is Ellipsis:
        return "..."
    if t is tuple:
        parts = [_literal(e) for e in x]
        if all(p is not None for p in parts):
            return "(" + "".join(p + ", " for p in parts) + ")"
    return None


class _Names:
    """Global names for the plan's functions and constants."""

    def __init__(self):
        self.globals: dict = {"_own": _own, "_fresh": _fresh_const}
        self.by_id: dict = {}
        self.keep: list = []  # keep constants alive (ids are only valid while they are)

    def name(self, obj, hint: str) -> str:
        n = self.by_id.get(id(obj))
        if n is None:
            base = "".join(c if c.isalnum() else "_" for c in hint)[:24] or "c"
            n = f"{base}_{len(self.by_id)}"
            self.by_id[id(obj)] = n
            self.globals[n] = obj
            self.keep.append(obj)
        return n


def _alike(a, b) -> bool:
    return type(a) is np.ndarray and a.shape == b.shape and a.dtype == b.dtype


def _frozen_const(a, copies: dict):
    """A constant array of the plan, fixed at trace time: a private read-only copy (a
    read-only array may still be a view of, or locked from, something writable). ``copies``
    holds the jitted function's copies for all its plans (id -> (weak reference to the
    array, copy)): a plan for another shape reuses the copy while the array is unchanged."""
    if type(a) is not np.ndarray:
        return a
    got = copies.get(id(a))
    if got is not None and got[0]() is a and got[1].dtype == a.dtype \
            and got[1].shape == a.shape and got[1].tobytes() == a.tobytes():
        return got[1]  # (unchanged to the bit: array_equal would take -0.0 for 0.0)
    c = a.copy()
    c.flags.writeable = False
    try:
        copies[id(a)] = (weakref.ref(a), c)
    except TypeError:  # pragma: no cover - (every ndarray takes weak references)
        pass
    return c


def _codegen(program: Program, steps, outs, out: tuple, reuse: dict, name: str,
             recorded: int, copies: dict) -> Plan:
    out_expr, out_consts = out
    names = _Names()
    inputs = {s: f"x{k}" for k, s in enumerate(program.inputs)}
    local = dict(inputs)

    def var(slot: int) -> str:
        v = local.get(slot)
        if v is None:
            v = local[slot] = f"v{slot}"
        return v

    def arg(x) -> str:
        t = type(x)
        if t is Ref:
            return local[x.slot]
        lit = _literal(x)
        if lit is not None:
            return lit
        if t is tuple or t is list:
            if _has_ref(x):
                body = "".join(arg(e) + ", " for e in x)
                return f"({body})" if t is tuple else f"[{body}]"
        elif t is dict and _has_ref(x):
            return "{" + ", ".join(f"{k!r}: {arg(v)}" for k, v in x.items()) + "}"
        x = _frozen_const(x, copies) if t is np.ndarray else _freeze_nested(x, copies)
        hint = getattr(x, "__name__", None) or type(x).__name__
        return names.name(x, hint)

    # free each temporary after its last use, as the eager sweep releases its residuals
    outputs = {o for o in outs if type(o) is int}
    last_use: dict[int, int] = {}
    for k, st in enumerate(steps):
        for r in st.refs():
            last_use[r] = k
    dead_after: dict[int, list] = {}
    for slot, k in last_use.items():
        if slot not in inputs and slot not in outputs:
            dead_after.setdefault(k, []).append(slot)
    lines = []
    err = None
    for k, st in enumerate(steps):
        if st.kind == "item":
            expr = f"{arg(st.args[0])}[{st.args[1]!r}]"
        else:
            pos = [arg(a) for a in (st.args[1:] if st.kind == "method" else st.args)]
            kw = [f"{kk}={arg(v)}" for kk, v in st.kwargs.items()] if st.kwargs else []
            if k in reuse:
                kw.append(f"out={local[reuse[k]]}")
            if st.kind == "method":
                obj = arg(st.args[0])
                if st.fn == "__getitem__":
                    expr = f"{obj}[{pos[0]}]"
                else:
                    expr = f"{obj}.{st.fn}({', '.join(pos + kw)})"
            else:
                method = _method_form(st, program)
                if method is not None:  # the array method NumPy's function form wraps
                    mname, keywords = method
                    rest = pos[1:]
                    if keywords:
                        rest = [f"{k}={a}" for k, a in zip(keywords, rest)]
                    expr = f"{pos[0]}.{mname}({', '.join(rest + kw)})"
                else:
                    fname = names.name(st.fn, getattr(st.fn, "__name__", "f"))
                    expr = f"{fname}({', '.join(pos + kw)})"
        if st.err != err:  # traced under np.errstate (a sweep's rules): each run of such steps
            err = st.err  # replays under it too, in one block
            if err:
                lines.append(f"    with {names.name(np.errstate, 'errstate')}(**{err!r}):")
        pad = "        " if err else "    "
        lines.append(f"{pad}{var(st.out)} = {expr}")
        dead = [local[d] for d in dead_after.get(k, ()) if d != st.out and d in local]
        if dead:
            lines.append(f"{pad}del {', '.join(dead)}")

    # the return expression: outputs in place of the markers
    seen_out: set = set()
    input_slots = set(program.inputs)
    rendered = []
    made = {st.out: st for st in steps}
    for o in outs:
        if type(o) is tuple:  # a constant output: its value at trace time (baked in, as what
            # is computed from it), a fresh copy per call
            rendered.append(f"_fresh({names.name(_fresh_const(o[1]), 'const')})")
            continue
        v = local.get(o) if o in local else inputs.get(o)
        value = program.values[o]
        if o in seen_out or o in input_slots:
            rendered.append(f"{v}.copy()" if type(value) is np.ndarray else v)
        elif type(value) is np.ndarray:  # a step that may hand back a caller's array (a
            # cond/switch branch or a callback returning its input): checked against those inputs
            st = made.get(o)
            mine = [] if st is not None and type(st.fn) is np.ufunc else [
                inputs[s] for s in program.inputs if _alike(program.values[s], value)]
            rendered.append(f"_own({', '.join([v] + mine)})")
        else:
            rendered.append(v)
        seen_out.add(o)
    ret = out_expr
    for i, r in enumerate(rendered):
        ret = ret.replace(f"\x00{i}\x00", r, 1)
    src_args = ", ".join(inputs[s] for s in program.inputs)
    src = "def plan(" + src_args + "):\n" + "\n".join(lines) + ("\n" if lines else "") \
        + f"    return {ret}\n"
    # constants and types used by the return expression
    for i, c in enumerate(out_consts):
        src = src.replace(f"\x01{i}\x01", names.name(c, getattr(c, "__name__", "c")))
    g = names.globals
    exec(compile(src, f"<tg.jit plan of {name}>", "exec"), g)  # noqa: S102 - our own source
    return Plan(g["plan"], src, len(steps), recorded, len(reuse))


#: NumPy functions that call the array method of the same name on an ndarray
_METHODS = {getattr(np, n): (n, None) for n in (
    "sum", "mean", "prod", "max", "min", "any", "all", "argmax", "argmin", "cumsum", "cumprod",
    "reshape", "transpose", "swapaxes", "squeeze", "ravel", "round", "repeat", "take",
    "diagonal", "trace", "std", "var")}


def _method_form(st, program: Program):
    """(method name, keyword names for the positional params) when this call is an array
    method of its first argument: a NumPy function in ``_METHODS``, or an op forward that
    declares ``array_method`` (``forward(x, *params) == x.<name>(**zip(keywords, params))``
    for an ndarray x)."""
    if not st.args or type(st.args[0]) is not Ref:
        return None
    x = program.values[st.args[0].slot]
    if type(x) is not np.ndarray or not x.size:  # (empty: the forward's own NaN, not NumPy's warning)
        return None
    try:
        form = _METHODS.get(st.fn)
    except TypeError:  # an unhashable callable
        return None
    if form is None:
        form = getattr(st.fn, "array_method", None)
    return form


def _has_ref(x) -> bool:
    t = type(x)
    if t is Ref:
        return True
    if t is tuple or t is list:
        return any(_has_ref(e) for e in x)
    if t is dict:
        return any(_has_ref(e) for e in x.values())
    return False


def _freeze_nested(x, copies: dict):
    t = type(x)
    if t is np.ndarray:
        return _frozen_const(x, copies)
    if t is tuple or t is list:
        return t(_freeze_nested(e, copies) for e in x)
    if t is dict:
        return {k: _freeze_nested(v, copies) for k, v in x.items()}
    return x
