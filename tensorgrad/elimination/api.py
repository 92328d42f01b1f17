"""Jacobians by vertex elimination: record, build the linearized graph, eliminate, assemble.

``tg.jacobian(f, method="elimination", order=...)`` is the entry point most
code wants; :func:`eliminate` returns the Jacobian together with its exact
flop and byte counts and the order used, and :func:`linearized_graph` gives
the graph itself to eliminate by hand.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..complexity import real_tape
from ..sweep import quiet_rules, toposort
from ..transform_parts import refuse_traced_inputs
from ..transforms import _norm_argnums, _own, _record
from ..tree import tree_flatten, tree_unflatten
from .graph import LinearizedGraph, build_graph
from .orders import ORDER_NAMES, OPTIMAL_LIMIT, optimal_order, predict_flops, resolve_order

__all__ = ["Elimination", "linearized_graph", "eliminate", "elimination_jacobian",
           "compare_orders", "elimination_costs"]


@dataclass
class _Meta:
    single: bool
    n_args: int
    in_treedefs: list
    in_counts: list
    out_tree: Any
    aux: Any = None
    in_dtypes: list = field(default_factory=list)


def _record_graph(f: Callable, args: tuple, argnums, has_aux: bool, where: str) -> LinearizedGraph:
    single, nums = _norm_argnums(argnums, len(args), where)
    for k in nums:
        refuse_traced_inputs(tree_flatten(args[k])[0], where, "the elimination's Jacobians")
    rec = _record(f, args, nums, has_aux, where)
    in_nodes = [n for nodes in rec.in_nodes for n in nodes]
    real_tape(in_nodes + toposort([n for n in rec.out_nodes if n is not None]), where)
    out_shapes = [tuple(np.shape(v)) for v in rec.out_values]
    g = build_graph(in_nodes, list(rec.out_nodes), out_shapes, where)
    g._meta = _Meta(single, len(nums), list(rec.in_treedefs), [len(n) for n in rec.in_nodes],
                    rec.out_tree, rec.aux, [n.dtype for n in in_nodes])
    return g


def linearized_graph(f: Callable, *args, argnums=0, has_aux: bool = False) -> LinearizedGraph:
    """Record ``f(*args)`` once and return its linearized graph, ready to eliminate.

    Vertices are labelled ``x`` (or ``x1``, ``x2``, … for several input
    arrays), ``v1``, ``v2``, … for the recorded values in tape order (the
    numbering of :func:`tensorgrad.explain`) and ``y``/``y1``, … for an
    output that needs its own vertex. Eliminate vertices with
    ``graph.eliminate("v2")``; see :class:`~tensorgrad.elimination.LinearizedGraph`.
    """
    return _record_graph(f, args, argnums, has_aux, "linearized_graph")


@dataclass
class Elimination:
    """A Jacobian obtained by vertex elimination, with what it cost.

    ``jacobian`` has JAX's nesting (one block per output leaf and input leaf,
    as ``tg.jacrev`` returns them); each block is a structured
    :class:`~tensorgrad.jacobians.Jacobian`. ``flops`` are the multiply-adds
    the maps counted (building the graph, every elimination, and making lazy
    blocks explicit); ``bytes`` the derivative arrays written (local
    Jacobians and every edge an elimination created).
    """

    jacobian: Any
    flops: int
    bytes: int
    order: list
    order_name: str
    steps: list = field(default_factory=list)
    predicted_flops: int = 0
    search_seconds: float = 0.0
    aux: Any = None

    def todense(self) -> Any:
        """The Jacobian as NumPy arrays (JAX's layout, ``out.shape + in.shape`` per block)."""
        leaves, td = tree_flatten(self.jacobian)
        return tree_unflatten(td, [J.todense() for J in leaves])


def _assemble(g: LinearizedGraph, blocks: dict, structured: bool):
    meta = g._meta
    keys = [(o, x) for o in g.outputs for x in g.inputs]
    for o, x in keys:  # todense() in the input's dtype, as tg.jacrev and structured Jacobians
        if meta.in_dtypes:
            blocks[(o, x)].dense_dtype = meta.in_dtypes[g.inputs.index(x)]
    if structured:
        leaves = [blocks[key] for key in keys]
    else:  # arrays the caller owns: writable, none shared with another block or the tape
        leaves = _own([np.asarray(blocks[key].todense()) for key in keys])
    it = iter(leaves)
    per_out = []
    for _ in g.outputs:
        per_arg = []
        for k in range(meta.n_args):
            per_arg.append(tree_unflatten(meta.in_treedefs[k],
                                          [next(it) for _ in range(meta.in_counts[k])]))
        per_out.append(per_arg[0] if meta.single else tuple(per_arg))
    return tree_unflatten(meta.out_tree, per_out)


@quiet_rules  # (products of derivatives: 0·∞ is NaN without a warning, as in the sweeps)
def _run(g: LinearizedGraph, order, structured: bool = True) -> Elimination:
    t0 = time.perf_counter()
    names, name = resolve_order(g, order)
    searched = time.perf_counter() - t0
    predicted = predict_flops(g, names)
    steps = g.eliminate_all(names)
    blocks = g.blocks()
    return Elimination(_assemble(g, blocks, structured), g.flops, g.bytes, names, name, steps,
                       predicted + g.build_flops, searched, g._meta.aux)


def eliminate(f: Callable, *args, argnums=0, order="markowitz", has_aux: bool = False
              ) -> Elimination:
    """The Jacobian of ``f`` at ``args`` by vertex elimination in the given order.

    ``order`` is ``"forward"`` (tape order: forward accumulation),
    ``"reverse"`` (reverse accumulation), ``"markowitz"`` (lowest
    predecessors × successors first), ``"optimal"`` (the fewest flops, by
    exact search; at most ``OPTIMAL_LIMIT`` intermediate vertices) or an
    explicit list of every intermediate vertex label. Every order gives the
    same Jacobian; they differ in flops and bytes, which the result reports.
    """
    g = _record_graph(f, args, argnums, has_aux, "eliminate")
    return _run(g, order)


def elimination_jacobian(f: Callable, argnums=0, has_aux: bool = False, order="markowitz",
                         structured: bool = False) -> Callable:
    """A function returning the Jacobian of ``f`` by vertex elimination.

    What ``tg.jacobian(f, method="elimination", order=..., structured=...)``
    returns: arrays in JAX's layout (``structured=False``) or structured maps.
    """
    _check_order_arg(order)

    @functools.wraps(f)
    def jac(*args):
        g = _record_graph(f, args, argnums, has_aux, "jacobian(method='elimination')")
        res = _run(g, order, structured)
        return (res.jacobian, res.aux) if has_aux else res.jacobian
    return jac


def _check_order_arg(order) -> None:
    if isinstance(order, str) and order not in ORDER_NAMES:
        raise ValueError(f"jacobian(method='elimination'): order must be one of "
                         f"{', '.join(map(repr, ORDER_NAMES))} or a list of vertex labels, got {order!r}")
    if not isinstance(order, (str, list, tuple)):
        raise TypeError(f"jacobian(method='elimination'): order must be one of "
                        f"{', '.join(map(repr, ORDER_NAMES))} or a list of vertex labels, "
                        f"got {type(order).__name__}")


def compare_orders(f: Callable, *args, argnums=0, orders=ORDER_NAMES, has_aux: bool = False
                   ) -> dict:
    """Run several orders on one recording: ``{name: Elimination}``.

    ``"optimal"`` is skipped (absent from the result) when the graph has more
    than ``OPTIMAL_LIMIT`` intermediate vertices.
    """
    g = _record_graph(f, args, argnums, has_aux, "compare_orders")
    return orders_of_graph(g, orders)


def orders_of_graph(g: LinearizedGraph, orders=ORDER_NAMES) -> dict:
    out = {}
    for name in orders:
        if name == "optimal" and len(g.intermediates) > OPTIMAL_LIMIT:
            continue
        key = name if isinstance(name, str) else "explicit"
        out[key] = _run(g.copy(), name)
    return out


#: ``tg.cost`` searches the optimal order only up to this many intermediate vertices
#: (not counting copies), to stay a quick report; ``tg.eliminate`` goes to ``OPTIMAL_LIMIT``.
COST_OPTIMAL_LIMIT = 12


def elimination_costs(in_nodes: list, out_nodes: list, out_shapes: list) -> dict:
    """Rows for ``tg.cost``: ``{"elimination <order>": {"flops", "bytes", "order"}}``.

    Runs each order on the recorded nodes (exact counts). The optimal order is
    left out when the graph has more than ``COST_OPTIMAL_LIMIT`` intermediate
    vertices that are not copies.
    """
    g = build_graph(in_nodes, out_nodes, out_shapes, "cost")
    rows = {}
    for name in ORDER_NAMES:
        h = g.copy()
        if name == "optimal":
            try:
                names = optimal_order(h, COST_OPTIMAL_LIMIT)[0]
            except ValueError:
                continue
        else:
            names, _ = resolve_order(h, name)
        try:
            h.eliminate_all(names)
            h.blocks()
        except MemoryError:
            # a block too large to form (a lazy product materialized as Dense): report the
            # cost model's prediction, and the bytes of the dense blocks it would write
            dense_bytes = sum(8 * g.vertices[o].size * g.vertices[x].size
                              for o in g.outputs for x in g.inputs)
            rows[f"elimination {name}"] = {"flops": predict_flops(g, names) + g.build_flops,
                                           "bytes": dense_bytes, "order": names, "predicted": True}
            continue
        rows[f"elimination {name}"] = {"flops": h.flops, "bytes": h.bytes, "order": names}
    return rows
