"""tg.scipy against jax.scipy: second derivatives where the first is infinite (NaN), gaussian_kde.resample
and the point argument's names, and JAX's keywords (eigh turbo/eigvals, solve debug, precision=,
log_ndtr series_order, kl_div/rel_entr/ndtri p, q, sem nan_policy='omit')."""
import warnings

import jax
import jax.numpy as jnp
import jax.scipy as js
import mpmath
import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as ss

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
S = tg.scipy.special


def _strict():
    return np.errstate(divide="raise", invalid="raise")


# ---- second derivatives at the points where the first is infinite ------------------------------
# (name, f, point): the first derivative is ±inf there, and the second is NaN by every route (its
# slope has no finite value; JAX gives ±inf or NaN), never a silent number
STEEP = [
    ("entr", S.entr, 0.0), ("rel_entr", lambda a: S.rel_entr(a, 0.5), 0.0),
    ("kl_div", lambda a: S.kl_div(a, 0.5), 0.0), ("ndtri0", S.ndtri, 0.0), ("ndtri1", S.ndtri, 1.0),
    ("exp1", S.exp1, 0.0), ("expi+", S.expi, 0.0), ("expi-", S.expi, -0.0), ("gamma+", S.gamma, 0.0),
    ("gamma-", S.gamma, -0.0), ("loggamma", S.loggamma, 0.0),
]


@pytest.mark.parametrize("case", STEEP, ids=[c[0] for c in STEEP])
def test_second_derivative_at_an_infinite_slope_is_nan(case):
    _, f, x0 = case
    x = np.float64(x0)
    with _strict():
        assert np.isinf(tg.grad(f)(x)) and np.isinf(tg.jvp(f, (x,), (1.0,))[1])
        got = [tg.grad(tg.grad(f))(x), tg.hessian(f)(x), tg.jacfwd(tg.jacrev(f))(x),
               tg.jacrev(tg.jacfwd(f))(x), tg.jacfwd(tg.jacfwd(f))(x)]
    assert all(np.isnan(float(g)) for g in got), got


def test_zero_cotangent_keeps_the_other_entries_at_the_steep_points():
    x = np.array([0.0, 0.3, 0.0])
    with _strict():
        for jac in (tg.jacrev(tg.jacrev(S.entr)), tg.jacfwd(tg.jacrev(S.entr)), tg.jacrev(tg.jacfwd(S.entr))):
            h = np.asarray(jac(x))
            want = np.zeros((3, 3, 3))
            want[0, 0, 0] = want[2, 2, 2] = np.nan
            want[1, 1, 1] = -1 / 0.3
            np.testing.assert_allclose(h, want, rtol=1e-14)
        hv = tg.vmap(tg.grad(tg.grad(S.entr)))(x)
    np.testing.assert_allclose(hv, [np.nan, -1 / 0.3, np.nan], rtol=1e-14)


def test_imperative_second_derivative():
    t = tg.tensor(np.array([0.0, 0.5]), requires_grad=True)
    (g,) = tg.autograd.grad(tg.sum(S.entr(t)), t, create_graph=True)
    tg.sum(g).backward()
    np.testing.assert_allclose(np.asarray(t.grad), [np.nan, -2.0])


@pytest.mark.parametrize("name,args", [("entr", (0.7,)), ("rel_entr", (0.3, 0.6)), ("kl_div", (0.3, 0.6)),
                                        ("ndtri", (0.2,)), ("expi", (0.8,)), ("gamma", (1.7,)),
                                        ("loggamma", (2.3,))])
def test_derivatives_off_the_steep_points_match_jax(name, args):
    f, jf = getattr(S, name), getattr(js.special, name)
    for i in range(len(args)):
        def part(v, f=f):
            return f(*args[:i], v, *args[i + 1:])

        def jpart(v, f=jf):
            return f(*args[:i], v, *args[i + 1:])
        assert float(tg.grad(part)(args[i])) == pytest.approx(float(jax.grad(jpart)(args[i])), rel=1e-12)
        assert float(tg.grad(tg.grad(part))(args[i])) == pytest.approx(
            float(jax.grad(jax.grad(jpart))(args[i])), rel=1e-10)


