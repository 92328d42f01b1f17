"""tg.distributions' transforms, TransformedDistribution and MixtureSameFamily: densities against
the change-of-variables formula written out (with the inverse's derivative taken by tg.grad, not
by the transform's own log-determinant), against the library's LogNormal, and mixtures against
scipy.stats and jax.grad of the mixture likelihood written in jax.numpy."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate, special, stats

import tensorgrad as tg

D = tg.distributions
RNG = np.random.default_rng(0)
LOC, SCALE = RNG.normal(size=3), np.exp(RNG.normal(size=3))


def test_exp_of_a_normal_is_the_lognormal():
    d = D.TransformedDistribution(D.Normal(LOC, SCALE), [D.ExpTransform()])
    ref = D.LogNormal(LOC, SCALE)
    y = np.array([0.3, 1.7, 0.9])
    np.testing.assert_allclose(d.log_prob(y), ref.log_prob(y), rtol=1e-12)
    np.testing.assert_allclose(d.cdf(y), ref.cdf(y), rtol=1e-12)
    np.testing.assert_allclose(d.icdf(np.array([0.1, 0.5, 0.9])), ref.icdf(np.array([0.1, 0.5, 0.9])),
                               rtol=1e-12)
    key = tg.random.PRNGKey(3)
    np.testing.assert_allclose(d.sample((4,), key=key), np.exp(D.Normal(LOC, SCALE).sample((4,), key=key)))
    assert d.has_rsample and d.batch_shape == (3,) and d.event_shape == ()
    # the inverse transform brings the lognormal back to the normal
    back = D.TransformedDistribution(ref, D.ExpTransform().inv)
    np.testing.assert_allclose(back.log_prob(np.log(y)), D.Normal(LOC, SCALE).log_prob(np.log(y)),
                               rtol=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "power", "tanh-affine", "compose"])
def test_log_prob_is_the_change_of_variables(name):
    base = D.LogNormal(LOC, SCALE) if name == "power" else D.Normal(LOC, SCALE)
    ts = {"sigmoid": [D.SigmoidTransform()], "softplus": [D.SoftplusTransform()],
          "power": [D.PowerTransform(2.5)],
          "tanh-affine": [D.TanhTransform(), D.AffineTransform(2.0, -3.0)],
          "compose": [D.ComposeTransform([D.ExpTransform(), D.AffineTransform(1.0, 2.0)])]}[name]
    y = {"sigmoid": [0.2, 0.5, 0.9], "softplus": [0.2, 1.5, 3.0], "power": [0.2, 1.5, 3.0],
         "tanh-affine": [0.5, 2.0, 4.0], "compose": [2.0, 3.0, 4.0]}[name]
    d = D.TransformedDistribution(base, ts)

    def inverse(v):
        for t in reversed(ts):
            v = t.inv(v)
        return v
    for i, yi in enumerate(y):
        x = inverse(np.float64(yi))
        slope = tg.grad(inverse)(np.float64(yi))  # d x / d y by differentiation
        want = float(base.log_prob(np.full(3, x))[i]) + np.log(abs(slope))
        assert np.isclose(float(d.log_prob(np.full(3, yi))[i]), want, rtol=1e-10)
    for t in ts:  # forward and inverse undo each other
        x = np.array([0.3, 0.7, 1.1])
        np.testing.assert_allclose(t.inv(t(x)), x, rtol=1e-12)


def test_event_transforms_on_a_multivariate_base():
    cov = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]])
    s = np.array([2.0, 3.0, 0.5])
    d = D.TransformedDistribution(D.MultivariateNormal(LOC, cov),
                                  [D.ExpTransform(), D.AffineTransform(1.0, s, event_dim=1)])
    assert d.batch_shape == () and d.event_shape == (3,)
    v = np.array([[2.0, 5.0, 1.7], [3.0, 4.0, 2.0]])
    z = np.log((v - 1.0) / s)
    want = stats.multivariate_normal(LOC, cov).logpdf(z) - z.sum(axis=-1) - np.log(s).sum()
    np.testing.assert_allclose(d.log_prob(v), want, rtol=1e-12)


LOGITS, MU, SD = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3)), np.exp(RNG.normal(size=(2, 3)))


def _mixture_log_prob(lg, mu, x):
    w = jax.nn.log_softmax(lg, axis=-1)
    return jax.scipy.special.logsumexp(w + jax.scipy.stats.norm.logpdf(x[..., None], mu, SD), axis=-1)


def test_mixture_of_normals_against_scipy_and_jax():
    mix = D.MixtureSameFamily(D.Categorical(logits=LOGITS), D.Normal(MU, SD))
    assert mix.batch_shape == (2,) and mix.event_shape == ()
    w = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
    x = np.array([[0.3], [-1.2], [2.0]])  # (3, 1) against the batch of 2
    want = np.log((w * stats.norm.pdf(x[..., None], MU, SD)).sum(-1))
    np.testing.assert_allclose(mix.log_prob(x), want, rtol=1e-12)
    np.testing.assert_allclose(mix.cdf(x), (w * stats.norm.cdf(x[..., None], MU, SD)).sum(-1), rtol=1e-12)
    mean = (w * MU).sum(-1)
    np.testing.assert_allclose(mix.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(mix.variance, (w * (SD ** 2 + MU ** 2)).sum(-1) - mean ** 2, rtol=1e-12)
    got = tg.grad(lambda lg, m: tg.sum(D.MixtureSameFamily(D.Categorical(logits=lg), D.Normal(m, SD))
                                       .log_prob(x)), argnums=(0, 1))(LOGITS, MU)
    ref = jax.grad(lambda lg, m: jnp.sum(_mixture_log_prob(lg, m, x)), argnums=(0, 1))(LOGITS, MU)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, rtol=1e-10)
    draws = mix.sample((40000,), key=tg.random.PRNGKey(1))
    assert draws.shape == (40000, 2)
    assert np.all(np.abs(draws.mean(0) - mean) < 5 * np.sqrt(mix.variance / 40000))


def test_mixture_with_event_components_and_errors():
    mu, sd = RNG.normal(size=(2, 3, 2)), np.exp(RNG.normal(size=(2, 3, 2)))
    mix = D.MixtureSameFamily(D.Categorical(logits=LOGITS), D.Independent(D.Normal(mu, sd), 1))
    assert mix.batch_shape == (2,) and mix.event_shape == (2,)
    x = RNG.normal(size=(4, 2, 2))
    w = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
    per = stats.norm.logpdf(x[:, :, None, :], mu, sd).sum(-1)  # (4, 2, 3)
    np.testing.assert_allclose(mix.log_prob(x), np.log((w * np.exp(per)).sum(-1)), rtol=1e-12)
    np.testing.assert_allclose(mix.mean, (w[..., None] * mu).sum(-2), rtol=1e-12)
    draws = mix.sample((30000,), key=tg.random.PRNGKey(2))
    assert draws.shape == (30000, 2, 2)
    np.testing.assert_allclose(draws.mean(0), mix.mean, atol=5 * float(np.sqrt(np.max(mix.variance) / 30000)))
    with pytest.raises(ValueError, match="last batch axis must hold the 3 components"):
        D.MixtureSameFamily(D.Categorical(logits=LOGITS), D.Normal(np.zeros(4), 1.0))
    with pytest.raises(ValueError, match="mixture_distribution must be a Categorical"):
        D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(MU, SD))
    with pytest.raises(TypeError, match="transforms must be Transforms"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), [np.exp])


def test_low_rank_normal_equals_the_full_covariance_normal():
    loc, w, d = RNG.normal(size=(2, 4)), RNG.normal(size=(4, 2)), np.exp(RNG.normal(size=4))
    low = D.LowRankMultivariateNormal(loc, w, d)
    cov = w @ w.T + np.diag(d)
    full = D.MultivariateNormal(loc, covariance_matrix=cov)
    assert low.batch_shape == (2,) and low.event_shape == (4,)
    x = RNG.normal(size=(3, 2, 4))
    np.testing.assert_allclose(low.log_prob(x), full.log_prob(x), rtol=1e-12)
    np.testing.assert_allclose(low.log_prob(x)[0, 1], stats.multivariate_normal(loc[1], cov).logpdf(x[0, 1]),
                               rtol=1e-12)
    np.testing.assert_allclose(low.entropy(), full.entropy(), rtol=1e-12)
    np.testing.assert_allclose(low.variance, np.diag(cov) * np.ones((2, 1)), rtol=1e-12)
    np.testing.assert_allclose(low.covariance_matrix[0], cov, rtol=1e-12)
    np.testing.assert_allclose(low.precision_matrix[0], np.linalg.inv(cov), rtol=1e-10)
    # the gradient in the factor through the capacitance form equals the full form's
    g_low = tg.grad(lambda f: tg.sum(D.LowRankMultivariateNormal(loc, f, d).log_prob(x)))(w)
    g_full = tg.grad(lambda f: tg.sum(D.MultivariateNormal(
        loc, covariance_matrix=f @ f.T + np.diag(d)).log_prob(x)))(w)
    np.testing.assert_allclose(g_low, g_full, rtol=1e-10)
    draws = low.rsample((30000,), key=tg.random.PRNGKey(4))
    assert draws.shape == (30000, 2, 4)
    np.testing.assert_allclose(np.cov(draws[:, 0].T), cov, atol=0.15)
    with pytest.raises(ValueError, match="cov_factor must be"):
        D.LowRankMultivariateNormal(loc, w.T, d)
    with pytest.raises(ValueError, match="LowRankMultivariateNormal: parameter cov_diag"):
        D.LowRankMultivariateNormal(loc, w, -d)


def test_negative_binomial_and_inverse_gamma_against_scipy():
    r, p, k = np.array([0.0, 1.5, 3.0, 7.0]), np.array([0.2, 0.5, 0.7, 0.9]), np.array([0.0, 2.0, 5.0, 11.0])
    nb = D.NegativeBinomial(r, probs=p)  # successes (probability p) before r failures
    ref = stats.nbinom(r[1:], 1 - p[1:])
    np.testing.assert_allclose(nb.log_prob(k)[1:], ref.logpmf(k[1:]), rtol=1e-10)
    assert nb.log_prob(k)[0] == 0.0  # no failures wanted: 0 successes for sure
    np.testing.assert_allclose(nb.mean[1:], ref.mean(), rtol=1e-12)
    np.testing.assert_allclose(nb.variance[1:], ref.var(), rtol=1e-12)
    lg = np.log(p) - np.log1p(-p)
    np.testing.assert_allclose(D.NegativeBinomial(r, logits=lg).log_prob(k), nb.log_prob(k), rtol=1e-10)
    draws = D.NegativeBinomial(r[1:], probs=p[1:]).sample((40000,), key=tg.random.PRNGKey(5))
    assert np.all(draws == np.floor(draws))
    assert np.all(np.abs(draws.mean(0) - ref.mean()) < 5 * np.sqrt(ref.var() / 40000))
    a, b = np.array([0.5, 1.5, 2.5, 4.0]), np.array([1.0, 2.0, 0.5, 3.0])
    ig, ref = D.InverseGamma(a, b), stats.invgamma(a, scale=b)
    x = np.array([0.3, 1.2, 0.4, 2.0])
    np.testing.assert_allclose(ig.log_prob(x), ref.logpdf(x), rtol=1e-12)
    np.testing.assert_allclose(ig.cdf(x), ref.cdf(x), rtol=1e-10)
    np.testing.assert_allclose(ig.entropy(), ref.entropy(), rtol=1e-10)
    np.testing.assert_allclose(ig.mean, [np.inf, 4.0, 1 / 3, 1.0], rtol=1e-12)
    np.testing.assert_allclose(ig.variance, [np.inf, np.inf, 2 / 9, 0.5], rtol=1e-12)
    binom = D.Binomial(np.array([5.0, 1000.0]), np.array([0.3, 0.01])).sample((20000,), key=tg.random.PRNGKey(1))
    assert np.all(np.abs(binom.mean(0) - [1.5, 10.0]) < 5 * np.sqrt(np.array([1.05, 9.9]) / 20000))


def test_relaxed_bernoulli_and_one_hot_categorical():
    pk, lam, x = np.array([0.2, 0.3, 0.5]), 0.7, np.array([0.1, 0.2, 0.7])
    # the Concrete density of Maddison, Mnih and Teh (2017), written out
    k = len(pk)
    concrete = (math.log(math.factorial(k - 1)) + (k - 1) * math.log(lam)
                + np.sum(np.log(pk) - (lam + 1) * np.log(x)) - k * np.log(np.sum(pk * x ** -lam)))
    d = D.RelaxedOneHotCategorical(lam, probs=pk)
    assert d.batch_shape == () and d.event_shape == (3,)
    np.testing.assert_allclose(d.log_prob(x), concrete, rtol=1e-12)
    two = D.RelaxedOneHotCategorical(0.8, probs=np.array([0.3, 0.7]))
    total, _ = integrate.quad(lambda v: float(np.exp(two.log_prob(np.array([v, 1 - v])))), 0, 1)
    assert abs(total - 1) < 1e-8
    rb = D.RelaxedBernoulli(0.6, probs=np.array(0.3))
    total, _ = integrate.quad(lambda v: float(np.exp(rb.log_prob(np.array(v)))), 0, 1)
    assert abs(total - 1) < 1e-8
    lrb = D.LogitRelaxedBernoulli(0.6, probs=np.array(0.3))
    total, _ = integrate.quad(lambda v: float(np.exp(lrb.log_prob(np.array(v)))), -np.inf, np.inf)
    assert abs(total - 1) < 1e-8
    # near zero temperature the draws are one-hot with the categorical's frequencies
    probs = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    cold = D.RelaxedOneHotCategorical(0.01, probs=probs).sample((20000,), key=tg.random.PRNGKey(1))
    np.testing.assert_allclose(cold.sum(-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(cold.mean(0), probs, atol=0.02)
    coin = D.RelaxedBernoulli(0.01, probs=np.array([0.2, 0.6, 0.9])).sample((20000,), key=tg.random.PRNGKey(2))
    np.testing.assert_allclose(coin.mean(0), [0.2, 0.6, 0.9], atol=0.02)
    g = tg.grad(lambda lg: tg.sum(D.RelaxedOneHotCategorical(0.5, logits=lg).rsample(
        (3,), key=tg.random.PRNGKey(0)) * np.arange(3.0)))(np.log(probs))
    assert g.shape == (2, 3) and np.all(np.isfinite(g)) and np.any(g != 0)
    with pytest.raises(ValueError, match="temperature must be positive"):
        D.RelaxedBernoulli(0.0, probs=0.5)


def _kl_gauss(m1, c1, m2, c2):
    """KL(N(m1, c1) ‖ N(m2, c2)) written out with NumPy."""
    inv2 = np.linalg.inv(c2)
    d = m2 - m1
    return 0.5 * (np.trace(inv2 @ c1) + d @ inv2 @ d - len(m1)
                  + np.linalg.slogdet(c2)[1] - np.linalg.slogdet(c1)[1])


def test_kl_of_low_rank_normals_and_of_transformed_distributions():
    loc, w, d = RNG.normal(size=4), RNG.normal(size=(4, 2)), np.exp(RNG.normal(size=4))
    loc2, w2, d2 = RNG.normal(size=4), RNG.normal(size=(4, 3)), np.exp(RNG.normal(size=4))
    c1, c2 = w @ w.T + np.diag(d), w2 @ w2.T + np.diag(d2)
    low, low2 = D.LowRankMultivariateNormal(loc, w, d), D.LowRankMultivariateNormal(loc2, w2, d2)
    full2 = D.MultivariateNormal(loc2, covariance_matrix=c2)
    np.testing.assert_allclose(D.kl_divergence(low, low2), _kl_gauss(loc, c1, loc2, c2), rtol=1e-10)
    np.testing.assert_allclose(D.kl_divergence(low, full2), _kl_gauss(loc, c1, loc2, c2), rtol=1e-10)
    np.testing.assert_allclose(D.kl_divergence(full2, low), _kl_gauss(loc2, c2, loc, c1), rtol=1e-10)
    # one bijection on both sides leaves the divergence as it was
    m1, s1, m2, s2 = RNG.normal(size=3), np.exp(RNG.normal(size=3)), RNG.normal(size=3), np.exp(RNG.normal(size=3))
    ts = [D.ExpTransform(), D.AffineTransform(1.0, 2.0)]
    p = D.TransformedDistribution(D.Normal(m1, s1), ts)
    q = D.TransformedDistribution(D.Normal(m2, s2), [D.ExpTransform(), D.AffineTransform(1.0, 2.0)])
    np.testing.assert_allclose(D.kl_divergence(p, q), D.kl_divergence(D.Normal(m1, s1), D.Normal(m2, s2)),
                               rtol=1e-12)
    assert D.AffineTransform(1.0, 2.0) != D.AffineTransform(1.0, 3.0) and D.ExpTransform().inv == D.ExpTransform().inv
    with pytest.raises(NotImplementedError, match="different transforms"):
        D.kl_divergence(p, D.TransformedDistribution(D.Normal(m2, s2), [D.ExpTransform()]))


def test_von_mises_density_draws_and_gradient():
    loc, k = np.array([0.3, -2.0, 1.0, 0.0]), np.array([0.5, 2.0, 30.0, 1e-9])
    x = np.array([0.1, 3.0, 1.05, -1.0])
    d = D.VonMises(loc, k)
    np.testing.assert_allclose(d.log_prob(x), stats.vonmises.logpdf(x, k, loc), rtol=1e-12)
    np.testing.assert_allclose(d.variance[:3], 1 - special.i1(k[:3]) / special.i0(k[:3]), rtol=1e-12)
    np.testing.assert_allclose(tg.grad(lambda m: tg.sum(D.VonMises(m, k).log_prob(x)))(loc),
                               k * np.sin(x - loc), rtol=1e-12, atol=1e-300)
    draws = d.sample((20000,), key=tg.random.PRNGKey(0))
    assert draws.shape == (20000, 4) and draws.min() >= -np.pi and draws.max() < np.pi
    for i in range(3):  # the angle from loc, wrapped, against the centred distribution
        centred = np.mod(draws[:, i] - loc[i] + np.pi, 2 * np.pi) - np.pi
        assert stats.kstest(centred, stats.vonmises(k[i]).cdf).pvalue > 1e-3
    assert stats.kstest(draws[:, 3], stats.uniform(-np.pi, 2 * np.pi).cdf).pvalue > 1e-3


def test_transforms_that_change_the_event_rank_set_batch_and_event_shapes():
    """PyTorch's rule: a transform from vectors to matrices (CorrCholesky, Reshape) moves axes
    from the batch into the event; its inverse and a composition containing a transform
    without a sign (StickBreaking) work too."""
    D = tg.distributions
    corr = D.TransformedDistribution(D.Independent(D.Normal(np.zeros((2, 3)), 1.0), 1), D.CorrCholeskyTransform())
    assert (corr.batch_shape, corr.event_shape) == ((2,), (3, 3))
    assert corr.expand((5, 2)).batch_shape == (5, 2)
    y = corr.sample(key=tg.random.PRNGKey(0))
    assert y.shape == (2, 3, 3) and np.shape(corr.log_prob(y)) == (2,)
    re = D.TransformedDistribution(D.Independent(D.Normal(np.zeros((2, 6)), 1.0), 1), D.ReshapeTransform((6,), (2, 3)))
    assert (re.batch_shape, re.event_shape) == ((2,), (2, 3))
    v = np.arange(12.0).reshape(2, 2, 3) / 10
    want = D.Independent(D.Normal(np.zeros((2, 6)), 1.0), 1).log_prob(v.reshape(2, 6))
    np.testing.assert_allclose(re.log_prob(v), want)  # a reshape has log-determinant 0
    chain = D.ComposeTransform([D.AffineTransform(0.5, 2.0), D.StickBreakingTransform()])
    assert (chain.domain.event_dim, chain.codomain.event_dim) == (1, 1)
    x = np.array([0.1, -0.2, 0.3])
    np.testing.assert_allclose(chain.inv(chain(x)), x)  # (its inverse read the parts' signs eagerly)
    d = D.TransformedDistribution(D.Independent(D.Normal(np.zeros(3), 1.0), 1), chain)
    p = chain(x)
    want = D.Independent(D.Normal(np.zeros(3), 1.0), 1).log_prob(x) - chain.log_abs_det_jacobian(x, p)
    np.testing.assert_allclose(d.log_prob(p), want)
    assert D.ComposeTransform([]).log_abs_det_jacobian(np.ones((2, 3)), np.ones((2, 3))).shape == (2, 3)


def test_biject_to_and_transform_to_map_the_reals_onto_each_constraint():
    D = tg.distributions
    C = D.constraints
    x = np.random.default_rng(0).normal(size=(2, 3))
    for c, inside in ((C.positive, lambda y: y > 0), (C.greater_than(2.0), lambda y: y > 2),
                      (C.less_than(1.5), lambda y: y < 1.5), (C.interval(-1.0, 3.0), lambda y: (y > -1) & (y < 3)),
                      (C.unit_interval, lambda y: (y > 0) & (y < 1)), (C.real, lambda y: np.isfinite(y))):
        t = D.biject_to(c)
        y = t(x)
        assert np.all(inside(y)) and np.all(c.check(y))
        np.testing.assert_allclose(t.inv(y), x, atol=1e-12)
        fd = (t(x + 1e-6) - t(x - 1e-6)) / 2e-6  # entrywise maps: log |dy/dx|
        np.testing.assert_allclose(t.log_abs_det_jacobian(x, y), np.log(np.abs(fd)), atol=1e-6)
    s = D.biject_to(C.simplex)(x)
    assert s.shape == (2, 4) and np.all(C.simplex.check(s))
    np.testing.assert_allclose(D.transform_to(C.simplex)(x), np.exp(x) / np.exp(x).sum(-1, keepdims=True))
    ind = D.biject_to(C.independent(C.positive, 1))
    assert np.shape(ind.log_abs_det_jacobian(x, ind(x))) == (2,)
    assert np.shape(D.biject_to(C.real_vector).log_abs_det_jacobian(x, x)) == (2,)
    L = D.transform_to(C.lower_cholesky)(np.random.default_rng(1).normal(size=(3, 3)))
    assert np.all(C.lower_cholesky.check(L))
    with pytest.raises(NotImplementedError, match="biject_to: no transform onto the constraint boolean"):
        D.biject_to(C.boolean)
    assert C.is_dependent(C.dependent) and not C.is_dependent(C.real)
    assert C.symmetric.check(np.eye(2)) and not C.lower_triangular.check(np.ones((2, 2)))
    assert C.one_hot.check(np.array([0.0, 1.0, 0.0])) and C.positive_semidefinite.check(np.zeros((2, 2)))


def test_every_transform_imports_from_the_transforms_module():
    # PyTorch's torch.distributions.transforms holds them all, as does tg.distributions itself
    import importlib
    module = importlib.import_module("tensorgrad.distributions.transforms")
    names = [n for n in tg.distributions.__all__ if n.endswith("Transform")]
    assert len(names) >= 19
    for name in names:
        assert getattr(module, name) is getattr(tg.distributions, name), name
        assert name in module.__all__
    t = module.StickBreakingTransform()
    y = t(np.array([0.3, -0.2]))
    np.testing.assert_allclose(np.sum(y), 1.0, rtol=1e-14)


def test_cat_and_stack_constraints_check_pieces_and_map_through_their_transforms():
    C, D = tg.distributions.constraints, tg.distributions
    c = C.cat([C.positive, C.real], dim=0, lengths=[1, 2])
    v = np.array([[-1.0, 2.0], [-3.0, 4.0], [5.0, 6.0]])
    assert c.check(v).tolist() == [[False, True], [True, True], [True, True]]
    s = C.stack([C.positive, C.interval(0.0, 1.0)], dim=1)
    assert s.check(np.array([[1.0, 0.5], [-1.0, 2.0]])).tolist() == [[True, True], [False, False]]
    x = np.array([[0.3, -0.2], [0.1, 0.5], [-1.0, 2.0]])
    y = D.biject_to(c)(x)  # the first row through exp, the others as they are
    np.testing.assert_allclose(y, np.concatenate([np.exp(x[:1]), x[1:]]), rtol=1e-14)
    t = D.biject_to(s)
    z = t(x[:, :2])
    np.testing.assert_allclose(z, np.stack([np.exp(x[:, 0]), special.expit(x[:, 1])], axis=1), rtol=1e-14)
    np.testing.assert_allclose(t.inv(z), x[:, :2], rtol=1e-12)
    assert s.check(z).all() and c.check(y).all()
    with pytest.raises(ValueError, match="lengths"):
        C.cat([C.positive], lengths=[1, 2])
