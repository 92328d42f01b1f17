"""Picking entries: diagonals, triangles, take, select, and the products kron, inner, cross.

The registered ops are linear:

    diagonal(a)  the entries a[..., i, i + k] (a gather)        transpose: put g on that diagonal
    diag(v)      a 1-D v onto a diagonal, or a 2-D v's diagonal  transpose: the other direction
    tril, triu   a triangle (a 0/1 mask: a Diagonal Jacobian)    transpose: the same mask

take, take_along_axis and select are NumPy's indexing helpers written with
integer-array indexing (``getitem``, whose transpose scatters cotangents
back) and ``where``; kron, inner and cross are products written with
reshape, multiply, tensordot and stack. Their derivatives come from those ops.
"""
from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from ..jacobians.gather import selection_jacobian
from ..jacobians.maps import Diagonal
from ..recording import bind
from ..registry import Example, function, linear
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import as_array_like, concrete, dtype_of, index_param, is_staged, legacy_0d_axis, negative_axis, \
    numpy_scalar, shape_of, wide_index
from .elementwise import clip, where
from .elementwise_more import remainder
from .linalg import in_preferred_type, tensordot
from .shape import broadcast_to, getitem, moveaxis, reshape, scatter_add, stack


def _shape(x) -> tuple:
    return shape_of(concrete(x))


def _diag_positions(d: int, offset: int):
    """Row and column of the entries of the ``offset`` diagonal (length d)."""
    rows = np.arange(d) + max(-offset, 0)
    cols = np.arange(d) + max(offset, 0)
    rows.flags.writeable = cols.flags.writeable = False
    return rows, cols


def _put_diagonal(g, shape: tuple, offset: int, a1: int, a2: int):
    """Zeros of ``shape`` (batch axes in front) with g's last axis on the diagonal of axes a1, a2."""
    gs = shape_of(g)
    rows, cols = _diag_positions(gs[-1], offset)
    n = len(shape)
    a1, a2 = a1 + n, a2 + n
    rest = tuple(s for k, s in enumerate(shape) if k not in (a1, a2))
    z = scatter_add(g, (slice(None),) * len(rest) + (rows, cols), rest + (shape[a1], shape[a2]))
    return moveaxis(z, (-2, -1), (a1, a2))


