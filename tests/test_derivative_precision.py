"""Derivative rules keep their digits far from the origin and stay quiet where the result is
finite (the exact values are closed forms; JAX loses some of these digits itself)."""
import warnings
from fractions import Fraction

import numpy as np
import pytest
import scipy.special

import tensorgrad as tg


def _second(f, x):
    return float(tg.grad(tg.grad(f))(np.float64(x)))


@pytest.mark.parametrize("x", [1e4, 1e6, 1e8, -1e8, 0.3])
def test_hypot_second_derivative_has_no_cancellation(x):
    y = -1.5401
    exact = y * y / np.hypot(x, y) ** 3  # ∂²/∂x² hypot(x, y) = y²/r³
    np.testing.assert_allclose(_second(lambda t: tg.hypot(t, y), x), exact, rtol=1e-13)
    np.testing.assert_allclose(_second(lambda t: tg.hypot(y, t), x), exact, rtol=1e-13)
    # the mixed derivative −xy/r³ and the first derivatives x/r, y/r
    h = tg.hessian(tg.hypot, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(float(h[0][1]), -x * y / np.hypot(x, y) ** 3, rtol=1e-13)
    g = tg.grad(tg.hypot, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(g, [x / np.hypot(x, y), y / np.hypot(x, y)], rtol=1e-15)


@pytest.mark.parametrize("x", [0.5, 20.0, 30.0, 37.0, 300.0])
def test_sigmoid_slope_and_softplus_curvature_far_out(x):
    exact = scipy.special.expit(x) * scipy.special.expit(-x)  # σ′ = σ(x)σ(−x), nonzero
    for got in (float(tg.grad(tg.nn.sigmoid)(x)), _second(tg.nn.softplus, x),
                -_second(tg.nn.log_sigmoid, -x), float(tg.grad(tg.nn.sigmoid)(-x))):
        np.testing.assert_allclose(got, exact, rtol=1e-14)


@pytest.mark.parametrize("f, slope_at_big", [
    (lambda x: tg.nn.gelu(x, approximate=False), 1.0),
    (tg.scipy.special.log_ndtr, 0.0),
])
def test_huge_inputs_give_their_slopes_without_overflow_warnings(f, slope_at_big):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in (1e155, 1e200, 1e300):
            assert float(tg.grad(f)(x)) == slope_at_big
            assert float(tg.grad(tg.grad(f))(x)) == 0.0


def test_logsumexp_second_derivatives_are_nan_on_a_nan_row():
    # the first derivative of a NaN row is NaN; so are the second ones (they were 0), as JAX's
    x = np.array([1.0, np.nan, 0.5])
    for f in (tg.nn.logsumexp, tg.scipy.special.logsumexp, lambda z: np.logaddexp.reduce(z),
              lambda z: tg.nn.logsumexp(z, b=np.array([1.0, 2.0, 3.0]))):
        assert np.isnan(tg.grad(f)(x)).all()
        assert np.isnan(tg.hessian(f)(x)).all()
        assert np.isnan(tg.jit(tg.hessian(f))(x)).all()
    # other rows keep their values; an all −inf row keeps its documented 0
    y = np.array([[-np.inf, -np.inf], [1.0, 2.0], [np.nan, 0.0]])
    h = tg.hessian(lambda z: tg.sum(tg.nn.logsumexp(z, axis=1)))(y)
    p = np.exp([1.0, 2.0]) / np.exp([1.0, 2.0]).sum()
    np.testing.assert_allclose(h[1, :, 1, :], np.diag(p) - np.outer(p, p), rtol=1e-14)
    assert (h[0, :, 0, :] == 0).all() and np.isnan(h[2, :, 2, :]).all()


def test_var_gradient_is_exact_when_the_mean_dwarfs_the_spread():
    x = 5.0 + 1e-12 * np.array([0.3, -1.2, 0.7, 2.1, -0.4, 0.9, -1.6, 0.1])
    fx = [Fraction(v) for v in x]
    m = sum(fx) / len(fx)
    for ddof in (0, 1):
        exact = np.array([float(2 * (v - m) / (len(fx) - ddof)) for v in fx])
        np.testing.assert_allclose(tg.grad(lambda z: tg.var(z, ddof=ddof))(x), exact, rtol=1e-13)
    x32 = np.float32(1e4) + np.array([0.3, -1.2, 0.7, 2.1, -0.4, 0.9, -1.6, 0.1], np.float32)
    f32 = [Fraction(float(v)) for v in x32]
    m32 = sum(f32) / len(f32)
    np.testing.assert_allclose(tg.grad(tg.var)(x32), [float(2 * (v - m32) / 8) for v in f32], rtol=1e-6)


@pytest.mark.parametrize("dtype, big", [(np.float32, 1e20), (np.float64, 1e200)])
def test_huber_and_smooth_l1_of_huge_errors_are_quiet(dtype, big):
    F = tg.nn.functional
    d = np.array([big, 0.3], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for loss, want in ((F.huber_loss, [big - 0.5, 0.045]), (F.smooth_l1_loss, [big - 0.5, 0.045])):
            np.testing.assert_allclose(loss(d, np.zeros(2, dtype), reduction="none"), want, rtol=1e-6)
            g = tg.grad(lambda x: loss(x, np.zeros(2, dtype), reduction="sum"))(d)
            np.testing.assert_allclose(g, [1.0, 0.3], rtol=1e-6)
            h = tg.hessian(lambda x: loss(x, np.zeros(2, dtype), reduction="sum"))(d)
            np.testing.assert_allclose(h, [[0.0, 0.0], [0.0, 1.0]], atol=1e-6)


def test_second_derivatives_of_log_tails_where_the_tail_is_tiny():
    # d(1/u) was computed as (−(1/u)/u)·du: for a tail u = 1e-161 that overflows to −inf,
    # though the second derivative of log u is of order one. References: mpmath at 30 digits
    def d2(f, x):
        return float(tg.grad(lambda u: tg.sum(tg.grad(lambda v: tg.sum(f(v)))(u)))(np.array([x]))[0])
    st = tg.scipy.stats
    np.testing.assert_allclose(d2(lambda v: st.gamma.logsf(v, 7.0), 400.0), -3.730967370564437e-05, rtol=1e-8)
    np.testing.assert_allclose(d2(lambda v: st.gamma.logcdf(v, 100.0), 0.7), -204.08153525250927, rtol=1e-10)
    assert abs(d2(lambda v: st.gamma.logsf(v, 1.0), 400.0)) < 1e-12  # log sf = −x exactly
