"""tg.distributions (tensorgrad/distributions/): log_prob, entropy, moments, cdf/icdf and
kl_divergence against JAX expressions of PyTorch's formulas (values and gradients, float64,
1e-12, one jax.jit per family), reparameterized draws (exact pathwise gradients for
location-scale families, Monte-Carlo ones for the gamma family), sample moments with fixed
keys, broadcasting, tg.jit / tg.vmap / tg.jvp through them, and the errors."""
import math
import threading

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import jax.scipy.stats as jst
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
D = tg.distributions
RNG = np.random.default_rng(11)
KEY = tg.random.PRNGKey(3)
EULER = 0.57721566490153286061


def check(tg_f, jax_f, *arrays, tol=1e-12):
    """Values, and the gradient of Σ out·W for every input, to ``tol``; the JAX reference
    and its gradient come from one compilation."""
    got = np.asarray(tg_f(*arrays))
    W = RNG.normal(size=got.shape)
    argnums = tuple(range(len(arrays)))

    def both(*a):
        out, pull = jax.vjp(jax_f, *a)
        return out, pull(jnp.asarray(W))
    want, jg = jax.jit(both)(*map(jnp.asarray, arrays))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, np.asarray(want), rtol=tol, atol=tol)
    g = tg.grad(lambda *a: tg.sum(tg_f(*a) * W), argnums=argnums)(*arrays)
    for a, b in zip(g, jg):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


# ---- univariate continuous: one function with every quantity, one JAX compilation ----------
def _tg_continuous(loc, sc, a, b, x, y, u):
    out = []
    n = D.Normal(loc, sc)
    out += [n.log_prob(x), n.entropy(), n.cdf(x), n.icdf(u), n.stddev]
    ln = D.LogNormal(loc, sc)
    out += [ln.log_prob(y), ln.entropy(), ln.mean, ln.variance, ln.mode, ln.cdf(y), ln.icdf(u)]
    un = D.Uniform(loc, loc + sc)
    out += [un.log_prob(loc + sc * u), un.entropy(), un.mean, un.variance, un.cdf(loc + sc * u),
            un.icdf(u)]
    ex = D.Exponential(a)
    out += [ex.log_prob(y), ex.entropy(), ex.mean, ex.variance, ex.cdf(y), ex.icdf(u)]
    ga = D.Gamma(a, b)
    out += [ga.log_prob(y), ga.entropy(), ga.mean, ga.variance, ga.mode]
    c2 = D.Chi2(a)
    out += [c2.log_prob(y), c2.entropy(), c2.mean]
    be = D.Beta(a, b)
    out += [be.log_prob(u), be.entropy(), be.mean, be.variance]
    la = D.Laplace(loc, sc)
    out += [la.log_prob(x), la.entropy(), la.variance, la.cdf(x), la.icdf(u)]
    ca = D.Cauchy(loc, sc)
    out += [ca.log_prob(x), ca.entropy(), ca.cdf(x), ca.icdf(u)]
    st = D.StudentT(2 * a + 2, loc, sc)
    out += [st.log_prob(x), st.entropy(), st.mean, st.variance]
    hn = D.HalfNormal(sc)
    out += [hn.log_prob(y), hn.entropy(), hn.mean, hn.variance, hn.cdf(y), hn.icdf(u)]
    hc = D.HalfCauchy(sc)
    out += [hc.log_prob(y), hc.entropy(), hc.cdf(y), hc.icdf(u)]
    gu = D.Gumbel(loc, sc)
    out += [gu.log_prob(x), gu.entropy(), gu.mean, gu.variance, gu.cdf(x), gu.icdf(u)]
    pa = D.Pareto(sc, 2 * a + 2)
    out += [pa.log_prob(sc + y), pa.entropy(), pa.mean, pa.variance, pa.cdf(sc + y), pa.icdf(u)]
    we = D.Weibull(sc, a + 1)
    out += [we.log_prob(y), we.entropy(), we.mean, we.variance, we.mode, we.cdf(y), we.icdf(u)]
    return tg.stack([tg.broadcast_to(o, (3,)) for o in out])


