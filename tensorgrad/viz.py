"""Plots for training and benchmarks, written to files.

matplotlib is imported only when a plot is drawn, and figures are rendered
with the non-interactive Agg canvas (no screen needed, no pyplot state).
Every function saves to ``path`` and returns it.
"""
from __future__ import annotations

import os
from typing import Callable, Sequence

import numpy as np

__all__ = ["plot_history", "plot_confusion", "confusion_matrix", "plot_samples", "plot_scaling", "plot_tape",
           "plot_perceptron", "plot_decision_boundary"]


def _figure(*subplots, size=(6, 4)):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plots need matplotlib: pip install matplotlib "
                          "(or pip install 'tensorgrad[examples]')") from None
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    axes = fig.subplots(*subplots) if subplots else fig.subplots()
    return fig, axes


def _save(fig, path) -> str:
    path = os.fspath(path)
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def plot_history(history: dict, path) -> str:
    """Training (per step and per epoch) and validation loss, and accuracy if recorded."""
    has_acc = bool(history.get("accuracy")) and not np.all(np.isnan(history["accuracy"]))
    fig, axes = _figure(1, 2 if has_acc else 1, size=(10 if has_acc else 6, 4))
    ax = axes[0] if has_acc else axes
    steps = history.get("step_loss", [])
    epochs = len(history.get("loss", []))
    if steps:
        per = len(steps) / max(epochs, 1)
        ax.plot(np.arange(1, len(steps) + 1) / per, steps, lw=0.6, alpha=0.4, label="train (step)")
    e = np.arange(1, epochs + 1)
    if epochs:
        ax.plot(e, history["loss"], "o-", label="train (epoch mean)")
    if history.get("val_loss"):
        ax.plot(e, history["val_loss"], "s-", label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.set_title("loss")
    ax.legend()
    if has_acc:
        axes[1].plot(e, history["accuracy"], "o-", label="train")
        if history.get("val_accuracy"):
            axes[1].plot(e, history["val_accuracy"], "s-", label="validation")
        axes[1].set_xlabel("epoch")
        axes[1].set_ylabel("accuracy")
        axes[1].set_title("accuracy")
        axes[1].legend()
    return _save(fig, path)


def confusion_matrix(y_true, y_pred, classes: int | None = None) -> np.ndarray:
    """Counts C[i, j] of examples of class i predicted as j, for class ids 0, 1, ...
    (``classes`` of them; default: the largest id + 1). The book's ±1 labels (chapter 2) are
    read as −1 → 0 and +1 → 1; any other negative label is an error."""
    labels = [np.asarray(v).reshape(-1) for v in (y_true, y_pred)]
    for v in labels:
        if v.dtype.kind not in "biuf" or v.dtype.kind == "f" and not np.array_equal(v, np.round(v)):
            raise ValueError(f"confusion_matrix: labels must be whole numbers, got dtype {v.dtype} "
                             f"values {np.unique(v)[:10].tolist()}")
    if classes is not None and classes < 1:
        raise ValueError(f"confusion_matrix: classes must be at least 1, got {classes}")
    y_true, y_pred = (v.astype(int) for v in labels)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion_matrix: {y_true.size} true labels for {y_pred.size} predictions")
    both = np.concatenate([y_true, y_pred])
    if both.size and both.min() < 0:
        if not np.isin(both, (-1, 1)).all():
            raise ValueError("confusion_matrix: labels must be class ids 0, 1, ... (or the "
                             f"book's ±1), got values {np.unique(both)[:10].tolist()}")
        y_true, y_pred = (y_true > 0).astype(int), (y_pred > 0).astype(int)
    k = classes if classes is not None else int(max(y_true.max(initial=0), y_pred.max(initial=0)) + 1)
    if max(y_true.max(initial=0), y_pred.max(initial=0)) >= k:
        raise ValueError(f"confusion_matrix: a label beyond the {k} classes given")
    cm = np.zeros((k, k), dtype=int)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def plot_confusion(y_true, y_pred, path, classes: int | None = None, title: str = "confusion matrix") -> str:
    """The confusion matrix as a heat map with counts (rows: true class, columns: predicted)."""
    cm = confusion_matrix(y_true, y_pred, classes)
    fig, ax = _figure(size=(5.5, 5))
    im = ax.imshow(cm, cmap="Blues")
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_xticks(range(cm.shape[0]))
    ax.set_yticks(range(cm.shape[0]))
    acc = np.trace(cm) / max(cm.sum(), 1)
    ax.set_title(f"{title} (accuracy {acc:.1%})")
    fig.colorbar(im, ax=ax, fraction=0.046)
    return _save(fig, path)


def _samples_figure(images, labels, preds, n: int = 16):
    images = np.asarray(images)[:n]
    side = int(np.ceil(np.sqrt(len(images))))
    fig, axes = _figure(side, side, size=(1.5 * side, 1.6 * side + 0.4))
    for k, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if k < len(images):
            img = images[k].reshape(int(np.sqrt(images[k].size)), -1)
            ax.imshow(img, cmap="gray_r")
            ok = labels[k] == preds[k]
            ax.set_title(f"pred {preds[k]} / true {labels[k]}", fontsize=8,
                         color="black" if ok else "red", fontweight="normal" if ok else "bold")
    wrong = int(np.sum(np.asarray(labels[:len(images)]) != np.asarray(preds[:len(images)])))
    fig.suptitle(f"predicted and true labels ({wrong} of {len(images)} wrong, in red)", fontsize=9)
    return fig


def plot_samples(images, labels, preds, path, n: int = 16) -> str:
    """A grid of images titled "pred P / true T" (the model's prediction, then the true
    label); mistakes in bold red."""
    return _save(_samples_figure(images, labels, preds, n), path)


def _decimal_log_axis(axis) -> None:
    """Log-scale ticks written as plain decimals (0.1, 1, 10, 250), never as powers."""
    from matplotlib.ticker import FuncFormatter, LogLocator
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(FuncFormatter(lambda v, _: ""))


def _baseline(series: dict) -> str | None:
    """The one-VJP-sweep series of a benchmark's results (tensorgrad's if present)."""
    names = [k for k in series if "vjp" in k.lower()]
    tg_names = [k for k in names if k.lower().startswith("tg")]
    return (tg_names or names or [None])[0]


def plot_scaling(sizes: Sequence[int], series: dict[str, Sequence[float]], path,
                 title: str = "the cost of a full Jacobian, in VJP sweeps", baseline: str | None = None) -> str:
    """Each strategy's time divided by the time of one VJP sweep (``baseline``, by default
    the series named like "tg vjp"), against the width N, with the fitted log-log slope of
    each ratio: an O(N³) Jacobian over an O(N²) sweep grows like N. Without a VJP series
    the times themselves are drawn, in milliseconds."""
    fig, ax = _figure(size=(6.4, 4.4))
    sizes = np.asarray(list(sizes), dtype=float)
    base = baseline or _baseline(series)
    if base is not None and base in series:
        ref = np.asarray(series[base], dtype=float)
        for name, ys in series.items():
            if name == base:
                continue
            ratio = np.asarray(ys, dtype=float) / ref
            slope = np.polyfit(np.log(sizes), np.log(ratio), 1)[0] if len(sizes) > 1 else float("nan")
            ax.loglog(sizes, ratio, "o-", label=f"{name} (slope {slope:.2f})")
        ax.axhline(1.0, color="k", lw=0.8, ls=":", label=f"1 = one VJP sweep ({base})")
        ax.set_ylabel("time / time of one VJP sweep")
    else:
        for name, ys in series.items():
            ax.loglog(sizes, np.asarray(ys, dtype=float) * 1e3, "o-", label=name)
        ax.set_ylabel("time per call (ms)")
        title = "time per call"
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(sizes), [str(int(n)) for n in sizes])
    ax.minorticks_off()
    _decimal_log_axis(ax.yaxis)
    ax.set_xlabel("width N")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    return _save(fig, path)


