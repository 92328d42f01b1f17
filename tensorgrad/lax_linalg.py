"""``tg.lax.linalg``: the functions of ``jax.lax.linalg``, with its signatures and its
output layouts (``eigh`` gives ``(v, w)``, ``lu`` gives ``[lu, pivots, permutation]`` with
int32 pivots, ``qr`` and ``svd`` default to ``full_matrices=True``, ``eig``, ``schur``,
``hessenberg`` and ``tridiagonal`` give lists, as JAX's do).

Each is written with tensorgrad's differentiable functions (``tg.linalg``,
``tg.scipy.linalg`` and the ops), so every derivative they have, ``tg.jit`` and ``tg.vmap``
come from those. Leading axes are a batch wherever JAX's take one.

* ``cholesky``, ``eigh``: with ``symmetrize_input=True`` (JAX's default) the input is first
  replaced by ``(x + xᴴ)/2``, so values and gradients are JAX's. With ``False`` one triangle is
  read and, as everywhere in tensorgrad, the gradient lies in that triangle (JAX's and
  tensorgrad's agree along every Hermitian direction). A matrix ``cholesky`` cannot factor
  comes back full of NaNs, as in JAX.
* ``triangular_solve``, ``lu``, ``lu_pivots_to_permutation``, ``qr`` (also ``pivoting=True``
  and the square Q of a tall matrix, whose extra columns follow LAPACK's Householder
  construction and are differentiated as JAX does), ``svd``, ``tridiagonal_solve``: JAX's
  values and derivatives.
* ``eig``: eigenvalues, and left and right eigenvectors in LAPACK's normalization (unit norm,
  largest entry real). As in JAX, differentiating while eigenvectors are requested needs
  ``enable_eigvec_derivs=True``; first derivatives only (those of ``tg.linalg.eig``).
* ``householder_product``, ``ormqr``, ``symmetric_product``, ``cholesky_update``: written
  with ops, so they are differentiable (JAX's have no derivative rule).
* ``qdwh``: the polar factors from ``tg.scipy.linalg.polar`` (the SVD, not Halley's
  iteration): ``num_iters`` is 0 and ``is_converged`` True.
* ``hessenberg``, ``schur``, ``tridiagonal``: LAPACK's packed results, computed on the values
  (real or complex); like JAX's they have no derivative, and differentiating raises.

``EigImplementation``, ``EighImplementation`` and ``SvdAlgorithm`` are not provided: ``eig``'s
and ``eigh``'s ``implementation`` take None (or LAPACK's choice, by its value), ``svd``'s
``algorithm`` and the ``use_magma`` flags are accepted and have no effect.
"""
from __future__ import annotations

import operator

import numpy as np
import scipy.linalg as _sl

from . import linalg as _la
from .ops import abs as _abs
from .ops import sum as _sum
from .ops import (argmax, astype, broadcast_to, concatenate, conj, expand_dims, real, reshape,
                  sqrt, stack, stop_gradient, take, take_along_axis, tril, where, zeros)
from .ops.linalg_ops import LinAlgError, mT
from .scipy.linalg import _pivots, _triangle
from .scipy.linalg_extra import schur as _real_schur
from .scipy.linalg_more import (_arr, _dtype, _each, _float, _is_complex, _mH, _perm_from_piv, _shape,
                                lu_factor, polar)
from .staging import call as staged_call
from .staging import may_any
from .tensor import concrete, traced_level
from .typing import Array, ArrayLike  # noqa: F401

__all__ = ["cholesky", "cholesky_update", "eig", "eigh", "hessenberg", "householder_product",
           "lu", "lu_pivots_to_permutation", "ormqr", "qdwh", "qr", "schur", "svd",
           "symmetric_product", "triangular_solve", "tridiagonal", "tridiagonal_solve"]

_KINDS = {"f": "a floating-point", "fc": "a floating-point or complex",
          "biufc": "a real or complex"}


# ---- checks ------------------------------------------------------------------------------
def _array(fn: str, what: str, x, kinds: str = "fc"):
    x = _arr(x)
    dt = _dtype(x)
    if dt.kind not in kinds:
        raise TypeError(f"lax.linalg.{fn}: {what} must be {_KINDS[kinds]} array, got dtype {dt} "
                        f"(shape {_shape(x)})")
    return x, _shape(x)


