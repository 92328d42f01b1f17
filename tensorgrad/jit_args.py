"""tg.jit's arguments, checked as ``jax.jit`` checks them: the static spec against the
function's signature, and leaves that would be static only because they are hashable."""
from __future__ import annotations

import functools
import inspect
from types import BuiltinFunctionType, FunctionType, MethodType, ModuleType

import numpy as np

from .batching import current_frame
from .staging import Program, Staged
from .tensor import Tensor, torch_made
from .tree import _CUSTOM as _CUSTOM_NODES, _dict_keys, tree_map

__all__ = ["check_static_spec", "check_static_leaf", "JIT_OPTIONS", "examples_for"]


def check_static_spec(params: list, positional: list, nums: tuple, names: tuple) -> tuple:
    """JAX's checks of a static spec against the function's signature (when it has one):
    ``nums`` with negative positions resolved against the positional parameters, as JAX does
    (with ``*args`` they stay negative and count from the end of each call's arguments)."""
    if not params:
        return nums
    kinds = {p.kind for p in params}
    if inspect.Parameter.VAR_POSITIONAL not in kinds:
        bad = [n for n in nums if not -len(positional) <= n < len(positional)]
        if bad:
            raise ValueError(f"jit: static_argnums={tuple(nums)} but the function takes only "
                             f"{len(positional)} positional argument(s)")
        nums = tuple(n + len(positional) if n < 0 else n for n in nums)
    if inspect.Parameter.VAR_KEYWORD not in kinds:
        bad = sorted(set(names) - {p.name for p in params})
        if bad:
            raise ValueError(f"jit: static_argnames {bad} are not parameters of the function "
                             f"(it takes {[p.name for p in params]})")
    return nums


def _state(x) -> str | None:
    """The first piece of state of an object hashed by identity that a plan keyed by identity
    would bake in (``'attribute scale'``, ...), or None for a stateless one: a class, a module,
    a plain function (whose closure is baked in as the jitted function's own is), an object
    with no attributes, a bound method of such an object, a partial of such parts."""
    if isinstance(x, (type, ModuleType, FunctionType, BuiltinFunctionType, np.ufunc)):
        return None
    if isinstance(x, MethodType):
        inner = _state(x.__self__)
        return None if inner is None else f"{inner} of the bound method's object"
    if isinstance(x, functools.partial):
        for part in (x.func, *x.args, *x.keywords.values()):
            if isinstance(part, (np.ndarray, np.generic, Tensor)):
                return "an array among the partial's arguments"
            if type(part).__hash__ is object.__hash__ and _state(part) is not None:
                return f"{_state(part)} of a partial's argument"
        return None
    names = list(getattr(x, "__dict__", {}))
    for cls in type(x).__mro__:
        names += [n for n in getattr(cls, "__slots__", ()) if isinstance(n, str) and hasattr(x, n)
                  and n not in ("__dict__", "__weakref__")]
    return f"attribute {names[0]!r}" if names else None


def check_static_leaf(x):
    """``x``, an argument leaf that is static only because it is hashable, checked: an object
    hashed by identity that has state (a model, a config, ``self`` of a jitted method, a bound
    method or a partial of one) would key the plan by identity and bake that state in, so a
    later change to it (``m.w = new``, ``cfg.scale = 5.0``) would silently replay the old
    values. JAX refuses such an argument too."""
    if type(x).__hash__ is object.__hash__ or isinstance(x, MethodType):
        held = _state(x)
        if held is not None:
            raise TypeError(
                f"jit: an argument of type {type(x).__name__} has state ({held}) but is hashed "
                "by identity, so it would be a static part of the signature with that state baked "
                "into the plan: later changes to it would not be seen. Pass its arrays and numbers "
                "as arguments (or register the class as a pytree node: "
                "tg.tree_util.register_pytree_node_class / register_dataclass), or mark it static "
                "with static_argnums/static_argnames if baking it in is intended (for a jitted "
                "method: tg.jit(Class.method, static_argnums=0))")
    return x


#: jax.jit's options that change nothing here (one CPU device, plans never inlined)
JIT_OPTIONS = frozenset({"keep_unused", "inline", "device", "backend", "in_shardings",
                         "out_shardings", "compiler_options", "abstracted_axes"})


def _is_spec(v) -> bool:
    """A ``ShapeDtypeStruct`` (tensorgrad's or JAX's): a shape and dtype standing for an array."""
    return type(v).__name__ == "ShapeDtypeStruct" and hasattr(v, "shape") and hasattr(v, "dtype")


def examples_for(tree):
    """``tree`` with each ``ShapeDtypeStruct`` leaf replaced by an array of its shape and dtype
    (``jit(f).lower(spec)``, as JAX's): tracing reads values (for its trace-time decisions), so
    floating leaves get seeded normal entries (distinct, non-singular matrices), integer and
    boolean ones zeros."""
    rng = np.random.default_rng(0)

    def example(v):
        dt = np.dtype(v.dtype)
        shape = tuple(v.shape)
        if dt.kind in "fc":
            return rng.standard_normal(shape).astype(dt)
        return np.zeros(shape, dt)

    return tree_map(lambda v: example(v) if _is_spec(v) else v, tree)


class _Feeder:
    """Hands out staged inputs, one per traced leaf, in flattening order."""

    def __init__(self, program: Program):
        self.program = program

    def __call__(self, leaf):
        if not isinstance(leaf, (np.ndarray, np.generic)):
            leaf = np.asarray(leaf)
        return self.program.input(leaf)


