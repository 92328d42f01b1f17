"""The op registry: one entry per op, holding its whole calculus.

An op is declared once, with one of four words that name the *kind* of its
Jacobian. Each returns the op's public function (``tg.<name>``) and puts an
:class:`Op` in :data:`REGISTRY`; from that one entry tensorgrad derives the
VJP, the JVP, the structured Jacobian, the Tensor methods, NumPy dispatch,
and the rows of the test table::

    elementwise(name, forward, d={"x": ...})        diagonal Jacobian (the Hadamard shortcut)
    linear(name, forward, transpose=...)            linear in its first input: JVP = the op itself
    nondifferentiable(name, forward, inputs=...)    no gradient (comparisons, argmax, sign)
    general(name, forward, vjp={...}, jvp={...})    both rules by hand

Rules are named by the input they differentiate, as a dict in input order
(``None``: no gradient flows to that input). Their signatures, with ``g`` a
cotangent and ``t`` a tangent (both may carry extra *leading* batch axes),
``out`` the primal output, then the primal inputs and the op's parameters::

    d[x](out, *inputs, *params)          ->  ∂out/∂x elementwise (elementwise ops)
    vjp[x](g, out, *inputs, *params)     ->  the cotangent of x: g · ∂out/∂x
    jvp[x](t, out, *inputs, *params)     ->  x's share of the output tangent: ∂out/∂x · t
    transpose(g, out, x, *params)        ->  the transpose of a linear op applied to g

A rule may return ``None``, the symbolic zero. The engine sums cotangents back
to each input's shape (:func:`tensorgrad.sweep.unbroadcast`), so rules may
return broadcast-shaped results. Rules are plain Python written with
tensorgrad's own ops: they record when an enclosing transform is active (that
gives higher order) and fall straight through to NumPy otherwise.

Other fields of an entry:

* ``signature(*args, **kwargs) -> (inputs, params)`` turns the public call
  into the op's inputs and its normalized, hashable parameters (axes as
  negative axes, which leading batch axes never shift). Without it the public
  function takes the inputs positionally and the op has no parameters.
* ``check(x, y)``, for a two-input op without parameters, in place of a
  signature: it raises a clear error for inputs the op rejects (``matmul``:
  shapes that do not align) and is called only when the forward rule fails
  (on every path: eager, traced, under ``tg.jit``), so the public function
  keeps its one-frame fast path.
* ``jacobian(i, inputs, out, params)`` builds the structured Jacobian of input
  ``i`` (a map of :mod:`tensorgrad.jacobians`). Elementwise ops need none
  (``Diagonal(d)``); without one, linear ops get a matrix-free map of their
  rules and general ops the dense matrix their rules give.
* ``eye_vjp[x](d, out, *inputs, *params)``: the cotangents of ``x`` for the
  whole symbolic basis ``diag(d)`` of a 1-D output (``d`` None: the
  identity), in closed form; lets ``jacrev`` start without a dense identity.
* ``jax``: the op's JAX counterpart, a dotted name (``"jax.numpy.tanh"``) or
  ``fn(jnp, *inputs, **public_params)``: the test table's reference, and what
  :func:`tensorgrad.to_jax` runs. ``to_jax=fn(jnp, *inputs, *params)`` replaces
  it under ``to_jax`` where the reference does not fit there: it takes the op's
  normalized parameters, or the reference fixes a choice (the sign of an
  eigenvector) only the tests need.
* ``methods``: Tensor methods and operators that call the op (``"__add__"``;
  a reflected operator such as ``"__radd__"`` swaps the operands), or a dict
  from method name to a function of the Tensor.
* ``aliases``: more public names of the same function (``tg.absolute`` is
  ``tg.abs``, ``tg.mod`` is ``tg.remainder``).
* ``numpy``: the *full* NumPy (or SciPy) paths the function serves when NumPy
  dispatches on a Tensor (``np.tanh(t)``, ``np.linalg.solve(A, t)``,
  ``scipy.special.erf(t)``). By default NumPy's own functions of the op's
  name and of its aliases, where NumPy has them; give a string or a tuple of
  paths instead (``numpy="numpy.linalg.solve"``, ``numpy=("numpy.fmod",)``), or
  ``numpy=()`` for none. A path is the name NumPy itself reports: the
  ``__module__`` and ``__name__`` of an array function (``np.amax`` is
  ``numpy.amax``; ``np.linalg.inv`` is ``numpy.linalg.inv``) and the name of
  a ufunc (``np.abs`` is the ufunc ``numpy.absolute``, ``np.mod`` is
  ``numpy.remainder``). This is the one table NumPy dispatch reads
  (:data:`tensorgrad.tensor.NUMPY_FUNCTIONS`, used by
  :mod:`tensorgrad.dispatch`); a path served twice is an error. A namespace
  module of plain functions (``tg.linalg``) serves its NumPy namespace with
  :func:`register_namespace`.
* ``jax`` (the function the tests compare with: a dotted name or
  ``lambda jnp, *inputs, **params``), ``symbol`` (its Jacobian in maths, for
  ``explain``), ``doc``, ``examples`` and ``domain`` (test inputs),
  ``second_order`` and ``tol`` (test tolerances), ``complex=True`` (the rules
  hold for complex values under JAX's convention, see
  :mod:`tensorgrad.complexity`; the complex table of the tests checks them against
  JAX), ``composite`` (the forward is
written with :func:`tensorgrad.staging.call` steps and may run on values traced
by ``tg.jit``, so a rule can share its parts).

Ops with a variable number of inputs (``variadic=True``: concatenate, stack,
einsum) give one rule for all inputs, ``rule(i, g, out, *inputs, *params)``;
any op may instead give ``jvp_all(tangents, out, *inputs, *params)`` or
``vjp_all(g, out, *inputs, *params)`` that treat every input at once.
"""
from __future__ import annotations

