"""``tg.linalg`` factorizations: cholesky and qr.

Derivatives, with S the symmetric matrix NumPy's cholesky reads from one
triangle of A (S = tril(A) + tril(A, −1)ᵀ) and Φ the lower triangle with the
diagonal halved:

    cholesky   dL = L Φ(L⁻¹ dS L⁻ᵀ)                 VJP  S̄ = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹
    qr         C = Qᵀ dA R⁻¹,  Ω = tril(C, −1) − tril(C, −1)ᵀ,
               dQ = Q (Ω − C) + dA R⁻¹,  dR = (C − Ω) R
               VJP  N = QᵀQ̄ − R̄Rᵀ,  C̄ = R̄Rᵀ + tril(N − Nᵀ, −1),  Ā = (Q C̄ + (I − QQᵀ) Q̄) R⁻ᵀ

A wide A = [X Y] (M < N) factors as Q R₁ = X and R₂ = Qᵀ Y, and its rules
are those of X's QR plus the product. qr needs R invertible (A of full
column rank, or its first M columns independent when it is wide); cholesky
needs a positive-definite matrix. Q is unique only up to the signs of its
columns (with the rows of R); tensorgrad returns NumPy's choice, and the test
table compares with JAX's after making R's diagonal positive.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..registry import Example, general
from ..staging import call as staged_call
from ..tensor import concrete, torch_made, torch_style, traced_level
from ..typing import ArrayLike  # noqa: F401
from ._util import dtype_of, shape_of
from .decompositions import TG, _adjoint, _conj, _jax_symmetric, _no_derivative, _shape, _solve
from .decompositions import _symmetrized, imag_diagonal
from .linalg_ops import LinAlgError, conj_if_complex, matrix, mT, square, symmetric_from, symmetric_from_transpose
from .selection import tril
from .shape import concatenate, getitem

QRResult = namedtuple("QRResult", ["Q", "R"])


# ---- qr --------------------------------------------------------------------------------------------------------
def _qr_signature(a: ArrayLike):
    """The reduced QR decomposition, packed as ``[Qᵀ | R]`` (k × (M + N), k = min(M, N)).
    ``tg.linalg.qr`` returns NumPy's ``(Q, R)``."""
    matrix("qr", a, complex_ok=True)
    return (a,), ()


def _qr_forward(a):
    q, r = np.linalg.qr(a)
    return np.concatenate([np.swapaxes(q, -1, -2), r], axis=-1)


def _qr_parts(p, m):
    return mT(getitem(p, (Ellipsis, slice(None), slice(0, m)))), \
        getitem(p, (Ellipsis, slice(None), slice(m, None)))


def _columns(x, start, stop=None):
    return getitem(x, (Ellipsis, slice(None), slice(start, stop)))


def _qr_solve(r, b):
    try:
        return _solve(r, b)
    except LinAlgError:
        raise _no_derivative("qr", "R is singular (the columns of A, or its first min(M, N) "
                             "columns, are linearly dependent)",
                             "Keep A of full column rank.") from None


def _qr_jvp_square(Q, R, t):
    """(dQ, dR) of a tall or square A = QR for the tangent t (complex: Qᴴ, and Ω gets
    i·Im diag(C), as JAX's)."""
    B = _adjoint(_qr_solve(_adjoint(R), _adjoint(t)))  # dA R⁻¹
    C = _adjoint(Q) @ B
    L = tril(C, -1)
    omega = L - _adjoint(L)
    im = imag_diagonal(C)
    if im is not None:
        omega = omega + im
    return Q @ (omega - C) + B, (C - omega) @ R