def _jax_continuous(loc, sc, a, b, x, y, u):
    L2P = jnp.log(2 * jnp.pi)
    out = []
    out += [jst.norm.logpdf(x, loc, sc), 0.5 + 0.5 * L2P + jnp.log(sc), jst.norm.cdf(x, loc, sc),
            jst.norm.ppf(u, loc, sc), sc]
    out += [jst.norm.logpdf(jnp.log(y), loc, sc) - jnp.log(y), 0.5 + 0.5 * L2P + jnp.log(sc) + loc,
            jnp.exp(loc + sc ** 2 / 2), (jnp.exp(sc ** 2) - 1) * jnp.exp(2 * loc + sc ** 2),
            jnp.exp(loc - sc ** 2), jst.norm.cdf(jnp.log(y), loc, sc), jnp.exp(jst.norm.ppf(u, loc, sc))]
    out += [-jnp.log(sc), jnp.log(sc), loc + sc / 2, sc ** 2 / 12, u, loc + u * sc]
    out += [jnp.log(a) - a * y, 1 - jnp.log(a), 1 / a, 1 / a ** 2, 1 - jnp.exp(-a * y),
            -jnp.log(1 - u) / a]
    out += [jst.gamma.logpdf(y, a, scale=1 / b),
            a - jnp.log(b) + jsp.gammaln(a) + (1 - a) * jsp.digamma(a), a / b, a / b ** 2,
            jnp.maximum((a - 1) / b, 0)]
    h = a / 2
    out += [jst.chi2.logpdf(y, a), h + jnp.log(2.) + jsp.gammaln(h) + (1 - h) * jsp.digamma(h), a]
    out += [jst.beta.logpdf(u, a, b),
            jsp.betaln(a, b) - (a - 1) * jsp.digamma(a) - (b - 1) * jsp.digamma(b)
            + (a + b - 2) * jsp.digamma(a + b), a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))]
    z = (x - loc) / sc
    out += [jst.laplace.logpdf(x, loc, sc), 1 + jnp.log(2 * sc), 2 * sc ** 2,
            jnp.where(z < 0, 0.5 * jnp.exp(z), 1 - 0.5 * jnp.exp(-z)),
            loc - sc * jnp.sign(u - 0.5) * jnp.log(1 - 2 * jnp.abs(u - 0.5))]
    out += [jst.cauchy.logpdf(x, loc, sc), jnp.log(4 * jnp.pi * sc), jnp.arctan(z) / jnp.pi + 0.5,
            loc + sc * jnp.tan(jnp.pi * (u - 0.5))]
    df = 2 * a + 2
    lbeta = jsp.gammaln(df / 2) + 0.5 * jnp.log(jnp.pi) - jsp.gammaln((df + 1) / 2)
    out += [jst.t.logpdf(x, df, loc, sc),
            jnp.log(sc) + (df + 1) / 2 * (jsp.digamma((df + 1) / 2) - jsp.digamma(df / 2))
            + 0.5 * jnp.log(df) + lbeta, loc, sc ** 2 * df / (df - 2)]
    out += [jnp.log(2.) + jst.norm.logpdf(y, 0, sc), 0.5 * jnp.log(jnp.pi * sc ** 2 / 2) + 0.5,
            sc * jnp.sqrt(2 / jnp.pi), sc ** 2 * (1 - 2 / jnp.pi), jsp.erf(y / (sc * jnp.sqrt(2.))),
            sc * jsp.ndtri((u + 1) / 2)]
    out += [jnp.log(2.) + jst.cauchy.logpdf(y, 0, sc), jnp.log(2 * jnp.pi * sc),
            2 / jnp.pi * jnp.arctan(y / sc), sc * jnp.tan(jnp.pi / 2 * u)]
    out += [-z - jnp.exp(-z) - jnp.log(sc), jnp.log(sc) + 1 + EULER, loc + sc * EULER,
            jnp.pi ** 2 / 6 * sc ** 2, jnp.exp(-jnp.exp(-z)), loc - sc * jnp.log(-jnp.log(u))]
    al, xp = 2 * a + 2, sc + y
    out += [jnp.log(al) + al * jnp.log(sc) - (al + 1) * jnp.log(xp), jnp.log(sc / al) + 1 / al + 1,
            al * sc / (al - 1), sc ** 2 * al / ((al - 1) ** 2 * (al - 2)), 1 - (sc / xp) ** al,
            sc * (1 - u) ** (-1 / al)]
    k = a + 1
    out += [jnp.log(k / sc) + (k - 1) * jnp.log(y / sc) - (y / sc) ** k,
            EULER * (1 - 1 / k) + jnp.log(sc / k) + 1, sc * jnp.exp(jsp.gammaln(1 + 1 / k)),
            sc ** 2 * (jnp.exp(jsp.gammaln(1 + 2 / k)) - jnp.exp(2 * jsp.gammaln(1 + 1 / k))),
            sc * ((k - 1) / k) ** (1 / k), 1 - jnp.exp(-(y / sc) ** k), sc * (-jnp.log1p(-u)) ** (1 / k)]
    return jnp.stack([jnp.broadcast_to(o, (3,)) for o in out])


