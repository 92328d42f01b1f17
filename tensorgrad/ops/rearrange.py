"""More of NumPy's selection functions and small helpers, on tensors.

Most of NumPy's selection functions (``insert``, ``delete``, ``resize``,
``compress``, ``extract``, ``choose``) only move entries around. Each one here
runs NumPy's own function once on an array of *positions* (``arange``, same
shape as the input), which gives, for every output entry, the input entry it
comes from; the output is then one gather (``take``) of the input at those
positions. So NumPy decides every detail of the semantics (negative indices,
broadcasting of inserted values, ``mode=``), and the gradient of each output
entry goes back to the entry it came from. The positions depend only on the
shapes and on the index arguments, which are constants; under ``tg.jit`` they
are computed once.

The helpers at the end are small compositions: ``broadcast_arrays``,
``ediff1d``, ``nanmedian``, ``modf``, ``frexp``, ``unwrap`` (the wrapping
correction is piecewise constant: no gradient), ``polyder``, ``polyint``, and
the integer- or constant-valued ``nanargmax``, ``nanargmin``, ``spacing``,
``angle``, ``tril_indices_from``, ``triu_indices_from``, ``unique_values``.
"""
from __future__ import annotations

import numpy as np

from ..registry import function
from ..staging import call as staged_call, may_any
from ..tensor import Tensor
from ..typing import Array, ArrayLike, Axis  # noqa: F401
from ._util import any_traced_or_listed as _traced
from ._util import as_array_like as _as_array
from ._util import concrete, dtype_of, is_staged, negative_axes, numpy_scalar, on_a_trace, pow2_factors, shape_of
from ._util import python_values_as, torch_quiet, weak_as_arrays
from .complex_ops import complex_angle, real_part
from .discrete import count_nonzero, flatnonzero, trunc, unique
from .updates import at
from .elementwise import astype, less, sign, stop_gradient, where
from .selection import take
from .scans import diff
from .shape import broadcast_to, concatenate, getitem, reshape, stack
from .statistics import _MIDDLE, _quantile

__all__ = ["insert", "delete", "resize", "compress", "extract", "choose", "broadcast_arrays",
           "ediff1d", "nanmedian", "nanargmax", "nanargmin", "modf", "frexp", "spacing", "angle",
           "unwrap", "polyder", "polyint", "tril_indices_from", "triu_indices_from",
           "unique_values", "real_if_close", "piecewise"]


def _positions(x) -> np.ndarray:
    s = shape_of(concrete(x))
    return np.arange(int(np.prod(s)), dtype=np.intp).reshape(s)


def _index(obj):
    """An index argument (``obj`` of insert and delete) as NumPy reads it: a Tensor's value
    (an index carries no gradient). Handed to NumPy as a Tensor it would dispatch back here,
    as NumPy's insert and delete dispatch on it too."""
    return np.asarray(concrete(obj)) if isinstance(obj, Tensor) else obj


def _gather(x, where_from: np.ndarray):
    """x's entries at the flat positions ``where_from`` (any shape)."""
    return reshape(getitem(reshape(x, (-1,)), where_from.ravel()), where_from.shape)


@function
def insert(arr: ArrayLike, obj, values: ArrayLike, axis: int | None = None) -> Array:
    """``arr`` with ``values`` inserted before the indices ``obj`` (NumPy's ``insert``);
    the gradient goes to ``arr`` and to ``values``."""
    obj = _index(obj)
    if not _traced(arr, values):
        return np.insert(arr, obj, values, axis=axis)
    arr = _as_array(arr)
    values = _as_array(python_values_as(values, dtype_of(concrete(arr))))
    vals = astype(values, dtype_of(concrete(arr))) if dtype_of(concrete(values)) != dtype_of(concrete(arr)) \
        else values
    n = int(np.prod(shape_of(concrete(arr))))
    # values' positions are numbered after arr's: n, n + 1, ...
    from_values = n + _positions(vals)
    where_from = np.insert(_positions(arr), obj, from_values, axis=axis)
    both = concatenate([reshape(arr, (-1,)), reshape(vals, (-1,))])
    return _gather(both, where_from)


@function
def delete(arr: ArrayLike, obj, axis: int | None = None, *, assume_unique_indices: bool = False) -> Array:
    """``arr`` without the entries at ``obj`` along ``axis`` (NumPy's ``delete``;
    ``assume_unique_indices``, JAX's hint, changes nothing)."""
    obj = _index(obj)
    if not _traced(arr):
        return np.delete(arr, obj, axis=axis)
    return _gather(arr, np.delete(_positions(arr), obj, axis=axis))


