"""tg.distributions' matrix distributions (Wishart, LKJCholesky) and the KL divergences of the
distributions added with continuous_more (ContinuousBernoulli pairs, the exponential-family
Bregman form, the straight-through one-hot categorical).

Checked against PyTorch 2.13's numbers (pasted as literals: these tests do not import torch),
scipy.stats.wishart, closed forms, numerical integration and moments of large samples;
gradients of log_prob against central differences."""
import math
import warnings

import numpy as np
import pytest
from scipy import integrate, special, stats

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient as _central

D = tg.distributions
KEY = tg.random.PRNGKey(11)

S = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.0]])
S2 = np.array([[1.0, 0.2, 0.0], [0.2, 0.8, 0.1], [0.0, 0.1, 1.3]])
X = np.array([[3.0, 0.5, 0.2], [0.5, 2.0, 0.1], [0.2, 0.1, 1.5]])
C4 = np.array([[1.0, 0.3, -0.2, 0.1], [0.3, 1.0, 0.4, 0.0], [-0.2, 0.4, 1.0, -0.3],
               [0.1, 0.0, -0.3, 1.0]])


def _wishart_kl(n1, s1, n2, s2):
    """KL(W(n1, s1) ‖ W(n2, s2)) in closed form."""
    p = s1.shape[-1]
    ld1, ld2 = np.linalg.slogdet(s1)[1], np.linalg.slogdet(s2)[1]
    mvdig = sum(special.digamma(n1 / 2 - i / 2) for i in range(p))
    return (n2 / 2 * (ld2 - ld1) + n1 / 2 * (np.trace(np.linalg.solve(s2, s1)) - p)
            + special.multigammaln(n2 / 2, p) - special.multigammaln(n1 / 2, p)
            + (n1 - n2) / 2 * mvdig)


# ---------------------------------------------------------------- Wishart

