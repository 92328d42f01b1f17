"""Collectives over a named mapped axis, as ``jax.lax``'s: ``psum``, ``pmean``, ``pmax``,
``pmin``, ``all_gather``, ``ppermute``, ``pshuffle``, ``psum_scatter``, ``all_to_all``,
``pswapaxes``, ``axis_index``, ``axis_size``, and ``tg.pmap``.

``tg.vmap(f, axis_name="i")`` runs ``f`` once per slice (see :mod:`tensorgrad.batching`). A
collective needs every slice's value at the point where each slice calls it, so it takes part
in the protocol of ``custom_vmap`` calls: a pass runs each slice up to the collective (it stops
there, leaving its value), the collective is computed once for the whole batch with
tensorgrad's ops, and the next pass replays the slices with their answers. A function making
k collective calls runs its slices k + 1 times; it must be pure, as JAX requires.

The answers are built from the slices' values with recorded ops, so a transform *outside*
the vmap differentiates through them (``tg.grad(lambda x: tg.vmap(f, axis_name="i")(x))``).
A transform opened *inside* the mapped function cannot: the other slices' values belong to
their own traces. That case raises instead of giving a wrong derivative.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from . import ops as _ops
from .batching import MapFrame, Suspend, frame_named, vmap
from .custom import _top_trace
from .staging import tracing_here
from .tensor import concrete, dtype_of, shape_of
from .tree import tree_flatten, tree_unflatten

__all__ = ["psum", "pmean", "pmax", "pmin", "all_gather", "ppermute", "axis_index", "axis_size",
           "psum_scatter", "all_to_all", "pshuffle", "pswapaxes", "pmap"]


class _Collective:
    """One kind of collective with its parameters: the owner of a pending call of the map
    protocol (:func:`tensorgrad.batching._run_slices` calls :meth:`batched_call`)."""

    def __init__(self, name: str, combine: Callable):
        self.name = name
        self.combine = combine  # (list of every slice's leaf, frame) -> list of per-slice answers

    def batched_call(self, frame: MapFrame, per_slice: list) -> list:
        kinds = {k for k, _, _ in per_slice}
        if len(kinds) != 1:
            raise ValueError(f"vmap: the slices called different collectives at one point "
                             f"({sorted(kinds)}); the mapped function's Python control flow must "
                             "not depend on the mapped values")
        tds = [td for _, td, _ in per_slice]
        if any(td != tds[0] for td in tds):
            raise ValueError(f"{self.name}: the slices of vmap passed values of different "
                             f"structures ({tds[0]} and another)")
        columns = list(zip(*[leaves for _, _, leaves in per_slice]))
        answers = [self.combine(list(col), frame) for col in columns]  # per leaf: per slice
        return [tree_unflatten(tds[0], [a[i] for a in answers]) for i in range(frame.n)]


def _call(kind: str, x: Any, axis_name: Any, combine: Callable):
    """Every slice's answer of the collective ``kind`` on ``x`` over ``axis_name``'s loop."""
    frame = frame_named(axis_name, f"lax.{kind}")
    leaves, td = tree_flatten(x)
    top = _top_trace(leaves)
    if top is not None and top.level > frame.level and not top.jax:  # (to_jax: JAX differentiates)
        raise NotImplementedError(
            f"lax.{kind} over axis {axis_name!r} inside a transform (grad, vjp, jvp, ...) opened "
            "within the mapped function: the other slices' values belong to their own traces, "
            "so the derivative through the collective would be lost. Put the transform outside "
            f"the vmap (tg.grad(lambda x: tg.vmap(f, axis_name={axis_name!r})(x)))")
    if tracing_here() and not frame.staging:
        raise TypeError(f"lax.{kind}: called under tg.jit inside tg.vmap; the collective needs "
                        "every slice, which a jit trace of one slice does not have. Put tg.jit "
                        "outside the vmap (tg.jit(tg.vmap(f, axis_name=...)))")
    k = frame.count
    frame.count += 1
    if k < len(frame.answers):
        return frame.answers[k][frame.index]
    frame.pending[frame.index] = (_Collective(f"lax.{kind}", combine), (kind, td, leaves))
    raise Suspend(frame)


def _names(axis_name: Any) -> tuple:
    return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


def _reduce(kind: str, reducer: Callable, x: Any, axis_name: Any):
    # over several named axes: one after the other, the innermost loop first
    for name in reversed(_names(axis_name)):
        x = _call(kind, x, name, lambda col, frame: [reducer(_ops.stack(col))] * frame.n)
    return x


def psum(x: Any, axis_name: Any, *, axis_index_groups=None) -> Any:
    """The sum of ``x`` (a pytree) over the slices of the named mapped axis (or axes), the
    same for every slice; differentiable by transforms outside the map."""
    _no_groups("psum", axis_index_groups)
    return _reduce("psum", _sum_keeping_dtype, x, axis_name)


def _sum_keeping_dtype(col):
    """lax's sum over the mapped axis: an integer sum keeps its dtype (NumPy's would widen a
    small one), a boolean one counts in int32, as JAX's psum."""
    dt = dtype_of(concrete(col))
    return _ops.sum(col, axis=0, dtype=np.int32 if dt == bool else dt if dt.kind in "iu" else None)


