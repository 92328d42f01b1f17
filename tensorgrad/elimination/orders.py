"""Elimination orders: forward, reverse, Markowitz, and the cheapest one by exact search.

* ``"forward"``: the intermediate vertices in tape order — forward
  accumulation (each vertex's Jacobian with respect to the inputs is
  complete before it is used);
* ``"reverse"``: reverse tape order — reverse accumulation;
* ``"markowitz"``: repeatedly the vertex of lowest Markowitz degree
  (predecessors × successors), ties broken by the flops of eliminating it
  now, then by tape order;
* ``"optimal"``: the order with the fewest flops, found by a best-first
  search over the sets of eliminated vertices (Dijkstra's algorithm on the
  lattice of subsets, pruned by the best of the three orders above). It
  visits up to 2ⁿ subsets of the n intermediate vertices, so it refuses
  graphs with more than :data:`OPTIMAL_LIMIT` of them.

The search prices orders with :mod:`.costmodel`, which predicts the counts
the real algebra makes. It is exact over orders as long as the edges left
after eliminating a set of vertices have the same kinds whatever order
removed them — true for the closed forms (Diagonal, Dense, Kronecker,
index maps); a lazy product may be kept in a different grouping.
"""
from __future__ import annotations

import heapq
import itertools

from .costmodel import describe, sym_add, sym_compose, sym_finish
from .graph import LinearizedGraph, _names

__all__ = ["OPTIMAL_LIMIT", "ORDER_NAMES", "resolve_order", "markowitz_order", "optimal_order",
           "predict_flops"]

#: The largest number of intermediate vertices ``order="optimal"`` searches (2ⁿ subsets).
OPTIMAL_LIMIT = 16

ORDER_NAMES = ("forward", "reverse", "markowitz", "optimal")


# --------------------------------------------------------------------------
# the graph as descriptions (for pricing orders without running them)
# --------------------------------------------------------------------------

def _describe_graph(g: LinearizedGraph):
    preds = {v: {u: describe(J) for u, J in ps.items()} for v, ps in g.preds.items()}
    succs = {u: set(ss) for u, ss in g.succs.items()}
    return preds, succs


def _eliminated(preds: dict, succs: dict, k):
    """(flops, preds', succs') after eliminating k; the inputs are left unchanged."""
    P = preds[k]
    S = succs[k]
    preds = dict(preds)
    succs = dict(succs)
    flops = 0
    for i in S:
        d = dict(preds[i])
        cik = d.pop(k)
        for j, ckj in P.items():
            prod, f = sym_compose(cik, ckj)
            flops += f
            if prod.t == "zero":
                continue
            old = d.get(j)
            if old is None:
                d[j] = prod
            else:
                d[j], f = sym_add(old, prod)
                flops += f
        preds[i] = d
    for j in P:
        s = set(succs[j])
        s.discard(k)
        s.update(S)
        succs[j] = s
    del preds[k], succs[k]
    return flops, preds, succs


def _elimination_cost(preds: dict, succs: dict, k) -> int:
    """Flops of eliminating k now (without keeping the result)."""
    flops = 0
    for i in succs[k]:
        cik = preds[i][k]
        for j, ckj in preds[k].items():
            prod, f = sym_compose(cik, ckj)
            flops += f
            old = preds[i].get(j)
            if old is not None and prod.t != "zero":
                flops += sym_add(old, prod)[1]
    return flops


def _finish_cost(preds: dict, outputs: list) -> int:
    return sum(sym_finish(J)[1] for o in outputs for J in preds[o].values())


def predict_flops(g: LinearizedGraph, order) -> int:
    """Predicted flops of eliminating ``order`` from ``g`` and finishing the Jacobian."""
    preds, succs = _describe_graph(g)
    total = 0
    for k in order:
        f, preds, succs = _eliminated(preds, succs, k)
        total += f
    if not g._finished:
        total += _finish_cost(preds, g.outputs)
    return total


# --------------------------------------------------------------------------
# the orders
# --------------------------------------------------------------------------

def markowitz_order(g: LinearizedGraph) -> list:
    """Lowest Markowitz degree first; ties by the flops of eliminating now, then tape order."""
    preds, succs = _describe_graph(g)
    left = list(g.intermediates)
    order = []
    while left:
        best = None
        for pos, k in enumerate(left):
            deg = len(preds[k]) * len(succs[k])
            if best is not None and deg > best[0]:
                continue
            key = (deg, _elimination_cost(preds, succs, k), pos)
            if best is None or key < best:
                best = key
        k = left.pop(best[2])
        order.append(k)
        _, preds, succs = _eliminated(preds, succs, k)
    return order


