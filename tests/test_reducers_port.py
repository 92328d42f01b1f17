"""Cases from JAX's reducer tests that tensorgrad got wrong: quantile positions in a float32
q's dtype, float32 kept by where-masked means, array initial values refused, var/std with
mean=, promote_integers, products over an empty kept axis under jit, and stray warnings."""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)


@pytest.mark.parametrize("method", ["lower", "higher", "nearest", "hazen", "linear"])
def test_quantile_positions_follow_a_float32_q(method):
    a = np.arange(11.)
    q = np.float32(0.3)
    assert np.allclose(tg.quantile(a, q, method=method), np.quantile(a, q, method=method), rtol=1e-7)
    a32 = np.arange(11., dtype=np.float32)
    assert tg.quantile(a32, np.float32(0.7), method="lower") == np.quantile(a32, np.float32(0.7), method="lower")


@pytest.mark.parametrize("fn", ["mean", "var", "std", "nanmean"])
def test_where_keeps_float32(fn):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    mask = np.array([[True, False, True], [True, True, False]])
    got = getattr(tg, fn)(x, axis=1, where=mask)
    want = getattr(np, fn)(x, axis=1, where=mask)
    assert got.dtype == want.dtype == np.float32 and np.allclose(got, want)


@pytest.mark.parametrize("fn", ["sum", "prod", "max", "nansum", "nanprod"])
def test_an_array_initial_is_refused(fn):
    with pytest.raises(ValueError, match="initial"):
        getattr(tg, fn)(np.ones((2, 3, 4)), axis=-1, initial=np.zeros((1, 2, 3)))


@pytest.mark.parametrize("fn", ["var", "std", "nanvar", "nanstd"])
def test_moments_about_a_given_mean(fn):
    x = np.array([[1., 2., 4.], [3., 5., 9.]])
    m = np.mean(x, axis=1, keepdims=True) + 0.5
    assert np.allclose(getattr(tg, fn)(x, axis=1, mean=m, ddof=1), getattr(np, fn)(x, axis=1, mean=m, ddof=1))
    g = tg.grad(lambda v, c: tg.sum(getattr(tg, fn)(v, axis=1, mean=c)), argnums=(0, 1))(x, m)
    want = jax.grad(lambda v, c: jnp.sum(getattr(jnp, fn)(v, axis=1, mean=c)), argnums=(0, 1))(x, m)
    assert all(np.allclose(a, b, rtol=1e-12) for a, b in zip(g, want))


def test_promote_integers_and_empty_products_and_warnings():
    x8 = np.arange(1, 12, dtype=np.int8)
    for fn in ("sum", "prod"):
        got = getattr(tg, fn)(x8, promote_integers=False)
        want = getattr(jnp, fn)(x8, promote_integers=False)
        assert got.dtype == want.dtype and got == want
    assert tg.sum(np.ones(3, bool), promote_integers=False).dtype == np.int32
    g = tg.jit(tg.grad(lambda v: tg.sum(tg.prod(v, axis=0))))(np.zeros((3, 0)))
    assert g.shape == (3, 0)
    allnan = np.array([[np.nan, np.nan], [1., 2.]])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        tg.nanstd(allnan, axis=1)
        tg.nanquantile(allnan, 0.5, axis=1)
    assert not [w for w in seen if "empty slice" in str(w.message) or "multiply" in str(w.message)]
