"""tg.random: keys (JAX's raw layout and seeds), determinism, distributions against
scipy.stats (KS tests with fixed keys: deterministic, so they cannot flake), JAX's shapes and
errors, float32, tg.jit replays with new keys, tg.vmap over keys, and gradients: finite
differences with the key held fixed for reparameterized samplers, JAX's implicit gamma
gradient at the same sample values, zero gradients for discrete samplers."""
import warnings

import jax
import jax.random as jr
import numpy as np
import pytest
import scipy.stats as sst
from jax import lax
from scipy import special as sp

import tensorgrad as tg
from tensorgrad import random as tgr
from tensorgrad.random_dists import below_max

jax.config.update("jax_enable_x64", True)

KEY = tgr.PRNGKey(42)
N = 4000


def fd(fn, x, h=1e-6):
    return (fn(x + h) - fn(x - h)) / (2 * h)


# ---- keys -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 42, -1, -7, 2**32 + 5, 2**40 + 3, 2**63 - 1])
def test_prngkey_is_jax_raw_key(seed):
    k = tgr.PRNGKey(seed)
    assert k.dtype == np.uint32 and k.shape == (2,)
    np.testing.assert_array_equal(k, np.asarray(jr.PRNGKey(seed)))
    np.testing.assert_array_equal(tgr.key(seed), k)


def test_split_fold_in_and_key_utilities():
    ks = tgr.split(KEY)
    assert ks.shape == (2, 2) and ks.dtype == np.uint32
    assert tgr.split(KEY, 5).shape == (5, 2)
    assert tgr.split(KEY, (2, 3)).shape == (2, 3, 2)
    np.testing.assert_array_equal(tgr.split(KEY, 5), tgr.split(KEY, 5))  # deterministic
    np.testing.assert_array_equal(tgr.split(KEY, (2, 3)).reshape(6, 2), tgr.split(KEY, 6))
    many = tgr.split(KEY, 1000)
    assert len({tuple(k) for k in many}) == 1000 and not (many == KEY).all(axis=1).any()
    f1, f2 = tgr.fold_in(KEY, 1), tgr.fold_in(KEY, 2)
    assert f1.shape == (2,) and f1.dtype == np.uint32
    np.testing.assert_array_equal(f1, tgr.fold_in(KEY, 1))
    assert not np.array_equal(f1, f2) and not np.array_equal(f1, KEY)
    assert not np.array_equal(tgr.fold_in(tgr.PRNGKey(1), 1), f1)
    np.testing.assert_array_equal(tgr.key_data(many), many)
    np.testing.assert_array_equal(tgr.wrap_key_data(many), many)
    np.testing.assert_array_equal(tgr.clone(KEY), KEY)
    with pytest.raises(TypeError, match="key_data"):
        tgr.key_data(np.zeros(3, np.uint32))


def test_same_key_same_numbers_and_split_streams_differ():
    a = tgr.normal(KEY, (100,))
    np.testing.assert_array_equal(a, tgr.normal(tgr.PRNGKey(42), (100,)))
    k1, k2 = tgr.split(KEY)
    x, y = tgr.normal(k1, (N,)), tgr.normal(k2, (N,))
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.06
    assert abs(np.corrcoef(x, tgr.normal(KEY, (N,)))[0, 1]) < 0.06
    # a prefix of a larger draw is a draw of the smaller shape: no dependence on the shape
    np.testing.assert_array_equal(tgr.uniform(KEY, (10,)), tgr.uniform(KEY, (20,))[:10])


def test_bits():
    for dt in (np.uint8, np.uint16, np.uint32, np.uint64):
        b = tgr.bits(KEY, (3000,), dt)
        assert b.dtype == dt and b.shape == (3000,)
        top = b >> (8 * np.dtype(dt).itemsize - 1)
        assert 0.45 < top.mean() < 0.55  # the high bit is fair
    assert tgr.bits(KEY).dtype == np.uint64 and tgr.bits(KEY).shape == ()  # (JAX with x64)
    with pytest.raises(TypeError, match="unsigned"):
        tgr.bits(KEY, (2,), np.int32)


