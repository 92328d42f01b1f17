"""Edge cases of tg.distributions and tg.scipy.stats found by a probe: the von Mises slope at
κ = 0, the continuous Bernoulli near probs = 1/2, parameters derived from logits, the ends of
the Kumaraswamy and uniform supports, values of the wrong event shape, and more KL pairs.

References: mpmath (closed forms at 50 digits, derivatives by mp.diff), SciPy (special
functions, quadrature), central differences."""
import math

import mpmath as mp
import numpy as np
import pytest
from scipy import integrate, special, stats

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient as _central

D = tg.distributions
S = tg.scipy.stats


# ---------------------------------------------------------------- von Mises at κ = 0

@pytest.mark.parametrize("x", [0.4, -2.0, 3.0])
def test_vonmises_kappa_derivatives_at_and_near_zero(x):
    # d/dκ [κ cos x − log(2π I₀(κ))] = cos x − A(κ), A = I₁/I₀, A' = 1 − A/κ − A² (½ at 0)
    for k in [0.0, 1e-12, 0.3, 0.999999, 1.0, 1.000001, 4.0, 60.0]:
        a = special.i1e(k) / special.i0e(k)
        da = 0.5 if k == 0 else 1.0 - a / k - a * a
        for f in (lambda kk: S.vonmises.logpdf(x, kk),
                  lambda kk: D.VonMises(0.3, kk, validate_args=False).log_prob(x + 0.3)):
            want = k * math.cos(x) - math.log(2 * math.pi) - math.log(special.i0e(k)) - k
            assert np.isclose(float(f(k)), want, rtol=1e-13, atol=1e-13)
            assert np.isclose(float(tg.grad(f)(k)), math.cos(x) - a, rtol=1e-12, atol=1e-14)
            assert np.isclose(float(tg.hessian(f)(k)), -da, rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------- continuous Bernoulli

mp.mp.dps = 50


def _eta(p):
    return mp.log(p / (1 - p))


def _log_norm(e):
    return mp.log(mp.expm1(e) / e)


_CB_REFS = {
    "mean": lambda p: 1 / (1 - mp.exp(-_eta(p))) - 1 / _eta(p),
    "variance": lambda p: 1 / _eta(p) ** 2 - mp.exp(_eta(p)) / mp.expm1(_eta(p)) ** 2,
    "entropy": lambda p: _log_norm(_eta(p)) - _eta(p) * (1 / (1 - mp.exp(-_eta(p))) - 1 / _eta(p)),
    "log_prob": lambda p: mp.mpf("0.3") * _eta(p) - _log_norm(_eta(p)),
    "cdf": lambda p: mp.expm1(_eta(p) * mp.mpf("0.3")) / mp.expm1(_eta(p)),
    "icdf": lambda p: mp.log1p(mp.mpf("0.7") * mp.expm1(_eta(p))) / _eta(p),
}
_CB_TG = {
    "mean": lambda p: D.ContinuousBernoulli(probs=p).mean,
    "variance": lambda p: D.ContinuousBernoulli(probs=p).variance,
    "entropy": lambda p: D.ContinuousBernoulli(probs=p).entropy(),
    "log_prob": lambda p: D.ContinuousBernoulli(probs=p).log_prob(0.3),
    "cdf": lambda p: D.ContinuousBernoulli(probs=p).cdf(0.3),
    "icdf": lambda p: D.ContinuousBernoulli(probs=p).icdf(0.7),
}


@pytest.mark.parametrize("name", sorted(_CB_REFS))
def test_continuous_bernoulli_value_and_two_derivatives_near_one_half(name):
    # across PyTorch's Taylor window (0.499, 0.501] and tensorgrad's series window |η| < 1
    # (p in (0.2689, 0.7311)), on both sides of each edge
    f, ref = _CB_TG[name], _CB_REFS[name]
    for p in [0.05, 0.26894, 0.26895, 0.45, 0.498, 0.499, 0.4991, 0.4999999, 0.5 + 2 ** -30,
              0.501, 0.5011, 0.73105, 0.73106, 0.97]:
        pm = mp.mpf(p)
        got = [float(f(p)), float(tg.grad(f)(p)), float(tg.hessian(f)(p))]
        want = [float(ref(pm)), float(mp.diff(ref, pm, 1)), float(mp.diff(ref, pm, 2))]
        np.testing.assert_allclose(got, want, rtol=1e-9, err_msg=f"{name} at p = {p}")


def test_continuous_bernoulli_extreme_logits_and_x_derivatives():
    for lg in [-800.0, -40.0, -1.0, 0.0, 0.5, 40.0, 800.0]:
        d = D.ContinuousBernoulli(logits=lg)
        x = np.array([0.0, 1e-9, 0.3, 0.9, 1.0])
        lp = np.asarray(d.log_prob(x))
        assert np.all(np.isfinite(lp))
        if lg == 0.0:
            np.testing.assert_array_equal(lp, 0.0)  # the uniform density
        else:
            e = mp.mpf(lg)
            want = [float(mp.mpf(t) * e - _log_norm(e)) for t in x]
            np.testing.assert_allclose(lp, want, rtol=1e-13)
        c = np.asarray(d.cdf(x))
        assert c[0] == 0.0 and c[-1] == 1.0 and np.all(np.diff(c) >= 0)
        np.testing.assert_allclose(d.cdf(d.icdf(np.array([1e-6, 0.3, 0.999]))),
                                   [1e-6, 0.3, 0.999], rtol=1e-9)
    d = D.ContinuousBernoulli(probs=0.4995)
    fx = lambda t: tg.sum(d.cdf(t))
    t = np.array([0.2, 0.6])
    np.testing.assert_allclose(tg.grad(fx)(t), np.exp(np.asarray(d.log_prob(t))), rtol=1e-12)
    fe = lambda t: tg.sum(D.ExponentialFamily.entropy(D.ContinuousBernoulli(logits=t)))
    lg = np.array([-3.0, -0.9, 0.01, 1.1])
    np.testing.assert_allclose(tg.grad(fe)(lg), _central(fe, lg), rtol=1e-6)


# ---------------------------------------------------------------- parameters from logits

def test_negative_binomial_and_geometric_from_extreme_logits():
    for lg in [30.0, 37.0, 40.0]:
        p = 1 / (1 + mp.exp(-mp.mpf(lg)))
        want = float(mp.log(mp.binomial(2 + 2.5 - 1, 2)) + 2.5 * mp.log(1 - p) + 2 * mp.log(p))
        got = float(D.NegativeBinomial(2.5, logits=lg, validate_args=True).log_prob(2.0))
        assert np.isclose(got, want, rtol=1e-14)
    d = D.Geometric(logits=-800.0, validate_args=True)
    assert float(d.log_prob(0.0)) == -800.0
    assert float(d.entropy()) == pytest.approx(801.0, rel=1e-14)  # 800 + 1 (p ≈ e^-800)
    assert float(d.mean) == np.inf
    g = D.Geometric(logits=-1.5)
    p = special.expit(-1.5)
    np.testing.assert_allclose([g.mean, g.variance], [(1 - p) / p, (1 - p) / p ** 2], rtol=1e-13)
    # a given parameter is still validated
    with pytest.raises(ValueError, match="NegativeBinomial: parameter probs"):
        D.NegativeBinomial(2.0, probs=1.0)


# ---------------------------------------------------------------- ends of supports

@pytest.mark.parametrize("a, b, x, want", [
    (1.0, 2.0, 0.0, math.log(2.0)), (2.0, 1.0, 1.0, math.log(2.0)), (1.0, 2.0, 1.0, -np.inf),
    (2.0, 3.0, 0.0, -np.inf), (0.5, 0.5, 0.0, np.inf), (0.5, 0.5, 1.0, np.inf),
    (1.0, 1.0, 0.0, 0.0), (1.0, 1.0, 1.0, 0.0), (1.0, 0.4, 0.0, math.log(0.4)),
])
def test_kumaraswamy_log_prob_at_support_ends(a, b, x, want):
    assert float(D.Kumaraswamy(a, b).log_prob(x)) == want
    # and the interior near the ends agrees with the closed form
    for t in [1e-6, 1 - 1e-9]:
        exact = math.log(a * b) + (a - 1) * math.log(t) + (b - 1) * math.log(-math.expm1(a * math.log(t)))
        assert np.isclose(float(D.Kumaraswamy(a, b).log_prob(t)), exact, rtol=1e-12)


def test_kumaraswamy_errors_name_the_class():
    with pytest.raises(ValueError, match="Kumaraswamy: value"):
        D.Kumaraswamy(1.0, 2.0).log_prob(1.5)
    with pytest.raises(ValueError, match="Kumaraswamy: value"):
        D.Kumaraswamy(1.0, 2.0).cdf(-0.5)
    np.testing.assert_allclose(D.Kumaraswamy(2.0, 3.0).cdf(np.array([0.0, 1.0])), [0.0, 1.0])


def test_uniform_support_is_closed_as_pytorch():
    d = D.Uniform(0.1, 2.0)
    assert float(d.cdf(2.0)) == 1.0 and float(d.cdf(0.1)) == 0.0
    assert float(d.log_prob(2.0)) == -np.inf
    assert float(d.log_prob(0.1)) == pytest.approx(-math.log(1.9))
    with pytest.raises(ValueError, match="Uniform: value"):
        d.log_prob(2.1)


# ---------------------------------------------------------------- event shapes

def _multivariate():
    i3 = np.eye(3)
    return [
        (D.MultivariateNormal(np.zeros(3), i3), np.zeros(2)),
        (D.LowRankMultivariateNormal(np.zeros(3), np.ones((3, 1)), np.ones(3)), np.zeros(2)),
        (D.Multinomial(2, probs=np.ones(3) / 3), np.array([1.0, 1.0])),
        (D.Dirichlet(np.ones(3)), np.full(2, 0.5)),
        (D.Wishart(4.0, i3), np.eye(2)),
        (D.LKJCholesky(3, 1.0), np.eye(2)),
        (D.OneHotCategorical(probs=np.ones(3) / 3), np.array([1.0, 0.0])),
        (D.RelaxedOneHotCategorical(0.5, probs=np.ones(3) / 3), np.array([0.5, 0.5])),
        (D.Independent(D.Normal(np.zeros(3), 1.0), 1), np.zeros(2)),
        (D.MixtureSameFamily(D.Categorical(probs=np.ones(2) / 2),
                             D.MultivariateNormal(np.zeros((2, 3)), i3)), np.zeros(2)),
    ]


@pytest.mark.parametrize("validate", [True, False])
def test_wrong_event_shape_is_a_clear_error(validate):
    for d, x in _multivariate():
        d._validate_args = validate
        name = type(d).__name__
        with pytest.raises(ValueError, match=rf"^{name}: the value's shape \({x.shape[0]},") as e:
            d.log_prob(x)
        assert str(d.event_shape) in str(e.value)


def test_right_event_shape_with_sample_axes_still_works():
    d = D.MultivariateNormal(np.zeros(3), np.eye(3))
    assert d.log_prob(np.zeros((4, 3))).shape == (4,)
    assert D.Dirichlet(np.ones(3)).log_prob(np.full((2, 3), 1 / 3)).shape == (2,)


# ---------------------------------------------------------------- more KL pairs

def _kl_quad(p, q, lo, hi):
    return integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)), lo, hi,
                          limit=400, epsabs=1e-13, epsrel=1e-11)[0]


