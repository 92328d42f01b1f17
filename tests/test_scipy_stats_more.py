"""The second set of tg.scipy.stats distributions (Gumbel, Pareto, von Mises, wrapped Cauchy,
truncated normal, generalized normal, negative binomial, beta-binomial, multinomial,
Dirichlet) and ``sem``/``rankdata``: values against scipy.stats (also outside the support and
at invalid parameters), gradients against jax.scipy.stats, or against central differences
where JAX's own gradient is NaN or fails; no NumPy warning anywhere."""
import functools
import warnings

import jax
import jax.numpy as jnp
import jax.scipy.stats as jst
import numpy as np
import pytest
import scipy.stats as sst

import tensorgrad as tg
from tensorgrad.scipy import stats as st

jax.config.update("jax_enable_x64", True)

INF, NAN = np.inf, np.nan
X = np.array([-INF, -800.0, -3.0, -0.5, 0.0, 0.7, 2.0, 4.0, 800.0, INF, NAN])


def _scipy(dist, fn, *args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return getattr(getattr(sst, dist), fn)(*args)


def _same(ours, ref, rtol=1e-9):
    """Equal infinities and NaNs at the same places, finite values to ``rtol``."""
    ours, ref = np.asarray(ours, dtype=float), np.asarray(ref, dtype=float)
    assert ours.shape == ref.shape
    fin = np.isfinite(ref)
    np.testing.assert_array_equal(ours[~fin], ref[~fin])
    np.testing.assert_allclose(ours[fin], ref[fin], rtol=rtol, atol=1e-300)


def _central(f, a, h=1e-6):
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[i] = h * max(1.0, abs(a[i]))
        g[i] = np.sum(np.asarray(f(a + e)) - np.asarray(f(a - e))) / (2 * e[i])
    return g


# ---- values against SciPy --------------------------------------------------------------------
FNS = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


@pytest.mark.parametrize("dist", ["gumbel_r", "gumbel_l"])
@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("scale", [1.3, 0.0, -1.0])
def test_gumbel_values(dist, fn, scale):
    ours = getattr(getattr(st, dist), fn)(X, 0.2, scale)
    ref = _scipy(dist, fn, X, 0.2, scale)
    if fn in ("logpdf", "pdf") and scale > 0:  # the density is 0 at ±inf; SciPy gives NaN there
        end = np.isinf(X)
        assert np.all(np.asarray(ours)[end] == (-INF if fn == "logpdf" else 0.0))
        ours, ref = np.asarray(ours)[~end], ref[~end]
    _same(ours, ref)


@pytest.mark.parametrize("dist", ["gumbel_r", "gumbel_l", "pareto"])
def test_ppf_values(dist):
    q = np.array([-0.1, 0.0, 1e-300, 0.3, 0.5, 1 - 1e-16, 1.0, 1.1, NAN])
    shape = (2.0,) if dist == "pareto" else ()
    _same(getattr(st, dist).ppf(q, *shape, 0.2, 1.3), _scipy(dist, "ppf", q, *shape, 0.2, 1.3))


@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("b", [2.0, 0.0, -1.0])
def test_pareto_values(fn, b):
    _same(getattr(st.pareto, fn)(X, b, -0.5, 1.5), _scipy("pareto", fn, X, b, -0.5, 1.5))


@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("a, b", [(-1.0, 2.0), (-INF, 0.5), (0.5, INF), (-40.0, -38.0),
                                  (38.0, 40.0), (2.0, 1.0)])
def test_truncnorm_values_keep_their_precision_in_the_tails(fn, a, b):
    x = np.concatenate([X, np.linspace(a, b, 7) if np.isfinite(a + b) else [0.6, 1.2]])
    _same(getattr(st.truncnorm, fn)(x, a, b), _scipy("truncnorm", fn, x, a, b), rtol=1e-8)


@pytest.mark.parametrize("fn", FNS)
def test_truncnorm_infinite_bounds_have_zero_derivatives(fn):
    # an infinite bound has no effect on the mass: ∂/∂a at a = −inf and ∂/∂b at b = +inf are 0
    # (log Φ's infinite slope at −inf times a zero slope was NaN; JAX gives NaN for most)
    for x, a, b, which in ((0.0, -INF, 1.0, 1), (-0.2, -INF, 0.5, 1), (0.5, -1.0, INF, 2),
                           (0.3, -INF, INF, 1), (0.3, -INF, INF, 2), (2.0, 1.0, INF, 2)):
        g = tg.grad(getattr(st.truncnorm, fn), argnums=which)(x, a, b)
        assert float(g) == 0.0, (fn, x, a, b, which, g)
        # the finite bound's derivative: finite differences of SciPy's function
        other = 3 - which if np.isfinite((a, b)[2 - which]) else None
        if other is not None:
            h = 1e-6
            bump = lambda d: _scipy("truncnorm", fn, x, *[v + d * (i == other - 1) for i, v in enumerate((a, b))])
            want = (bump(h) - bump(-h)) / (2 * h)
            np.testing.assert_allclose(tg.grad(getattr(st.truncnorm, fn), argnums=other)(x, a, b),
                                       want, rtol=1e-6, atol=1e-9)


def test_gennorm_slopes_at_infinity_are_jaxs():
    # ∂/∂x log p = −β|x|^(β−1) sign x: −inf at +inf (β > 1), as JAX; exp(β log|x|)'s slope
    # was inf/inf = NaN there
    for beta in (1.5, 2.0, 3.0):
        for x, want in ((INF, -INF), (-INF, INF)):
            assert float(tg.grad(st.gennorm.logpdf)(x, beta)) == want
        np.testing.assert_allclose(tg.grad(st.gennorm.logpdf)(0.7, beta), -beta * 0.7 ** (beta - 1),
                                   rtol=1e-14)


@pytest.mark.parametrize("kappa", [0.0, 1.0, 800.0, -1.0])
def test_vonmises_values(kappa):
    _same(st.vonmises.logpdf(X, kappa), _scipy("vonmises", "logpdf", X, kappa))


@pytest.mark.parametrize("dist, shapes", [("wrapcauchy", (0.3,)), ("wrapcauchy", (1.0,)),
                                          ("gennorm", (0.5,)), ("gennorm", (2.0,)),
                                          ("gennorm", (0.0,))])
def test_shape_parameter_values(dist, shapes):
    for fn in ("logpdf", "pdf"):
        _same(getattr(getattr(st, dist), fn)(X, *shapes), _scipy(dist, fn, X, *shapes))


K = np.array([-1.0, 0.0, 0.5, 2.0, 10.0, NAN])


@pytest.mark.parametrize("dist, args", [
    ("nbinom", (3.0, 0.4)), ("nbinom", (3.0, 1.0)), ("nbinom", (3.0, 0.0)), ("nbinom", (2.5, 1.5)),
    ("nbinom", (0.0, 0.5)), ("betabinom", (10.0, 1.0, 2.0)), ("betabinom", (10.0, 0.0, 2.0)),
    ("betabinom", (0.0, 1.0, 1.0))])
def test_discrete_values(dist, args):
    for fn in ("logpmf", "pmf"):
        _same(getattr(getattr(st, dist), fn)(K, *args), _scipy(dist, fn, K, *args))


def test_multivariate_values():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 6.0, 0.0], [1.5, 1.5, 3.0], [-1.0, 4.0, 3.0],
                  [1.0, 1.0, 1.0]])
    for p in ([0.2, 0.5, 0.3], [0.0, 0.7, 0.3]):
        _same(st.multinomial.logpmf(x, 6.0, np.array(p)), _scipy("multinomial", "logpmf", x, 6, p))
    alpha = np.array([1.5, 2.0, 3.5])
    x = np.array([[0.2, 0.3], [0.5, 0.1], [0.3, 0.6]])  # one point per column (SciPy's layout)
    _same(st.dirichlet.logpdf(x, alpha), sst.dirichlet.logpdf(x, alpha))
    _same(st.dirichlet.pdf(x[:2], alpha), sst.dirichlet.pdf(x[:2], alpha))  # K − 1 components
    assert st.dirichlet.logpdf(np.array([0.2, 0.5, 0.4]), alpha) == -INF  # off the simplex
    with pytest.raises(ValueError, match="dirichlet.logpdf.*first axis"):
        st.dirichlet.logpdf(np.ones((5, 2)) / 5, alpha)


