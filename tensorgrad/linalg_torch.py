"""PyTorch's ``torch.linalg`` functions that ``numpy.linalg`` lacks, with PyTorch's signatures.

They are exported by :mod:`tensorgrad.linalg` and are built from tensorgrad's ops, so their
derivatives (of every order), ``tg.jit`` and ``tg.vmap`` come from the ops they are made of:

* ``matrix_exp``: the matrix exponential (the ``expm`` op, its rules the Fréchet derivative);
* ``solve_triangular``: ``A X = B`` (or ``X A = B`` with ``left=False``) for the triangle of
  ``A`` that ``upper`` names; only that triangle is read and gets a gradient;
* ``lu_factor``, ``lu_factor_ex``, ``lu``, ``lu_solve``: LU with partial pivoting, the
  Gaussian elimination of :mod:`tensorgrad.lu_parts` (shared with ``tg.scipy.linalg``). The pivot rows (LAPACK's choice: the first largest ``|x|``,
  ``|Re x| + |Im x|`` for complex entries) carry no derivative; L and U carry the exact
  derivative of ``P A = L U`` at the fixed permutation. The pivots are PyTorch's: 1-based,
  int32, LAPACK's sequence of row swaps. ``pivot=False`` raises, as PyTorch on the CPU does;
* ``vander``: the Vandermonde matrix with increasing powers along the last axis;
* ``cholesky_ex``, ``inv_ex``, ``solve_ex``: ``cholesky``, ``inv`` and ``solve`` that report a
  failure in ``info`` (int32, the batch shape of ``A``; LAPACK's positive code) instead of
  raising. A failed matrix's factor is LAPACK's partial one (as PyTorch returns it); a failed
  inverse or solution is NaN (PyTorch's holds whatever LAPACK left, infinities and NaNs);
* ``householder_product``: the first n columns of ``H_1 ⋯ H_k`` (LAPACK's orgqr);
* ``ldl_factor``, ``ldl_factor_ex``, ``ldl_solve``: LAPACK's Bunch-Kaufman factorization
  (``sytrf``/``hetrf``, lower triangle) in PyTorch's compact format; as in PyTorch they have
  no derivative (differentiating them raises).

Real (float32, float64) and complex matrices are supported throughout.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np
import scipy.linalg.lapack as _lapack

from .ops import (any as _any, argmax, argsort, astype, broadcast_to, conj, diagonal, expand_dims,
                  reshape, stack, take_along_axis, tril, triu, where)
from .lu_parts import eliminate as _eliminate
from .lu_parts import perm_from_piv as _perm_from_piv
from .ops._util import as_array_like
from .ops.factorizations import cholesky as _cholesky
from .ops.linalg_ops import LinAlgError, inv as _inv, mT, solve as _solve
from .ops.matrix_functions import expm as _expm
from .staging import call as staged_call
from .staging import check as staged_check
from .staging import may_any
from .tensor import concrete, dtype_of, shape_of, traced_level
from .typing import Array, ArrayLike  # noqa: F401

__all__ = ["matrix_exp", "solve_triangular", "lu_factor", "lu_factor_ex", "lu", "lu_solve",
           "vander", "cholesky_ex", "inv_ex", "solve_ex", "householder_product", "ldl_factor",
           "ldl_factor_ex", "ldl_solve", "LUFactorResult", "LUFactorExResult", "LUResult",
           "CholeskyExResult", "InvExResult", "SolveExResult", "LDLFactorResult",
           "LDLFactorExResult"]

# PyTorch's result tuples (field names as in torch.return_types.linalg_*)
LUFactorResult = namedtuple("LUFactorResult", ["LU", "pivots"])
LUFactorExResult = namedtuple("LUFactorExResult", ["LU", "pivots", "info"])
LUResult = namedtuple("LUResult", ["P", "L", "U"])
CholeskyExResult = namedtuple("CholeskyExResult", ["L", "info"])
InvExResult = namedtuple("InvExResult", ["inverse", "info"])
SolveExResult = namedtuple("SolveExResult", ["result", "info"])
LDLFactorResult = namedtuple("LDLFactorResult", ["LD", "pivots"])
LDLFactorExResult = namedtuple("LDLFactorExResult", ["LD", "pivots", "info"])


# ---- input checks -----------------------------------------------------------------------
def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x)))


def _dtype(x) -> np.dtype:
    return np.dtype(dtype_of(concrete(x)))


def _matrices(name: str, what: str, x, *, square: bool = False, kinds: str = "fc"):
    """``x`` as an array-like, checked to be a (stack of) floating matrices; its shape."""
    x = as_array_like(x)
    s, dt = _shape(x), _dtype(x)
    if dt.kind not in kinds:
        raise TypeError(f"linalg.{name}: {what} must be a floating-point or complex array, got "
                        f"dtype {dt} (shape {s})")
    if len(s) < 2:
        raise ValueError(f"linalg.{name}: {what} must be a matrix or a stack of matrices (shape "
                         f"(..., m, n)), got shape {s}")
    if square and s[-1] != s[-2]:
        raise ValueError(f"linalg.{name}: {what} must be a square matrix or a stack of them "
                         f"(shape (..., n, n)), got shape {s}")
    return x, s


def _batch(name: str, **shapes) -> tuple:
    """The broadcast of the batch shapes given (name=(batch shape, full shape))."""
    try:
        return np.broadcast_shapes(*(b for b, _ in shapes.values()))
    except ValueError:
        raise ValueError(f"linalg.{name}: the batch axes of " + ", ".join(
            f"{k} {full}" for k, (_, full) in shapes.items()) + " do not broadcast") from None


def _bool_flag(name: str, key: str, v) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise TypeError(f"linalg.{name}: {key} must be a bool, got {v!r}")
    return bool(v)


def _no_pivoting(name: str, pivot) -> None:
    if not _bool_flag(name, "pivot", pivot):
        raise NotImplementedError(
            f"linalg.{name}: LU without pivoting (pivot=False) is not supported: PyTorch "
            "computes it only on CUDA devices and raises on the CPU, as tensorgrad does")


def _bcast(x, batch: tuple, tail: tuple):
    return x if _shape(x) == batch + tail else broadcast_to(x, batch + tail)


# ---- matrix_exp, solve_triangular, vander -----------------------------------------------
def matrix_exp(A: ArrayLike) -> Array:
    """The matrix exponential of a square matrix or a stack of them (``torch.linalg.matrix_exp``);
    differentiable, its derivative the Fréchet derivative (Hessians work too)."""
    A, s = _matrices("matrix_exp", "A", A, square=True)
    if 0 in s:
        return A + 0
    return _expm(A)


def _triangle(A, upper: bool, unit: bool):
    n = _shape(A)[-1]
    if unit:
        return (triu(A, 1) if upper else tril(A, -1)) + np.eye(n, dtype=_dtype(A))
    return triu(A) if upper else tril(A)


def _right_solve(M, C):
    """``X`` with ``X M = C``."""
    return mT(_solve(mT(M), mT(C)))


def solve_triangular(A: ArrayLike, B: ArrayLike, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Array:
    """``X`` with ``T X = B`` (``X T = B`` when ``left=False``) for the upper or lower triangle
    ``T`` of ``A`` (with ones on its diagonal when ``unitriangular``). ``B`` is a (stack of)
    matrices ``(..., n, k)`` (``(..., k, n)`` with ``left=False``); the batch axes broadcast.
    A zero on T's diagonal raises ``LinAlgError`` (PyTorch returns infinities there)."""
    name = "solve_triangular"
    upper = _bool_flag(name, "upper", upper)
    left, unit = _bool_flag(name, "left", left), _bool_flag(name, "unitriangular", unitriangular)
    A, sa = _matrices(name, "A", A, square=True)
    B, sb = _matrices(name, "B", B)
    n = sa[-1]
    if (sb[-2] if left else sb[-1]) != n:
        eq = "A X = B: B must be (..., n, k)" if left else "X A = B: B must be (..., k, n)"
        raise ValueError(f"linalg.{name}: incompatible shapes of A {sa} and B {sb} for {eq}")
    _batch(name, A=(sa[:-2], sa), B=(sb[:-2], sb))
    T = _triangle(A, upper, unit)
    try:
        return _solve(T, B) if left else _right_solve(T, B)
    except LinAlgError:
        raise LinAlgError(f"linalg.{name}: the triangle of A (shape {sa}) has a zero on its "
                          "diagonal: the system is singular") from None