@pytest.mark.parametrize("pair", ["LogNormal", "HalfNormal", "Cauchy", "HalfCauchy", "Gumbel",
                                  "Pareto", "Weibull"])
def test_new_kl_pairs_match_quadrature(pair):
    cases = {
        "LogNormal": ((0.3, 1.2), (-0.5, 0.7), stats.lognorm(1.2, scale=math.exp(0.3)),
                      stats.lognorm(0.7, scale=math.exp(-0.5)), 0, np.inf),
        "HalfNormal": ((1.3,), (0.6,), stats.halfnorm(scale=1.3), stats.halfnorm(scale=0.6),
                       0, np.inf),
        "Cauchy": ((0.3, 1.2), (-0.5, 0.7), stats.cauchy(0.3, 1.2), stats.cauchy(-0.5, 0.7),
                   -np.inf, np.inf),
        "HalfCauchy": ((1.3,), (0.6,), stats.halfcauchy(scale=1.3), stats.halfcauchy(scale=0.6),
                       0, np.inf),
        "Gumbel": ((0.3, 1.2), (-0.5, 0.7), stats.gumbel_r(0.3, 1.2), stats.gumbel_r(-0.5, 0.7),
                   -20, 60),
        "Pareto": ((1.3, 2.5), (0.6, 1.5), stats.pareto(2.5, scale=1.3),
                   stats.pareto(1.5, scale=0.6), 1.3, np.inf),
        "Weibull": ((1.3, 2.5), (0.6, 1.5), stats.weibull_min(2.5, scale=1.3),
                    stats.weibull_min(1.5, scale=0.6), 0, np.inf),
    }
    a, b, sp, sq, lo, hi = cases[pair]
    cls = getattr(D, pair)
    got = float(D.kl_divergence(cls(*a), cls(*b)))
    assert np.isclose(got, _kl_quad(sp, sq, lo, hi), rtol=1e-8)
    # differentiable in p's first parameter
    f = lambda t: D.kl_divergence(cls(t, *a[1:]), cls(*b))
    assert np.isclose(float(tg.grad(f)(a[0])), float(_central(f, np.float64(a[0]))), rtol=1e-6)