@function
def resize(a: ArrayLike, new_shape) -> Array:
    """``a`` repeated (or cut) to ``new_shape``, in C order (NumPy's ``resize``)."""
    if not _traced(a):
        return np.resize(a, new_shape)
    if not int(np.prod(shape_of(concrete(a)))):  # nothing to repeat: zeros, as NumPy gives
        return np.zeros(new_shape, dtype=dtype_of(concrete(a)))
    return _gather(a, np.resize(_positions(a), new_shape))


def _compress_method(self, condition, axis=None, out=None, *, size=None, fill_value=0):
    """``t.compress(condition, axis)``: :func:`compress` with the tensor as the array."""
    return compress(condition, self, axis=axis, out=out, size=size, fill_value=fill_value)


def _sized(name: str, condition, a, axis: int, size: int, fill_value):
    """JAX's ``size=``: the slices of ``a`` along ``axis`` at the first ``size`` true entries of
    the 1-d ``condition``, the missing ones filled with ``fill_value``. Built on
    ``flatnonzero(size=)``, a result of fixed shape: under ``tg.jit`` the condition may be
    traced, and the plan replays it."""
    if int(size) < 0:
        raise ValueError(f"{name}: size must be non-negative, got {size}")
    idx = flatnonzero(condition, size=int(size))  # (padded with 0: masked out below)
    if shape_of(concrete(a))[axis] == 0 and size:
        raise ValueError(f"{name}: cannot take {size} entries from an empty axis {axis}")
    got = take(a, idx, axis=axis, mode="clip")
    ndim = len(shape_of(concrete(got)))
    found = less(np.arange(int(size)), count_nonzero(condition))
    found = reshape(found, (-1,) + (1,) * (ndim - axis % ndim - 1))
    fill = astype(np.asarray(fill_value), dtype_of(concrete(got)))
    return where(found, got, fill)


@function(methods={"compress": _compress_method})
def compress(condition: ArrayLike, a: ArrayLike, axis: int | None = None, out=None, *,
             size: int | None = None, fill_value=0) -> Array:
    """The slices of ``a`` along ``axis`` where ``condition`` is true (NumPy's ``compress``).
    JAX's ``size``: exactly that many slices, the missing ones filled with ``fill_value``."""
    if out is not None:
        raise TypeError("compress: out= is not supported on tensors; use the returned value")
    if size is not None:
        return _sized("compress", reshape(condition, (-1,)), reshape(a, (-1,)) if axis is None else a,
                      0 if axis is None else axis, size, fill_value)
    if not _traced(a):
        return np.compress(concrete(condition), a, axis=axis)
    return _gather(a, np.compress(np.asarray(concrete(condition)), _positions(a), axis=axis))


@function
def extract(condition: ArrayLike, arr: ArrayLike, *, size: int | None = None, fill_value=0) -> Array:
    """The entries of ``arr`` where ``condition`` is true, flattened (NumPy's ``extract``).
    JAX's ``size``: exactly that many entries, the missing ones filled with ``fill_value``."""
    if size is not None:
        return _sized("extract", reshape(condition, (-1,)), reshape(arr, (-1,)), 0, size, fill_value)
    if not _traced(arr):
        return np.extract(concrete(condition), arr)
    return _gather(arr, np.extract(np.asarray(concrete(condition)), _positions(arr)))


@function(methods=("choose",))
def choose(a: ArrayLike, choices, out=None, mode: str = "raise") -> Array:
    """Entry by entry, the choice ``a`` names (NumPy's ``choose``); the gradient goes to
    the chosen entries of ``choices``."""
    if out is not None:
        raise TypeError("choose: out= is not supported on tensors; use the returned value")
    choices = [_as_array(c) for c in weak_as_arrays(choices)]
    if not _traced(*choices):
        return np.choose(concrete(a), choices, mode=mode)
    idx = concrete(a)
    if not is_staged(idx):
        idx = np.asarray(idx)
    shape = np.broadcast_shapes(tuple(shape_of(idx)), *[shape_of(concrete(c)) for c in choices])
    where_from = staged_call(_chosen, idx, shape, len(choices), mode)
    stacked = stack([broadcast_to(c, shape) for c in choices])
    return reshape(getitem(reshape(stacked, (-1,)), reshape(where_from, (-1,))), shape)


