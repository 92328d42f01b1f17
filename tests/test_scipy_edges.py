"""Edges of tg.scipy found by comparing with SciPy and JAX: a mask built from a Python number,
the errors for arguments whose shapes do not broadcast, and a float32 integral."""
import numpy as np
import pytest
import scipy.integrate
import scipy.special

import tensorgrad as tg


@pytest.mark.parametrize("name", ["boxcox", "boxcox1p"])
def test_boxcox_gradient_in_lambda_with_x_a_python_number(name):
    f = getattr(tg.scipy.special, name)
    for lam in (0.0, 0.3, 1.0, -0.7):
        by_float = tg.grad(lambda m: f(2.0, m))(lam)
        by_array = tg.grad(lambda m: f(np.float64(2.0), m))(lam)
        assert np.isfinite(by_float), (name, lam)
        np.testing.assert_allclose(by_float, by_array, rtol=1e-15)
        step = 1e-6  # central differences of SciPy's function
        fd = (getattr(scipy.special, name)(2.0, lam + step)
              - getattr(scipy.special, name)(2.0, lam - step)) / (2 * step)
        np.testing.assert_allclose(by_float, fd, rtol=1e-7)
        _, t = tg.jvp(lambda m: f(2.0, m), (lam,), (1.0,))
        np.testing.assert_allclose(t, by_array, rtol=1e-15)


def test_shapes_that_do_not_broadcast_name_the_function():
    st = tg.scipy.stats
    with pytest.raises(ValueError, match=r"stats\.norm\.logpdf: the arguments' shapes \(3,\), \(2,\)"):
        st.norm.logpdf(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match=r"multivariate_normal\.logpdf"):
        st.multivariate_normal.logpdf(np.ones(3), np.ones(2), np.eye(2))
    with pytest.raises(ValueError, match=r"gamma\.(log)?pdf"):  # (one function calling another)
        st.gamma.pdf(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match=r"logsumexp: shapes a \(2, 3\), b \(2,\)"):
        tg.scipy.special.logsumexp(np.ones((2, 3)), b=np.ones(2))
    # b broadcasting a still works, as in SciPy
    a, b = np.arange(3.0), np.ones((2, 3))
    np.testing.assert_allclose(tg.scipy.special.logsumexp(a, b=b, axis=-1),
                               scipy.special.logsumexp(a, b=b, axis=-1), rtol=1e-15)


def test_simpson_keeps_float32():
    y = np.linspace(0, 1, 7, dtype=np.float32) ** 2
    got = tg.scipy.integrate.simpson(y)
    assert np.asarray(got).dtype == np.float32
    assert np.asarray(got).dtype == scipy.integrate.simpson(y).dtype
    np.testing.assert_allclose(got, scipy.integrate.simpson(y), rtol=1e-6)


def test_logsumexp_keeps_the_digits_of_a_tiny_sum():
    # log(1 + t) through log lost t's digits: logsumexp([-30, 0]) was off by 1e-3 relatively
    # and logsumexp([-40, 0]) was 0; SciPy's leaves the max's term to log1p, as now here
    for x in ([-30.0, 0.0], [-40.0, 0.0], [5.0, 5.0, -1.0], [1.0, 2.0, 3.0]):
        np.testing.assert_allclose(tg.scipy.special.logsumexp(np.array(x)),
                                   scipy.special.logsumexp(np.array(x)), rtol=1e-15)
    a = np.array([[-30.0, 0.0], [1.0, 1.0]], np.float32)
    got = tg.scipy.special.logsumexp(a, axis=1)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, scipy.special.logsumexp(a, axis=1), rtol=1e-6)


def test_riemann_zeta_derivatives_at_negative_arguments():
    # Euler–Maclaurin sums lost their digits for s < 0 (4 % off at s = -10.5, 1.5e9 for 300.6
    # at s = -20.5); the functional equation gives them. References: mpmath's diff at 30 digits
    want = {-3.0: (0.005378576357774301, -0.014257862045242974),
            -10.5: (-0.02375144392688432, -0.0033771099179824384),
            -20.5: (300.57792297065504, -305.9863981173223)}
    for s, (d1, d2) in want.items():
        g1 = tg.grad(lambda v: tg.special.zeta(v))(s)
        g2 = tg.grad(lambda u: tg.grad(lambda v: tg.special.zeta(v))(u))(s)
        np.testing.assert_allclose([g1, g2], [d1, d2], rtol=1e-12)


@pytest.mark.parametrize("b", [np.array([0.4, 0.7]), np.float64(2.0), 2.0, [0.4, 0.7],
                               np.array([1, 2]), np.array([0.4, 0.7], np.float32)])
def test_logsumexp_of_mixed_precisions_computes_in_the_common_dtype(b):
    # float32 terms with float64 weights were summed in float32, then returned as float64
    a = np.array([0.5, -0.7], np.float32)
    got, want = tg.scipy.special.logsumexp(a, b=b), scipy.special.logsumexp(a, b=b)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-13 if want.dtype == np.float64 else 1e-5)
    if np.ndim(b) == 1 and np.asarray(b).dtype == np.float64:  # the weights' gradient too
        gb = tg.grad(lambda w: tg.scipy.special.logsumexp(a, b=w))(np.asarray(b, float))
        e = np.exp(a.astype(float))
        np.testing.assert_allclose(gb, e / np.sum(np.asarray(b, float) * e), rtol=1e-13)
