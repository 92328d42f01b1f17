"""``tg.linalg`` spectral decompositions: eigh, eigvalsh, svd, svdvals (cholesky and qr are in
:mod:`tensorgrad.ops.factorizations`).

A decomposition has several outputs; the engine records one array per op, so
each registered op returns its outputs packed into one array (eigh: the
eigenvalues as row 0 above the eigenvectors) and the public function unpacks
them with slices (``tg.linalg.eigh(A)`` is NumPy's ``(eigenvalues,
eigenvectors)``). Derivatives, for S symmetric (eigh reads one triangle of A,
as NumPy does: S = tril(A) + tril(A, −1)ᵀ), with F_ij = 1/(λ_j − λ_i) off the
diagonal and 0 on it:

    eigh       dλ = diag(Vᵀ dS V),  dV = V (F ∘ Vᵀ dS V)
    svd        dP = Uᵀ dA V,  ds = diag(dP),  dU = U (F ∘ (dP S + S dPᵀ)) + (I − UUᵀ) dA V S⁻¹,
               dV = V (F ∘ (S dP + dPᵀ S)) + (I − VVᵀ) dAᵀ U S⁻¹   (F_ij = 1/(s_j² − s_i²))

and the VJPs are their transposes (written out below).

**Where there is no derivative.** At repeated eigenvalues (or singular
values) the eigenvectors of the repeated ones are not unique: any rotation
within their eigenspace is as good, and F has 1/0 entries. Eigenvalues (and
singular values) closer than ``n·ε·max|λ|`` count as repeated. Then:

* if the cotangent of those eigenvectors is exactly zero (the loss does not
  use them) they contribute nothing, and the result is exact;
* otherwise tensorgrad raises ``LinAlgError`` rather than return inf, NaN or a
  value that depends on LAPACK's arbitrary choice of basis. In forward mode
  it raises when the tangent mixes the repeated eigenvectors.
* the eigenvalues themselves (eigvalsh, svdvals, or the eigenvalue part of
  eigh) are differentiable at a repeated eigenvalue only through symmetric
  functions of the repeated ones (their sum, say): a cotangent that gives
  them different weights, or a tangent that splits them, raises.

The same holds for svd (with F_ij = 1/(s_j² − s_i²)); for a non-square A the
(I − UUᵀ) and (I − VVᵀ) terms divide by s, so columns whose singular value is
0 raise when their cotangent is nonzero. Zero singular values themselves
(svdvals, the nuclear norm) get the subgradient u_i v_iᵀ, like |x| at 0.

Eigenvectors and singular vectors are unique only up to sign; tensorgrad
returns NumPy's (LAPACK's) choice. The test table compares them with JAX's
after fixing each sign (the largest entry of each eigenvector and left
singular vector positive), a gauge-invariant form of the same values.
"""
from __future__ import annotations

from collections import namedtuple
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np

from ..registry import Example, general
from ..staging import call as staged_call, check as staged_check, is_staged, trace_values
from ..tensor import Tensor, traced_level
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import concrete, dtype_of, nan_if_not_finite, shape_of
from .elementwise import abs as _abs
from .elementwise import astype as _astype, equal, less, where
from .reductions import max as _max
from .reductions import sum as _sum
from .linalg_ops import LinAlgError, eps_of, matrix, mT, square, symmetric_from, symmetric_from_transpose
from .linalg_ops import conj_if_complex, pinv
from .linalg_ops import solve as _solve_fn
from .complex_ops import conj_part, imag_part, make_complex, real_if_complex
from .linalg import matmul
from .selection import diagonal
from .shape import concatenate, expand_dims, getitem, reshape

EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])


def _shape(x) -> tuple:
    return shape_of(concrete(x))


def _rows(p, start, stop):
    return getitem(p, (Ellipsis, slice(start, stop), slice(None)))


def _solve(a, b):
    """A⁻¹ B for matrices (stack axes broadcast): the registered solve."""
    return _solve_fn.op(a, b)


# ---- repeated eigenvalues and singular values ----------------------------------------------------
_VALUES = {"eigh": "eigenvalues", "eigvalsh": "eigenvalues", "svd": "singular values",
           "svdvals": "singular values"}
_VECTORS = {"eigh": "eigenvectors", "svd": "singular vectors"}


