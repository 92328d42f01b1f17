"""The rest of ``jax.scipy.linalg``'s real-valued functions:

* special matrices: ``fiedler``, ``fiedler_companion`` and ``convolution_matrix``, gathered
  from their vector argument with ops (differentiable in it; leading axes are a batch, as in
  JAX), and the constant ``hadamard`` and ``invhilbert``;
* ``qr_multiply``: the reduced QR of ``a`` and a product with ``Q``, so every derivative,
  ``tg.jit`` and ``tg.vmap`` come from ``qr`` and ``matmul``;
* ``schur`` (``output='real'``) and ``hessenberg``: LAPACK's factorizations through SciPy,
  run as a callback (so they work under ``tg.jit`` and ``tg.vmap``). JAX has no derivative
  rule for them, and neither has tensorgrad: differentiating them raises
  ``NotImplementedError``;
* ``funm``: ``func`` of a matrix by Parlett's recurrence on the real Schur form, for
  matrices whose eigenvalues are real (the real case; complex eigenvalues need complex
  arithmetic and raise). Like JAX's it has no derivative in ``A`` (the Schur form has none),
  but ``func`` may depend differentiably on other values;
* ``dft`` (the DFT matrix, a constant) and ``rsf2csf`` (the complex Schur form from the real
  one, written with ops).
"""
from __future__ import annotations

import math
import operator
import warnings
from typing import Callable

import numpy as np
import scipy.linalg as _sl

from .. import linalg as _la
from ..api_extras import ShapeDtypeStruct, pure_callback
from ..ops import abs as _abs
from ..ops import any as _any
from ..ops import (astype, at, broadcast_to, concatenate, conj, diagonal, expand_dims, isfinite,
                   logical_not, real, reshape, sqrt, stack, take, triu, where, zeros)
from ..ops import max as _max
from ..ops import min as _min
from ..ops import sum as _sum
from ..ops._util import index_param
from ..ops.linalg_ops import mT
from ..staging import ConcretizationError
from ..tensor import concrete, traced_level
from ..typing import Array, ArrayLike  # noqa: F401
from .linalg_more import (LAPACK_SINGLE, _arr, _check_numbers, _check_real, _dtype, _float,
                          _scipy_float, _shape)

__all__ = ["hadamard", "invhilbert", "fiedler", "fiedler_companion", "convolution_matrix",
           "qr_multiply", "schur", "hessenberg", "funm", "dft", "rsf2csf"]


# ---- constant matrices -----------------------------------------------------------------
def hadamard(n: int, dtype=int) -> np.ndarray:
    """The n × n Hadamard matrix of Sylvester's construction (``n`` a power of 2):
    ``H₁ = [[1]]``, ``H₂ₘ = [[Hₘ, Hₘ], [Hₘ, −Hₘ]]``, so ``H Hᵀ = n I`` (a constant of
    ``dtype``, integers by default, as SciPy's and JAX's)."""
    try:
        k = operator.index(n)
    except TypeError:
        k = -1
    if k < 1 or k & (k - 1):
        raise ValueError(f"scipy.linalg.hadamard: n must be a positive power of 2, got {n!r}")
    if np.dtype(dtype).kind not in "iufc":  # SciPy's and JAX's negation refuses the rest
        raise TypeError(f"scipy.linalg.hadamard: dtype must be numeric (the entries are ±1), got "
                        f"{np.dtype(dtype)}")
    h = np.ones((1, 1), dtype=np.int64)
    while h.shape[0] < k:
        h = np.block([[h, h], [h, -h]])
    return h.astype(dtype)


def _comb(n: int, k: int) -> int:
    return math.comb(n, k) if 0 <= k <= n else 0


