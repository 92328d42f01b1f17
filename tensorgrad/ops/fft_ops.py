"""The discrete Fourier transforms along one axis, as registered ops (``tg.fft`` composes them).

Three ops, each linear over the reals, with NumPy's ``n``, ``axis`` and ``norm``
(``"backward"``: the forward transform unscaled, the inverse divided by ``n``;
``"ortho"``: both by √n; ``"forward"``: the other way round)::

    fft_c2c   complex (or real) → complex, length n      fft, or ifft with inverse=True
    rfft      real → complex, length n//2 + 1            the half spectrum of a real signal
    irfft     complex half spectrum → real, length n     its inverse

Their JVPs are the ops applied to the tangent. Their VJPs are transposes under JAX's
pairing ``Re Σ a·b`` (see :mod:`tensorgrad.complexity`): the DFT matrix is symmetric, so
the transpose of ``fft`` (``ifft``) of length ``n`` is ``fft`` (``ifft``) with the same
``norm``; truncating the input to ``n`` transposes to padding with zeros, padding to
truncating. ``rfft``'s transpose puts the half spectrum in a length-``n`` spectrum (zeros
above), transforms it, and the engine keeps its real part for the real input. ``irfft``
reads ``Y[k]`` and ``conj(Y[k])`` from each ``X[k]`` strictly between 0 and ``n/2``, so its
transpose is ``c · conj(rfft(g))`` with ``c = 2`` there and ``c = 1`` at 0 and ``n/2``,
with the dual normalization (the scale of ``irfft``'s own).
"""
from __future__ import annotations

import operator

import numpy as np

from ..complexity import real_for
from ..recording import bind
from ..registry import Example, linear
from ._util import dtype_of, negative_axis, shape_of
from .complex_ops import conj_part, real_part
from .arrange import pad
from .shape import getitem

__all__ = ["fft_c2c", "rfft", "irfft", "NORMS", "check_norm", "fft_length"]

NORMS = (None, "backward", "ortho", "forward")
_DUAL = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def check_norm(name: str, norm) -> str:
    if norm not in NORMS:
        raise ValueError(f"{name}: norm must be None, 'backward', 'ortho' or 'forward', got {norm!r}")
    return norm or "backward"


def fft_length(name: str, n, default: int) -> int:
    """``n`` as NumPy reads it: None for ``default``, else a positive integer."""
    if n is None:
        n = default
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{name}: n must be an integer or None, got {n!r}") from None
    if n < 1:
        raise ValueError(f"{name}: invalid number of FFT data points ({n}); it must be at least 1")
    return n


def _axis(name: str, x, axis) -> int:
    nd = len(shape_of(x))
    if nd == 0:
        raise ValueError(f"{name}: needs an array with at least one axis, got a scalar")
    return negative_axis(axis, nd, name)


def _defaults(x, n, axis, norm, default_n):
    """``(n, axis, norm)`` for JAX, with NumPy's defaults given as None (JAX's program is then
    the one ``jnp.fft`` builds for a call without them)."""
    return (None if n == default_n else n), axis, (None if norm == "backward" else norm)


def _resize(y, m: int, axis: int):
    """``y`` truncated, or padded with zeros, to length ``m`` along ``axis`` (negative)."""
    length = shape_of(y)[axis]
    if length == m:
        return y
    if length > m:
        return getitem(y, (Ellipsis, slice(0, m)) + (slice(None),) * (-axis - 1))
    widths = [(0, 0)] * len(shape_of(y))
    widths[axis] = (0, m - length)
    return pad(y, widths)


# ---- fft / ifft ------------------------------------------------------------------------------
def _c2c_signature(x, n=None, axis: int = -1, norm=None, inverse: bool = False):
    name = "ifft" if inverse else "fft"
    axis = _axis(name, x, axis)
    return (x,), (fft_length(name, n, shape_of(x)[axis]), axis, check_norm(name, norm), bool(inverse))


def _c2c_forward(x, n, axis, norm, inverse):
    return (np.fft.ifft if inverse else np.fft.fft)(x, n, axis, norm)


def _c2c_transpose(g, out, x, n, axis, norm, inverse):
    # (a real x: the real part, as the engine takes it; matrix-free Jacobians call rules directly)
    return real_for(_resize(bind(fft_c2c.op, (g,), (n, axis, norm, inverse)), shape_of(x)[axis], axis),
                    dtype_of(x))


