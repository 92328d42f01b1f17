"""The op registry: one entry per op, holding its whole calculus.

An :class:`Op` keeps, side by side, the forward rule, one VJP rule and one JVP
rule per differentiable input, the *kind* of Jacobian it has, the JAX function
the tests compare it with, and a few example inputs for the test table.

Rules are plain Python written with tensorgrad's own ops, so they record when a
surrounding transform is active (that is what makes higher order work) and fall
straight through to NumPy when nothing records.

Rule signatures (``g`` a cotangent, ``t`` a tangent, both possibly carrying
extra *leading* batch axes; ``out`` the primal output; ``*args`` the primal
inputs, then the op's non-differentiable parameters)::

    vjp_i(g, out, *args, *params)  ->  cotangent for input i
    jvp_i(t, out, *args, *params)  ->  contribution of input i's tangent

A rule may return ``None``: the symbolic zero. Ops with a variable number of
inputs (``variadic=True``) give one rule ``rule(i, g, out, *args, *params)``;
an op may also give ``jvp_all(tangents, out, *args, *params)`` to build its
whole JVP at once (``tangents[i]`` None where input i has no tangent), and
``vjp_all(g, out, *args, *params)`` returning every input's cotangent at once
(used by user-defined ``custom_vjp`` rules). The engine sums cotangents
back to each input's shape (:func:`tensorgrad.tape.unbroadcast`), so rules can
return broadcast-shaped results.

Kinds of Jacobian, from which rules are derived:

* ``"diagonal"`` (elementwise ops): give ``deriv=(d_0, d_1, ...)`` with
  ``d_i(out, *args) -> ∂out/∂arg_i`` elementwise. VJP is ``g * d``, JVP is
  ``t * d`` and the Jacobian is ``Diagonal(d)`` — the Hadamard shortcut.
* ``"linear"``: the op is linear in its (single) differentiable input, so its
  JVP is the op itself applied to the tangent. Give ``vjp`` (the transpose)
  and, when the op's parameters depend on the leading axes (reshape,
  transpose, indexing), ``batch_params(batch_shape, *params)`` that adapts
  them to a tangent carrying ``batch_shape`` in front. Axis parameters are
  stored as *negative* axes, which batch axes in front never shift.
* ``"dense"``: both rules are written by hand.
* ``"none"``: the output is not differentiable (argmax, comparisons).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

Rule = Callable[..., Any]

#: Every registered op, by name. Tests, ``explain`` and ``tensorgrad check``
#: iterate over this table, so registering an op is all it takes to test it.
REGISTRY: dict[str, "Op"] = {}

KINDS = ("diagonal", "linear", "dense", "none")


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
    """A registered op. See the module docstring for the rule conventions."""

    __slots__ = (
        "name", "forward", "kind", "nargs", "param_names", "vjps", "jvps",
        "deriv", "batch_params", "jax", "symbol", "examples", "domain",
        "second_order", "tol", "doc", "jvp_all", "vjp_all", "variadic", "call",
    )

    def __init__(self, name: str, forward: Callable, kind: str, nargs: int,
                 param_names: Sequence[str] = (), vjps: Sequence[Rule | None] = (),
                 jvps: Sequence[Rule | None] = (), deriv: Sequence[Rule] = (),
                 batch_params: Callable | None = None, jax: Any = None,
                 symbol: str = "", examples: Sequence[Example] = (),
                 domain: str = "real", second_order: bool = True,
                 tol: float = 1e-10, doc: str = "", jvp_all: Rule | None = None,
                 vjp_all: Rule | None = None, variadic: bool = False,
                 call: Callable | None = None):
        if kind not in KINDS:
            raise ValueError(f"op {name!r}: unknown Jacobian kind {kind!r}; expected one of {KINDS}")
        self.name = name
        self.forward = forward
        self.kind = kind
        self.nargs = nargs
        self.param_names = tuple(param_names)
        self.deriv = tuple(deriv)
        self.batch_params = batch_params
        self.jax = jax
        self.symbol = symbol
        self.examples = list(examples)
        self.domain = domain
        self.second_order = second_order
        self.tol = tol
        self.doc = doc
        self.jvp_all = jvp_all
        self.call = call
        self.vjp_all = vjp_all
        self.variadic = variadic
        if variadic:
            # one rule serves every input: rule(i, g, out, *args, *params)
            self.vjps = _PerIndex(vjps[0]) if vjps else _PerIndex(None)
            self.jvps = _PerIndex(jvps[0]) if jvps else _PerIndex(None)
            return
        if kind == "diagonal":
            if len(self.deriv) != nargs:
                raise ValueError(f"op {name!r}: a diagonal op needs one derivative per input")
            vjps = tuple(vjps) or tuple(_diag_vjp(d) for d in self.deriv)
            jvps = tuple(jvps) or tuple(_diag_jvp(d) for d in self.deriv)
        elif kind == "linear":
            if not vjps:
                raise ValueError(f"op {name!r}: a linear op must give its transpose as vjp")
            if not jvps:
                jvps = (_linear_jvp(self),) + (None,) * (nargs - 1)
        elif kind == "none":
            vjps = (None,) * nargs
            jvps = (None,) * nargs
        self.vjps = tuple(vjps) + (None,) * (nargs - len(vjps))
        self.jvps = tuple(jvps) + (None,) * (nargs - len(jvps))

    def __repr__(self) -> str:
        return f"<Op {self.name} ({self.kind})>"

    def __call__(self, *args, **params):
        """Call the op's public function: ``op(*arrays, **params)``.

        This is how tests and ``tensorgrad check`` run every op the same way.
        """
        if self.call is not None:
            return self.call(*args, **params)
        import tensorgrad
        return getattr(tensorgrad, self.name)(*args, **params)


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


def _identity_rule(g, out, *args):
    return g


def _negate_rule(g, out, *args):
    return -g


def _diag_vjp(d) -> Rule | None:
    # The Hadamard shortcut: the Jacobian is diag(d), so g·J = g ⊙ d.
    if d is None:
        return None
    if isinstance(d, (int, float)):
        if d == 1:
            return _identity_rule
        if d == -1:
            return _negate_rule
        raise ValueError("a constant elementwise derivative must be 1 or -1")

    def vjp(g, out, *args):
        return g * d(out, *args)
    return vjp


_diag_jvp = _diag_vjp  # J t = d ⊙ t: the same product from the other side


def _linear_jvp(op: Op) -> Rule:
    # J t for a linear op is the op applied to t, with axis-like params
    # shifted past the batch axes that t may carry in front.
    from .tape import bind

    def jvp(t, out, x, *params):
        nb = _ndim(t) - _ndim(x)
        if nb and op.batch_params is not None:
            params = op.batch_params(tuple(t.shape[:nb]), *params)
        return bind(op, (t,), params)
    return jvp


def _ndim(x) -> int:
    return x.ndim if hasattr(x, "ndim") else 0


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
