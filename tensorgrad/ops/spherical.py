"""Spherical harmonics ``sph_harm_y(n, m, theta, phi)``, as ``scipy.special.sph_harm_y`` and
``jax.scipy.special.sph_harm_y``: the orthonormal Y_n^m(θ, φ) of degree ``n`` and order ``m``,
with ``theta`` the polar angle (colatitude, in [0, π]) and ``phi`` the azimuth, and the
Condon–Shortley phase (−1)^m included::

    Y_n^m(θ, φ) = √((2n + 1)/(4π) · (n − m)!/(n + m)!) · P_n^m(cos θ) · e^(imφ)

The function is a composition of registered ops, so it differentiates in ``theta`` and
``phi`` to any order and works under ``tg.jit`` and ``tg.vmap``. The normalized associated
Legendre functions are built by the usual stable recurrences, written in sin θ and cos θ
(never √(1 − cos²θ), whose slope is infinite at the poles):

* the diagonal P̄_m^m = −√((2m + 1)/(2m)) · sin θ · P̄_(m−1)^(m−1), from P̄_0^0 = 1/√(4π);
* one step up in degree, P̄_(m+1)^m = √(2m + 3) · cos θ · P̄_m^m;
* then P̄_n^m = a · (cos θ · P̄_(n−1)^m − b · P̄_(n−2)^m) with
  a = √((4n² − 1)/(n² − m²)) and b = √(((n − 1)² − m²)/(4(n − 1)² − 1)),

run once for all orders 0..max(n) side by side, after which each entry of the result picks its
(n, |m|) from the table. A negative order uses Y_n^(−m) = (−1)^m · conj(Y_n^m).

``n`` and ``m`` are integer constants (Python ints or integer arrays, or floats holding
integers): they choose the recurrence, so they have no derivative, and a traced value is
refused. ``n``, ``m``, ``theta`` and ``phi`` broadcast together as in SciPy; the result is
complex (complex128 for float64 or integer angles, complex64 for float32). Where |m| > n, and
for n < 0, the value is 0, as SciPy's. For θ outside [0, π] the values are SciPy's and JAX's
(both use |sin θ|); at the poles the slope in θ is the one-sided one from inside [0, π].
"""
from __future__ import annotations

import math

import numpy as np

from ..registry import function
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import concrete, dtype_of, on_a_trace, shape_of
from .complex_ops import make_complex
from .elementwise import astype, cos, sin, where
from .selection import take_along_axis
from .shape import broadcast_to, concatenate, moveaxis, reshape, stack

_NAME = "sph_harm_y"
_INV_SQRT_4PI = 0.5 / math.sqrt(math.pi)


def _integers(what: str, v) -> np.ndarray:
    """``v`` (a degree or order) as an int64 array, refused unless it holds integers."""
    if on_a_trace(v):
        raise TypeError(f"{_NAME}: {what} must be an integer constant or an array of them "
                        f"(the degree and order pick the recurrence and have no derivative), "
                        f"not a traced value")
    a = np.asarray(concrete(v))
    if a.dtype.kind in "iu":
        return a.astype(np.int64)
    if a.dtype.kind != "f" or not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
        raise ValueError(f"{_NAME}: {what} must hold integers, got {a.tolist()!r}")
    return a.astype(np.int64)


def _float_dtype(theta, phi) -> np.dtype:
    """The angles' float dtype (Python numbers are weak, as in JAX; integers give float64)."""
    kinds = []
    for what, x in (("theta", theta), ("phi", phi)):
        dt = np.dtype(type(x)) if isinstance(x, (bool, int, float, complex)) else np.dtype(dtype_of(x))
        if dt.kind == "c":
            raise TypeError(f"{_NAME}: {what} must be real, got dtype {dt}")
        if dt.kind not in "biuf":
            raise TypeError(f"{_NAME}: {what} must be a real number or array, got dtype {dt}")
        if dt.kind == "f" and not isinstance(x, float):
            kinds.append(dt)
    ft = np.result_type(*kinds) if kinds else np.dtype(np.float64)
    return np.dtype(np.float32) if ft.itemsize < 4 else ft


