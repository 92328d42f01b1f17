"""tg.distributions where they used to part from torch.distributions (float64): category indices
out of range, values outside a transformed support, expand() of the distributions built on
others, shapes broadcast by a transform's parameters, Geometric at probs 0 and 1, Pareto at its
lower bound, mixtures whose batch shapes disagree, Binomial.enumerate_support and
Multinomial.entropy.

PyTorch is not needed (nor imported): the references are exact formulas in NumPy/SciPy
(scipy.stats log-densities, closed-form derivatives for the gradients), each checked equal to
PyTorch 2.13's answer for the same call, or, where a formula would only restate a convention,
PyTorch 2.13's answers written out as literals; the shapes are the ones torch 2.13 gives. Where
torch raises for an input, only tg's error is asserted and a comment says what torch does.
Values to 1e-12 and gradients (tg.grad against the closed forms) to 1e-10."""
import inspect

import numpy as np
import pytest
from scipy import special, stats

import tensorgrad as tg

D = tg.distributions
KEY = tg.random.PRNGKey(7)
FINFO = np.finfo(np.float64)


def close(a, b, tol=1e-12):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def softplus(x):
    return np.logaddexp(0.0, x)


def log_softmax(lg):
    lg = np.asarray(lg, dtype=np.float64)
    return lg - special.logsumexp(lg, axis=-1, keepdims=True)


def categorical_log_prob(logp, x):
    """log p[..., x] with x broadcast against the batch of logp (..., K)."""
    x = np.asarray(x).astype(np.int64)
    shape = np.broadcast_shapes(x.shape, logp.shape[:-1])
    table = np.broadcast_to(logp, shape + logp.shape[-1:])
    return np.take_along_axis(table, np.broadcast_to(x, shape)[..., None], -1)[..., 0]


def sigmoid_inverse(y):
    """torch's SigmoidTransform inverse: y clamped into [tiny, 1 − eps], then the logit."""
    y = np.clip(np.asarray(y, dtype=np.float64), FINFO.tiny, 1.0 - FINFO.eps)
    return np.log(y) - np.log1p(-y)


def sigmoid_log_prob(base_log_prob, y):
    """log-density of sigmoid(X) at y: base at x = logit(y) minus log|dy/dx| = −softplus(−x) −
    softplus(x) (torch's SigmoidTransform.log_abs_det_jacobian)."""
    x = sigmoid_inverse(y)
    return base_log_prob(x) + softplus(-x) + softplus(x)


def logit_relaxed_bernoulli_log_prob(t, logits, x):
    """The binary Concrete density (Maddison et al. 2017), as torch's LogitRelaxedBernoulli."""
    diff = logits - x * t
    return np.log(t) + diff - 2.0 * softplus(diff)


def exp_relaxed_categorical_log_prob(t, logits, x):
    """The Concrete density of log-simplex values (torch's ExpRelaxedCategorical)."""
    k = np.shape(logits)[-1]
    score = logits - x * t
    score = (score - special.logsumexp(score, axis=-1, keepdims=True)).sum(-1)
    return score + special.gammaln(k) + (k - 1) * np.log(t)


def multinomial_entropy_and_grad(n, p, grad=True):
    """Entropy of Multinomial(n, p) over its last axis, exactly: −n Σ p log p − log n! +
    Σ_i E[log X_i!] with X_i ~ Binomial(n, p_i); and its derivative in each p_i taken as free,
    −n (log p_i + 1) + n E[log(Y + 1)] with Y ~ Binomial(n − 1, p_i)."""
    p = np.asarray(p, dtype=np.float64)
    k = np.arange(n + 1.0)
    pmf = stats.binom.pmf(k, n, p[..., None])
    h = (-n * special.xlogy(p, p).sum(-1) - special.gammaln(n + 1.0)
         + (pmf * special.gammaln(k + 1.0)).sum((-2, -1)))
    if not grad:
        return h, None
    if n == 0:
        return h, np.zeros_like(p)
    j = np.arange(float(n))
    dlog = (stats.binom.pmf(j, n - 1, p[..., None]) * np.log(j + 1.0)).sum(-1)
    return h, -n * (np.log(p) + 1.0) + n * dlog


