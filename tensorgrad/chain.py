"""The chain rule as a product of Jacobians, run on a recorded tape.

Record ``f`` once; every tape node between the input and the output has one
local Jacobian per traced input (:func:`tensorgrad.jacobians.op_jacobian`).
The Jacobian of ``f`` is their product, and the order of multiplication is
a choice:

* ``"forward"``: from the input side, ``J ← J_k · J`` (forward accumulation),
* ``"reverse"``: from the output side, ``J̄ ← J̄ · J_k`` (reverse accumulation),
* ``"optimal"``: the cheapest bracketing of a chain, by the classic
  matrix-chain dynamic programme (a tape that is not a chain runs both
  forward and reverse accumulation and keeps the cheaper). The programme
  prices dense factors exactly and structured ones by an estimate, so with
  structured factors forward and reverse accumulation run too, and the
  cheapest of the three is kept: never more flops than either.

With ``structured=True`` the factors keep their structure (a Diagonal times
a Diagonal stays a Diagonal); with ``structured=False`` each factor is the
ordinary dense (out_size × in_size) matrix, as the book multiplies them.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .complexity import real_tape
from .jacobians import (Dense, Diagonal, Identity, Jacobian, Zero, add, compose, count_flops,
                        op_jacobian)
from .elimination.api import elimination_jacobian
from .blocks import BlockJacobian, leaf_names
from .jacobians.algebra import count
from .jacobians.maps import size as _size
from .recording import Node
from .sweep import quiet_rules, toposort
from .tensor import concrete
from .transform_parts import refuse_traced_inputs
from .transforms import _norm_argnums, _record, jacrev
from .tree import tree_flatten

__all__ = ["TapeEntry", "RecordedTape", "record_tape", "chain_jacobians", "ChainResult",
           "structured_jacobian", "jacobian", "BlockJacobian"]


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
    """The part of a tape between the input leaves and the output.

    ``in_nodes`` holds one leaf node per array of the differentiated argument
    (one for an array, one per leaf for a pytree: ``in_tree`` is then its
    structure and ``in_names`` its leaf names, else ``in_tree`` is None).
    ``entries`` are the nodes that depend on any input leaf, in order.
    """

    entries: list
    in_nodes: list
    out_node: Node | None
    out_shape: tuple
    out_value: Any
    all_nodes: list
    aux: Any = None
    in_tree: Any = None
    in_names: list = field(default_factory=lambda: ["x"])
    #: the chained Jacobians already computed from this tape, by (order, structured)
    runs: dict = field(default_factory=dict, repr=False)

    @property
    def is_pytree(self) -> bool:
        return self.in_tree is not None

    @property
    def in_node(self) -> Node:
        """The input leaf (a tape of one array input)."""
        if len(self.in_nodes) != 1 or self.is_pytree:
            raise TypeError("this tape has a pytree input: use in_nodes, or leaf_tape(k) for one leaf")
        return self.in_nodes[0]

    @property
    def in_shape(self) -> tuple:
        """The input's shape (an array input), or the shape of the flattened pytree ``(N,)``."""
        if not self.is_pytree:
            return tuple(self.in_nodes[0].shape)
        return (sum(_size(n.shape) for n in self.in_nodes),)

    @property
    def in_shapes(self) -> list:
        return [tuple(n.shape) for n in self.in_nodes]

    @property
    def is_chain(self) -> bool:
        """True when each node has one dependent input: the previous node."""
        if len(self.in_nodes) != 1:
            return False
        prev = self.in_nodes[0]
        for e in self.entries:
            if len(e.inputs) != 1 or e.inputs[0][1] is not prev:
                return False
            prev = e.node
        return prev is self.out_node or (self.out_node is self.in_nodes[0] and not self.entries)

    def leaf_tape(self, k: int) -> "RecordedTape":
        """The single-input tape of leaf ``k``: the entries that depend on it, with the
        inputs that depend on it (local Jacobians are shared with this tape)."""
        leaf = self.in_nodes[k]
        reach = {id(leaf)}
        entries = []
        for e in self.entries:
            ins = [(i, p) for i, p in e.inputs if id(p) in reach]
            if ins:
                reach.add(id(e.node))
                entries.append(TapeEntry(e.node, ins, e._local))
        out = self.out_node if self.out_node is not None and id(self.out_node) in reach else None
        return RecordedTape(entries, [leaf], out, self.out_shape, self.out_value, self.all_nodes,
                            self.aux, None, [self.in_names[k]])


