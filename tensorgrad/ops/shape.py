"""Shape ops: all linear, so each gives only its transpose (the VJP).

The JVP of a linear op is the op applied to the tangent; ``batch_params``
adapts shape-like parameters when the tangent carries batch axes in front.
Axis parameters are stored as negative axes, which batch axes never shift.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..jacobians.maps import Broadcast, Identity, Permute, Reshape
from ..recording import use_stack
from ..registry import Computed, Example, function, linear
from ..staging import ConcretizationError
from ..staging import trace_values
from ..sweep import unbroadcast
from ..tensor import Tensor, torch_style
from ..typing import Array, ArrayLike, Axis, Shape  # noqa: F401
from ._util import (concrete, dtype_of, index_param, is_staged, lift_tangent, negative_axes,
                    negative_axis, shape_of, weak_as_arrays)
from .elementwise import astype


def _batch(g, x) -> tuple:
    """The leading batch shape of cotangent ``g`` relative to primal ``x``."""
    gs = shape_of(g)
    return gs[:len(gs) - len(shape_of(x))] if gs else ()


# Forwards: the ndarray method directly for arrays (NumPy's function form adds a
# Python wrapper around the same method), the function for anything else.
def _reshape_forward(x, shape):
    return x.reshape(shape) if type(x) is np.ndarray else np.reshape(x, shape)


def _transpose_forward(x, axes):
    return x.transpose(axes) if type(x) is np.ndarray else np.transpose(x, axes)


def _expand_dims_forward(x, axis):
    if type(x) is not np.ndarray:
        return np.expand_dims(x, axis)
    shape = list(x.shape)
    n = len(shape) + len(axis)
    for a in sorted(a + n for a in axis):  # axis: sorted negative positions in the result
        shape.insert(a, 1)
    return x.reshape(shape)


def _squeeze_forward(x, axis):
    return x.squeeze(axis) if type(x) is np.ndarray else np.squeeze(x, axis)


# how tg.jit writes these forwards in a plan for an ndarray x: its method
_reshape_forward.array_method = ("reshape", None)
_transpose_forward.array_method = ("transpose", None)
_squeeze_forward.array_method = ("squeeze", None)


def _reshape_jacobian(i, args, out, params):
    return Reshape(np.shape(out), np.shape(args[0]))


# ---- reshape ---------------------------------------------------------------
def layout_order(x, order: str, name: str) -> str:
    """NumPy's ``order='A'``/``'K'`` (read in the order of the memory layout) as ``'C'`` or
    ``'F'``: 'A' is 'F' for an array that is Fortran- and not C-contiguous, else 'C'; 'K'
    is 'C' or 'F' for an array contiguous in that order. The layout is the value's (a
    traced value's too, as NumPy would lay it out); under tg.jit, which traces no layout,
    'A' and 'K' are refused, as in JAX. 'K' of a strided array whose axes lie in memory in
    neither C's nor Fortran's order is refused."""
    if order not in ("A", "K"):
        return order
    v = concrete(x)
    if is_staged(v):  # a replay must not read another layout than the trace did: JAX's refusal
        raise NotImplementedError(f"{name}: order={order!r} follows the memory layout of the "
                                  "array, which tg.jit does not trace; pass order='C' or 'F'")
    if type(v) is not np.ndarray or v.flags.c_contiguous:
        return "C"
    if v.flags.f_contiguous:
        return "F"
    if order == "A" or v.ndim <= 1:
        return "C"
    steps = [abs(st) for st, n in zip(v.strides, v.shape) if n > 1]
    moving = [st for st in steps if st]  # (a broadcast axis, stride 0, keeps its C place)
    if moving == sorted(moving, reverse=True):  # the axes lie in memory in C's order (a slice)
        return "C"
    if len(moving) == len(steps) and steps == sorted(steps):
        return "F"
    raise NotImplementedError(
        f"{name}: order='K' reads a strided array (shape {v.shape}, strides {v.strides}) in "
        "its memory order, which tensorgrad does not follow; pass order='C' or 'F'")


def reshape_view(a: np.ndarray, shape, order: str = "C") -> np.ndarray:
    """NumPy's ``reshape(a, shape, copy=False)``: a view, or ValueError naming ``reshape``."""
    try:
        return np.reshape(a, shape, order=order, copy=False)
    except ValueError as exc:
        raise ValueError(f"reshape: {exc} (copy=False)") from None