# ---- distributions: KS tests against scipy.stats -------------------------------------------------
CONTINUOUS = [
    ("uniform", lambda k: tgr.uniform(k, (N,), minval=-1.0, maxval=3.0), sst.uniform(-1, 4)),
    ("normal", lambda k: tgr.normal(k, (N,)), sst.norm()),
    ("truncated_normal", lambda k: tgr.truncated_normal(k, -0.5, 2.0, (N,)), sst.truncnorm(-0.5, 2.0)),
    ("truncated_normal_tail", lambda k: tgr.truncated_normal(k, 6.0, 9.0, (N,)), sst.truncnorm(6.0, 9.0)),
    ("exponential", lambda k: tgr.exponential(k, (N,)), sst.expon()),
    ("laplace", lambda k: tgr.laplace(k, (N,)), sst.laplace()),
    ("logistic", lambda k: tgr.logistic(k, (N,)), sst.logistic()),
    ("gumbel", lambda k: tgr.gumbel(k, (N,)), sst.gumbel_r()),
    ("cauchy", lambda k: tgr.cauchy(k, (N,)), sst.cauchy()),
    ("maxwell", lambda k: tgr.maxwell(k, (N,)), sst.maxwell()),
    ("rayleigh", lambda k: tgr.rayleigh(k, 2.0, (N,)), sst.rayleigh(scale=2.0)),
    ("weibull_min", lambda k: tgr.weibull_min(k, 2.0, 1.5, (N,)), sst.weibull_min(1.5, scale=2.0)),
    ("pareto", lambda k: tgr.pareto(k, 3.0, (N,)), sst.pareto(3.0)),
    ("lognormal", lambda k: tgr.lognormal(k, 0.5, (N,)), sst.lognorm(0.5)),
    ("gamma_small", lambda k: tgr.gamma(k, 0.3, (N,)), sst.gamma(0.3)),
    ("gamma_one", lambda k: tgr.gamma(k, 1.0, (N,)), sst.gamma(1.0)),
    ("gamma_large", lambda k: tgr.gamma(k, 40.0, (N,)), sst.gamma(40.0)),
    ("loggamma", lambda k: tgr.loggamma(k, 0.05, (N,)), sst.loggamma(0.05)),
    ("beta", lambda k: tgr.beta(k, 0.7, 2.5, (N,)), sst.beta(0.7, 2.5)),
    ("chisquare", lambda k: tgr.chisquare(k, 3.0, (N,)), sst.chi2(3.0)),
    ("t", lambda k: tgr.t(k, 4.0, (N,)), sst.t(4.0)),
    ("f", lambda k: tgr.f(k, 5.0, 7.0, (N,)), sst.f(5.0, 7.0)),
    ("generalized_normal", lambda k: tgr.generalized_normal(k, 1.5, (N,)), sst.gennorm(1.5)),
    ("triangular", lambda k: tgr.triangular(k, -1.0, 0.5, 2.0, (N,)), sst.triang(0.5, loc=-1.0, scale=3.0)),
    ("wald", lambda k: tgr.wald(k, 1.5, (N,)), sst.invgauss(1.5)),
    ("double_sided_maxwell_abs", lambda k: np.abs(tgr.double_sided_maxwell(k, 0.0, 1.0, (N,))), sst.maxwell()),
]


@pytest.mark.parametrize("name,sample,dist", CONTINUOUS, ids=[c[0] for c in CONTINUOUS])
def test_continuous_distribution_matches_scipy(name, sample, dist):
    x = sample(tgr.fold_in(KEY, len(name)))
    assert x.shape == (N,) and x.dtype == np.float64 and np.isfinite(x).all()
    assert sst.kstest(x, dist.cdf).pvalue > 1e-3


def test_double_sided_maxwell_is_symmetric_and_shifted():
    x = tgr.double_sided_maxwell(KEY, 3.0, 2.0, (N,))
    assert abs(np.mean(x > 3.0) - 0.5) < 0.03
    assert sst.kstest(np.abs(x - 3.0) / 2.0, sst.maxwell().cdf).pvalue > 1e-3


def test_discrete_distributions():
    b = tgr.bernoulli(KEY, 0.3, (N,))
    assert b.dtype == np.bool_ and abs(b.mean() - 0.3) < 0.03
    r = tgr.rademacher(KEY, (N,))
    assert r.dtype == np.int64 and set(np.unique(r)) == {-1, 1} and abs(r.mean()) < 0.05
    ri = tgr.randint(KEY, (N,), 3, 9)
    assert ri.dtype == np.int64 and ri.min() == 3 and ri.max() == 8
    assert sst.chisquare(np.bincount(ri - 3)).pvalue > 1e-3
    np.testing.assert_array_equal(tgr.randint(KEY, (3,), 5, 2), [5, 5, 5])  # maxval <= minval
    assert tgr.randint(KEY, (N,), -10, 1000, np.int8).max() <= 127  # bounds clipped to the dtype
    g = tgr.geometric(KEY, 0.25, (N,))
    assert g.min() >= 1 and abs(g.mean() - 4.0) < 0.2
    for lam in (0.7, 4.0, 25.0, 3000.0):
        p = tgr.poisson(tgr.fold_in(KEY, int(lam)), lam, (N,))
        assert p.dtype == np.int64
        assert abs(p.mean() - lam) < 4 * np.sqrt(lam / N) and abs(p.var() / lam - 1) < 0.1
    # goodness of fit on the lattice for one rate of each method
    for lam in (3.0, 25.0):
        p = tgr.poisson(tgr.fold_in(KEY, 7), lam, (N,))
        edges = np.arange(int(sst.poisson(lam).ppf(0.005)), int(sst.poisson(lam).ppf(0.995)) + 2)
        counts = np.histogram(p, np.r_[-np.inf, edges[1:-1] - 0.5, np.inf])[0]
        cdf = sst.poisson(lam).cdf(edges[1:-1] - 1)
        expected = N * np.diff(np.r_[0.0, cdf, 1.0])
        assert sst.chisquare(counts, expected).pvalue > 1e-3
    np.testing.assert_array_equal(tgr.poisson(KEY, np.array([0.0, -1.0, np.nan])), [0, -1, -1])


def test_categorical():
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    c = tgr.categorical(KEY, logits, shape=(N,))
    assert c.dtype == np.int64 and c.shape == (N,)
    assert sst.chisquare(np.bincount(c, minlength=4), N * np.exp(logits)).pvalue > 1e-3
    batched = np.stack([logits, logits[::-1]])  # (2, 4)
    assert tgr.categorical(KEY, batched).shape == (2,)
    cb = tgr.categorical(KEY, batched, shape=(N, 2))
    assert abs(cb[:, 0].mean() - 2.0) < 0.05 and abs(cb[:, 1].mean() - 1.0) < 0.05
    assert tgr.categorical(KEY, batched.T, axis=0, shape=(7, 2)).shape == (7, 2)
    without = tgr.categorical(KEY, np.zeros((3, 5)), shape=(4, 3), replace=False)
    assert without.shape == (4, 3)
    assert all(len(set(without[:, j])) == 4 for j in range(3))
    with pytest.raises(ValueError, match="categorical"):
        tgr.categorical(KEY, np.zeros((3, 5)), shape=(4,))