def test_sem_and_rankdata_match_scipy():
    a = np.random.default_rng(3).normal(size=(4, 5))
    _same(st.sem(a), sst.sem(a))
    _same(st.sem(a, axis=None), sst.sem(a, axis=None))
    _same(st.sem(a, axis=1, ddof=0, keepdims=True), sst.sem(a, axis=1, ddof=0, keepdims=True))
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(st.sem(v)))(a),
                               jax.jit(jax.grad(lambda v: jnp.sum(jst.sem(v))))(a), rtol=1e-10)
    r = np.array([[3.0, 1.0, 3.0, 2.0], [0.0, 0.0, 5.0, 1.0]])
    for method in ("average", "min", "max", "dense", "ordinal"):
        for axis in (None, 1, -2):
            got = st.rankdata(r, method, axis=axis)
            want = sst.rankdata(r, method, axis=axis)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(tg.jit(lambda v: st.rankdata(v, "min", axis=1))(a),
                                  sst.rankdata(a, "min", axis=1))
    assert np.all(tg.grad(lambda v: tg.sum(tg.reshape(st.rankdata(v), (2, 4)) * v))(r)
                  == sst.rankdata(r).reshape(2, 4))
    with pytest.raises(ValueError, match="rankdata: method"):
        st.rankdata(r, "mean")


