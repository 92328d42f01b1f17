"""Regenerate every figure of the docs into docs/figures/.

    python docs/make_figures.py              # all figures, full settings
    python docs/make_figures.py --tiny --out /tmp/figs   # quick smoke run

Every figure is computed here with tensorgrad (no picture is drawn by hand):
the loss surface of chapter 3 with its descent path, Jacobian heatmaps, the
VJP-versus-Jacobian scaling plot, training curves and the perceptron plots.
The scaling plot reads the benchmark results (benchmarks/results/*.json) when
they hold Jacobian-chain timings; otherwise it measures a few sizes itself.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Callable

# One BLAS thread: timings on a shared two-core machine are steadier, and the
# comparison is between algorithms, not thread pools. (Only takes effect when
# this file is run as a script, before NumPy is loaded.)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run from a source checkout without installing
    sys.path.insert(0, str(ROOT))

import tensorgrad as tg  # noqa: E402
from tensorgrad.chain import record_tape  # noqa: E402
from tensorgrad.structure import import_graph, layers  # noqa: E402

DPI = 80


def _save(fig, out: Path, name: str) -> str:
    path = out / name
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return str(path)


# ---------------------------------------------------------------- chapter 3
def loss_surface(out: Path, tiny: bool) -> str:
    """E(w1, w2) = ½(L − 5)² with L = (x·w1 + b1)·w2 + b2, its descent path and −∇E."""
    x, b1, b2, target = 2.0, 1.0, 0.5, 5.0

    def E(w1, w2):
        return 0.5 * ((x * w1 + b1) * w2 + b2 - target) ** 2

    grad_E = tg.grad(E, argnums=(0, 1))
    path = [(0.5, 1.5)]
    for _ in range(8 if tiny else 25):
        g1, g2 = grad_E(*path[-1])
        path.append((path[-1][0] - 0.04 * float(g1), path[-1][1] - 0.04 * float(g2)))
    path = np.array(path)

    n = 20 if tiny else 50
    w1, w2 = np.meshgrid(np.linspace(0.0, 1.5, n), np.linspace(0.5, 2.5, n))
    surf = E(w1, w2)
    fig = plt.figure(figsize=(9.6, 4.2))
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    ax.plot_surface(w1, w2, surf, cmap="viridis", alpha=0.45, linewidth=0)
    ax.plot(path[:, 0], path[:, 1], E(path[:, 0], path[:, 1]), "o-", color="red", ms=3,
            zorder=10, label="descent path")
    # −∇E at the path points, drawn along the surface: the height changes by ∇E · step
    grid = [(p, q) for p in np.linspace(0.1, 1.4, 5) for q in np.linspace(0.7, 2.3, 5)]
    for p, q in grid + [tuple(pt) for pt in path[:-1:2]]:
        g1, g2 = (float(v) for v in grad_E(p, q))
        d = -np.array([g1, g2]) / (np.hypot(g1, g2) + 1e-12) * 0.2
        ax.quiver(p, q, E(p, q), d[0], d[1], g1 * d[0] + g2 * d[1],
                  color="black" if (p, q) not in grid else "0.4",
                  linewidth=1.4, arrow_length_ratio=0.35)
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    ax.set_zlabel("E")
    ax.view_init(elev=50, azim=-100)
    ax.set_title("E = ½(L − 5)² over two weights")
    ax.legend(loc="upper left", fontsize=8)

    ax2 = fig.add_subplot(1, 2, 2)
    ax2.contour(w1, w2, surf, levels=np.linspace(0, surf.max(), 20), cmap="viridis", linewidths=0.7)
    ax2.contour(w1, w2, surf, levels=[1e-3], colors="green", linewidths=1.5)
    k = 7 if tiny else 11
    a1, a2 = np.meshgrid(np.linspace(0.05, 1.45, k), np.linspace(0.6, 2.4, k))
    grads = np.array([[grad_E(p, q) for p, q in zip(r1, r2)] for r1, r2 in zip(a1, a2)], dtype=float)
    u, v = -grads[..., 0], -grads[..., 1]
    norm = np.hypot(u, v) + 1e-12
    ax2.quiver(a1, a2, u / norm, v / norm, color="0.35", scale=25, width=0.004)
    ax2.plot(path[:, 0], path[:, 1], "o-", color="red", ms=3)
    ax2.set_xlabel("w1")
    ax2.set_ylabel("w2")
    ax2.set_title("−∇E (arrows), path (red), valley L = 5 (green)")
    return _save(fig, out, "loss_surface.png")


# ---------------------------------------------------------------- Jacobians
def _heatmap(J, title, xlabel, ylabel, out, name):
    fig, ax = plt.subplots(figsize=(4.2, 3.4))
    lim = np.max(np.abs(J)) or 1.0
    im = ax.imshow(J, cmap="RdBu_r", vmin=-lim, vmax=lim)
    fig.colorbar(im, ax=ax)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return _save(fig, out, name)


def jacobian_layer(out: Path, tiny: bool) -> str:
    rng = np.random.default_rng(0)
    W, b, x = rng.normal(size=(6, 8)), rng.normal(size=6), rng.normal(size=8)
    J = tg.jacrev(lambda x: tg.nn.sigmoid(W @ x + b))(x)
    return _heatmap(J, "J of σ(Wx + b): diag(σ′) W", "input j", "output i", out,
                    "jacobian_layer.png")


def jacobian_softmax(out: Path, tiny: bool) -> str:
    z = np.array([2.0, 1.0, 0.5, 0.0, -0.5, -1.5])
    J = tg.jacrev(tg.nn.softmax)(z)
    return _heatmap(J, "softmax Jacobian diag(p) − p pᵀ", "logit j", "probability i", out,
                    "jacobian_softmax.png")


# ---------------------------------------------------------------- scaling
def _best_time(fn: Callable, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def measure_chain(sizes, depth: int = 4, repeats: int = 3) -> dict:
    """Time one VJP sweep, a full jacrev and dense Jacobian chaining of
    x ↦ tanh(W4 tanh(W3 tanh(W2 tanh(W1 x)))) for each N."""
    rows = []
    for N in sizes:
        rng = np.random.default_rng(N)
        Ws = [rng.normal(size=(N, N)) / np.sqrt(N) for _ in range(depth)]
        x0, c = rng.normal(size=N), rng.normal(size=N)

        def net(x):
            for W in Ws:
                x = tg.tanh(W @ x)
            return x

        def dense():
            h, J = x0, np.eye(N)
            for W in Ws:
                h = np.tanh(W @ h)
                J = ((1 - h * h)[:, None] * W) @ J
            return J

        def vjp_sweep():
            return tg.vjp(net, x0)[1](c)

        rows.append({"N": N, "vjp": _best_time(vjp_sweep, repeats),
                     "jacrev": _best_time(lambda: tg.jacrev(net)(x0), repeats),
                     "dense": _best_time(dense, repeats)})
    return {"source": "measured by docs/make_figures.py", "rows": rows}


def _from_benchmarks() -> dict | None:
    """Rows from ``benchmarks/results/vjp_vs_jacobian.json`` (written by the
    VJP-versus-Jacobian benchmark: ``sizes`` and per-method ``times``), if present."""
    path = ROOT / "benchmarks" / "results" / "vjp_vs_jacobian.json"
    try:
        data = json.loads(path.read_text())
        sizes, times = data["sizes"], data["times"]
        wanted = {"vjp": "tg vjp", "dense": "numpy dense chain", "jacrev": "tg jacrev",
                  "structured": "tg structured"}
        rows = []
        for k, n in enumerate(sizes):
            row = {"N": int(n)}
            for key, name in wanted.items():
                t = times.get(name, [None] * len(sizes))[k]
                if t is not None:
                    row[key] = float(t)
            if "vjp" in row and "dense" in row:
                rows.append(row)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    if len(rows) < 2:
        return None
    return {"source": "benchmarks/results/vjp_vs_jacobian.json", "rows": rows}


def vjp_vs_jacobian(out: Path, tiny: bool) -> str:
    data = None if tiny else _from_benchmarks()
    if data is None:
        data = measure_chain([8, 16, 32] if tiny else [16, 32, 64, 128, 256, 512],
                             repeats=1 if tiny else 5)
    rows = data["rows"]
    N = np.array([r["N"] for r in rows], dtype=float)
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    ax.loglog(N, [r["dense"] for r in rows], "s-", label="dense Jacobian chaining (N×N products)")
    if all("jacrev" in r for r in rows):
        ax.loglog(N, [r["jacrev"] for r in rows], "^-", label="tg.jacrev (full Jacobian, one sweep)")
    if all("structured" in r for r in rows):
        ax.loglog(N, [r["structured"] for r in rows], "d-",
                  label="tg.jacobian(structured=True).todense()")
    ax.loglog(N, [r["vjp"] for r in rows], "o-", label="tg.vjp (one row, one sweep)")
    ref = rows[-1]["dense"]
    ax.loglog(N, ref * (N / N[-1]) ** 3, "k:", lw=0.8, label="∝ N³")
    ax.loglog(N, rows[-1]["vjp"] * (N / N[-1]) ** 2, "k--", lw=0.8, label="∝ N²")
    ax.set_xticks(N)
    ax.set_xticklabels([str(int(n)) for n in N])
    ax.minorticks_off()
    ax.set_xlabel("N (width of every layer)")
    ax.set_ylabel("seconds per call")
    ax.set_title("4 tanh layers: VJP sweep vs Jacobian chaining")
    ax.legend(fontsize=7)
    ax.text(0.01, -0.2, f"source: {data['source']}", transform=ax.transAxes, fontsize=6)
    return _save(fig, out, "vjp_vs_jacobian.png")


# ---------------------------------------------------------------- training
def xor_costs(steps: int, lr: float) -> list[float]:
    """The book's four-example network (chapter 7), trained with tg.grad."""
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    y = np.array([[0, 1, 1, 0]], dtype=float).T
    state = np.random.RandomState(1)
    W1, W2 = state.random_sample((3, 4)), state.random_sample((4, 1))

    def cost(W1, W2):
        a2 = tg.nn.sigmoid(tg.nn.sigmoid(X @ W1) @ W2)
        return 0.5 * tg.sum((a2 - y) ** 2)

    vg = tg.value_and_grad(cost, argnums=(0, 1))
    costs = []
    for _ in range(steps):
        c, (g1, g2) = vg(W1, W2)
        costs.append(float(c))
        W1, W2 = W1 - lr * g1, W2 - lr * g2
    return costs


