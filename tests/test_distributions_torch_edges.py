"""tg.distributions against torch.distributions (float64) where they used to part: category
indices out of range, values outside a transformed support, expand() of the distributions built
on others, shapes broadcast by a transform's parameters, Geometric at probs 0 and 1, Pareto at
its lower bound, mixtures whose batch shapes disagree, Binomial.enumerate_support and
Multinomial.entropy. Values to 1e-12 and gradients (tg.grad against torch autograd) to 1e-10."""
import inspect

import numpy as np
import pytest

import tensorgrad as tg

torch = pytest.importorskip("torch")
TD = torch.distributions
D = tg.distributions
KEY = tg.random.PRNGKey(7)


@pytest.fixture(autouse=True)
def float64_default():
    """torch computes some constants in its default dtype (Multinomial.entropy's lgamma(n + 1)
    of an integer n): float64 for these tests, restored after each."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def T(x, grad=False):
    """A float64 torch tensor (torch's default dtype is left alone)."""
    return torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=grad)


def close(a, b, tol=1e-12):
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(np.asarray(a), b, rtol=tol, atol=tol)


def torch_grad(f, *xs):
    ts = [T(x, grad=True) for x in xs]
    gs = torch.autograd.grad(f(*ts).sum(), ts)
    return [g.numpy() for g in gs]


# ---- 1: category indices out of range ------------------------------------------------------
P = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])


@pytest.mark.parametrize("bad", [-1.0, 3.0, np.array([0.0, -2.0]), np.array([[2.0], [-1.0]])])
def test_categorical_refuses_indices_out_of_range_without_validation(bad):
    d = D.Categorical(P, validate_args=False)
    with pytest.raises(IndexError, match=r"Categorical\.log_prob: .*\[0, 2\] \(3 categories\)"):
        d.log_prob(bad)
    with pytest.raises((IndexError, RuntimeError)):  # torch refuses them too (from gather)
        TD.Categorical(T(P), validate_args=False).log_prob(torch.tensor(np.asarray(bad)).long())
    with pytest.raises(ValueError, match=r"Categorical: value must satisfy"):
        D.Categorical(P).log_prob(bad)  # validation on: the support check comes first


def test_categorical_in_range_matches_torch_and_traced_out_of_range_is_nan():
    v = np.array([[0.0, 2.0], [1.0, 0.0], [2.0, 1.0]])
    lg = np.log(P)
    want = TD.Categorical(logits=T(lg)).log_prob(torch.tensor(v).long())
    close(D.Categorical(logits=lg, validate_args=False).log_prob(v), want)
    g = tg.grad(lambda a: tg.sum(D.Categorical(logits=a).log_prob(v)))(lg)
    close(g, torch_grad(lambda a: TD.Categorical(logits=a).log_prob(torch.tensor(v).long()), lg)[0],
          1e-10)
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
    close(d.log_prob(v), TD.OneHotCategorical(T(P)).log_prob(T(v)))


# ---- 2: values outside a transformed support -----------------------------------------------
def _sigmoid_normal(lib, validate):
    if lib == "tg":
        return D.TransformedDistribution(D.Normal(0.0, 1.0, validate_args=validate),
                                         [D.SigmoidTransform()], validate_args=validate)
    return TD.TransformedDistribution(TD.Normal(T(0.0), T(1.0), validate_args=validate),
                                      [TD.transforms.SigmoidTransform()], validate_args=validate)


def _relaxed(lib, validate):
    if lib == "tg":
        return D.RelaxedBernoulli(0.5, probs=0.3, validate_args=validate)
    return TD.RelaxedBernoulli(T(0.5), probs=T(0.3), validate_args=validate)


def _inverse_gamma(lib, validate):
    if lib == "tg":
        return D.InverseGamma(2.0, 3.0, validate_args=validate)
    return TD.InverseGamma(T(2.0), T(3.0), validate_args=validate)


@pytest.mark.parametrize("make,bad", [(_sigmoid_normal, 1.5), (_sigmoid_normal, -0.2),
                                      (_relaxed, 1.5), (_inverse_gamma, -1.0)])
def test_transformed_log_prob_checks_the_support(make, bad):
    with pytest.raises(ValueError, match="value must satisfy"):
        make("tg", True).log_prob(bad)
    with pytest.raises(ValueError, match="support"):
        make("torch", True).log_prob(T(bad))


