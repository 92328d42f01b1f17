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
  graphs with more than :data:`OPTIMAL_LIMIT` of them. Copies — a vertex
  joined by an identity edge to its only successor, which has no other
  predecessor (or to its only predecessor, which has no other successor) —
  are eliminated first: the pair is one vertex under two names, so that
  costs nothing and leaves every later elimination's cost as it was.

The search prices orders with :mod:`.costmodel`, which predicts the counts
the real algebra makes (the tests hold the two equal). The values of the
edges left after eliminating a set of vertices do not depend on the order
that removed them, but their representation can (a lazy product grouped
differently), and so can the cost of what follows; the search therefore
keys its states by the set *and* the kinds and shapes of the edges left,
which keeps it exact over all orders.
"""
from __future__ import annotations

import heapq
import itertools

from .costmodel import describe, sym_add, sym_compose, sym_finish
from .graph import LinearizedGraph, _names

__all__ = ["OPTIMAL_LIMIT", "OPTIMAL_BUDGET", "ORDER_NAMES", "resolve_order", "markowitz_order", "optimal_order",
           "predict_flops"]

#: The largest number of intermediate vertices ``order="optimal"`` searches (2ⁿ subsets).
OPTIMAL_LIMIT = 16
#: The most partial eliminations the exact search expands before it gives up with an error
#: (a state is a set of eliminated vertices and the kinds of the edges left, so a graph within
#: OPTIMAL_LIMIT can still have too many; this bound keeps the search to seconds).
OPTIMAL_BUDGET = 100_000

ORDER_NAMES = ("forward", "reverse", "markowitz", "optimal")


# --------------------------------------------------------------------------
# the graph as descriptions (for pricing orders without running them)
# --------------------------------------------------------------------------
# Vertices are numbered; preds[v] maps a predecessor's number to the edge's
# description, succs[v] is a bitmask of successors. An elimination copies the
# two lists and only the dicts it changes, so search states share the rest.

def _describe_graph(g: LinearizedGraph):
    labels = list(g.vertices)
    num = {v: k for k, v in enumerate(labels)}
    preds = [{num[u]: describe(J) for u, J in g.preds[v].items()} for v in labels]
    succs = [sum(1 << num[w] for w in g.succs[v]) for v in labels]
    return labels, num, preds, succs


def _bits(mask: int):
    while mask:
        b = mask & -mask
        yield b.bit_length() - 1
        mask ^= b


def _eliminated(preds: list, succs: list, k: int):
    """(flops, preds', succs') after eliminating k; the inputs are left unchanged."""
    P = preds[k]
    S = succs[k]
    preds = list(preds)
    succs = list(succs)
    flops = 0
    for i in _bits(S):
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
    keep = ~(1 << k)
    for j in P:
        succs[j] = (succs[j] & keep) | S
    preds[k] = None
    succs[k] = 0
    return flops, preds, succs


def _elimination_cost(preds: list, succs: list, k: int) -> int:
    """Flops of eliminating k now (without keeping the result)."""
    flops = 0
    P = preds[k]
    for i in _bits(succs[k]):
        cik = preds[i][k]
        for j, ckj in P.items():
            prod, f = sym_compose(cik, ckj)
            flops += f
            old = preds[i].get(j)
            if old is not None and prod.t != "zero":
                flops += sym_add(old, prod)[1]
    return flops


def _finish_cost(preds: list, outputs: list) -> int:
    return sum(sym_finish(J)[1] for o in outputs for J in preds[o].values())


def _is_copy(preds: list, succs: list, k: int) -> bool:
    """True when k and a neighbour are one vertex under two names: an identity edge joins k to
    its only successor i and k is i's only predecessor, or joins k's only predecessor j to k
    and k is j's only successor. Eliminating k then only renames: it costs nothing, and every
    later elimination costs what it would have cost (the pair behaves as one vertex whatever
    the order). A looser test (an identity edge that merely adds into no edge *now*) is not
    exact: the sums it moves can later happen before a composition instead of after it.
    """
    P, S = preds[k], succs[k]
    if S and not S & (S - 1):  # one successor i, reached by an identity edge, fed only by k
        i = S.bit_length() - 1
        if preds[i][k].t == "id" and len(preds[i]) == 1:
            return True
    if len(P) == 1:  # one predecessor j, through an identity edge, feeding only k
        (j, e), = P.items()
        if e.t == "id" and succs[j] == 1 << k:
            return True
    return False


def predict_flops(g: LinearizedGraph, order) -> int:
    """Predicted flops of eliminating ``order`` from ``g`` and finishing the Jacobian."""
    _, num, preds, succs = _describe_graph(g)
    total = 0
    for v in order:
        f, preds, succs = _eliminated(preds, succs, num[v])
        total += f
    if not g._finished:
        total += _finish_cost(preds, [num[o] for o in g.outputs])
    return total


# --------------------------------------------------------------------------
# the orders
# --------------------------------------------------------------------------

def markowitz_order(g: LinearizedGraph) -> list:
    """Lowest Markowitz degree first; ties by the flops of eliminating now, then tape order."""
    labels, num, preds, succs = _describe_graph(g)
    left = [num[v] for v in g.intermediates]
    order = []
    while left:
        best = None
        for pos, k in enumerate(left):
            deg = len(preds[k]) * bin(succs[k]).count("1")
            if best is not None and deg > best[0]:
                continue
            key = (deg, _elimination_cost(preds, succs, k), pos)
            if best is None or key < best:
                best = key
        k = left.pop(best[2])
        order.append(labels[k])
        _, preds, succs = _eliminated(preds, succs, k)
    return order


def optimal_order(g: LinearizedGraph, limit: int | None = None) -> tuple[list, int, int]:
    """The order with the fewest predicted flops: (order, flops, subsets expanded).

    Best-first search over the sets of eliminated vertices: the cheapest
    partial elimination is extended first, so the first complete one popped
    is optimal. Sets that already cost as much as the best of the forward,
    reverse and Markowitz orders are dropped (that order is returned when
    nothing beats it).
    """
    limit = OPTIMAL_LIMIT if limit is None else int(limit)
    budget = OPTIMAL_BUDGET
    inter = g.intermediates
    labels, num, preds0, succs0 = _describe_graph(g)
    outs = [num[o] for o in g.outputs]

    def finish(p):
        return 0 if g._finished else _finish_cost(p, outs)

    # copies first: they cost nothing and leave the rest of the search unchanged
    copies = []
    changed = True
    while changed:
        changed = False
        for v in inter:
            k = num[v]
            if v not in copies and _is_copy(preds0, succs0, k):
                _, preds0, succs0 = _eliminated(preds0, succs0, k)
                copies.append(v)
                changed = True
    inter = [v for v in inter if v not in copies]
    n = len(inter)
    if n > limit:
        raise ValueError(f"order='optimal': the exact search visits up to 2^n sets of the n "
                         f"intermediate vertices, and this graph has n = {n} (not counting "
                         f"{len(copies)} plain {'copy' if len(copies) == 1 else 'copies'}), "
                         f"more than the limit of {limit} "
                         "(tensorgrad.elimination.OPTIMAL_LIMIT). Use order='markowitz', "
                         "or pass an explicit list of vertices")
    ids = [num[v] for v in inter]
    # an upper bound from the classic orders (run on the whole graph)
    bound, bound_order = None, None
    _, _, p_all, s_all = _describe_graph(g)
    for cand in (g.intermediates, g.intermediates[::-1], markowitz_order(g)):
        p, s, total = p_all, s_all, 0
        for v in cand:
            f, p, s = _eliminated(p, s, num[v])
            total += f
        total += finish(p)
        if bound is None or total < bound:
            bound, bound_order = total, list(cand)
    if n == 0:
        return copies, bound, 1
    # A state is the set of eliminated vertices together with the kinds of the
    # edges left (two orders can leave the same set with a lazy product grouped
    # differently, and then their futures differ); equal states are merged.
    # Each vertex's in-edges are numbered once (``table``; ``lists`` gives them
    # back), so a state is a tuple of ints and its graph is rebuilt from it.
    # Eliminating v reads only v's in-edges and those of its successors: the
    # flops and the successors' new in-edges are kept per such neighbourhood
    # (``local``), which many states share.
    full = (1 << n) - 1
    table: dict = {}  # each distinct list of in-edges (by kind and shape) gets a number
    lists: list = []  # number -> that list of in-edges (never changed: eliminations copy)

    def sig(d):
        if d is None:
            return -1
        key = tuple(sorted((u, e.key) for u, e in d.items()))
        num_ = table.get(key)
        if num_ is None:
            num_ = table[key] = len(lists)
            lists.append(d)
        return num_

    local: dict = {}
    members: dict = {}  # successor mask -> its vertices

    def step(sids, succs, v):
        S = succs[v]
        at = members.get(S)
        if at is None:
            at = members[S] = tuple(_bits(S))
        key = (v, sids[v], S, tuple(map(sids.__getitem__, at)))
        hit = local.get(key)
        if hit is None:
            preds = [None if q < 0 else lists[q] for q in sids]
            f, p2, _ = _eliminated(preds, succs, v)
            hit = local[key] = (f, tuple([(i, sig(p2[i])) for i in at]))
        return hit

    sids0 = tuple(sig(d) for d in preds0)
    start = (0, sids0)
    best = {start: 0}
    graphs = {start: tuple(succs0)}  # state -> successor masks (its in-edges are its sids)
    parent = {}
    tie = itertools.count()
    heap = [(0, next(tie), start)]
    expanded = 0
    while heap:
        cost, _, state = heapq.heappop(heap)
        if cost > best.get(state, cost):
            continue
        mask, sids = state
        if mask == full:
            order = []
            while state[0]:
                state, k = parent[state]
                order.append(inter[k])
            return copies + order[::-1], cost, expanded
        expanded += 1
        if expanded > budget:
            raise ValueError(
                f"order='optimal': the exact search over the {n} intermediate vertices expanded "
                f"{budget:,} partial eliminations without finishing (the edges' kinds multiply "
                "the 2^n sets); use order='markowitz', or pass an explicit list of vertices "
                "(tensorgrad.elimination.OPTIMAL_BUDGET sets this bound)")
        succs = graphs.pop(state)
        for k in range(n):
            bit = 1 << k
            if mask & bit:
                continue
            v = ids[k]
            f, changed = step(sids, succs, v)
            c2 = cost + f
            if c2 >= bound:  # only strictly better orders matter
                continue
            new = list(sids)
            new[v] = -1
            for i, q in changed:
                new[i] = q
            if mask | bit == full:
                c2 += finish([None if q < 0 else lists[q] for q in new])
                if c2 >= bound:
                    continue
            s_new = (mask | bit, tuple(new))
            if c2 >= best.get(s_new, c2 + 1):
                continue
            best[s_new] = c2
            parent[s_new] = (state, k)
            if s_new not in graphs:  # (the same state reached again: the same masks)
                s2 = list(succs)
                S, keep = succs[v], ~(1 << v)
                for j in lists[sids[v]]:
                    s2[j] = (s2[j] & keep) | S
                s2[v] = 0
                graphs[s_new] = tuple(s2)
            heapq.heappush(heap, (c2, next(tie), s_new))
    return bound_order, bound, expanded  # nothing beats the best classic order


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
