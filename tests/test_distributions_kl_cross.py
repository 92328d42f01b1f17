"""kl_divergence between different families (tensorgrad/distributions/kl_cross.py).

Values against numerical integration of p·(log p − log q) with scipy.stats densities (a sum for
the discrete pairs), gradients against central differences of tg's own values, +inf where
p's support leaves q's (always for some pairs, at some parameters for others), and the
broadcast batch shape. These tests do not import torch."""
import math

import numpy as np
import pytest
from scipy import integrate, stats

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient as _central

D = tg.distributions

# scipy.stats' frozen distribution of each family, from tg's parameters
SCIPY = {
    "Normal": lambda loc, scale: stats.norm(loc, scale),
    "Laplace": lambda loc, scale: stats.laplace(loc, scale),
    "Gumbel": lambda loc, scale: stats.gumbel_r(loc, scale),
    "Exponential": lambda rate: stats.expon(scale=1 / rate),
    "Gamma": lambda a, rate: stats.gamma(a, scale=1 / rate),
    "Beta": lambda a, b: stats.beta(a, b),
    "Pareto": lambda scale, alpha: stats.pareto(alpha, scale=scale),
    "Uniform": lambda low, high: stats.uniform(low, high - low),
    "Bernoulli": lambda probs: stats.bernoulli(probs),
    "Poisson": lambda rate: stats.poisson(rate),
}


def _make(name, params):
    if name == "Bernoulli":
        return D.Bernoulli(probs=params[0])
    if name == "OneHotCategorical":
        return D.OneHotCategorical(logits=params[0])
    return getattr(D, name)(*params)


def _pieces(name, params):
    """p's support as intervals for quad (split at an interior point when unbounded)."""
    if name in ("Normal", "Laplace", "Gumbel"):
        return [(-np.inf, params[0]), (params[0], np.inf)]
    if name == "Exponential":
        return [(0.0, 1 / params[0]), (1 / params[0], np.inf)]
    if name == "Gamma":
        m = params[0] / params[1]
        return [(0.0, m), (m, np.inf)]
    if name == "Beta":
        return [(0.0, 0.5), (0.5, 1.0)]
    if name == "Pareto":
        return [(params[0], 2 * params[0]), (2 * params[0], np.inf)]
    return [(params[0], params[1])]  # Uniform


def _reference(pn, pp, qn, qp):
    """KL(p ‖ q) by quadrature (or a sum) with scipy.stats' densities."""
    if pn == "OneHotCategorical":
        lp = pp[0] - np.log(np.sum(np.exp(pp[0])))
        lq = qp[0] - np.log(np.sum(np.exp(qp[0])))
        return float(np.sum(np.exp(lp) * (lp - lq)))
    sp, sq = SCIPY[pn](*pp), SCIPY[qn](*qp)
    if pn == "Bernoulli":
        ks = np.arange(2)
        return float(np.sum(sp.pmf(ks) * (sp.logpmf(ks) - sq.logpmf(ks))))

    def f(x):
        with np.errstate(all="ignore"):  # far tails: exp overflows, the density is 0
            d = sp.pdf(x)
            return 0.0 if d == 0 else d * (sp.logpdf(x) - sq.logpdf(x))
    return sum(integrate.quad(f, a, b, limit=200, epsabs=1e-13, epsrel=1e-11)[0]
               for a, b in _pieces(pn, pp))


