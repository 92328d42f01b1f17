"""More of ``jax.scipy.linalg``, built from tensorgrad's ops (so every derivative of every
order, ``tg.jit`` and ``tg.vmap`` come from the ops they are made of):

* special matrices: ``toeplitz``, ``hankel``, ``circulant``, ``companion``, ``leslie``
  (differentiable in their entries; leading axes are a batch, as in JAX), and the constant
  ``hilbert``, ``helmert``, ``pascal``, ``invpascal``;
* LU with partial pivoting: ``lu``, ``lu_factor``, ``lu_solve``. The factorization is
  Gaussian elimination written with ops: the pivot of each column is an ``argmax`` (no
  derivative: the permutation is piecewise constant) and the rows are swapped by a gather,
  so L and U carry the exact derivative of ``P A = L U`` at fixed P;
* ``solve_sylvester`` (a Kronecker-product solve, for small matrices), ``polar`` (from the
  SVD) and ``eigh_tridiagonal`` (eigenvalues of the assembled symmetric matrix).
"""
from __future__ import annotations

import numpy as np

from .. import linalg as _la
from ..ops import (argsort, astype, atleast_1d, broadcast_to, concatenate, conj, expand_dims, flip,
                   getitem, kron, reshape, stop_gradient, take, take_along_axis, tril, triu, where,
                   zeros)
from ..ops._util import as_array_like
from ..lu_parts import eliminate as _eliminate
from ..lu_parts import perm_from_piv as _perm_from_piv
from ..batching import vmap
from ..ops.linalg_ops import LinAlgError, mT
from ..ops.matrix_functions2 import sqrtm
from ..staging import check as staged_check
from ..tensor import concrete, dtype_of, shape_of, traced_level
from ..tree import tree_flatten, tree_unflatten
from ..typing import Array, ArrayLike  # noqa: F401

__all__ = ["toeplitz", "hankel", "circulant", "companion", "leslie", "hilbert", "helmert",
           "pascal", "invpascal", "lu", "lu_factor", "lu_solve", "solve_sylvester", "polar",
           "eigh_tridiagonal", "solve_banded"]


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x))) if hasattr(x, "shape") else np.shape(x)


_arr = as_array_like  # lists and Python numbers as NumPy arrays; arrays and Tensors as they are


def _dtype(x) -> np.dtype:
    d = getattr(x, "dtype", None)
    return np.dtype(d) if d is not None else np.asarray(x).dtype


def _check_kinds(name: str, kinds: str, what: str, arrays: dict):
    for k, v in arrays.items():
        dt = _dtype(v)
        if dt.kind not in kinds:
            raise TypeError(f"scipy.linalg.{name}: {k} must be {what}, got dtype {dt} "
                            f"(shape {_shape(v)})")


def _check_real(name: str, **arrays):
    _check_kinds(name, "biuf", "a real array", arrays)


def _check_numbers(name: str, **arrays):
    """Real or complex arrays (not strings, objects or datetimes)."""
    _check_kinds(name, "biufc", "a real or complex array", arrays)


def _is_complex(*arrays) -> bool:
    return any(_dtype(x).kind == "c" for x in arrays)


def _mH(x):
    """The conjugate transpose of a (stack of) matrices (the transpose of a real one)."""
    return conj(mT(x)) if _dtype(x).kind == "c" else mT(x)


def _vector(name: str, what: str, x, least: int = 1) -> tuple:
    s = _shape(x)
    if len(s) < 1 or s[-1] < least:
        raise ValueError(f"scipy.linalg.{name}: {what} must have at least {least} entr"
                         f"{'y' if least == 1 else 'ies'} along its last axis, got shape {s}")
    return s


def _order(name: str, n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"scipy.linalg.{name}: n must be a non-negative integer, got {n!r}")
    return int(n)


# ---- matrices read from a vector by an index table -----------------------------------
def _gather(vals, index: np.ndarray):
    """``vals[..., index]`` for a table of positions into the last axis of ``vals``."""
    return take(vals, index, axis=-1)