def _reshape_signature(x: ArrayLike, shape: Shape, order: str = "C", *, copy=None):
    """Give ``x`` a new shape with the same number of entries (``-1`` allowed once);
    ``order="F"`` reads and writes the entries in column-major order, as NumPy's. The result
    is NumPy's: a view of a NumPy array where one can be made (``copy=False``: ValueError
    where none can), a new array with ``copy=True``."""
    if copy is False and type(x) is np.ndarray:
        return Computed(reshape_view(x, shape, order))
    if copy and isinstance(x, np.ndarray):  # (NumPy's copy=True: never a view of x)
        x = np.array(x, copy=True)
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(index_param(s, "reshape", "each entry of the shape") for s in shape)
    xs = shape_of(concrete(x))
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        size = math.prod(xs)
        if shape.count(-1) > 1:
            raise ValueError(f"reshape: can only specify one unknown dimension (-1), got {shape}")
        if known == 0 or size % known:
            raise ValueError(f"reshape: cannot reshape input of shape {xs} into {shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    if math.prod(shape) != math.prod(xs):
        raise ValueError(f"reshape: cannot reshape input of shape {xs} "
                         f"({math.prod(xs)} entries) into {shape}")
    if order == "K":
        raise ValueError("reshape: order 'K' is not permitted for reshaping (as in NumPy)")
    order = layout_order(x, order, "reshape")
    if order == "F":  # the C-order reshape of the reversed axes, reversed back
        x = transpose(reshape(transpose(x), shape[::-1]))
    elif order != "C":
        raise ValueError(f"reshape: order must be one of 'C', 'F', 'A', got {order!r}")
    return (x,), (shape,)


def _ordered_reshape(x, shape, order):
    """``x.reshape(shape, order=...)`` as for ndarrays: ``order="F"`` reads and writes in
    column-major order, i.e. the C-order reshape of the reversed axes, reversed back."""
    if order == "K":
        raise ValueError("reshape: order 'K' is not permitted for reshaping (as in NumPy)")
    order = layout_order(x, order, "reshape")
    if order == "C":
        return reshape(x, shape)
    if order != "F":
        raise ValueError(f"reshape: order must be one of 'C', 'F', 'A', got {order!r}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return transpose(reshape(transpose(x), shape[::-1]))


def _shape_args(shape: tuple):
    """``t.reshape(2, 3)`` and ``t.reshape((2, 3))`` alike, as for ndarrays."""
    return shape[0] if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)) else shape


def _reshape_method(self, *shape, order="C", **kwargs):
    """``t.reshape(2, 3)``, ``t.reshape((2, 3))``, or by keyword ``t.reshape(shape=(2, 3))``
    (NumPy 2's and PyTorch's name)."""
    if kwargs:
        if set(kwargs) != {"shape"} or shape:
            raise TypeError(f"reshape: takes the shape once, positionally or as shape=; got {shape} "
                            f"and {sorted(kwargs)}")
        shape = (kwargs["shape"],)
    return _ordered_reshape(self, _shape_args(shape), order)


class _Flat:
    """``t.flat``: NumPy's flat iterator, read-only (``t.flat[i]`` is ``t.ravel()[i]``)."""

    def __init__(self, t):
        self._t = t

    def __getitem__(self, index):
        return reshape(self._t, (-1,))[index]

    def __setitem__(self, index, value):
        raise TypeError("t.flat[...] = v would change the tensor in place: tensors are immutable; "
                        "use t.ravel().at[...].set(v).reshape(t.shape)")

    def __len__(self):
        return int(np.prod(shape_of(self._t), dtype=np.int64))

    def __iter__(self):
        flat = reshape(self._t, (-1,))
        return (flat[i] for i in range(len(self)))


reshape = linear(
    "reshape", _reshape_forward,
    transpose=lambda g, out, x, shape: reshape(g, _batch(g, out) + shape_of(x)),
    signature=_reshape_signature, params=("shape",),
    methods={"reshape": _reshape_method,
             "flatten": lambda self, order="C": _ordered_reshape(self, (-1,), layout_order(self, order, "flatten")),
             "ravel": lambda self, order="C": _ordered_reshape(self, (-1,), order),
             "flat": property(_Flat)},
    jacobian=_reshape_jacobian, jax=lambda jnp, x, shape: jnp.reshape(x, shape),
    batch_params=lambda batch, shape: (batch + shape,),
    symbol="I (entries renumbered)", doc="same entries, new shape",
    examples=[Example(((2, 3, 4),), {"shape": (6, 4)}), Example(((6,),), {"shape": (3, 2)}),
              Example(((),), {"shape": (1, 1)}), Example(((2, 3),), {"shape": (-1,)})])