def _qr_vjp_square(Q, R, gQ, gR):
    # the adjoint of the JVP in the Hermitian inner product, applied to conj(ḡ) and conjugated
    # back: the transpose under Re Σ a·b (for real matrices the plain formulas)
    gQ, gR = _conj(gQ), _conj(gR)
    N = _adjoint(Q) @ gQ - gR @ _adjoint(R)
    C_bar = gR @ _adjoint(R) + tril(N - _adjoint(N), -1)
    im = imag_diagonal(N)
    if im is not None:
        C_bar = C_bar + im
    B_bar = Q @ C_bar + gQ - Q @ (_adjoint(Q) @ gQ)
    return _conj(_adjoint(_qr_solve(R, _adjoint(B_bar))))  # B̄ R⁻ᴴ


def _qr_vjp(g, out, a):
    m, n = _shape(a)[-2:]
    Q, R = _qr_parts(out, m)
    gQ, gR = _qr_parts(g, m)
    if m >= n:
        return _qr_vjp_square(Q, R, gQ, gR)
    # a wide A = [X Y]: Q R1 = X, R2 = Qᴴ Y
    gR2 = _columns(gR, m)
    Y = _columns(a, m)
    X_bar = _qr_vjp_square(Q, _columns(R, 0, m), gQ + _conj(Y @ mT(gR2)), _columns(gR, 0, m))
    return concatenate([X_bar, _conj(Q) @ gR2], axis=-1)


def _qr_jvp(t, out, a):
    m, n = _shape(a)[-2:]
    Q, R = _qr_parts(out, m)
    if m >= n:
        dQ, dR = _qr_jvp_square(Q, R, t)
        return concatenate([mT(dQ), dR], axis=-1)
    dQ, dR1 = _qr_jvp_square(Q, _columns(R, 0, m), _columns(t, 0, m))
    dR2 = _adjoint(dQ) @ _columns(a, m) + _adjoint(Q) @ _columns(t, m)
    return concatenate([mT(dQ), dR1, dR2], axis=-1)


def _qr_gauge(p, m, xp=TG):
    """Packed qr output with each pair (q_i, row i of R) signed so that R_ii is positive."""
    d = xp.diagonal(p[..., :, m:], 0, -2, -1)
    return p * xp.expand_dims(xp.where(xp.less(d, 0.0), -1.0, 1.0), -1)


def jax_qr(jnp, a):
    """JAX's reduced QR packed as tensorgrad's (a wide A = [X Y] as Q R₁ = X, R₂ = Qᵀ Y,
    since JAX differentiates the QR of tall and square matrices only)."""
    m, n = a.shape[-2:]
    if m >= n:
        q, r = jnp.linalg.qr(a)
    else:
        q, r1 = jnp.linalg.qr(a[..., :, :m])
        r = jnp.concatenate([r1, jnp.conj(jnp.swapaxes(q, -1, -2)) @ a[..., :, m:]], axis=-1)
    return jnp.concatenate([jnp.swapaxes(q, -1, -2), r], axis=-1)


qr_packed = general(
    "qr", _qr_forward, vjp={"a": _qr_vjp}, jvp={"a": _qr_jvp}, signature=_qr_signature,
    public=False, call=lambda a: _qr_gauge(qr_packed(a), _shape(a)[-2]),
    jax=lambda jnp, a: _qr_gauge(jax_qr(jnp, a), a.shape[-2], jnp), to_jax=jax_qr,
    symbol="C = Qᵀ dA R⁻¹: dQ = Q(Ω − C) + dA R⁻¹, dR = (C − Ω) R",
    doc="the reduced QR decomposition (packed)",
    examples=[Example(((2, 3, 2),)), Example(((2, 3),))])


def _rows(x, start, stop=None):
    return getitem(x, (Ellipsis, slice(start, stop), slice(None)))


def _complement_parts(Q, Q2, n):
    """JAX's Z = Q_pn (Q_nn − I)⁻¹ and W = Q + Q₂ Z for the Householder complement Q₂ of the
    reduced Q (arXiv 2409.13374, eqs. 32–33)."""
    A = _rows(Q, 0, n) - np.eye(n)
    Z = mT(_solve(mT(A), mT(_rows(Q, n))))
    return Z, Q + Q2 @ Z