def vander(x: ArrayLike, *, N: int | None = None) -> Array:
    """The Vandermonde matrix ``x[..., i] ** j`` for ``j = 0, …, N − 1`` (increasing powers,
    along a new last axis; ``N`` defaults to ``x.shape[-1]`` and must be at least 2, as in
    PyTorch). Integer inputs give integer matrices; differentiable in ``x``."""
    x = as_array_like(x)
    s, dt = _shape(x), _dtype(x)
    if dt.kind not in "iufc":
        raise TypeError(f"linalg.vander: x must be an integer, floating-point or complex array, got "
                        f"dtype {dt} (shape {s})")
    if len(s) < 1:
        raise ValueError(f"linalg.vander: x must have at least one axis, got shape {s}")
    if N is None:
        N = s[-1]
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 2:
        raise ValueError(f"linalg.vander: N must be an integer greater than 1, got N={N!r} "
                         f"(x of shape {s})")
    cols, power = [np.ones(s, dtype=dt)], x
    for _ in range(1, int(N)):  # repeated products: exact derivatives also at x = 0
        cols.append(power)
        power = power * x
    return stack(cols, axis=-1)


# ---- LU ---------------------------------------------------------------------------------
def _lu_info(LU):
    """LAPACK's getrf info: the 1-based index of the first exact zero on U's diagonal, else 0."""
    s = _shape(LU)
    k = min(s[-2:])
    if k == 0:
        return np.zeros(s[:-2], np.int32)
    zero = diagonal(LU, 0, -2, -1) == 0
    return astype(where(_any(zero, axis=-1), argmax(zero, axis=-1) + 1, 0), np.int32)