def invhilbert(n: int, exact: bool = False) -> np.ndarray:
    """The inverse of the n × n Hilbert matrix, from its closed form in binomial
    coefficients computed exactly: float64 (a constant), or with ``exact`` SciPy's exact
    integers (int64 when they fit, Python integers in an object array beyond)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"scipy.linalg.invhilbert: n must be a non-negative integer, got {n!r}")
    n = int(n)
    out = np.empty((n, n), dtype=object)
    for i in range(n):
        for j in range(n):
            s = i + j
            out[i, j] = ((-1) ** s * (s + 1) * _comb(n + i, n - j - 1) * _comb(n + j, n - i - 1)
                         * _comb(s, i) ** 2)
    if not exact:
        return out.astype(np.float64)
    big = n and max(abs(v) for v in out.ravel()) > np.iinfo(np.int64).max
    return out if big else out.astype(np.int64)


# ---- matrices gathered from a vector ---------------------------------------------------
def fiedler(a: ArrayLike) -> Array:
    """The symmetric Fiedler matrix ``F[i, j] = |a[i] − a[j]|`` (zero diagonal); leading
    axes of ``a`` are a batch, a scalar counts as one entry. Differentiable in ``a``."""
    a = _arr(a)
    _check_numbers("fiedler", a=a)
    if not _shape(a):
        a = reshape(a, (1,))
    return _abs(expand_dims(a, -1) - expand_dims(a, -2))


def _leading_nonzero(name: str, a) -> None:
    try:
        lead = np.asarray(concrete(a))[..., 0]
    except ConcretizationError:  # traced by tg.jit: no concrete value to check
        return
    if np.any(lead == 0):
        raise ValueError(f"scipy.linalg.{name}: the leading coefficient a[..., 0] must not be "
                         f"zero (a has shape {_shape(a)})")


def fiedler_companion(a: ArrayLike) -> Array:
    """The Fiedler companion matrix (pentadiagonal, with the roots of the polynomial with
    coefficients ``a``, highest degree first, as eigenvalues); shape ``(..., N−1, N−1)``,
    leading axes a batch. Differentiable in ``a``."""
    a = _arr(a)
    _check_numbers("fiedler_companion", a=a)
    if not _shape(a):
        a = reshape(a, (1,))
    s = _shape(a)
    if s[-1] == 0:
        raise ValueError(f"scipy.linalg.fiedler_companion: a must have at least one entry along "
                         f"its last axis, got shape {s}")
    _leading_nonzero("fiedler_companion", a)
    a = _float(a)
    n, batch = s[-1] - 1, s[:-1]
    dt = _dtype(a)
    if n == 0:
        return zeros(batch + (0, 0), dtype=dt)
    neg = -(a[..., 1:] / a[..., :1])          # −a[1] … −a[n], normalised
    vals = concatenate([neg, np.ones(batch + (1,), dt), np.zeros(batch + (1,), dt)], axis=-1)
    idx = np.full((n, n), n + 1)              # the zero
    idx[0, 0] = 0                             # −a[1]
    if n > 1:
        idx[1, 0] = n                         # 1
    for i in range(0, n, 2):
        if i + 1 < n:
            idx[i, i + 1] = i + 1             # −a[i+2]
        if i + 2 < n:
            idx[i, i + 2] = n                 # 1
        if i >= 2:
            idx[i, i - 1] = i                 # −a[i+1]
    for i in range(3, n, 2):
        idx[i, i - 2] = n                     # 1
    return take(vals, idx, axis=-1)


def convolution_matrix(a: ArrayLike, n: int, mode: str = "full") -> Array:
    """The matrix ``A`` (n columns) with ``A @ v == np.convolve(a, v, mode)`` for every
    ``v`` of length n: rows ``m + n − 1`` ('full'), ``max(m, n)`` ('same') or
    ``max(m, n) − min(m, n) + 1`` ('valid'). Leading axes of ``a`` are a batch;
    differentiable in ``a``."""
    n = index_param(n, "scipy.linalg.convolution_matrix", "n")
    if n <= 0:
        raise ValueError(f"scipy.linalg.convolution_matrix: n must be a positive integer, got {n}")
    if mode not in ("full", "valid", "same"):
        raise ValueError(f"scipy.linalg.convolution_matrix: mode must be 'full', 'valid' or "
                         f"'same', got {mode!r}")
    a = _arr(a)
    _check_numbers("convolution_matrix", a=a)
    s = _shape(a)
    if not s or s[-1] < 1:
        raise ValueError(f"scipy.linalg.convolution_matrix: a must have at least one entry along "
                         f"its last axis, got shape {s}")
    m = s[-1]
    if mode == "full":
        lo, hi = 0, 0
    elif mode == "valid":
        lo = hi = min(m, n) - 1
    else:
        lo = (min(m, n) - 1) // 2
        hi = min(m, n) - 1 - lo
    rows = m + n - 1 - lo - hi
    pos = np.arange(rows)[:, None] + lo - np.arange(n)[None, :]   # a[pos], zero outside
    idx = np.where((pos >= 0) & (pos < m), pos, m)
    vals = concatenate([a, np.zeros(s[:-1] + (1,), _dtype(a))], axis=-1)
    return take(vals, idx, axis=-1)


# ---- QR times a matrix -------------------------------------------------------------------
def qr_multiply(a: ArrayLike, c: ArrayLike, mode: str = "right", pivoting: bool = False,
                conjugate: bool = False, overwrite_a: bool = False, overwrite_c: bool = False):
    """``(Q @ c, R)`` (``mode='left'``, c of shape (..., K, P)) or ``(c @ Q, R)``
    (``'right'``, c of shape (..., P, M)) for the reduced QR ``a = Q R`` (Q M × K,
    R K × N, K = min(M, N)); a 1-D ``c`` is a column (left) or a row (right) and the
    product is 1-D. Batch axes of ``a`` and ``c`` broadcast. ``conjugate`` multiplies by
    ``conj(Q)`` instead (the same Q for real arrays). Differentiable (a composition of ``qr``
    and ``matmul``)."""
    if mode not in ("right", "left"):
        raise ValueError(f"scipy.linalg.qr_multiply: mode must be 'right' or 'left', got {mode!r}")
    if pivoting:
        raise NotImplementedError("scipy.linalg.qr_multiply: pivoting=True is not supported "
                                  "(tensorgrad's qr has no column pivoting)")
    a, c = _arr(a), _arr(c)
    _check_numbers("qr_multiply", a=a, c=c)
    sa, sc = _shape(a), _shape(c)
    if len(sa) < 2:
        raise ValueError(f"scipy.linalg.qr_multiply: a must be a matrix or a stack of them, got "
                         f"shape {sa}")
    if len(sc) < 1:
        raise ValueError(f"scipy.linalg.qr_multiply: c must be at least 1-D, got shape {sc}")
    m, n = sa[-2:]
    k = min(m, n)
    onedim = len(sc) == 1
    if onedim:
        c = reshape(c, (sc[0], 1) if mode == "left" else (1, sc[0]))
        sc = _shape(c)
    if mode == "left" and sc[-2] != k:
        raise ValueError(f"scipy.linalg.qr_multiply: for Q @ c, c needs {k} rows (Q of a {sa} "
                         f"has {k} columns), got c of shape {sc}")
    if mode == "right" and sc[-1] != m:
        raise ValueError(f"scipy.linalg.qr_multiply: for c @ Q, c needs {m} columns (Q of a {sa} "
                         f"has {m} rows), got c of shape {sc}")
    try:
        batch = np.broadcast_shapes(sa[:-2], sc[:-2])
    except ValueError:
        raise ValueError(f"scipy.linalg.qr_multiply: the batch axes of a {sa} and c {sc} do not "
                         "broadcast") from None
    q, r = _la.qr(_scipy_float(a), mode="reduced")
    if conjugate and _dtype(q).kind == "c":
        q = conj(q)
    c = _scipy_float(c)
    out = q @ c if mode == "left" else c @ q
    if _shape(r)[:-2] != batch:
        r = broadcast_to(r, batch + _shape(r)[-2:])
    if onedim:
        out = out[..., 0] if mode == "left" else out[..., 0, :]
    return out, r


# ---- Schur and Hessenberg through LAPACK -------------------------------------------------
def _square_input(name: str, a):
    a = _arr(a)
    _check_real(name, a=a)
    s = _shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"scipy.linalg.{name}: a must be a square matrix or a stack of them "
                         f"(shape (..., N, N)), got shape {s}")
    if traced_level(a) >= 0:
        raise NotImplementedError(
            f"scipy.linalg.{name}: no derivative in a: like jax.scipy.linalg.{name}, "
            f"{'its Schur form' if name == 'funm' else 'the factorization'} has no "
            "differentiation rule (pass tg.stop_gradient(a) if a constant is meant)")
    return a, s


def _lapack(fn: Callable, a, s: tuple, outs: tuple):
    """``fn`` (2-D arrays in, a tuple of arrays out) over the batch of ``a`` as a callback;
    ``outs`` holds each result's trailing shape and dtype."""
    batch = s[:-2]

    def run(x):
        x = np.asarray(x)
        flat = x.reshape((-1,) + s[-2:])
        res = [np.empty((flat.shape[0],) + shp, dt) for shp, dt in outs]
        for b in range(flat.shape[0]):
            for r, v in zip(res, fn(flat[b])):
                r[b] = v
        return tuple(r.reshape(batch + r.shape[1:]) for r in res)
    specs = tuple(ShapeDtypeStruct(batch + shp, dt) for shp, dt in outs)
    return pure_callback(run, specs, a)


