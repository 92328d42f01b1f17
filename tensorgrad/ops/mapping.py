"""NumPy's function-mapping helpers and a few more array functions, on tensors.

``vectorize``, ``apply_along_axis``, ``apply_over_axes`` and ``fromfunction``
call a Python function on pieces of their inputs and assemble the results
with registered ops (indexing, ``stack``, ``reshape``), so the gradient goes
through whatever the function computes. They run as Python loops over the
pieces, as NumPy's own versions do: convenient, not fast.

Also ``logspace``, ``geomspace`` (differentiable in their endpoints),
``rollaxis``, ``matvec``, ``vecmat``, and JAX's out-of-place forms of
``fill_diagonal`` and ``put_along_axis`` (``inplace=False``, as in
``jax.numpy``: a tensor cannot be changed in place).
"""
from __future__ import annotations

import functools
import re

import numpy as np

from ..registry import function
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import any_traced as _traced
from ._util import as_array_like as _as_array
from ._util import concrete, dtype_of, is_staged, negative_axis, python_values_as, shape_of
from ..staging import call as staged_call
from ..staging import check as staged_check
from .elementwise import abs as _abs
from .elementwise import astype, power, sign
from .elementwise_more import conjugate as conj
from .elementwise_more import log10
from .linalg import matmul
from .shape import broadcast_to, expand_dims, getitem, moveaxis, reshape, stack, transpose
from .signal import linspace
from .updates import at

__all__ = ["vectorize", "apply_along_axis", "apply_over_axes", "fromfunction", "logspace",
           "geomspace", "rollaxis", "matvec", "vecmat", "fill_diagonal", "put_along_axis", "put",
           "place"]


def _ndim(x) -> int:
    return len(shape_of(concrete(x)))


# ---- vectorize ------------------------------------------------------------------------------
_DIM = r"\w+"
_CORE = rf"\((?:{_DIM}(?:,{_DIM})*)?\)"
_ARGS = rf"{_CORE}(?:,{_CORE})*"
_SIGNATURE = re.compile(rf"^{_ARGS}->{_ARGS}$")


def _parse_signature(signature: str):
    """``'(m,n),(n)->(m)'`` as ([('m', 'n'), ('n',)], [('m',)])."""
    s = signature.replace(" ", "")
    if not _SIGNATURE.match(s):
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")
    ins, outs = s.split("->")
    parse = lambda side: [tuple(d for d in core.split(",") if d)  # noqa: E731
                          for core in re.findall(r"\(([^)]*)\)", side)]
    return parse(ins), parse(outs)


def _bind_dims(sizes: dict, core: tuple, shape: tuple, what: str) -> None:
    if len(shape) < len(core):
        raise ValueError(f"vectorize: {what} has {len(shape)} dimension(s), but its core "
                         f"dimensions {core} need at least {len(core)}")
    for name, n in zip(core, shape[len(shape) - len(core):]):
        if sizes.setdefault(name, n) != n:
            raise ValueError(f"vectorize: inconsistent size for core dimension {name!r}: "
                             f"{sizes[name]} and {n}")