# ---- gradients -------------------------------------------------------------------------------
L, S = np.array(0.3), np.array(1.7)
TRUNCATIONS = [(-1.0, 2.0), (-8.0, -6.0), (5.0, 9.0)]


@functools.lru_cache(maxsize=None)
def _truncnorm_jax_grads(fn: str) -> list:
    """JAX's gradients for the truncnorm cases of ``fn``, all truncations from one compiled
    program (JAX's truncnorm takes seconds to compile): the cases stacked as rows, which are
    independent, so each row's gradients are its case's."""
    x = np.stack([L + S * np.linspace(a + 0.01, b - 0.01, 5) for a, b in TRUNCATIONS])
    a, b = (np.array([[t[k]] for t in TRUNCATIONS]) for k in (0, 1))
    loc, scale = np.full((len(TRUNCATIONS), 1), L), np.full((len(TRUNCATIONS), 1), S)
    grads = jax.jit(jax.grad(lambda *p: jnp.sum(getattr(jst.truncnorm, fn)(*p)),
                             argnums=(0, 1, 2, 3, 4)))(x, a, b, loc, scale)
    return [np.asarray(g) for g in grads]


GRAD_CASES = [
    *[(d, f, (np.array([-3.0, -0.5, 0.7, 2.5, 40.0]), L, S))
      for d in ("gumbel_r", "gumbel_l") for f in FNS],
    *[(d, "ppf", (np.array([0.01, 0.3, 0.99]), L, S)) for d in ("gumbel_r", "gumbel_l")],
    *[("pareto", f, (np.array([0.5, 2.1, 3.0, 10.0]), np.array(2.3), L, S)) for f in FNS],
    ("pareto", "ppf", (np.array([0.0, 0.2, 0.9]), np.array(2.3), L, S)),
    ("vonmises", "logpdf", (np.array([-3.0, -1.0, 0.0, 0.5, 3.1, 7.0]), np.array(2.5))),
    ("vonmises", "logpdf", (np.array([-1.0, 0.3]), np.array(300.0))),
    ("wrapcauchy", "logpdf", (np.array([0.1, 1.0, 3.0, 6.0]), np.array(0.4))),
    ("gennorm", "logpdf", (np.array([-2.0, -0.3, 0.4, 1.5]), np.array(1.6))),
    *[("truncnorm", f, (L + S * np.linspace(a + 0.01, b - 0.01, 5), np.array(a), np.array(b), L, S))
      for f in FNS for a, b in TRUNCATIONS],
    *[(d, f, args) for f in ("logpmf", "pmf") for d, args in [
        ("nbinom", (np.array([0.0, 1.0, 3.0, 7.0]), np.array(3.5), np.array(0.35))),
        ("betabinom", (np.array([0.0, 2.0, 5.0]), np.array(6.0), np.array(1.5), np.array(2.5))),
        ("multinomial", (np.array([[1.0, 2.0, 3.0], [0.0, 6.0, 0.0]]), np.array(6.0),
                         np.array([0.2, 0.5, 0.3])))]],
    ("dirichlet", "logpdf", (np.array([[0.2, 0.3], [0.5, 0.1], [0.3, 0.6]]), np.array([1.5, 2.0, 3.5]))),
]


