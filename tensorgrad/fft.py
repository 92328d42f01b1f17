"""``tg.fft``: ``numpy.fft`` and ``jax.numpy.fft``, differentiable.

The one-axis transforms are registered ops (:mod:`tensorgrad.ops.fft_ops`); the
n-dimensional ones apply them axis by axis, as NumPy does. Arguments, defaults, result
lengths and dtypes are NumPy's (float32 gives complex64). Derivatives follow JAX's
convention for complex values (see :mod:`tensorgrad.complexity`): ``tg.grad`` of a real
loss of a real signal through ``fft`` and ``abs`` is real, and agrees with ``jax.grad``.
"""
from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Sequence

import numpy as np

from .ops import astype, conjugate, roll
from .ops._util import concrete, dtype_of, negative_axis, shape_of, torch_axes
from .ops.fft_ops import check_norm, fft_c2c, fft_length, half_length_check, irfft as _irfft, rfft as _rfft
from .registry import register_namespace
from .typing import Array, ArrayLike  # noqa: F401

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
           "fftn", "ifftn", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_DUAL = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def fft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The discrete Fourier transform along ``axis`` (truncated or zero-padded to ``n``)."""
    return fft_c2c(a, n, axis, norm)


def ifft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The inverse discrete Fourier transform along ``axis``."""
    return fft_c2c(a, n, axis, norm, True)


def rfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The transform of a real signal: its ``n // 2 + 1`` non-negative frequencies."""
    return _rfft(a, n, axis, norm)


def irfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The real signal of length ``n`` (default ``2 (m − 1)``) of a half spectrum."""
    return _irfft(a, n, axis, norm)


def hfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The real transform of a Hermitian-symmetric signal given by its first half."""
    shape = shape_of(concrete(a))
    if shape and -len(shape) <= axis < len(shape):
        half_length_check("hfft", shape[axis], n)
    return _irfft(conjugate(a), n, axis, _DUAL[check_norm("hfft", norm)])


def ihfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The inverse of :func:`hfft`: the first half of a Hermitian signal, from a real one."""
    if dtype_of(concrete(a)).kind == "c":
        raise TypeError(f"ihfft: needs a real input, got dtype {dtype_of(concrete(a))} (use ifft)")
    return conjugate(_rfft(a, n, axis, _DUAL[check_norm("ihfft", norm)]))


def _cook(name: str, a, s, axes, real_inverse: bool = False, none_ok: bool = False):
    """NumPy's lengths and axes of an n-dimensional transform (``none_ok``: no axis is fine)."""
    shape = shape_of(a)
    nd = len(shape)
    if axes is not None:
        axes = [negative_axis(ax, nd, name) for ax in
                (axes if isinstance(axes, Sequence) else (axes,))]
    if s is None:
        if axes is None:
            axes = list(range(-nd, 0))
        s = [shape[ax] for ax in axes]
        if real_inverse and s:
            s[-1] = 2 * (shape[axes[-1]] - 1)
    else:
        s = list(s) if isinstance(s, Sequence) else [s]
        if axes is None:
            if len(s) > nd:
                raise ValueError(f"{name}: s {tuple(s)} has more entries than the array has axes ({nd})")
            axes = list(range(-len(s), 0))
        if len(s) != len(axes):
            raise ValueError(f"{name}: s and axes must have the same length, got {len(s)} and {len(axes)}")
        # NumPy 2: an entry -1 is that axis' length in the input (also the last axis of an
        # inverse real transform); any other entry is a length of at least 1
        s = [fft_length(name, shape[ax] if n == -1 else n, None) for n, ax in zip(s, axes)]
    if not axes and not none_ok:
        raise ValueError(f"{name}: needs at least one axis to transform")
    return s, axes


def _untransformed(a):
    """A transform over no axis: the input as complex values, as ``jax.numpy.fft`` returns it."""
    return astype(a, np.result_type(dtype_of(a), np.complex64))


