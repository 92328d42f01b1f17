"""``tg.scipy.linalg``: ``scipy.linalg``'s (and ``jax.scipy.linalg``'s) names, differentiable.

* ``expm``: the matrix exponential (real or complex), a registered op whose rules are its
  Fréchet derivative; ``expm_frechet(A, E)`` gives that derivative itself.
* ``sqrtm``, ``logm``, ``fractional_matrix_power``, ``cosm``, ``sinm``, ``tanm``, ``coshm``,
  ``sinhm``, ``tanhm``, ``signm``: more primary matrix functions, SciPy's values (real
  results only: a complex principal root, logarithm or power is an error) with their
  Fréchet derivatives as the rules (so Hessians work); ``fractional_matrix_power`` is also
  differentiable in ``t``.
* ``solve_triangular``, ``cho_factor``, ``cho_solve``: solves that read one triangle
  (the gradient reaches only the triangle that is read); real or complex.
* ``cholesky`` (SciPy's default: the *upper* factor), ``solve`` (``assume_a``: a
  symmetric input is read from one triangle, as SciPy does), ``eigh`` (of ``(a + aᴴ)/2``, as
  JAX's), ``svd``, ``qr``
  (SciPy's modes), ``det``, ``inv``, ``pinv`` (SciPy's ``atol``/``rtol`` cutoff), ``norm``,
  ``block_diag``: SciPy's signatures on ``tg.linalg``'s functions.
* ``solve_banded``: SciPy's banded storage, solved as the dense system (differentiable in
  the band and in ``b``).
* ``hadamard``, ``invhilbert``, ``fiedler``, ``fiedler_companion``, ``convolution_matrix``,
  ``qr_multiply``, ``schur`` (real), ``hessenberg``, ``funm`` (real eigenvalues), ``dft``,
  ``rsf2csf``: see
  :mod:`tensorgrad.scipy.linalg_extra`.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np
import scipy.linalg

from .. import linalg as _la
from ..ops import concatenate, expand_dims, eye, pad, reshape, take_along_axis, tril, triu
from ..ops import matrix_functions2 as _mf
from ..ops.linalg_ops import conj_if_complex, mT, square, symmetric_from
from ..ops.matrix_functions import _frechet
from ..ops.matrix_functions import expm as _expm
from ..staging import call as staged_call
from ..tensor import concrete, dtype_of, shape_of
from ..typing import Array, ArrayLike  # noqa: F401
from .linalg_more import (_each, _scipy_float, circulant, companion, eigh_tridiagonal, hankel,
                          helmert, hilbert, invpascal, leslie, lu, lu_factor, lu_solve, pascal,
                          polar, solve_banded, solve_sylvester, toeplitz)
from .linalg_extra import (convolution_matrix, dft, fiedler, fiedler_companion, funm, hadamard,
                           hessenberg, invhilbert, qr_multiply, rsf2csf, schur)

__all__ = ["expm", "expm_frechet", "solve_triangular", "cho_factor", "cho_solve", "cholesky",
           "solve", "eigh", "svd", "qr", "det", "inv", "pinv", "norm", "block_diag",
           "toeplitz", "hankel", "circulant", "companion", "leslie", "hilbert", "helmert",
           "pascal", "invpascal", "lu", "lu_factor", "lu_solve", "solve_sylvester", "polar",
           "eigh_tridiagonal", "sqrtm", "logm", "fractional_matrix_power", "cosm", "sinm", "tanm",
           "coshm", "sinhm", "tanhm", "signm", "hadamard", "invhilbert", "fiedler",
           "fiedler_companion", "convolution_matrix", "qr_multiply", "schur", "hessenberg", "funm",
           "dft", "rsf2csf", "solve_banded"]

# Dtypes are SciPy's: float32, float64 and complex arrays keep theirs, while the other inputs
# are cast as SciPy casts them before computing (see linalg_more._scipy_float): where SciPy
# calls LAPACK directly, bool, int8, uint8, int16, uint16 and float16 are computed in float32
# and wider integers in float64; solve, sqrtm and the other primary matrix functions compute
# float16 in float32 and every integer in float64; det, logm and fractional_matrix_power take
# them all in float64. A float16 input's gradient comes back in float16.


def _as_scipy(op, single: str, note: str):
    """The matrix function ``op`` with its matrix cast first as SciPy casts it (the dtype
    codes ``single`` to float32, see :func:`_scipy_float`); ``note`` says so in its doc."""
    def fn(A: ArrayLike, *args, **kwargs) -> Array:
        return op(_scipy_float(A, single), *args, **kwargs)
    functools.update_wrapper(fn, op)
    fn.__doc__ = f"{op.__doc__ or ''} As SciPy's, {note}."
    return fn


sqrtm, cosm, sinm, tanm, coshm, sinhm, tanhm = (
    _as_scipy(op, "e", "float16 is computed in float32")
    for op in (_mf.sqrtm, _mf.cosm, _mf.sinm, _mf.tanm, _mf.coshm, _mf.sinhm, _mf.tanhm))
signm = _as_scipy(_mf.signm, "?e", "float16 and bool are computed in float32")
logm, fractional_matrix_power = (_as_scipy(op, "", "float16 is computed in float64")
                                 for op in (_mf.logm, _mf.fractional_matrix_power))


def det(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> Array:
    """The determinant (``scipy.linalg.det``'s signature; see :func:`tensorgrad.linalg.det`).
    A float16 or integer ``a`` gives float64, as SciPy's; float32 stays float32."""
    return _la.det(_scipy_float(a, ""))


def inv(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> Array:
    """The inverse (``scipy.linalg.inv``'s signature; ``LinAlgError`` at a singular matrix)."""
    return _la.inv(_scipy_float(a))


def pinv(a: ArrayLike, *, atol=None, rtol=None, return_rank: bool = False,
         check_finite: bool = True):
    """The pseudo-inverse with SciPy's cutoff: singular values at most ``atol + rtol · s_max``
    count as 0 (defaults ``atol = 0``, ``rtol = max(M, N) · ε``, SciPy's; NumPy's ``pinv``
    uses 1e-15 · s_max). ``return_rank`` also returns the number of singular values kept."""
    if atol is not None and concrete(atol) != 0:
        raise NotImplementedError("scipy.linalg.pinv: atol > 0 is not supported; give the "
                                  "cutoff relative to the largest singular value with rtol")
    if rtol is not None and concrete(rtol) < 0:
        raise ValueError("scipy.linalg.pinv: atol and rtol values must be positive.")
    a = _scipy_float(a)
    x = _la.pinv(a, rtol=rtol)
    if not return_rank:
        return x
    m, n = _shape(a)[-2:]
    cut = max(m, n) * np.finfo(np.result_type(float, dtype_of(concrete(a)))).eps \
        if rtol is None else rtol
    return x, _la.matrix_rank(a, rtol=cut)


def norm(a: ArrayLike, ord=None, axis=None, keepdims: bool = False, check_finite: bool = True):
    """The vector or matrix norm (``scipy.linalg.norm``'s signature; see
    :func:`tensorgrad.linalg.norm`)."""
    return _la.norm(a, ord=ord, axis=axis, keepdims=keepdims)


def expm(A: ArrayLike, *, upper_triangular: bool = False, max_squarings: int = 16) -> Array:
    """The matrix exponential of a square matrix (or a stack of them); its derivative is
    the Fréchet derivative (see :func:`expm_frechet`)."""
    return _expm(A, upper_triangular=upper_triangular, max_squarings=max_squarings)


def expm_frechet(A: ArrayLike, E: ArrayLike, method: str | None = None, compute_expm: bool = True,
                 check_finite: bool = True):
    """The Fréchet derivative ``L(A, E)`` of the matrix exponential at ``A`` in the
    direction ``E`` (with ``expm(A)`` first when ``compute_expm``), differentiable in both."""
    if method not in (None, "SPS", "blockEnlarge"):
        raise ValueError(f"expm_frechet: unknown method {method!r} (SciPy's are 'SPS' and "
                         "'blockEnlarge'; both give the same derivative)")
    square("expm_frechet", A, complex_ok=True)
    if _shape(A) != _shape(E):
        raise ValueError(f"expm_frechet: A and E must have the same shape, got {_shape(A)} and "
                         f"{_shape(E)}")
    L = _frechet(A, E)
    return (expm(A), L) if compute_expm else L


def _shape(x) -> tuple:
    return shape_of(concrete(x)) if hasattr(x, "shape") else np.shape(x)


def _triangle(a, lower: bool, unit_diagonal: bool):
    n = square("solve_triangular", a, complex_ok=True)
    if unit_diagonal:
        return (tril(a, -1) if lower else triu(a, 1)) + eye(n, dtype=dtype_of(concrete(a)))
    return tril(a) if lower else triu(a)


def solve_triangular(a: ArrayLike, b: ArrayLike, trans: int | str = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False, debug=None,
                     check_finite: bool = True) -> Array:
    """``x`` with ``T x = b`` for the triangle ``T`` of ``a`` (lower or upper; with a unit
    diagonal if ``unit_diagonal``); ``trans`` 1/'T' solves ``Tᵀ x = b``, 2/'C' ``Tᴴ x = b``
    (the same for a real ``a``). Only the triangle read gets a gradient."""
    t = _triangle(_scipy_float(a), lower, unit_diagonal)
    if trans in (1, "T"):
        t = mT(t)
    elif trans in (2, "C"):
        t = conj_if_complex(mT(t))
    elif trans not in (0, "N"):
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    try:
        return _la.solve(t, _scipy_float(b))
    except np.linalg.LinAlgError:
        d = np.diagonal(np.asarray(concrete(t)), axis1=-2, axis2=-1)
        zero = np.argwhere(d == 0)
        entry = (tuple(int(i) for i in zero[0]) if d.ndim > 1 else int(zero[0][0])) if zero.size else None
        where = f" (diagonal entry {entry})" if zero.size else ""
        raise np.linalg.LinAlgError(
            f"solve_triangular: the triangle of a (shape {_shape(a)}, dtype {dtype_of(concrete(a))}) "
            f"is singular{where}: a zero on its diagonal, so T x = b has no unique solution") from None


def cholesky(a: ArrayLike, lower: bool = False, overwrite_a: bool = False,
             check_finite: bool = True) -> Array:
    """The Cholesky factor of a symmetric positive-definite matrix: upper ``U`` with
    ``a = Uᵀ U`` (SciPy's default), or lower ``L`` with ``a = L Lᵀ``. It reads one triangle
    of ``a`` (the one the factor is in), so its gradient lies in that triangle; JAX's lays a
    different non-symmetric gradient with the same symmetric part ``(g + gᵀ)/2``, so the two
    agree along every symmetric direction."""
    return _la.cholesky(_scipy_float(a), upper=not lower)


def cho_factor(a: ArrayLike, lower: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> tuple[Any, bool]:
    """``(c, lower)`` for :func:`cho_solve`: ``c`` is the Cholesky factor (zeros in the
    other triangle, where SciPy leaves whatever was there)."""
    return cholesky(a, lower=lower), bool(lower)


def cho_solve(c_and_lower: tuple, b: ArrayLike, overwrite_b: bool = False,
              check_finite: bool = True) -> Array:
    """``x`` with ``a x = b`` from ``cho_factor(a)``: two triangular solves. A 1-D ``b``
    is one right-hand side, also for a stack of factors (as SciPy and JAX). A complex factor
    is that of a Hermitian ``a = L Lᴴ``."""
    c, lower = c_and_lower
    L = c if lower else conj_if_complex(mT(c))
    vec = len(_shape(b)) == 1  # solved as a column: the first solve of a stack would return
    if vec:                    # (..., n), which the second would read as an n-row matrix
        b = reshape(b, _shape(b) + (1,))
    y = solve_triangular(L, b, lower=True)
    x = solve_triangular(L, y, lower=True, trans=2)
    return x[..., 0] if vec else x


def solve(a: ArrayLike, b: ArrayLike, lower: bool = False, overwrite_a: bool = False,
          overwrite_b: bool = False, check_finite: bool = True, assume_a: str | None = None,
          transposed: bool = False, debug: bool = False) -> Array:
    """``x`` with ``a x = b`` (``transposed``: ``aᵀ x = b``). With ``assume_a`` 'sym', 'her'
    or 'pos', ``a`` is read from its ``lower`` (or upper) triangle, as SciPy does (a complex
    'sym' matrix is symmetric, 'her' and 'pos' ones Hermitian). ``debug`` (JAX's, deprecated
    in SciPy) is accepted and has no effect."""
    a, b = _scipy_float(a, "e"), _scipy_float(b, "e")  # SciPy's solve: only float16 in float32
    if assume_a in ("sym", "symmetric") and dtype_of(concrete(a)).kind == "c":
        # complex symmetric (a = aᵀ, no conjugate), as SciPy's 'sym'
        a = tril(a) + mT(tril(a, -1)) if lower else triu(a) + mT(triu(a, 1))
    elif assume_a in ("pos", "positive definite"):  # by a Cholesky factor, which checks it
        a = symmetric_from(a, lower)
        try:
            L = _la.cholesky(a)
        except np.linalg.LinAlgError:
            raise np.linalg.LinAlgError(
                f"solve: assume_a={assume_a!r}, but a (shape {_shape(a)}, dtype "
                f"{dtype_of(concrete(a))}) is not positive definite; use assume_a='sym' or "
                f"'gen' for an indefinite matrix") from None
        return cho_solve((L, True), b)
    elif assume_a in ("sym", "her", "symmetric", "hermitian"):
        a = symmetric_from(a, lower)
    elif assume_a in ("upper triangular", "lower triangular"):
        return solve_triangular(a, b, lower=assume_a.startswith("lower"), trans=1 if transposed else 0)
    elif assume_a not in (None, "gen", "general"):
        raise NotImplementedError(f"solve: assume_a={assume_a!r} is not supported (use 'gen', "
                                  "'sym', 'pos' or a triangular structure)")
    return _la.solve(mT(a) if transposed else a, b)


def eigh(a: ArrayLike, b: ArrayLike | None = None, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, type: int = 1,
         check_finite: bool = True, subset_by_index=None, subset_by_value=None, driver=None,
         turbo: bool = True, eigvals=None, *, symmetrize_input: bool = True):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix; ``eigvals_only`` gives
    the eigenvalues alone; ``subset_by_index`` ``(lo, hi)`` keeps those with index lo..hi
    (inclusive). As ``jax.scipy.linalg.eigh``, the matrix decomposed is ``(a + aᴴ)/2``, so the
    gradient is symmetric (half of an off-diagonal slope on each side);
    ``symmetrize_input=False`` reads the ``lower`` (or upper) triangle alone, as SciPy does.
    The generalized problem (``b``) and ``subset_by_value`` are not supported. JAX's
    ``turbo`` is accepted and has no effect; its ``eigvals`` (old SciPy's name for
    ``subset_by_index``) must be None."""
    if eigvals is not None:
        raise NotImplementedError(f"eigh: eigvals={eigvals!r} is not supported (only None, as in "
                                  "jax.scipy; use subset_by_index)")
    if b is not None:
        raise NotImplementedError("eigh: the generalized problem (b=...) is not supported")
    if subset_by_value is not None:
        raise NotImplementedError("eigh: subset_by_value is not supported (use subset_by_index)")
    w, v = _la.eigh(_scipy_float(a), UPLO="L" if lower else "U", symmetrize_input=symmetrize_input)
    if subset_by_index is not None:
        n = _shape(a)[-1]
        lo, hi = (int(i) for i in subset_by_index)
        if not 0 <= lo <= hi < n:
            raise ValueError(f"eigh: subset_by_index={tuple(subset_by_index)} is out of bounds "
                             f"for {n} eigenvalues (0 <= lo <= hi < {n})")
        w, v = w[..., lo:hi + 1], v[..., lo:hi + 1]
    return w if eigvals_only else (w, v)


def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd"):
    """``(U, s, Vh)`` (or ``s`` alone), as ``scipy.linalg.svd``."""
    out = _la.svd(_scipy_float(a), full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(out) if compute_uv else out


def qr(a: ArrayLike, overwrite_a: bool = False, lwork=None, mode: str = "full",
       pivoting: bool = False, check_finite: bool = True):
    """``(Q, R)`` with SciPy's modes: 'full' (square Q), 'economic' (reduced), 'r' (``(R,)``).

    With ``pivoting=True`` also ``P`` (int32), the column order LAPACK's pivoted QR picks:
    ``A[:, P] = Q R``. The order is a constant (piecewise, as in JAX); the derivatives are
    those of the QR of the permuted columns."""
    a = _scipy_float(a)
    if pivoting:
        p = staged_call(_pivots, concrete(a))
        out = qr(take_along_axis(a, expand_dims(p, -2), axis=-1), mode=mode)
        return out + (p,)
    if mode == "full":
        return tuple(_la.qr(a, mode="complete"))
    if mode == "economic":
        return tuple(_la.qr(a, mode="reduced"))
    if mode == "r":  # SciPy's R is M x N: the reduced K x N one with M - K zero rows below
        r = _la.qr(a, mode="reduced").R  # (mode="r" gives PyTorch's pair for its tensors)
        s = _shape(a)
        extra = s[-2] - min(s[-2:])
        return (pad(r, ((0, 0),) * (len(s) - 2) + ((0, extra), (0, 0))) if extra else r,)
    raise ValueError(f"qr: mode must be 'full', 'economic' or 'r', got {mode!r}")


def _pivots(v) -> np.ndarray:
    """The column orders of SciPy's pivoted QR (geqp3) of each matrix of ``v``."""
    return _each(lambda m: (scipy.linalg.qr(m, mode="r", pivoting=True)[1].astype(np.int32),), v)[0]


def block_diag(*arrs: ArrayLike) -> Array:
    """The block-diagonal matrix with the given blocks (scalars and 1-D arrays count as
    1 × n rows, as in SciPy); differentiable in every block."""
    if not arrs:
        return np.zeros((1, 0))
    blocks = []
    for a in arrs:
        s = _shape(a)
        if len(s) > 2:
            raise ValueError(f"block_diag: blocks must have at most 2 dimensions, got shape {s}")
        blocks.append(a if len(s) == 2 else _as_row(a, s))
    shapes = [_shape(b) for b in blocks]
    cols = sum(s[1] for s in shapes)
    rows, left = [], 0
    for b, (r, c) in zip(blocks, shapes):
        rows.append(pad(b, ((0, 0), (left, cols - left - c))))
        left += c
    return concatenate(rows, axis=0)


def _as_row(a, s):
    return reshape(a, (1, int(np.prod(s, dtype=int))))