def training_curves(out: Path, tiny: bool) -> str:
    steps = 50 if tiny else 1000
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    for lr in (0.5, 1.0, 2.0):
        ax.plot(xor_costs(steps, lr), label=f"learning rate {lr:g}" + (" (the book)" if lr == 1 else ""))
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("C = ½ Σ (a2 − y)²")
    ax.set_title("Chapter 7 network on XOR")
    ax.legend()
    return _save(fig, out, "training_curves.png")


# ---------------------------------------------------------------- perceptron
def leaves(n: int = 60):
    """The made-up leaves of chapters 1 and 2: greenness, spots; 1 = healthy."""
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 1, size=(400, 2))
    pts = pts[np.abs(pts[:, 0] - pts[:, 1]) > 0.1][:n]
    y = (pts[:, 0] > pts[:, 1]).astype(float)
    return np.hstack([pts, np.ones((len(pts), 1))]), y


def train_perceptron(X, y, w, max_epochs=100):
    mistakes = []
    for _ in range(max_epochs):
        wrong = 0
        for xi, yi in zip(X, y):
            y_hat = float(xi @ w > 0)
            if y_hat != yi:
                w = w + (yi - y_hat) * xi
                wrong += 1
        mistakes.append(wrong)
        if wrong == 0:
            break
    return w, mistakes


