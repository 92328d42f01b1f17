"""tg.scipy.stats against scipy.stats (values, also outside the support and at invalid
parameters) and against jax.scipy.stats (gradients in every continuous argument, a Hessian);
tg.jit and tg.jacfwd on the same functions; no NumPy warning at any of these points."""
import inspect
import warnings

import jax
import jax.scipy.stats as jst
import numpy as np
import pytest
import scipy.stats as sst

import tensorgrad as tg
from tensorgrad.scipy import stats as st

jax.config.update("jax_enable_x64", True)

INF, NAN = np.inf, np.nan
RNG = np.random.default_rng(20240611)
N = 7  # points per gradient check

LOC_SCALE = ["norm", "expon", "logistic", "laplace", "cauchy", "uniform"]
OURS = {
    "norm": ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"],
    "expon": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"],
    "logistic": ["cdf", "isf", "logpdf", "pdf", "ppf", "sf"],
    "laplace": ["cdf", "logpdf", "pdf"],
    "cauchy": ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"],
    "uniform": ["cdf", "logpdf", "pdf", "ppf"],
    "t": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"], "gamma": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"],
    "beta": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"],
    "chi2": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"], "poisson": ["cdf", "entropy", "logpmf", "pmf"],
    "binom": ["logpmf", "pmf"],
    "geom": ["logpmf", "pmf"], "bernoulli": ["cdf", "logpmf", "pmf", "ppf"],
    "multivariate_normal": ["entropy", "logpdf", "pdf"],
    "gumbel_r": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"],
    "gumbel_l": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"],
    "pareto": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"],
    "truncnorm": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"],
    "vonmises": ["logpdf", "pdf"], "wrapcauchy": ["logpdf", "pdf"],
    "gennorm": ["cdf", "logpdf", "pdf"],
    "nbinom": ["logpmf", "pmf"], "betabinom": ["logpmf", "pmf"], "multinomial": ["logpmf", "pmf"],
    "dirichlet": ["logpdf", "pdf"],
}
FUNCTIONS = ["sem", "rankdata", "mode", "gaussian_kde"]


def _public(space):
    return sorted(n for n in dir(space) if not n.startswith("_") and callable(getattr(space, n)))


def _scipy(dist, fn, *args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return getattr(getattr(sst, dist), fn)(*args)


def _same(ours, ref, rtol=1e-12):
    """Equal infinities and NaNs at the same places, finite values to ``rtol``."""
    ours, ref = np.asarray(ours), np.asarray(ref, dtype=float)
    assert ours.shape == ref.shape
    fin = np.isfinite(ref)
    np.testing.assert_array_equal(ours[~fin], ref[~fin])
    np.testing.assert_allclose(ours[fin], ref[fin], rtol=rtol, atol=1e-300)


def _close(ours, ref, rtol=1e-10):
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=1e-12 * max(1.0, np.max(np.abs(ref))))


# ---- the namespaces --------------------------------------------------------------------------
SCIPY_ONLY = {("multivariate_normal", "entropy"), *(("t", f) for f in ("cdf", "logcdf", "logsf", "sf"))}


#: SciPy's keywords where JAX's signature lacks them
SCIPY_KEYWORDS = {("multivariate_normal", "pdf"): ("allow_singular",)}


def test_namespaces_have_jax_functions_and_signatures():
    assert sorted(st.__all__) == sorted([*OURS, *FUNCTIONS])
    for dist, names in OURS.items():
        space = getattr(st, dist)
        assert _public(space) == names, dist
        if dist in LOC_SCALE:  # all of JAX's functions for these
            assert _public(getattr(jst, dist)) == names, dist
        for name in names:
            if (dist, name) in SCIPY_ONLY:  # (SciPy's, which jax.scipy.stats lacks)
                continue
            ours = inspect.signature(getattr(space, name)).parameters
            theirs = inspect.signature(getattr(getattr(jst, dist), name)).parameters
            extra = SCIPY_KEYWORDS.get((dist, name), ())  # (SciPy's, after JAX's)
            assert [(p.name, p.default) for p in ours.values() if p.name not in extra] == \
                [(p.name, p.default) for p in theirs.values()], (dist, name)
    for name in FUNCTIONS:
        ours = inspect.signature(getattr(st, name)).parameters
        theirs = inspect.signature(getattr(jst, name)).parameters
        assert [(p.name, p.default, p.kind) for p in ours.values()] == \
            [(p.name, p.default, p.kind) for p in theirs.values()], name
    assert st.norm.logpdf.__qualname__ == "logpdf" and st.norm.__name__ == "tensorgrad.scipy.stats.norm"
    assert tg.scipy.stats.norm.logpdf is st.norm.logpdf