@pytest.mark.parametrize("make", [_sigmoid_normal, _relaxed])
def test_sigmoid_inverse_without_validation_gives_torchs_value(make):
    for y in [1.5, 1.0, 0.0, -0.2, 0.5, 0.9]:
        want = make("torch", False).log_prob(T(y))
        close(make("tg", False).log_prob(y), want)
        if 0.0 <= y <= 1.0:  # the closed support: accepted with validation on
            close(make("tg", True).log_prob(y), want)


def test_transformed_support_of_an_event_distribution():
    d = D.TransformedDistribution(D.MultivariateNormal(np.zeros(2), np.eye(2)), [D.ExpTransform()])
    assert d.event_shape == (2,) and "independent(positive" in repr(d.support)
    with pytest.raises(ValueError, match="TransformedDistribution: value must satisfy"):
        d.log_prob(np.array([[1.0, 2.0], [1.0, -2.0]]))
    v = np.array([[1.0, 2.0], [0.5, 3.0]])
    t = TD.TransformedDistribution(TD.MultivariateNormal(T(np.zeros(2)), T(np.eye(2))),
                                   [TD.transforms.ExpTransform()])
    close(d.log_prob(v), t.log_prob(T(v)))


# ---- 3: expand() follows the new batch shape -----------------------------------------------
def _pairs():
    z3, lg = np.zeros(3), np.log(np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3], [0.4, 0.4, 0.2]]))
    return {
        "TransformedDistribution": (
            lambda: D.TransformedDistribution(D.Normal(z3, 1.0), [D.ExpTransform()]),
            lambda: TD.TransformedDistribution(TD.Normal(T(z3), T(1.0)), [TD.transforms.ExpTransform()])),
        "InverseGamma": (lambda: D.InverseGamma(np.array([1.0, 2.5, 3.0]), 1.5),
                         lambda: TD.InverseGamma(T([1.0, 2.5, 3.0]), T(1.5))),
        "RelaxedBernoulli": (lambda: D.RelaxedBernoulli(0.7, probs=np.array([0.2, 0.5, 0.9])),
                             lambda: TD.RelaxedBernoulli(T(0.7), probs=T([0.2, 0.5, 0.9]))),
        "LogitRelaxedBernoulli": (
            lambda: D.LogitRelaxedBernoulli(0.7, probs=np.array([0.2, 0.5, 0.9])),
            lambda: TD.relaxed_bernoulli.LogitRelaxedBernoulli(T(0.7), probs=T([0.2, 0.5, 0.9]))),
        "RelaxedOneHotCategorical": (lambda: D.RelaxedOneHotCategorical(0.7, logits=lg),
                                     lambda: TD.RelaxedOneHotCategorical(T(0.7), logits=T(lg))),
        "ExpRelaxedCategorical": (lambda: D.ExpRelaxedCategorical(0.7, logits=lg),
                                  lambda: TD.relaxed_categorical.ExpRelaxedCategorical(T(0.7), logits=T(lg))),
        "MixtureSameFamily": (
            lambda: D.MixtureSameFamily(D.Categorical(logits=lg), D.Normal(lg, 1.0 + z3)),
            lambda: TD.MixtureSameFamily(TD.Categorical(logits=T(lg)), TD.Normal(T(lg), T(1.0 + z3)))),
        "Independent": (lambda: D.Independent(D.Normal(lg, 1.0), 1),
                        lambda: TD.Independent(TD.Normal(T(lg), T(1.0)), 1)),
        "Categorical": (lambda: D.Categorical(logits=lg), lambda: TD.Categorical(logits=T(lg))),
        "Binomial": (lambda: D.Binomial(5.0, probs=np.array([0.2, 0.5, 0.9])),
                     lambda: TD.Binomial(T(5.0), probs=T([0.2, 0.5, 0.9]))),
        "Geometric": (lambda: D.Geometric(probs=np.array([0.2, 0.5, 0.9])),
                      lambda: TD.Geometric(probs=T([0.2, 0.5, 0.9]))),
        "Dirichlet": (lambda: D.Dirichlet(np.exp(lg)), lambda: TD.Dirichlet(T(np.exp(lg)))),
        "Multinomial": (lambda: D.Multinomial(4, logits=lg), lambda: TD.Multinomial(4, logits=T(lg))),
        "MultivariateNormal": (lambda: D.MultivariateNormal(lg, np.eye(3)),
                               lambda: TD.MultivariateNormal(T(lg), T(np.eye(3)))),
    }