# ---- diagonal ----------------------------------------------------------------------------
def _diagonal_signature(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The diagonal of axes ``axis1``, ``axis2`` (offset ``k``: entries ``[i, i + k]``),
    as the last axis of the result (NumPy's ``diagonal``)."""
    n = len(_shape(a))
    if n < 2:
        raise ValueError(f"diagonal: the input needs at least 2 dimensions, got shape {_shape(a)}")
    a1, a2 = negative_axis(axis1, n, "diagonal"), negative_axis(axis2, n, "diagonal")
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 cannot be the same axis ({axis1}, {axis2})")
    return (a,), (index_param(offset, "diagonal", "offset"), a1, a2)


diagonal = linear(
    "diagonal", lambda x, offset, a1, a2: np.diagonal(x, offset, a1, a2).copy(),
    transpose=lambda g, out, x, offset, a1, a2: _put_diagonal(
        g, shape_of(g)[:-1 - (len(shape_of(x)) - 2)] + shape_of(x), offset, a1, a2),
    signature=_diagonal_signature, params=("offset", "axis1", "axis2"), methods=("diagonal",),
    jacobian=selection_jacobian(lambda n, p: np.diagonal(n, *p)),
    jax=lambda jnp, a, offset=0, axis1=0, axis2=1: jnp.diagonal(a, offset, axis1, axis2),
    symbol="S (the diagonal's entries)", doc="the entries of a diagonal",
    examples=[Example(((3, 4),), {"offset": 1}),
              Example(((2, 3, 4),), {"offset": -1, "axis1": -1, "axis2": 0})])


# ---- diag --------------------------------------------------------------------------------
def _diag_signature(v: ArrayLike, k: int = 0):
    """NumPy's ``diag``: a 1-D ``v`` becomes a square matrix with v on diagonal ``k``;
    from a 2-D ``v`` the diagonal ``k`` is extracted."""
    nd = len(_shape(v))
    if nd not in (1, 2):
        raise ValueError(f"diag: the input must be 1-D or 2-D, got shape {_shape(v)}")
    return (v,), (index_param(k, "diag", "k"), nd)


def _diag_forward(x, k, nd):
    x = np.asarray(x)
    if nd == 2:
        return np.diagonal(x, k, -2, -1).copy()
    n = x.shape[-1]
    m = n + abs(k)
    z = np.zeros(x.shape[:-1] + (m, m), dtype=x.dtype)
    rows, cols = _diag_positions(n, k)
    z[..., rows, cols] = x
    return z


def _diag_transpose(g, out, x, k, nd):
    if nd == 1:  # the diagonal of g
        return bind(diag.op, (g,), (k, 2))
    # (x may itself carry batch axes, the transpose of the 1-D case above being differentiated
    # again: g's leading axes are the batch, x's last two the matrix)
    return _put_diagonal(g, shape_of(g)[:-1] + shape_of(x)[-2:], k, -2, -1)


diag = linear(
    "diag", _diag_forward, transpose=_diag_transpose, signature=_diag_signature,
    params=("k", "ndim"), jacobian=selection_jacobian(lambda n, p: _diag_forward(n, *p)),
    jax=lambda jnp, v, k=0, ndim=None: jnp.diag(v, k), symbol="S (onto or off a diagonal)",
    doc="a vector onto a diagonal, or a matrix's diagonal",
    examples=[Example(((2,),), {"k": -2}), Example(((2, 4),), {"k": 1})])


# ---- triangles ----------------------------------------------------------------------------
def _triangle(name: str, forward, keep: str):
    def signature(m: ArrayLike, k: int = 0):
        s = _shape(m)
        if not s:
            raise ValueError(f"{name}: the input needs at least 1 dimension, got a 0-d array")
        if len(s) == 1:  # NumPy: a 1-D input is broadcast to the square matrix of its rows
            m = broadcast_to(m, (s[0], s[0]))
        return (m,), (index_param(k, name, "k"),)
    signature.__doc__ = (f"The {keep} triangle of the last two axes (entries on and {keep[:5]} "
                         f"diagonal ``k``), zeros elsewhere.")

    def jacobian(i, args, out, params):
        return Diagonal(forward(np.ones(np.shape(out)), params[0]))

    fn = []  # the mask is its own transpose: the op itself, once it exists
    fn.append(linear(
        name, forward, transpose=lambda g, out, x, k: bind(fn[0].op, (g,), (k,)),
        signature=signature, params=("k",), jacobian=jacobian,
        jax=lambda jnp, m, k=0: getattr(jnp, name)(
            jnp.broadcast_to(m, m.shape * 2) if m.ndim == 1 else m, k),
        symbol="diag(mask)", doc=f"the {keep} triangle of a matrix",
        examples=[Example(((3, 4),), {"k": 1}), Example(((2, 3, 2),), {"k": -1}),
                  Example(((3,),))]))
    return fn[0]


tril = _triangle("tril", np.tril, "lower")
triu = _triangle("triu", np.triu, "upper")


# ---- take, take_along_axis, select ------------------------------------------------------------
def _int_indices(indices, name: str) -> np.ndarray:
    idx = np.asarray(concrete(indices))
    if idx.dtype.kind not in "iu":
        if idx.size == 0 or (idx.dtype.kind == "b" and name == "take"):
            idx = idx.astype(np.intp)  # (take reads booleans as 0 and 1, as NumPy and JAX)
        else:
            raise IndexError(f"{name}: indices must be integers, got dtype {idx.dtype}")
    return idx


def _indices(indices, name: str):
    """Integer indices as an array, or as the traced values ``tg.jit`` replays."""
    v = concrete(indices)
    return v if is_staged(v) else _int_indices(v, name)


_TAKE_MODES = (None, "raise", "wrap", "clip", "fill", "promise_in_bounds")


def _fill_default(a, fill_value):
    """JAX's filler for out-of-bounds reads: NaN for floats, the most negative integer, the
    largest unsigned one, True."""
    dt = dtype_of(a)
    if fill_value is None:
        fill_value = (np.nan if dt.kind in "fc" else True if dt.kind == "b"
                      else np.iinfo(dt).min if dt.kind == "i" else np.iinfo(dt).max)
    return np.asarray(fill_value, dtype=dt)


def _bounded_indices(idx, n: int, mode, name: str, where_: str, wrap: bool = True):
    """``idx`` mapped into ``[0, n)`` by ``mode`` and the mask of indices that were in bounds
    (None when all are, or for 'raise', which checks them here: concrete indices only)."""
    idx = wide_index(idx)
    staged = is_staged(idx)
    if mode not in _TAKE_MODES:
        raise ValueError(f"{name}: mode must be one of {_TAKE_MODES[1:]}, got {mode!r}")
    if mode == "wrap":
        return (remainder(idx, n) if staged else idx % n) if n else idx, None
    low = -n if wrap else 0
    if mode in ("clip", "promise_in_bounds"):  # (JAX's promise: XLA's gather clamps)
        if not wrap:
            return (clip(idx, 0, max(n - 1, 0)) if staged else np.clip(idx, 0, max(n - 1, 0))), None
        idx = where(idx < 0, idx + n, idx) if staged else np.where(idx < 0, idx + n, idx)
        return (clip(idx, 0, max(n - 1, 0)) if staged else np.clip(idx, 0, max(n - 1, 0))), None
    if mode == "fill":
        inside = where(idx >= low, idx < n, False) if staged else (idx >= low) & (idx < n)
        return where(inside, idx, 0) if staged else np.where(inside, idx, 0), inside
    if not staged and idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.min() if idx.min() < -n else idx.max()
        raise IndexError(f"{name}: index {bad} is out of bounds for axis {where_}; "
                         f"use mode='wrap', 'clip' or 'fill' to map it into range")
    return idx, None


@function(methods=("take",))
def take(a: ArrayLike, indices, axis: int | None = None, out=None, mode: str | None = "raise",
         unique_indices: bool = False, indices_are_sorted: bool = False, fill_value=None) -> Array:
    """Entries at ``indices`` along ``axis`` (of the flattened array when None).

    ``mode``: ``'raise'`` (out-of-range indices are an error, NumPy's default), ``'wrap'``,
    ``'clip'``, or JAX's ``'fill'`` (``fill_value``: NaN for floats by default). Repeated
    indices add up their cotangents. ``unique_indices``/``indices_are_sorted`` are JAX's
    hints; ``out`` is NumPy's (the result written into it, when it carries no gradient).
    """
    if out is not None:
        raise ValueError("take: out= is not supported (tensorgrad's results are new arrays)")
    if legacy_0d_axis(a, axis) is None:
        a = reshape(a, (-1,))
        axis = 0
    xs = _shape(a)
    ax = negative_axis(axis, len(xs), "take") + len(xs)
    n = xs[ax]
    idx = _indices(indices, "take")
    # 'clip' clamps a negative index to 0, as NumPy and JAX do (it does not count from the end)
    idx, inside = _bounded_indices(idx, n, mode, "take", f"{axis} with size {n} (input shape {xs})",
                                   wrap=mode != "clip")
    got = getitem(a, (slice(None),) * ax + (idx,))
    if inside is None:
        return got
    k = len(shape_of(idx))
    mask = reshape(inside, (1,) * ax + tuple(shape_of(idx)) + (1,) * (len(xs) - ax - 1)) if k else inside
    return where(mask, got, _fill_default(concrete(a), fill_value))


@function
def take_along_axis(arr: ArrayLike, indices, axis: int | None = -1, mode: str | None = "raise",
                    fill_value=None, *, wrap_negative_indices: bool = True) -> Array:
    """``out[..., j, ...] = arr[..., indices[..., j, ...], ...]`` along ``axis`` (NumPy's
    ``take_along_axis``, e.g. with the result of ``argsort``); None: the flattened array.
    ``mode`` and ``fill_value`` as :func:`take`."""
    idx = _indices(indices, "take_along_axis")
    if axis is None:
        arr = reshape(arr, (-1,))
        axis = 0
    xs = _shape(arr)
    ishape = tuple(shape_of(idx))
    if len(ishape) != len(xs):
        raise ValueError(f"take_along_axis: indices (shape {ishape}) and arr (shape {xs}) "
                         "must have the same number of dimensions")
    ax = negative_axis(axis, len(xs), "take_along_axis") + len(xs)
    n = xs[ax]
    try:  # every axis but `axis` broadcasts between arr and indices
        np.broadcast_shapes(xs[:ax] + (1,) + xs[ax + 1:], ishape[:ax] + (1,) + ishape[ax + 1:])
    except ValueError:
        raise ValueError(f"take_along_axis: indices of shape {ishape} do not broadcast against "
                         f"arr of shape {xs} outside axis {axis}") from None
    idx, inside = _bounded_indices(idx, n, mode, "take_along_axis", f"{axis} with size {n}",
                                   wrap_negative_indices)
    index = tuple(idx if k == ax else np.arange(s).reshape((-1,) + (1,) * (len(xs) - 1 - k))
                  for k, s in enumerate(xs))
    got = getitem(arr, index)
    if inside is None:
        return got
    return where(inside, got, _fill_default(concrete(arr), fill_value))


@function
def select(condlist: Sequence, choicelist: Sequence, default=0) -> Array:
    """Entries of the first choice whose condition holds, else ``default`` (NumPy's ``select``)."""
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist ({len(condlist)}) and choicelist ({len(choicelist)}) "
                         "must have the same length")
    if not condlist:
        raise ValueError("select: condlist and choicelist must not be empty")
    conds = [c if hasattr(c, "dtype") else np.asarray(c) for c in condlist]
    for i, c in enumerate(conds):
        if c.dtype != bool:
            raise TypeError(f"select: invalid entry {i} in condlist: should be a boolean array, "
                            f"got dtype {c.dtype}")
    out = default
    for c, choice in zip(reversed(conds), reversed(choicelist)):  # the first true one wins
        out = where(c, choice, out)
    shape = np.broadcast_shapes(*(_shape(c) for c in conds), *(_shape(x) for x in choicelist),
                                _shape(default))
    return broadcast_to(out, shape) if _shape(out) != shape else out


# ---- products -----------------------------------------------------------------------------------
@function
def kron(a: ArrayLike, b: ArrayLike) -> Array:
    """The Kronecker product: blocks ``a[i, j] * b`` (inputs of different ndim get leading 1s)."""
    sa, sb = _shape(a), _shape(b)
    d = max(len(sa), len(sb))
    sa, sb = (1,) * (d - len(sa)) + sa, (1,) * (d - len(sb)) + sb
    a2 = reshape(a, tuple(v for s in sa for v in (s, 1)))
    b2 = reshape(b, tuple(v for s in sb for v in (1, s)))
    return reshape(a2 * b2, tuple(x * y for x, y in zip(sa, sb)))


@function
def inner(a: ArrayLike, b: ArrayLike, *, precision=None, preferred_element_type=None) -> Array:
    """Sum of products over the last axes (a product when either is 0-d). JAX's
    ``precision`` is accepted; ``preferred_element_type`` casts both operands first."""
    # NumPy converts both with asarray first: a Python scalar is a 0-d int64/float64 array
    # there, not a weak scalar (np.inner(int8_array, 2) is int64, as np.dot)
    a, b = in_preferred_type((as_array_like(a), as_array_like(b)), preferred_element_type)
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:
        return a * b
    if sa[-1] != sb[-1]:
        raise ValueError(f"inner: the last axes of a {sa} and b {sb} differ in size")
    return numpy_scalar(tensordot(a, b, axes=((-1,), (-1,))))


@function
def cross(a: ArrayLike, b: ArrayLike, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Array:
    """The cross product of 3-vectors along ``axisa``/``axisb`` (result along ``axisc``);
    ``axis`` sets all three. 2-vectors are extended with a zero z (deprecated in NumPy 2,
    as there), and two 2-vectors give the scalar z-component."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = as_array_like(a)
    b = as_array_like(b)
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:
        raise ValueError("cross: inputs must be arrays of vectors, got a 0-d input")
    a = moveaxis(a, axisa, -1) if negative_axis(axisa, len(sa), "cross") != -1 else a
    b = moveaxis(b, axisb, -1) if negative_axis(axisb, len(sb), "cross") != -1 else b
    na, nb = _shape(a)[-1], _shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: incompatible vector dimensions {na} and {nb} (must be 2 or 3)")
    if na == 2 or nb == 2:
        warnings.warn("Arrays of 2-dimensional vectors are deprecated. Use arrays of "
                      "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
                      DeprecationWarning, stacklevel=2)
    a0, a1, b0, b1 = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    z = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return z
    a2 = a[..., 2] if na == 3 else None
    b2 = b[..., 2] if nb == 3 else None
    x = a1 * b2 if a2 is None else (-a2 * b1 if b2 is None else a1 * b2 - a2 * b1)
    y = -a0 * b2 if a2 is None else (a2 * b0 if b2 is None else a2 * b0 - a0 * b2)
    shape = np.broadcast_shapes(_shape(x), _shape(y), _shape(z))
    c = stack([broadcast_to(v, shape) if _shape(v) != shape else v for v in (x, y, z)], axis=-1)
    return moveaxis(c, -1, axisc) if negative_axis(axisc, len(_shape(c)), "cross") != -1 else c
