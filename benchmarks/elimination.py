"""Cross-country elimination against forward and reverse mode, on graphs that are not chains.

    python benchmarks/elimination.py              # full run, writes benchmarks/results/
    python benchmarks/elimination.py --quick      # small sizes, a few seconds, writes to a temp dir

Workloads (float64):

* ``residual MLP``: two bottleneck residual blocks h ← h + W₂ relu(W₁ h + b₁) + b₂,
  width d, hidden width d/8;
* ``bottleneck + skip``: tanh(B₂ tanh(A₂ tanh(B₁ tanh(A₁ x)))) + x, A: d/8 × d, B: d × d/8
  (an hourglass that narrows twice, with one long skip connection);
* ``robot arm``: forward kinematics of a planar three-link arm for N configurations,
  every joint's position (six outputs sharing the cumulative angles and their cos/sin);
* ``tanh chain``: the book's x ↦ tanh(W₄ tanh(W₃ tanh(W₂ tanh(W₁ x)))), N×N (the control:
  a chain, where the optimal bracketing applies).

For each size: flops and time of ``tg.jacrev`` and ``tg.jacfwd`` (flops as
``tg.cost`` counts them: one VJP sweep per output entry, one JVP sweep per input
entry), the optimal bracketing where the tape is a chain, and vertex elimination in
forward, reverse, Markowitz and optimal order (flops counted by the maps
themselves). On the robot arm the Jacobian blocks are diagonal, so the fair
sweeps are one VJP per output array and one JVP per input array (``vjp per
output``/``jvp per input``); dense ``tg.jacrev``/``tg.jacfwd`` there only run at
the smallest size. Every method's Jacobian is checked against a reference.
Elimination is timed with its order fixed (found once; the search time is
reported separately), from the call to the finished Jacobian. Times are the
process's CPU time with one BLAS thread (the wall time of an idle machine; the
wall-clock times, which on a shared machine also count other jobs, are kept in
the JSON as ``wall_seconds``), the best of interleaved repeats.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tensorgrad as tg  # noqa: E402
from tensorgrad import elimination as el  # noqa: E402
from tensorgrad.bench import machine_info  # noqa: E402

ORDERS = ("forward", "reverse", "markowitz", "optimal")
ELIM = tuple(f"elim {o}" for o in ORDERS)
DENSE_CAP = 2_000_000  # dense tg.jacrev/tg.jacfwd only when the Jacobian has at most this many entries


# --------------------------------------------------------------------------
# workloads
# --------------------------------------------------------------------------

def residual_mlp(d: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    k = max(d // 8, 1)
    Ws = [rng.normal(size=s) / np.sqrt(s[1]) for s in [(k, d), (d, k), (k, d), (d, k)]]
    bs = [0.1 * rng.normal(size=W.shape[0]) for W in Ws]

    def f(x, np_=tg):
        relu = tg.relu if np_ is tg else (lambda v: np_.maximum(v, 0.0))
        h = x + Ws[1] @ relu(Ws[0] @ x + bs[0]) + bs[1]
        return h + Ws[3] @ relu(Ws[2] @ h + bs[2]) + bs[3]
    return {"f": f, "args": (rng.normal(size=d),), "argnums": 0}


def bottleneck_skip(d: int, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    k = max(d // 8, 1)
    A1, B1, A2, B2 = (rng.normal(size=s) / np.sqrt(s[1]) for s in [(k, d), (d, k), (k, d), (d, k)])

    def f(x, np_=tg):
        h = np_.tanh(A1 @ x)
        h = np_.tanh(B1 @ h)
        h = np_.tanh(A2 @ h)
        return np_.tanh(B2 @ h) + x
    return {"f": f, "args": (rng.normal(size=d),), "argnums": 0}


LINKS = (1.0, 0.8, 0.6)


def robot_arm(n: int, seed: int = 2) -> dict:
    rng = np.random.default_rng(seed)

    def f(t1, t2, t3, np_=tg):
        p2 = t1 + t2
        p3 = p2 + t3
        x1, y1 = LINKS[0] * np_.cos(t1), LINKS[0] * np_.sin(t1)
        x2, y2 = x1 + LINKS[1] * np_.cos(p2), y1 + LINKS[1] * np_.sin(p2)
        x3, y3 = x2 + LINKS[2] * np_.cos(p3), y2 + LINKS[2] * np_.sin(p3)
        return x1, y1, x2, y2, x3, y3
    args = tuple(rng.uniform(-np.pi, np.pi, size=n) for _ in range(3))
    return {"f": f, "args": args, "argnums": (0, 1, 2), "diagonal": True}


def tanh_chain(n: int, seed: int = 3) -> dict:
    rng = np.random.default_rng(seed)
    Ws = [rng.normal(size=(n, n)) / np.sqrt(n) for _ in range(4)]

    def f(x, np_=tg):
        for W in Ws:
            x = np_.tanh(W @ x)
        return x
    return {"f": f, "args": (rng.normal(size=n),), "argnums": 0, "chain": True}


WORKLOADS = {
    "residual MLP": (residual_mlp, "d", (128, 256, 512, 1024), (16, 32)),
    "bottleneck + skip": (bottleneck_skip, "d", (128, 256, 512, 1024), (16, 32)),
    "robot arm": (robot_arm, "N", (300, 10_000, 100_000, 1_000_000), (10,)),  # (its 16-vertex
    # optimal-order search takes seconds whatever N: one quick size)
    "tanh chain": (tanh_chain, "N", (64, 128, 256, 512), (8, 16)),
}


# --------------------------------------------------------------------------
# flops of the sweeps (tg.cost's conventions, on the linearized graph)
# --------------------------------------------------------------------------

def sweep_flops(g) -> tuple[int, int]:
    """Flops of one VJP sweep and one JVP sweep over the graph (sums at fan-out/fan-in included)."""
    vjp = jvp = 0
    for v, ps in g.preds.items():
        for J in ps.values():
            vjp += J.vecmat_flops
            jvp += J.matvec_flops
        jvp += max(len(ps) - 1, 0) * g.vertices[v].size
    for u, ss in g.succs.items():
        vjp += max(len(ss) - 1, 0) * g.vertices[u].size
    return vjp, jvp


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------

def _calibrate(fn: Callable, min_time: float) -> int:
    t0 = time.process_time()
    fn()
    return max(1, int(min_time / max(time.process_time() - t0, 1e-9)))


def time_all(methods: dict, repeats: int, min_time: float) -> tuple[dict, dict]:
    """(CPU seconds, wall seconds) per call of each method, each the best of the repeats.

    The CPU time is this process's own (``time.process_time``): with one BLAS
    thread the work is single-threaded, so it is the wall time the call would
    take on an idle machine, while the wall time on a shared machine under load
    also counts the other jobs. The methods take turns in each repeat, so a
    burst of load hits them alike.
    """
    numbers = {name: _calibrate(fn, min_time) for name, fn in methods.items()}
    cpu: dict = {name: [] for name in methods}
    wall: dict = {name: [] for name in methods}
    for _ in range(repeats):
        for name, fn in methods.items():
            k = numbers[name]
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(k):
                fn()
            cpu[name].append((time.process_time() - c0) / k)
            wall[name].append((time.perf_counter() - t0) / k)
    return ({name: min(v) for name, v in cpu.items()}, {name: min(v) for name, v in wall.items()})


# --------------------------------------------------------------------------
# one workload at one size
# --------------------------------------------------------------------------

def _dense_blocks(J) -> list:
    leaves = tg.tree_leaves(J)
    return [np.asarray(b.todense() if hasattr(b, "todense") else b) for b in leaves]


def _diagonals(J) -> list:
    """The diagonal of every block (the arm's blocks are diagonal)."""
    out = []
    for b in tg.tree_leaves(J):
        if isinstance(b, tg.jacobians.Diagonal):
            out.append(np.asarray(b.d))
        elif isinstance(b, tg.jacobians.Zero):
            out.append(np.zeros(b.in_shape))
        elif hasattr(b, "todense"):
            out.append(np.diagonal(b.matrix()).copy())
        else:
            out.append(np.diagonal(np.asarray(b)).copy())
    return out


def measure(name: str, size: int, repeats: int, min_time: float, verbose: bool) -> dict:
    build = WORKLOADS[name][0]
    w = build(size)
    f, args, argnums = w["f"], w["args"], w["argnums"]
    diagonal, chain = w.get("diagonal", False), w.get("chain", False)
    g = tg.linearized_graph(f, *args, argnums=argnums)
    n_in = sum(g.vertices[x].size for x in g.inputs)
    n_out = sum(g.vertices[o].size for o in g.outputs)
    vjp, jvp = sweep_flops(g)
    flops = {"jacrev": n_out * vjp, "jacfwd": n_in * jvp}
    if diagonal:
        flops["vjp per output"] = len(g.outputs) * vjp
        flops["jvp per input"] = len(g.inputs) * jvp
    else:
        rep = tg.cost(f, *args, argnums=argnums)
        assert (rep.flops("jacrev"), rep.flops("jacfwd")) == (flops["jacrev"], flops["jacfwd"])
    orders, search = {}, {}
    for o in ORDERS:
        t0 = time.perf_counter()
        try:
            orders[o] = el.resolve_order(g.copy(), o)[0]
        except ValueError:  # the exact search's limit
            continue
        search[o] = time.perf_counter() - t0
    results, methods = {}, {}
    for o, lst in orders.items():
        res = el.eliminate(f, *args, argnums=argnums, order=lst)
        flops[f"elim {o}"] = res.flops
        results[f"elim {o}"] = res.jacobian

        def run(lst=lst):
            return tg.jacobian(f, argnums=argnums, method="elimination", order=lst, structured=True)(*args)
        methods[f"elim {o}"] = run
    if chain:
        br = tg.chain_jacobians(f, *args, order="optimal")
        flops["bracketing"] = br.flops
        results["bracketing"] = br.jacobian
        methods["bracketing"] = lambda: tg.chain_jacobians(f, *args, order="optimal").jacobian
    dense_ok = n_in * n_out <= DENSE_CAP
    if dense_ok:
        methods["jacrev"] = lambda: tg.jacrev(f, argnums=argnums)(*args)
        methods["jacfwd"] = lambda: tg.jacfwd(f, argnums=argnums)(*args)
    if diagonal:
        nouts = len(g.outputs)

        def vjp_per_output():
            out, fn = tg.vjp(lambda *a: f(*a), *args)
            rows = []
            for k in range(nouts):
                ct = tuple(np.ones_like(o) if j == k else np.zeros_like(o) for j, o in enumerate(out))
                rows.append(fn(ct))
            return rows

        def jvp_per_input():
            _, lin = tg.linearize(lambda *a: f(*a), *args)
            cols = []
            for k in range(len(args)):
                cols.append(lin(*(np.ones_like(a) if j == k else np.zeros_like(a)
                                  for j, a in enumerate(args))))
            return cols
        methods["vjp per output"] = vjp_per_output
        methods["jvp per input"] = jvp_per_input
    for m in ("jacrev", "jacfwd", "vjp per output", "jvp per input"):
        if m in methods:
            results[m] = methods[m]()
    # every Jacobian against a reference computed another way
    err = 0.0
    if diagonal:
        ref = [r for row in results["vjp per output"] for r in row]  # (output k) × (input i) diagonals
        for m, J in results.items():
            if m == "vjp per output":
                continue
            if m == "jvp per input":
                cols = results[m]
                got = [cols[i][k] for k in range(len(cols[0])) for i in range(len(cols))]
            else:
                got = _diagonals(J)
                if m in ("jacrev", "jacfwd"):  # dense blocks: check the off-diagonal zeros too
                    for b in _dense_blocks(J):
                        err = max(err, float(np.abs(b - np.diag(np.diagonal(b))).max()))
            err = max(err, max(float(np.abs(a - b).max()) for a, b in zip(got, ref)))
    else:
        ref = np.asarray(tg.jacrev(f, argnums=argnums)(*args))
        for m, J in results.items():
            err = max(err, float(np.abs(_dense_blocks(J)[0] - ref).max()))
    times, wall = time_all(methods, repeats, min_time)
    # the elimination phase alone: the same recorded graph, only the order differs
    phases = {}
    for o, lst in orders.items():
        def phase(lst=lst):
            h = g.copy()
            h.eliminate_all(lst)
            return h.blocks()
        phases[f"elim {o}"] = phase
    phase_times, phase_wall = time_all(phases, repeats, min_time)
    row = {"size": size, "intermediates": len(g.intermediates), "edges": len(g.edges),
           "flops": flops, "seconds": times, "wall_seconds": wall, "phase_seconds": phase_times,
           "phase_wall_seconds": phase_wall, "search_seconds": search,
           "orders": {o: lst for o, lst in orders.items()}, "max_error": err}
    row.update(_goal(row))
    if verbose:
        print(f"{name} {WORKLOADS[name][1]}={size}: "
              + ", ".join(f"{m} {flops[m]:,} fl / {times[m] * 1e3:.2f} ms" if m in times
                          else f"{m} {flops[m]:,} fl" for m in flops), file=sys.stderr)
    return row


def _goal(row: dict) -> dict:
    """Best elimination order against the better of every baseline, in flops and in time."""
    fl, ts = row["flops"], row["seconds"]
    best = min((m for m in ("elim markowitz", "elim optimal") if m in fl),
               key=lambda m: (fl[m], m != "elim optimal"))
    base = [m for m in ("jacrev", "jacfwd", "vjp per output", "jvp per input", "elim forward",
                        "elim reverse") if m in fl]
    base_fl = min(base, key=lambda m: fl[m])
    timed = [m for m in base if m in ts]
    base_t = min(timed, key=lambda m: ts[m])
    saving = 1.0 - fl[best] / fl[base_fl]
    ph = row["phase_seconds"]
    phase_base = min(ph["elim forward"], ph["elim reverse"])
    out = {"best": best, "baseline_flops": base_fl, "baseline_time": base_t,
           "flop_saving": saving, "speedup": ts[base_t] / ts[best],
           "phase_speedup": phase_base / ph[best],
           "goal_met": bool(saving >= 0.2 and ts[best] < ts[base_t])}
    if "bracketing" in fl:  # the control: a chain, where the goal is to match the bracketing
        out["goal_met"] = bool(fl[best] == fl["bracketing"])
        out["control"] = True
    return out


# --------------------------------------------------------------------------
# tables and plot
# --------------------------------------------------------------------------

FLOP_COLS = ("jacrev", "jacfwd", "vjp per output", "jvp per input", "bracketing") + ELIM


def _fmt_flops(v) -> str:
    if v is None:
        return "—"
    for scale, unit in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M")):
        if v >= scale:
            return f"{v / scale:.3g} {unit}"
    return f"{v:,}"


def summary(res: dict) -> str:
    """One line per workload and size: the flops of each approach, the time of the best
    baseline against the best elimination order, and the goal."""
    lines = ["| workload | size | jacrev / jacfwd flops | forward / reverse order | Markowitz | "
             "optimal | fewer flops | best baseline, CPU ms | best order, CPU ms | speed-up | goal |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, w in res["workloads"].items():
        for r in w["rows"]:
            f, t = r["flops"], r["seconds"]
            goal = _goal_cell(r) if not r.get("control") else (
                "= bracketing" if r["goal_met"] else "≠ bracketing")
            lines.append(
                f"| {name} | {w['param']} = {r['size']:,} | {_fmt_flops(f['jacrev'])} / "
                f"{_fmt_flops(f['jacfwd'])} | {_fmt_flops(f['elim forward'])} / "
                f"{_fmt_flops(f['elim reverse'])} | {_fmt_flops(f.get('elim markowitz'))} | "
                f"{_fmt_flops(f.get('elim optimal'))} | {100 * r['flop_saving']:.0f} % | "
                f"{_fmt_ms(t[r['baseline_time']])} ({r['baseline_time']}) | {_fmt_ms(t[r['best']])} | "
                f"{r['speedup']:.2f}× | {goal} |")
    return "\n".join(lines)


def _fmt_ms(v) -> str:
    return "—" if v is None else f"{v * 1e3:.3g}"


def markdown(res: dict) -> str:
    lines = ["Summary (fewer flops: the best elimination order against the fewest of jacrev, "
             "jacfwd, the per-array sweeps and the forward and reverse orders; speed-up: its time "
             "against the fastest of those):", "", summary(res), "",
             "Flops (multiply-adds as the maps count them):", "",
             "| workload | size | vertices | " + " | ".join(FLOP_COLS) + " |",
             "|---|---|---|" + "---|" * len(FLOP_COLS)]
    for name, w in res["workloads"].items():
        for r in w["rows"]:
            cells = [_fmt_flops(r["flops"].get(c)) for c in FLOP_COLS]
            lines.append(f"| {name} | {w['param']} = {r['size']:,} | {r['intermediates']} | "
                         + " | ".join(cells) + " |")
    lines += ["", "Time (CPU ms of the process per Jacobian, one BLAS thread, best of interleaved "
              "repeats; — : not run):", "",
              "| workload | size | " + " | ".join(FLOP_COLS) + " | optimal-order search (s) |",
              "|---|---|" + "---|" * (len(FLOP_COLS) + 1)]
    for name, w in res["workloads"].items():
        for r in w["rows"]:
            cells = [_fmt_ms(r["seconds"].get(c)) for c in FLOP_COLS]
            s = r["search_seconds"].get("optimal")
            lines.append(f"| {name} | {w['param']} = {r['size']:,} | " + " | ".join(cells)
                         + f" | {'—' if s is None else f'{s:.2f}'} |")
    lines += ["", "The elimination phase alone (CPU ms; the graph recorded once, only the order differs):",
              "",
              "| workload | size | " + " | ".join(ORDERS) + " |", "|---|---|" + "---|" * len(ORDERS)]
    for name, w in res["workloads"].items():
        for r in w["rows"]:
            cells = [_fmt_ms(r["phase_seconds"].get(f"elim {o}")) for o in ORDERS]
            lines.append(f"| {name} | {w['param']} = {r['size']:,} | " + " | ".join(cells) + " |")
    lines += ["", "Best elimination order against the best baseline (jacrev, jacfwd, the per-array "
              "sweeps, and elimination in forward and reverse order); speed-ups are whole Jacobians, "
              "then the elimination phase alone against the better of forward and reverse order:", "",
              "| workload | size | best order | fewer flops than | saving | faster than | speed-up | "
              "phase speed-up | goal (≥ 20 % fewer flops and faster; chain: = bracketing) |",
              "|---|---|---|---|---|---|---|---|---|"]
    for name, w in res["workloads"].items():
        for r in w["rows"]:
            lines.append(f"| {name} | {w['param']} = {r['size']:,} | {r['best'][5:]} | "
                         f"{r['baseline_flops']} | {100 * r['flop_saving']:.0f} % | {r['baseline_time']} | "
                         f"{r['speedup']:.2f}× | {r['phase_speedup']:.2f}× | {_goal_cell(r)} |")
    return "\n".join(lines)


def _goal_cell(r: dict) -> str:
    if r.get("control"):
        return ("control: equals the optimal bracketing" if r["goal_met"]
                else "control: differs from the optimal bracketing")
    return "met" if r["goal_met"] else "missed"


def plot(res: dict, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(res["workloads"])
    fig, axes = plt.subplots(2, len(names), figsize=(3.8 * len(names), 6.4), squeeze=False)
    styles = {"jacrev": ("C0", "o--"), "jacfwd": ("C1", "s--"), "vjp per output": ("C0", "o:"),
              "jvp per input": ("C1", "s:"), "bracketing": ("C7", "D-"), "elim forward": ("C2", "^-"),
              "elim reverse": ("C4", "v-"), "elim markowitz": ("C5", "x-"), "elim optimal": ("C3", "*-")}
    for j, name in enumerate(names):
        w = res["workloads"][name]
        sizes = [r["size"] for r in w["rows"]]
        for i, key in enumerate(("flops", "seconds")):
            ax = axes[i][j]
            for m, (color, style) in styles.items():
                pts = [(s, r[key][m]) for s, r in zip(sizes, w["rows"]) if r[key].get(m)]
                if pts:
                    ax.loglog(*zip(*pts), style, color=color, label=m, ms=5, lw=1.2)
            ax.set_xticks(sizes)
            ax.set_xticklabels([f"{s:,}" if s < 10_000 else f"1e{round(np.log10(s))}"
                                if 10 ** round(np.log10(s)) == s else f"{s:.0e}" for s in sizes],
                               fontsize=7)
            ax.minorticks_off()
            ax.set_xlabel(f"{w['param']}")
            ax.set_ylabel("flops" if key == "flops" else "CPU seconds per Jacobian")
            ax.grid(True, which="major", alpha=0.3)
            if i == 0:
                ax.set_title(name)
    handles = {}
    for ax in (a for row in axes for a in row):
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=len(handles),
               fontsize=8, frameon=False)
    fig.suptitle("Jacobian accumulation: forward, reverse and cross-country elimination orders")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=80)
    plt.close(fig)


# --------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------

def run(quick: bool = False, out: str | None = None, repeats: int | None = None,
        workloads=None, threads: int | None = 1, verbose: bool = True) -> dict:
    """Run the benchmark; returns the results (also written to ``out`` as JSON and PNG)."""
    if threads:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - optional
            threadpool_limits = None
        if threadpool_limits is not None:
            with threadpool_limits(limits=int(threads)):
                return _run(quick, out, repeats, workloads, int(threads), verbose)
    return _run(quick, out, repeats, workloads, None, verbose)


def _run(quick, out, repeats, workloads, threads, verbose) -> dict:
    repeats = repeats or (1 if quick else 7)
    min_time = 0.002 if quick else 0.1
    res = {"benchmark": "elimination", "quick": quick, "repeats": repeats, "workloads": {},
           "machine": {**machine_info(), "blas_threads": threads or "default"}, "optimal_limit": el.OPTIMAL_LIMIT}
    for name in workloads or WORKLOADS:
        _, param, full, small = WORKLOADS[name]
        rows = [measure(name, s, repeats, min_time, verbose) for s in (small if quick else full)]
        res["workloads"][name] = {"param": param, "rows": rows}
    res["table"] = markdown(res)
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "elimination.json"), "w") as fh:
            json.dump(res, fh, indent=1)
        plot(res, os.path.join(out, "elimination.png"))
    if verbose:
        print(res["table"])
    return res


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="elimination", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="small sizes, one repeat; writes to a temporary directory unless --out is given")
    p.add_argument("--out", default=None, help="directory for elimination.json and elimination.png "
                   "(default benchmarks/results, or a temporary directory with --quick)")
    p.add_argument("--repeats", type=int, default=None, help="timed repeats per point (the best is kept)")
    p.add_argument("--workloads", default=None,
                   help="comma-separated subset of: " + ", ".join(WORKLOADS))
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1; 0 = library default)")
    a = p.parse_args(argv)
    out = a.out
    if out is None:
        out = (tempfile.mkdtemp(prefix="tg-elimination-") if a.quick
               else os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    names = None
    if a.workloads:
        names = [s.strip() for s in a.workloads.split(",")]
        unknown = [s for s in names if s not in WORKLOADS]
        if unknown:
            p.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    run(quick=a.quick, out=out, repeats=a.repeats, workloads=names, threads=a.threads or None)
    print(f"results written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
