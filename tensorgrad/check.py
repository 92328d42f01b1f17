"""Cross-check derivatives: yours, tensorgrad's, finite differences and JAX.

Tools for the reader who has just derived a gradient by hand. Each returns a
:class:`Comparison`, a report whose truth value means *agrees*::

    result = tg.check.compare_grad(my_grad, loss, params)
    assert result                      # passes only when every leaf agrees
    result.raise_if_mismatch()         # the same, raising GradCheckError with the report
    print(result)                      # a table, and the worst entries of each leaf

* :func:`compare_grad` / :func:`compare_jacobian` — a hand-derived gradient
  or Jacobian function against ``tg.grad`` / ``tg.jacrev`` (and ``tg.jacfwd``),
  leaf by leaf.
* :func:`compare_with_finite_differences` — tensorgrad's Jacobian against
  central finite differences, entry by entry.
* :func:`compare_with_jax` — a tensorgrad function against JAX's autodiff of
  the same function (converted by :func:`tensorgrad.to_jax`, or a JAX
  function you supply): values, gradient, JVP, VJP and Jacobian, and on a
  mismatch the first recorded op where the two differ.
* :func:`check_grads` — random directional derivatives against central finite
  differences and the adjoint identity ⟨u, J v⟩ = ⟨Jᵀ u, v⟩, in forward and
  reverse mode, at every order up to ``order``. Like JAX's function of the same
  name it raises :class:`GradCheckError` on a mismatch unless
  ``raise_on_mismatch=False``.

Each row of a report is one leaf (one array of a pytree) of one check: its
largest absolute error ``max |a − b|``, its relative error
``max |a − b| / max |b|`` (relative to the size of the reference b), and its
worst entries — index, both values, absolute and relative error
``|a − b| / |b|``. A leaf agrees when its absolute error is within ``atol``
or its relative error within ``rtol``.

:func:`op_table` runs the registry's checks over every registered op (the
``tensorgrad check`` command prints it).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from . import jax_check as _jc
from . import ops
from . import transforms as T
from .custom import ForwardModeError
from .jax_backend import require_jax, to_jax
from .nn.layers import named_parameters
from .registry import REGISTRY
from .reports import Comparison, Entry, GradCheckError, Row, _errors, tolerances  # noqa: F401  (Entry, Row: public here too)
from .tensor import concrete
from .testing import jax_references, op_cases, probes
from .transform_parts import with_args
from .tree import tree_flatten, tree_leaves, tree_unflatten

__all__ = ["check_grads", "GradCheckError", "compare_grad", "compare_jacobian",
           "compare_with_finite_differences", "compare_with_jax", "Comparison", "JaxComparison",
           "Row", "Entry", "op_table", "format_op_table", "OpRow"]


def _names(tree, prefix: str = "") -> list[str]:
    """Leaf names of a pytree: dict keys and list indices joined by dots."""
    if not isinstance(tree, (dict, list, tuple)):
        return [prefix or "out"]
    return list(named_parameters(tree, prefix))


# ---------------------------------------------------------------- check_grads
def _vdot(a, b) -> float:
    """⟨a, b⟩ = Re Σ a·b, no conjugate: the pairing under which a VJP transposes its JVP (for
    real arrays the dot product)."""
    return float(sum(np.real(np.sum(np.asarray(concrete(x)) * np.asarray(concrete(y))))
                     for x, y in zip(tree_leaves(a), tree_leaves(b))))


def _random(shape, dtype, rng):
    a = rng.normal(size=shape)
    return a + 1j * rng.normal(size=shape) if np.dtype(dtype).kind == "c" else a


def _random_like(tree, rng):
    leaves, td = tree_flatten(tree)
    return tree_unflatten(td, [_random(np.shape(concrete(v)), np.result_type(concrete(v)), rng)
                               for v in leaves])


def _flat_out(fn):
    """fn with its output pytree concatenated into one vector (for entrywise reports)."""
    def g(*xs):
        leaves = tree_leaves(fn(*xs))
        parts = [ops.reshape(v, (-1,)) for v in leaves]
        return parts[0] if len(parts) == 1 else ops.concatenate(parts)
    return g


def _fd_jacobian(flat, xs, i, eps):
    """Central-difference Jacobian of the flat output with respect to ``xs[i]``: (out, *x.shape)."""
    x = np.asarray(xs[i], float)
    cols = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = eps
        e = e.reshape(x.shape)
        plus, minus = list(xs), list(xs)
        plus[i], minus[i] = x + e, x - e
        cols.append((np.asarray(concrete(flat(*plus)), float)
                     - np.asarray(concrete(flat(*minus)), float)) / (2 * eps))
    out = len(cols[0]) if cols else int(np.size(concrete(flat(*xs))))
    return (np.stack(cols, axis=-1) if cols else np.zeros((out, 0))).reshape((out,) + x.shape)


def _entry_rows(cmp, fn, xs, names, mode, eps, limit=4000):
    """Rows comparing each input's Jacobian block (tg.jacfwd or jacrev) with finite differences."""
    sizes = [int(np.size(x)) for x in xs]
    flat = _flat_out(fn)
    out0 = concrete(flat(*xs))
    if np.iscomplexobj(out0):  # (jacrev and the real differences below need real outputs)
        cmp.notes.append("(complex outputs: no entrywise report)")
        return
    out_size = int(np.size(out0))
    if sum(sizes) * max(out_size, 1) > limit * 50 or sum(sizes) > limit:
        cmp.notes.append(f"(Jacobian {out_size}×{sum(sizes)} too large for an entrywise report)")
        return
    jac = (T.jacfwd if mode == "fwd" else T.jacrev)(flat, argnums=tuple(range(len(xs))))(*xs)
    for i, (name, J) in enumerate(zip(names, jac)):
        cmp.add(f"{mode} entries", name, np.asarray(J), _fd_jacobian(flat, xs, i, eps))