@pytest.mark.parametrize("dist, fn, args", GRAD_CASES, ids=[f"{d}.{f}-{k}" for k, (d, f, _) in
                                                             enumerate(GRAD_CASES)])
def test_gradients_match_jax_or_central_differences(dist, fn, args):
    ours_fn = getattr(getattr(st, dist), fn)
    jax_fn = getattr(getattr(jst, dist), fn)
    discrete = fn.endswith("pmf")
    # the count, and n (tied to the counts for multinomial), are not differentiated
    nums = tuple(i for i in range(len(args)) if not (discrete and i in (0, 1)))

    def jax_grad(*nums):  # JAX's gradients in those arguments, from one compiled program
        return jax.jit(jax.grad(lambda *a: jnp.sum(jax_fn(*a)), argnums=nums))(*args)
    if dist == "truncnorm":
        row = [t[0] for t in TRUNCATIONS].index(float(args[1]))
        wants = {i: g[row] if i == 0 else g[row, 0] for i, g in enumerate(_truncnorm_jax_grads(fn))}
    else:
        try:
            wants = dict(zip(nums, jax_grad(*nums)))
        except (TypeError, ValueError):  # JAX cannot differentiate one of them (gumbel's scale, ppf's q)
            wants = {}
            for i in nums:
                try:
                    wants[i] = jax_grad(i)[0]
                except (TypeError, ValueError):
                    pass
    for i in nums:
        a = args[i]

        def ours(v, i=i):
            return tg.sum(ours_fn(*args[:i], v, *args[i + 1:]))

        g = tg.grad(ours)(a)
        assert g.shape == a.shape and np.all(np.isfinite(g))
        want = None if i not in wants else np.asarray(wants[i])
        if want is not None and np.all(np.isfinite(want)) and dist != "betabinom":
            np.testing.assert_allclose(g, want, rtol=1e-8, atol=1e-12)
        else:  # JAX's own gradient is NaN in the tails (truncnorm), fails, or is less precise
            np.testing.assert_allclose(g, _central(lambda v: ours_fn(*args[:i], v, *args[i + 1:]), a),
                                       rtol=1e-5, atol=1e-8)


def test_hessians_match_jax():
    x = np.array([-0.7, 0.4, 1.9])
    for dist in ("gumbel_r", "gumbel_l"):
        h = tg.hessian(lambda v: tg.sum(getattr(st, dist).logcdf(v, 0.3, 1.7)))(x)
        want = jax.jit(jax.hessian(lambda v: jnp.sum(getattr(jst, dist).logcdf(v, 0.3, 1.7))))(x)
        np.testing.assert_allclose(h, want, rtol=1e-9, atol=1e-12)
    h = tg.hessian(lambda k: tg.sum(st.vonmises.logpdf(x, k)))(np.array(2.5))
    want = jax.jit(jax.hessian(lambda k: jnp.sum(jst.vonmises.logpdf(x, k))))(2.5)
    np.testing.assert_allclose(h, want, rtol=1e-9)


def test_outside_the_support_gradients_are_zero_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f, x in [(lambda v: st.pareto.logpdf(v, 2.0), np.array([0.5, -INF])),
                     (lambda v: st.truncnorm.logpdf(v, -1.0, 1.0), np.array([-3.0, 5.0])),
                     (lambda v: st.truncnorm.logsf(v, -INF, 1.0), np.array([5.0, INF])),
                     (lambda v: st.wrapcauchy.logpdf(v, 0.3), np.array([-1.0, 7.0])),
                     (lambda v: st.gumbel_r.logpdf(v), np.array([-INF, INF])),
                     (lambda v: st.gumbel_l.logpdf(v), np.array([-INF, INF]))]:
            assert np.all(np.asarray(f(x)) == -INF)
            np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(f(v)))(x), 0.0)