import functools
import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .dispatch import (UFUNC_METHODS, canonical_path, deliver, numpy_path, numpy_takes_out, out_casting,
                       out_places, positional_outs, split_out, writing_out)
from .op_errors import named_error, naming
from .torch_form import TORCH_FORM, keyword_names, one_entry, torch_form_of
from .recording import binary_function, bind, unary_function
from .tensor import NUMPY_FUNCTIONS, Tensor, ndim_of
from .ufunc_keywords import with_keywords

__all__ = ["REGISTRY", "FUNCTIONS", "Op", "Example", "elementwise", "linear", "nondifferentiable",
           "general", "function", "get_op", "register", "register_numpy", "register_namespace",
           "register_ufunc_method", "KINDS"]

Rule = Callable[..., Any]

#: Every registered op, by name. Tests, ``explain`` and ``tensorgrad check``
#: iterate over this table, so registering an op is all it takes to test it.
REGISTRY: dict[str, "Op"] = {}

#: Every public function of the op set (registered ops and the plain functions
#: built on them), by name: ``tensorgrad.ops`` exports exactly these.
FUNCTIONS: dict[str, Callable] = {}

#: The Jacobian kinds, one per word of the vocabulary.
KINDS = ("diagonal", "linear", "dense", "none")

_REFLECTED = {"__radd__", "__rsub__", "__rmul__", "__rtruediv__", "__rfloordiv__", "__rpow__",
              "__rmatmul__", "__rmod__", "__rand__", "__ror__", "__rxor__", "__rlshift__",
              "__rrshift__"}
#: Each binary operator and the one Python calls on the other operand if it returns
#: NotImplemented (``x + y``: ``y.__radd__(x)``; ``x < y``: ``y.__gt__(x)``).
_MIRROR = {**{f"__{n}__": f"__r{n}__" for n in (
               "add", "sub", "mul", "truediv", "floordiv", "pow", "matmul", "mod", "divmod", "and",
               "or", "xor", "lshift", "rshift")},
           "__lt__": "__gt__", "__le__": "__ge__", "__gt__": "__lt__", "__ge__": "__le__",
           "__eq__": "__eq__", "__ne__": "__ne__"}
_MIRROR.update({r: n for n, r in list(_MIRROR.items()) if r.startswith("__r")})
#: Operand types an operator takes as arrays (anything with ``__array__`` too).
_OPERANDS = (np.ndarray, np.generic, int, float, complex, list, tuple)
_COMMON = frozenset((Tensor, np.ndarray, float, int, np.float64))  # (one set lookup, the hot case)