def _mean_in_jax_dtype(col):
    """JAX's pmean of integers and booleans: float32, float64 for 64-bit integers."""
    dt = dtype_of(concrete(col))
    return _ops.mean(col, axis=0, dtype=None if dt.kind not in "biu" else
                     np.float64 if dt.itemsize == 8 else np.float32)


def pmean(x: Any, axis_name: Any, *, axis_index_groups=None) -> Any:
    """The mean of ``x`` over the slices of the named mapped axis (or axes)."""
    _no_groups("pmean", axis_index_groups)
    return _reduce("pmean", _mean_in_jax_dtype, x, axis_name)


def pmax(x: Any, axis_name: Any, *, axis_index_groups=None) -> Any:
    """The elementwise maximum of ``x`` over the slices of the named mapped axis (or axes)."""
    _no_groups("pmax", axis_index_groups)
    return _reduce("pmax", functools.partial(_ops.max, axis=0), x, axis_name)


def pmin(x: Any, axis_name: Any, *, axis_index_groups=None) -> Any:
    """The elementwise minimum of ``x`` over the slices of the named mapped axis (or axes)."""
    _no_groups("pmin", axis_index_groups)
    return _reduce("pmin", functools.partial(_ops.min, axis=0), x, axis_name)


def _no_groups(kind: str, groups) -> None:
    if groups is not None:
        raise NotImplementedError(f"lax.{kind}: axis_index_groups is not supported")


def _single(kind: str, axis_name: Any):
    names = _names(axis_name)
    if len(names) != 1:
        raise NotImplementedError(f"lax.{kind}: one axis name at a time, got {axis_name!r}")
    return names[0]


def all_gather(x: Any, axis_name: Any, *, axis_index_groups=None, axis: int = 0,
               tiled: bool = False) -> Any:
    """Every slice's ``x`` stacked along a new axis ``axis`` (``tiled=True``: concatenated
    along the existing axis ``axis``), the same for every slice."""
    _no_groups("all_gather", axis_index_groups)
    name = _single("all_gather", axis_name)

    def gather(col, frame):
        nd = len(shape_of(concrete(col[0])))
        if tiled:
            if nd == 0:
                raise ValueError("lax.all_gather: tiled=True needs values with at least one axis")
            whole = _ops.concatenate(col, axis=_axis_in(axis, nd, "all_gather"))
        else:
            whole = _ops.stack(col, axis=_axis_in(axis, nd + 1, "all_gather"))
        if frame.stand_in:  # one stand-in slice for a map over none: none gathered
            whole = _ops.take(whole, np.arange(0), axis=_axis_in(axis, nd + (not tiled), "all_gather"))
        return [whole] * frame.n
    return _call("all_gather", x, name, gather)


def ppermute(x: Any, axis_name: Any, perm) -> Any:
    """Slice ``dst`` receives the ``x`` of slice ``src`` for each pair ``(src, dst)`` of
    ``perm``; a slice no pair sends to receives zeros."""
    name = _single("ppermute", axis_name)
    pairs = [(int(a), int(b)) for a, b in perm]
    srcs, dsts = [a for a, _ in pairs], [b for _, b in pairs]
    if len(set(srcs)) != len(srcs) or len(set(dsts)) != len(dsts):
        raise ValueError(f"lax.ppermute: perm sends from or to one slice twice: {pairs}")

    def permute(col, frame):
        if any(not 0 <= i < frame.n for i in srcs + dsts):
            raise ValueError(f"lax.ppermute: perm {pairs} names a slice outside 0..{frame.n - 1}")
        source = dict((b, a) for a, b in pairs)
        return [col[source[i]] if i in source else _ops.zeros_like(col[i]) for i in range(frame.n)]
    return _call("ppermute", x, name, permute)


def pshuffle(x: Any, axis_name: Any, perm) -> Any:
    """Slice ``i`` receives the ``x`` of slice ``perm[i]`` (``perm`` a permutation of the
    slices): :func:`ppermute` with the pairs ``(perm[i], i)``."""
    perm = [int(p) for p in perm]
    if sorted(perm) != list(range(len(perm))):
        raise ValueError(f"lax.pshuffle: perm must be a permutation of 0..{len(perm) - 1}, got {perm}")
    return ppermute(x, axis_name, [(p, i) for i, p in enumerate(perm)])