def perceptron_figures(out: Path, tiny: bool) -> list[str]:
    X, y = leaves()
    w, mistakes = train_perceptron(X, y, np.array([-0.5, 0.8, 0.3]))
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    for label, marker, name in ((1.0, "o", "healthy"), (0.0, "x", "diseased")):
        sel = y == label
        ax.scatter(X[sel, 0], X[sel, 1], marker=marker, label=name)
    g = np.linspace(0, 1, 2)
    # w0·g + w1·s + w2 = 0  →  s = −(w0·g + w2)/w1
    ax.plot(g, -(w[0] * g + w[2]) / w[1], "k-", label="learned line w·x = 0")
    mid = np.array([0.5, -(w[0] * 0.5 + w[2]) / w[1]])
    ax.annotate("", xy=mid + 0.15 * w[:2] / np.linalg.norm(w[:2]), xytext=mid,
                arrowprops={"arrowstyle": "->", "color": "k"})
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("greenness")
    ax.set_ylabel("spots")
    ax.set_title("Perceptron on two classes of leaves")
    ax.legend(fontsize=8, loc="upper left")
    p1 = _save(fig, out, "perceptron_hyperplane.png")

    fig, ax = plt.subplots(figsize=(4.2, 3.0))
    ax.bar(np.arange(1, len(mistakes) + 1), mistakes)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mistakes")
    ax.set_xticks(np.arange(1, len(mistakes) + 1))
    ax.set_title("Perceptron rule: mistakes per epoch")
    return [p1, _save(fig, out, "perceptron_mistakes.png")]