class Computed:
    """What an op's signature function returns instead of ``(inputs, params)`` when it
    computed the result from other ops (a case the op's own parameters cannot express, such as
    ``roll`` by a shift ``tg.jit`` traces)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


@dataclass(eq=False)
class Example:
    """One test case for an op: shapes (or arrays) of the inputs and params.

    ``args`` items are shape tuples (random inputs in ``domain``), or arrays /
    scalars used as given. ``params`` are passed by keyword to both the
    tensorgrad function and the JAX reference. ``diff`` lists which inputs
    are differentiated (default: every input given as a shape).
    """

    args: tuple
    params: dict = field(default_factory=dict)
    diff: tuple | None = None
    domain: str | None = None


class Op:
    """A registered op: its forward rule and its whole calculus (see the module docstring).

    The engine reads ``vjps[i]`` / ``jvps[i]`` (one rule per input, derived
    from the entry), ``deriv`` (elementwise ops), ``kind`` and ``forward``.
    """

    __slots__ = (
        "name", "forward", "kind", "inputs", "param_names", "vjps", "jvps", "deriv",
        "batch_params", "jacobian", "eye_vjps", "jax", "symbol", "examples", "domain",
        "second_order", "tol", "doc", "jvp_all", "vjp_all", "variadic", "function", "call",
        "composite", "to_jax", "diag_d", "diag1", "diag_for", "check", "complex", "shapes_only",
    )

    def __init__(self, name: str, forward: Callable | None, kind: str, *,
                 inputs: Sequence[str] = ("x",), param_names: Sequence[str] = (),
                 vjps: Sequence[Rule | None] = (), jvps: Sequence[Rule | None] = (),
                 deriv: Sequence[Any] = (), batch_params: Callable | None = None,
                 jacobian: Callable | None = None, eye_vjps: Sequence[Rule | None] = (),
                 jax: Any = None, symbol: str = "", examples: Sequence[Example] = (),
                 domain: Any = "real", second_order: bool = True, tol: float = 1e-10,
                 doc: str = "", jvp_all: Rule | None = None, vjp_all: Rule | None = None,
                 variadic: bool = False, call: Callable | None = None, composite: bool = False,
                 to_jax: Callable | None = None, complex: bool = False):
        if kind not in KINDS:
            raise ValueError(f"op {name!r}: unknown Jacobian kind {kind!r}; expected one of {KINDS}")
        n = len(inputs)
        self.name = name
        self.forward = forward
        self.kind = kind
        self.inputs = tuple(inputs)
        self.param_names = tuple(param_names)
        self.deriv = tuple(deriv)
        self.batch_params = batch_params
        self.jacobian = jacobian
        self.eye_vjps = tuple(eye_vjps) + (None,) * (n - len(eye_vjps))
        self.jax = jax
        self.symbol = symbol
        self.examples = list(examples)
        self.domain = domain
        self.second_order = second_order
        self.tol = tol
        self.doc = doc
        self.jvp_all = jvp_all
        self.vjp_all = vjp_all
        self.variadic = variadic
        self.call = call
        self.composite = composite
        self.to_jax = to_jax
        # complex: the rules hold for complex values too, under JAX's convention (see
        # tensorgrad.complexity); the engine refuses complex values anywhere else
        self.complex = complex
        self.check = None  # a two-input op's input check (see ``check=``), run when its forward fails
        self.shapes_only, self.function = False, None  # (shapes_only: set below, see there)
        # diag_d[i]: the derivative d of input i when its VJP is the derived g * d(...)
        # (the sweep calls it directly); None where the rule is anything else. The
        # sweep uses it only while ``vjps`` is still the tuple built here (``diag_for``):
        # rules replaced later (a test tampering with one) are then called as they are.
        self.diag_d, self.diag_for = (None,) * n, None
        if variadic:  # one rule serves every input: rule(i, g, out, *inputs, *params)
            self.vjps = _PerIndex(vjps[0] if vjps else None)
            self.jvps = _PerIndex(jvps[0] if jvps else None)
            self.eye_vjps = _PerIndex(None)
            self.diag_d = _PerIndex(None)
            self.diag1, self.shapes_only = None, kind == "linear"  # (see below)
            if not self.examples:  # (the test table cannot guess the shapes of its inputs)
                raise ValueError(f"op {name!r}: a variadic op needs examples=[Example((shape, ...))]")
            return
        if kind == "diagonal":
            if len(self.deriv) != n:
                raise ValueError(f"op {name!r}: an elementwise op needs one derivative per input")
            if n > 1:  # derivatives in the result's precision, not a narrower operand's
                self.deriv = tuple(_promoting(d, 0) if callable(d) else d for d in self.deriv)
                vjps = tuple(_promoting(r, 1) if r is not None else r for r in vjps)
                jvps = tuple(_promoting(r, 1) if r is not None else r for r in jvps)
            given = tuple(vjps) + (None,) * n
            self.diag_d = tuple(d if given[i] is None and callable(d) else None
                                for i, d in enumerate(self.deriv))
            # a rule given for an input replaces the one derived from its derivative
            vjps = tuple(r if r is not None else _diag_rule(d)
                         for r, d in zip(tuple(vjps) + (None,) * n, self.deriv))
            jvps = tuple(r if r is not None else _diag_rule(d)
                         for r, d in zip(tuple(jvps) + (None,) * n, self.deriv))
        elif kind == "linear":
            if not vjps or vjps[0] is None:
                raise ValueError(f"op {name!r}: a linear op must give its transpose")
            if not jvps:
                jvps = (_linear_jvp(self),)
        elif kind == "none":
            vjps = jvps = ()
        self.vjps = tuple(vjps) + (None,) * (n - len(vjps))
        self.jvps = tuple(jvps) + (None,) * (n - len(jvps))
        # a one-input elementwise op whose VJP is the derived g * d: the sweep's chain walk
        self.diag1 = self.diag_d[0] if n == 1 and vjp_all is None else None
        self.diag_for = self.vjps
        # the VJP reads only the shapes and dtypes of the saved values, as for x + y, −x, and
        # a linear op of one input or of many (concatenate, stack: its transpose does not
        # depend on the point): the sweep then keeps shape-only stand-ins after freeing them,
        # so a second backward through such a node works, as PyTorch allows where an op saved
        # no tensors
        self.shapes_only = vjp_all is None and (kind == "linear" and n == 1 or (
            kind == "diagonal" and all(r is None for r in given[:n])
            and not any(callable(d) or d is None for d in self.deriv)))

    @property
    def nargs(self) -> int:
        return len(self.inputs)

    def __repr__(self) -> str:
        return f"<Op {self.name} ({self.kind})>"

    def __call__(self, *args, **params):
        """Call the op the way its test examples do: ``op(*inputs, **params)``."""
        fn = self.call if self.call is not None else self.function
        if fn is None:
            raise TypeError(f"op {self.name!r} has no public function")
        return fn(*args, **params)


class _PerIndex:
    """Rules of a variadic op (concatenate, stack, einsum): one function for all inputs."""

    __slots__ = ("rule",)

    def __init__(self, rule):
        self.rule = rule

    def __getitem__(self, i):
        rule = self.rule
        if rule is None:
            return None
        return lambda g, out, *rest: rule(i, g, out, *rest)


# --------------------------------------------------------------------------
# rules the registry derives
# --------------------------------------------------------------------------

def _identity_rule(g, out, *args):
    return g


def _negate_rule(g, out, *args):
    return -g


def _widened(out, args: tuple) -> tuple:
    """``args`` with each floating input narrower than the float ``out`` cast to out's dtype.

    JAX promotes the inputs of a mixed-precision op to the result dtype before the op, so
    its derivatives are computed in that precision; without the cast 1/y, log(x) or y − 1
    of a float16 or float32 operand would be rounded to that operand's precision while the
    result and its gradient are float64. (Python numbers are weak: they stay as they are.)
    """
    dt = getattr(out, "dtype", None)
    if dt is None or dt.kind != "f":
        return args
    widened = None
    for i, a in enumerate(args):
        da = getattr(a, "dtype", None)
        if da is None or da is dt or da.kind != "f" or da.itemsize >= dt.itemsize:
            continue
        if widened is None:
            widened = list(args)
        widened[i] = a.astype(dt) if isinstance(a, (np.ndarray, np.generic)) \
            else bind(REGISTRY["astype"], (a,), (dt,))
    return args if widened is None else tuple(widened)


def _promoting(rule: Callable, skip: int) -> Callable:
    """``rule`` (a derivative ``d(out, *inputs)``, ``skip=0``, or a VJP/JVP rule
    ``r(g, out, *inputs)``, ``skip=1``) called with the inputs widened to out's dtype."""
    def promoted(*args):
        out = args[skip]
        dt = getattr(out, "dtype", None)
        if dt is not None and dt.kind == "f":
            for a in args[skip + 1:]:
                da = getattr(a, "dtype", None)
                if da is not None and da is not dt and da.kind == "f" and da.itemsize < dt.itemsize:
                    return rule(*args[:skip], out, *_widened(out, args[skip + 1:]))
        return rule(*args)  # (the common case: nothing to widen)
    promoted.__name__ = getattr(rule, "__name__", "rule")
    promoted.__wrapped__ = rule
    return promoted


