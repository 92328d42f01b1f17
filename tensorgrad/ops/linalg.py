"""Linear algebra: matmul (and, built on the same rules, dot, tensordot, einsum, outer).

matmul is bilinear: out = A B. Its rules, with batch axes of cotangents and
tangents riding in front (matmul broadcasts over leading axes):

    VJP   Ā = Ḡ Bᵀ,   B̄ = Aᵀ Ḡ          (summed over broadcast axes by the engine)
    JVP   Ȧ B + A Ḃ

One-dimensional operands are promoted to matrices (A: 1×k row, B: k×1
column) and the added axis is removed again, as NumPy does.
"""
from __future__ import annotations

import numpy as np

from ..registry import Example, Op, register
from ..tape import bind
from ._util import ndim_of, raw, shape_of
from .shape import expand_dims, reshape, squeeze, swapaxes

__all__ = ["matmul"]


def _mT(x):
    if type(x) is np.ndarray:  # a plain array is on no trace: nothing to record
        return x.swapaxes(-1, -2)
    return swapaxes(x, -1, -2)


def _matmul_vjp_a(g, out, a, b):
    if ndim_of(b) == 1:
        if ndim_of(a) == 2:  # Ā_ik = g_i b_k: an outer product (batch axes of g kept in front)
            return expand_dims(g, -1) * b
        # out lost B's column axis: put it back on g and b
        g = expand_dims(g, -1)
        b = expand_dims(b, -1)
    if ndim_of(a) == 1:  # out lost A's row axis
        g = expand_dims(g, -2)
        return squeeze(g @ _mT(b), -2)
    return g @ _mT(b)


def _matmul_vjp_b(g, out, a, b):
    b1 = ndim_of(b) == 1
    if b1 and ndim_of(a) == 2:
        # b̄_k = Σ_i g_i A_ik = (g A)_k: one matrix product for a whole batch of
        # cotangents (jacrev's basis), instead of one matrix-vector product each
        return g @ a
    if b1:  # out lost B's column axis
        g = expand_dims(g, -1)
    if ndim_of(a) == 1:  # out lost A's row axis
        a = expand_dims(a, 0)
        g = expand_dims(g, -2)
    return squeeze(_mT(a) @ g, -1) if b1 else _mT(a) @ g


def _matmul_jvp(t, a, b, wrt):
    """Ȧ B (wrt=0) or A Ḃ (wrt=1), with the tangent's batch axes kept in front.

    Size-1 axes go between the tangent's batch axes and its own axes, so
    matmul's broadcasting lines the operands up correctly.
    """
    x = a if wrt == 0 else b
    nb = ndim_of(t) - ndim_of(x)
    if nb == 0:
        return t @ b if wrt == 0 else a @ t
    a1, b1 = ndim_of(a) == 1, ndim_of(b) == 1
    a_eff = (1,) + shape_of(a) if a1 else shape_of(a)
    b_eff = shape_of(b) + (1,) if b1 else shape_of(b)
    x_eff = a_eff if wrt == 0 else b_eff
    lead = max(len(a_eff), len(b_eff)) - len(x_eff)
    te = reshape(t, shape_of(t)[:nb] + (1,) * lead + x_eff)
    if wrt == 0:
        r = te @ (expand_dims(b, -1) if b1 else b)
    else:
        r = (expand_dims(a, 0) if a1 else a) @ te
    drop = ((-2,) if a1 else ()) + ((-1,) if b1 else ())
    return squeeze(r, drop) if drop else r


_matmul = register(Op(
    "matmul", np.matmul, "dense", nargs=2,
    vjps=(_matmul_vjp_a, _matmul_vjp_b),
    jvps=(lambda t, out, a, b: _matmul_jvp(t, a, b, 0),
          lambda t, out, a, b: _matmul_jvp(t, a, b, 1)),
    jax="jax.numpy.matmul", symbol="I ⊗ Bᵀ (w.r.t. A), A ⊗ I (w.r.t. B)",
    examples=[Example(((3, 4), (4, 5))), Example(((4,), (4, 5))), Example(((3, 4), (4,))),
              Example(((4,), (4,))), Example(((2, 3, 4), (4, 5))), Example(((2, 1, 3, 4), (5, 4, 2)))],
    doc="matrix product with NumPy's broadcasting over leading axes"))


def matmul(a, b):
    """Matrix product ``a @ b`` (NumPy semantics: 1-D promotion, batch broadcasting)."""
    ra, rb = raw(a), raw(b)
    sa = ra.shape if type(ra) is np.ndarray else shape_of(ra)
    sb = rb.shape if type(rb) is np.ndarray else shape_of(rb)
    if not sa or not sb:
        raise ValueError(f"matmul: operands must be at least 1-D, got shapes {sa} and {sb}; "
                         "use multiply for scalars")
    ka = sa[-1]
    kb = sb[-2] if len(sb) > 1 else sb[0]
    if ka != kb:
        raise ValueError(f"matmul: shapes {sa} and {sb} do not align: "
                         f"{ka} (last axis of the first) != {kb} (contracted axis of the second)")
    return bind(_matmul, (a, b), ())
