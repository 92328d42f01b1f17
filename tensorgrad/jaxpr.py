"""JAX's words for looking at a traced program: ``make_jaxpr``, ``ShapedArray`` /
``typeof`` and the ``Array`` type.

``tg.make_jaxpr(f)(*args)`` traces ``f`` as ``tg.jit`` does and shows what was recorded
as a jaxpr: one equation per NumPy call, in the order they ran, each with its inputs,
outputs (with their shapes and dtypes) and keyword parameters. Transforms inside ``f``
are traced through, so ``make_jaxpr(tg.grad(f))`` lists the forward calls followed by
the VJP rules' calls — the backward pass, written out::

    print(tg.make_jaxpr(tg.grad(lambda x: tg.numpy.sum(tg.numpy.sin(x))))(np.ones(3)))
    { lambda a:f64[3]; b:f64[3]. let
        c:f64[3] = cos b
        d:f64[3] = mul a c
      in (d,) }

(``a`` is the constant cotangent of the sum, ones; ``sin`` itself is left out: no output
needs it.) Calls are named as JAX's primitives where one corresponds (``multiply`` is ``mul``,
``matmul`` is ``dot_general``, ``x ** 2`` is ``integer_pow``), otherwise by their NumPy
name. The equations are tensorgrad's own program, which only resembles the one JAX
would trace: compare names and counts, not the text. As in ``tg.jit``, the calls that
no output needs are left out, and Python numbers among the arguments are traced as
0-d arrays (as JAX traces them); the outputs' dtypes are those of the call, where a Python
number is weakly typed (``float32`` times ``2.0`` is ``float32``).
"""
from __future__ import annotations

import abc
import functools
import inspect
from typing import Callable

import numpy as np

from .api_extras import ShapeDtypeStruct, abstract_trace, has_python_number
from .jit import Jitted
from .jit_args import examples_for
from .staging import Ref, Staged, is_staged
from .tensor import Tensor, concrete, shape_of
from .tree import tree_flatten, tree_map

__all__ = ["make_jaxpr", "ClosedJaxpr", "Jaxpr", "JaxprEqn", "ShapedArray", "typeof", "Array"]


class Array(abc.ABC):
    """The type of tensorgrad's array values, for ``isinstance`` and annotations (JAX's
    ``jax.Array``): NumPy arrays and scalars (what eager calls return), tensors of the
    imperative tape and the values transforms and ``tg.jit`` trace."""


for _t in (np.ndarray, np.number, np.bool_, Tensor, Staged):
    Array.register(_t)


_SHORT = {"f": "f", "i": "i", "u": "u", "c": "c"}


class ShapedArray:
    """An abstract value: a shape and a dtype (JAX's ``ShapedArray``, ``aval``)."""

    __slots__ = ("shape", "dtype", "weak_type")

    def __init__(self, shape, dtype, weak_type: bool = False):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = bool(weak_type)

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))

    def str_short(self, short_dtypes: bool = False) -> str:
        """``float64[3,4]``; ``f64[3,4]`` with ``short_dtypes``, as a jaxpr writes a type."""
        dt = self.dtype
        kind = dt.name
        if short_dtypes and dt.kind in _SHORT:
            kind = _SHORT[dt.kind] + str(8 * dt.itemsize)
        return f"{kind}[{','.join(str(d) for d in self.shape)}]"

    def __eq__(self, other):
        return (type(other) is ShapedArray and other.shape == self.shape
                and other.dtype == self.dtype and other.weak_type == self.weak_type)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self) -> str:
        return f"ShapedArray({self.str_short()})"


def typeof(x) -> ShapedArray:
    """The abstract value (shape and dtype) of an array, a number or a traced value (JAX's
    ``jax.typeof``)."""
    if isinstance(x, ShapeDtypeStruct):
        return ShapedArray(x.shape, x.dtype)
    v = concrete(x)
    dt = getattr(v, "dtype", None)
    if dt is None:
        if not isinstance(v, (bool, int, float, complex)):
            raise TypeError(f"typeof: expected an array or a number, got {type(x).__name__}")
        return ShapedArray((), np.result_type(v), weak_type=True)
    return ShapedArray(shape_of(v), dt)