# (p family, [p's parameter settings], q family, [q's parameter settings]); the i-th settings
# of p and q form a case, and every p setting is valid with every q setting (broadcasting test)
FINITE = [
    ("Bernoulli", [(0.3,), (0.85,)], "Poisson", [(1.7,), (0.4,)]),
    ("Beta", [(2.0, 3.0), (0.7, 1.4)], "Exponential", [(1.5,), (0.3,)]),
    ("Beta", [(2.0, 3.0), (0.8, 1.5)], "Gamma", [(2.5, 1.2), (0.6, 3.0)]),
    ("Beta", [(2.0, 3.0), (0.9, 0.6)], "Normal", [(0.3, 0.8), (-1.0, 2.0)]),
    ("Beta", [(2.0, 3.0), (1.3, 0.7)], "Uniform", [(-0.5, 1.5), (0.0, 1.0)]),
    ("Exponential", [(1.3,), (0.4,)], "Gamma", [(2.0, 0.7), (0.6, 1.5)]),
    ("Exponential", [(1.3,), (0.6,)], "Gumbel", [(0.5, 1.2), (-1.0, 2.5)]),
    ("Exponential", [(1.3,), (0.6,)], "Normal", [(0.5, 1.2), (-1.0, 2.5)]),
    ("Gamma", [(2.5, 1.5), (0.8, 0.5)], "Exponential", [(0.8,), (2.0,)]),
    ("Gamma", [(2.5, 1.5), (0.8, 0.5)], "Gumbel", [(0.5, 1.2), (-1.0, 2.5)]),
    ("Gamma", [(2.5, 1.5), (0.8, 0.5)], "Normal", [(0.5, 1.2), (-1.0, 2.5)]),
    ("Gumbel", [(0.3, 1.2), (-1.0, 0.5)], "Normal", [(-0.5, 0.9), (1.0, 2.0)]),
    ("Laplace", [(0.3, 1.2), (-1.0, 0.5)], "Normal", [(-0.5, 0.9), (1.0, 2.0)]),
    ("Normal", [(0.3, 1.2), (-1.0, 0.5)], "Gumbel", [(-0.5, 0.9), (1.0, 2.0)]),
    ("Normal", [(0.3, 1.2), (-1.0, 0.5), (0.2, 1.0)], "Laplace",
     [(-0.5, 0.9), (1.0, 2.0), (0.2, 1.0)]),
    ("OneHotCategorical", [(np.array([0.1, -0.4, 1.2]),), (np.array([2.0, 0.0, -1.0]),)],
     "OneHotCategorical", [(np.array([0.5, 0.3, -0.2]),), (np.array([-1.0, 1.0, 0.0]),)]),
    ("Pareto", [(1.5, 2.5), (0.5, 1.5)], "Exponential", [(0.7,), (2.0,)]),
    ("Pareto", [(1.5, 2.5), (0.5, 1.5)], "Gamma", [(2.0, 0.9), (0.7, 2.0)]),
    ("Pareto", [(1.5, 3.5), (0.5, 3.0)], "Normal", [(0.5, 2.0), (-1.0, 1.5)]),
    ("Uniform", [(0.2, 0.7), (0.0, 1.0)], "Beta", [(2.0, 3.0), (0.6, 1.5)]),
    ("Uniform", [(0.5, 2.0), (0.0, 0.4)], "Exponential", [(1.3,), (3.0,)]),
    ("Uniform", [(0.5, 2.0), (0.0, 0.4)], "Gamma", [(2.0, 1.3), (0.6, 3.0)]),
    ("Uniform", [(0.5, 2.0), (-3.0, -2.5)], "Gumbel", [(0.3, 1.2), (1.0, 0.5)]),
    ("Uniform", [(0.5, 2.0), (-3.0, -2.5)], "Normal", [(0.3, 1.2), (1.0, 0.5)]),
    ("Uniform", [(0.5, 2.0), (1.0, 1.2)], "Pareto", [(0.4, 1.5), (0.3, 3.0)]),
]
CASES = [(pn, pp, qn, qp) for pn, ps, qn, qs in FINITE for pp, qp in zip(ps, qs)]
INFINITE = [("Beta", "Pareto"), ("Exponential", "Beta"), ("Exponential", "Pareto"),
            ("Exponential", "Uniform"), ("Gamma", "Beta"), ("Gamma", "Pareto"),
            ("Gamma", "Uniform"), ("Gumbel", "Beta"), ("Gumbel", "Exponential"),
            ("Gumbel", "Gamma"), ("Gumbel", "Pareto"), ("Gumbel", "Uniform"),
            ("Laplace", "Beta"), ("Laplace", "Exponential"), ("Laplace", "Gamma"),
            ("Laplace", "Pareto"), ("Laplace", "Uniform"), ("Normal", "Beta"),
            ("Normal", "Exponential"), ("Normal", "Gamma"), ("Normal", "Pareto"),
            ("Normal", "Uniform"), ("Pareto", "Beta"), ("Pareto", "Uniform"),
            ("Poisson", "Bernoulli"), ("Poisson", "Binomial")]
# a valid setting of each family (for the infinite pairs)
ANY = {"Beta": (2.0, 3.0), "Exponential": (1.3,), "Gamma": (2.0, 1.5), "Gumbel": (0.3, 1.2),
       "Laplace": (0.3, 1.2), "Normal": (0.3, 1.2), "Pareto": (1.5, 2.5), "Uniform": (0.5, 2.0),
       "Poisson": (1.5,), "Bernoulli": (0.3,)}