def _cont_args():
    return (RNG.normal(size=3), RNG.uniform(0.5, 2, 3), RNG.uniform(0.6, 3, 3),
            RNG.uniform(0.6, 3, 3), RNG.normal(size=3), RNG.uniform(0.3, 3, 3),
            RNG.uniform(0.05, 0.95, 3))


def test_continuous_univariate_values_and_gradients():
    check(_tg_continuous, _jax_continuous, *_cont_args(), tol=1e-11)


def test_continuous_transforms_jit_and_jvp():
    args = _cont_args()
    want = np.asarray(_tg_continuous(*args))
    np.testing.assert_allclose(np.asarray(tg.jit(_tg_continuous)(*args)), want, rtol=1e-13)
    f = lambda loc: tg.sum(D.StudentT(3.5, loc, 1.5).log_prob(args[4]))  # noqa: E731
    t = RNG.normal(size=3)
    _, jv = tg.jvp(f, (args[0],), (t,))
    np.testing.assert_allclose(float(jv), float(np.dot(np.asarray(tg.grad(f)(args[0])), t)),
                               rtol=1e-12)


def test_gamma_cdf_matches_scipy_form():
    y, a, b = RNG.uniform(0.3, 3, 3), RNG.uniform(0.6, 3, 3), RNG.uniform(0.6, 3, 3)
    check(lambda y, b: D.Gamma(a, b).cdf(y), lambda y, b: jsp.gammainc(a, b * y), y, b)


# ---- discrete and multivariate -------------------------------------------------------------
K01, CNT, IDX = np.array([0., 1., 1.]), np.array([0., 2., 3.]), np.array([0, 3, 1])
COUNTS = np.array([[1., 2., 0., 3.], [0., 0., 6., 0.], [2., 2., 1., 1.]])


def _tg_discrete(p, lam, lg, alpha, v, m, A, xm):
    bern = D.Bernoulli(probs=p)
    geo = D.Geometric(probs=p)
    binom = D.Binomial(np.array([5., 7., 3.]), logits=tg.log(p) - tg.log1p(-p))
    cat = D.Categorical(logits=lg)
    dr = D.Dirichlet(alpha)
    cov = A @ A.T + np.eye(4)
    mvn = D.MultivariateNormal(m, cov)
    out = [bern.log_prob(K01), bern.entropy(), D.Bernoulli(logits=tg.log(p / (1 - p))).log_prob(K01),
           geo.log_prob(CNT), geo.entropy(), geo.mean, geo.variance, binom.log_prob(CNT),
           binom.mean, binom.variance, D.Poisson(lam).log_prob(CNT), cat.log_prob(IDX), cat.entropy(),
           D.OneHotCategorical(probs=tg.exp(lg)).log_prob(np.eye(4)[IDX]),
           D.Multinomial(6, logits=lg).log_prob(COUNTS), dr.log_prob(v), dr.entropy(),
           tg.sum(dr.variance * v, axis=-1), mvn.log_prob(xm), mvn.entropy(),
           D.MultivariateNormal(m, precision_matrix=cov).log_prob(xm),
           D.MultivariateNormal(m, scale_tril=tg.linalg.cholesky(cov)).log_prob(xm[0]),
           tg.sum(mvn.variance * xm, axis=-1)]
    return tg.stack([tg.broadcast_to(o, (3,)) for o in out])


