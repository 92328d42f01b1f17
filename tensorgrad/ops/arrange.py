"""Rearranging entries: flip, roll, repeat, tile, pad, and the joins and splits built on them.

Every op here is linear, and each output entry is a copy of one input entry
(or a constant), so each Jacobian is a selection of identity rows: flips and
rolls are permutations (:class:`~tensorgrad.jacobians.IndexPermutation`),
repeat, tile and pad are gathers (:class:`~tensorgrad.jacobians.Gather`).
The transposes put cotangents back where the entries came from:

    flip   → flip with the same axes              roll → roll by the opposite shift
    repeat → add the copies of each entry          tile → add the tiles
    pad    → the interior (constant), or add each padded entry onto its source

The NumPy functions that are compositions (rot90 = flip + transpose, hstack =
concatenate after atleast_1d, array_split = slices, ...) are plain functions
of those ops, so their derivatives come from the ops they use.
Axis parameters are stored as negative axes, which leading batch axes never shift.
"""
from __future__ import annotations

from typing import Sequence

import math

import numpy as np

from ..jacobians.gather import selection_jacobian
from ..jacobians.local import RuleMap
from ..recording import bind
from ..registry import Computed, Example, function, linear
from ..typing import Array, ArrayLike, Axis  # noqa: F401
from ._util import any_traced, any_traced_or_listed, as_array_like, concrete, dtype_of, index_param, is_staged, legacy_0d_axis, negative_axes, negative_axis, shape_of
from .discrete import floor
from .discrete import round as _round
from .elementwise import astype
from .linalg import matmul
from .reductions import max as _max
from .reductions import mean
from .reductions import min as _min
from .reductions import sum as _sum
from .scans import median
from .selection import take
from .shape import (broadcast_to, concatenate, getitem, section_count, layout_order, reshape, scatter_add,
                    moveaxis, split, transpose)


def _shape(x) -> tuple:
    return shape_of(concrete(x))


def _batch(g, x_ndim: int) -> tuple:
    gs = shape_of(g)
    return gs[:len(gs) - x_ndim]


# ---- flip ---------------------------------------------------------------------------
def _flip_signature(m: ArrayLike, axis: Axis = None):
    """Reverse the order of the entries along ``axis`` (every axis when None)."""
    return (m,), (negative_axes(axis, len(_shape(m)), "flip"),)


flip = linear(
    "flip", lambda x, axes: np.flip(x, axes),
    transpose=lambda g, out, x, axes: flip(g, axes),
    signature=_flip_signature, params=("axis",),
    jacobian=selection_jacobian(lambda n, p: np.flip(n, p[0])),
    jax=lambda jnp, m, axis=None: jnp.flip(m, axis),
    symbol="P (entries reversed)", doc="reverse the order of entries along axes",
    examples=[Example(((4,),)), Example(((2, 3, 2),), {"axis": (0, -1)})])


@function
def fliplr(m: ArrayLike) -> Array:
    """Reverse the columns (axis 1); the input needs at least 2 axes."""
    if len(_shape(m)) < 2:
        raise ValueError(f"fliplr: the input needs at least 2 dimensions, got shape {_shape(m)}")
    return flip(m, 1 - len(_shape(m)))


@function
def flipud(m: ArrayLike) -> Array:
    """Reverse the rows (axis 0); the input needs at least 1 axis."""
    if len(_shape(m)) < 1:
        raise ValueError("flipud: the input needs at least 1 dimension, got a 0-d array")
    return flip(m, -len(_shape(m)))


@function
def rot90(m: ArrayLike, k: int = 1, axes: Sequence[int] = (0, 1)) -> Array:
    """Rotate by 90° ``k`` times in the plane of ``axes``, from the first axis towards the second."""
    n = len(_shape(m))
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must name 2 axes, got {axes!r}")
    a, b = (negative_axis(ax, n, "rot90") + n for ax in axes)
    if a == b:
        raise ValueError(f"rot90: axes must be different, got {axes!r}")
    k = index_param(k, "rot90", "k") % 4
    if k == 0:
        return np.asarray(m) if isinstance(m, (list, tuple)) else m
    if k == 2:
        return flip(m, (a - n, b - n))
    perm = list(range(n))
    perm[a], perm[b] = perm[b], perm[a]
    if k == 1:
        return transpose(flip(m, b - n), tuple(perm))
    return flip(transpose(m, tuple(perm)), b - n)