def record_tape(f: Callable, *args, argnums: int = 0, has_aux: bool = False) -> RecordedTape:
    """Run ``f(*args)`` once on a tape and keep the nodes between ``args[argnums]`` and the output.

    The differentiated argument may be an array or a pytree of arrays (a
    model's parameters); the output must be one array.
    """
    return tape_for(f, args, argnums, has_aux, "record_tape")


def tape_for(f: Callable, args: tuple, argnums, has_aux: bool, who: str) -> RecordedTape:
    """:func:`record_tape` on behalf of the public function ``who``, which its errors name."""
    if not isinstance(argnums, (int, np.integer)):
        raise TypeError(f"{who}: argnums must be one int here, got {argnums!r} "
                        "(pass several arguments as one pytree, or call once per argument)")
    _, nums = _norm_argnums(argnums, len(args), who)
    refuse_traced_inputs(tree_flatten(args[nums[0]])[0], "structured Jacobians",
                         "structured Jacobians")
    rec = _record(f, args, nums, has_aux, "jacobian")
    in_nodes = list(rec.in_nodes[0])
    td = rec.in_treedefs[0]
    if not in_nodes:
        raise TypeError(f"{who}: argument {nums[0]} holds no arrays to differentiate "
                        f"(an empty pytree {td})")
    if len(rec.out_values) != 1:
        raise TypeError(f"{who}: the function must return one array (a loss, or a "
                        f"model's output), got a pytree {rec.out_tree}; return one array, or the "
                        "others as aux with has_aux=True")
    pytree = td.kind != "leaf"
    names = leaf_names(args[nums[0]], "") if pytree else ["x"]
    out_node = rec.out_nodes[0]
    out_value = np.asarray(concrete(rec.out_values[0]))
    nodes = toposort([out_node]) if out_node is not None else []
    real_tape(nodes + in_nodes, "structured Jacobians")
    reach = {id(n) for n in in_nodes}
    entries = []
    for n in nodes:
        if n.op is None:
            continue
        ins = [(i, p) for i, p in enumerate(n.parents) if p is not None and id(p) in reach]
        if ins:
            refuse_traced_inputs(n.args, "structured Jacobians", "structured Jacobians", n.op.name)
            reach.add(id(n))
            entries.append(TapeEntry(n, ins))
    if out_node is not None and id(out_node) not in reach:
        out_node = None
    return RecordedTape(entries, in_nodes, out_node, tuple(out_value.shape), out_value, nodes,
                        rec.aux, td if pytree else None, names)


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

    jacobian: Any  # a Jacobian, or a BlockJacobian for a pytree input
    flops: int
    order: str
    structured: bool
    bracketing: str
    aux: Any = None  # with has_aux=True: the function's auxiliary output

    def todense(self) -> Any:
        """The dense Jacobian (a pytree of dense blocks for a pytree input)."""
        return self.jacobian.todense()


def _finish(t: RecordedTape, J, structured: bool, k: int = 0) -> Jacobian:
    leaf = t.in_nodes[k]
    shape = tuple(leaf.shape)
    if J is _MISSING:  # the output does not depend on this leaf
        return Zero(t.out_shape, shape)
    if J is None:  # the output is the input itself
        return Identity(shape)
    if structured:
        return J
    return Dense(J, t.out_shape, shape)


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
    acc = _reverse_all(t, alg)
    return acc.get(id(t.in_nodes[0]), _MISSING)


def _reverse_all(t: RecordedTape, alg: _Algebra) -> dict:
    """Reverse accumulation over the whole tape: ``{id(node): ∂out/∂node}`` for every input
    leaf reached (None: the identity, when the output is that leaf)."""
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
    return acc


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


ORDERS = ("forward", "reverse", "optimal")


def check_order(order, who: str) -> str:
    """``order`` if it is one of :data:`ORDERS`, else a ValueError naming ``who``."""
    if not isinstance(order, str) or order not in ORDERS:
        raise ValueError(f"{who}: order must be 'forward', 'reverse' or 'optimal', got {order!r}")
    return order


def chain_jacobians(f: Callable, *args, argnums: int = 0, order: str = "forward",
                    structured: bool = True, has_aux: bool = False) -> ChainResult:
    """The Jacobian of ``f`` at ``args`` as the product of its per-node Jacobians.

    ``order`` is "forward", "reverse" or "optimal" (the cheapest bracketing found,
    never more flops than forward or reverse); ``structured=False``
    multiplies ordinary dense matrices instead. The result carries the
    Jacobian, the flops the multiplications took and the bracketing used (and, with
    ``has_aux=True``, the function's auxiliary output as ``aux``).
    When ``args[argnums]`` is a pytree (a model's parameters) the Jacobian is a
    :class:`~tensorgrad.blocks.BlockJacobian`, one block per leaf.
    """
    check_order(order, "chain_jacobians")
    t = tape_for(f, args, argnums, has_aux, "chain_jacobians")
    result = _chain(t, order, structured)
    _in_input_dtypes(t, result.jacobian)
    if has_aux:
        result.aux = t.aux
    return result