def _jax_discrete(p, lam, lg, alpha, v, m, A, xm):
    n = jnp.array([5., 7., 3.])
    lp = jax.nn.log_softmax(lg)
    cov = A @ A.T + jnp.eye(4)
    prec_cov = jnp.linalg.inv(cov)
    a0 = alpha.sum(-1)
    out = [jst.bernoulli.logpmf(K01, p), -p * jnp.log(p) - (1 - p) * jnp.log1p(-p),
           jst.bernoulli.logpmf(K01, p), CNT * jnp.log1p(-p) + jnp.log(p),
           -((1 - p) * jnp.log1p(-p) + p * jnp.log(p)) / p, 1 / p - 1, (1 - p) / p ** 2,
           jst.binom.logpmf(CNT, n, p), n * p, n * p * (1 - p), jst.poisson.logpmf(CNT, lam),
           jnp.take_along_axis(lp, IDX[:, None], -1)[:, 0], -jnp.sum(jnp.exp(lp) * lp, -1),
           jnp.take_along_axis(lp, IDX[:, None], -1)[:, 0],
           jsp.gammaln(7.) - jnp.sum(jsp.gammaln(COUNTS + 1), -1) + jnp.sum(COUNTS * lp, -1),
           jnp.sum((alpha - 1) * jnp.log(v), -1) + jsp.gammaln(a0) - jnp.sum(jsp.gammaln(alpha), -1),
           jnp.sum(jsp.gammaln(alpha), -1) - jsp.gammaln(a0) + (a0 - 4) * jsp.digamma(a0)
           - jnp.sum((alpha - 1) * jsp.digamma(alpha), -1),
           jnp.sum(alpha * (a0[:, None] - alpha) / (a0[:, None] ** 2 * (a0[:, None] + 1)) * v, -1),
           jst.multivariate_normal.logpdf(xm, m, cov),
           0.5 * 4 * (1 + jnp.log(2 * jnp.pi)) + 0.5 * jnp.linalg.slogdet(cov)[1],
           jst.multivariate_normal.logpdf(xm, m, prec_cov),
           jst.multivariate_normal.logpdf(xm[0], m, cov), jnp.sum(jnp.diag(cov) * xm, -1)]
    return jnp.stack([jnp.broadcast_to(o, (3,)) for o in out])


def _disc_args():
    return (RNG.uniform(0.1, 0.9, 3), RNG.uniform(0.5, 4, 3), RNG.normal(size=(3, 4)),
            RNG.uniform(0.6, 3, (3, 4)), RNG.dirichlet(np.ones(4), 3), RNG.normal(size=(3, 4)),
            RNG.normal(size=(4, 4)), RNG.normal(size=(3, 4)))


def test_discrete_and_multivariate_values_and_gradients():
    check(_tg_discrete, _jax_discrete, *_disc_args(), tol=1e-11)


def test_multivariate_vmap_matches_batch():
    m, A, xm = RNG.normal(size=(3, 4)), RNG.normal(size=(4, 4)), RNG.normal(size=(3, 4))
    cov = A @ A.T + np.eye(4)
    batched = np.asarray(D.MultivariateNormal(m, cov).log_prob(xm))
    mapped = tg.vmap(lambda mu, x: D.MultivariateNormal(mu, cov).log_prob(x))(m, xm)
    np.testing.assert_allclose(np.asarray(mapped), batched, rtol=1e-13)
    d = D.MultivariateNormal(m, cov)
    np.testing.assert_allclose(np.asarray(d.covariance_matrix), np.broadcast_to(cov, (3, 4, 4)),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(d.precision_matrix) @ cov, np.broadcast_to(np.eye(4), (3, 4, 4)),
                               atol=1e-11)


# ---- kl_divergence ------------------------------------------------------------------------
def _tg_kl(l1, l2, s1, s2, a1, a2, al1, al2, m1, m2, A1, A2):
    kl = D.kl_divergence
    out = [kl(D.Normal(l1, s1), D.Normal(l2, s2)), kl(D.Laplace(l1, s1), D.Laplace(l2, s2)),
           kl(D.Exponential(s1), D.Exponential(s2)), kl(D.Gamma(a1, s1), D.Gamma(a2, s2)),
           kl(D.Chi2(a1), D.Chi2(a2)), kl(D.Beta(a1, s1), D.Beta(a2, s2)),
           kl(D.Poisson(a1), D.Poisson(a2)), kl(D.Uniform(l1, l1 + s1), D.Uniform(l1 - 1, l1 + s1 + s2)),
           kl(D.Bernoulli(probs=1 / (1 + tg.exp(-l1))), D.Bernoulli(logits=l2)),
           kl(D.Categorical(logits=al1), D.Categorical(probs=al2)),
           kl(D.Dirichlet(al1), D.Dirichlet(al2)),
           kl(D.MultivariateNormal(m1, A1 @ A1.T + np.eye(4)),
              D.MultivariateNormal(m2, scale_tril=tg.tril(A2) + 3 * np.eye(4))),
           kl(D.Independent(D.Normal(al1, 1.5), 1), D.Independent(D.Normal(al2, 0.5), 1))]
    return tg.stack([tg.broadcast_to(o, (3,)) for o in out])