@pytest.mark.parametrize("kw", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_wishart_matches_scipy_and_pytorch(kw):
    mat = {"covariance_matrix": S, "precision_matrix": np.linalg.inv(S),
           "scale_tril": np.linalg.cholesky(S)}[kw]
    df = np.array([3.5, 6.0])
    d = D.Wishart(df, **{kw: mat})
    assert d.batch_shape == (2,) and d.event_shape == (3, 3) and d.has_rsample
    assert isinstance(d, D.ExponentialFamily)
    # PyTorch 2.13 (torch.distributions.Wishart, float64)
    np.testing.assert_allclose(d.log_prob(X), [-9.929641802726934, -12.094309431790904], rtol=1e-10)
    np.testing.assert_allclose(d.entropy(), [12.941505960584102, 15.866463196689761], rtol=1e-10)
    for i, nu in enumerate(df):
        ref = stats.wishart(df=nu, scale=S)
        np.testing.assert_allclose(d.log_prob(X)[i], ref.logpdf(X), rtol=1e-10)
        np.testing.assert_allclose(d.entropy()[i], ref.entropy(), rtol=1e-10)
        np.testing.assert_allclose(d.mean[i], ref.mean(), rtol=1e-10)
        np.testing.assert_allclose(d.variance[i], ref.var(), rtol=1e-10)
    np.testing.assert_allclose(d.covariance_matrix, np.broadcast_to(S, (2, 3, 3)), rtol=1e-12)
    np.testing.assert_allclose(d.precision_matrix, np.broadcast_to(np.linalg.inv(S), (2, 3, 3)),
                               rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(d.scale_tril, np.broadcast_to(np.linalg.cholesky(S), (2, 3, 3)),
                               rtol=1e-12, atol=1e-15)
    # mode (ν − p − 1)Σ, NaN where ν ≤ p + 1 (PyTorch: the same)
    mode = np.asarray(d.mode)
    assert np.all(np.isnan(mode[0]))
    np.testing.assert_allclose(mode[1], [[4.0, 0.6, 0.2], [0.6, 3.0, -0.4], [0.2, -0.4, 2.0]],
                               rtol=1e-12)
    # the Bregman entropy of the exponential-family form agrees with the closed form
    np.testing.assert_allclose(D.ExponentialFamily.entropy(d), d.entropy(), rtol=1e-10)


def test_wishart_shapes_broadcast_and_expand():
    d = D.Wishart(4.0, covariance_matrix=np.stack([S, S2]))
    assert d.batch_shape == (2,) and tuple(d.df.shape) == (2,)
    d = D.Wishart(np.array([[4.0], [5.0]]), scale_tril=np.linalg.cholesky(np.stack([S, S2])))
    assert d.batch_shape == (2, 2)
    lp = d.log_prob(np.stack([X, S])[:, None, None])
    assert lp.shape == (2, 2, 2)
    np.testing.assert_allclose(lp[1, 1, 0], stats.wishart(df=5.0, scale=S).logpdf(S), rtol=1e-10)
    e = D.Wishart(4.5, covariance_matrix=S).expand((4, 2))
    assert e.batch_shape == (4, 2) and e.covariance_matrix.shape == (4, 2, 3, 3)
    assert e.sample((3,), key=KEY).shape == (3, 4, 2, 3, 3)
    np.testing.assert_allclose(e.log_prob(X), np.full((4, 2), stats.wishart(4.5, S).logpdf(X)),
                               rtol=1e-10)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        D.Wishart(np.array([4.0, 5.0]), covariance_matrix=S).expand((3,))


def test_wishart_validation():
    with pytest.raises(ValueError, match="greater than ndim - 1"):
        D.Wishart(2.0, covariance_matrix=S)
    with pytest.raises(ValueError, match="greater than ndim - 1"):
        D.Wishart(np.array([4.0, 1.5]), covariance_matrix=S, validate_args=False)
    with pytest.raises(ValueError, match="exactly one"):
        D.Wishart(4.0)
    with pytest.raises(ValueError, match="exactly one"):
        D.Wishart(4.0, covariance_matrix=S, scale_tril=np.linalg.cholesky(S))
    with pytest.raises(ValueError, match="two-dimensional"):
        D.Wishart(4.0, covariance_matrix=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="positive_definite"):
        D.Wishart(4.0, covariance_matrix=-S)
    with pytest.raises(ValueError, match="lower_cholesky"):
        D.Wishart(4.0, scale_tril=S)
    with pytest.raises(ValueError, match="positive_definite"):
        D.Wishart(4.0, covariance_matrix=S).log_prob(-X)
    with pytest.warns(UserWarning, match="low df"):
        D.Wishart(2.5, covariance_matrix=S)
    assert repr(D.Wishart(4.0, covariance_matrix=S).arg_constraints["df"]) == "greater_than(2)"
    tg.manual_seed(1)  # without a key: the global stream, as PyTorch's generator
    w1 = np.asarray(D.Wishart(4.0, covariance_matrix=S).sample())
    tg.manual_seed(1)
    np.testing.assert_array_equal(np.asarray(D.Wishart(4.0, covariance_matrix=S).sample()), w1)


def test_wishart_draws_moments_and_reparameterization():
    d = D.Wishart(np.array([3.5, 7.0]), covariance_matrix=S)
    x = np.asarray(d.sample((20000,), key=KEY))
    assert x.shape == (20000, 2, 3, 3)
    np.testing.assert_allclose(x, np.swapaxes(x, -1, -2), atol=1e-12)
    assert np.all(np.linalg.eigvalsh(x) > 0)
    np.testing.assert_allclose(x.mean(0), d.mean, rtol=0.03, atol=0.03)
    np.testing.assert_allclose(x.var(0), d.variance, rtol=0.1)
    # a diagonal entry is Gamma(ν/2, 2Σ_ii)
    assert stats.kstest(x[:, 0, 1, 1], stats.gamma(a=1.75, scale=2 * S[1, 1]).cdf).pvalue > 1e-3
    # rsample is L·A·Aᵀ·Lᵀ with A independent of L: the gradient in the factor is exact
    lower = np.linalg.cholesky(S)
    w = np.arange(9.0).reshape(3, 3) / 9

    def f(l):
        return tg.sum(D.Wishart(5.0, scale_tril=l, validate_args=False).rsample((2,), key=KEY) * w)
    np.testing.assert_allclose(tg.grad(f)(lower), _central(f, lower), rtol=1e-6,
                               atol=1e-8)
    g = tg.grad(lambda nu: tg.sum(D.Wishart(nu, covariance_matrix=S).rsample((4,), key=KEY)))(5.0)
    assert np.isfinite(g) and g > 0


def test_wishart_log_prob_gradients():
    lower = np.linalg.cholesky(S)

    def f_df(nu):
        return D.Wishart(nu, scale_tril=lower).log_prob(X)
    np.testing.assert_allclose(tg.grad(f_df)(4.5), _central(f_df, 4.5), rtol=1e-6)

    def f_cov(c):
        return D.Wishart(4.5, covariance_matrix=(c + c.T) / 2, validate_args=False).log_prob(X)
    np.testing.assert_allclose(tg.grad(f_cov)(S), _central(f_cov, S), rtol=1e-6, atol=1e-9)

    def f_x(x):
        return D.Wishart(4.5, covariance_matrix=S, validate_args=False).log_prob((x + x.T) / 2)
    np.testing.assert_allclose(tg.grad(f_x)(X), _central(f_x, X), rtol=1e-6, atol=1e-9)

    def f_h(nu):
        return D.Wishart(nu, covariance_matrix=S).entropy()
    np.testing.assert_allclose(tg.grad(f_h)(4.5), _central(f_h, 4.5), rtol=1e-6)


def test_gradients_with_respect_to_a_covariance_or_precision_are_symmetric():
    # PyTorch's and JAX's are: (M + Mᵀ)/2 is read, not the one triangle cholesky reads (the
    # gradient was all in the lower triangle, off-diagonal entries doubled; a gradient step
    # then made the covariance non-symmetric). Hand formulas: for a normal,
    # ∂ log p/∂Σ = ½(Σ⁻¹xxᵀΣ⁻¹ − Σ⁻¹); for a Wishart, ½(Σ⁻¹XΣ⁻¹ − νΣ⁻¹); ∂/∂P = −Σ (∂/∂Σ) Σ
    x = np.array([0.3, -0.4, 0.2])
    Si = np.linalg.inv(S)
    normal = (Si @ np.outer(x, x) @ Si - Si) / 2
    wishart = (Si @ X @ Si - 4.5 * Si) / 2
    for kw, mat, want_n, want_w in (("covariance_matrix", S, normal, wishart),
                                    ("precision_matrix", Si, -S @ normal @ S, -S @ wishart @ S)):
        got = tg.grad(lambda m: D.MultivariateNormal(np.zeros(3), **{kw: m}).log_prob(x))(mat)
        np.testing.assert_allclose(got, want_n, rtol=1e-10, atol=1e-13)
        got = tg.grad(lambda m: D.Wishart(4.5, **{kw: m}).log_prob(X))(mat)
        np.testing.assert_allclose(got, want_w, rtol=1e-10, atol=1e-13)
    # and the value is the symmetric matrix's own, to the last bit
    assert D.MultivariateNormal(np.zeros(3), covariance_matrix=S).log_prob(x) == \
        D.MultivariateNormal(np.zeros(3), scale_tril=np.linalg.cholesky(S)).log_prob(x)


def test_wishart_kl():
    p = D.Wishart(4.5, covariance_matrix=S)
    q = D.Wishart(6.0, covariance_matrix=S2)
    kl = D.kl_divergence(p, q)
    np.testing.assert_allclose(kl, 1.3986572788087628, rtol=1e-10)  # PyTorch 2.13
    np.testing.assert_allclose(kl, _wishart_kl(4.5, S, 6.0, S2), rtol=1e-10)
    # batched: one divergence per entry (PyTorch 2.13 sums the df term over the batch here)
    kl = D.kl_divergence(D.Wishart(np.array([4.5, 7.0]), covariance_matrix=S),
                         D.Wishart(np.array([6.0, 3.2]), precision_matrix=np.linalg.inv(S2)))
    np.testing.assert_allclose(kl, [_wishart_kl(4.5, S, 6.0, S2), _wishart_kl(7.0, S, 3.2, S2)],
                               rtol=1e-9)
    np.testing.assert_allclose(D.kl_divergence(p, p), 0.0, atol=1e-12)
    g = tg.grad(lambda nu: D.kl_divergence(D.Wishart(nu, covariance_matrix=S), q))(4.5)
    np.testing.assert_allclose(g, _central(lambda nu: _wishart_kl(float(nu), S, 6.0, S2), 4.5),
                               rtol=1e-6)
    with pytest.raises(NotImplementedError, match="exponential families"):
        D.kl_divergence(p, D.ContinuousBernoulli(0.3))


# ---------------------------------------------------------------- LKJCholesky

def test_lkj_cholesky_log_prob_matches_pytorch():
    conc = np.array([0.5, 1.0, 2.5])
    # PyTorch 2.13's values at the Cholesky factors of C4's leading blocks
    ref = {2: [-1.0975745461137796, -0.6931471805599453, -0.30536665204453595],
           3: [-2.371934725182347, -1.6434679308744755, -0.9588675994161298],
           4: [-3.8761183237805867, -2.712759009752383, -1.2802778254479215]}
    for dim, want in ref.items():
        d = D.LKJCholesky(dim, conc)
        assert d.batch_shape == (3,) and d.event_shape == (dim, dim)
        np.testing.assert_allclose(d.log_prob(np.linalg.cholesky(C4[:dim, :dim])), want,
                                   rtol=1e-10)


@pytest.mark.parametrize("eta", [0.4, 1.0, 3.0])
def test_lkj_cholesky_dim2_density_integrates_to_one(eta):
    d = D.LKJCholesky(2, eta)

    def density(r):
        return math.exp(float(d.log_prob(np.array([[1.0, 0.0], [r, math.sqrt(1 - r * r)]]))))
    total = integrate.quad(density, -1, 1, limit=200)[0]
    np.testing.assert_allclose(total, 1.0, rtol=1e-6)


def test_lkj_cholesky_gradients():
    lower = np.linalg.cholesky(C4[:3, :3])

    def f_c(c):
        return D.LKJCholesky(3, c).log_prob(lower)
    np.testing.assert_allclose(tg.grad(f_c)(1.7), _central(f_c, 1.7), rtol=1e-6)

    def f_v(v):
        return D.LKJCholesky(3, 1.7, validate_args=False).log_prob(v)
    np.testing.assert_allclose(tg.grad(f_v)(lower), _central(f_v, lower), rtol=1e-6, atol=1e-9)


def test_lkj_cholesky_draws_are_correlation_factors_with_lkj_marginals():
    d = D.LKJCholesky(4, np.array([0.5, 2.0]))
    y = np.asarray(d.sample((20000,), key=KEY))
    assert y.shape == (20000, 2, 4, 4)
    np.testing.assert_allclose(np.linalg.norm(y, axis=-1), 1.0, atol=1e-12)
    assert np.all(np.triu(y, 1) == 0) and np.all(np.diagonal(y, axis1=-2, axis2=-1) > 0)
    assert np.all(D.LKJCholesky.support.check(y))
    # each correlation of L·Lᵀ is 2·Beta(β, β) − 1 with β = η − 1 + dim/2: E[r²] = 1/(2β + 1)
    corr = y @ np.swapaxes(y, -1, -2)
    rows, cols = np.tril_indices(4, -1)
    for j, eta in enumerate([0.5, 2.0]):
        beta = eta - 1 + 4 / 2
        np.testing.assert_allclose((corr[:, j, rows, cols] ** 2).mean(0), 1 / (2 * beta + 1),
                                   rtol=0.05)
        u = (corr[:, j, 3, 1] + 1) / 2
        assert stats.kstest(u, stats.beta(beta, beta).cdf).pvalue > 1e-3


def test_lkj_cholesky_shapes_validation_and_missing_moments():
    d = D.LKJCholesky(3, np.array([1.0, 2.0])).expand((4, 2))
    assert d.batch_shape == (4, 2) and d.event_shape == (3, 3) and d.dim == 3
    assert d.sample((5,), key=KEY).shape == (5, 4, 2, 3, 3)
    assert D.LKJCholesky(3).sample(key=KEY).shape == (3, 3)
    assert not D.LKJCholesky(3).has_rsample
    with pytest.raises(NotImplementedError):
        D.LKJCholesky(3).rsample(key=KEY)
    for attr in ("mean", "variance", "mode"):
        with pytest.raises(NotImplementedError):
            getattr(D.LKJCholesky(3), attr)
    with pytest.raises(NotImplementedError):
        D.LKJCholesky(3).entropy()
    with pytest.raises(ValueError, match="greater than or equal to 2"):
        D.LKJCholesky(1)
    with pytest.raises(ValueError, match="positive"):
        D.LKJCholesky(3, -1.0)
    with pytest.raises(ValueError, match="corr_cholesky"):
        D.LKJCholesky(3).log_prob(2 * np.eye(3))
    tg.manual_seed(1)
    c1 = np.asarray(D.LKJCholesky(3).sample())
    tg.manual_seed(1)
    np.testing.assert_array_equal(np.asarray(D.LKJCholesky(3).sample()), c1)
    # jit: the density is a composition of tensorgrad ops
    np.testing.assert_allclose(tg.jit(lambda c: D.LKJCholesky(3, c).log_prob(np.eye(3)))(2.0),
                               D.LKJCholesky(3, 2.0).log_prob(np.eye(3)), rtol=1e-12)


# ---------------------------------------------------------------- KL of today's classes

CB_P = np.array([0.1, 0.4995, 0.7, 0.999])
CB_Q = np.array([0.6, 0.3, 0.5002, 0.02])


def _kl_quad(p, q, lo=0.0, hi=1.0):
    def f(t):
        lp = float(p.log_prob(np.float64(t)))
        return math.exp(lp) * (lp - float(q.log_prob(np.float64(t))))
    return integrate.quad(f, lo, hi, limit=200)[0]


def test_kl_continuous_bernoulli_pairs_match_pytorch():
    p, q = D.ContinuousBernoulli(CB_P), D.ContinuousBernoulli(CB_Q)
    # PyTorch 2.13's values (torch.distributions.kl_divergence, float64)
    np.testing.assert_allclose(D.kl_divergence(p, q), [0.2553524064572391, 0.029595073570914343,
                                                       0.029330406896736327, 2.893165317497324],
                               rtol=1e-9)
    beta = D.Beta([2.0, 0.5, 3.0, 1.0], [1.5, 2.0, 0.7, 1.0])
    np.testing.assert_allclose(D.kl_divergence(beta, q), [0.0859291287697651, 0.5408257204704905,
                                                          0.701223996970281, 0.566413870714356],
                               rtol=1e-9)
    ex = D.Exponential([1.0, 2.0, 0.5, 3.0])
    np.testing.assert_allclose(D.kl_divergence(p, ex), [0.5097507293134739, 0.3065196526845937,
                                                        1.0074221322201597, 2.4104583147946954],
                               rtol=1e-9)
    nm = D.Normal([0.0, 0.5, 1.0, -1.0], [1.0, 2.0, 0.5, 3.0])
    np.testing.assert_allclose(D.kl_divergence(p, nm), [1.1863135599631063, 1.6225025484869378,
                                                        0.7862106602701489, 3.150500502116811],
                               rtol=1e-9)
    un = D.Uniform([-1.0, -0.5, 0.1, -2.0], [1.5, 2.0, 3.0, 0.9])
    np.testing.assert_allclose(D.kl_divergence(p, un), [1.0959218478742103, 0.9162908985409163,
                                                        np.inf, np.inf], rtol=1e-9)
    un2 = D.Uniform([0.1, 0.2, -0.1, 0.3], [0.9, 0.5, 0.5, 1.2])
    np.testing.assert_allclose(D.kl_divergence(un2, q), [0.2299842724180623, 1.1066142485197308,
                                                         np.inf, np.inf], rtol=1e-9)


@pytest.mark.parametrize("a, b", [(0.1, 0.6), (0.4995, 0.3), (0.7, 0.5002), (0.93, 0.2)])
def test_kl_continuous_bernoulli_integrates(a, b):
    p, q = D.ContinuousBernoulli(a), D.ContinuousBernoulli(b)
    np.testing.assert_allclose(D.kl_divergence(p, q), _kl_quad(p, q), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(D.kl_divergence(p, D.Normal(0.3, 0.8)),
                               _kl_quad(p, D.Normal(0.3, 0.8)), rtol=1e-6)
    # the Bregman form of the exponential family gives the same divergence
    np.testing.assert_allclose(D.kl._kl_expfamily_expfamily(p, q), D.kl_divergence(p, q),
                               rtol=1e-6, atol=1e-12)
    g = tg.grad(lambda t: D.kl_divergence(D.ContinuousBernoulli(t), q))(a)
    f = lambda t: D.kl_divergence(D.ContinuousBernoulli(float(t)), q)  # noqa: E731
    np.testing.assert_allclose(g, _central(f, a, 1e-7), rtol=1e-5)


def test_kl_continuous_bernoulli_boundaries_and_infinite_pairs():
    p = D.ContinuousBernoulli(0.3)
    # support [0, 1] inside [0, 1]: finite (PyTorch 2.13 returns inf at these boundaries)
    np.testing.assert_allclose(D.kl_divergence(p, D.Uniform(0.0, 1.0)), -p.entropy(), rtol=1e-12)
    np.testing.assert_allclose(D.kl_divergence(D.Uniform(0.0, 1.0), p),
                               _kl_quad(D.Uniform(0.0, 1.0), p), rtol=1e-6)
    assert np.isinf(D.kl_divergence(p, D.Uniform(0.2, 1.0)))
    q = D.ContinuousBernoulli(np.array([0.2, 0.6]))
    for other in (D.Normal(0.0, 1.0), D.Exponential(1.0), D.Gamma(2.0, 1.0), D.Gumbel(0.0, 1.0),
                  D.Laplace(0.0, 1.0), D.Pareto(1.0, 2.0)):
        kl = np.asarray(D.kl_divergence(other, q))
        assert kl.shape == (2,) and np.all(np.isposinf(kl))
    assert np.isposinf(D.kl_divergence(p, D.Pareto(1.0, 2.0)))


def test_kl_one_hot_straight_through():
    p = D.OneHotCategoricalStraightThrough(logits=np.array([0.2, -1.0, 0.5]))
    q = D.OneHotCategoricalStraightThrough(logits=np.array([1.0, 0.3, -0.2]))
    np.testing.assert_allclose(D.kl_divergence(p, q), 0.3185563785000386, rtol=1e-10)  # PyTorch


def test_no_warnings_from_construction():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        D.Wishart(3.0, covariance_matrix=S)
        D.LKJCholesky(5, 0.3).log_prob(np.eye(5))


def test_constraint_names_of_pytorch_corr_cholesky_multinomial_dependent_property():
    C = tg.distributions.constraints
    assert tg.distributions.LKJCholesky(3).support is C.corr_cholesky
    assert type(tg.distributions.biject_to(C.corr_cholesky)).__name__ == "CorrCholeskyTransform"
    L = np.linalg.cholesky(np.array([[1.0, 0.3], [0.3, 1.0]]))
    assert C.corr_cholesky.check(L) and not C.corr_cholesky.check(2 * L)
    np.testing.assert_array_equal(C.multinomial(3).check(np.array([[1.0, 1, 0], [2, 2, 0], [1.5, 0, 0]])),
                                  [True, False, False])

    class Unit(tg.distributions.Distribution):
        @C.dependent_property(is_discrete=False, event_dim=0)
        def support(self):
            return C.interval(0.0, 1.0)
    assert C.is_dependent(Unit.support) and Unit.support.event_dim == 0
    assert repr(Unit().support) == "interval(0.0, 1.0)"


def test_relaxed_distributions_list_pytorchs_arg_constraints():
    D, C = tg.distributions, tg.distributions.constraints
    for cls in (D.RelaxedBernoulli, D.LogitRelaxedBernoulli):
        assert cls.arg_constraints == {"probs": C.unit_interval, "logits": C.real}
    for cls in (D.RelaxedOneHotCategorical, D.ExpRelaxedCategorical):
        assert set(cls.arg_constraints) == {"probs", "logits"}
        assert cls.arg_constraints["probs"] is C.simplex
    x, t, l = np.array([0.2, 0.7]), 0.5, np.array([0.3, -1.0])  # (logits alone: accepted)
    z = np.log(x / (1 - x))  # the logit of x: LogitRelaxedBernoulli's density, moved by sigmoid
    want = np.log(t) - t * z + l - 2 * np.log1p(np.exp(l - t * z)) - np.log(x * (1 - x))
    np.testing.assert_allclose(D.RelaxedBernoulli(t, logits=l).log_prob(x), want, rtol=1e-12)
    with pytest.raises(ValueError):  # a bad parameter is still refused (by the base Bernoulli)
        D.RelaxedBernoulli(0.5, probs=np.array([1.5]))