# ---------------------------------------------------------------- how it works
def architecture_layers(out: Path, tiny: bool) -> str:
    """The package's modules by import layer, read from the source (tensorgrad.structure)."""
    graph = import_graph()
    levels = layers(graph.edges)
    fig, ax = plt.subplots(figsize=(9.5, 0.55 * len(levels) + 0.6))
    for k, group in enumerate(levels):
        names = [m.removeprefix("tensorgrad.") if m != "tensorgrad" else "tensorgrad (package)"
                 for m in group]
        ax.text(0.0, k, f"{k:2d}", ha="right", va="center", fontsize=8, color="gray")
        ax.text(0.02, k, "   ".join(names), ha="left", va="center", fontsize=8,
                bbox=dict(boxstyle="round,pad=0.25", fc="#eef2ff", ec="#6366f1"))
    ax.set_ylim(-0.7, len(levels) - 0.3)
    ax.set_xlim(-0.05, 1.0)
    ax.axis("off")
    ax.set_title("tensorgrad's modules by layer (each imports only layers below it)", fontsize=9)
    return _save(fig, out, "architecture_layers.png")


def grad_data_flow(out: Path, tiny: bool) -> str:
    """One tg.grad call, drawn from a real recording: the nodes bind puts on the tape, then the sweep."""
    W = np.array([[0.5, -1.0, 0.3], [0.2, 0.4, -0.6]])
    x = np.array([1.0, 2.0, -1.0])
    tape = record_tape(lambda x: tg.sum(tg.tanh(W @ x)), x)
    rule = {"diagonal": "g ⊙ d  (from d)", "linear": "transpose", "dense": "VJP rule",
            "none": "no gradient"}
    fig, ax = plt.subplots(figsize=(9.0, 1.1 * (len(tape.entries) + 2)))
    rows = [("input x", str(tuple(x.shape)), "leaf node", "x̄: the gradient")]
    for k, e in enumerate(tape.entries, 1):
        op = e.node.op
        rows.append((f"bind({op.name})", f"{tuple(e.node.shape)}", f"node {k}: {op.kind}",
                     rule[op.kind]))
    rows.append(("output", "()", "seed ḡ = 1", "backward_pass starts here"))
    for k, (what, shape, node, vjp) in enumerate(rows):
        y = len(rows) - 1 - k
        ax.text(0.02, y, what, fontsize=9, va="center",
                bbox=dict(boxstyle="round", fc="#ecfdf5", ec="#10b981"))
        ax.text(0.30, y, f"shape {shape}", fontsize=8, va="center", color="gray")
        ax.text(0.45, y, node, fontsize=9, va="center",
                bbox=dict(boxstyle="round", fc="#eef2ff", ec="#6366f1"))
        ax.text(0.75, y, vjp, fontsize=9, va="center",
                bbox=dict(boxstyle="round", fc="#fff7ed", ec="#f97316"))
        if k:
            ax.annotate("", xy=(0.1, y + 0.25), xytext=(0.1, y + 0.75),
                        arrowprops=dict(arrowstyle="->", color="#10b981"))
            ax.annotate("", xy=(0.85, y + 0.75), xytext=(0.85, y + 0.25),
                        arrowprops=dict(arrowstyle="->", color="#f97316"))
    ax.text(0.02, len(rows) - 0.35, "forward: record", fontsize=8, color="#10b981")
    ax.text(0.75, len(rows) - 0.35, "reverse: sweep", fontsize=8, color="#f97316")
    ax.set_ylim(-0.6, len(rows))
    ax.set_xlim(0, 1.05)
    ax.axis("off")
    ax.set_title("tg.grad(lambda x: tg.sum(tg.tanh(W @ x)))(x): the tape, then the sweep", fontsize=9)
    return _save(fig, out, "grad_data_flow.png")


def main(argv=None) -> list[str]:
    """Write every figure; returns the paths written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "figures")
    parser.add_argument("--tiny", action="store_true", help="small, fast settings (for tests)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    written = [loss_surface(args.out, args.tiny), jacobian_layer(args.out, args.tiny),
               jacobian_softmax(args.out, args.tiny), vjp_vs_jacobian(args.out, args.tiny),
               training_curves(args.out, args.tiny), *perceptron_figures(args.out, args.tiny),
               architecture_layers(args.out, args.tiny), grad_data_flow(args.out, args.tiny)]
    for p in written:
        print("wrote", p)
    return written


if __name__ == "__main__":
    main()