def _lapack_dtype(a, single: str = LAPACK_SINGLE) -> np.dtype:
    """The dtype SciPy computes ``a`` in: float32 for float32 and the dtype codes in
    ``single`` (see :func:`~tensorgrad.scipy.linalg_more._scipy_float`), else float64."""
    dt = _dtype(a)
    return np.dtype(np.float32) if dt == np.float32 or dt.char in single else np.dtype(np.float64)


def schur(a: ArrayLike, output: str = "real", lwork=None, overwrite_a: bool = False, sort=None,
          check_finite: bool = True):
    """The real Schur decomposition ``(T, Z)`` with ``a = Z T Zᵀ``: Z orthogonal, T
    quasi-upper-triangular (2 × 2 blocks on the diagonal for complex-conjugate eigenvalue
    pairs); LAPACK's values, as SciPy's and JAX's. With ``sort`` (SciPy's: 'lhp', 'rhp',
    'iuc', 'ouc' or a callable of (re, im)) the selected eigenvalues come first and the
    result is ``(T, Z, sdim)``. Leading axes are a batch. ``output='complex'`` is refused
    (tensorgrad is real-valued); there is no derivative (as in JAX)."""
    if output not in ("real", "complex", "r", "c"):
        raise ValueError(f"scipy.linalg.schur: output must be 'real' or 'complex', got {output!r}")
    if output in ("complex", "c"):
        raise NotImplementedError("scipy.linalg.schur: output='complex' is not supported "
                                  "(tensorgrad is real-valued); use output='real'")
    a, s = _square_input("schur", a)
    n, dt = s[-1], _lapack_dtype(a, "?e")  # (SciPy's schur: other integers in float64)
    if n == 0 or 0 in s:
        z = zeros(s, dtype=dt)
        return (z, z) if sort is None else (z, z, zeros(s[:-2], dtype=np.int64))

    def one(x):
        res = _sl.schur(x.astype(dt), output="real", sort=sort, check_finite=check_finite)
        return res if sort is None else (res[0], res[1], np.int64(res[2]))
    outs = ((s[-2:], dt), (s[-2:], dt)) + ((((), np.dtype(np.int64)),) if sort is not None else ())
    return _lapack(one, a, s, outs)


