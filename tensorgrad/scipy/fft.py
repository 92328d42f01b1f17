"""``tg.scipy.fft``: the discrete cosine transforms of ``jax.scipy.fft`` (``dct``, ``dctn``,
``idct``, ``idctn``), differentiable.

The transforms are SciPy's (``scipy.fft.dct``): types 1, 2, 3 and 4 (JAX has type 2 only),
``norm`` ``None``/``'backward'`` (the forward transform unscaled, the inverse divided by
``2N``, or ``2(N - 1)`` for type 1), ``'ortho'`` (both orthonormal) or ``'forward'`` (the
other way round), and SciPy's ``orthogonalize`` (by default True with ``'ortho'``). For a
length ``N`` along the axis, unnormalized:

* type 1 (``N >= 2``): ``y[k] = x[0] + (-1)^k x[N-1] + 2 Σ_{n=1}^{N-2} x[n] cos(π k n / (N-1))``;
* type 2: ``y[k] = 2 Σ_n x[n] cos(π k (2n + 1) / (2N))``;
* type 3: ``y[k] = x[0] + 2 Σ_{n>=1} x[n] cos(π n (2k + 1) / (2N))``;
* type 4: ``y[k] = 2 Σ_n x[n] cos(π (2k + 1)(2n + 1) / (4N))``.

``idct``/``idctn`` of a type invert ``dct``/``dctn`` of that type with the same ``norm`` (the
inverse of type 2 is type 3 and back). ``n`` (``s`` for the n-dimensional ones) sets the
length along the axis: the input is truncated or padded with zeros to it first. ``dctn``'s
``axes`` default to the last ``len(s)`` axes, or all of them, as in SciPy and JAX.

How: each transform along an axis is one product with an ``N × m`` cosine matrix (``m`` the
input's length, the padding or truncation folded in), built in float64 from exactly reduced
angles, so the results agree with SciPy's FFT-based ones to rounding, for the sizes a dense
matrix suits (the cost is ``O(N·m)`` per vector, not ``O(N log N)``). The products are
registered ops, so the transforms differentiate in every transform (the derivative of a
DCT is the transposed matrix, a DCT of the transposed type).

Dtypes: as SciPy's, float32 stays float32, float16 becomes float32, integers and booleans
become float64; complex inputs are refused (tensorgrad differentiates real arrays; SciPy
and JAX transform their real and imaginary parts). ``overwrite_x`` and ``workers`` are
accepted and change nothing.
"""
from __future__ import annotations

import functools
import operator

import numpy as np

from ..ops import astype, moveaxis
from ..ops._util import dtype_of, real_array, shape_of
from ..ops.linalg import matmul
from ..typing import Array, ArrayLike  # noqa: F401

__all__ = ["dct", "idct", "dctn", "idctn"]

_NORMS = (None, "backward", "ortho", "forward")
#: the unnormalized inverse of each type is this type, divided by the type's length factor
_INVERSE_TYPE = {1: 1, 2: 3, 3: 2, 4: 4}


def _cosines(t: int, n: int) -> np.ndarray:
    """The unnormalized type-``t`` DCT matrix of size ``n`` (``y = M @ x``), float64. The
    angles are reduced exactly (integers modulo the period) before the cosine."""
    k = np.arange(n, dtype=np.int64)[:, None]
    j = np.arange(n, dtype=np.int64)[None, :]
    if t == 1:
        d = n - 1
        m = 2 * np.cos(np.pi * ((k * j) % (2 * d)) / d)
        m[:, 0] = 1.0
        m[:, -1] = np.where(k[:, 0] % 2, -1.0, 1.0)
    elif t == 2:
        m = 2 * np.cos(np.pi * ((k * (2 * j + 1)) % (4 * n)) / (2 * n))
    elif t == 3:
        m = 2 * np.cos(np.pi * ((j * (2 * k + 1)) % (4 * n)) / (2 * n))
        m[:, 0] = 1.0
    else:
        m = 2 * np.cos(np.pi * (((2 * k + 1) * (2 * j + 1)) % (8 * n)) / (4 * n))
    return m