class _Vectorized:
    """``pyfunc`` broadcast over its arguments' leading (loop) dimensions (see :func:`vectorize`)."""

    def __init__(self, pyfunc, excluded, signature):
        self.pyfunc = pyfunc
        self.excluded = frozenset(excluded or ())
        self.signature = signature
        self.cores = _parse_signature(signature) if signature is not None else None
        functools.update_wrapper(self, pyfunc)

    def __call__(self, *args, **kwargs):
        excluded = self.excluded
        pos = [i for i in range(len(args)) if i not in excluded]
        names = [k for k in kwargs if k not in excluded]
        vals = [_as_array(args[i]) for i in pos] + [_as_array(kwargs[k]) for k in names]
        shapes = [shape_of(concrete(v)) for v in vals]
        if self.cores is None:
            in_cores, out_cores = [()] * len(vals), None
        else:
            in_cores, out_cores = self.cores
            if len(in_cores) != len(vals):
                raise TypeError(f"vectorize: the signature {self.signature!r} has {len(in_cores)} "
                                f"input(s), but {len(vals)} argument(s) were given")
        sizes: dict = {}
        for k, (core, s) in enumerate(zip(in_cores, shapes)):
            _bind_dims(sizes, core, s, f"argument {k}")
        loops = [s[:len(s) - len(c)] for s, c in zip(shapes, in_cores)]
        batch = np.broadcast_shapes(*loops) if loops else ()
        full = [broadcast_to(v, batch + s[len(s) - len(c):]) if s[:len(s) - len(c)] != batch else v
                for v, s, c in zip(vals, shapes, in_cores)]
        if 0 in batch:
            raise ValueError("vectorize: cannot call the function on size-0 inputs "
                             "(there is no first result to take the output shape from)")
        results = []
        for idx in np.ndindex(*batch):
            call_args = list(args)
            call_kwargs = dict(kwargs)
            for j, v in enumerate(full):
                piece = getitem(v, idx) if idx else v
                if j < len(pos):
                    call_args[pos[j]] = piece
                else:
                    call_kwargs[names[j - len(pos)]] = piece
            results.append(self.pyfunc(*call_args, **call_kwargs))
        multiple = isinstance(results[0], tuple)
        columns = list(zip(*results)) if multiple else [results]
        if out_cores is not None and len(out_cores) != len(columns):
            raise ValueError(f"vectorize: the signature {self.signature!r} has {len(out_cores)} "
                             f"output(s), but the function returned {len(columns)}")
        outs = []
        for k, col in enumerate(columns):
            col = [_as_array(r) for r in col]
            rshape = shape_of(concrete(col[0]))
            if out_cores is not None:
                core = out_cores[k]
                if len(rshape) != len(core):
                    raise ValueError(f"vectorize: output {k} has {len(rshape)} dimension(s), "
                                     f"but the signature's {core} needs {len(core)}")
                _bind_dims(sizes, core, rshape, f"output {k}")
            if not batch:
                outs.append(col[0])
                continue
            out = stack(col) if len(col) > 1 else expand_dims(col[0], 0)
            outs.append(reshape(out, batch + rshape))
        return tuple(outs) if multiple else outs[0]


@function
def vectorize(pyfunc=None, otypes=None, doc=None, excluded=None, cache: bool = False,
              signature: str | None = None):
    """``pyfunc`` made to broadcast over arrays (NumPy's and JAX's ``vectorize``): called
    once per entry of the broadcast arguments (or per core slice, with a gufunc
    ``signature`` such as ``'(n),(n)->()'``), the results stacked. ``excluded`` names
    positional indices or keywords passed through unchanged. A Python loop; the gradient
    goes through every call. Usable as a decorator. ``otypes``, ``doc`` and ``cache`` are
    accepted for NumPy compatibility (result dtypes follow the function's results)."""
    if pyfunc is None:
        return lambda f: _Vectorized(f, excluded, signature)
    return _Vectorized(pyfunc, excluded, signature)


# ---- apply_along_axis, apply_over_axes, fromfunction -----------------------------------
@function
def apply_along_axis(func1d, axis: int, arr: ArrayLike, *args, **kwargs) -> Array:
    """``func1d`` applied to every 1-D slice of ``arr`` along ``axis`` (NumPy's
    ``apply_along_axis``): the result's dimensions replace ``axis``. A Python loop."""
    arr = _as_array(arr)
    shape = shape_of(concrete(arr))
    nd = len(shape)
    ax = negative_axis(axis, nd, "apply_along_axis") + nd
    moved = moveaxis(arr, ax, -1)
    outer = shape[:ax] + shape[ax + 1:]
    if 0 in outer:
        raise ValueError("apply_along_axis: cannot apply along an axis when another dimension "
                         f"has size 0 (shape {shape})")
    res = [_as_array(func1d(getitem(moved, idx + (Ellipsis,)), *args, **kwargs))
           for idx in np.ndindex(*outer)]
    rshape = shape_of(concrete(res[0]))
    out = reshape(stack(res), outer + rshape)
    n_o, n_r = len(outer), len(rshape)
    perm = list(range(ax)) + list(range(n_o, n_o + n_r)) + list(range(ax, n_o))
    return transpose(out, tuple(perm)) if perm != list(range(n_o + n_r)) else out