# ---- roll ------------------------------------------------------------------------------
def _roll_signature(a: ArrayLike, shift, axis: Axis = None):
    """Shift entries cyclically by ``shift`` along ``axis`` (the flattened array when None)."""
    xs = _shape(a)
    sv = concrete(shift)
    traced = is_staged(sv)  # a shift tg.jit traces: gathers at indices found at run time
    if traced and np.dtype(sv.dtype).kind not in "biu":
        raise TypeError(f"roll: shift must be an integer, got dtype {sv.dtype}")
    # the shifts, or (traced) their positions in shift, to pair with the axes
    shifts = tuple(int(s) for s in np.atleast_1d(np.arange(np.size(sv)).reshape(np.shape(sv))
                                                  if traced else sv))
    if axis is None:  # the flattened array: shifts add up
        if traced:
            flat = reshape(as_array_like(a), (-1,))
            return Computed(reshape(_roll_traced(flat, reshape(sv.sum(), (1,)), (0,), (0,)), xs))
        return (a,), ((int(np.sum(shifts)),), None, len(xs))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    axes = tuple(negative_axis(ax, len(xs), "roll") for ax in axes)
    try:
        shifts, axes = (tuple(int(v) for v in c) for c in np.broadcast_arrays(shifts, axes))
    except ValueError:
        raise ValueError(f"roll: shift {shift!r} and axis {axis!r} do not broadcast "
                         "against each other") from None
    if traced:
        return Computed(_roll_traced(as_array_like(a), reshape(sv, (-1,)), shifts, axes))
    return (a,), (shifts, axes, len(xs))


def _roll_traced(a, flat_shift, positions, axes):
    """:func:`roll` by a staged shift: ``take`` at ``(i - s) mod n`` along each axis, ``s`` the
    entry of ``flat_shift`` at each position."""
    for pos, ax in zip(positions, axes):
        n = _shape(a)[ax]
        if n:
            a = take(a, (np.arange(n) - flat_shift[pos]) % n, axis=ax)
    return a


def _roll_forward(x, shifts, axes, nd):
    if axes is None:
        x = np.asarray(x)
        lead, core = x.shape[:x.ndim - nd], x.shape[x.ndim - nd:]  # (no -1: an empty batch)
        return np.roll(x.reshape(lead + (math.prod(core),)), shifts, -1).reshape(x.shape)
    return np.roll(x, shifts, axes)


roll = linear(
    "roll", _roll_forward,
    # roll back by the opposite shift (the trailing ``ndim`` axes; batch axes stay in front)
    transpose=lambda g, out, x, shifts, axes, nd: bind(roll.op, (g,), (tuple(-s for s in shifts), axes, nd)),
    signature=_roll_signature, params=("shift", "axis", "ndim"),
    jacobian=selection_jacobian(lambda n, p: _roll_forward(n, *p)),
    jax=lambda jnp, a, shift, axis=None, ndim=None: jnp.roll(a, shift, axis),
    symbol="P (entries shifted cyclically)", doc="shift entries cyclically along axes",
    examples=[Example(((2, 3),), {"shift": -1}),
              Example(((2, 3, 4),), {"shift": (1, 2), "axis": (0, -1)})])


