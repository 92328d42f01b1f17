"""``jax.lax.associative_scan``: an inclusive scan with an associative ``fn``, computed as JAX
computes it, by a parallel prefix (odd–even) recursion whose every step calls ``fn`` once on
whole stacks of slices.

So ``fn`` receives arrays that keep the scanned axis (of any length, zero included) and must
combine them slice by slice, as JAX's documentation asks; a ``fn`` written for stacks (one
that indexes or contracts along the scanned axis) works as it does in JAX. It is called
O(log n) times rather than n − 1 times, and the result is differentiable as the ops ``fn``
uses are.
"""
from __future__ import annotations

from typing import Any, Callable

from . import ops as _ops
from .tensor import concrete, shape_of
from .tree import tree_flatten, tree_unflatten

__all__ = ["associative_scan"]


def _along(v, axis: int, start, stop, step=1):
    index = [slice(None)] * len(shape_of(concrete(v)))
    index[axis] = slice(start, stop, step)
    return _ops.getitem(v, tuple(index))


def _interleave(even, odd, axis: int):
    """even₀, odd₀, even₁, odd₁, … along ``axis`` (``even`` as long as ``odd`` or one longer)."""
    ne, no = shape_of(concrete(even))[axis], shape_of(concrete(odd))[axis]
    head = even if ne == no else _along(even, axis, 0, no)
    shape = list(shape_of(concrete(head)))
    shape[axis] *= 2
    out = _ops.reshape(_ops.stack([head, odd], axis=axis + 1), tuple(shape))
    return out if ne == no else _ops.concatenate([out, _along(even, axis, no, None)], axis=axis)


def associative_scan(fn: Callable, elems: Any, reverse: bool = False, axis: int = 0):
    """The inclusive prefix combination ``fn(… fn(fn(e₀, e₁), e₂) …, eᵢ)`` along ``axis`` of
    ``elems`` (a pytree whose leaves share that axis's length), as ``jax.lax.associative_scan``.

    ``fn(a, b)`` gets two pytrees like ``elems`` whose leaves keep the scanned axis (stacks of
    slices) and returns one such pytree, combining them slice by slice; it must be
    associative, as the combinations are grouped as in JAX's parallel algorithm. With
    ``reverse=True`` the scan runs from the end with the accumulated value still on the left
    (JAX's scan of the flipped elements, flipped back)."""
    leaves, td = tree_flatten(elems)
    if not leaves:
        return elems
    shapes = [tuple(shape_of(concrete(v))) for v in leaves]
    if not -len(shapes[0]) <= axis < len(shapes[0]):
        raise ValueError(f"associative_scan: axis {axis} is out of bounds for shape {shapes[0]}")
    axis = axis % len(shapes[0])  # (as JAX: the first leaf's axis, for every leaf)
    sizes = {s[axis] if axis < len(s) else None for s in shapes}
    if len(sizes) != 1:
        raise ValueError(f"associative_scan: the leaves must have one length along axis {axis}, "
                         f"got shapes {shapes}")
    if reverse:
        leaves = [_ops.flip(v, axis) for v in leaves]

    def combine(a, b):
        out, out_td = tree_flatten(fn(tree_unflatten(td, a), tree_unflatten(td, b)))
        if out_td != td:
            raise TypeError(f"associative_scan: fn must return the structure of its inputs "
                            f"{td}, got {out_td}")
        want = shape_of(concrete(a[0]))[axis]
        for v in out:
            if len(shape_of(concrete(v))) <= axis or shape_of(concrete(v))[axis] != want:
                raise ValueError(f"associative_scan: fn must keep the scanned axis {axis} (it gets "
                                 f"stacks of {want} slices and combines them slice by slice); it "
                                 f"returned shape {tuple(shape_of(concrete(v)))}")
        return out

    def scan(es):
        n = shape_of(concrete(es[0]))[axis]
        if n < 2:
            return es
        odd = scan(combine([_along(e, axis, 0, -1, 2) for e in es],
                           [_along(e, axis, 1, None, 2) for e in es]))
        rest = [_along(e, axis, 2, None, 2) for e in es]
        even = combine([_along(o, axis, 0, -1) for o in odd] if n % 2 == 0 else odd, rest)
        even = [_ops.concatenate([_along(e, axis, 0, 1), r], axis=axis) for e, r in zip(es, even)]
        return [_interleave(e, o, axis) for e, o in zip(even, odd)]

    out = scan(leaves)
    if reverse:
        out = [_ops.flip(v, axis) for v in out]
    return tree_unflatten(td, out)