# ---- 1: category indices out of range ------------------------------------------------------
P = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])


@pytest.mark.parametrize("bad", [-1.0, 3.0, np.array([0.0, -2.0]), np.array([[2.0], [-1.0]])])
def test_categorical_refuses_indices_out_of_range_without_validation(bad):
    d = D.Categorical(P, validate_args=False)
    with pytest.raises(IndexError, match=r"Categorical\.log_prob: .*\[0, 2\] \(3 categories\)"):
        d.log_prob(bad)
    # (torch 2.13 refuses them too: its gather raises IndexError/RuntimeError)
    with pytest.raises(ValueError, match=r"Categorical: value must satisfy"):
        D.Categorical(P).log_prob(bad)  # validation on: the support check comes first


def test_categorical_in_range_matches_torch_and_traced_out_of_range_is_nan():
    v = np.array([[0.0, 2.0], [1.0, 0.0], [2.0, 1.0]])
    lg = np.log(P)
    close(D.Categorical(logits=lg, validate_args=False).log_prob(v), categorical_log_prob(log_softmax(lg), v))
    g = tg.grad(lambda a: tg.sum(D.Categorical(logits=a).log_prob(v)))(lg)
    # d/dlogits Σ_s log softmax(logits)[v_s] = counts − (number of values) · softmax(logits)
    counts = np.eye(3)[v.astype(np.int64)].sum(0)
    close(g, counts - len(v) * np.exp(log_softmax(lg)), 1e-10)
    # under tg.jit the value is traced and cannot be checked: out of range gives NaN, never
    # the wrapped-around log-probability
    f = tg.jit(lambda x: D.Categorical(P[0]).log_prob(x))
    out = np.asarray(f(np.array([-1.0, 0.0, 2.0, 3.0])))
    assert np.isnan(out[0]) and np.isnan(out[3])
    close(out[1:3], np.log(P[0, [0, 2]]))
    assert "NaN" in D.Categorical.__doc__


def test_one_hot_categorical_has_no_index_to_wrap():
    d = D.OneHotCategorical(P, validate_args=False)
    v = np.eye(3)[[2, 0]]
    close(d.log_prob(v), (v * np.log(P)).sum(-1))


# ---- 2: values outside a transformed support -----------------------------------------------
def _sigmoid_normal(validate):
    return D.TransformedDistribution(D.Normal(0.0, 1.0, validate_args=validate),
                                     [D.SigmoidTransform()], validate_args=validate)


def _relaxed(validate):
    return D.RelaxedBernoulli(0.5, probs=0.3, validate_args=validate)


def _inverse_gamma(validate):
    return D.InverseGamma(2.0, 3.0, validate_args=validate)


# the log-densities torch 2.13 gives without validation (the sigmoid's inverse clamps y)
_SIGMOID_REFERENCE = {
    "_sigmoid_normal": lambda y: sigmoid_log_prob(stats.norm.logpdf, y),
    "_relaxed": lambda y: sigmoid_log_prob(
        lambda x: logit_relaxed_bernoulli_log_prob(0.5, np.log(0.3) - np.log1p(-0.3), x), y),
}


@pytest.mark.parametrize("make,bad", [(_sigmoid_normal, 1.5), (_sigmoid_normal, -0.2),
                                      (_relaxed, 1.5), (_inverse_gamma, -1.0)])
def test_transformed_log_prob_checks_the_support(make, bad):
    with pytest.raises(ValueError, match="value must satisfy"):
        make(True).log_prob(bad)
    # (torch 2.13 raises ValueError too: "Expected value argument ... to be within the support")


@pytest.mark.parametrize("make", [_sigmoid_normal, _relaxed])
def test_sigmoid_inverse_without_validation_gives_torchs_value(make):
    ys = [1.5, 1.0, 0.0, -0.2, 0.5, 0.9]
    reference = _SIGMOID_REFERENCE[make.__name__]
    for y in ys:
        want = reference(y)
        close(make(False).log_prob(y), want)
        if 0.0 <= y <= 1.0:  # the closed support: accepted with validation on
            close(make(True).log_prob(y), want)
    # PyTorch 2.13's values of log_prob at ys (validate_args=False), as a check of the formulas
    torch_2_13 = {
        "_sigmoid_normal": [-6.1444775996149576e+02, -6.1444775996149576e+02, -2.5020526541467026e+05,
                            -2.5020526541467026e+05, 4.6735582791521790e-01, -9.2489084617796458e-01],
        "_relaxed": [16.481381640839004, 16.481381640839004, 354.3523599459593, 354.3523599459593,
                     -0.8675005677047232, -0.49817450621243164],
    }[make.__name__]
    close([float(make(False).log_prob(y)) for y in ys], torch_2_13)