class Primitive:
    """The name of an equation's operation (``eqn.primitive.name``)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __eq__(self, other):
        return str(other) == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self) -> str:
        return self.name


class Var:
    """A variable of a jaxpr: its ``aval`` and its printed name."""

    __slots__ = ("aval", "name")

    def __init__(self, aval: ShapedArray, name: str):
        self.aval, self.name = aval, name

    def __repr__(self) -> str:
        return self.name


class Literal:
    """A number written into an equation (``val``, ``aval``)."""

    __slots__ = ("val", "aval")

    def __init__(self, val):
        self.val = val
        self.aval = typeof(val)

    def __repr__(self) -> str:
        return repr(self.val.item() if isinstance(self.val, np.generic) else self.val)


#: ``.effects`` of a jaxpr, an equation and a closed jaxpr: tensorgrad records none (JAX's are
#: ordered side effects, such as a debug print)
_NO_EFFECTS = property(lambda self: set())


def _typed(variables) -> str:
    """``a:f64[3] b:f64[2,3]``: variables with their types, as a jaxpr writes them."""
    return " ".join(f"{v}:{v.aval.str_short(True)}" for v in variables)


class JaxprEqn:
    """One recorded call: ``outvars = primitive[params] invars``."""

    __slots__ = ("primitive", "invars", "outvars", "params")

    def __init__(self, primitive: Primitive, invars: list, outvars: list, params: dict):
        self.primitive, self.invars, self.outvars, self.params = primitive, invars, outvars, params

    effects = _NO_EFFECTS

    def __repr__(self) -> str:
        outs = _typed(self.outvars)
        ps = " ".join(f"{k}={_show(v)}" for k, v in self.params.items())
        head = f"{self.primitive.name}[{ps}]" if ps else self.primitive.name
        return f"{outs} = {head} {' '.join(map(repr, self.invars))}".rstrip()


class Jaxpr:
    """A traced program: ``constvars``, ``invars``, ``eqns`` and ``outvars``."""

    def __init__(self, constvars: list, invars: list, eqns: list, outvars: list):
        self.constvars, self.invars, self.eqns, self.outvars = constvars, invars, eqns, outvars

    effects = _NO_EFFECTS

    def pretty_print(self) -> str:
        lines = [f"{{ lambda {_typed(self.constvars)}; {_typed(self.invars)}. let"]
        lines += [f"    {e!r}" for e in self.eqns]
        outs = ", ".join(map(repr, self.outvars))
        lines.append(f"  in ({outs}{',' if len(self.outvars) == 1 else ''}) }}")
        return "\n".join(lines)

    __str__ = __repr__ = pretty_print


class ClosedJaxpr:
    """A jaxpr with the values of its constants (``consts``), as ``tg.make_jaxpr`` returns it."""

    def __init__(self, jaxpr: Jaxpr, consts: list):
        self.jaxpr, self.consts = jaxpr, consts

    in_avals = property(lambda self: [v.aval for v in self.jaxpr.invars])
    out_avals = property(lambda self: [v.aval for v in self.jaxpr.outvars])
    eqns = property(lambda self: self.jaxpr.eqns)
    literals = property(lambda self: self.consts)
    effects = _NO_EFFECTS

    def pretty_print(self) -> str:
        return self.jaxpr.pretty_print()

    __str__ = __repr__ = pretty_print


# --------------------------------------------------------------------------
# the view of a program
# --------------------------------------------------------------------------

# NumPy's names of the calls, as JAX names its primitives
_PRIMITIVE = {
    "add": "add", "subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div",
    "negative": "neg", "power": "pow", "matmul": "dot_general", "dot": "dot_general",
    "sum": "reduce_sum", "expand_dims": "broadcast_in_dim", "max": "reduce_max", "amax": "reduce_max", "min": "reduce_min",
    "amin": "reduce_min", "prod": "reduce_prod", "maximum": "max", "minimum": "min",
    "absolute": "abs", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "greater": "gt",
    "greater_equal": "ge", "less": "lt", "less_equal": "le", "equal": "eq", "not_equal": "ne",
    "where": "select_n", "broadcast_to": "broadcast_in_dim", "astype": "convert_element_type",
    "logical_and": "and", "logical_or": "or", "logical_not": "not", "remainder": "rem",
    "conjugate": "conj", "conj": "conj", "isfinite": "is_finite", "cumsum": "cumsum",
    "floor": "floor", "ceil": "ceil", "rint": "round", "copy": "copy",
}


def _show(v) -> str:
    if isinstance(v, np.dtype):
        return v.name
    if isinstance(v, type) and issubclass(v, np.generic):
        return np.dtype(v).name
    return repr(v)


def _names():
    """a, b, ..., z, ba, bb, ... (a jaxpr's variable names)."""
    k = 0
    while True:
        n, s = k, ""
        while True:
            s = chr(ord("a") + n % 26) + s
            n //= 26
            if n == 0:
                break
        yield s
        k += 1


def _aval(value) -> ShapedArray:
    dt = getattr(value, "dtype", None)
    return ShapedArray(np.shape(value), dt if dt is not None else np.result_type(value))


def _view(program, result) -> ClosedJaxpr:
    """The ClosedJaxpr of ``program`` for the output ``result``."""
    leaves, _ = tree_flatten(result)
    steps = program.steps
    items: dict = {}  # slot of a call that returned a tuple -> slots of its parts, in order
    for st in steps:
        if st.kind == "item":
            items.setdefault(st.args[0].slot, []).append((st.args[1], st.out))
    # keep what the outputs need (and the checks)
    keep = program.live_steps({leaf.slot for leaf in leaves if type(leaf) is Staged})
    var: dict = {}  # slot -> Var (named at the end, in a jaxpr's order)
    consts: dict = {}  # id of a constant array -> (Var, the array)

    def new(slot):
        var[slot] = Var(_aval(program.values[slot]), "?")
        return var[slot]

    invars = [new(s) for s in program.inputs]

    def const(a):
        got = consts.get(id(a))
        if got is None:
            got = consts[id(a)] = (Var(_aval(a), "?"), a)
        return got[0]

    def operand(a):  # the variable of a traced value or of a constant array, else None
        return var[a.slot] if type(a) is Ref else const(a) if type(a) is np.ndarray else None

    eqns = []
    for st in keep:
        if st.kind == "item":
            continue  # a part of its call's outputs
        args = list(st.args)
        if st.kind == "method":
            name, pnames = st.fn, []
        else:
            name = getattr(st.fn, "__name__", None) or type(st.fn).__name__
            pnames = _parameters(st.fn)
        name = _clean(name)
        ins, params = [], {}
        if st.kind == "method":  # (NumPy's methods have no signature to name their arguments)
            rest = tuple(a for a in args[1:] if type(a) not in (Ref, np.ndarray))
            if rest:
                params["args"] = rest
            args = [a for a in args if type(a) in (Ref, np.ndarray)]
        for k, a in enumerate(args):
            pname = pnames[k] if k < len(pnames) else None
            v = operand(a)
            if v is not None:
                ins.append(v)
            elif isinstance(a, (int, float, complex, np.number)) and not isinstance(a, bool) \
                    and k < 2:
                ins.append(Literal(a))
            else:
                refs = []
                _refs_in(a, refs)
                if refs:
                    ins.extend(var[r] if type(r) is int else const(r) for r in refs)
                else:
                    params[pname or f"arg{k}"] = a
        for key, a in (st.kwargs or {}).items():
            v = operand(a)
            if v is not None:
                ins.append(v)
            else:
                params[key] = a
        prim = _PRIMITIVE.get(name, name)
        if name == "power" and len(ins) == 2 and type(ins[1]) is Literal \
                and isinstance(ins[1].val, (int, np.integer)) and not isinstance(ins[1].val, bool):
            prim, params = "integer_pow", {"y": int(ins[1].val), **params}
            ins = ins[:1]
        if st.out in items:
            outs = [new(s) for _, s in sorted(items[st.out], key=lambda p: p[0])]
        else:
            outs = [new(st.out)]
        eqns.append(JaxprEqn(Primitive(prim), ins, outs, params))
    outvars = []
    for leaf in leaves:
        if type(leaf) is Staged:
            outvars.append(var[leaf.slot])
        elif np.ndim(leaf) == 0:
            outvars.append(Literal(leaf if isinstance(leaf, np.generic) else np.asarray(leaf)[()]))
        else:
            outvars.append(const(np.asarray(leaf)))
    constvars = [v for v, _ in consts.values()]
    renamed = _names()  # constants first, then inputs, then the equations' outputs
    for v in constvars + invars + [o for e in eqns for o in e.outvars]:
        v.name = next(renamed)
    jaxpr = Jaxpr(constvars, invars, eqns, outvars)
    return ClosedJaxpr(jaxpr, [a for _, a in consts.values()])


def _parameters(fn) -> list:
    """The names of ``fn``'s positional parameters (empty when it has no signature)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _clean(name: str) -> str:
    """A readable name for a recorded function: tensorgrad's forward rules without their
    ``_forward`` suffix, a lambda as ``lambda``."""
    name = name.strip("_<>")
    if name.endswith("_forward"):
        name = name[: -len("_forward")]
    return name or "call"


def _refs_in(obj, found):
    t = type(obj)
    if t is Ref:
        found.append(obj.slot)
    elif t is np.ndarray:
        found.append(obj)
    elif t is tuple or t is list:
        for o in obj:
            _refs_in(o, found)


def make_jaxpr(fun: Callable, static_argnums=(), axis_env=None, return_shape: bool = False,
               abstracted_axes=None, static_argnames=()) -> Callable:
    """A function that traces ``fun`` on its arguments (as ``tg.jit`` does) and returns the
    recorded program as a :class:`ClosedJaxpr` (JAX's ``jax.make_jaxpr``); with
    ``return_shape=True``, the pair (jaxpr, the output's ShapeDtypeStructs).

    Arguments may be arrays, numbers or ShapeDtypeStructs; Python control flow on a traced
    value raises ConcretizationError, as in ``tg.jit``."""
    if not callable(fun):
        raise TypeError(f"make_jaxpr: expected a function, got {type(fun).__name__}")
    if axis_env or abstracted_axes:
        raise NotImplementedError("make_jaxpr: axis_env and abstracted_axes are not supported "
                                  "(tensorgrad traces one process, with concrete shapes)")
    jitted = Jitted(fun, static_argnums, static_argnames)

    @functools.wraps(fun)
    def traced(*args, **kwargs):
        nums = {n + len(args) if n < 0 else n for n in jitted._static_nums}
        dyn = ([a for i, a in enumerate(args) if i not in nums],
               {k: v for k, v in kwargs.items() if k not in jitted._static_names})

        def inputs(keep_numbers: bool):
            return (tuple(a if i in nums else _as_input(a, keep_numbers)
                          for i, a in enumerate(args)),
                    {k: v if k in jitted._static_names else _as_input(v, keep_numbers)
                     for k, v in kwargs.items()})
        with abstract_trace():  # (callbacks are recorded, not called: JAX never runs them here)
            program, result = jitted.record(*inputs(False))
            closed = _view(program, result)
            if has_python_number(dyn):  # Python numbers: traced as 0-d arrays above, but the
                # call keeps them weakly typed (float32 x * 2.0 is float32); the dtypes it gives
                # come from a trace with the numbers as they are, as tg.jit keeps them
                result = jitted.record(*inputs(True))[1]
                _retype_outputs(closed, result)
        if return_shape:
            shapes = tree_map(lambda v: ShapeDtypeStruct(np.shape(v), _aval(v).dtype), result)
            return closed, shapes
        return closed
    return traced


def _retype_outputs(closed: ClosedJaxpr, result) -> None:
    """Give the jaxpr's outputs the dtypes of ``result`` (the same outputs, traced with the
    Python numbers among the arguments kept as they are)."""
    leaves = tree_flatten(result)[0]
    outvars = closed.jaxpr.outvars
    if len(leaves) != len(outvars):  # pragma: no cover - one function, two traces
        return
    for k, (v, leaf) in enumerate(zip(outvars, leaves)):
        dt = _aval(leaf).dtype
        if dt == v.aval.dtype:
            continue
        if type(v) is Var:
            v.aval = ShapedArray(v.aval.shape, dt, v.aval.weak_type)
        else:
            outvars[k] = Literal(np.asarray(v.val, dt)[()])


def _as_input(tree, keep_numbers: bool = False):
    """Arrays for a tree's leaves: ShapeDtypeStructs become example arrays and numbers 0-d
    arrays (JAX traces both); with ``keep_numbers``, Python numbers stay as they are."""
    tree = examples_for(tree)

    def leaf(v):
        if isinstance(v, (bool, int, float, complex)):
            return v if keep_numbers else np.asarray(v)
        if not is_staged(v) and type(v) is not np.ndarray and hasattr(v, "__array__"):
            return np.asarray(v)
        return v
    return tree_map(leaf, tree)
