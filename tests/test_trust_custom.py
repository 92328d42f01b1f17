"""Custom rules see JAX's shapes, and batched transforms map them over the batch.

Reproductions: under ``jacrev`` a custom_vjp backward rule received the
cotangent with an extra batch axis, so the textbook rule ``(A.T @ g,)`` gave
Aᵀ instead of A; a scalar output crashed; check_grads crashed on a wrong rule
instead of reporting it.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

A = np.array([[2.0, -1.0, 0.5], [0.3, 1.5, -2.0], [1.0, 0.2, 0.7]])
X = np.array([0.4, -0.3, 1.1])


def _linear_tg():
    @tg.custom_vjp
    def f(x):
        return A @ x
    f.defvjp(lambda x: (f(x), None), lambda res, g: (A.T @ g,))
    return f


def _sum_sin_tg():
    @tg.custom_vjp
    def s(x):
        return tg.sum(tg.sin(x))
    s.defvjp(lambda x: (s(x), x), lambda x, g: (g * tg.cos(x),))
    return s


def _sum_sin_jax():
    @jax.custom_vjp
    def s(x):
        return jnp.sum(jnp.sin(x))
    s.defvjp(lambda x: (s(x), x), lambda x, g: (g * jnp.cos(x),))
    return s


def test_custom_vjp_under_jacrev_gives_the_jacobian():
    f = _linear_tg()
    np.testing.assert_allclose(tg.jacrev(f)(X), A, rtol=1e-14)
    np.testing.assert_allclose(tg.jacrev(f, chunk_size=2)(X), A, rtol=1e-14)
    np.testing.assert_allclose(tg.jacfwd(f)(X), A, rtol=1e-14)  # forward mode: f's own ops


def test_custom_vjp_with_a_scalar_output_and_second_order():
    s, sj = _sum_sin_tg(), _sum_sin_jax()
    np.testing.assert_allclose(tg.jacrev(s)(X), np.cos(X), rtol=1e-14)
    H = np.asarray(jax.jit(jax.jacrev(jax.jacrev(sj)))(X))  # the user's rule, differentiated
    np.testing.assert_allclose(tg.jacrev(tg.jacrev(s))(X), H, rtol=1e-12)
    np.testing.assert_allclose(tg.hessian(s)(X), H, rtol=1e-12)


def test_custom_vjp_with_a_matrix_output_and_two_inputs():
    @tg.custom_vjp
    def outer(a, b):
        return a[:, None] * b[None, :]
    outer.defvjp(lambda a, b: (outer(a, b), (a, b)),
                 lambda r, g: (g @ r[1], r[0] @ g))

    @jax.custom_vjp
    def outer_j(a, b):
        return a[:, None] * b[None, :]
    outer_j.defvjp(lambda a, b: (outer_j(a, b), (a, b)), lambda r, g: (g @ r[1], r[0] @ g))
    b = np.array([1.0, 2.0])
    want = jax.jit(jax.jacrev(outer_j, argnums=(0, 1)))(X, b)
    got = tg.jacrev(outer, argnums=(0, 1))(X, b)
    for gt, w in zip(got, want):
        np.testing.assert_allclose(gt, np.asarray(w), rtol=1e-14)


def _exp_jvp_tg():
    @tg.custom_jvp
    def e(x):
        return tg.exp(x)

    @e.defjvp
    def e_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        assert np.shape(t) == np.shape(x)  # the rule sees one tangent shaped like its input
        return e(x), e(x) * t
    return e


def test_custom_jvp_in_every_mode_matches_jax():
    e = _exp_jvp_tg()

    @jax.custom_jvp
    def ej(x):
        return jnp.exp(x)
    ej.defjvp(lambda p, t: (ej(p[0]), ej(p[0]) * t[0]))
    W = np.arange(6.0).reshape(2, 3) / 5

    def f(x):
        return W @ e(x * x)

    def fj(x):
        return W @ ej(x * x)
    J, H = (np.asarray(r) for r in jax.jit(lambda x: (
        jax.jacfwd(fj)(x), jax.hessian(lambda v: jnp.sum(fj(v)))(x)))(X))
    np.testing.assert_allclose(tg.jacfwd(f)(X), J, rtol=1e-13)
    np.testing.assert_allclose(tg.jacrev(f)(X), J, rtol=1e-13)
    np.testing.assert_allclose(tg.jacfwd(f, chunk_size=2)(X), J, rtol=1e-13)
    np.testing.assert_allclose(tg.hessian(lambda x: tg.sum(f(x)))(X), H, rtol=1e-12)


def test_check_grads_reports_a_wrong_rule_as_a_mismatch():
    wrong = tg.custom_vjp(lambda x: tg.sin(x))
    wrong.defvjp(lambda x: (tg.sin(x), x), lambda x, g: (g * tg.sin(x),))  # should be cos
    with pytest.raises(tg.check.GradCheckError, match="disagrees"):
        tg.check.check_grads(wrong, X)
    transposed = tg.custom_vjp(lambda x: A @ x)  # the classic slip: A instead of A.T
    transposed.defvjp(lambda x: (A @ x, None), lambda r, g: (A @ g,))
    with pytest.raises(tg.check.GradCheckError, match="worst Jacobian entries"):
        tg.check.check_grads(transposed, X)
    scalar = tg.custom_vjp(lambda x: tg.sum(tg.sin(x)))  # a scalar output used to crash here
    scalar.defvjp(lambda x: (tg.sum(tg.sin(x)), x), lambda x, g: (g * tg.sin(x),))
    with pytest.raises(tg.check.GradCheckError, match="worst Jacobian entries"):
        tg.check.check_grads(scalar, X)
    right = tg.custom_vjp(lambda x: tg.sin(x))
    right.defvjp(lambda x: (tg.sin(x), x), lambda x, g: (g * tg.cos(x),))
    tg.check.check_grads(right, X, order=1, modes=("rev",))


def test_a_rule_returning_the_wrong_shape_is_a_clear_error():
    bad = tg.custom_vjp(lambda x: tg.sum(x))
    bad.defvjp(lambda x: (tg.sum(x), None), lambda r, g: (np.ones(2),))
    with pytest.raises(ValueError, match=r"custom_vjp .*shape \(2,\).*shape \(3,\)"):
        tg.grad(bad)(X)
    e = tg.custom_jvp(lambda x: tg.sum(x))
    e.defjvp(lambda p, t: (tg.sum(p[0]), t[0]))  # a tangent of the input's shape, not the output's
    with pytest.raises(ValueError, match="custom_jvp"):
        tg.jvp(e, (X,), (X,))