def fftn(a: ArrayLike, s=None, axes=None, norm: str | None = None) -> Array:
    """The n-dimensional transform over ``axes`` (all by default; the last ``len(s)`` with ``s``).

    Over no axis (``axes=()``, or a 0-d array) it is the identity, in a complex dtype."""
    s, axes = _cook("fftn", a, s, axes, none_ok=True)
    if not axes:
        return _untransformed(a)
    for n, ax in reversed(list(zip(s, axes))):
        a = fft_c2c(a, n, ax, norm)
    return a


def ifftn(a: ArrayLike, s=None, axes=None, norm: str | None = None) -> Array:
    """The n-dimensional inverse transform (the identity over no axis, as :func:`fftn`)."""
    s, axes = _cook("ifftn", a, s, axes, none_ok=True)
    if not axes:
        return _untransformed(a)
    for n, ax in reversed(list(zip(s, axes))):
        a = fft_c2c(a, n, ax, norm, True)
    return a


def rfftn(a: ArrayLike, s=None, axes=None, norm: str | None = None) -> Array:
    """The n-dimensional transform of a real array: half spectrum on the last axis."""
    s, axes = _cook("rfftn", a, s, axes)
    a = _rfft(a, s[-1], axes[-1], norm)
    for n, ax in zip(s[:-1], axes[:-1]):
        a = fft_c2c(a, n, ax, norm)
    return a


def irfftn(a: ArrayLike, s=None, axes=None, norm: str | None = None) -> Array:
    """The real array of an n-dimensional half spectrum (the inverse of :func:`rfftn`)."""
    s, axes = _cook("irfftn", a, s, axes, real_inverse=True)
    for n, ax in zip(s[:-1], axes[:-1]):
        a = fft_c2c(a, n, ax, norm, True)
    return _irfft(a, s[-1], axes[-1], norm)


def fft2(a: ArrayLike, s=None, axes=(-2, -1), norm: str | None = None) -> Array:
    """The transform over the last two axes."""
    return fftn(a, s, axes, norm)


def ifft2(a: ArrayLike, s=None, axes=(-2, -1), norm: str | None = None) -> Array:
    """The inverse transform over the last two axes."""
    return ifftn(a, s, axes, norm)


def rfft2(a: ArrayLike, s=None, axes=(-2, -1), norm: str | None = None) -> Array:
    """The transform of a real array over the last two axes."""
    return rfftn(a, s, axes, norm)


def irfft2(a: ArrayLike, s=None, axes=(-2, -1), norm: str | None = None) -> Array:
    """The inverse of :func:`rfft2`."""
    return irfftn(a, s, axes, norm)


def _zero_length(n) -> bool:
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n == 0


def fftfreq(n: int, d: float = 1.0, *, dtype=None, device=None) -> np.ndarray:
    """The sample frequencies of a length-``n`` transform with sample spacing ``d`` (none for
    ``n = 0``, as JAX's and PyTorch's, where NumPy divides by zero)."""
    out = np.zeros(0) if _zero_length(n) else np.fft.fftfreq(n, d)
    return out.astype(dtype) if dtype is not None else out


def rfftfreq(n: int, d: float = 1.0, *, dtype=None, device=None) -> np.ndarray:
    """The non-negative sample frequencies of :func:`rfft` (for ``n = 0`` one NaN, 0/0, as
    JAX's and PyTorch's, where NumPy divides by zero)."""
    out = np.full(1, np.nan) if _zero_length(n) else np.fft.rfftfreq(n, d)
    return out.astype(dtype) if dtype is not None else out


