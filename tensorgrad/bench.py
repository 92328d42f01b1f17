"""VJP versus Jacobian chaining: the O(N²)-against-O(N³) gap, measured.

Workload (the book's chapter 5): x ↦ tanh(W_L … tanh(W_2 tanh(W_1 x))) with
N×N matrices, depth L. For each N we time

* ``numpy vjp``: hand-written forward + one reverse sweep (the gradient of sum(y)),
* ``numpy dense chain``: hand-written Jacobian chaining J ← diag(1 − h²) W J,
* ``tg vjp``: ``tg.vjp`` + one call of the VJP function,
* ``tg jacrev`` / ``tg jacfwd``: the full Jacobian in one batched sweep,
* ``tg jacrev (jit)``: ``tg.jit(tg.jacrev(f))``, the same sweep replayed as a NumPy plan,
* ``tg structured``: ``tg.jacobian(f, structured=True)`` (per-node Jacobians
  composed in closed form),
* peers when importable: ``jax.jacrev`` under ``jax.jit`` and eagerly,
  ``torch.autograd.functional.jacobian(vectorize=True)``.

Then it fits log-log slopes over the large sizes (expected: ≈ 2 for a VJP,
≈ 3 for chaining), and times the structured Jacobian of a 10-op elementwise
chain on N = 10⁶ entries against one VJP sweep. Results go to JSON and a PNG
plot (fitted exponents in the legend), and a table is printed.

Run: ``python benchmarks/vjp_vs_jacobian.py [--quick] [--out DIR]``.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from typing import Callable

import numpy as np

import tensorgrad as tg

from .cli_paths import writable

FULL_SIZES = (16, 32, 64, 128, 256, 512, 1024, 2048)
QUICK_SIZES = (16, 32, 64)
FIT_FROM = 256  # slopes are fitted over N ≥ this (quick mode: its largest sizes)


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------

#: the clock: wall time, or this process's CPU time (steadier on a shared machine)
_CLOCK = [time.perf_counter]


def _calibrate(fn: Callable, min_time: float) -> int:
    """Calls per measurement so that one measurement lasts at least ``min_time``."""
    fn()  # warm-up (and compilation)
    t0 = _CLOCK[0]()
    fn()  # a first estimate
    one = _CLOCK[0]() - t0
    return max(1, int(min_time / max(one, 1e-9)))


def _time_all(methods: dict, repeats: int, min_time: float) -> dict:
    """Median seconds per call of each method.

    The methods take turns within each repeat, so a burst of load on a shared
    machine hits all of them alike and their ratios stay meaningful.
    """
    numbers = {name: _calibrate(fn, min_time) for name, fn in methods.items()}
    samples: dict = {name: [] for name in methods}
    for _ in range(repeats):
        for name, fn in methods.items():
            k = numbers[name]
            t0 = _CLOCK[0]()
            for _ in range(k):
                fn()
            samples[name].append((_CLOCK[0]() - t0) / k)
    return {name: statistics.median(v) for name, v in samples.items()}


def _time(fn: Callable, repeats: int, min_time: float) -> float:
    return _time_all({"f": fn}, repeats, min_time)["f"]


def machine_info() -> dict:
    """The machine a benchmark ran on: Python, platform, CPUs, NumPy and its BLAS."""
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "numpy": np.__version__}
    try:
        cfg = np.__config__.CONFIG  # NumPy ≥ 1.26
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        info["blas"] = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # pragma: no cover - older NumPy
        info["blas"] = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:  # pragma: no cover - not Linux
        pass
    return info


# --------------------------------------------------------------------------
# the workload
# --------------------------------------------------------------------------

def _problem(n: int, depth: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    Ws = [rng.normal(size=(n, n)) / np.sqrt(n) for _ in range(depth)]
    x = rng.normal(size=n)
    return Ws, x


def numpy_vjp(Ws, x):
    """Hand-written forward pass, then one reverse sweep seeded with ones."""
    hs = []
    h = x
    for W in Ws:
        h = np.tanh(W @ h)
        hs.append(h)
    g = np.ones_like(h)
    for W, h in zip(reversed(Ws), reversed(hs)):
        g = W.T @ (g * (1 - h * h))
    return g


def numpy_dense_chain(Ws, x):
    """Hand-written Jacobian chaining, as the book writes it: J ← diag(1 − h²) W J."""
    h = x
    J = None
    for W in Ws:
        h = np.tanh(W @ h)
        d = 1 - h * h
        J = d[:, None] * (W if J is None else W @ J)
    return J


def _tg_fn(Ws):

    def f(x):
        h = x
        for W in Ws:
            h = tg.tanh(W @ h)
        return h
    return f


def _methods(Ws, x, peers: bool, threads: int | None = None) -> dict:
    f = _tg_fn(Ws)
    ones = np.ones(x.shape[0])
    jitted = tg.jit(tg.jacrev(f))

    def tg_vjp():
        _, fn = tg.vjp(f, x)
        return fn(ones)[0]

    methods = {
        "numpy vjp": lambda: numpy_vjp(Ws, x),
        "numpy dense chain": lambda: numpy_dense_chain(Ws, x),
        "tg vjp": tg_vjp,
        "tg jacrev": lambda: tg.jacrev(f)(x),
        "tg jacrev (jit)": lambda: jitted(x),
        "tg jacfwd": lambda: tg.jacfwd(f)(x),
        "tg structured": lambda: tg.jacobian(f, structured=True)(x).todense(),
    }
    if peers:
        methods.update(_peer_methods(Ws, x, threads))
    return methods


def _peer_methods(Ws, x, threads: int | None = None) -> dict:
    out = {}
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        jWs = [jnp.asarray(W) for W in Ws]
        jx = jnp.asarray(x)

        def fj(v):
            for W in jWs:
                v = jnp.tanh(W @ v)
            return v
        jit_jac = jax.jit(jax.jacrev(fj))
        eager_jac = jax.jacrev(fj)
        out["jax jacrev (jit)"] = lambda: jit_jac(jx).block_until_ready()
        out["jax jacrev (eager)"] = lambda: eager_jac(jx).block_until_ready()
    except ImportError:
        pass
    try:
        import torch
        if threads:
            torch.set_num_threads(int(threads))
        tWs = [torch.from_numpy(W) for W in Ws]
        tx = torch.from_numpy(x)

        def ft(v):
            for W in tWs:
                v = torch.tanh(W @ v)
            return v
        out["torch jacobian (vectorize)"] = lambda: torch.autograd.functional.jacobian(
            ft, tx, vectorize=True)
    except ImportError:
        pass
    return out


def _check(methods: dict, Ws, x) -> dict:
    """Max abs difference of each Jacobian method from the hand-written chain."""
    ref = numpy_dense_chain(Ws, x)
    g_ref = numpy_vjp(Ws, x)
    errs = {}
    for name, fn in methods.items():
        r = np.asarray(fn())
        want = g_ref if "vjp" in name else ref
        errs[name] = float(np.max(np.abs(r - want)))
    return errs


# --------------------------------------------------------------------------
# the elementwise chain
# --------------------------------------------------------------------------

def _elementwise(n: int, repeats: int, min_time: float) -> dict:
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=n)
    ops = [tg.sin, tg.tanh, tg.exp, tg.cos, tg.sigmoid, tg.sin, tg.tanh, tg.arctan, tg.sinh, tg.tanh]

    def f(v):
        for op in ops:
            v = op(v)
        return v
    ones = np.ones(n)

    def vjp_sweep():
        _, fn = tg.vjp(f, x)
        return fn(ones)[0]

    def structured():
        return tg.jacobian(f, structured=True)(x)

    J = structured()
    kind = type(J).__name__
    err = float(np.max(np.abs(J.vecmat(ones) - vjp_sweep())))
    ts = _time_all({"vjp": vjp_sweep, "structured": structured, "forward": lambda: f(x)},
                   max(repeats, 3), min_time)
    t_vjp, t_st, t_fwd = ts["vjp"], ts["structured"], ts["forward"]
    return {"n": n, "ops": len(ops), "kind": kind, "nbytes": int(J.nbytes),
            "dense_bytes": 8 * n * n, "max_abs_err_vs_vjp": err,
            "time_forward": t_fwd, "time_vjp": t_vjp, "time_structured": t_st,
            "ratio_structured_over_vjp": t_st / t_vjp}


# --------------------------------------------------------------------------
# fitting, table, plot
# --------------------------------------------------------------------------

def _slope(sizes, times, fit_from: int) -> float | None:
    pts = [(n, t) for n, t in zip(sizes, times) if n >= fit_from and t is not None and t > 0]
    if len(pts) < 2:
        return None
    ln = np.log([p[0] for p in pts])
    lt = np.log([p[1] for p in pts])
    return float(np.polyfit(ln, lt, 1)[0])


def _table(res: dict) -> str:
    names = res["methods"]
    sizes = res["sizes"]
    w = max(len(n) for n in names) + 2
    lines = ["time per call (ms), median of repeats"]
    lines.append(f"{'N':>6}" + "".join(f"{n:>{max(w, 12)}}" for n in names))
    for k, n in enumerate(sizes):
        row = f"{n:>6}"
        for m in names:
            t = res["times"][m][k]
            row += f"{(t * 1e3 if t is not None else float('nan')):>{max(w, 12)}.3f}"
        lines.append(row)
    lines.append("")
    lines.append(f"fitted log-log slopes over N ≥ {res['fit_from']}:")
    for m in names:
        s = res["slopes"].get(m)
        lines.append(f"  {m:<{w}} {s:.2f}" if s is not None else f"  {m:<{w}} n/a")
    lines.append("")
    lines.append("ratio to the hand-written dense chain (lower is better):")
    hdr = f"{'N':>6}" + "".join(f"{m:>{max(w, 12)}}" for m in names)
    lines.append(hdr)
    for k, n in enumerate(sizes):
        row = f"{n:>6}"
        for m in names:
            r = res["ratios_vs_dense_chain"][m][k]
            row += f"{(r if r is not None else float('nan')):>{max(w, 12)}.2f}"
        lines.append(row)
    e = res.get("elementwise")
    if e:
        lines.append("")
        lines.append(f"structured Jacobian of a {e['ops']}-op elementwise chain, N = {e['n']:,}: "
                     f"{e['kind']} ({e['nbytes']:,} bytes; dense would be {e['dense_bytes']:,})")
        lines.append(f"  one VJP sweep {e['time_vjp'] * 1e3:.1f} ms, structured Jacobian "
                     f"{e['time_structured'] * 1e3:.1f} ms: ratio {e['ratio_structured_over_vjp']:.2f}")
    return "\n".join(lines)


def _plot(res: dict, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for m in res["methods"]:
        ts = res["times"][m]
        pts = [(n, t) for n, t in zip(res["sizes"], ts) if t is not None]
        s = res["slopes"].get(m)
        label = f"{m} (slope {s:.2f})" if s is not None else m
        ax.loglog([p[0] for p in pts], [p[1] * 1e3 for p in pts], "o-", label=label)
    ax.set_xscale("log", base=2)
    ax.set_xticks(res["sizes"], [str(n) for n in res["sizes"]])
    ax.xaxis.set_minor_formatter(NullFormatter())
    # milliseconds on plain decimal ticks (0.01, 0.1, 1, 10 ...), never powers of two
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("N (layer width)")
    ax.set_ylabel("time per call (ms)")
    ax.set_title(f"VJP vs Jacobian chaining, depth-{res['depth']} tanh chain "
                 f"(slopes fitted for N ≥ {res['fit_from']})")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def markdown(res: dict) -> str:
    """The results as the Markdown that ``--update-docs`` puts in benchmarks/README.md."""
    names, sizes, times = res["methods"], res["sizes"], res["times"]
    base = times["numpy dense chain"]
    m = res["machine"]
    lines = [f"Measured {res.get('date', '')} on {m.get('cpu_model', m.get('processor', '?'))} "
             f"({m.get('cpus')} CPUs, {m.get('platform', '')}); Python {m.get('python')}, NumPy "
             f"{m.get('numpy')} ({m.get('blas')}), BLAS threads {m.get('blas_threads')}"
             + (f", load average {res['load'][0]:.1f}" if res.get("load") else "")
             + f"; {res.get('clock', 'wall')} time, median of {res['repeats']} repeats.", "",
             "Milliseconds per call:", "",
             "| N | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for k, n in enumerate(sizes):
        lines.append(f"| {n} | " + " | ".join(
            f"{times[c][k] * 1e3:.3g}" if times[c][k] is not None else "—" for c in names) + " |")
    others = [c for c in names if c != "numpy dense chain"]
    lines += ["", "Ratio to the hand-written dense chain (lower is better):", "",
              "| N | " + " | ".join(others) + " |", "|---|" + "---|" * len(others)]
    for k, n in enumerate(sizes):
        lines.append(f"| {n} | " + " | ".join(
            f"{times[c][k] / base[k]:.2f}" if times[c][k] is not None else "—" for c in others) + " |")
    lines += ["", f"Fitted log-log slopes, N ≥ {res['fit_from']}:", "",
              "| " + " | ".join(names) + " |", "|" + "---|" * len(names),
              "| " + " | ".join(f"{res['slopes'][c]:.2f}" if res["slopes"].get(c) is not None
                                else "n/a" for c in names) + " |"]
    big = [k for k, n in enumerate(sizes) if n >= res["fit_from"]]
    if big and "tg vjp" in times:
        ratios = [times["tg vjp"][k] / times["numpy vjp"][k] for k in big]
        sv, sn = res["slopes"].get("tg vjp"), res["slopes"].get("numpy vjp")
        lines += ["", f"`tg.vjp` + one pullback against the hand-written VJP for N = "
                  f"{sizes[big[0]]}…{sizes[big[-1]]}: {min(ratios):.2f}–{max(ratios):.2f}× "
                  f"(target ≤ 1.2×), slopes {sv:.2f} against {sn:.2f} (target: within 0.2)."
                  if sv is not None and sn is not None else ""]
        vd = ", ".join(f"N = {sizes[k]}: {times['numpy vjp'][k] / base[k]:.3f}×" for k in big)
        lines += ["", f"One hand-written VJP sweep as a fraction of dense chaining: {vd}."]
    e = res.get("elementwise")
    if e:
        lines += ["", f"Structured Jacobian of a {e['ops']}-op elementwise chain on N = {e['n']:,} "
                  f"entries: a `{e['kind']}` of {e['nbytes']:,} bytes (dense: {e['dense_bytes']:,}), "
                  f"built in {e['time_structured'] * 1e3:.1f} ms against {e['time_vjp'] * 1e3:.1f} ms "
                  f"for one VJP sweep (ratio {e['ratio_structured_over_vjp']:.2f})."]
    return "\n".join(lines) + "\n"


BEGIN, END = "<!-- vjp-table:begin -->", "<!-- vjp-table:end -->"


def update_docs(res: dict, path: str) -> None:
    """Replace the recorded results in ``path`` (benchmarks/README.md) with ``res``."""
    if res.get("quick"):
        raise ValueError("update_docs: a --quick run is a smoke test; the documents take a full run")
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    block = f"{BEGIN}\n{markdown(res)}{END}"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n### Results\n\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


# --------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------

def run(sizes=None, depth: int = 4, repeats: int | None = None, quick: bool = False,
        out: str | None = None, peers: bool | None = None, elementwise_n: int | None = None,
        plot: bool = True, verbose: bool = True, threads: int | None = None,
        _threads: int | None = None) -> dict:
    """Run the benchmark and return its results as a dict (also written to ``out``).

    ``quick`` uses small sizes, one repeat and no peers: a smoke test of a few
    seconds. ``out`` is a directory for ``vjp_vs_jacobian.json`` and ``.png``.
    ``threads`` caps the BLAS (and PyTorch) threads, which steadies the
    timings on a shared machine.
    """
    if threads:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover
            threadpool_limits = None
        if threadpool_limits is not None:
            with threadpool_limits(limits=int(threads)):
                return run(sizes, depth, repeats, quick, out, peers, elementwise_n, plot, verbose, None,
                           _threads=int(threads))
    return _run(sizes, depth, repeats, quick, out, peers, elementwise_n, plot, verbose, _threads)


def _run(sizes, depth, repeats, quick, out, peers, elementwise_n, plot, verbose, threads) -> dict:
    sizes = tuple(sizes) if sizes else (QUICK_SIZES if quick else FULL_SIZES)
    repeats = repeats or (1 if quick else 3)
    peers = (not quick) if peers is None else peers
    elementwise_n = elementwise_n or (10_000 if quick else 1_000_000)
    min_time = 0.002 if quick else 0.05
    fit_from = FIT_FROM if (not quick and max(sizes) >= 2 * FIT_FROM) else sorted(sizes)[-min(3, len(sizes))]
    times: dict = {}
    errors: dict = {}
    names: list = []
    for n in sizes:
        Ws, x = _problem(n, depth)
        methods = _methods(Ws, x, peers, threads)
        errors[n] = _check(methods, Ws, x)
        measured = _time_all(methods, repeats, min_time)
        for name in methods:
            if name not in times:
                times[name] = [None] * len(sizes)
                names.append(name)
            times[name][sizes.index(n)] = measured[name]
        if verbose:
            print(f"N={n}: " + ", ".join(f"{m} {times[m][sizes.index(n)] * 1e3:.2f} ms"
                                          for m in methods), file=sys.stderr)
    base = times["numpy dense chain"]
    ratios = {m: [(t / b if t is not None and b else None) for t, b in zip(times[m], base)]
              for m in names}
    res = {
        "benchmark": "vjp_vs_jacobian", "depth": depth, "sizes": list(sizes), "repeats": repeats,
        "quick": quick, "fit_from": fit_from, "methods": names, "times": times,
        "slopes": {m: _slope(sizes, times[m], fit_from) for m in names},
        "ratios_vs_dense_chain": ratios,
        "vjp_over_dense_chain": {str(n): times["numpy vjp"][k] / base[k] for k, n in enumerate(sizes)},
        "max_abs_error": {str(n): errors[n] for n in sizes},
        "machine": {**machine_info(), "blas_threads": threads or "default"},
        "date": time.strftime("%Y-%m-%d"), "clock": "cpu" if _CLOCK[0] is time.process_time else "wall",
        "load": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    res["elementwise"] = _elementwise(elementwise_n, repeats, min_time)
    res["table"] = _table(res)
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "vjp_vs_jacobian.json"), "w") as fh:
            json.dump(res, fh, indent=2)
        if plot and importlib.util.find_spec("matplotlib") is None:  # (NumPy and SciPy suffice)
            print("no plot (matplotlib is not installed: pip install matplotlib)", file=sys.stderr)
        elif plot:
            _plot(res, os.path.join(out, "vjp_vs_jacobian.png"))
    if verbose:
        print(res["table"])
    return res


#: where a full run writes its JSON and plot, relative to the current directory (the
#: repository's entry point, benchmarks/vjp_vs_jacobian.py, passes its own absolute path)
RESULTS = os.path.join("benchmarks", "results")


def _sizes(s: str) -> tuple:
    try:
        return tuple(int(v) for v in s.split(","))
    except ValueError:
        msg = f"expected comma-separated integers like 64,128, got {s!r}"
        raise argparse.ArgumentTypeError(msg) from None


def main(argv=None, results_dir: str = RESULTS, prog: str = "vjp_vs_jacobian") -> int:
    """Command-line entry point: ``--quick``, ``--out DIR``, ``--sizes``, ``--depth``, ``--repeats``.

    A full run writes to ``results_dir`` (the recorded results); a ``--quick``
    run to a new temporary directory (or ``--out``), never to ``results_dir``.
    """
    where = results_dir if os.path.isabs(results_dir) else f"{results_dir} under the current folder"
    p = argparse.ArgumentParser(
        prog=prog, description=__doc__.splitlines()[0],
        epilog=f"Results: a full run writes vjp_vs_jacobian.json and .png to {where} (the "
               "recorded results); a --quick run writes to a new temporary directory (or --out "
               "DIR) and never to the recorded results.")
    p.add_argument("--quick", action="store_true",
                   help="small sizes, one repeat, no peers; results go to a temporary directory")
    p.add_argument("--out", default=None, metavar="DIR",
                   help=f"directory for the JSON and PNG (default: {where} for a full run, "
                        "a new temporary directory for --quick)")
    p.add_argument("--sizes", type=_sizes, default=None,
                   help="comma-separated N values (default 16,…,2048; quick 16,32,64)")
    p.add_argument("--depth", type=int, default=4, help="number of tanh layers (default 4)")
    p.add_argument("--repeats", type=int, default=None, help="timed repeats per point (median)")
    p.add_argument("--no-peers", action="store_true", help="skip JAX and PyTorch")
    p.add_argument("--elementwise-n", type=int, default=None,
                   help="size of the 10-op elementwise chain (default 1,000,000)")
    p.add_argument("--threads", type=int, default=None,
                   help="cap BLAS/PyTorch threads (steadier timings on a shared machine; 0: no cap)")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="wall time (default) or this process's CPU time, which other work on a "
                        "shared machine disturbs much less")
    p.add_argument("--update-docs", metavar="README", nargs="?", const="", default=None,
                   help="write the tables into benchmarks/README.md (full runs only; or the "
                        "given file)")
    a = p.parse_args(argv)
    for option, value in (("--sizes", min(a.sizes) if a.sizes else None), ("--depth", a.depth),
                          ("--repeats", a.repeats), ("--elementwise-n", a.elementwise_n),
                          ("--threads", a.threads)):
        if value is not None and value < (0 if option == "--threads" else 1):  # (threads 0: no cap)
            p.error(f"{option} must be at least {0 if option == '--threads' else 1}, got {value}")
    if a.quick and a.update_docs is not None:
        p.error("--update-docs needs a full run (not --quick)")
    if a.quick and a.out and os.path.realpath(a.out) == os.path.realpath(results_dir):
        p.error(f"--quick never writes the recorded results in {results_dir}; use another --out")
    out = a.out or (tempfile.mkdtemp(prefix="tg-vjp-") if a.quick else results_dir)
    try:  # before the run: a bad folder must not throw a finished run away
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        p.error(f"--out {out}: cannot create or write it ({e.strerror or e})")
    if not writable(out):
        p.error(f"--out {out}: cannot create or write it (not a writable folder)")
    _CLOCK[0] = time.process_time if a.clock == "cpu" else time.perf_counter
    try:
        res = run(sizes=a.sizes, depth=a.depth, repeats=a.repeats, quick=a.quick, out=out,
                  peers=False if a.no_peers else None, elementwise_n=a.elementwise_n,
                  threads=a.threads)
    finally:
        _CLOCK[0] = time.perf_counter
    print(f"results written to {out}", file=sys.stderr)
    if a.update_docs is not None:
        readme = a.update_docs or os.path.join(os.path.dirname(os.path.abspath(results_dir)),
                                               "README.md")
        update_docs(res, readme)
        print(f"tables written to {readme}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