def _matrix(fn: str, what: str, x, *, square: bool = False, kinds: str = "fc"):
    x, s = _array(fn, what, x, kinds)
    if len(s) < 2:
        raise ValueError(f"lax.linalg.{fn}: {what} must be a matrix or a batch of matrices "
                         f"(shape [..., m, n]), got shape {s} (dtype {_dtype(x)})")
    if square and s[-1] != s[-2]:
        raise ValueError(f"lax.linalg.{fn}: {what} must be a square matrix or a batch of them "
                         f"(shape [..., n, n]), got shape {s} (dtype {_dtype(x)})")
    return x, s


def _same_batch(fn: str, **batches) -> None:
    if len(set(batches.values())) > 1:
        raise ValueError(f"lax.linalg.{fn}: the batch (leading) axes must be equal, got "
                         + ", ".join(f"{k} {s}" for k, s in batches.items()))


def _no_derivative(fn: str, what: str, x) -> None:
    if traced_level(x) >= 0:
        raise NotImplementedError(
            f"lax.linalg.{fn}: no derivative (jax.lax.linalg.{fn} has no differentiation rule "
            f"either); pass tg.stop_gradient({what}) if a constant is meant ({what} of shape "
            f"{_shape(x)}, dtype {_dtype(x)})")


# ---- Cholesky -----------------------------------------------------------------------------
def cholesky(x: Array, *, symmetrize_input: bool = True) -> Array:
    """The lower Cholesky factor L of ``x = L Lᴴ`` (``[..., n, n]``), of ``(x + xᴴ)/2`` when
    ``symmetrize_input`` (JAX's default: then the gradient is JAX's), else of the lower
    triangle. A matrix that is not positive definite gives a factor full of NaNs (JAX's
    convention), the others of the batch are unaffected."""
    x, s = _matrix("cholesky", "x", x, square=True, kinds="biufc")
    x = _float(x)
    if symmetrize_input:
        x = (x + _mH(x)) / 2
    bad = staged_call(_not_positive_definite, concrete(x))
    if not may_any(bad):
        return _la.cholesky(x)
    n = s[-1]
    mask = reshape(bad, s[:-2] + (1, 1))
    factor = _la.cholesky(where(mask, np.eye(n, dtype=_dtype(x)), x))
    return where(mask, np.tril(np.full((n, n), np.nan, dtype=_dtype(x))), factor)


def _not_positive_definite(x):
    x = np.asarray(x)
    try:
        np.linalg.cholesky(x)
        return np.zeros(x.shape[:-2], dtype=bool)
    except np.linalg.LinAlgError:
        pass
    flat = x.reshape((-1,) + x.shape[-2:])
    bad = np.zeros(flat.shape[0], dtype=bool)
    for i, m in enumerate(flat):
        try:
            np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            bad[i] = True
    return bad.reshape(x.shape[:-2])


def cholesky_update(r_matrix: ArrayLike, w_vector: ArrayLike) -> Array:
    """The upper Cholesky factor of ``Rᵀ R + w wᵀ`` from the upper factor ``R`` of ``Rᵀ R``,
    by JAX's sequence of Givens rotations, in O(n²) (real; leading axes are a batch)."""
    r, sr = _matrix("cholesky_update", "r_matrix", r_matrix, square=True, kinds="f")
    w, sw = _array("cholesky_update", "w_vector", w_vector, kinds="f")
    if sw != sr[:-1]:
        raise ValueError(f"lax.linalg.cholesky_update: w_vector must have shape {sr[:-1]} for "
                         f"r_matrix of shape {sr}, got shape {sw}")
    rows, z = [], w
    for k in range(sr[-1]):
        c, sn = _givens(r[..., k, k], z[..., k])
        c, sn, rk = expand_dims(c, -1), expand_dims(sn, -1), r[..., k, :]
        rows.append(c * rk - sn * z)
        z = c * z + sn * rk
    return stack(rows, axis=-2) if rows else r


def _givens(x, y):
    """(c, s) of the rotation that zeroes ``y`` against ``x`` (LAPACK's drotg, as JAX's)."""
    nonzero = y != 0
    ax, ay = _abs(x), _abs(y)
    den = where(nonzero, where(ax > ay, ax, ay), 1.0)
    xs, ys = where(nonzero, x / den, 1.0), where(nonzero, y / den, 0.0)
    rh = 1.0 / sqrt(xs * xs + ys * ys)
    return where(nonzero, xs * rh, 1.0), where(nonzero, -ys * rh, 0.0)