def test_transformed_support_of_an_event_distribution():
    d = D.TransformedDistribution(D.MultivariateNormal(np.zeros(2), np.eye(2)), [D.ExpTransform()])
    assert d.event_shape == (2,) and "independent(positive" in repr(d.support)
    with pytest.raises(ValueError, match="TransformedDistribution: value must satisfy"):
        d.log_prob(np.array([[1.0, 2.0], [1.0, -2.0]]))
    v = np.array([[1.0, 2.0], [0.5, 3.0]])
    close(d.log_prob(v), stats.lognorm.logpdf(v, 1.0).sum(-1))  # independent standard log-normals


# ---- 3: expand() follows the new batch shape -----------------------------------------------
def _pairs():
    """name: (the tg distribution, its event shape, its log-density as a formula)."""
    z3, lg = np.zeros(3), np.log(np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3], [0.4, 0.4, 0.2]]))
    ps, a = np.array([0.2, 0.5, 0.9]), np.array([1.0, 2.5, 3.0])
    logit_ps = np.log(ps) - np.log1p(-ps)

    def dirichlet(x):
        c = np.exp(lg)
        return (special.xlogy(c - 1.0, x).sum(-1) + special.gammaln(c.sum(-1)) - special.gammaln(c).sum(-1))

    return {
        "TransformedDistribution": (
            lambda: D.TransformedDistribution(D.Normal(z3, 1.0), [D.ExpTransform()]), (),
            lambda x: stats.lognorm.logpdf(x, 1.0)),
        "InverseGamma": (lambda: D.InverseGamma(a, 1.5), (),
                         lambda x: stats.invgamma.logpdf(x, a, scale=1.5)),
        "RelaxedBernoulli": (
            lambda: D.RelaxedBernoulli(0.7, probs=ps), (),
            lambda x: sigmoid_log_prob(lambda u: logit_relaxed_bernoulli_log_prob(0.7, logit_ps, u), x)),
        "LogitRelaxedBernoulli": (lambda: D.LogitRelaxedBernoulli(0.7, probs=ps), (),
                                  lambda x: logit_relaxed_bernoulli_log_prob(0.7, logit_ps, x)),
        "RelaxedOneHotCategorical": (
            lambda: D.RelaxedOneHotCategorical(0.7, logits=lg), (3,),
            lambda x: exp_relaxed_categorical_log_prob(0.7, lg, np.log(x)) - np.log(x).sum(-1)),
        "ExpRelaxedCategorical": (lambda: D.ExpRelaxedCategorical(0.7, logits=lg), (3,),
                                  lambda x: exp_relaxed_categorical_log_prob(0.7, lg, x)),
        "MixtureSameFamily": (
            lambda: D.MixtureSameFamily(D.Categorical(logits=lg), D.Normal(lg, 1.0 + z3)), (),
            lambda x: special.logsumexp(
                log_softmax(lg) + stats.norm.logpdf(np.asarray(x)[..., None], lg, 1.0), axis=-1)),
        "Independent": (lambda: D.Independent(D.Normal(lg, 1.0), 1), (3,),
                        lambda x: stats.norm.logpdf(x, lg, 1.0).sum(-1)),
        "Categorical": (lambda: D.Categorical(logits=lg), (),
                        lambda x: categorical_log_prob(log_softmax(lg), x)),
        "Binomial": (lambda: D.Binomial(5.0, probs=ps), (), lambda x: stats.binom.logpmf(x, 5, ps)),
        "Geometric": (lambda: D.Geometric(probs=ps), (),  # failures before the first success
                      lambda x: stats.geom.logpmf(x, ps, loc=-1)),
        "Dirichlet": (lambda: D.Dirichlet(np.exp(lg)), (3,), dirichlet),
        "Multinomial": (lambda: D.Multinomial(4, logits=lg), (3,),
                        lambda x: special.gammaln(5.0) - special.gammaln(np.asarray(x) + 1.0).sum(-1)
                        + (np.asarray(x) * log_softmax(lg)).sum(-1)),
        "MultivariateNormal": (lambda: D.MultivariateNormal(lg, np.eye(3)), (3,),
                               lambda x: stats.norm.logpdf(x, lg, 1.0).sum(-1)),
    }


