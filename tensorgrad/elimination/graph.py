"""The linearized computational graph of a recorded function, and vertex elimination.

Vertices are the values a recording produced: the inputs (independent
vertices), the intermediate values and the outputs (dependent vertices). The
edge from u to v carries ∂v/∂u, the structured local Jacobian of the op that
computed v (:func:`tensorgrad.jacobians.op_jacobian`); when an op uses the
same value twice the two Jacobians are summed into one edge.

Eliminating an intermediate vertex k applies the chain rule locally: for
every predecessor j and successor i of k the edge j → i gains the product
``∂i/∂k · ∂k/∂j`` (a new edge when there was none: *fill-in*), and k leaves
the graph. When every intermediate vertex is gone the edges go straight from
the inputs to the outputs and carry the blocks of the Jacobian. Eliminating
in tape order is forward accumulation, in reverse tape order reverse
accumulation; every other order is a different, equally exact, way of
multiplying the same local Jacobians (cross-country elimination).

Products and sums use the maps' own algebra, so structure survives wherever
it has a closed form (a Diagonal times a Diagonal is a Diagonal, two Kronecker
factors multiply into one), and every multiply-add is counted by
:func:`~tensorgrad.jacobians.count_flops`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import jacobians as jac
from ..jacobians import Dense, Identity, Jacobian, Zero, add, compose, count_flops, op_jacobian
from ..jacobians.algebra import count
from ..transform_parts import refuse_traced_inputs

__all__ = ["Vertex", "Step", "LinearizedGraph", "build_graph"]

INPUT, INTERMEDIATE, OUTPUT = "input", "intermediate", "output"

#: Maps whose dense array is a placement of their numbers (no arithmetic to form it).
_PLACEMENT = (jac.Zero, jac.Identity, jac.Diagonal, jac.Dense, jac.Reshape, jac.Permute,
              jac.Broadcast, jac.SumTo, jac.MatmulLeft, jac.MatmulRight)
#: Maps a finished Jacobian block may stay as (the rest is materialized as Dense).
_EXPLICIT = _PLACEMENT + (jac.SoftmaxJacobian,)


def _size(shape) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


# --------------------------------------------------------------------------
# the algebra of an elimination: compose, and sums that never hide work
# --------------------------------------------------------------------------

def _materialize(J: Jacobian) -> Jacobian:
    """``J`` as a Dense array, counted: applied to the identity basis of its cheaper side."""
    n, m = J.in_size, J.out_size
    if n * J.matvec_flops <= m * J.vecmat_flops:
        return compose(J, Dense(np.eye(n).reshape(J.in_shape + J.in_shape), J.in_shape, J.in_shape))
    return compose(Dense(np.eye(m).reshape(J.out_shape + J.out_shape), J.out_shape, J.out_shape), J)


def _add(a: Jacobian, b: Jacobian) -> Jacobian:
    """``a + b``; a lazy map (product, sum, rule map) is first materialized when added to a Dense.

    ``jacobians.add`` forms the dense array of the other operand without
    counting it; for a lazy map that array costs real arithmetic, so it is
    formed here through a counted composition instead.
    """
    if isinstance(a, Dense) and not isinstance(b, _PLACEMENT):
        b = _materialize(b)
    elif isinstance(b, Dense) and not isinstance(a, _PLACEMENT):
        a = _materialize(a)
    if isinstance(b, Dense) and isinstance(a, (jac.Identity, jac.Diagonal)):
        a, b = b, a
    if isinstance(a, Dense) and isinstance(b, (jac.Identity, jac.Diagonal)) and a.shape == b.shape:
        # a dense matrix plus a diagonal: add into the diagonal of a copy (no n×n identity
        # is formed); counted as jacobians.add counts a dense sum, out_size × in_size
        M = np.array(a.M2, dtype=np.result_type(a.M, b.d if isinstance(b, jac.Diagonal) else 1.0))
        idx = np.arange(M.shape[0])
        M[idx, idx] += b.d.ravel() if isinstance(b, jac.Diagonal) else 1.0
        count(a.out_size * a.in_size)
        return Dense(M.reshape(a.out_shape + a.in_shape), a.out_shape, a.in_shape)
    return add(a, b)


def _parts(J: Jacobian, into: list) -> list:
    if isinstance(J, jac.Product):
        for f in J.factors:
            _parts(f, into)
    elif isinstance(J, jac.SumOf):
        for t in J.terms:
            _parts(t, into)
    else:
        into.append(J)
    return into


def _written(result: Jacobian, *operands: Jacobian) -> int:
    """Bytes of the arrays ``result`` holds that none of its operands held (what was written)."""
    old = {id(p) for J in operands for p in _parts(J, [])}
    return sum(p.nbytes for p in _parts(result, []) if id(p) not in old)


# --------------------------------------------------------------------------
# the graph
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Vertex:
    """One value of the recording: its label, role, shape and the op that made it."""

    label: str
    role: str      # "input", "intermediate" or "output"
    shape: tuple
    op: str        # the op's name; "input" for an input, "output" for an output copy
    index: int     # position in tape order (inputs first)

    @property
    def size(self) -> int:
        return _size(self.shape)


@dataclass
class Step:
    """What eliminating one vertex did."""

    vertex: str
    flops: int          # multiply-adds counted by the maps' own algebra
    bytes: int          # bytes of the derivative arrays it wrote
    markowitz: int      # (number of predecessors) × (number of successors) when eliminated
    fill_in: int        # edges it created where there was none


class LinearizedGraph:
    """Vertices and structured edges of a recorded function; eliminate vertices one at a time.

    ``graph.preds[v]`` maps each predecessor u of v to the edge ∂v/∂u (a
    :class:`~tensorgrad.jacobians.Jacobian`); ``graph.succs[u]`` lists the
    successors of u. ``flops`` and ``bytes`` accumulate the work done so far
    (summing parallel edges when the graph was built, then each elimination).
    """

    def __init__(self):
        self.vertices: dict = {}
        self.preds: dict = {}
        self.succs: dict = {}
        self.inputs: list = []
        self.outputs: list = []
        self.removed: dict = {}   # label -> why it is not in the graph
        self.flops = 0
        self.bytes = 0
        self.build_flops = 0
        self.steps: list = []
        self.layout: dict = {}
        self._finished = False
        self._meta = None

    # -- reading -----------------------------------------------------------
    @property
    def intermediates(self) -> list:
        """Intermediate vertices still in the graph, in tape order."""
        return [v.label for v in self.vertices.values() if v.role == INTERMEDIATE]

    @property
    def eliminated(self) -> list:
        """Vertices eliminated so far, in order."""
        return [s.vertex for s in self.steps]

    @property
    def edges(self) -> list:
        """``(u, v, J)`` for every edge u → v, J = ∂v/∂u."""
        return [(u, v, J) for v, ps in self.preds.items() for u, J in ps.items()]

    def edge(self, u: str, v: str) -> Jacobian | None:
        """The edge ∂v/∂u, or None when there is none."""
        return self.preds.get(v, {}).get(u)

    def markowitz(self, label: str) -> int:
        """The Markowitz degree of a vertex: predecessors times successors."""
        self._check_intermediate(label, "markowitz")
        return len(self.preds[label]) * len(self.succs[label])

    def copy(self) -> "LinearizedGraph":
        """A copy whose eliminations leave this graph as it is (edge maps are shared, never changed)."""
        g = LinearizedGraph()
        g.vertices = dict(self.vertices)
        g.preds = {v: dict(ps) for v, ps in self.preds.items()}
        g.succs = {u: dict(ss) for u, ss in self.succs.items()}
        g.inputs, g.outputs = list(self.inputs), list(self.outputs)
        g.removed = dict(self.removed)
        g.flops, g.bytes, g.build_flops = self.flops, self.bytes, self.build_flops
        g.steps = list(self.steps)
        g.layout = self.layout
        g._finished = self._finished
        g._meta = self._meta
        return g

    def __repr__(self) -> str:
        n_edges = sum(len(p) for p in self.preds.values())
        return (f"<LinearizedGraph inputs {self.inputs}, {len(self.intermediates)} intermediate "
                f"vertices, outputs {self.outputs}, {n_edges} edges>")

    def describe(self) -> str:
        """One line per edge: ``u → v: kind (in shape → out shape)``."""
        lines = [repr(self)]
        for u, v, J in self.edges:
            lines.append(f"  {u} → {v}: {J.kind} {J.in_shape}→{J.out_shape}")
        return "\n".join(lines)

    # -- eliminating -------------------------------------------------------
    def _check_intermediate(self, label, where: str) -> None:
        if not isinstance(label, str):
            raise TypeError(f"{where}: vertices are named by their labels (strings such as 'v1'), "
                            f"got {label!r} of type {type(label).__name__}")
        v = self.vertices.get(label)
        if v is None:
            if label in self.removed:
                raise ValueError(f"{where}: vertex {label!r} is not in the graph: {self.removed[label]}")
            if any(s.vertex == label for s in self.steps):
                raise ValueError(f"{where}: vertex {label!r} was already eliminated")
            raise ValueError(f"{where}: there is no vertex {label!r}; the intermediate vertices are "
                             f"{_names(self.intermediates)} (inputs {_names(self.inputs)}, "
                             f"outputs {_names(self.outputs)})")
        if v.role != INTERMEDIATE:
            raise ValueError(f"{where}: {label!r} is an {v.role} vertex; only intermediate vertices "
                             f"are eliminated ({_names(self.intermediates)})")

    def eliminate(self, label: str) -> Step:
        """Eliminate one intermediate vertex: fold it into the edges that pass through it."""
        self._check_intermediate(label, "eliminate")
        P = list(self.preds[label].items())
        S = list(self.succs[label])
        fill = written = 0
        with count_flops() as c:
            for i in S:
                cik = self.preds[i].pop(label)
                for j, ckj in P:
                    prod = compose(cik, ckj)
                    written += _written(prod, cik, ckj)
                    if isinstance(prod, Zero):
                        continue
                    old = self.preds[i].get(j)
                    if old is None:
                        self.preds[i][j] = prod
                        self.succs[j][i] = None
                        fill += 1
                    else:
                        total = _add(old, prod)
                        written += _written(total, old, prod)
                        self.preds[i][j] = total
        for j, _ in P:
            del self.succs[j][label]
        del self.preds[label], self.succs[label], self.vertices[label]
        step = Step(label, c[0], written, len(P) * len(S), fill)
        self.steps.append(step)
        self.flops += c[0]
        self.bytes += written
        return step

    def eliminate_all(self, order) -> list:
        """Eliminate the given vertices in order; returns their steps."""
        return [self.eliminate(v) for v in order]

    # -- the result ----------------------------------------------------------
    def blocks(self) -> dict:
        """``{(output, input): J}`` once every intermediate vertex is eliminated.

        A block left as a lazy product or sum is materialized as Dense here
        (counted); a block with no edge is Zero.
        """
        if self.intermediates:
            raise RuntimeError(f"the Jacobian needs every intermediate vertex eliminated; "
                               f"{_names(self.intermediates)} remain")
        out = {}
        with count_flops() as c:
            written = 0
            for o in self.outputs:
                for x in self.inputs:
                    J = self.preds[o].get(x)
                    if J is None:
                        J = Zero(self.vertices[o].shape, self.vertices[x].shape)
                    elif not isinstance(J, _EXPLICIT):
                        D = _materialize(J)
                        written += _written(D, J)
                        self.preds[o][x] = J = D
                    out[(o, x)] = J
        if not self._finished:
            self._finished = True
            self.flops += c[0]
            self.bytes += written
        return out


def _names(labels) -> str:
    labels = list(labels)
    return ", ".join(labels) if labels else "none"


# --------------------------------------------------------------------------
# building the graph from tape nodes
# --------------------------------------------------------------------------

def build_graph(in_nodes: list, out_nodes: list, out_shapes: list, where: str = "elimination"
                ) -> LinearizedGraph:
    """The linearized graph between leaf nodes ``in_nodes`` and ``out_nodes`` of one recording.

    ``out_nodes[o]`` is None for an output that is not traced (a constant);
    ``out_shapes[o]`` is that output's shape.
    """
    g = LinearizedGraph()
    in_ids = {}
    for k, n in enumerate(in_nodes):
        label = "x" if len(in_nodes) == 1 else f"x{k + 1}"
        in_ids.setdefault(id(n), []).append(label)
        g.vertices[label] = Vertex(label, INPUT, tuple(n.shape), "input", k)
        g.inputs.append(label)
        g.preds[label], g.succs[label] = {}, {}
    # the nodes that lead to an output ...
    reached, stack = {}, [n for n in out_nodes if n is not None]
    while stack:
        n = stack.pop()
        if id(n) in reached:
            continue
        reached[id(n)] = n
        stack.extend(p for p in n.parents if p is not None and id(p) not in reached)
    # ... and depend on an input, in tape order
    depends = set(in_ids)
    kept = []
    for n in sorted(reached.values(), key=lambda n: n.seq):
        if n.op is None or id(n) in in_ids:
            continue
        if any(p is not None and id(p) in depends for p in n.parents):
            depends.add(id(n))
            kept.append(n)
    label_of = {i: labels[0] for i, labels in in_ids.items()}
    for k, n in enumerate(kept):
        label = f"v{k + 1}"
        label_of[id(n)] = label
        g.vertices[label] = Vertex(label, INTERMEDIATE, tuple(n.shape), n.op.name, len(in_nodes) + k)
        g.preds[label], g.succs[label] = {}, {}
    with count_flops() as c:
        for n in kept:
            v = label_of[id(n)]
            refuse_traced_inputs(n.args, where, "the elimination's Jacobians", n.op.name)
            for i, p in enumerate(n.parents):
                if p is None or id(p) not in label_of:
                    continue
                u = label_of[id(p)]
                J = op_jacobian(n.op, i, n.args, n.out, n.params)
                if isinstance(J, Zero):
                    continue
                old = g.preds[v].get(u)
                if old is None:
                    g.preds[v][u] = J
                    g.succs[u][v] = None
                    g.bytes += J.nbytes
                else:  # the op uses this value twice: one edge, the sum
                    s = _add(old, J)
                    g.bytes += J.nbytes + _written(s, old, J)
                    g.preds[v][u] = s
    g.build_flops = g.flops = c[0]
    # outputs: the vertex itself when nothing else uses it, else a copy (an identity edge)
    counts: dict = {}
    for n in out_nodes:
        if n is not None:
            counts[id(n)] = counts.get(id(n), 0) + 1
    single = len(out_nodes) == 1
    for o, (n, shape) in enumerate(zip(out_nodes, out_shapes)):
        src = label_of.get(id(n)) if n is not None else None
        own = (src is not None and g.vertices[src].role == INTERMEDIATE and not g.succs[src]
               and counts[id(n)] == 1)
        if own:
            g.vertices[src] = Vertex(src, OUTPUT, g.vertices[src].shape, g.vertices[src].op,
                                     g.vertices[src].index)
            g.outputs.append(src)
            continue
        label = "y" if single else f"y{o + 1}"
        g.vertices[label] = Vertex(label, OUTPUT, tuple(shape), "output", len(label_of) + o)
        g.preds[label], g.succs[label] = {}, {}
        g.outputs.append(label)
        if src is not None:
            g.preds[label][src] = Identity(tuple(shape))
            g.succs[src][label] = None
    _prune(g)
    g.layout = _layout(g)
    return g


def _prune(g: LinearizedGraph) -> None:
    """Drop intermediate vertices no nonzero path connects to both an input and an output."""
    changed = True
    while changed:
        changed = False
        for label in g.intermediates:
            if g.preds[label] and g.succs[label]:
                continue
            why = ("its Jacobian with respect to every input is zero" if not g.preds[label]
                   else "no output depends on it through a nonzero Jacobian")
            for u in g.preds[label]:
                del g.succs[u][label]
            for w in g.succs[label]:
                del g.preds[w][label]
            del g.preds[label], g.succs[label], g.vertices[label]
            g.removed[label] = why
            changed = True


def _layout(g: LinearizedGraph) -> dict:
    """(x, y) positions for drawing: x is the longest path from an input, y spreads each column."""
    level = {}
    for v in sorted(g.vertices.values(), key=lambda v: v.index):
        ps = g.preds[v.label]
        level[v.label] = 0 if not ps else 1 + max(level[u] for u in ps)
    last = max(level.values(), default=0)
    for o in g.outputs:
        level[o] = max(last, 1)
    columns: dict = {}
    for v in sorted(g.vertices.values(), key=lambda v: v.index):
        columns.setdefault(level[v.label], []).append(v.label)
    pos = {}
    for x, labels in columns.items():
        k = len(labels)
        for r, label in enumerate(labels):
            pos[label] = (float(x), (k - 1) / 2.0 - r)
    return pos