def _jax_kl(l1, l2, s1, s2, a1, a2, al1, al2, m1, m2, A1, A2):
    def nn(m1, s1, m2, s2):
        return jnp.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5
    lap = jnp.log(s2 / s1) + jnp.abs(l1 - l2) / s2 + s1 / s2 * jnp.exp(-jnp.abs(l1 - l2) / s1) - 1

    def gam(a, b, c, d):
        return ((a - c) * jsp.digamma(a) - jsp.gammaln(a) + jsp.gammaln(c)
                + c * (jnp.log(b) - jnp.log(d)) + a * (d - b) / b)
    bet = (jsp.betaln(a2, s2) - jsp.betaln(a1, s1) + (a1 - a2) * jsp.digamma(a1)
           + (s1 - s2) * jsp.digamma(s1) + (a2 - a1 + s2 - s1) * jsp.digamma(a1 + s1))
    p, q = jax.nn.sigmoid(l1), jax.nn.sigmoid(l2)
    lp, lq = jax.nn.log_softmax(al1), jnp.log(al2 / al2.sum(-1, keepdims=True))
    b0, c0 = al1.sum(-1), al2.sum(-1)
    dirk = (jsp.gammaln(b0) - jsp.gammaln(c0) - jsp.gammaln(al1).sum(-1) + jsp.gammaln(al2).sum(-1)
            + jnp.sum((al1 - al2) * (jsp.digamma(al1) - jsp.digamma(b0)[:, None]), -1))
    cp = A1 @ A1.T + jnp.eye(4)
    lq2 = jnp.tril(A2) + 3 * jnp.eye(4)
    cq = lq2 @ lq2.T
    cqi = jnp.linalg.inv(cq)
    dm = m2 - m1
    mvn = 0.5 * (jnp.trace(cqi @ cp) + jnp.einsum("bi,ij,bj->b", dm, cqi, dm) - 4
                 + jnp.linalg.slogdet(cq)[1] - jnp.linalg.slogdet(cp)[1])
    out = [nn(l1, s1, l2, s2), lap, s2 / s1 - 1 - jnp.log(s2 / s1), gam(a1, s1, a2, s2),
           gam(a1 / 2, 0.5, a2 / 2, 0.5), bet, a1 * jnp.log(a1 / a2) - a1 + a2,
           jnp.log((s1 + s2 + 1) / s1),
           p * jnp.log(p / q) + (1 - p) * jnp.log((1 - p) / (1 - q)),
           jnp.sum(jnp.exp(lp) * (lp - lq), -1), dirk, mvn, jnp.sum(nn(al1, 1.5, al2, 0.5), -1)]
    return jnp.stack([jnp.broadcast_to(o, (3,)) for o in out])


def test_kl_divergence_closed_forms_and_gradients():
    args = (RNG.normal(size=3), RNG.normal(size=3), RNG.uniform(0.5, 2, 3), RNG.uniform(0.5, 2, 3),
            RNG.uniform(0.6, 3, 3), RNG.uniform(0.6, 3, 3), RNG.uniform(0.6, 3, (3, 4)),
            RNG.uniform(0.6, 3, (3, 4)), RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4)),
            RNG.normal(size=(4, 4)), RNG.normal(size=(4, 4)))
    check(_tg_kl, _jax_kl, *args, tol=1e-11)


def test_kl_monte_carlo_and_edge_cases():
    p, q = D.Normal(0.3, 0.8), D.Normal(-0.2, 1.3)
    x = p.sample((40000,), key=KEY)
    r = np.asarray(p.log_prob(x) - q.log_prob(x))
    assert abs(r.mean() - float(D.kl_divergence(p, q))) < 5 * r.std() / math.sqrt(r.size)
    # q's support misses part of p's: infinite
    assert np.isinf(float(D.kl_divergence(D.Uniform(0., 2.), D.Uniform(0.5, 3.))))
    assert float(D.kl_divergence(D.Categorical(np.array([0., 1.])),
                                 D.Categorical(np.array([0.5, 0.5])))) == pytest.approx(math.log(2))
    with pytest.raises(NotImplementedError, match=r"kl_divergence: .*\(Normal, Cauchy\)"):
        D.kl_divergence(D.Normal(0., 1.), D.Cauchy(0., 1.))  # (a pair no one registers)


def test_register_kl_most_specific_wins():
    class MyNormal(D.Normal):
        pass

    @D.register_kl(MyNormal, D.Normal)
    def _mine(p, q):
        return tg.zeros(())
    try:
        assert float(D.kl_divergence(MyNormal(0., 1.), D.Normal(1., 1.))) == 0.0
        assert float(D.kl_divergence(D.Normal(0., 1.), MyNormal(1., 1.))) == pytest.approx(0.5)
    finally:
        del D.kl._KL_REGISTRY[MyNormal, D.Normal]
    with pytest.raises(TypeError, match="register_kl: type_q"):
        D.register_kl(D.Normal, int)