def _repeated(values, n: int, check=None, arg=None):
    """Pairs (i ≠ j) of values closer than n·ε·max|value|, per matrix of the stack: (mask, any).

    ``check(mask, arg)``, when given, runs on them if any repeat (here, or at each replay).
    Under tg.jit a rule that is itself differentiated (a Tensor of staged values) cannot be
    replayed as one opaque call: its pairs are those of the values seen while tracing, and
    each replay checks them again, so it never takes another form silently (with ``check``,
    the replay runs ``check`` on its own pairs instead)."""
    v = concrete(values)
    if type(values) is Tensor and is_staged(v):
        mask = _repeat_mask(np.asarray(trace_values(v)), n)
        if check is None:
            staged_check(_same_repeats, v, n, mask)
        else:
            staged_check(_replay_check, v, n, check, concrete(arg))
            return mask, False  # (checked at each replay)
    else:
        mask = _repeat_mask(np.asarray(v), n)
    if check is not None and mask.any():
        check(mask, arg)
    return mask, bool(mask.any())


def _repeat_mask(v, n: int):
    tol = n * eps_of(v) * np.max(np.abs(v), axis=-1, keepdims=True, initial=0.0)[..., None]
    return (np.abs(v[..., None, :] - v[..., :, None]) <= tol) & ~np.eye(v.shape[-1], dtype=bool)


def _replay_check(v, n: int, check, arg) -> None:
    mask = _repeat_mask(np.asarray(v), n)
    if mask.any():
        check(mask, arg)


def _same_repeats(v, n: int, mask) -> None:
    if not np.array_equal(_repeat_mask(np.asarray(v), n), mask):
        raise LinAlgError("tg.jit: the eigenvalues (or singular values) that repeat are not those "
                          "seen when the function was traced, and the derivative takes another "
                          "form there; call the function without tg.jit for these values")


def _inverse_gaps(diff, mask):
    """1/diff off the diagonal; 0 on it and on repeated pairs (whose use is checked first)."""
    zero = mask | np.eye(shape_of(diff)[-1], dtype=bool)
    return where(zero, 0.0, 1.0 / where(zero, 1.0, diff))


def _no_derivative(name: str, why: str, fix: str) -> LinAlgError:
    return LinAlgError(f"{name}: {why}; the derivative does not exist there. {fix}")


_SEPARATE = "Perturb the matrix so that they separate"


def _check_vectors_unused(name, mask, *cotangents):
    """Reverse mode: repeated pairs (i, j) whose vectors (columns i, j) get a nonzero cotangent."""
    used = np.zeros(mask.shape, dtype=bool)
    for c in cotangents:
        col = np.any(np.asarray(concrete(c)) != 0, axis=-2)  # (batch…, stack…, k)
        used = used | col[..., :, None] | col[..., None, :]
    if np.any(used & mask):
        raise _no_derivative(
            name, f"the loss uses {_VECTORS[name]} of repeated {_VALUES[name]}, which are unique "
            "only up to a rotation within their shared space",
            f"Use the {_VALUES[name]} alone (tg.linalg.{'eigvalsh' if name == 'eigh' else 'svdvals'}) "
            f"or {_SEPARATE.lower()} (any use of those vectors raises here, even a function of "
            "their whole space such as a projector)")


def _rtol(v) -> float:
    """The relative tolerance of the checks below: 1e-10, or a few dozen units of rounding in
    a lower precision (float32 cotangents of values counted as repeated differ by an ulp)."""
    dt = np.asarray(v).dtype
    return max(1e-10, 64 * float(np.finfo(dt).eps)) if dt.kind in "fc" else 1e-10


def _check_weights_equal(name, mask, weights):
    """Reverse mode: repeated values must enter the loss symmetrically (equal cotangents)."""
    w = np.asarray(concrete(weights))
    scale = _rtol(w) * np.max(np.abs(w), axis=-1, keepdims=True)[..., None] if w.size else 0
    if np.any((np.abs(w[..., None, :] - w[..., :, None]) > scale) & mask):
        raise _no_derivative(
            name, f"repeated {_VALUES[name]} get different cotangents, but only symmetric "
            "functions of them (their sum, say) are differentiable", _SEPARATE + ".")


def _check_tangent(name, mask, block):
    """Forward mode: on repeated pairs the tangent's block must be a multiple of the identity
    (otherwise it splits the repeated values and turns their vectors)."""
    m = np.asarray(concrete(block))
    scale = _rtol(m) * (np.max(np.abs(m), axis=(-2, -1), keepdims=True) if m.size else 0)
    d = np.diagonal(m, 0, -2, -1)
    if np.any(((np.abs(m) > scale) | (np.abs(d[..., None, :] - d[..., :, None]) > scale)) & mask):
        raise _no_derivative(
            name, f"the tangent splits repeated {_VALUES[name]}",
            _SEPARATE + ", or use reverse mode (tg.grad, tg.jacrev), which sees whether the "
            "loss uses them symmetrically.")