def _diag_rule(d) -> Rule | None:
    # The Hadamard shortcut: the Jacobian is diag(d), so g·J = g ⊙ d and J·t = d ⊙ t.
    if d is None:
        return None
    if isinstance(d, (int, float)):
        if d == 1:
            return _identity_rule
        if d == -1:
            return _negate_rule
        raise ValueError("a constant elementwise derivative must be 1 or -1")

    def rule(g, out, *args):
        return g * d(out, *args)
    return rule


def _linear_jvp(op: Op) -> Rule:
    # J t for a linear op is the op applied to t, with shape-like params
    # adapted to the batch axes that t may carry in front.
    def jvp(t, out, x, *params):
        nb = ndim_of(t) - ndim_of(x)
        if nb and op.batch_params is not None:
            params = op.batch_params(tuple(t.shape[:nb]), *params)
        return bind(op, (t,), params)
    return jvp


def _by_input(op_name: str, inputs: tuple, rules: Mapping | None, what: str) -> tuple:
    """Rules given as ``{input name: rule}`` as a tuple in input order."""
    if not rules:
        return ()
    unknown = [k for k in rules if k not in inputs]
    if unknown:
        raise ValueError(f"op {op_name!r}: {what} rule for unknown input {unknown[0]!r}; "
                         f"the inputs are {inputs}")
    return tuple(rules.get(k) for k in inputs)


