"""tensorgrad against hand-written NumPy and the eager autodiff peers, in one process.

Workloads:

* ``per-op``: ``sum(sin(sin(...sin(x))))`` with 2,000 sines on 8 elements, then its
  gradient. It measures the bookkeeping per op, since each NumPy call is tiny.
* ``mlp-small`` / ``mlp-large``: one gradient of the mean softmax cross-entropy
  of a tanh MLP (64→128→10, batch 64; 784→512→512→10, batch 128).
* ``jac-N``: the full Jacobian of x ↦ tanh(W4 tanh(W3 tanh(W2 tanh(W1 x)))) with
  N×N matrices, against hand-written dense chaining J ← diag(1 − h²) W J.

Every implementation is checked against the NumPy reference before it is timed
(a fast wrong answer is no result). Times are medians over ``--repeats`` runs
after a warm-up; the ratios (time / reference time, lower is better) are what
the targets are written in, since absolute times depend on the machine. Peers
that are not importable are left out of the table.

A scaling report times recording and the reverse sweep separately for the
per-op chain (depth 10 … 10,000 ops, width 8 … 4096) and the MLP (depth in
layers, width of the hidden layer), to show both stay linear in the number of
ops. ``--quick`` shrinks everything so the whole run takes a few seconds.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from typing import Any, Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout

import tensorgrad as tg  # noqa: E402
from tensorgrad.bench import numpy_dense_chain, numpy_vjp  # noqa: E402
from tensorgrad import recording  # noqa: E402
from tensorgrad.sweep import backward_pass  # noqa: E402

__all__ = ["main", "run", "markdown"]

PEERS = ("numpy", "tensorgrad", "tg-jit", "torch", "jax-jit", "jax", "mygrad", "autograd")
LABELS = {"numpy": "hand-written NumPy", "tensorgrad": "tensorgrad (eager)", "tg-jit": "tg.jit",
          "torch": "PyTorch eager", "jax-jit": "JAX jit", "jax": "JAX eager", "mygrad": "MyGrad",
          "autograd": "HIPS autograd", "numpy-vjp": "NumPy one VJP sweep"}
#: target ratios (× the reference of each workload) for eager tensorgrad and for tg.jit;
#: on the small MLP tg.jit must also be faster than JAX's jit
TARGETS = {"tensorgrad": {"per-op": 2.5, "mlp-small": 1.5, "mlp-large": 1.05, "jac": 1.2},
           "tg-jit": {"per-op": 1.5, "mlp-small": 1.15, "mlp-large": 1.05, "jac": 1.2},
           "memory": 1.5}
#: where a full run writes its JSON (a --quick run never writes here)
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --------------------------------------------------------------------------
# peers (imported only when asked for, and only if installed)
# --------------------------------------------------------------------------

def _load_peers(wanted) -> dict:
    mods: dict[str, Any] = {}
    if "torch" in wanted:
        try:
            import torch
            mods["torch"] = torch
        except ImportError:
            pass
    if "jax" in wanted or "jax-jit" in wanted:
        try:
            import jax
            jax.config.update("jax_enable_x64", True)
            jax.config.update("jax_platforms", "cpu")
            mods["jax"] = jax
        except ImportError:
            pass
    if "mygrad" in wanted:
        try:
            import mygrad
            mods["mygrad"] = mygrad
        except ImportError:
            pass
    if "autograd" in wanted:
        try:
            import autograd
            import autograd.numpy  # noqa: F401
            mods["autograd"] = autograd
        except ImportError:
            pass
    return mods


# --------------------------------------------------------------------------
# workload 1: the per-op chain
# --------------------------------------------------------------------------

def perop_impls(depth: int, n: int, mods: dict) -> tuple[tuple, dict[str, Callable]]:
    """Gradient of sum(sin^depth(x)) for x of n elements, one callable per implementation."""
    x = np.random.default_rng(0).uniform(-1, 1, n)

    def numpy_impl(x):
        xs = []
        for _ in range(depth):
            xs.append(x)
            x = np.sin(x)
        g = np.ones_like(x)
        for xi in reversed(xs):
            g = g * np.cos(xi)
        return g

    def chain_tg(x):
        for _ in range(depth):
            x = tg.sin(x)
        return tg.sum(x)

    impls = {"numpy": numpy_impl, "tensorgrad": tg.grad(chain_tg),
             "tg-jit": tg.jit(tg.grad(chain_tg))}
    if "torch" in mods:
        torch = mods["torch"]

        def torch_impl(x):
            t = torch.tensor(x, requires_grad=True)
            y = t
            for _ in range(depth):
                y = torch.sin(y)
            y.sum().backward()
            return t.grad.numpy()
        impls["torch"] = torch_impl
    if "jax" in mods:
        jax = mods["jax"]
        jnp = jax.numpy

        def chain_jax(x):
            for _ in range(depth):
                x = jnp.sin(x)
            return jnp.sum(x)
        g_eager = jax.grad(chain_jax)
        g_jit = jax.jit(g_eager)
        impls["jax"] = lambda x: np.asarray(g_eager(x))
        impls["jax-jit"] = lambda x: np.asarray(g_jit(x))
    if "mygrad" in mods:
        mg = mods["mygrad"]

        def mygrad_impl(x):
            t = mg.tensor(x)
            y = t
            for _ in range(depth):
                y = mg.sin(y)
            mg.sum(y).backward()
            return np.asarray(t.grad)
        impls["mygrad"] = mygrad_impl
    if "autograd" in mods:
        ag = mods["autograd"]
        anp = ag.numpy

        def chain_ag(x):
            for _ in range(depth):
                x = anp.sin(x)
            return anp.sum(x)
        impls["autograd"] = ag.grad(chain_ag)
    return (x,), impls


# --------------------------------------------------------------------------
# workload 2: one gradient of a tanh MLP with softmax cross-entropy
# --------------------------------------------------------------------------

def mlp_data(sizes: tuple, batch: int, seed: int = 0):
    """Parameters (list of (W, b)), inputs and one-hot labels for an MLP of ``sizes``."""
    rng = np.random.default_rng(seed)
    params = [(rng.normal(0, 1 / np.sqrt(a), (a, b)), np.zeros(b)) for a, b in zip(sizes, sizes[1:])]
    x = rng.normal(size=(batch, sizes[0]))
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    return params, x, y


def numpy_mlp_grad(params, x, y):
    """Hand-written loss and backprop: tanh layers, mean softmax cross-entropy, (p − y)/batch.

    Returns ``(loss, [(dW, db), ...])``: a training step needs the loss too, and
    it shares the softmax with the gradient.
    """
    hs = [x]
    h = x
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
        hs.append(h)
    W, b = params[-1]
    z = h @ W + b
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    p = e / s
    loss = np.mean(np.log(s[:, 0]) - (y * z).sum(axis=1))
    g = (p - y) / x.shape[0]
    grads = []
    for i in range(len(params) - 1, -1, -1):
        W, _ = params[i]
        h = hs[i]
        grads.append((h.T @ g, g.sum(axis=0)))
        if i:
            g = (g @ W.T) * (1 - h * h)
    return loss, grads[::-1]


def _tg_mlp_loss(params, x, y):
    h = x
    for W, b in params[:-1]:
        h = tg.tanh(h @ W + b)
    W, b = params[-1]
    return tg.nn.softmax_cross_entropy(h @ W + b, y)


def mlp_impls(sizes: tuple, batch: int, mods: dict) -> tuple[tuple, dict[str, Callable]]:
    params, x, y = mlp_data(sizes, batch)
    impls = {"numpy": numpy_mlp_grad, "tensorgrad": tg.value_and_grad(_tg_mlp_loss),
             "tg-jit": tg.jit(tg.value_and_grad(_tg_mlp_loss))}
    if "torch" in mods:
        torch = mods["torch"]
        F = torch.nn.functional

        def torch_impl(params, x, y):
            ps = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
                  for W, b in params]
            h = torch.from_numpy(x)
            for W, b in ps[:-1]:
                h = torch.tanh(h @ W + b)
            W, b = ps[-1]
            loss = F.cross_entropy(h @ W + b, torch.from_numpy(y))
            loss.backward()
            return loss.item(), [(W.grad.numpy(), b.grad.numpy()) for W, b in ps]
        impls["torch"] = torch_impl
    if "jax" in mods:
        jax = mods["jax"]
        jnp = jax.numpy

        def loss_jax(params, x, y):
            h = x
            for W, b in params[:-1]:
                h = jnp.tanh(h @ W + b)
            W, b = params[-1]
            return jnp.mean(-jnp.sum(y * jax.nn.log_softmax(h @ W + b), axis=-1))
        g_eager = jax.value_and_grad(loss_jax)
        g_jit = jax.jit(g_eager)
        impls["jax"] = lambda p, x, y: jax.block_until_ready(g_eager(p, x, y))
        impls["jax-jit"] = lambda p, x, y: jax.block_until_ready(g_jit(p, x, y))
    if "mygrad" in mods:
        mg = mods["mygrad"]

        def mygrad_impl(params, x, y):
            ps = [(mg.tensor(W), mg.tensor(b)) for W, b in params]
            h = x
            for W, b in ps[:-1]:
                h = mg.tanh(mg.matmul(h, W) + b)
            W, b = ps[-1]
            z = mg.matmul(h, W) + b
            m = z.data.max(axis=1, keepdims=True)
            lse = mg.log(mg.sum(mg.exp(z - m), axis=1, keepdims=True)) + m
            loss = mg.mean(-mg.sum(y * (z - lse), axis=1))
            loss.backward()
            return loss.item(), [(np.asarray(W.grad), np.asarray(b.grad)) for W, b in ps]
        impls["mygrad"] = mygrad_impl
    if "autograd" in mods:
        ag = mods["autograd"]
        anp = ag.numpy

        def loss_ag(params, x, y):
            h = x
            for W, b in params[:-1]:
                h = anp.tanh(anp.dot(h, W) + b)
            W, b = params[-1]
            z = anp.dot(h, W) + b
            m = anp.max(z, axis=1, keepdims=True)
            lse = anp.log(anp.sum(anp.exp(z - m), axis=1, keepdims=True)) + m
            return anp.mean(-anp.sum(y * (z - lse), axis=1))
        vg = ag.value_and_grad(loss_ag)
        impls["autograd"] = lambda p, x, y: vg(p, x, y)
    return (params, x, y), impls


# --------------------------------------------------------------------------
# workload 3: the full Jacobian of a depth-4 tanh chain
# --------------------------------------------------------------------------

def jac_impls(n: int, mods: dict) -> tuple[tuple, dict[str, Callable]]:
    rng = np.random.default_rng(1)
    Ws = [rng.normal(0, 1 / np.sqrt(n), (n, n)) for _ in range(4)]
    x = rng.normal(size=n)

    def dense_chain(x):  # J ← diag(1 − h²) W J: O(N³) per layer
        return numpy_dense_chain(Ws, x)

    def vjp_sweep(x):  # one reverse sweep with one cotangent (a single row of J): O(N²)
        return numpy_vjp(Ws, x)

    def f_tg(x):
        for W in Ws:
            x = tg.tanh(W @ x)
        return x

    impls = {"numpy": dense_chain, "numpy-vjp": vjp_sweep, "tensorgrad": tg.jacrev(f_tg),
             "tg-jit": tg.jit(tg.jacrev(f_tg))}
    if "torch" in mods:
        torch = mods["torch"]
        tWs = [torch.from_numpy(W) for W in Ws]

        def f_torch(x):
            for W in tWs:
                x = torch.tanh(W @ x)
            return x
        jr = torch.func.jacrev(f_torch)
        impls["torch"] = lambda x: jr(torch.from_numpy(x)).numpy()
    if "jax" in mods:
        jax = mods["jax"]
        jnp = jax.numpy
        jWs = [jnp.asarray(W) for W in Ws]

        def f_jax(x):
            for W in jWs:
                x = jnp.tanh(W @ x)
            return x
        je = jax.jacrev(f_jax)
        jj = jax.jit(je)
        impls["jax"] = lambda x: np.asarray(je(x))
        impls["jax-jit"] = lambda x: np.asarray(jj(x))
    if "autograd" in mods:
        ag = mods["autograd"]
        anp = ag.numpy

        def f_ag(x):
            for W in Ws:
                x = anp.tanh(anp.dot(W, x))
            return x
        impls["autograd"] = ag.jacobian(f_ag)
    return (x,), impls


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------

def _same(a, b) -> bool:
    fa = [np.asarray(v) for v in tg.tree_leaves(_as_tree(a))]
    fb = [np.asarray(v) for v in tg.tree_leaves(_as_tree(b))]
    return len(fa) == len(fb) and all(
        u.shape == v.shape and np.allclose(u, v, rtol=1e-6, atol=1e-9) for u, v in zip(fa, fb))


def _as_tree(v):
    if isinstance(v, dict):
        return [v[k] for k in sorted(v)]
    if isinstance(v, (list, tuple)):
        return [_as_tree(u) for u in v]
    return np.asarray(v)


#: the clock the timings use: wall time, or this process's CPU time (all its threads), which
#: a machine shared with other work disturbs much less (``--clock cpu``)
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
_clock = time.perf_counter


def _per_call(fn, args, number: int) -> float:
    t0 = _clock()
    for _ in range(number):
        fn(*args)
    return (_clock() - t0) / number


def time_impls(args: tuple, impls: dict, repeats: int, budget: float) -> dict:
    """Median seconds per call of each implementation, interleaved so load hits all alike.

    Each implementation is checked against ``impls['numpy']`` first; a wrong
    one is reported (``ok: False``) and not timed.
    """
    ref = impls["numpy"](*args)
    plan, out = {}, {}
    for name, fn in impls.items():
        try:
            res = fn(*args)  # warm-up (and JIT compilation)
            ok = name == "numpy-vjp" or _same(res, ref)
        except Exception as exc:  # a peer failing is a result to report, not a crash
            out[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]}
            continue
        if not ok:
            out[name] = {"ok": False, "error": "result differs from the NumPy reference"}
            continue
        once = max(_per_call(fn, args, 1), _per_call(fn, args, 1), 1e-7)
        plan[name] = max(1, min(10_000, int(budget / once)))
    samples: dict[str, list] = {name: [] for name in plan}
    # as timeit does: no cyclic garbage collection inside a timed sample (with
    # JAX and PyTorch loaded, one full collection costs more than a whole
    # small workload); garbage is collected between samples instead
    gc_was = gc.isenabled()
    try:
        for _ in range(repeats):
            for name, number in plan.items():
                gc.collect()
                gc.disable()
                samples[name].append(_per_call(impls[name], args, number))
                gc.enable()
    finally:
        if gc_was:
            gc.enable()
    for name, ts in samples.items():
        out[name] = {"ok": True, "seconds": statistics.median(ts), "min": min(ts),
                     "number": plan[name], "repeats": len(ts)}
    base = out.get("numpy", {}).get("seconds")
    for name, r in out.items():
        if r.get("ok") and base:
            r["ratio"] = r["seconds"] / base
    return out


def peak_memory(fn, args) -> int:
    """Peak bytes allocated (tracemalloc; NumPy reports its buffers) during one call."""
    fn(*args)
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        res = fn(*args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del res
    return peak - base


# --------------------------------------------------------------------------
# scaling: recording and sweep time against the number of ops
# --------------------------------------------------------------------------

def _record_and_sweep(f, args, repeats: int) -> tuple[float, float, int]:
    """Seconds to record ``f`` on a tape, seconds for the reverse sweep, and the op count.

    The fastest of ``repeats`` runs: single runs on a shared machine are noisy,
    and the minimum is the least disturbed estimate of the cost itself.
    """
    rec_t, sweep_t = [], []
    out, f_vjp = tg.vjp(f, *args)  # warm-up, and a first estimate of the cost
    t0 = _clock()
    f_vjp(np.ones_like(out))
    inner = max(1, int(0.005 / max(_clock() - t0, 1e-7)))  # ≥ ~5 ms per sample
    for _ in range(repeats):
        gc.collect()
        gc.disable()  # as in the main table; see the notes for the collector's own cost
        rec = sweep = 0.0
        try:
            for _ in range(inner):
                t0 = _clock()
                out, f_vjp = tg.vjp(f, *args)
                t1 = _clock()
                f_vjp(np.ones_like(out))
                t2 = _clock()
                rec += t1 - t0
                sweep += t2 - t1
                del out, f_vjp
        finally:
            gc.enable()
        rec_t.append(rec / inner)
        sweep_t.append(sweep / inner)
    # count the recorded ops once
    before = next(recording._seq)
    tg.vjp(f, *args)
    nodes = next(recording._seq) - before - 1 - len(args)
    return min(rec_t), min(sweep_t), nodes


def _paused(fn, args) -> float:
    fn(*args)
    t0 = _clock()
    fn(*args)
    inner = max(1, int(0.005 / max(_clock() - t0, 1e-7)))
    gc.collect()
    gc.disable()
    try:
        return _per_call(fn, args, inner)
    finally:
        gc.enable()


def scaling(quick: bool) -> dict:
    """Per-op chain and MLP timed at several depths and widths (record, sweep, NumPy)."""
    rep = 3 if quick else 7
    rows = []

    def chain(depth):
        def f(x):
            for _ in range(depth):
                x = tg.sin(x)
            return x
        return f

    def mlp(depth, width):
        rng = np.random.default_rng(0)
        Ws = [rng.normal(0, 1 / np.sqrt(width), (width, width)) for _ in range(depth)]

        def f(x):
            for W in Ws:
                x = tg.tanh(x @ W)
            return x
        return f, Ws

    def np_mlp(x, Ws):
        hs = []
        for W in Ws:
            x = np.tanh(x @ W)
            hs.append(x)
        g = np.ones_like(x)
        for W, h in zip(Ws[::-1], hs[::-1]):
            g = (g * (1 - h * h)) @ W.T
        return g

    depths = (10, 100, 1000) if quick else (10, 100, 1000, 10_000)
    widths = (8, 512) if quick else (8, 64, 512, 4096)
    for depth in depths:
        x = np.random.default_rng(0).uniform(-1, 1, 8)
        rec, sw, nodes = _record_and_sweep(chain(depth), (x,), rep)
        _, npi = perop_impls(depth, 8, {})
        t_np = min(_paused(npi["numpy"], (x,)) for _ in range(rep))
        rows.append({"workload": "per-op chain", "depth": depth, "width": 8, "ops": nodes,
                     "record": rec, "sweep": sw, "numpy": t_np})
    for width in widths:
        depth = 100 if quick else 1000
        x = np.random.default_rng(0).uniform(-1, 1, width)
        rec, sw, nodes = _record_and_sweep(chain(depth), (x,), rep)
        _, npi = perop_impls(depth, width, {})
        t_np = min(_paused(npi["numpy"], (x,)) for _ in range(rep))
        rows.append({"workload": "per-op chain", "depth": depth, "width": width, "ops": nodes,
                     "record": rec, "sweep": sw, "numpy": t_np})
    mlp_depths = (1, 10, 100) if quick else (1, 10, 100, 1000, 5000)
    for depth in mlp_depths:
        f, Ws = mlp(depth, 16)
        x = np.random.default_rng(1).normal(size=(8, 16))
        rec, sw, nodes = _record_and_sweep(f, (x,), rep)
        t_np = min(_paused(np_mlp, (x, Ws)) for _ in range(rep))
        rows.append({"workload": "tanh MLP (batch 8)", "depth": depth, "width": 16, "ops": nodes,
                     "record": rec, "sweep": sw, "numpy": t_np})
    for width in ((8, 256) if quick else (8, 64, 512, 4096)):
        f, Ws = mlp(2, width)
        x = np.random.default_rng(1).normal(size=(64, width))
        rec, sw, nodes = _record_and_sweep(f, (x,), rep)
        t_np = min(_paused(np_mlp, (x, Ws)) for _ in range(rep))
        rows.append({"workload": "tanh MLP (batch 64)", "depth": 2, "width": width, "ops": nodes,
                     "record": rec, "sweep": sw, "numpy": t_np})
    return {"rows": rows}


# --------------------------------------------------------------------------
# the whole run
# --------------------------------------------------------------------------

def run(quick: bool = False, repeats: int | None = None, peers=None, do_scaling: bool = True,
        threads: int | None = None, log=print, clock: str = "wall") -> dict:
    """Run every workload; returns the JSON-ready results."""
    global _clock
    _clock = CLOCKS[clock]
    if peers is None:
        peers = ("numpy", "tensorgrad", "tg-jit") if quick else PEERS
    mods = _load_peers(peers)
    if threads and "torch" in mods:
        mods["torch"].set_num_threads(threads)
    repeats = repeats or (3 if quick else 7)
    budget = 0.002 if quick else 0.05  # seconds per timed sample (per implementation)
    cases = []
    if quick:
        cases.append(("per-op", "per-op chain (200 × sin, 8 elements)", perop_impls(200, 8, mods)))
        cases.append(("mlp-small", "MLP 64→128→10, batch 64", mlp_impls((64, 128, 10), 64, mods)))
        cases.append(("mlp-large", "MLP 784→512→512→10, batch 128 (quick: 784→64→64→10)",
                      mlp_impls((784, 64, 64, 10), 128, mods)))
        ns = (16, 64)
    else:
        cases.append(("per-op", "per-op chain (2,000 × sin, 8 elements)", perop_impls(2000, 8, mods)))
        cases.append(("mlp-small", "MLP 64→128→10, batch 64", mlp_impls((64, 128, 10), 64, mods)))
        cases.append(("mlp-large", "MLP 784→512→512→10, batch 128",
                      mlp_impls((784, 512, 512, 10), 128, mods)))
        ns = (64, 256, 512)
    for n in ns:
        cases.append((f"jac-{n}", f"Jacobian of the tanh chain, N={n}", jac_impls(n, mods)))
    results: dict[str, Any] = {"workloads": {}}
    for key, title, (args, impls) in cases:
        impls = {k: v for k, v in impls.items() if k in peers or k == "numpy-vjp"}
        log(f"  {title} ...")
        results["workloads"][key] = {"title": title, "results": time_impls(args, impls, repeats, budget)}
        if key == "mlp-large":
            mem = {name: peak_memory(impls[name], args) for name in ("numpy", "tensorgrad", "tg-jit")
                   if name in impls}
            mem["ratio"] = mem["tensorgrad"] / mem["numpy"]
            results["memory"] = mem
    if do_scaling:
        log("  scaling ...")
        results["scaling"] = scaling(quick)
    results["meta"] = _meta(quick, repeats, mods)
    results["meta"]["clock"] = clock
    results["meta"]["load"] = _load_average()
    return results


def _load_average() -> list | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):  # not on every platform
        return None


def _meta(quick, repeats, mods) -> dict:
    try:
        import threadpoolctl
        blas = [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                for i in threadpoolctl.threadpool_info()]
    except ImportError:  # only the report of which BLAS ran is lost
        blas = []
    versions = {"python": platform.python_version(), "numpy": np.__version__,
                "tensorgrad": tg.__version__}
    from importlib import metadata
    for name, m in mods.items():
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = getattr(m, "__version__", "?")
    return {"quick": quick, "repeats": repeats, "versions": versions, "blas": blas,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores", "date": time.strftime("%Y-%m-%d")}


def _fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def _target_for(key: str, impl: str = "tensorgrad") -> float:
    table = TARGETS[impl]
    return table["jac"] if key.startswith("jac") else table[key]


def _met(key: str, r: dict, impl: str) -> str:
    e = r.get(impl)
    if e is None or not e.get("ok"):
        return "—"
    ok = e["ratio"] <= _target_for(key, impl)
    if impl == "tg-jit" and key == "mlp-small" and r.get("jax-jit", {}).get("ok"):
        ok = ok and e["seconds"] < r["jax-jit"]["seconds"]  # and faster than JAX's jit
    return "yes" if ok else "no"


def markdown(results: dict, with_scaling: bool = True) -> str:
    """The tables: times and ratios per workload, memory, and the scaling report."""
    wl = results["workloads"]
    cols = [p for p in ("numpy", "tensorgrad", "tg-jit", "torch", "jax-jit", "jax", "mygrad",
                        "autograd") if any(p in w["results"] for w in wl.values())]
    lines = ["| workload | reference | " + " | ".join(LABELS[c] for c in cols[1:])
             + " | target (eager / jit) | met (eager / jit) |",
             "|---|---|" + "---|" * (len(cols) - 1) + "---|---|"]
    for key, w in wl.items():
        r = w["results"]
        ref = r["numpy"]["seconds"]
        ref_name = "dense chaining" if key.startswith("jac") else "NumPy"
        cells = [f"{w['title']}", f"{ref_name} {_fmt_time(ref)}"]
        for c in cols[1:]:
            e = r.get(c)
            if e is None:
                cells.append("—")
            elif not e.get("ok"):
                cells.append("failed")
            else:
                cells.append(f"{e['ratio']:.2f}× ({_fmt_time(e['seconds'])})")
        extra = " and < JAX jit" if key == "mlp-small" else ""
        cells.append(f"≤ {_target_for(key)}× / ≤ {_target_for(key, 'tg-jit')}×{extra}")
        cells.append(f"{_met(key, r, 'tensorgrad')} / {_met(key, r, 'tg-jit')}")
        lines.append("| " + " | ".join(cells) + " |")
    failures = [f"{LABELS.get(c, c)} on the {w['title']}: {e['error']}" for w in wl.values()
                for c, e in w["results"].items() if not e.get("ok")]
    if failures:
        lines += ["", "Failed: " + "; ".join(failures) + "."]
    if any("numpy-vjp" in w["results"] for w in wl.values()):
        vj = [f"N={k[4:]}: {w['results']['numpy-vjp']['ratio']:.3f}×" for k, w in wl.items()
              if "numpy-vjp" in w["results"] and w["results"]["numpy-vjp"].get("ok")]
        lines.append("")
        lines.append("One hand-written VJP sweep (a single row of the Jacobian), as a fraction of "
                     "dense chaining: " + ", ".join(vj) + ".")
    mem = results.get("memory")
    if mem:
        lines.append("")
        jit_mem = (f", tg.jit {mem['tg-jit'] / 2**20:.1f} MiB" if "tg-jit" in mem else "")
        lines.append(f"Peak memory of the large MLP step (tracemalloc): NumPy "
                     f"{mem['numpy'] / 2**20:.1f} MiB, tensorgrad {mem['tensorgrad'] / 2**20:.1f} MiB "
                     f"= {mem['ratio']:.2f}× (target ≤ {TARGETS['memory']}×: "
                     f"{'met' if mem['ratio'] <= TARGETS['memory'] else 'missed'}){jit_mem}.")
    sc = results.get("scaling") if with_scaling else None
    if sc:
        lines += ["", "Scaling (tensorgrad: record = forward on a tape, sweep = reverse pass; "
                  "per op = (record + sweep) / ops; fastest of the repeats, collector paused):", "",
                  "| workload | depth | width | ops | record | sweep | per op | NumPy fwd+bwd | ratio |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for row in sc["rows"]:
            tot = row["record"] + row["sweep"]
            lines.append(f"| {row['workload']} | {row['depth']} | {row['width']} | {row['ops']} | "
                         f"{_fmt_time(row['record'])} | {_fmt_time(row['sweep'])} | "
                         f"{_fmt_time(tot / max(row['ops'], 1))} | {_fmt_time(row['numpy'])} | "
                         f"{tot / row['numpy']:.2f}× |")
    m = results["meta"]
    clock = {"cpu": "process CPU time", "wall": "wall time"}.get(m.get("clock", "wall"), "wall time")
    load = m.get("load")
    lines += ["", f"Measured {m['date']} on {m['machine']}"
              + (f" (load average {load[0]:.1f} at the end)" if load else "") + "; "
              + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
              + "; BLAS " + ", ".join(f"{b['internal_api']} {b['version']} ({b['architecture']}, "
                                      f"{b['num_threads']} threads)" for b in m["blas"])
              + f"; {clock}, median of {m['repeats']} repeats after a warm-up."]
    return "\n".join(lines) + "\n"


def _replace_section(path: str, begin: str, end: str, body: str, header: str) -> None:
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    block = f"{begin}\n{body}{end}\n"
    if begin in text and end in text:
        pre = text[:text.index(begin)]
        post = text[text.index(end) + len(end):].lstrip("\n")
        text = pre + block + ("\n" + post if post else "")
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + header + block
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


BEGIN, END = "<!-- peers-table:begin -->", "<!-- peers-table:end -->"


def update_docs(results: dict, root: str = ROOT) -> None:
    """Put the table just measured in benchmarks/PEERS_RESULTS.md, benchmarks/README.md and
    README.md's Performance section."""
    if results["meta"].get("quick"):
        raise ValueError("update_docs: a --quick run is a smoke test; the documents take a full run")
    table = markdown(results)
    _replace_section(os.path.join(root, "benchmarks", "PEERS_RESULTS.md"), BEGIN, END, table,
                     "# tensorgrad against its peers\n\nWritten by `python benchmarks/peers.py "
                     "--update-docs`; ratios are time / reference time in the same run "
                     "(lower is better).\n\n")
    _replace_section(os.path.join(root, "benchmarks", "README.md"), BEGIN, END, table,
                     "## Against the peers: eager tensorgrad, tg.jit, PyTorch, JAX\n\nWritten by "
                     "`python benchmarks/peers.py --update-docs` from its last full run (the JSON "
                     "is `results/peers.json`); ratios are time / reference time in the same run, "
                     "lower is better.\n\n")
    _replace_section(os.path.join(root, "README.md"), BEGIN, END, markdown(results, False),
                     "## Performance\n\nMeasured by `python benchmarks/peers.py` (details and "
                     "notes in `benchmarks/PEERS_RESULTS.md`); ratios are time / reference time "
                     "in the same run, lower is better.\n\n")