# ---- eigenproblems ------------------------------------------------------------------------
def eig(x: ArrayLike, *, compute_left_eigenvectors: bool = True,
        compute_right_eigenvectors: bool = True, enable_eigvec_derivs: bool = False,
        implementation=None, use_magma: bool | None = None) -> list:
    """``[w, vl, vr]`` (``vl``, ``vr`` only when asked for): the complex eigenvalues and the
    left (``vlᴴ x = w vlᴴ``) and right eigenvectors, LAPACK's (unit norm, largest entry real).
    Derivatives are those of ``tg.linalg.eigvals`` and ``tg.linalg.eig`` (first order); with
    eigenvectors asked for, differentiating needs ``enable_eigvec_derivs=True``, as in JAX."""
    x, s = _matrix("eig", "x", x, square=True)
    if implementation is not None and getattr(implementation, "value", implementation) != "lapack":
        raise ValueError("lax.linalg.eig: only the lapack implementation is supported on CPU, "
                         f"got implementation={implementation!r}")
    vectors = compute_left_eigenvectors or compute_right_eigenvectors
    if vectors and not enable_eigvec_derivs and traced_level(x) >= 0:
        raise NotImplementedError(
            "lax.linalg.eig: derivatives of non-symmetric eigenvectors are only valid under "
            "assumptions on the input (distinct eigenvalues, no tie for an eigenvector's largest "
            "entry); pass enable_eigvec_derivs=True to opt in, as jax.lax.linalg.eig asks "
            f"(x of shape {s}, dtype {_dtype(x)})")
    if not vectors:
        w = _la.eigvals(x)
        order, _, _ = staged_call(_lapack_eig, concrete(x), concrete(w), None, False, False)
        return [take_along_axis(w, order, axis=-1)]
    w, vr = _la.eig(x)
    order, signs, ref_vl = staged_call(_lapack_eig, concrete(x), concrete(w), concrete(vr),
                                       bool(compute_left_eigenvectors),
                                       bool(compute_right_eigenvectors))
    w, vr = take_along_axis(w, order, axis=-1), take_along_axis(vr, expand_dims(order, -2), axis=-1)
    vr = vr * signs
    out = [w]
    if compute_left_eigenvectors:
        out.append(_left_eigenvectors(vr, ref_vl))
    if compute_right_eigenvectors:
        out.append(vr)
    return out


def _lapack_eig(x, w, vr, left: bool, right: bool):
    """How tensorgrad's eigenpairs (NumPy's ``geev``) become JAX's (SciPy's ``geev``, which
    in single precision may order them and sign real eigenvectors differently): the order
    (``w[order]`` is JAX's), the sign of each right eigenvector, and LAPACK's left ones."""
    x, w = np.asarray(x), np.asarray(w)
    flat = x.reshape((-1,) + x.shape[-2:])
    n = x.shape[-1]
    ws = w.reshape((-1, n))
    vrs = None if vr is None else np.asarray(vr).reshape((-1, n, n))
    order = np.zeros(ws.shape, dtype=np.intp)
    signs = np.ones((ws.shape[0], 1, n), dtype=np.real(w[..., :0]).dtype)
    ref_vl = np.zeros((ws.shape[0], n, n) if left else (0,), dtype=w.dtype)
    for b, m in enumerate(flat):
        res = _sl.eig(m, left=left, right=right)
        res = res if isinstance(res, tuple) else (res,)
        used = np.zeros(n, dtype=bool)
        for i, lam in enumerate(res[0]):      # the nearest unused eigenvalue, in LAPACK's order
            d = np.where(used, np.inf, np.abs(ws[b] - lam))
            order[b, i] = j = int(np.argmin(d))
            used[j] = True
        if left:
            ref_vl[b] = res[1]
        if right:
            dots = np.sum(np.conj(res[-1]) * vrs[b][:, order[b]], axis=0)
            signs[b, 0] = np.where(np.real(dots) < 0, -1.0, 1.0)
    batch = x.shape[:-2]
    return (order.reshape(batch + (n,)), signs.reshape(batch + (1, n)),
            ref_vl.reshape(batch + (n, n)) if left else ref_vl)