# ---- repeat ------------------------------------------------------------------------------
def _repeat_signature(a: ArrayLike, repeats, axis: int | None = None, *,
                      total_repeat_length: int | None = None):
    """Repeat each entry ``repeats`` times along ``axis`` (of the flattened array when None).

    ``repeats`` is an int or one non-negative int per entry along the axis. JAX's
    ``total_repeat_length`` fixes the output's length: copies beyond it are dropped, and a
    shortfall is made up by more copies of the last entry; then the counts may be values
    ``tg.jit`` traces (JAX's rule).
    """
    if legacy_0d_axis(a, axis) is None:  # (a 0-d array's axis 0 too, as NumPy and JAX)
        a = reshape(a, (-1,))
        axis = 0
    xs = _shape(a)
    ax = negative_axis(axis, len(xs), "repeat")
    if is_staged(r := concrete(repeats)) and total_repeat_length is not None and xs[ax]:
        # counts tg.jit traces (JAX's rule: a fixed total makes the shape static): a gather of
        # entry i for output position j where cumsum(counts)[i-1] <= j < cumsum(counts)[i]
        ends = np.cumsum(np.broadcast_to(np.reshape(r, (-1,)), (xs[ax],)))
        j = np.arange(index_param(total_repeat_length, "repeat", "total_repeat_length"))
        return Computed(take(a, np.minimum(np.searchsorted(ends, j, side="right"), xs[ax] - 1), ax))
    r = np.asarray(r)
    if r.dtype.kind not in "iu" and not (r.dtype.kind == "f" and np.all(r == np.round(r))):
        raise TypeError(f"repeat: repeats must be integers, got {repeats!r}")
    r = r.astype(np.intp)
    if r.ndim > 1 or (r.ndim == 1 and r.size not in (1, xs[ax])):
        raise ValueError(f"repeat: repeats of shape {r.shape} do not match axis {axis} of size "
                         f"{xs[ax]} (input shape {xs}); give an int or one count per entry")
    if np.any(r < 0):
        raise ValueError(f"repeat: repeats must be non-negative, got {repeats!r}")
    if r.ndim == 0 and total_repeat_length is None:  # one count for every entry
        return (a,), (int(r), ax)
    counts = np.broadcast_to(r.reshape(-1), (xs[ax],)).copy()
    if total_repeat_length is not None:
        total = int(total_repeat_length)
        if total < 0:
            raise ValueError(f"repeat: total_repeat_length must be non-negative, got {total}")
        ends = np.cumsum(counts)
        counts = np.clip(np.minimum(ends, total) - (ends - counts), 0, None)  # cut beyond total
        if counts.size and counts.sum() < total:
            counts[-1] += total - counts.sum()  # make up the rest with the last entry
        if int(counts.sum()) != total:
            raise ValueError(f"repeat: cannot make {total} entries from an empty axis")
    return (a,), (tuple(int(c) for c in counts), ax)


def _repeat_transpose(g, out, x, counts, ax):
    """Add the copies of each entry back together."""
    xs = shape_of(x)
    batch = _batch(g, len(xs))
    n = xs[ax]
    if isinstance(counts, int):  # the same count r for every entry: a reshape and a sum
        r = counts
        after = xs[len(xs) + ax + 1:]
        split_shape = batch + xs[:len(xs) + ax] + (n, r) + after
        return _sum(reshape(g, split_shape), axis=ax)
    source = np.repeat(np.arange(n), counts)
    source.flags.writeable = False
    index = (slice(None),) * (len(batch) + len(xs) + ax) + (source,)
    return scatter_add(g, index, batch + xs)


repeat = linear(
    "repeat", lambda x, counts, ax: np.repeat(x, counts, axis=ax),
    transpose=_repeat_transpose, signature=_repeat_signature, params=("repeats", "axis"),
    methods=("repeat",), jacobian=selection_jacobian(lambda n, p: np.repeat(n, p[0], axis=p[1])),
    jax=lambda jnp, a, repeats, axis=None, total_repeat_length=None: jnp.repeat(
        a, np.asarray(repeats), axis, total_repeat_length=total_repeat_length),
    symbol="S (each entry copied)", doc="repeat each entry along an axis",
    examples=[Example(((2, 3),), {"repeats": 2}),
              Example(((2, 3),), {"repeats": np.array([1, 0, 3]), "axis": -1}),
              Example(((2, 3),), {"repeats": np.array([1, 0, 3]), "axis": 1, "total_repeat_length": 6}),
              Example(((2, 3),), {"repeats": 2, "axis": 0, "total_repeat_length": 3})])


# ---- tile ---------------------------------------------------------------------------------
def _tile_signature(A: ArrayLike, reps):
    """Repeat the whole array ``reps`` times along each axis (NumPy's ``tile``)."""
    reps = tuple(index_param(r, "tile", "reps") for r in np.atleast_1d(concrete(reps)))
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: reps must be non-negative, got {reps}")
    xs = _shape(A)
    d = max(len(reps), len(xs))
    if len(xs) < d:  # NumPy prepends size-1 axes to the array ...
        A = reshape(A, (1,) * (d - len(xs)) + xs)
    return (A,), ((1,) * (d - len(reps)) + reps,)  # ... and ones to reps


def _tile_transpose(g, out, x, reps):
    """Add the tiles: split each output axis into (tile, entry) and sum over the tiles. (The
    signature gave ``reps`` one entry per axis of ``x``; a batch of tangents transposed under
    reverse-over-forward carries more leading axes on ``x`` and ``g``, which stay.)"""
    xs = shape_of(x)[len(shape_of(x)) - len(reps):]
    batch = _batch(g, len(xs))
    interleaved = tuple(v for r, s in zip(reps, xs) for v in (r, s))
    tiles = tuple(2 * k - 2 * len(xs) for k in range(len(xs)))
    return reshape(_sum(reshape(g, batch + interleaved), axis=tiles), batch + xs)