# --------------------------------------------------------------------------
# the vocabulary
# --------------------------------------------------------------------------

def _declare(name: str, forward, kind: str, *, inputs=("x",), params=(), signature=None,
             check=None, methods=(), public=True, aliases=(), numpy=None, **fields) -> Callable:
    """Register one op and build its public function (the shared part of the four words)."""
    if check is not None and (signature is not None or params or len(inputs) != 2):
        raise ValueError(f"op {name!r}: check= is for two-input ops without parameters; "
                         "give a signature= instead")
    op = register(Op(name, forward, kind, inputs=inputs, param_names=params, **fields))
    op.function = fn = _public_function(op, signature, check)
    if public:
        _publish(fn, name, aliases, numpy)
    _install_methods(fn, methods)
    return fn


def _publish(fn: Callable, name: str, aliases: Sequence[str], numpy) -> None:
    """Export ``fn`` as ``tg.<name>`` (and its aliases) and serve its NumPy paths."""
    aliases = (aliases,) if isinstance(aliases, str) else tuple(aliases)
    for n in (name, *aliases):
        FUNCTIONS[n] = fn
    if numpy is None:  # NumPy's own functions of the same names (those that exist)
        paths = [numpy_path(getattr(np, n)) for n in (name, *aliases) if hasattr(np, n)]
    else:
        paths = [canonical_path(p) for p in ((numpy,) if isinstance(numpy, str) else numpy)]
    for path in paths:
        if path:
            register_numpy(path, fn)


def register_numpy(path: str, fn: Callable) -> None:
    """Serve the NumPy function at the full ``path`` (``"numpy.linalg.inv"``) with ``fn``.

    Used by the vocabulary (the ``numpy=`` field); call it directly only for a
    function that is not declared with it. A path served by another function is
    an error: each NumPy name has one tensorgrad meaning.
    """
    if not isinstance(path, str) or "." not in path:
        raise ValueError(f"NumPy path {path!r}: give the full dotted name, e.g. 'numpy.linalg.inv'")
    old = NUMPY_FUNCTIONS.get(path)
    # the same name declared again (a docs page re-running its example) replaces the old entry
    if old is not None and old is not fn and getattr(old, "__name__", None) != getattr(fn, "__name__", None):
        raise ValueError(f"{path} is already served by tensorgrad's {old.__name__}; "
                         f"it cannot also mean {getattr(fn, '__name__', fn)!r}")
    NUMPY_FUNCTIONS[path] = fn


