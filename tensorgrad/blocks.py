"""The Jacobian of a function of a parameter pytree: one structured block per leaf.

A model's parameters are a pytree (dicts and lists of arrays), so the
Jacobian of ``f(params)`` is not one map but one per leaf:
``∂f/∂params = [∂f/∂W1, ∂f/∂b1, ...]``. :class:`BlockJacobian` keeps them
side by side, each with its own structure (a Diagonal stays a Diagonal, a
Kronecker form stays one), and acts on whole pytrees:

* ``J.matvec(t)`` takes a tangent pytree shaped like the parameters and
  returns Σ_leaf J_leaf·t_leaf (the JVP);
* ``J.vecmat(g)`` takes an output covector and returns a pytree of
  cotangents shaped like the parameters (the VJP, i.e. a gradient);
* ``J.todense()`` is the pytree of dense blocks that ``tg.jacrev`` returns
  (JAX's layout ``out.shape + leaf.shape`` per leaf).

Blocks are read by leaf name (``J["0.W"]``: dict keys and list indices
joined by dots), by position (``J[0]``), or as a pytree (``J.tree()``).
"""
from __future__ import annotations

from typing import Any, Iterator

from .tree import TreeDef, named_leaves, tree_flatten, tree_unflatten

__all__ = ["BlockJacobian", "TransposedBlocks", "leaf_names"]


def leaf_names(tree: Any, prefix: str = "") -> list[str]:
    """Names of a pytree's leaves in ``tree_leaves`` order: dict keys and list
    indices joined by dots (``"0.W"``); ``prefix`` alone for a single array."""
    return [name for name, _, _ in named_leaves(tree, prefix)]