def _left_eigenvectors(vr, ref_vl):
    """The columns of V⁻ᴴ (left eigenvectors, matched to V's eigenvalues), scaled to LAPACK's
    normalization: unit norm, the largest entry real, with the sign of LAPACK's ``ref_vl``."""
    u = _mH(_la.inv(vr))
    k = argmax(stop_gradient(_abs(u)), axis=-2)
    top = take_along_axis(u, expand_dims(k, -2), axis=-2)
    norm = sqrt(_sum(real(u * conj(u)), axis=-2, keepdims=True))
    vl = u * (conj(top) / _abs(top)) / norm
    return vl * staged_call(_signs, ref_vl, concrete(vl))


def _signs(ref, v):
    dots = np.real(np.sum(np.conj(ref) * np.asarray(v), axis=-2, keepdims=True))
    return np.where(dots < 0, -1.0, 1.0).astype(np.real(np.asarray(v)).dtype)


def eigh(x: Array, *, lower: bool = True, symmetrize_input: bool = True,
         sort_eigenvalues: bool = True, subset_by_index: tuple[int, int] | None = None,
         implementation=None) -> tuple:
    """``(v, w)``: the eigenvectors (columns) and ascending eigenvalues of a Hermitian matrix,
    of ``(x + xᴴ)/2`` when ``symmetrize_input`` (JAX's default, and JAX's gradient), else read
    from the ``lower`` (or upper) triangle. ``subset_by_index=(start, end)`` keeps the
    eigenpairs ``start`` to ``end - 1``. Eigenvectors of repeated eigenvalues have no
    derivative: a loss that uses them raises ``LinAlgError`` (see ``tg.linalg.eigh``)."""
    x, s = _matrix("eigh", "x", x, square=True)
    if implementation is not None and getattr(implementation, "value", implementation) != "qr":
        raise NotImplementedError(f"lax.linalg.eigh: implementation={implementation!r} is not "
                                  "supported on CPU (use None)")
    n = s[-1]
    lo, hi = _subset("eigh", subset_by_index, n)
    if symmetrize_input:
        x = (x + _mH(x)) / 2
    w, v = _la.eigh(x, UPLO="L" if lower else "U")
    if (lo, hi) != (0, n):
        v, w = v[..., :, lo:hi], w[..., lo:hi]
    return v, w


def _subset(fn: str, subset, size: int) -> tuple:
    if subset is None:
        return 0, size
    try:
        lo, hi = (operator.index(i) for i in subset)
    except (TypeError, ValueError):
        raise TypeError(f"lax.linalg.{fn}: subset_by_index must be a pair of integers "
                        f"(start, end), got {subset!r}") from None
    if not 0 <= lo <= hi <= size:
        raise ValueError(f"lax.linalg.{fn}: subset_by_index={tuple(subset)} is out of range: "
                         f"need 0 <= start <= end <= {size}")
    return lo, hi


def _lapack_input(fn: str, x):
    what = "x" if fn == "schur" else "a"
    x, s = _matrix(fn, what, x, square=True)
    if s[-1] == 0:
        raise ValueError(f"lax.linalg.{fn}: {what} must not be empty, got shape {s}")
    _no_derivative(fn, what, x)
    return x


def hessenberg(a: ArrayLike) -> list:
    """``[a, taus]``: LAPACK's ``gehrd`` on each matrix: the upper Hessenberg form in the upper
    triangle and first subdiagonal of ``a``, the Householder reflectors below it, and their
    scalar factors ``taus`` (``[..., n - 1]``). No derivative (none in JAX either)."""
    a = _lapack_input("hessenberg", a)
    return list(staged_call(_each, _gehrd, concrete(a)))


def _gehrd(m):
    h, tau, _ = _sl.lapack.get_lapack_funcs("gehrd", (m,))(m)
    return h, tau


def tridiagonal(a: ArrayLike, *, lower: bool = True) -> list:
    """``[a, d, e, taus]``: LAPACK's ``sytrd``/``hetrd`` on each Hermitian matrix, read from its
    ``lower`` (or upper) triangle: the tridiagonal form's diagonal ``d`` and off-diagonal ``e``
    (real), the reflectors packed in ``a`` and their factors ``taus``. No derivative."""
    a = _lapack_input("tridiagonal", a)
    return list(staged_call(_each, _sytrd_lower if lower else _sytrd_upper, concrete(a)))


