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
map under JAX's pairing Re Σ a·b. First derivatives only: a second one raises
``NotImplementedError``.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..registry import Example, general
from ..staging import call as staged_call
from ..tensor import Tensor
from ._util import concrete, shape_of
from .complex_ops import complex_dtype, square_numeric
from .decompositions import TG, column_signs
from .linalg_ops import LinAlgError, eps_of
from .shape import getitem

EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])


def _eig_signature(a):
    """The eigenvalues and right eigenvectors of a square matrix (stack axes in front)."""
    return square_numeric(a, "eig")


def _eig_forward(a):
    w, v = np.linalg.eig(a)
    dt = complex_dtype(a.dtype)
    return np.concatenate([w.astype(dt)[..., None, :], v.astype(dt)], axis=-2)


def _parts(out):
    """(λ, V, V⁻¹, F, repeated-pair mask, k mask, v_kj) from the packed output (plain arrays):
    k is the row of each eigenvector's largest entry, which LAPACK made real."""
    p = np.asarray(out)
    w, v = p[..., 0, :], p[..., 1:, :]
    n = w.shape[-1]
    gaps = w[..., None, :] - w[..., :, None]  # λ_j − λ_i
    tol = n * eps_of(np.abs(w)) * np.max(np.abs(w), axis=-1, initial=0.0)[..., None, None]
    off = ~np.eye(n, dtype=bool)
    repeated = (np.abs(gaps) <= tol) & off
    F = np.where(off & ~repeated, 1.0 / np.where(off & ~repeated, gaps, 1.0), 0.0)
    top = np.argmax(np.abs(v), axis=-2) if n else np.zeros(w.shape, dtype=np.intp)  # (0 × 0: none)
    kmask = np.arange(n)[:, None] == top[..., None, :]
    vk = np.sum(np.where(kmask, v, 0), axis=-2).real
    return w, v, np.linalg.inv(v), F, repeated, kmask, vk


def _first_order(name, *values):
    if any(type(x) is Tensor for x in values):
        raise NotImplementedError(f"{name}: second derivatives of eig are not implemented")


def _repeated_error(what: str) -> LinAlgError:
    return LinAlgError(
        f"eig: {what} eigenvectors of repeated eigenvalues, which are unique only up to a "
        "linear combination within their eigenspace; the derivative does not exist there. "
        "Use the eigenvalues alone (tg.linalg.eigvals), eigh for a symmetric or Hermitian "
        "matrix, or perturb the matrix so that the eigenvalues separate")


def _eig_jvp_values(t, out):
    w, v, vinv, F, repeated, kmask, vk = _parts(out)
    M = vinv @ t @ v
    if np.any(repeated & (M != 0)):
        raise _repeated_error("the tangent mixes the")
    U = v @ (F * M)
    uk = np.sum(np.where(kmask, U, 0), axis=-2)
    c = -np.sum(np.conj(v) * U, axis=-2).real - 1j * uk.imag / vk
    dv = U + v * c[..., None, :]
    dw = np.diagonal(M, 0, -2, -1)
    return np.concatenate([dw[..., None, :], dv], axis=-2).astype(np.asarray(out).dtype)


def _eig_vjp_values(g, out):
    w, v, vinv, F, repeated, kmask, vk = _parts(out)
    g = np.asarray(g)
    gw, gv = g[..., 0, :], g[..., 1:, :]
    used = np.any(gv != 0, axis=-2)
    if np.any(repeated & (used[..., None, :] | used[..., :, None])):
        raise _repeated_error("the loss uses")
    # the transpose of dV = U + v diag(c), step by step (pairing Re Σ a·b, no conjugate)
    s = np.sum(gv * v, axis=-2)                      # (the cotangent of c, per column)
    u_bar = gv + np.where(kmask, (-1j * s.imag / vk)[..., None, :], 0)      # from Im(u_kj)/v_kj
    u_bar = u_bar - np.conj(v) * s.real[..., None, :]                     # from Re(v_jᴴ u_j)
    M_bar = F * (np.swapaxes(v, -1, -2) @ u_bar)     # U = V (F ∘ M)
    M_bar = M_bar + gw[..., None, :] * np.eye(w.shape[-1])   # dλ = diag(M)
    return np.swapaxes(vinv, -1, -2) @ M_bar @ np.swapaxes(v, -1, -2)   # M = V⁻¹ dA V


def _eig_jvp(t, out, a):
    _first_order("eig", t, out, a)
    return staged_call(_eig_jvp_values, t, out)


def _eig_vjp(g, out, a):
    _first_order("eig", g, out, a)
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
    signature=_eig_signature, public=False, complex=True, second_order=False, numpy=(),
    call=lambda a: _gauge(eig_packed(a)), jax=lambda jnp, a: _gauge(_jax_eig(jnp, a), jnp),
    to_jax=_jax_eig,
    symbol="dλ = diag(V⁻¹ dA V), dV = V (F ∘ V⁻¹ dA V) + V diag(c)",
    doc="the eigenvalues (row 0) and right eigenvectors of a general square matrix, packed",
    examples=[Example(((3, 3),)), Example(((2, 4, 4),))])


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