def _chosen(idx: np.ndarray, shape: tuple, count: int, mode: str) -> np.ndarray:
    """The flat position in the stacked choices of each entry ``choose`` picks (NumPy's own
    ``choose`` on positions; at every replay under tg.jit)."""
    size = int(np.prod(shape))
    grid = np.arange(size, dtype=np.intp).reshape(shape)
    return np.choose(idx, [k * size + grid for k in range(count)], mode=mode)


@function
def broadcast_arrays(*args: ArrayLike, subok: bool = False) -> tuple:
    """Every argument broadcast to their common shape (a tuple, as NumPy 2 returns)."""
    if not _traced(*args):
        return tuple(np.broadcast_arrays(*args, subok=subok))
    args = [_as_array(a) for a in args]
    shape = np.broadcast_shapes(*[shape_of(concrete(a)) for a in args])
    return tuple(broadcast_to(a, shape) for a in args)


@function
def ediff1d(ary: ArrayLike, to_end=None, to_begin=None) -> Array:
    """Differences of consecutive entries of the flattened array, with ``to_begin`` and
    ``to_end`` put around them (NumPy's ``ediff1d``)."""
    if not _traced(ary, to_end, to_begin):
        return np.ediff1d(ary, to_end=to_end, to_begin=to_begin)
    ary = _as_array(ary)
    parts = [diff(reshape(ary, (-1,)))]
    if to_begin is not None:
        parts.insert(0, _ediff1d_end(to_begin, dtype_of(concrete(ary)), "to_begin"))
    if to_end is not None:
        parts.append(_ediff1d_end(to_end, dtype_of(concrete(ary)), "to_end"))
    return concatenate(parts) if len(parts) > 1 else parts[0]


def _ediff1d_end(v, dt, name: str):
    """``to_begin``/``to_end`` of ``ediff1d`` flattened in ``ary``'s dtype, as NumPy's (which
    refuses one that ``same_kind`` casting cannot bring there)."""
    v = _as_array(v)
    if not np.can_cast(dtype_of(concrete(v)), dt, casting="same_kind"):
        raise TypeError(f"dtype of `{name}` must be compatible with input `ary` under the "
                        "`same_kind` rule.")
    v = reshape(v, (-1,))
    return v if dtype_of(concrete(v)) == dt else astype(v, dt)


@function
@torch_quiet
def nanmedian(a: ArrayLike, axis: Axis = None, out=None, overwrite_input: bool = False,
              keepdims: bool = False) -> Array:
    """The median ignoring NaN entries (NumPy's ``nanmedian``): the middle entry, or the mean
    of the two middle ones, of the entries that are not NaN (not ``nanquantile`` at ½, whose
    interpolation, as NumPy's, makes two infinite middle entries NaN, where NumPy's median
    is ±inf). An all-NaN slice gives NaN, with NumPy's warning."""
    if out is not None:
        raise TypeError("nanmedian: out= is not supported on tensors; use the returned value")
    return _quantile("nanmedian", a, 0.5, axis, _MIDDLE, keepdims, skip_nan=True)


@function
def nanargmax(a: ArrayLike, axis: int | None = None, out=None, *, keepdims: bool = False):
    """Index of the largest entry, ignoring NaN (integers, no gradient)."""
    v = concrete(a)
    negative_axes(axis, np.ndim(v), "nanargmax")
    return np.nanargmax(v, axis=axis, out=out, keepdims=keepdims)


@function
def nanargmin(a: ArrayLike, axis: int | None = None, out=None, *, keepdims: bool = False):
    """Index of the smallest entry, ignoring NaN (integers, no gradient)."""
    v = concrete(a)
    negative_axes(axis, np.ndim(v), "nanargmin")
    return np.nanargmin(v, axis=axis, out=out, keepdims=keepdims)


