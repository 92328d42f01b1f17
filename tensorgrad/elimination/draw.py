"""Pictures of a linearized graph and of its elimination, step by step (matplotlib only)."""
from __future__ import annotations

from .. import jacobians as jac
from .graph import INPUT, OUTPUT, LinearizedGraph

__all__ = ["edge_label", "draw_graph", "draw_elimination"]

_COLORS = {INPUT: "#cfe2ff", OUTPUT: "#d1f0d1"}
_PLAIN = "#eeeeee"
_NEXT = "#ffcc80"


def edge_label(J: jac.Jacobian) -> str:
    """A short name for an edge's map: I, diag, 3×4 (dense), A⊗I, products with ∘."""
    if isinstance(J, jac.Identity):
        return "I"
    if isinstance(J, jac.Diagonal):
        return "diag"
    if isinstance(J, jac.Dense):
        return f"{J.out_size}×{J.in_size}"
    if isinstance(J, jac.MatmulLeft):
        return "A⊗I"
    if isinstance(J, jac.MatmulRight):
        return "I⊗Bᵀ"
    if isinstance(J, jac.Product):
        return "∘".join(edge_label(f) for f in J.factors)
    if isinstance(J, jac.SumOf):
        return "+".join(edge_label(t) for t in J.terms)
    short = {jac.Reshape: "reshape", jac.Permute: "perm", jac.Broadcast: "bcast",
             jac.SumTo: "sum", jac.SoftmaxJacobian: "softmax", jac.Zero: "0", jac.RuleMap: "rules"}
    for cls, name in short.items():
        if isinstance(J, cls):
            return name
    return J.kind


def draw_graph(g: LinearizedGraph, ax=None, title: str | None = None, highlight: str | None = None,
               labels: bool = True):
    """Draw the graph on ``ax`` (a new figure when None): vertices at their original places,
    each edge labelled with its map (``diag``, ``I``, ``m×n`` for dense, ``A⊗I``, …).

    ``highlight`` colours one vertex (the next to be eliminated). Returns the axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    pos = g.layout
    r = 0.2
    for u, v, J in g.edges:
        (x0, y0), (x1, y1) = pos[u], pos[v]
        span = abs(x1 - x0)
        # edges that skip a column bend: below when they leave an input, above otherwise
        rad = 0.0 if span <= 1.01 and abs(y1 - y0) < 1.5 else (0.3 if u in g.inputs else -0.3)
        arrow = FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=10,
                                connectionstyle=f"arc3,rad={rad}", shrinkA=13, shrinkB=13,
                                color="0.35", lw=1.0)
        ax.add_patch(arrow)
        if labels:
            # the midpoint of an arc3 curve: half of rad·(dy, −dx) away from the chord's middle
            mx = (x0 + x1) / 2 + 0.5 * rad * (y1 - y0)
            my = (y0 + y1) / 2 - 0.5 * rad * (x1 - x0)
            if rad == 0.0:
                my += 0.13  # above a straight edge, clear of the arrow
            ax.text(mx, my, edge_label(J), fontsize=7, ha="center", va="center", color="0.15",
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
    for label, vert in g.vertices.items():
        x, y = pos[label]
        color = _NEXT if label == highlight else _COLORS.get(vert.role, _PLAIN)
        ax.add_patch(plt.Circle((x, y), r, fc=color, ec="0.2", lw=1.0, zorder=3))
        ax.text(x, y, label, ha="center", va="center", fontsize=9, zorder=4, weight="bold")
        shape = "×".join(str(s) for s in vert.shape) or "scalar"
        ax.text(x, y - r - 0.08, f"{vert.op}\n{shape}", ha="center", va="top", fontsize=6.5,
                color="0.3", zorder=4)
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    bend = 0.15 * (max(xs) - min(xs)) + 0.2  # room for the bent edges
    ax.set_xlim(min(xs) - 0.4, max(xs) + 0.4)
    ax.set_ylim(min(ys) - max(bend, 0.7), max(ys) + bend)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def draw_elimination(g: LinearizedGraph, order, path=None, ncols: int = 2, dpi: int = 80):
    """One panel per stage: the graph, then the graph after each elimination of ``order``.

    Works on a copy (``g`` is unchanged). Each panel's title gives the vertex
    eliminated, its flops and fill-in; the next vertex is shown in orange.
    Saves to ``path`` when given; returns the figure.
    """
    import matplotlib.pyplot as plt

    g = g.copy()
    order = list(order)
    n = len(order) + 1
    ncols = max(1, min(ncols, n))
    nrows = (n + ncols - 1) // ncols
    width = max(p[0] for p in g.layout.values()) + 1 if g.layout else 2
    fig, axes = plt.subplots(nrows, ncols, figsize=(0.85 * width * ncols + 0.6, 2.3 * nrows),
                             squeeze=False)
    flat = [a for row in axes for a in row]
    total = 0
    for k in range(n):
        if k == 0:
            title = "the linearized graph"
        else:
            s = g.eliminate(order[k - 1])
            total += s.flops
            title = (f"eliminate {s.vertex}: {s.flops:,} flops"
                     + (f", fill-in {s.fill_in}" if s.fill_in else "") + f"\n(total {total:,})")
        draw_graph(g, flat[k], title=title, highlight=order[k] if k < len(order) else None)
    for a in flat[n:]:
        a.axis("off")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return fig