def _legendre_table(s, c, top: int, ft: np.dtype):
    """The normalized P̄_(k+d)^k (with 1/√(4π) and the Condon–Shortley phase) as a Tensor of
    shape ``((top + 1)², *shape(s))``, entry ``d·(top + 1) + k`` (degree offset d, order k,
    both 0..top), from ``s = |sin θ|`` and ``c = cos θ``."""
    shape = tuple(shape_of(s))
    ks = np.arange(top + 1, dtype=np.float64)
    col = (top + 1,) + (1,) * len(shape)
    diag, coef, power = [], _INV_SQRT_4PI, None
    for k in range(top + 1):
        if k:
            coef *= -math.sqrt((2 * k + 1) / (2 * k))
            power = s if power is None else power * s
            diag.append(power * np.asarray(coef, ft))
        else:
            diag.append(np.full(shape, coef, ft))
    rows = [stack(diag)]
    if top >= 1:
        rows.append(rows[0] * c * np.sqrt(2 * ks + 3).astype(ft).reshape(col))
    for d in range(2, top + 1):
        n = ks + d
        a = np.sqrt((4 * n * n - 1) / (n * n - ks * ks)).astype(ft).reshape(col)
        b = np.sqrt(((n - 1) ** 2 - ks * ks) / (4 * (n - 1) ** 2 - 1)).astype(ft).reshape(col)
        rows.append(a * (c * rows[-1] - b * rows[-2]))
    return reshape(stack(rows), ((top + 1) ** 2,) + shape)


@function(numpy=())
def sph_harm_y(n: ArrayLike, m: ArrayLike, theta: ArrayLike, phi: ArrayLike,
               diff_n: int | None = None, n_max: int | None = None) -> Array:
    """The spherical harmonic Y_n^m(θ, φ) (SciPy's conventions: ``theta`` the polar angle,
    ``phi`` the azimuth, Condon–Shortley phase, orthonormal on the sphere), complex.

    ``n`` and ``m`` are integers or integer arrays (constants, no derivative), broadcast with
    ``theta`` and ``phi`` as in SciPy; |m| > n gives 0. Differentiable in ``theta`` and ``phi``
    to any order. ``n_max`` is JAX's: a degree above it is computed as ``n_max`` (by default
    the largest ``n``). ``diff_n`` is unsupported, as in JAX (only None or 0): differentiate
    with ``tg.grad``/``tg.jacfwd`` instead.
    """
    if diff_n is not None and not (isinstance(diff_n, (int, np.integer)) and diff_n == 0):
        raise NotImplementedError(
            f"{_NAME}: diff_n={diff_n!r} is not supported (as in jax.scipy.special.sph_harm_y); "
            f"take derivatives in theta and phi with tg.grad, tg.jacfwd or tg.hessian instead")
    nv, mv = _integers("n", n), _integers("m", m)
    ft = _float_dtype(theta, phi)
    top = int(max(nv.max(initial=0), 0))
    if n_max is not None:
        if on_a_trace(n_max) or np.ndim(concrete(n_max)) or isinstance(n_max, bool) or \
                int(np.asarray(concrete(n_max))) != concrete(n_max) or concrete(n_max) < 0:
            raise ValueError(f"{_NAME}: n_max must be a non-negative integer constant, got {n_max!r}")
        top = int(np.asarray(concrete(n_max)))
        nv = np.minimum(nv, top)  # as JAX: a degree above n_max is read as n_max
    theta, phi = astype(theta, ft), astype(phi, ft)
    st = sin(theta)
    s = where(st < 0, -st, st)  # |sin θ| (SciPy's and JAX's √(1 − cos²θ)), slope cos θ at 0 and π
    table = _legendre_table(s, cos(theta), top, ft)

    out_shape = np.broadcast_shapes(nv.shape, mv.shape, tuple(shape_of(theta)), tuple(shape_of(phi)))
    k = np.abs(mv)
    valid = (k <= nv) & (nv >= 0)
    flat = np.where(valid, (nv - k) * (top + 1) + k, -1)
    used, pick = np.unique(flat[valid], return_inverse=True)
    rows = concatenate([table[used], np.zeros((1,) + tuple(shape_of(table))[1:], ft)])
    index = np.full(flat.shape, used.size, np.int64)  # the zero row where |m| > n
    index[valid] = pick.reshape(-1)
    rows = moveaxis(rows, 0, -1)  # theta's shape + (rows,), broadcast to the result's
    rows = broadcast_to(rows, out_shape + (used.size + 1,))
    index = np.broadcast_to(index, out_shape)[..., None]
    legendre = reshape(take_along_axis(rows, index, axis=-1), out_shape)

    sign = np.where((mv < 0) & (mv % 2 == 1), -1.0, 1.0).astype(ft)  # Y_n^(−m) = (−1)^m conj(Y_n^m)
    angle = phi * mv.astype(ft)
    scaled = legendre * sign
    return make_complex(scaled * cos(angle), scaled * sin(angle))


__all__ = ["sph_harm_y"]