@function
def modf(x: ArrayLike) -> tuple:
    """``(fractional part, integral part)``, as NumPy's ``modf``; the fractional part has
    derivative 1, the integral part 0."""
    dt = dtype_of(concrete(x))
    if dt.kind in "biu":  # NumPy's modf has float loops only: float16 for int8, float64 for int64
        x = astype(x, np.modf(np.zeros(1, dt))[0].dtype)
    whole = trunc(x)
    inf = np.isinf(concrete(x))
    finite = where(inf, 0, x) if may_any(inf) else x  # (inf - inf would be NaN, and warn)
    # the fractional part has x's sign, also when it is 0 (NumPy: modf(-2.0) = (-0.0, -2.0)):
    # whole - x ≥ 0 for x < 0, so its negative is -0.0 there
    frac = where(np.signbit(concrete(x)), -(trunc(finite) - finite), finite - trunc(finite))
    if may_any(inf):  # NumPy: modf(±inf) = (±0, ±inf)
        frac = where(inf, np.copysign(np.zeros((), dtype_of(concrete(whole))), concrete(x)), frac)
    return numpy_scalar(frac), whole


@function
def frexp(x: ArrayLike) -> tuple:
    """``(mantissa, exponent)`` with ``x = mantissa · 2**exponent``; the mantissa's
    derivative is ``2**-exponent``, the exponent is an integer (no gradient)."""
    m, e = np.frexp(concrete(x))
    # 2**-e in the mantissa's dtype (float32 stays float32, int8 gives float16, as NumPy), in
    # steps: 2**1073 alone overflows for a subnormal x
    for f in pow2_factors(-e, m.dtype):
        x = x * f
    return x, e


@function
def spacing(x: ArrayLike):
    """The distance to the next float (piecewise constant: no gradient)."""
    return np.spacing(concrete(x))


@function
def angle(z: ArrayLike, deg: bool = False):
    """The angle of a complex number, in radians (degrees with ``deg``); of a real number,
    0 or π (piecewise constant: no gradient)."""
    v = concrete(z)
    if np.iscomplexobj(v):
        a = complex_angle(z)
        return a * (180 / np.pi) if deg else a
    a = np.angle(v, deg=deg)
    if isinstance(z, Tensor):  # a Tensor comes back, with slope 0 (PyTorch keeps it on the tape)
        return a + 0 * (z if v.dtype == bool else sign(z))  # (sign has no bool loop)
    return a


@function
def unwrap(p: ArrayLike, discont=None, axis: int = -1, *, period: float = 2 * np.pi) -> Array:
    """Phases with their jumps of more than ``discont`` removed (NumPy's ``unwrap``).
    The correction added is a multiple of the period, constant between jumps, so the
    derivative is the identity (and, in a traced ``period``, the number of periods added)."""
    p = _as_array(p)
    v, per = concrete(p), concrete(period)  # (NumPy is given values: a Tensor would come back here)
    negative_axes(axis, np.ndim(v), "unwrap")
    correction = np.unwrap(v, discont=None if discont is None else concrete(discont), axis=axis,
                           period=per) - v
    out = p + stop_gradient(correction)
    if on_a_trace(period):  # the correction is k periods (an integer k per entry): slope k
        out = out + (period - stop_gradient(period)) * np.rint(correction / per)
    return out


@function
def polyder(p: ArrayLike, m: int = 1) -> Array:
    """The coefficients of the ``m``-th derivative of the polynomial ``p`` (highest power
    first, as NumPy's ``polyder``)."""
    if int(m) < 0:
        raise ValueError("polyder: the order of the derivative must be non-negative")
    for _ in range(int(m)):
        n = shape_of(concrete(p))[0] - 1
        if n <= 0:  # NumPy (and JAX): p[:-1] * arange(0) — an empty array
            return getitem(p, slice(0, 0))
        p = getitem(p, slice(0, n)) * np.arange(n, 0, -1)  # integer factors, as NumPy
    return p


@function
def polyint(p: ArrayLike, m: int = 1, k=None) -> Array:
    """The coefficients of the ``m``-th antiderivative of ``p``, with integration constants
    ``k`` (zeros by default), as NumPy's ``polyint``."""
    m = int(m)
    if m < 0:
        raise ValueError("polyint: the order of the antiderivative must be non-negative")
    p = _as_array(p)
    if k is None:
        ks = np.zeros(m)
    else:  # k may be traced: the constants are coefficients of the result and differentiate
        k = _as_array(k)
        k = k if dtype_of(concrete(k)).kind in "fc" else astype(k, float)
        nk = int(np.size(concrete(k)))
        if nk != 1 and nk != m:
            raise ValueError(f"polyint: k must be a scalar or have m = {m} entries, got {nk}")
        ks = broadcast_to(reshape(k, (-1,)), (m,))
    for j in range(m):
        n = shape_of(concrete(p))[0]
        p = concatenate([p / np.arange(n, 0, -1, dtype=float), getitem(ks, slice(j, j + 1))])
    return p


