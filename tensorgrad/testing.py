"""Test cases for every registered op, generated from the registry.

The test suite and ``tensorgrad check`` both use these helpers, so an op is
checked the moment it is registered: its examples (or default shapes for its
kind) become concrete inputs drawn from the op's input domain.

:func:`jax_references` gives JAX's answers for one case (value, VJP, JVP,
Jacobian, second order) computed in a single compiled JAX call and kept for
the rest of the process, so the many checks of one case pay for JAX once.
"""
from __future__ import annotations

import hashlib
import importlib
import os
import re
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .registry import REGISTRY, Example, Op

__all__ = ["Case", "op_cases", "default_examples", "jax_reference", "sample", "Probes",
           "all_cases", "complex_cases",
           "References", "jax_references", "case_group", "central_difference_gradient"]

# Shapes every elementwise op runs on: scalars, size-1 axes and broadcast pairs.
UNARY_SHAPES = [(), (3,), (3, 1), (1, 4), (2, 3, 4)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 4)), ((), (2, 3)),
                 ((2, 1, 4), (3, 1)), ((1,), (2, 3, 4))]
TERNARY_SHAPES = [((3, 4), (3, 4), (3, 4)), ((3, 4), (3, 1), (1, 4)), ((2, 3), (), (2, 3))]


@dataclass
class Case:
    """Concrete inputs for one op: all arguments, params, and which are differentiated."""

    op: Op
    args: list
    params: dict
    diff: tuple
    label: str

    def fn(self, backend: Callable) -> Callable:
        """``f(*diff_args)`` calling ``backend(*all_args, **params)``."""
        def f(*xs):
            full = list(self.args)
            for i, x in zip(self.diff, xs):
                full[i] = x
            return backend(*full, **self.params)
        return f

    @property
    def diff_args(self) -> list:
        return [self.args[i] for i in self.diff]


def central_difference_gradient(f: Callable, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The gradient of a scalar NumPy function ``f`` at ``x`` by central differences, one
    entry at a time: (f(x + eps·eᵢ) − f(x − eps·eᵢ)) / (2·eps). A reference for tests (error
    about eps² times the third derivative)."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def default_examples(op: Op) -> list[Example]:
    """The op's examples, or default shapes for its one to three inputs (of any kind: an op
    whose inputs need particular shapes gives examples, or its cases fail in the table)."""
    if op.examples:
        return op.examples
    table = {1: UNARY_SHAPES, 2: BINARY_SHAPES, 3: TERNARY_SHAPES}.get(op.nargs)
    if table is None or op.variadic:
        raise ValueError(f"op {op.name!r} has no examples and no default shapes: give "
                         f"examples=[Example((shape, ...))] for its {op.nargs or 'variable'} inputs")
    return [Example((s,)) if op.nargs == 1 else Example(s) for s in table]


def sample(domain: str, shape: tuple, rng: np.random.Generator, dtype=np.float64):
    """Random inputs inside an op's valid domain."""
    if domain == "real":
        a = rng.normal(size=shape)
    elif domain == "positive":
        a = rng.uniform(0.5, 2.0, size=shape)
    elif domain == "unit":
        a = rng.uniform(-0.9, 0.9, size=shape)
    elif domain == "above_one":  # arccosh: (1, ∞), away from the infinite slope at 1
        a = rng.uniform(1.2, 3.0, size=shape)
    elif domain == "open_unit":  # logit: (0, 1), away from both ends
        a = rng.uniform(0.1, 0.9, size=shape)
    elif domain == "nonzero":
        a = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.3, 2.0, size=shape)
    elif domain == "distinct":  # well-separated values: no ties, no kinks within FD steps
        n = int(np.prod(shape))
        a = (rng.permutation(n) * 0.37 - 0.2 * n + rng.uniform(-0.05, 0.05, size=n)).reshape(shape)
    elif domain == "some_nan":  # nansum, nanmean: every third entry NaN (in flat order)
        a = rng.normal(size=shape)
        a.reshape(-1)[1::3] = np.nan
    elif domain == "bool":
        return rng.random(size=shape) > 0.5
    elif domain == "wellcond":  # square matrices near the identity: far from singular
        a = np.eye(shape[-1]) + 0.3 * rng.normal(size=shape) / np.sqrt(shape[-1])
    elif domain == "spd":  # symmetric positive definite matrices, well conditioned
        m = rng.normal(size=shape)
        a = m @ np.swapaxes(m, -1, -2) / shape[-1] + np.eye(shape[-1])
    elif domain == "probs":
        e = np.exp(rng.normal(size=shape))
        a = e / e.sum(axis=-1, keepdims=True)
    else:
        raise ValueError(f"unknown domain {domain!r}")
    return np.asarray(a, dtype=dtype)