def _raise_on_info(name: str, info, what):
    """Raise LinAlgError naming the first failed matrix of the stack (``what(code)``)."""
    info = np.asarray(info)
    bad = np.argwhere(info != 0) if info.ndim else ([()] if info != 0 else [])
    if len(bad):
        where_ = f" (batch element {tuple(int(i) for i in bad[0])})" if info.ndim else ""
        raise LinAlgError(f"linalg.{name}{where_}: {what(int(info[tuple(bad[0])]))}")


def _zero_pivot(code: int) -> str:
    return (f"U[{code},{code}] is exactly zero: the matrix is singular (use lu_factor_ex, or lu, "
            "to get the factorization anyway)")


def lu_factor_ex(A: ArrayLike, *, pivot: bool = True, check_errors: bool = False):
    """``(LU, pivots, info)``: L (its unit diagonal not stored) and U packed in one matrix,
    PyTorch's pivots (1-based int32 row swaps) and LAPACK's ``info`` (int32, batch shape: the
    first exactly zero diagonal entry of U, 1-based, else 0). Rectangular matrices too;
    differentiable in ``A`` at the fixed permutation."""
    name = "lu_factor_ex"
    _no_pivoting(name, pivot)
    A, _ = _matrices(name, "A", A)
    LU, _, piv = _eliminate(A)
    info = _lu_info(LU)
    if _bool_flag(name, "check_errors", check_errors):
        staged_check(lambda i: _raise_on_info(name, i, _zero_pivot), concrete(info))
    return LUFactorExResult(LU, astype(piv + 1, np.int32), info)


def lu_factor(A: ArrayLike, *, pivot: bool = True):
    """``(LU, pivots)`` as :func:`lu_factor_ex`, raising ``LinAlgError`` for a singular matrix
    (an exact zero on U's diagonal), as PyTorch does."""
    _no_pivoting("lu_factor", pivot)
    A, _ = _matrices("lu_factor", "A", A)
    LU, _, piv = _eliminate(A)
    staged_check(lambda i: _raise_on_info("lu_factor", i, _zero_pivot), concrete(_lu_info(LU)))
    return LUFactorResult(LU, astype(piv + 1, np.int32))


def lu(A: ArrayLike, *, pivot: bool = True):
    """``(P, L, U)`` with ``A = P @ L @ U`` for an m × n matrix (or a stack): P an m × m
    permutation (A's dtype; no derivative), L m × k unit lower, U k × n upper, k = min(m, n).
    A singular matrix is factored too; differentiable in ``A`` at the fixed permutation."""
    _no_pivoting("lu", pivot)
    A, s = _matrices("lu", "A", A)
    m, n = s[-2:]
    k = min(m, n)
    LU, perm, _ = _eliminate(A)
    L, U = lu_parts(LU, m, k, _dtype(A))
    return LUResult(permutation_matrix(perm, m, _dtype(A)), L, U)