# ---- axis permutations ---------------------------------------------------------
def _inverse_perm(axes):
    inv = [0] * len(axes)
    for i, a in enumerate(axes):
        inv[a] = i
    return tuple(inv)


def _batched_perm(nb, axes):
    return tuple(range(nb)) + tuple(nb + a for a in axes)


def _transpose_signature(a: ArrayLike, axes: Sequence[int] | None = None):
    """Permute the axes of a (reverse them when ``axes`` is None)."""
    x = a  # NumPy's and JAX's name for the array, so transpose(a=...) binds
    n = len(shape_of(concrete(x)))
    if axes is None:
        axes = tuple(range(n))[::-1]
    else:
        given = tuple(axes)
        if len(given) != n:
            raise ValueError(f"transpose: axes {given} do not match the {n} axes of an input "
                             f"of shape {shape_of(concrete(x))}")
        axes = tuple(negative_axis(a, n, "transpose") + n for a in given)  # (range and type checked)
        if sorted(axes) != list(range(n)):
            raise ValueError(f"transpose: axes {given} are not a permutation of "
                             f"the {n} axes of an input of shape {shape_of(concrete(x))}")
    return (x,), (axes,)


def _transpose_method(self, *axes):
    if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], (int, np.integer))):
        axes = axes[0]
    return transpose(self, axes or None)


transpose = linear(
    "transpose", _transpose_forward, aliases=("permute_dims",),
    transpose=lambda g, out, x, axes: transpose(g, _batched_perm(len(_batch(g, out)), _inverse_perm(axes))),
    signature=_transpose_signature, params=("axes",),
    methods={"transpose": _transpose_method, "T": property(lambda self: transpose(self))},
    jacobian=lambda i, args, out, params: Permute(np.shape(args[0]), params[0]),
    jax=lambda jnp, x, axes=None: jnp.transpose(x, axes),
    batch_params=lambda batch, axes: (_batched_perm(len(batch), axes),),
    symbol="permutation", doc="permute the axes",
    examples=[Example(((2, 3),)), Example(((2, 3, 4),), {"axes": (1, 2, 0)}), Example(((3,),))])


@function(methods=("swapaxes",))
def swapaxes(a: ArrayLike, axis1: int, axis2: int) -> Array:
    """Exchange two axes (a transpose)."""
    x = a
    n = len(shape_of(concrete(x)))
    a, b = negative_axis(axis1, n, "swapaxes") + n, negative_axis(axis2, n, "swapaxes") + n
    perm = list(range(n))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, tuple(perm))


@function
def moveaxis(a: ArrayLike, source: Axis, destination: Axis) -> Array:
    """Move axes to new positions (a transpose)."""
    x = a
    n = len(shape_of(concrete(x)))
    src = [negative_axis(s, n, "moveaxis") + n for s in np.atleast_1d(source)]
    dst = [negative_axis(d, n, "moveaxis") + n for d in np.atleast_1d(destination)]
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination need the same number of axes")
    for what, axes, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(axes)) != len(axes):  # NumPy's check: else a repeated destination is lost
            raise ValueError(f"moveaxis: repeated axis in {what} {given!r}")
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, tuple(order))


# ---- adding and removing size-1 axes ------------------------------------------
def _expand_dims_signature(a: ArrayLike, axis: Axis):
    """Insert size-1 axes at the positions ``axis`` (of the result)."""
    x = a
    if axis is None:
        raise TypeError("expand_dims: axis must be an int or a tuple of ints, got None")
    n = len(shape_of(concrete(x))) + (len(axis) if isinstance(axis, (tuple, list)) else 1)
    return (x,), (negative_axes(axis, n, "expand_dims"),)