def _qr_complement_jvp(t, out, a):
    m, n = _shape(a)[-2:]
    Q, R = _qr_parts(qr_packed(a), m)
    dQ, _ = _qr_jvp_square(Q, R, t)
    Z, W = _complement_parts(Q, out, n)
    # (complex: conjugate transposes, so the second term is conjugate-linear in dQ)
    return dQ @ _adjoint(Z) - W @ _adjoint(_rows(dQ, n) - Z @ _rows(dQ, 0, n))


def _qr_complement_vjp(g, out, a):
    m, n = _shape(a)[-2:]
    Q, R = _qr_parts(qr_packed(a), m)
    Z, W = _complement_parts(Q, out, n)
    M = _conj(mT(g) @ W)  # (the transpose of the JVP under Re Σ a·b)
    gQ = g @ _conj(Z) + concatenate([mT(Z) @ M, -M], axis=-2)
    return _qr_vjp_square(Q, R, gQ, np.zeros(_shape(R), dtype_of(R)))


def _qr_complement_signature(a: ArrayLike):
    """The last M − N columns of the complete Q of a tall A (M > N): LAPACK's Householder
    completion of the reduced Q, whose derivative is JAX's."""
    m, n = matrix("qr", a, complex_ok=True)
    if m <= n:
        raise ValueError(f"qr: the complement of Q needs a tall matrix, got shape {_shape(a)}")
    return (a,), ()


qr_complement = general(
    "qr_complement", lambda a: np.linalg.qr(a, mode="complete")[0][..., :, a.shape[-1]:],
    vjp={"a": _qr_complement_vjp}, jvp={"a": _qr_complement_jvp},
    signature=_qr_complement_signature, public=False,
    jax=lambda jnp, a: jnp.linalg.qr(a, mode="complete")[0][..., :, a.shape[-1]:],
    symbol="dQ₂ = dQ Zᵀ − (Q + Q₂ Z)(dQ_pn − Z dQ_nn)ᵀ, Z = Q_pn (Q_nn − I)⁻¹",
    doc="the extra columns of the complete Q of a tall matrix", complex=True,
    examples=[Example(((4, 2),)), Example(((2, 5, 3),))])


def qr(a: ArrayLike, mode: str = "reduced"):
    """QR decomposition ``(Q, R)`` with orthonormal columns in Q and R upper triangular.

    ``mode='reduced'`` (NumPy's default; Q is M×k, R is k×N) and ``'r'`` (R
    alone; for PyTorch's tensors PyTorch's pair, an empty Q and R) are differentiable
    for every shape, wherever R is invertible.
    ``'complete'`` equals ``'reduced'`` unless M > N; then the extra columns
    of Q are LAPACK's Householder completion, differentiated as JAX does
    (``'raw'`` is computed by NumPy for untraced inputs only).
    """
    m, n = matrix("qr", a, complex_ok=True)
    if mode not in ("reduced", "r", "complete", "raw"):
        raise ValueError(f"qr: unrecognized mode {mode!r}; use 'reduced', 'complete', 'r' or 'raw'")
    if mode == "complete" and m > n:
        Q, R = _qr_parts(qr_packed(a), m)
        zeros = np.zeros(_shape(a)[:-2] + (m - n, n), dtype_of(R))
        return QRResult(concatenate([Q, qr_complement(a)], axis=-1), concatenate([R, zeros], axis=-2))
    if mode == "raw":
        if traced_level(a) >= 0:  # differentiated (a vmap's or a jit's input is not)
            raise ValueError(f"qr: mode='raw' has no derivative (shape "
                             f"{_shape(a)}, dtype {dtype_of(a)}); use mode='reduced' (or 'r'), "
                             "which tensorgrad differentiates for every shape and dtype")
        # NumPy's values; under tg.jit one step of the plan, so each call computes its own
        return staged_call(_qr_numpy, concrete(a), mode)
    Q, R = _qr_parts(qr_packed(a), m)
    if mode == "r" and torch_style(a):  # (PyTorch's form: the pair, with an empty Q)
        return QRResult(torch_made(np.zeros((0,), dtype_of(concrete(R)))), R)
    return R if mode == "r" else QRResult(Q, R)