def hessenberg(a: ArrayLike, calc_q: bool = False, overwrite_a: bool = False,
               check_finite: bool = True):
    """The Hessenberg form ``H`` of ``a`` (zero below the first subdiagonal), and with
    ``calc_q`` the orthogonal ``Q`` with ``a = Q H Qᵀ``; LAPACK's values, as SciPy's and
    JAX's. Leading axes are a batch; there is no derivative (as in JAX)."""
    a, s = _square_input("hessenberg", a)
    dt = _lapack_dtype(a)
    if s[-1] == 0 or 0 in s:
        z = zeros(s, dtype=dt)
        return (z, z) if calc_q else z

    def one(x):
        res = _sl.hessenberg(x.astype(dt), calc_q=calc_q, check_finite=check_finite)
        return res if calc_q else (res,)
    out = _lapack(one, a, s, ((s[-2:], dt),) * (2 if calc_q else 1))
    return tuple(out) if calc_q else out[0]


# ---- funm --------------------------------------------------------------------------------
def _triangular_schur(x):
    """The real Schur form, triangular. A 2 × 2 block [[a, b], [c, a]] (bc < 0) whose smaller
    off-diagonal entry is at rounding level is a real double eigenvalue that rounding made a
    complex pair (a defective A): flipping that entry's sign (a backward error of that size)
    gives the real pair a ± √|bc|, which a second Schur pass triangularizes."""
    t, z = _sl.schur(x, output="real")
    sub = np.flatnonzero(np.diagonal(t, -1))
    if sub.size == 0:
        return t, z
    n = t.shape[-1]
    tol = 8 * n * np.finfo(t.dtype).eps * np.linalg.norm(t)
    t = t.copy()
    for i in sub:
        b, c = t[i, i + 1], t[i + 1, i]
        if min(abs(b), abs(c)) > tol:
            raise ValueError(
                f"scipy.linalg.funm: A has complex eigenvalues (a pair {t[i, i]:.6g} ± "
                f"{np.sqrt(abs(b * c)):.3g}i, a 2 × 2 block in its real Schur form); tensorgrad is "
                "real-valued, so funm takes only matrices with real eigenvalues")
        if abs(c) <= abs(b):
            t[i + 1, i] = -c
        else:
            t[i, i + 1] = -b
    t, z2 = _sl.schur(t, output="real")
    if np.any(np.diagonal(t, -1) != 0):
        raise ValueError("scipy.linalg.funm: LAPACK's Schur form of A keeps 2 × 2 blocks "
                         "(complex eigenvalues); funm takes only matrices with real eigenvalues")
    return t, z @ z2