tile = linear(
    "tile", lambda x, reps: np.tile(x, reps),
    transpose=_tile_transpose, signature=_tile_signature, params=("reps",),
    jacobian=selection_jacobian(lambda n, p: np.tile(n, p[0])),
    jax=lambda jnp, A, reps: jnp.tile(A, reps), symbol="S (the array copied in tiles)",
    doc="repeat the whole array along each axis",
    examples=[Example(((2, 3),), {"reps": (2, 1)}), Example(((3,),), {"reps": (2, 2)})])


# ---- pad -------------------------------------------------------------------------------------
_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")
#: modes whose padding is computed from the entries (a statistic, or a ramp to the edge)
_STAT_MODES = ("maximum", "minimum", "mean", "median", "linear_ramp")


def _pairs(value, n: int, what: str, cast):
    """NumPy's per-axis (before, after) spec: a scalar, one pair, or one pair per axis."""
    arr = np.asarray(concrete(value))
    if what == "pad_width" and arr.dtype.kind != "i":  # as NumPy: 1.5 or "3" is no width
        raise TypeError(f"pad: pad_width must be of integral type, got {value!r}")
    try:
        pairs = np.broadcast_to(arr, (n, 2))
    except ValueError:
        raise ValueError(f"pad: {what} {value!r} does not fit an input with {n} axes; give a "
                         "number, a (before, after) pair, or one pair per axis") from None
    return tuple((cast(b), cast(a)) for b, a in pairs)


def _item(v):
    """A NumPy scalar as the Python number it holds (other objects as they are)."""
    return v.item() if isinstance(v, np.generic) else v


def _pad_signature(array: ArrayLike, pad_width, mode: str = "constant", **kwargs):
    """Pad ``array`` with copies of its entries or a constant (NumPy's ``pad``, modes
    ``constant`` (``constant_values``), ``edge``, ``reflect``, ``symmetric`` and ``wrap``).

    Padding with a constant makes the op affine: its derivative is the
    zero-padded tangent. Padded entries of the other modes are copies, whose
    cotangents are added onto the entries they copy.
    """
    if mode == "empty":  # NumPy leaves the new entries undefined; JAX (and tensorgrad) fill zeros
        mode = "constant"
    if not isinstance(mode, str) or mode not in _PAD_MODES:
        # NumPy's callable modes are not provided; a name NumPy does not know is a ValueError there
        error = NotImplementedError if callable(mode) else ValueError
        raise error(f"pad: mode {mode!r} is not supported; tensorgrad pads with "
                    f"modes {', '.join(_PAD_MODES + _STAT_MODES)} (and 'empty', as zeros)")
    allowed = {"constant_values"} if mode == "constant" else \
        {"reflect_type"} if mode in ("reflect", "symmetric") else set()
    extra = set(kwargs) - allowed
    if extra:
        raise TypeError(f"pad: unexpected keyword(s) {sorted(extra)} for mode {mode!r}")
    reflect = kwargs.get("reflect_type", "even")
    if reflect not in ("even", "odd"):
        raise ValueError(f"pad: reflect_type must be 'even' or 'odd', got {reflect!r}")
    xs = _shape(array)
    widths = _pairs(pad_width, len(xs), "pad_width", int)
    if any(w < 0 for pair in widths for w in pair):
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}")
    # the values as given (a Python int stays exact: 2**63 - 1 or a uint64 has no float)
    values = _pairs(kwargs.get("constant_values", 0), len(xs), "constant_values", _item) \
        if mode == "constant" else None
    return (array,), (widths, mode, values, reflect)


def _pad_forward(x, widths, mode, values, reflect="even"):
    x = np.asarray(x)
    lead = ((0, 0),) * (x.ndim - len(widths))  # batch axes in front are not padded
    if not lead + widths:  # a 0-d array has no axis to pad: NumPy returns it unchanged
        return x.copy()
    if reflect == "odd":  # the even reflection mirrored through the edge: 2·edge − copy
        return np.pad(x, lead + widths, mode=mode, reflect_type="odd")
    if mode != "constant":
        return np.pad(x, lead + widths, mode=mode)
    if all(v == 0 for pair in values for v in pair):
        return np.pad(x, lead + widths)
    return np.pad(x, lead + widths, constant_values=lead + values)


