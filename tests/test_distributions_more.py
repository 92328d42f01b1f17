"""tg.distributions' continuous_more and transforms_more: ContinuousBernoulli, FisherSnedecor,
Kumaraswamy, GeneralizedPareto, LogisticNormal, OneHotCategoricalStraightThrough,
ExponentialFamily and the vector/matrix transforms.

Checked against PyTorch 2.13's numbers (pasted as literals: these tests do not import torch),
scipy.stats, closed forms and numerical integration; log-determinants against the Jacobian from
tg.jacfwd, gradients of log_prob against central differences."""
import math

import numpy as np
import pytest
from scipy import integrate, special, stats

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient as _central

D = tg.distributions
KEY = tg.random.PRNGKey(7)


def _integral(f, lo, hi):
    return integrate.quad(lambda t: float(f(t)), lo, hi, limit=200)[0]


# ---------------------------------------------------------------- ContinuousBernoulli

CB_P = np.array([0.1, 0.4995, 0.7, 0.999])
CB_X = np.array([0.2, 0.5, 0.9, 0.7])


def test_continuous_bernoulli_matches_pytorch():
    d = D.ContinuousBernoulli(probs=CB_P)
    # PyTorch 2.13's values (torch.distributions.ContinuousBernoulli, float64)
    np.testing.assert_allclose(d.log_prob(CB_X), [0.465533128365784, -1.6666677216115033e-07,
                                                  0.30918302090300603, -0.13852504508934516],
                               rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(d.mean, [0.33011961331341877, 0.4998333332888889,
                                        0.5697774988561712, 0.8562162063289981], rtol=1e-10)
    np.testing.assert_allclose(d.variance, [0.06650886242255583, 0.08333331666667512,
                                            0.0804251522061945, 0.01995991918950142], rtol=1e-10)
    np.testing.assert_allclose(d.entropy(), [-0.17963111600005513, -1.666667611699424e-07,
                                             -0.029386202232128955, -0.9404219844758108],
                               rtol=1e-9, atol=1e-14)
    # (PyTorch returns 0.5 for the second one: its cdf is the identity for probs in
    # (0.499, 0.501]; the exact (e^(ηx) − 1)/(e^η − 1) at x = 1/2 is sigmoid(−η/2))
    np.testing.assert_allclose(d.cdf(CB_X), [0.400056733150589,
                                             special.expit(-special.logit(0.4995) / 2),
                                             0.857830897365325, 0.12505451220054392], rtol=1e-10)
    assert d.batch_shape == (4,) and d.event_shape == () and d.has_rsample
    assert isinstance(d, D.ExponentialFamily)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.4995, 0.8, 0.97])
def test_continuous_bernoulli_density_and_moments_integrate(p):
    d = D.ContinuousBernoulli(probs=p)
    pdf = lambda t: math.exp(float(d.log_prob(t)))
    assert np.isclose(_integral(pdf, 0, 1), 1.0, rtol=1e-8)
    assert np.isclose(_integral(lambda t: t * pdf(t), 0, 1), float(d.mean), rtol=1e-6)
    m = float(d.mean)
    assert np.isclose(_integral(lambda t: (t - m) ** 2 * pdf(t), 0, 1), float(d.variance), rtol=1e-5)
    ent = -_integral(lambda t: pdf(t) * float(d.log_prob(t)), 0, 1)
    assert np.isclose(ent, float(d.entropy()), rtol=1e-6, atol=1e-9)
    # (PyTorch's cdf is the identity for probs in (0.499, 0.501]: an approximation there)
    tol = 1e-6 if abs(p - 0.5) > 0.001 else 1e-3
    assert np.isclose(float(d.cdf(0.3)), _integral(pdf, 0, 0.3), rtol=tol)
    q = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(d.cdf(d.icdf(q)), q, rtol=1e-10)