def funm(A: ArrayLike, func: Callable, disp: bool = True):
    """``func`` of the matrix ``A``, by Parlett's recurrence on its Schur form (as SciPy's
    and JAX's ``funm``): ``func`` is called once on the vector of eigenvalues and must be
    elementwise. Only the real case: A real with real eigenvalues (else ValueError), and
    the result is real (JAX returns it as complex). A repeated eigenvalue divides by zero
    in the recurrence; as in SciPy and JAX that step is skipped, and ``disp=False`` returns
    ``(F, errest)`` with their error estimate, while ``disp=True`` warns (RuntimeWarning)
    when that estimate exceeds 1000 ε, where SciPy prints its notice (not under ``tg.jit``:
    there the estimate has no value yet). Leading axes of A are a batch (as SciPy's).
    No derivative in A (JAX has none either); ``func`` may depend differentiably on other
    values."""
    if not callable(func):
        raise TypeError(f"scipy.linalg.funm: func must be callable, got {func!r}")
    A, s = _square_input("funm", A)
    n, dt = s[-1], _lapack_dtype(A, "?e")  # (as SciPy's funm, whose Schur form is schur's)
    if n == 0 or 0 in s:
        z = zeros(s, dtype=dt)
        return z if disp else (z, zeros(s[:-2], dtype=dt))
    T, Z = _lapack(lambda x: _triangular_schur(x.astype(dt)), A, s, ((s[-2:], dt),) * 2)
    d = diagonal(T, axis1=-2, axis2=-1)
    fd = func(d)
    fdt = _dtype(fd)
    if fdt.kind not in "biuf":
        raise TypeError(f"scipy.linalg.funm: func returned dtype {fdt} on the (real) eigenvalues; "
                        "tensorgrad is real-valued, so func must return real values")
    fd = broadcast_to(fd, _shape(d)) if _shape(fd) != _shape(d) else fd
    eye = np.eye(n, dtype=bool)
    F = where(eye, expand_dims(fd, -1), 0.0)
    den = expand_dims(d, -2) - expand_dims(d, -1)            # den[i, j] = T[j, j] − T[i, i]
    nonzero = den != 0
    safe = where(nonzero, den, 1.0)
    for p in range(1, n):  # superdiagonal p from the ones below it: (T F − F T)[i, i+p] / den
        sp = T @ F - F @ T
        F = where(np.eye(n, k=p, dtype=bool), where(nonzero, sp / safe, sp), F)
    F = Z @ F @ mT(Z)
    tol = np.finfo(dt).eps
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    gaps = _min(where(upper, _abs(den), np.inf), axis=(-2, -1))
    minden = _min(concatenate([expand_dims(_abs(T[..., 0, 0]), -1), expand_dims(gaps, -1)],
                              axis=-1), axis=-1)
    minden = where(minden == 0, tol, minden)
    norm1 = _max(_sum(_abs(triu(T, 1)), axis=-2), axis=-1)
    err = _minimum1(tol * norm1 / minden, tol)
    err = where(_any(logical_not(isfinite(F)), axis=(-2, -1)), np.inf, err)
    if not disp:
        return F, err
    _warn_inaccurate(err, tol)
    return F


