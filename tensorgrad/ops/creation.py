"""Array creation with NumPy's names, so ``tg`` serves as the array namespace (as ``jnp`` does).

``zeros``, ``ones``, ``empty``, ``eye``, ``identity``, ``tri`` and ``arange`` make
constants: plain NumPy arrays, which carry no gradient. ``full`` with a traced fill
value, and ``array``/``asarray`` of (nested) lists holding traced values, build a
traced array with registered ops (``broadcast_to``, ``stack``), so the gradient
reaches every value that went in, as ``jnp.array([x, y])`` does in JAX. Every creation
function takes the ``device=`` keyword of NumPy 2 and JAX, which changes nothing (arrays
live in host memory). The module also gives NumPy's constants and dtypes (``tg.pi``,
``tg.newaxis``, ``tg.float32``, ...).
"""
from __future__ import annotations

import numpy as np

from ..recording import IMPERATIVE, holds_traced, pack
from ..registry import function
from ..tensor import Tensor
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import any_traced, concrete, dtype_of, is_staged, shape_of
from .elementwise import astype
from .shape import broadcast_to, reshape

__all__ = ["zeros", "ones", "empty", "full", "eye", "identity", "tri", "arange", "array", "asarray"]

# NumPy's constants and dtypes under the same names
pi, e, inf, nan, newaxis = np.pi, np.e, np.inf, np.nan, np.newaxis
CONSTANTS = ("pi", "e", "inf", "nan", "newaxis")  # (the dtype names: scalar_types.py)


def _constant(name: str, *values) -> None:
    """Sizes and ranges must be known numbers: refuse a value traced by a transform."""
    for v in values:
        if (isinstance(v, Tensor) and v._trace is not None) or is_staged(v):
            raise TypeError(f"{name}: its sizes and bounds must be concrete numbers, not a traced "
                            f"value (shape {shape_of(concrete(v))}); the array it makes is a "
                            "constant with no gradient")


@function
def zeros(shape, dtype=float, order: str = "C", *, device=None, like=None) -> Array:
    """An array of zeros (a constant)."""
    _constant("zeros", shape)
    return np.zeros(shape, dtype=dtype, order=order)


@function
def ones(shape, dtype=None, order: str = "C", *, device=None, like=None) -> Array:
    """An array of ones (a constant)."""
    _constant("ones", shape)
    return np.ones(shape, dtype=dtype, order=order)


@function
def empty(shape, dtype=float, order: str = "C", *, device=None, like=None) -> Array:
    """An array of zeros: tensorgrad never hands out uninitialized memory (NumPy's ``empty``)."""
    _constant("empty", shape)
    return np.zeros(shape, dtype=dtype, order=order)


@function
def full(shape, fill_value: ArrayLike, dtype=None, order: str = "C", *, device=None,
         like=None) -> Array:
    """``fill_value`` broadcast to ``shape``; a traced fill value keeps its gradient (the sum
    of the cotangent over the copies)."""
    _constant("full", shape)
    if any_traced(fill_value):
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        v = fill_value if dtype is None or dtype_of(concrete(fill_value)) == np.dtype(dtype) \
            else astype(fill_value, dtype)
        return broadcast_to(v, shape)
    return np.full(shape, fill_value, dtype=dtype, order=order)


@function
def eye(N: int, M: int | None = None, k: int = 0, dtype=float, order: str = "C", *, device=None,
        like=None) -> Array:
    """The identity (ones on diagonal ``k``), a constant."""
    _constant("eye", N, M, k)
    return np.eye(N, M, k, dtype=dtype, order=order)


@function
def identity(n: int, dtype=None, *, device=None, like=None) -> Array:
    """The n × n identity, a constant."""
    _constant("identity", n)
    return np.identity(n, dtype=dtype)


@function
def tri(N: int, M: int | None = None, k: int = 0, dtype=float, *, device=None, like=None) -> Array:
    """Ones at and below diagonal ``k``, a constant."""
    _constant("tri", N, M, k)
    return np.tri(N, M, k, dtype=dtype)


@function
def arange(start, stop=None, step=None, dtype=None, *, device=None, like=None) -> Array:
    """Evenly spaced numbers (a constant; the bounds must be concrete numbers)."""
    _constant("arange", start, stop, step)
    args = [a for a in (start, stop, step) if a is not None]
    if step is not None and stop is None:
        args = [0, start, step]
    return np.arange(*args, dtype=dtype)


def _holds_traced(x) -> bool:
    return any_traced(x) or (isinstance(x, (list, tuple)) and holds_traced(x))


@function
def array(object, dtype=None, *, copy: bool = True, order: str = "K", subok: bool = False,
          ndmin: int = 0, device=None, like=None) -> Array:
    """An array from ``object``, as NumPy's ``array``; a (nested) list holding traced values is
    stacked with registered ops, so each value keeps its gradient (``jnp.array([x, y])``)."""
    if not _holds_traced(object):
        return np.array(object, dtype=dtype, copy=copy, order=order, subok=subok, ndmin=ndmin)
    out = object if any_traced(object) else pack(object, "array")
    if copy and out is object and type(out) is Tensor and out._trace is IMPERATIVE:
        # an imperative tensor takes in-place updates (t += v): a copy is another object
        out = reshape(out, shape_of(concrete(out)))
    if dtype is not None and dtype_of(concrete(out)) != np.dtype(dtype):
        out = astype(out, dtype)
    s = shape_of(concrete(out))
    if len(s) < ndmin:
        out = reshape(out, (1,) * (ndmin - len(s)) + s)
    return out


@function
def asarray(a, dtype=None, order: str | None = None, *, copy: bool | None = None, device=None,
            like=None) -> Array:
    """``a`` as an array (NumPy's ``asarray``); Tensors and traced lists as :func:`array` does."""
    if not _holds_traced(a):
        return np.asarray(a, dtype=dtype, order=order, copy=copy)
    return array(a, dtype=dtype, copy=bool(copy))
