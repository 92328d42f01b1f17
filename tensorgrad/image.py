"""``tg.image``: ``jax.image``'s ``resize`` and ``scale_and_translate``, differentiable.

Both resample an N-dimensional array along some of its axes. Pixels are half-centred: the
entry at index ``i`` of an axis sits at ``i + 0.5``. ``scale_and_translate`` maps an input
position ``p`` to the output position ``p * scale + translation`` along each of its
``spatial_dims``, so the output entry ``j`` reads the input near

    s_j = (j + 0.5 - translation) / scale - 0.5     (as an input index)

and is a weighted sum of the input entries ``i`` with weights ``k(|s_j - i| / w)``, ``k`` the
method's kernel and ``w`` its width: ``max(1 / scale, 1)`` with ``antialias=True`` (when
shrinking, the kernel is widened into a low-pass filter), else 1. Each output's weights are
divided by their sum (unless that sum is within ``1000·eps(float32)`` of 0, which gives 0),
and an output whose ``s_j`` lies outside ``[-0.5, n - 0.5]`` (off the input) is 0.
``resize`` is ``scale_and_translate`` with ``scale = out / in`` and no translation, applied
to every axis whose length changes.

Methods (strings, or :class:`ResizeMethod` members, JAX's enum members accepted too):

* ``'nearest'`` (``resize`` only): the entry ``floor((j + 0.5) · in / out)``, computed in
  float32 and rounded as JAX's compiled code does (at exact ties it can pick the entry
  below); any dtype, kept;
* ``'linear'``, ``'bilinear'``, ``'trilinear'``, ``'triangle'``: the triangle ``1 - |x|``;
* ``'cubic'``, ``'bicubic'``, ``'tricubic'``: Keys' cubic kernel with ``a = -0.5``;
* ``'lanczos3'``, ``'lanczos5'``: ``sinc(x) sinc(x / r)`` for ``|x| <= r``;
* ``'cubic-pytorch'``, ``'bicubic-pytorch'``: with ``antialias=False``, the cubic kernel with
  ``a = -0.75`` and the edge entries repeated beyond the edges (OpenCV's and PyTorch's);
  with ``antialias=True``, ``'cubic'``;
* ``'area'``: each output entry averages the input over the interval it covers.

How: the resampling along an axis is one product with an ``in × out`` weight matrix, built
from registered ops (NumPy constants when ``scale`` and ``translation`` are plain numbers,
as in ``resize``), so every transform differentiates the result: in the image (the
transposed matrices), and in ``scale`` and ``translation`` through the kernels (JAX's
slopes: at the kernels' kinks and at the cut-offs the slope is that of the branch
``jnp.where`` picks). ``tg.jit`` and ``tg.vmap`` work as for any composite.

Dtypes (JAX's): a float image keeps its dtype; an integer or boolean image becomes float32
(float64 for 64-bit integers), except under ``'nearest'``, which keeps every dtype. The
weights are computed in the dtype of ``scale`` and ``translation`` (float64 for
``resize``) and cast to the image's. ``precision`` is accepted and ignored (NumPy products
are exact to the dtype's rounding). A complex image is resampled as its real and imaginary
parts (the resampling is linear), keeping its dtype, as JAX's.

Differences from JAX: where ``scale_and_translate`` is asked for an output shape that differs
from the input's along an axis not in ``spatial_dims`` (JAX silently keeps the input's
length there) and where ``resize`` grows an axis of length 0 (JAX raises
``ZeroDivisionError``), a ``ValueError`` is raised.
"""
from __future__ import annotations

import enum
import operator

import numpy as np

from .ops import (abs as _abs, arange, astype, divide, logical_and, matmul, maximum, minimum,
                  moveaxis, sin, sum as _sum, take, tensordot, where)
from .ops._util import dtype_of, ndim_of, real_array, shape_of
from .ops.complex_ops import by_parts
from .typing import Array, ArrayLike  # noqa: F401

__all__ = ["ResizeMethod", "resize", "scale_and_translate"]

#: weights summing to at most this (in absolute value) give 0, as in JAX
_TINY = 1000.0 * float(np.finfo(np.float32).eps)


