"""Cross-check derivatives: yours, tensorgrad's, finite differences and JAX.

Three tools for the reader who has just derived a gradient by hand:

* :func:`check_grads` — central finite differences and the adjoint identity
  ⟨u, J v⟩ = ⟨Jᵀ u, v⟩ for forward (JVP) and reverse (VJP) mode, at every
  order up to ``order`` (order k checks the derivative of the order k−1
  derivative functions). Raises :class:`GradCheckError` with a readable
  report of the worst Jacobian entries.
* :func:`compare_grad` / :func:`compare_jacobian` — a hand-derived gradient
  or Jacobian function against ``tg.grad`` / ``tg.jacrev``, with the maximum
  absolute and relative error per output.
* :func:`compare_with_jax` — a tensorgrad function against JAX's autodiff of
  the same function (converted by :func:`tensorgrad.to_jax`, or a JAX
  function you supply): values, gradient, JVP, VJP and Jacobian, the worst
  entries with their index, and the first op where the two differ.

:func:`op_table` runs the same checks over every registered op (the
``tensorgrad check`` command prints it).

Errors are reported as ``max |a − b|`` (absolute) and ``max |a − b| / max |b|``
(relative to the size of the reference).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from . import jax_check as _jc
from . import ops
from . import transforms as T
from .jax_backend import require_jax, to_jax
from .nn.layers import named_parameters
from .registry import REGISTRY
from .tensor import concrete
from .testing import jax_reference, op_cases
from .tree import tree_flatten, tree_leaves, tree_unflatten

__all__ = ["check_grads", "GradCheckError", "compare_grad", "compare_jacobian",
           "compare_with_jax", "Comparison", "JaxComparison", "op_table", "format_op_table", "OpRow"]


class GradCheckError(AssertionError):
    """A derivative disagrees with its reference; the message is the report."""


def _errors(got, want) -> tuple[float, float]:
    a = np.asarray(concrete(got), dtype=float)
    b = np.asarray(concrete(want), dtype=float)
    if a.shape != b.shape:
        return float("inf"), float("inf")
    if a.size == 0:
        return 0.0, 0.0
    with np.errstate(invalid="ignore"):
        diff = np.abs(a - b)
        diff = np.where(np.isnan(a) & np.isnan(b), 0.0, diff)
        diff = np.where((a == b), 0.0, diff)  # equal infinities
    ab = float(np.max(diff))
    scale = float(np.max(np.abs(b[np.isfinite(b)]), initial=0.0))
    return ab, (ab / scale if scale > 0 else (0.0 if ab == 0 else float("inf")))


# ---------------------------------------------------------------- check_grads
def _vdot(a, b) -> float:
    return float(sum(np.vdot(np.asarray(concrete(x), float), np.asarray(concrete(y), float))
                     for x, y in zip(tree_leaves(a), tree_leaves(b))))


def _random_like(tree, rng):
    leaves, td = tree_flatten(tree)
    return tree_unflatten(td, [rng.normal(size=np.shape(concrete(v))) for v in leaves])


def _flat_out(fn):
    """fn with its output pytree concatenated into one vector (for entrywise reports)."""
    def g(*xs):
        leaves = tree_leaves(fn(*xs))
        parts = [ops.reshape(v, (-1,)) for v in leaves]
        return parts[0] if len(parts) == 1 else ops.concatenate(parts)
    return g


def _worst_entries(fn, xs, mode, eps, k=5, limit=4000) -> list[str]:
    sizes = [int(np.size(x)) for x in xs]
    flat = _flat_out(fn)
    out_size = int(np.size(flat(*xs)))
    if sum(sizes) * max(out_size, 1) > limit * 50 or sum(sizes) > limit:
        return [f"(Jacobian {out_size}×{sum(sizes)} too large for an entrywise report)"]
    jac = (T.jacfwd if mode == "fwd" else T.jacrev)(flat, argnums=tuple(range(len(xs))))(*xs)
    rows = []
    for i, (x, J) in enumerate(zip(xs, jac)):
        J = np.asarray(J).reshape(out_size, -1)
        x = np.asarray(x, float)
        for j in range(x.size):
            e = np.zeros(x.size)
            e[j] = eps
            e = e.reshape(x.shape)
            plus = list(xs)
            minus = list(xs)
            plus[i], minus[i] = x + e, x - e
            col = (np.asarray(flat(*plus)) - np.asarray(flat(*minus))) / (2 * eps)
            for o in range(out_size):
                idx = [int(k) for k in np.unravel_index(j, x.shape)]
                rows.append((abs(J[o, j] - col[o]), o, i, idx, J[o, j], col[o]))
    rows.sort(key=lambda r: -r[0])
    return [f"out[{o}] / arg{i}{idx}: autodiff {a:.10g}, finite differences {b:.10g} "
            f"(abs. error {d:.2e})" for d, o, i, idx, a, b in rows[:k]]


def check_grads(f: Callable, *args: Any, order: int = 2, modes: Sequence[str] = ("fwd", "rev"),
                eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-7, seed: int = 0) -> None:
    """Check the derivatives of ``f(*args)`` up to ``order`` in forward and/or reverse mode.

    At each order, for random directions v (inputs) and u (outputs):
    ``fwd`` compares ⟨u, J v⟩ from ``tg.jvp`` with central differences
    (⟨u, f(x + εv)⟩ − ⟨u, f(x − εv)⟩)/2ε; ``rev`` compares ⟨Jᵀu, v⟩ from
    ``tg.vjp`` with the same number; with both modes the adjoint identity
    ⟨u, J v⟩ = ⟨Jᵀu, v⟩ must hold to rounding. Order k + 1 repeats this on
    the order-k derivative functions (x, v) ↦ J(x)v and (x, u) ↦ J(x)ᵀu.
    All ``args`` (pytrees of float arrays) are differentiated.

    Raises :class:`GradCheckError` naming the order, mode and worst entries.
    """
    modes = tuple(modes)
    bad = [m for m in modes if m not in ("fwd", "rev")]
    if bad or not modes:
        raise ValueError(f"check_grads: modes must be a non-empty subset of ('fwd', 'rev'), got {modes}")
    if order < 1:
        raise ValueError(f"check_grads: order must be ≥ 1, got {order}")
    leaves, td = tree_flatten(list(args))
    xs = []
    for i, v in enumerate(leaves):
        a = np.asarray(concrete(v))
        if a.dtype.kind != "f":
            raise TypeError(f"check_grads: argument leaf {i} has dtype {a.dtype}; all arguments are "
                            "differentiated, so they must be floating point (close over constants)")
        xs.append(a.astype(np.float64))

    def flat_f(*ls):
        return f(*tree_unflatten(td, list(ls)))
    name = getattr(f, "__name__", "f")
    _check(flat_f, xs, order, modes, eps, rtol, atol, np.random.default_rng(seed), name, "")


def _check(fn, xs, order, modes, eps, rtol, atol, rng, name, path):
    out = fn(*xs)
    vs = [rng.normal(size=np.shape(x)) for x in xs]
    u = _random_like(out, rng)
    plus = fn(*[x + eps * v for x, v in zip(xs, vs)])
    minus = fn(*[x - eps * v for x, v in zip(xs, vs)])
    fd = (_vdot(u, plus) - _vdot(u, minus)) / (2 * eps)
    here = f"order {1 + len(path.split(' of ')) if path else 1}" + (f" ({path})" if path else "")
    results = {}
    if "fwd" in modes:
        _, t = T.jvp(fn, xs, vs)
        results["fwd"] = _vdot(u, t)
    if "rev" in modes:
        _, vjp_fn = T.vjp(fn, *xs)
        ct = vjp_fn(tree_unflatten(tree_flatten(out)[1], tree_leaves(u)))
        results["rev"] = _vdot(ct, vs)
    for mode, val in results.items():
        if not abs(val - fd) <= atol + rtol * max(abs(val), abs(fd)):
            what = "⟨u, J v⟩ by tg.jvp" if mode == "fwd" else "⟨Jᵀu, v⟩ by tg.vjp"
            lines = [f"check_grads({name}): {mode}-mode derivative disagrees with finite differences "
                     f"at {here}",
                     f"  {what}: {val:.12g}",
                     f"  central differences (eps={eps:g}): {fd:.12g}",
                     f"  difference {abs(val - fd):.3e} > atol {atol:g} + rtol {rtol:g}·|value|",
                     "  worst Jacobian entries:"]
            lines += ["    " + s for s in _worst_entries(fn, xs, mode, eps)]
            if path:
                lines.append("  (at order > 1 the function checked is the lower-order derivative; "
                             "its later arguments are the direction vectors v or u)")
            raise GradCheckError("\n".join(lines))
    if len(results) == 2:
        a, b = results["fwd"], results["rev"]
        if not abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)):
            raise GradCheckError(f"check_grads({name}): adjoint identity fails at {here}: "
                                 f"⟨u, J v⟩ = {a:.15g} but ⟨Jᵀu, v⟩ = {b:.15g} "
                                 "(the JVP and VJP rules are not transposes of each other)")
    if order > 1:
        n = len(xs)
        if "fwd" in modes:
            def jvp_fn(*xv):
                return T.jvp(fn, list(xv[:n]), list(xv[n:]))[1]
            _check(jvp_fn, xs + vs, order - 1, modes, eps, rtol, atol, rng, name,
                   "JVP" + (f" of {path}" if path else ""))
        if "rev" in modes:
            out_td = tree_flatten(out)[1]

            def vjp_of(*xu):
                ct = tree_unflatten(out_td, list(xu[n:]))
                return T.vjp(fn, *xu[:n])[1](ct)
            _check(vjp_of, xs + [np.asarray(c, float) for c in tree_leaves(u)], order - 1, modes,
                   eps, rtol, atol, rng, name, "VJP" + (f" of {path}" if path else ""))


# ------------------------------------------------------------ comparisons
@dataclass
class Comparison:
    """Rows of (what, output, max abs error, max rel error, ok), printable as a table."""

    title: str
    rows: list = field(default_factory=list)
    rtol: float = 1e-6
    atol: float = 1e-9

    def add(self, what: str, name: str, got, want) -> None:
        ab, rel = _errors(got, want)
        shape_ok = np.shape(concrete(got)) == np.shape(concrete(want))
        note = "" if shape_ok else f"shape {np.shape(concrete(got))} vs {np.shape(concrete(want))}"
        ok = shape_ok and (ab <= self.atol or rel <= self.rtol)
        self.rows.append((what, name, ab, rel, ok, note))

    @property
    def ok(self) -> bool:
        return all(r[4] for r in self.rows)

    @property
    def max_abs(self) -> float:
        return max((r[2] for r in self.rows), default=0.0)

    @property
    def max_rel(self) -> float:
        return max((r[3] for r in self.rows), default=0.0)

    def __str__(self) -> str:
        w1 = max([len(r[0]) for r in self.rows] + [5])
        w2 = max([len(r[1]) for r in self.rows] + [6])
        lines = [self.title, f"  {'check':{w1}}  {'output':{w2}}  {'max abs err':>11}  {'max rel err':>11}"]
        for what, name, ab, rel, ok, note in self.rows:
            lines.append(f"  {what:{w1}}  {name:{w2}}  {ab:11.2e}  {rel:11.2e}  "
                         f"{'ok' if ok else 'MISMATCH'}{'  ' + note if note else ''}")
        return "\n".join(lines)

    def assert_ok(self) -> "Comparison":
        """Raise :class:`GradCheckError` with the table unless every row is within tolerance."""
        if not self.ok:
            raise GradCheckError(f"{self}\n(tolerance: abs {self.atol:g} or rel {self.rtol:g})")
        return self


def _names(tree, prefix="") -> list[str]:
    if not isinstance(tree, (dict, list, tuple)):
        return [prefix or "out"]
    return [prefix + k for k in named_parameters(tree)]


def compare_grad(hand_grad: Callable, f: Callable, *args: Any, argnums=0,
                 rtol: float = 1e-6, atol: float = 1e-9) -> Comparison:
    """Compare ``hand_grad(*args)`` with ``tg.grad(f, argnums)(*args)``, leaf by leaf.

    ``hand_grad`` returns a gradient with the same pytree structure as the
    argument(s) selected by ``argnums`` (the book's δ-rule gradients, say).
    """
    want = T.grad(f, argnums=argnums)(*args)
    got = hand_grad(*args)
    return _compare_trees("gradient", got, want, f"hand-derived gradient vs tg.grad", rtol, atol)


def compare_jacobian(hand_jac: Callable, f: Callable, *args: Any, argnums=0,
                     rtol: float = 1e-6, atol: float = 1e-9) -> Comparison:
    """Compare ``hand_jac(*args)`` with ``tg.jacrev(f, argnums)(*args)`` (JAX's layout:
    ``out.shape + in.shape``) and with ``tg.jacfwd``."""
    want = T.jacrev(f, argnums=argnums)(*args)
    got = hand_jac(*args)
    cmp = _compare_trees("Jacobian vs jacrev", got, want, "hand-derived Jacobian vs tg.jacrev / tg.jacfwd",
                         rtol, atol)
    fwd = T.jacfwd(f, argnums=argnums)(*args)
    for name, g, w in zip(_names(fwd), tree_leaves(got), tree_leaves(fwd)):
        cmp.add("Jacobian vs jacfwd", name, g, w)
    return cmp


def _compare_trees(what, got, want, title, rtol, atol) -> Comparison:
    cmp = Comparison(title, rtol=rtol, atol=atol)
    gl, gtd = tree_flatten(got)
    wl, wtd = tree_flatten(want)
    if len(gl) != len(wl):
        raise ValueError(f"{title}: the hand-derived result has {len(gl)} arrays ({gtd}) but "
                         f"tensorgrad's has {len(wl)} ({wtd})")
    for name, g, w in zip(_names(want), gl, wl):
        cmp.add(what, name, g, w)
    return cmp


class JaxComparison(Comparison):
    """A :class:`Comparison` of tensorgrad with JAX that also keeps, per row, the
    entry of largest difference (``worst``: row → (index, tensorgrad, JAX,
    abs. error)) and, on a mismatch, ``first_difference``: the first recorded
    op whose value, VJP or JVP differs from its JAX counterpart."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.worst: dict = {}
        self.first_difference: str | None = None

    def add(self, what: str, name: str, got, want) -> None:
        super().add(what, name, got, want)
        e = _jc.worst_entry(got, want)
        if e is not None:
            self.worst[(what, name)] = e

    def __str__(self) -> str:
        lines = [super().__str__()]
        shown = sorted(self.worst.items(), key=lambda kv: -kv[1][3])[:5]
        if shown and not self.ok:
            lines.append("  worst entries:")
            lines += [f"    {what} " + _jc.describe_entry(name, e) for (what, name), e in shown]
        if self.first_difference:
            lines.append(f"  first difference: {self.first_difference}")
        return "\n".join(lines)


def compare_with_jax(f: Callable, *args: Any, jax_f: Callable | None = None, argnums=0,
                     checks: Sequence[str] = ("value", "grad", "jvp", "vjp", "jacobian"),
                     rtol: float = 1e-9, atol: float = 1e-12, seed: int = 0) -> JaxComparison:
    """Compare tensorgrad's derivatives of ``f`` with JAX's autodiff of the same function.

    ``f`` itself is converted with :func:`tensorgrad.to_jax` (its
    ``tg.custom_vjp`` / ``custom_jvp`` rules ignored on the JAX side, so they
    are checked too), unless you pass a JAX function ``jax_f=`` (also
    accepted as the second positional argument). Value, gradient (scalar
    outputs), JVP, VJP and Jacobian are compared leaf by leaf; the report
    names each row's worst entry with its index and, on a mismatch, the first
    recorded op whose value or derivative differs from JAX's. Float64 inputs
    switch JAX to 64-bit mode (``jax_enable_x64``) so both sides compute in
    the same precision.
    """
    jax = require_jax("compare_with_jax")
    jnp = jax.numpy
    if jax_f is None and args and callable(args[0]):
        jax_f, args = args[0], args[1:]  # the older form compare_with_jax(f, jax_f, *args)
    if jax_f is None:
        jax_f = to_jax(f, custom_rules=False)
    if any(np.asarray(concrete(v)).dtype == np.float64 for v in tree_leaves(list(args))):
        jax.config.update("jax_enable_x64", True)
    single = isinstance(argnums, (int, np.integer))
    nums = (int(argnums),) if single else tuple(argnums)
    rng = np.random.default_rng(seed)
    as_jax = lambda t: jax.tree_util.tree_map(jnp.asarray, t)  # noqa: E731

    def sel(fun):
        def g(*picked):
            full = list(args)
            for k, p in zip(nums, picked):
                full[k] = p
            return fun(*full)
        return g
    xs = [args[k] for k in nums]
    jxs = [as_jax(x) for x in xs]
    tf, jf = sel(f), sel(jax_f)
    cmp = JaxComparison(f"tensorgrad vs JAX for {getattr(f, '__name__', 'f')}", rtol=rtol, atol=atol)
    out = tf(*xs)
    out_names = _names(out)
    vs = [_random_like(x, rng) for x in xs]
    u = _random_like(out, rng)
    scalar = len(tree_leaves(out)) == 1 and np.size(concrete(tree_leaves(out)[0])) == 1
    every = tuple(range(len(xs)))

    def like(t, ref):  # JAX wants tangents and cotangents in the primals' own dtypes
        return jax.tree_util.tree_map(lambda a, r: jnp.asarray(a, dtype=jnp.result_type(r)), t, ref)

    def jax_side(jxs, jvs, ju):
        res = {"value": jf(*jxs)}
        if "jvp" in checks:
            res["jvp"] = jax.jvp(jf, tuple(jxs), tuple(jvs))[1]
        if "vjp" in checks:
            res["vjp"] = jax.vjp(jf, *jxs)[1](ju)
        if "grad" in checks and scalar:
            res["grad"] = jax.grad(jf, argnums=every)(*jxs)
        if "jacobian" in checks:
            res["jacobian"] = jax.jacfwd(jf, argnums=every)(*jxs)
        return res
    jvs = [like(v, x) for v, x in zip(vs, jxs)]
    ju = like(u, jax.eval_shape(jf, *jxs))
    try:  # one compiled computation for every check
        want = jax.jit(jax_side)(jxs, jvs, ju)
    except jax.errors.JAXTypeError:  # a jax_f that reads values in Python: run it op by op
        want = jax_side(jxs, jvs, ju)

    def add_all(what, got, ref, names=None):
        gl, wl = tree_leaves(got), jax.tree_util.tree_leaves(ref)
        names = names or _names(got)
        if len(gl) != len(wl):
            raise ValueError(f"compare_with_jax: {what}: tensorgrad gives {len(gl)} arrays, JAX {len(wl)}")
        for n, g, w in zip(names, gl, wl):
            cmp.add(what, n, g, np.asarray(w))

    if "value" in checks:
        add_all("value", out, want["value"], out_names)
    arg_names = [f"arg{k}" + ("." + n if n != "out" else "") for k, x in zip(nums, xs) for n in _names(x)]
    if "jvp" in checks:
        add_all("jvp", T.jvp(tf, xs, vs)[1], want["jvp"], out_names)
    if "vjp" in checks:
        add_all("vjp", T.vjp(tf, *xs)[1](u), want["vjp"], arg_names)
    if "grad" in checks and scalar:
        add_all("grad", T.grad(tf, argnums=every)(*xs), want["grad"], arg_names)
    if "jacobian" in checks:
        J = T.jacrev(tf, argnums=every)(*xs)
        add_all("jacobian", J, want["jacobian"], [f"d{o}/d{a}" for o in out_names for a in arg_names]
                if len(tree_leaves(J)) == len(out_names) * len(arg_names) else None)
    if not cmp.ok:
        try:
            cmp.first_difference = _jc.first_difference(tf, xs, rtol, atol, seed)
        except Exception as e:  # the report must not hide the comparison itself
            cmp.first_difference = f"(could not walk the ops: {type(e).__name__}: {e})"
    return cmp


# ------------------------------------------------------------ the per-op table
@dataclass
class OpRow:
    """Worst errors of one op over its examples (NaN where a check does not apply)."""

    name: str
    kind: str
    cases: int
    errors: dict
    ok: bool
    message: str = ""
    seconds: float = 0.0


OP_COLUMNS = ("value/jax", "vjp/jax", "jvp/jax", "jac/jax", "jacrev/jacfwd", "adjoint", "fd")


def op_table(names: Sequence[str] | None = None, seed: int = 0, use_jax: bool = True,
             progress: Callable[[str], None] | None = None) -> list[OpRow]:
    """Check every registered op (or the ones in ``names``) on its examples.

    Per op, the worst relative error over its examples of: the value, VJP,
    JVP and Jacobian against JAX (``use_jax``); jacrev against jacfwd (the
    materialized Jacobians of both sweeps); the adjoint identity; and
    central finite differences of a random directional derivative.
    """
    if names:
        unknown = [n for n in names if n not in REGISTRY]
        if unknown:
            raise KeyError(f"unknown op(s) {unknown}; registered ops: {', '.join(sorted(REGISTRY))}")
        ops = [REGISTRY[n] for n in names]
    else:
        ops = list(REGISTRY.values())
    jnp = None
    if use_jax:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
    rows = []
    for op in ops:
        if progress:
            progress(op.name)
        t0 = time.perf_counter()
        errs = {c: float("nan") for c in OP_COLUMNS}
        message = ""

        def put(col, val):
            errs[col] = val if np.isnan(errs[col]) else max(errs[col], val)
        try:
            cases = op_cases(op, seed)
            for case in cases:
                rng = np.random.default_rng(seed + 1)
                xs = case.diff_args
                f = case.fn(op)
                out = f(*xs)
                jf = None
                if use_jax:
                    ref = jax_reference(op)
                    jf = case.fn(lambda *a, **p: ref(*[jnp.asarray(x) if isinstance(x, np.ndarray) else x
                                                       for x in a], **p))
                    put("value/jax", _errors(out, np.asarray(jf(*xs)))[1])
                if op.kind == "none" or not case.diff:
                    continue
                vs = [rng.normal(size=np.shape(x)) for x in xs]
                u = rng.normal(size=np.shape(out))
                _, t = T.jvp(f, xs, vs)
                ct = T.vjp(f, *xs)[1](u)
                lhs, rhs = float(np.vdot(u, t)), float(sum(np.vdot(a, b) for a, b in zip(ct, vs)))
                put("adjoint", abs(lhs - rhs) / max(abs(lhs), abs(rhs), 1e-300))
                argn = tuple(range(len(xs)))
                jr = T.jacrev(f, argnums=argn)(*xs)
                jfw = T.jacfwd(f, argnums=argn)(*xs)
                put("jacrev/jacfwd", max(_errors(a, b)[1] for a, b in zip(jr, jfw)))
                h = 1e-6
                fd = (np.vdot(u, f(*[x + h * v for x, v in zip(xs, vs)]))
                      - np.vdot(u, f(*[x - h * v for x, v in zip(xs, vs)]))) / (2 * h)
                put("fd", abs(fd - lhs) / max(abs(lhs), 1e-8))
                if use_jax:
                    _, jt = jax.jvp(jf, tuple(map(jnp.asarray, xs)), tuple(map(jnp.asarray, vs)))
                    put("jvp/jax", _errors(t, np.asarray(jt))[1])
                    jct = jax.vjp(jf, *xs)[1](jnp.asarray(u))
                    put("vjp/jax", max(_errors(a, np.asarray(b))[1] for a, b in zip(ct, jct)))
                    jj = jax.jacfwd(jf, argnums=argn)(*xs)
                    put("jac/jax", max(_errors(a, np.asarray(b))[1] for a, b in zip(jr, jj)))
            n = len(cases)
        except Exception as e:  # one broken op must not hide the others
            n, message = 0, f"{type(e).__name__}: {e}"
        tol = max(op.tol, 1e-10) * 100
        ok = not message and all(
            np.isnan(v) or v <= (1e-5 if k == "fd" else tol) for k, v in errs.items())
        rows.append(OpRow(op.name, op.kind, n, errs, ok, message, time.perf_counter() - t0))
    return rows


def format_op_table(rows: Sequence[OpRow]) -> str:
    """The table printed by ``tensorgrad check``: worst relative error per op and check."""
    w = max([len(r.name) for r in rows] + [2])
    head = f"{'op':{w}}  {'kind':8} {'cases':>5}  " + "  ".join(f"{c:>13}" for c in OP_COLUMNS) + "  status"
    lines = [head, "-" * len(head)]
    for r in rows:
        cells = "  ".join(f"{'-':>13}" if np.isnan(r.errors[c]) else f"{r.errors[c]:13.1e}" for c in OP_COLUMNS)
        status = "ok" if r.ok else ("ERROR " + r.message if r.message else "MISMATCH")
        lines.append(f"{r.name:{w}}  {r.kind:8} {r.cases:5d}  {cells}  {status}")
    bad = sum(not r.ok for r in rows)
    lines.append(f"{len(rows)} ops checked, {bad} with problems")
    return "\n".join(lines)