# --------------------------------------------------------------------------
# flattening the arguments (the same pytree rules as tensorgrad.tree)
# --------------------------------------------------------------------------

_STATIC_SCALARS = (bool, int, float, complex, str, bytes, type(None))


class UnhashableStatic(ValueError, TypeError):
    """A static argument that cannot be hashed: JAX's ValueError (a TypeError too)."""


def _hashable(v, what: str):
    try:
        hash(v)
    except TypeError:
        raise UnhashableStatic(f"jit: {what} of type {type(v).__name__} is not hashable, so it "
                               "cannot be part of the signature; pass a tuple instead of a list, "
                               "or close over the value") from None
    if type(v) is float and (v != v or v == 0):  # NaN equals itself here; −0.0 is not 0.0
        return (float, repr(v))
    if type(v) is complex and (v != v or v.real == 0 or v.imag == 0):  # (the same, per part:
        return (complex, repr(v))  # -0.0+0j is not 0j, whose angle differs)
    if type(v) is tuple:  # (2,) and (2.0,) are equal tuples but trace different plans
        return (tuple, tuple(_hashable(e, what) for e in v))
    return (type(v), v)


def _flatten(x, leaves: list, flags: list):
    t = type(x)
    if t is np.ndarray:
        leaves.append(x)
        return (x.shape, x.dtype, x.strides)
    if x is None:
        return None
    if t is tuple or t is list:
        return (t, *[_flatten(c, leaves, flags) for c in x])
    if isinstance(x, dict) and t not in _CUSTOM_NODES:  # (an OrderedDict's order: its own)
        keys = _dict_keys(x)
        return (t, tuple(keys), tuple(_flatten(x[k], leaves, flags) for k in keys))
    if isinstance(x, tuple) and hasattr(x, "_fields") and t not in _CUSTOM_NODES:
        return (t, *[_flatten(c, leaves, flags) for c in x])
    if isinstance(x, np.generic):
        leaves.append(x)
        return (t, x.dtype)
    if t is Tensor and x._trace is None and type(x._value) is np.ndarray and current_frame() is None:
        v = x._value  # a constant tensor (jnp.array(...), tg.tensor(a)): traced as its array
        # (a vmap slice runs as written: a custom_vmap rule inside needs the whole batch)
        leaves.append(v)  # (PyTorch's or NumPy's methods: see tensorgrad.flavor)
        return (Tensor, v.shape, v.dtype, v.strides, getattr(x, "_torch", False))
    if t is Tensor or t is Staged or getattr(t, "torch_api", False):
        # values of a live trace (or of an enclosing jit), or an array PyTorch's API handed out
        # (t.grad, t.data: their functions follow PyTorch, tensorgrad.flavor): run f as it is
        flags[0] = True
        return None
    custom = _CUSTOM_NODES.get(t)
    if custom is not None:  # a registered pytree node: its aux data is part of the signature
        children, aux = custom[0](x)
        return (t, _hashable(aux, "a registered node's aux data"),
                *[_flatten(c, leaves, flags) for c in children])
    if isinstance(x, _STATIC_SCALARS):
        return ("static",) + _hashable(x, "argument")
    if isinstance(x, np.ma.MaskedArray):  # (np.asarray would drop the mask: JAX refuses too)
        raise TypeError(f"jit: a masked array (numpy.ma, shape {x.shape}) cannot be an argument: "
                        "the plan would drop its mask; pass x.filled(value), or the data and the "
                        "mask as two arrays")
    if t is not type and (hasattr(x, "__array__") or hasattr(x, "__array_interface__")):
        a = np.asarray(x)  # (an array-like object; not a class such as np.float32)
        leaves.append(a)
        return ("array-like", a.shape, a.dtype, a.strides)
    return ("static",) + _hashable(x, "an argument leaf")


def _rebuild(x, feed: _Feeder):
    """``x`` with every traced leaf replaced by a staged input (same order as _flatten)."""
    t = type(x)
    if t is np.ndarray or isinstance(x, np.generic):
        return feed(x)
    if t is Tensor:  # (a constant tensor: the function sees a tensor, as when it runs eagerly)
        return (torch_made if getattr(x, "_torch", False) else Tensor)(feed(x._value))
    if x is None:
        return None
    if t is tuple or t is list:
        return t(_rebuild(c, feed) for c in x)
    if isinstance(x, dict) and t not in _CUSTOM_NODES:
        built = {k: _rebuild(x[k], feed) for k in _dict_keys(x)}  # flattening order
        return _dict_like(t, built)
    if isinstance(x, tuple) and hasattr(x, "_fields") and t not in _CUSTOM_NODES:
        return t(*(_rebuild(c, feed) for c in x))
    if isinstance(x, _STATIC_SCALARS):
        return x
    custom = _CUSTOM_NODES.get(t)
    if custom is not None:
        children, aux = custom[0](x)
        return custom[1](aux, [_rebuild(c, feed) for c in children])
    if t is not type and (hasattr(x, "__array__") or hasattr(x, "__array_interface__")):
        return feed(np.asarray(x))
    return check_static_leaf(x)  # (traced once per signature: never on a replay)


def _dict_like(t, built: dict):
    """A dict (or subclass) rebuilt in flattening order: sorted keys, an OrderedDict's own
    order, as JAX's jit (and tg.grad) hand a dict to the function, so what it computes does
    not depend on the order the caller inserted the keys in (the plan is shared by all)."""
    try:
        return t((k, built[k]) for k in built)
    except TypeError:
        return dict(built)