def _edge_scales(t: int, n: int, orthogonalize: bool):
    """SciPy's ``orthogonalize`` as the diagonal scalings of the input and the output."""
    sx, sy = np.ones(n), np.ones(n)
    if orthogonalize:
        r = np.sqrt(2.0)
        if t == 1:
            sx[[0, -1]] = r
            sy[[0, -1]] = 1 / r
        elif t == 2:
            sy[0] = 1 / r
        elif t == 3:
            sx[0] = r
    return sx, sy


@functools.lru_cache(maxsize=64)
def _matrix(inverse: bool, t: int, n: int, m: int, norm: str, orthogonalize: bool,
            dtype: str) -> np.ndarray:
    """The ``n × m`` matrix of the transform along one axis (input of length ``m`` truncated
    or zero-padded to ``n``), read-only (it is cached)."""
    factor = 2.0 * (n - 1) if t == 1 else 2.0 * n
    scale = {"backward": 1.0, "ortho": 1 / np.sqrt(factor), "forward": 1 / factor}[norm]
    sx, sy = _edge_scales(t, n, orthogonalize)
    if inverse:  # (scale · Sy M Sx)^-1 = Sx^-1 M' Sy^-1 / (scale · factor)
        a = _cosines(_INVERSE_TYPE[t], n) * (1 / sx)[:, None] * (1 / sy)[None, :] / (scale * factor)
    else:
        a = _cosines(t, n) * sy[:, None] * sx[None, :] * scale
    b = np.zeros((n, m))
    b[:, :min(n, m)] = a[:, :min(n, m)]
    b = b.astype(dtype)
    b.setflags(write=False)
    return b


def _input(name: str, x):
    x = real_array(x, name, "x", "; transform the real and imaginary parts")
    dt = np.dtype(dtype_of(x))
    if dt.kind != "f":
        x = astype(x, np.float64)
    elif dt.itemsize < 4:
        x = astype(x, np.float32)
    return x


def _options(name: str, type, norm, orthogonalize):
    if isinstance(type, bool) or not isinstance(type, (int, np.integer)) or type not in (1, 2, 3, 4):
        raise ValueError(f"{name}: type must be 1, 2, 3 or 4, got {type!r}")
    if norm not in _NORMS:
        raise ValueError(f"{name}: norm must be None, 'backward', 'ortho' or 'forward', got "
                         f"{norm!r}")
    if orthogonalize not in (None, True, False):
        raise ValueError(f"{name}: orthogonalize must be None, True or False, got "
                         f"{orthogonalize!r}")
    norm = "backward" if norm is None else norm
    orth = (norm == "ortho") if orthogonalize is None else bool(orthogonalize)
    return int(type), norm, orth


def _axis(name: str, axis, nd: int) -> int:
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{name}: an axis must be an integer, got {axis!r}") from None
    if not -nd <= axis < nd:
        raise np.exceptions.AxisError(axis, nd, name)
    return axis % nd


def _length(name: str, n, size: int, t: int) -> int:
    if n is None:
        n = size
    else:
        try:
            n = operator.index(n)
        except TypeError:
            raise TypeError(f"{name}: the length n (or an entry of s) must be an integer, got "
                            f"{n!r}") from None
    if n < 1:
        raise ValueError(f"{name}: invalid number of data points ({n}) specified")
    if t == 1 and n < 2:
        raise ValueError(f"{name}: a type 1 transform needs at least 2 data points, got {n}")
    return n


def _apply(x, inverse: bool, t: int, lengths, axes, norm: str, orth: bool, name: str):
    dt = np.dtype(dtype_of(x)).name
    for n, ax in zip(lengths, axes):
        m = shape_of(x)[ax]
        n = _length(name, n, m, t)
        b = _matrix(inverse, t, n, m, norm, orth, dt)
        last = len(shape_of(x)) - 1
        y = x if ax == last else moveaxis(x, ax, -1)
        y = matmul(y, b.T)
        x = y if ax == last else moveaxis(y, -1, ax)
    return x