# ---- values against SciPy --------------------------------------------------------------------
X = np.array([-INF, -1e10, -2.0, -0.5, 0.0, 1e-20, 0.3, 0.5, 1.0, 2.0, 2.5, 1e3, INF, NAN])[:, None]
Q = np.array([-0.1, 0.0, 1e-20, 0.02, 0.3, 0.5, 0.9, 1 - 1e-12, 1.0, 1.1, NAN])[:, None]
LOCS = np.array([[0.5, -1.0, 0.5, 0.5, 0.5]])
SCALES = np.array([[1.5, 0.7, 0.0, -1.0, NAN]])  # the last three invalid: NaN


@pytest.mark.parametrize("dist", LOC_SCALE)
def test_location_scale_values(dist):
    for name in OURS[dist]:
        pts = Q if name in ("ppf", "isf") else X
        if dist == "laplace":  # SciPy's laplace.logpdf is log(pdf): -inf once pdf underflows
            pts = pts[~(np.abs(pts[:, 0]) > 100) | np.isinf(pts[:, 0])]
        _same(getattr(getattr(st, dist), name)(pts, LOCS, SCALES), _scipy(dist, name, pts, LOCS, SCALES))


def test_values_in_the_far_tails_keep_their_precision():
    _same(st.cauchy.logpdf([1e200, -1e200]), _scipy("cauchy", "logpdf", [1e200, -1e200]))
    _same(st.cauchy.ppf([1e-20, 1 - 1e-12]), _scipy("cauchy", "ppf", [1e-20, 1 - 1e-12]), 1e-9)
    _same(st.cauchy.logcdf(1e10), _scipy("cauchy", "logcdf", 1e10))
    _same(st.expon.logcdf(1e-20), np.log(1e-20))
    _same(st.norm.isf(1e-20), _scipy("norm", "isf", 1e-20))
    _same(st.laplace.logpdf(1e10, 0.0, 2.0), -5e9 - np.log(4.0))


SHAPE_CASES = [  # dist, point column, shape parameters (broadcast as rows), loc, scale
    ("t", X, [np.array([[0.5, 1.0, 3.5, 30.0, INF, 0.0, -1.0, NAN]])], 0.5, 1.5),
    ("gamma", X[:-2], [np.array([[0.5, 1.0, 3.5, 30.0, 0.0, -1.0, NAN]])], 0.5, 1.5),
    ("gamma", X[:-2], [2.0], 0.5, np.array([[-1.0, 0.0, 2.0]])),
    ("chi2", X[:-2], [np.array([[0.5, 1.0, 2.0, 3.5, 30.0, 0.0, -1.0, NAN]])], 0.5, 1.5),
    ("beta", np.array([-0.1, 0.0, 0.2, 0.5, 0.9, 1.0, 1.1, INF, NAN])[:, None],
     [np.array([[0.5, 1.0, 2.0, 2.0, 1.0, 0.5, 0.0, -1.0, 2.0]]),
      np.array([[0.5, 1.0, 2.0, 1.0, 3.0, 2.5, 1.0, 1.0, NAN]])], 0.0, 1.0),
    ("beta", X, [2.5, 1.5], -0.5, 3.0),
]