def lu_parts(LU, m: int, k: int, dtype) -> tuple:
    """``(L, U)`` of a packed LU of m × n matrices: L m × k unit lower, U k × n upper."""
    return tril(LU[..., :, :k], -1) + np.eye(m, k, dtype=dtype), triu(LU[..., :k, :])


def permutation_matrix(perm, m: int, dtype):
    """The m × m matrix P with ``P[perm[i], i] = 1`` (no derivative), in ``dtype``."""
    return astype(expand_dims(perm, -2) == np.arange(m)[:, None], dtype)


def lu_solve(LU: ArrayLike, pivots: ArrayLike, B: ArrayLike, *, left: bool = True,
             adjoint: bool = False) -> Array:
    """``X`` with ``A X = B`` from ``(LU, pivots) = lu_factor(A)``; ``adjoint``: ``Aᴴ X = B``;
    ``left=False``: ``X A = B`` (``X Aᴴ = B``). ``B`` is ``(..., n, k)`` (``(..., k, n)`` with
    ``left=False``); batch axes of LU, pivots and B broadcast. Differentiable in LU and B."""
    name = "lu_solve"
    left, adjoint = _bool_flag(name, "left", left), _bool_flag(name, "adjoint", adjoint)
    LU, s = _matrices(name, "LU", LU, square=True)
    B, sb = _matrices(name, "B", B)
    pivots = as_array_like(pivots)
    sp, n = _shape(pivots), s[-1]
    if _dtype(pivots).kind not in "iu" or sp[-1:] != (n,):
        raise ValueError(f"linalg.{name}: pivots must be integers of shape (..., {n}) for LU of "
                         f"shape {s}, got shape {sp} and dtype {_dtype(pivots)}")
    if (sb[-2] if left else sb[-1]) != n:
        eq = "A X = B: B must be (..., n, k)" if left else "X A = B: B must be (..., k, n)"
        raise ValueError(f"linalg.{name}: incompatible shapes of LU {s} and B {sb} for {eq}")
    batch = _batch(name, LU=(s[:-2], s), pivots=(sp[:-1], sp), B=(sb[:-2], sb))
    B = _bcast(B, batch, sb[-2:])
    perm = _bcast(_perm_from_piv(pivots - 1, n), batch, (n,))
    L = tril(LU, -1) + np.eye(n, dtype=_dtype(LU))
    U = triu(LU)
    adj = (lambda x: conj(mT(x)) if _dtype(x).kind == "c" else mT(x))
    try:
        if left and not adjoint:    # L U X = B[perm]
            return _solve(U, _solve(L, take_along_axis(B, expand_dims(perm, -1), axis=-2)))
        if left:                    # Uᴴ Lᴴ (Pᵀ X) = B
            Y = _solve(adj(L), _solve(adj(U), B))
            return take_along_axis(Y, expand_dims(argsort(perm, axis=-1), -1), axis=-2)
        if not adjoint:             # (X P) L U = B
            Z = _right_solve(L, _right_solve(U, B))
            return take_along_axis(Z, expand_dims(argsort(perm, axis=-1), -2), axis=-1)
        # X Uᴴ Lᴴ = B P
        return _right_solve(adj(U), _right_solve(adj(L), take_along_axis(
            B, expand_dims(perm, -2), axis=-1)))
    except LinAlgError:
        raise LinAlgError(f"linalg.{name}: U (the upper triangle of LU, shape {s}) has a zero on "
                          "its diagonal: the factored matrix is singular") from None


# ---- the _ex functions ------------------------------------------------------------------
def _each(A, fn):
    """``fn`` of every matrix of the stack ``A`` (NumPy), as an int32 array of the batch shape."""
    a = np.asarray(A)
    out = np.zeros(a.shape[:-2], np.int32)
    for idx in np.ndindex(*a.shape[:-2]):
        out[idx] = fn(np.ascontiguousarray(a[idx]))
    return out


def _getrf_info(A):
    def one(a):
        if a.shape[-1] == 0:
            return 0
        getrf, = _lapack.get_lapack_funcs(("getrf",), (a,))
        return getrf(a)[2]
    return _each(A, one)