def op_cases(op: Op, seed: int = 0, dtype=np.float64) -> list[Case]:
    """One :class:`Case` per example of ``op``, with reproducible random inputs."""
    rng = np.random.default_rng(seed)
    cases = []
    for k, ex in enumerate(default_examples(op)):
        domains = ex.domain or op.domain
        args, diff = [], []
        for i, a in enumerate(ex.args):
            dom = domains[i] if isinstance(domains, tuple) else domains
            if isinstance(a, tuple):
                args.append(sample(dom, a, rng, dtype))
                if dom not in ("bool", "probs"):
                    diff.append(i)
            else:
                args.append(a)
        if ex.diff is not None:
            diff = list(ex.diff)
        shapes = ", ".join(str(np.shape(a)) for a in args)
        label = f"{op.name}[{k}]({shapes}{', ' if ex.params else ''}" \
                f"{', '.join(f'{p}={v!r}' for p, v in ex.params.items())})"
        cases.append(Case(op, args, dict(ex.params), tuple(diff), label))
    return cases


def jax_reference(op: Op) -> Callable:
    """The JAX function an op is compared with, called as ``ref(*args, **params)``."""
    ref = op.jax
    if ref is None:
        raise ValueError(f"op {op.name!r} names no JAX reference")
    import jax.numpy as jnp
    if callable(ref):
        return lambda *a, **p: ref(jnp, *a, **p)
    module, _, attr = ref.rpartition(".")
    fn = getattr(importlib.import_module(module), attr)
    return fn


def all_cases(seed: int = 0) -> list[Case]:
    """The real table: every example of every op, except those whose output is complex
    (``tg.lax.complex``, the FFTs of real inputs), which :func:`complex_cases` covers."""
    return [c for op in REGISTRY.values() for c in op_cases(op, seed)
            if not (op.complex and np.iscomplexobj(c.fn(op)(*c.diff_args)))]


def complex_cases(seed: int = 0, per_op: int = 2) -> list[Case]:
    """The complex table: the first ``per_op`` examples of every differentiable op
    registered with ``complex=True``, each real differentiated input given an imaginary
    part (inputs stay real where the op takes real inputs only: ``complex``, ``rfft``).
    Elementwise ops also get inputs of negative real part (their examples' domain is a
    real one: log's and sqrt's positive numbers are only part of their complex domain).
    An op of several differentiated inputs also has a *mixed* case, its first example
    with only the last input complex: a real input meeting a complex one."""
    rng = np.random.default_rng(seed + 11)

    def complexify(op, a):
        if op.kind == "diagonal":
            a = a * rng.choice([-1.0, 1.0], size=a.shape)
        # (a positive-definite matrix stays one, its eigenvalues at least 1, when the imaginary
        # parts of the triangle the op reads are small)
        spd = "spd" in ((op.domain,) if isinstance(op.domain, str) else tuple(op.domain or ()))
        return a + 1j * ((0.1 / a.shape[-1] if spd else 0.5) * rng.normal(size=a.shape))

    def runs(c):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", np.exceptions.ComplexWarning)
                c.fn(c.op)(*c.diff_args)
            return True
        except (TypeError, np.exceptions.ComplexWarning):  # real inputs only, or a real cast
            return False

    cases = []
    for op in REGISTRY.values():
        if not op.complex or op.kind == "none":
            continue
        for k, case in enumerate(op_cases(op, seed)[:per_op]):
            floats = [i for i in case.diff if isinstance(case.args[i], np.ndarray)
                      and case.args[i].dtype.kind == "f"]
            args = list(case.args)
            for i in floats:
                args[i] = complexify(op, args[i])
            c = Case(op, args, case.params, case.diff, "complex " + case.label)
            cases.append(c if runs(c) else Case(op, list(case.args), case.params, case.diff, c.label))
            if k == 0 and len(floats) > 1:
                args = list(case.args)
                args[floats[-1]] = complexify(op, args[floats[-1]])
                c = Case(op, args, case.params, case.diff, "complex mixed " + case.label)
                if runs(c):
                    cases.append(c)
    return cases