@pytest.mark.parametrize("dist,x,shapes,loc,scale", SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_shape_parameter_values(dist, x, shapes, loc, scale):
    for name in ("logpdf", "pdf"):
        _same(getattr(getattr(st, dist), name)(x, *shapes, loc, scale),
              _scipy(dist, name, x, *shapes, loc, scale))


def test_density_at_infinity_is_zero():
    # SciPy and JAX give NaN (inf − inf) for gamma and chi2 at x = inf; the density is 0 there
    assert st.gamma.logpdf(INF, 2.5) == -INF and st.chi2.pdf(INF, 3.0) == 0.0
    assert st.poisson.logpmf(INF, 2.0) == -INF
    # SciPy: NaN for mu = inf inside the support, -inf outside; here a probability of 0 throughout
    assert np.all(st.poisson.logpmf([-1.0, 0.0, 3.0], INF) == -INF)


K = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 5.0, 6.0, 2.5, NAN])[:, None]
DISCRETE_CASES = [  # dist, args (k first)
    ("poisson", (K, np.array([[0.0, 0.5, 3.0, 20.0, -1.0, NAN]]))),
    ("poisson", (K, 2.0, np.array([[0.5, -1.0, 1.0]]))),
    ("bernoulli", (K, np.array([[0.0, 0.3, 1.0, -0.1, 1.1, NAN]]))),
    ("bernoulli", (K, 0.3, np.array([[1.0, 0.5]]))),
    ("binom", (K, 5.0, np.array([[0.0, 0.3, 1.0, -0.1, 1.1, NAN]]))),
    ("binom", (K, np.array([[0.0, 1.0, 5.0, 7.0, -1.0]]), 0.4)),
    ("binom", (K, 5.0, 0.3, 2.0)),
    ("geom", (K, np.array([[0.0, 0.3, 1.0, -0.1, 1.1, NAN]]))),
    ("geom", (K, 0.3, np.array([[1.0, -1.0]]))),
]


@pytest.mark.parametrize("dist,args", DISCRETE_CASES, ids=[c[0] for c in DISCRETE_CASES])
def test_discrete_values(dist, args):
    for name in ("logpmf", "pmf"):
        _same(getattr(getattr(st, dist), name)(*args), _scipy(dist, name, *args))


def test_bernoulli_cdf_and_ppf_values():
    p = np.array([[0.0, 0.3, 1.0, -0.1, 1.1, NAN]])
    k = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, NAN])[:, None]
    q = np.array([-0.1, 0.0, 0.3, 0.7, 0.71, 1.0, 1.1, NAN])[:, None]
    _same(st.bernoulli.cdf(k, p), _scipy("bernoulli", "cdf", k, p))
    _same(st.bernoulli.ppf(q, p), _scipy("bernoulli", "ppf", q, p))  # −1 at q = 0 (JAX: 0)


def _spd(n, *batch):
    a = RNG.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def test_multivariate_normal_values():
    cov, mean = _spd(3), RNG.normal(size=3)
    x = RNG.normal(size=(4, 3))
    for c in (cov, 2.5, np.diag([1.0, 2.0, 3.0])):
        _same(st.multivariate_normal.logpdf(x, mean, c), _scipy("multivariate_normal", "logpdf", x, mean, c))
        _same(st.multivariate_normal.pdf(x, mean, c), _scipy("multivariate_normal", "pdf", x, mean, c))
    _same(st.multivariate_normal.logpdf(0.3, -0.2, 1.7), _scipy("multivariate_normal", "logpdf", 0.3, -0.2, 1.7))
    covs = np.stack([cov, _spd(3)])  # a stack of covariances, broadcast against x
    _same(st.multivariate_normal.logpdf(x[:, None], mean, covs),
          np.stack([_scipy("multivariate_normal", "logpdf", x, mean, c) for c in covs], axis=1))
    _same(st.multivariate_normal.logpdf(x, mean, cov, allow_singular=True),
          _scipy("multivariate_normal", "logpdf", x, mean, cov))
    with pytest.raises(ValueError, match="does not match"):
        st.multivariate_normal.logpdf(x, mean, np.eye(2))


