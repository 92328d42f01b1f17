"""Checks ported from JAX's random tests: bounds, degenerate parameters, axis and shape
validation, key seeds and default dtypes of tg.random, against jax.random (x64)."""
import warnings

import jax
import numpy as np
import pytest
from scipy import stats

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
    assert tg.random.double_sided_maxwell(K, loc, 1.0).shape == (3, 3)  # (JAX: shape or, empty, the
    # parameters' shape, in front of the parameters' shape)


@pytest.mark.parametrize("n,p", [(7, 0.4), (30, 0.8), (1000, 0.01), (10 ** 6, 0.4), (10 ** 9, 1e-8)])
def test_binomial_follows_its_distribution(n, p):
    """Both samplers (inversion below a mean of 10, BTRS above, and p > 1/2 by symmetry)
    against the binomial pmf: a chi-square test on 20,000 draws."""
    x = np.asarray(tg.random.binomial(tg.random.PRNGKey(1), n, p, shape=(20000,)))
    assert x.dtype == np.float64 and np.all(x == np.floor(x)) and 0 <= x.min() and x.max() <= n
    # about 20 bins of equal probability, between quantiles of the distribution
    dist = stats.binom(n, p)
    edges = np.unique(dist.ppf(np.linspace(0.0, 1.0, 21)[1:-1]))
    counts = np.bincount(np.searchsorted(edges, x, side="left"), minlength=edges.size + 1)
    want = np.diff(np.concatenate([[0.0], dist.cdf(edges), [1.0]])) * x.size  # x <= e, then (e, e']
    chi2 = ((counts - want) ** 2 / want).sum()
    assert edges.size >= 3 and stats.chi2.sf(chi2, edges.size) > 1e-3
    assert abs(x.mean() - n * p) < 5 * np.sqrt(n * p * (1 - p) / x.size)


def test_binomial_edges_and_arguments_as_jax():
    n = np.array([0.0, 5, 2.5, -1, 10, 10, 10, np.inf, np.nan, 3])
    p = np.array([0.3, 0.3, 1.0, 0.3, 0.0, 1.0, 1.5, 0.3, 0.3, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = np.asarray(tg.random.binomial(K, n, p))
        want = np.asarray(jax.random.binomial(jax.random.key(0), n, p))
    sure = np.array([1, 0, 1, 1, 1, 1, 1, 1, 1, 1], bool)  # (5 trials at p = 0.3: random)
    np.testing.assert_array_equal(got[sure], want[sure])  # 0, n = 2.5 → 2 at p = 1, NaN, inf
    assert tg.random.binomial(K, 10, 0.3, shape=(2, 3)).shape == (2, 3)
    assert tg.random.binomial(K, 10, 0.3, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="random.binomial: dtype must be a float dtype"):
        tg.random.binomial(K, 10, 0.3, dtype=np.int32)
    with pytest.raises(ValueError, match="random.binomial: shape"):
        tg.random.binomial(K, np.ones(3), 0.3, shape=(2,))
    jitted = tg.jit(lambda k: tg.random.binomial(k, 10, 0.3, shape=(5,)))
    for seed in (0, 7):  # a plan replays the draw with each call's key
        key = tg.random.PRNGKey(seed)
        np.testing.assert_array_equal(jitted(key), tg.random.binomial(key, 10, 0.3, shape=(5,)))


def test_multinomial_counts_shapes_and_moments():
    M = tg.random.multinomial
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    x = np.asarray(M(tg.random.PRNGKey(3), 100, probs, shape=(20000, 4)))
    assert np.all(x.sum(axis=1) == 100) and x.min() >= 0
    np.testing.assert_allclose(x.mean(axis=0), 100 * probs, atol=0.1)
    c = np.cov(x.T)
    np.testing.assert_allclose(c[0, 1], -100 * 0.1 * 0.2, rtol=0.1)  # counts compete
    np.testing.assert_allclose(c[3, 3], 100 * 0.4 * 0.6, rtol=0.05)
    key = jax.random.key(0)
    for n, p, shape in [(10, probs, None), (np.array([10, 20]), probs, (2, 4)),
                        (10, np.array([[0.2, 0.8], [1.0, 0.0]]), None), (10, probs * 7, (5, 4))]:
        got = M(K, n, p, shape=shape)
        want = jax.random.multinomial(key, n, p, shape=shape)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got.sum(axis=-1), np.broadcast_to(np.floor(n), got.shape[:-1]))
    np.testing.assert_array_equal(M(K, 10, np.array([[0.2, 0.8], [1.0, 0.0]]))[1], [10, 0])
    np.testing.assert_array_equal(M(K, 10.5, probs).sum(), 10)
    for n, p in [(-1, probs), (10, -probs), (10, np.zeros(4)), (np.inf, probs), (10, probs * np.nan)]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert np.all(np.isnan(M(K, n, p)))
    with pytest.raises(ValueError, match="must end with p's number of categories 4"):
        M(K, 10, probs, shape=(3,))
    with pytest.raises(ValueError, match="at least one axis"):
        M(K, 10, 0.5)
