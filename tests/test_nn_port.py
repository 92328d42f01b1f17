"""Cases from JAX's nn tests that tensorgrad got wrong: softmax over no axes, the sign of
logsumexp without b, squareplus at huge inputs, slopes of piecewise-linear activations at
±inf, sparse_plus of a Python number, and warnings on infinite inputs."""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as ss

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
X = np.array([[1., 2.], [3., -1.]])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_normalizing_over_no_axes(name):
    got = getattr(tg.nn, name)(X, axis=())
    assert np.array_equal(got, getattr(jax.nn, name)(X, axis=()))
    g = tg.grad(lambda x: tg.sum(getattr(tg.nn, name)(x, axis=()) * X))(X)
    assert np.array_equal(g, np.zeros_like(X))


def test_logsumexp_sign_without_b():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for a in (np.array([-np.inf, -np.inf]), np.array([1., np.nan]), np.array([1., 2.])):
            got = tg.nn.logsumexp(a, return_sign=True)
            want = ss.logsumexp(a, return_sign=True)
            assert np.array_equal(got[1], want[1], equal_nan=True)
            assert np.array_equal(got[0], want[0], equal_nan=True)


def test_logsumexp_sign_of_complex_terms_is_the_phase_of_the_sum():
    # SciPy's (and JAX's) reading: (log|Σ b·exp(z)|, Σ/|Σ|); the complex log's phase was counted
    # twice in the value, and the sign along an axis was that of a sum shifted by a complex max
    z = np.array([[1 + 2j, -1 + 0.5j], [0.3 - 1j, 2 + 0j]])
    for kw in ({}, {"axis": 0}, {"axis": 1, "keepdims": True}, {"axis": 0, "b": np.array([2.0, -1.0])},
               {"b": np.array([[1j, 2], [0, 1]])}):
        value, sign = tg.scipy.special.logsumexp(z, return_sign=True, **kw)
        want_value, want_sign = ss.logsumexp(z, return_sign=True, **kw)
        assert np.isrealobj(value) and np.shape(value) == np.shape(want_value)
        np.testing.assert_allclose(value, want_value, rtol=1e-13)
        np.testing.assert_allclose(sign, want_sign, rtol=1e-13)
        total = np.sum((kw.get("b", 1) * np.exp(z)), axis=kw.get("axis"), keepdims=kw.get("keepdims", False))
        np.testing.assert_allclose(sign * np.exp(value), total, rtol=1e-13)
    value, sign = tg.scipy.special.logsumexp(np.array([-np.inf + 0j, -np.inf + 0j]), return_sign=True)
    assert value == -np.inf and sign == 0


def test_squareplus_at_huge_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = np.array([-1e300, -1e4, 0., 1e4, 1e300])
        got = tg.nn.squareplus(x)
        assert np.allclose(got, [4 / 4e300, 1e-4, 1., 1e4, 1e300], rtol=1e-8)
        g = tg.vmap(tg.grad(tg.nn.squareplus))(x)
        assert np.allclose(g, [0., 1e-8, .5, 1., 1.], rtol=1e-6, atol=1e-300)
        assert np.isclose(tg.nn.squareplus(np.float32(-1e4)), 1e-4, rtol=1e-5)


def test_piecewise_linear_slopes_at_infinity():
    x = np.array([-np.inf, np.inf])
    assert tg.vmap(tg.grad(tg.nn.hard_silu))(x).tolist() == [0., 1.]
    assert tg.vmap(tg.grad(tg.nn.sparse_plus))(x).tolist() == [0., 1.]
    assert np.isclose(tg.nn.sparse_plus(0.5), jax.nn.sparse_plus(0.5))
    assert tg.nn.sparse_plus(2) == 2.


def test_no_warnings_on_infinite_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in (tg.nn.silu, tg.nn.soft_sign, tg.nn.hard_silu, tg.nn.gelu):
            got = f(np.array([-np.inf, np.inf, 1e300, -1e300]))
            want = getattr(jax.nn, f.__name__ if f.__name__ != "gelu" else "gelu")(
                jnp.array([-np.inf, np.inf, 1e300, -1e300]))
            assert np.array_equal(got, want, equal_nan=True), f.__name__
        assert tg.nn.logsumexp(np.array([np.inf, 800.])) == np.inf