def plot_decision_boundary(predict_fn: Callable[[np.ndarray], np.ndarray], X, y, path,
                           title: str = "decision regions") -> str:
    """Colour the plane by ``predict_fn`` (class ids for an (m, 2) grid) and scatter the data."""
    X, y = np.asarray(X), np.asarray(y)
    lo, hi = X.min(0) - 0.5, X.max(0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    z = np.asarray(predict_fn(np.c_[gx.ravel(), gy.ravel()])).reshape(gx.shape)
    fig, ax = _figure(size=(5, 5))
    ax.contourf(gx, gy, z, alpha=0.3, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolor="k", s=15)
    ax.set_title(title)
    return _save(fig, path)


def plot_perceptron(X, y, w, b: float, path, title: str = "perceptron") -> str:
    """2-D data and the separating line w·x + b = 0 (the hyperplane of chapter 1)."""
    X, y = np.asarray(X), np.asarray(y)
    fig, ax = _figure(size=(5, 5))
    ax.scatter(X[y == 1, 0], X[y == 1, 1], marker="o", label="class 1")
    ax.scatter(X[y == 0, 0], X[y == 0, 1], marker="x", label="class 0")
    lo, hi = X.min(0) - 0.5, X.max(0) + 0.5
    w = np.asarray(w, float)
    if abs(w[1]) > 1e-12:
        xs = np.linspace(lo[0], hi[0], 2)
        ax.plot(xs, -(w[0] * xs + b) / w[1], "k-", label="w·x + b = 0")
    elif abs(w[0]) > 1e-12:
        ax.axvline(-b / w[0], color="k", label="w·x + b = 0")
    mid = X.mean(0)
    ax.arrow(mid[0], mid[1], *(0.5 * w / max(np.linalg.norm(w), 1e-12)), head_width=0.08, color="k")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_title(title)
    ax.legend(loc="best")
    return _save(fig, path)




def _tape_layout(explanation) -> tuple[dict, dict]:
    """(column, row) of every box of an explained tape: a node's column is its depth from
    the inputs; an input leaf sits just before its first user, below that column's nodes."""
    inputs = [name for name, _ in explanation.inputs]
    depth = {name: 0 for name in inputs}
    for r in explanation.rows:
        depth[r["name"]] = 1 + max((depth.get(i, 0) for i in r["inputs"]), default=0)
    first_use: dict[str, int] = {}
    for r in explanation.rows:
        for i in r["inputs"]:
            if i in first_use or i not in depth or i not in inputs:
                continue
            first_use[i] = depth[r["name"]] - 1
    columns: dict[int, list] = {}
    for r in explanation.rows:
        columns.setdefault(depth[r["name"]], []).append(r["name"])
    for name in inputs:
        columns.setdefault(first_use.get(name, 0), []).append(name)
    pos = {name: (d, -k) for d, names in columns.items() for k, name in enumerate(names)}
    return pos, columns


def plot_tape(explanation, path=None, title: str | None = None, colours: dict | None = None):
    """Draw an explained tape (``tg.explain(f, x)``): one box per input and per node with
    its op, output shape and Jacobian kind, coloured by kind, arrows along the data flow.

    ``colours`` maps each kind category to a colour (``tensorgrad.explain.CATEGORIES``).
    Returns the Figure; with ``path`` it is saved there too.
    """
    colours = colours or {}
    pos, columns = _tape_layout(explanation)
    ncol = max(columns) + 1
    nrow = max(len(v) for v in columns.values())
    fig, ax = _figure(size=(max(4.0, 2.1 * ncol), max(2.4, 1.2 * nrow + 1.3)))
    ax.axis("off")
    ax.set_xlim(-0.6, ncol - 0.4)
    ax.set_ylim(-(nrow - 1) - 0.6, 0.6)
    boxes = {}
    for name, shape in explanation.inputs:
        boxes[name] = (f"{name}\ninput {_shape_text(shape)}", "#ffffff")
    for r in explanation.rows:
        kinds = ", ".join(dict.fromkeys(r["categories"]))
        boxes[r["name"]] = (f"{r['name']} = {r['op']}\n→ {_shape_text(r['out_shape'])}\n{kinds}",
                            colours.get(r["category"], "#ffffff"))
    artists = {}
    for name, (label, colour) in boxes.items():
        x, y = pos[name]
        out = name == explanation.output
        artists[name] = ax.text(x, y, label, ha="center", va="center", fontsize=7.5, zorder=3,
                                bbox=dict(boxstyle="round,pad=0.4", fc=colour,
                                          ec="#000000" if out else "#666666", lw=2.0 if out else 0.8))
    fig.canvas.draw()  # the boxes need their size before arrows can attach to them
    for r in explanation.rows:
        dst = artists[r["name"]]
        for src in dict.fromkeys(r["inputs"]):
            (c0, r0), (c1, r1) = pos[src], pos[r["name"]]
            # into the left side, or from below/above when the source sits just before it
            at = (0, 0.5) if r0 == r1 or c1 - c0 > 1 else ((0.5, 0) if r1 > r0 else (0.5, 1))
            ax.annotate("", xy=at, xycoords=dst,
                        xytext=(1, 0.5), textcoords=artists[src],
                        arrowprops=dict(arrowstyle="->", color="#555555", lw=1.0, shrinkA=1, shrinkB=1))
    used = [c for c in colours if any(c in r["categories"] for r in explanation.rows)]
    if used:
        from matplotlib.patches import Patch
        label = {"permutation": "permutation / index map"}
        ax.legend(handles=[Patch(fc=colours[c], ec="#666666", label=label.get(c, c)) for c in used],
                  loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(len(used), 6),
                  fontsize=7, frameon=False, title="Jacobian kind", title_fontsize=7)
    ax.set_title(title or "the recorded tape (arrows: data flow; colour: Jacobian kind)", fontsize=9)
    if path is not None:
        _save(fig, path)
    return fig


def _shape_text(s) -> str:
    return "()" if not s else "(" + ", ".join(str(int(d)) for d in s) + (",)" if len(s) == 1 else ")")
