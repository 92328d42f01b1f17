"""A second pass over JAX's lax_numpy tests: dtypes of piecewise, trace, gradient and ix_ as
NumPy gives them, and traced weights of bincount/histogramdd under tg.jit."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg


@pytest.mark.parametrize("x", [np.arange(6), np.array([True, False, True])])
def test_piecewise_keeps_the_dtype_of_x_eager_jit_and_vmap(x):
    conds = lambda v: [v > 1]  # noqa: E731
    funcs = [lambda v: v * 2.5, 1.5]
    want = np.piecewise(x, conds(x), funcs)
    for got in (tg.piecewise(x, conds(x), funcs), tg.jit(lambda v: tg.piecewise(v, conds(v), funcs))(x)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    X = np.stack([x, x])
    got = tg.vmap(lambda v: tg.piecewise(v, conds(v), funcs))(X)
    np.testing.assert_array_equal(got, np.stack([want, want]))
    assert got.dtype == want.dtype


def test_trace_sums_in_the_dtype_asked():
    a = np.arange(9, dtype=np.int32).reshape(3, 3)
    for dt in (np.int32, np.int8, np.float32):
        want = np.trace(a, dtype=dt)
        got = tg.trace(a, dtype=dt)
        assert got.dtype == want.dtype and got == want
        assert tg.jit(lambda v: tg.trace(v, dtype=dt))(a).dtype == want.dtype
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    f = lambda v: tg.trace(v, 1, 2, 1)  # noqa: E731
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(f(v) ** 2))(x),
                               jax.grad(lambda v: jnp.sum(jnp.trace(v, 1, 2, 1) ** 2))(x), rtol=1e-12)


def test_gradient_with_coordinates_returns_fs_dtype():
    c = np.array([0.0, 1.0, 2.5, 3.0, 5.0])
    for f in (np.array([1, 4, 9, 16, 25]), np.array([1, 4, 9, 16, 25], np.float32)):
        want = np.gradient(f, c)
        got = tg.gradient(f, c)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_ix_of_an_empty_list_indexes_as_integers():
    a = np.arange(12.0).reshape(3, 4)
    idx = tg.ix_([], [1, 2])
    assert idx[0].dtype == np.ix_([], [1, 2])[0].dtype
    assert a[idx].shape == (0, 2)


def test_bincount_and_histogramdd_take_traced_weights_of_constant_data_under_jit():
    x = np.array([0, 1, 1, 3, 2, 1, 7])
    w = np.linspace(0.1, 0.7, 7)
    f = tg.jit(lambda w: tg.bincount(x, w, minlength=10))
    np.testing.assert_allclose(f(w), np.bincount(x, w, minlength=10), rtol=1e-14)
    np.testing.assert_allclose(f(w[::-1]), np.bincount(x, w[::-1], minlength=10), rtol=1e-14)
    s = np.stack([x, x[::-1]], 1)
    h = tg.jit(lambda w: tg.histogramdd(s, bins=3, weights=w, density=True)[0])
    np.testing.assert_allclose(h(w), np.histogramdd(s, bins=3, weights=w, density=True)[0], rtol=1e-12)
    np.testing.assert_allclose(h(w * 2 + 1), np.histogramdd(s, bins=3, weights=w * 2 + 1, density=True)[0],
                               rtol=1e-12)
    g = tg.jit(tg.grad(lambda w: tg.sum(tg.bincount(x, w) ** 2)))(w)
    np.testing.assert_allclose(g, 2 * np.bincount(x, w)[x], rtol=1e-14)