@pytest.mark.parametrize("name", sorted(_pairs()))
def test_expand_broadcasts_what_the_distribution_is_built_from(name):
    make_tg, make_torch = _pairs()[name]
    d, t = make_tg(), make_torch()
    new = (4,) + d.batch_shape
    de, te = d.expand(new), t.expand(torch.Size(new))
    assert (de.batch_shape, de.event_shape) == (tuple(te.batch_shape), tuple(te.event_shape))
    draws = np.asarray(de.sample((2,), key=KEY))
    assert draws.shape == (2,) + tuple(te.batch_shape) + tuple(te.event_shape)
    assert np.all(np.isfinite(draws))
    lp = de.log_prob(draws)
    assert np.shape(lp) == (2,) + new
    tv = torch.tensor(draws)
    close(lp, te.log_prob(tv.long() if name == "Categorical" else tv), 1e-10)
    # and one value broadcast against the whole expanded batch
    one = draws[0][(0,) * len(new)]
    close(de.log_prob(one), te.log_prob(torch.tensor(one).long() if name == "Categorical"
                                        else torch.tensor(one)), 1e-10)
    if name == "InverseGamma":  # its parameters follow the base
        close(de.mean, te.mean)
        close(de.entropy(), te.entropy())
        assert de.concentration.shape == new


# ---- 4: shapes broadcast by a transform's parameters ----------------------------------------
def test_transform_parameters_broadcast_the_shapes_as_forward_shape():
    d = D.TransformedDistribution(D.Normal(0.0, 1.0), [D.AffineTransform(np.arange(3.0), 2.0)])
    t = TD.TransformedDistribution(TD.Normal(T(0.0), T(1.0)),
                                   [TD.transforms.AffineTransform(T(np.arange(3.0)), T(2.0))])
    assert d.batch_shape == tuple(t.batch_shape) == (3,) and d.event_shape == ()
    assert d.base_dist.batch_shape == tuple(t.base_dist.batch_shape) == (3,)
    for shape in [(2, 1), (5,), ()]:
        assert np.shape(d.sample(shape, key=KEY)) == tuple(t.sample(shape).shape)
        assert np.shape(d.rsample(shape, key=KEY)) == tuple(t.rsample(shape).shape)
    v = np.linspace(-2.0, 3.0, 15).reshape(5, 3)
    close(d.log_prob(v), t.log_prob(T(v)))
    assert np.shape(d.log_prob(0.5)) == (3,)
    assert d.expand((4, 3)).sample((2,), key=KEY).shape == (2, 4, 3)
    g = tg.grad(lambda m: tg.sum(D.TransformedDistribution(
        D.Normal(0.0, 1.0), [D.AffineTransform(m, 2.0)]).log_prob(v)))(np.arange(3.0))
    close(g, torch_grad(lambda m: TD.TransformedDistribution(
        TD.Normal(T(0.0), T(1.0)), [TD.transforms.AffineTransform(m, T(2.0))]).log_prob(T(v)),
        np.arange(3.0))[0], 1e-10)