class BlockJacobian:
    """One structured Jacobian per leaf of a pytree input, all with the same output.

    ``blocks[k]`` maps leaf k's tangents (shape ``in_shapes[k]``) to the
    output (shape ``out_shape``). ``treedef`` rebuilds the input's structure
    and ``names`` name the leaves.
    """

    kind = "blocks"

    def __init__(self, blocks: list, treedef: TreeDef, names: list[str]):
        blocks = list(blocks)
        if len(blocks) != treedef.num_leaves or len(names) != len(blocks):
            raise ValueError(f"BlockJacobian: {len(blocks)} blocks and {len(names)} names for a "
                             f"pytree with {treedef.num_leaves} leaves")
        outs = {b.out_shape for b in blocks}
        if len(outs) > 1:
            raise ValueError(f"BlockJacobian: blocks with different output shapes {sorted(outs)}")
        self.blocks, self.treedef, self.names = blocks, treedef, list(names)

    # -- reading -------------------------------------------------------------
    @property
    def out_shape(self) -> tuple:
        return self.blocks[0].out_shape if self.blocks else ()

    @property
    def shape(self) -> tuple:
        """``(out_shape, in_shapes)``: the output's shape and the input pytree of leaf shapes
        (a single map's ``shape`` is ``(out_shape, in_shape)``)."""
        return self.out_shape, tree_unflatten(self.treedef, [tuple(s) for s in self.in_shapes])

    @property
    def T(self) -> "TransposedBlocks":
        """The transpose: output covectors to input pytrees (``J.T.matvec(g) = J.vecmat(g)``)."""
        return TransposedBlocks(self)

    def _like(self, blocks) -> "BlockJacobian":
        return BlockJacobian(blocks, self.treedef, self.names)

    def __add__(self, other):
        """``J + K`` for two block Jacobians of the same input pytree and output: blockwise."""
        if not isinstance(other, BlockJacobian):
            return NotImplemented
        if other.treedef != self.treedef or other.out_shape != self.out_shape:
            raise ValueError(f"cannot add BlockJacobians of shapes {self.shape} and {other.shape}")
        return self._like([a + b for a, b in zip(self.blocks, other.blocks)])

    def __sub__(self, other):
        if not isinstance(other, BlockJacobian):
            return NotImplemented
        return self + (-other)

    def __neg__(self):
        return self._like([-b for b in self.blocks])

    def __mul__(self, c):
        """``c·J`` for a number c, blockwise."""
        if not isinstance(c, (int, float, complex)) or isinstance(c, bool):
            return NotImplemented
        return self._like([c * b for b in self.blocks])

    __rmul__ = __mul__

    @property
    def in_shapes(self) -> list:
        """The shape of each leaf, in leaf order."""
        return [b.in_shape for b in self.blocks]

    @property
    def in_size(self) -> int:
        """Entries of the whole input (all leaves)."""
        return sum(b.in_size for b in self.blocks)

    @property
    def out_size(self) -> int:
        return self.blocks[0].out_size if self.blocks else 0

    @property
    def kinds(self) -> dict:
        """``{leaf name: kind of its block}``."""
        return {n: b.kind for n, b in zip(self.names, self.blocks)}

    @property
    def nbytes(self) -> int:
        return sum(b.nbytes for b in self.blocks)

    def tree(self) -> Any:
        """The blocks arranged as the input pytree."""
        return tree_unflatten(self.treedef, self.blocks)

    def items(self) -> list:
        """``[(leaf name, block), ...]`` in leaf order."""
        return list(zip(self.names, self.blocks))

    def __len__(self) -> int:
        return len(self.blocks)

    def __iter__(self) -> Iterator:
        return iter(self.blocks)

    def __getitem__(self, key):
        if isinstance(key, str):
            try:
                return self.blocks[self.names.index(key)]
            except ValueError:
                raise KeyError(f"BlockJacobian: no leaf named {key!r}; leaves: {', '.join(self.names)}") from None
        return self.blocks[key]

    # -- application -------------------------------------------------------------
    def matvec(self, t) -> Any:
        """J·t for a tangent pytree shaped like the input: the sum over leaves (the JVP)."""
        leaves, td = tree_flatten(t)
        if td != self.treedef:
            raise ValueError(f"BlockJacobian.matvec: tangent structure {td} does not match the "
                             f"input's {self.treedef}")
        total = None
        for b, v in zip(self.blocks, leaves):
            r = b.matvec(v)
            total = r if total is None else total + r
        return total

    def apply(self, t) -> Any:
        """J·t, the map applied to a tangent pytree: :meth:`matvec` (``J @ t`` too)."""
        return self.matvec(t)

    def __matmul__(self, t):
        """``J @ t`` for a tangent pytree is :meth:`matvec`; ``J @ K`` (a map after which this
        one would apply) is not defined: a pytree of inputs has no single map into it."""
        if hasattr(t, "matvec"):
            return NotImplemented
        return self.matvec(t)

    def vecmat(self, g) -> Any:
        """g·J for an output covector (with optional leading batch axes): a pytree
        of cotangents shaped like the input (the VJP)."""
        return tree_unflatten(self.treedef, [b.vecmat(g) for b in self.blocks])

    def todense(self) -> Any:
        """The pytree of dense blocks, each ``out_shape + leaf.shape`` (what ``tg.jacrev`` returns)."""
        return tree_unflatten(self.treedef, [b.todense() for b in self.blocks])

    __array_ufunc__ = None  # ``g @ J`` with a NumPy array g comes to __rmatmul__

    def __rmatmul__(self, left):
        """``L @ J``: compose every block with a map applied after it; ``g @ J`` for an
        output covector g is ``J.vecmat(g)``."""
        if isinstance(left, BlockJacobian):
            return NotImplemented
        if not hasattr(left, "matvec"):
            if hasattr(left, "__array__") or isinstance(left, (list, tuple, int, float)):
                return self.vecmat(left)
            return NotImplemented
        return BlockJacobian([left @ b for b in self.blocks], self.treedef, self.names)

    def describe(self) -> str:
        return "\n".join(f"{n}: {b.describe()}" for n, b in self.items())

    def __repr__(self) -> str:
        body = "".join(f"\n  {n}: {b!r} ({b.kind})" for n, b in self.items())
        return f"<BlockJacobian {len(self.blocks)} leaves → {self.out_shape}{body}>"


class TransposedBlocks:
    """``Jᵀ`` of a :class:`BlockJacobian`: output covectors (shape ``out_shape``) to pytrees
    shaped like the input. ``matvec`` is the blocks' VJP, ``vecmat`` their JVP."""

    kind = "blocks transposed"

    def __init__(self, J: BlockJacobian):
        self._J = J

    @property
    def T(self) -> BlockJacobian:
        return self._J

    @property
    def shape(self) -> tuple:
        out, ins = self._J.shape
        return ins, out

    @property
    def blocks(self) -> list:
        return [b.T for b in self._J.blocks]

    def matvec(self, g) -> Any:
        return self._J.vecmat(g)

    def vecmat(self, t) -> Any:
        return self._J.matvec(t)

    def todense(self) -> Any:
        """The pytree of dense transposed blocks, each ``leaf.shape + out_shape``."""
        return tree_unflatten(self._J.treedef, [b.T.todense() for b in self._J.blocks])

    def __repr__(self) -> str:
        return f"<TransposedBlocks of {self._J!r}>"
