"""Cases from SciPy's and JAX's special-function tests that tensorgrad got wrong: derivatives
that cancel (ψ(a) − ψ(a + b) for a ≫ b; erfcx and dawsn far out) and a derivative in a of the
incomplete gamma function that never finished for huge a."""
import time

import mpmath as mp
import numpy as np
import pytest

import tensorgrad as tg

sp = tg.scipy.special
mp.mp.dps = 40


@pytest.mark.parametrize("a,b", [(1e6, .5), (1e8, 2.5), (1e12, .5), (20., 30.), (3., 2.)])
def test_beta_family_derivatives_keep_their_digits(a, b):
    want = float(mp.digamma(a) - mp.digamma(a + b))
    assert np.isclose(tg.grad(sp.betaln)(a, b), want, rtol=1e-14, atol=0)
    assert np.isclose(tg.jit(tg.grad(sp.betaln))(np.float64(a), np.float64(b)), want, rtol=1e-14, atol=0)
    want_poch = float(mp.rf(a, b) * (mp.digamma(a + b) - mp.digamma(a)))
    assert np.isclose(tg.grad(lambda z: sp.poch(z, b))(a), want_poch, rtol=1e-13, atol=0)


@pytest.mark.parametrize("small,other", [(1e-12, 1.0), (1e-16, 1.0), (1e-300, 3.0), (-4e-4, 0.5),
                                         (2e-3, 2.5), (1e-24, 1e-20)])
def test_beta_family_derivatives_where_one_argument_is_small_beside_the_other(small, other):
    # ψ(b) − ψ(a + b) for a ≪ b: the plain difference lost log|ψ(b)|·b/a ulps (0 from a = 1e-16)
    with mp.workdps(400):
        a, b = mp.mpf(small), mp.mpf(other)
        want_b = float(mp.digamma(b) - mp.digamma(a + b))  # ∂ betaln/∂b
        want_beta = float(mp.beta(a, b) * (mp.digamma(b) - mp.digamma(a + b)))  # ∂B/∂a at B(b, a)
        want_poch = float(mp.rf(b, a) * (mp.digamma(a + b) - mp.digamma(b)))  # ∂ poch(z, m)/∂z at z = b
        want_bb = float(-mp.diff(lambda t: mp.digamma(t), a + b))  # ∂² betaln/∂b∂a
    assert np.isclose(tg.grad(sp.betaln, argnums=1)(small, other), want_b, rtol=1e-14, atol=0)
    assert np.isclose(tg.jit(tg.grad(sp.betaln, argnums=1))(np.float64(small), np.float64(other)), want_b,
                      rtol=1e-14, atol=0)
    assert np.isclose(tg.grad(sp.beta, argnums=0)(other, small), want_beta, rtol=1e-14, atol=0)
    assert np.isclose(tg.grad(lambda z: sp.poch(z, small))(other), want_poch, rtol=1e-13, atol=0)
    assert np.isclose(tg.grad(tg.grad(sp.betaln, argnums=1))(small, other), want_bb, rtol=1e-12, atol=0)


@pytest.mark.parametrize("a,b", [(1e-6, 1e-10), (1e-8, 1e-12), (1e-20, -1e-24), (1e-3, 1e-7), (0.5, 1e-5)])
def test_beta_family_derivatives_in_float32_stay_finite_where_the_series_would_overflow(a, b):
    # (ψ⁽⁶⁾(x) ≈ 720/x⁷ overflows float32 below x ≈ 1e-5: the series is used from 1e-4 on)
    with mp.workdps(60):
        want = [float(mp.digamma(a) - mp.digamma(mp.mpf(a) + b)), float(mp.digamma(b) - mp.digamma(mp.mpf(a) + b))]
    got = tg.grad(sp.betaln, argnums=(0, 1))(np.float32(a), np.float32(b))
    assert all(g.dtype == np.float32 for g in got)
    np.testing.assert_allclose(np.array(got, np.float64), want, rtol=2e-4)


@pytest.mark.parametrize("x", [100., 1e4, 1e8, -1e4])
def test_erfcx_and_dawsn_slopes_far_out(x):
    if x > 0:
        want = float(mp.diff(lambda t: mp.exp(t * t) * mp.erfc(t), x))
        assert np.isclose(tg.grad(sp.erfcx)(x), want, rtol=1e-14, atol=0)
    want = float(1 - 2 * mp.mpf(x) * (mp.sqrt(mp.pi) / 2 * mp.exp(-mp.mpf(x) ** 2) * mp.erfi(x)))
    assert np.isclose(tg.grad(sp.dawsn)(x), want, rtol=1e-13, atol=0)


def test_gammainc_derivative_in_a_is_bounded_for_huge_a():
    start = time.perf_counter()
    for a in (1e10, 1e300):
        assert np.isnan(tg.grad(sp.gammainc)(a, a))  # not computed: NaN, at once
    assert time.perf_counter() - start < 5
    assert tg.grad(sp.gammainc)(2e8, 1e8) == 0.
    key = tg.random.PRNGKey(0)
    with np.errstate(over="ignore"), pytest.raises(ValueError, match="random.gamma"):
        tg.grad(lambda a: tg.sum(tg.random.gamma(key, a, (4,))))(1e13)  # never a silent 0
    g = tg.grad(lambda a: tg.sum(tg.random.gamma(key, a, (4,))))(1e4)
    assert np.isfinite(g) and 3.9 < g < 4.1
