"""The second set of tg.scipy.stats distributions (Gumbel, Pareto, von Mises, wrapped Cauchy,
truncated normal, generalized normal, negative binomial, beta-binomial, multinomial,
Dirichlet) and ``sem``/``rankdata``: values against scipy.stats (also outside the support and
at invalid parameters), gradients against jax.scipy.stats, or against central differences
where JAX's own gradient is NaN or fails; no NumPy warning anywhere."""
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
                               jax.grad(lambda v: jnp.sum(jst.sem(v)))(a), rtol=1e-10)
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
      for f in FNS for a, b in [(-1.0, 2.0), (-8.0, -6.0), (5.0, 9.0)]],
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
    for i, a in enumerate(args):
        if discrete and i in (0, 1):  # the count, and n (tied to the counts for multinomial)
            continue

        def ours(v, i=i):
            return tg.sum(ours_fn(*args[:i], v, *args[i + 1:]))

        g = tg.grad(ours)(a)
        assert g.shape == a.shape and np.all(np.isfinite(g))
        try:
            want = np.asarray(jax.grad(lambda v, i=i: jnp.sum(jax_fn(*args[:i], v, *args[i + 1:])))(a))
        except (TypeError, ValueError):  # JAX cannot differentiate it (gumbel's scale, ppf's q)
            want = None
        if want is not None and np.all(np.isfinite(want)) and dist != "betabinom":
            np.testing.assert_allclose(g, want, rtol=1e-8, atol=1e-12)
        else:  # JAX's own gradient is NaN in the tails (truncnorm), fails, or is less precise
            np.testing.assert_allclose(g, _central(lambda v: ours_fn(*args[:i], v, *args[i + 1:]), a),
                                       rtol=1e-5, atol=1e-8)


def test_hessians_match_jax():
    x = np.array([-0.7, 0.4, 1.9])
    for dist in ("gumbel_r", "gumbel_l"):
        h = tg.hessian(lambda v: tg.sum(getattr(st, dist).logcdf(v, 0.3, 1.7)))(x)
        want = jax.hessian(lambda v: jnp.sum(getattr(jst, dist).logcdf(v, 0.3, 1.7)))(x)
        np.testing.assert_allclose(h, want, rtol=1e-9, atol=1e-12)
    h = tg.hessian(lambda k: tg.sum(st.vonmises.logpdf(x, k)))(np.array(2.5))
    want = jax.hessian(lambda k: jnp.sum(jst.vonmises.logpdf(x, k)))(2.5)
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