@pytest.mark.parametrize("name", sorted(_pairs()))
def test_expand_broadcasts_what_the_distribution_is_built_from(name):
    make, event_shape, log_prob = _pairs()[name]
    d = make()
    assert d.batch_shape == (3,)
    new = (4,) + d.batch_shape
    de = d.expand(new)
    # torch 2.13: expand((4, 3)) gives batch_shape (4, 3) and keeps the event shape
    assert (de.batch_shape, de.event_shape) == (new, event_shape)
    draws = np.asarray(de.sample((2,), key=KEY))
    assert draws.shape == (2,) + new + event_shape
    assert np.all(np.isfinite(draws))
    lp = de.log_prob(draws)
    assert np.shape(lp) == (2,) + new
    close(lp, log_prob(draws), 1e-10)
    # and one value broadcast against the whole expanded batch
    one = draws[0][(0,) * len(new)]
    assert np.shape(de.log_prob(one)) == new
    close(de.log_prob(one), np.broadcast_to(log_prob(one), new), 1e-10)
    if name == "InverseGamma":  # its parameters follow the base
        a = np.array([1.0, 2.5, 3.0])
        close(de.mean, np.broadcast_to(stats.invgamma.mean(a, scale=1.5), new))  # inf where a = 1
        close(de.entropy(), np.broadcast_to(stats.invgamma.entropy(a, scale=1.5), new))
        assert de.concentration.shape == new


# ---- 4: shapes broadcast by a transform's parameters ----------------------------------------
def test_transform_parameters_broadcast_the_shapes_as_forward_shape():
    d = D.TransformedDistribution(D.Normal(0.0, 1.0), [D.AffineTransform(np.arange(3.0), 2.0)])
    # torch 2.13: batch_shape (3,), event_shape (), base_dist.batch_shape (3,)
    assert d.batch_shape == (3,) and d.event_shape == ()
    assert d.base_dist.batch_shape == (3,)
    for shape in [(2, 1), (5,), ()]:  # torch 2.13's sample(shape).shape: shape + (3,)
        assert np.shape(d.sample(shape, key=KEY)) == shape + (3,)
        assert np.shape(d.rsample(shape, key=KEY)) == shape + (3,)
    v = np.linspace(-2.0, 3.0, 15).reshape(5, 3)
    close(d.log_prob(v), stats.norm.logpdf(v, np.arange(3.0), 2.0))
    assert np.shape(d.log_prob(0.5)) == (3,)
    assert d.expand((4, 3)).sample((2,), key=KEY).shape == (2, 4, 3)
    g = tg.grad(lambda m: tg.sum(D.TransformedDistribution(
        D.Normal(0.0, 1.0), [D.AffineTransform(m, 2.0)]).log_prob(v)))(np.arange(3.0))
    # d/dm Σ_rows log N(v; m, 2²) = Σ_rows (v − m) / 4
    close(g, ((v - np.arange(3.0)) / 4.0).sum(0), 1e-10)