@function
def apply_over_axes(func, a: ArrayLike, axes) -> Array:
    """``func(a, axis)`` applied for each axis in turn, the result keeping ``a``'s number of
    dimensions (NumPy's ``apply_over_axes``)."""
    val = _as_array(a)
    n = _ndim(val)
    for axis in np.atleast_1d(np.asarray(axes)).tolist():
        if axis < 0:
            axis += n
        res = func(val, axis)
        if _ndim(res) != n:
            res = expand_dims(res, axis)
            if _ndim(res) != n:
                raise ValueError("apply_over_axes: the function must return an array with "
                                 "the input's number of dimensions or one fewer")
        val = res
    return val


@function
def fromfunction(function, shape, *, dtype=float, like=None, **kwargs):
    """``function(*indices)`` with one coordinate array per axis (NumPy's ``fromfunction``);
    the result is whatever the function returns, traced if it uses traced values."""
    return function(*np.indices(shape, dtype=dtype), **kwargs)


# ---- logspace, geomspace -------------------------------------------------------------------
@function
def logspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             base: ArrayLike = 10.0, dtype=None, axis: int = 0) -> Array:
    """``base ** linspace(start, stop, num)`` (NumPy's ``logspace``); differentiable in
    ``start``, ``stop`` and ``base``."""
    if not _traced(start, stop, base):
        return np.logspace(start, stop, num, endpoint=endpoint, base=base, dtype=dtype, axis=axis)
    # a Python number stays weak (float32 stays float32), as NumPy's logspace keeps it
    b = base if isinstance(base, (int, float)) else _as_array(base)
    if _ndim(b):  # as NumPy: start, stop and base first get the same number of axes, and
        # base an axis at ``axis`` for the samples (so each base has its own sequence)
        start, stop = _as_array(start), _as_array(stop)
        nd = len(np.broadcast_shapes(*(shape_of(concrete(v)) for v in (start, stop, b))))
        start, stop, b = (reshape(v, (1,) * (nd - _ndim(v)) + shape_of(concrete(v)))
                          for v in (start, stop, b))
        b = expand_dims(b, axis)
    y = linspace(start, stop, num=num, endpoint=endpoint, axis=axis)
    out = power(b, y)
    return astype(out, dtype) if dtype is not None else out


def _check_geom_ends(start, stop) -> None:
    """NumPy's refusal of a zero end (also at each replay under tg.jit)."""
    if np.any(np.asarray(start) == 0) or np.any(np.asarray(stop) == 0):
        raise ValueError("geomspace: geometric sequence cannot include zero")


@function
def geomspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
              dtype=None, axis: int = 0) -> Array:
    """``num`` numbers from ``start`` to ``stop`` spaced evenly on a log scale (NumPy's
    ``geomspace``, real values): the endpoints are exactly ``start`` and ``stop``.
    Differentiable in both."""
    if not _traced(start, stop):
        return np.geomspace(start, stop, num, endpoint=endpoint, dtype=dtype, axis=axis)
    start, stop = _as_array(start), _as_array(stop)
    # NumPy's dtype: result_type(start, stop, zeros((), dtype)), so float64 unless dtype says
    dt = np.result_type(dtype_of(concrete(start)), dtype_of(concrete(stop)),
                        np.float64 if dtype is None else dtype)
    start, stop = astype(start, dt), astype(stop, dt)
    staged_check(_check_geom_ends, concrete(start), concrete(stop))
    if not (is_staged(concrete(start)) or is_staged(concrete(stop))):  # (unknown under tg.jit)
        if np.any(np.sign(concrete(start)) != np.sign(concrete(stop))):
            raise ValueError("geomspace: start and stop must have the same sign (a complex "
                             "sequence has no real gradient here)")
    # NumPy's rule: both ends divided by the sign of start, so a stop of the other sign (only
    # unseen under tg.jit) gives NaN inside and still ends exactly at stop, as NumPy's
    s = sign(start)
    start, stop = _abs(start), stop / s
    y = power(10.0, linspace(log10(start), log10(stop), num=num, endpoint=endpoint))
    if num > 0:  # the endpoints exactly, as NumPy makes them
        y = at(y)[0].set(start)
        if num > 1 and endpoint:
            y = at(y)[-1].set(stop)
    y = s * y
    if axis != 0:  # as NumPy: checked against the result's axes, also for scalar ends
        y = moveaxis(y, 0, axis)
    return astype(y, dtype) if dtype is not None else y


