"""The determinant and its derivatives of every order, also at and near singular matrices.

The first three derivatives of det at A, as forms in directions T, T', T'':

    d det[T]            = ⟨C, T⟩,   C = det(A) A⁻ᵀ (the cofactor matrix)
    d²det[T, T']        = ⟨dC[T], T'⟩
    d³det[T, T', T'']   = ⟨d²C[T, T'], T''⟩

Each form is symmetric in its directions, so the cotangent rules are the tangent rules
again: the VJP of C with cotangent G is dC[G], and the one of dC[T] with cotangent G is
dC[G] (w.r.t. T) and d²C[T, G] (w.r.t. A). Under the pairing ⟨X, Y⟩ = Σ X_ij Y_ij (no
conjugate: complex matrices follow JAX's convention) this holds for complex A as well.

Writing C and dC through A⁻¹ loses digits like the condition number of A: at a matrix
with det ≈ 1e-16 the Hessian ``tr(A⁻¹T) C − C (A⁻¹T)ᵀ`` is the difference of two terms
of size 1e16. tensorgrad therefore computes both from an SVD A = U S Vᴴ, with
q_i = ∏_{k≠i} s_k and q_ij = ∏_{k≠i,j} s_k (products, never quotients) and T̃ = Uᴴ T V:

    C      = σ · Ū diag(q) V̄ᴴ                         σ = det(U) det(Vᴴ)
    dC[T]  = σ · Ū M V̄ᴴ,   M_jj = Σ_{i≠j} q_ij T̃_ii,   M_ij = −q_ij T̃_ji  (i ≠ j)

which are exact at any rank (dC vanishes at rank n − 3 and below). Third and higher
derivatives use A⁻¹; they need a matrix that keeps half of the digits (condition number
below 1/√eps) and raise ``LinAlgError`` otherwise.
"""
from __future__ import annotations

import numpy as np

from ..recording import bind
from ..registry import Example, general
from ..staging import check as staged_check
from ..typing import ArrayLike
from ._util import concrete, lift_tangent, nan_if_not_finite, ndim_of
from .linalg_ops import LinAlgError, mT, solve, square
from .reductions import sum as _sum
from .selection import diagonal
from .shape import expand_dims

__all__ = ["det", "cofactor", "cofactor_dir"]


# ---- products of the singular values but one or two -------------------------------------
def _products(s: np.ndarray):
    """``q`` (…, n) with q_i = ∏_{k≠i} s_k and ``Q`` (…, n, n) with Q_ij = ∏_{k≠i,j} s_k
    off the diagonal and 0 on it, from prefix, suffix and range products (no division, so
    zero singular values are exact)."""
    n = s.shape[-1]
    ones = np.ones(s.shape[:-1] + (1,), s.dtype)
    pre = np.cumprod(np.concatenate([ones, s], axis=-1), axis=-1)             # ∏_{k<i}, i = 0…n
    suf = np.cumprod(np.concatenate([ones, s[..., ::-1]], axis=-1), axis=-1)[..., ::-1]  # ∏_{k≥i}
    q = pre[..., :n] * suf[..., 1:]
    k = np.arange(n)
    # between[i, j] = ∏_{i<k<j} s_k (for j > i): running products of the entries after i
    after = np.where(k[None, :] > k[:, None], s[..., None, :], 1.0)
    running = np.cumprod(after, axis=-1)
    between = np.concatenate([np.ones(s.shape[:-1] + (n, 1), s.dtype), running[..., :, :-1]], axis=-1)
    upper = np.triu(pre[..., :n, None] * between * suf[..., None, 1:], 1)
    return q, upper + np.swapaxes(upper, -1, -2)


def _float(*arrays) -> np.dtype:
    """The inexact dtype of a result computed from ``arrays`` (integers give float64)."""
    return np.result_type(*(np.result_type(x) for x in arrays), np.float16)


