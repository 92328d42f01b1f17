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
    # LAPACK's rule, which NumPy, JAX and PyTorch follow: rcond < 0 cuts at machine precision,
    # dlamch('E') = eps/2, not at nothing
    rng = np.random.default_rng(5)
    a = rng.normal(size=(4, 3))
    b = rng.normal(size=4)
    a[:, 2] = a[:, 0] * 1e-9 + a[:, 1]  # numerically rank 2
    x, _, rank, _ = tg.linalg.lstsq(a, b, rcond=-1)
    xn, _, rankn, _ = np.linalg.lstsq(a, b, rcond=-1)
    assert rank == rankn == 2
    np.testing.assert_allclose(x, xn, rtol=1e-6)
    # a singular value between eps/2 and eps of the largest (exact: a diagonal matrix has no
    # rounding in its SVD; NumPy's own test_rcond matrix puts that value at rounding noise,
    # 1.07e-16 or 1.29e-16 by the machine's LAPACK): kept at rcond=-1 (an eps cut would drop it),
    # dropped at the default eps * max(M, N)
    a = np.zeros((4, 3))
    a[0, 0], a[1, 1], a[2, 2] = 1.0, 1.6e-16, 0.5
    b = np.arange(4.0)
    for rcond, want in ((-1, 3), (None, 2)):
        got = tg.linalg.lstsq(a, b, rcond=rcond)
        assert got[2] == np.linalg.lstsq(a, b, rcond=rcond)[2] == want
        np.testing.assert_allclose(got[0], np.linalg.lstsq(a, b, rcond=rcond)[0], rtol=1e-12)
    a[1, 1] = 1.0e-16  # below eps/2: dropped at rcond=-1 too
    assert tg.linalg.lstsq(a, b, rcond=-1)[2] == 2


def test_lstsq_takes_pytorchs_stacks_driver_and_field_names():
    # torch.linalg.lstsq: stacks (..., M, N) and (..., M, K) with broadcast batch axes, one
    # rank per matrix, the fields solution and singular_values, and a driver= keyword
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(2, 3, 5, 3)), rng.normal(size=(1, 3, 5, 2))
    a[1, 2, :, 2] = a[1, 2, :, 0]  # one matrix of rank 2
    for driver in (None, "gelsd"):
        r = tg.linalg.lstsq(tg.tensor(a), tg.tensor(b), driver=driver)
        assert r.solution is r.x and r.singular_values is r.s
        assert r.solution.shape == (2, 3, 3, 2) and r.rank.shape == (2, 3)
        for i in range(2):
            for j in range(3):
                want = np.linalg.lstsq(a[i, j], b[0, j], rcond=None)
                np.testing.assert_allclose(val_of(r.solution)[i, j], want[0], rtol=1e-10, atol=1e-12)
                assert r.rank[i, j] == want[2]
                np.testing.assert_allclose(val_of(r.singular_values)[i, j], want[3], rtol=1e-12)
    # one matrix is rank deficient: no residuals, as NumPy's (and PyTorch's) rule; full rank: per column
    assert r.residuals.shape == (0,)
    full = tg.linalg.lstsq(a[0], b[0])
    np.testing.assert_allclose(full.residuals, [np.linalg.lstsq(a[0, j], b[0, j], rcond=None)[1] for j in range(3)],
                               rtol=1e-10)
    # a stack of vectors (..., M), as PyTorch's: a solution vector and a residual per matrix
    v = tg.linalg.lstsq(a[0], b[0, :, :, 1])
    assert v.solution.shape == (3, 3) and v.residuals.shape == (3, 1)
    np.testing.assert_allclose(v.solution, full.solution[..., 1], rtol=1e-12)
    np.testing.assert_allclose(v.residuals[:, 0], full.residuals[:, 1], rtol=1e-12)
    # the solution's gradient of a stack agrees with JAX's, matrix by matrix
    g = tg.grad(lambda m: tg.linalg.lstsq(m, b[0, :, :, 0])[0].sum())(a[0])
    for j in range(3):
        want = jax.grad(lambda m: jnp.linalg.lstsq(m, b[0, j, :, 0])[0].sum())(a[0, j])
        np.testing.assert_allclose(g[j], want, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="driver"):
        tg.linalg.lstsq(a[0, 0], b[0, 0], driver="gelsq")
    with pytest.raises(ValueError, match="lstsq"):
        tg.linalg.lstsq(a, b[0, 0, :, 0])  # neither matrices nor a stack of vectors

def val_of(x):
    return np.asarray(x.numpy() if isinstance(x, tg.Tensor) else x)


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