def _warn_inaccurate(err, tol) -> None:
    """SciPy's ``disp=True`` notice (which it prints): the error estimate above 1000 ε."""
    try:
        e = np.asarray(concrete(err))
    except ConcretizationError:  # traced by tg.jit: no value to test
        return
    if np.any(e > 1000 * tol):
        warnings.warn(f"scipy.linalg.funm: the result may be inaccurate, approximate err = "
                      f"{float(np.max(e)):.3g} (close or repeated eigenvalues; pass disp=False "
                      "for the estimate)", RuntimeWarning, stacklevel=3)


def _minimum1(x, tol):
    """``min(1, max(tol, x))``."""
    return where(x > 1, 1.0, where(x < tol, tol, x))


# ---- the DFT matrix and the complex Schur form ------------------------------------------
def dft(n: int, scale: str | None = None, *, dtype=None) -> np.ndarray:
    """The n × n discrete Fourier transform matrix ``exp(−2πi jk/n)`` (``dft(n) @ x`` is
    ``fft(x)``), divided by √n (``scale='sqrtn'``) or n (``'n'``); a constant, complex128
    unless ``dtype`` says otherwise."""
    n = index_param(n, "scipy.linalg.dft", "n")
    if n < 0:
        raise ValueError(f"scipy.linalg.dft: n must be a non-negative integer, got {n}")
    if scale not in (None, "sqrtn", "n"):
        raise ValueError(f"scipy.linalg.dft: scale must be None, 'sqrtn' or 'n', got {scale!r}")
    dt = np.dtype(np.complex128 if dtype is None else dtype)
    if dt.kind != "c":
        raise ValueError(f"scipy.linalg.dft: dtype must be complex, got {dt}")
    k = np.arange(n)
    m = np.exp(-2j * np.pi * (np.outer(k, k) % max(n, 1)) / max(n, 1))
    if scale == "sqrtn":
        m = m / math.sqrt(n)
    elif scale == "n":
        m = m / n
    return m.astype(dt)


def rsf2csf(T: ArrayLike, Z: ArrayLike, check_finite: bool = True):
    """The complex Schur form ``(T, Z)`` from the real one (``schur(a)``'s ``T``, ``Z``):
    each 2 × 2 block of a complex-conjugate pair of eigenvalues is brought to upper
    triangular form by a unitary rotation, as SciPy's; ``a = Z T Zᴴ`` still holds. Written
    with ops, so it differentiates in ``T`` and ``Z`` (at fixed block structure)."""
    T, Z = _arr(T), _arr(Z)
    st, sz = _shape(T), _shape(Z)
    _check_real("rsf2csf", T=T, Z=Z)
    if len(st) != 2 or st[0] != st[1] or sz != st:
        raise ValueError(f"scipy.linalg.rsf2csf: T and Z must be square matrices of one shape, "
                         f"got {st} and {sz}")
    dt = np.result_type(_dtype(T), _dtype(Z), np.complex64)
    T, Z = astype(T, dt), astype(Z, dt)
    eps = float(np.finfo(dt).eps)
    for m in range(st[0] - 1, 0, -1):
        tv = np.asarray(concrete(T))
        if abs(tv[m, m - 1]) > eps * (abs(tv[m - 1, m - 1]) + abs(tv[m, m])):
            mu = _la.eigvals(T[m - 1:m + 1, m - 1:m + 1]) - T[m, m]
            r = sqrt(real(mu[0] * conj(mu[0])) + real(T[m, m - 1] * conj(T[m, m - 1])))
            c, s = mu[0] / r, T[m, m - 1] / r
            G = stack([stack([conj(c), s]), stack([-s, c])])
            Gh = conj(mT(G))
            T = at(T)[m - 1:m + 1, m - 1:].set(G @ T[m - 1:m + 1, m - 1:])
            T = at(T)[:m + 1, m - 1:m + 1].set(T[:m + 1, m - 1:m + 1] @ Gh)
            Z = at(Z)[:, m - 1:m + 1].set(Z[:, m - 1:m + 1] @ Gh)
        T = at(T)[m, m - 1].set(0)
    return T, Z