def test_continuous_bernoulli_logits_entropy_and_gradients():
    lg = np.array([-2.0, 0.7, 3.0])
    d = D.ContinuousBernoulli(logits=lg)
    np.testing.assert_allclose(d.probs, special.expit(lg), rtol=1e-12)
    # the exponential-family entropy (Bregman form, gradient by tg.grad) is the closed form
    np.testing.assert_allclose(D.ExponentialFamily.entropy(d), d.entropy(), rtol=1e-9)
    f = lambda p: tg.sum(D.ContinuousBernoulli(probs=p).log_prob(np.array([0.2, 0.6, 0.9])))
    p = np.array([0.2, 0.35, 0.8])
    np.testing.assert_allclose(tg.grad(f)(p), _central(f, p), rtol=1e-6)
    fx = lambda x: tg.sum(D.ContinuousBernoulli(probs=p).log_prob(x))
    x = np.array([0.2, 0.6, 0.9])
    np.testing.assert_allclose(tg.grad(fx)(x), _central(fx, x), rtol=1e-6)
    # the entropy stays differentiable through its tg.grad
    fe = lambda t: tg.sum(D.ExponentialFamily.entropy(D.ContinuousBernoulli(logits=t)))
    np.testing.assert_allclose(tg.grad(fe)(lg), _central(fe, lg), rtol=1e-5)


def test_continuous_bernoulli_draws_and_validation():
    d = D.ContinuousBernoulli(probs=np.array([0.2, 0.9]))
    s = np.asarray(d.sample((40000,), key=KEY))
    assert s.shape == (40000, 2) and np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s.mean(0), d.mean, atol=0.01)
    np.testing.assert_allclose(s.var(0), d.variance, rtol=0.05)
    g = tg.grad(lambda p: tg.sum(D.ContinuousBernoulli(probs=p).rsample((3,), key=KEY)))(0.3)
    assert np.isfinite(g) and g > 0  # a larger λ moves draws up
    with pytest.raises(ValueError, match="ContinuousBernoulli: parameter probs"):
        D.ContinuousBernoulli(probs=1.5)
    with pytest.raises(ValueError, match="exactly one"):
        D.ContinuousBernoulli()
    assert D.ContinuousBernoulli(probs=0.3).expand((3,)).log_prob(0.5).shape == (3,)


# ---------------------------------------------------------------- FisherSnedecor

DF1, DF2 = np.array([1.5, 3.0, 6.0]), np.array([1.0, 5.0, 8.0])


def test_fisher_snedecor_against_scipy_and_pytorch():
    d = D.FisherSnedecor(DF1, DF2)
    x = np.array([0.3, 1.2, 2.5])
    # PyTorch 2.13's values
    np.testing.assert_allclose(d.log_prob(x), [-0.733280144155805, -1.2165159841630746,
                                               -2.328488911130127], rtol=1e-10)
    np.testing.assert_allclose(d.log_prob(x), stats.f.logpdf(x, DF1, DF2), rtol=1e-10)
    np.testing.assert_allclose(d.mode, [np.nan, 0.23809523809523808, 0.5333333333333333])
    np.testing.assert_allclose(d.mean, np.where(DF2 > 2, stats.f.mean(DF1, DF2), np.nan))
    np.testing.assert_allclose(d.variance, np.where(DF2 > 4, stats.f.var(DF1, DF2), np.nan))
    f = lambda a: tg.sum(D.FisherSnedecor(a[0], a[1]).log_prob(1.7))
    a = np.array([2.5, 7.0])
    np.testing.assert_allclose(tg.grad(f)(a), _central(f, a), rtol=1e-6)


def test_fisher_snedecor_draws():
    d = D.FisherSnedecor(np.array([4.0, 10.0]), np.array([12.0, 20.0]))
    s = np.asarray(d.sample((60000,), key=KEY))
    assert s.shape == (60000, 2) and np.all(s > 0)
    np.testing.assert_allclose(s.mean(0), d.mean, rtol=0.03)
    np.testing.assert_allclose(np.median(s, 0), stats.f.median([4.0, 10.0], [12.0, 20.0]), rtol=0.03)
    g = tg.grad(lambda a: tg.sum(D.FisherSnedecor(a, 9.0).rsample((50,), key=KEY)))(3.0)
    assert np.isfinite(g)
    with pytest.raises(ValueError, match="FisherSnedecor: parameter df2"):
        D.FisherSnedecor(1.0, -2.0)


# ---------------------------------------------------------------- Kumaraswamy

KA, KB = np.array([0.5, 2.0, 3.0]), np.array([2.0, 3.0, 0.7])