def _triangle_indices(indices, name: str, arr, k: int) -> tuple:
    s = shape_of(concrete(arr))
    if len(s) != 2:
        raise ValueError(f"{name}: input array must be 2-D, got shape {s}")
    return indices(s[0], k=k, m=s[1])


@function
def tril_indices_from(arr: ArrayLike, k: int = 0) -> tuple:
    """Indices of the lower triangle of a 2-D array's shape (integers, no gradient)."""
    return _triangle_indices(np.tril_indices, "tril_indices_from", arr, k)


@function
def triu_indices_from(arr: ArrayLike, k: int = 0) -> tuple:
    """Indices of the upper triangle of a 2-D array's shape (integers, no gradient)."""
    return _triangle_indices(np.triu_indices, "triu_indices_from", arr, k)


@function
def unique_values(x: ArrayLike, /, *, size: int | None = None, fill_value=None) -> Array:
    """The sorted distinct entries (NumPy's ``unique_values``: NaNs are not merged; see
    ``unique``, also for JAX's ``size`` and ``fill_value``)."""
    return unique(x, equal_nan=False, size=size, fill_value=fill_value)


@function
def real_if_close(a: ArrayLike, tol: float = 100) -> Array:
    """The real part of ``a`` when every imaginary part is within ``tol`` machine epsilons of
    zero (``tol`` above 1), else ``a`` itself (NumPy's ``real_if_close``)."""
    a = _as_array(a)
    v = concrete(a)
    if not np.iscomplexobj(v):
        return a
    if tol > 1:
        tol = np.finfo(np.result_type(v)).eps * tol
    return real_part(a) if bool(np.all(np.abs(np.imag(v)) < tol)) else a



@function
def piecewise(x: ArrayLike, condlist, funclist, *args, **kw) -> Array:
    """NumPy's ``piecewise``: where ``condlist[i]`` holds, ``funclist[i](x[cond], *args, **kw)``
    (or the constant ``funclist[i]``); one more function than conditions covers the rest.
    Each function sees only its own entries (a ``log`` on the positive ones never meets
    the others), and later conditions win, as in NumPy."""
    if not _traced(x, *args):
        return np.piecewise(x, condlist, funclist, *args, **kw)
    x = _as_array(x)
    xs = shape_of(concrete(x))
    conds = condlist if isinstance(condlist, (list, tuple)) else [condlist]
    funcs = list(funclist)
    if len(funcs) not in (len(conds), len(conds) + 1):
        raise ValueError(f"piecewise: {len(conds)} conditions need {len(conds)} or {len(conds) + 1} "
                         f"functions, got {len(funcs)}")
    dt = dtype_of(concrete(x))  # the output keeps x's dtype, as NumPy's and JAX's piecewise
    if is_staged(concrete(x)) or any(is_staged(concrete(c)) for c in conds):
        return _piecewise_staged(x, xs, conds, funcs, args, kw, dt)
    conds = [np.broadcast_to(np.asarray(concrete(c), dtype=bool), xs) for c in conds]
    if len(funcs) == len(conds) + 1:  # the last function: wherever no condition holds
        conds.append(~np.any(conds, axis=0) if conds else np.ones(xs, dtype=bool))
    out = np.zeros(xs, dtype=dt)
    for cond, fn in zip(conds, funcs):
        if not cond.any():
            continue
        value = fn(getitem(x, cond), *args, **kw) if callable(fn) else fn
        out = at(out)[cond].set(value)
    return out


def _piecewise_staged(x, xs, conds, funcs, args, kw, dt):
    """piecewise under tg.jit, where the conditions are only known when the plan runs: as
    ``jnp.piecewise``, every function sees all of ``x`` and the conditions select, later ones
    winning (a function must then be defined on every entry: give the others a harmless
    value with ``where`` inside it, as JAX's users do)."""
    conds = [broadcast_to(astype(c, bool), xs) for c in conds]
    rest = funcs.pop() if len(funcs) == len(conds) + 1 else 0  # (wherever no condition holds)
    out = astype(broadcast_to(rest(x, *args, **kw) if callable(rest) else rest, xs), dt)
    for cond, fn in zip(conds, funcs):
        out = where(cond, fn(x, *args, **kw) if callable(fn) else fn, out)
    return astype(out, dt)
