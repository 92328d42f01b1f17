"""Cases from JAX's batching tests that tensorgrad got wrong: vmap inside tg.jit over a
constant batch, out_axes=None of traced outputs, maps over zero slices, and warnings from
the stand-in slice a zero-size map probes."""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
X = np.arange(6.).reshape(3, 2)


def test_jit_of_vmap_over_a_constant_batch():
    for w in (np.array([1., -2.]), np.array([0.5, 3.])):
        got = tg.jit(lambda v: tg.vmap(lambda x: tg.tanh(x @ v))(X))(w)
        want = jax.vmap(lambda x: jnp.tanh(x @ w))(X)
        assert np.allclose(got, want, rtol=1e-13)
    g = tg.jit(tg.grad(lambda v: tg.sum(tg.vmap(lambda x: tg.tanh(x @ v))(X))))(w)
    assert np.allclose(g, jax.grad(lambda v: jnp.sum(jax.vmap(lambda x: jnp.tanh(x @ v))(X)))(w))


def _pair(M, batch):
    return lambda x, c: M.vmap(lambda y, c: (y * c, c * 2), in_axes=(0, None), out_axes=(0, None))(batch(x), c)


def test_out_axes_none_of_a_traced_output_under_jit():
    c = np.array([1., -2.])
    for x in (np.ones((3, 2)), np.arange(4.).reshape(2, 2)):
        got = tg.jit(_pair(tg, lambda x: x))(x, c)
        want = _pair(jax, lambda x: x)(x, c)
        assert all(np.allclose(a, b) for a, b in zip(got, want))
    varying = tg.jit(lambda x: tg.vmap(lambda y: y * 2, out_axes=None)(x))
    varying(np.ones((2, 2)))
    with pytest.raises(ValueError, match="out_axes None"):
        varying(np.arange(4.).reshape(2, 2))


def test_zero_size_map_keeps_the_derivative_of_unmapped_outputs():
    c = np.array([1., -2., 3., .5])
    f = _pair(tg, lambda x: np.zeros((0, 4)))
    assert tg.grad(lambda c: tg.sum(f(None, c)[1]))(c).tolist() == [2.] * 4
    assert tg.jvp(lambda c: f(None, c)[1], (c,), (np.ones(4),))[1].tolist() == [2.] * 4
    assert np.array_equal(tg.jit(lambda c: f(None, c)[1])(c), 2 * c)
    assert tg.jit(lambda c: f(None, c)[0])(c).shape == (0, 4)


def test_zero_size_map_leaks_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in (lambda x: tg.log(x - 1), tg.arctanh, lambda x: 1 / (x - 1), tg.log):
            assert tg.vmap(fn)(np.zeros((0, 3))).shape == (0, 3)
            assert tg.lax.map(fn, np.zeros((0, 3))).shape == (0, 3)


def test_out_axes_none_output_that_depends_on_a_mapped_input_raises_under_differentiation():
    X = np.array([[1.0, 2.0], [2.0, 1.0]])  # equal sums: the values alone cannot tell
    for d in (tg.grad, tg.jacrev):
        with pytest.raises(ValueError, match="out_axes None for output 0, but it depends on a mapped"):
            d(lambda X: tg.vmap(tg.sum, out_axes=None)(X))(X)
        with pytest.raises(ValueError, match="got axis spec None but output was batched"):  # JAX
            jax.grad(lambda X: jax.vmap(jnp.sum, out_axes=None)(X))(X)
    # an unmapped output that reads only unmapped values keeps its exact gradient
    w0 = np.array([1.0, 2.0, 3.0])
    for f in (lambda w: tg.vmap(lambda x: (x * 2, tg.sum(w * w)), out_axes=(0, None))(X)[1],
              lambda w: tg.vmap(lambda x, v: tg.sum(v * v), in_axes=(0, None), out_axes=None)(X, w)):
        np.testing.assert_array_equal(tg.grad(f)(w0), 2 * w0)
    assert tg.vmap(tg.sum, out_axes=None)(X) == 3.0  # values alone (no tape): checked equal
    # forward mode: tangents that differ between the slices show the dependence
    with pytest.raises(ValueError, match="but it depends on a mapped"):
        tg.jacfwd(lambda X: tg.vmap(tg.sum, out_axes=None)(X))(X)
    with pytest.raises(ValueError, match="but it depends on a mapped"):
        tg.jvp(lambda X: tg.vmap(tg.sum, out_axes=None)(X), (X,), (np.array([[1.0, 0.0], [0.0, 0.0]]),))
    for f in (lambda w: tg.vmap(lambda x, v: tg.sum(v * v), in_axes=(0, None), out_axes=None)(X, w),
              lambda w: tg.vmap(lambda x: (x, tg.sum(w * w)), out_axes=(0, None))(X)[1]):
        np.testing.assert_array_equal(tg.jacfwd(f)(w0), 2 * w0)
        np.testing.assert_array_equal(tg.hessian(f)(w0), 2 * np.eye(3))
