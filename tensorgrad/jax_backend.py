"""Run tensorgrad code on JAX: :func:`to_jax`.

``tg.to_jax(f)`` is the same Python function ``f`` — written with tensorgrad's
ops, operators and ``np.*`` calls on Tensors — running on JAX arrays. Every
registered op names its JAX counterpart (``Op.jax``, the function the test
table compares it with); the converted function calls those counterparts
instead of the NumPy forward rules, so JAX sees an ordinary JAX program and
everything JAX does applies to it: ``jax.jit``, ``jax.grad``, ``jax.vmap``,
sharded arrays, accelerators.

How it works. The converted function wraps each array leaf of its arguments
as a :class:`~tensorgrad.tensor.Tensor` on a :class:`JaxTrace`, a trace above
every tensorgrad trace. When an op meets such a Tensor, ``bind`` (the engine's
one entry point for ops) hands it to :meth:`JaxTrace.apply`, which calls the
op's JAX function with the op's normalized parameters as keywords
(``op.param_names``) and wraps the result again. Nothing else changes: the
NumPy path never looks at JAX (the check sits after bind's fast paths, on
its general path, and is one attribute test there).

Inside a converted function:

* tensorgrad's transforms become JAX's: ``tg.grad`` runs ``jax.grad`` of the
  same function, likewise ``value_and_grad``, ``vjp``, ``jvp``, ``linearize``,
  ``jacrev``, ``jacfwd`` (and ``hessian``, ``hvp`` built from them). The
  derivatives are then JAX's autodiff of the op counterparts, not
  tensorgrad's rules — which is what makes ``compare_with_jax`` an
  independent check.
* ``tg.custom_vjp`` / ``tg.custom_jvp`` functions become ``jax.custom_vjp`` /
  ``jax.custom_jvp`` with your rules converted too (``custom_rules=False``:
  JAX differentiates the function itself and your rules are ignored).
* ``tg.optim`` steps and ``tg.nn`` models (``model.apply``) work unchanged.
* An op without a JAX counterpart raises ``NotImplementedError`` naming it.

Values that only JAX can see (traced under ``jax.jit``) cannot be read by
Python: an op whose public function inspects values (integer class labels in
``softmax_cross_entropy``, index arrays in ``getitem``) hands them to its JAX
counterpart, which checks shapes and dtypes and, where a value is out of
range, returns NaN rather than a wrong number.

JAX is optional: it is imported only when a conversion runs.
"""
from __future__ import annotations

import functools
import importlib
import threading
from typing import Callable

import numpy as np

from . import tree as _tree
from .registry import Op
from .tensor import Tensor, concrete

__all__ = ["to_jax", "JaxTrace", "jax_function", "require_jax", "is_jax_tensor", "host_callback"]


def require_jax(what: str = "this feature"):
    """Import and return ``jax``, or raise an ImportError that names the extra to install."""
    try:
        import jax
    except ImportError:
        raise ImportError(f"{what} needs JAX, an optional dependency of tensorgrad: "
                          'install it with pip install "tensorgrad[jax]" (or pip install jax)'
                          ) from None
    return jax


# --------------------------------------------------------------------------
# the op table: each op's JAX function
# --------------------------------------------------------------------------

_FUNCTIONS: dict = {}


def jax_function(op: Op) -> Callable:
    """The JAX function that runs ``op`` under :func:`to_jax`: ``fn(*args, **params)``."""
    fn = _FUNCTIONS.get(op)
    if fn is not None:
        return fn
    import jax.numpy as jnp
    ref = op.to_jax if op.to_jax is not None else op.jax
    if ref is None:
        raise NotImplementedError(
            f"tg.to_jax: op {op.name!r} has no JAX counterpart, so it cannot run on JAX arrays; "
            f"give its registry entry one (Op(..., jax='jax.numpy.<name>' or "
            f"jax=lambda jnp, *args, **params: ...))")
    if callable(ref):
        fn = functools.partial(ref, jnp)
    else:
        module, _, attr = ref.rpartition(".")
        try:
            fn = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            raise NotImplementedError(f"tg.to_jax: op {op.name!r} names the JAX counterpart "
                                      f"{ref!r}, which this JAX version does not have") from None
    _FUNCTIONS[op] = fn
    return fn


# --------------------------------------------------------------------------
# the trace
# --------------------------------------------------------------------------