def test_forward_shape_through_compose_power_and_event_transforms():
    loc, scale = np.array([[0.5], [1.0]]), np.array([1.0, 2.0, 3.0])
    ts = [D.ComposeTransform([D.AffineTransform(loc, 1.0), D.AffineTransform(0.0, scale)])]
    d = D.TransformedDistribution(D.Normal(0.0, 1.0), ts)
    t = TD.TransformedDistribution(TD.Normal(T(0.0), T(1.0)), [TD.transforms.ComposeTransform(
        [TD.transforms.AffineTransform(T(loc), T(1.0)), TD.transforms.AffineTransform(T(0.0), T(scale))])])
    assert d.batch_shape == tuple(t.batch_shape) == (2, 3)
    v = np.linspace(-1.0, 2.0, 6).reshape(2, 3)
    close(d.log_prob(v), t.log_prob(T(v)))
    p = D.TransformedDistribution(D.Exponential(1.0), [D.PowerTransform(np.array([0.5, 2.0]))])
    tp = TD.TransformedDistribution(TD.Exponential(T(1.0)), [TD.transforms.PowerTransform(T([0.5, 2.0]))])
    assert p.batch_shape == tuple(tp.batch_shape) == (2,)
    close(p.log_prob(np.array([0.7, 1.3])), tp.log_prob(T([0.7, 1.3])))
    s2 = np.array([2.0, 0.5])  # (a 0-d tensor scale with event_dim is summed once by torch 2.13)
    m = D.TransformedDistribution(D.MultivariateNormal(np.zeros(2), np.eye(2)),
                                  [D.AffineTransform(np.ones((3, 2)), s2, event_dim=1)])
    tm = TD.TransformedDistribution(TD.MultivariateNormal(T(np.zeros(2)), T(np.eye(2))),
                                    [TD.transforms.AffineTransform(T(np.ones((3, 2))), T(s2), event_dim=1)])
    assert (m.batch_shape, m.event_shape) == (tuple(tm.batch_shape), tuple(tm.event_shape)) == ((3,), (2,))
    assert m.sample((4,), key=KEY).shape == (4, 3, 2)
    w = np.linspace(-1.0, 1.0, 6).reshape(3, 2)
    close(m.log_prob(w), tm.log_prob(T(w)))
    with pytest.raises(ValueError, match=r"AffineTransform: loc of shape \(5,\).*\(3,\)"):
        D.TransformedDistribution(D.Normal(np.zeros(3), 1.0), [D.AffineTransform(np.zeros(5), 1.0)])


# ---- 5: Geometric at probs 0 and 1 ---------------------------------------------------------
def test_geometric_probs_zero_is_refused_and_probs_one_is_exact():
    for p in [0.0, np.array([0.5, 0.0])]:
        with pytest.raises(ValueError, match=r"Geometric: parameter probs .*\(0, 1\]"):
            D.Geometric(p)
        with pytest.raises(ValueError):
            TD.Geometric(T(p))
    k = np.array([0.0, 1.0, 2.0])
    close(D.Geometric(1.0).log_prob(k), TD.Geometric(T(1.0)).log_prob(T(k)))  # [0, -inf, -inf]
    assert float(tg.grad(lambda p: D.Geometric(p).log_prob(0.0))(np.array(1.0))) == 1.0
    assert torch_grad(lambda p: TD.Geometric(p).log_prob(T(0.0)), 1.0)[0] == 1.0
    p, k = np.array([0.05, 0.3, 0.7, 0.999]), np.array([0.0, 3.0, 1.0, 7.0])
    close(D.Geometric(p).log_prob(k), TD.Geometric(T(p)).log_prob(T(k)))
    close(tg.grad(lambda a: tg.sum(D.Geometric(a).log_prob(k)))(p),
          torch_grad(lambda a: TD.Geometric(a).log_prob(T(k)), p)[0], 1e-10)
    lg = np.array([-3.0, 0.2, 4.0, 1.5])
    close(D.Geometric(logits=lg).log_prob(k), TD.Geometric(logits=T(lg)).log_prob(T(k)), 1e-10)
    close(tg.grad(lambda a: tg.sum(D.Geometric(logits=a).log_prob(k)))(lg),
          torch_grad(lambda a: TD.Geometric(logits=a).log_prob(T(k)), lg)[0], 1e-10)
    # at large logits tg keeps log(1 − p) = −softplus(logits) exact (torch rounds p to near 1)
    assert float(D.Geometric(logits=30.0).log_prob(7.0)) == pytest.approx(-7 * 30 - 8 * np.exp(-30.0),
                                                                          rel=1e-15)
    assert float(D.Geometric(logits=np.inf, validate_args=False).log_prob(0.0)) == 0.0