def _one(name: str, inverse: bool, x, type, n, axis, norm, orthogonalize):
    t, norm, orth = _options(name, type, norm, orthogonalize)
    x = _input(name, x)
    nd = len(shape_of(x))
    if nd == 0:
        raise ValueError(f"{name}: x must have at least one dimension, got a 0-d array")
    return _apply(x, inverse, t, [n], [_axis(name, axis, nd)], norm, orth, name)


def _many(name: str, inverse: bool, x, type, s, axes, norm, orthogonalize):
    t, norm, orth = _options(name, type, norm, orthogonalize)
    x = _input(name, x)
    nd = len(shape_of(x))
    if s is not None:
        s = [s] if isinstance(s, (int, np.integer)) else list(s)
    if axes is not None:
        axes = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
        axes = [_axis(name, a, nd) for a in axes]
        if len(set(axes)) != len(axes):
            raise ValueError(f"{name}: all axes must be unique, got {axes}")
        if s is not None and len(s) != len(axes):
            raise ValueError(f"{name}: when given, axes and s must have the same length, got "
                             f"{len(axes)} axes and s of length {len(s)}")
    elif s is not None:
        if len(s) > nd:
            raise ValueError(f"{name}: s has {len(s)} entries, more than the {nd} axes of x "
                             f"(shape {tuple(shape_of(x))})")
        axes = list(range(nd - len(s), nd))
    else:
        axes = list(range(nd))
    if not axes:  # nothing to transform: a new array all the same, as SciPy's
        return x.copy() if isinstance(x, np.ndarray) else x
    lengths = s if s is not None else [None] * len(axes)
    return _apply(x, inverse, t, lengths, axes, norm, orth, name)


def dct(x: ArrayLike, type: int = 2, n: int | None = None, axis: int = -1,
        norm: str | None = None, overwrite_x: bool = False, workers=None, *,
        orthogonalize: bool | None = None) -> Array:
    """The discrete cosine transform of ``x`` along ``axis``, as ``scipy.fft.dct`` (and
    ``jax.scipy.fft.dct``): ``type`` 1 to 4, ``n`` the length (truncate or zero-pad),
    ``norm`` None/``'backward'``, ``'ortho'``, ``'forward'``. Differentiable."""
    return _one("dct", False, x, type, n, axis, norm, orthogonalize)


def idct(x: ArrayLike, type: int = 2, n: int | None = None, axis: int = -1,
         norm: str | None = None, overwrite_x: bool = False, workers=None, *,
         orthogonalize: bool | None = None) -> Array:
    """The inverse of ``dct`` of the same ``type`` and ``norm`` along ``axis``, as
    ``scipy.fft.idct`` (``n``: the input truncated or zero-padded to it first).
    Differentiable."""
    return _one("idct", True, x, type, n, axis, norm, orthogonalize)


def dctn(x: ArrayLike, type: int = 2, s=None, axes=None, norm: str | None = None,
         overwrite_x: bool = False, workers=None, *,
         orthogonalize: bool | None = None) -> Array:
    """The DCT of ``x`` along each of ``axes`` (the last ``len(s)`` axes, or all, by default),
    as ``scipy.fft.dctn``; ``s``: the lengths along them. Differentiable."""
    return _many("dctn", False, x, type, s, axes, norm, orthogonalize)


def idctn(x: ArrayLike, type: int = 2, s=None, axes=None, norm: str | None = None,
          overwrite_x: bool = False, workers=None, *,
          orthogonalize: bool | None = None) -> Array:
    """The inverse of ``dctn`` of the same ``type`` and ``norm``, as ``scipy.fft.idctn``.
    Differentiable."""
    return _many("idctn", True, x, type, s, axes, norm, orthogonalize)