class JaxTrace:
    """The trace of Tensors that hold JAX values: ops on them run as JAX functions.

    It sits above every tensorgrad trace (``level``), and is marked
    ``forward`` so that bind's reverse-mode fast paths pass it by; bind's
    general path sees ``jax`` and calls :meth:`apply`. A JaxTrace has no
    state that changes, so it is never closed: a Tensor that outlives its
    conversion still holds a JAX value and still computes with JAX.
    """

    __slots__ = ("custom_rules",)
    level = 1 << 62
    forward = True
    jax = True
    batch_ndim = 0

    def __init__(self, custom_rules: bool = True):
        self.custom_rules = custom_rules

    def __repr__(self) -> str:
        return f"<JaxTrace custom_rules={self.custom_rules}>"

    def apply(self, op: Op, args: tuple, params: tuple) -> Tensor:
        """Run ``op`` on ``args`` with its JAX function; the result is on this trace."""
        fn = jax_function(op)
        vals = [_lower_arg(a, f"op {op.name!r}") for a in args]
        kw = dict(zip(op.param_names, params)) if params else {}
        try:
            out = fn(*vals, **kw)
        except (TypeError, ValueError, IndexError) as exc:
            raise _describe(op, vals, kw, exc) from exc
        return Tensor(out, self)

    def custom_call(self, fun, args: tuple):
        """A ``tg.custom_vjp`` / ``tg.custom_jvp`` function called on this trace."""
        if not self.custom_rules:
            return fun.fun(*args)
        jax = require_jax("tg.to_jax")
        trace = self
        if getattr(fun, "bwd", None) is not None:
            jf = jax.custom_vjp(_lowered(fun.fun, trace))
            fwd, bwd = fun.fwd, fun.bwd

            def jfwd(*xs):
                xs = _wrap(xs, trace)
                if getattr(fun, "symbolic_zeros", False):  # (every input counts as perturbed)
                    xs = fun.perturbed_primals(xs)
                out, res = fwd(*xs)
                return _unwrap(out), _unwrap(res)

            def jbwd(res, g):
                cts = bwd(_wrap(res, trace), _wrap(g, trace))
                if not isinstance(cts, (tuple, list)) or len(cts) != len(args):
                    raise TypeError(f"custom_vjp {fun.fun.__name__}: bwd must return a tuple with "
                                    f"one cotangent per input ({len(args)})")
                return tuple(_unwrap(c) for c in cts)
            jf.defvjp(jfwd, jbwd)
        else:
            jf = jax.custom_jvp(_lowered(fun.fun, trace))
            rule = fun.jvp_rule

            def jrule(primals, tangents):
                out, t = rule(_wrap(tuple(primals), trace), _wrap(tuple(tangents), trace))
                return _unwrap(out), _unwrap(t)
            jf.defjvp(jrule)
        return _wrap(jf(*_unwrap(tuple(args))), trace)


_TRACES = {True: JaxTrace(True), False: JaxTrace(False)}


class _Active(threading.local):
    #: the JaxTrace of the innermost converted function running in this thread
    trace = None


#: Per thread: which conversion is running. tensorgrad's transforms read it
#: once per call (not per op) to run as JAX's transforms inside to_jax.
ACTIVE = _Active()


def is_jax_tensor(x) -> bool:
    """True for a Tensor that holds a JAX value (inside a converted function)."""
    return type(x) is Tensor and x._trace is not None and x._trace.jax


def _live_elsewhere(x: Tensor) -> bool:
    tr = x._trace
    return tr is not None and tr.level >= 0 and not tr.jax


def _lower_arg(a, where: str):
    """``a`` as JAX takes it: a JAX value's own, a constant's value; a value another
    tensorgrad transform traces raises (``where`` names the op or callback that got it)."""
    if type(a) is Tensor:
        tr = a._trace
        if tr is not None and tr.jax:
            return a._value
        if _live_elsewhere(a):
            raise _mixed_error(where)
        return concrete(a)
    return a


def _mixed_error(where: str) -> TypeError:
    return TypeError(
        f"tg.to_jax: {where} received a value that a tensorgrad transform (grad, vjp, jvp, ...) "
        "outside the converted function is tracing; its derivative would be lost. Differentiate "
        "the converted function with JAX instead (jax.grad(tg.to_jax(f))), or call tensorgrad's "
        "transforms inside the converted function")


def _describe(op: Op, vals, kw, exc: Exception) -> Exception:
    parts = []
    for v in vals:
        if hasattr(v, "shape") and hasattr(v, "dtype"):
            parts.append(f"array(shape={tuple(v.shape)}, dtype={v.dtype})")
        else:
            parts.append(type(v).__name__)
    named = ", ".join(f"{k}={p!r}" for k, p in kw.items())
    msg = (f"{op.name} (run by JAX under tg.to_jax): {exc} "
           f"(inputs: {', '.join(parts)}{'; ' + named if named else ''})")
    if str(exc).startswith(op.name + ":"):
        return exc
    kind = TypeError if isinstance(exc, TypeError) else IndexError if isinstance(exc, IndexError) \
        else ValueError
    return kind(msg)


