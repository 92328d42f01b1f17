"""``tg.linalg.eig``: the eigenvalues and right eigenvectors of a general square matrix.

The values are NumPy's (LAPACK's ``geev``), always complex as JAX's. LAPACK fixes each
eigenvector's free complex factor by two real conditions: unit 2-norm, and its
largest-magnitude entry real. The derivative follows that choice, so it is the derivative
of the very values returned (finite differences of ``numpy.linalg.eig`` agree).

With V the eigenvectors, λ the eigenvalues and M = V⁻¹ dA V (nondegenerate perturbation
theory):

* dλ = diag(M);
* dV = U + V diag(c), U = V (F ∘ M) with F_ij = 1/(λ_j − λ_i) off the diagonal and 0 on it,
  and c_j = −Re(v_jᴴ u_j) − i Im(u_kj)/v_kj, k the row of v_j's largest entry: the part
  of the eigenvalue equation's free term that keeps both conditions.

This is JAX's ``jax.lax.linalg.eig(..., enable_eigvec_derivs=True)``. JAX asks for that
opt-in because the formula needs distinct eigenvalues; tensorgrad checks instead, as
``eigh`` does: eigenvalues closer than n·ε·max|λ| whose eigenvectors the loss uses (or
that a tangent mixes) raise ``LinAlgError``. The VJP is the transpose of this real-linear
map under JAX's pairing Re Σ a·b. The rules are written with tensorgrad's ops, so they are
differentiated again (second and higher derivatives, as JAX's); k and the repeated-pair test
are read from the values, constants of the derivative.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..registry import Example, general
from ..staging import call as staged_call
from ..tensor import Tensor
from ._util import concrete, shape_of
from .complex_ops import RECORDED_BASIS, complex_dtype, conj_part, imag_part, real_part, square_numeric
from .decompositions import TG, column_signs
from .elementwise import where
from .linalg_ops import LinAlgError, eps_of, inv, mT
from .reductions import sum as _sum
from .selection import diagonal
from .shape import concatenate, expand_dims, getitem

EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])


def _eig_signature(a):
    """The eigenvalues and right eigenvectors of a square matrix (stack axes in front)."""
    return square_numeric(a, "eig")


def _eig_forward(a):
    w, v = np.linalg.eig(a)
    dt = complex_dtype(a.dtype)
    return np.concatenate([w.astype(dt)[..., None, :], v.astype(dt)], axis=-2)


def _parts(out):
    """(λ, V, V⁻¹, F, repeated-pair mask, k mask, v_kj) from the packed output: k is the row
    of each eigenvector's largest entry, which LAPACK made real. The masks are NumPy arrays
    read from the values; the rest are ops on ``out`` (recorded when it is a Tensor)."""
    p = np.asarray(concrete(out))
    wc, vc = p[..., 0, :], p[..., 1:, :]
    n = wc.shape[-1]
    tol = n * eps_of(np.abs(wc)) * np.max(np.abs(wc), axis=-1, initial=0.0)[..., None, None]
    off = ~np.eye(n, dtype=bool)
    repeated = (np.abs(wc[..., None, :] - wc[..., :, None]) <= tol) & off
    top = np.argmax(np.abs(vc), axis=-2) if n else np.zeros(wc.shape, dtype=np.intp)  # (0 × 0)
    kmask = np.arange(n)[:, None] == top[..., None, :]
    w, v = out[..., 0, :], out[..., 1:, :]
    keep = off & ~repeated
    F = where(keep, 1.0 / where(keep, expand_dims(w, -2) - expand_dims(w, -1), 1.0), 0.0)  # 1/(λ_j − λ_i)
    vk = real_part(_sum(where(kmask, v, 0), axis=-2))
    return w, v, inv(v), F, repeated, kmask, vk


def _repeated_error(what: str) -> LinAlgError:
    return LinAlgError(
        f"eig: {what} eigenvectors of repeated eigenvalues, which are unique only up to a "
        "linear combination within their eigenspace; the derivative does not exist there. "
        "Use the eigenvalues alone (tg.linalg.eigvals), eigh for a symmetric or Hermitian "
        "matrix, or perturb the matrix so that the eigenvalues separate")


def _eig_jvp_values(t, out):
    w, v, vinv, F, repeated, kmask, vk = _parts(out)
    M = vinv @ t @ v
    if np.any(repeated & (np.asarray(concrete(M)) != 0)):
        raise _repeated_error("the tangent mixes the")
    U = v @ (F * M)
    uk = _sum(where(kmask, U, 0), axis=-2)
    c = -real_part(_sum(conj_part(v) * U, axis=-2)) - 1j * imag_part(uk) / vk
    dv = U + v * expand_dims(c, -2)
    dw = diagonal(M, 0, -2, -1)
    return concatenate([expand_dims(dw, -2), dv], axis=-2)


def _eig_vjp_values(g, out):
    w, v, vinv, F, repeated, kmask, vk = _parts(out)
    gw, gv = g[..., 0, :], g[..., 1:, :]
    used = np.any(np.asarray(concrete(gv)) != 0, axis=-2)
    if np.any(repeated & (used[..., None, :] | used[..., :, None])):
        raise _repeated_error("the loss uses")
    # the transpose of dV = U + v diag(c), step by step (pairing Re Σ a·b, no conjugate)
    s = _sum(gv * v, axis=-2)                        # (the cotangent of c, per column)
    u_bar = gv + where(kmask, expand_dims(-1j * imag_part(s) / vk, -2), 0)  # from Im(u_kj)/v_kj
    u_bar = u_bar - conj_part(v) * expand_dims(real_part(s), -2)          # from Re(v_jᴴ u_j)
    M_bar = F * (mT(v) @ u_bar)                      # U = V (F ∘ M)
    M_bar = M_bar + expand_dims(gw, -2) * np.eye(shape_of(w)[-1])   # dλ = diag(M)
    return mT(vinv) @ M_bar @ mT(v)                  # M = V⁻¹ dA V


def _eig_jvp(t, out, a):
    if any(type(x) is Tensor for x in (t, out)):  # (a sweep being recorded: the ops record)
        return _eig_jvp_values(t, out)
    return staged_call(_eig_jvp_values, t, out)


def _eig_vjp(g, out, a):
    if any(type(x) is Tensor for x in (g, out)):
        return _eig_vjp_values(g, out)
    return staged_call(_eig_vjp_values, g, out)


def _gauge(p, xp=TG):
    """Packed eig output with each eigenvector's largest entry made real and positive (the
    sign LAPACK leaves free for a real eigenvector): the test table compares this form."""
    v = p[..., 1:, :]
    return xp.concatenate([p[..., :1, :], v * column_signs(v, xp)], axis=-2)


def _jax_eig(jnp, a):
    """JAX's eig with its eigenvector derivatives switched on, packed as tensorgrad's."""
    import jax  # (the test table's reference: JAX is optional)
    w, v = jax.lax.linalg.eig(a, compute_left_eigenvectors=False, enable_eigvec_derivs=True)
    return jnp.concatenate([w[..., None, :], v], axis=-2)


eig_packed = general(
    "eig", _eig_forward, vjp={"a": _eig_vjp}, jvp={"a": _eig_jvp},
    signature=_eig_signature, public=False, complex=True, numpy=(),
    call=lambda a: _gauge(eig_packed(a)), jax=lambda jnp, a: _gauge(_jax_eig(jnp, a), jnp),
    to_jax=_jax_eig,
    symbol="dλ = diag(V⁻¹ dA V), dV = V (F ∘ V⁻¹ dA V) + V diag(c)",
    doc="the eigenvalues (row 0) and right eigenvectors of a general square matrix, packed",
    examples=[Example(((3, 3),)), Example(((2, 4, 4),))])


def _recorded_basis(a):
    """eigvals' recorded sweep: the eigenvectors of ``a`` (differentiable here) and their inverse."""
    p = eig_packed(a)
    v = p[..., 1:, :]
    return v, inv(v)


RECORDED_BASIS.append(_recorded_basis)


def eig(a):
    """The eigenvalues and right eigenvectors of a square matrix (or a stack of them):
    ``EigResult(eigenvalues, eigenvectors)``, with ``a @ v[:, j] = w[j] * v[:, j]``.

    NumPy's values (LAPACK's normalization: unit-norm eigenvectors whose largest entry is
    real), always complex as JAX's. Differentiable in every transform where the
    eigenvalues are distinct; see :mod:`tensorgrad.ops.eig`."""
    p = eig_packed(a)
    n = shape_of(concrete(p))[-1]
    return EigResult(getitem(p, (Ellipsis, 0, slice(None))),
                     getitem(p, (Ellipsis, slice(1, n + 1), slice(None))))