class ResizeMethod(enum.Enum):
    """The resampling methods, as ``jax.image.ResizeMethod``: ``NEAREST``, ``LINEAR``,
    ``LANCZOS3``, ``LANCZOS5``, ``CUBIC``, ``CUBIC_PYTORCH``, ``AREA``."""

    NEAREST = 0
    LINEAR = 1
    LANCZOS3 = 2
    LANCZOS5 = 3
    CUBIC = 4
    CUBIC_PYTORCH = 5
    AREA = 6

    @staticmethod
    def from_string(s: str) -> "ResizeMethod":
        """The method a string names (JAX's names)."""
        try:
            return _NAMES[s]
        except (KeyError, TypeError):
            raise ValueError(f'Unknown resize method "{s}"; expected one of '
                             f'{", ".join(sorted(_NAMES))} or a ResizeMethod') from None


_NAMES = {"nearest": ResizeMethod.NEAREST, "linear": ResizeMethod.LINEAR,
          "bilinear": ResizeMethod.LINEAR, "trilinear": ResizeMethod.LINEAR,
          "triangle": ResizeMethod.LINEAR, "lanczos3": ResizeMethod.LANCZOS3,
          "lanczos5": ResizeMethod.LANCZOS5, "cubic": ResizeMethod.CUBIC,
          "bicubic": ResizeMethod.CUBIC, "tricubic": ResizeMethod.CUBIC,
          "cubic-pytorch": ResizeMethod.CUBIC_PYTORCH,
          "bicubic-pytorch": ResizeMethod.CUBIC_PYTORCH, "area": ResizeMethod.AREA}


def _method(name: str, method, antialias: bool) -> ResizeMethod:
    if isinstance(method, str):
        try:
            m = ResizeMethod.from_string(method)
        except ValueError as e:
            raise ValueError(f"{name}: {e}") from None
    elif isinstance(method, enum.Enum) and method.name in ResizeMethod.__members__:
        m = ResizeMethod[method.name]  # (jax.image.ResizeMethod's members too)
    else:
        raise TypeError(f"{name}: method must be a string or a ResizeMethod, got {method!r}")
    if m is ResizeMethod.CUBIC_PYTORCH and antialias:
        m = ResizeMethod.CUBIC
    return m


# ---------------------------------------------------------------------------------------
# kernels, of the (non-negative) distance x, written with registered ops

def _triangle(x):
    return maximum(0.0, 1.0 - _abs(x))


def _keys_cubic(x):
    inner = ((1.5 * x - 2.5) * x) * x + 1.0
    outer = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return where(x >= 2.0, 0.0, where(x >= 1.0, outer, inner))


def _opencv_cubic(x):
    a = -0.75
    inner = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    outer = ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a
    return where(x >= 2.0, 0.0, where(x >= 1.0, outer, inner))


def _lanczos(r: float):
    def kernel(x):
        num = r * sin(np.pi * x) * sin(np.pi * x / r)
        den = where(x != 0, np.pi ** 2 * (x * x), 1.0)
        return where(x > r, 0.0, where(x > 1e-3, divide(num, den), 1.0))
    return kernel


#: method -> (kernel radius, kernel); AREA's weights are interval overlaps instead
_KERNELS = {ResizeMethod.LINEAR: (1, _triangle), ResizeMethod.CUBIC: (2, _keys_cubic),
            ResizeMethod.CUBIC_PYTORCH: (2, _opencv_cubic),
            ResizeMethod.LANCZOS3: (3, _lanczos(3.0)), ResizeMethod.LANCZOS5: (5, _lanczos(5.0)),
            ResizeMethod.AREA: (1, None)}


def _normalized(w):
    """``w`` with each column divided by its sum (0 where that sum is about 0)."""
    total = _sum(w, axis=0, keepdims=True)
    return where(_abs(total) > _TINY, divide(w, where(total != 0, total, 1.0)), 0.0)


