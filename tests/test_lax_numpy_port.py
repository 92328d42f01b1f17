"""Checks ported from JAX's NumPy tests (lax_numpy_test and its einsum and vectorize
suites): values as NumPy's, gradients as JAX's (float64)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg


def test_average_with_weights_along_a_tuple_of_axes():
    a = np.arange(24.0).reshape(2, 3, 4)
    w = np.arange(1.0, 13.0).reshape(3, 4)
    for axis, ww in [((1, 2), w), ((2, 1), w.T)]:
        np.testing.assert_allclose(tg.average(a, axis=axis, weights=ww), np.average(a, axis=axis, weights=ww),
                                   rtol=1e-15)
        avg, total = tg.average(a, axis=axis, weights=ww, returned=True)
        want = np.average(a, axis=axis, weights=ww, returned=True)
        np.testing.assert_allclose(avg, want[0], rtol=1e-15)
        np.testing.assert_allclose(total, want[1], rtol=1e-15)
    got = tg.grad(lambda a, w: tg.sum(tg.average(a, axis=(1, 2), weights=w)), argnums=(0, 1))(a, w)
    ref = jax.grad(lambda a, w: jnp.sum(jnp.average(a, axis=(1, 2), weights=w)), argnums=(0, 1))(a, w)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, np.asarray(r), rtol=1e-12)


def test_stack_with_dtype_and_casting():
    xs = [np.array([1.0, 2.0]), np.array([3.0, 4.0])]
    out = tg.stack(xs, dtype=np.float32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.stack(xs, dtype=np.float32))
    with pytest.raises(TypeError, match="stack: cannot cast"):
        tg.stack(xs, dtype=np.int32)
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(tg.stack([v, v], dtype=np.float64)))(xs[0]),
                                  [2.0, 2.0])


def test_searchsorted_takes_jax_methods():
    a, v = np.array([1.0, 2.0, 3.0, 5.0]), np.array([1.5, 2.0, 4.0])
    for method in ("scan", "scan_unrolled", "sort", "compare_all"):
        np.testing.assert_array_equal(tg.searchsorted(a, v, method=method), np.searchsorted(a, v))
    with pytest.raises(ValueError, match="method"):
        tg.searchsorted(a, v, method="bisect")


def test_polyfit_covariance_differentiates():
    x = np.linspace(0.0, 1.0, 8)
    y = np.sin(3 * x) + 0.1 * np.cos(17 * x)
    for cov in (True, "unscaled"):
        np.testing.assert_allclose(tg.polyfit(x, y, 2, cov=cov)[1], np.polyfit(x, y, 2, cov=cov)[1],
                                   rtol=1e-10, atol=1e-14)
        got = tg.grad(lambda y: tg.sum(tg.polyfit(x, y, 2, cov=cov)[1]))(y)
        ref = jax.grad(lambda y: jnp.sum(jnp.polyfit(x, y, 2, cov=cov)[1]))(y)
        np.testing.assert_allclose(got, np.asarray(ref), rtol=1e-8, atol=1e-12)
