"""The chain rule as a product of Jacobians, run on a recorded tape.

Record ``f`` once; every tape node between the input and the output has one
local Jacobian per traced input (:func:`tensorgrad.jacobians.op_jacobian`).
The Jacobian of ``f`` is their product, and the order of multiplication is
a choice:

* ``"forward"``: from the input side, ``J ← J_k · J`` (forward accumulation),
* ``"reverse"``: from the output side, ``J̄ ← J̄ · J_k`` (reverse accumulation),
* ``"optimal"``: the cheapest bracketing of a chain, by the classic
  matrix-chain dynamic programme (a tape that is not a chain uses the cheaper
  of forward and reverse).

With ``structured=True`` the factors keep their structure (a Diagonal times
a Diagonal stays a Diagonal); with ``structured=False`` each factor is the
ordinary dense (out_size × in_size) matrix, as the book multiplies them.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .jacobians import (Dense, Diagonal, Identity, Jacobian, Zero, add, compose, count_flops,
                        op_jacobian)
from .jacobians.algebra import count
from .jacobians.maps import size as _size
from .recording import Node
from .sweep import toposort
from .transforms import _norm_argnums, _record, jacrev

__all__ = ["TapeEntry", "RecordedTape", "record_tape", "chain_jacobians", "ChainResult",
           "structured_jacobian", "jacobian"]


@dataclass
class TapeEntry:
    """One node of the tape on a path from the input to the output."""

    node: Node
    inputs: list  # (input index, parent node) for parents that depend on the input
    _local: dict = field(default_factory=dict, repr=False)

    @property
    def op(self):
        return self.node.op

    def local(self, i: int) -> Jacobian:
        """The structured Jacobian of this node with respect to its input ``i`` (cached)."""
        J = self._local.get(i)
        if J is None:
            n = self.node
            J = op_jacobian(n.op, i, n.args, n.out, n.params)
            self._local[i] = J
        return J

    @property
    def out_shape(self) -> tuple:
        return tuple(self.node.shape)


@dataclass
class RecordedTape:
    """The part of a tape between one input leaf and the output."""

    entries: list
    in_node: Node
    out_node: Node | None
    in_shape: tuple
    out_shape: tuple
    out_value: Any
    all_nodes: list
    aux: Any = None

    @property
    def is_chain(self) -> bool:
        """True when each node has one dependent input: the previous node."""
        prev = self.in_node
        for e in self.entries:
            if len(e.inputs) != 1 or e.inputs[0][1] is not prev:
                return False
            prev = e.node
        return prev is self.out_node or (self.out_node is self.in_node and not self.entries)


def record_tape(f: Callable, *args, argnums: int = 0, has_aux: bool = False) -> RecordedTape:
    """Run ``f(*args)`` once on a tape and keep the nodes between ``args[argnums]`` and the output."""
    _, nums = _norm_argnums(argnums, len(args), "record_tape")
    rec = _record(f, args, nums, has_aux, "jacobian")
    if len(rec.in_nodes[0]) != 1:
        raise TypeError("structured Jacobians: the differentiated argument must be one array, "
                        f"got a pytree with {len(rec.in_nodes[0])} leaves")
    if len(rec.out_values) != 1:
        raise TypeError("structured Jacobians: the function must return one array, "
                        f"got a pytree {rec.out_tree}")
    in_node = rec.in_nodes[0][0]
    out_node = rec.out_nodes[0]
    out_value = np.asarray(rec.out_values[0])
    nodes = toposort([out_node]) if out_node is not None else []
    reach = {id(in_node)}
    entries = []
    for n in nodes:
        if n.op is None:
            continue
        ins = [(i, p) for i, p in enumerate(n.parents) if p is not None and id(p) in reach]
        if ins:
            reach.add(id(n))
            entries.append(TapeEntry(n, ins))
    if out_node is not None and id(out_node) not in reach:
        out_node = None
    return RecordedTape(entries, in_node, out_node, tuple(in_node.shape), tuple(out_value.shape),
                        out_value, nodes, rec.aux)


# --------------------------------------------------------------------------
# multiplying
# --------------------------------------------------------------------------

class _Algebra:
    """Products and sums of factors: structured Jacobians, or dense 2-D matrices."""

    def __init__(self, structured: bool):
        self.structured = structured

    def factor(self, e: TapeEntry, i: int):
        J = e.local(i)
        if self.structured:
            return J
        return J.matrix()

    def mul(self, a, b):
        if self.structured:
            return compose(a, b)
        count(2 * a.shape[0] * a.shape[1] * b.shape[1])
        return a @ b

    def add(self, a, b):
        if self.structured:
            return add(a, b)
        count(a.size)
        return a + b


@dataclass
class ChainResult:
    """A Jacobian obtained by chaining per-node Jacobians."""

    jacobian: Jacobian
    flops: int
    order: str
    structured: bool
    bracketing: str

    def todense(self) -> np.ndarray:
        return self.jacobian.todense()


def _finish(t: RecordedTape, J, structured: bool) -> Jacobian:
    if J is None:  # the output is the input itself
        return Identity(t.in_shape)
    if structured:
        return J
    return Dense(J, t.out_shape, t.in_shape)


def _forward(t: RecordedTape, alg: _Algebra):
    users: dict[int, int] = {}
    for e in t.entries:
        for _, p in e.inputs:
            users[id(p)] = users.get(id(p), 0) + 1
    acc: dict[int, Any] = {id(t.in_node): None}  # None: the identity (never multiplied)
    for e in t.entries:
        total = None
        for i, p in e.inputs:
            Jp = acc[id(p)]
            Jl = alg.factor(e, i)
            term = Jl if Jp is None else alg.mul(Jl, Jp)
            total = term if total is None else alg.add(total, term)
            users[id(p)] -= 1
            if users[id(p)] == 0 and p is not t.in_node:
                del acc[id(p)]  # free what no later node needs
        acc[id(e.node)] = total
    return acc[id(t.out_node)]


def _reverse(t: RecordedTape, alg: _Algebra):
    acc: dict[int, Any] = {id(t.out_node): None}
    for e in reversed(t.entries):
        if id(e.node) not in acc:
            continue
        G = acc.pop(id(e.node))
        for i, p in e.inputs:
            Jl = alg.factor(e, i)
            term = Jl if G is None else alg.mul(G, Jl)
            prev = acc.get(id(p), _MISSING)
            acc[id(p)] = term if prev is _MISSING else alg.add(prev, term)
    return acc[id(t.in_node)]


_MISSING = object()

# kinds for costing a bracketing: "free" maps cost nothing to apply
_FREE = ("identity", "reshape", "permutation", "broadcast")


def _cost_kind(J) -> str:
    """How the bracketing search prices a factor: "free", "diagonal" or "dense"."""
    if isinstance(J, np.ndarray):
        return "dense"
    if isinstance(J, Diagonal):
        return "diagonal"
    if J.kind in _FREE:
        return "free"
    return "dense"  # anything else is priced as dense (an upper bound)


def _pair(kl, kr, m, k, n):
    """Estimated flops and kind of (left m×k) @ (right k×n)."""
    if kl == "free":
        return 0, kr
    if kr == "free":
        return 0, kl
    if kl == "diagonal" and kr == "diagonal":
        return m, "diagonal"
    if kl == "diagonal" or kr == "diagonal":
        return m * n, "dense"
    return 2 * m * k * n, "dense"


def optimal_bracketing(dims: list, kinds: list) -> tuple[int, list]:
    """Matrix-chain order for factors J_1 … J_L (J_j maps dims[j-1] → dims[j]).

    Returns (estimated flops, split table). ``kinds[j-1]`` is "dense",
    "diagonal" or "free" for factor j.
    """
    L = len(kinds)
    best = [[0] * (L + 1) for _ in range(L + 1)]
    kind = [[None] * (L + 1) for _ in range(L + 1)]
    split = [[0] * (L + 1) for _ in range(L + 1)]
    for j in range(1, L + 1):
        kind[j][j] = kinds[j - 1]
    for length in range(2, L + 1):
        for i in range(1, L - length + 2):
            j = i + length - 1
            best[i][j] = None
            for s in range(i, j):
                # (J_j … J_{s+1}) ∘ (J_s … J_i): maps dims[i-1] → dims[s] → dims[j]
                c, kd = _pair(kind[s + 1][j], kind[i][s], dims[j], dims[s], dims[i - 1])
                c += best[i][s] + best[s + 1][j]
                if best[i][j] is None or c < best[i][j]:
                    best[i][j], kind[i][j], split[i][j] = c, kd, s
    return (best[1][L] if L else 0), split


def _bracket_str(split, i, j) -> str:
    if i == j:
        return f"J{i}"
    s = split[i][j]
    return f"({_bracket_str(split, s + 1, j)} {_bracket_str(split, i, s)})"


def _run_bracketing(factors, split, i, j, alg):
    if i == j:
        return factors[i - 1]
    s = split[i][j]
    left = _run_bracketing(factors, split, s + 1, j, alg)
    right = _run_bracketing(factors, split, i, s, alg)
    return alg.mul(left, right)


def chain_jacobians(f: Callable, *args, argnums: int = 0, order: str = "forward",
                    structured: bool = True, has_aux: bool = False) -> ChainResult:
    """The Jacobian of ``f`` at ``args`` as the product of its per-node Jacobians.

    ``order`` is "forward", "reverse" or "optimal"; ``structured=False``
    multiplies ordinary dense matrices instead. The result carries the
    Jacobian, the flops the multiplications took and the bracketing used.
    """
    if order not in ("forward", "reverse", "optimal"):
        raise ValueError(f"chain_jacobians: order must be 'forward', 'reverse' or 'optimal', got {order!r}")
    t = record_tape(f, *args, argnums=argnums, has_aux=has_aux)
    return _chain(t, order, structured)


def _chain(t: RecordedTape, order: str, structured: bool) -> ChainResult:
    alg = _Algebra(structured)
    if t.out_node is None:  # the output does not depend on the input
        return ChainResult(Zero(t.out_shape, t.in_shape), 0, order, structured, "0")
    L = len(t.entries)
    with count_flops() as c:
        if order == "optimal" and t.is_chain and L > 2:
            factors = [alg.factor(e, e.inputs[0][0]) for e in t.entries]
            dims = [_size(t.in_shape)] + [_size(e.out_shape) for e in t.entries]
            _, split = optimal_bracketing(dims, [_cost_kind(F) for F in factors])
            J = _run_bracketing(factors, split, 1, L, alg)
            bracket = _bracket_str(split, 1, L)
        else:
            if order == "optimal":  # not a chain: the cheaper accumulation direction
                order_used = "reverse" if _size(t.out_shape) < _size(t.in_shape) else "forward"
            else:
                order_used = order
            J = _forward(t, alg) if order_used == "forward" else _reverse(t, alg)
            bracket = _simple_bracket(L, order_used, t.is_chain)
    return ChainResult(_finish(t, J, structured), c[0], order, structured, bracket)


def _simple_bracket(L: int, order: str, chain: bool) -> str:
    if not chain:
        return f"{order} accumulation over the tape"
    if L == 0:
        return "I"
    if order == "forward":  # J_L (… (J_3 (J_2 J_1)))
        s = "J1"
        for k in range(2, L + 1):
            s = f"(J{k} {s})"
    else:  # (((J_L J_{L-1}) …) J_1)
        s = f"J{L}"
        for k in range(L - 1, 0, -1):
            s = f"({s} J{k})"
    return s[1:-1] if s.startswith("(") else s


# --------------------------------------------------------------------------
# the structured Jacobian of a function
# --------------------------------------------------------------------------

def structured_jacobian(f: Callable, argnums=0, has_aux: bool = False,
                        order: str = "forward") -> Callable:
    """A function returning the structured Jacobian of ``f`` (a :class:`Jacobian`).

    The per-node Jacobians are composed in closed form (forward order by
    default), so a chain of elementwise ops on N entries yields a Diagonal
    in O(N) time and memory; structure is lost (Dense) only where an op has
    none. One Jacobian per entry of ``argnums`` (a tuple when it is one).
    """

    @functools.wraps(f)
    def jac(*args):
        single, nums = _norm_argnums(argnums, len(args), "jacobian")
        results, aux = [], None
        for k in nums:
            t = record_tape(f, *args, argnums=k, has_aux=has_aux)
            aux = t.aux
            results.append(_structured_of(t, order))
        res = results[0] if single else tuple(results)
        return (res, aux) if has_aux else res
    return jac


def _structured_of(t: RecordedTape, order: str) -> Jacobian:
    if t.out_node is None:
        return Zero(t.out_shape, t.in_shape)
    if t.out_node is t.in_node:
        return Identity(t.in_shape)
    return _chain(t, order, True).jacobian


def jacobian(f: Callable, argnums=0, has_aux: bool = False, chunk_size: int | None = None,
             structured: bool = False) -> Callable:
    """The Jacobian of ``f``: ``jacrev`` by default (an array in JAX's layout).

    With ``structured=True`` it returns a structured :class:`Jacobian`
    instead (Diagonal, Dense, Product, …): the per-node Jacobians of the tape
    composed in closed form. Call ``.todense()`` for the ordinary array.
    """
    if structured:
        return structured_jacobian(f, argnums, has_aux)
    return jacrev(f, argnums, has_aux, chunk_size)