def register_ufunc_method(ufunc_path: str, method: str, fn: Callable) -> None:
    """Serve ``<ufunc>.reduce`` or ``<ufunc>.accumulate`` on Tensors (``np.logaddexp.reduce``)
    with ``fn``, which is called as ``fn(x, axis=..., keepdims=...)`` (``reduce``) or
    ``fn(x, axis=...)`` (``accumulate``); NumPy's defaults (axis 0) are applied first."""
    if method not in ("reduce", "accumulate"):
        raise ValueError(f"{ufunc_path}.{method}: only reduce and accumulate can be served")
    key = (ufunc_path, method)
    old = UFUNC_METHODS.get(key)
    if old is not None and old is not fn and getattr(old, "__name__", None) != getattr(fn, "__name__", None):
        raise ValueError(f"{ufunc_path}.{method} is already served by {old!r}")
    UFUNC_METHODS[key] = fn


def register_namespace(prefix: str, functions: Mapping[str, Callable]) -> list[str]:
    """Serve a NumPy namespace with a tensorgrad one: ``prefix.<name>`` (for example
    ``numpy.linalg.solve``) by ``functions[name]``, for each name NumPy has there.

    For namespace modules built from plain functions (``tg.linalg``):
    ``register_namespace("numpy.linalg", {n: globals()[n] for n in __all__})``.
    Returns the paths served.
    """
    module = importlib.import_module(prefix)
    served = []
    for name, fn in functions.items():
        obj = getattr(module, name, None)
        path = numpy_path(obj) if obj is not None and callable(fn) else None
        if path and path.startswith(prefix + "."):
            register_numpy(path, fn)
            served.append(path)
    return served


def _public_function(op: Op, signature: Callable | None, check: Callable | None = None) -> Callable:
    """``tg.<name>``: the op's public function, binding its inputs and parameters."""
    if check is not None:  # the one-frame two-input function; the check runs when the forward fails
        op.check = check
        fn = binary_function(op)
        fn.__signature__ = inspect.signature(check)
        doc = check.__doc__ or op.doc
    elif signature is not None:
        own = frozenset(inspect.signature(signature).parameters)
        takes_out, at = "out" in own, _out_place(signature)  # (its own out: median's, ptp's)
        ufunc = isinstance(getattr(np, op.name, None), np.ufunc)  # (tg.sign(x, out=buf): NumPy's)
        slots, capacity = (None, None) if takes_out else out_places(op.name, signature)

        def fn(*args, **kwargs):
            if capacity is not None and len(args) > capacity:  # np.round(a, 1, out)
                args, kwargs = positional_outs(op.name, slots, capacity, args, kwargs)
            out, args, kwargs = split_out(args, kwargs, at) if takes_out else (
                kwargs.pop("out", None), args, kwargs)  # (out=None: accepted, as in JAX)
            if out is not None or ufunc and not own.issuperset(kwargs):
                return _numpy_out(op.name, ufunc, own, fn, args, out, kwargs)
            try:
                parts = signature(*args, **kwargs)
            except (TypeError, ValueError, AttributeError) as exc:
                if TORCH_FORM and (args or kwargs):
                    # PyTorch's keywords (or arguments) which NumPy's signature lacks: PyTorch's
                    # function, the Tensor method (tg.sum(x, dim=1), tg.max(x, dim=1) ->
                    # (values, indices)), where torch_functions finds one
                    out = TORCH_FORM[0](op.name, args, kwargs, keyword_names(signature), fn)
                    if out is not NotImplemented:
                        return out
                out = one_entry(fn, exc, args, kwargs)  # (a 0-d tensor of PyTorch's has an axis 0)
                if out is not NotImplemented:
                    return out
                raise named_error(op.name, exc) from exc
            if type(parts) is Computed:
                return parts.value
            return bind(op, parts[0], parts[1])
        fn.__signature__ = inspect.signature(signature)
        doc = signature.__doc__ or op.doc
    elif op.variadic:
        def fn(*inputs):
            return bind(op, inputs, ())
        doc = op.doc
    elif op.nargs == 1:
        fn = unary_function(op)
        doc = op.doc
    elif op.nargs == 2:
        fn = binary_function(op)
        doc = op.doc
    else:
        def fn(*inputs):
            if len(inputs) != op.nargs:
                raise TypeError(f"{op.name}() takes {op.nargs} arguments "
                                f"({', '.join(op.inputs)}), got {len(inputs)}")
            return bind(op, inputs, ())
        doc = op.doc
    fn.__name__ = fn.__qualname__ = op.name
    fn.__module__ = "tensorgrad"
    jac = f" Jacobian: {op.symbol}." if op.symbol else ""
    fn.__doc__ = f"{doc or op.name}{'' if (doc or '').rstrip().endswith('.') else '.'}{jac}"
    fn.op = op
    return fn


