"""Cost accounting: what each way of differentiating a function costs.

For one function at one input, :func:`cost` counts floating-point operations
(flops) and bytes of derivative data for

* one VJP sweep (a gradient, or one row of the Jacobian),
* one JVP sweep (one column),
* the full Jacobian by ``jacrev`` (one VJP per output entry) and by
  ``jacfwd`` (one JVP per input entry),
* dense Jacobian chaining in forward, reverse and optimal (matrix-chain) order,
* structured chaining (closed-form products of structured Jacobians; a
  result left as a lazy product of factors is charged the cost of
  materializing it, and the optimal row is never costlier than the forward
  and reverse rows),
* vertex elimination on the linearized graph in forward, reverse, Markowitz
  and optimal order (:mod:`tensorgrad.elimination`; exact counts from
  running each order, the optimal one only for graphs of at most 12
  intermediate vertices besides plain copies),

and recommends a strategy. The strategies are a list, :data:`STRATEGIES`
(name, how to count it, whether it yields the full Jacobian): adding one is
appending a :class:`Strategy`.

The differentiated argument may be a parameter pytree (a model's
parameters): every strategy is then counted for the whole input (all leaves
together: a VJP sweep gives every leaf's gradient at once, ``jacfwd`` pushes
the basis of every leaf, forward chaining runs once per leaf, reverse chaining
once for all of them).

Conventions: a product of an (m×k) and a (k×n)
matrix is 2·m·k·n flops; applying a diagonal to N entries is N flops;
reshapes, permutations and broadcasts are free. Only the derivative work is
counted: evaluating f, and the derivative values themselves (such as
1 − tanh²), belong to the forward pass. Bytes count the derivative arrays
written (cotangents, tangents, Jacobian factors and products) at 8 bytes per
float64 entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple


from .blocks import BlockJacobian
from .chain import RecordedTape, _chain, optimal_bracketing, tape_for
from .elimination.api import elimination_costs
from . import jacobians as jac
from .jacobians import count_flops
from .jacobians.maps import size as _size

__all__ = ["cost", "CostReport", "Strategy", "STRATEGIES"]

ITEM = 8  # bytes per float64 entry


@dataclass
class CostReport:
    """Flops and bytes per strategy, and the recommended one.

    ``in_shape`` is the input's shape (for a pytree input: ``(N,)``, N entries
    in all, with ``in_shapes`` the shape of each leaf by name).
    """

    in_shape: tuple
    out_shape: tuple
    rows: dict = field(default_factory=dict)
    recommendation: str = ""
    best: str = ""
    in_shapes: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> dict:
        return self.rows[name]

    def flops(self, name: str) -> int:
        return self.rows[name]["flops"]

    def __str__(self) -> str:
        if self.in_shapes:
            leaves = ", ".join(f"{n} {s}" for n, s in self.in_shapes.items())
            what = f"a pytree of {len(self.in_shapes)} leaves ({self.in_shape[0]:,} entries: {leaves})"
        else:
            what = str(self.in_shape)
        lines = [f"cost of derivatives of f: {what} → {self.out_shape}",
                 f"{'strategy':<22}{'flops':>16}{'bytes':>16}"]
        for name, r in self.rows.items():
            lines.append(f"{name:<22}{r['flops']:>16,}{r['bytes']:>16,}")
        lines.append(f"recommendation: {self.recommendation}")
        return "\n".join(lines)

    __repr__ = __str__


def _users(t: RecordedTape) -> dict:
    users: dict[int, int] = {}
    for e in t.entries:
        for _, p in e.inputs:
            users[id(p)] = users.get(id(p), 0) + 1
    return users


def _sweeps(t: RecordedTape):
    """Flops and bytes of one VJP sweep and one JVP sweep over the tape (every input leaf)."""
    vjp_f = jvp_f = vjp_b = jvp_b = 0
    users = _users(t)
    for e in t.entries:
        m = _size(e.out_shape)
        for i, p in e.inputs:
            J = e.local(i)
            vjp_f += J.vecmat_flops
            jvp_f += J.matvec_flops
            vjp_b += J.in_size * ITEM
        jvp_f += (len(e.inputs) - 1) * m  # summing the inputs' contributions
        jvp_b += m * ITEM
    sizes = {id(p): _size(p.shape) for e in t.entries for _, p in e.inputs}
    for node_id, k in users.items():  # cotangents arriving along several paths are summed
        vjp_f += (k - 1) * sizes[node_id]
    return vjp_f, vjp_b, jvp_f, jvp_b


def _dense_chain(t: RecordedTape, order: str):
    """Flops and bytes of multiplying the dense per-node Jacobians in one order
    (forward: once per input leaf, on the nodes that depend on it)."""
    if order == "forward" and t.is_pytree:
        parts = [_dense_chain(t.leaf_tape(k), "forward") for k in range(len(t.in_nodes))]
        return sum(p[0] for p in parts), sum(p[1] for p in parts)
    mo = _size(t.out_shape)
    flops = 0
    nbytes = sum(_size(e.out_shape) * _size(p.shape) * ITEM for e in t.entries for _, p in e.inputs)
    if order == "forward":
        n = _size(t.in_shape)
        for e in t.entries:
            m = _size(e.out_shape)
            for i, p in e.inputs:
                if p is not t.in_node:
                    flops += 2 * m * _size(p.shape) * n
            flops += (len(e.inputs) - 1) * m * n
            nbytes += m * n * ITEM
    else:
        received: dict[int, int] = {}
        for e in reversed(t.entries):
            m = _size(e.out_shape)
            for i, p in e.inputs:
                if e.node is not t.out_node:
                    flops += 2 * mo * m * _size(p.shape)
                received[id(p)] = received.get(id(p), 0) + 1
                if received[id(p)] > 1:
                    flops += mo * _size(p.shape)
                nbytes += mo * _size(p.shape) * ITEM
    return flops, nbytes


def _dense_optimal(t: RecordedTape):
    if not (t.is_chain and len(t.entries) > 2):
        return min(_dense_chain(t, "forward"), _dense_chain(t, "reverse"))
    dims = [_size(t.in_shape)] + [_size(e.out_shape) for e in t.entries]
    flops, split = optimal_bracketing(dims, ["dense"] * len(t.entries))
    nbytes = sum(dims[k] * dims[k + 1] * ITEM for k in range(len(dims) - 1))
    nbytes += _bracket_bytes(split, dims, 1, len(t.entries))
    return flops, nbytes


def _bracket_bytes(split, dims, i, j) -> int:
    if i == j:
        return 0
    s = split[i][j]
    return dims[j] * dims[i - 1] * ITEM + _bracket_bytes(split, dims, i, s) + _bracket_bytes(split, dims, s + 1, j)


#: Results whose entries are known in closed form; anything else (a lazy
#: product or sum of factors) is charged what it costs to materialize.
_EXPLICIT = (jac.Zero, jac.Identity, jac.Diagonal, jac.Dense, jac.Reshape, jac.Permute,
             jac.Broadcast, jac.SumTo, jac.MatmulLeft, jac.MatmulRight, jac.SoftmaxJacobian)


def _structured(t: RecordedTape, order: str):
    """Flops, bytes and Jacobian of structured chaining in ``order``, a lazy result charged
    for materializing it. "optimal" is never costlier than forward or reverse here: the
    chain's own choice weighs only the products, so when forward or reverse costs less
    once its result is materialized, that one is the optimal row."""
    if order == "optimal":  # (ties: the chain's own choice first)
        return min((_structured_run(t, o) for o in ("optimal", "forward", "reverse")),
                   key=lambda r: (r[0], r[1]))
    return _structured_run(t, order)


def _structured_run(t: RecordedTape, order: str):
    with count_flops():
        res = _chain(t, order, True)
    J = res.jacobian
    local = sum(e.local(i).nbytes for e in t.entries for i, _ in e.inputs)
    flops, nbytes = res.flops, local + J.nbytes
    for B in (J.blocks if isinstance(J, BlockJacobian) else [J]):
        if not isinstance(B, _EXPLICIT):  # a lazy product: applying it to the smaller basis
            flops += min(B.in_size * B.matvec_flops, B.out_size * B.vecmat_flops)
            nbytes += B.out_size * B.in_size * ITEM
    return flops, nbytes, J


# --------------------------------------------------------------------------
# the strategies
# --------------------------------------------------------------------------

class Strategy(NamedTuple):
    """One way to differentiate: ``count(tape, sweeps)`` returns ``{"flops": ..., "bytes": ...}``
    (and optionally ``"kind"``, the structure of the result); ``full`` says whether it
    yields the whole Jacobian (only those compete for the recommendation)."""

    name: str
    count: Callable
    full: bool = True


def _vjp(t, sw):
    return {"flops": sw[0], "bytes": sw[1]}


def _jvp(t, sw):
    return {"flops": sw[2], "bytes": sw[3]}


def _jacrev(t, sw):
    m = _size(t.out_shape)
    return {"flops": m * sw[0], "bytes": m * sw[1]}


def _jacfwd(t, sw):  # the whole basis of every leaf goes through one forward sweep
    n = _size(t.in_shape)
    return {"flops": n * sw[2], "bytes": n * sw[3]}


def _dense(order):
    def count(t, sw):
        fl, by = _dense_optimal(t) if order == "optimal" else _dense_chain(t, order)
        return {"flops": fl, "bytes": by}
    return count


def _structured_strategy(order):
    def count(t, sw):
        fl, by, J = _structured(t, order)
        return {"flops": fl, "bytes": by, "kind": J.kind if not isinstance(J, BlockJacobian)
                else ", ".join(f"{n}: {k}" for n, k in J.kinds.items())}
    return count


#: Every strategy :func:`cost` reports, in order. Append a :class:`Strategy` to add one.
STRATEGIES: list[Strategy] = [
    Strategy("vjp (one sweep)", _vjp, full=False),
    Strategy("jvp (one sweep)", _jvp, full=False),
    Strategy("jacrev", _jacrev),
    Strategy("jacfwd", _jacfwd),
    Strategy("dense chain forward", _dense("forward")),
    Strategy("dense chain reverse", _dense("reverse")),
    Strategy("dense chain optimal", _dense("optimal")),
    Strategy("structured forward", _structured_strategy("forward")),
    Strategy("structured reverse", _structured_strategy("reverse")),
    Strategy("structured optimal", _structured_strategy("optimal")),
]


def cost(f: Callable, *args, argnums: int = 0) -> CostReport:
    """Flops and bytes of every way to differentiate ``f`` at ``args``, and a recommendation.

    Why: the same Jacobian can cost O(N²) or O(N³) depending on the order
    of the chain rule's products, and a gradient never needs the Jacobian at
    all. The report makes those differences visible before you pick one.
    ``args[argnums]`` may be an array or a parameter pytree (counted whole).
    """
    t = tape_for(f, args, argnums, False, "cost")
    m = _size(t.out_shape)
    rep = CostReport(t.in_shape, t.out_shape)
    if t.is_pytree:
        rep.in_shapes = dict(zip(t.in_names, t.in_shapes))
    sw = _sweeps(t)
    full = []
    for s in STRATEGIES:
        rep.rows[s.name] = dict(s.count(t, sw))
        if s.full:
            full.append(s.name)
    rows = rep.rows
    # vertex elimination on the linearized graph, one row per order (tensorgrad.elimination)
    elim = elimination_costs(list(t.in_nodes), [t.out_node], [t.out_shape])
    rows.update(elim)
    full += list(elim)
    # the cheapest full-Jacobian strategy (a structured one wins ties: it keeps the structure)
    best = min(full, key=lambda k: (rows[k]["flops"], not k.startswith("structured"), rows[k]["bytes"]))
    rep.best = best
    vf, jf = sw[0], sw[2]
    if m == 1:
        rep.recommendation = (f"the output is a scalar: take the gradient with one VJP sweep "
                              f"(tg.grad), {vf:,} flops; the full Jacobian is that one row")
    else:
        how = (f" = tg.jacobian(f, method='elimination', order='{best.split()[1]}')"
               if best.startswith("elimination") else "")
        rep.recommendation = (f"full Jacobian: {best}{how} ({rows[best]['flops']:,} flops); "
                              f"for one product vᵀJ use one VJP sweep ({vf:,} flops), "
                              f"for J·v one JVP sweep ({jf:,} flops)")
    return rep