def _svd_parts(a: np.ndarray):
    """Ū, V̄ᴴ (conjugated factors: C and dC are written in them), σ, q and Q of ``a``."""
    u, s, vh = nan_if_not_finite(np.linalg.svd, a)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    q, Q = _products(s)
    return np.conj(u), np.conj(vh), sign[..., None, None], q, Q


# ---- the cofactor matrix C = det(A) A⁻ᵀ ----------------------------------------------------
def _cofactor_forward(a):
    """det(A)·A⁻ᵀ through the inverse (exact to rounding for first derivatives, as the
    inverse's error lies along the direction det(A) scales away), or from an SVD when A is
    singular to working precision."""
    try:
        inv_t = np.swapaxes(np.linalg.inv(a), -1, -2)
        sign, logdet = np.linalg.slogdet(a)
        if np.any(sign == 0):
            raise LinAlgError("singular")
    except LinAlgError:
        ub, vhb, sign, q, _ = _svd_parts(a)
        return (sign * (ub * q[..., None, :]) @ vhb).astype(_float(a), copy=False)
    sign, logdet = sign[..., None, None], logdet[..., None, None]
    if np.all(np.abs(logdet) < 700):
        return (sign * np.exp(logdet)).astype(inv_t.dtype, copy=False) * inv_t
    # det(A) itself under- or overflows (A = 1e-110·I): each entry from its logarithm, so a
    # cofactor that is a float comes out as one
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        mag = np.abs(inv_t)
        unit = np.where(mag > 0, inv_t / np.where(mag > 0, mag, 1), 0)
        return (sign * unit * np.exp(logdet + np.log(mag))).astype(inv_t.dtype, copy=False)


def _cofactor_signature(a: ArrayLike):
    """The cofactor matrix det(A)·A⁻ᵀ (the gradient of det), defined at every A."""
    square("cofactor", a, complex_ok=True)
    return (a,), ()


def _cofactor_rule(t, out, a):
    return bind(cofactor_dir.op, (a, t), ())


cofactor = general(
    "cofactor", _cofactor_forward,
    vjp={"a": _cofactor_rule}, jvp={"a": _cofactor_rule},
    signature=_cofactor_signature, public=False,
    jax=lambda jnp, a: jnp.linalg.det(a)[..., None, None] * jnp.swapaxes(jnp.linalg.inv(a), -1, -2),
    symbol="dC[T] = σ Ū M V̄ᴴ (from an SVD; exact at any rank)",
    doc="the cofactor matrix det(A)·A⁻ᵀ", domain="wellcond",
    examples=[Example(((3, 3),)), Example(((2, 2, 2),))])


# ---- its derivative dC[T] -------------------------------------------------------------------
def _cofactor_dir_forward(a, t):
    ub, vhb, sign, _, Q = _svd_parts(a)
    tt = np.swapaxes(ub, -1, -2) @ t @ np.swapaxes(vhb, -1, -2)   # T̃ = Uᴴ T V
    diag_t = np.diagonal(tt, 0, -2, -1)
    m = -Q * np.swapaxes(tt, -1, -2)
    n = a.shape[-1]
    m[..., np.arange(n), np.arange(n)] = (Q @ diag_t[..., None])[..., 0]
    return (sign * ub @ m @ vhb).astype(_float(a, t), copy=False)


def _cofactor_dir_signature(a: ArrayLike, t: ArrayLike):
    """dC[T], the derivative of the cofactor matrix C(A) = det(A)·A⁻ᵀ in the direction T
    (the Hessian of det applied to T); A and T are square, their stack axes broadcast."""
    n = square("cofactor_dir", a, complex_ok=True)
    ts = np.shape(concrete(t))
    if len(ts) < 2 or ts[-2:] != (n, n):
        raise ValueError(f"cofactor_dir: the direction T of shape {ts} does not fit A of shape "
                         f"{np.shape(concrete(a))}: it must be (..., {n}, {n})")
    return (a, t), ()


def _trace(x):
    return _sum(diagonal(x, 0, -2, -1), axis=-1)