# ---- draws ---------------------------------------------------------------------------------
def test_rsample_pathwise_gradients():
    # location-scale: x = loc + scale·ε exactly, so d Σx/d loc = n and d Σx/d scale = Σε
    loc, scale = np.array([0.5, -1.0]), np.array([2.0, 0.7])
    for cls in (D.Normal, D.Laplace, D.Gumbel, D.Cauchy):
        x = np.asarray(cls(loc, scale).rsample((50,), key=KEY))
        gl, gs = tg.grad(lambda l, s: tg.sum(cls(l, s).rsample((50,), key=KEY)), (0, 1))(loc, scale)
        np.testing.assert_allclose(np.asarray(gl), [50.0, 50.0], rtol=1e-13)
        np.testing.assert_allclose(np.asarray(gs), ((x - loc) / scale).sum(0), rtol=1e-10)
    # gamma family (implicit gradient): per-draw dx/da, averaged, against dE[x]/da
    n = 1000
    g = np.asarray(tg.grad(lambda a: tg.sum(D.Gamma(a, 2.0).rsample(key=KEY)))(np.full(n, 2.5)))
    assert abs(g.mean() - 1 / 2.0) < 5 * g.std() / math.sqrt(n)
    g = np.asarray(tg.grad(lambda a: tg.sum(D.Dirichlet(a).rsample((n,), key=KEY)[:, 0]))(
        np.array([2.0, 3.0])))
    np.testing.assert_allclose(g / n, [3 / 25, -2 / 25], atol=5 * 0.2 / math.sqrt(n))
    # MultivariateNormal: x = loc + L ε
    L = np.array([[1.0, 0.0], [0.5, 2.0]])
    gL = tg.grad(lambda L: tg.sum(D.MultivariateNormal(np.zeros(2), scale_tril=L)
                                  .rsample((7,), key=KEY)))(L)
    eps = np.asarray(tg.random.normal(KEY, (7, 2)))
    np.testing.assert_allclose(np.asarray(gL), np.ones((2, 1)) * eps.sum(0), rtol=1e-12)


@pytest.mark.parametrize("dist", [
    D.Normal(1.0, 2.0), D.LogNormal(0.1, 0.4), D.Uniform(-1.0, 3.0), D.Exponential(1.5),
    D.Gamma(2.5, 1.5), D.Beta(2.0, 3.0), D.Laplace(1.0, 0.5), D.StudentT(6.0, 1.0, 2.0),
    D.HalfNormal(1.5), D.Gumbel(0.5, 2.0), D.Pareto(1.0, 5.0), D.Weibull(1.5, 2.5),
    D.Chi2(3.0), D.Poisson(3.5), D.Bernoulli(0.3), D.Geometric(0.4), D.Binomial(7, 0.3),
    D.Dirichlet(np.array([1.0, 2.0, 3.0])), D.OneHotCategorical(np.array([0.2, 0.3, 0.5])),
    D.Multinomial(5, np.array([0.2, 0.3, 0.5])),
    D.MultivariateNormal(np.array([1.0, -1.0]), np.array([[2.0, 0.5], [0.5, 1.0]]))],
    ids=lambda d: type(d).__name__)
def test_sample_moments(dist):
    n = 20000
    x = np.asarray(dist.sample((n,), key=KEY))
    assert x.shape == (n,) + dist.batch_shape + dist.event_shape
    mean, var = np.asarray(dist.mean), np.asarray(dist.variance)
    assert np.all(np.abs(x.mean(0) - mean) < 5 * np.sqrt(var / n))
    # the sample variance's standard error: sqrt((m4 − var²)/n), m4 estimated
    m4 = ((x - mean) ** 4).mean(0)
    # (plus the bias of order var/n, which dominates where m4 = var², a fair coin)
    assert np.all(np.abs(x.var(0) - var) < 6 * np.sqrt(np.maximum(m4 - var ** 2, 0) / n) + 25 * var / n)
    assert np.all(np.isfinite(np.asarray(dist.log_prob(x))))


def test_categorical_sample_frequencies():
    p = np.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])
    n = 20000
    x = np.asarray(D.Categorical(p).sample((n,), key=KEY))
    assert x.shape == (n, 2)
    freq = np.stack([(x == k).mean(0) for k in range(3)], -1)
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / n))
    assert np.array_equal(np.asarray(D.Categorical(p).mode), [1, 0])


