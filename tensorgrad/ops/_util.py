"""Small helpers shared by the op tables."""
from __future__ import annotations

import functools
import operator
import warnings

import numpy as np

from ..nan_quiet import NAN_WARNINGS, quiet_nan_warnings
from ..recording import holds_traced, pack
from ..staging import as_array, is_staged, may_any
from ..tensor import Tensor, concrete, dtype_of, ndim_of, shape_of, torch_style

__all__ = ["concrete", "shape_of", "ndim_of", "dtype_of", "negative_axes", "negative_axis",
           "reduced_count", "lift_tangent", "is_staged", "may_any", "any_traced", "on_a_trace",
           "as_array_like", "real_array", "numpy_scalar", "wide_index", "pow2_factors", "index_param",
           "weak_as_arrays", "broadcast_shapes_of", "python_values_as"]


def any_traced(*xs) -> bool:
    """True if an argument is a Tensor or a value staged by ``tg.jit``: a function built on
    ops must take its recording path; with none, NumPy's own function gives NumPy's answer."""
    return any(isinstance(x, Tensor) or is_staged(x) for x in xs)


def broadcast_shapes_of(name: str, **shapes) -> tuple:
    """``np.broadcast_shapes`` of the named argument shapes, or a ValueError naming ``name``
    and each argument's shape."""
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        listed = ", ".join(f"{k} {tuple(v)}" for k, v in shapes.items())
        raise ValueError(f"{name}: shapes {listed} cannot be broadcast together (each trailing "
                         "axis must match or be 1)") from None


def broadcast_warning(name: str, first: str, s1: tuple, second: str, s2: tuple, shape: tuple,
                      stacklevel: int) -> None:
    """Warn (as PyTorch's losses do) that two operands of different shapes broadcast to
    ``shape``: a prediction (N, 1) against a target (N,) makes an N × N loss."""
    warnings.warn(f"{name}: {first} of shape {s1} and {second} of shape {s2} broadcast to "
                  f"{shape}, which is likely not what you mean; give them one shape",
                  UserWarning, stacklevel=stacklevel + 1)


def any_traced_or_listed(*xs) -> bool:
    """:func:`any_traced`, where a list or tuple holding a traced value counts too (it means
    the array NumPy would build): for functions that make their arguments arrays with
    :func:`as_array_like` on their recording path."""
    return any(isinstance(x, Tensor) or is_staged(x) or (type(x) in (list, tuple) and holds_traced(x))
               for x in xs)


def weak_as_arrays(xs) -> tuple:
    """``xs`` with each Python number made an array of the dtype NumPy 2 gives it among the
    others (it is weak, NEP 50): ``concatenate([np.float32(1), 1.0], axis=None)`` and
    ``choose(0, [f32, 1.0])`` stay float32; a number that does not fit is cast as NumPy's
    functions cast it (``concatenate([int8, 255], axis=None)`` holds -1)."""
    xs = tuple(xs)
    if not any(type(x) in (bool, int, float) for x in xs):
        return xs
    dt = np.result_type(*(x if type(x) in (bool, int, float) else dtype_of(concrete(x)) for x in xs))
    return tuple(np.asarray(x).astype(dt) if type(x) in (bool, int, float) else x for x in xs)


def python_values_as(values, dtype):
    """Python numbers (or a list of them, with no traced entry) as an array of ``dtype``,
    converted as NumPy 2 converts them into an array of that dtype: a Python integer that
    does not fit raises OverflowError (NEP 50), never wraps. Anything else is returned as is."""
    if type(values) in (bool, int, float, complex) or (type(values) in (list, tuple)
                                                       and not holds_traced(values)):
        return np.asarray(values, dtype=dtype)
    return values


def on_a_trace(v) -> bool:
    """True if ``v`` is a value some trace records (a Tensor of a trace, or a value staged by
    ``tg.jit``, bare or inside a Tensor): an argument an op must not read as a constant."""
    return (isinstance(v, Tensor) and v._trace is not None) or is_staged(concrete(v))


def numpy_scalar(r):
    """A plain 0-d result as the NumPy scalar NumPy's function returns (``np.percentile``,
    ``np.interp`` and ``np.inner`` give ``np.float64``, not a 0-d array); anything traced
    or of higher rank is returned as it is."""
    return r[()] if type(r) is np.ndarray and r.ndim == 0 else r


