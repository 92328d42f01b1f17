"""hyp1f1's derivatives in its parameters a and b (tensorgrad/ops/hyp1f1_params.py).

The registry table compares the first and second derivatives with JAX on a few small
inputs; this file checks the values against mpmath over the wide range (where JAX's plain
series, 250 terms without Kummer's transformation, is not accurate), JAX where it is, the
transforms' consistency, float32, and the edges.
"""
import itertools

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import mpmath
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.ops.hyp1f1_params import hyp1f1_deriv

jax.config.update("jax_enable_x64", True)
mpmath.mp.dps = 30


def _mp_derivs(a, b, x):
    """(∂/∂a, ∂/∂b) of ₁F₁ by mpmath."""
    a, b, x = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(x)
    return (float(mpmath.diff(lambda s: mpmath.hyp1f1(s, b, x), a)),
            float(mpmath.diff(lambda s: mpmath.hyp1f1(a, s, x), b)))


def _grid(p_low, p_high):
    """Points of a ∈ (−10, 30), b ∈ (−10, 30) (b off the non-positive integers), |x| ≤ 50 whose
    series' numerator parameter (a for x ≥ 0, b − a for x < 0) lies in [p_low, p_high)."""
    a_s = [-9.3, -4.6, -1.3, 0.0, 0.5, 3.7, 12.2, 29.4]
    b_s = [-7.5, -2.3, 0.4, 2.0, 9.9, 27.1]
    x_s = [-50.0, -31.0, -7.2, -0.3, 0.0, 0.8, 9.0, 33.0, 50.0]
    pts = [(a, b, x) for a, b, x in itertools.product(a_s, b_s, x_s)
           if p_low <= (a if x >= 0 else b - a) < p_high]
    return tuple(np.array(v) for v in zip(*pts))


def _check_against_mpmath(p_low, p_high, rtol):
    a, b, x = _grid(p_low, p_high)
    got_a = tg.grad(lambda u: tg.sum(tg.hyp1f1(u, b, x)))(a)
    got_b = tg.grad(lambda v: tg.sum(tg.hyp1f1(a, v, x)))(b)
    want = np.array([_mp_derivs(*p) for p in zip(a, b, x)])
    np.testing.assert_allclose(got_a, want[:, 0], rtol=rtol, atol=0)
    np.testing.assert_allclose(got_b, want[:, 1], rtol=rtol, atol=0)
    return len(a)


def test_values_match_mpmath_where_the_series_cancels_little():
    # the numerator parameter ≥ −5 (the measured maximum over 3000 random points: 2e-13)
    assert _check_against_mpmath(-5.0, np.inf, 1e-11) > 200


def test_values_where_the_series_cancels_are_documented():
    # numerator parameter in [−10, −5): measured up to 5e-10; below −10 digits are lost
    # (3e-8 at −15, 5e-5 at −25, 1e-2 at −30 with |x| ≈ 30: see the module's docstring)
    assert _check_against_mpmath(-10.0, -5.0, 1e-8) > 10


def test_large_x():
    a, b, x = np.array([0.5, 3.0, 12.0, 2.5]), np.array([1.5, 7.0, 2.0, 2.5]), np.array([200.0, -300.0, 150.0, -120.0])
    got = tg.grad(lambda u, v: tg.sum(tg.hyp1f1(u, v, x)), argnums=(0, 1))(a, b)
    want = np.array([_mp_derivs(*p) for p in zip(a, b, x)])
    np.testing.assert_allclose(got[0], want[:, 0], rtol=1e-11)
    np.testing.assert_allclose(got[1], want[:, 1], rtol=1e-11)


def test_grad_matches_jax_where_jax_is_accurate():
    rng = np.random.default_rng(3)
    a, b, x = rng.uniform(0.2, 6, 20), rng.uniform(0.3, 6, 20), rng.uniform(-3, 6, 20)
    f = lambda u, v, w: jnp.sum(jss.hyp1f1(u, v, w))  # noqa: E731
    want = jax.grad(f, argnums=(0, 1, 2))(a, b, x)
    got = tg.grad(lambda u, v, w: tg.sum(tg.hyp1f1(u, v, w)), argnums=(0, 1, 2))(a, b, x)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(tg.grad(tg.hyp1f1, argnums=(0, 1))(1.5, 2.0, 0.3),
                               (0.1836065810500027, -0.138830647951131), rtol=1e-13)


def test_second_derivatives_match_jax_forward_over_reverse():
    # JAX's a/b derivatives are while loops: jax.grad(jax.grad) raises, jax.jacfwd(jax.grad) works
    a, b, x = 1.3, 2.4, np.array([-1.5, 0.4, 2.5])
    for i, j in itertools.product(range(3), repeat=2):
        want = np.array([jax.jacfwd(jax.grad(jss.hyp1f1, argnums=i), argnums=j)(a, b, float(v)) for v in x])
        got = tg.grad(lambda *s: tg.sum(tg.grad(lambda *t: tg.sum(tg.hyp1f1(*t)), argnums=i)(*s)),
                      argnums=j)(np.full(3, a), np.full(3, b), x)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="Reverse-mode"):
        jax.grad(jax.grad(jss.hyp1f1, argnums=0), argnums=0)(a, b, 0.3)