def test_kumaraswamy_closed_forms_and_pytorch():
    d = D.Kumaraswamy(KA, KB)
    x = np.array([0.2, 0.5, 0.9])
    # PyTorch 2.13's values
    np.testing.assert_allclose(d.log_prob(x), [0.21193535550034198, 0.5232481437645479,
                                               0.9229072508444559], rtol=1e-10)
    np.testing.assert_allclose(d.entropy(), [-1.0, -0.2084261358947218, -0.646666413450788],
                               rtol=1e-10)
    np.testing.assert_allclose(d.mean, [0.16666666666666666, 0.457142857142857,
                                        0.7997564960378494], rtol=1e-10)
    pdf = KA * KB * x ** (KA - 1) * (1 - x ** KA) ** (KB - 1)
    np.testing.assert_allclose(d.log_prob(x), np.log(pdf), rtol=1e-10)
    np.testing.assert_allclose(d.cdf(x), 1 - (1 - x ** KA) ** KB, rtol=1e-10)
    q = np.array([0.1, 0.5, 0.95])
    np.testing.assert_allclose(d.cdf(d.icdf(q)), q, rtol=1e-10)
    assert d.batch_shape == (3,) and d.event_shape == () and d.has_rsample


@pytest.mark.parametrize("a,b", [(2.0, 3.0), (0.7, 1.5), (4.0, 0.8)])
def test_kumaraswamy_moments_integrate(a, b):
    d = D.Kumaraswamy(a, b)
    pdf = lambda t: math.exp(float(d.log_prob(t)))
    assert np.isclose(_integral(pdf, 0, 1), 1.0, rtol=1e-7)
    m = _integral(lambda t: t * pdf(t), 0, 1)
    assert np.isclose(m, float(d.mean), rtol=1e-7)
    assert np.isclose(_integral(lambda t: (t - m) ** 2 * pdf(t), 0, 1), float(d.variance), rtol=1e-6)
    assert np.isclose(-_integral(lambda t: pdf(t) * float(d.log_prob(t)), 0, 1), float(d.entropy()),
                      rtol=1e-6, atol=1e-9)


def test_kumaraswamy_mode_gradient_draws_expand():
    d = D.Kumaraswamy(np.array([2.0, 0.5]), np.array([3.0, 2.0]))
    mode = np.asarray(d.mode)
    assert np.isclose(mode[0], (1 / 5) ** 0.5) and np.isnan(mode[1])
    grid = np.linspace(0.01, 0.99, 9801)
    assert abs(grid[np.argmax(np.asarray(D.Kumaraswamy(2.0, 3.0).log_prob(grid)))] - mode[0]) < 1e-3
    f = lambda c: tg.sum(D.Kumaraswamy(c[0], c[1]).log_prob(np.array([0.3, 0.8])))
    c = np.array([1.7, 2.4])
    np.testing.assert_allclose(tg.grad(f)(c), _central(f, c), rtol=1e-6)
    s = np.asarray(D.Kumaraswamy(2.0, 3.0).sample((40000,), key=KEY))
    assert np.all((s >= 0) & (s <= 1)) and abs(s.mean() - float(D.Kumaraswamy(2.0, 3.0).mean)) < 0.005
    e = d.expand((4, 2))
    assert e.batch_shape == (4, 2) and e.concentration1.shape == (4, 2)
    assert e.log_prob(np.array([0.3, 0.6])).shape == (4, 2)


# ---------------------------------------------------------------- GeneralizedPareto

GP_LOC, GP_SCALE, GP_C = np.array([0.1, -1.0, 0.0, 2.0]), np.array([2.0, 0.5, 1.0, 1.0]), \
    np.array([0.4, -0.5, 0.0, -1.0])