# ---- axes and products -----------------------------------------------------------------------
@function
def rollaxis(a: ArrayLike, axis: int, start: int = 0) -> Array:
    """``a`` with ``axis`` moved to stand before ``start`` (NumPy's ``rollaxis``; prefer
    ``moveaxis``)."""
    a = _as_array(a)
    n = _ndim(a)
    axis = negative_axis(axis, n, "rollaxis") + n
    if not -n <= start <= n:
        raise np.exceptions.AxisError(f"rollaxis: start {start} is out of bounds for an array "
                                      f"of dimension {n}")
    if start < 0:
        start += n
    if axis < start:
        start -= 1
    if axis == start:
        return a
    axes = [i for i in range(n) if i != axis]
    axes.insert(start, axis)
    return transpose(a, tuple(axes))


def _check_product(name: str, x1, x2) -> tuple:
    x1, x2 = _as_array(x1), _as_array(x2)
    if _ndim(x1) < (2 if name == "matvec" else 1) or _ndim(x2) < (1 if name == "matvec" else 2):
        raise ValueError(f"{name}: operands of shapes {shape_of(concrete(x1))} and "
                         f"{shape_of(concrete(x2))} have too few dimensions")
    return x1, x2


@function
def matvec(x1: ArrayLike, x2: ArrayLike) -> Array:
    """The matrix-vector product over the last axes, ``Σ_j x1[..., i, j] x2[..., j]``,
    broadcasting the rest (NumPy's ``matvec``)."""
    x1, x2 = _check_product("matvec", x1, x2)
    return getitem(matmul(x1, expand_dims(x2, -1)), (Ellipsis, 0))


@function
def vecmat(x1: ArrayLike, x2: ArrayLike) -> Array:
    """The vector-matrix product over the last axes, ``Σ_i conj(x1[..., i]) x2[..., i, j]``
    (NumPy's ``vecmat``)."""
    x1, x2 = _check_product("vecmat", x1, x2)
    if np.iscomplexobj(concrete(x1)):
        x1 = conj(x1)
    return getitem(matmul(expand_dims(x1, -2), x2), (Ellipsis, 0, slice(None)))


# ---- out-of-place forms of NumPy's in-place functions -----------------------------------------
def _out_of_place(name: str, inplace, args: tuple = (), kwargs: dict | None = None) -> bool:
    """False for ``inplace=False``; True once NumPy's own ``name`` has updated a NumPy array
    ``args[0]`` in place (with values that carry no gradient), as NumPy's call does; otherwise
    the error: a Tensor is immutable, as a JAX array."""
    if not inplace:
        return False
    target = args[0] if args else None
    if type(target) is np.ndarray and not _traced(*args):
        getattr(np, name)(*[concrete(v) for v in args], **(kwargs or {}))
        return True
    what = ("a NumPy array with values that carry a gradient" if type(target) is np.ndarray
            else f"a {type(target).__name__} (tensorgrad's values are immutable, as JAX's)")
    raise ValueError(f"{name}: {what} cannot be changed in place; tg.{name}(..., inplace=False) "
                     f"returns the updated array instead (as jax.numpy.{name} does)")