def _odd_matrix(s: int, before: int, after: int, mode: str) -> np.ndarray:
    """The (before + s + after, s) matrix of an odd reflection along one axis: NumPy's own
    padding of the identity's columns (entries 2, −1, and larger for padding longer than
    the axis, which NumPy reflects again from the new edge)."""
    return np.pad(np.eye(s), ((before, after), (0, 0)), mode=mode, reflect_type="odd")


def _pad_transpose(g, out, x, widths, mode, values, reflect="even"):
    xs = shape_of(x)[len(shape_of(x)) - len(widths):]  # (leading batch axes, as the forward's)
    if mode == "constant":  # the interior
        return getitem(g, (Ellipsis,) + tuple(slice(b, b + s) for (b, _), s in zip(widths, xs)))
    if reflect == "odd":  # each axis is padded by its own matrix: apply their transposes
        for k, ((b, a), s) in enumerate(zip(widths, xs)):
            if b or a:
                ax = k - len(xs)
                g = moveaxis(matmul(moveaxis(g, ax, -1), _odd_matrix(s, b, a, mode)), -1, ax)
        return g
    # axis by axis: add each entry's cotangent onto the entry it copies
    for k, ((b, a), s) in enumerate(zip(widths, xs)):
        if not b and not a:
            continue
        source = np.pad(np.arange(s), (b, a), mode=mode)
        source.flags.writeable = False
        gs = shape_of(g)
        ax = len(gs) - len(xs) + k
        g = scatter_add(g, (slice(None),) * ax + (source,), gs[:ax] + (s,) + gs[ax + 1:])
    return g


_pad_selection = selection_jacobian(lambda n, p: np.pad(n, p[0], mode=p[1]))

_pad = linear(
    "pad", _pad_forward, transpose=_pad_transpose,
    # the tangent is padded with zeros: padding constants carry no derivative
    jvp=lambda t, out, x, widths, mode, values, reflect: bind(
        _pad.op, (t,), (widths, mode, None if values is None else ((0.0, 0.0),) * len(values),
                        reflect)),
    signature=_pad_signature, params=("pad_width", "mode", "constant_values", "reflect_type"),
    jacobian=lambda i, args, out, params: (
        RuleMap(_pad.op, i, args, out, params) if params[3] == "odd"  # not a selection
        else _pad_selection(i, args, out, params)),
    jax=lambda jnp, array, pad_width, mode="constant", constant_values=0, reflect_type="even": (
        jnp.pad(array, pad_width, constant_values=constant_values) if mode == "constant"
        else jnp.pad(array, pad_width, mode=mode, reflect_type=reflect_type)
        if mode in ("reflect", "symmetric") else jnp.pad(array, pad_width, mode=mode)),
    symbol="S (copies; zeros for constant padding)", doc="pad an array (NumPy modes)",
    examples=[Example(((2, 3),), {"pad_width": ((1, 0), (2, 1)), "constant_values": 1.5}),
              Example(((2, 3),), {"pad_width": (1, 2), "mode": "edge"}),
              Example(((4,),), {"pad_width": (2, 5), "mode": "reflect"}),
              Example(((2, 3),), {"pad_width": ((2, 1), (3, 0)), "mode": "symmetric"}),
              Example(((3,),), {"pad_width": (7, 2), "mode": "reflect", "reflect_type": "odd"}),
              Example(((2, 3),), {"pad_width": ((2, 1), (4, 0)), "mode": "symmetric",
                                  "reflect_type": "odd"}),
              Example(((3,),), {"pad_width": 4, "mode": "wrap"})], public=False)