def test_generalized_pareto_against_scipy_and_pytorch():
    d = D.GeneralizedPareto(GP_LOC, GP_SCALE, GP_C)
    x = np.array([1.0, -0.5, 3.0, 2.5])
    # PyTorch 2.13's values
    np.testing.assert_allclose(d.log_prob(x), [-1.2724477152314524, 0.0, -3.0, -0.0], atol=1e-12)
    ref = stats.genpareto(GP_C, GP_LOC, GP_SCALE)
    np.testing.assert_allclose(d.log_prob(x), ref.logpdf(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.cdf(x), ref.cdf(x), rtol=1e-10)
    np.testing.assert_allclose(d.log_survival_function(x), ref.logsf(x), rtol=1e-10)
    q = np.array([0.1, 0.5, 0.7, 0.95])
    np.testing.assert_allclose(d.icdf(q), ref.ppf(q), rtol=1e-10)
    np.testing.assert_allclose(d.entropy(), ref.entropy(), rtol=1e-10)
    np.testing.assert_allclose(d.mean, np.where(GP_C < 1, ref.mean(), np.nan), rtol=1e-10)
    np.testing.assert_allclose(d.variance, np.where(GP_C < 0.5, ref.var(), np.nan), rtol=1e-10)
    assert np.all(d.support.check(x)) and not np.any(d.support.check(np.array([0.0, 0.1, -1.0, 3.5])))


def test_generalized_pareto_draws_gradient_validation():
    d = D.GeneralizedPareto(np.array([0.0, 1.0]), np.array([1.5, 2.0]), np.array([0.2, -0.3]))
    s = np.asarray(d.sample((40000,), key=KEY))
    np.testing.assert_allclose(s.mean(0), d.mean, rtol=0.03)
    np.testing.assert_allclose(s.var(0), d.variance, rtol=0.1)
    f = lambda p: tg.sum(D.GeneralizedPareto(p[0], p[1], p[2]).log_prob(np.array([0.5, 2.0])))
    p = np.array([0.1, 1.3, 0.25])
    np.testing.assert_allclose(tg.grad(f)(p), _central(f, p), rtol=1e-6)
    g = tg.grad(lambda sc: tg.sum(D.GeneralizedPareto(0.0, sc, 0.1).rsample((4,), key=KEY)))(2.0)
    assert np.isfinite(g) and g > 0
    with pytest.raises(ValueError, match="GeneralizedPareto: parameter scale"):
        D.GeneralizedPareto(0.0, -1.0, 0.1)


# ---------------------------------------------------------------- LogisticNormal

def test_logistic_normal_matches_pytorch_and_change_of_variables():
    loc, scale = np.array([[0.1, -1.0, 0.5], [0.0, 0.2, 0.3]]), np.array([2.0, 0.5, 1.0])
    d = D.LogisticNormal(loc, scale)
    assert d.batch_shape == (2,) and d.event_shape == (4,) and d.has_rsample
    y = np.array([0.1, 0.2, 0.3, 0.4])
    # PyTorch 2.13's values
    np.testing.assert_allclose(d.log_prob(y), [2.3977889825934993, 1.79788492221053], rtol=1e-10)
    t = D.StickBreakingTransform()
    x = np.asarray(t.inv(y))
    want = stats.norm.logpdf(x, loc, scale).sum(-1) - float(t.log_abs_det_jacobian(x, y))
    np.testing.assert_allclose(d.log_prob(y), want, rtol=1e-12)
    s = np.asarray(d.sample((5,), key=KEY))
    assert s.shape == (5, 2, 4) and np.allclose(s.sum(-1), 1.0) and np.all(s > 0)
    e = D.LogisticNormal(0.3, 1.2)
    assert e.batch_shape == () and e.event_shape == (2,)
    f = D.LogisticNormal(loc, scale).expand((3, 2))
    assert f.batch_shape == (3, 2) and f.log_prob(y).shape == (3, 2) and f.loc.shape == (3, 2, 3)
    g = lambda m: tg.sum(D.LogisticNormal(m, scale).log_prob(y))
    np.testing.assert_allclose(tg.grad(g)(loc[0]), _central(g, loc[0]), rtol=1e-6)


# ---------------------------------------------------------------- OneHotCategoricalStraightThrough

def test_one_hot_straight_through():
    p = np.array([0.2, 0.3, 0.5])
    d = D.OneHotCategoricalStraightThrough(probs=p)
    assert d.has_rsample and isinstance(d, D.OneHotCategorical)
    s = np.asarray(d.rsample((6,), key=KEY))
    assert s.shape == (6, 3) and np.all(s.sum(-1) == 1) and set(np.unique(s)) <= {0.0, 1.0}
    w = np.array([1.0, 2.0, 3.0])
    g = tg.grad(lambda q: tg.sum(D.OneHotCategoricalStraightThrough(probs=q).rsample(key=KEY) * w))(p)
    # the gradient is that of Σ w·probs with probs = q / Σq
    np.testing.assert_allclose(g, (w - w @ p) / p.sum(), rtol=1e-12)


# ---------------------------------------------------------------- transforms

RNG = np.random.default_rng(3)


def _logdet(jac):
    return np.linalg.slogdet(np.asarray(jac))[1]


def test_stick_breaking_transform():
    t = D.StickBreakingTransform()
    x = np.array([0.3, -1.2, 0.8])
    y = t(x)
    # PyTorch 2.13's values
    np.testing.assert_allclose(y, [0.3103224420123704, 0.09026916871088567, 0.41357649237475935,
                                   0.18583189690198457], rtol=1e-12)
    np.testing.assert_allclose(t(np.zeros(3)), np.full(4, 0.25), rtol=1e-12)
    np.testing.assert_allclose(t.inv(y), x, rtol=1e-12)
    jac = tg.jacfwd(lambda v: t(v)[:-1])(x)
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, y), _logdet(jac), rtol=1e-10)
    xb = RNG.normal(size=(2, 5))
    np.testing.assert_allclose(t.inv(t(xb)), xb, rtol=1e-10)
    assert t.forward_shape((2, 5)) == (2, 6) and t.inverse_shape((2, 6)) == (2, 5)
    assert t.bijective and t.event_dim == 1 and np.all(t.codomain.check(t(xb)))