def _install_methods(fn: Callable, methods) -> None:
    if isinstance(methods, Mapping):
        for name, method in methods.items():
            setattr(Tensor, name, _deferring(fn if method is None else method, name))
        return
    for name in methods:
        if name in _REFLECTED:
            setattr(Tensor, name, _deferring(_reflected(fn, name), name))
        else:
            setattr(Tensor, name, _deferring(fn, name))


def _deferring(method: Callable, name: str) -> Callable:
    """A binary operator that returns NotImplemented for an operand of a foreign type
    (not an array, number, list, tuple or array-like) whose type implements the mirrored
    operator, as ``jax.Array`` and ``torch.Tensor`` do: Python then calls that operand's
    method (``other.__radd__`` for ``x + other``), instead of NumPy's object array of it."""
    mirror = _MIRROR.get(name)
    if mirror is None:
        return method

    def operator(self, other):
        if type(other) not in _COMMON and not isinstance(other, _OPERANDS) \
                and getattr(type(other), mirror, None) is not None \
                and not hasattr(other, "__array__") and not hasattr(other, "__array_interface__"):
            return NotImplemented
        return method(self, other)
    operator.__name__ = operator.__qualname__ = name
    operator.__doc__ = method.__doc__
    return operator


def _reflected(fn: Callable, name: str) -> Callable:
    def method(self, other):
        return fn(other, self)
    method.__name__ = name
    return method


def elementwise(name: str, forward: Callable, *, d: Mapping[str, Any], vjp: Mapping | None = None,
                jvp: Mapping | None = None, **entry) -> Callable:
    """Declare an op with a diagonal Jacobian from its elementwise derivatives.

    ``d`` maps each input to ``∂out/∂input`` (a rule, ``1``/``-1`` for a
    pass-through, or None); VJP ``g ⊙ d``, JVP ``t ⊙ d`` and the Jacobian
    ``Diagonal(d)`` follow. ``vjp``/``jvp`` override a derived rule where a
    closed form is cheaper or safer (an infinite slope at 0, say).
    """
    inputs = tuple(d)
    deriv = tuple(d.values())
    return _declare(name, forward, "diagonal", inputs=inputs, deriv=deriv,
                    vjps=_by_input(name, inputs, vjp, "vjp"),
                    jvps=_by_input(name, inputs, jvp, "jvp"), **entry)


def linear(name: str, forward: Callable, *, transpose: Rule, jvp: Rule | None = None,
           batch_params: Callable | None = None, **entry) -> Callable:
    """Declare an op that is linear in its first input.

    Only the transpose (the VJP) is written; the JVP is the op applied to the
    tangent, with ``batch_params(batch_shape, *params)`` adapting shape-like
    parameters to tangents that carry ``batch_shape`` in front.
    """
    return _declare(name, forward, "linear", vjps=(transpose,), jvps=(jvp,) if jvp else (),
                    batch_params=batch_params, **entry)


def nondifferentiable(name: str, forward: Callable, *, inputs: Sequence[str] = ("x",),
                      **entry) -> Callable:
    """Declare an op whose output carries no gradient (integer, boolean or piecewise-constant)."""
    entry.setdefault("symbol", "0 (no gradient)")
    return _declare(name, forward, "none", inputs=tuple(inputs), **entry)