# ---- shapes, expand, validation --------------------------------------------------------------
def test_broadcasting_and_expand():
    d = D.Normal(np.zeros((3, 1)), np.ones(4))
    assert d.batch_shape == (3, 4) and d.event_shape == ()
    assert d.rsample((2,), key=KEY).shape == (2, 3, 4)
    assert d.log_prob(0.5).shape == (3, 4)
    assert d.log_prob(np.zeros((5, 1, 1))).shape == (5, 3, 4)
    e = D.Gamma(2.0, np.ones(3)).expand((2, 3))
    assert e.batch_shape == (2, 3) and e.concentration.shape == (2, 3)
    assert e.sample(key=KEY).shape == (2, 3)
    ind = D.Independent(D.Normal(np.zeros((2, 3)), 1.0), 1)
    assert (ind.batch_shape, ind.event_shape) == ((2,), (3,))
    assert ind.log_prob(np.zeros((2, 3))).shape == (2,)
    assert ind.expand((4, 2)).batch_shape == (4, 2)
    m = D.MultivariateNormal(np.zeros((5, 2)), np.eye(2))
    assert (m.batch_shape, m.event_shape) == ((5,), (2,))
    assert m.expand((3, 5)).rsample((2,), key=KEY).shape == (2, 3, 5, 2)
    with pytest.raises(ValueError, match=r"Normal.expand: batch shape \(3, 4\) .*\(4,\)"):
        d.expand((4,))
    assert D.Bernoulli(logits=np.zeros(2)).has_rsample is False and d.has_rsample is True
    assert repr(D.Normal.support) == "real" and "positive" in repr(D.Normal.arg_constraints["scale"])


def test_validation_errors():
    with pytest.raises(ValueError, match=r"Normal: parameter scale must satisfy .*positive.*-1"):
        D.Normal(0.0, np.array([1.0, -1.0]))
    D.Normal(0.0, -1.0, validate_args=False)  # no check asked for
    with pytest.raises(ValueError, match=r"Bernoulli: parameter probs .*1\.5"):
        D.Bernoulli(1.5)
    with pytest.raises(ValueError, match="Bernoulli: pass exactly one of probs= or logits=, got both"):
        D.Bernoulli(0.5, 0.0)
    with pytest.raises(ValueError, match=r"Exponential: value must satisfy .*nonnegative"):
        D.Exponential(1.0).log_prob(-1.0)
    with pytest.raises(ValueError, match=r"Uniform: parameters low, high"):
        D.Uniform(1.0, 0.0)
    with pytest.raises(ValueError, match=r"MultivariateNormal: parameter covariance_matrix"):
        D.MultivariateNormal(np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match=r"MultivariateNormal: .*\(3, 3\).*\(2,\)"):
        D.MultivariateNormal(np.zeros(2), np.eye(3))
    with pytest.raises(ValueError, match="MultivariateNormal: pass exactly one"):
        D.MultivariateNormal(np.zeros(2), np.eye(2), scale_tril=np.eye(2))
    with pytest.raises(ValueError, match=r"Independent: reinterpreted_batch_ndims .*\[0, 1\]"):
        D.Independent(D.Normal(np.zeros(3), 1.0), 2)
    with pytest.raises(ValueError, match=r"Normal.rsample: without a key .*key=tg.random.PRNGKey"):
        tg.jit(lambda m: D.Normal(m, 1.0).rsample((3,)))(np.zeros(()))  # (a plan would replay one draw)
    # parameters or batches that do not broadcast name the distribution and the shapes
    with pytest.raises(ValueError, match=r"Normal: .*loc shape \(3,\), scale shape \(4,\)"):
        D.Normal(np.zeros(3), np.ones(4))
    with pytest.raises(ValueError, match=r"Binomial: .*probs shape \(3,\), total_count shape \(2,\)"):
        D.Binomial(np.array([5, 6]), probs=np.full(3, 0.5))
    with pytest.raises(ValueError, match=r"kl_divergence: .*\(Normal, \(3,\)\).*\(Normal, \(4,\)\)"):
        D.kl_divergence(D.Normal(np.zeros(3), 1.0), D.Normal(np.zeros(4), 1.0))
    with pytest.raises(NotImplementedError, match="Bernoulli.rsample"):
        D.Bernoulli(0.5).rsample(key=KEY)
    with pytest.raises(NotImplementedError, match="Beta: cdf is not implemented"):
        D.Beta(2.0, 2.0).cdf(0.5)
    # traced values are not checked under tg.jit, and the gradient flows
    f = tg.jit(lambda s: D.Normal(0.0, s).log_prob(1.0))
    assert float(f(2.0)) == pytest.approx(-math.log(2.0) - 0.5 * math.log(2 * math.pi) - 0.125)