def _common_batch(name: str, *pairs):
    shapes = [_shape(v)[:-1] for _, v in pairs]
    try:
        batch = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"scipy.linalg.{name}: the leading (batch) axes of "
                         + " and ".join(f"{k} {_shape(v)}" for k, v in pairs)
                         + " do not broadcast") from None
    return [broadcast_to(v, batch + _shape(v)[-1:]) if _shape(v)[:-1] != batch else v
            for _, v in pairs]


def toeplitz(c: ArrayLike, r: ArrayLike | None = None) -> Array:
    """The Toeplitz matrix with first column ``c`` and first row ``r`` (``r[0]`` ignored;
    without ``r``, the symmetric one, or the Hermitian one ``r = conj(c)`` for a complex
    ``c``); leading axes are a batch."""
    c, r = atleast_1d(_arr(c)), None if r is None else atleast_1d(_arr(r))
    _check_numbers("toeplitz", c=c)
    m = _vector("toeplitz", "c", c, least=0)[-1]
    if r is None:  # the Hermitian one for a complex c (as SciPy and JAX)
        r = conj(c) if _is_complex(c) else c
    _check_numbers("toeplitz", r=r)
    n = _vector("toeplitz", "r", r, least=0)[-1]
    c, r = _common_batch("toeplitz", ("c", c), ("r", r))
    vals = concatenate([flip(r[..., 1:], axis=-1), c], axis=-1)  # r[n-1], …, r[1], c[0], …
    i, j = np.arange(m)[:, None], np.arange(n)[None, :]
    return _gather(vals, n - 1 + i - j)


def hankel(c: ArrayLike, r: ArrayLike | None = None) -> Array:
    """The Hankel matrix with first column ``c`` and last row ``r`` (``r[0]`` ignored;
    without ``r``, zeros below the anti-diagonal); leading axes are a batch."""
    c, r = _arr(c), None if r is None else _arr(r)
    _check_numbers("hankel", c=c)
    m = _vector("hankel", "c", c, least=0)[-1]
    if r is None:
        r = zeros(_shape(c), dtype=_dtype(c))
    _check_numbers("hankel", r=r)
    n = _vector("hankel", "r", r, least=0)[-1]
    c, r = _common_batch("hankel", ("c", c), ("r", r))
    vals = concatenate([c, r[..., 1:]], axis=-1)
    return _gather(vals, np.arange(m)[:, None] + np.arange(n)[None, :])


def circulant(c: ArrayLike) -> Array:
    """The circulant matrix whose first column is ``c`` (each column the previous one
    rolled down by one); leading axes are a batch."""
    c = atleast_1d(_arr(c))
    _check_numbers("circulant", c=c)
    n = _vector("circulant", "c", c, least=0)[-1]
    return _gather(c, (np.arange(n)[:, None] - np.arange(n)[None, :]) % max(n, 1))


def _nonzero_lead(a) -> None:
    if np.any(np.asarray(a)[..., 0] == 0):
        raise ValueError(f"scipy.linalg.companion: the leading coefficient a[..., 0] must not be "
                         f"zero (a has shape {np.shape(a)})")


def companion(a: ArrayLike) -> Array:
    """The companion matrix of the polynomial with coefficients ``a`` (highest degree
    first): first row ``-a[1:] / a[0]``, ones below the diagonal; leading axes are a batch."""
    a = _arr(a)
    _check_numbers("companion", a=a)
    n = _vector("companion", "a", a, least=2)[-1] - 1
    staged_check(_nonzero_lead, concrete(a))  # (under tg.jit: at every replay too)
    top = -a[..., 1:] / a[..., :1]
    dt = dtype_of(concrete(top)) if hasattr(top, "shape") else np.result_type(top)
    batch = _shape(top)[:-1]
    vals = concatenate([top, np.ones(batch + (1,), dt), np.zeros(batch + (1,), dt)], axis=-1)
    idx = np.full((n, n), n + 1)                  # the zero
    idx[0] = np.arange(n)                         # the first row
    idx[np.arange(1, n), np.arange(n - 1)] = n    # the ones below the diagonal
    return _gather(vals, idx)