@function
def pad(array: ArrayLike, pad_width, mode: str = "constant", **kwargs) -> Array:
    """Pad ``array`` (NumPy's ``pad``): copies or a constant (modes ``constant``,
    ``edge``, ``reflect``, ``symmetric``, ``wrap``), or values computed from the
    entries (``maximum``, ``minimum``, ``mean``, ``median``, ``linear_ramp``).

    Modes ``constant`` (``constant_values``), ``edge``, ``reflect``,
    ``symmetric`` and ``wrap`` copy entries (or a constant): one linear op,
    whose VJP adds each padded entry's cotangent onto the entry it copies.
    Modes ``maximum``, ``minimum``, ``mean`` and ``median`` (``stat_length``)
    pad with a statistic of the entries along each axis, and ``linear_ramp``
    (``end_values``) with a ramp from the end value to the edge entry: these are
    built from the statistic, slicing and concatenation, so their gradients
    flow through the statistic (to the maximum, shared between ties; to every
    entry of a mean). As in NumPy, axes are padded one after the other, so a
    corner is computed from the padding of the earlier axes.
    """
    if isinstance(pad_width, dict):  # NumPy ≥ 2.3: {axis: width}; other axes are not padded
        n = len(shape_of(concrete(as_array_like(array))))
        widths = [(0, 0)] * n
        for ax, w in pad_width.items():
            widths[negative_axis(ax, n, "pad") % n] = _pairs(w, 1, "pad_width", int)[0]
        pad_width = tuple(widths)
    if isinstance(mode, str) and mode in _STAT_MODES:
        return _pad_computed(array, pad_width, mode, **kwargs)
    if mode == "constant" and any_traced(kwargs.get("constant_values")):
        return _pad_traced_constant(array, pad_width, kwargs["constant_values"])
    return _pad(array, pad_width, mode, **kwargs)


def _pad_traced_constant(array, pad_width, values):
    """Constant padding with traced ``constant_values``: zero padding plus each value
    gathered where NumPy would put it, so the values differentiate (each gets the sum of
    the cotangents of the entries it fills)."""
    xs = _shape(array)
    n = len(xs)
    widths = _pairs(pad_width, n, "pad_width", int)
    # which (axis, side) value NumPy writes at each padded entry: 1..2n (0 inside)
    codes = np.pad(np.zeros(xs, dtype=np.intp), widths,
                   constant_values=np.arange(1, 2 * n + 1).reshape(n, 2))
    try:
        pairs = reshape(broadcast_to(values, (n, 2)), (-1,))
    except ValueError:
        raise ValueError(f"pad: constant_values of shape {_shape(values)} does not fit an input "
                         f"with {n} axes; give a number, a (before, after) pair, or one pair "
                         "per axis") from None
    filled = getitem(concatenate([np.zeros(1, dtype=dtype_of(concrete(pairs))), pairs]), codes)
    # NumPy writes the values into an array of the input's dtype (float32 stays float32)
    return _pad(array, pad_width) + astype(filled, dtype_of(concrete(array)))


def _pad_computed(array, pad_width, mode, stat_length=None, end_values=0, **kwargs):
    if kwargs:
        raise TypeError(f"pad: unexpected keyword(s) {sorted(kwargs)} for mode {mode!r}")
    if not any_traced(array) and not any_traced(end_values):  # nothing traced: NumPy's own
        return np.pad(np.asarray(array), pad_width, mode=mode, stat_length=stat_length) \
            if mode != "linear_ramp" else np.pad(np.asarray(array), pad_width, mode=mode,
                                                 end_values=end_values)
    if mode != "linear_ramp" and end_values != 0:
        raise TypeError(f"pad: end_values is for mode 'linear_ramp', not {mode!r}")
    if mode == "linear_ramp" and stat_length is not None:
        raise TypeError("pad: stat_length is for the statistic modes, not 'linear_ramp'")
    x = as_array_like(array)
    n = len(_shape(x))
    widths = _pairs(pad_width, n, "pad_width", int)
    if any(w < 0 for pair in widths for w in pair):
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}")
    if mode == "linear_ramp" and any_traced(end_values):  # differentiated: each pair's entries
        try:
            table = broadcast_to(end_values, (n, 2))
        except ValueError:
            raise ValueError(f"pad: end_values of shape {_shape(end_values)} does not fit an "
                             f"input with {n} axes; give a number, a (before, after) pair, or "
                             "one pair per axis") from None
        ends = tuple((getitem(table, (k, 0)), getitem(table, (k, 1))) for k in range(n))
    elif mode == "linear_ramp":
        ends = _pairs(end_values, n, "end_values", float)
    else:
        lengths = ((None, None),) * n if stat_length is None else \
            _pairs(stat_length, n, "stat_length", int)
        if any(v is not None and v < 0 for pair in lengths for v in pair):
            raise ValueError(f"pad: stat_length must be non-negative, got {stat_length!r}")
    stat = {"maximum": _max, "minimum": _min, "mean": mean, "median": median}.get(mode)
    dt = dtype_of(concrete(x))
    wide = np.promote_types(dt, np.float64)
    for ax, (b, a) in enumerate(widths):
        if not b and not a:
            continue
        size = _shape(x)[ax]
        if size == 0:
            raise ValueError(f"pad: mode {mode!r} cannot pad axis {ax} of length 0 (shape "
                             f"{_shape(x)}): there is no entry to take a value from")

        def cut(lo, hi):
            return getitem(x, (slice(None),) * ax + (slice(lo, hi),))

        if mode == "linear_ramp":  # NumPy's linspace(end, edge, width, endpoint=False)
            parts = []
            for width, end, edge, outward in ((b, ends[ax][0], cut(0, 1), False),
                                              (a, ends[ax][1], cut(size - 1, size), True)):
                steps = np.arange(width, dtype=float)
                if outward:
                    steps = steps[::-1]
                shape = (1,) * ax + (width,) + (1,) * (n - ax - 1)
                edge = edge if dt == wide else astype(edge, wide)  # in float64, as NumPy's ramp
                parts.append(_as_dtype(steps.reshape(shape) * ((edge - end) / width) + end, dt,
                                       floor) if width else None)
            before, after = parts
        else:
            pieces = []
            for width, length, at_start in ((b, lengths[ax][0], True), (a, lengths[ax][1], False)):
                if not width:
                    pieces.append(None)
                    continue
                length = size if length is None else min(length, size)
                if length == 0:
                    raise ValueError(f"pad: stat_length 0 leaves no entry to take the {mode} of")
                chunk = cut(0, length) if at_start else cut(size - length, size)
                value = _as_dtype(stat(chunk, axis=ax, keepdims=True), dt, _round)
                full = list(_shape(value))
                full[ax] = width
                pieces.append(broadcast_to(value, tuple(full)))
            before, after = pieces
        x = concatenate([p for p in (before, x, after) if p is not None], axis=ax)
    return x


