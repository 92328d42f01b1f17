"""``tg.flatten_util.ravel_pytree``: a pytree of arrays as one flat vector, as in
``jax.flatten_util``, with the function that rebuilds the tree from such a vector.

Both directions are built on registered ops (``reshape``, ``concatenate``,
slicing, ``astype``), so gradients flow through them: a loss written on the
flat vector differentiates into every leaf, and the other way round. This is
what plugs a parameter pytree into an optimizer that wants one vector
(``scipy.optimize.minimize``, a hand-written Newton step with ``tg.hessian``).
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from .ops import astype, concatenate, getitem, reshape
from .tensor import concrete, dtype_of, shape_of
from .tree import tree_flatten, tree_unflatten

__all__ = ["ravel_pytree"]


def ravel_pytree(pytree: Any) -> tuple[Any, Callable]:
    """``(flat, unravel)``: the leaves of ``pytree`` raveled and joined in
    ``tg.tree_leaves`` order (promoted to one dtype, as NumPy would), and a function
    mapping a vector of that size back to a pytree of the original structure and shapes.
    Leaves of several dtypes come back in theirs (the vector must have the raveled tree's
    dtype); leaves of one dtype come back in the vector's, as JAX's. An empty tree gives a
    length-0 float64 vector."""
    leaves, treedef = tree_flatten(pytree)
    leaves = [x if hasattr(x, "shape") and hasattr(x, "dtype") else np.asarray(x) for x in leaves]
    shapes = [shape_of(concrete(x)) for x in leaves]
    dtypes = [np.dtype(dtype_of(concrete(x))) for x in leaves]
    sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
    common = np.result_type(*dtypes) if dtypes else np.dtype(np.float64)
    parts = [reshape(x, (-1,)) for x in leaves]
    parts = [p if d == common else astype(p, common) for p, d in zip(parts, dtypes)]
    flat = concatenate(parts) if parts else np.zeros((0,), dtype=common)
    total = sum(sizes)
    offsets = np.cumsum([0] + sizes)
    mixed = len(set(dtypes)) > 1

    def unravel(vector):
        s = shape_of(concrete(vector))
        if s != (total,):
            raise ValueError(f"ravel_pytree's unravel: expected a vector of shape ({total},) "
                             f"(the tree's {len(leaves)} leaves raveled), got shape {s}")
        vdt = np.dtype(dtype_of(concrete(vector)))
        if vdt != common and mixed:  # (as JAX: leaves of one dtype take the vector's; leaves
            # of several are cast back to theirs, from the raveled tree's dtype only)
            raise TypeError(f"ravel_pytree's unravel: expected a vector of dtype {common} (the "
                            f"raveled tree's), got dtype {vdt}")
        out = []
        for shape, dt, a, b in zip(shapes, dtypes, offsets[:-1], offsets[1:]):
            piece = reshape(getitem(vector, slice(int(a), int(b))), shape)
            if type(piece) is np.ndarray and np.may_share_memory(piece, vector):
                piece = piece.copy()  # (JAX's leaves are new arrays: never views of the vector)
            if mixed and np.dtype(dtype_of(concrete(piece))) != dt:
                with warnings.catch_warnings():  # a real leaf raveled into a complex vector
                    warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
                    piece = astype(piece, dt)
            out.append(piece)
        return tree_unflatten(treedef, out)

    return flat, unravel