def leslie(f: ArrayLike, s: ArrayLike) -> Array:
    """The Leslie matrix: fecundities ``f`` (n) on the first row, survival rates ``s``
    (n − 1) on the subdiagonal; leading axes are a batch."""
    f, s = _arr(f), _arr(s)
    _check_numbers("leslie", f=f, s=s)
    n = _vector("leslie", "f", f, least=2)[-1]
    ns = _vector("leslie", "s", s)[-1]
    if ns != n - 1:
        raise ValueError(f"scipy.linalg.leslie: s must have one entry fewer than f along the last "
                         f"axis, got f of shape {_shape(f)} and s of shape {_shape(s)}")
    f, s = _common_batch("leslie", ("f", f), ("s", s))
    batch = _shape(f)[:-1]
    dt = np.result_type(_dtype(f), _dtype(s))
    vals = concatenate([f, s, np.zeros(batch + (1,), dt)], axis=-1)
    idx = np.full((n, n), 2 * n - 1)
    idx[0] = np.arange(n)
    idx[np.arange(1, n), np.arange(n - 1)] = n + np.arange(n - 1)
    return _gather(vals, idx)


def hilbert(n: int) -> np.ndarray:
    """The n × n Hilbert matrix ``1 / (i + j + 1)`` (a constant)."""
    n = _order("hilbert", n)
    i = np.arange(n, dtype=np.float64)
    return 1.0 / (i[:, None] + i[None, :] + 1.0)


def helmert(n: int, full: bool = False) -> np.ndarray:
    """The Helmert matrix of order n (orthogonal when ``full``; without its first row,
    the constant 1/√n, otherwise); a constant."""
    n = _order("helmert", n)
    h = np.tril(np.ones((n, n)), -1) - np.diag(np.arange(n, dtype=np.float64))
    d = np.arange(n, dtype=np.float64) * np.arange(1, n + 1)
    d[0] = n
    h[0] = 1.0
    h = h / np.sqrt(d)[:, None]
    return h if full else h[1:]


def _binomials(n: int) -> np.ndarray:
    """C(i, j) for 0 ≤ i, j < n, exact (Python integers)."""
    c = np.zeros((n, n), dtype=object)
    for i in range(n):
        c[i, 0] = 1
        for j in range(1, i + 1):
            c[i, j] = c[i - 1, j - 1] + (c[i - 1, j] if j < i else 0)
    return c


def _pascal_kind(name: str, n, kind):
    n = _order(name, n)
    kind = "symmetric" if kind is None else kind
    if kind not in ("symmetric", "lower", "upper"):
        raise ValueError(f"scipy.linalg.{name}: kind must be 'symmetric', 'lower' or 'upper', "
                         f"got {kind!r}")
    return n, kind


def pascal(n: int, kind: str | None = None) -> np.ndarray:
    """The n × n Pascal matrix ('symmetric', 'lower' or 'upper'), exact binomial
    coefficients as float64 (a constant)."""
    n, kind = _pascal_kind("pascal", n, kind)
    low = _binomials(n)
    out = low.dot(low.T) if kind == "symmetric" else low if kind == "lower" else low.T
    return np.asarray(out, dtype=np.float64)


def invpascal(n: int, kind: str | None = None) -> np.ndarray:
    """The inverse of :func:`pascal` (exact integers, as float64; a constant)."""
    n, kind = _pascal_kind("invpascal", n, kind)
    low = _binomials(n) * np.array([[(-1) ** (i + j) for j in range(n)] for i in range(n)],
                                   dtype=object)
    out = low.T.dot(low) if kind == "symmetric" else low if kind == "lower" else low.T
    return np.asarray(out, dtype=np.float64)


# ---- LU ------------------------------------------------------------------------------
def _check_lu_input(name: str, a) -> tuple:
    s = _shape(a)
    if len(s) < 2:
        raise ValueError(f"scipy.linalg.{name}: a must be a matrix or a stack of them (shape "
                         f"(..., M, N)), got shape {s}")
    dt = _dtype(a)
    if dt.kind not in "biufc":
        raise TypeError(f"scipy.linalg.{name}: a must be a real or complex array, got dtype {dt} "
                        f"(shape {s})")
    return s


