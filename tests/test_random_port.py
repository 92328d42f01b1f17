"""Checks ported from JAX's random tests: bounds, degenerate parameters, axis and shape
validation, key seeds and default dtypes of tg.random, against jax.random (x64)."""
import warnings

import jax
import numpy as np
import pytest

import tensorgrad as tg

K = tg.random.PRNGKey(0)


def test_randint_saturates_float_bounds_beyond_int64():
    for lo, hi, dt in [(0, 1e20, np.int32), (0, np.inf, np.int32), (0, 2.0 ** 63, np.int64),
                       (-1e20, 0, np.int64)]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            x = np.asarray(tg.random.randint(K, (64,), lo, hi, dt))
        assert x.dtype == dt and len(np.unique(x)) > 32  # spread over the range, not all minval
        info = np.iinfo(dt)
        assert x.min() >= max(info.min, -2 ** 63 if lo < 0 else lo) and x.max() <= info.max


def test_gamma_family_at_a_zero_shape_and_its_gradient_where_undefined():
    np.testing.assert_array_equal(tg.random.gamma(K, 0.0, (3,)), np.zeros(3))
    np.testing.assert_array_equal(tg.random.beta(K, 0.0, 1.0, (3,)), np.zeros(3))
    d = tg.random.dirichlet(K, np.array([0.0, 1.0, 1.0]))
    assert d[0] == 0.0 and np.isclose(d.sum(), 1.0) and np.all(np.isfinite(d))
    assert np.all(np.isnan(tg.random.gamma(K, -1.0, (3,))))
    for a in (-1.0, np.nan):
        g = tg.grad(lambda a: tg.sum(tg.random.gamma(K, a, (3,))))(a)
        jg = jax.grad(lambda a: jax.numpy.sum(jax.random.gamma(jax.random.PRNGKey(0), a, (3,))))(a)
        assert np.isnan(g) and np.isnan(jg)


def test_wald_with_a_huge_mean_approaches_the_levy_law():
    x = tg.random.wald(K, 1e160, (4000,))
    assert np.all(x > 0) and 1.9 < np.median(x) < 2.5  # the Lévy law's median is about 2.2


def test_axes_out_of_range_and_bad_populations_raise():
    with pytest.raises(ValueError, match="axis"):
        tg.random.categorical(K, np.zeros((2, 4)), axis=5)
    with pytest.raises(ValueError, match="axis"):
        tg.random.permutation(K, np.arange(6.0).reshape(2, 3), axis=2)
    with pytest.raises(ValueError, match="axis"):
        tg.random.permutation(K, 10, axis=3)
    with pytest.raises(ValueError, match="axis"):
        tg.random.choice(K, np.arange(3.0), (2,), axis=1)
    with pytest.raises(ValueError, match="greater than 0"):
        tg.random.choice(K, -3, (4,))
    assert tg.random.choice(K, -3, (0,)).shape == (0,)


def test_float_shapes_and_out_of_range_seeds_are_refused():
    with pytest.raises(TypeError):
        tg.random.normal(K, (2.5,))
    with pytest.raises(TypeError):
        tg.random.split(K, 2.5)
    for seed in (2 ** 63, 2 ** 64, -2 ** 63 - 1):
        with pytest.raises(OverflowError):
            tg.random.PRNGKey(seed)
    np.testing.assert_array_equal(tg.random.PRNGKey(2 ** 63 - 1), jax.random.PRNGKey(2 ** 63 - 1))


def test_default_dtypes_and_shapes_as_jax():
    m32, c32 = np.zeros(2, np.float32), np.eye(2, dtype=np.float32)
    assert tg.random.multivariate_normal(K, m32, c32).dtype == np.float32
    r = tg.random.rademacher(K, (4,), np.float32)
    assert r.dtype == np.float32 and set(np.unique(r)) <= {-1.0, 1.0}
    loc = np.array([0.0, 10.0, 100.0])
    assert tg.random.double_sided_maxwell(K, loc, 1.0).shape == (3,)
