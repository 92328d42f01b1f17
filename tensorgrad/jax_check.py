"""Helpers of :func:`tensorgrad.check.compare_with_jax`: where two results differ.

* :func:`worst_entry` — the entry of largest absolute difference between two
  arrays, with its index.
* :func:`first_difference` — records the function once on tensorgrad's tape
  and walks the recorded ops in execution order, comparing each op with its
  JAX counterpart at the very inputs it saw: the value, the VJP (the op's
  rule against ``jax.vjp``) and the JVP (against ``jax.jvp``) for a random
  cotangent and tangent. The first op that disagrees is where tensorgrad and
  JAX part ways: a wrong derivative rule, a ``tg.custom_vjp`` whose ``bwd`` is
  not the derivative of its function, or an op whose forward differs.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .jax_backend import jax_function, require_jax, to_jax
from .sweep import node_jvp, toposort, unbroadcast
from .tensor import Tensor, concrete
from .transforms import _record

__all__ = ["worst_entry", "first_difference", "describe_entry"]


def worst_entry(got, want) -> tuple | None:
    """``(index, got value, want value, abs. error)`` of the largest difference, or None
    (shapes differ or nothing differs)."""
    a = np.asarray(concrete(got), dtype=float)
    b = np.asarray(concrete(want), dtype=float)
    if a.shape != b.shape or a.size == 0:
        return None
    with np.errstate(invalid="ignore"):
        d = np.abs(a - b)
    d = np.where((a == b) | (np.isnan(a) & np.isnan(b)), 0.0, d)
    d = np.where(np.isnan(d), np.inf, d)  # NaN on one side only: the worst kind of difference
    k = int(np.argmax(d))
    if d.flat[k] == 0:
        return None
    idx = tuple(int(i) for i in np.unravel_index(k, a.shape))
    return idx, float(a.flat[k]), float(b.flat[k]), float(d.flat[k])


def describe_entry(name: str, entry: tuple) -> str:
    idx, a, b, d = entry
    where = f"[{', '.join(map(str, idx))}]" if idx else ""
    return f"{name}{where}: tensorgrad {a:.12g}, JAX {b:.12g} (abs. error {d:.2e})"


def _close(got, want, rtol: float, atol: float) -> tuple[bool, tuple | None]:
    e = worst_entry(got, want)
    if np.shape(concrete(got)) != np.shape(concrete(want)):
        return False, None
    if e is None:
        return True, None
    scale = float(np.max(np.abs(np.asarray(concrete(want), dtype=float)), initial=0.0))
    return e[3] <= atol or e[3] <= rtol * scale, e


def _shapes(args) -> str:
    return ", ".join(str(tuple(np.shape(concrete(a)))) for a in args)


def first_difference(f: Callable, xs: Sequence, rtol: float = 1e-9, atol: float = 1e-12,
                     seed: int = 0) -> str | None:
    """Walk ``f``'s recorded ops at inputs ``xs`` (all differentiated) and name the first
    whose value, VJP or JVP differs from JAX's; None if every op agrees.

    JAX's side of every op is computed in one compiled function."""
    jax = require_jax("compare_with_jax")
    jnp = jax.numpy
    rng = np.random.default_rng(seed)
    rec = _record(f, list(xs), tuple(range(len(xs))), False, "compare_with_jax")
    nodes = [n for n in toposort([n for n in rec.out_nodes if n is not None]) if n.op is not None]
    steps = []  # per op: (label, node, JAX function, differentiated inputs, u, tangents) or a note
    for k, node in enumerate(nodes):
        op, args, params, out = node.op, node.args, node.params, node.out
        if any(type(a) is Tensor for a in args):
            continue  # nested transforms: values of another level (not comparable here)
        label = f"op #{k + 1} of {len(nodes)}, {op.name} (inputs {_shapes(args)})"
        if op.forward is None and op.call is not None:  # tg.custom_vjp / custom_jvp
            jfun = to_jax(op.call, custom_rules=False)
        else:
            try:
                fn = jax_function(op)
            except NotImplementedError as e:
                steps.append(f"{label}: cannot compare, {e}")
                continue
            kw = dict(zip(op.param_names, params)) if params else {}

            def jfun(*a, fn=fn, kw=kw):
                return fn(*a, **kw)
        live = [i for i, p in enumerate(node.parents) if p is not None]
        if np.result_type(concrete(out)).kind != "f" or op.kind == "none":
            live = []
        u = rng.normal(size=np.shape(out))
        ts = [rng.normal(size=np.shape(args[i])) for i in live]
        steps.append((label, node, jfun, live, u, ts))

    def jax_side(all_args, all_u, all_ts):
        res = []
        for step, args, u, ts in zip([s for s in steps if not isinstance(s, str)], all_args,
                                     all_u, all_ts):
            _, node, jfun, live, _, _ = step

            def part(*ds, args=args, live=live, jfun=jfun):
                full = list(args)
                for i, d in zip(live, ds):
                    full[i] = d
                return jfun(*full)
            value = jfun(*args)
            if not live:
                res.append((value, None, None))
                continue
            dargs = [args[i] for i in live]
            cts = jax.vjp(part, *dargs)[1](u)
            jt = jax.jvp(part, tuple(dargs), tuple(ts))[1] if node.op.forward is not None else None
            res.append((value, cts, jt))
        return res

    todo = [s for s in steps if not isinstance(s, str)]
    as_jax = [[jnp.asarray(a) if isinstance(a, (np.ndarray, np.generic)) else a for a in s[1].args]
              for s in todo]
    us = [jnp.asarray(s[4], dtype=np.result_type(s[1].out)) for s in todo]
    tss = [[jnp.asarray(t, dtype=np.result_type(s[1].args[i])) for t, i in zip(s[5], s[3])]
           for s in todo]
    results = iter(jax.jit(jax_side)(as_jax, us, tss))
    for step in steps:
        if isinstance(step, str):
            return step
        label, node, _, live, u, ts = step
        value, cts, jt = next(results)
        op, args, params, out = node.op, node.args, node.params, node.out
        r = max(rtol, 100 * op.tol)  # the op's own tolerance against JAX (the test table's)
        ok, e = _close(out, np.asarray(value), r, atol)
        if not ok:
            return f"{label}: the values differ" + (f" at {describe_entry('out', e)}" if e else "")
        if not live:
            continue
        whole = op.vjp_all(u, out, *args, *params) if op.vjp_all is not None else None
        for j, i in enumerate(live):
            c = whole[i] if whole is not None else (
                op.vjps[i](u, out, *args, *params) if op.vjps[i] is not None else None)
            shape = np.shape(args[i])
            c = np.zeros(shape) if c is None else np.asarray(concrete(unbroadcast(c, shape)))
            ok, e = _close(c, np.asarray(cts[j]), r, atol)
            if not ok:
                return (f"{label}: the VJP for input {i} differs"
                        + (f" at {describe_entry('cotangent', e)}" if e else ""))
        if jt is None:
            continue  # a user-defined VJP rule: forward mode differentiates its fwd's own ops
        tangents = [None] * len(args)
        for i, t in zip(live, ts):
            tangents[i] = t
        t_out = node_jvp(op, tangents, args, params, out)
        t_out = np.zeros(np.shape(out)) if t_out is None else np.asarray(concrete(t_out))
        ok, e = _close(t_out, np.asarray(jt), r, atol)
        if not ok:
            return f"{label}: the JVP differs" + (f" at {describe_entry('tangent', e)}" if e else "")
    return None
