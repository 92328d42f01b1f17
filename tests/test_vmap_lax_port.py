"""Checks ported from JAX's vmap tests (lax_vmap_test.py, lax_vmap_op_test.py).

``tg.vmap`` hands each mapped slice to the function as a Tensor; every function must take a
Tensor wherever NumPy takes an array, with the per-slice loop's result.
"""
import jax
import jax.numpy as jnp
import numpy as np

import tensorgrad as tg

RNG = np.random.default_rng(0)


def _loop(f, *args):
    return np.stack([np.asarray(f(*(a[i] for a in args))) for i in range(len(args[0]))])


def test_delete_and_insert_take_a_tensor_index():
    # NumPy's insert/delete dispatch on the index too: a Tensor sent the call back (RecursionError)
    X = np.arange(12.0).reshape(3, 4)
    idx = np.array([0, 2, 3])
    np.testing.assert_array_equal(tg.vmap(tg.delete)(X, idx), _loop(np.delete, X, idx))
    ins = lambda a, i: tg.insert(a, i, -1.0)  # noqa: E731
    np.testing.assert_array_equal(tg.vmap(ins)(X, idx), _loop(lambda a, i: np.insert(a, i, -1.0), X, idx))
    x = np.arange(1.0, 7.0)
    g = tg.grad(lambda x: tg.sum(tg.delete(x, tg.argmax(x)) ** 2))(x)
    np.testing.assert_array_equal(g, [2, 4, 6, 8, 10, 0])
    assert tg.allclose(x, x, tg.tensor(np.array(1e-5)), tg.tensor(np.array(0.0)))


def test_interp_and_gradient_take_untraced_tensor_knots_and_spacings():
    x = RNG.uniform(0, 1, (3, 4))
    xp = np.sort(RNG.uniform(0, 1, (3, 5)), axis=1)
    fp = RNG.uniform(0, 1, (3, 5))
    np.testing.assert_allclose(tg.vmap(tg.interp)(x, xp, fp), _loop(np.interp, x, xp, fp), rtol=1e-14)
    np.testing.assert_allclose(tg.vmap(tg.interp)(x, xp, fp), jax.vmap(jnp.interp)(x, xp, fp), rtol=1e-12)
    f = RNG.uniform(0, 1, (3, 5))
    h = np.array([0.5, 1.0, 2.0])
    np.testing.assert_allclose(tg.vmap(tg.gradient)(f, h), _loop(np.gradient, f, h), rtol=1e-14)
    # traced knots: differentiable, with JAX's rule (a point moves with its interval's knots)
    g = tg.vmap(tg.grad(lambda k, xs, f: tg.sum(tg.interp(xs, k, f))))(xp, x, fp)
    ref = jax.vmap(jax.grad(lambda k, xs, f: jnp.sum(jnp.interp(xs, k, f))))(xp, x, fp)
    np.testing.assert_allclose(g, ref, rtol=1e-12, atol=1e-14)
    g = tg.vmap(tg.grad(lambda k, f: tg.interp(0.5, k, f, period=1.0)))(xp, fp)  # periodic knots too
    ref = jax.vmap(jax.grad(lambda k, f: jnp.interp(0.5, k, f, period=1.0)))(xp, fp)
    np.testing.assert_allclose(g, ref, rtol=1e-12, atol=1e-14)


def test_unwrap_with_a_tensor_period():
    P = np.array([[0.0, 2.5, 5.2, 1.0, 4.0], [0.0, 4.0, 1.0, 6.0, 2.0]])
    per = np.array([3.0, 5.0])
    got = tg.vmap(lambda p, T: tg.unwrap(p, period=T))(P, per)
    np.testing.assert_allclose(got, _loop(lambda p, T: np.unwrap(p, period=T), P, per), rtol=1e-14)
    # the slope in the period: the number of periods added to each entry, as JAX's
    g = tg.grad(lambda T: tg.sum(tg.unwrap(P[0], period=T)))(3.0)
    ref = jax.grad(lambda T: jnp.sum(jnp.unwrap(P[0], period=T)))(3.0)
    np.testing.assert_allclose(g, ref, rtol=1e-12)
    J = tg.jacfwd(lambda T: tg.unwrap(P[0], period=T))(3.0)
    np.testing.assert_allclose(J, jax.jacfwd(lambda T: jnp.unwrap(P[0], period=T))(3.0), rtol=1e-12)


def test_histogram_with_tensor_edges_counts_in_integers():
    a = RNG.uniform(0, 1, (3, 6))
    edges = np.sort(RNG.uniform(0, 1, (3, 4)), axis=1)
    h = tg.vmap(lambda a, e: tg.histogram(a, e)[0])(a, edges)
    ref = _loop(lambda a, e: np.histogram(a, e)[0], a, edges)
    assert h.dtype == ref.dtype
    np.testing.assert_array_equal(h, ref)
    assert tg.histogram(a[0], tg.tensor(edges[0]))[0].dtype == np.histogram(a[0], edges[0])[0].dtype
    # weighted counts and densities stay floats
    w = tg.histogram(a[0], tg.tensor(edges[0]), weights=np.ones(6))[0]
    assert w.dtype == np.float64