def _weights(m: int, n: int, scale, translation, method: ResizeMethod, antialias: bool, dtype):
    """The ``m × n`` matrix taking an axis of length ``m`` to one of length ``n``."""
    inv = divide(1.0, scale)
    out_idx = arange(n, dtype=dtype)
    sample = (out_idx + 0.5) * inv - translation * inv - 0.5
    radius, kernel = _KERNELS[method]
    if method is ResizeMethod.AREA:
        left = out_idx * inv - translation * inv
        right = left + inv
        lo = arange(m, dtype=dtype)
        w = maximum(0.0, minimum(right[None, :], (lo + 1.0)[:, None])
                    - maximum(left[None, :], lo[:, None]))
    else:
        width = maximum(inv, 1.0) if antialias else 1.0
        pad = radius if method is ResizeMethod.CUBIC_PYTORCH else 0  # (antialias is False)
        src = arange(-pad, m + pad, dtype=dtype)
        w = kernel(divide(_abs(sample[None, :] - src[:, None]), width))
        if pad:  # the weights beyond the edges go to the edge entries
            fold = np.zeros((m, m + 2 * pad), dtype=dtype)
            fold[np.clip(np.arange(-pad, m + pad), 0, m - 1), np.arange(m + 2 * pad)] = 1.0
            return _normalized(matmul(fold, w))
    inside = logical_and(sample >= -0.5, sample <= m - 0.5)
    return where(inside[None, :], _normalized(w), 0.0)


def _resample(x, out_shape: tuple, dims: tuple, scales, translations, method, antialias,
              dtype):
    for d, s, t in zip(dims, scales, translations):
        w = astype(_weights(shape_of(x)[d], out_shape[d], s, t, method, antialias, dtype),
                   dtype_of(x))
        x = moveaxis(tensordot(x, w, axes=([d], [0])), -1, d)
    return x


# ---------------------------------------------------------------------------------------
# argument checks

def _is_complex(image) -> bool:
    return np.dtype(dtype_of(image)).kind == "c"


def _image(name: str, image):
    x = real_array(image, name, "image")
    return x, np.dtype(dtype_of(x))


def _float_image(x, dt):
    """JAX's promotion of an integer or boolean image: float32, or float64 from 64 bits."""
    if dt.kind == "f":
        return x
    return astype(x, np.float64 if dt.itemsize == 8 and dt.kind != "b" else np.float32)


def _shape(name: str, shape, x) -> tuple:
    try:
        out = tuple(operator.index(s) for s in shape)
    except TypeError:
        raise TypeError(f"{name}: shape must be a sequence of integers, got {shape!r}") from None
    if len(out) != ndim_of(x):
        raise ValueError(f"{name}: shape must have length equal to the number of dimensions of "
                         f"the image; {out} vs {tuple(shape_of(x))}")
    if any(s < 0 for s in out):
        raise ValueError(f"{name}: shape must not have negative lengths, got {out}")
    return out


def _resize_nearest(x, out_shape: tuple):
    for d, (m, n) in enumerate(zip(shape_of(x), out_shape)):
        if m == n:
            continue
        if n == 0:
            x = take(x, np.zeros(0, np.int64), axis=d)
            continue
        if m == 0:
            raise ValueError(f"resize: cannot resize an axis of length 0 to length {n} (axis "
                             f"{d}, image shape {tuple(shape_of(x))})")
        # float32, the ratio m/n taken as m * (1/n) first: JAX's (XLA's) rounding, bit for bit
        ratio = np.float32(m) * (np.float32(1.0) / np.float32(n))
        pos = (np.arange(n, dtype=np.float32) + np.float32(0.5)) * ratio
        x = take(x, np.floor(pos).astype(np.int64), axis=d)
    return x


# ---------------------------------------------------------------------------------------
# public functions