def _as_dtype(v, dt, to_integer):
    """A padding value in the input's dtype, as NumPy stores it: integers through
    ``to_integer`` (NumPy rounds a mean or median, and floors a ramp, as its linspace does)."""
    if dtype_of(concrete(v)) == dt:
        return v
    return astype(to_integer(v) if dt.kind in "iu" else v, dt)


# ---- meshgrid -----------------------------------------------------------------------------------
@function
def meshgrid(*xi: ArrayLike, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> tuple:
    """Coordinate arrays from 1-D coordinate vectors (NumPy's ``meshgrid``; a tuple).

    Each vector (flattened) is reshaped onto its own axis and broadcast to the
    grid, so the gradient of a grid sums over the axes it was spread along.
    ``indexing="xy"`` (the default) swaps the first two axes, as NumPy does.
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    if not any_traced_or_listed(*xi):  # nothing traced: NumPy's own
        return tuple(np.meshgrid(*xi, copy=copy, sparse=sparse, indexing=indexing))
    n = len(xi)
    vectors = [reshape(x, (-1,)) for x in xi]
    sizes = [_shape(v)[0] for v in vectors]
    place = list(range(n))
    if indexing == "xy" and n > 1:  # x varies along columns, y along rows
        place[0], place[1] = 1, 0
    grid = [0] * n
    for k, s in enumerate(sizes):
        grid[place[k]] = s
    out = []
    for k, v in enumerate(vectors):
        shape = [1] * n
        shape[place[k]] = sizes[k]
        g = reshape(v, tuple(shape))
        out.append(g if sparse else broadcast_to(g, tuple(grid)))
    return tuple(out)


# ---- at least n dimensions, ravel ----------------------------------------------------------------
def _atleast(arys, target):
    out = []
    for a in arys:
        s = _shape(a)
        t = target(s)
        out.append(reshape(a, t) if t != s else as_array_like(a))
    return out[0] if len(out) == 1 else tuple(out)  # several: a tuple, as NumPy 2 returns


@function
def atleast_1d(*arys: ArrayLike):
    """View inputs with at least 1 axis (a 0-d array becomes shape (1,))."""
    return _atleast(arys, lambda s: s if s else (1,))


@function
def atleast_2d(*arys: ArrayLike):
    """View inputs with at least 2 axes: (N,) becomes (1, N)."""
    return _atleast(arys, lambda s: s if len(s) >= 2 else (1,) * (2 - len(s)) + s)


@function
def atleast_3d(*arys: ArrayLike):
    """View inputs with at least 3 axes: (N,) becomes (1, N, 1), (M, N) becomes (M, N, 1)."""
    return _atleast(arys, lambda s: s if len(s) >= 3 else
                    {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)])


@function(methods=("ravel",))
def ravel(a: ArrayLike, order: str = "C") -> Array:
    """The entries as a 1-D array, in row-major (``'C'``) or column-major (``'F'``) order,
    or (``'A'``, ``'K'``) in the order of the value's memory layout, as NumPy reads it."""
    order = layout_order(a, order, "ravel")
    if order == "F":
        return reshape(transpose(a), (-1,))
    if order not in ("C", "A", "K"):
        raise ValueError(f"ravel: order must be 'C', 'F', 'A' or 'K', got {order!r}")
    return reshape(a, (-1,))


# ---- joining ---------------------------------------------------------------------------------------
def _join(name, tup, make, axis_of, dtype=None, casting="same_kind"):
    if not np.iterable(tup) or getattr(tup, "ndim", 1) == 0:  # (NumPy's TypeError)
        raise TypeError(f"{name}: the arrays to join must be passed as a sequence such as a list "
                        f"or tuple, got {type(tup).__name__}")
    arrs = [make(a) for a in tup]
    if not arrs:
        raise ValueError(f"{name}: need at least one array to concatenate")
    # NumPy's dtype= casts each input first, as far as casting allows (concatenate checks it)
    return concatenate(arrs, axis=axis_of(arrs), dtype=dtype, casting=casting)


@function
def hstack(tup: Sequence[ArrayLike], *, dtype=None, casting: str = "same_kind") -> Array:
    """Join along the second axis (the first for 1-D inputs)."""
    return _join("hstack", tup, atleast_1d, lambda a: 0 if len(_shape(a[0])) == 1 else 1,
                 dtype, casting)


@function
def vstack(tup: Sequence[ArrayLike], *, dtype=None, casting: str = "same_kind") -> Array:
    """Join along the first axis, after making inputs at least 2-D ((N,) becomes (1, N))."""
    return _join("vstack", tup, atleast_2d, lambda a: 0, dtype, casting)


@function
def dstack(tup: Sequence[ArrayLike], dtype=None) -> Array:
    """Join along the third axis, after making inputs at least 3-D (``dtype`` as
    ``jnp.dstack``'s: the result's)."""
    return _join("dstack", tup, atleast_3d, lambda a: 2, dtype)


@function
def column_stack(tup: Sequence[ArrayLike]) -> Array:
    """Stack 1-D arrays as columns of a 2-D array (2-D inputs are joined along axis 1)."""
    def column(a):
        s = _shape(a)
        return reshape(a, (s[0] if s else 1, 1)) if len(s) < 2 else a
    return _join("column_stack", tup, column, lambda a: 1)


@function
def append(arr: ArrayLike, values: ArrayLike, axis: int | None = None) -> Array:
    """``values`` appended to ``arr`` (both flattened when ``axis`` is None)."""
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], axis=0)
    return concatenate([arr, values], axis=axis)