def _sytrd_lower(m, lower: int = 1):
    name = "hetrd" if m.dtype.kind == "c" else "sytrd"
    c, d, e, tau, _ = _sl.lapack.get_lapack_funcs(name, (m,))(m, lower=lower)
    return c, d, e, tau


def _sytrd_upper(m):
    return _sytrd_lower(m, 0)


def schur(x: ArrayLike, *, compute_schur_vectors: bool = True, sort_eig_vals: bool = False,
          select_callable=None) -> list:
    """``[T, Z]`` (``[T]`` without ``compute_schur_vectors``, as JAX returns it) with
    ``x = Z T Zᴴ``: LAPACK's ``gees`` (the real Schur form of a real matrix, triangular for a
    complex one). ``sort_eig_vals`` is not implemented (as in JAX on CPU); no derivative."""
    if sort_eig_vals:
        raise NotImplementedError("lax.linalg.schur: sort_eig_vals=True is not implemented (the "
                                  "sort feature of LAPACK's gees, as in JAX on CPU)")
    x = _lapack_input("schur", x)
    if _is_complex(x):
        t, z = staged_call(_each, _complex_schur, concrete(x))
    else:
        t, z = _real_schur(x)
    return [t, z] if compute_schur_vectors else [t]


def _complex_schur(m):
    return _sl.schur(m, output="complex")


# ---- LU -----------------------------------------------------------------------------------
def lu(x: ArrayLike) -> list:
    """``[lu, pivots, permutation]``: LU with partial pivoting, ``x[..., permutation, :] = L U``
    with L (unit diagonal, not stored) and U packed in ``lu``; ``pivots`` are LAPACK's row
    swaps (0-based) and both are int32. Differentiable in ``x`` at the fixed permutation."""
    x, s = _matrix("lu", "x", x)
    w, piv = lu_factor(x)
    return [w, piv, lu_pivots_to_permutation(piv, s[-2])]


def lu_pivots_to_permutation(pivots: ArrayLike, permutation_size: int) -> Array:
    """The permutation (int32, ``[..., permutation_size]``) made by applying the row swaps
    ``pivots`` (``[..., k]``, k <= permutation_size) in turn to ``0, 1, ...``."""
    pivots, s = _array("lu_pivots_to_permutation", "pivots", pivots, kinds="iu")
    try:
        m = operator.index(permutation_size)
    except TypeError:
        raise TypeError("lax.linalg.lu_pivots_to_permutation: permutation_size must be an "
                        f"integer, got {permutation_size!r}") from None
    if not s:
        raise ValueError("lax.linalg.lu_pivots_to_permutation: pivots must have at least one "
                         f"axis, got shape {s}")
    if m < s[-1]:
        raise ValueError(f"lax.linalg.lu_pivots_to_permutation: permutation_size ({m}) must be "
                         f"at least the number of pivots (shape {s})")
    if m == 0 or s[-1] == 0:
        return np.broadcast_to(np.arange(m, dtype=np.int32), s[:-1] + (m,)).copy()
    return astype(_perm_from_piv(pivots, m), np.int32)


# ---- QR, SVD, polar -------------------------------------------------------------------------
def qr(x: ArrayLike, *, pivoting: bool = False, full_matrices: bool = True,
       use_magma: bool | None = None) -> tuple:
    """``(q, r)``, or ``(q, r, p)`` with ``pivoting`` (``x[..., p] = q r``, p int32, LAPACK's
    column order): Q ``[..., m, m]`` and R ``[..., m, n]`` with ``full_matrices`` (JAX's
    default), else ``[..., m, k]`` and ``[..., k, n]`` (k = min(m, n)). LAPACK's values; the
    derivative is JAX's, also for the extra columns of a tall matrix's square Q."""
    x, s = _matrix("qr", "x", x)
    m, n = s[-2:]
    p = None
    if pivoting:
        p = staged_call(_pivots, concrete(x))
        x = take_along_axis(x, expand_dims(p, -2), axis=-1)
    k = m if full_matrices else min(m, n)
    if m == 0 or n == 0:
        q = broadcast_to(np.eye(m, k, dtype=_dtype(x)), s[:-2] + (m, k))
        r = zeros(s[:-2] + (k, n), dtype=_dtype(x))
    else:
        q, r = _la.qr(x)
        if full_matrices and m > n:
            q = _square_q(x, q, s)
            r = concatenate([r, zeros(s[:-2] + (m - n, n), dtype=_dtype(r))], axis=-2)
    return (q, r) if p is None else (q, r, p)