def test_forward_shape_through_compose_power_and_event_transforms():
    loc, scale = np.array([[0.5], [1.0]]), np.array([1.0, 2.0, 3.0])
    ts = [D.ComposeTransform([D.AffineTransform(loc, 1.0), D.AffineTransform(0.0, scale)])]
    d = D.TransformedDistribution(D.Normal(0.0, 1.0), ts)
    assert d.batch_shape == (2, 3)  # torch 2.13's batch_shape
    v = np.linspace(-1.0, 2.0, 6).reshape(2, 3)
    # y = scale · (x + loc): x = y / scale − loc, log|dy/dx| = log scale
    close(d.log_prob(v), stats.norm.logpdf(v / scale - loc) - np.log(scale))
    e = np.array([0.5, 2.0])
    p = D.TransformedDistribution(D.Exponential(1.0), [D.PowerTransform(e)])
    assert p.batch_shape == (2,)  # torch 2.13's batch_shape
    y = np.array([0.7, 1.3])
    # y = x^e with x ~ Exponential(1): x = y^(1/e), log|dy/dx| = log e + log y − log x
    x = y ** (1.0 / e)
    close(p.log_prob(y), -x - np.log(e) - np.log(y) + np.log(x))
    s2 = np.array([2.0, 0.5])  # (a 0-d tensor scale with event_dim is summed once by torch 2.13)
    m = D.TransformedDistribution(D.MultivariateNormal(np.zeros(2), np.eye(2)),
                                  [D.AffineTransform(np.ones((3, 2)), s2, event_dim=1)])
    assert (m.batch_shape, m.event_shape) == ((3,), (2,))  # torch 2.13's shapes
    assert m.sample((4,), key=KEY).shape == (4, 3, 2)
    w = np.linspace(-1.0, 1.0, 6).reshape(3, 2)
    close(m.log_prob(w), (stats.norm.logpdf((w - 1.0) / s2) - np.log(s2)).sum(-1))
    with pytest.raises(ValueError, match=r"AffineTransform: loc of shape \(5,\).*\(3,\)"):
        D.TransformedDistribution(D.Normal(np.zeros(3), 1.0), [D.AffineTransform(np.zeros(5), 1.0)])


# ---- 5: Geometric at probs 0 and 1 ---------------------------------------------------------
def test_geometric_probs_zero_is_refused_and_probs_one_is_exact():
    for p in [0.0, np.array([0.5, 0.0])]:
        with pytest.raises(ValueError, match=r"Geometric: parameter probs .*\(0, 1\]"):
            D.Geometric(p)
        # (torch 2.13 raises ValueError too: "Expected parameter probs ... to be positive")
    k = np.array([0.0, 1.0, 2.0])
    # PyTorch 2.13's Geometric(1.0).log_prob([0, 1, 2])
    close(D.Geometric(1.0).log_prob(k), [0.0, -np.inf, -np.inf])
    # d/dp (k log(1 − p) + log p) at k = 0, p = 1: 1/p = 1 (PyTorch 2.13's autograd gives 1.0 too)
    assert float(tg.grad(lambda p: D.Geometric(p).log_prob(0.0))(np.array(1.0))) == 1.0
    p, k = np.array([0.05, 0.3, 0.7, 0.999]), np.array([0.0, 3.0, 1.0, 7.0])
    close(D.Geometric(p).log_prob(k), k * np.log1p(-p) + np.log(p))
    close(tg.grad(lambda a: tg.sum(D.Geometric(a).log_prob(k)))(p), -k / (1.0 - p) + 1.0 / p, 1e-10)
    lg = np.array([-3.0, 0.2, 4.0, 1.5])
    # log p = −softplus(−logits), log(1 − p) = −softplus(logits)
    close(D.Geometric(logits=lg).log_prob(k), -k * softplus(lg) - softplus(-lg), 1e-10)
    close(tg.grad(lambda a: tg.sum(D.Geometric(logits=a).log_prob(k)))(lg),
          -k * special.expit(lg) + special.expit(-lg), 1e-10)
    # at large logits tg keeps log(1 − p) = −softplus(logits) exact (torch rounds p to near 1)
    assert float(D.Geometric(logits=30.0).log_prob(7.0)) == pytest.approx(-7 * 30 - 8 * np.exp(-30.0),
                                                                          rel=1e-15)
    assert float(D.Geometric(logits=np.inf, validate_args=False).log_prob(0.0)) == 0.0