def _float_type(*arrays) -> np.dtype:
    """The floating dtype of a result computed from ``arrays`` (integers count as float64)."""
    return np.result_type(*(_dtype(x) if _dtype(x).kind in "fc" else np.float64 for x in arrays))


def _float(a):
    return a * 1.0 if _dtype(a).kind in "biu" else a


#: the dtype codes SciPy's LAPACK wrappers compute in float32: bool, int8, uint8, int16,
#: uint16 and float16 (wider integers in float64)
LAPACK_SINGLE = "?bBhHe"


def _scipy_float(x, single: str = LAPACK_SINGLE):
    """``x`` in the dtype SciPy computes with: float32 for the dtype codes in ``single`` (the
    function's own rule; by default its LAPACK wrappers', :data:`LAPACK_SINGLE`), float64
    for the other integers, bools and float16 (``single=""``: SciPy's double-precision
    ``det``, ``logm``, ``fractional_matrix_power``); floating and complex arrays as they are.
    A cast op, so a float16 input's gradient comes back in float16."""
    dt = _dtype(x)
    if dt.char in single:
        return astype(x, np.float32)
    return astype(x, np.float64) if dt.kind in "biu" or dt.char == "e" else x


def _unpack(w, m: int, n: int):
    k = min(m, n)
    dt = _dtype(w)
    L = tril(w[..., :, :k], -1) + np.eye(m, k, dtype=dt)
    U = triu(w[..., :k, :])
    return L, U


def lu(a: ArrayLike, permute_l: bool = False, overwrite_a: bool = False,
       check_finite: bool = True):
    """LU with partial pivoting: ``(p, l, u)`` with ``a = p @ l @ u`` (or ``(p @ l, u)``
    with ``permute_l``); differentiable in ``a`` at a fixed permutation."""
    a = _arr(a)
    s = _check_lu_input("lu", a)
    m, n = s[-2:]
    w, perm, _ = _eliminate(_scipy_float(a))
    L, U = _unpack(w, m, n)
    # p[..., perm[i], i] = 1: a one-hot matrix (no derivative; real also for a complex a,
    # as SciPy's and JAX's)
    P = astype(expand_dims(perm, -2) == np.arange(m)[:, None], np.real(np.zeros((), _dtype(L))).dtype)
    if permute_l:
        return P @ L, U
    return P, L, U


def lu_factor(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True):
    """``(lu, piv)`` for :func:`lu_solve`: L (unit diagonal not stored) and U packed in one
    matrix, and the row swaps ``piv`` (0-based, int32) of partial pivoting."""
    a = _arr(a)
    _check_lu_input("lu_factor", a)
    w, _, piv = _eliminate(_scipy_float(a))
    return w, astype(piv, np.int32)


def _rows_of(b, order, vec: bool):
    """``b`` with its rows (its entries, for a vector) in ``order``."""
    return take_along_axis(b, order if vec else expand_dims(order, -1), axis=-1 if vec else -2)