def _name(case):
    return f"{case[0]}-{case[2]}"


def test_every_cross_pair_is_registered():
    registry = {(a.__name__, b.__name__) for a, b in D.kl._KL_REGISTRY}
    pairs = {(pn, qn) for pn, _, qn, _ in FINITE} | set(INFINITE)
    assert len(pairs) == 51
    assert pairs <= registry


@pytest.mark.parametrize("case", CASES, ids=[_name(c) for c in CASES])
def test_value_matches_numerical_integration(case):
    pn, pp, qn, qp = case
    kl = D.kl_divergence(_make(pn, pp), _make(qn, qp))
    assert tuple(np.shape(kl)) == ()
    ref = _reference(pn, pp, qn, qp)
    assert float(kl) == pytest.approx(ref, rel=1e-8, abs=1e-10)
    assert ref > 0


@pytest.mark.parametrize("spec", FINITE, ids=[f"{s[0]}-{s[2]}" for s in FINITE])
def test_gradient_matches_central_differences(spec):
    pn, ps, qn, qs = spec
    sizes = [np.size(v) for v in ps[0]] + [np.size(v) for v in qs[0]]
    split = np.cumsum(sizes)[:-1]
    x0 = np.concatenate([np.ravel(v) for v in ps[0] + qs[0]]).astype(float)
    shapes = [np.shape(v) for v in ps[0] + qs[0]]
    n_p = len(ps[0])

    def kl(x):
        parts = [tg.reshape(v, s) for v, s in zip(tg.split(x, split), shapes)]
        return D.kl_divergence(_make(pn, parts[:n_p]), _make(qn, parts[n_p:]))

    g = np.asarray(tg.grad(kl)(x0))
    fd = _central(lambda x: float(kl(x)), x0, eps=1e-6)
    np.testing.assert_allclose(g, fd, rtol=2e-6, atol=1e-8)
    assert np.all(np.abs(g) > 0) or pn == "OneHotCategorical"


def test_backward_matches_grad():
    loc = tg.tensor(np.array([0.3, -1.0]), requires_grad=True)
    rate = tg.tensor(np.array([1.3, 0.6]), requires_grad=True)
    kl = D.kl_divergence(D.Normal(loc, 1.2), D.Gumbel(0.5, 1.0)) \
        + D.kl_divergence(D.Exponential(rate), D.Gamma(2.0, 0.7))
    tg.sum(kl).backward()
    g_loc = tg.grad(lambda m: tg.sum(D.kl_divergence(D.Normal(m, 1.2), D.Gumbel(0.5, 1.0))))(
        np.array([0.3, -1.0]))
    g_rate = tg.grad(lambda r: tg.sum(D.kl_divergence(D.Exponential(r), D.Gamma(2.0, 0.7))))(
        np.array([1.3, 0.6]))
    np.testing.assert_allclose(loc.grad, g_loc, rtol=1e-13)
    np.testing.assert_allclose(rate.grad, g_rate, rtol=1e-13)
    assert np.all(np.abs(np.asarray(loc.grad)) > 0)


def _stack(settings, shape):
    """The settings' parameters stacked along a batch axis of the given shape."""
    return [np.stack([np.asarray(s[i], float) for s in settings]).reshape(
        shape + np.shape(settings[0][i])) for i in range(len(settings[0]))]


@pytest.mark.parametrize("spec", FINITE, ids=[f"{s[0]}-{s[2]}" for s in FINITE])
def test_batch_shapes_broadcast(spec):
    pn, ps, qn, qs = spec
    p_set, q_set = ps[:2], [qs[0], qs[1], qs[0]]
    kl = np.asarray(D.kl_divergence(_make(pn, _stack(p_set, (2, 1))), _make(qn, _stack(q_set, (3,)))))
    assert kl.shape == (2, 3)
    want = [[float(D.kl_divergence(_make(pn, a), _make(qn, b))) for b in q_set] for a in p_set]
    np.testing.assert_allclose(kl, want, rtol=1e-13)
    assert np.all(np.isfinite(kl))