def test_permutation_and_choice():
    p = tgr.permutation(KEY, 10)
    np.testing.assert_array_equal(np.sort(p), np.arange(10))
    x = np.arange(12.0).reshape(3, 4)
    px = tgr.permutation(KEY, x, axis=1)
    np.testing.assert_array_equal(np.sort(px, axis=1), x)
    assert len({tuple(np.argsort(r)) for r in px}) == 1  # the same permutation for each row
    pi = tgr.permutation(tgr.PRNGKey(3), np.tile(np.arange(20.0), (5, 1)), axis=1, independent=True)
    np.testing.assert_array_equal(np.sort(pi, axis=1), np.tile(np.arange(20.0), (5, 1)))
    assert len({tuple(r) for r in pi}) == 5
    c = tgr.choice(KEY, 5, (N,))
    assert sst.chisquare(np.bincount(c, minlength=5)).pvalue > 1e-3
    w = np.array([0.5, 0.0, 0.25, 0.25])
    cp = tgr.choice(KEY, 4, (N,), p=w)
    assert (cp != 1).all() and abs(np.mean(cp == 0) - 0.5) < 0.03
    cr = tgr.choice(KEY, 6, (2, 3), replace=False)
    assert cr.shape == (2, 3) and len(set(cr.ravel())) == 6
    crp = tgr.choice(KEY, 4, (3,), replace=False, p=w)
    assert len(set(crp)) == 3 and 1 not in crp
    ca = tgr.choice(KEY, x, (5,), axis=1)
    assert ca.shape == (3, 5) and set(ca[0]) <= set(x[0])
    with pytest.raises(ValueError, match="larger sample"):
        tgr.choice(KEY, 3, (4,), replace=False)
    with pytest.raises(ValueError, match="p must be"):
        tgr.choice(KEY, 3, (2,), p=np.ones(4) / 4)
    # a 0-d array is the population size, as a number (JAX's rule)
    for a in (np.array(5), np.array(5.0), np.int32(5)):
        np.testing.assert_array_equal(tgr.choice(KEY, a, (7,)), tgr.choice(KEY, 5, (7,)))
    assert tgr.choice(KEY, np.array(5)).shape == () and tgr.choice(KEY, np.array(5)).dtype.kind == "i"
    with pytest.raises(TypeError, match="traced"):  # the population size must be known
        tg.grad(lambda a: a * tg.sum(tgr.choice(KEY, a, (2,))))(np.array(5.0))