def test_jit_and_vmap():
    x = np.array([[0.2, 1.4, 3.0], [0.9, 2.2, 5.0]])
    f = tg.jit(lambda v, b: st.pareto.logcdf(v, b, 0.0, 0.5) + st.truncnorm.logpdf(v, 0.0, 4.0))
    for v in (x, x + 0.3):
        np.testing.assert_allclose(f(v, 1.5), st.pareto.logcdf(v, 1.5, 0.0, 0.5)
                                   + st.truncnorm.logpdf(v, 0.0, 4.0), rtol=1e-12)
    got = tg.vmap(lambda v: st.gumbel_r.logpdf(v, 0.3, 1.2))(x)
    np.testing.assert_allclose(got, sst.gumbel_r.logpdf(x, 0.3, 1.2), rtol=1e-12)


# ---- distribution functions from the incomplete gamma and beta functions; t for large df ------
TAILS = ["cdf", "sf", "logcdf", "logsf"]
XG = np.array([-INF, -1.0, 0.0, 1e-300, 1e-20, 1e-5, 0.5, 1.0, 3.0, 30.0, 60.0, 800.0, INF, NAN])[:, None]
XB = np.array([-INF, -0.1, 0.0, 1e-300, 1e-20, 1e-5, 0.2, 0.5, 0.9, 1 - 1e-10, 1 - 2**-53, 1.0,
               1.1, INF, NAN])[:, None]
SHAPES_AB = (np.array([[0.5, 1.0, 2.0, 2.0, 1.0, 0.5, 0.0, -1.0, 2.0, 30.0, 0.01, 1.0, 0.05]]),
             np.array([[0.5, 1.0, 3.0, 1.0, 3.0, 2.5, 1.0, 1.0, NAN, 40.0, 100.0, 1e4, 0.2]]))


@pytest.mark.parametrize("fn", TAILS)
def test_gamma_and_chi2_distribution_functions(fn):
    a = np.array([[0.05, 0.5, 1.0, 2.0, 20.0, 300.0, INF, 0.0, -1.0, NAN]])  # inf: cdf 0 (SciPy)
    for dist in ("gamma", "chi2"):
        _same(getattr(getattr(st, dist), fn)(XG, a, 0.3, 2.0), _scipy(dist, fn, XG, a, 0.3, 2.0),
              rtol=1e-12)
        scales = np.array([[1.5, 0.0, -1.0, NAN]])
        _same(getattr(getattr(st, dist), fn)(XG, 2.5, -0.5, scales),
              _scipy(dist, fn, XG, 2.5, -0.5, scales), rtol=1e-12)


@pytest.mark.parametrize("fn", TAILS)
def test_beta_distribution_functions(fn):
    ours = getattr(st.beta, fn)(XB, *SHAPES_AB)
    ref = _scipy("beta", fn, XB, *SHAPES_AB)
    if fn == "sf":  # SciPy's betaincc(0.5, 0.5, 1e-20) is 1.0; it is 1 − (2/π)·1e−10
        assert abs(ours[4, 0] - (1 - 2e-10 / np.pi)) < 1e-16
        ref[4, 0] = ours[4, 0]
    _same(ours, ref, rtol=1e-12)
    _same(getattr(st.beta, fn)(XG, 2.5, 1.5, -0.5, 3.0), _scipy("beta", fn, XG, 2.5, 1.5, -0.5, 3.0),
          rtol=1e-12)


def test_log_distribution_functions_keep_their_precision_in_the_tails():
    # log1p(−sf) where the cdf rounds to 1, log(cdf) where it is tiny; −inf once it underflows
    for args in [("gamma", "logcdf", 50.0, 2.0), ("gamma", "logsf", 1e-30, 2.0),
                 ("gamma", "logcdf", 1e-200, 2.0), ("gamma", "logsf", 1000.0, 2.0),
                 ("chi2", "logcdf", 150.0, 3.0), ("chi2", "logsf", 1e-40, 3.0),
                 ("beta", "logcdf", 1 - 1e-6, 2.0, 3.0), ("beta", "logsf", 1e-9, 2.0, 3.0),
                 ("beta", "logcdf", 1e-200, 2.0, 3.0), ("beta", "logsf", 1 - 1e-17, 2.0, 3.0)]:
        ours = getattr(getattr(st, args[0]), args[1])(*args[2:])
        _same(ours, _scipy(*args), rtol=1e-12)
    assert st.gamma.logcdf(50.0, 2.0) == pytest.approx(-51 * np.exp(-50.0), rel=1e-13)
    assert jst.gamma.logcdf(50.0, 2.0) == 0.0  # JAX's log(cdf)