expand_dims = linear(
    "expand_dims", _expand_dims_forward,
    transpose=lambda g, out, x, axis: reshape(g, _batch(g, out) + shape_of(x)),
    signature=_expand_dims_signature, params=("axis",), jacobian=_reshape_jacobian,
    jax="jax.numpy.expand_dims", symbol="I (new size-1 axes)", doc="insert size-1 axes",
    examples=[Example(((3,),), {"axis": 0}), Example(((2, 3),), {"axis": (0, 3)}),
              Example(((2, 3),), {"axis": -1})])


def _squeeze_signature(a: ArrayLike, axis: Axis = None):
    """Remove size-1 axes (all of them when ``axis`` is None)."""
    x = a
    xs = shape_of(concrete(x))
    if axis is None:
        axes = tuple(i - len(xs) for i, s in enumerate(xs) if s == 1)
    else:
        axes = negative_axes(axis, len(xs), "squeeze")
        bad = [a for a in axes if xs[a] != 1]
        if bad:
            given = next(g for g in (axis if isinstance(axis, (tuple, list)) else (axis,))
                         if int(g) % len(xs) == bad[0] % len(xs))  # (as the caller wrote it)
            raise ValueError(f"squeeze: cannot squeeze axis {given} of size "
                             f"{xs[bad[0]]} (input shape {xs})")
    return (x,), (axes,)


squeeze = linear(
    "squeeze", _squeeze_forward,
    transpose=lambda g, out, x, axis: reshape(g, _batch(g, out) + shape_of(x)),
    signature=_squeeze_signature, params=("axis",), methods=("squeeze",),
    jacobian=_reshape_jacobian, jax="jax.numpy.squeeze", symbol="I (size-1 axes dropped)",
    doc="remove size-1 axes",
    examples=[Example(((1, 3, 1),)), Example(((1, 3, 1),), {"axis": -1}), Example(((1,),))])


# ---- broadcasting ------------------------------------------------------------
def _broadcast_to_signature(array: ArrayLike, shape: Shape):
    """View ``array`` as ``shape`` by NumPy broadcasting."""
    x = array
    # NumPy's rule: an integer or a sequence of integers; a float is a TypeError, not truncated
    entries = tuple(shape) if np.iterable(shape) else (shape,)
    shape = tuple(index_param(s, "broadcast_to", "each entry of the shape") for s in entries)
    return (x,), (shape,)


def _broadcast_jacobian(i, args, out, params):
    ishape, oshape = np.shape(args[0]), np.shape(out)
    return Identity(oshape) if ishape == oshape else Broadcast(ishape, oshape)


broadcast_to = linear(
    "broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
    transpose=lambda g, out, x, shape: unbroadcast(g, shape_of(x), len(_batch(g, out))),
    # the op applied to the tangent, with the tangent's batch axes kept in front
    jvp=lambda t, out, x, shape: broadcast_to(
        lift_tangent(t, x, len(shape)), shape_of(t)[:len(shape_of(t)) - len(shape_of(x))] + shape),
    signature=_broadcast_to_signature, params=("shape",), jacobian=_broadcast_jacobian,
    jax="jax.numpy.broadcast_to", symbol="copy (transpose: sum over broadcast axes)",
    doc="repeat along new or size-1 axes",
    examples=[Example(((),), {"shape": (2, 3)}), Example(((3, 1),), {"shape": (2, 3, 4)}),
              Example(((1, 4),), {"shape": (3, 4)})])


# ---- indexing ------------------------------------------------------------------
def _is_index_array(i) -> bool:
    return isinstance(i, np.ndarray) or is_staged(i)


def _batched_index(batch: tuple, index: tuple) -> tuple:
    """``index`` for an array with ``batch`` axes in front of the ones it indexes, giving
    ``batch + x[index].shape``.

    Usually that is ``(:,) * len(batch) + index``. But when the advanced entries of the index
    (arrays, and integers next to arrays) are separated by a slice or None, NumPy puts their
    broadcast axes *first*, in front of the batch axes. Then the batch axes are indexed by
    aranges broadcast against the advanced entries, so that they lead their broadcast shape.
    """
    nb = len(batch)
    if not nb:
        return index
    # a scalar True/False is an advanced index too (a 0-d boolean array, one axis of length 1/0)
    arrays = [k for k, i in enumerate(index) if _is_index_array(i) or isinstance(i, (bool, np.bool_))]
    adv = [k for k, i in enumerate(index)
           if k in arrays or (isinstance(i, (int, np.integer)) and not isinstance(i, bool))]
    if not arrays or adv[-1] - adv[0] + 1 == len(adv):
        return (slice(None),) * nb + index
    rank = max(1 if isinstance(index[k], (bool, np.bool_)) or index[k].dtype == bool
               else len(shape_of(index[k])) for k in arrays)
    grids = tuple(np.arange(n).reshape((1,) * k + (n,) + (1,) * (nb - 1 - k + rank))
                  for k, n in enumerate(batch))
    return grids + index