def _shift(name: str, x, axes, sign: int):
    shape = shape_of(x)
    if axes is None:
        axes = tuple(range(len(shape)))
    elif not isinstance(axes, Sequence):
        axes = (axes,)
    if not axes:
        return x
    axes = tuple(negative_axis(ax, len(shape), name) for ax in axes)
    return roll(x, tuple(sign * (shape[ax] // 2) for ax in axes), axes)


def fftshift(x: ArrayLike, axes=None) -> Array:
    """The zero frequency moved to the centre (a roll by ``n // 2`` along each axis)."""
    return _shift("fftshift", x, axes, 1)


def ifftshift(x: ArrayLike, axes=None) -> Array:
    """The inverse of :func:`fftshift`."""
    return _shift("ifftshift", x, axes, -1)


class FftType(enum.IntEnum):
    """``jax.lax.FftType``: the kind of :func:`lax_fft`."""
    FFT = 0
    IFFT = 1
    RFFT = 2
    IRFFT = 3


def lax_fft(x: ArrayLike, fft_type, fft_lengths) -> Array:
    """``jax.lax.fft``: the transform of kind ``fft_type`` (a :class:`FftType` or its name)
    over the trailing ``len(fft_lengths)`` axes, whose lengths these are (for ``IRFFT``, the
    lengths of the result); unnormalized forward, inverse divided by the size."""
    if isinstance(fft_type, str):
        try:
            fft_type = FftType[fft_type.upper()]
        except KeyError:
            raise ValueError(f"lax.fft: unknown fft_type {fft_type!r}; expected one of "
                             f"{[t.name for t in FftType]}") from None
    fft_type = FftType(fft_type)
    lengths = tuple(int(n) for n in fft_lengths)
    shape = shape_of(x)
    k = len(lengths)
    if not 1 <= k <= 3 or k > len(shape):
        raise ValueError(f"lax.fft: fft_lengths {lengths} must name 1 to 3 trailing axes of an "
                         f"array of shape {shape}")
    have = shape[-k:]
    want = lengths[:-1] + (lengths[-1] // 2 + 1,) if fft_type == FftType.IRFFT else lengths
    if have != want:
        raise ValueError(f"lax.fft: an {fft_type.name} of lengths {lengths} needs trailing axes "
                         f"{want}, got shape {shape}")
    axes = tuple(range(-k, 0))
    return {FftType.FFT: fftn, FftType.IFFT: ifftn, FftType.RFFT: rfftn,
            FftType.IRFFT: irfftn}[fft_type](x, lengths, axes)


def hfftn(a: ArrayLike, s=None, axes=None, norm: str | None = None) -> Array:
    """The real n-dimensional transform of a Hermitian-symmetric signal given by its half on the
    last axis (``torch.fft.hfftn``; the n-dimensional :func:`hfft`)."""
    return irfftn(conjugate(a), s, axes, _DUAL[check_norm("hfftn", norm)])


def ihfftn(a: ArrayLike, s=None, axes=None, norm: str | None = None) -> Array:
    """The inverse of :func:`hfftn`: the half spectrum of a real array (``torch.fft.ihfftn``)."""
    if dtype_of(concrete(a)).kind == "c":
        raise TypeError(f"ihfftn: needs a real input, got dtype {dtype_of(concrete(a))} (use ifftn)")
    return conjugate(rfftn(a, s, axes, _DUAL[check_norm("ihfftn", norm)]))


def hfft2(a: ArrayLike, s=None, axes=(-2, -1), norm: str | None = None) -> Array:
    """:func:`hfftn` over the last two axes (``torch.fft.hfft2``)."""
    return hfftn(a, s, axes, norm)


def ihfft2(a: ArrayLike, s=None, axes=(-2, -1), norm: str | None = None) -> Array:
    """:func:`ihfftn` over the last two axes (``torch.fft.ihfft2``)."""
    return ihfftn(a, s, axes, norm)


__all__ += ["hfftn", "ihfftn", "hfft2", "ihfft2"]  # (PyTorch's; NumPy has no such functions)


def _takes_dim(fn):
    """``fn`` that also takes PyTorch's keyword ``dim`` (``torch.fft``'s name for its
    ``axis`` or ``axes``; the positional arguments are in the same order)."""
    params = inspect.signature(fn).parameters
    target = "axes" if "axes" in params else "axis" if "axis" in params else None
    if target is None:
        return fn

    @functools.wraps(fn)
    def call(*args, dim=None, **kwargs):
        if dim is not None:
            kwargs[target] = torch_axes(fn.__name__, kwargs.get(target), False, dim, None)[0]
        return fn(*args, **kwargs)
    call.__signature__ = inspect.signature(fn).replace(parameters=[
        *params.values(), inspect.Parameter("dim", inspect.Parameter.KEYWORD_ONLY, default=None)])
    return call


globals().update({_n: _takes_dim(globals()[_n]) for _n in __all__})
register_namespace("numpy.fft", {n: globals()[n] for n in __all__})