def _is_recorded(path: str) -> bool:
    return os.path.realpath(path) == os.path.realpath(RESULTS)


def main(argv=None) -> int:
    """Command line: ``python benchmarks/peers.py [--quick] [--out DIR] [--repeats K] ...``."""
    ap = argparse.ArgumentParser(
        prog="peers", description=__doc__.split("\n\n")[0],
        epilog=f"Results: a full run writes peers.json to {RESULTS} (the recorded results; "
               "--update-docs also rewrites the tables in README.md, benchmarks/README.md and "
               "benchmarks/PEERS_RESULTS.md). A --quick run writes to a new temporary directory "
               "(or --out DIR) and never to the recorded results.")
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, NumPy, tensorgrad and tg.jit only; results go to a "
                         "temporary directory")
    ap.add_argument("--out", metavar="DIR",
                    help=f"write peers.json into DIR (default: {RESULTS} for a full run, a new "
                         "temporary directory for --quick)")
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats per implementation")
    ap.add_argument("--peers", default=None,
                    help=f"comma-separated subset of {','.join(PEERS)} (default: all in a full run)")
    ap.add_argument("--threads", type=int, default=None,
                    help="limit BLAS (and PyTorch) to this many threads; on a shared machine 1 "
                         "gives steadier ratios")
    ap.add_argument("--clock", choices=tuple(CLOCKS), default="wall",
                    help="wall time (default) or this process's CPU time, which other work on a "
                         "shared machine disturbs much less")
    ap.add_argument("--no-scaling", action="store_true", help="skip the scaling report")
    ap.add_argument("--update-docs", action="store_true",
                    help="write the table into README.md, benchmarks/README.md and "
                         "benchmarks/PEERS_RESULTS.md (full runs only)")
    args = ap.parse_args(argv)
    if args.quick and args.update_docs:
        ap.error("--update-docs needs a full run (not --quick)")
    if args.quick and args.out and _is_recorded(args.out):
        ap.error(f"--quick never writes the recorded results in {RESULTS}; use another --out")
    out = args.out or (tempfile.mkdtemp(prefix="tg-peers-") if args.quick else RESULTS)
    peers = tuple(args.peers.split(",")) + ("numpy",) if args.peers else None
    limiter = None
    if args.threads:
        import threadpoolctl
        limiter = threadpoolctl.threadpool_limits(args.threads)
    try:
        results = run(quick=args.quick, repeats=args.repeats, peers=peers, threads=args.threads,
                      do_scaling=not args.no_scaling, log=lambda s: print(s, file=sys.stderr),
                      clock=args.clock)
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
    table = markdown(results)
    print(table)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "peers.json"), "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1, default=float)
    print(f"results written to {os.path.join(out, 'peers.json')}", file=sys.stderr)
    if args.update_docs:
        update_docs(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