def check_grads(f: Callable, *args: Any, order: int = 2, modes: Sequence[str] = ("fwd", "rev"),
                eps: float | None = None, rtol: float | None = None, atol: float | None = None,
                seed: int = 0, raise_on_mismatch: bool = True) -> "Comparison":
    """Check the derivatives of ``f(*args)`` up to ``order`` in forward and/or reverse mode.

    At each order, for random directions v (inputs) and u (outputs):
    ``fwd`` compares ⟨u, J v⟩ from ``tg.jvp`` with central differences
    (⟨u, f(x + εv)⟩ − ⟨u, f(x − εv)⟩)/2ε; ``rev`` compares ⟨Jᵀu, v⟩ from
    ``tg.vjp`` with the same number; with both modes the adjoint identity
    ⟨u, J v⟩ = ⟨Jᵀu, v⟩ must hold to rounding. Order k + 1 repeats this on
    the order-k derivative functions (x, v) ↦ J(x)v and (x, u) ↦ J(x)ᵀu.
    All ``args`` (pytrees of float or complex arrays) are differentiated; complex inputs and
    outputs get complex directions, paired by ``Re Σ a·b`` (JAX's convention). The direction
    v is the one the rounded points x ± εv take (at a large x, rounding bends εv). The
    defaults are ``eps=1e-6``,
    ``rtol=1e-5``, ``atol=1e-7``, or ``eps=1e-3``, ``rtol=5e-3``, ``atol=1e-4`` where ``f``
    returns float32 or complex64 (it computes in single precision; the inputs are taken in
    double precision). Entries too large for ``eps`` to move are left out (a note says so);
    when no entry moves, a ``ValueError``.

    Returns a :class:`Comparison` (one row per order and mode; true when all
    agree). On a mismatch the report adds the Jacobian entries of each input
    leaf (rows ``out[i] / leaf[j]``: the flattened output index, then the
    leaf's index) against finite differences, worst first, and — like JAX's
    ``check_grads`` — raises :class:`GradCheckError` with it, unless
    ``raise_on_mismatch=False``. Checking stops at the first failing order.
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
        if a.dtype.kind not in "fc":
            raise TypeError(f"check_grads: argument leaf {i} has dtype {a.dtype}; all arguments are "
                            "differentiated, so they must be floating point or complex (close over "
                            "constants)")
        xs.append(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64))
    names = [n.replace("arg.", "arg", 1) for n in _names(list(args), "arg")]

    def flat_f(*ls):
        return f(*tree_unflatten(td, list(ls)))
    out0 = flat_f(*xs)  # (f at x, once: _check starts from it)
    # the inputs are float64 here: a float32 output was computed in single precision
    single = {np.dtype(np.float32), np.dtype(np.complex64)}
    low = any(np.result_type(concrete(v)) in single for v in tree_leaves(out0))
    eps, rtol, atol = (eps if eps is not None else 1e-3 if low else 1e-6,
                       rtol if rtol is not None else 5e-3 if low else 1e-5,
                       atol if atol is not None else 1e-4 if low else 1e-7)
    name = getattr(f, "__name__", "f")
    cmp = Comparison(f"check_grads({name}): derivatives against central finite differences "
                     f"(eps={eps:g}) and the adjoint identity", rtol=rtol, atol=atol,
                     got="autodiff", want="finite differences")
    _check(cmp, flat_f, xs, names, order, modes, eps, rtol, atol, np.random.default_rng(seed), "", out0)
    if raise_on_mismatch:
        cmp.raise_if_mismatch()
    return cmp


def _check(cmp, fn, xs, names, order, modes, eps, rtol, atol, rng, path, out=None) -> bool:
    out = fn(*xs) if out is None else out
    vs = [_random(np.shape(x), x.dtype, rng) for x in xs]
    u = _random_like(out, rng)
    xp, xm = [x + eps * v for x, v in zip(xs, vs)], [x - eps * v for x, v in zip(xs, vs)]
    # the directions the rounded points x ± εv actually take (a large x rounds εv: at 1e5,
    # by 1e-5 relative for ε = 1e-6), so that both sides differentiate along the same one
    vs, drawn = [(a - b) / (2 * eps) for a, b in zip(xp, xm)], vs
    moved = [float(np.linalg.norm(np.ravel(d))) for d in vs]
    if sum(moved) < 1e-2 * sum(float(np.linalg.norm(np.ravel(v))) for v in drawn):
        raise ValueError(f"check_grads: eps={eps:g} is below the rounding of the inputs (largest "
                         f"entry {max(float(np.max(np.abs(x), initial=0)) for x in xs):.3g}): "
                         "x ± εv cannot move them, and nothing would be checked; pass a larger eps")
    stuck = [names[k] for k, (d, v) in enumerate(zip(vs, drawn))
             if np.any(np.abs(d - v) > 0.5 * np.abs(v))]
    if stuck:  # (checked along the direction the rounded points take, which leaves them out)
        cmp.notes.append(f"{', '.join(stuck)}: entries too large for eps={eps:g} to move are not "
                         "checked (pass a larger eps to check them)")
    plus, minus = fn(*xp), fn(*xm)
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
        what = "⟨u, J v⟩ by tg.jvp" if mode == "fwd" else "⟨Jᵀu, v⟩ by tg.vjp"
        ok = abs(val - fd) <= atol + rtol * max(abs(val), abs(fd))
        cmp.add(f"{here} {mode}-mode", what, np.float64(val), np.float64(fd), ok=ok)
        if not ok:
            cmp.notes.append(f"{mode}-mode derivative disagrees with finite differences at {here}: "
                             f"{what} = {val:.12g}, central differences {fd:.12g}; worst Jacobian "
                             "entries below (index [i, j…]: flattened output entry i, then the leaf's index)")
            if not any(np.iscomplexobj(x) for x in xs):  # (Jacobian entries: real inputs)
                _entry_rows(cmp, fn, xs, names, mode, eps)
            if path:
                cmp.notes.append("(at order > 1 the function checked is the lower-order derivative; "
                                 "its later arguments are the direction vectors v or u)")
            return False
    if len(results) == 2:
        a, b = results["fwd"], results["rev"]
        ok = abs(a - b) <= max(1e-9, rtol * 1e-2) * max(1.0, abs(a), abs(b))  # (to rounding)
        cmp.add(f"{here} adjoint", "⟨u, J v⟩ vs ⟨Jᵀu, v⟩", np.float64(a), np.float64(b), ok=ok)
        if not ok:
            cmp.notes.append(f"adjoint identity fails at {here}: ⟨u, J v⟩ = {a:.15g} but "
                             f"⟨Jᵀu, v⟩ = {b:.15g} (the JVP and VJP rules are not transposes of each other)")
            return False
    if order > 1:
        n = len(xs)
        if "fwd" in modes:
            def jvp_fn(*xv):
                return T.jvp(fn, list(xv[:n]), list(xv[n:]))[1]
            if not _check(cmp, jvp_fn, xs + vs, names + [f"v.{k}" for k in names], order - 1, modes,
                          eps, rtol, atol, rng, "JVP" + (f" of {path}" if path else "")):
                return False
        if "rev" in modes:
            out_td = tree_flatten(out)[1]
            us = [np.asarray(c, complex if np.iscomplexobj(c) else float) for c in tree_leaves(u)]

            def vjp_of(*xu):
                ct = tree_unflatten(out_td, list(xu[n:]))
                return T.vjp(fn, *xu[:n])[1](ct)
            if not _check(cmp, vjp_of, xs + us, names + [f"u{k}" for k in range(len(us))], order - 1,
                          modes, eps, rtol, atol, rng, "VJP" + (f" of {path}" if path else "")):
                return False
    return True


# ------------------------------------------------------------ comparisons
def _arg_names(args, nums, single) -> list[str]:
    """Leaf names of the differentiated arguments: ``W``, ``b`` for one pytree argument,
    ``arg0`` for one array, ``arg1.W`` when several arguments are differentiated."""
    if single:
        x = args[nums[0]]
        return _names(x) if isinstance(x, (dict, list, tuple)) else [f"arg{nums[0]}"]
    return [n for k in nums for n in (_names(args[k], f"arg{k}") if isinstance(args[k], (dict, list, tuple))
                                      else [f"arg{k}"])]


def _argnums(argnums, nargs, name):
    return T._norm_argnums(argnums, nargs, name)


def compare_grad(hand_grad: Callable, f: Callable, *args: Any, argnums=0,
                 rtol: float | None = None, atol: float | None = None) -> Comparison:
    """Compare ``hand_grad(*args)`` with ``tg.grad(f, argnums)(*args)``, leaf by leaf.

    ``hand_grad`` returns a gradient with the same pytree structure as the
    argument(s) selected by ``argnums`` (the book's δ-rule gradients, say).
    The report's rows are the leaves; ``bool(report)`` is True when all agree:
    each leaf within ``rtol`` of its largest entry, and each entry within
    ``atol + rtol·max(|b|, floor·max|b|)``. By default ``rtol`` follows the precision
    (1e-6 in float64, 1e-4 in float32) and ``atol`` is 64 ulps of each leaf's largest
    entry, so a gradient of any size (1e-10 from small weights) is judged by its relative
    error; give ``atol`` for an absolute tolerance of your own.
    """
    single, nums = _argnums(argnums, len(args), "compare_grad")
    want = T.grad(f, argnums=argnums)(*args)
    got = hand_grad(*args)
    return _compare_trees("gradient", got, want, "hand-derived gradient vs tg.grad",
                          _arg_names(args, nums, single), rtol, atol, "yours", "tg.grad")


def compare_jacobian(hand_jac: Callable, f: Callable, *args: Any, argnums=0,
                     rtol: float | None = None, atol: float | None = None) -> Comparison:
    """Compare ``hand_jac(*args)`` with ``tg.jacrev(f, argnums)(*args)`` (JAX's layout:
    ``out.shape + in.shape``) and with ``tg.jacfwd`` (tolerances as :func:`compare_grad`'s)."""
    single, nums = _argnums(argnums, len(args), "compare_jacobian")
    names = _arg_names(args, nums, single)
    want = T.jacrev(f, argnums=argnums)(*args)
    got = hand_jac(*args)
    cmp = _compare_trees("vs jacrev", got, want, "hand-derived Jacobian vs tg.jacrev / tg.jacfwd",
                         names, rtol, atol, "yours", "tensorgrad")
    fwd = T.jacfwd(f, argnums=argnums)(*args)
    for name, g, w in zip(names if len(names) == len(tree_leaves(fwd)) else _names(fwd),
                          tree_leaves(got), tree_leaves(fwd)):  # (with the tolerances set above)
        cmp.add("vs jacfwd", name, g, w)
    return cmp


def _layout(tree):
    """A pytree's layout up to the kind of sequence (a list of gradients for a tuple of
    arguments is fine): dict keys must match, leaves are placeholders."""
    if isinstance(tree, dict):
        return ("dict", tuple(sorted((str(k), _layout(v)) for k, v in tree.items())))
    if isinstance(tree, (list, tuple)):
        return ("seq", tuple(_layout(v) for v in tree))
    return "leaf" if tree is None or not hasattr(tree, "__dict__") or hasattr(tree, "shape") else type(tree).__name__


def _compare_trees(what, got, want, title, names, rtol, atol, got_label, want_label) -> Comparison:
    gl, gtd = tree_flatten(got)
    wl, wtd = tree_flatten(want)
    rtol, atol, floor, ulps = tolerances(list(gl) + list(wl), rtol, atol)
    cmp = Comparison(title, rtol=rtol, atol=atol, got=got_label, want=want_label, entrywise=True,
                     floor=floor, ulps=ulps)
    if len(gl) != len(wl):
        raise ValueError(f"{title}: the hand-derived result has {len(gl)} arrays ({gtd}) but "
                         f"tensorgrad's has {len(wl)} ({wtd}); return the same pytree structure")
    if _layout(got) != _layout(want):  # (same count, other keys: leaves would pair by position)
        raise ValueError(f"{title}: the hand-derived result is laid out as {gtd} but "
                         f"tensorgrad's as {wtd}; return the same pytree structure (the same "
                         "dict keys), so that each array is compared with its own")
    if len(names) != len(wl):
        names = _names(want)
    for name, g, w in zip(names, gl, wl):
        cmp.add(what, name, g, w)
    return cmp


def compare_with_finite_differences(f: Callable, *args: Any, argnums=0, eps: float = 1e-6,
                                    rtol: float = 1e-5, atol: float = 1e-7, max_columns: int = 2000,
                                    seed: int = 0) -> Comparison:
    """Compare tensorgrad's Jacobian of ``f`` (``tg.jacrev``) with central finite differences,
    entry by entry and leaf by leaf.

    Each input entry j costs two evaluations of ``f`` ((f(x + ε e_j) − f(x − ε e_j)) / 2ε).
    With more than ``max_columns`` input entries, a random sample of that many
    (drawn with ``seed``) is checked and the report says so. The output may be
    a pytree; its leaves are flattened into one vector (the index's first entry).
    For a scalar output the index is the leaf's own index.
    """
    single, nums = _argnums(argnums, len(args), "compare_with_finite_differences")
    names = _arg_names(args, nums, single)
    picked_leaves, tds = [], []
    for k in nums:
        leaves, td = tree_flatten(args[k])
        for i, v in enumerate(leaves):
            a = np.asarray(concrete(v))
            if a.dtype.kind != "f":
                raise TypeError(f"compare_with_finite_differences: argument {k} leaf {i} has dtype "
                                f"{a.dtype}; differentiated arguments must be floating point")
        picked_leaves.append([np.asarray(concrete(v), np.float64) for v in leaves])
        tds.append(td)
    counts = [len(ls) for ls in picked_leaves]
    xs = [x for ls in picked_leaves for x in ls]

    def flat_in(*ls):
        full, pos = list(args), 0
        for k, td, c in zip(nums, tds, counts):
            full[k] = tree_unflatten(td, list(ls[pos:pos + c]))
            pos += c
        return f(*full)
    flat = _flat_out(flat_in)
    out = np.asarray(concrete(flat(*xs)), float)
    scalar = len(tree_leaves(f(*args))) == 1 and out.size == 1
    total = sum(x.size for x in xs)
    rng = np.random.default_rng(seed)
    chosen = None if total <= max_columns else set(rng.choice(total, max_columns, replace=False).tolist())
    jac = T.jacrev(flat, argnums=tuple(range(len(xs))))(*xs)
    cmp = Comparison(f"tensorgrad (tg.jacrev) vs central finite differences (eps={eps:g}) for "
                     f"{getattr(f, '__name__', 'f')}", rtol=rtol, atol=atol,
                     got="tensorgrad", want="finite differences")
    base = 0
    for i, (name, x, J) in enumerate(zip(names, xs, jac)):
        J = np.asarray(J, float).reshape((out.size,) + x.shape)
        want = J.copy()
        cols = [j for j in range(x.size) if chosen is None or base + j in chosen]
        base += x.size
        flatW = want.reshape(out.size, x.size)  # a view: the columns below fill `want`
        for j in cols:
            e = np.zeros(x.size)
            e[j] = eps
            e = e.reshape(x.shape)
            plus, minus = list(xs), list(xs)
            plus[i], minus[i] = x + e, x - e
            flatW[:, j] = (np.asarray(concrete(flat(*plus)), float)
                           - np.asarray(concrete(flat(*minus)), float)) / (2 * eps)
        if scalar:
            J, want = J.reshape(x.shape), want.reshape(x.shape)
        cmp.add("jacobian" if not scalar else "gradient", name, J, want)
    if chosen is not None:
        cmp.notes.append(f"checked {max_columns} of {total} input entries, chosen at random (seed {seed}); "
                         "raise max_columns to check them all")
    return cmp


class JaxComparison(Comparison):
    """A :class:`Comparison` of tensorgrad with JAX that also names, on a mismatch,
    ``first_difference``: the first recorded op whose value, VJP or JVP differs
    from its JAX counterpart. ``worst`` maps each row ``(check, leaf)`` to its
    worst entry ``(index, tensorgrad, JAX, abs. error)``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("got", "tensorgrad")
        kwargs.setdefault("want", "JAX")
        super().__init__(*args, **kwargs)
        self.first_difference: str | None = None

    @property
    def worst(self) -> dict:
        return {(r.check, r.name): (e.index, e.got, e.want, e.abs_err)
                for r in self.rows for e in r.worst[:1]}

    def report(self, all_rows: bool = False) -> str:
        text = super().report(all_rows)
        if self.first_difference:
            text += f"\n  first difference: {self.first_difference}"
        return text


def compare_with_jax(f: Callable, *args: Any, jax_f: Callable | None = None, argnums=0,
                     checks: Sequence[str] = ("value", "grad", "jvp", "vjp", "jacobian"),
                     rtol: float | None = None, atol: float | None = None, seed: int = 0) -> JaxComparison:
    """Compare tensorgrad's derivatives of ``f`` with JAX's autodiff of the same function.

    ``f`` itself is converted with :func:`tensorgrad.to_jax` (its
    ``tg.custom_vjp`` / ``custom_jvp`` rules ignored on the JAX side, so they
    are checked too), unless you pass a JAX function ``jax_f=`` (also
    accepted as the second positional argument). Value, gradient (scalar
    outputs), JVP (not for functions holding a ``custom_vjp``, which has no forward
    mode), VJP and Jacobian are compared leaf by leaf; the report
    names each row's worst entry with its index and, on a mismatch, the first
    recorded op whose value or derivative differs from JAX's. Float64 inputs
    switch JAX to 64-bit mode (``jax_enable_x64``) so both sides compute in
    the same precision. The tolerances follow it: ``rtol=1e-9``, ``atol=1e-12`` in float64,
    ``1e-5`` and ``1e-7`` when an input is float32 (two correct float32 computations differ
    by many ulps).
    """
    low = any(np.asarray(concrete(v)).dtype.kind in "fc" and np.finfo(np.asarray(concrete(v)).dtype).eps
              > 1e-12 for v in tree_leaves(list(args)) if not callable(v))
    rtol = (1e-5 if low else 1e-9) if rtol is None else rtol
    atol = (1e-7 if low else 1e-12) if atol is None else atol
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

    xs = [args[k] for k in nums]
    jxs = [as_jax(x) for x in xs]
    tf, jf = with_args(f, args, nums), with_args(jax_f, args, nums)
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
        try:  # (not for a function holding a custom_vjp: forward mode is not defined there)
            add_all("jvp", T.jvp(tf, xs, vs)[1], want["jvp"], out_names)
        except ForwardModeError:
            pass
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
    if use_jax:
        require_jax("tensorgrad check")  # without JAX: one clear error here, not one per op
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
                xs = case.diff_args
                f = case.fn(op)
                out = f(*xs)
                # JAX's value, VJP, JVP and Jacobian: one compiled JAX call per case
                refs = jax_references(case, second_order=False) if use_jax else None
                if use_jax:
                    put("value/jax", _errors(out, refs["value"])[1])
                if op.kind == "none" or not case.diff:
                    continue
                pr = probes(case, np.shape(out), np.iscomplexobj(out))  # (as the references)
                vs, u = list(pr.v), pr.u
                _, t = T.jvp(f, xs, vs)
                ct = T.vjp(f, *xs)[1](u)
                # (the pairing Re Σ a·b, unconjugated: tensorgrad's and JAX's for complex values)
                lhs, rhs = _vdot(u, t), _vdot(ct, vs)
                put("adjoint", abs(lhs - rhs) / max(abs(lhs), abs(rhs), 1e-300))
                argn = tuple(range(len(xs)))
                jfw = T.jacfwd(f, argnums=argn)(*xs)
                jr = jfw
                if not np.iscomplexobj(concrete(out)):  # (jacrev needs real outputs)
                    jr = T.jacrev(f, argnums=argn)(*xs)
                    put("jacrev/jacfwd", max(_errors(a, b)[1] for a, b in zip(jr, jfw)))
                h = 1e-6
                fd = (_vdot(u, f(*[x + h * v for x, v in zip(xs, vs)]))
                      - _vdot(u, f(*[x - h * v for x, v in zip(xs, vs)]))) / (2 * h)
                put("fd", abs(fd - lhs) / max(abs(lhs), 1e-8))
                if use_jax:
                    put("jvp/jax", _errors(t, refs["jvp"][1])[1])
                    put("vjp/jax", max(_errors(a, b)[1] for a, b in zip(ct, refs["vjp"])))
                    put("jac/jax", max(_errors(a, b)[1] for a, b in zip(jr, refs["jacobian"])))
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