def _potrf(a, upper: bool):
    potrf, = _lapack.get_lapack_funcs(("potrf",), (a,))
    return potrf(a, lower=not upper, clean=1)


def _potrf_info(A, upper: bool):
    return _each(A, lambda a: 0 if a.shape[-1] == 0 else _potrf(a, upper)[1])


def _potrf_partial(A, upper: bool, info):
    """LAPACK's partial factor of each failed matrix (the others: zeros)."""
    a = np.asarray(A)
    out = np.zeros_like(a)
    for idx in zip(*np.nonzero(np.asarray(info))) if a.ndim > 2 else ([()] if info else []):
        f = _potrf(np.ascontiguousarray(a[idx]), upper)[0]
        out[idx] = np.triu(f) if upper else np.tril(f)
    return out


def _mask(failed, tail: int):
    return reshape(failed, _shape(failed) + (1,) * tail)


def _not_pd(code: int) -> str:
    return (f"the matrix is not positive-definite: its leading minor of order {code} is not "
            "positive-definite")


def _singular(code: int) -> str:
    return f"the matrix is singular: U[{code},{code}] of its LU factorization is exactly zero"


def cholesky_ex(A: ArrayLike, *, upper: bool = False, check_errors: bool = False):
    """``(L, info)``: the Cholesky factor (lower, or upper with ``upper=True``; the triangle
    named is the one read) and LAPACK's ``info`` (int32, batch shape: 0, or the order of the
    first leading minor that is not positive-definite). A failed matrix's factor is LAPACK's
    partial one, as PyTorch returns it (no derivative); the others differentiate as
    ``cholesky``. ``check_errors=True`` raises ``LinAlgError`` at a failure instead."""
    name = "cholesky_ex"
    upper = _bool_flag(name, "upper", upper)
    A, s = _matrices(name, "A", A, square=True)
    info = staged_call(_potrf_info, concrete(A), upper)
    if _bool_flag(name, "check_errors", check_errors):
        staged_check(lambda i: _raise_on_info(name, i, _not_pd), info)
    failed = staged_call(np.not_equal, info, 0)
    if not may_any(failed):
        return CholeskyExResult(_cholesky(A, upper=upper), info)
    mask = _mask(failed, 2)
    L = _cholesky(where(mask, np.eye(s[-1], dtype=_dtype(A)), A), upper=upper)
    partial = staged_call(_potrf_partial, concrete(A), upper, info)
    return CholeskyExResult(where(mask, partial, L), info)


def inv_ex(A: ArrayLike, *, check_errors: bool = False):
    """``(inverse, info)``: the inverse and LAPACK's getrf ``info`` (int32, batch shape: 0, or
    the 1-based index of the first exact zero on U's diagonal). A singular matrix's inverse is
    NaN (no derivative); the others differentiate as ``inv``. ``check_errors=True`` raises
    ``LinAlgError`` at a singular matrix instead."""
    name = "inv_ex"
    A, s = _matrices(name, "A", A, square=True)
    info = staged_call(_getrf_info, concrete(A))
    if _bool_flag(name, "check_errors", check_errors):
        staged_check(lambda i: _raise_on_info(name, i, _singular), info)
    failed = staged_call(np.not_equal, info, 0)
    if not may_any(failed):
        return InvExResult(_inv(A), info)
    mask = _mask(failed, 2)
    X = _inv(where(mask, np.eye(s[-1], dtype=_dtype(A)), A))
    return InvExResult(where(mask, np.nan, X), info)