def _chain(t: RecordedTape, order: str, structured: bool) -> ChainResult:
    """The chained Jacobian of tape ``t`` in ``order``, run once per tape and kept there
    (``tg.cost`` asks for each order, and "optimal" compares itself with the other two)."""
    key = (order, bool(structured))
    res = t.runs.get(key)
    if res is None:
        res = t.runs[key] = _chain_run(t, order, structured)
    return res


@quiet_rules  # (products of derivatives: 0·∞ is NaN without a warning, as in the sweeps)
def _chain_run(t: RecordedTape, order: str, structured: bool) -> ChainResult:
    if t.is_pytree:
        return _chain_blocks(t, order, structured)
    if t.out_node is None:  # the output does not depend on the input
        return ChainResult(Zero(t.out_shape, t.in_shape), 0, order, structured, "0")
    if order == "optimal":
        return _optimal(t, structured)
    alg = _Algebra(structured)
    with count_flops() as c:
        J = _forward(t, alg) if order == "forward" else _reverse(t, alg)
    bracket = _simple_bracket(len(t.entries), order, t.is_chain)
    return ChainResult(_finish(t, J, structured), c[0], order, structured, bracket)


def _optimal(t: RecordedTape, structured: bool) -> ChainResult:
    """The cheapest way found, by the flops each candidate really takes: the matrix-chain
    bracketing of a chain of more than two factors, and forward and reverse accumulation.

    The bracketing search prices dense factors exactly, so with ``structured=False`` its
    bracketing is the cheapest of all. Structured factors it can only estimate (a product
    of two maps may keep a closed form or stay lazy), so there forward and reverse
    accumulation run too and the cheapest of the three is kept: "optimal" never takes
    more flops than either. Ties go to the bracketing, then to the smaller side first.
    """
    L = len(t.entries)
    first = "reverse" if _size(t.out_shape) < _size(t.in_shape) else "forward"
    others = [first, "forward" if first == "reverse" else "reverse"]
    runs = []
    if t.is_chain and L > 2:
        alg = _Algebra(structured)
        factors = [alg.factor(e, e.inputs[0][0]) for e in t.entries]
        dims = [_size(t.in_shape)] + [_size(e.out_shape) for e in t.entries]
        _, split = optimal_bracketing(dims, [_cost_kind(F) for F in factors])
        bracket = _bracket_str(split, 1, L)
        with count_flops() as c:
            J = _run_bracketing(factors, split, 1, L, alg)
        runs.append(ChainResult(_finish(t, J, structured), c[0], "optimal", structured, bracket))
        if not structured:
            return runs[0]
        # (forward or reverse accumulation may be the very bracketing found: no need to rerun it)
        others = [o for o in others if f"({_simple_bracket(L, o, True)})" != bracket]
    runs += [_chain(t, o, structured) for o in others]
    best = min(runs, key=lambda r: r.flops)
    return ChainResult(best.jacobian, best.flops, "optimal", structured, best.bracketing)


