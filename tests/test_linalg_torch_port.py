"""Checks ported from PyTorch's linalg tests (test_linalg.py and its OpInfo samples).

Each case is a defect those checks found: the rule NumPy, JAX and PyTorch share, checked here
against NumPy, JAX or finite differences.
"""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg


def test_lstsq_negative_rcond_means_machine_precision():
    # LAPACK's rule, which NumPy, JAX and PyTorch follow: rcond < 0 cuts at eps, not at nothing
    rng = np.random.default_rng(5)
    a = rng.normal(size=(4, 3))
    b = rng.normal(size=4)
    a[:, 2] = a[:, 0] * 1e-9 + a[:, 1]  # numerically rank 2
    x, _, rank, _ = tg.linalg.lstsq(a, b, rcond=-1)
    xn, _, rankn, _ = np.linalg.lstsq(a, b, rcond=-1)
    assert rank == rankn == 2
    np.testing.assert_allclose(x, xn, rtol=1e-6)


@pytest.mark.parametrize("name", ["norm2", "norm-2", "cond", "cond-2"])
def test_spectral_norms_at_an_orthogonal_matrix_have_a_gradient(name):
    # its singular values are 1 ± 1 ulp: tied under svdvals' tolerance, so they share the
    # cotangent evenly, as tied maxima do (an uneven split made svdvals' rule raise)
    Q = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))[0]
    f = {"norm2": lambda a: tg.linalg.matrix_norm(a, ord=2),
         "norm-2": lambda a: tg.linalg.norm(a, -2),
         "cond": tg.linalg.cond,
         "cond-2": lambda a: tg.linalg.cond(a, -2)}[name]
    g = tg.grad(f)(Q)
    if name.startswith("norm"):
        np.testing.assert_allclose(f(Q), 1.0, rtol=1e-14)
        np.testing.assert_allclose(g, Q / 3, atol=1e-12)  # the mean of u_i v_iᵀ over the tie
    else:
        np.testing.assert_allclose(g, 0.0, atol=1e-12)  # cond's minimum
    # away from ties the gradient is still u₁v₁ᵀ, as JAX's
    A = np.diag([3.0, 2.0, 1.0]) + 0.1 * np.random.default_rng(1).normal(size=(3, 3))
    ref = jax.grad(lambda a: jnp.linalg.norm(a, 2))(A)
    np.testing.assert_allclose(tg.grad(lambda a: tg.linalg.norm(a, 2))(A), ref, rtol=1e-10)
    np.testing.assert_allclose(tg.jit(tg.grad(lambda a: tg.linalg.norm(a, 2)))(A), ref, rtol=1e-10)


@pytest.mark.parametrize("p", [None, 2, -2])
def test_cond_of_an_empty_matrix_is_a_linalg_error(p):
    with pytest.raises(np.linalg.LinAlgError, match="cond"):
        tg.linalg.cond(np.zeros((0, 0)), p)
    assert np.shape(tg.linalg.cond(np.zeros((0, 3, 3)), p)) == (0,)


@pytest.mark.parametrize("f", [tg.linalg.norm, tg.norm, tg.linalg.vector_norm,
                               lambda x: tg.linalg.matrix_norm(x.reshape(2, 2), ord="fro")])
def test_two_norm_second_derivative_at_zero_is_the_kink_convention(f):
    # the cone's Hessian does not exist at 0: tensorgrad's subgradient convention (abs''(0) = 0,
    # as its ord=3 branch already gave), never the identity x/1 differentiated
    z = np.zeros(4)
    np.testing.assert_array_equal(tg.hessian(f)(z), np.zeros((4, 4)))
    np.testing.assert_array_equal(tg.grad(f)(z), np.zeros(4))
    x = np.array([1.0, -2.0, 0.5, 3.0])  # and elsewhere the Hessian is JAX's
    np.testing.assert_allclose(tg.hessian(f)(x), jax.hessian(jnp.linalg.norm)(x), rtol=1e-10)


@pytest.mark.parametrize("p", [0.5, -1.0])
def test_vector_norm_below_one_with_zero_entries(p):
    x = np.array([0.0, 3.0, -4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = tg.linalg.vector_norm(x, ord=p)
        g = tg.grad(lambda v: tg.linalg.vector_norm(v, ord=p))(x)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(v, np.linalg.norm(x, ord=p), rtol=1e-14)
    if p > 0:  # an infinite slope at the zero entry: NaN, as for sqrt(abs(x)) (JAX: inf)
        assert np.isnan(g[0])
        # the other entries' slopes are those of the nonzero part alone
        ref = jax.grad(lambda v: jnp.sum(jnp.abs(v) ** p) ** (1 / p))(x[1:])
        np.testing.assert_allclose(g[1:], ref, rtol=1e-12)
    else:  # a zero entry makes the norm 0 for p < 0: a kink like abs's, subgradient 0 (was
        np.testing.assert_array_equal(g, np.zeros(3))  # a divide-by-zero warning)


def test_norms_take_pytorchs_dim_keepdim_and_positional_ord():
    # torch.linalg.norm(A, ord, dim, keepdim) is numpy.linalg.norm with PyTorch's names;
    # torch.linalg.vector_norm(x, ord, dim=...) and matrix_norm(A, ord, dim=...) take ord
    # positionally
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 4))
    np.testing.assert_allclose(tg.linalg.norm(x, dim=1), np.linalg.norm(x, axis=1), rtol=1e-14)
    got = tg.norm(x, 1, dim=(1, 2), keepdim=True)
    np.testing.assert_allclose(got, np.linalg.norm(x, 1, axis=(1, 2), keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(tg.linalg.vector_norm(x, 1), np.abs(x).sum(), rtol=1e-14)
    np.testing.assert_allclose(tg.linalg.vector_norm(x, 3, dim=-1, keepdim=True),
                               (np.abs(x) ** 3).sum(-1, keepdims=True) ** (1 / 3), rtol=1e-14)
    np.testing.assert_allclose(tg.linalg.matrix_norm(x, 2), np.linalg.norm(x, 2, axis=(1, 2)),
                               rtol=1e-13)
    np.testing.assert_allclose(tg.linalg.matrix_norm(x, "fro", dim=(0, 2)),
                               np.sqrt((x ** 2).sum((0, 2))), rtol=1e-14)
    g = tg.grad(lambda v: tg.linalg.norm(v, dim=-1).sum())(x)
    np.testing.assert_allclose(g, x / np.linalg.norm(x, axis=-1, keepdims=True), rtol=1e-14)
    with pytest.raises(TypeError, match="not both"):
        tg.linalg.norm(x, axis=0, dim=1)
    with pytest.raises(TypeError, match="logsumexp: pass axis= .* not both"):  # (the same rule)
        tg.logsumexp(x, axis=0, dim=1)
    with pytest.raises(ValueError, match="2 axes"):
        tg.linalg.matrix_norm(x, dim=(0,))