# "...::test_name[op[k](" -- a pytest id whose parameter is a case (its label)
_CASE_ID = re.compile(r"::[^\[]+\[([^\[\]()]+)\[(\d+)\]\(")


def case_group(test_id: str) -> str | None:
    """``"op-k"`` for the id of a test parametrized by the k-th case of an op, else None.

    The test run keeps all tests of one case together (one xdist worker, one after the
    other), so JAX's references for the case are computed once.
    """
    m = _CASE_ID.search(test_id)
    return f"{m[1]}-{m[2]}" if m else None


# ---- JAX's answers for a case, computed once ---------------------------------------------

@dataclass
class Probes:
    """The random directions a case's derivatives are checked along (same every run).

    ``u`` is the VJP's cotangent (the output's shape) and ``v`` the JVP's tangents (one per
    differentiated input); second order scalarizes the output as ``sum(w * f(x))`` and
    differentiates along ``v2``.
    """

    u: np.ndarray
    v: tuple
    w: np.ndarray
    v2: tuple


def probes(case: Case, out_shape: tuple, complex_out: bool = False) -> Probes:
    """The probe directions of ``case`` whose output has shape ``out_shape`` (a complex
    output, ``complex_out``, gets a complex cotangent ``u``: JAX's VJP wants the output's dtype)."""
    shapes = [np.shape(x) for x in case.diff_args]
    rng = np.random.default_rng(1)
    u = rng.normal(size=out_shape)
    if complex_out:
        u = u + 1j * rng.normal(size=out_shape)
    rng = np.random.default_rng(2)
    v = tuple(rng.normal(size=s) for s in shapes)
    rng = np.random.default_rng(5)
    w = rng.normal(size=out_shape)
    v2 = tuple(rng.normal(size=s) for s in shapes)
    return Probes(u, v, w, v2)


@dataclass
class References:
    """JAX's results for one case: ``refs["vjp"]`` and so on.

    Parts: ``value``; for differentiable cases ``vjp`` (cotangents of ``probes.u``), ``jvp``
    (value and tangent along ``probes.v``), ``jacobian`` (``jax.jacfwd``, one per input);
    for ops with second order ``hvp`` (H v2 of ``sum(w * f)``, forward over reverse). It is
    also the reference for reverse over reverse, the gradient of ``<grad sum(w * f), v2>``:
    the Hessian is symmetric, so that is the same vector.
    Reading a part JAX failed to compute raises JAX's error.
    """

    case: Case
    probes: Probes
    parts: dict = field(default_factory=dict)
    compiled: bool = True   # False when JAX ran the parts eagerly (reference not traceable)

    def __getitem__(self, name: str):
        value = self.parts[name]
        if isinstance(value, BaseException):
            raise RuntimeError(f"JAX could not compute the {name!r} reference of "
                               f"{self.case.label}: {value!r}") from value
        return value

    def __contains__(self, name: str) -> bool:
        return name in self.parts


_REFERENCES: OrderedDict = OrderedDict()
_KEEP = 64  # cases whose references stay cached (the test run groups a case's checks)
# each reference program is compiled once and runs once on tiny arrays: compile fast
# (XLA's optimizations, fusion emitters and LLVM's expensive passes cost more than they
# save); dropped if this JAX does not know them
_COMPILE_OPTIONS: dict | None = {"xla_backend_optimization_level": 0,
                                 "xla_cpu_use_fusion_emitters": False,
                                 "xla_llvm_disable_expensive_passes": True}


def _run_compiled(jax: Any, fn: Callable, args: tuple):
    """``jax.jit(fn)(*args)``, with the fast-compile options when JAX accepts them."""
    global _COMPILE_OPTIONS
    if _COMPILE_OPTIONS:
        try:
            return jax.jit(fn, compiler_options=_COMPILE_OPTIONS)(*args)
        except Exception as e:  # an older JAX: no such argument, or no such option
            if "compile option" not in str(e) and "compiler_options" not in str(e):
                raise
            _COMPILE_OPTIONS = None
    return jax.jit(fn)(*args)