def solve_ex(A: ArrayLike, B: ArrayLike, *, left: bool = True, check_errors: bool = False):
    """``(result, info)``: ``X`` with ``A X = B`` (``X A = B`` when ``left=False``) and ``A``'s
    LAPACK getrf ``info`` (int32, A's batch shape). ``B`` is a batch of vectors when it is 1-D
    or has shape ``A.shape[:-1]`` (PyTorch's rule), else a (stack of) matrices; batch axes
    broadcast. A singular matrix's solution is NaN; the others differentiate as ``solve``."""
    name = "solve_ex"
    left = _bool_flag(name, "left", left)
    A, sa = _matrices(name, "A", A, square=True)
    B = as_array_like(B)
    sb, dtb = _shape(B), _dtype(B)
    if dtb.kind not in "fc":
        raise TypeError(f"linalg.{name}: B must be a floating-point or complex array, got dtype "
                        f"{dtb} (shape {sb})")
    vec = len(sb) == 1 or sb == sa[:-1]
    if len(sb) < 1:
        raise ValueError(f"linalg.{name}: B must be a vector or a (stack of) matrices, got "
                         f"shape {sb}")
    Bm = expand_dims(B, -1) if vec else B
    sm = _shape(Bm)
    n = sa[-1]
    if (sm[-2] if left else sm[-1]) != n:
        eq = "A X = B: B must be (..., n) or (..., n, k)" if left else \
            "X A = B: B must be (..., k, n)"
        raise ValueError(f"linalg.{name}: incompatible shapes of A {sa} and B {sb} for {eq}")
    _batch(name, A=(sa[:-2], sa), B=(sm[:-2], sb))
    info = staged_call(_getrf_info, concrete(A))
    if _bool_flag(name, "check_errors", check_errors):
        staged_check(lambda i: _raise_on_info(name, i, _singular), info)
    failed = staged_call(np.not_equal, info, 0)
    safe = A
    if may_any(failed):
        safe = where(_mask(failed, 2), np.eye(n, dtype=_dtype(A)), A)
    X = _solve(safe, Bm) if left else _right_solve(safe, Bm)
    if may_any(failed):
        X = where(_mask(failed, 2), np.nan, X)
    return SolveExResult(X[..., 0] if vec else X, info)


# ---- Householder products ---------------------------------------------------------------
def householder_product(A: ArrayLike, tau: ArrayLike) -> Array:
    """The first n columns of ``H_1 H_2 ⋯ H_k`` (LAPACK's orgqr/ungqr), ``H_i = I − τ_i v_i v_iᴴ``
    with ``v_i`` column i of ``A`` below the diagonal and 1 on it. ``A`` is ``(..., m, n)``
    with m ≥ n, ``tau`` ``(..., k)`` with k ≤ n and the same batch axes. Differentiable in
    both."""
    name = "householder_product"
    A, s = _matrices(name, "A", A)
    tau = as_array_like(tau)
    st, dtt = _shape(tau), _dtype(tau)
    if dtt.kind not in "fc":
        raise TypeError(f"linalg.{name}: tau must be a floating-point or complex array, got dtype "
                        f"{dtt} (shape {st})")
    m, n = s[-2:]
    if m < n:
        raise ValueError(f"linalg.{name}: A must have at least as many rows as columns (m >= n), "
                         f"got shape {s}")
    if len(st) != len(s) - 1 or st[:-1] != s[:-2] or st[-1] > n:
        raise ValueError(f"linalg.{name}: tau must have shape (..., k) with A's batch axes and "
                         f"k <= n, got A of shape {s} and tau of shape {st}")
    k = st[-1]
    dt = np.result_type(_dtype(A), dtt)
    V = tril(A, -1) + np.eye(m, n, dtype=dt)
    Q = np.broadcast_to(np.eye(m, n, dtype=dt), s)
    for i in reversed(range(k)):     # Q ← H_i Q, innermost reflector first
        v = V[..., :, i]
        w = expand_dims(conj(v) if dt.kind == "c" else v, -2) @ Q          # vᴴ Q: (..., 1, n)
        Q = Q - expand_dims(expand_dims(tau[..., i], -1), -1) * (expand_dims(v, -1) * w)
    return Q + 0 if k == 0 else Q


# ---- LDLᵀ (Bunch-Kaufman) ---------------------------------------------------------------
def _no_derivative(name: str, *xs):
    if any(traced_level(x) >= 0 for x in xs):
        raise NotImplementedError(f"linalg.{name}: the derivative is not implemented (PyTorch has "
                                  "none either); use cholesky, lu or solve to differentiate")


def _ldl_routine(a, hermitian: bool, stem: str):
    base = "he" if hermitian and a.dtype.kind == "c" else "sy"
    fn, = _lapack.get_lapack_funcs((base + stem,), (a,))
    return fn


def _ldl_values(A, hermitian: bool):
    a = np.asarray(A)
    LD = np.zeros_like(a)
    piv = np.zeros(a.shape[:-1], np.int32)
    info = np.zeros(a.shape[:-2], np.int32)
    for idx in np.ndindex(*a.shape[:-2]):
        if a.shape[-1] == 0:
            continue
        f, p, i = _ldl_routine(a, hermitian, "trf")(np.ascontiguousarray(a[idx]), lower=1)[:3]
        LD[idx], piv[idx], info[idx] = np.tril(f), p, i
    return LD, piv, info