def test_pareto_kl_is_infinite_outside_support_and_discrete_pairs():
    assert float(D.kl_divergence(D.Pareto(0.3, 2.5), D.Pareto(0.6, 1.5))) == np.inf
    # Geometric: Σ_k p(k) log(p(k)/q(k)), summed far into the tail
    k = np.arange(2000)
    for pp, qq in [(0.3, 0.7), (0.9, 0.05)]:
        want = np.sum(stats.geom.pmf(k + 1, pp) * (stats.geom.logpmf(k + 1, pp)
                                                  - stats.geom.logpmf(k + 1, qq)))
        got = float(D.kl_divergence(D.Geometric(probs=pp), D.Geometric(logits=special.logit(qq))))
        assert np.isclose(got, want, rtol=1e-12)
    k = np.arange(6)
    want = np.sum(stats.binom.pmf(k, 5, 0.3) * (stats.binom.logpmf(k, 5, 0.3)
                                                - stats.binom.logpmf(k, 5, 0.6)))
    assert np.isclose(float(D.kl_divergence(D.Binomial(5, probs=0.3), D.Binomial(5, probs=0.6))),
                      want, rtol=1e-12)
    assert float(D.kl_divergence(D.Binomial(6, probs=0.3), D.Binomial(5, probs=0.6))) == np.inf
    with pytest.raises(NotImplementedError, match="total_count"):
        D.kl_divergence(D.Binomial(4, probs=0.3), D.Binomial(5, probs=0.6))