# ---- gauge-fixed forms for the test table ------------------------------------------------------------
# Written once for both backends: ``xp`` is tensorgrad's ops (TG) or jax.numpy, so the
# table's tensorgrad side runs under tg.to_jax as the very program of its JAX side.
TG = SimpleNamespace(abs=_abs, max=_max, sum=_sum, equal=equal, less=less, where=where,
                     concatenate=concatenate, diagonal=diagonal, expand_dims=expand_dims,
                     conj=conj_part)


def column_signs(v, xp=TG):
    """±1 per column of v: the sign that makes the column's largest-magnitude entry positive
    (a constant: no derivative flows through it)."""
    a = xp.abs(v)
    top = xp.equal(a, xp.max(a, axis=-2, keepdims=True))
    big = xp.sum(xp.where(top, v, 0.0), axis=-2, keepdims=True)
    if np.iscomplexobj(concrete(v)) if xp is TG else xp.iscomplexobj(v):
        # a complex column's phase: the factor that makes that entry real and positive
        # (it depends on v, so derivatives flow through it, on both sides of a comparison)
        return xp.conj(big) / xp.abs(big)
    return xp.where(xp.less(big, 0.0), -1.0, 1.0)


def _jax_symmetric(jnp, a, lower):
    if jnp.iscomplexobj(a):  # Hermitian, the diagonal's imaginary part ignored (as LAPACK)
        strict = jnp.tril(a, -1) if lower else jnp.triu(a, 1)
        return strict + jnp.conj(jnp.swapaxes(strict, -1, -2)) + jnp.real(
            jnp.diagonal(a, 0, -2, -1))[..., None] * jnp.eye(a.shape[-1])
    if lower:
        return jnp.tril(a) + jnp.swapaxes(jnp.tril(a, -1), -1, -2)
    return jnp.triu(a) + jnp.swapaxes(jnp.triu(a, 1), -1, -2)


# ---- eigh ------------------------------------------------------------------------------------------
def _uplo(UPLO) -> bool:
    if isinstance(UPLO, bool):  # the op's normalized parameter: True for the lower triangle
        return UPLO
    u = str(UPLO).upper()
    if u not in ("L", "U"):
        raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    return u == "L"