def host_callback(where: str, call: Callable, expected: list, leaves: list, effect: bool,
                  vmap_method=None) -> list:
    """``pure_callback`` / ``io_callback`` (``effect``) inside a converted function: JAX's own
    (``jax.pure_callback``, ``jax.experimental.io_callback``), so that ``jax.jit`` runs the
    callback at every call and JAX's transforms treat it as JAX does (a derivative through it
    raises there). ``call`` takes the flat NumPy values of ``leaves`` and returns the list of
    result arrays, of the (shape, dtype) pairs ``expected``."""
    jax = require_jax(f"{where} inside tg.to_jax")
    trace = ACTIVE.trace or next((v._trace for v in leaves if is_jax_tensor(v)), _TRACES[True])
    vals = [_lower_arg(v, where) for v in leaves]
    specs = [jax.ShapeDtypeStruct(shp, dt) for shp, dt in expected]
    if effect:
        import jax.experimental
        out = jax.experimental.io_callback(call, specs, *vals)
    else:
        out = jax.pure_callback(call, specs, *vals, vmap_method=vmap_method)
    return [Tensor(o, trace) for o in out]


# --------------------------------------------------------------------------
# pytrees in and out
# --------------------------------------------------------------------------

def _wrap_leaf(x, trace: JaxTrace):
    t = type(x)
    if t is Tensor:
        tr = x._trace
        if tr is not None and tr.jax:
            return x if tr is trace else Tensor(x._value, trace)
        if _live_elsewhere(x):
            raise _mixed_error("the converted function")
        x = concrete(x)
    if isinstance(x, (np.ndarray, np.generic)):
        import jax.numpy as jnp
        return Tensor(jnp.asarray(x), trace)
    if _is_jax_array(x):  # also the tracers of jax.jit, jax.grad, jax.vmap
        return Tensor(x, trace)
    return x  # Python numbers, strings, None: passed as they are


def _is_jax_array(x) -> bool:
    import jax
    return isinstance(x, jax.Array)


def _unwrap_leaf(x):
    if type(x) is Tensor:
        tr = x._trace
        if tr is not None and tr.jax:
            return x._value
        if _live_elsewhere(x):
            raise _mixed_error("the converted function's result")
        x = concrete(x)
    if isinstance(x, (np.ndarray, np.generic)):
        import jax.numpy as jnp
        return jnp.asarray(x)
    return x


def _is_leaf(x) -> bool:
    return type(x) is Tensor


def _wrap(tree, trace: JaxTrace):
    import jax
    return jax.tree_util.tree_map(lambda v: _wrap_leaf(v, trace), tree, is_leaf=_is_leaf)


def _unwrap(tree):
    import jax
    return jax.tree_util.tree_map(_unwrap_leaf, tree, is_leaf=_is_leaf)


def _lowered(f: Callable, trace: JaxTrace) -> Callable:
    """``f`` as a function of JAX values (for JAX's transforms)."""
    def g(*xs):
        return _unwrap(f(*_wrap(xs, trace)))
    return g


# --------------------------------------------------------------------------
# the conversion
# --------------------------------------------------------------------------

_SHARED: set = set()  # the pytree node types of tensorgrad's registry also registered with JAX


def _share_pytree_nodes(jax) -> None:
    """Register with JAX tensorgrad's own pytree node types (an optimizer's ``OptimizerState``),
    so that ``jax.jit`` of a converted function flattens them as tensorgrad does rather than
    taking their parts for leaves. (A class of yours registered with ``tg.tree_util`` is left
    for you to register with JAX too, which JAX allows once.)"""
    for nodetype, (flatten, unflatten) in list(_tree._CUSTOM.items()):
        if nodetype in _SHARED or not getattr(nodetype, "__module__", "").startswith("tensorgrad"):
            continue
        _SHARED.add(nodetype)
        try:
            jax.tree_util.register_pytree_node(nodetype, flatten, unflatten)
        except ValueError:  # (JAX has it already: registered there by the user, or JAX's own)
            pass


def to_jax(f: Callable, *, custom_rules: bool = True) -> Callable:
    """``f`` running on JAX: tensorgrad ops become their JAX counterparts.

    The result takes and returns pytrees of JAX arrays (NumPy arrays are
    converted; Python numbers and other leaves are passed through) and works
    under ``jax.jit``, ``jax.grad``, ``jax.vmap`` and with sharded arrays::

        def loss(params, x, y):
            return tg.nn.softmax_cross_entropy(model.apply(params, x), y)

        step = jax.jit(jax.value_and_grad(tg.to_jax(loss)))

    Inside, tensorgrad's transforms run as JAX's (``tg.grad`` is
    ``jax.grad``). ``custom_rules=False`` ignores ``tg.custom_vjp`` /
    ``tg.custom_jvp`` rules (JAX differentiates the functions themselves),
    as :func:`tensorgrad.check.compare_with_jax` does to test your rules.
    """
    if not callable(f):
        raise TypeError(f"to_jax: expected a function, got {type(f).__name__}")
    _share_pytree_nodes(require_jax("tg.to_jax"))
    trace = _TRACES[bool(custom_rules)]

    @functools.wraps(f)
    def converted(*args, **kwargs):
        outer = ACTIVE.trace
        args, kwargs = _wrap((args, kwargs), trace)
        ACTIVE.trace = trace
        try:
            out = f(*args, **kwargs)
        finally:
            ACTIVE.trace = outer
        if outer is not None:  # called inside another conversion: stay on its trace
            return _wrap(_unwrap(out), outer)
        return _unwrap(out)
    return converted