def pow2_factors(e, dtype) -> list:
    """2**e (integer ``e``) as a list of factors, each a power of two that ``dtype`` holds
    exactly; ``x`` times them in turn is ``np.ldexp(x, e)``, bit for bit (musl's scalbn: 2**e
    alone over- or underflows where ``x·2**e`` does not, as ``ldexp(0.5, 1024)``, and the steps
    into the subnormal range leave room for one rounding only). Their product is the slope.
    A value staged by ``tg.jit`` takes every step (their number depends on the dtype only)."""
    fi = np.finfo(dtype)
    hi, lo = fi.maxexp - 1, fi.minexp
    step = lo + fi.nmant + 1  # down to the subnormal range with the precision kept
    bound = hi - lo + fi.nmant + 2  # beyond ±bound every finite x gives 0 or inf
    n = np.clip(e if is_staged(e) else np.asarray(e, dtype=np.int64), -bound, bound)
    one = np.ones((), dtype)
    factors = []
    for _ in range((bound + lo - step - 1) // -step):
        f = np.where(n > hi, hi, np.where(n < lo, step, 0))
        if not is_staged(f) and not f.any():
            break
        factors.append(np.ldexp(one, f))
        n = n - f
    factors.append(np.ldexp(one, n))
    return factors


def wide_index(i):
    """An integer index (array, scalar, or a value staged by ``tg.jit``) in 64 bits, so that
    arithmetic with an axis' length (counting a negative index from the end, clamping,
    wrapping) cannot overflow a narrow dtype: NumPy 2 raises OverflowError for ``i + 300``
    with an int8 ``i``, where NumPy's and JAX's indexing accept any integer dtype."""
    dt = np.dtype(dtype_of(i))
    if dt.kind not in "iu" or dt.itemsize >= 8:
        return i
    return as_array(i, np.int64)


def as_array_like(x):
    """``x`` itself if it is array-like (an array, a Tensor, a staged value), else an array;
    a list or tuple holding traced values becomes the array NumPy would build, through the
    ``stack`` op, so it stays differentiable (:func:`tensorgrad.recording.pack`)."""
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return x
    if type(x) in (list, tuple) and holds_traced(x):
        return pack(x)
    return np.asarray(x)


def real_array(x, where: str, what: str, hint: str = ""):
    """``x`` as an array-like (see :func:`as_array_like`), refused clearly unless its dtype is
    real (bool, integer or floating): tensorgrad differentiates real arrays only."""
    x = as_array_like(x)
    dt = np.dtype(dtype_of(x))
    if dt.kind not in "biuf":
        raise TypeError(f"{where}: {what} must be a real array, got dtype {dt} (tensorgrad "
                        f"differentiates real arrays{hint})")
    return x


def negative_axes(axis, ndim: int, opname: str) -> tuple:
    """Normalise ``axis`` (None, int or tuple) to a sorted tuple of negative axes.

    Negative axes count from the end, so leading batch axes (which Jacobian
    sweeps put in front) never shift them.
    """
    if axis is None:
        return tuple(range(-ndim, 0))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in axes:
        if isinstance(a, Tensor):
            a = concrete(a)
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{opname}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(
                f"{opname}: axis {a} is out of bounds for an input with {ndim} dimensions")
        out.append(int(a) - ndim if a >= 0 else int(a))
    if len(set(out)) != len(out):
        raise ValueError(f"{opname}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def legacy_0d_axis(x, axis):
    """``axis`` as NumPy reads it for a 0-d array ``x`` in ``cumsum``, ``cumprod``, ``ptp``,
    ``count_nonzero`` and ``take`` (and its reductions): axis 0 or −1 is the one entry there is,
    as ``axis=None``. (A 0-d tensor of PyTorch's keeps its own reading: results stay 0-d.)"""
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool) and axis in (0, -1) \
            and not shape_of(concrete(x)) and not torch_style(x):
        return None
    return axis


def index_param(value, opname: str, what: str) -> int:
    """An integer parameter (an offset, a count of turns or repeats, a split point) as a
    Python int, by NumPy's and JAX's rule: anything with ``__index__`` (ints, NumPy
    integers, 0-d integer arrays); a float is a TypeError, never silently truncated."""
    try:
        return operator.index(concrete(value))
    except TypeError as exc:
        if type(exc) is not TypeError:  # (tg.jit's ConcretizationError: a traced integer)
            raise
        raise TypeError(f"{opname}: {what} must be an integer, got {value!r}") from None


def sort_kind(kind, opname: str) -> None:
    """Check a sort's ``kind`` as NumPy does (tensorgrad always sorts stably, which is a
    valid answer for every kind): None or a string starting with q, h, m or s."""
    if kind is None:
        return
    if not isinstance(kind, str):
        raise TypeError(f"{opname}: sort kind must be str, not {type(kind).__name__}")
    if kind[:1].lower() not in ("q", "h", "m", "s"):
        raise ValueError(f"{opname}: sort kind must be one of 'quick', 'heap', 'merge' or 'stable' "
                         f"(got {kind!r})")


def negative_axis(axis, ndim: int, opname: str) -> int:
    """One axis as a negative int. ``None`` is refused here (NumPy's TypeError): it is not
    "the first axis"; functions where None means "flattened" handle it before calling."""
    if axis is None:
        raise TypeError(f"{opname}: axis must be an int, got None")
    # (a tuple, a float or a string is NumPy's TypeError, never its first entry)
    return negative_axes(index_param(axis, opname, "axis"), ndim, opname)[0]


def reduced_count(shape: tuple, axes: tuple) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def lift_tangent(t, x, ndim: int):
    """Reshape a batched tangent (batch + x.shape) to batch + (1,)*k + x.shape with
    ``ndim`` axes after the batch, so it broadcasts like x against an output of
    ``ndim`` axes."""
    ts, xs = shape_of(t), shape_of(x)
    pad = ndim - len(xs)
    if pad <= 0 or len(ts) == len(xs):
        return t
    nb = len(ts) - len(xs)
    return np.reshape(t, ts[:nb] + (1,) * pad + ts[nb:])  # tg.reshape for a Tensor


def in_float_of(fn, name=None):
    """SciPy's function ``fn``, its result in the inputs' float dtype (float16 stays float16,
    where SciPy's loops compute in float64; integers give float64); ``name`` names the
    forward (default: ``fn``'s name)."""
    def forward(*args):
        out = fn(*args)
        dt = np.result_type(*args)
        return out.astype(dt, copy=False) if dt.kind == "f" and np.result_type(out) != dt else out
    forward.__name__ = forward.__qualname__ = name or fn.__name__
    return forward


def nan_if_not_finite(fn, a, *args, **kwargs):
    """``fn(a, ...)`` for a matrix or stack of them, with every float result NaN for a matrix
    that holds inf or NaN, as JAX's SVD-based functions give (LAPACK's SVD may never return on
    a matrix holding inf, and NumPy's raises on NaN). Results keep ``a``'s batch axes first."""
    a = np.asarray(a)
    if a.ndim < 2 or np.isfinite(a).all():
        return fn(a, *args, **kwargs)
    bad = ~np.isfinite(a).all(axis=(-2, -1))
    out = fn(np.where(bad[..., None, None], np.zeros((), a.dtype), a), *args, **kwargs)

    def mark(r):
        r = np.asarray(r)
        if r.dtype.kind not in "fc":
            return r
        return np.where(bad.reshape(bad.shape + (1,) * (r.ndim - bad.ndim)), np.nan, r).astype(r.dtype)
    return tuple(mark(r) for r in out) if isinstance(out, tuple) else mark(out)


def empty_reduction(x: np.ndarray, axes, keepdims: bool, dtype) -> np.ndarray:
    """A mean-like reduction of a size-0 array: NaN over an empty slice (NumPy's value, without
    its "Mean of empty slice" warning, as JAX and PyTorch give it), of the reduction's shape."""
    shape = np.shape(np.sum(x, axis=axes, keepdims=keepdims))
    nan = complex(np.nan, np.nan) if np.dtype(dtype).kind == "c" else np.nan  # (both parts, as NumPy's)
    return np.full(shape, nan, dtype) if shape else np.dtype(dtype).type(nan)  # (a scalar, as NumPy's)


def torch_axes(name: str, axis, keepdims: bool, dim, keepdim) -> tuple:
    """``(axis, keepdims)`` from NumPy's keywords or PyTorch's names for them (``dim``,
    ``keepdim``, which wins when given): ``tg.logsumexp(x, dim=1)``, ``tg.linalg.norm(x, dim=1)``."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{name}: pass axis= (NumPy's) or dim= (PyTorch's), not both")
        axis = tuple(dim) if isinstance(dim, list) else dim
    return axis, keepdims if keepdim is None else bool(keepdim)


def quiet_nanmean(x: np.ndarray, axis, keepdims: bool):
    """NumPy's ``nanmean``; while :class:`quiet_nan_warnings` is entered, an all-NaN or empty
    slice gives its NaN without NumPy's warning (the same sum over the count, 0/0 there, under
    ``np.errstate``, which is this thread's own: no process-wide warnings filter is touched)."""
    if not NAN_WARNINGS.off or not (x.size == 0 or x.dtype.kind in "fc" and np.isnan(x).any()):
        return np.nanmean(x, axis=axis, keepdims=keepdims)
    dt = x.dtype if x.dtype.kind in "fc" else np.dtype(np.float64)
    keep = ~np.isnan(x) if x.dtype.kind in "fc" else np.ones(x.shape, bool)
    total = np.sum(np.where(keep, x, 0), axis=axis, keepdims=keepdims, dtype=dt)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.asarray(total / np.sum(keep, axis=axis, keepdims=keepdims), dtype=dt)
    return out if out.ndim else out[()]


def quiet_median(x: np.ndarray, axis, keepdims: bool):
    """NumPy's ``median``; while :class:`quiet_nan_warnings` is entered, an empty slice gives
    its NaN without NumPy's "Mean of empty slice" warning (the only one median gives)."""
    if not NAN_WARNINGS.off or x.size or axis == ():  # (NumPy refuses an empty axis tuple)
        return np.median(x, axis=axis, keepdims=keepdims)
    return empty_reduction(x, axis, keepdims, x.dtype if x.dtype.kind in "fc" else np.float64)


def torch_quiet(f):
    """``f`` (a NaN-skipping reduction) without NumPy's warning for an all-NaN or empty slice
    when its input is a PyTorch-style tensor (see :class:`quiet_nan_warnings`)."""
    @functools.wraps(f)
    def run(a, *args, **kwargs):
        if torch_style(a) and not NAN_WARNINGS.off:
            with quiet_nan_warnings():
                return f(a, *args, **kwargs)
        return f(a, *args, **kwargs)
    return run