def default_xla_options() -> dict | None:
    """``compiler_options`` for ``jax.jit`` that bring back XLA's default CPU compilation when
    ``XLA_FLAGS`` lowered it (the test suite does, to compile faster), for a reference whose
    rounding or NaN handling is compared exactly: the fast settings differ there (a NaN
    rounded to no mantissa bits, the solution of a singular triangular system)."""
    flags = os.environ.get("XLA_FLAGS", "")
    if any(f in flags for f in ("xla_cpu_use_fusion_emitters=false", "xla_backend_optimization_level=0",
                                "xla_llvm_disable_expensive_passes=true")):
        return {"xla_cpu_use_fusion_emitters": True, "xla_backend_optimization_level": 3,
                "xla_llvm_disable_expensive_passes": False}
    return None


def _case_key(case: Case) -> tuple:
    digest = hashlib.sha1()
    for a in case.args:
        if isinstance(a, np.ndarray):
            digest.update(str((a.dtype, a.shape)).encode())
            digest.update(np.ascontiguousarray(a).tobytes())
        else:
            digest.update(repr(a).encode())
    digest.update(repr(sorted(case.params.items())).encode())
    return case.op.name, case.label, case.diff, digest.hexdigest()


def _reference_parts(case: Case, second_order: bool, jnp: Any, jax: Any) -> dict:
    """name -> function(xs, u, v, w, v2) computing that reference with JAX."""
    ref = jax_reference(case.op)
    f = case.fn(lambda *a, **p: ref(*[jnp.asarray(x) if isinstance(x, np.ndarray) else x
                                      for x in a], **p))
    argnums = tuple(range(len(case.diff)))
    parts = {"value": lambda xs, u, v, w, v2: f(*xs)}
    if case.op.kind == "none" or not case.diff:
        return parts

    def vjp(xs, u, v, w, v2):
        return jax.vjp(f, *xs)[1](u)

    def scalar(w):
        return lambda *ys: jnp.sum(w * f(*ys))

    def hvp(xs, u, v, w, v2):
        return jax.jvp(jax.grad(scalar(w), argnums=argnums), tuple(xs), tuple(v2))[1]

    parts["vjp"] = vjp
    parts["jvp"] = lambda xs, u, v, w, v2: jax.jvp(f, tuple(xs), tuple(v))
    parts["jacobian"] = lambda xs, u, v, w, v2: jax.jacfwd(f, argnums=argnums)(*xs)
    if second_order and case.op.second_order:
        parts["hvp"] = hvp
    return parts


def jax_references(case: Case, second_order: bool = True) -> References:
    """JAX's results for ``case`` (see :class:`References`), computed once per process.

    All parts are traced into one ``jax.jit`` call, so JAX compiles once per case instead
    of once per primitive and shape; a reference that cannot be traced (it needs concrete
    values) runs eagerly, part by part. Results are NumPy arrays. ``second_order=False``
    leaves out the second-order parts. Needs JAX (64-bit mode is switched on).
    """
    key = _case_key(case)
    for k in ((key, True), (key, second_order)):
        hit = _REFERENCES.get(k)
        if hit is not None:
            _REFERENCES.move_to_end(k)
            return hit
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    xs = [np.asarray(x) for x in case.diff_args]
    out = case.fn(case.op)(*xs)
    pr = probes(case, np.shape(out), np.iscomplexobj(out))
    parts = _reference_parts(case, second_order, jnp, jax)
    args = (xs, pr.u, pr.v, pr.w, pr.v2)
    to_numpy = lambda t: jax.tree_util.tree_map(np.asarray, t)  # noqa: E731
    try:
        results = to_numpy(_run_compiled(jax, lambda *a: {k: fn(*a) for k, fn in parts.items()}, args))
        compiled = True
    except Exception:  # not traceable as a whole: each part on its own, eagerly
        results, compiled = {}, False
        for name, fn in parts.items():
            try:
                results[name] = to_numpy(fn(*args))
            except Exception as e:  # noqa: BLE001 - kept, raised when the part is read
                results[name] = e
    refs = References(case, pr, results, compiled)
    _REFERENCES[(key, second_order)] = refs
    while len(_REFERENCES) > _KEEP:
        _REFERENCES.popitem(last=False)
    return refs