def _check_conditioned(a) -> None:
    """Third derivatives of det go through A⁻¹: refuse a matrix that would lose more than
    half of the digits."""
    a = np.asarray(a)
    eps = np.finfo(a.dtype if a.dtype.kind in "fc" else np.float64).eps
    with np.errstate(all="ignore"):
        c = np.linalg.cond(a) if a.size else np.zeros(())
    if not np.all(c * np.sqrt(eps) < 1):
        raise LinAlgError(f"det: third and higher derivatives need a well-conditioned matrix "
                          f"(condition number {float(np.max(c)):.3g} ≥ 1/√eps = {1 / np.sqrt(eps):.3g}; "
                          f"shape {a.shape}, dtype {a.dtype}); first and second derivatives are "
                          f"exact at any matrix")


def _second_dir(a, t, s):
    """d²C[T, S] = C·[(tr X tr Y − tr XY) I − tr X Yᵀ − tr Y Xᵀ + (XY)ᵀ + (YX)ᵀ] with
    X = A⁻¹T, Y = A⁻¹S: tensorgrad ops, so it is differentiable again."""
    staged_check(_check_conditioned, concrete(a))
    c = bind(cofactor.op, (a,), ())
    x = bind(solve.op, (a, t), (False,))
    y = bind(solve.op, (a, s), (False,))
    tx, ty = _trace(x), _trace(y)
    xy, yx = x @ y, y @ x
    scalar = expand_dims(tx * ty - _trace(xy), (-2, -1)) * np.eye(np.shape(concrete(a))[-1])
    return c @ (scalar - expand_dims(tx, (-2, -1)) * mT(y) - expand_dims(ty, (-2, -1)) * mT(x)
                + mT(xy) + mT(yx))


cofactor_dir = general(
    "cofactor_dir", _cofactor_dir_forward,
    vjp={"a": lambda g, out, a, t: _second_dir(a, t, g),
         "t": lambda g, out, a, t: bind(cofactor_dir.op, (a, g), ())},
    jvp={"a": lambda s, out, a, t: _second_dir(a, t, lift_tangent(s, a, ndim_of(out))),
         "t": lambda s, out, a, t: bind(cofactor_dir.op, (a, lift_tangent(s, t, ndim_of(out))), ())},
    signature=_cofactor_dir_signature, public=False,
    jax=lambda jnp, a, t: (lambda c, x: jnp.trace(x, axis1=-2, axis2=-1)[..., None, None] * c
                           - c @ jnp.swapaxes(x, -1, -2))(
        jnp.linalg.det(a)[..., None, None] * jnp.swapaxes(jnp.linalg.inv(a), -1, -2),
        jnp.linalg.solve(a, t)),
    symbol="d²C[T, ·] through A⁻¹ (a well-conditioned A)",
    doc="the derivative of the cofactor matrix in a direction T", domain="wellcond",
    examples=[Example(((3, 3), (3, 3))), Example(((2, 3, 3), (3, 3)))])


# ---- det --------------------------------------------------------------------------------------
def _det_signature(a: ArrayLike):
    """The determinant of a square matrix (or of each matrix of a stack).

    Its gradient is the cofactor matrix det(A)·A⁻ᵀ; it and the Hessian are exact at every
    matrix, singular ones included (computed from an SVD where A⁻¹ would lose digits).
    Third and higher derivatives need a well-conditioned matrix.
    """
    square("det", a, complex_ok=True)
    return (a,), ()


det = general(
    "det", np.linalg.det,
    vjp={"a": lambda g, out, a: expand_dims(g, (-2, -1)) * bind(cofactor.op, (a,), ())},
    jvp={"a": lambda t, out, a: _sum(bind(cofactor.op, (a,), ()) * t, axis=(-2, -1))},
    signature=_det_signature, public=False, jax="jax.numpy.linalg.det",
    symbol="det(A) A⁻ᵀ (the cofactor matrix)", doc="the determinant", domain="wellcond",
    examples=[Example(((3, 3),)), Example(((2, 2, 2),))])