def ldl_factor_ex(A: ArrayLike, *, hermitian: bool = False, check_errors: bool = False):
    """``(LD, pivots, info)``: LAPACK's Bunch-Kaufman factorization of a symmetric matrix
    (Hermitian with ``hermitian=True``; its lower triangle is read) in PyTorch's format: L and
    the block-diagonal D packed in the lower triangle (zeros above), LAPACK's 1-based pivots
    (negative pairs mark 2 × 2 blocks) and ``info`` (the first exactly zero diagonal entry of
    D, 1-based, else 0). No derivative, as in PyTorch."""
    name = "ldl_factor_ex"
    hermitian = _bool_flag(name, "hermitian", hermitian)
    A, _ = _matrices(name, "A", A, square=True)
    _no_derivative(name, A)
    LD, piv, info = (staged_call(lambda a, j: _ldl_values(a, hermitian)[j], concrete(A), j)
                     for j in range(3))
    if _bool_flag(name, "check_errors", check_errors):
        staged_check(lambda i: _raise_on_info(name, i, _zero_block), info)
    return LDLFactorExResult(LD, piv, info)


def _zero_block(code: int) -> str:
    return f"D[{code},{code}] is exactly zero: the matrix is singular"


def ldl_factor(A: ArrayLike, *, hermitian: bool = False):
    """``(LD, pivots)`` as :func:`ldl_factor_ex`, raising ``LinAlgError`` when D is singular."""
    LD, piv, info = ldl_factor_ex(A, hermitian=hermitian)
    staged_check(lambda i: _raise_on_info("ldl_factor", i, _zero_block), info)
    return LDLFactorResult(LD, piv)


def _ldl_solve_values(LD, piv, B, hermitian: bool):
    ld, p, b = np.asarray(LD), np.asarray(piv), np.asarray(B)
    b = np.broadcast_to(b, np.broadcast_shapes(ld.shape[:-2], b.shape[:-2]) + b.shape[-2:])
    dt = np.result_type(ld.dtype, b.dtype)
    out = np.zeros(b.shape, dt)
    ld = np.broadcast_to(ld, b.shape[:-2] + ld.shape[-2:]).astype(dt)
    p = np.broadcast_to(p, b.shape[:-2] + p.shape[-1:])
    with np.errstate(all="ignore"):
        for idx in np.ndindex(*b.shape[:-2]):
            if b.shape[-2] and b.shape[-1]:
                fn = _ldl_routine(ld, hermitian, "trs")
                out[idx] = fn(np.ascontiguousarray(ld[idx]), p[idx], b[idx].astype(dt),
                              lower=1)[0]
    return out


def ldl_solve(LD: ArrayLike, pivots: ArrayLike, B: ArrayLike, *, hermitian: bool = False) -> Array:
    """``X`` with ``A X = B`` from ``(LD, pivots) = ldl_factor(A)`` (LAPACK's sytrs/hetrs);
    ``B`` is ``(..., n, k)``, its batch axes broadcast with LD's (pivots has LD's batch axes).
    No derivative, as in PyTorch."""
    name = "ldl_solve"
    hermitian = _bool_flag(name, "hermitian", hermitian)
    LD, s = _matrices(name, "LD", LD, square=True)
    B, sb = _matrices(name, "B", B)
    pivots = as_array_like(pivots)
    sp, n = _shape(pivots), s[-1]
    if _dtype(pivots).kind not in "iu" or sp != s[:-1]:
        raise ValueError(f"linalg.{name}: pivots must be integers of shape LD.shape[:-1] = "
                         f"{s[:-1]}, got shape {sp} and dtype {_dtype(pivots)}")
    if sb[-2] != n:
        raise ValueError(f"linalg.{name}: incompatible shapes of LD {s} and B {sb} for A X = B: "
                         "B must be (..., n, k)")
    _batch(name, LD=(s[:-2], s), B=(sb[:-2], sb))
    _no_derivative(name, LD, B)
    return staged_call(_ldl_solve_values, concrete(LD), concrete(pivots), concrete(B), hermitian)