def _chain_blocks(t: RecordedTape, order: str, structured: bool) -> ChainResult:
    """A pytree input: one block per leaf. Reverse accumulation runs once over the whole
    tape (the output side is shared by every leaf); forward accumulation runs once per
    leaf, on the nodes that depend on it; "optimal" is the cheaper of reverse accumulation
    over the whole tape and each leaf's own optimal order (which is never worse than
    forward accumulation on that leaf)."""
    if order == "optimal":
        runs = [_chain(t, "reverse", structured), _chain_blocks(t, "per-leaf", structured)]
        if _size(t.out_shape) > _size(t.in_shape):  # (ties: the one that suits the sizes)
            runs.reverse()
        best = min(runs, key=lambda r: r.flops)
        return ChainResult(best.jacobian, best.flops, order, structured, best.bracketing)
    alg = _Algebra(structured)
    if order == "reverse":
        if t.out_node is None:
            acc = {}
        else:
            with count_flops() as c:
                acc = _reverse_all(t, alg)
        blocks = [_finish(t, acc.get(id(n), _MISSING), structured, k) for k, n in enumerate(t.in_nodes)]
        flops = c[0] if t.out_node is not None else 0
        bracket = "reverse accumulation over the whole tape"
    else:  # "forward", or "per-leaf": each leaf's own optimal order
        each = "forward" if order == "forward" else "optimal"
        parts = [_chain(t.leaf_tape(k), each, structured) for k in range(len(t.in_nodes))]
        blocks = [r.jacobian for r in parts]
        flops = sum(r.flops for r in parts)
        bracket = "; ".join(f"{name}: {r.bracketing}" for name, r in zip(t.in_names, parts))
        order = "optimal" if order == "per-leaf" else order
    return ChainResult(BlockJacobian(blocks, t.in_tree, t.in_names), flops, order, structured, bracket)


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
    A pytree argument (a model's parameters) gets a
    :class:`~tensorgrad.blocks.BlockJacobian`: one block per leaf, each keeping
    its structure; ``.todense()`` gives what ``tg.jacrev`` gives. ``order`` is
    "forward", "reverse" or "optimal", as for :func:`chain_jacobians`.
    """
    return _structured_jacobian(f, argnums, has_aux, check_order(order, "structured_jacobian"),
                                "structured_jacobian")


def _structured_jacobian(f: Callable, argnums, has_aux: bool, order: str, who: str) -> Callable:
    @functools.wraps(f)
    def jac(*args):
        single, nums = _norm_argnums(argnums, len(args), who)
        results, aux = [], None
        for k in nums:
            t = tape_for(f, args, k, has_aux, who)
            aux = t.aux
            results.append(_structured_of(t, order))
        res = results[0] if single else tuple(results)
        return (res, aux) if has_aux else res
    return jac


def _in_input_dtypes(t: RecordedTape, J):
    """``J`` with ``todense()`` in the input's dtype (each leaf's, for a pytree input), as
    ``tg.jacrev`` gives it: a float32 input's Jacobian is float32, though the identity bases
    and structural maps it was multiplied from are float64."""
    if t.is_pytree:
        for block, leaf in zip(J.blocks, t.in_nodes):
            block.dense_dtype = leaf.dtype
    else:
        J.dense_dtype = t.in_node.dtype
    return J


def _structured_of(t: RecordedTape, order: str):
    if t.is_pytree:
        return _in_input_dtypes(t, _chain(t, order, True).jacobian)
    if t.out_node is None:
        J = Zero(t.out_shape, t.in_shape)
    elif t.out_node is t.in_node:
        J = Identity(t.in_shape)
    else:
        J = _chain(t, order, True).jacobian
    return _in_input_dtypes(t, J)


def jacobian(f: Callable, argnums=0, has_aux: bool = False, chunk_size: int | None = None,
             structured: bool = False, method: str | None = None, order=None, *,
             holomorphic: bool = False, allow_int: bool = False) -> Callable:
    """The Jacobian of ``f``: ``jacrev`` by default (an array in JAX's layout; ``holomorphic``
    and ``allow_int`` as ``jax.jacobian``'s).

    With ``structured=True`` it returns a structured :class:`Jacobian`
    instead (Diagonal, Dense, Product, …): the per-node Jacobians of the tape
    composed in closed form. Call ``.todense()`` for the ordinary array.

    With ``method="elimination"`` the Jacobian comes from eliminating the
    vertices of the linearized graph in ``order`` — ``"forward"``,
    ``"reverse"``, ``"markowitz"`` (the default), ``"optimal"`` or a list of
    vertex labels (see :mod:`tensorgrad.elimination`); ``structured`` then
    chooses structured maps or arrays, and pytrees of inputs and outputs work
    as for ``jacrev``.
    """
    if method == "elimination":
        return elimination_jacobian(f, argnums, has_aux, "markowitz" if order is None else order,
                                    structured)
    if method not in (None, "jacrev"):
        raise ValueError(f"jacobian: method must be None, 'jacrev' or 'elimination', got {method!r}")
    if order is not None:
        raise ValueError("jacobian: order= chooses the elimination order and needs "
                         f"method='elimination' (got method={method!r})")
    if holomorphic or allow_int:
        if method is not None or structured:
            raise ValueError("jacobian: holomorphic and allow_int are jacrev's options; they "
                             "do not combine with structured=True or method=")
        return jacrev(f, argnums, has_aux, chunk_size, holomorphic=holomorphic, allow_int=allow_int)
    if structured:
        return _structured_jacobian(f, argnums, has_aux, "forward", "jacobian")
    return jacrev(f, argnums, has_aux, chunk_size)