def optimal_order(g: LinearizedGraph, limit: int | None = None) -> tuple[list, int, int]:
    """The order with the fewest predicted flops: (order, flops, subsets visited).

    Best-first search over the sets of eliminated vertices: the cheapest
    partial elimination is extended first, so the first complete one popped
    is optimal. Sets that already cost more than the best of the forward,
    reverse and Markowitz orders are dropped.
    """
    limit = OPTIMAL_LIMIT if limit is None else int(limit)
    inter = g.intermediates
    n = len(inter)
    if n > limit:
        raise ValueError(f"order='optimal': the exact search visits up to 2^n sets of the n "
                         f"intermediate vertices, and this graph has n = {n}, more than the limit "
                         f"of {limit} (tensorgrad.elimination.OPTIMAL_LIMIT). Use order='markowitz', "
                         "or pass an explicit list of vertices")
    preds0, succs0 = _describe_graph(g)
    fin = 0 if g._finished else None
    # an upper bound from the classic orders
    bound, bound_order = None, None
    for cand in (list(inter), list(reversed(inter)), markowitz_order(g)):
        p, s, total = preds0, succs0, 0
        for k in cand:
            f, p, s = _eliminated(p, s, k)
            total += f
        total += fin if fin is not None else _finish_cost(p, g.outputs)
        if bound is None or total < bound:
            bound, bound_order = total, cand
    full = (1 << n) - 1
    if n == 0:
        return [], bound, 1
    best = {0: 0}
    graphs = {0: (preds0, succs0)}
    parent = {}
    tie = itertools.count()
    heap = [(0, next(tie), 0)]
    visited = 0
    while heap:
        cost, _, mask = heapq.heappop(heap)
        if cost > best.get(mask, cost):
            continue
        if mask == full:
            order = []
            while mask:
                mask, k = parent[mask]
                order.append(inter[k])
            return order[::-1], cost, visited
        visited += 1
        preds, succs = graphs.pop(mask)
        for k in range(n):
            bit = 1 << k
            if mask & bit:
                continue
            f, p2, s2 = _eliminated(preds, succs, inter[k])
            c2 = cost + f
            m2 = mask | bit
            if m2 == full:
                c2 += fin if fin is not None else _finish_cost(p2, g.outputs)
            if c2 > bound or c2 >= best.get(m2, c2 + 1):
                continue
            best[m2] = c2
            parent[m2] = (mask, k)
            graphs[m2] = (p2, s2)
            heapq.heappush(heap, (c2, next(tie), m2))
    return bound_order, bound, visited  # pragma: no cover - the bound's own order is always reachable


def resolve_order(g: LinearizedGraph, order) -> tuple[list, str]:
    """The list of vertices an ``order`` argument names, and a name for it."""
    inter = g.intermediates
    if isinstance(order, str):
        if order == "forward":
            return list(inter), "forward"
        if order == "reverse":
            return list(reversed(inter)), "reverse"
        if order == "markowitz":
            return markowitz_order(g), "markowitz"
        if order == "optimal":
            return optimal_order(g)[0], "optimal"
        raise ValueError(f"elimination: order must be one of {', '.join(map(repr, ORDER_NAMES))} "
                         f"or a list of vertex labels, got {order!r}")
    if not isinstance(order, (list, tuple)):
        raise TypeError(f"elimination: order must be one of {', '.join(map(repr, ORDER_NAMES))} or "
                        f"a list of vertex labels such as {inter[:2]!r}, got {type(order).__name__}")
    seen = set()
    for v in order:
        if not isinstance(v, str):
            raise TypeError(f"elimination: the order lists vertices by label (strings such as 'v1'), "
                            f"got {v!r} of type {type(v).__name__}; the intermediate vertices are "
                            f"{_names(inter)}")
        if v in seen:
            raise ValueError(f"elimination: the order names {v!r} twice; list every intermediate "
                             f"vertex once: {_names(inter)}")
        seen.add(v)
        g._check_intermediate(v, "elimination")
    missing = [v for v in inter if v not in seen]
    if missing:
        raise ValueError(f"elimination: the order leaves {_names(missing)} uneliminated; list every "
                         f"intermediate vertex once: {_names(inter)}")
    return list(order), "explicit"