def test_third_order_in_the_parameters_raises():
    d2 = tg.grad(lambda u: tg.sum(tg.grad(lambda v: tg.sum(tg.hyp1f1(v, 2.0, 0.3)))(u)))
    assert np.isfinite(d2(np.array([1.5]))).all()
    with pytest.raises(NotImplementedError, match="hyp1f1: no derivative in a at order 3"):
        tg.grad(lambda u: tg.sum(d2(u)))(np.array([1.5]))
    # ... while x stays differentiable: ∂³/∂a²∂x
    got = tg.grad(lambda w: tg.sum(hyp1f1_deriv(1.5, 2.0, w, 2, 0)))(np.array([0.3]))
    f = jax.jacfwd(jax.jacfwd(jax.grad(jss.hyp1f1, argnums=2), argnums=0), argnums=0)
    np.testing.assert_allclose(got, [f(1.5, 2.0, 0.3)], rtol=1e-9)


def test_jvp_and_vjp_agree():
    rng = np.random.default_rng(5)
    xs = (rng.uniform(-3, 8, 6), rng.uniform(0.5, 9, 6), rng.uniform(-20, 20, 6))
    ts = tuple(rng.normal(size=6) for _ in range(3))
    u = rng.normal(size=6)
    out, jv = tg.jvp(tg.hyp1f1, xs, ts)
    out2, pullback = tg.vjp(tg.hyp1f1, *xs)
    np.testing.assert_allclose(out, out2)
    lhs, rhs = np.vdot(u, jv), sum(np.vdot(g, t) for g, t in zip(pullback(u), ts))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)
    h = 1e-6  # and central differences
    fd = (tg.hyp1f1(*[x + h * t for x, t in zip(xs, ts)]) - tg.hyp1f1(*[x - h * t for x, t in zip(xs, ts)])) / (2 * h)
    np.testing.assert_allclose(jv, fd, rtol=1e-6, atol=1e-8)


def test_float32():
    a, b, x = (np.array(v, np.float32) for v in ([0.5, 2.5, 7.0], [1.5, 3.0, 2.2], [-4.0, 0.7, 12.0]))
    ga, gb = tg.grad(lambda u, v: tg.sum(tg.hyp1f1(u, v, x)), argnums=(0, 1))(a, b)
    assert ga.dtype == gb.dtype == np.float32
    want = np.array([_mp_derivs(*p) for p in zip(a.astype(float), b.astype(float), x.astype(float))])
    np.testing.assert_allclose(ga, want[:, 0], rtol=1e-6)
    np.testing.assert_allclose(gb, want[:, 1], rtol=1e-6)


def test_edges():
    with np.errstate(all="raise"):
        # b a pole of the series, non-finite inputs: NaN; a = 0 (₁F₁ = 1) and x = 0 are exact
        got = hyp1f1_deriv(np.array([1.5, 1.5, np.nan, 0.0, 2.0]), np.array([-2.0, 0.0, 1.0, 1.5, 3.0]),
                           np.array([0.3, 0.3, 0.3, 0.7, 0.0]), 1, 0)
        assert np.isnan(got[:3]).all()
        # ∂/∂a at a = 0: Σ xᵏ/(k·(b)ₖ)
        want = sum(0.7 ** k / (k * float(mpmath.rf(1.5, k))) for k in range(1, 40))
        np.testing.assert_allclose(got[3], want, rtol=1e-14)
        assert got[4] == 0.0
        # a a negative integer (a polynomial): the derivative is finite and right
        got = tg.grad(lambda u: tg.sum(tg.hyp1f1(u, 1.5, 2.0)))(np.array([-3.0]))
        np.testing.assert_allclose(got, [_mp_derivs(-3.0, 1.5, 2.0)[0]], rtol=1e-12)
    with pytest.raises(ValueError, match="hyp1f1_deriv"):
        hyp1f1_deriv(1.0, 2.0, 0.3, 3, 0)


def test_derivatives_beyond_the_trusted_range_are_nan_not_garbage():
    # an underflowed eˣ (x < −700) or a numerator parameter below −40 (the terms cancel):
    # NaN rather than 0 or a number off by 90 orders of magnitude
    for a, b, x in ((1.5, 2.5, -800.0), (-45.5, 1.0, 100.0), (-500.5, 1.0, 300.0)):
        g = tg.grad(lambda p: tg.special.hyp1f1(p, b, x))(a)
        assert np.isnan(g), (a, b, x, g)
    assert np.isfinite(tg.special.hyp1f1(1.5, 2.5, -800.0))  # the value itself stays SciPy's