def test_generalized_pareto_cdf_is_one_at_and_past_the_upper_end():
    # ξ < 0: the support ends at μ − σ/ξ; rounding can put 1 + ξz just below 0 there, and the
    # cdf came out 0 (NaN in the log survival, read as "below the support")
    D = tg.distributions
    loc, sc, c = 100000.04870808376, 0.29067817377536714, -1.0796666330776314
    top = loc - sc / c
    assert float(D.GeneralizedPareto(loc, sc, c).cdf(top)) == 1.0
    d = D.GeneralizedPareto(0.0, 1.0, -0.5, validate_args=False)
    x = np.array([-1.0, 0.0, 1.0, 1.999, 2.0, 3.0])
    np.testing.assert_allclose(d.cdf(x), stats.genpareto(-0.5).cdf(x), rtol=1e-12)
    assert np.isneginf(d.log_survival_function(np.array([2.0, 3.0]))).all()
    slope = tg.grad(lambda s: D.GeneralizedPareto(0.0, s, -0.5, validate_args=False).cdf(x[2:]).sum())
    inside = x[2:] < 2.0  # d/dσ of 1 − (1 − x/(2σ))² at σ = 1 is −(1 − x/2)·x inside, 0 past the end
    np.testing.assert_allclose(slope(1.0), np.sum(np.where(inside, -(1 - x[2:] / 2) * x[2:], 0.0)),
                               rtol=1e-12)