def test_geometric_draws_with_tiny_or_zero_probs():
    tiny = np.asarray(D.Geometric(1e-30).sample((1000,), key=KEY))
    assert np.all(np.isfinite(tiny)) and tiny.max() > 2.0 ** 64  # no saturated int64 counts
    assert 1e28 < np.median(tiny) < 1e31  # median log 2 / p ≈ 7e29
    # (torch 2.13's Geometric(0.0, validate_args=False).sample((3,)) is all inf as well)
    assert np.all(np.asarray(D.Geometric(0.0, validate_args=False).sample((3,), key=KEY)) == np.inf)
    one = np.asarray(D.Geometric(1.0).sample((5,), key=KEY))
    assert np.all(one == 0) and not np.any(np.signbit(one))
    p = np.array([0.2, 0.6])
    draws = np.asarray(D.Geometric(p).sample((40000,), key=KEY))
    assert np.all(draws == np.floor(draws)) and draws.min() >= 0
    mean, var = 1 / p - 1, (1 - p) / p ** 2
    assert np.all(np.abs(draws.mean(0) - mean) < 5 * np.sqrt(var / 40000))


# ---- 6: Pareto at its lower bound ----------------------------------------------------------
@pytest.mark.parametrize("method", ["log_prob", "cdf"])
def test_pareto_gradients_at_the_lower_bound_match_torch(method):
    scale, alpha = np.array([1.0, 1.0, 2.0, 0.5]), np.array([0.5, 3.0, 1.5, 2.0])
    x = np.array([1.0, 1.7, 2.0, 0.5])  # entries 0, 2 and 3 sit exactly on the bound
    s, a = scale, alpha
    # the closed forms on x >= scale and their derivatives in (scale, alpha, x), taken from
    # inside the support at the bound as well: what PyTorch 2.13's autograd gives there
    r = (s / x) ** a
    if method == "log_prob":
        value = stats.pareto.logpdf(x, a, scale=s)  # log a + a log s − (a + 1) log x
        grads = [a / s, 1.0 / a + np.log(s / x), -(a + 1.0) / x]
    else:
        value = stats.pareto.cdf(x, a, scale=s)  # 1 − (s / x)^a
        grads = [-a * r / s, -r * np.log(s / x), a * r / x]
    close(getattr(D.Pareto(scale, alpha), method)(x), value)
    got = tg.grad(lambda s, a, v: tg.sum(getattr(D.Pareto(s, a), method)(v)), argnums=(0, 1, 2))(
        scale, alpha, x)
    for g, w in zip(got, grads):
        close(g, w, 1e-10)


# ---- 7: mixtures whose batch shapes disagree -----------------------------------------------
def test_mixture_batch_shapes_must_agree():
    comp = D.Normal(np.zeros((2, 4)), 1.0)
    with pytest.raises(ValueError, match=r"MixtureSameFamily: mixture_distribution\.batch_shape \(\) "
                                         r".*component_distribution\.batch_shape \(2, 4\)"):
        D.MixtureSameFamily(D.Categorical(logits=np.zeros(4)), comp)
    lg = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    mu = np.arange(8.0).reshape(2, 4)
    d = D.MixtureSameFamily(D.Categorical(logits=lg).expand((2,)), D.Normal(mu, 1.0))
    assert d.sample((3,), key=KEY).shape == (3, 2)  # torch 2.13's sample((3,)).shape
    v = np.array([[0.5], [2.0], [6.0]])
    close(d.log_prob(v),
          special.logsumexp(log_softmax(lg) + stats.norm.logpdf(v[..., None], mu, 1.0), axis=-1))
    # with validation on, a value outside the components' support is refused, as torch does
    # (torch 2.13 raises ValueError: "... to be within the support ...")
    e = D.MixtureSameFamily(D.Categorical(logits=lg), D.Exponential(np.ones(4)))
    with pytest.raises(ValueError, match="MixtureSameFamily: value must lie in the support"):
        e.log_prob(-1.0)