# --------------------------------------------------------------------------
# tensorgrad's transforms inside a conversion: JAX's transforms
# --------------------------------------------------------------------------

def _argnums(argnums, nargs: int, name: str):
    """``argnums`` checked against the number of positional arguments, as tensorgrad's own
    transforms check it (never wrapped around onto another argument), negatives resolved."""
    nums = (argnums,) if isinstance(argnums, (int, np.integer)) else tuple(argnums)
    for a in nums:
        if not -nargs <= int(a) < nargs:
            raise TypeError(f"{name}: argnums={argnums!r} is out of range for a function "
                            f"called with {nargs} positional arguments")
    if isinstance(argnums, (int, np.integer)):
        return int(argnums) % nargs
    return tuple(int(a) % nargs for a in argnums)


def value_and_grad(f, argnums, has_aux, args, holomorphic: bool = False, allow_int: bool = False):
    jax = require_jax("tg.value_and_grad inside tg.to_jax")
    trace = ACTIVE.trace
    vg = jax.value_and_grad(_lowered(f, trace), _argnums(argnums, len(args), "grad"), has_aux=has_aux,
                            holomorphic=holomorphic, allow_int=allow_int)
    return _wrap(vg(*_unwrap(tuple(args))), trace)


def vjp(f, primals, has_aux):
    jax = require_jax("tg.vjp inside tg.to_jax")
    trace = ACTIVE.trace
    res = jax.vjp(_lowered(f, trace), *_unwrap(tuple(primals)), has_aux=has_aux)
    fn = res[1]

    def vjp_fn(ct):
        return _wrap(tuple(fn(_unwrap(ct))), trace)
    out = _wrap(res[0], trace)
    return (out, vjp_fn, _wrap(res[2], trace)) if has_aux else (out, vjp_fn)


def jvp(f, primals, tangents, has_aux):
    jax = require_jax("tg.jvp inside tg.to_jax")
    trace = ACTIVE.trace
    ps = _unwrap(tuple(primals))
    for t, p in zip(jax.tree_util.tree_leaves(_unwrap(tuple(tangents))), jax.tree_util.tree_leaves(ps)):
        td, pd = np.dtype(getattr(t, "dtype", type(t))), np.dtype(getattr(p, "dtype", type(p)))
        if td.kind == "c" and pd.kind != "c":
            raise TypeError(f"jvp: a complex tangent (dtype {td}) for a real "
                            "primal: the tangent of a real value is real (as jax.jvp)")
    # JAX wants tangents of the primals' dtypes (tensorgrad accepts any float)
    ts = jax.tree_util.tree_map(lambda t, p: jax.numpy.asarray(t, dtype=jax.numpy.result_type(p)),
                                _unwrap(tuple(tangents)), ps)
    return _wrap(jax.jvp(_lowered(f, trace), ps, ts, has_aux=has_aux), trace)


def linearize(f, primals, has_aux: bool = False):
    jax = require_jax("tg.linearize inside tg.to_jax")
    trace = ACTIVE.trace
    got = jax.linearize(_lowered(f, trace), *_unwrap(tuple(primals)), has_aux=has_aux)

    def f_jvp(*tangents):
        return _wrap(got[1](*_unwrap(tangents)), trace)
    return (_wrap(got[0], trace), f_jvp) + ((_wrap(got[2], trace),) if has_aux else ())


def jacobian(mode: str, f, argnums, has_aux, args, holomorphic: bool = False, allow_int: bool = False):
    jax = require_jax(f"tg.{mode} inside tg.to_jax")
    trace = ACTIVE.trace
    flags = {"holomorphic": holomorphic} if mode == "jacfwd" else {"holomorphic": holomorphic,
                                                                    "allow_int": allow_int}
    jac = (jax.jacrev if mode == "jacrev" else jax.jacfwd)(
        _lowered(f, trace), _argnums(argnums, len(args), mode), has_aux=has_aux, **flags)
    return _wrap(jac(*_unwrap(tuple(args))), trace)