def test_corr_cholesky_transform():
    t = D.CorrCholeskyTransform()
    v = np.array([0.3, -1.2, 0.8, 0.1, 2.0, -0.4])
    y = np.asarray(t(v))
    # PyTorch 2.13's values
    want = [[1.0, 0.0, 0.0, 0.0], [0.2913126124515909, 0.9566279119002483, 0.0, 0.0],
            [-0.8336546070121552, 0.36673831415055014, 0.41294431239747265, 0.0],
            [0.09966799462495582, 0.9592274447386058, -0.10048842006894716, 0.24464479871791966]]
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-15)
    assert np.isclose(float(t.log_abs_det_jacobian(v, y)), -6.602137543426524, rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(y, axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(t.inv(y), v, rtol=1e-10)
    rows, cols = np.tril_indices(4, -1)
    jac = tg.jacfwd(lambda u: t(u)[rows, cols])(v)  # onto the strict lower triangle
    assert np.isclose(float(t.log_abs_det_jacobian(v, y)), _logdet(jac), rtol=1e-10)
    assert t.forward_shape((2, 6)) == (2, 4, 4) and t.inverse_shape((4, 4)) == (6,)
    assert np.all(t.codomain.check(y))
    with pytest.raises(ValueError, match="D\\(D − 1\\)/2"):
        t.forward_shape((5,))


def test_matrix_transforms():
    x = RNG.normal(size=(2, 3, 3))
    lower = D.LowerCholeskyTransform()(x)
    assert np.all(D.constraints.lower_cholesky.check(lower))
    np.testing.assert_allclose(np.tril(x, -1), np.tril(np.asarray(lower), -1))
    np.testing.assert_allclose(D.LowerCholeskyTransform().inv(lower), np.tril(x), rtol=1e-12)
    pd = D.PositiveDefiniteTransform()(x)
    np.testing.assert_allclose(pd, np.asarray(lower) @ np.swapaxes(np.asarray(lower), -1, -2))
    assert np.all(D.constraints.positive_definite.check(pd))
    np.testing.assert_allclose(D.PositiveDefiniteTransform().inv(pd), np.tril(x), rtol=1e-10)
    for c in (D.constraints.positive_definite, D.constraints.positive_semidefinite):  # PyTorch's
        t = D.transform_to(c)
        assert isinstance(t, D.PositiveDefiniteTransform) and np.all(c.check(t(x)))
    r = D.ReshapeTransform((6,), (2, 3))
    v = RNG.normal(size=(4, 6))
    assert r(v).shape == (4, 2, 3) and np.array_equal(r.inv(r(v)), v)
    assert r.log_abs_det_jacobian(v, r(v)).shape == (4,)
    assert r.forward_shape((4, 6)) == (4, 2, 3) and r.inverse_shape((2, 3)) == (6,)
    with pytest.raises(ValueError, match="different numbers of elements"):
        D.ReshapeTransform((5,), (2, 3))


def test_elementwise_and_softmax_transforms():
    x = np.array([-1.5, 0.2, 2.0])
    a = D.AbsTransform()
    np.testing.assert_allclose(a(x), np.abs(x))
    assert not a.bijective and np.array_equal(a.inv(np.abs(x)), np.abs(x))
    with pytest.raises(NotImplementedError):
        a.sign
    s = D.SoftmaxTransform()
    np.testing.assert_allclose(s(x), special.softmax(x), rtol=1e-12)
    np.testing.assert_allclose(s(s.inv(s(x))), s(x), rtol=1e-12)
    assert not s.bijective and s.event_dim == 1 and np.all(s.codomain.check(s(x)))


def test_independent_cat_stack_transforms():
    e = D.ExpTransform()
    x = RNG.normal(size=(3, 4))
    it = D.IndependentTransform(e, 1)
    assert it.event_dim == 1 and it.sign == 1 and it.bijective
    np.testing.assert_allclose(it.log_abs_det_jacobian(x, it(x)), x.sum(-1), rtol=1e-12)
    np.testing.assert_allclose(it.inv(it(x)), x, rtol=1e-12)
    aff = D.AffineTransform(1.0, 2.0)
    cat = D.CatTransform([e, aff], dim=1, lengths=[1, 3])
    y = np.asarray(cat(x))
    np.testing.assert_allclose(y, np.concatenate([np.exp(x[:, :1]), 1 + 2 * x[:, 1:]], axis=1))
    np.testing.assert_allclose(cat.inv(y), x, rtol=1e-12)
    lad = np.asarray(cat.log_abs_det_jacobian(x, y))
    np.testing.assert_allclose(lad, np.concatenate([x[:, :1], np.full((3, 3), np.log(2.0))], 1))
    assert cat.domain.check(x).shape == (3, 4) and np.all(cat.codomain.check(y))
    # with a transform of vector events among the blocks, the blocks' axis is summed over
    cat2 = D.CatTransform([D.IndependentTransform(e, 1), aff], dim=-1, lengths=[2, 2])
    v = RNG.normal(size=(2, 4))
    w = np.asarray(cat2(v))
    assert cat2.event_dim == 1
    jac = np.stack([np.asarray(tg.jacfwd(cat2)(vi)) for vi in v])
    np.testing.assert_allclose(cat2.log_abs_det_jacobian(v, w), _logdet(jac), rtol=1e-10)
    stack = D.StackTransform([e, aff, e], dim=0)
    z = RNG.normal(size=(3, 2))
    np.testing.assert_allclose(stack(z), np.stack([np.exp(z[0]), 1 + 2 * z[1], np.exp(z[2])]))
    np.testing.assert_allclose(stack.inv(stack(z)), z, rtol=1e-12)
    np.testing.assert_allclose(stack.log_abs_det_jacobian(z, stack(z)),
                               np.stack([z[0], np.full(2, np.log(2.0)), z[2]]), rtol=1e-12)
    with pytest.raises(ValueError, match="must equal the number of transforms"):
        stack(RNG.normal(size=(2, 2)))


def test_cumulative_distribution_transform_gaussian_copula():
    t = D.CumulativeDistributionTransform(D.Normal(0.0, 1.0))
    x = np.array([-1.0, 0.3, 2.0])
    np.testing.assert_allclose(t(x), stats.norm.cdf(x), rtol=1e-12)
    np.testing.assert_allclose(t.inv(t(x)), x, rtol=1e-10)
    slope = np.diag(np.asarray(tg.jacfwd(t)(x)))
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, t(x)), np.log(slope), rtol=1e-10)
    assert t.sign == 1 and t.inv.sign == 1 and t.codomain is D.constraints.unit_interval
    cov = np.array([[1.0, 0.6], [0.6, 1.0]])
    copula = D.TransformedDistribution(D.MultivariateNormal(np.zeros(2), cov), [t])
    u = np.array([0.3, 0.8])
    z = stats.norm.ppf(u)
    want = stats.multivariate_normal(np.zeros(2), cov).logpdf(z) - stats.norm.logpdf(z).sum()
    assert np.isclose(float(copula.log_prob(u)), want, rtol=1e-10)