def _eigh_signature(a: ArrayLike, UPLO: str = "L"):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, packed as one array:
    ``[..., 0, :]`` the eigenvalues, ``[..., 1:, :]`` the eigenvectors (columns).

    ``tg.linalg.eigh`` returns the pair ``(eigenvalues, eigenvectors)``. Only the
    triangle named by ``UPLO`` is read (NumPy's convention), so the derivative
    flows into that triangle.
    """
    square("eigh", a, complex_ok=True)
    return (a,), (_uplo(UPLO),)


def _eigh_forward(a, lower):
    w, v = np.linalg.eigh(a, UPLO="L" if lower else "U")
    return np.concatenate([w[..., None, :].astype(v.dtype), v], axis=-2)


def _eigh_parts(p):
    """The eigenvalues (real) and eigenvectors of a packed eigh output (or its cotangent)."""
    w = getitem(p, (Ellipsis, 0, slice(None)))
    return real_if_complex(w), _rows(p, 1, shape_of(p)[-1] + 1)


def _adjoint(v):
    """vᴴ: the conjugate transpose (the transpose of a real matrix)."""
    return conj_part(mT(v)) if dtype_of(concrete(v)).kind == "c" else mT(v)


_conj = conj_if_complex


def _eigh_vjp(g, out, a, lower):
    w, V = _eigh_parts(out)
    gw, gV = _eigh_parts(g)
    n = shape_of(w)[-1]
    mask, repeated = _repeated(w, n)
    if repeated:
        _check_vectors_unused("eigh", mask, gV)
        _check_weights_equal("eigh", mask, gw)
    F = _inverse_gaps(expand_dims(w, -2) - expand_dims(w, -1), mask)
    inner = F * (mT(V) @ gV) + expand_dims(gw, -2) * np.eye(n, dtype=dtype_of(w))
    # (complex: dw = Re diag(Vᴴ dS V), dV = V (F ∘ Vᴴ dS V); transposed under Re Σ a·b)
    return symmetric_from_transpose(_conj(V) @ inner @ mT(V), lower)


def _eigh_jvp(t, out, a, lower):
    w, V = _eigh_parts(out)
    M = _adjoint(V) @ symmetric_from(t, lower) @ V
    mask, repeated = _repeated(w, shape_of(w)[-1])
    if repeated:
        _check_tangent("eigh", mask, M)
    F = _inverse_gaps(expand_dims(w, -2) - expand_dims(w, -1), mask)
    dw = real_if_complex(diagonal(M, 0, -2, -1))
    return concatenate([expand_dims(dw, -2), V @ (F * M)], axis=-2)


def _eigh_gauge(p, xp=TG):
    """Packed eigh output with each eigenvector's sign fixed (largest entry positive)."""
    V = p[..., 1:, :]
    return xp.concatenate([p[..., :1, :], V * column_signs(V, xp)], axis=-2)


def jax_eigh(jnp, a, UPLO="L"):
    """JAX's eigh packed as tensorgrad's (UPLO: 'L'/'U', or the op's parameter, True for 'L')."""
    w, v = jnp.linalg.eigh(_jax_symmetric(jnp, a, _uplo(UPLO)))
    return jnp.concatenate([w[..., None, :], v], axis=-2)


eigh_packed = general(
    "eigh", _eigh_forward, vjp={"a": _eigh_vjp}, jvp={"a": _eigh_jvp},
    signature=_eigh_signature, params=("UPLO",), public=False,
    call=lambda a, **p: _eigh_gauge(eigh_packed(a, **p)),
    jax=lambda jnp, a, UPLO="L": _eigh_gauge(jax_eigh(jnp, a, UPLO), jnp), to_jax=jax_eigh,
    symbol="dλ = diag(Vᵀ dS V), dV = V (F ∘ Vᵀ dS V)",
    doc="eigenvalues and eigenvectors of a symmetric matrix (packed)",
    examples=[Example(((3, 3),)), Example(((2, 2, 2),), {"UPLO": "U"})])


def _symmetrized(name: str, a, symmetrize_input: bool):
    """``(a + aᴴ)/2`` when ``symmetrize_input`` (JAX's keyword), else ``a`` itself."""
    if not symmetrize_input:
        return a
    square(name, a, complex_ok=True)
    if dtype_of(a).kind in "biu":  # in float64, as NumPy's linalg (a bool + is an or)
        a = _astype(a, np.float64)
    return (a + conj_if_complex(mT(a))) / 2


def eigh(a: ArrayLike, UPLO: str = "L", symmetrize_input: bool = False) -> EighResult:
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix or stack.

    Reads only the triangle ``UPLO`` names (``'L'``: lower, NumPy's default), so the
    gradient lies in that triangle. ``symmetrize_input=True`` (JAX's keyword, and its
    default) decomposes ``(a + aᴴ)/2`` instead, which gives JAX's symmetric gradient.
    At repeated eigenvalues the eigenvectors have no derivative: a loss that
    uses them raises ``LinAlgError`` (see :mod:`tensorgrad.ops.decompositions`).
    """
    w, V = _eigh_parts(eigh_packed(_symmetrized("eigh", a, symmetrize_input), UPLO))
    return EighResult(w, V)


# ---- eigvalsh ------------------------------------------------------------------------------------------
def _eigvalsh_signature(a: ArrayLike, UPLO: str = "L"):
    """Eigenvalues (ascending) of a symmetric matrix (the triangle ``UPLO`` is read).

    dλ_i = v_iᵀ dS v_i. Repeated eigenvalues are differentiable only through
    symmetric functions of them (their sum, say); otherwise differentiating raises.
    """
    square("eigvalsh", a, complex_ok=True)
    return (a,), (_uplo(UPLO),)


def _eigenvectors(a, lower):
    return _eigh_parts(eigh_packed(a, "L" if lower else "U"))[1]


def _eigvalsh_vjp(g, out, a, lower):
    _repeated(out, shape_of(out)[-1], lambda m, w: _check_weights_equal("eigvalsh", m, w), g)
    V = _eigenvectors(a, lower)
    return symmetric_from_transpose((_conj(V) * expand_dims(g, -2)) @ mT(V), lower)


def _eigvalsh_jvp(t, out, a, lower):
    V = _eigenvectors(a, lower)
    M = _adjoint(V) @ symmetric_from(t, lower) @ V
    _repeated(out, shape_of(out)[-1], lambda m, d: _check_tangent("eigvalsh", m, d), M)
    return real_if_complex(diagonal(M, 0, -2, -1))


_eigvalsh = general(
    "eigvalsh", lambda a, lower: np.linalg.eigvalsh(a, UPLO="L" if lower else "U"),
    vjp={"a": _eigvalsh_vjp}, jvp={"a": _eigvalsh_jvp}, signature=_eigvalsh_signature,
    params=("UPLO",), public=False,
    jax=lambda jnp, a, UPLO="L": jnp.linalg.eigvalsh(_jax_symmetric(jnp, a, _uplo(UPLO))),
    symbol="dλ_i = v_iᵀ dS v_i", doc="eigenvalues of a symmetric matrix",
    examples=[Example(((2, 3, 3),), {"UPLO": "U"})])


def eigvalsh(a: ArrayLike, UPLO: str = "L", symmetrize_input: bool = False) -> Array:
    """Eigenvalues (ascending) of a symmetric matrix or stack, read from the triangle ``UPLO``
    names; of ``(a + aᴴ)/2`` with ``symmetrize_input=True`` (JAX's keyword and default)."""
    return _eigvalsh(_symmetrized("eigvalsh", a, symmetrize_input), UPLO)


# ---- svd ------------------------------------------------------------------------------------------------
def _svd_signature(a: ArrayLike):
    """The reduced SVD A = U diag(s) Vᵀ, packed as rows ``[U; s; V]`` of width k = min(M, N)
    (``V = Vhᴴ``). ``tg.linalg.svd`` returns NumPy's ``(U, S, Vh)``. A complex A packs complex
    rows (s real in value); the derivatives are JAX's (``ds = Re diag(Uᴴ dA V)``; the phase
    shared by u_j and v_j moves as ``i Im(Uᴴ dA V)_jj / s_j`` on U)."""
    matrix("svd", a, complex_ok=True)
    return (a,), ()


def _svd_forward(a):
    u, s, vh = nan_if_not_finite(np.linalg.svd, a, full_matrices=False)
    return np.concatenate([u, s[..., None, :].astype(u.dtype), np.conj(np.swapaxes(vh, -1, -2))],
                          axis=-2)


def _svd_parts(p, m):
    return (_rows(p, 0, m), real_if_complex(getitem(p, (Ellipsis, m, slice(None)))),
            _rows(p, m + 1, shape_of(p)[-2]))


def imag_diagonal(M, scale=1.0):
    """i·Im(diag M)/scale as a diagonal matrix, None for a real M: the term of complex SVD's
    phase (u_j and v_j share it; scale s) and of complex QR's real diagonal of R."""
    if dtype_of(concrete(M)).kind != "c":
        return None
    return make_complex(0.0, expand_dims(imag_part(diagonal(M, 0, -2, -1)) / scale, -1)
                        * np.eye(shape_of(M)[-1]))


def _zero_values(sv, n: int):
    """Singular values that count as zero (no 1/s_j for them): at most n·ε·max s."""
    return sv <= n * eps_of(sv) * np.max(sv, axis=-1, keepdims=True, initial=0.0)


def _same_zeros(sv, n: int, zero) -> None:
    if not np.array_equal(_zero_values(np.asarray(sv), n), zero):
        raise LinAlgError("tg.jit: the singular values that are zero are not those seen when "
                          "the function was traced, and the derivative takes another form "
                          "there; call the function without tg.jit for these values")


def _plain_values(x):
    """The values of ``x``; for a rule differentiated under tg.jit (staged values), those seen
    while tracing (a decision made on them is checked again at each replay)."""
    v = concrete(x)
    return np.asarray(trace_values(v) if is_staged(v) else v)


def _svd_setup(out, a):
    m, n = _shape(a)[-2:]
    U, s, V = _svd_parts(out, m)
    k = min(m, n)
    mask, repeated = _repeated(s, max(m, n))
    zero = _zero_values(_plain_values(s), max(m, n))  # s_j = 0: no 1/s_j
    if is_staged(concrete(s)):
        staged_check(_same_zeros, concrete(s), max(m, n), zero)
    s2 = s * s
    F = _inverse_gaps(expand_dims(s2, -2) - expand_dims(s2, -1), mask)
    s_row = expand_dims(where(zero, 1.0, s), -2)  # divides column j by s_j (1 where s_j = 0)
    return m, n, k, U, s, V, mask, repeated, zero, F, s_row


def _svd_vjp(g, out, a):
    m, n, k, U, s, V, mask, repeated, zero, F, s_row = _svd_setup(out, a)
    gU, gs, gV = _svd_parts(g, m)
    if repeated:
        _check_vectors_unused("svd", mask, gU, gV)
        _check_weights_equal("svd", mask, gs)
    if m != n and np.any(zero):
        # A zero singular value of a non-square matrix: its vectors have no derivative, and a
        # cotangent that vanishes there may be one that scales with s_j (U diag(s) Vᵀ, say),
        # whose term (I − UUᵀ) Ū_j / s_j is 0/0, not 0. Any use of the triple
        # (u_j, s_j, v_j) therefore raises, as forward mode does.
        for part in (gU, gV, expand_dims(gs, -2)):
            _check_no_division("svd", zero, part)
    # (complex: the Hermitian adjoint of the JVP, applied to conj(ḡ) and conjugated back)
    gU, gV = _conj(gU), _conj(gV)
    M = _adjoint(U) @ gU
    J = F * M
    K = F * (_adjoint(V) @ gV)
    s_col = expand_dims(s, -1)
    P = (J + _adjoint(J)) * expand_dims(s, -2) + s_col * (K + _adjoint(K)) \
        + expand_dims(gs, -2) * np.eye(k, dtype=dtype_of(s))
    phase = imag_diagonal(M, getitem(s_row, (Ellipsis, 0, slice(None))))
    if phase is not None:
        P = P + phase
    A_bar = U @ P @ _adjoint(V)
    if m > k:  # (I − UUᵀ) Ū S⁻¹ Vᵀ
        rest = gU - U @ (_adjoint(U) @ gU)
        _check_no_division("svd", zero, rest)
        A_bar = A_bar + (rest / s_row) @ _adjoint(V)
    if n > k:  # U S⁻¹ V̄ᵀ (I − VVᵀ)
        rest = gV - V @ (_adjoint(V) @ gV)
        _check_no_division("svd", zero, rest)
        A_bar = A_bar + U @ _adjoint(rest / s_row)
    return _conj(A_bar)


def _check_no_division(name, zero, part):
    """Columns j with s_j = 0 must get nothing from the (I − UUᵀ)/(I − VVᵀ) terms (they divide by s_j)."""
    if not np.any(zero):
        return
    v = _plain_values(part)
    scale = _rtol(v) * max(float(np.max(np.abs(v))) if v.size else 0.0, 1e-300)
    if np.any(np.any(np.abs(v) > scale, axis=-2) & zero):
        raise _no_derivative(
            name, "the matrix is not square and has a zero singular value whose singular vectors "
            "(or value) the loss uses (their derivative divides by that singular value)",
            "Use the singular values alone (tg.linalg.svdvals), or keep the matrix of full rank.")


def _svd_jvp(t, out, a):
    m, n, k, U, s, V, mask, repeated, zero, F, s_row = _svd_setup(out, a)
    dP = _adjoint(U) @ t @ V
    if repeated:
        _check_tangent("svd", mask, (dP + _adjoint(dP)) / 2)
    s_r = expand_dims(s, -2)
    s_c = expand_dims(s, -1)
    dPS = dP * s_r      # dP diag(s)
    SdP = s_c * dP      # diag(s) dP
    inner = F * (dPS + _adjoint(dPS))
    phase = imag_diagonal(dP, getitem(s_row, (Ellipsis, 0, slice(None))))
    if phase is not None:
        inner = inner + phase
    dU = U @ inner
    dV = V @ (F * (SdP + _adjoint(SdP)))
    if m > k:
        tV = t @ V
        rest = tV - U @ (_adjoint(U) @ tV)
        _check_no_division("svd", zero, rest)
        dU = dU + rest / s_row
    if n > k:
        tU = _adjoint(t) @ U
        rest = tU - V @ (_adjoint(V) @ tU)
        _check_no_division("svd", zero, rest)
        dV = dV + rest / s_row
    return concatenate([dU, expand_dims(real_if_complex(diagonal(dP, 0, -2, -1)), -2), dV], axis=-2)


def _svd_gauge(p, m, xp=TG):
    """Packed svd output with each pair (u_i, v_i) signed so that u_i's largest entry is positive."""
    signs = column_signs(p[..., :m, :], xp)
    return xp.concatenate([p[..., :m, :] * signs, p[..., m:m + 1, :], p[..., m + 1:, :] * signs],
                          axis=-2)


def jax_svd(jnp, a):
    """JAX's reduced SVD packed as tensorgrad's."""
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    return jnp.concatenate([u, s[..., None, :].astype(u.dtype), jnp.conj(jnp.swapaxes(vh, -1, -2))],
                           axis=-2)


svd_packed = general(
    "svd", _svd_forward, vjp={"a": _svd_vjp}, jvp={"a": _svd_jvp}, signature=_svd_signature,
    public=False, call=lambda a: _svd_gauge(svd_packed(a), _shape(a)[-2]),
    jax=lambda jnp, a: _svd_gauge(jax_svd(jnp, a), a.shape[-2], jnp), to_jax=jax_svd,
    symbol="ds = diag(Uᵀ dA V); dU, dV through F = 1/(s_j² − s_i²)",
    doc="the reduced singular value decomposition (packed)",
    examples=[Example(((2, 3, 2),)), Example(((2, 3),))])


def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False):
    """Singular value decomposition ``(U, S, Vh)`` with ``a = U @ diag(S) @ Vh`` (S descending).

    ``full_matrices=False`` gives the reduced SVD (U is M×k, Vh is k×N, k =
    min(M, N)), which tensorgrad differentiates. ``full_matrices=True`` (NumPy's
    default) is the same for square matrices; for a non-square matrix the extra
    columns of U (or rows of Vh) are not unique, so there is no derivative:
    the values are NumPy's, and a traced input raises ``ValueError`` asking
    for ``full_matrices=False``. ``compute_uv=False`` returns the singular
    values alone (:func:`svdvals`). With ``hermitian=True`` the lower triangle
    is read, as NumPy does.
    """
    m, n = matrix("svd", a, complex_ok=True)
    if hermitian:
        square("svd", a, complex_ok=True)
        a = symmetric_from(a, lower=True)
    if not compute_uv:
        return svdvals(a)
    if full_matrices and m != n:
        if traced_level(a) >= 0:  # differentiated (a vmap's or a jit's input is not)
            raise ValueError(
                f"svd: full_matrices=True on a non-square matrix (shape {_shape(a)}) has no "
                "derivative: its extra singular vectors are not unique. Pass full_matrices=False "
                "(the reduced SVD: the same singular values and the first min(M, N) singular "
                "vectors), which tensorgrad differentiates.")
        # NumPy's values; under tg.jit one step of the plan, so each call computes its own
        return SVDResult(*staged_call(_svd_full, concrete(a)))
    U, s, V = _svd_parts(svd_packed(a), m)
    return SVDResult(U, s, _adjoint(V))


def _svd_full(a):
    return tuple(nan_if_not_finite(np.linalg.svd, a, full_matrices=True))


# ---- svdvals --------------------------------------------------------------------------------------------------
def _svdvals_signature(x: ArrayLike):
    """The singular values, descending (NumPy's ``svdvals``).

    ds_i = u_iᵀ dA v_i. A zero singular value gets the subgradient u_i v_iᵀ;
    repeated singular values are differentiable only through symmetric
    functions of them (their sum, say); otherwise differentiating raises.
    A complex matrix has real singular values, ds_i = Re(u_iᴴ dA v_i).
    """
    matrix("svdvals", x, complex_ok=True)
    return (x,), ()


def _singular_vectors(a):
    m = _shape(a)[-2]
    U, _, V = _svd_parts(svd_packed(a), m)
    return U, V


def _svdvals_vjp(g, out, a):
    _repeated(out, max(_shape(a)[-2:]), lambda m, w: _check_weights_equal("svdvals", m, w), g)
    U, V = _singular_vectors(a)
    # (complex: the transpose of Re diag(Uᴴ dA V) under Re Σ a·b is conj(U diag(g) Vᴴ))
    return _conj((U * expand_dims(g, -2)) @ _adjoint(V))


def _svdvals_jvp(t, out, a):
    U, V = _singular_vectors(a)
    dP = _adjoint(U) @ t @ V
    _repeated(out, max(_shape(a)[-2:]), lambda m, d: _check_tangent("svdvals", m, d),
              (dP + _adjoint(dP)) / 2)
    return real_if_complex(diagonal(dP, 0, -2, -1))


svdvals = general(
    "svdvals", lambda x: nan_if_not_finite(np.linalg.svd, x, compute_uv=False),
    vjp={"x": _svdvals_vjp}, jvp={"x": _svdvals_jvp}, signature=_svdvals_signature, public=False,
    jax=lambda jnp, x: jnp.linalg.svd(x, compute_uv=False), symbol="ds_i = u_iᵀ dA v_i",
    doc="the singular values", examples=[Example(((2, 2, 3),))])


# ---- least squares (built on pinv) --------------------------------------------------------
class LstsqResult(NamedTuple):
    """``numpy.linalg.lstsq``'s result: the solution, the residual sums of squares, the rank
    and the singular values of ``a``; also under ``torch.linalg.lstsq``'s names, ``solution``
    and ``singular_values``."""
    x: Array
    residuals: Array
    rank: int
    s: Array

    @property
    def solution(self) -> Array:
        return self.x

    @property
    def singular_values(self) -> Array:
        return self.s


_DRIVERS = (None, "gels", "gelsy", "gelsd", "gelss")


def lstsq(a: ArrayLike, b: ArrayLike, rcond=None, *, numpy_resid: bool | None = None,
          driver: str | None = None) -> LstsqResult:
    """The least-squares solution of ``a x = b`` (NumPy's result tuple).

    ``x = pinv(a, rcond) @ b``, differentiable in ``a`` and ``b`` (as JAX's, through the
    pseudo-inverse: exact where the rank does not change); ``rank`` is a constant. Under
    ``tg.jit`` the rank is computed at every call and, as the shapes must not depend on it,
    the residuals follow JAX's rule: computed whenever M > N (NumPy's are empty when the rank
    is below N). ``numpy_resid`` is JAX's: False computes the residuals |b − a x|² always,
    True (and the default, NumPy's) leaves them empty unless the rank is N < M.

    As PyTorch's ``torch.linalg.lstsq``: stacks of matrices ``a`` (..., M, N) with ``b``
    (..., M, K) or vectors (..., M), their batch axes broadcast, one rank per matrix; ``driver``
    (LAPACK's routine there) is accepted, and each gives this same minimum-norm solution."""
    sa, sb = shape_of(concrete(a)), shape_of(concrete(b))
    vectors = len(sb) == len(sa) - 1
    if len(sa) < 2 or len(sb) not in (len(sa), len(sa) - 1) or sb[-1 if vectors else -2] != sa[-2]:
        raise ValueError(f"linalg.lstsq: a must be (M, N) and b (M,) or (M, K) with the same M, "
                         f"or stacks of them (..., M, N) and (..., M, K) or (..., M); got shapes "
                         f"{sa} and {sb}")
    if vectors and len(sa) > 2:  # a stack of vectors: as matrices of one column
        b = expand_dims(b, -1)
    if driver not in _DRIVERS:
        raise ValueError(f"linalg.lstsq: driver must be one of {_DRIVERS[1:]} (or None), got {driver!r}")
    m, n = sa[-2:]
    dt = np.result_type(dtype_of(concrete(a)), dtype_of(concrete(b)))  # NumPy's common type:
    dt = np.dtype(np.float64) if dt.kind in "biu" else dt  # float32 a, float64 b in float64
    a, b = (v if dtype_of(concrete(v)) == dt else _astype(v, dt) for v in (a, b))
    eps = np.finfo(np.result_type(float, dtype_of(concrete(a)))).eps
    if rcond is None:
        cut = eps * max(m, n)
    else:  # LAPACK's rule (NumPy's, JAX's and PyTorch's lstsq): a negative rcond means machine
        cut = eps / 2 if float(concrete(rcond)) < 0 else rcond  # precision, dlamch('E') = eps/2
    x = matmul(pinv(a, cut), b)
    rank = staged_call(_lstsq_rank, concrete(a), cut)
    full_rank = m > n if is_staged(rank) else bool(np.all(rank == n)) and m > n
    if full_rank or numpy_resid is False:
        r = b - matmul(a, x)
        if dtype_of(concrete(r)).kind == "c":  # |r|², real as NumPy's
            r = _abs(r)
        res = _sum(r * r, axis=-2 if len(sb) > 1 else 0)
        res = reshape(res, (1,)) if len(sb) == 1 else res
    else:
        res = np.empty((0,), dtype=np.finfo(dtype_of(concrete(x))).dtype)
    if vectors and len(sa) > 2:
        x = reshape(x, shape_of(concrete(x))[:-1])
    return LstsqResult(x, res, rank, svdvals(a))


def _lstsq_rank(a, cut):
    """The number of singular values above ``cut`` times the largest (an int32, as NumPy's
    and JAX's; 0 for a matrix holding inf or NaN, whose singular values are NaN)."""
    av = np.asarray(a)
    if not av.size:
        return np.zeros(av.shape[:-2], np.int32)[()]
    s = nan_if_not_finite(np.linalg.svd, av, compute_uv=False)  # (one rank per matrix of a stack)
    return np.count_nonzero(s > cut * s.max(-1, keepdims=True), axis=-1).astype(np.int32)[()]