@pytest.mark.parametrize("r, logits, k", [(95700.11732375975, 27.63104323789236, 9.566781710818722e16),
                                          (1.003442587091629e5, 13.8, 9.95328769490e10),
                                          (0.3, -2.0, 1e12), (2.5, 0.3, 4.0)])
def test_negative_binomial_log_prob_of_huge_counts(r, logits, k):
    # lgamma(k + r) − lgamma(k + 1) lost all its digits for huge k (a log-pmf of +106.7
    # where the exact one is −34.29)
    mp.mp.dps = 50
    R, L, K = mp.mpf(r), mp.mpf(logits), mp.mpf(k)
    exact = (mp.loggamma(R + K) - mp.loggamma(K + 1) - mp.loggamma(R)
             - R * mp.log(1 + mp.exp(L)) - K * mp.log(1 + mp.exp(-L)))
    got = tg.distributions.NegativeBinomial(r, logits=logits).log_prob(k)
    terms = abs(r * np.logaddexp(0.0, logits)) + abs(k * np.logaddexp(0.0, -logits))
    np.testing.assert_allclose(float(got), float(exact), rtol=1e-9, atol=1e-10 * terms)  # (cancel)
    slope = tg.grad(lambda t: tg.distributions.NegativeBinomial(t, logits=logits).log_prob(k))(r)
    want = special.digamma(r + k) - special.digamma(r) - np.logaddexp(0.0, logits)
    np.testing.assert_allclose(float(slope), want, rtol=1e-9, atol=1e-12 * abs(special.digamma(r)))


@pytest.mark.parametrize("n, k, p", [(1e17, 5e16, 0.5), (1e12, 3e11, 0.3), (1e15, 1.0, 1e-15),
                                     (10.0, 3.0, 0.2), (10.0, 0.0, 0.2), (10.0, 10.0, 0.2),
                                     (100.0, 99.0, 0.99), (20.0, 7.0, 1e-9), (16.0, 8.0, 0.4)])
def test_binomial_log_prob_without_cancellation(n, k, p):
    # the log-gamma form lost every digit for huge counts (+352 for −19.80 at n = 1e17, and
    # −3.54 for −1.0 at n = 1e15, k = 1, p = 1e-15); Loader's saddle-point form keeps them
    mp.mp.dps = 50
    N, K, P = mp.mpf(n), mp.mpf(k), mp.mpf(p)
    exact = (mp.loggamma(N + 1) - mp.loggamma(K + 1) - mp.loggamma(N - K + 1) + K * mp.log(P)
             + (N - K) * mp.log(1 - P))
    np.testing.assert_allclose(float(tg.distributions.Binomial(n, probs=p).log_prob(k)),
                               float(exact), rtol=1e-13, atol=1e-13)
    lg = math.log(p) - math.log1p(-p)  # d/dlogits = k − np, d² = −npq
    f = lambda t: tg.distributions.Binomial(n, logits=t).log_prob(k)  # noqa: E731
    pp, q = 1 / (1 + math.exp(-lg)), 1 / (1 + math.exp(lg))
    np.testing.assert_allclose(float(tg.grad(f)(lg)), k - n * pp, rtol=1e-9, atol=1e-9 * k)
    np.testing.assert_allclose(float(tg.hessian(f)(lg)), -n * pp * q, rtol=1e-9)


@pytest.mark.parametrize("rate, k", [(1e17, 1e17), (1e12, 1e12 + 5), (3.5, 0.0), (3.5, 2.0),
                                     (3.5, 20.0), (0.1, 14.0), (0.1, 15.0), (100.0, 130.0)])