# ---- splitting --------------------------------------------------------------------------------------
@function
def array_split(ary: ArrayLike, indices_or_sections, axis: int = 0) -> list:
    """Split into pieces along ``axis``; ``N`` sections need not divide the axis evenly
    (the first ``size % N`` pieces get one entry more)."""
    xs = _shape(ary)
    n = xs[negative_axis(axis, len(xs), "array_split")]
    k = section_count(indices_or_sections, "array_split")
    if k is not None:
        if k <= 0:
            raise ValueError(f"array_split: the number of sections must be larger than 0, got {k}")
        each, extra = divmod(n, k)
        sizes = [each + 1] * extra + [each] * (k - extra)
        indices_or_sections = list(np.cumsum(sizes)[:-1])
    return split(ary, indices_or_sections, axis)


def _split_along(name: str, min_ndim: int, axis_of, doc: str):
    def fn(ary: ArrayLike, indices_or_sections) -> list:
        nd = len(_shape(ary))
        if nd < min_ndim:
            raise ValueError(f"{name}: only works on arrays of {min_ndim} or more dimensions, "
                             f"got shape {_shape(ary)}")
        return split(ary, indices_or_sections, axis_of(nd))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


hsplit = function(_split_along("hsplit", 1, lambda nd: 1 if nd > 1 else 0,
                                "Split along the second axis (the first for 1-D arrays), as ``split``."))
vsplit = function(_split_along("vsplit", 2, lambda nd: 0,
                                "Split along the first axis of an array with 2 or more axes, as ``split``."))
dsplit = function(_split_along("dsplit", 3, lambda nd: 2,
                                "Split along the third axis of an array with 3 or more axes, as ``split``."))