def _scatter_forward(g, index, shape):
    """Zeros of ``shape`` with g added at ``index`` (repeats accumulate)."""
    z = np.zeros(shape, dtype=np.result_type(g))
    # an index array may come as a Tensor (a slice of tg.vmap) or a list: as an array it
    # accumulates repeats, where assigning through it would keep only the last of them
    index = tuple(i if i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer))
                  else np.asarray(concrete(i)) for i in index)
    if not any(isinstance(i, np.ndarray) for i in index):
        z[index] = g  # basic slicing never repeats
    elif np.ndim(g) > 32:
        # np.add.at crashes the process (SIGSEGV) past 32 result axes: add at flat positions
        pos = np.arange(z.size).reshape(shape)[index]
        np.add.at(z.reshape(-1), pos.reshape(-1), np.broadcast_to(g, pos.shape).reshape(-1))
    else:
        np.add.at(z, index, g)  # integer arrays may repeat an entry
    return z


scatter_add = linear(
    "scatter_add", _scatter_forward, inputs=("v",), public=False,
    transpose=lambda g, out, v, index, shape: getitem(g, _batched_index(_batch(g, out), index)),
    signature=lambda v, index, shape: ((v,), (index, shape)), params=("index", "shape"),
    jax=lambda jnp, v, index, shape: jnp.zeros(shape, dtype=jnp.result_type(v)).at[index].add(v),
    to_jax=lambda jnp, v, index, shape: jnp.zeros(shape, dtype=jnp.result_type(v)).at[index].add(v),
    batch_params=lambda batch, index, shape: (_batched_index(batch, index), batch + shape),
    symbol="scatter (transpose of indexing)", doc="add v into zeros of a shape at an index",
    examples=[Example(((3,),), {"index": (np.array([0, 2, 0]),), "shape": (4,)}),
              Example(((2, 2),), {"index": (slice(1, 3), slice(None)), "shape": (4, 2)})])


def _normalize_index(index, xs):
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        if isinstance(i, Tensor):
            i = concrete(i)
        if isinstance(i, (list, tuple)):  # a sequence inside the index: an index array (NumPy)
            i = np.asarray(i)
            if i.size == 0 and i.dtype.kind == "f":  # x[[]]: an empty integer index, as NumPy
                i = i.astype(np.intp)
        if is_staged(i):  # an index traced by tg.jit: the replay indexes with its new values
            if i.dtype.kind not in "iu":
                raise (IndexError if i.dtype.kind != "b" else ConcretizationError)(
                    f"getitem: a traced {'boolean mask' if i.dtype.kind == 'b' else 'index'} "
                    f"of dtype {i.dtype} under tg.jit; " + (
                        "the result's shape would depend on the mask's values: use "
                        "tg.where(mask, x, 0) instead" if i.dtype.kind == "b"
                        else "index arrays must be integers"))
        elif isinstance(i, np.ndarray):
            if i.dtype.kind not in "iub":
                raise IndexError(f"getitem: index arrays must be integer or boolean, got dtype {i.dtype}")
            if i.flags.writeable or i.base is not None:
                # the backward scatter reads the index later: keep a private read-only copy
                i = i.copy()
                i.flags.writeable = False
        out.append(i)
    # an Ellipsis would hide where the batch axes go; make every axis explicit
    dots = [k for k, i in enumerate(out) if i is Ellipsis]  # (not .index: arrays compare by ==)
    if len(dots) > 1:
        raise IndexError(f"getitem: an index can only have a single ellipsis ('...'), got "
                         f"{len(dots)} (input shape {xs})")
    if dots:
        k = dots[0]
        # axes the other entries use: None and a scalar True/False use none (they add one),
        # a boolean array as many as it has
        used = sum(0 if i is None or isinstance(i, (bool, np.bool_))
                   else i.ndim if isinstance(i, np.ndarray) and i.dtype == bool
                   else 1 for i in out if i is not Ellipsis)
        if len(xs) > used or not _keeps_apart(out, k):
            out[k:k + 1] = [slice(None)] * (len(xs) - used)
    return tuple(out)