def test_exp1_derivatives_off_zero():
    x = 0.6
    assert float(tg.grad(S.exp1)(x)) == pytest.approx(float(mpmath.diff(mpmath.e1, x)), rel=1e-12)
    assert float(tg.grad(tg.grad(S.exp1))(x)) == pytest.approx(float(mpmath.diff(mpmath.e1, x, 2)), rel=1e-10)


# ---- gaussian_kde ------------------------------------------------------------------------------
_RNG = np.random.default_rng(0)
_DATA, _W = _RNG.normal(size=(2, 30)), _RNG.uniform(0.2, 1.0, size=30)


def test_kde_resample_shape_and_key():
    k, jk = tg.scipy.stats.gaussian_kde(_DATA, weights=_W), js.stats.gaussian_kde(_DATA, weights=_W)
    key = tg.random.PRNGKey(0)
    for shape in [(), (5,)]:
        assert np.shape(k.resample(key, shape)) == np.shape(jk.resample(jax.random.PRNGKey(0), shape))
    assert np.shape(k.resample(key, (3, 4))) == (2, 3, 4)
    assert np.shape(tg.scipy.stats.gaussian_kde(_DATA[0]).resample(key, (7,))) == (1, 7)
    np.testing.assert_array_equal(k.resample(key, (4,)), k.resample(key, (4,)))
    assert not np.array_equal(k.resample(key, (4,)), k.resample(tg.random.PRNGKey(1), (4,)))


def test_kde_resample_draws_from_the_mixture():
    k = tg.scipy.stats.gaussian_kde(_DATA, weights=_W)
    r = np.asarray(k.resample(tg.random.PRNGKey(3), (40000,)))
    w = _W / _W.sum()
    mean = _DATA @ w
    dev = _DATA - mean[:, None]
    cov = (dev * w) @ dev.T + np.asarray(k.covariance)  # the mixture's covariance
    np.testing.assert_allclose(r.mean(axis=1), mean, atol=0.03)
    np.testing.assert_allclose(np.cov(r), cov, atol=0.05)


def test_kde_resample_differentiates_in_the_dataset():
    key = tg.random.PRNGKey(2)

    def f(d):
        return tg.sum(tg.scipy.stats.gaussian_kde(d, weights=_W).resample(key, (6,)) ** 2)
    g = tg.grad(f)(_DATA)
    fd = tg.testing.central_difference_gradient(lambda d: float(f(d)), _DATA)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-7)


def test_kde_point_argument_names():
    k = tg.scipy.stats.gaussian_kde(_DATA, weights=_W)
    jk, sk = js.stats.gaussian_kde(_DATA, weights=_W), ss.gaussian_kde(_DATA, weights=_W)
    pts = _RNG.normal(size=(2, 4))
    np.testing.assert_allclose(k.logpdf(x=pts), jk.logpdf(x=pts), rtol=1e-12)
    np.testing.assert_allclose(k.logpdf(points=pts), sk.logpdf(x=pts), rtol=1e-12)
    np.testing.assert_allclose(k.pdf(x=pts), jk.pdf(x=pts), rtol=1e-12)
    np.testing.assert_allclose(k.evaluate(points=pts), sk.evaluate(points=pts), rtol=1e-12)
    np.testing.assert_allclose(k(pts), sk(pts), rtol=1e-12)
    with pytest.raises(TypeError, match="logpdf"):
        k.logpdf(pts, points=pts)
    with pytest.raises(TypeError, match="pdf"):
        k.pdf()


# ---- JAX's keywords ----------------------------------------------------------------------------
_A = np.array([[2.0, 0.5], [0.5, 1.0]])


def test_linalg_keywords():
    np.testing.assert_allclose(tg.scipy.linalg.eigh(_A, turbo=True, eigvals=None, type=1, eigvals_only=True),
                               js.linalg.eigh(_A, turbo=True, eigvals=None, eigvals_only=True), rtol=1e-14)
    with pytest.raises(NotImplementedError, match="eigvals"):
        tg.scipy.linalg.eigh(_A, eigvals=(0, 1))
    b = np.array([1.0, -2.0])
    np.testing.assert_allclose(tg.scipy.linalg.solve(_A, b, debug=False), js.linalg.solve(_A, b, debug=False),
                               rtol=1e-14)