def test_inputs_dtypes_and_broadcasting():
    v = st.norm.logpdf(1.0)
    assert isinstance(v, (np.ndarray, np.floating)) and np.ndim(v) == 0 and v.dtype == np.float64
    _same(st.norm.logpdf(1.0), _scipy("norm", "logpdf", 1.0))
    assert st.poisson.pmf(2, 3).dtype == np.float64  # integers promote to float64
    assert st.bernoulli.ppf(0.5, 0.3).dtype == np.float64
    x32 = np.float32([-1.0, 0.0, 0.25, 0.5, 1.0, 3.0])  # float32 stays float32, as in JAX
    for dist in OURS:
        space = getattr(st, dist)
        for name in OURS[dist]:
            if dist == "multivariate_normal":
                args = (x32[:, None], np.float32([0.5]), np.float32([[2.0]]))
                if name == "entropy":
                    args = args[1:]
            elif dist in ("t", "gamma", "chi2", "poisson", "bernoulli", "geom"):
                args = (x32, np.float32(0.5))
            elif dist in ("beta", "binom", "nbinom"):
                args = (x32, np.float32(3.0), np.float32(0.5))
            elif dist == "betabinom":
                args = (x32, np.float32(3.0), np.float32(0.5), np.float32(1.5))
            elif dist in ("vonmises", "wrapcauchy", "gennorm"):
                args = (x32, np.float32(0.5))
            elif dist == "multinomial":
                args = (np.float32([[1.0, 2.0], [3.0, 0.0]]), np.float32(3.0), np.float32([0.4, 0.6]))
            elif dist == "dirichlet":
                args = (np.float32([[0.2, 0.5], [0.8, 0.5]]), np.float32([1.5, 2.0]))
            else:
                args = (x32, 0.5, 2)
            assert getattr(space, name)(*args).dtype == np.float32, (dist, name)
    out = st.t.logpdf(np.ones((4, 1, 1)), np.ones((3, 1)), np.zeros(2), 1.0)
    assert out.shape == (4, 3, 2)
    _same(st.beta.pdf([0.2, 0.4], [[2.0], [3.0]], 1.5), _scipy("beta", "pdf", [0.2, 0.4], [[2.0], [3.0]], 1.5))


# ---- gradients against JAX ------------------------------------------------------------------------
def u(lo, hi):
    return RNG.uniform(lo, hi, N)


def ints(lo, hi):
    return RNG.integers(lo, hi, N).astype(float)


def _located(z_lo, z_hi, signs=False):
    loc, scale = u(-1, 1), u(0.5, 2)
    z = u(z_lo, z_hi) * (RNG.choice([-1.0, 1.0], N) if signs else 1.0)
    return loc + scale * z, loc, scale


def _grad_cases():
    cases = []  # (dist, names, args, argnums)
    for dist, z in [("norm", (-3, 3)), ("expon", (0.1, 4)), ("logistic", (-4, 4)), ("laplace", (0.2, 3)),
                    ("cauchy", (-5, 5)), ("uniform", (0.05, 0.95))]:
        x, loc, scale = _located(*z, signs=dist == "laplace")
        quantiles = [n for n in OURS[dist] if n in ("ppf", "isf")]
        cases.append((dist, [n for n in OURS[dist] if n not in quantiles], (x, loc, scale), (0, 1, 2)))
        if quantiles:
            cases.append((dist, quantiles, (u(0.02, 0.98), u(-1, 1), u(0.5, 2)), (0, 1, 2)))
    x, loc, scale = _located(-4, 4)
    cases.append(("t", ["logpdf", "pdf"], (x, u(0.5, 20), loc, scale), (0, 1, 2, 3)))
    x, loc, scale = _located(0.1, 5)
    cases.append(("gamma", ["logpdf", "pdf"], (x, u(0.5, 5), loc, scale), (0, 1, 2, 3)))
    x, loc, scale = _located(0.1, 8)
    cases.append(("chi2", ["logpdf", "pdf"], (x, u(0.5, 10), loc, scale), (0, 1, 2, 3)))
    x, loc, scale = _located(0.05, 0.95)
    cases.append(("beta", ["logpdf", "pdf"], (x, u(0.5, 5), u(0.5, 5), loc, scale), (0, 1, 2, 3, 4)))
    cases.append(("poisson", ["logpmf", "pmf"], (ints(0, 9), u(0.5, 6)), (1,)))
    cases.append(("bernoulli", ["logpmf", "pmf"], (ints(0, 2), u(0.05, 0.95)), (1,)))
    cases.append(("bernoulli", ["cdf"], (np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 0.0, 0.2]), u(0.05, 0.95)), (1,)))
    n = ints(3, 11)
    cases.append(("binom", ["logpmf", "pmf"], (np.floor(n * u(0, 1)), n, u(0.05, 0.95)), (1, 2)))
    cases.append(("geom", ["logpmf", "pmf"], (ints(1, 9), u(0.05, 0.95)), (1,)))
    cases.append(("poisson", ["logpmf"], (ints(2, 9), u(0.5, 6), ints(-1, 2)), (1,)))
    return cases


