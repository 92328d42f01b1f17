"""Histograms, the array-API unique_* functions, poly and the shape-only helpers on tensors,
against NumPy's values and JAX's gradients."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.default_rng(0)
A = RNG.normal(size=20)
W = RNG.uniform(0.5, 1.5, size=20)


@pytest.mark.parametrize("kw", [{"bins": 4}, {"bins": 4, "density": True},
                                {"bins": np.array([-2, 0, 0.5, 3.0])}, {"bins": 5, "range": (-1, 1)}],
                         ids=["bins", "density", "edges", "range"])
def test_histogram_values_and_gradients_match_jax(kw):
    h, e = np.histogram(tg.Tensor(A), weights=tg.Tensor(W), **kw)
    hn, en = np.histogram(A, weights=W, **kw)
    np.testing.assert_allclose(np.asarray(h), hn, rtol=1e-14)
    np.testing.assert_allclose(np.asarray(e), en, rtol=1e-14)
    c = np.arange(len(hn), dtype=float)
    pairs = [  # weights -> weighted counts; data -> bin edges (from the data's range) and density
        (lambda w: tg.sum(np.histogram(A, weights=w, **kw)[0] * c), lambda w: jnp.sum(jnp.histogram(A, weights=w, **kw)[0] * c), W),
        (lambda v: tg.sum(np.histogram(v, **kw)[1] ** 2), lambda v: jnp.sum(jnp.histogram(v, **kw)[1] ** 2), A),
        (lambda v: tg.sum(np.histogram(v, **kw)[0] * c), lambda v: jnp.sum(jnp.histogram(v, **kw)[0] * c), A),
    ]
    for f, jf, at in pairs:
        np.testing.assert_allclose(tg.grad(f)(at), jax.jit(jax.grad(jf))(at), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.asarray(np.histogram_bin_edges(tg.Tensor(A), **{k: v for k, v in kw.items() if k != "density"})),
                               np.histogram_bin_edges(A, **{k: v for k, v in kw.items() if k != "density"}))


@pytest.mark.parametrize("rule", ["auto", "fd", "sturges"])
def test_histogram_edges_chosen_by_a_rule_differentiate_like_a_count(rule):
    # a rule picks the number of bins (piecewise constant); the edges still span min..max
    n = len(np.histogram_bin_edges(A, rule)) - 1
    np.testing.assert_array_equal(np.asarray(np.histogram_bin_edges(tg.Tensor(A), rule)),
                                  np.histogram_bin_edges(A, rule))
    g = tg.grad(lambda v: tg.sum(np.histogram(v, bins=rule)[1] ** 2))(A)
    want = jax.jit(jax.grad(lambda v: jnp.sum(jnp.histogram(v, bins=n)[1] ** 2)))(A)
    np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-14)
    assert np.abs(g).max() > 0  # the extreme entries move the edges


def test_unique_family_poly_and_helpers():
    x = np.array([[3.0, 1.0], [1.0, 2.0]])
    t = tg.Tensor(x)
    for name in ("unique_counts", "unique_inverse", "unique_all"):
        got, want = getattr(np, name)(t), getattr(np, name)(x)
        assert type(got) is type(want) and got._fields == want._fields
        for g, w in zip(got, want):
            np.testing.assert_array_equal(np.asarray(g), w)
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(np.unique_inverse(v).values * np.arange(3.0)))(x),
                                  [[2.0, 0.0], [0.0, 1.0]])
    r = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(np.asarray(np.poly(tg.Tensor(r))), np.poly(r))
    np.testing.assert_allclose(tg.jacrev(np.poly)(r), jax.jacrev(jnp.poly)(r), rtol=1e-14)
    z = np.array([0.0, 0.0, 1.0, 2.0, 0.0])
    for trim in ("fb", "f", "b"):
        np.testing.assert_array_equal(np.asarray(np.trim_zeros(tg.Tensor(z), trim)), np.trim_zeros(z, trim))
    for got, want in zip(np.ix_(tg.Tensor(np.array([0, 1])), [1]), np.ix_(np.array([0, 1]), [1])):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(np.diag_indices_from(t), np.diag_indices_from(x)):
        np.testing.assert_array_equal(got, want)
    assert not np.iscomplex(t).any() and np.isreal(t).all()
    assert np.array_repr(t) == np.array_repr(x) and np.array_str(t) == np.array_str(x)
    assert np.einsum_path("ij,jk->ik", t, x)[0] == np.einsum_path("ij,jk->ik", x, x)[0]
    with pytest.raises(ValueError, match="diag_indices_from: all dimensions of input must be of equal length"):
        np.diag_indices_from(tg.Tensor(np.ones((2, 3))))