def _keeps_apart(index: list, k: int) -> bool:
    """Whether the Ellipsis at ``k`` of ``index``, standing for no axes, lies between advanced
    entries (index arrays, and integers or bools beside them): it still keeps them apart, so
    NumPy puts their axes first, and it stays, where no slice could stand for it."""
    adv = [j for j, i in enumerate(index)
           if _is_index_array(i) or isinstance(i, (int, np.integer, bool, np.bool_))]
    return bool(adv) and adv[0] < k < adv[-1] and any(_is_index_array(index[j]) for j in adv)


def _getitem_signature(x: ArrayLike, index):
    """``x[index]``: slicing, ``None``, integers and integer/boolean arrays.

    The VJP scatters the cotangent back (repeated indices add up).
    """
    xs = shape_of(concrete(x))
    index = _normalize_index(index, xs)
    try:
        np.empty(xs, dtype=np.int8)[trace_values(index)]
    except IndexError as exc:
        raise IndexError(f"getitem: {exc} (input shape {xs}, index {index!r})") from None
    except TypeError:  # an index Python cannot read (traced by jax.jit under tg.to_jax)
        if all(i is None or isinstance(i, (int, slice, type(Ellipsis), np.integer, np.ndarray))
               for i in index):
            raise
    return (x,), (index,)


def _native_index(i) -> bool:
    return i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer, np.ndarray, np.bool_))


def _jax_getitem(jnp, x, index):
    """x[index] under tg.to_jax. A traced index would make JAX clamp an out-of-range entry
    to the edge (a silently wrong value): it gets NaN instead, so the mistake shows."""
    if all(_native_index(i) for i in index):
        return x[index]
    fill = np.nan if jnp.issubdtype(x.dtype, jnp.inexact) else None
    return x.at[index].get(mode="fill", fill_value=fill)


getitem = linear(
    "getitem", lambda x, index: x[index],
    transpose=lambda g, out, x, index: scatter_add(
        g, _batched_index(_batch(g, out), index), _batch(g, out) + shape_of(x)),
    signature=_getitem_signature, params=("index",), methods=("__getitem__",),
    jax=lambda jnp, x, index: x[index], to_jax=_jax_getitem,
    batch_params=lambda batch, index: (_batched_index(batch, index),),
    symbol="selection (rows of I)", doc="x[index]: basic slicing and integer-array indexing",
    examples=[Example(((5,),), {"index": 2}), Example(((4, 5),), {"index": (slice(1, 3), slice(None, None, 2))}),
              Example(((4, 5),), {"index": (np.array([0, 2, 2]),)}),
              Example(((4, 5),), {"index": (Ellipsis, np.array([1, 1, 4]))}),
              Example(((3, 4),), {"index": (None, slice(None, None, -1), 1)})])


# ---- joining and splitting ----------------------------------------------------------
def _concat_vjp(i, g, out, *args_and_axis):
    *args, axis = args_and_axis
    start = sum(shape_of(a)[axis] for a in args[:i])
    stop = start + shape_of(args[i])[axis]
    idx = (Ellipsis, slice(start, stop)) + (slice(None),) * (-axis - 1)
    return getitem(g, idx)


def _concat_vjp_all(g, out, *args_and_axis):
    """Every input's cotangent in one pass: the offsets accumulate once, and the
    sweep unpacks the n inputs once instead of once per input (O(n), not O(n²))."""
    *args, axis = args_and_axis
    tail = (slice(None),) * (-axis - 1)
    pieces, start = [], 0
    for a in args:
        stop = start + shape_of(a)[axis]
        pieces.append(getitem(g, (Ellipsis, slice(start, stop)) + tail))
        start = stop
    return pieces


def _zeros_tangent(t_like, x):
    batch = shape_of(t_like)[:len(shape_of(t_like)) - len(shape_of(x))] if t_like is not None else ()
    return np.zeros(batch + shape_of(x), dtype=np.result_type(concrete(x)))


def _fill_tangents(tangents, args):
    first = next(t for t in tangents if t is not None)
    return [t if t is not None else _zeros_tangent(first, a) for t, a in zip(tangents, args)]