GRAD_CASES = _grad_cases()


def _summed(fn):
    return lambda *a: fn(*a).sum()


@pytest.fixture(scope="module")
def jax_grads():
    """JAX's gradients for every case, from one compiled program."""
    def all_grads(arg_list):
        return [[jax.grad(_summed(getattr(getattr(jst, dist), name)), argnums)(*args) for name in names]
                for (dist, names, _, argnums), args in zip(GRAD_CASES, arg_list)]
    return jax.jit(all_grads)([c[2] for c in GRAD_CASES])


@pytest.mark.parametrize("case", range(len(GRAD_CASES)),
                         ids=[f"{c[0]}-{'-'.join(c[1])}" for c in GRAD_CASES])
def test_gradients_match_jax(case, jax_grads):
    dist, names, args, argnums = GRAD_CASES[case]
    for name, ref in zip(names, jax_grads[case]):
        ours = tg.grad(lambda *a: tg.sum(getattr(getattr(st, dist), name)(*a)), argnums)(*args)
        for k, o, r in zip(argnums, ours, ref):
            assert np.all(np.isfinite(o)), (name, k)
            _close(o, r)


def test_multivariate_normal_gradients_match_jax():
    cov, covs, mean = _spd(3), _spd(3, 2), RNG.normal(size=3)
    x, xs = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 1, 3))
    cases = [(x, mean, cov), (xs, mean, covs), (x, mean, 1.7), (x[:, 0], 0.3, 1.7)]

    @jax.jit
    def refs(cases):
        return [jax.grad(_summed(jst.multivariate_normal.logpdf), (0, 1, 2))(*c) for c in cases]
    for c, ref in zip(cases, refs(cases)):
        ours = tg.grad(lambda *a: tg.sum(st.multivariate_normal.logpdf(*a)), (0, 1, 2))(*c)
        for o, r in zip(ours, ref):
            _close(o, r)


def test_gradients_outside_the_support_are_zero_without_warnings():
    # the safe-argument trick: no log(0) or 1/0 in the unused branch, so no NaN and no warning
    x = np.array([-1.0, -1e-300, 0.0, 0.5, 1.0, 2.0])
    checks = [lambda x, a, s: st.gamma.logpdf(x, a, 0.0, s),
              lambda x, a, s: st.chi2.logpdf(x, a + 1.0, 0.0, s),
              lambda x, a, s: st.beta.logpdf(x, a, 2.0, 0.0, s),
              lambda x, a, s: st.expon.logcdf(x, a - 2.0, s) + st.expon.logpdf(x, a - 2.0, s),
              lambda x, a, s: st.uniform.logpdf(x, a - 2.0, s) + st.uniform.cdf(x, a - 2.0, s)]
    for f in checks:
        g = tg.grad(lambda x, a, s: tg.sum(tg.where(tg.isfinite(f(x, a, s)), f(x, a, s), 0.0)),
                    (0, 1, 2))(x, np.full(6, 2.0), np.full(6, 1.0))
        assert all(np.all(np.isfinite(gi)) for gi in g)
        assert np.all(g[0][x < 0] == 0.0)
    k = np.array([-1.0, 0.0, 1.5, 2.0, 3.0])
    for f in (lambda m: st.poisson.logpmf(k, m), lambda p: st.geom.logpmf(k, p),
              lambda p: st.bernoulli.logpmf(k, p), lambda p: st.binom.logpmf(k, 2.0, p)):
        g = tg.grad(lambda p: tg.sum(tg.where(tg.isfinite(f(p)), f(p), 0.0)))(np.full(5, 0.4))
        assert np.all(np.isfinite(g)) and g[0] == 0.0 and g[2] == 0.0
    # at the ends of the parameter ranges the one-sided derivative (JAX: NaN)
    _close(tg.grad(lambda m: st.poisson.logpmf(0.0, m))(0.0), -1.0)
    _close(tg.grad(lambda p: st.bernoulli.logpmf(1.0, p))(1.0), 1.0)
    _close(tg.grad(lambda p: st.bernoulli.logpmf(0.0, p))(0.0), -1.0)