def test_gennorm_and_poisson_cdf_values():
    x = np.array([-INF, -1e300, -30.0, -2.0, -1.0, -1e-10, -1e-300, 0.0, 1e-300, 1e-10, 0.5,
                  2.0, 30.0, 1e300, INF, NAN])[:, None]
    beta = np.array([[0.3, 1.0, 1.5, 2.0, 8.0, 0.0, -1.0, NAN]])
    _same(st.gennorm.cdf(x, beta), _scipy("gennorm", "cdf", x, beta), rtol=1e-12)
    k = np.array([-INF, -1.0, 0.0, 0.5, 1.0, 2.5, 3.0, 10.0, 100.0, INF, NAN])[:, None]
    mu = np.array([[0.0, 0.5, 3.0, 20.0, 1000.0, INF, -1.0, NAN]])
    _same(st.poisson.cdf(k, mu), _scipy("poisson", "cdf", k, mu), rtol=1e-12)
    loc = np.array([[0.5, -1.0, 2.0, -3.0]])
    _same(st.poisson.cdf(k, 2.0, loc), _scipy("poisson", "cdf", k, 2.0, loc), rtol=1e-12)


def test_t_logpdf_for_large_df():
    x = np.array([-INF, -1e10, -3.0, -1.0, -1e-200, 0.0, 0.1, 1.0, 2.0, 50.0, 1e30, INF, NAN])[:, None]
    df = np.array([[0.1, 0.5, 1.0, 3.0, 19.9, 20.0, 20.1, 100.0, 1e3, 1e6, 1e12, 1e20, 1e100, 1e300,
                    INF, 0.0, -1.0, NAN]])
    for fn in ("logpdf", "pdf"):
        _same(getattr(st.t, fn)(x, df, 0.5, 2.5), _scipy("t", fn, x, df, 0.5, 2.5), rtol=1e-12)
    assert st.t.logpdf(1.0, 1e12) == pytest.approx(-0.5 * np.log(2 * np.pi) - 0.5, rel=1e-14)
    assert st.t.logpdf(0.0, 1e20) == -0.5 * np.log(2 * np.pi)
    # SciPy's z² overflows to −inf here; df = 1 is the Cauchy distribution
    _same(st.t.logpdf([1e200, -1e300], 1.0), st.cauchy.logpdf([1e200, -1e300]), rtol=1e-14)


TAIL_GRADS = [  # dist, fns, args, argnums (beta: not in a or b, as JAX)
    ("gamma", TAILS, (L + S * np.array([0.2, 0.9, 2.5, 6.0, 14.0]), np.array([0.6, 1.0, 2.5, 3.0, 7.0]),
                      L, S), (0, 1, 2, 3)),
    ("chi2", TAILS, (L + S * np.array([0.5, 1.9, 2.5, 6.0, 24.0]), np.array([0.7, 2.0, 3.5, 5.0, 9.0]),
                     L, S), (0, 1, 2, 3)),
    ("beta", TAILS, (L + S * np.array([0.05, 0.3, 0.5, 0.8, 0.97]), np.array([0.6, 1.0, 2.5, 3.0, 7.0]),
                     np.array([2.0, 0.7, 1.5, 4.0, 1.0]), L, S), (0, 3, 4)),
    ("gennorm", ["cdf"], (np.array([-2.5, -0.4, 0.3, 1.2, 3.0]), np.array([0.7, 1.0, 1.6, 2.0, 4.0])),
     (0, 1)),
    ("poisson", ["cdf"], (np.array([0.0, 1.0, 3.0, 4.5, 9.0]), np.array([0.4, 2.0, 3.0, 5.5, 4.0])), (1,)),
    ("t", ["logpdf", "pdf"], (np.array([-3.0, -0.5, 0.4, 1.7, 6.0]), np.array([0.7, 3.0, 19.0, 25.0, 150.0]),
                              L, S), (0, 1, 2, 3)),
]


@pytest.mark.parametrize("dist, fns, args, argnums", TAIL_GRADS, ids=[c[0] for c in TAIL_GRADS])
def test_distribution_function_gradients_match_jax(dist, fns, args, argnums):
    for fn in fns:
        ours = tg.grad(lambda *a: tg.sum(getattr(getattr(st, dist), fn)(*a)), argnums)(*args)
        want = jax.jit(jax.grad(lambda *a: jnp.sum(getattr(getattr(jst, dist), fn)(*a)), argnums))(*args)
        for k, g, w in zip(argnums, ours, want):
            # JAX's own gradient in t's df loses ~1e−11 to the cancelling digamma terms
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-14, err_msg=f"{dist}.{fn} arg {k}")