def _chunk(v, i: int, n: int, axis: int, tiled: bool, kind: str):
    """Part ``i`` of ``n`` of ``v`` along ``axis``: the entry ``i`` (tiled: the i-th block)."""
    shape = tuple(shape_of(concrete(v)))
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"lax.{kind}: axis {axis} is out of range for a value of shape {shape}")
    size = shape[axis]
    if (size % n if tiled else size != n):
        raise ValueError(f"lax.{kind}: the value's axis {axis} has size {size}, which "
                         + (f"the {n} slices do not divide" if tiled else
                            f"must equal the number of slices {n} (or use tiled=True)"))
    if not tiled:
        return _ops.take(v, i, axis=axis)
    b = size // n
    return _ops.take(v, np.arange(i * b, (i + 1) * b), axis=axis)


def psum_scatter(x: Any, axis_name: Any, *, scatter_dimension: int = 0, axis_index_groups=None,
                 tiled: bool = False) -> Any:
    """The :func:`psum` of ``x``, scattered: slice ``i`` keeps entry ``i`` of the sum along
    ``scatter_dimension`` (whose size is the number of slices), or with ``tiled=True`` the
    i-th of equal blocks along it."""
    _no_groups("psum_scatter", axis_index_groups)
    name = _single("psum_scatter", axis_name)

    def scatter(col, frame):
        total = _ops.sum(_ops.stack(col), axis=0)
        return [_chunk(total, i, frame.n, scatter_dimension, tiled, "psum_scatter")
                for i in range(frame.n)]
    return _call("psum_scatter", x, name, scatter)


def all_to_all(x: Any, axis_name: Any, split_axis: int, concat_axis: int, *,
               axis_index_groups=None, tiled: bool = False) -> Any:
    """Each slice splits its ``x`` along ``split_axis`` into one part per slice and sends part
    ``i`` to slice ``i``, which stacks what it receives along a new axis ``concat_axis`` (the
    split axis removed; its size must be the number of slices) or, with ``tiled=True``,
    concatenates the blocks along ``concat_axis``."""
    _no_groups("all_to_all", axis_index_groups)
    name = _single("all_to_all", axis_name)

    def exchange(col, frame):
        n = frame.n
        out = []
        for i in range(n):
            parts = [_chunk(v, i, n, split_axis, tiled, "all_to_all") for v in col]
            nd = len(shape_of(concrete(parts[0])))
            if tiled:
                out.append(_ops.concatenate(parts, axis=_axis_in(concat_axis, nd, "all_to_all")))
            else:
                out.append(_ops.stack(parts, axis=_axis_in(concat_axis, nd + 1, "all_to_all")))
        return out
    return _call("all_to_all", x, name, exchange)


def pswapaxes(x: Any, axis_name: Any, axis: int, *, axis_index_groups=None) -> Any:
    """Swap the named mapped axis with the axis ``axis`` of ``x`` (whose size must be the
    number of slices): :func:`all_to_all` with ``split_axis = concat_axis = axis``."""
    return all_to_all(x, axis_name, axis, axis, axis_index_groups=axis_index_groups)


def _axis_in(axis: int, ndim: int, kind: str) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"lax.{kind}: axis {axis} is out of range for a result with {ndim} axes")
    return axis % ndim


def axis_index(axis_name: Any):
    """The index of the running slice along the named mapped axis (an int32 scalar; for several
    names, the index in their row-major product, the outermost first)."""
    index = 0
    for name in _names(axis_name):
        frame = frame_named(name, "lax.axis_index")
        index = index * frame.n + frame.index
    return np.int32(index)


def axis_size(axis_name: Any) -> int:
    """The number of slices of the named mapped axis (the product, for several names)."""
    size = 1
    for name in _names(axis_name):
        frame = frame_named(name, "lax.axis_size")
        size *= 0 if frame.stand_in else frame.n
    return size


def pmap(fun: Callable, axis_name: Any = None, *, in_axes: Any = 0, out_axes: Any = 0,
         static_broadcasted_argnums=(), devices=None, backend=None, axis_size: int | None = None,
         donate_argnums=(), global_arg_shapes=None) -> Callable:
    """``jax.pmap`` on one CPU: ``fun`` mapped over the leading axis (``in_axes``) as
    :func:`tensorgrad.vmap` maps it, one slice after another, with ``axis_name`` for the
    collectives. There are no devices, so the mapped axis may have any size. Arguments at
    ``static_broadcasted_argnums`` are passed to every slice as they are."""
    static = (static_broadcasted_argnums,) if isinstance(static_broadcasted_argnums, int) \
        else tuple(static_broadcasted_argnums)

    @functools.wraps(fun)
    def mapped(*args, **kwargs):
        if not static:
            return vmap(fun, in_axes, out_axes, axis_size, axis_name)(*args, **kwargs)
        n = len(args)
        fixed = {i % n for i in static}
        dyn = [i for i in range(n) if i not in fixed]

        def inner(*dyn_args, **kw):
            full = list(args)
            for i, a in zip(dyn, dyn_args):
                full[i] = a
            return fun(*full, **kw)
        axes = in_axes if not isinstance(in_axes, (tuple, list)) else tuple(in_axes[i] for i in dyn)
        return vmap(inner, axes, out_axes, axis_size, axis_name)(*[args[i] for i in dyn], **kwargs)
    return mapped
