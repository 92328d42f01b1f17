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
  materializing it),

and recommends a strategy. Conventions: a product of an (m×k) and a (k×n)
matrix is 2·m·k·n flops; applying a diagonal to N entries is N flops;
reshapes, permutations and broadcasts are free. Only the derivative work is
counted: evaluating f, and the derivative values themselves (such as
1 − tanh²), belong to the forward pass. Bytes count the derivative arrays
written (cotangents, tangents, Jacobian factors and products) at 8 bytes per
float64 entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


from .chain import RecordedTape, _chain, optimal_bracketing, record_tape
from . import jacobians as jac
from .jacobians import count_flops
from .jacobians.maps import size as _size

__all__ = ["cost", "CostReport"]

ITEM = 8  # bytes per float64 entry


@dataclass
class CostReport:
    """Flops and bytes per strategy, and the recommended one."""

    in_shape: tuple
    out_shape: tuple
    rows: dict = field(default_factory=dict)
    recommendation: str = ""
    best: str = ""

    def __getitem__(self, name: str) -> dict:
        return self.rows[name]

    def flops(self, name: str) -> int:
        return self.rows[name]["flops"]

    def __str__(self) -> str:
        lines = [f"cost of derivatives of f: {self.in_shape} → {self.out_shape}",
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
    """Flops and bytes of one VJP sweep and one JVP sweep over the tape."""
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
    """Flops and bytes of multiplying the dense per-node Jacobians in one order."""
    n = _size(t.in_shape)
    mo = _size(t.out_shape)
    flops = 0
    nbytes = sum(_size(e.out_shape) * _size(p.shape) * ITEM for e in t.entries for _, p in e.inputs)
    if order == "forward":
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
    with count_flops():
        res = _chain(t, order, True)
    J = res.jacobian
    local = sum(e.local(i).nbytes for e in t.entries for i, _ in e.inputs)
    flops, nbytes = res.flops, local + J.nbytes
    if not isinstance(J, _EXPLICIT):  # a lazy product: applying it to the smaller basis
        flops += min(J.in_size * J.matvec_flops, J.out_size * J.vecmat_flops)
        nbytes += J.out_size * J.in_size * ITEM
    return flops, nbytes, J


def cost(f: Callable, *args, argnums: int = 0) -> CostReport:
    """Flops and bytes of every way to differentiate ``f`` at ``args``, and a recommendation.

    Why: the same Jacobian can cost O(N²) or O(N³) depending on the order
    of the chain rule's products, and a gradient never needs the Jacobian at
    all. The report makes those differences visible before you pick one.
    """
    t = record_tape(f, *args, argnums=argnums)
    n, m = _size(t.in_shape), _size(t.out_shape)
    rep = CostReport(t.in_shape, t.out_shape)
    vf, vb, jf, jb = _sweeps(t)
    rows = rep.rows
    rows["vjp (one sweep)"] = {"flops": vf, "bytes": vb}
    rows["jvp (one sweep)"] = {"flops": jf, "bytes": jb}
    rows["jacrev"] = {"flops": m * vf, "bytes": m * vb}
    rows["jacfwd"] = {"flops": n * jf, "bytes": n * jb}
    for order in ("forward", "reverse"):
        fl, by = _dense_chain(t, order)
        rows[f"dense chain {order}"] = {"flops": fl, "bytes": by}
    fl, by = _dense_optimal(t)
    rows["dense chain optimal"] = {"flops": fl, "bytes": by}
    best_s = None
    for order in ("forward", "reverse", "optimal"):
        fl, by, J = _structured(t, order)
        rows[f"structured {order}"] = {"flops": fl, "bytes": by, "kind": J.kind}
        if best_s is None or fl < rows[best_s]["flops"]:
            best_s = f"structured {order}"
    full = ["jacrev", "jacfwd", "dense chain forward", "dense chain reverse",
            "dense chain optimal", best_s]
    best = min(full, key=lambda k: (rows[k]["flops"], rows[k]["bytes"]))
    if best != best_s and rows[best_s]["flops"] == rows[best]["flops"]:
        best = best_s
    rep.best = best
    if m == 1:
        rep.recommendation = (f"the output is a scalar: take the gradient with one VJP sweep "
                              f"(tg.grad), {vf:,} flops; the full Jacobian is that one row")
    else:
        rep.recommendation = (f"full Jacobian: {best} ({rows[best]['flops']:,} flops); "
                              f"for one product vᵀJ use one VJP sweep ({vf:,} flops), "
                              f"for J·v one JVP sweep ({jf:,} flops)")
    return rep