def lu_solve(lu_and_piv: tuple, b: ArrayLike, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True) -> Array:
    """``x`` with ``a x = b`` (``trans`` 1: ``aᵀ x = b``; 2: ``aᴴ x = b``) from
    ``lu_factor(a)``; differentiable in ``b`` and in the factors."""
    if not isinstance(lu_and_piv, (tuple, list)) or len(lu_and_piv) != 2:
        raise TypeError("scipy.linalg.lu_solve: lu_and_piv must be the pair (lu, piv) returned "
                        f"by lu_factor, got {type(lu_and_piv).__name__}")
    w, piv, b = _arr(lu_and_piv[0]), _arr(lu_and_piv[1]), _arr(b)
    s, sb, sp = _shape(w), _shape(b), _shape(piv)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"scipy.linalg.lu_solve: lu must be a square matrix or a stack of them, "
                         f"got shape {s}")
    n = s[-1]
    if _dtype(piv).kind not in "iu" or sp[-1:] != (n,):
        raise ValueError(f"scipy.linalg.lu_solve: piv must be integers of shape (..., {n}) for lu "
                         f"of shape {s}, got shape {sp} and dtype {_dtype(piv)}")
    _check_numbers("lu_solve", lu=w, b=b)
    vec = len(sb) == 1
    if not sb or (sb[0] if vec else sb[-2]) != n:
        raise ValueError(f"scipy.linalg.lu_solve: b of shape {sb} does not fit lu of shape {s}: "
                         f"b must be ({n},) or (..., {n}, K)")
    if trans not in (0, 1, 2):
        raise ValueError(f"scipy.linalg.lu_solve: trans must be 0, 1 or 2, got {trans!r}")
    column = vec and (len(s) > 2 or len(sp) > 1)
    if column:  # a 1-D b against a stack of factorizations: one right-hand side for each
        b, sb, vec = reshape(b, (n, 1)), (n, 1), False  # (as SciPy >= 1.16 and JAX)
    batch = ()
    if not vec:
        try:
            batch = np.broadcast_shapes(s[:-2], sp[:-1], sb[:-2])
        except ValueError:
            raise ValueError(f"scipy.linalg.lu_solve: the batch axes of lu {s}, piv {sp} and b "
                             f"{sb} do not broadcast") from None
    w, b = _scipy_float(w), _scipy_float(b)
    L = tril(w, -1) + np.eye(n, dtype=_dtype(w))
    U = triu(w)
    perm = _perm_from_piv(piv, n)
    if batch:  # b and the row permutation over the batch of the three (as JAX broadcasts)
        if sb[:-2] != batch:
            b = broadcast_to(b, batch + sb[-2:])
        if _shape(perm)[:-1] != batch:
            perm = broadcast_to(perm, batch + (n,))
    try:
        if trans == 0:       # L U x = b[perm]
            x = _la.solve(U, _la.solve(L, _rows_of(b, perm, vec)))
        else:                # Uᵀ Lᵀ (Pᵀ x) = b (Uᴴ Lᴴ with trans 2)
            tr = _mH if trans == 2 else mT
            x = _rows_of(_la.solve(tr(L), _la.solve(tr(U), b)), argsort(perm, axis=-1), vec)
    except LinAlgError:
        raise LinAlgError(f"scipy.linalg.lu_solve: U (the upper triangle of lu, shape {s}) has a "
                          "zero on its diagonal: the factored matrix is singular") from None
    return x[..., 0] if column else x


# ---- Sylvester, polar, tridiagonal eigenvalues -----------------------------------------
def _each(fn, x):
    """``fn`` (one matrix in, a tuple of arrays out) on every matrix of the batch ``x``."""
    x = np.asarray(x)
    flat = x.reshape((int(np.prod(x.shape[:-2])),) + x.shape[-2:])  # (-1 fails on an empty one)
    outs = [fn(m) for m in flat] if flat.shape[0] else [fn(np.eye(x.shape[-1], dtype=x.dtype))]
    return tuple(np.stack(parts)[:flat.shape[0]].reshape(x.shape[:-2] + parts[0].shape)
                 for parts in zip(*outs))


def _over_batch(fn, *arrays):
    """``fn`` of matrices mapped over the leading (batch) axes its arguments broadcast to,
    as JAX's linalg functions take stacks of matrices."""
    lead = np.broadcast_shapes(*(_shape(a)[:-2] for a in arrays))
    flat = [reshape(broadcast_to(a, lead + _shape(a)[-2:]), (-1,) + _shape(a)[-2:]) for a in arrays]
    out = vmap(fn)(*flat)
    leaves, td = tree_flatten(out)
    return tree_unflatten(td, [reshape(v, lead + _shape(v)[1:]) for v in leaves])


