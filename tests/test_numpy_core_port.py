"""Checks ported from NumPy's core and lib tests (shape_base, einsum, histograms,
arraysetops): values as NumPy's, derivatives as JAX's (float64)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)


@pytest.mark.parametrize("name", ["hstack", "vstack"])
def test_stack_dtype_follows_numpys_casting(name):
    a, b = np.array([1, 2, 3]), np.array([2.5, 3.5, 4.5])
    f = getattr(tg, name)
    with pytest.raises(TypeError):  # float to int is not 'same_kind'
        f((a, b), dtype=np.int64)
    for kw in (dict(dtype=np.int64, casting="unsafe"), dict(dtype=np.float32), dict(casting="no")):
        if kw.get("casting") == "no":
            a2 = a.astype(float)
            want = getattr(np, name)((a2, b), **kw)
            got = f((a2, b), **kw)
        else:
            want = getattr(np, name)((a, b), **kw)
            got = f((a, b), **kw)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    g = tg.grad(lambda v: tg.sum(f((v, b), dtype=np.float64) ** 2))(b)
    np.testing.assert_allclose(g, 2 * b)


def test_einsum_dtype_follows_numpys_casting():
    a = np.array([[1.5, 2.5]])
    b = np.array([[1.0], [1.0]])
    with pytest.raises(TypeError, match="cast"):
        tg.einsum("ij,jk", a, b, dtype=np.int32)  # NumPy's einsum casts 'safe'ly by default
    with pytest.raises(TypeError, match="cast"):
        tg.einsum("ij,jk", np.array([[2**40]]), np.array([[1]]), dtype=np.float32)
    for kw in (dict(dtype=np.int32, casting="unsafe"), dict(dtype=np.float64, order="C"),
               dict(dtype=np.float32, casting="same_kind")):
        want = np.einsum("ij,jk", a, b, **kw)
        got = tg.einsum("ij,jk", a, b, **kw)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_histogram_bin_edges_with_traced_edges_and_range():
    v = np.random.default_rng(0).random(20)
    e = np.array([0.0, 0.5, 1.0])
    w = np.arange(3.0)
    g = tg.grad(lambda e: tg.sum(tg.histogram_bin_edges(v, bins=e) * w))(e)
    want = jax.grad(lambda e: jnp.sum(jnp.histogram_bin_edges(v, bins=e) * w))(e)
    np.testing.assert_allclose(g, want)
    r = np.array([-1.0, 2.0])
    h = lambda r: tg.sum(tg.histogram_bin_edges(v, bins=4, range=(r[0], r[1])) * np.arange(5.0))  # noqa: E731
    hj = lambda r: jnp.sum(jnp.histogram_bin_edges(v, bins=4, range=(r[0], r[1])) * jnp.arange(5.0))  # noqa: E731
    np.testing.assert_allclose(tg.grad(h)(r), jax.grad(hj)(r), rtol=1e-12)
    np.testing.assert_array_equal(tg.histogram_bin_edges(v, bins=e), np.histogram_bin_edges(v, bins=e))
    with pytest.raises(ValueError):  # edges must increase, as NumPy checks
        tg.grad(lambda e: tg.sum(tg.histogram_bin_edges(v, bins=e)))(e[::-1].copy())


def test_unique_along_an_axis():
    m = np.array([[1.0, 0, 0], [1, 0, 0], [2, 3, 4], [1, 0, 0]])
    for axis in (0, 1, -1):
        for flags in ({}, dict(return_index=True, return_inverse=True, return_counts=True)):
            want = np.unique(m, axis=axis, **flags)
            got = tg.unique(m, axis=axis, **flags)
            for g, w in zip(got if flags else [got], want if flags else [want]):
                np.testing.assert_array_equal(g, w)
    wts = np.arange(6.0).reshape(2, 3)
    g = tg.grad(lambda a: tg.sum(tg.unique(a, axis=0) * wts))(m)
    want = np.zeros_like(m)
    want[0], want[2] = wts  # each distinct row's gradient goes to its first occurrence
    np.testing.assert_array_equal(g, want)
    with pytest.raises(NotImplementedError, match="size"):
        tg.unique(m, axis=0, size=2)