def test_gradients_at_kinks_match_jax():
    for dist, name in [("laplace", "logpdf"), ("laplace", "cdf"), ("logistic", "logpdf")]:
        ours = tg.grad(getattr(getattr(st, dist), name), (0, 1, 2))(0.5, 0.5, 2.0)
        ref = jax.jit(jax.grad(getattr(getattr(jst, dist), name), (0, 1, 2)))(0.5, 0.5, 2.0)
        for o, r in zip(ours, ref):
            _close(o, r)


# ---- second derivatives, jacfwd, jit ------------------------------------------------------------
def _mixture(th, ns):
    x, a, b, loc, scale = th[0], th[1], th[2], th[3], th[4]
    # (beta and log_ndtr are left out: JAX takes seconds to compile their second derivatives)
    return (ns.t.logpdf(x, a, loc, scale) + ns.chi2.logpdf(x, b, loc - 0.5, scale)
            + ns.cauchy.logcdf(x, loc, scale) + ns.expon.logcdf(x, loc - 1.0, scale)
            + ns.binom.logpmf(2.0, a + 2.0, b / 4.0) + ns.laplace.cdf(x, loc, scale))


def test_hessian_matches_jax():
    th = np.array([1.1, 2.3, 1.7, 0.4, 1.3])
    ours = tg.hessian(lambda th: _mixture(th, st))(th)
    ref = jax.jit(jax.hessian(lambda th: _mixture(th, jst)))(th)
    _close(ours, ref, 1e-9)


def test_jacfwd_is_the_elementwise_derivative():
    x, loc, scale = _located(0.1, 4)
    jac = tg.jacfwd(st.chi2.logpdf)(x, 3.0, loc, scale)
    ref = jax.jit(jax.jacfwd(jst.chi2.logpdf))(x, 3.0, loc, scale)
    _close(jac, ref)
    assert np.count_nonzero(jac - np.diag(np.diag(jac))) == 0


def _suite(ns, x, q, k, p, mean, cov):
    return [ns.norm.logpdf(x, 0.5, 1.5), ns.norm.ppf(q, 0.5, 1.5), ns.expon.logcdf(x, 0.2, 2.0),
            ns.gamma.logpdf(x, 2.5, 0.0, 1.2), ns.beta.pdf(x, 2.0, 3.0), ns.chi2.logpdf(x, 2.0),
            ns.uniform.cdf(x, 0.0, 2.0), ns.cauchy.isf(q), ns.poisson.logpmf(k, 3.0 * p),
            ns.binom.pmf(k, 6.0, p), ns.geom.logpmf(k, p), ns.bernoulli.cdf(k, p),
            ns.multivariate_normal.logpdf(mean + x[:, None] * 0.1, mean, cov)]


def test_jit_replays_on_new_inputs_with_the_masks_recomputed():
    mean, cov = RNG.normal(size=2), _spd(2)
    f = tg.jit(lambda *a: _suite(st, *a))
    inputs = [(np.array([-1.0, 0.0, 0.5, 1.5, 3.0]), np.array([0.0, 0.2, 0.5, 1.0, 1.2]),
               np.array([-1.0, 0.0, 1.0, 2.5, 7.0]), np.full(5, 0.3), mean, cov),
              (np.array([2.0, -0.5, 0.0, 0.7, 1.0]), np.array([1.0, -0.1, 0.9, 0.0, 0.3]),
               np.array([3.0, 1.0, -2.0, 0.0, 1.5]), np.array([0.9, 0.1, 0.5, 0.7, 0.2]), mean + 1, 2 * cov)]
    for args in inputs:
        for ours, eager, ref in zip(f(*args), _suite(st, *args), _suite(SCIPY, *args)):
            _same(ours, eager)
            _same(ours, ref, 1e-11)
    grad = tg.grad(lambda x, s: tg.sum(st.gamma.logpdf(x, 2.5, 0.0, s) + st.uniform.cdf(x, 0.0, s)), (0, 1))
    jitted = tg.jit(grad)
    for x in (np.array([-1.0, 0.5, 2.0]), np.array([1.0, -2.0, 0.3])):
        for ours, eager in zip(jitted(x, np.full(3, 1.3)), grad(x, np.full(3, 1.3))):
            _close(ours, eager, 1e-14)
            assert np.all(ours[x < 0] == 0.0)