def _qr_numpy(a, mode):
    return tuple(np.linalg.qr(np.asarray(a), mode=mode))


# ---- cholesky -----------------------------------------------------------------------------------------------
def _cholesky_signature(a: ArrayLike, /, *, upper: bool = False, symmetrize_input: bool = False):
    """The Cholesky factor L (lower, A = L Lᵀ) or, with ``upper=True``, U = Lᵀ.

    NumPy reads one triangle of A (the lower, or the upper with ``upper=True``);
    so does tensorgrad, and the derivative flows into that triangle:
    dL = L Φ(L⁻¹ dS L⁻ᵀ) with Φ the lower triangle, diagonal halved. A complex A is
    Hermitian (A = L Lᴴ, U = Lᴴ): dL = L Φ(L⁻¹ dS L⁻ᴴ). ``symmetrize_input=True`` (JAX's
    default) factors (A + Aᴴ)/2 instead, so the derivative reaches both triangles.
    """
    square("cholesky", a, complex_ok=True)
    if symmetrize_input:
        a = _symmetrized("cholesky", a, True)
    return (a,), (bool(upper),)


def _cholesky_forward(a, upper):
    try:
        return np.linalg.cholesky(a, upper=upper)
    except LinAlgError:
        v = np.asarray(a)
        raise LinAlgError(
            f"cholesky: the matrix is not positive definite (shape {v.shape}, dtype {v.dtype}; "
            f"its {'upper' if upper else 'lower'} triangle is read, as by NumPy); "
            "a Cholesky factor exists only for symmetric (Hermitian, if complex) positive-definite "
            "matrices") from None


def _phi(X):
    """The lower triangle with the diagonal halved (self-adjoint: a mask)."""
    return tril(X) - 0.5 * (X * np.eye(shape_of(X)[-1], dtype=dtype_of(X)))


def _cholesky_vjp(g, out, a, upper):
    # (complex: the transpose of the JVP under Re Σ a·b, S̄ = L⁻ᵀ Φ(Lᵀ L̄) conj(L)⁻¹)
    L = _adjoint(out) if upper else out
    gL = _adjoint(g) if upper else g
    Y = _solve(mT(L), _phi(mT(L) @ gL))            # L⁻ᵀ Φ(Lᵀ L̄)
    S_bar = mT(_solve(_adjoint(L), mT(Y)))          # … L⁻¹ (conj(L)⁻¹)
    return symmetric_from_transpose(S_bar, lower=not upper)


def _cholesky_jvp(t, out, a, upper):
    L = _adjoint(out) if upper else out
    Y = _solve(L, symmetric_from(t, lower=not upper))  # L⁻¹ dS
    X = _adjoint(_solve(L, _adjoint(Y)))                # L⁻¹ dS L⁻ᵀ (L⁻ᴴ)
    dL = L @ _phi(X)
    return _adjoint(dL) if upper else dL


cholesky = general(
    "cholesky", _cholesky_forward, vjp={"a": _cholesky_vjp}, jvp={"a": _cholesky_jvp},
    signature=_cholesky_signature, params=("upper",), public=False,
    jax=lambda jnp, a, upper=False: jnp.linalg.cholesky(_jax_symmetric(jnp, a, not upper),
                                                        upper=upper),
    symbol="dL = L Φ(L⁻¹ dS L⁻ᵀ)", doc="the Cholesky factor of a positive-definite matrix",
    domain="spd",
    examples=[Example(((3, 3),)), Example(((2, 2, 2),), {"upper": True})])