@function
def fill_diagonal(a: ArrayLike, val: ArrayLike, wrap: bool = False, *, inplace: bool = True) -> Array:
    """``a`` with its main diagonal set to ``val`` (repeated as needed), returned as a new
    array: NumPy's ``fill_diagonal`` made out-of-place, as ``jax.numpy.fill_diagonal``
    (pass ``inplace=False``). Differentiable in ``a`` and ``val``."""
    if _out_of_place("fill_diagonal", inplace, (a, val), {"wrap": wrap}):
        return None
    a = _as_array(a)
    shape = shape_of(concrete(a))
    mask = np.zeros(shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=wrap)  # NumPy decides which entries (and its errors)
    pos = np.flatnonzero(mask)
    flat_val = reshape(_as_array(val), (-1,))
    nv = shape_of(concrete(flat_val))[0]
    if nv == 0 or pos.size == 0:
        return a
    vals = getitem(flat_val, np.arange(pos.size) % nv)
    if dtype_of(concrete(vals)) != dtype_of(concrete(a)):
        vals = astype(vals, dtype_of(concrete(a)))
    return reshape(at(reshape(a, (-1,)))[pos].set(vals), shape)


@function
def put_along_axis(arr: ArrayLike, indices, values: ArrayLike, axis: int | None,
                   inplace: bool = True, mode=None) -> Array:
    """``arr`` with ``values`` written at ``indices`` along ``axis``, returned as a new array:
    NumPy's ``put_along_axis`` made out-of-place, as ``jax.numpy.put_along_axis`` (pass
    ``inplace=False``). Differentiable in ``arr`` and ``values``; a position written twice
    keeps the last value."""
    if _out_of_place("put_along_axis", inplace, (arr, indices, values, axis)):
        return None
    if mode not in (None, "raise", "clip", "promise_in_bounds", "drop", "fill"):
        raise ValueError(f"put_along_axis: mode must be 'raise', 'clip', 'promise_in_bounds', "
                         f"'drop' or 'fill', got {mode!r}")
    arr = _as_array(arr)
    shape = tuple(shape_of(concrete(arr)))
    idx = concrete(indices)
    if not is_staged(idx):
        idx = np.asarray(idx)
    try:  # the shape the indices pick, from shapes only (a traced index has its shape)
        picked = np.take_along_axis(np.empty(shape if axis is not None else (int(np.prod(shape)),),
                                             np.int8), np.zeros(shape_of(idx), np.intp),
                                    axis=-1 if axis is None else axis).shape
    except (ValueError, IndexError) as exc:
        raise type(exc)(f"put_along_axis: {exc}") from None
    vals = _as_array(values)
    try:
        fits = np.broadcast_shapes(shape_of(concrete(vals)), picked) == picked
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"put_along_axis: values of shape {shape_of(concrete(vals))} cannot be "
                         f"broadcast to the indices' shape {picked} (array of shape "
                         f"{shape}, axis {axis})")
    vals = reshape(broadcast_to(vals, picked), (-1,))
    if dtype_of(concrete(vals)) != dtype_of(concrete(arr)):
        vals = astype(vals, dtype_of(concrete(arr)))
    where_to = staged_call(_along_axis_targets, idx, shape, axis, mode)
    return reshape(at(reshape(arr, (-1,)))[where_to].set(vals, mode="drop"), shape)


def _along_axis_targets(idx: np.ndarray, shape: tuple, axis, mode) -> np.ndarray:
    """The flat position each value of ``put_along_axis`` goes to (the array's size: dropped,
    out of bounds under JAX's modes): NumPy on the indices' values (at every replay under
    tg.jit)."""
    positions = np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)
    if axis is None:
        positions = positions.ravel()
    keep = None
    if mode not in (None, "raise"):  # JAX's modes: negative indices count from the end first
        n = positions.shape[-1 if axis is None else axis]
        idx = np.where(idx < 0, idx + n, idx)
        if mode != "clip":  # an update out of bounds is dropped (XLA's scatter skips it)
            keep = (idx >= 0) & (idx < n)
        idx = np.clip(idx, 0, max(n - 1, 0))
    # where each value goes: NumPy's own take_along_axis on the positions
    where_to = np.take_along_axis(positions, idx, axis=-1 if axis is None else axis)
    if keep is not None:
        where_to = np.where(np.broadcast_to(keep, where_to.shape), where_to, positions.size)
    return where_to.ravel()