def test_probabilities_zero_and_one():
    b = D.Bernoulli(np.array([0.0, 1.0, 0.5]))
    # probabilities are clamped to [eps, 1 − eps] to make logits, as PyTorch does
    np.testing.assert_allclose(np.asarray(b.log_prob(np.array([0.0, 1.0, 1.0]))),
                               [0.0, 0.0, -math.log(2)], atol=1e-15)
    assert float(b.log_prob(np.array([1.0, 0.0, 1.0]))[0]) == pytest.approx(math.log(2.0 ** -52))
    np.testing.assert_allclose(np.asarray(b.entropy()), [0.0, 0.0, math.log(2)], atol=1e-14)
    kl = D.kl_divergence(b, D.Bernoulli(np.array([0.5, 0.0, 0.5])))
    np.testing.assert_allclose(np.asarray(kl), [math.log(2), np.inf, 0.0])
    c = D.Categorical(np.array([0.0, 0.25, 0.75]))
    assert float(c.entropy()) == pytest.approx(-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)))
    g = tg.grad(lambda p: tg.sum(D.Categorical(p).log_prob(np.array([1, 2]))))(
        np.array([0.0, 0.25, 0.75]))
    assert np.all(np.isfinite(np.asarray(g)))


def test_default_validation_is_per_thread():
    D = tg.distributions
    seen = {}

    def other_thread():
        try:
            D.Normal(0.0, -1.0)
            seen["other"] = "accepted"
        except ValueError:
            seen["other"] = "refused"
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(0.0, -1.0)  # this thread turned validation off
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    finally:
        D.Distribution.set_default_validate_args(True)
    assert seen == {"other": "refused"}  # a new thread starts with validation on
    with pytest.raises(ValueError, match="Normal"):
        D.Normal(0.0, -1.0)


def test_a_list_holding_traced_values_keeps_their_gradient():
    D = tg.distributions
    g = tg.grad(lambda s: tg.sum(D.Normal([s, 1.0], 1.0).log_prob(0.0)))(2.0)
    assert np.isclose(g, -2.0)
    g = tg.grad(lambda s: tg.sum(D.Categorical(probs=[s, 1.0]).log_prob(np.array(0))))(2.0)
    assert np.isclose(g, 1 / 2 - 1 / 3)  # d/ds log(s / (s + 1)) at s = 2


def test_float32_parameters_give_float32_draws_and_python_numbers_are_weak():
    # the draws came in the key's float64 (PyTorch's are in the parameters' dtype), and a
    # Python number beside a float32 array made every result float64
    f32, key = np.float32, tg.random.PRNGKey(0)
    for d in (tg.distributions.Normal(np.zeros(2, f32), 1.0), tg.distributions.Gamma(np.ones(2, f32), 2.0),
              tg.distributions.Bernoulli(probs=np.full(2, 0.3, f32)),
              tg.distributions.Dirichlet(np.ones(3, f32)), tg.distributions.Uniform(np.zeros(2, f32), 1),
              tg.distributions.MultivariateNormal(np.zeros(2, f32), scale_tril=np.eye(2, dtype=f32))):
        draw = d.sample((3,), key=key)
        assert draw.dtype == np.float32 and d.log_prob(draw).dtype == np.float32, type(d).__name__
        if d.has_rsample:
            assert d.rsample((3,), key=key).dtype == np.float32
    # the draws are the float64 ones, rounded; the reparameterized gradient keeps its dtype
    wide = tg.distributions.Normal(np.zeros(2), 1.0).sample((3,), key=key)
    np.testing.assert_array_equal(tg.distributions.Normal(np.zeros(2, f32), 1.0).sample((3,), key=key),
                                  wide.astype(f32))
    g = tg.grad(lambda m: tg.sum(tg.distributions.Normal(m, 2.0).rsample((4,), key=key)))(np.zeros(2, f32))
    assert g.dtype == np.float32 and g.tolist() == [4.0, 4.0]
    assert tg.distributions.Categorical(probs=np.full(3, 1 / 3, f32)).sample((2,), key=key).dtype.kind == "i"
    assert tg.distributions.Normal(0.0, 1.0).sample(key=key).dtype == np.float64