def _cast_all(name, arrays, dtype, casting):
    """NumPy's ``dtype=`` of concatenate and stack: each array cast first, if ``casting``
    allows it (without ``dtype``, to the arrays' common dtype, as NumPy checks it too)."""
    if casting not in ("no", "equiv", "safe", "same_kind", "unsafe"):
        raise ValueError(f"{name}: casting must be one of 'no', 'equiv', 'safe', 'same_kind', "
                         f"'unsafe', got {casting!r}")
    if dtype is None and casting in ("same_kind", "unsafe"):  # (promotion is always allowed)
        return arrays
    dt = np.dtype(dtype) if dtype is not None else np.result_type(
        *(np.result_type(concrete(a)) for a in arrays))
    for a in arrays:
        have = np.result_type(concrete(a))
        if not np.can_cast(have, dt, casting=casting):
            raise TypeError(f"{name}: cannot cast an array of dtype {have} to {dt} "
                            f"under casting={casting!r}")
    if dtype is None:
        return arrays
    return tuple(a if np.result_type(concrete(a)) == dt else astype(a, dt) for a in arrays)


def array_sequence(arrays, opname: str) -> tuple:
    """The arrays to join as a tuple; one array-like that is not a sequence of them (a number,
    a 0-d array) is NumPy's TypeError, naming the function."""
    if not np.iterable(arrays) or getattr(arrays, "ndim", 1) == 0:
        raise TypeError(f"{opname}: the arrays to join must be passed as a sequence such as a list "
                        f"or tuple, got {type(arrays).__name__}")
    return tuple(arrays)


def _torch_dim(name: str, axis, dim):
    """PyTorch's ``dim=`` for NumPy's ``axis`` (giving both, differently, is an error)."""
    if dim is None:
        return axis
    if axis not in (0, dim):
        raise TypeError(f"{name}: got both axis={axis!r} and dim={dim!r} (PyTorch's name); "
                        "give one of them")
    return dim


def _concatenate_signature(arrays: Sequence[ArrayLike], axis: int = 0, *, dtype=None,
                           casting: str = "same_kind", dim=None):
    """Join a sequence of arrays along an existing axis (``None``: the flattened arrays);
    ``dtype`` casts them first, as NumPy's (allowed by ``casting``). ``cat`` and ``dim=`` are
    PyTorch's names."""
    axis = _torch_dim("concatenate", axis, dim)
    arrays = array_sequence(arrays, "concatenate")
    if not arrays:
        raise ValueError("concatenate: need at least one array")
    arrays = _cast_all("concatenate", weak_as_arrays(arrays), dtype, casting)
    if axis is None:  # NumPy: each array is flattened first
        arrays = tuple(a if len(shape_of(concrete(a))) == 1 else reshape(a, (-1,)) for a in arrays)
        axis = 0
    shapes = [shape_of(concrete(a)) for a in arrays]
    if any(len(s) > 1 for s in shapes) and any(s == (0,) for s in shapes):
        # PyTorch's rule for its tensors: an empty 1-d tensor is skipped (torch.cat([torch.tensor([]),
        # x]) is x, the pattern that grows a result from an empty start); NumPy's arrays raise
        keep = [k for k, (a, s) in enumerate(zip(arrays, shapes)) if s != (0,) or not torch_style(a)]
        dt = np.result_type(*(dtype_of(concrete(a)) for a in arrays))  # (the skipped ones count)
        arrays = tuple(a if dtype_of(concrete(a)) == dt else astype(a, dt)
                       for a in (arrays[k] for k in keep))
        shapes = [shapes[k] for k in keep]
    n = len(shapes[0])
    if n == 0:
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    ax = negative_axis(axis, n, "concatenate")
    for s in shapes[1:]:
        if len(s) != n or any(a != b for k, (a, b) in enumerate(zip(s, shapes[0])) if k - n != ax):
            raise ValueError(f"concatenate: shapes {shapes} do not match outside axis {axis}")
    return arrays, (ax,)


