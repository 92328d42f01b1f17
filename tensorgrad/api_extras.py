"""JAX's smaller top-level helpers: ``linear_transpose``, ``eval_shape`` (with
``ShapeDtypeStruct``), ``custom_gradient``, ``pure_callback``, ``closure_convert``,
``block_until_ready``, ``device_put`` and ``device_get`` (``remat``, ``jax.checkpoint``,
is in :mod:`tensorgrad.ad_checkpoint`).

tensorgrad computes eagerly on NumPy, on the CPU: there is nothing to wait for
and no device to move to, so the last three only convert values.
"""
from __future__ import annotations

import copy
import functools
import threading
import types
import warnings
from typing import Any, Callable

import numpy as np

from . import jax_backend as _jaxb
from . import staging
from .callback_checks import differentiated, find_differentiated
from .custom import custom_vjp
from .tensor import Tensor, concrete, shape_of, traced_level
from .transforms import vjp
from .tree import tree_flatten, tree_map, tree_unflatten

__all__ = ["ShapeDtypeStruct", "eval_shape", "linear_transpose", "custom_gradient",
           "pure_callback", "closure_convert", "block_until_ready", "device_put", "device_get"]


class ShapeDtypeStruct:
    """An array's shape and dtype without its values (JAX's ``ShapeDtypeStruct``)."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        try:
            shp = tuple(int(d) for d in shape)
        except TypeError:
            raise TypeError(f"ShapeDtypeStruct: shape must be a tuple of ints, got {shape!r}") from None
        if any(d < 0 for d in shp):
            raise ValueError(f"ShapeDtypeStruct: negative dimension in shape {shp}")
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"ShapeDtypeStruct: {dtype!r} is not a dtype") from None
        object.__setattr__(self, "shape", shp)
        object.__setattr__(self, "dtype", dt)

    def __setattr__(self, name, value):
        raise AttributeError("ShapeDtypeStruct is immutable")

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __eq__(self, other):
        return (type(other) is ShapeDtypeStruct and other.shape == self.shape
                and other.dtype == self.dtype)

    def __hash__(self):
        return hash((self.shape, self.dtype))

    def __repr__(self):
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"


_NUMBERS = (bool, int, float, complex, np.generic, np.ndarray)


def _shape_dtype(x, where: str, what: str) -> tuple:
    """(shape, dtype) of an array-like leaf, a ShapeDtypeStruct, or anything with both
    attributes (a ``jax.ShapeDtypeStruct``); TypeError for other leaves."""
    if isinstance(x, ShapeDtypeStruct):
        return x.shape, x.dtype
    v = concrete(x)
    if isinstance(v, _NUMBERS) or staging.is_staged(v):
        dt = getattr(v, "dtype", None)
        return tuple(shape_of(v)), np.dtype(np.result_type(v) if dt is None else dt)
    shp, dt = getattr(x, "shape", None), getattr(x, "dtype", None)
    if shp is not None and dt is not None:
        try:
            return tuple(int(d) for d in shp), np.dtype(dt)
        except TypeError:
            pass
    raise TypeError(f"{where}: {what} has a leaf of type {type(x).__name__} ({x!r}); expected "
                    "an array, a number or a ShapeDtypeStruct")


def _stand_in(x, where: str):
    """A value of ``x``'s shape and dtype for :func:`eval_shape` to run ``fun`` on: zeros for
    integers and booleans (valid indices), and for floating values 0.5 I + 0.25 (invertible
    and positive definite) in square trailing blocks, 0.5 elsewhere."""
    shp, dt = _shape_dtype(x, where, "an argument")
    if dt.kind not in "fc":
        return np.zeros(shp, dt)
    if len(shp) >= 2 and shp[-1] == shp[-2]:
        block = 0.5 * np.eye(shp[-1]) + 0.25
        return np.array(np.broadcast_to(block, shp), dt)
    return np.full(shp, 0.5, dt)


class _Abstract(threading.local):
    depth = 0  # abstract_trace blocks this thread is in


_ABSTRACT = _Abstract()


class abstract_trace:
    """Within it a function is traced for its shapes and dtypes alone (``eval_shape``,
    ``make_jaxpr``): ``pure_callback`` and ``io_callback`` are not called (a traced call is
    recorded, its step gives zeros of the declared shapes), as JAX never calls them there."""

    def __enter__(self):
        _ABSTRACT.depth += 1

    def __exit__(self, *exc):
        _ABSTRACT.depth -= 1


_PY_NUMBERS = (bool, int, float, complex)


def has_python_number(tree) -> bool:
    """Whether a leaf of ``tree`` is a Python number (weakly typed, as the eager call keeps it)."""
    return any(type(v) in _PY_NUMBERS for v in tree_flatten(tree)[0])


def eval_shape(fun: Callable, *args, **kwargs) -> Any:
    """The shapes and dtypes of ``fun(*args, **kwargs)``, a pytree of ShapeDtypeStruct.

    Arguments may be arrays, numbers or ShapeDtypeStructs. ``fun`` is traced as ``tg.jit``
    traces (on stand-in values of those shapes, NumPy's floating-point warnings silenced,
    ``pure_callback`` and ``io_callback`` not called), so, as in JAX, every argument is
    abstract: an output shape that would depend on an argument's value (``zeros(n)``,
    ``x[:n]``, ``x[x > 0]``) raises ConcretizationError instead of coming out as the
    stand-in's. Pass such values through a closure. A Python number keeps its weak type, as
    in the call itself (``float32`` array times ``2.0`` is ``float32``): where one is among the
    arguments, the function is traced a second time with the numbers as they are.
    """
    if not callable(fun):
        raise TypeError(f"eval_shape: fun must be callable, got {fun!r}")
    with warnings.catch_warnings(), np.errstate(all="ignore"), abstract_trace():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = _abstract_run(fun, args, kwargs, keep_numbers=False)
        if has_python_number((args, kwargs)):  # (the first trace decided they are abstract)
            out = _abstract_run(fun, args, kwargs, keep_numbers=True)
    return tree_map(lambda v: ShapeDtypeStruct(*_shape_dtype(v, "eval_shape", "the output")), out)


def _abstract_run(fun: Callable, args: tuple, kwargs: dict, keep_numbers: bool) -> Any:
    """``fun`` traced on stand-ins of its arguments (Python numbers as they are with
    ``keep_numbers``: the dtypes the call gives, as tg.jit keeps them static)."""
    def stand_in(x):
        return x if keep_numbers and type(x) in _PY_NUMBERS else _stand_in(x, "eval_shape")

    def staged(v):
        return v if type(v) in _PY_NUMBERS else program.input(v)
    zargs, zkw = tree_map(stand_in, args), tree_map(stand_in, kwargs)
    program = staging.Program(getattr(fun, "__name__", "fun"))
    try:
        with program:
            return fun(*tree_map(staged, zargs), **tree_map(staged, zkw))
    except staging.ClosedOver:  # it reads a value an enclosing transform traces: run it
        return fun(*zargs, **zkw)
    except staging.ConcretizationError as exc:
        raise staging.ConcretizationError(
            f"eval_shape: {exc} (eval_shape treats every argument as abstract, as JAX's "
            "does: pass a value that decides a shape through a closure)") from None


def linear_transpose(fun: Callable, *primals, reduce_axes=()) -> Callable:
    """The transpose of the linear function ``fun``: ``fun_t(ct)`` returns the tuple of input
    cotangents ``ct · ∂fun``, as ``jax.linear_transpose``. Only the shapes and dtypes of
    ``primals`` (arrays or ShapeDtypeStructs, real or complex floating) are used; complex
    values pair as JAX's do, ``<a, b> = Re Σ a·b``.

    ``fun`` is differentiated at zero; ``fun(0)`` must be 0 and a check at one random point
    (``<ct, fun(x)> == <fun_t(ct), x>``) must hold, else ValueError: a nonlinear ``fun`` is
    refused instead of giving the transpose of its derivative at zero.
    """
    if not callable(fun):
        raise TypeError(f"linear_transpose: fun must be callable, got {fun!r}")
    if tuple(reduce_axes):
        raise ValueError("linear_transpose: reduce_axes is not supported (JAX deprecated it)")
    leaves, in_td = tree_flatten(primals)
    specs = [_shape_dtype(x, "linear_transpose", "primals") for x in leaves]
    for shp, dt in specs:
        if dt.kind not in "fc":
            raise TypeError(f"linear_transpose: inputs must have a floating or complex dtype, "
                            f"got {dt} (shape {shp})")
    zeros = tree_unflatten(in_td, [np.zeros(s, d) for s, d in specs])
    out, pull = vjp(fun, *zeros)
    out_leaves, out_td = tree_flatten(out)
    out_specs = [_shape_dtype(v, "linear_transpose", "the output") for v in out_leaves]
    if any(np.any(np.asarray(concrete(v)) != 0) for v in out_leaves):
        raise ValueError("linear_transpose: fun(0) is not 0, so fun is not linear")
    _check_linear(fun, pull, zeros, out_specs, out_td)

    def transposed(out_cotangent):
        ct_leaves, ct_td = tree_flatten(out_cotangent)
        got = [tuple(shape_of(concrete(c))) for c in ct_leaves]
        if ct_td != out_td or got != [s for s, _ in out_specs]:
            raise TypeError(f"linear_transpose: the cotangent (structure {ct_td}, shapes {got}) "
                            f"does not match fun's output (structure {out_td}, shapes "
                            f"{[s for s, _ in out_specs]})")
        return pull(out_cotangent)
    return transposed


def _check_linear(fun, pull, zeros, out_specs, out_td) -> None:
    """ValueError unless ``<c, fun(x)> == <pull(c), x>`` at one random ``x`` and ``c``."""
    rng = np.random.default_rng(0)

    def draw(shape, dt):  # (complex: an imaginary part too, so a nonlinear one shows)
        v = rng.standard_normal(shape)
        return (v + 1j * rng.standard_normal(shape)).astype(dt) if dt.kind == "c" else v.astype(dt)

    def pair(a, b):  # Re Σ a·b and Σ |a·b|, in double precision
        ab = np.asarray(a, np.complex128) * np.asarray(concrete(b), np.complex128)
        return float(np.sum(ab.real)), float(np.sum(np.abs(ab)))

    x_leaves, x_td = tree_flatten(zeros)
    x = [draw(np.shape(z), np.dtype(z.dtype)) for z in x_leaves]
    c = [draw(s, d if d.kind in "fc" else np.dtype(np.float64)) for s, d in out_specs]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        # (fun runs on traced values, as in the transpose: the Tensor methods, x.at[...], work)
        y = tree_flatten(vjp(fun, *tree_unflatten(x_td, x))[0])[0]
        g = tree_flatten(pull(tree_unflatten(out_td, c)))[0]
    left = [pair(ci, yi) for ci, yi in zip(c, y)]
    right = [pair(xi, gi) for gi, xi in zip(g, x)]
    lhs, rhs = sum(v for v, _ in left), sum(v for v, _ in right)
    scale = sum(a for _, a in left) + sum(a for _, a in right)
    tol = 1e-4 if any(np.dtype(z.dtype).itemsize < 8 for z in x_leaves) else 1e-8
    if not abs(lhs - rhs) <= tol * max(scale, 1.0):
        raise ValueError(f"linear_transpose: fun is not linear in its inputs (<ct, fun(x)> = {lhs:.6g} "
                         f"but <fun_t(ct), x> = {rhs:.6g} at a random point)")


def custom_gradient(fun: Callable) -> Callable:
    """``fun(*args)`` returns ``(value, vjp_fn)``; the result computes ``value`` and its VJP is
    ``vjp_fn(ct)`` (one cotangent per argument, as a tuple; bare for a single argument), as
    ``jax.custom_gradient``. Built on :class:`tensorgrad.custom_vjp`."""
    if not callable(fun):
        raise TypeError(f"custom_gradient: expected a function, got {fun!r}")
    name = getattr(fun, "__name__", "fun")

    def run(args):
        res = fun(*args)
        if not (isinstance(res, tuple) and len(res) == 2 and callable(res[1])):
            raise TypeError(f"custom_gradient {name}: the function must return (value, vjp_fn), "
                            f"got {type(res).__name__}")
        return res

    @functools.wraps(fun)
    def primal(*args):
        return run(args)[0]

    def fwd(*args):
        value, vjp_fn = run(args)
        return value, (vjp_fn, len(args))

    def bwd(res, g):
        vjp_fn, n = res
        cts = vjp_fn(g)
        if n == 1 and not (isinstance(cts, (tuple, list)) and len(cts) == 1):
            cts = (cts,)
        if not isinstance(cts, (tuple, list)) or len(cts) != n:
            raise TypeError(f"custom_gradient {name}: vjp_fn must return a tuple of {n} "
                            f"cotangents (one per argument), got {type(cts).__name__}"
                            + (f" of length {len(cts)}" if isinstance(cts, (tuple, list)) else ""))
        return tuple(cts)

    wrapped = custom_vjp(primal)
    wrapped.defvjp(fwd, bwd)
    wrapped.check_outputs = False  # (fwd's output is primal's own)
    return wrapped


_VMAP_METHODS = (None, "sequential", "sequential_unrolled", "expand_dims", "broadcast_all",
                 "legacy_vectorized")


def pure_callback(callback: Callable, result_shape_dtypes: Any, *args, sharding=None,
                  vmap_method: str | None = None, **kwargs) -> Any:
    """``callback(*args, **kwargs)`` on NumPy arrays, its result checked against
    ``result_shape_dtypes`` (a pytree of ShapeDtypeStruct or arrays), as ``jax.pure_callback``:
    leaf by leaf, as JAX compares them (a list where a tuple is declared is fine).

    Under ``tg.jit`` the call is a step of the plan, run again at each call. Under ``tg.vmap``
    it runs once per slice whatever ``vmap_method`` says (tensorgrad's vmap is a loop).
    ``eval_shape`` and ``make_jaxpr`` do not call it; inside ``tg.to_jax`` it is
    ``jax.pure_callback``. It has no derivative: a value traced by ``grad``, ``jvp``,
    ``jacrev``... (or a tensor the imperative tape records) raises TypeError, as an argument,
    reached by the callback through its closure, default arguments, bound object or the
    globals it names, or returned by it (pass ``tg.stop_gradient(x)`` as an argument if a
    constant is meant; wrap the call in ``tg.custom_jvp`` or ``tg.custom_vjp`` to give it a
    derivative).
    """
    if vmap_method not in _VMAP_METHODS:
        raise ValueError(f"pure_callback: vmap_method must be one of {_VMAP_METHODS}, got "
                         f"{vmap_method!r}")
    return host_callback("pure_callback", callback, result_shape_dtypes, args, kwargs,
                         vmap_method=vmap_method)


def host_callback(where: str, callback: Callable, result_shape_dtypes: Any, args: tuple,
                  kwargs: dict, effect: bool = False, vmap_method: str | None = None) -> Any:
    """``pure_callback`` and ``io_callback`` (``where``): with ``effect``, a jit plan runs
    the call at every replay even when nothing reads its result. Inside ``tg.to_jax`` the
    call is JAX's ``pure_callback`` / ``io_callback``."""
    if not callable(callback):
        raise TypeError(f"{where}: callback must be callable, got {callback!r}")
    res_leaves, res_td = tree_flatten(result_shape_dtypes)
    expected = [_shape_dtype(r, where, "result_shape_dtypes") for r in res_leaves]
    leaves, td = tree_flatten((args, kwargs))
    for v in leaves:
        if differentiated(v):
            raise TypeError(
                f"{where}: an argument of shape {v.shape} and dtype {v.dtype} is traced by a "
                "transform that differentiates (grad, vjp, jvp, jacrev, ...); a Python callback "
                "has no derivative, so the gradient through it would be silently lost. Give it "
                "one with tg.custom_jvp or tg.custom_vjp, or pass tg.stop_gradient(x) if a "
                "constant is meant (JAX raises here too)")
    name = getattr(callback, "__name__", type(callback).__name__)
    reached = find_differentiated(callback)
    if reached is not None:
        raise _uses_differentiated(where, name, reached, "reached through its closure, default "
                                   "arguments, bound object or globals")

    def call(*values):
        a, k = tree_unflatten(td, [np.asarray(x) for x in values])
        try:
            out = callback(*a, **k)
        except TypeError as exc:  # a traced value turned into a NumPy value inside it
            if "gradient through it would be silently lost" in str(exc) and where not in str(exc):
                raise TypeError(f"{where}: {name} converted a value that a transform "
                                f"differentiates: {exc}") from exc
            raise
        out_leaves, out_td = tree_flatten(out)
        if len(out_leaves) != len(expected):  # (compared by leaves, as JAX: a list for a tuple)
            raise TypeError(f"{where}: {name} returned {len(out_leaves)} arrays (structure "
                            f"{out_td}), but result_shape_dtypes has {len(expected)} ({res_td})")
        arrays = []
        for i, (o, (shp, dt)) in enumerate(zip(out_leaves, expected)):
            if differentiated(o):
                raise _uses_differentiated(where, name, o, "it returned it")
            arr = np.asarray(concrete(o))
            if arr.shape != shp or arr.dtype != dt:
                raise TypeError(f"{where}: {name} returned shape {arr.shape} and dtype "
                                f"{arr.dtype} for result {i}, but result_shape_dtypes says "
                                f"shape {shp} and dtype {dt}")
            arrays.append(arr)
        return arrays
    if _jaxb.ACTIVE.trace is not None or any(_jaxb.is_jax_tensor(v) for v in leaves):
        return tree_unflatten(res_td, _jaxb.host_callback(where, call, expected, leaves, effect,
                                                          vmap_method))
    values = [concrete(v) for v in leaves]
    placeholder = [np.zeros(shp, dt) for shp, dt in expected]
    staged = any(staging.is_staged(v) for v in values)
    if staging.silent_effects.active() or (_ABSTRACT.depth and not staged):
        return tree_unflatten(res_td, placeholder)  # run for its type alone: JAX never calls it

    def run(*values):  # (a step of a program traced for its shapes alone returns placeholders)
        return placeholder if _ABSTRACT.depth else call(*values)
    run.__name__ = run.__qualname__ = where  # (as make_jaxpr names the step)
    if staged:
        if effect:
            return tree_unflatten(res_td, list(staging.call_kept(_once_per_call(run), *values)))
        return tree_unflatten(res_td, list(staging.call(_as_list(run), *values)))
    return tree_unflatten(res_td, call(*values))


def _uses_differentiated(where: str, name: str, value, how: str) -> TypeError:
    return TypeError(
        f"{where}: the callback {name} uses a value of shape {value.shape} and dtype "
        f"{value.dtype} that a transform differentiates ({how}; by grad, vjp, jvp, jacrev, "
        "..., or the imperative tape: it requires grad). A Python callback has no derivative, "
        "so the gradient through that value would be silently lost (JAX raises here too). "
        f"Pass it to {where} as an argument under tg.stop_gradient (or x.detach()) if a "
        "constant is meant, or give the computation a derivative with tg.custom_vjp / tg.custom_jvp")


def _once_per_call(call: Callable) -> Callable:
    """``call`` as a jit plan step that runs once per call of the jitted function: the trace
    runs it (its result is needed), and the replay that follows on the same values (tg.jit's
    first call) hands back that result instead of running it a second time."""
    state = {"traced": False, "pending": None}

    @functools.wraps(call)
    def step(*values):
        if not state["traced"]:  # the trace: run it, and keep what the first replay needs
            state["traced"] = True
            result = tuple(call(*values))
            state["pending"] = ([np.array(v, copy=True) for v in values], result)
            return result
        pending, state["pending"] = state["pending"], None
        if pending is not None and all(
                np.result_type(a) == np.result_type(b) and np.array_equal(a, b, equal_nan=True)
                for a, b in zip(pending[0], values)):
            return pending[1]
        return tuple(call(*values))
    return step


def _as_list(call: Callable) -> Callable:
    """``call`` returning a tuple (a jit plan step splits a tuple result into its entries)."""
    @functools.wraps(call)
    def as_tuple(*values):
        return tuple(call(*values))
    return as_tuple


def closure_convert(fun: Callable, *example_args) -> tuple[Callable, list]:
    """``(converted, consts)``: the traced values ``fun`` closes over hoisted out, and
    ``converted(*args, *consts)`` that runs ``fun`` with those values replaced, as
    ``jax.closure_convert`` (for use with ``custom_vjp``). Tensors recorded on the imperative
    tape (``tg.tensor(..., requires_grad=True)`` and results computed from them) count as
    traced, so ``loss.backward()`` reaches them through the converted function too.

    ``fun`` may be a function, a ``functools.partial``, a bound method or a callable object.
    The values are found in a function's closure cells and default arguments
    (``__defaults__``, ``__kwdefaults__``; any pytree of them), in the bound arguments of a
    partial, in the attributes of a bound method's object (``self.w``) or of a callable
    object, and, the same way, in the functions, partials and bound methods those hold (a
    helper closing over a parameter). A faithful simplification: globals are not searched,
    nor the attributes of objects an object's attributes hold (``self.layer.w``), and
    ``example_args`` are not used. Outside any transform there is nothing to hoist: ``fun``
    comes back as it is, with no constants.
    """
    if isinstance(fun, (types.FunctionType, functools.partial, types.MethodType)):
        consts, rebuild = _hoist(fun, {}, set())
    elif isinstance(getattr(type(fun), "__call__", None), types.FunctionType):
        consts, rebuild = _hoist_object(fun, {}, set())  # (a callable object: a copy is called)
    else:  # (a builtin or a ufunc: nothing of Python's to look into)
        raise TypeError(f"closure_convert: expected a Python function, a bound method or a "
                        f"callable object, got {type(fun).__name__}")
    if not consts:
        return fun, []

    def converted(*args_and_consts):
        n = len(args_and_consts) - len(consts)
        if n < 0:
            raise TypeError(f"closure_convert: the converted function takes the arguments and "
                            f"then {len(consts)} constants, got {len(args_and_consts)} values")
        return rebuild(iter(args_and_consts[n:]))(*args_and_consts[:n])
    return converted, consts


def _hoist(value, memo: dict, active: set) -> tuple[list, Callable | None]:
    """``(consts, rebuild)``: the traced values reachable from ``value`` (a pytree, a
    function's closure cells and defaults, a partial's function and bound arguments, a bound
    method's function and object), and ``rebuild(values)`` that makes ``value`` again with
    the next of ``values`` in their places (None when there are none).

    A function reached twice (two closures sharing a helper) is walked once: each place
    holding it is rebuilt, and takes its own copy of the values. A function that reaches
    itself (a recursive closure) while holding traced values is refused: its rebuilt copy
    would still call the original, whose values no rule would see."""
    if isinstance(value, (types.FunctionType, functools.partial, types.MethodType)):
        key = id(value)
        if key in memo:
            return memo[key]
        if key in active:
            active.add(("cycle", key))
            return [], None
        active.add(key)
        try:
            found = _hoist_callable(value, memo, active)
        finally:
            active.discard(key)
        if found[0] and ("cycle", key) in active:
            raise TypeError(f"closure_convert: {getattr(value, '__name__', value)!r} refers to "
                            "itself and closes over traced values; pass those values as arguments")
        memo[key] = found
        return found
    if type(value) is Tensor:
        # (traced by a transform, or recorded on the imperative tape: level 0)
        return ([value], next) if traced_level(value) >= 0 else ([], None)
    leaves, td = tree_flatten(value)
    if len(leaves) == 1 and leaves[0] is value:  # a leaf that is not a Tensor or a function
        return [], None
    return _hoist_parts(leaves, memo, active, lambda parts: tree_unflatten(td, parts))


def _hoist_parts(parts: list, memo: dict, active: set, make: Callable) -> tuple:
    """``_hoist`` of each of ``parts``; ``make(new_parts)`` builds the value that holds them."""
    hoisted = [([], None) if v is _EMPTY else _hoist(v, memo, active) for v in parts]
    consts = [c for cs, _ in hoisted for c in cs]
    if not consts:
        return [], None
    return consts, lambda it: make([v if r is None else r(it) for v, (_, r) in zip(parts, hoisted)])


def _hoist_callable(value, memo: dict, active: set) -> tuple[list, Callable | None]:
    if isinstance(value, functools.partial):
        return _hoist_parts([value.func, value.args, value.keywords], memo, active,
                            lambda p: functools.partial(p[0], *p[1], **p[2]))
    if isinstance(value, types.MethodType):
        func = _hoist(value.__func__, memo, active)
        obj = _hoist_object(value.__self__, memo, active)
        if not (func[0] or obj[0]):
            return [], None

        def rebuild_method(it):
            f = value.__func__ if func[1] is None else func[1](it)
            return types.MethodType(f, value.__self__ if obj[1] is None else obj[1](it))
        return func[0] + obj[0], rebuild_method
    cells = value.__closure__ or ()
    parts = [_cell_value(c) for c in cells] + [value.__defaults__, value.__kwdefaults__]

    def rebuild_function(p):
        new = tuple(c if v is _EMPTY or v is old else types.CellType(v)
                    for c, v, old in zip(cells, p, parts))
        g = types.FunctionType(value.__code__, value.__globals__, value.__name__, p[-2], new)
        g.__kwdefaults__ = p[-1]
        g.__qualname__, g.__dict__ = value.__qualname__, dict(value.__dict__)
        return g
    return _hoist_parts(parts, memo, active, rebuild_function)


def _hoist_object(obj, memo: dict, active: set) -> tuple[list, Callable | None]:
    """``_hoist`` of an object's attributes (a bound method's ``self``, a callable object);
    the rebuilt value is a shallow copy with the new attributes (the object is left as is)."""
    attrs = getattr(obj, "__dict__", None)
    if not isinstance(attrs, dict) or isinstance(obj, (type, types.ModuleType)):
        return [], None
    key = ("object", id(obj))
    if key in memo:
        return memo[key]
    if key in active:  # (an attribute leads back to it: walked once)
        return [], None
    active.add(key)
    try:
        keys = list(attrs)
        found = _hoist_parts([attrs[k] for k in keys], memo, active,
                             lambda parts: _copy_with(obj, dict(zip(keys, parts))))
    finally:
        active.discard(key)
    memo[key] = found
    return found


def _copy_with(obj, attrs: dict):
    """A shallow copy of ``obj`` with ``attrs`` as its attributes (set past its __setattr__)."""
    new = copy.copy(obj)
    if new is obj or getattr(new, "__dict__", None) is obj.__dict__:
        new = object.__new__(type(obj))
    new.__dict__.update(attrs)
    return new


_EMPTY = object()


def _cell_value(cell):
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell (a name assigned later)
        return _EMPTY


def block_until_ready(x: Any) -> Any:
    """``x`` itself: tensorgrad computes eagerly, so there is nothing to wait for."""
    return x


def _is_cpu(device) -> bool:
    if device is None:
        return True
    if isinstance(device, str):
        return device.lower() == "cpu"
    return str(getattr(device, "platform", "")).lower() == "cpu"


def device_put(x: Any, device=None, *, src=None, donate: bool = False, may_alias=None) -> Any:
    """``x`` with its leaves as NumPy arrays of their own (a copy, as JAX's ``device_put``
    copies the data onto the device: refilling the caller's buffer afterwards changes
    nothing; traced Tensors stay as they are); tensorgrad runs on the CPU only, so
    ``device`` must be None, ``"cpu"`` or a CPU device."""
    if not _is_cpu(device):
        raise ValueError(f"device_put: tensorgrad computes with NumPy on the CPU; device {device!r} "
                         "is not available")

    def put(v):
        if isinstance(v, (bool, int, float, complex)):
            return np.asarray(v)
        out = _to_numpy(v)
        return out.copy() if isinstance(out, np.ndarray) and out is v else out
    return tree_map(put, x)


def device_get(x: Any) -> Any:
    """``x`` with its arrays as NumPy arrays (Python numbers and traced values unchanged)."""
    return tree_map(_to_numpy, x)


def _to_numpy(v):
    if type(v) is Tensor:
        return v if traced_level(v) >= 0 or staging.is_staged(concrete(v)) else np.asarray(concrete(v))
    if isinstance(v, (np.ndarray, np.generic, bool, int, float, complex)) or staging.is_staged(v):
        return v
    if hasattr(v, "__array__"):
        return np.asarray(v)
    return v