def test_geometric_draws_with_tiny_or_zero_probs():
    tiny = np.asarray(D.Geometric(1e-30).sample((1000,), key=KEY))
    assert np.all(np.isfinite(tiny)) and tiny.max() > 2.0 ** 64  # no saturated int64 counts
    assert 1e28 < np.median(tiny) < 1e31  # median log 2 / p ≈ 7e29
    assert np.all(np.asarray(D.Geometric(0.0, validate_args=False).sample((3,), key=KEY)) == np.inf)
    assert torch.all(TD.Geometric(T(0.0), validate_args=False).sample((3,)) == np.inf)
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
    close(getattr(D.Pareto(scale, alpha), method)(x), getattr(TD.Pareto(T(scale), T(alpha)), method)(T(x)))
    got = tg.grad(lambda s, a, v: tg.sum(getattr(D.Pareto(s, a), method)(v)), argnums=(0, 1, 2))(
        scale, alpha, x)
    want = torch_grad(lambda s, a, v: getattr(TD.Pareto(s, a), method)(v), scale, alpha, x)
    for g, w in zip(got, want):
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
    t = TD.MixtureSameFamily(TD.Categorical(logits=T(lg)).expand(torch.Size((2,))), TD.Normal(T(mu), T(1.0)))
    assert d.sample((3,), key=KEY).shape == tuple(t.sample((3,)).shape) == (3, 2)
    v = np.array([[0.5], [2.0], [6.0]])
    close(d.log_prob(v), t.log_prob(T(v)))
    # with validation on, a value outside the components' support is refused, as torch does
    e = D.MixtureSameFamily(D.Categorical(logits=lg), D.Exponential(np.ones(4)))
    with pytest.raises(ValueError, match="MixtureSameFamily: value must lie in the support"):
        e.log_prob(-1.0)
    with pytest.raises(ValueError, match="support"):
        TD.MixtureSameFamily(TD.Categorical(logits=T(lg)), TD.Exponential(T(np.ones(4)))).log_prob(T(-1.0))


# ---- 8: enumerate_support and Multinomial.entropy ------------------------------------------
def test_every_enumerable_distribution_enumerates_like_torch():
    classes = [getattr(D, n) for n in D.__all__ if inspect.isclass(getattr(D, n))
               and issubclass(getattr(D, n), D.Distribution)]
    enumerable = [c for c in classes if c.has_enumerate_support is True]
    assert {c.__name__ for c in enumerable} == {"Bernoulli", "Binomial", "Categorical",
                                                "OneHotCategorical"}
    for c in enumerable:
        assert callable(getattr(c, "enumerate_support", None)), c.__name__
    p = np.array([[0.3, 0.5], [0.9, 0.1]])
    pairs = [(D.Binomial(np.full((2, 2), 3.0), p), TD.Binomial(T(np.full((2, 2), 3.0)), T(p))),
             (D.Binomial(4, p), TD.Binomial(4, T(p))),
             (D.Bernoulli(p), TD.Bernoulli(T(p))),
             (D.Categorical(p), TD.Categorical(T(p))),
             (D.OneHotCategorical(p), TD.OneHotCategorical(T(p)))]
    for d, t in pairs:
        for expand in (True, False):
            got, want = np.asarray(d.enumerate_support(expand)), t.enumerate_support(expand)
            assert got.shape == tuple(want.shape)
            np.testing.assert_array_equal(got, want.numpy())
        np.testing.assert_array_equal(d.log_prob(d.enumerate_support()).shape, (len(d.enumerate_support()),)
                                      + d.batch_shape)
    with pytest.raises(NotImplementedError, match=r"Binomial\.enumerate_support: total_count"):
        D.Binomial(np.array([2.0, 3.0]), 0.5).enumerate_support()


@pytest.mark.parametrize("n", [0, 1, 5, 12])
def test_multinomial_entropy_matches_torch(n):
    p = np.array([[0.2, 0.3, 0.5], [0.0, 0.4, 0.6]])
    close(D.Multinomial(n, probs=p).entropy(), TD.Multinomial(n, probs=T(p)).entropy())
    lg = np.array([[-1.0, 0.5, 2.0], [0.3, 0.3, -4.0]])
    close(D.Multinomial(n, logits=lg).entropy(), TD.Multinomial(n, logits=T(lg)).entropy())
    close(tg.grad(lambda a: tg.sum(D.Multinomial(n, logits=a).entropy()))(lg),
          torch_grad(lambda a: TD.Multinomial(n, logits=a).entropy(), lg)[0], 1e-10)
    close(tg.grad(lambda a: tg.sum(D.Multinomial(n, probs=a).entropy()))(p[:1]),
          torch_grad(lambda a: TD.Multinomial(n, probs=a).entropy(), p[:1])[0], 1e-10)