concatenate = linear(
    "concatenate", lambda *a: np.concatenate(a[:-1], axis=a[-1]), variadic=True, inputs=(),
    aliases=("concat", "cat"),
    transpose=_concat_vjp, vjp_all=_concat_vjp_all,
    jvp_all=lambda ts, out, *a: concatenate(_fill_tangents(ts, a[:-1]), axis=a[-1]),
    signature=_concatenate_signature, params=("axis",),
    jax=lambda jnp, *xs, axis=0: jnp.concatenate(xs, axis=axis),
    symbol="[I 0 …; 0 I …] (blocks)", doc="join arrays along an existing axis",
    call=lambda *xs, axis=0: concatenate(xs, axis=axis),
    examples=[Example(((2, 3), (4, 3))), Example(((2, 3), (2, 1), (2, 2)), {"axis": 1}),
              Example(((3,), (2,)), {"axis": -1})])


def _stack_vjp(i, g, out, *args_and_axis):
    axis = args_and_axis[-1]
    return getitem(g, (Ellipsis, i) + (slice(None),) * (-axis - 1))


def _stack_vjp_all(g, out, *args_and_axis):
    """Every input's cotangent in one pass (see _concat_vjp_all)."""
    tail = (slice(None),) * (-args_and_axis[-1] - 1)
    return [getitem(g, (Ellipsis, i) + tail) for i in range(len(args_and_axis) - 1)]


def _stack_signature(arrays: Sequence[ArrayLike], axis: int = 0, *, dtype=None,
                     casting: str = "same_kind", dim=None):
    """Join same-shaped arrays along a new axis; ``dtype`` casts them first, as NumPy's
    (allowed by ``casting``). ``dim=`` is PyTorch's name for ``axis``."""
    axis = _torch_dim("stack", axis, dim)
    arrays = array_sequence(arrays, "stack")
    if not arrays:
        raise ValueError("stack: need at least one array")
    arrays = _cast_all("stack", arrays, dtype, casting)
    shapes = [shape_of(concrete(a)) for a in arrays]
    if any(s != shapes[0] for s in shapes):
        raise ValueError(f"stack: all inputs must have the same shape, got {shapes}")
    return arrays, (negative_axis(axis, len(shapes[0]) + 1, "stack"),)


stack = linear(
    "stack", lambda *a: np.stack(a[:-1], axis=a[-1]), variadic=True, inputs=(),
    transpose=_stack_vjp, vjp_all=_stack_vjp_all,
    jvp_all=lambda ts, out, *a: stack(_fill_tangents(ts, a[:-1]), axis=a[-1]),
    signature=_stack_signature, params=("axis",),
    jax=lambda jnp, *xs, axis=0: jnp.stack(xs, axis=axis),
    symbol="[I; I; …] interleaved (blocks)", doc="join arrays along a new axis",
    call=lambda *xs, axis=0: stack(xs, axis=axis),
    examples=[Example(((2, 3), (2, 3))), Example(((3,), (3,), (3,)), {"axis": 1}),
              Example(((), ()), {"axis": 0})])
use_stack(stack)  # a list of traced values passed to any op is stacked into one array


def section_count(indices_or_sections, opname: str) -> int | None:
    """``split``'s ``indices_or_sections`` as a number of sections, or None for split points
    (NumPy's rule: anything without a length, such as an int or a 0-d integer array, is a
    count). A float count is taken when it is whole (``2.0``, as NumPy and JAX take it)."""
    if isinstance(indices_or_sections, (list, tuple)) or np.ndim(concrete(indices_or_sections)) != 0:
        return None
    c = concrete(indices_or_sections)
    if isinstance(c, (float, np.floating)) or (isinstance(c, np.ndarray) and c.dtype.kind == "f"):
        if float(c).is_integer():
            return int(c)
    return index_param(indices_or_sections, opname, "the number of sections")


@function
def split(x: ArrayLike, indices_or_sections, axis: int = 0) -> list:
    """Split x into pieces along ``axis`` (each piece is a slice, so it records)."""
    xs = shape_of(concrete(x))
    ax = negative_axis(axis, len(xs), "split")
    n = xs[ax]
    k = section_count(indices_or_sections, "split")
    if k is not None:
        if k <= 0 or n % k:
            raise ValueError(f"split: axis {axis} of size {n} cannot be split into {k} equal parts")
        bounds = [i * (n // k) for i in range(k + 1)]
    else:
        bounds = [0] + [index_param(i, "split", "each split point") for i in indices_or_sections] + [n]
    tail = (slice(None),) * (-ax - 1)
    return [getitem(x, (Ellipsis, slice(a, b)) + tail) for a, b in zip(bounds[:-1], bounds[1:])]