def _square_q(x, q, s):
    """The square Q of a tall ``x`` from its reduced Q. LAPACK's is a product of Householder
    reflectors, Q = I − V T Vᴴ with V = [V₁; V₂] unit lower trapezoidal; writing Z = V₂ V₁⁻¹ =
    Q₂₁ (Q₁₁ − I)⁻¹, its last columns are [(Q₁₁ − I) Zᴴ; I + Z (Q₁₁ − I) Zᴴ], a function of
    the reduced Q whose derivative is the one JAX uses. Untraced: LAPACK's own values."""
    if traced_level(x) < 0:
        return staged_call(_lapack_square_q, concrete(x))
    m, n = s[-2:]
    top = q[..., :n, :] - np.eye(n, dtype=_dtype(q))
    zh = _la.solve(_mH(top), _mH(q[..., n:, :]))
    upper = top @ zh
    lower = _mH(zh) @ upper + np.eye(m - n, dtype=_dtype(q))
    return concatenate([q, concatenate([upper, lower], axis=-2)], axis=-1)


def _lapack_square_q(x):
    return np.linalg.qr(np.asarray(x), mode="complete")[0]


def svd(x: ArrayLike, *, full_matrices: bool = True, compute_uv: bool = True,
        subset_by_index: tuple[int, int] | None = None, algorithm=None):
    """``(u, s, vh)`` with ``x = u diag(s) vh`` (s descending, real), or ``s`` alone without
    ``compute_uv``. ``subset_by_index=(start, end)`` keeps singular triplets ``start`` to
    ``end - 1`` (not with ``full_matrices``). As in JAX, the square U or Vᴴ of a non-square
    matrix (``full_matrices=True``) has no derivative."""
    x, s = _matrix("svd", "x", x)
    m, n = s[-2:]
    rank = min(m, n)
    if subset_by_index is not None and full_matrices and tuple(subset_by_index) != (0, rank):
        raise ValueError("lax.linalg.svd: full_matrices and subset_by_index cannot both be set "
                         f"(subset_by_index={tuple(subset_by_index)}, x of shape {s})")
    lo, hi = _subset("svd", subset_by_index, rank)
    if not compute_uv:
        sv = _la.svd(x, compute_uv=False)
        return sv if (lo, hi) == (0, rank) else sv[..., lo:hi]
    if full_matrices and m != n and traced_level(x) >= 0:
        raise NotImplementedError(
            f"lax.linalg.svd: no derivative with full_matrices=True for a non-square matrix "
            f"(shape {s}): its extra singular vectors are not unique (JAX has none either); "
            "pass full_matrices=False")
    u, sv, vh = _la.svd(x, full_matrices=full_matrices)
    if (lo, hi) != (0, rank):
        u, sv, vh = u[..., :, lo:hi], sv[..., lo:hi], vh[..., lo:hi, :]
    return u, sv, vh


def qdwh(x, *, is_hermitian: bool = False, max_iterations: int | None = None,
         eps: float | None = None, dynamic_shape: tuple[int, int] | None = None):
    """``(u, h, num_iters, is_converged)``: the polar decomposition ``x = u h`` of an
    ``M x N`` matrix (M >= N), u with orthonormal columns and h Hermitian positive
    semi-definite. tensorgrad computes it from the SVD (``tg.scipy.linalg.polar``, with its
    smooth derivatives), not by QDWH's iteration: ``num_iters`` is 0, ``is_converged`` True,
    ``max_iterations`` and ``eps`` have nothing to control."""
    x, s = _matrix("qdwh", "x", x)
    if len(s) != 2:
        raise ValueError(f"lax.linalg.qdwh: x must be one M x N matrix (no batch axes, as in "
                         f"JAX), got shape {s}")
    if s[0] < s[1]:
        raise ValueError(f"lax.linalg.qdwh: the input matrix of shape M x N must have M >= N, "
                         f"got shape {s}")
    if dynamic_shape is not None and tuple(dynamic_shape) != s:
        raise NotImplementedError(f"lax.linalg.qdwh: dynamic_shape={tuple(dynamic_shape)} (a "
                                  f"padded matrix of shape {s}) is not supported")
    u, h = polar(x, side="right")
    return u, h, np.asarray(0), np.asarray(True)