def general(name: str, forward: Callable, *, vjp: Mapping | Rule | None = None,
            jvp: Mapping | Rule | None = None, **entry) -> Callable:
    """Declare an op whose VJP and JVP rules are both written by hand.

    ``vjp`` and ``jvp`` map each input (in order) to its rule; a variadic op
    gives one rule for all inputs.
    """
    if entry.get("variadic"):
        return _declare(name, forward, "dense", vjps=(vjp,) if vjp else (),
                        jvps=(jvp,) if jvp else (), **entry)
    inputs = tuple(vjp) if isinstance(vjp, Mapping) else tuple(entry.pop("inputs", ("x",)))
    entry.pop("inputs", None)
    return _declare(name, forward, "dense", inputs=inputs,
                    vjps=_by_input(name, inputs, vjp, "vjp"),
                    jvps=_by_input(name, inputs, jvp, "jvp"), **entry)


def function(fn: Callable | None = None, *, methods=(), aliases=(), numpy=None) -> Callable:
    """Make a plain function built on registered ops public (``tg.<name>`` and its
    ``aliases``, the NumPy paths it serves (``numpy=``, as for ops) and the Tensor
    ``methods`` it serves). Its ValueError, TypeError and IndexError name it."""
    def decorate(f: Callable) -> Callable:
        f = naming(f, torch_form_of(f))
        _publish(_taking_out(f), f.__name__, aliases, numpy)
        _install_methods(f, methods)
        return f
    return decorate(fn) if fn is not None else decorate


def _numpy_out(name: str, ufunc: bool, own: frozenset, call: Callable, args: tuple, out,
               kwargs: dict):
    """``tg.<name>`` given NumPy's ``out=`` array or, for a ufunc, its other keywords (those
    ``call``'s parameters ``own`` lack): a ufunc's by NumPy's ufunc rules, any other's result
    written into ``out`` with NumPy's casting, when it carries no gradient."""
    if ufunc and (out is not None or not own.issuperset(kwargs)):
        return with_keywords(name, args, out, kwargs, (), call)
    return deliver(name, call(*args, **kwargs), out, out_casting(name))


def _out_place(f: Callable) -> int | None:
    """The position of ``f``'s ``out`` among its positional parameters (None: keyword-only)."""
    p = (params := inspect.signature(f).parameters).get("out")
    return list(params).index("out") if p is not None and p.kind is p.POSITIONAL_OR_KEYWORD else None


def _taking_out(f: Callable) -> Callable:
    """``f`` as published, with NumPy's ``out``: its own (percentile's), or where NumPy's function
    of its name takes one and ``f`` does not; a result that carries no gradient is written
    there (``out=None`` is NumPy's default, as in JAX). Library code calls ``f`` itself."""
    try:
        params = inspect.signature(f).parameters
    except (TypeError, ValueError):
        return f
    if "out" in params:  # its own out (percentile's): computed without it, then written there
        return functools.wraps(f)(writing_out(f.__name__, f, _out_place(f)))
    if any(p.kind is p.VAR_KEYWORD for p in params.values()) or not numpy_takes_out(f.__name__):
        return f
    ufunc = isinstance(getattr(np, f.__name__, None), np.ufunc)  # (tg.copysign: NumPy's keywords)
    own = frozenset(params)

    slots, capacity = out_places(f.__name__, f)

    @functools.wraps(f)
    def published(*args, out=None, **kwargs):
        if capacity is not None and len(args) > capacity:
            args, kw = positional_outs(f.__name__, slots, capacity, args, {"out": out})
            out = kw["out"]
        if out is not None or ufunc and not own.issuperset(kwargs):
            return _numpy_out(f.__name__, ufunc, own, f, args, out, kwargs)
        return f(*args, **kwargs)
    sig = inspect.signature(f)
    published.__signature__ = sig.replace(parameters=[*sig.parameters.values(), inspect.Parameter(
        "out", inspect.Parameter.KEYWORD_ONLY, default=None)])
    return published


def register(op: Op) -> Op:
    """Add ``op`` to :data:`REGISTRY` (names are unique)."""
    if op.name in REGISTRY:
        raise ValueError(f"op {op.name!r} is already registered")
    REGISTRY[op.name] = op
    return op


def get_op(name: str) -> Op:
    """Look up a registered op by name, with a helpful error."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no op named {name!r}; registered ops: {', '.join(sorted(REGISTRY))}") from None