# ---- 8: enumerate_support and Multinomial.entropy ------------------------------------------
def test_every_enumerable_distribution_enumerates_like_torch():
    classes = [getattr(D, n) for n in D.__all__ if inspect.isclass(getattr(D, n))
               and issubclass(getattr(D, n), D.Distribution)]
    enumerable = [c for c in classes if c.has_enumerate_support is True]
    assert {c.__name__ for c in enumerable} == {"Bernoulli", "Binomial", "Categorical",
                                                "OneHotCategorical",
                                                "OneHotCategoricalStraightThrough"}
    for c in enumerable:
        assert callable(getattr(c, "enumerate_support", None)), c.__name__
    p = np.array([[0.3, 0.5], [0.9, 0.1]])
    # PyTorch 2.13's enumerate_support(expand=False): the support along a new leading axis, with
    # a 1 for each batch axis (expand=True broadcasts it to the full batch shape)
    pairs = [(D.Binomial(np.full((2, 2), 3.0), p), np.arange(4.0).reshape(4, 1, 1), (2, 2)),
             (D.Binomial(4, p), np.arange(5.0).reshape(5, 1, 1), (2, 2)),
             (D.Bernoulli(p), np.arange(2.0).reshape(2, 1, 1), (2, 2)),
             (D.Categorical(p), np.arange(2.0).reshape(2, 1), (2,)),
             (D.OneHotCategorical(p), np.eye(2).reshape(2, 1, 2), (2,))]
    for d, unexpanded, batch in pairs:
        n = unexpanded.shape[0]
        expanded = np.broadcast_to(unexpanded, (n,) + batch + unexpanded.shape[1 + len(batch):])
        for expand, want in ((True, expanded), (False, unexpanded)):
            got = np.asarray(d.enumerate_support(expand))
            assert got.shape == want.shape
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(d.log_prob(d.enumerate_support()).shape, (len(d.enumerate_support()),)
                                      + d.batch_shape)
    with pytest.raises(NotImplementedError, match=r"Binomial\.enumerate_support: total_count"):
        D.Binomial(np.array([2.0, 3.0]), 0.5).enumerate_support()


@pytest.mark.parametrize("n", [0, 1, 5, 12])
def test_multinomial_entropy_matches_torch(n):
    p = np.array([[0.2, 0.3, 0.5], [0.0, 0.4, 0.6]])
    close(D.Multinomial(n, probs=p).entropy(), multinomial_entropy_and_grad(n, p, grad=False)[0])
    lg = np.array([[-1.0, 0.5, 2.0], [0.3, 0.3, -4.0]])
    q = np.exp(log_softmax(lg))
    h, dq = multinomial_entropy_and_grad(n, q)
    close(D.Multinomial(n, logits=lg).entropy(), h)
    # through softmax: d/dlogits = q (dq − Σ q dq)
    close(tg.grad(lambda a: tg.sum(D.Multinomial(n, logits=a).entropy()))(lg),
          q * (dq - (q * dq).sum(-1, keepdims=True)), 1e-10)
    # through probs / Σ probs (the probs given sum to 1): d/dprobs = dq − Σ q dq
    p1 = p[:1]
    dp = multinomial_entropy_and_grad(n, p1)[1]
    close(tg.grad(lambda a: tg.sum(D.Multinomial(n, probs=a).entropy()))(p1),
          (dp - (p1 * dp).sum(-1, keepdims=True)) / p1.sum(-1, keepdims=True), 1e-10)


def test_cdf_at_zero_of_positive_supports_and_weibull_support():
    """LogNormal.cdf(0) and Weibull.cdf(0) are 0 under validation, quietly (torch 2.13 gives 0
    for both; its LogNormal and Weibull supports are x > 0, so log_prob(0) raises there);
    LogNormal's cdf gradient with respect to loc is −φ(log x − loc)/scale, 0 at x = 0."""
    x = np.array([0.0, 0.5, 2.0])
    ln = D.LogNormal(0.3, 1.5, validate_args=True)
    close(ln.cdf(x), np.where(x > 0, stats.lognorm.cdf(x, 1.5, scale=np.exp(0.3)), 0.0))
    g = tg.grad(lambda m: D.LogNormal(m, 1.5, validate_args=True).cdf(x).sum())(0.3)
    with np.errstate(divide="ignore"):
        want = -np.sum(np.where(x > 0, stats.norm.pdf(np.log(x), 0.3, 1.5), 0.0))
    close(g, want, 1e-10)
    wb = D.Weibull(2.0, 1.5, validate_args=True)
    close(wb.cdf(x), stats.weibull_min.cdf(x, 1.5, scale=2.0))
    assert str(wb.support) == str(D.constraints.positive)
    for d in (ln, wb):
        with pytest.raises(ValueError, match="positive"):
            d.log_prob(0.0)
        with pytest.raises(ValueError, match="nonnegative"):
            d.cdf(-1.0)