def _cyclic(values, count: int, dt):
    """``count`` entries of ``values`` (flattened), repeated from the start as needed."""
    flat = reshape(_as_array(python_values_as(values, dt)), (-1,))
    nv = shape_of(concrete(flat))[0]
    out = getitem(flat, np.arange(count) % nv)
    return astype(out, dt) if dtype_of(concrete(out)) != dt else out


def _unchanged(a):
    """The result of an out-of-place update that writes nothing: equal to ``a``, and never the
    caller's own array."""
    return a.copy() if isinstance(a, np.ndarray) else a


@function
def put(a: ArrayLike, ind, v: ArrayLike, mode: str | None = None, *, inplace: bool = True) -> Array:
    """``a`` with the flat positions ``ind`` set to ``v`` (repeated as needed), as a new array:
    NumPy's ``put`` made out-of-place, as ``jax.numpy.put`` (pass ``inplace=False``).
    ``mode``: 'raise' (the default), 'wrap' or 'clip', as in NumPy."""
    if _out_of_place("put", inplace, (a, ind, v), {"mode": mode or "raise"}):
        return None
    a = _as_array(a)
    shape = shape_of(concrete(a))
    n = int(np.prod(shape))
    raw = concrete(ind)
    # NumPy's rule: an index array is cast to intp safely (floats, uint64 are refused);
    # a list or scalar is converted as np.array(ind, dtype=intp) is
    if (isinstance(raw, np.ndarray) or is_staged(raw)) and not np.can_cast(dtype_of(raw), np.intp, "safe"):
        raise TypeError(f"put: indices must be integers, got an array of dtype {dtype_of(raw)}")
    count = int(np.prod(shape_of(raw))) if is_staged(raw) else np.asarray(raw, dtype=np.intp).size
    if count == 0:
        return _unchanged(a)
    if n == 0:
        raise IndexError("put: cannot replace elements of an empty array")
    if int(np.prod(shape_of(concrete(_as_array(v))))) == 0:
        return _unchanged(a)  # no values: NumPy writes nothing
    if mode not in (None, "raise", "wrap", "clip"):
        raise ValueError(f"put: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    idx = staged_call(_put_targets, raw, n, mode)
    vals = _cyclic(v, count, dtype_of(concrete(a)))
    return reshape(at(reshape(a, (-1,)))[idx].set(vals), shape)


def _put_targets(raw, n: int, mode) -> np.ndarray:
    """The flat positions ``put`` writes, by NumPy's mode (at every replay under tg.jit)."""
    idx = np.asarray(raw, dtype=np.intp).ravel()
    if mode in (None, "raise"):
        if idx.max() >= n or idx.min() < -n:
            raise IndexError(f"put: index out of bounds for an array of size {n}")
        return np.where(idx < 0, idx + n, idx)
    return idx % n if mode == "wrap" else np.clip(idx, 0, n - 1)


@function
def place(arr: ArrayLike, mask, vals: ArrayLike, *, inplace: bool = True) -> Array:
    """``arr`` with the entries where ``mask`` is true set to ``vals`` in order (repeated as
    needed), as a new array: NumPy's ``place`` made out-of-place, as ``jax.numpy.place``
    (pass ``inplace=False``)."""
    if _out_of_place("place", inplace, (arr, mask, vals)):
        return None
    arr = _as_array(arr)
    shape = shape_of(concrete(arr))
    flat_mask = np.asarray(concrete(mask), dtype=bool).ravel()
    if flat_mask.size != int(np.prod(shape)):  # NumPy: same size, any shape (read flat)
        raise ValueError(f"place: mask and data must be the same size, got a mask of shape "
                         f"{np.shape(concrete(mask))} for an array of shape {shape}")
    pos = np.flatnonzero(flat_mask)
    if pos.size == 0:
        return _unchanged(arr)
    if shape_of(concrete(_as_array(vals))) and int(np.prod(shape_of(concrete(_as_array(vals))))) == 0:
        raise ValueError("place: cannot insert from an empty vals")
    return reshape(at(reshape(arr, (-1,)))[pos].set(_cyclic(vals, pos.size, dtype_of(concrete(arr)))),
                   shape)