def resize(image: ArrayLike, shape, method, antialias: bool = True, precision=None) -> Array:
    """``image`` resampled to ``shape``, as ``jax.image.resize``.

    ``shape`` has one length per axis of ``image`` (batch and channel axes keep theirs);
    ``method``: ``'nearest'``, ``'linear'``, ``'cubic'``, ``'lanczos3'``, ``'lanczos5'``,
    ``'cubic-pytorch'``, ``'area'`` (and the aliases listed in the module), or a
    :class:`ResizeMethod`. ``antialias`` widens the kernel when an axis shrinks. Each axis
    whose length changes is resampled with ``scale = new / old`` (see the module); others are
    left as they are. Differentiable in ``image``; ``precision`` is ignored.
    """
    name = "resize"
    if _is_complex(image):
        return by_parts(lambda im: resize(im, shape, method, antialias, precision), image)
    x, dt = _image(name, image)
    out_shape = _shape(name, shape, x)
    m = _method(name, method, antialias)
    if m is ResizeMethod.NEAREST:
        return _resize_nearest(x, out_shape)
    x = _float_image(x, dt)
    in_shape = tuple(shape_of(x))
    dims = tuple(d for d in range(len(out_shape)) if in_shape[d] != out_shape[d])
    for d in dims:
        if in_shape[d] == 0:
            raise ValueError(f"{name}: cannot resize an axis of length 0 to length "
                             f"{out_shape[d]} (axis {d}, image shape {in_shape})")
    scales = [1.0 if out_shape[d] == 0 else out_shape[d] / in_shape[d] for d in dims]
    return _resample(x, out_shape, dims, scales, [0.0] * len(dims), m, antialias, np.float64)


def _vector(name: str, what: str, v, k: int):
    v = real_array(v, name, what)
    if tuple(shape_of(v)) != (k,):
        raise ValueError(f"{name}: {what} must have one entry per spatial dimension, shape "
                         f"({k},), got shape {tuple(shape_of(v))}")
    return v, np.dtype(dtype_of(v))


def scale_and_translate(image: ArrayLike, shape, spatial_dims, scale: ArrayLike,
                        translation: ArrayLike, method, antialias: bool = True,
                        precision=None) -> Array:
    """``image`` scaled by ``scale`` and shifted by ``translation`` along ``spatial_dims``,
    resampled to ``shape``, as ``jax.image.scale_and_translate``.

    An input position ``p`` (half-centred pixels) lands at ``p * scale + translation``;
    output entries whose source lies off the input are 0. ``scale`` and ``translation`` are
    arrays with one entry per axis in ``spatial_dims``. ``method``: as for :func:`resize`,
    except ``'nearest'``. Differentiable in ``image``, ``scale`` and ``translation``;
    ``precision`` is ignored.
    """
    name = "scale_and_translate"
    if _is_complex(image):
        return by_parts(lambda im: scale_and_translate(im, shape, spatial_dims, scale, translation,
                                                       method, antialias, precision), image)
    x, dt = _image(name, image)
    out_shape = _shape(name, shape, x)
    m = _method(name, method, antialias)
    if m is ResizeMethod.NEAREST:
        raise ValueError(f"{name}: nearest neighbor resampling is not supported (as in JAX); "
                         f"use resize(..., method='nearest')")
    nd = len(out_shape)
    try:
        dims = tuple(operator.index(d) for d in spatial_dims)
    except TypeError:
        raise TypeError(f"{name}: spatial_dims must be a sequence of integers, got "
                        f"{spatial_dims!r}") from None
    if any(not -nd <= d < nd for d in dims):
        raise ValueError(f"{name}: spatial_dims {dims} out of range for an image of "
                         f"{nd} dimensions")
    dims = tuple(d % nd for d in dims)
    if len(set(dims)) != len(dims):
        raise ValueError(f"{name}: spatial_dims must not repeat an axis, got {dims}")
    in_shape = tuple(shape_of(x))
    for d in range(nd):
        if d not in dims and in_shape[d] != out_shape[d]:
            raise ValueError(f"{name}: axis {d} is not in spatial_dims, so its length cannot "
                             f"change ({in_shape[d]} -> {out_shape[d]})")
    s, sdt = _vector(name, "scale", scale, len(dims))
    t, tdt = _vector(name, "translation", translation, len(dims))
    floats = [d for d in (sdt, tdt) if d.kind == "f"]  # (JAX's lattice: floats win)
    wdt = np.result_type(*floats) if floats else np.dtype(
        np.float64 if 8 in (sdt.itemsize, tdt.itemsize) else np.float32)
    s, t = astype(s, wdt), astype(t, wdt)
    x = _float_image(x, dt)
    scales = [s[i] for i in range(len(dims))]
    translations = [t[i] for i in range(len(dims))]
    return _resample(x, out_shape, dims, scales, translations, m, antialias, wdt)