class _SciPy:
    """``scipy.stats`` spelled as ``tg.scipy.stats`` (``SCIPY.norm.logpdf``), warnings off."""

    def __init__(self, dist=None):
        self.dist = dist

    def __getattr__(self, name):
        if self.dist is None:
            return _SciPy(name)
        return lambda *a: _scipy(self.dist, name, *a)


SCIPY = _SciPy()


def test_poisson_entropy_matches_scipy_and_differentiates():
    mu = np.array([0.0, 1e-8, 0.3, 1.0, 5.0, 10.0, 50.0, 99.9, 100.0, 150.0, 1e3])
    got = tg.scipy.stats.poisson.entropy(mu)
    np.testing.assert_allclose(got, sst.poisson.entropy(mu), rtol=1e-9, atol=0)
    X
    assert np.isnan(tg.scipy.stats.poisson.entropy(-1.0))
    for m in (5.0, 500.0):  # the sum and the expansion
        g = tg.grad(tg.scipy.stats.poisson.entropy)(m)
        fd = (sst.poisson.entropy(m + 1e-4) - sst.poisson.entropy(m - 1e-4)) / 2e-4
        np.testing.assert_allclose(g, fd, rtol=1e-4)  # (SciPy's own sum is noisy at mu = 500)


def test_multivariate_normal_entropy_is_scipys_with_its_gradient():
    rng = np.random.default_rng(4)
    m = rng.normal(size=(3, 3))
    cov = m @ m.T + np.eye(3)
    np.testing.assert_allclose(st.multivariate_normal.entropy(cov=cov),
                               sst.multivariate_normal.entropy(cov=cov), rtol=1e-13)
    np.testing.assert_allclose(st.multivariate_normal.entropy(np.zeros(4), 2.0),
                               sst.multivariate_normal.entropy(np.zeros(4), 2.0), rtol=1e-13)
    np.testing.assert_allclose(st.multivariate_normal.entropy(), sst.multivariate_normal.entropy(),
                               rtol=1e-13)
    # d/dΣ ½ log det Σ = ½ Σ⁻¹
    np.testing.assert_allclose(tg.grad(lambda c: st.multivariate_normal.entropy(cov=c))(cov),
                               0.5 * np.linalg.inv(cov), rtol=1e-10)


def test_multivariate_normal_allow_singular_follows_scipy():
    x, m, C = np.array([0.1, -0.2]), np.zeros(2), np.array([[1.0, 0.2], [0.2, 2.0]])
    np.testing.assert_allclose(st.multivariate_normal.pdf(x, m, C, allow_singular=False),
                               sst.multivariate_normal.pdf(x, m, C), rtol=1e-13)
    np.testing.assert_allclose(st.multivariate_normal.logpdf(x, m, C, allow_singular=True),
                               sst.multivariate_normal.logpdf(x, m, C, allow_singular=True), rtol=1e-13)
    # rank-1 covariances: the density on the support (pseudo-determinant), -inf off it
    A, mu = np.array([[1.0, 2.0], [2.0, 4.0]]), np.array([0.1, 0.2])
    for cov, pts in ((np.diag([1.0, 0.0]), np.array([[0.3, 0.0], [0.5, 1e-12], [1.0, 1.0]])),
                     (A, np.array([[1.0, 2.0], [1.0, 0.0], [0.6, 1.2]]))):
        np.testing.assert_allclose(st.multivariate_normal.logpdf(pts, mu, cov, allow_singular=True),
                                   sst.multivariate_normal.logpdf(pts, mu, cov, allow_singular=True), rtol=1e-12)
    g = tg.grad(lambda xx: st.multivariate_normal.logpdf(xx, mu, A, allow_singular=True))(np.array([1.0, 2.0]))
    e, h = np.array([1.0, 2.0]) / np.sqrt(5), 1e-6  # (the support's direction)
    f = lambda t: sst.multivariate_normal.logpdf(np.array([1.0, 2.0]) + t * e, mu, A, allow_singular=True)  # noqa: E731
    np.testing.assert_allclose(g @ e, (f(h) - f(-h)) / (2 * h), rtol=1e-6)
    with pytest.raises(np.linalg.LinAlgError):
        st.multivariate_normal.logpdf(x, m, np.diag([1.0, 0.0]))