def solve_sylvester(A: ArrayLike, B: ArrayLike, C: ArrayLike, *, method: str = "schur",
                    tol: float = 1e-8) -> Array:
    """``X`` with ``A X + X B = C`` (A m × m, B n × n, C m × n, or stacks of them), as one
    (m·n)-square linear solve; differentiable in A, B and C. Meant for small matrices."""
    A, B, C = _arr(A), _arr(B), _arr(C)
    sa, sbb, sc = _shape(A), _shape(B), _shape(C)
    if min(len(sa), len(sbb), len(sc)) >= 2 and max(len(sa), len(sbb), len(sc)) > 2:
        return _over_batch(lambda a, b, c: solve_sylvester(a, b, c), A, B, C)
    _check_numbers("solve_sylvester", A=A, B=B, C=C)
    if len(sa) != 2 or len(sbb) != 2 or len(sc) != 2 or sa[0] != sa[1] or sbb[0] != sbb[1] \
            or sc != (sa[0], sbb[0]):
        raise ValueError(f"scipy.linalg.solve_sylvester: A must be m × m, B n × n and C m × n, "
                         f"got shapes {sa}, {sbb} and {sc}")
    m, n = sc
    A, B, C = (_scipy_float(v, "?e") for v in (A, B, C))  # SciPy's: bool and float16 in float32
    # row-major vec: vec(A X) = (A ⊗ I) vec(X), vec(X B) = (I ⊗ Bᵀ) vec(X)
    dt = _float_type(A, B, C)
    K = kron(A, np.eye(n, dtype=dt)) + kron(np.eye(m, dtype=dt), mT(B))
    try:
        x = _la.solve(K, reshape(C, (m * n,)))
    except LinAlgError:
        raise LinAlgError(f"scipy.linalg.solve_sylvester: A {sa} and -B {sbb} share an eigenvalue, "
                          "so A X + X B = C has no unique solution") from None
    return reshape(x, (m, n))


def polar(a: ArrayLike, side: str = "right", *, method: str = "qdwh", eps: float | None = None,
          max_iterations: int | None = None):
    """The polar decomposition from the SVD (of each matrix of a stack): ``(u, p)`` with ``a = u p`` (``side='right'``,
    p n × n) or ``a = p u`` (``'left'``, p m × m), u with orthonormal rows or columns and p
    symmetric (Hermitian for a complex a) positive semi-definite. ``method`` may be 'svd' or
    'qdwh' (both use the SVD).

    The values come from the SVD; the derivatives, from ``p = √(aᵀa)`` and ``u = a p⁻¹``
    (``√(a aᵀ)`` on the left), which are smooth also at repeated singular values (an orthogonal
    matrix, say), where the SVD's own derivative is not unique. They need a real a of full rank
    on p's side (m ≥ n for ``'right'``, m ≤ n for ``'left'``); otherwise (and for a complex a)
    they go through the SVD."""
    a = _arr(a)
    s = _shape(a)
    if len(s) > 2:  # a stack of matrices
        return _over_batch(lambda m: polar(m, side, method=method), a)
    if len(s) != 2:
        raise ValueError(f"scipy.linalg.polar: a must be a matrix, got shape {s}")
    _check_numbers("polar", a=a)
    if side not in ("right", "left"):
        raise ValueError(f"scipy.linalg.polar: side must be 'right' or 'left', got {side!r}")
    if method not in ("svd", "qdwh"):
        raise ValueError(f"scipy.linalg.polar: method must be 'svd' or 'qdwh', got {method!r}")
    a = _scipy_float(a)
    m, n = s
    # differentiated, with u and p smooth (a of full rank on p's side): the SVD gives the values,
    # but its derivative is not unique at repeated singular values (an orthogonal a), where u and
    # p are smooth; the derivatives come from p = √(aᵀa) (√(a aᵀ) on the left) and u = a p⁻¹
    # (a complex a's derivatives come from its SVD)
    smooth = traced_level(a) >= 0 and (m >= n if side == "right" else m <= n) and not _is_complex(a)
    w, sv, vh = _la.svd(stop_gradient(a) if smooth else a, full_matrices=False)
    u = w @ vh
    p = (_mH(vh) * sv) @ vh if side == "right" else (w * sv) @ _mH(w)
    if smooth:
        if side == "right":
            ps = sqrtm(mT(a) @ a)
            us = mT(_la.solve(ps, mT(a)))
        else:
            ps = sqrtm(a @ mT(a))
            us = _la.solve(ps, a)
        u = u + (us - stop_gradient(us))
        p = p + (ps - stop_gradient(ps))
    return u, p


