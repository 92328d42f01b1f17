"""Checks ported from JAX's scipy tests (lax_scipy_test, the scipy.linalg part of linalg_test):
values as SciPy's, derivatives as JAX's (float64)."""
import warnings

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import jax.scipy.special as jsp
import numpy as np
import pytest
import scipy.linalg as sl
import scipy.special as sp

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(0)


def test_cho_and_lu_solve_take_a_1d_b_against_a_stack_of_factors():
    C = np.tril(RNG.normal(size=(3, 4, 4))) + 3 * np.eye(4)
    b = RNG.normal(size=4)
    x = tg.scipy.linalg.cho_solve((C, True), b)
    assert x.shape == (3, 4)
    np.testing.assert_allclose(x, [sl.cho_solve((c, True), b) for c in C], rtol=1e-12)
    g = tg.grad(lambda b: tg.sum(tg.scipy.linalg.cho_solve((C, True), b) ** 2))(b)
    np.testing.assert_allclose(g, jax.grad(lambda b: jnp.sum(jsl.cho_solve((C, True), b) ** 2))(b),
                               rtol=1e-11)
    A = RNG.normal(size=(3, 4, 4)) + 4 * np.eye(4)
    lu, piv = np.vectorize(sl.lu_factor, signature="(n,n)->(n,n),(n)")(A)
    for trans in (0, 1):
        want = np.stack([sl.lu_solve((l, p), b, trans=trans) for l, p in zip(lu, piv)])
        np.testing.assert_allclose(tg.scipy.linalg.lu_solve((lu, piv), b, trans=trans), want, rtol=1e-12)
        np.testing.assert_allclose(tg.jit(lambda b: tg.scipy.linalg.lu_solve((lu, piv), b, trans=trans))(b),
                                   want, rtol=1e-12)


@pytest.mark.parametrize("shapes", [((3, 1), (1, 4)), ((4,), (3, 4)), ((2, 1, 3), (4, 1))])
def test_logsumexp_b_may_broadcast_a(shapes):
    a = RNG.normal(size=shapes[0])
    b = RNG.uniform(0.5, 2.0, size=shapes[1])
    nd = len(np.broadcast_shapes(*shapes))
    for axis in [None] + list(range(nd)):
        np.testing.assert_allclose(tg.special.logsumexp(a, axis=axis, b=b), sp.logsumexp(a, axis=axis, b=b),
                                   rtol=1e-13)
    f = lambda a, b: tg.sum(tg.special.logsumexp(a, axis=-1, b=b))  # noqa: E731
    fj = lambda a, b: jnp.sum(jsp.logsumexp(a, axis=-1, b=b))  # noqa: E731
    for got, want in zip(tg.grad(f, argnums=(0, 1))(a, b), jax.grad(fj, argnums=(0, 1))(a, b)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_gaussian_slopes_far_out_are_zero_without_warnings():
    x = np.array([-1e300, -2e154, 3e154, 1e300])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in (tg.scipy.special.erf, tg.scipy.special.erfc, tg.scipy.special.ndtr):
            np.testing.assert_array_equal(tg.vjp(f, x)[1](np.ones(4))[0], 0.0)
            np.testing.assert_array_equal(tg.jvp(tg.grad(lambda v: tg.sum(f(v))), (x,), (np.ones(4),))[1], 0.0)
        g = tg.grad(lambda v: tg.sum(tg.scipy.special.log_ndtr(v)))(x)
        np.testing.assert_allclose(g, [1e300, 2e154, 0.0, 0.0], rtol=1e-12)
        x32 = np.array([-3e19, 3e19], np.float32)
        assert np.all(tg.grad(lambda v: tg.sum(tg.scipy.special.erf(v)))(x32) == 0)


def test_toeplitz_family_of_scalars_and_empty_vectors():
    cases = [("toeplitz", (np.float64(2.0),)), ("toeplitz", (np.array([1.0, 2, 3]), np.float64(3.0))),
             ("toeplitz", (np.ones(3), np.ones((2, 4, 0)))), ("toeplitz", (np.ones(0),)),
             ("circulant", (np.float64(2.0),)), ("circulant", (np.ones(0),)),
             ("circulant", (np.ones((2, 0)),)), ("hankel", (np.ones(0), np.ones(4))),
             ("hankel", (np.ones(3), np.ones(0)))]
    for name, args in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            want = np.asarray(getattr(jsl, name)(*args))
        got = getattr(tg.scipy.linalg, name)(*args)
        assert got.shape == want.shape, (name, got.shape, want.shape)
        np.testing.assert_array_equal(got, want)
    assert tg.grad(lambda c: tg.sum(tg.scipy.linalg.toeplitz(c) * 3.0))(np.float64(2.0)) == 3.0