@pytest.mark.parametrize("name", ["convolve", "correlate", "convolve2d", "correlate2d"])
def test_signal_precision(name):
    a, v = (_A, _A[::-1]) if name.endswith("2d") else (np.array([0.5, -1.0, 2.0]), np.array([1.0, 3.0]))
    np.testing.assert_allclose(getattr(tg.scipy.signal, name)(a, v, precision=None),
                               getattr(js.signal, name)(a, v, precision=None), rtol=1e-14)


@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_numpy_convolve_precision(name):
    a, v = np.array([0.5, -1.0, 2.0, 4.0]), np.array([1.0, 3.0])
    np.testing.assert_allclose(getattr(tg, name)(a, v, "same", precision=None),
                               getattr(jnp, name)(a, v, "same", precision=None), rtol=1e-14)


def test_log_ndtr_series_order():
    x = np.array([-40.0, -3.0, 0.5, 10.0])
    for order in (0, 3, 30):
        np.testing.assert_allclose(S.log_ndtr(x, series_order=order), sp.log_ndtr(x), rtol=1e-15)
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(S.log_ndtr(v, 5)))(x),
                               jax.grad(lambda v: jnp.sum(js.special.log_ndtr(v, 5)))(x), rtol=1e-10)
    for bad, err in [(-1, ValueError), (31, ValueError), (2.0, TypeError)]:
        with pytest.raises(err):
            js.special.log_ndtr(x, series_order=bad)
        with pytest.raises(err, match="log_ndtr"):
            S.log_ndtr(x, series_order=bad)


@pytest.mark.parametrize("name", ["kl_div", "rel_entr"])
def test_p_q_names(name):
    f, p, q = getattr(S, name), np.array([0.2, 0.3, 0.0]), np.array([0.4, 0.1, 0.5])
    want = getattr(sp, name)(p, q)
    np.testing.assert_allclose(getattr(js.special, name)(p=p, q=q), want, rtol=1e-14)
    for got in (f(p, q), f(p=p, q=q), f(x=p, y=q), f(p, q=q), f(x=p, q=q)):
        np.testing.assert_allclose(got, want, rtol=1e-14)
    np.testing.assert_allclose(tg.grad(lambda b: tg.sum(f(p=p, q=b)))(q),
                               jax.grad(lambda b: jnp.sum(getattr(js.special, name)(p=p, q=b)))(q), rtol=1e-12)
    for bad in (dict(x=p, p=p, q=q), dict(p=p)):
        with pytest.raises(TypeError, match=name):
            f(**bad)


def test_ndtri_p_name():
    p = np.array([0.2, 0.7])
    for got in (S.ndtri(p=p), S.ndtri(x=p), S.ndtri(p)):
        np.testing.assert_allclose(got, js.special.ndtri(p=p), rtol=1e-14)
    with pytest.raises(TypeError, match="ndtri"):
        S.ndtri(p, p=p)


def test_sem_nan_policy_omit():
    a = _RNG.normal(size=(4, 5))
    a[0, 1] = a[2, 3] = a[2, 4] = a[3, 0] = np.nan
    a[:3, 2] = np.nan  # one value left in that column: NaN (ddof = 1)
    for axis in (0, 1, None, -1):
        for keepdims in (False, True):
            got = np.asarray(tg.scipy.stats.sem(a, axis=axis, nan_policy="omit", keepdims=keepdims))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                want = np.asarray(ss.sem(a, axis=axis, nan_policy="omit", keepdims=keepdims))
            jx = np.asarray(js.stats.sem(a, axis=axis, nan_policy="omit", keepdims=keepdims))
            assert got.shape == want.shape == jx.shape
            np.testing.assert_allclose(got, want, rtol=1e-13)
            np.testing.assert_allclose(got, jx, rtol=1e-13)
    g = tg.grad(lambda v: tg.sum(tg.scipy.stats.sem(v, axis=1, nan_policy="omit")))(a)
    jg = jax.grad(lambda v: jnp.sum(js.stats.sem(v, axis=1, nan_policy="omit")))(a)
    np.testing.assert_allclose(g, jg, rtol=1e-12)
    clean = np.nan_to_num(a)
    np.testing.assert_allclose(tg.scipy.stats.sem(clean, nan_policy="omit"), ss.sem(clean), rtol=1e-14)
    with pytest.raises(ValueError, match="sem"):
        tg.scipy.stats.sem(a, nan_policy="raise")
    with pytest.raises(ValueError, match="sem"):
        tg.scipy.stats.sem(a, nan_policy="skip")