def test_multivariate_dirichlet_orthogonal_ball():
    mean = np.array([1.0, -2.0, 0.5])
    a = np.array([[1.0, 0.3, 0.0], [0.2, 0.8, 0.4], [0.1, 0.0, 0.6]])
    cov = a @ a.T + 0.1 * np.eye(3)
    for method in ("cholesky", "eigh", "svd"):
        x = tgr.multivariate_normal(KEY, mean, cov, (N,), method=method)
        assert x.shape == (N, 3)
        np.testing.assert_allclose(x.mean(0), mean, atol=0.06)
        np.testing.assert_allclose(np.cov(x.T), cov, atol=0.08)
    assert tgr.multivariate_normal(KEY, np.zeros((4, 2)), np.eye(2)).shape == (4, 2)
    assert tgr.multivariate_normal(KEY, np.zeros(2), np.stack([np.eye(2)] * 3), (5, 3)).shape == (5, 3, 2)
    with pytest.raises(ValueError, match="method"):
        tgr.multivariate_normal(KEY, mean, cov, method="qr")
    with pytest.raises(ValueError, match="mean must"):
        tgr.multivariate_normal(KEY, mean, np.eye(2))
    alpha = np.array([0.5, 2.0, 3.5])
    d = tgr.dirichlet(KEY, alpha, (N,))
    assert d.shape == (N, 3)
    np.testing.assert_allclose(d.sum(-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(d.mean(0), alpha / alpha.sum(), atol=0.01)
    assert sst.kstest(d[:, 0], sst.beta(0.5, 5.5).cdf).pvalue > 1e-3
    q = tgr.orthogonal(KEY, 4, (3,))
    assert q.shape == (3, 4, 4)
    np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(np.eye(4), (3, 4, 4)), atol=1e-12)
    assert tgr.orthogonal(KEY, 3, m=5).shape == (3, 5) and tgr.orthogonal(KEY, 5, m=3).shape == (5, 3)
    # Haar: the top-left entry of a random 3x3 rotation has the density of a coordinate on S^2
    q = tgr.orthogonal(tgr.PRNGKey(7), 3, (N,))
    assert sst.kstest(q[:, 0, 0], sst.uniform(-1, 2).cdf).pvalue > 1e-3
    b = tgr.ball(KEY, 3, shape=(N,))
    r = np.linalg.norm(b, axis=-1)
    assert b.shape == (N, 3) and r.max() <= 1.0
    assert sst.kstest(r, lambda s: np.clip(s, 0, 1) ** 3).pvalue > 1e-3  # uniform in the volume
    b1 = tgr.ball(KEY, 2, p=1, shape=(N,))
    assert np.abs(b1).sum(-1).max() <= 1.0


# ---- shapes, dtypes, errors -------------------------------------------------------------------------
def test_shape_none_broadcasts_the_parameters():
    assert tgr.gamma(KEY, np.ones((2, 1)) * 2).shape == (2, 1)
    assert tgr.beta(KEY, np.ones(3), np.ones((2, 1))).shape == (2, 3)
    assert tgr.truncated_normal(KEY, np.zeros(3), 1.0).shape == (3,)
    assert tgr.uniform(KEY, (2, 3), minval=np.zeros(3)).shape == (2, 3)
    assert tgr.bernoulli(KEY, np.full((4,), 0.5)).shape == (4,)
    assert tgr.poisson(KEY, np.ones((2, 2))).shape == (2, 2)
    assert tgr.normal(KEY).shape == () and tgr.uniform(KEY, 5).shape == (5,)


def test_errors():
    for bad in (np.zeros(2), np.zeros(3, np.uint32), [0, 0]):
        with pytest.raises(TypeError, match=r"random\.normal: expected a PRNG key.*shape"):
            tgr.normal(bad, (3,))
    with pytest.raises(TypeError, match=r"batch of keys.*tg\.vmap"):
        tgr.uniform(tgr.split(KEY, 3), (3,))
    with pytest.raises(ValueError, match="broadcast-compatible"):
        tgr.uniform(KEY, (3,), minval=np.zeros(4))
    with pytest.raises(ValueError, match="broadcast-compatible"):
        tgr.gamma(KEY, np.ones(4), (3,))
    with pytest.raises(ValueError, match="broadcast together"):
        tgr.beta(KEY, np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="float dtype"):
        tgr.normal(KEY, (2,), np.int32)
    with pytest.raises(ValueError, match="integer dtype"):
        tgr.randint(KEY, (2,), 0, 3, np.float64)


F32_CASES = {
    "uniform": lambda k: tgr.uniform(k, (5,), np.float32), "normal": lambda k: tgr.normal(k, (5,), np.float32),
    "exponential": lambda k: tgr.exponential(k, (5,), np.float32),
    "truncated_normal": lambda k: tgr.truncated_normal(k, -1.0, 1.0, (5,), np.float32),
    "gamma": lambda k: tgr.gamma(k, 2.0, (5,), np.float32), "beta": lambda k: tgr.beta(k, 2.0, 3.0, (5,), np.float32),
    "dirichlet": lambda k: tgr.dirichlet(k, np.ones(3), (5,), np.float32),
    "multivariate_normal": lambda k: tgr.multivariate_normal(k, np.zeros(2), np.eye(2), (5,), np.float32),
    "t": lambda k: tgr.t(k, 3.0, (5,), np.float32), "lognormal": lambda k: tgr.lognormal(k, 1.0, (5,), np.float32),
    "orthogonal": lambda k: tgr.orthogonal(k, 3, (), np.float32),
    "laplace": lambda k: tgr.laplace(k, (5,), np.float32), "cauchy": lambda k: tgr.cauchy(k, (5,), np.float32),
}


@pytest.mark.parametrize("name", sorted(F32_CASES))
def test_float32_is_honoured(name):
    x = F32_CASES[name](KEY)
    assert x.dtype == np.float32 and np.isfinite(x).all()
    g = tg.grad(lambda a: tg.sum(tgr.gamma(KEY, a, (3,), np.float32)))(np.float32(2.0))
    assert np.dtype(g.dtype) == np.float32


def test_float32_uniform_stays_below_one():
    u = tgr.uniform(KEY, (20000,), np.float32)
    assert u.min() >= 0 and u.max() < 1


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_uniform_stays_below_maxval_where_the_sum_rounds_up_to_it(dt):
    # the top unit draw 1 − 2⁻ᵐ (m = nmant + 1 bits) gives 1 + (1 − 2⁻ᵐ) = 2 after rounding
    # (about once in 2²⁴ float32 draws on [1, 2)): the float below maxval, maxval's slope kept
    top = dt(1) - dt(2.0 ** -(np.finfo(dt).nmant + 1))
    u = np.array([0.5, top], dt)
    out, d_hi = tg.value_and_grad(lambda hi: tg.sum(below_max(1 + (hi - 1) * u, dt(1), hi)))(dt(2))
    np.testing.assert_array_equal(below_max(1 + (dt(2) - 1) * u, dt(1), dt(2)), [1.5, np.nextafter(dt(2), dt(1))])
    assert d_hi == 0.5 + top and np.dtype(d_hi.dtype) == dt
    f = tg.jit(lambda hi: below_max(1 + (hi - 1) * u, dt(1), hi))
    np.testing.assert_array_equal(f(dt(2)), [1.5, np.nextafter(dt(2), dt(1))])
    np.testing.assert_array_equal(below_max(np.full(2, dt(3)), dt(3), dt(2)), [3, 3])  # reversed bounds: as given
    draws = tgr.uniform(KEY, (5000,), dt, 1.0, 2.0)
    assert draws.min() >= 1 and draws.max() < 2


# ---- transforms ---------------------------------------------------------------------------------
def test_jit_draws_from_the_key_of_each_call():
    f = tg.jit(lambda k: tgr.normal(k, (3,)))
    keys = tgr.split(KEY, 3)
    outs = [f(k) for k in keys]
    for k, o in zip(keys, outs):
        np.testing.assert_array_equal(o, tgr.normal(k, (3,)))
    assert not np.array_equal(outs[0], outs[1])
    g = tg.jit(lambda k, a: tgr.gamma(k, a, (4,)) + tgr.categorical(tgr.fold_in(k, 1), np.zeros(5), shape=(4,)))
    for k, a in ((keys[0], 2.0), (keys[1], 2.0), (keys[1], 5.0)):
        np.testing.assert_array_equal(
            g(k, a), tgr.gamma(k, a, (4,)) + tgr.categorical(tgr.fold_in(k, 1), np.zeros(5), shape=(4,)))
    s = tg.jit(lambda seed, i: tgr.uniform(tgr.fold_in(tgr.PRNGKey(seed), i), (2,)))
    for seed, i in ((1, 0), (2, 0), (2, 5)):
        np.testing.assert_array_equal(s(np.int64(seed), np.int64(i)),
                                      tgr.uniform(tgr.fold_in(tgr.PRNGKey(seed), i), (2,)))
    sp_ = tg.jit(lambda k: tgr.split(k, 4))
    np.testing.assert_array_equal(sp_(keys[2]), tgr.split(keys[2], 4))
    perm = tg.jit(lambda k, x: tgr.permutation(k, x))
    x = np.arange(6.0)
    np.testing.assert_array_equal(perm(keys[0], x), tgr.permutation(keys[0], x))
    np.testing.assert_array_equal(perm(keys[1], x), tgr.permutation(keys[1], x))


ALL_SAMPLERS = {
    "bits": lambda k, p: tgr.bits(k, (3,)), "uniform": lambda k, p: tgr.uniform(k, (3,), minval=p, maxval=p + 1.0),
    "normal": lambda k, p: tgr.normal(k, (3,)) * p,
    "truncated_normal": lambda k, p: tgr.truncated_normal(k, -p, p, (3,)),
    "bernoulli": lambda k, p: tgr.bernoulli(k, p / 3, (3,)),
    "categorical": lambda k, p: tgr.categorical(k, tg.stack([p, 0.0, 1.0]), shape=(3,)),
    "categorical_noreplace": lambda k, p: tgr.categorical(k, tg.stack([p, 0.0, 1.0]), shape=(2,), replace=False),
    "randint": lambda k, p: tgr.randint(k, (3,), 0, 100), "permutation": lambda k, p: tgr.permutation(k, 8),
    "choice": lambda k, p: tgr.choice(k, 8, (3,), p=tg.ones(8) * p),
    "choice_noreplace": lambda k, p: tgr.choice(k, 8, (3,), replace=False, p=tg.ones(8) * p),
    "exponential": lambda k, p: tgr.exponential(k, (3,)), "gamma": lambda k, p: tgr.gamma(k, p, (3,)),
    "loggamma": lambda k, p: tgr.loggamma(k, p, (3,)), "beta": lambda k, p: tgr.beta(k, p, 2.0, (3,)),
    "dirichlet": lambda k, p: tgr.dirichlet(k, tg.stack([p, 1.0])), "laplace": lambda k, p: tgr.laplace(k, (3,)),
    "logistic": lambda k, p: tgr.logistic(k, (3,)), "gumbel": lambda k, p: tgr.gumbel(k, (3,)),
    "cauchy": lambda k, p: tgr.cauchy(k, (3,)), "pareto": lambda k, p: tgr.pareto(k, p, (3,)),
    "poisson": lambda k, p: tgr.poisson(k, p * 10, (3,)), "chisquare": lambda k, p: tgr.chisquare(k, p, (3,)),
    "t": lambda k, p: tgr.t(k, p, (3,)), "f": lambda k, p: tgr.f(k, p, 3.0, (3,)),
    "weibull_min": lambda k, p: tgr.weibull_min(k, p, p, (3,)), "lognormal": lambda k, p: tgr.lognormal(k, p, (3,)),
    "multivariate_normal": lambda k, p: tgr.multivariate_normal(k, tg.zeros(2), tg.eye(2) * p),
    "orthogonal": lambda k, p: tgr.orthogonal(k, 3), "rademacher": lambda k, p: tgr.rademacher(k, (3,)),
    "ball": lambda k, p: tgr.ball(k, 2), "maxwell": lambda k, p: tgr.maxwell(k, (3,)),
    "double_sided_maxwell": lambda k, p: tgr.double_sided_maxwell(k, p, p, (3,)),
    "generalized_normal": lambda k, p: tgr.generalized_normal(k, p, (3,)),
    "geometric": lambda k, p: tgr.geometric(k, p / 3, (3,)),
    "triangular": lambda k, p: tgr.triangular(k, 0.0, p, 2.0, (3,)),
    "rayleigh": lambda k, p: tgr.rayleigh(k, p, (3,)), "wald": lambda k, p: tgr.wald(k, p, (3,)),
    "binomial": lambda k, p: tgr.binomial(k, 40.0, p / 3, (3,)),
    "multinomial": lambda k, p: tgr.multinomial(k, 20.0, tg.stack([p, 1.0, 0.5])),
}


def test_every_public_sampler_is_covered():
    keys_api = {"PRNGKey", "key", "key_data", "wrap_key_data", "split", "fold_in", "clone"}
    assert set(tgr.__all__) - keys_api == set(ALL_SAMPLERS) - {"categorical_noreplace", "choice_noreplace"}


@pytest.mark.parametrize("name", sorted(ALL_SAMPLERS))
def test_jit_replays_every_sampler_with_the_new_key_and_parameter(name):
    """Never the numbers of the trace: each call of the plan draws from its own key."""
    fn = ALL_SAMPLERS[name]
    jitted = tg.jit(fn)
    for k, p in ((tgr.PRNGKey(0), 1.5), (tgr.PRNGKey(1), 1.5), (tgr.PRNGKey(1), 1.25)):
        np.testing.assert_array_equal(jitted(k, p), fn(k, p))
    outs = [jitted(tgr.PRNGKey(s), 1.5) for s in range(2, 8)]
    assert any(not np.array_equal(o, outs[0]) for o in outs[1:])


@pytest.mark.parametrize("name", sorted(ALL_SAMPLERS))
def test_vmap_over_keys_for_every_sampler(name):
    fn = ALL_SAMPLERS[name]
    keys = tgr.split(KEY, 3)
    out = tg.vmap(lambda k: fn(k, 1.5))(keys)
    np.testing.assert_array_equal(out, np.stack([np.asarray(fn(k, 1.5)) for k in keys]))


def test_jit_of_grad_with_the_key_as_argument():
    g = tg.jit(tg.grad(lambda a, k: tg.sum(tgr.gamma(k, a, (3,)) + tgr.uniform(k, (3,), minval=a))))
    for k in tgr.split(KEY, 3):
        expected = tg.grad(lambda a: tg.sum(tgr.gamma(k, a, (3,)) + tgr.uniform(k, (3,), minval=a)))(2.0)
        np.testing.assert_allclose(g(2.0, k), expected, rtol=1e-12)


def test_vmap_over_keys():
    keys = tgr.split(KEY, 5)
    out = tg.vmap(lambda k: tgr.normal(k, (3,)))(keys)
    assert out.shape == (5, 3)
    np.testing.assert_array_equal(out, np.stack([tgr.normal(k, (3,)) for k in keys]))
    np.testing.assert_array_equal(tg.jit(tg.vmap(lambda k: tgr.normal(k, (3,))))(keys), out)
    ga = tg.vmap(lambda k, a: tgr.gamma(k, a), in_axes=(0, 0))(keys, np.arange(1.0, 6.0))
    np.testing.assert_array_equal(ga, [tgr.gamma(k, a) for k, a in zip(keys, np.arange(1.0, 6.0))])
    sub = tg.vmap(lambda k: tgr.split(k))(keys)
    assert sub.shape == (5, 2, 2)


REPARAM = [
    ("uniform", lambda p: tgr.uniform(KEY, (6,), minval=p, maxval=p * p + 2.0)),
    ("truncated_normal_lower", lambda p: tgr.truncated_normal(KEY, p - 1.0, 2.0, (6,))),
    ("truncated_normal_upper", lambda p: tgr.truncated_normal(KEY, -1.0, p, (6,))),
    ("truncated_normal_tail", lambda p: tgr.truncated_normal(KEY, p + 4.0, p + 5.0, (6,))),
    ("lognormal", lambda p: tgr.lognormal(KEY, p, (6,))),
    ("weibull_scale_conc", lambda p: tgr.weibull_min(KEY, p, p + 0.5, (6,))),
    ("pareto", lambda p: tgr.pareto(KEY, p, (6,))),
    ("rayleigh", lambda p: tgr.rayleigh(KEY, p, (6,))),
    ("double_sided_maxwell", lambda p: tgr.double_sided_maxwell(KEY, p, 2.0 * p, (6,))),
    ("triangular", lambda p: tgr.triangular(KEY, p - 2.0, p, 3.0, (6,))),
    ("wald", lambda p: tgr.wald(KEY, p, (6,))),
    ("mvn_mean_cov", lambda p: tgr.multivariate_normal(
        KEY, tg.stack([p, 2.0 * p]), tg.stack([tg.stack([p + 1.0, 0.3]), tg.stack([0.3, 2.0])]), (3,))),
    ("mvn_eigh", lambda p: tgr.multivariate_normal(
        KEY, tg.zeros(2), tg.stack([tg.stack([p + 1.0, 0.3]), tg.stack([0.3, 2.0])]), (3,), method="eigh")),
    ("permutation_values", lambda p: tgr.permutation(KEY, tg.stack([p, p * p, 3.0 * p]))),
    ("choice_values", lambda p: tgr.choice(KEY, tg.stack([p, p * p, 3.0 * p]), (5,))),
]


@pytest.mark.parametrize("name,sample", REPARAM, ids=[r[0] for r in REPARAM])
def test_reparameterized_gradient_matches_finite_differences(name, sample):
    w = np.linspace(0.5, 1.5, 6)

    def loss(p):
        s = tg.ravel(sample(p))
        return tg.sum(s * w[:s.shape[0]])
    p0 = 1.3
    g = tg.grad(loss)(p0)
    np.testing.assert_allclose(g, fd(loss, p0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(tg.jit(tg.grad(loss))(p0), g, rtol=1e-12)
    np.testing.assert_allclose(tg.jacfwd(loss)(p0), g, rtol=1e-10)


def test_gamma_gradient_is_jax_implicit_gradient():
    a = np.repeat([0.05, 0.4, 1.0, 3.0, 60.0], 20)
    x, slopes = tg.jvp(lambda aa: tgr.gamma(KEY, aa), (a,), (np.ones_like(a),))
    np.testing.assert_array_equal(x, tgr.gamma(KEY, a))
    ref = np.asarray(jax.jit(lax.random_gamma_grad)(a, x))
    np.testing.assert_allclose(slopes, ref, rtol=1e-9)
    # the derivative of the quantile at the sample's CDF level, by finite differences
    u = sp.gammainc(a, x)
    h = 1e-6 * a
    quant = (sp.gammaincinv(a + h, u) - sp.gammaincinv(a - h, u)) / (2 * h)
    ok = (u > 1e-10) & (u < 1 - 1e-10)
    np.testing.assert_allclose(slopes[ok], quant[ok], rtol=1e-5)
    rev = tg.grad(lambda aa: tg.sum(tgr.gamma(KEY, aa)))(a)
    np.testing.assert_allclose(rev, slopes, rtol=1e-12)


GAMMA_FAMILY = {  # (E[statistic] as a function of the parameter, its derivative, at a0)
    "gamma": (lambda a, n: tg.mean(tgr.gamma(KEY, a, (n,))), lambda a: 1.0),  # E = a
    "gamma_square": (lambda a, n: tg.mean(tgr.gamma(KEY, a, (n,)) ** 2), lambda a: 2 * a + 1),
    "loggamma": (lambda a, n: tg.mean(tgr.loggamma(KEY, a, (n,))), lambda a: sp.polygamma(1, a)),
    "beta": (lambda a, n: tg.mean(tgr.beta(KEY, a, 2.0, (n,))), lambda a: 2.0 / (a + 2.0) ** 2),
    "dirichlet": (lambda a, n: tg.mean(tgr.dirichlet(KEY, tg.stack([a, 1.0, 2.0]), (n,))[:, 0]),
                  lambda a: 3.0 / (a + 3.0) ** 2),
    "chisquare": (lambda a, n: tg.mean(tgr.chisquare(KEY, a, (n,))), lambda a: 1.0),  # E = df
    "t": (lambda a, n: tg.mean(tgr.t(KEY, a + 3.0, (n,)) ** 2), lambda a: -2.0 / (a + 1.0) ** 2),
    "f": (lambda a, n: tg.mean(tgr.f(KEY, 3.0, a + 3.0, (n,))), lambda a: -2.0 / (a + 1.0) ** 2),
}


@pytest.mark.parametrize("which", sorted(GAMMA_FAMILY))
def test_gamma_family_mean_gradient(which):
    """E[d sample/d param] = d E[sample]/d param, estimated with a fixed key."""
    fn, slope = GAMMA_FAMILY[which]
    a0 = 1.5
    g = tg.grad(lambda a: fn(a, 800))(a0)
    assert abs(g - slope(a0)) < 0.12 * abs(slope(a0))


def test_discrete_samplers_give_zero_gradients():
    def loss(p):
        return (tg.sum(tgr.bernoulli(KEY, p, (5,)).astype(float))
                + tg.sum(tgr.categorical(KEY, tg.stack([p, 0.0, 1.0]), shape=(4,)).astype(float))
                + tg.sum(tgr.poisson(KEY, p * 3.0, (4,)).astype(float))
                + tg.sum(tgr.geometric(KEY, p * 0.5, (4,)).astype(float))
                + tg.sum(tgr.choice(KEY, 3, (4,), p=tg.stack([p, 0.2, 0.3])).astype(float))
                + tg.sum(tgr.binomial(KEY, 9.0, p, (4,)))
                + tg.sum(tgr.multinomial(KEY, 9.0, tg.stack([p, 0.2, 0.3]))))
    assert tg.grad(loss)(0.4) == 0.0
    assert tg.jit(tg.grad(loss))(0.4) == 0.0


def test_extreme_parameters_keep_their_samples_and_gradients():
    k = tgr.PRNGKey(3)
    a = 1e-3   # gamma samples underflow (log x < −745): the slope of log x stays exact
    lx = np.asarray(tgr.loggamma(k, a, (6,)))
    g = np.array([float(tg.grad(lambda aa, i=i: tgr.loggamma(k, aa, (6,))[i])(a)) for i in range(6)])
    assert (lx < -745).any()
    np.testing.assert_allclose(g, (sp.digamma(a + 1) - lx) / a, rtol=1e-6)
    i64 = np.iinfo(np.int64)
    x = np.asarray(tgr.randint(k, (4000,), i64.min, i64.max))
    assert len(np.unique(x)) > 3990                       # the full range, not minval
    assert np.asarray(tgr.randint(k, (20000,), 0, 256, np.uint8)).max() == 255
    assert (np.asarray(tgr.poisson(k, 1e10, (3,), np.int32)) == np.iinfo(np.int32).max).all()
    assert (np.asarray(tgr.geometric(k, 0.0, (3,))) == i64.max).all()
    for lo, hi in ((38.0, np.inf), (40.0, 41.0), (-np.inf, -40.0)):
        t = np.asarray(tgr.truncated_normal(k, lo, hi, (2000,)))
        assert np.isfinite(t).all() and ((t >= lo) & (t <= hi)).all()
    w = np.asarray(tgr.wald(tgr.PRNGKey(1), 1e8, (4000,)))
    assert sst.kstest(w, "invgauss", (1e8,)).pvalue > 1e-3
    assert tgr.weibull_min(k, np.ones(3), 1.0).shape == (3,)


def test_fold_in_refuses_python_integers_outside_uint32_and_open_uniforms_stay_below_one():
    from tensorgrad.random_dists import open_unit
    k = tgr.PRNGKey(0)
    for bad in (2 ** 32, -1):
        with pytest.raises(OverflowError, match="uint32"):
            tgr.fold_in(k, bad)
    assert tgr.fold_in(k, np.int64(2 ** 32)).shape == (2,)
    u = open_unit(np.array([2 ** 64 - 1, 0], dtype=np.uint64))
    assert (u < 1.0).all() and (u > 0.0).all()


def test_normal_of_a_complex_dtype_has_parts_of_variance_one_half():
    key = tg.random.PRNGKey(3)
    for dt in (np.complex64, np.complex128):
        z = tg.random.normal(key, (200_000,), dtype=dt)
        assert z.dtype == dt and z.shape == (200_000,)
        # E|z|² = 1, each part N(0, ½), parts uncorrelated (5 standard errors)
        assert abs(np.mean(np.abs(z) ** 2) - 1) < 5 * np.sqrt(2 / 200_000) * 1.0
        assert abs(np.var(z.real) - 0.5) < 0.01 and abs(np.var(z.imag) - 0.5) < 0.01
        assert abs(np.mean(z.real * z.imag)) < 0.01
    np.testing.assert_array_equal(tg.jit(lambda k: tg.random.normal(k, (3,), dtype=np.complex128))(key),
                                  tg.random.normal(key, (3,), dtype=np.complex128))


def test_mode_is_checked_as_jax_checks_it():
    k = tg.random.PRNGKey(0)
    for draw in (lambda m: tg.random.gumbel(k, (2,), mode=m), lambda m: tg.random.bernoulli(k, 0.5, (2,), mode=m),
                 lambda m: tg.random.categorical(k, np.zeros(3), mode=m),
                 lambda m: tg.random.choice(k, 5, (2,), mode=m)):
        with pytest.raises(ValueError, match="mode must be None, 'low' or 'high', got 'bad'"):
            draw("bad")
        assert np.array_equal(draw("high"), draw(None))  # (a precision hint: the same draws here)


def test_p_infinity_limits_of_generalized_normal_and_ball_are_uniform():
    # density ∝ exp(−|x|^p) tends to the uniform density on [−1, 1]; the ∞-ball is the cube
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (it divided 0 by 0: NaN, with a warning)
        g = tgr.generalized_normal(KEY, np.inf, (N,))
        b = tgr.ball(KEY, 3, np.inf, (N // 3,))
    assert b.shape == (N // 3, 3)
    for v in (g, b.ravel()):
        assert np.all(np.abs(v) < 1) and abs(v.mean()) < 0.02
        assert sst.kstest(v, "uniform", args=(-1, 2)).pvalue > 1e-3


@pytest.mark.parametrize("loc, shape", [(np.zeros(2), (2,)), (np.zeros(2), (3,)), (np.zeros(2), ()),
                                        (0.0, ()), (0.0, (4,)), (np.zeros((2, 1)), (3,))])
def test_double_sided_maxwell_puts_shape_in_front_of_the_parameters_shape_as_jax(loc, shape):
    want = jr.double_sided_maxwell(jr.PRNGKey(0), loc, 1.0, shape).shape
    assert np.shape(tgr.double_sided_maxwell(tgr.PRNGKey(0), loc, 1.0, shape)) == want


def test_sampler_edges_as_jax():
    key = tgr.PRNGKey(0)
    np.testing.assert_array_equal(np.sort(tgr.permutation(key, np.array(5))), np.arange(5))  # 0-d
    np.testing.assert_array_equal(tgr.permutation(key, np.array(5)), tgr.permutation(key, 5))
    # an indefinite covariance gives NaN with method='eigh', as JAX; a singular PSD one is fine
    bad = tgr.multivariate_normal(key, np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]]), (3,),
                                  method="eigh")
    assert np.isnan(bad).all()
    ok = tgr.multivariate_normal(key, np.zeros(2), np.ones((2, 2)), (4000,), method="eigh")
    assert np.isfinite(ok).all() and abs(np.cov(ok.T)[0, 1] - 1.0) < 0.1
    # heavy tails in a narrow dtype stay finite (drawn in float64, clipped to the dtype's range)
    assert np.isfinite(tgr.cauchy(key, (200000,), dtype=np.float16)).all()
    with pytest.raises(TypeError, match="complex value into the real dtype"):
        tg.nn.initializers.constant(1 + 2j)(key, (2,))  # (JAX raises; NumPy would drop 2j)
    np.testing.assert_array_equal(tg.nn.initializers.constant(1 + 2j, np.complex128)(key, (2,)),
                                  [1 + 2j, 1 + 2j])


def test_a_negative_or_fractional_sample_shape_names_the_function():
    # before: NumPy's bare "negative dimensions are not allowed" from deep inside the draw
    key = tg.random.PRNGKey(0)
    for fn, args in ((tg.random.normal, ()), (tg.random.uniform, ()), (tg.random.bits, ()),
                     (tg.random.randint, (0, 3)), (tg.random.bernoulli, (0.5,))):
        name = fn.__name__
        shape_first = name != "bernoulli"
        call = (lambda s: fn(key, s, *args)) if shape_first else (lambda s: fn(key, *args, s))
        with pytest.raises(ValueError, match=rf"random\.{name}: shape \(2, -3\) has a negative dimension"):
            call((2, -3))
        with pytest.raises(TypeError, match=rf"random\.{name}: shape must be an int or a sequence"):
            call((1.5,))
        assert np.shape(call((2, 0))) == (2, 0)