def test_poisson_log_prob_without_cancellation(rate, k):
    # k·log λ − λ − lgamma(k + 1) gave 0.0 for −20.49 at λ = k = 1e17
    mp.mp.dps = 50
    exact = k * mp.log(mp.mpf(rate)) - rate - mp.loggamma(mp.mpf(k) + 1)
    np.testing.assert_allclose(float(tg.distributions.Poisson(rate).log_prob(k)), float(exact),
                               rtol=1e-13)
    f = lambda r: tg.distributions.Poisson(r).log_prob(k)  # noqa: E731
    np.testing.assert_allclose(float(tg.grad(f)(rate)), k / rate - 1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(float(tg.hessian(f)(rate)), -k / rate ** 2, rtol=1e-12)


def test_count_log_probs_outside_the_support_dtypes_and_extremes():
    D = tg.distributions
    # outside the support (validation off): −inf, as the log-gamma form gave
    assert np.isneginf(float(D.Poisson(3.0, validate_args=False).log_prob(-1.0)))
    for k in (-1.0, 12.0):
        assert np.isneginf(float(D.Binomial(10.0, probs=0.3, validate_args=False).log_prob(k)))
    # float32 parameters and values give float32, as PyTorch's
    f32 = np.float32
    assert D.Poisson(f32(3)).log_prob(f32(5)).dtype == np.float32
    assert D.Binomial(f32(10), probs=f32(0.3)).log_prob(f32(4)).dtype == np.float32
    # a subnormal rate: x/m would overflow (−713.80 is k·log λ − λ − log k!)
    np.testing.assert_allclose(float(D.Poisson(1e-310).log_prob(1.0)), math.log(1e-310), rtol=1e-14)
    # k near n with p near 1: k·log p and (n − k)·log q on their own (they cancelled as k·logits)
    lg = math.log(1e12)
    np.testing.assert_allclose(float(D.Binomial(1e12, logits=lg).log_prob(1e12 - 1)),
                               float(D.Binomial(1e12, logits=-lg).log_prob(1.0)), rtol=1e-13)


def test_generalized_pareto_cdf_slope_past_the_upper_end_is_zero():
    # the discarded log1p of a value below −1 made the slope NaN where the cdf is 1
    GP = tg.distributions.GeneralizedPareto
    slope = tg.grad(lambda c: tg.sum(GP(0.0, 1.0, c, validate_args=False).cdf(np.array([1.0, 3.0]))))
    h = 1e-6
    fd = (float(GP(0.0, 1.0, -0.5 + h).cdf(1.0)) - float(GP(0.0, 1.0, -0.5 - h).cdf(1.0))) / (2 * h)
    np.testing.assert_allclose(float(slope(-0.5)), fd, rtol=1e-6)


def test_float32_parameters_keep_float32_values():
    # float64 constants (np.finfo(np.float64).min clamps, float64 fills and grids) promoted
    # float32 parameters' results to float64; its lowest number also becomes −inf in float32
    D, f = tg.distributions, np.float32
    lg = f([0.1, 0.2, -np.inf])
    for v in (D.Categorical(logits=lg).entropy(), D.OneHotCategorical(logits=lg).entropy(),
              D.Categorical(logits=lg).mean, D.Multinomial(5, logits=lg).log_prob(f([2, 3, 0])),
              D.SigmoidTransform().inv(f([0.3, 0.0])), D.StudentT(f([3.0, 1.5, 0.5])).variance,
              D.Binomial(f(5), probs=f(0.3)).entropy(), D.InverseGamma(f(2), f(3)).log_prob(f(0.7)),
              D.Kumaraswamy(f(2), f(3)).cdf(f(0.3)), D.Kumaraswamy(f(2), f(3)).icdf(f(0.3)),
              D.Multinomial(5, logits=lg).entropy()):
        assert v.dtype == np.float32, v
    np.testing.assert_allclose(D.Categorical(logits=lg).entropy(),
                               D.Categorical(logits=lg.astype(float)).entropy(), rtol=1e-6)