def test_large_df_and_edge_gradients():
    # d/d df of t.logpdf → −(z⁴ − 2z² − 1)/(4 df²); JAX's is NaN or garbage at these df
    z = np.array([0.0, 1.0, 3.0])
    for df in (1e8, 1e12, 1e100):
        g = tg.grad(lambda d: tg.sum(st.t.logpdf(0.5 + 2.0 * z, d, 0.5, 2.0)))(df)
        assert g == pytest.approx(np.sum(-(z**4 - 2 * z**2 - 1) / (4 * df * df)), rel=1e-9)
    args = (np.array([-1.2, 0.3, 2.0]), np.array(4e3), L, S)
    for i in range(4):
        g = tg.grad(lambda v, i=i: tg.sum(st.t.logpdf(*args[:i], v, *args[i + 1:])))(args[i])
        want = _central(lambda v, i=i: st.t.logpdf(*args[:i], v, *args[i + 1:]), args[i], 1e-4)
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-12)
    big = tg.grad(st.t.logpdf, (0, 2, 3))(1.3, 1e20, 0.2, 1.7)
    for g, w in zip(big, tg.grad(st.norm.logpdf, (0, 1, 2))(1.3, 0.2, 1.7)):
        assert g == pytest.approx(w, rel=1e-14)
    # gennorm.cdf at 0: the density there (JAX: NaN); elsewhere central differences in beta
    for b in (0.5, 1.0, 2.0):
        assert tg.grad(st.gennorm.cdf)(0.0, b) == pytest.approx(st.gennorm.pdf(0.0, b), rel=1e-14)
    b = np.array([0.5, 1.3, 3.0])
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(st.gennorm.cdf(0.8, v)))(b),
                               _central(lambda v: st.gennorm.cdf(0.8, v), b), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="betainc"):
        tg.grad(lambda a: st.beta.cdf(0.3, a, 2.0))(1.5)
    # at the ends of the support, ±inf and under infinite slopes: finite, no warning
    x = np.array([-INF, -1.0, 0.0, 1e-300, 0.5, 1.0, 2.0, 1e3, INF])
    fns = [lambda x, s, a, c, f=f: getattr(st.gamma, f)(x, a, 0.0, s) + getattr(st.chi2, f)(x, a, 0.0, s)
           + getattr(st.beta, f)(x, c, 1.0 / c, 0.0, s) for f in TAILS]  # beta: not in a, b
    fns += [lambda x, s, a, c: st.gennorm.cdf(x - s, a) + st.poisson.cdf(x, a, s - 1.0),
            lambda x, s, a, c: st.t.logpdf(x, a, 0.0, s) + st.t.logpdf(x, 1e20 * c, 0.0, s)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in fns:
            for c in (0.5, 1.0, 2.5):  # c: a constant copy of the shape a
                g = tg.grad(lambda x, s, a, c=c: tg.sum(tg.where(tg.isfinite(f(x, s, a, c)), f(x, s, a, c), 0.0)),
                            (0, 1, 2))(x, np.ones(9), np.full(9, c))
                assert all(np.all(np.isfinite(gi)) for gi in g)
                assert np.all(g[1][[0, -1]] == 0.0)
                assert f in fns[4:] or np.all(g[0][:2] == 0.0)  # below the support


def test_distribution_functions_jit_and_float32():
    def suite(x, a):
        return (st.gamma.logcdf(x, a, 0.0, 1.5) + st.chi2.sf(x, a) + st.beta.logsf(x / 10.0, 2.0, 0.7)
                + st.gennorm.cdf(x - 1.0, a) + st.poisson.cdf(x, a) + st.t.logpdf(x, a * 1e15))
    f = tg.jit(suite)
    for x, a in ((np.array([-1.0, 0.0, 0.5, 3.0, 12.0]), 2.5), (np.array([2.0, 0.3, -4.0, 9.0, 0.0]), 0.7)):
        _same(f(x, a), suite(x, a), rtol=1e-14)
    g = tg.jit(tg.grad(lambda x, a: tg.sum(suite(x, a)), (0, 1)))
    x = np.array([0.5, 3.0, 7.0])
    for ours, eager in zip(g(x, 2.5), tg.grad(lambda x, a: tg.sum(suite(x, a)), (0, 1))(x, 2.5)):
        np.testing.assert_allclose(ours, eager, rtol=1e-14)
    x32 = np.float32([-1.0, 0.0, 0.5, 3.0, 1e30, INF])
    assert suite(x32, np.float32(2.5)).dtype == np.float32
    assert st.t.logpdf(x32, np.float32(1e30)).dtype == np.float32


def test_expon_ppf_at_one_still_moves_with_loc_and_scale():
    g_loc = tg.grad(lambda v: tg.sum(st.expon.ppf(np.array([0.5, 1.0]), v, 2.0)))(np.array([0.7, 0.7]))
    np.testing.assert_array_equal(g_loc, [1.0, 1.0])  # (was 0 at q = 1)
    g_scale = tg.grad(lambda v: tg.sum(st.expon.ppf(np.array([0.5, 1.0]), 0.7, v)))(np.array([2.0, 2.0]))
    assert g_scale[0] == pytest.approx(np.log(2.0)) and g_scale[1] == np.inf


def test_extreme_parameters_keep_their_digits():
    ts = tg.scipy.stats
    assert np.isclose(ts.binom.pmf(1, 1e15, 1e-16), np.exp(-0.1) * 0.1, rtol=1e-12)
    # (SciPy's own value is off in the 7th digit here; this is the exact one)
    exact = -5.787491748282045757954668219527461077507
    assert np.isclose(ts.binom.logpmf(5, 1e9, 1e-9), exact, rtol=1e-12)
    assert np.isclose(ts.beta.sf(1e-300, 1e-8, 0.5), sst.beta.sf(1e-300, 1e-8, 0.5), rtol=1e-8)
    # wrapcauchy near c = 1: (1 − c)² + 4c·sin²(x/2) instead of a cancelling log1p
    c = 1 - 1e-8
    want = np.log((1 - c * c) / (2 * np.pi)) - np.log((1 - c) ** 2)
    assert np.isclose(ts.wrapcauchy.logpdf(0.0, c), want, rtol=1e-10)
    # the a-slope of the regularized incomplete gamma for a large shape (series past 5000 terms)
    g = tg.grad(lambda df: ts.chi2.cdf(1e9, df))(1e9)
    h = 1e3
    fd = (sst.chi2.cdf(1e9, 1e9 + h) - sst.chi2.cdf(1e9, 1e9 - h)) / (2 * h)
    assert np.isclose(g, fd, rtol=1e-4)


@pytest.mark.parametrize("df", [0.7, 1.0, 3.0, 30.0, 1e6, np.inf])
@pytest.mark.parametrize("fn", ["cdf", "sf", "logcdf", "logsf"])
def test_student_t_tails_match_scipy_far_out_and_near_the_median(fn, df):
    # (HIPS autograd's and SciPy's t.cdf; JAX's t has only pdf and logpdf)
    x = np.array([-50.0, -3.0, -2.1, -0.5, 0.0, 0.1, 0.5, 2.0, 7.0, 1e3, np.inf, -np.inf])
    got, want = getattr(st.t, fn)(x, df, 0.3, 1.7), getattr(sst.t, fn)(x, df, 0.3, 1.7)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=0)
    if fn == "cdf" and np.isfinite(df):  # its derivative in x is the density
        g = tg.grad(lambda v: tg.sum(st.t.cdf(v, df, 0.3, 1.7)))(x[:10])
        np.testing.assert_allclose(g, sst.t.pdf(x[:10], df, 0.3, 1.7), rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("shape, kw", [((0,), {}), ((0, 3), {"axis": 0}), ((3, 0), {"axis": 1}),
                                       ((0,), {"method": "min"}), ((2, 0), {})])
def test_rankdata_of_an_empty_slice(shape, kw):
    # an internal reshape error before ("cannot reshape array of size 0")
    got, want = tg.scipy.stats.rankdata(np.zeros(shape), **kw), sst.rankdata(np.zeros(shape), **kw)
    assert got.shape == want.shape and got.dtype == want.dtype