@pytest.mark.parametrize("pair", INFINITE, ids=["-".join(p) for p in INFINITE])
def test_infinite_pairs(pair):
    pn, qn = pair
    p = _make(pn, _stack([ANY[pn], ANY[pn]], (2, 1)))
    q = D.Binomial(np.array([3.0, 5.0, 1.0]), probs=np.array([0.2, 0.5, 0.9])) \
        if qn == "Binomial" else _make(qn, _stack([ANY[qn]] * 3, (3,)))
    kl = np.asarray(D.kl_divergence(p, q))
    assert kl.shape == (2, 3)
    assert np.all(np.isposinf(kl))
    g = tg.grad(lambda v: tg.sum(D.kl_divergence(_make(pn, (v,) + ANY[pn][1:]), q)))(ANY[pn][0])
    assert float(g) == 0.0


def test_poisson_at_rate_zero_is_a_point_mass():
    """Poisson(0) is the point mass at 0: KL = −log q(0), finite unless q(0) = 0."""
    p = D.Poisson(np.array([0.0, 0.0, 0.0, 1e-3]))
    kl = np.asarray(D.kl_divergence(p, D.Bernoulli(probs=np.array([0.3, 1.0, 0.0, 0.3]))))
    np.testing.assert_allclose(kl, [-math.log(0.7), np.inf, 0.0, np.inf], atol=1e-15)
    q = D.Binomial(np.array([4.0, 0.0, 2.0, 4.0]), probs=np.array([0.3, 1.0, 1.0, 0.3]))
    kl = np.asarray(D.kl_divergence(p, q))
    np.testing.assert_allclose(kl, [-4 * math.log(0.7), 0.0, np.inf, np.inf], atol=1e-15)


def test_bernoulli_poisson_rate_zero():
    kl = np.asarray(D.kl_divergence(D.Bernoulli(probs=np.array([0.0, 0.4])), D.Poisson(0.0)))
    assert kl[0] == pytest.approx(0.0, abs=1e-12)
    assert np.isposinf(kl[1])


# (p, p's parameters, q, q's parameters, which entries are infinite): support checks that
# depend on the parameters; the gradient stays finite (0 from the infinite entries)
PARTLY = [
    ("Pareto", ([1.0, 1.0, 1.0], [0.5, 1.0, 1.5]), "Exponential", ([1.0],), [1, 1, 0]),
    ("Pareto", ([1.0, 1.0, 1.0], [0.5, 1.0, 1.5]), "Gamma", ([2.0], [1.0]), [1, 1, 0]),
    ("Pareto", ([1.0, 1.0, 1.0], [1.5, 2.0, 2.5]), "Normal", ([0.0], [1.0]), [1, 1, 0]),
    ("Uniform", ([-0.1, 0.05, 0.2], [0.5, 0.95, 1.2]), "Beta", ([2.0], [3.0]), [1, 0, 1]),
    ("Uniform", ([-0.1, 0.05, 0.2], [0.5, 1.0, 1.2]), "Exponential", ([2.0],), [1, 0, 0]),
    ("Uniform", ([-0.1, 0.05, 0.2], [0.5, 1.0, 1.2]), "Gamma", ([2.0], [3.0]), [1, 0, 0]),
    ("Uniform", ([0.1, 0.5, 0.7], [0.5, 1.0, 1.2]), "Pareto", ([0.5], [3.0]), [1, 0, 0]),
    ("Beta", ([2.0], [3.0]), "Uniform", ([-0.1, 0.0, 0.2, 0.0], [1.0, 1.2, 1.5, 0.9]),
     [0, 0, 1, 1]),
]


@pytest.mark.parametrize("case", PARTLY, ids=[f"{c[0]}-{c[2]}" for c in PARTLY])
def test_support_checks_at_some_parameters(case):
    pn, pp, qn, qp, infinite = case
    pp, qp = [np.array(v) for v in pp], [np.array(v) for v in qp]
    kl = np.asarray(D.kl_divergence(_make(pn, pp), _make(qn, qp)))
    np.testing.assert_array_equal(np.isposinf(kl), np.array(infinite, bool))
    for i in np.flatnonzero(np.logical_not(infinite)):
        ref = _reference(pn, [float(np.broadcast_to(v, kl.shape)[i]) for v in pp],
                         qn, [float(np.broadcast_to(v, kl.shape)[i]) for v in qp])
        assert kl[i] == pytest.approx(ref, rel=1e-8)
    grads = tg.grad(lambda *a: tg.sum(D.kl_divergence(_make(pn, a[:len(pp)]),
                                                      _make(qn, a[len(pp):]))),
                    argnums=tuple(range(len(pp) + len(qp))))(*pp, *qp)
    for g in grads:
        assert np.all(np.isfinite(np.asarray(g)))