fft_c2c = linear(
    "fft_c2c", _c2c_forward, transpose=_c2c_transpose, signature=_c2c_signature,
    params=("n", "axis", "norm", "inverse"), public=False, complex=True, numpy=(),
    jax=lambda jnp, x, n=None, axis=-1, norm=None, inverse=False:
        (jnp.fft.ifft if inverse else jnp.fft.fft)(x, n, axis, norm),
    to_jax=lambda jnp, x, n, axis, norm, inverse:
        (jnp.fft.ifft if inverse else jnp.fft.fft)(x, *_defaults(x, n, axis, norm, x.shape[axis])),
    symbol="F (the DFT matrix, symmetric)", doc="the discrete Fourier transform along an axis",
    examples=[Example(((5,),)), Example(((3, 4),), {"axis": 0, "norm": "ortho"}),
              Example(((2, 6),), {"n": 4, "inverse": True}),
              Example(((4, 3),), {"n": 5, "axis": 0, "norm": "forward"})])


# ---- rfft ------------------------------------------------------------------------------------
def _rfft_signature(x, n=None, axis: int = -1, norm=None):
    axis = _axis("rfft", x, axis)
    if dtype_of(x).kind == "c":
        raise TypeError(f"rfft: needs a real input, got dtype {dtype_of(x)} (use fft)")
    return (x,), (fft_length("rfft", n, shape_of(x)[axis]), axis, check_norm("rfft", norm))


def _rfft_forward(x, n, axis, norm):
    return np.fft.rfft(x, n, axis, norm)


def _rfft_transpose(g, out, x, n, axis, norm):
    # the half spectrum in a length-n spectrum (fft's n pads it with zeros), transformed
    return real_part(_resize(bind(fft_c2c.op, (g,), (n, axis, norm, False)), shape_of(x)[axis], axis))


rfft = linear(
    "rfft", _rfft_forward, transpose=_rfft_transpose, signature=_rfft_signature,
    params=("n", "axis", "norm"), public=False, complex=True, numpy=(),
    jax=lambda jnp, x, n=None, axis=-1, norm=None: jnp.fft.rfft(x, n, axis, norm),
    to_jax=lambda jnp, x, n, axis, norm: jnp.fft.rfft(x, *_defaults(x, n, axis, norm, x.shape[axis])),
    symbol="F (first n//2 + 1 rows)", doc="the DFT of a real signal: its half spectrum",
    examples=[Example(((6,),)), Example(((3, 5),), {"axis": 0, "norm": "ortho"}),
              Example(((2, 5),), {"n": 8, "norm": "forward"})])


# ---- irfft -----------------------------------------------------------------------------------
def _irfft_signature(x, n=None, axis: int = -1, norm=None):
    axis = _axis("irfft", x, axis)
    half_length_check("irfft", shape_of(x)[axis], n)
    return (x,), (fft_length("irfft", n, 2 * (shape_of(x)[axis] - 1)), axis, check_norm("irfft", norm))


def half_length_check(name: str, m: int, n) -> None:
    """A half spectrum of length m ≤ 1 gives no points by default (n = 2(m − 1)): say so."""
    if n is None and m < 2:
        raise ValueError(f"{name}: a half spectrum of length {m} along the axis gives no points "
                         f"by default (n = 2(m − 1) = {2 * (m - 1)}); pass n ≥ 1")


def _irfft_forward(x, n, axis, norm):
    return np.fft.irfft(x, n, axis, norm)


def _irfft_transpose(g, out, x, n, axis, norm):
    h = n // 2 + 1
    c = np.full(h, 2.0)
    c[0] = 1.0
    if n % 2 == 0:
        c[-1] = 1.0
    c = c.reshape((h,) + (1,) * (-axis - 1))
    v = conj_part(bind(rfft.op, (g,), (n, axis, _DUAL[norm]))) * c
    return real_for(_resize(v, shape_of(x)[axis], axis), dtype_of(x))


irfft = linear(
    "irfft", _irfft_forward, transpose=_irfft_transpose, signature=_irfft_signature,
    params=("n", "axis", "norm"), public=False, complex=True, numpy=(),
    jax=lambda jnp, x, n=None, axis=-1, norm=None: jnp.fft.irfft(x, n, axis, norm),
    to_jax=lambda jnp, x, n, axis, norm:
        jnp.fft.irfft(x, *_defaults(x, n, axis, norm, 2 * (x.shape[axis] - 1))),
    symbol="the real inverse DFT of a half spectrum",
    doc="the real signal of a half spectrum (the inverse of rfft)",
    examples=[Example(((4,),)), Example(((3, 4),), {"n": 7, "axis": 0, "norm": "ortho"}),
              Example(((2, 5),), {"n": 6, "norm": "forward"})])