def eigh_tridiagonal(d: ArrayLike, e: ArrayLike, *, eigvals_only: bool = False, select: str = "a",
                     select_range=None, tol: float | None = None, key=None) -> Array:
    """The eigenvalues (ascending) of the symmetric tridiagonal matrix with diagonal ``d``
    and off-diagonal ``e``; ``select='i'`` keeps those with index in ``select_range``
    (inclusive). With ``eigvals_only=False`` (SciPy's default) also the eigenvectors, as
    columns, each with the sign LAPACK gives it (JAX's may differ by a sign)."""
    d, e = _arr(d), _arr(e)
    sd, se = _shape(d), _shape(e)
    _check_real("eigh_tridiagonal", d=d, e=e)
    if len(sd) != 1 or len(se) != 1 or se[0] != max(sd[0] - 1, 0) or sd[0] == 0:
        raise ValueError(f"scipy.linalg.eigh_tridiagonal: d must be a non-empty vector (n,) and "
                         f"e a vector (n - 1,), got shapes {sd} and {se}")
    n = sd[0]
    d, e = _scipy_float(d), _scipy_float(e)
    zero = np.zeros(1, dtype=_float_type(d, e))
    off = concatenate([e, zero])
    # T[i, i] = d[i]; T[i, i ± 1] = e[min(i, j)]; zero elsewhere (position n − 1 of `off`)
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]
    band = np.where(np.abs(i - j) == 1, np.minimum(i, j), n - 1)
    T = take(off, band, axis=-1) + np.eye(n, dtype=zero.dtype) * d
    w, v = (_la.eigvalsh(T), None) if eigvals_only else _la.eigh(T)
    if select == "a":
        return w if eigvals_only else (w, v)
    if select == "i":
        if select_range is None or len(select_range) != 2:
            raise ValueError("scipy.linalg.eigh_tridiagonal: select='i' needs select_range=(lo, hi)")
        lo, hi = (int(v) for v in select_range)
        if not 0 <= lo <= hi < n:
            raise ValueError(f"scipy.linalg.eigh_tridiagonal: select_range={tuple(select_range)} is "
                             f"out of bounds for {n} eigenvalues (0 <= lo <= hi < {n})")
        return w[lo:hi + 1] if eigvals_only else (w[lo:hi + 1], v[:, lo:hi + 1])
    raise NotImplementedError(f"scipy.linalg.eigh_tridiagonal: select={select!r} is not supported "
                              "(use 'a' or 'i')")


def solve_banded(l_and_u, ab: ArrayLike, b: ArrayLike, overwrite_ab: bool = False,
                 overwrite_b: bool = False, check_finite: bool = True) -> Array:
    """SciPy's ``solve_banded((l, u), ab, b)``: ``x`` with ``a x = b`` for the banded matrix
    ``a`` (``l`` sub- and ``u`` super-diagonals) stored as ``ab`` of shape (l + u + 1, n),
    ``ab[u + i - j, j] = a[i, j]``. Solved as the dense system (differentiable in ``ab`` and
    ``b``; the entries of ``ab`` outside the band are not read). A singular ``a`` raises
    ``LinAlgError``."""
    try:
        low, up = (int(v) for v in l_and_u)
    except (TypeError, ValueError):
        raise ValueError(f"solve_banded: (l, u) must be a pair of ints, got {l_and_u!r}") from None
    ab = as_array_like(ab)
    s = shape_of(ab)
    if low < 0 or up < 0 or len(s) != 2 or s[0] != low + up + 1:
        raise ValueError(f"solve_banded: ab of shape {s} must be (l + u + 1, n) = ({low + up + 1}, "
                         f"n) for (l, u) = ({low}, {up})")
    n = s[1]
    if shape_of(b)[:1] != (n,):
        raise ValueError(f"solve_banded: b of shape {shape_of(b)} must have {n} rows")
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    band = (i - j <= low) & (j - i <= up)
    ab, b = _scipy_float(ab, "e"), _scipy_float(b, "e")  # (SciPy's: float16 in float32)
    a = where(band, getitem(ab, (np.where(band, up + i - j, 0), j)), 0)
    return _la.solve(a, b)