# ---- products and solves ------------------------------------------------------------------
def symmetric_product(a_matrix: ArrayLike, c_matrix: ArrayLike, *, alpha: float = 1.,
                      beta: float = 0., symmetrize_output: bool = False):
    """``alpha · A Aᵀ + beta · C`` (real; A ``[..., m, n]``, C ``[..., m, m]``); with
    ``symmetrize_output`` the upper triangle is the transpose of the lower one."""
    a, sa = _matrix("symmetric_product", "a_matrix", a_matrix, kinds="f")
    c, sc = _matrix("symmetric_product", "c_matrix", c_matrix, square=True, kinds="f")
    if sc[-1] != sa[-2]:
        raise ValueError(f"lax.linalg.symmetric_product: a_matrix [..., m, n] and c_matrix "
                         f"[..., m, m] do not fit: shapes {sa} and {sc}")
    _same_batch("symmetric_product", a_matrix=sa[:-2], c_matrix=sc[:-2])
    out = alpha * (a @ mT(a)) + beta * c
    return tril(out) + mT(tril(out, -1)) if symmetrize_output else out


def triangular_solve(a: ArrayLike, b: ArrayLike, *, left_side: bool = False, lower: bool = False,
                     transpose_a: bool = False, conjugate_a: bool = False,
                     unit_diagonal: bool = False) -> Array:
    """X with ``op(A) X = B`` (``left_side``) or ``X op(A) = B`` (the default), A the
    ``lower`` (or upper) triangle of ``a`` (unit diagonal with ``unit_diagonal``), op(A) its
    transpose with ``transpose_a`` and/or conjugate with ``conjugate_a``. ``b`` is
    ``[..., m, n]`` (``[..., n, m]`` on the right) with a's batch axes, or one vector per
    matrix. Only the triangle read gets a gradient (as in JAX)."""
    a, sa = _matrix("triangular_solve", "a", a, square=True)
    b, sb0 = _array("triangular_solve", "b", b)
    singleton = len(sb0) == len(sa) - 1
    if singleton:
        b = expand_dims(b, -1 if left_side else -2)
    sb = _shape(b)
    m = sa[-1]
    if len(sb) != len(sa) or sb[:-2] != sa[:-2] or sb[-2 if left_side else -1] != m:
        want = f"[..., {m}, n]" if left_side else f"[..., n, {m}]"
        raise ValueError(f"lax.linalg.triangular_solve: incompatible shapes a {sa} and b {sb0}: "
                         f"with left_side={left_side}, b must be {want} with a's batch axes "
                         f"{sa[:-2]} (dtypes {_dtype(a)} and {_dtype(b)})")
    t = _triangle(a, lower, unit_diagonal)
    if transpose_a:
        t = mT(t)
    if conjugate_a and _is_complex(a):
        t = conj(t)
    try:
        x = _la.solve(t, b) if left_side else mT(_la.solve(mT(t), mT(b)))
    except LinAlgError:
        raise LinAlgError(f"lax.linalg.triangular_solve: the triangle of a (shape {sa}, dtype "
                          f"{_dtype(a)}) is singular: a zero on its diagonal") from None
    if singleton:
        return x[..., 0] if left_side else x[..., 0, :]
    return x


def tridiagonal_solve(dl: Array, d: Array, du: Array, b: Array, *,
                      perturb_singular: bool = False) -> Array:
    """X with ``A X = B`` for the tridiagonal A with sub-, main and super-diagonals ``dl``,
    ``d``, ``du`` (each ``[..., m]``; ``dl[..., 0]`` and ``du[..., m-1]`` are not read) and
    ``b`` of shape ``[..., m, n]``. Solved as a dense system (with partial pivoting, like
    LAPACK's gtsv); differentiable in all four."""
    if perturb_singular:
        raise NotImplementedError("lax.linalg.tridiagonal_solve: perturb_singular=True is not "
                                  "supported")
    diags = [_array("tridiagonal_solve", k, v) for k, v in (("dl", dl), ("d", d), ("du", du))]
    b, sb = _array("tridiagonal_solve", "b", b)
    shapes = [s for _, s in diags]
    if len(set(shapes)) > 1 or not shapes[0]:
        raise TypeError(f"lax.linalg.tridiagonal_solve: dl, d and du must be vectors [..., m] "
                        f"of one shape, got shapes {shapes[0]}, {shapes[1]} and {shapes[2]}")
    if len(sb) < 2 or sb[:-1] != shapes[0]:
        raise TypeError(f"lax.linalg.tridiagonal_solve: b must have shape [..., m, n] with "
                        f"[..., m] = {shapes[0]} (the diagonals' shape), got shape {sb}")
    m = shapes[0][-1]
    dt = np.result_type(*(_dtype(v) for v, _ in diags), _dtype(b))
    vals = concatenate([astype(v, dt) for v, _ in diags]
                       + [np.zeros(shapes[0][:-1] + (1,), dt)], axis=-1)
    idx = np.full((m, m), 3 * m)                      # the zero
    i = np.arange(m)
    idx[i, i] = m + i                                 # d[i]
    idx[i[1:], i[1:] - 1] = i[1:]                     # dl[i] at (i, i − 1)
    idx[i[:-1], i[:-1] + 1] = 2 * m + i[:-1]          # du[i] at (i, i + 1)
    try:
        return _la.solve(take(vals, idx, axis=-1), b)
    except LinAlgError:
        raise LinAlgError(f"lax.linalg.tridiagonal_solve: the tridiagonal matrix (diagonals of "
                          f"shape {shapes[0]}, dtype {dt}) is singular") from None


def householder_product(a: ArrayLike, taus: ArrayLike) -> Array:
    """The first n columns of ``H₀ H₁ … H_{k−1}``, ``Hᵢ = I − τᵢ vᵢ vᵢᴴ`` with vᵢ the i-th
    column of ``a`` below the diagonal (and 1 on it): LAPACK's ``orgqr``/``ungqr``, shape of
    ``a`` (``[..., m, n]``, m >= n; ``taus`` ``[..., k]``, k <= n). Differentiable."""
    a, sa, t, _ = _reflectors("householder_product", a, taus)
    if sa[-2] < sa[-1]:
        raise ValueError("lax.linalg.householder_product: a must have at least as many rows as "
                         f"columns, got shape {sa}")
    eye = broadcast_to(np.eye(*sa[-2:], dtype=np.result_type(_dtype(a), _dtype(t))), sa)
    return _apply_reflectors(a, t, eye, True, False)


def ormqr(a: ArrayLike, taus: ArrayLike, c: ArrayLike, *, left: bool = True,
          transpose: bool = False) -> Array:
    """``Q @ c`` (``left``) or ``c @ Q``, with ``Qᴴ`` in its place when ``transpose``, for the Q
    whose Householder reflectors ``a`` and ``taus`` hold (as ``householder_product``), without
    forming Q. Differentiable."""
    a, sa, t, _ = _reflectors("ormqr", a, taus)
    c, sc = _matrix("ormqr", "c", c)
    _same_batch("ormqr", a=sa[:-2], c=sc[:-2])
    m = sa[-2]
    if sc[-2 if left else -1] != m:
        side = "rows" if left else "columns"
        raise ValueError(f"lax.linalg.ormqr: with left={left}, c must have {m} {side} (as a has "
                         f"rows), got a of shape {sa} and c of shape {sc}")
    return _apply_reflectors(a, t, c, left, transpose)


def _reflectors(fn: str, a, taus):
    a, sa = _matrix(fn, "a", a)
    t, st = _array(fn, "taus", taus)
    if not st:
        raise ValueError(f"lax.linalg.{fn}: taus must be [..., k], got shape {st}")
    _same_batch(fn, a=sa[:-2], taus=st[:-1])
    if st[-1] > min(sa[-2:]):
        raise ValueError(f"lax.linalg.{fn}: taus has {st[-1]} factors, more than the "
                         f"{min(sa[-2:])} reflectors a of shape {sa} can hold")
    return a, sa, t, st


def _apply_reflectors(a, taus, c, left: bool, transpose: bool):
    m, k = _shape(a)[-2], _shape(taus)[-1]
    cplx = _is_complex(a, taus)
    v = tril(a[..., :, :k], -1) + np.eye(m, k, dtype=_dtype(a))
    t = conj(taus) if transpose and cplx else taus
    for i in (reversed(range(k)) if left != transpose else range(k)):
        vi = v[..., :, i:i + 1]                               # [..., m, 1]
        vh = _mH(vi)                                          # [..., 1, m]
        tau = expand_dims(t[..., i:i + 1], -1)
        c = c - tau * (vi @ (vh @ c) if left else (c @ vi) @ vh)
    return c
